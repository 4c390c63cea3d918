"""The audit log through a real nginx and a real Apache, local mode and
Jira mode (against the Atlassian stand-in): every create, edit, comment,
transition, draft and sign-in (refused ones too) leaves one row with the
right who, site, ticket, endpoint and status; a 422 and a 403 are logged
with their status; no ticket text, password, token or API key is ever in
the table; jta-admin audit's filters and --purge; jta-admin users and
users unlink (the person's next call is 401, their Atlassian tokens are
gone); jta-admin check (ok, FAIL naming a key file with mode 0644, FAIL
on a corrupted copy of the database).  Standard library only."""

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jtatest  # noqa: E402
from jtatest import Client  # noqa: E402

sys.path.insert(0, os.path.join(jtatest.SRCDIR, "tests", "standin"))
from atlassian import ALICE  # noqa: E402
import jiratest  # noqa: E402
from jiratest import Browser, get_url, link, standin  # noqa: E402

CB = "https://chatgpt.com/aip/g-0123abcd/oauth/callback"
PASSWORD = "correct horse battery"
WRONG = "wrong-password-zebra-42"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# Ticket text that must never reach the audit table.
TEXTS = ["Summary-xylophone-7731", "Description-quagmire-9182",
         "Edited-summary-zeppelin-5521", "Comment-marmalade-3319",
         "Draft-summary-kumquat-4410", "Ticket-title-pangolin-8876"]

