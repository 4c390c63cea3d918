/*
 * The Jira metadata cache with SQLite (jta_store_meta.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "jta_arena.h"
#include "jta_db_sqlite.h"
#include "jta_limits.h"
#include "jta_store_meta.h"

enum sid {
	S_GET,
	S_PUT,
	S_DROP,
	S_CLEAR,
	S_COUNT_ROWS,
	S_COUNT
};

static const char *const sql[S_COUNT] = {
	[S_GET] = "SELECT value FROM jira_meta WHERE site = :site AND "
	    "kind = :kind AND key = :key AND fetched >= :since",
	[S_PUT] = "INSERT OR REPLACE INTO jira_meta (site, kind, key, value, "
	    "fetched) VALUES (:site, :kind, :key, :value, :now)",
	[S_DROP] = "DELETE FROM jira_meta WHERE site = :site AND kind = :kind "
	    "AND substr(key, 1, length(:prefix)) = :prefix",
	[S_CLEAR] = "DELETE FROM jira_meta WHERE :site IS NULL OR "
	    "site = :site",
	[S_COUNT_ROWS] = "SELECT count(*) FROM jira_meta",
};

static sqlite3_stmt *
stmt(struct jta_store *st, enum sid id)
{
	return jta_db_stmt(st, JTA_DB_REPO_META, sql, S_COUNT, (size_t)id);
}

/* 1 when s is 1..JTA_LIMIT_META_KEY bytes (our own names and ids). */
static int
keyok(const char *s)
{
	return s != NULL && s[0] != '\0' && strlen(s) <= JTA_LIMIT_META_KEY;
}

static enum jta_err
badkey(struct jta_error *err)
{
	return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
	    "a metadata cache key out of bounds");
}

enum jta_err
jta_store_meta_get(struct jta_store *st, const char *site, const char *kind,
    const char *key, int64_t since, json_t **out, struct jta_error *err)
{
	sqlite3_stmt	*s;
	json_error_t	 je;
	int		 rc;

	*out = NULL;
	if (!keyok(site) || !keyok(kind) || !keyok(key))
		return badkey(err);
	if ((s = stmt(st, S_GET)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":site", site)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":kind", kind)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":key", key)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":since", since)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		/* Our own JSON, written by put; one that does not parse
		 * (a damaged row) is a miss. */
		*out = json_loadb((const char *)sqlite3_column_text(s, 0),
		    (size_t)sqlite3_column_bytes(s, 0), JSON_REJECT_DUPLICATES,
		    &je);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return jta_db_err(st, rc, "meta get", err);
	return *out != NULL ? JTA_OK : JTA_ERR_NOTFOUND;
}

enum jta_err
jta_store_meta_put(struct jta_store *st, const char *site, const char *kind,
    const char *key, const json_t *value, int64_t now, struct jta_error *err)
{
	sqlite3_stmt	*s;
	char		*text = NULL;
	enum jta_err	 ret = JTA_OK;
	int		 rc;

	if (!keyok(site) || !keyok(kind) || !keyok(key) ||
	    (!json_is_object(value) && !json_is_array(value)))
		return badkey(err);
	if ((text = jta_arena_json_dumps(value, JSON_COMPACT)) == NULL)
		return JTA_ERR_NOMEM;
	if (strlen(text) > JTA_LIMIT_META_VALUE)
		goto out;
	if ((s = stmt(st, S_PUT)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_btext(s, ":site", site)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":kind", kind)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":key", key)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":value", text)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK)
		ret = jta_db_err(st, rc, "meta put", err);
out:
	free(text);
	return ret;
}

enum jta_err
jta_store_meta_drop(struct jta_store *st, const char *site, const char *kind,
    const char *prefix, int64_t *n, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (n != NULL)
		*n = 0;
	if (!keyok(site) || !keyok(kind) || prefix == NULL ||
	    strlen(prefix) > JTA_LIMIT_META_KEY)
		return badkey(err);
	if ((s = stmt(st, S_DROP)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":site", site)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":kind", kind)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":prefix", prefix)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "meta drop", err);
	if (n != NULL)
		*n = jta_db_changes(st);
	return JTA_OK;
}

enum jta_err
jta_store_meta_clear(struct jta_store *st, const char *site, int64_t *n,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (n != NULL)
		*n = 0;
	if (site != NULL && !keyok(site))
		return badkey(err);
	if ((s = stmt(st, S_CLEAR)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":site", site)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "meta clear", err);
	if (n != NULL)
		*n = jta_db_changes(st);
	return JTA_OK;
}

enum jta_err
jta_store_meta_count(struct jta_store *st, int64_t *n, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	*n = 0;
	if ((s = stmt(st, S_COUNT_ROWS)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return jta_db_err(st, rc, "meta count", err);
	return JTA_OK;
}
