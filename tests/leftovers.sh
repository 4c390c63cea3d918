#!/bin/sh
# Merge and patch leftovers must not be committed: a *.orig or *.rej file
# is a stale copy of a source file (or a hunk that did not apply) that
# nobody builds or reviews, and it misleads the next reader and grep.
# Nor must Python's byte code (*.pyc, __pycache__/): built output of
# whichever Python ran the tests last.
# .gitignore keeps new ones out of `git add .`; this check catches one
# added by name or with -f.
#
# Uses $JTA_SRCDIR when set, else the tree this script is in.  Prints each
# tracked leftover, then a summary line; exits 1 when there is one, 0 when
# there is none, 77 (skip) when that tree is not the top of a git checkout
# (a release tarball under make distcheck has no index to ask) or git is
# not installed.

set -u

here=$(cd "$(dirname "$0")" && pwd) || exit 99
top=${JTA_SRCDIR:-$(cd "$here/.." && pwd)}
cd "$top" || exit 99

if ! command -v git >/dev/null 2>&1; then
	echo "leftovers.sh: SKIP: git is not installed, no index to ask"
	exit 77
fi
# The top of this tree, not an enclosing checkout: distcheck unpacks the
# tarball under the build directory, which may itself be inside one.
gittop=$(git rev-parse --show-toplevel 2>/dev/null) || gittop=
if [ -z "$gittop" ] || [ "$(cd "$gittop" && pwd -P)" != "$(pwd -P)" ]; then
	echo "leftovers.sh: SKIP: $top is not the top of a git checkout" \
	    "(a release tarball has no index to ask)"
	exit 77
fi

out=$(git ls-files -- '*.orig' '*.rej' '*.pyc' '*/__pycache__/*') || exit 99
if [ -n "$out" ]; then
	printf '%s\n' "$out"
	n=$(printf '%s\n' "$out" | wc -l | tr -d ' ')
	echo "leftovers.sh: FAIL: $n merge/patch leftover(s) or byte code tracked;" \
	    "git rm them"
	exit 1
fi
echo "leftovers.sh: PASS: no *.orig, *.rej or Python byte code tracked"
exit 0
