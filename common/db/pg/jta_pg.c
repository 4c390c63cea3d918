#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_pq.h"

#include "jta_db.h"
#include "jta_log.h"
#include "jta_pg.h"
#include "jta_pg_int.h"
#include "jta_vault.h"

/* The libpq message of the connection, one line, for log lines. */
static const char *
pqmsg(const struct jta_pg *pg)
{
	const char	*m = PQerrorMessage(pg->c);

	return m != NULL && m[0] != '\0' ? m : "(no message)";
}

/*
 * A failed result as enum jta_err and err: the server unreachable or
 * going away (SQLSTATE class 08, 57P01..57P03), read-only (25006), a
 * statement or lock timeout (57014, 55P03), too many connections or
 * another shortage (class 53), a serialisation failure or deadlock
 * (40001, 40P01) are 503: the database is unavailable for now, try
 * again; anything else is 500.  PostgreSQL manual, appendix A,
 * "PostgreSQL Error Codes".  The server's text goes to the log only.
 */
enum jta_err
jta_pg_err(struct jta_pg *pg, const PGresult *r, const char *what,
    struct jta_error *err)
{
	const char	*state = r != NULL ?
	    PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	int		 unavailable;

	snprintf(pg->state, sizeof(pg->state), "%s",
	    state != NULL ? state : "");
	unavailable = state == NULL ||		/* no result: connection */
	    strncmp(state, "08", 2) == 0 || strncmp(state, "53", 2) == 0 ||
	    strncmp(state, "57P0", 4) == 0 || strcmp(state, "25006") == 0 ||
	    strcmp(state, "57014") == 0 || strcmp(state, "55P03") == 0 ||
	    strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0;
	jta_errorlog("postgresql: %s failed: sqlstate=%s %s", what,
	    state != NULL ? state : "none", pqmsg(pg));
	if (unavailable) {
		jta_error_set(err, JTA_ERR_DB, 503, NULL,
		    "the database is unavailable; try again in a moment");
		if (err != NULL)
			err->retry_after = 5;
		return JTA_ERR_DB;
	}
	return jta_error_set(err, JTA_ERR_DB, 500, NULL,
	    "the database failed; the server log has details");
}

