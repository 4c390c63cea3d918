/* GET /api/issues/{key}/transitions lists where the issue may move;
 * POST with {"to": "<status>"} moves it there. */
#include "config.h"

#include "jta_fcgi.h"

static const struct jta_field move_fields[] = {
	{ "to", JTA_FT_STRING, JTA_F_REQUIRED, 1, JTA_LIMIT_NAME, NULL },
};

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*q = NULL, *f = NULL, *out = NULL;
	char		 key[JTA_LIMIT_ISSUE_KEY + 1];

	if ((rc = jta_req_issue_key(req, "/transitions", key, err)) != JTA_OK)
		return rc;
	if ((rc = jta_req_query(req, NULL, 0, &q, err)) != JTA_OK)
		return rc;
	json_decref(q);
	switch (req->method) {
	case JTA_METHOD_GET:
	case JTA_METHOD_HEAD:
		rc = ctx->backend->ops->transitions(ctx->backend, who, key,
		    &out, err);
		break;
	case JTA_METHOD_POST:
		/* The target is a status name; the backend resolves it (by
		 * name, ignoring case), so Jira's own names work too. */
		if ((rc = jta_req_json(req, move_fields, 1, &f, err)) != JTA_OK)
			break;
		rc = ctx->backend->ops->transition(ctx->backend, who, key,
		    json_string_value(json_object_get(f, "to")), &out, err);
		break;
	case JTA_METHOD_PUT:
	case JTA_METHOD_PATCH:
	case JTA_METHOD_DELETE:
	case JTA_METHOD_OTHER:
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD, POST",
		    err);
	}
	if (rc == JTA_OK)
		rc = jta_resp_json(resp, 200, out);
	json_decref(f);
	json_decref(out);
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-transitions",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
