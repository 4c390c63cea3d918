"""/mcp and MCP authorization together (issue 14), under nginx and Apache,
on the embedded store and on Jira (the Atlassian stand-in):

- the seams, raw: an unauthenticated POST /mcp is 401 with the challenge
  naming /mcp's protected-resource metadata (RFC 9728 §5.1) and a JSON-RPC
  error as its body (one without id for a notification); a refused token
  adds error="invalid_token"; a token issued for the REST API is refused
  by /mcp and a /mcp token by the API, unless oauth_audience_shared = on;
  API keys are taken by /mcp; a foreign Origin is 403 before the 401;
- the "Done when" with the official SDKs (mcp_e2e_client.mjs): their
  OAuth client finds everything from the 401, registers (RFC 7591) or
  uses a Client ID Metadata Document's URL (served by a loopback https
  server), signs the person in (our page, or Atlassian's consent in Jira
  mode), connects with the token, lists the tools and files a ticket
  through the follow-up form, submitted into the backend.

Needs node and tests/node_modules (sh cli/deps.sh test)."""

import http.server
import json
import os
import re
import shutil
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jtatest  # noqa: E402
from jtatest import body_json  # noqa: E402
from jiratest import conf as jira_conf, link, standin  # noqa: E402
import test_openapi  # noqa: E402  (node_or_skip)

PASSWORD = "correct horse battery"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
LOOP_CB = "http://127.0.0.1:33418/callback"
MODERN = "2026-07-28"
META = "io.modelcontextprotocol/protocolVersion"


class Documents:
    """Client ID Metadata Documents on a loopback https server whose
    certificate is made here (trusted by the programs through the
    test-only client_metadata_test_ca_file)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="jta-e2e-cimd-")
        self.cert = os.path.join(self.dir, "cert.pem")
        key = os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", key, "-out", self.cert,
                        "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                        "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        self.docs = {}
        docs = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = docs.docs.get(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                     Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket,
                                            server_side=True)
        threading.Thread(target=self.httpd.serve_forever,
                         daemon=True).start()

    def doc(self, path):
        url = "https://127.0.0.1:%d%s" % (self.httpd.server_address[1],
                                          path)
        self.docs[path] = json.dumps({
            "client_id": url, "client_name": "E2E MCP client",
            "redirect_uris": [LOOP_CB], "token_endpoint_auth_method":
            "none", "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"]}).encode()
        return url

    def stop(self):
        self.httpd.shutdown()
        shutil.rmtree(self.dir, ignore_errors=True)


DOCS = Documents()


def mcp(stack, body, token=None, headers=None):
    """POST /mcp: (status, headers, body bytes)."""
    h = {"Content-Type": "application/json",
         "Accept": "application/json, text/event-stream"}
    if token is not None:
        h["Authorization"] = "Bearer " + token
    h.update(headers or {})
    return stack.request("POST", "/mcp", headers=h,
                         raw_body=json.dumps(body).encode())


def ping(stack, token=None, headers=None):
    """A 2025-11-25 ping: (status, headers, JSON body)."""
    h = {"MCP-Protocol-Version": "2025-11-25"}
    h.update(headers or {})
    st, hd, raw = mcp(stack, {"jsonrpc": "2.0", "id": 7, "method": "ping"},
                      token, h)
    return st, hd, body_json(raw) if raw else None


def tools_list(stack, token=None, headers=None):
    """A 2026-07-28 tools/list: (status, headers, JSON body)."""
    h = {"MCP-Protocol-Version": MODERN, "Mcp-Method": "tools/list"}
    h.update(headers or {})
    st, hd, raw = mcp(stack, {"jsonrpc": "2.0", "id": "l1",
                              "method": "tools/list",
                              "params": {"_meta": {META: MODERN}}}, token, h)
    return st, hd, body_json(raw) if raw else None


def api_me(stack, token):
    st, h, body = stack.request("GET", "/api/me", headers={
        "Authorization": "Bearer " + token})
    return st, h


def signin_token(stack, cid, resource):
    """An access token for alice through the sign-in page and the token
    endpoint (a public client, PKCE), bound to resource (None: the
    API's, as a client that sends none)."""
    p = {"response_type": "code", "client_id": cid, "redirect_uri": LOOP_CB,
         "state": "s", "code_challenge": CHALLENGE,
         "code_challenge_method": "S256"}
    if resource is not None:
        p["resource"] = resource
    st, h, body = stack.request("GET", "/oauth/authorize?" +
                                urllib.parse.urlencode(p))
    m = re.search(r'name="form_token" value="([0-9a-f]+)"',
                  body.decode("utf-8", "replace"))
    assert st == 200 and m, (st, body[:300])
    p.update(form_token=m.group(1), username="alice", password=PASSWORD)
    st, h, body = stack.request(
        "POST", "/oauth/authorize", headers=dict(
            FORM, Cookie=h.get("set-cookie", "").split(";")[0],
            Origin=stack.base_url),
        raw_body=urllib.parse.urlencode(p).encode())
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
        h.get("location", "")).query))
    assert st == 302 and "code" in q, (st, h)
    t = {"grant_type": "authorization_code", "code": q["code"],
         "redirect_uri": LOOP_CB, "client_id": cid,
         "code_verifier": VERIFIER}
    if resource is not None:
        t["resource"] = resource
    st, h, body = stack.request("POST", "/oauth/token", headers=FORM,
                                raw_body=urllib.parse.urlencode(t).encode())
    j = body_json(body) or {}
    assert st == 200, (st, j)
    return j["access_token"]


