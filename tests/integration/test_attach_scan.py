"""Virus scanning of every kept file (issue 18 item 2, README "Attachments:
virus scanning") against a REAL clamd, under nginx and Apache.

The test runs its own clamd (Debian's clamav-daemon) on a Unix socket in a
temporary directory, with a configuration of its own and a signature
database it writes itself: one MD5 signature (.hdb) of EICAR's test file,
so no network and no freshclam.  One clamd for the run (stopped and started
again for the recovery case).  Through createDraft on the embedded store:
EICAR is refused (422 naming the file and "virus") and audited ("refused
NAME: SIGNATURE"), never kept; a clean file is kept; clamd stopped is a 503
with Retry-After (fail closed), and files go in again once it is back; a
stand-in on clamd's socket that never answers is a timeout (503) and one
that answers garbage is refused too (503); a file over clamd's
StreamMaxLength is refused (503).  jta-admin attachment check
reports the scanner (reachable, its version; not reachable).  Skipped
(exit 77) when clamd is not installed.  Standard library only."""

import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jtatest  # noqa: E402
from jtatest import Client  # noqa: E402

sys.path.insert(0, os.path.join(jtatest.SRCDIR, "tests", "standin"))
import filehost  # noqa: E402  (FILES["/eicar"]: EICAR's test file)

HOST = {}
CLAMD = {}
EICAR = filehost.FILES["/eicar"]
SIGNATURE = "Jta.Test.EICAR"


def clamd_binary():
    for p in (shutil.which("clamd"), "/usr/sbin/clamd"):
        if p and os.access(p, os.X_OK):
            return p
    return None


def clamd_setup(work):
    """clamd's configuration and its one-signature database in work."""
    d = os.path.join(work, "clamd")
    os.makedirs(os.path.join(d, "db"))
    # An MD5 signature: md5:size:name (ClamAV's "Creating signatures":
    # hash-based signatures); clamd adds ".UNOFFICIAL" to its name.
    with open(os.path.join(d, "db", "jta-test.hdb"), "w") as f:
        f.write("%s:%d:%s\n" % (hashlib.md5(EICAR).hexdigest(), len(EICAR),
                                SIGNATURE))
    conf = os.path.join(d, "clamd.conf")
    with open(conf, "w") as f:
        f.write("LocalSocket %s\n" % os.path.join(d, "clamd.sock") +
                "Foreground yes\n"
                "DatabaseDirectory %s\n" % os.path.join(d, "db") +
                "LogFile %s\n" % os.path.join(d, "clamd.log") +
                "TemporaryDirectory %s\n" % d +
                # Below attachment_max_bytes (5000), which the README
                # says it must not be: a file over it is refused (503).
                "StreamMaxLength 4K\n")
    CLAMD.update(conf=conf, sock=os.path.join(d, "clamd.sock"), proc=None,
                 dir=d)


def clamd_ping():
    try:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(2)
        s.connect(CLAMD["sock"])
        s.sendall(b"zPING\0")
        r = s.recv(64)
        s.close()
        return r == b"PONG\0"
    except OSError:
        return False


