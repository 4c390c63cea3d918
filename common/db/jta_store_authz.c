/*
 * The authorization server's rows with SQLite (jta_store_authz.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "jta_db_engine.h"
#include "jta_db_sqlite.h"
#include "jta_log.h"
#include "jta_store_authz.h"
#include "jta_time.h"

/* ---- the fixed table of statements ---- */

enum sid {
	S_CLIENT_ADD,
	S_CLIENT_GET,
	S_CLIENT_NAME,
	S_CLIENT_LIST,
	S_CLIENT_SECRET,
	S_CLIENT_DEL,
	S_CLIENT_DEL_CODES,
	S_CLIENT_REVOKE,
	S_CODE_PURGE,
	S_CODE_PUT,
	S_CODE_GET,
	S_CODE_USE,
	S_TOK_PURGE,
	S_TOK_PUT,
	S_TOK_GET,
	S_TOK_REPLACE,
	S_TOK_KILL,
	S_TOK_LATER,
	S_TOK_DROP_LIVE,
	S_TOK_REVOKE_ONE,
	S_TOK_AUTH,
	S_LOCK_GET,
	S_LOCK_PURGE,
	S_LOCK_TRIM,
	S_LOCK_FAIL,
	S_LOCK_CLEAR,
	S_TOK_REVOKE_USER,
	S_CODE_DEL_USER,
	S_CLIENT_REG,
	S_CLIENT_REG_ALL,
	S_CLIENT_REG_ADDR,
	S_CLIENT_PUBLIC,
	S_CIMD_GET,
	S_CIMD_PURGE,
	S_CIMD_PUT,
	S_CIMD_TRIM,
	S_CLIENT_TOUCH,
	S_CLIENT_IDLE,
	S_COUNT
};

