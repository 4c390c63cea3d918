/*
 * Atlassian links and the single-flight refresh lease on PostgreSQL
 * (jta_pg_links.h; the SQLite side is common/db/jta_store_people.c).
 *
 * Exactly one refresh per expiry across hosts: jta_pg_link_lease reads
 * the link row with SELECT ... FOR UPDATE (PostgreSQL manual, "Explicit
 * Locking", row-level locks), so the hosts asking at once queue on that
 * one row; the first sees the lease free and the generation it knows,
 * writes lease_owner/lease_until and commits; the others then read the
 * committed lease (BUSY) or, once the winner renewed, the new generation
 * (FRESH).  The row lock lasts only for that short transaction: it is
 * never held across the HTTP call to Atlassian.  Renew, release and
 * break are single conditional UPDATEs on lease_owner, so a host whose
 * lease was taken over (it ran out) cannot overwrite the newer tokens.
 * Tokens stay sealed by the vault with the same additional data as on
 * SQLite ("atl:<user_id>:access|refresh"), so rows moved by 'jta-admin
 * migrate' keep opening under the same keys.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "jta_db_engine.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_pg_int.h"
#include "jta_pg_links.h"
#include "jta_text.h"
#include "jta_time.h"

#define LINK_COLS "SELECT l.user_id, l.account_id, l.cloud_id, " \
	"l.site_url, l.access_ct, l.access_expires, l.refresh_ct, " \
	"l.status, l.generation, coalesce(l.lease_owner, ''), " \
	"coalesce(l.lease_until, 0), l.created, l.updated, u.display_name, " \
	"u.email FROM atlassian_links l JOIN users u ON u.id = l.user_id " \
	"WHERE l.user_id = $1::bigint"

/* A link row as read, with copies of its ciphertexts (not secret). */
struct linkrow {
	struct jta_link	 l;
	unsigned char	*access_ct, *refresh_ct;
	size_t		 access_len, refresh_len;
	char		 owner[JTA_LIMIT_LEASE_OWNER + 1];	/* "" none */
	int64_t		 lease_until;
};

static void
linkrow_clear(struct linkrow *r)
{
	PQfreemem(r->access_ct);
	PQfreemem(r->refresh_ct);
	memset(r, 0, sizeof(*r));
}

static int64_t
i64(const PGresult *r, int i, int c)
{
	return (int64_t)strtoll(PQgetvalue(r, i, c), NULL, 10);
}

/* Column c of a bytea in text form, unescaped (PQfreemem); NULL for SQL
 * NULL, and *bad set when memory runs out. */
static unsigned char *
bytea(const PGresult *r, int c, size_t *len, int *bad)
{
	unsigned char	*p;

	*len = 0;
	if (PQgetisnull(r, 0, c))
		return NULL;
	p = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, c), len);
	if (p == NULL)
		*bad = 1;
	return p;
}

/* Read user_id's link (FOR UPDATE when lock) into r; JTA_ERR_NOTFOUND
 * when there is none. */
static enum jta_err
linkread(struct jta_pg *pg, int64_t uid, int lock, struct linkrow *r,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*res = NULL;
	const char	*v[1];
	char		 t[24];
	int		 bad = 0;

	memset(r, 0, sizeof(*r));
	snprintf(t, sizeof(t), "%" PRId64, uid);
	v[0] = t;
	if ((rc = jta_pg_run(pg, lock ? LINK_COLS " FOR UPDATE OF l" :
	    LINK_COLS, 1, v, PGRES_TUPLES_OK, "link get", &res, err)) !=
	    JTA_OK)
		return rc;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "you have not linked your Atlassian account; visit "
		    "/oauth/start");
	}
	r->l.user_id = i64(res, 0, 0);
	snprintf(r->l.account_id, sizeof(r->l.account_id), "%s",
	    PQgetvalue(res, 0, 1));
	snprintf(r->l.cloud_id, sizeof(r->l.cloud_id), "%s",
	    PQgetvalue(res, 0, 2));
	snprintf(r->l.site_url, sizeof(r->l.site_url), "%s",
	    PQgetvalue(res, 0, 3));
	r->access_ct = bytea(res, 4, &r->access_len, &bad);
	r->l.access_expires = i64(res, 0, 5);
	r->refresh_ct = bytea(res, 6, &r->refresh_len, &bad);
	r->l.broken = strcmp(PQgetvalue(res, 0, 7), "ok") != 0;
	r->l.generation = i64(res, 0, 8);
	snprintf(r->owner, sizeof(r->owner), "%s", PQgetvalue(res, 0, 9));
	r->lease_until = i64(res, 0, 10);
	r->l.created = i64(res, 0, 11);
	r->l.updated = i64(res, 0, 12);
	snprintf(r->l.display_name, sizeof(r->l.display_name), "%s",
	    PQgetvalue(res, 0, 13));
	snprintf(r->l.email, sizeof(r->l.email), "%s",
	    PQgetvalue(res, 0, 14));
	r->l.has_refresh = r->refresh_ct != NULL;
	PQclear(res);
	if (bad)
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	return JTA_OK;
}

