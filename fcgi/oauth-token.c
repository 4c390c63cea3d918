/*
 * POST /oauth/token: the token endpoint of our authorization server (RFC
 * 6749 §3.2): grant_type authorization_code (§4.1.3, with PKCE, RFC 7636
 * §4.5) and refresh_token (§6).  The client authenticates with HTTP Basic
 * or client_id and client_secret in the body (§2.3.1).  Answers are
 * §5.1 tokens or §5.2 errors, never cached.  In Jira mode a refresh for a
 * person whose Atlassian link broke is invalid_grant (linked, below).
 */
#include "config.h"

#include <string.h>

#include "jta_authz.h"
#include "jta_fcgi.h"
#include "jta_log.h"
#include "jta_oauth.h"
#include "jta_time.h"

/* RFC 6749 §3.2: parameters the table does not name are ignored. */
static const struct jta_field fields[] = {
	{ "grant_type", JTA_FT_STRING, JTA_F_OTHERS, 1, 64, NULL },
	{ "code", JTA_FT_STRING, 0, 1, JTA_LIMIT_OAUTH_PARAM, NULL },
	{ "redirect_uri", JTA_FT_STRING, 0, 1, JTA_LIMIT_REDIRECT_URI, NULL },
	{ "code_verifier", JTA_FT_STRING, 0, 1, JTA_LIMIT_OAUTH_PARAM, NULL },
	{ "refresh_token", JTA_FT_STRING, 0, 1, JTA_LIMIT_OAUTH_PARAM, NULL },
	{ "scope", JTA_FT_STRING, 0, 1, JTA_LIMIT_SCOPE, NULL },
	{ "client_id", JTA_FT_STRING, 0, 1, JTA_LIMIT_CLIENT_ID, NULL },
	{ "client_secret", JTA_FT_STRING, 0, 1, JTA_LIMIT_OAUTH_PARAM, NULL },
	{ "resource", JTA_FT_STRING, 0, 1, JTA_LIMIT_REDIRECT_URI, NULL },
};

static const char *
str(const json_t *q, const char *name)
{
	return json_string_value(json_object_get(q, name));
}

/*
 * Jira mode: the person's tokens act through their Atlassian link.  When
 * that link broke (Atlassian refused its refresh token) or is gone, a
 * refreshed pair would meet nothing but 401s, and a client that just
 * refreshed takes another 401 for a fault of its own (the MCP SDKs give
 * up).  So the refresh ends the grant instead: the new pair is revoked
 * with its family and the answer is invalid_grant (RFC 6749 §5.2: the
 * refresh token is no longer valid), and the client signs the person in
 * again, through Atlassian's consent, which links them again.
 */
static enum jta_err
linked(struct jta_ctx *ctx, const char *client,
    const struct jta_authz_tokens *t, struct jta_error *err)
{
	struct jta_user	 u;
	struct jta_error e;
	int		 usable = 0;
	enum jta_err	 rc;

	if (ctx->conf.backend != JTA_BACKEND_JIRA)
		return JTA_OK;
	memset(&u, 0, sizeof(u));
	if (jta_authz_access(ctx->authz, t->access, jta_time_now(), &u,
	    NULL) != JTA_OK)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the token store failed; the server log has details");
	if ((rc = jta_oauth_link_usable(&ctx->oauth, u.id, &usable, err)) !=
	    JTA_OK)
		return jta_error_set(err, rc, 500, NULL,
		    "the link store failed; the server log has details");
	if (usable)
		return JTA_OK;
	memset(&e, 0, sizeof(e));
	if (jta_authz_revoke(ctx->authz, client, t->refresh, &e) != JTA_OK)
		jta_warn("could not revoke the pair of a refresh refused for "
		    "a broken Atlassian link");
	jta_info("refresh refused: the person's Atlassian link is broken or "
	    "gone");
	return jta_error_set(err, JTA_ERR_AUTH, 400, "invalid_grant",
	    "the Atlassian link behind this sign-in has expired or was "
	    "revoked; sign in again");
}

static enum jta_err
grant(struct jta_ctx *ctx, const json_t *q, const char *client,
    struct jta_authz_tokens *t, struct jta_error *err)
{
	const char	*gt = str(q, "grant_type");
	char		 scope[JTA_LIMIT_SCOPE + 1];
	enum jta_endpoint_audience aud, *want = NULL;
	enum jta_err	 rc;

	/* RFC 8707 §2.2: a resource here must name one of ours, and the
	 * grant's (checked with it). */
	if (str(q, "resource") != NULL) {
		if ((rc = jta_authz_resource_audience(ctx->conf.public_url,
		    str(q, "resource"), &aud, err)) != JTA_OK)
			return rc;
		want = &aud;
	}
	if (gt == NULL)
		return jta_error_set(err, JTA_ERR_INPUT, 400, "invalid_request",
		    "grant_type is required");
	if (strcmp(gt, "authorization_code") == 0) {
		if (str(q, "code") == NULL || str(q, "redirect_uri") == NULL)
			return jta_error_set(err, JTA_ERR_INPUT, 400,
			    "invalid_request", "code and redirect_uri are "
			    "required");
		return jta_authz_code_redeem_for(ctx->authz, client,
		    str(q, "code"), str(q, "redirect_uri"),
		    str(q, "code_verifier"), want, jta_time_now(), t, err);
	}
	if (strcmp(gt, "refresh_token") == 0) {
		if (str(q, "refresh_token") == NULL)
			return jta_error_set(err, JTA_ERR_INPUT, 400,
			    "invalid_request", "refresh_token is required");
		/* §6: a scope may only narrow; ours has one value. */
		if ((rc = jta_authz_scope(str(q, "scope"), scope,
		    sizeof(scope), err)) != JTA_OK)
			return rc;
		if ((rc = jta_authz_refresh_for(ctx->authz, client, str(q,
		    "refresh_token"), want, jta_time_now(), t, err)) != JTA_OK)
			return rc;
		return linked(ctx, client, t, err);
	}
	return jta_error_set(err, JTA_ERR_INPUT, 400,
	    "unsupported_grant_type", "grant_type must be authorization_code "
	    "or refresh_token");
}

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	struct jta_authz_tokens t;
	char		 client[JTA_LIMIT_CLIENT_ID + 1];
	enum jta_err	 rc;
	json_t		*q = NULL;

	(void)who;
	memset(&t, 0, sizeof(t));
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
	    sizeof(client), err)) == JTA_OK)
		rc = grant(ctx, q, client, &t, err);
	json_decref(q);
	if (rc == JTA_OK)
		rc = jta_authz_send_tokens(resp, &t);
	else if (jta_authz_send_error(resp, err) != JTA_OK)
		jta_warn("could not send the token error");
	sodium_memzero(&t, sizeof(t));
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-oauth-token",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
