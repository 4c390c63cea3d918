/*
 * RFC 7591 dynamic client registration for our authorization server
 * (jta_authz_register in jta_authz.h): the metadata a client sends is
 * checked here, the client is kept through jta_store_client_register,
 * which bounds how many there are.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "jta_audit.h"
#include "jta_authz.h"
#include "jta_authz_int.h"
#include "jta_log.h"
#include "jta_store_authz.h"
#include "jta_text.h"
#include "jta_url.h"

/* RFC 7591 §3.2.2's error codes. */
static enum jta_err
regerr(struct jta_error *err, const char *code, const char *detail)
{
	return jta_error_set(err, JTA_ERR_INPUT, 400, code, "%s", detail);
}

/* 1 when s is 1..max bytes of UTF-8 without control characters (a name
 * shown to people). */
static int
printable(const char *s, size_t max)
{
	size_t	 n = strlen(s), i;

	if (n == 0 || n > max || !jta_text_utf8_valid(s, n))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* 1 when v, when present, is an array of 1..max strings each among
 * allowed (NULL-terminated); *has_first gets whether allowed[0] is in it. */
static int
strset(const json_t *v, const char *const *allowed, size_t max,
    int *has_first)
{
	const json_t	*x;
	size_t		 i, k;
	int		 ok;

	*has_first = 0;
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > max)
		return 0;
	json_array_foreach(v, i, x) {
		if (!json_is_string(x))
			return 0;
		for (k = 0, ok = 0; allowed[k] != NULL; k++)
			if (strcmp(json_string_value(x), allowed[k]) == 0) {
				ok = 1;
				if (k == 0)
					*has_first = 1;
			}
		if (!ok)
			return 0;
	}
	return 1;
}

enum jta_err
jta_authz_meta_check(const json_t *meta, json_t **uris, const char **name,
    int *public, struct jta_error *err)
{
	static const char *const grants[] = { "authorization_code",
	    "refresh_token", NULL };
	static const char *const responses[] = { "code", NULL };
	static const char *const methods[] = { "none", "client_secret_post",
	    "client_secret_basic", NULL };
	const json_t	*v, *u;
	char		 scope[JTA_LIMIT_SCOPE + 1];
	struct jta_error e;
	size_t		 i;
	int		 first;

	*uris = NULL;
	*name = "An unnamed application";
	*public = 0;
	memset(&e, 0, sizeof(e));
	v = json_object_get(meta, "redirect_uris");
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > JTA_LIMIT_REDIRECT_URIS)
		return regerr(err, "invalid_redirect_uri", "redirect_uris "
		    "must be an array of 1 to "
		    JTA_URL_STR(JTA_LIMIT_REDIRECT_URIS) " URIs");
	json_array_foreach(v, i, u)
		if (!json_is_string(u) || jta_url_redirect_check(
		    json_string_value(u), &e) != JTA_OK)
			return regerr(err, "invalid_redirect_uri",
			    JTA_URL_REDIRECT_RULE);
	/* RFC 7591 §2: the default is client_secret_basic. */
	if ((v = json_object_get(meta, "token_endpoint_auth_method")) !=
	    NULL) {
		for (i = 0; methods[i] != NULL; i++)
			if (json_is_string(v) && strcmp(json_string_value(v),
			    methods[i]) == 0)
				break;
		if (methods[i] == NULL)
			return regerr(err, "invalid_client_metadata",
			    "token_endpoint_auth_method must be none, "
			    "client_secret_post or client_secret_basic");
		*public = i == 0;
	}
	if ((v = json_object_get(meta, "grant_types")) != NULL &&
	    (!strset(v, grants, 2, &first) || !first))
		return regerr(err, "invalid_client_metadata", "grant_types "
		    "must hold authorization_code, and refresh_token at most "
		    "besides");
	if ((v = json_object_get(meta, "response_types")) != NULL &&
	    !strset(v, responses, 1, &first))
		return regerr(err, "invalid_client_metadata",
		    "response_types must be [\"code\"]");
	if ((v = json_object_get(meta, "scope")) != NULL &&
	    (!json_is_string(v) || jta_authz_scope(json_string_value(v),
	    scope, sizeof(scope), &e) != JTA_OK))
		return regerr(err, "invalid_client_metadata",
		    "the only scope is '" JTA_AUTHZ_SCOPE "'");
	if ((v = json_object_get(meta, "client_name")) != NULL) {
		if (!json_is_string(v) || !printable(json_string_value(v),
		    JTA_LIMIT_CLIENT_NAME))
			return regerr(err, "invalid_client_metadata",
			    "client_name must be 1 to "
			    JTA_URL_STR(JTA_LIMIT_CLIENT_NAME) " bytes of "
			    "UTF-8 text without control characters");
		*name = json_string_value(v);
	}
	if ((*uris = json_deep_copy(json_object_get(meta, "redirect_uris"))) ==
	    NULL)
		return JTA_ERR_NOMEM;
	return JTA_OK;
}

