/*
 * The storage engine: the only code that talks to the database library
 * (SQLite today; only jta_db.c and the repositories beside it in
 * common/db/ include SQLite's header, this one does not).  One file in
 * WAL mode, created 0600, with a versioned schema (PRAGMA user_version)
 * migrated step by step, synchronous=FULL (a commit is on disk before we
 * answer: token rotations and keys are worth the fsync), foreign keys on,
 * and a busy_timeout instead of retry loops.
 *
 * The repositories (jta_store_tickets.h, jta_store_people.h,
 * jta_store_authz.h, jta_store_drafts.h, jta_store_ops.h,
 * jta_store_usage.h) each own their statements; this header is what the
 * rest of the program sees of the engine: open, close, the schema, the
 * health and integrity checks, and transactions for callers that must
 * group several repository primitives into one (jta_authz does, for a
 * code's redemption).  A second engine (PostgreSQL) implements the same
 * header and the repositories' headers.
 */
#ifndef JTA_DB_H
#define JTA_DB_H

#include <stddef.h>

#include "jta_err.h"

/* The schema version this build reads and writes. */
#define JTA_STORE_VERSION	22

#define JTA_STORE_CREATE	0x1u	/* create the file if missing (0600) */
#define JTA_STORE_MIGRATE	0x2u	/* bring the schema up to date */
/* PostgreSQL, for the programs: a server that cannot be reached at
 * start-up is no error; the store starts with its connection down, its
 * requests answer 503 until the server answers (jta_store_reconnect),
 * and the schema version is checked then (logged when it is not this
 * build's; /healthz then answers 503).  A server that answers with
 * anything else (a wrong password, no such database, an old schema) is
 * still an error at once.  Ignored for SQLite. */
#define JTA_STORE_LAZY		0x4u

/*
 * A connection to the database.  The name stays jta_store: every
 * repository function takes one, and one process holds one per thread.
 */
struct jta_store;

/*
 * Open the database at path.  With JTA_STORE_MIGRATE the schema is brought
 * to JTA_STORE_VERSION; without it a schema that is not current is an error
 * (JTA_ERR_CONFIG) telling the operator to run 'jta-admin init'.  msg says
 * what failed, naming the file.  Release with jta_store_close.
 */
enum jta_err jta_store_open(const char *path, int busy_timeout_ms,
    unsigned flags, struct jta_store **out, char *msg, size_t msgsz) JTA_WUR;

/* Finalise every statement and close; NULL is a no-op. */
void jta_store_close(struct jta_store *st);

/*
 * A PostgreSQL store whose connection was lost (the server restarted, a
 * network cut) connects again, once, with the same parameters: the
 * programs call it at the start of every request, so service resumes
 * without restarting anything once the database is back, whichever
 * statement a request runs first.  While the server is still away this
 * returns at once (refused) or after the connect timeout, and the
 * request's first statement answers 503.  A no-op for SQLite, for a
 * live connection and for NULL.
 */
void jta_store_reconnect(struct jta_store *st);

/* Migrate to version target (1..JTA_STORE_VERSION), one step at a time,
 * each in its own transaction.  For jta-admin and the migration tests. */
enum jta_err jta_store_migrate(struct jta_store *st, int target) JTA_WUR;

/* The schema version of the open file. */
enum jta_err jta_store_version(struct jta_store *st, int *version) JTA_WUR;

/* Liveness for /healthz: a read on the database, and its version. */
enum jta_err jta_store_health(struct jta_store *st, int *version) JTA_WUR;

/* The database behind a store as /healthz reports it: its engine
 * ("sqlite" or "postgresql", static), whether it answered a read (for
 * PostgreSQL: and is neither a standby nor read-only), its schema
 * version (0 unknown) and the version this build's engine migrates to. */
struct jta_store_dbhealth {
	const char	*engine;
	int		 reachable;
	int		 version;
	int		 expected;
};

/* Fill out through jta_store_health, for either engine: a database that
 * is down or read-only is reachable = 0 (/healthz then answers 503). */
void jta_store_dbhealth(struct jta_store *st,
    struct jta_store_dbhealth *out);

/*
 * PRAGMA integrity_check, then the FTS5 indexes' integrity-check (the
 * tickets', the knowledge base's two), for
 * jta-admin check.  JTA_OK with what "ok"; otherwise JTA_ERR_DB with what
 * (whatsz bytes) saying which check failed and SQLite's first finding
 * (the operator's terminal, never a client, reads it).
 */
enum jta_err jta_store_check(struct jta_store *st, char *what,
    size_t whatsz) JTA_WUR;


/*
 * Transactions.  jta_db_begin opens a write transaction (BEGIN IMMEDIATE:
 * it takes the write lock now, so a transaction that reads and then writes
 * never fails half-way with "busy"; other writers wait up to
 * busy_timeout).  jta_db_commit makes it durable; on failure the
 * transaction is still open and the caller rolls back.  jta_db_rollback
 * ends an open transaction and is a no-op when none is open, so an "out:"
 * label may always call it on failure.  Transactions do not nest: a
 * repository function documented as "its own transaction" must not be
 * called between begin and commit.
 */
enum jta_err jta_db_begin(struct jta_store *st, struct jta_error *err)
    JTA_WUR;
/* A deferred write transaction (BEGIN DEFERRED: the first write takes
 * the lock of the file it writes, so a transaction that writes only the
 * usage file never locks the main one); it ends the request's read
 * transaction first, as jta_db_begin does.  Commit and roll back as
 * above.  PostgreSQL: as jta_db_begin. */
enum jta_err jta_db_begin_deferred(struct jta_store *st,
    struct jta_error *err) JTA_WUR;

/*
 * A request's reads in one read transaction (SQLite: README "issue 16,
 * fifth pass"): after jta_store_reads_begin, the first statement that
 * only reads opens a read transaction that the following reads share;
 * a statement that writes, jta_db_begin and the usage file's attach end
 * it first (a write never runs in an older snapshot), and
 * jta_store_reads_end ends it, so the next request reads what was
 * committed before it began (a kill switch, a revoked key).  The
 * programs call them around the work of a request that does not wait on
 * anything but the database.  No-ops for PostgreSQL and NULL.
 */
void jta_store_reads_begin(struct jta_store *st);
void jta_store_reads_end(struct jta_store *st);
enum jta_err jta_db_commit(struct jta_store *st, struct jta_error *err)
    JTA_WUR;
void jta_db_rollback(struct jta_store *st);

#endif
