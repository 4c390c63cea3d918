/*
 * People, API keys and passwords, and the operators' side of the
 * Atlassian links (identity, list, delete, re-seal) on PostgreSQL:
 * jta_store_people.h's contract over a PostgreSQL connection
 * (jta_pg_people.c says how each holds across hosts).  Reached through
 * jta_db_engine.h's table, never called directly.
 */
#ifndef JTA_PG_PEOPLE_H
#define JTA_PG_PEOPLE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_err.h"
#include "jta_store_people.h"
#include "jta_types.h"
#include "jta_vault.h"

struct jta_pg;

enum jta_err jta_pg_user_get(struct jta_pg *pg, const char *name,
    struct jta_user *out, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_user_list(struct jta_pg *pg, json_t **out) JTA_WUR;
enum jta_err jta_pg_key_add(struct jta_pg *pg, int64_t user_id,
    const char *keyid, const unsigned char *hash, const char *label,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_key_auth(struct jta_pg *pg, const char *keyid,
    const unsigned char *hash, struct jta_user *out) JTA_WUR;
enum jta_err jta_pg_key_list(struct jta_pg *pg, const char *user,
    json_t **out, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_key_revoke(struct jta_pg *pg, const char *keyid,
    struct jta_error *err) JTA_WUR;
/* The hash only, in the caller's transaction; JTA_ERR_NOTFOUND when
 * there is no such user. */
enum jta_err jta_pg_pw_set(struct jta_pg *pg, const char *name,
    const char *pw_hash, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_pw_get(struct jta_pg *pg, const char *name,
    struct jta_user *out, char *pw_hash, size_t pwsz,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_link_identity(struct jta_pg *pg, int64_t user_id,
    struct jta_link *out, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_link_list(struct jta_pg *pg, json_t **out,
    struct jta_error *err) JTA_WUR;
/* Delete user_id's link, in the caller's transaction. */
enum jta_err jta_pg_link_delete(struct jta_pg *pg, int64_t user_id,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_link_reseal(struct jta_pg *pg, struct jta_vault *v,
    size_t batch, size_t *resealed, size_t *remaining,
    struct jta_error *err) JTA_WUR;

#endif
