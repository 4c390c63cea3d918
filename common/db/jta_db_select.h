/*
 * Which engine holds the state several hosts share: the SQLite file
 * (database) or PostgreSQL (database_url, README "Several hosts on
 * PostgreSQL").  The configuration's rules for the PostgreSQL keys, and
 * the start-up check that refuses PostgreSQL while any storage contract
 * the hosts must share has no PostgreSQL implementation in this build:
 * a half-wired PostgreSQL is never selectable.  No database library is
 * included here; jta_conf uses it.
 */
#ifndef JTA_DB_SELECT_H
#define JTA_DB_SELECT_H

#include <stddef.h>

#include "jta_err.h"

struct jta_conf;
struct jta_store;

/*
 * database_url: 1 to JTA_CONF_DATABASE_URL_MAX - 1 bytes of printable
 * ASCII, without a password (the word "password" in any case, or a
 * URI's "user:secret@"): the password lives in database_password_file,
 * so a configuration file never holds it and no log line that names the
 * URL can leak it.  0 when v is acceptable; otherwise -1 with why (whysz
 * bytes) saying what is wrong, without quoting v.
 */
int jta_db_url_check(const char *v, char *why, size_t whysz);

/* database_sslmode: one of libpq's sslmode values (libpq manual, "SSL
 * Support", table "SSL Mode Descriptions"); 0, or -1 with why. */
int jta_db_sslmode_check(const char *v, char *why, size_t whysz);

/*
 * May PostgreSQL be selected?  0 when it may; otherwise -1 with why
 * saying why not: this build has no libpq, or backend = local (the
 * embedded ticket store is a single-host store in the SQLite file), or
 * the storage contracts (common/db/jta_store_*.h) that have no PostgreSQL
 * implementation yet, each by name.
 */
int jta_db_engine_check(int backend_local, char *why, size_t whysz);

/* May 'jta-admin init' and 'check' reach a PostgreSQL schema?  As
 * jta_db_engine_check without the contracts: only a build without libpq
 * and backend = local are refused. */
int jta_db_schema_check(int backend_local, char *why, size_t whysz);

/*
 * Open the store the configuration selects, for every program and for
 * jta-admin: PostgreSQL when database_url is set (its password file,
 * database_sslmode and database_statement_timeout_ms as jta_pg.h reads
 * them; JTA_STORE_MIGRATE migrates its schema, JTA_STORE_LAZY lets the
 * programs start while the server is away, JTA_STORE_CREATE means
 * nothing there), otherwise the SQLite file of key 'database' with
 * busy_timeout_ms and flags as jta_store_open's.  The serving loop
 * (jta_fcgi), the usage counter (jta_usage) and the operators' actions
 * (jta_operator) all open theirs here, so they can never reach two
 * different databases.  msg (msgsz bytes) names the key at fault and
 * never holds the password.  Release with jta_store_close.
 */
enum jta_err jta_db_open(const struct jta_conf *conf, unsigned flags,
    struct jta_store **out, char *msg, size_t msgsz) JTA_WUR;

#endif
