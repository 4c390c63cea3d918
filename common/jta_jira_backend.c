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
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_adf.h"
#include "jta_backend.h"
#include "jta_http.h"
#include "jta_jira.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_req.h"
#include "jta_time.h"

/* The fields a full issue needs (GET /rest/api/3/issue/{key}). */
#define ISSUE_FIELDS	"summary,status,issuetype,priority,assignee," \
			"reporter,created,updated,labels,description,comment," \
			"project"
/* Without any filter, search the tickets updated in this many days:
 * Jira's enhanced search refuses unbounded JQL. */
#define DEFAULT_DAYS	365
/* Pages of projects read for /api/projects (50 each). */
#define PROJECT_PAGES	10

/*
 * Call Jira as who: method on /rest/api/3 + path with an optional JSON
 * body.  *reply is the parsed answer (NULL for an empty one); an answer
 * that is not 2xx becomes the matching error through jta_jira_error.
 * *linkp (when not NULL) gets the person's link (site, cloud id).
 */
static enum jta_err
call_as(struct jta_backend *be, const struct jta_user *who,
    struct jta_link *linkp, const char *method, const char *path,
    const json_t *body, int repeatable, json_t **reply, struct jta_error *err)
{
	struct jta_link	 link;
	struct jta_secret *token = NULL;
	struct jta_http_req rq;
	struct jta_http_resp rs;
	json_error_t	 je;
	char		 url[JTA_CONF_URL_MAX + JTA_LIMIT_CLOUD_ID + 1024];
	char		*text = NULL;
	enum jta_err	 rc;
	int		 n, tries, refreshed = 0;

	*reply = NULL;
	memset(&rs, 0, sizeof(rs));
	memset(&link, 0, sizeof(link));
	if ((rc = jta_oauth_access(be->oauth, who, 0, &link, &token, NULL,
	    err)) != JTA_OK)
		return rc;
	n = snprintf(url, sizeof(url), "%s/ex/jira/%s/rest/api/3%s",
	    be->conf->atlassian_api_url, link.cloud_id, path);
	if (n < 0 || (size_t)n >= sizeof(url)) {
		rc = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "a Jira address did not fit");
		goto out;
	}
	if (body != NULL && (text = json_dumps(body, JSON_COMPACT)) == NULL) {
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
	if (rs.len > 0 && (*reply = json_loadb(rs.body, rs.len,
	    JSON_REJECT_DUPLICATES, &je)) == NULL && rs.status / 100 == 2) {
		jta_log(JTA_LOG_WARN, "jira answered %s %s with JSON we cannot "
		    "read (line %d)", method, path, je.line);
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    "Jira gave an answer we cannot read");
		goto out;
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
			    "/oauth/start to sign in again");
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

/* call_as for callers that need not know the link. */
static enum jta_err
call(struct jta_backend *be, const struct jta_user *who, const char *method,
    const char *path, const json_t *body, int repeatable, json_t **reply,
    struct jta_error *err)
{
	return call_as(be, who, NULL, method, path, body, repeatable, reply,
	    err);
}

/* Replace the ADF value of member name of o by its Markdown. */
static enum jta_err
to_markdown(json_t *o, const char *name, struct jta_error *err)
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
	json_t		*reply = NULL, *c;
	char		 path[JTA_LIMIT_ISSUE_KEY + 128];
	size_t		 i;
	enum jta_err	 rc;

	*out = NULL;
	snprintf(path, sizeof(path), "/issue/%s?fields=%s", key,
	    ISSUE_FIELDS);
	if ((rc = call(be, who, "GET", path, NULL, 1, &reply, err)) != JTA_OK)
		return rc;
	if ((rc = jta_jira_issue(reply, be->conf->public_url, out, err)) !=
	    JTA_OK)
		goto out;
	if ((rc = to_markdown(*out, "description", err)) != JTA_OK)
		goto out;
	json_array_foreach(json_object_get(*out, "comments"), i, c)
		if ((rc = to_markdown(c, "body", err)) != JTA_OK)
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
 * Our user name (assignee, reporter filters and fields) to an account id:
 * the person themselves, or another person of this service who linked
 * their account.  Others are 422: Jira knows no local user names.
 */
