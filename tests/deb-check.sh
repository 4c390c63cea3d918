#!/bin/sh
# The Debian package, end to end, on this machine (as root; it installs,
# runs and purges the package, so never on a host that has jta installed
# for real):
#   1. build it from a copy of the checkout with dpkg-buildpackage -us -uc
#      -b (DEB_BUILD_OPTIONS=nocheck: the unit tests ran in make check
#      already), or take the .deb in $JTA_DEB;
#   2. lintian: no error (warnings and info are printed);
#   3. install it; check the layout, the user jta, the modes of the
#      state, configuration and key files;
#   4. systemd-analyze verify on every installed unit, and the service's
#      systemd-analyze security exposure (offline: systemd is not PID 1
#      here), at most 2.0;
#   5. start the programs with the installed jta-spawn-fcgi, put a
#      throwaway nginx on 127.0.0.1 in front of them with the installed
#      snippet, and have /healthz and an authenticated /api/issues
#      (create, then search) answer; every worker runs as jta, sockets
#      0660 jta:www-data, nothing open to others, jta-admin check passes;
#   6. purge it: it says what it removes, and the user, state, keys and
#      configuration are gone.
# Prints one line per check; exits non-zero at the first failure (and
# purges what it installed).  Costs a build of the tree (about 1.5 min on
# 2 busy cores) and some 20 s more.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/jta-deb-XXXXXX)
chmod 0755 "$work"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
installed=0

cleanup() {
	if [ -f "$work/nginx.pid" ]; then
		kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
	fi
	if [ "$installed" = 1 ]; then
		dpkg --purge jta >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
fail() {
	echo "deb-check: FAIL: $*"
	exit 1
}
ok() { echo "deb-check: ok   $*"; }

[ "$(id -u)" -eq 0 ] || { echo "deb-check: needs root"; exit 77; }
if dpkg-query -W -f='${Status}' jta 2>/dev/null | grep -q installed; then
	fail "jta is installed on this machine already; not touching it"
fi

# ---- 1. build
if [ -n "${JTA_DEB:-}" ]; then
	deb=$JTA_DEB
else
	src=$work/jta-0.1.0
	mkdir "$src"
	# The checkout's files as they are (committed or not), without build
	# trees or node_modules.
	(cd "$top" && git ls-files -co --exclude-standard) |
	    (cd "$top" && tar -cf - -T -) | tar -xf - -C "$src"
	t0=$(date +%s)
	(cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
	    dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) || {
		tail -n 40 "$work/build.log"
		fail "dpkg-buildpackage"
	}
	deb=$(ls "$work"/jta_*_*.deb)
	ok "dpkg-buildpackage -us -uc -b made $(basename "$deb") in" \
	    "$(( $(date +%s) - t0 )) s"
fi

# ---- 2. lintian
lintian "$deb" >"$work/lintian.log" 2>&1 || true
sed -e '/running with root privileges/d' -e 's/^/deb-check:      lintian: /' \
    "$work/lintian.log"
if grep -q '^E:' "$work/lintian.log"; then
	fail "lintian reports errors"
fi
ok "lintian: no errors ($(grep -c '^W:' "$work/lintian.log" || true)" \
    "warnings)"

# The libraries come through ${shlibs:Depends} (dpkg-shlibdeps), cmark-gfm
# and its extensions among them (their -dev packages ship no other hint).
deps=$(dpkg-deb -f "$deb" Depends)
for lib in libcmark-gfm0 libcmark-gfm-extensions0 libcurl4 libsodium23 \
    libjansson4 libsqlite3-0 libfcgi0; do
	case $deps in
	*"$lib"*) ;;
	*) fail "Depends does not name $lib: $deps" ;;
	esac
done
ok "Depends names the libraries, cmark-gfm and its extensions among them"

# ---- 3. install
installed=1
dpkg -i "$deb" >"$work/install.log" 2>&1 || {
	cat "$work/install.log"
	fail "dpkg -i"
}
ok "dpkg -i"
for f in /usr/lib/jta/jta-healthz /usr/lib/jta/jta-admin-api \
    /usr/sbin/jta-admin /usr/sbin/jta-spawn-fcgi; do
	[ -x "$f" ] || fail "$f is missing"
done
for f in /usr/share/jta/htdocs/index.html /etc/nginx/snippets/jta-locations.conf \
    /etc/nginx/snippets/jta-admin-access.conf \
    /etc/apache2/conf-available/jta.conf /lib/systemd/system/jta@.service \
    /usr/lib/tmpfiles.d/jta.conf /usr/share/man/man8/jta-admin.8.gz \
    /usr/share/man/man5/jta.conf.5.gz \
    /usr/share/man/man8/jta-spawn-fcgi.8.gz; do
	[ -f "$f" ] || fail "$f is missing"
