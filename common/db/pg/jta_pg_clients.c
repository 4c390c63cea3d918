/*
 * Our OAuth server's clients and Client ID Metadata Documents on
 * PostgreSQL (jta_store_authz.h; the SQLite side is
 * common/db/jta_store_authz.c).
 *
 * Across hosts: registration (RFC 7591) is bounded per address and in
 * all.  On SQLite, BEGIN IMMEDIATE makes the prune, the two counts and
 * the insert one step no other writer interleaves with.  Here
 * jta_pg_client_register takes the registrations' transaction-level
 * advisory lock (pg_advisory_xact_lock(REG_LOCK): PostgreSQL manual,
 * "Advisory Locks") as the first statement of its transaction, so hosts
 * registering at once count one after the other, each after the one
 * before it committed (READ COMMITTED takes a new snapshot per
 * statement), and the cap is never passed together.
 * client_register_8_hosts_keep_the_cap (check_store_pg.c) fails without
 * the lock.  Registrations are rare; the lock is released at commit or
 * rollback.
 *
 * Every other function is one statement (data-modifying WITH queries
 * where a remove also revokes tokens and deletes codes), atomic without
 * a transaction of its own; cimd_put is a purge, an upsert (INSERT ...
 * ON CONFLICT DO UPDATE: two hosts caching one document at once update
 * one row) and a trim in one transaction.  The trim may leave a few rows
 * over max_rows while hosts trim at once; it is a cache.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_arena.h"
#include "jta_db_engine.h"
#include "jta_log.h"
#include "jta_pg_clients.h"
#include "jta_pg_int.h"
#include "jta_vault.h"

/* The registrations' advisory lock: "jtar". */
#define REG_LOCK	"1786012018"

/* An int64 as decimal text in buf. */
static const char *
dec(char *buf, size_t sz, int64_t v)
{
	snprintf(buf, sz, "%" PRId64, v);
	return buf;
}

static enum jta_err
nomem(struct jta_error *err)
{
	return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL, "out of memory");
}

static enum jta_err
noclient(struct jta_error *err)
{
	return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "client_id",
	    "there is no client with that id");
}

/* A stored JSON array (the text of column c of row i), or NULL. */
static json_t *
jarray(const PGresult *r, int i, int c)
{
	json_error_t	 je;
	json_t		*v;

	if (PQgetisnull(r, i, c))
		return NULL;
	v = json_loadb(PQgetvalue(r, i, c), (size_t)PQgetlength(r, i, c),
	    JSON_REJECT_DUPLICATES, &je);
	if (v != NULL && !json_is_array(v)) {
		json_decref(v);
		v = NULL;
	}
	return v;
}

/* Hex text (encode(..., 'hex')) of exactly n bytes into out. */
static int
unhex(const char *s, unsigned char *out, size_t n)
{
	unsigned int	 b;
	size_t		 i;

	if (strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (unsigned char)b;
	}
	return 0;
}

/* Run a statement with text parameters, the hash (when not NULL) as
 * binary parameter hashat (0-based). */
static enum jta_err
run(struct jta_pg *pg, const char *sql, int n, const char *const *v,
    const unsigned char *hash, int hashat, ExecStatusType want,
    const char *what, PGresult **out, struct jta_error *err)
{
	int	 lens[10] = { 0 }, fmts[10] = { 0 };

	if (n > 10)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "too many parameters");
	if (hash != NULL) {
		lens[hashat] = JTA_VAULT_HASHBYTES;
		fmts[hashat] = 1;
	}
	return jta_pg_runv(pg, sql, n, v, lens, fmts, want, what, out, err);
}

/* The compact JSON text of uris (free it), or NULL: memory. */
static char *
dumps(const json_t *uris)
{
	return jta_arena_json_dumps(uris, JSON_COMPACT);
}