def clamd_start():
    CLAMD["proc"] = subprocess.Popen(
        [CLAMD["bin"], "-c", CLAMD["conf"]], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    for _ in range(300):    # loading one signature takes a moment
        if clamd_ping():
            return True
        if CLAMD["proc"].poll() is not None:
            break
        time.sleep(0.1)
    with open(os.path.join(CLAMD["dir"], "clamd.log"), errors="replace") as f:
        sys.stderr.write(f.read()[-2000:])
    return False


def clamd_stop():
    p = CLAMD.get("proc")
    if p is not None and p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    CLAMD["proc"] = None
    if os.path.exists(CLAMD["sock"]):
        os.unlink(CLAMD["sock"])


class StandIn:
    """A listener on clamd's socket path that reads and never answers
    (mode "silent") or answers garbage ("garbage")."""

    def __init__(self, mode):
        self.mode = mode
        self.s = socket.socket(socket.AF_UNIX)
        self.s.bind(CLAMD["sock"])
        self.s.listen(8)
        self.conns = []
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while True:
            try:
                c, _ = self.s.accept()
            except OSError:
                return
            self.conns.append(c)
            if self.mode == "garbage":
                try:
                    c.recv(65536)
                    c.sendall(b"stream: \x01\x02 ?? \xff\0")
                except OSError:
                    pass

    def close(self):
        self.s.close()
        for c in self.conns:
            c.close()
        if os.path.exists(CLAMD["sock"]):
            os.unlink(CLAMD["sock"])


def conf(_stack):
    return ("attachment_fetch_hosts = 127.0.0.1:%s\n"
            "attachment_fetch_allow_loopback = on\n"
            "attachment_fetch_test_ca_file = %s\n"
            "attachment_max_bytes = 5000\n"
            "attachment_clamd_socket = %s\n"
            "attachment_clamd_timeout_ms = 1000\n"
            % (HOST["port"], HOST["cert"], CLAMD["sock"]))


def ref(path, name, mime):
    return {"name": name, "id": "file-" + name.replace(".", "")[:20],
            "mime_type": mime,
            "download_link": "https://127.0.0.1:%s%s" % (HOST["port"], path)}


def kept(stack):
    d = os.path.join(stack.workdir, "attachments")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def audit_rows(stack):
    c = sqlite3.connect(os.path.join(stack.workdir, "jta.db"), timeout=10)
    try:
        return c.execute("SELECT issue_key, status, detail FROM audit_log "
                         "WHERE action = 'attach' ORDER BY id").fetchall()
    finally:
        c.close()


def logs_text(stack):
    out = []
    d = os.path.join(stack.workdir, "logs")
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        with open(os.path.join(d, name), "rb") as f:
            out.append(f.read())
    return b"".join(out)


def scan_test(c, stack, server):
    s = server + ": "
    stack.admin("user", "add", "alice")
    _, key, _ = stack.admin("key", "create", "alice")
    alice = Client(stack, key.strip())
    stack.admin("project", "add", "DEMO", "Demo")
    png = ref("/png", "screen.png", "image/png")
    eicar = ref("/eicar", "eicar.txt", "text/plain")

    rc, out, err = stack.admin("attachment", "check")
    c.check(s + "jta-admin attachment check: the scanner is reachable, "
            "with clamd's version", rc == 0 and "scanner: reachable" in out
            and "ClamAV " in out, (rc, out, err))

    st, _, e, _ = alice.call("POST", "/api/drafts", {
        "project": "DEMO", "summary": "Look at this",
        "openaiFileIdRefs": [png, eicar]})
    det = (e or {}).get("detail", "")
    c.check(s + "EICAR: 422 naming openaiFileIdRefs, the file, 'virus' and "
            "the signature", st == 422 and
            e.get("field") == "openaiFileIdRefs" and
            det.startswith("eicar.txt: ") and "virus" in det and
            SIGNATURE in det, (st, e))
    c.eq(s + "... nothing is kept (the draft is not made)", kept(stack), [])
    rows = audit_rows(stack)
    c.check(s + "... and the refusal is audited: refused NAME: SIGNATURE",
            any(r[2] == "refused eicar.txt: %s.UNOFFICIAL" % SIGNATURE and
                r[1] == 422 for r in rows), rows)

    st, _, d, _ = alice.call("POST", "/api/drafts", {
        "project": "DEMO", "summary": "A clean screenshot",
        "openaiFileIdRefs": [png]})
    c.check(s + "a clean file is scanned and kept: 201, listed",
            st == 201 and [a["name"] for a in d["preview"]["attachments"]]
            == ["screen.png"] and len(kept(stack)) == 1, (st, d))
    n = len(kept(stack))
    did = (d or {}).get("id", "")

    st, _, e, _ = alice.call("PATCH", "/api/drafts/" + did, {
        "openaiFileIdRefs": [eicar]})
    c.check(s + "updateDraft with EICAR: 422 naming the file and 'virus', "
            "nothing more kept", st == 422 and (e or {}).get(
                "detail", "").startswith("eicar.txt: ") and
            "virus" in e.get("detail", "") and len(kept(stack)) == n,
            (st, e))
    c.eq(s + "... audited too (two refusals now)", sum(
        1 for r in audit_rows(stack)
        if r[2].startswith("refused eicar.txt: ")), 2)

    # attachFiles (a ticket that exists) goes through the same scanner.
    _, _, cur, _ = alice.call("GET", "/api/drafts/" + did)
    st, _, t, _ = alice.call("POST", "/api/drafts/%s/submit" % did,
                             {"revision": (cur or {}).get("revision", 1)})
    tkey = ((t or {}).get("issue") or {}).get("key", "")
    n = len(kept(stack))
    st2, _, e, _ = alice.call("POST", "/api/issues/%s/attachments" % tkey,
                              {"openaiFileIdRefs": [eicar]})
    c.check(s + "attachFiles with EICAR: 422 naming the file and 'virus', "
            "nothing more kept", st in (200, 201) and st2 == 422 and
            (e or {}).get("field") == "openaiFileIdRefs" and
            "virus" in json.dumps(e) and len(kept(stack)) == n,
            (st, t, st2, e))
    c.eq(s + "... audited with the ticket's key", sum(
        1 for r in audit_rows(stack)
        if r[2].startswith("refused eicar.txt: ")), 3)

    st, h, e, _ = alice.call("POST", "/api/drafts", {
        "project": "DEMO", "summary": "Over clamd's StreamMaxLength",
        "openaiFileIdRefs": [ref("/bytes/4500", "big.log", "text/plain")]})
    c.check(s + "a file over clamd's StreamMaxLength (4K here): clamd "
            "answers an error, the file is refused with 503, not kept",
            st == 503 and "answered an error" in (e or {}).get("detail", "")
            and "big.log" in e.get("detail", "") and
            len(kept(stack)) == n, (st, e))

    clamd_stop()
    st, h, e, _ = alice.call("POST", "/api/drafts", {
        "project": "DEMO", "summary": "Scanner down",
        "openaiFileIdRefs": [png]})
    c.check(s + "clamd stopped: 503 + Retry-After naming the file, the "
            "scanner, and that nothing is kept unscanned", st == 503 and
            int(h.get("retry-after", "0")) > 0 and
            e.get("field") == "openaiFileIdRefs" and
            "screen.png" in e.get("detail", "") and
            "virus scanner" in e.get("detail", "") and
            "never kept unscanned" in e.get("detail", ""), (st, h, e))
    c.eq(s + "... nothing more is kept", len(kept(stack)), n)
    rc, out, _ = stack.admin("attachment", "check")
    c.check(s + "jta-admin attachment check: not reachable, exit 1",
            rc == 1 and "NOT reachable" in out, (rc, out))

    for mode, why in (("silent", "timed out"),
                      ("garbage", "unreadable")):
        si = StandIn(mode)
        try:
            st, h, e, _ = alice.call("POST", "/api/drafts", {
                "project": "DEMO", "summary": "Scanner " + mode,
                "openaiFileIdRefs": [png]})
        finally:
            si.close()
        c.check(s + "a %s stand-in on clamd's socket: 503 (%s) + "
                "Retry-After, nothing kept" % (mode, why), st == 503 and
                why in e.get("detail", "") and
                int(h.get("retry-after", "0")) > 0 and
                len(kept(stack)) == n, (st, h, e))

    c.check(s + "clamd starts again", clamd_start())
    st, _, d, _ = alice.call("POST", "/api/drafts", {
        "project": "DEMO", "summary": "Scanner back",
        "openaiFileIdRefs": [png]})
    c.check(s + "... and files go in again: 201", st == 201 and
            len(kept(stack)) == n + 1, (st, d))
    c.check(s + "the file's content never reaches the logs",
            b"EICAR-STANDARD" not in logs_text(stack))


def main():
    CLAMD["bin"] = clamd_binary()
    if CLAMD["bin"] is None:
        print("SKIP: clamd is not installed (Debian's clamav-daemon; "
              "sh cli/deps.sh test installs it)")
        sys.exit(77)
    work = tempfile.mkdtemp(prefix="jta-it-scan-")
    clamd_setup(work)
    d = os.path.join(work, "files")
    os.makedirs(d)
    p = subprocess.Popen(["python3", os.path.join(
        jtatest.SRCDIR, "tests", "standin", "filehost.py"), d],
        stdout=subprocess.PIPE, text=True)
    _, port, cert = p.stdout.readline().split()
    HOST.update(proc=p, port=port, cert=cert)
    try:
        if not clamd_start():
            print("FAIL: clamd did not start with the test's configuration")
            sys.exit(1)
        jtatest.run_modes([("local", scan_test, conf)], "scan",
                          cleanup=clamd_stop)
    finally:
        clamd_stop()
        p.kill()


if __name__ == "__main__":
    main()