/* The first column of the one row of sql ($1 = a), as an id; 0 when no
 * row. */
static enum jta_err
oneid(struct jta_pg *pg, const char *sql, const char *a, int64_t *id,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[1];

	*id = 0;
	v[0] = a;
	if ((rc = jta_pg_run(pg, sql, 1, v, PGRES_TUPLES_OK, "link user", &r,
	    err)) != JTA_OK)
		return rc;
	if (PQntuples(r) == 1)
		*id = i64(r, 0, 0);
	PQclear(r);
	return JTA_OK;
}

/* Find the user linked to account, or the user named after it, or create
 * that user; set display name and email.  Inside the caller's
 * transaction; a host creating the same user at once is met by ON
 * CONFLICT DO NOTHING and a second read. */
static enum jta_err
linkuser(struct jta_pg *pg, const struct jta_link *in, struct jta_user *out,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[4];
	const char	*display;
	char		 name[JTA_LIMIT_NAME + 1], t[24];
	int64_t		 uid = 0, linked = 0;

	if (jta_db_atlname(in->account_id, name, sizeof(name)) != JTA_OK)
		return jta_error_set(err, JTA_ERR_CRYPTO, 500, NULL,
		    "the account could not be linked");
	display = in->display_name[0] != '\0' ? in->display_name : name;
	if ((rc = oneid(pg, "SELECT user_id FROM atlassian_links WHERE "
	    "account_id = $1", in->account_id, &uid, err)) != JTA_OK)
		return rc;
	if (uid == 0) {
		snprintf(t, sizeof(t), "%" PRId64, jta_time_now());
		v[0] = name;
		v[1] = display;
		v[2] = in->email;
		v[3] = t;
		if ((rc = jta_pg_run(pg, "INSERT INTO users (name, "
		    "display_name, email, created) VALUES ($1, $2, $3, "
		    "$4::bigint) ON CONFLICT (name) DO NOTHING", 4, v,
		    PGRES_COMMAND_OK, "user add", NULL, err)) != JTA_OK ||
		    (rc = oneid(pg, "SELECT id FROM users WHERE name = $1",
		    name, &uid, err)) != JTA_OK)
			return rc;
		snprintf(t, sizeof(t), "%" PRId64, uid);
		/* The user named after this account: reuse it unless another
		 * account's link holds it.  The same account's link may have
		 * been committed by another host since the first read: that
		 * is the same person linking twice, not a conflict. */
		v[0] = t;
		v[1] = in->account_id;
		if ((rc = jta_pg_run(pg, "SELECT user_id FROM atlassian_links "
		    "WHERE user_id = $1::bigint AND account_id <> $2", 2, v,
		    PGRES_TUPLES_OK, "link user", &r, err)) != JTA_OK)
			return rc;
		linked = PQntuples(r);
		PQclear(r);
		r = NULL;
		if (linked != 0)
			return jta_error_set(err, JTA_ERR_CONFLICT, 409, NULL,
			    "another Atlassian account is linked to the local "
			    "user for this one");
	}
	snprintf(t, sizeof(t), "%" PRId64, uid);
	v[0] = display;
	v[1] = in->email;
	v[2] = t;
	if ((rc = jta_pg_run(pg, "UPDATE users SET display_name = $1, email "
	    "= $2 WHERE id = $3::bigint", 3, v, PGRES_COMMAND_OK,
	    "user identity", NULL, err)) != JTA_OK)
		return rc;
	v[0] = t;
	if ((rc = jta_pg_run(pg, "SELECT id, name, display_name, email FROM "
	    "users WHERE id = $1::bigint", 1, v, PGRES_TUPLES_OK, "user get",
	    &r, err)) != JTA_OK)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return jta_error_set(err, JTA_ERR_DB, 500, NULL,
		    "the database failed; the server log has details");
	}
	out->id = i64(r, 0, 0);
	snprintf(out->name, sizeof(out->name), "%s", PQgetvalue(r, 0, 1));
	snprintf(out->display_name, sizeof(out->display_name), "%s",
	    PQgetvalue(r, 0, 2));
	snprintf(out->email, sizeof(out->email), "%s", PQgetvalue(r, 0, 3));
	PQclear(r);
	return JTA_OK;
}

