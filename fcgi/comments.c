/* POST /api/issues/{key}/comments: add a comment (Markdown). */
#include "config.h"

#include "jta_fcgi.h"

static const struct jta_field comment_fields[] = {
	{ "body", JTA_FT_TEXT, JTA_F_REQUIRED, 1, JTA_LIMIT_COMMENT, NULL },
};

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*q = NULL, *f = NULL, *out = NULL;
	char		 key[JTA_LIMIT_ISSUE_KEY + 1];

	if ((rc = jta_req_issue_key(req, "/comments", key, err)) != JTA_OK)
		return rc;
	if (req->method != JTA_METHOD_POST)
		return jta_fcgi_method_not_allowed(resp, "POST", err);
	if ((rc = jta_req_query(req, NULL, 0, &q, err)) != JTA_OK ||
	    (rc = jta_req_json(req, comment_fields, 1, &f, err)) != JTA_OK)
		goto out;
	if ((rc = ctx->backend->ops->comment(ctx->backend, who, key,
	    json_string_value(json_object_get(f, "body")), &out, err)) ==
	    JTA_OK)
		rc = jta_resp_json(resp, 201, out);
out:
	json_decref(q);
	json_decref(f);
	json_decref(out);
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-comments",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
