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

    rows = audit_rows(stack)
    c.check(s + "each file audited (kept, attached, found on), by name, "
            "type and size, never its link",
            any("attached screen.png (image/png, %d bytes)" %
                len(filehost.FILES["/png"]) in r[2] and r[1] == key
                for r in rows) and
            any(r[2].startswith("found on screen.png") and r[1] == key2
                for r in rows) and
            not any("127.0.0.1" in r[2] for r in rows), rows)


def jsm_test(c, stack, server):
    """A service-desk request's files go through JSM: a temporary file of
    the desk, then the request's attachment, public; exactly once."""
    s = server + " jsm: "
    standin.config(servicedesk=True)
    alice = Client(stack, link(stack))
    png = ref("/png", "screen.png", "image/png")
    log = ref("/text", "app.log", "text/plain")
    st, _, d, _ = alice.call("POST", "/api/drafts", {
        "project": "ITH", "request_type": "Get IT help",
        "summary": "VPN drops", "openaiFileIdRefs": [png, log]})
    c.check(s + "a request draft takes files; the preview lists them",
            st == 201 and [(a["name"], a["size"]) for a in d.get(
                "preview", {}).get("attachments", [])] ==
            [("screen.png", len(filehost.FILES["/png"])),
             ("app.log", len(filehost.FILES["/text"]))], (st, d))
    w0 = dict(standin.state())
    st, _, r, _ = alice.call("POST", "/api/drafts/%s/submit" % (
        (d or {}).get("id", "")), {"revision": 1})
    key = ((r or {}).get("issue") or {}).get("key", "")
    w1 = standin.state()
    c.check(s + "submit raises the request and lists the files",
            st == 201 and key.startswith("ITH-") and
            [a["name"] for a in r.get("attachments", [])] ==
            ["screen.png", "app.log"], (st, r))
    iss = standin.world.issues.get(key, {})
    c.eq(s + "the request holds each file once, byte for byte, public "
         "(two temporary files, then the request's attachment)", sorted(
             (a["filename"], a["sha256"], a.get("public"))
             for a in iss.get("attachments", [])), sorted([
                 ("screen.png",
                  hashlib.sha256(filehost.FILES["/png"]).hexdigest(), True),
                 ("app.log",
                  hashlib.sha256(filehost.FILES["/text"]).hexdigest(),
                  True)]))
    c.eq(s + "... through two temporary files",
         w1["sd_temporary_files"] - w0["sd_temporary_files"], 2)
    st, _, g, _ = alice.call("GET", "/api/requests/" + key)
    c.eq(s + "getRequest lists them", sorted(
        a["name"] for a in (g or {}).get("attachments", [])),
        ["app.log", "screen.png"])

    # The request's attachment answer is lost: the retry reads the
    # request and finds the file there; nothing goes on twice.
    st, _, d2, _ = alice.call("POST", "/api/drafts", {
        "project": "ITH", "request_type": "Get IT help",
        "summary": "Printer on fire", "openaiFileIdRefs": [png]})
    n0 = standin.state()["attachments_added"]
    standin.config(faults=[{"kind": "drop", "method": "POST",
                            "path_prefix": "/rest/servicedeskapi/request/",
                            "count": 1}])
    st, h, e, _ = alice.call("POST", "/api/drafts/%s/submit" % (
        (d2 or {}).get("id", "")), {"revision": 1})
    c.check(s + "attachment answer lost: 503 + Retry-After naming the "
            "field; the file did go on", st == 503 and
            e.get("field") == "openaiFileIdRefs" and
            standin.state()["attachments_added"] - n0 == 1, (st, h, e))
    time.sleep(float(h.get("retry-after", "1")) if st == 503 else 0)
    t0 = standin.state()["sd_temporary_files"]
    st, _, r3, _ = alice.call("POST", "/api/drafts/%s/submit" % (
        (d2 or {}).get("id", "")), {"revision": 1})
    k3 = ((r3 or {}).get("issue") or {}).get("key", "")
    c.check(s + "the retry finishes without sending it again",
            st == 200 and standin.state()["attachments_added"] - n0 == 1
            and standin.state()["sd_temporary_files"] == t0 and
            [a["filename"] for a in standin.world.issues.get(k3, {}).get(
                "attachments", [])] == ["screen.png"], (st, r3))
    rows = audit_rows(stack)
    c.check(s + "audited: attached to the first, found on the second",
            any(r[1] == key and r[2].startswith("attached screen.png")
                for r in rows) and
            any(r[1] == k3 and r[2].startswith("found on screen.png")
                for r in rows), rows)
    return key


