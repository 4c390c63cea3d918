"""The chat widget (README "The chat widget") in a real headless Chromium,
under nginx and Apache: a portal page on another loopback origin (a
python http.server here) embeds htdocs/widget/embed.js; widget_browser.js
(Debian's /usr/bin/chromium driven by playwright-core) signs in with a
local user and password in the popup (a public client with PKCE, added
with `jta-admin client add --public`), sends messages and checks the
streamed answer, the preview card, Submit and the ticket link, Attach file
on a card (a file in, a refused one, the next revision) and Submit after
it, the quota
banners, the kill-switch banner, the unavailable state, the German
greeting, and that a page of an origin not listed cannot frame it.  This
side also checks the frame's headers (frame-ancestors exactly
chat_allowed_origins, no X-Frame-Options), the chat's `language` member
and that the frame's own Origin may call the chat.  Screenshots go to
tests/integration/widget-screenshots/ in the build tree (SERVER-NAME.png).
JTA_WIDGET_SERVERS="nginx" runs one web server only (while debugging)."""

import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import traceback
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "standin"))

import harness  # noqa: E402
import jtatest  # noqa: E402
from jtatest import Cases, Client  # noqa: E402
import model as standin  # noqa: E402

USER = "alice"
PASSWORD = "a long widget test password"
CHROMIUM = os.environ.get("JTA_CHROMIUM", "/usr/bin/chromium")
MODULES = os.path.join(jtatest.SRCDIR, "tests", "node_modules")
SHOTS = os.path.join(jtatest.BUILDDIR, "tests", "integration",
                     "widget-screenshots")
MODEL_KEY = "sk-widget-key"
# The shipped CSP of /widget/ (closed), which an operator opens to the
# sites of chat_allowed_origins.
SHIPPED = ("default-src 'self'; connect-src 'self'; base-uri 'none'; "
           "form-action 'none'; frame-ancestors 'none'")


class WidgetStack(harness.Stack):
    """A stack whose /widget/ may be framed by the portal only, as the
    README tells an operator to set it."""

    portal = None

    def _ours(self, path):
        text = super()._ours(path)
        if path in ("nginx-conf/jta-locations.conf", "apache-conf/jta.conf"):
            assert text.count(SHIPPED) == 1, path
            text = text.replace(SHIPPED, SHIPPED.replace(
                "frame-ancestors 'none'", "frame-ancestors " + self.portal))
        return text


class Portal:
    """Two loopback origins: the portal (its page embeds the widget; the
    control URLs the browser script uses live here too) and another site
    that frames /widget/ directly."""

    def __init__(self):
        self.base = None
        self.client_id = None
        self.stack = None
        self.srv = self._server(self._portal_get)
        self.other = self._server(self._other_get)
        self.url = "http://127.0.0.1:%d" % self.srv.server_address[1]
        self.other_url = "http://127.0.0.1:%d" % \
            self.other.server_address[1]

    def _server(self, get):
        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, fmt, *args):
                pass

            def do_GET(self):
                status, ctype, body = get(self.path)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        return srv

    def _portal_get(self, path):
        if path == "/portal.html":
            page = ("<!DOCTYPE html><html lang=\"en\"><head><meta "
                    "charset=\"utf-8\"><title>Intranet portal</title>"
                    "</head><body><h1>Intranet portal</h1><p>Welcome to "
                    "the portal.</p><script src=\"%s/widget/embed.js\" "
                    "data-client-id=\"%s\" defer></script></body></html>"
                    % (self.base, self.client_id))
            return 200, "text/html; charset=utf-8", page.encode()
        if path.startswith("/ctl/"):
            try:
                out = control(self.stack, path[5:])
            except Exception as e:  # reported to the browser script
                out = {"error": repr(e)}
            return 200, "application/json", json.dumps(out).encode()
        return 404, "text/plain", b"no"

    def _other_get(self, path):
        if path == "/other.html":
            page = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                    "<title>Another site</title></head><body><h1>Another"
                    " site</h1><iframe src=\"%s/widget/?client_id=%s\" "
                    "width=\"400\" height=\"300\"></iframe></body></html>"
                    % (self.base, self.client_id))
            return 200, "text/html; charset=utf-8", page.encode()
        return 404, "text/plain", b"no"

    def stop(self):
        for s in (self.srv, self.other):
            s.shutdown()
            s.server_close()


