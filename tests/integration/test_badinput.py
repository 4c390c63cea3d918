"""A few hundred hostile requests, under nginx and Apache.  Each must get a
4xx with a JSON error body that names what is wrong (problem+json, or the
{"detail"}/{"field": [...]} shape on /api/tickets/), never a 5xx, never a
dead worker; and afterwards nothing stored has changed."""

import os
import sqlite3

from jtatest import Client, run

GOOD = {"project": "DEMO", "summary": "A good summary"}
DEEP = "[" * 30 + "]" * 30


def query_cases():
    """(name, method, path) with a bad query string."""
    bad_queries = [
        "%", "%zz", "%4", "text=%00", "text=%C0%AF", "text=%FF%FE",
        "text=%ED%A0%80", "foo=1", "limit=1&limit=2", "limit=0",
        "limit=-1", "limit=abc", "limit=1e3", "limit=+5", "limit=%205",
        "limit=99999999999999999999999", "limit=051", "created_after=2026-13-01",
        "created_after=2026-02-30", "created_after=yesterday",
        "updated_before=2026-01-01T25:00:00Z", "status=Foo",
        "priority=urgent", "project=demo", "project=TOOLONGPROJECTKEY",
        "assignee=Bob!", "reporter=%2E%2E", "mine=both", "order=key",
        "cursor=!!!", "cursor=" + "A" * 200, "type=" + "x" * 100,
        "text=" + "w" * 300, "label=a%01b", "&".join(
            "p%d=1" % i for i in range(40)), "text=" + "a" * 5000,
    ]
    for q in bad_queries:
        yield ("GET /api/issues?" + q[:40], "GET", "/api/issues?" + q)
    for q in ("foo=1", "page=0", "page=abc", "page_size=0", "page_size=1e3",
              "id=0", "id=-1", "id__in=a,b", "id__in=" + ",".join(
                  str(i) for i in range(60)), "ordering=foo",
              "resolution_status=DONE", "resolution_status__in=OPEN,NO",
              "created__gte=2026", "title__icontains=%00", "search=%FF",
              "page=2&page=3"):
        yield ("GET /api/tickets/?" + q[:40], "GET", "/api/tickets/?" + q)
    for path in ("/api/me", "/api/projects", "/api/issues/DEMO-1",
                 "/api/issues/DEMO-1/transitions",
                 "/api/projects/DEMO/fields"):
        for q in ("x=1", "%zz", "a=1&a=2"):
            yield ("GET %s?%s" % (path, q), "GET", path + "?" + q)
    for q in ("type=Epic", "type=" + "t" * 65, "type=%00", "type=%FF",
              "type=a&type=b", "type=bell%07"):
        yield ("GET fields?" + q[:40], "GET",
               "/api/projects/DEMO/fields?" + q)
    for key in ("demo", "NOPE", "D" * 12, "%00", "DE%20MO", "1DEMO"):
        yield ("GET fields of " + key, "GET",
               "/api/projects/%s/fields" % key)


def body_cases():
    """(name, method, path, raw body, content type)."""
    j = "application/json"
    bodies = [
        ("not json", b"hello", j), ("empty", b"", j), ("array", b"[]", j),
        ("string", b'"x"', j), ("number", b"5", j), ("deep", DEEP.encode(), j),
        ("deep object", b'{"a":' * 20 + b"1" + b"}" * 20, j),
        ("invalid utf-8", b'{"summary":"\xff\xfe"}', j),
        ("nul escape", b'{"summary":"a\\u0000b"}', j),
        ("lone surrogate", b'{"summary":"\\ud800"}', j),
        ("duplicate key", b'{"project":"DEMO","project":"DEMO"}', j),
        ("trailing garbage", b'{"project":"DEMO"} x', j),
        ("truncated", b'{"project":"DEM', j),
        ("unknown field", b'{"project":"DEMO","summary":"s","zz":1}', j),
        ("text/plain", b'{"project":"DEMO","summary":"s"}', "text/plain"),
        ("form", b"project=DEMO&summary=s",
         "application/x-www-form-urlencoded"),
        ("no type", b'{"project":"DEMO","summary":"s"}', None),
        ("huge number", b'{"project":"DEMO","summary":"s","priority":1e999}',
         j),
    ]
    for path in ("/api/issues", "/api/issues/DEMO-1/comments",
                 "/api/issues/DEMO-1/transitions", "/oauth/issues",
                 "/api/tickets/"):
        for name, raw, ctype in bodies:
            yield ("POST %s %s" % (path, name), "POST", path, raw, ctype)
    for name, raw, ctype in bodies:
        yield ("PATCH issue " + name, "PATCH", "/api/issues/DEMO-1", raw,
               ctype)
        yield ("PATCH ticket " + name, "PATCH", "/api/tickets/1/", raw, ctype)
        yield ("PUT ticket " + name, "PUT", "/api/tickets/1/", raw, ctype)


