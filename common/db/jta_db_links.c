/*
 * The Atlassian link helpers both engines share (jta_store_people.c on
 * SQLite, pg/jta_pg_links.c on PostgreSQL): sealing a link's tokens
 * with the same additional data, so rows moved between engines open
 * under the same key files, the checks of what Atlassian sent, and the
 * local user name of an Atlassian account.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "jta_db_engine.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_text.h"

static void
tokenad(int64_t uid, const char *column, char *ad, size_t adsz)
{
	snprintf(ad, adsz, "atl:%" PRId64 ":%s", uid, column);
}

enum jta_err
jta_db_token_open(struct jta_vault *v, int64_t uid, const char *column,
    const unsigned char *ct, size_t ctlen, struct jta_secret **out,
    struct jta_error *err)
{
	char		 ad[64];
	enum jta_err	 rc;

	tokenad(uid, column, ad, sizeof(ad));
	if ((rc = jta_vault_unseal(v, ct, ctlen, ad, out)) != JTA_OK) {
		jta_errorlog("store: the %s token of user %" PRId64 " does not "
		    "open with the keys of token_key_file (%s): a wrong key "
		    "file, or a row altered or copied from another user",
		    column, uid, jta_err_name(rc));
		return jta_error_set(err, rc == JTA_ERR_NOMEM ? rc :
		    JTA_ERR_CRYPTO, 500, NULL, "your stored Atlassian sign-in "
		    "cannot be read by this server (its operator should check "
		    "token_key_file); visiting /oauth/start links your account "
		    "again");
	}
	return JTA_OK;
}

enum jta_err
jta_db_token_seal(struct jta_vault *v, int64_t uid, const char *column,
    const unsigned char *pt, size_t ptlen, unsigned char **ct, size_t *ctlen,
    struct jta_error *err)
{
	char		 ad[64];
	enum jta_err	 rc;

	tokenad(uid, column, ad, sizeof(ad));
	if ((rc = jta_vault_seal(v, pt, ptlen, ad, ct, ctlen)) != JTA_OK) {
		jta_errorlog("store: cannot seal the %s token of user %" PRId64
		    " (%s)", column, uid, jta_err_name(rc));
		return jta_error_set(err, rc == JTA_ERR_NOMEM ? rc :
		    JTA_ERR_CRYPTO, 500, NULL, "the Atlassian token cannot be "
		    "stored; the server log has details");
	}
	return JTA_OK;
}

/* 1 when s is at most max bytes of UTF-8 without control characters. */
int
jta_db_plaintext(const char *s, size_t max)
{
	size_t	 i, n = strnlen(s, max + 1);

	if (n > max || !jta_text_utf8_valid(s, n))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

enum jta_err
jta_db_checktoken(const unsigned char *t, size_t len, int optional,
    struct jta_error *err)
{
	if ((t == NULL && optional) ||
	    (t != NULL && len > 0 && len <= JTA_LIMIT_UPSTREAM_TOKEN))
		return JTA_OK;
	return jta_error_set(err, JTA_ERR_INPUT, 502, NULL,
	    "Atlassian answered with a token that is empty or longer than "
	    "%d bytes", JTA_LIMIT_UPSTREAM_TOKEN);
}

/* The local user name for an Atlassian account: "atl-" and the first 8
 * bytes of BLAKE2b-256(account id) in hex.  Stable, and a valid user name
 * (lower-case letters, digits and '-'). */
enum jta_err
jta_db_atlname(const char *account_id, char *out, size_t outsz)
{
	unsigned char	 h[crypto_generichash_BYTES];
	char		 hex[17];

	if (crypto_generichash(h, sizeof(h), (const unsigned char *)account_id,
	    strlen(account_id), NULL, 0) != 0)
		return JTA_ERR_CRYPTO;
	sodium_bin2hex(hex, sizeof(hex), h, 8);
	snprintf(out, outsz, "atl-%s", hex);
	return JTA_OK;
}

enum jta_err
jta_db_token_reseal(struct jta_vault *v, int64_t uid, const char *column,
    const unsigned char *ct, size_t len, unsigned char **out, size_t *outlen)
{
	struct jta_secret *pt = NULL;
	enum jta_err	 rc;

	*out = NULL;
	*outlen = 0;
	if (ct == NULL)
		return JTA_OK;
	if ((rc = jta_db_token_open(v, uid, column, ct, len, &pt, NULL)) !=
	    JTA_OK)
		return rc;
	rc = jta_db_token_seal(v, uid, column, pt->buf, pt->len, out, outlen,
	    NULL);
	jta_secret_free(pt);
	return rc;
}

enum jta_err
jta_db_seal_kid(struct jta_vault *v, unsigned char kid[4],
    struct jta_error *err)
{
	uint32_t	 k;

	if ((k = jta_vault_seal_kid(v)) == 0)
		return jta_error_set(err, JTA_ERR_CONFIG, 500, NULL,
		    "no token key to seal with");
	/* Bytes 2..5 of a sealed token, big-endian (jta_vault.h). */
	kid[0] = (unsigned char)(k >> 24);
	kid[1] = (unsigned char)(k >> 16);
	kid[2] = (unsigned char)(k >> 8);
	kid[3] = (unsigned char)k;
	return JTA_OK;
}
