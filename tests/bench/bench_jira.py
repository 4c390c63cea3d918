"""Benchmark: GET /api/issues in Jira mode through nginx (API key lookup,
token unsealing, the upstream call to the Atlassian stand-in, reshaping
into our rows) next to nginx proxying the same search straight to the
stand-in, in the same run.  Prints requests per second, p50 and p99 of
both and the ratio; asserts nothing about time.  The stand-in is a Python
program, so both sides are bounded by it: the ratio shows what we add.
Bounded: two wrk runs of BENCH_SECONDS (default 5), 2 threads, 16
connections, 127.0.0.1 only."""

import os
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import test_jira  # noqa: E402
from bench_issues import SECONDS, wrk  # noqa: E402
from jtatest import BUILDDIR, SRCDIR, Client  # noqa: E402

FIELDS = "summary,status,issuetype,priority,assignee,reporter,created,updated"


def proxy(work, upstream):
    """A plain nginx reverse proxy to upstream; (process, base URL)."""
    port = harness.free_port()
    conf = os.path.join(work, "proxy.conf")
    with open(conf, "w") as f:
        f.write("""daemon off;
master_process on;
worker_processes 2;
pid %s/proxy.pid;
error_log %s/proxy-error.log warn;
events { worker_connections 512; }
http {
    access_log off;
    upstream standin { server %s; keepalive 16; }
    server {
        listen 127.0.0.1:%d;
        location / {
            proxy_pass http://standin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
""" % (work, work, upstream, port))
    p = subprocess.Popen(["nginx", "-c", conf, "-p", work],
                         stderr=subprocess.DEVNULL)
    return p, "http://127.0.0.1:%d" % port


def main():
    standin = test_jira.standin
    work = tempfile.mkdtemp(prefix="jta-bench-jira-")
    os.environ.setdefault("JTA_CHILDREN", "2")
    stack = harness.Stack("nginx", BUILDDIR, SRCDIR, work, test_jira.conf)
    stack.start()
    px = None
    try:
        st, page, _ = test_jira.consent(_Quiet(), stack, "bench")
        key = test_jira.KEY_RE.search(page).group(1)
        c = Client(stack, key)
        path = "/api/issues?project=OPS&limit=20"
        st, _, _, body = c.call("GET", path)
        assert st == 200, (st, body)
        # The same search, straight to the stand-in, with the person's
        # own access token.
        token = [t for t, a in standin.world.access.items()][-1]
        cloud = "11111111-2222-4333-8444-555555555555"
        direct = "/ex/jira/%s/rest/api/3/search/jql?%s" % (
            cloud, urllib.parse.urlencode({
                "jql": 'project = "OPS" ORDER BY updated DESC',
                "maxResults": 20, "fields": FIELDS}))
        px, purl = proxy(work, standin.url[len("http://"):])
        time.sleep(0.5)
        base = wrk(purl + direct, token)
        api = wrk(stack.base_url + path, key)
    finally:
        if px is not None:
            px.terminate()
            px.wait(10)
        stack.stop()
        standin.stop()
    print("GET %s in Jira mode, wrk -t2 -c16 -d%ds" % (path, SECONDS))
    print("%-34s %10s %9s %9s %7s" % ("", "req/s", "p50 ms", "p99 ms",
                                      "non-2xx"))
    print("%-34s %10.0f %9.2f %9.2f %7d" % (("nginx -> stand-in (direct)",)
                                             + base))
    print("%-34s %10.0f %9.2f %9.2f %7d" % (("nginx + jta-issues -> stand-in",)
                                             + api))
    print("ratio ours/direct: throughput %.3f, p50 %.2fx, p99 %.2fx" % (
        api[0] / base[0], api[1] / base[1], api[2] / base[2]))


class _Quiet:
    """Cases for the consent helper that only stops on a failure."""

    def check(self, name, cond, detail=""):
        if not cond:
            raise RuntimeError("%s: %s" % (name, detail))
        return cond

    def eq(self, name, got, want):
        return self.check(name, got == want, (got, want))


if __name__ == "__main__":
    main()
