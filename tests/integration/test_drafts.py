"""Drafts and exactly-once creates over real HTTP, under nginx and Apache:
the embedded store, then Jira mode against the Atlassian stand-in.  A
draft is made, changed, submitted once; repeats answer the same issue;
concurrent submits make one issue; a create whose answer is lost is found
again, on the same submit or a later one, never made twice.  A draft
is discarded by its owner only, and only before it is submitted.  The
Idempotency-Key header of POST /api/issues, the same way.  Standard
library only."""

import concurrent.futures
import os
import re
import sqlite3
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jtatest  # noqa: E402
from jtatest import Client  # noqa: E402

sys.path.insert(0, os.path.join(jtatest.SRCDIR, "tests", "standin"))
import jiratest  # noqa: E402
from jiratest import link, standin  # noqa: E402

# Enough workers that concurrent submits really run at once.
os.environ.setdefault("JTA_CHILDREN", "4")

ID_RE = re.compile(r"^d_[A-Za-z0-9_-]{22}$")


def db(stack):
    return sqlite3.connect(os.path.join(stack.workdir, "jta.db"),
                           timeout=10)


def sql(stack, q, *args):
    c = db(stack)
    try:
        r = c.execute(q, args).fetchall()
        c.commit()
        return r
    finally:
        c.close()


def submit_all(client, did, rev, n=8):
    """n submits of one draft at once: [(status, headers, body)]."""
    def one(_):
        st, h, j, _ = client.call("POST", "/api/drafts/%s/submit" % did,
                                  {"revision": rev})
        return st, h, j
    with concurrent.futures.ThreadPoolExecutor(n) as ex:
        return list(ex.map(one, range(n)))


def settle(client, did, rev, tries=40):
    """Submit until the draft answers 200 (bounded); the last answer."""
    for _ in range(tries):
        st, h, j, _ = client.call("POST", "/api/drafts/%s/submit" % did,
                                  {"revision": rev})
        if st in (200, 201):
            return st, j
        time.sleep(float(h.get("retry-after", "1")))
    return st, j


