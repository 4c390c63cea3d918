"""Usage counting and quotas through a real nginx and a real Apache with 8
workers per program: calls, tickets created, tickets updated (edit,
comment, transition) and conversations per person and UTC day (the
30-minute gap is made by moving usage_seen.last_seen back in SQLite, not
by sleeping); per-day rows; jta-admin usage in table, JSON and CSV; quotas
at 70, 90 and 100 % (a "notice" on JSON answers, then 429 problem+json
with Retry-After and the reset time), raising a quota lifts the block at
the next request, defaults and their overrides, what is never capped; and
16 client threads sending N requests count exactly N calls; /metrics
counts the 429s by scope.  Local mode, then Jira mode against the
Atlassian stand-in (a site quota).  Standard library only."""

import datetime
import json
import os
import re
import sqlite3
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jtatest  # noqa: E402
from jtatest import Client  # noqa: E402
import test_metrics  # noqa: E402
import test_policy  # noqa: E402
from jiratest import standin  # noqa: E402

sys.path.insert(0, os.path.join(jtatest.SRCDIR, "tests", "standin"))
from atlassian import ALICE, BOB  # noqa: E402

WORKERS = 8
THREADS = 16
N = 480
ISO = re.compile(r"\d{4}-\d\d-\d\dT00:00:00Z")


def admin_ok(c, stack, label, *args):
    rc, out, err = stack.admin(*args)
    c.check("%s: jta-admin %s" % (label, " ".join(args)), rc == 0,
            "rc=%d %s %s" % (rc, out, err))
    return out


def call(client, method, path, body=None):
    st, h, j, _ = client.call(method, path, body)
    return st, h, j


def usage(stack, by="person", *more):
    rc, out, err = stack.admin("usage", "--by", by, "--json", *more)
    assert rc == 0, (rc, out, err)
    return {r[by]: r for r in json.loads(out)}


def db(stack, sql, *args):
    path = os.path.join(stack.workdir, "jta.db")
    con = sqlite3.connect(path, timeout=30)
    con.execute("ATTACH DATABASE ? AS usage", (path + ".usage",))
    try:
        with con:
            return con.execute(sql, args).fetchall()
    finally:
        con.close()


def uid(stack, name):
    return db(stack, "SELECT id FROM users WHERE name = ?", name)[0][0]


def today():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")


# ---- counting ------------------------------------------------------------

