"""Confluence Cloud and the JSM knowledge base for the Atlassian stand-in
(atlassian.py registers it): the v1 CQL search, the v2 page and blog post
reads, per-person page permissions, a site without Confluence, and JSM's
knowledge-base article search.  Standard library only.

Shapes: the v2 reads follow confluence-v2.json (PageSingle, BlogPostSingle,
BodySingle, Version, AbstractPageLinks); JSM's search follows
jira-servicedesk.json (PagedDTOArticleDTO, ArticleDTO, SourceDTO); the v1
search is not in those documents and follows Atlassian's v1 reference page
(https://developer.atlassian.com/cloud/confluence/rest/v1/api-group-search/)
and the CQL pages (advanced searching, text searches through Lucene's
query syntax); see README.md.  Requests are checked against the same:
a query parameter the document does not list is 400, a malformed CQL is
400 as Confluence answers it."""

import json
import re
import threading
import urllib.parse

SITE_SPACES = {"IT": "65537", "HR": "65538", "HELP": "65539"}

# The scopes each call needs (the documents' x-atlassian-oauth2-scopes;
# v1 search: its reference page).
SEARCH_SCOPES = ("search:confluence",)
READ_SCOPES = ("read:page:confluence",)
SPACE_SCOPES = ("read:space:confluence",)
JSM_SCOPES = ("read:servicedesk-request",)

# Query parameters each operation takes (its document's parameters).
SEARCH_PARAMS = {"cql", "cqlcontext", "cursor", "next", "prev", "limit",
                 "start", "includeArchivedSpaces", "excludeCurrentSpaces",
                 "excerpt", "sitePermissionTypeFilter", "_", "expand"}
PAGE_PARAMS = {"body-format", "get-draft", "status", "version",
               "include-labels", "include-properties", "include-operations",
               "include-likes", "include-versions", "include-version",
               "include-favorited-by-current-user-status",
               "include-webresources", "include-collaborators",
               "include-direct-children"}
BLOG_PARAMS = PAGE_PARAMS - {"include-direct-children"}
BODY_FORMATS = {"storage", "atlas_doc_format", "view", "export_view",
                "anonymous_export_view", "styled_view", "editor"}
JSM_PARAMS = {"query", "highlight", "start", "limit", "cursor", "prev"}
# The v2 listings (confluence-v2.json: GET /spaces, GET /spaces/{id}/pages).
SPACES_PARAMS = {"ids", "keys", "type", "status", "labels", "favorited-by",
                 "not-favorited-by", "sort", "description-format",
                 "include-icon", "cursor", "limit"}
SPACE_PAGES_PARAMS = {"depth", "sort", "status", "title", "body-format",
                      "cursor", "limit"}

_lock = threading.RLock()


def _adf(*paras):
    content = []
    for p in paras:
        if isinstance(p, tuple):            # a heading
            content.append({"type": "heading", "attrs": {"level": p[0]},
                            "content": [{"type": "text", "text": p[1]}]})
        elif isinstance(p, list):           # a bullet list
            content.append({"type": "bulletList", "content": [
                {"type": "listItem", "content": [
                    {"type": "paragraph", "content": [
                        {"type": "text", "text": x}]}]} for x in p]})
        else:
            content.append({"type": "paragraph", "content": [
                {"type": "text", "text": p}]})
    return {"type": "doc", "version": 1, "content": content}


