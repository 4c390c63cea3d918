/*
 * 'jta-admin migrate': a single host's SQLite state copied into
 * PostgreSQL (jta_pg_import.h; README "Moving a SQLite deployment into
 * PostgreSQL").  Each table is a row of moves[]: the SQLite SELECT (its
 * liveness filter bound to now as ?1), the PostgreSQL INSERT ... ON
 * CONFLICT on the table's keys with the same columns in the same order,
 * and, where ids are kept, the check that a conflicting row is the same
 * one (its parameters are the first columns).  A row there already is
 * left as it is, except for what only moves forward, so that a second
 * run after the programs kept serving on SQLite loses no revocation and
 * makes no second create: a key revoked, a token spent or revoked (a
 * family revoked whole: revokefamilies), a link or draft written later
 * (its updated), an idempotency key done, a draft's file uploaded.
 * Values travel as SQLite gives them: text for text, integers and JSON
 * (PostgreSQL parses them into the column's type: bigint, boolean from 0
 * and 1, json), bytes in binary format for BLOBs (bytea), so the sealed
 * Atlassian tokens and the keyed hashes arrive byte for byte.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jta_pq.h"
#include <sqlite3.h>

#include "jta_db.h"
#include "jta_pg.h"
#include "jta_pg_import.h"
#include "jta_pg_int.h"

/* The most columns a moved table has (drafts). */
#define MAXCOLS	16

struct move {
	const char	*table;		/* as reported */
	const char	*select;	/* SQLite; ?1: now */
	const char	*insert;	/* PostgreSQL, $1..$n: the columns */
	const char	*same;		/* NULL, or a conflict's check */
	int		 nsame;		/* parameters of same */
	int		 usage;		/* in the usage file */
};

/*
 * In the order the foreign keys want: people before what refers to them.
 * What is not here stays behind (README): authorization codes and OAuth
 * states (single-use, minutes long: a sign-in under way is started
 * again), sign-in failures (the lockout is minutes long), the Jira
 * metadata cache (refetched on first use), the embedded ticket store and
 * knowledge base (single-host features; PostgreSQL is refused with
 * backend = local).
 */
