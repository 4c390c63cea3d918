"""Our OAuth 2.0 authorization server, the one a GPT Action signs people in
through (backend = local), over real HTTP under nginx and Apache: metadata,
the sign-in page, codes, tokens with body and Basic client authentication,
the API with an access token, refresh rotation with its grace, replays,
PKCE, revocation, the requests that must never redirect, and the lockout
after wrong passwords."""

import base64
import http.client
import os
import re
import sqlite3
import subprocess
import urllib.parse

from jtatest import BUILDDIR, body_json, run

CB = "https://chatgpt.com/aip/g-0123abcd/oauth/callback"
OLD_CB = "https://chat.openai.com/aip/g-0123abcd/oauth/callback"
PASSWORD = "correct horse battery"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def admin_stdin(stack, text, *args):
    p = subprocess.run([os.path.join(BUILDDIR, "cli", "jta-admin"),
                        "--config", stack.conf] + list(args), input=text,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def setup(stack):
    for args in (("user", "add", "alice"), ("user", "add", "bob")):
        rc, out, err = stack.admin(*args)
        assert rc == 0, (args, out, err)
    rc, out, err = admin_stdin(stack, PASSWORD + "\n", "user", "passwd",
                               "alice")
    assert rc == 0, err
    rc, out, err = stack.admin("client", "add", "--name",
                               '<script>alert(1)</script> & "Ticket GPT"',
                               "--redirect-uri", CB, "--redirect-uri",
                               OLD_CB)
    assert rc == 0, err
    creds = dict(re.findall(r"^(client_id|client_secret): (\S+)$", out,
                            re.M))
    return creds["client_id"], creds["client_secret"]


def db(stack, sql, *params):
    con = sqlite3.connect(os.path.join(stack.workdir, "jta.db"))
    try:
        with con:
            con.execute(sql, params)
    finally:
        con.close()


def query(loc):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))


