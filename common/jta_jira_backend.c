/*
 * The Jira Cloud backend: the ticket API's operations as the person the
 * API key belongs to, through https://api.atlassian.com/ex/jira/{cloudid}
 * with their own OAuth token (jta_oauth), translated by jta_jira and
 * jta_adf.  Same JSON, same errors as the embedded store (jta_local.c).
 *
 * Every call that may be repeated safely (reads, searches, edits, which
 * PUT the same fields) waits out Jira's 429/503 inside the configured
 * budget; creates, comments and transitions are never sent twice.  A 401
 * from Jira triggers one token refresh and one retry: Jira refused the
 * request before doing anything, so that is safe for every call.
 *
 * The ticketing API's operations (/api/tickets/) are in
 * jta_jira_backend_tickets.c, the directory reads (projects, fields,
 * people, groups) in jta_jira_backend_dir.c; what the files share is
 * declared in jta_jira_backend_int.h.  The operations table,
 * jta_jira_ops, is here.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_arena.h"
#include "jta_adf.h"
#include "jta_backend.h"
#include "jta_http.h"
#include "jta_jira.h"
#include "jta_jira_backend_int.h"
#include "jta_jira_sd.h"
#include "jta_json_pick.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_store_people.h"
#include "jta_suggest.h"
#include "jta_text.h"
#include "jta_time.h"

/* jansson's json_array_extend takes a non-const source it only reads. */
json_t *
jta_jira_backend_unconst_json(const json_t *v)
{
	return (json_t *)(uintptr_t)v;
}

/* The platform API (most calls). */
#define API3		JTA_JIRA_API_PLATFORM
/* The fields a full issue needs (GET /rest/api/3/issue/{key}). */
#define ISSUE_FIELDS	"summary,status,issuetype,priority,assignee," \
			"reporter,created,updated,labels,description,comment," \
			"project,attachment"
/* Without any filter, search the tickets updated in this many days:
 * Jira's enhanced search refuses unbounded JQL. */
#define DEFAULT_DAYS	365

/*
 * Call Jira as who: method on api (/rest/api/3, or /rest/servicedeskapi
 * for Jira Service Management) + path with an optional JSON body.
 * *reply is the parsed answer (NULL for an empty one); an answer that is
 * not 2xx becomes the matching error through jta_jira_error.
 * *linkp (when not NULL) gets the person's link (site, cloud id).
 */
static enum jta_err
call_as(struct jta_backend *be, const struct jta_user *who,
    struct jta_link *linkp, const char *api, const char *method,
    const char *path, const json_t *body, int repeatable, json_t **reply,
    struct jta_error *err)
{
	return jta_jira_backend_call_api(be, who, linkp, "jira", api,
	    method, path, body, repeatable, reply, err);
}

/*
 * call_api, or with up's upload_* members (not NULL) a multipart POST of
 * a file (jta_http.h).  With pick (not NULL) a 2xx answer is read with
 * jta_json_pick_loadb, keeping only what pick describes (the same
 * accept/reject as json_loadb, far less work on a large page); an answer
 * that is not 2xx is read whole, for jta_jira_error.
 *
 * With raw (not NULL) a 2xx answer's bytes are moved there as they are
 * (at most up->max_body of them) instead of parsed.
 */
static enum jta_err
call_full(struct jta_backend *be, const struct jta_user *who,
    struct jta_link *linkp, const char *product, const char *root,
    const char *method, const char *path, const json_t *body,
    const struct jta_http_req *up, const struct jta_json_pick *pick,
    int repeatable, json_t **reply, struct jta_http_resp *raw,
    struct jta_error *err)
{
	struct jta_link	 link;
	struct jta_secret *token = NULL;
	struct jta_http_req rq;
	struct jta_http_resp rs;
	json_error_t	 je;
	char		 url[JTA_CONF_URL_MAX + JTA_LIMIT_CLOUD_ID + 1024];
	size_t		 pos;
	char		*text = NULL;
	enum jta_err	 rc;
	int		 n, tries, refreshed = 0, write;

	*reply = NULL;
	memset(&rs, 0, sizeof(rs));
	memset(&link, 0, sizeof(link));
	if ((rc = jta_oauth_access(be->oauth, who, 0, &link, &token, NULL,
	    err)) != JTA_OK)
		return rc;
	n = snprintf(url, sizeof(url), "%s/ex/%s/%s%s%s",
	    be->conf->atlassian_api_url, product, link.cloud_id, root, path);
	if (n < 0 || (size_t)n >= sizeof(url)) {
		rc = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "a Jira address did not fit");
		goto out;
	}
	if (body != NULL && (text = jta_arena_json_dumps(body,
	    JSON_COMPACT)) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	for (tries = 0; ; tries++) {
		memset(&rq, 0, sizeof(rq));
		rq.method = method;
		rq.url = url;
		rq.bearer = token;
		rq.content_type = text != NULL ? "application/json" : NULL;
		rq.body = text;
		rq.bodylen = text != NULL ? strlen(text) : 0;
		rq.timeout_ms = be->conf->upstream_timeout_ms;
		rq.budget_ms = be->conf->upstream_retry_budget_ms;
		rq.repeatable = repeatable;
		if (up != NULL) {
			rq.upload_path = up->upload_path;
			rq.upload_name = up->upload_name;
			rq.upload_type = up->upload_type;
			rq.max_body = up->max_body;
			rq.accept = up->accept;
		}
		if ((rc = jta_http_do(&rq, &rs, err)) != JTA_OK)
			goto out;
		/* Jira refused the token: refresh it (unless a sibling did
		 * already) and try again; once more only when the token
		 * came from a sibling and ran out in flight, so a request
		 * calls Atlassian's token endpoint at most once. */
		if (rs.status != 401 || refreshed || tries == 2)
			break;
		jta_http_resp_free(&rs);
		jta_secret_free(token);
		token = NULL;
		if ((rc = jta_oauth_access(be->oauth, who, 1, &link, &token,
		    &refreshed, err)) != JTA_OK)
			goto out;
	}
	/* A write that Jira accepted (2xx) happened, whatever its body:
	 * Jira answers some edits and transitions with 204 or a body that
	 * is not JSON.  Its reply is then NULL, as for an empty one, and
	 * the caller reads the issue again; a 502 here would tell the
	 * person to retry a write that was done.  A write is a PUT, a
	 * DELETE, or a POST that is not repeatable (the searches are
	 * repeatable POSTs, and their answer is the point). */
	write = strcmp(method, "PUT") == 0 || strcmp(method, "DELETE") == 0 ||
	    (strcmp(method, "POST") == 0 && !repeatable);
	if (raw != NULL && rs.status / 100 == 2) {
		*raw = rs;
		memset(&rs, 0, sizeof(rs));
		rc = JTA_OK;
		goto out;
	}
	if (pick != NULL && rs.len > 0 && rs.status / 100 == 2) {
		rc = jta_json_pick_loadb(rs.body, rs.len, pick, reply, &pos);
		if (rc == JTA_ERR_NOMEM)
			goto out;
		/* The position as json_loadb's would be reported: bytes. */
		memset(&je, 0, sizeof(je));
		je.line = -1;
		je.position = rc == JTA_OK ? 0 : (int)(pos > INT32_MAX ?
		    INT32_MAX : pos);
	} else if (rs.len > 0)
		*reply = json_loadb(rs.body, rs.len, JSON_REJECT_DUPLICATES,
		    &je);
	if (rs.len > 0 && *reply == NULL && rs.status / 100 == 2) {
		if (write)
			jta_log(JTA_LOG_INFO, "jira answered %s %s with %ld "
			    "and a body that is not JSON (line %d, byte %d): "
			    "taken as done", method, path, rs.status, je.line,
			    je.position);
		else {
			jta_log(JTA_LOG_WARN, "jira answered %s %s with JSON "
			    "we cannot read (line %d, byte %d)", method, path,
			    je.line, je.position);
			rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
			    "Jira gave an answer we cannot read");
			goto out;
		}
	}
	if (rs.status / 100 != 2) {
		jta_log(JTA_LOG_INFO, "jira answered %ld to %s %s", rs.status,
		    method, path);
		rc = jta_jira_error(rs.status, *reply, err);
		json_decref(*reply);
		*reply = NULL;
		if (rs.status == 401)
			rc = jta_error_set(err, JTA_ERR_AUTH, 401, NULL,
			    "Jira refused your Atlassian sign-in; visit "
			    "%s/oauth/start to sign in again",
			    be->conf->public_url);
		goto out;
	}
	if (linkp != NULL)
		*linkp = link;
	rc = JTA_OK;
