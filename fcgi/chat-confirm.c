/*
 * POST /api/chat/confirm {"action"}: the person runs a pending action of
 * our own agent (README "Chat: our own agent"; jta_chat.h).  The model
 * can only ask for a consequential operation; this request, the
 * person's, is what runs it, once.
 *
 * The serving loop's classify hook reads the action before the kill
 * switch and authentication and classifies the request as the REST
 * request its tool is (jta_chat_confirm_classify), so the access rules,
 * quotas, usage, audit and metrics see that operation, as for an MCP
 * tools/call.
 */
#include "config.h"

#include "jta_chat.h"
#include "jta_fcgi.h"

static enum jta_err
classify(struct jta_ctx *ctx, const struct jta_req *req,
    struct jta_policy_op *op, struct jta_error *err)
{
	if (req->method != JTA_METHOD_POST)
		return jta_error_set(err, JTA_ERR_INPUT, 405, "method",
		    "this resource accepts POST");
	return jta_chat_confirm_classify(ctx, req, op, err);
}

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	json_t		*out = NULL;
	enum jta_err	 rc;
	int		 st = 0;

	if ((rc = jta_chat_confirm(ctx, req, who, &st, &out, err)) != JTA_OK)
		return rc;
	rc = jta_resp_json(resp, st, out);
	json_decref(out);
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-chat-confirm",
	.handle = handle,
	.classify = classify,
	.done = jta_chat_confirm_done,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
