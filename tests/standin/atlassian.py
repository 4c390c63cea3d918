#!/usr/bin/env python3
"""A stand-in for Atlassian's servers on 127.0.0.1, for the integration
tests.  Standard library only.  One port serves both roles:

  auth.atlassian.com   GET /authorize, POST /oauth/token
  api.atlassian.com    GET /oauth/token/accessible-resources, GET /me,
                       Jira platform REST v3 under /ex/jira/{cloudid}/...

Shapes come from Atlassian's OpenAPI document for Jira platform v3
(specs/jira-platform-v3.json, vendored byte for byte; spec_check.py
checks every request against the documents there) and the OAuth 2.0 (3LO)
pages (authorization code grant, rotating refresh tokens, accessible
resources).  A control API under /_standin/ switches faults on and reads
counters; tests/standin/README.md lists the keys.

    python3 tests/standin/atlassian.py --port 0 --client-id ID \
        --client-secret S --redirect-uri URI [--state-file F]
    -> prints "LISTENING <port>" on stdout when ready

    from atlassian import StandIn
    s = StandIn("id", "secret", ["http://127.0.0.1:9/cb"]); s.start()
    s.url, s.config(search_delay=2), s.state(), s.reset(), s.stop()
"""

import argparse
import base64
import copy
import datetime
import email.parser
import email.policy
import hashlib
import http.server
import json
import os
import re
import secrets
import signal
import socket
import sys
import threading
import time
import urllib.parse

import spec_check  # checks each request against Atlassian's documents
import confluence  # noqa: E402  (Confluence and the JSM knowledge base)
import servicedesk  # Jira Service Management (/rest/servicedeskapi)

API3 = "/rest/api/3"
AUDIENCE = "api.atlassian.com"
MAX_BODY = 1 << 20          # our own cap on a request body
MAX_UPLOAD = 12 << 20       # ... and on a multipart upload (attachments)
PAGE_CAP = 100              # search/jql answers at most this many issues
ID_PAGE_CAP = 5000          # ... or this many when only id/key is asked
                            # (the spec's maxResults: "It returns max 5000")

# ---- seed data ----------------------------------------------------------

ALICE = {"account_id": "712020:2f6a8c31-5b4e-4d7a-9c1e-0a1b2c3d4e5f",
         "name": "Alice Example", "email": "alice@example.com"}
BOB = {"account_id": "712020:9d8e7f60-1a2b-4c3d-8e9f-a0b1c2d3e4f5",
       "name": "Bob Builder", "email": "bob@example.com"}

DEFAULT_SITES = [{"id": "11111111-2222-4333-8444-555555555555",
                  "name": "acme"}]
DEFAULT_SCOPES = ["read:jira-work", "write:jira-work", "read:jira-user",
                  "offline_access"]

PRIORITIES = [  # Jira Cloud's default scheme; id, name, colour
    ("1", "Highest", "#d04437"), ("2", "High", "#f15C75"),
    ("3", "Medium", "#f79232"), ("4", "Low", "#707070"),
    ("5", "Lowest", "#999999")]
DEFAULT_PRIORITY = "3"

ISSUE_TYPES = {  # id: (name, description)
    "10001": ("Task", "A small, distinct piece of work."),
    "10002": ("Bug", "A problem or error."),
    "10003": ("Story", "A user story: functionality seen from a user."),
}

CATEGORIES = {  # statusCategory
    "new": {"id": 2, "key": "new", "colorName": "blue-gray",
            "name": "To Do"},
    "indeterminate": {"id": 4, "key": "indeterminate", "colorName": "yellow",
                      "name": "In Progress"},
    "done": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
}
STATUSES = {  # id: (name, category key)
    "10000": ("To Do", "new"),
    "3": ("In Progress", "indeterminate"),
    "10001": ("Done", "done"),
}
STATUSES.update(servicedesk.STATUSES)
# The workflow: transition id -> (name, from status ids, to status id).
TRANSITIONS = {
    "11": ("Start Progress", ("10000",), "3"),
    "21": ("Done", ("3",), "10001"),
    "31": ("Stop Progress", ("3",), "10000"),
    "41": ("Reopen", ("10001",), "10000"),
}

# A select-list custom field the SUP project requires on Bugs.
SERVICE_FIELD = "customfield_10100"
SERVICE_OPTIONS = [{"id": "10200", "value": "Web app"},
                   {"id": "10201", "value": "Mobile app"},
                   {"id": "10202", "value": "Billing"}]

# A number custom field on SUP (optional) and each project's components
# (createmeta lists them as allowedValues of "components"; create takes
# [{"id"} | {"name"}]).
POINTS_FIELD = "customfield_10101"
COMPONENTS = {
    "OPS": [{"id": "10300", "name": "Backend"},
            {"id": "10301", "name": "VPN"}],
    "SUP": [{"id": "10310", "name": "Email"},
            {"id": "10311", "name": "Billing"}],
}

PROJECTS = [  # key, id, name, issue type ids, {type id: extra required}
    ("OPS", "10000", "Operations", ("10001", "10002"), {}),
    ("SUP", "10001", "Customer Support", ("10001", "10002", "10003"),
     {"10002": (SERVICE_FIELD,)}),
] + servicedesk.PROJECTS
ISSUE_TYPES.update(servicedesk.ISSUE_TYPES)
COMPONENTS[servicedesk.PROJECT_KEY] = []

JIRA_TIME = "%Y-%m-%dT%H:%M:%S.000+0000"


def jira_time(t):
    return time.strftime(JIRA_TIME, time.gmtime(t))


def ts(s):
    """'2026-11-02 09:15' (UTC) -> epoch seconds."""
    return datetime.datetime.strptime(s, "%Y-%m-%d %H:%M").replace(
        tzinfo=datetime.timezone.utc).timestamp()


# ---- Atlassian Document Format --------------------------------------------

def t(text, *marks):
    node = {"type": "text", "text": text}
    if marks:
        node["marks"] = [{"type": m} for m in marks]
    return node


def para(*content):
    return {"type": "paragraph", "content": list(content)}


def doc(*content):
    return {"type": "doc", "version": 1, "content": list(content)}


def bullets(*items, ordered=False):
    return {"type": "orderedList" if ordered else "bulletList",
            "content": [{"type": "listItem", "content": [para(t(i))]}
                        for i in items]}


def heading(level, text):
    return {"type": "heading", "attrs": {"level": level},
            "content": [t(text)]}


def mention(person):
    return {"type": "mention", "attrs": {"id": person["account_id"],
                                         "text": "@" + person["name"],
                                         "accessLevel": ""}}


def code_block(lang, text):
    return {"type": "codeBlock", "attrs": {"language": lang},
            "content": [t(text)]}


def table(rows):
    def cell(kind, text):
        return {"type": kind, "attrs": {}, "content": [para(t(text))]}
    out = [{"type": "tableRow",
            "content": [cell("tableHeader", c) for c in rows[0]]}]
    for r in rows[1:]:
        out.append({"type": "tableRow",
                    "content": [cell("tableCell", c) for c in r]})
    return {"type": "table", "attrs": {"isNumberColumnEnabled": False,
                                       "layout": "default"},
            "content": out}


def media(name):
    return {"type": "mediaSingle", "attrs": {"layout": "center"},
            "content": [{"type": "media", "attrs": {
                "id": "6e7c7f2e-1b1d-4f9a-9a39-" + hashlib.sha256(
                    name.encode()).hexdigest()[:12],
                "type": "file", "collection": "", "width": 640,
                "height": 480, "alt": name}}]}


ADF_BLOCK = {"paragraph", "heading", "bulletList", "orderedList",
             "listItem", "codeBlock", "blockquote", "rule", "panel",
             "table", "tableRow", "tableHeader", "tableCell",
             "mediaSingle", "mediaGroup", "media", "expand",
             "nestedExpand", "taskList", "taskItem", "decisionList",
             "decisionItem", "text", "mention", "emoji", "hardBreak",
             "inlineCard", "blockCard", "date", "status", "mediaInline",
             "placeholder"}


def adf_ok(value, depth=0):
    """A shallow structural check of an ADF document: what Jira refuses
    (a plain string, a doc without version 1, a node without a known
    type) is refused here too."""
    if depth == 0:
        return (isinstance(value, dict) and value.get("type") == "doc" and
                value.get("version") == 1 and
                isinstance(value.get("content"), list) and
                all(adf_ok(n, 1) for n in value["content"]))
    if depth > 40 or not isinstance(value, dict):
        return False
    if value.get("type") not in ADF_BLOCK:
        return False
    if value["type"] == "text" and not isinstance(value.get("text"), str):
        return False
    content = value.get("content", [])
    return isinstance(content, list) and all(adf_ok(n, depth + 1)
                                             for n in content)


def adf_text(value):
    """Every text in an ADF tree, for text ~ searches."""
    out = []

    def walk(n):
        if isinstance(n, dict):
            if n.get("type") == "text" and isinstance(n.get("text"), str):
                out.append(n["text"])
            if n.get("type") == "mention":
                out.append(str(n.get("attrs", {}).get("text", "")))
            for c in n.get("content", []) or []:
                walk(c)
    walk(value)
    return " ".join(out)


def seed_attachments():
    """Files on the seeded issues: key -> [(filename, mime type, size,
    author, created)]."""
    return {"OPS-3": [
        ("disk-usage.png", "image/png", 48213, BOB, ts("2026-10-29 07:46")),
        ("backup-db-2.log", "text/plain", 1890, ALICE,
         ts("2026-10-29 08:02"))]}


def seed_issues():
    """(project key, type id, status id, priority id, summary, description,
    labels, reporter, assignee, created, updated, comments, extra fields)"""
    return [
        ("OPS", "10002", "10000", "2",
         "VPN drops every 30 minutes for remote staff",
         doc(heading(2, "What happens"),
             para(t("Since the firewall upgrade the VPN tunnel drops every "),
                  t("30 minutes", "strong"), t(" for remote staff. "),
                  mention(BOB), t(" saw it first.")),
             bullets("Affects macOS and Windows clients",
                     "Reconnecting works at once",
                     "Office network is fine"),
             heading(3, "Client log"),
             code_block("text", "ike: DPD timeout, peer 203.0.113.7\n"
                        "tunnel down (reason=dpd)")),
         ["network", "vpn"], ALICE, ALICE,
         ts("2026-11-02 09:15"), ts("2026-11-20 16:40"),
         [(BOB, "Seen on my laptop too, twice this morning.",
           ts("2026-11-02 10:01")),
          (ALICE, "Raised the DPD interval to 60 s as a test.",
           ts("2026-11-20 16:40"))], {}),
        ("OPS", "10001", "3", "3",
         "Rotate TLS certificates on the edge proxies",
         doc(para(t("The wildcard certificate expires on "),
                  t("2026-12-15", "code"), t(".")),
             bullets("Order the new certificate", "Deploy to edge-1",
                     "Deploy to edge-2", "Check OCSP stapling",
                     ordered=True),
             table([["Host", "Expires", "Owner"],
                    ["edge-1", "2026-12-15", "Bob"],
                    ["edge-2", "2026-12-15", "Bob"]])),
         ["tls", "security"], ALICE, BOB,
         ts("2026-11-10 08:00"), ts("2026-11-21 11:30"),
         [(BOB, "New certificate ordered.", ts("2026-11-21 11:30"))], {}),
        ("OPS", "10002", "10001", "1",
         'Backup job fails with "disk full" on db-2',
         doc(para(t("The nightly backup to "), t("/backup", "code"),
                  t(" fails. Screenshot of the monitoring graph:")),
             media("disk-usage.png"),
             {"type": "panel", "attrs": {"panelType": "warning"},
              "content": [para(t("No backup since 2026-10-28."))]}),
         ["backup", "database"], BOB, ALICE,
         ts("2026-10-29 07:45"), ts("2026-11-01 13:05"),
         [(ALICE, "Old snapshots pruned; backup ran fine tonight.",
           ts("2026-11-01 13:05"))], {}),
        ("SUP", "10003", "10000", "4",
         "Customers want to export invoices as CSV",
         doc(para(t("Three customers asked this month. "),
                  t("As a finance user I want to download my invoices as "
                    "CSV so that I can import them into my books.", "em"))),
         ["billing", "export"], BOB, None,
         ts("2026-11-05 14:20"), ts("2026-11-05 14:20"), [], {}),
        ("SUP", "10002", "3", "2",
         "Login page shows a blank screen on Safari 17",
         doc(heading(2, "Steps"),
             bullets("Open the login page in Safari 17",
                     "Enter e-mail and password", "Press Sign in",
                     ordered=True),
             para(t("Expected: the dashboard. Actual: a blank page.")),
             code_block("javascript",
                        "TypeError: undefined is not an object "
                        "(evaluating 'window.crypto.randomUUID')")),
         ["login", "safari"], ALICE, ALICE,
         ts("2026-11-18 09:00"), ts("2026-11-22 10:00"),
         [(ALICE, "Reproduced on Safari 17.1.", ts("2026-11-18 09:30")),
          (BOB, "Polyfill in review.", ts("2026-11-22 10:00"))],
         {SERVICE_FIELD: SERVICE_OPTIONS[0]}),
        ("SUP", "10001", "10001", "5",
         "Update the on-call rota for December",
         doc(para(t("Swap weeks 49 and 50 between Alice and Bob."))),
         ["on-call"], BOB, BOB,
         ts("2026-11-12 12:00"), ts("2026-11-13 08:30"), [], {}),
    ]


