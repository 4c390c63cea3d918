/*
 * Drafts, idempotency keys and draft attachments on PostgreSQL
 * (jta_store_drafts.h; the SQLite side is common/db/jta_store_drafts.c).
 *
 * Across hosts, a draft is submitted exactly once and an Idempotency-Key
 * creates once: the same lease rows as on SQLite, claimed in a short
 * transaction that is committed before the caller's upstream call (never
 * held across it).  What serialises the hosts:
 *
 * - A draft's claim, edit and discard read the row with SELECT ... FOR
 *   UPDATE (PostgreSQL manual, "Explicit Locking", row-level locks):
 *   hosts claiming one draft at once queue on its row; under READ
 *   COMMITTED the next one reads the row the one before it committed
 *   ("Transaction Isolation": a FOR UPDATE that waited re-reads the
 *   updated row), so it sees the draft submitting under a live lease
 *   (BUSY) and never free.  A discard and a claim of one draft are
 *   serialised the same way: one or the other, as the header demands.
 * - An Idempotency-Key's row may not exist yet, and a row lock cannot
 *   lock what is missing: a claim takes the key's transaction-level
 *   advisory lock, pg_advisory_xact_lock(IDEM_LOCK, hashtext(user id ":"
 *   key)) ("Advisory Locks"), as the first statement of its transaction,
 *   then reads, decides and inserts or updates as SQLite does under
 *   BEGIN IMMEDIATE; the lock goes at commit or rollback.
 * - attempt, done and release are single UPDATEs (or a DELETE)
 *   conditional on lease_owner, so a host whose lease ran out and was
 *   taken over writes nothing.
 * - A draft's files are counted and added under the draft's advisory
 *   lock (FILES_LOCK, hashtext(draft id)), so two hosts adding at once
 *   keep the caps; a collection is one DELETE ... RETURNING whose rows
 *   are picked FOR UPDATE SKIP LOCKED, so hosts collecting at once get
 *   each row (and remove each file) once.
 *
 * Purges of expired rows pick their bounded batch FOR UPDATE SKIP
 * LOCKED: a row another host holds is left for a later purge rather than
 * waited for (no lock cycle between a purge and a claim).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_arena.h"
#include "jta_db_engine.h"
#include "jta_limits.h"
#include "jta_pg_drafts.h"
#include "jta_pg_int.h"
#include "jta_vault.h"

/* The first key of the idempotency keys' advisory locks (the second is
 * hashtext(user id ":" key)): a name of ours, "jtai". */
#define IDEM_LOCK	"1786012009"
/* The first key of a draft's files' advisory lock: "jtad". */
#define FILES_LOCK	"1786012004"

#define DRAFT_COLS "SELECT id, revision, input, preview, status, result, " \
	"created, updated, expires, coalesce(once_token, ''), " \
	"coalesce(lease_owner, ''), coalesce(lease_until, 0), " \
	"coalesce(attempt_at, 0) FROM drafts WHERE id = $1 AND " \
	"user_id = $2::bigint AND expires > $3::bigint"

static int64_t
i64(const PGresult *r, int i, int c)
{
	return (int64_t)strtoll(PQgetvalue(r, i, c), NULL, 10);
}

/* Column c of row i into buf (sz bytes); "" for NULL. */
static void
col(const PGresult *r, int i, int c, char *buf, size_t sz)
{
	snprintf(buf, sz, "%s", PQgetisnull(r, i, c) ? "" :
	    PQgetvalue(r, i, c));
}

/* JSON text we stored ourselves, as a new value (NULL for SQL NULL or
 * when memory runs out). */
static json_t *
coljson(const PGresult *r, int i, int c)
{
	json_error_t	 je;

	if (PQgetisnull(r, i, c))
		return NULL;
	return json_loadb(PQgetvalue(r, i, c), (size_t)PQgetlength(r, i, c),
	    0, &je);
}

static enum jta_err
nomem(struct jta_error *err)
{
	return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL, "out of memory");
}

static enum jta_err
draftnotfound(struct jta_error *err)
{
	return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
	    "there is no draft with that id (drafts expire 24 hours after "
	    "their last change); make a new one with POST /api/drafts");
}

