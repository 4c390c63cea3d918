/*
 * POST /oauth/revoke: token revocation (RFC 7009).  The client
 * authenticates as at the token endpoint; a refresh token revokes its
 * whole grant, an access token itself.  200 even for a token we do not
 * know (§2.2).
 */
#include "config.h"

#include <string.h>

#include "jta_authz.h"
#include "jta_fcgi.h"
#include "jta_log.h"

static const char *const hints[] = { "access_token", "refresh_token", NULL };

static const struct jta_field fields[] = {
	{ "token", JTA_FT_STRING, 0, 1, JTA_LIMIT_OAUTH_PARAM, NULL },
	/* §2.1: only a hint; we find the token by its shape anyway. */
	{ "token_type_hint", JTA_FT_ENUM, 0, 0, 0, hints },
	{ "client_id", JTA_FT_STRING, 0, 1, JTA_LIMIT_CLIENT_ID, NULL },
	{ "client_secret", JTA_FT_STRING, 0, 1, JTA_LIMIT_OAUTH_PARAM, NULL },
};

static const char *
str(const json_t *q, const char *name)
{
	return json_string_value(json_object_get(q, name));
}

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	char		 client[JTA_LIMIT_CLIENT_ID + 1];
	enum jta_err	 rc;
	json_t		*q = NULL, *empty = NULL;

	(void)who;
	if (jta_authz_preflight(req, resp, "POST", &rc))
		return rc;
	if ((rc = jta_authz_cors(resp)) != JTA_OK)
		return rc;
	if (req->method != JTA_METHOD_POST)
		return jta_fcgi_method_not_allowed(resp, "POST", err);
	if ((rc = jta_req_form(req, fields, sizeof(fields) /
	    sizeof(fields[0]), &q, err)) != JTA_OK)
		err->field[0] = '\0';	/* invalid_request, with its detail */
	else if ((rc = jta_authz_client_request(ctx->authz, req->authorization,
	    str(q, "client_id"), str(q, "client_secret"), client,
	    sizeof(client), err)) != JTA_OK)
		;
	else if (str(q, "token") == NULL)
		rc = jta_error_set(err, JTA_ERR_INPUT, 400, "invalid_request",
		    "token is required");
	else
		rc = jta_authz_revoke(ctx->authz, client, str(q, "token"), err);
	json_decref(q);
	if (rc != JTA_OK) {
		if (jta_authz_send_error(resp, err) != JTA_OK)
			jta_warn("could not send the revocation error");
		return rc;
	}
	if ((empty = json_object()) == NULL)
		return JTA_ERR_NOMEM;
	if ((rc = jta_resp_header(resp, "Cache-Control", "no-store")) ==
	    JTA_OK)
		rc = jta_resp_json(resp, 200, empty);
	json_decref(empty);
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-oauth-revoke",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
