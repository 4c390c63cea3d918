"""Knowledge sync (README.md "Knowledge sync") over real HTTP under nginx and
Apache in Jira mode against the stand-in: jta-admin kb space add|list|
remove, kb sync through Confluence v2's space and page listings with
cursor pagination, kb status, searches of a declared space answered from
the index with no upstream call and left out of the live CQL, an upstream
failing half-way (the old index stays served and the error is shown), a
person of another Atlassian site who never sees the synced pages, and the
audit rows; and (issue 13 item 5) GET /api/similar on the embedded store
across German, French, Spanish and Japanese.  Standard library only."""

import json
import os
import sys
import tempfile
import traceback
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "standin"))

import harness  # noqa: E402
import jtatest  # noqa: E402
from jtatest import Client  # noqa: E402
import test_jira as tj  # noqa: E402  (its stand-in, conf and consent)
import atlassian  # noqa: E402
import confluence as cf  # noqa: E402

CAROL = {"account_id": "712020:0c0c0c0c-1111-4222-8333-444455556666",
         "name": "Carol Other", "email": "carol@example.org"}
EXTRA = 120     # pages added to IT: more than one listing page (100)


def conf(stack):
    return tj.conf(stack, extra="knowledge_confluence = on\n")


def q(path, **params):
    return path + "?" + urllib.parse.urlencode(params)


def calls(prefix):
    w = tj.standin.world
    with w.lock:
        return sum(n for k, n in dict(w.counters["api_calls"]).items()
                   if k.startswith(prefix))


def user_name(stack, account):
    rc, out, _ = stack.admin("users", "--json")
    for u in (json.loads(out) if rc == 0 else []):
        if u.get("account_id") == account:
            return u["name"]
    return None


def status(stack):
    rc, out, _ = stack.admin("kb", "status")
    return {s["key"]: s for s in json.loads(out)} if rc == 0 else {}


def linked(c, stack, s, person=None, pick=False):
    """Consent as person (Alice by default); with pick, on the second of
    two sites.  A Client with the person's API key, or None."""
    if person is not None:
        tj.standin.config(person=dict(person))
    if pick:
        tj.standin.config(sites=2)
    st, page, _ = tj.consent(c, stack, s)
    if pick:
        import re
        links = re.findall(r'href="(/oauth/start\?site=[0-9a-f-]+)"',
                           page or "")
        if not c.check(s + "two sites: the page lists them",
                       st == 200 and len(links) == 2, page):
            return None
        st, page, _ = tj.consent(c, stack, s + " (picked)", links[1])
    m = tj.KEY_RE.search(page or "")
    if not c.check(s + "linked", st == 200 and m, page):
        return None
    return Client(stack, m.group(1))


