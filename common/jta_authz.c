#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "jta_arena.h"
#include "jta_audit.h"
#include "jta_authz.h"
#include "jta_authz_int.h"
#include "jta_conf.h"
#include "jta_http.h"
#include "jta_log.h"
#include "jta_req.h"
#include "jta_text.h"
#include "jta_time.h"
#include "jta_url.h"
#include "jta_store_authz.h"
#include "jta_store_people.h"

static const char	 code_prefix[] = "jta_ac_";
static const char	 access_prefix[] = "jta_at_";
static const char	 refresh_prefix[] = "jta_rt_";
static const char	 client_prefix[] = JTA_AUTHZ_CLIENT_PREFIX;
static const char	 secret_prefix[] = JTA_AUTHZ_SECRET_PREFIX;

/* The OAuth error codes we send (RFC 6749 §5.2, RFC 7009 §2.2.1). */
static const char *const oauth_codes[] = { "invalid_request",
    "invalid_client", "invalid_grant", "unauthorized_client",
    "unsupported_grant_type", "invalid_scope", "unsupported_token_type",
    "invalid_target", NULL };

static enum jta_err
oautherr(struct jta_error *err, enum jta_err code, int status,
    const char *oauth, const char *detail)
{
	return jta_error_set(err, code, status, oauth, "%s", detail);
}

static int
b64url(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* 1 when s is prefix followed by exactly JTA_VAULT_RANDLEN base64url
 * characters. */
static int
shaped(const char *s, const char *prefix)
{
	size_t	 pl = strlen(prefix), i;

	if (strncmp(s, prefix, pl) != 0 || strlen(s) != pl +
	    JTA_VAULT_RANDLEN)
		return 0;
	for (i = pl; s[i] != '\0'; i++)
		if (!b64url((unsigned char)s[i]))
			return 0;
	return 1;
}

void
jta_authz_mint(const struct jta_vault *v, const char *prefix, char *out,
    size_t outsz, unsigned char hash[JTA_VAULT_HASHBYTES])
{
	char	 r[JTA_VAULT_RANDLEN + 1];

	jta_vault_random(r);
	snprintf(out, outsz, "%s%s", prefix, r);
	sodium_memzero(r, sizeof(r));
	jta_vault_hash(v, out, strlen(out), hash);
}


enum jta_err
jta_authz_new(struct jta_store *st, const struct jta_vault *v,
    struct jta_authz **out)
{
	struct jta_authz *az;

	*out = NULL;
	if (st == NULL)
		return JTA_ERR_INTERNAL;
	if ((az = calloc(1, sizeof(*az))) == NULL)
		return JTA_ERR_NOMEM;
	az->st = st;
	az->v = v;
	*out = az;
	return JTA_OK;
}

void
jta_authz_free(struct jta_authz *az)
{
	free(az);
}

void
jta_authz_audit_signin(struct jta_authz *az, int jira,
    const struct jta_user *user, const char *name, const char *endpoint,
    int status, const char *detail)
{
	if (az != NULL)
		jta_audit_signin(az->st, jira, user, name, endpoint, status,
		    detail);
}

/* A client of the operator's; public: no secret (none shown, a random
 * one's hash kept, as jta_authz_register does). */
static enum jta_err
clientadd(struct jta_authz *az, const char *name, const char *const *uris,
    size_t n, int public_client, char id[JTA_AUTHZ_CLIENT_IDLEN + 1],
    char secret[JTA_AUTHZ_SECRETLEN + 1], struct jta_error *err)
{
	struct jta_store	*st = az->st;
	const struct jta_vault *v = az->v;
	unsigned char	 hash[JTA_VAULT_HASHBYTES], rnd[12];
	char		 hex[2 * sizeof(rnd) + 1], why[JTA_ERROR_DETAIL];
	enum jta_err	 rc;
	json_t		*arr = NULL;
	size_t		 i;

	id[0] = secret[0] = '\0';
	if (name == NULL || name[0] == '\0' || strlen(name) >
	    JTA_LIMIT_CLIENT_NAME || !jta_text_utf8_valid(name, strlen(name)))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "name",
		    "the client name must be 1 to %d bytes of UTF-8",
		    JTA_LIMIT_CLIENT_NAME);
	if (n == 0 || n > JTA_LIMIT_REDIRECT_URIS)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "redirect_uri",
		    "give 1 to %d redirect URIs", JTA_LIMIT_REDIRECT_URIS);
	if ((arr = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		if ((rc = jta_url_redirect_check(uris[i], err)) !=
		    JTA_OK) {
			if (rc != JTA_ERR_INPUT)
				goto out;
			snprintf(why, sizeof(why), "%s", err != NULL ?
			    err->detail : "");
			rc = jta_error_set(err, JTA_ERR_INPUT, 422,
			    "redirect_uri", "redirect URI %zu: %s; "
			    JTA_URL_REDIRECT_RULE, i + 1, why);
			goto out;
		}
		if (json_array_append_new(arr, json_string(uris[i])) != 0) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
	}
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	snprintf(id, JTA_AUTHZ_CLIENT_IDLEN + 1, "%s%s", client_prefix, hex);
	jta_authz_mint(v, secret_prefix, secret, JTA_AUTHZ_SECRETLEN + 1, hash);
	rc = public_client ? jta_store_client_add_public(st, id, hash, name,
	    arr, err) : jta_store_client_add(st, id, hash, name, arr, err);
	if (public_client)
		sodium_memzero(secret, JTA_AUTHZ_SECRETLEN + 1);
out:
	if (rc != JTA_OK) {
		sodium_memzero(secret, JTA_AUTHZ_SECRETLEN + 1);
		id[0] = '\0';
	}
	json_decref(arr);
	return rc;
}

enum jta_err
jta_authz_client_add(struct jta_authz *az, const char *name,
    const char *const *uris, size_t n, char id[JTA_AUTHZ_CLIENT_IDLEN + 1],
    char secret[JTA_AUTHZ_SECRETLEN + 1], struct jta_error *err)
{
	return clientadd(az, name, uris, n, 0, id, secret, err);
}

enum jta_err
jta_authz_client_add_public(struct jta_authz *az, const char *name,
    const char *const *uris, size_t n, char id[JTA_AUTHZ_CLIENT_IDLEN + 1],
    struct jta_error *err)
{
	char	 secret[JTA_AUTHZ_SECRETLEN + 1];

