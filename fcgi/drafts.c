/*
 * Drafts: what a ticket would be, before it is filed (README.md "The
 * ticket API").  POST /api/drafts resolves a create request and keeps it;
 * GET /api/drafts/{id} shows it; PATCH /api/drafts/{id} changes it
 * (revision + 1); DELETE /api/drafts/{id} discards it (204); POST
 * /api/drafts/{id}/submit files it exactly once
 * (jta_once).  GPT Actions cannot send an Idempotency-Key, so this is how
 * an assistant creates a ticket that a retry never duplicates.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jta_fcgi.h"
#include "jta_once.h"
#include "jta_time.h"

static const struct jta_field submit_fields[] = {
	{ "revision", JTA_FT_UINT, JTA_F_REQUIRED, 1, JTA_LIMIT_REVISION,
	    NULL },
};

/* The create table without "required": PATCH sends only what changes. */
static struct jta_field patch_fields[JTA_LIMIT_JSON_MEMBERS];

static size_t
patch_table(void)
{
	size_t	 i, n = jta_backend_ncreate_fields;

	if (n > JTA_LIMIT_JSON_MEMBERS)
		n = JTA_LIMIT_JSON_MEMBERS;
	for (i = 0; i < n; i++) {
		patch_fields[i] = jta_backend_create_fields[i];
		patch_fields[i].flags &= ~JTA_F_REQUIRED;
	}
	return n;
}

/* Answer the draft d (taken) with status. */
static enum jta_err
answer(struct jta_resp *resp, int status, json_t *d)
{
	enum jta_err	 rc;

	rc = jta_resp_json(resp, status, d);
	json_decref(d);
	return rc;
}

static enum jta_err
show(struct jta_ctx *ctx, const struct jta_user *who, const char *id,
    struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*d;

	if ((rc = jta_once_draft_show(ctx->backend, who, id, jta_time_now(),
	    &d, err)) != JTA_OK)
		return rc;
	return answer(resp, 200, d);
}

static enum jta_err
create(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*f = NULL, *d = NULL;
	char		 id[JTA_LIMIT_DRAFT_ID + 1];
	char		 loc[JTA_CONF_URL_MAX + 64];

	if ((rc = jta_req_json(req, jta_backend_create_fields,
	    jta_backend_ncreate_fields, &f, err)) != JTA_OK ||
	    (rc = jta_once_draft_create(ctx->backend, who, f, jta_time_now(),
	    id, &d, err)) != JTA_OK)
		goto out;
	snprintf(loc, sizeof(loc), "%s/api/drafts/%s", ctx->conf.public_url,
	    id);
	if ((rc = jta_resp_header(resp, "Location", loc)) != JTA_OK)
		goto out;
	rc = answer(resp, 201, d);
	d = NULL;
out:
	json_decref(f);
	json_decref(d);
	return rc;
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

static enum jta_err
edit(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *id, struct jta_resp *resp,
    struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*f = NULL, *d = NULL;

	if ((rc = jta_req_json(req, patch_fields, patch_table(), &f, err)) !=
	    JTA_OK)
		goto out;
	if (json_object_size(f) == 0) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, "body",
		    "send at least one member to change");
		goto out;
	}
	if ((rc = recheck(ctx, req, who, id, err)) != JTA_OK ||
	    (rc = jta_once_draft_edit(ctx->backend, who, id, f,
	    jta_time_now(), &d, err)) != JTA_OK)
		goto out;
	rc = answer(resp, 200, d);
	d = NULL;
out:
	json_decref(f);
	json_decref(d);
	return rc;
}

static enum jta_err
discard(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *id, struct jta_resp *resp,
    struct jta_error *err)
{
	enum jta_err	 rc;

	if ((rc = recheck(ctx, req, who, id, err)) != JTA_OK ||
	    (rc = jta_once_draft_discard(ctx->backend, who, id,
	    jta_time_now(), err)) != JTA_OK)
		return rc;
	return jta_resp_empty(resp, 204);
}

static enum jta_err
submit(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *id, struct jta_resp *resp,
    struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*f = NULL, *out = NULL;
	int		 status;

	if ((rc = jta_req_json(req, submit_fields, 1, &f, err)) != JTA_OK ||
	    (rc = recheck(ctx, req, who, id, err)) != JTA_OK)
		goto out;
	if ((rc = jta_once_draft_submit(ctx->backend, who, id,
	    json_integer_value(json_object_get(f, "revision")),
	    jta_time_now(), &status, &out, err)) != JTA_OK)
		goto out;
	if (status == 201 && (rc = jta_fcgi_location_issue(ctx, resp,
	    json_string_value(json_object_get(json_object_get(out, "issue"),
	    "key")))) != JTA_OK)
		goto out;
	rc = jta_resp_json(resp, status, out);
out:
	json_decref(f);
	json_decref(out);
	return rc;
}

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*q = NULL;
	char		 id[JTA_LIMIT_PATH + 1];

	if ((rc = jta_req_query(req, NULL, 0, &q, err)) != JTA_OK)
		return rc;
	json_decref(q);
	if (strcmp(req->path, "/api/drafts") == 0) {
		if (req->method == JTA_METHOD_POST)
			return create(ctx, req, who, resp, err);
		return jta_fcgi_method_not_allowed(resp, "POST", err);
	}
	if (jta_req_path_segment(req, "/api/drafts/", "/submit", id,
	    sizeof(id))) {
		if (!jta_once_draft_id_ok(id))
			goto nodraft;
		if (req->method == JTA_METHOD_POST)
			return submit(ctx, req, who, id, resp, err);
		return jta_fcgi_method_not_allowed(resp, "POST", err);
	}
	if (!jta_req_path_segment(req, "/api/drafts/", "", id, sizeof(id)))
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "path",
		    "no such resource");
	if (!jta_once_draft_id_ok(id))
		goto nodraft;
	switch (req->method) {
	case JTA_METHOD_GET:
	case JTA_METHOD_HEAD:
		return show(ctx, who, id, resp, err);
	case JTA_METHOD_PATCH:
		return edit(ctx, req, who, id, resp, err);
	case JTA_METHOD_DELETE:
		return discard(ctx, req, who, id, resp, err);
	case JTA_METHOD_POST:
	case JTA_METHOD_PUT:
	case JTA_METHOD_OTHER:
		break;
	}
	return jta_fcgi_method_not_allowed(resp, "GET, HEAD, PATCH, DELETE",
	    err);
nodraft:
	/* A malformed id is as unknown as a well-formed one nobody has. */
	return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
	    "there is no draft with that id; a draft id looks like "
	    "d_ and 22 letters, digits, - or _");
}

static const struct jta_endpoint endpoint = {
	.name = "jta-drafts",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