MODEL = standin.Model(key=MODEL_KEY)
MODEL_PORT = MODEL.start()
PORTAL = Portal()


def conf(stack):
    key = os.path.join(stack.workdir, "model.key")
    with open(key, "w") as f:
        f.write(MODEL_KEY + "\n")
    os.chmod(key, 0o600)
    return ("chat_base_url = http://127.0.0.1:%d/v1\n"
            "chat_model = standin-model\n"
            "chat_api_key_file = %s\n"
            "chat_timeout_seconds = 5\n"
            "chat_allowed_origins = %s\n" % (MODEL_PORT, key, PORTAL.url))


def issue_count(stack, key):
    st, _, j, _ = Client(stack, key).call(
        "GET", "/api/issues?project=DEMO&limit=50")
    return len(j["issues"]) if st == 200 and j else None


def submit(body):
    """The model asks to submit the draft it made (kept pending)."""
    d = standin.tool_results(body).get("call_1") or {}
    return standin.tool("submitDraft", {"id": d.get("id", "d_x"),
                                        "revision": d.get("revision", 1)},
                        call_id="call_2")


def control(stack, what):
    """What the browser script asks of the test, between its steps."""
    if what == "stream":
        MODEL.set([standin.text(["Hel", "lo ", "from the stand-in. ",
                                 "See https://example.com/kb/1"],
                                hold=True)])
    elif what == "release":
        MODEL.release()
    elif what == "state":
        sysmsg = ""
        if MODEL.requests:
            sysmsg = MODEL.requests[-1]["body"]["messages"][0]["content"]
        return {"finished": MODEL.finished.is_set(),
                "system": sysmsg[-200:]}
    elif what == "draft":
        MODEL.set([standin.tool("createDraft", {
            "project": "DEMO", "type": "Bug",
            "summary": "Printer on fire"}), submit,
            standin.text(["Please check the preview and submit it."])])
    elif what == "draft2":
        MODEL.set([standin.tool("createDraft", {
            "project": "DEMO", "type": "Bug",
            "summary": "Scanner jams"}), submit,
            standin.text(["Add a log if you have one, then submit."])])
    elif what.startswith("files?key="):
        key = what[len("files?key="):]
        st, _, j, _ = Client(stack, stack.alice_key).call(
            "GET", "/api/issues/" + urllib.parse.quote(key))
        return {"status": st, "names": [a.get("name") for a in (
            j or {}).get("attachments", [])]}
    elif what == "issues":
        return {"count": issue_count(stack, stack.alice_key)}
    elif what == "quota":
        # A daily quota 100 prompt tokens above what alice used so far:
        # the first answer (75) brings her past 70 %, the next message
        # opens with the notice, its answer (25) reaches 100 %, and the
        # one after is refused (429).
        rc, out, err = stack.admin("usage", "--json")
        used = {r["person"]: r for r in json.loads(out)}.get(
            USER, {}).get("prompt_tokens", 0) if rc == 0 else 0
        rc, out, err = stack.admin("quota", "set", "--person", USER,
                                   "--metric", "prompt_tokens", "--limit",
                                   str(used + 100))
        assert rc == 0, err
        MODEL.set([standin.text(["Noted."], prompt=75, completion=1),
                   standin.text(["Noted again."], prompt=25, completion=1)])
    elif what == "noquota":
        rc, out, err = stack.admin("quota", "remove", "--person", USER,
                                   "--metric", "prompt_tokens")
        assert rc == 0, err
    elif what == "off":
        rc, out, err = stack.admin("off", "--message",
                                   "Maintenance until six.")
        assert rc == 0, err
        MODEL.set([])
    elif what == "on":
        rc, out, err = stack.admin("on")
        assert rc == 0, err
    elif what == "badkey":
        MODEL.key = "sk-another-key"
        MODEL.set([standin.text(["never shown"])])
    elif what == "goodkey":
        MODEL.key = MODEL_KEY
    else:
        return {"error": "unknown " + what}
    return {"ok": True}