def seed(bob_id):
    """The pages of the site: id -> page.  readers: None for everyone,
    else the account ids that may see it."""
    pages = {}

    def add(pid, kind, space, title, body, readers=None):
        pages[pid] = {"id": pid, "type": kind, "space": space,
                      "title": title, "adf": body, "readers": readers,
                      "modified": "2026-11-02T10:00:00.000Z"}
    add("1001", "page", "IT", "Connect to the office Wi-Fi", _adf(
        (2, "Office Wi-Fi"),
        "Open Settings, choose the CorpNet network and sign in with your "
        "company account.",
        ["Forget the Guest network first", "Ask the help desk if it fails"]))
    add("1002", "page", "IT", "VPN client setup", _adf(
        "Install the VPN client from the software portal and connect to "
        "the office network from home."))
    add("1003", "page", "HR", "Salary bands and office Wi-Fi allowance",
        _adf("Confidential: salary bands, and the office Wi-Fi allowance "
             "for managers."), readers=[bob_id])
    add("2001", "blogpost", "IT", "Wi-Fi maintenance on Saturday", _adf(
        "The office Wi-Fi is down on Saturday morning for maintenance."))
    add("1004", "page", "IT", 'Quotes "and" back\\slashes', _adf(
        'A page whose title holds "quotes" and a back\\slash.'))
    add("3001", "page", "HELP", "Printer jams on floor 3", _adf(
        "Open tray 2, remove the jammed paper and restart the printer."))
    add("3002", "page", "HELP", "Reset the office alarm code", _adf(
        "Managers reset the alarm code at the reception."),
        readers=[bob_id])
    return pages


def state(w):
    """The Confluence part of world w, made on first use (reset() drops
    it)."""
    with _lock:
        st = getattr(w, "confluence", None)
        if st is None:
            from atlassian import BOB
            st = {"pages": seed(BOB["account_id"]), "no_confluence": [],
                  "no_jsm": [], "cql": [], "jsm_queries": [],
                  "fail_listing": False, "listings": []}
            w.confluence = st
        return st


def configure(w, no_confluence=None, no_jsm=None, fail_listing=None):
    """Sites (by name) without Confluence, or without JSM; fail_listing:
    a space's page listing answers its first page, then 500 for every
    later one (a cursor given): an upstream failing half-way."""
    st = state(w)
    with w.lock:
        if no_confluence is not None:
            st["no_confluence"] = list(no_confluence)
        if no_jsm is not None:
            st["no_jsm"] = list(no_jsm)
        if fail_listing is not None:
            st["fail_listing"] = bool(fail_listing)


def add_page(w, pid, space, title, text, readers=None):
    """Add (or replace) a page of the site, for tests that change the
    content between syncs."""
    st = state(w)
    with w.lock:
        st["pages"][pid] = {"id": pid, "type": "page", "space": space,
                            "title": title, "adf": _adf(text),
                            "readers": readers,
                            "modified": "2026-11-20T08:30:00.000Z"}


def remove_page(w, pid):
    st = state(w)
    with w.lock:
        st["pages"].pop(pid, None)


# ---- CQL (the subset the product sends, parsed strictly) ----

class CqlError(Exception):
    pass


def cql_tokens(q):
    toks, i = [], 0
    while i < len(q):
        c = q[i]
        if c.isspace():
            i += 1
        elif c in "(),":
            toks.append(("p", c))
            i += 1
        elif c == '"':
            i += 1
            out = []
            while True:
                if i >= len(q):
                    raise CqlError("unterminated string")
                if q[i] == "\\":
                    if i + 1 >= len(q):
                        raise CqlError("a backslash ends the string")
                    out.append(q[i + 1])
                    i += 2
                elif q[i] == '"':
                    i += 1
                    break
                else:
                    out.append(q[i])
                    i += 1
            toks.append(("s", "".join(out)))
        elif q.startswith("!=", i) or q.startswith("!~", i):
            toks.append(("o", q[i:i + 2]))
            i += 2
        elif c in "=~":
            toks.append(("o", c))
            i += 1
        else:
            m = re.match(r"[A-Za-z0-9_.]+", q[i:])
            if not m:
                raise CqlError("unexpected character %r" % c)
            toks.append(("w", m.group(0)))
            i += len(m.group(0))
    return toks


