"""Jira Service Management under nginx and Apache: with backend = jira
against the stand-in's service desk (tests/standin/servicedesk.py), the
desks and request types, a request type's fields in the shape of a create
screen, /api/projects marking the desk, raising a request with names
resolved (a required select answered by name, one 422 with every
problem), its portal link, the person's requests and one request with its
SLA; a draft with a request type whose raise answer is lost (found again,
never raised twice); an agent raising on behalf of a customer; a
portal-only customer (no Jira licence) raising and listing their own.
With the embedded store: no desks, and a request type is refused naming
it.  Prints the upstream calls per operation.  Standard library only."""

import json
import os
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jtatest  # noqa: E402
from jiratest import conf, link, standin  # noqa: E402

CAROL = {"account_id": "qm:5c1a0d3e-7b2f-4e8a-9d6c-1f2e3d4c5b6a",
         "name": "Carol Customer", "email": "carol@example.com"}
ALICE = {"account_id": "712020:2f6a8c31-5b4e-4d7a-9c1e-0a1b2c3d4e5f",
         "name": "Alice Example", "email": "alice@example.com"}
WIFI = "Wi-Fi problem"


def routes():
    return dict(standin.state()["api_routes"])


def calls(before):
    """{route: n} of the upstream calls since before."""
    now = routes()
    return {k: v - before.get(k, 0) for k, v in now.items()
            if v != before.get(k, 0)}


def requests_of(summary):
    return [i for i in standin.world.issues.values()
            if "jsm" in i and i["summary"] == summary]


