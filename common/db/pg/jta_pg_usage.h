/*
 * Usage counts and quotas on PostgreSQL: the functions of
 * jta_store_usage.h over a PostgreSQL connection, with the same contract
 * (jta_pg_usage.c says how each holds across hosts).  Reached through
 * jta_db_engine.h's table, never called directly.
 */
#ifndef JTA_PG_USAGE_H
#define JTA_PG_USAGE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_err.h"
#include "jta_types.h"

struct jta_pg;
struct jta_store_period;

enum jta_err jta_pg_usage_count(struct jta_pg *pg, int64_t user_id,
    const char *site, int64_t now, int creates, int updates,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_usage_tokens(struct jta_pg *pg, int64_t user_id,
    const char *site, int64_t now, int64_t prompt, int64_t completion,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_usage_files(struct jta_pg *pg, int64_t user_id,
    const char *site, int64_t now, int64_t files, int64_t bytes,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_usage_fold(struct jta_pg *pg, const char *owner,
    int64_t batch, const struct jta_store_usage_row *rows, size_t n,
    int *applied, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_usage_quotas(struct jta_pg *pg, int64_t user_id,
    const char *name, const char *site, const struct jta_store_period *p,
    struct jta_store_quota *q, size_t max, size_t *n,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_usage_subject(struct jta_pg *pg, int64_t user_id,
    int64_t *gen, char *site_url, size_t sz, struct jta_error *err);
enum jta_err jta_pg_quota_set(struct jta_pg *pg,
    const struct jta_store_quota *q, int64_t now, const char *by,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_quota_remove(struct jta_pg *pg, const char *scope,
    const char *subject, const char *metric, const char *per,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_quota_list(struct jta_pg *pg, json_t **out,
    struct jta_error *err) JTA_WUR;
/* The rows of kind "person", "day", "site", "top" (the lim busiest by
 * calls) or "total" from day from to day to, as jta_store_usage.c's
 * summary and report read them: objects {keyname: key, calls, creates,
 * updates, conversations, prompt_tokens, completion_tokens, files,
 * file_bytes}; more than JTA_LIMIT_USAGE_ROWS is 422 naming "from". */
enum jta_err jta_pg_usage_rows(struct jta_pg *pg, const char *kind,
    const char *keyname, const char *from, const char *to, int64_t lim,
    json_t **out, struct jta_error *err) JTA_WUR;

#endif