/* Run a statement whose result the caller does not read. */
static enum jta_err
exec(struct jta_pg *pg, const char *sql, int n, const char *const *v,
    const char *what, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;

	rc = jta_pg_run(pg, sql, n, v, PGRES_COMMAND_OK, what, &r, err);
	PQclear(r);
	return rc;
}

/* A draft row as read; lease fields for the claim. */
struct draftrow {
	struct jta_draft d;
	char		 token[JTA_LIMIT_ONCE_TOKEN + 1];
	char		 owner[JTA_LIMIT_LEASE_OWNER + 1];
	int64_t		 lease_until, attempt_at;
};

/* Read user_id's unexpired draft id into r, FOR UPDATE when lock (inside
 * the caller's transaction). */
static enum jta_err
draftread(struct jta_pg *pg, int64_t user_id, const char *id, int64_t now,
    int lock, struct draftrow *r, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*q = NULL;
	const char	*v[3];
	char		 uid[24], n[24];

	memset(r, 0, sizeof(*r));
	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	snprintf(n, sizeof(n), "%" PRId64, now);
	v[0] = id;
	v[1] = uid;
	v[2] = n;
	if ((rc = jta_pg_run(pg, lock ? DRAFT_COLS " FOR UPDATE" : DRAFT_COLS,
	    3, v, PGRES_TUPLES_OK, "draft get", &q, err)) != JTA_OK)
		return rc;
	if (PQntuples(q) != 1) {
		PQclear(q);
		return draftnotfound(err);
	}
	col(q, 0, 0, r->d.id, sizeof(r->d.id));
	r->d.revision = i64(q, 0, 1);
	r->d.input = coljson(q, 0, 2);
	r->d.preview = coljson(q, 0, 3);
	col(q, 0, 4, r->d.status, sizeof(r->d.status));
	r->d.result = coljson(q, 0, 5);
	r->d.created = i64(q, 0, 6);
	r->d.updated = i64(q, 0, 7);
	r->d.expires = i64(q, 0, 8);
	col(q, 0, 9, r->token, sizeof(r->token));
	col(q, 0, 10, r->owner, sizeof(r->owner));
	r->lease_until = i64(q, 0, 11);
	r->attempt_at = i64(q, 0, 12);
	PQclear(q);
	if (r->d.input == NULL || r->d.preview == NULL ||
	    (strcmp(r->d.status, "submitted") == 0 && r->d.result == NULL)) {
		jta_store_draft_clear(&r->d);
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "the draft could not be read");
	}
	return JTA_OK;
}

enum jta_err
jta_pg_draft_put(struct jta_pg *pg, int64_t user_id, const char *id,
    const json_t *input, const json_t *preview, int64_t now,
    struct jta_error *err)
{
	enum jta_err	 rc;
	char		*in = NULL, *pre = NULL, uid[24], n[24], exp[24];
	const char	*v[6];

	if ((in = jta_arena_json_dumps(input, JSON_COMPACT)) == NULL ||
	    (pre = jta_arena_json_dumps(preview, JSON_COMPACT)) == NULL) {
		rc = nomem(err);
		goto out;
	}
	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	snprintf(n, sizeof(n), "%" PRId64, now);
	snprintf(exp, sizeof(exp), "%" PRId64, now + JTA_STORE_DRAFT_TTL);
	v[0] = id;
	v[1] = uid;
	v[2] = in;
	v[3] = pre;
	v[4] = n;
	v[5] = exp;
	jta_pg_revive(pg);
	/* One statement: the purge of a bounded batch of expired drafts
	 * (rows another host holds are skipped) and the insert. */
	rc = exec(pg, "WITH purged AS (DELETE FROM drafts WHERE id IN "
	    "(SELECT id FROM drafts WHERE expires <= $5::bigint LIMIT 64 "
	    "FOR UPDATE SKIP LOCKED)) INSERT INTO drafts (id, user_id, "
	    "input, preview, created, updated, expires) VALUES ($1, "
	    "$2::bigint, $3::json, $4::json, $5::bigint, $5::bigint, "
	    "$6::bigint)", 6, v, "draft put", err);
	if (rc != JTA_OK && strcmp(pg->state, "23505") == 0)
		rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, "id",
		    "a draft with that id exists already");
out:
	free(in);
	free(pre);
	return rc;
}

