"""POST /mcp, the Model Context Protocol endpoint (README "MCP"), under
nginx and Apache, with the embedded store and with Jira (the Atlassian
stand-in):

- raw HTTP: bad JSON, wrong content type, an oversize body, batch arrays,
  a response sent as a request, unknown methods, Mcp-Method / Mcp-Name /
  MCP-Protocol-Version headers that do not match the body, a 2026-07-28
  request without its protocol version, an unsupported version, a foreign
  Origin (403 before authentication), GET and DELETE (405), no key (401);
- both eras by hand: initialize without a session id, ping, tools/list
  (ttlMs and cacheScope for 2026-07-28), server/discover, a tool's input
  problem as an isError result naming the field, the follow-up form
  (input_required with exactly the missing fields, the retry completing
  it) and the older clients' tool error with errors[];
- the tool list against htdocs/openapi.yaml: the same operation ids,
  parameters, required members and consequential flags;
- the same rules as REST: a tool call refused by an access rule, counted
  and audited under its operation with the tool's name;
- the official TypeScript SDK (1.32.2 for 2025-11-25, client 2.4.0 for
  2026-07-28, tests/integration/mcp_client.mjs) listing the tools and
  calling every one (knowledge first: an article imported with jta-admin
  kb import is found, read as REST reads it and marked as helped), and the
  follow-up form end to end; the service-desk tools on a request raised
  through a draft (the stand-in's desk, or request types in the embedded
  store); the server's instructions send the model to
  searchKnowledge before it drafts;
- the knowledge tools as their REST requests: counted as "knowledge" in
  the metrics and as answered from knowledge in the usage, their input
  problems named as REST names them, an access rule refusing the search
  (and a read-only rule leaving markKnowledgeHelped alone, a read);
- the per-call cost of a tools/call search against the same REST search
  (printed as a ratio; no threshold).

Needs node and tests/node_modules (sh cli/deps.sh test): the SDK, and
js-yaml to read openapi.yaml."""

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jtatest  # noqa: E402
from jtatest import Client  # noqa: E402
from jiratest import conf as jira_conf, link, standin  # noqa: E402
import test_openapi  # noqa: E402  (node_or_skip, operations)

MODERN = "2026-07-28"
META = "io.modelcontextprotocol/protocolVersion"
CAPS = "io.modelcontextprotocol/clientCapabilities"


class Mcp:
    """Raw JSON-RPC over POST /mcp as one API key."""

    def __init__(self, stack, key):
        self.stack = stack
        self.key = key
        self.n = 0

    def post(self, body=None, raw=None, headers=None, key=True,
             ctype="application/json"):
        h = {"Accept": "application/json, text/event-stream"}
        if ctype:
            h["Content-Type"] = ctype
        if key and self.key:
            h["Authorization"] = "Bearer " + self.key
        h.update(headers or {})
        if raw is None:
            raw = json.dumps(body).encode()
        st, hd, data = self.stack.request("POST", "/mcp", headers=h,
                                          raw_body=raw)
        return st, hd, jtatest.body_json(data) if data else None

    def modern(self, method, params=None, forms=False, headers=None,
               meta=True, name=None):
        """A 2026-07-28 request with its _meta and headers."""
        self.n += 1
        p = dict(params or {})
        if meta:
            p["_meta"] = {META: MODERN, CAPS: {"elicitation": {"form": {}}}
                          if forms else {},
                          "io.modelcontextprotocol/clientInfo": {
                              "name": "raw", "version": "1"}}
        h = {"MCP-Protocol-Version": MODERN, "Mcp-Method": method}
        if method == "tools/call":
            h["Mcp-Name"] = name if name is not None else p.get("name", "")
        h.update(headers or {})
        return self.post({"jsonrpc": "2.0", "id": self.n, "method": method,
                          "params": p}, headers=h)

    def legacy(self, method, params=None, version="2025-11-25"):
        self.n += 1
        return self.post({"jsonrpc": "2.0", "id": self.n, "method": method,
                          "params": params or {}},
                         headers={"MCP-Protocol-Version": version})

    def tool(self, name, args, forms=False, extra=None):
        p = {"name": name, "arguments": args}
        p.update(extra or {})
        return self.modern("tools/call", p, forms=forms)


def code(j):
    return ((j or {}).get("error") or {}).get("code")