static enum jta_err
account(struct jta_backend *be, const char *name, const char *field,
    char id[JTA_LIMIT_ACCOUNT_ID + 1], struct jta_error *err)
{
	struct jta_user	 u;
	struct jta_link	 link;
	struct jta_secret *tok = NULL;
	struct jta_error e;

	if (jta_store_user_get(be->store, name, &u, &e) != JTA_OK ||
	    jta_store_link_get(be->store, be->oauth->vault, u.id, &link, &tok,
	    &e) != JTA_OK) {
		jta_secret_free(tok);
		return jta_error_set(err, JTA_ERR_INPUT, 422, field,
		    "%s must be a person who signed in to this service (their "
		    "user name, as /api/me shows it)", field);
	}
	jta_secret_free(tok);
	snprintf(id, JTA_LIMIT_ACCOUNT_ID + 1, "%s", link.account_id);
	return JTA_OK;
}

static enum jta_err
search(struct jta_backend *be, const struct jta_user *who,
    const struct jta_search *q, json_t **out, struct jta_error *err)
{
	struct jta_search qq = *q;
	char		 jql[JTA_LIMIT_JQL + 1];
	char		 asg[JTA_LIMIT_ACCOUNT_ID + 1];
	char		 rep[JTA_LIMIT_ACCOUNT_ID + 1];
	json_t		*body = NULL, *reply = NULL;
	enum jta_err	 rc;

	*out = NULL;
	if (qq.assignee != NULL) {
		if (strcmp(qq.assignee, who->name) == 0)
			qq.assignee = jta_jira_current_user;
		else if ((rc = account(be, qq.assignee, "assignee", asg,
		    err)) != JTA_OK)
			return rc;
		else
			qq.assignee = asg;
	}
	if (qq.reporter != NULL) {
		if (strcmp(qq.reporter, who->name) == 0)
			qq.reporter = jta_jira_current_user;
		else if ((rc = account(be, qq.reporter, "reporter", rep,
		    err)) != JTA_OK)
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
	/* A search changes nothing: safe to repeat. */
	if ((rc = call(be, who, "POST", "/search/jql", body, 1, &reply,
	    err)) == JTA_OK)
		rc = jta_jira_search_result(reply, be->conf->public_url, out,
		    err);
	json_decref(body);
	json_decref(reply);
	return rc;
}

/* The first issue type of project (what the store does without "type"). */
static enum jta_err
first_type(struct jta_backend *be, const struct jta_user *who,
    const char *project, char *type, size_t typesz, struct jta_error *err)
{
	json_t		*reply = NULL, *types = NULL;
	char		 path[64];
	enum jta_err	 rc;

	snprintf(path, sizeof(path), "/issue/createmeta/%s/issuetypes",
	    project);
	if ((rc = call(be, who, "GET", path, NULL, 1, &reply, err)) != JTA_OK)
		goto out;
	if ((rc = jta_jira_types(reply, &types, err)) != JTA_OK)
		goto out;
	if (json_array_size(types) == 0) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, "type",
		    "project %s has no issue type you may create", project);
		goto out;
	}
	snprintf(type, typesz, "%s", json_string_value(json_array_get(types,
	    0)));
out:
	json_decref(reply);
	json_decref(types);
	return rc;
}

/* Description (Markdown, in fields) to ADF; *adf NULL when absent. */
static enum jta_err
description(const json_t *fields, json_t **adf, struct jta_error *err)
{
	const json_t	*d = json_object_get(fields, "description");

	*adf = NULL;
	if (d == NULL || json_is_null(d))
		return JTA_OK;
	return jta_adf_from_markdown(json_string_value(d),
	    json_string_length(d), "description", adf, err);
}

/* Replace fields' assignee user name by its account id, in a copy. */
static enum jta_err
with_account(struct jta_backend *be, const json_t *fields, json_t **copy,
    struct jta_error *err)
{
	const json_t	*a = json_object_get(fields, "assignee");
	char		 id[JTA_LIMIT_ACCOUNT_ID + 1];
	enum jta_err	 rc;

	if ((*copy = json_deep_copy(fields)) == NULL)
		return JTA_ERR_NOMEM;
	if (!json_is_string(a))
		return JTA_OK;
	if ((rc = account(be, json_string_value(a), "assignee", id,
	    err)) != JTA_OK)
		return rc;
	return json_object_set_new(*copy, "assignee", json_string(id)) == 0 ?
	    JTA_OK : JTA_ERR_NOMEM;
}