enum jta_err
jta_pg_draft_get(struct jta_pg *pg, int64_t user_id, const char *id,
    int64_t now, struct jta_draft *out, struct jta_error *err)
{
	struct draftrow	 r;
	enum jta_err	 rc;

	memset(out, 0, sizeof(*out));
	jta_pg_revive(pg);
	if ((rc = draftread(pg, user_id, id, now, 0, &r, err)) != JTA_OK)
		return rc;
	*out = r.d;
	return JTA_OK;
}

enum jta_err
jta_pg_draft_edit(struct jta_pg *pg, int64_t user_id, const char *id,
    int64_t revision, const json_t *input, const json_t *preview,
    int64_t now, struct jta_error *err)
{
	enum jta_err	 rc;
	struct draftrow	 r;
	PGresult	*u = NULL;
	char		*in = NULL, *pre = NULL, uid[24], n[24], exp[24];
	char		 rev[24];
	const char	*v[7];

	memset(&r, 0, sizeof(r));
	if ((in = jta_arena_json_dumps(input, JSON_COMPACT)) == NULL ||
	    (pre = jta_arena_json_dumps(preview, JSON_COMPACT)) == NULL) {
		free(in);
		return nomem(err);
	}
	if ((rc = jta_pg_begin(pg, err)) != JTA_OK)
		goto out;
	/* The row lock: a claim of this draft on another host waits for
	 * this edit, or this edit for it, and then sees its status. */
	if ((rc = draftread(pg, user_id, id, now, 1, &r, err)) != JTA_OK)
		goto out;
	if (strcmp(r.d.status, "ready") != 0) {
		rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, "id",
		    "this draft is %s and can no longer change; make a new "
		    "draft for another issue", r.d.status);
		goto out;
	}
	if (r.d.revision != revision) {
		rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, "revision",
		    "the draft changed meanwhile (now revision %" PRId64
		    "); read it again", r.d.revision);
		goto out;
	}
	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	snprintf(n, sizeof(n), "%" PRId64, now);
	snprintf(exp, sizeof(exp), "%" PRId64, now + JTA_STORE_DRAFT_TTL);
	snprintf(rev, sizeof(rev), "%" PRId64, revision);
	v[0] = id;
	v[1] = uid;
	v[2] = in;
	v[3] = pre;
	v[4] = n;
	v[5] = exp;
	v[6] = rev;
	if ((rc = jta_pg_run(pg, "UPDATE drafts SET input = $3::json, "
	    "preview = $4::json, revision = revision + 1, updated = "
	    "$5::bigint, expires = $6::bigint WHERE id = $1 AND user_id = "
	    "$2::bigint AND status = 'ready' AND revision = $7::bigint", 7, v,
	    PGRES_COMMAND_OK, "draft edit", &u, err)) != JTA_OK)
		goto out;
	if (strcmp(PQcmdTuples(u), "1") != 0) {
		rc = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the draft could not be changed");
		goto out;
	}
	rc = jta_pg_commit(pg, err);
out:
	PQclear(u);
	jta_pg_rollback(pg);
	jta_store_draft_clear(&r.d);
	free(in);
	free(pre);
	return rc;
}

enum jta_err
jta_pg_draft_discard(struct jta_pg *pg, int64_t user_id, const char *id,
    int64_t now, struct jta_error *err)
{
	enum jta_err	 rc;
	struct draftrow	 r;
	PGresult	*u = NULL;
	char		 uid[24], rev[24];
	const char	*v[3];

	memset(&r, 0, sizeof(r));
	if ((rc = jta_pg_begin(pg, err)) != JTA_OK)
		return rc;
	/* FOR UPDATE: the row lock a claim reads and writes under, so the
	 * status read here cannot change before the delete. */
	if ((rc = draftread(pg, user_id, id, now, 1, &r, err)) != JTA_OK)
		goto out;
	if (strcmp(r.d.status, "ready") != 0) {
		rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, "id",
		    "this draft is %s and can no longer be discarded",
		    r.d.status);
		goto out;
	}
	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	snprintf(rev, sizeof(rev), "%" PRId64, r.d.revision);
	v[0] = id;
	v[1] = uid;
	v[2] = rev;
	if ((rc = jta_pg_run(pg, "DELETE FROM drafts WHERE id = $1 AND "
	    "user_id = $2::bigint AND status = 'ready' AND revision = "
	    "$3::bigint", 3, v, PGRES_COMMAND_OK, "draft discard", &u, err)) !=
	    JTA_OK)
		goto out;
	/* Under the same lock as the read: anything else is a bug. */
	if (strcmp(PQcmdTuples(u), "1") != 0) {
		rc = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the draft could not be discarded");
		goto out;
	}
	rc = jta_pg_commit(pg, err);
