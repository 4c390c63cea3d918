#!/usr/bin/env python3
"""Checks a request sent to the Atlassian stand-in against Atlassian's own
OpenAPI documents (vendored unchanged in specs/, provenance in
specs/SOURCES.md), so the integration tests fail when the product sends
Jira or Confluence something the real service does not take.

    import spec_check
    problems = spec_check.check("POST", "/ex/jira/CLOUD/rest/api/3/issue",
                                "updateHistory=yes", headers, body_bytes)
    for p in problems: print(p)     # operationId: where: what

A request is mapped to its operation by path template, under the prefixes
api.atlassian.com serves (and the stand-in imitates):

    /ex/jira/{cloudid}/rest/api/3/...          jira-platform-v3.json
    /ex/jira/{cloudid}/rest/servicedeskapi/... jira-servicedesk.json
    /ex/jira/{cloudid}/rest/agile/1.0/...      jira-software.json
    (any other path under /ex/jira/{cloudid} is looked up in the three)
    /ex/confluence/{cloudid}/wiki/api/v2/...   confluence-v2.json

and checked: the operation exists and is not deprecated; every path and
query parameter is declared, not deprecated, of its declared type, enum and
bounds, given once unless it is an array; required parameters (and required
headers) are there; the body is one the operation takes (content type) and,
when JSON, valid against the operation's requestBody schema.  OpenAPI 3.0
Schema Objects are translated to JSON Schema draft 4 (what OpenAPI 3.0's
schema dialect is built on) for python3-jsonschema: $ref to definitions,
`nullable`, the int32/int64 ranges, the formats `date` and `date-time`; the
keywords JSON Schema lacks (discriminator, readOnly, writeOnly, xml,
example) are left out.

Requests the documents do not cover (OAuth 2.0 at auth.atlassian.com, the
3LO resources of api.atlassian.com, Confluence's v1 CQL search) are checked
against ALLOW_LIST below, written in the same OpenAPI form from the
Atlassian page each one cites.  Anything else is a problem."""

import collections
import json
import os
import re
import threading
import urllib.parse

try:
    import jsonschema  # Debian: python3-jsonschema (4.10 in bookworm)
except ImportError:
    # A python3 other than Debian's (pyenv, a venv) is first in PATH and
    # lacks the library: use the package cli/deps.sh installed for
    # Debian's python3 (bookworm's is 3.11, the same minor version).
    import sys
    sys.path.append("/usr/lib/python3/dist-packages")
    import jsonschema

SPECS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "specs")

# (regex on the request path; its group 1 is the path as the documents
# write it; the documents, tried in turn).  Jira's documents write the full
# path (/rest/api/3/..., /rest/servicedeskapi/..., /rest/agile/1.0/...;
# servers: https://your-domain.atlassian.net); Confluence v2's servers URL
# ends in /wiki/api/v2 and its paths start after it.
PREFIXES = [
    (re.compile(r"^/ex/jira/[^/]+(/.*)$"),
     ("jira-platform-v3.json", "jira-servicedesk.json",
      "jira-software.json")),
    (re.compile(r"^/ex/confluence/[^/]+/wiki/api/v2(/.*)?$"),
     ("confluence-v2.json",)),
]

MAX_BODY_ERRORS = 10    # body problems reported per request
MAX_TEXT = 240          # a problem's text is cut here (it may quote input)


def _q(name, required=False, **schema):
    schema.setdefault("type", "string")
    return {"name": name, "in": "query", "required": required,
            "schema": schema}


_3LO = "https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/"

