"""Every endpoint of the ticket API over real HTTP, under nginx and Apache:
the happy paths and their error cases."""

import concurrent.futures
import json

from jtatest import Client, run


def setup(stack):
    stack.admin("init")
    for args in (("user", "add", "alice", "--email", "alice@example.com",
                  "--display-name", "Alice Example"),
                 ("user", "add", "bob"),
                 ("project", "add", "DEMO", "Demo project"),
                 ("project", "add", "OPS", "Operations", "--types",
                  "Incident,Task")):
        rc, out, err = stack.admin(*args)
        assert rc == 0, (args, out, err)
    keys = {}
    for user in ("alice", "bob"):
        rc, out, err = stack.admin("key", "create", user)
        assert rc == 0, err
        keys[user] = out.strip()
    return Client(stack, keys["alice"]), Client(stack, keys["bob"])


def test(c, stack, server):
    s = server + ": "
    alice, bob = setup(stack)
    anon = Client(stack)

    st, h, j, _ = anon.call("GET", "/healthz")
    c.eq(s + "healthz is 200", st, 200)
    c.check(s + "healthz says ok and schema current",
            j and j["status"] == "ok" and
            j["schema_version"] == j["schema_expected"], j)
    c.check(s + "healthz names the database",
            j and j["database"] == {
                "engine": "sqlite", "reachable": True,
                "schema_version": j["schema_version"],
                "schema_expected": j["schema_expected"]}, j)

    # The request's parameters, however many (jta_fcgi indexes up to
    # 128 by name length, FCGX_GetParam past that): a header whose name
    # begins with one we read (HTTP_AUTHORIZATION_X) sent before it, and
    # pads, change nothing; a request without the key is still 401.
    # The shipped Apache site takes at most 50 header fields
    # (LimitRequestFields), so past 128 parameters only under nginx.
    _, _, _, plain = alice.call("GET", "/api/issues?limit=5")
    for pads in (0, 20, 140 if server == "nginx" else 44):
        h = {"Authorization-X": "Bearer jta_000000000000_" + "A" * 43}
        h.update(("X-Pad-%d" % i, "p%d" % i) for i in range(pads))
        st, _, _, body = alice.call("GET", "/api/issues?limit=5",
                                    headers=h)
        c.check(s + "search with %d more headers answers the same bytes"
                % (pads + 1), st == 200 and body == plain, (st, body))
        st, _, _, _ = anon.call("GET", "/api/issues?limit=5", headers=h)
        c.eq(s + "no key with %d more headers is 401" % (pads + 1), st,
             401)

    # Authentication.
    st, h, j, _ = anon.call("GET", "/api/me")
    c.eq(s + "no key is 401", st, 401)
    c.check(s + "401 carries WWW-Authenticate Bearer",
            h.get("www-authenticate", "").startswith("Bearer"), h)
    c.check(s + "401 is problem+json naming Authorization",
            h.get("content-type") == "application/problem+json" and
            j["field"] == "Authorization", (h, j))
    st, _, j, _ = Client(stack, "jta_000000000000_" + "A" * 43).call(
        "GET", "/api/me")
    c.eq(s + "unknown key is 401", st, 401)
    st, _, _, _ = Client(stack, "not-a-key").call("GET", "/api/me")
    c.eq(s + "malformed key is 401", st, 401)
    # RFC 6750 §3: a bearer token that was sent and refused is
    # invalid_token; §3.1: no error code when none was sent (nor one of
    # another scheme).  /api/tickets/ answers its own error shape, with
    # the same header.
    # RFC 9728 §5.1: and where the resource's metadata is.
    tail = (', resource_metadata="%s/.well-known/oauth-protected-resource"'
            ', scope="tickets"' % stack.base_url)
    realm = 'Bearer realm="jta"' + tail
    bad = 'Bearer realm="jta", error="invalid_token"' + tail
    for path in ("/api/me", "/api/tickets/"):
        for who, hdrs, want in (
                ("no Authorization", {}, realm),
                ("a Basic one", {"Authorization": "Basic YWxpY2U6eA=="},
                 realm),
                ("an unknown key", {"Authorization": "Bearer jta_0000000"
                                    "00000_" + "A" * 43}, bad),
                ("a malformed key", {"Authorization": "Bearer not-a-key"},
                 bad),
                ("an unknown access token", {"Authorization": "Bearer "
                                             "jta_at_" + "x" * 43}, bad)):
            st, h, j, _ = anon.call("GET", path, headers=hdrs)
            c.check(s + "%s with %s: 401, WWW-Authenticate: %s" % (
                path, who, want), st == 401 and
                h.get("www-authenticate") == want, (st, h, j))
    st, _, j, _ = alice.call("GET", "/api/me",
                             headers={"Authorization": "bearer " +
                                      alice.key})
    c.eq(s + "auth scheme is case-insensitive", st, 200)
    st, _, j, _ = alice.call("GET", "/api/me")
    c.check(s + "me names alice", st == 200 and j["name"] == "alice" and
            j["email"] == "alice@example.com", j)
    st, _, j, _ = alice.call("GET", "/api/me?x=1")
    c.eq(s + "me refuses an unknown parameter", st, 400)

    st, _, j, _ = alice.call("GET", "/api/projects")
    c.check(s + "projects lists both with types and priorities",
            st == 200 and [p["key"] for p in j["projects"]] == ["DEMO", "OPS"]
            and j["projects"][1]["types"] == ["Incident", "Task"] and
            "High" in j["projects"][0]["priorities"], j)

    # Create.
    st, h, j, _ = alice.call("POST", "/api/issues", {
        "project": "DEMO", "summary": "Printer on floor 3 is jammed",
        "type": "bug", "priority": "high", "labels": ["printer", "floor3"],
        "description": "It **jams** on every page.\n\n- tray 2"})
    c.eq(s + "create is 201", st, 201)
    c.check(s + "create answers the issue, canonical names",
            j and j["key"] == "DEMO-1" and j["type"] == "Bug" and
            j["priority"] == "High" and j["status"] == "Open" and
            j["reporter"] == "alice" and j["labels"] == ["floor3", "printer"],
            j)
    c.check(s + "create sets Location to the API's issue; url is the "
            "ticket's page for people",
            h.get("location") == stack.base_url + "/api/issues/DEMO-1" and
            j["url"] == stack.base_url + "/browse/DEMO-1", (h, j))
    for i, (proj, summ, extra) in enumerate((
            ("DEMO", "VPN drops every hour", {"assignee": "bob"}),
            ("DEMO", "Laptop battery swollen", {"priority": "Highest"}),
            ("OPS", "Disk full on db1", {"type": "Incident"}),
            ("DEMO", "Request a second monitor", {"type": "Story"}))):
        body = {"project": proj, "summary": summ}
        body.update(extra)
        st, _, j, _ = (bob if i == 3 else alice).call("POST", "/api/issues",
                                                      body)
        c.eq(s + "create %s" % summ, st, 201)
    st, _, j, _ = alice.call("POST", "/oauth/issues", {
        "project": "OPS", "summary": "Created through /oauth/issues"})
    c.check(s + "/oauth/issues creates too", st == 201 and
            j["key"] == "OPS-2", j)

    st, _, j, _ = alice.call("POST", "/api/issues",
                             {"project": "NOPE", "summary": "x"})
    c.check(s + "unknown project is 422 naming project",
            st == 422 and j["field"] == "project", (st, j))
    st, _, j, _ = alice.call("POST", "/api/issues",
                             {"project": "OPS", "summary": "x",
                              "type": "Bug"})
    c.check(s + "type outside the project is 422 listing allowed",
            st == 422 and j["field"] == "type" and "Incident" in j["detail"],
            (st, j))
    st, _, j, _ = alice.call("POST", "/api/issues",
                             {"project": "DEMO", "summary": "x",
                              "assignee": "carol"})
    c.check(s + "unknown assignee is 422", st == 422 and
            j["field"] == "assignee", (st, j))
    st, _, j, _ = alice.call("POST", "/api/issues", {"project": "DEMO"})
    c.check(s + "missing summary is 422 naming it",
            st == 422 and j["field"] == "summary", (st, j))

    # Read, edit, comment.
    st, _, j, _ = alice.call("GET", "/api/issues/DEMO-1")
    c.check(s + "get has description and empty comments",
            st == 200 and j["description"].startswith("It **jams**") and
            j["comments"] == [] and j["comment_count"] == 0, j)
    st, _, j, _ = alice.call("GET", "/api/issues/demo-1")
    c.check(s + "keys are case-insensitive", st == 200 and
            j["key"] == "DEMO-1", j)
    st, _, j, _ = alice.call("GET", "/api/issues/DEMO-99")
    c.check(s + "missing issue is 404", st == 404 and j["field"] == "key",
            (st, j))
    st, _, j, _ = alice.call("GET", "/api/issues/not-a-key")
    c.eq(s + "malformed key is 404", st, 404)
    st, _, j, _ = alice.call("PATCH", "/api/issues/DEMO-1", {
        "assignee": "bob", "priority": "Low", "labels": ["hardware"],
        "summary": "Printer on floor 3 jams"})
    c.check(s + "patch changes the fields sent",
            st == 200 and j["assignee"] == "bob" and j["priority"] == "Low"
            and j["labels"] == ["hardware"] and
            j["summary"] == "Printer on floor 3 jams" and
            j["type"] == "Bug", j)
    st, _, j, _ = alice.call("PATCH", "/api/issues/DEMO-1",
                             {"assignee": None, "labels": None})
    c.check(s + "patch null clears assignee and labels",
            st == 200 and j["assignee"] is None and j["labels"] == [], j)
    st, _, j, _ = alice.call("PATCH", "/api/issues/DEMO-1", {})
    c.eq(s + "empty patch is 422", st, 422)
    st, _, j, _ = alice.call("PATCH", "/api/issues/DEMO-1",
                             {"status": "Closed"})
    c.check(s + "status is not editable by patch (400 names it)",
            st == 400 and j["field"] == "status", (st, j))
    st, _, j, _ = alice.call("POST", "/api/issues/DEMO-1/comments",
                             {"body": "Toner replaced.\nWatching it."})
    c.check(s + "comment is 201 with author", st == 201 and
            j["author"] == "alice" and j["body"].endswith("Watching it."),
            (st, j))
    bob.call("POST", "/api/issues/DEMO-1/comments", {"body": "Thanks"})
    st, _, j, _ = alice.call("GET", "/api/issues/DEMO-1")
    c.check(s + "get shows both comments in order",
            j["comment_count"] == 2 and
            [x["author"] for x in j["comments"]] == ["alice", "bob"], j)
    st, _, j, _ = alice.call("POST", "/api/issues/DEMO-1/comments",
                             {"body": ""})
    c.eq(s + "empty comment is 422", st, 422)
    st, h, j, _ = alice.call("GET", "/api/issues/DEMO-1/comments")
    c.check(s + "GET comments is 405 with Allow: POST",
            st == 405 and h.get("allow") == "POST", (st, h))

    # Transitions.
    st, _, j, _ = alice.call("GET", "/api/issues/DEMO-1/transitions")
    c.check(s + "transitions from Open", st == 200 and
            j["transitions"] == [{"to": "In Progress"}], j)
    st, _, j, _ = alice.call("POST", "/api/issues/DEMO-1/transitions",
                             {"to": "resolved"})
    c.check(s + "Open to Resolved is 409 naming the allowed move",
            st == 409 and "In Progress" in j["detail"], (st, j))
    st, _, j, _ = alice.call("POST", "/api/issues/DEMO-1/transitions",
                             {"to": "Nowhere"})
    c.check(s + "unknown status is 422", st == 422 and j["field"] == "to",
            (st, j))
    for to in ("In Progress", "Resolved", "Closed", "Open"):
        st, _, j, _ = alice.call("POST", "/api/issues/DEMO-1/transitions",
                                 {"to": to})
        c.check(s + "move to %s" % to, st == 200 and j["status"] == to,
                (st, j))

    # Search.
    def keys(q):
        st, _, j, _ = alice.call("GET", "/api/issues" + q)
        return st, sorted(i["key"] for i in j["issues"]) if st == 200 else j

    c.eq(s + "search text over summary", keys("?text=vpn"),
         (200, ["DEMO-2"]))
    c.eq(s + "search text over comments", keys("?text=toner"),
         (200, ["DEMO-1"]))
    c.eq(s + "search text with FTS syntax is plain words",
         keys("?text=%22printer%22%20OR%20NEAR(x"), (200, []))
    c.eq(s + "search by project", keys("?project=OPS"),
         (200, ["OPS-1", "OPS-2"]))
    c.eq(s + "search by type", keys("?type=story"), (200, ["DEMO-4"]))
    c.eq(s + "search by priority", keys("?priority=Highest"),
         (200, ["DEMO-3"]))
    c.eq(s + "search by assignee", keys("?assignee=bob"), (200, ["DEMO-2"]))
    c.eq(s + "search mine=reported as bob", (lambda r: (
        r[0], sorted(i["key"] for i in r[2]["issues"])))(
            bob.call("GET", "/api/issues?mine=reported")), (200, ["DEMO-4"]))
    c.eq(s + "search mine=assigned as bob", (lambda r: (
        r[0], sorted(i["key"] for i in r[2]["issues"])))(
            bob.call("GET", "/api/issues?mine=assigned")), (200, ["DEMO-2"]))
    c.eq(s + "search by status", keys("?status=open&project=OPS"),
         (200, ["OPS-1", "OPS-2"]))
    c.eq(s + "search created range", keys("?created_after=2000-01-01&"
                                          "created_before=2001-01-01"),
         (200, []))
    st, _, j, _ = alice.call("GET", "/api/issues?limit=1")
    c.check(s + "slim rows carry exactly the slim fields",
            st == 200 and set(j["issues"][0]) == {
                "key", "url", "summary", "status", "type", "priority",
                "assignee", "reporter", "created", "updated"}, j)
    seen, cursor, pages = [], None, 0
    while pages < 10:
        q = "?limit=2&order=created" + ("&cursor=" + cursor if cursor else "")
        st, _, j, _ = alice.call("GET", "/api/issues" + q)
        if st != 200:
            break
        seen += [i["key"] for i in j["issues"]]
        pages += 1
        cursor = j["next_cursor"]
        if not cursor:
            break
    c.check(s + "cursor pages return every issue exactly once",
            sorted(seen) == sorted(set(seen)) and len(seen) == 6 and
            pages == 3, (pages, seen))
    st, _, j, _ = alice.call("GET", "/api/issues?cursor=bm9wZQ")
    c.check(s + "bad cursor is 400 naming cursor", st == 400 and
            j["field"] == "cursor", (st, j))
    st, _, j, _ = alice.call("GET", "/api/issues?limit=51")
    c.check(s + "limit over 50 is 422", st == 422 and j["field"] == "limit",
            (st, j))
    st, h, _, raw = alice.call("HEAD", "/api/issues")
    c.check(s + "HEAD answers headers only", st == 200 and raw == b"",
            (st, raw[:50]))
    st, h, j, _ = alice.call("DELETE", "/api/issues")
    c.check(s + "DELETE on the collection is 405 with Allow",
            st == 405 and "POST" in h.get("allow", ""), (st, h))
    st, _, j, _ = alice.call("GET", "/oauth/issues?project=OPS")
    c.check(s + "/oauth/issues searches too", st == 200 and
            len(j["issues"]) == 2, j)

    # /api/tickets/ (the seed's API shapes).
    st, h, j, _ = alice.call("POST", "/api/tickets/", {
        "title": "Ticket API create", "description": "plain"})
    c.check(s + "tickets create 201 with the five fields",
            st == 201 and set(j) == {"id", "title", "description", "created",
                                     "resolution_status"} and
            j["resolution_status"] == "OPEN", (st, j))
    tid = j["id"]
    st, _, j, _ = alice.call("GET", "/api/tickets/%d/" % tid)
    c.check(s + "tickets retrieve", st == 200 and
            j["title"] == "Ticket API create", j)
    st, _, j, _ = alice.call("PATCH", "/api/tickets/%d/" % tid,
                             {"resolution_status": "RESOLVED"})
    c.check(s + "tickets patch status", st == 200 and
            j["resolution_status"] == "RESOLVED", j)
    st, _, j, _ = alice.call("PUT", "/api/tickets/%d/" % tid,
                             {"title": "Zebrafish tank", "description": "d"})
    c.check(s + "tickets put", st == 200 and j["title"] == "Zebrafish tank",
            j)
    st, _, j, _ = alice.call("PUT", "/api/tickets/%d/" % tid,
                             {"description": "no title"})
    c.check(s + "tickets put without title is 400 {title: [...]}",
            st == 400 and "title" in j, (st, j))
    st, _, j, _ = alice.call("PATCH", "/api/tickets/%d/" % tid,
                             {"resolution_status": "DONE"})
    c.check(s + "tickets unsupported status is 422 naming allowed",
            st == 422 and "CLOSED" in j["resolution_status"][0], (st, j))
    st, _, j, _ = alice.call("POST", "/api/tickets/", {
        "title": "x", "foo": 1, "bar": 2})
    c.check(s + "tickets unexpected fields 400 listing them",
            st == 400 and "foo" in j["detail"] and "bar" in j["detail"],
            (st, j))
    st, _, j, _ = alice.call("GET", "/api/tickets/123456/")
    c.check(s + "tickets 404 message",
            st == 404 and j == {"detail": "Ticket with id '123456' was "
                                "not found."}, (st, j))
    st, _, j, _ = anon.call("GET", "/api/tickets/")
    c.check(s + "tickets 401 is {detail}", st == 401 and "detail" in j,
            (st, j))
    st, _, j, _ = alice.call("GET", "/api/tickets/?page_size=3")
    c.check(s + "tickets page 1 has next, no previous",
            st == 200 and j["count"] == 7 and len(j["results"]) == 3 and
            j["previous"] is None and j["next"].endswith(
                "/api/tickets/?page_size=3&page=2"), j)
    st, _, j, _ = alice.call("GET", "/api/tickets/?page_size=3&page=3")
    c.check(s + "tickets last page has previous, no next",
            st == 200 and len(j["results"]) == 1 and j["next"] is None and
            j["previous"].endswith("page=2"), j)
    st, _, j, _ = alice.call("GET", "/api/tickets/?page_size=" + "9" * 30)
    c.check(s + "tickets a page_size that is no number we can hold is 400",
            st == 400 and "page_size" in j, (st, j))
    st, _, j, _ = alice.call("GET", "/api/tickets/?page=9")
    c.eq(s + "tickets page past the end is 404", st, 404)
    st, _, j, _ = alice.call("GET", "/api/tickets/?id__in=1,2&ordering=id")
    c.check(s + "tickets unknown ordering is 400 {ordering: [...]}",
            st == 400 and "ordering" in j, (st, j))
    st, _, j, _ = alice.call("GET", "/api/tickets/?id__in=1,2&ordering=title")
    c.check(s + "tickets id__in with ordering title",
            st == 200 and [r["id"] for r in j["results"]] == [1, 2] and
            j["results"][0]["title"] < j["results"][1]["title"], j)
    st, _, j, _ = alice.call("GET", "/api/tickets/?title__icontains=PRINTER")
    c.check(s + "tickets title__icontains", st == 200 and j["count"] == 1,
            j)
    st, _, j, _ = alice.call("GET", "/api/tickets/?resolution_status=RESOLVED")
    c.check(s + "tickets resolution_status filter",
            st == 200 and [r["id"] for r in j["results"]] == [tid], j)
    st, _, j, _ = alice.call(
        "GET", "/api/tickets/?resolution_status__in=OPEN,CLOSED")
    c.check(s + "tickets resolution_status__in", st == 200 and
            j["count"] == 6, j)
    st, _, j, _ = alice.call("GET", "/api/tickets/?search=jams")
    c.check(s + "tickets search", st == 200 and j["count"] == 1, j)
    st, _, j, _ = alice.call("GET", "/api/tickets/?created__gte=2999-01-01")
    c.check(s + "tickets created__gte", st == 200 and j["count"] == 0, j)
    st, _, _, _ = alice.call("DELETE", "/api/tickets/%d/" % tid)
    c.eq(s + "tickets delete 204", st, 204)
    st, _, _, _ = alice.call("GET", "/api/tickets/%d/" % tid)
    c.eq(s + "tickets deleted is gone", st, 404)
    st, _, j, _ = alice.call("GET", "/api/issues?text=zebrafish")
    c.check(s + "deleted ticket left the search index", st == 200 and
            j["issues"] == [], j)

    # Concurrent writers (two processes per program, BEGIN IMMEDIATE and
    # busy_timeout in the store): every create succeeds once, with its
    # own number, and none is lost.
    def create(i):
        return alice.call("POST", "/api/issues", {
            "project": "OPS", "summary": "Concurrent %d" % i})

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(create, range(40)))
    c.check(s + "40 concurrent creates all answer 201",
            all(r[0] == 201 for r in results),
            [r[0] for r in results if r[0] != 201][:5])
    made = {r[2]["key"] for r in results if r[0] == 201}
    c.eq(s + "40 concurrent creates get 40 distinct keys", len(made), 40)
    st, _, j, _ = alice.call("GET", "/api/issues?project=OPS&limit=50")
    c.check(s + "all 40 are stored", st == 200 and
            made <= {i["key"] for i in j["issues"]}, (st, len(made)))

    # 47 tickets now: over page_size's maximum of 50 with a few more.
    for i in range(5):
        alice.call("POST", "/api/tickets/", {"title": "Filler %d" % i})
    for size in ("51", "2000000000"):
        st, _, j, _ = alice.call("GET", "/api/tickets/?page_size=" + size)
        c.check(s + "tickets page_size=%s clamps to the maximum of 50 "
                "(DRF's max_page_size), not 400" % size,
                st == 200 and j["count"] > 50 and len(j["results"]) == 50
                and j["next"].endswith("page_size=%s&page=2" % size),
                (st, j and {k: v for k, v in j.items() if k != "results"}))
    st, _, j, _ = alice.call("GET", "/api/tickets/?page_size=%s&page=2" %
                             size)
    c.check(s + "tickets page 2 of a clamped page_size holds the rest",
            st == 200 and len(j["results"]) == j["count"] - 50, (st, j))

    with_names(c, s, alice)

    # Revoking a key takes effect at once.
    rc, out, _ = stack.admin("key", "list", "bob")
    keyid = json.loads(out)[0]["id"]
    stack.admin("key", "revoke", keyid)
    st, _, j, _ = bob.call("GET", "/api/me")
    c.eq(s + "revoked key is 401", st, 401)


