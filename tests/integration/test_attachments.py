"""A draft's files (issue 18, README "Attachments") over real HTTP, under
nginx and Apache, with the loopback file host (tests/standin/filehost.py)
as the host ChatGPT's download links point at.

Jira mode against the Atlassian stand-in: createDraft takes
openaiFileIdRefs at once and the preview lists them; a refused file is a
4xx naming it and why (the draft is not kept); updateDraft adds files;
submitDraft uploads each to Jira's POST /rest/api/3/issue/{key}/
attachments as multipart (the stand-in's spec check validates the
request against Atlassian's platform document) exactly once, also when
the stand-in loses the upload's answer; the kept files are removed from
the state directory once uploaded, and a discarded draft's files go with
it; each file is audited, never its content or link.  The embedded store
keeps the files with the ticket (a row each, written with the draft
file's uploaded mark), lists them in getIssue and never twice.  Standard library only."""

import base64
import concurrent.futures
import hashlib
import hmac
import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jtatest  # noqa: E402
from jtatest import Client  # noqa: E402

sys.path.insert(0, os.path.join(jtatest.SRCDIR, "tests", "standin"))
import jiratest  # noqa: E402
from jiratest import link, standin  # noqa: E402
import filehost  # noqa: E402  (FILES: what each path serves)

HOST = {}


def start_host(work):
    d = os.path.join(work, "files")
    os.makedirs(d)
    p = subprocess.Popen(["python3", os.path.join(
        jtatest.SRCDIR, "tests", "standin", "filehost.py"), d],
        stdout=subprocess.PIPE, text=True)
    _, port, cert = p.stdout.readline().split()
    HOST.update(proc=p, port=port, cert=cert,
                base="https://127.0.0.1:%s" % port)


def host_conf():
    return ("attachment_fetch_hosts = 127.0.0.1:%s\n"
            "attachment_fetch_allow_loopback = on\n"
            "attachment_fetch_test_ca_file = %s\n"
            "attachment_max_bytes = 5000\n" % (HOST["port"], HOST["cert"]))


def ref(path, name, mime):
    return {"name": name, "id": "file-" + name.replace(".", "")[:20],
            "mime_type": mime, "download_link": HOST["base"] + path}


def kept(stack):
    d = os.path.join(stack.workdir, "attachments")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def audit_rows(stack):
    c = sqlite3.connect(os.path.join(stack.workdir, "jta.db"), timeout=10)
    try:
        return c.execute("SELECT action, issue_key, detail FROM audit_log "
                         "WHERE action = 'attach' ORDER BY id").fetchall()
    finally:
        c.close()


