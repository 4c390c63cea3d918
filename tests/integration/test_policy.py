"""The operators' switches through a real nginx and a real Apache: the
kill switch (every API and OAuth endpoint 503 with the operator's message,
/healthz says so, nothing reaches Jira, back on at the next request) and
the access rules (each kind allows and denies as README.md says, with a 403
naming the rule; read-only mode), applied at once across 8 workers of each
program.  Local mode, then Jira mode against the Atlassian stand-in.
Standard library only."""

import os
import re
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jtatest  # noqa: E402
from jtatest import Client  # noqa: E402

sys.path.insert(0, os.path.join(jtatest.SRCDIR, "tests", "standin"))
from atlassian import ALICE, DEFAULT_SITES  # noqa: E402
import jiratest  # noqa: E402
from jiratest import link, standin  # noqa: E402

MESSAGE = "Paused for the Jira upgrade; back at 14:00 UTC."
WORKERS = 8

# Every API and OAuth request the service answers: (method, path, body).
ENDPOINTS = [
    ("GET", "/api/me", None), ("GET", "/api/projects", None),
    ("GET", "/api/issues?project=OPS", None),
    ("POST", "/api/issues", {"project": "OPS", "summary": "x"}),
    ("GET", "/api/issues/OPS-1", None),
    ("PATCH", "/api/issues/OPS-1", {"summary": "y"}),
    ("POST", "/api/issues/OPS-1/comments", {"body": "z"}),
    ("GET", "/api/issues/OPS-1/transitions", None),
    ("POST", "/api/issues/OPS-1/transitions", {"to": "Done"}),
    ("GET", "/oauth/issues", None),
    ("GET", "/api/tickets/", None),
    ("GET", "/oauth/start", None), ("GET", "/oauth/callback?code=a&state=b",
                                     None),
    ("GET", "/oauth/authorize", None), ("POST", "/oauth/token", None),
    ("POST", "/oauth/revoke", None),
    ("GET", "/.well-known/oauth-authorization-server", None),
]


def admin_ok(c, stack, label, *args):
    rc, out, err = stack.admin(*args)
    c.check("%s: jta-admin %s" % (label, " ".join(args)), rc == 0,
            "rc=%d %s %s" % (rc, out, err))
    m = re.match(r"rule (\d+):", out)
    return int(m.group(1)) if m else None


def problem(c, label, got, status, field, *words):
    """got = (status, headers, json); the answer is a problem naming
    field and containing every word of words."""
    st, h, j = got
    ok = st == status and isinstance(j, dict) and \
        j.get("field") == field and \
        h.get("content-type", "").startswith("application/problem+json") \
        and all(w in j.get("detail", "") for w in words)
    return c.check(label, ok, "(%s %s %s)" % (st, h.get("content-type"), j))


def call(client, method, path, body=None):
    st, h, j, _ = client.call(method, path, body)
    return st, h, j


# ---- the kill switch ------------------------------------------------------

def kill_switch(c, stack, s, key, jira):
    k = Client(stack, key)
    anon = Client(stack)
    before = standin.state()
    admin_ok(c, stack, s, "off", "--message", MESSAGE)
    for method, path, body in ENDPOINTS:
        for who, cl in (("with key", k), ("anonymous", anon)):
            st, h, j, raw = cl.call(method, path, body)
            detail = (j or {}).get("detail") if isinstance(j, dict) else None
            c.check("%s: off: %s %s (%s) is 503 with the message, no "
                    "Retry-After" % (s, method, path, who),
                    st == 503 and detail == MESSAGE and
                    "retry-after" not in h, "(%s %s %r)" % (st, h, raw[:300]))
    st, h, j = call(anon, "GET", "/healthz")
    c.check("%s: off: healthz is 200 and says enabled false with the "
            "message" % s, st == 200 and j.get("status") == "ok" and
            j.get("enabled") is False and j.get("message") == MESSAGE, j)
    if jira:
        after = standin.state()
        c.eq("%s: off: nothing reached Jira or Atlassian's token endpoint"
             % s, (after["api_calls"], after["token_calls"],
                   after["authorize"]),
             (before["api_calls"], before["token_calls"],
              before["authorize"]))
    rc, out, err = stack.admin("status")
    c.check("%s: status says off, the message, since when and by whom" % s,
            rc == 0 and "state:   off" in out and MESSAGE in out and
            re.search(r"since:   \d{4}-\d\d-\d\dT", out) and
            re.search(r"by:      \S", out), out + err)
    admin_ok(c, stack, s, "on")
    st, h, j = call(k, "GET", "/api/me")
    c.eq("%s: on: the next request is served (no restart)" % s, st, 200)
    st, h, j = call(anon, "GET", "/healthz")
    c.check("%s: on: healthz says enabled true" % s,
            st == 200 and j.get("enabled") is True and "message" not in j, j)
    # Off without a message: a default one, still 503.
    admin_ok(c, stack, s, "off")
    st, h, j = call(k, "GET", "/api/me")
    c.check("%s: off without --message: 503 with the default message" % s,
            st == 503 and "switched off" in (j or {}).get("detail", ""), j)
    admin_ok(c, stack, s, "on")