static const struct move moves[] = {
	/* Ids kept: the sealed tokens' additional data names them. */
	{ "users",
	  "SELECT id, name, display_name, email, created, pw_hash FROM users"
	  " ORDER BY id",
	  "INSERT INTO users (id, name, display_name, email, created,"
	  " pw_hash) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
	  "SELECT 1 FROM users WHERE id = $1 AND name = $2", 2, 0 },
	{ "api_keys",
	  "SELECT keyid, user_id, hash, label, created, revoked FROM api_keys"
	  " ORDER BY id",
	  "INSERT INTO api_keys AS k (keyid, user_id, hash, label, created,"
	  " revoked) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (keyid) DO"
	  " UPDATE SET revoked = EXCLUDED.revoked WHERE k.user_id ="
	  " EXCLUDED.user_id AND k.revoked IS NULL AND EXCLUDED.revoked IS"
	  " NOT NULL",
	  "SELECT 1 FROM api_keys WHERE keyid = $1 AND user_id = $2", 2, 0 },
	/* The refresh lease is this host's: it does not move.  A link
	 * changed here later than its copy there (a refresh after a first
	 * run) replaces it, generation + 1 so the hosts see the change;
	 * a lease there stays its owner's. */
	{ "atlassian_links",
	  "SELECT user_id, account_id, cloud_id, site_url, access_ct,"
	  " access_expires, refresh_ct, status, generation, created, updated"
	  " FROM atlassian_links ORDER BY user_id",
	  "INSERT INTO atlassian_links AS l (user_id, account_id, cloud_id,"
	  " site_url, access_ct, access_expires, refresh_ct, status,"
	  " generation, created, updated) VALUES ($1, $2, $3, $4, $5, $6,"
	  " $7, $8, $9, $10, $11) ON CONFLICT (user_id) DO UPDATE SET"
	  " cloud_id = EXCLUDED.cloud_id, site_url = EXCLUDED.site_url,"
	  " access_ct = EXCLUDED.access_ct, access_expires ="
	  " EXCLUDED.access_expires, refresh_ct = EXCLUDED.refresh_ct,"
	  " status = EXCLUDED.status, generation = greatest(l.generation,"
	  " EXCLUDED.generation) + 1, updated = EXCLUDED.updated WHERE"
	  " l.account_id = EXCLUDED.account_id AND l.updated <"
	  " EXCLUDED.updated",
	  "SELECT 1 FROM atlassian_links WHERE user_id = $1 AND"
	  " account_id = $2", 2, 0 },
	{ "oauth_clients",
	  "SELECT client_id, secret_hash, name, redirect_uris, created,"
	  " public, origin, address, last_used FROM oauth_clients ORDER BY id",
	  "INSERT INTO oauth_clients (client_id, secret_hash, name,"
	  " redirect_uris, created, public, origin, address, last_used)"
	  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
	  " ON CONFLICT DO NOTHING", NULL, 0, 0 },
	{ "oauth_client_documents",
	  "SELECT url, name, redirect_uris, fetched, expires FROM"
	  " oauth_client_documents WHERE expires > ?1 ORDER BY url",
	  "INSERT INTO oauth_client_documents (url, name, redirect_uris,"
	  " fetched, expires) VALUES ($1, $2, $3, $4, $5)"
	  " ON CONFLICT DO NOTHING", NULL, 0, 0 },
	/* A family moves whole (its spent and revoked tokens too, for the
	 * replay and grace rules) while one of its tokens has not expired;
	 * a token spent or revoked here since a first run is spent or
	 * revoked there (a revoked family is selected still, so that its
	 * revocation carries over). */
	{ "oauth_tokens",
	  "SELECT hash, kind, family, client_id, user_id, scope, expires,"
	  " replaced_at, revoked, audience FROM oauth_tokens WHERE family IN"
	  " (SELECT family FROM oauth_tokens WHERE expires > ?1) ORDER BY"
	  " rowid",
	  "INSERT INTO oauth_tokens AS o (hash, kind, family, client_id,"
	  " user_id, scope, expires, replaced_at, revoked, audience) VALUES"
	  " ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (hash) DO"
	  " UPDATE SET replaced_at = coalesce(o.replaced_at,"
	  " EXCLUDED.replaced_at), revoked = greatest(o.revoked,"
	  " EXCLUDED.revoked) WHERE (o.replaced_at IS NULL AND"
	  " EXCLUDED.replaced_at IS NOT NULL) OR o.revoked <"
	  " EXCLUDED.revoked",
	  NULL, 0, 0 },
	{ "policy_rules",
	  "SELECT effect, kind, value, scope, created, created_by, note FROM"
	  " policy_rules ORDER BY id",
	  "INSERT INTO policy_rules (effect, kind, value, scope, created,"
	  " created_by, note) VALUES ($1, $2, $3, $4, $5, $6, $7)"
	  " ON CONFLICT DO NOTHING", NULL, 0, 0 },
	{ "quotas",
	  "SELECT scope, subject, metric, per, lim, created, created_by FROM"
	  " quotas ORDER BY id",
	  "INSERT INTO quotas (scope, subject, metric, per, lim, created,"
	  " created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)"
	  " ON CONFLICT DO NOTHING", NULL, 0, 0 },
	/* Ids kept, so the order of the events stays theirs. */
	{ "audit_log",
	  "SELECT id, at, who, action, account_id, site, issue_key, endpoint,"
	  " status, detail FROM audit_log ORDER BY id",
	  "INSERT INTO audit_log (id, at, who, action, account_id, site,"
	  " issue_key, endpoint, status, detail) VALUES ($1, $2, $3, $4, $5,"
	  " $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
	  "SELECT 1 FROM audit_log WHERE id = $1 AND at = $2 AND who = $3"
	  " AND action = $4", 4, 0 },
	/* A draft changed here later than its copy there (edited or
	 * submitted after a first run) replaces it, unless that copy was
	 * submitted; a key done here is done there. */
	{ "drafts",
	  "SELECT id, user_id, revision, input, preview, status, once_token,"
	  " lease_owner, lease_until, attempt_at, issue_key, issue_url,"
	  " result, created, updated, expires FROM drafts WHERE expires > ?1"
	  " ORDER BY id",
	  "INSERT INTO drafts AS d (id, user_id, revision, input, preview,"
	  " status, once_token, lease_owner, lease_until, attempt_at,"
	  " issue_key, issue_url, result, created, updated, expires) VALUES"
	  " ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,"
	  " $15, $16)"
	  " ON CONFLICT (id) DO UPDATE SET revision = EXCLUDED.revision,"
	  " input = EXCLUDED.input, preview = EXCLUDED.preview, status ="
	  " EXCLUDED.status, once_token = EXCLUDED.once_token, lease_owner ="
	  " EXCLUDED.lease_owner, lease_until = EXCLUDED.lease_until,"
	  " attempt_at = EXCLUDED.attempt_at, issue_key = EXCLUDED.issue_key,"
	  " issue_url = EXCLUDED.issue_url, result = EXCLUDED.result,"
	  " updated = EXCLUDED.updated, expires = EXCLUDED.expires WHERE"
	  " d.user_id = EXCLUDED.user_id AND d.status <> 'submitted' AND"
	  " d.updated < EXCLUDED.updated",
	  "SELECT 1 FROM drafts WHERE id = $1 AND user_id = $2", 2, 0 },
	/* The files stay where they are, under this host's state
	 * directory (README); a file uploaded here since a first run is
	 * uploaded there (exactly once). */
	{ "draft_attachments",
	  "SELECT draft_id, name, type, size, path, sha256, uploaded, created"
	  " FROM draft_attachments WHERE draft_id IN (SELECT id FROM drafts"
	  " WHERE expires > ?1) ORDER BY id",
	  "INSERT INTO draft_attachments AS a (draft_id, name, type, size,"
	  " path, sha256, uploaded, created) VALUES ($1, $2, $3, $4, $5, $6,"
	  " $7, $8) ON CONFLICT (draft_id, name) DO UPDATE SET uploaded ="
	  " true WHERE NOT a.uploaded AND EXCLUDED.uploaded", NULL, 0, 0 },
	{ "idempotency_keys",
	  "SELECT user_id, key, request_hash, status, once_token,"
	  " lease_owner, lease_until, attempt_at, response_status,"
	  " response_body, created, expires FROM idempotency_keys WHERE"
	  " expires > ?1 ORDER BY user_id, key",
	  "INSERT INTO idempotency_keys AS i (user_id, key, request_hash,"
	  " status, once_token, lease_owner, lease_until, attempt_at,"
	  " response_status, response_body, created, expires) VALUES ($1,"
	  " $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
	  " ON CONFLICT (user_id, key) DO UPDATE SET status = 'done',"
	  " once_token = EXCLUDED.once_token, lease_owner = NULL,"
	  " lease_until = NULL, attempt_at = EXCLUDED.attempt_at,"
	  " response_status = EXCLUDED.response_status, response_body ="
	  " EXCLUDED.response_body, expires = EXCLUDED.expires WHERE"
	  " i.status <> 'done' AND EXCLUDED.status = 'done'", NULL, 0, 0 },
	{ "chat_conversations",
	  "SELECT id, user_id, messages, created, updated, expires FROM"
	  " chat_conversations WHERE expires > ?1 ORDER BY id",
	  "INSERT INTO chat_conversations (id, user_id, messages, created,"
	  " updated, expires) VALUES ($1, $2, $3, $4, $5, $6)"
	  " ON CONFLICT DO NOTHING",
	  "SELECT 1 FROM chat_conversations WHERE id = $1 AND user_id = $2",
	  2, 0 },
	{ "chat_actions",
	  "SELECT id, user_id, conversation, tool, args, created, expires"
	  " FROM chat_actions WHERE expires > ?1 ORDER BY id",
	  "INSERT INTO chat_actions (id, user_id, conversation, tool, args,"
	  " created, expires) VALUES ($1, $2, $3, $4, $5, $6, $7)"
	  " ON CONFLICT DO NOTHING",
	  "SELECT 1 FROM chat_actions WHERE id = $1 AND user_id = $2", 2, 0 },
	/* The usage file's counts: a day already counted in PostgreSQL
	 * (hosts serving there before the move) keeps its own count. */
	{ "usage_daily",
	  "SELECT user_id, day, site, calls, creates, updates, conversations,"
	  " prompt_tokens, completion_tokens, files, file_bytes FROM"
	  " usage.usage_daily ORDER BY user_id, day, site",
	  "INSERT INTO usage_daily (user_id, day, site, calls, creates,"
	  " updates, conversations, prompt_tokens, completion_tokens, files,"
	  " file_bytes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
	  " $11) ON CONFLICT DO NOTHING", NULL, 0, 1 },
	{ "usage_seen",
	  "SELECT user_id, last_seen FROM usage.usage_seen ORDER BY user_id",
	  "INSERT INTO usage_seen (user_id, last_seen) VALUES ($1, $2)"
	  " ON CONFLICT DO NOTHING", NULL, 0, 1 },
};
#define NMOVES	(sizeof(moves) / sizeof(moves[0]))
/* ... and policy_settings, moved on its own (moveswitch). */
_Static_assert(NMOVES + 1 == JTA_PG_IMPORT_TABLES, "import table count");