def field_cases():
    """(name, method, path, JSON value): valid JSON, wrong fields."""
    create = [
        {"project": "DEMO"}, {"summary": "s"}, {"project": None,
                                               "summary": "s"},
        {"project": "demo", "summary": "s"}, {"project": 5, "summary": "s"},
        {"project": "DEMO", "summary": ""}, {"project": "DEMO",
                                             "summary": "x" * 256},
        {"project": "DEMO", "summary": "bell\u0007"},
        {"project": "DEMO", "summary": "line\nbreak"},
        {"project": "DEMO", "summary": ["s"]},
        {"project": "DEMO", "summary": "s", "description": "d" * 40000},
        {"project": "DEMO", "summary": "s", "description": 5},
        {"project": "DEMO", "summary": "s", "priority": "urgent"},
        {"project": "DEMO", "summary": "s", "priority": 3},
        {"project": "DEMO", "summary": "s", "labels": "a"},
        {"project": "DEMO", "summary": "s", "labels": [1]},
        {"project": "DEMO", "summary": "s", "labels": ["with space"]},
        {"project": "DEMO", "summary": "s", "labels": ["a,b"]},
        {"project": "DEMO", "summary": "s", "labels": [""]},
        {"project": "DEMO", "summary": "s",
         "labels": ["l%d" % i for i in range(21)]},
        {"project": "DEMO", "summary": "s", "labels": None},
        {"project": "DEMO", "summary": "s", "assignee": "Bob"},
        {"project": "DEMO", "summary": "s", "assignee": "nobody"},
        {"project": "DEMO", "summary": "s", "type": "Epic"},
        {"project": "DEMO", "summary": "s", "type": ""},
        {"project": "NOPE", "summary": "s"},
        {"project": "DEMO", "summary": "s", "status": "Closed"},
        {"project": "DEMO", "summary": "s", "key": "DEMO-9"},
        {"project": "DEMO", "summary": "s", "reporter": "bob"},
        {"project": "DEMO", "summary": "s", "components": "VPN"},
        {"project": "DEMO", "summary": "s", "components": [""]},
        {"project": "DEMO", "summary": "s", "components": ["a\nb"]},
        {"project": "DEMO", "summary": "s", "components": ["VPN"]},
        {"project": "DEMO", "summary": "s",
         "components": ["c%d" % i for i in range(21)]},
        {"project": "DEMO", "summary": "s", "fields": [1]},
        {"project": "DEMO", "summary": "s", "fields": "x"},
        {"project": "DEMO", "summary": "s", "fields": {"Colour": "red"}},
        {"project": "DEMO", "summary": "s",
         "fields": {"f%d" % i: 1 for i in range(33)}},
        {"project": "DEMO", "summary": "s", "fields": {"Priority": "High"}},
        {"project": "DEMO", "summary": "s", "parent": "DEMO-1"},
        {"project": "DEMO", "summary": "s", "parent": "not a key"},
        {"project": "DEMO", "summary": "s", "assignee": ""},
        {"project": "DEMO", "summary": "s", "assignee": "x" * 300},
        {"project": "DEMO", "summary": "s", "assignee": 5},
    ]
    for i, v in enumerate(create):
        yield ("create bad field %d" % i, "POST", "/api/issues", v)
    patch = [{}, {"summary": None}, {"summary": ""}, {"priority": None},
             {"type": "Nope"}, {"assignee": "Nobody"}, {"labels": [None]},
             {"status": "Closed"}, {"project": "OPS"},
             {"description": ["x"]}]
    for i, v in enumerate(patch):
        yield ("patch bad field %d" % i, "PATCH", "/api/issues/DEMO-1", v)
    for i, v in enumerate(({}, {"body": ""}, {"body": None}, {"body": 5},
                           {"body": "x" * 40000}, {"text": "x"})):
        yield ("comment bad %d" % i, "POST", "/api/issues/DEMO-1/comments", v)
    for i, v in enumerate(({}, {"to": ""}, {"to": None}, {"to": "Nowhere"},
                           {"to": ["Open"]}, {"status": "Open"},
                           {"to": "Closed"})):
        yield ("transition bad %d" % i, "POST",
               "/api/issues/DEMO-1/transitions", v)
    for i, v in enumerate(({}, {"title": ""}, {"title": None},
                           {"title": "t", "resolution_status": "DONE"},
                           {"title": "t", "resolution_status": 1},
                           {"title": "t", "extra": 1},
                           {"title": "x" * 300})):
        yield ("tickets create bad %d" % i, "POST", "/api/tickets/", v)
    for key in ("DEMO-0", "DEMO-99", "DEMO-99999999999", "DEMO", "-1",
                "DEMO--1", "%00", "DE%20MO-1", "NOPE-1", "D" * 40 + "-1"):
        yield ("get issue " + key, "GET", "/api/issues/" + key, None)
        yield ("comment on " + key, "POST",
               "/api/issues/%s/comments" % key, {"body": "x"})
    # Drafts: malformed and unknown ids, bad create bodies.
    for did in ("x", "d_short", "d_" + "a" * 23, "d_" + "*" * 22, "%00",
                "d_" + "a" * 22, "d_%2F" + "a" * 20, "D_" + "a" * 22):
        yield ("get draft " + did[:12], "GET", "/api/drafts/" + did, None)
        yield ("submit draft " + did[:12], "POST",
               "/api/drafts/%s/submit" % did, {"revision": 1})
        yield ("patch draft " + did[:12], "PATCH", "/api/drafts/" + did,
               {"summary": "x"})
    for i, v in enumerate(create[:12]):
        yield ("draft bad field %d" % i, "POST", "/api/drafts", v)
    for tid in ("abc", "0", "-1", "99999", "1.5", "99999999999999"):
        yield ("ticket id " + tid, "GET", "/api/tickets/%s/" % tid, None)
        yield ("delete ticket id " + tid, "DELETE", "/api/tickets/%s/" % tid,
               None)


