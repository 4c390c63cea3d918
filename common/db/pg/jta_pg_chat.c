/*
 * The chat's conversations and pending actions on PostgreSQL
 * (jta_store_chat.h; the SQLite side is common/db/jta_store_chat.c).
 *
 * Across hosts, every function is one statement (its purge of a bounded
 * batch of expired rows rides along as a data-modifying WITH query, the
 * batch picked FOR UPDATE SKIP LOCKED so a purge never waits for a row
 * another host holds):
 *
 * - A conversation put is INSERT ... ON CONFLICT (id) DO UPDATE ...
 *   WHERE the row is the same person's: hosts writing one conversation
 *   at once each write whole (the later wins, as on one host), and
 *   another person's id updates nothing (0 rows: not theirs).
 * - A pending action is used once: a take is DELETE ... WHERE id = $1
 *   AND user_id = $2 AND expires > now.  The DELETE locks the row, so
 *   when the person's confirm reaches two hosts at once the second
 *   waits for the first, then finds the row gone and deletes nothing
 *   (PostgreSQL manual, "Transaction Isolation", Read Committed): the
 *   action runs on one host only.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_arena.h"
#include "jta_limits.h"
#include "jta_pg_chat.h"
#include "jta_pg_int.h"

static enum jta_err
notfound(struct jta_error *err)
{
	return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "conversation",
	    "no such conversation of yours (they end %d hours after their "
	    "last message); leave conversation out to start a new one",
	    JTA_LIMIT_CHAT_TTL / 3600);
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
jta_pg_chat_get(struct jta_pg *pg, int64_t user_id, const char *id,
    int64_t now, json_t **messages, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*q = NULL;
	char		 uid[24], n[24];
	const char	*v[3];

	*messages = NULL;
	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	snprintf(n, sizeof(n), "%" PRId64, now);
	v[0] = id;
	v[1] = uid;
	v[2] = n;
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "SELECT messages FROM chat_conversations "
	    "WHERE id = $1 AND user_id = $2::bigint AND expires > $3::bigint",
	    3, v, PGRES_TUPLES_OK, "chat get", &q, err)) != JTA_OK)
		return rc;
	if (PQntuples(q) != 1) {
		PQclear(q);
		return notfound(err);
	}
	/* Our own JSON (the column's type checks it): not parsing is a
	 * bug. */
	*messages = json_loadb(PQgetvalue(q, 0, 0),
	    (size_t)PQgetlength(q, 0, 0), 0, NULL);
	PQclear(q);
	if (!json_is_array(*messages)) {
		json_decref(*messages);
		*messages = NULL;
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "a stored conversation could not be read");
	}
	return JTA_OK;
}

enum jta_err
jta_pg_chat_put(struct jta_pg *pg, int64_t user_id, const char *id,
    const char *messages, int64_t now, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*q = NULL;
	char		 uid[24], n[24], exp[24];
	const char	*v[5];

	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	snprintf(n, sizeof(n), "%" PRId64, now);
	snprintf(exp, sizeof(exp), "%" PRId64, now + JTA_LIMIT_CHAT_TTL);
	v[0] = id;
	v[1] = uid;
	v[2] = messages;
	v[3] = n;
	v[4] = exp;
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "WITH purged AS (DELETE FROM "
	    "chat_conversations WHERE id IN (SELECT id FROM "
	    "chat_conversations WHERE expires <= $4::bigint AND id <> $1 "
	    "LIMIT 64 FOR UPDATE SKIP LOCKED)) INSERT INTO chat_conversations "
	    "(id, user_id, messages, created, updated, expires) VALUES ($1, "
	    "$2::bigint, $3::json, $4::bigint, $4::bigint, $5::bigint) ON "
	    "CONFLICT (id) DO UPDATE SET messages = excluded.messages, "
	    "updated = excluded.updated, expires = excluded.expires WHERE "
	    "chat_conversations.user_id = excluded.user_id", 5, v,
	    PGRES_COMMAND_OK, "chat put", &q, err)) != JTA_OK)
		return rc;
	if (strcmp(PQcmdTuples(q), "0") == 0)
		rc = notfound(err);
	PQclear(q);
	return rc;
}

enum jta_err
jta_pg_chat_action_put(struct jta_pg *pg, int64_t user_id, const char *id,
    const char *conversation, const char *tool, const json_t *args,
    int64_t now, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*q = NULL;
	char		 uid[24], n[24], exp[24], *a;
	const char	*v[7];

	if ((a = jta_arena_json_dumps(args, JSON_COMPACT)) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 503, NULL,
		    "the server is short of memory; try again");
	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	snprintf(n, sizeof(n), "%" PRId64, now);
	snprintf(exp, sizeof(exp), "%" PRId64,
	    now + JTA_LIMIT_CHAT_ACTION_TTL);
	v[0] = id;
	v[1] = uid;
	v[2] = conversation;
	v[3] = tool;
	v[4] = a;
	v[5] = n;
	v[6] = exp;
	jta_pg_revive(pg);
	rc = jta_pg_run(pg, "WITH purged AS (DELETE FROM chat_actions WHERE "
	    "id IN (SELECT id FROM chat_actions WHERE expires <= $6::bigint "
	    "LIMIT 64 FOR UPDATE SKIP LOCKED)) INSERT INTO chat_actions (id, "
	    "user_id, conversation, tool, args, created, expires) VALUES "
	    "($1, $2::bigint, $3, $4, $5::json, $6::bigint, $7::bigint)", 7,
	    v, PGRES_COMMAND_OK, "action put", &q, err);
	PQclear(q);
	free(a);
	return rc;
}

enum jta_err
jta_pg_chat_action_peek(struct jta_pg *pg, const char *id, int64_t now,
    char *tool, size_t toolsz, json_t **args, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*q = NULL;
	char		 n[24];
	const char	*v[2];

	*args = NULL;
	snprintf(n, sizeof(n), "%" PRId64, now);
	v[0] = id;
	v[1] = n;
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "SELECT tool, args FROM chat_actions WHERE "
	    "id = $1 AND expires > $2::bigint", 2, v, PGRES_TUPLES_OK,
	    "action peek", &q, err)) != JTA_OK)
		return rc;
	if (PQntuples(q) != 1) {
		PQclear(q);
		return noaction(err);
	}
	snprintf(tool, toolsz, "%s", PQgetvalue(q, 0, 0));
	*args = json_loadb(PQgetvalue(q, 0, 1), (size_t)PQgetlength(q, 0, 1),
	    0, NULL);
	PQclear(q);
	if (!json_is_object(*args)) {
		json_decref(*args);
		*args = NULL;
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "a pending action could not be read");
	}
	return JTA_OK;
}

enum jta_err
jta_pg_chat_action_take(struct jta_pg *pg, int64_t user_id, const char *id,
    int64_t now, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*q = NULL;
	char		 uid[24], n[24];
	const char	*v[3];

	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	snprintf(n, sizeof(n), "%" PRId64, now);
	v[0] = id;
	v[1] = uid;
	v[2] = n;
	jta_pg_revive(pg);
	/* One statement: the row lock makes a second host taking the
	 * same action wait, then delete nothing. */
	if ((rc = jta_pg_run(pg, "DELETE FROM chat_actions WHERE id = $1 AND "
	    "user_id = $2::bigint AND expires > $3::bigint", 3, v,
	    PGRES_COMMAND_OK, "action take", &q, err)) != JTA_OK)
		return rc;
	if (strcmp(PQcmdTuples(q), "1") != 0)
		rc = noaction(err);
	PQclear(q);
	return rc;
}
