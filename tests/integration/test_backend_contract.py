"""The backend contract: the SAME cases, through the real web server
(nginx; one server keeps it fast, test_api.py and test_jira.py cover
Apache), against the embedded store and against Jira (the Atlassian
stand-in).  Each mode only says how a person gets an API key and which
project is theirs; every request and every expectation is shared, so the
two backends cannot drift apart behind one interface.  Covered: /api/issues
create / get / search / update / comment / transitions, and /api/tickets/
list / get / create / PUT / PATCH (resolution_status too) / DELETE.
Standard library only."""

import os
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jtatest  # noqa: E402
from jiratest import conf as jira_conf, link, standin  # noqa: E402

FIVE = {"id", "title", "description", "created", "resolution_status"}


def local_person(stack):
    """backend = local: a user with an API key, project DEMO."""
    for args in (("user", "add", "alice", "--email", "alice@example.com",
                  "--display-name", "Alice Example"),
                 ("project", "add", "DEMO", "Demo project")):
        rc, out, err = stack.admin(*args)
        assert rc == 0, (args, out, err)
    rc, out, err = stack.admin("key", "create", "alice")
    assert rc == 0, err
    return out.strip(), "DEMO"


def jira_person(stack):
    """backend = jira: Alice links her Atlassian account; project OPS."""
    return link(stack), "OPS"


def contract(person):
    def test(cases, stack, server):
        key, project = person(stack)
        mode = "jira" if project == "OPS" else "local"
        cases_for(cases, jtatest.Client(stack, key), project, mode)
    return test


