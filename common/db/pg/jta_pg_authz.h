/*
 * Our OAuth server's storage on PostgreSQL: the functions of
 * jta_store_authz.h implemented so far (authorization codes) over a
 * PostgreSQL connection, with the same contract (jta_pg_authz.c says how
 * each guarantee holds across hosts).  Reached through jta_db_engine.h's
 * table, never called directly.
 */
#ifndef JTA_PG_AUTHZ_H
#define JTA_PG_AUTHZ_H

#include <stdint.h>

#include "jta_err.h"
#include "jta_store_authz.h"

struct jta_pg;

enum jta_err jta_pg_code_put(struct jta_pg *pg, const unsigned char *hash,
    const struct jta_store_code *c, int64_t now, struct jta_error *err)
    JTA_WUR;
enum jta_err jta_pg_code_take(struct jta_pg *pg, const unsigned char *hash,
    struct jta_store_code_row *out, struct jta_error *err) JTA_WUR;

#endif