out:
	free(text);
	jta_http_resp_free(&rs);
	jta_secret_free(token);
	return rc;
}

/* call_as for any of Atlassian's products on the person's site: the
 * gateway's /ex/PRODUCT/CLOUDID + root + path (jta_jira_backend_int.h). */
enum jta_err
jta_jira_backend_call_api(struct jta_backend *be, const struct jta_user *who,
    struct jta_link *linkp, const char *product, const char *root,
    const char *method, const char *path, const json_t *body, int repeatable,
    json_t **reply, struct jta_error *err)
{
	return call_full(be, who, linkp, product, root, method, path, body,
	    NULL, NULL, repeatable, reply, NULL, err);
}

/* GET /rest/api/3 + path as who, at most max bytes of a 2xx answer into
 * *raw as they are (jta_jira_backend_int.h). */
enum jta_err
jta_jira_backend_get_raw(struct jta_backend *be, const struct jta_user *who,
    const char *path, size_t max, struct jta_http_resp *raw,
    struct jta_error *err)
{
	struct jta_http_req up;
	json_t		*reply = NULL;
	enum jta_err	 rc;

	memset(&up, 0, sizeof(up));
	memset(raw, 0, sizeof(*raw));
	up.max_body = max;
	up.accept = "*/*";	/* the file's own type, whatever it is */
	rc = call_full(be, who, NULL, "jira", API3, "GET", path, NULL, &up,
	    NULL, 1, &reply, raw, err);
	json_decref(reply);
	return rc;
}

/* POST the file at file to Jira's path as a multipart upload
 * (jta_jira_backend_int.h); never sent twice by this call. */
enum jta_err
jta_jira_backend_upload(struct jta_backend *be, const struct jta_user *who,
    const char *root, const char *path, const char *file, const char *name,
    const char *type, json_t **reply, struct jta_error *err)
{
	struct jta_http_req up;

	memset(&up, 0, sizeof(up));
	up.upload_path = file;
	up.upload_name = name;
	up.upload_type = type;
	return call_full(be, who, NULL, "jira", root, "POST", path, NULL, &up,
	    NULL, 0, reply, NULL, err);
}

/* call_as for callers that need not know the link. */
enum jta_err
jta_jira_backend_call(struct jta_backend *be, const struct jta_user *who,
    const char *method, const char *path, const json_t *body, int repeatable,
    json_t **reply, struct jta_error *err)
{
	return call_as(be, who, NULL, API3, method, path,
	    body, repeatable, reply, err);
}

/* Replace the ADF value of member name of o by its Markdown. */
enum jta_err
jta_jira_backend_to_markdown(json_t *o, const char *name, struct jta_error *err)
{
	json_t		*adf = json_object_get(o, name);
	char		*md = NULL;
	size_t		 lossy = 0;
	enum jta_err	 rc;

	if (adf == NULL || json_is_null(adf))
		return JTA_OK;
	if ((rc = jta_adf_to_markdown(adf, &md, &lossy, err)) != JTA_OK)
		return rc;
	rc = json_object_set_new(o, name, json_string(md)) == 0 ? JTA_OK :
	    JTA_ERR_NOMEM;
	free(md);
	return rc;
}

/* GET one issue in our shape, Markdown throughout. */
static enum jta_err
get(struct jta_backend *be, const struct jta_user *who, const char *key,
    json_t **out, struct jta_error *err)
{
	struct jta_link	 link;
	json_t		*reply = NULL, *c;
	char		 path[JTA_LIMIT_ISSUE_KEY + 128];
	size_t		 i;
	enum jta_err	 rc;

	*out = NULL;
	snprintf(path, sizeof(path), "/issue/%s?fields=%s", key,
	    ISSUE_FIELDS);
	if ((rc = call_as(be, who, &link, API3, "GET", path, NULL, 1, &reply,
	    err)) != JTA_OK)
		return rc;
	if ((rc = jta_jira_issue(reply, link.site_url, out, err)) != JTA_OK)
		goto out;
	if ((rc = jta_jira_backend_to_markdown(*out, "description", err)) !=
	    JTA_OK)
		goto out;
	json_array_foreach(json_object_get(*out, "comments"), i, c)
		if ((rc = jta_jira_backend_to_markdown(c, "body", err)) !=
		    JTA_OK)
			goto out;
out:
	if (rc != JTA_OK) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(reply);
	return rc;
}

/*
 * Find the person value names (our user name, an Atlassian account id or
 * an email): a user of this service who linked their account (by our
 * user name), else Jira's user search as the person: GET
 * /rest/api/3/user/assignable/search?<scope> when scope is given (a
 * "project=KEY" or "issueKey=KEY-1" query part: those who can be
 * assigned issues there), else GET /rest/api/3/user/search (anyone the
 * person can see), with accountId= for an account id and query= for a
 * name or email (Jira matches display names and email addresses).  The
 * person is chosen by jta_jira_person_pick, which makes sure an account
 * Jira returns is the one asked for.  Found: *found is a new {"id",
 * "name"}.  Otherwise a problem is added for field (none found, or
 * several: their names as allowed values) and *found stays NULL.
 */