static const char *const sql[S_COUNT] = {
	[S_CLIENT_ADD] = "INSERT INTO oauth_clients (client_id, secret_hash, "
	    "name, redirect_uris, created, public) VALUES (:cid, :hash, :name, "
	    ":uris, :now, :public)",
	[S_CLIENT_GET] = "SELECT secret_hash, redirect_uris "
	    "FROM oauth_clients WHERE client_id = :cid",
	[S_CLIENT_NAME] = "SELECT name FROM oauth_clients "
	    "WHERE client_id = :cid",
	[S_CLIENT_LIST] = "SELECT c.client_id, c.name, c.redirect_uris, "
	    "c.created, (SELECT count(*) FROM oauth_tokens t WHERE "
	    "t.client_id = c.client_id AND t.kind = 'refresh' AND "
	    "t.revoked = 0 AND t.replaced_at IS NULL AND t.expires > :now), "
	    "c.public, c.origin FROM oauth_clients c ORDER BY c.id",
	[S_CLIENT_SECRET] = "UPDATE oauth_clients SET secret_hash = :hash "
	    "WHERE client_id = :cid",
	[S_CLIENT_DEL] = "DELETE FROM oauth_clients WHERE client_id = :cid",
	[S_CLIENT_DEL_CODES] = "DELETE FROM oauth_codes WHERE client_id = :cid",
	[S_CLIENT_REVOKE] = "UPDATE oauth_tokens SET revoked = 1 "
	    "WHERE client_id = :cid",
	/* Rows are kept a day past their expiry so a late replay is still
	 * recognised as one (and revokes what it must). */
	[S_CODE_PURGE] = "DELETE FROM oauth_codes WHERE expires < :now - 86400",
	[S_CODE_PUT] = "INSERT INTO oauth_codes (hash, client_id, user_id, "
	    "redirect_uri, code_challenge, scope, expires, audience) VALUES "
	    "(:hash, :cid, :uid, :uri, :chal, :scope, :expires, :aud)",
	[S_CODE_GET] = "SELECT client_id, user_id, redirect_uri, "
	    "code_challenge, scope, expires, used, audience FROM oauth_codes "
	    "WHERE hash = :hash",
	[S_CODE_USE] = "UPDATE oauth_codes SET used = 1 WHERE hash = :hash",
	[S_TOK_PURGE] = "DELETE FROM oauth_tokens WHERE expires < :now - 86400",
	[S_TOK_PUT] = "INSERT INTO oauth_tokens (hash, kind, family, "
	    "client_id, user_id, scope, expires, audience) VALUES (:hash, "
	    ":kind, :family, :cid, :uid, :scope, :expires, :aud)",
	[S_TOK_GET] = "SELECT rowid, kind, family, client_id, user_id, scope, "
	    "expires, replaced_at, revoked, audience FROM oauth_tokens "
	    "WHERE hash = :hash",
	[S_TOK_REPLACE] = "UPDATE oauth_tokens SET replaced_at = :now "
	    "WHERE rowid = :rid",
	[S_TOK_KILL] = "UPDATE oauth_tokens SET revoked = 1 "
	    "WHERE family = :family",
	/* Refresh tokens of the family replaced after this one: then this
	 * one is not the one just replaced. */
	[S_TOK_LATER] = "SELECT count(*) FROM oauth_tokens WHERE family = "
	    ":family AND kind = 'refresh' AND replaced_at IS NOT NULL AND "
	    "(replaced_at > :ra OR (replaced_at = :ra AND rowid > :rid))",
	[S_TOK_DROP_LIVE] = "UPDATE oauth_tokens SET revoked = 1 WHERE "
	    "family = :family AND kind = 'refresh' AND replaced_at IS NULL",
	[S_TOK_REVOKE_ONE] = "UPDATE oauth_tokens SET revoked = 1 "
	    "WHERE rowid = :rid",
	[S_TOK_AUTH] = "SELECT u.id, u.name, u.display_name, u.email, "
	    "t.audience "
	    "FROM oauth_tokens t JOIN users u ON u.id = t.user_id "
	    "WHERE t.hash = :hash AND t.kind = 'access' AND t.revoked = 0 "
	    "AND t.expires > :now",
	[S_LOCK_GET] = "SELECT locked_until FROM login_failures "
	    "WHERE name = :name",
	[S_LOCK_PURGE] = "DELETE FROM login_failures WHERE first <= :old "
	    "AND locked_until <= :now",
	/* Over the cap: unlocked rows go first, then the oldest. */
	[S_LOCK_TRIM] = "DELETE FROM login_failures WHERE name IN (SELECT "
	    "name FROM login_failures ORDER BY locked_until > :now, first "
	    "LIMIT max(0, (SELECT count(*) FROM login_failures) - :max + 1))",
	/* In DO UPDATE every column names the old row's value. */
	[S_LOCK_FAIL] = "INSERT INTO login_failures (name, failures, first, "
	    "locked_until) VALUES (:name, 1, :now, CASE WHEN :limit <= 1 "
	    "THEN :until ELSE 0 END) ON CONFLICT (name) DO UPDATE SET "
	    "failures = CASE WHEN first <= :old THEN 1 ELSE failures + 1 END, "
	    "first = CASE WHEN first <= :old THEN :now ELSE first END, "
	    "locked_until = CASE WHEN first > :old AND failures + 1 >= :limit "
	    "THEN :until ELSE locked_until END RETURNING locked_until",
	[S_LOCK_CLEAR] = "DELETE FROM login_failures WHERE name = :name",
	[S_TOK_REVOKE_USER] = "UPDATE oauth_tokens SET revoked = 1 "
	    "WHERE user_id = :uid AND revoked = 0",
	[S_CODE_DEL_USER] = "DELETE FROM oauth_codes WHERE user_id = :uid",
	[S_CLIENT_REG] = "INSERT INTO oauth_clients (client_id, secret_hash, "
	    "name, redirect_uris, created, public, origin, address, last_used) "
	    "VALUES (:cid, :hash, :name, :uris, :now, :public, 'registered', "
	    ":addr, :now)",
	[S_CLIENT_REG_ALL] = "SELECT count(*) FROM oauth_clients "
	    "WHERE origin = 'registered'",
	[S_CLIENT_REG_ADDR] = "SELECT count(*) FROM oauth_clients WHERE "
	    "origin = 'registered' AND address = :addr AND created > :since",
	[S_CLIENT_PUBLIC] = "SELECT public FROM oauth_clients "
	    "WHERE client_id = :cid",
	[S_CIMD_GET] = "SELECT name, redirect_uris FROM oauth_client_documents "
	    "WHERE url = :url AND expires > :now",
	[S_CIMD_PURGE] = "DELETE FROM oauth_client_documents "
	    "WHERE expires <= :now",
	[S_CIMD_PUT] = "INSERT OR REPLACE INTO oauth_client_documents (url, "
	    "name, redirect_uris, fetched, expires) VALUES (:url, :name, "
	    ":uris, :now, :expires)",
	[S_CIMD_TRIM] = "DELETE FROM oauth_client_documents WHERE url IN "
	    "(SELECT url FROM oauth_client_documents ORDER BY fetched LIMIT "
	    "max(0, (SELECT count(*) FROM oauth_client_documents) - :max))",
	/* Last use (schema 14), written at most once an hour per client so
	 * a busy client does not write its row on every refresh. */
	[S_CLIENT_TOUCH] = "UPDATE oauth_clients SET last_used = :now "
	    "WHERE client_id = :cid AND last_used <= :now - 3600",
	/* Registered clients (never an operator's) neither created nor used
	 * since :cutoff, with no token family alive (a token neither
	 * revoked, replaced nor expired) and no code that has not expired. */
	[S_CLIENT_IDLE] = "DELETE FROM oauth_clients WHERE origin = "
	    "'registered' AND max(created, last_used) < :cutoff AND NOT "
	    "EXISTS (SELECT 1 FROM oauth_tokens t WHERE t.client_id = "
	    "oauth_clients.client_id AND t.revoked = 0 AND t.replaced_at IS "
	    "NULL AND t.expires > :now) AND NOT EXISTS (SELECT 1 FROM "
	    "oauth_codes k WHERE k.client_id = oauth_clients.client_id AND "
	    "k.expires > :now) RETURNING client_id, name",
};

