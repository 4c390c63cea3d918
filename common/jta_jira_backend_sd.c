/*
 * The Jira backend's Jira Service Management operations (see
 * jta_jira_backend_int.h and README.md "Jira Service Management"):
 * service desks and request types, a request type's fields in the one
 * field model of create screens, raising a request exactly once, and the
 * person's requests.  Every call acts as the person, with their own
 * token, through /rest/servicedeskapi (Atlassian's JSM REST API).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jta_buf.h"
#include "jta_jira.h"
#include "jta_jira_backend_int.h"
#include "jta_jira_sd.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_oauth.h"
#include "jta_store_people.h"
#include "jta_suggest.h"
#include "jta_text.h"
#include "jta_time.h"

/* Service desks and request types read per call ("limit" of the paged
 * answers; JSM's own maximum is 100 per page). */
#define SD_PAGE		"limit=100"
/* Requests compared when a raise's answer was lost. */
#define SD_CANDIDATES	20

static const char *
str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/*
 * A call to /rest/servicedeskapi.  Atlassian's gateway refuses a token
 * without the JSM scopes (read:servicedesk-request,
 * write:servicedesk-request) with 401 even after a refresh (a refresh
 * keeps the scopes of the consent): a link made before this service
 * asked for them.  That 401 says so, with the absolute address to link
 * again; the person's other operations go on working with the old link.
 */
static enum jta_err
sdcall(struct jta_backend *be, const struct jta_user *who,
    struct jta_link *link, const char *method, const char *path,
    const json_t *body, int repeatable, json_t **reply, struct jta_error *err)
{
	enum jta_err	 rc;

	rc = jta_jira_backend_call_api(be, who, link, "jira",
	    JTA_JIRA_API_SD, method, path, body, repeatable, reply, err);
	/* Only Jira's own refusal (call_as's words), not a link that is
	 * missing or broken, which jta_oauth words itself. */
	if (rc == JTA_ERR_AUTH && err != NULL && err->status == 401 &&
	    strncmp(err->detail, "Jira refused", 12) == 0)
		rc = jta_error_set(err, JTA_ERR_AUTH, 401, NULL, "Jira Service "
		    "Management refused your Atlassian link: it was made "
		    "before this service asked for the service-desk scopes "
		    "(read:servicedesk-request, write:servicedesk-request); "
		    "visit %s/oauth/start to link your account again",
		    be->conf->public_url);
	return rc;
}

/*
 * sdcall of a GET whose answer is metadata (README "Jira metadata
 * cache"): from the cache when it has kind's entry key/ACCOUNT (key ""
 * for ACCOUNT alone: what JSM shows is per person), else fetched and
 * kept.
 */
static enum jta_err
sdmeta(struct jta_backend *be, const struct jta_user *who, const char *kind,
    const char *key, const char *path, json_t **reply, struct jta_error *err)
{
	struct jta_jira_meta_id mid;
	char		 k[JTA_LIMIT_META_KEY + 1];
	enum jta_err	 rc;

	*reply = NULL;
	(void)jta_jira_meta_who(be, who, &mid);
	snprintf(k, sizeof(k), "%s%s%s", key, key[0] != '\0' ? "/" : "",
	    mid.account);
	if (jta_jira_meta_get(be, &mid, kind, k, reply) == JTA_OK)
		return JTA_OK;
	rc = sdcall(be, who, NULL, "GET", path, NULL, 1, reply, err);
	if (rc == JTA_OK && (json_is_object(*reply) || json_is_array(*reply)))
		jta_jira_meta_put(be, &mid, kind, k, *reply);
	return rc;
}

/* The id of project's service desk into desk; 404 "key" when project is
 * not a service desk the person can use.  GET /servicedesk (1 call). */
static enum jta_err
deskof(struct jta_backend *be, const struct jta_user *who,
    const char *project, char desk[JTA_JIRA_SD_ID_MAX + 1],
    struct jta_error *err)
{
	json_t		*page = NULL;
	const char	*id;
	enum jta_err	 rc;

	/* 404: a site without Jira Service Management. */
	if ((rc = sdmeta(be, who, JTA_JIRA_META_DESKS, "", "/servicedesk?"
	    SD_PAGE, &page, err)) != JTA_OK && rc != JTA_ERR_NOTFOUND)
		return rc;
	rc = JTA_OK;
	if ((id = jta_jira_sd_desk_of(page, project)) == NULL)
		rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
		    "%s is not a service desk you can raise requests in",
		    project);
	else
		memcpy(desk, id, strlen(id) + 1);
	json_decref(page);
	return rc;
}

/* A request type of desk by id or name (*rt borrowed from *page, which
 * the caller releases; *names every type's name) and its fields as
 * createmeta (*meta, new) with whether the person may raise on behalf
 * of others (*agent).  2 calls. */