def headers_checks(cases, stack, s, key):
    st, h, body = stack.request("GET", "/widget/")
    csp = h.get("content-security-policy", "")
    cases.check(s + "/widget/ is served", st == 200 and
                b"widget.js" in body, st)
    fa = re.search(r"frame-ancestors ([^;]*)", csp)
    cases.check(s + "its frame-ancestors is chat_allowed_origins and "
                "nothing else", fa is not None and
                fa.group(1).strip() == PORTAL.url, csp)
    cases.check(s + "no inline script or style allowed",
                "unsafe-inline" not in csp and "default-src 'self'" in csp,
                csp)
    cases.check(s + "no X-Frame-Options on the frame",
                "x-frame-options" not in h, h)
    st, h, _ = stack.request("GET", "/widget/callback.html")
    cases.check(s + "the callback page is never framed",
                st == 200 and "frame-ancestors 'none'" in
                h.get("content-security-policy", "") and
                h.get("x-frame-options") == "DENY", h)
    for f in ("embed.js", "widget.js", "widget.css", "callback.js"):
        st, h, _ = stack.request("GET", "/widget/" + f)
        cases.check(s + "/widget/%s is served with its type" % f,
                    st == 200 and ("javascript" in h.get("content-type", "")
                                   or f.endswith(".css")), (st, h))
    # The frame's own origin (public_url's) may call the chat; another
    # is refused.
    MODEL.set([standin.text(["ok"])])
    st, h, body = stack.request("POST", "/api/chat", body=json.dumps(
        {"message": "hi", "language": "fr-CA"}), headers={
            "Authorization": "Bearer " + key,
            "Content-Type": "application/json", "Origin": stack.base_url})
    cases.check(s + "the frame's own Origin may call the chat",
                st == 200 and b"event: done" in body, (st, body[:300]))
    sysmsg = MODEL.requests[0]["body"]["messages"][0]["content"] \
        if MODEL.requests else ""
    cases.check(s + "language reaches the model after the instructions",
                sysmsg.startswith("# Role") or "# Role" in sysmsg[:2000])
    cases.check(s + "... as the person's language",
                "browser language is fr-CA." in sysmsg, sysmsg[-200:])
    MODEL.set([])
    for lang, want in (("de DE", 422), ("x" * 36, 422), ("<b>", 422),
                       ("1de", 422)):
        st, h, j, _ = Client(stack, key).call(
            "POST", "/api/chat", {"message": "x", "language": lang})
        cases.check(s + "bad language %r is %d naming it" % (lang[:8], want),
                    st == want and j and j.get("field") == "language",
                    (st, j))
    cases.eq(s + "no bad language reached the model", len(MODEL.requests),
             0)
    st, h, j, _ = Client(stack, key).call(
        "POST", "/api/chat", {"message": "x"}, headers={
            "Origin": PORTAL.other_url})
    cases.check(s + "a page of another origin may not call the chat",
                st == 403 and j and j.get("field") == "Origin", (st, j))