# ---- rules (both modes) ---------------------------------------------------

def remove(c, stack, s, *ids):
    for i in ids:
        if i is not None:
            admin_ok(c, stack, s, "rules", "remove", str(i))


def person_domain(c, stack, s, alice, bob, bob_ids):
    """bob_ids: values that name bob (user name / email / account id)."""
    for v in bob_ids:
        r = admin_ok(c, stack, s, "deny", "person", v)
        problem(c, "%s: deny person %s: bob is 403 naming the rule" % (s, v),
                call(bob, "GET", "/api/me"), 403, "person",
                "rule %s" % r, "deny person %s" % v.lower()
                if "@" in v else "deny person %s" % v)
        c.eq("%s: deny person %s: alice still served" % (s, v),
             call(alice, "GET", "/api/me")[0], 200)
        remove(c, stack, s, r)
    r = admin_ok(c, stack, s, "allow", "domain", "example.com")
    c.eq("%s: allow domain example.com: alice (example.com) served" % s,
         call(alice, "GET", "/api/me")[0], 200)
    problem(c, "%s: allow domain: bob (other domain) 403 naming the rule" % s,
            call(bob, "GET", "/api/me"), 403, "domain", "rule %s" % r,
            "allow domain example.com")
    r2 = admin_ok(c, stack, s, "deny", "domain", "Example.COM", "--for",
                  "write")
    problem(c, "%s: deny wins over allow: alice's create is 403" % s,
            call(alice, "POST", "/api/issues",
                 {"project": "OPS", "summary": "deny wins"}), 403, "domain",
            "rule %s" % r2)
    c.eq("%s: ... a deny --for write leaves reading alone" % s,
         call(alice, "GET", "/api/issues/OPS-1")[0], 200)
    remove(c, stack, s, r, r2)
    r = admin_ok(c, stack, s, "allow", "person", bob_ids[0], "--for",
                 "create")
    problem(c, "%s: allow person --for create: alice may not create" % s,
            call(alice, "POST", "/api/issues",
                 {"project": "OPS", "summary": "not alice"}), 403, "person",
            "rule %s" % r)
    c.eq("%s: ... but may read (the allow-list covers creates only)" % s,
         call(alice, "GET", "/api/issues/OPS-1")[0], 200)
    remove(c, stack, s, r)


