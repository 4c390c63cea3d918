#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_draft_files.h"
#include "jta_fcgi.h"
#include "jta_issue_files.h"
#include "jta_log.h"
#include "jta_once.h"
#include "jta_files.h"
#include "jta_operation.h"
#include "jta_text.h"
#include "jta_store_drafts.h"
#include "jta_time.h"

/* ---- the validator tables (the REST programs validate with these) ---- */

static const char *const mine_values[] = { "reported", "assigned", NULL };

static const struct jta_field search_fields[] = {
	{ "text", JTA_FT_STRING, 0, 1, JTA_LIMIT_TEXT_QUERY, NULL },
	{ "project", JTA_FT_PROJECT, 0, 0, 0, NULL },
	/* status and priority: the backend checks the names (a Jira site
	 * has its own). */
	{ "status", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
	{ "type", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
	{ "priority", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
	{ "label", JTA_FT_STRING, 0, 1, JTA_LIMIT_LABEL, NULL },
	/* a user name, an email or an Atlassian account id, as create
	 * takes them: the backend resolves it */
	{ "assignee", JTA_FT_STRING, 0, 1, JTA_LIMIT_EMAIL, NULL },
	{ "reporter", JTA_FT_STRING, 0, 1, JTA_LIMIT_EMAIL, NULL },
	{ "mine", JTA_FT_ENUM, 0, 0, 0, mine_values },
	{ "created_after", JTA_FT_TIME, 0, 0, 0, NULL },
	{ "created_before", JTA_FT_TIME, 0, 0, 0, NULL },
	{ "updated_after", JTA_FT_TIME, 0, 0, 0, NULL },
	{ "updated_before", JTA_FT_TIME, 0, 0, 0, NULL },
	{ "order", JTA_FT_ENUM, 0, 0, 0, jta_backend_orders },
	{ "limit", JTA_FT_UINT, 0, 1, JTA_LIMIT_PAGE_MAX, NULL },
	{ "cursor", JTA_FT_STRING, 0, 1, JTA_LIMIT_CURSOR, NULL },
	/* backend = jira: a JQL query of the person's own. */
	{ "jql", JTA_FT_STRING, 0, 1, JTA_LIMIT_JQL, NULL },
};

static const struct jta_field edit_fields[] = {
	{ "summary", JTA_FT_STRING, 0, 1, JTA_LIMIT_SUMMARY, NULL },
	{ "type", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
	{ "description", JTA_FT_TEXT, JTA_F_NULLABLE, 0, JTA_LIMIT_DESCRIPTION,
	    NULL },
	/* The backend checks the name (a Jira site has its own). */
	{ "priority", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
	{ "labels", JTA_FT_LABELS, JTA_F_NULLABLE, 0, JTA_LIMIT_LABELS, NULL },
	/* a user name, an email or an account id, as create takes them;
	 * null: unassigned */
	{ "assignee", JTA_FT_STRING, JTA_F_NULLABLE, 1, JTA_LIMIT_EMAIL,
	    NULL },
};

static const struct jta_field comment_fields[] = {
	{ "body", JTA_FT_TEXT, JTA_F_REQUIRED, 1, JTA_LIMIT_COMMENT, NULL },
};

static const struct jta_field move_fields[] = {
	{ "to", JTA_FT_STRING, JTA_F_REQUIRED, 1, JTA_LIMIT_NAME, NULL },
};

static const struct jta_field type_fields[] = {
	{ "type", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
	/* Jira Service Management: a request type's fields instead */
	{ "request_type", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
};

static const struct jta_field submit_fields[] = {
	{ "revision", JTA_FT_UINT, JTA_F_REQUIRED, 1, JTA_LIMIT_REVISION,
	    NULL },
};

static const char *const booleans[] = { "true", "false", NULL };

static const struct jta_field similar_fields[] = {
	{ "text", JTA_FT_STRING, JTA_F_REQUIRED, 1, JTA_LIMIT_TEXT_QUERY,
	    NULL },
	{ "project", JTA_FT_PROJECT, 0, 0, 0, NULL },
	{ "limit", JTA_FT_UINT, 0, 1, JTA_LIMIT_SIMILAR_MAX, NULL },
	/* Jira Service Management: the desks' request types ranked too */
	{ "request_types", JTA_FT_ENUM, 0, 0, 0, booleans },
};

static const struct jta_field users_fields[] = {
	{ "query", JTA_FT_STRING, JTA_F_REQUIRED, 1, JTA_LIMIT_EMAIL, NULL },
	{ "limit", JTA_FT_UINT, 0, 1, JTA_LIMIT_USERS_MAX, NULL },
};

/* Knowledge before tickets (README.md): the space is a space key, which
 * op_knowledge checks for its characters (jta_text_is_kb_name). */
static const struct jta_field knowledge_fields[] = {
	{ "text", JTA_FT_STRING, JTA_F_REQUIRED, 1, JTA_LIMIT_TEXT_QUERY,
	    NULL },
	{ "space", JTA_FT_STRING, 0, 1, JTA_LIMIT_KB_SPACE, NULL },
	{ "limit", JTA_FT_UINT, 0, 1, JTA_LIMIT_KB_MAX, NULL },
};

/* Jira Service Management (README.md "Jira Service Management"). */
static const char *const rq_status_values[] = { "open", "closed", "all",
    NULL };
static const char *const rq_mine_values[] = { "reported", "participated",
    "approver", NULL };

static const struct jta_field rq_list_fields[] = {
	{ "status", JTA_FT_ENUM, 0, 0, 0, rq_status_values },
	{ "mine", JTA_FT_ENUM, 0, 0, 0, rq_mine_values },
	{ "project", JTA_FT_PROJECT, 0, 0, 0, NULL },
	/* a request type's id (listServiceDesks) */
	{ "request_type", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
	{ "text", JTA_FT_STRING, 0, 1, JTA_LIMIT_TEXT_QUERY, NULL },
	{ "limit", JTA_FT_UINT, 0, 1, JTA_LIMIT_PAGE_MAX, NULL },
};

static const char *const rq_visibilities[] = { "public", "internal", NULL };

static const struct jta_field rq_comment_fields[] = {
	{ "body", JTA_FT_TEXT, JTA_F_REQUIRED, 1, JTA_LIMIT_COMMENT, NULL },
	/* internal: seen by the desk's agents only (agents only) */
	{ "visibility", JTA_FT_ENUM, 0, 0, 0, rq_visibilities },
};

static const struct jta_field rq_move_fields[] = {
	{ "to", JTA_FT_STRING, JTA_F_REQUIRED, 1, JTA_LIMIT_NAME, NULL },
	{ "comment", JTA_FT_TEXT, 0, 1, JTA_LIMIT_COMMENT, NULL },
};

static const char *const rq_decisions[] = { "approve", "decline", NULL };

static const struct jta_field rq_decide_fields[] = {
	{ "decision", JTA_FT_ENUM, JTA_F_REQUIRED, 0, 0, rq_decisions },
};

/* A draft's files (README "Attachments"): the references a GPT Action
 * hands a POST (OpenAI, "Sending and returning files with GPT Actions"),
 * each checked by jta_draft_files_refs_check. */
static const struct jta_field files_field = { "openaiFileIdRefs",
    JTA_FT_OBJECTS, 0, 0, JTA_STORE_DRAFT_FILES, NULL };

/* attachFiles's table: the files, at least one. */
static const struct jta_field attach_fields[] = {
	{ "openaiFileIdRefs", JTA_FT_OBJECTS, JTA_F_REQUIRED, 1,
	    JTA_STORE_DRAFT_FILES, NULL },
};

/* createDraft's table: the create table and the draft's files.  The
 * create table without "required" and with the files: PATCH sends only
 * what changes.  Both made on first use. */
static struct jta_field draft_fields[JTA_LIMIT_JSON_MEMBERS];
static struct jta_field patch_fields[JTA_LIMIT_JSON_MEMBERS];
static size_t ndraft_fields, npatch_fields;

static size_t
withfiles(struct jta_field *to, int patch)
{
	size_t	 i, m = jta_backend_ncreate_fields;

	if (m > JTA_LIMIT_JSON_MEMBERS - 1)
		m = JTA_LIMIT_JSON_MEMBERS - 1;
	for (i = 0; i < m; i++) {
		to[i] = jta_backend_create_fields[i];
		if (patch)
			to[i].flags &= ~JTA_F_REQUIRED;
	}
	to[m] = files_field;
	return m + 1;
}

static const struct jta_field *
draftfields(size_t *n)
{
	if (ndraft_fields == 0)
		ndraft_fields = withfiles(draft_fields, 0);
	*n = ndraft_fields;
	return draft_fields;
}

static const struct jta_field *
patchfields(size_t *n)
{
	if (npatch_fields == 0)
		npatch_fields = withfiles(patch_fields, 1);
	*n = npatch_fields;
	return patch_fields;
}

/* ---- the operations ---- */

static const char *
str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static enum jta_err
done(enum jta_err rc, int st, int *status)
{
	if (rc == JTA_OK)
		*status = st;
	return rc;
}

static enum jta_err
op_me(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	(void)req;
	(void)param;
	(void)in;
	return done(ctx->backend->ops->me(ctx->backend, who, out, err), 200,
	    status);
}

static enum jta_err
op_projects(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	(void)req;
	(void)param;
	(void)in;
	return done(ctx->backend->ops->projects(ctx->backend, who, out, err),
	    200, status);
}

static enum jta_err
op_fields(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	(void)req;
	if (str(in, "request_type") != NULL) {
		if (str(in, "type") != NULL)
			return jta_error_set(err, JTA_ERR_INPUT, 422, "type",
			    "give type (an issue's create screen) or "
			    "request_type (a service-desk request), not both");
		return done(ctx->backend->ops->sd_fields(ctx->backend, who,
		    param, str(in, "request_type"), out, err), 200, status);
	}
	return done(ctx->backend->ops->fields(ctx->backend, who, param,
	    str(in, "type"), out, err), 200, status);
}

/* The search p (searchIssues' parameters, checked) asks, in q: its
 * strings are p's. */
static enum jta_err
searchq(const json_t *p, const struct jta_user *who, struct jta_search *q,
    struct jta_error *err)
{
	const char	*mine;

	memset(q, 0, sizeof(*q));
	q->text = str(p, "text");
	q->project = str(p, "project");
	q->status = str(p, "status");
	q->type = str(p, "type");
	q->priority = str(p, "priority");
	q->label = str(p, "label");
	q->assignee = str(p, "assignee");
	q->reporter = str(p, "reporter");
	q->created_from = json_integer_value(json_object_get(p,
	    "created_after"));
	q->created_to = json_integer_value(json_object_get(p,
	    "created_before"));
	q->updated_from = json_integer_value(json_object_get(p,
	    "updated_after"));
	q->updated_to = json_integer_value(json_object_get(p,
	    "updated_before"));
	q->order = str(p, "order");
	q->limit = (size_t)json_integer_value(json_object_get(p, "limit"));
	q->cursor = str(p, "cursor");
	q->jql = str(p, "jql");
	if ((mine = str(p, "mine")) != NULL) {
		const char **slot = strcmp(mine, "reported") == 0 ?
		    &q->reporter : &q->assignee;

		if (*slot != NULL && strcmp(*slot, who->name) != 0)
			return jta_error_set(err, JTA_ERR_INPUT, 422, "mine",
			    "mine=%s contradicts the %s given", mine,
			    slot == &q->reporter ? "reporter" : "assignee");
		*slot = who->name;
	}
	return JTA_OK;
}

static enum jta_err
op_search(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *p,
    int *status, json_t **out, struct jta_error *err)
{
	struct jta_search q;
	enum jta_err	 rc;

	(void)req;
	(void)param;
	if ((rc = searchq(p, who, &q, err)) != JTA_OK)
		return rc;
	return done(ctx->backend->ops->search(ctx->backend, who, &q, out,
	    err), 200, status);
}

static enum jta_err
op_get(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	(void)req;
	(void)in;
	return done(ctx->backend->ops->get(ctx->backend, who, param, out,
	    err), 200, status);
}

static enum jta_err
op_update(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	(void)req;
	if (json_object_size(in) == 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "body",
		    "send at least one field to change");
	return done(ctx->backend->ops->update(ctx->backend, who, param, in,
	    out, err), 200, status);
}

static enum jta_err
op_comment(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	(void)req;
	return done(ctx->backend->ops->comment(ctx->backend, who, param,
	    str(in, "body"), out, err), 201, status);
}

static enum jta_err
op_transitions(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	(void)req;
	(void)in;
	return done(ctx->backend->ops->transitions(ctx->backend, who, param,
	    out, err), 200, status);
}

static enum jta_err
op_transition(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	(void)req;
	/* The target is a status name; the backend resolves it (by name,
	 * ignoring case), so Jira's own names work too. */
	return done(ctx->backend->ops->transition(ctx->backend, who, param,
	    str(in, "to"), out, err), 200, status);
}

/* One attachFiles run (jta_once_fn's arg). */
struct attach_job {
	struct jta_backend	*be;
	const struct jta_user	*who;
	const char		*key;
	const json_t		*refs;
};

static enum jta_err
attach_run(void *arg, int *status, json_t **out, struct jta_error *err)
{
	struct attach_job *j = arg;

	*status = 200;
	return jta_issue_files_attach(j->be, j->who, j->key, j->refs, out,
	    err);
}

/*
 * attachFiles (README "Attachments: attachFiles"): the files of in onto
 * issue or request param.  With an Idempotency-Key on the REST endpoint,
 * a repeat answers what the first did (jta_once_idem_do); without, a
 * repeat attaches only what the ticket does not have (same name and
 * size), which is how a GPT, which sends no headers, retries safely.
 */
static enum jta_err
op_attach(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	struct attach_job j;
	json_t		*refs = NULL;
	char		 key[JTA_LIMIT_IDEMPOTENCY_KEY + 1];
	enum jta_err	 rc;

	if ((rc = jta_draft_files_refs_check(json_object_get(in,
	    "openaiFileIdRefs"), &refs, err)) != JTA_OK)
		return rc;
	j.be = ctx->backend;
	j.who = who;
	j.key = param;
	j.refs = refs;
	/* The header belongs to this request only on the REST endpoint
	 * (an MCP or chat request carries other calls). */
	if (req != NULL && req->has_idempotency_key &&
	    strstr(req->path, "/attachments") != NULL) {
		if ((rc = jta_once_key_parse(req->idempotency_key,
		    strlen(req->idempotency_key), key, err)) == JTA_OK)
			rc = jta_once_idem_do(ctx->backend, ctx->vault, who,
			    key, req->method_name, req->path, req->body,
			    req->body_len, jta_time_now(), attach_run, &j,
			    status, out, err);
	} else
		rc = attach_run(&j, status, out, err);
	json_decref(refs);
	return rc;
}

/* in without its openaiFileIdRefs (a new object into *rest) and those
 * checked into *refs (NULL when none were sent); be must take them. */
static enum jta_err
splitfiles(struct jta_ctx *ctx, const json_t *in, const json_t *preview,
    json_t **rest, json_t **refs, struct jta_error *err)
{
	const json_t	*r = json_object_get(in, "openaiFileIdRefs");
	enum jta_err	 rc;

	*rest = *refs = NULL;
	if (r != NULL && ((rc = jta_draft_files_can(ctx->backend, in, preview,
	    err)) != JTA_OK || (rc = jta_draft_files_refs_check(r, refs,
	    err)) != JTA_OK))
		return rc;
	if ((*rest = json_copy((json_t *)(uintptr_t)in)) == NULL) {
		json_decref(*refs);
		*refs = NULL;
		return JTA_ERR_NOMEM;
	}
	(void)json_object_del(*rest, "openaiFileIdRefs");
	return JTA_OK;
}

/* The draft's files as its preview shows them, and the files of drafts
 * that are gone collected on the way (a bounded batch). */
static enum jta_err
showfiles(struct jta_ctx *ctx, json_t *draft, struct jta_error *err)
{
	struct jta_error e;
	char		 dir[4096];
	size_t		 n;

	jta_draft_files_statedir(ctx->backend, dir, sizeof(dir));
	if (jta_draft_files_collect(ctx->backend->store, dir, &n, &e) !=
	    JTA_OK)
		jta_log(JTA_LOG_WARN, "attachments: collect: %s", e.detail);
	return jta_draft_files_show(ctx->backend->store, draft, err);
}

static enum jta_err
op_draft_create(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	struct jta_error e;
	json_t		*rest = NULL, *refs = NULL;
	char		 id[JTA_LIMIT_DRAFT_ID + 1];
	enum jta_err	 rc;

	(void)req;
	(void)param;
	if ((rc = splitfiles(ctx, in, NULL, &rest, &refs, err)) != JTA_OK)
		return rc;
	if ((rc = jta_once_draft_create(ctx->backend, who, rest,
	    jta_time_now(), id, out, err)) != JTA_OK)
		goto out;
	/* A file refused: the draft goes again (its files are collected),
	 * and the answer names each refused file and those that were
	 * fine, for the person to send again without the refused ones. */
	if (refs != NULL && (rc = jta_draft_files_in(ctx->backend, who, id,
	    refs, err)) != JTA_OK) {
		if (jta_once_draft_discard(ctx->backend, who, id,
		    jta_time_now(), &e) != JTA_OK)
			jta_log(JTA_LOG_WARN, "attachments: draft %s kept: "
			    "%s", id, e.detail);
		(void)showfiles(ctx, NULL, &e);
		goto out;
	}
	if ((rc = showfiles(ctx, *out, err)) == JTA_OK)
		*status = 201;
out:
	if (rc != JTA_OK) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(rest);
	json_decref(refs);
	return rc;
}

static enum jta_err
op_draft_show(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;

	(void)req;
	(void)in;
	if ((rc = jta_once_draft_show(ctx->backend, who, param,
	    jta_time_now(), out, err)) == JTA_OK &&
	    (rc = jta_draft_files_show(ctx->backend->store, *out, err)) !=
	    JTA_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return done(rc, 200, status);
}

/*
 * The access rules again, now with the draft's own project (the request
 * of a submit, an edit or a discard does not name it;
 * jta_policy_op_from_req).
 */
static enum jta_err
recheck(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *id, struct jta_error *err)
{
	struct jta_policy_op op;
	enum jta_err	 rc;

	jta_policy_op_from_req(req, ctx->conf.default_project, &op);
	op.has_project = 1;
	if ((rc = jta_once_draft_project(ctx->backend, who, id,
	    jta_time_now(), op.project, sizeof(op.project), err)) != JTA_OK)
		return rc;
	return jta_policy_check(ctx->policy, req, who, &op, err);
}

/*
 * updateDraft's work, for its changes in (files as openaiFileIdRefs in
 * it) or, from a browser's upload, n files given as bytes with no other
 * change (in is then an empty object): one path, so both keep files
 * alike and move the draft to its next revision.
 */
static enum jta_err
draftedit(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    const struct jta_draft_bytes *bytes, size_t nbytes, int *status,
    json_t **out, struct jta_error *err)
{
	struct jta_draft_file f[JTA_STORE_DRAFT_FILES];
	struct jta_error e;
	json_t		*rest = NULL, *refs = NULL, *cur = NULL;
	json_t		*empty = NULL, *bumped = NULL;
	const char	*dst;
	enum jta_err	 rc;
	size_t		 n = 0;

	*out = NULL;
	if ((rc = recheck(ctx, req, who, param, err)) != JTA_OK ||
	    (rc = jta_once_draft_show(ctx->backend, who, param,
	    jta_time_now(), &cur, err)) != JTA_OK)
		return rc;
	if ((rc = splitfiles(ctx, in, json_object_get(cur, "preview"), &rest,
	    &refs, err)) != JTA_OK)
		goto out;
	if (nbytes > 0 && (rc = jta_draft_files_can(ctx->backend, in,
	    json_object_get(cur, "preview"), err)) != JTA_OK) {
		snprintf(err->field, sizeof(err->field), "file");
		goto out;
	}
	/* Files go only into a draft that can still change (an edit of the
	 * request itself is refused by jta_once_draft_edit). */
	if ((dst = json_string_value(json_object_get(cur, "status"))) ==
	    NULL)
		dst = "unknown";
	if ((refs != NULL || nbytes > 0) && strcmp(dst, "ready") != 0) {
		rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, "id",
		    "this draft is %s and can no longer take files", dst);
		goto out;
	}
	/* A draft with files does not become a service-desk request. */
	if (json_is_string(json_object_get(rest, "request_type")) &&
	    (rc = jta_store_draft_file_list(ctx->backend->store, param, f,
	    JTA_STORE_DRAFT_FILES, &n, err)) == JTA_OK && n > 0)
		rc = jta_draft_files_can(ctx->backend, rest, NULL, err);
	if (rc != JTA_OK)
		goto out;
	/* A file refused: those that went in stay, and the draft moves to
	 * its next revision all the same (its request unchanged), so none
	 * of them is attached by a submit of the revision before. */
	if ((refs != NULL || nbytes > 0) && (rc = refs != NULL ?
	    jta_draft_files_in(ctx->backend, who, param, refs, err) :
	    jta_draft_files_in_bytes(ctx->backend, who, param, bytes, nbytes,
	    err)) != JTA_OK) {
		if ((empty = json_object()) == NULL || (nbytes > 0 ?
		    jta_once_draft_uploaded(ctx->backend, who, param,
		    jta_time_now(), &bumped, &e) :
		    jta_once_draft_edit(ctx->backend, who, param, empty,
		    jta_time_now(), &bumped, &e)) != JTA_OK)
			jta_log(JTA_LOG_WARN, "attachments: draft %s not moved "
			    "on: %s", param, empty != NULL ? e.detail :
			    "out of memory");
		json_decref(empty);
		json_decref(bumped);
		goto out;
	}
	/* Files only change the draft too: its revision goes up (the
	 * request prepared again as it is), so a submit of the revision
	 * the person saw before never attaches a file they did not see.
	 * A browser's upload is the person's own change, and noted so: a
	 * submit they confirm may follow it (jta_once_draft_confirmable). */
	if ((rc = nbytes > 0 ? jta_once_draft_uploaded(ctx->backend, who,
	    param, jta_time_now(), out, err) :
	    jta_once_draft_edit(ctx->backend, who, param, rest,
	    jta_time_now(), out, err)) != JTA_OK)
		goto out;
	if ((rc = showfiles(ctx, *out, err)) == JTA_OK)
		*status = 200;
out:
	if (rc != JTA_OK) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(cur);
	json_decref(rest);
	json_decref(refs);
	return rc;
}

static enum jta_err
op_draft_edit(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	*out = NULL;
	if (json_object_size(in) == 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "body",
		    "send at least one member to change");
	return draftedit(ctx, req, who, param, in, NULL, 0, status, out,
	    err);
}

enum jta_err
jta_operation_draft_upload(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *id,
    const struct jta_draft_bytes *files, size_t n, int *status,
    json_t **out, struct jta_error *err)
{
	json_t		*none;
	enum jta_err	 rc;

	*out = NULL;
	if (n == 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "file",
		    "send at least one part named file, with a filename and "
		    "a Content-Type");
	if ((none = json_object()) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 503, NULL,
		    "the server is short of memory; try again");
	rc = draftedit(ctx, req, who, id, none, files, n, status, out, err);
	json_decref(none);
	return rc;
}

static enum jta_err
op_draft_discard(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	struct jta_error e;
	char		 dir[4096];
	size_t		 n;
	enum jta_err	 rc;

	(void)in;
	if ((rc = recheck(ctx, req, who, param, err)) != JTA_OK ||
	    (rc = jta_once_draft_discard(ctx->backend, who, param,
	    jta_time_now(), err)) != JTA_OK)
		return rc;
	/* The draft is gone: its files go with it. */
	jta_draft_files_statedir(ctx->backend, dir, sizeof(dir));
	if (jta_draft_files_collect(ctx->backend->store, dir, &n, &e) !=
	    JTA_OK)
		jta_log(JTA_LOG_WARN, "attachments: collect: %s", e.detail);
	if ((*out = json_pack("{s:s, s:b}", "id", param, "discarded", 1)) ==
	    NULL)
		return JTA_ERR_NOMEM;
	*status = 204;
	return JTA_OK;
}

static enum jta_err
op_draft_submit(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;

	if ((rc = recheck(ctx, req, who, param, err)) != JTA_OK ||
	    (rc = jta_once_draft_submit(ctx->backend, who, param,
	    json_integer_value(json_object_get(in, "revision")),
	    jta_time_now(), status, out, err)) != JTA_OK)
		return rc;
	/* The draft's files go on the filed ticket, each exactly once. */
	if ((rc = jta_draft_files_upload(ctx->backend, who, param, *out,
	    err)) != JTA_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* Request types shown by findSimilar, at most. */
#define SUGGEST_REQUEST_TYPES	5

/* Add "request_types" (the desks' request types ranked for text) to out,
 * and the best to out.suggestion.request_type (README.md "Jira Service
 * Management"). */
static enum jta_err
request_types(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *text, json_t *out,
    struct jta_error *err)
{
	json_t		*ranked = NULL, *sug;
	size_t		 i;
	int		 ok;
	enum jta_err	 rc;

	if ((rc = ctx->backend->ops->sd_suggest(ctx->backend, who, text,
	    SUGGEST_REQUEST_TYPES, &ranked, err)) != JTA_OK)
		return rc;
	/* only the desks the access rules let the person raise requests in
	 * (the best left is the suggestion) */
	for (i = json_array_size(ranked); i > 0; i--) {
		if ((rc = jta_policy_may_create(ctx->policy, req, who,
		    json_string_value(json_object_get(json_array_get(ranked,
		    i - 1), "project")), &ok, err)) != JTA_OK) {
			json_decref(ranked);
			return rc;
		}
		if (ok == 0 && json_array_remove(ranked, i - 1) != 0) {
			json_decref(ranked);
			return JTA_ERR_NOMEM;
		}
	}
	if ((sug = json_object_get(out, "suggestion")) == NULL &&
	    json_object_set_new(out, "suggestion", sug = json_object()) != 0)
		rc = JTA_ERR_NOMEM;
	else if (json_array_size(ranked) > 0 && json_object_set(sug,
	    "request_type", json_array_get(ranked, 0)) != 0)
		rc = JTA_ERR_NOMEM;
	else if (json_object_set(out, "request_types", ranked) != 0)
		rc = JTA_ERR_NOMEM;
	json_decref(ranked);
	return rc;
}

static enum jta_err
op_similar(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *p,
    int *status, json_t **out, struct jta_error *err)
{
	const json_t	*lim = json_object_get(p, "limit");
	enum jta_err	 rc;

	(void)param;
	if ((rc = ctx->backend->ops->similar(ctx->backend, who, str(p,
	    "text"), str(p, "project"), lim != NULL ?
	    (size_t)json_integer_value(lim) : JTA_LIMIT_SIMILAR_DEFAULT, out,
	    err)) == JTA_OK && str(p, "request_types") != NULL &&
	    strcmp(str(p, "request_types"), "true") == 0 &&
	    (rc = request_types(ctx, req, who, str(p, "text"), *out, err)) !=
	    JTA_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return done(rc, 200, status);
}

static enum jta_err
op_users(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *p,
    int *status, json_t **out, struct jta_error *err)
{
	const json_t	*lim = json_object_get(p, "limit");

	(void)req;
	(void)param;
	return done(ctx->backend->ops->users(ctx->backend, who, str(p,
	    "query"), lim != NULL ? (size_t)json_integer_value(lim) :
	    JTA_LIMIT_USERS_DEFAULT, out, err), 200, status);
}

static enum jta_err
op_knowledge(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *p,
    int *status, json_t **out, struct jta_error *err)
{
	const json_t	*lim = json_object_get(p, "limit");
	const char	*space = str(p, "space");

	(void)req;
	(void)param;
	if (space != NULL && !jta_text_is_kb_name(space, strlen(space)))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "space",
		    "a space key is letters, digits, '-', '_' or '~'");
	return done(ctx->backend->ops->knowledge(ctx->backend, who, str(p,
	    "text"), space, lim != NULL ? (size_t)json_integer_value(lim) :
	    JTA_LIMIT_KB_DEFAULT, out, err), 200, status);
}

static enum jta_err
op_article(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	(void)req;
	(void)in;
	return done(ctx->backend->ops->article(ctx->backend, who, param, out,
	    err), 200, status);
}

/* Answered from knowledge: one more count each call (jta_kb_helped), so
 * not idempotent.  The id says it all: a body is refused, not ignored
 * (a tool call's request never has one: its arguments are the query). */
static enum jta_err
op_helped(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	(void)in;
	if (req->body_len > 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "body",
		    "send no body: the article's id says it all");
	return done(ctx->backend->ops->helped(ctx->backend, who, param, out,
	    err), 200, status);
}

/* ---- Jira Service Management (README.md "Jira Service Management") ---- */

static enum jta_err
op_sd_desks(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	json_t		*list;
	size_t		 i;
	int		 ok;
	enum jta_err	 rc;

	(void)param;
	(void)in;
	if ((rc = ctx->backend->ops->sd_desks(ctx->backend, who, out, err)) !=
	    JTA_OK)
		return rc;
	/* Only the desks the access rules let the person raise requests
	 * in: a desk is its project. */
	list = json_object_get(*out, "servicedesks");
	for (i = json_array_size(list); i > 0; i--) {
		if ((rc = jta_policy_may_create(ctx->policy, req, who,
		    json_string_value(json_object_get(json_array_get(list,
		    i - 1), "project")), &ok, err)) != JTA_OK)
			break;
		if (ok == 0 && json_array_remove(list, i - 1) != 0) {
			rc = JTA_ERR_NOMEM;
			break;
		}
	}
	if (rc != JTA_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return done(rc, 200, status);
}

static enum jta_err
op_sd_requests(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *p,
    int *status, json_t **out, struct jta_error *err)
{
	struct jta_sd_query q;

	(void)req;
	(void)param;
	memset(&q, 0, sizeof(q));
	q.status = str(p, "status");
	q.mine = str(p, "mine");
	q.project = str(p, "project");
	q.request_type = str(p, "request_type");
	q.text = str(p, "text");
	q.limit = (size_t)json_integer_value(json_object_get(p, "limit"));
	return done(ctx->backend->ops->sd_requests(ctx->backend, who, &q, out,
	    err), 200, status);
}

static enum jta_err
op_sd_request(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	(void)req;
	(void)in;
	return done(ctx->backend->ops->sd_request(ctx->backend, who, param,
	    out, err), 200, status);
}

static enum jta_err
op_sd_comment(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	const char	*vis = str(in, "visibility");

	(void)req;
	return done(ctx->backend->ops->sd_comment(ctx->backend, who, param,
	    str(in, "body"), vis != NULL && strcmp(vis, "internal") == 0, out,
	    err), 201, status);
}

static enum jta_err
op_sd_transitions(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	(void)req;
	(void)in;
	return done(ctx->backend->ops->sd_transitions(ctx->backend, who,
	    param, out, err), 200, status);
}

static enum jta_err
op_sd_transition(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	(void)req;
	return done(ctx->backend->ops->sd_transition(ctx->backend, who, param,
	    str(in, "to"), str(in, "comment"), out, err), 200, status);
}

static enum jta_err
op_sd_decide(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	(void)req;
	return done(ctx->backend->ops->sd_decide(ctx->backend, who, param,
	    strcmp(str(in, "decision"), "approve") == 0, out, err), 200,
	    status);
}

/* ---- the table ---- */

#define NF(t)	(t), (sizeof(t) / sizeof((t)[0]))
#define RO	(JTA_OP_READONLY | JTA_OP_IDEMPOTENT)

/* Output schemas: top-level members of the answers (README.md "The ticket
 * API"); answers may carry more ("truncated" and the like).  A tool's
 * error result carries a problem (RFC 9457: type, title, status as a
 * number, detail, field, errors) in the same structuredContent, and
 * clients validate that too (the TypeScript SDK does), so no schema
 * here may give those names another type: a draft's "status" (a word)
 * is left out. */
#define OBJ(props) "{\"type\":\"object\",\"properties\":{" props "}}"
#define ARR	"{\"type\":\"array\"}"
#define STR	"{\"type\":\"string\"}"
#define INT	"{\"type\":\"integer\"}"
#define ANYOBJ	"{\"type\":\"object\"}"
#define STRNULL	"{\"type\":[\"string\",\"null\"]}"
#define BOOL	"{\"type\":\"boolean\"}"

/*
 * The operations, in the order tools/list shows them.  A new row goes at
 * the end (see jta_operation.h, "Adding an operation").
 */
static const struct jta_operation table[] = {
	{ "getMe", "Who am I",
	    "Who the signed-in person is (name, display name, email). Use it "
	    "for \"my tickets\" and to say who a ticket will be filed as.",
	    JTA_METHOD_GET, "/api/me", JTA_OP_PARAM_NONE, NULL, 0, 0, RO,
	    OBJ("\"name\":" STR), op_me },
	{ "listProjects", "List projects",
	    "The projects the person can file tickets in, with their issue "
	    "types and priorities. Call it before creating a ticket when the "
	    "project is not known.",
	    JTA_METHOD_GET, "/api/projects", JTA_OP_PARAM_NONE, NULL, 0, 0, RO,
	    OBJ("\"projects\":" ARR), op_projects },
	{ "getCreateFields", "Fields to create a ticket",
	    "The fields a new ticket of a project and issue type needs (the "
	    "project's first type when type is not given): which are "
	    "required, their allowed values and defaults. Ask the person for "
	    "the required ones before createDraft.",
	    JTA_METHOD_GET, "/api/projects/{key}/fields", JTA_OP_PARAM_PROJECT,
	    NF(type_fields), 0, RO,
	    OBJ("\"project\":" STR ",\"type\":" STR ",\"types\":" ARR
	    ",\"fields\":" ARR), op_fields },
	{ "searchIssues", "Search tickets",
	    "Search tickets by words and filters (project, status, type, "
	    "priority, label, people, dates). mine=reported or assigned "
	    "means the signed-in person. Answers at most limit tickets and "
	    "a next_cursor to page on.",
	    JTA_METHOD_GET, "/api/issues", JTA_OP_PARAM_NONE,
	    NF(search_fields), 0, RO | JTA_OP_OPENWORLD,
	    OBJ("\"issues\":" ARR ",\"next_cursor\":{\"type\":[\"string\","
	    "\"null\"]}"), op_search },
	{ "getIssue", "Read a ticket",
	    "One ticket by its key (e.g. DEMO-12): summary, description in "
	    "Markdown, status, people, labels and the last 20 comments.",
	    JTA_METHOD_GET, "/api/issues/{key}", JTA_OP_PARAM_KEY, NULL, 0, 0,
	    RO | JTA_OP_OPENWORLD,
	    OBJ("\"key\":" STR ",\"summary\":" STR ",\"url\":" STR),
	    op_get },
	{ "updateIssue", "Change a ticket",
	    "Change fields of an existing ticket: only the fields given "
	    "change; null clears description, labels or assignee. Confirm "
	    "the change with the person first.",
	    JTA_METHOD_PATCH, "/api/issues/{key}", JTA_OP_PARAM_KEY,
	    NF(edit_fields), 1, JTA_OP_IDEMPOTENT | JTA_OP_OPENWORLD |
	    JTA_OP_CONSEQUENTIAL,
	    OBJ("\"key\":" STR ",\"summary\":" STR), op_update },
	{ "addComment", "Comment on a ticket",
	    "Add a comment (Markdown) to a ticket. Confirm the text with the "
	    "person first.",
	    JTA_METHOD_POST, "/api/issues/{key}/comments", JTA_OP_PARAM_KEY,
	    NF(comment_fields), 1, JTA_OP_OPENWORLD | JTA_OP_CONSEQUENTIAL,
	    ANYOBJ, op_comment },
	{ "attachFiles", "Attach files to a ticket",
	    "Attach files from the conversation (screenshots, logs, PDFs) to "
	    "an existing ticket or service-desk request. Each file is "
	    "fetched at once; the answer lists what went in and what was "
	    "refused, and why. Sending the same files again attaches none "
	    "twice.",
	    JTA_METHOD_POST, "/api/issues/{key}/attachments", JTA_OP_PARAM_KEY,
	    NF(attach_fields), 1, JTA_OP_IDEMPOTENT | JTA_OP_OPENWORLD |
	    JTA_OP_CONSEQUENTIAL,
	    OBJ("\"key\":" STR ",\"attachments\":" ARR ",\"refused\":"
	    ARR), op_attach },
	{ "listTransitions", "Where a ticket can move",
	    "The statuses a ticket can move to now (its workflow's "
	    "transitions).",
	    JTA_METHOD_GET, "/api/issues/{key}/transitions", JTA_OP_PARAM_KEY,
	    NULL, 0, 0, RO | JTA_OP_OPENWORLD,
	    OBJ("\"key\":" STR ",\"transitions\":" ARR),
	    op_transitions },
	{ "transitionIssue", "Move a ticket",
	    "Move a ticket to another status by name (one listTransitions "
	    "gives). Confirm with the person first.",
	    JTA_METHOD_POST, "/api/issues/{key}/transitions", JTA_OP_PARAM_KEY,
	    NF(move_fields), 1, JTA_OP_IDEMPOTENT | JTA_OP_OPENWORLD |
	    JTA_OP_CONSEQUENTIAL, ANYOBJ, op_transition },
	{ "createDraft", "Preview a new ticket",
	    "Resolve a new ticket without filing it: names are matched, "
	    "defaults filled, and every problem (missing project, summary or "
	    "required fields, unknown values) comes back at once with the "
	    "allowed values and a question to ask. Show the preview, then "
	    "submitDraft with its revision once the person agrees.",
	    JTA_METHOD_POST, "/api/drafts", JTA_OP_PARAM_NONE, NULL, 0, 1,
	    JTA_OP_OPENWORLD |
	    JTA_OP_FOLLOWUP,
	    OBJ("\"id\":" STR ",\"revision\":" INT ",\"preview\":" ANYOBJ),
	    op_draft_create },
	{ "getDraft", "Read a draft",
	    "A draft by id: its preview, revision and status (ready, "
	    "submitting, or submitted with the issue).",
	    JTA_METHOD_GET, "/api/drafts/{id}", JTA_OP_PARAM_DRAFT, NULL, 0, 0,
	    RO, OBJ("\"id\":" STR ",\"revision\":" INT ",\"preview\":" ANYOBJ),
	    op_draft_show },
	{ "updateDraft", "Change a draft",
	    "Change members of a draft before it is submitted; the draft is "
	    "resolved again and its revision goes up by one.",
	    JTA_METHOD_PATCH, "/api/drafts/{id}", JTA_OP_PARAM_DRAFT, NULL, 0,
	    1, JTA_OP_OPENWORLD,
	    OBJ("\"id\":" STR ",\"revision\":" INT ",\"preview\":" ANYOBJ),
	    op_draft_edit },
	{ "discardDraft", "Discard a draft",
	    "Discard a draft the person no longer wants; nothing is filed.",
	    JTA_METHOD_DELETE, "/api/drafts/{id}", JTA_OP_PARAM_DRAFT, NULL, 0,
	    0, JTA_OP_DESTRUCTIVE | JTA_OP_IDEMPOTENT,
	    OBJ("\"id\":" STR ",\"discarded\":{\"type\":\"boolean\"}"),
	    op_draft_discard },
	{ "submitDraft", "File a ticket from a draft",
	    "Create the ticket from a draft the person confirmed, with the "
	    "draft's revision. Exactly once: submitting again answers the "
	    "same ticket.",
	    JTA_METHOD_POST, "/api/drafts/{id}/submit", JTA_OP_PARAM_DRAFT,
	    NF(submit_fields), 1, JTA_OP_IDEMPOTENT | JTA_OP_OPENWORLD |
	    JTA_OP_CONSEQUENTIAL,
	    OBJ("\"draft\":" STR ",\"issue\":" ANYOBJ), op_draft_submit },
	{ "findSimilar", "Find similar tickets",
	    "The tickets most like a text the person is about to file, and "
	    "the project, type, priority and labels they suggest. Call it "
	    "before creating a ticket: the answer may already exist.",
	    JTA_METHOD_GET, "/api/similar", JTA_OP_PARAM_NONE,
	    NF(similar_fields), 0, RO | JTA_OP_OPENWORLD,
	    OBJ("\"similar\":" ARR ",\"suggestion\":" ANYOBJ), op_similar },
	{ "findUsers", "Find people",
	    "People by a part of their name or email, to fill an assignee.",
	    JTA_METHOD_GET, "/api/users", JTA_OP_PARAM_NONE, NF(users_fields),
	    0, RO | JTA_OP_OPENWORLD, OBJ("\"users\":" ARR), op_users },
	/* Knowledge before tickets (README.md): open world, as Confluence
	 * and the service desks are searched as the person in Jira mode. */
	{ "searchKnowledge", "Search help articles",
	    "Search the knowledge base (the organisation's help articles, "
	    "and Confluence and the service desks' articles when set up) "
	    "with the person's problem in their own words, in any language. "
	    "Call it before drafting a ticket; when an article fits, offer "
	    "it with its url (getKnowledgeArticle reads it) and draft a "
	    "ticket only if the person still needs help.",
	    JTA_METHOD_GET, "/api/knowledge", JTA_OP_PARAM_NONE,
	    NF(knowledge_fields), 0, RO | JTA_OP_OPENWORLD,
	    OBJ("\"articles\":" ARR ",\"searched\":" ARR), op_knowledge },
	{ "getKnowledgeArticle", "Read a help article",
	    "One knowledge article by the id searchKnowledge gave (e.g. kb-3 "
	    "or page-1001): its title, url and body in Markdown, to answer "
	    "the person from. A very long article is cut with a note.",
	    JTA_METHOD_GET, "/api/knowledge/{id}", JTA_OP_PARAM_ARTICLE, NULL,
	    0, 0, RO | JTA_OP_OPENWORLD,
	    OBJ("\"id\":" STR ",\"title\":" STR ",\"url\":" STRNULL
	    ",\"from\":" STR ",\"body\":" STR), op_article },
	/* Only counts (no ticket, nothing upstream): neither destructive
	 * nor open world; each call counts once more, so not idempotent.
	 * The endpoint table takes it as a read for the access rules. */
	{ "markKnowledgeHelped", "Record that an article helped",
	    "Call it once when the person says the article you offered "
	    "solved their problem and no ticket is needed: it counts the "
	    "answer (answered from knowledge) and changes nothing else.",
	    JTA_METHOD_POST, "/api/knowledge/{id}/helped",
	    JTA_OP_PARAM_ARTICLE, NULL, 0, 0, 0,
	    OBJ("\"recorded\":" BOOL ",\"id\":" STR), op_helped },
	{ "listServiceDesks", "List service desks and request types",
	    "The Jira Service Management desks the person can raise requests "
	    "in, each with its project and its request types (name, "
	    "description, help text) as the portal groups them. Use it to "
	    "pick the request type that fits the person's problem; empty "
	    "when there are no desks.",
	    JTA_METHOD_GET, "/api/servicedesks", JTA_OP_PARAM_NONE, NULL, 0, 0,
	    RO | JTA_OP_OPENWORLD, OBJ("\"servicedesks\":" ARR),
	    op_sd_desks },
	{ "listRequests", "List the person's service-desk requests",
	    "The person's service-desk requests, newest first, with their "
	    "status and portal link: those they raised or take part in, or "
	    "with mine=approver those waiting for their approval. Filter by "
	    "status (open, closed, all), project, request type id or words "
	    "of the summary.",
	    JTA_METHOD_GET, "/api/requests", JTA_OP_PARAM_NONE,
	    NF(rq_list_fields), 0, RO | JTA_OP_OPENWORLD,
	    OBJ("\"requests\":" ARR), op_sd_requests },
	{ "getRequest", "Read a service-desk request",
	    "One service-desk request by its key (e.g. IT-12): status, "
	    "request type, portal link, the comments the person may see "
	    "(each says whether it is public) and its SLAs where they may "
	    "see them.",
	    JTA_METHOD_GET, "/api/requests/{key}", JTA_OP_PARAM_KEY, NULL, 0,
	    0, RO | JTA_OP_OPENWORLD,
	    OBJ("\"key\":" STR ",\"summary\":" STR ",\"url\":" STR
	    ",\"comments\":" ARR), op_sd_request },
	{ "commentOnRequest", "Comment on a service-desk request",
	    "Add a comment (Markdown) to a service-desk request as the "
	    "person: public (the customer sees it) by default, internal "
	    "(the desk's agents only) when an agent asks. Show the text and "
	    "get the person's yes first.",
	    JTA_METHOD_POST, "/api/requests/{key}/comments", JTA_OP_PARAM_KEY,
	    NF(rq_comment_fields), 1, JTA_OP_OPENWORLD | JTA_OP_CONSEQUENTIAL,
	    ANYOBJ, op_sd_comment },
	{ "listRequestMoves", "Where a service-desk request can move",
	    "The customer transitions a service-desk request offers the "
	    "person now (e.g. Cancel request, Resolve this issue), by name "
	    "and id.",
	    JTA_METHOD_GET, "/api/requests/{key}/transitions",
	    JTA_OP_PARAM_KEY, NULL, 0, 0, RO | JTA_OP_OPENWORLD,
	    OBJ("\"key\":" STR ",\"transitions\":" ARR),
	    op_sd_transitions },
	{ "moveRequest", "Move a service-desk request",
	    "Take one of the customer transitions listRequestMoves gives (by "
	    "name or id), with an optional comment. Confirm with the person "
	    "first.",
	    JTA_METHOD_POST, "/api/requests/{key}/transitions",
	    JTA_OP_PARAM_KEY, NF(rq_move_fields), 1, JTA_OP_OPENWORLD |
	    JTA_OP_CONSEQUENTIAL, OBJ("\"key\":" STR), op_sd_transition },
	{ "answerApproval", "Approve or decline a request",
	    "Answer the approval of a service-desk request that waits for "
	    "the person (listRequests with mine=approver lists them): "
	    "approve or decline. Confirm the decision with the person first; "
	    "it cannot be taken back.",
	    JTA_METHOD_POST, "/api/requests/{key}/approval", JTA_OP_PARAM_KEY,
	    NF(rq_decide_fields), 1, JTA_OP_OPENWORLD | JTA_OP_CONSEQUENTIAL,
	    OBJ("\"key\":" STR ",\"approval\":" ANYOBJ), op_sd_decide },
	{ "getAttachmentText", "Read a text attachment",
	    "The text of one attachment of a ticket (a log, CSV, Markdown, "
	    "JSON or plain text file; the id from getIssue's attachments), "
	    "up to a bound: truncated says when it was cut. Quote the lines "
	    "that matter, such as the error line. Images and other files "
	    "are refused: give the person their url.",
	    JTA_METHOD_GET, "/api/issues/{key}/attachments/{id}/text",
	    JTA_OP_PARAM_KEY_FILE, NULL, 0, 0, RO | JTA_OP_OPENWORLD,
	    OBJ("\"id\":" STR ",\"name\":" STR ",\"text\":" STR),
	    jta_files_op_text },
};
#define NTABLE	(sizeof(table) / sizeof(table[0]))

const struct jta_operation *
jta_operation_at(size_t i)
{
	return i < NTABLE ? &table[i] : NULL;
}

const struct jta_operation *
jta_operation_get(const char *name)
{
	size_t	 i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < NTABLE; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

/* The fields of op: createDraft's is the create table (jta_backend.h),
 * updateDraft's the same without required (made on first use), every
 * other row's its own. */
const struct jta_field *
jta_operation_fields(const struct jta_operation *op, size_t *n)
{
	if (op->run == op_draft_edit)
		return patchfields(n);
	if (op->run == op_draft_create)
		return draftfields(n);
	*n = op->nfields;
	return op->fields;
}

/* ---- the REST programs ---- */

enum jta_err
jta_operation_rest(const struct jta_operation *op, struct jta_ctx *ctx,
    const struct jta_req *req, const struct jta_user *who, const char *param,
    int *status, json_t **out, struct jta_error *err)
{
	const struct jta_field *f;
	json_t		*q = NULL, *in = NULL;
	size_t		 n;
	enum jta_err	 rc;

	*out = NULL;
	*status = 200;
	f = jta_operation_fields(op, &n);
	if (op->body) {
		if ((rc = jta_req_query(req, NULL, 0, &q, err)) != JTA_OK ||
		    (rc = jta_req_json(req, f, n, &in, err)) != JTA_OK)
			goto out;
	} else if ((rc = jta_req_query(req, f, n, &in, err)) != JTA_OK)
		goto out;
	rc = op->run(ctx, req, who, param, in, status, out, err);
out:
	json_decref(q);
	json_decref(in);
	return rc;
}

/*
 * searchIssues answered with the text the backend writes (jta_backend.h
 * search_text): the bytes jta_resp_json would send of search's tree,
 * without the tree (issue 16).  *sent is 0 when the text cannot go as it
 * is (a notice, the response cap): the caller answers with the tree.
 */
static enum jta_err
search_answer_text(const struct jta_operation *op, struct jta_ctx *ctx,
    const struct jta_req *req, const struct jta_user *who,
    struct jta_resp *resp, int *sent, struct jta_error *err)
{
	const struct jta_field *f;
	struct jta_search q;
	json_t		*in = NULL;
	char		*text = NULL;
	size_t		 n, len;
	enum jta_err	 rc;

	*sent = 0;
	f = jta_operation_fields(op, &n);
	if ((rc = jta_req_query(req, f, n, &in, err)) == JTA_OK &&
	    (rc = searchq(in, who, &q, err)) == JTA_OK &&
	    (rc = ctx->backend->ops->search_text(ctx->backend, who, &q,
	    &text, &len, err)) == JTA_OK)
		rc = jta_resp_json_text(resp, 200, text, len, sent);
	free(text);
	json_decref(in);
	return rc;
}

enum jta_err
jta_operation_answer(const struct jta_operation *op, struct jta_ctx *ctx,
    const struct jta_req *req, const struct jta_user *who, const char *param,
    struct jta_resp *resp, json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	int		 status, sent;

	*out = NULL;
	if (op->run == op_search && !op->body &&
	    ctx->backend->ops->search_text != NULL && resp->notice == NULL) {
		if ((rc = search_answer_text(op, ctx, req, who, resp, &sent,
		    err)) != JTA_OK || sent)
			return rc;
	}
	if ((rc = jta_operation_rest(op, ctx, req, who, param, &status, out,
	    err)) != JTA_OK)
		return rc;
	return status == 204 ? jta_resp_empty(resp, 204) :
	    jta_resp_json(resp, status, *out);
}
