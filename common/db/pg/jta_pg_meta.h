/*
 * The Jira metadata cache on PostgreSQL: the functions of
 * jta_store_meta.h over a PostgreSQL connection, with the same contract
 * (the caller, jta_store_meta.c, has checked the keys and the value).
 * Reached through jta_db_engine.h's table, never called directly.
 */
#ifndef JTA_PG_META_H
#define JTA_PG_META_H

#include <stdint.h>

#include <jansson.h>

#include "jta_err.h"

struct jta_pg;

enum jta_err jta_pg_meta_get(struct jta_pg *pg, const char *site,
    const char *kind, const char *key, int64_t since, json_t **out,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_meta_put(struct jta_pg *pg, const char *site,
    const char *kind, const char *key, const char *value, int64_t now,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_meta_drop(struct jta_pg *pg, const char *site,
    const char *kind, const char *prefix, int64_t *n,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_meta_clear(struct jta_pg *pg, const char *site,
    int64_t *n, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_meta_count(struct jta_pg *pg, int64_t *n,
    struct jta_error *err) JTA_WUR;

#endif