/* Statement id of this repository, reset and unbound (jta_db_stmt). */
static sqlite3_stmt *
stmt(struct jta_store *st, enum sid id)
{
	return jta_db_stmt(st, JTA_DB_REPO_AUTHZ, sql, S_COUNT, (size_t)id);
}

/* ---- the OAuth authorization server (schema 4) ---- */

/* An OAuth error (RFC 6749 §5.2): err->field carries its code. */
static enum jta_err
oautherr(struct jta_error *err, int status, const char *code,
    const char *detail)
{
	return jta_error_set(err, JTA_ERR_AUTH, status, code, "%s", detail);
}

/* An operator's client (origin "admin"), public or not. */
static enum jta_err
clientadd(struct jta_store *st, const char *client_id,
    const unsigned char hash[JTA_VAULT_HASHBYTES], const char *name,
    const json_t *uris, int public_client, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->client_add(pg, client_id, hash, name, uris,
		    public_client, jta_time_now(), err);
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_CLIENT_ADD)) == NULL)
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
	else if ((rc = jta_db_btext(s, ":cid", client_id)) != SQLITE_OK ||
	    (rc = jta_db_bhash(s, ":hash", hash)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":name", name)) != SQLITE_OK ||
	    (rc = jta_db_bjson(s, ":uris", uris)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", jta_time_now())) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":public", public_client != 0)) != SQLITE_OK)
		ret = jta_db_err(st, rc, "bind", err);
	else if ((rc = jta_db_run(s)) == SQLITE_CONSTRAINT_UNIQUE)
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, "client_id",
		    "a client with that id exists already");
	else if (rc != SQLITE_OK)
		ret = jta_db_err(st, rc, "client add", err);
	else
		ret = jta_db_commit(st, err);
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_store_client_add(struct jta_store *st, const char *client_id,
    const unsigned char hash[JTA_VAULT_HASHBYTES], const char *name,
    const json_t *uris, struct jta_error *err)
{
	return clientadd(st, client_id, hash, name, uris, 0, err);
}

enum jta_err
jta_store_client_add_public(struct jta_store *st, const char *client_id,
    const unsigned char hash[JTA_VAULT_HASHBYTES], const char *name,
    const json_t *uris, struct jta_error *err)
{
	return clientadd(st, client_id, hash, name, uris, 1, err);
}

/* *n: the single count statement id gives (addr and since bound when
 * addr is not NULL). */
static enum jta_err
regcount(struct jta_store *st, enum sid id, const char *addr, int64_t since,
    int64_t *n, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	*n = 0;
	if ((s = stmt(st, id)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if (addr != NULL && ((rc = jta_db_btext(s, ":addr", addr)) !=
	    SQLITE_OK || (rc = jta_db_bint(s, ":since", since)) != SQLITE_OK))
		return jta_db_err(st, rc, "bind", err);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? JTA_OK : jta_db_err(st, rc,
	    "client count", err);
}

/* Mark client_id used at now (inside the caller's transaction, or on its
 * own). */
static enum jta_err
touch(struct jta_store *st, const char *client_id, int64_t now,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_CLIENT_TOUCH)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":cid", client_id)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "client touch", err);
	return JTA_OK;
}

/* Remove the idle registered clients (S_CLIENT_IDLE) inside the caller's
 * transaction, with their codes and (already dead) tokens; each removed
 * one is appended to removed as {client_id, name} when removed is not
 * NULL; *n counts them. */
