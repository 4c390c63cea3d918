/*
 * GET /api/users?query=...[&limit=N]: people by a part of their name or
 * email, to fill an assignee.  README.md "The ticket API".
 */
#include "config.h"

#include "jta_fcgi.h"

static const struct jta_field fields[] = {
	{ "query", JTA_FT_STRING, JTA_F_REQUIRED, 1, JTA_LIMIT_EMAIL, NULL },
	{ "limit", JTA_FT_UINT, 0, 1, JTA_LIMIT_USERS_MAX, NULL },
};

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*p = NULL, *out = NULL;
	const json_t	*lim;

	if (req->method != JTA_METHOD_GET && req->method != JTA_METHOD_HEAD)
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD", err);
	if ((rc = jta_req_query(req, fields, sizeof(fields) /
	    sizeof(fields[0]), &p, err)) != JTA_OK)
		return rc;
	lim = json_object_get(p, "limit");
	if ((rc = ctx->backend->ops->users(ctx->backend, who,
	    json_string_value(json_object_get(p, "query")), lim != NULL ?
	    (size_t)json_integer_value(lim) : JTA_LIMIT_USERS_DEFAULT, &out,
	    err)) == JTA_OK)
		rc = jta_resp_json(resp, 200, out);
	json_decref(out);
	json_decref(p);
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-users",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
