/*
 * The operators' switch and access rules on PostgreSQL: the functions of
 * jta_store_ops.h over a PostgreSQL connection, with the same contract
 * (jta_pg_ops.c says how each guarantee holds across hosts).  Reached
 * through jta_db_engine.h's table, never called directly.
 */
#ifndef JTA_PG_OPS_H
#define JTA_PG_OPS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_err.h"
#include "jta_types.h"

struct jta_pg;

enum jta_err jta_pg_policy_get(struct jta_pg *pg,
    struct jta_store_policy *out, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_policy_set(struct jta_pg *pg, int enabled,
    const char *message, int64_t now, const char *by,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_rule_count(struct jta_pg *pg, int64_t *n,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_rule_add(struct jta_pg *pg,
    const struct jta_store_rule *rule, int64_t now, const char *by,
    int64_t *id, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_rule_remove(struct jta_pg *pg, int64_t id,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_rule_list(struct jta_pg *pg,
    struct jta_store_rule *rules, size_t max, size_t *n,
    struct jta_error *err) JTA_WUR;

/* The audit log: jta_store_ops.h's audit functions. */
struct jta_audit_event;
struct jta_audit_filter;
enum jta_err jta_pg_audit_add(struct jta_pg *pg,
    const struct jta_audit_event *ev, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_audit_purge(struct jta_pg *pg, int64_t before,
    int64_t max, int64_t *deleted, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_audit_count(struct jta_pg *pg, int64_t *n,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_audit_query(struct jta_pg *pg,
    const struct jta_audit_filter *f, json_t **out, struct jta_error *err)
    JTA_WUR;

/* jta_store_user_add (jta_store_people.h). */
enum jta_err jta_pg_user_add(struct jta_pg *pg, const char *name,
    const char *display_name, const char *email, int64_t *id,
    struct jta_error *err) JTA_WUR;

#endif
