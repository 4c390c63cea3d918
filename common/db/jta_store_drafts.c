/*
 * Drafts, idempotency keys and their leases with SQLite
 * (jta_store_drafts.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "jta_db_engine.h"
#include "jta_db_sqlite.h"
#include "jta_store_drafts.h"

/* ---- the fixed table of statements ---- */

enum sid {
	S_DRAFT_PURGE,
	S_DRAFT_PUT,
	S_DRAFT_GET,
	S_DRAFT_EDIT,
	S_DRAFT_DISCARD,
	S_DRAFT_CLAIM,
	S_DRAFT_ATTEMPT,
	S_DRAFT_DONE,
	S_DRAFT_UNKNOWN,
	S_DRAFT_READY,
	S_IDEM_PURGE,
	S_IDEM_EXPIRE,
	S_IDEM_GET,
	S_IDEM_PUT,
	S_IDEM_CLAIM,
	S_IDEM_ATTEMPT,
	S_IDEM_DONE,
	S_IDEM_UNKNOWN,
	S_IDEM_DROP,
	S_FILE_STATS,
	S_FILE_ADD,
	S_FILE_LIST,
	S_FILE_UPLOADED,
	S_FILE_GC_LIST,
	S_FILE_GC_DEL,
	S_FILE_MARK,
	S_TFILE_ADD,
	S_TFILE_LIST,
	S_TFILE_COUNT,
	S_TFILE_GET,
	S_COUNT
};

