"""The GPT Action's schema as the server serves it, under nginx and Apache:
GET /openapi.yaml (public_url substituted, ETag, 304, HEAD, errors), a
linter over the served document (Redocly's recommended rules, through
test_openapi.js), and the rules of ChatGPT's GPT Actions and of our GPT
(at most 30 operations, operationId and short summary on each, parameter
descriptions under 700 characters, the consequential flags, servers and
OAuth URLs naming this deployment); then the GPT's files in htdocs/: the
instructions under 8,000 characters naming only operations the schema
has, four conversation starters, the privacy and setup pages.

Needs node and the npm packages of tests/package.json (sh cli/deps.sh
test installs them in tests/node_modules; JTA_NODE_MODULES names another
node_modules, as tests/run.sh does for distcheck's read-only tree)."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import jtatest
from jtatest import Client, run

# api.md "Operations the GPT sees", and the four that change a ticket:
# ChatGPT asks the person before calling a consequential operation.
OPERATIONS = {
    "getMe", "listProjects", "getCreateFields", "searchIssues", "getIssue",
    "updateIssue", "addComment", "listTransitions", "transitionIssue",
    "createDraft", "getDraft", "updateDraft", "discardDraft", "submitDraft",
    "findSimilar", "findUsers", "searchKnowledge", "getKnowledgeArticle",
    "markKnowledgeHelped", "listServiceDesks", "listRequests",
    "getRequest", "commentOnRequest", "listRequestMoves", "moveRequest",
    "answerApproval", "attachFiles", "getAttachmentText"}
CONSEQUENTIAL = {"updateIssue", "addComment", "transitionIssue",
                 "submitDraft", "commentOnRequest", "moveRequest",
                 "answerApproval", "attachFiles"}
METHODS = ("get", "put", "post", "delete", "options", "head", "patch",
           "trace")
# GPT Actions' limits (and the issue's): operations, summary and
# description length, parameter description length, instructions.
MAX_OPERATIONS = 30
MAX_SUMMARY = 300
MAX_PARAM_DESC = 700
MAX_INSTRUCTIONS = 8000
STARTERS = 4


def node_modules():
    """The node_modules holding tests/package.json's packages, or None."""
    for d in (os.environ.get("JTA_NODE_MODULES"),
              os.path.join(jtatest.SRCDIR, "tests", "node_modules")):
        if d and os.path.isfile(os.path.join(d, ".package-lock.json")):
            return d
    return None


def node_or_skip():
    """(node, environment for it), or exit 77 saying what is missing."""
    node = shutil.which("node")
    mods = node_modules()
    if node is None or mods is None:
        print("SKIP: %s; run sh cli/deps.sh test" % (
            "node is not installed" if node is None else
            "the npm packages of tests/package.json are not installed"))
        sys.exit(77)
    env = dict(os.environ)
    env["NODE_PATH"] = mods
    return node, env


def resolve(doc, obj):
    """obj, or what its local $ref points at."""
    while isinstance(obj, dict) and "$ref" in obj:
        ref = obj["$ref"]
        assert ref.startswith("#/"), ref
        obj = doc
        for part in ref[2:].split("/"):
            obj = obj[part.replace("~1", "/").replace("~0", "~")]
    return obj


def operations(doc):
    """(method, path, operation) for every operation of doc."""
    for path, item in sorted(doc.get("paths", {}).items()):
        for m in METHODS:
            if m in item:
                yield m, path, item[m]