static enum jta_err
prune(struct jta_store *st, int64_t now, int64_t idle_s, json_t *removed,
    int64_t *n, struct jta_error *err)
{
	static const enum sid steps[] = { S_CLIENT_REVOKE, S_CLIENT_DEL_CODES };
	json_t		*ids, *o;
	sqlite3_stmt	*s;
	size_t		 i, j;
	int		 rc;

	*n = 0;
	if ((ids = json_array()) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	if ((s = stmt(st, S_CLIENT_IDLE)) == NULL) {
		json_decref(ids);
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	}
	if ((rc = jta_db_bint(s, ":cutoff", now - idle_s)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK) {
		json_decref(ids);
		return jta_db_err(st, rc, "bind", err);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		o = json_pack("{s:s, s:s}", "client_id", jta_db_col(s, 0),
		    "name", jta_db_col(s, 1));
		if (o == NULL || json_array_append_new(ids, o) != 0) {
			sqlite3_reset(s);
			json_decref(ids);
			return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
			    "out of memory");
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_decref(ids);
		return jta_db_err(st, rc, "client prune", err);
	}
	json_array_foreach(ids, i, o) {
		for (j = 0; j < sizeof(steps) / sizeof(steps[0]); j++) {
			if ((s = stmt(st, steps[j])) == NULL) {
				json_decref(ids);
				return jta_db_err(st, SQLITE_ERROR, "prepare",
				    err);
			}
			if ((rc = jta_db_btext(s, ":cid", json_string_value(
			    json_object_get(o, "client_id")))) != SQLITE_OK ||
			    (rc = jta_db_run(s)) != SQLITE_OK) {
				json_decref(ids);
				return jta_db_err(st, rc, "client prune", err);
			}
		}
	}
	*n = (int64_t)json_array_size(ids);
	if (removed != NULL && json_array_extend(removed, ids) != 0) {
		json_decref(ids);
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	}
	json_decref(ids);
	return JTA_OK;
}

enum jta_err
jta_store_client_prune(struct jta_store *st, int64_t now, int64_t idle_s,
    json_t **removed, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	int64_t		 n;

	if ((*removed = json_array()) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	if ((pg = jta_db_pg(st, &pgi)) != NULL) {
		ret = pgi->client_prune(pg, now, idle_s, *removed, err);
		goto out;
	}
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		goto out;
	if ((ret = prune(st, now, idle_s, *removed, &n, err)) == JTA_OK)
		ret = jta_db_commit(st, err);
	if (ret != JTA_OK)
		jta_db_rollback(st);
out:
	if (ret != JTA_OK) {
		json_decref(*removed);
		*removed = NULL;
	}
	return ret;
}

enum jta_err
jta_store_client_register(struct jta_store *st,
    const struct jta_store_client_new *c, const struct jta_store_reg_rule *rule,
    int64_t now, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int64_t		 n;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->client_register(pg, c, rule, now, err);
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	/* Idle registered clients go first, so a full table frees their
	 * rows before the cap is checked. */
	if (rule->idle_s > 0) {
		if ((ret = prune(st, now, rule->idle_s, NULL, &n, err)) !=
		    JTA_OK)
			goto out;
		if (n > 0)
			jta_info("oauth: %lld idle registered clients removed",
			    (long long)n);
	}
	if (c->address != NULL) {
		if ((ret = regcount(st, S_CLIENT_REG_ADDR, c->address,
		    now - rule->window_s, &n, err)) != JTA_OK)
			goto out;
		if (n >= rule->per_address) {
			ret = jta_error_set(err, JTA_ERR_CONFLICT, 429,
			    "address", "too many clients were registered "
			    "from this address lately; try again later");
			goto out;
		}
	}
	if ((ret = regcount(st, S_CLIENT_REG_ALL, NULL, 0, &n, err)) != JTA_OK)
		goto out;
	if (n >= rule->max_total) {
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 403, "clients",
		    "this server registers no more clients; ask its "
		    "operator");
		goto out;
	}
	if ((s = stmt(st, S_CLIENT_REG)) == NULL)
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
	else if ((rc = jta_db_btext(s, ":cid", c->client_id)) != SQLITE_OK ||
	    (rc = jta_db_bhash(s, ":hash", c->hash)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":name", c->name)) != SQLITE_OK ||
	    (rc = jta_db_bjson(s, ":uris", c->uris)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":public", c->public_client != 0)) !=
	    SQLITE_OK ||
	    (rc = jta_db_btext(s, ":addr", c->address)) != SQLITE_OK)
		ret = jta_db_err(st, rc, "bind", err);
	else if ((rc = jta_db_run(s)) == SQLITE_CONSTRAINT_UNIQUE)
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, "client_id",
		    "a client with that id exists already");
	else if (rc != SQLITE_OK)
		ret = jta_db_err(st, rc, "client register", err);
	else
		ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_store_client_public(struct jta_store *st, const char *client_id,
    int *public_client, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret = JTA_OK;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->client_public(pg, client_id, public_client,
		    err);
	*public_client = 0;
	if ((s = stmt(st, S_CLIENT_PUBLIC)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":cid", client_id)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*public_client = sqlite3_column_int(s, 0) != 0;
	else if (rc == SQLITE_DONE)
		ret = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "client_id",
		    "there is no client with that id");
	else
		ret = jta_db_err(st, rc, "client public", err);
	sqlite3_reset(s);
	return ret;
}

