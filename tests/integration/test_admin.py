"""The admin page and its API (jta-admin-api) through a real nginx and a
real Apache: closed by default (403 from the web server), open with basic
auth (wrong password 401, right one 200), the state, the switch (off: the
API answers 503 with the message; on again: 200), rules added and removed,
quotas set, changed and removed (applying to /api/ at the next request),
the cross-site request checks, bad input named by field, the audit rows
of every change, and the kill switch not closing /admin/ itself.
Standard library only."""

import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import jtatest  # noqa: E402
from jtatest import Cases, Client  # noqa: E402

USER = "ops-alice"
PASSWORD = "correct horse battery staple"
MESSAGE = "Paused for the Jira upgrade; back at 14:00 UTC."
STATE = "/admin/api/state"
QUOTAS = "/admin/api/quotas"


def basic(user, password):
    return "Basic " + base64.b64encode(
        ("%s:%s" % (user, password)).encode()).decode()


def call(stack, method, path, body=None, auth=(USER, PASSWORD), csrf=True,
         origin="own", headers=None, raw=None):
    """(status, headers, json or None, raw body) of one request to the
    admin API, as the page sends it unless told otherwise."""
    h = {}
    if auth is not None:
        h["Authorization"] = basic(*auth)
    if csrf:
        h["X-JTA-Admin"] = "1"
    if origin == "own":
        h["Origin"] = stack.base_url
        h["Sec-Fetch-Site"] = "same-origin"
    elif origin is not None:
        h["Origin"] = origin
    if body is not None:
        raw = json.dumps(body).encode()
    if raw is not None:
        h.setdefault("Content-Type", "application/json")
    h.update(headers or {})
    st, hd, data = stack.request(method, path, headers=h, raw_body=raw)
    return st, hd, jtatest.body_json(data) if data else None, data


def problem(c, label, got, status, field):
    st, h, j, raw = got
    return c.check(label, st == status and isinstance(j, dict) and
                   j.get("field") == field and
                   h.get("content-type", "").startswith(
                       "application/problem+json"),
                   "(%s %s %r)" % (st, h.get("content-type"), raw[:300]))


# ---- closed by default ----------------------------------------------------

def closed(c, stack, s):
    for path in ("/admin/", "/admin/index.html", "/admin/admin.js",
                 STATE):
        for auth in (None, (USER, PASSWORD)):
            st, _, _, _ = call(stack, "GET", path, auth=auth)
            c.eq("%s: default: GET %s is 403 (%s)" % (
                s, path, "with credentials" if auth else "anonymous"),
                st, 403)
    st, _, _, _ = call(stack, "POST", "/admin/api/switch",
                       {"enabled": False})
    c.eq("%s: default: POST /admin/api/switch is 403" % s, st, 403)
    st, _, _, _ = call(stack, "GET", "/metrics")
    c.eq("%s: default: /metrics (same protection) is 403" % s, st, 403)
    rc, out, _ = stack.admin("status")
    c.check("%s: default: ... and the service is still on" % s,
            rc == 0 and "state:   on" in out, out)


# ---- open with basic auth -------------------------------------------------

def auth(c, stack, s):
    st, h, _, _ = call(stack, "GET", STATE, auth=None)
    c.check("%s: no credentials: 401 with a Basic challenge" % s,
            st == 401 and "basic" in h.get("www-authenticate", "").lower(),
            (st, h))
    st, _, _, _ = call(stack, "GET", STATE, auth=(USER, "wrong"))
    c.eq("%s: wrong password: 401" % s, st, 401)
    st, _, _, _ = call(stack, "GET", STATE, auth=("mallory", PASSWORD))
    c.eq("%s: unknown user: 401" % s, st, 401)
    st, _, _, _ = call(stack, "GET", "/metrics", auth=None)
    c.eq("%s: /metrics without credentials: 401" % s, st, 401)
    st, h, _, raw = call(stack, "GET", "/metrics")
    c.check("%s: /metrics with them: 200, Prometheus text" % s,
            st == 200 and h.get("content-type", "").startswith(
                "text/plain"), (st, h, raw[:200]))
    st, h, _, raw = call(stack, "GET", "/admin/")
    csp = h.get("content-security-policy", "")
    c.check("%s: right password: the page, 200, HTML" % s,
            st == 200 and b'src="admin.js"' in raw and
            h.get("content-type", "").startswith("text/html"), (st, h))
    c.check("%s: the page's CSP: default-src 'self', no inline code" % s,
            "default-src 'self'" in csp and "unsafe-inline" not in csp and
            "form-action 'none'" in csp, csp)
    c.check("%s: the page is not cached" % s,
            "no-store" in h.get("cache-control", ""), h)
    for f, t in (("admin.js", "javascript"), ("admin.css", "text/css")):
        st, h, _, _ = call(stack, "GET", "/admin/" + f)
        c.check("%s: /admin/%s 200 as %s" % (s, f, t),
                st == 200 and t in h.get("content-type", ""), (st, h))