def auth_cases():
    """(name, method, path, Authorization value or None)."""
    for path in ("/api/issues", "/api/issues/DEMO-1", "/api/me",
                 "/api/projects", "/api/issues/DEMO-1/transitions",
                 "/api/projects/DEMO/fields",
                 "/api/tickets/", "/oauth/issues"):
        for name, value in (("none", None), ("basic", "Basic YTpi"),
                            ("empty bearer", "Bearer "),
                            ("short", "Bearer jta_1"),
                            ("unknown", "Bearer jta_0123456789ab_" + "A" * 43),
                            ("bad chars", "Bearer jta_0123456789ab_" + "*" * 43),
                            ("too long", "Bearer " + "a" * 2000)):
            yield ("%s auth %s" % (path, name), "GET", path, value)


def snapshot(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        counts = {t: con.execute("SELECT count(*) FROM %s" % t).fetchone()[0]
                  for t in ("users", "api_keys", "projects", "tickets",
                            "comments", "ticket_labels",
                            "idempotency_keys")}
        counts["drafts submitted"] = con.execute(
            "SELECT count(*) FROM drafts WHERE status != 'ready'"
        ).fetchone()[0]
        rows = con.execute("SELECT id, summary, description, status, "
                           "priority, type, assignee_id, updated FROM "
                           "tickets ORDER BY id").fetchall()
        ok = con.execute("PRAGMA integrity_check").fetchone()[0]
        return counts, rows, ok
    finally:
        con.close()


def test(c, stack, server):
    s = server + ": "
    stack.admin("init")
    stack.admin("user", "add", "alice")
    stack.admin("user", "add", "bob")
    stack.admin("project", "add", "DEMO", "Demo")
    rc, key, _ = stack.admin("key", "create", "alice")
    alice = Client(stack, key.strip())
    st, _, _, _ = alice.call("POST", "/api/issues", GOOD)
    c.eq(s + "seed issue created", st, 201)
    st, _, _, _ = alice.call("POST", "/api/tickets/", {"title": "seed"})
    c.eq(s + "seed ticket created", st, 201)
    db = os.path.join(stack.workdir, "jta.db")
    before = snapshot(db)
    n = 0

    def judge(name, path, st, h, j):
        tickets = path.startswith("/api/tickets")
        ctype = h.get("content-type", "")
        if tickets:
            shaped = isinstance(j, dict) and ("detail" in j or all(
                isinstance(v, list) for v in j.values()))
            want = "application/json"
        else:
            shaped = isinstance(j, dict) and all(
                k in j for k in ("type", "title", "status", "detail"))
            want = "application/problem+json"
        return c.check(s + name, 400 <= st < 500 and ctype == want and
                       shaped, "(%d %s %r)" % (st, ctype, j))

    for name, method, path in query_cases():
        st, h, j, _ = alice.call(method, path)
        judge(name, path, st, h, j)
        n += 1
    for name, method, path, raw, ctype in body_cases():
        st, h, j, _ = alice.call(method, path, raw=raw, headers={
            "Content-Type": ctype} if ctype else {"Content-Type": ""})
        judge(name, path, st, h, j)
        n += 1
    for name, method, path, value in field_cases():
        st, h, j, _ = alice.call(method, path, body=value)
        ok = judge(name, path, st, h, j)
        if ok and not path.startswith("/api/tickets") and st != 404 and \
                "key" not in name:
            c.check(s + name + " names a field", bool(j.get("field")), j)
        n += 1
    for name, method, path, value in auth_cases():
        h = {"Authorization": value} if value is not None else {}
        st, hh, j, _ = Client(stack).call(method, path, headers=h)
        judge(name, path, st, hh, j)
        n += 1
    # A draft's submit with a bad revision, and bad Idempotency-Keys:
    # refused, nothing submitted or created.
    st, _, d, _ = alice.call("POST", "/api/drafts", GOOD)
    c.eq(s + "seed draft created", st, 201)
    sub = "/api/drafts/%s/submit" % d["id"]
    for i, v in enumerate(({}, {"revision": "1"}, {"revision": 1.5},
                           {"revision": -1}, {"revision": 0},
                           {"revision": None}, {"revision": True},
                           {"revision": 10 ** 12}, {"revision": [1]},
                           {"revision": 1, "extra": 1}, {"revision": 2})):
        st, h, j, _ = alice.call("POST", sub, body=v)
        if judge("submit bad revision %d" % i, sub, st, h, j):
            c.check(s + "submit bad revision %d names it" % i,
                    j.get("field") in ("revision", "extra"), j)
        n += 1
    for name, value in (("empty", ""), ("space", "a b"),
                        ("open quote", '"abc'), ("256", "k" * 256),
                        ("quoted 256", '"%s"' % ("k" * 256)),
                        ("bad escape", '"a\\x"'), ("inner quote", 'a"b'),
                        ("non-ascii", "caf\u00e9"), ("huge", "k" * 2000)):
        st, h, j, _ = alice.call("POST", "/api/issues", body=GOOD,
                                 headers={"Idempotency-Key": value})
        if judge("Idempotency-Key " + name, "/api/issues", st, h, j):
            c.check(s + "Idempotency-Key %s names it" % name,
                    j.get("field") == "Idempotency-Key" or st == 400, j)
        n += 1
    # Oversized bodies and headers are refused by the web server or us,
    # still as JSON errors.
    for path in ("/api/issues", "/api/tickets/"):
        st, h, j, _ = alice.call("POST", path, raw=b"{" + b" " * 70000 + b"}")
        judge("oversized body on " + path, path, st, h, j)
        c.eq(s + "oversized body on %s is 413" % path, st, 413)
        n += 1
    # A header line over the limit is 431 (RFC 6585 §5), whoever
    # refuses it: the program (the headers it reads, over 1 KiB) or the
    # web server (any line over 8 KiB), still as a JSON error.
    for name, hdrs in (("Authorization over 1 KiB (the program)",
                        {"Authorization": "Bearer " + "a" * 2000}),
                       ("a header line over 8 KiB (the web server)",
                        {"X-Long": "a" * 9000}),
                       ("Authorization over 8 KiB (the web server)",
                        {"Authorization": "Bearer " + "a" * 9000})):
        st, h, j, _ = Client(stack).call("GET", "/api/me", headers=hdrs)
        judge("431: " + name, "/api/me", st, h, j)
        c.check(s + "%s: 431 naming it" % name, st == 431 and
                (j or {}).get("status") == 431, (st, j))
        n += 1
    c.check(s + "sent a few hundred bad requests", n >= 300, n)
    after = snapshot(db)
    c.eq(s + "integrity_check ok", after[2], "ok")
    c.eq(s + "row counts unchanged", after[0], before[0])
    c.eq(s + "ticket rows unchanged", after[1], before[1])
    st, _, j, _ = alice.call("GET", "/api/issues/DEMO-1")
    c.check(s + "workers still serve", st == 200 and
            j["summary"] == GOOD["summary"], (st, j))


if __name__ == "__main__":
    run(test)