enum jta_err
jta_store_cimd_get(struct jta_store *st, const char *url, int64_t now,
    char *name, size_t namesz, json_t **uris, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret = JTA_OK;
	sqlite3_stmt	*s;
	json_error_t	 je;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->cimd_get(pg, url, now, name, namesz, uris,
		    err);
	*uris = NULL;
	name[0] = '\0';
	if ((s = stmt(st, S_CIMD_GET)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":url", url)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(name, namesz, "%s", jta_db_col(s, 0));
		if ((*uris = json_loadb(jta_db_col(s, 1), (size_t)
		    sqlite3_column_bytes(s, 1), JSON_REJECT_DUPLICATES, &je)) ==
		    NULL || !json_is_array(*uris)) {
			json_decref(*uris);
			*uris = NULL;
			ret = jta_error_set(err, JTA_ERR_DB, 500, NULL,
			    "the client document cache failed; the server log "
			    "has details");
			jta_errorlog("store: a cached client document is "
			    "damaged");
		}
	} else if (rc == SQLITE_DONE)
		ret = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "client_id",
		    "no such document is cached");
	else
		ret = jta_db_err(st, rc, "cimd get", err);
	sqlite3_reset(s);
	return ret;
}

enum jta_err
jta_store_cimd_put(struct jta_store *st, const char *url, const char *name,
    const json_t *uris, int64_t now, int64_t expires, int64_t max_rows,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->cimd_put(pg, url, name, uris, now, expires,
		    max_rows, err);
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_CIMD_PURGE)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "cimd purge", err);
		goto out;
	}
	if ((s = stmt(st, S_CIMD_PUT)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_btext(s, ":url", url)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":name", name)) != SQLITE_OK ||
	    (rc = jta_db_bjson(s, ":uris", uris)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":expires", expires)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "cimd put", err);
		goto out;
	}
	if ((s = stmt(st, S_CIMD_TRIM)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_bint(s, ":max", max_rows)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "cimd trim", err);
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_store_client_get(struct jta_store *st, const char *client_id,
    unsigned char hash[JTA_VAULT_HASHBYTES], json_t **uris,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret = JTA_OK;
	sqlite3_stmt	*s;
	json_error_t	 je;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->client_get(pg, client_id, hash, uris, err);
	*uris = NULL;
	if ((s = stmt(st, S_CLIENT_GET)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":cid", client_id)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_bytes(s, 0) != JTA_VAULT_HASHBYTES ||
		    (*uris = json_loadb(jta_db_col(s, 1), (size_t)
		    sqlite3_column_bytes(s, 1), JSON_REJECT_DUPLICATES, &je)) ==
		    NULL || !json_is_array(*uris)) {
			json_decref(*uris);
			*uris = NULL;
			jta_errorlog("store: client row %s is damaged",
			    client_id);
			ret = jta_error_set(err, JTA_ERR_DB, 500, NULL,
			    "the client registry failed; the server log has "
			    "details");
		} else
			memcpy(hash, sqlite3_column_blob(s, 0),
			    JTA_VAULT_HASHBYTES);
	} else if (rc == SQLITE_DONE)
		ret = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "client_id",
		    "there is no client with that id");
	else
		ret = jta_db_err(st, rc, "client get", err);
	sqlite3_reset(s);
	return ret;
}

enum jta_err
jta_store_client_name(struct jta_store *st, const char *client_id,
    char *name, size_t namesz, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret = JTA_OK;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->client_name(pg, client_id, name, namesz,
		    err);
	name[0] = '\0';
	if ((s = stmt(st, S_CLIENT_NAME)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":cid", client_id)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		snprintf(name, namesz, "%s", jta_db_col(s, 0));
	else if (rc == SQLITE_DONE)
		ret = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "client_id",
		    "there is no client with that id");
	else
		ret = jta_db_err(st, rc, "client name", err);
	sqlite3_reset(s);
	return ret;
}