def state(c, stack, s):
    st, h, j, raw = call(stack, "GET", STATE)
    ok = st == 200 and isinstance(j, dict)
    c.check("%s: state: 200 JSON, no-store" % s, ok and
            "no-store" in h.get("cache-control", ""), (st, h, raw[:300]))
    if not ok:
        return
    c.check("%s: state: every member" % s, all(
        k in j for k in ("enabled", "message", "changed_at", "changed_by",
                         "rules", "quotas", "usage", "audit",
                         "last_change", "operator")), sorted(j))
    c.check("%s: state: on, no rules, no quotas, the operator is the "
            "basic-auth user" % s, j["enabled"] is True and
            j["rules"] == [] and j["quotas"] == [] and
            j["operator"] == USER, j)
    c.check("%s: state: usage and audit rows are lists" % s,
            isinstance(j["usage"], dict) and
            isinstance(j["usage"].get("quotas"), list) and
            isinstance(j["audit"], list), j)


def switch(c, stack, s, key):
    api = Client(stack, key)
    c.eq("%s: on: /api/issues answers 200" % s,
         api.call("GET", "/api/issues")[0], 200)
    st, _, j, raw = call(stack, "POST", "/admin/api/switch",
                         {"enabled": False, "message": MESSAGE})
    c.check("%s: switch off: 200 with the new state" % s,
            st == 200 and j and j["enabled"] is False and
            j["message"] == MESSAGE and j["changed_by"] == USER and
            re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$",
                     j["changed_at"] or "") and
            j["last_change"]["what"] == "switched off" and
            j["last_change"]["by"] == USER, raw[:400])
    for cl, who in ((api, "with key"), (Client(stack), "anonymous")):
        st, _, j, raw = cl.call("GET", "/api/issues")
        c.check("%s: off: /api/issues (%s) is 503 with the message" % (
            s, who), st == 503 and isinstance(j, dict) and
            j.get("detail") == MESSAGE, (st, raw[:300]))
    st, _, j, _ = call(stack, "GET", STATE)
    c.check("%s: off: the admin API is not switched off" % s,
            st == 200 and j["enabled"] is False, (st, j))
    st, _, _, _ = call(stack, "GET", "/admin/")
    c.eq("%s: off: the admin page is not switched off" % s, st, 200)
    rc, out, _ = stack.admin("status")
    c.check("%s: jta-admin status sees it: off, the message, by %s" % (
        s, USER), "state:   off" in out and MESSAGE in out and
        ("by:      " + USER) in out, out)
    st, _, j, raw = call(stack, "POST", "/admin/api/switch",
                         {"enabled": True})
    c.check("%s: switch on: 200, enabled" % s,
            st == 200 and j and j["enabled"] is True, raw[:300])
    c.eq("%s: on again: /api/issues answers 200 at once" % s,
         api.call("GET", "/api/issues")[0], 200)
    # Off without a message, then on with a null one.
    st, _, j, _ = call(stack, "POST", "/admin/api/switch",
                       {"enabled": False, "message": None})
    c.check("%s: off with a null message: 200, message empty" % s,
            st == 200 and j["enabled"] is False and j["message"] == "", j)
    st, _, j, _ = call(stack, "POST", "/admin/api/switch",
                       {"enabled": True, "message": ""})
    c.check("%s: on with an empty message: 200" % s,
            st == 200 and j["enabled"] is True, j)


def rules(c, stack, s, key):
    api = Client(stack, key)
    st, h, j, raw = call(stack, "POST", "/admin/api/rules",
                         {"effect": "deny", "kind": "project",
                          "value": "demo", "scope": "read",
                          "note": "audit week"})
    ok = st == 201 and isinstance(j, dict)
    c.check("%s: add a rule: 201 with the rule, normalised" % s, ok and
            j["effect"] == "deny" and j["kind"] == "project" and
            j["value"] == "DEMO" and j["scope"] == "read" and
            j["note"] == "audit week" and j["created_by"] == USER and
            isinstance(j["id"], int), (st, raw[:300]))
    if not ok:
        return
    rid = j["id"]
    st, _, pj, _ = api.call("GET", "/api/issues?project=DEMO")
    c.check("%s: the rule applies at once: 403 naming rule %d" % (s, rid),
            st == 403 and ("rule %d" % rid) in (pj or {}).get("detail", ""),
            (st, pj))
    st, _, j, _ = call(stack, "GET", STATE)
    c.check("%s: state lists it; last change is it" % s,
            [r["id"] for r in j["rules"]] == [rid] and
            j["last_change"]["what"] == "rule %d added" % rid and
            j["last_change"]["by"] == USER, j)
    rc, out, _ = stack.admin("rules")
    c.check("%s: jta-admin rules sees it, by %s" % (s, USER),
            re.search(r"^%d\s+deny\s+project\s+read\s+\S+\s+%s\s+DEMO" % (
                rid, re.escape(USER)), out, re.M), out)
    st, h, j, raw = call(stack, "POST", "/admin/api/rules",
                         {"effect": "deny", "kind": "project",
                          "value": "DEMO", "scope": "read"})
    c.check("%s: the same rule again: 409 problem" % s, st == 409 and
            h.get("content-type", "").startswith("application/problem"),
            (st, raw[:300]))
    st, _, _, raw = call(stack, "DELETE", "/admin/api/rules/%d" % rid)
    c.check("%s: remove it: 204, no body" % s, st == 204 and raw == b"",
            (st, raw))
    c.eq("%s: removed: /api/issues?project=DEMO is 200 again" % s,
         api.call("GET", "/api/issues?project=DEMO")[0], 200)
    problem(c, "%s: remove it again: 404" % s,
            call(stack, "DELETE", "/admin/api/rules/%d" % rid), 404, "id")
    # Read-only mode from the page.
    st, _, j, raw = call(stack, "POST", "/admin/api/rules",
                         {"effect": "deny", "kind": "readonly"})
    c.check("%s: deny readonly: 201, value *, for write" % s,
            st == 201 and j["value"] == "*" and j["scope"] == "write",
            raw[:300])
    st, _, _, _ = api.call("POST", "/api/issues",
                           {"project": "DEMO", "summary": "x"})
    c.eq("%s: read-only: a create is 403" % s, st, 403)
    call(stack, "DELETE", "/admin/api/rules/%d" % j["id"])


