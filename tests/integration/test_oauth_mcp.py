"""Authorization for MCP clients (issue 14, item 4), over real HTTP under
nginx and Apache: RFC 9728 protected resource metadata and the 401
challenge that points to it, RFC 9207 iss in authorization responses,
public clients with PKCE S256 required, RFC 8707 resource indicators with
tokens bound to their audience (and the operator key that shares them),
RFC 7591 dynamic registration with its cap and rate, idle registered
clients removed (at registration and by jta-admin client prune),
jta-admin's client list and remove, and the official MCP SDK's OAuth
client end to end."""

import http.server
import json
import os
import re
import sqlite3
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse

from jtatest import BUILDDIR, SRCDIR, body_json, run_modes
from test_openapi import node_modules

PASSWORD = "correct horse battery"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# A native MCP client's loopback redirect (RFC 8252 §7.3).
LOOP_CB = "http://127.0.0.1:33418/callback"


def admin_stdin(stack, text, *args):
    p = subprocess.run([os.path.join(BUILDDIR, "cli", "jta-admin"),
                        "--config", stack.conf] + list(args), input=text,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def add_alice(stack):
    rc, out, err = stack.admin("user", "add", "alice")
    assert rc == 0, err
    rc, out, err = admin_stdin(stack, PASSWORD + "\n", "user", "passwd",
                               "alice")
    assert rc == 0, err


def add_client(stack, *extra, redirect=LOOP_CB, name="Inspector"):
    rc, out, err = stack.admin("client", "add", "--name", name,
                               "--redirect-uri", redirect, *extra)
    assert rc == 0, (out, err)
    creds = dict(re.findall(r"^(client_id|client_secret): (\S+)$", out,
                            re.M))
    return creds["client_id"], creds.get("client_secret")


def query(loc):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))


def db(stack, sql, *params):
    con = sqlite3.connect(os.path.join(stack.workdir, "jta.db"))
    try:
        with con:
            return con.execute(sql, params).fetchall()
    finally:
        con.close()


class AS:
    """The authorization server as a client and the person's browser use
    it."""

    def __init__(self, stack):
        self.stack = stack

    def authorize(self, method="GET", **params):
        p = {k: v for k, v in params.items() if v is not None}
        if method == "GET":
            return self.stack.request("GET", "/oauth/authorize?" +
                                      urllib.parse.urlencode(p))
        g = {k: v for k, v in p.items()
             if k not in ("username", "password")}
        st, h, body = self.stack.request("GET", "/oauth/authorize?" +
                                         urllib.parse.urlencode(g))
        m = re.search(r'name="form_token" value="([0-9a-f]+)"',
                      body.decode("utf-8", "replace"))
        hdr = dict(FORM)
        ck = h.get("set-cookie", "").split(";")[0]
        if ck:
            hdr["Cookie"] = ck
        if m:
            p["form_token"] = m.group(1)
        return self.stack.request("POST", "/oauth/authorize", headers=hdr,
                                  raw_body=urllib.parse.urlencode(
                                      p).encode())

    def code(self, cid, redirect=LOOP_CB, **params):
        """(status, Location's query) of a signed-in authorization."""
        p = {"response_type": "code", "client_id": cid,
             "redirect_uri": redirect, "state": "st-1",
             "code_challenge": CHALLENGE, "code_challenge_method": "S256",
             "username": "alice", "password": PASSWORD}
        p.update(params)
        st, h, body = self.authorize("POST", **p)
        return st, query(h.get("location", "")), h, body

    def token(self, params, basic=None):
        p = {k: v for k, v in params.items() if v is not None}
        st, h, body = self.stack.request(
            "POST", "/oauth/token", headers=dict(FORM, **(basic or {})),
            raw_body=urllib.parse.urlencode(p).encode())
        return st, body_json(body)


def me(stack, token, path="/api/me"):
    st, h, body = stack.request("GET", path, headers={
        "Authorization": "Bearer " + token})
    return st, h


