#!/bin/sh
# The banned-function check of STYLE.md ("Untrusted input", "Secrets"):
# scans common/, fcgi/ and cli/ (*.c, *.h) for calls that are easy to get
# wrong with outside bytes or secrets, and names a safer way for each.
#
# A line may keep a hit when it ends with a comment saying why:
#     if (memcmp(tok, "jta_", 4) != 0)	/* banned-ok: public prefix */
# Comments and string literals are stripped before matching (so prose that
# names a function is not a hit); names are matched as whole words followed by '(' (so
# snprintf, fgets, strtok_r or sodium_memcmp are not hits).
#
# Uses $JTA_SRCDIR when set, else the tree this script is in.  Prints one
# line per hit, "file:line: what: why", then a summary line; exits 1 when
# there are hits, 0 when there are none, 99 when there is nothing to scan.

set -u

here=$(cd "$(dirname "$0")" && pwd) || exit 99
top=${JTA_SRCDIR:-$(cd "$here/.." && pwd)}
cd "$top" || exit 99

# What is banned: "files-regex@extended-regex@name@why", one a line.  The
# regexes see code with comments removed; '(^|[^A-Za-z0-9_])' is a word
# start that works in any POSIX awk.
W='(^|[^A-Za-z0-9_])'
S='[ 	]*[(]'
rules="
.@${W}atoi${S}@atoi@no error or overflow check; use jta_text_parse_uint
.@${W}ato[lf]${S}@atol/atof@no error or overflow check; use jta_text_parse_uint
.@${W}v?sprintf${S}@sprintf@unbounded; use snprintf and check the length
.@${W}strcpy${S}@strcpy@unbounded; use memcpy with a checked length or snprintf
.@${W}strcat${S}@strcat@unbounded; build with snprintf and a checked offset
.@${W}strtok${S}@strtok@hidden state, writes into its input; use memchr/strcspn
.@${W}gets${S}@gets@unbounded read; use fgets or fread with a size
.@${W}system${S}@system@runs a shell; use execve with a fixed argv
.@${W}s?rand${S}@rand@predictable; use randombytes_buf
.@${W}json_loads${S}@json_loads@needs a NUL and no length; use json_loadb with JSON_REJECT_DUPLICATES
.@${W}json_dumps${S}@json_dumps@in a request its text is in the arena and free() on it corrupts the heap; use jta_arena_json_dumps
.@fcgi_stdio[.]h@fcgi_stdio.h@replaces stdio behind our back; use fcgiapp.h
.@CURLOPT_VERBOSE@CURLOPT_VERBOSE@logs headers, tokens included; never set it
common/jta_(vault|auth)[.]c@${W}(memcmp|strcmp|strncmp|bcmp)${S}@memcmp/strcmp in code that holds secrets@not constant-time; use sodium_memcmp
"

files=
for d in common common/db common/db/pg fcgi cli; do
	[ -d "$d" ] || continue
	for f in "$d"/*.c "$d"/*.h; do
		[ -f "$f" ] && files="$files $f"
	done
done
if [ -z "$files" ]; then
	echo "banned.sh: no C files under $top/{common,fcgi,cli}" >&2
	exit 99
fi

# One awk pass: strip comments and the text of string literals (but not
# on preprocessor lines, so #include "fcgi_stdio.h" is seen), keeping line
# numbers; skip lines marked banned-ok; test every rule.
# shellcheck disable=SC2086
out=$(awk -v rules="$rules" '
BEGIN {
	n = split(rules, lines, "\n")
	nr = 0
	for (i = 1; i <= n; i++) {
		if (lines[i] == "")
			continue
		if (split(lines[i], p, "@") != 4)
			continue
		nr++
		fre[nr] = p[1]
		re[nr] = p[2]
		what[nr] = p[3]
		why[nr] = p[4]
	}
}
FNR == 1 { incomment = 0 }
{
	raw = $0
	code = ""
	s = $0
	instr = ""	# a string literal ends with its line
	keepstr = $0 ~ /^[ \t]*#/	# #include "x.h": keep the name
	while (length(s) > 0) {
		c = substr(s, 1, 1)
		if (incomment) {
			if (substr(s, 1, 2) == "*/") {
				incomment = 0
				s = substr(s, 3)
				code = code " "
			} else
				s = substr(s, 2)
			continue
		}
		if (instr != "") {
			if (c == "\\") {
				if (keepstr)
					code = code substr(s, 1, 2)
				s = substr(s, 3)
				continue
			}
			if (c == instr) {
				instr = ""
				code = code c
			} else if (keepstr)
				code = code c
			s = substr(s, 2)
			continue
		}
		if (substr(s, 1, 2) == "/*") {
			incomment = 1
			s = substr(s, 3)
			continue
		}
		if (substr(s, 1, 2) == "//")
			break
		if (c == "\"" || c == "\047")
			instr = c
		code = code c
		s = substr(s, 2)
	}
	if (raw ~ /\/\*[ \t]*banned-ok:[^*]*[^ \t*][^*]*\*\/[ \t]*$/)
		next
	for (i = 1; i <= nr; i++)
		if (FILENAME ~ fre[i] && code ~ re[i])
			printf "%s:%d: %s: %s\n", FILENAME, FNR, what[i], why[i]
}' $files)

nfiles=$(echo $files | wc -w | tr -d ' ')
if [ -n "$out" ]; then
	printf '%s\n' "$out"
	nhits=$(printf '%s\n' "$out" | wc -l | tr -d ' ')
	echo "banned.sh: FAIL: $nhits banned call(s) in $nfiles files" \
	    "(mark a justified one with a trailing /* banned-ok: reason */)"
	exit 1
fi
echo "banned.sh: PASS: no banned calls in $nfiles files"
exit 0
