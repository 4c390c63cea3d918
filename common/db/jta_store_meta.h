/*
 * Repository: the Jira metadata cache (README.md "Jira metadata cache"),
 * shared by every worker: what Jira answered about a site's create
 * screens, projects, priorities, service desks and request types, kept
 * as JSON with the time it was fetched, so that a create or a project
 * list does not ask Jira again for what it said a moment ago.  Schema
 * step "jira metadata cache".
 *
 * A row is keyed by site (the Atlassian cloud id), kind (a short name
 * the caller chooses, e.g. "types") and key (the caller's, e.g.
 * "OPS/ACCOUNT"); the caller decides what the key must hold to be
 * permission-safe (the account, for what Jira shows per person).  Plain
 * storage: no TTL rule lives here beyond the bound the caller passes;
 * every function is one statement, in its own (implicit) transaction.
 * Keys and kinds are 1..JTA_LIMIT_META_KEY bytes; a value is a JSON
 * object or array of at most JTA_LIMIT_META_VALUE bytes compact.
 */
#ifndef JTA_STORE_META_H
#define JTA_STORE_META_H

#include <stdint.h>

#include <jansson.h>

#include "jta_err.h"

struct jta_store;

/*
 * The value of (site, kind, key) fetched at or after since (Unix time),
 * as a new reference in *out.  JTA_ERR_NOTFOUND (err untouched, *out
 * NULL) when there is none, or only an older one.
 */
enum jta_err jta_store_meta_get(struct jta_store *st, const char *site,
    const char *kind, const char *key, int64_t since, json_t **out,
    struct jta_error *err) JTA_WUR;

/*
 * Keep value as (site, kind, key), fetched at now, replacing what was
 * there.  A value over JTA_LIMIT_META_VALUE is not kept (JTA_OK: a
 * cache may forget; the caller fetches it next time).
 */
enum jta_err jta_store_meta_put(struct jta_store *st, const char *site,
    const char *kind, const char *key, const json_t *value, int64_t now,
    struct jta_error *err) JTA_WUR;

/*
 * Forget the rows of site whose kind is kind and whose key starts with
 * prefix ("" for every key of that kind).  *n (may be NULL) is how many
 * were dropped.
 */
enum jta_err jta_store_meta_drop(struct jta_store *st, const char *site,
    const char *kind, const char *prefix, int64_t *n,
    struct jta_error *err) JTA_WUR;

/*
 * Forget every row of site (NULL: of every site); *n (may be NULL) is
 * how many.  For jta-admin cache clear.
 */
enum jta_err jta_store_meta_clear(struct jta_store *st, const char *site,
    int64_t *n, struct jta_error *err) JTA_WUR;

/* How many rows the cache holds, for /metrics. */
enum jta_err jta_store_meta_count(struct jta_store *st, int64_t *n,
    struct jta_error *err) JTA_WUR;

#endif