DEFAULT_CONFIG = {
    "person": dict(ALICE),          # who consents at /authorize
    "deny_consent": False,
    "access_token_lifetime": 3600,  # expires_in, seconds
    "code_lifetime": 600,
    "refresh_reuse_grace": 600,     # Atlassian's 10-minute reuse interval
    "refresh_omit_token": False,    # refresh answers without refresh_token
    "search_delay": 0,              # new issues reach search after this
    "sites": DEFAULT_SITES,
    "hidden_projects": [],
    # account id -> project keys that person may not see (as
    # hidden_projects, for them alone: permissions differ per person)
    "hidden_projects_for": {},
    # project key -> [{id, name}]: the project's components instead of
    # COMPONENTS (a component removed, or made again with a new id)
    "components": {},
    # project key -> account id: who a create that names no assignee is
    # assigned to (the project's default assignee)
    "default_assignee": {},
    # project keys where the person lacks the "Delete issues" permission
    "no_delete_projects": [],
    "faults": [],
    "auth_error_shape": "gateway",  # or "jira"
    # account id -> the names of its Jira groups (GET /user/groups)
    "groups": {ALICE["account_id"]: ["jira-software-users", "support"],
               BOB["account_id"]: ["jira-software-users"]},
}
DEFAULT_CONFIG.update(servicedesk.CONFIG)


class JqlError(Exception):
    pass


class Reply(Exception):
    """An answer decided deep in a handler."""

    def __init__(self, status, body=None, headers=None):
        Exception.__init__(self, status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def jira_error(status, messages=(), errors=None):
    return Reply(status, {"errorMessages": list(messages),
                          "errors": errors or {}})


NOT_FOUND_ISSUE = "Issue does not exist or you do not have permission to " \
                  "see it."


# ---- JQL ------------------------------------------------------------------

JQL_TOKEN = re.compile(r"""
    \s*(?:
      (?P<str>"|')
    | (?P<op>!=|>=|<=|!~|=|~|>|<|\(|\)|,)
    | (?P<word>[^\s"'=!~<>(),]+)
    )""", re.X)
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'",
           "\\": "\\", " ": " "}


def jql_tokens(q):
    """[(kind, value)] with kind in str, op, word; strings unescaped."""
    out = []
    i = 0
    while i < len(q):
        m = JQL_TOKEN.match(q, i)
        if not m or m.end() == i:
            if q[i:].strip() == "":
                break
            raise JqlError("the character '%s' at position %d is not "
                           "expected" % (q[i], i))
        if m.group("str"):
            quote = m.group("str")
            j = m.end()
            buf = []
            while True:
                if j >= len(q):
                    raise JqlError("the quoted string starting at position "
                                   "%d is not closed" % (m.start("str")))
                c = q[j]
                if c == quote:
                    j += 1
                    break
                if c == "\\":
                    if j + 1 >= len(q):
                        raise JqlError("the quoted string ends with a "
                                       "backslash")
                    e = q[j + 1]
                    if e == "u":
                        hexd = q[j + 2:j + 6]
                        if not re.fullmatch(r"[0-9a-fA-F]{4}", hexd):
                            raise JqlError("'\\u%s' is an illegal escape "
                                           "sequence" % hexd)
                        buf.append(chr(int(hexd, 16)))
                        j += 6
                        continue
                    if e not in ESCAPES:
                        raise JqlError("'\\%s' is an illegal JQL escape "
                                       "sequence" % e)
                    buf.append(ESCAPES[e])
                    j += 2
                    continue
                buf.append(c)
                j += 1
            out.append(("str", "".join(buf)))
            i = j
        elif m.group("op"):
            out.append(("op", m.group("op")))
            i = m.end()
        else:
            out.append(("word", m.group("word")))
            i = m.end()
        while i < len(q) and q[i].isspace():
            i += 1
    return out


FIELD_ALIAS = {"type": "issuetype", "issuetype": "issuetype",
               "project": "project", "status": "status",
               "priority": "priority", "labels": "labels",
               "label": "labels",
               "assignee": "assignee", "reporter": "reporter",
               "text": "text", "summary": "summary",
               "description": "description", "comment": "comment",
               "created": "created", "createddate": "created",
               "updated": "updated", "updateddate": "updated",
               "key": "key", "issuekey": "key", "id": "key",
               "statuscategory": "statuscategory"}
OPS_FOR = {"project": ("=", "!=", "in"), "status": ("=", "!=", "in"),
           "issuetype": ("=", "!=", "in"), "priority": ("=", "!=", "in"),
           "labels": ("=", "!=", "in"), "assignee": ("=", "!=", "in"),
           "reporter": ("=", "!=", "in"), "key": ("=", "!=", "in"),
           "statuscategory": ("=", "!=", "in"),
           "text": ("~",), "summary": ("~",), "description": ("~",),
           "comment": ("~",),
           "created": (">=", "<=", ">", "<", "="),
           "updated": (">=", "<=", ">", "<", "=")}
ORDER_FIELDS = {"created", "updated", "key", "priority", "status",
                "issuetype", "summary"}
DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")
RESERVED = {"and", "or", "not", "order", "by", "in", "is", "empty", "null",
            "was", "changed"}


def parse_jql(q):
    """-> (clauses [(field, op, values)], order [(field, desc)]).  The
    subset our server emits: clauses joined with AND, ORDER BY.  Anything
    else is a JqlError."""
    toks = jql_tokens(q)
    pos = 0
    clauses = []
    order = []

    def peek(k=0):
        return toks[pos + k] if pos + k < len(toks) else (None, None)

    def is_word(tok, w):
        return tok[0] == "word" and tok[1].lower() == w

    def value():
        nonlocal pos
        kind, v = peek()
        if kind == "str":
            pos += 1
            return ("lit", v)
        if kind == "word":
            if v.lower() in RESERVED:
                raise JqlError("expecting either a value or a function but "
                               "got '%s'" % v)
            pos += 1
            if peek()[1] == "(":
                if peek(1)[1] != ")":
                    raise JqlError("the function '%s' takes no arguments "
                                   "here" % v)
                pos += 2
                if v.lower() != "currentuser":
                    raise JqlError("unable to find JQL function '%s()'" % v)
                return ("fn", "currentUser")
            return ("lit", v)
        raise JqlError("expecting either a value or a function but got %s"
                       % ("the end of the query" if kind is None
                          else "'%s'" % v))

    while pos < len(toks):
        if is_word(peek(), "order"):
            break
        if clauses:
            if not is_word(peek(), "and"):
                kind, v = peek()
                if is_word(peek(), "or") or is_word(peek(), "not") or \
                        v == "(":
                    raise JqlError("'%s' is not supported by this stand-in "
                                   "(only AND)" % v)
                raise JqlError("expecting 'AND' or 'ORDER BY' but got '%s'"
                               % v)
            pos += 1
        kind, name = peek()
        if kind not in ("word", "str"):
            raise JqlError("expecting a field name but got %s" % (
                "the end of the query" if kind is None else "'%s'" % name))
        field = FIELD_ALIAS.get(name.lower())
        if field is None:
            raise JqlError("Field '%s' does not exist or you do not have "
                           "permission to view it." % name)
        pos += 1
        kind, op = peek()
        if is_word(peek(), "in"):
            op = "in"
        elif kind != "op" or op in ("(", ")", ","):
            raise JqlError("expecting an operator after '%s' but got %s" % (
                name, "the end of the query" if kind is None
                else "'%s'" % op))
        if op not in OPS_FOR[field]:
            raise JqlError("The operator '%s' is not supported by the '%s' "
                           "field." % (op, name))
        pos += 1
        if op == "in":
            if peek()[1] != "(":
                raise JqlError("expecting '(' after IN")
            pos += 1
            vals = [value()]
            while peek()[1] == ",":
                pos += 1
                vals.append(value())
            if peek()[1] != ")":
                raise JqlError("expecting ')' to close the IN list")
            pos += 1
        else:
            vals = [value()]
        clauses.append((field, op, vals))
    if pos < len(toks):
        pos += 1
        if not is_word(peek(), "by"):
            raise JqlError("expecting 'BY' after 'ORDER'")
        pos += 1
        while True:
            kind, name = peek()
            if kind not in ("word", "str"):
                raise JqlError("expecting a field name in ORDER BY")
            field = FIELD_ALIAS.get(name.lower(), name.lower())
            if field not in ORDER_FIELDS:
                raise JqlError("Field '%s' does not exist or you do not "
                               "have permission to view it." % name)
            pos += 1
            desc = False
            if is_word(peek(), "desc") or is_word(peek(), "asc"):
                desc = peek()[1].lower() == "desc"
                pos += 1
            order.append((field, desc))
            if peek()[1] == ",":
                pos += 1
                continue
            break
        if pos < len(toks):
            raise JqlError("unexpected '%s' after ORDER BY" % toks[pos][1])
    return clauses, order


PERIOD = re.compile(r"^-(\d{1,6})([mhdw])$")
PERIOD_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def jql_date(field, v):
    # A relative date ("-15m", "-2d"): that long before now, as Jira
    # reads the period format of its date fields.
    m = PERIOD.match(v.strip())
    if m:
        return time.time() - int(m.group(1)) * PERIOD_SECONDS[m.group(2)]
    for f in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(v, f).replace(
                tzinfo=datetime.timezone.utc).timestamp()
        except ValueError:
            pass
    raise JqlError("Date value '%s' for field '%s' is invalid. Valid formats "
                   "include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', "
                   "'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. "
                   "'-5d', '4w 2d'." % (v, field))


WORD = re.compile(r"\w+", re.U)


# ---- the server state -------------------------------------------------------

