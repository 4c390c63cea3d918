/*
 * Our OAuth server's authorization codes on PostgreSQL
 * (jta_store_authz.h; the SQLite side is common/db/jta_store_authz.c).
 *
 * Across hosts: a code is redeemed once.  jta_pg_code_take, inside the
 * caller's transaction, marks the code with
 *
 *	UPDATE oauth_codes SET used = true WHERE hash = $1 AND NOT used
 *	RETURNING ...
 *
 * The UPDATE takes the row's lock (PostgreSQL manual, "Explicit
 * Locking", row-level locks): a second host redeeming the same code at
 * once waits for the first one's transaction, then, at READ COMMITTED,
 * re-checks NOT used on the committed row ("Transaction Isolation",
 * Read Committed: the WHERE clause is re-evaluated on the updated
 * version) and updates nothing.  It then reads the row and reports it
 * used (the caller revokes what the code issued: RFC 6749 section
 * 4.1.2).  If the first one rolls back (it refused the redemption
 * without spending the code), the second one takes it.  No state sits
 * between the two statements that a third host could change but to
 * used.  code_take_8_hosts_at_once (check_store_pg.c) fails without it.
 *
 * A code put is one statement (the purge, the insert and the client's
 * last use as data-modifying WITH queries), so it is atomic without a
 * transaction of its own.
 *
 * Token families: a refresh (jta_authz_refresh: get, the grace rule's
 * "was this the one replaced last", replace or drop the live one, a new
 * pair, in one transaction) must see its family as no other host is
 * changing it, as SQLite's BEGIN IMMEDIATE gives on one host.
 * jta_pg_token_get reads the token's family, takes the family's
 * transaction-level advisory lock (pg_advisory_xact_lock(FAMILY_LOCK,
 * hashtext(family)): PostgreSQL manual, "Advisory Locks"), then reads
 * the token again in a new statement, so after waiting it sees what the
 * host before it committed.  Every later step of that transaction runs
 * under the lock, released at commit or rollback.  A row lock on the one
 * token would not do: the grace rule reads and revokes the family's
 * other rows.  token_rotate_8_hosts_at_once (check_store_pg.c) fails
 * without the lock.
 *
 * The sign-in lockout counts failures across hosts: a failure is one
 * transaction (purge, trim to max_rows, count) under one advisory lock
 * (LOCKOUT_LOCK), so hosts count one after the other as on SQLite and
 * the trim never removes more rows than the cap asks.  Failed sign-ins
 * are rare; the lock costs nothing on the way of a good one.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_pg_authz.h"
#include "jta_pg_int.h"
#include "jta_types.h"
#include "jta_vault.h"

/* The first key of the token families' advisory locks (the second is
 * hashtext(family)): a name of ours, "jtaf". */
#define FAMILY_LOCK	"1786012006"
/* The sign-in lockout's advisory lock: "jtal". */
#define LOCKOUT_LOCK	"1786012012"

/* Column c of row 0 into buf (sz bytes, truncated like SQLite's side). */
static void
col(const PGresult *r, int c, char *buf, size_t sz)
{
	snprintf(buf, sz, "%s", PQgetisnull(r, 0, c) ? "" :
	    PQgetvalue(r, 0, c));
}

enum jta_err
jta_pg_code_put(struct jta_pg *pg, const unsigned char *hash,
    const struct jta_store_code *c, int64_t now, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[9];
	int		 lens[9] = { 0 }, fmts[9] = { 0 };
	char		 uid[24], exp[24], t[24];

	snprintf(uid, sizeof(uid), "%" PRId64, c->user_id);
	snprintf(exp, sizeof(exp), "%" PRId64, c->expires);
	snprintf(t, sizeof(t), "%" PRId64, now);
	v[0] = (const char *)hash;
	lens[0] = JTA_VAULT_HASHBYTES;
	fmts[0] = 1;
	v[1] = c->client_id;
	v[2] = uid;
	v[3] = c->redirect_uri;
	v[4] = c->challenge;
	v[5] = c->scope;
	v[6] = exp;
	v[7] = c->audience != NULL ? c->audience : "api";
	v[8] = t;
	jta_pg_revive(pg);
	if ((rc = jta_pg_runv(pg, "WITH purged AS (DELETE FROM oauth_codes "
	    "WHERE expires < $9::bigint - 86400), touched AS (UPDATE "
	    "oauth_clients SET last_used = $9::bigint WHERE client_id = $2 "
	    "AND last_used <= $9::bigint - 3600) INSERT INTO oauth_codes "
	    "(hash, client_id, user_id, redirect_uri, code_challenge, scope, "
	    "expires, audience) VALUES ($1, $2, $3::bigint, $4, $5, $6, "
	    "$7::bigint, $8)", 9, v, lens, fmts, PGRES_COMMAND_OK, "code put",
	    &r, err)) != JTA_OK)
		return rc;
	PQclear(r);
	return JTA_OK;
}