def csrf(c, stack, s):
    body = {"enabled": False, "message": "csrf"}
    problem(c, "%s: POST without X-JTA-Admin: 403" % s,
            call(stack, "POST", "/admin/api/switch", body, csrf=False),
            403, "X-JTA-Admin")
    problem(c, "%s: POST with X-JTA-Admin: 0: 403" % s,
            call(stack, "POST", "/admin/api/switch", body,
                 headers={"X-JTA-Admin": "0"}), 403, "X-JTA-Admin")
    problem(c, "%s: POST from a foreign Origin: 403" % s,
            call(stack, "POST", "/admin/api/switch", body,
                 origin="https://evil.example"), 403, "Origin")
    problem(c, "%s: POST with Origin null: 403" % s,
            call(stack, "POST", "/admin/api/switch", body, origin="null"),
            403, "Origin")
    problem(c, "%s: POST with Sec-Fetch-Site cross-site: 403" % s,
            call(stack, "POST", "/admin/api/switch", body, origin=None,
                 headers={"Sec-Fetch-Site": "cross-site"}),
            403, "Sec-Fetch-Site")
    problem(c, "%s: DELETE without X-JTA-Admin: 403" % s,
            call(stack, "DELETE", "/admin/api/rules/1", csrf=False),
            403, "X-JTA-Admin")
    problem(c, "%s: a cross-site form post (text/plain, no header): 403"
            % s, call(stack, "POST", "/admin/api/switch", csrf=False,
                      origin="https://evil.example",
                      raw=b'{"enabled": false}',
                      headers={"Content-Type": "text/plain"}),
            403, "X-JTA-Admin")
    st, _, j, _ = call(stack, "GET", STATE)
    c.check("%s: after all that, still on" % s,
            st == 200 and j["enabled"] is True, j)
    st, _, j, _ = call(stack, "POST", "/admin/api/switch",
                       {"enabled": True}, origin=None)
    c.eq("%s: no Origin (a tool, not a browser) with the header: 200" % s,
         st, 200)


def badinput(c, stack, s):
    sw, ru = "/admin/api/switch", "/admin/api/rules"
    cases = [
        ("switch: enabled missing", sw, {"message": "x"}, 422, "enabled"),
        ("switch: enabled a string", sw, {"enabled": "false"}, 422,
         "enabled"),
        ("switch: unknown member", sw, {"enabled": True, "why": 1}, 400,
         "why"),
        ("switch: message too long", sw,
         {"enabled": False, "message": "m" * 501}, 422, "message"),
        ("switch: message with a newline", sw,
         {"enabled": False, "message": "a\nb"}, 422, "message"),
        ("rule: effect missing", ru, {"kind": "project", "value": "X"},
         422, "effect"),
        ("rule: effect wrong", ru, {"effect": "maybe", "kind": "project",
                                    "value": "X"}, 422, "effect"),
        ("rule: kind wrong", ru, {"effect": "deny", "kind": "planet",
                                  "value": "X"}, 422, "kind"),
        ("rule: project value wrong", ru, {"effect": "deny",
                                           "kind": "project",
                                           "value": "1-bad"}, 422, "value"),
        ("rule: value missing", ru, {"effect": "deny", "kind": "person"},
         422, "value"),
        ("rule: scope wrong", ru, {"effect": "deny", "kind": "project",
                                   "value": "X", "scope": "most"}, 422,
         "scope"),
        ("rule: readonly with a scope", ru, {"effect": "deny",
                                             "kind": "readonly",
                                             "scope": "read"}, 422,
         "scope"),
        ("rule: note too long", ru, {"effect": "deny", "kind": "project",
                                     "value": "X", "note": "n" * 201},
         422, "note"),
    ]
    for label, path, body, status, field in cases:
        got = call(stack, "POST", path, body)
        st, _, j, raw = got
        c.check("%s: bad input: %s: %d naming %s" % (s, label, status,
                                                      field),
                st // 100 == 4 and (j or {}).get("field") == field and
                (st == status or status == 400),
                (st, raw[:300]))
    problem(c, "%s: bad input: not JSON" % s,
            call(stack, "POST", sw, raw=b"{enabled: no}"), 400, "body")
    problem(c, "%s: bad input: form-encoded" % s,
            call(stack, "POST", sw, raw=b"enabled=false",
                 headers={"Content-Type":
                          "application/x-www-form-urlencoded"}),
            415, "Content-Type")
    st, _, j, _ = call(stack, "POST", sw,
                       raw=b'{"enabled": true, "enabled": false}')
    c.check("%s: bad input: duplicate member is 400" % s,
            st == 400 and isinstance(j, dict), (st, j))
    problem(c, "%s: rule id not a number: 404 naming id" % s,
            call(stack, "DELETE", "/admin/api/rules/x1"), 404, "id")
    problem(c, "%s: rule id 0: 404 naming id" % s,
            call(stack, "DELETE", "/admin/api/rules/0"), 404, "id")
    st, h, _, _ = call(stack, "PUT", "/admin/api/switch", {"enabled": True})
    c.check("%s: PUT on the switch: 405 with Allow: POST" % s,
            st == 405 and h.get("allow") == "POST", (st, h))
    st, h, _, _ = call(stack, "POST", STATE, {})
    c.check("%s: POST on the state: 405" % s, st == 405, (st, h))
    problem(c, "%s: an unknown admin path: 404" % s,
            call(stack, "GET", "/admin/api/nothing"), 404, "path")
    st, _, j, _ = call(stack, "GET", STATE)
    c.check("%s: bad input changed nothing" % s,
            j["enabled"] is True and j["rules"] == [], j)