def lucene_terms(v):
    """The words of a Lucene query string: escapes undone; an unescaped
    special character or an upper-case operator is refused (the product
    must never send one from a person's words)."""
    out, cur, i = [], [], 0
    while i < len(v):
        c = v[i]
        if c == "\\" and i + 1 < len(v):
            cur.append(v[i + 1])
            i += 2
            continue
        if c in '+-&|!(){}[]^"~*?:/':
            raise CqlError("Lucene syntax %r in a text value" % c)
        if c.isspace():
            if cur:
                out.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    if cur:
        out.append("".join(cur))
    for t in out:
        if t in ("AND", "OR", "NOT"):
            raise CqlError("Lucene operator %s in a text value" % t)
    return out


def parse_cql(q):
    toks = cql_tokens(q)
    pos = [0]

    def peek():
        return toks[pos[0]] if pos[0] < len(toks) else (None, None)

    def take():
        t = peek()
        pos[0] += 1
        return t

    def expr():
        left = term()
        while peek()[0] == "w" and peek()[1].upper() in ("AND", "OR"):
            op = take()[1].upper()
            right = term()
            left = (op, left, right)
        return left

    def term():
        k, v = take()
        if (k, v) == ("p", "("):
            e = expr()
            if take() != ("p", ")"):
                raise CqlError("missing )")
            return e
        if k != "w":
            raise CqlError("expected a field, got %r" % (v,))
        field = v.lower()
        if field not in ("type", "text", "space", "title"):
            raise CqlError("unknown field %s" % v)
        k2, op = take()
        negate = False
        if k2 == "w" and op.lower() == "not" and field != "text":
            negate = True
            k2, op = take()
            if k2 != "w" or op.lower() != "in":
                raise CqlError("expected in after not")
        if k2 == "w" and op.lower() == "in":
            if take() != ("p", "("):
                raise CqlError("expected (")
            vals = []
            while True:
                k3, val = take()
                if k3 not in ("w", "s"):
                    raise CqlError("expected a value")
                vals.append(val)
                sep = take()
                if sep == ("p", ")"):
                    break
                if sep != ("p", ","):
                    raise CqlError("expected , or )")
            return ("not in" if negate else "in", field, vals)
        if k2 != "o" or op not in ("=", "~", "!="):
            raise CqlError("expected an operator after %s" % v)
        k3, val = take()
        if k3 not in ("w", "s"):
            raise CqlError("expected a value")
        if field in ("text", "title") and op != "~":
            raise CqlError("%s takes ~" % field)
        if field in ("text", "title"):
            return ("~", field, lucene_terms(val))
        return (op, field, val)

    e = expr()
    if pos[0] != len(toks):
        raise CqlError("unexpected %r" % (peek()[1],))
    return e


def adf_plain(n):
    if isinstance(n, dict):
        return (n.get("text", "") + " " +
                " ".join(adf_plain(c) for c in n.get("content", [])))
    return ""


def matches(e, page):
    op = e[0]
    if op in ("AND", "OR"):
        a, b = matches(e[1], page), matches(e[2], page)
        return (a and b) if op == "AND" else (a or b)
    if op in ("in", "not in"):
        hit = page[e[1]] in e[2] if e[1] == "type" else \
            page.get(e[1]) in e[2]
        return hit if op == "in" else not hit
    if op == "~":
        hay = page["title"] if e[1] == "title" else \
            page["title"] + " " + adf_plain(page["adf"])
        hay = hay.lower()
        return all(t.lower() in hay for t in e[2])
    val = page["type"] if e[1] == "type" else page["space"]
    return (val == e[2]) if op == "=" else (val != e[2])


# ---- the routes ----

def _unknown_params(h, allowed):
    bad = sorted(set(h.query) - allowed)
    if bad:
        return 400, {"statusCode": 400, "message": "Unknown query "
                     "parameter(s): %s" % ", ".join(bad)}
    return None


def _scoped(fam, needed):
    have = set(fam["scope"].split())
    return all(s in have for s in needed)


def _scope_401():
    return 401, {"code": 401, "message": "Unauthorized; scope does not "
                 "match"}


