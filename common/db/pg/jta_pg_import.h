/*
 * 'jta-admin migrate' (issue 17, README "Moving a SQLite deployment into
 * PostgreSQL"): the state a single host keeps in its SQLite database is
 * copied into the PostgreSQL database of database_url, rows as they are
 * (Atlassian tokens still sealed: the additional data names the user id,
 * which is kept), in one PostgreSQL transaction under the advisory lock
 * the schema migrations take, so that a run is all or nothing and two
 * hosts running it at once copy once.
 *
 * Idempotent by the tables' natural keys: every row is inserted with ON
 * CONFLICT on them, and a row that was there already is counted as such
 * and left as it is, except for what only moves forward (a revocation, a
 * spent token, a link or draft written later, a key or file done), which
 * a later run carries over and counts as moved.  Where ids are kept
 * (users, audit_log) a conflicting row must be the same one (same id and
 * name, same id and event), else the run is refused and nothing is
 * written: ids that clash with another row mean the database served
 * before the move.
 *
 * jta_pg_import.c is the only file that includes both engines'
 * headers; it reads SQLite with its own read-only connection (PRAGMA
 * query_only) and never goes through the SQLite repositories.
 */
#ifndef JTA_PG_IMPORT_H
#define JTA_PG_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "jta_err.h"

struct jta_pg;

/* How many tables a run reports on. */
#define JTA_PG_IMPORT_TABLES	17

/* What a run moved: per table (name static), the rows copied and the
 * rows that were there already. */
struct jta_pg_import_counts {
	size_t	 n;
	struct {
		const char	*table;
		int64_t		 moved;
		int64_t		 there;
	} t[JTA_PG_IMPORT_TABLES];
};

/*
 * Copy the SQLite database at path (its schema must be at
 * JTA_STORE_VERSION; its usage file path.usage, when there, is read too)
 * into pg, whose schema must be at JTA_PG_VERSION.  Rows that are no
 * longer live at now (expired drafts, idempotency keys, conversations,
 * pending actions, cached client documents, token families whose
 * tokens have all expired) are left out.  dry_run: the same run,
 * rolled back (the counts say what a real run would move; nothing is
 * changed).
 * busy_ms: SQLite's busy_timeout.  JTA_OK with *out filled; otherwise
 * msg (msgsz bytes) says what failed for the operator's terminal,
 * naming the table, the command to run or the configuration key; it
 * never holds a row's values.
 */
enum jta_err jta_pg_import(struct jta_pg *pg, const char *path,
    int busy_ms, int dry_run, int64_t now, struct jta_pg_import_counts *out,
    char *msg, size_t msgsz) JTA_WUR;

#endif
