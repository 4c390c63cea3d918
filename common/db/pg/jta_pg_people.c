/*
 * People, API keys, passwords and the operators' side of the Atlassian
 * links on PostgreSQL (jta_pg_people.h; the SQLite side is
 * common/db/jta_store_people.c).
 *
 * Across hosts:
 * - An API key is checked on every request: jta_pg_key_auth is one
 *   round trip (the key row joined with its user), its hash compared in
 *   constant time here, as on SQLite.
 * - Keys have no per-person cap, so nothing is counted: a key is one
 *   INSERT whose public id is UNIQUE; two hosts creating keys at once
 *   never wait on each other, and an id drawn twice (2^-72) is a
 *   conflict, not a second row.  A revocation is one conditional UPDATE
 *   (revoked IS NULL): of two hosts revoking the same key, one revokes
 *   and the other is told there is no active key.
 * - A password change and an unlink run in the caller's transaction
 *   with the revocation of the person's grants (jta_store_people.c):
 *   the UPDATE or DELETE holds the row's lock until the commit.
 * - Re-sealing (jta-admin key-rotate) reads without locks and writes
 *   each row back with UPDATE ... WHERE generation = the one read.  At
 *   READ COMMITTED an UPDATE that meets a row another host is renewing
 *   waits for that host's commit and then re-checks its WHERE against
 *   the new row (PostgreSQL manual, "Transaction Isolation", Read
 *   Committed): the renewed generation no longer matches, so newer
 *   tokens are never overwritten with older ones, and the row counts as
 *   remaining for the next pass.  Two hosts re-sealing at once write
 *   equal plaintexts under the same key: the later write is harmless.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_db_engine.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_pg_int.h"
#include "jta_pg_people.h"
#include "jta_time.h"

static int64_t
i64(const PGresult *r, int i, int c)
{
	return (int64_t)strtoll(PQgetvalue(r, i, c), NULL, 10);
}

/* Columns c..c+3 of row i (id, name, display_name, email) into u. */
static void
userrow(const PGresult *r, int i, int c, struct jta_user *u)
{
	u->id = i64(r, i, c);
	snprintf(u->name, sizeof(u->name), "%s", PQgetvalue(r, i, c + 1));
	snprintf(u->display_name, sizeof(u->display_name), "%s",
	    PQgetvalue(r, i, c + 2));
	snprintf(u->email, sizeof(u->email), "%s", PQgetvalue(r, i, c + 3));
}

/*
 * A read: run sql, and when the connection turns out to have been lost
 * (the server restarted) and no transaction was open, once more on a
 * new one.  Inside the caller's transaction it is never retried: a new
 * connection would run it outside that transaction.
 */
static enum jta_err
readq(struct jta_pg *pg, const char *sql, int n, const char *const *v,
    const char *what, PGresult **r, struct jta_error *err)
{
	enum jta_err	 rc;
	int		 idle;

	jta_pg_revive(pg);
	idle = PQtransactionStatus(pg->c) == PQTRANS_IDLE;
	rc = jta_pg_run(pg, sql, n, v, PGRES_TUPLES_OK, what, r, err);
	if (rc != JTA_OK && idle && PQstatus(pg->c) != CONNECTION_OK) {
		jta_pg_revive(pg);
		rc = jta_pg_run(pg, sql, n, v, PGRES_TUPLES_OK, what, r, err);
	}
	return rc;
}

static enum jta_err
nomem(struct jta_error *err)
{
	return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL, "out of memory");
}

/* ---- users and API keys ---- */

enum jta_err
jta_pg_user_get(struct jta_pg *pg, const char *name, struct jta_user *out,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[1] = { name };

	if ((rc = readq(pg, "SELECT id, name, display_name, email FROM users "
	    "WHERE name = $1", 1, v, "user get", &r, err)) != JTA_OK)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "user",
		    "there is no user by that name");
	}
	userrow(r, 0, 0, out);
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_user_list(struct jta_pg *pg, json_t **out)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	json_t		*arr = NULL, *o;
	int		 i, n;

	*out = NULL;
	if ((rc = readq(pg, "SELECT name, display_name, email, created FROM "
	    "users ORDER BY name", 0, NULL, "user list", &r, NULL)) != JTA_OK)
		return rc;
	n = PQntuples(r);
	if ((arr = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		o = json_pack("{s:s, s:s, s:s, s:o}", "name",
		    PQgetvalue(r, i, 0), "display_name", PQgetvalue(r, i, 1),
		    "email", PQgetvalue(r, i, 2), "created",
		    jta_db_timejs(i64(r, i, 3)));
		if (o == NULL || json_array_append_new(arr, o) != 0)
			goto nomem;
	}
	PQclear(r);
	*out = arr;
	return JTA_OK;
nomem:
	PQclear(r);
	json_decref(arr);
	return JTA_ERR_NOMEM;
}