def register(stack):
    st, h, body = stack.request(
        "POST", "/oauth/register", headers={
            "Content-Type": "application/json"},
        raw_body=json.dumps({"redirect_uris": [LOOP_CB],
                             "client_name": "Seams",
                             "token_endpoint_auth_method": "none"}).encode())
    assert st == 201, (st, body)
    return body_json(body)["client_id"]


def challenge(stack, path, error=False):
    return 'Bearer realm="jta", %sresource_metadata="%s/.well-known/' \
        'oauth-protected-resource%s", scope="tickets"' % (
            'error="invalid_token", ' if error else "", stack.base_url, path)


def seams(c, stack, s, key, shared):
    """The two halves together, raw."""
    want = challenge(stack, "/mcp")
    st, h, j = ping(stack)
    c.check(s + "POST /mcp without a token: 401 naming /mcp's metadata",
            st == 401 and h.get("www-authenticate") == want,
            (st, h.get("www-authenticate")))
    c.check(s + "... with a JSON-RPC error answering the request's id",
            h.get("content-type", "").startswith("application/json") and
            (j or {}).get("jsonrpc") == "2.0" and j.get("id") == 7 and
            isinstance((j.get("error") or {}).get("code"), int) and
            "result" not in j, j)
    msg = ((j or {}).get("error") or {}).get("message", "")
    c.check(s + "... saying to sign in (the challenge's metadata) or send "
            "an API key, not to ask an operator", "sign in" in msg and
            "resource_metadata" in msg and "jta-admin" not in msg, msg)
    st, h, j = tools_list(stack)
    c.check(s + "a 2026-07-28 request without a token: the same 401",
            st == 401 and h.get("www-authenticate") == want and
            (j or {}).get("id") == "l1", (st, h, j))
    st, hd, raw = mcp(stack, {"jsonrpc": "2.0",
                              "method": "notifications/initialized"},
                      headers={"MCP-Protocol-Version": "2025-11-25"})
    j = body_json(raw) if raw else None
    c.check(s + "a notification without a token: 401, an error without "
            "id (Streamable HTTP: MAY comprise one that has no id)",
            st == 401 and hd.get("www-authenticate") == want and
            (j is None or ("id" not in j and "error" in j)), (st, j))
    st, h, j = ping(stack, "jta_at_" + "x" * 43)
    c.check(s + "an unknown token at /mcp: invalid_token",
            st == 401 and h.get("www-authenticate") ==
            challenge(stack, "/mcp", True), (st, h))
    st, h, j = ping(stack, "not-a-token")
    c.check(s + "a malformed token at /mcp: invalid_token",
            st == 401 and h.get("www-authenticate") ==
            challenge(stack, "/mcp", True), (st, h))
    st, h, j = ping(stack, headers={"Origin": "https://evil.example"})
    c.check(s + "a foreign Origin without a token: 403, not 401, no "
            "challenge", st == 403 and "www-authenticate" not in h and
            (j or {}).get("error") is not None, (st, h, j))
    st, h, j = ping(stack, key, {"Origin": "https://evil.example"})
    c.eq(s + "a foreign Origin with an API key: 403", st, 403)
    st, h, j = ping(stack, key)
    c.check(s + "an API key is taken by /mcp",
            st == 200 and (j or {}).get("result") == {}, (st, j))
    st, h, j = ping(stack, key, {"Origin": stack.base_url})
    c.eq(s + "our own Origin with an API key is served", st, 200)
    st, h, body = stack.request("GET", "/mcp")
    c.check(s + "GET /mcp without a token: 405, no challenge",
            st == 405 and "www-authenticate" not in h, (st, h))
    st, h, body = stack.request("GET", "/api/me")
    c.eq(s + "the API's 401 names the API's metadata",
         h.get("www-authenticate"), challenge(stack, ""))
    if key is None or stack.password is None:
        return
    pub = register(stack)
    at_api = signin_token(stack, pub, None)
    at_api2 = signin_token(stack, pub, stack.base_url + "/")
    at_mcp = signin_token(stack, pub, stack.base_url + "/mcp")
    for name, tok in (("without resource", at_api),
                      ("with resource public_url/", at_api2)):
        st, h, j = ping(stack, tok)
        if shared:
            c.check(s + "oauth_audience_shared: an API token (%s) is "
                    "taken by /mcp" % name, st == 200 and
                    (j or {}).get("result") == {}, (st, j))
        else:
            c.check(s + "an API token (%s) is refused by /mcp: 401 "
                    "invalid_token naming /mcp's metadata" % name,
                    st == 401 and h.get("www-authenticate") ==
                    challenge(stack, "/mcp", True) and
                    "another resource" in json.dumps(j), (st, h, j))
        c.eq(s + "... and served by the API", api_me(stack, tok)[0], 200)
    st, h, j = tools_list(stack, at_mcp)
    c.check(s + "a /mcp token is taken by /mcp",
            st == 200 and len((j or {}).get("result", {}).get("tools", []))
            >= 16, (st, j))
    st, h = api_me(stack, at_mcp)
    if shared:
        c.eq(s + "oauth_audience_shared: a /mcp token serves the API", st,
             200)
    else:
        c.check(s + "a /mcp token is refused by the API: invalid_token "
                "naming the API's metadata", st == 401 and
                h.get("www-authenticate") == challenge(stack, "", True),
                (st, h))
    st, h, j = ping(stack, at_mcp, {"Origin": "https://evil.example"})
    c.eq(s + "a foreign Origin with a /mcp token: 403", st, 403)
    if not shared:
        cost(c, stack, s, at_api, at_mcp)


