"""GET /api/similar and GET /api/users, and the 100,000-character response
cap, over real HTTP under nginx and Apache, with the embedded store and
with Jira (the Atlassian stand-in): the right tickets first, the majority
suggestion with its evidence, Jira's visibility kept, users by a part of
their name or email, bad input named by field, and a huge issue answered
under the cap.  Standard library only."""

import os
import sys
import tempfile
import traceback
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import jtatest  # noqa: E402
from jtatest import Client  # noqa: E402
import test_jira as tj  # noqa: E402  (its stand-in, conf and consent)
from atlassian import BOB  # noqa: E402  (path set by test_jira)

BOB_ID = BOB["account_id"]

CAP = 100000
MARKER = " more characters not shown]"


def q(path, **params):
    return path + "?" + urllib.parse.urlencode(params)


def chars(raw):
    """The answer's length in Unicode characters."""
    return len(raw.decode("utf-8"))


def keys(j):
    return [x["key"] for x in (j or {}).get("similar", [])]


def bad_input(c, s, client):
    for path, field, why in (
            (q("/api/similar"), "text", "missing text"),
            (q("/api/similar", text=""), "text", "empty text"),
            (q("/api/similar", text="x" * 257), "text", "oversized text"),
            (q("/api/similar", text="vpn", limit=0), "limit", "limit 0"),
            (q("/api/similar", text="vpn", limit=21), "limit", "limit 21"),
            (q("/api/similar", text="vpn", limit="abc"), "limit",
             "limit abc"),
            (q("/api/similar", text="vpn", project="no such"), "project",
             "bad project"),
            (q("/api/similar", text="vpn", colour="red"), "colour",
             "unknown parameter"),
            (q("/api/users"), "query", "users: missing query"),
            (q("/api/users", query="a" * 255), "query",
             "users: oversized query"),
            (q("/api/users", query="al", limit=51), "limit",
             "users: limit 51"),
            (q("/api/users", query="al", limit=0), "limit",
             "users: limit 0")):
        st, h, j, _ = client.call("GET", path)
        c.check(s + "%s is 4xx problem+json naming %s" % (why, field),
                st is not None and 400 <= st < 500 and
                h.get("content-type") == "application/problem+json" and
                (j or {}).get("field") == field, (st, j))
    st, h, _, _ = client.call("POST", q("/api/similar", text="vpn"))
    c.check(s + "similar: POST is 405 with Allow",
            st == 405 and "GET" in h.get("allow", ""), (st, h))
    st, _, _, _ = Client(client.stack).call("GET", q("/api/users",
                                                     query="al"))
    c.eq(s + "users: no key is 401", st, 401)


def capped(c, s, client, key, what):
    st, h, j, raw = client.call("GET", "/api/issues/" + key)
    c.check(s + "%s: the answer is 200 JSON" % what,
            st == 200 and j is not None, (st, raw[:300]))
    c.check(s + "%s: under 100,000 characters" % what,
            chars(raw) < CAP, chars(raw))
    c.check(s + "%s: says it was truncated, with the marker" % what,
            j is not None and j.get("truncated") is True and
            MARKER in raw.decode("utf-8"), (raw[:200], raw[-200:]))
    return j


# ---- the embedded store ----