out:
	PQclear(u);
	jta_pg_rollback(pg);
	jta_store_draft_clear(&r.d);
	return rc;
}

enum jta_err
jta_pg_draft_claim(struct jta_pg *pg, int64_t user_id, const char *id,
    int64_t revision, const char *owner, const char *token, int64_t now,
    int64_t lease_s, struct jta_claim *out, struct jta_error *err)
{
	enum jta_err	 rc;
	struct draftrow	 r;
	char		 uid[24], n[24], until[24], exp[24];
	const char	*v[7];

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	if ((rc = jta_pg_begin(pg, err)) != JTA_OK)
		return rc;
	/* The row lock: hosts claiming this draft at once queue here, and
	 * each reads what the one before it committed, so two never both
	 * see it free. */
	if ((rc = draftread(pg, user_id, id, now, 1, &r, err)) != JTA_OK)
		goto out;
	if (r.d.revision != revision) {
		rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, "revision",
		    "the draft is at revision %" PRId64 ", not the one you "
		    "sent: it changed after you saw it; read it again and "
		    "submit its current revision", r.d.revision);
		goto out;
	}
	if (strcmp(r.d.status, "submitted") == 0) {
		out->res = JTA_CLAIM_DONE;
		out->status = 200;
		out->result = r.d.result;
		r.d.result = NULL;
		goto out;
	}
	if (strcmp(r.d.status, "submitting") == 0 && r.owner[0] != '\0' &&
	    r.lease_until > now && strcmp(r.owner, owner) != 0) {
		out->res = JTA_CLAIM_BUSY;
		out->lease_left = r.lease_until - now;
		goto out;
	}
	out->res = strcmp(r.d.status, "ready") == 0 ? JTA_CLAIM_NEW :
	    JTA_CLAIM_RESUME;
	out->attempt_at = out->res == JTA_CLAIM_NEW ? now : r.attempt_at;
	/* No change since the last edit, so no create before it. */
	out->since = r.d.updated;
	snprintf(out->token, sizeof(out->token), "%s", r.token[0] != '\0' ?
	    r.token : token);
	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	snprintf(n, sizeof(n), "%" PRId64, now);
	snprintf(until, sizeof(until), "%" PRId64, now + lease_s);
	snprintf(exp, sizeof(exp), "%" PRId64, now + JTA_STORE_DRAFT_TTL);
	v[0] = id;
	v[1] = uid;
	v[2] = owner;
	v[3] = until;
	v[4] = token;
	v[5] = n;
	v[6] = exp;
	if ((rc = exec(pg, "UPDATE drafts SET lease_owner = $3, lease_until = "
	    "$4::bigint, once_token = coalesce(once_token, $5), attempt_at = "
	    "CASE status WHEN 'ready' THEN $6::bigint ELSE attempt_at END, "
	    "status = 'submitting', expires = greatest(expires, $7::bigint) "
	    "WHERE id = $1 AND user_id = $2::bigint", 7, v, "draft claim",
	    err)) != JTA_OK)
		goto out;
	/* Committed before we return: the row lock ends here, before the
	 * caller's call to the backend. */
	if ((rc = jta_pg_commit(pg, err)) != JTA_OK)
		goto out;
	out->prepared = r.d.preview;
	r.d.preview = NULL;
out:
	jta_pg_rollback(pg); /* ends the read-only paths; no-op after commit */
	jta_store_draft_clear(&r.d);
	if (rc != JTA_OK)
		jta_store_claim_clear(out);
	return rc;
}