static const char *const sql[S_COUNT] = {
	/* Expired rows go a bounded batch at a time, on the way. */
	[S_DRAFT_PURGE] = "DELETE FROM drafts WHERE rowid IN (SELECT rowid "
	    "FROM drafts WHERE expires <= :now LIMIT 64)",
	[S_DRAFT_PUT] = "INSERT INTO drafts (id, user_id, input, preview, "
	    "created, updated, expires) VALUES (:id, :uid, :input, :preview, "
	    ":now, :now, :expires)",
	[S_DRAFT_GET] = "SELECT id, revision, input, preview, status, result, "
	    "created, updated, expires, once_token, lease_owner, lease_until, "
	    "attempt_at FROM drafts WHERE id = :id AND user_id = :uid AND "
	    "expires > :now",
	[S_DRAFT_EDIT] = "UPDATE drafts SET input = :input, "
	    "preview = :preview, revision = revision + 1, updated = :now, "
	    "expires = :expires WHERE id = :id AND user_id = :uid AND "
	    "status = 'ready' AND revision = :rev",
	/* Only a ready draft, so never one a claim has made submitting. */
	[S_DRAFT_DISCARD] = "DELETE FROM drafts WHERE id = :id AND "
	    "user_id = :uid AND status = 'ready' AND revision = :rev",
	[S_DRAFT_CLAIM] = "UPDATE drafts SET lease_owner = :owner, "
	    "lease_until = :until, once_token = coalesce(once_token, :token), "
	    "attempt_at = CASE status WHEN 'ready' THEN :now ELSE attempt_at "
	    "END, status = 'submitting', expires = max(expires, :expires) "
	    "WHERE id = :id AND user_id = :uid",
	[S_DRAFT_ATTEMPT] = "UPDATE drafts SET attempt_at = :now "
	    "WHERE id = :id AND user_id = :uid AND lease_owner = :owner",
	[S_DRAFT_DONE] = "UPDATE drafts SET status = 'submitted', "
	    "issue_key = :key, issue_url = :url, result = :result, "
	    "lease_owner = NULL, lease_until = NULL, updated = :now, "
	    "expires = :expires WHERE id = :id AND user_id = :uid AND "
	    "lease_owner = :owner",
	[S_DRAFT_UNKNOWN] = "UPDATE drafts SET lease_owner = NULL, "
	    "lease_until = NULL WHERE id = :id AND user_id = :uid AND "
	    "lease_owner = :owner",
	[S_DRAFT_READY] = "UPDATE drafts SET status = 'ready', "
	    "lease_owner = NULL, lease_until = NULL, attempt_at = NULL "
	    "WHERE id = :id AND user_id = :uid AND lease_owner = :owner",
	[S_IDEM_PURGE] = "DELETE FROM idempotency_keys WHERE rowid IN (SELECT "
	    "rowid FROM idempotency_keys WHERE expires <= :now LIMIT 64)",
	[S_IDEM_EXPIRE] = "DELETE FROM idempotency_keys WHERE user_id = :uid "
	    "AND key = :id AND expires <= :now",
	[S_IDEM_GET] = "SELECT request_hash, status, once_token, lease_owner, "
	    "lease_until, attempt_at, response_status, response_body, "
	    "created FROM idempotency_keys WHERE user_id = :uid AND key = :id",
	[S_IDEM_PUT] = "INSERT INTO idempotency_keys (user_id, key, "
	    "request_hash, status, once_token, lease_owner, lease_until, "
	    "attempt_at, created, expires) VALUES (:uid, :id, :hash, "
	    "'in-flight', :token, :owner, :until, :now, :now, :expires)",
	[S_IDEM_CLAIM] = "UPDATE idempotency_keys SET lease_owner = :owner, "
	    "lease_until = :until WHERE user_id = :uid AND key = :id",
	[S_IDEM_ATTEMPT] = "UPDATE idempotency_keys SET attempt_at = :now "
	    "WHERE user_id = :uid AND key = :id AND lease_owner = :owner",
	[S_IDEM_DONE] = "UPDATE idempotency_keys SET status = 'done', "
	    "response_status = :status, response_body = :result, "
	    "lease_owner = NULL, lease_until = NULL WHERE user_id = :uid AND "
	    "key = :id AND lease_owner = :owner",
	[S_IDEM_UNKNOWN] = "UPDATE idempotency_keys SET lease_owner = NULL, "
	    "lease_until = NULL WHERE user_id = :uid AND key = :id AND "
	    "lease_owner = :owner",
	[S_IDEM_DROP] = "DELETE FROM idempotency_keys WHERE user_id = :uid "
	    "AND key = :id AND lease_owner = :owner",
	[S_FILE_STATS] = "SELECT count(*), coalesce(sum(size), 0) FROM "
	    "draft_attachments WHERE draft_id = :id",
	[S_FILE_ADD] = "INSERT INTO draft_attachments (draft_id, name, type, "
	    "size, path, sha256, created) VALUES (:id, :name, :type, :size, "
	    ":path, :sha256, :now)",
	[S_FILE_LIST] = "SELECT id, name, type, size, path, sha256, uploaded "
	    "FROM draft_attachments WHERE draft_id = :id ORDER BY id "
	    "LIMIT :max",
	[S_FILE_UPLOADED] = "UPDATE draft_attachments SET uploaded = 1 "
	    "WHERE draft_id = :id AND id = :fid",
	[S_FILE_GC_LIST] = "SELECT id, name, type, size, path, sha256, "
	    "uploaded FROM draft_attachments AS a WHERE NOT EXISTS (SELECT 1 "
	    "FROM drafts AS d WHERE d.id = a.draft_id) ORDER BY id LIMIT :max",
	[S_FILE_GC_DEL] = "DELETE FROM draft_attachments WHERE id = :fid",
	[S_FILE_MARK] = "UPDATE draft_attachments SET uploaded = 1 "
	    "WHERE draft_id = :id AND id = :fid AND uploaded = 0",
	[S_TFILE_ADD] = "INSERT INTO ticket_attachments (ticket_id, name, "
	    "type, size, path, sha256, author, created) SELECT t.id, :name, "
	    ":type, :size, :path, :sha256, :author, :now FROM tickets AS t "
	    "JOIN projects AS p ON p.id = t.project_id WHERE p.key = :proj "
	    "AND t.num = :num",
	[S_TFILE_LIST] = "SELECT a.id, a.name, a.type, a.size, a.path, "
	    "a.sha256, a.author, a.created FROM ticket_attachments AS a "
	    "JOIN tickets AS t ON t.id = a.ticket_id JOIN projects AS p ON "
	    "p.id = t.project_id WHERE p.key = :proj AND t.num = :num "
	    "ORDER BY a.id LIMIT :max",
	[S_TFILE_COUNT] = "SELECT count(*) FROM ticket_attachments AS a "
	    "JOIN tickets AS t ON t.id = a.ticket_id JOIN projects AS p ON "
	    "p.id = t.project_id WHERE p.key = :proj AND t.num = :num",
	[S_TFILE_GET] = "SELECT a.id, a.name, a.type, a.size, a.path, "
	    "a.sha256, a.author, a.created, p.key, t.num FROM "
	    "ticket_attachments AS a JOIN tickets AS t ON t.id = a.ticket_id "
	    "JOIN projects AS p ON p.id = t.project_id WHERE a.id = :fid",
};