# The requests the OpenAPI documents do not cover, as pseudo-operations in
# the documents' own form: (method, path regex, operation).
ALLOW_LIST = [
    # "Direct the user to the authorization URL to get an authorization
    # code" (auth.atlassian.com/authorize): audience=api.atlassian.com,
    # client_id, scope, redirect_uri, state, response_type=code,
    # prompt=consent.  _3LO, "Implementing OAuth 2.0 (3LO)", step 1.
    ("GET", re.compile(r"^/authorize$"), {
        "operationId": "3lo-authorize", "x-source": _3LO,
        "parameters": [
            _q("audience", True, enum=["api.atlassian.com"]),
            _q("client_id", True), _q("scope", True),
            _q("redirect_uri", True), _q("state", True),
            _q("response_type", True, enum=["code"]),
            _q("prompt", enum=["consent"])]}),
    # "Exchange authorization code for access token" and "Use a refresh
    # token to get another access token and refresh token pair": POST
    # auth.atlassian.com/oauth/token, Content-Type: application/json,
    # {grant_type, client_id, client_secret, code, redirect_uri} or
    # {grant_type, client_id, client_secret, refresh_token}.  _3LO, step 2,
    # and "Use a refresh token ..." under "Implementing a refresh token".
    ("POST", re.compile(r"^/oauth/token$"), {
        "operationId": "3lo-token", "x-source": _3LO,
        # the body holds the client secret and a code or refresh token:
        # problems name the rule broken, never a value
        "x-quote-values": False,
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"oneOf": [
                {"type": "object", "additionalProperties": False,
                 "required": ["grant_type", "client_id", "client_secret",
                              "code", "redirect_uri"],
                 "properties": {
                     "grant_type": {"type": "string",
                                    "enum": ["authorization_code"]},
                     "client_id": {"type": "string"},
                     "client_secret": {"type": "string"},
                     "code": {"type": "string"},
                     "redirect_uri": {"type": "string"}}},
                {"type": "object", "additionalProperties": False,
                 "required": ["grant_type", "client_id", "client_secret",
                              "refresh_token"],
                 "properties": {
                     "grant_type": {"type": "string",
                                    "enum": ["refresh_token"]},
                     "client_id": {"type": "string"},
                     "client_secret": {"type": "string"},
                     "refresh_token": {"type": "string"}}}]}}}}}),
    # "Get the cloudid for your site": GET
    # api.atlassian.com/oauth/token/accessible-resources with the bearer
    # token, no parameters.  _3LO, step 3.1.
    ("GET", re.compile(r"^/oauth/token/accessible-resources$"), {
        "operationId": "3lo-accessible-resources", "x-source": _3LO}),
    # The signed-in person's public profile: GET api.atlassian.com/me with
    # the bearer token (scope read:me).  _3LO, "How do I retrieve the
    # public profile of the authenticated user?" (Frequently asked
    # questions).
    ("GET", re.compile(r"^/me$"), {
        "operationId": "3lo-me", "x-source": _3LO}),
    # The root of auth.atlassian.com and of api.atlassian.com, without a
    # token: `jta-admin check`'s reachability probe (cli/admin-report.c,
    # any answer under 500 counts).  No API operation, so no Atlassian
    # page documents it; it is listed so that nothing else at / passes.
    ("GET", re.compile(r"^/$"), {
        "operationId": "host-root-probe",
        "x-source": "cli/admin-report.c reachable()"}),
    # Confluence REST v1 "Search content" (searchByCQL), which the v2
    # document has no equivalent of: GET /wiki/rest/api/search, query cql
    # (required), cqlcontext, cursor, next, prev, limit, start,
    # includeArchivedSpaces, excludeCurrentSpaces, excerpt,
    # sitePermissionTypeFilter, expand.
    # https://developer.atlassian.com/cloud/confluence/rest/v1/api-group-search/#api-wiki-rest-api-search-get
    ("GET", re.compile(r"^/ex/confluence/[^/]+/wiki/rest/api/search$"), {
        "operationId": "searchByCQL",
        "x-source": "https://developer.atlassian.com/cloud/confluence/rest/"
                    "v1/api-group-search/#api-wiki-rest-api-search-get",
        "parameters": [
            _q("cql", True), _q("cqlcontext"), _q("cursor"),
            _q("next", type="boolean"), _q("prev", type="boolean"),
            _q("limit", type="integer", format="int32", minimum=0),
            _q("start", type="integer", format="int32", minimum=0),
            _q("includeArchivedSpaces", type="boolean"),
            _q("excludeCurrentSpaces", type="boolean"),
            _q("excerpt", enum=["highlight", "indexed", "none",
                                "highlight_unescaped",
                                "indexed_unescaped"]),
            _q("sitePermissionTypeFilter",
               enum=["all", "externalCollaborator", "none"]),
            _q("expand", type="array", items={"type": "string"})]}),
]


