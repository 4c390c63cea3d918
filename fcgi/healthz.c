/* GET /healthz: the store answers and its schema is the one this build
 * needs.  No authentication: monitors call it. */
#include "config.h"

#include "jta_fcgi.h"

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*body;
	int		 version = 0, ok;

	(void)who;
	if (req->method != JTA_METHOD_GET && req->method != JTA_METHOD_HEAD)
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD", err);
	ok = jta_store_health(ctx->store, &version) == JTA_OK &&
	    version == JTA_STORE_VERSION;
	body = json_pack("{s:s, s:s, s:i, s:i}", "status", ok ? "ok" :
	    "unavailable", "backend", ctx->backend->ops->name,
	    "schema_version", version, "schema_expected", JTA_STORE_VERSION);
	if (body == NULL)
		return JTA_ERR_NOMEM;
	if ((rc = jta_resp_header(resp, "Cache-Control", "no-store")) ==
	    JTA_OK)
		rc = jta_resp_json(resp, ok ? 200 : 503, body);
	json_decref(body);
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-healthz",
	.handle = handle,
	.auth = 0,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