class World:
    """Everything the stand-in knows, behind one lock."""

    def __init__(self, client_id, client_secret, redirect_uris):
        self.lock = threading.RLock()
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = list(redirect_uris)
        self.base = "http://127.0.0.1:0"
        self.reset()

    # -- set-up --

    def reset(self):
        with self.lock:
            self.cfg = copy.deepcopy(DEFAULT_CONFIG)
            self.people = {p["account_id"]: dict(p) for p in (ALICE, BOB)}
            self.codes = {}
            self.families = {}
            self.access = {}
            self.refresh = {}
            self.page_tokens = {}
            self.counters = {
                "authorize": 0, "consent_denied": 0,
                "token_calls": {"authorization_code": 0,
                                "refresh_token": 0, "other": 0},
                "refreshes": 0, "reused_refresh_presented": 0,
                "reused_refresh_in_grace": 0, "invalid_grant": 0,
                "families_revoked": 0, "api_calls": {}, "api_routes": {},
                "issues_created": 0, "issues_deleted": 0,
                "comments_added": 0, "attachments_added": 0,
                "transitions_done": 0, "faults_injected": 0,
                "connections_dropped": 0, "unauthorized": 0}
            # What requests did that Atlassian's OpenAPI documents do not
            # allow (spec_check.py): GET /_standin/spec-problems.
            self.spec_problems = []
            self.issues = {}        # key -> issue dict
            self.next_id = 10000
            self.next_comment = 10000
            self.counter = {p[0]: 0 for p in PROJECTS}
            self.confluence = None      # confluence.py's, made on use
            for s in seed_issues():
                self._seed(*s)
            for key, files in seed_attachments().items():
                for name, mime, size, who, when in files:
                    self.add_attachment(key, name, mime, size,
                                        who["account_id"], when)
            servicedesk.seed(self)

    def add_attachment(self, key, name, mime, size, account, when):
        """A file on issue key (what an upload would leave); its id."""
        with self.lock:
            aid = str(self.next_id)
            self.next_id += 1
            self.issues[key]["attachments"].append({
                "id": aid, "filename": name, "mimeType": mime,
                "size": size, "author": account, "created": when})
            return aid

    def _seed(self, pkey, itype, status, prio, summary, desc, labels,
              reporter, assignee, created, updated, comments, extra):
        iss = self._new_issue(pkey, itype, summary, desc, prio, labels,
                              reporter, assignee, created, extra)
        iss["status"] = status
        iss["updated"] = updated
        iss["visible_at"] = 0
        for who, text, when in comments:
            self._add_comment(iss, who["account_id"], doc(para(t(text))),
                              when)
        iss["updated"] = updated

    def _new_issue(self, pkey, itype, summary, desc, prio, labels, reporter,
                   assignee, now, extra):
        self.counter[pkey] += 1
        iid = str(self.next_id)
        self.next_id += 1
        key = "%s-%d" % (pkey, self.counter[pkey])
        iss = {"id": iid, "key": key, "project": pkey, "type": itype,
               "summary": summary, "description": desc, "priority": prio,
               "labels": sorted(set(labels)), "status": "10000",
               "reporter": reporter["account_id"],
               "assignee": assignee["account_id"] if assignee else None,
               "created": now, "updated": now, "comments": [],
               "attachments": [],
               "properties": {}, "extra": dict(extra),
               "visible_at": now + float(self.cfg["search_delay"])}
        self.issues[key] = iss
        return iss

    def _add_comment(self, iss, account, body, now):
        c = {"id": str(self.next_comment), "author": account, "body": body,
             "created": now, "updated": now}
        self.next_comment += 1
        iss["comments"].append(c)
        iss["updated"] = now
        return c

    def configure(self, changes):
        """Apply a JSON object of config keys; refuse unknown keys."""
        with self.lock:
            for k, v in changes.items():
                if k == "client_secret":
                    self.client_secret = str(v)
                    continue
                if k == "redirect_uris":
                    self.redirect_uris = [str(x) for x in v]
                    continue
                if k == "add_faults":
                    self.cfg["faults"].extend(self._faults(v))
                    continue
                if k not in DEFAULT_CONFIG:
                    raise ValueError("unknown config key %r" % k)
                if k == "person":
                    if not isinstance(v, dict) or not v.get("account_id"):
                        raise ValueError("person needs account_id")
                    p = {"account_id": str(v["account_id"]),
                         "name": str(v.get("name", v["account_id"])),
                         "email": str(v.get("email", ""))}
                    self.people[p["account_id"]] = p
                    v = p
                elif k == "sites":
                    if isinstance(v, int):
                        v = [{"id": "%08d-0000-4000-8000-%012d" % (i + 1, i),
                              "name": "site%d" % (i + 1)} for i in range(v)]
                        if v:
                            v[0] = dict(DEFAULT_SITES[0])
                    v = [{"id": str(s["id"]), "name": str(s["name"])}
                         for s in v]
                elif k == "faults":
                    v = self._faults(v)
                elif k == "default_assignee":
                    if not isinstance(v, dict):
                        raise ValueError(k + ": an object")
                    v = {str(p).upper(): str(a) for p, a in v.items()}
                elif k in ("hidden_projects_for", "components"):
                    if not isinstance(v, dict):
                        raise ValueError(k + ": an object")
                    if k == "components":
                        v = {str(p).upper(): [{"id": str(c["id"]),
                                               "name": str(c["name"])}
                                              for c in cs]
                             for p, cs in v.items()}
                    else:
                        v = {str(a): [str(x).upper() for x in ks]
                             for a, ks in v.items()}
                elif k in ("hidden_projects", "no_delete_projects"):
                    v = [str(x).upper() for x in v]
                elif k in ("deny_consent", "refresh_omit_token"):
                    v = bool(v)
                elif k == "groups":
                    if not isinstance(v, dict):
                        raise ValueError("groups: {account id: [names]}")
                    v = {str(a): [str(g) for g in gs]
                         for a, gs in v.items()}
                elif k in servicedesk.CONFIG:
                    v = servicedesk.config_value(k, v)
                elif k == "auth_error_shape":
                    if v not in ("gateway", "jira"):
                        raise ValueError("auth_error_shape: gateway or jira")
                else:
                    v = float(v)
                self.cfg[k] = v
            return self.config_view()

    @staticmethod
    def _faults(lst):
        out = []
        for f in lst:
            f = dict(f)
            kind = f.get("kind") or ("status" if "status" in f else None)
            if kind not in ("status", "slow", "drop", "reply"):
                raise ValueError("fault kind: status, slow, drop or reply")
            f["kind"] = kind
            if kind == "status":
                f["status"] = int(f["status"])
            if kind == "reply":
                # do the request, then answer status with this raw body
                # (Jira answers some writes with 204 or a non-JSON body)
                f["status"] = int(f.get("status", 200))
                f["body"] = str(f.get("body", ""))
            if kind == "slow":
                f["seconds"] = float(f.get("seconds", 1))
                # after: do the work first, then sleep before answering
                # (a create that is made but whose answer comes too late)
                f["after"] = bool(f.get("after", False))
            f["count"] = int(f.get("count", 1))
            f.setdefault("path_prefix", "")
            f.setdefault("method", None)
            if kind == "drop":
                f["after"] = bool(f.get("after", True))
            out.append(f)
        return out

    def config_view(self):
        with self.lock:
            c = copy.deepcopy(self.cfg)
            c["client_id"] = self.client_id
            c["redirect_uris"] = list(self.redirect_uris)
            return c

    def state(self):
        with self.lock:
            s = copy.deepcopy(self.counters)
            s["faults_pending"] = copy.deepcopy(self.cfg["faults"])
            now = time.time()
            s["live_access_tokens"] = sum(
                1 for a in self.access.values()
                if a["expires"] > now and
                not self.families[a["family"]]["revoked"])
            s["live_refresh_tokens"] = sum(
                1 for r in self.refresh.values()
                if not self.families[r["family"]]["revoked"] and
                (r["spent"] is None or
                 now - r["spent"] <= self.cfg["refresh_reuse_grace"]))
            s["families"] = len(self.families)
            s["issue_count"] = len(self.issues)
            return s

    def take_fault(self, method, path, jira_path):
        with self.lock:
            for f in self.cfg["faults"]:
                if f["count"] == 0:
                    continue
                if f["method"] and f["method"].upper() != method:
                    continue
                p = f["path_prefix"]
                if p and not (path.startswith(p) or
                              (jira_path or "").startswith(p)):
                    continue
                if f["count"] > 0:
                    f["count"] -= 1
                self.counters["faults_injected"] += 1
                hit = dict(f)
                self.cfg["faults"] = [x for x in self.cfg["faults"]
                                      if x["count"] != 0]
                return hit
        return None

    def count(self, name, key=None):
        with self.lock:
            if key is None:
                self.counters[name] += 1
            else:
                d = self.counters[name]
                d[key] = d.get(key, 0) + 1

    # -- persistence (--state-file) --

    def dump(self):
        with self.lock:
            return {"cfg": self.cfg, "people": self.people,
                    "codes": self.codes, "families": self.families,
                    "access": self.access, "refresh": self.refresh,
                    "counters": self.counters, "issues": self.issues,
                    "next_id": self.next_id,
                    "next_comment": self.next_comment,
                    "counter": self.counter,
                    "client_secret": self.client_secret,
                    "redirect_uris": self.redirect_uris}

    def load(self, d):
        with self.lock:
            for k, v in d.items():
                setattr(self, k, v)

    # -- people and sites --

    def person(self, account):
        return self.people.get(account) or {"account_id": account,
                                            "name": account, "email": ""}

    def user_json(self, account, site_url):
        if account is None:
            return None
        p = self.person(account)
        av = "https://avatar-management.example/%s" % urllib.parse.quote(
            account)
        return {"self": "%s%s/user?accountId=%s" % (
                    site_url, API3, urllib.parse.quote(account)),
                "accountId": account, "accountType": "atlassian",
                "emailAddress": p["email"],
                "avatarUrls": {s: "%s/%s.png" % (av, s) for s in
                               ("48x48", "24x24", "16x16", "32x32")},
                "displayName": p["name"], "active": True,
                "timeZone": "Etc/UTC", "locale": "en_US"}

    def site_url(self, site_name):
        return "%s/site/%s" % (self.base, site_name)

    def sites(self):
        return self.cfg["sites"]


# ---- the HTTP side ---------------------------------------------------------