enum jta_err
jta_pg_key_add(struct jta_pg *pg, int64_t user_id, const char *keyid,
    const unsigned char *hash, const char *label, struct jta_error *err)
{
	enum jta_err	 rc;
	const char	*p[5];
	int		 lens[5] = { 0 }, fmts[5] = { 0 };
	char		 uid[24], now[24];

	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	snprintf(now, sizeof(now), "%" PRId64, jta_time_now());
	p[0] = keyid;
	p[1] = uid;
	p[2] = (const char *)hash;
	lens[2] = JTA_VAULT_HASHBYTES;
	fmts[2] = 1;
	p[3] = label != NULL ? label : "";
	p[4] = now;
	jta_pg_revive(pg);
	if ((rc = jta_pg_runv(pg, "INSERT INTO api_keys (keyid, user_id, "
	    "hash, label, created) VALUES ($1, $2::bigint, $3::bytea, $4, "
	    "$5::bigint)", 5, p, lens, fmts, PGRES_COMMAND_OK, "key add", NULL,
	    err)) != JTA_OK && strcmp(pg->state, "23505") == 0)
		rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, "id",
		    "a key with that id exists already");
	return rc;
}

enum jta_err
jta_pg_key_auth(struct jta_pg *pg, const char *keyid,
    const unsigned char *hash, struct jta_user *out)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	unsigned char	*stored;
	size_t		 len = 0;
	const char	*v[1] = { keyid };

	/* The hot path: one round trip. */
	if ((rc = readq(pg, "SELECT k.hash, u.id, u.name, u.display_name, "
	    "u.email FROM api_keys k JOIN users u ON u.id = k.user_id WHERE "
	    "k.keyid = $1 AND k.revoked IS NULL", 1, v, "key auth", &r,
	    NULL)) != JTA_OK)
		return rc;
	rc = JTA_ERR_AUTH;
	if (PQntuples(r) == 1) {
		stored = PQunescapeBytea((const unsigned char *)
		    PQgetvalue(r, 0, 0), &len);
		if (stored == NULL)
			rc = JTA_ERR_NOMEM;
		else if (len == JTA_VAULT_HASHBYTES &&
		    jta_vault_hash_equal(stored, hash)) {
			userrow(r, 0, 1, out);
			rc = JTA_OK;
		}
		PQfreemem(stored);
	}
	PQclear(r);
	return rc;
}

enum jta_err
jta_pg_key_list(struct jta_pg *pg, const char *user, json_t **out,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	json_t		*arr = NULL, *o;
	const char	*v[1] = { user };
	int		 i, n;

	*out = NULL;
	if ((rc = readq(pg, "SELECT k.keyid, u.name, k.label, k.created, "
	    "k.revoked FROM api_keys k JOIN users u ON u.id = k.user_id WHERE "
	    "$1::text IS NULL OR u.name = $1 ORDER BY k.id", 1, v, "key list",
	    &r, err)) != JTA_OK)
		return rc;
	n = PQntuples(r);
	if ((arr = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		o = json_pack("{s:s, s:s, s:s, s:o, s:o}", "id",
		    PQgetvalue(r, i, 0), "user", PQgetvalue(r, i, 1), "label",
		    PQgetvalue(r, i, 2), "created",
		    jta_db_timejs(i64(r, i, 3)), "revoked",
		    PQgetisnull(r, i, 4) ? json_null() :
		    jta_db_timejs(i64(r, i, 4)));
		if (o == NULL || json_array_append_new(arr, o) != 0)
			goto nomem;
	}
	PQclear(r);
	*out = arr;
	return JTA_OK;
nomem:
	PQclear(r);
	json_decref(arr);
	return nomem(err);
}

enum jta_err
jta_pg_key_revoke(struct jta_pg *pg, const char *keyid,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[2];
	char		 now[24];
	int		 changed;

	snprintf(now, sizeof(now), "%" PRId64, jta_time_now());
	v[0] = keyid;
	v[1] = now;
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "UPDATE api_keys SET revoked = $2::bigint "
	    "WHERE keyid = $1 AND revoked IS NULL", 2, v, PGRES_COMMAND_OK,
	    "key revoke", &r, err)) != JTA_OK)
		return rc;
	changed = strcmp(PQcmdTuples(r), "0") != 0;
	PQclear(r);
	if (!changed)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "there is no active key with that id");
	return JTA_OK;
}

