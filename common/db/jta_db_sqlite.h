/*
 * The SQLite engine as the repositories in common/db/ see it: the
 * statement cache, bind/step/column helpers and the mapping of SQLite's
 * result codes to enum jta_err.  Include it only from the .c files in
 * common/db/: it includes sqlite3.h, which nothing outside may.
 */
#ifndef JTA_DB_SQLITE_H
#define JTA_DB_SQLITE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "jta_db.h"
#include "jta_db_engine.h"
#include "jta_err.h"
#include "jta_types.h"
#include "jta_vault.h"

/* The owners of statement tables: each has its own slice of the cache. */
enum jta_db_repo {
	JTA_DB_REPO_ENGINE,
	JTA_DB_REPO_TICKETS,
	JTA_DB_REPO_TICKETS_SEARCH,
	JTA_DB_REPO_PEOPLE,
	JTA_DB_REPO_AUTHZ,
	JTA_DB_REPO_DRAFTS,
	JTA_DB_REPO_OPS,
	JTA_DB_REPO_USAGE,
	JTA_DB_REPO_KB,
	JTA_DB_REPO_KB_SYNC,
	JTA_DB_REPO_REQUESTTYPES,
	JTA_DB_REPO_META,
	JTA_DB_REPO_CHAT,
	JTA_DB_REPO_COUNT
};

/* The schema: step i takes version i to i + 1 (jta_db_schema.c). */
extern const char *const jta_db_migrations[JTA_STORE_VERSION];
/* The tables of the usage file, attached as "usage". */
extern const char jta_db_usage_schema[];

/*
 * Statement id of repo's table sql (n entries), prepared once per
 * connection (SQLITE_PREPARE_PERSISTENT) and returned reset with its
 * bindings cleared, ready to bind.  The statement is borrowed: it lives
 * until jta_store_close.  NULL when it cannot be prepared (logged) or
 * memory runs out.
 */
sqlite3_stmt *jta_db_stmt(struct jta_store *st, enum jta_db_repo repo,
    const char *const *table, size_t n, size_t id);

/*
 * Log SQLite's error for what (with sqlite3_errmsg, to the log only) and
 * set err: JTA_ERR_DB, 503 when the database was busy or locked, 500
 * otherwise, with a message safe to show.  Returns JTA_ERR_DB.
 */
enum jta_err jta_db_err(struct jta_store *st, int rc, const char *what,
    struct jta_error *err);

/* The database file's path, for log lines; borrowed from st. */
const char *jta_db_path(struct jta_store *st);

/* Rows changed by the last statement, and the last inserted rowid. */
int64_t jta_db_changes(struct jta_store *st);
int64_t jta_db_last_rowid(struct jta_store *st);

/* Bind by parameter name (":name"); a name the statement lacks is a bug
 * (SQLITE_RANGE).  NULL strings, blobs and JSON bind NULL; bint0 binds
 * NULL for 0 (an open bound).  Results are SQLite codes. */
int jta_db_pidx(sqlite3_stmt *s, const char *name);
int jta_db_btext(sqlite3_stmt *s, const char *name, const char *v);
int jta_db_bint(sqlite3_stmt *s, const char *name, int64_t v);
int jta_db_bint0(sqlite3_stmt *s, const char *name, int64_t v);
int jta_db_bjson(sqlite3_stmt *s, const char *name, const json_t *v);
int jta_db_bblob(sqlite3_stmt *s, const char *name,
    const unsigned char *b, size_t len);
int jta_db_bhash(sqlite3_stmt *s, const char *name,
    const unsigned char h[JTA_VAULT_HASHBYTES]);

/* Column i as text, "" for NULL; borrowed until the next step or reset. */
const char *jta_db_col(sqlite3_stmt *s, int i);

/* Columns first .. first + 3 (id, name, display_name, email) into *u. */
void jta_db_userrow(sqlite3_stmt *s, int first, struct jta_user *u);

/* Run a statement that returns no rows, then reset it: SQLITE_OK or the
 * step's error. */
int jta_db_run(sqlite3_stmt *s);


/* jta_db_timejs and jta_db_oset: jta_db_engine.h. */

/* jta_db_printable and jta_db_checkowner: jta_db_engine.h. */

/* The usage file (jta_store_usage.h): attach it to st once per connection
 * (created 0600), and make st the counting connection (a busy handler
 * that polls faster than SQLite's own, then the attach). */
enum jta_err jta_db_usage_attach(struct jta_store *st, struct jta_error *err);
enum jta_err jta_db_usage_connection(struct jta_store *st,
    int busy_timeout_ms);

#endif
