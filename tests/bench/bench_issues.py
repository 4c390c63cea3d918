"""Benchmark: GET /api/issues on the embedded store through nginx, next to
nginx serving a static file of the same size in the same run.  Prints
requests per second, p50 and p99 of both and the ratio; it asserts
nothing about time (a benchmark, not a test).  Bounded: two wrk runs of
BENCH_SECONDS (default 5) each, 2 threads, 16 connections, 127.0.0.1."""

import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import harness  # noqa: E402
from jtatest import BUILDDIR, SRCDIR, Client  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))


def wrk(url, key=None):
    cmd = ["wrk", "-t2", "-c16", "-d%ds" % SECONDS, "--latency", url]
    if key:
        cmd[1:1] = ["-H", "Authorization: Bearer " + key]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=SECONDS
                         + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p):
        m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)" % p, out)
        v = float(m.group(1))
        return v / 1000 if m.group(2) == "us" else v * 1000 \
            if m.group(2) == "s" else v
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, pct(50), pct(99), int(non2xx.group(1)) if non2xx else 0


def main():
    work = tempfile.mkdtemp(prefix="jta-bench-")
    stack = harness.Stack("nginx", BUILDDIR, SRCDIR, work)
    stack.start()
    try:
        stack.admin("init")
        stack.admin("user", "add", "bench")
        stack.admin("project", "add", "BENCH", "Benchmark")
        key = stack.admin("key", "create", "bench")[1].strip()
        c = Client(stack, key)
        for i in range(200):
            c.call("POST", "/api/issues", {
                "project": "BENCH", "summary": "Benchmark issue %d" % i,
                "description": "Something is broken, case %d." % i,
                "labels": ["bench", "l%d" % (i % 7)]})
        path = "/api/issues?limit=20&project=BENCH"
        st, _, _, body = c.call("GET", path)
        assert st == 200, st
        # The baseline: the same bytes from a static file through nginx.
        static = os.path.join(stack.htdocs, "bench-baseline.json")
        with open(static, "wb") as f:
            f.write(body)
        base = wrk(stack.base_url + "/bench-baseline.json")
        api = wrk(stack.base_url + path, key)
        os.unlink(static)
    finally:
        stack.stop()
    print("GET %s (%d bytes), wrk -t2 -c16 -d%ds" % (path, len(body),
                                                    SECONDS))
    print("%-28s %10s %9s %9s %7s" % ("", "req/s", "p50 ms", "p99 ms",
                                      "non-2xx"))
    print("%-28s %10.0f %9.2f %9.2f %7d" % (("nginx static file",) + base))
    print("%-28s %10.0f %9.2f %9.2f %7d" % (("nginx + jta-issues (SQLite)",)
                                             + api))
    print("ratio api/static: throughput %.3f, p50 %.2fx, p99 %.2fx" % (
        api[0] / base[0], api[1] / base[1], api[2] / base[2]))


if __name__ == "__main__":
    main()
