/*
 * POST /mcp: the Model Context Protocol over Streamable HTTP (README.md
 * "MCP"; the protocol is jta_mcp.h, the tools jta_operation.h).  One
 * JSON-RPC message per POST, answered with application/json; GET and
 * DELETE are 405 (the endpoint table declares POST only).
 *
 * The serving loop's classify hook runs before the kill switch and
 * authentication: it refuses a foreign Origin (403, 2026-07-28 Streamable
 * HTTP "Security": DNS rebinding and cross-site pages), reads the message
 * once, and classifies a tools/call as the REST request its tool is
 * (jta_operation_request), so that the endpoint table gives it the same
 * access rules, quotas, usage, audit row (with the tool's name) and
 * metrics name as that request.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "jta_authz.h"
#include "jta_endpoint.h"
#include "jta_fcgi.h"
#include "jta_mcp.h"
#include "jta_operation.h"

/* The message being served: read by classify, answered by the handler or
 * the error writer of the same request (one request at a time), dropped
 * when the request ends (.done): its JSON lives in the request's arena. */
static struct jta_mcp_call cur;
static int cur_ok;
/* The REST request a tool call stands for (its body is ours). */
static struct jta_req as;

static void
forget(void)
{
	jta_mcp_call_clear(&cur);
	cur_ok = 0;
	jta_operation_request_clear(&as);
}

static void
httpview(const struct jta_req *req, struct jta_mcp_http *h)
{
	h->content_type = req->content_type;
	h->version = req->mcp_version;
	h->method = req->has_mcp_method ? req->mcp_method : NULL;
	h->name = req->has_mcp_name ? req->mcp_name : NULL;
}

static enum jta_err
classify(struct jta_ctx *ctx, const struct jta_req *req,
    struct jta_policy_op *op, struct jta_error *err)
{
	struct jta_mcp_http h;
	json_t		*ans = NULL;
	int		 st;

	forget();
	if (!jta_mcp_origin_ok(req->origin, ctx->conf.public_url))
		return jta_error_set(err, JTA_ERR_AUTH, 403, "Origin",
		    "requests from another site's pages are refused; MCP "
		    "clients send no Origin or this service's own");
	/* GET and DELETE (the older revisions' stream and session end) are
	 * 405 for everyone, before authentication: a client probing for
	 * them learns the transport, not that it must sign in (2026-07-28
	 * Streamable HTTP, "Backward Compatibility"). */
	if (req->method != JTA_METHOD_POST)
		return jta_error_set(err, JTA_ERR_INPUT, 405, "method",
		    "this resource accepts POST");
	httpview(req, &h);
	/* A message that does not parse is answered by the handler, once
	 * the request is authenticated; here it is no operation. */
	if (jta_mcp_parse(req->body != NULL ? req->body : "", req->body_len,
	    &h, &cur, &st, &ans) != JTA_OK) {
		json_decref(ans);
		return JTA_OK;
	}
	cur_ok = 1;
	if (cur.op == NULL)
		return JTA_OK;
	if (jta_operation_request(cur.op, cur.args, req, &as) != JTA_OK)
		return jta_error_set(err, JTA_ERR_NOMEM, 503, NULL,
		    "the server is short of memory; try again");
	jta_policy_op_classify(jta_endpoint_route(NULL, as.path), &as,
	    ctx->conf.default_project, op);
	op->tool = cur.op->name;
	op->as = &as;
	return JTA_OK;
}

struct runarg {
	struct jta_ctx		*ctx;
	const struct jta_user	*who;
};

static enum jta_err
run(void *arg, const struct jta_operation *op, const char *param,
    const json_t *in, int *status, json_t **out, struct jta_error *err)
{
	struct runarg	*ra = arg;

	return op->run(ra->ctx, &as, ra->who, param, in, status, out, err);
}

static enum jta_err
send(struct jta_resp *resp, int status, json_t *answer)
{
	enum jta_err	 rc;

	if (answer == NULL)
		return jta_resp_empty(resp, status);
	rc = jta_resp_json(resp, status, answer);
	json_decref(answer);
	return rc;
}

/* 1 when req's bearer token is an access token of our authorization
 * server (jta_authz.h), not an API key. */
static int
access_token(const struct jta_req *req)
{
	const char	*tok = req->authorization;

	if (strncasecmp(tok, "Bearer ", 7) != 0)
		return 0;
	for (tok += 7; *tok == ' '; tok++)
		;
	return jta_authz_is_access_token(tok);
}

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	struct jta_mcp_http h;
	struct jta_mcp_outcome oc;
	struct runarg	 ra;
	json_t		*ans = NULL;
	int		 st;
	enum jta_err	 rc;

	(void)err;
	if (!cur_ok) {
		/* Read again for its error answer. */
		httpview(req, &h);
		if (jta_mcp_parse(req->body != NULL ? req->body : "",
		    req->body_len, &h, &cur, &st, &ans) != JTA_OK)
			return ans != NULL ? send(resp, st, ans) :
			    JTA_ERR_NOMEM;
		cur_ok = 1;
	}
	ra.ctx = ctx;
	ra.who = who;
	if ((rc = jta_mcp_answer(&cur, run, &ra, req->id, &st, &ans, &oc)) !=
	    JTA_OK)
		return rc;
	/* A tool refused for the person's Atlassian link (401: broken or
	 * gone) when they came with one of our access tokens: that token
	 * is as good as invalid, as the REST API answers it (jta_fcgi.c),
	 * so this is HTTP 401 with the challenge (error="invalid_token"),
	 * and the client signs the person in again, which links them again
	 * (its refresh is refused: fcgi/oauth-token.c).  With an API key
	 * no sign-in would help: the tool error says where to link. */
	if (oc.status == 401 && access_token(req)) {
		json_decref(ans);
		resp->notice = NULL;
		if (ctx->op != NULL)
			ctx->op->status = 401;
		*err = oc.err;
		return err->status == 401 ? JTA_ERR_AUTH : jta_error_set(err,
		    JTA_ERR_AUTH, 401, "Authorization", "sign in again");
	}
	/* A quota's notice goes to the model, in the tool's result, not
	 * beside the JSON-RPC envelope. */
	if (resp->notice != NULL) {
		rc = jta_mcp_notice(ans, resp->notice);
		resp->notice = NULL;
		if (rc != JTA_OK) {
			json_decref(ans);
			return rc;
		}
	}
	if (oc.status != 0 && ctx->op != NULL) {
		ctx->op->status = oc.status;
		snprintf(ctx->op->key, sizeof(ctx->op->key), "%s", oc.key);
		/* The audit row's detail names the field at fault. */
		if (oc.status >= 400)
			*err = oc.err;
	}
	return send(resp, st, ans);
}

static enum jta_err
error(struct jta_resp *resp, const struct jta_error *err)
{
	json_t		*ans = NULL;
	int		 st;

	if (err->status == 405 && jta_resp_header(resp, "Allow", "POST") !=
	    JTA_OK)
		return JTA_ERR_INTERNAL;
	if (jta_mcp_refusal(cur_ok ? &cur : NULL, err, resp->request_id, &st,
	    &ans) != JTA_OK)
		return JTA_ERR_NOMEM;
	return send(resp, st, ans);
}

static const struct jta_endpoint endpoint = {
	.name = "jta-mcp",
	.handle = handle,
	.error = error,
	.classify = classify,
	.done = forget,
};

int
main(void)
{
	int	 status;

	status = jta_fcgi_main(&endpoint);
	forget();
	return status;
}
