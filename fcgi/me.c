/* GET /api/me: who the API key acts for (operation getMe,
 * jta_operation.h). */
#include "config.h"

#include "jta_fcgi.h"
#include "jta_operation.h"

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*out = NULL;

	if (req->method != JTA_METHOD_GET && req->method != JTA_METHOD_HEAD)
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD", err);
	/* No parameters: an unknown one is an error, not ignored. */
	rc = jta_operation_answer(jta_operation_get("getMe"), ctx, req, who,
	    NULL, resp, &out, err);
	json_decref(out);
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-me",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