def cgi(stack, method, uri, env=None, body=None):
    """One request to jta-admin-api run as plain CGI, its stderr kept:
    (exit status, HTTP status, json, stderr).  spawn-fcgi sends the
    workers' stderr to /dev/null, so this is where a sanitizer report of
    this program can be seen."""
    e = {"JTA_CONFIG": stack.conf, "REQUEST_METHOD": method,
         "REQUEST_URI": uri, "QUERY_STRING": "",
         "GATEWAY_INTERFACE": "CGI/1.1"}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "PATH"):
        if k in os.environ:
            e[k] = os.environ[k]
    data = b""
    if body is not None:
        data = json.dumps(body).encode()
        e.update(CONTENT_LENGTH=str(len(data)),
                 CONTENT_TYPE="application/json")
    e.update(env or {})
    p = subprocess.run([os.path.join(jtatest.BUILDDIR, "fcgi",
                                     "jta-admin-api")], env=e, input=data,
                       capture_output=True, timeout=60)
    head, _, payload = p.stdout.partition(b"\r\n\r\n")
    m = re.match(rb"Status: (\d+)", head)
    return (p.returncode, int(m.group(1)) if m else None,
            jtatest.body_json(payload) if payload else None,
            p.stderr.decode("utf-8", "replace"))


def cgi_checks(c, stack, s):
    """Each request kind as CGI: the answers, the operator from a
    verified client certificate, and no sanitizer report on stderr."""
    dn = "CN=Carol Operator,O=Example,C=DE"
    cert = {"SSL_CLIENT_VERIFY": "SUCCESS", "SSL_CLIENT_S_DN": dn,
            "REMOTE_USER": "spoofed-by-a-basic-header",
            "HTTP_X_JTA_ADMIN": "1"}
    stderr = ""
    rc, st, j, err = cgi(stack, "GET", STATE, cert)
    stderr += err
    c.check("%s: CGI: a verified client certificate names the operator "
            "(its subject DN, not REMOTE_USER)" % s,
            rc == 0 and st == 200 and j["operator"] == dn, (rc, st, j))
    rc, st, j, err = cgi(stack, "GET", STATE, dict(
        cert, SSL_CLIENT_VERIFY="FAILED:certificate has expired"))
    stderr += err
    c.check("%s: CGI: an unverified certificate does not, nor "
            "REMOTE_USER without AUTH_TYPE (nginx's from any Basic "
            "header): 403 naming operator" % s,
            st == 403 and (j or {}).get("field") == "operator", (st, j))
    rc, st, j, err = cgi(stack, "GET", STATE, dict(
        cert, SSL_CLIENT_VERIFY="FAILED:certificate has expired",
        AUTH_TYPE="Basic"))
    stderr += err
    c.check("%s: CGI: REMOTE_USER beside AUTH_TYPE names the operator" % s,
            st == 200 and j["operator"] == "spoofed-by-a-basic-header",
            (st, j))
    rc, st, j, err = cgi(stack, "POST", "/admin/api/switch", cert,
                         {"enabled": False, "message": "cgi"})
    stderr += err
    c.check("%s: CGI: switch off, changed_by the DN" % s,
            st == 200 and j["enabled"] is False and j["changed_by"] == dn,
            (st, j))
    rc, st, j, err = cgi(stack, "POST", "/admin/api/rules", cert,
                         {"effect": "allow", "kind": "domain",
                          "value": "Example.COM"})
    stderr += err
    rid = (j or {}).get("id")
    c.check("%s: CGI: add a rule" % s, st == 201 and
            j["value"] == "example.com", (st, j))
    rc, st, j, err = cgi(stack, "DELETE", "/admin/api/rules/%s" % rid,
                         cert)
    stderr += err
    c.eq("%s: CGI: remove it" % s, st, 204)
    rc, st, j, err = cgi(stack, "POST", QUOTAS, cert,
                         {"scope": "person", "metric": "calls",
                          "limit": 3})
    stderr += err
    c.check("%s: CGI: set a quota" % s, st == 200 and
            j["subject"] == "*", (st, j))
    rc, st, j, err = cgi(stack, "DELETE", QUOTAS + "?scope=person&"
                         "metric=calls", dict(
                             cert, QUERY_STRING="scope=person&metric=calls"))
    stderr += err
    c.eq("%s: CGI: remove it" % s, st, 204)
    rc, st, j, err = cgi(stack, "POST", "/admin/api/switch", cert,
                         {"enabled": True})
    stderr += err
    c.check("%s: CGI: switch on" % s, st == 200 and j["enabled"] is True,
            (st, j))
    rc, st, j, err = cgi(stack, "POST", "/admin/api/switch", cert,
                         {"enabled": "yes"})
    stderr += err
    c.check("%s: CGI: bad input answered" % s, st == 422, (st, j))
    c.check("%s: CGI: no sanitizer report on stderr" % s,
            not jtatest.BAD_LOG.search(stderr), stderr[-2000:])