def discovery(c, stack, s):
    base = stack.base_url
    for path, res in (("/.well-known/oauth-protected-resource", base),
                      ("/.well-known/oauth-protected-resource/mcp",
                       base + "/mcp")):
        st, h, body = stack.request("GET", path)
        j = body_json(body) or {}
        c.check(s + "%s: RFC 9728 metadata of %s" % (path, res),
                st == 200 and h.get("content-type", "").startswith(
                    "application/json") and j.get("resource") == res and
                j.get("authorization_servers") == [base] and
                j.get("scopes_supported") == ["tickets"] and
                j.get("bearer_methods_supported") == ["header"], (st, j))
    st, h, body = stack.request("POST",
                                "/.well-known/oauth-protected-resource")
    c.eq(s + "the resource metadata answers GET only", st, 405)
    # CORS for browser-based clients (the MCP Inspector): the documents
    # and the token endpoint, not the sign-in page.
    for path in ("/.well-known/oauth-protected-resource/mcp",
                 "/.well-known/oauth-authorization-server"):
        st, h, body = stack.request("GET", path, headers={
            "Origin": "http://localhost:6274"})
        c.check(s + "%s: Access-Control-Allow-Origin *" % path,
                st == 200 and h.get("access-control-allow-origin") == "*",
                h)
        st, h, body = stack.request("OPTIONS", path, headers={
            "Origin": "http://localhost:6274",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "mcp-protocol-version"})
        c.check(s + "%s: a preflight is 204 allowing MCP-Protocol-Version"
                % path, st == 204 and h.get("access-control-allow-origin")
                == "*" and "MCP-Protocol-Version" in h.get(
                    "access-control-allow-headers", ""), (st, h))
    st, h, body = stack.request("OPTIONS", "/oauth/token", headers={
        "Origin": "http://localhost:6274",
        "Access-Control-Request-Method": "POST"})
    c.check(s + "/oauth/token: a preflight is 204 allowing POST",
            st == 204 and h.get("access-control-allow-methods") == "POST",
            (st, h))
    st, h, body = stack.request("POST", "/oauth/token", headers=FORM,
                                raw_body=b"grant_type=x")
    c.check(s + "/oauth/token's answers (errors too) allow any origin",
            st == 401 and h.get("access-control-allow-origin") == "*",
            (st, h))
    st, h, body = stack.request("GET", "/oauth/authorize")
    c.check(s + "/oauth/authorize does not take part in CORS",
            "access-control-allow-origin" not in h, h)
    st, h, body = stack.request(
        "GET", "/.well-known/oauth-protected-resource/other")
    c.check(s + "no metadata for a resource we do not have",
            st == 404, st)
    st, h, body = stack.request("GET",
                                "/.well-known/oauth-authorization-server")
    j = body_json(body) or {}
    c.check(s + "AS metadata: iss in authorization responses (RFC 9207), "
            "public clients ('none')",
            j.get("authorization_response_iss_parameter_supported") is
            True and "none" in j.get(
                "token_endpoint_auth_methods_supported", []) and
            j.get("issuer") == base, j)

    # The 401 challenge (RFC 6750 §3, RFC 9728 §5.1).
    want = ('Bearer realm="jta", resource_metadata="%s/.well-known/'
            'oauth-protected-resource", scope="tickets"' % base)
    for path in ("/api/me", "/api/issues", "/api/tickets/"):
        st, h, body = stack.request("GET", path)
        c.check(s + "%s without a token: 401 naming the metadata" % path,
                st == 401 and h.get("www-authenticate") == want,
                (st, h.get("www-authenticate")))
    st, h = me(stack, "jta_at_" + "x" * 43)
    c.check(s + "a refused token: invalid_token and the metadata",
            st == 401 and h.get("www-authenticate") == want.replace(
                '"jta"', '"jta", error="invalid_token"'),
            h.get("www-authenticate"))


def iss(c, stack, s):
    """RFC 9207 §2: iss in every authorization response."""
    az = AS(stack)
    cid, secret = add_client(stack, name="Iss test")
    st, q, h, _ = az.code(cid)
    c.check(s + "a code comes back with iss = our issuer",
            st == 302 and q.get("code") and q.get("iss") == stack.base_url,
            (st, q))
    st, h, body = az.authorize(response_type="token", client_id=cid,
                               redirect_uri=LOOP_CB, state="s")
    q = query(h.get("location", ""))
    c.check(s + "an error response carries iss too",
            st == 302 and q.get("error") == "unsupported_response_type" and
            q.get("iss") == stack.base_url, (st, q))


def register(stack, meta, ctype="application/json", raw=None):
    st, h, body = stack.request(
        "POST", "/oauth/register", headers={"Content-Type": ctype},
        raw_body=raw if raw is not None else json.dumps(meta).encode())
    return st, h, body_json(body)


