/*
 * The chat's repository (schema 16): our own agent's conversations
 * (README "Chat: our own agent", jta_chat.h).  A conversation is one
 * person's messages as the model saw them (a JSON array of {"role",
 * "content", ...} without the system message), kept until
 * JTA_LIMIT_CHAT_TTL seconds after its last message; expired ones go a
 * bounded batch at a time on every write.
 *
 * Implemented by the SQLite engine (jta_db.c) and on PostgreSQL
 * (common/db/pg/jta_pg_chat.c: one statement each; shared between hosts,
 * so a conversation continues on any host and a pending action taken on
 * two hosts at once is taken once).  Each function writes in its own
 * transaction; errors are JTA_ERR_DB (503 busy, else 500) and
 * those named.
 */
#ifndef JTA_STORE_CHAT_H
#define JTA_STORE_CHAT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_db.h"
#include "jta_err.h"

/*
 * The messages of user_id's conversation id at now: a new array in
 * *messages.  JTA_ERR_NOTFOUND (404, field "conversation") when there is
 * none of theirs (another person's, or expired, is none).
 */
enum jta_err jta_store_chat_get(struct jta_store *st, int64_t user_id,
    const char *id, int64_t now, json_t **messages, struct jta_error *err)
    JTA_WUR;

/*
 * Keep messages (at most JTA_LIMIT_CHAT_HISTORY bytes as compact JSON:
 * the caller drops the oldest turns first) as user_id's conversation id
 * at now, new or replacing theirs, expiring JTA_LIMIT_CHAT_TTL later.
 * JTA_ERR_NOTFOUND (404) when id is another person's; JTA_ERR_INPUT
 * (413) when messages are over the bound.
 */
enum jta_err jta_store_chat_put(struct jta_store *st, int64_t user_id,
    const char *id, const json_t *messages, int64_t now,
    struct jta_error *err) JTA_WUR;

/*
 * A pending action (schema 16): a consequential tool call the model
 * asked for in user_id's conversation, kept for the person's confirm
 * until JTA_LIMIT_CHAT_ACTION_TTL after now.  args is the call's
 * arguments (an object, at most JTA_LIMIT_BODY bytes as JSON).
 */
enum jta_err jta_store_chat_action_put(struct jta_store *st,
    int64_t user_id, const char *id, const char *conversation,
    const char *tool, const json_t *args, int64_t now,
    struct jta_error *err) JTA_WUR;

/*
 * Read the pending action id at now without using it (for classifying
 * the confirm request before authentication: whoever asks): its tool
 * (toolsz bytes) and a new *args.  JTA_ERR_NOTFOUND (404, "action") when
 * there is none (used, expired or never made).
 */
enum jta_err jta_store_chat_action_peek(struct jta_store *st,
    const char *id, int64_t now, char *tool, size_t toolsz, json_t **args,
    struct jta_error *err) JTA_WUR;

/*
 * Use user_id's pending action id at now, once: it is deleted in the same
 * statement that finds it, so two confirms cannot both have it.
 * JTA_ERR_NOTFOUND (404, "action") when it is not theirs, used or
 * expired.
 */
enum jta_err jta_store_chat_action_take(struct jta_store *st,
    int64_t user_id, const char *id, int64_t now, struct jta_error *err)
    JTA_WUR;

#endif