def jira_test(c, stack, server):
    s = server + " jira: "
    alice = Client(stack, link(stack))
    png = ref("/png", "screen.png", "image/png")
    log = ref("/text", "app.log", "text/plain")

    st, _, d, _ = alice.call("POST", "/api/drafts", {
        "project": "OPS", "summary": "Printer shows an error",
        "openaiFileIdRefs": [png, log]})
    c.check(s + "a draft with two files is 201", st == 201, d)
    did = (d or {}).get("id", "")
    att = ((d or {}).get("preview") or {}).get("attachments")
    c.eq(s + "the preview lists them (name, type, size)", att, [
        {"name": "screen.png", "type": "image/png",
         "size": len(filehost.FILES["/png"])},
        {"name": "app.log", "type": "text/plain",
         "size": len(filehost.FILES["/text"])}])
    files = kept(stack)
    c.eq(s + "two files kept under the state directory", len(files), 2)
    c.check(s + "... each mode 0600", all(
        os.stat(os.path.join(stack.workdir, "attachments", f)).st_mode &
        0o777 == 0o600 for f in files), files)
    st, _, g, _ = alice.call("GET", "/api/drafts/" + did)
    c.eq(s + "getDraft lists them too", (g or {}).get("preview", {}).get(
        "attachments"), att)

    # A refused file: 4xx naming it and why; nothing is kept.
    before = kept(stack)
    st, _, e, _ = alice.call("POST", "/api/drafts", {
        "project": "OPS", "summary": "Wrong type",
        "openaiFileIdRefs": [ref("/png", "fine.png", "image/png"),
                             ref("/png", "fake.pdf", "application/pdf")]})
    c.check(s + "a file whose content belies its type: 4xx naming "
            "openaiFileIdRefs, the file and the reason, and the one that "
            "was fine", 400 <= st < 500 and
            e.get("field") == "openaiFileIdRefs" and "fake.pdf" in
            e.get("detail", "") and "mime_type" in e.get("detail", "") and
            "fine.png" in e.get("detail", ""), (st, e))
    c.eq(s + "... and no draft or file is kept", kept(stack), before)
    st, _, e, _ = alice.call("POST", "/api/drafts", {
        "project": "OPS", "summary": "Off the list",
        "openaiFileIdRefs": [dict(png, download_link=(
            "https://localhost:%s/png" % HOST["port"]))]})
    c.check(s + "a host off the allow-list is refused (host)",
            400 <= st < 500 and "host" in e.get("detail", ""), (st, e))
    st, _, e, _ = alice.call("POST", "/api/drafts", {
        "project": "OPS", "summary": "Bad refs",
        "openaiFileIdRefs": [{"name": "x.png"}]})
    c.check(s + "a reference without its members: 422 naming the field",
            st == 422 and e.get("field") == "openaiFileIdRefs", (st, e))

    # updateDraft adds a file.
    st, _, u, _ = alice.call("PATCH", "/api/drafts/" + did, {
        "openaiFileIdRefs": [ref("/pdf", "manual.pdf", "application/pdf")]})
    c.check(s + "updateDraft adds a file; the preview lists three",
            st == 200 and [a["name"] for a in u["preview"]["attachments"]]
            == ["screen.png", "app.log", "manual.pdf"], (st, u))
    c.eq(s + "... and the draft moves to revision 2", u.get("revision"), 2)
    st, _, e, _ = alice.call("POST", "/api/drafts/%s/submit" % did,
                             {"revision": 1})
    c.check(s + "a submit of the revision before the files is stale "
            "(409), attaches nothing", st == 409 and
            standin.state()["attachments_added"] == 0, (st, e))

    # Submit: the ticket, then each file.
    n0 = standin.state()["attachments_added"]
    st, h, r, _ = alice.call("POST", "/api/drafts/%s/submit" % did,
                             {"revision": u.get("revision", 1)})
    key = ((r or {}).get("issue") or {}).get("key")
    c.check(s + "submit is 201", st == 201, (st, r))
    c.eq(s + "the answer lists the attached files", [
        a["name"] for a in (r or {}).get("attachments", [])],
        ["screen.png", "app.log", "manual.pdf"])
    iss = jiratest.get_url(standin.url + "/_standin/issues/%s" % key)[2]
    iss = json.loads(iss)
    c.eq(s + "Jira holds each file once, byte for byte", sorted(
        (a["filename"], a["mimeType"], a["sha256"])
        for a in iss["attachments"]), sorted([
            ("screen.png", "image/png",
             hashlib.sha256(filehost.FILES["/png"]).hexdigest()),
            ("app.log", "text/plain",
             hashlib.sha256(filehost.FILES["/text"]).hexdigest()),
            ("manual.pdf", "application/pdf",
             hashlib.sha256(filehost.FILES["/pdf"]).hexdigest())]))
    c.eq(s + "three uploads", standin.state()["attachments_added"] - n0, 3)
    c.eq(s + "the uploaded files are gone from the state directory",
         kept(stack), [])
    st, _, gi, _ = alice.call("GET", "/api/issues/" + key)
    c.eq(s + "getIssue lists them", sorted(
        a["name"] for a in (gi or {}).get("attachments", [])),
        ["app.log", "manual.pdf", "screen.png"])
    jira_text_test(c, s, alice, key, gi)
    st, _, r2, _ = alice.call("POST", "/api/drafts/%s/submit" % did,
                              {"revision": u.get("revision", 1)})
    c.check(s + "a repeat submit answers the same, attaches nothing",
            st == 200 and r2.get("issue", {}).get("key") == key and
            standin.state()["attachments_added"] - n0 == 3, (st, r2))

    # The lost answer: Jira attaches the file, the answer never comes.
    st, _, d2, _ = alice.call("POST", "/api/drafts", {
        "project": "OPS", "summary": "Upload answer lost",
        "openaiFileIdRefs": [png]})
    n0 = standin.state()["attachments_added"]
    standin.config(faults=[{"kind": "drop", "method": "POST",
                            "path_prefix": "/rest/api/3/issue/OPS-",
                            "count": 1}])
    st, h, e, _ = alice.call("POST", "/api/drafts/%s/submit" % d2["id"],
                             {"revision": 1})
    c.check(s + "upload answer lost: 503 + Retry-After naming the field, "
            "the ticket filed", st == 503 and int(h.get("retry-after",
                                                        "0")) > 0 and
            e.get("field") == "openaiFileIdRefs" and
            standin.state()["attachments_added"] - n0 == 1, (st, h, e))
    time.sleep(float(h.get("retry-after", "1")) if st == 503 else 0)
    st, _, r3, _ = alice.call("POST", "/api/drafts/%s/submit" % d2["id"],
                              {"revision": 1})
    key2 = ((r3 or {}).get("issue") or {}).get("key")
    c.check(s + "the retried submit finishes: the file is on the issue "
            "once, never uploaded twice", st == 200 and
            [a["name"] for a in r3.get("attachments", [])] ==
            ["screen.png"] and
            standin.state()["attachments_added"] - n0 == 1, (st, r3))
    iss2 = json.loads(jiratest.get_url(
        standin.url + "/_standin/issues/%s" % key2)[2]) if key2 else {}
    c.eq(s + "... Jira holds it once", [a["filename"] for a in
                                        iss2.get("attachments", [])],
         ["screen.png"])

    # Many submits of one draft with files at once: each file goes on
    # once (the others wait for the lock, or find it marked).
    st, _, d4, _ = alice.call("POST", "/api/drafts", {
        "project": "OPS", "summary": "Submitted eight times at once",
        "openaiFileIdRefs": [png, log]})
    n0 = standin.state()["attachments_added"]

    def one(_):
        return alice.call("POST", "/api/drafts/%s/submit" % d4["id"],
                          {"revision": 1})[:3]
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        res = list(ex.map(one, range(8)))
    for _ in range(20):
        if all(r[0] in (200, 201) for r in res):
            break
        time.sleep(1)
        res = [r if r[0] in (200, 201) else one(0) for r in res]
    keys = {(r[2] or {}).get("issue", {}).get("key") for r in res}
    c.check(s + "eight submits at once: one ticket, each file attached "
            "once, every submit finally answers it", len(keys) == 1 and
            None not in keys and
            standin.state()["attachments_added"] - n0 == 2,
            ([(r[0], r[2]) for r in res], keys))

    # Discard: the draft's files go with it.
    st, _, d3, _ = alice.call("POST", "/api/drafts", {
        "project": "OPS", "summary": "Discarded with a file",
        "openaiFileIdRefs": [log]})
    c.eq(s + "one more file kept", len(kept(stack)), 1)
    st, _, _, _ = alice.call("DELETE", "/api/drafts/" + d3["id"])
    c.check(s + "discarding the draft removes its file", st == 204 and
            kept(stack) == [], (st, kept(stack)))

    # Service-desk requests cannot take files yet: refused, not dropped.
    st, _, e, _ = alice.call("POST", "/api/drafts", {
        "project": "ITH", "summary": "Laptop", "request_type": "Laptop",
        "openaiFileIdRefs": [png]})
    c.check(s + "a service-desk request with files: 422 naming the field",
            st == 422 and e.get("field") == "openaiFileIdRefs", (st, e))

    rows = audit_rows(stack)
    c.check(s + "each file audited (kept, attached, found on), by name, "
            "type and size, never its link",
            any("attached screen.png (image/png, %d bytes)" %
                len(filehost.FILES["/png"]) in r[2] and r[1] == key
                for r in rows) and
            any(r[2].startswith("found on screen.png") and r[1] == key2
                for r in rows) and
            not any("127.0.0.1" in r[2] for r in rows), rows)