enum jta_err
jta_jira_backend_lookup(struct jta_backend *be, const struct jta_user *who,
    const char *scope, const char *field, const char *name,
    const char *value, json_t **found, struct jta_error *err)
{
	struct jta_user	 u;
	struct jta_link	 link;
	struct jta_secret *tok = NULL;
	struct jta_error e;
	json_t		*reply = NULL;
	const json_t	*p, *hit;
	const char	*s;
	char		 enc[3 * JTA_LIMIT_EMAIL + 1], path[1024];
	size_t		 i;
	int		 several;
	enum jta_err	 rc = JTA_OK;

	*found = NULL;
	if (jta_store_user_get(be->store, value, &u, &e) == JTA_OK &&
	    jta_store_link_get(be->store, be->oauth->vault, u.id, &link, &tok,
	    &e) == JTA_OK) {
		jta_secret_free(tok);
		*found = json_pack("{s:s, s:s}", "id", link.account_id, "name",
		    u.display_name);
		return *found != NULL ? JTA_OK : JTA_ERR_NOMEM;
	}
	jta_secret_free(tok);
	if (jta_http_urlencode(value, strlen(value), enc, sizeof(enc)) != 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, field,
		    "%s is too long", field);
	if (scope != NULL)
		snprintf(path, sizeof(path), "/user/assignable/search?%s&%s=%s"
		    "&maxResults=50", scope, jta_jira_account_like(value) ?
		    "accountId" : "query", enc);
	else
		snprintf(path, sizeof(path), "/user/search?%s=%s&maxResults=50",
		    jta_jira_account_like(value) ? "accountId" : "query", enc);
	if ((rc = jta_jira_backend_call(be, who, "GET", path, NULL, 1, &reply,
	    err)) != JTA_OK)
		return rc;
	if (!json_is_array(reply) || json_array_size(reply) >
	    JTA_LIMIT_JIRA_ITEMS) {
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    "Jira gave an answer this server cannot use (no list of "
		    "people)");
		goto out;
	}
	if ((hit = jta_jira_person_pick(reply, value, &several)) != NULL) {
		s = json_string_value(json_object_get(hit, "displayName"));
		if ((*found = json_pack("{s:s, s:s}", "id", json_string_value(
		    json_object_get(hit, "accountId")), "name", s != NULL ? s :
		    "")) == NULL)
			rc = JTA_ERR_NOMEM;
		goto out;
	}
	if (jta_error_add(err, field, several ? "matches several people; "
	    "give their email" : scope != NULL ? "matches no one who can be "
	    "assigned issues in this project" : "matches no one on this Jira "
	    "site (give an account id, an email or a name)") == 0) {
		(void)jta_error_name(err, name);
		json_array_foreach(reply, i, p)
			if ((s = json_string_value(json_object_get(p,
			    "displayName"))) != NULL &&
			    jta_error_allow(err, s) != 0)
				break;
		(void)jta_error_ask_about(err, JTA_ASK_USER);
	}
out:
	json_decref(reply);
	return rc;
}

/*
 * One person named by value for field (an issue's assignee, a search's
 * assignee or reporter), as lookup finds them, into id.  Not found, or
 * several: 422 naming field, with the names Jira offered as allowed
 * values and a question about a person.
 */
static enum jta_err
person(struct jta_backend *be, const struct jta_user *who,
    const char *scope, const char *field, const char *name,
    const char *value, char id[JTA_LIMIT_ACCOUNT_ID + 1],
    struct jta_error *err)
{
	json_t		*found = NULL;
	const char	*s;
	enum jta_err	 rc;

	jta_error_begin(err);
	if ((rc = jta_jira_backend_lookup(be, who, scope, field, name, value,
	    &found, err)) != JTA_OK)
		return rc;
	if (found == NULL)
		return jta_error_collected(err);
	s = json_string_value(json_object_get(found, "id"));
	if (s == NULL || strlen(s) > JTA_LIMIT_ACCOUNT_ID)
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    "Jira gave an answer this server cannot use (an account "
		    "id out of bounds)");
	else
		snprintf(id, JTA_LIMIT_ACCOUNT_ID + 1, "%s", s);
	json_decref(found);
	return rc;
}

static enum jta_err
search(struct jta_backend *be, const struct jta_user *who,
    const struct jta_search *q, json_t **out, struct jta_error *err)
{
	struct jta_search qq = *q;
	struct jta_link	 link;
	char		 jql[JTA_LIMIT_JQL + 1];
	char		 asg[JTA_LIMIT_ACCOUNT_ID + 1];
	char		 rep[JTA_LIMIT_ACCOUNT_ID + 1];
	json_t		*body = NULL, *reply = NULL;
	enum jta_err	 rc;

	*out = NULL;
	/* Our user name, an account id or an email, as create takes them;
	 * anyone the person can see, since a reporter need not be someone
	 * who can be assigned issues. */
	if (qq.assignee != NULL) {
		if (strcmp(qq.assignee, who->name) == 0)
			qq.assignee = jta_jira_current_user;
		else if ((rc = person(be, who, NULL, "assignee", "Assignee",
		    qq.assignee, asg, err)) != JTA_OK)
			return rc;
		else
			qq.assignee = asg;
	}
	if (qq.reporter != NULL) {
		if (strcmp(qq.reporter, who->name) == 0)
			qq.reporter = jta_jira_current_user;
		else if ((rc = person(be, who, NULL, "reporter", "Reporter",
		    qq.reporter, rep, err)) != JTA_OK)
			return rc;
		else
			qq.reporter = rep;
	}
	if (qq.jql != NULL) {
		if (qq.text != NULL || qq.project != NULL ||
		    qq.status != NULL || qq.type != NULL ||
		    qq.priority != NULL || qq.label != NULL ||
		    qq.assignee != NULL || qq.reporter != NULL ||
		    qq.created_from || qq.created_to || qq.updated_from ||
		    qq.updated_to || qq.order != NULL)
			return jta_error_set(err, JTA_ERR_INPUT, 422, "jql",
			    "jql replaces the other filters and the order; "
			    "send it alone (with limit and cursor)");
		if ((rc = jta_jira_jql_raw_check(qq.jql, strlen(qq.jql),
		    err)) != JTA_OK)
			return rc;
		snprintf(jql, sizeof(jql), "%s", qq.jql);
	} else {
		if (qq.text == NULL && qq.project == NULL &&
		    qq.status == NULL && qq.type == NULL &&
		    qq.priority == NULL && qq.label == NULL &&
		    qq.assignee == NULL && qq.reporter == NULL &&
		    !qq.created_from && !qq.created_to && !qq.updated_from &&
		    !qq.updated_to)
			qq.updated_from = jta_time_now() -
			    (int64_t)DEFAULT_DAYS * 86400;
		if ((rc = jta_jira_jql(&qq, NULL, jql, sizeof(jql), err)) !=
		    JTA_OK)
			return rc;
	}
	if ((body = jta_jira_search_body(jql, qq.limit, qq.cursor)) == NULL)
		return JTA_ERR_NOMEM;
	/* A search changes nothing: safe to repeat.  Of the page (tens of
	 * KiB of avatars, links and status categories) only what the
	 * reshape reads is built. */
	if ((rc = call_full(be, who, &link, "jira", API3, "POST",
	    "/search/jql", body, NULL, &jta_jira_search_pick, 1, &reply,
	    NULL, err)) == JTA_OK)
		rc = jta_jira_search_result(reply, link.site_url, out, err);
	json_decref(body);
	json_decref(reply);
	return rc;
}