def test(cases, stack, server):
    s = server + ": "
    for args in (("user", "add", USER), ("project", "add", "DEMO",
                                         "Demo project")):
        rc, out, err = stack.admin(*args)
        cases.check(s + "set-up: " + " ".join(args), rc == 0, err)
    p = subprocess.run([os.path.join(stack.builddir, "cli", "jta-admin"),
                        "--config", stack.conf, "user", "passwd", USER],
                       input=PASSWORD + "\n", capture_output=True,
                       text=True, timeout=60)
    cases.check(s + "set-up: alice's password", p.returncode == 0,
                p.stderr)
    rc, key, err = stack.admin("key", "create", USER)
    stack.alice_key = key.strip()
    redirect = stack.base_url + "/widget/callback.html"
    rc, out, err = stack.admin("client", "add", "--name", "Chat widget",
                               "--redirect-uri", redirect, "--public")
    m = re.match(r"client_id: (jtac_[0-9a-f]{24})\n$", out)
    cases.check(s + "jta-admin client add --public prints the id only",
                rc == 0 and m is not None and "secret" not in out,
                (rc, out, err))
    rc2, out2, _ = stack.admin("client", "list")
    listed = [c for c in json.loads(out2) if m and
              c["client_id"] == m.group(1)] if rc2 == 0 else []
    cases.check(s + "listed as public", len(listed) == 1 and
                listed[0]["public"] is True and
                listed[0]["redirect_uris"] == [redirect], out2)
    if m is None:
        return
    PORTAL.base = stack.base_url
    PORTAL.client_id = m.group(1)
    PORTAL.stack = stack
    headers_checks(cases, stack, s, stack.alice_key)

    env = dict(os.environ, NODE_PATH=MODULES, JTA_CHROMIUM=CHROMIUM)
    p = subprocess.run(["node", os.path.join(HERE, "widget_browser.js"),
                        stack.base_url, PORTAL.url + "/portal.html",
                        PORTAL.other_url + "/other.html",
                        PORTAL.url + "/ctl", USER, PASSWORD, SHOTS,
                        server], capture_output=True, text=True,
                       timeout=150, env=env,
                       cwd=os.path.join(jtatest.SRCDIR, "tests"))
    for line in p.stdout.splitlines():
        mm = re.match(r"(not ok|ok) - (.*)", line)
        if mm:
            cases.check(s + "chromium: " + mm.group(2),
                        mm.group(1) == "ok")
        elif line.startswith("#"):
            print(line)
    cases.check(s + "chromium: the script exited 0", p.returncode == 0,
                p.stderr[-2000:])
    for f in ("widget-streaming.png", "widget-preview.png",
              "widget-submitted.png", "widget-attached.png",
              "widget-quota-notice.png",
              "widget-quota-block.png", "widget-off.png",
              "widget-unavailable.png", "widget-de.png",
              "widget-other-origin.png"):
        fp = os.path.join(SHOTS, server + "-" + f)
        cases.check(s + "screenshot %s saved" % f, os.path.exists(fp) and
                    os.path.getsize(fp) > 1000, fp)
    rc, out, _ = stack.admin("status")
    cases.check(s + "the service is on at the end", rc == 0 and
                "state:   on" in out, out)


def main():
    missing = [x for x in (CHROMIUM, os.path.join(MODULES,
                                                  "playwright-core"))
               if not os.path.exists(x)]
    if missing:
        print("# skip: %s absent (sh cli/deps.sh test installs them)" %
              ", ".join(missing))
        sys.exit(77)
    os.makedirs(SHOTS, exist_ok=True)
    cases = Cases()
    for server in os.environ.get("JTA_WIDGET_SERVERS", "nginx apache").split():
        work = tempfile.mkdtemp(prefix="jta-widget-%s-" % server)
        stack = WidgetStack(server, jtatest.BUILDDIR, jtatest.SRCDIR, work,
                            conf)
        stack.portal = PORTAL.url
        try:
            stack.start()
            test(cases, stack, server)
        except Exception:
            traceback.print_exc()
            cases.check(server + ": test ran to the end", False)
        finally:
            stack.stop()
        bad = jtatest.logs_clean(stack)
        cases.check(server + ": no sanitizer report or crash in the logs",
                    not bad, "\n".join(bad[:10]))
        jtatest.keep_if_failed(cases, work)
    cases.finish()


if __name__ == "__main__":
    try:
        main()
    finally:
        MODEL.stop()
        PORTAL.stop()