def _site(h, cloud):
    w = h.world
    return next(s for s in w.sites() if s["id"] == cloud)


def _visible(page, account):
    return page["readers"] is None or account in page["readers"]


def _webui(page):
    kind = "pages" if page["type"] == "page" else "blog"
    return "/spaces/%s/%s/%s/%s" % (page["space"], kind, page["id"],
                                   urllib.parse.quote_plus(page["title"]))


def route(h, method, path):
    """/ex/confluence/{cloudid}/wiki/...: the v1 search and the v2
    reads, as the bearer's person."""
    w = h.world
    m = re.fullmatch(r"/ex/confluence/([^/]+)(/wiki/.*)", path)
    if not m or method != "GET":
        return 404, {"code": 404, "message": "Not Found"}
    cloud, cpath = m.group(1), m.group(2)
    w.count("api_calls", "confluence %s %s" % (method, cpath))
    fam_id, fam = h.bearer(cloud)
    st = state(w)
    with w.lock:
        site = _site(h, cloud)
        if site["name"] in st["no_confluence"]:
            # The gateway's answer for a product the site does not have
            # (from memory).
            return 404, {"code": 404, "message": "Not Found"}
        account = fam["account"]
        base = w.site_url(site["name"]) + "/wiki"
        if cpath == "/wiki/rest/api/search":
            return _search(h, st, fam, account, base)
        m = re.fullmatch(r"/wiki/api/v2/(pages|blogposts)/([^/]+)", cpath)
        if m:
            return _read(h, st, fam, account, base, m.group(1), m.group(2))
        if cpath == "/wiki/api/v2/spaces":
            return _spaces(h, fam, base)
        m = re.fullmatch(r"/wiki/api/v2/spaces/([^/]+)/pages", cpath)
        if m:
            return _space_pages(h, st, fam, account, base, m.group(1))
    return 404, {"code": 404, "message": "Not Found"}


def _search(h, st, fam, account, base):
    bad = _unknown_params(h, SEARCH_PARAMS)
    if bad:
        return bad
    if not _scoped(fam, SEARCH_SCOPES):
        return _scope_401()
    cql = h.q1("cql")
    if not cql:
        return 400, {"statusCode": 400, "message": "cql is required"}
    st["cql"].append(cql)
    try:
        e = parse_cql(cql)
    except CqlError as x:
        return 400, {"statusCode": 400, "message": "Could not parse cql : "
                     "%s (%s)" % (cql, x)}
    limit = h.qint("limit", 25, 0, 1000)
    expand = (h.q1("expand") or "").split(",")
    found = [p for p in st["pages"].values()
             if _visible(p, account) and matches(e, p)]
    found.sort(key=lambda p: p["id"])
    results = []
    for p in found[:limit]:
        content = {"id": p["id"], "type": p["type"], "status": "current",
                   "title": p["title"],
                   "_links": {"webui": _webui(p),
                              "self": base + "/rest/api/content/" + p["id"]},
                   "_expandable": {"space": "/rest/api/space/" + p["space"]}}
        if "content.space" in expand:
            content["space"] = {"key": p["space"], "name": p["space"],
                                "type": "global"}
        text = adf_plain(p["adf"]).strip()
        results.append({
            "content": content, "title": p["title"],
            "excerpt": "@@@hl@@@" + text[:60] + "@@@endhl@@@" + text[60:200],
            "url": _webui(p),
            "resultGlobalContainer": {"title": p["space"],
                                      "displayUrl": "/spaces/" + p["space"]},
            "breadcrumbs": [], "entityType": "content",
            "iconCssClass": "aui-icon content-type-" + p["type"],
            "lastModified": p["modified"],
            "friendlyLastModified": "Nov 02, 2026", "score": 1.0})
    return 200, {"results": results, "start": 0, "limit": limit,
                 "size": len(results), "totalSize": len(found),
                 "cqlQuery": cql, "searchDuration": 3,
                 "_links": {"base": base, "context": "/wiki"}}


