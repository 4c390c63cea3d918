"""Signing in from a GPT in Jira mode, under nginx and Apache, against the
Atlassian stand-in: our /oauth/authorize checks the GPT's request and sends
the person on to Atlassian's consent; /oauth/callback links the account and
sends them back to the GPT with our single-use code and its state; the
token endpoint gives tokens that act as that Atlassian person.  Then the
refusals: a declined consent goes back as error=access_denied, an unknown
client or redirect URI and a replayed Atlassian state are pages (never a
redirect), a code used twice or with the wrong PKCE verifier is
invalid_grant; two people each act as themselves; the site choice page
carries the request through.  Standard library only."""

import base64
import html
import json
import os
import re
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jtatest  # noqa: E402
from jtatest import body_json  # noqa: E402

sys.path.insert(0, os.path.join(jtatest.SRCDIR, "tests", "standin"))
from atlassian import ALICE, BOB  # noqa: E402
from jiratest import CLIENT_ID as APP_ID  # noqa: E402
from jiratest import SECRET as APP_SECRET  # noqa: E402
from jiratest import (Browser, conf, get_url, local_path,  # noqa: E402
                      standin)

CB = "https://chatgpt.com/aip/g-0123abcd/oauth/callback"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

def query(loc):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))


def journey(c, stack, server):
    s = server + ": "
    b = Browser(stack)    # the person's browser
    rc, out, err = stack.admin("client", "add", "--name", "Ticket GPT",
                               "--redirect-uri", CB)
    assert rc == 0, err
    creds = dict(re.findall(r"^(client_id|client_secret): (\S+)$", out,
                            re.M))
    cid, secret = creds["client_id"], creds["client_secret"]

    def authorize(**params):
        p = {"response_type": "code", "client_id": cid, "redirect_uri": CB,
             "state": "st-1", "code_challenge": CHALLENGE,
             "code_challenge_method": "S256"}
        p.update(params)
        p = {k: v for k, v in p.items() if v is not None}
        return b.get("/oauth/authorize?" +
                             urllib.parse.urlencode(p))

    def atlassian(loc):
        """Follow our redirect through the stand-in's consent; the
        (status, headers, body) of our callback and its path."""
        st, h, _ = get_url(loc)
        cb = h.get("location", "")
        if not c.check(s + "Atlassian sends the person to our callback",
                       st == 302 and cb.startswith(stack.base_url +
                                                   "/oauth/callback?"),
                       (st, cb)):
            return None, {}, b"", None
        path = local_path(cb)
        st, h, body = b.get(path)
        return st, h, body, path

    def signin(label, state, **params):
        """GPT -> us -> Atlassian -> us -> GPT: (code, callback path)."""
        st, h, _ = authorize(state=state, **params)
        loc = h.get("location", "")
        if not c.check(s + label + ": authorize redirects to Atlassian",
                       st == 302 and loc.startswith(standin.url +
                                                    "/authorize?"),
                       (st, loc)):
            return None, None
        st, h, body, path = atlassian(loc)
        loc = h.get("location", "")
        q = query(loc)
        ok = c.check(s + label + ": back to the GPT with code and state",
                     st == 302 and loc.startswith(CB + "?") and
                     q.get("code", "").startswith("jta_ac_") and
                     q.get("state") == state, (st, loc, body[:300]))
        return (q.get("code") if ok else None), path

    def token(form, basic=False):
        f = dict(form)
        h = dict(FORM)
        if basic:
            raw = "%s:%s" % (urllib.parse.quote_plus(cid),
                             urllib.parse.quote_plus(secret))
            h["Authorization"] = "Basic " + base64.b64encode(
                raw.encode()).decode()
        else:
            f.update(client_id=cid, client_secret=secret)
        st, _, body = stack.request("POST", "/oauth/token", headers=h,
                                    raw_body=urllib.parse.urlencode(
                                        f).encode())
        return st, body_json(body) or {}

    def exchange(cd, verifier=VERIFIER, basic=False):
        return token({"grant_type": "authorization_code", "code": cd,
                      "redirect_uri": CB, "code_verifier": verifier},
                     basic)

    def api(at, path):
        st, _, body = stack.request("GET", path, headers={
            "Authorization": "Bearer " + at})
        return st, body_json(body) or {}

    # ---- the consent URL
    st, h, _ = authorize()
    loc = h.get("location", "")
    q = query(loc)
    c.check(s + "authorize (Jira mode) goes to Atlassian's consent with "
            "audience, app, scopes, prompt and our callback",
            st == 302 and loc.startswith(standin.url + "/authorize?") and
            q.get("audience") == "api.atlassian.com" and
            q.get("client_id") == APP_ID and
            q.get("response_type") == "code" and
            q.get("prompt") == "consent" and
            "offline_access" in q.get("scope", "").split() and
            q.get("redirect_uri") == stack.base_url + "/oauth/callback" and
            len(q.get("state", "")) >= 32 and q.get("state") != "st-1",
            (st, loc))
    c.check(s + "... and not the GPT's state or challenge",
            "st-1" not in loc and CHALLENGE not in loc, loc)

    # ---- Alice, client authentication in the body
    cd, cbpath = signin("alice", "st-alice")
    st, j = exchange(cd) if cd else (None, {})
    c.check(s + "code -> tokens (client_secret_post)",
            st == 200 and j.get("access_token", "").startswith("jta_at_")
            and j.get("refresh_token", "").startswith("jta_rt_") and
            j.get("scope") == "tickets", (st, j))
    alice = j
    st, me = api(alice.get("access_token", "x"), "/api/me")
    c.check(s + "/api/me with the access token is the Atlassian person",
            st == 200 and me.get("display_name") == ALICE["name"] and
            me.get("backend") == "jira", (st, me))
    st, r = api(alice.get("access_token", "x"),
                "/api/issues?project=OPS&limit=2")
    c.check(s + "/api/issues works as that person",
            st == 200 and len(r.get("issues", [])) == 2, (st, r))
    st, j = exchange(cd or "x")
    c.check(s + "a code used twice is invalid_grant",
            st == 400 and j.get("error") == "invalid_grant", (st, j))
    st, me = api(alice.get("access_token", "x"), "/api/me")
    c.eq(s + "... and revokes what it gave", st, 401)

    # ---- the replayed Atlassian state: a page, never a redirect
    if cbpath:
        st, h, body = stack.request("GET", cbpath, headers={
            "Cookie": "jta_oauth=%s" % b.bound})
        c.check(s + "a replayed callback is a 400 page, no redirect",
                st == 400 and "location" not in h and
                b"jta_ac_" not in body, (st, h))

    # ---- HTTP Basic, then refresh
    cd, _ = signin("alice again", "st-basic")
    st, j = exchange(cd, basic=True) if cd else (None, {})
    c.check(s + "code -> tokens (client_secret_basic)",
            st == 200 and j.get("access_token", "").startswith("jta_at_"),
            (st, j))
    alice = j
    st, j = token({"grant_type": "refresh_token",
                   "refresh_token": alice.get("refresh_token", "x")})
    c.check(s + "refresh gives a new pair",
            st == 200 and j.get("access_token", "").startswith("jta_at_")
            and j.get("refresh_token") != alice.get("refresh_token"),
            (st, j))
    alice = j
    st, me = api(alice.get("access_token", "x"), "/api/me")
    c.check(s + "the refreshed access token is still the person",
            st == 200 and me.get("display_name") == ALICE["name"],
            (st, me))

    # ---- PKCE
    cd, _ = signin("pkce", "st-pkce")
    st, j = exchange(cd, verifier="x" * 43) if cd else (None, {})
    c.check(s + "a wrong PKCE verifier is invalid_grant",
            st == 400 and j.get("error") == "invalid_grant", (st, j))

    # ---- an MCP client (issue 14): public, registered through RFC 7591,
    # PKCE and resource /mcp, chained through Atlassian like the GPT
    mcb = "http://127.0.0.1:33418/callback"
    st, _, body = stack.request(
        "POST", "/oauth/register",
        headers={"Content-Type": "application/json"},
        raw_body=json.dumps({"redirect_uris": [mcb], "client_name": "MCP",
                             "token_endpoint_auth_method": "none"}).encode())
    pub = (body_json(body) or {}).get("client_id", "x")
    c.eq(s + "an MCP client registers (public)", st, 201)
    st, h, _ = b.get("/oauth/authorize?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": pub, "redirect_uri": mcb,
        "state": "st-mcp"}))
    q = query(h.get("location", ""))
    c.check(s + "a public client without PKCE goes back refused, not to "
            "Atlassian", st == 302 and h["location"].startswith(mcb) and
            q.get("error") == "invalid_request" and
            q.get("iss") == stack.base_url, (st, h))
    st, h, _ = b.get("/oauth/authorize?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": pub, "redirect_uri": mcb,
        "state": "st-mcp", "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
        "resource": stack.base_url + "/mcp"}))
    loc = h.get("location", "")
    if c.check(s + "the MCP client's sign-in goes to Atlassian",
               st == 302 and loc.startswith(standin.url + "/authorize?"),
               (st, loc)):
        st, h, body, _ = atlassian(loc)
        q = query(h.get("location", ""))
        c.check(s + "... and back to the MCP client with code, state and "
                "iss", st == 302 and h["location"].startswith(mcb + "?") and
                q.get("state") == "st-mcp" and
                q.get("iss") == stack.base_url, (st, h))
        st, _, body = stack.request(
            "POST", "/oauth/token", headers=FORM,
            raw_body=urllib.parse.urlencode({
                "grant_type": "authorization_code",
                "code": q.get("code", "x"), "redirect_uri": mcb,
                "client_id": pub, "code_verifier": VERIFIER,
                "resource": stack.base_url + "/mcp"}).encode())
        j = body_json(body) or {}
        c.check(s + "its code redeems without a secret, for /mcp",
                st == 200 and j.get("access_token", "").startswith(
                    "jta_at_"), (st, j))
        st, _ = api(j.get("access_token", "x"), "/api/me")
        c.eq(s + "... and the /mcp token is refused by the REST API", st,
             401)

    # ---- a second person acts as themselves
    standin.config(person=BOB)
    cd, _ = signin("bob", "st-bob")
    st, bob = exchange(cd) if cd else (None, {})
    st, me = api(bob.get("access_token", "x"), "/api/me")
    c.check(s + "Bob's token is Bob",
            st == 200 and me.get("display_name") == BOB["name"], (st, me))
    st, me = api(alice.get("access_token", "x"), "/api/me")
    c.check(s + "Alice's token is still Alice",
            st == 200 and me.get("display_name") == ALICE["name"],
            (st, me))
    standin.config(person=ALICE)

    # ---- declined consent: back to the GPT with access_denied
    standin.config(deny_consent=True)
    st, h, _ = authorize(state="st-deny")
    st, h, body, _ = atlassian(h.get("location", ""))
    loc = h.get("location", "")
    q = query(loc)
    c.check(s + "a declined consent goes back as error=access_denied "
            "with the GPT's state",
            st == 302 and loc.startswith(CB + "?") and
            q.get("error") == "access_denied" and
            q.get("state") == "st-deny" and "code" not in q, (st, loc))
    standin.config(deny_consent=False)

    # ---- Atlassian's other errors go back as server_error
    st, h, _ = authorize(state="st-err")
    ast = query(h.get("location", "")).get("state", "x")
    st, h, _ = b.get("/oauth/callback?" +
                             urllib.parse.urlencode(
                                 {"state": ast, "error": "server_error"}))
    q = query(h.get("location", ""))
    c.check(s + "Atlassian's server_error goes back as server_error",
            st == 302 and h.get("location", "").startswith(CB + "?") and
            q.get("error") == "server_error" and q.get("state") == "st-err",
            (st, h))

    # ---- never redirected
    st, h, body = authorize(client_id="jtac_" + "0" * 24)
    c.check(s + "an unknown client is a 400 page, no redirect",
            st == 400 and "location" not in h and b"<html" in body.lower(),
            (st, h))
    st, h, body = authorize(redirect_uri=CB + "x")
    c.check(s + "a redirect URI not registered is a 400 page, no "
            "redirect", st == 400 and "location" not in h, (st, h))
    st, h, body = stack.request("GET", "/oauth/callback?state=" + "A" * 43 +
                                "&code=abc")
    c.check(s + "an unknown Atlassian state is a page, no redirect",
            st == 400 and "location" not in h, (st, h))

    # ---- the request's own errors go back to the GPT (§4.1.2.1)
    st, h, _ = authorize(state="st-m", code_challenge_method="plain")
    q = query(h.get("location", ""))
    c.check(s + "a plain PKCE method goes back as invalid_request",
            st == 302 and q.get("error") == "invalid_request" and
            q.get("state") == "st-m", (st, h))
    st, h, _ = stack.request("POST", "/oauth/authorize", headers=FORM,
                             raw_body=b"username=a&password=b")
    c.eq(s + "no password form in Jira mode (POST is 405)", st, 405)

    # ---- several sites: the choice page carries the request through
    standin.config(sites=2)
    st, h, _ = authorize(state="st-site")
    st, h, body, _ = atlassian(h.get("location", ""))
    page = body.decode("utf-8", "replace")
    links = [html.unescape(x) for x in re.findall(
        r'href="(/oauth/start\?site=[0-9a-f-]+&amp;request=[A-Za-z0-9_-]+)"',
        page)]
    if c.check(s + "several sites: the page lists them with the request",
               st == 200 and len(links) == 2 and "location" not in h,
               (st, page[:500])):
        st, h, _ = b.get(links[1])
        loc = h.get("location", "")
        c.check(s + "a picked site goes to Atlassian again",
                st == 302 and loc.startswith(standin.url + "/authorize?"),
                (st, loc))
        st, h, body, _ = atlassian(loc)
        loc = h.get("location", "")
        q = query(loc)
        c.check(s + "... and then back to the GPT with code and state",
                st == 302 and loc.startswith(CB + "?") and
                q.get("state") == "st-site" and
                q.get("code", "").startswith("jta_ac_"), (st, loc))
        st, j = exchange(q.get("code", "x"))
        st, me = api(j.get("access_token", "x"), "/api/me")
        c.check(s + "... whose token is the person on the picked site",
                st == 200 and me.get("display_name") == ALICE["name"],
                (st, me))
        st, h, _ = stack.request("GET", links[0])
        c.check(s + "the choice page's request is single-use",
                st == 400 and "location" not in h, (st, h))
    standin.config(sites=1)

    # ---- a client removed while the person is at Atlassian: a page
    rc, out, err = stack.admin("client", "add", "--name", "Gone",
                               "--redirect-uri", CB)
    m = re.search(r"^client_id: (\S+)$", out, re.M)
    if c.check(s + "a second client is registered", rc == 0 and m, err):
        st, h, _ = authorize(client_id=m.group(1), state="st-gone")
        rc, _, _ = stack.admin("client", "remove", m.group(1))
        st, h, body, _ = atlassian(h.get("location", ""))
        c.check(s + "a client removed meanwhile gets no redirect",
                st == 400 and "location" not in h and
                b"jta_ac_" not in body, (st, h))

    # ---- the plain link flow still gives an API key
    st, h, _ = b.get("/oauth/start")
    st, h, body, _ = atlassian(h.get("location", ""))
    c.check(s + "/oauth/start still ends on the API key page",
            st == 200 and b'id="key"' in body, (st, body[:300]))

    # ---- issue 10, item 13: the GPT's chain is bound to the browser
    # that started it.  Mallory authorizes a GPT of his through
    # Atlassian as himself and sends the callback URL to a victim.
    st, h, _ = authorize(state="st-csrf")
    sc = h.get("set-cookie", "")
    c.check(s + "authorize (Jira mode) binds the consent to the browser "
            "(HttpOnly, SameSite=Lax cookie)", st == 302 and
            sc.startswith("jta_oauth=") and "; HttpOnly" in sc and
            "; SameSite=Lax" in sc, sc)
    st, h2, _ = get_url(h.get("location", ""))
    cbp = local_path(h2.get("location", ""))
    st, h3, body = stack.request("GET", cbp)
    c.check(s + "login CSRF: the callback in another browser is a 400 "
            "page: no code, no redirect to the GPT",
            st == 400 and "location" not in h3 and b"jta_ac_" not in body,
            (st, h3, body[:300]))
    st, h3, body = b.get(cbp)
    q = query(h3.get("location", ""))
    c.check(s + "... in the browser that started it: back to the GPT "
            "with code and state", st == 302 and
            q.get("code", "").startswith("jta_ac_") and
            q.get("state") == "st-csrf", (st, h3))
    # Secure when public_url is https, scoped to its path.
    alt = stack.conf + ".https"
    with open(stack.conf) as f:
        text = f.read()
    with open(alt, "w") as f:
        f.write(re.sub(r"^public_url = .*$",
                       "public_url = https://jta.example/base", text,
                       flags=re.M))
    _, st, hd, _ = jtatest.cgi(alt, "jta-oauth-start", "GET",
                               "/oauth/start")
    sc = hd.get("set-cookie", "")
    c.check(s + "over https the binding cookie is Secure, Path "
            "/base/oauth/", st == 302 and "; Secure" in sc and
            "; Path=/base/oauth/;" in sc, (st, sc))


if __name__ == "__main__":
    try:
        jtatest.run(journey, extra_conf=lambda st: conf(
            st, extra="oauth_client_registration = on\n"))
    finally:
        standin.stop()