	return clientadd(az, name, uris, n, 1, id, secret, err);
}

enum jta_err
jta_authz_client_rotate(struct jta_authz *az, const char *id,
    char secret[JTA_AUTHZ_SECRETLEN + 1], struct jta_error *err)
{
	struct jta_store	*st = az->st;
	const struct jta_vault *v = az->v;
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	enum jta_err	 rc;

	jta_authz_mint(v, secret_prefix, secret, JTA_AUTHZ_SECRETLEN + 1, hash);
	if ((rc = jta_store_client_secret_set(st, id, hash, err)) != JTA_OK)
		sodium_memzero(secret, JTA_AUTHZ_SECRETLEN + 1);
	return rc;
}

enum jta_err
jta_authz_client_auth(struct jta_authz *az, const char *id, const char *secret,
    struct jta_error *err)
{
	struct jta_store	*st = az->st;
	const struct jta_vault *v = az->v;
	unsigned char	 want[JTA_VAULT_HASHBYTES], got[JTA_VAULT_HASHBYTES];
	struct jta_error e;
	enum jta_err	 rc;
	json_t		*uris = NULL;

	memset(&e, 0, sizeof(e));
	jta_vault_hash(v, secret, strlen(secret), got);
	rc = jta_store_client_get(st, id, want, &uris, &e);
	json_decref(uris);
	if (rc == JTA_OK && shaped(secret, secret_prefix) &&
	    jta_vault_hash_equal(want, got))
		return JTA_OK;
	if (rc != JTA_OK && rc != JTA_ERR_NOTFOUND) {
		*err = e;
		return rc;
	}
	jta_info("oauth: client authentication failed");
	return oautherr(err, JTA_ERR_AUTH, 401, "invalid_client",
	    "the client id or secret is wrong");
}

int
jta_authz_basic(const char *authorization, char *id, size_t idsz,
    char *secret, size_t secretsz)
{
	unsigned char	 raw[JTA_LIMIT_HEADER + 1];
	const char	*b64, *colon;
	size_t		 rawlen = 0;
	long		 n;
	int		 ret = -1;

	id[0] = secret[0] = '\0';
	if (strncasecmp(authorization, "Basic ", 6) != 0)
		return 0;
	for (b64 = authorization + 6; *b64 == ' '; b64++)
		;
	if (sodium_base642bin(raw, sizeof(raw) - 1, b64, strlen(b64), NULL,
	    &rawlen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		goto out;
	raw[rawlen] = '\0';
	if (memchr(raw, '\0', rawlen) != NULL ||
	    (colon = strchr((char *)raw, ':')) == NULL)
		goto out;
	if ((n = jta_req_form_decode((char *)raw, (size_t)(colon -
	    (char *)raw), id, idsz)) <= 0 ||
	    (n = jta_req_form_decode(colon + 1, strlen(colon + 1), secret,
	    secretsz)) <= 0)
		goto out;
	ret = 1;
out:
	sodium_memzero(raw, sizeof(raw));
	if (ret != 1) {
		id[0] = '\0';
		sodium_memzero(secret, secretsz);
	}
	return ret;
}

enum jta_err
jta_authz_client_request(struct jta_authz *az, const char *authorization,
    const char *form_id, const char *form_secret, char *id, size_t idsz,
    struct jta_error *err)
{
	char		 secret[JTA_LIMIT_HEADER + 1];
	struct jta_error e;
	enum jta_err	 rc;
	int		 basic, pub = 0;

	id[0] = '\0';
	basic = jta_authz_basic(authorization, id, idsz, secret,
	    sizeof(secret));
	if (basic < 0)
		return oautherr(err, JTA_ERR_AUTH, 401, "invalid_client",
		    "the Basic credentials do not decode (client_id:secret, "
		    "each form-urlencoded, in base64)");
	if (basic == 1) {
		if (form_secret != NULL || (form_id != NULL &&
		    strcmp(form_id, id) != 0)) {
			sodium_memzero(secret, sizeof(secret));
			return oautherr(err, JTA_ERR_INPUT, 400,
			    "invalid_request", "authenticate the client one "
			    "way only: HTTP Basic or client_secret in the "
			    "body");
		}
		rc = jta_authz_client_auth(az, id, secret, err);
		sodium_memzero(secret, sizeof(secret));
		return rc;
	}
	if (form_id != NULL && form_secret == NULL &&
	    strlen(form_id) < idsz) {
		/* RFC 7591 §2 "none": a public client names itself only;
		 * PKCE binds its code (jta_authz_code_redeem). */
		memset(&e, 0, sizeof(e));
		if ((rc = jta_authz_client_public(az, form_id, &pub, &e)) !=
		    JTA_OK && rc != JTA_ERR_NOTFOUND) {
			*err = e;
			return rc;
		}
		if (rc == JTA_OK && pub) {
			snprintf(id, idsz, "%s", form_id);
			return JTA_OK;
		}
	}
	if (form_id == NULL || form_secret == NULL)
		return oautherr(err, JTA_ERR_AUTH, 401, "invalid_client",
		    "client authentication is required: client_id and "
		    "client_secret in the body, or HTTP Basic");
	if (strlen(form_id) >= idsz)
		return oautherr(err, JTA_ERR_AUTH, 401, "invalid_client",
		    "the client id or secret is wrong");
	snprintf(id, idsz, "%s", form_id);
	return jta_authz_client_auth(az, id, form_secret, err);
}

enum jta_err
jta_authz_client_redirect(struct jta_authz *az, const char *id,
    const char *redirect_uri, struct jta_error *err)
{
	struct jta_store	*st = az->st;
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	char		 name[JTA_LIMIT_CLIENT_NAME + 1];
	enum jta_err	 rc;
	json_t		*uris = NULL, *u;
	size_t		 i;

	/* A metadata document's redirect URIs, exactly, as a registered
	 * client's (jta_authz_cimd_client). */
	if (jta_authz_is_cimd_id(id))
		rc = jta_authz_cimd_client(az, id, jta_time_now(), name,
		    sizeof(name), &uris, err);
	else
		rc = jta_store_client_get(st, id, hash, &uris, err);
	if (rc == JTA_ERR_NOTFOUND && jta_authz_is_cimd_id(id))
		return rc;	/* err says why, for the page */
	if (rc == JTA_ERR_NOTFOUND)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 400, "client_id",
		    "This sign-in link names an application this server does "
		    "not know. Start again from the assistant; if it keeps "
		    "happening, tell the operator.");
	if (rc != JTA_OK)
		return rc;
	rc = jta_error_set(err, JTA_ERR_NOTFOUND, 400, "redirect_uri",
	    "This sign-in link would send you to an address the application "
	    "did not register, so it is not followed. Tell the operator.");
	/* Exact string match, both valid (jta_url.h). */
	json_array_foreach(uris, i, u)
		if (jta_url_redirect_match(redirect_uri,
		    json_string_value(u))) {
			rc = JTA_OK;
			break;
		}
	json_decref(uris);
	return rc;
}

enum jta_err
jta_authz_scope(const char *requested, char *out, size_t outsz,
    struct jta_error *err)
{
	const char	*p, *e;

	snprintf(out, outsz, "%s", JTA_AUTHZ_SCOPE);
	if (requested == NULL || requested[0] == '\0')
		return JTA_OK;
	/* RFC 6749 §3.3: scope-token *( SP scope-token ). */
	for (p = requested; ; p = e + 1) {
		if ((e = strchr(p, ' ')) == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) != strlen(JTA_AUTHZ_SCOPE) ||
		    strncmp(p, JTA_AUTHZ_SCOPE, (size_t)(e - p)) != 0)
			return oautherr(err, JTA_ERR_INPUT, 400,
			    "invalid_scope", "the only scope is '"
			    JTA_AUTHZ_SCOPE "'");
		if (*e == '\0')
			return JTA_OK;
	}
}