enum jta_err
jta_pg_idem_claim(struct jta_pg *pg, int64_t user_id, const char *key,
    const unsigned char *hash, const char *owner, const char *token,
    int64_t now, int64_t lease_s, struct jta_claim *out,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*q = NULL;
	char		 uid[24], n[24], until[24], exp[24];
	char		 rowowner[JTA_LIMIT_LEASE_OWNER + 1], *h = NULL;
	const char	*v[8];
	int		 lens[8] = { 0 }, fmts[8] = { 0 };
	int64_t		 rowuntil = 0;
	int		 same = 0, done = 0, found = 0;
	size_t		 hlen = 0;

	memset(out, 0, sizeof(*out));
	rowowner[0] = '\0';
	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	snprintf(n, sizeof(n), "%" PRId64, now);
	snprintf(until, sizeof(until), "%" PRId64, now + lease_s);
	snprintf(exp, sizeof(exp), "%" PRId64, now + JTA_STORE_IDEM_TTL);
	v[0] = uid;
	v[1] = key;
	v[2] = n;
	if ((rc = jta_pg_begin(pg, err)) != JTA_OK)
		return rc;
	/* The key's advisory lock: hosts claiming this key at once run
	 * the rest of this transaction one after the other, also while no
	 * row exists yet. */
	if ((rc = jta_pg_run(pg, "SELECT pg_advisory_xact_lock(" IDEM_LOCK
	    ", hashtext($1 || ':' || $2))", 2, v, PGRES_TUPLES_OK, "key lock",
	    &q, err)) != JTA_OK)
		goto out;
	PQclear(q);
	q = NULL;
	/* This key's own expired row, then a bounded batch of others. */
	if ((rc = exec(pg, "DELETE FROM idempotency_keys WHERE user_id = "
	    "$1::bigint AND key = $2 AND expires <= $3::bigint", 3, v,
	    "key expire", err)) != JTA_OK)
		goto out;
	if ((rc = exec(pg, "DELETE FROM idempotency_keys WHERE ctid IN "
	    "(SELECT ctid FROM idempotency_keys WHERE expires <= $1::bigint "
	    "LIMIT 64 FOR UPDATE SKIP LOCKED)", 1, &v[2], "key purge", err)) !=
	    JTA_OK)
		goto out;
	if ((rc = jta_pg_run(pg, "SELECT request_hash, status, once_token, "
	    "coalesce(lease_owner, ''), coalesce(lease_until, 0), "
	    "coalesce(attempt_at, 0), coalesce(response_status, 0), "
	    "response_body, created FROM idempotency_keys WHERE user_id = "
	    "$1::bigint AND key = $2", 2, v, PGRES_TUPLES_OK, "key get", &q,
	    err)) != JTA_OK)
		goto out;
	if ((found = PQntuples(q) == 1)) {
		h = (char *)PQunescapeBytea((const unsigned char *)
		    PQgetvalue(q, 0, 0), &hlen);
		if (h == NULL) {
			rc = nomem(err);
			goto out;
		}
		same = hlen == JTA_VAULT_HASHBYTES &&
		    jta_vault_hash_equal((const unsigned char *)h, hash);
		done = strcmp(PQgetvalue(q, 0, 1), "done") == 0;
		col(q, 0, 2, out->token, sizeof(out->token));
		col(q, 0, 3, rowowner, sizeof(rowowner));
		rowuntil = i64(q, 0, 4);
		out->attempt_at = i64(q, 0, 5);
		out->status = (int)i64(q, 0, 6);
		out->since = i64(q, 0, 8);
		if (done && same && (out->result = coljson(q, 0, 7)) == NULL) {
			rc = nomem(err);
			goto out;
		}
	}
	PQclear(q);
	q = NULL;
	if (found && !same) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, "Idempotency-Key",
		    "this Idempotency-Key was used for another request; use "
		    "a new key for a new request");
		goto out;
	}
	if (found && done) {
		out->res = JTA_CLAIM_DONE;
		goto out;
	}
	if (found && rowowner[0] != '\0' && rowuntil > now &&
	    strcmp(rowowner, owner) != 0) {
		out->res = JTA_CLAIM_BUSY;
		out->lease_left = rowuntil - now;
		goto out;
	}
	v[3] = owner;
	v[4] = until;
	if (!found) {
		out->res = JTA_CLAIM_NEW;
		out->attempt_at = out->since = now;
		snprintf(out->token, sizeof(out->token), "%s", token);
		v[5] = token;
		v[6] = exp;
		v[7] = (const char *)hash;
		lens[7] = JTA_VAULT_HASHBYTES;
		fmts[7] = 1;
		rc = jta_pg_runv(pg, "INSERT INTO idempotency_keys (user_id, "
		    "key, request_hash, status, once_token, lease_owner, "
		    "lease_until, attempt_at, created, expires) VALUES "
		    "($1::bigint, $2, $8, 'in-flight', $6, $4, $5::bigint, "
		    "$3::bigint, $3::bigint, $7::bigint)", 8, v, lens, fmts,
		    PGRES_COMMAND_OK, "key claim", &q, err);
	} else {
		out->res = JTA_CLAIM_RESUME;
		rc = jta_pg_run(pg, "UPDATE idempotency_keys SET lease_owner = "
		    "$4, lease_until = $5::bigint WHERE user_id = $1::bigint "
		    "AND key = $2 AND $3::bigint IS NOT NULL", 5, v,
		    PGRES_COMMAND_OK, "key claim", &q, err);
	}
	if (rc != JTA_OK)
		goto out;
	/* Committed before we return: the lock ends here, before the
	 * caller's call to the backend. */
	rc = jta_pg_commit(pg, err);
