/*
 * The chat's conversations and pending actions on PostgreSQL: the
 * functions of jta_store_chat.h over a PostgreSQL connection, with the
 * same contract (the caller, jta_store_chat.c, has bounded the
 * messages).  Reached through jta_db_engine.h's table, never called
 * directly.
 */
#ifndef JTA_PG_CHAT_H
#define JTA_PG_CHAT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_err.h"

struct jta_pg;

enum jta_err jta_pg_chat_get(struct jta_pg *pg, int64_t user_id,
    const char *id, int64_t now, json_t **messages, struct jta_error *err)
    JTA_WUR;
enum jta_err jta_pg_chat_put(struct jta_pg *pg, int64_t user_id,
    const char *id, const char *messages, int64_t now,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_chat_action_put(struct jta_pg *pg, int64_t user_id,
    const char *id, const char *conversation, const char *tool,
    const json_t *args, int64_t now, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_chat_action_peek(struct jta_pg *pg, const char *id,
    int64_t now, char *tool, size_t toolsz, json_t **args,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_chat_action_take(struct jta_pg *pg, int64_t user_id,
    const char *id, int64_t now, struct jta_error *err) JTA_WUR;

#endif
