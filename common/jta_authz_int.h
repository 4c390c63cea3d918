/*
 * What the authorization server's own files share (jta_authz.c,
 * jta_authz_register.c); nothing outside common/jta_authz*.c includes it.
 */
#ifndef JTA_AUTHZ_INT_H
#define JTA_AUTHZ_INT_H

#include <stddef.h>

#include "jta_vault.h"

/* The handle (jta_authz.h): both members borrowed. */
struct jta_authz {
	struct jta_store	*st;
	const struct jta_vault	*v;
};

#define JTA_AUTHZ_CLIENT_PREFIX	"jtac_"
#define JTA_AUTHZ_SECRET_PREFIX	"jtacs_"

/* prefix + a fresh random value into out (outsz bytes), its keyed hash
 * under v into hash. */
void jta_authz_mint(const struct jta_vault *v, const char *prefix, char *out,
    size_t outsz, unsigned char hash[JTA_VAULT_HASHBYTES]);

#endif
