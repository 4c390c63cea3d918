"""Jira Cloud through the ticket API: a person links their Atlassian account
(start -> consent -> callback -> API key) and then searches, reads,
creates, edits, comments on and moves tickets, under nginx and under
Apache, against the Atlassian stand-in (tests/standin) on 127.0.0.1.
Then each upstream fault: 429/503 with Retry-After inside and beyond the
budget, 5xx, slow answers, a create whose answer is lost, a refresh token
Atlassian refuses, a declined consent, a replayed callback, several sites.
Standard library only."""

import json
import os
import re
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jtatest  # noqa: E402

sys.path.insert(0, os.path.join(jtatest.SRCDIR, "tests", "standin"))
from jiratest import (CLIENT_ID, KEY_RE, SECRET, Browser,  # noqa: E402
                      conf, get_url, local_path, standin)

BOB = "712020:9d8e7f60-1a2b-4c3d-8e9f-a0b1c2d3e4f5"

def consent(cases, stack, label, start="/oauth/start", browser=None):
    """The dance in browser (a new one when None); returns (status,
    body) of our callback page and the callback path (for replays)."""
    b = browser if browser is not None else Browser(stack)
    st, h, _ = b.get(start)
    if not cases.eq("%s: /oauth/start redirects" % label, st, 302):
        return None, None, None
    loc = h.get("location", "")
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))
    cases.check("%s: consent URL carries audience, client, scopes, state, "
                "prompt" % label,
                loc.startswith(standin.url + "/authorize?") and
                q.get("audience") == "api.atlassian.com" and
                q.get("client_id") == CLIENT_ID and
                q.get("response_type") == "code" and
                q.get("prompt") == "consent" and
                "offline_access" in q.get("scope", "").split() and
                q.get("redirect_uri") == stack.base_url + "/oauth/callback"
                and len(q.get("state", "")) >= 32, loc)
    st, h, _ = get_url(loc)
    cb = h.get("location", "")
    if not cases.check("%s: Atlassian sends the person back" % label,
                       st == 302 and cb.startswith(stack.base_url), cb):
        return None, None, None
    path = local_path(cb)
    st, _, body = b.get(path)
    return st, body.decode("utf-8", "replace"), path


def login_csrf(cases, stack, s):
    """Issue 10, item 13: Mallory consents as himself and sends his
    finished callback URL to Alice.  Opened in her browser (no binding
    cookie, or the one of her own start) it links nothing and shows no
    key; the state is not spent, so it still finishes in his browser."""
    mallory = Browser(stack)
    st, h, _ = mallory.get("/oauth/start")
    sc = h.get("set-cookie", "")
    cases.check("%s: /oauth/start binds the consent to the browser: "
                "jta_oauth, HttpOnly, SameSite=Lax, Path=/oauth/, "
                "Max-Age 600, not Secure over http" % s,
                st == 302 and re.match(r"jta_oauth=[0-9a-f]{64};", sc) and
                "; HttpOnly" in sc and "; SameSite=Lax" in sc and
                "; Path=/oauth/" in sc and "; Max-Age=600" in sc and
                "Secure" not in sc, sc)
    st, h, _ = get_url(h.get("location", ""))
    cb = local_path(h.get("location", ""))
    alice = Browser(stack)
    st, _, body = alice.get(cb)
    cases.check("%s: login CSRF: his callback in her browser is a 400 "
                "page, no key" % s, st == 400 and
                not KEY_RE.search(body.decode("utf-8", "replace")) and
                b"another browser" in body, (st, body[:300]))
    st, _, _ = alice.get("/oauth/start")
    st, _, body = alice.get(cb)
    cases.check("%s: ... nor with the cookie of her own start" % s,
                st == 400 and
                not KEY_RE.search(body.decode("utf-8", "replace")),
                (st, body[:300]))
    st, h, body = mallory.get(cb)
    cases.check("%s: ... while in his own browser it still links him, "
                "and the cookie is cleared" % s, st == 200 and
                KEY_RE.search(body.decode("utf-8", "replace")) and
                "Max-Age=0" in h.get("set-cookie", ""), (st, h, body[:300]))