def raw_cases(c, s, m, stack):
    st, h, j = m.post(raw=b'{"jsonrpc": "2.0", "id": 1, "method": ')
    c.check(s + "bad JSON is 400 -32700 without id",
            st == 400 and code(j) == -32700 and "id" not in j, (st, j))
    st, h, j = m.post(raw=b'{"jsonrpc":"2.0","id":1,"method":"ping"}',
                      ctype="text/plain")
    c.check(s + "a wrong content type is 415 -32600",
            st == 415 and code(j) == -32600, (st, j))
    big = b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"' + \
        b"a" * (70 * 1024) + b'"}}'
    st, h, j = m.post(raw=big)
    # nginx refuses it itself (client_max_body_size, its own 413 page);
    # behind Apache the program does, with a JSON-RPC error.
    c.check(s + "a body over 64 KiB is 413", st == 413 and (
        code(j) is not None or "nginx" in s), (st, j))
    st, h, j = m.post([{"jsonrpc": "2.0", "id": 1, "method": "ping"}],
                      headers={"MCP-Protocol-Version": "2025-11-25"})
    c.check(s + "a batch array is 400 -32600",
            st == 400 and code(j) == -32600, (st, j))
    st, h, j = m.post({"jsonrpc": "2.0", "id": 1, "result": {}},
                      headers={"MCP-Protocol-Version": "2025-11-25"})
    c.check(s + "a response sent to the server is 400 -32600",
            st == 400 and code(j) == -32600, (st, j))
    st, h, j = m.post({"jsonrpc": "1.0", "id": 1, "method": "ping"},
                      headers={"MCP-Protocol-Version": "2025-11-25"})
    c.check(s + "jsonrpc other than 2.0 is -32600",
            st == 400 and code(j) == -32600 and j.get("id") == 1, (st, j))
    st, h, j = m.modern("resources/list")
    c.check(s + "an unknown method (2026-07-28) is 404 -32601",
            st == 404 and code(j) == -32601, (st, j))
    st, h, j = m.legacy("no/such")
    c.check(s + "an unknown method (2025-11-25) is -32601",
            code(j) == -32601 and j.get("id") == m.n, (st, j))
    st, h, j = m.modern("tools/list", headers={"Mcp-Method": "tools/call"})
    c.check(s + "Mcp-Method not matching the body is 400 -32020",
            st == 400 and code(j) == -32020, (st, j))
    st2, _, j2 = m.post({"jsonrpc": "2.0", "id": 9, "method": "tools/list",
                         "params": {"_meta": {META: MODERN, CAPS: {}}}},
                        headers={"MCP-Protocol-Version": MODERN})
    c.check(s + "a missing Mcp-Method is 400 -32020",
            st2 == 400 and code(j2) == -32020, (st2, j2))
    st, h, j = m.modern("tools/call", {"name": "getMe", "arguments": {}},
                        name="listProjects")
    c.check(s + "Mcp-Name not matching params.name is 400 -32020",
            st == 400 and code(j) == -32020, (st, j))
    st, h, j = m.modern("tools/call", {"name": "getMe", "arguments": {}},
                        name="=?base64?Z2V0TWU=?=")
    c.check(s + "a base64 Mcp-Name that matches is served",
            st == 200 and "result" in (j or {}), (st, j))
    st, h, j = m.modern("tools/list",
                        headers={"MCP-Protocol-Version": "2025-11-25"})
    c.check(s + "MCP-Protocol-Version not matching _meta is 400 -32020",
            st == 400 and code(j) == -32020, (st, j))
    st, h, j = m.modern("tools/list", meta=False)
    c.check(s + "a 2026-07-28 request without its protocol version is "
            "400 -32020", st == 400 and code(j) == -32020, (st, j))
    st, h, j = m.post({"jsonrpc": "2.0", "id": 3, "method": "tools/list"})
    c.check(s + "a request with no version at all is 400 -32600",
            st == 400 and code(j) == -32600, (st, j))
    st, h, j = m.legacy("tools/list", version="1999-01-01")
    c.check(s + "an unknown version is 400 -32022 listing ours",
            st == 400 and code(j) == -32022 and MODERN in
            j["error"]["data"]["supported"], (st, j))
    st, h, j = m.modern("tools/list", headers={
        "Origin": "https://evil.example"})
    c.check(s + "a foreign Origin is 403", st == 403, (st, j))
    st, h, j = m.post({"jsonrpc": "2.0", "id": 1, "method": "ping"},
                      key=False, headers={"Origin": "https://evil.example"})
    c.check(s + "... before authentication (no key: still 403)",
            st == 403, (st, j))
    st, h, j = m.modern("tools/list", headers={"Origin": stack.base_url})
    c.check(s + "our own Origin is served", st == 200, (st, j))
    st, h, j = m.post({"jsonrpc": "2.0", "id": 1, "method": "ping"},
                      key=False, headers={"MCP-Protocol-Version":
                                          "2025-11-25"})
    c.check(s + "no key is 401 with WWW-Authenticate",
            st == 401 and "Bearer" in h.get("www-authenticate", ""),
            (st, h))
    for meth in ("GET", "DELETE", "PUT"):
        for hd, who in (({"Authorization": "Bearer " + m.key}, "with a key"),
                        ({}, "without a key")):
            st, h, raw = stack.request(meth, "/mcp", headers=hd)
            c.check(s + "%s %s is 405 naming POST, a JSON-RPC error" % (
                meth, who), st == 405 and h.get("allow") == "POST" and
                code(jtatest.body_json(raw)) == -32600, (st, h, raw))


