#!/bin/sh
# The manual pages say what the code does, and nothing drifts apart:
#   - jta-admin(8) has an entry (".It Cm WORDS") for every command that
#     `jta-admin --help` lists (the command table of cli/jta-admin.c);
#   - jta.conf(5) has an entry (".It Ic KEY") for every key of the table
#     in common/jta_conf.c, and no other;
#   - jta-spawn-fcgi(8) has an entry (".It Ev NAME") for every JTA_*
#     setting nginx-conf/jta-spawn-fcgi reads;
#   - groff formats each page with no warning (-ww).
# Exits 1 naming what is missing.
set -eu
src=${JTA_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
build=${JTA_BUILDDIR:-$src/build}
bad=0
miss() { echo "man-check: $*"; bad=1; }

page=$src/man/jta-admin.8
n=0
"$build/cli/jta-admin" --help 2>&1 | sed -n '/^commands:/,/^$/p' |
    grep '^  [a-z]' >"${TMPDIR:-/tmp}/man-check.$$" || true
while read -r line; do
	cmd=
	for w in $line; do
		case $w in
		-* | *[!a-z-]*) break ;;
		*) cmd="${cmd:+$cmd }$w" ;;
		esac
	done
	n=$((n + 1))
	grep -q "^\.It Cm $cmd\( \|\$\)" "$page" ||
	    miss "jta-admin.8: no entry for '$cmd'"
done <"${TMPDIR:-/tmp}/man-check.$$"
rm -f "${TMPDIR:-/tmp}/man-check.$$"
[ "$n" -gt 20 ] || miss "jta-admin --help listed only $n commands"

page=$src/man/jta.conf.5
keys=$(sed -n 's/^\t{ "\([a-z_]*\)",.*/\1/p' "$src/common/jta_conf.c")
[ -n "$keys" ] || miss "no keys found in common/jta_conf.c"
for k in $keys; do
	grep -q "^\.It Ic $k No" "$page" || miss "jta.conf.5: no entry for $k"
done
for k in $(sed -n 's/^\.It Ic \([a-z_]*\) No.*/\1/p' "$page"); do
	echo "$keys" | grep -qx "$k" || miss "jta.conf.5: $k is no key"
done

page=$src/man/jta-spawn-fcgi.8
for v in $(grep -o '\${JTA_[A-Z_]*' "$src/nginx-conf/jta-spawn-fcgi" |
    sed 's/^\${//' | sort -u); do
	grep -q "^\.It Ev $v\$" "$page" || miss "jta-spawn-fcgi.8: no $v"
done

for p in "$src"/man/*.[0-9]; do
	out=$(LC_ALL=C.UTF-8 groff -mdoc -ww -z "$p" 2>&1)
	[ -z "$out" ] || miss "$(basename "$p"): groff: $out"
done
[ "$bad" -eq 0 ] || exit 1
echo "man-check: $n commands, $(echo "$keys" | wc -l) keys, the spawn" \
    "script's settings: all documented"