def no_operator(c, stack, s):
    """The API refuses a request the web server did not authenticate,
    whatever the web server let through: run the program as CGI with no
    REMOTE_USER."""
    rc, st, h, body = jtatest.cgi(stack.conf, "jta-admin-api", "GET", STATE)
    j = jtatest.body_json(body)
    c.check("%s: no authenticated operator: 403 naming operator" % s,
            rc == 0 and st == 403 and (j or {}).get("field") == "operator",
            (rc, st, body[:300]))


def allowlist(c, stack, s):
    """Issue 10, item 12: /admin/ opened to an address alone (as
    jta-admin-access.conf suggests for a Prometheus server).  An allowed
    host forges an operator with its own Authorization: Basic header
    (nginx used to pass it on as REMOTE_USER, auth_basic off): the API
    refuses, and nothing changes or is audited in that name."""
    forged = ("alice", "x")
    st, _, _, raw = call(stack, "GET", "/admin/", auth=None)
    c.check("%s: allow-list: the page's static files are open" % s,
            st == 200 and b"admin.js" in raw, (st, raw[:200]))
    problem(c, "%s: allow-list: GET state as a forged alice: 403 naming "
            "operator" % s, call(stack, "GET", STATE, auth=forged), 403,
            "operator")
    problem(c, "%s: allow-list: switch off as a forged alice: 403 naming "
            "operator" % s, call(stack, "POST", "/admin/api/switch",
                                 {"enabled": False, "message": "owned"},
                                 auth=forged), 403, "operator")
    problem(c, "%s: allow-list: add a rule as a forged alice: 403" % s,
            call(stack, "POST", "/admin/api/rules",
                 {"effect": "deny", "kind": "site"}, auth=forged), 403,
            "operator")
    problem(c, "%s: allow-list: without any header: 403 too" % s,
            call(stack, "GET", STATE, auth=None), 403, "operator")
    rc, out, _ = stack.admin("status")
    c.check("%s: allow-list: the service is still on" % s,
            rc == 0 and "state:   on" in out, out)
    rc, aud, err = stack.admin("audit")
    c.check("%s: allow-list: nothing audited as operator:alice" % s,
            rc == 0 and "operator:alice" not in aud, aud + err)


def audit(c, stack, s):
    """Every change is in the audit log (jta-admin audit)."""
    rc, out, err = stack.admin("audit")
    for what in ("switch-off", "switch-on", "rule-add", "rule-remove",
                 "quota-set", "quota-remove"):
        c.check("%s: jta-admin audit shows admin:%s by operator:%s" % (
            s, what, USER), rc == 0 and ("admin:%s" % what) in out and
            ("operator:%s" % USER) in out, out + err)
    rc, out, err = stack.admin("audit", "--action", "admin:quota-set",
                               "--json")
    rows = json.loads(out) if rc == 0 else []
    c.check("%s: audit: jta-admin's quota set (usage) is there too, by "
            "jta-admin" % s, any(r.get("endpoint") == "jta-admin" and
                                 r.get("detail", "").startswith(
                                     "person alice: calls per day: 50")
                                 for r in rows), out + err)
    rows = [r for r in rows if r.get("endpoint") == "admin"]
    details = [r.get("detail") for r in rows]
    c.check("%s: audit: the quota changes with their limits, by "
            "operator:%s, status 200" % (s, USER),
            "person carol: calls per day: 1 (new)" in details and
            "person carol: calls per day: 5 (was 1)" in details and
            all(r.get("who") == "operator:" + USER or
                r.get("who", "").startswith("operator:CN=")
                for r in rows) and
            all(r.get("status") == 200 and r.get("endpoint") == "admin"
                for r in rows), out + err)
    rc, out, err = stack.admin("audit", "--action", "admin:quota-remove",
                               "--json")
    rows = json.loads(out) if rc == 0 else []
    details = [r.get("detail") for r in rows]
    c.check("%s: audit: the removals, status 204" % s,
            "person carol: calls per day" in details and
            "person carol: calls per any" in details and
            "site (default): creates per any" in details and
            all(r.get("status") == 204 for r in rows), out + err)
    st, _, j, _ = call(stack, "GET", STATE)
    c.check("%s: the state carries the recent audit rows" % s,
            isinstance(j.get("audit"), list) and len(j["audit"]) >= 4, j)