def gpt_rules(c, s, doc, base):
    """The rules ChatGPT's GPT Actions and our GPT set for the schema."""
    c.check(s + "OpenAPI 3.1", str(doc.get("openapi", "")).startswith(
        "3.1."), doc.get("openapi"))
    ops = list(operations(doc))
    c.check(s + "at most %d operations" % MAX_OPERATIONS,
            0 < len(ops) <= MAX_OPERATIONS, len(ops))
    ids = [op.get("operationId") for _, _, op in ops]
    c.check(s + "every operation has an operationId",
            all(isinstance(i, str) and i for i in ids), ids)
    c.eq(s + "operationIds are unique", len(set(ids)), len(ids))
    c.eq(s + "exactly the operations of the contract", set(ids),
         OPERATIONS)
    bad = [i for _, _, op in ops for i in [op.get("operationId")]
           if not (isinstance(op.get("summary"), str) and
                   0 < len(op["summary"]) < MAX_SUMMARY)]
    c.check(s + "every summary is there and under %d characters" %
            MAX_SUMMARY, not bad, bad)
    bad = [op.get("operationId") for _, _, op in ops
           if len(op.get("description", "")) >= MAX_SUMMARY]
    c.check(s + "every description under %d characters" % MAX_SUMMARY,
            not bad, bad)
    bad = []
    for _, path, op in ops:
        params = list(doc["paths"][path].get("parameters", [])) + \
            list(op.get("parameters", []))
        for p in params:
            p = resolve(doc, p)
            d = p.get("description", "")
            if not d or len(d) >= MAX_PARAM_DESC:
                bad.append((op.get("operationId"), p.get("name"), len(d)))
    c.check(s + "every parameter described in under %d characters" %
            MAX_PARAM_DESC, not bad, bad)
    flags = {op.get("operationId"): op.get("x-openai-isConsequential")
             for _, _, op in ops}
    c.eq(s + "consequential exactly on edit, comment, transition, submit "
         "(issues and requests), an approval's answer and attaching files",
         {i for i, v in flags.items() if v is True}, CONSEQUENTIAL)
    c.check(s + "the other operations say false or nothing",
            all(v in (False, None) for i, v in flags.items()
                if i not in CONSEQUENTIAL), flags)
    # ChatGPT treats a POST or PATCH without the flag as consequential:
    # the draft steps must say false, or every preview asks for consent.
    c.check(s + "createDraft, updateDraft and discardDraft say false "
            "outright", flags.get("createDraft") is False and
            flags.get("updateDraft") is False and
            flags.get("discardDraft") is False, flags)
    servers = doc.get("servers") or [{}]
    c.eq(s + "servers[0] is the public URL", servers[0].get("url"), base)
    schemes = doc.get("components", {}).get("securitySchemes", {})
    oauth = [v for v in schemes.values() if v.get("type") == "oauth2"]
    flow = oauth[0].get("flows", {}).get("authorizationCode", {}) \
        if oauth else {}
    c.eq(s + "OAuth authorization URL is ours",
         flow.get("authorizationUrl"), base + "/oauth/authorize")
    c.eq(s + "OAuth token URL is ours", flow.get("tokenUrl"),
         base + "/oauth/token")
    c.eq(s + "OAuth scope is tickets", sorted(flow.get("scopes", {})),
         ["tickets"])
    c.check(s + "every operation needs the OAuth sign-in",
            all((op.get("security") or doc.get("security")) ==
                [{list(schemes)[0]: ["tickets"]}] for _, _, op in ops)
            if schemes else False, doc.get("security"))
    bad = []
    for _, _, op in ops:
        for st, r in op.get("responses", {}).items():
            r = resolve(doc, r)
            types = set(r.get("content", {}))
            # 204 No Content has no body (RFC 9110 §15.3.5).
            want = set() if st == "204" else {"application/json"} \
                if st.startswith("2") else {"application/problem+json"}
            if types != want:
                bad.append((op.get("operationId"), st, sorted(types)))
        if not any(st.startswith("2") for st in op.get("responses", {})):
            bad.append((op.get("operationId"), "no 2xx"))
    c.check(s + "successes are JSON, errors problem+json", not bad, bad)