def ticket_rows(stack):
    c = sqlite3.connect(os.path.join(stack.workdir, "jta.db"), timeout=10)
    try:
        return c.execute("SELECT name, type, size, path, sha256, author "
                         "FROM ticket_attachments ORDER BY id").fetchall()
    finally:
        c.close()


def link_key(stack):
    """The link key as libsodium derives it (crypto_kdf_derive_from_key:
    BLAKE2b-256 keyed with the master key, salt the subkey id 2 in little
    endian, personal "jta-vlt1"), made here independently of the C code."""
    with open(os.path.join(stack.workdir, "vault.key")) as f:
        master = bytes.fromhex(f.read().strip())
    return hashlib.blake2b(b"", digest_size=32, key=master,
                           salt=(2).to_bytes(8, "little") + bytes(8),
                           person=b"jta-vlt1" + bytes(8)).digest()


def sign(stack, fid, expires):
    """A link's path as jta_files_link makes it: HMAC-SHA-512-256
    (crypto_auth) over "jta-file-link:v1:ID:EXPIRES", base64url."""
    mac = hmac.new(link_key(stack), ("jta-file-link:v1:%s:%d" % (
        fid, expires)).encode(), hashlib.sha512).digest()[:32]
    return "/files/%s?e=%d&s=%s" % (fid, expires, base64.urlsafe_b64encode(
        mac).decode().rstrip("="))


