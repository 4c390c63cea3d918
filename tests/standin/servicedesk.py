"""Jira Service Management's REST API (/rest/servicedeskapi) for the
Atlassian stand-in: service desks, request type groups, request types and
their fields, customer requests (raise, list, read), comments (public and
internal), customer transitions and approvals, plus the platform side of a
service-desk project (its create screen's "Request Type" field, which
/rest/api/3/issue refuses) and a portal-only customer who has no Jira
licence.

Built from Atlassian's OpenAPI document for JSM
(/work/shared/atlassian-specs/jira-servicedesk.json): the routes below are
its path templates, the answers its DTOs (PagedDTO* with start, limit,
size, isLastPage, values and _links; ServiceDeskDTO, RequestTypeDTO,
CustomerRequestCreateMetaDTO with RequestTypeFieldDTO, CustomerRequestDTO,
CommentDTO, CustomerTransitionDTO, ApprovalDTO, SlaInformationDTO, DateDTO)
and its errors ErrorResponse {errorMessage, i18nErrorMessage}.  Where the
document says nothing (the words of an error), the text is marked "from
memory" in tests/standin/README.md.

The service desk is off unless the config key "servicedesk" is true, so the
platform answers of every other test stay as they were.  atlassian.py
registers ROUTES, mixes ServiceDeskMixin into its handler and calls the
hooks (seed, config_value, visible, gate, meta_fields, check_create).
"""

import copy
import hashlib
import time
import urllib.parse

SD = "/rest/servicedeskapi"

ALICE_ID = "712020:2f6a8c31-5b4e-4d7a-9c1e-0a1b2c3d4e5f"  # atlassian.ALICE
CAROL = {"account_id": "qm:5c1a0d3e-7b2f-4e8a-9d6c-1f2e3d4c5b6a",
         "name": "Carol Customer", "email": "carol@example.com"}

# The JSM project as atlassian.py's PROJECTS rows: key, id, name, issue
# type ids, {type id: extra required}.
PROJECT_KEY = "ITH"
PROJECTS = [("ITH", "10002", "IT Help", ("10004", "10005", "10006"), {})]
DESK_ID = "1"
PORTAL_ID = "1"

ISSUE_TYPES = {
    "10004": ("[System] Service request",
              "Created by Jira Service Management."),
    "10005": ("[System] Incident", "For system outages or incidents."),
    "10006": ("[System] Service request with approvals",
              "For requests that require approval."),
}

# JSM's default workflow statuses (id: name, category key).
STATUSES = {
    "10010": ("Waiting for support", "new"),
    "10011": ("Waiting for customer", "indeterminate"),
    "10012": ("Waiting for approval", "new"),
    "10013": ("Resolved", "done"),
    "10014": ("Canceled", "done"),
}
# Customer transitions (id: name, from status ids, to status id), as the
# portal offers them.
CUSTOMER_TRANSITIONS = {
    "801": ("Cancel request", ("10010", "10011", "10012"), "10014"),
    "851": ("Resolve this issue", ("10011",), "10013"),
}

# The create screen's "Request Type" field: required, and not settable
# through /rest/api/3/issue (JSM sets it only when a request is raised).
REQUEST_TYPE_FIELD = "customfield_10010"
LOCATION_FIELD = "customfield_10020"
LOCATION_OPTIONS = [{"id": "10400", "value": "Floor 1"},
                    {"id": "10401", "value": "Floor 2"},
                    {"id": "10402", "value": "Floor 3"}]
OS_FIELD = "customfield_10021"
OS_OPTIONS = [{"id": "10410", "value": "Windows"},
              {"id": "10411", "value": "macOS"},
              {"id": "10412", "value": "Linux"}]
MODEL_FIELD = "customfield_10022"
MODEL_OPTIONS = [{"id": "10420", "value": "ThinkPad T14"},
                 {"id": "10421", "value": "MacBook Air"}]

GROUPS = [("10", "Common requests"), ("11", "Network and access"),
          ("12", "Hardware")]


def _sel(fid, name, required, options, default=None, desc=""):
    return {"fieldId": fid, "name": name, "description": desc,
            "required": required, "visible": True,
            "defaultValues": [{"value": o["id"], "label": o["value"],
                               "children": []}
                              for o in options if o["id"] == default],
            "validValues": [{"value": o["id"], "label": o["value"],
                             "children": []} for o in options],
            "presetValues": [],
            "jiraSchema": {"type": "option", "custom":
                           "com.atlassian.jira.plugin.system."
                           "customfieldtypes:select",
                           "customId": int(fid.split("_")[1])}}


def _text(fid, name, required, system, desc=""):
    return {"fieldId": fid, "name": name, "description": desc,
            "required": required, "visible": True, "defaultValues": [],
            "validValues": [], "presetValues": [],
            "jiraSchema": {"type": "string", "system": system}}


SUMMARY = _text("summary", "Summary", True, "summary",
                "A short line saying what you need.")
DESCRIPTION = _text("description", "Description", False, "description")