def projects(c, stack, s, alice, other):
    """other: a second project key that exists."""
    r = admin_ok(c, stack, s, "deny", "project", other, "--for", "read")
    problem(c, "%s: deny project %s: a search naming it is 403 naming the "
            "rule" % (s, other),
            call(alice, "GET", "/api/issues?project=" + other), 403,
            "project", "rule %s" % r, "deny project %s" % other)
    problem(c, "%s: ... reading %s-1 is 403" % (s, other),
            call(alice, "GET", "/api/issues/%s-1" % other), 403, "project",
            "rule %s" % r)
    problem(c, "%s: ... its transitions list is 403" % s,
            call(alice, "GET", "/api/issues/%s-1/transitions" % other), 403,
            "project", "rule %s" % r)
    problem(c, "%s: ... a search naming no project is 403, never a "
            "silently filtered list" % s,
            call(alice, "GET", "/api/issues?text=printer"), 403, "project",
            "does not name one project", "rule %s" % r)
    problem(c, "%s: ... a JQL search is 403 (its projects are not known)" % s,
            call(alice, "GET", "/api/issues?jql=" +
                 urllib.parse.quote("project = OPS")), 403, "project",
            "rule %s" % r)
    c.eq("%s: ... a search of OPS is served" % s,
         call(alice, "GET", "/api/issues?project=OPS")[0], 200)
    c.eq("%s: ... OPS-1 is served" % s,
         call(alice, "GET", "/api/issues/OPS-1")[0], 200)
    st, h, j = call(alice, "POST", "/api/issues",
                    {"project": other, "summary": "reading is denied only"})
    c.eq("%s: ... creating in %s is served (rule is --for read)" % (s, other),
         st, 201)
    remove(c, stack, s, r)
    r = admin_ok(c, stack, s, "allow", "project", "ops", "--for", "create")
    problem(c, "%s: allow project OPS --for create: create in %s is 403" % (
            s, other), call(alice, "POST", "/api/issues",
                            {"project": other, "summary": "no"}), 403,
            "project", "project %s is not on the allow-list" % other,
            "rule %s" % r, "allow project OPS for create")
    st, h, j = call(alice, "POST", "/api/issues",
                    {"project": "OPS", "summary": "allowed"})
    c.eq("%s: ... create in OPS is 201" % s, st, 201)
    c.eq("%s: ... reading %s-1 is served" % (s, other),
         call(alice, "GET", "/api/issues/%s-1" % other)[0], 200)
    remove(c, stack, s, r)
    return (j or {}).get("key")


def readonly(c, stack, s, alice, key):
    st, h, draft = call(alice, "POST", "/api/drafts",
                        {"project": "OPS", "summary": "a draft before"})
    c.eq("%s: a draft made before the rule" % s, st, 201)
    did = (draft or {}).get("id", "d_none")
    r = admin_ok(c, stack, s, "deny", "readonly")
    for label, path, body in (
            ("a new draft", "/api/drafts",
             {"project": "OPS", "summary": "ro"}),
            ("a draft's submit", "/api/drafts/%s/submit" % did,
             {"revision": 1})):
        problem(c, "%s: read-only: %s is 403 naming readonly" % (s, label),
                call(alice, "POST", path, body), 403, "readonly",
                "read-only", "rule %s" % r)
    problem(c, "%s: read-only: a draft's discard is 403 naming readonly" % s,
            call(alice, "DELETE", "/api/drafts/" + did), 403, "readonly",
            "read-only", "rule %s" % r)
    for label, method, path, body in (
            ("create", "POST", "/api/issues",
             {"project": "OPS", "summary": "ro"}),
            ("edit", "PATCH", "/api/issues/" + key, {"summary": "ro"}),
            ("comment", "POST", "/api/issues/%s/comments" % key,
             {"body": "ro"}),
            ("attaching files", "POST",
             "/api/issues/%s/attachments" % key,
             {"openaiFileIdRefs": [{"name": "a.png", "id": "file-1",
                                    "mime_type": "image/png",
                                    "download_link":
                                    "https://files.invalid/a.png"}]}),
            ("transition", "POST", "/api/issues/%s/transitions" % key,
             {"to": "In Progress"})):
        problem(c, "%s: read-only: %s is 403 naming readonly" % (s, label),
                call(alice, method, path, body), 403, "readonly",
                "read-only", "rule %s" % r)
    for path in ("/api/issues/" + key, "/api/issues?project=OPS",
                 "/api/issues/%s/transitions" % key, "/api/projects",
                 "/api/me", "/api/drafts/" + did,
                 "/api/similar?text=printer", "/api/users?query=a",
                 "/api/projects/OPS/fields"):
        c.eq("%s: read-only: GET %s is served" % (s, path),
             call(alice, "GET", path)[0], 200)
    remove(c, stack, s, r)
    st, h, j = call(alice, "PATCH", "/api/issues/" + key, {"summary": "rw"})
    c.eq("%s: readonly removed: edits work again at once" % s, st, 200)
    # The submit's request names no project: the draft's own is checked.
    r = admin_ok(c, stack, s, "deny", "project", "OPS", "--for", "create")
    problem(c, "%s: a draft of a project denied for create cannot be "
            "submitted" % s, call(alice, "POST", "/api/drafts/%s/submit" %
                                  did, {"revision": 1}), 403, "project",
            "rule %s" % r)
    remove(c, stack, s, r)
    # A discard is a write, checked with the draft's own project too.
    r = admin_ok(c, stack, s, "deny", "project", "OPS", "--for", "write")
    problem(c, "%s: a draft of a project denied for write cannot be "
            "discarded" % s, call(alice, "DELETE", "/api/drafts/" + did),
            403, "project", "rule %s" % r)
    remove(c, stack, s, r)
    c.eq("%s: ... and is discarded once the rule is gone" % s,
         call(alice, "DELETE", "/api/drafts/" + did)[0], 204)