/* End an open transaction, if any (after a failure). */
static void
rollback(struct jta_pg *pg)
{
	if (PQtransactionStatus(pg->c) != PQTRANS_IDLE)
		PQclear(PQexec(pg->c, "ROLLBACK"));
}

static enum jta_err
begin(struct jta_pg *pg, struct jta_error *err)
{
	jta_pg_revive(pg);
	return jta_pg_run(pg, "BEGIN", 0, NULL, PGRES_COMMAND_OK, "begin",
	    NULL, err);
}

static enum jta_err
commit(struct jta_pg *pg, struct jta_error *err)
{
	return jta_pg_run(pg, "COMMIT", 0, NULL, PGRES_COMMAND_OK, "commit",
	    NULL, err);
}

enum jta_err
jta_pg_link_put(struct jta_pg *pg, struct jta_vault *v,
    const struct jta_link *in, const unsigned char *access, size_t access_len,
    int64_t expires_at, const unsigned char *refresh, size_t refresh_len,
    struct jta_user *out, struct jta_error *err)
{
	enum jta_err	 rc;
	unsigned char	*act = NULL, *rct = NULL;
	size_t		 actlen = 0, rctlen = 0;
	const char	*p[8];
	int		 lens[8] = { 0 }, fmts[8] = { 0 };
	char		 uid[24], exp[24], now[24];

	if (!jta_db_printable(in->account_id, JTA_LIMIT_ACCOUNT_ID) ||
	    !jta_db_printable(in->cloud_id, JTA_LIMIT_CLOUD_ID) ||
	    !jta_db_printable(in->site_url, JTA_LIMIT_SITE_URL) ||
	    !jta_db_plaintext(in->display_name, JTA_LIMIT_DISPLAY_NAME) ||
	    !jta_db_plaintext(in->email, JTA_LIMIT_EMAIL))
		return jta_error_set(err, JTA_ERR_INPUT, 502, NULL,
		    "Atlassian answered with an account, site or identity we "
		    "cannot store");
	if ((rc = jta_db_checktoken(access, access_len, 0, err)) != JTA_OK ||
	    (rc = jta_db_checktoken(refresh, refresh_len, 1, err)) != JTA_OK)
		return rc;
	if ((rc = begin(pg, err)) != JTA_OK)
		return rc;
	if ((rc = linkuser(pg, in, out, err)) != JTA_OK)
		goto out;
	if ((rc = jta_db_token_seal(v, out->id, "access", access,
	    access_len, &act, &actlen, err)) != JTA_OK ||
	    (refresh != NULL && (rc = jta_db_token_seal(v, out->id, "refresh",
	    refresh, refresh_len, &rct, &rctlen, err)) != JTA_OK))
		goto out;
	snprintf(uid, sizeof(uid), "%" PRId64, out->id);
	snprintf(exp, sizeof(exp), "%" PRId64, expires_at);
	snprintf(now, sizeof(now), "%" PRId64, jta_time_now());
	p[0] = uid;
	p[1] = in->account_id;
	p[2] = in->cloud_id;
	p[3] = in->site_url;
	p[4] = (const char *)act;
	lens[4] = (int)actlen;
	fmts[4] = 1;
	p[5] = exp;
	p[6] = (const char *)rct;
	lens[6] = (int)rctlen;
	fmts[6] = 1;
	p[7] = now;
	if ((rc = jta_pg_runv(pg, "INSERT INTO atlassian_links (user_id, "
	    "account_id, cloud_id, site_url, access_ct, access_expires, "
	    "refresh_ct, status, generation, created, updated) VALUES "
	    "($1::bigint, $2, $3, $4, $5::bytea, $6::bigint, $7::bytea, 'ok', "
	    "1, $8::bigint, $8::bigint) ON CONFLICT (user_id) DO UPDATE SET "
	    "account_id = excluded.account_id, cloud_id = excluded.cloud_id, "
	    "site_url = excluded.site_url, access_ct = excluded.access_ct, "
	    "access_expires = excluded.access_expires, refresh_ct = "
	    "excluded.refresh_ct, status = 'ok', generation = "
	    "atlassian_links.generation + 1, lease_owner = NULL, lease_until "
	    "= NULL, updated = excluded.updated", 8, p, lens, fmts,
	    PGRES_COMMAND_OK, "link put", NULL, err)) != JTA_OK)
		goto out;
	rc = commit(pg, err);
out:
	rollback(pg);
	free(act);
	free(rct);
	return rc;
}

