/*
 * GET /api/servicedesks: the Jira Service Management desks the person can
 * raise requests in, with their request types as the portal groups them
 * (README.md "Jira Service Management").
 */
#include "config.h"

#include "jta_fcgi.h"

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*out = NULL, *q = NULL, *list;
	size_t		 i;
	int		 ok;

	if (req->method != JTA_METHOD_GET && req->method != JTA_METHOD_HEAD)
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD", err);
	/* No parameters: an unknown one is an error, not ignored. */
	if ((rc = jta_req_query(req, NULL, 0, &q, err)) != JTA_OK)
		return rc;
	json_decref(q);
	if ((rc = ctx->backend->ops->sd_desks(ctx->backend, who, &out, err)) !=
	    JTA_OK)
		goto out;
	/* Only the desks the access rules let the person raise requests
	 * in: a desk is its project. */
	list = json_object_get(out, "servicedesks");
	for (i = json_array_size(list); i > 0; i--) {
		if ((rc = jta_policy_may_create(ctx->policy, req, who,
		    json_string_value(json_object_get(json_array_get(list,
		    i - 1), "project")), &ok, err)) != JTA_OK)
			goto out;
		if (ok == 0 && json_array_remove(list, i - 1) != 0) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
	}
	rc = jta_resp_json(resp, 200, out);
out:
	json_decref(out);
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-servicedesks",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
