/*
 * Drafts: what a ticket would be, before it is filed (README.md "The
 * ticket API").  POST /api/drafts resolves a create request and keeps it;
 * GET /api/drafts/{id} shows it; PATCH /api/drafts/{id} changes it
 * (revision + 1); POST /api/drafts/{id}/submit files it exactly once
 * (jta_once).  GPT Actions cannot send an Idempotency-Key, so this is how
 * an assistant creates a ticket that a retry never duplicates.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jta_fcgi.h"
#include "jta_once.h"
#include "jta_store_drafts.h"
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

/* Answer the draft id of who with status. */
static enum jta_err
show(struct jta_ctx *ctx, const struct jta_user *who, const char *id,
    int status, struct jta_resp *resp, struct jta_error *err)
{
	struct jta_draft d;
	json_t		*o;
	enum jta_err	 rc;

	if ((rc = jta_store_draft_get(ctx->store, who->id, id,
	    jta_time_now(), &d, err)) != JTA_OK)
		return rc;
	o = jta_once_draft_json(&d);
	jta_store_draft_clear(&d);
	if (o == NULL)
		return JTA_ERR_NOMEM;
	rc = jta_resp_json(resp, status, o);
	json_decref(o);
	return rc;
}

static enum jta_err
create(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*f = NULL, *prep = NULL;
	char		 id[JTA_LIMIT_DRAFT_ID + 1];
	char		 loc[JTA_CONF_URL_MAX + 64];

	if ((rc = jta_req_json(req, jta_backend_create_fields,
	    jta_backend_ncreate_fields, &f, err)) != JTA_OK)
		goto out;
	if ((rc = ctx->backend->ops->prepare(ctx->backend, who, f, &prep,
	    err)) != JTA_OK)
		goto out;
	jta_once_id("d_", id);
	if ((rc = jta_store_draft_put(ctx->store, who->id, id, f, prep,
	    jta_time_now(), err)) != JTA_OK)
		goto out;
	snprintf(loc, sizeof(loc), "%s/api/drafts/%s", ctx->conf.public_url,
	    id);
	if ((rc = jta_resp_header(resp, "Location", loc)) != JTA_OK)
		goto out;
	rc = show(ctx, who, id, 201, resp, err);
out:
	json_decref(f);
	json_decref(prep);
	return rc;
}

/*
 * The access rules again, now with the draft's own project (the request
 * of a submit or an edit does not name it; jta_policy_op_from_req).
 */
static enum jta_err
recheck(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *id, struct jta_error *err)
{
	struct jta_policy_op op;
	struct jta_draft d;
	enum jta_err	 rc;

	memset(&d, 0, sizeof(d));
	if ((rc = jta_store_draft_get(ctx->store, who->id, id, jta_time_now(),
	    &d, err)) != JTA_OK)
		return rc;
	jta_policy_op_from_req(req, ctx->conf.default_project, &op);
	op.has_project = 1;
	snprintf(op.project, sizeof(op.project), "%s",
	    json_string_value(json_object_get(d.preview, "project")) ?
	    json_string_value(json_object_get(d.preview, "project")) : "");
	rc = jta_policy_check(ctx->policy, req, who, &op, err);
	jta_store_draft_clear(&d);
	return rc;
}

static enum jta_err
edit(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *id, struct jta_resp *resp,
    struct jta_error *err)
{
	struct jta_draft d;
	enum jta_err	 rc;
	json_t		*f = NULL, *prep = NULL, *v;
	const char	*k;

	memset(&d, 0, sizeof(d));
	if ((rc = jta_req_json(req, patch_fields, patch_table(), &f, err)) !=
	    JTA_OK)
		goto out;
	if (json_object_size(f) == 0) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, "body",
		    "send at least one member to change");
		goto out;
	}
	if ((rc = recheck(ctx, req, who, id, err)) != JTA_OK ||
	    (rc = jta_store_draft_get(ctx->store, who->id, id,
	    jta_time_now(), &d, err)) != JTA_OK)
		goto out;
	if (strcmp(d.status, "ready") != 0) {
		rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, "id",
		    "this draft is %s and can no longer change", d.status);
		goto out;
	}
	/* The whole request again, re-validated as one. */
	json_object_foreach(f, k, v)
		if (json_object_set(d.input, k, v) != 0) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
	if ((rc = ctx->backend->ops->prepare(ctx->backend, who, d.input,
	    &prep, err)) != JTA_OK)
		goto out;
	if ((rc = jta_store_draft_edit(ctx->store, who->id, id, d.revision,
	    d.input, prep, jta_time_now(), err)) != JTA_OK)
		goto out;
	rc = show(ctx, who, id, 200, resp, err);
out:
	jta_store_draft_clear(&d);
	json_decref(f);
	json_decref(prep);
	return rc;
}

static enum jta_err
submit(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *id, struct jta_resp *resp,
    struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*f = NULL, *out = NULL;
	const char	*url;
	int		 status;

	if ((rc = jta_req_json(req, submit_fields, 1, &f, err)) != JTA_OK ||
	    (rc = recheck(ctx, req, who, id, err)) != JTA_OK)
		goto out;
	if ((rc = jta_once_draft_submit(ctx->backend, who, id,
	    json_integer_value(json_object_get(f, "revision")),
	    jta_time_now(), &status, &out, err)) != JTA_OK)
		goto out;
	url = json_string_value(json_object_get(json_object_get(out,
	    "issue"), "url"));
	if (status == 201 && url != NULL &&
	    (rc = jta_resp_header(resp, "Location", url)) != JTA_OK)
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
		return show(ctx, who, id, 200, resp, err);
	case JTA_METHOD_PATCH:
		return edit(ctx, req, who, id, resp, err);
	case JTA_METHOD_POST:
	case JTA_METHOD_PUT:
	case JTA_METHOD_DELETE:
	case JTA_METHOD_OTHER:
		break;
	}
	return jta_fcgi_method_not_allowed(resp, "GET, HEAD, PATCH", err);
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