/* The identity sequences of the tables whose ids are kept, moved past
 * the largest id (never back): PostgreSQL manual, "Sequence
 * Manipulation Functions". */
static const char *const sequences[] = {
	"SELECT setval(s, m) FROM (SELECT pg_get_serial_sequence('users',"
	" 'id')::regclass AS s, (SELECT max(id) FROM users) AS m) x WHERE"
	" m IS NOT NULL AND m > coalesce(pg_sequence_last_value(s), 0)",
	"SELECT setval(s, m) FROM (SELECT pg_get_serial_sequence('audit_log',"
	" 'id')::regclass AS s, (SELECT max(id) FROM audit_log) AS m) x WHERE"
	" m IS NOT NULL AND m > coalesce(pg_sequence_last_value(s), 0)",
};

/* A failed PostgreSQL result for the operator: the SQLSTATE and the
 * primary message only (never DETAIL, which may quote a row). */
static enum jta_err
pgfail(struct jta_pg *pg, PGresult *r, const char *table, char *msg,
    size_t msgsz)
{
	const char	*state = NULL, *prim = NULL;

	if (r != NULL) {
		state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		prim = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	}
	if (prim == NULL)
		prim = PQstatus(pg->c) == CONNECTION_OK ? "no result" :
		    "the connection was lost";
	snprintf(msg, msgsz, "database_url: %s: %s (sqlstate %s)", table,
	    prim, state != NULL ? state : "none");
	PQclear(r);
	return JTA_ERR_DB;
}