def at_once(c, stack, s, alice):
    """A change is seen by every worker at its next request."""
    n = 3 * WORKERS
    for _ in range(n):          # every worker has read the rules now
        call(alice, "GET", "/api/me")
    r = admin_ok(c, stack, s, "deny", "person", "alice@example.com")
    got = [call(alice, "GET", "/api/me")[0] for _ in range(n)]
    c.eq("%s: a new rule refuses all %d next requests across %d workers"
         % (s, n, WORKERS), got, [403] * n)
    remove(c, stack, s, r)
    got = [call(alice, "GET", "/api/me")[0] for _ in range(n)]
    c.eq("%s: its removal serves all %d next requests" % (s, n), got,
         [200] * n)
    admin_ok(c, stack, s, "off")
    got = [call(alice, "GET", "/api/me")[0] for _ in range(n)]
    admin_ok(c, stack, s, "on")
    c.eq("%s: off is seen by all %d next requests" % (s, n), got, [503] * n)


# ---- local mode -----------------------------------------------------------

def local_setup(stack):
    for args in (("user", "add", "alice", "--email", "alice@example.com"),
                 ("user", "add", "bob", "--email", "bob@other.org"),
                 ("project", "add", "DEMO", "Demo"),
                 ("project", "add", "OPS", "Operations"),
                 ("project", "add", "SEC", "Security")):
        rc, out, err = stack.admin(*args)
        assert rc == 0, (args, out, err)
    keys = {}
    for user in ("alice", "bob"):
        rc, out, err = stack.admin("key", "create", user)
        assert rc == 0, err
        keys[user] = out.strip()
    return keys


def local(c, stack, server):
    s = "local/" + server
    keys = local_setup(stack)
    alice, bob = Client(stack, keys["alice"]), Client(stack, keys["bob"])
    for p in ("OPS", "SEC"):
        st, h, j = call(alice, "POST", "/api/issues",
                        {"project": p, "summary": "first of " + p})
        assert st == 201, (st, j)
    kill_switch(c, stack, s, keys["alice"], False)
    person_domain(c, stack, s, alice, bob, ["bob", "Bob@Other.org"])
    key = projects(c, stack, s, alice, "SEC")
    # Site and group rules need a link to Atlassian: not in local mode.
    r = admin_ok(c, stack, s, "allow", "site", "acme.atlassian.net")
    r2 = admin_ok(c, stack, s, "allow", "group", "nobody-is-in-this")
    c.eq("%s: site and group allow-lists do not apply without Jira" % s,
         call(alice, "GET", "/api/me")[0], 200)
    remove(c, stack, s, r, r2)
    readonly(c, stack, s, alice, key or "OPS-1")
    # /api/tickets/ (its own error shape): a create has default_project.
    r = admin_ok(c, stack, s, "deny", "project", "DEMO", "--for", "create")
    st, h, j = call(alice, "POST", "/api/tickets/", {"title": "t"})
    c.check("%s: /api/tickets/ create into a denied default project is 403 "
            "naming the rule" % s, st == 403 and "rule %s" % r in
            (j or {}).get("detail", ""), j)
    remove(c, stack, s, r)
    at_once(c, stack, s, alice)


