/* POST /api/issues/{key}/attachments: attach files from the conversation
 * to an issue or a service-desk request; operation attachFiles
 * (jta_operation.h, README "Attachments: attachFiles"). */
#include "config.h"

#include "jta_fcgi.h"
#include "jta_operation.h"

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*out = NULL;
	char		 key[JTA_LIMIT_ISSUE_KEY + 1];

	if ((rc = jta_req_issue_key(req, "/attachments", key, err)) != JTA_OK)
		return rc;
	if (req->method != JTA_METHOD_POST)
		return jta_fcgi_method_not_allowed(resp, "POST", err);
	rc = jta_operation_answer(jta_operation_get("attachFiles"), ctx, req,
	    who, key, resp, &out, err);
	json_decref(out);
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-attachments",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
