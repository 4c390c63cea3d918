"""/metrics through a real nginx and a real Apache with 4 workers per
program: exact request counts summed across the workers, the Prometheus
text format 0.0.4 checked by a strict parser of our own (every sample
under a # TYPE, histogram buckets cumulative and ending at +Inf equal to
_count), counters that never go backwards when a worker is killed and
its file is taken over by a new one, denied (403) with the shipped web
server configuration, 404 with metrics = off; then Jira mode against the
Atlassian stand-in: the upstream histogram counts every call the stand-in
saw, and a forced token refresh (1-second tokens) is counted.
Standard library only."""

import math
import os
import re
import signal
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import jtatest  # noqa: E402
from jtatest import Cases, Client  # noqa: E402
import test_policy  # noqa: E402  (the stand-in, its config, the link dance)

from atlassian import ALICE  # noqa: E402

WORKERS = 4
CTYPE = "text/plain; version=0.0.4; charset=utf-8"

# ---- a strict reader of the text exposition format 0.0.4 ----------------

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
SAMPLE_RE = re.compile(r"^(%s)(?:\{((?:%s)(?:,%s)*)?\})? (\S+)$"
                       % (NAME, LABEL, LABEL))
LABEL_RE = re.compile(LABEL)
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


def parse(text):
    """{(name, ((label, value), ...)): float} and the family types, or an
    AssertionError naming the line at fault."""
    assert text.endswith("\n"), "no final newline"
    types, helps, samples = {}, set(), {}
    for n, line in enumerate(text[:-1].split("\n"), 1):
        where = "line %d %r" % (n, line)
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] == "TYPE":
                assert re.fullmatch(NAME, parts[2]), where
                assert len(parts) == 4 and parts[3] in TYPES, where
                assert parts[2] not in types, "second TYPE: " + where
                assert not any(family(k[0], types) == parts[2]
                               for k in samples), "TYPE after samples: " + \
                    where
                types[parts[2]] = parts[3]
            elif len(parts) >= 3 and parts[1] == "HELP":
                assert parts[2] not in helps, "second HELP: " + where
                helps.add(parts[2])
            continue
        m = SAMPLE_RE.match(line)
        assert m, "not a sample: " + where
        name = m.group(1)
        fam = family(name, types)
        assert fam in types, "sample without a TYPE: " + where
        labels = tuple(LABEL_RE.findall(m.group(2) or ""))
        assert len({k for k, _ in labels}) == len(labels), where
        v = float(m.group(7)) if m.group(7) not in ("+Inf", "-Inf") \
            else float(m.group(7))
        if types[fam] == "counter":
            assert v >= 0 and not math.isnan(v), "counter < 0: " + where
        key = (name, labels)
        assert key not in samples, "repeated series: " + where
        samples[key] = v
    check_histograms(samples, types)
    return samples, types


