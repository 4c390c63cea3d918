/*
 * The operators' repository: the switch (on/off with a message and a
 * generation the workers watch), the access rules (jta_policy.h gives
 * their meaning) and the audit log (jta_audit.h).
 *
 * Implemented by the SQLite engine (jta_db.c) today; a second engine
 * implements the same header.  Every function here works on one
 * connection (struct jta_store, jta_db.h); "its own transaction" means the
 * function opens and commits a write transaction itself (BEGIN IMMEDIATE
 * under SQLite: writers queue, none fails half-way) and must not be called
 * inside another; "the caller's transaction" means the caller opened one
 * with jta_db_begin and commits or rolls back.  A read without either sees
 * one consistent snapshot per call.  Errors: JTA_ERR_DB (err->status 503
 * when the database is busy, else 500; the engine's own text only in the
 * log), and those named at each function.
 * Every function that writes does so in its own transaction.
 */
#ifndef JTA_JTA_STORE_OPS_H
#define JTA_JTA_STORE_OPS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_db.h"
#include "jta_err.h"
#include "jta_limits.h"
#include "jta_types.h"

/* struct jta_store_policy and struct jta_store_rule: jta_types.h. */

/* ---- operators' switches (schema 7; jta_policy.h gives the meaning) ----
 *
 * One settings row (the kill switch) and the access rules.  Every change
 * bumps the row's generation in the same BEGIN IMMEDIATE transaction, so
 * a worker that read generation g and reads g again knows its copy of
 * the rules is current without reading them.
 */



/* Read the settings row: one prepared statement on its primary key (run
 * on every request).  JTA_ERR_DB (503/500 in err) when the store fails. */
enum jta_err jta_store_policy_get(struct jta_store *st,
    struct jta_store_policy *out, struct jta_error *err) JTA_WUR;

/* The main file's data version (SQLite, issue 16): an opaque value that
 * differs from the one returned before whenever anything was committed
 * to the file since, by this connection or any other process's, so a
 * caller that kept the settings row read after version v needs to read
 * it again only when the version is no longer v.  One read transaction
 * (https://www.sqlite.org/pragma.html#pragma_data_version), no row.  0
 * (PostgreSQL): unknown, read the row.  JTA_ERR_DB when the store fails. */
enum jta_err jta_store_policy_version(struct jta_store *st,
    uint64_t *version, struct jta_error *err) JTA_WUR;

/* Switch on (enabled 1) or off with message (NULL: none), recording now
 * and by as the switch's changed_at and changed_by; generation + 1.  A
 * rule's change bumps the generation only. */
enum jta_err jta_store_policy_set(struct jta_store *st, int enabled,
    const char *message, int64_t now, const char *by,
    struct jta_error *err) JTA_WUR;

/* The number of rules. */
enum jta_err jta_store_rule_count(struct jta_store *st, int64_t *n,
    struct jta_error *err) JTA_WUR;

/* Add rule r (its id and created are ignored) made at now by by; *id is
 * the new rule's id.  JTA_ERR_CONFLICT (409) when the same effect, kind,
 * value and scope exist already; JTA_ERR_INPUT (422) when there are
 * JTA_LIMIT_POLICY_RULES rules already.  Generation + 1. */
enum jta_err jta_store_rule_add(struct jta_store *st,
    const struct jta_store_rule *r, int64_t now, const char *by,
    int64_t *id, struct jta_error *err) JTA_WUR;

/* Remove rule id; JTA_ERR_NOTFOUND (404) when there is none.
 * Generation + 1. */
enum jta_err jta_store_rule_remove(struct jta_store *st, int64_t id,
    struct jta_error *err) JTA_WUR;

/* The rules ordered by id into rules (max entries); *n is how many.
 * More than max rules is JTA_ERR_INTERNAL (the store never holds more
 * than JTA_LIMIT_POLICY_RULES). */
enum jta_err jta_store_rule_list(struct jta_store *st,
    struct jta_store_rule *rules, size_t max, size_t *n,
    struct jta_error *err) JTA_WUR;

/* ---- the audit log (schema 8; jta_audit.h gives the meaning) ---- */

struct jta_audit_event;

/* Filters of jta_store_audit_query; NULL or 0 leaves one open. */
struct jta_audit_filter {
	const char	*person;	/* user name, account id or email */
	const char	*ticket;	/* issue key (or draft / ticket id) */
	const char	*action;	/* "create", "sign-in", ... */
	int64_t		 from;		/* at >= from (Unix time) */
	int64_t		 to;		/* at < to */
	int64_t		 limit;		/* rows, newest first; 0: all */
};

/* Append ev (validated by jta_audit_write) as one row. */
enum jta_err jta_store_audit_add(struct jta_store *st,
    const struct jta_audit_event *ev, struct jta_error *err) JTA_WUR;

/* Delete at most max rows older than before (oldest first); *deleted is
 * how many went.  Callers loop for more. */
enum jta_err jta_store_audit_purge(struct jta_store *st, int64_t before,
    int64_t max, int64_t *deleted, struct jta_error *err) JTA_WUR;

/* The number of audit rows. */
enum jta_err jta_store_audit_count(struct jta_store *st, int64_t *n,
    struct jta_error *err) JTA_WUR;

/*
 * Rows matching f, newest first, as an array of {id, when (RFC 3339),
 * who, account_id, site, action, issue_key, endpoint, status, detail};
 * the caller releases *out.  A person matches who, account_id, or the
 * email of the local user named who.
 */
enum jta_err jta_store_audit_query(struct jta_store *st,
    const struct jta_audit_filter *f, json_t **out, struct jta_error *err)
    JTA_WUR;

#endif