def protocol_cases(c, s, m, project):
    st, h, j = m.post({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                       "params": {"protocolVersion": "2025-06-18",
                                  "capabilities": {}, "clientInfo": {
                                      "name": "raw", "version": "1"}}})
    r = (j or {}).get("result", {})
    c.check(s + "initialize answers the version asked for, no session",
            st == 200 and r.get("protocolVersion") == "2025-06-18" and
            "tools" in r.get("capabilities", {}) and
            "mcp-session-id" not in h, (st, h, j))
    st, h, j = m.post({"jsonrpc": "2.0", "method":
                       "notifications/initialized"},
                      headers={"MCP-Protocol-Version": "2025-06-18"})
    c.check(s + "notifications/initialized is 202 without a body",
            st == 202 and j is None, (st, j))
    st, h, j = m.legacy("ping", version="2025-06-18")
    c.check(s + "ping answers {}", st == 200 and j.get("result") == {},
            (st, j))
    st, h, j = m.legacy("tools/list")
    r = (j or {}).get("result", {})
    c.check(s + "tools/list (2025-11-25): tools, no resultType",
            st == 200 and len(r.get("tools", [])) >= 16 and
            "resultType" not in r, (st, j))
    st, h, j = m.modern("tools/list")
    r = (j or {}).get("result", {})
    c.check(s + "tools/list (2026-07-28): resultType, ttlMs, cacheScope",
            r.get("resultType") == "complete" and
            isinstance(r.get("ttlMs"), int) and
            r.get("cacheScope") in ("public", "private") and
            "io.modelcontextprotocol/serverInfo" in r.get("_meta", {}),
            (st, j))
    st, h, j = m.modern("server/discover")
    r = (j or {}).get("result", {})
    c.check(s + "server/discover lists our versions",
            st == 200 and r.get("supportedVersions", [None])[0] == MODERN
            and "2025-11-25" in r.get("supportedVersions", []), (st, j))
    st, h, j = m.tool("getIssue", {"key": "not a key"})
    r = (j or {}).get("result", {})
    c.check(s + "a tool's input problem is an isError result naming the "
            "field", st == 200 and r.get("isError") is True and
            r.get("structuredContent", {}).get("field") == "key", (st, j))
    st, h, j = m.tool("searchIssues", {"limit": 0, "colour": "red"})
    r = (j or {}).get("result", {})
    c.check(s + "an unknown argument is an isError result",
            r.get("isError") is True and r["structuredContent"].get(
                "status") in (400, 422), (st, j))
    st, h, j = m.tool("noSuchTool", {})
    c.check(s + "an unknown tool is -32602", code(j) == -32602, (st, j))
    st, h, j = m.tool("searchIssues", {"project": project, "limit": 2})
    r = (j or {}).get("result", {})
    c.check(s + "a search answers structuredContent and a text block",
            st == 200 and "issues" in r.get("structuredContent", {}) and
            r.get("content", [{}])[0].get("type") == "text" and
            not r.get("isError"), (st, j))

    # The follow-up form (2026-07-28 MRTR).
    st, h, j = m.tool("createDraft", {"description": "wifi drops"},
                      forms=True)
    r = (j or {}).get("result", {})
    form = r.get("inputRequests", {}).get("missing_fields", {})
    schema = form.get("params", {}).get("requestedSchema", {})
    c.check(s + "a create lacking fields is input_required with a form",
            r.get("resultType") == "input_required" and
            form.get("method") == "elicitation/create" and
            form["params"].get("mode") == "form", (st, j))
    c.check(s + "the form asks exactly the missing fields",
            sorted(schema.get("properties", {})) == ["project", "summary"]
            and sorted(schema.get("required", [])) ==
            ["project", "summary"], schema)
    c.check(s + "with the allowed projects as an enum",
            project in schema.get("properties", {}).get("project", {})
            .get("enum", []), schema)
    st, h, j = m.tool("createDraft", {"description": "wifi drops"},
                      forms=True, extra={"inputResponses": {
                          "missing_fields": {"action": "accept", "content": {
                              "project": project,
                              "summary": "Wifi drops hourly"}}}})
    r = (j or {}).get("result", {})
    c.check(s + "the retry with the answers drafts the ticket",
            r.get("resultType") == "complete" and not r.get("isError") and
            r.get("structuredContent", {}).get("id", "").startswith("d_")
            and r["structuredContent"].get("preview", {}).get("summary") ==
            "Wifi drops hourly", (st, j))
    st, h, j = m.tool("createDraft", {"description": "wifi drops"},
                      forms=True, extra={"inputResponses": {
                          "missing_fields": {"action": "decline"}}})
    r = (j or {}).get("result", {})
    c.check(s + "a declined form is a tool error, nothing drafted",
            r.get("isError") is True, (st, j))
    st, h, j = m.tool("createDraft", {"description": "wifi drops"})
    r = (j or {}).get("result", {})
    c.check(s + "a client without forms gets a tool error with errors[]",
            r.get("isError") is True and sorted(
                e["field"] for e in r["structuredContent"].get("errors", []))
            == ["project", "summary"], (st, j))
    st, h, j = m.legacy("tools/call", {"name": "createDraft",
                                       "arguments": {}})
    r = (j or {}).get("result", {})
    c.check(s + "... as does a 2025-11-25 client, with the questions in "
            "its text", r.get("isError") is True and "?" in
            r.get("content", [{}])[0].get("text", ""), (st, j))