/* Run sql (no parameters) expecting want. */
static enum jta_err
pgexec(struct jta_pg *pg, const char *sql, ExecStatusType want,
    const char *what, PGresult **out, char *msg, size_t msgsz)
{
	PGresult	*r = PQexec(pg->c, sql);

	if (r == NULL || PQresultStatus(r) != want)
		return pgfail(pg, r, what, msg, msgsz);
	if (out != NULL)
		*out = r;
	else
		PQclear(r);
	return JTA_OK;
}

static enum jta_err
sqfail(sqlite3 *db, const char *path, const char *what, char *msg,
    size_t msgsz)
{
	snprintf(msg, msgsz, "database %s: %s: %s", path, what,
	    db != NULL ? sqlite3_errmsg(db) : "out of memory");
	return JTA_ERR_DB;
}

/* The SQLite database, read-only in effect (query_only), at this build's
 * schema version, its usage file attached when there, in one read
 * transaction (a snapshot: the programs may keep writing). */
static enum jta_err
sqopen(const char *path, int busy_ms, sqlite3 **out, int *usage, char *msg,
    size_t msgsz)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*s = NULL;
	char		 upath[1024];
	int		 v = -1, n;

	*out = NULL;
	*usage = 0;
	if (access(path, F_OK) != 0) {
		snprintf(msg, msgsz, "database %s: no such file (database "
		    "names the SQLite file to move)", path);
		return JTA_ERR_CONFIG;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(db, busy_ms > 0 ? busy_ms : 1);
	if (sqlite3_exec(db, "PRAGMA query_only = 1", NULL, NULL, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) !=
	    SQLITE_OK)
		goto fail;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (v != JTA_STORE_VERSION) {
		if (v > JTA_STORE_VERSION)
			snprintf(msg, msgsz, "database %s is at schema "
			    "version %d, newer than this build's %d: migrate "
			    "with the programs that wrote it", path, v,
			    JTA_STORE_VERSION);
		else
			snprintf(msg, msgsz, "database %s is at schema "
			    "version %d, this build's is %d: run jta-admin "
			    "init on the SQLite file first (with database_url "
			    "unset)", path, v, JTA_STORE_VERSION);
		sqlite3_close(db);
		return JTA_ERR_CONFIG;
	}
	n = snprintf(upath, sizeof(upath), "%s.usage", path);
	if (n < 0 || (size_t)n >= sizeof(upath)) {
		snprintf(msg, msgsz, "database %s: path too long", path);
		sqlite3_close(db);
		return JTA_ERR_CONFIG;
	}
	if (access(upath, F_OK) == 0) {
		if (sqlite3_prepare_v2(db, "ATTACH ?1 AS usage", -1, &s,
		    NULL) != SQLITE_OK)
			goto fail;
		sqlite3_bind_text(s, 1, upath, -1, SQLITE_STATIC);
		n = sqlite3_step(s);
		sqlite3_finalize(s);
		if (n != SQLITE_DONE)
			goto fail;
		*usage = 1;
	}
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	*out = db;
	return JTA_OK;
fail:
	sqfail(db, path, "cannot read", msg, msgsz);
	sqlite3_close(db);
	return JTA_ERR_DB;
}