def counting(c, stack, s, alice, name, project):
    st, h, j = call(alice, "GET", "/api/me")
    assert st == 200, (st, j)
    u = usage(stack)[name]
    c.eq("%s: one call is one call and one conversation" % s,
         (u["calls"], u["creates"], u["updates"], u["conversations"]),
         (1, 0, 0, 1))
    st, h, j = call(alice, "POST", "/api/issues",
                    {"project": project, "summary": "Usage counted"})
    c.eq("%s: create answered 201" % s, st, 201)
    key = (j or {}).get("key", project + "-1")
    st2, _, _ = call(alice, "POST", "/api/issues", {"project": project})
    c.eq("%s: a refused create (no summary) is 4xx" % s, st2 // 100, 4)
    call(alice, "PATCH", "/api/issues/" + key, {"summary": "Edited"})
    call(alice, "POST", "/api/issues/%s/comments" % key, {"body": "Hi"})
    st, _, tr = call(alice, "GET", "/api/issues/%s/transitions" % key)
    to = ((tr or {}).get("transitions") or [{}])[0].get("to")
    st, _, j = call(alice, "POST", "/api/issues/%s/transitions" % key,
                    {"to": to})
    c.eq("%s: transition to %s answered 200" % (s, to), st, 200)
    call(alice, "GET", "/api/issues/" + key)
    u = usage(stack)[name]
    c.eq("%s: 8 calls, 1 create (the refused one is not), 3 updates (edit, "
         "comment, transition), still 1 conversation" % s,
         (u["calls"], u["creates"], u["updates"], u["conversations"]),
         (8, 1, 3, 1))
    # A refused request (bad key) is no one's call.
    call(Client(stack, "jta_000000000000_" + "A" * 43), "GET", "/api/me")
    c.eq("%s: a request with a bad key counts for no one" % s,
         sum(r["calls"] for r in usage(stack).values()), 8)
    # Conversations: a gap of 30 minutes or more starts a new one.
    me = uid(stack, name)
    now = int(time.time())
    db(stack, "UPDATE usage_seen SET last_seen = ? WHERE user_id = ?",
       now - 29 * 60, me)
    call(alice, "GET", "/api/me")
    c.eq("%s: a call 29 minutes after the last is the same conversation"
         % s, usage(stack)[name]["conversations"], 1)
    db(stack, "UPDATE usage_seen SET last_seen = ? WHERE user_id = ?",
       now - 31 * 60, me)
    call(alice, "GET", "/api/me")
    c.eq("%s: a call 31 minutes after the last starts a conversation" % s,
         usage(stack)[name]["conversations"], 2)
    call(alice, "GET", "/api/me")
    c.eq("%s: ... and the next call right after continues it" % s,
         usage(stack)[name]["conversations"], 2)
    # Per-day rows: move today's row to yesterday, call again.
    yday = (datetime.datetime.now(datetime.timezone.utc) -
            datetime.timedelta(days=1)).strftime("%Y-%m-%d")
    db(stack, "UPDATE usage_daily SET day = ? WHERE user_id = ?", yday, me)
    call(alice, "GET", "/api/me")
    rows = usage(stack, "day", "--from", yday)
    c.check("%s: a new day starts a new row (yesterday 11 calls, today 1)"
            % s, set(rows) == {yday, today()} and
            rows[yday]["calls"] == 11 and rows[today()]["calls"] == 1,
            rows)
    c.eq("%s: --from/--to select days" % s,
         sorted(usage(stack, "day", "--from", yday, "--to", yday)),
         [yday])
    rc, out, err = stack.admin("usage", "--by", "day", "--from", yday,
                               "--csv")
    c.check("%s: --csv has a header and one line per day" % s,
            rc == 0 and out.splitlines()[0] ==
            "day,calls,creates,updates,conversations,prompt_tokens,"
            "completion_tokens,files,file_bytes" and
            "%s,11,1,3,2,0,0,0,0" % yday in out.splitlines(), out + err)
    rc, out, err = stack.admin("usage", "--from", yday)
    c.check("%s: the table names the person and the counts" % s,
            rc == 0 and re.search(r"%s\s+12\s+1\s+3\s+2" % re.escape(name),
                                  out), out + err)
    # Drafts: making and editing one creates no ticket; the first
    # submit does (201), a repeated one does not (200, the same ticket).
    before = usage(stack)[name]
    st, _, d = call(alice, "POST", "/api/drafts",
                    {"project": project, "summary": "Drafted"})
    did = (d or {}).get("id", "")
    st, _, d = call(alice, "PATCH", "/api/drafts/" + did,
                    {"summary": "Drafted, edited"})
    rev = (d or {}).get("revision", 0)
    sts = [call(alice, "POST", "/api/drafts/%s/submit" % did,
                {"revision": rev})[0] for _ in range(2)]
    after = usage(stack)[name]
    c.check("%s: a draft made, edited, submitted twice (%s): 4 calls, one "
            "ticket created, no update" % (s, sts), sts == [201, 200] and
            (after["calls"] - before["calls"], after["creates"] -
             before["creates"], after["updates"] - before["updates"]) ==
            (4, 1, 0), (before, after))
    # Restore today's row for the rest.
    db(stack, "DELETE FROM usage_daily WHERE user_id = ?", me)
    return key


# ---- quotas --------------------------------------------------------------

def quota_steps(c, stack, s, client, name, setargs, limit, label):
    """Drive client up a quota of limit calls set by setargs: no notice
    under 70 %, a notice from 70 %, a stronger one from 90 %, 429 at
    100 %; raising it lifts the block at once."""
    admin_ok(c, stack, s, "quota", "set", *setargs, "--metric", "calls",
             "--limit", str(limit))
    used = usage(stack).get(name, {}).get("calls", 0)
    seen = {}
    while used < limit:
        st, h, j = call(client, "GET", "/api/issues")
        pct = used * 100 // limit
        note = (j or {}).get("notice") if isinstance(j, dict) else None
        seen[pct] = (st, note)
        used += 1
    lows = [n for p, (st, n) in seen.items() if p < 70]
    c.check("%s: %s under 70 %%: 200 without a notice" % (s, label),
            all(st == 200 for st, n in seen.values()) and
            not any(lows), seen)
    warn = [n for p, (st, n) in seen.items() if 70 <= p < 90]
    c.check("%s: %s from 70 %%: the answer carries a notice with the "
            "percent, the limit and the reset" % (s, label),
            warn and all(n and n.startswith("Quota notice:") and
                         "of %d API calls" % limit in n and ISO.search(n)
                         for n in warn), warn)
    high = [n for p, (st, n) in seen.items() if p >= 90]
    c.check("%s: %s from 90 %%: the notice says almost used up" % (
        s, label), high and all(
            n and n.startswith("Quota almost used up:") for n in high),
        high)
    st, h, j = call(client, "GET", "/api/issues")
    ra = h.get("retry-after", "")
    detail = (j or {}).get("detail", "")
    m = ISO.search(detail)
    reset = None
    if m:
        reset = datetime.datetime.strptime(
            m.group(0), "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=datetime.timezone.utc).timestamp()
    c.check("%s: %s at 100 %%: 429 problem+json naming the quota, the "
            "limit, the reset time and Retry-After in seconds" % (s, label),
            st == 429 and h.get("content-type", "").startswith(
                "application/problem+json") and (j or {}).get("field") ==
            "quota" and "of %d" % limit in detail and reset is not None and
            ra.isdigit() and abs(int(time.time()) + int(ra) - reset) <= 5
            and (j or {}).get("retry_after") == int(ra), (st, h, j))
    return st == 429


def rejections(c, stack, s):
    """jta_quota_rejections_total by scope, from /metrics."""
    m = test_metrics.scrape(c, stack, s)
    return (test_metrics.get(m, "jta_quota_rejections_total",
                             scope="person"),
            test_metrics.get(m, "jta_quota_rejections_total", scope="site"))


def quotas(c, stack, s, alice, bob, key):
    before = rejections(c, stack, s)
    # A person's daily quota.
    quota_steps(c, stack, s, bob, "bob", ("--person", "bob"), 20,
                "person quota")
    st, h, j = call(bob, "GET", "/api/me")
    c.eq("%s: bob stays blocked, for every endpoint" % s, st, 429)
    c.eq("%s: ... alice is not" % s, call(alice, "GET", "/api/me")[0], 200)
    anon = Client(stack)
    st, h, j = call(anon, "GET", "/healthz")
    c.eq("%s: a used-up quota never blocks /healthz" % s, st, 200)
    st, h, j = call(anon, "GET", "/.well-known/oauth-authorization-server")
    c.eq("%s: ... nor the OAuth endpoints" % s, st, 200)
    rc, out, err = stack.admin("quota", "list")
    c.check("%s: ... nor reading the quota state (quota list)" % s,
            rc == 0 and re.search(r"person\s+bob\s+calls\s+day\s+20", out),
            out + err)
    blocked = usage(stack)["bob"]["calls"]
    admin_ok(c, stack, s, "quota", "set", "--person", "bob", "--metric",
             "calls", "--limit", "100")
    st, h, j = call(bob, "GET", "/api/issues")
    c.check("%s: raising the quota lifts the block at the next request "
            "(21 of 100: no notice)" % s, st == 200 and "notice" not in j,
            (st, j))
    c.eq("%s: refused requests were not counted" % s,
         usage(stack)["bob"]["calls"], blocked + 1)
    admin_ok(c, stack, s, "quota", "remove", "--person", "bob", "--metric",
             "calls")
    # Defaults and overrides: creates per person per day.
    admin_ok(c, stack, s, "quota", "set", "--default-person", "--metric",
             "creates", "--limit", "1")
    st, h, j = call(bob, "POST", "/api/issues",
                    {"project": key.split("-")[0], "summary": "Bob's one"})
    c.eq("%s: default creates quota 1: bob's first create" % s, st, 201)
    one = {"project": key.split("-")[0], "summary": "Bob's next"}
    st, h, j = call(bob, "POST", "/api/issues", one)
    c.check("%s: ... then bob's creates are refused (429 naming creates)"
            % s, st == 429 and "tickets created" in
            (j or {}).get("detail", ""), (st, j))
    for path in ("/api/me", "/api/issues", "/api/issues/" + key):
        st, h, j = call(bob, "GET", path)
        c.check("%s: ... but a used-up creates quota does not block "
                "reads (GET %s)" % (s, path), st == 200, (st, j))
    admin_ok(c, stack, s, "quota", "set", "--person", "bob", "--metric",
             "creates", "--limit", "10")
    st, h, j = call(bob, "POST", "/api/issues", one)
    c.check("%s: a person's own quota wins over the default (2 of 10)" % s,
            st == 201 and "notice" not in j, (st, j))
    admin_ok(c, stack, s, "quota", "set", "--person", "bob", "--metric",
             "creates", "--limit", "1")
    st, h, j = call(bob, "POST", "/api/issues", one)
    c.eq("%s: lowering it blocks again at once" % s, st, 429)
    for args in (("--person", "bob"), ("--default-person",)):
        admin_ok(c, stack, s, "quota", "remove", *args, "--metric",
                 "creates")
    c.eq("%s: removing the quotas lifts the block" % s,
         call(bob, "POST", "/api/issues", one)[0], 201)
    # Site quota (local mode: the site is "local"), per month.
    total = sum(r["calls"] for r in usage(stack, "site").values())
    admin_ok(c, stack, s, "quota", "set", "--site", "local", "--metric",
             "calls", "--limit", str(total))
    for who, cl in (("alice", alice), ("bob", bob)):
        st, h, j = call(cl, "GET", "/api/me")
        c.check("%s: site quota used up: %s gets 429 naming the site and "
                "the monthly reset" % (s, who), st == 429 and
                "monthly quota" in (j or {}).get("detail", "") and
                "site local" in (j or {}).get("detail", "") and
                "-01T00:00:00Z" in (j or {}).get("detail", ""), (st, j))
    admin_ok(c, stack, s, "quota", "remove", "--site", "local", "--metric",
             "calls")
    after = rejections(c, stack, s)
    c.eq("%s: /metrics counted the 429s: 4 by person quotas, 2 by the "
         "site's" % s, (after[0] - before[0], after[1] - before[1]), (4, 2))


def concurrency(c, stack, s, client, name):
    """THREADS threads send N requests over WORKERS workers per program:
    every one is counted."""
    before = usage(stack).get(name, {}).get("calls", 0)
    statuses = burst(client, N)
    c.eq("%s: %d concurrent requests all answered 200" % (s, N),
         statuses.count(200), N)
    c.eq("%s: %d threads x %d requests over %d workers: exactly %d calls "
         "counted" % (s, THREADS, N // THREADS, WORKERS, N),
         usage(stack)[name]["calls"] - before, N)


def burst(client, n):
    """n GET /api/me at once from THREADS threads (so several workers
    serve them); their statuses."""
    out = []
    lock = threading.Lock()

    def run(k):
        got = [call(client, "GET", "/api/me")[0]
               for _ in range(k, n, THREADS)]
        with lock:
            out.extend(got)

    threads = [threading.Thread(target=run, args=(k,))
               for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def cached(c, stack, s, client, name):
    """The quota cache (README "Usage and quotas"): every worker keeps
    the quotas it read under a generation; a quota set or removed with
    jta-admin applies at the very next request on every worker, never
    after a worker's cached list."""
    warm = burst(client, 4 * WORKERS)  # the workers cache "no quota"
    used = usage(stack).get(name, {}).get("calls", 0)
    admin_ok(c, stack, s, "quota", "set", "--person", name, "--metric",
             "calls", "--limit", str(used))
    got = burst(client, 4 * WORKERS)
    c.check("%s: a quota set with jta-admin blocks the next requests on "
            "every worker that had read the quotas before" % s,
            warm == [200] * len(warm) and got == [429] * len(got),
            (warm, got))
    admin_ok(c, stack, s, "quota", "remove", "--person", name, "--metric",
             "calls")
    got = burst(client, 4 * WORKERS)
    c.check("%s: ... and removing it lifts the block on every worker" % s,
            got == [200] * len(got), got)


# ---- the two modes -------------------------------------------------------

def local(c, stack, server):
    s = "local/" + server
    keys = test_policy.local_setup(stack)
    alice, bob = Client(stack, keys["alice"]), Client(stack, keys["bob"])
    key = counting(c, stack, s, alice, "alice", "OPS")
    quotas(c, stack, s, alice, bob, key)
    cached(c, stack, s, alice, "alice")
    concurrency(c, stack, s, alice, "alice")


def jira(c, stack, server):
    s = "jira/" + server
    ka = test_policy.link(stack, dict(ALICE))
    kb = test_policy.link(stack, dict(BOB))
    alice, bob = Client(stack, ka), Client(stack, kb)
    st, h, me = call(alice, "GET", "/api/me")
    assert st == 200, (st, me)
    name = me["name"]
    bname = call(bob, "GET", "/api/me")[2]["name"]
    db(stack, "DELETE FROM usage_daily")
    db(stack, "DELETE FROM usage_seen")
    counting(c, stack, s, alice, name, "OPS")
    call(bob, "GET", "/api/me")
    sites = usage(stack, "site")
    site = [k for k in sites if k != "local"]
    c.check("%s: usage is counted per Atlassian site (the link's)" % s,
            len(site) == 1 and site[0].endswith("/site/acme") and
            "://" not in site[0], sites)
    site = site[0] if site else "-"
    used = sum(r["calls"] for r in usage(stack, "site").values())
    limit = used + 10
    admin_ok(c, stack, s, "quota", "set", "--site", "http://" + site + "/",
             "--metric", "calls", "--limit", str(limit))
    rc, out, err = stack.admin("quota", "list", "--json")
    c.check("%s: a site given as a URL is kept as its scheme-less form" % s,
            rc == 0 and json.loads(out)[0]["subject"] == site, out)
    for _ in range(7):
        call(alice, "GET", "/api/me")
    st, h, j = call(bob, "GET", "/api/me")
    c.check("%s: site quota at %d of %d: bob's answer carries the notice"
            % (s, used + 7, limit), st == 200 and "notice" in (j or {}) and
            "for the site %s" % site in j["notice"], (st, j))
    call(alice, "GET", "/api/me")
    call(bob, "GET", "/api/me")
    before = standin.state()["api_calls"]
    for who, cl in ((name, alice), (bname, bob)):
        st, h, j = call(cl, "GET", "/api/issues/OPS-1")
        c.check("%s: site quota used up: %s gets 429" % (s, who),
                st == 429 and (j or {}).get("field") == "quota" and
                h.get("retry-after", "").isdigit(), (st, h, j))
    c.eq("%s: ... and nothing reached Jira" % s,
         standin.state()["api_calls"], before)
    admin_ok(c, stack, s, "quota", "set", "--site", site, "--metric",
             "calls", "--limit", str(limit * 10))
    c.eq("%s: raising the site quota lifts it at once" % s,
         call(bob, "GET", "/api/issues/OPS-1")[0], 200)
    admin_ok(c, stack, s, "quota", "remove", "--site", site, "--metric",
             "calls")
    concurrency(c, stack, s, bob, bname)


def main():
    jtatest.run_modes((("local", local, None),
                       ("jira", jira, test_policy.jira_conf)),
                      "use", workers=WORKERS, cleanup=standin.stop,
                      metrics_open=True)

if __name__ == "__main__":
    main()