def drift_cases(c, s, m):
    """openapi.yaml's operations are the operation table's rows."""
    # Read with js-yaml (tests/package.json), as test_openapi.js does.
    node, env = test_openapi.node_or_skip()
    p = subprocess.run([node, "-e", "const y = require('js-yaml'); "
                        "const fs = require('fs'); process.stdout.write("
                        "JSON.stringify(y.load(fs.readFileSync(process.argv"
                        "[1], 'utf8'))))", os.path.join(
                            jtatest.SRCDIR, "htdocs", "openapi.yaml")],
                       env=env, capture_output=True, text=True, timeout=60)
    doc = json.loads(p.stdout)
    want = {}
    for path, item in doc["paths"].items():
        for meth, op in item.items():
            if meth not in test_openapi.METHODS:
                continue
            params, req = set(), set()
            for p in op.get("parameters", []) + item.get("parameters", []):
                p = test_openapi.resolve(doc, p)
                params.add(p["name"])
                if p.get("required"):
                    req.add(p["name"])
            if "requestBody" in op:
                sch = test_openapi.resolve(doc, op["requestBody"]["content"]
                                           ["application/json"]["schema"])
                params |= set(sch.get("properties", {}))
                req |= set(sch.get("required", []))
            want[op["operationId"]] = (params, req, bool(
                op.get("x-openai-isConsequential")))
    st, h, j = m.legacy("tools/list")
    got = {}
    for t in (j or {}).get("result", {}).get("tools", []):
        sch = t["inputSchema"]
        got[t["name"]] = (set(sch.get("properties", {})),
                          set(sch.get("required", [])),
                          bool((t.get("_meta") or {}).get(
                              "jta/consequential")))
    c.eq(s + "the same operation ids as openapi.yaml", sorted(got),
         sorted(want))
    for name in sorted(set(got) & set(want)):
        c.eq(s + "%s: the same parameters, required and consequential "
             "flag" % name, got[name], want[name])