def gpt_files(c, s, ids):
    """htdocs/gpt/: the instructions and the conversation starters."""
    with open(os.path.join(jtatest.SRCDIR, "htdocs", "gpt",
                           "instructions.md"), encoding="utf-8") as f:
        text = f.read()
    c.check(s + "instructions under %d characters" % MAX_INSTRUCTIONS,
            0 < len(text) < MAX_INSTRUCTIONS, len(text))
    named = set(re.findall(r"`([a-z]+[A-Z][A-Za-z]*)`", text))
    c.check(s + "instructions name only operations the schema has",
            named and named <= ids, named - ids)
    for step in ("findSimilar", "getCreateFields", "createDraft",
                 "submitDraft"):
        c.check(s + "instructions name %s" % step, step in named)
    with open(os.path.join(jtatest.SRCDIR, "htdocs", "gpt",
                           "starters.txt"), encoding="utf-8") as f:
        starters = [ln.strip() for ln in f if ln.strip()]
    c.eq(s + "%d conversation starters" % STARTERS, len(starters),
         STARTERS)
    c.check(s + "starters are short single lines",
            all(len(x) <= 120 for x in starters), starters)


def test(c, stack, server):
    s = server + ": "
    base = stack.base_url
    node, env = node_or_skip()
    anon = Client(stack)
    work = tempfile.mkdtemp(prefix="jta-openapi-")

    st, h, _, raw = anon.call("GET", "/openapi.yaml")
    c.eq(s + "GET /openapi.yaml is 200 without a key", st, 200)
    c.check(s + "served as application/yaml",
            h.get("content-type", "").startswith("application/yaml"), h)
    etag = h.get("etag", "")
    c.check(s + "with a strong ETag", re.fullmatch(r'"[0-9a-f]{32}"',
                                                  etag) is not None, etag)
    c.check(s + "and a Cache-Control that allows revalidation",
            "max-age=" in h.get("cache-control", ""), h)
    text = raw.decode("utf-8")
    c.check(s + "no placeholder left", "@PUBLIC_URL@" not in text)
    c.check(s + "servers names the public URL",
            ('url: "%s"' % base) in text)
    st, h2, _, raw2 = anon.call("GET", "/openapi.yaml",
                                headers={"If-None-Match": etag})
    c.check(s + "If-None-Match with the ETag is 304 without a body",
            st == 304 and not raw2 and h2.get("etag") == etag, (st, h2))
    st, _, _, _ = anon.call("GET", "/openapi.yaml", headers={
        "If-None-Match": '"0000", W/%s' % etag})
    c.eq(s + "a weak match in a list is 304 too", st, 304)
    st, _, _, raw2 = anon.call("GET", "/openapi.yaml", headers={
        "If-None-Match": '"0123456789abcdef0123456789abcdef"'})
    c.check(s + "another ETag gets the document", st == 200 and
            raw2 == raw, st)
    st, h2, _, raw2 = anon.call("HEAD", "/openapi.yaml")
    c.check(s + "HEAD has the headers, no body",
            st == 200 and not raw2 and h2.get("etag") == etag, (st, h2))
    st, h2, j, _ = anon.call("POST", "/openapi.yaml", body={})
    c.check(s + "POST is 405 naming GET, HEAD",
            st == 405 and h2.get("allow") == "GET, HEAD" and
            j and j.get("field") == "method", (st, h2, j))
    st, _, j, _ = anon.call("GET", "/openapi.yaml?x=1")
    c.check(s + "an unknown parameter is 400 naming it",
            st == 400 and j and j.get("field") == "x", (st, j))

    # The linter, on the document as served.
    served = os.path.join(work, "openapi.yaml")
    as_json = os.path.join(work, "openapi.json")
    with open(served, "wb") as f:
        f.write(raw)
    here = os.path.dirname(os.path.abspath(__file__))
    lint = [node, os.path.join(here, "test_openapi.js")]
    p = subprocess.run(lint + [served, as_json], env=env,
                       capture_output=True, text=True, timeout=120)
    c.check(s + "the linter finds nothing", p.returncode == 0,
            p.stdout + p.stderr)
    # ... and is not a test that cannot fail.
    broken = re.sub(r"\n      operationId: getIssue\n", "\n", text)
    broken = broken.replace("\n  /api/me:\n", "\n  /api/me/{id}:\n", 1)
    with open(os.path.join(work, "broken.yaml"), "w") as f:
        f.write(broken)
    p2 = subprocess.run(lint + [os.path.join(work, "broken.yaml")],
                        env=env, capture_output=True, text=True,
                        timeout=120)
    c.check(s + "the linter catches a missing operationId and an "
            "undeclared path parameter", p2.returncode == 1 and
            "operation-operationId" in p2.stdout and
            "path-parameters-defined" in p2.stdout, p2.stdout + p2.stderr)
    try:
        with open(as_json) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        doc = {}
    c.check(s + "the served YAML parses", bool(doc), p.stderr)
    gpt_rules(c, s, doc, base)
    ids = {op.get("operationId") for _, _, op in operations(doc)}

    # Our authorization server publishes the same URLs (RFC 8414).
    st, _, meta, _ = anon.call("GET",
                               "/.well-known/oauth-authorization-server")
    flow = resolve(doc, doc.get("components", {}).get(
        "securitySchemes", {}).get("oauth", {})).get("flows", {}).get(
        "authorizationCode", {})
    c.check(s + "schema and RFC 8414 metadata agree", st == 200 and
            meta["authorization_endpoint"] == flow.get("authorizationUrl")
            and meta["token_endpoint"] == flow.get("tokenUrl") and
            set(flow.get("scopes", {})) <= set(meta["scopes_supported"]),
            (meta, flow))

    # Another public_url, through the program as plain CGI: it lands in
    # every URL of the schema and nowhere else.
    conf = os.path.join(work, "other.conf")
    other = "https://tickets.example.com/jta"
    with open(stack.conf) as f:
        lines = [ln for ln in f if not ln.startswith("public_url")]
    with open(conf, "w") as f:
        f.writelines(lines + ["public_url = %s\n" % other])
    rc, st, h, body = jtatest.cgi(conf, "jta-openapi", "GET",
                                  "/openapi.yaml")
    t2 = body.decode("utf-8", "replace")
    c.check(s + "another public_url replaces every placeholder",
            rc == 0 and st == 200 and t2.count(other) == 4 and
            "@PUBLIC_URL@" not in t2 and base not in t2, (rc, st))
    c.check(s + "another public_url, another ETag",
            h.get("etag") not in (None, etag), h)

    gpt_files(c, s, ids)

    # The GPT's pages and files through the web server.
    for path, ctype in (("/privacy.html", "text/html"),
                        ("/setup.html", "text/html"),
                        ("/gpt/instructions.md", "text/plain"),
                        ("/gpt/starters.txt", "text/plain")):
        st, h, _, body = anon.call("GET", path)
        c.check(s + "%s is served as %s" % (path, ctype),
                st == 200 and h.get("content-type", "").startswith(ctype)
                and body, (st, h))
    st, _, _, body = anon.call("GET", "/")
    page = body.decode("utf-8", "replace")
    c.check(s + "the landing page links the GPT's pages and files",
            all(('href="%s"' % x) in page for x in (
                "/setup.html", "/privacy.html", "/openapi.yaml",
                "/gpt/instructions.md", "/gpt/starters.txt")), page[:200])
    st, _, _, body = anon.call("GET", "/setup.html")
    page = body.decode("utf-8", "replace")
    c.check(s + "the setup page names the URLs and the admin command",
            all(x in page for x in ("/openapi.yaml", "/oauth/authorize",
                                    "/oauth/token", "/privacy.html",
                                    "jta-admin client add",
                                    "Default (POST request)")))
    c.check(s + "the pages carry no script (the CSP allows none inline)",
            all("<script" not in open(os.path.join(
                jtatest.SRCDIR, "htdocs", n), encoding="utf-8").read()
                for n in ("index.html", "privacy.html", "setup.html")))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    node_or_skip()
    run(test)