def cases_for(cases, c, project, mode):
    s = mode + ": "
    q = urllib.parse.quote

    # ---- /api/issues ----
    st, h, i, _ = c.call("POST", "/api/issues", {
        "project": project, "summary": "Quokka badge reader offline",
        "description": "The **reader** at door 4 is dark."})
    key = (i or {}).get("key", "")
    cases.check(s + "issues: create is 201 with a key in the project",
                st == 201 and key.startswith(project + "-") and
                h.get("location", "").endswith("/api/issues/" + key), i)
    if st != 201:
        return
    st, _, i, _ = c.call("GET", "/api/issues/" + key)
    cases.check(s + "issues: get reads it back, Markdown intact",
                st == 200 and i["summary"] == "Quokka badge reader offline"
                and "**reader**" in i["description"], i)
    st, _, r, _ = c.call("GET", "/api/issues?project=%s&text=quokka" %
                         project)
    cases.check(s + "issues: search finds it by a word",
                st == 200 and [x["key"] for x in r["issues"]] == [key], r)
    st, _, i, _ = c.call("PATCH", "/api/issues/" + key,
                         {"summary": "Quokka badge reader flickers"})
    cases.check(s + "issues: update", st == 200 and
                i["summary"] == "Quokka badge reader flickers", i)
    st, _, cm, _ = c.call("POST", "/api/issues/%s/comments" % key,
                          {"body": "Power *cycled*."})
    cases.check(s + "issues: comment is 201 with the body",
                st == 201 and "cycled" in cm.get("body", ""), cm)
    st, _, i, _ = c.call("GET", "/api/issues/" + key)
    cases.check(s + "issues: the comment shows on the issue",
                st == 200 and any("cycled" in x.get("body", "")
                                  for x in i.get("comments", [])), i)
    st, _, t, _ = c.call("GET", "/api/issues/%s/transitions" % key)
    cases.check(s + "issues: transitions offer In Progress", st == 200 and
                "In Progress" in [x["to"] for x in t["transitions"]], t)
    st, _, t, _ = c.call("POST", "/api/issues/%s/transitions" % key,
                         {"to": "In Progress"})
    cases.check(s + "issues: transition", st == 200 and
                t.get("status") == "In Progress", t)
    st, _, e, _ = c.call("POST", "/api/issues/%s/transitions" % key,
                         {"to": "Closed"})
    cases.check(s + "issues: a move the workflow does not offer is 409 "
                "naming the allowed", st == 409 and e.get("field") == "to"
                and "only to" in e.get("detail", ""), e)
    # A name that is no status at all: the store knows its statuses
    # (422), Jira only its moves (409); both name "to".
    st, _, e, _ = c.call("POST", "/api/issues/%s/transitions" % key,
                         {"to": "Nowhere"})
    cases.check(s + "issues: an unknown status is a 4xx naming to",
                st in (409, 422) and e.get("field") == "to", (st, e))
    st, _, e, _ = c.call("GET", "/api/issues/%s-99999" % project)
    cases.eq(s + "issues: an unknown key is 404", st, 404)

    # ---- /api/tickets/ over the same tickets ----
    st, _, j, _ = c.call("GET", "/api/tickets/?search=quokka")
    cases.check(s + "tickets: the issue is a ticket too, In Progress "
                "reads OPEN", st == 200 and j["count"] == 1 and
                set(j["results"][0]) == FIVE and
                j["results"][0]["title"] == "Quokka badge reader flickers"
                and j["results"][0]["resolution_status"] == "OPEN", j)
    qid = j["results"][0]["id"] if st == 200 and j["count"] else 0
    st, h, t, _ = c.call("POST", "/api/tickets/", {
        "title": "Wombat printer toner low",
        # Markdown as the ADF writer writes it back (em is _em_; README
        # "The ticket API", Markdown): the same text on both backends.
        "description": "Tray _2_."})
    cases.check(s + "tickets: create is 201 OPEN with a Location",
                st == 201 and set(t) == FIVE and
                t["resolution_status"] == "OPEN" and
                t["description"] == "Tray _2_." and
                h.get("location", "").endswith("/api/tickets/%d/" %
                                               t["id"]), t)
    if st != 201:
        return
    tid = t["id"]
    st, _, g, _ = c.call("GET", "/api/tickets/%d/" % tid)
    cases.eq(s + "tickets: get equals what create answered", (st, g),
             (200, t))
    st, _, r, _ = c.call("GET", "/api/issues?project=%s&text=wombat" %
                         project)
    wkey = r["issues"][0]["key"] if st == 200 and r["issues"] else ""
    cases.check(s + "tickets: the ticket is an issue of the project",
                wkey.startswith(project + "-"), r)

    def count(query):
        st, _, j, _ = c.call("GET", "/api/tickets/?" + query)
        return st, (j or {}).get("count")
    cases.eq(s + "tickets: id", count("id=%d" % tid), (200, 1))
    cases.eq(s + "tickets: id__in", count("id__in=%d,%d" % (tid, qid)),
             (200, 2))
    cases.eq(s + "tickets: title__icontains",
             count("title__icontains=WOMBAT"), (200, 1))
    cases.eq(s + "tickets: search + resolution_status",
             count("search=wombat&resolution_status=OPEN"), (200, 1))
    cases.eq(s + "tickets: CLOSED matches none of these",
             count("id__in=%d,%d&resolution_status=CLOSED" % (tid, qid)),
             (200, 0))
    cases.eq(s + "tickets: created__gte",
             count("id=%d&created__gte=%s" % (tid, q(t["created"]))),
             (200, 1))
    cases.eq(s + "tickets: created__lte before it",
             count("id=%d&created__lte=2000-01-01T00:00:00Z" % tid),
             (200, 0))
    st, _, j, _ = c.call("GET", "/api/tickets/?id__in=%d,%d&ordering=title"
                         "&page_size=1" % (tid, qid))
    cases.check(s + "tickets: ordering and pages", st == 200 and
                j["count"] == 2 and [x["id"] for x in j["results"]] ==
                [qid] and j["previous"] is None and
                j["next"].endswith("&page=2"), j)
    st, _, j, _ = c.call("GET", "/api/tickets/?id__in=%d,%d&ordering=title"
                         "&page_size=1&page=2" % (tid, qid))
    cases.check(s + "tickets: page 2", st == 200 and
                [x["id"] for x in j["results"]] == [tid] and
                j["next"] is None, j)
    st, _, e, _ = c.call("GET", "/api/tickets/?id=%d&page=2" % tid)
    cases.eq(s + "tickets: a page past the end", (st, e),
             (404, {"detail": "Invalid page."}))

    st, _, u, _ = c.call("PATCH", "/api/tickets/%d/" % tid,
                         {"title": "Wombat printer toner empty"})
    cases.check(s + "tickets: PATCH title", st == 200 and
                u["title"] == "Wombat printer toner empty" and
                u["description"] == "Tray _2_.", u)
    st, _, u, _ = c.call("PUT", "/api/tickets/%d/" % tid,
                         {"title": "Wombat printer", "description": "Now."})
    cases.check(s + "tickets: PUT", st == 200 and
                (u["title"], u["description"]) == ("Wombat printer", "Now."),
                u)
    st, _, e, _ = c.call("PUT", "/api/tickets/%d/" % tid,
                         {"description": "no title"})
    cases.check(s + "tickets: PUT without title is 400 {title: [...]}",
                st == 400 and "title" in e, e)
    # Resolve from In Progress (a move both workflows make in one step).
    st, _, _, _ = c.call("POST", "/api/issues/%s/transitions" % wkey,
                         {"to": "In Progress"})
    st, _, u, _ = c.call("PATCH", "/api/tickets/%d/" % tid,
                         {"resolution_status": "RESOLVED"})
    cases.check(s + "tickets: PATCH RESOLVED", st == 200 and
                u["resolution_status"] == "RESOLVED", u)
    cases.eq(s + "tickets: the RESOLVED filter sees it",
             count("id=%d&resolution_status=RESOLVED" % tid), (200, 1))
    st, _, i, _ = c.call("GET", "/api/issues/" + wkey)
    cases.check(s + "tickets: ... and /api/issues shows the move",
                st == 200 and i["status"] in ("Resolved", "Done"), i)
    st, _, u, _ = c.call("PATCH", "/api/tickets/%d/" % tid,
                         {"resolution_status": "OPEN"})
    cases.check(s + "tickets: PATCH OPEN reopens", st == 200 and
                u["resolution_status"] == "OPEN", u)
    st, _, e, _ = c.call("PATCH", "/api/tickets/%d/" % tid,
                         {"resolution_status": "DONE"})
    cases.check(s + "tickets: an unknown status is {resolution_status: "
                "[...]}", st in (400, 422) and "resolution_status" in e, e)
    st, _, e, _ = c.call("GET", "/api/tickets/999999/")
    cases.eq(s + "tickets: an unknown id", (st, e), (404, {
        "detail": "Ticket with id '999999' was not found."}))
    st, _, _, _ = c.call("DELETE", "/api/tickets/%d/" % tid)
    cases.eq(s + "tickets: DELETE is 204", st, 204)
    st, _, _, _ = c.call("GET", "/api/tickets/%d/" % tid)
    cases.eq(s + "tickets: ... then 404", st, 404)
    st, _, _, _ = c.call("DELETE", "/api/tickets/%d/" % tid)
    cases.eq(s + "tickets: a second DELETE is 404", st, 404)


if __name__ == "__main__":
    try:
        jtatest.run_modes([
            ("local", contract(local_person), None),
            ("jira", contract(jira_person), lambda st: jira_conf(
                st, timeout_ms=15000, budget_ms=20000),
             {"default_project": "OPS"}),
        ], "contract", servers=("nginx",))
    finally:
        standin.stop()
