/*
 * Declared spaces of the knowledge base with SQLite (jta_store_kb.h
 * "declared spaces", schema 12): the Confluence spaces synced into the
 * local index, and the atomic replacement of a space's articles.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "jta_db_sqlite.h"
#include "jta_store_kb.h"

enum sid {
	S_COUNTSP,
	S_ADD,
	S_GET,
	S_LIST,
	S_DELART,
	S_DELSRC,
	S_DEL,
	S_PUT,
	S_OK,
	S_FAIL,
	S_SERVED,
	S_COUNT
};

static const char *const sql[S_COUNT] = {
	[S_COUNTSP] = "SELECT count(*) FROM kb_spaces",
	[S_ADD] = "INSERT INTO kb_spaces (key, user_id, site, added) VALUES "
	    "(:key, :uid, :site, :now)",
	[S_GET] = "SELECT key, user_id, site, synced FROM kb_spaces WHERE "
	    "key = :key",
	[S_LIST] = "SELECT s.key, coalesce(u.name, ''), s.site, s.added, "
	    "s.synced, s.tried, s.articles, s.error FROM kb_spaces s LEFT "
	    "JOIN users u ON u.id = s.user_id ORDER BY s.key",
	/* The delete trigger takes each article out of both indexes. */
	[S_DELART] = "DELETE FROM kb_articles WHERE synced = :key",
	/* A page that moved from another declared space (or an import
	 * with the same source) gives way to this sync's copy. */
	[S_DELSRC] = "DELETE FROM kb_articles WHERE source = :source",
	[S_DEL] = "DELETE FROM kb_spaces WHERE key = :key",
	[S_PUT] = "INSERT INTO kb_articles (title, body, source, url, space, "
	    "updated, synced, site) VALUES (:title, :body, :source, :url, "
	    ":key, :updated, :key, :site)",
	[S_OK] = "UPDATE kb_spaces SET site = :site, synced = :now, tried = "
	    ":now, articles = :n, error = '' WHERE key = :key",
	[S_FAIL] = "UPDATE kb_spaces SET tried = :now, error = :error WHERE "
	    "key = :key",
	[S_SERVED] = "SELECT key FROM kb_spaces WHERE site = :site AND "
	    "synced > 0 ORDER BY key",
};

static sqlite3_stmt *
stmt(struct jta_store *st, enum sid id)
{
	return jta_db_stmt(st, JTA_DB_REPO_KB_SYNC, sql, S_COUNT, (size_t)id);
}

static enum jta_err
nomem(struct jta_error *err)
{
	return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL, "out of memory");
}

static enum jta_err
badkey(const char *key, struct jta_error *err)
{
	if (key == NULL || !jta_db_printable(key, JTA_LIMIT_KB_SPACE))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "key",
		    "a space key is 1 to 64 printable characters");
	return JTA_OK;
}

enum jta_err
jta_store_kb_space_add(struct jta_store *st, const char *key,
    int64_t user_id, const char *site, int64_t now, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;
	int64_t		 n = 0;

	if ((ret = badkey(key, err)) != JTA_OK)
		return ret;
	if (site == NULL || !jta_db_printable(site, JTA_LIMIT_CLOUD_ID))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "site",
		    "the sync account's link names no site");
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_COUNTSP)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW) {
		ret = jta_db_err(st, rc, "kb spaces", err);
		goto out;
	}
	if (n >= JTA_LIMIT_KB_SPACES) {
		ret = jta_error_set(err, JTA_ERR_INPUT, 422, "key",
		    "at most %d spaces can be declared", JTA_LIMIT_KB_SPACES);
		goto out;
	}
	if ((s = stmt(st, S_ADD)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_btext(s, ":key", key)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":site", site)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "kb space add", err);
		goto out;
	}
	if ((rc = jta_db_run(s)) == SQLITE_CONSTRAINT_PRIMARYKEY) {
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, "key",
		    "this space is declared already");
		goto out;
	}
	if (rc != SQLITE_OK) {
		ret = jta_db_err(st, rc, "kb space add", err);
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_store_kb_space_get(struct jta_store *st, const char *key,
    struct jta_store_kb_space *out, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	memset(out, 0, sizeof(*out));
	if (badkey(key, err) != JTA_OK)
		return JTA_ERR_INPUT;
	if ((s = stmt(st, S_GET)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":key", key)) != SQLITE_OK) {
		sqlite3_reset(s);
		return jta_db_err(st, rc, "kb space get", err);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(out->key, sizeof(out->key), "%s", jta_db_col(s, 0));
		out->user_id = sqlite3_column_int64(s, 1);
		snprintf(out->site, sizeof(out->site), "%s", jta_db_col(s, 2));
		out->synced = sqlite3_column_int64(s, 3);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
		    "this space is not declared");
	return rc == SQLITE_ROW ? JTA_OK : jta_db_err(st, rc, "kb space get",
	    err);
}

/* A time column: RFC 3339, or null for 0 (never). */
static json_t *
when(int64_t t)
{
	return t > 0 ? jta_db_timejs(t) : json_null();
}