/* Statement id of this repository, reset and unbound (jta_db_stmt). */
static sqlite3_stmt *
stmt(struct jta_store *st, enum sid id)
{
	return jta_db_stmt(st, JTA_DB_REPO_DRAFTS, sql, S_COUNT, (size_t)id);
}

/* Run the purge statement id with :now. */
static enum jta_err
purge(struct jta_store *st, enum sid id, int64_t now, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, id)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "purge", err);
	return JTA_OK;
}

/* ---- drafts and idempotency keys ---- */

/* JSON text we stored ourselves, as a new value (NULL when the column is
 * NULL or does not parse: the CHECK constraints make that a bug). */
static json_t *
coljson(sqlite3_stmt *s, int i)
{
	const char	*t = (const char *)sqlite3_column_text(s, i);
	json_error_t	 je;

	if (t == NULL)
		return NULL;
	return json_loadb(t, (size_t)sqlite3_column_bytes(s, i), 0, &je);
}

void
jta_store_draft_clear(struct jta_draft *d)
{
	if (d == NULL)
		return;
	json_decref(d->input);
	json_decref(d->preview);
	json_decref(d->result);
	d->input = d->preview = d->result = NULL;
}

void
jta_store_claim_clear(struct jta_claim *c)
{
	if (c == NULL)
		return;
	json_decref(c->result);
	json_decref(c->prepared);
	c->result = c->prepared = NULL;
}

/* Bind :id and :uid, the row's identity in every statement below. */
static int
bident(sqlite3_stmt *s, int64_t user_id, const char *id)
{
	int rc;

	if ((rc = jta_db_btext(s, ":id", id)) != SQLITE_OK)
		return rc;
	return jta_db_bint(s, ":uid", user_id);
}

static enum jta_err
draftnotfound(struct jta_error *err)
{
	return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
	    "there is no draft with that id (drafts expire 24 hours after "
	    "their last change); make a new one with POST /api/drafts");
}

/* A draft row as read by S_DRAFT_GET; lease fields for the claim. */
struct draftrow {
	struct jta_draft d;
	char		 token[JTA_LIMIT_ONCE_TOKEN + 1];
	char		 owner[JTA_LIMIT_LEASE_OWNER + 1];
	int64_t		 lease_until, attempt_at;
};

static enum jta_err
draftread(struct jta_store *st, int64_t user_id, const char *id,
    int64_t now, struct draftrow *r, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	memset(r, 0, sizeof(*r));
	if ((s = stmt(st, S_DRAFT_GET)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = bident(s, user_id, id)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		snprintf(r->d.id, sizeof(r->d.id), "%s", jta_db_col(s, 0));
		r->d.revision = sqlite3_column_int64(s, 1);
		r->d.input = coljson(s, 2);
		r->d.preview = coljson(s, 3);
		snprintf(r->d.status, sizeof(r->d.status), "%s",
		    jta_db_col(s, 4));
		r->d.result = coljson(s, 5);
		r->d.created = sqlite3_column_int64(s, 6);
		r->d.updated = sqlite3_column_int64(s, 7);
		r->d.expires = sqlite3_column_int64(s, 8);
		snprintf(r->token, sizeof(r->token), "%s", jta_db_col(s, 9));
		snprintf(r->owner, sizeof(r->owner), "%s", jta_db_col(s, 10));
		r->lease_until = sqlite3_column_int64(s, 11);
		r->attempt_at = sqlite3_column_int64(s, 12);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return draftnotfound(err);
	if (rc != SQLITE_ROW)
		return jta_db_err(st, rc, "draft get", err);
	if (r->d.input == NULL || r->d.preview == NULL ||
	    (strcmp(r->d.status, "submitted") == 0 && r->d.result == NULL)) {
		jta_store_draft_clear(&r->d);
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "the draft could not be read");
	}
	return JTA_OK;
}

enum jta_err
jta_store_draft_put(struct jta_store *st, int64_t user_id, const char *id,
    const json_t *input, const json_t *preview, int64_t now,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->draft_put(pg, user_id, id, input, preview, now,
		    err);
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = purge(st, S_DRAFT_PURGE, now, err)) != JTA_OK)
		goto out;
	if ((s = stmt(st, S_DRAFT_PUT)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bident(s, user_id, id)) != SQLITE_OK ||
	    (rc = jta_db_bjson(s, ":input", input)) != SQLITE_OK ||
	    (rc = jta_db_bjson(s, ":preview", preview)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":expires", now + JTA_STORE_DRAFT_TTL)) !=
	    SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	rc = jta_db_run(s);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, "id",
		    "a draft with that id exists already");
		goto out;
	}
	if (rc != SQLITE_OK) {
		ret = jta_db_err(st, rc, "draft put", err);
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_store_draft_get(struct jta_store *st, int64_t user_id, const char *id,
    int64_t now, struct jta_draft *out, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	struct draftrow	 r;
	enum jta_err	 ret;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->draft_get(pg, user_id, id, now, out, err);
	memset(out, 0, sizeof(*out));
	if ((ret = draftread(st, user_id, id, now, &r, err)) != JTA_OK)
		return ret;
	*out = r.d;
	return JTA_OK;
}

enum jta_err
jta_store_draft_edit(struct jta_store *st, int64_t user_id, const char *id,
    int64_t revision, const json_t *input, const json_t *preview,
    int64_t now, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	struct draftrow	 r;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->draft_edit(pg, user_id, id, revision, input,
		    preview, now, err);
	memset(&r, 0, sizeof(r));
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = draftread(st, user_id, id, now, &r, err)) != JTA_OK)
		goto out;
	if (strcmp(r.d.status, "ready") != 0) {
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, "id",
		    "this draft is %s and can no longer change; make a new "
		    "draft for another issue", r.d.status);
		goto out;
	}
	if (r.d.revision != revision) {
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, "revision",
		    "the draft changed meanwhile (now revision %" PRId64
		    "); read it again", r.d.revision);
		goto out;
	}
	if ((s = stmt(st, S_DRAFT_EDIT)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bident(s, user_id, id)) != SQLITE_OK ||
	    (rc = jta_db_bjson(s, ":input", input)) != SQLITE_OK ||
	    (rc = jta_db_bjson(s, ":preview", preview)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":rev", revision)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":expires", now + JTA_STORE_DRAFT_TTL)) !=
	    SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	if ((rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "draft edit", err);
		goto out;
	}
	if (jta_db_changes(st) != 1) {
		ret = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the draft could not be changed");
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	jta_store_draft_clear(&r.d);
	return ret;
}