int
jta_authz_challenge_valid(const char *challenge)
{
	size_t	 i;

	if (strlen(challenge) != JTA_AUTHZ_S256LEN)
		return 0;
	for (i = 0; challenge[i] != '\0'; i++)
		if (!b64url((unsigned char)challenge[i]))
			return 0;
	return 1;
}

int
jta_authz_verifier_valid(const char *verifier)
{
	size_t	 len = strlen(verifier), i;
	int	 c;

	if (len < JTA_LIMIT_PKCE_MIN || len > JTA_LIMIT_PKCE)
		return 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)verifier[i];
		if (!b64url(c) && c != '.' && c != '~')
			return 0;
	}
	return 1;
}

enum jta_err
jta_authz_s256(const char *verifier, char out[JTA_AUTHZ_S256LEN + 1])
{
	unsigned char	 h[crypto_hash_sha256_BYTES];

	if (crypto_hash_sha256(h, (const unsigned char *)verifier,
	    strlen(verifier)) != 0)
		return JTA_ERR_CRYPTO;
	sodium_bin2base64(out, JTA_AUTHZ_S256LEN + 1, h, sizeof(h),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return JTA_OK;
}

enum jta_err
jta_authz_code_issue(struct jta_authz *az, const char *client_id,
    int64_t user_id, const char *redirect_uri, const char *challenge,
    const char *scope, enum jta_endpoint_audience aud, int64_t now,
    char code[JTA_AUTHZ_TOKENLEN + 1], struct jta_error *err)
{
	struct jta_store	*st = az->st;
	const struct jta_vault *v = az->v;
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	struct jta_store_code c;
	enum jta_err	 rc;

	jta_authz_mint(v, code_prefix, code, JTA_AUTHZ_TOKENLEN + 1, hash);
	memset(&c, 0, sizeof(c));
	c.client_id = client_id;
	c.user_id = user_id;
	c.redirect_uri = redirect_uri;
	c.challenge = challenge;
	c.scope = scope;
	c.expires = now + JTA_AUTHZ_CODE_TTL;
	c.audience = jta_authz_audience_name(aud);
	if ((rc = jta_store_code_put(st, hash, &c, now, err)) != JTA_OK)
		sodium_memzero(code, JTA_AUTHZ_TOKENLEN + 1);
	return rc;
}

/* A new pair into out, its hashes and lifetimes into p. */
static void
newpair(const struct jta_vault *v, int64_t now, struct jta_authz_tokens *out,
    struct jta_store_pair *p)
{
	memset(p, 0, sizeof(*p));
	jta_authz_mint(v, access_prefix, out->access, sizeof(out->access),
	    p->access);
	jta_authz_mint(v, refresh_prefix, out->refresh, sizeof(out->refresh),
	    p->refresh);
	p->access_expires = now + JTA_AUTHZ_ACCESS_TTL;
	p->refresh_expires = now + JTA_AUTHZ_REFRESH_TTL;
	out->expires_in = JTA_AUTHZ_ACCESS_TTL;
}

/*
 * The rules of a code's redemption (RFC 6749 §4.1.3), over the store's
 * primitives in one BEGIN IMMEDIATE transaction: the code must exist, be
 * unused, have been issued to client_id, be unexpired at now and name
 * exactly redirect_uri; verifier_s256 (the S256 transform of the
 * code_verifier, NULL when none was sent) must equal the code's challenge,
 * compared in constant time (RFC 7636 §4.6), and a verifier without a
 * challenge is refused too (RFC 9700 §2.1.1).  A code used before is
 * refused AND revokes every token issued from it (RFC 6749 §4.1.2).  A
 * refusal after the client matched still spends the code (committed);
 * another client's attempt is rolled back, leaving the code to its own
 * client.  On success pair is stored in the code's family and scope
 * (scopesz bytes) gets the code's scope.  Refusals are invalid_grant.
 */
static enum jta_err
redeem(struct jta_store *st, const unsigned char hash[JTA_VAULT_HASHBYTES],
    const char *client_id, const char *redirect_uri,
    const char *verifier_s256, const char *want, int64_t now,
    struct jta_store_pair *pair, char *scope, size_t scopesz,
    struct jta_error *err)
{
	struct jta_store_code_row c;
	struct jta_error keep;
	enum jta_err	 ret, refusal;
	char		 family[JTA_STORE_FAMILYLEN + 1];
	size_t		 vl;

	scope[0] = '\0';
	sodium_bin2hex(family, sizeof(family), hash, JTA_VAULT_HASHBYTES);
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = jta_store_code_take(st, hash, &c, err)) ==
	    JTA_ERR_NOTFOUND) {
		ret = oautherr(err, JTA_ERR_AUTH, 400, "invalid_grant",
		    "the authorization code is unknown");
		goto out;
	}
	if (ret != JTA_OK)
		goto out;
	snprintf(scope, scopesz, "%s", c.scope);
	if (c.used) {
		/* RFC 6749 §4.1.2: a code used twice revokes what it gave. */
		if ((ret = jta_store_family_revoke(st, family, err)) !=
		    JTA_OK || (ret = jta_db_commit(st, err)) != JTA_OK)
			goto out;
		ret = oautherr(err, JTA_ERR_AUTH, 400, "invalid_grant",
		    "the authorization code was used already; every token "
		    "issued from it is revoked");
		goto out;
	}
	if (strcmp(c.client_id, client_id) != 0) {
		/* Rolled back at out: the code stays its client's. */
		ret = oautherr(err, JTA_ERR_AUTH, 400, "invalid_grant",
		    "the authorization code was issued to another client");
		goto out;
	}
	/* From here on the code is spent, whatever the answer. */
	if (c.expires <= now)
		refusal = oautherr(err, JTA_ERR_AUTH, 400, "invalid_grant",
		    "the authorization code has expired");
	else if (strcmp(c.redirect_uri, redirect_uri) != 0)
		/* RFC 6749 §4.1.3: the authorization request's, exactly. */
		refusal = oautherr(err, JTA_ERR_AUTH, 400, "invalid_grant",
		    "redirect_uri differs from the authorization request's");
	else if (!c.has_challenge && verifier_s256 != NULL)
		/* RFC 9700 §2.1.1: no challenge, so no verifier either. */
		refusal = oautherr(err, JTA_ERR_AUTH, 400, "invalid_grant",
		    "code_verifier sent, but the authorization request had no "
		    "code_challenge");
	else if (c.has_challenge && verifier_s256 == NULL)
		refusal = oautherr(err, JTA_ERR_AUTH, 400, "invalid_grant",
		    "code_verifier is required for this code (RFC 7636)");
	else if (c.has_challenge && ((vl = strlen(verifier_s256)) !=
	    strlen(c.challenge) ||
	    sodium_memcmp(verifier_s256, c.challenge, vl) != 0))
		/* RFC 7636 §4.6, in constant time. */
		refusal = oautherr(err, JTA_ERR_AUTH, 400, "invalid_grant",
		    "code_verifier does not match the code_challenge");
	else if (want != NULL && strcmp(want, c.audience) != 0)
		/* RFC 8707 §2.2: the token request's resource must be one
		 * the authorization request granted. */
		refusal = oautherr(err, JTA_ERR_INPUT, 400, "invalid_target",
		    "resource differs from the authorization request's");
	else
		refusal = JTA_OK;
	if (refusal != JTA_OK) {
		/* Keep the code spent, then answer the refusal. */
		keep = *err;
		if ((ret = jta_db_commit(st, err)) != JTA_OK)
			goto out;
		*err = keep;
		ret = refusal;
		goto out;
	}
	/* The family's audience is the code's (RFC 8707 §2). */
	snprintf(pair->audience, sizeof(pair->audience), "%s", c.audience);
	if ((ret = jta_store_pair_put(st, pair, family, c.client_id,
	    c.user_id, c.scope, now, err)) != JTA_OK)
		goto out;
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_authz_code_redeem(struct jta_authz *az, const char *client_id,
    const char *code, const char *redirect_uri, const char *verifier,
    int64_t now, struct jta_authz_tokens *out, struct jta_error *err)
{
	return jta_authz_code_redeem_for(az, client_id, code, redirect_uri,
	    verifier, NULL, now, out, err);
}

