/*
 * POST /oauth/register: RFC 7591 dynamic client registration, for MCP
 * clients that register themselves (README "MCP clients:
 * authorization").  Off unless the configuration's
 * oauth_client_registration is on: then 404, as if the endpoint did not
 * exist (the metadata does not name it either).  The body is the
 * client's metadata (JSON, §3.1); the answer is 201 with the registered
 * metadata (§3.2.1) or 400 with an RFC 7591 §3.2.2 error, never cached.
 * How many clients may register, in all and per address, is bounded
 * (jta_authz_register).
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "jta_authz.h"
#include "jta_fcgi.h"
#include "jta_log.h"
#include "jta_time.h"

static enum jta_err
nostore(struct jta_resp *resp)
{
	enum jta_err	 rc;

	if ((rc = jta_resp_header(resp, "Cache-Control", "no-store")) !=
	    JTA_OK)
		return rc;
	return jta_resp_header(resp, "Pragma", "no-cache");
}

/* RFC 7591 §3.2.2: {error, error_description}; err->field is the code
 * (invalid_client_metadata when it is not one). */
static enum jta_err
senderr(struct jta_resp *resp, const struct jta_error *err)
{
	const char	*code = "invalid_client_metadata";
	enum jta_err	 rc;
	json_t		*o;

	if (strcmp(err->field, "invalid_redirect_uri") == 0)
		code = err->field;
	else if (err->status == 429 || err->status == 403)
		code = "access_denied";
	if ((o = json_pack("{s:s, s:s}", "error", code, "error_description",
	    err->detail[0] != '\0' ? err->detail : "the request failed")) ==
	    NULL)
		return JTA_ERR_NOMEM;
	if ((rc = nostore(resp)) == JTA_OK)
		rc = jta_resp_json(resp, err->status >= 400 && err->status <=
		    599 ? err->status : 400, o);
	json_decref(o);
	return rc;
}

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*meta = NULL, *out = NULL;
	size_t		 tl;

	(void)who;
	if (!ctx->conf.oauth_client_registration)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "path",
		    "dynamic client registration is off on this server; "
		    "its operator registers clients");
	if (jta_authz_preflight(req, resp, "POST", &rc))
		return rc;
	if ((rc = jta_authz_cors(resp)) != JTA_OK)
		return rc;
	if (req->method != JTA_METHOD_POST)
		return jta_fcgi_method_not_allowed(resp, "POST", err);
	/* RFC 7591 §3.1: the metadata is an application/json body. */
	tl = strcspn(req->content_type, "; \t");
	if (tl != strlen("application/json") ||
	    strncasecmp(req->content_type, "application/json", tl) != 0)
		return jta_error_set(err, JTA_ERR_INPUT, 415, "Content-Type",
		    "send the client metadata as application/json");
	if ((rc = jta_req_parse_json(req->body != NULL ? req->body : "",
	    req->body_len, &meta, err)) != JTA_OK) {
		err->field[0] = '\0';
		if (senderr(resp, err) != JTA_OK)
			jta_warn("could not send the registration error");
		return rc;
	}
	if ((rc = jta_authz_register(ctx->authz, meta, req->remote_addr,
	    jta_time_now(), ctx->conf.oauth_registered_client_idle_days, &out,
	    err)) != JTA_OK) {
		if (err->status < 500 && senderr(resp, err) != JTA_OK)
			jta_warn("could not send the registration error");
		goto out;
	}
	if ((rc = nostore(resp)) == JTA_OK)
		rc = jta_resp_json(resp, 201, out);
out:
	json_decref(meta);
	json_decref(out);
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-oauth-register",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