enum jta_err
jta_store_draft_discard(struct jta_store *st, int64_t user_id,
    const char *id, int64_t now, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	struct draftrow	 r;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->draft_discard(pg, user_id, id, now, err);
	memset(&r, 0, sizeof(r));
	/* BEGIN IMMEDIATE: the write lock a claim reads and writes under,
	 * so the status read here cannot change before the delete. */
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = draftread(st, user_id, id, now, &r, err)) != JTA_OK)
		goto out;
	if (strcmp(r.d.status, "ready") != 0) {
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, "id",
		    "this draft is %s and can no longer be discarded",
		    r.d.status);
		goto out;
	}
	if ((s = stmt(st, S_DRAFT_DISCARD)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bident(s, user_id, id)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":rev", r.d.revision)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	if ((rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "draft discard", err);
		goto out;
	}
	/* Under the same lock as the read: anything else is a bug. */
	if (jta_db_changes(st) != 1) {
		ret = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the draft could not be discarded");
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	jta_store_draft_clear(&r.d);
	return ret;
}

static enum jta_err
checklease(const char *owner, const char *token, int64_t now,
    int64_t lease_s, struct jta_error *err)
{
	enum jta_err	 ret;

	if ((ret = jta_db_checkowner(owner, err)) != JTA_OK)
		return ret;
	if (token == NULL || !jta_db_printable(token, JTA_LIMIT_ONCE_TOKEN) ||
	    lease_s <= 0 || now <= 0 || now > INT64_MAX - lease_s)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the submit lease is malformed");
	return JTA_OK;
}

enum jta_err
jta_store_draft_claim(struct jta_store *st, int64_t user_id, const char *id,
    int64_t revision, const char *owner, const char *token, int64_t now,
    int64_t lease_s, struct jta_claim *out, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	struct draftrow	 r;
	sqlite3_stmt	*s;
	int		 rc;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	if ((ret = checklease(owner, token, now, lease_s, err)) != JTA_OK)
		return ret;
	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->draft_claim(pg, user_id, id, revision, owner, token,
		    now, lease_s, out, err);
	/* BEGIN IMMEDIATE: read and claim under the write lock, so two
	 * processes never both see the draft free. */
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = draftread(st, user_id, id, now, &r, err)) != JTA_OK)
		goto out;
	if (r.d.revision != revision) {
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, "revision",
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
	if ((s = stmt(st, S_DRAFT_CLAIM)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bident(s, user_id, id)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":owner", owner)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":until", now + lease_s)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":token", token)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":expires", now + JTA_STORE_DRAFT_TTL)) !=
	    SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	if ((rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "draft claim", err);
		goto out;
	}
	if ((ret = jta_db_commit(st, err)) != JTA_OK)
		goto out;
	out->prepared = r.d.preview;
	r.d.preview = NULL;
