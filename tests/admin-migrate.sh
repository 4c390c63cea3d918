#!/bin/sh
# 'jta-admin migrate' (cli/admin-migrate.c, common/db/pg/jta_pg_import.c,
# README "Moving a SQLite deployment into PostgreSQL") on the private
# cluster of tests/pg-cluster.sh (or the one of JTA_TEST_PG).  A SQLite
# database is populated through jta-admin (people, a password, an API
# key, a client, rules, a quota, the switch, audit rows) and the store
# API (tests/pgmig_helper: a link with sealed tokens, a GPT sign-in, a
# draft with a file, usage counted); then: migrate refuses a PostgreSQL database without the
# schema and a SQLite file at an older version, naming the command to
# run; a dry run changes nothing; migrate moves; migrate again moves
# nothing twice; through the PostgreSQL store the API key, the password
# and the sign-in work, the link's tokens unseal with the same key files,
# the client, the rules and the draft are there; a key revoked and a link
# renewed on SQLite since are carried over by a run again; a database
# where another person has a moved id is refused; two migrates at once
# move each row once; no token, hash or password is printed.  Skips (77)
# in a build without libpq or without a PostgreSQL server.
set -eu
b=${JTA_BUILDDIR:-.}
s=${JTA_SRCDIR:-.}
if ! grep -q '^#define HAVE_LIBPQ 1' "$b/config.h"; then
	echo "admin-migrate.sh: built without libpq (install libpq-dev)" >&2
	exit 77
fi
if [ -z "${JTA_TEST_PG:-}" ]; then
	exec sh "$s/tests/pg-cluster.sh" sh "$s/tests/admin-migrate.sh"
fi

# usage_daily counts per UTC day: do not start in a day's last five
# minutes, or the usage counted would fall on two days (as
# tests/integration/jtatest.py and tests/unit/check_main.c).
left=$((86400 - $(date -u +%s) % 86400))
if [ "$left" -le 300 ]; then
	echo "waiting $((left + 2)) s for the UTC day to turn" >&2
	sleep $((left + 2))
fi

admin="$b/cli/jta-admin"
helper="$b/tests/pgmig_helper"
t=$(mktemp -d "${TMPDIR:-/tmp}/jta-migrate.XXXXXX")
trap 'rm -rf "$t"' EXIT
trap 'exit 1' HUP INT TERM
pgpw=$(cat "$JTA_TEST_PG_PASSWORD_FILE")
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

psql_q() {
	PGPASSWORD=$pgpw "$JTA_TEST_PG_BINDIR/psql" -X -q -t -A \
	    -v ON_ERROR_STOP=1 "$JTA_TEST_PG${1:+ dbname=$1}" -c "$2"
}

umask 077
mkdir "$t/keys" "$t/state"
redirect=https://chat.openai.com/aip/g-moved/oauth/callback
# conf FILE [URL]
conf() {
	{
		echo "backend = jira"
		echo "atlassian_client_id = test-client"
		echo "atlassian_client_secret_file = $t/client-secret"
		echo "atlassian_auth_url = http://127.0.0.1:9"
		echo "atlassian_api_url = http://127.0.0.1:9"
		echo "vault_key_file = $t/keys/vault.key"
		echo "token_key_file = $t/keys/token.key"
		echo "database = $t/state/jta.db"
		if [ -n "${2:-}" ]; then
			echo "database_url = $2"
			echo "database_password_file = $JTA_TEST_PG_PASSWORD_FILE"
		fi
	} > "$1"
}
printf 'not-a-real-secret\n' > "$t/client-secret"
conf "$t/sqlite.conf"

# run NAME CONF ARGS...: output in $t/NAME.out, status in $rc.
run() {
	n=$1
	c=$2
	shift 2
	rc=0
	"$admin" --config "$c" --operator tester "$@" > "$t/$n.out" 2>&1 ||
	    rc=$?
}
has() {
	grep -qF -- "$2" "$t/$1.out" || fail "$1: no '$2' in: $(cat "$t/$1.out")"
}
ok() {
	[ "$rc" -eq 0 ] || fail "$1: status $rc: $(cat "$t/$1.out")"
}

# ---- a populated SQLite deployment ----
run init "$t/sqlite.conf" init; ok init
run ua "$t/sqlite.conf" user add alice; ok ua
run ub "$t/sqlite.conf" user add bob; ok ub
password="Moved-Password-$$"
rc=0
printf '%s\n' "$password" | "$admin" --config "$t/sqlite.conf" \
    --operator tester user passwd alice > "$t/pw.out" 2>&1 || rc=$?
ok pw
run key "$t/sqlite.conf" key create alice; ok key
apikey=$(grep '^jta_' "$t/key.out" | head -n 1)
[ -n "$apikey" ] || fail "key: no key in $(cat "$t/key.out")"
run client "$t/sqlite.conf" client add --name "Moved GPT" \
    --redirect-uri "$redirect"; ok client