def _read(h, st, fam, account, base, kind, pid):
    bad = _unknown_params(h, PAGE_PARAMS if kind == "pages" else
                          BLOG_PARAMS)
    if bad:
        return bad
    if not re.fullmatch(r"[0-9]{1,19}", pid):
        return 400, {"errors": [{"status": 400, "code": "INVALID_REQUEST_"
                                 "PARAMETER", "title": "id must be a "
                                 "number"}]}
    fmt = h.q1("body-format")
    if fmt is not None and fmt not in BODY_FORMATS:
        return 400, {"errors": [{"status": 400, "code": "INVALID_REQUEST_"
                                 "PARAMETER", "title": "body-format"}]}
    if not _scoped(fam, READ_SCOPES):
        return _scope_401()
    p = st["pages"].get(pid)
    want = "page" if kind == "pages" else "blogpost"
    if p is None or p["type"] != want or not _visible(p, account):
        return 404, {"errors": [{"status": 404, "code": "NOT_FOUND",
                                 "title": "Not Found"}]}
    body = {}
    if fmt == "atlas_doc_format":
        body = {"atlas_doc_format": {"representation": "atlas_doc_format",
                                     "value": json.dumps(p["adf"])}}
    return 200, {"id": p["id"], "status": "current", "title": p["title"],
                 "spaceId": SITE_SPACES[p["space"]], "authorId": account,
                 "createdAt": "2026-10-01T09:00:00.000Z",
                 "version": {"createdAt": p["modified"], "message": "",
                             "number": 3, "minorEdit": False,
                             "authorId": account},
                 "body": body,
                 "_links": {"webui": _webui(p), "editui": "/pages/resume"
                            "draft.action?draftId=" + p["id"],
                            "tinyui": "/x/" + p["id"], "base": base}}


def _v2_error(status, title):
    return status, {"errors": [{"status": status, "code": "INVALID_REQUEST_"
                                "PARAMETER" if status == 400 else
                                "NOT_FOUND", "title": title}]}


def _spaces(h, fam, base):
    """GET /wiki/api/v2/spaces (confluence-v2.json: MultiEntityResult
    <SpaceBulk>): the spaces named by keys= (comma-separated), in one
    page (the product asks for one key)."""
    bad = _unknown_params(h, SPACES_PARAMS)
    if bad:
        return bad
    if not _scoped(fam, SPACE_SCOPES):
        return _scope_401()
    limit = h.qint("limit", 25, 1, 250)
    keys = (h.q1("keys") or "").split(",") if h.q1("keys") else \
        sorted(SITE_SPACES)
    res = [{"id": SITE_SPACES[k], "key": k, "name": k + " space",
            "type": "global", "status": "current",
            "authorId": fam["account"], "createdAt":
            "2026-01-05T09:00:00.000Z", "homepageId": "1",
            "_links": {"webui": "/spaces/" + k}}
           for k in keys if k in SITE_SPACES][:limit]
    return 200, {"results": res, "_links": {"base": base}}