def cost(c, stack, s, at_api, at_mcp, n=200):
    """The per-call cost of a tools/call search against the same REST
    search, each with an OAuth access token of its own audience (as
    test_mcp.py measures it with an API key): interleaved, medians and
    their ratio printed, no threshold (the host is shared)."""
    path = "/api/issues?project=DEMO&limit=5"
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "searchIssues", "arguments": {"project": "DEMO",
                                              "limit": 5},
        "_meta": {META: MODERN}}}
    h = {"MCP-Protocol-Version": MODERN, "Mcp-Method": "tools/call",
         "Mcp-Name": "searchIssues"}
    t_rest, t_mcp, seen = [], [], set()
    for i in range(n + 10):
        for which in ((0, 1) if i % 2 else (1, 0)):
            t0 = time.perf_counter()
            if which == 0:
                st, _, _ = stack.request("GET", path, headers={
                    "Authorization": "Bearer " + at_api})
                dt, ts = time.perf_counter() - t0, t_rest
            else:
                st, _, raw = mcp(stack, body, at_mcp, h)
                dt, ts = time.perf_counter() - t0, t_mcp
                r = (body_json(raw) or {}).get("result")
                if not isinstance(r, dict) or r.get("isError"):
                    st = 0
            seen.add(st)
            if i >= 10:    # the first ten warm up
                ts.append(dt)
    t_rest.sort()
    t_mcp.sort()
    mr, mm = t_rest[n // 2], t_mcp[n // 2]
    print("# %scost with OAuth tokens: median REST search %.3f ms, "
          "tools/call search %.3f ms, ratio %.3f (%d calls each)" % (
              s, 1e3 * mr, 1e3 * mm, mm / mr, n))
    c.eq(s + "the cost loop ran, every call served", seen, {200})


EXPIRE = """import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
with con:
    con.execute("UPDATE oauth_tokens SET expires = 1 WHERE kind = 'access' "
                "AND client_id IN (SELECT client_id FROM oauth_clients "
                "WHERE name = 'E2E MCP client' UNION SELECT url FROM "
                "oauth_client_documents)")
"""


def run_sdk(stack, sdk, project, cimd_url=None, confidential=False,
            resume=None):
    node, env = test_openapi.node_or_skip()
    arg = {"sdk": sdk, "url": stack.base_url + "/mcp", "redirect": LOOP_CB,
           "user": "alice", "password": stack.password, "project": project}
    if cimd_url:
        arg["clientMetadataUrl"] = cimd_url
    if confidential:
        arg["confidential"] = True
    if resume:
        arg["resume"] = resume
    # Expires every access token the SDK's client holds (as an hour
    # going by would), once its ticket is filed.
    arg["expire"] = [sys.executable, "-c", EXPIRE,
                     os.path.join(stack.workdir, "jta.db")]
    p = subprocess.run([node, os.path.join(HERE, "mcp_e2e_client.mjs"),
                        json.dumps(arg)], env=env, capture_output=True,
                       text=True, timeout=180)
    try:
        return json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": "no result: %s %s" % (p.stdout[-500:],
                                                p.stderr[-1500:])}