def links_test(c, stack, s, att):
    """The links getIssue gives: opened with no token, the file's bytes
    with the headers that make a browser save it; anything else 403."""
    want = {"screen.png": filehost.FILES["/png"],
            "app.log": filehost.FILES["/text"]}
    paths = {}
    for a in att:
        u = urllib.parse.urlsplit(a.get("url") or "")
        paths[a["name"]] = u.path + "?" + u.query
        q = urllib.parse.parse_qs(u.query)
        exp = int((q.get("e") or ["0"])[0])
        c.check(s + a["name"] + ": the link is public_url/files/ID, "
                "expiring in about an hour", u.path == "/files/" + a["id"]
                and time.time() < exp <= time.time() + 3601 and
                a["url"].startswith("http://127.0.0.1:%d/" % stack.port),
                a["url"])
        st, h, body = stack.request("GET", paths[a["name"]])
        c.check(s + a["name"] + ": opened without a token, 200 and the "
                "file's bytes", st == 200 and body == want[a["name"]],
                (st, h, body[:80]))
        c.eq(s + a["name"] + ": the headers that make a browser save it",
             (h.get("content-type"), h.get("content-disposition"),
              h.get("x-content-type-options"),
              h.get("content-security-policy"), h.get("cache-control"),
              # Apache's mod_proxy_fcgi may drop it for a streamed body
              h.get("content-length", str(len(want[a["name"]])))),
             (a["type"], 'attachment; filename="%s"' % a["name"],
              "nosniff", "sandbox", "private", str(len(want[a["name"]]))))
        st, h, body = stack.request("HEAD", paths[a["name"]])
        c.check(s + a["name"] + ": HEAD is 200 with the headers, no body",
                st == 200 and body == b"" and h.get(
                    "content-disposition", "").startswith("attachment") and
                h.get("content-length", str(len(want[a["name"]]))) ==
                str(len(want[a["name"]])), (st, h, body))
        c.eq(s + a["name"] + ": the link made here is the one given",
             sign(stack, a["id"], exp), paths[a["name"]])
    png, log = paths["screen.png"], paths["app.log"]
    pid, logid = png.split("?")[0][7:], log.split("?")[0][7:]
    sig = png.rpartition("&s=")[2]
    later = int(time.time()) + 600
    bad = [
        ("a forged signature", png[:-4] + ("AAAA" if png[-4:] != "AAAA"
                                           else "BBBB")),
        ("another id with a valid link's signature",
         log.split("?")[0] + "?" + png.split("?")[1]),
        ("a later expiry with the old signature",
         "/files/%s?e=%d&s=%s" % (pid, later, sig)),
        ("no signature", png.split("&s=")[0]),
        ("no query", png.split("?")[0]),
        ("an id that does not exist, forged", "/files/999999?e=%d&s=%s" % (
            later, sig)),
        ("an id that is not a number", "/files/x%s?e=%d&s=%s" % (
            pid, later, sig)),
        ("a path in the id", "/files/..%%2f%s?e=%d&s=%s" % (
            pid, later, sig)),
        ("an expired link with a good signature",
         sign(stack, pid, int(time.time()) - 5)),
    ]
    for what, path in bad:
        st, h, body = stack.request("GET", path)
        p = jtatest.body_json(body) or {}
        # A path trick may be refused by the web server itself.
        c.check(s + what + ": 403 or 404 problem+json, no file bytes",
                st in (403, 404) and (what.startswith("a path") or h.get(
                    "content-type", "").startswith(
                        "application/problem+json")) and
                want["screen.png"] not in body and
                want["app.log"] not in body, (st, h, body[:200]))
        if what.startswith("an expired"):
            c.check(s + what + ": says it expired (field e)", st == 403 and
                    p.get("field") == "e", p)
    # The same answer for a forged link to an id that exists and to one
    # that does not: nothing says which ids exist.
    answers = []
    for path in ("/files/%s?e=%d&s=%s" % (logid, later, sig),
                 "/files/999999?e=%d&s=%s" % (later, sig)):
        st, _, body = stack.request("GET", path)
        p = jtatest.body_json(body) or {}
        answers.append((st, p.get("field"), p.get("detail")))
    c.check(s + "a bad link to an existing and to an unknown id answer "
            "alike (403)", answers[0] == answers[1] and
            answers[0][0] == 403, answers)
    # A good link to a file whose ticket is gone: kept for after delete.
    LINKS[stack.workdir] = png