def _space_pages(h, st, fam, account, base, sid):
    """GET /wiki/api/v2/spaces/{id}/pages (confluence-v2.json:
    MultiEntityResult<PageBulk>): the pages of the space the person may
    read, by id, limit at a time; _links.next is the relative URL of the
    next page of results with a cursor parameter, absent on the last."""
    bad = _unknown_params(h, SPACE_PAGES_PARAMS)
    if bad:
        return bad
    if not re.fullmatch(r"[0-9]{1,19}", sid):
        return _v2_error(400, "id must be a number")
    fmt = h.q1("body-format")
    if fmt is not None and fmt not in BODY_FORMATS:
        return _v2_error(400, "body-format")
    if not _scoped(fam, READ_SCOPES):
        return _scope_401()
    key = next((k for k, v in SITE_SPACES.items() if v == sid), None)
    if key is None:
        return _v2_error(404, "Not Found")
    limit = h.qint("limit", 25, 1, 250)
    cur = h.q1("cursor")
    start = 0
    if cur is not None:
        m = re.fullmatch(r"c([0-9]{1,6})z", cur)
        if not m:
            return _v2_error(400, "cursor")
        start = int(m.group(1))
    st["listings"].append((key, cur))
    if cur is not None and st["fail_listing"]:
        return 500, {"errors": [{"status": 500, "code": "INTERNAL_SERVER_"
                                 "ERROR", "title": "Internal Server "
                                 "Error"}]}
    pages = sorted((p for p in st["pages"].values()
                    if p["space"] == key and p["type"] == "page" and
                    _visible(p, account)), key=lambda p: int(p["id"]))
    res = []
    for p in pages[start:start + limit]:
        body = {}
        if fmt == "atlas_doc_format":
            body = {"atlas_doc_format": {"representation":
                                         "atlas_doc_format",
                                         "value": json.dumps(p["adf"])}}
        res.append({"id": p["id"], "status": "current",
                    "title": p["title"], "spaceId": sid,
                    "authorId": account,
                    "createdAt": "2026-10-01T09:00:00.000Z",
                    "version": {"createdAt": p["modified"], "message": "",
                                "number": 3, "minorEdit": False,
                                "authorId": account},
                    "body": body,
                    "_links": {"webui": _webui(p), "tinyui": "/x/" +
                               p["id"]}})
    links = {"base": base}
    if start + limit < len(pages):
        q = {"cursor": "c%dz" % (start + limit), "limit": str(limit)}
        if fmt is not None:
            q["body-format"] = fmt
        links["next"] = "/wiki/api/v2/spaces/%s/pages?%s" % (
            sid, urllib.parse.urlencode(q))
    return 200, {"results": res, "_links": links}


def jira_route(h, method, jpath, fam, cloud):
    """JSM's knowledge base under /ex/jira/{cloudid}: the articles (pages
    of the HELP space) matching query that the person may see; None for
    another path."""
    if jpath != "/rest/servicedeskapi/knowledgebase/article" or \
            method != "GET":
        return None
    w = h.world
    st = state(w)
    bad = _unknown_params(h, JSM_PARAMS)
    if bad:
        return bad
    if h.q1("query") is None or h.q1("highlight") not in ("true", "false"):
        return 400, {"errorMessage": "query and highlight are required",
                     "i18nErrorMessage": {"i18nKey": "sd.kb.query.missing",
                                          "parameters": []}}
    if not _scoped(fam, JSM_SCOPES):
        return _scope_401()
    site = next(s for s in w.sites() if s["id"] == cloud)
    if site["name"] in st["no_jsm"]:
        return 404, {"errorMessage": "Not Found", "i18nErrorMessage": {
            "i18nKey": "sd.not.found", "parameters": []}}
    words = [x.lower() for x in h.q1("query").split()]
    st["jsm_queries"].append(h.q1("query"))
    limit = h.qint("limit", 50, 0, 100)
    vals = []
    for p in sorted(st["pages"].values(), key=lambda p: p["id"]):
        if p["space"] != "HELP" or not _visible(p, fam["account"]):
            continue
        hay = (p["title"] + " " + adf_plain(p["adf"])).lower()
        if not any(x in hay for x in words):
            continue
        vals.append({"title": p["title"],
                     "excerpt": adf_plain(p["adf"]).strip()[:120],
                     "source": {"type": "confluence", "pageId": p["id"],
                                "spaceKey": p["space"]},
                     "content": {"iframeSrc": "%s/rest/servicedeskapi/"
                                 "knowledgebase/article/view/%s" % (
                                     w.site_url(site["name"]), p["id"])}})
    vals = vals[:limit]
    return 200, {"_expands": [], "size": len(vals), "start": 0,
                 "limit": limit, "isLastPage": True, "_links": {},
                 "values": vals}
