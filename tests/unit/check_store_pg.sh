#!/bin/sh
# The PostgreSQL engine's suite (tests/unit/check_store_pg.c) on a
# private cluster (tests/pg-cluster.sh), or on the one of JTA_TEST_PG when
# a whole run shares one.  Skips (77) in a build without libpq, or when no
# PostgreSQL server is installed.
set -eu
b=${JTA_BUILDDIR:-.}
s=${JTA_SRCDIR:-.}
if [ ! -x "$b/tests/unit/check_store_pg" ]; then
	echo "check_store_pg.sh: built without libpq (install libpq-dev)" >&2
	exit 77
fi
exec sh "$s/tests/pg-cluster.sh" "$b/tests/unit/check_store_pg"
