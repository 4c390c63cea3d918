#!/bin/sh
# Quick start: build, then serve the ticket API on 127.0.0.1 behind a real
# nginx with the embedded ticket store, the way a deployment does it (our
# nginx-conf/ locations, the spawn-fcgi script), and print an API key and
# a curl line that works.  Run as root on Debian 12.
#
#   sh cli/quickstart.sh          build and (re)start
#   sh cli/quickstart.sh stop     stop what it started
#
# State (configuration, database, key files, sockets, logs) lives in
# $JTA_QUICKSTART_DIR (default /var/lib/jta-quickstart); the port is
# $JTA_PORT (default 8080).  The programs and jta-admin run as their own
# unprivileged system user, $JTA_QUICKSTART_USER (default jta-quickstart,
# made when missing), never as root; nginx's workers run as www-data, the
# group that may connect to the sockets.  The state and socket
# directories are 0750, the sockets 0660, the logs 0640, the keys and the
# database 0600: nothing in $JTA_QUICKSTART_DIR is open to others.
#
# With a model (README "Chat: our own agent"), from the environment:
# JTA_CHAT_BASE_URL and JTA_CHAT_MODEL (both, or neither), and optionally
# JTA_CHAT_API_KEY_FILE (copied to $JTA_QUICKSTART_DIR/model.key, 0600),
# JTA_CHAT_API_STYLE (openai or azure) and JTA_CHAT_AZURE_API_VERSION:
# the chat_* keys are (re)written on each run, the widget is registered
# as a public OAuth client, "demo" gets a fresh sign-in password, and the
# widget page and a jta-chat command are printed.  Without them, any
# chat_* keys of an earlier run are taken out.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
state=${JTA_QUICKSTART_DIR:-/var/lib/jta-quickstart}
port=${JTA_PORT:-8080}
user=${JTA_QUICKSTART_USER:-jta-quickstart}
web=www-data
build=$top/build-quickstart
conf=$state/jta.conf