class Problem(collections.namedtuple("Problem", "operation where what")):
    """One thing the request does that the document does not allow:
    operation (operationId, or METHOD path when there is none), where (the
    parameter, `body` + JSON path, `path`), what (readable text)."""

    def __str__(self):
        return "%s: %s: %s" % self


def _cut(text):
    text = str(text)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 3] + "..."


# ---- documents ----------------------------------------------------------

class Document:
    """One OpenAPI document, its paths compiled for matching and its
    component schemas translated on demand (both cached)."""

    def __init__(self, name, doc):
        self.name = name
        self.doc = doc
        self.paths = {}     # segment count -> [(template, ...)]
        for tpl, item in doc.get("paths", {}).items():
            segs = tpl.strip("/").split("/") if tpl.strip("/") else []
            pats, lits = [], []
            for s in segs:
                parts = re.split(r"(\{[^}]+\})", s)
                pats.append(re.compile("".join(
                    "(?P<%s>[^/]+)" % _group(p[1:-1]) if
                    p.startswith("{") else re.escape(p) for p in parts
                    if p)))
                lits.append(0 if "{" in s else 1)
            self.paths.setdefault(len(pats), []).append(
                (tpl, item, pats, tuple(lits)))
        self.translated = {}     # component name -> (schema, refs)
        self.keys = {}           # component name -> definitions key
        self.validators = {}     # cache key -> jsonschema validator
        self.lock = threading.Lock()

    def match(self, method, path):
        """-> (template, path item, {param: raw value}) of the most
        specific template (literal segments before templated ones) that
        has method, else of the most specific one (the method is then
        missing), or None.  (Two templates may differ only in a parameter's
        name, one per method: /field/{id} and /field/{fieldId}.)"""
        segs = path.strip("/").split("/") if path.strip("/") else []
        best = None
        for tpl, item, pats, lits in self.paths.get(len(segs), ()):
            params = {}
            for p, s in zip(pats, segs):
                m = p.fullmatch(s)
                if not m:
                    break
                params.update(m.groupdict())
            else:
                rank = (method.lower() in item, lits)
                if best is None or rank > best[3]:
                    best = (tpl, item, params, rank)
        return best[:3] if best else None

    def resolve(self, obj):
        """Follow a local $ref (#/components/...) of a non-schema object
        (parameter, requestBody)."""
        seen = 0
        while isinstance(obj, dict) and "$ref" in obj and seen < 16:
            obj = self.pointer(obj["$ref"])
            seen += 1
        return obj

    def pointer(self, ref):
        if not ref.startswith("#/"):
            raise KeyError("non-local $ref %s" % ref)
        node = self.doc
        for part in ref[2:].split("/"):
            part = urllib.parse.unquote(part).replace("~1", "/") \
                .replace("~0", "~")
            node = node[part]
        return node

    def validator(self, key, schema):
        """A draft-4 validator for an OpenAPI Schema Object of this
        document (cached under key)."""
        with self.lock:
            v = self.validators.get(key)
            if v is None:
                v = self._build(schema)
                self.validators[key] = v
            return v

    def _build(self, schema):
        refs = set()
        root = {"allOf": [translate(schema, refs, self._key)]}
        defs, todo = {}, list(refs)
        while todo:
            name = todo.pop()
            k = self._key(name)
            if k in defs:
                continue
            if name not in self.translated:
                r = set()
                self.translated[name] = (translate(
                    self.pointer(name), r, self._key), r)
            defs[k], r = self.translated[name]
            todo.extend(r)
        root["definitions"] = defs
        return jsonschema.Draft4Validator(root, format_checker=FORMATS)

    def _key(self, ref):
        # A safe definitions key per component ($ref names may hold any
        # character a URI fragment would need escaped).
        if ref not in self.keys:
            self.keys[ref] = "c%d" % len(self.keys)
        return self.keys[ref]