def common_cases(c, s, alice, bob, project, created_count, bob_creates):
    """The cases both backends share.  created_count() counts the issues
    the backend holds."""
    st, h, d, _ = alice.call("POST", "/api/drafts", {
        "project": project, "summary": "Draft: printer jammed",
        "priority": "High", "labels": ["printer"]})
    c.eq(s + "create draft is 201", st, 201)
    did = (d or {}).get("id", "")
    c.check(s + "draft id is d_ and 22 base64url characters",
            ID_RE.match(did) is not None, d)
    c.check(s + "draft: revision 1, ready, preview, times",
            d and d["revision"] == 1 and d["status"] == "ready" and
            d["preview"]["summary"] == "Draft: printer jammed" and
            "_ids" not in d["preview"] and d["created"] and
            d["expires"] > d["created"], d)
    c.check(s + "draft Location names it",
            h.get("location", "").endswith("/api/drafts/" + did), h)
    st, _, g, _ = alice.call("GET", "/api/drafts/" + did)
    c.check(s + "GET shows the same draft", st == 200 and g == d, g)

    for m, p, b in (("GET", "", None), ("PATCH", "", {"summary": "x"}),
                    ("POST", "/submit", {"revision": 1})):
        st, _, e, _ = bob.call(m, "/api/drafts/" + did + p, b)
        c.check(s + "another user's %s%s is 404" % (m, p),
                st == 404 and e.get("field") == "id", (st, e))

    st, _, p2, _ = alice.call("PATCH", "/api/drafts/" + did,
                              {"summary": "Draft: printer on floor 3 jammed"})
    c.check(s + "PATCH changes it and bumps the revision",
            st == 200 and p2["revision"] == 2 and
            p2["preview"]["summary"] == "Draft: printer on floor 3 jammed"
            and p2["preview"].get("priority") == d["preview"].get(
                "priority"), p2)
    st, _, e, _ = alice.call("PATCH", "/api/drafts/" + did, {})
    c.check(s + "an empty PATCH is 422", st == 422, (st, e))
    st, _, e, _ = alice.call("PATCH", "/api/drafts/" + did,
                             {"nonsense": 1})
    c.check(s + "PATCH of an unknown member is refused naming it",
            st in (400, 422) and e.get("field") == "nonsense", (st, e))

    n0 = created_count()
    st, _, e, _ = alice.call("POST", "/api/drafts/%s/submit" % did,
                             {"revision": 1})
    c.check(s + "a stale revision is 409 naming revision",
            st == 409 and e.get("field") == "revision", (st, e))
    st, _, e, _ = alice.call("POST", "/api/drafts/%s/submit" % did, {})
    c.check(s + "submit without revision is refused naming it",
            st in (400, 422) and e.get("field") == "revision", (st, e))
    c.eq(s + "nothing created by refused submits", created_count(), n0)

    st, h, r, _ = alice.call("POST", "/api/drafts/%s/submit" % did,
                             {"revision": 2})
    c.check(s + "submit is 201", st == 201, (st, r))
    issue = (r or {}).get("issue") or {}
    c.check(s + "submit's Location is the API's issue, not the page",
            issue.get("key") and (h.get("location") or "").endswith(
                "/api/issues/" + issue["key"]), (h, issue))
    c.check(s + "submit answers the draft and the issue",
            r and r["draft"] == did and issue.get("key"), r)
    c.check(s + "the issue is what the preview showed",
            issue.get("summary") == p2["preview"]["summary"] and
            issue.get("priority") == p2["preview"].get("priority") and
            issue.get("labels") == ["printer"], (issue, p2["preview"]))
    c.eq(s + "one issue created", created_count(), n0 + 1)
    st, _, r2, _ = alice.call("POST", "/api/drafts/%s/submit" % did,
                              {"revision": 2})
    c.check(s + "a repeated submit is 200 with the same body",
            st == 200 and r2 == r, (st, r2))
    c.eq(s + "... and creates nothing", created_count(), n0 + 1)
    st, _, g, _ = alice.call("GET", "/api/drafts/" + did)
    c.check(s + "the draft is submitted and names its issue",
            st == 200 and g["status"] == "submitted" and
            g["issue"]["key"] == issue.get("key") and
            g["issue"]["url"] == issue.get("url"), g)
    st, _, e, _ = alice.call("PATCH", "/api/drafts/" + did,
                             {"summary": "too late"})
    c.eq(s + "PATCH after submit is 409", st, 409)

    # Eight submits of one draft at once: one issue.
    st, _, d8, _ = alice.call("POST", "/api/drafts", {
        "project": project, "summary": "Draft: eight at once"})
    n0 = created_count()
    res = submit_all(alice, d8["id"], 1)
    codes = sorted(x[0] for x in res)
    c.check(s + "8 concurrent submits: one 201, the others 200 or 409",
            codes.count(201) == 1 and
            all(x in (200, 201, 409) for x in codes), codes)
    c.check(s + "a 409 says when to come back",
            all(h.get("retry-after") == "2" for st, h, _ in res
                if st == 409), [h for st, h, _ in res if st == 409])
    st, r8 = settle(alice, d8["id"], 1)
    keys = set(x[2]["issue"]["key"] for x in res if x[0] in (200, 201))
    c.check(s + "every answer names the same issue",
            st == 200 and keys == {r8["issue"]["key"]}, (keys, r8))
    c.eq(s + "8 concurrent submits made exactly one issue",
         created_count(), n0 + 1)

    # Idempotency-Key on POST /api/issues.
    body = {"project": project, "summary": "Keyed create"}
    n0 = created_count()
    st1, h1, j1, _ = alice.call("POST", "/api/issues", body,
                                headers={"Idempotency-Key": "k-1"})
    st2, h2, j2, _ = alice.call("POST", "/api/issues", body,
                                headers={"Idempotency-Key": "k-1"})
    c.check(s + "Idempotency-Key: a repeat answers the same status and "
            "body", st1 == 201 and st2 == 201 and j1 == j2 and
            h2.get("location") == h1.get("location"), (st1, st2, j1, j2))
    c.eq(s + "Idempotency-Key: one issue", created_count(), n0 + 1)
    st, _, e, _ = alice.call("POST", "/api/issues",
                             dict(body, summary="Another body"),
                             headers={"Idempotency-Key": "k-1"})
    c.check(s + "Idempotency-Key with another body is 422 naming it",
            st == 422 and e.get("field") == "Idempotency-Key", (st, e))
    if bob_creates:
        st, _, j3, _ = bob.call("POST", "/api/issues", body,
                                headers={"Idempotency-Key": "k-1"})
        c.check(s + "keys are per person: bob's k-1 creates his own",
                st == 201 and j3["key"] != j1["key"], (st, j3))
    st, _, j4, _ = alice.call("POST", "/api/issues", body,
                              headers={"Idempotency-Key": '"k-1"'})
    c.check(s + "a quoted key (RFC 8941 string) is the same key",
            st == 201 and j4 == j1, (st, j4))
    n0 = created_count()

    def keyed(_):
        st, h, j, _ = alice.call("POST", "/api/issues",
                                 dict(body, summary="Keyed at once"),
                                 headers={"Idempotency-Key": "k-8"})
        return st, h, j
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        res = list(ex.map(keyed, range(8)))
    codes = sorted(x[0] for x in res)
    c.check(s + "8 concurrent keyed creates: 201s and 409s only",
            201 in codes and all(x in (201, 409) for x in codes) and
            all(h.get("retry-after") for st, h, _ in res if st == 409),
            codes)
    c.check(s + "... all 201s name the same issue",
            len(set(j["key"] for st, _, j in res if st == 201)) == 1, res)
    c.eq(s + "8 concurrent keyed creates made one issue", created_count(),
         n0 + 1)
    basics_cases(c, s, alice, project, created_count)
    return did