enum jta_err
jta_authz_code_redeem_for(struct jta_authz *az, const char *client_id,
    const char *code, const char *redirect_uri, const char *verifier,
    const enum jta_endpoint_audience *want, int64_t now,
    struct jta_authz_tokens *out, struct jta_error *err)
{
	struct jta_store	*st = az->st;
	const struct jta_vault *v = az->v;
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	struct jta_store_pair p;
	char		 s256[JTA_AUTHZ_S256LEN + 1];
	enum jta_err	 rc;

	memset(out, 0, sizeof(*out));
	if (!shaped(code, code_prefix))
		return oautherr(err, JTA_ERR_AUTH, 400, "invalid_grant",
		    "the authorization code is malformed");
	if (verifier != NULL) {
		if (!jta_authz_verifier_valid(verifier))
			return oautherr(err, JTA_ERR_INPUT, 400,
			    "invalid_request", "code_verifier must be 43 to "
			    "128 characters of A-Z a-z 0-9 - . _ ~ "
			    "(RFC 7636 section 4.1)");
		if ((rc = jta_authz_s256(verifier, s256)) != JTA_OK)
			return rc;
	}
	jta_vault_hash(v, code, strlen(code), hash);
	newpair(v, now, out, &p);
	rc = redeem(st, hash, client_id, redirect_uri,
	    verifier != NULL ? s256 : NULL, want != NULL ?
	    jta_authz_audience_name(*want) : NULL, now, &p, out->scope,
	    sizeof(out->scope), err);
	if (rc != JTA_OK)
		sodium_memzero(out, sizeof(*out));
	return rc;
}

/*
 * The rules of a refresh (RFC 6749 §6, RFC 9700 §4.14.2), over the
 * store's primitives in one BEGIN IMMEDIATE transaction: the refresh token
 * with hash must exist, be a refresh token of client_id, unrevoked and
 * unexpired at now.  A live one is marked replaced at now and pair is
 * stored in its family.  The one replaced last in its family stays good
 * for grace seconds after its replacement, answering a fresh pair and
 * revoking the live refresh token it had been replaced by (its answer
 * never reached the client, so one refresh token stays live per family);
 * it is answered so once only, and revoked with that answer.  A revoked
 * one (a second replay within the grace too), an older one or one
 * replaced too long ago is refused AND revokes the whole family
 * (committed).  scope (scopesz bytes) gets the
 * token's scope.  Refusals are invalid_grant.
 */