static enum jta_err
typeof_(struct jta_backend *be, const struct jta_user *who, const char *desk,
    const char *want, json_t **page, const json_t **rt, json_t **names,
    json_t **meta, int *agent, struct jta_error *err)
{
	json_t		*cm = NULL;
	char		 path[128], key[128];
	enum jta_err	 rc;

	*page = *names = *meta = NULL;
	*rt = NULL;
	*agent = 0;
	snprintf(path, sizeof(path), "/servicedesk/%s/requesttype?" SD_PAGE,
	    desk);
	if ((rc = sdmeta(be, who, JTA_JIRA_META_RTYPES, desk, path, page,
	    err)) != JTA_OK || (rc = jta_jira_sd_type(*page, want, rt, names,
	    err)) != JTA_OK)
		return rc;
	snprintf(path, sizeof(path), "/servicedesk/%s/requesttype/%s/field",
	    desk, str(*rt, "id"));
	snprintf(key, sizeof(key), "%s/%.32s", desk, str(*rt, "id"));
	if ((rc = sdmeta(be, who, JTA_JIRA_META_RFIELDS, key, path, &cm,
	    err)) != JTA_OK)
		return rc;
	/* bit 0: may raise on behalf of others; bit 1: may add
	 * participants (CustomerRequestCreateMetaDTO) */
	*agent = (json_is_true(json_object_get(cm, "canRaiseOnBehalfOf")) ?
	    1 : 0) | (json_is_true(json_object_get(cm,
	    "canAddRequestParticipants")) ? 2 : 0);
	rc = jta_jira_sd_meta(cm, meta, err);
	json_decref(cm);
	return rc;
}

enum jta_err
jta_jira_backend_sd_fields(struct jta_backend *be, const struct jta_user *who,
    const char *project, const char *request_type, json_t **out,
    struct jta_error *err)
{
	json_t		*page = NULL, *names = NULL, *meta = NULL, *list = NULL;
	const json_t	*rt = NULL;
	char		 desk[JTA_JIRA_SD_ID_MAX + 1];
	int		 agent;
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = deskof(be, who, project, desk, err)) != JTA_OK ||
	    (rc = typeof_(be, who, desk, request_type, &page, &rt, &names,
	    &meta, &agent, err)) != JTA_OK ||
	    (rc = jta_jira_meta_fields(meta, &list, err)) != JTA_OK)
		goto out;
	/* The create screen's shape (type, types: the request types, so
	 * that an assistant reads both kinds of project alike), plus what
	 * is the desk's own. */
	if ((*out = json_pack("{s:s, s:s, s:O, s:s, s:s, s:O, s:O, s:b}",
	    "project", project, "type", str(rt, "name"), "types", names,
	    "servicedesk", desk, "request_type", str(rt, "name"),
	    "request_types", names, "fields", list, "on_behalf",
	    (agent & 1) != 0)) ==
	    NULL)
		rc = JTA_ERR_NOMEM;
out:
	json_decref(page);
	json_decref(names);
	json_decref(meta);
	json_decref(list);
	return rc;
}

/* The problems of a request whose desk or type is unknown, all at once:
 * the project (the desks as allowed values are not known without the
 * desk list; the question asks), the type (with names), a missing
 * summary. */
static enum jta_err
askfirst(const json_t *input, enum jta_err rc, const json_t *names,
    struct jta_error *err)
{
	const json_t	*v;
	size_t		 i;

	jta_error_begin(err);
	if (rc == JTA_ERR_NOTFOUND) {
		if (jta_error_add(err, "project", "is not a service desk you "
		    "can raise requests in (GET /api/servicedesks lists "
		    "them)") == 0) {
			(void)jta_error_name(err, "Project");
			(void)jta_error_ask_about(err, JTA_ASK_ONE);
		}
	} else if (jta_error_add(err, "request_type", "is not a request "
	    "type of this service desk") == 0) {
		(void)jta_error_name(err, "Request type");
		json_array_foreach(names, i, v)
			if (jta_error_allow(err, json_string_value(v)) != 0)
				break;
		(void)jta_error_ask_about(err, JTA_ASK_ONE);
	}
	if (json_object_get(input, "summary") == NULL &&
	    jta_error_add(err, "summary", "is required") == 0) {
		(void)jta_error_name(err, "Summary");
		(void)jta_error_ask_about(err, JTA_ASK_TEXT);
	}
	return jta_error_collected(err);
}

/* The people of list (names, emails or account ids) as participants:
 * their account ids into sd.participants and [{id, name}] into the
 * preview; problems go to err's items (one lookup each). */
static enum jta_err
participants(struct jta_backend *be, const struct jta_user *who,
    const json_t *list, int may, json_t *prep, json_t *sd,
    struct jta_error *err)
{
	json_t		*ids = NULL, *shown = NULL, *found = NULL;
	const json_t	*v;
	size_t		 i;
	enum jta_err	 rc = JTA_OK;

