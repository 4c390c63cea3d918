"""Upstream economy in Jira mode (issue 16): how many calls each operation
makes to Jira, counted at the Atlassian stand-in, with the metadata cache
cold and warm; the cache dropped when Jira refuses a field value the
cached create screen still had (and the create resolved again once, never
in a loop); entries that outlived jira_metadata_ttl fetched again (the
test ages them in the database: no clock in the product is touched, no
sleep); jta-admin cache clear; people with different permissions never
seeing each other's cached create screens; the site's priorities learnt
when someone links, so that a project list is one call (with a service
desk, one more unless a raise or /api/servicedesks already read the
desks); the cache in
/metrics.  Standard library only."""

import os
import re
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jtatest  # noqa: E402
from jiratest import conf, link, standin  # noqa: E402

ALICE = {"account_id": "712020:2f6a8c31-5b4e-4d7a-9c1e-0a1b2c3d4e5f",
         "name": "Alice Example", "email": "alice@example.com"}
BOB = {"account_id": "712020:9d8e7f60-1a2b-4c3d-8e9f-a0b1c2d3e4f5",
       "name": "Bob Builder", "email": "bob@example.com"}

TYPES = "GET /rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes"
FIELDS = ("GET /rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes/"
          "{issueTypeId}")
POST = "POST /rest/api/3/issue"
GET = "GET /rest/api/3/issue/{issueIdOrKey}"
SEARCH = "POST /rest/api/3/search/jql"
COMMENT = "POST /rest/api/3/issue/{issueIdOrKey}/comment"
PROJECTS = "GET /rest/api/3/project/search"
PRIO = "GET /rest/api/3/jql/autocompletedata/suggestions"
SD = "GET /rest/servicedeskapi/"


def routes():
    return dict(standin.state()["api_routes"])


class Count:
    """The upstream calls one operation made: {route: n}."""

    def __init__(self):
        self.before = routes()

    def done(self):
        now = routes()
        return {k: v - self.before.get(k, 0) for k, v in now.items()
                if v != self.before.get(k, 0)}


def measured(client, method, path, body=None):
    c = Count()
    st, h, j, _ = client.call(method, path, body)
    return st, j, c.done()


def age(stack, seconds):
    """Make every cache entry seconds older, as the clock moving on
    would (the test's own hook: the product's clock is not touched)."""
    db = sqlite3.connect(os.path.join(stack.workdir, "jta.db"),
                         timeout=30)
    try:
        db.execute("UPDATE jira_meta SET fetched = fetched - ?",
                   (seconds,))
        db.commit()
    finally:
        db.close()


def entries(stack):
    db = sqlite3.connect(os.path.join(stack.workdir, "jta.db"),
                         timeout=30)
    try:
        return db.execute("SELECT count(*) FROM jira_meta").fetchone()[0]
    finally:
        db.close()


TASK = {"project": "OPS", "type": "Task", "summary": "Printer jams"}


def forget(stack, *kinds):
    """Drop the cache entries of these kinds only, as their TTL running
    out would (the test's own hook, like age)."""
    db = sqlite3.connect(os.path.join(stack.workdir, "jta.db"),
                         timeout=30)
    try:
        db.executemany("DELETE FROM jira_meta WHERE kind = ?",
                       [(k,) for k in kinds])
        db.commit()
    finally:
        db.close()


def linked(stack, person):
    """Link person; (their API key, the upstream calls of the link)."""
    c = Count()
    key = link(stack, person)
    return key, c.done()


