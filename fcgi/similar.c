/*
 * GET /api/similar?text=...[&project=KEY][&limit=N]: the tickets most like
 * a text the person is about to file, and what they suggest for it
 * (project, type, priority, labels, components); operation findSimilar
 * (jta_operation.h).  README.md "The ticket API".  With
 * request_types=true, also the service desks' request types ranked for
 * the text (README.md "Jira Service Management").
 */
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
	rc = jta_operation_answer(jta_operation_get("findSimilar"), ctx, req,
	    who, NULL, resp, &out, err);
	json_decref(out);
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-similar",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