def discard_cases(c, s, stack, alice, bob, project, submitted, created_count):
    """DELETE /api/drafts/{id}: the owner discards a ready draft (204,
    then 404 everywhere); another person's, an unknown and a used-up
    draft are refused; each attempt leaves its audit row.  submitted: the
    id of a draft common_cases submitted."""
    st, _, d, _ = alice.call("POST", "/api/drafts", {
        "project": project, "summary": "Draft: changed my mind"})
    did = (d or {}).get("id", "")
    st, _, e, _ = bob.call("DELETE", "/api/drafts/" + did)
    c.check(s + "another person's DELETE is 404 naming id",
            st == 404 and e.get("field") == "id", (st, e))
    st, _, g, _ = alice.call("GET", "/api/drafts/" + did)
    c.check(s + "... and the draft is still there",
            st == 200 and g["status"] == "ready", (st, g))
    n0 = created_count()
    st, h, body, raw = alice.call("DELETE", "/api/drafts/" + did)
    c.check(s + "the owner's DELETE is 204 with no body",
            st == 204 and not raw, (st, h, raw))
    st, _, e, _ = alice.call("GET", "/api/drafts/" + did)
    c.check(s + "a discarded draft reads 404", st == 404 and
            e.get("field") == "id", (st, e))
    st, _, e, _ = alice.call("POST", "/api/drafts/%s/submit" % did,
                             {"revision": 1})
    c.eq(s + "... cannot be submitted", st, 404)
    st, _, e, _ = alice.call("DELETE", "/api/drafts/" + did)
    c.eq(s + "... and a second DELETE is 404", st, 404)
    c.eq(s + "discarding created nothing", created_count(), n0)
    c.eq(s + "the row is gone", sql(stack, "SELECT count(*) FROM drafts "
         "WHERE id = ?", did), [(0,)])
    st, _, e, _ = alice.call("DELETE", "/api/drafts/d_" + "x" * 22)
    c.check(s + "DELETE of an unknown id is 404",
            st == 404 and e.get("field") == "id", (st, e))
    st, _, e, _ = alice.call("DELETE", "/api/drafts/nonsense")
    c.eq(s + "DELETE of a malformed id is 404", st, 404)

    st, _, e, _ = alice.call("DELETE", "/api/drafts/" + submitted)
    c.check(s + "DELETE of a submitted draft is 409 saying so",
            st == 409 and e.get("field") == "id" and
            "submitted" in e.get("detail", ""), (st, e))
    st, _, g, _ = alice.call("GET", "/api/drafts/" + submitted)
    c.check(s + "... and it stays submitted",
            st == 200 and g["status"] == "submitted", (st, g))
    # A submit in flight (a live lease of another worker).
    st, _, ds, _ = alice.call("POST", "/api/drafts", {
        "project": project, "summary": "Draft: being submitted"})
    sql(stack, "UPDATE drafts SET status = 'submitting', once_token = "
        "'o_inflightinflightinfli', lease_owner = 'other:1:x', "
        "lease_until = strftime('%s','now') + 60, attempt_at = "
        "strftime('%s','now') WHERE id = ?", ds["id"])
    st, _, e, _ = alice.call("DELETE", "/api/drafts/" + ds["id"])
    c.check(s + "DELETE of a submitting draft is 409 saying so",
            st == 409 and e.get("field") == "id" and
            "being submitted" in e.get("detail", ""), (st, e))
    c.eq(s + "... and its lease is untouched",
         sql(stack, "SELECT status, lease_owner FROM drafts WHERE id = ?",
             ds["id"]), [("submitting", "other:1:x")])

    rows = sql(stack, "SELECT who, action, issue_key, endpoint, status, "
               "detail FROM audit_log WHERE issue_key IN (?, ?, ?) AND "
               "action = 'draft' AND status IN (204, 404, 409) "
               "ORDER BY id", did, submitted, ds["id"])
    # alice's name is atl-... in Jira mode.
    mine = [r[1:] for r in rows if r[0] != "bob"]
    c.check(s + "audit: the discard is a draft row with its id and 204",
            ("draft", did, "drafts", 204, "") in mine, rows)
    c.check(s + "audit: bob's refused discard is logged 404 with the field",
            ("bob", "draft", did, "drafts", 404, "field id") in rows, rows)
    c.check(s + "audit: the refused discards of used drafts are 409",
            ("draft", submitted, "drafts", 409, "field id") in mine and
            ("draft", ds["id"], "drafts", 409, "field id") in mine, rows)


