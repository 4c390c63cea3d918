/*
 * OAuth states on PostgreSQL: jta_store_state_put_request and
 * jta_store_state_take_request of jta_store_people.h over a PostgreSQL
 * connection, with the same contract (the caller, jta_store_people.c,
 * has checked the bounds).  Reached through jta_db_engine.h's table.
 */
#ifndef JTA_PG_STATES_H
#define JTA_PG_STATES_H

#include <stddef.h>
#include <stdint.h>

#include "jta_err.h"

struct jta_pg;

enum jta_err jta_pg_state_put(struct jta_pg *pg, const unsigned char *hash,
    int64_t ttl_s, int64_t now, const char *user_hint, const char *request,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_state_take(struct jta_pg *pg, const unsigned char *hash,
    int64_t now, char *user_hint, size_t hintsz, char *request,
    size_t requestsz, struct jta_error *err) JTA_WUR;

#endif