def attach_jira(c, stack, server, rkey):
    """attachFiles (POST /api/issues/{key}/attachments) in Jira mode: an
    issue's files through Jira's upload, a request's through JSM; what
    went in and what was refused; exactly once on a repeat, after a lost
    answer, and with an Idempotency-Key."""
    s = server + " attachFiles: "
    alice = Client(stack, link(stack))
    png = ref("/png", "screen.png", "image/png")
    log = ref("/text", "app.log", "text/plain")
    st, _, i, _ = alice.call("POST", "/api/issues", {
        "project": "OPS", "summary": "Files later"})
    key = (i or {}).get("key", "")
    path = "/api/issues/%s/attachments" % key
    n0 = standin.state()["attachments_added"]
    st, _, r, _ = alice.call("POST", path, {"openaiFileIdRefs": [
        png, ref("/png", "fake.pdf", "application/pdf")]})
    c.check(s + "one file in, one refused with its reason", st == 200 and
            [(a["name"], a.get("already")) for a in r["attachments"]] ==
            [("screen.png", None)] and [(x["name"], x["field"]) for x in
                                        r["refused"]] ==
            [("fake.pdf", "mime_type")], (st, r))
    iss = standin.world.issues.get(key, {})
    c.eq(s + "Jira holds it, byte for byte", [
        (a["filename"], a["sha256"]) for a in iss.get("attachments", [])],
        [("screen.png", hashlib.sha256(filehost.FILES["/png"]).hexdigest())])
    st, _, r, _ = alice.call("POST", path, {"openaiFileIdRefs": [png]})
    c.check(s + "sent again: listed as already there, not uploaded",
            st == 200 and r["attachments"][0].get("already") is True and
            standin.state()["attachments_added"] - n0 == 1, (st, r))
    st, _, e, _ = alice.call("POST", path, {"openaiFileIdRefs": [dict(
        png, download_link="https://localhost:%s/png" % HOST["port"])]})
    c.check(s + "nothing went in: 4xx naming openaiFileIdRefs, the file "
            "and why", 400 <= st < 500 and
            e.get("field") == "openaiFileIdRefs" and
            "host" in e.get("detail", "") and e.get("errors"), (st, e))
    st, _, e, _ = alice.call("POST", path, {})
    c.check(s + "no files: 422 naming openaiFileIdRefs", st == 422 and
            e.get("field") == "openaiFileIdRefs", (st, e))
    st, _, e, _ = alice.call("POST", "/api/issues/OPS-99999/attachments",
                             {"openaiFileIdRefs": [png]})
    c.check(s + "an unknown issue: 404", st == 404, (st, e))

    # Lost answer, then the same again: on once.
    n0 = standin.state()["attachments_added"]
    standin.config(faults=[{"kind": "drop", "method": "POST",
                            "path_prefix": "/rest/api/3/issue/%s/attach" %
                            key, "count": 1}])
    st, h, e, _ = alice.call("POST", path, {"openaiFileIdRefs": [log]})
    c.check(s + "upload answer lost: 503 + Retry-After naming the field",
            st == 503 and int(h.get("retry-after", "0")) > 0 and
            e.get("field") == "openaiFileIdRefs", (st, h, e))
    st, _, r, _ = alice.call("POST", path, {"openaiFileIdRefs": [log]})
    c.check(s + "sent again: found there, Jira holds it once", st == 200 and
            r["attachments"][0].get("already") is True and
            standin.state()["attachments_added"] - n0 == 1, (st, r))

    # Idempotency-Key: a repeat answers the first answer.
    pdf = ref("/pdf", "manual.pdf", "application/pdf")
    n0 = standin.state()["attachments_added"]
    hk = {"Idempotency-Key": '"att-1"'}
    st, _, r1, _ = alice.call("POST", path, {"openaiFileIdRefs": [pdf]},
                              headers=hk)
    st2, _, r2, _ = alice.call("POST", path, {"openaiFileIdRefs": [pdf]},
                               headers=hk)
    c.check(s + "Idempotency-Key: the repeat answers the first answer, "
            "one upload", st == 200 and st2 == 200 and r1 == r2 and
            r2["attachments"][0].get("already") is None and
            standin.state()["attachments_added"] - n0 == 1, (r1, r2))
    st, _, e, _ = alice.call("POST", path, {"openaiFileIdRefs": [log]},
                             headers=hk)
    c.check(s + "... the same key with other files: 422 naming it",
            st == 422 and e.get("field") == "Idempotency-Key", (st, e))

    # A request key: JSM's temporary file and request attachment.
    t0 = standin.state()["sd_temporary_files"]
    st, _, r, _ = alice.call("POST", "/api/issues/%s/attachments" % rkey,
                             {"openaiFileIdRefs": [pdf]})
    a = [x for x in standin.world.issues.get(rkey, {}).get(
        "attachments", []) if x["filename"] == "manual.pdf"]
    c.check(s + "a request's file goes through JSM, public", st == 200 and
            standin.state()["sd_temporary_files"] - t0 == 1 and
            len(a) == 1 and a[0].get("public") is True, (st, r, a))
    rows = audit_rows(stack)
    c.check(s + "audited (attached, found on) with the key",
            any(x[1] == key and x[2].startswith("attached screen.png")
                for x in rows) and
            any(x[1] == key and x[2].startswith("found on app.log")
                for x in rows) and
            any(x[1] == rkey and x[2].startswith("attached manual.pdf")
                for x in rows), rows)