out:
	jta_db_rollback(st); /* ends the read-only paths; no-op after commit */
	jta_store_draft_clear(&r.d);
	if (ret != JTA_OK)
		jta_store_claim_clear(out);
	return ret;
}

enum jta_err
jta_store_idem_claim(struct jta_store *st, int64_t user_id, const char *key,
    const unsigned char hash[JTA_VAULT_HASHBYTES], const char *owner,
    const char *token, int64_t now, int64_t lease_s, struct jta_claim *out,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	char		 rowowner[JTA_LIMIT_LEASE_OWNER + 1];
	int64_t		 until;
	int		 rc, same = 0, done = 0, found;

	memset(out, 0, sizeof(*out));
	if ((ret = checklease(owner, token, now, lease_s, err)) != JTA_OK)
		return ret;
	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->idem_claim(pg, user_id, key, hash, owner, token,
		    now, lease_s, out, err);
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = purge(st, S_IDEM_PURGE, now, err)) != JTA_OK)
		goto out;
	/* This key's own expired row, whatever the batch above reached. */
	if ((s = stmt(st, S_IDEM_EXPIRE)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bident(s, user_id, key)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "key expire", err);
		goto out;
	}
	if ((s = stmt(st, S_IDEM_GET)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bident(s, user_id, key)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	rc = sqlite3_step(s);
	if ((found = rc == SQLITE_ROW)) {
		same = sqlite3_column_bytes(s, 0) == JTA_VAULT_HASHBYTES &&
		    jta_vault_hash_equal(sqlite3_column_blob(s, 0), hash);
		done = strcmp(jta_db_col(s, 1), "done") == 0;
		snprintf(out->token, sizeof(out->token), "%s",
		    jta_db_col(s, 2));
		snprintf(rowowner, sizeof(rowowner), "%s", jta_db_col(s, 3));
		until = sqlite3_column_int64(s, 4);
		out->attempt_at = sqlite3_column_int64(s, 5);
		out->status = sqlite3_column_int(s, 6);
		out->since = sqlite3_column_int64(s, 8);
		if (done && same && (out->result = coljson(s, 7)) == NULL)
			rc = SQLITE_NOMEM;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ret = jta_db_err(st, rc, "key get", err);
		goto out;
	}
	if (found && !same) {
		ret = jta_error_set(err, JTA_ERR_INPUT, 422, "Idempotency-Key",
		    "this Idempotency-Key was used for another request; use "
		    "a new key for a new request");
		goto out;
	}
	if (found && done) {
		out->res = JTA_CLAIM_DONE;
		goto out;
	}
	if (found && rowowner[0] != '\0' && until > now &&
	    strcmp(rowowner, owner) != 0) {
		out->res = JTA_CLAIM_BUSY;
		out->lease_left = until - now;
		goto out;
	}
	if (!found) {
		out->res = JTA_CLAIM_NEW;
		out->attempt_at = out->since = now;
		snprintf(out->token, sizeof(out->token), "%s", token);
		s = stmt(st, S_IDEM_PUT);
	} else {
		out->res = JTA_CLAIM_RESUME;
		s = stmt(st, S_IDEM_CLAIM);
	}
	if (s == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bident(s, user_id, key)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":owner", owner)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":until", now + lease_s)) != SQLITE_OK ||
	    (!found && ((rc = jta_db_bhash(s, ":hash", hash)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":token", token)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":expires", now + JTA_STORE_IDEM_TTL)) !=
	    SQLITE_OK))) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	if ((rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "key claim", err);
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	jta_db_rollback(st);
	if (ret != JTA_OK)
		jta_store_claim_clear(out);
	return ret;
}

/* Run one lease statement of kind on (user_id, id) for owner; the
 * statement must change exactly one row. */
