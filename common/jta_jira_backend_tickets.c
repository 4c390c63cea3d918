/*
 * The Jira Cloud backend's basic ticketing API (/api/tickets/): the tk_
 * operations of jta_backend.h over the issues of conf->default_project,
 * each ticket's id being its issue's numeric id.  Part of the backend
 * with jta_jira_backend.c, which holds the operations table
 * (jta_jira_ops) and the Jira calls these use (jta_jira_backend_int.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jta_backend.h"
#include "jta_files.h"
#include "jta_jira.h"
#include "jta_jira_backend_int.h"
#include "jta_jira_sd.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_text.h"

/* ---- /api/tickets/ over the issues of default_project ---- */

/* The fields a ticket is made of (jta_jira_tk_ticket). */
#define TK_FIELDS	"summary,description,created,status,project"

/* The ticket API's answer for an id that is no ticket of ours. */
static enum jta_err
tk_notfound(int64_t id, struct jta_error *err)
{
	return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
	    "Ticket with id '%" PRId64 "' was not found.", id);
}

/* Jira's field names in an error, in the ticket API's (summary is title). */
static enum jta_err
tk_fieldnames(enum jta_err rc, struct jta_error *err)
{
	if (rc != JTA_OK && err != NULL && strcmp(err->field, "summary") == 0)
		snprintf(err->field, sizeof(err->field), "title");
	return rc;
}

/* Refuse CLOSED (Jira has no status category for it) before any write. */
static enum jta_err
tk_closed(const char *res, struct jta_error *err)
{
	if (res == NULL || strcmp(res, "CLOSED") != 0)
		return JTA_OK;
	return jta_error_set(err, JTA_ERR_INPUT, 400, "resolution_status",
	    "This service files tickets in Jira, whose status categories "
	    "tell only done (RESOLVED) from not done (OPEN): CLOSED cannot "
	    "be set. Use RESOLVED.");
}

/* GET issue id as a raw IssueBean, only when it belongs to
 * default_project: any other (or none) is the ticket API's 404. */
static enum jta_err
tk_read(struct jta_backend *be, const struct jta_user *who, int64_t id,
    json_t **issue, struct jta_error *err)
{
	char		 path[64 + sizeof(TK_FIELDS)];
	const char	*proj;
	enum jta_err	 rc;

	snprintf(path, sizeof(path), "/issue/%" PRId64 "?fields=%s", id,
	    TK_FIELDS);
	if ((rc = jta_jira_backend_call(be, who, "GET", path, NULL, 1, issue,
	    err)) != JTA_OK)
		return rc == JTA_ERR_NOTFOUND ? tk_notfound(id, err) : rc;
	proj = json_string_value(json_object_get(json_object_get(
	    json_object_get(*issue, "fields"), "project"), "key"));
	if (proj == NULL || strcasecmp(proj, be->conf->default_project) != 0) {
		json_decref(*issue);
		*issue = NULL;
		return tk_notfound(id, err);
	}
	return JTA_OK;
}

/* An IssueBean as a ticket: the description in Markdown ("" when none). */
static enum jta_err
tk_ticket(const json_t *issue, json_t **out, struct jta_error *err)
{
	const char	*proj;
	enum jta_err	 rc;

	if ((rc = jta_jira_tk_ticket(issue, out, &proj, err)) != JTA_OK)
		return rc;
	if (json_is_null(json_object_get(*out, "description")))
		rc = json_object_set_new(*out, "description",
		    json_string("")) == 0 ? JTA_OK : JTA_ERR_NOMEM;
	else
		rc = jta_jira_backend_to_markdown(*out, "description", err);
	if (rc != JTA_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* The tk_get operation of jta_backend.h. */
enum jta_err
jta_jira_backend_tk_get(struct jta_backend *be, const struct jta_user *who,
    int64_t id, json_t **out, struct jta_error *err)
{
	json_t		*issue = NULL;
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = tk_read(be, who, id, &issue, err)) == JTA_OK)
		rc = tk_ticket(issue, out, err);
	json_decref(issue);
	return rc;
}

/* The refusal of a filter matching more than the count reads. */
static enum jta_err
tk_toomany(struct jta_error *err)
{
	return jta_error_set(err, JTA_ERR_INPUT, 400, NULL,
	    "These filters match more than %d Jira issues, and Jira's search "
	    "gives no exact count beyond what this service reads: narrow them "
	    "(search, created__gte, resolution_status).",
	    JTA_LIMIT_TK_JIRA_COUNT);
}