def ticket_rows(stack):
    c = sqlite3.connect(os.path.join(stack.workdir, "jta.db"), timeout=10)
    try:
        return c.execute("SELECT name, type, size, path, sha256, author "
                         "FROM ticket_attachments ORDER BY id").fetchall()
    finally:
        c.close()


def mcp_files(c, s, stack, key):
    """MCP tools take files as base64 content or a resource link
    (README "Attachments: files as bytes"), through the checks every
    file gets."""
    from test_mcp import Mcp
    m = Mcp(stack, key)
    png = filehost.FILES["/png"]
    b64 = base64.b64encode(png).decode()

    def draft(files):
        st, _, j = m.tool("createDraft", {
            "project": "DEMO", "summary": "MCP files",
            "openaiFileIdRefs": files})
        return (j or {}).get("result", {})

    r = draft([{"name": "../shot.png", "mime_type": "image/png",
                "content_base64": b64},
               {"type": "resource_link", "name": "app.log",
                "mimeType": "text/plain", "uri": HOST["base"] + "/text"}])
    sc = r.get("structuredContent") or {}
    c.eq(s + "mcp: base64 content and a resource link go in (name "
         "cleaned)", (bool(r.get("isError")), (sc.get("preview") or {}).get(
             "attachments")), (False, [
                 {"name": "shot.png", "type": "image/png", "size": len(png)},
                 {"name": "app.log", "type": "text/plain",
                  "size": len(filehost.FILES["/text"])}]))
    did = sc.get("id", "")
    c.check(s + "mcp: each audited kept with the draft", sum(
        1 for a in audit_rows(stack) if a[1] == did and
        a[2].startswith("kept ")) == 2, audit_rows(stack))
    before = len(kept(stack))
    for what, f, field in (
            ("bad base64", {"name": "x.png", "mime_type": "image/png",
                            "content_base64": b64[:-2] + "!="},
             "content_base64"),
            ("base64 with a blank", {"name": "x.png",
                                     "mime_type": "image/png",
                                     "content_base64": b64[:8] + " " +
                                     b64[8:]}, "content_base64"),
            ("oversize", {"name": "big.log", "mime_type": "text/plain",
                          "content_base64": base64.b64encode(
                              b"x" * 6000).decode()}, "size"),
            ("type mismatch", {"name": "fake.pdf",
                               "mime_type": "application/pdf",
                               "content_base64": b64}, "mime_type"),
            ("a link off the allow-list", {
                "name": "a.png", "mime_type": "image/png",
                "uri": "https://example.invalid/a.png"}, "host")):
        r = draft([f])
        sc = r.get("structuredContent") or {}
        c.check(s + "mcp: %s is refused naming the file and %s" % (
            what, field), r.get("isError") is True and any(
                e.get("field") == "openaiFileIdRefs" and
                e.get("message", e.get("detail", "")).startswith(
                    f["name"].split("/")[-1] + ":") and
                "(%s)" % field in json.dumps(sc)
                for e in sc.get("errors", [])), (what, r))
    c.eq(s + "mcp: nothing kept from the refused calls", len(kept(stack)),
         before)