def item_of(e, field):
    """The errors[] item of a problem body about field, or {}."""
    for it in (e or {}).get("errors") or []:
        if it.get("field") == field:
            return it
    return {}


def basics_cases(c, s, alice, project, created_count):
    """Missing or unknown basics are follow-up questions like any other
    field, all in one answer; the preview shows the defaults that are
    filed, and the filed issue is the preview."""
    n0 = created_count()
    for path in ("/api/drafts", "/api/issues"):
        st, _, e, _ = alice.call("POST", path, {"description": "d"})
        pr, su = item_of(e, "project"), item_of(e, "summary")
        c.check(s + "%s without project and summary: 422 asking for both"
                % path, st == 422 and pr.get("question") and
                su.get("question") and project in (pr.get("allowed") or []),
                (st, e))
        st, _, e, _ = alice.call("POST", path, {
            "project": project, "type": "No such type"})
        ty, su = item_of(e, "type"), item_of(e, "summary")
        c.check(s + "%s with an unknown type and no summary: 422 asking "
                "for both, the type with the project's types" % path,
                st == 422 and ty.get("question") and ty.get("allowed") and
                su.get("question"), (st, e))
        st, _, e, _ = alice.call("POST", path, {
            "project": "NOSUCH", "summary": "s"})
        pr = item_of(e, "project")
        c.check(s + "%s with an unknown project: 422 asking which, with "
                "the person's projects" % path,
                st == 422 and pr.get("question") and
                project in (pr.get("allowed") or []), (st, e))
    c.eq(s + "nothing created by the questions", created_count(), n0)

    st, _, d, _ = alice.call("POST", "/api/drafts", {
        "project": project, "summary": "Draft: defaults shown"})
    pv = (d or {}).get("preview") or {}
    c.check(s + "the preview shows the default priority",
            st == 201 and pv.get("priority"), (st, d))
    st, _, r, _ = alice.call("POST", "/api/drafts/%s/submit" % d["id"],
                             {"revision": d["revision"]})
    key = ((r or {}).get("issue") or {}).get("key", "")
    st2, _, issue, _ = alice.call("GET", "/api/issues/" + key)
    diff = {k: (v, (issue or {}).get(k)) for k, v in pv.items()
            if k != "fields" and (issue or {}).get(k) != v}
    c.check(s + "the filed issue has every value of the preview",
            st == 201 and st2 == 200 and not diff, (st, st2, diff))