static enum jta_err
leasestep(struct jta_store *st, enum sid id_stmt, int64_t user_id,
    const char *id, const char *owner, int64_t now, int status,
    const json_t *result, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	const json_t	*issue = json_object_get(result, "issue");
	int		 rc;

	if ((ret = jta_db_checkowner(owner, err)) != JTA_OK)
		return ret;
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, id_stmt)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	rc = bident(s, user_id, id);
	if (rc == SQLITE_OK)
		rc = jta_db_btext(s, ":owner", owner);
	if (rc == SQLITE_OK && jta_db_pidx(s, ":now") != 0)
		rc = jta_db_bint(s, ":now", now);
	if (rc == SQLITE_OK && jta_db_pidx(s, ":result") != 0)
		rc = jta_db_bjson(s, ":result", result);
	if (rc == SQLITE_OK && jta_db_pidx(s, ":status") != 0)
		rc = jta_db_bint(s, ":status", status);
	if (rc == SQLITE_OK && jta_db_pidx(s, ":expires") != 0)
		rc = jta_db_bint(s, ":expires", now + JTA_STORE_SUBMITTED_TTL);
	if (rc == SQLITE_OK && jta_db_pidx(s, ":key") != 0)
		rc = jta_db_btext(s, ":key",
		    json_string_value(json_object_get(issue, "key")));
	if (rc == SQLITE_OK && jta_db_pidx(s, ":url") != 0)
		rc = jta_db_btext(s, ":url",
		    json_string_value(json_object_get(issue, "url")));
	if (rc != SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	if ((rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "submit lease", err);
		goto out;
	}
	if (jta_db_changes(st) != 1) {
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, NULL,
		    "the submit lease was lost to another process");
		goto out;
	}
	/* synchronous=FULL (set at open): on disk before we answer. */
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_store_once_attempt(struct jta_store *st, enum jta_once_kind kind,
    int64_t user_id, const char *id, const char *owner, int64_t now,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;

	if ((ret = jta_db_checkowner(owner, err)) != JTA_OK)
		return ret;
	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->once_attempt(pg, kind, user_id, id, owner, now,
		    err);
	return leasestep(st, kind == JTA_ONCE_DRAFT ? S_DRAFT_ATTEMPT :
	    S_IDEM_ATTEMPT, user_id, id, owner, now, 0, NULL, err);
}

enum jta_err
jta_store_once_done(struct jta_store *st, enum jta_once_kind kind,
    int64_t user_id, const char *id, const char *owner, int status,
    const json_t *result, int64_t now, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;

	if (result == NULL)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "a submit finished without an answer");
	if ((ret = jta_db_checkowner(owner, err)) != JTA_OK)
		return ret;
	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->once_done(pg, kind, user_id, id, owner, status,
		    result, now, err);
	return leasestep(st, kind == JTA_ONCE_DRAFT ? S_DRAFT_DONE :
	    S_IDEM_DONE, user_id, id, owner, now, status, result, err);
}

enum jta_err
jta_store_once_release(struct jta_store *st, enum jta_once_kind kind,
    int64_t user_id, const char *id, const char *owner, int unknown,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	enum sid	 sid;

	if ((ret = jta_db_checkowner(owner, err)) != JTA_OK)
		return ret;
	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->once_release(pg, kind, user_id, id, owner, unknown,
		    err);
	if (kind == JTA_ONCE_DRAFT)
		sid = unknown ? S_DRAFT_UNKNOWN : S_DRAFT_READY;
	else
		sid = unknown ? S_IDEM_UNKNOWN : S_IDEM_DROP;
	return leasestep(st, sid, user_id, id, owner, 0, 0, NULL, err);
}

/* ---- draft attachments ---- */