def economy(cases, stack, server):
    s = server + ": "
    # The link talks to the site anyway: the first one on a site learns
    # its priorities (alike for everyone), a second one within the TTL
    # does not ask again.
    key, calls = linked(stack, ALICE)
    cases.eq(s + "a link on a site with a cold cache learns the site's "
             "priorities (once)", calls.get(PRIO), 1)
    key, calls = linked(stack, ALICE)
    cases.check(s + "... a second link within the TTL does not ask again",
                PRIO not in calls, calls)
    alice = jtatest.Client(stack, key)
    report = []

    def op(label, method, path, body, want, status):
        st, j, calls = measured(alice, method, path, body)
        report.append("# calls: %s: %s %s" % (label, sum(calls.values()),
                                                 calls))
        cases.check(s + "%s answers %d" % (label, status), st == status,
                    (st, j))
        cases.eq(s + "%s: upstream calls" % label, calls, want)
        return j

    # Creates: cold, the create screen is fetched (types, fields), the
    # issue posted and read back once (its initial status is learnt);
    # warm, the POST alone.
    n = op("create, cold cache", "POST", "/api/issues", TASK,
           {TYPES: 1, FIELDS: 1, POST: 1, GET: 1}, 201)
    n2 = op("create, warm cache", "POST", "/api/issues",
            dict(TASK, summary="Printer jams again",
                 description="It **jams**.", labels=["printer"],
                 priority="High"), {POST: 1}, 201)
    key = (n2 or {}).get("key", "")
    st, _, back, _ = alice.call("GET", "/api/issues/" + key)
    same = {k: (n2 or {}).get(k) for k in ("key", "url", "summary",
                                           "status", "type", "priority",
                                           "assignee", "labels",
                                           "project", "description",
                                           "reporter", "comments",
                                           "comment_count")}
    cases.check(s + "the warm create's answer (built from what was sent "
                "and Jira's answer) is the issue as Jira reads it back",
                st == 200 and same == {k: back.get(k) for k in same} and
                (n or {}).get("status") == back.get("status"),
                (same, back))
    # A draft: preview from the cache, submit one POST.
    d = op("draft preview, warm cache", "POST", "/api/drafts",
           dict(TASK, summary="Draft"), {}, 201)
    op("draft submit, warm cache", "POST",
       "/api/drafts/%s/submit" % (d or {}).get("id", ""),
       {"revision": (d or {}).get("revision")}, {POST: 1}, 201)
    # Reads: one call each, cache or not.
    op("search", "GET", "/api/issues?project=OPS", None, {SEARCH: 1}, 200)
    op("read", "GET", "/api/issues/" + key, None, {GET: 1}, 200)
    op("comment", "POST", "/api/issues/%s/comments" % key,
       {"body": "Toner replaced."}, {COMMENT: 1}, 201)
    # Projects: the list alone (the site's priorities were learnt at
    # the link; no service desk among the projects: no servicedesk
    # call), then nothing.
    op("/api/projects, cold cache", "GET", "/api/projects", None,
       {PROJECTS: 1}, 200)
    op("/api/projects, warm cache", "GET", "/api/projects", None, {}, 200)

    # TTL: entries older than jira_metadata_ttl (900 s) are fetched
    # again; younger ones are not.
    age(stack, 899)
    op("create, entries 899 s old (ttl 900)", "POST", "/api/issues", TASK,
       {POST: 1}, 201)
    age(stack, 2)
    op("create, entries past the ttl", "POST", "/api/issues", TASK,
       {TYPES: 1, FIELDS: 1, POST: 1, GET: 1}, 201)
    # Nobody linked since: the project list pays for the priorities.
    op("/api/projects, entries past the ttl", "GET", "/api/projects", None,
       {PROJECTS: 1, PRIO: 1}, 200)

    # jta-admin cache clear: the next create is cold again.
    rc, out, err = stack.admin("cache", "clear")
    cases.check(s + "jta-admin cache clear", rc == 0 and
                re.search(r"cleared [1-9][0-9]* entries", out) and
                entries(stack) == 0, (rc, out, err))
    rc, out, err = stack.admin("cache", "clear", "not a site")
    cases.check(s + "jta-admin cache clear refuses a site that is not a "
                "cloud id", rc == 2, (rc, out, err))
    op("create after cache clear", "POST", "/api/issues", TASK,
       {TYPES: 1, FIELDS: 1, POST: 1, GET: 1}, 201)

    # A component made again in Jira under a new id: the cached screen's
    # id is refused (400 naming components); the project's entries go,
    # the request is resolved against a fresh screen and sent once more.
    vpn = dict(TASK, components=["VPN"])
    op("create with a component, warm", "POST", "/api/issues", vpn,
       {POST: 1}, 201)
    standin.config(components={"OPS": [{"id": "10300", "name": "Backend"},
                                       {"id": "10399", "name": "VPN"}]})
    j = op("create with a component Jira has made again (new id)", "POST",
           "/api/issues", vpn, {POST: 2, TYPES: 1, FIELDS: 1}, 201)
    iss = standin.world.issues.get((j or {}).get("key", ""), {})
    cases.check(s + "... filed with the component's new id",
                "10399" in repr(iss.get("components")), iss)
    op("... and the next create is warm again", "POST", "/api/issues", vpn,
       {POST: 1}, 201)
    # Removed for good: refused, fetched afresh once, then a 422 that
    # names the field and offers what is left; no loop.
    standin.config(components={"OPS": [{"id": "10300",
                                        "name": "Backend"}]})
    st, e, calls = measured(alice, "POST", "/api/issues", vpn)
    report.append("# calls: create with a removed component: %s %s" % (
        sum(calls.values()), calls))
    cases.check(s + "a component removed in Jira: 422 naming components "
                "with the values left", st == 422 and
                "components" in repr(e) and "Backend" in repr(e) and
                "VPN" in repr(e), (st, e))
    cases.eq(s + "... after one POST and one fresh create screen", calls,
             {POST: 1, TYPES: 1, FIELDS: 1})
    standin.config(components={})

    # Permissions: Bob may not see OPS.  Alice's cached screens are not
    # his: his preview asks Jira as him and is refused.
    standin.config(hidden_projects_for={BOB["account_id"]: ["OPS"]})
    bob = jtatest.Client(stack, link(stack, BOB))
    op("create as Alice, warm", "POST", "/api/issues", TASK, {POST: 1}, 201)
    st, j, calls = measured(alice, "GET", "/api/projects")
    cases.check(s + "Alice's project list has OPS", st == 200 and "OPS" in
                [p["key"] for p in j.get("projects", [])], j)
    c = Count()
    st, _, e, _ = bob.call("POST", "/api/drafts", dict(TASK))
    calls = c.done()
    report.append("# calls: Bob's preview in a project he may not see "
                  "(the site's priorities known): %s %s" % (
                      sum(calls.values()), calls))
    cases.check(s + "Bob, who may not see OPS, is not served Alice's "
                "cached create screen: his preview asks Jira as him and "
                "is refused naming the project, with his own project "
                "list (the site's priorities shared: not asked again)",
                st in (404, 422) and "project" in repr(e) and
                "SUP" in repr(e) and "OPS" not in repr(e).replace(
                    "OPS-", "") and calls == {TYPES: 1, PROJECTS: 1},
                (st, e, calls))
    st, j, calls = measured(bob, "GET", "/api/projects")
    cases.check(s + "... his project list (cached) is his, not hers",
                st == 200 and "OPS" not in [p["key"] for p in
                                            j.get("projects", [])] and
                calls == {}, (j, calls))
    st, j, calls = measured(alice, "GET", "/api/projects")
    cases.check(s + "... nor she his (hers, from the cache)", st == 200 and
                "OPS" in [p["key"] for p in j.get("projects", [])] and
                calls == {}, (j, calls))
    standin.config(hidden_projects_for={})

    # A project whose creates Jira assigns by default: what the first
    # create read back says so, and a create naming no assignee is read
    # back (2 calls) rather than answered unassigned; one naming its
    # assignee is not.
    standin.config(default_assignee={"SUP": BOB["account_id"]})
    sup = {"project": "SUP", "type": "Task", "summary": "Refund"}
    op("create in a project with a default assignee, cold", "POST",
       "/api/issues", sup, {TYPES: 1, FIELDS: 1, POST: 1, GET: 1}, 201)
    j = op("... warm, no assignee named", "POST", "/api/issues", sup,
           {POST: 1, GET: 1}, 201)
    cases.check(s + "... answered with the assignee Jira gave",
                (j or {}).get("assignee") == BOB["name"], j)
    _, _, me, _ = alice.call("GET", "/api/me")
    j = op("... warm, the assignee named (a linked person: no lookup)",
           "POST", "/api/issues", dict(sup, assignee=me.get("name")),
           {POST: 1}, 201)
    cases.check(s + "... answered with that assignee",
                (j or {}).get("assignee") == ALICE["name"], j)
    standin.config(default_assignee={})

    # Jira Service Management: a raise resolves the desk, its request
    # types and the type's fields (3 calls), then raises (and, for an
    # agent, marks the request with its submit token on a draft; none
    # here); warm, the raise alone.
    standin.config(servicedesk=True)
    raise_ = {"project": "ITH", "request_type": "wi-fi problem",
              "summary": "Laptop will not join the Wi-Fi",
              "fields": {"location": "floor 2"}}
    op("JSM raise, cold cache", "POST", "/api/requests", raise_,
       {SD + "servicedesk": 1, SD + "servicedesk/{serviceDeskId}/"
        "requesttype": 1, SD + "servicedesk/{serviceDeskId}/requesttype/"
        "{requestTypeId}/field": 1, "POST /rest/servicedeskapi/request": 1},
       201)
    op("JSM raise, warm cache", "POST", "/api/requests", raise_,
       {"POST /rest/servicedeskapi/request": 1}, 201)
    # JSM refuses a raise (400; its errors name no field): the desk's
    # request types and fields are dropped, the next raise resolves them
    # afresh (the desk list stays).
    standin.config(faults=[{"status": 400, "method": "POST",
                            "path_prefix": "/rest/servicedeskapi/request"}])
    injected = standin.state()["faults_injected"]
    # (the stand-in counts no route for a request it answers with a
    # fault; the fault counter shows the POST was made)
    op("JSM raise refused (400)", "POST", "/api/requests", raise_, {}, 400)
    cases.eq(s + "... its POST reached Jira", standin.state()[
        "faults_injected"] - injected, 1)
    op("JSM raise after a refusal", "POST", "/api/requests", raise_,
       {SD + "servicedesk/{serviceDeskId}/requesttype": 1,
        SD + "servicedesk/{serviceDeskId}/requesttype/{requestTypeId}/"
        "field": 1, "POST /rest/servicedeskapi/request": 1}, 201)
    # A project list on a site with a service desk: the desk ids come
    # from JSM's desk list, the one a raise read (cached per person),
    # so after a raise the project search alone; without it, + 1.
    forget(stack, "projects")
    j = op("/api/projects with a service desk, the desks known from the "
           "raise", "GET", "/api/projects", None, {PROJECTS: 1}, 200)
    ps = {p.get("key"): p for p in (j or {}).get("projects", [])}
    cases.check(s + "... the desk's project marked with its desk id",
                ps.get("ITH", {}).get("servicedesk_id") == "1" and
                "servicedesk_id" not in ps.get("OPS", {"x": 1}), j)
    forget(stack, "projects", "desks")
    j2 = op("/api/projects with a service desk, the desks not known",
            "GET", "/api/projects", None, {PROJECTS: 1, SD + "servicedesk":
                                           1}, 200)
    cases.eq(s + "... the same answer", j2, j)
    forget(stack, "projects", "desks")
    st, _, sds, _ = alice.call("GET", "/api/servicedesks")
    cases.check(s + "/api/servicedesks lists the desk", st == 200 and
                [d.get("id") for d in sds.get("servicedesks", [])] == ["1"],
                (st, sds))
    j3 = op("/api/projects with a service desk after /api/servicedesks "
            "(its desk list kept)", "GET", "/api/projects", None,
            {PROJECTS: 1}, 200)
    cases.eq(s + "... the same answer again", j3, j)
    standin.config(servicedesk=False)

    # /metrics: hits and misses counted, entries shown.
    st, _, body = stack.request("GET", "/metrics")
    text = body.decode("utf-8", "replace")
    hits = re.search(r'^jta_jira_metadata_cache_lookups_total'
                     r'\{result="hit"\} (\d+)$', text, re.M)
    miss = re.search(r'^jta_jira_metadata_cache_lookups_total'
                     r'\{result="miss"\} (\d+)$', text, re.M)
    ent = re.search(r"^jta_jira_metadata_cache_entries (\d+)$", text, re.M)
    cases.check(s + "/metrics: cache hits, misses and entries",
                st == 200 and hits and int(hits.group(1)) > 0 and miss and
                int(miss.group(1)) > 0 and ent and
                int(ent.group(1)) == entries(stack), text[-600:])
    for line in report:
        print(line)


def nocache(cases, stack, server):
    s = server + ": jira_metadata_ttl = 0: "
    key, calls = linked(stack, ALICE)
    cases.check(s + "a link asks nothing for a cache that keeps nothing",
                PRIO not in calls, calls)
    alice = jtatest.Client(stack, key)
    st, j, calls = measured(alice, "GET", "/api/projects")
    cases.check(s + "/api/projects answers 200", st == 200, (st, j))
    cases.eq(s + "/api/projects: the projects and the site's priorities",
             calls, {PROJECTS: 1, PRIO: 1})
    for label in ("first create", "second create"):
        st, j, calls = measured(alice, "POST", "/api/issues", TASK)
        cases.check(s + label + " answers 201", st == 201, (st, j))
        cases.eq(s + label + ": nothing cached, every call made", calls,
                 {TYPES: 1, FIELDS: 1, POST: 1, GET: 1})
    cases.eq(s + "no entries", entries(stack), 0)


if __name__ == "__main__":
    try:
        jtatest.run_modes([("cache", economy, conf),
                           ("nocache", nocache,
                            lambda st: conf(st,
                                            extra="jira_metadata_ttl = 0\n"))],
                          "meta", metrics_open=True)
    finally:
        standin.stop()
