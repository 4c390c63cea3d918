#!/bin/sh
# The automake log compiler for tests/fuzz/NAME.fuzz: replays every input in
# tests/fuzz/corpus/NAME/ through tests/fuzz/replay_NAME (the fuzz harness
# with a plain main(); see replay.c), so every crash once found stays fixed.
#
# Usage: sh replay-corpus.sh path/to/tests/fuzz/NAME.fuzz
# JTA_SRCDIR and JTA_BUILDDIR come from AM_TESTS_ENVIRONMENT; when unset,
# both default to the tree this script is in (an in-tree build; for the
# build directory, $top/build/ is tried next).
# Exits with the replay's status: 0 when every input ran cleanly.

if [ $# -lt 1 ]; then
	echo "usage: sh $0 path/to/tests/fuzz/NAME.fuzz" >&2
	exit 2
fi
# automake may pass options before the test name; the name comes last.
for last in "$@"; do :; done
name=$(basename "$last" .fuzz)
case $name in
''|*[!A-Za-z0-9_]*)
	echo "replay-corpus.sh: bad test name '$last'" >&2
	exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd) || exit 2
top=$(cd "$here/../.." && pwd) || exit 2
srcdir=${JTA_SRCDIR:-$top}
builddir=${JTA_BUILDDIR:-$top}

replay="$builddir/tests/fuzz/replay_$name"
# Without JTA_BUILDDIR, also look in the usual out-of-tree build/ directory.
if [ -z "$JTA_BUILDDIR" ] && [ ! -x "$replay" ] &&
    [ -x "$top/build/tests/fuzz/replay_$name" ]; then
	replay="$top/build/tests/fuzz/replay_$name"
fi
corpus="$srcdir/tests/fuzz/corpus/$name"
if [ ! -x "$replay" ]; then
	echo "replay-corpus.sh: $replay is not built (make check builds it)" >&2
	exit 99
fi
if [ ! -d "$corpus" ]; then
	echo "replay-corpus.sh: no corpus at $corpus" >&2
	exit 99
fi
echo "replaying $corpus with $replay"
"$replay" "$corpus"
exit $?