# Request types: id -> dict.  "fields" are RequestTypeFieldDTOs.
REQUEST_TYPES = {
    "21": {"name": "Get IT help", "issueTypeId": "10004",
           "groupIds": ["10"],
           "description": "Get assistance for general IT problems and "
                          "questions.",
           "helpText": "Tell us what you need; we answer within a day.",
           "fields": [SUMMARY, DESCRIPTION], "approvers": False},
    "22": {"name": "Wi-Fi problem", "issueTypeId": "10005",
           "groupIds": ["10", "11"],
           "description": "Your laptop or phone cannot join or keeps "
                          "dropping the office Wi-Fi network.",
           "helpText": "Say which floor you are on and which device "
                       "cannot connect to the wireless network.",
           "fields": [SUMMARY, DESCRIPTION,
                      _sel(LOCATION_FIELD, "Location", True,
                           LOCATION_OPTIONS, desc="Where you are"),
                      _sel(OS_FIELD, "Operating system", False, OS_OPTIONS,
                           default="10410")],
           "approvers": False},
    "23": {"name": "Request a new laptop", "issueTypeId": "10006",
           "groupIds": ["12"],
           "description": "Order a replacement or new laptop; your "
                          "manager approves it.",
           "helpText": "Pick a model; the request waits for approval.",
           "fields": [SUMMARY, DESCRIPTION,
                      _sel(MODEL_FIELD, "Laptop model", True,
                           MODEL_OPTIONS)],
           "approvers": True},
}

CONFIG = {
    "servicedesk": False,       # the ITH service desk exists
    # licensed agents of the desk: browse, raise on behalf, internal
    # comments, SLAs
    "sd_agents": [ALICE_ID],
    # portal-only customers: no Jira licence, no browse permission
    "sd_customers": [CAROL["account_id"]],
    # who approves "Request a new laptop" requests
    "sd_approvers": [ALICE_ID],
    # seconds a temporary attachment (attachTemporaryFile) lives before
    # a request attachment must take it (JSM drops unused ones)
    "sd_temp_ttl": 600,
}


def date_dto(t):
    """DateDTO: iso8601, jira, friendly, epochMillis."""
    tm = time.gmtime(t)
    ms = int(t * 1000)
    return {"iso8601": time.strftime("%Y-%m-%dT%H:%M:%S+0000", tm),
            "jira": time.strftime("%Y-%m-%dT%H:%M:%S.", tm) +
            "%03d+0000" % (ms % 1000),
            "friendly": time.strftime("%d/%b/%y %I:%M %p", tm),
            "epochMillis": ms}


def adf_plain(d):
    """The text of an Atlassian Document, paragraphs on their lines."""
    out = []

    def walk(n):
        if isinstance(n, dict):
            if n.get("type") == "text" and isinstance(n.get("text"), str):
                out.append(n["text"])
            for c in n.get("content") or []:
                walk(c)
            if n.get("type") == "paragraph":
                out.append("\n")
    walk(d)
    return "".join(out).strip()


# ---- hooks atlassian.py calls ----------------------------------------------

def seed(world):
    """Add Carol, the desk's people config and the seed request."""
    world.people[CAROL["account_id"]] = dict(CAROL)
    world.next_approval = 1
    world.counters["requests_created"] = 0
    world.counters["sd_temporary_files"] = 0
    world.sd_temp = {}      # temporary attachment id -> its file


def config_value(key, v):
    """Normalise a config key of this module, or raise ValueError."""
    if key == "servicedesk":
        return bool(v)
    if key == "sd_temp_ttl":
        return float(v)
    if not isinstance(v, list):
        raise ValueError("%s: a list of account ids" % key)
    return [str(x) for x in v]


def visible(world, pkey):
    """The JSM project shows only when the desk is switched on."""
    return pkey != PROJECT_KEY or bool(world.cfg["servicedesk"])


def is_customer(world, account):
    return account in world.cfg["sd_customers"]


def is_agent(world, account):
    return account in world.cfg["sd_agents"]


def gate(handler, jpath):
    """A portal-only customer has no browse permission on the platform:
    /myself answers, project search is empty, everything else is 404
    (reads) or 403 (writes).  Returns an answer, or None to go on."""
    w = handler.world
    if jpath.startswith(SD):
        # JSM's scopes: read:servicedesk-request for reads,
        # write:servicedesk-request for writes; the gateway's 401 when
        # the token lacks them (wording from memory)
        need = "read:servicedesk-request" if handler.command == "GET" \
            else "write:servicedesk-request"
        if need not in handler.scopes:
            w.counters["unauthorized"] += 1
            return 401, {"code": 401, "message":
                         "Unauthorized; scope does not match"}
        return None
    if not is_customer(w, handler.me_id):
        return None
    if jpath == "/rest/api/3/myself":
        return None
    if jpath == "/rest/api/3/project/search":
        return 200, {"self": handler.site + jpath, "maxResults": 50,
                     "startAt": 0, "total": 0, "isLast": True, "values": []}
    if handler.command == "GET":
        return 404, {"errorMessages": ["Issue does not exist or you do not "
                                       "have permission to see it."],
                     "errors": {}}
    return 403, {"errorMessages": ["You do not have permission to perform "
                                   "this operation."], "errors": {}}


def project_type(pkey):
    return "service_desk" if pkey == PROJECT_KEY else "software"


def meta_fields(handler, p, fld):
    """Extra createmeta fields of the JSM project: its required Request
    Type (customfield_10010, JSM's "vp-origin" field)."""
    if p[0] != PROJECT_KEY:
        return []
    return [fld(REQUEST_TYPE_FIELD, "Request Type", True,
                {"type": "sd-customerrequesttype", "custom":
                 "com.atlassian.servicedesk:vp-origin", "customId": 10010})]