def journey(cases, stack, server):
    s = server
    b = Browser(stack)
    st, page, cb = consent(cases, stack, s, browser=b)
    m = KEY_RE.search(page or "")
    if not cases.check("%s: callback shows a new API key" % s,
                       st == 200 and m is not None, "%s %s" % (st, page)):
        return
    key = m.group(1)
    st, _, body = stack.request("GET", cb, headers={
        "Cookie": "jta_oauth=%s" % b.bound})
    cases.eq("%s: a replayed callback is refused" % s, st, 400)
    cases.check("%s: ... with a page saying to start again" % s,
                b"/oauth/start" in body and b"jta_" not in body and
                b"expired or was already used" in body)
    login_csrf(cases, stack, s)

    c = jtatest.Client(stack, key)
    st, _, me, _ = c.call("GET", "/api/me")
    cases.check("%s: /api/me is the Atlassian person" % s,
                st == 200 and me.get("display_name") == "Alice Example"
                and me.get("backend") == "jira", me)

    st, _, p, _ = c.call("GET", "/api/projects")
    keys = sorted(x.get("key") for x in (p or {}).get("projects", []))
    cases.eq("%s: projects from Jira" % s, (st, keys), (200, ["OPS", "SUP"]))

    st, _, r, _ = c.call("GET", "/api/issues?project=OPS&limit=2")
    rows = (r or {}).get("issues", [])
    cases.check("%s: search gives slim rows and a cursor" % s,
                st == 200 and len(rows) == 2 and
                set(rows[0]) >= {"key", "url", "summary", "status", "type",
                                 "priority", "assignee", "reporter",
                                 "created", "updated"} and
                isinstance(r.get("next_cursor"), str), r)
    site = standin.world.site_url("acme")
    cases.check("%s: each row's url is the issue on the Jira site, for a "
                "person to open" % s,
                st == 200 and all(x["url"] == site + "/browse/" + x["key"]
                                  for x in rows), (site, rows))
    if st == 200 and r.get("next_cursor"):
        st, _, r2, _ = c.call("GET", "/api/issues?project=OPS&limit=2&"
                              "cursor=" + urllib.parse.quote(
                                  r["next_cursor"]))
        k2 = [x["key"] for x in (r2 or {}).get("issues", [])]
        cases.check("%s: the cursor gives the next page" % s,
                    st == 200 and k2 and not set(k2) & {x["key"]
                                                        for x in rows},
                    r2)

    st, _, r, _ = c.call("GET", "/api/issues?text=" +
                         urllib.parse.quote('"disk full" OR x'))
    cases.eq("%s: hostile text is quoted, not JQL" % s, st, 200)

    st, _, i, _ = c.call("GET", "/api/issues/OPS-1")
    cases.check("%s: one issue, description as Markdown" % s,
                st == 200 and i.get("key") == "OPS-1" and
                isinstance(i.get("description"), str) and
                '"type"' not in i.get("description", "") and
                isinstance(i.get("comments"), list), i)

    st, _, i, _ = c.call("GET", "/api/issues/OPS-3")
    att = (i or {}).get("attachments") or [{}]
    cases.check("%s: an issue lists its attachments (name, type, size, "
                "author, created, a link on the site)" % s,
                st == 200 and i.get("attachment_count") == 2 and
                [a.get("name") for a in att] ==
                ["disk-usage.png", "backup-db-2.log"] and
                att[0].get("type") == "image/png" and
                att[0].get("size") == 48213 and
                att[0].get("author") == "Bob Builder" and
                att[0].get("created") == "2026-10-29T07:46:00Z" and
                att[0].get("url") == "%s/rest/api/3/attachment/content/%s"
                % (site, att[0].get("id")), i)
    st, _, i, _ = c.call("GET", "/api/issues/OPS-1")
    cases.check("%s: ... and an issue without files an empty list" % s,
                st == 200 and i.get("attachment_count") == 0 and
                i.get("attachments") == [], i)

    st, h, n, _ = c.call("POST", "/api/issues", {
        "project": "OPS", "summary": "Printer on floor 3 is jammed",
        "type": "Bug", "priority": "High",
        "description": "It **jams** on every page.\n\n- tray 1\n- tray 2",
        "labels": ["printer"]})
    new = (n or {}).get("key", "")
    cases.check("%s: create answers 201 with the new issue" % s,
                st == 201 and new.startswith("OPS-") and
                h.get("location", "").endswith("/api/issues/" + new), n)
    cases.check("%s: ... whose url opens it on the Jira site" % s,
                st == 201 and n.get("url") == site + "/browse/" + new, n)
    if st != 201:
        return
    created = standin.state()
    st, _, i, _ = c.call("GET", "/api/issues/" + new)
    cases.check("%s: the created issue reads back, Markdown intact" % s,
                st == 200 and "**jams**" in i.get("description", "") and
                i.get("priority") == "High" and i.get("labels") ==
                ["printer"], i)
    st, _, i, _ = c.call("PATCH", "/api/issues/" + new,
                         {"summary": "Printer on floor 3 jams",
                          "priority": "Low"})
    cases.check("%s: edit" % s, st == 200 and i.get("summary") ==
                "Printer on floor 3 jams" and i.get("priority") == "Low", i)
    st, _, cm, _ = c.call("POST", "/api/issues/%s/comments" % new,
                          {"body": "Toner *replaced*."})
    cases.check("%s: comment" % s, st == 201 and
                "replaced" in (cm or {}).get("body", ""), cm)
    st, _, t, _ = c.call("GET", "/api/issues/%s/transitions" % new)
    tos = [x.get("to") for x in (t or {}).get("transitions", [])]
    cases.check("%s: transitions list target statuses" % s,
                st == 200 and "In Progress" in tos, t)
    st, _, t, _ = c.call("POST", "/api/issues/%s/transitions" % new,
                         {"to": "in progress"})
    cases.check("%s: transition by target status name" % s,
                st == 200 and (t or {}).get("status") == "In Progress", t)
    st, _, t, _ = c.call("POST", "/api/issues/%s/transitions" % new,
                         {"to": "Nowhere"})
    cases.check("%s: an impossible move is 409 naming the allowed" % s,
                st == 409 and "Done" in (t or {}).get("detail", ""), t)
    cases.eq("%s: exactly one issue was created" % s,
             created["issues_created"], 1)

    # Jira's field errors become a 422 naming our field.
    st, _, e, _ = c.call("POST", "/api/issues", {
        "project": "OPS", "summary": "x", "type": "Epic"})
    cases.check("%s: Jira's field error is a 422 naming the field" % s,
                st == 422 and e.get("field") == "type", e)
    st, _, e, _ = c.call("GET", "/api/issues/OPS-999")
    cases.eq("%s: unknown issue is 404" % s, st, 404)

    with_names(cases, s, c)
    reassign(cases, s, c, new)
    faults(cases, stack, s, c)
    refresh(cases, stack, s, c)
    site_not_allowed(cases, stack, s)