/*
 * Every id matching jql, in its order, into *ids: Jira's search has no
 * exact count (approximate-count is an estimate), so the ids are read,
 * id-only pages being the cheapest Jira serves.  More than
 * JTA_LIMIT_TK_JIRA_COUNT is refused (400).
 */
static enum jta_err
tk_allids(struct jta_backend *be, const struct jta_user *who,
    const char *jql, json_t **ids, struct jta_error *err)
{
	json_t		*body = NULL, *reply = NULL;
	const char	*next;
	char		 tok[JTA_LIMIT_CURSOR + 1];
	size_t		 pages;
	enum jta_err	 rc;

	tok[0] = '\0';
	if ((*ids = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	for (pages = 0; ; pages++) {
		if (pages == JTA_LIMIT_TK_JIRA_PAGES) {
			rc = tk_toomany(err);
			goto out;
		}
		if ((body = json_pack("{s:s, s:[s], s:i}", "jql", jql,
		    "fields", "id", "maxResults", JTA_LIMIT_TK_JIRA_COUNT)) ==
		    NULL || (tok[0] != '\0' && json_object_set_new(body,
		    "nextPageToken", json_string(tok)) != 0)) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
		/* A search changes nothing: safe to repeat. */
		if ((rc = jta_jira_backend_call(be, who, "POST", "/search/jql",
		    body, 1, &reply, err)) != JTA_OK ||
		    (rc = jta_jira_tk_ids(reply, *ids, &next, err)) != JTA_OK)
			goto out;
		if (json_array_size(*ids) > JTA_LIMIT_TK_JIRA_COUNT) {
			rc = tk_toomany(err);
			goto out;
		}
		if (next == NULL)
			break;
		/* jta_jira_cursorof checked its length: it fits. */
		snprintf(tok, sizeof(tok), "%s", next);
		json_decref(body);
		json_decref(reply);
		body = reply = NULL;
	}
	rc = JTA_OK;
out:
	if (rc != JTA_OK) {
		json_decref(*ids);
		*ids = NULL;
	}
	json_decref(body);
	json_decref(reply);
	return rc;
}

/* The tk_list operation of jta_backend.h. */
enum jta_err
jta_jira_backend_tk_list(struct jta_backend *be, const struct jta_user *who,
    const struct jta_tk_query *q, json_t **out, struct jta_error *err)
{
	struct jta_tk_query pq;
	char		 jql[JTA_LIMIT_JQL + 1];
	json_t		*ids = NULL, *slice = NULL, *body = NULL;
	json_t		*reply = NULL, *results = NULL, *t;
	const json_t	*issues, *it, *want;
	const char	*sid;
	char		 num[32];
	size_t		 off, n, i, j;
	int		 none;
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = jta_jira_tk_jql(q, be->conf->default_project, jql,
	    sizeof(jql), &none, err)) != JTA_OK)
		return rc;
	if ((results = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	if (none) {
		n = 0;
		goto answer;
	}
	if ((rc = tk_allids(be, who, jql, &ids, err)) != JTA_OK)
		goto out;
	n = json_array_size(ids);
	off = (size_t)(q->page - 1) * (size_t)q->page_size;
	if (off >= n)
		goto answer;
	/* The page: its issues by id, put back in the order of the count. */
	if ((slice = json_array()) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	for (i = off; i < n && i < off + (size_t)q->page_size; i++)
		if (json_array_append(slice, json_array_get(ids, i)) != 0) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
	memset(&pq, 0, sizeof(pq));
	pq.ids = slice;
	if ((rc = jta_jira_tk_jql(&pq, be->conf->default_project, jql,
	    sizeof(jql), &none, err)) != JTA_OK)
		goto out;
	if ((body = json_pack("{s:s, s:[s,s,s,s,s], s:I}", "jql", jql,
	    "fields", "summary", "description", "created", "status",
	    "project", "maxResults", (json_int_t)json_array_size(slice))) ==
	    NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if ((rc = jta_jira_backend_call(be, who, "POST", "/search/jql", body, 1,
	    &reply, err)) != JTA_OK)
		goto out;
	issues = json_object_get(reply, "issues");
	if (!json_is_array(issues) ||
	    json_array_size(issues) > JTA_LIMIT_PAGE_MAX) {
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    "Jira gave an answer this server cannot use (a page of "
		    "issues); try again later");
		goto out;
	}
	json_array_foreach(slice, i, want)
		json_array_foreach(issues, j, it) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			    json_integer_value(want));
			if ((sid = json_string_value(json_object_get(it,
			    "id"))) == NULL || strcmp(sid, num) != 0)
				continue;
			if ((rc = tk_ticket(it, &t, err)) != JTA_OK)
				goto out;
			if (json_array_append_new(results, t) != 0) {
				rc = JTA_ERR_NOMEM;
				goto out;
			}
			break;
		}
	/* An issue deleted between the two searches is left out. */
answer:
	if ((*out = json_pack("{s:I, s:O}", "count", (json_int_t)n, "results",
	    results)) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	rc = JTA_OK;
out:
	json_decref(ids);
	json_decref(slice);
	json_decref(body);
	json_decref(reply);
	json_decref(results);
	return rc;
}

/* The tk_create operation of jta_backend.h. */
enum jta_err
jta_jira_backend_tk_create(struct jta_backend *be, const struct jta_user *who,
    const json_t *fields, json_t **out, struct jta_error *err)
{
	struct jta_jira_meta_id mid;
	json_t		*input = NULL, *prepared = NULL, *body = NULL;
	json_t		*reply = NULL;
	const json_t	*d = json_object_get(fields, "description");
	const char	*res = json_string_value(json_object_get(fields,
			    "resolution_status"));
	const char	*id;
	uint64_t	 n;
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = tk_closed(res, err)) != JTA_OK)
		return rc;
	if (res != NULL && strcmp(res, "RESOLVED") == 0)
		return jta_error_set(err, JTA_ERR_INPUT, 400,
		    "resolution_status", "This service files tickets in Jira, "
		    "where a new issue starts in its workflow's first status: "
		    "create it OPEN, then set RESOLVED with PATCH.");
	if ((input = json_pack("{s:s, s:O}", "project",
	    be->conf->default_project, "summary", json_object_get(fields,
	    "title"))) == NULL ||
	    (json_string_length(d) > 0 && json_object_set(input,
	    "description", jta_jira_backend_unconst_json(d)) != 0)) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if ((rc = tk_fieldnames(jta_jira_backend_prepare(be, who, input,
	    &prepared, err), err)) != JTA_OK ||
	    (rc = jta_jira_backend_create_body(prepared, &body, err)) != JTA_OK)
		goto out;
	/* Never repeated: a second POST would make a second issue.  A
	 * field Jira refuses by name may be one of a cached create screen
	 * that changed: forget the project's (README "Jira metadata
	 * cache"), so the next create resolves afresh. */
	rc = jta_jira_backend_call(be, who, "POST", "/issue", body, 0, &reply,
	    err);
	if (rc == JTA_ERR_INPUT && err != NULL && err->status == 422 &&
	    jta_jira_meta_who(be, who, &mid) == JTA_OK)
		jta_jira_meta_drop_project(be, &mid,
		    be->conf->default_project);
	if ((rc = tk_fieldnames(rc, err)) != JTA_OK)
		goto out;
	id = json_string_value(json_object_get(reply, "id"));
	if (id == NULL || jta_text_parse_uint(id, strlen(id), INT32_MAX,
	    &n) != 0 || n == 0) {
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    "Jira created the issue but gave no id this API can show");
		goto out;
	}
	jta_info("created ticket %" PRIu64 " in jira", n);
	rc = jta_jira_backend_tk_get(be, who, (int64_t)n, out, err);