/* One table: every row read from SQLite, inserted, counted. */
static enum jta_err
move1(struct jta_pg *pg, sqlite3 *db, const char *path, size_t k,
    int64_t now, int64_t *moved, int64_t *there, char *msg, size_t msgsz)
{
	const struct move *m = &moves[k];
	sqlite3_stmt	*s = NULL;
	PGresult	*r = NULL;
	const char	*vals[MAXCOLS];
	int		 lens[MAXCOLS], fmts[MAXCOLS];
	char		 ins[32], same[32];
	enum jta_err	 rc;
	int		 i, n, step;

	*moved = *there = 0;
	snprintf(ins, sizeof(ins), "jta_import_%zu", k);
	snprintf(same, sizeof(same), "jta_import_same_%zu", k);
	if (sqlite3_prepare_v2(db, m->select, -1, &s, NULL) != SQLITE_OK)
		return sqfail(db, path, m->table, msg, msgsz);
	if (strstr(m->select, "?1") != NULL)
		sqlite3_bind_int64(s, 1, now);
	n = sqlite3_column_count(s);
	if (n > MAXCOLS) {
		snprintf(msg, msgsz, "%s: too many columns", m->table);
		rc = JTA_ERR_INTERNAL;
		goto out;
	}
	r = PQprepare(pg->c, ins, m->insert, n, NULL);
	if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
		rc = pgfail(pg, r, m->table, msg, msgsz);
		r = NULL;
		goto out;
	}
	PQclear(r);
	r = NULL;
	if (m->same != NULL) {
		r = PQprepare(pg->c, same, m->same, m->nsame, NULL);
		if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
			rc = pgfail(pg, r, m->table, msg, msgsz);
			r = NULL;
			goto out;
		}
		PQclear(r);
		r = NULL;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		for (i = 0; i < n; i++) {
			fmts[i] = 0;
			lens[i] = 0;
			switch (sqlite3_column_type(s, i)) {
			case SQLITE_NULL:
				vals[i] = NULL;
				break;
			case SQLITE_BLOB:
				/* bytea in binary format: the bytes as
				 * they are (libpq manual, PQexecParams). */
				vals[i] = (const char *)
				    sqlite3_column_blob(s, i);
				lens[i] = sqlite3_column_bytes(s, i);
				fmts[i] = 1;
				if (vals[i] == NULL)
					vals[i] = "";
				break;
			default:
				vals[i] = (const char *)
				    sqlite3_column_text(s, i);
				if (vals[i] == NULL) {
					rc = sqfail(db, path, m->table, msg,
					    msgsz);
					goto out;
				}
				break;
			}
		}
		r = PQexecPrepared(pg->c, ins, n, vals, lens, fmts, 0);
		if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
			rc = pgfail(pg, r, m->table, msg, msgsz);
			r = NULL;
			goto out;
		}
		if (strcmp(PQcmdTuples(r), "1") == 0) {
			(*moved)++;
			PQclear(r);
			r = NULL;
			continue;
		}
		PQclear(r);
		r = NULL;
		(*there)++;
		if (m->same == NULL)
			continue;
		/* There already: the same row, or another with its id. */
		r = PQexecPrepared(pg->c, same, m->nsame, vals, lens, fmts, 0);
		if (r == NULL || PQresultStatus(r) != PGRES_TUPLES_OK) {
			rc = pgfail(pg, r, m->table, msg, msgsz);
			r = NULL;
			goto out;
		}
		if (PQntuples(r) != 1) {
			snprintf(msg, msgsz, "database_url: %s: a row there "
			    "has the id or key of a different row of database "
			    "%s (the database was used before the move); "
			    "migrate into a database fresh from jta-admin "
			    "init", m->table, path);
			rc = JTA_ERR_CONFIG;
			goto out;
		}
		PQclear(r);
		r = NULL;
	}
	if (step != SQLITE_DONE) {
		rc = sqfail(db, path, m->table, msg, msgsz);
		goto out;
	}
	rc = JTA_OK;
