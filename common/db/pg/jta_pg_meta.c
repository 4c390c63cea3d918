/*
 * The Jira metadata cache on PostgreSQL (jta_store_meta.h; the SQLite
 * side is common/db/jta_store_meta.c).
 *
 * Across hosts: every function is one statement in its own transaction,
 * as on SQLite.  A put is INSERT ... ON CONFLICT (site, kind, key) DO
 * UPDATE (PostgreSQL manual, "INSERT", "ON CONFLICT Clause"): an atomic
 * upsert, so two hosts caching the same entry at once both succeed and
 * the later fetch wins, never a unique violation.  A drop's prefix is
 * starts_with(), a prefix and never a LIKE pattern.  The cache is only a
 * cache: a host that reads a row another host replaced a moment later
 * serves what Jira said a moment ago, within the caller's TTL.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_pg_int.h"
#include "jta_pg_meta.h"

/* A row count (PQcmdTuples: the server's decimal text) into *n. */
static void
changes(PGresult *r, int64_t *n)
{
	if (n != NULL)
		*n = (int64_t)strtoll(PQcmdTuples(r), NULL, 10);
}

enum jta_err
jta_pg_meta_get(struct jta_pg *pg, const char *site, const char *kind,
    const char *key, int64_t since, json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	json_error_t	 je;
	const char	*v[4];
	char		 t[24];

	*out = NULL;
	snprintf(t, sizeof(t), "%" PRId64, since);
	v[0] = site;
	v[1] = kind;
	v[2] = key;
	v[3] = t;
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "SELECT value FROM jira_meta WHERE site = $1 "
	    "AND kind = $2 AND key = $3 AND fetched >= $4::bigint", 4, v,
	    PGRES_TUPLES_OK, "meta get", &r, err)) != JTA_OK)
		return rc;
	if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
		/* Our own JSON, written by put; one that does not parse
		 * (a damaged row) is a miss. */
		*out = json_loadb(PQgetvalue(r, 0, 0),
		    (size_t)PQgetlength(r, 0, 0), JSON_REJECT_DUPLICATES, &je);
	PQclear(r);
	return *out != NULL ? JTA_OK : JTA_ERR_NOTFOUND;
}

enum jta_err
jta_pg_meta_put(struct jta_pg *pg, const char *site, const char *kind,
    const char *key, const char *value, int64_t now, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[5];
	char		 t[24];

	snprintf(t, sizeof(t), "%" PRId64, now);
	v[0] = site;
	v[1] = kind;
	v[2] = key;
	v[3] = value;
	v[4] = t;
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "INSERT INTO jira_meta (site, kind, key, "
	    "value, fetched) VALUES ($1, $2, $3, $4::json, $5::bigint) "
	    "ON CONFLICT (site, kind, key) DO UPDATE SET value = "
	    "EXCLUDED.value, fetched = EXCLUDED.fetched", 5, v,
	    PGRES_COMMAND_OK, "meta put", &r, err)) != JTA_OK)
		return rc;
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_meta_drop(struct jta_pg *pg, const char *site, const char *kind,
    const char *prefix, int64_t *n, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[3];

	if (n != NULL)
		*n = 0;
	v[0] = site;
	v[1] = kind;
	v[2] = prefix;
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "DELETE FROM jira_meta WHERE site = $1 AND "
	    "kind = $2 AND starts_with(key, $3)", 3, v, PGRES_COMMAND_OK,
	    "meta drop", &r, err)) != JTA_OK)
		return rc;
	changes(r, n);
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_meta_clear(struct jta_pg *pg, const char *site, int64_t *n,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[1];

	if (n != NULL)
		*n = 0;
	v[0] = site;
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "DELETE FROM jira_meta WHERE $1::text IS "
	    "NULL OR site = $1::text", 1, v, PGRES_COMMAND_OK, "meta clear",
	    &r, err)) != JTA_OK)
		return rc;
	changes(r, n);
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_meta_count(struct jta_pg *pg, int64_t *n, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;

	*n = 0;
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "SELECT count(*) FROM jira_meta", 0, NULL,
	    PGRES_TUPLES_OK, "meta count", &r, err)) != JTA_OK)
		return rc;
	if (PQntuples(r) == 1)
		*n = (int64_t)strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return JTA_OK;
}
