/*
 * GET /.well-known/oauth-authorization-server: our authorization server's
 * metadata (RFC 8414 §3), built from public_url and the features the
 * configuration switches on.  GET /.well-known/oauth-protected-resource
 * and its path-suffixed form /.well-known/oauth-protected-resource/mcp:
 * the protected resource metadata (RFC 9728 §3) of the REST API and of
 * the MCP endpoint, which MCP clients find through a 401's
 * WWW-Authenticate (RFC 9728 §5.1).
 */
#include "config.h"

#include <string.h>

#include "jta_authz.h"
#include "jta_fcgi.h"

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*q = NULL, *m;

	(void)who;
	if (jta_authz_preflight(req, resp, "GET, HEAD", &rc))
		return rc;
	if ((rc = jta_authz_cors(resp)) != JTA_OK)
		return rc;
	if (req->method != JTA_METHOD_GET && req->method != JTA_METHOD_HEAD)
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD", err);
	if ((rc = jta_req_query(req, NULL, 0, &q, err)) != JTA_OK)
		return rc;
	json_decref(q);
	if (strcmp(req->path, "/.well-known/oauth-protected-resource") == 0)
		m = jta_authz_resource_metadata(ctx->conf.public_url,
		    JTA_ENDPOINT_AUD_API);
	else if (strcmp(req->path,
	    "/.well-known/oauth-protected-resource/mcp") == 0)
		m = jta_authz_resource_metadata(ctx->conf.public_url,
		    JTA_ENDPOINT_AUD_MCP);
	else
		m = jta_authz_metadata(ctx->conf.public_url,
		    (ctx->conf.oauth_client_registration ?
		    JTA_AUTHZ_F_REGISTER : 0u) |
		    (ctx->conf.oauth_client_metadata_documents ?
		    JTA_AUTHZ_F_CIMD : 0u));
	if (m == NULL)
		return JTA_ERR_NOMEM;
	rc = jta_resp_json(resp, 200, m);
	json_decref(m);
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-oauth-metadata",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