def admin(stack, *args, stdin=None):
    p = subprocess.run([os.path.join(jtatest.BUILDDIR, "cli", "jta-admin"),
                        "--config", stack.conf] + list(args), input=stdin,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def rows(stack, *args):
    rc, out, err = admin(stack, "audit", "--json", "--limit", "100000",
                         *args)
    assert rc == 0, (args, out, err)
    return json.loads(out)


def db(stack):
    return sqlite3.connect(os.path.join(stack.workdir, "jta.db"))


def one(c, label, got, **want):
    """Exactly one row of got matches want."""
    m = [r for r in got if all(r.get(k) == v for k, v in want.items())]
    return c.check(label, len(m) == 1, "%d match %r in %s" % (
        len(m), want, json.dumps(got)[:1500]))


def scan(c, s, stack, secrets):
    """No column of any audit row holds any of secrets."""
    con = db(stack)
    try:
        dump = "\n".join("|".join(str(v) for v in r) for r in con.execute(
            "SELECT * FROM audit_log"))
        n = con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    finally:
        con.close()
    found = [x for x in secrets if x and x in dump]
    c.check("%s: no ticket text, password, token or key in %d audit rows"
            % (s, n), n > 0 and not found, found)


def changes(c, s, stack, k, site, who):
    """Create, edit, comment, transition, a 422 and a 403; rows checked.
    Returns the created key."""
    st, h, j, _ = k.call("POST", "/api/issues", {
        "project": "OPS", "summary": TEXTS[0], "description": TEXTS[1]})
    assert st == 201, (st, j)
    key = j["key"]
    st, _, j, _ = k.call("PATCH", "/api/issues/" + key,
                         {"summary": TEXTS[2]})
    c.eq("%s: edit is 200" % s, st, 200)
    st, _, j, _ = k.call("POST", "/api/issues/%s/comments" % key,
                         {"body": TEXTS[3]})
    c.eq("%s: comment is 201" % s, st, 201)
    st, _, j, _ = k.call("POST", "/api/issues/%s/transitions" % key,
                         {"to": "In Progress"})
    c.eq("%s: transition is 200" % s, st, 200)
    for _ in range(3):
        k.call("GET", "/api/issues/" + key)
    st, _, j, _ = k.call("DELETE", "/api/issues/" + key)
    c.eq("%s: DELETE of an issue is 405 (no change tried)" % s, st, 405)
    st, _, j, _ = k.call("POST", "/api/issues", {"project": "OPS",
                                                "description": TEXTS[1]})
    c.eq("%s: a create without summary is 422" % s, st, 422)
    st, _, j, _ = k.call("POST", "/api/issues/%s/transitions" % key,
                         {"to": "Nowhere"})
    c.eq("%s: an impossible transition is 4xx" % s, st // 100, 4)
    bad_move = st
    rc, out, err = admin(stack, "deny", "project", "OPS", "--for", "write")
    rule = re.match(r"rule (\d+):", out).group(1)
    st, _, j, _ = k.call("PATCH", "/api/issues/" + key,
                         {"summary": TEXTS[2]})
    c.eq("%s: an edit the rules deny is 403" % s, st, 403)
    admin(stack, "rules", "remove", rule)

    got = rows(stack, "--person", who)
    base = dict(who=who, site=site)
    one(c, "%s: the create: one row with key, endpoint, 201" % s, got,
        action="create", issue_key=key, endpoint="issues.create",
        status=201, **base)
    one(c, "%s: the edit: one row, 200" % s, got, action="edit",
        issue_key=key, endpoint="issue", status=200, **base)
    one(c, "%s: the comment: one row, 201" % s, got, action="comment",
        issue_key=key, endpoint="comments", status=201, **base)
    one(c, "%s: the transition: one row, 200" % s, got,
        action="transition", issue_key=key, endpoint="transitions",
        status=200, **base)
    one(c, "%s: the 422 create: one row with status 422, no key, the "
        "project and the field in the detail" % s, got, action="create",
        issue_key="", status=422, detail="project OPS; field summary",
        **base)
    one(c, "%s: the refused transition: one row with its status" % s, got,
        action="transition", issue_key=key, status=bad_move, **base)
    r403 = [r for r in got if r["status"] == 403]
    c.check("%s: the 403 edit: one row naming the rule" % s,
            len(r403) == 1 and r403[0]["action"] == "edit" and
            r403[0]["issue_key"] == key and
            "rule %s" % rule in r403[0]["detail"], r403)
    c.check("%s: reads and the 405 leave no row" % s,
            all(r["action"] != "read" and r["endpoint"] not in
                ("issues.search",) for r in got) and
            len([r for r in got if r["issue_key"] == key]) == 6, got)
    return key


def filters(c, s, stack, key, who, email):
    allrows = rows(stack)
    c.check("%s: audit: newest first" % s, [r["id"] for r in allrows] ==
            sorted([r["id"] for r in allrows], reverse=True), allrows[:3])
    byt = rows(stack, "--ticket", key)
    c.check("%s: audit --ticket: only that ticket's rows" % s,
            len(byt) >= 6 and all(r["issue_key"] == key for r in byt),
            byt)
    bya = rows(stack, "--action", "comment")
    c.check("%s: audit --action comment: comments only" % s,
            len(bya) >= 1 and all(r["action"] == "comment" for r in bya),
            bya)
    byp = rows(stack, "--person", who)
    bye = rows(stack, "--person", email)
    c.check("%s: audit --person by email finds the same rows as by name"
            % s, len(byp) > 0 and [r["id"] for r in byp] ==
            [r["id"] for r in bye if r["who"] == who], (byp, bye))
    today = time.strftime("%Y-%m-%d", time.gmtime())
    tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
    yesterday = time.strftime("%Y-%m-%d",
                              time.gmtime(time.time() - 86400))
    c.eq("%s: audit --from tomorrow: none" % s,
         rows(stack, "--from", tomorrow), [])
    c.eq("%s: audit --to yesterday: none" % s,
         rows(stack, "--to", yesterday), [])
    c.eq("%s: audit --from today --to today: all" % s,
         len(rows(stack, "--from", today, "--to", today)), len(allrows))
    c.eq("%s: audit --limit 2: two rows" % s,
         len(json.loads(admin(stack, "audit", "--json", "--limit",
                              "2")[1])), 2)
    rc, out, err = admin(stack, "audit", "--ticket", key)
    c.check("%s: audit table: a header and the ticket's rows" % s,
            rc == 0 and out.startswith("WHEN") and key in out and
            len(out.strip().splitlines()) == len(byt) + 1, out + err)
    rc, out, err = admin(stack, "audit", "--csv", "--ticket", key)
    lines = out.strip().splitlines()
    c.check("%s: audit --csv: quoted header and one line a row" % s,
            rc == 0 and lines[0].startswith('"when","who"') and
            len(lines) == len(byt) + 1, out)
    for bad in (("--from", "yesterday"), ("--to", "2026-13-01"),
                ("--limit", "0"), ("--limit", "x"), ("--json", "--csv"),
                ("--bogus", "1"), ("--purge", "--ticket", key),
                ("stray",)):
        rc, out, err = admin(stack, "audit", *bad)
        c.check("%s: audit %s: exit 2 with a message" % (s, " ".join(bad)),
                rc == 2 and err.strip() != "", (rc, out, err))
    rc, out, err = admin(stack, "audit", "--help")
    c.check("%s: audit --help" % s, rc == 0 and "--purge" in out and
            "--person" in out, out)


def retention(c, s, stack):
    con = db(stack)
    try:
        with con:
            ids = [r[0] for r in con.execute(
                "SELECT id FROM audit_log ORDER BY id LIMIT 3")]
            con.execute("UPDATE audit_log SET at = at - 366 * 86400 "
                        "WHERE id IN (%s)" % ",".join("?" * len(ids)), ids)
            con.execute("UPDATE audit_log SET at = at - 364 * 86400 "
                        "WHERE id = (SELECT max(id) FROM audit_log)")
        n0 = con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    finally:
        con.close()
    rc, out, err = admin(stack, "audit", "--purge")
    c.check("%s: audit --purge deletes the 3 rows older than 365 days"
            % s, rc == 0 and "purged 3 " in out, out + err)
    con = db(stack)
    try:
        left = [r[0] for r in con.execute(
            "SELECT id FROM audit_log WHERE action != 'admin:audit-purge'")]
        purges = [r[0] for r in con.execute(
            "SELECT detail FROM audit_log WHERE action = "
            "'admin:audit-purge' AND who LIKE 'operator:%'")]
    finally:
        con.close()
    c.check("%s: ... and only those (364 days old stays)" % s,
            len(left) == n0 - 3 and not set(ids) & set(left), left)
    c.check("%s: ... and the purge itself is audited" % s,
            purges == ["purged 3 rows older than 365 days"], purges)


def check_cmd(c, s, stack, jira):
    rc, out, err = admin(stack, "check")
    c.check("%s: check is ok on the test stack" % s,
            rc == 0 and "FAIL" not in out and out.strip().endswith(
                "check: ok") and "integrity_check" in out and
            ("atlassian_api_url" in out) == jira, out + err)
    vk = os.path.join(stack.workdir, "vault.key")
    os.chmod(vk, 0o644)
    try:
        rc, out, err = admin(stack, "check")
    finally:
        os.chmod(vk, 0o600)
    c.check("%s: check with vault.key 0644: FAIL naming the key and file"
            % s, rc == 1 and re.search(r"^FAIL vault_key_file \S*vault\.key"
                                       r": mode 0644", out, re.M), out)
    # A corrupted copy of the database, under a configuration naming it.
    copy = os.path.join(stack.workdir, "copy.db")
    src = db(stack)
    dst = sqlite3.connect(copy)
    src.backup(dst)
    dst.execute("PRAGMA journal_mode = DELETE")
    dst.close()
    src.close()
    with open(copy, "r+b") as f:
        size = f.seek(0, 2)
        page = 4096
        for off in range(page, size, page):
            f.seek(off + 8)
            f.write(b"\xa5" * 200)
    conf2 = os.path.join(stack.workdir, "copy.conf")
    with open(stack.conf) as f:
        text = f.read()
    with open(conf2, "w") as f:
        f.write(re.sub(r"^database = .*$", "database = " + copy, text,
                       flags=re.M))
    p = subprocess.run([os.path.join(jtatest.BUILDDIR, "cli", "jta-admin"),
                        "--config", conf2, "check"], capture_output=True,
                       text=True, timeout=60)
    c.check("%s: check on a corrupted database copy: FAIL database, "
            "exit 1" % s, p.returncode == 1 and
            re.search(r"^FAIL database", p.stdout, re.M), p.stdout +
            p.stderr)
    # An old schema: FAIL telling to run jta-admin init.
    dst = sqlite3.connect(copy)
    src = db(stack)
    src.backup(dst)
    src.close()
    dst.execute("PRAGMA user_version = 7")
    dst.close()
    p = subprocess.run([os.path.join(jtatest.BUILDDIR, "cli", "jta-admin"),
                        "--config", conf2, "check"], capture_output=True,
                       text=True, timeout=60)
    c.check("%s: check on a database of an older schema: FAIL saying to "
            "run jta-admin init" % s, p.returncode == 1 and
            re.search(r"^FAIL database.*jta-admin init", p.stdout, re.M),
            p.stdout + p.stderr)
    rc, out, err = admin(stack, "check", "extra")
    c.eq("%s: check with an argument: exit 2" % s, rc, 2)


# ---- local mode -----------------------------------------------------------

def local(c, stack, server):
    s = "local/" + server
    for args in (("user", "add", "alice", "--email", "alice@example.com"),
                 ("user", "add", "bob"), ("project", "add", "OPS", "Ops"),
                 ("project", "add", "DEMO", "Demo")):
        rc, out, err = admin(stack, *args)
        assert rc == 0, (args, err)
    rc, ka, err = admin(stack, "key", "create", "alice")
    ka = ka.strip()
    rc, out, err = admin(stack, "user", "passwd", "alice",
                         stdin=PASSWORD + "\n")
    assert rc == 0, err
    rc, out, err = admin(stack, "client", "add", "--name", "GPT",
                         "--redirect-uri", CB)
    cid = re.search(r"^client_id: (\S+)$", out, re.M).group(1)
    csecret = re.search(r"^client_secret: (\S+)$", out, re.M).group(1)
    alice = Client(stack, ka)
    key = changes(c, s, stack, alice, "local", "alice")

    # Drafts: creating and editing one is logged as "draft"; the submit
    # is the create, with the new key.
    st, h, d, _ = alice.call("POST", "/api/drafts", {
        "project": "OPS", "summary": TEXTS[4]})
    did = d["id"]
    alice.call("PATCH", "/api/drafts/" + did, {"summary": TEXTS[4] + "!"})
    st, h, sub, _ = alice.call("POST", "/api/drafts/%s/submit" % did,
                               {"revision": 2})
    c.eq("%s: draft submit is 201" % s, st, 201)
    nkey = (sub or {}).get("issue", {}).get("key")
    got = rows(stack, "--action", "draft")
    c.check("%s: draft create and edit: two 'draft' rows on its id" % s,
            len([r for r in got if r["issue_key"] == did]) == 2 and
            {r["endpoint"] for r in got} == {"drafts.create", "drafts"},
            got)
    one(c, "%s: draft submit: one create row with the new key" % s,
        rows(stack, "--action", "create"), issue_key=nkey,
        endpoint="drafts", status=201)
    # /api/tickets/: its create has an id.
    st, h, t, _ = alice.call("POST", "/api/tickets/", {"title": TEXTS[5]})
    one(c, "%s: /api/tickets/ create: one row with its id" % s,
        rows(stack, "--action", "create"), issue_key=str(t["id"]),
        endpoint="tickets", status=201)

    # Sign-ins at /oauth/authorize: a code issued, a wrong password, a
    # lockout; the name tried is the who, never the password.
    def authorize(user, pw):
        p = {"response_type": "code", "client_id": cid, "redirect_uri": CB,
             "state": "st-1"}
        # The page first, as a browser: its form token and cookie.
        st, h, body = stack.request("GET", "/oauth/authorize?" +
                                    urllib.parse.urlencode(p))
        m = re.search(r'name="form_token" value="([0-9a-f]+)"',
                      body.decode("utf-8", "replace"))
        p.update(username=user, password=pw,
                 form_token=m.group(1) if m else "")
        return stack.request("POST", "/oauth/authorize", headers=dict(
            FORM, Cookie=h.get("set-cookie", "").split(";")[0]),
            raw_body=urllib.parse.urlencode(p).encode())
    st, h, _ = authorize("alice", PASSWORD)
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
        h.get("location", "")).query)).get("code", "")
    c.check("%s: sign-in gives a code" % s, st == 302 and code, h)
    st, h, body = stack.request(
        "POST", "/oauth/token", headers=FORM, raw_body=urllib.parse.urlencode(
            {"grant_type": "authorization_code", "code": code,
             "redirect_uri": CB, "client_id": cid,
             "client_secret": csecret}).encode())
    tok = json.loads(body) if st == 200 else {}
    authorize("alice", WRONG)
    statuses = [authorize("mallory", WRONG)[0] for _ in range(7)]
    c.check("%s: mallory is locked out after wrong passwords" % s,
            statuses[-1] == 429, statuses)
    got = rows(stack, "--action", "sign-in")
    one(c, "%s: the sign-in: one row, alice, 302, code issued" % s, got,
        who="alice", status=302, endpoint="oauth.authorize", site="local",
        detail="code issued")
    one(c, "%s: alice's wrong password: one row, 401" % s, got,
        who="alice", status=401, detail="wrong user name or password")
    c.check("%s: mallory's refusals: 401s then 429 'locked'" % s,
            [r["status"] for r in got if r["who"] == "mallory"][::-1] ==
            statuses and [r for r in got if r["who"] == "mallory"][0][
                "detail"] == "locked", got)
    scan(c, s, stack, TEXTS + [PASSWORD, WRONG, ka, ka[4:16], code,
                               csecret, tok.get("access_token"),
                               tok.get("refresh_token")])
    filters(c, s, stack, key, "alice", "Alice@Example.com")

    # users: local people have no link; unlink revokes their OAuth tokens.
    rc, out, err = admin(stack, "users")
    c.check("%s: users lists alice and bob, link none" % s,
            rc == 0 and re.search(r"^alice\s+none", out, re.M) and
            re.search(r"^bob\s+none", out, re.M), out + err)
    oc = Client(stack, tok.get("access_token"))
    c.eq("%s: alice's access token works before unlink" % s,
         oc.call("GET", "/oauth/issues?project=OPS")[0], 200)
    rc, out, err = admin(stack, "users", "unlink", "alice")
    c.check("%s: users unlink alice: revokes her OAuth tokens" % s,
            rc == 0 and "no Atlassian link" in out and "2 OAuth tokens" in
            out, out + err)
    c.eq("%s: ... her access token is 401 now" % s,
         oc.call("GET", "/oauth/issues?project=OPS")[0], 401)
    one(c, "%s: ... and the unlink is audited as admin:unlink" % s,
        rows(stack, "--action", "admin:unlink"), status=200,
        endpoint="jta-admin")
    for bad in (("unlink",), ("unlink", "nobody"), ("unlink", "Bad Name"),
                ("--bogus",)):
        rc, out, err = admin(stack, "users", *bad)
        c.check("%s: users %s: non-zero with a message" % (s, " ".join(bad)),
                rc != 0 and err.strip() != "", (rc, out, err))
    retention(c, s, stack)
    check_cmd(c, s, stack, False)


