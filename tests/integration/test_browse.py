"""The ticket link opens: with the embedded store, "url" in every answer is
/browse/KEY, a page of ours that shows the ticket (summary, status,
description, comments, HTML-escaped, under a strict CSP) to a person signed
in with the local user name and password, under nginx and Apache.  An
unsigned browser is sent to the sign-in, never answered with JSON 401; the
sign-in form refuses cross-site and cookieless posts, redirects only to our
own /browse/KEY, and sets a short-lived HttpOnly, SameSite=Lax session
cookie that cannot be forged and ends when the password changes.  Standard
library only."""

import html
import http.client
import os
import re
import subprocess
import urllib.parse

from jtatest import BUILDDIR, Client, run

PASSWORD = "correct horse battery"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
XSS = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


def admin_stdin(stack, text, *args):
    p = subprocess.run([os.path.join(BUILDDIR, "cli", "jta-admin"),
                        "--config", stack.conf] + list(args), input=text,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def setup(stack):
    stack.admin("init")
    for args in (("user", "add", "alice"), ("user", "add", "bob"),
                 ("project", "add", "DEMO", "Demo project"),
                 ("project", "add", "OPS", "Operations")):
        rc, out, err = stack.admin(*args)
        assert rc == 0, (args, out, err)
    rc, _, err = admin_stdin(stack, PASSWORD + "\n", "user", "passwd",
                             "alice")
    assert rc == 0, err
    rc, out, err = stack.admin("key", "create", "alice")
    assert rc == 0, err
    return Client(stack, out.strip())


def request(stack, method, path, headers=None, body=None):
    """One request: (status, headers with lower-case names, each Set-Cookie
    kept as "set-cookie" -> {name: (value, attributes)}, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=15)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        h = {k.lower(): v for k, v in r.getheaders()}
        jar = {}
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                first, _, attrs = v.partition(";")
                name, _, value = first.partition("=")
                jar[name.strip()] = (value, attrs)
        h["set-cookie"] = jar
        return r.status, h, r.read()
    finally:
        conn.close()


def cookies(h):
    return h.get("set-cookie", {})


def signin_form(stack, key):
    """GET the sign-in page: (status, headers, page, csrf, form cookie)."""
    st, h, body = request(stack, "GET", "/browse/signin?key=" + key)
    page = body.decode("utf-8", "replace")
    m = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    ck = cookies(h).get("jta_signin", ("", ""))[0]
    return st, h, page, m.group(1) if m else "", ck


def post(stack, fields, cookie=None, headers=None):
    h = dict(FORM)
    if cookie:
        h["Cookie"] = cookie
    h.update(headers or {})
    return request(stack, "POST", "/browse/signin", headers=h,
                   body=urllib.parse.urlencode(fields).encode())


def test(c, stack, server):
    s = server + ": "
    alice = setup(stack)
    base = stack.base_url

    st, h, j, _ = alice.call("POST", "/api/issues", {
        "project": "DEMO", "summary": "Printer <b>jams</b>",
        "description": "Line one\n" + XSS})
    c.eq(s + "create", st, 201)
    key = j["key"]
    c.check(s + "url is the ticket's page, not the JSON API",
            j["url"] == base + "/browse/" + key and
            h.get("location") == base + "/api/issues/" + key, (j, h))
    st, _, _, _ = alice.call("POST", "/api/issues/%s/comments" % key,
                             {"body": "Toner <i>replaced</i> & tested"})
    c.eq(s + "comment", st, 201)
    for path in ("/api/issues/" + key, "/api/issues?project=DEMO"):
        st, _, j, _ = alice.call("GET", path)
        rows = j.get("issues", [j]) if j else []
        c.check(s + "%s: url is %s/browse/KEY" % (path, base),
                st == 200 and rows and all(
                    r["url"] == base + "/browse/" + r["key"] for r in rows),
                j)
    st, _, j, _ = alice.call("GET", "/api/similar?text=printer+jams")
    c.check(s + "similar: url is /browse/KEY",
            st == 200 and j["similar"] and
            j["similar"][0]["url"] == base + "/browse/" + key, j)

    # An unsigned browser: sent to the sign-in, not a JSON 401.
    st, h, body = request(stack, "GET", "/browse/" + key)
    c.check(s + "unsigned: 302 to the sign-in for this ticket",
            st == 302 and h.get("location") ==
            base + "/browse/signin?key=" + key, (st, h, body[:200]))
    st, h, body = request(stack, "GET", "/browse/" + key.lower())
    c.check(s + "a lower-case key is the same ticket",
            st == 302 and h.get("location", "").endswith("key=" + key),
            (st, h))

    st, h, page, csrf, form_ck = signin_form(stack, key)
    c.check(s + "sign-in page: HTML form with a CSRF value",
            st == 200 and h.get("content-type", "").startswith("text/html")
            and 'action="/browse/signin"' in page and
            'type="password"' in page and len(csrf) == 64 and form_ck,
            (st, h, page[:500]))
    c.check(s + "sign-in page: strict CSP, form to ourselves only",
            "form-action 'self'" in h.get("content-security-policy", "")
            and "default-src 'none'" in h.get("content-security-policy",
                                              ""), h)
    attrs = cookies(h).get("jta_signin", ("", ""))[1]
    c.check(s + "sign-in form cookie: HttpOnly, SameSite=Strict",
            "HttpOnly" in attrs and "SameSite=Strict" in attrs and
            "Secure" not in attrs, attrs)

    good = {"key": key, "csrf": csrf, "username": "alice",
            "password": PASSWORD}
    fck = "jta_signin=" + form_ck
    # CSRF: no form cookie, a wrong value, a foreign origin.
    for name, fields, ck, hdr in (
            ("without the form cookie", good, None, None),
            ("with another form value", dict(good, csrf="0" * 64), fck,
             None),
            ("from another origin", good, fck,
             {"Origin": "http://evil.example"}),
            ("cross-site by Fetch Metadata", good, fck,
             {"Sec-Fetch-Site": "cross-site"})):
        st, h, body = post(stack, fields, ck, hdr)
        c.check(s + "sign-in %s is 403, no session" % name,
                st == 403 and "jta_session" not in cookies(h), (st, h))
    st, h, body = post(stack, dict(good, password="wrong password"), fck)
    c.check(s + "wrong password: the form again, no session",
            st == 401 and b'type="password"' in body and
            "jta_session" not in cookies(h), (st, h))
    # No open redirect: the key is validated, the target built by us.
    for bad in ("https://evil.example/", "//evil.example", "DEMO-1/../x",
                "DEMO-1\r\nSet-Cookie: x=1"):
        st, h, _ = post(stack, dict(good, key=bad), fck)
        c.check(s + "sign-in with key %r: refused, no redirect" % bad,
                400 <= st < 500 and "location" not in h, (st, h))
        st, h, _ = request(stack, "GET", "/browse/signin?key=" +
                                 urllib.parse.quote(bad))
        c.check(s + "sign-in page for key %r: refused" % bad,
                400 <= st < 500 and "location" not in h, (st, h))

    st, h, body = post(stack, good, fck, {"Origin": base,
                                          "Sec-Fetch-Site": "same-origin"})
    sess = cookies(h).get("jta_session", ("", ""))
    c.check(s + "sign-in: 303 back to the ticket with a session cookie",
            st == 303 and h.get("location") == base + "/browse/" + key and
            sess[0], (st, h))
    c.check(s + "session cookie: HttpOnly, SameSite=Lax, short-lived, "
            "not Secure over http",
            "HttpOnly" in sess[1] and "SameSite=Lax" in sess[1] and
            "Max-Age=1800" in sess[1] and "Secure" not in sess[1], sess)
    jar = {"Cookie": "jta_session=" + sess[0]}

    st, h, body = request(stack, "GET", "/browse/" + key, headers=jar)
    page = body.decode("utf-8", "replace")
    c.check(s + "the ticket's page: summary, status, description, comment",
            st == 200 and h.get("content-type", "").startswith("text/html")
            and "Printer &lt;b&gt;jams&lt;/b&gt;" in page and
            "Status: Open" in page and "Line one" in page and
            "Toner &lt;i&gt;replaced&lt;/i&gt; &amp; tested" in page and
            "Comment by alice" in page, (st, page[:1500]))
    c.check(s + "the ticket's page: nothing unescaped",
            "<script" not in page and "<img" not in page and
            "<b>" not in page and "<i>" not in page and
            html.escape(XSS, quote=False) in page, page[:1500])
    csp = h.get("content-security-policy", "")
    c.check(s + "the ticket's page: no scripts, no framing, not cached",
            "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
            and h.get("cache-control") == "no-store", h)
    st, h, body = request(stack, "GET", "/browse/DEMO-999", headers=jar)
    c.check(s + "an unknown ticket is a 404 page",
            st == 404 and h.get("content-type", "").startswith("text/html"),
            (st, h))

    # Forged or stale sessions are no session.
    exp, name, mac = sess[0].split(":")
    for what, value in (
            ("another person", "%s:bob:%s" % (exp, mac)),
            ("a later expiry", "%d:alice:%s" % (int(exp) + 3600, mac)),
            ("a flipped mac", "%s:alice:%s" % (exp, mac[:-1] +
                                               ("0" if mac[-1] != "0"
                                                else "1"))),
            ("garbage", "x"), ("empty", "")):
        st, h, _ = request(stack, "GET", "/browse/" + key, headers={
            "Cookie": "jta_session=" + value})
        c.check(s + "a session cookie with %s: sent to the sign-in" % what,
                st == 302 and "/browse/signin" in h.get("location", ""),
                (st, h))

    # The access rules apply to the page as to the API.
    rc, out, err = stack.admin("deny", "project", "DEMO", "--for", "read")
    c.check(s + "deny DEMO", rc == 0, (out, err))
    st, h, body = request(stack, "GET", "/browse/" + key, headers=jar)
    c.check(s + "a project the rules deny: 403 page",
            st == 403 and b"Printer" not in body, (st, body[:300]))

    # A new password ends every session made with the old one.
    rc, _, err = admin_stdin(stack, PASSWORD + " again\n", "user", "passwd",
                             "alice")
    c.check(s + "alice's password changed", rc == 0, err)
    st, h, _ = request(stack, "GET", "/browse/" + key, headers=jar)
    c.check(s + "a session from before the password change: sent to the "
            "sign-in", st == 302 and "/browse/signin" in h.get("location",
                                                                 ""), (st, h))


if __name__ == "__main__":
    run(test)
