"""The Atlassian stand-in over real HTTP on 127.0.0.1: the OAuth dance and
its rules (single-use codes, rotating refresh tokens, the reuse grace, family
revocation), Jira search with nextPageToken and JQL escapes, create and its
refusals, the workflow, and every fault switch.  Started as a program, the
way the integration tests start it.  Prints one line per case; exit 0 when
all pass.  Standard library only; bounded in time (< 30 s)."""

import hashlib
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
from jtatest import Cases  # noqa: E402  (one line per case)

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("JTA_SRCDIR") or os.path.abspath(
    os.path.join(HERE, "..", ".."))
PROGRAM = os.path.join(SRCDIR, "tests", "standin", "atlassian.py")

CLIENT_ID = "jta-test-client"
SECRET = "s3cret-for-tests"
REDIRECT = "http://127.0.0.1:1/oauth/atlassian/callback"
SCOPE = "read:jira-work write:jira-work read:jira-user offline_access"
CLOUD = "11111111-2222-4333-8444-555555555555"
J = "/ex/jira/%s/rest/api/3" % CLOUD
ALICE = "712020:2f6a8c31-5b4e-4d7a-9c1e-0a1b2c3d4e5f"


class Client:
    def __init__(self, port):
        self.port = port

    def req(self, method, path, body=None, token=None, headers=None,
            form=None, timeout=10):
        """-> (status, lower-case headers, parsed JSON or raw bytes)."""
        h = dict(headers or {})
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = body if isinstance(body, bytes) else \
                json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        if token:
            h["Authorization"] = "Bearer " + token
        conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=timeout)
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            raw = r.read()
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = raw
            return r.status, {k.lower(): v for k, v in r.getheaders()}, \
                parsed
        finally:
            conn.close()

    def config(self, **kw):
        st, _, j = self.req("POST", "/_standin/config", kw)
        assert st == 200, (st, j)
        return j

    def state(self):
        return self.req("GET", "/_standin/state")[2]

    def authorize(self, scope=SCOPE, state="st-123", client_id=CLIENT_ID,
                  redirect=REDIRECT):
        q = urllib.parse.urlencode({
            "audience": "api.atlassian.com", "client_id": client_id,
            "scope": scope, "redirect_uri": redirect, "state": state,
            "response_type": "code", "prompt": "consent"})
        return self.req("GET", "/authorize?" + q)

    def code(self, scope=SCOPE):
        st, h, _ = self.authorize(scope)
        loc = urllib.parse.urlsplit(h["location"])
        return urllib.parse.parse_qs(loc.query)["code"][0]

    def token(self, **body):
        b = {"client_id": CLIENT_ID, "client_secret": SECRET}
        b.update(body)
        return self.req("POST", "/oauth/token", b)

    def login(self, scope=SCOPE):
        st, _, j = self.token(grant_type="authorization_code",
                              code=self.code(scope), redirect_uri=REDIRECT)
        assert st == 200, (st, j)
        return j

    def refresh(self, rt):
        return self.token(grant_type="refresh_token", refresh_token=rt)


