#!/bin/sh
# 'jta-admin init' and 'jta-admin check' on PostgreSQL (cli/admin-pg.c,
# README "Several hosts on PostgreSQL"), on the private cluster of
# tests/pg-cluster.sh (or the one of JTA_TEST_PG): init creates and
# migrates the schema and is safe to run again; check reports the
# server, the schema version and the privileges, and fails naming what
# is wrong for a schema not created, a role without privileges, a
# read-only database, a wrong password and a server that is down; the
# password is never printed.  Skips (77) in a build without libpq or
# without a PostgreSQL server.
set -eu
b=${JTA_BUILDDIR:-.}
s=${JTA_SRCDIR:-.}
if ! grep -q '^#define HAVE_LIBPQ 1' "$b/config.h"; then
	echo "admin-pg.sh: built without libpq (install libpq-dev)" >&2
	exit 77
fi
if [ -z "${JTA_TEST_PG:-}" ]; then
	exec sh "$s/tests/pg-cluster.sh" sh "$s/tests/admin-pg.sh"
fi

admin="$b/cli/jta-admin"
t=$(mktemp -d "${TMPDIR:-/tmp}/jta-admin-pg.XXXXXX")
web=
cleanup() {
	if [ -n "$web" ]; then
		kill "$web" 2>/dev/null || true
	fi
	rm -rf "$t"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
pw=$(cat "$JTA_TEST_PG_PASSWORD_FILE")
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

psql_admin() {
	PGPASSWORD=$pw "$JTA_TEST_PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 \
	    "$JTA_TEST_PG${1:+ dbname=$1}" -c "$2" >/dev/null
}

# A free loopback port (nothing listens on it once this returns).
freeport() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Atlassian's two origins (check reaches them in Jira mode): a plain
# HTTP server on the loopback stands in for both.
wport=$(freeport)
mkdir "$t/www"
(cd "$t/www" && exec python3 -m http.server --bind 127.0.0.1 "$wport") \
    >/dev/null 2>&1 &
web=$!
i=0
until python3 -c "import socket; socket.create_connection(('127.0.0.1', \
$wport), 1)" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { echo "stand-in did not start" >&2; exit 1; }
	sleep 0.1
done

db="jta_admin_$$"
psql_admin "" "CREATE DATABASE $db"
umask 077
printf 'not-a-real-secret\n' > "$t/client-secret"
mkdir -m 750 "$t/sockets" "$t/logs"

# conf FILE URL [PASSWORD_FILE]
conf() {
	cat > "$1" <<EOF
backend = jira
atlassian_client_id = test-client
atlassian_client_secret_file = $t/client-secret
atlassian_auth_url = http://127.0.0.1:$wport
atlassian_api_url = http://127.0.0.1:$wport
vault_key_file = $t/keys/vault.key
token_key_file = $t/keys/token.key
database = $t/state/jta.db
database_url = $2
database_password_file = ${3:-$JTA_TEST_PG_PASSWORD_FILE}
EOF
}

# run NAME CONF ARGS...: output in $t/NAME.out, status in $rc.
run() {
	n=$1
	c=$2
	shift 2
	rc=0
	"$admin" --config "$c" "$@" > "$t/$n.out" 2>&1 || rc=$?
	if grep -qF "$pw" "$t/$n.out"; then
		fail "$n: the password is in the output"
	fi
}

has() {
	grep -qF "$2" "$t/$1.out" || fail "$1: no '$2' in: $(cat "$t/$1.out")"
}

good="$JTA_TEST_PG dbname=$db"
conf "$t/good.conf" "$good"

# Before init: check fails, saying what to run.
run before "$t/good.conf" check --sockets "$t/sockets" --logs "$t/logs"
[ "$rc" -ne 0 ] || fail "before: check passed on a database without schema"
has before "schema version 0, this build's is"
has before "run 'jta-admin init'"
has before "ok   database_url connects: PostgreSQL 1"

# init creates the schema (and the key files); again, it is a no-op.
run init "$t/good.conf" init
[ "$rc" -eq 0 ] || fail "init: status $rc: $(cat "$t/init.out")"
has init "is at schema version"
[ -s "$t/keys/vault.key" ] || fail "init: no vault key file"
[ ! -e "$t/state/jta.db" ] || fail "init: made a SQLite file"
run init2 "$t/good.conf" init
[ "$rc" -eq 0 ] || fail "init again: status $rc: $(cat "$t/init2.out")"
v=$(sed -n 's/.*is at schema version \([0-9]*\)$/\1/p' "$t/init.out")
has init2 "is at schema version $v"

run ok "$t/good.conf" check --sockets "$t/sockets" --logs "$t/logs"
has ok "ok   database schema version $v is this build's"
has ok "may select, insert, update and delete in every table of ours"
has ok "ok   database accepts writes"
# Every storage contract is on PostgreSQL and the programs select it:
# check has nothing to refuse.
[ "$rc" -eq 0 ] || fail "check: status $rc: $(cat "$t/ok.out")"
has ok "check: ok"
if grep -q "^FAIL the programs refuse database_url" "$t/ok.out"; then
	fail "check: says the programs refuse database_url"
fi

# A role that may log in and read, but not write.
ro="${db}_reader"
psql_admin "$db" "CREATE ROLE $ro LOGIN PASSWORD '$pw'; GRANT SELECT ON \
ALL TABLES IN SCHEMA public TO $ro"
conf "$t/ro.conf" "$good user=$ro"
run noprivs "$t/ro.conf" check --sockets "$t/sockets" --logs "$t/logs"
[ "$rc" -ne 0 ] || fail "noprivs: check passed for a role that cannot write"
has noprivs "FAIL database privileges of role $ro: the role may not INSERT"
has noprivs "may create tables in schema public: no"
has noprivs "check: FAIL"
# ... nor can it create the schema of a new database.
psql_admin "" "CREATE DATABASE ${db}_b"
psql_admin "${db}_b" "REVOKE CREATE ON SCHEMA public FROM PUBLIC"
conf "$t/rob.conf" "$JTA_TEST_PG dbname=${db}_b user=$ro"
run noinit "$t/rob.conf" init
[ "$rc" -ne 0 ] || fail "noinit: init passed for a role that cannot create"
has noinit "migration failed"

# A read-only database.
psql_admin "" "ALTER DATABASE $db SET default_transaction_read_only = on"
run readonly "$t/good.conf" check --sockets "$t/sockets" --logs "$t/logs"
[ "$rc" -ne 0 ] || fail "readonly: check passed on a read-only database"
has readonly "FAIL database is read-only"
psql_admin "" "ALTER DATABASE $db RESET default_transaction_read_only"

# A wrong password: refused, and neither password is shown.
printf 'Wrong-Secret-%s\n' "$$" > "$t/wrongpw"
conf "$t/wrong.conf" "$good" "$t/wrongpw"
run wrongpw "$t/wrong.conf" check --sockets "$t/sockets" --logs "$t/logs"
[ "$rc" -ne 0 ] || fail "wrongpw: check passed with a wrong password"
has wrongpw "FAIL database_url: cannot connect"
if grep -qF "Wrong-Secret-$$" "$t/wrongpw.out"; then
	fail "wrongpw: the password is in the output"
fi

# A server that is down: nothing listens where database_url points.
dport=$(freeport)
conf "$t/down.conf" "host=127.0.0.1 port=$dport dbname=$db user=jta"
run down "$t/down.conf" check --sockets "$t/sockets" --logs "$t/logs"
[ "$rc" -ne 0 ] || fail "down: check passed with the server down"
has down "FAIL database_url: cannot connect"
has down "check: FAIL"
run downinit "$t/down.conf" init
[ "$rc" -ne 0 ] || fail "down: init passed with the server down"
has downinit "database_url: cannot connect"

# libpq is loaded at the first connection (common/db/pg/jta_pq.h): a
# library by its name that is not libpq (found first through
# LD_LIBRARY_PATH) is refused with a line naming the function missing,
# and init fails.
soname=$(sed -n 's/^#define JTA_LIBPQ_SONAME "\(.*\)"$/\1/p' "$b/config.h")
mkdir "$t/fakepq"
printf 'int jta_not_libpq(void);\nint jta_not_libpq(void) { return 0; }\n' \
    > "$t/fakepq/fake.c"
${CC:-cc} -shared -fPIC -o "$t/fakepq/$soname" "$t/fakepq/fake.c"
rc=0
LD_LIBRARY_PATH="$t/fakepq" "$admin" --config "$t/good.conf" init \
    > "$t/fakepq.out" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "fakepq: init passed without a real libpq"
has fakepq "database_url: $soname has no PQ"

if [ "$fails" -ne 0 ]; then
	echo "admin-pg.sh: $fails failure(s)" >&2
	exit 1
fi
echo "admin-pg.sh: ok"