/* Text that fits its column and dst, printable (no control bytes). */
static int
fits(const char *v, size_t max)
{
	size_t	 n;

	if (v == NULL || (n = strlen(v)) == 0 || n > max)
		return 0;
	for (; *v != '\0'; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return 0;
	return 1;
}

enum jta_err
jta_store_draft_file_add(struct jta_store *st, const char *draft_id,
    const struct jta_draft_file *f, int64_t max_bytes, int64_t now,
    int64_t *out_id, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int64_t		 count, total;
	int		 rc;

	*out_id = 0;
	if (!fits(draft_id, JTA_LIMIT_DRAFT_ID) ||
	    !fits(f->name, JTA_LIMIT_ATTACH_NAME) ||
	    !fits(f->type, sizeof(f->type) - 1) ||
	    !fits(f->path, sizeof(f->path) - 1) ||
	    strlen(f->sha256) != 64 || f->size < 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "name",
		    "the file's name, type or record is out of bounds");
	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->draft_file_add(pg, draft_id, f, max_bytes, now,
		    out_id, err);
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_FILE_STATS)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_btext(s, ":id", draft_id)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
		ret = jta_db_err(st, rc, "file stats", err);
		goto out;
	}
	count = sqlite3_column_int64(s, 0);
	total = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	if (count >= JTA_STORE_DRAFT_FILES) {
		ret = jta_error_set(err, JTA_ERR_INPUT, 413,
		    "openaiFileIdRefs", "%s: a draft takes at most %d files",
		    f->name, JTA_STORE_DRAFT_FILES);
		goto out;
	}
	if (f->size > max_bytes || total > max_bytes - f->size) {
		ret = jta_error_set(err, JTA_ERR_INPUT, 413,
		    "openaiFileIdRefs", "%s: the draft's files would come to "
		    "%" PRId64 " bytes, over the %" PRId64 " a draft may carry",
		    f->name, total + f->size, max_bytes);
		goto out;
	}
	if ((s = stmt(st, S_FILE_ADD)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_btext(s, ":id", draft_id)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":name", f->name)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":type", f->type)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":size", f->size)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":path", f->path)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":sha256", f->sha256)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	rc = jta_db_run(s);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, "name",
		    "%s: the draft has a file of that name already", f->name);
		goto out;
	}
	if (rc != SQLITE_OK) {
		ret = jta_db_err(st, rc, "file add", err);
		goto out;
	}
	*out_id = jta_db_last_rowid(st);
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK) {
		jta_db_rollback(st);
		*out_id = 0;
	}
	return ret;
}

/* Step s's rows (id, name, type, size, path, sha256, uploaded) into out,
 * at most max. */
static enum jta_err
filerows(struct jta_store *st, sqlite3_stmt *s, struct jta_draft_file *out,
    size_t max, size_t *n, struct jta_error *err)
{
	struct jta_draft_file *f;
	int		 rc = SQLITE_DONE;

	*n = 0;
	while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		f = &out[(*n)++];
		memset(f, 0, sizeof(*f));
		f->id = sqlite3_column_int64(s, 0);
		snprintf(f->name, sizeof(f->name), "%s", jta_db_col(s, 1));
		snprintf(f->type, sizeof(f->type), "%s", jta_db_col(s, 2));
		f->size = sqlite3_column_int64(s, 3);
		snprintf(f->path, sizeof(f->path), "%s", jta_db_col(s, 4));
		snprintf(f->sha256, sizeof(f->sha256), "%s",
		    jta_db_col(s, 5));
		f->uploaded = sqlite3_column_int(s, 6) != 0;
	}
	if (*n < max && rc != SQLITE_DONE) {
		sqlite3_reset(s);
		*n = 0;
		return jta_db_err(st, rc, "file list", err);
	}
	sqlite3_reset(s);
	return JTA_OK;
}

enum jta_err
jta_store_draft_file_list(struct jta_store *st, const char *draft_id,
    struct jta_draft_file *out, size_t max, size_t *n,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	*n = 0;
	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->draft_file_list(pg, draft_id, out, max, n, err);
	if ((s = stmt(st, S_FILE_LIST)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":id", draft_id)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":max", (int64_t)max)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	return filerows(st, s, out, max, n, err);
}

enum jta_err
jta_store_draft_file_uploaded(struct jta_store *st, const char *draft_id,
    int64_t id, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->draft_file_uploaded(pg, draft_id, id, err);
	if ((s = stmt(st, S_FILE_UPLOADED)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":id", draft_id)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":fid", id)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "file uploaded", err);
	if (jta_db_changes(st) == 0)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "the draft has no such file");
	return JTA_OK;
}

enum jta_err
jta_store_draft_file_gc(struct jta_store *st, struct jta_draft_file *out,
    size_t max, size_t *n, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	size_t		 i;
	int		 rc;

	*n = 0;
	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->draft_file_gc(pg, out, max, n, err);
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_FILE_GC_LIST)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_bint(s, ":max", (int64_t)max)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	if ((ret = filerows(st, s, out, max, n, err)) != JTA_OK)
		goto out;
	for (i = 0; i < *n; i++) {
		if ((s = stmt(st, S_FILE_GC_DEL)) == NULL) {
			ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
			goto out;
		}
		if ((rc = jta_db_bint(s, ":fid", out[i].id)) != SQLITE_OK ||
		    (rc = jta_db_run(s)) != SQLITE_OK) {
			ret = jta_db_err(st, rc, "file gc", err);
			goto out;
		}
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK) {
		jta_db_rollback(st);
		*n = 0;
	}
	return ret;
}