def start():
    p = subprocess.Popen([sys.executable, PROGRAM, "--port", "0",
                          "--client-id", CLIENT_ID, "--client-secret", SECRET,
                          "--redirect-uri", REDIRECT],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    line = p.stdout.readline()
    if not line.startswith("LISTENING "):
        p.kill()
        raise RuntimeError("stand-in did not start: %r %s" % (
            line, p.stderr.read()))
    return p, int(line.split()[1])


def search(c, tok, jql, **kw):
    q = dict(kw)
    q["jql"] = jql
    return c.req("GET", J + "/search/jql?" + urllib.parse.urlencode(q),
                 token=tok)


def keys(j):
    return [i["key"] for i in j["issues"]]


def adf(text):
    return {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": text}]}]}


def test_oauth(c, k):
    st, h, body = c.authorize(client_id="nobody")
    k.check("authorize: unknown client is a 400 page, no redirect",
            st == 400 and "location" not in h, (st, h))
    st, h, _ = c.authorize(redirect="http://evil.example/cb")
    k.check("authorize: unregistered redirect_uri is 400, no redirect",
            st == 400 and "location" not in h, st)
    st, h, _ = c.authorize(state="a b&c")
    loc = urllib.parse.urlsplit(h.get("location", ""))
    q = urllib.parse.parse_qs(loc.query)
    k.check("authorize: consent redirects to redirect_uri with code, state",
            st == 302 and loc.geturl().startswith(REDIRECT) and
            q.get("state") == ["a b&c"] and len(q.get("code", [""])[0]) > 20,
            (st, h))
    c.config(deny_consent=True)
    st, h, _ = c.authorize(state="s9")
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(h["location"]).query)
    k.check("authorize: denied consent redirects with error=access_denied",
            st == 302 and q.get("error") == ["access_denied"] and
            q.get("state") == ["s9"] and "code" not in q and
            q.get("error_description"), q)
    c.config(deny_consent=False)

    code = c.code()
    st, _, j = c.token(grant_type="authorization_code", code=code,
                       redirect_uri=REDIRECT, client_secret="wrong")
    k.check("token: wrong client secret is 401 access_denied",
            st == 401 and j["error"] == "access_denied", (st, j))
    # the failed attempt did not spend the code
    st, _, form = c.req("POST", "/oauth/token", form={
        "grant_type": "authorization_code", "client_id": CLIENT_ID,
        "client_secret": SECRET, "code": code, "redirect_uri": REDIRECT})
    k.check("token: form-encoded code exchange gives a bearer pair",
            st == 200 and form["token_type"] == "Bearer" and
            form["expires_in"] == 3600 and form["access_token"] and
            form["refresh_token"] and "offline_access" in form["scope"],
            (st, form))
    st, _, j = c.token(grant_type="authorization_code", code=code,
                       redirect_uri=REDIRECT)
    k.check("token: a code is single-use (403 invalid_grant)",
            st == 403 and j["error"] == "invalid_grant" and
            j.get("error_description"), (st, j))
    st, _, j = c.token(grant_type="authorization_code", code=c.code(),
                       redirect_uri=REDIRECT + "x")
    k.check("token: a code is bound to its redirect_uri",
            st == 403 and j["error"] == "invalid_grant", (st, j))
    j = c.login(scope="read:jira-work")
    k.check("token: no offline_access, no refresh_token",
            "refresh_token" not in j and j["access_token"], j)

    c.config(sites=[{"id": CLOUD, "name": "acme"},
                    {"id": "22222222-3333-4444-8555-666666666666",
                     "name": "beta"}])
    pair = c.login()
    st, _, res = c.req("GET", "/oauth/token/accessible-resources",
                       token=pair["access_token"])
    k.check("accessible-resources lists both sites with id, url, scopes",
            st == 200 and [r["id"] for r in res] ==
            [CLOUD, "22222222-3333-4444-8555-666666666666"] and
            res[0]["url"].endswith("/site/acme") and
            "write:jira-work" in res[0]["scopes"] and res[0]["avatarUrl"],
            res)
    st, _, me = c.req("GET", "/me", token=pair["access_token"])
    k.check("/me names the consenting person",
            st == 200 and me["account_id"] == ALICE and
            me["email"] == "alice@example.com" and me["name"], me)
    st, _, j = c.req("GET", "/ex/jira/99999999-0000-4000-8000-000000000000"
                     "/rest/api/3/myself", token=pair["access_token"])
    k.eq("a cloud id the token was not granted is 401", st, 401)
    st, h, j = c.req("GET", J + "/myself")
    k.check("no token is 401 with WWW-Authenticate",
            st == 401 and "www-authenticate" in h, (st, h))
    c.config(sites=1)

    # Rotation.
    a1, r1 = pair["access_token"], pair["refresh_token"]
    st, _, p2 = c.refresh(r1)
    k.check("refresh: a new access token and a new refresh token",
            st == 200 and p2["access_token"] != a1 and
            p2["refresh_token"] != r1, (st, p2))
    st, _, p3 = c.refresh(r1)
    k.check("refresh: the spent token inside the grace gives a fresh pair",
            st == 200 and p3["refresh_token"] not in (r1, p2["refresh_token"]),
            (st, p3))
    s = c.state()
    k.check("counters: reuse inside the grace is counted",
            s["reused_refresh_presented"] == 1 and
            s["reused_refresh_in_grace"] == 1 and s["refreshes"] == 2, s)
    st, _, j = c.req("GET", J + "/myself", token=p3["access_token"])
    k.check("myself answers as the person", st == 200 and
            j["accountId"] == ALICE, (st, j))
    c.config(refresh_reuse_grace=0.3)
    time.sleep(0.4)
    st, _, j = c.refresh(r1)
    k.check("refresh: the spent token after the grace is 403 invalid_grant",
            st == 403 and j["error"] == "invalid_grant", (st, j))
    st, _, _ = c.req("GET", J + "/myself", token=p3["access_token"])
    k.eq("family revoked: its access tokens die", st, 401)
    st, _, j = c.refresh(p3["refresh_token"])
    k.check("family revoked: its newest refresh token dies",
            st == 403 and j["error"] == "invalid_grant", (st, j))
    s = c.state()
    k.check("counters: invalid_grant, families_revoked, token calls by grant",
            s["families_revoked"] == 1 and s["invalid_grant"] == 4 and
            s["token_calls"]["refresh_token"] == 4 and
            s["reused_refresh_presented"] == 2 and
            s["token_calls"]["authorization_code"] == 6, s)
    c.config(refresh_reuse_grace=600)

    # Refresh answers without a refresh token: the old one stays valid.
    pair = c.login()
    c.config(refresh_omit_token=True)
    st, _, p1 = c.refresh(pair["refresh_token"])
    st2, _, p2 = c.refresh(pair["refresh_token"])
    k.check("refresh_omit_token: no refresh_token, the old one keeps working",
            st == 200 and st2 == 200 and "refresh_token" not in p1 and
            p1["access_token"] != p2["access_token"], (st, p1, st2, p2))
    c.config(refresh_omit_token=False)

    c.config(access_token_lifetime=1)
    short = c.login()
    k.eq("access_token_lifetime sets expires_in", short["expires_in"], 1)
    st1, _, _ = c.req("GET", J + "/myself", token=short["access_token"])
    time.sleep(1.1)
    st2, _, j = c.req("GET", J + "/myself", token=short["access_token"])
    k.check("an expired access token is 401",
            st1 == 200 and st2 == 401 and j == {"code": 401,
                                                "message": "Unauthorized"},
            (st1, st2, j))
    c.config(access_token_lifetime=3600)


def test_search(c, k, tok):
    st, _, j = search(c, tok, "")
    k.check("search: fields default to id only",
            st == 200 and len(j["issues"]) == 6 and
            j["issues"][0] == {"id": j["issues"][0]["id"]} and j["isLast"],
            j)
    seen = []
    token = None
    pages = 0
    while True:
        kw = {"maxResults": 2, "fields": "summary,status"}
        if token:
            kw["nextPageToken"] = token
        st, _, j = search(c, tok, "ORDER BY created ASC", **kw)
        pages += 1
        if st != 200 or pages > 5:
            break
        seen += keys(j)
        token = j.get("nextPageToken")
        if j["isLast"]:
            k.check("search: the last page has no nextPageToken",
                    token is None, j)
            break
    k.check("search: nextPageToken walks 3 pages of 2, oldest first",
            pages == 3 and seen == ["OPS-3", "OPS-1", "SUP-1", "OPS-2",
                                    "SUP-3", "SUP-2"], (pages, seen))
    st, _, j = search(c, tok, "project = OPS", nextPageToken=token or "x")
    k.eq("search: a token from another query is 400", st, 400)
    st, _, j = c.req("POST", J + "/search/jql", {
        "jql": 'project = "OPS" AND status = "To Do"',
        "fields": ["summary", "status", "priority"], "maxResults": 10},
        token=tok)
    k.check("search POST: project and status, fields chosen",
            st == 200 and keys(j) == ["OPS-1"] and
            set(j["issues"][0]["fields"]) == {"summary", "status",
                                              "priority"} and
            j["issues"][0]["fields"]["status"]["name"] == "To Do", j)
    st, _, j = search(c, tok, 'summary ~ "\\"disk full\\""', fields="*all")
    k.check("search: escaped quotes inside a JQL string",
            st == 200 and keys(j) == ["OPS-3"] and
            j["issues"][0]["fields"]["description"]["type"] == "doc", j)
    st, _, j = search(c, tok, "text ~ 'safari\\u0020blank' AND "
                      "priority = High AND labels = login", fields="key")
    k.check("search: \\u escape, text ~, priority, labels",
            st == 200 and keys(j) == ["SUP-2"], j)
    st, _, j = search(c, tok, "assignee = currentUser() AND issuetype = Bug "
                      "ORDER BY updated DESC", fields="updated")
    k.check("search: assignee = currentUser(), type, ORDER BY updated DESC",
            st == 200 and keys(j) == ["SUP-2", "OPS-1", "OPS-3"], j)
    st, _, j = search(c, tok, 'created >= "2026-11-10 00:00" AND created <= '
                      '"2026-11-12 12:00" ORDER BY created', fields="created")
    k.check("search: created between two dates",
            st == 200 and keys(j) == ["OPS-2", "SUP-3"] and
            j["issues"][0]["fields"]["created"] ==
            "2026-11-10T08:00:00.000+0000", j)
    st, _, j = search(c, tok, 'reporter = "%s" AND updated <= "2026-11-20"'
                      % ALICE, fields="key")
    k.check("search: reporter by account id, updated <=",
            st == 200 and keys(j) == [], j)
    for jql, why in (('summary ~ "bad \\q escape"', "illegal escape"),
                     ('project = "OPS', "unclosed quote"),
                     ("project = OPS OR project = SUP", "OR"),
                     ("project = NOPE", "unknown project"),
                     ('created >= "yesterday"', "bad date"),
                     ("projekt = OPS", "unknown field"),
                     ("status = ", "missing value")):
        st, _, j = search(c, tok, jql)
        k.check("search: %s is 400 Error in the JQL Query" % why,
                st == 400 and j["errors"] == {} and
                j["errorMessages"][0].startswith("Error in the JQL Query"),
                (st, j))
    st, _, j = search(c, tok, 'text ~ "tunnel OR safari"', fields="key")
    k.check("search: text ~ with Lucene's OR finds either word",
            st == 200 and sorted(keys(j)) == ["OPS-1", "SUP-2"], j)
    st, _, j = search(c, tok, 'text ~ "tunnel safari"', fields="key")
    k.check("search: text ~ with bare words needs them all",
            st == 200 and keys(j) == [], j)
    st, _, j = search(c, tok, 'key = OPS-1', fields="components")
    k.check("search: components is a list on every issue",
            st == 200 and j["issues"][0]["fields"]["components"] == [], j)
    st, _, j = search(c, tok, "", maxResults=1000)
    k.check("search: maxResults over the cap still answers",
            st == 200 and len(j["issues"]) == 6, st)
    st, _, j = c.req("GET", J + "/search?jql=", token=tok)
    k.eq("the removed /search answers 410", st, 410)


def test_users(c, k, tok):
    """GET /user/search: prefix of the display name, a word of it or the
    email, case-insensitive; paged; an account type and hidden email."""
    def find(**q):
        return c.req("GET", J + "/user/search?" + urllib.parse.urlencode(q),
                     token=tok)
    st, _, j = find(query="ALI")
    k.check("user search: display name prefix, any case",
            st == 200 and [u["accountId"] for u in j] == [ALICE] and
            j[0]["accountType"] == "atlassian" and j[0]["active"] is True
            and j[0]["emailAddress"] == "alice@example.com", j)
    st, _, j = find(query="builder")
    k.check("user search: a word of the display name",
            st == 200 and [u["displayName"] for u in j] == ["Bob Builder"],
            j)
    st, _, j = find(query="bob@exa")
    k.check("user search: email prefix",
            st == 200 and [u["displayName"] for u in j] == ["Bob Builder"],
            j)
    st, _, j = find(query="example.com")
    k.eq("user search: not a substring in the middle", (st, j), (200, []))
    st, _, j = find(query="a", maxResults=1)
    st2, _, j2 = find(query="b", startAt=1)
    k.check("user search: maxResults and startAt",
            st == 200 and len(j) == 1 and st2 == 200 and j2 == [], (j, j2))
    st, _, j = find()
    k.check("user search: no query is 400", st == 400 and
            j["errorMessages"], j)


def test_issues(c, k, tok):
    st, _, j = c.req("GET", J + "/issue/OPS-1", token=tok)
    f = j["fields"] if st == 200 else {}
    types = {n["type"] for n in f.get("description", {}).get("content", [])}
    k.check("issue: ADF description, comments, Jira time format",
            st == 200 and {"heading", "bulletList", "codeBlock",
                           "paragraph"} <= types and
            f["comment"]["total"] == 2 and f["status"]["name"] == "To Do" and
            f["created"] == "2026-11-02T09:15:00.000+0000" and
            f["assignee"]["accountId"] == ALICE, j)
    st, _, j = c.req("GET", J + "/issue/OPS-99", token=tok)
    k.check("issue: unknown key is 404 with Jira's message",
            st == 404 and j["errorMessages"] == [
                "Issue does not exist or you do not have permission to see "
                "it."], j)

    base = {"project": {"key": "OPS"}, "issuetype": {"name": "Task"},
            "summary": "Printer on floor 3 is jammed"}
    st, _, j = c.req("POST", J + "/issue", {"fields": dict(
        base, description="It jams on every page.")}, token=tok)
    k.check("create: a plain-string description is refused",
            st == 400 and j["errorMessages"] == [] and
            j["errors"]["description"].startswith(
                "Operation value must be an Atlassian Document"), (st, j))
    st, _, j = c.req("POST", J + "/issue", {"fields": {
        "project": {"key": "OPS"}, "issuetype": {"name": "Task"}}},
        token=tok)
    k.check("create: missing summary",
            st == 400 and j["errors"] == {
                "summary": "You must specify a summary of the issue."}, j)
    st, _, j = c.req("POST", J + "/issue", {"fields": dict(
        base, priority={"name": "Urgent"}, issuetype={"name": "Story"})},
        token=tok)
    k.check("create: unknown priority and a type not in the project",
            st == 400 and set(j["errors"]) == {"priority", "issuetype"}, j)
    st, _, j = c.req("POST", J + "/issue", {"fields": {
        "project": {"key": "SUP"}, "issuetype": {"id": "10002"},
        "summary": "App crashes"}}, token=tok)
    k.check("create: SUP Bug needs its required custom field",
            st == 400 and list(j["errors"]) == ["customfield_10100"], j)

    c.config(search_delay=1.0)
    st, _, j = c.req("POST", J + "/issue", {"fields": dict(
        base, description=adf("It jams."), priority={"name": "High"},
        labels=["printer", "floor3"]), "properties": [
            {"key": "jta.draft", "value": {"id": "d-1"}}]}, token=tok)
    new = j.get("key") if st == 201 else None
    k.check("create: 201 with id, key, self", st == 201 and
            new == "OPS-4" and j["self"].endswith("/issue/" + j["id"]),
            (st, j))
    st1, _, j1 = search(c, tok, 'text ~ "floor 3 jammed"', fields="key")
    st2, _, j2 = c.req("GET", J + "/issue/OPS-4", token=tok)
    time.sleep(1.1)
    st3, _, j3 = search(c, tok, 'text ~ "floor 3 jammed"', fields="key")
    k.check("create: search sees the new issue only after search_delay",
            keys(j1) == [] and st2 == 200 and keys(j3) == ["OPS-4"],
            (j1, st2, j3))
    c.config(search_delay=0)
    st, _, j = c.req("GET", J + "/issue/OPS-4/properties/jta.draft",
                     token=tok)
    k.check("create: properties given on create are stored",
            st == 200 and j == {"key": "jta.draft", "value": {"id": "d-1"}},
            j)
    st, _, _ = c.req("PUT", J + "/issue/OPS-4/properties/jta.other",
                     {"n": 1}, token=tok)
    st2, _, j = c.req("GET", J + "/issue/OPS-4/properties", token=tok)
    k.check("properties: PUT 201, listed",
            st == 201 and [x["key"] for x in j["keys"]] ==
            ["jta.draft", "jta.other"], (st, j))

    st, _, _ = c.req("PUT", J + "/issue/OPS-4", {
        "fields": {"summary": "Printer on floor 3 jams"},
        "update": {"labels": [{"add": "hardware"}, {"remove": "floor3"}]}},
        token=tok)
    _, _, j = c.req("GET", J + "/issue/OPS-4?fields=summary,labels",
                    token=tok)
    k.check("edit: 204, fields and update applied",
            st == 204 and j["fields"] == {"summary": "Printer on floor 3 jams",
                                          "labels": ["hardware", "printer"]},
            (st, j))

    st, _, j = c.req("POST", J + "/issue/OPS-4/comment",
                     {"body": "plain text"}, token=tok)
    k.eq("comment: a plain string body is 400", st, 400)
    for n in range(3):
        st, _, j = c.req("POST", J + "/issue/OPS-4/comment",
                         {"body": adf("note %d" % n)}, token=tok)
    k.check("comment: 201 with author and body", st == 201 and
            j["author"]["accountId"] == ALICE and
            j["body"]["content"][0]["content"][0]["text"] == "note 2", j)
    st, _, j = c.req("GET", J + "/issue/OPS-4/comment?startAt=1&maxResults=1",
                     token=tok)
    k.check("comment: list is paginated",
            st == 200 and j["total"] == 3 and j["startAt"] == 1 and
            len(j["comments"]) == 1 and
            j["comments"][0]["body"]["content"][0]["content"][0]["text"] ==
            "note 1", j)

    st, _, j = c.req("GET", J + "/issue/OPS-4/transitions", token=tok)
    k.check("transitions: from To Do only Start Progress",
            st == 200 and [(x["id"], x["to"]["name"]) for x in
                           j["transitions"]] == [("11", "In Progress")], j)
    st, _, j = c.req("POST", J + "/issue/OPS-4/transitions",
                     {"transition": {"id": "21"}}, token=tok)
    k.check("transitions: an id not allowed from here is 400",
            st == 400 and "21" in j["errorMessages"][0], j)
    st1, _, _ = c.req("POST", J + "/issue/OPS-4/transitions",
                      {"transition": {"id": "11"}}, token=tok)
    st2, _, _ = c.req("POST", J + "/issue/OPS-4/transitions",
                      {"transition": {"id": "21"}}, token=tok)
    _, _, j = c.req("GET", J + "/issue/OPS-4?fields=status,resolution",
                    token=tok)
    k.check("transitions: To Do -> In Progress -> Done",
            st1 == 204 and st2 == 204 and
            j["fields"]["status"]["name"] == "Done" and
            j["fields"]["status"]["statusCategory"]["key"] == "done" and
            j["fields"]["resolution"]["name"] == "Done", j)

    st, _, j = c.req("GET", J + "/project/search?maxResults=1", token=tok)
    k.check("projects: paginated with isLast and nextPage",
            st == 200 and j["total"] == 2 and not j["isLast"] and
            j["values"][0]["key"] == "OPS" and "startAt=1" in j["nextPage"],
            j)
    st, _, j = c.req("GET", J + "/issue/createmeta/SUP/issuetypes",
                     token=tok)
    k.check("createmeta: SUP has Task, Bug, Story",
            st == 200 and [x["name"] for x in j["issueTypes"]] ==
            ["Task", "Bug", "Story"], j)
    st, _, j = c.req("GET", J + "/issue/createmeta/SUP/issuetypes/10002",
                     token=tok)
    req = {f["fieldId"] for f in j.get("fields", []) if f["required"]}
    prio = next((f for f in j.get("fields", [])
                 if f["fieldId"] == "priority"), {})
    k.check("createmeta: fields with required, schema, allowedValues",
            st == 200 and {"summary", "issuetype", "project",
                           "customfield_10100"} <= req and
            [p["name"] for p in prio["allowedValues"]] ==
            ["Highest", "High", "Medium", "Low", "Lowest"], j)
    st, _, j = c.req("GET", J + "/priority", token=tok)
    k.check("priority: five, Highest first",
            st == 200 and len(j) == 5 and j[0]["name"] == "Highest", j)

    c.config(hidden_projects=["SUP"])
    st1, _, _ = c.req("GET", J + "/issue/SUP-1", token=tok)
    st2, _, j2 = c.req("POST", J + "/issue", {"fields": {
        "project": {"key": "SUP"}, "issuetype": {"name": "Task"},
        "summary": "x"}}, token=tok)
    st3, _, j3 = c.req("GET", J + "/project/search", token=tok)
    st4, _, _ = search(c, tok, "project = SUP")
    k.check("hidden project: issue 404, create 403, not listed, JQL 400",
            st1 == 404 and st2 == 403 and j2["errorMessages"] and
            [p["key"] for p in j3["values"]] == ["OPS"] and st4 == 400,
            (st1, st2, j2, j3, st4))
    c.config(hidden_projects=[])


def test_fields(c, k, tok):
    """Components, a date and a number field, the assignable search."""
    st, _, j = c.req("GET", J + "/issue/createmeta/OPS/issuetypes/10001",
                     token=tok)
    f = {x["fieldId"]: x for x in j.get("fields", [])}
    k.check("createmeta: components with allowedValues, duedate a date",
            st == 200 and [x["name"] for x in
                           f["components"]["allowedValues"]] ==
            ["Backend", "VPN"] and f["components"]["schema"]["items"] ==
            "component" and f["duedate"]["schema"]["type"] == "date" and
            "customfield_10101" not in f, j)
    st, _, j = c.req("GET", J + "/issue/createmeta/SUP/issuetypes/10001",
                     token=tok)
    pts = next((x for x in j.get("fields", [])
                if x["fieldId"] == "customfield_10101"), {})
    k.check("createmeta: SUP has the number field Story points",
            st == 200 and pts.get("schema", {}).get("type") == "number" and
            pts["name"] == "Story points", j)
    st, _, j = c.req("POST", J + "/issue", {"fields": {
        "project": {"key": "SUP"}, "issuetype": {"id": "10002"},
        "summary": "Invoices fail", "components": [{"name": "Billing"},
                                                   {"id": "10310"}],
        "customfield_10100": {"id": "10202"}, "customfield_10101": 3.5,
        "duedate": "2026-12-24"}}, token=tok)
    key = j.get("key") if st == 201 else None
    st2, _, raw = c.req("GET", "/_standin/issues/%s" % key)
    k.check("create: components by name or id, number, date stored",
            st == 201 and st2 == 200 and raw["components"] ==
            ["10311", "10310"] and raw["duedate"] == "2026-12-24" and
            raw["extra"]["customfield_10101"] == 3.5 and
            raw["extra"]["customfield_10100"]["value"] == "Billing",
            (st, j, raw))
    st, _, j = c.req("GET", J + "/issue/%s" % key, token=tok)
    k.check("issue: shows components and duedate",
            st == 200 and [x["name"] for x in j["fields"]["components"]] ==
            ["Email", "Billing"] and j["fields"]["duedate"] == "2026-12-24",
            j)
    st, _, j = c.req("POST", J + "/issue", {"fields": {
        "project": {"key": "OPS"}, "issuetype": {"name": "Task"},
        "summary": "x", "components": [{"name": "Printers"}],
        "duedate": "tomorrow"}}, token=tok)
    k.check("create: unknown component and a bad date refused",
            st == 400 and set(j["errors"]) == {"components", "duedate"}, j)
    st, _, j = c.req("GET", "/_standin/issues/OPS-999")
    k.check("control: an unknown stored issue is 404", st == 404, j)

    st, _, j = c.req("GET", J + "/user/assignable/search?query=bob",
                     token=tok)
    k.check("assignable: a project (or issue) is required", st == 400, j)
    st, _, j = c.req("GET", J + "/user/assignable/search?project=OPS&"
                     "query=bob", token=tok)
    k.check("assignable: query matches a display name word",
            st == 200 and [u["displayName"] for u in j] == ["Bob Builder"],
            j)
    st, _, j = c.req("GET", J + "/user/assignable/search?project=OPS&"
                     "query=ALICE%40example", token=tok)
    k.check("assignable: query matches an email prefix, ignoring case",
            st == 200 and [u["accountId"] for u in j] == [ALICE], j)
    st, _, j = c.req("GET", J + "/user/assignable/search?project=OPS&"
                     "accountId=" + urllib.parse.quote(ALICE), token=tok)
    k.check("assignable: accountId matches exactly",
            st == 200 and len(j) == 1 and j[0]["accountId"] == ALICE, j)
    st, _, j = c.req("GET", J + "/user/assignable/search?project=NOPE&"
                     "query=a", token=tok)
    k.check("assignable: unknown project is 404", st == 404, j)


def test_faults(c, k, tok):
    for status, ra in ((401, None), (403, None), (429, 7), (503, 3),
                       (500, None)):
        f = {"status": status, "count": 1}
        if ra:
            f["retry_after"] = ra
        c.config(faults=[f])
        st, h, j = c.req("GET", J + "/myself", token=tok)
        st2, _, _ = c.req("GET", J + "/myself", token=tok)
        k.check("fault %d for the next call, then normal%s" % (
            status, ", Retry-After" if ra else ""),
            st == status and st2 == 200 and
            (ra is None or h.get("retry-after") == str(ra)), (st, h, st2))
    c.config(faults=[{"status": 429, "retry_after": 1, "count": 2,
                      "path_prefix": "/rest/api/3/search/jql"}])
    st1, _, _ = c.req("GET", J + "/myself", token=tok)
    st2, _, _ = search(c, tok, "")
    st3, _, _ = search(c, tok, "")
    st4, _, _ = search(c, tok, "")
    k.check("fault with a path prefix: only that path, count times",
            (st1, st2, st3, st4) == (200, 429, 429, 200),
            (st1, st2, st3, st4))
    c.config(faults=[{"status": 503, "count": 1, "path_prefix": "/oauth/token",
                      "retry_after": 2}])
    st, h, j = c.token(grant_type="refresh_token", refresh_token="x")
    k.check("fault on the token endpoint: 503 with an OAuth-shaped body",
            st == 503 and h.get("retry-after") == "2" and "error" in j,
            (st, j))
    c.config(faults=[{"kind": "slow", "seconds": 0.6, "count": 1}])
    t0 = time.time()
    st, _, _ = c.req("GET", J + "/myself", token=tok)
    slow = time.time() - t0
    t0 = time.time()
    c.req("GET", J + "/myself", token=tok)
    fast = time.time() - t0
    k.check("fault slow: answered after the delay, next one quick",
            st == 200 and slow >= 0.6 and fast < 0.5, (st, slow, fast))

    before = c.state()["issues_created"]
    c.config(faults=[{"kind": "drop", "count": 1, "method": "POST",
                      "path_prefix": "/rest/api/3/issue"}])
    err = None
    try:
        c.req("POST", J + "/issue", {"fields": {
            "project": {"key": "OPS"}, "issuetype": {"name": "Bug"},
            "summary": "Lost answer", "description": adf("x")},
            "properties": [{"key": "jta.draft", "value": "d-77"}]},
            token=tok)
    except (http.client.HTTPException, ConnectionError) as e:
        err = e
    s = c.state()
    st, _, j = search(c, tok, 'summary ~ "Lost answer"', fields="key")
    k.check("fault drop: the issue is created, the connection closes",
            err is not None and s["issues_created"] == before + 1 and
            s["connections_dropped"] == 1 and keys(j) == ["OPS-5"],
            (err, s["issues_created"], j))
    # slow with after: the create happens, the answer comes too late.
    c.config(faults=[{"kind": "slow", "seconds": 1.5, "after": True,
                      "count": 1, "method": "POST",
                      "path_prefix": "/rest/api/3/issue"}])
    err = None
    try:
        c.req("POST", J + "/issue", {"fields": {
            "project": {"key": "OPS"}, "issuetype": {"name": "Bug"},
            "summary": "Late answer", "description": adf("x")}},
            token=tok, timeout=0.5)
    except (OSError, http.client.HTTPException) as e:
        err = e
    s2 = c.state()
    st, _, j = search(c, tok, 'summary ~ "Late answer" AND created >= '
                      '"-15m"', fields="key")
    st0, _, j0 = search(c, tok, 'summary ~ "Late answer" AND created <= '
                        '"-1d"', fields="key")
    k.check("fault slow after: the issue is created, the answer is late; "
            "JQL takes a relative date",
            err is not None and s2["issues_created"] == before + 2 and
            keys(j) == ["OPS-6"] and st0 == 200 and keys(j0) == [],
            (err, s2["issues_created"], j, j0))
    time.sleep(1.2)     # the late answer is written (to nobody)
    c.config(faults=[{"kind": "reply", "status": 200, "body": "Done",
                      "count": 1, "method": "PUT",
                      "path_prefix": "/rest/api/3/issue/OPS-1"}])
    st, h, j = c.req("PUT", J + "/issue/OPS-1", {"fields": {
        "summary": "Edited behind a plain answer"}}, token=tok)
    st2, _, j2 = c.req("GET", J + "/issue/OPS-1?fields=summary", token=tok)
    k.check("fault reply: the edit is done, answered 200 text 'Done'",
            st == 200 and j == b"Done" and j2["fields"]["summary"] ==
            "Edited behind a plain answer", (st, j, j2))
    s = c.state()
    k.check("counters: api calls by path and route",
            s["api_calls"].get("GET /rest/api/3/myself", 0) >= 8 and
            s["api_routes"].get("GET /rest/api/3/issue/{issueIdOrKey}", 0) >= 3
            and s["faults_injected"] == 12 and s["faults_pending"] == [], s)
    st, _, j = c.req("POST", "/_standin/config", {"no_such_switch": 1})
    k.eq("control: an unknown config key is 400", st, 400)
    st, _, _ = c.req("POST", "/_standin/reset", {})
    s = c.state()
    st2, _, _ = c.req("GET", J + "/myself", token=tok)
    k.check("reset: counters, tokens and issues back to the seed",
            st == 200 and s["issue_count"] == 6 and s["refreshes"] == 0 and
            st2 == 401, (s, st2))


SDAPI = "/ex/jira/%s/rest/servicedeskapi" % CLOUD
CAROL = "qm:5c1a0d3e-7b2f-4e8a-9d6c-1f2e3d4c5b6a"
SDSCOPE = SCOPE + " read:servicedesk-request write:servicedesk-request"


def test_servicedesk(c, k, tok):
    """Jira Service Management: desks, groups, types, fields, raise with
    validation, list filters, comments, customer transitions, approvals,
    the portal-only customer and the platform's Request Type field."""
    old = c.login()["access_token"]
    st, _, j = c.req("GET", SDAPI + "/servicedesk", token=old)
    k.check("servicedesk: a token without the JSM scopes is 401",
            st == 401 and "scope" in j.get("message", ""), (st, j))
    tok = c.login(SDSCOPE)["access_token"]
    st, _, j = c.req("GET", SDAPI + "/servicedesk", token=tok)
    k.check("servicedesk: off by default, no desks",
            st == 200 and j["values"] == [] and j["isLastPage"], (st, j))
    st, _, j = c.req("GET", J + "/project/search", token=tok)
    k.check("servicedesk off: the JSM project is not listed",
            "ITH" not in [p["key"] for p in j["values"]], j)
    c.config(servicedesk=True)
    st, _, j = c.req("GET", SDAPI + "/servicedesk", token=tok)
    k.check("servicedesk: a paged list with the desk",
            st == 200 and [d["projectKey"] for d in j["values"]] == ["ITH"]
            and {"start", "limit", "size", "isLastPage", "_links"} <= set(j),
            (st, j))
    st, _, j = c.req("GET", J + "/project/ITH", token=tok)
    k.check("servicedesk: the project is service_desk on the platform",
            st == 200 and j["projectTypeKey"] == "service_desk", (st, j))
    st, _, j = c.req("GET", SDAPI + "/servicedesk/1/requesttypegroup",
                     token=tok)
    k.check("requesttypegroup: the portal's groups",
            st == 200 and [g["name"] for g in j["values"]][:2] ==
            ["Common requests", "Network and access"], (st, j))
    st, _, j = c.req("GET", SDAPI + "/servicedesk/1/requesttype?groupId=11",
                     token=tok)
    k.check("requesttype: filtered by groupId",
            st == 200 and [t["name"] for t in j["values"]] ==
            ["Wi-Fi problem"] and j["values"][0]["helpText"], (st, j))
    st, _, j = c.req("GET", SDAPI + "/servicedesk/1/requesttype?limit=2",
                     token=tok)
    k.check("requesttype: paged with limit, a next link",
            st == 200 and j["size"] == 2 and not j["isLastPage"] and
            "next" in j["_links"], (st, j))
    st, _, j = c.req("GET", SDAPI + "/servicedesk/1/requesttype/22/field",
                     token=tok)
    loc = next(f for f in j["requestTypeFields"]
               if f["fieldId"] == "customfield_10020")
    k.check("requesttype field: required select with validValues, "
            "jiraSchema; an agent may raise on behalf",
            st == 200 and loc["required"] and
            [v["label"] for v in loc["validValues"]][0] == "Floor 1" and
            loc["jiraSchema"]["type"] == "option" and
            j["canRaiseOnBehalfOf"], (st, j))
    # the platform's create screen of the JSM project
    st, _, j = c.req("GET", J + "/issue/createmeta/ITH/issuetypes/10005",
                     token=tok)
    rt = [f for f in j["fields"] if f["name"] == "Request Type"]
    k.check("createmeta of a JSM project: a required Request Type",
            st == 200 and rt and rt[0]["required"], (st, j))
    base = {"project": {"key": "ITH"}, "issuetype": {"id": "10005"},
            "summary": "Wi-Fi down"}
    st, _, j = c.req("POST", J + "/issue", {"fields": base}, token=tok)
    k.check("platform create in JSM without Request Type: 400 required",
            st == 400 and "is required" in j["errors"]["customfield_10010"],
            (st, j))
    st, _, j = c.req("POST", J + "/issue", {"fields": dict(
        base, customfield_10010="22")}, token=tok)
    k.check("platform create in JSM with Request Type: cannot be set",
            st == 400 and "cannot be set" in j["errors"]["customfield_10010"],
            (st, j))
    # raise
    st, _, j = c.req("POST", SDAPI + "/request", {
        "serviceDeskId": "1", "requestTypeId": "22",
        "requestFieldValues": {"summary": "Wi-Fi", "customfield_10020":
                               {"value": "Floor 9"}, "bogus": "x"}},
        token=tok)
    k.check("raise: 400 naming every bad field",
            st == 400 and "customfield_10020" in j["errorMessage"] and
            "bogus" in j["errorMessage"] and "i18nErrorMessage" in j,
            (st, j))
    st, _, j = c.req("POST", SDAPI + "/request", {
        "serviceDeskId": "1", "requestTypeId": "22",
        "requestFieldValues": {"summary": "Laptop will not join Wi-Fi",
                               "description": "Since Monday",
                               "customfield_10020": {"value": "Floor 2"}}},
        token=tok)
    key = j.get("issueKey") if isinstance(j, dict) else None
    k.check("raise: 201, a portal web link, Waiting for support, the "
            "default of an optional select filled",
            st == 201 and key and j["_links"]["web"].endswith(
                "/servicedesk/customer/portal/1/" + key) and
            j["currentStatus"]["status"] == "Waiting for support" and
            {"fieldId": "customfield_10021", "label": "Operating system",
             "value": {"id": "10410", "value": "Windows"}} in
            j["requestFieldValues"], (st, j))
    st, _, j = c.req("GET", SDAPI + "/request?requestOwnership="
                     "OWNED_REQUESTS&requestTypeId=22&searchTerm=laptop",
                     token=tok)
    k.check("request list: own requests by type and searchTerm",
            st == 200 and [r["issueKey"] for r in j["values"]] == [key],
            (st, j))
    st, _, j = c.req("GET", SDAPI + "/request?requestStatus=CLOSED_REQUESTS",
                     token=tok)
    k.check("request list: closed filter", st == 200 and j["values"] == [],
            (st, j))
    st, _, j = c.req("GET", SDAPI + "/request?requestOwnership=MINE",
                     token=tok)
    k.check("request list: an unknown ownership is 400", st == 400, (st, j))
    st, _, j = c.req("POST", SDAPI + "/request/%s/comment" % key,
                     {"body": "Checked the router", "public": False},
                     token=tok)
    k.check("agent: internal comment 201", st == 201 and not j["public"],
            (st, j))
    st, _, j = c.req("GET", SDAPI + "/request/%s?expand=sla,comment" % key,
                     token=tok)
    k.check("agent: the request with its SLA and the internal comment",
            st == 200 and j["sla"]["values"][0]["name"] ==
            "Time to first response" and j["comments"]["size"] == 1,
            (st, j))
    # Carol, portal-only customer
    c.config(person={"account_id": CAROL, "name": "Carol Customer",
                     "email": "carol@example.com"})
    ctok = c.login(SDSCOPE)["access_token"]
    st, _, j = c.req("GET", J + "/issue/" + key, token=ctok)
    st2, _, _ = c.req("POST", J + "/issue", {"fields": base}, token=ctok)
    st3, _, j3 = c.req("GET", J + "/project/search", token=ctok)
    k.check("portal-only customer: platform issue 404, create 403, no "
            "projects", (st, st2, j3["values"]) == (404, 403, []),
            (st, st2, j3))
    st, _, j = c.req("GET", SDAPI + "/request/" + key, token=ctok)
    k.check("customer: someone else's request is 404", st == 404, (st, j))
    st, _, j = c.req("GET", SDAPI + "/servicedesk/1/requesttype/23/field",
                     token=ctok)
    k.check("customer: cannot raise on behalf", st == 200 and
            not j["canRaiseOnBehalfOf"], (st, j))
    st, _, j = c.req("POST", SDAPI + "/request", {
        "serviceDeskId": "1", "requestTypeId": "23",
        "raiseOnBehalfOf": ALICE, "requestFieldValues": {
            "summary": "New laptop", "customfield_10022": {"id": "10421"}}},
        token=ctok)
    k.check("customer: raiseOnBehalfOf refused", st == 403, (st, j))
    st, _, j = c.req("POST", SDAPI + "/request", {
        "serviceDeskId": "1", "requestTypeId": "23", "requestFieldValues": {
            "summary": "New laptop", "customfield_10022": {"id": "10421"}}},
        token=ctok)
    lkey = j.get("issueKey")
    k.check("customer raises a laptop request: waiting for approval",
            st == 201 and j["currentStatus"]["status"] ==
            "Waiting for approval", (st, j))
    st, _, j = c.req("POST", SDAPI + "/request/%s/comment" % lkey,
                     {"body": "secret", "public": False}, token=ctok)
    k.check("customer: internal comment refused", st == 400, (st, j))
    st, _, j = c.req("GET", SDAPI + "/request/%s?expand=sla" % lkey,
                     token=ctok)
    k.check("customer: no SLA shown", st == 200 and
            j["sla"]["values"] == [], (st, j))
    st, _, j = c.req("GET", SDAPI + "/request/%s/transition" % lkey,
                     token=ctok)
    k.check("customer transitions: Cancel request",
            st == 200 and [t["name"] for t in j["values"]] ==
            ["Cancel request"], (st, j))
    # Alice approves
    st, _, j = c.req("GET", SDAPI + "/request?requestOwnership=APPROVER&"
                     "approvalStatus=MY_PENDING_APPROVAL", token=tok)
    k.check("approver: the request waiting for her approval",
            st == 200 and [r["issueKey"] for r in j["values"]] == [lkey],
            (st, j))
    st, _, j = c.req("GET", SDAPI + "/request/%s/approval" % lkey, token=tok)
    aid = j["values"][0]["id"]
    k.check("approval list: pending, can answer",
            st == 200 and j["values"][0]["canAnswerApproval"], (st, j))
    st, _, j = c.req("POST", SDAPI + "/request/%s/approval/%s" % (lkey, aid),
                     {"decision": "approve"}, token=ctok)
    k.check("approval: not an approver is 403", st == 403, (st, j))
    st, _, j = c.req("POST", SDAPI + "/request/%s/approval/%s" % (lkey, aid),
                     {"decision": "approve"}, token=tok)
    st2, _, j2 = c.req("POST", SDAPI + "/request/%s/approval/%s" % (
        lkey, aid), {"decision": "decline"}, token=tok)
    k.check("approval: approved once, a second answer 400",
            st == 200 and j["finalDecision"] == "approved" and st2 == 400,
            (st, j, st2))
    st, _, j = c.req("POST", SDAPI + "/request/%s/transition" % lkey,
                     {"id": "801"}, token=ctok)
    st2, _, j2 = c.req("GET", SDAPI + "/request/" + lkey, token=ctok)
    k.check("customer cancels: 204, Canceled",
            st == 204 and j2["currentStatus"]["status"] == "Canceled",
            (st, st2, j2))
    # Attachments: a temporary file of the desk (multipart, XSRF header),
    # then the request's attachment; temporary ids are used up and
    # expire (sd_temp_ttl).
    mp = (b"--b0\r\nContent-Disposition: form-data; name=\"file\"; "
          b"filename=\"log.txt\"\r\nContent-Type: text/plain\r\n\r\n"
          b"boom\r\n--b0--\r\n")
    mh = {"Content-Type": "multipart/form-data; boundary=b0"}
    st, _, j = c.req("POST", SDAPI + "/servicedesk/1/attachTemporaryFile",
                     mp, token=ctok, headers=mh)
    k.check("temporary file: without X-Atlassian-Token, 403", st == 403,
            (st, j))
    mh["X-Atlassian-Token"] = "no-check"
    st, _, j = c.req("POST", SDAPI + "/servicedesk/1/attachTemporaryFile",
                     mp, token=ctok, headers=mh)
    tid = ((j or {}).get("temporaryAttachments") or [{}])[0].get(
        "temporaryAttachmentId")
    k.check("temporary file: 201 naming its id", st == 201 and tid, (st, j))
    body = {"temporaryAttachmentIds": [tid], "public": True}
    st, _, j = c.req("POST", SDAPI + "/request/%s/attachment" % lkey, body,
                     token=ctok)
    st2, _, j2 = c.req("POST", SDAPI + "/request/%s/attachment" % lkey,
                       body, token=ctok)
    st3, _, j3 = c.req("GET", SDAPI + "/request/%s?expand=attachment" %
                       lkey, token=ctok)
    k.check("request attachment: 201, the id used up (400 again), listed",
            st == 201 and st2 == 400 and [
                a["filename"] for a in j3["attachments"]["values"]] ==
            ["log.txt"], (st, j, st2, st3, j3))
    c.config(sd_temp_ttl=0)
    st, _, j = c.req("POST", SDAPI + "/servicedesk/1/attachTemporaryFile",
                     mp, token=ctok, headers=mh)
    tid = ((j or {}).get("temporaryAttachments") or [{}])[0].get(
        "temporaryAttachmentId")
    time.sleep(0.05)
    st, _, j = c.req("POST", SDAPI + "/request/%s/attachment" % lkey,
                     {"temporaryAttachmentIds": [tid], "public": True},
                     token=ctok)
    k.check("request attachment: an expired temporary id is 400",
            st == 400, (st, j))
    c.config(sd_temp_ttl=600)
    c.config(person={"account_id": ALICE, "name": "Alice Example",
                     "email": "alice@example.com"}, servicedesk=False)


def test_specs_vendored(k):
    """specs/ holds Atlassian's four documents byte for byte as
    SOURCES.md's table records them (its sha256 column)."""
    d = os.path.join(HERE, "specs")
    with open(os.path.join(d, "SOURCES.md"), encoding="utf-8") as f:
        rows = [r.split("|") for r in f if r.startswith("| ") and
                r.split("|")[1].strip().endswith(".json")]
    want = {r[1].strip(): r[7].strip() for r in rows}
    got = {}
    for name in want:
        with open(os.path.join(d, name), "rb") as f:
            got[name] = hashlib.sha256(f.read()).hexdigest()
    k.check("specs: the four documents match SOURCES.md's sha256",
            len(want) == 4 and got == want, (got, want))


def test_spec(c, k):
    """spec_check.py through the stand-in: requests Atlassian's documents
    allow leave no problem; each kind of bad one is recorded, naming the
    operation and the place; reset forgets them."""
    def problems():
        st, _, j = c.req("GET", "/_standin/spec-problems")
        assert st == 200, (st, j)
        return j

    def found(j, op, where, text):
        return any(p["operation"] == op and p["where"] == where and
                   text in p["what"] for p in j)

    c.req("POST", "/_standin/reset", {})
    tok = c.login()["access_token"]
    c.req("GET", J + "/search/jql?" + urllib.parse.urlencode(
        {"jql": "project = OPS", "maxResults": 5, "fields": "summary"}),
        token=tok)
    c.req("POST", J + "/search/jql", {"jql": "project = OPS",
                                      "fields": ["summary"],
                                      "maxResults": 5}, token=tok)
    c.req("POST", J + "/issue/OPS-1/comment", {"body": adf("ok")},
          token=tok)
    c.req("GET", J + "/issue/createmeta/OPS/issuetypes?startAt=0"
          "&maxResults=50", token=tok)
    c.req("GET", J + "/jql/autocompletedata/suggestions?fieldName=priority",
          token=tok)
    j = problems()
    k.check("spec: the OAuth dance and requests the documents allow leave "
            "no problem", j == [], j)

    c.req("GET", J + "/myself?bogus=1", token=tok)
    c.req("DELETE", J + "/issue/OPS-3?deleteSubtasks=maybe", token=tok)
    c.req("POST", J + "/search/jql", {"jql": "", "maxResults": "ten",
                                      "nope": 1}, token=tok)
    c.token(grant_type="authorization_code", code="x")
    c.req("GET", J + "/search?jql=", token=tok)
    c.req("GET", J + "/user/groups", token=tok)
    c.req("GET", J + "/no/such/thing", token=tok)
    c.req("PUT", J + "/myself", {}, token=tok)
    j = problems()
    k.check("spec: an undeclared query parameter is a problem",
            found(j, "getCurrentUser", "query parameter bogus",
                  "not declared"), j)
    k.check("spec: a value outside the enum is a problem",
            found(j, "deleteIssue", "query parameter deleteSubtasks",
                  "'maybe' is not one of"), j)
    k.check("spec: a body member of the wrong type, or undeclared where "
            "additionalProperties is false, is a problem",
            found(j, "searchAndReconsileIssuesUsingJqlPost",
                  "body.maxResults", "is not of type 'integer'") and
            found(j, "searchAndReconsileIssuesUsingJqlPost", "body",
                  "'nope' was unexpected"), j)
    k.check("spec: a missing required body field is a problem, and names "
            "no value",
            found(j, "3lo-token", "body", "required") and
            SECRET not in json.dumps(j), j)
    k.check("spec: a deprecated operation is a problem",
            found(j, "searchForIssuesUsingJql", "operation", "deprecated"),
            j)
    k.check("spec: a missing required query parameter is a problem",
            found(j, "getUserGroups", "query parameter accountId",
                  "required but missing"), j)
    k.check("spec: a path no document has, and a method the path lacks, "
            "are problems",
            any(p["where"] == "path" and "no/such/thing" in p["operation"]
                for p in j) and
            any(p["where"] == "method" for p in j), j)
    k.check("spec: each problem names the request, without its query",
            all(p["request"].split(" ")[0] in ("GET", "POST", "DELETE",
                                               "PUT") and
                "?" not in p["request"] for p in j) and len(j) >= 8, j)
    c.req("POST", "/_standin/reset", {})
    j = problems()
    k.check("spec: reset forgets the problems", j == [], j)


def test_module(k, workdir):
    """The module API, and --state-file carrying state over a restart."""
    sys.path.insert(0, os.path.dirname(PROGRAM))
    sys.dont_write_bytecode = True
    from atlassian import StandIn
    sf = os.path.join(workdir, "standin-state.json")
    s = StandIn(CLIENT_ID, SECRET, [REDIRECT], state_file=sf,
                log=False).start()
    try:
        c = Client(s.port)
        k.check("module: url and config()", s.url.endswith(":%d" % s.port)
                and s.config(search_delay=0.5)["search_delay"] == 0.5,
                s.url)
        tok = c.login()["access_token"]
        st, _, j = c.req("POST", J + "/issue", {"fields": {
            "project": {"key": "SUP"}, "issuetype": {"name": "Story"},
            "summary": "Survives a restart"}}, token=tok)
        k.check("module: state() counts the create", st == 201 and
                s.state()["issues_created"] == 1, (st, j))
        c.req("GET", J + "/issue/SUP-4?fields=summary&expand=x&nope=1",
              token=tok)
        got = s.spec_problems(clear=True)
        k.check("module: spec_problems() lists what the request broke, "
                "clear=True forgets it",
                [(p["operation"], p["where"]) for p in got] ==
                [("getIssue", "query parameter nope")] and
                s.spec_problems() == [], got)
    finally:
        s.stop()
    s = StandIn(CLIENT_ID, SECRET, [REDIRECT], state_file=sf,
                log=False).start()
    try:
        c = Client(s.port)
        st, _, j = c.req("GET", J + "/issue/SUP-4?fields=summary", token=tok)
        k.check("--state-file: issues and tokens survive a restart",
                st == 200 and j["fields"]["summary"] == "Survives a restart"
                and s.config()["search_delay"] == 0.5, (st, j))
    finally:
        s.stop()


def main():
    k = Cases()
    p = None
    t0 = time.time()
    try:
        p, port = start()
        c = Client(port)
        test_oauth(c, k)
        tok = c.login()["access_token"]
        test_search(c, k, tok)
        test_users(c, k, tok)
        test_issues(c, k, tok)
        test_fields(c, k, tok)
        test_faults(c, k, tok)
        test_servicedesk(c, k, tok)
        test_spec(c, k)
        test_specs_vendored(k)
        t1 = time.time()
        p.send_signal(signal.SIGTERM)
        # Bounded, not timed: a loaded host may take a while, but the
        # stand-in must end by itself, cleanly (exit 0 from its handler,
        # not the default action's -SIGTERM).
        try:
            rc = p.wait(30)
        except subprocess.TimeoutExpired:
            rc = None
        k.check("SIGTERM stops it cleanly", rc == 0, (rc, time.time() - t1))
        err = p.stderr.read()
        k.check("the log names requests but never a token",
                "GET /ex/jira/" in err and "standin-at-" not in err and
                "standin-rt-" not in err and SECRET not in err and
                "code=" not in err, err[-500:])
        k.check("the log has a line per spec problem",
                "standin: spec problem: GET /ex/jira/%s/rest/api/3/myself: "
                "getCurrentUser: query parameter bogus: not declared" %
                CLOUD in err, err[-500:])
        with tempfile.TemporaryDirectory(prefix="jta-standin-") as d:
            test_module(k, d)
    except Exception:
        traceback.print_exc()
        k.check("test ran to the end", False)
    finally:
        if p is not None and p.poll() is None:
            p.kill()
            p.wait()
    k.check("bounded: under 30 s", time.time() - t0 < 30, time.time() - t0)
    k.finish()


if __name__ == "__main__":
    main()