/* Description (Markdown, in fields) to ADF; *adf NULL when absent. */
enum jta_err
jta_jira_backend_description(const json_t *fields, json_t **adf,
    struct jta_error *err)
{
	const json_t	*d = json_object_get(fields, "description");

	*adf = NULL;
	if (d == NULL || json_is_null(d))
		return JTA_OK;
	return jta_adf_from_markdown(json_string_value(d),
	    json_string_length(d), "description", adf, err);
}

/*
 * The body of POST /rest/api/3/issue from what prepare made: its
 * "_ids.fields", with each field "_ids.adf" names turned from Markdown
 * into ADF.  A prepared object without them did not come from prepare
 * (JTA_ERR_INTERNAL).
 */
enum jta_err
jta_jira_backend_create_body(const json_t *prepared, json_t **body,
    struct jta_error *err)
{
	const json_t	*ids = json_object_get(prepared, "_ids"), *id;
	json_t		*jf, *adf = NULL;
	const json_t	*md;
	size_t		 i;
	enum jta_err	 rc;

	*body = NULL;
	if (!json_is_object(json_object_get(ids, "fields")) ||
	    json_object_get(ids, "users") != NULL)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "an issue to create was not prepared");
	if ((jf = json_deep_copy(json_object_get(ids, "fields"))) == NULL ||
	    (*body = json_pack("{s:o}", "fields", jf)) == NULL)
		return JTA_ERR_NOMEM;
	json_array_foreach(json_object_get(ids, "adf"), i, id) {
		md = json_object_get(jf, json_string_value(id));
		if (!json_is_string(md))
			continue;
		if ((rc = jta_adf_from_markdown(json_string_value(md),
		    json_string_length(md), json_string_value(id), &adf,
		    err)) != JTA_OK)
			goto fail;
		if (json_object_set_new(jf, json_string_value(id), adf) != 0) {
			rc = JTA_ERR_NOMEM;
			goto fail;
		}
	}
	return JTA_OK;
fail:
	json_decref(*body);
	*body = NULL;
	return rc;
}

/*
 * What a create of project's issue type tid showed that it did not send,
 * learnt from reading back the first ones (kind "status", alike for
 * everyone): the initial status {"name"}; "priority", the priority Jira
 * gives when none is sent (a name, or null), learnt from a create that
 * sent none; "assigns", whether Jira assigns someone when no assignee is
 * sent (a default assignee), learnt from a create that sent none.
 * *learnt is 1 when the answer can be built without reading it back.
 */
static json_t *
initial(struct jta_backend *be, const struct jta_jira_meta_id *mid,
    const char *ckey, const json_t *jf, int *learnt)
{
	json_t		*e = NULL;

	*learnt = 0;
	if (jta_jira_meta_get(be, mid, JTA_JIRA_META_STATUS, ckey, &e) !=
	    JTA_OK || !json_is_string(json_object_get(e, "name"))) {
		json_decref(e);
		return NULL;
	}
	*learnt = (json_object_get(jf, "priority") != NULL ||
	    json_object_get(e, "priority") != NULL) &&
	    (json_object_get(jf, "assignee") != NULL ||
	    json_is_false(json_object_get(e, "assigns")));
	return e;
}

/* Learn from the issue read back (see initial) into the entry e (NULL:
 * a new one) and keep it. */
static void
learn(struct jta_backend *be, const struct jta_jira_meta_id *mid,
    const char *ckey, const json_t *jf, json_t *e, json_t *issue)
{
	json_t		*n = e != NULL ? json_incref(e) : json_object();
	json_t		*st = json_object_get(issue, "status");
	json_t		*p = json_object_get(issue, "priority");
	json_t		*a = json_object_get(issue, "assignee");

	if (n == NULL || !json_is_string(st) ||
	    json_object_set(n, "name", st) != 0 ||
	    (json_object_get(jf, "priority") == NULL && json_object_set(n,
	    "priority", json_is_string(p) ? p : json_null()) != 0) ||
	    (json_object_get(jf, "assignee") == NULL && json_object_set_new(n,
	    "assigns", json_boolean(a != NULL && !json_is_null(a))) != 0)) {
		json_decref(n);
		return;
	}
	jta_jira_meta_put(be, mid, JTA_JIRA_META_STATUS, ckey, n);
	json_decref(n);
}

/*
 * The created issue in the API's shape without reading it back: Jira's
 * answer to POST /rest/api/3/issue (CreatedIssue: id, key, self) and
 * what we sent (body, with the description as ADF) and showed
 * (prepared's preview: the type, priority and assignee by name).  What
 * Jira adds on its own (the initial status, a default priority, a
 * default assignee) is learnt by reading back the first creates of the
 * project's issue type (see initial); until it is known, and when the
 * cache is off, the issue is read back (*out from get).
 */
static enum jta_err
created(struct jta_backend *be, const struct jta_user *who,
    const struct jta_jira_meta_id *mid, const json_t *prepared,
    const json_t *body, const char *key, json_t **out,
    struct jta_error *err)
{
	const json_t	*jf = json_object_get(body, "fields"), *a, *v;
	const char	*project = json_string_value(json_object_get(prepared,
			    "project"));
	const char	*tid = json_string_value(json_object_get(
			    json_object_get(jf, "issuetype"), "id"));
	char		 ckey[JTA_LIMIT_META_KEY + 1], when[JTA_TIME_STRLEN];
	char		 jt[40];
	json_t		*status = NULL, *issue = NULL, *f;
	int		 learnt = 0;
	enum jta_err	 rc;