static enum jta_err
rotate(struct jta_store *st, const unsigned char hash[JTA_VAULT_HASHBYTES],
    const char *client_id, const char *want, int64_t now, int64_t grace,
    struct jta_store_pair *pair, char *scope, size_t scopesz,
    struct jta_error *err)
{
	struct jta_store_token_row t;
	struct jta_error keep;
	enum jta_err	 ret;
	int64_t		 later = 0;
	int		 kill = 0;

	scope[0] = '\0';
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	ret = jta_store_token_get(st, hash, &t, err);
	if (ret == JTA_ERR_NOTFOUND ||
	    (ret == JTA_OK && strcmp(t.kind, "refresh") != 0)) {
		ret = oautherr(err, JTA_ERR_AUTH, 400, "invalid_grant",
		    "the refresh token is unknown");
		goto out;
	}
	if (ret != JTA_OK)
		goto out;
	snprintf(scope, scopesz, "%s", t.scope);
	if (strcmp(t.client_id, client_id) != 0) {
		ret = oautherr(err, JTA_ERR_AUTH, 400, "invalid_grant",
		    "the refresh token was issued to another client");
		goto out;
	}
	if (t.revoked) {
		kill = 1;
		ret = oautherr(err, JTA_ERR_AUTH, 400, "invalid_grant",
		    "the refresh token is revoked");
		goto out;
	}
	if (t.expires <= now) {
		ret = oautherr(err, JTA_ERR_AUTH, 400, "invalid_grant",
		    "the refresh token has expired");
		goto out;
	}
	/* RFC 8707 §2.2: a refresh may name the grant's resource, no
	 * other; the new pair keeps the grant's audience. */
	if (want != NULL && strcmp(want, t.audience) != 0) {
		ret = oautherr(err, JTA_ERR_INPUT, 400, "invalid_target",
		    "resource differs from the one this grant is for");
		goto out;
	}
	snprintf(pair->audience, sizeof(pair->audience), "%s", t.audience);
	if (t.replaced) {
		if ((ret = jta_store_token_later(st, &t, &later, err)) !=
		    JTA_OK)
			goto out;
		/* RFC 9700 §4.14.2: a refresh token used after its
		 * successor is a sign of theft; only the one just replaced
		 * is honoured, within grace (a client that lost our answer
		 * retries), and its lost successor is dropped. */
		if (later > 0 || now - t.replaced_at > grace) {
			kill = 1;
			ret = oautherr(err, JTA_ERR_AUTH, 400, "invalid_grant",
			    "the refresh token was replaced already; every "
			    "token of this grant is revoked");
			goto out;
		}
		/* Answered once only: the grace serves a client that lost
		 * one answer, not a thief replaying the token (issue 10,
		 * item 15).  t is spent, so presenting it again finds it
		 * revoked and the family dies (RFC 9700 §4.14.2). */
		if ((ret = jta_store_family_drop_live(st, t.family, err)) !=
		    JTA_OK ||
		    (ret = jta_store_token_spend(st, t.id, err)) != JTA_OK)
			goto out;
	} else if ((ret = jta_store_token_replace(st, t.id, now, err)) !=
	    JTA_OK)
		goto out;
	if ((ret = jta_store_pair_put(st, pair, t.family, t.client_id,
	    t.user_id, t.scope, now, err)) != JTA_OK)
		goto out;
	ret = jta_db_commit(st, err);
out:
	if (kill) {
		/* The refusal stands; the family dies with it. */
		keep = *err;
		if (jta_store_family_revoke(st, t.family, err) != JTA_OK ||
		    jta_db_commit(st, err) != JTA_OK)
			ret = JTA_ERR_DB;
		else
			*err = keep;
	}
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_authz_refresh(struct jta_authz *az, const char *client_id,
    const char *refresh, int64_t now, struct jta_authz_tokens *out,
    struct jta_error *err)
{
	return jta_authz_refresh_for(az, client_id, refresh, NULL, now, out,
	    err);
}

enum jta_err
jta_authz_refresh_for(struct jta_authz *az, const char *client_id,
    const char *refresh, const enum jta_endpoint_audience *want, int64_t now,
    struct jta_authz_tokens *out, struct jta_error *err)
{
	struct jta_store	*st = az->st;
	const struct jta_vault *v = az->v;
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	struct jta_store_pair p;
	enum jta_err	 rc;

	memset(out, 0, sizeof(*out));
	if (!shaped(refresh, refresh_prefix))
		return oautherr(err, JTA_ERR_AUTH, 400, "invalid_grant",
		    "the refresh token is malformed");
	jta_vault_hash(v, refresh, strlen(refresh), hash);
	newpair(v, now, out, &p);
	rc = rotate(st, hash, client_id, want != NULL ?
	    jta_authz_audience_name(*want) : NULL, now, JTA_AUTHZ_GRACE, &p,
	    out->scope, sizeof(out->scope), err);
	if (rc != JTA_OK)
		sodium_memzero(out, sizeof(*out));
	return rc;
}

enum jta_err
jta_authz_revoke(struct jta_authz *az, const char *client_id, const char *token,
    struct jta_error *err)
{
	struct jta_store	*st = az->st;
	const struct jta_vault *v = az->v;
	unsigned char	 hash[JTA_VAULT_HASHBYTES];

	if (!shaped(token, access_prefix) && !shaped(token, refresh_prefix))
		return JTA_OK;
	jta_vault_hash(v, token, strlen(token), hash);
	return jta_store_token_revoke(st, hash, client_id, err);
}

int
jta_authz_is_access_token(const char *token)
{
	return strncmp(token, access_prefix, sizeof(access_prefix) - 1) == 0;
}

enum jta_err
jta_authz_access(struct jta_authz *az, const char *token, int64_t now,
    struct jta_user *out, enum jta_endpoint_audience *aud)
{
	struct jta_store	*st = az->st;
	const struct jta_vault *v = az->v;
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	char		 name[JTA_STORE_AUDLEN + 1];
	enum jta_err	 rc;

