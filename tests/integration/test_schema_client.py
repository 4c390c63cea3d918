"""Every operation of the GPT's schema, called by a generic OpenAPI client
through a real web server: starts the stack (local mode) under nginx and
Apache, makes a user, an API key, a project and a ticket, then runs
test_schema_client.js, which loads /openapi.yaml as served, calls each
operationId with valid inputs (and a few refused ones) and validates every
answer against the schema.  Its "ok"/"not ok" lines are counted here; the
last line it prints names the operations that failed.

Needs node and tests/package.json's npm packages (see test_openapi.py)."""

import os
import subprocess

from jtatest import Client, run
from test_openapi import node_or_skip

PROJECT = "DEMO"


def setup(stack):
    for args in (("user", "add", "alice", "--email", "alice@example.com",
                  "--display-name", "Alice Example"),
                 ("user", "add", "bob"),
                 ("project", "add", PROJECT, "Demo project", "--types",
                  "Task,Bug")):
        rc, out, err = stack.admin(*args)
        assert rc == 0, (args, out, err)
    rc, out, err = stack.admin("key", "create", "alice")
    assert rc == 0, err
    key = out.strip()
    st, _, j, _ = Client(stack, key).call("POST", "/api/issues", body={
        "project": PROJECT, "summary": "Printer on floor 3 is jammed",
        "type": "Bug", "priority": "High", "assignee": "bob",
        "description": "Paper jam on tray 2."})
    assert st == 201, (st, j)
    return key, j["key"]


def test(c, stack, server):
    s = server + ": "
    node, env = node_or_skip()
    key, issue = setup(stack)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "test_schema_client.js")
    p = subprocess.run([node, script, stack.base_url, key, issue, PROJECT],
                       env=env, capture_output=True, text=True,
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


if __name__ == "__main__":
    node_or_skip()
    run(test)