enum jta_err
jta_store_client_list(struct jta_store *st, json_t **out)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	json_t		*arr, *o, *uris;
	json_error_t	 je;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->client_list(pg, jta_time_now(), out);
	*out = NULL;
	if ((s = stmt(st, S_CLIENT_LIST)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", NULL);
	if ((rc = jta_db_bint(s, ":now", jta_time_now())) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", NULL);
	if ((arr = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		uris = json_loadb(jta_db_col(s, 2),
		    (size_t)sqlite3_column_bytes(s, 2), JSON_REJECT_DUPLICATES,
		    &je);
		o = json_pack("{s:s, s:s, s:o, s:o, s:I, s:b, s:s}",
		    "client_id", jta_db_col(s, 0), "name", jta_db_col(s, 1),
		    "redirect_uris", uris != NULL ? uris : json_array(),
		    "created", jta_db_timejs(sqlite3_column_int64(s, 3)),
		    "grants", (json_int_t)sqlite3_column_int64(s, 4),
		    "public", sqlite3_column_int(s, 5) != 0, "origin",
		    jta_db_col(s, 6));
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			sqlite3_reset(s);
			json_decref(arr);
			return JTA_ERR_NOMEM;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return jta_db_err(st, rc, "client list", NULL);
	}
	*out = arr;
	return JTA_OK;
}

enum jta_err
jta_store_client_secret_set(struct jta_store *st, const char *client_id,
    const unsigned char hash[JTA_VAULT_HASHBYTES], struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->client_secret_set(pg, client_id, hash, err);
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_CLIENT_SECRET)) == NULL)
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
	else if ((rc = jta_db_btext(s, ":cid", client_id)) != SQLITE_OK ||
	    (rc = jta_db_bhash(s, ":hash", hash)) != SQLITE_OK)
		ret = jta_db_err(st, rc, "bind", err);
	else if ((rc = jta_db_run(s)) != SQLITE_OK)
		ret = jta_db_err(st, rc, "client secret", err);
	else if (jta_db_changes(st) == 0)
		ret = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "client_id",
		    "there is no client with that id");
	else
		ret = jta_db_commit(st, err);
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_store_client_remove(struct jta_store *st, const char *client_id,
    struct jta_error *err)
{
	static const enum sid steps[] = { S_CLIENT_REVOKE, S_CLIENT_DEL_CODES,
	    S_CLIENT_DEL };
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	size_t		 i;
	int		 rc, gone = 0;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->client_remove(pg, client_id, err);
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if ((s = stmt(st, steps[i])) == NULL) {
			ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
			goto out;
		}
		if ((rc = jta_db_btext(s, ":cid", client_id)) != SQLITE_OK ||
		    (rc = jta_db_run(s)) != SQLITE_OK) {
			ret = jta_db_err(st, rc, "client remove", err);
			goto out;
		}
		gone = jta_db_changes(st) > 0;
	}
	if (!gone) {
		ret = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "client_id",
		    "there is no client with that id");
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

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

enum jta_err
jta_store_code_put(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES],
    const struct jta_store_code *c, int64_t now, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->code_put(pg, hash, c, now, err);
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = purge(st, S_CODE_PURGE, now, err)) != JTA_OK)
		goto out;
	if ((s = stmt(st, S_CODE_PUT)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_bhash(s, ":hash", hash)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":cid", c->client_id)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":uid", c->user_id)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":uri", c->redirect_uri)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":chal", c->challenge)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":scope", c->scope)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":expires", c->expires)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":aud", c->audience != NULL ? c->audience :
	    "api")) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	if ((rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "code put", err);
		goto out;
	}
	if ((ret = touch(st, c->client_id, now, err)) != JTA_OK)
		goto out;
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

/* Revoke every token of family (inside the caller's transaction). */
static enum jta_err
killfamily(struct jta_store *st, const char *family, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_TOK_KILL)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":family", family)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "token kill", err);
	jta_warn("oauth: token family revoked family=%.8s", family);
	return JTA_OK;
}

static enum jta_err
tokput(struct jta_store *st, const unsigned char hash[JTA_VAULT_HASHBYTES],
    const char *kind, const char *family, const char *client_id,
    int64_t user_id, const char *scope, int64_t expires, const char *aud,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_TOK_PUT)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bhash(s, ":hash", hash)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":kind", kind)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":family", family)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":cid", client_id)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":scope", scope)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":expires", expires)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":aud", aud[0] != '\0' ? aud : "api")) !=
	    SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "token put", err);
	return JTA_OK;
}

static enum jta_err
pairput(struct jta_store *st, const struct jta_store_pair *p,
    const char *family, const char *client_id, int64_t user_id,
    const char *scope, int64_t now, struct jta_error *err)
{
	enum jta_err	 ret;

	if ((ret = purge(st, S_TOK_PURGE, now, err)) != JTA_OK ||
	    (ret = tokput(st, p->access, "access", family, client_id, user_id,
	    scope, p->access_expires, p->audience, err)) != JTA_OK ||
	    (ret = tokput(st, p->refresh, "refresh", family, client_id,
	    user_id, scope, p->refresh_expires, p->audience, err)) != JTA_OK)
		return ret;
	return touch(st, client_id, now, err);
}