def stored(key):
    """The stand-in's own record of issue key (ids as Jira keeps them)."""
    st, _, body = get_url(standin.url + "/_standin/issues/" + key)
    return json.loads(body) if st == 200 else {}


def with_names(cases, s, c):
    """Field discovery from createmeta and a create that names things."""
    st, _, f, _ = c.call("GET", "/api/projects/SUP/fields")
    by = {x.get("id"): x for x in (f or {}).get("fields", [])}
    cases.check("%s: fields of the default type from createmeta" % s,
                st == 200 and f.get("project") == "SUP" and
                f.get("type") == "Task" and f.get("types") ==
                ["Task", "Bug", "Story"] and
                by["summary"] == {"id": "summary", "name": "Summary",
                                  "required": True, "type": "string"} and
                by["description"]["type"] == "text" and
                by["priority"]["allowed"] == ["Highest", "High", "Medium",
                                              "Low", "Lowest"] and
                by["priority"]["default"] == "Medium" and
                not by["priority"]["required"] and
                by["components"]["type"] == "options" and
                by["components"]["allowed"] == ["Email", "Billing"] and
                by["labels"]["type"] == "labels" and
                by["assignee"]["type"] == "user" and
                by["duedate"]["type"] == "date" and
                by["customfield_10101"]["type"] == "number" and
                not {"project", "issuetype", "reporter"} & set(by) and
                not by["customfield_10100"]["required"], f)
    st, _, f, _ = c.call("GET", "/api/projects/SUP/fields?type=bug")
    svc = next((x for x in (f or {}).get("fields", [])
                if x.get("name") == "Affected service"), {})
    cases.check("%s: fields of a named type: its required select" % s,
                st == 200 and f.get("type") == "Bug" and
                svc.get("required") is True and svc.get("type") == "option"
                and svc.get("allowed") == ["Web app", "Mobile app",
                                           "Billing"], f)
    st, _, e, _ = c.call("GET", "/api/projects/NOPE/fields")
    cases.check("%s: fields of an unknown project: 404 key" % s,
                st == 404 and e.get("field") == "key", e)
    st, _, e, _ = c.call("GET", "/api/projects/SUP/fields?type=Epic")
    cases.check("%s: fields of an unknown type: 422 naming the types" % s,
                st == 422 and e.get("field") == "type" and
                "Story" in e.get("detail", ""), e)

    before = standin.state()["issue_count"]
    st, _, e, _ = c.call("POST", "/api/issues", {
        "project": "SUP", "type": "Bug", "summary": "Invoices fail",
        "priority": "Urgent"})
    errs = {x.get("field"): x for x in (e or {}).get("errors", [])}
    pe = errs.get("priority", {})
    se = errs.get("fields.Affected service", {})
    cases.check("%s: a wrong priority and a missing required field: one "
                "422 with both, allowed values and questions" % s,
                st == 422 and len(errs) == 2 and
                pe.get("allowed") == ["Highest", "High", "Medium", "Low",
                                      "Lowest"] and
                pe.get("question") == "Which priority should it have: "
                "Highest, High, Medium, Low or Lowest?" and
                se.get("name") == "Affected service" and
                se.get("detail") == "is required" and
                se.get("allowed") == ["Web app", "Mobile app", "Billing"]
                and "Web app, Mobile app or Billing?" in
                se.get("question", ""), e)
    cases.eq("%s: nothing was created on 422" % s,
             standin.state()["issue_count"], before)

    st, _, e, _ = c.call("POST", "/api/issues", {
        "project": "SUP", "type": "Bug", "summary": "x",
        "components": ["Printers"], "assignee": "nobody@example.com",
        "fields": {"Affected service": "Fax", "Story points": "many",
                   "Colour": "red", "Due date": "soon"}})
    fields = sorted(x.get("field") for x in (e or {}).get("errors", []))
    cases.check("%s: every bad name is its own problem" % s,
                st == 422 and fields == [
                    "assignee", "components", "fields.Affected service",
                    "fields.Colour", "fields.Due date",
                    "fields.Story points"], e)

    st, _, n, _ = c.call("POST", "/api/issues", {
        "project": "SUP", "type": "bug", "summary": "Invoices fail",
        "description": "Since **Monday**.", "priority": "high",
        "components": ["billing", "Email"], "labels": ["invoices"],
        "assignee": "bob@example.com",
        "fields": {"affected service": "Billing", "customfield_10101": 5,
                   "Due date": "2026-12-24"}})
    key = (n or {}).get("key", "")
    raw = stored(key) if st == 201 else {}
    cases.check("%s: create with names files Jira's ids" % s,
                st == 201 and key.startswith("SUP-") and
                raw.get("priority") == "2" and raw.get("type") == "10002" and
                raw.get("components") == ["10311", "10310"] and
                raw.get("assignee") == BOB and
                raw.get("duedate") == "2026-12-24" and
                raw.get("extra", {}).get("customfield_10100", {}).get("id")
                == "10202" and
                raw.get("extra", {}).get("customfield_10101") == 5 and
                raw.get("labels") == ["invoices"] and
                raw.get("description", {}).get("type") == "doc", (n, raw))
    cases.check("%s: ... and answers the issue" % s,
                st == 201 and n.get("priority") == "High" and
                n.get("type") == "Bug" and "**Monday**" in
                n.get("description", ""), n)