def usage(c, stack, s):
    """The state carries jta_store_usage_summary, and a quota set with
    jta-admin is the last configuration change until a newer one."""
    rc, out, err = stack.admin("quota", "set", "--person", "alice",
                               "--metric", "calls", "--limit", "50")
    c.check("%s: set-up: a quota for alice" % s, rc == 0, out + err)
    st, _, j, _ = call(stack, "GET", STATE)
    u = j.get("usage") if isinstance(j, dict) else None
    c.check("%s: state: usage with the quota, its level and percent" % s,
            isinstance(u, dict) and any(
                q.get("subject") == "alice" and q.get("metric") == "calls"
                and q.get("limit") == 50 and q.get("level") == "ok" and
                isinstance(q.get("percent"), int)
                for q in u.get("quotas", [])) and "top_users" in u, u)
    c.check("%s: state: the quota is the last configuration change" % s,
            j["last_change"]["what"] == "quota set: person alice calls",
            j["last_change"])
    time.sleep(1.1)    # times are in seconds; a tie is either's
    call(stack, "POST", "/admin/api/switch", {"enabled": True})
    st, _, j, _ = call(stack, "GET", STATE)
    c.check("%s: ... until the switch changes again" % s,
            j["last_change"]["what"] == "switched on" and
            j["last_change"]["by"] == USER, j["last_change"])
    stack.admin("quota", "remove", "--person", "alice", "--metric",
                "calls")


# ---- quotas ---------------------------------------------------------------

def same_errors(c, stack, s):
    """One bad input, both fronts: jta_operator refuses it with the same
    words (the page names the member, jta-admin the option)."""
    st, _, j, raw = call(stack, "POST", QUOTAS,
                         {"scope": "person", "subject": "alice",
                          "metric": "calls", "limit": 10 ** 10})
    rc, out, err = stack.admin("quota", "set", "--person", "alice",
                               "--metric", "calls", "--limit",
                               str(10 ** 10))
    detail = (j or {}).get("detail", "")
    c.check("%s: a limit over the maximum: the page's 422 naming limit "
            "and jta-admin's exit 2 say the same" % s,
            st == 422 and (j or {}).get("field") == "limit" and
            detail.startswith("the limit is a whole number") and
            rc == 2 and err.startswith("jta-admin: --limit: " + detail),
            (st, raw[:300], rc, err))
    st, _, j, raw = call(stack, "POST", QUOTAS,
                         {"scope": "person", "subject": "nobody",
                          "metric": "calls", "limit": 1})
    rc, out, err = stack.admin("quota", "set", "--person", "nobody",
                               "--metric", "calls", "--limit", "1")
    c.check("%s: a quota for no such person: 422 naming subject, and "
            "jta-admin's exit 1, with the same words" % s,
            st == 422 and (j or {}).get("field") == "subject" and
            rc == 1 and (j or {}).get("detail", "?") in err,
            (st, raw[:300], rc, err))


def quota_rows(stack):
    """The quotas as jta-admin quota list --json gives them."""
    rc, out, _ = stack.admin("quota", "list", "--json")
    return json.loads(out) if rc == 0 else None


