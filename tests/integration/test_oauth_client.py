"""Our OAuth 2.0 authorization server driven by an OAuth client library
nobody on the team wrote: Debian's python3-requests-oauthlib (OAuth2Session)
on python3-oauthlib (WebApplicationClient, PKCE S256), under nginx and
Apache.  The library builds the authorization URL, checks state, redeems
the code with client_secret_post, client_secret_basic and its own default,
calls the API, refreshes (both ways, and by itself when the token runs
out); the test plays the person at the sign-in form.  Then the negative
cases of RFC 9700 sections 2 and 4 that apply to us, each naming its
rule, through the library where it can say them, else plain requests."""

import html.parser
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.parse

# The stack serves plain HTTP on 127.0.0.1 (TLS is the front proxy's job
# in production); oauthlib refuses http:// token URLs without this.
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"

try:
    import requests_oauthlib  # noqa: F401
except ImportError:
    # A python3 other than Debian's (pyenv, a venv) is first in PATH; the
    # library under test is Debian's package (cli/deps.sh test): run
    # again under Debian's python3, with Debian's requests too.
    if sys.executable != "/usr/bin/python3" and \
            os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

import requests  # noqa: E402
from oauthlib.oauth2 import (LegacyApplicationClient,  # noqa: E402
                             MobileApplicationClient, WebApplicationClient)
from oauthlib.oauth2.rfc6749.errors import (  # noqa: E402
    MismatchingStateError, OAuth2Error)
from requests.auth import HTTPBasicAuth  # noqa: E402
from requests_oauthlib import OAuth2Session  # noqa: E402

from jtatest import BUILDDIR, run  # noqa: E402

CB = "https://chatgpt.com/aip/g-0123abcd/oauth/callback"
OLD_CB = "https://chat.openai.com/aip/g-0123abcd/oauth/callback"
CB2 = "https://chatgpt.com/aip/g-9999ffff/oauth/callback"
PASSWORD = "correct horse battery"
SCOPE = ["tickets"]