# ---- Jira mode ------------------------------------------------------------

def jira_conf(stack):
    return jiratest.conf(stack, 3000, 4000,
                         "audit_retention_days = 365\n")


def jira(c, stack, server):
    s = "jira/" + server
    ka = link(stack, dict(ALICE))
    con = db(stack)
    try:
        name, site = con.execute(
            "SELECT u.name, l.site_url FROM users u JOIN atlassian_links l "
            "ON l.user_id = u.id").fetchone()
    finally:
        con.close()
    got = rows(stack, "--action", "sign-in")
    one(c, "%s: the /oauth/start sign-in: one row with account and site"
        % s, got, who=name, account_id=ALICE["account_id"], site=site,
        status=200, endpoint="oauth.callback")
    # A GPT's sign-in through Atlassian's consent: our code issued at the
    # callback, logged as hers.
    rc, out, err = admin(stack, "client", "add", "--name", "GPT",
                         "--redirect-uri", CB)
    cid = re.search(r"^client_id: (\S+)$", out, re.M).group(1)
    b = Browser(stack)
    st, h, _ = b.get("/oauth/authorize?" + urllib.parse.
                     urlencode({"response_type": "code",
                                "client_id": cid,
                                "redirect_uri": CB,
                                "state": "st-9"}))
    st, h, _ = get_url(h.get("location", ""))
    u = urllib.parse.urlsplit(h.get("location", ""))
    st, h, _ = b.get(u.path + "?" + u.query)
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
        h.get("location", "")).query)).get("code", "")
    c.check("%s: a GPT sign-in through Atlassian gives our code" % s,
            st == 302 and code.startswith("jta_ac_"), h)
    one(c, "%s: ... one sign-in row, 302, with account and site" % s,
        rows(stack, "--action", "sign-in"), who=name,
        account_id=ALICE["account_id"], site=site, status=302,
        endpoint="oauth.callback", detail="code issued (atlassian)")
    alice = Client(stack, ka)
    key = changes(c, s, stack, alice, site, name)
    c.check("%s: every row of alice carries her account id" % s,
            all(r["account_id"] == ALICE["account_id"]
                for r in rows(stack, "--person", name)), "")
    byacc = rows(stack, "--person", ALICE["account_id"])
    c.eq("%s: audit --person ACCOUNT_ID finds her rows" % s,
         [r["id"] for r in byacc],
         [r["id"] for r in rows(stack, "--person", name)])
    scan(c, s, stack, TEXTS + [ka, jiratest.SECRET, code])
    filters(c, s, stack, key, name, ALICE["email"])

    rc, out, err = admin(stack, "users")
    c.check("%s: users lists alice linked with account and site" % s,
            rc == 0 and re.search(r"^%s\s+linked\s+%s\s+%s" % (
                re.escape(name), re.escape(ALICE["account_id"]),
                re.escape(site)), out, re.M), out + err)
    rc, out, err = admin(stack, "users", "unlink", name)
    c.check("%s: users unlink: done" % s, rc == 0 and "unlinked" in out,
            out + err)
    st, h, j, _ = alice.call("GET", "/api/issues/" + key)
    c.check("%s: ... her next call is 401 telling her to visit "
            "/oauth/start" % s, st == 401 and "/oauth/start" in
            (j or {}).get("detail", ""), (st, j))
    con = db(stack)
    try:
        n = con.execute("SELECT count(*) FROM atlassian_links").fetchone()[0]
    finally:
        con.close()
    c.eq("%s: ... her Atlassian tokens are gone from the database" % s,
         n, 0)
    r = rows(stack, "--action", "admin:unlink")
    c.check("%s: ... audited as admin:unlink with her account and site"
            % s, len(r) == 1 and r[0]["account_id"] == ALICE["account_id"]
            and r[0]["site"] == site and r[0]["who"].startswith(
                "operator:"), r)
    rc, out, err = admin(stack, "users")
    c.check("%s: users shows her without a link" % s,
            re.search(r"^%s\s+none" % re.escape(name), out, re.M), out)
    check_cmd(c, s, stack, True)


def main():
    jtatest.run_modes((("local", local, None), ("jira", jira, jira_conf)),
                      "aud", cleanup=standin.stop)

if __name__ == "__main__":
    main()
