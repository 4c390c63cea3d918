"""Every operation of the GPT's schema, called by a generic OpenAPI client
through a real web server, on both backends: the stack under nginx and
under Apache, first with the embedded store (a user, an API key, a project
and a ticket made here), then in Jira mode against the Atlassian stand-in
(a person linked through the consent dance, a ticket created in OPS).
Each time test_schema_client.js loads /openapi.yaml as served, calls each
operationId with valid inputs (and a few refused ones) and validates every
answer against the schema; its "ok"/"not ok" lines are counted here, and
its last line names the operations that failed.

Needs node and tests/package.json's npm packages (see test_openapi.py)."""

import os
import subprocess
import tempfile
import traceback

import harness
import jtatest
from jtatest import Cases, Client
from test_openapi import node_or_skip

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "test_schema_client.js")


def local_setup(c, stack, s):
    """(API key, ticket key, project, user name) on the embedded store."""
    for args in (("user", "add", "alice", "--email", "alice@example.com",
                  "--display-name", "Alice Example"),
                 ("user", "add", "bob"),
                 ("project", "add", "DEMO", "Demo project", "--types",
                  "Task,Bug")):
        rc, out, err = stack.admin(*args)
        assert rc == 0, (args, out, err)
    rc, out, err = stack.admin("key", "create", "alice")
    assert rc == 0, err
    key = out.strip()
    st, _, j, _ = Client(stack, key).call("POST", "/api/issues", body={
        "project": "DEMO", "summary": "Printer on floor 3 is jammed",
        "type": "Bug", "priority": "High", "assignee": "bob",
        "description": "Paper jam on tray 2."})
    assert st == 201, (st, j)
    return key, j["key"], "DEMO", "alice"


def jira_setup(c, stack, s):
    """The same on Jira mode: link Alice's Atlassian account."""
    import test_jira
    st, page, _ = test_jira.consent(c, stack, s + "jira")
    m = test_jira.KEY_RE.search(page or "")
    assert st == 200 and m is not None, (st, page)
    key = m.group(1)
    cl = Client(stack, key)
    st, _, me, _ = cl.call("GET", "/api/me")
    assert st == 200, (st, me)
    st, _, j, _ = cl.call("POST", "/api/issues", body={
        "project": "OPS", "summary": "Printer on floor 3 is jammed",
        "type": "Bug", "priority": "High",
        "description": "Paper jam on tray 2."})
    assert st == 201, (st, j)
    return key, j["key"], "OPS", me["name"]


def client_run(c, stack, s, setup):
    node, env = node_or_skip()
    key, issue, project, user = setup(c, stack, s)
    p = subprocess.run([node, SCRIPT, stack.base_url, key, issue, project,
                        user], env=env, capture_output=True, text=True,
                       timeout=300)
    lines = p.stdout.splitlines()
    for ln in lines:
        if ln.startswith("ok - "):
            c.check(s + ln[5:], True)
        elif ln.startswith("not ok - "):
            c.check(s + ln[9:], False)
        else:
            print(s + ln)
    c.check(s + "the client ran to the end",
            p.returncode in (0, 1) and lines and
            lines[-1].startswith("operations: "), p.stderr[-2000:])


def main():
    node_or_skip()
    cases = Cases()
    modes = (("local", local_setup, None),
             ("jira", jira_setup, lambda st: __import__("test_jira").conf(
                 st)))
    for mode, setup, extra in modes:
        for server in ("nginx", "apache"):
            s = "%s %s: " % (mode, server)
            work = tempfile.mkdtemp(prefix="jta-it-%s-" % server)
            stack = harness.Stack(server, jtatest.BUILDDIR, jtatest.SRCDIR,
                                  work, extra)
            try:
                stack.start()
                client_run(cases, stack, s, setup)
            except Exception:  # a broken test is a failed case
                traceback.print_exc()
                cases.check(s + "test ran to the end", False)
            finally:
                stack.stop()
            bad = jtatest.logs_clean(stack)
            cases.check(s + "no sanitizer report or crash in the logs",
                        not bad, "\n".join(bad[:10]))
            jtatest.keep_if_failed(cases, work)
    cases.finish()


if __name__ == "__main__":
    main()