LINKS = {}


def jira_text_test(c, s, who, key, gi):
    """getAttachmentText in Jira mode (attachment_text_max_bytes = 150
    here): the issue's list, the metadata, then at most 150 bytes of
    GET /rest/api/3/attachment/content/{id}?redirect=false."""
    ids = {a["name"]: a["id"] for a in (gi or {}).get("attachments", [])}
    st, _, t, _ = who.call("GET", "/api/issues/%s/attachments/%s/text" % (
        key, ids.get("app.log")))
    c.eq(s + "getAttachmentText of the uploaded log: all of it", (st, t), (
        200, {"id": ids.get("app.log"), "name": "app.log",
              "type": "text/plain", "size": len(filehost.FILES["/text"]),
              "text": filehost.FILES["/text"].decode(),
              "truncated": False}))
    st, _, t, _ = who.call("GET", "/api/issues/%s/attachments/%s/text" % (
        key, ids.get("screen.png")))
    c.check(s + "an image is refused, 422 naming id and its type",
            st == 422 and (t or {}).get("field") == "id" and
            "image/png" in (t or {}).get("detail", ""), (st, t))
    # The seeded OPS-3 has a 1890-byte log; read its first 150 bytes.
    st, _, o3, _ = who.call("GET", "/api/issues/OPS-3")
    seeded = {a["name"]: a["id"] for a in (o3 or {}).get("attachments", [])}
    st, _, t, _ = who.call("GET", "/api/issues/OPS-3/attachments/%s/text"
                           % seeded.get("backup-db-2.log"))
    c.check(s + "a long log: its first 150 bytes, the error line in them, "
            "truncated", st == 200 and (t or {}).get("truncated") is True
            and len((t or {}).get("text", "")) == 150 and
            "ERROR disk full on /var/backups" in t.get("text", "") and
            t.get("size") == 1890, (st, t))
    st, _, t, _ = who.call("GET", "/api/issues/OPS-3/attachments/%s/text"
                           % ids.get("app.log"))
    c.check(s + "another issue's attachment id: 404 naming id", st == 404
            and (t or {}).get("field") == "id", (st, t))