out:
	PQclear(q);
	PQfreemem(h);
	jta_pg_rollback(pg);
	if (rc != JTA_OK)
		jta_store_claim_clear(out);
	return rc;
}

/* What attempt, done and release run: one statement each, conditional
 * on the lease being the caller's ($3). */
enum lstep {
	L_ATTEMPT,
	L_DONE,
	L_UNKNOWN,
	L_DEFINITE,
	L_COUNT
};

static const char *const lsql[2][L_COUNT] = {
	{	/* JTA_ONCE_DRAFT */
		[L_ATTEMPT] = "UPDATE drafts SET attempt_at = $4::bigint "
		    "WHERE id = $2 AND user_id = $1::bigint AND "
		    "lease_owner = $3",
		[L_DONE] = "UPDATE drafts SET status = 'submitted', "
		    "issue_key = $7, issue_url = $8, result = $6::json, "
		    "lease_owner = NULL, lease_until = NULL, updated = "
		    "$4::bigint, expires = $9::bigint WHERE id = $2 AND "
		    "user_id = $1::bigint AND lease_owner = $3 AND "
		    "$5::integer IS NOT NULL",
		[L_UNKNOWN] = "UPDATE drafts SET lease_owner = NULL, "
		    "lease_until = NULL WHERE id = $2 AND user_id = "
		    "$1::bigint AND lease_owner = $3",
		[L_DEFINITE] = "UPDATE drafts SET status = 'ready', "
		    "lease_owner = NULL, lease_until = NULL, attempt_at = "
		    "NULL WHERE id = $2 AND user_id = $1::bigint AND "
		    "lease_owner = $3",
	},
	{	/* JTA_ONCE_IDEM */
		[L_ATTEMPT] = "UPDATE idempotency_keys SET attempt_at = "
		    "$4::bigint WHERE user_id = $1::bigint AND key = $2 AND "
		    "lease_owner = $3",
		[L_DONE] = "UPDATE idempotency_keys SET status = 'done', "
		    "response_status = $5::integer, response_body = $6, "
		    "lease_owner = NULL, lease_until = NULL WHERE user_id = "
		    "$1::bigint AND key = $2 AND lease_owner = $3 AND "
		    "$4::bigint IS NOT NULL",
		[L_UNKNOWN] = "UPDATE idempotency_keys SET lease_owner = NULL, "
		    "lease_until = NULL WHERE user_id = $1::bigint AND key = "
		    "$2 AND lease_owner = $3",
		[L_DEFINITE] = "DELETE FROM idempotency_keys WHERE user_id = "
		    "$1::bigint AND key = $2 AND lease_owner = $3",
	},
};

/* How many parameters each step binds ($1.. in order). */
static const int lparams[2][L_COUNT] = {
	{ 4, 9, 3, 3 },
	{ 4, 6, 3, 3 },
};

