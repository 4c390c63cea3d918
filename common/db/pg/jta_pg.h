/*
 * The PostgreSQL engine (libpq): the connection and the versioned schema
 * of the state several hosts share (README "Several hosts on
 * PostgreSQL").  Built only when configure finds libpq (HAVE_LIBPQ).
 * Only the files in common/db/pg/ include libpq's header; this one does
 * not.
 *
 * A connection is opened from the configuration's database_url (a libpq
 * conninfo, a postgresql:// URI or a service name of pg_service.conf),
 * the password read from database_password_file (a file that group and
 * others cannot read, jta_vault_secret_read; without it libpq's own
 * ~/.pgpass or PGPASSFILE serve), database_sslmode passed to libpq
 * (it overrides the URL's), and statement_timeout and lock_timeout set
 * for the session (the startup packet's options: they hold again after
 * a reconnection), so that every query is bounded.
 *
 * The schema is versioned like the SQLite one: a one-row table
 * jta_schema holds the version, and jta_pg_migrations[i] takes version
 * i to i + 1, each step in its own transaction under a transaction-level
 * advisory lock, so that two hosts running 'jta-admin init' at once
 * migrate once.
 */
#ifndef JTA_PG_H
#define JTA_PG_H

#include <stddef.h>

#include "jta_err.h"

/* The PostgreSQL schema version this build reads and writes. */
#define JTA_PG_VERSION	15

/* The steps: jta_pg_migrations[i] takes version i to i + 1. */
extern const char *const jta_pg_migrations[JTA_PG_VERSION];

/* Where and how to connect; the strings are borrowed for the call. */
struct jta_pg_conf {
	const char	*url;		/* database_url */
	const char	*password_file;	/* "" or NULL: none */
	const char	*sslmode;	/* "" or NULL: the URL's or libpq's */
	int		 statement_timeout_ms;	/* > 0 */
	int		 connect_timeout_s;	/* > 0 */
};

struct jta_pg;

/*
 * Connect (flags as jta_store_open's: JTA_STORE_MIGRATE brings the
 * schema to JTA_PG_VERSION, creating it; without it a schema that is not
 * current is JTA_ERR_CONFIG telling the operator to run 'jta-admin
 * init').  msg (msgsz bytes) says what failed for the operator's log or
 * terminal, naming the configuration key; it never holds the password.
 * Release with jta_pg_close.
 */
enum jta_err jta_pg_open(const struct jta_pg_conf *pc, unsigned flags,
    struct jta_pg **out, char *msg, size_t msgsz) JTA_WUR;

/* Connect only: no migration and no schema version check (for
 * jta-admin check, which reports the version itself).  msg as
 * jta_pg_open's. */
enum jta_err jta_pg_connect(const struct jta_pg_conf *pc,
    struct jta_pg **out, char *msg, size_t msgsz) JTA_WUR;

/* What jta-admin check reports about the server and the session. */
struct jta_pg_server {
	char	 version[64];	/* server_version, e.g. "15.8" */
	int	 version_num;	/* PQserverVersion: 150008 */
	int	 standby;	/* pg_is_in_recovery() */
	int	 read_only;	/* transaction_read_only */
	int	 may_create;	/* CREATE on the current schema */
	char	 schema[64];	/* current_schema() */
	char	 role[64];	/* current_user */
};

/* The server's version, whether it is a standby or read-only, and the
 * role's CREATE privilege in its schema. */
enum jta_err jta_pg_server(struct jta_pg *pg, struct jta_pg_server *out,
    struct jta_error *err) JTA_WUR;

/*
 * A store (jta_db.h) over a new connection, as jta_pg_open makes it: the
 * repositories' functions reach PostgreSQL through it where their
 * contract is implemented there (jta_db_engine.h).  Release with
 * jta_store_close.
 */
struct jta_store;
enum jta_err jta_store_open_pg(const struct jta_pg_conf *pc, unsigned flags,
    struct jta_store **out, char *msg, size_t msgsz) JTA_WUR;

/* Close the connection; NULL is a no-op. */
void jta_pg_close(struct jta_pg *pg);

/* Migrate to version target (1..JTA_PG_VERSION); a database newer than
 * this build is JTA_ERR_CONFIG.  msg as jta_pg_open's. */
enum jta_err jta_pg_migrate(struct jta_pg *pg, int target, char *msg,
    size_t msgsz) JTA_WUR;

/*
 * The schema version (0: no schema yet).  When the connection was lost
 * (the server restarted, a network cut) it is re-established once first,
 * so service resumes without restarting the program.  A database that
 * cannot answer is JTA_ERR_DB with err 503 (closed, never open): the
 * problem+json says the database is unavailable, the log says why.
 */
enum jta_err jta_pg_version(struct jta_pg *pg, int *version,
    struct jta_error *err) JTA_WUR;

/* Liveness for /healthz: jta_pg_version, and JTA_ERR_DB (503) when the
 * server is in recovery or read-only (transaction_read_only). */
enum jta_err jta_pg_health(struct jta_pg *pg, int *version,
    struct jta_error *err) JTA_WUR;

/* The session's statement_timeout in milliseconds (what the server
 * says it is), for jta-admin check and the tests. */
enum jta_err jta_pg_timeout_ms(struct jta_pg *pg, long *ms,
    struct jta_error *err) JTA_WUR;

/*
 * The caller's transaction (jta_db_begin, _commit, _rollback): BEGIN at
 * READ COMMITTED, PostgreSQL's default.  What serialises the hosts is
 * the row locks the repositories' statements take inside it (each names
 * its own, e.g. jta_pg_authz.c), not the isolation level.  Rollback is a
 * no-op outside a transaction.
 */
enum jta_err jta_pg_begin(struct jta_pg *pg, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_commit(struct jta_pg *pg, struct jta_error *err)
    JTA_WUR;
void jta_pg_rollback(struct jta_pg *pg);

/*
 * For jta-admin check: the schema version is current and the connected
 * role may SELECT, INSERT, UPDATE and DELETE on every table of ours (the
 * tables of jta_schema's owner in its schema).
 * JTA_OK with what "ok"; otherwise JTA_ERR_DB with what naming the
 * check that failed (and the table).
 */
enum jta_err jta_pg_check(struct jta_pg *pg, char *what, size_t whatsz)
    JTA_WUR;

#endif
