/*
 * Our OAuth server's storage on PostgreSQL: the functions of
 * jta_store_authz.h implemented so far (authorization codes, token
 * families, the sign-in lockout, a person's grants) over a PostgreSQL
 * connection, with the same contract (jta_pg_authz.c says how each
 * guarantee holds across hosts).  Reached through jta_db_engine.h's
 * table, never called directly.
 */
#ifndef JTA_PG_AUTHZ_H
#define JTA_PG_AUTHZ_H

#include <stdint.h>

#include "jta_err.h"
#include "jta_store_authz.h"
#include "jta_types.h"

struct jta_pg;

enum jta_err jta_pg_code_put(struct jta_pg *pg, const unsigned char *hash,
    const struct jta_store_code *c, int64_t now, struct jta_error *err)
    JTA_WUR;
enum jta_err jta_pg_code_take(struct jta_pg *pg, const unsigned char *hash,
    struct jta_store_code_row *out, struct jta_error *err) JTA_WUR;

enum jta_err jta_pg_family_revoke(struct jta_pg *pg, const char *family,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_pair_put(struct jta_pg *pg,
    const struct jta_store_pair *pair, const char *family,
    const char *client_id, int64_t user_id, const char *scope, int64_t now,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_token_get(struct jta_pg *pg, const unsigned char *hash,
    struct jta_store_token_row *out, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_token_later(struct jta_pg *pg,
    const struct jta_store_token_row *t, int64_t *n, struct jta_error *err)
    JTA_WUR;
enum jta_err jta_pg_token_replace(struct jta_pg *pg, int64_t id,
    int64_t now, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_family_drop_live(struct jta_pg *pg, const char *family,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_token_spend(struct jta_pg *pg, int64_t id,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_token_revoke(struct jta_pg *pg,
    const unsigned char *hash, const char *client_id,
    struct jta_error *err) JTA_WUR;
/* audience: JTA_STORE_AUDLEN + 1 bytes. */
enum jta_err jta_pg_token_auth(struct jta_pg *pg, const unsigned char *hash,
    int64_t now, struct jta_user *out, char *audience) JTA_WUR;
enum jta_err jta_pg_lockout_get(struct jta_pg *pg, const char *name,
    int64_t *locked_until, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_lockout_fail(struct jta_pg *pg, const char *name,
    int64_t now, const struct jta_store_lockout *rule, int64_t *locked_until,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_lockout_clear(struct jta_pg *pg, const char *name,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_user_grants_revoke(struct jta_pg *pg, int64_t user_id,
    int64_t *revoked, struct jta_error *err) JTA_WUR;

#endif