enum jta_err
jta_store_family_revoke(struct jta_store *st, const char *family,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->family_revoke(pg, family, err);
	return killfamily(st, family, err);
}

enum jta_err
jta_store_pair_put(struct jta_store *st, const struct jta_store_pair *pair,
    const char *family, const char *client_id, int64_t user_id,
    const char *scope, int64_t now, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->pair_put(pg, pair, family, client_id, user_id,
		    scope, now, err);
	return pairput(st, pair, family, client_id, user_id, scope, now, err);
}

enum jta_err
jta_store_code_take(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES],
    struct jta_store_code_row *out, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->code_take(pg, hash, out, err);
	memset(out, 0, sizeof(*out));
	if ((s = stmt(st, S_CODE_GET)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bhash(s, ":hash", hash)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(out->client_id, sizeof(out->client_id), "%s",
		    jta_db_col(s, 0));
		out->user_id = sqlite3_column_int64(s, 1);
		snprintf(out->redirect_uri, sizeof(out->redirect_uri), "%s",
		    jta_db_col(s, 2));
		out->has_challenge = sqlite3_column_type(s, 3) != SQLITE_NULL;
		snprintf(out->challenge, sizeof(out->challenge), "%s",
		    jta_db_col(s, 3));
		snprintf(out->scope, sizeof(out->scope), "%s",
		    jta_db_col(s, 4));
		out->expires = sqlite3_column_int64(s, 5);
		out->used = sqlite3_column_int(s, 6) != 0;
		snprintf(out->audience, sizeof(out->audience), "%s",
		    jta_db_col(s, 7));
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "there is no such authorization code");
	if (rc != SQLITE_ROW)
		return jta_db_err(st, rc, "code get", err);
	if ((s = stmt(st, S_CODE_USE)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bhash(s, ":hash", hash)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "code use", err);
	return JTA_OK;
}

enum jta_err
jta_store_token_get(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES],
    struct jta_store_token_row *out, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->token_get(pg, hash, out, err);
	memset(out, 0, sizeof(*out));
	if ((s = stmt(st, S_TOK_GET)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bhash(s, ":hash", hash)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(s, 0);
		snprintf(out->kind, sizeof(out->kind), "%s", jta_db_col(s, 1));
		snprintf(out->family, sizeof(out->family), "%s",
		    jta_db_col(s, 2));
		snprintf(out->client_id, sizeof(out->client_id), "%s",
		    jta_db_col(s, 3));
		out->user_id = sqlite3_column_int64(s, 4);
		snprintf(out->scope, sizeof(out->scope), "%s",
		    jta_db_col(s, 5));
		out->expires = sqlite3_column_int64(s, 6);
		out->replaced = sqlite3_column_type(s, 7) != SQLITE_NULL;
		out->replaced_at = sqlite3_column_int64(s, 7);
		out->revoked = sqlite3_column_int(s, 8) != 0;
		snprintf(out->audience, sizeof(out->audience), "%s",
		    jta_db_col(s, 9));
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "there is no such token");
	return rc == SQLITE_ROW ? JTA_OK : jta_db_err(st, rc, "token get",
	    err);
}

enum jta_err
jta_store_token_later(struct jta_store *st,
    const struct jta_store_token_row *t, int64_t *n, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->token_later(pg, t, n, err);
	*n = 0;
	if ((s = stmt(st, S_TOK_LATER)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":family", t->family)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":ra", t->replaced_at)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":rid", t->id)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? JTA_OK : jta_db_err(st, rc, "token later",
	    err);
}

enum jta_err
jta_store_token_replace(struct jta_store *st, int64_t id, int64_t now,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->token_replace(pg, id, now, err);
	if ((s = stmt(st, S_TOK_REPLACE)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":rid", id)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "token replace", err);
	return JTA_OK;
}

enum jta_err
jta_store_family_drop_live(struct jta_store *st, const char *family,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->family_drop_live(pg, family, err);
	if ((s = stmt(st, S_TOK_DROP_LIVE)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":family", family)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "token drop", err);
	return JTA_OK;
}

enum jta_err
jta_store_token_spend(struct jta_store *st, int64_t id, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->token_spend(pg, id, err);
	if ((s = stmt(st, S_TOK_REVOKE_ONE)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":rid", id)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "token spend", err);
	return JTA_OK;
}