out:
	json_decref(input);
	json_decref(prepared);
	json_decref(body);
	json_decref(reply);
	return rc;
}

/* The tk_update operation of jta_backend.h. */
enum jta_err
jta_jira_backend_tk_update(struct jta_backend *be, const struct jta_user *who,
    int64_t id, const json_t *fields, json_t **out, struct jta_error *err)
{
	json_t		*issue = NULL, *trans = NULL, *f = NULL, *adf = NULL;
	json_t		*body = NULL, *reply = NULL;
	const json_t	*v;
	const char	*res = json_string_value(json_object_get(fields,
			    "resolution_status"));
	const char	*tid = NULL;
	char		 path[64];
	int		 done;
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = tk_closed(res, err)) != JTA_OK ||
	    (rc = tk_read(be, who, id, &issue, err)) != JTA_OK)
		goto out;
	/* The move first: a workflow that offers none refuses the whole
	 * change before anything is written. */
	done = res != NULL && strcmp(res, "RESOLVED") == 0;
	if (res != NULL && done != jta_jira_tk_done(issue)) {
		snprintf(path, sizeof(path), "/issue/%" PRId64 "/transitions",
		    id);
		if ((rc = jta_jira_backend_call(be, who, "GET", path, NULL, 1,
		    &trans, err)) != JTA_OK ||
		    (rc = jta_jira_tk_transition(trans, done, &tid,
		    err)) != JTA_OK)
			goto out;
	}
	if ((f = json_object()) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if ((v = json_object_get(fields, "title")) != NULL &&
	    json_object_set(f, "summary",
	    jta_jira_backend_unconst_json(v)) != 0) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if ((v = json_object_get(fields, "description")) != NULL &&
	    json_object_set_new(f, "description", json_string_length(v) > 0 ?
	    json_incref(jta_jira_backend_unconst_json(v)) : json_null()) != 0) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if (json_object_size(f) > 0) {
		if ((rc = jta_jira_backend_description(f, &adf,
		    err)) != JTA_OK ||
		    (rc = jta_jira_edit_body(f, adf, &body, err)) != JTA_OK)
			goto out;
		snprintf(path, sizeof(path), "/issue/%" PRId64, id);
		/* PUT of the same fields: repeating it changes nothing. */
		if ((rc = tk_fieldnames(jta_jira_backend_call(be, who, "PUT",
		    path, body, 1, &reply, err), err)) != JTA_OK)
			goto out;
		json_decref(body);
		json_decref(reply);
		body = reply = NULL;
	}
	if (tid != NULL) {
		if ((body = jta_jira_transition_body(tid)) == NULL) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
		snprintf(path, sizeof(path), "/issue/%" PRId64 "/transitions",
		    id);
		if ((rc = jta_jira_backend_call(be, who, "POST", path, body, 0,
		    &reply, err)) != JTA_OK)
			goto out;
	}
	rc = jta_jira_backend_tk_get(be, who, id, out, err);
out:
	json_decref(issue);
	json_decref(trans);
	json_decref(f);
	json_decref(adf);
	json_decref(body);
	json_decref(reply);
	return rc;
}

