#!/bin/sh
# Run a command with a private PostgreSQL cluster (README "Several hosts
# on PostgreSQL"): initdb + pg_ctl on a temporary directory, listening on
# 127.0.0.1 at a free port and on a Unix socket in that directory, with
# SCRAM password authentication (the password in a 0600 file, as
# database_password_file wants it).  The command sees
#
#   JTA_TEST_PG                libpq conninfo (host, port, dbname, user)
#   JTA_TEST_PG_PASSWORD_FILE  the password, mode 0600
#   JTA_TEST_PG_SOCKET         the directory of the Unix socket
#   JTA_TEST_PG_BINDIR         the server's programs (pg_ctl, ...)
#   JTA_TEST_PG_DATA           the cluster's data directory
#
# and the cluster is stopped and removed when it exits.  When JTA_TEST_PG
# is already set, the command runs on that cluster: wrap a whole run,
#
#   sh tests/pg-cluster.sh make check TESTS='...'
#
# and every suite shares one cluster.  initdb refuses to run as root, so
# as root the server runs as JTA_TEST_PG_USER (default nobody) in a
# directory it owns.  Exits 77 (skip) when no PostgreSQL server is
# installed (cli/deps.sh test installs postgresql-15).
#
#   sh tests/pg-cluster.sh COMMAND [ARG...]
set -eu

if [ -n "${JTA_TEST_PG:-}" ]; then
	exec "$@"
fi

bindir=
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
	if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
		bindir=$d
		break
	fi
done
if [ -z "$bindir" ]; then
	echo "pg-cluster.sh: no PostgreSQL server (install postgresql-15)" >&2
	exit 77
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/jta-pg.XXXXXX")
chmod 755 "$dir"
as=
if [ "$(id -u)" -eq 0 ]; then
	user=${JTA_TEST_PG_USER:-nobody}
	chown "$user" "$dir"
	as="runuser -u $user --"
fi
started=0
stop() {
	if [ "$started" -eq 1 ]; then
		$as timeout 60 "$bindir/pg_ctl" -D "$dir/data" -m fast -w \
		    -t 30 stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
}
trap stop EXIT
trap 'exit 1' HUP INT TERM

# The password: random, in a 0600 file of ours; initdb reads a copy.
pw=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
umask 077
printf '%s\n' "$pw" > "$dir/password"
printf '%s\n' "$pw" > "$dir/initpw"
umask 022
if [ -n "$as" ]; then
	chown "$user" "$dir/initpw"
fi
$as timeout 120 "$bindir/initdb" -D "$dir/data" -U jta -E UTF8 \
    --locale=C.UTF-8 -A scram-sha-256 --pwfile="$dir/initpw" \
    >"$dir/initdb.log" 2>&1 || {
	cat "$dir/initdb.log" >&2
	exit 1
}
rm -f "$dir/initpw"

# A free loopback port; bind may still race another process, so a few
# tries (pg_ctl -w fails at once when the port is taken).
tries=0
while :; do
	port=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
	# fsync=off: a test cluster on a temporary directory need not
	# survive a power cut, and the suite runs faster.
	if $as timeout 60 "$bindir/pg_ctl" -D "$dir/data" -w -t 30 \
	    -l "$dir/server.log" -o "-c listen_addresses=127.0.0.1 \
	    -c port=$port -c unix_socket_directories=$dir -c fsync=off \
	    -c max_connections=200" start >/dev/null; then
		started=1
		break
	fi
	tries=$((tries + 1))
	if [ "$tries" -ge 3 ]; then
		cat "$dir/server.log" >&2 || true
		exit 1
	fi
done

JTA_TEST_PG="host=127.0.0.1 port=$port dbname=postgres user=jta"
JTA_TEST_PG_PASSWORD_FILE=$dir/password
JTA_TEST_PG_SOCKET=$dir
JTA_TEST_PG_BINDIR=$bindir
JTA_TEST_PG_DATA=$dir/data
export JTA_TEST_PG JTA_TEST_PG_PASSWORD_FILE JTA_TEST_PG_SOCKET \
    JTA_TEST_PG_BINDIR JTA_TEST_PG_DATA
# Bounded: a hung suite must not keep a server running.
rc=0
timeout "${JTA_TEST_PG_TIMEOUT:-1800}" "$@" || rc=$?
exit "$rc"
