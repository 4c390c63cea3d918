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
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_pg_authz.h"
#include "jta_pg_int.h"
#include "jta_vault.h"

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
