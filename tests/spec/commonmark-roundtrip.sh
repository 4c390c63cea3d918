#!/bin/sh
# Conformance (issue 19 item 3): the CommonMark spec's examples through
# Markdown -> ADF -> Markdown, compared by cmark-gfm's HTML of the original
# and of the round trip (tests/spec/commonmark_roundtrip.c).  The examples
# come from the commonmark-spec npm package, pinned in tests/package.json
# at the spec version of Debian 12's cmark-gfm (0.29) and installed by
# `sh cli/deps.sh test` (npm ci); JTA_COMMONMARK_SPEC may name another
# copy of the package.
#
# FLOOR is the count that survived when the test was written (272 with the
# hand-written parser, 362 with cmark-gfm, 365 with a code span's blanks
# kept): fewer is a failure, more is progress, so raise FLOOR with it.
#
# Exits 0 when at least FLOOR examples survive, 1 when fewer do, 77 when
# node or the package is not installed (say which), 99 on a setup error.
set -u
FLOOR=365

src=${JTA_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${JTA_BUILDDIR:-.}
pkg=${JTA_COMMONMARK_SPEC:-$src/tests/node_modules/commonmark-spec}
prog=$build/tests/spec/commonmark_roundtrip
if ! command -v node >/dev/null 2>&1; then
	echo "commonmark-roundtrip: SKIP: node is not installed (sh cli/deps.sh test)"
	exit 77
fi
if [ ! -f "$pkg/index.js" ]; then
	echo "commonmark-roundtrip: SKIP: no commonmark-spec package at $pkg (sh cli/deps.sh test runs npm ci in tests/)"
	exit 77
fi
if [ ! -x "$prog" ]; then
	echo "commonmark-roundtrip: no $prog (make check builds it)" >&2
	exit 99
fi
scratch=$(mktemp -d "${TMPDIR:-/tmp}/jta-spec.XXXXXX") || exit 99
trap 'rm -rf "$scratch"' EXIT
# The package's index.js extracts the examples from spec.txt; the spec
# shows tabs as U+2192, which its own test runners turn back into tabs.
if ! node -e '
const s = require(process.argv[1]);
const tab = (t) => t.replace(/\u2192/g, "\t");
process.stdout.write(JSON.stringify(s.tests.map((t) => ({
	markdown: tab(t.markdown), html: tab(t.html),
	section: t.section, number: t.number }))));
' "$pkg" > "$scratch/spec.json"; then
	echo "commonmark-roundtrip: cannot read the examples from $pkg" >&2
	exit 99
fi
"$prog" "$scratch/spec.json" "$FLOOR"