static enum jta_err
create(struct jta_backend *be, const struct jta_user *who,
    const json_t *fields, json_t **out, struct jta_error *err)
{
	json_t		*f = NULL, *adf = NULL, *body = NULL, *reply = NULL;
	const char	*key;
	char		 type[JTA_LIMIT_NAME + 1];
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = with_account(be, fields, &f, err)) != JTA_OK)
		goto out;
	if (json_object_get(f, "type") == NULL) {
		if ((rc = first_type(be, who, json_string_value(
		    json_object_get(f, "project")), type, sizeof(type), err)) !=
		    JTA_OK)
			goto out;
		if (json_object_set_new(f, "type", json_string(type)) != 0) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
	}
	if ((rc = description(f, &adf, err)) != JTA_OK ||
	    (rc = jta_jira_create_body(f, adf, &body, err)) != JTA_OK)
		goto out;
	/* Never repeated: a second POST would make a second ticket. */
	if ((rc = call(be, who, "POST", "/issue", body, 0, &reply, err)) !=
	    JTA_OK)
		goto out;
	key = json_string_value(json_object_get(reply, "key"));
	if (key == NULL || jta_req_parse_issue_key(key, strlen(key), type,
	    sizeof(type), &(int64_t){ 0 }) != 0) {
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    "Jira created the issue but did not say its key");
		goto out;
	}
	jta_info("created %s in jira", key);
	/* Read it back by key (search may not show it yet). */
	rc = get(be, who, key, out, err);
out:
	json_decref(f);
	json_decref(adf);
	json_decref(body);
	json_decref(reply);
	return rc;
}

static enum jta_err
update(struct jta_backend *be, const struct jta_user *who, const char *key,
    const json_t *fields, json_t **out, struct jta_error *err)
{
	json_t		*f = NULL, *adf = NULL, *body = NULL, *reply = NULL;
	char		 path[JTA_LIMIT_ISSUE_KEY + 16];
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = with_account(be, fields, &f, err)) != JTA_OK ||
	    (rc = description(f, &adf, err)) != JTA_OK ||
	    (rc = jta_jira_edit_body(f, adf, &body, err)) != JTA_OK)
		goto out;
	snprintf(path, sizeof(path), "/issue/%s", key);
	/* PUT of the same fields: repeating it changes nothing more. */
	if ((rc = call(be, who, "PUT", path, body, 1, &reply, err)) != JTA_OK)
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
	if ((rc = call(be, who, "POST", path, body, 0, &reply, err)) !=
	    JTA_OK)
		goto out;
	/* The Comment Jira answers, in the store's shape. */
	s = json_string_value(json_object_get(reply, "created"));
	id = json_string_value(json_object_get(reply, "id"));
	if (s == NULL || jta_time_parse_jira(s, strlen(s), &t) != 0)
		t = jta_time_now();
	jta_time_format(t, when);
	if (id == NULL || jta_req_parse_uint(id, strlen(id), INT64_MAX,
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
	rc = to_markdown(*out, "body", err);
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
		if ((rc = call(be, who, "GET", path, NULL, 1, &issue, err)) !=
		    JTA_OK)
			return rc;
		s = json_string_value(json_object_get(json_object_get(
		    json_object_get(issue, "fields"), "status"), "name"));
		snprintf(status, statussz, "%s", s != NULL ? s : "");
		json_decref(issue);
	}
	snprintf(path, sizeof(path), "/issue/%s/transitions", key);
	return call(be, who, "GET", path, NULL, 1, trans, err);
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
	if ((rc = call(be, who, "POST", path, body, 0, &reply, err)) !=
	    JTA_OK)
		goto out;
	rc = get(be, who, key, out, err);
out:
	json_decref(trans);
	json_decref(body);
	json_decref(reply);
	return rc;
}

static enum jta_err
projects(struct jta_backend *be, const struct jta_user *who, json_t **out,
    struct jta_error *err)
{
	json_t		*all = NULL, *page = NULL, *prio = NULL, *p;
	char		 path[128];
	size_t		 i, start = 0, pages;
	enum jta_err	 rc;