def family(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and types.get(name[:-len(suffix)]) == \
                "histogram":
            return name[:-len(suffix)]
    return name


def check_histograms(samples, types):
    for fam, t in types.items():
        if t != "histogram":
            continue
        series = {}
        for (name, labels), v in samples.items():
            if name == fam + "_bucket":
                le = dict(labels)["le"]
                rest = tuple(x for x in labels if x[0] != "le")
                series.setdefault(rest, []).append((float(le), v))
        for rest, buckets in series.items():
            buckets.sort()
            assert buckets[-1][0] == math.inf, "%s%s: no +Inf" % (fam, rest)
            counts = [v for _, v in buckets]
            assert counts == sorted(counts), "%s%s: not cumulative" % (
                fam, rest)
            assert samples.get((fam + "_count", rest)) == counts[-1], \
                "%s%s: +Inf != _count" % (fam, rest)
            assert (fam + "_sum", rest) in samples, "%s%s: no _sum" % (
                fam, rest)


def scrape(c, stack, label):
    st, h, body = stack.request("GET", "/metrics")
    c.check("%s: /metrics is 200 %s" % (label, CTYPE),
            st == 200 and h.get("content-type") == CTYPE, (st, h))
    try:
        samples, _ = parse(body.decode("utf-8"))
    except AssertionError as e:
        c.check("%s: the text format is valid" % label, False, str(e))
        return {}
    return samples


def get(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0)


def req(samples, endpoint, status):
    return get(samples, "jta_requests_total", endpoint=endpoint,
               status=str(status))


# ---- local mode ----------------------------------------------------------

def local(c, stack, server):
    s = "local/" + server
    keys = test_policy.local_setup(stack)
    alice = Client(stack, keys["alice"])
    anon = Client(stack)
    st, _, j, _ = alice.call("POST", "/api/issues",
                             {"project": "OPS", "summary": "one"})
    assert st == 201, (st, j)
    c.eq("%s: %d workers per program" % (s, WORKERS),
         len(stack.pids_of("issue")), WORKERS)
    first = scrape(c, stack, s)
    c.check("%s: valid format, every program's workers counted" % s,
            get(first, "jta_processes", program="jta-issue") == WORKERS,
            sorted(k for k in first if k[0] == "jta_processes"))
    plan = [(alice, "GET", "/api/issues/OPS-1", "issue", 200, 13),
            (alice, "GET", "/api/issues/OPS-999", "issue", 404, 5),
            (anon, "GET", "/api/issues/OPS-1", "issue", 401, 4),
            (alice, "GET", "/api/me", "me", 200, 6),
            (alice, "GET", "/api/issues?project=OPS", "issues.search", 200,
             7),
            (alice, "DELETE", "/api/me", "me", 405, 2),
            (anon, "GET", "/healthz", "healthz", 200, 9)]
    before = scrape(c, stack, s)
    for cl, method, path, _, want, n in plan:
        for _ in range(n):
            st = cl.call(method, path)[0]
            assert st == want, (method, path, st)
    after = scrape(c, stack, s)
    for _, method, path, ep, status, n in plan:
        c.eq("%s: %s %s: %d more requests_total{endpoint=%s,status=%d}"
             % (s, method, path, n, ep, status),
             req(after, ep, status) - req(before, ep, status), n)
    c.eq("%s: the scrape itself is counted once" % s,
         req(after, "metrics", 200) - req(before, "metrics", 200), 1)
    dur = "jta_request_duration_seconds_count"
    c.eq("%s: the issue endpoint's duration histogram counts every "
         "answer" % s, get(after, dur, endpoint="issue") -
         get(before, dur, endpoint="issue"), 13 + 5 + 4)
    c.eq("%s: no upstream calls in local mode" % s,
         get(after, "jta_upstream_request_duration_seconds_count"), 0)
    c.check("%s: quota rejections exported at 0" % s,
            ("jta_quota_rejections_total", (("scope", "person"),)) in after
            and get(after, "jta_quota_rejections_total", scope="person")
            == 0)

    # Kill a worker: its counts stay; the survivors go on.
    victim = stack.pids_of("issue")[0]
    os.kill(victim, signal.SIGKILL)
    deadline = time.time() + 5
    while time.time() < deadline and harness._alive(victim):
        time.sleep(0.05)
    killed = scrape(c, stack, s)
    c.eq("%s: killed worker: issue 200 count did not go back" % s,
         req(killed, "issue", 200), req(after, "issue", 200))
    c.eq("%s: killed worker: one process fewer" % s,
         get(killed, "jta_processes", program="jta-issue"), WORKERS - 1)
    for _ in range(8):
        assert alice.call("GET", "/api/issues/OPS-1")[0] == 200
    more = scrape(c, stack, s)
    c.eq("%s: the survivors add on" % s, req(more, "issue", 200),
         req(after, "issue", 200) + 8)
    # A new worker (as CGI, same configuration) takes the dead one's
    # file: the count goes on from there and no file is added.
    mdir = os.path.join(stack.workdir, "metrics")
    files = sorted(os.listdir(mdir))
    rc, st, _, _ = jtatest.cgi(stack.conf, "jta-issue", uri="/api/issues/"
                               "OPS-1", key=keys["alice"])
    c.check("%s: a new worker answers" % s, rc == 0 and st == 200, (rc, st))
    reborn = scrape(c, stack, s)
    c.eq("%s: the new worker adds to the total" % s,
         req(reborn, "issue", 200), req(more, "issue", 200) + 1)
    c.eq("%s: ... in a file it took over (no new file)" % s,
         sorted(os.listdir(mdir)), files)
    for k, v in more.items():
        if k[0].endswith("_total") and reborn.get(k, 0) < v:
            c.check("%s: %s never goes backwards" % (s, k), False)
    st, _, _ = stack.request("POST", "/metrics")
    c.eq("%s: POST /metrics is 405" % s, st, 405)
    # The kill switch does not stop it.
    assert stack.admin("off")[0] == 0
    st, _, _ = stack.request("GET", "/metrics")
    c.eq("%s: /metrics answers while switched off" % s, st, 200)
    assert stack.admin("on")[0] == 0


def denied(c, stack, server):
    st, h, body = stack.request("GET", "/metrics")
    c.eq("%s: shipped configuration: /metrics is 403" % server, st, 403)
    st, h, body = stack.request("GET", "/healthz")
    c.eq("%s: ... while the rest is served" % server, st, 200)
    # metrics = off: the program says so.
    off = os.path.join(stack.workdir, "off.conf")
    with open(stack.conf) as f, open(off, "w") as g:
        g.write(f.read() + "metrics = off\n")
    rc, st, _, _ = jtatest.cgi(off, "jta-metrics", uri="/metrics")
    c.check("%s: metrics = off: /metrics is 404" % server,
            rc == 0 and st == 404, (rc, st))
    bad = os.path.join(stack.workdir, "bad.conf")
    with open(stack.conf) as f, open(bad, "w") as g:
        g.write(f.read() + "metrics_dir = /nonexistent/x/metrics\n")
    rc, st, _, _ = jtatest.cgi(bad, "jta-healthz", uri="/healthz")
    c.eq("%s: an unusable metrics_dir stops the program (EX_CONFIG)"
         % server, rc, 78)


# ---- Jira mode -----------------------------------------------------------

def jira(c, stack, server):
    s = "jira/" + server
    standin = test_policy.standin
    standin.config(access_token_lifetime=1)
    alice = Client(stack, test_policy.link(stack, dict(ALICE)))
    assert alice.call("GET", "/api/issues/OPS-1")[0] == 200
    time.sleep(1.2)   # the access token is dead: the next call refreshes

    def upstream(st):
        return sum(st["api_calls"].values()) + \
            sum(st["token_calls"].values())

    m0 = scrape(c, stack, s)
    s0 = standin.state()
    for _ in range(6):
        assert alice.call("GET", "/api/issues/OPS-1")[0] == 200
    m1 = scrape(c, stack, s)
    s1 = standin.state()
    c.check("%s: the stand-in saw calls" % s, upstream(s1) > upstream(s0))
    hc = "jta_upstream_request_duration_seconds_count"
    c.eq("%s: upstream histogram count = calls the stand-in saw" % s,
         get(m1, hc) - get(m0, hc), upstream(s1) - upstream(s0))
    refreshes = s1["refreshes"] - s0["refreshes"]
    c.check("%s: a refresh was forced" % s, refreshes >= 1, refreshes)
    c.eq("%s: refreshes_total{ok} counts it" % s,
         get(m1, "jta_token_refreshes_total", outcome="ok") -
         get(m0, "jta_token_refreshes_total", outcome="ok"), refreshes)
    c.eq("%s: upstream outcomes sum to the histogram's count" % s,
         sum(v for k, v in m1.items()
             if k[0] == "jta_upstream_requests_total"), get(m1, hc))
    c.eq("%s: issue 200 counted" % s,
         req(m1, "issue", 200) - req(m0, "issue", 200), 6)


def jira_conf(stack):
    return test_policy.jira_conf(stack)


def main():
    cases = Cases()
    os.environ["JTA_CHILDREN"] = str(WORKERS)
    runs = [(srv, name, fn, conf, opened)
            for srv in ("nginx", "apache")
            for name, fn, conf, opened in (
                ("local", local, None, True),
                ("denied", denied, None, False),
                ("jira", jira, jira_conf, True))]
    for server, name, fn, conf, opened in runs:
        work = tempfile.mkdtemp(prefix="jta-met-%s-%s-" % (name, server))
        stack = harness.Stack(server, jtatest.BUILDDIR, jtatest.SRCDIR,
                              work, conf, metrics_open=opened)
        try:
            stack.start()
            fn(cases, stack, server)
        except Exception:
            traceback.print_exc()
            cases.check("%s/%s: test ran to the end" % (name, server),
                        False)
        finally:
            stack.stop()
        bad = jtatest.logs_clean(stack)
        cases.check("%s/%s: no sanitizer report or crash in the logs" % (
            name, server), not bad, "\n".join(bad[:10]))
        jtatest.keep_if_failed(cases, work)
    test_policy.standin.stop()
    cases.finish()


if __name__ == "__main__":
    main()
