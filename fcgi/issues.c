/*
 * The issue collection: GET /api/issues searches (operation searchIssues,
 * jta_operation.h), POST /api/issues creates.  /oauth/issues, the seed's
 * name for it, is the same resource.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jta_fcgi.h"
#include "jta_once.h"
#include "jta_operation.h"
#include "jta_time.h"

static const char *
str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* GET: operation searchIssues (jta_operation.h). */
static enum jta_err
search(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*out = NULL;

	rc = jta_operation_answer(jta_operation_get("searchIssues"), ctx, req,
	    who, NULL, resp, &out, err);
	json_decref(out);
	return rc;
}

/* POST with an Idempotency-Key header: the key is checked and the
 * create runs exactly once per key and request (jta_once). */
static enum jta_err
idempotent(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const json_t *f, int *status, json_t **out,
    struct jta_error *err)
{
	char		 key[JTA_LIMIT_IDEMPOTENCY_KEY + 1];
	enum jta_err	 rc;

	if ((rc = jta_once_key_parse(req->idempotency_key,
	    strlen(req->idempotency_key), key, err)) != JTA_OK)
		return rc;
	return jta_once_issue_create(ctx->backend, ctx->vault, who, key,
	    req->method_name, req->path, req->body, req->body_len, f,
	    jta_time_now(), status, out, err);
}

static enum jta_err
create(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	int		 status = 201;
	json_t		*f = NULL, *out = NULL, *q = NULL, *prep = NULL;

	if ((rc = jta_req_query(req, NULL, 0, &q, err)) != JTA_OK ||
	    (rc = jta_req_json(req, jta_backend_create_fields,
	    jta_backend_ncreate_fields, &f, err)) != JTA_OK)
		goto out;
	/* Resolve every name first (all problems in one 422), then file
	 * exactly that; with an Idempotency-Key, exactly once (jta_once). */
	if (req->has_idempotency_key) {
		if ((rc = idempotent(ctx, req, who, f, &status, &out,
		    err)) != JTA_OK)
			goto out;
	} else if ((rc = ctx->backend->ops->prepare(ctx->backend, who, f,
	    &prep, err)) != JTA_OK ||
	    (rc = ctx->backend->ops->create(ctx->backend, who, prep, NULL,
	    &out, err)) != JTA_OK)
		goto out;
	/* The created resource (RFC 9110 §10.2.2) is the API's issue; "url"
	 * is the page a person opens. */
	if ((rc = jta_fcgi_location_issue(ctx, resp, str(out, "key"))) !=
	    JTA_OK)
		goto out;
	rc = jta_resp_json(resp, status, out);
out:
	json_decref(q);
	json_decref(f);
	json_decref(prep);
	json_decref(out);
	return rc;
}

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	if (strcmp(req->path, "/api/issues") != 0 &&
	    strcmp(req->path, "/oauth/issues") != 0)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "path",
		    "no such resource");
	switch (req->method) {
	case JTA_METHOD_GET:
	case JTA_METHOD_HEAD:
		return search(ctx, req, who, resp, err);
	case JTA_METHOD_POST:
		return create(ctx, req, who, resp, err);
	case JTA_METHOD_PUT:
	case JTA_METHOD_PATCH:
	case JTA_METHOD_DELETE:
	case JTA_METHOD_OTHER:
		break;
	}
	return jta_fcgi_method_not_allowed(resp, "GET, HEAD, POST", err);
}

static const struct jta_endpoint endpoint = {
	.name = "jta-issues",
	.handle = handle,
	.store_reads = 1,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