done
command -v jta-admin >/dev/null || fail "jta-admin is not on PATH"
n_prog=$(ls /usr/lib/jta | wc -l)
n_sock=$(ls /lib/systemd/system/jta-*.socket | wc -l)
n_loc=$(grep -c 'fastcgi_pass unix:/run/jta/' \
    /etc/nginx/snippets/jta-locations.conf)
[ "$n_prog" -eq "$n_sock" ] ||
    fail "$n_prog programs but $n_sock socket units"
ok "layout: $n_prog programs in /usr/lib/jta, $n_sock socket units," \
    "$n_loc fastcgi_pass in the nginx snippet, 3 manual pages"
# The installed copies are the tree's files with the package's paths.
sed -e 's#/usr/local/share/jta/htdocs#/usr/share/jta/htdocs#g' \
    -e 's#/etc/nginx/jta-admin-access.conf#/etc/nginx/snippets/jta-admin-access.conf#g' \
    "$top/nginx-conf/jta-locations.conf" |
    cmp -s - /etc/nginx/snippets/jta-locations.conf ||
    fail "the installed nginx snippet differs from nginx-conf/jta-locations.conf by more than paths"
sed -e 's#/usr/local/libexec/jta#/usr/lib/jta#g' \
    "$top/nginx-conf/jta-spawn-fcgi" | cmp -s - /usr/sbin/jta-spawn-fcgi ||
    fail "the installed jta-spawn-fcgi differs from nginx-conf/jta-spawn-fcgi by more than paths"
getent passwd jta | grep -q ':/usr/sbin/nologin$' ||
    fail "no system user jta with nologin: $(getent passwd jta)"
[ "$(id -u jta)" -lt 1000 ] || fail "jta is not a system user"
check_mode() { # path "mode user group"
	m=$(stat -c '%a %U %G' "$1")
	[ "$m" = "$2" ] || fail "$1 is $m, not $2"
}
check_mode /var/lib/jta "750 jta jta"
check_mode /etc/jta "750 root jta"
check_mode /etc/jta/jta.conf "640 root jta"
check_mode /var/lib/jta/vault.key "600 jta jta"
check_mode /var/lib/jta/token.key "600 jta jta"
check_mode /var/lib/jta/jta.db "600 jta jta"
check_mode /run/jta "750 jta www-data"
grep -q '^/etc/jta/jta.conf$' /var/lib/dpkg/info/jta.conffiles ||
    fail "/etc/jta/jta.conf is not a conffile"
ok "user jta; /var/lib/jta 0750, /etc/jta 0750 and jta.conf 0640 root:jta" \
    "(conffile), keys and database 0600 jta, /run/jta 0750 jta:www-data"

# ---- 4. the units
(cd /lib/systemd/system && systemd-analyze verify jta-*.socket \
    jta-kb-sync.timer jta-optimize.timer >"$work/verify.log" 2>&1) || {
	cat "$work/verify.log"
	fail "systemd-analyze verify"
}
[ ! -s "$work/verify.log" ] || { cat "$work/verify.log"; fail "systemd-analyze verify warned"; }
ok "systemd-analyze verify: $n_sock sockets and their jta@ services," \
    "the daily timers (knowledge sync, search index merge) and theirs"
cp /lib/systemd/system/jta@.service "$work/jta@healthz.service"
score=$(systemd-analyze security --offline=true "$work/jta@healthz.service" \
    2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || fail "systemd-analyze security gave no score"
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' ||
    fail "systemd-analyze security: exposure $score, more than 2.0"
ok "systemd-analyze security --offline: exposure $score (at most 2.0)"

# ---- 5. serve
jta-spawn-fcgi start >"$work/spawn.log" 2>&1 || {
	cat "$work/spawn.log"
	fail "jta-spawn-fcgi start"
}
mkdir "$work/nginx"
cat >"$work/nginx.conf" <<NGINX
user www-data;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 64; }
http {
	include /etc/nginx/mime.types;
	access_log $work/nginx/access.log;
	client_body_temp_path $work/nginx/body;
	fastcgi_temp_path $work/nginx/fastcgi;
	proxy_temp_path $work/nginx/proxy;
	uwsgi_temp_path $work/nginx/uwsgi;
	scgi_temp_path $work/nginx/scgi;
	server {
		listen 127.0.0.1:$port;
		server_tokens off;
		include /etc/nginx/snippets/jta-locations.conf;
	}
}
NGINX
nginx -c "$work/nginx.conf" -p "$work/nginx" || fail "nginx did not start"
i=0
until curl -fsS "$base/healthz" >"$work/healthz" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -lt 50 ] || fail "/healthz did not answer"
	sleep 0.1