stop() {
	if [ -f "$state/nginx.pid" ]; then
		kill "$(cat "$state/nginx.pid")" 2>/dev/null || true
		rm -f "$state/nginx.pid"
	fi
	if [ -f "$state/sock/.started" ]; then
		JTA_BINDIR=$build/fcgi JTA_SOCKDIR=$state/sock \
		    JTA_CONFIG=$conf JTA_LOGDIR=$state/logs JTA_USER=$user \
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
# jta-admin runs as the programs' user, so the files it makes are theirs.
admin() { runuser -u "$user" -- "$build/cli/jta-admin" --config "$conf" "$@"; }

# The workers' own account: a system user with no login and no home.
if ! id "$user" >/dev/null 2>&1; then
	useradd --system --user-group --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
	echo "made the system user $user for the programs"
fi
if ! runuser -u "$user" -- test -x "$build/fcgi/jta-healthz"; then
	echo "$user cannot run $build/fcgi/jta-healthz: the checkout" \
	    "must be readable by others (chmod o+rx its directories)" >&2
	exit 1
fi

stop
# Logs, keys, sockets: nothing this script or nginx makes is for others.
umask 027
mkdir -p "$state/sock" "$state/logs" "$state/nginx"
# The state directory: the programs' (they write the database), entered
# by nginx's workers (group $web) on the way to the sockets.
chown "$user:$web" "$state"
chmod 0750 "$state"
# A state directory of an older quick start (root's files, open modes).
for f in jta.db jta.db-wal jta.db-shm vault.key token.key metrics; do
	[ -e "$state/$f" ] && chown -R "$user:$user" "$state/$f"
done
chmod -R o-rwx "$state/logs" "$state/sock"
# nginx's temporary files: made by its master, used by its workers.
chown "root:$web" "$state/nginx"
if [ ! -f "$conf" ]; then
	cat >"$conf" <<CONF
# Written by cli/quickstart.sh; every key is documented in README.md.
# Every file it names is in $state, nothing host-wide.
database = $state/jta.db
vault_key_file = $state/vault.key
token_key_file = $state/token.key
public_url = http://127.0.0.1:$port
default_project = DEMO
log_level = info
CONF
fi
# The model: the chat_* keys from the environment, written afresh.
chat_base=${JTA_CHAT_BASE_URL:-}
chat_model=${JTA_CHAT_MODEL:-}
if [ -n "$chat_base" ] || [ -n "$chat_model" ]; then
	if [ -z "$chat_base" ] || [ -z "$chat_model" ]; then
		echo "set both JTA_CHAT_BASE_URL and JTA_CHAT_MODEL" \
		    "(or neither)" >&2
		exit 1
	fi
fi
sed -i -e '/^chat_/d' -e '/^# The model (cli\/quickstart.sh/d' "$conf"
rm -f "$state/model.key"
if [ -n "$chat_base" ]; then
	{
		echo "# The model (cli/quickstart.sh, from JTA_CHAT_*)"
		echo "chat_base_url = $chat_base"
		echo "chat_model = $chat_model"
		[ -z "${JTA_CHAT_API_STYLE:-}" ] ||
		    echo "chat_api_style = $JTA_CHAT_API_STYLE"
		[ -z "${JTA_CHAT_AZURE_API_VERSION:-}" ] ||
		    echo "chat_azure_api_version = $JTA_CHAT_AZURE_API_VERSION"
		[ -z "${JTA_CHAT_API_KEY_FILE:-}" ] ||
		    echo "chat_api_key_file = $state/model.key"
	} >>"$conf"
	if [ -n "${JTA_CHAT_API_KEY_FILE:-}" ]; then
		# The programs' own copy: they run as $user, not as the owner
		# of the file given.
		install -o "$user" -g "$user" -m 0600 \
		    "$JTA_CHAT_API_KEY_FILE" "$state/model.key"
	fi
fi
# Read by the programs (group $user), written by root only.
chown "root:$user" "$conf"
chmod 0640 "$conf"
admin init >/dev/null
admin user list | grep -q '"name": "demo"' ||
    admin user add demo --display-name "Demo User" >/dev/null
admin project list | grep -q '"key": "DEMO"' ||
    admin project add DEMO "Demo project" >/dev/null
# A service desk (Jira Service Management without Jira): a project with a
# request type (README.md "Jira Service Management").
admin project list | grep -q '"key": "IT"' ||
    admin project add IT "IT Help" >/dev/null
admin requesttype list IT | grep -q '"name": "Wi-Fi problem"' ||
    admin requesttype add IT "Wi-Fi problem" --description \
    "Your laptop or phone cannot join or keeps dropping the office Wi-Fi." \
    --help-text "Say which floor you are on." \
    --fields summary,description,priority >/dev/null
key=$(admin key create demo --label quickstart 2>/dev/null)
# One article in the embedded knowledge base, so the "answer first" flow
# works at once (README.md "Knowledge before tickets").
# The user's own, open to no one else (the umask above would make the
# directory root's 0750, which $user cannot enter).
install -d -o "$user" -m 0700 "$state/kb"
cat >"$state/kb/office-wifi.md" <<'ARTICLE'
# Connect to the office Wi-Fi

Open your device's Wi-Fi settings, choose the network **CorpNet** and sign
in with your company account. If it still fails, forget the network, join
it again, then ask the help desk.
ARTICLE
chown "$user" "$state/kb/office-wifi.md"
chmod 0600 "$state/kb/office-wifi.md"
admin kb import "$state/kb/office-wifi.md" >/dev/null

# The widget: a public OAuth client (PKCE, no secret) whose id is kept
# in the state directory, and a password for "demo" to sign in with.
widget_id=
password=
if [ -n "$chat_base" ]; then
	[ -f "$state/widget-client-id" ] &&
	    widget_id=$(cat "$state/widget-client-id")
	if [ -z "$widget_id" ] ||
	    ! admin client list | grep -q "\"$widget_id\""; then
		widget_id=$(admin client add --name "Quickstart chat widget" \
		    --redirect-uri "http://127.0.0.1:$port/widget/callback.html" \
		    --public 2>/dev/null | sed -n 's/^client_id: //p')
		[ -n "$widget_id" ] || { echo "registering the widget" \
		    "failed" >&2; exit 1; }
		echo "$widget_id" >"$state/widget-client-id"
	fi
	password=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
	echo "$password" | admin user passwd demo >/dev/null
fi

# The spawn script runs the programs as $user, the sockets 0660 for $web.
JTA_BINDIR=$build/fcgi JTA_SOCKDIR=$state/sock JTA_CONFIG=$conf \
    JTA_LOGDIR=$state/logs JTA_USER=$user JTA_GROUP=$web \
    sh nginx-conf/jta-spawn-fcgi start
touch "$state/sock/.started"

# nginx: our site file with this checkout's paths, in a minimal main file.
sed -e "s#/run/jta#$state/sock#g" \
    -e "s#/usr/local/share/jta/htdocs#$top/htdocs#g" \
    -e "s#listen 127.0.0.1:8080#listen 127.0.0.1:$port#" \
    -e "s#/var/log/nginx/jta-access.log#$state/logs/nginx-access.log#" \
    -e "s#include /etc/nginx/jta-locations.conf#include $state/nginx/jta-locations.conf#" \
    nginx-conf/jta-site.conf >"$state/nginx/jta-site.conf"
sed -e "s#/run/jta#$state/sock#g" \
    -e "s#/usr/local/share/jta/htdocs#$top/htdocs#g" \
    -e "s#/etc/nginx/jta-admin-access.conf#$state/nginx/jta-admin-access.conf#" \
    nginx-conf/jta-locations.conf >"$state/nginx/jta-locations.conf"
# The admin page and /metrics stay closed (deny all), as shipped.
cp nginx-conf/jta-admin-access.conf "$state/nginx/jta-admin-access.conf"
cat >"$state/nginx/nginx.conf" <<NGINX
user $web;
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
  curl -s -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \\
    -d '{"project":"IT","request_type":"Wi-Fi problem","summary":"My laptop will not join the office Wi-Fi"}' \\
    http://127.0.0.1:$port/api/requests
  curl -s -H "Authorization: Bearer $key" "http://127.0.0.1:$port/api/knowledge?text=office+wifi"
  curl -s -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \\
    -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: tools/list' \\
    -d '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}' \\
    http://127.0.0.1:$port/mcp
  open http://127.0.0.1:$port/ in a browser for the landing page.
DONE
if [ -n "$chat_base" ]; then
	cat <<DONE

Chat with the model ($chat_model at $chat_base):
  open http://127.0.0.1:$port/widget/?client_id=$widget_id
  and sign in as "demo" with the password (shown once): $password
  or in a terminal:
  JTA_API_KEY=$key $build/cli/jta-chat --url http://127.0.0.1:$port "My laptop will not join the Wi-Fi"
  The model's state: curl -s http://127.0.0.1:$port/healthz
DONE
fi