def reassign(cases, s, c, key):
    """PATCH assignee and the search filters take an account id, an email
    or our user name, as create does (findUsers gives account ids)."""
    alice = "712020:2f6a8c31-5b4e-4d7a-9c1e-0a1b2c3d4e5f"
    st, _, i, _ = c.call("PATCH", "/api/issues/" + key, {"assignee": BOB})
    cases.check("%s: reassign by Atlassian account id" % s,
                st == 200 and stored(key).get("assignee") == BOB, (st, i))
    st, _, i, _ = c.call("PATCH", "/api/issues/" + key,
                         {"assignee": "ALICE@example.com"})
    cases.check("%s: reassign by email" % s,
                st == 200 and stored(key).get("assignee") == alice,
                (st, i))
    st, _, e, _ = c.call("PATCH", "/api/issues/" + key,
                         {"assignee": "712020:00000000-0000-4000-8000-"
                                      "000000000000"})
    cases.check("%s: an account id Jira does not know is 422 naming "
                "assignee, unchanged" % s,
                st == 422 and (e or {}).get("field") == "assignee" and
                stored(key).get("assignee") == alice, (st, e))
    st, _, i, _ = c.call("PATCH", "/api/issues/" + key,
                         {"assignee": "bob@example.com"})
    cases.check("%s: reassign to a colleague by email" % s,
                st == 200 and stored(key).get("assignee") == BOB, (st, i))
    for q in ("assignee=" + urllib.parse.quote(BOB),
              "assignee=bob%40example.com"):
        st, _, r, _ = c.call("GET", "/api/issues?" + q)
        cases.check("%s: search %s finds the reassigned issue" % (s, q),
                    st == 200 and key in [x["key"] for x in
                                          r.get("issues", [])], (st, r))
    st, _, r, _ = c.call("GET", "/api/issues?reporter=" +
                         urllib.parse.quote(alice) + "&project=OPS")
    cases.check("%s: search by reporter account id" % s,
                st == 200 and key in [x["key"] for x in
                                      r.get("issues", [])], (st, r))
    st, _, e, _ = c.call("GET", "/api/issues?reporter=nobody%40nowhere.example")
    cases.check("%s: a reporter no one is 422 naming reporter" % s,
                st == 422 and (e or {}).get("field") == "reporter", (st, e))