	/* requestParticipants: "not available to Users who have the
	 * customer permission only" (JSM, POST /request) */
	if (!may) {
		if (jta_error_add(err, "participants", "you cannot add "
		    "people to requests in this service desk") == 0)
			(void)jta_error_ask_about(err, JTA_ASK_USER);
		return JTA_OK;
	}
	if ((ids = json_array()) == NULL || (shown = json_array()) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	json_array_foreach(list, i, v) {
		if ((rc = jta_jira_backend_lookup(be, who, NULL, "participants",
		    "Participants", json_string_value(v), &found, err)) !=
		    JTA_OK)
			goto out;
		if (found == NULL)
			continue;
		if (json_array_append(ids, json_object_get(found, "id")) !=
		    0 || json_array_append_new(shown, found) != 0) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
		found = NULL;
	}
	if (json_object_set(sd, "participants", ids) != 0 ||
	    json_object_set(prep, "participants", shown) != 0)
		rc = JTA_ERR_NOMEM;
out:
	json_decref(ids);
	json_decref(shown);
	json_decref(found);
	return rc;
}

enum jta_err
jta_jira_backend_sd_prepare(struct jta_backend *be, const struct jta_user *who,
    const json_t *input, json_t **prepared, struct jta_error *err)
{
	json_t		*page = NULL, *names = NULL, *meta = NULL, *type = NULL;
	json_t		*found = NULL, *sd;
	const json_t	*rt = NULL;
	const char	*project = str(input, "project");
	const char	*want = str(input, "request_type");
	const char	*obo = str(input, "on_behalf_of");
	char		 desk[JTA_JIRA_SD_ID_MAX + 1];
	int		 agent = 0;
	enum jta_err	 rc;

	*prepared = NULL;
	if (project == NULL) {
		/* No desk to read the type's fields from: ask. */
		jta_error_begin(err);
		if (jta_error_add(err, "project", "is required") == 0) {
			(void)jta_error_name(err, "Project");
			(void)jta_error_ask_about(err, JTA_ASK_ONE);
		}
		rc = jta_error_collected(err);
		goto out;
	}
	rc = deskof(be, who, project, desk, err);
	if (rc == JTA_OK)
		rc = typeof_(be, who, desk, want, &page, &rt, &names, &meta,
		    &agent, err);
	if (rc == JTA_ERR_NOTFOUND || (rc == JTA_ERR_INPUT && rt == NULL &&
	    names != NULL)) {
		rc = askfirst(input, rc, names, err);
		goto out;
	}
	if (rc != JTA_OK)
		goto out;
	if ((type = json_pack("{s:s, s:s}", "id", str(rt, "id"), "name",
	    str(rt, "name"))) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	jta_error_begin(err);
	if ((rc = jta_jira_resolve(input, type, meta, prepared, err)) !=
	    JTA_OK || (rc = jta_jira_backend_people(be, who, *prepared,
	    err)) != JTA_OK)
		goto out;
	if (json_object_get(input, "type") != NULL && jta_error_add(err,
	    "type", "is set by the request type; leave it out") == 0)
		(void)jta_error_ask_about(err, JTA_ASK_TEXT);
	if ((sd = json_pack("{s:s, s:s, s:b}", "desk", desk, "rt",
	    str(rt, "id"), "agent", (agent & 1) != 0)) == NULL ||
	    json_object_set_new(json_object_get(*prepared, "_ids"), "sd",
	    sd) != 0 || json_object_set_new(*prepared, "request_type",
	    json_string(str(rt, "name"))) != 0) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if (obo != NULL) {
		/* raiseOnBehalfOf: "not available to Users who have the
		 * customer permission only" (JSM, POST /request). */
		if (!(agent & 1)) {
			if (jta_error_add(err, "on_behalf_of", "you can raise "
			    "requests only for yourself in this service desk")
			    == 0)
				(void)jta_error_ask_about(err, JTA_ASK_USER);
		} else if ((rc = jta_jira_backend_lookup(be, who, NULL,
		    "on_behalf_of", "On behalf of", obo, &found, err)) !=
		    JTA_OK)
			goto out;
		if (found != NULL && (json_object_set(sd, "on_behalf",
		    json_object_get(found, "id")) != 0 ||
		    json_object_set(*prepared, "on_behalf_of", found) != 0)) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
	}
	if (json_object_get(input, "participants") != NULL &&
	    (rc = participants(be, who, json_object_get(input,
	    "participants"), (agent & 2) != 0, *prepared, sd, err)) != JTA_OK)
		goto out;
	rc = jta_error_collected(err);
out:
	if (rc != JTA_OK) {
		json_decref(*prepared);
		*prepared = NULL;
	}
	json_decref(page);
	json_decref(names);
	json_decref(meta);
	json_decref(type);
	json_decref(found);
	return rc;
}

/* Mark key as raised by the submit carrying once (the entity property
 * jta.once, as for issues): only agents may set issue properties; a
 * failure is logged, the request stands. 1 call. */
static void
mark(struct jta_backend *be, const struct jta_user *who, const char *key,
    const char *once)
{
	struct jta_error e;
	json_t		*body = NULL, *reply = NULL;
	char		 path[JTA_LIMIT_ISSUE_KEY + 64];

	snprintf(path, sizeof(path), "/issue/%s/properties/"
	    JTA_JIRA_ONCE_PROPERTY, key);
	if ((body = json_pack("{s:s}", "token", once)) == NULL ||
	    jta_jira_backend_call(be, who, "PUT", path, body, 1, &reply, &e) !=
	    JTA_OK)
		jta_log(JTA_LOG_WARN, "could not mark %s with its submit token",
		    key);
	json_decref(body);
	json_decref(reply);
}

enum jta_err
jta_jira_backend_sd_create(struct jta_backend *be, const struct jta_user *who,
    const json_t *prepared, const char *once, json_t **out,
    struct jta_error *err)
{
	struct jta_link	 link;
	const json_t	*sd = json_object_get(json_object_get(prepared, "_ids"),
			    "sd");
	json_t		*body = NULL, *raise = NULL, *reply = NULL;
	enum jta_err	 rc;

	*out = NULL;
	memset(&link, 0, sizeof(link));
	if (!jta_jira_sd_id_ok(str(sd, "desk")) ||
	    !jta_jira_sd_id_ok(str(sd, "rt")))
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "a request to raise was not prepared");
	if ((rc = jta_jira_backend_create_body(prepared, &body, err)) !=
	    JTA_OK || (rc = jta_jira_sd_raise_body(body, str(sd, "desk"),
	    str(sd, "rt"), str(sd, "on_behalf"), json_object_get(sd,
	    "participants"), &raise)) != JTA_OK)
		goto out;
	/* Never repeated (see create in jta_jira_backend.c): a lost answer
	 * is found by jta_jira_backend_sd_find_once. */
	if ((rc = sdcall(be, who, &link, "POST", "/request", raise, 0, &reply,
	    err)) != JTA_OK) {
		/* JSM refused the request (a 400: its ErrorResponse says
		 * why in words, never by field): the desk's cached request
		 * types and fields may be out of date; forget them
		 * (everyone's), so the next preview resolves afresh. */
		if (rc == JTA_ERR_INPUT)
			jta_jira_meta_drop_desk(be, who, str(sd, "desk"));
		goto out;
	}
	if ((rc = jta_jira_sd_request(reply, link.site_url, str(prepared,
	    "request_type"), out, err)) != JTA_OK)
		goto out;
	jta_info("raised %s in service desk %s", str(*out, "key"),
	    str(sd, "desk"));
	if (once != NULL && json_is_true(json_object_get(sd, "agent")))
		mark(be, who, str(*out, "key"), once);
out:
	json_decref(body);
	json_decref(raise);
	json_decref(reply);
	return rc;
}

/*
 * A raise whose answer was lost.  JSM takes no entity property on a
 * raise and its request search has no creation-time filter, so: the
 * person's own requests of the desk and type whose summary matches
 * (searchTerm, the summary's plain words), newest first, at most
 * SD_CANDIDATES; the candidate is one with exactly the prepared summary
 * created at or after since.  An agent's requests carry jta.once when
 * their raise was answered: a candidate carrying another token belongs
 * to another submit and is passed over; one carrying ours, or none, is
 * ours.  A customer cannot read properties: the oldest candidate since
 * the submit began is taken (two drafts with the same summary and type,
 * both answers lost in the same minutes, could swap; README).
 */
enum jta_err
jta_jira_backend_sd_find_once(struct jta_backend *be,
    const struct jta_user *who, const json_t *prepared, const char *once,
    int64_t since, json_t **out, struct jta_error *err)
{
	struct jta_link	 link;
	const json_t	*sd = json_object_get(json_object_get(prepared, "_ids"),
			    "sd");
	const char	*summary = str(prepared, "summary");
	const json_t	*r;
	json_t		*page = NULL, *prop = NULL;
	char		 proj[JTA_LIMIT_PROJECT_KEY + 1];
	char		 enc[3 * JTA_LIMIT_SUMMARY + 1], path[4 * 1024];
	char		 ppath[JTA_LIMIT_ISSUE_KEY + 64];
	const char	*key;
	long		 i, pick = -1;
	enum jta_err	 rc;

	*out = NULL;
	memset(&link, 0, sizeof(link));
	if (summary == NULL || !jta_jira_sd_id_ok(str(sd, "desk")) ||
	    !jta_jira_sd_id_ok(str(sd, "rt")))
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the request to find was not prepared");
	if (jta_jira_sd_search_term(summary, enc, sizeof(enc)) != 0)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "a summary too long to search for");
	snprintf(path, sizeof(path), "/request?requestOwnership=OWNED_REQUESTS"
	    "&requestStatus=ALL_REQUESTS&serviceDeskId=%s&requestTypeId=%s"
	    "&searchTerm=%s&limit=%d", str(sd, "desk"), str(sd, "rt"), enc,
	    SD_CANDIDATES);
	if ((rc = sdcall(be, who, &link, "GET", path, NULL, 1, &page, err)) !=
	    JTA_OK)
		goto out;
	rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
	    "no request of this submit is found yet");
	for (i = jta_jira_sd_candidate(page, summary, since, 0); i >= 0;
	    i = jta_jira_sd_candidate(page, summary, since, (size_t)i + 1)) {
		r = json_array_get(json_object_get(page, "values"), (size_t)i);
		key = str(r, "issueKey");
		if (key == NULL || jta_text_parse_issue_key(key, strlen(key),
		    proj, sizeof(proj), &(int64_t){ 0 }) != 0)
			continue;
		if (!json_is_true(json_object_get(sd, "agent"))) {
			pick = i;	/* newest first: keep the oldest */
			continue;
		}
		snprintf(ppath, sizeof(ppath), "/issue/%s/properties/"
		    JTA_JIRA_ONCE_PROPERTY, key);
		json_decref(prop);
		prop = NULL;
		rc = jta_jira_backend_call(be, who, "GET", ppath, NULL, 1,
		    &prop, err);
		if (rc != JTA_OK && rc != JTA_ERR_NOTFOUND)
			goto out;
		if (rc == JTA_ERR_NOTFOUND || jta_jira_once_match(prop, once))
			pick = i;
		rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "no request of this submit is found yet");
	}
	if (pick >= 0) {
		r = json_array_get(json_object_get(page, "values"),
		    (size_t)pick);
		if ((rc = jta_jira_sd_request(r, link.site_url, str(prepared,
		    "request_type"), out, err)) == JTA_OK) {
			jta_info("found %s, raised by a submit whose answer "
			    "was lost", str(*out, "key"));
			if (json_is_true(json_object_get(sd, "agent")))
				mark(be, who, str(*out, "key"), once);
		}
	}