/*
 * Delete the issue (DELETE /rest/api/3/issue/{id}): Jira itself checks
 * the person's "Delete issues" permission (403) and refuses an issue
 * with sub-tasks (400), since deleteSubtasks is not sent; both come back
 * as they are.
 */
enum jta_err
jta_jira_backend_tk_delete(struct jta_backend *be, const struct jta_user *who,
    int64_t id, struct jta_error *err)
{
	json_t		*issue = NULL, *reply = NULL;
	char		 path[64];
	enum jta_err	 rc;

	if ((rc = tk_read(be, who, id, &issue, err)) != JTA_OK)
		goto out;
	snprintf(path, sizeof(path), "/issue/%" PRId64, id);
	/* Not repeated: a second DELETE of a deleted issue answers 404. */
	rc = jta_jira_backend_call(be, who, "DELETE", path, NULL, 0, &reply,
	    err);
	if (rc == JTA_ERR_NOTFOUND)
		rc = tk_notfound(id, err);
out:
	json_decref(issue);
	json_decref(reply);
	return rc;
}

/* ---- attachments (README "Attachments") ---- */

/*
 * Jira's "Add attachment": POST /rest/api/3/issue/{issueIdOrKey}/
 * attachments, multipart/form-data with the file in a part named "file"
 * and X-Atlassian-Token: no-check (Atlassian's Jira Cloud platform REST
 * API v3, "Issue attachments"); it answers 200 with an array of the
 * attachments made.  Sent once: a lost answer is the caller's to judge
 * (jta_backend.h).
 */
enum jta_err
jta_jira_backend_attach(struct jta_backend *be, const struct jta_user *who,
    const char *key, const char *file, const char *name, const char *type,
    struct jta_error *err)
{
	json_t		*reply = NULL;
	char		 path[JTA_LIMIT_ISSUE_KEY + 32];
	char		 proj[JTA_LIMIT_PROJECT_KEY + 1];
	int64_t		 num;
	enum jta_err	 rc;

	if (key == NULL || strlen(key) > JTA_LIMIT_ISSUE_KEY ||
	    jta_text_parse_issue_key(key, strlen(key), proj, sizeof(proj),
	    &num) != 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "key",
		    "there is no such issue: a key looks like DEMO-12");
	snprintf(path, sizeof(path), "/issue/%s/attachments", key);
	rc = jta_jira_backend_upload(be, who, JTA_JIRA_API_PLATFORM, path,
	    file, name, type, &reply, err);
	if (rc == JTA_OK && !json_is_array(reply))
		jta_log(JTA_LOG_INFO, "jira answered an attachment to %s "
		    "without its list: taken as done", key);
	json_decref(reply);
	return rc;
}

/* The id member of a Jira attachment (a number, or a string of digits:
 * the document says int64, some answers a string); -1 when neither. */