enum jta_err
jta_store_kb_space_list(struct jta_store *st, json_t **out,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	json_t		*a = NULL, *o;
	const char	*e;
	int		 rc;

	*out = NULL;
	if ((s = stmt(st, S_LIST)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((a = json_array()) == NULL)
		goto nomem;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((o = json_object()) == NULL || json_array_append_new(a,
		    o) != 0)
			goto nomem;
		e = jta_db_col(s, 7);
		if (jta_db_oset(o, "key", json_string(jta_db_col(s, 0))) !=
		    0 ||
		    jta_db_oset(o, "person", json_string(jta_db_col(s, 1))) !=
		    0 ||
		    jta_db_oset(o, "site", json_string(jta_db_col(s, 2))) !=
		    0 ||
		    jta_db_oset(o, "added", when(sqlite3_column_int64(s, 3))) !=
		    0 ||
		    jta_db_oset(o, "synced", when(sqlite3_column_int64(s,
		    4))) != 0 ||
		    jta_db_oset(o, "tried", when(sqlite3_column_int64(s, 5))) !=
		    0 ||
		    jta_db_oset(o, "articles", json_integer(
		    sqlite3_column_int64(s, 6))) != 0 ||
		    jta_db_oset(o, "error", e[0] != '\0' ? json_string(e) :
		    json_null()) != 0)
			goto nomem;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_decref(a);
		return jta_db_err(st, rc, "kb space list", err);
	}
	*out = a;
	return JTA_OK;
nomem:
	sqlite3_reset(s);
	json_decref(a);
	return nomem(err);
}

/* Delete the synced articles of key (inside the caller's transaction);
 * *n how many. */
static enum jta_err
dropall(struct jta_store *st, const char *key, size_t *n,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_DELART)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":key", key)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "kb space articles", err);
	if (n != NULL)
		*n = (size_t)jta_db_changes(st);
	return JTA_OK;
}

enum jta_err
jta_store_kb_space_remove(struct jta_store *st, const char *key,
    size_t *removed, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	*removed = 0;
	if ((ret = badkey(key, err)) != JTA_OK)
		return ret;
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = dropall(st, key, removed, err)) != JTA_OK)
		goto out;
	if ((s = stmt(st, S_DEL)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_btext(s, ":key", key)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "kb space remove", err);
		goto out;
	}
	if (jta_db_changes(st) == 0) {
		ret = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
		    "this space is not declared");
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK) {
		jta_db_rollback(st);
		*removed = 0;
	}
	return ret;
}

enum jta_err
jta_store_kb_space_replace(struct jta_store *st, const char *key,
    const char *site, const struct jta_store_kb_article *a, size_t n,
    int64_t now, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	size_t		 i;
	int		 rc;

	if ((ret = badkey(key, err)) != JTA_OK)
		return ret;
	if (site == NULL || !jta_db_printable(site, JTA_LIMIT_CLOUD_ID))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "site",
		    "the sync account's link names no site");
	for (i = 0; i < n; i++)
		if ((ret = jta_store_kb_check(&a[i], err)) != JTA_OK)
			return ret;
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = dropall(st, key, NULL, err)) != JTA_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if ((s = stmt(st, S_DELSRC)) == NULL) {
			ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
			goto out;
		}
		if ((rc = jta_db_btext(s, ":source", a[i].source)) !=
		    SQLITE_OK || (rc = jta_db_run(s)) != SQLITE_OK) {
			ret = jta_db_err(st, rc, "kb sync", err);
			goto out;
		}
		if ((s = stmt(st, S_PUT)) == NULL) {
			ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
			goto out;
		}
		if ((rc = jta_db_btext(s, ":title", a[i].title)) !=
		    SQLITE_OK ||
		    (rc = jta_db_btext(s, ":body", a[i].body)) != SQLITE_OK ||
		    (rc = jta_db_btext(s, ":source", a[i].source)) !=
		    SQLITE_OK ||
		    (rc = jta_db_btext(s, ":url", a[i].url != NULL ?
		    a[i].url : "")) != SQLITE_OK ||
		    (rc = jta_db_btext(s, ":key", key)) != SQLITE_OK ||
		    (rc = jta_db_bint(s, ":updated", a[i].updated)) !=
		    SQLITE_OK ||
		    (rc = jta_db_btext(s, ":site", site)) != SQLITE_OK ||
		    (rc = jta_db_run(s)) != SQLITE_OK) {
			ret = jta_db_err(st, rc, "kb sync", err);
			goto out;
		}
	}
	if ((s = stmt(st, S_OK)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_btext(s, ":site", site)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":n", (int64_t)n)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":key", key)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "kb sync", err);
		goto out;
	}
	if (jta_db_changes(st) == 0) {
		ret = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
		    "this space is not declared (removed during the sync?)");
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_store_kb_space_failed(struct jta_store *st, const char *key,
    const char *why, int64_t now, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	char		 msg[JTA_LIMIT_KB_SYNC_ERROR + 1];
	size_t		 n;
	int		 rc;

	if ((ret = badkey(key, err)) != JTA_OK)
		return ret;
	if (why == NULL || why[0] == '\0')
		why = "failed";
	/* Cut on a character boundary, never inside a UTF-8 sequence:
	 * back up while the first byte left out continues one. */
	n = strlen(why);
	if (n > JTA_LIMIT_KB_SYNC_ERROR) {
		n = JTA_LIMIT_KB_SYNC_ERROR;
		while (n > 0 && ((unsigned char)why[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(msg, why, n);
	msg[n] = '\0';
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_FAIL)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":error", msg)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":key", key)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "kb sync failed", err);
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_store_kb_space_served(struct jta_store *st, const char *site,
    json_t **out, struct jta_error *err)
{
	sqlite3_stmt	*s;
	json_t		*a = NULL;
	int		 rc;

	*out = NULL;
	if ((s = stmt(st, S_SERVED)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":site", site)) != SQLITE_OK) {
		sqlite3_reset(s);
		return jta_db_err(st, rc, "kb spaces served", err);
	}
	if ((a = json_array()) == NULL)
		goto nomem;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (json_array_append_new(a, json_string(jta_db_col(s, 0))) !=
		    0)
			goto nomem;
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_decref(a);
		return jta_db_err(st, rc, "kb spaces served", err);
	}
	*out = a;
	return JTA_OK;
nomem:
	sqlite3_reset(s);
	json_decref(a);
	return nomem(err);
}
