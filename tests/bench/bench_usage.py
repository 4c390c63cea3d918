"""Benchmark: what usage counting and quotas cost per request.  GET
/api/issues/BENCH-1 on the embedded store through nginx with
usage_counting = off, and with usage_counting = on and 4 quotas that
cover the benchmark's person (person calls per day, person updates per
day, the default person's creates, the site's calls per month; limits
far away, so every request is checked and counted and none refused).
Two stacks side by side, alternating, best of two each.  Prints requests
per second, p50 and p99 and the ratio; asserts nothing about time (a
benchmark, not a test).  BENCH_SECONDS (default 5) per wrk run."""

import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# The shipped usage batches, not the tests' fold per request (harness).
os.environ.setdefault("JTA_USAGE_FOLD_CALLS", "default")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import harness  # noqa: E402
from bench_issues import SECONDS, wrk  # noqa: E402
from jtatest import BUILDDIR, SRCDIR, Client  # noqa: E402

QUOTAS = [("--person", "bench", "--metric", "calls"),
          ("--person", "bench", "--metric", "updates"),
          ("--default-person", "--metric", "creates"),
          ("--site", "local", "--metric", "calls")]
LIMIT = "1000000000"


def latency(url, key):
    """p50 and p99 (ms) of one connection sending requests one after
    another: the time a request takes when nothing queues."""
    out = subprocess.run(["wrk", "-t1", "-c1", "-d%ds" % SECONDS,
                          "--latency", "-H", "Authorization: Bearer " + key,
                          url], capture_output=True, text=True,
                         timeout=SECONDS + 30).stdout

    def pct(p):
        m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)" % p, out)
        v = float(m.group(1))
        return v / 1000 if m.group(2) == "us" else v * 1000 \
            if m.group(2) == "s" else v
    return pct(50), pct(99)


def setup(stack, quotas):
    stack.admin("user", "add", "bench")
    stack.admin("project", "add", "BENCH", "Benchmark")
    key = stack.admin("key", "create", "bench")[1].strip()
    st, _, _, _ = Client(stack, key).call("POST", "/api/issues", {
        "project": "BENCH", "summary": "Benchmark issue"})
    assert st == 201, st
    for q in quotas:
        rc, out, err = stack.admin("quota", "set", *q, "--limit", LIMIT)
        assert rc == 0, err
    return key


def main():
    stacks = {}
    try:
        for name, conf in (("counting off", "usage_counting = off\n"),
                           ("counting on, 4 quotas", "")):
            work = tempfile.mkdtemp(prefix="jta-bench-usage-")
            stack = harness.Stack("nginx", BUILDDIR, SRCDIR, work,
                                  lambda s, c=conf: c)
            stack.start()
            stacks[name] = (stack, setup(stack, QUOTAS if conf == ""
                                         else []))
        runs = {k: [] for k in stacks}
        lat = {k: [] for k in stacks}
        for _ in range(2):
            for name, (stack, key) in stacks.items():
                url = stack.base_url + "/api/issues/BENCH-1"
                runs[name].append(wrk(url, key))
                lat[name].append(latency(url, key))
        stack, _ = stacks["counting on, 4 quotas"]
        rc, out, err = stack.admin("usage", "--json")
        assert rc == 0, err
    finally:
        for stack, _ in stacks.values():
            stack.stop()
    best = {k: max(v, key=lambda r: r[0]) for k, v in runs.items()}
    print("GET /api/issues/BENCH-1, wrk -t2 -c16 -d%ds, best of 2" % SECONDS)
    print("%-28s %10s %9s %9s %7s" % ("", "req/s", "p50 ms", "p99 ms",
                                      "non-2xx"))
    for k in runs:
        print("%-28s %10.0f %9.2f %9.2f %7d" % ((k,) + best[k]))
    print("calls counted with counting on: %s" % out.strip().replace(
        "\n", " ")[:200])
    a, b = best["counting on, 4 quotas"], best["counting off"]
    print("ratio on/off: throughput %.3f, p50 %.2fx, p99 %.2fx" % (
        a[0] / b[0], a[1] / b[1], a[2] / b[2]))
    one = {k: min(v) for k, v in lat.items()}
    print("one connection (wrk -t1 -c1), best of 2: p50 off %.3f ms, on "
          "%.3f ms: %+.0f us per request (p99 %.3f vs %.3f ms)" % (
              one["counting off"][0], one["counting on, 4 quotas"][0],
              (one["counting on, 4 quotas"][0] - one["counting off"][0]) *
              1000, one["counting off"][1],
              one["counting on, 4 quotas"][1]))


if __name__ == "__main__":
    main()
