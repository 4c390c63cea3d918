"""The admin page in a real headless Chromium: a stack under nginx with basic
auth on /admin/, then tests/integration/admin_browser.js (Debian's
/usr/bin/chromium driven by playwright-core from tests/node_modules) loads
the page, switches the service off with a message, sees the ticket API
answer 503 with it, adds and removes a rule, sets a quota from the form and
sees its bar in the right colour, removes it, switches the service on again
and sees 200.  Screenshots go to tests/integration/admin-screenshots/ in the
build tree.  Standard library only on this side."""

import json
import os
import re
import subprocess
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import jtatest  # noqa: E402
from jtatest import Cases  # noqa: E402

USER = "ops-browser"
PASSWORD = "a long browser test password"
CHROMIUM = os.environ.get("JTA_CHROMIUM", "/usr/bin/chromium")
MODULES = os.path.join(jtatest.SRCDIR, "tests", "node_modules")


def usage_fixture(cases, stack, key):
    """Real usage at every level: alice's creates 0 of 100 (ok), alice's
    calls 15 of 20 (warn; the browser test adds at most 3), bob's calls 9
    of 10 (high) and bob's conversations 1 of 1 (over; bob makes no call
    after).  Returns the levels the page must show."""
    rc, _, err = stack.admin("user", "add", "bob")
    rc2, bkey, err2 = stack.admin("key", "create", "bob")
    cases.check("usage: set-up: bob and his key", rc == 0 and rc2 == 0,
                err + err2)
    for who, k, n in (("alice", key, 15), ("bob", bkey.strip(), 9)):
        for _ in range(n):
            st, _, _ = stack.request("GET", "/api/issues", headers={
                "Authorization": "Bearer " + k})
            if st != 200:
                cases.check("usage: %s's calls are served" % who, False,
                            st)
                break
    for args in (("--person", "alice", "--metric", "creates", "--limit",
                  "100"),
                 ("--person", "alice", "--metric", "calls", "--limit",
                  "20"),
                 ("--person", "bob", "--metric", "calls", "--limit", "10"),
                 ("--person", "bob", "--metric", "conversations",
                  "--limit", "1")):
        rc, out, err = stack.admin("quota", "set", *args)
        cases.check("usage: quota set %s" % " ".join(args), rc == 0,
                    out + err)
    return ["ok", "warn", "high", "over"]


def main():
    missing = [p for p in (CHROMIUM, os.path.join(MODULES,
                                                  "playwright-core"))
               if not os.path.exists(p)]
    if missing:
        print("# skip: %s absent (sh cli/deps.sh test installs them)" %
              ", ".join(missing))
        sys.exit(77)
    cases = Cases()
    shots = os.path.join(jtatest.BUILDDIR, "tests", "integration",
                         "admin-screenshots")
    os.makedirs(shots, exist_ok=True)
    work = tempfile.mkdtemp(prefix="jta-admin-browser-")
    stack = harness.Stack("nginx", jtatest.BUILDDIR, jtatest.SRCDIR, work,
                          admin_auth=(USER, PASSWORD))
    try:
        stack.start()
        rc, _, err = stack.admin("user", "add", "alice")
        rc2, key, err2 = stack.admin("key", "create", "alice")
        cases.check("set-up: a user and an API key", rc == 0 and rc2 == 0,
                    err + err2)
        levels = usage_fixture(cases, stack, key.strip())
        env = dict(os.environ, NODE_PATH=MODULES, JTA_CHROMIUM=CHROMIUM,
                   JTA_USAGE_LEVELS=",".join(levels))
        p = subprocess.run(["node", os.path.join(HERE, "admin_browser.js"),
                            stack.base_url, USER, PASSWORD, key.strip(),
                            shots], capture_output=True, text=True,
                           timeout=120, env=env,
                           cwd=os.path.join(jtatest.SRCDIR, "tests"))
        for line in p.stdout.splitlines():
            m = re.match(r"(not ok|ok) - (.*)", line)
            if m:
                cases.check("chromium: " + m.group(2), m.group(1) == "ok")
            elif line.startswith("#"):
                print(line)
        cases.check("chromium: the script exited 0", p.returncode == 0,
                    p.stderr[-2000:])
        for f in ("admin-off.png", "admin-rule-error.png", "admin-on.png",
                  "admin-usage-fixture.png", "admin-quota.png"):
            fp = os.path.join(shots, f)
            cases.check("screenshot %s saved" % f, os.path.exists(fp) and
                        os.path.getsize(fp) > 1000, fp)
        rc, out, _ = stack.admin("quota", "list", "--json")
        cases.check("jta-admin quota list: the page's quota is gone, the "
                    "fixture's four are left", rc == 0 and sorted(
                        (q["subject"], q["metric"], q["per"])
                        for q in json.loads(out)) == [
                        ("alice", "calls", "day"),
                        ("alice", "creates", "day"),
                        ("bob", "calls", "day"),
                        ("bob", "conversations", "day")], out)
        rc, out, _ = stack.admin("audit", "--action", "admin:quota-set",
                                 "--json")
        cases.check("jta-admin audit: the page's quota-set by " + USER,
                    rc == 0 and any(
                        r["who"] == "operator:" + USER and
                        r["detail"] == "person bob: calls per month: 12 "
                        "(new)" for r in json.loads(out)), out)
        rc, out, _ = stack.admin("status")
        cases.check("the service is on at the end (jta-admin status)",
                    rc == 0 and "state:   on" in out, out)
    except Exception:
        traceback.print_exc()
        cases.check("test ran to the end", False)
    finally:
        stack.stop()
    bad = jtatest.logs_clean(stack)
    cases.check("no sanitizer report or crash in the logs", not bad,
                "\n".join(bad[:10]))
    jtatest.keep_if_failed(cases, work)
    cases.finish()


if __name__ == "__main__":
    main()
