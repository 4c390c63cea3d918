#!/bin/sh
# Install the Debian 12 packages this project needs to build, run and test,
# if any is missing.  Used by cli/quickstart.sh and tests/run.sh; run as
# root.  Every system package is from Debian's archive; the schema tests'
# npm packages come from the npm registry at the exact versions (and
# hashes) tests/package-lock.json pins.
#
#   sh cli/deps.sh          build + run (nginx) dependencies
#   sh cli/deps.sh test     also Apache, the fuzzing toolchain, wrk, the
#                           Debian packaging tools and the npm packages of
#                           tests/package.json
set -eu

# Build: compiler, autotools, pkg-config and the libraries (+ check);
# cmark-gfm parses Markdown to the CommonMark spec (with GitHub's
# extensions: tables, strikethrough, autolinks, task lists).
pkgs="build-essential autoconf automake pkg-config libfcgi-dev \
libcurl4-openssl-dev libssl-dev libsqlite3-dev libjansson-dev libsodium-dev \
libcmark-gfm-dev libcmark-gfm-extensions-dev libxml2-dev check \
nginx-light spawn-fcgi curl sqlite3"
# Several hosts share one PostgreSQL (README "Several hosts on
# PostgreSQL"): libpq to build the PostgreSQL layer, and the server for
# the tests' private cluster (tests/pg-cluster.sh: initdb + pg_ctl).
pkgs="$pkgs libpq-dev postgresql-15"
if [ "${1:-}" = test ]; then
	# Tests: Apache with mod_proxy_fcgi, Python 3 for the HTTP-level
	# tests (the standard library and the packages below), clang +
	# libFuzzer for fuzzing, wrk for the benchmark, clang-format for
	# the style check.
	pkgs="$pkgs apache2 python3 clang libclang-rt-14-dev wrk clang-format"
	# An OAuth 2.0 client library nobody here wrote, to drive our
	# authorization server (test_oauth_client.py).
	pkgs="$pkgs python3-requests-oauthlib python3-oauthlib"
	# The Atlassian stand-in checks each request against Atlassian's
	# OpenAPI documents with a JSON Schema validator
	# (tests/standin/spec_check.py).
	pkgs="$pkgs python3-jsonschema"
	# The GPT schema tests run a linter and a generic OpenAPI client
	# from npm (tests/package.json); Debian's Node.js unless one is
	# installed already.
	command -v npm >/dev/null 2>&1 || pkgs="$pkgs nodejs npm"
	# The admin page test (test_admin_browser.py) drives Debian's
	# Chromium through playwright-core (tests/package.json), which
	# downloads no browser of its own; htpasswd (apache2-utils) makes
	# the tests' basic-auth password files.
	pkgs="$pkgs chromium apache2-utils"
	# The Debian package's build and check (tests/deb-check.sh); groff
	# checks the manual pages (tests/man-check.sh).
	pkgs="$pkgs debhelper lintian groff-base"
	# test_oauth_mcp.py makes the certificate of its loopback https
	# server of client metadata documents with the openssl command.
	pkgs="$pkgs openssl"
	# test_attach_scan.py scans attachments with a real clamd of its
	# own (its own configuration and a one-signature database: no
	# freshclam, no network); the test is skipped without it.
	pkgs="$pkgs clamav-daemon"
fi

# The schema tests' npm packages, at the exact versions of
# tests/package-lock.json, in tests/node_modules: installed when missing
# or older than the lock file, so a second run needs no network.
npm_tests() {
	t=$(cd "$(dirname "$0")/../tests" && pwd)
	if [ ! -f "$t/node_modules/.package-lock.json" ] ||
	    [ "$t/package-lock.json" -nt "$t/node_modules/.package-lock.json" ]
	then
		echo "deps.sh: npm ci in $t" >&2
		(cd "$t" && npm ci --no-audit --no-fund --loglevel=error)
	fi
}

missing=
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	if [ "${1:-}" = test ]; then npm_tests; fi
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing; run as root to install" >&2
	exit 1
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The packages' own services (nginx, apache2) must not grab port 80 for
# us: policy-rc.d tells invoke-rc.d not to start them.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.jta
chmod 755 /usr/sbin/policy-rc.d.jta
if [ ! -e /usr/sbin/policy-rc.d ]; then
	cp /usr/sbin/policy-rc.d.jta /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d /usr/sbin/policy-rc.d.jta' EXIT
else
	trap 'rm -f /usr/sbin/policy-rc.d.jta' EXIT
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
if [ "${1:-}" = test ]; then npm_tests; fi