def registration(c, stack, s):
    """RFC 7591 at /oauth/register: what it takes and what it refuses.
    Returns the public client's id."""
    st, h, body = stack.request("GET",
                                "/.well-known/oauth-authorization-server")
    c.eq(s + "AS metadata names the registration endpoint",
         (body_json(body) or {}).get("registration_endpoint"),
         stack.base_url + "/oauth/register")
    st, h, j = register(stack, {
        "redirect_uris": [LOOP_CB], "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"], "application_type": "native",
        "client_name": "<b>MCP</b> & Co", "logo_uri": "https://x/l.png"})
    c.check(s + "a public client registers: 201, no secret, its metadata "
            "(unknown members ignored)",
            st == 201 and j.get("client_id", "").startswith("jtac_") and
            "client_secret" not in j and
            j.get("token_endpoint_auth_method") == "none" and
            j.get("redirect_uris") == [LOOP_CB] and
            j.get("client_name") == "<b>MCP</b> & Co" and
            h.get("cache-control") == "no-store", (st, j))
    pub = j.get("client_id")
    st, h, j = register(stack, {"redirect_uris": [LOOP_CB],
                                "client_name": "Confidential"})
    c.check(s + "without a method: client_secret_basic, a secret once",
            st == 201 and j.get("token_endpoint_auth_method") ==
            "client_secret_basic" and
            j.get("client_secret", "").startswith("jtacs_") and
            j.get("client_secret_expires_at") == 0, (st, j))
    for name, meta, code in (
            ("no redirect_uris", {"client_name": "x"},
             "invalid_redirect_uri"),
            ("an http redirect off the loopback",
             {"redirect_uris": ["http://evil.example/cb"]},
             "invalid_redirect_uri"),
            ("a redirect with a fragment",
             {"redirect_uris": ["https://app.example/cb#x"]},
             "invalid_redirect_uri"),
            ("a wildcard redirect",
             {"redirect_uris": ["https://*.example/cb"]},
             "invalid_redirect_uri"),
            ("nine redirect URIs",
             {"redirect_uris": ["https://a.example/%d" % i
                                for i in range(9)]},
             "invalid_redirect_uri"),
            ("private_key_jwt",
             {"redirect_uris": [LOOP_CB],
              "token_endpoint_auth_method": "private_key_jwt"},
             "invalid_client_metadata"),
            ("the implicit grant",
             {"redirect_uris": [LOOP_CB], "grant_types": ["implicit"]},
             "invalid_client_metadata"),
            ("response_type token",
             {"redirect_uris": [LOOP_CB], "response_types": ["token"]},
             "invalid_client_metadata"),
            ("a name of 129 bytes",
             {"redirect_uris": [LOOP_CB], "client_name": "n" * 129},
             "invalid_client_metadata"),
            ("a name with a newline",
             {"redirect_uris": [LOOP_CB], "client_name": "a\nb"},
             "invalid_client_metadata"),
            ("a scope we do not have",
             {"redirect_uris": [LOOP_CB], "scope": "admin"},
             "invalid_client_metadata"),
            ("not an object", [LOOP_CB], "invalid_client_metadata")):
        st, h, j = register(stack, meta)
        c.check(s + "registration refuses %s: 400 %s" % (name, code),
                st == 400 and (j or {}).get("error") == code, (st, j))
    st, h, j = register(stack, None, raw=b"{not json")
    c.check(s + "registration refuses bad JSON: 400",
            st == 400 and (j or {}).get("error") ==
            "invalid_client_metadata", (st, j))
    st, h, j = register(stack, {"redirect_uris": [LOOP_CB]},
                        ctype="application/x-www-form-urlencoded")
    c.eq(s + "registration refuses a form body: 415", st, 415)
    st, h, body = stack.request("GET", "/oauth/register")
    c.eq(s + "registration answers POST only", st, 405)
    return pub