	*out = NULL;
	snprintf(ckey, sizeof(ckey), "%s/%.64s", project != NULL ? project :
	    "", tid != NULL ? tid : "");
	if (project != NULL && tid != NULL)
		status = initial(be, mid, ckey, jf, &learnt);
	if (!learnt) {
		/* Read it back by key (search may not show it yet), and
		 * learn what Jira added. */
		if ((rc = get(be, who, key, out, err)) == JTA_OK &&
		    project != NULL && tid != NULL)
			learn(be, mid, ckey, jf, status, *out);
		json_decref(status);
		return rc;
	}
	jta_time_format(jta_time_now(), when);
	snprintf(jt, sizeof(jt), "%.19s.000+0000", when);
	rc = JTA_ERR_NOMEM;
	if ((issue = json_pack("{s:s, s:{s:O?, s:{s:O}, s:{s:O?}, s:{s:s}, "
	    "s:s, s:s, s:O?, s:{s:[], s:i}, s:{s:s}}}", "key", key,
	    "fields", "summary", json_object_get(jf, "summary"), "status",
	    "name", json_object_get(status, "name"), "issuetype", "name",
	    json_object_get(prepared, "type"), "reporter", "displayName",
	    mid->name, "created", jt, "updated", jt, "description",
	    json_object_get(jf, "description"), "comment", "comments",
	    "total", 0, "project", "key", project)) == NULL)
		goto out;
	f = json_object_get(issue, "fields");
	/* labels as sent (the create screen's "labels" or none). */
	v = json_object_get(jf, "labels");
	if (json_object_set_new(f, "labels", json_is_array(v) ?
	    json_deep_copy(v) : json_array()) != 0)
		goto out;
	/* The priority shown (sent), else the one Jira gives. */
	v = json_object_get(jf, "priority") != NULL ? json_object_get(
	    prepared, "priority") : json_object_get(status, "priority");
	if (json_is_string(v) && json_object_set_new(f, "priority",
	    json_pack("{s:O}", "name", v)) != 0)
		goto out;
	a = json_object_get(prepared, "assignee");
	if (json_is_string(json_object_get(a, "name")) &&
	    json_object_set_new(f, "assignee", json_pack("{s:O}",
	    "displayName", json_object_get(a, "name"))) != 0)
		goto out;
	if ((rc = jta_jira_issue(issue, mid->site_url, out, err)) != JTA_OK ||
	    (rc = jta_jira_backend_to_markdown(*out, "description", err)) !=
	    JTA_OK) {
		json_decref(*out);
		*out = NULL;
	}
out:
	json_decref(status);
	json_decref(issue);
	return rc;
}

/* POST prepared to /rest/api/3/issue once (with once as its entity
 * property) and answer the created issue. */
static enum jta_err
post(struct jta_backend *be, const struct jta_user *who,
    const struct jta_jira_meta_id *mid, const json_t *prepared,
    const char *once, json_t **out, struct jta_error *err)
{
	json_t		*body = NULL, *reply = NULL;
	const char	*key;
	char		 proj[JTA_LIMIT_PROJECT_KEY + 1];
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = jta_jira_backend_create_body(prepared, &body, err)) != JTA_OK)
		goto out;
	/* The token rides on the issue as an entity property, so that
	 * find_once can recognise the issue when this answer is lost. */
	if (once != NULL && (rc = jta_jira_once_property(body, once)) !=
	    JTA_OK)
		goto out;
	/* Never repeated: a second POST would make a second ticket.  An
	 * answer lost in flight (timeout, reset, 5xx) is JTA_ERR_UPSTREAM;
	 * jta_once then asks find_once instead of sending it again. */
	if ((rc = jta_jira_backend_call(be, who, "POST", "/issue", body, 0,
	    &reply, err)) != JTA_OK)
		goto out;
	key = json_string_value(json_object_get(reply, "key"));
	if (key == NULL || jta_text_parse_issue_key(key, strlen(key), proj,
	    sizeof(proj), &(int64_t){ 0 }) != 0) {
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    "Jira created the issue but did not say its key");
		goto out;
	}
	jta_info("created %s in jira", key);
	rc = created(be, who, mid, prepared, body, key, out, err);
out:
	json_decref(body);
	json_decref(reply);
	return rc;
}

static enum jta_err
create(struct jta_backend *be, const struct jta_user *who,
    const json_t *prepared, const char *once, json_t **out,
    struct jta_error *err)
{
	struct jta_jira_meta_id mid;
	struct jta_error e;
	json_t		*fresh = NULL, *was = NULL, *now = NULL;
	const json_t	*input = json_object_get(json_object_get(prepared,
			    "_ids"), "input");
	enum jta_err	 rc;

	*out = NULL;
	if (jta_jira_backend_sd_prepared(prepared))
		return jta_jira_backend_sd_create(be, who, prepared, once, out,
		    err);
	(void)jta_jira_meta_who(be, who, &mid);
	rc = post(be, who, &mid, prepared, once, out, err);
	/* Jira refused a field or a value by name (a 400 with "errors",
	 * jta_jira_error's 422): the create screen it was resolved
	 * against may be out of date.  Forget the project's cached
	 * screens (everyone's) and resolve the request once more against
	 * fresh ones; send it again, once, only when that changes what
	 * is sent and not what the person was shown (a value gone from
	 * the screen is then the fresh resolution's 422, naming it).  A
	 * 400 means Jira created nothing, so the second POST cannot make
	 * a second issue. */
	if (rc != JTA_ERR_INPUT || err == NULL || err->status != 422 ||
	    !json_is_object(input))
		return rc;
	jta_jira_meta_drop_project(be, &mid, json_string_value(
	    json_object_get(prepared, "project")));
	memset(&e, 0, sizeof(e));
	if (jta_jira_backend_prepare(be, who, input, &fresh, &e) != JTA_OK) {
		if (e.status == 422 || e.status == 404)
			*err = e;
		goto out;
	}
	if ((was = jta_backend_preview(prepared)) == NULL ||
	    (now = jta_backend_preview(fresh)) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if (!json_equal(was, now) || json_equal(json_object_get(
	    json_object_get(prepared, "_ids"), "fields"), json_object_get(
	    json_object_get(fresh, "_ids"), "fields")))
		goto out;
	jta_info("create refused for a field of a changed create screen; "
	    "sending it again resolved afresh");
	rc = post(be, who, &mid, fresh, once, out, err);
out:
	json_decref(fresh);
	json_decref(was);
	json_decref(now);
	return rc;
}

/*
 * Replace fields' assignee (our user name, an account id or an email, as
 * create takes them) by the account id of the person among those who can
 * be assigned key, in a copy.
 */
static enum jta_err
with_account(struct jta_backend *be, const struct jta_user *who,
    const char *key, const json_t *fields, json_t **copy,
    struct jta_error *err)
{
	const json_t	*a = json_object_get(fields, "assignee");
	char		 id[JTA_LIMIT_ACCOUNT_ID + 1];
	char		 scope[JTA_LIMIT_ISSUE_KEY + 16];
	enum jta_err	 rc;