def local(c, stack, s):
    stack.admin("init")
    for args in (("user", "add", "alice", "--email", "alice@example.com",
                  "--display-name", "Alice Example"),
                 ("user", "add", "bob", "--email", "bob@corp.example",
                  "--display-name", "Bob Builder"),
                 ("user", "add", "carol"),
                 ("project", "add", "DEMO", "Demo project"),
                 ("project", "add", "OPS", "Operations", "--types",
                  "Incident,Task")):
        rc, out, err = stack.admin(*args)
        assert rc == 0, (args, out, err)
    rc, out, err = stack.admin("key", "create", "alice")
    assert rc == 0, err
    alice = Client(stack, out.strip())

    made = {}
    for name, body in (
            ("drops", {"project": "OPS", "type": "Incident",
                       "priority": "High", "labels": ["vpn", "network"],
                       "summary": "VPN tunnel drops every 30 minutes"}),
            ("remote", {"project": "OPS", "type": "Incident",
                        "priority": "High", "labels": ["vpn"],
                        "summary": "VPN disconnects for remote staff",
                        "description": "The tunnel drops after the "
                                       "firewall upgrade."}),
            ("cert", {"project": "OPS", "type": "Task",
                      "priority": "Medium", "labels": ["vpn"],
                      "summary": "Renew the VPN certificate"}),
            ("printer", {"project": "DEMO", "priority": "Low",
                         "labels": ["printer"],
                         "summary": "Printer on floor 3 is jammed"}),
            ("coffee", {"project": "DEMO", "priority": "Low",
                        "summary": "Coffee machine is broken"})):
        st, _, j, _ = alice.call("POST", "/api/issues", body)
        assert st == 201, (st, j)
        made[name] = j["key"]

    st, _, j, _ = alice.call("GET", q("/api/similar",
                                      text="The VPN tunnel keeps dropping"))
    got = keys(j)
    c.check(s + "local similar: the tunnel tickets first, then the other "
            "VPN one, nothing unrelated",
            st == 200 and sorted(got[:2]) == sorted([made["drops"],
                                                     made["remote"]]) and
            got[2:] == [made["cert"]], (st, j))
    row = (j or {}).get("similar", [{}])[0]
    c.check(s + "local similar: each row has the contract's members",
            set(row) == {"key", "summary", "status", "project", "type",
                         "priority", "labels", "components", "updated",
                         "url", "score"} and
            row["url"] == stack.base_url + "/browse/" + row["key"] and
            row["components"] == [], row)
    sg = (j or {}).get("suggestion", {})
    c.check(s + "local similar: suggests OPS with 3 of 3 votes and the "
            "evidence keys",
            sg.get("project", {}).get("value") == "OPS" and
            sg["project"]["votes"] == 3 and sg["project"]["of"] == 3 and
            sorted(sg["project"]["evidence"]) ==
            sorted([made["drops"], made["remote"], made["cert"]]), sg)
    c.check(s + "local similar: type and priority by majority",
            sg.get("type", {}).get("value") == "Incident" and
            sg["type"]["votes"] == 2 and
            sg.get("priority", {}).get("value") == "High" and
            sorted(sg["priority"]["evidence"]) ==
            sorted([made["drops"], made["remote"]]), sg)
    c.check(s + "local similar: labels with 2+ votes only; no components",
            [x["value"] for x in sg.get("labels", [])] == ["vpn"] and
            sg["labels"][0]["votes"] == 3 and "components" not in sg, sg)

    st, _, j, _ = alice.call("GET", q("/api/similar", text="vpn printer",
                                      project="DEMO"))
    c.check(s + "local similar: project narrows the search",
            st == 200 and keys(j) == [made["printer"]], j)
    st, _, j, _ = alice.call("GET", q("/api/similar", text="vpn tunnel",
                                      limit=1))
    c.check(s + "local similar: limit=1; one ticket is its own majority",
            st == 200 and len(keys(j)) == 1 and
            j["suggestion"]["project"]["of"] == 1, j)
    st, _, j, _ = alice.call("GET", q("/api/similar", text="submarine"))
    c.check(s + "local similar: nothing found, nothing suggested",
            st == 200 and j == {"similar": [], "suggestion": {}}, j)
    st, _, j, _ = alice.call("GET", q("/api/similar",
                                      text='vpn" OR * NEAR( ^x :y'))
    c.check(s + "local similar: FTS5 syntax in the text is plain words",
            st == 200 and made["drops"] in keys(j), (st, j))
    st, _, j, _ = alice.call("GET", q("/api/similar", text="the an of it"))
    c.check(s + "local similar: only stop words is 422 naming text",
            st == 422 and j["field"] == "text", (st, j))

    for query, want in (("ali", ["alice"]), ("BUILDER", ["bob"]),
                        ("corp.example", ["bob"]), ("ALICE@ex", ["alice"]),
                        ("zzz", [])):
        st, _, j, _ = alice.call("GET", q("/api/users", query=query))
        c.check(s + "local users: %r finds %s" % (query, want),
                st == 200 and [u["id"] for u in j["users"]] == want, j)
    st, _, j, _ = alice.call("GET", q("/api/users", query="bob"))
    c.check(s + "local users: id, display name, email",
            st == 200 and j["users"] == [{"id": "bob",
                                          "name": "Bob Builder",
                                          "email": "bob@corp.example"}], j)
    st, _, j, _ = alice.call("GET", q("/api/users", query="carol"))
    c.check(s + "local users: no email member when there is none",
            st == 200 and j["users"] == [{"id": "carol", "name": "carol"}],
            j)
    st, _, j, _ = alice.call("GET", q("/api/users", query="o", limit=1))
    c.check(s + "local users: limit", st == 200 and len(j["users"]) == 1, j)

    bad_input(c, s + "local ", alice)

    # The cap: input limits keep each comment under 32 KiB, so a ticket
    # with five long comments makes an answer of 140,000+ characters.
    st, _, j, _ = alice.call("POST", "/api/issues", {
        "project": "OPS", "summary": "Long thread", "type": "Task",
        "description": "d\u00e9but " * 4000})
    big = j["key"]
    text = "abcd \u00e9 " * 4000      # 28,000 characters, 32,000 bytes
    for _ in range(5):
        st, _, _, _ = alice.call("POST", "/api/issues/%s/comments" % big,
                                 {"body": text})
        assert st == 201, st
    j = capped(c, s + "local ", alice, big, "an issue with long comments")
    c.check(s + "local cap: the comments begin as written, and all are "
            "there", j is not None and len(j["comments"]) == 5 and
            all(x["body"].startswith("abcd \u00e9 abcd") for x in
                j["comments"]) and j["summary"] == "Long thread", j and
            j.get("comments_omitted"))


