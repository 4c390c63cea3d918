"""Usage counted in batches survives a killed worker (README "Usage
counted in batches"): with folds every 1000 calls or 600 seconds, the
calls a client made are counted in the workers' mapped files and not yet
in the store; then every worker of jta-issues is killed with SIGKILL (no
exit fold).  The next process of the program that opens the database
(here one plain CGI request) folds the dead workers' counts: the store
has every call, once (a second new process adds only its own call).
Under nginx and Apache.  Standard library only."""

import json
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jtatest  # noqa: E402
from jtatest import Client  # noqa: E402

CALLS = 6


def calls(stack):
    """alice's calls in the store, as jta-admin usage shows them."""
    rc, out, err = stack.admin("usage", "--by", "person", "--json")
    if rc != 0:
        raise RuntimeError("jta-admin usage: %s" % err)
    rows = {r["person"]: r for r in json.loads(out)}
    return rows.get("alice", {}).get("calls", 0)


def test(c, stack, server):
    s = server + ": "
    stack.admin("user", "add", "alice")
    rc, out, _ = stack.admin("key", "create", "alice")
    key = out.strip()
    alice = Client(stack, key)
    stack.admin("project", "add", "DEMO", "Demo")
    for i in range(CALLS):
        st, _, _, _ = alice.call("GET", "/api/issues?project=DEMO")
        c.eq(s + "call %d answered" % i, st, 200)
    c.eq(s + "counted in the workers' files, not folded yet", calls(stack),
         0)
    pids = stack.pids_of("issues")
    c.check(s + "the workers of jta-issues are known", len(pids) > 0, pids)
    for p in pids:
        os.kill(p, signal.SIGKILL)
    deadline = time.time() + 10
    while time.time() < deadline and any(
            os.path.exists("/proc/%d" % p) and
            open("/proc/%d/stat" % p).read().split()[2] != "Z"
            for p in pids):
        time.sleep(0.05)
    c.eq(s + "killed before any fold", calls(stack), 0)
    # The next worker to open the database folds the dead ones' files,
    # then counts (and at its exit folds) its own call.
    _, st, _, _ = jtatest.cgi(stack.conf, "jta-issues", "GET",
                              "/api/issues?project=DEMO", key=key)
    c.eq(s + "the next worker answers", st, 200)
    c.eq(s + "the dead workers' calls reached the store", calls(stack),
         CALLS + 1)
    _, st, _, _ = jtatest.cgi(stack.conf, "jta-issues", "GET",
                              "/api/issues?project=DEMO", key=key)
    c.eq(s + "and once: another worker adds only its own call",
         calls(stack), CALLS + 2)


def main():
    jtatest.run(test, extra_conf=lambda st: "usage_fold_calls = 1000\n"
                "usage_fold_seconds = 600\n")


if __name__ == "__main__":
    main()