def quotas(c, stack, s):
    """Set, change and remove quotas from the API as jta-admin quota
    does; a person's calls quota at 1 of 1 makes their next /api/ call
    429 at once, raising it makes it 200 at once."""
    rc, _, err = stack.admin("user", "add", "carol")
    rc2, key, err2 = stack.admin("key", "create", "carol")
    c.check("%s: quotas: set-up: carol and her key" % s,
            rc == 0 and rc2 == 0, err + err2)
    carol = Client(stack, key.strip())
    c.eq("%s: quotas: carol's first call today is 200" % s,
         carol.call("GET", "/api/issues")[0], 200)
    st, h, j, raw = call(stack, "POST", QUOTAS,
                         {"scope": "person", "subject": "carol",
                          "metric": "calls", "limit": 1})
    c.check("%s: quotas: set carol's calls to 1: 200, per day (the "
            "default for a person), new" % s,
            st == 200 and j == {"scope": "person", "subject": "carol",
                                "metric": "calls", "per": "day",
                                "limit": 1, "previous_limit": None} and
            "no-store" in h.get("cache-control", ""), (st, raw[:300]))
    st, h, j, raw = carol.call("GET", "/api/issues")
    c.check("%s: quotas: at 1 of 1 carol's next /api/ call is 429 "
            "problem+json naming the quota" % s,
            st == 429 and isinstance(j, dict) and
            j.get("field") == "quota" and
            "(1 of 1)" in j.get("detail", "") and
            h.get("retry-after", "").isdigit(), (st, h, raw[:300]))
    st, _, j, _ = call(stack, "GET", STATE)
    mine = [q for q in j["quotas"] if q["subject"] == "carol"]
    c.check("%s: quotas: the state lists it, set by %s" % (s, USER),
            len(mine) == 1 and mine[0]["limit"] == 1 and
            mine[0]["created_by"] == USER and mine[0]["per"] == "day",
            j["quotas"])
    bars = [q for q in j["usage"]["quotas"] if q["subject"] == "carol"]
    c.check("%s: quotas: its bar: 1 of 1, 100 %%, over" % s,
            len(bars) == 1 and bars[0]["used"] == 1 and
            bars[0]["limit"] == 1 and bars[0]["percent"] == 100 and
            bars[0]["level"] == "over", bars)
    c.check("%s: quotas: it is the last configuration change" % s,
            j["last_change"]["what"] == "quota set: person carol calls" and
            j["last_change"]["by"] == USER, j["last_change"])
    rows = quota_rows(stack) or []
    c.check("%s: quotas: jta-admin quota list sees it, by %s" % (s, USER),
            any(q["subject"] == "carol" and q["limit"] == 1 and
                q["created_by"] == USER for q in rows), rows)
    st, _, j, raw = call(stack, "POST", QUOTAS,
                         {"scope": "person", "subject": "carol",
                          "metric": "calls", "limit": 5, "per": "day"})
    c.check("%s: quotas: change it to 5: 200, previous limit 1" % s,
            st == 200 and j["limit"] == 5 and j["previous_limit"] == 1,
            (st, raw[:300]))
    c.eq("%s: quotas: raised, carol's next call is 200 at once" % s,
         carol.call("GET", "/api/issues")[0], 200)
    rows = quota_rows(stack) or []
    c.check("%s: quotas: still one quota for carol, limit 5" % s,
            [q["limit"] for q in rows if q["subject"] == "carol"] == [5],
            rows)
    st, h, _, raw = call(stack, "DELETE", QUOTAS +
                         "?scope=person&subject=carol&metric=calls&per=day")
    c.check("%s: quotas: remove it: 204, no body" % s,
            st == 204 and raw == b"", (st, raw))
    rows = quota_rows(stack)
    c.check("%s: quotas: jta-admin quota list no longer has it" % s,
            rows is not None and
            not [q for q in rows if q["subject"] == "carol"], rows)
    problem(c, "%s: quotas: remove it again: 404 naming quota" % s,
            call(stack, "DELETE", QUOTAS +
                 "?scope=person&subject=carol&metric=calls"), 404, "quota")
    # Removed: capped no more, even at 0.
    call(stack, "POST", QUOTAS, {"scope": "person", "subject": "carol",
                                 "metric": "calls", "limit": 0})
    c.eq("%s: quotas: a limit of 0 caps at once: 429" % s,
         carol.call("GET", "/api/issues")[0], 429)
    call(stack, "DELETE", QUOTAS + "?scope=person&subject=carol&"
         "metric=calls")
    c.eq("%s: quotas: removed without per (either period): 200" % s,
         carol.call("GET", "/api/issues")[0], 200)
    # The defaults, and a site as a URL.
    st, _, j, raw = call(stack, "POST", QUOTAS,
                         {"scope": "site", "metric": "creates",
                          "limit": 1000, "subject": None})
    c.check("%s: quotas: a site default: subject *, per month" % s,
            st == 200 and j["subject"] == "*" and j["per"] == "month",
            (st, raw[:300]))
    st, _, j, raw = call(stack, "POST", QUOTAS,
                         {"scope": "site",
                          "subject": "https://Acme.atlassian.net/",
                          "metric": "updates", "limit": 7, "per": "day"})
    c.check("%s: quotas: a site as a URL is kept as its host" % s,
            st == 200 and j["subject"] == "acme.atlassian.net" and
            j["per"] == "day", (st, raw[:300]))
    rc, out, _ = stack.admin("quota", "list")
    c.check("%s: quotas: jta-admin quota list shows both" % s,
            re.search(r"^site\s+\(default\)\s+creates\s+month\s+1000\s+" +
                      re.escape(USER), out, re.M) and
            re.search(r"^site\s+acme\.atlassian\.net\s+updates\s+day"
                      r"\s+7\s+" + re.escape(USER), out, re.M), out)
    for q in ("scope=site&metric=creates",
              "scope=site&subject=acme.atlassian.net&metric=updates"):
        st, _, _, raw = call(stack, "DELETE", QUOTAS + "?" + q)
        c.check("%s: quotas: remove ?%s: 204" % (s, q), st == 204,
                (st, raw[:300]))
    c.eq("%s: quotas: none left" % s, quota_rows(stack), [])


def quota_csrf(c, stack, s):
    body = {"scope": "person", "metric": "calls", "limit": 0}
    problem(c, "%s: quotas: POST without X-JTA-Admin: 403" % s,
            call(stack, "POST", QUOTAS, body, csrf=False), 403,
            "X-JTA-Admin")
    problem(c, "%s: quotas: POST from a foreign Origin: 403" % s,
            call(stack, "POST", QUOTAS, body,
                 origin="https://evil.example"), 403, "Origin")
    problem(c, "%s: quotas: POST with Sec-Fetch-Site same-site: 403" % s,
            call(stack, "POST", QUOTAS, body, origin=None,
                 headers={"Sec-Fetch-Site": "same-site"}),
            403, "Sec-Fetch-Site")
    problem(c, "%s: quotas: a cross-site form post: 403" % s,
            call(stack, "POST", QUOTAS, csrf=False,
                 origin="https://evil.example",
                 raw=b"scope=person&metric=calls&limit=0",
                 headers={"Content-Type":
                          "application/x-www-form-urlencoded"}),
            403, "X-JTA-Admin")
    call(stack, "POST", QUOTAS, {"scope": "site", "metric": "calls",
                                 "limit": 9})
    problem(c, "%s: quotas: DELETE without X-JTA-Admin: 403" % s,
            call(stack, "DELETE", QUOTAS + "?scope=site&metric=calls",
                 csrf=False), 403, "X-JTA-Admin")
    problem(c, "%s: quotas: DELETE from a foreign Origin: 403" % s,
            call(stack, "DELETE", QUOTAS + "?scope=site&metric=calls",
                 origin="https://evil.example"), 403, "Origin")
    c.check("%s: quotas: after all that, only the site default of 9" % s,
            [(q["scope"], q["subject"], q["limit"])
             for q in quota_rows(stack) or []] == [("site", "*", 9)],
            quota_rows(stack))
    call(stack, "DELETE", QUOTAS + "?scope=site&metric=calls")