def done_when(c, stack, s, sdk, project, how, cimd_url=None,
              confidential=False):
    """Issue 14's "Done when" with one SDK and one way to get a client
    id."""
    t = s + "SDK %s (%s): " % (sdk, how)
    out = run_sdk(stack, sdk, project, cimd_url, confidential)
    c.check(t + "signs in and files a ticket without an error",
            "error" not in out, out.get("error", "")[:3000])
    base = stack.base_url
    a = out.get("authorization") or {}
    c.check(t + "the authorization request it built from the 401: our "
            "endpoint, PKCE S256, resource /mcp, scope tickets",
            a.get("endpoint") == base + "/oauth/authorize" and
            a.get("code_challenge_method") == "S256" and
            a.get("resource") == base + "/mcp" and
            a.get("scope") == "tickets" and
            a.get("redirect_uri") == LOOP_CB, a)
    if cimd_url:
        c.eq(t + "its client_id is the metadata document's URL",
             a.get("client_id"), cimd_url)
    else:
        c.check(t + "its client_id came from dynamic registration",
                (out.get("client_id") or "").startswith("jtac_") and
                a.get("client_id") == out.get("client_id"), out)
        c.check(t + "registered %s" % (
            "confidential (client_secret_basic, a secret)" if confidential
            else "public (none, no secret)"),
            (out.get("client_auth"), out.get("client_secret")) ==
            (("client_secret_basic", True) if confidential else
             ("none", False)), out)
    if stack.password is None:
        c.eq(t + "the sign-in went through Atlassian's consent",
             out.get("atlassian"), standin.url)
    else:
        c.check(t + "the consent page named the client and its return "
                "host", "E2E MCP client asks" in (out.get("page") or "") and
                "127.0.0.1" in out.get("page", ""), out.get("page"))
    cb = out.get("callback") or {}
    c.check(t + "back at the client with code, its state and iss",
            cb.get("code", "").startswith("jta_ac_") and
            cb.get("state") == "e2e-state-" + sdk and cb.get("iss") == base,
            cb)
    tok = out.get("tokens") or {}
    c.check(t + "its tokens", tok.get("access_token", "").startswith(
        "jta_at_") and tok.get("refresh_token", "").startswith("jta_rt_"),
        tok)
    c.eq(t + "speaks %s" % ("2025-11-25" if sdk == "v1" else MODERN),
         out.get("protocol"), "2025-11-25" if sdk == "v1" else MODERN)
    c.check(t + "lists the 16 tools", len(out.get("tools") or []) >= 16,
            out.get("tools"))
    me = out.get("me") or {}
    c.check(t + "getMe is the person who signed in",
            me.get("name") in ("alice", "ali") or me.get("display_name"),
            me)
    form = out.get("form") or {}
    c.eq(t + "the follow-up form asked for exactly project and summary",
         form.get("asked"), ["project", "summary"])
    first = form.get("first") or {}
    if sdk == "v2":
        c.check(t + "the form's project is an enum holding %s" % project,
                project in (form.get("projects") or []), form)
        c.check(t + "the call answered after the form is the draft",
                not first.get("isError") and (first.get(
                    "structuredContent") or {}).get("id", "").startswith(
                        "d_"), first)
    else:
        c.check(t + "an older client gets the questions as a tool error",
                first.get("isError") is True, first)
    d = (out.get("draft") or {}).get("structuredContent") or {}
    c.check(t + "the draft is complete: project and summary from the "
            "answers", d.get("preview", {}).get("project") == project and
            d.get("preview", {}).get("summary") ==
            "Wifi on floor 2 drops every hour", d)
    sub = out.get("submit") or {}
    issue = out.get("issue") or {}
    c.check(t + "submitDraft files it: the issue exists in %s" % project,
            not sub.get("isError") and
            (issue.get("key") or "").startswith(project + "-") and
            issue.get("summary") == "Wifi on floor 2 drops every hour",
            (sub, issue))
    key = issue.get("key") or "-"
    con = sqlite3.connect(os.path.join(stack.workdir, "jta.db"))
    rows = con.execute("SELECT who, action, endpoint, status, detail FROM "
                       "audit_log WHERE issue_key = ?", (key,)).fetchall()
    con.close()
    c.check(t + "the audit has the signed-in person's submitDraft as the "
            "create it is, with the tool's name",
            any(r[1] == "create" and r[3] == 201 and
                r[4].startswith("mcp tool submitDraft") and
                r[0] not in ("", "-") for r in rows), rows)
    ref = out.get("refreshed") or {}
    after = out.get("after_expiry") or {}
    c.check(t + "its access token expired: the SDK refreshed it on the "
            "401 and the call went through", ref.get(
                "access_token", "").startswith("jta_at_") and
            ref.get("refresh_token") != tok.get("refresh_token") and
            not after.get("isError"), (ref, after))
    at = ref.get("access_token", "x")
    c.eq(t + "the refreshed /mcp token is refused by the REST API",
         api_me(stack, at)[0], 401)
    st, h, j = tools_list(stack, at)
    c.eq(t + "... and taken by /mcp", st, 200)
    st, h, j = tools_list(stack, tok.get("access_token", "x"))
    c.check(t + "the expired one is refused by /mcp: invalid_token",
            st == 401 and h.get("www-authenticate") ==
            challenge(stack, "/mcp", True), (st, h))
    return out