def test(c, stack, server):
    s = server + ": "
    cid, secret = setup(stack)

    def form(params):
        """The sign-in page of the request in params, as a browser opens
        it: (its form token or None, its jta_signin cookie or None)."""
        p = {k: v for k, v in params.items()
             if k not in ("username", "password")}
        st, h, body = stack.request("GET", "/oauth/authorize?" +
                                    urllib.parse.urlencode(p))
        m = re.search(r'name="form_token" value="([0-9a-f]+)"',
                      body.decode("utf-8", "replace"))
        ck = h.get("set-cookie", "").split(";")[0]
        return (m.group(1) if m else None), (ck or None)

    def authorize(method="GET", browser=True, headers=None, **params):
        """GET the page, or POST its form; browser: first open the page
        with the same request and send its form token and cookie back,
        as the person's browser does."""
        p = {"response_type": "code", "client_id": cid, "redirect_uri": CB,
             "state": "st-1"}
        p.update(params)
        p = {k: v for k, v in p.items() if v is not None}
        if method == "GET":
            return stack.request("GET", "/oauth/authorize?" +
                                 urllib.parse.urlencode(p))
        h = dict(FORM)
        if browser:
            tok, ck = form(p)
            if tok is not None:
                p.setdefault("form_token", tok)
            if ck is not None:
                h["Cookie"] = ck
        h.update(headers or {})
        return stack.request("POST", "/oauth/authorize", headers=h,
                             raw_body=urllib.parse.urlencode(p).encode())

    def raw(method, path, headers=None, body=None):
        """(status, reason phrase, [(lower-case name, value)]): every
        header line as sent, repeats kept."""
        conn = http.client.HTTPConnection("127.0.0.1", stack.port,
                                          timeout=15)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            r.read()
            return r.status, r.reason, [(k.lower(), v)
                                        for k, v in r.getheaders()]
        finally:
            conn.close()

    def code(**params):
        p = {"username": "alice", "password": PASSWORD}
        p.update(params)
        st, h, body = authorize("POST", **p)
        loc = h.get("location", "")
        return st, loc, query(loc).get("code")

    def token(form, basic=None, body_auth=True):
        f = dict(form)
        h = dict(FORM)
        if body_auth:
            f.update(client_id=cid, client_secret=secret)
        if basic is not None:
            raw = "%s:%s" % tuple(urllib.parse.quote_plus(x) for x in basic)
            h["Authorization"] = "Basic " + base64.b64encode(
                raw.encode()).decode()
        st, hh, body = stack.request("POST", "/oauth/token", headers=h,
                                     raw_body=urllib.parse.urlencode(
                                         f).encode())
        return st, hh, body_json(body)

    def exchange(cd, **extra):
        f = {"grant_type": "authorization_code", "code": cd,
             "redirect_uri": CB}
        f.update(extra)
        return token(f)

    def refresh(rt):
        return token({"grant_type": "refresh_token", "refresh_token": rt})

    def me(at):
        st, _, body = stack.request("GET", "/api/me", headers={
            "Authorization": "Bearer " + at})
        return st, body_json(body)

    # ---- metadata (RFC 8414)
    st, h, body = stack.request("GET",
                                "/.well-known/oauth-authorization-server")
    m = body_json(body) or {}
    c.eq(s + "metadata is 200", st, 200)
    c.check(s + "metadata names our endpoints from public_url",
            m.get("issuer") == stack.base_url and
            m.get("authorization_endpoint") ==
            stack.base_url + "/oauth/authorize" and
            m.get("token_endpoint") == stack.base_url + "/oauth/token" and
            m.get("revocation_endpoint") == stack.base_url + "/oauth/revoke",
            m)
    c.check(s + "metadata: code, S256 only, both client auth methods "
            "and none (public clients, test_oauth_mcp.py)",
            m.get("response_types_supported") == ["code"] and
            m.get("code_challenge_methods_supported") == ["S256"] and
            sorted(m.get("grant_types_supported", [])) ==
            ["authorization_code", "refresh_token"] and
            sorted(m.get("token_endpoint_auth_methods_supported", [])) ==
            ["client_secret_basic", "client_secret_post", "none"], m)

    # ---- the sign-in page
    st, h, body = authorize(state='a"b<c')
    page = body.decode("utf-8", "replace")
    csp = h.get("content-security-policy", "")
    c.eq(s + "authorize GET shows the sign-in page", st, 200)
    c.check(s + "the page posts to /oauth/authorize with credentials",
            'action="/oauth/authorize"' in page and 'name="password"' in
            page and 'type="password"' in page, page[:400])
    c.check(s + "hidden fields carry the request, escaped",
            'value="a&quot;b&lt;c"' in page and cid in page and
            'a"b<c' not in page, page[:800])
    c.check(s + "page CSP: no framing, form-action us and the client",
            "frame-ancestors 'none'" in csp and
            "form-action 'self' https://chatgpt.com" in csp, csp)
    c.check(s + "page is not cached", "no-store" in
            h.get("cache-control", ""), h)

    # ---- issue 10, item 14: the page names the client, escaped, and
    # its form is no target for a cross-site post (login CSRF)
    c.check(s + "the page names the client asking, escaped",
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; \"Ticket GPT\" "
            "asks to work with your tickets" in page and
            "<script>alert" not in page, page[:1200])
    sc = h.get("set-cookie", "")
    c.check(s + "the page sets the form's cookie: HttpOnly, "
            "SameSite=Lax, Path=/oauth/authorize",
            sc.startswith("jta_signin=") and "; HttpOnly" in sc and
            "; SameSite=Lax" in sc and "; Path=/oauth/authorize;" in sc, sc)
    good = {"username": "alice", "password": PASSWORD}

    def no_code(label, got):
        st, hh, body = got
        c.check(s + "login CSRF: " + label + ": 403, the page again, no "
                "code, no redirect", st == 403 and "location" not in hh and
                b"jta_ac_" not in body and b'name="password"' in body,
                (st, hh, body[:300]))
    no_code("a cross-site form post with the right password",
            authorize("POST", browser=False, headers={
                "Origin": "https://evil.example",
                "Sec-Fetch-Site": "cross-site"}, **good))
    no_code("no form token, no cookie (a plain cross-site post without "
            "Origin)", authorize("POST", browser=False, **good))
    tok, ck = form({"response_type": "code", "client_id": cid,
                    "redirect_uri": CB, "state": "st-1"})
    _, victim = form({"response_type": "code", "client_id": cid,
                      "redirect_uri": CB, "state": "st-1"})
    no_code("the attacker's own form token in the victim's browser (her "
            "cookie)", stack.request(
                "POST", "/oauth/authorize", headers=dict(FORM,
                                                         Cookie=victim),
                raw_body=urllib.parse.urlencode(dict(
                    good, response_type="code", client_id=cid,
                    redirect_uri=CB, state="st-1",
                    form_token=tok)).encode()))
    no_code("the token of another pending request (state)",
            stack.request("POST", "/oauth/authorize", headers=dict(
                FORM, Cookie=ck), raw_body=urllib.parse.urlencode(dict(
                    good, response_type="code", client_id=cid,
                    redirect_uri=CB, state="st-2",
                    form_token=tok)).encode()))
    no_code("token and cookie right but Origin foreign",
            stack.request("POST", "/oauth/authorize", headers=dict(
                FORM, Cookie=ck, Origin="https://evil.example"),
                raw_body=urllib.parse.urlencode(dict(
                    good, response_type="code", client_id=cid,
                    redirect_uri=CB, state="st-1",
                    form_token=tok)).encode()))
    no_code("token and cookie right but Sec-Fetch-Site same-site",
            stack.request("POST", "/oauth/authorize", headers=dict(
                FORM, Cookie=ck, **{"Sec-Fetch-Site": "same-site"}),
                raw_body=urllib.parse.urlencode(dict(
                    good, response_type="code", client_id=cid,
                    redirect_uri=CB, state="st-1",
                    form_token=tok)).encode()))
    for name, fetch_site in (("no", None), ("cross-site", "cross-site")):
        h0 = dict(FORM, Cookie=ck, Origin="null")
        if fetch_site:
            h0["Sec-Fetch-Site"] = fetch_site
        no_code("token and cookie right, Origin null and %s "
                "Sec-Fetch-Site" % name,
                stack.request("POST", "/oauth/authorize", headers=h0,
                              raw_body=urllib.parse.urlencode(dict(
                                  good, response_type="code",
                                  client_id=cid, redirect_uri=CB,
                                  state="st-1",
                                  form_token=tok)).encode()))
    # What a browser sends under our Referrer-Policy: no-referrer (the
    # widget's sign-in popup, widget_browser.js).
    st, hh, _ = stack.request("POST", "/oauth/authorize", headers=dict(
        FORM, Cookie=ck, Origin="null",
        **{"Sec-Fetch-Site": "same-origin"}),
        raw_body=urllib.parse.urlencode(dict(
            good, response_type="code", client_id=cid, redirect_uri=CB,
            state="st-1", form_token=tok)).encode())
    c.check(s + "the page's own post with Origin null and Sec-Fetch-Site "
            "same-origin gives a code", st == 302 and query(hh.get(
                "location", "")).get("code", "").startswith("jta_ac_"),
            (st, hh))
    st, hh, _ = stack.request("POST", "/oauth/authorize", headers=dict(
        FORM, Cookie=ck, Origin=stack.base_url,
        **{"Sec-Fetch-Site": "same-origin"}),
        raw_body=urllib.parse.urlencode(dict(
            good, response_type="code", client_id=cid, redirect_uri=CB,
            state="st-1", form_token=tok)).encode())
    c.check(s + "the page's own post (token, cookie, same origin) gives "
            "a code", st == 302 and query(hh.get("location", "")).get(
                "code", "").startswith("jta_ac_"), (st, hh))

    # ---- credentials
    st, h, body = authorize("POST", username="alice", password="wrong pass")
    c.check(s + "wrong password: the page again, 401, no redirect",
            st == 401 and "location" not in h and b"wrong" in body,
            (st, h))
    wrong = body
    st, h, body = authorize("POST", username="mallory", password=PASSWORD)
    c.check(s + "unknown user: the same answer as a wrong password",
            st == 401 and "location" not in h and
            re.sub(rb'value="[^"]*"', b"", body) ==
            re.sub(rb'value="[^"]*"', b"", wrong), st)
    st, h, body = authorize("POST", username="bob", password=PASSWORD)
    c.check(s + "a user without a password cannot sign in",
            st == 401 and "location" not in h, st)

    # A redirect's status line says 302 Found (RFC 9110 §15.4.3).
    p0 = {"response_type": "code", "client_id": cid, "redirect_uri": CB,
          "state": "st-0"}
    tok0, ck0 = form(p0)
    st, reason, hl = raw("POST", "/oauth/authorize",
                         dict(FORM, Cookie=ck0 or ""),
                         urllib.parse.urlencode(dict(
                             p0, username="alice", password=PASSWORD,
                             form_token=tok0 or "")).encode())
    c.check(s + "sign-in redirect: HTTP 302 Found, Cache-Control once",
            st == 302 and reason == "Found" and
            [v for k, v in hl if k == "cache-control"] == ["no-store"],
            (st, reason, hl))

    # ---- the full flow, client authentication in the body
    st, loc, cd = code(state="st-1")
    c.check(s + "sign-in redirects to the callback with code and state",
            st == 302 and loc.startswith(CB + "?") and cd and
            cd.startswith("jta_ac_") and query(loc).get("state") == "st-1",
            (st, loc))
    st, h, j = exchange(cd)
    c.check(s + "code -> tokens (client_secret_post)",
            st == 200 and j["token_type"] == "Bearer" and
            j["expires_in"] == 3600 and j["scope"] == "tickets" and
            j["access_token"].startswith("jta_at_") and
            j["refresh_token"].startswith("jta_rt_"), (st, j))
    c.check(s + "token answer: Cache-Control no-store, Pragma no-cache",
            "no-store" in h.get("cache-control", "") and
            h.get("pragma") == "no-cache", h)
    first = j
    st, j = me(first["access_token"])
    c.check(s + "the access token works on /api/me",
            st == 200 and j["name"] == "alice", (st, j))
    st, h, j = exchange(cd)
    c.check(s + "replayed code is invalid_grant",
            st == 400 and j["error"] == "invalid_grant", (st, j))
    st, j = me(first["access_token"])
    c.eq(s + "a replayed code revokes the tokens it gave", st, 401)
    st, h, j = refresh(first["refresh_token"])
    c.check(s + "... the refresh token too", st == 400 and
            j["error"] == "invalid_grant", (st, j))

    # ---- HTTP Basic (RFC 6749 §2.3.1)
    st, loc, cd = code()
    st, h, j = token({"grant_type": "authorization_code", "code": cd,
                      "redirect_uri": CB}, basic=(cid, secret),
                     body_auth=False)
    c.check(s + "code -> tokens (client_secret_basic)", st == 200 and
            j["access_token"].startswith("jta_at_"), (st, j))
    pair = j
    st, h, j = token({"grant_type": "refresh_token",
                      "refresh_token": pair["refresh_token"]},
                     basic=(cid, secret + "x"), body_auth=False)
    c.check(s + "wrong Basic secret: 401 invalid_client, WWW-Authenticate",
            st == 401 and j["error"] == "invalid_client" and
            h.get("www-authenticate", "").startswith("Basic"), (st, h, j))
    st, h, j = token({"grant_type": "refresh_token",
                      "refresh_token": pair["refresh_token"]},
                     basic=(cid, secret))
    c.check(s + "Basic and a body secret together: invalid_request",
            st == 400 and j["error"] == "invalid_request", (st, j))
    st, h, j = token({"grant_type": "refresh_token",
                      "refresh_token": pair["refresh_token"]},
                     body_auth=False)
    c.check(s + "no client authentication: 401 invalid_client",
            st == 401 and j["error"] == "invalid_client", (st, j))

    # ---- refresh rotation
    r0 = pair["refresh_token"]
    st, h, j = refresh(r0)
    c.check(s + "refresh rotates both tokens", st == 200 and
            j["refresh_token"] != r0 and
            j["access_token"] != pair["access_token"], (st, j))
    p1 = j
    st, j = me(p1["access_token"])
    c.eq(s + "the new access token works", st, 200)
    st, h, j = refresh(r0)
    c.check(s + "the token just replaced still works within 60 s "
            "(a fresh pair)", st == 200 and
            j["refresh_token"] not in (r0, p1["refresh_token"]), (st, j))
    p2 = j
    st, h, j = refresh(p2["refresh_token"])
    c.eq(s + "the retried pair rotates on", st, 200)
    p3 = j
    st, h, j = refresh(r0)
    c.check(s + "an older refresh token is invalid_grant",
            st == 400 and j["error"] == "invalid_grant", (st, j))
    st, j = me(p3["access_token"])
    c.eq(s + "... and it revoked the whole family", st, 401)
    st, h, j = refresh(p3["refresh_token"])
    c.eq(s + "... its newest refresh token too", st, 400)

    # The replaced one, 60 s later (the row aged, no sleeping).
    st, loc, cd = code()
    st, h, j = exchange(cd)
    r0 = j["refresh_token"]
    st, h, j = refresh(r0)
    p1 = j
    db(stack, "UPDATE oauth_tokens SET replaced_at = replaced_at - 61 "
       "WHERE replaced_at IS NOT NULL")
    st, h, j = refresh(r0)
    c.check(s + "a replaced token past its 60 s grace is invalid_grant",
            st == 400 and j["error"] == "invalid_grant", (st, j))
    st, j = me(p1["access_token"])
    c.eq(s + "... and it revoked the family", st, 401)

    # ---- revocation (RFC 7009)
    st, loc, cd = code()
    st, h, j = exchange(cd)
    pair = j

    def revoke(tok, auth=True):
        f = {"token": tok, "token_type_hint": "refresh_token"}
        if auth:
            f.update(client_id=cid, client_secret=secret)
        st, h, body = stack.request("POST", "/oauth/revoke", headers=FORM,
                                    raw_body=urllib.parse.urlencode(
                                        f).encode())
        return st, body_json(body)

    st, j = revoke(pair["refresh_token"], auth=False)
    c.check(s + "revoke without client authentication: 401",
            st == 401 and j["error"] == "invalid_client", (st, j))
    st, j = me(pair["access_token"])
    c.eq(s + "... and revoked nothing", st, 200)
    st, reason, hl = raw("POST", "/oauth/revoke", FORM, urllib.parse.urlencode(
        {"token": pair["refresh_token"], "token_type_hint": "refresh_token",
         "client_id": cid, "client_secret": secret}).encode())
    c.eq(s + "revoke a refresh token: 200", st, 200)
    c.check(s + "... with Cache-Control sent once",
            [v for k, v in hl if k == "cache-control"] == ["no-store"], hl)
    st, h, body = stack.request("GET", "/api/me", headers={
        "Authorization": "Bearer " + pair["access_token"]})
    c.check(s + "... its access token is revoked too: 401 with "
            "WWW-Authenticate error=\"invalid_token\" (RFC 6750 §3.1)",
            st == 401 and h.get("www-authenticate") ==
            ('Bearer realm="jta", error="invalid_token", resource_metadata='
             '"%s/.well-known/oauth-protected-resource", scope="tickets"'
             % stack.base_url), (st, h))
    st, h, j = refresh(pair["refresh_token"])
    c.eq(s + "... and it no longer refreshes", st, 400)
    st, j = revoke("jta_rt_notatokenweknowofxxxxxxxxxxxxxxxxxxxxxxxxx")
    c.eq(s + "revoke an unknown token: 200", st, 200)

    # ---- PKCE (RFC 7636)
    st, loc, cd = code(code_challenge=CHALLENGE,
                       code_challenge_method="S256")
    st, h, j = exchange(cd, code_verifier=VERIFIER[:-1] + "X")
    c.check(s + "PKCE: a wrong verifier is invalid_grant",
            st == 400 and j["error"] == "invalid_grant", (st, j))
    st, loc, cd = code(code_challenge=CHALLENGE,
                       code_challenge_method="S256")
    st, h, j = exchange(cd)
    c.check(s + "PKCE: no verifier is invalid_grant",
            st == 400 and j["error"] == "invalid_grant", (st, j))
    st, loc, cd = code(code_challenge=CHALLENGE,
                       code_challenge_method="S256")
    st, h, j = exchange(cd, code_verifier=VERIFIER)
    c.check(s + "PKCE: the right verifier gets tokens", st == 200 and
            me(j["access_token"])[0] == 200, (st, j))
    st, h, body = authorize(code_challenge=CHALLENGE,
                            code_challenge_method="plain")
    q = query(h.get("location", ""))
    c.check(s + "PKCE: plain is refused back to the client",
            st == 302 and q.get("error") == "invalid_request" and
            q.get("state") == "st-1", (st, h))

    # ---- never a redirect for an unknown client or redirect URI
    for name, extra in (
            ("unknown client", {"client_id": "jtac_" + "0" * 24}),
            ("unregistered redirect_uri",
             {"redirect_uri": CB + "/evil"}),
            ("redirect_uri of another origin",
             {"redirect_uri": "https://evil.example/cb"}),
            ("no redirect_uri", {"redirect_uri": None})):
        for method in ("GET", "POST"):
            extra2 = dict(extra)
            if method == "POST":
                extra2.update(username="alice", password=PASSWORD)
            st, h, body = authorize(method, **extra2)
            c.check(s + "%s %s: a 400 page, no Location" % (method, name),
                    st == 400 and "location" not in h and
                    h.get("content-type", "").startswith("text/html"),
                    (st, h))

    # ---- other errors go back to the client (§4.1.2.1)
    st, h, body = authorize(state=None)
    q = query(h.get("location", ""))
    c.check(s + "missing state: invalid_request back to the client",
            st == 302 and h["location"].startswith(CB + "?") and
            q.get("error") == "invalid_request" and "state" not in q,
            (st, h))
    st, h, body = authorize(response_type="token")
    q = query(h.get("location", ""))
    c.check(s + "response_type=token: unsupported_response_type",
            st == 302 and q.get("error") == "unsupported_response_type" and
            q.get("state") == "st-1", (st, h))
    st, h, body = authorize(scope="admin")
    q = query(h.get("location", ""))
    c.check(s + "unknown scope: invalid_scope", st == 302 and
            q.get("error") == "invalid_scope", (st, h))
    st, h, body = authorize("GET", nonce="n-1", prompt="login")
    c.check(s + "unknown authorization parameters are ignored (6749 3.1)",
            st == 200 and b"n-1" not in body, st)
    st, h, body = authorize("GET", redirect_uri=OLD_CB)
    c.eq(s + "the older chat.openai.com callback is registered too", st,
         200)

    # ---- codes expire (the row aged, no sleeping)
    st, loc, cd = code()
    db(stack, "UPDATE oauth_codes SET expires = expires - 61")
    st, h, j = exchange(cd)
    c.check(s + "an expired code is invalid_grant",
            st == 400 and j["error"] == "invalid_grant" and
            "expired" in j["error_description"], (st, j))

    # ---- token endpoint errors
    st, loc, cd = code()
    st, h, j = exchange(cd, redirect_uri=OLD_CB)
    c.check(s + "redirect_uri other than the code's: invalid_grant",
            st == 400 and j["error"] == "invalid_grant", (st, j))
    st, h, j = token({"grant_type": "password", "username": "alice"})
    c.check(s + "an unknown field is ignored (RFC 6749 3.2)",
            st == 400 and j["error"] == "unsupported_grant_type", (st, j))
    st, h, j = token({"grant_type": "client_credentials"})
    c.check(s + "another grant type is unsupported_grant_type",
            st == 400 and j["error"] == "unsupported_grant_type", (st, j))
    st, h, j = token({})
    c.check(s + "no grant_type is invalid_request",
            st == 400 and j["error"] == "invalid_request", (st, j))
    st, h, body = stack.request("GET", "/oauth/token")
    c.eq(s + "GET /oauth/token is 405", st, 405)
    st, h, body = stack.request("POST", "/oauth/token", headers={
        "Content-Type": "application/json"}, raw_body=b"{}")
    c.check(s + "a JSON body is invalid_request",
            st == 400 and body_json(body)["error"] == "invalid_request",
            (st, body))

    # ---- password lockout (RFC 6749 §10.10): 5 wrong in 15 minutes
    rc, _, err = admin_stdin(stack, PASSWORD + "\n", "user", "passwd", "bob")
    c.eq(s + "bob gets a password", rc, 0)

    def login(name, pw):
        st, h, body = authorize("POST", username=name, password=pw)
        return st, "location" in h, body

    def failures():
        con = sqlite3.connect(os.path.join(stack.workdir, "jta.db"))
        try:
            return con.execute("SELECT name FROM login_failures "
                               "ORDER BY name").fetchall()
        finally:
            con.close()

    def locked(r):
        st, loc, body = r
        return st == 429 and not loc and b"Too many failed sign-ins" in body

    got = [login("alice", "wrong pass")[0] for _ in range(4)]
    c.eq(s + "four wrong passwords: four 401s", got, [401] * 4)
    c.check(s + "the fifth wrong password locks the name (429, a page)",
            locked(login("alice", "wrong pass")))
    r = login("alice", PASSWORD)
    c.check(s + "locked: the right password is refused too", locked(r),
            r[:2])
    lockpage = r[2]
    st, loc, cd = code(username="bob")
    c.check(s + "another user is unaffected", st == 302 and cd, st)
    got = [login("nobody-here", "wrong pass")[0] for _ in range(4)]
    r = login("nobody-here", "wrong pass")
    c.check(s + "an unknown name locks the same way, same page",
            got == [401] * 4 and locked(r) and
            re.sub(rb'value="[^"]*"', b"", r[2]) ==
            re.sub(rb'value="[^"]*"', b"", lockpage), (got, r[:2]))
    db(stack, "UPDATE login_failures SET first = first - 901, "
       "locked_until = locked_until - 901")
    st, loc, cd = code()
    c.check(s + "after the lock time the right password works",
            st == 302 and cd, st)
    c.check(s + "a success clears the count",
            ("alice",) not in failures() and
            ("nobody-here",) in failures(), failures())
    got = [login("bob", "wrong pass")[0] for _ in range(4)]
    c.check(s + "the next failure purges stale rows",
            failures() == [("bob",)], failures())
    st, loc, cd = code(username="bob")
    got += [login("bob", "wrong pass")[0] for _ in range(4)]
    c.check(s + "a success resets the count (4 wrong, right, 4 wrong)",
            st == 302 and got == [401] * 8, (st, got))
    db(stack, "UPDATE login_failures SET first = first - 901")
    got = [login("bob", "wrong pass")[0] for _ in range(4)]
    st, loc, cd = code(username="bob")
    c.check(s + "failures older than the window do not count",
            got == [401] * 4 and st == 302, (got, st))

    # ---- the client is removed: its tokens die
    st, loc, cd = code()
    st, h, j = exchange(cd)
    rc, out, err = stack.admin("client", "remove", cid)
    c.eq(s + "client remove exits 0", rc, 0)
    st, j2 = me(j["access_token"])
    c.eq(s + "a removed client's access token is refused", st, 401)


run(test)