# ---- Jira mode ------------------------------------------------------------

def jira_conf(stack):
    return jiratest.conf(stack, 3000, 4000)


def jira(c, stack, server):
    s = "jira/" + server
    carol = {"account_id": "712020:c0c0c0c0-1111-4222-8333-444455556666",
             "name": "Carol Outside", "email": "carol@contractor.net"}
    ka = link(stack, dict(ALICE))
    kc = link(stack, carol)
    standin.config(groups={ALICE["account_id"]: ["jira-software-users",
                                                 "support"],
                           carol["account_id"]: ["contractors"]})
    alice, carol_c = Client(stack, ka), Client(stack, kc)
    c.eq("%s: alice is served before any rule" % s,
         call(alice, "GET", "/api/me")[0], 200)
    kill_switch(c, stack, s, ka, True)
    person_domain(c, stack, s, alice, carol_c,
                  [carol["account_id"], "Carol@Contractor.NET"])
    projects(c, stack, s, alice, "SUP")
    # Site: by cloud id.
    cloud = DEFAULT_SITES[0]["id"]
    r = admin_ok(c, stack, s, "allow", "site", cloud)
    c.eq("%s: allow site (its cloud id): a person of that site is served"
         % s, call(alice, "GET", "/api/issues/OPS-1")[0], 200)
    remove(c, stack, s, r)
    r = admin_ok(c, stack, s, "deny", "site", cloud.upper())
    before = standin.state()["api_calls"]
    problem(c, "%s: deny site: 403 naming the rule" % s,
            call(alice, "GET", "/api/issues/OPS-1"), 403, "site",
            "rule %s" % r, "deny site %s" % cloud)
    c.eq("%s: ... and nothing reached Jira" % s,
         standin.state()["api_calls"], before)
    remove(c, stack, s, r)
    r = admin_ok(c, stack, s, "allow", "site", "other.atlassian.net")
    problem(c, "%s: allow another site only: 403 naming the rule" % s,
            call(alice, "GET", "/api/me"), 403, "site", "rule %s" % r,
            "not on the allow-list")
    remove(c, stack, s, r)
    # Groups: from GET /rest/api/3/user/groups, cached for a short time.
    r = admin_ok(c, stack, s, "allow", "group", "support")
    c.eq("%s: allow group support: alice (in it) is served" % s,
         call(alice, "GET", "/api/me")[0], 200)
    problem(c, "%s: ... carol (contractors) is 403 naming the rule" % s,
            call(carol_c, "GET", "/api/me"), 403, "group", "rule %s" % r,
            "allow group support")
    calls = standin.state()["api_routes"].get(
        "GET /rest/api/3/user/groups", 0)
    for _ in range(3 * WORKERS):
        call(alice, "GET", "/api/me")
    c.check("%s: ... groups are cached per person (%d requests, at most "
            "one read per worker)" % (s, 3 * WORKERS),
            standin.state()["api_routes"].get(
                "GET /rest/api/3/user/groups", 0) - calls <= WORKERS,
            standin.state()["api_routes"])
    r2 = admin_ok(c, stack, s, "deny", "group", "Contractors", "--for",
                  "read")
    problem(c, "%s: deny group (any case): carol is 403 naming it" % s,
            call(carol_c, "GET", "/api/issues/OPS-1"), 403, "group",
            "rule %s" % r2)
    remove(c, stack, s, r, r2)
    readonly(c, stack, s, alice, "OPS-1")
    at_once(c, stack, s, alice)


# ---- runner ---------------------------------------------------------------

def main():
    jtatest.run_modes((("local", local, None), ("jira", jira, jira_conf)),
                      "pol", workers=WORKERS, cleanup=standin.stop)

if __name__ == "__main__":
    main()