def public_client(c, stack, s, pub):
    """A public client: PKCE S256 required, no secret at the token
    endpoint; its consent page names it (escaped) and the return host."""
    az = AS(stack)
    st, h, body = az.authorize(response_type="code", client_id=pub,
                               redirect_uri=LOOP_CB, state="s1",
                               code_challenge=CHALLENGE,
                               code_challenge_method="S256")
    page = body.decode("utf-8", "replace")
    c.check(s + "the consent page names the registered client, escaped, "
            "and the host it returns to",
            st == 200 and "&lt;b&gt;MCP&lt;/b&gt; &amp; Co asks" in page and
            "<b>MCP</b>" not in page and
            "sends you back to 127.0.0.1" in page, page[:2000])
    for name, extra in (("without PKCE", {"code_challenge": None,
                                          "code_challenge_method": None}),
                        ("with plain PKCE",
                         {"code_challenge": VERIFIER,
                          "code_challenge_method": "plain"})):
        st, q, h, _ = az.code(pub, **extra)
        c.check(s + "a public client %s: invalid_request back, no code"
                % name, st == 302 and q.get("error") == "invalid_request"
                and "code" not in q and q.get("iss") == stack.base_url,
                (st, q))
    st, q, h, _ = az.code(pub)
    c.check(s + "a public client with S256: a code", st == 302 and
            q.get("code", "").startswith("jta_ac_"), (st, q))
    st, j = az.token({"grant_type": "authorization_code", "code": q["code"],
                      "redirect_uri": LOOP_CB, "client_id": pub})
    c.check(s + "its code without the verifier: invalid_grant",
            st == 400 and j.get("error") == "invalid_grant", (st, j))
    st, q, h, _ = az.code(pub)
    st, j = az.token({"grant_type": "authorization_code", "code": q["code"],
                      "redirect_uri": LOOP_CB, "client_id": pub,
                      "client_secret": "jtacs_" + "A" * 43,
                      "code_verifier": VERIFIER})
    c.check(s + "a public client sending a secret: invalid_client",
            st == 401 and j.get("error") == "invalid_client", (st, j))
    st, q, h, _ = az.code(pub)
    st, j = az.token({"grant_type": "authorization_code", "code": q["code"],
                      "redirect_uri": LOOP_CB, "client_id": pub,
                      "code_verifier": VERIFIER})
    c.check(s + "a public client redeems with client_id and verifier",
            st == 200 and j.get("access_token", "").startswith("jta_at_"),
            (st, j))
    c.eq(s + "... and its API token works", me(stack, j["access_token"])[0],
         200)
    st, j2 = az.token({"grant_type": "refresh_token", "client_id": pub,
                       "refresh_token": j["refresh_token"]})
    c.check(s + "... and refreshes without a secret", st == 200 and
            j2.get("refresh_token") != j["refresh_token"], (st, j2))
    return j2


def resources(c, stack, s, pub, shared):
    """RFC 8707: resource in the authorization and token requests, the
    token bound to its audience."""
    az = AS(stack)
    base = stack.base_url
    mcp = base + "/mcp"
    for name, res in (("another server's", "https://evil.example/mcp"),
                      ("a fragment", mcp + "#x"),
                      ("a relative", "/mcp"),
                      ("an unknown path", base + "/api")):
        st, q, h, _ = az.code(pub, resource=res)
        c.check(s + "resource %s: invalid_target back to the client"
                % name, st == 302 and q.get("error") == "invalid_target"
                and q.get("iss") == base and "code" not in q, (st, q))
    st, q, h, _ = az.code(pub, resource=mcp)
    st, j = az.token({"grant_type": "authorization_code", "code": q["code"],
                      "redirect_uri": LOOP_CB, "client_id": pub,
                      "code_verifier": VERIFIER, "resource": base})
    c.check(s + "a code for /mcp redeemed for the API: invalid_target",
            st == 400 and j.get("error") == "invalid_target", (st, j))
    st, q, h, _ = az.code(pub, resource=mcp)
    st, j = az.token({"grant_type": "authorization_code", "code": q["code"],
                      "redirect_uri": LOOP_CB, "client_id": pub,
                      "code_verifier": VERIFIER, "resource": mcp})
    c.check(s + "a code for /mcp redeemed for /mcp: tokens",
            st == 200 and j.get("access_token"), (st, j))
    st, h = me(stack, j["access_token"])
    if shared:
        c.eq(s + "oauth_audience_shared: the /mcp token serves the API "
             "too", st, 200)
    else:
        c.check(s + "the /mcp token is refused by the API: 401 "
                "invalid_token naming the API's metadata",
                st == 401 and 'error="invalid_token"' in h.get(
                    "www-authenticate", "") and
                'oauth-protected-resource"' in h.get("www-authenticate",
                                                     ""), (st, h))
    st, j2 = az.token({"grant_type": "refresh_token", "client_id": pub,
                       "refresh_token": j["refresh_token"],
                       "resource": base})
    c.check(s + "a refresh naming the other resource: invalid_target",
            st == 400 and j2.get("error") == "invalid_target", (st, j2))
    st, j2 = az.token({"grant_type": "refresh_token", "client_id": pub,
                       "refresh_token": j["refresh_token"]})
    c.check(s + "the refreshed pair keeps the audience",
            st == 200 and me(stack, j2["access_token"])[0] ==
            (200 if shared else 401), (st, j2))
    # The API's own resource (a trailing '/' as a URL parser writes it).
    st, q, h, _ = az.code(pub, resource=base + "/")
    st, j = az.token({"grant_type": "authorization_code", "code": q["code"],
                      "redirect_uri": LOOP_CB, "client_id": pub,
                      "code_verifier": VERIFIER, "resource": base})
    c.check(s + "a code for the API (public_url/) serves the API",
            st == 200 and me(stack, j["access_token"])[0] == 200, (st, j))
    rows = db(stack, "SELECT DISTINCT audience FROM oauth_tokens WHERE "
              "client_id = ? AND revoked = 0 AND kind = 'access'", pub)
    c.check(s + "the store keeps the audience with the family",
            ("mcp",) in rows and ("api",) in rows, rows)