def sdk_cases(c, s, stack, key, project, issue, userq, kbid, desk):
    node, env = test_openapi.node_or_skip()
    script = os.path.join(HERE, "mcp_client.mjs")
    url = stack.base_url + "/mcp"
    for sdk in ("v1", "v2"):
        p = subprocess.run([node, script, sdk, url, key, project, issue,
                            userq, KB_QUESTION] + list(desk), env=env,
                           capture_output=True, text=True, timeout=180)
        try:
            out = json.loads(p.stdout)
        except ValueError:
            out = {}
        t = s + "SDK %s: " % sdk
        c.check(t + "connects, lists and calls without a protocol error",
                p.returncode == 0, p.stderr[-2000:])
        c.eq(t + "speaks %s" % ("2025-11-25" if sdk == "v1" else MODERN),
             out.get("protocol"), "2025-11-25" if sdk == "v1" else MODERN)
        if sdk == "v1":
            c.check(t + "no session id", not out.get("session"), out)
        names = [x["name"] for x in out.get("tools", [])]
        c.check(t + "28 tools listed", len(names) == 28, names)
        calls = out.get("calls", [])[:-1]
        called = {x["name"] for x in calls}
        c.eq(t + "every tool called", sorted(called), sorted(names))
        bad = [x for x in calls if x["isError"] != x.get("expectError",
                                                         False)]
        c.check(t + "every call succeeded (but an approval answer where "
                "none waits)", not bad, json.dumps(bad)[:2000])
        sdk_knowledge(c, t, stack, key, kbid, out)
        at = out.get("attachmentText") or {}
        c.check(t + "getAttachmentText of an id the ticket has not: 404 "
                "naming id", at.get("status") == 404 and
                at.get("field") == "id", at)
        # Jira Service Management through the tools: the raise is a
        # request of the desk; Jira's laptop type waits for the person's
        # approval (the stand-in's approver), the embedded store has no
        # approvals (409 naming decision).
        rq = out.get("request") or ""
        ap = [x for x in calls if x["name"] == "answerApproval"]
        sc = (ap[0].get("structuredContent") or {}) if ap else {}
        c.check(t + "a request raised in %s through createDraft and "
                "submitDraft" % desk[0], rq.startswith(desk[0] + "-"), rq)
        if desk[0] == "ITH":
            c.check(t + "its approval answered: approved",
                    ap and not ap[0]["isError"] and
                    sc.get("approval", {}).get("decision") == "approved",
                    sc)
        else:
            c.check(t + "no approval waits: an error naming decision",
                    ap and ap[0]["isError"] and sc.get("status") == 409
                    and sc.get("field") == "decision", sc)
        form = out.get("form", {})
        res = form.get("result") or {}
        if sdk == "v2":
            c.eq(t + "the form asked for exactly project and summary",
                 form.get("asked"), ["project", "summary"])
            c.check(t + "and the retried call drafted the ticket",
                    not res.get("isError") and
                    (res.get("structuredContent") or {}).get(
                        "preview", {}).get("project") == project, res)
        else:
            c.check(t + "the same questions as a tool error with errors[]",
                    res.get("isError") is True and sorted(
                        e["field"] for e in (res.get("structuredContent") or
                                             {}).get("errors", [])) ==
                    ["project", "summary"], res)


KB_QUESTION = "How do I connect my laptop to the office Wi-Fi?"
KB_TITLE = "Connect to the office Wi-Fi"


def import_article(c, s, stack):
    """One article in the embedded knowledge base (both backends search
    it), imported as an operator does; its id (kb-N)."""
    path = os.path.join(stack.workdir, "wifi.md")
    with open(path, "w", encoding="utf-8") as f:
        f.write("# %s\n\nJoin the network **CorpNet** with your account; "
                "forget the network *Guest* first.\n" % KB_TITLE)
    rc, out, err = stack.admin("kb", "import", path, "--url-base",
                               "https://docs.example/kb/")
    c.check(s + "an article imported with jta-admin kb import",
            rc == 0 and out.startswith("added kb-"), (rc, out, err))
    return out.split()[1] if rc == 0 else "kb-0"


def sdk_knowledge(c, t, stack, key, kbid, out):
    """The SDK's knowledge calls: the imported article found first, read
    exactly as GET /api/knowledge/{id} reads it, recorded as helped."""
    calls = {x["name"]: x for x in out.get("calls", [])}
    found = (calls.get("searchKnowledge", {}).get("structuredContent") or
             {}).get("articles", [])
    c.check(t + "searchKnowledge finds the imported article first",
            found[:1] and found[0]["id"] == kbid and
            found[0]["title"] == KB_TITLE, found)
    got = calls.get("getKnowledgeArticle", {}).get("structuredContent")
    st, _, rest, _ = Client(stack, key).call("GET", "/api/knowledge/" +
                                             kbid)
    c.check(t + "getKnowledgeArticle answers what the REST read answers",
            st == 200 and got == rest and "CorpNet" in
            (got or {}).get("body", ""), (st, got, rest))
    c.eq(t + "markKnowledgeHelped records it",
         calls.get("markKnowledgeHelped", {}).get("structuredContent"),
         {"recorded": True, "id": kbid})
    instr = out.get("instructions") or ""
    c.check(t + "the server's instructions: searchKnowledge before "
            "createDraft", 0 <= instr.find("searchKnowledge") <
            instr.find("createDraft"), instr)


