"""Benchmark: what counting metrics costs per request.  GET
/api/issues/BENCH-1 on the embedded store through nginx with metrics = on
(the default: one mapped file per worker, a few relaxed atomic adds per
request) and with metrics = off, in the same run, alternating stacks,
best of two each.  Prints requests per second, p50 and p99 and the ratio;
asserts nothing about time (a benchmark, not a test).  BENCH_SECONDS
(default 5) per wrk run."""

import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import harness  # noqa: E402
from bench_issues import SECONDS, wrk  # noqa: E402
from jtatest import BUILDDIR, SRCDIR, Client  # noqa: E402


def one(setting):
    """One stack with metrics = setting: a wrk run's result."""
    work = tempfile.mkdtemp(prefix="jta-bench-metrics-%s-" % setting)
    stack = harness.Stack("nginx", BUILDDIR, SRCDIR, work,
                          lambda s: "metrics = %s\n" % setting)
    stack.start()
    try:
        stack.admin("user", "add", "bench")
        stack.admin("project", "add", "BENCH", "Benchmark")
        key = stack.admin("key", "create", "bench")[1].strip()
        st, _, _, _ = Client(stack, key).call("POST", "/api/issues", {
            "project": "BENCH", "summary": "Benchmark issue"})
        assert st == 201, st
        return wrk(stack.base_url + "/api/issues/BENCH-1", key)
    finally:
        stack.stop()


def main():
    runs = {"on": [], "off": []}
    for _ in range(2):
        for setting in ("off", "on"):
            runs[setting].append(one(setting))
    best = {k: max(v, key=lambda r: r[0]) for k, v in runs.items()}
    print("GET /api/issues/BENCH-1, wrk -t2 -c16 -d%ds, best of 2" % SECONDS)
    print("%-28s %10s %9s %9s %7s" % ("", "req/s", "p50 ms", "p99 ms",
                                      "non-2xx"))
    for k in ("off", "on"):
        print("%-28s %10.0f %9.2f %9.2f %7d" % (("metrics = " + k,) +
                                                 best[k]))
    a, b = best["on"], best["off"]
    print("ratio metrics on/off: throughput %.3f, p50 %.2fx, p99 %.2fx" % (
        a[0] / b[0], a[1] / b[1], a[2] / b[2]))


if __name__ == "__main__":
    main()