static enum jta_err
leasestep(struct jta_pg *pg, enum jta_once_kind kind, enum lstep step,
    int64_t user_id, const char *id, const char *owner, int64_t now,
    int status, const json_t *result, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*u = NULL;
	const json_t	*issue = json_object_get(result, "issue");
	char		 uid[24], n[24], st[16], exp[24], *res = NULL;
	const char	*v[9];
	int		 k = kind == JTA_ONCE_DRAFT ? 0 : 1;

	if (result != NULL &&
	    (res = jta_arena_json_dumps(result, JSON_COMPACT)) == NULL)
		return nomem(err);
	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	snprintf(n, sizeof(n), "%" PRId64, now);
	snprintf(st, sizeof(st), "%d", status);
	snprintf(exp, sizeof(exp), "%" PRId64, now + JTA_STORE_SUBMITTED_TTL);
	v[0] = uid;
	v[1] = id;
	v[2] = owner;
	v[3] = n;
	v[4] = st;
	v[5] = res;
	v[6] = json_string_value(json_object_get(issue, "key"));
	v[7] = json_string_value(json_object_get(issue, "url"));
	v[8] = exp;
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, lsql[k][step], lparams[k][step], v,
	    PGRES_COMMAND_OK, "submit lease", &u, err)) != JTA_OK)
		goto out;
	if (strcmp(PQcmdTuples(u), "1") != 0)
		rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, NULL,
		    "the submit lease was lost to another process");
out:
	PQclear(u);
	free(res);
	return rc;
}

enum jta_err
jta_pg_once_attempt(struct jta_pg *pg, enum jta_once_kind kind,
    int64_t user_id, const char *id, const char *owner, int64_t now,
    struct jta_error *err)
{
	return leasestep(pg, kind, L_ATTEMPT, user_id, id, owner, now, 0,
	    NULL, err);
}

enum jta_err
jta_pg_once_done(struct jta_pg *pg, enum jta_once_kind kind, int64_t user_id,
    const char *id, const char *owner, int status, const json_t *result,
    int64_t now, struct jta_error *err)
{
	return leasestep(pg, kind, L_DONE, user_id, id, owner, now, status,
	    result, err);
}

enum jta_err
jta_pg_once_release(struct jta_pg *pg, enum jta_once_kind kind,
    int64_t user_id, const char *id, const char *owner, int unknown,
    struct jta_error *err)
{
	return leasestep(pg, kind, unknown ? L_UNKNOWN : L_DEFINITE, user_id,
	    id, owner, 0, 0, NULL, err);
}

/* ---- draft attachments ---- */

enum jta_err
jta_pg_draft_file_add(struct jta_pg *pg, const char *draft_id,
    const struct jta_draft_file *f, int64_t max_bytes, int64_t now,
    int64_t *out_id, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*q = NULL;
	int64_t		 count, total;
	char		 size[24], n[24];
	const char	*v[7];

	*out_id = 0;
	v[0] = draft_id;
	if ((rc = jta_pg_begin(pg, err)) != JTA_OK)
		return rc;
	/* The draft's advisory lock: hosts adding files to one draft at
	 * once count one after the other, so the caps hold. */
	if ((rc = jta_pg_run(pg, "SELECT pg_advisory_xact_lock(" FILES_LOCK
	    ", hashtext($1))", 1, v, PGRES_TUPLES_OK, "file lock", &q,
	    err)) != JTA_OK)
		goto out;
	PQclear(q);
	q = NULL;
	if ((rc = jta_pg_run(pg, "SELECT count(*), coalesce(sum(size), 0) "
	    "FROM draft_attachments WHERE draft_id = $1", 1, v,
	    PGRES_TUPLES_OK, "file stats", &q, err)) != JTA_OK)
		goto out;
	count = i64(q, 0, 0);
	total = i64(q, 0, 1);
	PQclear(q);
	q = NULL;
	if (count >= JTA_STORE_DRAFT_FILES) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 413,
		    "openaiFileIdRefs", "%s: a draft takes at most %d files",
		    f->name, JTA_STORE_DRAFT_FILES);
		goto out;
	}
	if (f->size > max_bytes || total > max_bytes - f->size) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 413,
		    "openaiFileIdRefs", "%s: the draft's files would come to "
		    "%" PRId64 " bytes, over the %" PRId64 " a draft may carry",
		    f->name, total + f->size, max_bytes);
		goto out;
	}
	snprintf(size, sizeof(size), "%" PRId64, f->size);
	snprintf(n, sizeof(n), "%" PRId64, now);
	v[1] = f->name;
	v[2] = f->type;
	v[3] = size;
	v[4] = f->path;
	v[5] = f->sha256;
	v[6] = n;
	rc = jta_pg_run(pg, "INSERT INTO draft_attachments (draft_id, name, "
	    "type, size, path, sha256, created) VALUES ($1, $2, $3, "
	    "$4::bigint, $5, $6, $7::bigint) RETURNING id", 7, v,
	    PGRES_TUPLES_OK, "file add", &q, err);
	if (rc != JTA_OK && strcmp(pg->state, "23505") == 0) {
		rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, "name",
		    "%s: the draft has a file of that name already", f->name);
		goto out;
	}
	if (rc != JTA_OK)
		goto out;
	if ((rc = jta_pg_commit(pg, err)) != JTA_OK)
		goto out;
	*out_id = i64(q, 0, 0);