out:
	PQclear(r);
	sqlite3_finalize(s);
	return rc;
}

/* A family revoked whole here (every token of it revoked: a replay, a
 * new password, an unlink) is revoked whole there, the tokens a host
 * issued there since a first run included: the grant is gone.  A token
 * revoked alone (spent in the grace, an access token revoked by RFC 7009)
 * moved as a row.  *n: the tokens revoked there. */
static enum jta_err
revokefamilies(struct jta_pg *pg, sqlite3 *db, const char *path,
    int64_t now, int64_t *n, char *msg, size_t msgsz)
{
	sqlite3_stmt	*s = NULL;
	PGresult	*r = NULL;
	const char	*fam;
	enum jta_err	 rc;
	int		 step;

	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT family FROM oauth_tokens GROUP BY"
	    " family HAVING min(revoked) = 1 AND max(expires) > ?1", -1, &s,
	    NULL) != SQLITE_OK)
		return sqfail(db, path, "oauth_tokens", msg, msgsz);
	sqlite3_bind_int64(s, 1, now);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if ((fam = (const char *)sqlite3_column_text(s, 0)) == NULL) {
			rc = sqfail(db, path, "oauth_tokens", msg, msgsz);
			goto out;
		}
		r = PQexecParams(pg->c, "UPDATE oauth_tokens SET revoked = 1"
		    " WHERE family = $1 AND revoked = 0", 1, NULL, &fam, NULL,
		    NULL, 0);
		if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
			rc = pgfail(pg, r, "oauth_tokens", msg, msgsz);
			r = NULL;
			goto out;
		}
		*n += strtoll(PQcmdTuples(r), NULL, 10);
		PQclear(r);
		r = NULL;
	}
	if (step != SQLITE_DONE) {
		rc = sqfail(db, path, "oauth_tokens", msg, msgsz);
		goto out;
	}
	rc = JTA_OK;