enum jta_err
jta_pg_pw_set(struct jta_pg *pg, const char *name, const char *pw_hash,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[2];
	int		 changed;

	v[0] = pw_hash;		/* NULL clears it */
	v[1] = name;
	if ((rc = jta_pg_run(pg, "UPDATE users SET pw_hash = $1 WHERE name = "
	    "$2", 2, v, PGRES_COMMAND_OK, "password set", &r, err)) != JTA_OK)
		return rc;
	changed = strcmp(PQcmdTuples(r), "0") != 0;
	PQclear(r);
	if (!changed)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "user",
		    "there is no user by that name");
	return JTA_OK;
}

enum jta_err
jta_pg_pw_get(struct jta_pg *pg, const char *name, struct jta_user *out,
    char *pw_hash, size_t pwsz, struct jta_error *err)
{
	enum jta_err	 rc = JTA_OK;
	PGresult	*r = NULL;
	const char	*v[1] = { name };

	pw_hash[0] = '\0';
	if ((rc = readq(pg, "SELECT id, name, display_name, email, pw_hash "
	    "FROM users WHERE name = $1", 1, v, "password get", &r, err)) !=
	    JTA_OK)
		return rc;
	if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 4) &&
	    (size_t)PQgetlength(r, 0, 4) < pwsz) {
		userrow(r, 0, 0, out);
		snprintf(pw_hash, pwsz, "%s", PQgetvalue(r, 0, 4));
	} else
		rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "user",
		    "there is no user by that name with a password");
	PQclear(r);
	return rc;
}

/* ---- the operators' side of the links ---- */