def admin(stack, *args, stdin=None):
    p = subprocess.run([os.path.join(BUILDDIR, "cli", "jta-admin"),
                        "--config", stack.conf] + list(args), input=stdin,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def add_client(stack, name, *uris):
    args = ["client", "add", "--name", name]
    for u in uris:
        args += ["--redirect-uri", u]
    rc, out, err = admin(stack, *args)
    assert rc == 0, err
    creds = dict(re.findall(r"^(client_id|client_secret): (\S+)$", out,
                            re.M))
    return creds["client_id"], creds["client_secret"]


def db(stack, sql, *params):
    con = sqlite3.connect(os.path.join(stack.workdir, "jta.db"))
    try:
        with con:
            return con.execute(sql, params).fetchall()
    finally:
        con.close()


class SignInForm(html.parser.HTMLParser):
    """The form on our sign-in page, read as a browser would."""

    def __init__(self):
        super().__init__()
        self.action = self.method = None
        self.hidden = {}
        self.inputs = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.action = a.get("action")
            self.method = (a.get("method") or "get").lower()
        elif tag == "input" and a.get("name"):
            self.inputs.append((a["name"], a.get("type") or "text"))
            if a.get("type") == "hidden":
                self.hidden[a["name"]] = a.get("value") or ""


def browser():
    b = requests.Session()
    b.trust_env = False  # no proxy from the environment for 127.0.0.1
    return b


def query(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def outcome(fn):
    """What fn raised (None when it returned)."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the case names what it wants
        return e
    return None


def oauth_error(e, code):
    return isinstance(e, OAuth2Error) and e.error == code


def test(c, stack, server):
    s_ = server + ": "
    base = stack.base_url
    auth_url = base + "/oauth/authorize"
    token_url = base + "/oauth/token"
    cid, secret = add_client(stack, "Ticket GPT", CB, OLD_CB)
    cid2, secret2 = add_client(stack, "Other GPT", CB2)
    for args in (("user", "add", "alice"),):
        rc, out, err = stack.admin(*args)
        assert rc == 0, err
    rc, out, err = admin(stack, "user", "passwd", "alice",
                         stdin=PASSWORD + "\n")
    assert rc == 0, err

    def session(client_id=cid, redirect_uri=CB, client=None, **kw):
        """An OAuth2Session that keeps every token endpoint answer."""
        scope = kw.pop("scope", SCOPE)
        s = OAuth2Session(client_id, client=client, redirect_uri=redirect_uri,
                          scope=scope, **kw)
        s.trust_env = False
        s.seen = []

        def keep(r):
            s.seen.append(r)
            return r
        s.register_compliance_hook("access_token_response", keep)
        s.register_compliance_hook("refresh_token_response", keep)
        return s

    def pkce_session(client_id=cid, redirect_uri=CB, **kw):
        """A session with a fresh S256 PKCE pair (oauthlib's own)."""
        wc = WebApplicationClient(client_id)
        verifier = wc.create_code_verifier(64)
        challenge = wc.create_code_challenge(verifier, "S256")
        s = session(client_id, redirect_uri, client=wc, **kw)
        url, state = s.authorization_url(auth_url, code_challenge=challenge,
                                         code_challenge_method="S256")
        return s, url, state, verifier

    def sign_in(url, user="alice", password=PASSWORD):
        """The person: open the URL, fill in our page's form, send it.
        Returns the page's answer and the form's (None without a
        form)."""
        b = browser()
        page = b.get(url, allow_redirects=False, timeout=60)
        if page.status_code != 200:
            return page, None
        f = SignInForm()
        f.feed(page.text)
        data = dict(f.hidden)
        data.update(username=user, password=password)
        post = b.request(f.method.upper(), urllib.parse.urljoin(
            page.url, f.action), data=data, allow_redirects=False,
            timeout=60)
        return page, post

    def callback(client_id=cid, **kw):
        """A session, its verifier and the callback URL with a code."""
        s, url, state, verifier = pkce_session(client_id, **kw)
        page, post = sign_in(url)
        return s, verifier, post.headers.get("Location", "")

    def me(s):
        r = s.get(base + "/api/me", timeout=60)
        return r.status_code

    def revoke(tok, client=(cid, secret), basic=True, hint=None):
        data = {"token": tok}
        if hint:
            data["token_type_hint"] = hint
        kw = {}
        if basic:
            kw["auth"] = HTTPBasicAuth(*client)
        else:
            data.update(client_id=client[0], client_secret=client[1])
        return browser().post(base + "/oauth/revoke", data=data, timeout=60,
                              **kw)

    # ---- the whole flow, as the library does it
    s, url, state, verifier = pkce_session()
    q = query(url)
    c.check(s_ + "library: authorization URL with code, state, S256",
            url.startswith(auth_url + "?") and
            q.get("response_type") == "code" and q.get("client_id") == cid
            and q.get("redirect_uri") == CB and q.get("state") == state and
            q.get("code_challenge_method") == "S256" and
            len(q.get("code_challenge", "")) == 43, url)
    page, post = sign_in(url)
    f = SignInForm()
    f.feed(page.text)
    c.check(s_ + "sign-in page: a POST form with the request hidden and "
            "a password field (RFC 9700 4.3: no password in a URL)",
            page.status_code == 200 and f.method == "post" and
            f.hidden.get("state") == state and
            ("password", "password") in f.inputs, (page.status_code,
                                                   f.method, f.inputs))
    c.check(s_ + "sign-in page: Referrer-Policy no-referrer "
            "(RFC 9700 4.2.4)", page.headers.get("Referrer-Policy") ==
            "no-referrer", page.headers)
    c.check(s_ + "sign-in page: frame-ancestors 'none' (RFC 9700 4.16)",
            "frame-ancestors 'none'" in page.headers.get(
                "Content-Security-Policy", ""), page.headers)
    loc = post.headers.get("Location", "")
    c.check(s_ + "signed in: 302 to the callback, never 307 "
            "(RFC 9700 4.12)", post.status_code in (302, 303) and
            loc.startswith(CB + "?"), (post.status_code, loc))
    st = outcome(lambda: s.fetch_token(
        token_url, authorization_response=loc, include_client_id=True,
        client_secret=secret, code_verifier=verifier))
    r = s.seen[-1] if s.seen else None
    c.check(s_ + "library: code -> tokens with client_secret_post",
            st is None and s.authorized and
            s.token["token_type"] == "Bearer" and
            s.token["access_token"].startswith("jta_at_") and
            s.token["refresh_token"].startswith("jta_rt_") and
            s.token["scope"] == SCOPE, (st, s.token))
    c.check(s_ + "token answer: no-store and Pragma no-cache "
            "(RFC 6749 5.1)", r is not None and
            "no-store" in r.headers.get("Cache-Control", "") and
            r.headers.get("Pragma") == "no-cache", r and r.headers)
    c.eq(s_ + "library: GET /api/me with the session", me(s), 200)
    c.eq(s_ + "... as alice", s.get(base + "/api/me", timeout=60).json().get(
        "name"), "alice")
    t0 = dict(s.token)
    st = outcome(lambda: s.refresh_token(token_url, client_id=cid,
                                         client_secret=secret))
    c.check(s_ + "library: refresh with client_secret_post rotates both",
            st is None and s.token["refresh_token"] != t0["refresh_token"]
            and s.token["access_token"] != t0["access_token"], (st,))
    c.check(s_ + "refresh answer: no-store and Pragma no-cache",
            "no-store" in s.seen[-1].headers.get("Cache-Control", "") and
            s.seen[-1].headers.get("Pragma") == "no-cache",
            s.seen[-1].headers)
    c.eq(s_ + "library: the refreshed token works", me(s), 200)
    t1 = dict(s.token)
    st = outcome(lambda: s.refresh_token(token_url,
                                         auth=HTTPBasicAuth(cid, secret)))
    c.check(s_ + "library: refresh with client_secret_basic rotates",
            st is None and s.token["refresh_token"] != t1["refresh_token"],
            (st,))
    c.eq(s_ + "... and that token works", me(s), 200)

    # The same with HTTP Basic at the code exchange.
    s, verifier, loc = callback()
    st = outcome(lambda: s.fetch_token(
        token_url, authorization_response=loc,
        auth=HTTPBasicAuth(cid, secret), code_verifier=verifier))
    body = s.seen[-1].request.body if s.seen else ""
    c.check(s_ + "library: code -> tokens with client_secret_basic",
            st is None and s.authorized and "client_secret" not in body and
            s.seen[-1].request.headers.get("Authorization", "").startswith(
                "Basic "), (st, body))
    c.eq(s_ + "... and the API answers", me(s), 200)

    # The library's default: Basic from client_id and client_secret.
    s, verifier, loc = callback()
    st = outcome(lambda: s.fetch_token(
        token_url, authorization_response=loc, client_secret=secret,
        code_verifier=verifier))
    c.check(s_ + "library default client authentication: tokens",
            st is None and s.authorized, st)

    # ---- the library refreshes by itself when the token runs out
    for style in ("post", "basic"):
        expired = dict(s.token)
        expired["expires_at"] = time.time() - 10
        saved = []
        kw = {"auto_refresh_kwargs": {"client_id": cid,
                                      "client_secret": secret}}
        if style == "basic":
            kw = {}
        a = session(token=expired, auto_refresh_url=token_url,
                    token_updater=saved.append, **kw)
        extra = {"client_id": cid, "client_secret": secret} \
            if style == "basic" else {}
        got = []
        # requests-oauthlib 1.3.0 puts the request's own keywords
        # (allow_redirects) into the refresh body: RFC 6749 3.2 says we
        # ignore what we do not know.
        st = outcome(lambda: got.append(a.get(base + "/api/me", timeout=60,
                                              **extra)))
        c.check(s_ + "library auto-refresh (%s): refreshed, saved, API 200"
                % style, st is None and got[0].status_code == 200 and
                len(saved) == 1 and
                saved[0]["refresh_token"] != expired["refresh_token"] and
                len(a.seen) == 1 and a.seen[0].status_code == 200,
                (st, saved, [x.status_code for x in a.seen]))
        s = a

    # ---- RFC 9700 4.7 (CSRF): the library's state check, our server's
    s, verifier, loc = callback()
    q = query(loc)
    forged = loc.replace("state=" + urllib.parse.quote(q["state"]),
                         "state=forged")
    st = outcome(lambda: s.fetch_token(
        token_url, authorization_response=forged, include_client_id=True,
        client_secret=secret, code_verifier=verifier))
    c.check(s_ + "library: a callback with another state raises "
            "MismatchingStateError, nothing sent (RFC 9700 4.7)",
            isinstance(st, MismatchingStateError) and not s.seen and
            forged != loc, (st, forged))
    nostate = re.sub(r"[&?]state=[^&]*", "", loc)
    st = outcome(lambda: s.fetch_token(
        token_url, authorization_response=nostate, include_client_id=True,
        client_secret=secret, code_verifier=verifier))
    c.check(s_ + "library: a callback without state raises "
            "MismatchingStateError", isinstance(st, MismatchingStateError)
            and not s.seen, st)
    st = outcome(lambda: s.fetch_token(
        token_url, authorization_response=loc, include_client_id=True,
        client_secret=secret, code_verifier=verifier))
    c.check(s_ + "... the genuine callback still redeems", st is None and
            s.authorized, st)

    wc = WebApplicationClient(cid)
    url = wc.prepare_request_uri(auth_url, redirect_uri=CB, scope=SCOPE)
    b = browser()
    r = b.get(url, allow_redirects=False, timeout=60)
    loc = r.headers.get("Location", "")
    st = outcome(lambda: wc.parse_request_uri_response(loc))
    c.check(s_ + "no state: invalid_request back to the client, no page "
            "(RFC 9700 4.7.1; the library reads the error)",
            "state=" not in url and r.status_code == 302 and
            loc.startswith(CB + "?") and oauth_error(st, "invalid_request"),
            (url, r.status_code, loc, st))
    data = dict(query(url), username="alice", password=PASSWORD)
    r = b.post(auth_url, data=data, allow_redirects=False, timeout=60)
    loc = r.headers.get("Location", "")
    c.check(s_ + "no state, password posted: still no code",
            r.status_code == 302 and "code" not in query(loc) and
            query(loc).get("error") == "invalid_request", (r.status_code,
                                                            loc))

    # ---- RFC 6749 4.1.2 / RFC 9700 4.5: a code is used once
    s, verifier, loc = callback()
    s.fetch_token(token_url, authorization_response=loc,
                  include_client_id=True, client_secret=secret,
                  code_verifier=verifier)
    first = dict(s.token)
    again = session(state=s._state)
    st = outcome(lambda: again.fetch_token(
        token_url, authorization_response=loc, include_client_id=True,
        client_secret=secret, code_verifier=verifier))
    c.check(s_ + "replayed code: invalid_grant (RFC 6749 4.1.2)",
            oauth_error(st, "invalid_grant") and
            again.seen[-1].status_code == 400, st)
    c.eq(s_ + "... the tokens from that code are revoked: API 401",
         me(session(token=first)), 401)
    st = outcome(lambda: session(token=first).refresh_token(
        token_url, client_id=cid, client_secret=secret))
    c.check(s_ + "... and its refresh token is invalid_grant",
            oauth_error(st, "invalid_grant"), st)

    # ---- RFC 6749 4.1.3: a code issued to another client
    s, verifier, loc = callback()
    other = session(cid2, redirect_uri=CB, state=s._state)
    st = outcome(lambda: other.fetch_token(
        token_url, authorization_response=loc, include_client_id=True,
        client_secret=secret2, code_verifier=verifier))
    c.check(s_ + "code from another client: invalid_grant",
            oauth_error(st, "invalid_grant") and not other.authorized, st)

    # ---- RFC 6749 4.1.2: codes are short-lived (at most 10 minutes)
    s, verifier, loc = callback()
    left = db(stack, "SELECT max(expires) FROM oauth_codes "
              "WHERE used = 0")[0][0] - time.time()
    c.check(s_ + "a code lives at most 10 minutes", 0 < left <= 600, left)
    db(stack, "UPDATE oauth_codes SET expires = expires - 601 "
       "WHERE used = 0")
    st = outcome(lambda: s.fetch_token(
        token_url, authorization_response=loc, include_client_id=True,
        client_secret=secret, code_verifier=verifier))
    c.check(s_ + "expired code: invalid_grant",
            oauth_error(st, "invalid_grant") and
            "expired" in (st.description or ""), st)

    # ---- RFC 6749 4.1.3 / RFC 9700 4.1: redirect_uri as in the request
    s, verifier, loc = callback()
    wrong = session(redirect_uri=OLD_CB, state=s._state)
    st = outcome(lambda: wrong.fetch_token(
        token_url, authorization_response=loc, include_client_id=True,
        client_secret=secret, code_verifier=verifier))
    c.check(s_ + "token request with another (registered) redirect_uri: "
            "invalid_grant", oauth_error(st, "invalid_grant"), st)

    # ---- RFC 9700 4.1, 4.11.2: never a redirect to an address the client
    # did not register, exactly (2.1: exact string matching)
    evil = (("extra path", CB + "/x"),
            ("dot segments", CB + "/../../../evil"),
            ("extra query", CB + "?next=https://evil.example/"),
            ("http instead of https", "http://" + CB[len("https://"):]),
            ("another host", "https://evil.example/aip/g-0123abcd/oauth/"
             "callback"),
            ("a host ending like ours", "https://chatgpt.com.evil.example"
             "/aip/g-0123abcd/oauth/callback"),
            ("userinfo", "https://chatgpt.com@evil.example/aip/g-0123abcd"
             "/oauth/callback"),
            ("upper-case host", "https://CHATGPT.COM/aip/g-0123abcd/oauth/"
             "callback"),
            ("another client's", CB2))
    for name, uri in evil:
        s, url, state, verifier = pkce_session(redirect_uri=uri)
        page, post = sign_in(url)
        b = browser()
        data = dict(query(url), username="alice", password=PASSWORD)
        forced = b.post(auth_url, data=data, allow_redirects=False,
                        timeout=60)
        c.check(s_ + "redirect_uri %s: a 400 page on GET and POST, no "
                "Location" % name,
                page.status_code == 400 and post is None and
                "Location" not in page.headers and
                forced.status_code == 400 and
                "Location" not in forced.headers and
                page.headers.get("Content-Type", "").startswith(
                    "text/html"),
                (page.status_code, page.headers, forced.status_code))

    # ---- RFC 9700 2.6: the authorization endpoint does no CORS
    s, url, state, verifier = pkce_session()
    r = browser().get(url, headers={"Origin": "https://evil.example"},
                      allow_redirects=False, timeout=60)
    c.check(s_ + "no CORS at the authorization endpoint (RFC 9700 2.6)",
            r.status_code == 200 and not any(
                k.lower().startswith("access-control-") for k in r.headers),
            r.headers)
    # ... and no http:// redirect URI can be registered (RFC 9700 2.6).
    rc, out, err = admin(stack, "client", "add", "--name", "Plain",
                         "--redirect-uri", "http://chatgpt.com/cb")
    c.check(s_ + "jta-admin refuses an http:// redirect URI",
            rc != 0 and "client_secret" not in out, (rc, out, err))

    # ---- RFC 7636 / RFC 9700 2.1.1, 4.8: PKCE
    s, verifier, loc = callback()
    st = outcome(lambda: s.fetch_token(
        token_url, authorization_response=loc, include_client_id=True,
        client_secret=secret, code_verifier=verifier[:-1] +
        ("A" if verifier[-1] != "A" else "B")))
    c.check(s_ + "PKCE: a wrong verifier is invalid_grant",
            oauth_error(st, "invalid_grant"), st)
    wc = WebApplicationClient(cid)
    v = wc.create_code_verifier(64)
    s = session(client=wc)
    # oauthlib 3.2.2 makes a plain challenge only when given no method
    # (create_code_challenge(v, "plain") returns None).
    plain = wc.create_code_challenge(v)
    url, state = s.authorization_url(auth_url, code_challenge=plain,
                                     code_challenge_method="plain")
    page, post = sign_in(url)
    loc = page.headers.get("Location", "")
    st = outcome(lambda: s.fetch_token(
        token_url, authorization_response=loc, include_client_id=True,
        client_secret=secret, code_verifier=v))
    c.check(s_ + "PKCE plain: refused back to the client, the library "
            "raises invalid_request, no code (RFC 9700 2.1.1)",
            plain == v and "code_challenge_method=plain" in url and
            page.status_code == 302 and loc.startswith(CB + "?") and
            "code" not in query(loc) and
            oauth_error(st, "invalid_request") and not s.seen,
            (page.status_code, loc, st))
    s = session()
    url, state = s.authorization_url(auth_url)
    page, post = sign_in(url)
    loc = post.headers.get("Location", "") if post is not None else ""
    st = outcome(lambda: s.fetch_token(
        token_url, authorization_response=loc, include_client_id=True,
        client_secret=secret, code_verifier=v))
    c.check(s_ + "PKCE downgrade: a verifier for a code without a "
            "challenge is invalid_grant (RFC 9700 4.8.2)",
            oauth_error(st, "invalid_grant"), (loc, st))

    # ---- RFC 9700 2.5 / RFC 6749 2.3.1, 5.2: client authentication
    s, verifier, loc = callback()
    st = outcome(lambda: s.fetch_token(
        token_url, authorization_response=loc, include_client_id=True,
        client_secret=secret + "x", code_verifier=verifier))
    r = s.seen[-1] if s.seen else None
    c.check(s_ + "wrong secret in the body: 401 invalid_client",
            oauth_error(st, "invalid_client") and r is not None and
            r.status_code == 401, (st, r))
    st = outcome(lambda: s.fetch_token(
        token_url, authorization_response=loc,
        auth=HTTPBasicAuth(cid, secret2), code_verifier=verifier))
    r = s.seen[-1] if s.seen else None
    c.check(s_ + "wrong Basic secret: 401 invalid_client with "
            "WWW-Authenticate: Basic", oauth_error(st, "invalid_client") and
            r.status_code == 401 and r.headers.get(
                "WWW-Authenticate", "").startswith("Basic"), (st, r.headers))
    st = outcome(lambda: s.fetch_token(
        token_url, authorization_response=loc,
        auth=HTTPBasicAuth(cid2, secret2), code_verifier=verifier))
    c.check(s_ + "another client's own good credentials: invalid_grant",
            oauth_error(st, "invalid_grant"), st)

    # ---- RFC 9700 2.2.2, 4.14.2: refresh token rotation and replay
    s, verifier, loc = callback()
    s.fetch_token(token_url, authorization_response=loc,
                  include_client_id=True, client_secret=secret,
                  code_verifier=verifier)
    r0 = s.token["refresh_token"]
    st = outcome(lambda: session(cid2, token=s.token).refresh_token(
        token_url, auth=HTTPBasicAuth(cid2, secret2)))
    c.check(s_ + "refresh token of another client: invalid_grant "
            "(RFC 6749 6)", oauth_error(st, "invalid_grant"), st)
    s.refresh_token(token_url, auth=HTTPBasicAuth(cid, secret))
    c.eq(s_ + "refreshed", me(s), 200)
    db(stack, "UPDATE oauth_tokens SET replaced_at = replaced_at - 61 "
       "WHERE replaced_at IS NOT NULL")
    st = outcome(lambda: session().refresh_token(
        token_url, refresh_token=r0, auth=HTTPBasicAuth(cid, secret)))
    c.check(s_ + "replaced refresh token past the 60 s grace: "
            "invalid_grant", oauth_error(st, "invalid_grant"), st)
    c.eq(s_ + "... and the whole family is revoked: API 401", me(s), 401)
    st = outcome(lambda: s.refresh_token(token_url,
                                         auth=HTTPBasicAuth(cid, secret)))
    c.check(s_ + "... its newest refresh token too",
            oauth_error(st, "invalid_grant"), st)

    # ---- RFC 6750 2.3 / RFC 9700 2.4.. the token not in the URL
    s, verifier, loc = callback()
    s.fetch_token(token_url, authorization_response=loc,
                  include_client_id=True, client_secret=secret,
                  code_verifier=verifier)
    qs = session(client=WebApplicationClient(
        cid, token=s.token, default_token_placement="query"),
        token=s.token)
    r = qs.get(base + "/api/me", timeout=60)
    c.check(s_ + "access token in the query string (library's "
            "placement=query): refused (RFC 6750 2.3, RFC 9700 4.3.2)",
            r.status_code in (400, 401) and
            "access_token=" in r.request.url, (r.status_code, r.text))
    c.eq(s_ + "... the same token in the header works", me(s), 200)

    # ---- RFC 7009: revocation, bound to the client
    r = revoke(s.token["refresh_token"], client=(cid2, secret2))
    c.check(s_ + "another client cannot revoke our token",
            r.status_code == 400 and r.json().get("error") ==
            "invalid_request", (r.status_code, r.text))
    c.eq(s_ + "... it still works", me(s), 200)
    r = revoke(s.token["refresh_token"], client=(cid, secret + "x"))
    c.check(s_ + "revoke with a wrong secret: 401 invalid_client",
            r.status_code == 401 and r.json().get("error") ==
            "invalid_client", (r.status_code, r.text))
    r = revoke(s.token["access_token"], basic=False, hint="access_token")
    c.check(s_ + "revoke the access token (client_secret_post): 200",
            r.status_code == 200 and "no-store" in r.headers.get(
                "Cache-Control", ""), (r.status_code, r.headers))
    c.eq(s_ + "... the API refuses it", me(s), 401)
    st = outcome(lambda: s.refresh_token(token_url, client_id=cid,
                                         client_secret=secret))
    c.check(s_ + "... the grant's refresh token still refreshes",
            st is None, st)
    c.eq(s_ + "... to a working token", me(s), 200)
    r = revoke(s.token["refresh_token"])
    c.eq(s_ + "revoke the refresh token (client_secret_basic): 200",
         r.status_code, 200)
    c.eq(s_ + "... its access token goes with it", me(s), 401)
    st = outcome(lambda: s.refresh_token(token_url,
                                         auth=HTTPBasicAuth(cid, secret)))
    c.check(s_ + "... and it no longer refreshes",
            oauth_error(st, "invalid_grant"), st)

    # ---- RFC 9700 2.1.2, 2.4: no implicit grant, no password grant
    m = session(client=MobileApplicationClient(cid))
    url, state = m.authorization_url(auth_url)
    r = browser().get(url, allow_redirects=False, timeout=60)
    loc = r.headers.get("Location", "")
    c.check(s_ + "response_type=token (library's implicit client): "
            "unsupported_response_type, no token (RFC 9700 2.1.2)",
            "response_type=token" in url and r.status_code == 302 and
            query(loc).get("error") == "unsupported_response_type" and
            "access_token" not in loc and "#" not in loc, (url, loc))
    lg = session(client=LegacyApplicationClient(cid))
    st = outcome(lambda: lg.fetch_token(
        token_url, username="alice", password=PASSWORD,
        include_client_id=True, client_secret=secret))
    c.check(s_ + "password grant (library's legacy client): refused, no "
            "token (RFC 9700 2.4)", isinstance(st, OAuth2Error) and
            st.error in ("unsupported_grant_type", "invalid_request") and
            not lg.authorized, st)

    # ---- RFC 9700 2.3: the only scope is tickets
    s = session(scope=["tickets", "admin"])
    url, state = s.authorization_url(auth_url)
    r = browser().get(url, allow_redirects=False, timeout=60)
    loc = r.headers.get("Location", "")
    st = outcome(lambda: s.fetch_token(
        token_url, authorization_response=loc, include_client_id=True,
        client_secret=secret))
    c.check(s_ + "a wider scope: invalid_scope back to the client",
            r.status_code == 302 and oauth_error(st, "invalid_scope"),
            (r.status_code, loc, st))


run(test)