def run(c, stack, s):
    w = tj.standin.world
    alice = linked(c, stack, s + "alice ")
    if alice is None:
        return
    aname = user_name(stack, atlassian.ALICE["account_id"])
    c.check(s + "alice has a user name", aname, aname)

    # ---- declaring ----
    rc, out, err = stack.admin("kb", "space", "add", "IT", "--as", aname)
    c.check(s + "kb space add IT --as alice: exit 0 naming the site",
            rc == 0 and "declared IT" in out and
            w.site_url("acme") in out, (rc, out, err))
    rc, out, err = stack.admin("kb", "space", "add", "IT", "--as", aname)
    c.check(s + "kb space add of a declared space: refused",
            rc != 0 and "declared already" in err, (rc, out, err))
    rc, out, err = stack.admin("kb", "space", "add", "I T", "--as", aname)
    c.check(s + "kb space add of a bad key: refused naming the key",
            rc != 0 and "space key" in err, (rc, out, err))
    rc, out, err = stack.admin("kb", "space", "add", "HR", "--as", "nobody")
    c.check(s + "kb space add as an unknown person: refused", rc != 0,
            (rc, out, err))
    rc, out, err = stack.admin("kb", "space", "add", "HR")
    c.check(s + "kb space add without --as: usage (exit 2)", rc == 2,
            (rc, out, err))
    rc, out, _ = stack.admin("kb", "space", "list")
    sp = json.loads(out) if rc == 0 else []
    c.check(s + "kb space list: IT, as alice, never synced",
            len(sp) == 1 and sp[0]["key"] == "IT" and
            sp[0]["person"] == aname and sp[0]["synced"] is None, sp)
    it = status(stack).get("IT", {})
    c.check(s + "kb status before a sync: stale, no articles",
            it.get("stale") is True and it.get("articles") == 0, it)

    # ---- a whole sync, two listing pages ----
    for i in range(EXTRA):
        cf.add_page(w, str(5000 + i), "IT", "Runbook %d" % i,
                    "The zebrafish procedure number %d." % i)
    # A title of 255 characters but 510 bytes: kept, shortened.
    cf.add_page(w, "5000", "IT", "Runbook 0 " + "\u00dc" * 245,
                "The zebrafish procedure number 0, the axolotl one.")
    n0 = len(cf.state(w)["listings"])
    rc, out, err = stack.admin("kb", "sync")
    want = 3 + EXTRA        # IT's pages 1001, 1002, 1004 and the extra
    c.check(s + "kb sync: exit 0, every page of IT",
            rc == 0 and ("synced IT: %d articles" % want) in out,
            (rc, out, err))
    c.eq(s + "kb sync followed the cursor: two listing pages",
         cf.state(w)["listings"][n0:], [("IT", None), ("IT", "c100z")])
    it = status(stack).get("IT", {})
    c.check(s + "kb status: last sync, the count, no error, not stale",
            it.get("articles") == want and it.get("synced") and
            it.get("error") is None and it.get("stale") is False, it)

    st, _, j, _ = Client(stack).call("GET", "/healthz")
    c.check(s + "/healthz counts the declared space: synced, not stale",
            st == 200 and j.get("knowledge_sync", {}).get("spaces") == 1
            and j["knowledge_sync"]["stale"] == 0 and
            j["knowledge_sync"]["failed"] == 0 and
            j["knowledge_sync"]["oldest"] == it.get("synced"), (st, j))

    # ---- searches answered from the index ----
    up0 = calls("confluence ")
    st, _, j, raw = alice.call("GET", q("/api/knowledge",
                                        text="zebrafish procedure",
                                        space="IT", limit=3))
    arts = (j or {}).get("articles", [])
    c.check(s + "space=IT (declared): answered from the index",
            st == 200 and len(arts) == 3 and
            all(a["from"] == "local" and a["space"] == "IT" and
                a["id"].startswith("kb-") for a in arts), (st, raw[:500]))
    c.eq(s + "space=IT (declared): no upstream call",
         calls("confluence ") - up0, 0)
    synced_id = arts[0]["id"] if arts else "kb-0"
    st, _, j, _ = alice.call("GET", q("/api/knowledge", text="axolotl",
                                      space="IT"))
    long_t = [a["title"] for a in (j or {}).get("articles", [])
              if a["title"].startswith("Runbook 0 ")]
    c.check(s + "a title over 255 bytes is kept, cut on a character "
            "with an ellipsis", len(long_t) == 1 and
            long_t[0].endswith("\u00dc\u2026") and
            len(long_t[0].encode()) <= 255, long_t)
    st, _, j, _ = alice.call("GET", q("/api/knowledge", text="VPN client",
                                      space="IT"))
    vpn = [a for a in (j or {}).get("articles", [])
           if a["title"] == "VPN client setup"]
    c.check(s + "a synced page carries its link on the site",
            st == 200 and len(vpn) == 1 and vpn[0]["url"] ==
            w.site_url("acme") + "/wiki/spaces/IT/pages/1002/"
            "VPN+client+setup", (st, j))
    st, _, j, _ = alice.call("GET", "/api/knowledge/" + synced_id)
    c.check(s + "alice reads a synced article", st == 200 and
            "zebrafish" in (j or {}).get("body", ""), (st, j))
    st, _, j, _ = alice.call("GET", q("/api/knowledge", text="office wifi"))
    last = cf.state(w)["cql"][-1]
    c.check(s + "live search leaves the declared space out of the CQL, "
            "quoted", st == 200 and
            last.endswith(' AND space not in ("IT")'), (st, last))

    # ---- an upstream failing half-way ----
    cf.remove_page(w, "1002")
    cf.configure(w, fail_listing=True)
    rc, out, err = stack.admin("kb", "sync", "IT")
    c.check(s + "kb sync with a listing failing half-way: exit 1",
            rc == 1, (rc, out, err))
    it = status(stack).get("IT", {})
    c.check(s + "kb status shows the error; the old count stays",
            it.get("error") and it.get("articles") == want, it)
    st, _, j, _ = Client(stack).call("GET", "/healthz")
    c.check(s + "/healthz shows the failed sync and stays 200",
            st == 200 and j.get("status") == "ok" and
            j.get("knowledge_sync", {}).get("failed") == 1, (st, j))
    st, _, j, _ = alice.call("GET", q("/api/knowledge", text="VPN client",
                                      space="IT"))
    c.check(s + "the old index is still served (the removed page too)",
            st == 200 and "VPN client setup" in
            [a["title"] for a in j.get("articles", [])], (st, j))
    import test_admin
    rc, st, j, err = test_admin.cgi(stack, "GET", "/admin/api/state", env={
        "REMOTE_USER": "ops", "AUTH_TYPE": "Basic"})
    ks = (j or {}).get("knowledge_sync", [])
    c.check(s + "the admin page's state shows the space, its count and "
            "its error", st == 200 and len(ks) == 1 and
            ks[0]["key"] == "IT" and ks[0]["articles"] == want and
            ks[0]["error"] == it.get("error"), (rc, st, j, err[-500:]))
    cf.configure(w, fail_listing=False)
    rc, out, err = stack.admin("kb", "sync", "IT")
    c.check(s + "kb sync again: the page removed upstream goes",
            rc == 0 and ("synced IT: %d articles" % (want - 1)) in out,
            (rc, out, err))
    st, _, j, _ = alice.call("GET", q("/api/knowledge", text="VPN client",
                                      space="IT"))
    c.check(s + "... and is no longer found", st == 200 and
            "VPN client setup" not in
            [a["title"] for a in j.get("articles", [])], (st, j))
    it = status(stack).get("IT", {})
    c.check(s + "kb status: the error is cleared", it.get("error") is None
            and it.get("articles") == want - 1, it)

    # ---- a person of another site never sees them ----
    carol = linked(c, stack, s + "carol ", person=CAROL, pick=True)
    if carol is not None:
        st, _, j, raw = carol.call("GET", q("/api/knowledge",
                                            text="zebrafish procedure"))
        c.check(s + "carol (another site) sees no synced article",
                st == 200 and not [a for a in j.get("articles", [])
                                   if a["from"] == "local"],
                (st, raw[:500]))
        last = cf.state(w)["cql"][-1]
        c.check(s + "carol's live CQL does not leave IT out (not her "
                "site's declared space)", "not in" not in last, last)
        st, _, j, _ = carol.call("GET", "/api/knowledge/" + synced_id)
        c.check(s + "carol cannot read a synced article: 404", st == 404,
                (st, j))
        st, _, j, _ = carol.call("GET", q("/api/knowledge",
                                          text="zebrafish", space="IT"))
        c.check(s + "carol's space=IT goes to her own site's Confluence",
                st == 200 and j.get("searched", [])[:1] == ["confluence"]
                and all(a["from"] != "local" for a in j["articles"]),
                (st, j))
    tj.standin.config(sites=1)

    # ---- removal and audit ----
    rc, out, err = stack.admin("kb", "space", "remove", "IT")
    c.check(s + "kb space remove IT: its articles go",
            rc == 0 and ("its %d synced articles" % (want - 1)) in out,
            (rc, out, err))
    st, _, j, _ = alice.call("GET", "/api/knowledge/" + synced_id)
    c.check(s + "a removed space's article is 404", st == 404, (st, j))
    rc, out, err = stack.admin("kb", "space", "remove", "IT")
    c.check(s + "kb space remove again: refused", rc != 0, (rc, out, err))
    rc, out, _ = stack.admin("audit")
    c.check(s + "audit: space add, sync (ok and failed), space remove",
            rc == 0 and "kb-space-add" in out and "kb-sync" in out and
            "kb-space-remove" in out, out[-1500:])


