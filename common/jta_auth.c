#include "config.h"

#include <string.h>
#include <strings.h>

#include "jta_auth.h"
#include "jta_authz.h"
#include "jta_log.h"
#include "jta_store_people.h"
#include "jta_time.h"

/*
 * A credential the store could not check.  JTA_ERR_DB is a database that
 * cannot answer for now (down, read-only, a statement timeout, busy: the
 * key and token lookups' contracts carry no error of their own): 503 with
 * Retry-After, so the request is refused (closed, never open) and the
 * client tries again (README "Several hosts on PostgreSQL").  Anything
 * else is 500.
 */
static enum jta_err
storefail(enum jta_err rc, const char *what, struct jta_error *err)
{
	if (rc == JTA_ERR_DB) {
		jta_error_set(err, rc, 503, NULL, "the database is "
		    "unavailable; try again in a moment");
		if (err != NULL)
			err->retry_after = 5;
		return rc;
	}
	return jta_error_set(err, rc, 500, NULL, "the %s store failed; the "
	    "server log has details", what);
}

enum jta_err
jta_auth_bearer(struct jta_store *st, struct jta_authz *az,
    const struct jta_vault *vault, const struct jta_req *req,
    enum jta_endpoint_audience aud, int shared, struct jta_user *out,
    struct jta_error *err)
{
	enum jta_endpoint_audience got = JTA_ENDPOINT_AUD_API;
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	char		 id[JTA_VAULT_IDLEN + 1], fp[JTA_VAULT_FPLEN + 1];
	const char	*a = req->authorization, *tok;
	enum jta_err	 rc;

	/* An MCP client meeting this 401 signs the person in by itself
	 * (MCP 2025-11-25 and 2026-07-28 "Authorization"): it reads the
	 * challenge, so the detail says where to start rather than asking
	 * for an operator's key. */
	if (a[0] == '\0' && aud == JTA_ENDPOINT_AUD_MCP)
		return jta_error_set(err, JTA_ERR_AUTH, 401, "Authorization",
		    "sign in: send an access token of this service's "
		    "authorization server (the WWW-Authenticate header's "
		    "resource_metadata names it) or an API key, as "
		    "'Authorization: Bearer <token>'");
	if (a[0] == '\0')
		return jta_error_set(err, JTA_ERR_AUTH, 401, "Authorization",
		    "send your API key as 'Authorization: Bearer <key>'; "
		    "an operator makes one with 'jta-admin key create'");
	/* RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token, and the
	 * scheme is case-insensitive (RFC 9110 §11.1). */
	if (strncasecmp(a, "Bearer ", 7) != 0)
		return jta_error_set(err, JTA_ERR_AUTH, 401, "Authorization",
		    "the Authorization header must use the Bearer scheme");
	for (tok = a + 7; *tok == ' '; tok++)
		;
	/* An access token our authorization server issued (a GPT Action
	 * signed in with OAuth): its prefix says so. */
	if (jta_authz_is_access_token(tok)) {
		rc = jta_authz_access(az, tok, jta_time_now(), out, &got);
		if (rc == JTA_ERR_AUTH) {
			jta_info("auth: unknown, expired or revoked access "
			    "token");
			return jta_error_set(err, JTA_ERR_AUTH, 401,
			    "Authorization", "the access token is unknown, "
			    "expired or revoked; sign in again");
		}
		if (rc != JTA_OK)
			return storefail(rc, "token", err);
		if (got != aud && !shared) {
			memset(out, 0, sizeof(*out));
			jta_info("auth: access token for audience %s refused "
			    "by a resource of %s", jta_authz_audience_name(got),
			    jta_authz_audience_name(aud));
			return jta_error_set(err, JTA_ERR_AUTH, 401,
			    "Authorization", "the access token was issued for "
			    "another resource (%s); sign in again with "
			    "resource set to this one",
			    got == JTA_ENDPOINT_AUD_MCP ? "the MCP endpoint" :
			    "the REST API");
		}
		return JTA_OK;
	}
	if (jta_vault_token_check(vault, tok, strlen(tok), id, hash) !=
	    JTA_OK)
		return jta_error_set(err, JTA_ERR_AUTH, 401, "Authorization",
		    "the API key is malformed");
	rc = jta_store_key_auth(st, id, hash, out);
	if (rc == JTA_ERR_AUTH) {
		jta_vault_fingerprint(hash, fp);
		jta_info("auth: unknown or revoked key keyid=%s fp=%s", id,
		    fp);
		return jta_error_set(err, JTA_ERR_AUTH, 401, "Authorization",
		    "the API key is unknown or revoked");
	}
	if (rc != JTA_OK)
		return storefail(rc, "key", err);
	return JTA_OK;
}