def text_test(c, stack, s, who, key, att):
    """getAttachmentText on the embedded store (attachment_text_max_bytes
    = 15 here): a text file cut at a character's boundary, an image
    refused naming id, another ticket's or no file 404, no key 401."""
    ids = {a["name"]: a["id"] for a in att}
    path = "/api/issues/%s/attachments/%%s/text" % key
    st, _, t, _ = who.call("GET", path % ids["app.log"])
    c.eq(s + "a text attachment's first 15 bytes, cut before the "
         "character they split", (st, t), (200, {
             "id": ids["app.log"], "name": "app.log", "type": "text/plain",
             "size": len(filehost.FILES["/text"]),
             "text": "ERROR 42: d\u00e9j", "truncated": True}))
    st, _, t, _ = who.call("GET", (path % ids["app.log"]).replace(
        key, key.lower()))
    c.check(s + "the key in lower case reads it too", st == 200, (st, t))
    st, _, t, _ = who.call("GET", path % ids["screen.png"])
    c.check(s + "an image is refused, 422 naming id and its type",
            st == 422 and (t or {}).get("field") == "id" and
            "image/png" in (t or {}).get("detail", ""), (st, t))
    for what, p in (("an id the ticket has not", path % "999999"),
                    ("an id that is no number", path % "x1"),
                    ("another ticket's key", "/api/issues/%s-999/"
                     "attachments/%s/text" % (key.split("-")[0],
                                              ids["app.log"]))):
        st, _, t, _ = who.call("GET", p)
        c.check(s + what + ": 404", st == 404, (st, t))
    st, _, t, _ = Client(stack).call("GET", path % ids["app.log"])
    c.check(s + "without a key: 401", st == 401, (st, t))