def jira(cases, stack, server):
    s = server + ": "
    q = urllib.parse.quote
    standin.config(servicedesk=True)
    alice = jtatest.Client(stack, link(stack, ALICE))

    b = routes()
    st, _, j, _ = alice.call("GET", "/api/servicedesks")
    desk = (j or {}).get("servicedesks", [{}])[0]
    rts = {t["name"]: t for t in desk.get("request_types", [])}
    cases.check(s + "servicedesks: the IT Help desk, its groups and "
                "request types with description and help text",
                st == 200 and desk.get("project") == "ITH" and
                desk["groups"][:2] == ["Common requests",
                                       "Network and access"] and
                rts[WIFI]["groups"] == ["Common requests",
                                        "Network and access"] and
                "floor" in rts[WIFI]["help_text"], (st, j))
    print("# calls: GET /api/servicedesks: %r" % calls(b))

    st, _, j, _ = alice.call("GET", "/api/projects")
    ps = {p["key"]: p for p in (j or {}).get("projects", [])}
    cases.check(s + "projects: the service desk is marked, others not",
                st == 200 and ps["ITH"].get("servicedesk_id") == "1" and
                "servicedesk_id" not in ps["OPS"], (st, j))

    b = routes()
    st, _, j, _ = alice.call("GET", "/api/projects/ITH/fields?request_type="
                             + q("wi-fi PROBLEM"))
    f = {x["name"]: x for x in (j or {}).get("fields", [])}
    cases.check(s + "request type fields in the create screen's shape: a "
                "required option with allowed names, a default",
                st == 200 and j["request_type"] == WIFI and
                f["Location"]["required"] and f["Location"]["type"] ==
                "option" and f["Location"]["allowed"] ==
                ["Floor 1", "Floor 2", "Floor 3"] and
                f["Operating system"].get("default") == "Windows" and
                f["Summary"]["required"] and WIFI in j["request_types"],
                (st, j))
    print("# calls: GET /api/projects/ITH/fields?request_type=: %r" %
          calls(b))
    st, _, e, _ = alice.call("GET", "/api/projects/ITH/fields?request_type="
                             "Printer")
    cases.check(s + "an unknown request type is 422 naming it",
                st == 422 and e.get("field") == "request_type", (st, e))
    st, _, e, _ = alice.call("GET", "/api/projects/OPS/fields?request_type="
                             + q(WIFI))
    cases.check(s + "a project that is no service desk is 404",
                st == 404, (st, e))

    # An issue in the desk's project: the create screen's Request Type
    # cannot be set through /rest/api/3/issue, so ask for a request type.
    b = routes()
    st, _, e, _ = alice.call("POST", "/api/issues", {
        "project": "ITH", "summary": "Wi-Fi"})
    items = {x["field"]: x for x in (e or {}).get("errors", [])}
    cases.check(s + "an issue in a service desk: 422 asking for a request "
                "type, nothing sent to /rest/api/3/issue",
                st == 422 and "service desk" in
                items.get("request_type", {}).get("detail", "") and
                items["request_type"].get("question") and
                "POST /rest/api/3/issue" not in calls(b), (st, e))

    # Raising: every problem at once, with questions.
    st, _, e, _ = alice.call("POST", "/api/requests", {
        "project": "ITH", "summary": "Wi-Fi"})
    cases.check(s + "raise without request_type: 422 asking for it",
                st == 422 and e["errors"][0]["field"] == "request_type" and
                e["errors"][0].get("question"), (st, e))
    st, _, e, _ = alice.call("POST", "/api/requests", {
        "project": "ITH", "request_type": "Printer jam"})
    items = {x["field"]: x for x in (e or {}).get("errors", [])}
    cases.check(s + "an unknown request type: one 422 with the types and "
                "the missing summary",
                st == 422 and WIFI in items["request_type"]["allowed"] and
                "summary" in items, (st, e))
    st, _, e, _ = alice.call("POST", "/api/requests", {
        "project": "ITH", "request_type": WIFI, "priority": "High",
        "fields": {"Location": "Floor 9", "Colour": "red"}})
    items = {x["field"]: x for x in (e or {}).get("errors", [])}
    cases.check(s + "one 422 with every problem and a question each",
                st == 422 and items["fields.Location"]["allowed"] ==
                ["Floor 1", "Floor 2", "Floor 3"] and "fields.Colour" in
                items and "summary" in items and "priority" in items and
                all(x.get("question") for x in items.values()), (st, e))
    cases.check(s + "nothing raised by refused requests",
                standin.state().get("requests_created") == 0,
                standin.state().get("requests_created"))

    summary = "Laptop will not join the office Wi-Fi"
    b = routes()
    st, h, r, _ = alice.call("POST", "/api/requests", {
        "project": "ITH", "request_type": "wi-fi problem",
        "summary": summary, "description": "Since **Monday**",
        "fields": {"location": "floor 2"}})
    key = (r or {}).get("key", "")
    raised = calls(b)
    print("# calls: POST /api/requests (names resolved, raised): %r" %
          raised)
    cases.check(s + "raised: 201, the portal link, the request type, "
                "Waiting for support",
                st == 201 and key.startswith("ITH-") and
                r["url"].endswith("/servicedesk/customer/portal/1/" + key) and
                r["request_type"] == WIFI and
                r["status"] == "Waiting for support" and
                h.get("location", "").endswith("/api/requests/" + key),
                (st, r, h))
    iss = standin.world.issues.get(key, {})
    cases.check(s + "the select answered by name went as its id, the "
                "default filled, the description as ADF (isAdfRequest)",
                iss.get("extra", {}).get("customfield_10020", {}).get("id") ==
                "10401" and iss["extra"].get("customfield_10021", {}).get(
                    "value") == "Windows" and
                iss["jsm"]["description"] == "Since Monday", iss)
    cases.check(s + "a raise is one POST /request (+ nothing on the "
                "platform but its marker when it is an Idempotency-Key or "
                "draft)", raised.get(
                    "POST /rest/servicedeskapi/request") == 1 and
                "POST /rest/api/3/issue" not in raised, raised)

    # Intent to request type, through the similar answer.
    b = routes()
    st, _, j, _ = alice.call("GET", "/api/similar?request_types=true&text="
                             + q("my laptop won't join the office Wi-Fi"))
    rt = (j or {}).get("suggestion", {}).get("request_type", {})
    print("# calls: GET /api/similar?request_types=true: %r" % calls(b))
    cases.check(s + "intent: Wi-Fi problem in IT Help, clear, with the "
                "words found and the past request as evidence",
                st == 200 and rt.get("name") == WIFI and
                rt["project"] == "ITH" and rt["servicedesk"] == "IT Help" and
                rt["clear"] is True and
                "office" in rt["evidence"]["description"] and
                rt["evidence"]["requests"] == [key] and
                [x["name"] for x in j["request_types"]][:2] ==
                [WIFI, "Request a new laptop"], (st, j))
    st, _, j, _ = alice.call("GET", "/api/similar?request_types=true&text="
                             + q("please order me a new laptop"))
    rt = (j or {}).get("suggestion", {}).get("request_type", {})
    cases.check(s + "intent: a new laptop is the laptop request type",
                st == 200 and rt.get("name") == "Request a new laptop" and
                "laptop" in rt["evidence"]["name"], (st, j))

    rc, out, err = stack.admin("audit", "--ticket", key, "--json")
    rows = json.loads(out) if rc == 0 else []
    cases.check(s + "audit: the raise is a create naming the request type",
                [(x["action"], x["detail"]) for x in rows] ==
                [("create", "request type wi-fi problem")], (rc, out, err))
    rc, out, err = stack.admin("usage", "--by", "person", "--json")
    u = json.loads(out)[0] if rc == 0 else {}
    cases.check(s + "usage: the raise counts as a create",
                u.get("creates") == 1, (rc, out, err))

    b = routes()
    st, _, j, _ = alice.call("GET", "/api/requests?text=" + q("join wi-fi"))
    cases.check(s + "my requests: found by words, with the portal link",
                st == 200 and [x["key"] for x in j["requests"]] == [key] and
                j["requests"][0]["url"] == r["url"], (st, j))
    print("# calls: GET /api/requests: %r" % calls(b))
    st, _, j, _ = alice.call("GET", "/api/requests?status=closed")
    cases.check(s + "my requests: the closed filter", st == 200 and
                j["requests"] == [], (st, j))
    b = routes()
    st, _, j, _ = alice.call("GET", "/api/requests/" + key.lower())
    cases.check(s + "one request: status, SLA for an agent, comments",
                st == 200 and j["key"] == key and
                j["sla"][0]["name"] == "Time to first response" and
                j["comments"] == [], (st, j))
    print("# calls: GET /api/requests/{key}: %r" % calls(b))
    cases.check(s + "one request: no files, an empty list",
                j.get("attachment_count") == 0 and
                j.get("attachments") == [], j)
    aid = standin.world.add_attachment(key, "wifi error.png", "image/png",
                                       2048, ALICE["account_id"],
                                       time.time())
    st, _, j, _ = alice.call("GET", "/api/requests/" + key)
    att = (j or {}).get("attachments") or [{}]
    cases.check(s + "one request lists its files, each with a portal link "
                "made from the site and the id",
                st == 200 and j.get("attachment_count") == 1 and
                att[0].get("name") == "wifi error.png" and
                att[0].get("type") == "image/png" and
                att[0].get("size") == 2048 and att[0].get("id") == aid and
                att[0].get("url", "").endswith(
                    "/servicedesk/customershim/secure/attachment/%s/"
                    "wifi%%20error.png" % aid), (st, j))

    # A draft with a request type; the raise's answer is lost.
    dsum = "Wi-Fi drops on the third floor"
    st, _, d, _ = alice.call("POST", "/api/drafts", {
        "project": "ITH", "request_type": WIFI, "summary": dsum,
        "fields": {"Location": "Floor 3", "Operating system": "macOS"}})
    cases.check(s + "a draft with a request type previews it",
                st == 201 and d["preview"]["request_type"] == WIFI and
                d["preview"]["fields"]["Location"] == "Floor 3", (st, d))
    standin.config(faults=[{"kind": "drop", "method": "POST",
                            "path_prefix": "/rest/servicedeskapi/request"}])
    b = routes()
    st, _, sub, _ = alice.call("POST", "/api/drafts/%s/submit" % d["id"],
                               {"revision": 1})
    lost = calls(b)
    print("# calls: draft submit, raise answer lost, found: %r" % lost)
    cases.check(s + "raise answer lost: the submit finds the request",
                st == 201 and sub["issue"]["key"].startswith("ITH-") and
                len(requests_of(dsum)) == 1, (st, sub, lost))
    st, _, sub2, _ = alice.call("POST", "/api/drafts/%s/submit" % d["id"],
                                {"revision": 1})
    cases.check(s + "a repeated submit answers the same request, raised "
                "once", st == 200 and sub2["issue"]["key"] ==
                sub["issue"]["key"] and len(requests_of(dsum)) == 1,
                (st, sub2))
    b = routes()
    st, _, d2, _ = alice.call("POST", "/api/drafts", {
        "project": "ITH", "request_type": WIFI, "summary": dsum + " again",
        "fields": {"Location": "Floor 1"}})
    st, _, sub3, _ = alice.call("POST", "/api/drafts/%s/submit" % d2["id"],
                                {"revision": 1})
    print("# calls: draft preview + submit: %r" % calls(b))
    k3 = (sub3 or {}).get("issue", {}).get("key")
    cases.check(s + "an agent's answered raise carries its submit token",
                st == 201 and "jta.once" in standin.world.issues.get(
                    k3, {}).get("properties", {}), (st, sub3))

    # An agent raising on behalf of a customer, with a participant.
    st, _, r2, _ = alice.call("POST", "/api/requests", {
        "project": "ITH", "request_type": "Get IT help",
        "summary": "Carol needs a monitor", "on_behalf_of":
        "carol@example.com", "participants": ["bob@example.com"]})
    cases.check(s + "an agent raises on behalf of a customer, Bob taking "
                "part", st == 201 and r2["reporter"] == "Carol Customer" and
                standin.world.issues[r2["key"]]["jsm"]["participants"] ==
                ["712020:9d8e7f60-1a2b-4c3d-8e9f-a0b1c2d3e4f5"], (st, r2))

    # A portal-only customer: no Jira licence, no browse permission.
    carol = jtatest.Client(stack, link(stack, CAROL))
    st, _, j, _ = carol.call("GET", "/api/servicedesks")
    cases.check(s + "customer: the desks and request types",
                st == 200 and j["servicedesks"][0]["project"] == "ITH",
                (st, j))
    st, _, e, _ = carol.call("GET", "/api/issues/" + key)
    cases.check(s + "customer: the platform shows them no issue",
                st == 404, (st, e))
    st, _, e, _ = carol.call("POST", "/api/requests", {
        "project": "ITH", "request_type": "Request a new laptop",
        "summary": "New laptop", "on_behalf_of": "alice@example.com",
        "fields": {"Laptop model": "macbook air"}})
    cases.check(s + "customer: on_behalf_of refused naming it",
                st == 422 and e["errors"][0]["field"] == "on_behalf_of",
                (st, e))
    st, _, e, _ = carol.call("POST", "/api/requests", {
        "project": "ITH", "request_type": "Get IT help", "summary": "x",
        "participants": ["bob@example.com"]})
    cases.check(s + "customer: participants refused naming them",
                st == 422 and e["errors"][0]["field"] == "participants",
                (st, e))
    st, _, r3, _ = carol.call("POST", "/api/requests", {
        "project": "ITH", "request_type": "Request a new laptop",
        "summary": "New laptop", "fields": {"Laptop model": "macbook air"}})
    cases.check(s + "customer raises; a required select answered by name",
                st == 201 and r3["status"] == "Waiting for approval" and
                standin.world.issues[r3["key"]]["extra"][
                    "customfield_10022"]["id"] == "10421", (st, r3))
    st, _, j, _ = carol.call("GET", "/api/requests")
    cases.check(s + "customer: their own requests (raised for them too), "
                "not the agent's",
                st == 200 and sorted(x["key"] for x in j["requests"]) ==
                sorted([r3["key"], r2["key"]]), (st, j))
    st, _, j, _ = carol.call("GET", "/api/requests/" + r3["key"])
    cases.check(s + "customer: no SLA shown", st == 200 and j["sla"] == [],
                (st, j))
    st, _, e, _ = carol.call("GET", "/api/requests/" + key)
    cases.check(s + "customer: someone else's request is 404",
                st == 404, (st, e))

    # Comments: public from the customer; internal only from an agent.
    path = "/api/requests/%s/comments" % r3["key"]
    st, _, cm, _ = carol.call("POST", path, {"body": "Any news?"})
    cases.check(s + "customer: a public comment, 201",
                st == 201 and cm["public"] is True, (st, cm))
    st, _, e, _ = carol.call("POST", path, {"body": "psst",
                                            "visibility": "internal"})
    cases.check(s + "customer: an internal comment is 403 naming "
                "visibility", st == 403 and e.get("field") == "visibility",
                (st, e))
    st, _, cm, _ = alice.call("POST", path, {
        "body": "Budget code checked", "visibility": "internal"})
    cases.check(s + "agent: an internal comment, 201",
                st == 201 and cm["public"] is False, (st, cm))
    st, _, j, _ = carol.call("GET", "/api/requests/" + r3["key"])
    cases.check(s + "customer sees the public comment only",
                st == 200 and [x["body"] for x in j["comments"]] ==
                ["Any news?"], (st, j))

    # Approvals waiting for Alice: list, approve (once).
    b = routes()
    st, _, j, _ = alice.call("GET", "/api/requests?mine=approver")
    cases.check(s + "approver: the request waiting for her approval",
                st == 200 and [x["key"] for x in j["requests"]] ==
                [r3["key"]], (st, j))
    st, _, e, _ = carol.call("POST", "/api/requests/%s/approval" %
                             r3["key"], {"decision": "approve"})
    cases.check(s + "customer: no approval waiting for her, 409",
                st == 409 and e.get("field") == "decision", (st, e))
    b = routes()
    st, _, j, _ = alice.call("POST", "/api/requests/%s/approval" % r3["key"],
                             {"decision": "approve"})
    print("# calls: POST /api/requests/{key}/approval: %r" % calls(b))
    cases.check(s + "approver approves: approved, back to the desk",
                st == 200 and j["approval"]["decision"] == "approved" and
                j["status"] == "Waiting for support", (st, j))
    st, _, e, _ = alice.call("POST", "/api/requests/%s/approval" %
                             r3["key"], {"decision": "decline"})
    cases.check(s + "a second answer is 409", st == 409, (st, e))

    # Customer transitions.
    st, _, j, _ = carol.call("GET", "/api/requests/%s/transitions" %
                             r3["key"])
    cases.check(s + "customer transitions: what the portal offers",
                st == 200 and [t["name"] for t in j["transitions"]] ==
                ["Cancel request"], (st, j))
    st, _, e, _ = carol.call("POST", "/api/requests/%s/transitions" %
                             r3["key"], {"to": "Resolve this issue"})
    cases.check(s + "a move not offered is 409 naming the offered ones",
                st == 409 and e.get("field") == "to" and
                e["errors"][0]["allowed"] == ["Cancel request"], (st, e))
    b = routes()
    st, _, j, _ = carol.call("POST", "/api/requests/%s/transitions" %
                             r3["key"], {"to": "cancel request",
                                         "comment": "Got one already"})
    print("# calls: POST /api/requests/{key}/transitions: %r" % calls(b))
    cases.check(s + "customer cancels the request, with a comment",
                st == 200 and j["status"] == "Canceled" and
                j["status_category"] == "done" and
                j["comments"][-1]["body"] == "Got one already", (st, j))


