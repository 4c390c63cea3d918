/*
 * What the authorization server's own files share (jta_authz.c,
 * jta_authz_register.c); nothing outside common/jta_authz*.c includes it.
 */
#ifndef JTA_AUTHZ_INT_H
#define JTA_AUTHZ_INT_H

#include <stddef.h>

#include <jansson.h>

#include "jta_authz.h"
#include "jta_vault.h"

/* The handle (jta_authz.h): st and v borrowed. */
struct jta_authz {
	struct jta_store	*st;
	const struct jta_vault	*v;
	struct jta_authz_cimd	 cimd;	/* ca_file borrowed */
};

/* Check RFC 7591 §2 client metadata (jta_authz_register's rules): a new
 * array of its redirect URIs into *uris, its client_name (borrowed from
 * meta, or a default) into *name, *public when its
 * token_endpoint_auth_method is "none".  JTA_ERR_INPUT 400 with
 * err->field "invalid_redirect_uri" or "invalid_client_metadata". */
enum jta_err jta_authz_meta_check(const json_t *meta, json_t **uris,
    const char **name, int *public_client, struct jta_error *err) JTA_WUR;

#define JTA_AUTHZ_CLIENT_PREFIX	"jtac_"
#define JTA_AUTHZ_SECRET_PREFIX	"jtacs_"

/* prefix + a fresh random value into out (outsz bytes), its keyed hash
 * under v into hash. */
void jta_authz_mint(const struct jta_vault *v, const char *prefix, char *out,
    size_t outsz, unsigned char hash[JTA_VAULT_HASHBYTES]);

#endif