	if ((*copy = json_deep_copy(fields)) == NULL)
		return JTA_ERR_NOMEM;
	if (!json_is_string(a))
		return JTA_OK;
	snprintf(scope, sizeof(scope), "issueKey=%s", key);
	if ((rc = person(be, who, scope, "assignee", "Assignee",
	    json_string_value(a), id, err)) != JTA_OK)
		return rc;
	return json_object_set_new(*copy, "assignee", json_string(id)) == 0 ?
	    JTA_OK : JTA_ERR_NOMEM;
}

static enum jta_err
update(struct jta_backend *be, const struct jta_user *who, const char *key,
    const json_t *fields, json_t **out, struct jta_error *err)
{
	json_t		*f = NULL, *adf = NULL, *body = NULL, *reply = NULL;
	char		 path[JTA_LIMIT_ISSUE_KEY + 16];
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = with_account(be, who, key, fields, &f, err)) != JTA_OK ||
	    (rc = jta_jira_backend_description(f, &adf, err)) != JTA_OK ||
	    (rc = jta_jira_edit_body(f, adf, &body, err)) != JTA_OK)
		goto out;
	snprintf(path, sizeof(path), "/issue/%s", key);
	/* PUT of the same fields: repeating it changes nothing more. */
	if ((rc = jta_jira_backend_call(be, who, "PUT", path, body, 1, &reply,
	    err)) != JTA_OK)
		goto out;
	rc = get(be, who, key, out, err);
out:
	json_decref(f);
	json_decref(adf);
	json_decref(body);
	json_decref(reply);
	return rc;
}

static enum jta_err
comment(struct jta_backend *be, const struct jta_user *who, const char *key,
    const char *text, json_t **out, struct jta_error *err)
{
	json_t		*adf = NULL, *body = NULL, *reply = NULL;
	char		 path[JTA_LIMIT_ISSUE_KEY + 16];
	char		 when[JTA_TIME_STRLEN];
	const char	*s, *id;
	int64_t		 t, n = 0;
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = jta_adf_from_markdown(text, strlen(text), "body", &adf,
	    err)) != JTA_OK)
		return rc;
	if ((body = jta_jira_comment_body(adf)) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	snprintf(path, sizeof(path), "/issue/%s/comment", key);
	if ((rc = jta_jira_backend_call(be, who, "POST", path, body, 0, &reply,
	    err)) != JTA_OK)
		goto out;
	/* The Comment Jira answers, in the store's shape. */
	s = json_string_value(json_object_get(reply, "created"));
	id = json_string_value(json_object_get(reply, "id"));
	if (s == NULL || jta_time_parse_jira(s, strlen(s), &t) != 0)
		t = jta_time_now();
	jta_time_format(t, when);
	if (id == NULL || jta_text_parse_uint(id, strlen(id), INT64_MAX,
	    (uint64_t *)&n) != 0)
		n = 0;
	s = json_string_value(json_object_get(json_object_get(reply,
	    "author"), "displayName"));
	if ((*out = json_pack("{s:o, s:s, s:O, s:s}", "id", n > 0 ?
	    json_integer(n) : json_null(), "author", s != NULL ? s :
	    who->display_name, "body", json_object_get(reply, "body") != NULL ?
	    json_object_get(reply, "body") : adf, "created", when)) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	rc = jta_jira_backend_to_markdown(*out, "body", err);
out:
	if (rc != JTA_OK) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(adf);
	json_decref(body);
	json_decref(reply);
	return rc;
}

/* GET .../transitions and, when status is not NULL, the issue's status. */
static enum jta_err
moves(struct jta_backend *be, const struct jta_user *who, const char *key,
    json_t **trans, char *status, size_t statussz, struct jta_error *err)
{
	json_t		*issue = NULL;
	char		 path[JTA_LIMIT_ISSUE_KEY + 32];
	const char	*s;
	enum jta_err	 rc;

	*trans = NULL;
	if (status != NULL) {
		snprintf(path, sizeof(path), "/issue/%s?fields=status", key);
		if ((rc = jta_jira_backend_call(be, who, "GET", path, NULL, 1,
		    &issue, err)) != JTA_OK)
			return rc;
		s = json_string_value(json_object_get(json_object_get(
		    json_object_get(issue, "fields"), "status"), "name"));
		snprintf(status, statussz, "%s", s != NULL ? s : "");
		json_decref(issue);
	}
	snprintf(path, sizeof(path), "/issue/%s/transitions", key);
	return jta_jira_backend_call(be, who, "GET", path, NULL, 1, trans, err);
}

static enum jta_err
transitions(struct jta_backend *be, const struct jta_user *who,
    const char *key, json_t **out, struct jta_error *err)
{
	json_t		*trans = NULL;
	char		 status[JTA_LIMIT_NAME + 1];
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = moves(be, who, key, &trans, status, sizeof(status), err)) ==
	    JTA_OK)
		rc = jta_jira_transitions(trans, key, status[0] ? status :
		    NULL, out, err);
	json_decref(trans);
	return rc;
}

static enum jta_err
transition(struct jta_backend *be, const struct jta_user *who,
    const char *key, const char *to, json_t **out, struct jta_error *err)
{
	json_t		*trans = NULL, *body = NULL, *reply = NULL;
	char		 path[JTA_LIMIT_ISSUE_KEY + 32];
	const char	*id;
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = moves(be, who, key, &trans, NULL, 0, err)) != JTA_OK ||
	    (rc = jta_jira_transition_id(trans, to, &id, NULL, err)) != JTA_OK)
		goto out;
	if ((body = jta_jira_transition_body(id)) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	snprintf(path, sizeof(path), "/issue/%s/transitions", key);
	if ((rc = jta_jira_backend_call(be, who, "POST", path, body, 0, &reply,
	    err)) != JTA_OK)
		goto out;
	rc = get(be, who, key, out, err);
out:
	json_decref(trans);
	json_decref(body);
	json_decref(reply);
	return rc;
}

/* Look up the people _ids.users lists, filling _ids.fields and the
 * preview; problems go to err's items. */