def knowledge_count(stack):
    """Requests counted under "knowledge" in /metrics."""
    st, _, data = stack.request("GET", "/metrics")
    n = 0
    for line in (data or b"").decode("utf-8", "replace").splitlines():
        if line.startswith('jta_requests_total{endpoint="knowledge",'):
            n += int(line.rsplit(None, 1)[1])
    return n


def answered(stack):
    """jta-admin usage's answered-from-knowledge count (None: absent)."""
    rc, out, err = stack.admin("usage")
    m = re.search(r"answered from knowledge \(a person said an article "
                  r"helped\): (\d+)", out)
    return int(m.group(1)) if rc == 0 and m else None


def knowledge_cases(c, s, stack, m, key, kbid, local):
    """The knowledge tools are their REST requests: metrics, usage, input
    problems, and (local) the access rules."""
    c.eq(s + "the SDKs' two markKnowledgeHelped calls are counted as "
         "answered from knowledge", answered(stack), 2)
    before = knowledge_count(stack)
    st, h, j = m.tool("searchKnowledge", {"text": KB_QUESTION})
    r = (j or {}).get("result", {})
    c.check(s + "a searchKnowledge tool call answers the articles and a "
            "text with one line each", st == 200 and not r.get("isError")
            and r["structuredContent"]["articles"][0]["id"] == kbid and
            "%s: %s <https://docs.example/kb/wifi.md>" % (kbid, KB_TITLE)
            in r["content"][0]["text"], (st, j))
    c.eq(s + "... counted as a knowledge request in the metrics",
         knowledge_count(stack), before + 1)
    st, h, j = m.tool("getKnowledgeArticle", {"id": kbid})
    r = (j or {}).get("result", {})
    c.check(s + "a getKnowledgeArticle tool call's text has the title, "
            "the link and the body (for clients that show text only)",
            st == 200 and r["content"][0]["text"].startswith(
                KB_TITLE + " <https://docs.example/kb/wifi.md>\n\n# " +
                KB_TITLE) and "**CorpNet**" in r["content"][0]["text"],
            (st, j))
    st, h, j = m.tool("markKnowledgeHelped", {"id": kbid})
    c.eq(s + "a markKnowledgeHelped tool call counts one more answer",
         answered(stack), 3)
    for args, tool, status, field in (
            ({"id": "kb.1"}, "getKnowledgeArticle", 422, "id"),
            ({"id": "k" * 65}, "getKnowledgeArticle", 422, "id"),
            ({"id": "kb-99999"}, "getKnowledgeArticle", 404, "id"),
            ({"id": "kb-99999"}, "markKnowledgeHelped", 404, "id"),
            ({"id": kbid, "helped": True}, "markKnowledgeHelped", 400,
             "helped"),
            ({"text": "wifi", "space": "H R"}, "searchKnowledge", 422,
             "space"),
            ({"text": "wifi", "limit": 21}, "searchKnowledge", 422,
             "limit"),
            ({"space": "HR"}, "searchKnowledge", 422, "text")):
        st, h, j = m.tool(tool, args)
        p = (j or {}).get("result", {}).get("structuredContent") or {}
        c.check(s + "%s %s: an isError result, %d naming %s" % (
            tool, json.dumps(args)[:40], status, field),
            st == 200 and j["result"].get("isError") is True and
            p.get("status") == status and p.get("field") == field, (st, j))
    if not local:
        return
    rc, out, err = stack.admin("deny", "person", "alice", "--for", "read")
    c.check(s + "a deny rule for alice's reads", rc == 0, (rc, out, err))
    rid = out.split(":")[0].split()[-1] if rc == 0 else None
    st, h, j = m.tool("searchKnowledge", {"text": KB_QUESTION})
    r = (j or {}).get("result", {})
    c.check(s + "the rule refuses searchKnowledge as an isError 403",
            r.get("isError") is True and
            r["structuredContent"].get("status") == 403, (st, j))
    st, _, _, _ = Client(stack, key).call(
        "GET", "/api/knowledge?" + urllib.parse.urlencode({
            "text": KB_QUESTION}))
    c.eq(s + "... as it refuses the REST search", st, 403)
    if rid is not None:
        stack.admin("rules", "remove", rid)
    rc, out, err = stack.admin("deny", "readonly")
    rid = out.split(":")[0].split()[-1] if rc == 0 else None
    c.check(s + "deny readonly", rc == 0, (rc, out, err))
    st, h, j = m.tool("markKnowledgeHelped", {"id": kbid})
    r = (j or {}).get("result", {})
    c.check(s + "... leaves markKnowledgeHelped alone (a read for the "
            "rules: no ticket changes)", not r.get("isError") and
            r.get("structuredContent", {}).get("recorded") is True, (st, j))
    st, h, j = m.tool("createDraft", {"project": "DEMO", "summary": "x"})
    c.check(s + "... while it refuses createDraft",
            (j or {}).get("result", {}).get("isError") is True, (st, j))
    if rid is not None:
        stack.admin("rules", "remove", rid)