client=$(sed -n 's/^client_id: //p' "$t/client.out")
csecret=$(sed -n 's/^client_secret: //p' "$t/client.out")
run allow "$t/sqlite.conf" allow project OPS; ok allow
run deny "$t/sqlite.conf" deny person bob@example.com; ok deny
run quota "$t/sqlite.conf" quota set --default-person --metric calls \
    --limit 500 --per day; ok quota
run off "$t/sqlite.conf" off --message "moving house"; ok off
"$helper" populate "$t/state/jta.db" "$t/keys/vault.key" \
    "$t/keys/token.key" "$client" "$redirect" "$t/tokens" > "$t/pop.out" \
    2>&1 || fail "populate: $(cat "$t/pop.out")"
sqlite_audit() {
	python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute(
    "SELECT count(*) FROM audit_log").fetchone()[0])' "$t/state/jta.db"
}
audit=$(sqlite_audit)
[ "$audit" -ge 5 ] || fail "only $audit audit rows in the SQLite file"

# ---- the PostgreSQL side ----
db="jta_migrate_$$"
psql_q "" "CREATE DATABASE $db" >/dev/null
url="$JTA_TEST_PG dbname=$db"
conf "$t/pg.conf" "$url"

# Before 'jta-admin init' on PostgreSQL: refused, naming the command.
run noschema "$t/pg.conf" migrate
[ "$rc" -ne 0 ] || fail "noschema: migrate into a database without schema"
has noschema "run jta-admin init (with database_url set) first"
has noschema "nothing was moved"
run pginit "$t/pg.conf" init; ok pginit

# backend = local: the embedded store stays on SQLite; refused.
sed 's/^backend = jira/backend = local/' "$t/pg.conf" > "$t/local.conf"
run local "$t/local.conf" migrate
[ "$rc" -ne 0 ] || fail "local: migrate with backend = local"
has local "backend = local"

# A SQLite file at an older schema version: refused, naming the command.
cp "$t/state/jta.db" "$t/old.db"
python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version = 19")
c.commit()' "$t/old.db"
sed "s|^database = .*|database = $t/old.db|" "$t/pg.conf" > "$t/old.conf"
run old "$t/old.conf" migrate
[ "$rc" -ne 0 ] || fail "old: migrate from an older SQLite schema"
has old "run jta-admin init on the SQLite file first"

# counts: rows of the tables a move fills, one line.
counts() {
	psql_q "$db" "SELECT (SELECT count(*) FROM users), (SELECT count(*)
FROM api_keys), (SELECT count(*) FROM atlassian_links), (SELECT count(*)
FROM oauth_clients), (SELECT count(*) FROM oauth_tokens), (SELECT count(*)
FROM policy_rules), (SELECT count(*) FROM quotas), (SELECT count(*) FROM
audit_log), (SELECT count(*) FROM drafts), (SELECT enabled FROM
policy_settings)"
}
before=$(counts)
[ "$before" = "0|0|0|0|0|0|0|0|0|1" ] || fail "fresh database: $before"

# A dry run: the counts of a real run, nothing changed.
run dry "$t/pg.conf" migrate --dry-run; ok dry
has dry "nothing was changed"
grep -Eq '^users +3 to move, +0 already there' "$t/dry.out" ||
    fail "dry: users: $(cat "$t/dry.out")"
[ "$(counts)" = "$before" ] || fail "dry run changed the database: $(counts)"

# The move.
run move "$t/pg.conf" migrate; ok move
has move "migrate: done"
for row in "users 3" "api_keys 1" "atlassian_links 1" "oauth_clients 1" \
    "oauth_tokens 2" "policy_rules 2" "quotas 1" "audit_log $audit" \
    "drafts 1" "draft_attachments 1" "usage_daily 1" "usage_seen 1" \
    "policy_settings 1"; do
	set -- $row
	grep -Eq "^$1 +$2 moved, +0 already there" "$t/move.out" ||
	    fail "move: $1: want $2 moved: $(grep "^$1 " "$t/move.out")"