def local_test(c, stack, server):
    s = server + " local: "
    for args in (("user", "add", "alice"), ("user", "add", "bob"),
                 ("project", "add", "DEMO", "Demo project")):
        rc, out, err = stack.admin(*args)
        assert rc == 0, (args, out, err)
    keys = {}
    for user in ("alice", "bob"):
        rc, out, err = stack.admin("key", "create", user)
        assert rc == 0, err
        keys[user] = out.strip()
    alice, bob = Client(stack, keys["alice"]), Client(stack, keys["bob"])

    def count():
        return sql(stack, "SELECT count(*) FROM tickets")[0][0]
    did = common_cases(c, s, alice, bob, "DEMO", count, True)
    discard_cases(c, s, stack, alice, bob, "DEMO", did, count)
    c.eq(s + "each created ticket carries its submit token",
         sql(stack, "SELECT count(*) FROM tickets WHERE once_token IS NULL"),
         [(0,)])

    # A worker that crashed after its ticket was committed but before the
    # draft was marked: the lease runs out, the next submit finds the
    # ticket by its token instead of making a second one.
    key = sql(stack, "SELECT issue_key FROM drafts WHERE id = ?", did)[0][0]
    sql(stack, "UPDATE drafts SET status = 'submitting', result = NULL, "
        "issue_key = NULL, issue_url = NULL, lease_owner = 'dead:1:x', "
        "lease_until = strftime('%s','now') - 1, attempt_at = "
        "strftime('%s','now') - 5 WHERE id = ?", did)
    n0 = count()
    st, _, g, _ = alice.call("GET", "/api/drafts/" + did)
    c.eq(s + "a crashed submit shows as submitting", g["status"],
         "submitting")
    st, _, r, _ = alice.call("POST", "/api/drafts/%s/submit" % did,
                             {"revision": 2})
    c.check(s + "after a crash the next submit answers the same ticket",
            st == 201 and r["issue"]["key"] == key and count() == n0,
            (st, r, count(), n0))
    # A crash before the ticket was made: taken over and created once.
    st, _, dc, _ = alice.call("POST", "/api/drafts", {
        "project": "DEMO", "summary": "Crashed before create"})
    sql(stack, "UPDATE drafts SET status = 'submitting', once_token = "
        "'o_crashedcrashedcrashed', lease_owner = 'dead:1:x', lease_until "
        "= strftime('%s','now') + 60, attempt_at = strftime('%s','now') "
        "WHERE id = ?", dc["id"])
    st, h, e, _ = alice.call("POST", "/api/drafts/%s/submit" % dc["id"],
                             {"revision": 1})
    c.check(s + "a live lease of another worker is 409 + Retry-After: 2",
            st == 409 and h.get("retry-after") == "2" and
            e.get("type", "") is not None, (st, h, e))
    sql(stack, "UPDATE drafts SET lease_until = strftime('%s','now') - 1 "
        "WHERE id = ?", dc["id"])
    n0 = count()
    st, _, r, _ = alice.call("POST", "/api/drafts/%s/submit" % dc["id"],
                             {"revision": 1})
    c.check(s + "a lease that ran out is taken over and creates once",
            st == 201 and count() == n0 + 1, (st, r))

    # Expired drafts are gone.
    st, _, dx, _ = alice.call("POST", "/api/drafts", {
        "project": "DEMO", "summary": "Will expire"})
    sql(stack, "UPDATE drafts SET expires = strftime('%s','now') - 1 "
        "WHERE id = ?", dx["id"])
    st, _, e, _ = alice.call("GET", "/api/drafts/" + dx["id"])
    c.check(s + "an expired draft is 404", st == 404 and
            e.get("field") == "id", (st, e))
    st, _, e, _ = alice.call("POST", "/api/drafts/%s/submit" % dx["id"],
                             {"revision": 1})
    c.eq(s + "... and cannot be submitted", st, 404)


# ---- Jira mode ----

def jira_conf(stack):
    return jiratest.conf(stack, 2000, 4000)