static enum jta_err
exec(struct jta_pg *pg, const char *sql, ExecStatusType want,
    const char *what, PGresult **out, struct jta_error *err)
{
	PGresult	*r;

	if (out != NULL)
		*out = NULL;
	r = PQexec(pg->c, sql);
	if (r == NULL || PQresultStatus(r) != want) {
		enum jta_err rc = jta_pg_err(pg, r, what, err);

		PQclear(r);
		return rc;
	}
	if (out != NULL)
		*out = r;
	else
		PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_run(struct jta_pg *pg, const char *sql, int n,
    const char *const *vals, ExecStatusType want, const char *what,
    PGresult **out, struct jta_error *err)
{
	return jta_pg_runv(pg, sql, n, vals, NULL, NULL, want, what, out,
	    err);
}

enum jta_err
jta_pg_runv(struct jta_pg *pg, const char *sql, int n,
    const char *const *vals, const int *lens, const int *fmts,
    ExecStatusType want, const char *what, PGresult **out,
    struct jta_error *err)
{
	PGresult	*r;
	enum jta_err	 rc;

	if (out != NULL)
		*out = NULL;
	r = PQexecParams(pg->c, sql, n, NULL, vals, lens, fmts, 0);
	if (r == NULL || PQresultStatus(r) != want) {
		rc = jta_pg_err(pg, r, what, err);
		PQclear(r);
		return rc;
	}
	if (out != NULL)
		*out = r;
	else
		PQclear(r);
	return JTA_OK;
}

/* When the connection is broken (the server restarted, a network cut),
 * re-establish it once: libpq's PQreset reconnects with the same
 * parameters, the session settings included. */
static enum jta_err readversion(struct jta_pg *, int *,
    struct jta_error *);

void
jta_pg_revive(struct jta_pg *pg)
{
	struct jta_error e;
	int		 v = 0;

	if (PQstatus(pg->c) == CONNECTION_OK)
		return;
	jta_log(JTA_LOG_WARN, "postgresql: connection lost; reconnecting");
	PQreset(pg->c);
	/* Opened while the server was away (JTA_STORE_LAZY): the check
	 * jta_pg_open could not make, made once it answers. */
	if (!pg->unchecked || PQstatus(pg->c) != CONNECTION_OK)
		return;
	memset(&e, 0, sizeof(e));
	if (readversion(pg, &v, &e) != JTA_OK)
		return;
	pg->unchecked = 0;
	if (v != JTA_PG_VERSION)
		jta_errorlog("database_url: schema version %d, this build "
		    "wants %d: run 'jta-admin init' (/healthz answers 503)",
		    v, JTA_PG_VERSION);
}

static enum jta_err
readversion(struct jta_pg *pg, int *version, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	int		 exists;

	*version = 0;
	/* to_regclass: no table (version 0) before the first 'jta-admin
	 * init', without an error in the server's log. */
	if ((rc = exec(pg, "SELECT to_regclass('jta_schema') IS NOT NULL",
	    PGRES_TUPLES_OK, "schema version", &r, err)) != JTA_OK)
		return rc;
	exists = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	r = NULL;
	if (!exists)
		return JTA_OK;
	if ((rc = exec(pg, "SELECT max(version) FROM jta_schema",
	    PGRES_TUPLES_OK, "schema version", &r, err)) != JTA_OK)
		return rc;
	if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
		*version = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return JTA_OK;
}

/* A read that may run again on a new connection: the first try may find
 * the connection lost (the server restarted, our session was ended),
 * which only that try can tell. */
static enum jta_err
readone(struct jta_pg *pg, const char *sql, const char *what,
    PGresult **out, struct jta_error *err)
{
	enum jta_err	 rc;

	jta_pg_revive(pg);
	rc = exec(pg, sql, PGRES_TUPLES_OK, what, out, err);
	if (rc != JTA_OK && PQstatus(pg->c) != CONNECTION_OK) {
		jta_pg_revive(pg);
		rc = exec(pg, sql, PGRES_TUPLES_OK, what, out, err);
	}
	return rc;
}

enum jta_err
jta_pg_version(struct jta_pg *pg, int *version, struct jta_error *err)
{
	enum jta_err	 rc;

	jta_pg_revive(pg);
	rc = readversion(pg, version, err);
	if (rc != JTA_OK && PQstatus(pg->c) != CONNECTION_OK) {
		/* Lost during this query: one more try on a new one. */
		jta_pg_revive(pg);
		rc = readversion(pg, version, err);
	}
	return rc;
}

enum jta_err
jta_pg_health(struct jta_pg *pg, int *version, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	int		 ro;

	if ((rc = jta_pg_version(pg, version, err)) != JTA_OK)
		return rc;
	if ((rc = exec(pg, "SELECT pg_is_in_recovery() OR "
	    "current_setting('transaction_read_only') = 'on'",
	    PGRES_TUPLES_OK, "health", &r, err)) != JTA_OK)
		return rc;
	ro = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (ro) {
		jta_errorlog("postgresql: the database is read-only "
		    "(a standby, or default_transaction_read_only)");
		jta_error_set(err, JTA_ERR_DB, 503, NULL,
		    "the database is read-only; try again in a moment");
		if (err != NULL)
			err->retry_after = 5;
		return JTA_ERR_DB;
	}
	return JTA_OK;
}

enum jta_err
jta_pg_migrate(struct jta_pg *pg, int target, char *msg, size_t msgsz)
{
	enum jta_err	 rc;
	struct jta_error e;
	char		 sql[96];
	int		 v;

	if (target < 1 || target > JTA_PG_VERSION) {
		snprintf(msg, msgsz, "database_url: no schema version %d",
		    target);
		return JTA_ERR_CONFIG;
	}
	for (;;) {
		if ((rc = exec(pg, "BEGIN", PGRES_COMMAND_OK, "begin", NULL,
		    &e)) != JTA_OK)
			goto fail;
		/* One migrator at a time across hosts; the lock ends with
		 * the transaction.  The table may then exist already. */
		if ((rc = exec(pg, "SELECT pg_advisory_xact_lock("
		    JTA_PG_SCHEMA_LOCK ")", PGRES_TUPLES_OK, "schema lock",
		    NULL, &e)) != JTA_OK ||
		    (rc = exec(pg, "CREATE TABLE IF NOT EXISTS jta_schema ("
		    "version integer NOT NULL)", PGRES_COMMAND_OK,
		    "schema table", NULL, &e)) != JTA_OK ||
		    (rc = readversion(pg, &v, &e)) != JTA_OK)
			goto fail;
		if (v < 0 || v > JTA_PG_VERSION) {
			snprintf(msg, msgsz, "database_url: schema version %d "
			    "is newer than this build's %d", v, JTA_PG_VERSION);
			rc = JTA_ERR_CONFIG;
			goto rollback;
		}
		if (v >= target) {
			if ((rc = exec(pg, "COMMIT", PGRES_COMMAND_OK,
			    "commit", NULL, &e)) != JTA_OK)
				goto fail;
			return JTA_OK;
		}
		snprintf(sql, sizeof(sql), "DELETE FROM jta_schema; INSERT "
		    "INTO jta_schema VALUES (%d)", v + 1);
		if ((rc = exec(pg, jta_pg_migrations[v], PGRES_COMMAND_OK,
		    "migration", NULL, &e)) != JTA_OK ||
		    (rc = exec(pg, sql, PGRES_COMMAND_OK, "schema version",
		    NULL, &e)) != JTA_OK ||
		    (rc = exec(pg, "COMMIT", PGRES_COMMAND_OK, "commit", NULL,
		    &e)) != JTA_OK)
			goto fail;
		jta_log(JTA_LOG_INFO, "postgresql: schema migrated to "
		    "version %d", v + 1);
	}
fail:
	snprintf(msg, msgsz, "database_url: migration failed: %s",
	    pqmsg(pg));
rollback:
	PQclear(PQexec(pg->c, "ROLLBACK"));
	return rc;
}

enum jta_err
jta_pg_timeout_ms(struct jta_pg *pg, long *ms, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;

	*ms = 0;
	/* SHOW's unit varies ("5s", "500ms"); pg_settings says ms. */
	if ((rc = readone(pg, "SELECT setting FROM pg_settings WHERE name = "
	    "'statement_timeout'", "statement_timeout", &r, err)) != JTA_OK)
		return rc;
	if (PQntuples(r) == 1)
		*ms = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_server(struct jta_pg *pg, struct jta_pg_server *out,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*ver;

	memset(out, 0, sizeof(*out));
	/* The server reports its version when the session starts (libpq
	 * manual, PQparameterStatus): no query. */
	ver = PQparameterStatus(pg->c, "server_version");
	snprintf(out->version, sizeof(out->version), "%s",
	    ver != NULL ? ver : "unknown");
	out->version_num = PQserverVersion(pg->c);
	if ((rc = readone(pg, "SELECT pg_is_in_recovery(), "
	    "current_setting('transaction_read_only') = 'on', "
	    "has_schema_privilege(current_schema(), 'CREATE'), "
	    "coalesce(current_schema(), ''), current_user", "server",
	    &r, err)) != JTA_OK)
		return rc;
	if (PQntuples(r) == 1) {
		out->standby = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		out->read_only = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
		out->may_create = strcmp(PQgetvalue(r, 0, 2), "t") == 0;
		snprintf(out->schema, sizeof(out->schema), "%s",
		    PQgetvalue(r, 0, 3));
		snprintf(out->role, sizeof(out->role), "%s",
		    PQgetvalue(r, 0, 4));
	}
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_check(struct jta_pg *pg, char *what, size_t whatsz)
{
	enum jta_err	 rc;
	struct jta_error e;
	PGresult	*r = NULL;
	int		 v;

	if ((rc = jta_pg_version(pg, &v, &e)) != JTA_OK) {
		snprintf(what, whatsz, "connection: %s", e.detail);
		return rc;
	}
	if (v != JTA_PG_VERSION) {
		snprintf(what, whatsz, "schema version %d, this build wants "
		    "%d: run 'jta-admin init'", v, JTA_PG_VERSION);
		return JTA_ERR_DB;
	}
	/*
	 * Every table of ours (those of jta_schema's owner in its schema:
	 * 'jta-admin init' made them all, so tables later steps add are
	 * covered) and each privilege the programs use, one at a time:
	 * with a list, has_table_privilege is true when any one is held
	 * (PostgreSQL manual, "System Information Functions").  The first
	 * one missing, in one query.
	 */
	if ((rc = readone(pg, "SELECT c.relname, p.priv FROM pg_class c "
	    "JOIN pg_class s ON s.oid = 'jta_schema'::regclass AND "
	    "s.relnamespace = c.relnamespace AND s.relowner = c.relowner "
	    "CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', "
	    "'DELETE']) WITH ORDINALITY AS p(priv, n) WHERE c.relkind = 'r' "
	    "AND NOT has_table_privilege(c.oid, p.priv) ORDER BY c.relname, "
	    "p.n LIMIT 1", "privileges", &r, &e)) != JTA_OK) {
		snprintf(what, whatsz, "privileges: %s", e.detail);
		return rc;
	}
	if (PQntuples(r) == 1) {
		snprintf(what, whatsz, "the role may not %s on table %s",
		    PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 0));
		PQclear(r);
		return JTA_ERR_DB;
	}
	PQclear(r);
	snprintf(what, whatsz, "ok");
	return JTA_OK;
}

/* The server's notices ("relation already exists, skipping") are not
 * ours to print on stderr. */
static void
quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* "service=NAME" when url is a bare service name (no '=' and no URI
 * scheme): libpq manual, "The Connection Service File". */
static int
isservice(const char *url)
{
	return strchr(url, '=') == NULL && strstr(url, "://") == NULL;
}

/* Connect; with keepdown, a server that cannot be reached leaves *out
 * set to a connection that is down (rc JTA_ERR_DB), for PQreset later. */
static enum jta_err
dial(const struct jta_pg_conf *pc, int keepdown, struct jta_pg **out,
    char *msg, size_t msgsz)
{
	enum jta_err	 rc = JTA_ERR_CONFIG;
	struct jta_pg	*pg = NULL;
	struct jta_secret *file = NULL, *pw = NULL;
	const char	*kw[8], *val[8];
	char		 opts[96], ct[16];
	size_t		 n = 0;

	*out = NULL;
	if (pc->url == NULL || pc->url[0] == '\0' ||
	    pc->statement_timeout_ms <= 0 || pc->connect_timeout_s <= 0) {
		snprintf(msg, msgsz, "database_url: not set");
		goto out;
	}
	/* libpq itself, the first time (jta_pq.h). */
	if ((rc = jta_pq_load(msg, msgsz)) != JTA_OK)
		goto out;
	rc = JTA_ERR_CONFIG;
	if (pc->password_file != NULL && pc->password_file[0] != '\0') {
		if ((rc = jta_vault_secret_read(pc->password_file,
		    "database_password_file", &file, msg, msgsz)) != JTA_OK)
			goto out;
		/* libpq wants a C string. */
		if ((pw = jta_secret_new(file->len + 1)) == NULL) {
			rc = JTA_ERR_NOMEM;
			snprintf(msg, msgsz, "out of memory");
			goto out;
		}
		memcpy(pw->buf, file->buf, file->len);
	}
	/* Every statement and lock wait is bounded, for the whole session
	 * (and again after PQreset: these travel in the startup packet);
	 * PostgreSQL manual, "Client Connection Defaults". */
	snprintf(opts, sizeof(opts), "-c statement_timeout=%d "
	    "-c lock_timeout=%d", pc->statement_timeout_ms,
	    pc->statement_timeout_ms);
	snprintf(ct, sizeof(ct), "%d", pc->connect_timeout_s);
	/* dbname first, expanded (expand_dbname = 1) when it is a conninfo
	 * or URI; the keywords after it override what it says. */
	kw[n] = isservice(pc->url) ? "service" : "dbname";
	val[n++] = pc->url;
	if (pw != NULL) {
		kw[n] = "password";
		val[n++] = (const char *)pw->buf;
	}
	if (pc->sslmode != NULL && pc->sslmode[0] != '\0') {
		kw[n] = "sslmode";
		val[n++] = pc->sslmode;
	}
	kw[n] = "options";
	val[n++] = opts;
	kw[n] = "connect_timeout";
	val[n++] = ct;
	kw[n] = "application_name";
	val[n++] = "jta";
	kw[n] = NULL;
	val[n] = NULL;
	if ((pg = calloc(1, sizeof(*pg))) == NULL) {
		rc = JTA_ERR_NOMEM;
		snprintf(msg, msgsz, "out of memory");
		goto out;
	}
	pg->c = PQconnectdbParams(kw, val, 1);
	if (pg->c == NULL) {
		rc = JTA_ERR_NOMEM;
		snprintf(msg, msgsz, "out of memory");
		goto out;
	}
	PQsetNoticeProcessor(pg->c, quiet, NULL);
	if (PQstatus(pg->c) != CONNECTION_OK) {
		rc = JTA_ERR_DB;
		snprintf(msg, msgsz, "database_url: cannot connect: %s",
		    pqmsg(pg));
		if (keepdown) {
			*out = pg;
			pg = NULL;
		}
		goto out;
	}
	*out = pg;
	pg = NULL;
	rc = JTA_OK;
out:
	jta_secret_free(file);
	jta_secret_free(pw);
	jta_pg_close(pg);
	return rc;
}

enum jta_err
jta_pg_connect(const struct jta_pg_conf *pc, struct jta_pg **out, char *msg,
    size_t msgsz)
{
	return dial(pc, 0, out, msg, msgsz);
}

/* A server that refused the connection, could not be reached or is
 * starting or stopping: what JTA_STORE_LAZY waits out, unlike a refused
 * password or a database that does not exist.  libpq reports a failed
 * connection by its message alone (no SQLSTATE before the server
 * answers), so the message is read; a translated one (LC_MESSAGES) is
 * not recognised and start-up fails as without JTA_STORE_LAZY. */
static int
unreachable(struct jta_pg *pg)
{
	const char	*m = PQerrorMessage(pg->c);

	return m != NULL && (strstr(m, "Connection refused") != NULL ||
	    strstr(m, "timeout expired") != NULL ||
	    strstr(m, "the database system is") != NULL ||
	    strstr(m, "No such file or directory") != NULL ||
	    strstr(m, "could not translate host name") != NULL ||
	    strstr(m, "No route to host") != NULL ||
	    strstr(m, "Network is unreachable") != NULL);
}

enum jta_err
jta_pg_open(const struct jta_pg_conf *pc, unsigned flags,
    struct jta_pg **out, char *msg, size_t msgsz)
{
	enum jta_err	 rc;
	struct jta_pg	*pg = NULL;
	struct jta_error e;
	int		 v;

	*out = NULL;
	rc = dial(pc, (flags & JTA_STORE_LAZY) != 0, &pg, msg, msgsz);
	if (rc == JTA_ERR_DB && pg != NULL && unreachable(pg)) {
		/* Closed until it answers: every request is 503 meanwhile
		 * and the schema is checked at the first reconnection. */
		jta_log(JTA_LOG_WARN, "%s; serving 503 until it answers",
		    msg);
		pg->unchecked = 1;
		*out = pg;
		return JTA_OK;
	}
	if (rc != JTA_OK)
		goto out;
	if (flags & JTA_STORE_MIGRATE) {
		if ((rc = jta_pg_migrate(pg, JTA_PG_VERSION, msg, msgsz)) !=
		    JTA_OK)
			goto out;
	}
	if ((rc = jta_pg_version(pg, &v, &e)) != JTA_OK) {
		snprintf(msg, msgsz, "database_url: %s", e.detail);
		goto out;
	}
	if (v != JTA_PG_VERSION) {
		rc = JTA_ERR_CONFIG;
		snprintf(msg, msgsz, "database_url: schema version %d, this "
		    "build wants %d: run 'jta-admin init'", v, JTA_PG_VERSION);
		goto out;
	}
	*out = pg;
	pg = NULL;
out:
	jta_pg_close(pg);
	return rc;
}

void
jta_pg_close(struct jta_pg *pg)
{
	if (pg == NULL)
		return;
	PQfinish(pg->c);
	free(pg);
}

enum jta_err
jta_pg_begin(struct jta_pg *pg, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;

	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "BEGIN", 0, NULL, PGRES_COMMAND_OK, "begin",
	    &r, err)) != JTA_OK)
		return rc;
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_commit(struct jta_pg *pg, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;

	/* A COMMIT of a transaction that failed is a ROLLBACK the server
	 * reports as success: refuse it as the failure it is. */
	if (PQtransactionStatus(pg->c) == PQTRANS_INERROR) {
		jta_pg_rollback(pg);
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the database failed; the server log has details");
	}
	if ((rc = jta_pg_run(pg, "COMMIT", 0, NULL, PGRES_COMMAND_OK,
	    "commit", &r, err)) != JTA_OK)
		return rc;
	PQclear(r);
	return JTA_OK;
}

void
jta_pg_rollback(struct jta_pg *pg)
{
	PGresult	*r;

	if (pg == NULL || PQstatus(pg->c) != CONNECTION_OK ||
	    PQtransactionStatus(pg->c) == PQTRANS_IDLE)
		return;
	r = PQexec(pg->c, "ROLLBACK");
	PQclear(r);
}
