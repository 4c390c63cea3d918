"""Benchmark: what the operators' switches cost per request.  GET
/api/issues/BENCH-1 on the embedded store through nginx with no access
rules, then with 20 rules that all cover reading and are all evaluated
(none refuses), in the same run, alternating, best of two each.  Prints
requests per second, p50 and p99 and the ratio; asserts nothing about
time (a benchmark, not a test).  BENCH_SECONDS (default 5) per wrk run."""

import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import harness  # noqa: E402
from bench_issues import SECONDS, wrk  # noqa: E402
from jtatest import BUILDDIR, SRCDIR, Client  # noqa: E402

# 20 rules covering reads, none matching the benchmark's person or
# project, so each request walks all of them: 10 deny project, 6 deny
# person, 3 deny domain, and an allow-list of one domain (which matches).
RULES = ([("deny", "project", "P%d" % i) for i in range(10)] +
         [("deny", "person", "nobody%d@elsewhere.example" % i)
          for i in range(6)] +
         [("deny", "domain", "blocked%d.example" % i) for i in range(3)] +
         [("allow", "domain", "bench.example")])


def main():
    work = tempfile.mkdtemp(prefix="jta-bench-policy-")
    stack = harness.Stack("nginx", BUILDDIR, SRCDIR, work)
    stack.start()
    runs = {"none": [], "20 rules": []}
    try:
        stack.admin("user", "add", "bench", "--email", "b@bench.example")
        stack.admin("project", "add", "BENCH", "Benchmark")
        key = stack.admin("key", "create", "bench")[1].strip()
        c = Client(stack, key)
        st, _, _, _ = c.call("POST", "/api/issues", {
            "project": "BENCH", "summary": "Benchmark issue"})
        assert st == 201, st
        url = stack.base_url + "/api/issues/BENCH-1"
        ids = []
        for _ in range(2):
            for i in ids:
                rc, out, err = stack.admin("rules", "remove", str(i))
                assert rc == 0, err
            ids = []
            runs["none"].append(wrk(url, key))
            for effect, kind, value in RULES:
                rc, out, err = stack.admin(effect, kind, value, "--for",
                                           "read")
                assert rc == 0, err
                ids.append(int(out.split()[1].rstrip(":")))
            st, _, _, _ = c.call("GET", "/api/issues/BENCH-1")
            assert st == 200, st
            runs["20 rules"].append(wrk(url, key))
    finally:
        stack.stop()
    best = {k: max(v, key=lambda r: r[0]) for k, v in runs.items()}
    print("GET /api/issues/BENCH-1, wrk -t2 -c16 -d%ds, best of 2" % SECONDS)
    print("%-28s %10s %9s %9s %7s" % ("", "req/s", "p50 ms", "p99 ms",
                                      "non-2xx"))
    for k in ("none", "20 rules"):
        print("%-28s %10.0f %9.2f %9.2f %7d" % (("access rules: " + k,) +
                                                 best[k]))
    a, b = best["20 rules"], best["none"]
    print("ratio 20 rules/none: throughput %.3f, p50 %.2fx, p99 %.2fx" % (
        a[0] / b[0], a[1] / b[1], a[2] / b[2]))


if __name__ == "__main__":
    main()