/* The columns both statements of a take return, in this order. */
#define CODE_COLS "client_id, user_id, redirect_uri, code_challenge, " \
	"scope, expires, audience"

static void
coderow(const PGresult *r, struct jta_store_code_row *out, int used)
{
	col(r, 0, out->client_id, sizeof(out->client_id));
	out->user_id = (int64_t)strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	col(r, 2, out->redirect_uri, sizeof(out->redirect_uri));
	out->has_challenge = !PQgetisnull(r, 0, 3);
	col(r, 3, out->challenge, sizeof(out->challenge));
	col(r, 4, out->scope, sizeof(out->scope));
	out->expires = (int64_t)strtoll(PQgetvalue(r, 0, 5), NULL, 10);
	col(r, 6, out->audience, sizeof(out->audience));
	out->used = used;
}

enum jta_err
jta_pg_code_take(struct jta_pg *pg, const unsigned char *hash,
    struct jta_store_code_row *out, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[1];
	int		 lens[1] = { JTA_VAULT_HASHBYTES }, fmts[1] = { 1 };

	memset(out, 0, sizeof(*out));
	v[0] = (const char *)hash;
	if ((rc = jta_pg_runv(pg, "UPDATE oauth_codes SET used = true WHERE "
	    "hash = $1 AND NOT used RETURNING " CODE_COLS, 1, v, lens, fmts,
	    PGRES_TUPLES_OK, "code take", &r, err)) != JTA_OK)
		return rc;
	if (PQntuples(r) == 1) {
		coderow(r, out, 0);
		PQclear(r);
		return JTA_OK;
	}
	PQclear(r);
	/* Not taken here: used before (by this host or another), or no
	 * such code.  A used code stays used, so this read cannot race. */
	if ((rc = jta_pg_runv(pg, "SELECT " CODE_COLS " FROM oauth_codes "
	    "WHERE hash = $1", 1, v, lens, fmts, PGRES_TUPLES_OK, "code get",
	    &r, err)) != JTA_OK)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "there is no such authorization code");
	}
	coderow(r, out, 1);
	PQclear(r);
	return JTA_OK;
}

/* An int64 as decimal text in buf (24 bytes). */
static const char *
dec(char *buf, size_t sz, int64_t v)
{
	snprintf(buf, sz, "%" PRId64, v);
	return buf;
}

/* Run sql with the hash as $1 (binary) and n - 1 text parameters after
 * it. */
static enum jta_err
runhash(struct jta_pg *pg, const char *sql, const unsigned char *hash,
    int n, const char *const *rest, ExecStatusType want, const char *what,
    PGresult **out, struct jta_error *err)
{
	const char	*v[4];
	int		 lens[4] = { JTA_VAULT_HASHBYTES, 0, 0, 0 };
	int		 fmts[4] = { 1, 0, 0, 0 };
	int		 i;

	if (n < 1 || n > 4)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "too many parameters");
	v[0] = (const char *)hash;
	for (i = 1; i < n; i++)
		v[i] = rest[i - 1];
	return jta_pg_runv(pg, sql, n, v, lens, fmts, want, what, out, err);
}