def faults(cases, stack, s, c):
    standin.config(faults=[{"status": 429, "retry_after": 1, "count": 2,
                            "path_prefix": "/rest/api/3/search/jql"}])
    st, _, r, _ = c.call("GET", "/api/issues?project=OPS")
    cases.eq("%s: 429 with a short Retry-After is waited out" % s, st, 200)

    standin.config(faults=[{"status": 429, "retry_after": 120, "count": 1,
                            "path_prefix": "/rest/api/3/search/jql"}])
    st, h, e, _ = c.call("GET", "/api/issues?project=OPS")
    cases.check("%s: 429 beyond the budget is 503 with retry_after" % s,
                st == 503 and (e or {}).get("retry_after") == 120 and
                h.get("retry-after") == "120", (st, e))

    standin.config(faults=[{"status": 500, "count": 1,
                            "path_prefix": "/rest/api/3/issue/OPS-1"}])
    st, _, e, _ = c.call("GET", "/api/issues/OPS-1")
    cases.check("%s: Jira's 500 is 502 with a clear message" % s,
                st == 502 and "Jira" in (e or {}).get("detail", ""), e)

    standin.config(faults=[{"kind": "slow", "seconds": 5, "count": 1,
                            "path_prefix": "/rest/api/3/issue/OPS-1"}])
    st, _, e, _ = c.call("GET", "/api/issues/OPS-1")
    cases.check("%s: a timeout is 502" % s, st == 502 and "time" in
                (e or {}).get("detail", ""), e)

    before = standin.state()["issues_created"]
    standin.config(faults=[{"kind": "drop", "method": "POST",
                            "path_prefix": "/rest/api/3/issue",
                            "count": 1}])
    st, _, e, _ = c.call("POST", "/api/issues",
                         {"project": "OPS", "summary": "Lost answer"})
    after = standin.state()["issues_created"]
    cases.check("%s: a lost create answer is 502, never retried" % s,
                st == 502 and after - before == 1, (st, e, after - before))

    standin.config(faults=[{"status": 503, "retry_after": 1, "count": 1,
                            "method": "POST",
                            "path_prefix": "/rest/api/3/issue"}])
    before = standin.state()["issues_created"]
    st, h, e, _ = c.call("POST", "/api/issues",
                         {"project": "OPS", "summary": "Busy create"})
    cases.check("%s: a busy create is 503 and not repeated" % s,
                st == 503 and standin.state()["issues_created"] == before,
                (st, e))

    # A 429 refuses a request unprocessed: a create, a comment or a
    # transition is sent again after Retry-After when it fits the budget.
    standin.config(faults=[{"status": 429, "retry_after": 1, "count": 1,
                            "method": "POST",
                            "path_prefix": "/rest/api/3/issue"}])
    before = standin.state()["issues_created"]
    st, _, n, _ = c.call("POST", "/api/issues",
                         {"project": "OPS", "summary": "Rate-limited create"})
    cases.check("%s: a create answered 429 with a short Retry-After is "
                "waited out: 201, one issue" % s,
                st == 201 and standin.state()["issues_created"] ==
                before + 1 and not standin.state()["faults_pending"],
                (st, n))
    new = (n or {}).get("key", "OPS-1")
    standin.config(faults=[{"status": 429, "retry_after": 1, "count": 1,
                            "method": "POST", "path_prefix":
                            "/rest/api/3/issue/%s/comment" % new}])
    st, _, cm, _ = c.call("POST", "/api/issues/%s/comments" % new,
                          {"body": "After a pause."})
    cases.check("%s: a comment answered 429 is waited out: 201" % s,
                st == 201 and not standin.state()["faults_pending"], cm)
    standin.config(faults=[{"status": 429, "retry_after": 1, "count": 1,
                            "method": "POST", "path_prefix":
                            "/rest/api/3/issue/%s/transitions" % new}])
    st, _, t, _ = c.call("POST", "/api/issues/%s/transitions" % new,
                         {"to": "In Progress"})
    cases.check("%s: a transition answered 429 is waited out: 200" % s,
                st == 200 and (t or {}).get("status") == "In Progress" and
                not standin.state()["faults_pending"], t)

    # A write Jira did, answered 2xx without JSON: done, read back.
    standin.config(faults=[{"kind": "reply", "status": 200, "body": "OK",
                            "method": "PUT", "path_prefix":
                            "/rest/api/3/issue/%s" % new}])
    st, _, i, _ = c.call("PATCH", "/api/issues/" + new,
                         {"summary": "Edited, answered in plain text"})
    cases.check("%s: an edit answered 200 with a body that is not JSON is "
                "a success: the issue read back" % s,
                st == 200 and (i or {}).get("summary") ==
                "Edited, answered in plain text", (st, i))
    standin.config(faults=[{"kind": "reply", "status": 201, "body": "ok",
                            "method": "POST", "path_prefix":
                            "/rest/api/3/issue/%s/comment" % new}])
    st, _, cm, _ = c.call("POST", "/api/issues/%s/comments" % new,
                          {"body": "Answered in *plain* text."})
    cases.check("%s: a comment answered 201 without JSON is a success" % s,
                st == 201 and "plain" in (cm or {}).get("body", ""),
                (st, cm))
    standin.config(faults=[{"kind": "reply", "status": 200, "body": "done",
                            "method": "POST", "path_prefix":
                            "/rest/api/3/issue/%s/transitions" % new}])
    st, _, t, _ = c.call("POST", "/api/issues/%s/transitions" % new,
                         {"to": "Done"})
    cases.check("%s: a transition answered 200 without JSON is a success: "
                "the issue read back" % s,
                st == 200 and (t or {}).get("status") == "Done", (st, t))
    standin.config(faults=[])