/* The audit log's row of a registration (README "Audit log"): who is
 * the address that registered, the detail the client and its name. */
static void
audit(struct jta_authz *az, const char *id, const char *name,
    const char *address, int64_t now)
{
	struct jta_audit_event ev;
	struct jta_error e;
	char		 who[96], detail[JTA_AUDIT_DETAIL_MAX + 1];

	snprintf(who, sizeof(who), "address:%s", address != NULL ? address :
	    "-");
	snprintf(detail, sizeof(detail), "client %s: %s", id, name);
	memset(&ev, 0, sizeof(ev));
	memset(&e, 0, sizeof(e));
	ev.when = now;
	ev.who = who;
	ev.action = "client-register";
	ev.endpoint = "oauth.register";
	ev.status = 201;
	ev.detail = detail;
	if (jta_audit_write(az->st, &ev, &e) != JTA_OK)
		jta_errorlog("audit: client-register %s: not recorded: %s", id,
		    e.detail);
}

enum jta_err
jta_authz_register(struct jta_authz *az, const json_t *meta,
    const char *address, int64_t now, int idle_days, json_t **out,
    struct jta_error *err)
{
	const struct jta_store_reg_rule rule = {
		JTA_LIMIT_REGISTERED_CLIENTS, JTA_LIMIT_REGISTER_PER_ADDRESS,
		JTA_LIMIT_REGISTER_WINDOW, (int64_t)idle_days * 86400
	};
	struct jta_store_client_new c;
	unsigned char	 hash[JTA_VAULT_HASHBYTES], rnd[12];
	char		 hex[2 * sizeof(rnd) + 1];
	char		 id[JTA_AUTHZ_CLIENT_IDLEN + 1];
	char		 secret[JTA_AUTHZ_SECRETLEN + 1];
	const char	*name;
	json_t		*uris = NULL, *o = NULL;
	enum jta_err	 rc;
	int		 public;

	*out = NULL;
	secret[0] = '\0';
	if (!json_is_object(meta))
		return regerr(err, "invalid_client_metadata",
		    "the body must be a JSON object (RFC 7591 section 3.1)");
	if ((rc = jta_authz_meta_check(meta, &uris, &name, &public, err)) !=
	    JTA_OK)
		goto out;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	snprintf(id, sizeof(id), "%s%s", JTA_AUTHZ_CLIENT_PREFIX, hex);
	/* A public client gets a secret's hash too, never shown: no
	 * secret authenticates it (jta_authz_client_request). */
	jta_authz_mint(az->v, JTA_AUTHZ_SECRET_PREFIX, secret, sizeof(secret),
	    hash);
	memset(&c, 0, sizeof(c));
	c.client_id = id;
	c.hash = hash;
	c.name = name;
	c.uris = uris;
	c.public_client = public;
	c.address = address != NULL && address[0] != '\0' ? address : NULL;
	if ((rc = jta_store_client_register(az->st, &c, &rule, now, err)) !=
	    JTA_OK)
		goto out;
	/* RFC 7591 §3.2.1: the client's metadata as registered. */
	o = json_pack("{s:s, s:I, s:s, s:O, s:s, s:[s,s], s:[s], s:s}",
	    "client_id", id, "client_id_issued_at", (json_int_t)now,
	    "client_name", name, "redirect_uris", uris,
	    "token_endpoint_auth_method", public ? "none" :
	    json_string_value(json_object_get(meta,
	    "token_endpoint_auth_method")) != NULL ?
	    json_string_value(json_object_get(meta,
	    "token_endpoint_auth_method")) : "client_secret_basic",
	    "grant_types", "authorization_code", "refresh_token",
	    "response_types", "code", "scope", JTA_AUTHZ_SCOPE);
	if (o == NULL || (!public && (json_object_set_new(o, "client_secret",
	    json_string(secret)) != 0 || json_object_set_new(o,
	    "client_secret_expires_at", json_integer(0)) != 0))) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	jta_info("oauth: client registered client_id=%s public=%d", id,
	    public);
	audit(az, id, name, c.address, now);
	*out = o;
	o = NULL;
	rc = JTA_OK;
out:
	sodium_memzero(secret, sizeof(secret));
	json_decref(uris);
	json_decref(o);
	return rc;
}