enum jta_err
jta_pg_link_get(struct jta_pg *pg, struct jta_vault *v, int64_t user_id,
    struct jta_link *out, struct jta_secret **access, struct jta_error *err)
{
	enum jta_err	 rc;
	struct linkrow	 r;

	*access = NULL;
	memset(out, 0, sizeof(*out));
	jta_pg_revive(pg);
	if ((rc = linkread(pg, user_id, 0, &r, err)) != JTA_OK &&
	    PQstatus(pg->c) != CONNECTION_OK) {
		jta_pg_revive(pg);
		rc = linkread(pg, user_id, 0, &r, err);
	}
	if (rc != JTA_OK)
		goto out;
	*out = r.l;
	if (!r.l.broken)
		rc = jta_db_token_open(v, user_id, "access", r.access_ct,
		    r.access_len, access, err);
out:
	linkrow_clear(&r);
	return rc;
}

enum jta_err
jta_pg_link_lease(struct jta_pg *pg, struct jta_vault *v, int64_t user_id,
    const char *owner, int64_t now, int64_t lease_s,
    int64_t known_generation, enum jta_lease_result *res,
    struct jta_secret **token, struct jta_link *out, struct jta_error *err)
{
	enum jta_err	 rc;
	struct linkrow	 r;
	PGresult	*u = NULL;
	const char	*p[4];
	char		 until[24], uid[24], gen[24];

	*token = NULL;
	*res = JTA_LEASE_BUSY;
	memset(&r, 0, sizeof(r));
	memset(out, 0, sizeof(*out));
	if ((rc = jta_db_checkowner(owner, err)) != JTA_OK)
		return rc;
	if (lease_s <= 0 || now <= 0 || now > INT64_MAX - lease_s)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the refresh lease time is out of range");
	if ((rc = begin(pg, err)) != JTA_OK)
		return rc;
	/* The row lock: every host asking for this link queues here until
	 * the one before it commits, and then reads what it committed. */
	if ((rc = linkread(pg, user_id, 1, &r, err)) != JTA_OK)
		goto out;
	*out = r.l;
	if (r.l.broken || r.refresh_ct == NULL) {
		*res = JTA_LEASE_BROKEN;
		goto out;
	}
	if (r.l.generation != known_generation) {
		*res = JTA_LEASE_FRESH;
		rc = jta_db_token_open(v, user_id, "access", r.access_ct,
		    r.access_len, token, err);
		goto out;
	}
	if (r.owner[0] != '\0' && r.lease_until > now &&
	    strcmp(r.owner, owner) != 0) {
		*res = JTA_LEASE_BUSY;
		goto out;
	}
	/* Open the refresh token before claiming: one that does not open
	 * claims nothing. */
	if ((rc = jta_db_token_open(v, user_id, "refresh", r.refresh_ct,
	    r.refresh_len, token, err)) != JTA_OK)
		goto out;
	snprintf(until, sizeof(until), "%" PRId64, now + lease_s);
	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	snprintf(gen, sizeof(gen), "%" PRId64, r.l.generation);
	p[0] = owner;
	p[1] = until;
	p[2] = uid;
	p[3] = gen;
	if ((rc = jta_pg_run(pg, "UPDATE atlassian_links SET lease_owner = "
	    "$1, lease_until = $2::bigint WHERE user_id = $3::bigint AND "
	    "generation = $4::bigint", 4, p, PGRES_COMMAND_OK, "link lease",
	    &u, err)) != JTA_OK)
		goto out;
	if (strcmp(PQcmdTuples(u), "1") != 0) {
		rc = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the refresh lease could not be taken");
		goto out;
	}
	/* Committed before we return: the lock ends here, before the
	 * caller's HTTP call. */
	if ((rc = commit(pg, err)) != JTA_OK)
		goto out;
	*res = JTA_LEASE_CLAIMED;
out:
	PQclear(u);
	rollback(pg);
	if (rc != JTA_OK) {
		jta_secret_free(*token);
		*token = NULL;
	}
	linkrow_clear(&r);
	return rc;
}