def languages(c, stack, s):
    """Similar tickets across languages on the embedded store: accents
    and case folded (German, French, Spanish), Japanese by its
    three-character windows."""
    for args in (("user", "add", "alice"),
                 ("project", "add", "DEMO", "Demo project")):
        rc, out, err = stack.admin(*args)
        assert rc == 0, (args, out, err)
    rc, out, err = stack.admin("key", "create", "alice")
    assert rc == 0, err
    alice = Client(stack, out.strip())
    made = {}
    for name, summary in (
            ("de", "Drucker-St\u00f6rung im B\u00fcro"),
            ("fr", "Impossible de se connecter au r\u00e9seau Wi-Fi"),
            ("es", "La contrase\u00f1a caduc\u00f3"),
            ("ja", "\u7d4c\u8cbb\u7cbe\u7b97\u306e\u7533\u8acb"
                   "\u30a8\u30e9\u30fc"),
            ("en", "Coffee machine is broken")):
        st, _, j, _ = alice.call("POST", "/api/issues",
                                 {"project": "DEMO", "summary": summary})
        assert st == 201, (st, j)
        made[name] = j["key"]
    for text, want in (
            ("drucker STORUNG buro", "de"),
            ("reseau wifi connecter", "fr"),
            ("CONTRASENA caducó", "es"),
            ("\u7d4c\u8cbb\u7cbe\u7b97\u3092\u7533\u8acb\u3057"
             "\u305f\u3044", "ja")):
        st, _, j, raw = alice.call("GET", q("/api/similar", text=text))
        got = [x["key"] for x in (j or {}).get("similar", [])]
        c.check(s + "similar %r finds the %s ticket first, nothing "
                "unrelated" % (text, want), st == 200 and got[:1] ==
                [made[want]] and made["en"] not in got, (st, raw[:400]))


