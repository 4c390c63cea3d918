#!/bin/sh
# The README's first command, as a newcomer runs it: cli/quickstart.sh
# builds, starts nginx and the programs on 127.0.0.1 and prints an API key
# and a curl line; then that key must create and find a ticket, /healthz
# must answer, and `quickstart.sh stop` must stop it all.  State goes to a
# temporary directory and the port is a free one, so nothing of a real
# quick start is touched.  With a model: the scripted stand-in
# (tests/standin/model.py) on a free port, its key in a file, given as
# JTA_CHAT_*: the widget page must be printed and served, the printed
# jta-chat command must stream the stand-in's answer, and /healthz must
# then say the model answers.  Exits non-zero on the first failure.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
state=$(mktemp -d /tmp/jta-quickstart-XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
out=$state.out
# The model stand-in: answers every call with one text, for a key.
printf 'sk-quickstart-standin\n' >"$state.modelkey"
chmod 0600 "$state.modelkey"
python3 -c '
import sys, time
sys.path.insert(0, sys.argv[1])
import model as m
M = m.Model(key="sk-quickstart-standin")
port = M.start()
M.set([m.text(["Hello from the model stand-in."])] * 50)
print(port, flush=True)
time.sleep(900)
' "$top/tests/standin" >"$state.model" 2>&1 &
model_pid=$!
i=0
until [ -s "$state.model" ]; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { echo "quickstart-check: FAIL: no model stand-in"; exit 1; }
	sleep 0.1
done
mport=$(head -n 1 "$state.model")
fail() {
	echo "quickstart-check: FAIL: $*"
	kill "$model_pid" 2>/dev/null || true
	tail -n 30 "$out" 2>/dev/null || true
	JTA_QUICKSTART_DIR=$state JTA_PORT=$port sh "$top/cli/quickstart.sh" \
	    stop >/dev/null 2>&1 || true
	exit 1
}
JTA_QUICKSTART_DIR=$state JTA_PORT=$port \
    JTA_CHAT_BASE_URL=http://127.0.0.1:$mport/v1 JTA_CHAT_MODEL=standin \
    JTA_CHAT_API_KEY_FILE=$state.modelkey sh "$top/cli/quickstart.sh" \
    >"$out" 2>&1 || fail "cli/quickstart.sh exited $?"
key=$(grep -o 'jta_[0-9a-f]\{12\}_[A-Za-z0-9_-]\{43\}' "$out" | head -n 1)
[ -n "$key" ] || fail "no API key printed"
grep -q "http://127.0.0.1:$port/" "$out" || fail "no URL printed"
base=http://127.0.0.1:$port
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")
[ "$code" = 200 ] || fail "/healthz answered $code"
body=$(curl -s -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' \
    -d '{"project":"DEMO","summary":"Quickstart check ticket"}' \
    "$base/api/issues")
case $body in
*'"key":"DEMO-'*) ;;
*) fail "create answered $body" ;;
esac
body=$(curl -s -H "Authorization: Bearer $key" \
    "$base/api/issues?text=quickstart")
case $body in
*'Quickstart check ticket'*) ;;
*) fail "search answered $body" ;;
esac
# the service desk the quick start sets up (README "Jira Service
# Management"): a request raised by its type
body=$(curl -s -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' \
    -d '{"project":"IT","request_type":"wi-fi problem","summary":"Quickstart Wi-Fi"}' \
    "$base/api/requests")
case $body in
*'"key":"IT-'*'"request_type":"Wi-Fi problem"'*) ;;
*) fail "raising a request answered $body" ;;
esac
# the MCP endpoint (README "MCP"): the same key lists the tools
body=$(curl -s -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' \
    -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: tools/list' \
    -d '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}' \
    "$base/mcp")
