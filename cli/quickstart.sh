#!/bin/sh
# Quick start: build, then serve the ticket API on 127.0.0.1 behind a real
# nginx with the embedded ticket store, the way a deployment does it (our
# nginx-conf/ locations, the spawn-fcgi script), and print an API key and
# a curl line that works.  Run as root on Debian 12.
#
#   sh cli/quickstart.sh          build and (re)start
#   sh cli/quickstart.sh stop     stop what it started
#
# State (configuration, database, key file, sockets, logs) lives in
# $JTA_QUICKSTART_DIR (default /var/lib/jta-quickstart); the port is
# $JTA_PORT (default 8080).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
state=${JTA_QUICKSTART_DIR:-/var/lib/jta-quickstart}
port=${JTA_PORT:-8080}
build=$top/build-quickstart
conf=$state/jta.conf

stop() {
	if [ -f "$state/nginx.pid" ]; then
		kill "$(cat "$state/nginx.pid")" 2>/dev/null || true
		rm -f "$state/nginx.pid"
	fi
	if [ -f "$state/sock/.started" ]; then
		JTA_BINDIR=$build/fcgi JTA_SOCKDIR=$state/sock \
		    JTA_CONFIG=$conf JTA_LOGDIR=$state/logs \
		    sh "$top/nginx-conf/jta-spawn-fcgi" stop || true
		rm -f "$state/sock/.started"
	fi
}

if [ "${1:-}" = stop ]; then
	stop
	echo "stopped"
	exit 0
fi

cd "$top"
sh cli/deps.sh
[ -x configure ] || autoreconf -fi >/dev/null 2>&1
mkdir -p "$build"
echo "building in $build (log: $build/build.log)"
(cd "$build" && { [ -f Makefile ] || "$top/configure" -q; } &&
    make -s -j"$(nproc)" >build.log 2>&1) || { tail -n 30 "$build/build.log"; exit 1; }
admin="$build/cli/jta-admin --config $conf"

stop
mkdir -p "$state/sock" "$state/logs" "$state/nginx"
chmod 0755 "$state"
chmod 0777 "$state/sock"	# nginx's workers (www-data) connect here
if [ ! -f "$conf" ]; then
	cat >"$conf" <<CONF
# Written by cli/quickstart.sh; every key is documented in README.md.
database = $state/jta.db
vault_key_file = $state/vault.key
public_url = http://127.0.0.1:$port
default_project = DEMO
log_level = info
CONF
fi
$admin init >/dev/null
$admin user list | grep -q '"name": "demo"' ||
    $admin user add demo --display-name "Demo User" >/dev/null
$admin project list | grep -q '"key": "DEMO"' ||
    $admin project add DEMO "Demo project" >/dev/null
key=$($admin key create demo --label quickstart 2>/dev/null)

JTA_BINDIR=$build/fcgi JTA_SOCKDIR=$state/sock JTA_CONFIG=$conf \
    JTA_LOGDIR=$state/logs JTA_SOCKMODE=0666 \
    sh nginx-conf/jta-spawn-fcgi start
touch "$state/sock/.started"

# nginx: our site file with this checkout's paths, in a minimal main file.
sed -e "s#/run/jta#$state/sock#g" \
    -e "s#/usr/local/share/jta/htdocs#$top/htdocs#g" \
    -e "s#listen 127.0.0.1:8080#listen 127.0.0.1:$port#" \
    -e "s#include /etc/nginx/jta-locations.conf#include $state/nginx/jta-locations.conf#" \
    nginx-conf/jta-site.conf >"$state/nginx/jta-site.conf"
sed -e "s#/run/jta#$state/sock#g" \
    -e "s#/usr/local/share/jta/htdocs#$top/htdocs#g" \
    -e "s#/etc/nginx/jta-admin-access.conf#$state/nginx/jta-admin-access.conf#" \
    nginx-conf/jta-locations.conf >"$state/nginx/jta-locations.conf"
# The admin page and /metrics stay closed (deny all), as shipped.
cp nginx-conf/jta-admin-access.conf "$state/nginx/jta-admin-access.conf"
cat >"$state/nginx/nginx.conf" <<NGINX
worker_processes 2;
pid $state/nginx.pid;
error_log $state/logs/nginx-error.log warn;
events { worker_connections 256; }
http {
	include /etc/nginx/mime.types;
	access_log $state/logs/nginx-access.log;
	client_body_temp_path $state/nginx/body;
	fastcgi_temp_path $state/nginx/fastcgi;
	proxy_temp_path $state/nginx/proxy;
	uwsgi_temp_path $state/nginx/uwsgi;
	scgi_temp_path $state/nginx/scgi;
	include $state/nginx/jta-site.conf;
}
NGINX
nginx -c "$state/nginx/nginx.conf" -p "$state/nginx"

i=0
until curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ "$i" -gt 50 ]; then
		echo "the service did not come up; see $state/logs/" >&2
		exit 1
	fi
	sleep 0.1
done

cat <<DONE

The Jira Ticket Assistant is serving on http://127.0.0.1:$port/ (embedded ticket store).
Logs: $state/logs/    Stop: sh cli/quickstart.sh stop

Your API key for user "demo" (shown once):
  $key

Try:
  curl -s -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \\
    -d '{"project":"DEMO","summary":"Printer on floor 3 is jammed","type":"Bug","priority":"High"}' \\
    http://127.0.0.1:$port/api/issues
  curl -s -H "Authorization: Bearer $key" "http://127.0.0.1:$port/api/issues?text=printer"
  open http://127.0.0.1:$port/ in a browser for the landing page.
DONE
