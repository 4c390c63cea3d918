#!/bin/sh
# Benchmarks (not timed tests): build if needed, then print ratios:
# the embedded store against a static file and against a fixed-JSON
# FastCGI program (issue read, full-text search, /api/tickets/ search),
# 20 access rules against none, metrics on against off,
# usage counting with 4 quotas against counting off,
# Jira mode against nginx proxying straight to the Atlassian stand-in,
# a reference C pipeline and the same pipeline in FastAPI,
# Jira mode with PostgreSQL against SQLite (and its round trips),
# and one issue read as plain CGI (the start's cost).
#   sh tests/bench/run.sh            uses build-test/ (made if missing)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
sh cli/deps.sh test
# The FastAPI anchor of bench_jira.py (the bench's own dependencies, not
# the project's): Debian's FastAPI, uvicorn (with uvloop and httptools,
# which it uses when present), httpx and PyNaCl.  Without them the bench
# skips that anchor and says so.
if ! /usr/bin/python3 -c 'import fastapi, uvicorn, httpx, nacl, uvloop, httptools' \
    >/dev/null 2>&1; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends python3-fastapi python3-uvicorn \
	    python3-httpx python3-nacl python3-uvloop python3-httptools \
	    >/dev/null || echo "run.sh: the FastAPI anchor's packages could" \
	    "not be installed; bench_jira.py will skip it" >&2
fi
build=${JTA_BUILDDIR:-$top/build-test}
if [ ! -x "$build/fcgi/jta-issues" ]; then
	[ -x configure ] || autoreconf -fi >/dev/null 2>&1
	mkdir -p "$build"
	(cd "$build" && "$top/configure" -q && make -s -j"$(nproc)")
fi
export JTA_SRCDIR=$top JTA_BUILDDIR=$build
python3 tests/bench/bench_issues.py
echo
python3 tests/bench/bench_store.py
echo
python3 tests/bench/bench_policy.py
echo
python3 tests/bench/bench_metrics.py
python3 tests/bench/bench_usage.py
echo
python3 tests/bench/bench_jira.py
echo
python3 tests/bench/bench_cgi.py
echo
# PostgreSQL against SQLite (a private cluster; skips without a server).
exec sh tests/pg-cluster.sh python3 tests/bench/bench_pg.py
