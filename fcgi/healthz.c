/* GET /healthz: the store answers and its schema is the one this build
 * needs, and whether the operators switched the service off (then
 * "enabled": false and their "message"; still 200, since the server is
 * healthy and monitors should not page anyone for a planned switch-off).
 * No authentication: monitors call it.  Not subject to the kill switch
 * or the access rules (JTA_ENDPOINT_OPEN). */
#include "config.h"

#include <string.h>

#include "jta_fcgi.h"

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	struct jta_policy_health h;
	json_t		*body;

	(void)who;
	if (req->method != JTA_METHOD_GET && req->method != JTA_METHOD_HEAD)
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD", err);
	jta_policy_health(ctx->policy, &h);
	body = json_pack("{s:s, s:s, s:i, s:i}", "status", h.ok ? "ok" :
	    "unavailable", "backend", ctx->backend->ops->name,
	    "schema_version", h.version, "schema_expected", h.expected);
	if (body == NULL)
		return JTA_ERR_NOMEM;
	/* The switch, when the store could tell. */
	if (h.ok && (json_object_set_new(body, "enabled",
	    json_boolean(h.enabled)) != 0 || (!h.enabled &&
	    json_object_set_new(body, "message", json_string(h.message)) !=
	    0))) {
		json_decref(body);
		return JTA_ERR_NOMEM;
	}
	if ((rc = jta_resp_header(resp, "Cache-Control", "no-store")) ==
	    JTA_OK)
		rc = jta_resp_json(resp, h.ok ? 200 : 503, body);
	json_decref(body);
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-healthz",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