def _group(name):
    # a regex group name for a path parameter: every character that is
    # not a letter or digit (the underscore too) as _XX, so _ungroup can
    # undo it
    return "p_" + "".join("_%02x" % ord(c) if not c.isalnum() else c
                          for c in name)


def _ungroup(g):
    return re.sub(r"_([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)),
                  g[2:])


_docs = {}
_docs_lock = threading.Lock()


def document(name):
    """The Document for a file of specs/, loaded once (documents are
    large: the Jira platform one is 2.4 MB)."""
    with _docs_lock:
        d = _docs.get(name)
        if d is None:
            if name.startswith("allow:"):
                d = Document(name, {"paths": {}})
            else:
                with open(os.path.join(SPECS, name), encoding="utf-8") as f:
                    d = Document(name, json.load(f))
            _docs[name] = d
        return d


# ---- OpenAPI 3.0 Schema Object -> JSON Schema draft 4 -------------------

KEEP = ("type", "enum", "required", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
        "pattern", "minItems", "maxItems", "uniqueItems", "minProperties",
        "maxProperties", "multipleOf")
INT_RANGE = {"int32": (-2 ** 31, 2 ** 31 - 1),
             "int64": (-2 ** 63, 2 ** 63 - 1)}

FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date")
def _is_date(v):
    # RFC 3339 full-date, as OpenAPI 3.0 defines format "date"
    return not isinstance(v, str) or re.fullmatch(
        r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", v) is not None


@FORMATS.checks("date-time")
def _is_date_time(v):
    # RFC 3339 date-time (section 5.6), OpenAPI 3.0's "date-time"
    return not isinstance(v, str) or re.fullmatch(
        r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]"
        r"([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?"
        r"([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)", v) is not None


def translate(s, refs, key):
    """JSON Schema draft 4 for the OpenAPI 3.0 Schema Object s; the
    component names it refers to are added to refs, and key(name) names
    their entries under #/definitions."""
    if not isinstance(s, dict):
        return {}
    if "$ref" in s:         # OpenAPI 3.0: siblings of $ref are ignored
        ref = s["$ref"]
        if not ref.startswith("#/"):
            return {}
        refs.add(ref)
        return {"$ref": "#/definitions/" + key(ref)}
    out = {}
    for k in KEEP:
        if k in s:
            out[k] = s[k]
    if "pattern" in out:
        try:
            re.compile(out["pattern"])
        except re.error:    # an ECMA 262 construct Python lacks: skip
            del out["pattern"]
    if s.get("type") == "integer" and s.get("format") in INT_RANGE:
        lo, hi = INT_RANGE[s["format"]]
        out["minimum"] = max(out.get("minimum", lo), lo)
        out["maximum"] = min(out.get("maximum", hi), hi)
    if s.get("format") in ("date", "date-time") and \
            s.get("type", "string") == "string":
        out["format"] = s["format"]
    if isinstance(s.get("properties"), dict):
        out["properties"] = {n: translate(p, refs, key)
                             for n, p in s["properties"].items()}
    for k in ("items", "not"):
        if isinstance(s.get(k), dict):
            out[k] = translate(s[k], refs, key)
    if "additionalProperties" in s:
        a = s["additionalProperties"]
        out["additionalProperties"] = a if isinstance(a, bool) else \
            translate(a, refs, key)
    for k in ("allOf", "anyOf", "oneOf"):
        if isinstance(s.get(k), list):
            out[k] = [translate(x, refs, key) for x in s[k]]
    if s.get("nullable") is True:
        return {"anyOf": [{"type": "null"}, out]}
    return out


# ---- the check ----------------------------------------------------------