def rules_cases(c, s, stack, m, key, project):
    """A tool call is its operation for the rules, usage and audit."""
    rc, out, err = stack.admin("deny", "project", project, "--for",
                               "create")
    c.check(s + "a deny rule for creating in %s" % project, rc == 0,
            (out, err))
    rid = out.split(":")[0].split()[-1] if rc == 0 else None
    st, h, j = m.tool("createDraft", {"project": project,
                                      "summary": "refused"})
    r = (j or {}).get("result", {})
    c.check(s + "createDraft is refused by the rule as an isError result",
            st == 200 and r.get("isError") is True and
            r["structuredContent"].get("status") == 403, (st, j))
    st, _, j2, _ = Client(stack, key).call("POST", "/api/drafts", body={
        "project": project, "summary": "refused"})
    c.eq(s + "... as the REST create is", st, 403)
    st, h, j = m.tool("searchIssues", {"project": project, "limit": 1})
    c.check(s + "a search is not a create: served",
            not (j or {}).get("result", {}).get("isError"), (st, j))
    if rid is not None:
        stack.admin("rules", "remove", rid)
    quota_cases(c, s, stack, m)
    try:
        con = sqlite3.connect(os.path.join(stack.workdir, "jta.db"))
        rows = con.execute("SELECT endpoint, status, detail, action, "
                           "issue_key FROM audit_log WHERE detail LIKE "
                           "'mcp tool%' ORDER BY id").fetchall()
        con.close()
    except sqlite3.Error as e:
        rows = [("error", 0, str(e), "", "")]
    c.check(s + "the audit has the refused tool call under its operation, "
            "with the tool's name", any(
                r[0] == "drafts.create" and r[1] == 403 and
                "createDraft" in r[2] for r in rows), rows[-5:])
    c.check(s + "and the SDK's submitDraft as a create with the issue key",
            any(r[0] == "drafts" and r[3] == "create" and r[1] == 201 and
                "submitDraft" in r[2] and r[4].startswith(project + "-")
                for r in rows), rows)


def quota_cases(c, s, stack, m):
    """Quotas cover tool calls as the REST requests they are: a notice in
    the tool's result near the limit, an isError 429 past it; a creates
    quota refuses createDraft and leaves searches alone."""
    rc, out, err = stack.admin("usage", "--by", "person", "--json")
    used = {r["person"]: r for r in json.loads(out)}.get("alice", {}).get(
        "calls", 0) if rc == 0 else 0
    c.check(s + "tool calls are counted as usage", used > 20, used)
    rc, out, err = stack.admin("quota", "set", "--person", "alice",
                               "--metric", "calls", "--limit",
                               str(used + 2))
    c.check(s + "a calls quota near alice's usage", rc == 0, err)
    st, h, j = m.tool("getMe", {})
    r = (j or {}).get("result", {})
    note = (r.get("structuredContent") or {}).get("notice", "")
    c.check(s + "near the quota the tool's result carries the notice, in "
            "its text too", note.startswith("Quota almost used up") and
            note in r["content"][0]["text"] and "notice" not in (j or {}),
            (st, j))
    m.tool("getMe", {})
    st, h, j = m.tool("getMe", {})
    r = (j or {}).get("result", {})
    c.check(s + "past the quota a tool call is an isError 429 result",
            st == 200 and r.get("isError") is True and
            r["structuredContent"].get("status") == 429 and
            r["structuredContent"].get("field") == "quota", (st, j))
    st, h, j = m.modern("tools/list")
    c.check(s + "... and tools/list is no operation: still served",
            st == 200 and "tools" in (j or {}).get("result", {}), (st, j))
    stack.admin("quota", "remove", "--person", "alice", "--metric", "calls")
    rc, out, err = stack.admin("quota", "set", "--person", "alice",
                               "--metric", "creates", "--limit", "0")
    st, h, j = m.tool("createDraft", {"project": "DEMO", "summary": "q"})
    r = (j or {}).get("result", {})
    c.check(s + "a used-up creates quota refuses createDraft",
            r.get("isError") is True and
            r["structuredContent"].get("status") == 429, (st, j))
    st, h, j = m.tool("searchIssues", {"limit": 1})
    c.check(s + "... and lets a search through",
            not (j or {}).get("result", {}).get("isError"), (st, j))
    stack.admin("quota", "remove", "--person", "alice", "--metric",
                "creates")


