"""Token refresh under load, through nginx: 8 worker processes of each
program serve one person while the stand-in's access tokens expire every
second.  Exactly one worker refreshes per expiry (the store's lease), no
spent refresh token is ever presented again, and every request succeeds.
Then the cases around a refresh whose answer is lost, an answer without
a new refresh token, and a key rotation while requests keep coming.
Standard library only; bounded in time and count."""

import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jtatest  # noqa: E402
import test_jira  # noqa: E402  (the stand-in and the consent dance)

WORKERS = 8
THREADS = 16
SECONDS = 6


def hammer(c, seconds, paths):
    """THREADS threads call paths in turn for seconds; the statuses."""
    statuses = []
    lock = threading.Lock()
    stop = time.time() + seconds

    def run(i):
        n = i
        while time.time() < stop:
            st, _, _, _ = c.call("GET", paths[n % len(paths)])
            n += 1
            with lock:
                statuses.append(st)

    threads = [threading.Thread(target=run, args=(i,))
               for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    return statuses


def test(cases, stack, server):
    s = server
    standin = test_jira.standin
    # Tokens that live one second, from the first one on.
    standin.config(access_token_lifetime=1)
    st, page, _ = test_jira.consent(cases, stack, s)
    m = test_jira.KEY_RE.search(page or "")
    if not cases.check("%s: linked" % s, st == 200 and m, page):
        return
    c = jtatest.Client(stack, m.group(1))
    cases.eq("%s: %d workers per program" % (s, WORKERS),
             len(stack.program_pids()), WORKERS * len(stack_programs()))

    # Many workers, one person.
    time.sleep(1.1)
    before = standin.state()
    t0 = time.time()
    statuses = hammer(c, SECONDS, ["/api/me", "/api/issues/OPS-1",
                                   "/api/projects"])
    elapsed = time.time() - t0
    after = standin.state()
    refreshes = after["refreshes"] - before["refreshes"]
    cases.check("%s: every request under load succeeded" % s,
                statuses and all(x == 200 for x in statuses),
                sorted(set(statuses)))
    cases.check("%s: %d requests made" % (s, len(statuses)),
                len(statuses) >= THREADS)
    # One refresh per expiry: at most one a second (plus the first).
    cases.check("%s: refresh calls equal expiries (%d in %.1f s)"
                % (s, refreshes, elapsed),
                1 <= refreshes <= int(elapsed) + 2, refreshes)
    cases.eq("%s: no spent refresh token was presented again" % s,
             after["reused_refresh_presented"] -
             before["reused_refresh_presented"], 0)
    cases.eq("%s: Atlassian refused no refresh" % s,
             after["invalid_grant"] - before["invalid_grant"], 0)

    # The answer to a refresh is lost after Atlassian rotated: the next
    # request presents the spent token inside the reuse grace and the
    # person keeps their link.
    standin.config(access_token_lifetime=2)
    time.sleep(1.2)
    c.call("GET", "/api/me")          # a fresh 2-second token
    time.sleep(2.1)
    standin.config(faults=[{"kind": "drop", "path_prefix": "/oauth/token",
                            "count": 1}])
    st1, _, e, _ = c.call("GET", "/api/me")
    st2, _, _, _ = c.call("GET", "/api/me")
    grace = standin.state()["reused_refresh_in_grace"] - \
        before["reused_refresh_in_grace"]
    cases.check("%s: a lost refresh answer is 502, then the link "
                "survives through the reuse grace" % s,
                st1 == 502 and st2 == 200 and grace == 1,
                (st1, e, st2, grace))

    # Atlassian answers a refresh without a new refresh token: the old
    # one is kept and still works next time.
    standin.config(faults=[], refresh_omit_token=True)
    time.sleep(2.1)
    st1, _, _, _ = c.call("GET", "/api/me")
    standin.config(refresh_omit_token=False)
    time.sleep(2.1)
    st2, _, _, _ = c.call("GET", "/api/me")
    cases.check("%s: a refresh without a new refresh token keeps the "
                "old one" % s, st1 == 200 and st2 == 200, (st1, st2))

    # Rotate the token key while requests keep coming.
    standin.config(access_token_lifetime=1)
    result = {}

    def rotate():
        result["rc"] = stack.admin("key-rotate")
    t = threading.Thread(target=rotate)
    t.start()
    statuses = hammer(c, 3, ["/api/me"])
    t.join(120)
    rc, out, err = result.get("rc", (None, "", ""))
    cases.check("%s: key-rotate while serving" % s, rc == 0, err)
    cases.check("%s: every request during the rotation succeeded" % s,
                statuses and all(x == 200 for x in statuses),
                sorted(set(statuses)))
    time.sleep(1.1)
    st, _, _, _ = c.call("GET", "/api/me")
    cases.eq("%s: tokens open after the rotation" % s, st, 200)
    standin.config(access_token_lifetime=3600)


def stack_programs():
    import harness
    return harness.PROGRAMS


os.environ["JTA_CHILDREN"] = str(WORKERS)
try:
    jtatest.run(test, servers=("nginx",), extra_conf=test_jira.conf)
finally:
    test_jira.standin.stop()