def main():
    cases = jtatest.Cases()
    try:
        for server in ("nginx", "apache"):
            work = tempfile.mkdtemp(prefix="jta-kblang-%s-" % server)
            stack = harness.Stack(server, jtatest.BUILDDIR, jtatest.SRCDIR,
                                  work, None)
            try:
                stack.start()
                languages(cases, stack, server + " local: ")
            except Exception:
                traceback.print_exc()
                cases.check("%s local: test ran to the end" % server, False)
            finally:
                stack.stop()
            bad = jtatest.logs_clean(stack)
            cases.check("%s local: no sanitizer report or crash in the "
                        "logs" % server, not bad, "\n".join(bad[:10]))
            jtatest.keep_if_failed(cases, work)
            work = tempfile.mkdtemp(prefix="jta-kbsync-%s-" % server)
            stack = harness.Stack(server, jtatest.BUILDDIR, jtatest.SRCDIR,
                                  work, conf)
            try:
                stack.start()
                run(cases, stack, server + ": ")
            except Exception:
                traceback.print_exc()
                cases.check("%s: test ran to the end" % server, False)
            finally:
                stack.stop()
            bad = jtatest.logs_clean(stack)
            cases.check("%s: no sanitizer report or crash in the logs" %
                        server, not bad, "\n".join(bad[:10]))
            jtatest.keep_if_failed(cases, work)
    finally:
        tj.standin.stop()
    cases.finish()


if __name__ == "__main__":
    main()