enum jta_err
jta_pg_link_renew(struct jta_pg *pg, struct jta_vault *v, int64_t user_id,
    const char *owner, const unsigned char *access, size_t access_len,
    int64_t expires_at, const unsigned char *refresh, size_t refresh_len,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*u = NULL;
	unsigned char	*act = NULL, *rct = NULL;
	size_t		 actlen = 0, rctlen = 0;
	const char	*p[6];
	int		 lens[6] = { 0 }, fmts[6] = { 0 };
	char		 exp[24], now[24], uid[24];

	if ((rc = jta_db_checkowner(owner, err)) != JTA_OK ||
	    (rc = jta_db_checktoken(access, access_len, 0, err)) != JTA_OK ||
	    (rc = jta_db_checktoken(refresh, refresh_len, 1, err)) != JTA_OK)
		return rc;
	if ((rc = jta_db_token_seal(v, user_id, "access", access,
	    access_len, &act, &actlen, err)) != JTA_OK ||
	    (refresh != NULL && (rc = jta_db_token_seal(v, user_id, "refresh",
	    refresh, refresh_len, &rct, &rctlen, err)) != JTA_OK))
		goto out;
	snprintf(exp, sizeof(exp), "%" PRId64, expires_at);
	snprintf(now, sizeof(now), "%" PRId64, jta_time_now());
	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	p[0] = (const char *)act;
	lens[0] = (int)actlen;
	fmts[0] = 1;
	p[1] = exp;
	p[2] = (const char *)rct;
	lens[2] = (int)rctlen;
	fmts[2] = 1;
	p[3] = now;
	p[4] = uid;
	p[5] = owner;
	jta_pg_revive(pg);
	/* One statement, its own transaction: only while the lease is
	 * still owner's. */
	if ((rc = jta_pg_runv(pg, "UPDATE atlassian_links SET access_ct = "
	    "$1::bytea, access_expires = $2::bigint, refresh_ct = "
	    "coalesce($3::bytea, refresh_ct), generation = generation + 1, "
	    "lease_owner = NULL, lease_until = NULL, updated = $4::bigint "
	    "WHERE user_id = $5::bigint AND lease_owner = $6 AND status = "
	    "'ok'", 6, p, lens, fmts, PGRES_COMMAND_OK, "link renew", &u,
	    err)) != JTA_OK)
		goto out;
	if (strcmp(PQcmdTuples(u), "1") != 0)
		rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, NULL,
		    "the refresh lease was lost; the new tokens were "
		    "discarded");
out:
	PQclear(u);
	free(act);
	free(rct);
	return rc;
}

/* Release (brk 0) or break (brk 1) owner's lease: one conditional
 * UPDATE. */
static enum jta_err
leaseend(struct jta_pg *pg, int brk, int64_t user_id, const char *owner,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*u = NULL;
	const char	*p[3];
	char		 uid[24], now[24];

	if ((rc = jta_db_checkowner(owner, err)) != JTA_OK)
		return rc;
	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	snprintf(now, sizeof(now), "%" PRId64, jta_time_now());
	p[0] = uid;
	p[1] = owner;
	p[2] = now;
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, brk ? "UPDATE atlassian_links SET status = "
	    "'broken', access_ct = NULL, refresh_ct = NULL, generation = "
	    "generation + 1, lease_owner = NULL, lease_until = NULL, updated "
	    "= $3::bigint WHERE user_id = $1::bigint AND lease_owner = $2" :
	    "UPDATE atlassian_links SET lease_owner = NULL, lease_until = "
	    "NULL WHERE user_id = $1::bigint AND lease_owner = $2",
	    brk ? 3 : 2, p, PGRES_COMMAND_OK, "link lease end", &u, err)) !=
	    JTA_OK)
		return rc;
	if (strcmp(PQcmdTuples(u), "1") != 0)
		rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, NULL,
		    "the refresh lease is not held by this process");
	PQclear(u);
	return rc;
}

enum jta_err
jta_pg_link_release(struct jta_pg *pg, int64_t user_id, const char *owner,
    struct jta_error *err)
{
	return leaseend(pg, 0, user_id, owner, err);
}

enum jta_err
jta_pg_link_break(struct jta_pg *pg, int64_t user_id, const char *owner,
    struct jta_error *err)
{
	return leaseend(pg, 1, user_id, owner, err);
}