enum jta_err
jta_store_token_revoke(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], const char *client_id,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	char		 kind[16], family[2 * JTA_VAULT_HASHBYTES + 1];
	char		 cid[JTA_LIMIT_CLIENT_ID + 1];
	int64_t		 rid = 0;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->token_revoke(pg, hash, client_id, err);
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_TOK_GET)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_bhash(s, ":hash", hash)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		rid = sqlite3_column_int64(s, 0);
		snprintf(kind, sizeof(kind), "%s", jta_db_col(s, 1));
		snprintf(family, sizeof(family), "%s", jta_db_col(s, 2));
		snprintf(cid, sizeof(cid), "%s", jta_db_col(s, 3));
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE) {
		/* RFC 7009 §2.2: an unknown token is no error. */
		ret = jta_db_commit(st, err);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		ret = jta_db_err(st, rc, "token get", err);
		goto out;
	}
	if (strcmp(cid, client_id) != 0) {
		/* RFC 7009 §2.1: only the client it was issued to. */
		ret = oautherr(err, 400, "invalid_request",
		    "the token was not issued to this client");
		goto out;
	}
	if (strcmp(kind, "refresh") == 0)
		/* RFC 7009 §2.1: revoking a refresh token revokes the
		 * access tokens of the same grant. */
		ret = killfamily(st, family, err);
	else if ((s = stmt(st, S_TOK_REVOKE_ONE)) == NULL)
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
	else if ((rc = jta_db_bint(s, ":rid", rid)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK)
		ret = jta_db_err(st, rc, "token revoke", err);
	if (ret == JTA_OK)
		ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_store_token_auth(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], int64_t now,
    struct jta_user *out, char audience[JTA_STORE_AUDLEN + 1])
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret = JTA_ERR_AUTH;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->token_auth(pg, hash, now, out, audience);
	audience[0] = '\0';
	if ((s = stmt(st, S_TOK_AUTH)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", NULL);
	if ((rc = jta_db_bhash(s, ":hash", hash)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", NULL);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		jta_db_userrow(s, 0, out);
		snprintf(audience, JTA_STORE_AUDLEN + 1, "%s",
		    jta_db_col(s, 4));
		ret = JTA_OK;
	} else if (rc != SQLITE_DONE)
		ret = jta_db_err(st, rc, "token auth", NULL);
	sqlite3_reset(s);
	return ret;
}

/* ---- sign-in lockout ---- */

enum jta_err
jta_store_lockout_get(struct jta_store *st, const char *name,
    int64_t *locked_until, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->lockout_get(pg, name, locked_until, err);
	*locked_until = 0;
	if ((s = stmt(st, S_LOCK_GET)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":name", name)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*locked_until = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return jta_db_err(st, rc, "lockout get", err);
	return JTA_OK;
}

enum jta_err
jta_store_lockout_fail(struct jta_store *st, const char *name, int64_t now,
    const struct jta_store_lockout *rule, int64_t *locked_until,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	*locked_until = 0;
	if (strlen(name) > JTA_LIMIT_NAME || rule->max_failures < 1 ||
	    rule->window_s < 1 || rule->lock_s < 1 || rule->max_rows < 1)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the sign-in could not be checked");
	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->lockout_fail(pg, name, now, rule, locked_until,
		    err);
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_LOCK_PURGE)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_bint(s, ":old", now - rule->window_s)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "lockout purge", err);
		goto out;
	}
	if ((s = stmt(st, S_LOCK_TRIM)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":max", rule->max_rows)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "lockout trim", err);
		goto out;
	}
	if ((s = stmt(st, S_LOCK_FAIL)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_btext(s, ":name", name)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":old", now - rule->window_s)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":limit", rule->max_failures)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":until", now + rule->lock_s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*locked_until = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW) {
		ret = jta_db_err(st, rc == SQLITE_DONE ? SQLITE_ERROR : rc,
		    "lockout fail", err);
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_store_lockout_clear(struct jta_store *st, const char *name,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->lockout_clear(pg, name, err);
	if ((s = stmt(st, S_LOCK_CLEAR)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":name", name)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "lockout clear", err);
	return JTA_OK;
}

enum jta_err
jta_store_user_grants_revoke(struct jta_store *st, int64_t user_id,
    int64_t *revoked, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->user_grants_revoke(pg, user_id, revoked, err);
	*revoked = 0;
	if ((s = stmt(st, S_TOK_REVOKE_USER)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "token revoke", err);
	*revoked = jta_db_changes(st);
	if ((s = stmt(st, S_CODE_DEL_USER)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "code remove", err);
	return JTA_OK;
}
