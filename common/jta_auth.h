/*
 * Authentication of API requests: `Authorization: Bearer <API key>`
 * (RFC 6750 §2.1), or Bearer with an access token our authorization
 * server issued (jta_at_..., see jta_authz.h).  A key is checked by
 * shape, looked up by its public id and compared by keyed hash in constant
 * time; an access token is looked up by its keyed hash.  Only a
 * fingerprint of either ever reaches the log.
 */
#ifndef JTA_AUTH_H
#define JTA_AUTH_H

#include "jta_endpoint.h"
#include "jta_err.h"
#include "jta_req.h"
#include "jta_types.h"
#include "jta_vault.h"

/* A storage connection (common/db/jta_db.h); only passed through. */
struct jta_store;

struct jta_authz;

/*
 * Find the user req acts for: an access token of our authorization
 * server az, or a personal API key looked up in st with vault's keyed
 * hash (all borrowed).  JTA_ERR_AUTH (401, with a detail saying
 * whether the key is missing, malformed or unknown/revoked) when it acts
 * for nobody.  An access token must have been issued for aud, the
 * audience of the resource asked (RFC 8707; RFC 9068 §4 states the same
 * rule for JWTs: a token for another resource is refused), unless
 * shared (the configuration's oauth_audience_shared); API keys serve
 * every audience.
 */
enum jta_err jta_auth_bearer(struct jta_store *st, struct jta_authz *az,
    const struct jta_vault *vault, const struct jta_req *req,
    enum jta_endpoint_audience aud, int shared, struct jta_user *out,
    struct jta_error *err) JTA_WUR;

#endif