def caps(c, stack, s):
    """The per-address rate and the cap of registrations."""
    got = []
    for _ in range(12):
        st, h, j = register(stack, {"redirect_uris": [LOOP_CB],
                                    "token_endpoint_auth_method": "none"})
        got.append(st)
    mine = db(stack, "SELECT count(*) FROM oauth_clients WHERE origin = "
              "'registered' AND address = '127.0.0.1'")[0][0]
    c.check(s + "ten registrations an hour per address, then 429",
            mine == 10 and 429 in got and
            set(got[got.index(429):]) == {429}, (mine, got))
    db(stack, "UPDATE oauth_clients SET created = created - 3601 WHERE "
       "origin = 'registered'")
    st, h, j = register(stack, {"redirect_uris": [LOOP_CB]})
    c.eq(s + "an hour later the address may register again", st, 201)
    n = db(stack, "SELECT count(*) FROM oauth_clients WHERE origin = "
           "'registered'")[0][0]
    con = sqlite3.connect(os.path.join(stack.workdir, "jta.db"))
    with con:
        con.executemany(
            "INSERT INTO oauth_clients (client_id, secret_hash, name, "
            "redirect_uris, created, public, origin, address) VALUES "
            "(?, zeroblob(32), 'filler', '[]', ?, 1, 'registered', "
            "'192.0.2.1')", [("jtac_fill%019d" % i, int(time.time()))
                             for i in range(1000 - n)])
    con.close()
    st, h, j = register(stack, {"redirect_uris": [LOOP_CB]})
    c.check(s + "1000 registered clients: the next is refused (403)",
            st == 403 and (j or {}).get("error") == "access_denied",
            (st, j))
    # Idle for longer than oauth_registered_client_idle_days (30): the
    # registration frees their rows before it checks the cap.
    db(stack, "UPDATE oauth_clients SET created = created - 31 * 86400 "
       "WHERE name = 'filler'")
    st, h, j = register(stack, {"redirect_uris": [LOOP_CB]})
    left = db(stack, "SELECT count(*) FROM oauth_clients WHERE name = "
              "'filler'")[0][0]
    c.check(s + "a full table frees its idle registered clients first",
            st == 201 and left == 0, (st, j, left))


def prune(c, stack, s):
    """jta-admin client prune: idle registered clients go, printed and
    audited; recent ones and operators' clients stay."""
    ids = []
    for name in ("Idle", "Busy"):
        st, h, j = register(stack, {"redirect_uris": [LOOP_CB],
                                    "client_name": name,
                                    "token_endpoint_auth_method": "none"})
        assert st == 201, (st, j)
        ids.append(j["client_id"])
    idle, busy = ids
    op, _ = add_client(stack, name="Old operator client")
    db(stack, "UPDATE oauth_clients SET created = 0 WHERE client_id = ?",
       op)
    # Registered (and so last used) 31 days ago, as the clock sees it.
    db(stack, "UPDATE oauth_clients SET created = created - 31 * 86400, "
       "last_used = last_used - 31 * 86400 WHERE client_id = ?", idle)
    rc, out, err = stack.admin("client", "prune")
    c.check(s + "jta-admin client prune removes the idle registered "
            "client and prints it",
            rc == 0 and idle in out and busy not in out and op not in out,
            (rc, out, err))
    rows = [r[0] for r in db(stack, "SELECT client_id FROM oauth_clients")]
    c.check(s + "... the recent one and the operator's client stay",
            idle not in rows and busy in rows and op in rows, rows)
    rows = db(stack, "SELECT detail FROM audit_log WHERE action = "
              "'admin:client-prune'")
    c.check(s + "... and the removal is audited",
            any(idle in (d or "") for d, in rows), rows)
    rc, out, err = stack.admin("client", "prune")
    c.check(s + "a second prune finds nothing",
            rc == 0 and out == "", (rc, out, err))


