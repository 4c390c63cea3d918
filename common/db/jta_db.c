/*
 * The SQLite engine (jta_db.h, jta_db_sqlite.h): the connection, its
 * pragmas and schema, transactions, the statement cache of the
 * repositories, the bind and column helpers, and the usage file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "jta_arena.h"
#include "jta_db.h"
#include "jta_db_engine.h"
#include "jta_db_sqlite.h"
#include "jta_log.h"
#include "jta_time.h"

/* ---- the fixed table of statements ---- */

enum sid {
	S_BEGIN,
	S_BEGIN_READ,
	S_COMMIT,
	S_ROLLBACK,
	S_VERSION,
	S_HEALTH,
	S_INTEGRITY,
	S_FTS_CHECK,
	S_KB_FTS_CHECK,
	S_KB_TRI_CHECK,
	S_TICKET_TRI_CHECK,
	S_COUNT
};

static const char *const sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	/* A request's read transaction (jta_store_reads_begin): deferred,
	 * its snapshot taken at its first read. */
	[S_BEGIN_READ] = "BEGIN DEFERRED",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_VERSION] = "PRAGMA user_version",
	[S_HEALTH] = "SELECT count(*) FROM projects",
	/* jta-admin check: the first finding, or "ok"; the FTS5 index
	 * against its content (an error when they differ). */
	[S_INTEGRITY] = "PRAGMA integrity_check(1)",
	[S_FTS_CHECK] = "INSERT INTO ticket_fts(ticket_fts) VALUES "
	    "('integrity-check')",
	/* The knowledge base's two indexes (schema 10) against
	 * kb_articles. */
	[S_KB_FTS_CHECK] = "INSERT INTO kb_fts(kb_fts) VALUES "
	    "('integrity-check')",
	[S_KB_TRI_CHECK] = "INSERT INTO kb_tri(kb_tri) VALUES "
	    "('integrity-check')",
	/* The tickets' trigram index (schema 12). */
	[S_TICKET_TRI_CHECK] = "INSERT INTO ticket_tri(ticket_tri) VALUES "
	    "('integrity-check')",
};

/* Statement id of this repository, reset and unbound (jta_db_stmt). */
static sqlite3_stmt *fetch(struct jta_store *, enum jta_db_repo,
    const char *const *, size_t, size_t);

/* The engine's own statements, transactions among them, are not part of
 * a request's read transaction (jta_db_stmt). */
static sqlite3_stmt *
stmt(struct jta_store *st, enum sid id)
{
	return fetch(st, JTA_DB_REPO_ENGINE, sql, S_COUNT, (size_t)id);
}

/*
 * The connection.  Each repository has its own statement table; the cache
 * keeps its prepared statements apart (cache[repo][index]), allocated on
 * its first use, so no repository reaches another's statements.
 */
struct jta_store {
	sqlite3		*db;
	sqlite3_stmt	**cache[JTA_DB_REPO_COUNT];
	size_t		 ncache[JTA_DB_REPO_COUNT];
	char		 path[512];
	int		 usage_busy_ms;	/* the counting connection's
					 * busy_timeout_ms (usagebusy) */
	int		 usage_attached; /* DATABASE.usage is attached */
	/* jta_store_reads_begin: a request's reads share one read
	 * transaction (reads), which is open (reading). */
	int		 reads;
	int		 reading;
	/* A PostgreSQL store (jta_db_engine.h): db is then NULL. */
	struct jta_pg	*pg;
	const struct jta_db_pgimpl *pgimpl;
};

struct jta_store *
jta_db_new_pg(struct jta_pg *pg, const struct jta_db_pgimpl *impl)
{
	struct jta_store *st;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		impl->close(pg);
		return NULL;
	}
	st->pg = pg;
	st->pgimpl = impl;
	snprintf(st->path, sizeof(st->path), "%s", "(postgresql)");
	return st;
}

struct jta_pg *
jta_db_pg(struct jta_store *st, const struct jta_db_pgimpl **impl)
{
	*impl = st->pgimpl;
	return st->pg;
}

void
jta_store_reconnect(struct jta_store *st)
{
	if (st != NULL && st->pg != NULL && st->pgimpl->revive != NULL)
		st->pgimpl->revive(st->pg);
}