def multipart(parts, boundary="jtaB0undary"):
    """A multipart/form-data body (RFC 7578) of (name, filename, type,
    bytes) parts, and its Content-Type."""
    out = b""
    for name, fn, ct, body in parts:
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"" %
                (boundary, name)).encode()
        if fn is not None:
            out += ('; filename="%s"' % fn).encode()
        out += b"\r\n"
        if ct is not None:
            out += ("Content-Type: %s\r\n" % ct).encode()
        out += b"\r\n" + body + b"\r\n"
    out += ("--%s--\r\n" % boundary).encode()
    return out, "multipart/form-data; boundary=" + boundary


def upload_files(c, s, stack, alice):
    """POST /api/drafts/{id}/files: a browser's upload (README
    "Attachments: files as bytes")."""
    st, _, d, _ = alice.call("POST", "/api/drafts", {
        "project": "DEMO", "summary": "Uploads"})
    did = (d or {}).get("id", "")
    path = "/api/drafts/%s/files" % did
    png, log = filehost.FILES["/png"], filehost.FILES["/text"]

    def up(parts, ctype=None, who=alice):
        body, ct = multipart(parts)
        return who.call("POST", path, raw=body, headers={
            "Content-Type": ctype or ct})

    st, _, r, _ = up([("file", "dir/shot.png", "image/png", png),
                      ("file", "app.log", "text/plain", log)])
    c.eq(s + "upload: two parts named file go in, the draft's next "
         "revision lists them", (st, (r or {}).get("revision"),
                                 (r or {}).get("preview", {}).get(
                                     "attachments")),
         (200, 2, [{"name": "shot.png", "type": "image/png",
                    "size": len(png)},
                   {"name": "app.log", "type": "text/plain",
                    "size": len(log)}]))
    c.check(s + "upload: each audited kept with the draft", sum(
        1 for a in audit_rows(stack) if a[1] == did and
        a[2].startswith("kept ")) == 2, audit_rows(stack))
    n = len(kept(stack))
    st, _, r, _ = up([("file", "fine.log", "text/plain", log),
                      ("file", "fake.pdf", "application/pdf", png)])
    c.check(s + "upload: a type mismatch is refused naming the file, the "
            "other kept, the draft moved on", st == 422 and
            (r or {}).get("field") == "file" and
            r.get("detail", "").startswith("fake.pdf: ") and
            "fine.log went in" in r.get("detail", "") and
            len(kept(stack)) == n + 1, (st, r))
    st, _, g, _ = alice.call("GET", "/api/drafts/" + did)
    c.eq(s + "upload: ... at revision 3 with three files",
         ((g or {}).get("revision"), len((g or {}).get("preview", {}).get(
             "attachments", []))), (3, 3))
    # 300 KB: over the API's 64 KiB (and mod_buffer's 128 KiB buffer),
    # under the location's body size; over attachment_max_bytes (5000),
    # so the program reads it all and refuses it by size.
    st, _, r, _ = up([("file", "big.log", "text/plain", b"x" * 300000)])
    c.check(s + "upload: a file over attachment_max_bytes is 413 (the web "
            "server let 300 KB through)", st == 413 and
            (r or {}).get("field") == "file" and "(size)" in
            r.get("detail", ""), (st, r))
    st, _, r, _ = up([("note", None, None, b"hi")])
    c.check(s + "upload: a part not named file is 422", st == 422 and
            (r or {}).get("field") == "file", (st, r))
    st, _, r, _ = up([("file", "a.log", "text/plain", log)],
                     ctype="application/json")
    c.check(s + "upload: another Content-Type is 415", st == 415 and
            (r or {}).get("field") == "Content-Type", (st, r))
    body, ct = multipart([("file", "a.log", "text/plain", log)])
    st, _, r, _ = alice.call("POST", path, raw=body[:-8], headers={
        "Content-Type": ct})
    c.check(s + "upload: a body cut before its close delimiter is 400",
            st == 400 and (r or {}).get("field") == "body", (st, r))
    st, _, r, _ = up([("file", "a.log", "text/plain", log)],
                     who=Client(stack))
    c.check(s + "upload: no API key is 401", st == 401, (st, r))
    # The access rules see a change of that draft (its project), as for
    # updateDraft.
    rc, out, err = stack.admin("deny", "project", "DEMO", "--for", "create")
    rule = out.split(":")[0].split()[-1] if out.startswith("rule ") else ""
    st, _, r, _ = up([("file", "a.log", "text/plain", log)])
    c.check(s + "upload: a rule denying creates in the draft's project is "
            "403 naming it", st == 403 and "rule %s" % rule in
            (r or {}).get("detail", ""), (rc, out, err, st, r))
    stack.admin("rules", "remove", rule)
    st, _, g, _ = alice.call("GET", "/api/drafts/" + did)
    st, _, r, _ = alice.call("POST", "/api/drafts/%s/submit" % did,
                             {"revision": (g or {}).get("revision")})
    c.check(s + "upload: submit files the ticket with the three files",
            st == 201 and sorted(a["name"] for a in (r or {}).get(
                "attachments", [])) == ["app.log", "fine.log", "shot.png"],
            (st, r))
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
    mcp_files(c, s, stack, alice.key)
    upload_files(c, s, stack, alice)

    # A service-desk request on the embedded store is a ticket: it keeps
    # its files as tickets do, and getRequest lists them.
    stack.admin("project", "add", "IT", "IT Help")
    stack.admin("requesttype", "add", "IT", "Get IT help")
    st, _, d3, _ = alice.call("POST", "/api/drafts", {
        "project": "IT", "request_type": "Get IT help",
        "summary": "VPN drops", "openaiFileIdRefs": [png]})
    c.check(s + "a request draft takes files; the preview lists them",
            st == 201 and [a["name"] for a in d3.get("preview", {}).get(
                "attachments", [])] == ["screen.png"], (st, d3))
    n0 = len(ticket_rows(stack))
    st, _, r3, _ = alice.call("POST", "/api/drafts/%s/submit" % (
        (d3 or {}).get("id", "")), {"revision": 1})
    k3 = ((r3 or {}).get("issue") or {}).get("key", "")
    c.check(s + "submit raises the request and keeps the file with it",
            st == 201 and k3.startswith("IT-") and
            [a["name"] for a in r3.get("attachments", [])] ==
            ["screen.png"] and len(ticket_rows(stack)) == n0 + 1, (st, r3))
    st, _, g3, _ = alice.call("GET", "/api/requests/" + k3)
    c.check(s + "getRequest lists it (name, type, size)", st == 200 and
            g3.get("attachment_count") == 1 and
            [(a.get("name"), a.get("type"), a.get("size"))
             for a in g3.get("attachments", [])] ==
            [("screen.png", "image/png", len(filehost.FILES["/png"]))],
            (st, g3))
    st, _, r4, _ = alice.call("POST", "/api/drafts/%s/submit" % (
        (d3 or {}).get("id", "")), {"revision": 1})
    c.check(s + "a repeat submit keeps nothing twice", st == 200 and
            len(ticket_rows(stack)) == n0 + 1, (st, r4))

    # attachFiles on the embedded store: kept with the ticket, once.
    pdf = ref("/pdf", "manual.pdf", "application/pdf")
    n0 = len(ticket_rows(stack))
    st, _, r5, _ = alice.call("POST", "/api/issues/%s/attachments" % k3,
                              {"openaiFileIdRefs": [log]})
    c.check(s + "attachFiles keeps the file with the request's ticket",
            st == 200 and [a["name"] for a in r5["attachments"]] ==
            ["app.log"] and len(ticket_rows(stack)) == n0 + 1, (st, r5))
    st, _, r6, _ = alice.call("POST", "/api/issues/%s/attachments" % k3,
                              {"openaiFileIdRefs": [log, png, pdf]})
    c.check(s + "sent again with one more: only the new one is kept "
            "(the draft's screen.png is there too)",
            st == 200 and [(a["name"], a.get("already"))
                           for a in r6["attachments"]] ==
            [("app.log", True), ("screen.png", True),
             ("manual.pdf", None)] and
            len(ticket_rows(stack)) == n0 + 2, (st, r6))
    st, _, g5, _ = alice.call("GET", "/api/issues/" + k3)
    c.eq(s + "getIssue lists them", sorted(
        a["name"] for a in (g5 or {}).get("attachments", [])),
        ["app.log", "manual.pdf", "screen.png"])


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
                    if jira:
                        attach_jira(cases, stack, server,
                                    jsm_test(cases, stack, server))
                except Exception:
                    traceback.print_exc()
                    cases.check("%s: test ran to the end" % server, False)
                finally:
                    stack.stop()
                bad = jtatest.logs_clean(stack)
                cases.check("%s: no sanitizer report or crash in the logs"
                            % server, not bad, "\n".join(bad[:10]))
                jtatest.keep_if_failed(cases, work)
        cases.finish()
    finally:
        HOST["proc"].kill()
        standin.stop()


if __name__ == "__main__":
    main()