def _operation(method, path):
    """-> (Document, template, operation or None, raw path params) or
    None when no document or allow-list entry covers the path."""
    for m, pat, op in ALLOW_LIST:
        if pat.fullmatch(path) and m == method:
            return document("allow:" + op["operationId"]), path, op, {}
    for pat, names in PREFIXES:
        mm = pat.fullmatch(path)
        if not mm:
            continue
        for name in names:
            doc = document(name)
            found = doc.match(method, mm.group(1) or "/")
            if found is not None:
                tpl, item, params = found
                return doc, tpl, item.get(method.lower()), \
                    {_ungroup(k): v for k, v in params.items()}
        return " or ".join(names), None, None, {}
    for m, pat, op in ALLOW_LIST:
        if pat.fullmatch(path):     # the path is known, the method not
            return document("allow:" + op["operationId"]), path, None, {}
    return None


def _coerce(schema, text):
    """A query or path value as the type its schema declares; raises
    ValueError with the reason."""
    t = schema.get("type")
    if t == "integer":
        if not re.fullmatch(r"-?\d{1,19}", text):
            raise ValueError("%r is not an integer" % _cut(text))
        return int(text)
    if t == "number":
        if not re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", text):
            raise ValueError("%r is not a number" % _cut(text))
        return float(text)
    if t == "boolean":
        if text not in ("true", "false"):
            raise ValueError("%r is not true or false" % _cut(text))
        return text == "true"
    return text


def _deref(doc, s):
    """A schema with its $ref chain followed (for its type)."""
    seen = 0
    while isinstance(s, dict) and "$ref" in s and seen < 8:
        s = doc.pointer(s["$ref"])
        seen += 1
    return s if isinstance(s, dict) else {}


def _check_value(doc, opid, where, schema, text, key, problems):
    if _deref(doc, schema).get("type") == "object":
        # A query string cannot carry an object without style deepObject,
        # which these documents never use: Jira's types some parameters
        # (searchProjects' properties) as StringList, an object, where
        # Jira takes text.  Only the text is there to check: nothing.
        return
    try:
        value = _coerce(_deref(doc, schema), text)
    except ValueError as e:
        problems.append(Problem(opid, where, str(e)))
        return
    for e in doc.validator(key, schema).iter_errors(value):
        problems.append(Problem(opid, where, _cut(e.message)))


def _params(doc, item, op):
    """The operation's parameters, path-item ones overridden by the
    operation's (OpenAPI 3.0 Path Item Object), $refs resolved."""
    out = {}
    for p in list(item.get("parameters", [])) + list(
            op.get("parameters", [])):
        p = doc.resolve(p)
        out[(p.get("name"), p.get("in"))] = p
    return out


def _param_schema(p):
    s = p.get("schema")
    if not isinstance(s, dict):  # `content`: a serialised value
        return {"type": "string"}
    return s