done
grep -q '"status": *"ok"' "$work/healthz" || fail "/healthz: $(cat "$work/healthz")"
ok "GET /healthz: 200 through the installed snippet"
as_jta() { runuser -u jta -- jta-admin "$@"; }
as_jta user add debcheck >/dev/null
as_jta project add DEB "Package check" >/dev/null
key=$(as_jta key create debcheck --label deb-check 2>/dev/null)
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/api/issues")
[ "$code" = 401 ] || fail "GET /api/issues without a key answered $code"
body=$(curl -s -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' \
    -d '{"project":"DEB","summary":"Installed package works"}' \
    "$base/api/issues")
case $body in *'"key":"DEB-1"'*) ;; *) fail "create answered $body" ;; esac
body=$(curl -s -w ' %{http_code}' -H "Authorization: Bearer $key" \
    "$base/api/issues?text=installed")
case $body in
*'Installed package works'*' 200') ;;
*) fail "search answered $body" ;;
esac
ok "POST and GET /api/issues with an API key: created DEB-1, found it"
n=0
for pidfile in /run/jta/*.pid; do
	for pid in $(cat "$pidfile"); do
		n=$((n + 1))
		u=$(ps -o user= -p "$pid") || fail "worker $pid is gone"
		[ "$u" = jta ] || fail "worker $pid runs as $u"
	done
done
[ "$n" -ge "$n_prog" ] || fail "only $n workers"
for s in /run/jta/*.sock; do check_mode "$s" "660 jta www-data"; done
open=$(find /run/jta /var/lib/jta /var/log/jta /etc/jta -perm /o=w -print)
[ -z "$open" ] || fail "writable by others: $open"
open=$(find /var/lib/jta /var/log/jta /run/jta -perm /o=r ! -type d -print)
[ -z "$open" ] || fail "readable by others: $open"
as_jta check >"$work/check.log" 2>&1 || {
	cat "$work/check.log"
	fail "jta-admin check as jta"
}
grep -q '^ok   sockets /run/jta and its' "$work/check.log" ||
    fail "jta-admin check did not check /run/jta"
ok "$n workers, all as jta; sockets 0660 jta:www-data; nothing open to" \
    "others; jta-admin check passes"

# The Apache file loads where a2enconf puts it (server-wide), with the
# modules its header names.
if [ -x /usr/sbin/apache2 ]; then
	mods=""
	for m in mpm_event authz_core mime dir headers proxy proxy_fcgi alias \
	    setenvif reqtimeout buffer env; do
		mods="${mods}LoadModule ${m}_module /usr/lib/apache2/modules/mod_$m.so
"
	done
	mkdir "$work/apache"
	cat >"$work/apache2.conf" <<APACHE
ServerRoot $work/apache
$mods
PidFile $work/apache/apache2.pid
DefaultRuntimeDir $work/apache
ErrorLog $work/apache/error.log
ServerName localhost
Listen 127.0.0.1:$port
Include /etc/apache2/conf-available/jta.conf
APACHE
	/usr/sbin/apache2 -t -f "$work/apache2.conf" >"$work/apache-t.log" 2>&1 || {
		cat "$work/apache-t.log"
		fail "apache2 -t with /etc/apache2/conf-available/jta.conf"
	}
	ok "apache2 -t: /etc/apache2/conf-available/jta.conf loads server-wide"
fi

# ---- 6. purge
kill "$(cat "$work/nginx.pid")"
rm -f "$work/nginx.pid"
dpkg --purge jta >"$work/purge.log" 2>&1 || {
	cat "$work/purge.log"
	fail "dpkg --purge"
}
installed=0
grep -q 'purging: removing the database and every key' "$work/purge.log" ||
    fail "the purge did not say what it removes: $(cat "$work/purge.log")"
getent passwd jta >/dev/null && fail "the user jta is still there"
getent group jta >/dev/null && fail "the group jta is still there"
for d in /var/lib/jta /etc/jta/jta.conf /run/jta /var/log/jta /usr/lib/jta; do
	[ ! -e "$d" ] || fail "$d is still there"
done
# The workers finish their request after SIGTERM: give them 5 s.
i=0
while pgrep -f '^/usr/lib/jta/' >/dev/null; do
	i=$((i + 1))
	[ "$i" -lt 50 ] || fail "programs still run after the purge"
	sleep 0.1
done
ok "dpkg --purge: said so, then removed the user, state, keys," \
    "configuration and logs; no program left running"
echo "deb-check: PASS"
