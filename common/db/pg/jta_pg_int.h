/*
 * The PostgreSQL engine as the repositories in common/db/pg/ see it: the
 * connection, the query helpers and the mapping of SQLSTATEs to enum
 * jta_err.  Include it only from common/db/pg/: it includes jta_pq.h
 * (libpq called through a table, loaded at the first connection).
 */
#ifndef JTA_PG_INT_H
#define JTA_PG_INT_H

#include "jta_pq.h"

#include "jta_db.h"
#include "jta_err.h"
#include "jta_pg.h"

/* The advisory lock key that serialises migrations across hosts
 * (PostgreSQL manual, "Advisory Locks"): "jta!" in ASCII.  The schema
 * migrations (jta_pg.c) and 'jta-admin migrate' (jta_pg_import.c) hold
 * it for their transactions. */
#define JTA_PG_SCHEMA_LOCK	"1786999841"

struct jta_pg {
	PGconn	*c;
	char	 state[6];	/* SQLSTATE of the last failure, or "" */
	int	 unchecked;	/* opened while the server was away
				 * (JTA_STORE_LAZY): the schema version is
				 * checked at the first reconnection */
};

/*
 * A failed result r (NULL: no result, the connection) of what as enum
 * jta_err and err: 503 with retry_after when the database is unavailable
 * for now (down, read-only, a timeout, a shortage, a serialisation
 * failure), 500 otherwise; the server's text to the log only.  The
 * SQLSTATE stays in pg->state for the caller (23505: unique violation).
 */
enum jta_err jta_pg_err(struct jta_pg *pg, const PGresult *r,
    const char *what, struct jta_error *err);

/*
 * Run sql with n text parameters vals ($1..$n; NULL binds NULL),
 * expecting result status want; *out (when out is not NULL) is the
 * caller's to PQclear.  Failures as jta_pg_err's.
 */
enum jta_err jta_pg_run(struct jta_pg *pg, const char *sql, int n,
    const char *const *vals, ExecStatusType want, const char *what,
    PGresult **out, struct jta_error *err) JTA_WUR;

/* jta_pg_run with lengths and formats (1: binary, for bytea) of the
 * parameters; NULL lens and fmts: text. */
enum jta_err jta_pg_runv(struct jta_pg *pg, const char *sql, int n,
    const char *const *vals, const int *lens, const int *fmts,
    ExecStatusType want, const char *what, PGresult **out,
    struct jta_error *err) JTA_WUR;

/* Re-establish a broken connection (PQreset), once. */
void jta_pg_revive(struct jta_pg *pg);

#endif