done
after=$(counts)
[ "$after" = "3|1|1|1|2|2|1|$audit|1|0" ] || fail "after the move: $after"
u=$(psql_q "$db" "SELECT calls, creates FROM usage_daily d JOIN users u ON
u.id = d.user_id WHERE u.name = 'alice'")
[ "$u" = "2|1" ] || fail "alice's usage after the move: '$u'"
diff "$t/dry.out" "$t/move.out" | grep -q 'to move' ||
    fail "dry run and move differ in more than their words"

# Again: nothing twice.
run again "$t/pg.conf" migrate; ok again
for row in "users 3" "api_keys 1" "atlassian_links 1" "oauth_tokens 2" \
    "audit_log $audit" "drafts 1" "policy_settings 1"; do
	set -- $row
	grep -Eq "^$1 +0 moved, +$2 already there" "$t/again.out" ||
	    fail "again: $1: $(grep "^$1 " "$t/again.out")"
done
[ "$(counts)" = "$after" ] || fail "the second run moved rows: $(counts)"

# Through the PostgreSQL store: it all still works.
"$helper" verify "$url" "$JTA_TEST_PG_PASSWORD_FILE" "$t/keys/vault.key" \
    "$t/keys/token.key" "$client" "$apikey" "$password" "$t/tokens" \
    > "$t/verify.out" 2>&1 || fail "verify: $(cat "$t/verify.out")"

# The programs kept serving on SQLite after the move: a run again
# carries over what only moves forward (a key revoked, a sign-in
# revoked by a new password, a link renewed, a draft's file uploaded)
# and leaves the rest.  The sleep puts the renewal in a later second than
# the copy's updated (Unix seconds), as a real refresh after a move is.
sleep 1
audit0=$(sqlite_audit)
keyid=$(printf '%s' "$apikey" | cut -c5-16)
run revoke "$t/sqlite.conf" key revoke "$keyid"; ok revoke
# A new password revokes every token of alice's (her sign-in's family).
rc=0
printf 'Another-Password-%s\n' "$$" | "$admin" --config "$t/sqlite.conf" \
    --operator tester user passwd alice > "$t/pw2.out" 2>&1 || rc=$?
ok pw2
"$helper" relink "$t/state/jta.db" "$t/keys/vault.key" \
    "$t/keys/token.key" > "$t/relink.out" 2>&1 ||
    fail "relink: $(cat "$t/relink.out")"
run forward "$t/pg.conf" migrate; ok forward
audit=$(sqlite_audit)
for row in "users 0 3" "api_keys 1 0" "atlassian_links 1 0" \
    "oauth_tokens 4 0" "drafts 0 1" "draft_attachments 1 0" \
    "audit_log $((audit - audit0)) $audit0"; do
	set -- $row
	grep -Eq "^$1 +$2 moved, +$3 already there" "$t/forward.out" ||
	    fail "forward: $1: $(grep "^$1 " "$t/forward.out")"
done
"$helper" after "$url" "$JTA_TEST_PG_PASSWORD_FILE" "$t/keys/vault.key" \
    "$t/keys/token.key" "$apikey" "$t/tokens" > "$t/after.out" 2>&1 ||
    fail "after: $(cat "$t/after.out")"

# A row of another person under a moved id: refused, nothing written.
db2="jta_migrate2_$$"
psql_q "" "CREATE DATABASE $db2" >/dev/null
conf "$t/pg2.conf" "$JTA_TEST_PG dbname=$db2"
run init2 "$t/pg2.conf" init; ok init2
psql_q "$db2" "INSERT INTO users (id, name, display_name, created)
VALUES (1, 'mallory', 'M', 0)" >/dev/null
run clash "$t/pg2.conf" migrate
[ "$rc" -ne 0 ] || fail "clash: migrate over another person's id"
has clash "users: a row there has the id or key of a different row"
[ "$(psql_q "$db2" "SELECT count(*) FROM users")" = 1 ] ||
    fail "clash: the refused run wrote rows"
psql_q "$db2" "DELETE FROM users" >/dev/null

# Two at once (two hosts): each row moved once.
rc1=0
rc2=0
"$admin" --config "$t/pg2.conf" migrate > "$t/c1.out" 2>&1 & p1=$!
"$admin" --config "$t/pg2.conf" migrate > "$t/c2.out" 2>&1 & p2=$!
wait "$p1" || rc1=$?
wait "$p2" || rc2=$?
[ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ] ||
    fail "two at once: $rc1 $rc2: $(cat "$t/c1.out" "$t/c2.out")"
m=$(cat "$t/c1.out" "$t/c2.out" | awk '$1 == "users" { n += $2 } END {
print n }')
[ "$m" = 3 ] || fail "two at once moved $m users, want 3"
[ "$(psql_q "$db2" "SELECT count(*) FROM audit_log")" = "$audit" ] ||
    fail "two at once: audit rows"

# Nothing secret was printed by any run.
for secret in "$apikey" "$password" "$csecret" "$pgpw" \
    "$(sed -n 2p "$t/tokens")" "$(sed -n 3p "$t/tokens")" \
    atlassian-access-token-moved-sealed \
    atlassian-access-token-renewed-sealed; do
	[ -n "$secret" ] || continue
	if cat "$t"/noschema.out "$t"/old.out "$t"/dry.out "$t"/move.out \
	    "$t"/again.out "$t"/forward.out "$t"/clash.out "$t"/c1.out \
	    "$t"/c2.out |
	    grep -qF -- "$secret"; then
		fail "a secret is in migrate's output"
	fi
done
if cat "$t"/move.out "$t"/again.out | grep -Eq '\\x|[0-9a-f]{32}'; then
	fail "a hash is in migrate's output"
fi

if [ "$fails" -ne 0 ]; then
	echo "admin-migrate.sh: $fails failure(s)" >&2
	exit 1
fi
echo "admin-migrate.sh: ok"
