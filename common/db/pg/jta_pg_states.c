/*
 * OAuth states on PostgreSQL (jta_store_people.h; the SQLite side is
 * common/db/jta_store_people.c).
 *
 * Across hosts: a state is single-use (RFC 6749 section 10.12).  A take
 * is one statement, DELETE ... WHERE state_hash = $1 AND expires > now
 * RETURNING: the DELETE locks the row, so when two hosts take the same
 * state at once the second waits for the first, then finds the row gone
 * and returns nothing (PostgreSQL manual, "Transaction Isolation", Read
 * Committed: a row deleted by the transaction it waited for is
 * skipped).  The purge of expired states rides in the same statement (a
 * data-modifying WITH query), as does a put's.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "jta_pg_int.h"
#include "jta_pg_states.h"
#include "jta_vault.h"

enum jta_err
jta_pg_state_put(struct jta_pg *pg, const unsigned char *hash, int64_t ttl_s,
    int64_t now, const char *user_hint, const char *request,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[5];
	int		 lens[5] = { JTA_VAULT_HASHBYTES, 0, 0, 0, 0 };
	int		 fmts[5] = { 1, 0, 0, 0, 0 };
	char		 n[24], exp[24];

	snprintf(n, sizeof(n), "%" PRId64, now);
	snprintf(exp, sizeof(exp), "%" PRId64, now + ttl_s);
	v[0] = (const char *)hash;
	v[1] = n;
	v[2] = exp;
	v[3] = user_hint;
	v[4] = request;
	jta_pg_revive(pg);
	rc = jta_pg_runv(pg, "WITH purged AS (DELETE FROM oauth_states WHERE "
	    "expires <= $2::bigint) INSERT INTO oauth_states (state_hash, "
	    "created, expires, user_hint, request) VALUES ($1, $2::bigint, "
	    "$3::bigint, $4, $5)", 5, v, lens, fmts, PGRES_COMMAND_OK,
	    "state put", &r, err);
	if (rc != JTA_OK && strcmp(pg->state, "23505") == 0)
		return jta_error_set(err, JTA_ERR_CONFLICT, 409, NULL,
		    "that sign-in state exists already");
	if (rc != JTA_OK)
		return rc;
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_state_take(struct jta_pg *pg, const unsigned char *hash, int64_t now,
    char *user_hint, size_t hintsz, char *request, size_t requestsz,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[2];
	int		 lens[2] = { JTA_VAULT_HASHBYTES, 0 };
	int		 fmts[2] = { 1, 0 };
	char		 n[24];

	snprintf(n, sizeof(n), "%" PRId64, now);
	v[0] = (const char *)hash;
	v[1] = n;
	jta_pg_revive(pg);
	if ((rc = jta_pg_runv(pg, "WITH purged AS (DELETE FROM oauth_states "
	    "WHERE expires <= $2::bigint) DELETE FROM "
	    "oauth_states WHERE state_hash = $1 AND expires > $2::bigint "
	    "RETURNING coalesce(user_hint, ''), coalesce(request, '')", 2, v,
	    lens, fmts, PGRES_TUPLES_OK, "state take", &r, err)) != JTA_OK)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return jta_error_set(err, JTA_ERR_AUTH, 400, "state",
		    "the sign-in link is unknown, used or expired; start "
		    "again");
	}
	if (user_hint != NULL && hintsz > 0)
		snprintf(user_hint, hintsz, "%s", PQgetvalue(r, 0, 0));
	if (request != NULL && requestsz > 0 &&
	    snprintf(request, requestsz, "%s", PQgetvalue(r, 0, 1)) >=
	    (int)requestsz)
		request[0] = '\0';	/* cannot happen: bounded by put */
	PQclear(r);
	return JTA_OK;
}