def jira_test(c, stack, server):
    s = server + " jira: "
    alice = Client(stack, link(stack))
    rc, out, err = stack.admin("user", "add", "bob")
    rc, out, err = stack.admin("key", "create", "bob")
    bob = Client(stack, out.strip())

    def count():
        return standin.state()["issues_created"]
    did = common_cases(c, s, alice, bob, "OPS", count, False)
    discard_cases(c, s, stack, alice, bob, "OPS", did, count)

    def props():
        return {k: v["properties"] for k, v in
                standin.world.issues.items() if v["properties"]}
    c.check(s + "created issues carry the jta.once entity property",
            all(set(p) == {"jta.once"} and
                re.match(r"^o_[A-Za-z0-9_-]{22}$", p["jta.once"]["token"])
                for p in props().values()) and len(props()) >= 3,
            props())

    # Jira creates, then the connection drops before the answer: the same
    # submit finds the issue by its token.
    st, _, d, _ = alice.call("POST", "/api/drafts", {
        "project": "OPS", "summary": "Lost answer, found at once"})
    standin.config(faults=[{"kind": "drop", "method": "POST",
                            "path_prefix": "/rest/api/3/issue",
                            "count": 1}])
    n0 = count()
    st, _, r, _ = alice.call("POST", "/api/drafts/%s/submit" % d["id"],
                             {"revision": 1})
    c.check(s + "create answer lost: the first submit finds the issue",
            st == 201 and count() == n0 + 1 and
            r["issue"]["summary"] == "Lost answer, found at once",
            (st, r, count() - n0))
    st, _, r2, _ = alice.call("POST", "/api/drafts/%s/submit" % d["id"],
                              {"revision": 1})
    c.check(s + "... and a repeat answers it again",
            st == 200 and r2 == r and count() == n0 + 1, (st, r2))

    # The same, while Jira's search lags: the first submit cannot tell
    # (503, Retry-After); a later one finds the issue.
    standin.config(search_delay=2.5, faults=[
        {"kind": "slow", "seconds": 3, "after": True, "method": "POST",
         "path_prefix": "/rest/api/3/issue", "count": 1}])
    st, _, d, _ = alice.call("POST", "/api/drafts", {
        "project": "OPS", "summary": "Lost answer, found later"})
    n0 = count()
    st, h, e, _ = alice.call("POST", "/api/drafts/%s/submit" % d["id"],
                             {"revision": 1})
    c.check(s + "answer lost and not searchable yet: 503 + Retry-After",
            st == 503 and int(h.get("retry-after", "0")) > 0 and
            count() == n0 + 1, (st, h, e, count() - n0))
    st, _, g, _ = alice.call("GET", "/api/drafts/" + d["id"])
    c.eq(s + "... the draft stays submitting", g["status"], "submitting")
    st, _, e, _ = alice.call("PATCH", "/api/drafts/" + d["id"],
                             {"summary": "changed"})
    c.eq(s + "... and cannot change", st, 409)
    time.sleep(3)
    st, _, r, _ = alice.call("POST", "/api/drafts/%s/submit" % d["id"],
                             {"revision": 1})
    c.check(s + "a later submit finds the same issue, creates nothing",
            st == 201 and count() == n0 + 1 and
            r["issue"]["summary"] == "Lost answer, found later",
            (st, r, count() - n0))
    standin.config(search_delay=0)

    # An Idempotency-Key whose create answer is lost.
    standin.config(faults=[{"kind": "drop", "method": "POST",
                            "path_prefix": "/rest/api/3/issue",
                            "count": 1}])
    n0 = count()
    b = {"project": "OPS", "summary": "Keyed, answer lost"}
    st, _, j, _ = alice.call("POST", "/api/issues", b,
                             headers={"Idempotency-Key": "lost-1"})
    st2, _, j2, _ = alice.call("POST", "/api/issues", b,
                               headers={"Idempotency-Key": "lost-1"})
    c.check(s + "Idempotency-Key, answer lost: found, one issue, repeat "
            "the same", st == 201 and st2 == 201 and j2 == j and
            count() == n0 + 1, (st, j, st2, count() - n0))


def main():
    try:
        cases = jtatest.Cases()
        for test, conf in ((local_test, None), (jira_test, jira_conf)):
            sub = run_one(test, conf)
            cases.passed += sub.passed
            cases.failed += sub.failed
        cases.finish()
    finally:
        standin.stop()


def run_one(test, conf):
    """jtatest.run without its exit: the cases of test under both
    servers."""
    import tempfile
    import traceback
    import harness
    cases = jtatest.Cases()
    for server in ("nginx", "apache"):
        work = tempfile.mkdtemp(prefix="jta-it-%s-" % server)
        stack = harness.Stack(server, jtatest.BUILDDIR, jtatest.SRCDIR,
                              work, conf)
        try:
            stack.start()
            test(cases, stack, server)
        except Exception:
            traceback.print_exc()
            cases.check("%s: test ran to the end" % server, False)
        finally:
            stack.stop()
        bad = jtatest.logs_clean(stack)
        cases.check("%s: no sanitizer report or crash in the logs" % server,
                    not bad, "\n".join(bad[:10]))
        jtatest.keep_if_failed(cases, work)
    return cases


if __name__ == "__main__":
    main()