enum jta_err
jta_db_pg_missing(const char *what, struct jta_error *err)
{
	jta_errorlog("postgresql: %s has no PostgreSQL implementation in "
	    "this build", what);
	return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
	    "the database failed; the server log has details");
}

/* ---- plumbing ---- */

enum jta_err
jta_db_err(struct jta_store *st, int rc, const char *what,
    struct jta_error *err)
{
	jta_errorlog("sqlite: %s failed: %s (%d) db=%s", what,
	    sqlite3_errmsg(st->db), rc, st->path);
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return jta_error_set(err, JTA_ERR_DB, 503, NULL,
		    "the ticket store is busy; try again in a moment");
	return jta_error_set(err, JTA_ERR_DB, 500, NULL,
	    "the ticket store failed; the server log has details");
}

static sqlite3_stmt *
fetch(struct jta_store *st, enum jta_db_repo repo,
    const char *const *table, size_t n, size_t id)
{
	sqlite3_stmt	**c, *s;
	int		  rc;

	/* A PostgreSQL store has no SQLite statements: a repository
	 * function without a PostgreSQL implementation fails here. */
	if ((size_t)repo >= JTA_DB_REPO_COUNT || id >= n || st->db == NULL)
		return NULL;
	if (st->cache[repo] == NULL) {
		if ((st->cache[repo] = calloc(n, sizeof(*c))) == NULL)
			return NULL;
		st->ncache[repo] = n;
	}
	if (id >= st->ncache[repo])
		return NULL;
	c = st->cache[repo];
	if ((s = c[id]) == NULL) {
		rc = sqlite3_prepare_v3(st->db, table[id], -1,
		    SQLITE_PREPARE_PERSISTENT, &c[id], NULL);
		if (rc != SQLITE_OK) {
			jta_errorlog("sqlite: prepare of statement %d.%zu "
			    "failed: %s", (int)repo, id,
			    sqlite3_errmsg(st->db));
			return NULL;
		}
		return c[id];
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

/* End the request's read transaction, if open: 0, or -1 when it could
 * not be ended (the connection is then still inside it). */
static int
readend(struct jta_store *st)
{
	sqlite3_stmt	*s;

	if (!st->reading)
		return 0;
	st->reading = 0;
	if (sqlite3_get_autocommit(st->db))
		return 0;
	if ((s = stmt(st, S_COMMIT)) == NULL || jta_db_run(s) != SQLITE_OK) {
		jta_errorlog("sqlite: ending a read transaction failed: %s",
		    sqlite3_errmsg(st->db));
		if ((s = stmt(st, S_ROLLBACK)) != NULL)
			(void)jta_db_run(s);
	}
	return sqlite3_get_autocommit(st->db) ? 0 : -1;
}

/*
 * A repository's statement.  Between jta_store_reads_begin and
 * jta_store_reads_end, a statement that only reads, outside any
 * transaction, opens the request's read transaction (BEGIN DEFERRED,
 * https://www.sqlite.org/lang_transaction.html: the snapshot is taken at
 * its first read), so the request's reads take the WAL read lock once
 * instead of once each; a statement that writes ends it first, so no
 * write runs in the older snapshot (which SQLite would refuse with
 * SQLITE_BUSY_SNAPSHOT, https://www.sqlite.org/rescode.html#busy_snapshot)
 * and every write sees what others committed, as in autocommit.
 */
sqlite3_stmt *
jta_db_stmt(struct jta_store *st, enum jta_db_repo repo,
    const char *const *table, size_t n, size_t id)
{
	sqlite3_stmt	*s;

	if ((s = fetch(st, repo, table, n, id)) == NULL || !st->reads)
		return s;
	if (!sqlite3_stmt_readonly(s))
		return readend(st) == 0 ? s : NULL;
	if (!st->reading && sqlite3_get_autocommit(st->db)) {
		sqlite3_stmt	*b = stmt(st, S_BEGIN_READ);

		st->reading = b != NULL && jta_db_run(b) == SQLITE_OK;
	}
	return s;
}

void
jta_store_reads_begin(struct jta_store *st)
{
	if (st != NULL && st->db != NULL)
		st->reads = 1;
}

void
jta_store_reads_end(struct jta_store *st)
{
	if (st == NULL || st->db == NULL)
		return;
	(void)readend(st);
	st->reads = 0;
}

const char *
jta_db_path(struct jta_store *st)
{
	return st->path;
}

int64_t
jta_db_changes(struct jta_store *st)
{
	return sqlite3_changes64(st->db);
}

int64_t
jta_db_last_rowid(struct jta_store *st)
{
	return sqlite3_last_insert_rowid(st->db);
}

int
jta_db_pidx(sqlite3_stmt *s, const char *name)
{
	return sqlite3_bind_parameter_index(s, name);
}

/* Bind helpers: a name the statement lacks is a bug (SQLITE_RANGE). */
int
jta_db_btext(sqlite3_stmt *s, const char *name, const char *v)
{
	int i = jta_db_pidx(s, name);

	if (i == 0)
		return SQLITE_RANGE;
	return v == NULL ? sqlite3_bind_null(s, i) :
	    sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

int
jta_db_bint(sqlite3_stmt *s, const char *name, int64_t v)
{
	int i = jta_db_pidx(s, name);

	return i == 0 ? SQLITE_RANGE : sqlite3_bind_int64(s, i, v);
}

/* Bind v, or NULL when v is 0 (an open bound). */
int
jta_db_bint0(sqlite3_stmt *s, const char *name, int64_t v)
{
	int i = jta_db_pidx(s, name);

	if (i == 0)
		return SQLITE_RANGE;
	return v == 0 ? sqlite3_bind_null(s, i) : sqlite3_bind_int64(s, i, v);
}

int
jta_db_bjson(sqlite3_stmt *s, const char *name, const json_t *v)
{
	char	*text;
	int	 i = jta_db_pidx(s, name), rc;

	if (i == 0)
		return SQLITE_RANGE;
	if (v == NULL)
		return sqlite3_bind_null(s, i);
	if ((text = jta_arena_json_dumps(v, JSON_COMPACT)) == NULL)
		return SQLITE_NOMEM;
	/* SQLite copies it: a destructor would run when the statement is
	 * next bound, perhaps in a later request, after the request's
	 * arena (jta_arena.h) that holds text was reset. */
	rc = sqlite3_bind_text(s, i, text, -1, SQLITE_TRANSIENT);
	free(text);
	return rc;
}

const char *
jta_db_col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t == NULL ? "" : (const char *)t;
}

/* Run a statement that returns no rows. */
int
jta_db_run(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/*
 * BEGIN (statement id, S_BEGIN: IMMEDIATE, or S_BEGIN_READ: deferred),
 * never inside the request's read transaction: its snapshot may be older
 * than the last commit, and a BEGIN there would fail (transactions do
 * not nest).  stmt(), not jta_db_stmt: BEGIN counts as read-only
 * (https://www.sqlite.org/c3ref/stmt_readonly.html), which would open the
 * request's read transaction first.
 */
static enum jta_err
begin(struct jta_store *st, enum sid id, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->begin(pg, err);
	if (readend(st) != 0)
		return jta_db_err(st, SQLITE_ERROR, "end of reads", err);
	if ((s = stmt(st, id)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "begin", err);
	return JTA_OK;
}

enum jta_err
jta_db_begin(struct jta_store *st, struct jta_error *err)
{
	return begin(st, S_BEGIN, err);
}

enum jta_err
jta_db_begin_deferred(struct jta_store *st, struct jta_error *err)
{
	return begin(st, S_BEGIN_READ, err);
}

enum jta_err
jta_db_commit(struct jta_store *st, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->commit(pg, err);
	if ((s = stmt(st, S_COMMIT)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "commit", err);
	return JTA_OK;
}

void
jta_db_rollback(struct jta_store *st)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;

	if ((pg = jta_db_pg(st, &pgi)) != NULL) {
		pgi->rollback(pg);
		return;
	}
	if (st->db == NULL || sqlite3_get_autocommit(st->db))
		return;
	st->reading = 0;
	if ((s = stmt(st, S_ROLLBACK)) != NULL)
		(void)jta_db_run(s);
}

json_t *
jta_db_timejs(int64_t t)
{
	char	 buf[JTA_TIME_STRLEN];

	jta_time_format(t, buf);
	return json_string(buf);
}

/* A jansson "set" that fails the whole answer when memory runs out. */
int
jta_db_oset(json_t *o, const char *k, json_t *v)
{
	return v == NULL || json_object_set_new(o, k, v) != 0 ? -1 : 0;
}

void
jta_db_userrow(sqlite3_stmt *s, int first, struct jta_user *u)
{
	u->id = sqlite3_column_int64(s, first);
	snprintf(u->name, sizeof(u->name), "%s", jta_db_col(s, first + 1));
	snprintf(u->display_name, sizeof(u->display_name), "%s",
	    jta_db_col(s, first + 2));
	snprintf(u->email, sizeof(u->email), "%s", jta_db_col(s, first + 3));
}

int
jta_db_bblob(sqlite3_stmt *s, const char *name, const unsigned char *b,
    size_t len)
{
	int i = jta_db_pidx(s, name);

	if (i == 0)
		return SQLITE_RANGE;
	return b == NULL ? sqlite3_bind_null(s, i) :
	    sqlite3_bind_blob64(s, i, b, len, SQLITE_TRANSIENT);
}

/* 1 when s is 1..max bytes of printable ASCII without blanks. */
int
jta_db_printable(const char *s, size_t max)
{
	size_t	 i, n = strnlen(s, max + 1);

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return 0;
	return 1;
}

enum jta_err
jta_db_checkowner(const char *owner, struct jta_error *err)
{
	if (owner == NULL || !jta_db_printable(owner, JTA_LIMIT_LEASE_OWNER))
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the refresh lease owner is malformed");
	return JTA_OK;
}

int
jta_db_bhash(sqlite3_stmt *s, const char *name,
    const unsigned char h[JTA_VAULT_HASHBYTES])
{
	int i = jta_db_pidx(s, name);

	return i == 0 ? SQLITE_RANGE : sqlite3_bind_blob(s, i, h,
	    JTA_VAULT_HASHBYTES, SQLITE_TRANSIENT);
}

/* ---- open and migrate ---- */

enum jta_err
jta_store_version(struct jta_store *st, int *version)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (st->pg != NULL)
		return st->pgimpl->version(st->pg, version, NULL);
	if ((s = stmt(st, S_VERSION)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", NULL);
	if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
		sqlite3_reset(s);
		return jta_db_err(st, rc, "user_version", NULL);
	}
	*version = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return JTA_OK;
}

enum jta_err
jta_store_migrate(struct jta_store *st, int target)
{
	enum jta_err	 rc;
	char		*emsg = NULL;
	char		 pragma[64], pmsg[256];
	int		 v;

	if (target < 1 || target > JTA_STORE_VERSION)
		return JTA_ERR_INTERNAL;
	/* PostgreSQL's schema has its own versions (jta_pg.h): "current"
	 * there is what this build wants. */
	if (st->pg != NULL && target == JTA_STORE_VERSION) {
		if ((rc = st->pgimpl->migrate(st->pg, target, pmsg,
		    sizeof(pmsg))) != JTA_OK)
			jta_errorlog("postgresql: %s", pmsg);
		return rc;
	}
	if (st->pg != NULL)
		return JTA_ERR_INTERNAL;
	for (;;) {
		if ((rc = jta_db_begin(st, NULL)) != JTA_OK)
			return rc;
		/* Read the version inside the write transaction, so two
		 * processes migrating at once do each step once. */
		if ((rc = jta_store_version(st, &v)) != JTA_OK)
			goto fail;
		if (v > JTA_STORE_VERSION) {
			jta_errorlog("store: %s has schema version %d, newer "
			    "than this build's %d", st->path, v,
			    JTA_STORE_VERSION);
			rc = JTA_ERR_CONFIG;
			goto fail;
		}
		if (v >= target) {
			jta_db_rollback(st);
			return JTA_OK;
		}
		if (sqlite3_exec(st->db, jta_db_migrations[v], NULL, NULL,
		    &emsg) != SQLITE_OK) {
			jta_errorlog("store: migration to version %d failed: "
			    "%s", v + 1, emsg ? emsg : "?");
			sqlite3_free(emsg);
			rc = JTA_ERR_DB;
			goto fail;
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
		    v + 1);
		if (sqlite3_exec(st->db, pragma, NULL, NULL, NULL) !=
		    SQLITE_OK) {
			rc = jta_db_err(st, SQLITE_ERROR, "user_version", NULL);
			goto fail;
		}
		if ((rc = jta_db_commit(st, NULL)) != JTA_OK)
			goto fail;
		jta_info("store: migrated %s to schema version %d", st->path,
		    v + 1);
	}
fail:
	jta_db_rollback(st);
	return rc;
}

/*
 * SQLite's page cache starts each pager with one bulk allocation of
 * SQLITE_DEFAULT_PCACHE_INITSZ pages (20 in Debian's build: about 86 KB
 * for 4 KiB pages), and carving it writes a header after every page, so
 * all of it is resident at once.  A worker has three pagers (its
 * connection, and the usage counter's with the usage file attached)
 * that each hold 7 to 11 pages under load: with no bulk allocation
 * every page is its own malloc when first needed, and a worker keeps
 * only the pages it uses (issue 16: RSS per worker).  Pages are still
 * recycled inside the cache, so a request allocates none once warm.
 * SQLITE_CONFIG_PAGECACHE with no buffer and N = 0 (sqlite.org,
 * "Configuration Options": "If pMem is NULL and N is non-zero, then
 * each database connection does an initial bulk allocation"); it only
 * takes effect before SQLite initialises, so it is made before the
 * first open, and a program that initialised SQLite earlier keeps the
 * bulk (SQLITE_MISUSE, harmless).
 */
static void
store_memory_config(void)
{
	static int	 done;

	if (done)
		return;
	done = 1;
	(void)sqlite3_config(SQLITE_CONFIG_PAGECACHE, (void *)NULL, 0, 0);
}

enum jta_err
jta_store_open(const char *path, int busy_timeout_ms, unsigned flags,
    struct jta_store **out, char *msg, size_t msgsz)
{
	enum jta_err	 rc = JTA_ERR_DB;
	struct jta_store *st = NULL;
	char		*emsg = NULL;
	int		 v, fd, oflags;
	static const char pragmas[] =
	    "PRAGMA journal_mode = WAL;"
	    /* FULL: a commit is on disk before we answer, even on power
	     * loss; tickets and keys are worth the fsync. */
	    "PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON;";
	/* trusted_schema stays at its default (ON): the FTS triggers write
	 * to a virtual table, which SQLite refuses in an untrusted schema.
	 * The file is ours (mode 0600), never a user's upload. */

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(msg, msgsz, "out of memory");
		return JTA_ERR_NOMEM;
	}
	snprintf(st->path, sizeof(st->path), "%s", path);
	if (flags & JTA_STORE_CREATE) {
		/* Create the file ourselves so it is 0600 from the start. */
		if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
			snprintf(msg, msgsz, "database %s: cannot create: %s",
			    path, strerror(errno));
			rc = JTA_ERR_IO;
			goto out;
		}
		close(fd);
	}
	oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	store_memory_config();
	if (sqlite3_open_v2(path, &st->db, oflags, NULL) != SQLITE_OK) {
		snprintf(msg, msgsz, "database %s: cannot open: %s", path,
		    st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto out;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, busy_timeout_ms);
	if (sqlite3_exec(st->db, pragmas, NULL, NULL, &emsg) != SQLITE_OK) {
		snprintf(msg, msgsz, "database %s: %s", path,
		    emsg ? emsg : "cannot set pragmas");
		sqlite3_free(emsg);
		goto out;
	}
	if ((flags & JTA_STORE_MIGRATE) &&
	    jta_store_migrate(st, JTA_STORE_VERSION) != JTA_OK) {
		snprintf(msg, msgsz, "database %s: migration failed (see the "
		    "log above)", path);
		goto out;
	}
	if (jta_store_version(st, &v) != JTA_OK) {
		snprintf(msg, msgsz, "database %s: cannot read the schema "
		    "version; is it an SQLite database?", path);
		goto out;
	}
	if (v != JTA_STORE_VERSION) {
		snprintf(msg, msgsz, "database %s: schema version %d, this "
		    "build needs %d: run 'jta-admin init'", path, v,
		    JTA_STORE_VERSION);
		rc = JTA_ERR_CONFIG;
		goto out;
	}
	*out = st;
	st = NULL;
	rc = JTA_OK;
out:
	jta_store_close(st);
	return rc;
}

void
jta_store_close(struct jta_store *st)
{
	size_t	 i, r;

	if (st == NULL)
		return;
	if (st->pg != NULL)
		st->pgimpl->close(st->pg);
	for (r = 0; r < JTA_DB_REPO_COUNT; r++) {
		for (i = 0; i < st->ncache[r]; i++)
			sqlite3_finalize(st->cache[r][i]);
		free(st->cache[r]);
	}
	sqlite3_close(st->db);
	free(st);
}

enum jta_err
jta_store_health(struct jta_store *st, int *version)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (st->pg != NULL)
		return st->pgimpl->health(st->pg, version, NULL);
	if ((s = stmt(st, S_HEALTH)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", NULL);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return jta_db_err(st, rc, "health", NULL);
	return jta_store_version(st, version);
}

void
jta_store_dbhealth(struct jta_store *st, struct jta_store_dbhealth *out)
{
	int	 v = 0;

	memset(out, 0, sizeof(*out));
	out->engine = st->pg != NULL ? "postgresql" : "sqlite";
	out->expected = st->pg != NULL ? st->pgimpl->schema_version :
	    JTA_STORE_VERSION;
	out->reachable = jta_store_health(st, &v) == JTA_OK;
	out->version = out->reachable ? v : 0;
}

enum jta_err
jta_store_check(struct jta_store *st, char *what, size_t whatsz)
{
	static const enum sid q[] = { S_INTEGRITY, S_FTS_CHECK,
	    S_KB_FTS_CHECK, S_KB_TRI_CHECK, S_TICKET_TRI_CHECK };
	static const char *const name[] = { "integrity_check",
	    "FTS integrity-check", "knowledge FTS integrity-check",
	    "knowledge trigram integrity-check",
	    "ticket trigram integrity-check" };
	sqlite3_stmt	*s;
	size_t		 i;
	int		 rc;

	if (st->pg != NULL)
		return st->pgimpl->check(st->pg, what, whatsz);
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		if ((s = stmt(st, q[i])) == NULL) {
			snprintf(what, whatsz, "%s: %.200s", name[i],
			    sqlite3_errmsg(st->db));
			return JTA_ERR_DB;
		}
		rc = sqlite3_step(s);
		if (i == 0 && rc == SQLITE_ROW &&
		    strcmp(jta_db_col(s, 0), "ok") != 0) {
			snprintf(what, whatsz, "%s: %.200s", name[i],
			    jta_db_col(s, 0));
			sqlite3_reset(s);
			return JTA_ERR_DB;
		}
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			snprintf(what, whatsz, "%s: %.200s", name[i],
			    sqlite3_errmsg(st->db));
			sqlite3_reset(s);
			return JTA_ERR_DB;
		}
		sqlite3_reset(s);
	}
	snprintf(what, whatsz, "ok");
	return JTA_OK;
}

/* ---- the usage file (schema 9; jta_store_usage.h) ---- */

/* Whether the usage file's usage_daily has column col (1), not (0), or
 * the question failed (-1). */
static int
usagecol(sqlite3 *db, const char *col)
{
	sqlite3_stmt	*s = NULL;
	int		 rc;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info("
	    "'usage_daily', 'usage') WHERE name = :col", -1, &s, NULL) !=
	    SQLITE_OK || jta_db_btext(s, ":col", col) != SQLITE_OK) {
		sqlite3_finalize(s);
		return -1;
	}
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* A usage file made before the model's tokens (issue 15) or the files
 * kept (issue 18) were counted gets their columns.  Two workers may
 * both see them missing: the second ALTER fails and the column is
 * there, which is what counts. */
static int
usagetokens(sqlite3 *db)
{
	static const char *const add[][2] = {
		{ "prompt_tokens", "ALTER TABLE usage.usage_daily ADD COLUMN "
		    "prompt_tokens INTEGER NOT NULL DEFAULT 0" },
		{ "completion_tokens", "ALTER TABLE usage.usage_daily ADD "
		    "COLUMN completion_tokens INTEGER NOT NULL DEFAULT 0" },
		{ "files", "ALTER TABLE usage.usage_daily ADD COLUMN "
		    "files INTEGER NOT NULL DEFAULT 0" },
		{ "file_bytes", "ALTER TABLE usage.usage_daily ADD COLUMN "
		    "file_bytes INTEGER NOT NULL DEFAULT 0" } };
	size_t	 i;
	int	 has;

	for (i = 0; i < sizeof(add) / sizeof(add[0]); i++) {
		if ((has = usagecol(db, add[i][0])) == 1)
			continue;
		if (has < 0 || (sqlite3_exec(db, add[i][1], NULL, NULL,
		    NULL) != SQLITE_OK && usagecol(db, add[i][0]) != 1))
			return -1;
	}
	return 0;
}

/* Attach DATABASE.usage (made 0600 when missing) as "usage" with its
 * tables, once per connection. */
enum jta_err
jta_db_usage_attach(struct jta_store *st, struct jta_error *err)
{
	sqlite3_stmt	*s = NULL;
	char		 path[sizeof(st->path) + 8], *emsg = NULL;
	int		 fd, rc, n;

	if (st->usage_attached)
		return JTA_OK;
	/* SQLite attaches only outside a transaction. */
	if (readend(st) != 0)
		return jta_db_err(st, SQLITE_ERROR, "end of reads", err);
	n = snprintf(path, sizeof(path), "%s.usage", st->path);
	if (n < 0 || (size_t)n >= sizeof(path))
		return jta_error_set(err, JTA_ERR_CONFIG, 500, NULL,
		    "the database path is too long");
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		jta_errorlog("store: cannot open %s: %s", path,
		    strerror(errno));
		return jta_error_set(err, JTA_ERR_IO, 500, NULL,
		    "the usage store failed; the server log has details");
	}
	close(fd);
	if ((rc = sqlite3_prepare_v2(st->db, "ATTACH DATABASE :path AS usage",
	    -1, &s, NULL)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":path", path)) != SQLITE_OK ||
	    (rc = sqlite3_step(s)) != SQLITE_DONE) {
		sqlite3_finalize(s);
		return jta_db_err(st, rc, "usage attach", err);
	}
	sqlite3_finalize(s);
	if (sqlite3_exec(st->db, jta_db_usage_schema, NULL, NULL, &emsg) !=
	    SQLITE_OK || usagetokens(st->db) != 0 ||
	    (st->usage_busy_ms > 0 && sqlite3_exec(st->db,
	    "PRAGMA usage.synchronous = NORMAL", NULL, NULL, &emsg) !=
	    SQLITE_OK)) {
		jta_errorlog("store: usage schema of %s: %s", path,
		    emsg != NULL ? emsg : "?");
		sqlite3_free(emsg);
		(void)sqlite3_exec(st->db, "DETACH DATABASE usage", NULL, NULL,
		    NULL);
		return jta_error_set(err, JTA_ERR_DB, 503, NULL,
		    "the usage store failed; the server log has details");
	}
	st->usage_attached = 1;
	return JTA_OK;
}
/*
 * The counting connection's busy handler.  SQLite's own (busy_timeout)
 * sleeps 1, 2, 5, 10 ... ms between tries, far longer than a count holds
 * the write lock (tens of microseconds), so workers counting at once
 * would wait milliseconds for nothing.  This one tries again after 50 us
 * for the first 2000 tries (about 0.1 s), then every millisecond, and
 * gives up after the configured busy_timeout_ms like SQLite's.
 */
static int
usagebusy(void *arg, int n)
{
	const int	*timeout_ms = arg;
	struct timespec	 ts;
	int64_t		 waited_us;

	waited_us = n < 2000 ? (int64_t)n * 50 :
	    100000 + (int64_t)(n - 2000) * 1000;
	if (waited_us >= (int64_t)*timeout_ms * 1000)
		return 0;
	ts.tv_sec = 0;
	ts.tv_nsec = n < 2000 ? 50000 : 1000000;
	nanosleep(&ts, NULL);
	return 1;
}

enum jta_err
jta_db_usage_connection(struct jta_store *st, int busy_timeout_ms)
{
	st->usage_busy_ms = busy_timeout_ms > 0 ? busy_timeout_ms : 1;
	if (sqlite3_busy_handler(st->db, usagebusy, &st->usage_busy_ms) !=
	    SQLITE_OK)
		return jta_db_err(st, SQLITE_ERROR, "busy handler", NULL);
	/* Attached now, with synchronous = NORMAL for the usage file. */
	return jta_db_usage_attach(st, NULL);
}