enum jta_err
jta_pg_link_identity(struct jta_pg *pg, int64_t user_id,
    struct jta_link *out, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[1];
	char		 uid[24];

	memset(out, 0, sizeof(*out));
	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	v[0] = uid;
	/* No ciphertext is read: nothing here needs the tokens. */
	if ((rc = readq(pg, "SELECT l.user_id, l.account_id, l.cloud_id, "
	    "l.site_url, l.access_expires, l.status, l.generation, "
	    "l.refresh_ct IS NOT NULL, l.created, l.updated, u.display_name, "
	    "u.email FROM atlassian_links l JOIN users u ON u.id = l.user_id "
	    "WHERE l.user_id = $1::bigint", 1, v, "link identity", &r, err)) !=
	    JTA_OK)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "this account is not linked to Atlassian; link it first");
	}
	out->user_id = i64(r, 0, 0);
	snprintf(out->account_id, sizeof(out->account_id), "%s",
	    PQgetvalue(r, 0, 1));
	snprintf(out->cloud_id, sizeof(out->cloud_id), "%s",
	    PQgetvalue(r, 0, 2));
	snprintf(out->site_url, sizeof(out->site_url), "%s",
	    PQgetvalue(r, 0, 3));
	out->access_expires = i64(r, 0, 4);
	out->broken = strcmp(PQgetvalue(r, 0, 5), "ok") != 0;
	out->generation = i64(r, 0, 6);
	out->has_refresh = strcmp(PQgetvalue(r, 0, 7), "t") == 0;
	out->created = i64(r, 0, 8);
	out->updated = i64(r, 0, 9);
	snprintf(out->display_name, sizeof(out->display_name), "%s",
	    PQgetvalue(r, 0, 10));
	snprintf(out->email, sizeof(out->email), "%s", PQgetvalue(r, 0, 11));
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_link_list(struct jta_pg *pg, json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	json_t		*arr = NULL, *o;
	const char	*status;
	int		 i, n, linked;

	*out = NULL;
	if ((rc = readq(pg, "SELECT u.id, u.name, u.display_name, u.email, "
	    "l.account_id, l.site_url, l.status, l.updated, l.access_expires, "
	    "l.refresh_ct IS NOT NULL FROM users u LEFT JOIN atlassian_links "
	    "l ON l.user_id = u.id ORDER BY u.name", 0, NULL, "link list", &r,
	    err)) != JTA_OK)
		return rc;
	n = PQntuples(r);
	if ((arr = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		linked = !PQgetisnull(r, i, 4);
		status = !linked ? "none" :
		    strcmp(PQgetvalue(r, i, 6), "ok") == 0 ? "linked" :
		    "broken";
		if ((o = json_object()) == NULL ||
		    json_array_append_new(arr, o) != 0 ||
		    jta_db_oset(o, "name",
		    json_string(PQgetvalue(r, i, 1))) != 0 ||
		    jta_db_oset(o, "display_name",
		    json_string(PQgetvalue(r, i, 2))) != 0 ||
		    jta_db_oset(o, "email",
		    json_string(PQgetvalue(r, i, 3))) != 0 ||
		    jta_db_oset(o, "account_id",
		    json_string(PQgetvalue(r, i, 4))) != 0 ||
		    jta_db_oset(o, "site",
		    json_string(PQgetvalue(r, i, 5))) != 0 ||
		    jta_db_oset(o, "link", json_string(status)) != 0 ||
		    jta_db_oset(o, "updated", linked ?
		    jta_db_timejs(i64(r, i, 7)) : json_null()) != 0 ||
		    jta_db_oset(o, "access_expires",
		    linked && i64(r, i, 8) > 0 ?
		    jta_db_timejs(i64(r, i, 8)) : json_null()) != 0 ||
		    jta_db_oset(o, "has_refresh", json_boolean(linked &&
		    strcmp(PQgetvalue(r, i, 9), "t") == 0)) != 0)
			goto nomem;
	}
	PQclear(r);
	*out = arr;
	return JTA_OK;
nomem:
	PQclear(r);
	json_decref(arr);
	return jta_error_set(err, JTA_ERR_NOMEM, 503, NULL, "out of memory");
}

enum jta_err
jta_pg_link_delete(struct jta_pg *pg, int64_t user_id,
    struct jta_error *err)
{
	const char	*v[1];
	char		 uid[24];

	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	v[0] = uid;
	return jta_pg_run(pg, "DELETE FROM atlassian_links WHERE user_id = "
	    "$1::bigint", 1, v, PGRES_COMMAND_OK, "link remove", NULL, err);
}

/* ---- re-sealing under a new key ---- */

struct reseal {
	int64_t		 uid, gen;
	unsigned char	*act, *rct;
	size_t		 actlen, rctlen;
	int		 ok;	/* re-sealed in memory */
};

static void
reseal_clear(struct reseal *rows, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(rows[i].act);
		free(rows[i].rct);
		memset(&rows[i], 0, sizeof(rows[i]));
	}
}

/* Read up to batch rows after *after with a token not under kid, and
 * re-seal them in memory into rows (*n of them). */
static enum jta_err
reseal_read(struct jta_pg *pg, struct jta_vault *v,
    const unsigned char kid[4], size_t batch, int64_t *after,
    struct reseal *rows, size_t *n, size_t *remaining,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	unsigned char	*a, *f;
	size_t		 alen, flen;
	const char	*p[3];
	int		 lens[3] = { 0, 4, 0 }, fmts[3] = { 0, 1, 0 };
	int		 i, rows_n;
	char		 aft[24], lim[24];

	*n = 0;
	snprintf(aft, sizeof(aft), "%" PRId64, *after);
	snprintf(lim, sizeof(lim), "%zu", batch);
	p[0] = aft;
	p[1] = (const char *)kid;
	p[2] = lim;
	/* Bytes 2..5 of a sealed token are its KID (jta_vault.h);
	 * substring counts from 1, like SQLite's substr. */
	if ((rc = jta_pg_runv(pg, "SELECT user_id, generation, access_ct, "
	    "refresh_ct FROM atlassian_links WHERE status = 'ok' AND "
	    "user_id > $1::bigint AND (substring(access_ct from 2 for 4) IS "
	    "DISTINCT FROM $2::bytea OR (refresh_ct IS NOT NULL AND "
	    "substring(refresh_ct from 2 for 4) IS DISTINCT FROM $2::bytea)) "
	    "ORDER BY user_id LIMIT $3::bigint", 3, p, lens, fmts,
	    PGRES_TUPLES_OK, "link stale", &r, err)) != JTA_OK)
		return rc;
	rows_n = PQntuples(r);
	for (i = 0; i < rows_n && (size_t)i < batch; i++) {
		struct reseal *row = &rows[(*n)++];

		row->uid = *after = i64(r, i, 0);
		row->gen = i64(r, i, 1);
		a = f = NULL;
		alen = flen = 0;
		if (!PQgetisnull(r, i, 2))
			a = PQunescapeBytea((const unsigned char *)
			    PQgetvalue(r, i, 2), &alen);
		if (!PQgetisnull(r, i, 3))
			f = PQunescapeBytea((const unsigned char *)
			    PQgetvalue(r, i, 3), &flen);
		row->ok = a != NULL &&
		    (f != NULL || PQgetisnull(r, i, 3)) &&
		    jta_db_token_reseal(v, row->uid, "access", a, alen,
		    &row->act, &row->actlen) == JTA_OK &&
		    jta_db_token_reseal(v, row->uid, "refresh", f, flen,
		    &row->rct, &row->rctlen) == JTA_OK && row->act != NULL;
		PQfreemem(a);
		PQfreemem(f);
		if (!row->ok)
			(*remaining)++;
	}
	PQclear(r);
	return JTA_OK;
}

