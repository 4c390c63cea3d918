"""Token refresh under load, through nginx: 8 worker processes of each
program serve one person while the stand-in's access tokens expire every
second.  Exactly one worker refreshes per expiry (the store's lease), no
spent refresh token is ever presented again, and every request succeeds.
Then the cases around a refresh whose answer is lost, an answer without
a new refresh token, and a key rotation while requests keep coming.
Standard library only; bounded in time and count."""

import json
import os
import signal
import subprocess
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

    # A worker killed with SIGKILL while Atlassian answers its refresh:
    # Atlassian has rotated, we never stored it.  The lease it held runs
    # out (upstream_timeout_ms + margin), another worker presents the
    # spent token inside the reuse grace, and the person keeps the link.
    standin.config(access_token_lifetime=2, faults=[
        {"kind": "slow", "seconds": 2, "path_prefix": "/oauth/token",
         "count": 1}])
    time.sleep(2.1)
    g0 = standin.state()["reused_refresh_in_grace"]
    victim = {}
    t = threading.Thread(target=lambda: victim.update(
        st=c.call("GET", "/api/issues/OPS-1")[0]))
    t.start()
    time.sleep(1.0)
    for pid in stack.pids_of("issue"):
        os.kill(pid, signal.SIGKILL)
    t.join(30)
    time.sleep(1.5)        # the stand-in finishes the rotation
    t0 = time.time()
    st, _, _, _ = c.call("GET", "/api/me")
    waited = time.time() - t0
    cases.check("%s: a worker killed mid-refresh costs the person "
                "nothing: the next request succeeds after its lease "
                "(%.1f s) through the reuse grace" % (s, waited),
                victim.get("st") == 502 and st == 200 and waited < 12 and
                standin.state()["reused_refresh_in_grace"] == g0 + 1,
                (victim, st, waited))
    standin.config(faults=[])

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

    secrets_at_rest(cases, stack, s, c)
    key_faults(cases, stack, s, c)


def secrets_at_rest(cases, stack, s, c):
    """No token the stand-in ever issued is in the database, its WAL or
    any log, in the clear."""
    w = test_jira.standin.world
    tokens = [t.encode() for t in list(w.access) + list(w.refresh)]
    cases.check("%s: the stand-in issued tokens (%d)" % (s, len(tokens)),
                len(tokens) >= 10)
    files = [os.path.join(stack.workdir, f) for f in
             ("jta.db", "jta.db-wal", "jta.db-shm")]
    for d in (stack.logdir,):
        files += [os.path.join(d, f) for f in sorted(os.listdir(d))]
    found = []
    scanned = 0
    for path in files:
        if not os.path.exists(path):
            continue
        with open(path, "rb") as f:
            data = f.read()
        scanned += len(data)
        found += ["%s in %s" % (t[:12], path) for t in tokens if t in data]
    cases.check("%s: no token in the database, WAL or logs (%d bytes "
                "scanned)" % (s, scanned), scanned > 0 and not found,
                found[:5])


def key_faults(cases, stack, s, c):
    """A sealed token copied into another person's row, a wrong key
    file and a missing one: tokens stay unreadable, errors say why."""
    import sqlite3
    standin = test_jira.standin
    standin.config(person={"account_id": "712020:9d8e7f60-1a2b-4c3d-8e9f-"
                           "a0b1c2d3e4f5", "name": "Bob Builder",
                           "email": "bob@example.com"})
    st, page, _ = test_jira.consent(cases, stack, s + " (bob)")
    m = test_jira.KEY_RE.search(page or "")
    if not cases.check("%s: a second person linked" % s, st == 200 and m,
                       page):
        return
    bob = jtatest.Client(stack, m.group(1))
    db = sqlite3.connect(os.path.join(stack.workdir, "jta.db"), timeout=30)
    ids = [r[0] for r in db.execute(
        "SELECT user_id FROM atlassian_links ORDER BY user_id")]
    # Alice's sealed tokens into Bob's row: bound to Alice, they must
    # not open as Bob's.
    db.execute("UPDATE atlassian_links SET access_ct = (SELECT access_ct "
               "FROM atlassian_links WHERE user_id = ?), refresh_ct = "
               "(SELECT refresh_ct FROM atlassian_links WHERE user_id = ?) "
               "WHERE user_id = ?", (ids[0], ids[0], ids[1]))
    db.commit()
    db.close()
    st, _, e, _ = bob.call("GET", "/api/me")
    cases.check("%s: a token copied into another person's row does not "
                "open, with a clear error" % s,
                st == 500 and "token_key_file" in (e or {}).get("detail",
                                                             ""), (st, e))
    st, _, _, _ = c.call("GET", "/api/me")
    cases.eq("%s: ... and its owner is unaffected" % s, st, 200)

    # A wrong key file (same key ids, other keys): a program started on
    # it cannot open any token, and says which file is at fault.
    keyfile = os.path.join(stack.workdir, "token.key")
    with open(keyfile) as f:
        good = f.read()
    kids = [ln.split()[0] for ln in good.splitlines()
            if ln.strip() and not ln.startswith("#")]
    os.rename(keyfile, keyfile + ".good")
    fd = os.open(keyfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, "".join("%s %s\n" % (k, os.urandom(32).hex())
                         for k in kids).encode())
    os.close(fd)
    st, e = cgi(stack, "jta-me", "/api/me", c.key)
    os.rename(keyfile + ".good", keyfile)
    cases.check("%s: a wrong token key file leaves tokens unreadable, "
                "with a clear error" % s,
                st == 500 and "token_key_file" in (e or {}).get("detail",
                                                             ""), (st, e))
    st, e = cgi(stack, "jta-me", "/api/me", c.key)
    cases.eq("%s: the right key file opens them again" % s, st, 200)

    # A missing key file stops a program at start, naming the key.
    os.rename(keyfile, keyfile + ".away")
    p = subprocess.run([os.path.join(stack.builddir, "fcgi", "jta-me")],
                       env=dict(os.environ, JTA_CONFIG=stack.conf,
                                REQUEST_METHOD="GET", REQUEST_URI="/api/me",
                                GATEWAY_INTERFACE="CGI/1.1"),
                       capture_output=True, timeout=60)
    os.rename(keyfile + ".away", keyfile)
    cases.check("%s: a missing token key file stops start-up naming "
                "token_key_file" % s, p.returncode == 78 and
                b"token_key_file" in p.stderr, (p.returncode, p.stderr))


def cgi(stack, program, uri, key):
    """One request to program as plain CGI on stack's files."""
    _, status, _, payload = jtatest.cgi(stack.conf, program, "GET", uri,
                                        key=key)
    try:
        return status, json.loads(payload) if payload else None
    except ValueError:
        return status, None


def stack_programs():
    import harness
    return harness.PROGRAMS


os.environ["JTA_CHILDREN"] = str(WORKERS)
try:
    jtatest.run(test, servers=("nginx",), extra_conf=test_jira.conf)
finally:
    test_jira.standin.stop()