/* Insert a client; 409 when its id is taken (SQLSTATE 23505). */
static enum jta_err
insert(struct jta_pg *pg, const char *client_id, const unsigned char *hash,
    const char *name, const json_t *uris, int public_client,
    const char *origin, const char *address, int64_t now,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[8];
	char		 t[24], *text;

	if ((text = dumps(uris)) == NULL)
		return nomem(err);
	v[0] = client_id;
	v[1] = (const char *)hash;
	v[2] = name;
	v[3] = text;
	v[4] = dec(t, sizeof(t), now);
	v[5] = public_client ? "1" : "0";
	v[6] = origin;
	v[7] = address;
	rc = run(pg, "INSERT INTO oauth_clients (client_id, secret_hash, name, "
	    "redirect_uris, created, public, origin, address, last_used) "
	    "VALUES ($1, $2, $3, $4::json, $5::bigint, $6::integer, $7, $8, "
	    "CASE WHEN $7 = 'registered' THEN $5::bigint ELSE 0 END)", 8, v,
	    hash, 1, PGRES_COMMAND_OK, "client add", &r, err);
	free(text);
	if (rc != JTA_OK) {
		if (strcmp(pg->state, "23505") == 0)
			return jta_error_set(err, JTA_ERR_CONFLICT, 409,
			    "client_id", "a client with that id exists "
			    "already");
		return rc;
	}
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_client_add(struct jta_pg *pg, const char *client_id,
    const unsigned char *hash, const char *name, const json_t *uris,
    int public_client, int64_t now, struct jta_error *err)
{
	jta_pg_revive(pg);
	return insert(pg, client_id, hash, name, uris, public_client, "admin",
	    NULL, now, err);
}

/* Remove the idle registered clients (jta_store_client_prune's rule) in
 * one statement: the clients, their codes and their (already dead)
 * tokens; each removed one is appended to removed (when not NULL) as
 * {client_id, name}; *n counts them. */
static enum jta_err
prune(struct jta_pg *pg, int64_t now, int64_t idle_s, json_t *removed,
    int64_t *n, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[2];
	char		 cut[24], t[24];
	json_t		*o;
	int		 i;

	*n = 0;
	v[0] = dec(cut, sizeof(cut), now - idle_s);
	v[1] = dec(t, sizeof(t), now);
	if ((rc = run(pg, "WITH gone AS (DELETE FROM oauth_clients c WHERE "
	    "c.origin = 'registered' AND greatest(c.created, c.last_used) < "
	    "$1::bigint AND NOT EXISTS (SELECT 1 FROM oauth_tokens t WHERE "
	    "t.client_id = c.client_id AND t.revoked = 0 AND t.replaced_at IS "
	    "NULL AND t.expires > $2::bigint) AND NOT EXISTS (SELECT 1 FROM "
	    "oauth_codes k WHERE k.client_id = c.client_id AND k.expires > "
	    "$2::bigint) RETURNING c.id, c.client_id, c.name), "
	    "revoked AS (UPDATE oauth_tokens SET revoked = 1 WHERE client_id "
	    "IN (SELECT client_id FROM gone)), codes AS (DELETE FROM "
	    "oauth_codes WHERE client_id IN (SELECT client_id FROM gone)) "
	    "SELECT client_id, name FROM gone ORDER BY id", 2, v, NULL, 0,
	    PGRES_TUPLES_OK, "client prune", &r, err)) != JTA_OK)
		return rc;
	for (i = 0; removed != NULL && i < PQntuples(r); i++) {
		o = json_pack("{s:s, s:s}", "client_id", PQgetvalue(r, i, 0),
		    "name", PQgetvalue(r, i, 1));
		if (o == NULL || json_array_append_new(removed, o) != 0) {
			PQclear(r);
			return nomem(err);
		}
	}
	*n = PQntuples(r);
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_client_prune(struct jta_pg *pg, int64_t now, int64_t idle_s,
    json_t *removed, struct jta_error *err)
{
	int64_t	 n;

	jta_pg_revive(pg);
	return prune(pg, now, idle_s, removed, &n, err);
}

/* The single count of sql with parameters v into *n. */
static enum jta_err
count(struct jta_pg *pg, const char *sql, int nv, const char *const *v,
    int64_t *n, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;

	*n = 0;
	if ((rc = run(pg, sql, nv, v, NULL, 0, PGRES_TUPLES_OK,
	    "client count", &r, err)) != JTA_OK)
		return rc;
	if (PQntuples(r) == 1)
		*n = (int64_t)strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_client_register(struct jta_pg *pg,
    const struct jta_store_client_new *c,
    const struct jta_store_reg_rule *rule, int64_t now,
    struct jta_error *err)
{
	enum jta_err	 rc;
	const char	*v[2];
	char		 since[24];
	int64_t		 n;

	if ((rc = jta_pg_begin(pg, err)) != JTA_OK)
		return rc;
	if ((rc = count(pg, "SELECT 0 FROM pg_advisory_xact_lock(" REG_LOCK
	    ")", 0, NULL, &n, err)) != JTA_OK)
		goto out;
	/* Idle registered clients go first, so a full table frees their
	 * rows before the cap is checked. */
	if (rule->idle_s > 0) {
		if ((rc = prune(pg, now, rule->idle_s, NULL, &n, err)) !=
		    JTA_OK)
			goto out;
		if (n > 0)
			jta_info("oauth: %lld idle registered clients removed",
			    (long long)n);
	}
	if (c->address != NULL) {
		v[0] = c->address;
		v[1] = dec(since, sizeof(since), now - rule->window_s);
		if ((rc = count(pg, "SELECT count(*) FROM oauth_clients WHERE "
		    "origin = 'registered' AND address = $1 AND created > "
		    "$2::bigint", 2, v, &n, err)) != JTA_OK)
			goto out;
		if (n >= rule->per_address) {
			rc = jta_error_set(err, JTA_ERR_CONFLICT, 429,
			    "address", "too many clients were registered "
			    "from this address lately; try again later");
			goto out;
		}
	}
	if ((rc = count(pg, "SELECT count(*) FROM oauth_clients WHERE origin "
	    "= 'registered'", 0, NULL, &n, err)) != JTA_OK)
		goto out;
	if (n >= rule->max_total) {
		rc = jta_error_set(err, JTA_ERR_CONFLICT, 403, "clients",
		    "this server registers no more clients; ask its "
		    "operator");
		goto out;
	}
	if ((rc = insert(pg, c->client_id, c->hash, c->name, c->uris,
	    c->public_client, "registered", c->address, now, err)) != JTA_OK)
		goto out;
	rc = jta_pg_commit(pg, err);
out:
	if (rc != JTA_OK)
		jta_pg_rollback(pg);
	return rc;
}

enum jta_err
jta_pg_client_public(struct jta_pg *pg, const char *client_id,
    int *public_client, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[1] = { client_id };

	*public_client = 0;
	jta_pg_revive(pg);
	if ((rc = run(pg, "SELECT public FROM oauth_clients WHERE client_id = "
	    "$1", 1, v, NULL, 0, PGRES_TUPLES_OK, "client public", &r, err)) !=
	    JTA_OK)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return noclient(err);
	}
	*public_client = strcmp(PQgetvalue(r, 0, 0), "0") != 0;
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_cimd_get(struct jta_pg *pg, const char *url, int64_t now, char *name,
    size_t namesz, json_t **uris, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[2];
	char		 t[24];

	*uris = NULL;
	name[0] = '\0';
	v[0] = url;
	v[1] = dec(t, sizeof(t), now);
	jta_pg_revive(pg);
	if ((rc = run(pg, "SELECT name, redirect_uris FROM "
	    "oauth_client_documents WHERE url = $1 AND expires > $2::bigint",
	    2, v, NULL, 0, PGRES_TUPLES_OK, "cimd get", &r, err)) != JTA_OK)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "client_id",
		    "no such document is cached");
	}
	if ((*uris = jarray(r, 0, 1)) == NULL) {
		PQclear(r);
		jta_errorlog("store: a cached client document is damaged");
		return jta_error_set(err, JTA_ERR_DB, 500, NULL,
		    "the client document cache failed; the server log has "
		    "details");
	}
	snprintf(name, namesz, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_cimd_put(struct jta_pg *pg, const char *url, const char *name,
    const json_t *uris, int64_t now, int64_t expires, int64_t max_rows,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[5];
	char		 t[24], x[24], m[24], *text;

	if ((text = dumps(uris)) == NULL)
		return nomem(err);
	v[0] = url;
	v[1] = name;
	v[2] = text;
	v[3] = dec(t, sizeof(t), now);
	v[4] = dec(x, sizeof(x), expires);
	if ((rc = jta_pg_begin(pg, err)) != JTA_OK) {
		free(text);
		return rc;
	}
	if ((rc = run(pg, "DELETE FROM oauth_client_documents WHERE expires "
	    "<= $1::bigint", 1, v + 3, NULL, 0, PGRES_COMMAND_OK, "cimd purge",
	    &r, err)) != JTA_OK)
		goto out;
	PQclear(r);
	if ((rc = run(pg, "INSERT INTO oauth_client_documents (url, name, "
	    "redirect_uris, fetched, expires) VALUES ($1, $2, $3::json, "
	    "$4::bigint, $5::bigint) ON CONFLICT (url) DO UPDATE SET name = "
	    "excluded.name, redirect_uris = excluded.redirect_uris, fetched = "
	    "excluded.fetched, expires = excluded.expires", 5, v, NULL, 0,
	    PGRES_COMMAND_OK, "cimd put", &r, err)) != JTA_OK)
		goto out;
	PQclear(r);
	v[0] = dec(m, sizeof(m), max_rows);
	if ((rc = run(pg, "DELETE FROM oauth_client_documents WHERE url IN "
	    "(SELECT url FROM oauth_client_documents ORDER BY fetched, url "
	    "LIMIT greatest(0, (SELECT count(*) FROM oauth_client_documents) "
	    "- $1::bigint))", 1, v, NULL, 0, PGRES_COMMAND_OK, "cimd trim",
	    &r, err)) != JTA_OK)
		goto out;
	PQclear(r);
	rc = jta_pg_commit(pg, err);
out:
	free(text);
	if (rc != JTA_OK)
		jta_pg_rollback(pg);
	return rc;
}

enum jta_err
jta_pg_client_get(struct jta_pg *pg, const char *client_id,
    unsigned char *hash, json_t **uris, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[1] = { client_id };

	*uris = NULL;
	jta_pg_revive(pg);
	if ((rc = run(pg, "SELECT encode(secret_hash, 'hex'), redirect_uris "
	    "FROM oauth_clients WHERE client_id = $1", 1, v, NULL, 0,
	    PGRES_TUPLES_OK, "client get", &r, err)) != JTA_OK)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return noclient(err);
	}
	if (unhex(PQgetvalue(r, 0, 0), hash, JTA_VAULT_HASHBYTES) != 0 ||
	    (*uris = jarray(r, 0, 1)) == NULL) {
		PQclear(r);
		jta_errorlog("store: client row %s is damaged", client_id);
		return jta_error_set(err, JTA_ERR_DB, 500, NULL,
		    "the client registry failed; the server log has details");
	}
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_client_name(struct jta_pg *pg, const char *client_id, char *name,
    size_t namesz, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[1] = { client_id };

	name[0] = '\0';
	jta_pg_revive(pg);
	if ((rc = run(pg, "SELECT name FROM oauth_clients WHERE client_id = "
	    "$1", 1, v, NULL, 0, PGRES_TUPLES_OK, "client name", &r, err)) !=
	    JTA_OK)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return noclient(err);
	}
	snprintf(name, namesz, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_client_list(struct jta_pg *pg, int64_t now, json_t **out)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[1];
	char		 t[24];
	json_t		*arr, *o, *uris;
	int		 i;

	*out = NULL;
	v[0] = dec(t, sizeof(t), now);
	jta_pg_revive(pg);
	if ((rc = run(pg, "SELECT c.client_id, c.name, c.redirect_uris, "
	    "c.created, (SELECT count(*) FROM oauth_tokens t WHERE "
	    "t.client_id = c.client_id AND t.kind = 'refresh' AND "
	    "t.revoked = 0 AND t.replaced_at IS NULL AND t.expires > "
	    "$1::bigint), c.public, c.origin FROM oauth_clients c ORDER BY "
	    "c.id", 1, v, NULL, 0, PGRES_TUPLES_OK, "client list", &r, NULL)) !=
	    JTA_OK)
		return rc;
	if ((arr = json_array()) == NULL) {
		PQclear(r);
		return JTA_ERR_NOMEM;
	}
	for (i = 0; i < PQntuples(r); i++) {
		uris = jarray(r, i, 2);
		o = json_pack("{s:s, s:s, s:o, s:o, s:I, s:b, s:s}",
		    "client_id", PQgetvalue(r, i, 0), "name",
		    PQgetvalue(r, i, 1), "redirect_uris", uris != NULL ? uris :
		    json_array(), "created", jta_db_timejs((int64_t)strtoll(
		    PQgetvalue(r, i, 3), NULL, 10)), "grants",
		    (json_int_t)strtoll(PQgetvalue(r, i, 4), NULL, 10),
		    "public", strcmp(PQgetvalue(r, i, 5), "0") != 0, "origin",
		    PQgetvalue(r, i, 6));
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			PQclear(r);
			json_decref(arr);
			return JTA_ERR_NOMEM;
		}
	}
	PQclear(r);
	*out = arr;
	return JTA_OK;
}

enum jta_err
jta_pg_client_secret_set(struct jta_pg *pg, const char *client_id,
    const unsigned char *hash, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[2];
	int		 changed;

	v[0] = client_id;
	v[1] = (const char *)hash;
	jta_pg_revive(pg);
	if ((rc = run(pg, "UPDATE oauth_clients SET secret_hash = $2 WHERE "
	    "client_id = $1", 2, v, hash, 1, PGRES_COMMAND_OK, "client secret",
	    &r, err)) != JTA_OK)
		return rc;
	changed = strcmp(PQcmdTuples(r), "0") != 0;
	PQclear(r);
	return changed ? JTA_OK : noclient(err);
}

enum jta_err
jta_pg_client_remove(struct jta_pg *pg, const char *client_id,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[1] = { client_id };
	int		 gone;

	jta_pg_revive(pg);
	/* One statement: the client, its codes and its tokens' revocation
	 * happen together or not at all. */
	if ((rc = run(pg, "WITH gone AS (DELETE FROM oauth_clients WHERE "
	    "client_id = $1 RETURNING client_id), revoked AS (UPDATE "
	    "oauth_tokens SET revoked = 1 WHERE client_id IN (SELECT "
	    "client_id FROM gone)), codes AS (DELETE FROM oauth_codes WHERE "
	    "client_id IN (SELECT client_id FROM gone)) SELECT count(*) FROM "
	    "gone", 1, v, NULL, 0, PGRES_TUPLES_OK, "client remove", &r,
	    err)) != JTA_OK)
		return rc;
	gone = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "0") != 0;
	PQclear(r);
	return gone ? JTA_OK : noclient(err);
}