def with_names(c, s, alice):
    """Field discovery and create with names on the embedded store."""
    st, _, j, _ = alice.call("GET", "/api/projects/OPS/fields")
    ids = [f["id"] for f in (j or {}).get("fields", [])]
    prio = next((f for f in (j or {}).get("fields", [])
                 if f["id"] == "priority"), {})
    c.check(s + "fields: the store's list for the default type",
            st == 200 and j["project"] == "OPS" and j["type"] == "Incident"
            and j["types"] == ["Incident", "Task"] and
            ids == ["summary", "description", "priority", "labels",
                    "assignee"] and j["fields"][0]["required"] is True and
            prio.get("allowed") == ["Highest", "High", "Medium", "Low",
                                    "Lowest"] and
            prio.get("default") == "Medium", j)
    st, _, j, _ = alice.call("GET", "/api/projects/OPS/fields?type=task")
    c.check(s + "fields: a named type", st == 200 and j["type"] == "Task",
            j)
    st, _, j, _ = alice.call("GET", "/api/projects/NOPE/fields")
    c.check(s + "fields: unknown project is 404 key",
            st == 404 and j["field"] == "key", j)
    st, _, j, _ = alice.call("GET", "/api/projects/ops-1/fields")
    c.check(s + "fields: a malformed key is 404 key",
            st == 404 and j["field"] == "key", j)
    st, _, j, _ = alice.call("GET", "/api/projects/OPS/fields?type=Bug")
    c.check(s + "fields: unknown type is 422 type",
            st == 422 and j["field"] == "type", j)
    st, _, j, _ = alice.call("GET", "/api/projects/OPS/fields?kind=Bug")
    c.check(s + "fields: an unknown parameter is 400",
            st == 400 and j["field"] == "kind", j)
    st, _, j, _ = alice.call("POST", "/api/projects/OPS/fields", {})
    c.eq(s + "fields: POST is 405", st, 405)

    def count():
        st, _, j, _ = alice.call("GET", "/api/issues?project=DEMO&limit=50")
        return len(j["issues"]) if st == 200 else -1

    before = count()
    st, _, j, _ = alice.call("POST", "/api/issues", {
        "project": "DEMO", "summary": "x", "priority": "Urgent",
        "components": ["VPN"], "assignee": "nobody@example.com",
        "fields": {"Priority": "High", "Affected service": "VPN"}})
    errs = {e["field"]: e for e in (j or {}).get("errors", [])}
    c.check(s + "create: every problem at once, with allowed values and "
            "questions",
            st == 422 and sorted(errs) == [
                "assignee", "components", "fields.Affected service",
                "fields.Priority", "priority"] and
            errs["priority"]["allowed"] == ["Highest", "High", "Medium",
                                            "Low", "Lowest"] and
            errs["priority"]["question"] == "Which priority should it "
            "have: Highest, High, Medium, Low or Lowest?" and
            errs["assignee"]["question"] == "Who should it be assigned to? "
            "(name or email)" and "alice" in errs["assignee"]["allowed"] and
            all(e.get("question") for e in errs.values()), j)
    c.eq(s + "create: nothing was created on 422", count(), before)
    st, _, j, _ = alice.call("POST", "/api/issues", {
        "project": "DEMO", "summary": "Assigned by email",
        "priority": "lowest", "assignee": "ALICE@example.com"})
    c.check(s + "create: assignee by email, priority by name",
            st == 201 and j["assignee"] == "alice" and
            j["priority"] == "Lowest", j)
    c.eq(s + "create: one more issue", count(), before + 1)
    key = j.get("key", "") if st == 201 else ""
    st, _, j, _ = alice.call("PATCH", "/api/issues/" + key,
                             {"assignee": "bob"})
    st, _, j, _ = alice.call("PATCH", "/api/issues/" + key,
                             {"assignee": "Alice@Example.com"})
    c.check(s + "patch: assignee by email, as create takes it",
            st == 200 and j["assignee"] == "alice", (st, j))
    st, _, j, _ = alice.call("GET", "/api/issues?assignee=ALICE%40example.com"
                             "&project=DEMO")
    c.check(s + "search: assignee by email",
            st == 200 and key in [i["key"] for i in j["issues"]], (st, j))
    st, _, j, _ = alice.call("GET", "/api/issues?reporter=nobody%40x.example")
    c.check(s + "search: a reporter who is no user is 422 naming reporter",
            st == 422 and j["field"] == "reporter", (st, j))
    st, _, j, _ = alice.call("POST", "/api/issues", {
        "project": "DEMO", "summary": "x", "fields": [1]})
    c.check(s + "create: fields must be an object",
            st == 422 and j["field"] == "fields", j)


if __name__ == "__main__":
    run(test)
