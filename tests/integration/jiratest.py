"""Jira mode for the integration tests: the Atlassian stand-in (one per
test process, started on import), the configuration that points a stack at
it, and the consent dance that links a person and gives their API key.
Standard library only."""

import http.client
import os
import re
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jtatest  # noqa: E402

sys.path.insert(0, os.path.join(jtatest.SRCDIR, "tests", "standin"))
from atlassian import StandIn  # noqa: E402

CLIENT_ID = "jta-test-app"
SECRET = "app-secret-for-tests"
# The API key on the page /oauth/callback ends on.
KEY_RE = re.compile(r'<code id="key">(jta_[0-9a-f]{12}_[A-Za-z0-9_-]{43})'
                    r'</code>')

standin = StandIn(CLIENT_ID, SECRET, ["http://127.0.0.1:1/oauth/callback"],
                  port=0, log=False).start()

# What the stand-in's spec check (tests/standin/spec_check.py) found in
# earlier runs of this file, kept across the resets of conf().
_spec_problems = []


def spec_problems():
    """Every request this test file's run made to the stand-in that
    Atlassian's OpenAPI documents do not allow, one line each (spent:
    a second call lists only newer ones)."""
    _spec_problems.extend(standin.spec_problems(clear=True))
    out = ["  %s: %s: %s: %s" % (p["request"], p["operation"], p["where"],
                                 p["what"]) for p in _spec_problems]
    del _spec_problems[:]
    return out


jtatest.FINISH_CHECKS.append((
    "every request to the Atlassian stand-in is one Atlassian's OpenAPI "
    "documents allow (tests/standin/spec_check.py)", spec_problems))


def conf(stack, timeout_ms=3000, budget_ms=8000, extra=""):
    """The configuration lines of backend = jira against the stand-in
    (reset, and told to accept this stack's callback); the app's secret
    goes into a 0600 file in the stack's work directory."""
    secret = os.path.join(stack.workdir, "atlassian.secret")
    fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, (SECRET + "\n").encode())
    os.close(fd)
    _spec_problems.extend(standin.spec_problems())
    standin.reset()
    standin.config(redirect_uris=[stack.base_url + "/oauth/callback"])
    return ("backend = jira\n"
            "token_key_file = %s/token.key\n"
            "atlassian_client_id = %s\n"
            "atlassian_client_secret_file = %s\n"
            "atlassian_auth_url = %s\n"
            "atlassian_api_url = %s\n"
            "upstream_timeout_ms = %d\n"
            "upstream_retry_budget_ms = %d\n"
            % (stack.workdir, CLIENT_ID, secret, standin.url, standin.url,
               timeout_ms, budget_ms)) + extra


def get_url(url):
    """GET an absolute URL on the stand-in; (status, headers, body)."""
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        c.request("GET", u.path + ("?" + u.query if u.query else ""))
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


class Browser:
    """One person's browser on our stack: keeps the cookie that binds a
    consent to it (jta_oauth, set by /oauth/start and /oauth/authorize)
    and sends it back on /oauth/ requests, as a browser does."""

    def __init__(self, stack):
        self.stack = stack
        self.cookie = None
        self.bound = None    # the last binding set, kept after clearing

    def get(self, path, headers=None):
        h = dict(headers or {})
        if self.cookie is not None and path.startswith("/oauth/"):
            h.setdefault("Cookie", "jta_oauth=" + self.cookie)
        st, hd, body = self.stack.request("GET", path, headers=h)
        m = re.match(r"jta_oauth=([^;]*)", hd.get("set-cookie", ""))
        if m:
            self.cookie = m.group(1) or None
            self.bound = self.cookie or self.bound
        return st, hd, body


def local_path(url):
    """The path and query of an absolute URL on our stack."""
    u = urllib.parse.urlsplit(url)
    return u.path + ("?" + u.query if u.query else "")


def link(stack, person=None):
    """Link an Atlassian person (the stand-in's current one when None)
    through /oauth/start and the stand-in's consent; their API key."""
    if person is not None:
        standin.config(person=person)
    b = Browser(stack)
    st, h, _ = b.get("/oauth/start")
    assert st == 302, st
    st, h, _ = get_url(h["location"])
    assert st == 302, st
    st, _, body = b.get(local_path(h["location"]))
    m = KEY_RE.search(body.decode("utf-8", "replace"))
    assert st == 200 and m, (st, body[:300])
    return m.group(1)
