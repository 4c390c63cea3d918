#!/bin/sh
# The layout rules of STYLE.md that hold for every C file in the tree, so
# they are checked, not just hoped for: indentation with tabs (never eight
# spaces), no trailing blanks, at most 80 columns (tabs count to the next
# multiple of 8), and in a function definition the return type on its own
# line.  .clang-format describes the same style for editors.
# Prints each offence as FILE:LINE: what, and exits 1 when there is one.
set -eu
top=${JTA_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top"
status=0
for f in common/*.[ch] common/db/*.[ch] common/db/pg/*.[ch] fcgi/*.c cli/*.c tests/unit/*.c tests/fuzz/*.c tests/spec/*.c; do
	[ -f "$f" ] || continue
	awk '
	function width(s,   i, c, w) {
		w = 0
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c == "\t")
				w += 8 - (w % 8)
			else
				w++
		}
		return w
	}
	function bad(what) {
		printf "%s:%d: %s\n", FILENAME, FNR, what
		n++
	}
	/[ \t]+$/		{ bad("trailing blank") }
	/^        /		{ bad("indented with spaces, not tabs") }
	width($0) > 80		{ bad("longer than 80 columns") }
	# "type name(" at column 0 opens a definition when a "{" line
	# follows before any ";": the type belongs on the line above.
	FILENAME ~ /\.c$/ && /^[a-z][a-z0-9_ ]*[ *][a-z_][a-z0-9_]*\(/ &&
	    $0 !~ /;[ \t]*$/ && $0 !~ /^(return|else|if|for|while|switch) / {
		pending = FNR
		next
	}
	pending && /;[ \t]*(\/\*.*)?$/	{ pending = 0 }
	pending && /^\{$/ {
		printf "%s:%d: return type and name on one line\n",
		    FILENAME, pending
		n++
		pending = 0
	}
	END { exit n > 0 }
	' "$f" || status=1
done
[ "$status" -eq 0 ] && echo "format-check: every C file follows the layout"
exit "$status"