enum jta_err
jta_jira_backend_people(struct jta_backend *be, const struct jta_user *who,
    json_t *prep, struct jta_error *err)
{
	json_t		*ids = json_object_get(prep, "_ids");
	json_t		*jf = json_object_get(ids, "fields"), *acc, *shown;
	json_t		*found = NULL;
	const json_t	*u, *v;
	const char	*field, *id, *name;
	const char	*project = json_string_value(json_object_get(prep,
			    "project"));
	char		 scope[JTA_LIMIT_PROJECT_KEY + 16];
	size_t		 i, j;
	int		 multi, ok;
	enum jta_err	 rc = JTA_OK;

	snprintf(scope, sizeof(scope), "project=%s", project != NULL ?
	    project : "");
	json_array_foreach(json_object_get(ids, "users"), i, u) {
		field = json_string_value(json_object_get(u, "field"));
		id = json_string_value(json_object_get(u, "id"));
		name = json_string_value(json_object_get(u, "name"));
		multi = json_is_true(json_object_get(u, "multi"));
		if (field == NULL || id == NULL || name == NULL)
			continue;
		acc = json_array();
		shown = json_array();
		ok = acc != NULL && shown != NULL;
		json_array_foreach(json_object_get(u, "values"), j, v) {
			if (!ok || !json_is_string(v))
				continue;
			if ((rc = jta_jira_backend_lookup(be, who,
			    project != NULL ? scope : NULL, field, name,
			    json_string_value(v), &found, err)) != JTA_OK) {
				json_decref(acc);
				json_decref(shown);
				return rc;
			}
			if (found == NULL) {
				ok = 0;
				continue;
			}
			if (json_array_append_new(acc, json_pack("{s:O}",
			    "accountId", json_object_get(found, "id"))) != 0 ||
			    json_array_append(shown, found) != 0)
				rc = JTA_ERR_NOMEM;
			json_decref(found);
			found = NULL;
		}
		if (rc == JTA_OK && ok && json_object_set_new(jf, id, multi ?
		    json_incref(acc) : json_incref(json_array_get(acc, 0))) !=
		    0)
			rc = JTA_ERR_NOMEM;
		if (rc == JTA_OK && ok) {
			if (strcmp(field, "assignee") == 0)
				rc = json_object_set(prep, "assignee",
				    json_array_get(shown, 0)) == 0 ? JTA_OK :
				    JTA_ERR_NOMEM;
			else if (json_object_get(prep, "fields") != NULL)
				rc = json_object_set_new(json_object_get(prep,
				    "fields"), name, multi ?
				    json_incref(shown) : json_incref(
				    json_array_get(shown, 0))) == 0 ? JTA_OK :
				    JTA_ERR_NOMEM;
		}
		json_decref(acc);
		json_decref(shown);
		if (rc != JTA_OK)
			return rc;
	}
	json_object_del(ids, "users");
	return JTA_OK;
}

/* The parent must be an issue the person can see. */
static enum jta_err
parent(struct jta_backend *be, const struct jta_user *who, const char *key,
    struct jta_error *err)
{
	struct jta_error e;
	json_t		*reply = NULL;
	char		 path[JTA_LIMIT_ISSUE_KEY + 32];
	enum jta_err	 rc;

	snprintf(path, sizeof(path), "/issue/%s?fields=issuetype", key);
	rc = jta_jira_backend_call(be, who, "GET", path, NULL, 1, &reply, &e);
	json_decref(reply);
	if (rc == JTA_ERR_NOTFOUND) {
		if (jta_error_add(err, "parent", "is not an issue you can see")
		    == 0)
			(void)jta_error_ask_about(err, JTA_ASK_ISSUE);
		return JTA_OK;
	}
	if (rc != JTA_OK && err != NULL)
		*err = e;
	return rc;
}

/* Add the problem of a missing or unknown project (key NULL: missing)
 * to err, with the keys of the projects the person can see as the
 * allowed values. */
static enum jta_err
askproject(struct jta_backend *be, const struct jta_user *who,
    const char *key, struct jta_error *err)
{
	json_t		*list = NULL;
	const json_t	*p;
	size_t		 i;
	enum jta_err	 rc;

	if ((rc = jta_jira_backend_projects(be, who, &list, err)) != JTA_OK)
		return rc;
	jta_error_begin(err);
	if (jta_error_add(err, "project", key == NULL ? "is required" :
	    "is not a project you can create issues in") == 0) {
		(void)jta_error_name(err, "Project");
		json_array_foreach(json_object_get(list, "projects"), i, p)
			if (jta_error_allow(err, json_string_value(
			    json_object_get(p, "key"))) != 0)
				break;
		(void)jta_error_ask_about(err, JTA_ASK_ONE);
	}
	json_decref(list);
	return JTA_OK;
}

/* The prepare operation of jta_backend.h, on Jira's create screens. */
enum jta_err
jta_jira_backend_prepare(struct jta_backend *be, const struct jta_user *who,
    const json_t *input, json_t **prepared, struct jta_error *err)
{
	struct jta_jira_meta_id mid;
	json_t		*types = NULL, *names = NULL, *mf = NULL;
	const json_t	*t = NULL;
	const char	*project = json_string_value(json_object_get(input,
			    "project"));
	const char	*type = json_string_value(json_object_get(input,
			    "type"));
	const char	*par = json_string_value(json_object_get(input,
			    "parent"));
	size_t		 i;
	const json_t	*v;
	enum jta_err	 rc;

	*prepared = NULL;
	/* A request type: a request in the project's service desk. */
	if (json_object_get(input, "request_type") != NULL)
		return jta_jira_backend_sd_prepare(be, who, input, prepared,
		    err);
	if (json_object_get(input, "on_behalf_of") != NULL ||
	    json_object_get(input, "participants") != NULL)
		return jta_error_set(err, JTA_ERR_INPUT, 422,
		    json_object_get(input, "on_behalf_of") != NULL ?
		    "on_behalf_of" : "participants",
		    "is for raising a service-desk request: give its "
		    "request_type");
	(void)jta_jira_meta_who(be, who, &mid);
	rc = project == NULL ? JTA_ERR_NOTFOUND : jta_jira_backend_meta(be,
	    who, &mid, project, type, &types, &t, &names, &mf, err);
	if (rc != JTA_OK) {
		/* Without the project or type there is no create screen to
		 * check the rest against; ask for what is known missing,
		 * all at once. */
		if (rc == JTA_ERR_NOTFOUND) {
			if ((rc = askproject(be, who, project, err)) != JTA_OK)
				goto out;
		} else if (rc == JTA_ERR_INPUT && t == NULL && names != NULL &&
		    type != NULL) {
			/* An unknown type: one problem, with the types. */
			jta_error_begin(err);
			if (jta_error_add(err, "type", "is not an issue type "
			    "of this project") == 0) {
				json_array_foreach(names, i, v)
					if (jta_error_allow(err,
					    json_string_value(v)) != 0)
						break;
				(void)jta_error_ask_about(err, JTA_ASK_ONE);
			}
		} else
			goto out;
		if (json_object_get(input, "summary") == NULL &&
		    jta_error_add(err, "summary", "is required") == 0) {
			(void)jta_error_name(err, "Summary");
			(void)jta_error_ask_about(err, JTA_ASK_TEXT);
		}
		rc = jta_error_collected(err);
		goto out;
	}
	jta_error_begin(err);
	if ((rc = jta_jira_resolve(input, t, mf, prepared, err)) != JTA_OK ||
	    (rc = jta_jira_backend_people(be, who, *prepared, err)) != JTA_OK ||
	    (par != NULL && (rc = parent(be, who, par, err)) != JTA_OK))
		goto out;
	rc = jta_error_collected(err);
	/* The request itself rides along (never shown: "_" members are
	 * the backend's), so that a create Jira refuses for a field the
	 * cached create screen still had is resolved again, once, against
	 * a fresh one (create, below). */
	if (rc == JTA_OK && json_object_set_new(json_object_get(*prepared,
	    "_ids"), "input", json_deep_copy(input)) != 0)
		rc = JTA_ERR_NOMEM;
out:
	if (rc != JTA_OK) {
		json_decref(*prepared);
		*prepared = NULL;
	}
	json_decref(types);
	json_decref(names);
	json_decref(mf);
	return rc;
}