out:
	PQclear(q);
	jta_pg_rollback(pg);
	return rc;
}

/* q's rows (id, name, type, size, path, sha256, uploaded) into out, at
 * most max. */
static void
filerows(const PGresult *q, struct jta_draft_file *out, size_t max,
    size_t *n)
{
	struct jta_draft_file *f;
	int		 i;

	for (*n = 0, i = 0; i < PQntuples(q) && *n < max; i++) {
		f = &out[(*n)++];
		memset(f, 0, sizeof(*f));
		f->id = i64(q, i, 0);
		col(q, i, 1, f->name, sizeof(f->name));
		col(q, i, 2, f->type, sizeof(f->type));
		f->size = i64(q, i, 3);
		col(q, i, 4, f->path, sizeof(f->path));
		col(q, i, 5, f->sha256, sizeof(f->sha256));
		f->uploaded = strcmp(PQgetvalue(q, i, 6), "t") == 0;
	}
}

enum jta_err
jta_pg_draft_file_list(struct jta_pg *pg, const char *draft_id,
    struct jta_draft_file *out, size_t max, size_t *n, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*q = NULL;
	char		 m[24];
	const char	*v[2];

	*n = 0;
	snprintf(m, sizeof(m), "%zu", max);
	v[0] = draft_id;
	v[1] = m;
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "SELECT id, name, type, size, path, sha256, "
	    "uploaded FROM draft_attachments WHERE draft_id = $1 ORDER BY id "
	    "LIMIT $2::bigint", 2, v, PGRES_TUPLES_OK, "file list", &q,
	    err)) != JTA_OK)
		return rc;
	filerows(q, out, max, n);
	PQclear(q);
	return JTA_OK;
}

enum jta_err
jta_pg_draft_file_uploaded(struct jta_pg *pg, const char *draft_id,
    int64_t id, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*u = NULL;
	char		 fid[24];
	const char	*v[2];

	snprintf(fid, sizeof(fid), "%" PRId64, id);
	v[0] = draft_id;
	v[1] = fid;
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "UPDATE draft_attachments SET uploaded = "
	    "true WHERE draft_id = $1 AND id = $2::bigint", 2, v,
	    PGRES_COMMAND_OK, "file uploaded", &u, err)) != JTA_OK)
		return rc;
	if (strcmp(PQcmdTuples(u), "0") == 0)
		rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "the draft has no such file");
	PQclear(u);
	return rc;
}

enum jta_err
jta_pg_draft_file_gc(struct jta_pg *pg, struct jta_draft_file *out,
    size_t max, size_t *n, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*q = NULL;
	char		 m[24];
	const char	*v[1];

	*n = 0;
	snprintf(m, sizeof(m), "%zu", max);
	v[0] = m;
	jta_pg_revive(pg);
	/* One statement: the rows are picked FOR UPDATE SKIP LOCKED and
	 * deleted, so two hosts collecting at once get each row once. */
	if ((rc = jta_pg_run(pg, "WITH gone AS (DELETE FROM draft_attachments "
	    "WHERE id IN (SELECT a.id FROM draft_attachments AS a WHERE NOT "
	    "EXISTS (SELECT 1 FROM drafts AS d WHERE d.id = a.draft_id) "
	    "ORDER BY a.id LIMIT $1::bigint FOR UPDATE OF a SKIP LOCKED) "
	    "RETURNING id, name, type, size, path, sha256, uploaded) "
	    "SELECT * FROM gone ORDER BY id", 1, v, PGRES_TUPLES_OK,
	    "file gc", &q, err)) != JTA_OK)
		return rc;
	filerows(q, out, max, n);
	PQclear(q);
	return JTA_OK;
}