out:
	json_decref(page);
	json_decref(prop);
	return rc;
}

enum jta_err
jta_jira_backend_sd_desks(struct jta_backend *be, const struct jta_user *who,
    json_t **out, struct jta_error *err)
{
	struct jta_jira_meta_id mid;
	json_t		*desks = NULL, *groups = NULL, *types = NULL, *d = NULL;
	json_t		*list;
	const json_t	*desk;
	char		 path[128];
	size_t		 i;
	enum jta_err	 rc;

	*out = NULL;
	/* A site without Jira Service Management answers 404: no desks. */
	if ((rc = sdcall(be, who, NULL, "GET", "/servicedesk?" SD_PAGE, NULL,
	    1, &desks, err)) != JTA_OK && rc != JTA_ERR_NOTFOUND)
		return rc;
	/* Read afresh, and kept: a project list marks its desks from the
	 * same list (README "A project list in one call"). */
	if (rc == JTA_OK && json_is_object(desks) &&
	    jta_jira_meta_who(be, who, &mid) == JTA_OK)
		jta_jira_meta_put(be, &mid, JTA_JIRA_META_DESKS, mid.account,
		    desks);
	if ((*out = json_pack("{s:[]}", "servicedesks")) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	list = json_object_get(*out, "servicedesks");
	json_array_foreach(json_object_get(desks, "values"), i, desk) {
		if (i >= JTA_LIMIT_JIRA_ITEMS)
			break;
		if (!jta_jira_sd_id_ok(str(desk, "id")))
			continue;
		snprintf(path, sizeof(path), "/servicedesk/%s/requesttypegroup?"
		    SD_PAGE, str(desk, "id"));
		if ((rc = sdcall(be, who, NULL, "GET", path, NULL, 1, &groups,
		    err)) != JTA_OK)
			goto out;
		snprintf(path, sizeof(path), "/servicedesk/%s/requesttype?"
		    SD_PAGE, str(desk, "id"));
		if ((rc = sdcall(be, who, NULL, "GET", path, NULL, 1, &types,
		    err)) != JTA_OK ||
		    (rc = jta_jira_sd_desk(desk, groups, types, &d, err)) !=
		    JTA_OK)
			goto out;
		if (json_array_append_new(list, d) != 0) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
		json_decref(groups);
		json_decref(types);
		groups = types = NULL;
	}
	rc = JTA_OK;
out:
	if (rc != JTA_OK) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(desks);
	json_decref(groups);
	json_decref(types);
	return rc;
}

enum jta_err
jta_jira_backend_sd_requests(struct jta_backend *be,
    const struct jta_user *who, const struct jta_sd_query *q, json_t **out,
    struct jta_error *err)
{
	struct jta_link	 link;
	struct jta_buf	 p = JTA_BUF_INIT(JTA_LIMIT_PATH);
	json_t		*page = NULL, *r, *list;
	const json_t	*v;
	char		 desk[JTA_JIRA_SD_ID_MAX + 1];
	char		 enc[3 * JTA_LIMIT_TEXT_QUERY + 1];
	size_t		 i;
	enum jta_err	 rc;

	*out = NULL;
	memset(&link, 0, sizeof(link));
	if (q->request_type != NULL && !jta_jira_sd_id_ok(q->request_type))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "request_type",
		    "is a request type's id (digits; GET /api/servicedesks "
		    "lists them)");
	if (q->project != NULL && (rc = deskof(be, who, q->project, desk,
	    err)) != JTA_OK)
		return rc != JTA_ERR_NOTFOUND ? rc : jta_error_set(err,
		    JTA_ERR_INPUT, 422, "project", "is not a service desk you "
		    "can raise requests in");
	/* requestOwnership (JSM GET /request): OWNED_REQUESTS and
	 * PARTICIPATED_REQUESTS by default; APPROVER with
	 * approvalStatus=MY_PENDING_APPROVAL for "waiting for me". */
	if (q->mine != NULL && strcmp(q->mine, "approver") == 0)
		rc = jta_buf_printf(&p, "/request?requestOwnership=APPROVER"
		    "&approvalStatus=MY_PENDING_APPROVAL");
	else if (q->mine != NULL && strcmp(q->mine, "participated") == 0)
		rc = jta_buf_printf(&p, "/request?requestOwnership="
		    "PARTICIPATED_REQUESTS");
	else if (q->mine != NULL)
		rc = jta_buf_printf(&p, "/request?requestOwnership="
		    "OWNED_REQUESTS");
	else
		rc = jta_buf_printf(&p, "/request?requestOwnership="
		    "OWNED_REQUESTS&requestOwnership=PARTICIPATED_REQUESTS");
	if (rc == JTA_OK)
		rc = jta_buf_printf(&p, "&requestStatus=%s&expand=requestType"
		    "&limit=%zu", q->status == NULL || strcmp(q->status,
		    "all") == 0 ? "ALL_REQUESTS" : strcmp(q->status, "open") ==
		    0 ? "OPEN_REQUESTS" : "CLOSED_REQUESTS", q->limit > 0 ?
		    q->limit : 20);
	if (rc == JTA_OK && q->project != NULL)
		rc = jta_buf_printf(&p, "&serviceDeskId=%s", desk);
	if (rc == JTA_OK && q->request_type != NULL)
		rc = jta_buf_printf(&p, "&requestTypeId=%s", q->request_type);
	if (rc == JTA_OK && q->text != NULL) {
		if (jta_jira_sd_search_term(q->text, enc, sizeof(enc)) != 0)
			rc = jta_error_set(err, JTA_ERR_INPUT, 422, "text",
			    "text is too long");
		else if (enc[0] != '\0')
			rc = jta_buf_printf(&p, "&searchTerm=%s", enc);
	}
	/* A site without Jira Service Management answers 404: none. */
	if (rc != JTA_OK || ((rc = sdcall(be, who, &link, "GET",
	    jta_buf_str(&p), NULL, 1, &page, err)) != JTA_OK &&
	    rc != JTA_ERR_NOTFOUND))
		goto out;
	if ((*out = json_pack("{s:[]}", "requests")) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	list = json_object_get(*out, "requests");
	json_array_foreach(json_object_get(page, "values"), i, v) {
		if (i >= JTA_LIMIT_JIRA_ITEMS)
			break;
		if ((rc = jta_jira_sd_request(v, link.site_url, NULL, &r,
		    err)) != JTA_OK)
			goto out;
		if (json_array_append_new(list, r) != 0) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
	}
	rc = JTA_OK;
out:
	if (rc != JTA_OK) {
		json_decref(*out);
		*out = NULL;
	}
	jta_buf_free(&p);
	json_decref(page);
	return rc;
}

enum jta_err
jta_jira_backend_sd_request(struct jta_backend *be, const struct jta_user *who,
    const char *key, json_t **out, struct jta_error *err)
{
	struct jta_link	 link;
	json_t		*reply = NULL;
	char		 path[JTA_LIMIT_ISSUE_KEY + 96];
	enum jta_err	 rc;

	*out = NULL;
	memset(&link, 0, sizeof(link));
	/* expand is an array parameter of the form style (OpenAPI's
	 * default, explode): one expand= per value. */
	snprintf(path, sizeof(path), "/request/%s?expand=requestType"
	    "&expand=sla&expand=comment&expand=attachment", key);
	if ((rc = sdcall(be, who, &link, "GET", path, NULL, 1, &reply, err)) !=
	    JTA_OK)
		goto out;
	if ((rc = jta_jira_sd_request(reply, link.site_url, NULL, out, err)) ==
	    JTA_OK && ((rc = jta_jira_sd_details(reply, *out)) != JTA_OK ||
	    (rc = jta_jira_sd_attachments(reply, link.site_url, *out)) !=
	    JTA_OK)) {
		json_decref(*out);
		*out = NULL;
	}
out:
	json_decref(reply);
	return rc;
}

enum jta_err
jta_jira_backend_sd_comment(struct jta_backend *be, const struct jta_user *who,
    const char *key, const char *body, int internal, json_t **out,
    struct jta_error *err)
{
	json_t		*req = NULL, *reply = NULL;
	char		 path[JTA_LIMIT_ISSUE_KEY + 64];
	enum jta_err	 rc;

	*out = NULL;
	snprintf(path, sizeof(path), "/request/%s/comment", key);
	/* CommentCreateDTO {body, public}: "Customers can set comments to
	 * public visibility only" (JSM, POST /request/{key}/comment). */
	if ((req = json_pack("{s:s, s:b}", "body", body, "public",
	    !internal)) == NULL)
		return JTA_ERR_NOMEM;
	if ((rc = sdcall(be, who, NULL, "POST", path, req, 0, &reply, err)) ==
	    JTA_ERR_INPUT && internal)
		rc = jta_error_set(err, JTA_ERR_AUTH, 403, "visibility",
		    "only the desk's agents may add internal comments");
	if (rc == JTA_OK && (*out = json_pack("{s:s, s:s?, s:s, s:b}", "key",
	    key, "author", str(json_object_get(reply, "author"),
	    "displayName"), "body", body, "public", !internal)) == NULL)
		rc = JTA_ERR_NOMEM;
	json_decref(req);
	json_decref(reply);
	return rc;
}

enum jta_err
jta_jira_backend_sd_transitions(struct jta_backend *be,
    const struct jta_user *who, const char *key, json_t **out,
    struct jta_error *err)
{
	json_t		*page = NULL;
	char		 path[JTA_LIMIT_ISSUE_KEY + 64];
	enum jta_err	 rc;

	*out = NULL;
	snprintf(path, sizeof(path), "/request/%s/transition?limit=50", key);
	if ((rc = sdcall(be, who, NULL, "GET", path, NULL, 1, &page, err)) ==
	    JTA_OK)
		rc = jta_jira_sd_transitions(page, key, out, err);
	json_decref(page);
	return rc;
}

enum jta_err
jta_jira_backend_sd_transition(struct jta_backend *be,
    const struct jta_user *who, const char *key, const char *to,
    const char *comment, json_t **out, struct jta_error *err)
{
	json_t		*page = NULL, *req = NULL, *reply = NULL;
	const char	*id;
	char		 path[JTA_LIMIT_ISSUE_KEY + 64];
	enum jta_err	 rc;

	*out = NULL;
	snprintf(path, sizeof(path), "/request/%s/transition?limit=50", key);
	if ((rc = sdcall(be, who, NULL, "GET", path, NULL, 1, &page, err)) !=
	    JTA_OK || (rc = jta_jira_sd_transition_id(page, to, &id, err)) !=
	    JTA_OK)
		goto out;
	/* CustomerTransitionExecutionDTO {id, additionalComment {body}} */
	if ((req = json_pack("{s:s}", "id", id)) == NULL || (comment != NULL &&
	    json_object_set_new(req, "additionalComment", json_pack("{s:s}",
	    "body", comment)) != 0)) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	snprintf(path, sizeof(path), "/request/%s/transition", key);
	if ((rc = sdcall(be, who, NULL, "POST", path, req, 0, &reply, err)) !=
	    JTA_OK)
		goto out;
	rc = jta_jira_backend_sd_request(be, who, key, out, err);
out:
	json_decref(page);
	json_decref(req);
	json_decref(reply);
	return rc;
}

enum jta_err
jta_jira_backend_sd_decide(struct jta_backend *be, const struct jta_user *who,
    const char *key, int approve, json_t **out, struct jta_error *err)
{
	json_t		*page = NULL, *req = NULL, *reply = NULL, *a = NULL;
	const char	*id;
	char		 path[JTA_LIMIT_ISSUE_KEY + 64 + JTA_JIRA_SD_ID_MAX];
	enum jta_err	 rc;

	*out = NULL;
	snprintf(path, sizeof(path), "/request/%s/approval?limit=50", key);
	if ((rc = sdcall(be, who, NULL, "GET", path, NULL, 1, &page, err)) !=
	    JTA_OK || (rc = jta_jira_sd_approval_id(page, &id, err)) !=
	    JTA_OK)
		goto out;
	/* ApprovalDecisionRequestDTO {decision: approve | decline} */
	if ((req = json_pack("{s:s}", "decision", approve ? "approve" :
	    "decline")) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	snprintf(path, sizeof(path), "/request/%s/approval/%s", key, id);
	if ((rc = sdcall(be, who, NULL, "POST", path, req, 0, &reply, err)) !=
	    JTA_OK)
		goto out;
	if ((a = jta_jira_sd_approval(reply)) == NULL ||
	    (rc = jta_jira_backend_sd_request(be, who, key, out, err)) !=
	    JTA_OK)
		goto out;
	if (json_object_set(*out, "approval", a) != 0) {
		json_decref(*out);
		*out = NULL;
		rc = JTA_ERR_NOMEM;
	}
out:
	if (a == NULL && rc == JTA_OK)
		rc = JTA_ERR_NOMEM;
	json_decref(page);
	json_decref(req);
	json_decref(reply);
	json_decref(a);
	return rc;
}

/*
 * Rank the request types for text: the desks and their types (as
 * GET /api/servicedesks: 1 + 2 per desk) and the person's newest
 * requests (1 call, at most JTA_LIMIT_PAGE_MAX; JSM's searchTerm wants
 * every word, so the words are matched here, any of them), for the
 * evidence of past requests of each type.
 */
enum jta_err
jta_jira_backend_sd_suggest(struct jta_backend *be, const struct jta_user *who,
    const char *text, size_t limit, json_t **out, struct jta_error *err)
{
	struct jta_sd_query q;
	json_t		*desks = NULL, *past = NULL;
	enum jta_err	 rc;

	*out = NULL;
	memset(&q, 0, sizeof(q));
	q.limit = JTA_LIMIT_PAGE_MAX;
	if ((rc = jta_jira_backend_sd_desks(be, who, &desks, err)) != JTA_OK)
		return rc;
	if (json_array_size(json_object_get(desks, "servicedesks")) > 0 &&
	    (rc = jta_jira_backend_sd_requests(be, who, &q, &past, err)) !=
	    JTA_OK)
		goto out;
	rc = jta_suggest_request_types(text, desks, json_object_get(past,
	    "requests"), limit, out);
out:
	json_decref(desks);
	json_decref(past);
	return rc;
}

/*
 * Attach a kept file to request key of desk (jta_backend.h's sd_attach),
 * as JSM takes files (Jira Service Management Cloud REST API,
 * "Servicedesk": attachTemporaryFile; "Request": createAttachment): the
 * file goes up as a temporary attachment of the desk (multipart/
 * form-data, part "file", X-Atlassian-Token: no-check), whose answer
 * {"temporaryAttachments": [{temporaryAttachmentId, fileName}]} names
 * it; then POST /request/{key}/attachment with AttachmentCreateDTO
 * {"temporaryAttachmentIds": [id], "public": true} puts it on the
 * request where the customer sees it.  2 calls, neither repeated: a
 * temporary file whose answer is lost is never used (JSM drops it), and
 * the caller reads the request's attachments before sending again.
 */
enum jta_err
jta_jira_backend_sd_attach(struct jta_backend *be, const struct jta_user *who,
    const char *key, const char *desk, const char *file, const char *name,
    const char *type, struct jta_error *err)
{
	json_t		*reply = NULL, *body = NULL;
	const char	*tid;
	char		 path[JTA_LIMIT_ISSUE_KEY + JTA_JIRA_SD_ID_MAX + 64];
	char		 proj[JTA_LIMIT_PROJECT_KEY + 1];
	enum jta_err	 rc;

	if (key == NULL || strlen(key) > JTA_LIMIT_ISSUE_KEY ||
	    jta_text_parse_issue_key(key, strlen(key), proj, sizeof(proj),
	    &(int64_t){ 0 }) != 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "key",
		    "there is no such request: a key looks like ITH-12");
	if (!jta_jira_sd_id_ok(desk))
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the request's service desk is not known");
	snprintf(path, sizeof(path), "/servicedesk/%s/attachTemporaryFile",
	    desk);
	if ((rc = jta_jira_backend_upload(be, who, JTA_JIRA_API_SD, path,
	    file, name, type, &reply, err)) != JTA_OK)
		goto out;
	tid = str(json_array_get(json_object_get(reply,
	    "temporaryAttachments"), 0), "temporaryAttachmentId");
	if (tid == NULL || strlen(tid) > JTA_LIMIT_ATTACH_NAME) {
		jta_log(JTA_LOG_WARN, "jsm answered a temporary file for %s "
		    "without its id", key);
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    "Jira Service Management gave an answer we cannot read");
		goto out;
	}
	if ((body = json_pack("{s:[s], s:b}", "temporaryAttachmentIds", tid,
	    "public", 1)) == NULL) {
		rc = jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
		goto out;
	}
	json_decref(reply);
	reply = NULL;
	snprintf(path, sizeof(path), "/request/%s/attachment", key);
	rc = sdcall(be, who, NULL, "POST", path, body, 0, &reply, err);
out:
	json_decref(body);
	json_decref(reply);
	return rc;
}
