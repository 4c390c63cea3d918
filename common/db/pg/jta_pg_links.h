/*
 * Atlassian links and the single-flight refresh lease on PostgreSQL:
 * jta_store_people.h's link_put, link_get, link_lease, link_renew,
 * link_release and link_break over a PostgreSQL connection, with the
 * same contract (jta_pg_links.c says how each holds across hosts).
 * Reached through jta_db_engine.h's table, never called directly.
 */
#ifndef JTA_PG_LINKS_H
#define JTA_PG_LINKS_H

#include <stddef.h>
#include <stdint.h>

#include "jta_err.h"
#include "jta_store_people.h"
#include "jta_types.h"
#include "jta_vault.h"

struct jta_pg;

enum jta_err jta_pg_link_put(struct jta_pg *pg, struct jta_vault *v,
    const struct jta_link *in, const unsigned char *access,
    size_t access_len, int64_t expires_at, const unsigned char *refresh,
    size_t refresh_len, struct jta_user *out, struct jta_error *err)
    JTA_WUR;
enum jta_err jta_pg_link_get(struct jta_pg *pg, struct jta_vault *v,
    int64_t user_id, struct jta_link *out, struct jta_secret **access,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_link_lease(struct jta_pg *pg, struct jta_vault *v,
    int64_t user_id, const char *owner, int64_t now, int64_t lease_s,
    int64_t known_generation, enum jta_lease_result *res,
    struct jta_secret **token, struct jta_link *out, struct jta_error *err)
    JTA_WUR;
enum jta_err jta_pg_link_renew(struct jta_pg *pg, struct jta_vault *v,
    int64_t user_id, const char *owner, const unsigned char *access,
    size_t access_len, int64_t expires_at, const unsigned char *refresh,
    size_t refresh_len, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_link_release(struct jta_pg *pg, int64_t user_id,
    const char *owner, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_link_break(struct jta_pg *pg, int64_t user_id,
    const char *owner, struct jta_error *err) JTA_WUR;

#endif
