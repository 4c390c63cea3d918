/*
 * Jira Service Management requests (README.md "Jira Service
 * Management"): GET /api/requests lists the person's requests
 * (operation listRequests, jta_operation.h), POST
 * /api/requests raises one (the body of POST /api/issues with a
 * request_type, resolved the same way, one 422 with every problem),
 * GET /api/requests/{key} reads one with its comments and SLAs; POST
 * .../comments comments (public, or internal for agents), GET|POST
 * .../transitions lists and takes the customer transitions, POST
 * .../approval approves or declines the approval waiting for the person
 * (operations getRequest, commentOnRequest, listRequestMoves,
 * moveRequest, answerApproval).  A raise is no operation of the table:
 * assistants raise through drafts (createDraft, submitDraft), as they
 * create issues.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jta_fcgi.h"
#include "jta_once.h"
#include "jta_operation.h"
#include "jta_text.h"
#include "jta_time.h"

static const char *
str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A raise: a create that must name its request type; with an
 * Idempotency-Key, exactly once per key (jta_once), as POST /api/issues. */
static enum jta_err
raise(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	int		 status = 201;
	json_t		*f = NULL, *out = NULL, *q = NULL, *prep = NULL;
	char		 key[JTA_LIMIT_IDEMPOTENCY_KEY + 1];
	char		 loc[JTA_CONF_URL_MAX + JTA_LIMIT_ISSUE_KEY + 16];

	if ((rc = jta_req_query(req, NULL, 0, &q, err)) != JTA_OK ||
	    (rc = jta_req_json(req, jta_backend_create_fields,
	    jta_backend_ncreate_fields, &f, err)) != JTA_OK)
		goto out;
	if (json_object_get(f, "request_type") == NULL) {
		jta_error_begin(err);
		if (jta_error_add(err, "request_type", "is required") == 0) {
			(void)jta_error_name(err, "Request type");
			(void)jta_error_ask(err, "Which request type is it? "
			    "(GET /api/servicedesks lists them)");
		}
		rc = jta_error_collected(err);
		goto out;
	}
	if (req->has_idempotency_key) {
		if ((rc = jta_once_key_parse(req->idempotency_key,
		    strlen(req->idempotency_key), key, err)) != JTA_OK ||
		    (rc = jta_once_issue_create(ctx->backend, ctx->vault, who,
		    key, req->method_name, req->path, req->body, req->body_len,
		    f, jta_time_now(), &status, &out, err)) != JTA_OK)
			goto out;
	} else if ((rc = ctx->backend->ops->prepare(ctx->backend, who, f,
	    &prep, err)) != JTA_OK ||
	    (rc = ctx->backend->ops->create(ctx->backend, who, prep, NULL,
	    &out, err)) != JTA_OK)
		goto out;
	/* The created resource (RFC 9110 §10.2.2): the API's request; "url"
	 * is the portal page a person opens. */
	if (str(out, "key") != NULL) {
		snprintf(loc, sizeof(loc), "%s/api/requests/%s",
		    ctx->conf.public_url, str(out, "key"));
		if ((rc = jta_resp_header(resp, "Location", loc)) != JTA_OK)
			goto out;
	}
	rc = jta_resp_json(resp, status, out);
out:
	json_decref(q);
	json_decref(f);
	json_decref(prep);
	json_decref(out);
	return rc;
}

static enum jta_err
one(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	static const char *const subs[] = { "", "/comments", "/transitions",
	    "/approval", NULL };
	const struct jta_operation *op;
	enum jta_err	 rc;
	json_t		*out = NULL;
	char		 seg[JTA_LIMIT_ISSUE_KEY + 2];
	char		 proj[JTA_LIMIT_PROJECT_KEY + 1];
	size_t		 i, s;

	for (s = 0; subs[s] != NULL; s++)
		if (jta_req_path_segment(req, "/api/requests/", subs[s], seg,
		    sizeof(seg)))
			break;
	if (subs[s] == NULL)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "path",
		    "no such resource");
	for (i = 0; seg[i] != '\0'; i++)
		if (seg[i] >= 'a' && seg[i] <= 'z')
			seg[i] = (char)(seg[i] - 'a' + 'A');
	if (jta_text_parse_issue_key(seg, strlen(seg), proj, sizeof(proj),
	    &(int64_t){ 0 }) != 0)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
		    "a request is named by its key, such as IT-12");
	if (req->method == JTA_METHOD_POST && s > 0)
		op = jta_operation_get(s == 1 ? "commentOnRequest" : s == 2 ?
		    "moveRequest" : "answerApproval");
	else if (req->method != JTA_METHOD_GET &&
	    req->method != JTA_METHOD_HEAD)
		return jta_fcgi_method_not_allowed(resp, s == 0 ? "GET, HEAD" :
		    s == 2 ? "GET, HEAD, POST" : "POST", err);
	else if (s == 0)
		op = jta_operation_get("getRequest");
	else if (s == 2)
		op = jta_operation_get("listRequestMoves");
	else
		return jta_fcgi_method_not_allowed(resp, "POST", err);
	rc = jta_operation_answer(op, ctx, req, who, seg, resp, &out, err);
	json_decref(out);
	return rc;
}

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	if (strcmp(req->path, "/api/requests") != 0)
		return one(ctx, req, who, resp, err);
	switch (req->method) {
	case JTA_METHOD_GET:
	case JTA_METHOD_HEAD: {
		json_t		*out = NULL;
		enum jta_err	 rc;

		rc = jta_operation_answer(jta_operation_get("listRequests"),
		    ctx, req, who, NULL, resp, &out, err);
		json_decref(out);
		return rc;
	}
	case JTA_METHOD_POST:
		return raise(ctx, req, who, resp, err);
	case JTA_METHOD_PUT:
	case JTA_METHOD_PATCH:
	case JTA_METHOD_DELETE:
	case JTA_METHOD_OTHER:
		break;
	}
	return jta_fcgi_method_not_allowed(resp, "GET, HEAD, POST", err);
}

static const struct jta_endpoint endpoint = {
	.name = "jta-requests",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