out:
	PQclear(r);
	sqlite3_finalize(s);
	return rc;
}

/* The switch: the SQLite row wins when it changed later than
 * PostgreSQL's (a switch-off before the move stays off; a change made on
 * PostgreSQL since is kept).  Any change bumps the generation, so every
 * host re-reads the rules at its next request. */
static enum jta_err
moveswitch(struct jta_pg *pg, sqlite3 *db, const char *path,
    int64_t rules, int64_t *moved, int64_t *there, char *msg, size_t msgsz)
{
	sqlite3_stmt	*s = NULL;
	PGresult	*r = NULL;
	const char	*vals[4];
	enum jta_err	 rc;
	int		 i;

	*moved = *there = 0;
	if (sqlite3_prepare_v2(db, "SELECT enabled, message, changed_at,"
	    " changed_by FROM policy_settings WHERE id = 1", -1, &s, NULL) !=
	    SQLITE_OK)
		return sqfail(db, path, "policy_settings", msg, msgsz);
	if (sqlite3_step(s) != SQLITE_ROW) {
		rc = sqfail(db, path, "policy_settings", msg, msgsz);
		goto out;
	}
	for (i = 0; i < 4; i++)
		if ((vals[i] = (const char *)sqlite3_column_text(s, i)) ==
		    NULL) {
			rc = sqfail(db, path, "policy_settings", msg, msgsz);
			goto out;
		}
	r = PQexecParams(pg->c, "UPDATE policy_settings SET enabled ="
	    " $1::integer, message = $2, changed_at = $3::bigint,"
	    " changed_by = $4, generation = generation + 1 WHERE id = 1 AND"
	    " changed_at < $3::bigint", 4, NULL, vals, NULL, NULL, 0);
	if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
		rc = pgfail(pg, r, "policy_settings", msg, msgsz);
		r = NULL;
		goto out;
	}
	if (strcmp(PQcmdTuples(r), "1") == 0)
		*moved = 1;
	else
		*there = 1;
	PQclear(r);
	r = NULL;
	if (rules > 0 && *moved == 0 && (rc = pgexec(pg, "UPDATE "
	    "policy_settings SET generation = generation + 1 WHERE id = 1",
	    PGRES_COMMAND_OK, "policy_settings", NULL, msg, msgsz)) != JTA_OK)
		goto out;
	rc = JTA_OK;
out:
	PQclear(r);
	sqlite3_finalize(s);
	return rc;
}

/* Under the schema lock: the PostgreSQL schema must be this build's. */
static enum jta_err
pgready(struct jta_pg *pg, char *msg, size_t msgsz)
{
	struct jta_error e;
	int		 v = 0;

	memset(&e, 0, sizeof(e));
	if (jta_pg_version(pg, &v, &e) != JTA_OK) {
		snprintf(msg, msgsz, "database_url: jta_schema: %s", e.detail);
		return JTA_ERR_DB;
	}
	if (v != JTA_PG_VERSION) {
		snprintf(msg, msgsz, "database_url: schema version %d, this "
		    "build's is %d: %s", v, JTA_PG_VERSION, v > JTA_PG_VERSION ?
		    "the database is newer than this build" : "run jta-admin "
		    "init (with database_url set) first");
		return JTA_ERR_CONFIG;
	}
	return JTA_OK;
}