enum jta_err
jta_store_ticket_file_add(struct jta_store *st, const char *draft_id,
    const struct jta_draft_file *f, const char *path, const char *proj,
    int64_t num, const char *author, int64_t now, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	/* The embedded store's tickets live in the SQLite file only. */
	if (jta_db_pg(st, &pgi) != NULL)
		return jta_db_pg_missing("jta_store_ticket_file_add", err);

	if (!fits(path, sizeof(f->path) - 1) ||
	    !fits(author, JTA_LIMIT_NAME) || strlen(f->sha256) != 64)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "name",
		    "the file's record is out of bounds");
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	/* The mark first: a file marked already was put on the ticket by
	 * an earlier submit, and nothing is written twice.  No draft (a
	 * file attached to the ticket itself, attachFiles): no mark. */
	if (draft_id == NULL)
		goto add;
	if ((s = stmt(st, S_FILE_MARK)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_btext(s, ":id", draft_id)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":fid", f->id)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	if ((rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "file mark", err);
		goto out;
	}
	if (jta_db_changes(st) == 0) {
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, "id",
		    "%s is on the ticket already", f->name);
		goto out;
	}
add:
	if ((s = stmt(st, S_TFILE_ADD)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_btext(s, ":name", f->name)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":type", f->type)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":size", f->size)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":path", path)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":sha256", f->sha256)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":author", author)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":proj", proj)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":num", num)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	if ((rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "ticket file add", err);
		goto out;
	}
	if (jta_db_changes(st) == 0) {
		ret = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
		    "there is no issue with that key");
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

/* The ticket file of the row s is on (columns of S_TFILE_LIST). */
static void
tfilerow(sqlite3_stmt *s, struct jta_ticket_file *f)
{
	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(s, 0);
	snprintf(f->name, sizeof(f->name), "%s", jta_db_col(s, 1));
	snprintf(f->type, sizeof(f->type), "%s", jta_db_col(s, 2));
	f->size = sqlite3_column_int64(s, 3);
	snprintf(f->path, sizeof(f->path), "%s", jta_db_col(s, 4));
	snprintf(f->sha256, sizeof(f->sha256), "%s", jta_db_col(s, 5));
	snprintf(f->author, sizeof(f->author), "%s", jta_db_col(s, 6));
	f->created = sqlite3_column_int64(s, 7);
}

enum jta_err
jta_store_ticket_file_list(struct jta_store *st, const char *proj,
    int64_t num, struct jta_ticket_file *out, size_t max, size_t *n,
    int64_t *total, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	sqlite3_stmt	*s;
	int		 rc = SQLITE_DONE;

	*n = 0;
	*total = 0;
	if (jta_db_pg(st, &pgi) != NULL)
		return jta_db_pg_missing("jta_store_ticket_file_list", err);
	if ((s = stmt(st, S_TFILE_COUNT)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":proj", proj)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":num", num)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
		sqlite3_reset(s);
		return jta_db_err(st, rc, "ticket file count", err);
	}
	*total = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	/* Most tickets have no file: no second statement for them. */
	if (*total == 0 || max == 0)
		return JTA_OK;
	if ((s = stmt(st, S_TFILE_LIST)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":proj", proj)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":num", num)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":max", (int64_t)max)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW)
		tfilerow(s, &out[(*n)++]);
	if (*n < max && rc != SQLITE_DONE) {
		sqlite3_reset(s);
		*n = 0;
		return jta_db_err(st, rc, "ticket file list", err);
	}
	sqlite3_reset(s);
	return JTA_OK;
}

enum jta_err
jta_store_ticket_file_get(struct jta_store *st, int64_t id,
    struct jta_ticket_file *out, char *proj, size_t projsz, int64_t *num,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	sqlite3_stmt	*s;
	int		 rc;

	memset(out, 0, sizeof(*out));
	if (jta_db_pg(st, &pgi) != NULL)
		return jta_db_pg_missing("jta_store_ticket_file_get", err);
	if ((s = stmt(st, S_TFILE_GET)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":fid", id)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((rc = sqlite3_step(s)) == SQLITE_DONE) {
		sqlite3_reset(s);
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "there is no attachment with that id");
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return jta_db_err(st, rc, "ticket file get", err);
	}
	tfilerow(s, out);
	snprintf(proj, projsz, "%s", jta_db_col(s, 8));
	*num = sqlite3_column_int64(s, 9);
	sqlite3_reset(s);
	return JTA_OK;
}