def local(c, stack, server, shared=False):
    s = "local%s/%s: " % ("/shared" if shared else "", server)
    stack.password = PASSWORD
    for args in (("user", "add", "alice", "--email", "alice@example.com",
                  "--display-name", "Alice Example"),
                 ("project", "add", "DEMO", "Demo project")):
        rc, out, err = stack.admin(*args)
        assert rc == 0, (args, out, err)
    p = subprocess.run([os.path.join(jtatest.BUILDDIR, "cli", "jta-admin"),
                        "--config", stack.conf, "user", "passwd", "alice"],
                       input=PASSWORD + "\n", capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    rc, key, err = stack.admin("key", "create", "alice")
    assert rc == 0, err
    seams(c, stack, s, key.strip(), shared)
    if shared:
        return
    done_when(c, stack, s, "v1", "DEMO", "dynamic registration")
    done_when(c, stack, s, "v2", "DEMO", "dynamic registration")
    done_when(c, stack, s, "v1", "DEMO", "confidential registration",
              confidential=True)
    done_when(c, stack, s, "v2", "DEMO", "metadata document",
              DOCS.doc("/%d/local.json" % stack.port))


def jira(c, stack, server):
    s = "jira/%s: " % server
    stack.password = None
    key = link(stack)
    seams(c, stack, s, key, False)
    done_when(c, stack, s, "v1", "OPS", "dynamic registration")
    out = done_when(c, stack, s, "v2", "OPS", "metadata document",
                    DOCS.doc("/%d/jira.json" % stack.port))
    broken_link(c, stack, s, key, out)


def broken_link(c, stack, s, key, out):
    """Jira mode: the person's Atlassian link breaks (Atlassian refused
    its refresh token).  With an API key a tool call says where to link
    again, as a tool error the model reads.  With our access token /mcp
    answers 401 invalid_token as the REST API does, the refresh is
    refused (invalid_grant), and the SDK signs the person in again,
    through Atlassian's consent, which links them again."""
    ref = out.get("refreshed") or {}
    at = ref.get("access_token", "x")
    con = sqlite3.connect(os.path.join(stack.workdir, "jta.db"))
    with con:
        con.execute("UPDATE atlassian_links SET status = 'broken', "
                    "access_ct = NULL, refresh_ct = NULL")
    con.close()
    h = {"MCP-Protocol-Version": MODERN, "Mcp-Method": "tools/call",
         "Mcp-Name": "searchIssues"}
    body = {"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {
        "name": "searchIssues", "arguments": {"project": "OPS"},
        "_meta": {META: MODERN}}}
    st, hd, raw = mcp(stack, body, key, h)
    r = ((body_json(raw) or {}).get("result") or {})
    c.check(s + "a broken Atlassian link, with an API key: a tool call "
            "is an isError result naming /oauth/start", st == 200 and
            r.get("isError") is True and
            (r.get("structuredContent") or {}).get("status") == 401 and
            "/oauth/start" in json.dumps(r), (st, raw[:500]))
    st, hd, raw = mcp(stack, body, at, h)
    j = body_json(raw) or {}
    c.check(s + "... with our /mcp token: 401 invalid_token naming /mcp's "
            "metadata, a JSON-RPC error answering the call",
            st == 401 and hd.get("www-authenticate") ==
            challenge(stack, "/mcp", True) and j.get("id") == 5 and
            "error" in j, (st, hd, raw[:500]))
    st, hd, raw = stack.request("GET", "/api/issues?project=OPS",
                                headers={"Authorization": "Bearer " + key})
    c.check(s + "... as the REST API answers (401 with the challenge)",
            st == 401 and 'error="invalid_token"' in hd.get(
                "www-authenticate", ""), (st, hd))
    cid = (out.get("client_info") or {}).get("client_id", "x")
    st, hd, raw = stack.request(
        "POST", "/oauth/token", headers=FORM,
        raw_body=urllib.parse.urlencode({
            "grant_type": "refresh_token", "client_id": cid,
            "refresh_token": ref.get("refresh_token", "x")}).encode())
    j = body_json(raw) or {}
    c.check(s + "the refresh of that sign-in is invalid_grant",
            st == 400 and j.get("error") == "invalid_grant", (st, j))
    again = run_sdk(stack, "v2", "OPS", resume={
        "info": out.get("client_info"), "tokens": ref})
    c.check(s + "the SDK, resuming with the tokens it held, meets the 401 "
            "and asks the person to sign in again", "error" not in again
            and again.get("reauthorized") is True and
            (again.get("first") or {}).get("structuredContent") is None,
            again)
    after = again.get("after") or {}
    c.check(s + "... through Atlassian's consent, which links them again: "
            "the search goes through", not after.get("isError") and
            "issues" in (after.get("structuredContent") or {}), after)
    st, hd, raw = mcp(stack, body, key, h)
    r = ((body_json(raw) or {}).get("result") or {})
    c.check(s + "... and the person's API key works again",
            st == 200 and not r.get("isError"), (st, raw[:300]))


ON = ("oauth_client_registration = on\n"
      "oauth_client_metadata_documents = on\n"
      "client_metadata_allow_loopback = on\n"
      "client_metadata_test_ca_file = %s\n" % DOCS.cert)

if __name__ == "__main__":
    test_openapi.node_or_skip()
    try:
        jtatest.run_modes([
            ("local", local, lambda st: ON),
            ("shared", lambda c, st, sv: local(c, st, sv, True),
             lambda st: ON + "oauth_audience_shared = on\n"),
            ("jira", jira, lambda st: jira_conf(
                st, timeout_ms=15000, budget_ms=20000, extra=ON),
             {"default_project": "OPS"}),
        ], "mcp-e2e", cleanup=DOCS.stop)
    finally:
        standin.stop()