def oldlink(cases, stack, server):
    """A link made with the scopes of before (no JSM scopes): the
    service-desk operations say to link again, the rest works."""
    s = server + ": "
    standin.config(servicedesk=True)
    c = jtatest.Client(stack, link(stack, ALICE))
    st, h, e, _ = c.call("GET", "/api/servicedesks")
    cases.check(s + "old link: a service-desk operation is 401 asking to "
                "link again at the absolute address, naming the scopes",
                st == 401 and stack.base_url + "/oauth/start" in
                e.get("detail", "") and "read:servicedesk-request" in
                e["detail"] and "www-authenticate" in h, (st, h, e))
    st, _, e, _ = c.call("POST", "/api/requests", {
        "project": "ITH", "request_type": WIFI, "summary": "x"})
    cases.check(s + "old link: a raise too", st == 401, (st, e))
    st, _, j, _ = c.call("GET", "/api/issues?project=OPS")
    cases.check(s + "old link: the issue operations still work",
                st == 200 and j["issues"], (st, j))


OLD_SCOPES = ("atlassian_scopes = read:jira-user read:jira-work "
              "write:jira-work offline_access\n")


def local(cases, stack, server):
    """The same flow with the embedded store: request types managed with
    jta-admin requesttype."""
    s = server + ": "
    q = urllib.parse.quote
    for args in (("user", "add", "alice", "--email", "alice@example.com",
                  "--display-name", "Alice Example"),
                 ("project", "add", "DEMO", "Demo project"),
                 ("project", "add", "IT", "IT Help"),
                 ("requesttype", "add", "IT", WIFI, "--description",
                  "Your laptop or phone cannot join or keeps dropping the "
                  "office Wi-Fi network.", "--help-text", "Say which floor "
                  "you are on.", "--fields", "summary,description,priority"),
                 ("requesttype", "add", "IT", "Request a new laptop",
                  "--description", "Order a replacement laptop.")):
        rc, out, err = stack.admin(*args)
        assert rc == 0, (args, out, err)
    rc, out, err = stack.admin("requesttype", "add", "IT", "wi-fi PROBLEM")
    cases.check(s + "local: a second type of the same name is refused",
                rc != 0 and "name" in err, (rc, out, err))
    rc, out, err = stack.admin("requesttype", "add", "IT", "X", "--fields",
                               "summary,colour")
    cases.check(s + "local: an unknown field is refused naming fields",
                rc != 0 and "fields" in err, (rc, out, err))
    rc, out, err = stack.admin("requesttype", "list", "IT")
    cases.check(s + "local: jta-admin requesttype list",
                rc == 0 and [t["name"] for t in json.loads(out)] ==
                [WIFI, "Request a new laptop"], (rc, out, err))
    rc, out, err = stack.admin("key", "create", "alice")
    assert rc == 0, err
    c = jtatest.Client(stack, out.strip())

    st, _, j, _ = c.call("GET", "/api/servicedesks")
    desk = (j or {}).get("servicedesks", [{}])[0]
    cases.check(s + "local: the IT desk and its request types",
                st == 200 and len(j["servicedesks"]) == 1 and
                desk.get("project") == "IT" and desk["name"] == "IT Help" and
                [t["name"] for t in desk["request_types"]] ==
                [WIFI, "Request a new laptop"] and
                desk["request_types"][0]["help_text"] ==
                "Say which floor you are on.", (st, j))
    st, _, j, _ = c.call("GET", "/api/projects")
    ps = {x["key"]: x for x in (j or {}).get("projects", [])}
    cases.check(s + "local: projects mark the desk, not the others",
                st == 200 and ps["IT"].get("servicedesk_id") == "IT" and
                "servicedesk_id" not in ps["DEMO"], (st, j))
    st, _, j, _ = c.call("GET", "/api/projects/IT/fields?request_type=" +
                         q("WI-FI problem"))
    f = {x["id"]: x for x in (j or {}).get("fields", [])}
    cases.check(s + "local: the type's fields in the create screen's "
                "shape", st == 200 and sorted(f) == ["description",
                                                      "priority", "summary"]
                and j["type"] == WIFI and "High" in f["priority"]["allowed"],
                (st, j))
    st, _, e, _ = c.call("GET", "/api/projects/DEMO/fields?request_type=x")
    cases.check(s + "local: a project without request types is no desk",
                st == 404, (st, e))
    st, _, e, _ = c.call("POST", "/api/requests", {
        "project": "IT", "request_type": "Printer"})
    items = {x["field"]: x for x in (e or {}).get("errors", [])}
    cases.check(s + "local: an unknown type, one 422 with the types and "
                "the missing summary", st == 422 and
                items["request_type"]["allowed"] ==
                [WIFI, "Request a new laptop"] and "summary" in items,
                (st, e))
    st, _, e, _ = c.call("POST", "/api/requests", {
        "project": "IT", "request_type": "Request a new laptop",
        "summary": "Laptop", "priority": "High", "on_behalf_of": "bob"})
    items = {x["field"]: x for x in (e or {}).get("errors", [])}
    cases.check(s + "local: fields the type does not ask for and "
                "on_behalf_of are refused together",
                st == 422 and "priority" in items and "on_behalf_of" in items,
                (st, e))
    st, _, e, _ = c.call("POST", "/api/requests", {
        "project": "IT", "request_type": WIFI, "summary": "Wi-Fi",
        "priority": "Urgent"})
    items = {x["field"]: x for x in (e or {}).get("errors", [])}
    cases.check(s + "local: a value not allowed, with the allowed names",
                st == 422 and "High" in items["priority"]["allowed"] and
                items["priority"].get("question"), (st, e))
    st, h, r, _ = c.call("POST", "/api/requests", {
        "project": "IT", "request_type": "wi-fi problem",
        "summary": "Laptop will not join the office Wi-Fi",
        "priority": "high"})
    key = (r or {}).get("key", "")
    cases.check(s + "local: raised, 201, a select answered by name, its "
                "link, Location", st == 201 and key == "IT-1" and
                r["url"].endswith("/browse/IT-1") and
                r["request_type"] == WIFI and r["status_category"] == "new"
                and h.get("location", "").endswith("/api/requests/IT-1"),
                (st, r, h))
    st, _, j, _ = c.call("GET", "/api/issues/IT-1")
    cases.check(s + "local: the priority went by its name",
                st == 200 and j["priority"] == "High", (st, j))
    st, _, j, _ = c.call("GET", "/api/requests?text=" + q("wifi join"))
    cases.check(s + "local: my requests by words",
                st == 200 and [x["key"] for x in j["requests"]] == [key],
                (st, j))
    st, _, j, _ = c.call("GET", "/api/requests?status=closed")
    cases.check(s + "local: the closed filter", st == 200 and
                j["requests"] == [], (st, j))
    # a draft with a request type, submitted exactly once
    st, _, d, _ = c.call("POST", "/api/drafts", {
        "project": "IT", "request_type": "Request a new laptop",
        "summary": "New laptop please"})
    cases.check(s + "local: a draft previews the request type",
                st == 201 and d["preview"]["request_type"] ==
                "Request a new laptop", (st, d))
    st, _, sub, _ = c.call("POST", "/api/drafts/%s/submit" % d["id"],
                           {"revision": 1})
    st2, _, sub2, _ = c.call("POST", "/api/drafts/%s/submit" % d["id"],
                             {"revision": 1})
    cases.check(s + "local: submitted once, the repeat answers the same",
                st == 201 and st2 == 200 and sub["issue"]["key"] == "IT-2"
                and sub2["issue"]["key"] == "IT-2" and
                sub["issue"]["request_type"] == "Request a new laptop",
                (st, sub, st2, sub2))
    st, _, j, _ = c.call("GET", "/api/requests")
    cases.check(s + "local: both requests listed, newest first",
                st == 200 and [x["key"] for x in j["requests"]] ==
                ["IT-2", "IT-1"], (st, j))
    st, _, e, _ = c.call("GET", "/api/requests/DEMO-1")
    cases.check(s + "local: a ticket that is no request is 404",
                st == 404, (st, e))
    # comments, moves, approvals
    st, _, cm, _ = c.call("POST", "/api/requests/IT-1/comments",
                          {"body": "Still down"})
    st2, _, e, _ = c.call("POST", "/api/requests/IT-1/comments",
                          {"body": "x", "visibility": "internal"})
    cases.check(s + "local: a public comment; internal is 403",
                st == 201 and cm["public"] is True and st2 == 403 and
                e.get("field") == "visibility", (st, cm, st2, e))
    st, _, j, _ = c.call("GET", "/api/requests/IT-1")
    cases.check(s + "local: the request with its comment, no SLA",
                st == 200 and [x["body"] for x in j["comments"]] ==
                ["Still down"] and j["sla"] == [], (st, j))
    st, _, j, _ = c.call("GET", "/api/requests/IT-1/transitions")
    cases.check(s + "local: the moves of the workflow",
                st == 200 and [t["name"] for t in j["transitions"]] ==
                ["In Progress"], (st, j))
    st, _, j, _ = c.call("POST", "/api/requests/IT-1/transitions",
                         {"to": "in progress", "comment": "On it"})
    cases.check(s + "local: moved, with the comment",
                st == 200 and j["status"] == "In Progress" and
                j["comments"][-1]["body"] == "On it", (st, j))
    st, _, e, _ = c.call("POST", "/api/requests/IT-1/approval",
                         {"decision": "approve"})
    cases.check(s + "local: no approval waits: 409", st == 409 and
                e.get("field") == "decision", (st, e))
    st, _, j, _ = c.call("GET", "/api/requests?mine=approver")
    cases.check(s + "local: nothing waits for my approval",
                st == 200 and j["requests"] == [], (st, j))
    # intent to request type
    st, _, j, _ = c.call("GET", "/api/similar?request_types=true&text=" +
                         q("my laptop won't join the office Wi-Fi"))
    rt = (j or {}).get("suggestion", {}).get("request_type", {})
    cases.check(s + "local: intent ranks Wi-Fi problem first, with the "
                "past request as evidence",
                st == 200 and rt.get("name") == WIFI and rt["project"] == "IT"
                and rt["evidence"]["requests"] == ["IT-1"], (st, j))
    rc, out, err = stack.admin("audit", "--ticket", "IT-1", "--json")
    rows = json.loads(out) if rc == 0 else []
    cases.check(s + "local: audit names the request type",
                ("create", "request type wi-fi problem") in
                [(x["action"], x["detail"]) for x in rows], (rc, out))
    # request types across languages (README "Request types across
    # languages"): case and diacritics folded, Japanese in bigrams
    # (neither query shares a byte-for-byte word with its type)
    kaffee = "Cafe machine / Kaffeeautomat"
    musen = "\u7121\u7dda LAN\u30fbWi-Fi \u63a5\u7d9a"
    for name, desc in ((kaffee, "Im B\u00dcRO, 3. Stock."),
                       (musen, "\u30ef\u30a4\u30d5\u30a1\u30a4\u306b"
                        "\u7e4b\u304c\u3089\u306a\u3044")):
        rc, out, err = stack.admin("requesttype", "add", "IT", name,
                                   "--description", desc)
        assert rc == 0, (name, out, err)
    for text, want in (("Der Caf\u00e9 im B\u00fcro", kaffee),
                       ("\u30ef\u30a4\u30d5\u30a1\u30a4\u306b\u63a5"
                        "\u7d9a\u3067\u304d\u307e\u305b\u3093", musen)):
        st, _, j, _ = c.call("GET", "/api/similar?request_types=true&text=" +
                             q(text))
        rt = (j or {}).get("suggestion", {}).get("request_type", {})
        cases.check(s + "local: %r finds the request type %r" % (text, want),
                    st == 200 and rt.get("name") == want and
                    j["request_types"][0]["name"] == want, (st, j))
    rc, out, err = stack.admin("requesttype", "remove", "IT", WIFI)
    cases.check(s + "local: a type with requests stays", rc != 0, (rc, err))
    # access rules by desk (a desk is its project)
    rc, out, err = stack.admin("deny", "project", "IT", "--for", "create")
    assert rc == 0, (out, err)
    st, _, j, _ = c.call("GET", "/api/servicedesks")
    cases.check(s + "local: a desk the rules close for creating is not "
                "listed", st == 200 and j["servicedesks"] == [], (st, j))
    st, _, j, _ = c.call("GET", "/api/similar?request_types=true&text=" +
                         q("office wifi laptop"))
    cases.check(s + "local: ... nor suggested", st == 200 and
                j["request_types"] == [] and
                "request_type" not in j["suggestion"], (st, j))
    st, _, e, _ = c.call("POST", "/api/requests", {
        "project": "IT", "request_type": WIFI, "summary": "x"})
    cases.check(s + "local: ... and raising there is 403 naming the rule",
                st == 403 and e.get("field") == "project", (st, e))
    st, _, j, _ = c.call("GET", "/api/requests/IT-1")
    cases.check(s + "local: reading my request there still works",
                st == 200, (st, j))


if __name__ == "__main__":
    try:
        jtatest.run_modes([("jira", jira, conf),
                           ("oldlink", oldlink,
                            lambda st: conf(st, extra=OLD_SCOPES)),
                           ("local", local, None)], "sd")
    finally:
        standin.stop()