def local_test(c, stack, server):
    s = server + " local: "
    rc, out, err = stack.admin("user", "add", "alice")
    rc, out, err = stack.admin("key", "create", "alice")
    alice = Client(stack, out.strip())
    stack.admin("project", "add", "DEMO", "Demo")
    png = ref("/png", "screen.png", "image/png")
    log = ref("/text", "app.log", "text/plain")
    st, _, d, _ = alice.call("POST", "/api/drafts", {
        "project": "DEMO", "summary": "With files",
        "openaiFileIdRefs": [png, log]})
    c.check(s + "the embedded store takes files: 201", st == 201, (st, d))
    did = (d or {}).get("id", "")
    c.eq(s + "the preview lists them (name, type, size)",
         ((d or {}).get("preview") or {}).get("attachments"), [
             {"name": "screen.png", "type": "image/png",
              "size": len(filehost.FILES["/png"])},
             {"name": "app.log", "type": "text/plain",
              "size": len(filehost.FILES["/text"])}])
    c.eq(s + "two files kept", len(kept(stack)), 2)

    st, _, r, _ = alice.call("POST", "/api/drafts/%s/submit" % did,
                             {"revision": 1})
    key = ((r or {}).get("issue") or {}).get("key")
    c.check(s + "submit is 201 and lists the files", st == 201 and [
        a["name"] for a in (r or {}).get("attachments", [])] ==
        ["screen.png", "app.log"], (st, r))
    rows = ticket_rows(stack)
    c.eq(s + "one row per file with the ticket (name, type, size, sha256, "
         "author)", sorted((n, t, z, h, a) for n, t, z, _, h, a in rows),
         sorted([("screen.png", "image/png", len(filehost.FILES["/png"]),
                  hashlib.sha256(filehost.FILES["/png"]).hexdigest(),
                  "alice"),
                 ("app.log", "text/plain", len(filehost.FILES["/text"]),
                  hashlib.sha256(filehost.FILES["/text"]).hexdigest(),
                  "alice")]))
    files = kept(stack)
    c.eq(s + "the draft's copies are gone, the ticket's kept: two files",
         sorted(os.path.join(stack.workdir, "attachments", f)
                for f in files), sorted(row[3] for row in rows))
    ok = True
    for row in rows:
        try:
            with open(row[3], "rb") as fh:
                body = fh.read()
            ok = ok and hashlib.sha256(body).hexdigest() == row[4] and \
                os.stat(row[3]).st_mode & 0o777 == 0o600
        except OSError:
            ok = False
    c.check(s + "each kept file is the fetched bytes, mode 0600", ok, rows)

    st, _, gi, _ = alice.call("GET", "/api/issues/" + str(key))
    att = (gi or {}).get("attachments") or []
    c.check(s + "getIssue lists them (name, type, size, author, created, "
            "url)", st == 200 and gi.get("attachment_count") == 2 and
            [(a.get("name"), a.get("type"), a.get("size"), a.get("author"))
             for a in att] ==
            [("screen.png", "image/png", len(filehost.FILES["/png"]),
              "alice"),
             ("app.log", "text/plain", len(filehost.FILES["/text"]),
              "alice")] and all(isinstance(a.get("created"), str) and
                                isinstance(a.get("id"), str) and
                                isinstance(a.get("url"), str)
                                for a in att), (st, gi))
    links_test(c, stack, s, att)
    text_test(c, stack, s, alice, key, att)

    st, _, r2, _ = alice.call("POST", "/api/drafts/%s/submit" % did,
                              {"revision": 1})
    c.check(s + "a repeat submit answers the same ticket, attaches "
            "nothing twice", st == 200 and (r2 or {}).get("issue", {}).get(
                "key") == key and len(ticket_rows(stack)) == 2 and
            len(kept(stack)) == 2, (st, r2))
    rows = audit_rows(stack)
    c.check(s + "each file audited kept and attached (with the key)",
            sum(1 for r in rows if r[1] == key and
                r[2].startswith("attached ")) == 2 and
            sum(1 for r in rows if r[2].startswith("kept ")) == 2, rows)

    db = sqlite3.connect(os.path.join(stack.workdir, "jta.db"), timeout=10)
    try:
        tid = db.execute("SELECT t.id FROM tickets AS t JOIN projects AS p "
                         "ON p.id = t.project_id WHERE p.key || '-' || "
                         "t.num = ?", (str(key),)).fetchone()
    finally:
        db.close()
    st, _, _, _ = alice.call("DELETE", "/api/tickets/%d/" % (
        tid[0] if tid else 0))
    c.check(s + "deleting the ticket (204) removes its files' rows and "
            "the kept files", st == 204 and ticket_rows(stack) == [] and
            kept(stack) == [], (st, ticket_rows(stack), kept(stack)))
    st, _, body = stack.request("GET", LINKS.get(stack.workdir, "/files/1"))
    c.check(s + "a good link to a deleted ticket's file: 404, no bytes",
            st == 404 and filehost.FILES["/png"] not in body, (st, body))

    st, _, d2, _ = alice.call("POST", "/api/drafts", {
        "project": "DEMO", "summary": "No files"})
    st, _, gi2, _ = alice.call("POST", "/api/drafts/%s/submit" % (
        (d2 or {}).get("id", "")), {"revision": 1})
    k2 = ((gi2 or {}).get("issue") or {}).get("key")
    st, _, gi2, _ = alice.call("GET", "/api/issues/" + str(k2))
    c.check(s + "a ticket without files lists none", st == 200 and
            gi2.get("attachment_count") == 0 and
            gi2.get("attachments") == [], (st, gi2))


def main():
    import tempfile
    import traceback
    import harness
    cases = jtatest.Cases()
    start_host(tempfile.mkdtemp(prefix="jta-it-files-"))
    try:
        for server in ("nginx", "apache"):
            for test, jira in ((jira_test, True), (local_test, False)):
                work = tempfile.mkdtemp(prefix="jta-it-%s-" % server)
                stack = harness.Stack(
                    server, jtatest.BUILDDIR, jtatest.SRCDIR, work,
                    (lambda st: jiratest.conf(st, 2000, 4000, host_conf() +
                                              "attachment_text_max_bytes "
                                              "= 150\n"))
                    if jira else (lambda st: host_conf() +
                                  "attachment_text_max_bytes = 15\n"))
                try:
                    stack.start()
                    test(cases, stack, server)
                except Exception:
                    traceback.print_exc()
                    cases.check("%s: test ran to the end" % server, False)
                finally:
                    stack.stop()
                bad = jtatest.logs_clean(stack)
                cases.check("%s: no sanitizer report or crash in the logs"
                            % server, not bad, "\n".join(bad[:10]))
        cases.finish()
    finally:
        HOST["proc"].kill()
        standin.stop()


if __name__ == "__main__":
    main()
