#!/bin/sh
# What each program links (README "Memory per worker and the start cost"):
# a FastCGI program never parses HTML, so none may record libxml2 (with
# it come ICU, libstdc++ and liblzma, some 2 MiB of pages per worker and
# most of a CGI start's relocations); jta-admin imports HTML and must.
# No program records libpq: the PostgreSQL layer loads it when the store
# is PostgreSQL.  Every program that links libcurl exports
# _gnutls_global_init_skip, so GnuTLS (under libcurl's LDAP and RTMP)
# skips its start-up.  jta-issues
# is linked with --gc-sections over -ffunction-sections objects, so it
# keeps only the functions it reaches: jta_usage_quota_make (jta-admin's,
# in jta_usage.o, which every FastCGI program pulls) must not be in it.
# Fails when a change makes a shared module reach jta_html again, or
# calls libpq directly, or drops --as-needed or the section garbage
# collection, or the skip stops being exported, or the layout.
#
# Uses $JTA_BUILDDIR (else build/ beside this tree).  Exits 1 on a
# finding, 0 when there is none, 77 when readelf is missing or nothing is
# built.

set -u

here=$(cd "$(dirname "$0")" && pwd) || exit 99
build=${JTA_BUILDDIR:-$here/../build}

if ! command -v readelf >/dev/null 2>&1; then
	echo "link-check.sh: SKIP: readelf is not installed (binutils)"
	exit 77
fi
if [ ! -x "$build/fcgi/jta-issues" ] || [ ! -x "$build/cli/jta-admin" ]; then
	echo "link-check.sh: SKIP: nothing built in $build"
	exit 77
fi

bad=0
n=0
for p in "$build"/fcgi/jta-* "$build/cli/jta-admin"; do
	[ -x "$p" ] || continue
	case $p in *.o) continue ;; esac
	n=$((n + 1))
	needed=$(readelf -d "$p" | grep NEEDED)
	case $p in
	*/cli/jta-admin)
		case $needed in
		*libxml2*) ;;
		*) echo "link-check.sh: $p does not link libxml2 (kb import)"
		   bad=1 ;;
		esac ;;
	*)
		case $needed in
		*libxml2*) echo "link-check.sh: $p links libxml2"
		   bad=1 ;;
		esac ;;
	esac
	# libpq is loaded at the first PostgreSQL connection
	# (common/db/pg/jta_pq.h), so a SQLite host never maps it.
	case $needed in
	*libpq*) echo "link-check.sh: $p links libpq (jta_pq.h loads it)"
	   bad=1 ;;
	esac
	if ! readelf --dyn-syms -W "$p" |
	    grep -q ' GLOBAL .* _gnutls_global_init_skip$'; then
		echo "link-check.sh: $p does not export" \
		    "_gnutls_global_init_skip"
		bad=1
	fi
done
# --gc-sections (README "Memory per worker and the start cost", third
# pass): a function of a pulled object that the program never calls is
# left out.  jta-admin calls it, so the symbol's name is right.
if ! readelf -s -W "$build/cli/jta-admin" |
    grep -q ' FUNC .* jta_usage_quota_make$'; then
	echo "link-check.sh: jta-admin has no jta_usage_quota_make"
	bad=1
elif readelf -s -W "$build/fcgi/jta-issues" |
    grep -q ' FUNC .* jta_usage_quota_make$'; then
	echo "link-check.sh: $build/fcgi/jta-issues keeps functions it" \
	    "never calls (jta_usage_quota_make): linked without" \
	    "-ffunction-sections and --gc-sections?"
	bad=1
fi
# The layout (common/libjta.ld; README "Memory per worker and the start
# cost", fourth pass): jta-issues has libjta's groups as output sections
# in the script's order, the Jira client before PostgreSQL before the
# embedded ticket store, and packed relative relocations (DT_RELR).
order=$(readelf -SW "$build/fcgi/jta-issues" |
    sed -n 's/.*\] \(\.text\.jta_[a-z_]*\) .*/\1/p' | tr '\n' ' ')
laid_out=0
case $order in
*".text.jta_jira "*".text.jta_pg "*".text.jta_local "*) laid_out=1 ;;
*".text.jta_pg "*) ;;
*".text.jta_jira "*".text.jta_local "*) laid_out=1 ;;	# without libpq
esac
if [ "$laid_out" -eq 0 ]; then
	echo "link-check.sh: $build/fcgi/jta-issues is not laid out by" \
	    "common/libjta.ld (its groups: '$order')"
	bad=1
fi
# The hot group (fifth pass) comes first and holds the request loop
# (serve) and the bearer look-up every request makes.
case $order in
".text.jta_hot "*) ;;
*) echo "link-check.sh: $build/fcgi/jta-issues has no .text.jta_hot" \
       "before libjta's other groups (its groups: '$order')"
   bad=1 ;;
esac
hot=$(readelf -SW "$build/fcgi/jta-issues" |
    awk '$2 == ".text.jta_hot" { print $4, $6 }
	$3 == ".text.jta_hot" { print $5, $7 }')
for f in serve jta_store_key_auth; do
	at=$(readelf -sW "$build/fcgi/jta-issues" |
	    awk -v f="$f" '$4 == "FUNC" && $8 == f { print $2; exit }')
	if [ -z "$hot" ] || [ -z "$at" ] ||
	    [ $((0x$at)) -lt $((0x${hot% *})) ] ||
	    [ $((0x$at)) -ge $((0x${hot% *} + 0x${hot#* })) ]; then
		echo "link-check.sh: $f is not in jta-issues' .text.jta_hot" \
		    "(common/libjta.ld's list, tests/bench/hot_sections.py)"
		bad=1
	fi
done
if ! readelf -d "$build/fcgi/jta-issues" | grep -q '(RELR)'; then
	echo "link-check.sh: $build/fcgi/jta-issues has no packed relative" \
	    "relocations (-z pack-relative-relocs)"
	bad=1
fi
if [ "$bad" -ne 0 ]; then
	echo "link-check.sh: FAIL"
	exit 1
fi
echo "link-check.sh: PASS: $n programs"
exit 0