/* Write rows back in one transaction, each only if its generation is
 * still the one read (the compare-and-set the file's comment names). */
static enum jta_err
reseal_write(struct jta_pg *pg, struct reseal *rows, size_t n,
    size_t *resealed, size_t *remaining, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*u = NULL;
	const char	*p[4];
	int		 lens[4] = { 0 }, fmts[4] = { 1, 1, 0, 0 };
	char		 uid[24], gen[24];
	size_t		 i, done = 0, lost = 0;

	if ((rc = jta_pg_begin(pg, err)) != JTA_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if (!rows[i].ok)
			continue;
		snprintf(uid, sizeof(uid), "%" PRId64, rows[i].uid);
		snprintf(gen, sizeof(gen), "%" PRId64, rows[i].gen);
		p[0] = (const char *)rows[i].act;
		lens[0] = (int)rows[i].actlen;
		p[1] = (const char *)rows[i].rct;
		lens[1] = (int)rows[i].rctlen;
		p[2] = uid;
		p[3] = gen;
		if ((rc = jta_pg_runv(pg, "UPDATE atlassian_links SET "
		    "access_ct = $1::bytea, refresh_ct = $2::bytea WHERE "
		    "user_id = $3::bigint AND generation = $4::bigint AND "
		    "status = 'ok'", 4, p, lens, fmts, PGRES_COMMAND_OK,
		    "link reseal", &u, err)) != JTA_OK) {
			jta_pg_rollback(pg);
			return rc;
		}
		if (strcmp(PQcmdTuples(u), "1") == 0)
			done++;
		else
			lost++;
		PQclear(u);
		u = NULL;
	}
	if ((rc = jta_pg_commit(pg, err)) != JTA_OK)
		return rc;
	*resealed += done;
	*remaining += lost;
	return JTA_OK;
}

enum jta_err
jta_pg_link_reseal(struct jta_pg *pg, struct jta_vault *v, size_t batch,
    size_t *resealed, size_t *remaining, struct jta_error *err)
{
	enum jta_err	 rc;
	struct reseal	*rows;
	unsigned char	 kid[4];
	int64_t		 after = 0;
	size_t		 n;

	*resealed = 0;
	*remaining = 0;
	if (batch == 0 || batch > JTA_LIMIT_RESEAL_BATCH)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the re-seal batch must be 1 to %d rows",
		    JTA_LIMIT_RESEAL_BATCH);
	if ((rc = jta_db_seal_kid(v, kid, err)) != JTA_OK)
		return rc;
	if ((rows = calloc(batch, sizeof(*rows))) == NULL)
		return nomem(err);
	jta_pg_revive(pg);
	for (;;) {
		if ((rc = reseal_read(pg, v, kid, batch, &after, rows, &n,
		    remaining, err)) != JTA_OK || n == 0)
			break;
		rc = reseal_write(pg, rows, n, resealed, remaining, err);
		reseal_clear(rows, n);
		if (rc != JTA_OK || n < batch)
			break;
	}
	reseal_clear(rows, batch);
	free(rows);
	return rc;
}