enum jta_err
jta_pg_import(struct jta_pg *pg, const char *path, int busy_ms, int dry_run,
    int64_t now, struct jta_pg_import_counts *out, char *msg, size_t msgsz)
{
	sqlite3		*db = NULL;
	enum jta_err	 rc;
	int64_t		 moved, there, rules = 0, revoked;
	size_t		 k;
	int		 usage;

	memset(out, 0, sizeof(*out));
	msg[0] = '\0';
	/* Terse: a failure's text is its primary message, never a
	 * DETAIL quoting a row (libpq manual, PQsetErrorVerbosity). */
	PQsetErrorVerbosity(pg->c, PQERRORS_TERSE);
	if ((rc = sqopen(path, busy_ms, &db, &usage, msg, msgsz)) != JTA_OK)
		return rc;
	if ((rc = pgexec(pg, "BEGIN", PGRES_COMMAND_OK, "begin", NULL, msg,
	    msgsz)) != JTA_OK)
		goto out;
	/* The lock the schema migrations take (jta_pg.c), for the whole
	 * transaction: a second host running migrate at once waits, then
	 * finds every row there.  The wait (as long as the other's move)
	 * is allowed 300 s, more than the session's timeouts, bounded
	 * still; the statements after it are bounded by the session's. */
	if ((rc = pgexec(pg, "SET LOCAL lock_timeout = '300s'",
	    PGRES_COMMAND_OK, "lock_timeout", NULL, msg, msgsz)) != JTA_OK ||
	    (rc = pgexec(pg, "SET LOCAL statement_timeout = '300s'",
	    PGRES_COMMAND_OK, "statement_timeout", NULL, msg, msgsz)) !=
	    JTA_OK ||
	    (rc = pgexec(pg, "SELECT pg_advisory_xact_lock("
	    JTA_PG_SCHEMA_LOCK ")", PGRES_TUPLES_OK, "schema lock", NULL, msg,
	    msgsz)) != JTA_OK ||
	    (rc = pgexec(pg, "SET LOCAL lock_timeout TO DEFAULT",
	    PGRES_COMMAND_OK, "lock_timeout", NULL, msg, msgsz)) != JTA_OK ||
	    (rc = pgexec(pg, "SET LOCAL statement_timeout TO DEFAULT",
	    PGRES_COMMAND_OK, "statement_timeout", NULL, msg, msgsz)) !=
	    JTA_OK ||
	    (rc = pgready(pg, msg, msgsz)) != JTA_OK)
		goto out;
	for (k = 0; k < NMOVES; k++) {
		if (moves[k].usage && !usage)
			moved = there = 0;
		else if ((rc = move1(pg, db, path, k, now, &moved, &there, msg,
		    msgsz)) != JTA_OK)
			goto out;
		if (strcmp(moves[k].table, "policy_rules") == 0)
			rules = moved;
		if (strcmp(moves[k].table, "oauth_tokens") == 0) {
			if ((rc = revokefamilies(pg, db, path, now, &revoked,
			    msg, msgsz)) != JTA_OK)
				goto out;
			moved += revoked;
		}
		out->t[out->n].table = moves[k].table;
		out->t[out->n].moved = moved;
		out->t[out->n].there = there;
		out->n++;
	}
	if ((rc = moveswitch(pg, db, path, rules, &moved, &there, msg,
	    msgsz)) != JTA_OK)
		goto out;
	out->t[out->n].table = "policy_settings";
	out->t[out->n].moved = moved;
	out->t[out->n].there = there;
	out->n++;
	/* setval is not undone by a rollback: a dry run leaves the
	 * sequences alone. */
	for (k = 0; !dry_run && k < sizeof(sequences) / sizeof(sequences[0]);
	    k++)
		if ((rc = pgexec(pg, sequences[k], PGRES_TUPLES_OK,
		    "sequence", NULL, msg, msgsz)) != JTA_OK)
			goto out;
	if (dry_run)
		rc = pgexec(pg, "ROLLBACK", PGRES_COMMAND_OK, "rollback", NULL,
		    msg, msgsz);
	else
		rc = pgexec(pg, "COMMIT", PGRES_COMMAND_OK, "commit", NULL,
		    msg, msgsz);
out:
	if (rc != JTA_OK)
		jta_pg_rollback(pg);
	if (db != NULL) {
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	return rc;
}