	*out = NULL;
	if ((all = json_pack("{s:[]}", "values")) == NULL)
		return JTA_ERR_NOMEM;
	for (pages = 0; pages < PROJECT_PAGES; pages++) {
		snprintf(path, sizeof(path), "/project/search?expand="
		    "issueTypes&maxResults=50&startAt=%zu", start);
		if ((rc = call(be, who, "GET", path, NULL, 1, &page, err)) !=
		    JTA_OK)
			goto out;
		json_array_foreach(json_object_get(page, "values"), i, p)
			if (json_array_append(json_object_get(all, "values"),
			    p) != 0) {
				rc = JTA_ERR_NOMEM;
				goto out;
			}
		if (json_is_true(json_object_get(page, "isLast")) ||
		    json_array_size(json_object_get(page, "values")) == 0)
			break;
		start += json_array_size(json_object_get(page, "values"));
		json_decref(page);
		page = NULL;
	}
	if ((rc = call(be, who, "GET", "/priority/search?maxResults=50", NULL,
	    1, &prio, err)) != JTA_OK)
		goto out;
	rc = jta_jira_projects(all, prio, out, err);
out:
	json_decref(all);
	json_decref(page);
	json_decref(prio);
	return rc;
}

static enum jta_err
me(struct jta_backend *be, const struct jta_user *who, json_t **out,
    struct jta_error *err)
{
	json_t		*reply = NULL;
	struct jta_link	 link;
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = call_as(be, who, &link, "GET", "/myself", NULL, 1, &reply,
	    err)) != JTA_OK)
		return rc;
	if ((rc = jta_jira_me(reply, link.site_url, out, err)) == JTA_OK) {
		/* "name" is the user name the filters take, as with the
		 * embedded store; Jira's own id rides along. */
		if (json_object_set(*out, "account_id", json_object_get(*out,
		    "name")) != 0 || json_object_set_new(*out, "name",
		    json_string(who->name)) != 0)
			rc = JTA_ERR_NOMEM;
	}
	json_decref(reply);
	return rc;
}

/*
 * who's Jira groups, for the access rules by group: GET
 * /rest/api/3/user/groups?accountId= (Jira platform REST v3, "Get user
 * groups"; scope read:jira-user, and the person needs the Browse users
 * and groups global permission, else Jira answers 403).  *out is a new
 * array of the group names; at most JTA_LIMIT_POLICY_GROUPS, each a
 * non-empty string of at most JTA_LIMIT_POLICY_GROUP bytes, or the
 * answer is refused (502): a list cut short could hide a denied group.
 */
static enum jta_err
groups(struct jta_backend *be, const struct jta_user *who, json_t **out,
    struct jta_error *err)
{
	struct jta_link	 link;
	json_t		*reply = NULL, *names = NULL, *g;
	const char	*name;
	char		 path[64 + 3 * JTA_LIMIT_ACCOUNT_ID];
	char		 enc[3 * JTA_LIMIT_ACCOUNT_ID + 1];
	enum jta_err	 rc;
	size_t		 i;

	*out = NULL;
	memset(&link, 0, sizeof(link));
	if ((rc = jta_store_link_identity(be->store, who->id, &link, err)) !=
	    JTA_OK)
		return rc;
	if (jta_http_urlencode(link.account_id, strlen(link.account_id), enc,
	    sizeof(enc)) != 0)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "an account id did not fit");
	snprintf(path, sizeof(path), "/user/groups?accountId=%s", enc);
	if ((rc = call(be, who, "GET", path, NULL, 1, &reply, err)) != JTA_OK)
		goto out;
	if (!json_is_array(reply) ||
	    json_array_size(reply) > JTA_LIMIT_POLICY_GROUPS) {
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, "group",
		    "Jira's list of your groups is not one we can read");
		goto out;
	}
	if ((names = json_array()) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	json_array_foreach(reply, i, g) {
		name = json_string_value(json_object_get(g, "name"));
		if (name == NULL || name[0] == '\0' ||
		    strlen(name) > JTA_LIMIT_POLICY_GROUP) {
			rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, "group",
			    "Jira's list of your groups is not one we can "
			    "read");
			goto out;
		}
		if (json_array_append_new(names, json_string(name)) != 0) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
	}
	*out = names;
	names = NULL;
	rc = JTA_OK;
out:
	json_decref(names);
	json_decref(reply);
	return rc;
}

const struct jta_backend_ops jta_jira_ops = {
	.name = "jira",
	.search = search,
	.get = get,
	.create = create,
	.update = update,
	.comment = comment,
	.transitions = transitions,
	.transition = transition,
	.projects = projects,
	.me = me,
	.groups = groups,
};