def check_create(p, fields, errors):
    """/rest/api/3/issue in the JSM project: the Request Type is required
    and cannot be set there (JSM sets it when a request is raised)."""
    if not p or p[0] != PROJECT_KEY:
        return
    if REQUEST_TYPE_FIELD in fields:
        errors[REQUEST_TYPE_FIELD] = (
            "Field '%s' cannot be set. It is not on the appropriate "
            "screen, or unknown." % REQUEST_TYPE_FIELD)
    else:
        errors[REQUEST_TYPE_FIELD] = "Request Type is required."


# ---- routes ----------------------------------------------------------------

ROUTES = [
    ("GET", SD + "/servicedesk", "sd_desks"),
    ("GET", SD + "/servicedesk/{serviceDeskId}", "sd_desk"),
    ("GET", SD + "/servicedesk/{serviceDeskId}/requesttypegroup",
     "sd_groups"),
    ("GET", SD + "/servicedesk/{serviceDeskId}/requesttype", "sd_types"),
    ("GET", SD + "/servicedesk/{serviceDeskId}/requesttype/{requestTypeId}",
     "sd_type"),
    ("GET", SD + "/servicedesk/{serviceDeskId}/requesttype/{requestTypeId}"
     "/field", "sd_type_fields"),
    ("GET", SD + "/request", "sd_requests"),
    ("POST", SD + "/request", "sd_raise"),
    ("GET", SD + "/request/{issueIdOrKey}", "sd_request"),
    ("GET", SD + "/request/{issueIdOrKey}/comment", "sd_comments"),
    ("POST", SD + "/request/{issueIdOrKey}/comment", "sd_add_comment"),
    ("GET", SD + "/request/{issueIdOrKey}/transition", "sd_transitions"),
    ("POST", SD + "/request/{issueIdOrKey}/transition", "sd_transition"),
    ("GET", SD + "/request/{issueIdOrKey}/sla", "sd_slas"),
    ("GET", SD + "/request/{issueIdOrKey}/approval", "sd_approvals"),
    ("POST", SD + "/request/{issueIdOrKey}/approval/{approvalId}",
     "sd_decide"),
    ("POST", SD + "/servicedesk/{serviceDeskId}/attachTemporaryFile",
     "sd_temp_file"),
    ("POST", SD + "/request/{issueIdOrKey}/attachment", "sd_attach"),
]