def admin_list(c, stack, s, pub, tokens):
    rc, out, err = stack.admin("client", "list")
    rows = {r["client_id"]: r for r in json.loads(out)} if rc == 0 else {}
    r = rows.get(pub, {})
    c.check(s + "jta-admin client list shows the registered public client",
            r.get("origin") == "registered" and r.get("public") is True and
            r.get("name") == "<b>MCP</b> & Co", r)
    rc, out, err = stack.admin("client", "remove", pub)
    c.eq(s + "jta-admin client remove removes it", rc, 0)
    c.eq(s + "... its tokens are refused", me(stack,
                                              tokens["access_token"])[0],
         401)
    rows = db(stack, "SELECT action, detail FROM audit_log WHERE action = "
              "'admin:client-remove'")
    c.check(s + "... and the removal is audited",
            any(pub in (d or "") for _, d in rows), rows)
    rows = db(stack, "SELECT who, endpoint, status, detail FROM audit_log "
              "WHERE action = 'client-register'")
    c.check(s + "registrations are audited with the address and the name",
            ("address:127.0.0.1", "oauth.register", 201,
             "client %s: <b>MCP</b> & Co" % pub) in rows, rows[:3])


def sdk(stack, client_metadata_url=None):
    """The SDK's OAuth client end to end (mcp_oauth_client.js): its
    printed results, or None when node or the SDK is missing."""
    import shutil
    node, mods = shutil.which("node"), node_modules()
    if node is None or mods is None:
        return None
    arg = {"base": stack.base_url, "user": "alice", "password": PASSWORD,
           "redirect": LOOP_CB}
    if client_metadata_url:
        arg["clientMetadataUrl"] = client_metadata_url
    p = subprocess.run([node, os.path.join(SRCDIR, "tests", "integration",
                                           "mcp_oauth_client.js"),
                        json.dumps(arg)], capture_output=True, text=True,
                       timeout=120, env=dict(os.environ, NODE_PATH=mods))
    try:
        return json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": "no result: %s %s" % (p.stdout[-500:],
                                                p.stderr[-1500:])}


def sdk_checks(c, stack, s, out, how):
    base = stack.base_url
    if out is None:
        c.check(s + "the SDK case (%s) needs node and tests/node_modules; "
                "run sh cli/deps.sh test" % how, False)
        return
    c.check(s + "the SDK signs alice in (%s) without an error" % how,
            "error" not in out, out.get("error"))
    if "error" in out:
        return
    c.check(s + "SDK: the 401 names the metadata and the scope",
            out["challenge"] == {
                "status": 401, "scope": "tickets",
                "resourceMetadataUrl": base +
                "/.well-known/oauth-protected-resource"},
            out["challenge"])
    c.check(s + "SDK: /mcp's resource metadata, our AS, resource "
            "public_url/mcp", out["prm"].get("resource") == base + "/mcp"
            and out["issuer"] == base and out["resource"] == base + "/mcp",
            (out["prm"], out["issuer"], out["resource"]))
    c.check(s + "SDK (%s): the consent page named the client, the "
            "answer carried state and iss" % how,
            out["page_names"] is not None and out["state"] ==
            "sdk-state-1" and out["iss"] == base, out)
    t = out["tokens"]
    c.check(s + "SDK (%s): tokens for /mcp" % how,
            t.get("access_token", "").startswith("jta_at_") and
            t.get("token_type") == "Bearer" and t.get("scope") == "tickets",
            t)
    st, h = me(stack, t["access_token"])
    c.check(s + "SDK (%s): the /mcp token is refused by the REST API" % how,
            st == 401 and 'error="invalid_token"' in h.get(
                "www-authenticate", ""), (st, h))
    r = db(stack, "SELECT audience FROM oauth_tokens WHERE client_id = ? "
           "AND kind = 'access'", out["client_id"])
    c.check(s + "SDK (%s): its tokens, refresh included, are bound to "
            "/mcp" % how, len(r) == 2 and set(r) == {("mcp",)}, r)
    c.check(s + "SDK (%s): a replayed code is refused (invalid_grant)" %
            how, "InvalidGrant" in out["replay"], out["replay"])