static int64_t
attid(const json_t *a)
{
	const json_t	*v = json_object_get(a, "id");
	uint64_t	 n;

	if (json_is_integer(v) && json_integer_value(v) > 0)
		return (int64_t)json_integer_value(v);
	if (json_is_string(v) && jta_text_parse_uint(json_string_value(v),
	    json_string_length(v), INT64_MAX, &n) == 0)
		return (int64_t)n;
	return -1;
}

/*
 * getAttachmentText in Jira (jta_backend.h): the issue's attachment list
 * (GET /rest/api/3/issue/{key}?fields=attachment: the person may read
 * the issue and the file is one of its own, since Jira's attachment
 * metadata does not name its issue), then the file's metadata (GET
 * /rest/api/3/attachment/{id}: AttachmentMetadata's filename, mimeType
 * and size), then, for a text type only, at most
 * attachment_text_max_bytes of its content (GET /rest/api/3/attachment/
 * content/{id}?redirect=false: the bytes themselves, 200, not a 303 to a
 * download URL; Atlassian's platform document, "Get attachment
 * content").
 */
enum jta_err
jta_jira_backend_attachment_text(struct jta_backend *be,
    const struct jta_user *who, const char *key, int64_t id, json_t **out,
    struct jta_error *err)
{
	struct jta_http_resp raw;
	json_t		*issue = NULL, *meta = NULL, *it;
	const json_t	*list;
	const char	*name, *type;
	char		 path[JTA_LIMIT_ISSUE_KEY + 64];
	char		 proj[JTA_LIMIT_PROJECT_KEY + 1];
	char		*text = NULL;
	size_t		 i, max = (size_t)be->conf->attachment_text_max_bytes;
	size_t		 tlen;
	int64_t		 num, size;
	int		 found = 0, cut;
	enum jta_err	 rc;

	*out = NULL;
	memset(&raw, 0, sizeof(raw));
	if (key == NULL || strlen(key) > JTA_LIMIT_ISSUE_KEY ||
	    jta_text_parse_issue_key(key, strlen(key), proj, sizeof(proj),
	    &num) != 0)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
		    "there is no such issue: a key looks like DEMO-12");
	snprintf(path, sizeof(path), "/issue/%s?fields=attachment", key);
	if ((rc = jta_jira_backend_call(be, who, "GET", path, NULL, 1,
	    &issue, err)) != JTA_OK)
		goto out;
	list = json_object_get(json_object_get(issue, "fields"),
	    "attachment");
	json_array_foreach(list, i, it)
		if (attid(it) == id)
			found = 1;
	if (!found) {
		rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "%s has no attachment with that id (getIssue lists them)",
		    key);
		goto out;
	}
	snprintf(path, sizeof(path), "/attachment/%" PRId64, id);
	if ((rc = jta_jira_backend_call(be, who, "GET", path, NULL, 1,
	    &meta, err)) != JTA_OK)
		goto out;
	name = json_string_value(json_object_get(meta, "filename"));
	type = json_string_value(json_object_get(meta, "mimeType"));
	size = json_is_integer(json_object_get(meta, "size")) ?
	    json_integer_value(json_object_get(meta, "size")) : -1;
	if (attid(meta) != id || name == NULL || type == NULL || size < 0 ||
	    strlen(name) > JTA_LIMIT_ATTACH_NAME || strlen(type) > 95 ||
	    !jta_text_utf8_valid(name, strlen(name)) ||
	    strpbrk(name, "\r\n\t") != NULL ||
	    strpbrk(type, "\r\n\t") != NULL) {
		jta_log(JTA_LOG_WARN, "jira: attachment %" PRId64 " of %s: "
		    "metadata we cannot use", id, key);
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    "Jira gave an answer we cannot read");
		goto out;
	}
	if (!jta_files_text_type(type)) {
		rc = jta_files_text_refuse(name, type, err);
		goto out;
	}
	snprintf(path, sizeof(path), "/attachment/content/%" PRId64
	    "?redirect=false", id);
	if ((rc = jta_jira_backend_get_raw(be, who, path, max, &raw, err)) !=
	    JTA_OK)
		goto out;
	if ((text = malloc(raw.len + 1)) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	tlen = jta_files_text_clean(raw.body, raw.len, max, raw.cut ||
	    size > (int64_t)raw.len, text, raw.len + 1, &cut);
	if ((*out = jta_files_text_json(id, name, type, size, text, tlen,
	    cut)) == NULL)
		rc = JTA_ERR_NOMEM;
out:
	free(text);
	jta_http_resp_free(&raw);
	json_decref(issue);
	json_decref(meta);
	return rc;
}