def refresh(cases, stack, s, c):
    # Tokens that live 2 s: the next call refreshes, once.
    standin.config(access_token_lifetime=2)
    st, page, _ = consent(cases, stack, s + " (short tokens)")
    m = KEY_RE.search(page or "")
    if not m:
        cases.check("%s: second consent" % s, False, page)
        return
    c2 = jtatest.Client(stack, m.group(1))
    import time
    time.sleep(2.2)
    # The token the next call gets lives long enough that the checks
    # below cannot see it fall due (a 2-s token is due after 1 s, and a
    # loaded machine can take that long between two calls).
    standin.config(access_token_lifetime=120)
    r0 = standin.state()["token_calls"]["refresh_token"]
    st, _, _, _ = c2.call("GET", "/api/me")
    r1 = standin.state()["token_calls"]["refresh_token"]
    cases.check("%s: an expired access token is refreshed once" % s,
                st == 200 and r1 - r0 == 1, (st, r1 - r0))
    st, _, _, _ = c2.call("GET", "/api/me")
    cases.eq("%s: the new token is used without refreshing" % s,
             standin.state()["token_calls"]["refresh_token"], r1)

    # A 401 on an API call: one refresh, one retry.  The token that
    # refresh gets lives 2 s again, for the refresh faults below.
    standin.config(access_token_lifetime=2,
                   faults=[{"status": 401, "count": 1,
                            "path_prefix": "/rest/api/3/myself"}])
    st, _, _, _ = c2.call("GET", "/api/me")
    cases.check("%s: a 401 triggers one refresh and one retry" % s,
                st == 200 and standin.state()["token_calls"]
                ["refresh_token"] == r1 + 1, st)

    # Atlassian refuses our app (not the person's token): the link stays.
    standin.config(faults=[{"status": 500, "count": 1,
                            "path_prefix": "/oauth/token"}])
    time.sleep(2.2)
    st, _, e, _ = c2.call("GET", "/api/me")
    cases.check("%s: Atlassian's 5xx on a refresh is 502, link kept"
                % s, st == 502, (st, e))
    standin.config(faults=[{"status": 400, "count": 1,
                            "path_prefix": "/oauth/token"}])
    st, _, e, _ = c2.call("GET", "/api/me")
    cases.check("%s: a refresh refused for another reason than "
                "invalid_grant is 502 naming the operator, link kept" % s,
                st == 502 and "operator" in (e or {}).get("detail", ""),
                (st, e))
    st, _, e, _ = c2.call("GET", "/api/me")
    cases.eq("%s: ... and the next request refreshes fine" % s, st, 200)

    # Atlassian refuses the refresh token: the link is broken.
    standin.config(faults=[{"status": 403, "count": 1,
                            "path_prefix": "/oauth/token"}])
    time.sleep(2.2)
    st, h, e, _ = c2.call("GET", "/api/me")
    cases.check("%s: invalid_grant is 401 telling to visit the absolute "
                "public_url/oauth/start, WWW-Authenticate invalid_token"
                % s, st == 401 and "visit %s/oauth/start " %
                stack.base_url in (e or {}).get("detail", "") and
                h.get("www-authenticate") ==
                ('Bearer realm="jta", error="invalid_token", resource_metadata='
                 '"%s/.well-known/oauth-protected-resource", scope="tickets"'
                 % stack.base_url), (st, h, e))
    st, _, e, _ = c2.call("GET", "/api/me")
    cases.check("%s: ... and stays so without calling Atlassian" % s,
                st == 401 and "visit %s/oauth/start " % stack.base_url in
                (e or {}).get("detail", ""), (st, e))
    standin.config(faults=[], access_token_lifetime=3600)

    # Declined consent.
    standin.config(deny_consent=True)
    st, page, _ = consent(cases, stack, s + " (declined)")
    cases.check("%s: a declined consent is a 403 page" % s,
                st == 403 and "declined" in (page or ""), (st, page))
    standin.config(deny_consent=False)

    # Several sites: pick one, then consent again for it.
    standin.config(sites=2)
    st, page, _ = consent(cases, stack, s + " (two sites)")
    links = re.findall(r'href="(/oauth/start\?site=[0-9a-f-]+)"', page or "")
    if cases.check("%s: several sites: the page lists them" % s,
                   st == 200 and len(links) == 2, page):
        st, page, _ = consent(cases, stack, s + " (picked)", links[1])
        cases.check("%s: the picked site is linked" % s,
                    st == 200 and KEY_RE.search(page or ""), page)
    standin.config(sites=1)


def site_not_allowed(cases, stack, s):
    """A server limited to one site (atlassian_site) refuses a person who
    cannot reach it: a 403 page, nothing linked.  The programs run as
    plain CGI on a copy of the configuration that names another site."""
    alt = stack.conf + ".site"
    with open(stack.conf) as f:
        text = f.read()
    with open(alt, "w") as f:
        f.write(text + "atlassian_site = https://elsewhere.atlassian.net\n")

    def cgi(program, uri, cookie=None):
        _, status, hdrs, body = jtatest.cgi(alt, program, "GET", uri,
                                            cookie=cookie)
        return status, hdrs, body

    st, h, _ = cgi("jta-oauth-start", "/oauth/start")
    bound = h.get("set-cookie", "").split(";")[0]
    st, h2, _ = get_url(h.get("location", ""))
    cb = local_path(h2.get("location", ""))
    st, _, body = cgi("jta-oauth-callback", cb, bound)
    cases.check("%s: a site this server does not allow is a 403 page "
                "naming it" % s, st == 403 and
                b"elsewhere.atlassian.net" in body and b"jta_" not in body,
                (st, body[:300]))


if __name__ == "__main__":
    try:
        jtatest.run(journey, extra_conf=conf)
    finally:
        standin.stop()