class ServiceDeskMixin:
    """The /rest/servicedeskapi handlers; self is atlassian's Handler
    (self.world, self.site, self.me_id, self.q1, self.json_body)."""

    # errors: ErrorResponse {errorMessage, i18nErrorMessage}
    def sd_error(self, status, text, key="sd.error"):
        return self.Reply(status, {"errorMessage": text, "i18nErrorMessage":
                                   {"i18nKey": key, "parameters": []}})

    def sd_on(self):
        if not self.world.cfg["servicedesk"]:
            raise self.sd_error(404, "No service desk found.")

    def sd_int(self, name, default, hi=None):
        v = self.q1(name)
        if v is None or v == "":
            return default
        if not v.isdigit() or len(v) > 9:
            raise self.sd_error(400, "The value '%s' is not valid for "
                                "'%s'." % (v, name))
        n = int(v)
        return min(n, hi) if hi is not None else n

    def sd_page(self, path, values, limit_default=50):
        """PagedDTO: start, limit, size, isLastPage, values, _links."""
        start = self.sd_int("start", 0)
        limit = self.sd_int("limit", limit_default, 100) or limit_default
        page = values[start:start + limit]
        base = self.site
        links = {"base": base, "context": "",
                 "self": "%s%s?start=%d&limit=%d" % (base, path, start,
                                                     limit)}
        last = start + limit >= len(values)
        if not last:
            links["next"] = "%s%s?start=%d&limit=%d" % (
                base, path, start + limit, limit)
        if start > 0:
            links["prev"] = "%s%s?start=%d&limit=%d" % (
                base, path, max(0, start - limit), limit)
        return {"_expands": [], "size": len(page), "start": start,
                "limit": limit, "isLastPage": last, "values": page,
                "_links": links}

    def sd_desk_json(self):
        return {"id": DESK_ID, "projectId": PROJECTS[0][1],
                "projectKey": PROJECT_KEY, "projectName": PROJECTS[0][2],
                "projectTypeKey": "service_desk",
                "_links": {"self": "%s%s/servicedesk/%s" % (self.site, SD,
                                                             DESK_ID)}}

    def sd_find_desk(self, desk):
        self.sd_on()
        if desk not in (DESK_ID, PROJECT_KEY, PROJECTS[0][1]):
            raise self.sd_error(404, "The service desk does not exist or "
                                "you do not have permission to see it.")

    def sd_type_json(self, tid, expand=()):
        rt = REQUEST_TYPES[tid]
        out = {"_expands": [], "id": tid, "name": rt["name"],
               "description": rt["description"],
               "helpText": rt["helpText"], "issueTypeId": rt["issueTypeId"],
               "serviceDeskId": DESK_ID, "portalId": PORTAL_ID,
               "groupIds": list(rt["groupIds"]),
               "restrictionStatus": "OPEN", "canCreateRequest": True,
               "icon": {"id": "10500", "_links": {"iconUrls": {
                   "48x48": "%s/rest/api/2/universal_avatar/view/type/"
                            "SD_REQTYPE/avatar/10500?size=large" %
                            self.site}}},
               "_links": {"self": "%s%s/servicedesk/%s/requesttype/%s" % (
                   self.site, SD, DESK_ID, tid)}}
        if "field" in expand:
            out["fields"] = self.sd_meta(tid)
        return out

    def sd_meta(self, tid):
        agent = is_agent(self.world, self.me_id)
        return {"requestTypeFields": copy.deepcopy(
                    REQUEST_TYPES[tid]["fields"]),
                "canRaiseOnBehalfOf": agent,
                "canAddRequestParticipants": agent}

    def sd_expand(self):
        out = set()
        for v in self.query.get("expand", []):
            out |= {x.strip() for x in v.split(",") if x.strip()}
        return out

    # service desks, groups, request types

    def j_sd_desks(self, raw):
        vals = [self.sd_desk_json()] if self.world.cfg["servicedesk"] else []
        return 200, self.sd_page(SD + "/servicedesk", vals)

    def j_sd_desk(self, raw, desk):
        self.sd_find_desk(desk)
        return 200, self.sd_desk_json()

    def j_sd_groups(self, raw, desk):
        self.sd_find_desk(desk)
        vals = [{"id": g, "name": n} for g, n in GROUPS]
        return 200, self.sd_page("%s/servicedesk/%s/requesttypegroup" % (
            SD, desk), vals)

    def j_sd_types(self, raw, desk):
        self.sd_find_desk(desk)
        gid = self.q1("groupId")
        if gid is not None and not gid.isdigit():
            raise self.sd_error(400, "The value '%s' is not valid for "
                                "'groupId'." % gid)
        q = (self.q1("searchQuery") or "").lower()
        exp = self.sd_expand()
        vals = [self.sd_type_json(t, exp) for t in sorted(REQUEST_TYPES)
                if (gid is None or gid in REQUEST_TYPES[t]["groupIds"]) and
                (not q or q in REQUEST_TYPES[t]["name"].lower())]
        return 200, self.sd_page("%s/servicedesk/%s/requesttype" % (
            SD, desk), vals)

    def sd_find_type(self, desk, tid):
        self.sd_find_desk(desk)
        if tid not in REQUEST_TYPES:
            raise self.sd_error(404, "The request type does not exist or "
                                "you do not have permission to see it.")

    def j_sd_type(self, raw, desk, tid):
        self.sd_find_type(desk, tid)
        return 200, self.sd_type_json(tid, self.sd_expand())

    def j_sd_type_fields(self, raw, desk, tid):
        self.sd_find_type(desk, tid)
        return 200, self.sd_meta(tid)

    # requests

    def sd_can_see(self, iss):
        me = self.me_id
        j = iss.get("jsm") or {}
        return (is_agent(self.world, me) or iss["reporter"] == me or
                me in j.get("participants", []) or
                any(me in a["approvers"] for a in j.get("approvals", [])))

    def sd_find(self, key):
        self.sd_on()
        w = self.world
        iss = w.issues.get(key.upper()) or next(
            (i for i in w.issues.values() if i["id"] == key), None)
        if iss is None or "jsm" not in iss or not self.sd_can_see(iss):
            raise self.sd_error(404, "The request does not exist or you "
                                "do not have permission to see it.")
        return iss

    def sd_user(self, account):
        p = self.world.person(account)
        out = {"accountId": account, "displayName": p["name"],
               "active": True, "timeZone": "Etc/UTC",
               "_links": {"self": "%s/rest/api/3/user?accountId=%s" % (
                   self.site, urllib.parse.quote(account))}}
        if p["email"]:
            out["emailAddress"] = p["email"]
        return out

    def sd_status_json(self, iss):
        name, cat = STATUSES.get(iss["status"], ("Open", "new"))
        return {"status": name, "statusCategory": cat.upper(),
                "statusDate": date_dto(iss["updated"])}

    def sd_comment_json(self, iss, c):
        return {"_expands": [], "id": c["id"], "body": c["text"],
                "public": c.get("public", True),
                "author": self.sd_user(c["author"]),
                "created": date_dto(c["created"]),
                "_links": {"self": "%s%s/request/%s/comment/%s" % (
                    self.site, SD, iss["id"], c["id"])}}

    def sd_visible_comments(self, iss):
        agent = is_agent(self.world, self.me_id)
        return [c for c in iss["comments"]
                if "text" in c and (agent or c.get("public", True))]

    def sd_sla_values(self, iss):
        if not is_agent(self.world, self.me_id):
            return []   # customers see no SLA (the portal hides them)
        start = iss["created"]
        goal = 4 * 3600 * 1000
        el = int((time.time() - start) * 1000)
        return [{"id": "1", "name": "Time to first response",
                 "completedCycles": [],
                 "ongoingCycle": {
                     "startTime": date_dto(start),
                     "breachTime": date_dto(start + goal / 1000),
                     "breached": el > goal, "paused": False,
                     "withinCalendarHours": True,
                     "goalDuration": {"millis": goal, "friendly": "4h"},
                     "elapsedTime": {"millis": el,
                                     "friendly": "%dm" % (el // 60000)},
                     "remainingTime": {"millis": goal - el, "friendly":
                                       "%dm" % ((goal - el) // 60000)}},
                 "slaDisplayFormat": "NEW_SLA_FORMAT",
                 "_links": {"self": "%s%s/request/%s/sla/1" % (
                     self.site, SD, iss["id"])}}]

    def sd_request_json(self, iss, expand=()):
        j = iss["jsm"]
        rt = REQUEST_TYPES[j["requestTypeId"]]
        vals = [{"fieldId": "summary", "label": "Summary",
                 "value": iss["summary"]}]
        if j.get("description") is not None:
            vals.append({"fieldId": "description", "label": "Description",
                         "value": j["description"]})
        for f in rt["fields"]:
            if f["fieldId"] in iss["extra"]:
                vals.append({"fieldId": f["fieldId"], "label": f["name"],
                             "value": iss["extra"][f["fieldId"]]})
        out = {"_expands": ["participant", "status", "sla",
                            "requestType", "serviceDesk", "attachment",
                            "action", "comment"],
               "issueId": iss["id"], "issueKey": iss["key"],
               "summary": iss["summary"],
               "requestTypeId": j["requestTypeId"],
               "serviceDeskId": DESK_ID,
               "createdDate": date_dto(iss["created"]),
               "reporter": self.sd_user(iss["reporter"]),
               "requestFieldValues": vals,
               "currentStatus": self.sd_status_json(iss),
               "_links": {
                   "jiraRest": "%s/rest/api/2/issue/%s" % (self.site,
                                                          iss["id"]),
                   "web": "%s/servicedesk/customer/portal/%s/%s" % (
                       self.site, PORTAL_ID, iss["key"]),
                   "agent": "%s/browse/%s" % (self.site, iss["key"]),
                   "self": "%s%s/request/%s" % (self.site, SD, iss["id"])}}
        if "requestType" in expand:
            out["requestType"] = self.sd_type_json(j["requestTypeId"])
        if "serviceDesk" in expand:
            out["serviceDesk"] = self.sd_desk_json()
        if "participant" in expand:
            ps = [self.sd_user(a) for a in j["participants"]]
            out["participants"] = {"size": len(ps), "start": 0,
                                   "limit": 50, "isLastPage": True,
                                   "values": ps}
        if "sla" in expand:
            s = self.sd_sla_values(iss)
            out["sla"] = {"size": len(s), "start": 0, "limit": 50,
                          "isLastPage": True, "values": s}
        if "attachment" in expand:
            # AttachmentDTO: no id; its links carry it (the document's
            # example: jiraRest, content, thumbnail).
            a = [{"filename": x["filename"],
                  "author": self.sd_user(x["author"]),
                  "created": date_dto(x["created"]), "size": x["size"],
                  "mimeType": x["mimeType"],
                  "_links": {
                      "jiraRest": "%s/rest/api/2/attachment/%s" % (
                          self.site, x["id"]),
                      "content": "%s/servicedesk/customershim/secure/"
                                 "attachment/%s/%s" % (
                                     self.site, x["id"], urllib.parse.quote(
                                         x["filename"]))}}
                 for x in iss.get("attachments", [])
                 if x.get("public", True) or
                 is_agent(self.world, self.me_id)]
            out["attachments"] = {"size": len(a), "start": 0, "limit": 50,
                                  "isLastPage": True, "values": a}
        if "comment" in expand:
            cs = [self.sd_comment_json(iss, c)
                  for c in self.sd_visible_comments(iss)]
            out["comments"] = {"size": len(cs), "start": 0, "limit": 50,
                               "isLastPage": True, "values": cs}
        return out

    def j_sd_request(self, raw, key):
        iss = self.sd_find(key)
        return 200, self.sd_request_json(iss, self.sd_expand())

    def j_sd_requests(self, raw):
        self.sd_on()
        w = self.world
        me = self.me_id
        own = set()
        for v in self.query.get("requestOwnership", []):
            own |= {x for x in v.split(",") if x}
        if not own:
            own = {"OWNED_REQUESTS", "PARTICIPATED_REQUESTS",
                   "ALL_ORGANIZATIONS"}
        okown = {"OWNED_REQUESTS", "PARTICIPATED_REQUESTS", "ORGANIZATION",
                 "ALL_ORGANIZATIONS", "APPROVER", "ALL_REQUESTS"}
        if not own <= okown:
            raise self.sd_error(400, "The value '%s' is not valid for "
                                "'requestOwnership'." %
                                sorted(own - okown)[0])
        status = self.q1("requestStatus") or "ALL_REQUESTS"
        if status not in ("CLOSED_REQUESTS", "OPEN_REQUESTS",
                          "ALL_REQUESTS"):
            raise self.sd_error(400, "The value '%s' is not valid for "
                                "'requestStatus'." % status)
        appr = self.q1("approvalStatus")
        if appr is not None and (appr not in ("MY_PENDING_APPROVAL",
                                              "MY_HISTORY_APPROVAL") or
                                 "APPROVER" not in own):
            raise self.sd_error(400, "approvalStatus is valid only with "
                                "requestOwnership=APPROVER.")
        rtid = self.q1("requestTypeId")
        desk = self.q1("serviceDeskId")
        for n, v in (("requestTypeId", rtid), ("serviceDeskId", desk)):
            if v is not None and not v.isdigit():
                raise self.sd_error(400, "The value '%s' is not valid for "
                                    "'%s'." % (v, n))
        term = (self.q1("searchTerm") or "").lower().split()
        exp = self.sd_expand()
        out = []
        for iss in sorted(w.issues.values(), key=lambda i: -i["created"]):
            j = iss.get("jsm")
            if j is None:
                continue
            mine = []
            if "OWNED_REQUESTS" in own or "ALL_REQUESTS" in own:
                # the reporter, or the agent who raised it for them
                mine.append(iss["reporter"] == me or j.get("creator") == me)
            if "PARTICIPATED_REQUESTS" in own or "ALL_REQUESTS" in own:
                mine.append(me in j["participants"])
            if "APPROVER" in own:
                pend = [a for a in j["approvals"] if me in a["approvers"]]
                if appr == "MY_PENDING_APPROVAL":
                    pend = [a for a in pend if a["final"] == "pending" and
                            me not in a["decisions"]]
                elif appr == "MY_HISTORY_APPROVAL":
                    pend = [a for a in pend if me in a["decisions"]]
                mine.append(bool(pend))
            if "ALL_REQUESTS" in own and is_agent(w, me):
                mine.append(True)
            if not any(mine):
                continue
            done = STATUSES.get(iss["status"], ("", "new"))[1] == "done"
            if status == "OPEN_REQUESTS" and done or \
                    status == "CLOSED_REQUESTS" and not done:
                continue
            if rtid is not None and j["requestTypeId"] != rtid:
                continue
            if desk is not None and desk != DESK_ID:
                continue
            s = iss["summary"].lower()
            if any(t.strip("*") not in s for t in term):
                continue
            out.append(self.sd_request_json(iss, exp))
        return 200, self.sd_page(SD + "/request", out)

    def sd_value(self, f, v, errors, adf=False):
        """Check one requestFieldValues entry against its field; -> the
        value stored, or None after adding an error.  adf: isAdfRequest,
        rich text (the description) is an Atlassian Document."""
        fid = f["fieldId"]
        if adf and fid == "description":
            if not (isinstance(v, dict) and v.get("type") == "doc" and
                    isinstance(v.get("content"), list)):
                errors.append("Description: Operation value must be an "
                              "Atlassian Document (description)")
                return None
            return adf_plain(v)
        if f["jiraSchema"]["type"] == "option":
            ok = None
            if isinstance(v, dict):
                ok = next((o for o in f["validValues"]
                           if v.get("id") == o["value"] or
                           v.get("value") == o["label"]), None)
            if ok is None:
                errors.append("%s: Specify a valid value for %s (%s)" % (
                    f["name"], f["name"], fid))
                return None
            return {"id": ok["value"], "value": ok["label"]}
        if not isinstance(v, str) or (f["required"] and not v.strip()):
            errors.append("%s: %s is required. (%s)" % (f["name"],
                                                        f["name"], fid))
            return None
        if fid == "summary" and ("\n" in v or len(v) > 255):
            errors.append("Summary: The summary is invalid. (summary)")
            return None
        return v

    def j_sd_raise(self, raw):
        self.sd_on()
        w = self.world
        me = self.me_id
        body = self.json_body(raw)
        if not isinstance(body, dict):
            raise self.sd_error(400, "The request body must be a JSON "
                                "object.")
        allowed = {"serviceDeskId", "requestTypeId", "requestFieldValues",
                   "raiseOnBehalfOf", "requestParticipants", "channel",
                   "isAdfRequest", "form"}
        extra = sorted(set(body) - allowed)
        if extra:
            raise self.sd_error(400, "Unrecognized field \"%s\"." %
                                extra[0])
        desk = str(body.get("serviceDeskId", ""))
        if desk != DESK_ID:
            raise self.sd_error(404, "The service desk does not exist or "
                                "you do not have permission to see it.")
        tid = str(body.get("requestTypeId", ""))
        if tid not in REQUEST_TYPES:
            raise self.sd_error(400, "The request type you specified does "
                                "not exist or is not valid for this "
                                "service desk.")
        rt = REQUEST_TYPES[tid]
        vals = body.get("requestFieldValues") or {}
        if not isinstance(vals, dict):
            raise self.sd_error(400, "requestFieldValues must be an "
                                "object.")
        agent = is_agent(w, me)
        reporter = me
        obo = body.get("raiseOnBehalfOf")
        if obo is not None:
            if not agent:
                raise self.sd_error(403, "You do not have permission to "
                                    "raise requests on behalf of other "
                                    "customers.")
            if obo not in w.people:
                raise self.sd_error(400, "The customer '%s' does not "
                                    "exist." % obo)
            reporter = obo
        parts = body.get("requestParticipants") or []
        if parts:
            if not agent:
                raise self.sd_error(403, "You do not have permission to "
                                    "add request participants.")
            bad = [p for p in parts if p not in w.people]
            if not isinstance(parts, list) or bad:
                raise self.sd_error(400, "The participant '%s' does not "
                                    "exist." % (bad or [parts])[0])
        errors = []
        known = {f["fieldId"]: f for f in rt["fields"]}
        for k in sorted(vals):
            if k not in known:
                errors.append("%s: Field '%s' is not valid for this "
                              "request type. (%s)" % (k, k, k))
        out = {}
        for f in rt["fields"]:
            fid = f["fieldId"]
            if fid in vals and vals[fid] is not None:
                v = self.sd_value(f, vals[fid], errors,
                                  body.get("isAdfRequest") is True)
                if v is not None:
                    out[fid] = v
            elif f["required"]:
                errors.append("%s: %s is required. (%s)" % (
                    f["name"], f["name"], fid))
            elif f["defaultValues"]:
                d = f["defaultValues"][0]
                out[fid] = {"id": d["value"], "value": d["label"]}
        if errors:
            raise self.sd_error(400, "Your request could not be created. "
                                "Please check the fields have been "
                                "correctly filled in. " + " ".join(errors),
                                "sd.request.create.error")
        now = time.time()
        iss = w._new_issue(PROJECT_KEY, rt["issueTypeId"], out["summary"],
                           None, "3", [], w.person(reporter), None, now,
                           {k: v for k, v in out.items()
                            if k.startswith("customfield_")})
        iss["extra"][REQUEST_TYPE_FIELD] = tid
        desc = out.get("description")
        if desc:
            iss["description"] = {"type": "doc", "version": 1, "content": [
                {"type": "paragraph", "content": [
                    {"type": "text", "text": desc}]}]}
        iss["jsm"] = {"requestTypeId": tid, "description": desc,
                      "creator": me,
                      "participants": list(parts), "approvals": []}
        iss["status"] = "10010"
        if rt["approvers"]:
            iss["status"] = "10012"
            iss["jsm"]["approvals"].append({
                "id": str(w.next_approval), "name": "Manager approval",
                "approvers": list(w.cfg["sd_approvers"]),
                "decisions": {}, "final": "pending", "created": now,
                "completed": None})
            w.next_approval += 1
        w.counters["requests_created"] += 1
        w.counters["issues_created"] += 1
        return 201, self.sd_request_json(iss, ())

    # comments

    def j_sd_comments(self, raw, key):
        iss = self.sd_find(key)
        pub = self.q1("public", "true") != "false"
        internal = self.q1("internal", "true") != "false"
        cs = [self.sd_comment_json(iss, c)
              for c in self.sd_visible_comments(iss)
              if (c.get("public", True) and pub) or
              (not c.get("public", True) and internal)]
        return 200, self.sd_page("%s/request/%s/comment" % (SD, key), cs)

    def j_sd_add_comment(self, raw, key):
        iss = self.sd_find(key)
        w = self.world
        body = self.json_body(raw)
        if not isinstance(body, dict) or not isinstance(
                body.get("body"), str) or not body["body"].strip():
            raise self.sd_error(400, "The comment body is required.")
        if set(body) - {"body", "public"}:
            raise self.sd_error(400, "Unrecognized field \"%s\"." %
                                sorted(set(body) - {"body", "public"})[0])
        public = body.get("public", True)
        if not isinstance(public, bool):
            raise self.sd_error(400, "'public' must be true or false.")
        if not public and not is_agent(w, self.me_id):
            raise self.sd_error(400, "Customers can only add public "
                                "comments.")
        now = time.time()
        c = w._add_comment(iss, self.me_id, {
            "type": "doc", "version": 1, "content": [
                {"type": "paragraph", "content": [
                    {"type": "text", "text": body["body"]}]}]}, now)
        c["text"] = body["body"]
        c["public"] = public
        w.counters["comments_added"] += 1
        if public and iss["reporter"] == self.me_id and \
                iss["status"] == "10011":
            iss["status"] = "10010"     # the customer answered
        return 201, self.sd_comment_json(iss, c)

    # customer transitions

    def sd_transitions_of(self, iss):
        if iss["reporter"] != self.me_id and \
                self.me_id not in iss["jsm"]["participants"]:
            return []
        return [{"id": t, "name": n}
                for t, (n, frm, _) in sorted(CUSTOMER_TRANSITIONS.items())
                if iss["status"] in frm]

    def j_sd_transitions(self, raw, key):
        iss = self.sd_find(key)
        return 200, self.sd_page("%s/request/%s/transition" % (SD, key),
                                 self.sd_transitions_of(iss))

    def j_sd_transition(self, raw, key):
        iss = self.sd_find(key)
        w = self.world
        body = self.json_body(raw)
        if not isinstance(body, dict) or not isinstance(body.get("id"),
                                                        str):
            raise self.sd_error(400, "The transition id is required.")
        if body["id"] not in [t["id"] for t in self.sd_transitions_of(iss)]:
            raise self.sd_error(400, "The transition '%s' is not valid for "
                                "this request." % body["id"])
        iss["status"] = CUSTOMER_TRANSITIONS[body["id"]][2]
        iss["updated"] = time.time()
        ac = body.get("additionalComment")
        if isinstance(ac, dict) and isinstance(ac.get("body"), str) and \
                ac["body"].strip():
            c = w._add_comment(iss, self.me_id, {
                "type": "doc", "version": 1, "content": [
                    {"type": "paragraph", "content": [
                        {"type": "text", "text": ac["body"]}]}]},
                time.time())
            c["text"] = ac["body"]
            c["public"] = True
        w.counters["transitions_done"] += 1
        return 204, b""

    def j_sd_slas(self, raw, key):
        iss = self.sd_find(key)
        return 200, self.sd_page("%s/request/%s/sla" % (SD, key),
                                 self.sd_sla_values(iss))

    # approvals

    def sd_approval_json(self, iss, a):
        me = self.me_id
        return {"id": a["id"], "name": a["name"],
                "finalDecision": a["final"],
                "canAnswerApproval": me in a["approvers"] and
                a["final"] == "pending" and me not in a["decisions"],
                "approvers": [{"approver": self.sd_user(x),
                               "approverDecision":
                               a["decisions"].get(x, "pending")}
                              for x in a["approvers"]],
                "createdDate": date_dto(a["created"]),
                "completedDate": date_dto(a["completed"])
                if a["completed"] else None,
                "_links": {"self": "%s%s/request/%s/approval/%s" % (
                    self.site, SD, iss["id"], a["id"])}}

    def j_sd_approvals(self, raw, key):
        iss = self.sd_find(key)
        vals = [self.sd_approval_json(iss, a)
                for a in iss["jsm"]["approvals"]]
        return 200, self.sd_page("%s/request/%s/approval" % (SD, key), vals)

    def j_sd_decide(self, raw, key, aid):
        iss = self.sd_find(key)
        a = next((x for x in iss["jsm"]["approvals"] if x["id"] == aid),
                 None)
        if a is None:
            raise self.sd_error(404, "The approval does not exist.")
        body = self.json_body(raw)
        if not isinstance(body, dict) or set(body) != {"decision"} or \
                body["decision"] not in ("approve", "decline"):
            raise self.sd_error(400, "The decision must be 'approve' or "
                                "'decline'.")
        if self.me_id not in a["approvers"]:
            raise self.sd_error(403, "You are not an approver of this "
                                "request.")
        if a["final"] != "pending" or self.me_id in a["decisions"]:
            raise self.sd_error(400, "This approval has already been "
                                "answered.")
        d = "approved" if body["decision"] == "approve" else "declined"
        a["decisions"][self.me_id] = d
        a["final"] = d
        a["completed"] = time.time()
        iss["status"] = "10010" if d == "approved" else "10014"
        iss["updated"] = a["completed"]
        self.world.counters["approvals_decided"] = \
            self.world.counters.get("approvals_decided", 0) + 1
        return 200, self.sd_approval_json(iss, a)

    # -- attachments: a temporary file, then the request's attachment --

    def j_sd_temp_file(self, raw, desk):
        """attachTemporaryFile: multipart/form-data, the files in parts
        named "file", X-Atlassian-Token: no-check; 201
        {"temporaryAttachments": [{temporaryAttachmentId, fileName}]}.
        Each lives sd_temp_ttl seconds, for the desk and the person who
        sent it."""
        self.sd_find_desk(desk)

        def refuse(status, texts):
            return self.sd_error(status, texts[0])
        files = self.multipart_files(raw, refuse)
        w = self.world
        out = []
        with w.lock:
            for part in files:
                data = part.get_payload(decode=True) or b""
                tid = "temp%d" % (8186986881700442965 + w.next_id)
                w.next_id += 1
                w.sd_temp[tid] = {
                    "filename": part.get_filename(),
                    "mimeType": part.get_content_type(), "data": data,
                    "desk": DESK_ID, "account": self.me_id,
                    "expires": time.time() + w.cfg["sd_temp_ttl"]}
                w.counters["sd_temporary_files"] += 1
                out.append({"temporaryAttachmentId": tid,
                            "fileName": part.get_filename()})
        return 201, {"temporaryAttachments": out}

    def j_sd_attach(self, raw, key):
        """Attach temporary files to a request: {temporaryAttachmentIds,
        public, additionalComment?}; each id must be the person's, of the
        request's desk and not expired, and is used up.  201
        AttachmentCreateResultDTO {"attachments": paged}."""
        iss = self.sd_find(key)
        body = self.json_body(raw)
        if not isinstance(body, dict) or \
                set(body) - {"temporaryAttachmentIds", "public",
                             "additionalComment"}:
            raise self.sd_error(400, "The request body is not valid.")
        ids = body.get("temporaryAttachmentIds")
        if not isinstance(ids, list) or not ids or \
                not all(isinstance(x, str) for x in ids):
            raise self.sd_error(400, "temporaryAttachmentIds must list "
                                "at least one temporary attachment.")
        public = body.get("public", True)
        if not isinstance(public, bool):
            raise self.sd_error(400, "public must be true or false.")
        if not public and not is_agent(self.world, self.me_id):
            raise self.sd_error(403, "Only agents can add internal "
                                "attachments.")
        w = self.world
        now = time.time()
        with w.lock:
            for x in ids:
                t = w.sd_temp.get(x)
                if t is None or t["expires"] < now or \
                        t["account"] != self.me_id:
                    raise self.sd_error(400, "The temporary attachment "
                                        "%s does not exist or has "
                                        "expired." % x)
            made = []
            for x in ids:
                t = w.sd_temp.pop(x)
                aid = str(w.next_id)
                w.next_id += 1
                a = {"id": aid, "filename": t["filename"],
                     "mimeType": t["mimeType"], "size": len(t["data"]),
                     "author": self.me_id, "created": now,
                     "public": public,
                     "sha256": hashlib.sha256(t["data"]).hexdigest()}
                iss["attachments"].append(a)
                w.counters["attachments_added"] += 1
                made.append(a)
        vals = [{"filename": a["filename"],
                 "author": self.sd_user(a["author"]),
                 "created": date_dto(a["created"]), "size": a["size"],
                 "mimeType": a["mimeType"],
                 "_links": {"jiraRest": "%s/rest/api/2/attachment/%s" % (
                     self.site, a["id"])}} for a in made]
        return 201, {"attachments": {"size": len(vals), "start": 0,
                                     "limit": 50, "isLastPage": True,
                                     "values": vals}}