case $body in
*'"name":"searchIssues"'*'"name":"createDraft"'*) ;;
*) fail "MCP tools/list answered $body" ;;
esac
# The model (README "Chat: our own agent"): the widget page printed and
# served, the printed jta-chat command streaming the stand-in's answer,
# then /healthz saying the model answers.
widget=$(grep -o "http://127.0.0.1:$port/widget/?client_id=jtac_[A-Za-z0-9_-]*" "$out" | head -n 1)
[ -n "$widget" ] || fail "no widget page printed"
code=$(curl -s -o /dev/null -w '%{http_code}' "$widget")
[ "$code" = 200 ] || fail "the widget page answered $code"
grep -q "sign in as \"demo\" with the password (shown once): ." "$out" ||
    fail "no password for the widget printed"
chatcmd=$(grep "jta-chat --url" "$out" | head -n 1)
[ -n "$chatcmd" ] || fail "no jta-chat command printed"
answer=$(eval "$chatcmd" </dev/null 2>&1) || fail "jta-chat: $answer"
case $answer in
*'Hello from the model stand-in.'*) ;;
*) fail "jta-chat printed $answer" ;;
esac
body=$(curl -s "$base/healthz")
case $body in
*'"configured":'*'true'*'"model":'*'"state":'*'"ok"'*) ;;
*) fail "/healthz after the answer: $body" ;;
esac
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/admin/")
[ "$code" = 403 ] || fail "/admin/ answered $code, not 403 (closed)"

# Never root, never open: every worker runs as the quick start's own
# user, nginx's workers as www-data; nothing in the state directory
# (sockets, their directory, logs, keys, database) is open to others, and
# the sockets are the web server's group's only.
user=${JTA_QUICKSTART_USER:-jta-quickstart}
n=0
for pidfile in "$state"/sock/*.pid; do
	for pid in $(cat "$pidfile"); do
		n=$((n + 1))
		owner=$(ps -o user= -p "$pid") || fail "worker $pid is gone"
		[ "$owner" = "$user" ] ||
		    fail "worker $pid ($pidfile) runs as $owner, not $user"
	done
done
[ "$n" -ge 21 ] || fail "only $n workers found"
for pid in $(pgrep -P "$(cat "$state/nginx.pid")"); do
	owner=$(ps -o user= -p "$pid")
	[ "$owner" = www-data ] || fail "nginx worker $pid runs as $owner"
done
open=$(find "$state" -perm /o=rwx -print)
[ -z "$open" ] || fail "open to others: $open"
open=$(find "$state" ! -type d -perm /g=w ! -name '*.sock' -print)
[ -z "$open" ] || fail "writable by the group: $open"
for s in "$state"/sock/*.sock; do
	m=$(stat -c '%a %U %G' "$s")
	[ "$m" = "660 $user www-data" ] || fail "$s is $m"
done
m=$(stat -c '%a %G' "$state/sock")
[ "$m" = "750 www-data" ] || fail "the socket directory is $m"
ls "$state"/logs/*.log >/dev/null 2>&1 || fail "no logs in $state/logs"
grep -q '^token_key_file = '"$state"'/token.key$' "$state/jta.conf" ||
    fail "the configuration names no token_key_file in $state"
[ -f "$state/token.key" ] || fail "no token key in $state"
grep -E '^[a-z_]+ = /' "$state/jta.conf" | grep -v " = $state/" &&
    fail "the configuration names a file outside $state"
runuser -u "$user" -- "$top/build-quickstart/cli/jta-admin" --config \
    "$state/jta.conf" check --sockets "$state/sock" --logs "$state/logs" \
    >"$state.check" 2>&1 || { cat "$state.check"; fail "jta-admin check"; }
rm -f "$state.check"
JTA_QUICKSTART_DIR=$state JTA_PORT=$port sh "$top/cli/quickstart.sh" stop \
    >>"$out" 2>&1 || fail "quickstart.sh stop exited $?"
if curl -s -o /dev/null "$base/healthz"; then
	fail "still answering after stop"
fi
kill "$model_pid" 2>/dev/null || true
rm -rf "$state" "$out" "$state.model" "$state.modelkey"
echo "quickstart-check: PASS (port $port; $n workers as $user)"