def check(method, path, query, headers, body):
    """Check one request: method ("GET"), path (as sent, percent-encoded,
    no query), query (the raw query string, "" for none), headers (a
    mapping whose get() ignores case, e.g. http.client's, or a dict with
    lower-case names), body (bytes).  Returns a list of Problem, empty when
    the request is one the documents allow."""
    problems = []
    found = _operation(method, path)
    if found is None:
        return [Problem("%s %s" % (method, path), "path",
                        "no Atlassian document or allow-list entry covers "
                        "this path")]
    doc, tpl, op, raw_params = found
    if tpl is None:
        return [Problem("%s %s" % (method, path), "path",
                        "%s has no such path" % doc)]
    if op is None:
        return [Problem("%s %s" % (method, tpl), "method",
                        "%s has no %s operation on %s" % (
                            doc.name.replace("allow:", "the allow-list "
                                             "entry "), method, tpl))]
    item = doc.doc.get("paths", {}).get(tpl, {})
    opid = op.get("operationId") or "%s %s" % (method, tpl)
    if op.get("deprecated"):
        problems.append(Problem(opid, "operation", "deprecated in %s; "
                                "use its replacement" % doc.name))
    params = _params(doc, item, op)

    # path parameters
    for name, raw in raw_params.items():
        p = params.get((name, "path"))
        if p is None:
            problems.append(Problem(opid, "path parameter " + name,
                                    "not declared"))
            continue
        _check_value(doc, opid, "path parameter " + name,
                     _param_schema(p), urllib.parse.unquote(raw),
                     (opid, "path", name), problems)

    # query parameters
    try:
        q = urllib.parse.parse_qs(query or "", keep_blank_values=True,
                                  strict_parsing=False, errors="strict")
    except UnicodeDecodeError:
        return problems + [Problem(opid, "query", "not UTF-8")]
    for name, values in q.items():
        p = params.get((name, "query"))
        where = "query parameter " + name
        if p is None:
            problems.append(Problem(opid, where, "not declared by the "
                                    "operation"))
            continue
        if p.get("deprecated"):
            problems.append(Problem(opid, where, "deprecated"))
        s = _param_schema(p)
        if _deref(doc, s).get("type") == "array":
            s = _deref(doc, s)
            items = s.get("items") or {}
            vals = []
            for v in values:    # repeated (form, explode) or a,b,c
                vals.extend(v.split(",") if _deref(doc, items).get(
                    "type") in ("integer", "number", "boolean") else [v])
            for v in vals:
                _check_value(doc, opid, where, items, v,
                             (opid, "query-item", name), problems)
            if s.get("maxItems") is not None and \
                    len(vals) > s["maxItems"]:
                problems.append(Problem(opid, where, "more than %d "
                                        "values" % s["maxItems"]))
            continue
        if len(values) > 1:
            problems.append(Problem(opid, where, "given %d times; the "
                                    "document declares one value" %
                                    len(values)))
        for v in values:
            _check_value(doc, opid, where, s, v, (opid, "query", name),
                         problems)

    # required parameters
    for (name, where), p in params.items():
        if not p.get("required"):
            continue
        if where == "query" and name not in q:
            problems.append(Problem(opid, "query parameter " + name,
                                    "required but missing"))
        elif where == "header" and headers.get(name) is None and \
                headers.get(name.lower()) is None:
            problems.append(Problem(opid, "header " + name,
                                    "required but missing"))

    problems.extend(_check_body(doc, opid, op, headers, body))
    return problems


def _check_body(doc, opid, op, headers, body):
    rb = doc.resolve(op.get("requestBody"))
    if not body:
        if rb and rb.get("required"):
            return [Problem(opid, "body", "required but missing")]
        return []
    if not rb:
        return [Problem(opid, "body", "the operation takes no request "
                        "body")]
    ctype = (headers.get("Content-Type") or headers.get("content-type") or
             "").split(";")[0].strip().lower()
    content = rb.get("content", {})
    media = None
    for mt in content:
        lo = mt.lower()
        if lo == ctype or lo == "*/*" or (
                lo.endswith("/*") and ctype.startswith(lo[:-1])):
            media = mt
            break
    if media is None:
        return [Problem(opid, "header Content-Type", "%r is not one of "
                        "the operation's media types (%s)" % (
                            _cut(ctype), ", ".join(content)))]
    schema = content[media].get("schema")
    if not (ctype == "application/json" or ctype.endswith("+json")):
        return []
    try:
        value = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return [Problem(opid, "body", "not valid JSON")]
    if schema is None:
        return []
    out = []
    v = doc.validator((opid, "body", media), schema)
    for e in sorted(v.iter_errors(value), key=lambda e: list(
            map(str, e.absolute_path)))[:MAX_BODY_ERRORS]:
        if e.context:   # oneOf/anyOf: the branch that came closest
            e = jsonschema.exceptions.best_match(e.context) or e
        where = "body" + "".join(
            "[%d]" % p if isinstance(p, int) else ".%s" % p
            for p in e.absolute_path)
        if op.get("x-quote-values", True):
            out.append(Problem(opid, where, _cut(e.message)))
        else:
            out.append(Problem(opid, where, _cut("fails %s %s" % (
                e.validator, json.dumps(e.validator_value)))))
    return out