class Handler(servicedesk.ServiceDeskMixin,
              http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY the body
    # waits for the client's delayed ACK (40 ms) on a kept connection,
    # which Atlassian's servers do not make anyone wait.
    disable_nagle_algorithm = True
    server_version = "standin-atlassian/1"
    timeout = 10  # idle keep-alive connections close
    Reply = Reply

    def version_string(self):
        return self.server_version

    # quiet the default logger; we log our own line without query strings
    def log_message(self, fmt, *args):
        pass

    @property
    def world(self):
        return self.server.world

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    # -- plumbing --

    def read_body(self):
        n = self.headers.get("Content-Length")
        if n is None:
            if self.headers.get("Transfer-Encoding", "").lower() == \
                    "chunked":
                raise Reply(411, {"error": "chunked bodies not supported"})
            return b""
        try:
            n = int(n)
        except ValueError:
            raise Reply(400, {"error": "bad Content-Length"})
        cap = MAX_UPLOAD if self.headers.get("Content-Type", "").lower(
        ).startswith("multipart/form-data") else MAX_BODY
        if n < 0 or n > cap:
            raise Reply(413, {"error": "body too large"})
        return self.rfile.read(n)

    def json_body(self, raw, jira=True):
        try:
            v = json.loads(raw.decode("utf-8")) if raw else None
        except (ValueError, UnicodeDecodeError):
            if jira:
                raise jira_error(400, ["Unexpected character: the request "
                                       "body is not valid JSON."])
            raise Reply(400, {"error": "invalid_request",
                              "error_description": "Malformed body"})
        return v

    def send(self, status, body=None, headers=None, ctype=None):
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            ctype = ctype or "application/json;charset=UTF-8"
        elif isinstance(body, str):
            data = body.encode()
            ctype = ctype or "text/html;charset=UTF-8"
        else:
            data = body or b""
        self.send_response(status)
        if data:
            self.send_header("Content-Type", ctype or "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.status_sent = status

    def drop(self):
        """Close the connection without an answer."""
        self.world.count("connections_dropped")
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.status_sent = "dropped"

    def dispatch(self, method):
        self.status_sent = None
        started = time.time()
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        self.query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        try:
            raw = self.read_body()
            if path.startswith("/_standin/"):
                self.send(*self.control(method, path, raw))
                return
            self.spec_check(method, path, url.query, raw)
            m = re.match(r"^/ex/jira/([^/]+)(/.*)$", path)
            jira_path = m.group(2) if m else None
            fault = self.world.take_fault(method, path, jira_path)
            if fault:
                if fault["kind"] == "status":
                    self.send(*self.fault_reply(fault, jira_path))
                    return
                if fault["kind"] == "slow" and not fault["after"]:
                    time.sleep(fault["seconds"])
                if fault["kind"] == "drop" and not fault["after"]:
                    self.drop()
                    return
            answer = self.route(method, path, m, raw)
            if fault and fault["kind"] == "slow" and fault["after"]:
                time.sleep(fault["seconds"])
                try:
                    self.send(*answer)
                except OSError:     # the client gave up, as intended
                    self.close_connection = True
                    self.status_sent = "too late"
                return
            if fault and fault["kind"] == "drop":
                self.drop()
                return
            if fault and fault["kind"] == "reply" and answer[0] // 100 == 2:
                self.send(fault["status"], fault["body"].encode(), None,
                          "text/plain;charset=UTF-8")
                return
            self.send(*answer)
        except Reply as r:
            self.send(r.status, r.body, r.headers)
        except (BrokenPipeError, ConnectionResetError):
            # The client went away before our answer (a benchmark's
            # load generator stopping, a caller's timeout): as a real
            # server would, drop the connection, quietly.
            self.close_connection = True
            self.status_sent = "client gone"
        except Exception as e:  # a bug here is a 500, and a log line
            sys.stderr.write("standin: error on %s %s: %r\n" % (
                method, path, e))
            self.send(500, {"errorMessages": ["Internal server error"],
                            "errors": {}})
        finally:
            if self.server.log:
                sys.stderr.write("standin: %s %s -> %s (%.0f ms)\n" % (
                    method, path, self.status_sent,
                    (time.time() - started) * 1000))

    def spec_check(self, method, path, query, raw):
        """Record, and log, what this request does that Atlassian's
        OpenAPI documents do not allow (spec_check.py); a bug of the
        checker is recorded too, so that it cannot pass silently."""
        try:
            found = spec_check.check(method, path, query, self.headers, raw)
        except Exception as e:  # noqa: BLE001
            found = [spec_check.Problem("spec_check", "checker", repr(e))]
        if not found:
            return
        with self.world.lock:
            for p in found:
                self.world.spec_problems.append(
                    {"request": "%s %s" % (method, path),
                     "operation": p.operation, "where": p.where,
                     "what": p.what})
        for p in found:
            sys.stderr.write("standin: spec problem: %s %s: %s\n" % (
                method, path, p))

    def fault_reply(self, f, jira_path):
        st = f["status"]
        h = {}
        if "retry_after" in f:
            h["Retry-After"] = str(f["retry_after"])
        if st == 401:
            return (401, self.unauthorized_body(),
                    {"WWW-Authenticate": 'Bearer realm="api.atlassian.com"'})
        if self.path.startswith("/oauth/token") and \
                not self.path.startswith("/oauth/token/"):
            body = {"error": {401: "access_denied", 403: "invalid_grant",
                              429: "rate_limited"}.get(st, "server_error"),
                    "error_description": "injected by the stand-in"}
            return st, body, h
        msg = {403: "You do not have permission to perform this operation.",
               429: "Rate limit exceeded.",
               500: "Internal server error",
               503: "Service Unavailable"}.get(st, "Injected failure")
        return st, {"errorMessages": [msg], "errors": {}}, h

    def unauthorized_body(self):
        if self.world.cfg["auth_error_shape"] == "jira":
            return {"errorMessages": ["You are not authenticated. "
                                      "Authentication required to perform "
                                      "this operation."], "errors": {}}
        return {"code": 401, "message": "Unauthorized"}

    def q1(self, name, default=None):
        v = self.query.get(name)
        return v[-1] if v else default

    def qint(self, name, default, lo=0, hi=None):
        v = self.q1(name)
        if v is None or v == "":
            return default
        if not re.fullmatch(r"-?\d{1,9}", v):
            raise jira_error(400, ["The value '%s' is not a valid number "
                                   "for '%s'." % (v, name)])
        n = int(v)
        if n < lo:
            raise jira_error(400, ["'%s' must be at least %d." % (name, lo)])
        return min(n, hi) if hi is not None else n

    # -- control API --

    def control(self, method, path, raw):
        w = self.world
        if path == "/_standin/state" and method == "GET":
            return 200, w.state()
        if path == "/_standin/config" and method == "GET":
            return 200, w.config_view()
        if path == "/_standin/config" and method == "POST":
            try:
                body = json.loads(raw.decode("utf-8") or "{}")
                if not isinstance(body, dict):
                    raise ValueError("config must be a JSON object")
                return 200, w.configure(body)
            except (ValueError, TypeError, KeyError,
                    UnicodeDecodeError) as e:
                return 400, {"error": str(e)}
        if path == "/_standin/spec-problems" and method == "GET":
            with w.lock:
                return 200, list(w.spec_problems)
        if path == "/_standin/reset" and method == "POST":
            w.reset()
            return 200, w.config_view()
        if path == "/_standin/issues" and method == "GET":
            with w.lock:
                return 200, {k: {"summary": v["summary"],
                                 "status": STATUSES[v["status"]][0],
                                 "properties": v["properties"]}
                             for k, v in w.issues.items()}
        m = re.fullmatch(r"/_standin/issues/([A-Z][A-Z0-9]*-\d+)", path)
        if m and method == "GET":
            with w.lock:
                iss = copy.deepcopy(w.issues.get(m.group(1)))
                for a in (iss or {}).get("attachments", []):
                    a.pop("data", None)     # bytes: the sha256 says them
                return (200, iss) if iss else \
                    (404, {"error": "no such issue"})
        return 404, {"error": "unknown control path"}

    # -- routing --

    def route(self, method, path, jira_match, raw):
        if path == "/authorize" and method == "GET":
            return self.authorize()
        if path == "/oauth/token" and method == "POST":
            return self.token(raw)
        if path == "/oauth/token/accessible-resources" and method == "GET":
            fam, _ = self.bearer(None)
            return 200, self.resources(fam)
        if path == "/me" and method == "GET":
            fam, _ = self.bearer(None)
            return 200, self.me(fam)
        if jira_match:
            return self.jira(method, jira_match.group(1),
                             jira_match.group(2), raw)
        if path.startswith("/ex/confluence/"):   # confluence.py
            return confluence.route(self, method, path)
        return 404, {"errorMessages": ["Not found"], "errors": {}}

    # -- auth.atlassian.com --

    def authorize(self):
        w = self.world
        w.count("authorize")
        q = {k: self.q1(k) for k in ("audience", "client_id", "scope",
                                     "redirect_uri", "state",
                                     "response_type", "prompt")}
        if q["client_id"] != w.client_id:
            return 400, self.page("Something went wrong",
                                  "This app is not known (client_id).")
        if q["redirect_uri"] not in w.redirect_uris:
            return 400, self.page("Something went wrong",
                                  "The redirect_uri does not match a "
                                  "callback URL registered for this app.")
        if q["audience"] != AUDIENCE:
            return 400, self.page("Something went wrong",
                                  "audience must be api.atlassian.com.")
        sep = "&" if "?" in q["redirect_uri"] else "?"

        def back(params):
            if q["state"] is not None:
                params["state"] = q["state"]
            return 302, b"", {"Location": q["redirect_uri"] + sep +
                              urllib.parse.urlencode(params),
                              "Cache-Control": "no-store"}
        if q["response_type"] != "code":
            return back({"error": "unsupported_response_type",
                         "error_description": "response_type must be code"})
        if not q["scope"]:
            return back({"error": "invalid_scope",
                         "error_description": "scope is required"})
        with w.lock:
            if w.cfg["deny_consent"]:
                w.counters["consent_denied"] += 1
                return back({"error": "access_denied",
                             "error_description": "The user did not "
                                                  "grant access"})
            code = secrets.token_urlsafe(32)
            w.codes[code] = {
                "client_id": q["client_id"],
                "redirect_uri": q["redirect_uri"],
                "account": w.cfg["person"]["account_id"],
                "scope": q["scope"], "used": False,
                "expires": time.time() + w.cfg["code_lifetime"],
                "sites": [s["id"] for s in w.sites()]}
        return back({"code": code})

    @staticmethod
    def page(title, text):
        return ("<!DOCTYPE html><html><head><title>%s</title></head><body>"
                "<h1>%s</h1><p>%s</p></body></html>" % (title, title, text))

    def token_body(self, raw):
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip()
        if ctype == "application/x-www-form-urlencoded":
            try:
                form = urllib.parse.parse_qs(raw.decode("utf-8"),
                                             keep_blank_values=True)
            except UnicodeDecodeError:
                form = {}
            return {k: v[-1] for k, v in form.items()}
        body = self.json_body(raw, jira=False)
        if not isinstance(body, dict):
            raise Reply(400, {"error": "invalid_request",
                              "error_description": "Malformed body"})
        return body

    def token(self, raw):
        w = self.world
        body = self.token_body(raw)
        grant = body.get("grant_type")
        w.count("token_calls", grant if grant in (
            "authorization_code", "refresh_token") else "other")
        if body.get("client_id") != w.client_id or \
                not isinstance(body.get("client_secret"), str) or \
                not secrets.compare_digest(
                    body["client_secret"].encode(),
                    w.client_secret.encode()):
            return 401, {"error": "access_denied",
                         "error_description": "Unauthorized"}
        if grant == "authorization_code":
            return self.grant_code(body)
        if grant == "refresh_token":
            return self.grant_refresh(body)
        return 400, {"error": "unsupported_grant_type",
                     "error_description": "Unsupported grant type: %s" %
                     str(grant)[:40]}

    def invalid_grant(self, text):
        self.world.counters["invalid_grant"] += 1
        return 403, {"error": "invalid_grant", "error_description": text}

    def issue_pair(self, fam_id, with_refresh):
        w = self.world
        now = time.time()
        fam = w.families[fam_id]
        at = "standin-at-" + secrets.token_urlsafe(32)
        w.access[at] = {"family": fam_id,
                        "expires": now + w.cfg["access_token_lifetime"]}
        out = {"access_token": at,
               "expires_in": int(w.cfg["access_token_lifetime"]),
               "token_type": "Bearer", "scope": fam["scope"]}
        if with_refresh:
            rt = "standin-rt-" + secrets.token_urlsafe(40)
            w.refresh[rt] = {"family": fam_id, "spent": None,
                             "issued": now}
            out["refresh_token"] = rt
        return out

    def grant_code(self, body):
        w = self.world
        with w.lock:
            code = w.codes.get(body.get("code") or "")
            if code is None or code["expires"] < time.time():
                return self.invalid_grant("Invalid authorization code")
            if code["used"]:
                return self.invalid_grant("Invalid authorization code")
            code["used"] = True
            if code["client_id"] != body.get("client_id") or \
                    code["redirect_uri"] != body.get("redirect_uri"):
                return self.invalid_grant("Invalid authorization code")
            fam_id = secrets.token_hex(8)
            w.families[fam_id] = {"account": code["account"],
                                  "scope": code["scope"],
                                  "sites": code["sites"],
                                  "revoked": False}
            offline = "offline_access" in code["scope"].split()
            return 200, self.issue_pair(fam_id, offline)

    def grant_refresh(self, body):
        w = self.world
        with w.lock:
            now = time.time()
            rt = body.get("refresh_token")
            rec = w.refresh.get(rt) if isinstance(rt, str) else None
            if rec is None or w.families[rec["family"]]["revoked"]:
                return self.invalid_grant("Unknown or invalid refresh "
                                          "token.")
            fam_id = rec["family"]
            if rec["spent"] is not None:
                w.counters["reused_refresh_presented"] += 1
                if now - rec["spent"] > w.cfg["refresh_reuse_grace"]:
                    self.revoke_family(fam_id)
                    return self.invalid_grant("Unknown or invalid refresh "
                                              "token.")
                w.counters["reused_refresh_in_grace"] += 1
            w.counters["refreshes"] += 1
            if w.cfg["refresh_omit_token"]:
                return 200, self.issue_pair(fam_id, False)
            if rec["spent"] is None:
                rec["spent"] = now
            return 200, self.issue_pair(fam_id, True)

    def revoke_family(self, fam_id):
        w = self.world
        w.families[fam_id]["revoked"] = True
        w.counters["families_revoked"] += 1

    # -- api.atlassian.com --

    def bearer(self, cloud):
        """-> (family id, family) for the bearer token, or a 401 Reply."""
        w = self.world
        h = self.headers.get("Authorization", "")
        parts = h.split(" ", 1)
        with w.lock:
            rec = None
            if len(parts) == 2 and parts[0].lower() == "bearer":
                rec = w.access.get(parts[1].strip())
            ok = (rec is not None and rec["expires"] > time.time() and
                  not w.families[rec["family"]]["revoked"])
            if ok and cloud is not None:
                ok = cloud in w.families[rec["family"]]["sites"] and \
                    cloud in [s["id"] for s in w.sites()]
            if not ok:
                w.counters["unauthorized"] += 1
                raise Reply(401, self.unauthorized_body(),
                            {"WWW-Authenticate":
                             'Bearer realm="api.atlassian.com"'})
            return rec["family"], w.families[rec["family"]]

    def resources(self, fam):
        w = self.world
        fam = w.families[fam]
        scopes = [s for s in fam["scope"].split() if s != "offline_access"]
        return [{"id": s["id"], "name": s["name"],
                 "url": w.site_url(s["name"]), "scopes": scopes,
                 "avatarUrl": "https://site-admin-avatar-cdn.example/"
                              "avatars/240/rocket.png"}
                for s in w.sites() if s["id"] in fam["sites"]]

    def me(self, fam):
        w = self.world
        p = w.person(w.families[fam]["account"])
        return {"account_type": "atlassian", "account_id": p["account_id"],
                "email": p["email"], "email_verified": True,
                "name": p["name"],
                "picture": "https://avatar-management.example/%s/128.png" %
                urllib.parse.quote(p["account_id"]),
                "account_status": "active",
                "nickname": p["name"].split(" ")[0],
                "zoneinfo": "Etc/UTC", "locale": "en-US",
                "extended_profile": {"job_title": "", "organization": "",
                                     "department": "", "location": ""},
                "last_updated": "2026-11-01T00:00:00.000Z"}

    # -- Jira --

    ROUTES = [  # method, path template as the spec writes it, handler
        ("GET", "/rest/api/3/myself", "myself"),
        ("GET", "/rest/api/3/search/jql", "search"),
        ("POST", "/rest/api/3/search/jql", "search"),
        ("GET", "/rest/api/3/search", "old_search"),
        ("POST", "/rest/api/3/search", "old_search"),
        ("POST", "/rest/api/3/issue", "create"),
        ("GET", "/rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes",
         "meta_types"),
        ("GET", "/rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes/"
         "{issueTypeId}", "meta_fields"),
        ("GET", "/rest/api/3/issue/{issueIdOrKey}", "get_issue"),
        ("PUT", "/rest/api/3/issue/{issueIdOrKey}", "edit_issue"),
        ("DELETE", "/rest/api/3/issue/{issueIdOrKey}", "delete_issue"),
        ("GET", "/rest/api/3/issue/{issueIdOrKey}/comment", "get_comments"),
        ("POST", "/rest/api/3/issue/{issueIdOrKey}/comment", "add_comment"),
        ("POST", "/rest/api/3/issue/{issueIdOrKey}/attachments",
         "add_attachments"),
        ("GET", "/rest/api/3/attachment/{id}", "attachment_meta"),
        ("GET", "/rest/api/3/attachment/content/{id}",
         "attachment_content"),
        ("GET", "/rest/api/3/issue/{issueIdOrKey}/transitions",
         "get_transitions"),
        ("POST", "/rest/api/3/issue/{issueIdOrKey}/transitions",
         "do_transition"),
        ("GET", "/rest/api/3/issue/{issueIdOrKey}/properties", "prop_keys"),
        ("GET", "/rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}",
         "prop_get"),
        ("PUT", "/rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}",
         "prop_put"),
        ("DELETE", "/rest/api/3/issue/{issueIdOrKey}/properties/"
         "{propertyKey}", "prop_delete"),
        ("GET", "/rest/api/3/project/search", "projects"),
        ("GET", "/rest/api/3/project/{projectIdOrKey}", "project"),
        ("GET", "/rest/api/3/priority", "priorities"),
        ("GET", "/rest/api/3/priority/search", "priority_search"),
        ("GET", "/rest/api/3/issuetype", "issuetypes"),
        ("GET", "/rest/api/3/status", "statuses"),
        ("GET", "/rest/api/3/user/search", "user_search"),
        ("GET", "/rest/api/3/user/assignable/search", "assignable"),
        ("GET", "/rest/api/3/user/groups", "user_groups"),
        ("GET", "/rest/api/3/jql/autocompletedata/suggestions",
         "suggestions"),
    ] + servicedesk.ROUTES
    ROUTE_RE = [(m, tpl, re.compile(re.sub(r"\{\w+\}", "([^/]+)", tpl)), h)
                for m, tpl, h in ROUTES]

    def jira(self, method, cloud, jpath, raw):
        w = self.world
        w.count("api_calls", "%s %s" % (method, jpath))
        fam_id, fam = self.bearer(cloud)
        with w.lock:
            site = next(s for s in w.sites() if s["id"] == cloud)
            self.site = w.site_url(site["name"])
            self.me_id = fam["account"]
            self.scopes = fam["scope"].split()
            gated = servicedesk.gate(self, jpath)
        if gated:
            return gated
        for m, tpl, pat, name in self.ROUTE_RE:
            mm = pat.fullmatch(jpath)
            if mm and m == method:
                w.count("api_routes", "%s %s" % (method, tpl))
                args = [urllib.parse.unquote(a) for a in mm.groups()]
                with w.lock:
                    return getattr(self, "j_" + name)(raw, *args)
        hit = confluence.jira_route(self, method, jpath, fam, cloud)
        if hit:
            return hit
        return 404, {"errorMessages": ["No resource at %s %s in this "
                                       "stand-in." % (method, jpath)],
                     "errors": {}}

    # helpers

    def components(self, pkey):
        """The components of project pkey (the "components" key, else
        COMPONENTS)."""
        return self.world.cfg["components"].get(pkey,
                                                COMPONENTS.get(pkey, []))

    def visible(self, pkey):
        return pkey not in self.world.cfg["hidden_projects"] and \
            pkey not in self.world.cfg["hidden_projects_for"].get(
                getattr(self, "me_id", None), ()) and \
            servicedesk.visible(self.world, pkey)

    def find_issue(self, key_or_id):
        w = self.world
        iss = w.issues.get(key_or_id.upper())
        if iss is None:
            iss = next((i for i in w.issues.values()
                        if i["id"] == key_or_id), None)
        if iss is None or not self.visible(iss["project"]):
            raise jira_error(404, [NOT_FOUND_ISSUE])
        return iss

    def find_project(self, key_or_id):
        for p in PROJECTS:
            if key_or_id.upper() == p[0] or key_or_id == p[1]:
                return p
        return None

    def project_json(self, p, types=False):
        out = {"self": "%s%s/project/%s" % (self.site, API3, p[1]),
               "id": p[1], "key": p[0], "name": p[2],
               "avatarUrls": {s: "%s/secure/projectavatar?pid=%s&size=%s" %
                              (self.site, p[1], s)
                              for s in ("48x48", "24x24", "16x16", "32x32")},
               "projectTypeKey": servicedesk.project_type(p[0]),
               "simplified": False,
               "style": "classic", "isPrivate": False, "properties": {}}
        if types:
            out["issueTypes"] = [self.type_json(i) for i in p[3]]
        return out

    def type_json(self, tid):
        name, desc = ISSUE_TYPES[tid]
        return {"self": "%s%s/issuetype/%s" % (self.site, API3, tid),
                "id": tid, "description": desc,
                "iconUrl": "%s/images/icons/issuetypes/%s.svg" % (
                    self.site, name.lower()),
                "name": name, "subtask": False, "hierarchyLevel": 0}

    def priority_json(self, pid):
        name, colour = next((n, c) for i, n, c in PRIORITIES if i == pid)
        return {"self": "%s%s/priority/%s" % (self.site, API3, pid),
                "iconUrl": "%s/images/icons/priorities/%s.svg" % (
                    self.site, name.lower()),
                "name": name, "id": pid, "statusColor": colour,
                "description": "%s priority" % name,
                "isDefault": pid == DEFAULT_PRIORITY}

    def status_json(self, sid):
        name, cat = STATUSES[sid]
        c = dict(CATEGORIES[cat])
        c["self"] = "%s%s/statuscategory/%d" % (self.site, API3, c["id"])
        return {"self": "%s%s/status/%s" % (self.site, API3, sid),
                "description": "", "iconUrl": "%s/images/icons/statuses/"
                "generic.png" % self.site, "name": name, "id": sid,
                "statusCategory": c}

    def comment_json(self, iss, c):
        u = self.world.user_json(c["author"], self.site)
        return {"self": "%s%s/issue/%s/comment/%s" % (self.site, API3,
                                                        iss["id"], c["id"]),
                "id": c["id"], "author": u, "body": c["body"],
                "updateAuthor": u, "created": jira_time(c["created"]),
                "updated": jira_time(c["updated"]), "jsdPublic": True}

    def issue_fields(self, iss):
        w = self.world
        p = self.find_project(iss["project"])
        done = STATUSES[iss["status"]][1] == "done"
        f = {"summary": iss["summary"],
             "description": iss["description"],
             "issuetype": self.type_json(iss["type"]),
             "project": self.project_json(p),
             "priority": self.priority_json(iss["priority"]),
             "status": self.status_json(iss["status"]),
             "statuscategorychangedate": jira_time(iss["updated"]),
             "labels": list(iss["labels"]),
             "assignee": w.user_json(iss["assignee"], self.site),
             "reporter": w.user_json(iss["reporter"], self.site),
             "creator": w.user_json(iss["reporter"], self.site),
             "created": jira_time(iss["created"]),
             "updated": jira_time(iss["updated"]),
             "resolution": {"self": "%s%s/resolution/10000" % (self.site,
                                                               API3),
                            "id": "10000", "name": "Done",
                            "description": "Work has been completed."}
             if done else None,
             "resolutiondate": jira_time(iss["updated"]) if done else None,
             "comment": {"comments": [self.comment_json(iss, c)
                                      for c in iss["comments"]],
                         "self": "%s%s/issue/%s/comment" % (
                             self.site, API3, iss["id"]),
                         "maxResults": len(iss["comments"]),
                         "total": len(iss["comments"]), "startAt": 0}}
        if p[0] == "SUP":
            f[SERVICE_FIELD] = iss["extra"].get(SERVICE_FIELD)
            f[POINTS_FIELD] = iss["extra"].get(POINTS_FIELD)
        f["components"] = [dict(c, self="%s%s/component/%s" % (
            self.site, API3, c["id"])) for c in self.components(p[0])
            if c["id"] in iss.get("components", [])]
        f["duedate"] = iss.get("duedate")
        # Attachment (Jira platform v3): self, id, filename, author,
        # created, size, mimeType, content (and thumbnail for images).
        f["attachment"] = [{
            "self": "%s%s/attachment/%s" % (self.site, API3, a["id"]),
            "id": a["id"], "filename": a["filename"],
            "author": w.user_json(a["author"], self.site),
            "created": jira_time(a["created"]), "size": a["size"],
            "mimeType": a["mimeType"],
            "content": "%s%s/attachment/content/%s" % (self.site, API3,
                                                       a["id"])}
            for a in iss.get("attachments", [])]
        return f

    def issue_json(self, iss, fields):
        """fields: None for all, else a list as Jira takes it."""
        out = {"expand": "renderedFields,names,schema,operations,editmeta,"
                         "changelog,versionedRepresentations",
               "id": iss["id"],
               "self": "%s%s/issue/%s" % (self.site, API3, iss["id"]),
               "key": iss["key"]}
        allf = self.issue_fields(iss)
        if fields is None:
            out["fields"] = allf
            return out
        want = set()
        drop = set()
        for f in fields:
            if f in ("*all", "*navigable"):
                want |= set(allf)
            elif f.startswith("-"):
                drop.add(f[1:])
            elif f:
                want.add(f)
        if drop and not want:
            want = set(allf)
        if want == {"id"}:
            return {"id": iss["id"]}
        out["fields"] = {k: v for k, v in allf.items()
                         if k in want and k not in drop}
        return out

    @staticmethod
    def field_list(values):
        out = []
        for v in values:
            if isinstance(v, str):
                out += [x.strip() for x in v.split(",")]
        return [x for x in out if x]

    # endpoints

    def j_user_groups(self, raw):
        """GET /rest/api/3/user/groups?accountId= (Jira platform v3,
        "Get user groups"): [{name, groupId, self}]; 404 for an unknown
        account."""
        acc = self.q1("accountId")
        if not acc:
            raise jira_error(400, ["accountId is required."])
        w = self.world
        if acc not in w.people:
            raise jira_error(404, ["The user with accountId '%s' does not "
                                   "exist." % acc])
        out = []
        for name in w.cfg["groups"].get(acc, []):
            gid = hashlib.sha256(name.encode()).hexdigest()
            gid = "%s-%s-%s-%s-%s" % (gid[:8], gid[8:12], gid[12:16],
                                      gid[16:20], gid[20:32])
            out.append({"name": name, "groupId": gid,
                        "self": "%s%s/group?groupId=%s" % (
                            self.site, API3, gid)})
        return 200, out

    def j_myself(self, raw):
        return 200, self.world.user_json(self.me_id, self.site)

    def j_old_search(self, raw):
        return 410, {"errorMessages": [
            "The requested API has been removed. Please migrate to the "
            "/rest/api/3/search/jql API. A full migration guideline is "
            "available at https://developer.atlassian.com/changelog/"
            "#CHANGE-2046"], "errors": {}}

    def j_search(self, raw):
        if self.command == "POST":
            body = self.json_body(raw)
            if not isinstance(body, dict):
                raise jira_error(400, ["The request body must be a JSON "
                                       "object."])
            jql = body.get("jql", "")
            token = body.get("nextPageToken")
            mr = body.get("maxResults", 50)
            fields = self.field_list(body.get("fields") or ["id"])
            if not isinstance(mr, int) or isinstance(mr, bool) or mr < 0:
                raise jira_error(400, ["maxResults must be a non-negative "
                                       "number."])
            if not isinstance(jql, str):
                raise jira_error(400, ["jql must be a string."])
        else:
            jql = self.q1("jql", "")
            token = self.q1("nextPageToken")
            mr = self.qint("maxResults", 50)
            fields = self.field_list(self.query.get("fields") or ["id"])
        mr = max(1, min(mr, ID_PAGE_CAP if set(fields) <= {"id", "key"}
                        else PAGE_CAP))
        offset = 0
        if token:
            rec = self.world.page_tokens.get(token)
            if rec is None or rec[0] != jql:
                raise jira_error(400, ["The nextPageToken is not valid for "
                                       "this query."])
            offset = rec[1]
        try:
            clauses, order = parse_jql(jql or "")
            hits = self.run_jql(clauses, order)
        except JqlError as e:
            raise jira_error(400, ["Error in the JQL Query: %s" % e])
        page = hits[offset:offset + mr]
        out = {"issues": [self.issue_json(i, fields) for i in page]}
        if offset + mr < len(hits):
            tok = base64.urlsafe_b64encode(secrets.token_bytes(18)).decode()
            self.world.page_tokens[tok] = (jql, offset + mr)
            out["nextPageToken"] = tok
            out["isLast"] = False
        else:
            out["isLast"] = True
        return 200, out

    def run_jql(self, clauses, order):
        w = self.world
        now = time.time()
        issues = [i for i in w.issues.values()
                  if self.visible(i["project"]) and i["visible_at"] <= now]
        for field, op, vals in clauses:
            issues = [i for i in issues
                      if self.match(i, field, op, vals)]
        order = order or [("created", True)]
        prio_rank = {p[0]: n for n, p in enumerate(PRIORITIES)}

        def sort_key(field, i):
            if field == "key":
                return (i["project"], int(i["key"].split("-")[1]))
            if field == "priority":
                return -prio_rank[i["priority"]]
            if field == "status":
                return STATUSES[i["status"]][0]
            if field == "issuetype":
                return ISSUE_TYPES[i["type"]][0]
            if field == "summary":
                return i["summary"].lower()
            return i[field]
        issues.sort(key=lambda i: int(i["id"]), reverse=True)
        for field, desc in reversed(order):
            issues.sort(key=lambda i: sort_key(field, i), reverse=desc)
        return issues

    def resolve_values(self, field, vals):
        """JQL values -> the set of internal ids they name; an unknown
        name is the error Jira gives."""
        out = set()
        w_issues = self.world.issues.values()
        for kind, v in vals:
            if kind == "fn":
                if field not in ("assignee", "reporter"):
                    raise JqlError("the function 'currentUser' is not valid "
                                   "for the field '%s'" % field)
                out.add(self.me_id)
                continue
            lv = v.lower()
            found = None
            if field == "project":
                p = self.find_project(v) or next(
                    (p for p in PROJECTS if p[2].lower() == lv), None)
                if p and self.visible(p[0]):
                    found = p[0]
            elif field == "status":
                found = next((k for k, (n, _) in STATUSES.items()
                              if n.lower() == lv or k == v), None)
            elif field == "issuetype":
                found = next((k for k, (n, _) in ISSUE_TYPES.items()
                              if n.lower() == lv or k == v), None)
            elif field == "priority":
                found = next((i for i, n, _ in PRIORITIES
                              if n.lower() == lv or i == v), None)
            elif field == "key":
                # id is an alias of issuekey that takes the numeric id
                # too; an id no issue has matches nothing here.
                if v.isdigit():
                    found = next((i["key"] for i in w_issues
                                  if i["id"] == v), "#" + v)
                else:
                    found = v.upper()
            elif field == "statuscategory":
                # by name ("Done"), key ("done") or id, as JQL takes it
                found = next((k for k, c in CATEGORIES.items()
                              if c["name"].lower() == lv or k == lv or
                              str(c["id"]) == v), None)
            elif field in ("assignee", "reporter"):
                found = next((a for a, p in self.world.people.items()
                              if a == v or p["email"].lower() == lv or
                              p["name"].lower() == lv), None)
                if found is None:
                    raise JqlError("The value '%s' does not exist for the "
                                   "field '%s'." % (v, field))
            else:
                found = v
            if found is None:
                raise JqlError("The value '%s' does not exist for the "
                               "field '%s'." % (v, field))
            out.add(found)
        return out

    def match(self, i, field, op, vals):
        if field in ("created", "updated"):
            kind, v = vals[0]
            if kind != "lit":
                raise JqlError("a date is expected for '%s'" % field)
            when = jql_date(field, v)
            x = i[field]
            return {">=": x >= when, "<=": x <= when, ">": x > when,
                    "<": x < when, "=": x == when}[op]
        if field in ("text", "summary", "description", "comment"):
            kind, v = vals[0]
            if kind != "lit":
                raise JqlError("a text is expected for '%s'" % field)
            # Lucene inside Jira: bare words are joined with AND, and an
            # upper-case OR between them makes alternatives ("Search
            # syntax for text fields").
            alts = [[x.lower() for x in WORD.findall(a)]
                    for a in re.split(r"\s+OR\s+", v)]
            alts = [a for a in alts if a]
            words = [w for a in alts for w in a]
            if not words:
                raise JqlError("The field '%s' needs at least one word." %
                               field)
            parts = []
            if field in ("text", "summary"):
                parts.append(i["summary"])
            if field in ("text", "description"):
                parts.append(adf_text(i["description"]))
            if field in ("text", "comment"):
                parts += [adf_text(c["body"]) for c in i["comments"]]
            have = set(x.lower() for x in WORD.findall(" ".join(parts)))
            return any(all(wd in have for wd in a) for a in alts)
        want = self.resolve_values(field, vals)
        if field == "labels":
            got = set(i["labels"])
            hit = bool(got & want)
        elif field == "statuscategory":
            hit = STATUSES[i["status"]][1] in want
        else:
            attr = {"project": "project", "status": "status",
                    "issuetype": "type", "priority": "priority",
                    "assignee": "assignee", "reporter": "reporter",
                    "key": "key"}[field]
            hit = i[attr] in want
        return not hit if op == "!=" else hit

    def j_get_issue(self, raw, key):
        iss = self.find_issue(key)
        f = self.query.get("fields")
        return 200, self.issue_json(iss, self.field_list(f) if f else None)

    def check_fields(self, fields, p, tid, errors, creating):
        """Validate and normalise settable fields; fill errors."""
        w = self.world
        out = {}
        allowed = {"summary", "description", "priority", "labels",
                   "assignee", "reporter", "project", "issuetype",
                   "components", "duedate"}
        if p and tid in p[4]:
            allowed |= set(p[4][tid])
        if p and p[0] == "SUP":
            allowed.add(SERVICE_FIELD)
            allowed.add(POINTS_FIELD)
        for k, v in fields.items():
            if k not in allowed:
                errors[k] = ("Field '%s' cannot be set. It is not on the "
                             "appropriate screen, or unknown." % k)
        if "summary" in fields or creating:
            s = fields.get("summary")
            if not isinstance(s, str) or not s.strip():
                errors["summary"] = "You must specify a summary of the issue."
            elif len(s) > 255:
                errors["summary"] = "Summary must be less than 255 " \
                                    "characters."
            elif "\n" in s or "\r" in s:
                errors["summary"] = "The summary is invalid because it " \
                                    "contains newline characters."
            else:
                out["summary"] = s
        if "description" in fields:
            d = fields["description"]
            if d is None:
                out["description"] = None
            elif adf_ok(d):
                out["description"] = d
            else:
                errors["description"] = ("Operation value must be an "
                                         "Atlassian Document (see the "
                                         "Atlassian Document Format)")
        if "priority" in fields:
            v = fields["priority"]
            pid = None
            if isinstance(v, dict):
                pid = next((i for i, n, _ in PRIORITIES
                            if i == v.get("id") or n == v.get("name")),
                           None)
            if pid is None:
                errors["priority"] = "The priority selected is invalid."
            else:
                out["priority"] = pid
        if "labels" in fields:
            v = fields["labels"]
            if not isinstance(v, list) or not all(isinstance(x, str)
                                                  for x in v):
                errors["labels"] = "The labels must be a list of strings."
            else:
                bad = [x for x in v if not x or re.search(r"\s", x)]
                if bad:
                    errors["labels"] = ("The label '%s' contains spaces "
                                        "which is invalid." % bad[0])
                elif any(len(x) > 255 for x in v):
                    errors["labels"] = "The label must not exceed 255 " \
                                       "characters."
                else:
                    out["labels"] = sorted(set(v))
        for uf in ("assignee", "reporter"):
            if uf in fields:
                v = fields[uf]
                if v is None and uf == "assignee":
                    out[uf] = None
                    continue
                aid = v.get("accountId") or v.get("id") \
                    if isinstance(v, dict) else None
                if aid not in w.people:
                    errors[uf] = "Specify a valid value for %s" % uf
                else:
                    out[uf] = aid
        if SERVICE_FIELD in allowed and SERVICE_FIELD in fields:
            v = fields[SERVICE_FIELD]
            opt = next((o for o in SERVICE_OPTIONS if isinstance(v, dict) and
                        (v.get("id") == o["id"] or
                         v.get("value") == o["value"])), None)
            if opt is None:
                errors[SERVICE_FIELD] = ("Option value '%s' is not valid" %
                                         (v.get("value") or v.get("id")
                                          if isinstance(v, dict) else v))
            else:
                out[SERVICE_FIELD] = dict(opt)
        if "components" in fields and p:
            v = fields["components"]
            comps = self.components(p[0])
            ids = []
            for c in v if isinstance(v, list) else [v]:
                hit = next((x for x in comps if isinstance(c, dict) and
                            (c.get("id") == x["id"] or
                             c.get("name") == x["name"])), None)
                if hit is None:
                    errors["components"] = (
                        "Component name '%s' is not valid" %
                        (c.get("name") or c.get("id")
                         if isinstance(c, dict) else c))
                    break
                ids.append(hit["id"])
            else:
                out["components"] = ids
        if "duedate" in fields:
            v = fields["duedate"]
            if v is not None and not (isinstance(v, str) and re.fullmatch(
                    r"\d{4}-\d{2}-\d{2}", v)):
                errors["duedate"] = "Error parsing date string: %s" % v
            else:
                out["duedate"] = v
        if POINTS_FIELD in allowed and POINTS_FIELD in fields:
            v = fields[POINTS_FIELD]
            if v is not None and (isinstance(v, bool) or
                                  not isinstance(v, (int, float))):
                errors[POINTS_FIELD] = "Operation value must be a number"
            else:
                out[POINTS_FIELD] = v
        if creating:
            servicedesk.check_create(p, fields, errors)
        if creating and p and tid in p[4]:
            for req in p[4][tid]:
                if req not in fields and req not in errors:
                    errors[req] = "Affected service is required."
        return out

    def j_create(self, raw):
        w = self.world
        body = self.json_body(raw)
        if not isinstance(body, dict) or not isinstance(
                body.get("fields", {}), dict):
            raise jira_error(400, ["The request body must be a JSON "
                                   "object with 'fields'."])
        fields = body.get("fields") or {}
        errors = {}
        pv = fields.get("project")
        p = None
        if isinstance(pv, dict):
            p = self.find_project(str(pv.get("key") or pv.get("id") or ""))
        if p is None:
            errors["project"] = "Specify a valid project ID or key"
        elif not self.visible(p[0]):
            raise jira_error(403, ["You do not have permission to create "
                                   "issues in this project."])
        tv = fields.get("issuetype")
        tid = None
        if not isinstance(tv, dict):
            errors["issuetype"] = "Specify an issue type"
        else:
            tid = next((k for k, (n, _) in ISSUE_TYPES.items()
                        if k == tv.get("id") or n == tv.get("name")), None)
            if tid is None or (p and tid not in p[3]):
                errors["issuetype"] = "Specify a valid issue type"
        vals = self.check_fields(fields, p, tid, errors, True)
        props = body.get("properties", [])
        if not isinstance(props, list) or not all(
                isinstance(x, dict) and isinstance(x.get("key"), str) and
                "value" in x for x in props):
            errors["properties"] = "Properties must be a list of {key, " \
                                   "value}."
        if errors:
            raise jira_error(400, [], errors)
        reporter = w.person(vals.get("reporter", self.me_id))
        assignee = vals.get("assignee") if "assignee" in vals else \
            w.cfg["default_assignee"].get(p[0])
        iss = w._new_issue(p[0], tid, vals["summary"],
                           vals.get("description"),
                           vals.get("priority", DEFAULT_PRIORITY),
                           vals.get("labels", []), reporter,
                           w.person(assignee) if assignee else None,
                           time.time(),
                           {k: v for k, v in vals.items()
                            if k.startswith("customfield_")})
        for k in ("components", "duedate"):
            if k in vals:
                iss[k] = vals[k]
        for x in props:
            iss["properties"][x["key"]] = x["value"]
        w.counters["issues_created"] += 1
        return 201, {"id": iss["id"], "key": iss["key"],
                     "self": "%s%s/issue/%s" % (self.site, API3, iss["id"])}

    def j_edit_issue(self, raw, key):
        iss = self.find_issue(key)
        body = self.json_body(raw)
        if not isinstance(body, dict):
            raise jira_error(400, ["The request body must be a JSON "
                                   "object."])
        fields = body.get("fields") or {}
        update = body.get("update") or {}
        if not isinstance(fields, dict) or not isinstance(update, dict):
            raise jira_error(400, ["fields and update must be objects."])
        errors = {}
        for k in ("project", "issuetype"):
            if k in fields:
                errors[k] = ("Field '%s' cannot be set. It is not on the "
                             "appropriate screen, or unknown." % k)
        p = self.find_project(iss["project"])
        vals = self.check_fields(
            {k: v for k, v in fields.items()
             if k not in ("project", "issuetype")}, p, iss["type"], errors,
            False)
        labels = set(vals.get("labels", iss["labels"]))
        comments = []
        for k, ops in update.items():
            if not isinstance(ops, list):
                errors[k] = "Operations must be a list."
                continue
            for o in ops:
                if not isinstance(o, dict) or len(o) != 1:
                    errors[k] = "Each operation must be one of add, set, " \
                                "remove."
                    continue
                verb, arg = next(iter(o.items()))
                if k == "labels" and verb in ("add", "remove") and \
                        isinstance(arg, str) and arg and \
                        not re.search(r"\s", arg):
                    (labels.add if verb == "add" else labels.discard)(arg)
                elif k == "labels" and verb == "set" and \
                        isinstance(arg, list):
                    labels = set(arg)
                elif k == "comment" and verb == "add" and \
                        isinstance(arg, dict) and adf_ok(arg.get("body")):
                    comments.append(arg["body"])
                elif k in ("summary", "description", "priority") and \
                        verb == "set":
                    vals.update(self.check_fields({k: arg}, p, iss["type"],
                                                  errors, False))
                else:
                    errors[k] = ("Field '%s' cannot be set. It is not on "
                                 "the appropriate screen, or unknown." % k)
        if errors:
            raise jira_error(400, [], errors)
        now = time.time()
        for k, v in vals.items():
            if k.startswith("customfield_"):
                iss["extra"][k] = v
            else:
                iss[k] = v
        iss["labels"] = sorted(labels)
        for c in comments:
            self.world._add_comment(iss, self.me_id, c, now)
        iss["updated"] = now
        return 204, b""

    def j_delete_issue(self, raw, key):
        """DELETE /rest/api/3/issue/{issueIdOrKey}[?deleteSubtasks=]:
        204; 403 without the "Delete issues" permission; 400 for a value
        of deleteSubtasks that is not a boolean.  (The stand-in has no
        sub-tasks, so the spec's 400 for one is never due.)"""
        iss = self.find_issue(key)
        ds = self.q1("deleteSubtasks", "false")
        if ds not in ("true", "false"):
            raise jira_error(400, ["deleteSubtasks must be true or false."])
        if iss["project"] in self.world.cfg["no_delete_projects"]:
            raise jira_error(403, ["You do not have permission to delete "
                                   "issues in this project."])
        del self.world.issues[iss["key"]]
        self.world.counters["issues_deleted"] += 1
        return 204, b""

    def j_get_comments(self, raw, key):
        iss = self.find_issue(key)
        start = self.qint("startAt", 0)
        mr = self.qint("maxResults", 100, 0, 100)
        order = self.q1("orderBy", "created")
        if order not in ("created", "+created", "-created"):
            raise jira_error(400, ["orderBy must be created, +created or "
                                   "-created."])
        cs = sorted(iss["comments"], key=lambda c: (c["created"],
                                                    int(c["id"])),
                    reverse=order == "-created")
        return 200, {"comments": [self.comment_json(iss, c)
                                  for c in cs[start:start + mr]],
                     "maxResults": mr, "total": len(cs), "startAt": start}

    def j_add_comment(self, raw, key):
        iss = self.find_issue(key)
        body = self.json_body(raw)
        if not isinstance(body, dict) or body.get("body") in (None, ""):
            raise jira_error(400, [], {"comment": "Comment body can not be "
                                                  "empty!"})
        if not adf_ok(body["body"]):
            raise jira_error(400, [], {"comment": "Operation value must be "
                                                  "an Atlassian Document "
                                                  "(see the Atlassian "
                                                  "Document Format)"})
        c = self.world._add_comment(iss, self.me_id, body["body"],
                                    time.time())
        self.world.counters["comments_added"] += 1
        return 201, self.comment_json(iss, c)

    def multipart_files(self, raw, refuse):
        """The parts named "file" (with a file name) of a multipart/form-
        data upload, refused (refuse(status, [text])) without
        X-Atlassian-Token: no-check (Jira's XSRF check), as another media
        type, or without such a part; Jira's "Add attachment" and JSM's
        "attachTemporaryFile" alike."""
        if self.headers.get("X-Atlassian-Token", "").lower() != "no-check":
            raise refuse(403, ["XSRF check failed"])
        ctype = self.headers.get("Content-Type", "")
        if not ctype.lower().startswith("multipart/form-data"):
            raise refuse(415, ["Unsupported Media Type"])
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" +
            raw)
        files = [p for p in msg.iter_parts()
                 if p.get_param("name", header="content-disposition") ==
                 "file" and p.get_filename()] if msg.is_multipart() else []
        if not files:
            raise refuse(400, ["No file was sent in a part named "
                               "'file'."])
        return files

    def j_add_attachments(self, raw, key):
        """Jira's "Add attachment": multipart/form-data, each file in a
        part named "file", and X-Atlassian-Token: no-check (else the XSRF
        check refuses it); 200 with the Attachment list."""
        iss = self.find_issue(key)
        files = self.multipart_files(raw, jira_error)
        out = []
        for part in files:
            data = part.get_payload(decode=True) or b""
            aid = str(self.world.next_id)
            self.world.next_id += 1
            a = {"id": aid, "filename": part.get_filename(),
                 "mimeType": part.get_content_type(), "size": len(data),
                 "author": self.me_id, "created": time.time(),
                 "sha256": hashlib.sha256(data).hexdigest(),
                 "data": data}
            iss["attachments"].append(a)
            self.world.counters["attachments_added"] += 1
            out.append({
                "self": "%s%s/attachment/%s" % (self.site, API3, aid),
                "id": aid, "filename": a["filename"],
                "author": self.world.user_json(self.me_id, self.site),
                "created": jira_time(a["created"]), "size": a["size"],
                "mimeType": a["mimeType"],
                "content": "%s%s/attachment/content/%s" % (self.site, API3,
                                                           aid)})
        return 200, out

    def find_attachment(self, aid):
        """The attachment aid of an issue the caller can see, or Jira's
        404 ("the attachment is not found")."""
        for iss in self.world.issues.values():
            for a in iss.get("attachments", []):
                if a["id"] == aid and self.visible(iss["project"]):
                    return a
        raise jira_error(404, ["The attachment was not found."])

    def j_attachment_meta(self, raw, aid):
        """Jira's "Get attachment metadata": AttachmentMetadata (id as an
        int64, self, filename, author, created, size, mimeType,
        properties, content)."""
        a = self.find_attachment(aid)
        return 200, {
            "id": int(a["id"]),
            "self": "%s%s/attachment/%s" % (self.site, API3, a["id"]),
            "filename": a["filename"],
            "author": self.world.user_json(a["author"], self.site),
            "created": jira_time(a["created"]), "size": a["size"],
            "mimeType": a["mimeType"], "properties": {},
            "content": "%s%s/attachment/content/%s" % (self.site, API3,
                                                       a["id"])}

    def j_attachment_content(self, raw, aid):
        """Jira's "Get attachment content": with redirect=false the bytes
        themselves (200); by default a 303 to a download URL, which we
        never follow with a bearer token.  A seeded file's bytes are made
        up to its size: log lines with one error line."""
        a = self.find_attachment(aid)
        if self.q1("redirect", "true") != "false":
            return 303, b"", {"Location": "%s/download/%s" % (
                self.site, a["id"])}, "text/plain"
        data = a.get("data")
        if data is None:
            lines = b"".join(b"INFO backup step %d ok\n" % i
                             for i in range(1, 6))
            lines += b"ERROR disk full on /var/backups\n"
            data = (lines * (a["size"] // len(lines) + 1))[:a["size"]]
        return 200, data, None, a["mimeType"]

    def j_get_transitions(self, raw, key):
        iss = self.find_issue(key)
        out = []
        for tid, (name, frm, to) in TRANSITIONS.items():
            if iss["status"] in frm:
                out.append({"id": tid, "name": name,
                            "to": self.status_json(to), "hasScreen": False,
                            "isGlobal": False, "isInitial": False,
                            "isAvailable": True, "isConditional": False,
                            "isLooped": False})
        return 200, {"expand": "transitions", "transitions": out}

    def j_do_transition(self, raw, key):
        iss = self.find_issue(key)
        body = self.json_body(raw)
        tr = body.get("transition") if isinstance(body, dict) else None
        tid = str(tr.get("id")) if isinstance(tr, dict) and \
            tr.get("id") is not None else None
        if tid is None:
            raise jira_error(400, ["Missing 'transition' identifier"])
        spec = TRANSITIONS.get(tid)
        if spec is None or iss["status"] not in spec[1]:
            raise jira_error(400, ["Transition id '%s' is not valid for "
                                   "this issue." % tid])
        iss["status"] = spec[2]
        iss["updated"] = time.time()
        self.world.counters["transitions_done"] += 1
        return 204, b""

    def j_prop_keys(self, raw, key):
        iss = self.find_issue(key)
        return 200, {"keys": [{"key": k, "self": "%s%s/issue/%s/properties/"
                               "%s" % (self.site, API3, iss["id"], k)}
                              for k in sorted(iss["properties"])]}

    def j_prop_get(self, raw, key, prop):
        iss = self.find_issue(key)
        if prop not in iss["properties"]:
            raise jira_error(404, ["The property with key '%s' does not "
                                   "exist." % prop])
        return 200, {"key": prop, "value": iss["properties"][prop]}

    def j_prop_put(self, raw, key, prop):
        iss = self.find_issue(key)
        if not raw:
            raise jira_error(400, ["The property value must be valid JSON."])
        value = self.json_body(raw)
        if len(prop) > 255:
            raise jira_error(400, ["The property key is too long."])
        if len(raw) > 32768:
            raise jira_error(400, ["The property value is over 32768 "
                                   "bytes."])
        existed = prop in iss["properties"]
        iss["properties"][prop] = value
        return (200 if existed else 201), b""

    def j_prop_delete(self, raw, key, prop):
        iss = self.find_issue(key)
        if iss["properties"].pop(prop, None) is None:
            raise jira_error(404, ["The property with key '%s' does not "
                                   "exist." % prop])
        return 204, b""

    def j_projects(self, raw):
        start = self.qint("startAt", 0)
        mr = self.qint("maxResults", 50, 0, 100)
        q = (self.q1("query") or "").lower()
        keys = set(self.field_list(self.query.get("keys", [])))
        ps = [p for p in PROJECTS if self.visible(p[0]) and
              (not q or q in p[0].lower() or q in p[2].lower()) and
              (not keys or p[0] in keys)]
        expand = self.q1("expand") or ""
        page = ps[start:start + mr]
        base = "%s%s/project/search" % (self.site, API3)
        out = {"self": "%s?startAt=%d&maxResults=%d" % (base, start, mr),
               "maxResults": mr, "startAt": start, "total": len(ps),
               "isLast": start + mr >= len(ps),
               "values": [self.project_json(p, "issueTypes" in expand)
                          for p in page]}
        if not out["isLast"]:
            out["nextPage"] = "%s?startAt=%d&maxResults=%d" % (
                base, start + mr, mr)
        return 200, out

    def j_project(self, raw, key):
        p = self.find_project(key)
        if p is None or not self.visible(p[0]):
            raise jira_error(404, ["No project could be found with key "
                                   "'%s'." % key])
        return 200, self.project_json(p, True)

    def meta_project(self, key):
        p = self.find_project(key)
        if p is None or not self.visible(p[0]):
            raise jira_error(404, ["No project could be found with key "
                                   "'%s'." % key])
        return p

    def j_meta_types(self, raw, key):
        p = self.meta_project(key)
        start = self.qint("startAt", 0)
        mr = self.qint("maxResults", 50, 0)
        if mr > 200:
            raise jira_error(400, ["Parameter 'maxResults' must not exceed "
                                   "the limit '200'"])
        types = [self.type_json(i) for i in p[3]]
        return 200, {"issueTypes": types[start:start + mr],
                     "maxResults": mr, "startAt": start,
                     "total": len(types)}

    def j_meta_fields(self, raw, key, tid):
        p = self.meta_project(key)
        if tid not in p[3]:
            raise jira_error(404, ["Issue type with id '%s' does not exist "
                                   "or is not in this project." % tid])
        start = self.qint("startAt", 0)
        mr = self.qint("maxResults", 50, 0)
        if mr > 200:
            raise jira_error(400, ["Parameter 'maxResults' must not exceed "
                                   "the limit '200'"])

        def fld(fid, name, required, schema, ops=("set",), allowed=None,
                default=None, auto=None):
            f = {"required": required, "schema": schema, "name": name,
                 "key": fid, "fieldId": fid, "hasDefaultValue":
                 default is not None, "operations": list(ops)}
            if allowed is not None:
                f["allowedValues"] = allowed
            if default is not None:
                f["defaultValue"] = default
            if auto:
                f["autoCompleteUrl"] = auto
            return f
        fields = [
            fld("issuetype", "Issue Type", True,
                {"type": "issuetype", "system": "issuetype"},
                ops=(), allowed=[self.type_json(tid)]),
            fld("project", "Project", True,
                {"type": "project", "system": "project"},
                allowed=[self.project_json(p)]),
            fld("summary", "Summary", True,
                {"type": "string", "system": "summary"}),
            fld("description", "Description", False,
                {"type": "string", "system": "description"}),
            fld("priority", "Priority", False,
                {"type": "priority", "system": "priority"},
                allowed=[self.priority_json(i) for i, _, _ in PRIORITIES],
                default=self.priority_json(DEFAULT_PRIORITY)),
            fld("labels", "Labels", False,
                {"type": "array", "items": "string", "system": "labels"},
                ops=("add", "set", "remove"),
                auto="%s%s/label/suggest?query=" % (self.site, API3)),
            fld("assignee", "Assignee", False,
                {"type": "user", "system": "assignee"},
                auto="%s%s/user/assignable/search?project=%s&query=" % (
                    self.site, API3, p[0])),
            fld("reporter", "Reporter", True,
                {"type": "user", "system": "reporter"},
                default=self.world.user_json(self.me_id, self.site),
                auto="%s%s/user/search?query=" % (self.site, API3)),
        ]
        fields.append(fld(
            "components", "Components", False,
            {"type": "array", "items": "component", "system": "components"},
            ops=("add", "set", "remove"),
            allowed=[dict(c, self="%s%s/component/%s" % (
                self.site, API3, c["id"])) for c in self.components(p[0])]))
        fields.append(fld("duedate", "Due date", False,
                          {"type": "date", "system": "duedate"}))
        fields += servicedesk.meta_fields(self, p, fld)
        if p[0] == "SUP":
            fields.append(fld(
                POINTS_FIELD, "Story points", False,
                {"type": "number", "custom": "com.atlassian.jira.plugin."
                 "system.customfieldtypes:float", "customId": 10101}))
            fields.append(fld(
                SERVICE_FIELD, "Affected service",
                SERVICE_FIELD in p[4].get(tid, ()),
                {"type": "option", "custom": "com.atlassian.jira.plugin."
                 "system.customfieldtypes:select", "customId": 10100},
                allowed=[dict(o, self="%s%s/customFieldOption/%s" % (
                    self.site, API3, o["id"])) for o in SERVICE_OPTIONS]))
        return 200, {"fields": fields[start:start + mr], "maxResults": mr,
                     "startAt": start, "total": len(fields)}

    def j_suggestions(self, raw):
        # getFieldAutoCompleteForQueryString: fieldName alone lists every
        # value of the field; fieldValue keeps those containing it.  Only
        # priority, issuetype, status and project have values here.
        field = self.q1("fieldName", "")
        names = {"priority": [p[1] for p in PRIORITIES],
                 "issuetype": [v[0] for v in ISSUE_TYPES.values()],
                 "status": [v[0] for v in STATUSES.values()],
                 "project": [p[0] for p in PROJECTS
                             if self.visible(p[0])]}.get(field, [])
        text = self.q1("fieldValue", "").lower()
        return 200, {"results": [{"value": n, "displayName": n}
                                 for n in names if text in n.lower()]}

    def j_priorities(self, raw):
        return 200, [self.priority_json(i) for i, _, _ in PRIORITIES]

    def j_priority_search(self, raw):
        start = self.qint("startAt", 0)
        mr = self.qint("maxResults", 50, 0)
        ps = [self.priority_json(i) for i, _, _ in PRIORITIES]
        return 200, {"self": "%s%s/priority/search" % (self.site, API3),
                     "maxResults": mr, "startAt": start, "total": len(ps),
                     "isLast": start + mr >= len(ps),
                     "values": ps[start:start + mr]}

    def j_issuetypes(self, raw):
        return 200, [self.type_json(i) for i in ISSUE_TYPES]

    def j_statuses(self, raw):
        return 200, [self.status_json(i) for i in STATUSES]

    def j_user_search(self, raw):
        """GET /rest/api/3/user/search (Find users): query matched against
        displayName and emailAddress by prefix (of the value or of a word
        of the display name), case-insensitive; startAt and maxResults
        page the matches.  A person may carry "accountType" (default
        "atlassian"), "active" (default true) and "email_hidden" (their
        privacy setting hides the email)."""
        query = self.q1("query")
        if not query and not self.q1("accountId") and \
                not self.q1("property"):
            raise jira_error(400, ["The query parameter 'query' or "
                                   "'accountId' or 'property' is required."])
        start = self.qint("startAt", 0)
        mr = self.qint("maxResults", 50, hi=1000)
        out = []
        for acct, p in sorted(self.world.people.items()):
            if self.q1("accountId") and acct != self.q1("accountId"):
                continue
            if query:
                q = query.lower()
                names = [p["name"].lower()] + p["name"].lower().split()
                if not (any(n.startswith(q) for n in names) or
                        (p.get("email") or "").lower().startswith(q)):
                    continue
            u = self.world.user_json(acct, self.site)
            u["accountType"] = p.get("accountType", "atlassian")
            u["active"] = p.get("active", True)
            if p.get("email_hidden"):
                u.pop("emailAddress", None)
            out.append(u)
        return 200, out[start:start + mr]
    def j_assignable(self, raw):
        """GET /rest/api/3/user/assignable/search: one of project,
        issueKey or issueId is required; query matches the start of a
        display name word or of an email address (ignoring case);
        accountId matches exactly.  Everyone in the stand-in may be
        assigned issues of every visible project."""
        w = self.world
        proj = self.q1("project")
        if not (proj or self.q1("issueKey") or self.q1("issueId")):
            raise jira_error(400, ["One of the following parameters must "
                                   "be provided: project, issueKey, "
                                   "issueId."])
        if proj and (self.find_project(proj) is None or
                     not self.visible(self.find_project(proj)[0])):
            raise jira_error(404, ["No project could be found with key "
                                   "'%s'." % proj])
        q = (self.q1("query") or "").lower()
        acc = self.q1("accountId")
        start = self.qint("startAt", 0)
        mr = self.qint("maxResults", 50, 0, 1000)
        hits = []
        for a, p in sorted(w.people.items()):
            if acc is not None:
                ok = a == acc
            else:
                words = p["name"].lower().split() + [p["name"].lower()]
                ok = not q or any(x.startswith(q) for x in words) or \
                    p["email"].lower().startswith(q)
            if ok:
                hits.append(w.user_json(a, self.site))
        return 200, hits[start:start + mr]


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        """A client that hung up is not an error of ours; anything else
        is printed as socketserver does."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError,
                                          ConnectionResetError)):
            return
        super().handle_error(request, client_address)


class StandIn:
    """The stand-in as a module: start() in a thread, stop()."""

    def __init__(self, client_id="standin-client",
                 client_secret="standin-secret",
                 redirect_uris=("http://127.0.0.1/callback",), port=0,
                 state_file=None, log=True):
        if isinstance(redirect_uris, str):
            redirect_uris = [redirect_uris]
        self.world = World(client_id, client_secret, redirect_uris)
        self.port = port
        self.state_file = state_file
        self.log = log
        self.httpd = None
        self.thread = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        if self.state_file and os.path.exists(self.state_file):
            with open(self.state_file) as f:
                self.world.load(json.load(f))
        self.httpd = Server(("127.0.0.1", self.port), Handler)
        self.httpd.world = self.world
        self.httpd.log = self.log
        self.port = self.httpd.server_address[1]
        self.world.base = self.url
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.2},
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None
            self.save()

    def save(self):
        if not self.state_file:
            return
        tmp = self.state_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.world.dump(), f)
        os.replace(tmp, self.state_file)

    def config(self, **changes):
        """Change config keys (see README); returns the whole config."""
        return self.world.configure(changes) if changes else \
            self.world.config_view()

    def state(self):
        return self.world.state()

    def reset(self):
        self.world.reset()

    def spec_problems(self, clear=False):
        """What requests did since the start or the last reset (or
        clear) that Atlassian's OpenAPI documents do not allow: [{request,
        operation, where, what}] (spec_check.py); clear: forget them."""
        with self.world.lock:
            found = list(self.world.spec_problems)
            if clear:
                del self.world.spec_problems[:]
            return found


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--client-secret", required=True)
    ap.add_argument("--redirect-uri", action="append", required=True,
                    help="a registered callback URL (repeatable)")
    ap.add_argument("--state-file",
                    help="load state from here at start if it exists; save "
                         "it here at stop")
    a = ap.parse_args(argv)
    s = StandIn(a.client_id, a.client_secret, a.redirect_uri, a.port,
                a.state_file)
    s.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    sys.stdout.write("LISTENING %d\n" % s.port)
    sys.stdout.flush()
    while not done.wait(0.2):
        pass
    s.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