/* Run a statement that returns nothing, with text parameters. */
static enum jta_err
cmd(struct jta_pg *pg, const char *sql, int n, const char *const *v,
    const char *what, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;

	if ((rc = jta_pg_run(pg, sql, n, v, PGRES_COMMAND_OK, what, &r,
	    err)) != JTA_OK)
		return rc;
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_family_revoke(struct jta_pg *pg, const char *family,
    struct jta_error *err)
{
	const char	*v[1] = { family };

	return cmd(pg, "UPDATE oauth_tokens SET revoked = 1 WHERE family = "
	    "$1", 1, v, "token kill", err);
}

enum jta_err
jta_pg_pair_put(struct jta_pg *pg, const struct jta_store_pair *pair,
    const char *family, const char *client_id, int64_t user_id,
    const char *scope, int64_t now, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[10];
	int		 lens[10] = { 0 }, fmts[10] = { 0 };
	char		 uid[24], ae[24], re[24], t[24];

	v[0] = (const char *)pair->access;
	lens[0] = JTA_VAULT_HASHBYTES;
	fmts[0] = 1;
	v[1] = (const char *)pair->refresh;
	lens[1] = JTA_VAULT_HASHBYTES;
	fmts[1] = 1;
	v[2] = family;
	v[3] = client_id;
	v[4] = dec(uid, sizeof(uid), user_id);
	v[5] = scope;
	v[6] = dec(ae, sizeof(ae), pair->access_expires);
	v[7] = dec(re, sizeof(re), pair->refresh_expires);
	v[8] = pair->audience[0] != '\0' ? pair->audience : "api";
	v[9] = dec(t, sizeof(t), now);
	if ((rc = jta_pg_runv(pg, "WITH purged AS (DELETE FROM oauth_tokens "
	    "WHERE expires < $10::bigint - 86400) INSERT INTO oauth_tokens "
	    "(hash, kind, family, client_id, user_id, scope, expires, "
	    "audience) VALUES ($1, 'access', $3, $4, $5::bigint, $6, "
	    "$7::bigint, $9), ($2, 'refresh', $3, $4, $5::bigint, $6, "
	    "$8::bigint, $9)", 10, v, lens, fmts, PGRES_COMMAND_OK,
	    "token put", &r, err)) != JTA_OK)
		return rc;
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_token_get(struct jta_pg *pg, const unsigned char *hash,
    struct jta_store_token_row *out, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	char		 family[JTA_STORE_FAMILYLEN + 1];
	const char	*v[1];

	memset(out, 0, sizeof(*out));
	if ((rc = runhash(pg, "SELECT family FROM oauth_tokens WHERE hash = "
	    "$1", hash, 1, NULL, PGRES_TUPLES_OK, "token family", &r, err)) !=
	    JTA_OK)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "there is no such token");
	}
	col(r, 0, family, sizeof(family));
	PQclear(r);
	v[0] = family;
	if ((rc = jta_pg_run(pg, "SELECT pg_advisory_xact_lock(" FAMILY_LOCK
	    ", hashtext($1))", 1, v, PGRES_TUPLES_OK, "family lock", &r,
	    err)) != JTA_OK)
		return rc;
	PQclear(r);
	/* A new statement: what the host before us committed. */
	if ((rc = runhash(pg, "SELECT id, kind, family, client_id, user_id, "
	    "scope, expires, replaced_at, revoked, audience FROM oauth_tokens "
	    "WHERE hash = $1", hash, 1, NULL, PGRES_TUPLES_OK, "token get", &r,
	    err)) != JTA_OK)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "there is no such token");
	}
	out->id = (int64_t)strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	col(r, 1, out->kind, sizeof(out->kind));
	col(r, 2, out->family, sizeof(out->family));
	col(r, 3, out->client_id, sizeof(out->client_id));
	out->user_id = (int64_t)strtoll(PQgetvalue(r, 0, 4), NULL, 10);
	col(r, 5, out->scope, sizeof(out->scope));
	out->expires = (int64_t)strtoll(PQgetvalue(r, 0, 6), NULL, 10);
	out->replaced = !PQgetisnull(r, 0, 7);
	if (out->replaced)
		out->replaced_at = (int64_t)strtoll(PQgetvalue(r, 0, 7), NULL,
		    10);
	out->revoked = strcmp(PQgetvalue(r, 0, 8), "0") != 0;
	col(r, 9, out->audience, sizeof(out->audience));
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_token_later(struct jta_pg *pg, const struct jta_store_token_row *t,
    int64_t *n, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[3];
	char		 ra[24], id[24];

	*n = 0;
	v[0] = t->family;
	v[1] = dec(ra, sizeof(ra), t->replaced_at);
	v[2] = dec(id, sizeof(id), t->id);
	if ((rc = jta_pg_run(pg, "SELECT count(*) FROM oauth_tokens WHERE "
	    "family = $1 AND kind = 'refresh' AND replaced_at IS NOT NULL AND "
	    "(replaced_at > $2::bigint OR (replaced_at = $2::bigint AND id > "
	    "$3::bigint))", 3, v, PGRES_TUPLES_OK, "token later", &r, err)) !=
	    JTA_OK)
		return rc;
	*n = (int64_t)strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_token_replace(struct jta_pg *pg, int64_t id, int64_t now,
    struct jta_error *err)
{
	const char	*v[2];
	char		 a[24], b[24];

	v[0] = dec(a, sizeof(a), now);
	v[1] = dec(b, sizeof(b), id);
	return cmd(pg, "UPDATE oauth_tokens SET replaced_at = $1::bigint "
	    "WHERE id = $2::bigint", 2, v, "token replace", err);
}

enum jta_err
jta_pg_family_drop_live(struct jta_pg *pg, const char *family,
    struct jta_error *err)
{
	const char	*v[1] = { family };

	return cmd(pg, "UPDATE oauth_tokens SET revoked = 1 WHERE family = "
	    "$1 AND kind = 'refresh' AND replaced_at IS NULL", 1, v,
	    "token drop live", err);
}

enum jta_err
jta_pg_token_spend(struct jta_pg *pg, int64_t id, struct jta_error *err)
{
	const char	*v[1];
	char		 a[24];

	v[0] = dec(a, sizeof(a), id);
	return cmd(pg, "UPDATE oauth_tokens SET revoked = 1 WHERE id = "
	    "$1::bigint", 1, v, "token spend", err);
}

enum jta_err
jta_pg_token_revoke(struct jta_pg *pg, const unsigned char *hash,
    const char *client_id, struct jta_error *err)
{
	struct jta_store_token_row t;
	enum jta_err	 rc;

	jta_pg_revive(pg);
	if ((rc = jta_pg_begin(pg, err)) != JTA_OK)
		return rc;
	rc = jta_pg_token_get(pg, hash, &t, err);
	if (rc == JTA_ERR_NOTFOUND) {
		/* RFC 7009 section 2.2: an unknown token is no error. */
		memset(err, 0, sizeof(*err));
		rc = JTA_OK;
	} else if (rc == JTA_OK && strcmp(t.client_id, client_id) != 0)
		/* RFC 7009 section 2.1: only the client it was issued to. */
		rc = jta_error_set(err, JTA_ERR_AUTH, 400, "invalid_request",
		    "%s", "the token was not issued to this client");
	else if (rc == JTA_OK && strcmp(t.kind, "refresh") == 0)
		/* RFC 7009 section 2.1: revoking a refresh token revokes
		 * the access tokens of the same grant. */
		rc = jta_pg_family_revoke(pg, t.family, err);
	else if (rc == JTA_OK)
		rc = jta_pg_token_spend(pg, t.id, err);
	if (rc == JTA_OK)
		rc = jta_pg_commit(pg, err);
	if (rc != JTA_OK)
		jta_pg_rollback(pg);
	return rc;
}

enum jta_err
jta_pg_token_auth(struct jta_pg *pg, const unsigned char *hash, int64_t now,
    struct jta_user *out, char *audience)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	struct jta_error e;
	const char	*rest[1];
	char		 t[24];

	audience[0] = '\0';
	memset(&e, 0, sizeof(e));
	rest[0] = dec(t, sizeof(t), now);
	jta_pg_revive(pg);
	if ((rc = runhash(pg, "SELECT u.id, u.name, u.display_name, u.email, "
	    "t.audience FROM oauth_tokens t JOIN users u ON u.id = t.user_id "
	    "WHERE t.hash = $1 AND t.kind = 'access' AND t.revoked = 0 AND "
	    "t.expires > $2::bigint", hash, 2, rest, PGRES_TUPLES_OK,
	    "token auth", &r, &e)) != JTA_OK)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return JTA_ERR_AUTH;
	}
	memset(out, 0, sizeof(*out));
	out->id = (int64_t)strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	col(r, 1, out->name, sizeof(out->name));
	col(r, 2, out->display_name, sizeof(out->display_name));
	col(r, 3, out->email, sizeof(out->email));
	col(r, 4, audience, JTA_STORE_AUDLEN + 1);
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_lockout_get(struct jta_pg *pg, const char *name,
    int64_t *locked_until, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[1] = { name };

	*locked_until = 0;
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "SELECT locked_until FROM login_failures "
	    "WHERE name = $1", 1, v, PGRES_TUPLES_OK, "lockout get", &r,
	    err)) != JTA_OK)
		return rc;
	if (PQntuples(r) == 1)
		*locked_until = (int64_t)strtoll(PQgetvalue(r, 0, 0), NULL,
		    10);
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_lockout_fail(struct jta_pg *pg, const char *name, int64_t now,
    const struct jta_store_lockout *rule, int64_t *locked_until,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[5];
	char		 n[24], old[24], max[24], lim[24], until[24];

	*locked_until = 0;
	dec(n, sizeof(n), now);
	dec(old, sizeof(old), now - rule->window_s);
	dec(max, sizeof(max), rule->max_rows);
	dec(lim, sizeof(lim), rule->max_failures);
	dec(until, sizeof(until), now + rule->lock_s);
	jta_pg_revive(pg);
	if ((rc = jta_pg_begin(pg, err)) != JTA_OK)
		return rc;
	v[0] = old;
	v[1] = n;
	if ((rc = jta_pg_run(pg, "SELECT pg_advisory_xact_lock(" LOCKOUT_LOCK
	    ")", 0, NULL, PGRES_TUPLES_OK, "lockout lock", &r, err)) != JTA_OK)
		goto out;
	PQclear(r);
	if ((rc = cmd(pg, "DELETE FROM login_failures WHERE first <= "
	    "$1::bigint AND locked_until <= $2::bigint", 2, v,
	    "lockout purge", err)) != JTA_OK)
		goto out;
	/* Over the cap: unlocked rows go first, then the oldest. */
	v[0] = n;
	v[1] = max;
	if ((rc = cmd(pg, "DELETE FROM login_failures WHERE name IN (SELECT "
	    "name FROM login_failures ORDER BY locked_until > $1::bigint, "
	    "first LIMIT greatest(0, (SELECT count(*) FROM login_failures) - "
	    "$2::bigint + 1))", 2, v, "lockout trim", err)) != JTA_OK)
		goto out;
	/* In DO UPDATE the bare columns name the old row's values. */
	v[0] = name;
	v[1] = n;
	v[2] = old;
	v[3] = lim;
	v[4] = until;
	if ((rc = jta_pg_run(pg, "INSERT INTO login_failures AS f (name, "
	    "failures, first, locked_until) VALUES ($1, 1, $2::bigint, CASE "
	    "WHEN $4::bigint <= 1 THEN $5::bigint ELSE 0 END) ON CONFLICT "
	    "(name) DO UPDATE SET failures = CASE WHEN f.first <= $3::bigint "
	    "THEN 1 ELSE f.failures + 1 END, first = CASE WHEN f.first <= "
	    "$3::bigint THEN $2::bigint ELSE f.first END, locked_until = CASE "
	    "WHEN f.first > $3::bigint AND f.failures + 1 >= $4::bigint THEN "
	    "$5::bigint ELSE f.locked_until END RETURNING locked_until", 5, v,
	    PGRES_TUPLES_OK, "lockout fail", &r, err)) != JTA_OK)
		goto out;
	if (PQntuples(r) == 1)
		*locked_until = (int64_t)strtoll(PQgetvalue(r, 0, 0), NULL,
		    10);
	PQclear(r);
	rc = jta_pg_commit(pg, err);
out:
	if (rc != JTA_OK)
		jta_pg_rollback(pg);
	return rc;
}

enum jta_err
jta_pg_lockout_clear(struct jta_pg *pg, const char *name,
    struct jta_error *err)
{
	const char	*v[1] = { name };

	jta_pg_revive(pg);
	return cmd(pg, "DELETE FROM login_failures WHERE name = $1", 1, v,
	    "lockout clear", err);
}

enum jta_err
jta_pg_user_grants_revoke(struct jta_pg *pg, int64_t user_id,
    int64_t *revoked, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[1];
	char		 uid[24];

	*revoked = 0;
	v[0] = dec(uid, sizeof(uid), user_id);
	if ((rc = jta_pg_run(pg, "UPDATE oauth_tokens SET revoked = 1 WHERE "
	    "user_id = $1::bigint AND revoked = 0", 1, v, PGRES_COMMAND_OK,
	    "token revoke user", &r, err)) != JTA_OK)
		return rc;
	*revoked = (int64_t)strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return cmd(pg, "DELETE FROM oauth_codes WHERE user_id = $1::bigint",
	    1, v, "code delete user", err);
}