/*
 * A create whose answer was lost: look for the issue carrying once among
 * the person's newest issues of the project (JQL, newest first, at most
 * JTA_JIRA_ONCE_CANDIDATES), reading each one's jta.once property.  The
 * property cannot be searched with JQL by a 3LO app (see jta_jira.h).
 * Jira's search index lags a create by some seconds, so NOTFOUND means
 * "not found yet"; jta_once waits JTA_JIRA_ONCE_WINDOW before it sends
 * the create again.
 */
static enum jta_err
find_once(struct jta_backend *be, const struct jta_user *who,
    const json_t *prepared, const char *once, int64_t since, json_t **out,
    struct jta_error *err)
{
	json_t		*body = NULL, *reply = NULL, *prop = NULL, *iss;
	char		 jql[256], path[JTA_LIMIT_ISSUE_KEY + 64];
	const char	*key;
	size_t		 i;
	enum jta_err	 rc;

	*out = NULL;
	if (jta_jira_backend_sd_prepared(prepared))
		return jta_jira_backend_sd_find_once(be, who, prepared, once,
		    since, out, err);
	if (jta_jira_once_jql(json_string_value(json_object_get(prepared,
	    "project")), since, jta_time_now(), jql, sizeof(jql)) != 0)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the issue to find has no project");
	if ((body = jta_jira_search_body(jql, JTA_JIRA_ONCE_CANDIDATES,
	    NULL)) == NULL)
		return JTA_ERR_NOMEM;
	if ((rc = jta_jira_backend_call(be, who, "POST", "/search/jql", body, 1,
	    &reply, err)) != JTA_OK)
		goto out;
	rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
	    "no issue carries this submit's token yet");
	json_array_foreach(json_object_get(reply, "issues"), i, iss) {
		if (i >= JTA_JIRA_ONCE_CANDIDATES)
			break;
		key = json_string_value(json_object_get(iss, "key"));
		if (key == NULL || jta_text_parse_issue_key(key, strlen(key),
		    path, sizeof(path), &(int64_t){ 0 }) != 0)
			continue;
		snprintf(path, sizeof(path), "/issue/%s/properties/"
		    JTA_JIRA_ONCE_PROPERTY, key);
		json_decref(prop);
		prop = NULL;
		rc = jta_jira_backend_call(be, who, "GET", path, NULL, 1, &prop,
		    err);
		if (rc == JTA_ERR_NOTFOUND)	/* no such property */
			continue;
		if (rc != JTA_OK)
			goto out;
		rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "no issue carries this submit's token yet");
		if (jta_jira_once_match(prop, once)) {
			jta_info("found %s, created by a submit whose answer "
			    "was lost", key);
			rc = get(be, who, key, out, err);
			goto out;
		}
	}
out:
	json_decref(body);
	json_decref(reply);
	json_decref(prop);
	return rc;
}

/*
 * GET /api/similar as the person: a search with their own token, so Jira
 * shows only what they may browse.  More issues are read than shown
 * (JTA_LIMIT_SIMILAR_FETCH) and ranked by the share of terms in each
 * summary, labels and components (Jira's order breaks ties).
 */
static enum jta_err
similar(struct jta_backend *be, const struct jta_user *who,
    const char *text, const char *project, size_t limit, json_t **out,
    struct jta_error *err)
{
	struct jta_suggest_terms terms;
	struct jta_link	 link;
	char		 jql[JTA_LIMIT_JQL + 1];
	json_t		*body = NULL, *reply = NULL, *list = NULL, *sugg = NULL;
	enum jta_err	 rc;

	*out = NULL;
	if (limit == 0 || limit > JTA_LIMIT_SIMILAR_MAX)
		limit = JTA_LIMIT_SIMILAR_DEFAULT;
	if ((rc = jta_jira_jql_similar(text, project, &terms, jql, sizeof(jql),
	    err)) != JTA_OK)
		return rc;
	if ((body = jta_jira_similar_body(jql, JTA_LIMIT_SIMILAR_FETCH)) ==
	    NULL)
		return JTA_ERR_NOMEM;
	/* A search changes nothing: safe to repeat. */
	if ((rc = call_as(be, who, &link, API3, "POST", "/search/jql", body, 1,
	    &reply, err)) != JTA_OK ||
	    (rc = jta_jira_similar_result(reply, link.site_url, &terms,
	    limit, &list, err)) != JTA_OK ||
	    (rc = jta_suggest_make(list, &sugg)) != JTA_OK)
		goto out;
	if ((*out = json_pack("{s:O, s:O}", "similar", list, "suggestion",
	    sugg)) == NULL)
		rc = JTA_ERR_NOMEM;
out:
	json_decref(body);
	json_decref(reply);
	json_decref(list);
	json_decref(sugg);
	return rc;
}

const struct jta_backend_ops jta_jira_ops = {
	.name = "jira",
	.search = search,
	.get = get,
	.create = create,
	.update = update,
	.comment = comment,
	.attach = jta_jira_backend_attach,
	.attachment_text = jta_jira_backend_attachment_text,
	.transitions = transitions,
	.transition = transition,
	.projects = jta_jira_backend_projects,
	.me = jta_jira_backend_me,
	.fields = jta_jira_backend_fields,
	.prepare = jta_jira_backend_prepare,
	.find_once = find_once,
	.once_window = JTA_JIRA_ONCE_WINDOW,
	.similar = similar,
	.users = jta_jira_backend_users,
	.groups = jta_jira_backend_groups,
	.tk_list = jta_jira_backend_tk_list,
	.tk_get = jta_jira_backend_tk_get,
	.tk_create = jta_jira_backend_tk_create,
	.tk_update = jta_jira_backend_tk_update,
	.tk_delete = jta_jira_backend_tk_delete,
	.sd_desks = jta_jira_backend_sd_desks,
	.sd_fields = jta_jira_backend_sd_fields,
	.sd_requests = jta_jira_backend_sd_requests,
	.sd_request = jta_jira_backend_sd_request,
	.sd_comment = jta_jira_backend_sd_comment,
	.sd_transitions = jta_jira_backend_sd_transitions,
	.sd_transition = jta_jira_backend_sd_transition,
	.sd_decide = jta_jira_backend_sd_decide,
	.sd_attach = jta_jira_backend_sd_attach,
	.sd_suggest = jta_jira_backend_sd_suggest,
	.knowledge = jta_jira_backend_knowledge,
	.article = jta_jira_backend_article,
	.helped = jta_jira_backend_helped,
	.linked = jta_jira_backend_linked,
};