class Documents:
    """A loopback https server of Client ID Metadata Documents, with a
    certificate made here by openssl (trusted through the test-only
    client_metadata_test_ca_file); it counts the fetches of each path."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="jta-cimd-")
        self.cert = os.path.join(self.dir, "cert.pem")
        key = os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", key, "-out", self.cert,
                        "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                        "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, capture_output=True)
        self.hits = {}
        self.docs = {}
        docs = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                docs.hits[self.path] = docs.hits.get(self.path, 0) + 1
                status, headers, body = docs.docs.get(
                    self.path, (404, {}, b"{}"))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                     Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket,
                                            server_side=True)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever,
                         daemon=True).start()

    def url(self, path, host="127.0.0.1"):
        return "https://%s:%d%s" % (host, self.port, path)

    def doc(self, path, host="127.0.0.1", status=200, headers=None,
            body=None, **meta):
        """Serve at path a document whose client_id is its own URL
        (unless meta says otherwise); returns that URL."""
        url = self.url(path, host)
        m = {"client_id": url, "client_name": "Metadata test client",
             "redirect_uris": [LOOP_CB],
             "token_endpoint_auth_method": "none",
             "grant_types": ["authorization_code", "refresh_token"],
             "response_types": ["code"]}
        m.update(meta)
        m = {k: v for k, v in m.items() if v is not None}
        h = {"Content-Type": "application/json",
             "Cache-Control": "max-age=60"}
        h.update(headers or {})
        self.docs[path] = (status, h, body if body is not None else
                           json.dumps(m).encode())
        return url


DOCS = Documents()


def refused_page(stack, az, cid, why=None):
    """(True when) an authorization request of client cid gets the error
    page, never a redirect; why: a phrase the page must say."""
    st, h, body = az.authorize(response_type="code", client_id=cid,
                               redirect_uri=LOOP_CB, state="s",
                               code_challenge=CHALLENGE,
                               code_challenge_method="S256")
    page = body.decode("utf-8", "replace")
    return (st == 400 and "location" not in h and
            (why is None or why in page)), (st, h.get("location"),
                                            page[-700:])


def cimd(c, stack, s):
    az = AS(stack)
    st, h, body = stack.request("GET",
                                "/.well-known/oauth-authorization-server")
    c.check(s + "AS metadata: client_id_metadata_document_supported",
            (body_json(body) or {}).get(
                "client_id_metadata_document_supported") is True, body)
    good = DOCS.doc("/%s/good.json" % stack.port)
    st, h, body = az.authorize(response_type="code", client_id=good,
                               redirect_uri=LOOP_CB, state="s",
                               code_challenge=CHALLENGE,
                               code_challenge_method="S256")
    page = body.decode("utf-8", "replace")
    c.check(s + "a metadata document's client: the page names it and its "
            "return host", st == 200 and "Metadata test client asks" in
            page and "sends you back to 127.0.0.1" in page, (st, page[-500:]))
    path = "/%s/good.json" % stack.port
    st, h, body = az.authorize(response_type="code", client_id=good,
                               redirect_uri=LOOP_CB, state="s",
                               code_challenge=CHALLENGE,
                               code_challenge_method="S256")
    c.check(s + "the document is fetched once, then cached (max-age)",
            st == 200 and DOCS.hits.get(path) == 1, DOCS.hits.get(path))
    st, q, h, _ = az.code(good)
    st, j = az.token({"grant_type": "authorization_code",
                      "code": q.get("code"), "redirect_uri": LOOP_CB,
                      "client_id": good, "code_verifier": VERIFIER})
    c.check(s + "it signs in as a public client (PKCE, no secret)",
            st == 200 and j.get("access_token"), (st, j))
    st, q, h, _ = az.code(good, code_challenge=None,
                          code_challenge_method=None)
    c.check(s + "... and without PKCE it is refused", st == 302 and
            q.get("error") == "invalid_request", (st, q))
    st, h, body = az.authorize(response_type="code", client_id=good,
                               redirect_uri=LOOP_CB + "/other", state="s",
                               code_challenge=CHALLENGE,
                               code_challenge_method="S256")
    c.check(s + "a redirect URI its document does not list: the page, "
            "no redirect", st == 400 and "location" not in h, (st, h))
    # The refusals, each an error page, never a redirect.
    target = DOCS.doc("/%s/target.json" % stack.port)
    red = DOCS.url("/%s/redirect.json" % stack.port)
    DOCS.docs["/%s/redirect.json" % stack.port] = (
        302, {"Location": target}, b"")
    for name, cid, why in (
            ("a redirect", red, "redirect"),
            ("an oversize document (over 5120 bytes)",
             DOCS.doc("/%s/big.json" % stack.port,
                      client_name="x" * 100, logo_uri="https://a/" +
                      "b" * 6000), "larger than 5120"),
            ("a client_id that is not the document's URL",
             DOCS.doc("/%s/wrong.json" % stack.port,
                      client_id=good), "not its own address"),
            ("a plain http client_id",
             "http://127.0.0.1:%d/%s/good.json" % (DOCS.port, stack.port),
             None),
            ("a document with a client secret",
             DOCS.doc("/%s/secret.json" % stack.port,
                      client_secret="s3cret"), "client secret"),
            ("a confidential auth method",
             DOCS.doc("/%s/basic.json" % stack.port,
                      token_endpoint_auth_method="client_secret_basic"),
             "not none"),
            ("a document without redirect_uris",
             DOCS.doc("/%s/nouris.json" % stack.port, redirect_uris=None),
             "redirect_uris"),
            ("a document not served as JSON",
             DOCS.doc("/%s/html.json" % stack.port,
                      headers={"Content-Type": "text/html"}),
             "application/json"),
            ("a 404", DOCS.url("/%s/missing.json" % stack.port),
             "HTTP 404"),
            ("a URL with a query",
             DOCS.doc("/%s/q.json?x=1" % stack.port), "query"),
            ("a URL without a path", DOCS.url(""), "path")):
        ok, detail = refused_page(stack, az, cid, why)
        c.check(s + "a metadata document is refused: %s" % name, ok,
                detail)
    c.eq(s + "the redirect was not followed",
         DOCS.hits.get("/%s/target.json" % stack.port), None)
    nc = DOCS.doc("/%s/nostore.json" % stack.port,
                  headers={"Cache-Control": "no-store"})
    for _ in range(2):
        refused_page(stack, az, nc)
    c.check(s + "a no-store document is fetched again each time",
            DOCS.hits.get("/%s/nostore.json" % stack.port, 0) >= 2,
            DOCS.hits)
    rows = db(stack, "SELECT url, expires - fetched FROM "
              "oauth_client_documents")
    c.check(s + "the cache keeps the good document for its max-age only",
            (good, 60) in rows and all(r[0] != nc for r in rows), rows)


def cimd_private(c, stack, s):
    az = AS(stack)
    for host in ("127.0.0.1", "localhost"):
        cid = DOCS.doc("/%s/private-%s.json" % (stack.port, host), host)
        ok, detail = refused_page(stack, az, cid, "private, loopback")
        c.check(s + "without the test switch, a document at %s (the "
                "loopback) is refused" % host, ok, detail)
        c.eq(s + "... and never fetched",
             DOCS.hits.get("/%s/private-%s.json" % (stack.port, host)),
             None)


def test_base(c, stack, server):
    s = server + ": "
    add_alice(stack)
    discovery(c, stack, s)
    iss(c, stack, s)
    st, h, j = register(stack, {"redirect_uris": [LOOP_CB]})
    c.eq(s + "registration off by default: 404", st, 404)
    st, h, body = stack.request("GET",
                                "/.well-known/oauth-authorization-server")
    c.check(s + "... and the metadata does not name it",
            "registration_endpoint" not in (body_json(body) or {}), body)
    good = DOCS.doc("/%s/off.json" % stack.port)
    ok, detail = refused_page(stack, AS(stack), good,
                              "does not use such descriptions")
    c.check(s + "metadata documents off by default: refused, not fetched",
            ok and DOCS.hits.get("/%s/off.json" % stack.port) is None,
            detail)


def test_cimd(c, stack, server):
    s = server + "/cimd: "
    add_alice(stack)
    cimd(c, stack, s)
    url = DOCS.doc("/%s/sdk.json" % stack.port, client_name="SDK test "
                   "client")
    sdk_checks(c, stack, s, sdk(stack, url), "metadata document")


def test_cimd_private(c, stack, server):
    s = server + "/cimd-private: "
    add_alice(stack)
    cimd_private(c, stack, s)


def test_mcp(c, stack, server):
    s = server + "/registration: "
    add_alice(stack)
    pub = registration(c, stack, s)
    tokens = public_client(c, stack, s, pub)
    resources(c, stack, s, pub, False)
    admin_list(c, stack, s, pub, tokens)
    sdk_checks(c, stack, s, sdk(stack), "dynamic registration")
    caps(c, stack, s)
    prune(c, stack, s)


def test_shared(c, stack, server):
    s = server + "/shared: "
    add_alice(stack)
    st, h, j = register(stack, {"redirect_uris": [LOOP_CB],
                                "client_name": "<b>MCP</b> & Co",
                                "token_endpoint_auth_method": "none"})
    resources(c, stack, s, j["client_id"], True)


REG = "oauth_client_registration = on\n"
CIMD = ("oauth_client_metadata_documents = on\n"
        "client_metadata_test_ca_file = %s\n" % DOCS.cert)
run_modes([("base", test_base, None),
           ("cimd", test_cimd,
            lambda st: CIMD + "client_metadata_allow_loopback = on\n"),
           ("cimd-private", test_cimd_private, lambda st: CIMD),
           ("mcp", test_mcp, lambda st: REG),
           ("shared", test_shared,
            lambda st: REG + "oauth_audience_shared = on\n")], "oauth-mcp")