# ---- Jira ----

def jira(c, stack, s):
    st, page, _ = tj.consent(c, stack, s)
    m = tj.KEY_RE.search(page or "")
    if not c.check(s + "jira: a linked person", st == 200 and m, page):
        return
    alice = Client(stack, m.group(1))
    made = []
    for summary in ("VPN tunnel drops again", "VPN tunnel slow at night"):
        st, _, j, _ = alice.call("POST", "/api/issues", {
            "project": "OPS", "type": "Bug", "priority": "High",
            "labels": ["vpn"], "summary": summary})
        assert st == 201, (st, j)
        made.append(j["key"])
    w = tj.standin.world
    with w.lock:
        for k in made + ["OPS-1"]:
            w.issues[k]["components"] = ["10301"]  # OPS: VPN

    st, _, j, _ = alice.call("GET", q("/api/similar",
                                      text="vpn tunnel drops"))
    got = keys(j)
    c.check(s + "jira similar: the VPN tickets first, best match first",
            st == 200 and got[0] == made[0] and
            sorted(got[:3]) == sorted(made + ["OPS-1"]), (st, j))
    row = (j or {}).get("similar", [{}])[0]
    c.check(s + "jira similar: rows carry components, labels, url, score",
            row.get("components") == ["VPN"] and row.get("labels") ==
            ["vpn"] and row.get("project") == "OPS" and
            row.get("url", "") == tj.standin.world.site_url("acme") +
            "/browse/" + made[0] and
            row.get("score") == 1, row)
    sg = (j or {}).get("suggestion", {})
    c.check(s + "jira similar: suggests OPS, Bug, High by majority",
            sg.get("project", {}).get("value") == "OPS" and
            sg["project"]["votes"] >= 3 and
            sg.get("type", {}).get("value") == "Bug" and
            sg.get("priority", {}).get("value") == "High", sg)
    comp = sg.get("components", [{}])[0]
    c.check(s + "jira similar: components and labels with evidence",
            comp.get("value") == "VPN" and comp.get("votes") == 3 and
            sorted(comp.get("evidence", [])) == sorted(made + ["OPS-1"]) and
            sg.get("labels", [{}])[0].get("value") == "vpn", sg)
    # Jira's text search also looks in descriptions and comments; a match
    # there alone scores 0 (words counted in summary, labels and
    # components): it is no similar ticket and has no vote.
    st, _, j, _ = alice.call("POST", "/api/issues", {
        "project": "OPS", "type": "Bug", "summary": "Quarterly review",
        "description": "The zeppelin hangar needs a new roof."})
    assert st == 201, (st, j)
    st, _, j, _ = alice.call("GET", q("/api/similar",
                                      text="zeppelin floats"))
    c.check(s + "jira similar: a ticket scoring 0 is left out and does "
            "not vote", st == 200 and j == {"similar": [],
                                            "suggestion": {}}, (st, j))
    st, _, j, _ = alice.call("GET", q("/api/similar",
                                      text="vpn tunnel zeppelin"))
    c.check(s + "jira similar: no row scores 0 beside real matches",
            st == 200 and keys(j) and all(r["score"] > 0 for r in
                                          j["similar"]) and
            j["suggestion"].get("project", {}).get("value") == "OPS", (st, j))
    st, _, j, _ = alice.call("GET", q("/api/similar", text="vpn safari",
                                      project="SUP"))
    c.check(s + "jira similar: project narrows the search",
            st == 200 and keys(j) == ["SUP-2"], j)

    st, _, j, _ = alice.call("GET", q("/api/similar",
                                      text="safari login blank"))
    c.check(s + "jira similar: finds SUP-2 while SUP is visible",
            st == 200 and keys(j)[:1] == ["SUP-2"], j)
    tj.standin.config(hidden_projects=["SUP"])
    st, _, j, _ = alice.call("GET", q("/api/similar",
                                      text="safari login blank"))
    c.check(s + "jira similar: a project the person cannot see gives "
            "nothing", st == 200 and not any(k.startswith("SUP-")
                                             for k in keys(j)), j)
    tj.standin.config(hidden_projects=[])

    with w.lock:
        w.people["557058:app-alice-bot"] = {
            "account_id": "557058:app-alice-bot", "name": "Alice Bot",
            "email": "", "accountType": "app"}
        w.people["712020:gone"] = {
            "account_id": "712020:gone", "name": "Alicia Gone",
            "email": "alicia@example.com", "active": False}
        w.people[BOB_ID]["email_hidden"] = True
    st, _, j, _ = alice.call("GET", q("/api/users", query="ali"))
    c.check(s + "jira users: by name; apps and inactive accounts left out",
            st == 200 and j["users"] == [{
                "id": "712020:2f6a8c31-5b4e-4d7a-9c1e-0a1b2c3d4e5f",
                "name": "Alice Example", "email": "alice@example.com"}], j)
    st, _, j, _ = alice.call("GET", q("/api/users", query="bob@example"))
    c.check(s + "jira users: by email; a hidden email is not shown",
            st == 200 and j["users"] == [{"id": BOB_ID,
                                          "name": "Bob Builder"}], j)

    bad_input(c, s + "jira ", alice)

    # A 300,000-character description: only Jira can hold one (our own
    # input limit is JTA_LIMIT_DESCRIPTION).  Its Markdown is already cut
    # at 100,000 bytes (JTA_LIMIT_ADF_MARKDOWN); the rest of the issue
    # takes the answer over the cap.
    with w.lock:
        w.issues["OPS-2"]["description"] = {
            "type": "doc", "version": 1, "content": [
                {"type": "paragraph", "content": [
                    {"type": "text", "text": "summer " * 42858}]}]}
    j = capped(c, s + "jira ", alice, "OPS-2", "a 300,000-character "
               "description")
    c.check(s + "jira cap: the description begins as written",
            j is not None and j["description"].startswith("summer summer")
            and j["key"] == "OPS-2", j and j.get("description", "")[:50])


def main():
    cases = jtatest.Cases()
    try:
        for server in ("nginx", "apache"):
            for mode, test, extra in (("local", local, None),
                                      ("jira", jira, tj.conf)):
                work = tempfile.mkdtemp(prefix="jta-sim-%s-" % server)
                stack = harness.Stack(server, jtatest.BUILDDIR,
                                      jtatest.SRCDIR, work, extra)
                try:
                    stack.start()
                    test(cases, stack, server + ": ")
                except Exception:
                    traceback.print_exc()
                    cases.check("%s %s: test ran to the end" % (server, mode),
                                False)
                finally:
                    stack.stop()
                bad = jtatest.logs_clean(stack)
                cases.check("%s %s: no sanitizer report or crash in the "
                            "logs" % (server, mode), not bad,
                            "\n".join(bad[:10]))
                jtatest.keep_if_failed(cases, work)
    finally:
        tj.standin.stop()
    cases.finish()


if __name__ == "__main__":
    main()