def usage_cases(c, s, stack):
    """Metrics count tool calls under their operation's name."""
    st, _, data = stack.request("GET", "/metrics")
    text = data.decode("utf-8", "replace") if data else ""
    c.check(s + "metrics count tools/call searches as issues.search",
            'endpoint="issues.search"' in text and 'endpoint="mcp"' in text,
            (st, text[:300]))


def cost(c, s, stack, m, key, project, n=300):
    """Per-call cost of a tools/call search against the same REST search,
    interleaved in one run (medians and their ratio, printed; no
    threshold: the host is shared)."""
    rest = Client(stack, key)
    path = "/api/issues?" + urllib.parse.urlencode({"project": project,
                                                    "limit": 5})
    for _ in range(10):
        rest.call("GET", path)
        m.tool("searchIssues", {"project": project, "limit": 5})
    t_rest, t_mcp = [], []
    for i in range(n):
        # Each first in turn, so neither gains from the other's warm-up.
        for which in ((0, 1) if i % 2 else (1, 0)):
            t0 = time.perf_counter()
            if which == 0:
                st1, _, _, _ = rest.call("GET", path)
                t_rest.append(time.perf_counter() - t0)
            else:
                st2, _, _ = m.tool("searchIssues", {"project": project,
                                                    "limit": 5})
                t_mcp.append(time.perf_counter() - t0)
    t_rest.sort()
    t_mcp.sort()
    mr, mm = t_rest[n // 2], t_mcp[n // 2]
    print("# %scost: median REST search %.3f ms, tools/call search %.3f ms, "
          "ratio %.3f; means %.3f / %.3f ms (%d calls each)" % (
              s, 1e3 * mr, 1e3 * mm, mm / mr, 1e3 * sum(t_rest) / n,
              1e3 * sum(t_mcp) / n, n))
    c.check(s + "the cost loop ran", st1 == 200 and st2 == 200)


def local_person(stack):
    for args in (("user", "add", "alice", "--email", "alice@example.com",
                  "--display-name", "Alice Example"),
                 ("project", "add", "DEMO", "Demo project")):
        rc, out, err = stack.admin(*args)
        assert rc == 0, (args, out, err)
    rc, out, err = stack.admin("key", "create", "alice")
    assert rc == 0, err
    return out.strip(), "DEMO", "alice"


def desk(mode, stack):
    """A service desk and a request type of it (README.md "Jira Service
    Management"): the stand-in's IT Help (its laptop type waits for the
    approval of Alice, the person here), or one made in the embedded
    store with jta-admin requesttype."""
    if mode == "jira":
        standin.config(servicedesk=True)
        return ("ITH", "Request a new laptop")
    for args in (("project", "add", "IT", "IT Help"),
                 ("requesttype", "add", "IT", "Wi-Fi problem",
                  "--description", "The office Wi-Fi drops.")):
        rc, out, err = stack.admin(*args)
        assert rc == 0, (args, out, err)
    return ("IT", "Wi-Fi problem")


def jira_person(stack):
    return link(stack), "OPS", "ali"


def scenario(person):
    def test(c, stack, server):
        key, project, userq = person(stack)
        mode = "jira" if project == "OPS" else "local"
        s = "%s/%s: " % (mode, server)
        st, _, j, _ = Client(stack, key).call("POST", "/api/issues", body={
            "project": project, "summary": "Printer on floor 3 is jammed"})
        c.check(s + "an issue to work on", st == 201, (st, j))
        issue = (j or {}).get("key", "")
        kbid = import_article(c, s, stack)
        m = Mcp(stack, key)
        raw_cases(c, s, m, stack)
        protocol_cases(c, s, m, project)
        drift_cases(c, s, m)
        sdk_cases(c, s, stack, key, project, issue, userq, kbid,
                  desk(mode, stack))
        knowledge_cases(c, s, stack, m, key, kbid, mode == "local")
        if mode == "local":
            rules_cases(c, s, stack, m, key, project)
        usage_cases(c, s, stack)
        cost(c, s, stack, m, key, project)
    return test


if __name__ == "__main__":
    try:
        jtatest.run_modes([
            ("local", scenario(local_person), None),
            ("jira", scenario(jira_person), lambda st: jira_conf(
                st, timeout_ms=15000, budget_ms=20000),
             {"default_project": "OPS"}),
        ], "mcp", metrics_open=True)
    finally:
        standin.stop()
