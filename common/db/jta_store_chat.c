/*
 * The chat's conversations with SQLite (jta_store_chat.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "jta_arena.h"
#include "jta_db_engine.h"
#include "jta_db_sqlite.h"
#include "jta_limits.h"
#include "jta_store_chat.h"

enum sid {
	S_PURGE,
	S_GET,
	S_PUT,
	S_APURGE,
	S_APUT,
	S_APEEK,
	S_ATAKE,
	S_COUNT
};

static const char *const sql[S_COUNT] = {
	/* Expired rows go a bounded batch at a time, on the way. */
	[S_PURGE] = "DELETE FROM chat_conversations WHERE rowid IN (SELECT "
	    "rowid FROM chat_conversations WHERE expires <= :now LIMIT 64)",
	[S_GET] = "SELECT messages FROM chat_conversations WHERE id = :id "
	    "AND user_id = :uid AND expires > :now",
	/* Another person's id changes nothing (0 rows): not theirs. */
	[S_PUT] = "INSERT INTO chat_conversations (id, user_id, messages, "
	    "created, updated, expires) VALUES (:id, :uid, :messages, :now, "
	    ":now, :expires) ON CONFLICT(id) DO UPDATE SET "
	    "messages = excluded.messages, updated = excluded.updated, "
	    "expires = excluded.expires WHERE "
	    "chat_conversations.user_id = excluded.user_id",
	[S_APURGE] = "DELETE FROM chat_actions WHERE rowid IN (SELECT rowid "
	    "FROM chat_actions WHERE expires <= :now LIMIT 64)",
	[S_APUT] = "INSERT INTO chat_actions (id, user_id, conversation, "
	    "tool, args, created, expires) VALUES (:id, :uid, :conv, :tool, "
	    ":args, :now, :expires)",
	[S_APEEK] = "SELECT tool, args FROM chat_actions WHERE id = :id AND "
	    "expires > :now",
	[S_ATAKE] = "DELETE FROM chat_actions WHERE id = :id AND "
	    "user_id = :uid AND expires > :now",
};

static sqlite3_stmt *
stmt(struct jta_store *st, enum sid id)
{
	return jta_db_stmt(st, JTA_DB_REPO_CHAT, sql, S_COUNT, (size_t)id);
}

static enum jta_err
notfound(struct jta_error *err)
{
	return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "conversation",
	    "no such conversation of yours (they end %d hours after their "
	    "last message); leave conversation out to start a new one",
	    JTA_LIMIT_CHAT_TTL / 3600);
}

enum jta_err
jta_store_chat_get(struct jta_store *st, int64_t user_id, const char *id,
    int64_t now, json_t **messages, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	const char	*t;
	int		 rc;

	*messages = NULL;
	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->chat_get(pg, user_id, id, now, messages, err);
	if ((s = stmt(st, S_GET)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":id", id)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		return notfound(err);
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return jta_db_err(st, rc, "chat get", err);
	}
	t = jta_db_col(s, 0);
	/* Our own JSON (the schema checks it): not parsing is a bug. */
	*messages = json_loadb(t, strlen(t), 0, NULL);
	sqlite3_reset(s);
	if (!json_is_array(*messages)) {
		json_decref(*messages);
		*messages = NULL;
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "a stored conversation could not be read");
	}
	return JTA_OK;
}

enum jta_err
jta_store_chat_put(struct jta_store *st, int64_t user_id, const char *id,
    const json_t *messages, int64_t now, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	char		*text;
	int		 rc;

	if ((text = jta_arena_json_dumps(messages, JSON_COMPACT)) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 503, NULL,
		    "the server is short of memory; try again");
	if (strlen(text) > JTA_LIMIT_CHAT_HISTORY) {
		free(text);
		return jta_error_set(err, JTA_ERR_INPUT, 413, "conversation",
		    "the conversation is larger than %d bytes",
		    JTA_LIMIT_CHAT_HISTORY);
	}
	if ((pg = jta_db_pg(st, &pgi)) != NULL) {
		ret = pgi->chat_put(pg, user_id, id, text, now, err);
		free(text);
		return ret;
	}
	if ((ret = jta_db_begin(st, err)) != JTA_OK) {
		free(text);
		return ret;
	}
	if ((s = stmt(st, S_PURGE)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "chat purge", err);
		goto out;
	}
	if ((s = stmt(st, S_PUT)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_btext(s, ":id", id)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":messages", text)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":expires", now + JTA_LIMIT_CHAT_TTL)) !=
	    SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	if ((rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "chat put", err);
		goto out;
	}
	if (jta_db_changes(st) == 0) {
		ret = notfound(err);
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	free(text);
	return ret;
}

static enum jta_err
noaction(struct jta_error *err)
{
	return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "action",
	    "no such pending action of yours: it was confirmed already, or "
	    "it expired (%d minutes); ask the chat again",
	    JTA_LIMIT_CHAT_ACTION_TTL / 60);
}

enum jta_err
jta_store_chat_action_put(struct jta_store *st, int64_t user_id,
    const char *id, const char *conversation, const char *tool,
    const json_t *args, int64_t now, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->chat_action_put(pg, user_id, id, conversation,
		    tool, args, now, err);
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_APURGE)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "action purge", err);
		goto out;
	}
	if ((s = stmt(st, S_APUT)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_btext(s, ":id", id)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":conv", conversation)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":tool", tool)) != SQLITE_OK ||
	    (rc = jta_db_bjson(s, ":args", args)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":expires", now +
	    JTA_LIMIT_CHAT_ACTION_TTL)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	if ((rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "action put", err);
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_store_chat_action_peek(struct jta_store *st, const char *id,
    int64_t now, char *tool, size_t toolsz, json_t **args,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	const char	*t;
	int		 rc;

	*args = NULL;
	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->chat_action_peek(pg, id, now, tool, toolsz, args,
		    err);
	if ((s = stmt(st, S_APEEK)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":id", id)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		return noaction(err);
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return jta_db_err(st, rc, "action peek", err);
	}
	snprintf(tool, toolsz, "%s", jta_db_col(s, 0));
	t = jta_db_col(s, 1);
	*args = json_loadb(t, strlen(t), 0, NULL);
	sqlite3_reset(s);
	if (!json_is_object(*args)) {
		json_decref(*args);
		*args = NULL;
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "a pending action could not be read");
	}
	return JTA_OK;
}

enum jta_err
jta_store_chat_action_take(struct jta_store *st, int64_t user_id,
    const char *id, int64_t now, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->chat_action_take(pg, user_id, id, now, err);
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_ATAKE)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_btext(s, ":id", id)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	if ((rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "action take", err);
		goto out;
	}
	if (jta_db_changes(st) != 1) {
		ret = noaction(err);
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}
