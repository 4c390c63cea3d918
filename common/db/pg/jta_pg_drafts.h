/*
 * Drafts, idempotency keys and draft attachments on PostgreSQL: the
 * functions of jta_store_drafts.h over a PostgreSQL connection, with the
 * same contract (the caller, jta_store_drafts.c, has checked the lease's
 * owner, token and times and the attachment's bounds).  Reached through
 * jta_db_engine.h's table, never called directly.  The embedded store's
 * ticket attachments stay on SQLite (backend = local is refused with
 * database_url).
 */
#ifndef JTA_PG_DRAFTS_H
#define JTA_PG_DRAFTS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_err.h"
#include "jta_store_drafts.h"

struct jta_pg;

enum jta_err jta_pg_draft_put(struct jta_pg *pg, int64_t user_id,
    const char *id, const json_t *input, const json_t *preview, int64_t now,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_draft_get(struct jta_pg *pg, int64_t user_id,
    const char *id, int64_t now, struct jta_draft *out,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_draft_edit(struct jta_pg *pg, int64_t user_id,
    const char *id, int64_t revision, const json_t *input,
    const json_t *preview, int64_t now, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_draft_discard(struct jta_pg *pg, int64_t user_id,
    const char *id, int64_t now, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_draft_claim(struct jta_pg *pg, int64_t user_id,
    const char *id, int64_t revision, const char *owner, const char *token,
    int64_t now, int64_t lease_s, struct jta_claim *out,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_idem_claim(struct jta_pg *pg, int64_t user_id,
    const char *key, const unsigned char *hash, const char *owner,
    const char *token, int64_t now, int64_t lease_s, struct jta_claim *out,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_once_attempt(struct jta_pg *pg, enum jta_once_kind kind,
    int64_t user_id, const char *id, const char *owner, int64_t now,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_once_done(struct jta_pg *pg, enum jta_once_kind kind,
    int64_t user_id, const char *id, const char *owner, int status,
    const json_t *result, int64_t now, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_once_release(struct jta_pg *pg, enum jta_once_kind kind,
    int64_t user_id, const char *id, const char *owner, int unknown,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_draft_file_add(struct jta_pg *pg, const char *draft_id,
    const struct jta_draft_file *f, int64_t max_bytes, int64_t now,
    int64_t *out_id, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_draft_file_list(struct jta_pg *pg, const char *draft_id,
    struct jta_draft_file *out, size_t max, size_t *n,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_draft_file_uploaded(struct jta_pg *pg,
    const char *draft_id, int64_t id, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_draft_file_gc(struct jta_pg *pg,
    struct jta_draft_file *out, size_t max, size_t *n,
    struct jta_error *err) JTA_WUR;

#endif