	if (aud != NULL)
		*aud = JTA_ENDPOINT_AUD_API;
	if (!shaped(token, access_prefix))
		return JTA_ERR_AUTH;
	jta_vault_hash(v, token, strlen(token), hash);
	if ((rc = jta_store_token_auth(st, hash, now, out, name)) == JTA_OK &&
	    aud != NULL)
		*aud = jta_authz_audience_of(name);
	return rc;
}

enum jta_err
jta_authz_client_public(struct jta_authz *az, const char *id,
    int *public_client, struct jta_error *err)
{
	char		 name[JTA_LIMIT_CLIENT_NAME + 1];
	json_t		*uris = NULL;
	enum jta_err	 rc;

	/* A metadata document's client has no secret: public, while its
	 * document is usable. */
	if (jta_authz_is_cimd_id(id)) {
		*public_client = 0;
		rc = jta_authz_cimd_client(az, id, jta_time_now(), name,
		    sizeof(name), &uris, err);
		json_decref(uris);
		if (rc == JTA_OK)
			*public_client = 1;
		return rc;
	}
	return jta_store_client_public(az->st, id, public_client, err);
}

enum jta_err
jta_authz_password_set(struct jta_authz *az, const char *name, const char *pw,
    size_t len, int64_t *revoked, struct jta_error *err)
{
	struct jta_store	*st = az->st;
	char		 h[crypto_pwhash_STRBYTES];
	enum jta_err	 rc;

	if (len < JTA_LIMIT_PASSWORD_MIN || len > JTA_LIMIT_PASSWORD)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "password",
		    "a password is %d to %d bytes", JTA_LIMIT_PASSWORD_MIN,
		    JTA_LIMIT_PASSWORD);
	if (crypto_pwhash_str(h, pw, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return jta_error_set(err, JTA_ERR_NOMEM, 503, NULL,
		    "the password could not be hashed (out of memory)");
	rc = jta_store_user_pw_set(st, name, h, revoked, err);
	sodium_memzero(h, sizeof(h));
	return rc;
}

/* A hash to verify against when the user has none, so an unknown name
 * costs what a wrong password costs.  Made once per process. */
static const char *
dummyhash(void)
{
	static char	 h[crypto_pwhash_STRBYTES];
	char		 r[JTA_VAULT_RANDLEN + 1];

	if (h[0] == '\0') {
		jta_vault_random(r);
		if (crypto_pwhash_str(h, r, strlen(r),
		    crypto_pwhash_OPSLIMIT_INTERACTIVE,
		    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
			h[0] = '\0';
		sodium_memzero(r, sizeof(r));
	}
	return h;
}

enum jta_err
jta_authz_password_check(struct jta_authz *az, const char *name, const char *pw,
    size_t len, struct jta_user *out, struct jta_error *err)
{
	struct jta_store	*st = az->st;
	char		 h[crypto_pwhash_STRBYTES];
	const char	*dummy;
	struct jta_error e;
	enum jta_err	 rc;
	int		 ok;

	/* Made before the lookup, so that the first check in a process costs
	 * the same whether the name exists or not. */
	dummy = dummyhash();
	memset(&e, 0, sizeof(e));
	rc = jta_store_user_pw_get(st, name, out, h, sizeof(h), &e);
	if (rc != JTA_OK && rc != JTA_ERR_NOTFOUND) {
		*err = e;
		return rc;
	}
	if (len > JTA_LIMIT_PASSWORD)
		len = JTA_LIMIT_PASSWORD + 1;	/* never matches; bounded */
	ok = crypto_pwhash_str_verify(rc == JTA_OK ? h : dummy, pw,
	    len) == 0 && rc == JTA_OK && len >= JTA_LIMIT_PASSWORD_MIN &&
	    len <= JTA_LIMIT_PASSWORD;
	sodium_memzero(h, sizeof(h));
	if (!ok) {
		memset(out, 0, sizeof(*out));
		return jta_error_set(err, JTA_ERR_AUTH, 401, "password",
		    "The user name or password is wrong.");
	}
	return JTA_OK;
}

json_t *
jta_authz_metadata(const char *public_url, unsigned features)
{
	char	 a[JTA_LIMIT_REDIRECT_URI + 32], t[sizeof(a)], r[sizeof(a)];
	char	 g[sizeof(a)];
	json_t	*m;

	snprintf(a, sizeof(a), "%s/oauth/authorize", public_url);
	snprintf(t, sizeof(t), "%s/oauth/token", public_url);
	snprintf(r, sizeof(r), "%s/oauth/revoke", public_url);
	snprintf(g, sizeof(g), "%s/oauth/register", public_url);
	/* "none": public clients (PKCE required), RFC 7591 §2. */
	m = json_pack("{s:s, s:s, s:s, s:s, s:[s], s:[s,s], s:[s], "
	    "s:[s,s,s], s:[s,s,s], s:[s], s:b}",
	    "issuer", public_url,
	    "authorization_endpoint", a,
	    "token_endpoint", t,
	    "revocation_endpoint", r,
	    "response_types_supported", "code",
	    "grant_types_supported", "authorization_code", "refresh_token",
	    "code_challenge_methods_supported", "S256",
	    "token_endpoint_auth_methods_supported", "client_secret_post",
	    "client_secret_basic", "none",
	    "revocation_endpoint_auth_methods_supported",
	    "client_secret_post", "client_secret_basic", "none",
	    "scopes_supported", JTA_AUTHZ_SCOPE,
	    /* RFC 9207 §3. */
	    "authorization_response_iss_parameter_supported", 1);
	if (m == NULL)
		return NULL;
	if (((features & JTA_AUTHZ_F_REGISTER) &&
	    json_object_set_new(m, "registration_endpoint",
	    json_string(g)) != 0) || ((features & JTA_AUTHZ_F_CIMD) &&
	    json_object_set_new(m, "client_id_metadata_document_supported",
	    json_true()) != 0)) {
		json_decref(m);
		return NULL;
	}
	return m;
}

static enum jta_err
nostore(struct jta_resp *resp)
{
	enum jta_err	 rc;

	if ((rc = jta_resp_header(resp, "Cache-Control", "no-store")) !=
	    JTA_OK)
		return rc;
	return jta_resp_header(resp, "Pragma", "no-cache");
}

enum jta_err
jta_authz_send_tokens(struct jta_resp *resp, const struct jta_authz_tokens *t)
{
	enum jta_err	 rc;
	json_t		*o;

	if ((o = json_pack("{s:s, s:s, s:I, s:s, s:s}", "access_token",
	    t->access, "token_type", "Bearer", "expires_in",
	    (json_int_t)t->expires_in, "refresh_token", t->refresh, "scope",
	    t->scope)) == NULL)
		return JTA_ERR_NOMEM;
	if ((rc = nostore(resp)) == JTA_OK)
		rc = jta_resp_json(resp, 200, o);
	json_decref(o);
	return rc;
}

enum jta_err
jta_authz_send_error(struct jta_resp *resp, const struct jta_error *err)
{
	const char	*code = "invalid_request";
	enum jta_err	 rc;
	json_t		*o;
	size_t		 i;
	int		 status = err->status;

	for (i = 0; oauth_codes[i] != NULL; i++)
		if (strcmp(err->field, oauth_codes[i]) == 0)
			code = oauth_codes[i];
	if (status < 400 || status > 599)
		status = 400;
	/* RFC 6749 §5.2: 400, except invalid_client: 401 naming the HTTP
	 * scheme we accept (a MUST when the client tried Basic, allowed
	 * otherwise); server trouble stays 5xx. */
	if (status < 500)
		status = strcmp(code, "invalid_client") == 0 ? 401 : 400;
	if ((o = json_pack("{s:s, s:s}", "error", code, "error_description",
	    err->detail[0] != '\0' ? err->detail : "the request failed")) ==
	    NULL)
		return JTA_ERR_NOMEM;
	if ((rc = nostore(resp)) != JTA_OK)
		goto out;
	if (status == 401 && (rc = jta_resp_header(resp, "WWW-Authenticate",
	    "Basic realm=\"jta\"")) != JTA_OK)
		goto out;
	rc = jta_resp_json(resp, status, o);
out:
	json_decref(o);
	return rc;
}

enum jta_err
jta_authz_user(struct jta_authz *az, const char *name, struct jta_user *out,
    struct jta_error *err)
{
	return jta_store_user_get(az->st, name, out, err);
}

enum jta_err
jta_authz_password_stamp(struct jta_authz *az, const char *name,
    struct jta_user *out, unsigned char stamp[JTA_VAULT_HASHBYTES],
    struct jta_error *err)
{
	static const char tag[] = "jta-password-stamp\n";
	char		 buf[sizeof(tag) + crypto_pwhash_STRBYTES];
	char		*h = buf + sizeof(tag) - 1;
	enum jta_err	 rc;

	memcpy(buf, tag, sizeof(tag) - 1);
	rc = jta_store_user_pw_get(az->st, name, out, h,
	    crypto_pwhash_STRBYTES, err);
	if (rc == JTA_OK)
		jta_vault_hash(az->v, buf, sizeof(tag) - 1 + strlen(h), stamp);
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

enum jta_err
jta_authz_password_login(struct jta_authz *az, const char *name, const char *pw,
    size_t len, int64_t now, struct jta_user *out, struct jta_error *err)
{
	struct jta_store	*st = az->st;
	static const struct jta_store_lockout rule = {
		JTA_AUTHZ_LOCKOUT_FAILURES, JTA_AUTHZ_LOCKOUT_WINDOW,
		JTA_AUTHZ_LOCKOUT_TIME, JTA_AUTHZ_LOCKOUT_ROWS
	};
	struct jta_error e;
	int64_t		 until;
	enum jta_err	 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = jta_store_lockout_get(st, name, &until, err)) != JTA_OK)
		return rc;
	if (until > now)
		goto locked;
	memset(&e, 0, sizeof(e));
	rc = jta_authz_password_check(az, name, pw, len, out, &e);
	if (rc == JTA_OK) {
		if ((rc = jta_store_lockout_clear(st, name, err)) != JTA_OK)
			memset(out, 0, sizeof(*out));
		return rc;
	}
	*err = e;
	if (rc != JTA_ERR_AUTH)
		return rc;
	if ((rc = jta_store_lockout_fail(st, name, now, &rule, &until,
	    err)) != JTA_OK)
		return rc;
	if (until > now) {
		jta_warn("oauth: sign-in locked for %d s after %d failures",
		    JTA_AUTHZ_LOCKOUT_TIME, JTA_AUTHZ_LOCKOUT_FAILURES);
		goto locked;
	}
	return jta_error_set(err, JTA_ERR_AUTH, 401, "password",
	    "%s", e.detail);
locked:
	return jta_error_set(err, JTA_ERR_AUTH, 429, "username",
	    "Too many failed sign-ins for this user name. Wait %d minutes, "
	    "then try again.", JTA_AUTHZ_LOCKOUT_TIME / 60);
}

/* Append name=value (percent-encoded) to the URL in buf. */
static int
addparam(char *buf, size_t bufsz, const char *name, const char *value)
{
	char	 enc[3 * JTA_LIMIT_STATE + 1];
	size_t	 len = strlen(buf);
	int	 n;

	if (jta_http_urlencode(value, strlen(value), enc, sizeof(enc)) != 0)
		return -1;
	n = snprintf(buf + len, bufsz - len, "%c%s=%s",
	    strchr(buf, '?') != NULL ? '&' : '?', name, enc);
	return n < 0 || (size_t)n >= bufsz - len ? -1 : 0;
}

enum jta_err
jta_authz_redirect(struct jta_resp *resp, const char *redirect_uri,
    const char *name, const char *value, const char *description,
    const char *state, const char *iss)
{
	char	 url[JTA_LIMIT_REDIRECT_URI + 3 * JTA_LIMIT_STATE + 1024];
	int	 n;

	if (jta_url_redirect_check(redirect_uri, NULL) != JTA_OK) {
		jta_errorlog("oauth: refused to redirect to an invalid "
		    "redirect_uri");
		return JTA_ERR_INTERNAL;
	}
	n = snprintf(url, sizeof(url), "%s", redirect_uri);
	if (n < 0 || (size_t)n >= sizeof(url) ||
	    addparam(url, sizeof(url), name, value) != 0 ||
	    (description != NULL && addparam(url, sizeof(url),
	    "error_description", description) != 0) ||
	    (state != NULL && addparam(url, sizeof(url), "state", state) !=
	    0) || (iss != NULL && addparam(url, sizeof(url), "iss", iss) != 0))
		return JTA_ERR_INTERNAL;
	return jta_resp_redirect(resp, 302, url);
}

enum jta_err
jta_authz_request_encode(const struct jta_authz_request *r, char *out,
    size_t outsz)
{
	json_t		*o;
	char		*text = NULL;
	enum jta_err	 rc = JTA_ERR_INTERNAL;

	out[0] = '\0';
	if ((o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "client_id",
	    r->client_id, "redirect_uri", r->redirect_uri, "state", r->state,
	    "scope", r->scope, "challenge", r->challenge, "audience",
	    r->audience)) == NULL)
		return JTA_ERR_NOMEM;
	if ((text = jta_arena_json_dumps(o, JSON_COMPACT)) != NULL &&
	    strlen(text) < outsz && strlen(text) <= JTA_LIMIT_AUTHZ_REQUEST) {
		memcpy(out, text, strlen(text) + 1);
		rc = JTA_OK;
	}
	free(text);
	json_decref(o);
	return rc;
}

/* Copy o's string member name into dst (dstsz bytes); -1 when missing,
 * not a string, holding NUL or too long. */
static int
reqmember(const json_t *o, const char *name, char *dst, size_t dstsz)
{
	const json_t	*v = json_object_get(o, name);
	size_t		 n;

	if (!json_is_string(v) || (n = json_string_length(v)) >= dstsz ||
	    memchr(json_string_value(v), '\0', n) != NULL)
		return -1;
	memcpy(dst, json_string_value(v), n + 1);
	return 0;
}

enum jta_err
jta_authz_request_decode(const char *text, struct jta_authz_request *r)
{
	json_t		*o;
	enum jta_err	 rc = JTA_ERR_INTERNAL;

	memset(r, 0, sizeof(*r));
	if ((o = json_loadb(text, strnlen(text, JTA_LIMIT_AUTHZ_REQUEST + 1),
	    JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return rc;
	if (json_is_object(o) &&
	    reqmember(o, "client_id", r->client_id,
	    sizeof(r->client_id)) == 0 &&
	    reqmember(o, "redirect_uri", r->redirect_uri,
	    sizeof(r->redirect_uri)) == 0 &&
	    reqmember(o, "state", r->state, sizeof(r->state)) == 0 &&
	    reqmember(o, "scope", r->scope, sizeof(r->scope)) == 0 &&
	    reqmember(o, "challenge", r->challenge,
	    sizeof(r->challenge)) == 0 &&
	    (json_object_get(o, "audience") == NULL ||
	    reqmember(o, "audience", r->audience, sizeof(r->audience)) == 0))
		rc = JTA_OK;
	json_decref(o);
	return rc;
}

enum jta_err
jta_authz_client_name(struct jta_authz *az, const char *id, char *name,
    size_t namesz, struct jta_error *err)
{
	json_t		*uris = NULL;
	enum jta_err	 rc;

	if (jta_authz_is_cimd_id(id)) {
		rc = jta_authz_cimd_client(az, id, jta_time_now(), name,
		    namesz, &uris, err);
		json_decref(uris);
		return rc;
	}
	return jta_store_client_name(az->st, id, name, namesz, err);
}

int
jta_authz_form_nonce_valid(const char *nonce)
{
	size_t	 i;

	if (strlen(nonce) != JTA_VAULT_RANDLEN)
		return 0;
	for (i = 0; nonce[i] != '\0'; i++)
		if (!b64url((unsigned char)nonce[i]))
			return 0;
	return 1;
}

enum jta_err
jta_authz_form_cookie(struct jta_resp *resp, const char *public_url,
    char nonce[JTA_VAULT_RANDLEN + 1])
{
	struct jta_url	 u;
	char		 v[JTA_VAULT_RANDLEN + JTA_CONF_URL_MAX + 128];
	int		 n;

	if (!jta_authz_form_nonce_valid(nonce))
		jta_vault_random(nonce);
	/* Under public_url's path (jta_url), Secure when it is https. */
	if (jta_url_base_check(public_url, "public_url", &u, NULL) != JTA_OK)
		return JTA_ERR_INTERNAL;
	n = snprintf(v, sizeof(v), "%s=%s; Path=%s/oauth/authorize; "
	    "Max-Age=600; HttpOnly; SameSite=Lax%s", JTA_AUTHZ_FORM_COOKIE,
	    nonce, jta_url_base_path(&u), strcmp(u.scheme, "https") == 0 ?
	    "; Secure" : "");
	if (n < 0 || (size_t)n >= sizeof(v))
		return JTA_ERR_INTERNAL;
	return jta_resp_header(resp, "Set-Cookie", v);
}

enum jta_err
jta_authz_form_token(struct jta_authz *az, const char *nonce,
    const struct jta_authz_request *r, char out[JTA_AUTHZ_FORM_TOKENLEN + 1])
{
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	char		 text[JTA_LIMIT_AUTHZ_REQUEST + 1];
	/* "signin." nonce "." text */
	char		 buf[JTA_LIMIT_AUTHZ_REQUEST + JTA_VAULT_RANDLEN + 16];
	int		 n;

	out[0] = '\0';
	if (jta_authz_request_encode(r, text, sizeof(text)) != JTA_OK)
		return JTA_ERR_INTERNAL;
	n = snprintf(buf, sizeof(buf), "signin.%s.%s", nonce, text);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return JTA_ERR_INTERNAL;
	jta_vault_hash(az->v, buf, (size_t)n, hash);
	sodium_bin2hex(out, JTA_AUTHZ_FORM_TOKENLEN + 1, hash, sizeof(hash));
	sodium_memzero(buf, sizeof(buf));
	return JTA_OK;
}

int
jta_authz_form_check(struct jta_authz *az, const char *nonce,
    const struct jta_authz_request *r, const char *token)
{
	char	 want[JTA_AUTHZ_FORM_TOKENLEN + 1];

	if (token == NULL || !jta_authz_form_nonce_valid(nonce) ||
	    strlen(token) != JTA_AUTHZ_FORM_TOKENLEN ||
	    jta_authz_form_token(az, nonce, r, want) != JTA_OK)
		return 0;
	return sodium_memcmp(want, token, JTA_AUTHZ_FORM_TOKENLEN) == 0;
}