def quota_badinput(c, stack, s):
    ok = {"scope": "person", "subject": "alice", "metric": "calls",
          "limit": 5, "per": "day"}

    def but(**kw):
        b = dict(ok, **kw)
        return {k: v for k, v in b.items() if v is not Ellipsis}
    cases = [
        ("scope missing", but(scope=...), "scope"),
        ("scope group", but(scope="group"), "scope"),
        ("scope a number", but(scope=1), "scope"),
        ("subject with a blank", but(subject="a b"), "subject"),
        ("subject with markup", but(subject="<b>"), "subject"),
        ("subject an unknown person", but(subject="nobody"), "subject"),
        ("subject too long", but(scope="site", subject="x" * 300),
         "subject"),
        ("metric missing", but(metric=...), "metric"),
        ("metric tokens", but(metric="tokens"), "metric"),
        ("limit missing", but(limit=...), "limit"),
        ("limit negative", but(limit=-1), "limit"),
        ("limit a string", but(limit="5"), "limit"),
        ("limit a fraction", but(limit=1.5), "limit"),
        ("limit over 10^9", but(limit=1000000001), "limit"),
        ("limit null", but(limit=None), "limit"),
        ("per week", but(per="week"), "per"),
        ("an unknown member", dict(ok, why="x"), "why"),
    ]
    for label, body, field in cases:
        st, _, j, raw = call(stack, "POST", QUOTAS, body)
        c.check("%s: quotas: bad input: %s: 4xx naming %s" % (
            s, label, field), st in (400, 422) and
            (j or {}).get("field") == field, (st, raw[:300]))
    for label, q, field in (
            ("scope missing", "metric=calls", "scope"),
            ("scope planet", "scope=planet&metric=calls", "scope"),
            ("metric missing", "scope=person", "metric"),
            ("metric tokens", "scope=person&metric=tokens", "metric"),
            ("per week", "scope=person&metric=calls&per=week", "per"),
            ("subject bad", "scope=site&subject=a%20b&metric=calls",
             "subject"),
            ("unknown parameter", "scope=person&metric=calls&x=1", "x"),
            ("per twice", "scope=person&metric=calls&per=day&per=day",
             "per")):
        st, _, j, raw = call(stack, "DELETE", QUOTAS + "?" + q)
        c.check("%s: quotas: bad DELETE: %s: 4xx naming %s" % (
            s, label, field), st in (400, 422) and
            (j or {}).get("field") == field, (st, raw[:300]))
    problem(c, "%s: quotas: DELETE with a JSON body: 400 naming body" % s,
            call(stack, "DELETE", QUOTAS, {"scope": "person",
                                           "metric": "calls"}),
            400, "body")
    problem(c, "%s: quotas: POST form-encoded: 415" % s,
            call(stack, "POST", QUOTAS, raw=b"scope=person",
                 headers={"Content-Type":
                          "application/x-www-form-urlencoded"}),
            415, "Content-Type")
    st, h, _, _ = call(stack, "PUT", QUOTAS, ok)
    c.check("%s: quotas: PUT: 405 with Allow: POST, DELETE" % s,
            st == 405 and h.get("allow") == "POST, DELETE", (st, h))
    c.eq("%s: quotas: bad input set nothing" % s, quota_rows(stack), [])


def open_tests(c, stack, s):
    rc, _, err = stack.admin("user", "add", "alice")
    rc2, key, err2 = stack.admin("key", "create", "alice")
    key = key.strip()
    c.check("%s: set-up: a user and an API key" % s, rc == 0 and rc2 == 0,
            err + err2)
    auth(c, stack, s)
    state(c, stack, s)
    switch(c, stack, s, key)
    rules(c, stack, s, key)
    csrf(c, stack, s)
    badinput(c, stack, s)
    no_operator(c, stack, s)
    cgi_checks(c, stack, s)
    usage(c, stack, s)
    quotas(c, stack, s)
    quota_csrf(c, stack, s)
    quota_badinput(c, stack, s)
    same_errors(c, stack, s)
    audit(c, stack, s)


def main():
    cases = Cases()
    for server in ("nginx", "apache"):
        for label, auth_, test in (("default", None, closed),
                                   ("allow-list", None, allowlist),
                                   ("basic auth", (USER, PASSWORD),
                                    open_tests)):
            work = tempfile.mkdtemp(prefix="jta-admin-%s-" % server)
            stack = harness.Stack(server, jtatest.BUILDDIR, jtatest.SRCDIR,
                                  work, admin_auth=auth_,
                                  admin_ip=test is allowlist)
            s = "%s/%s" % (server, label)
            try:
                stack.start()
                test(cases, stack, s)
            except Exception:
                traceback.print_exc()
                cases.check("%s: test ran to the end" % s, False)
            finally:
                stack.stop()
            bad = jtatest.logs_clean(stack)
            cases.check("%s: no sanitizer report or crash in the logs" % s,
                        not bad, "\n".join(bad[:10]))
            jtatest.keep_if_failed(cases, work)
    cases.finish()


if __name__ == "__main__":
    main()
