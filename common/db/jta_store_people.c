/*
 * Users, keys, passwords, OAuth states and Atlassian links with SQLite
 * (jta_store_people.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "jta_db_engine.h"
#include "jta_db_sqlite.h"
#include "jta_log.h"
#include "jta_text.h"
#include "jta_store_authz.h"
#include "jta_store_people.h"
#include "jta_time.h"

/* ---- the fixed table of statements ---- */

enum sid {
	S_USER_ADD,
	S_USER_GET,
	S_USER_LIST,
	S_KEY_ADD,
	S_KEY_AUTH,
	S_KEY_LIST,
	S_KEY_REVOKE,
	S_STATE_PURGE,
	S_STATE_PUT,
	S_STATE_TAKE,
	S_USER_SET_IDENTITY,
	S_USER_BY_ID,
	S_LINK_BY_ACCOUNT,
	S_LINK_UPSERT,
	S_LINK_GET,
	S_LINK_LEASE,
	S_LINK_RENEW,
	S_LINK_RELEASE,
	S_LINK_BREAK,
	S_LINK_STALE,
	S_LINK_RESEAL,
	S_PW_SET,
	S_PW_GET,
	S_LINK_LIST,
	S_LINK_DEL,
	S_COUNT
};

static const char *const sql[S_COUNT] = {
	[S_USER_ADD] = "INSERT INTO users (name, display_name, email, created) "
	    "VALUES (:name, :display, :email, :now)",
	[S_USER_GET] = "SELECT id, name, display_name, email FROM users "
	    "WHERE name = :name",
	[S_USER_LIST] = "SELECT name, display_name, email, created FROM users "
	    "ORDER BY name",
	[S_KEY_ADD] = "INSERT INTO api_keys (keyid, user_id, hash, label, "
	    "created) VALUES (:keyid, :uid, :hash, :label, :now)",
	[S_KEY_AUTH] = "SELECT k.hash, u.id, u.name, u.display_name, u.email "
	    "FROM api_keys k JOIN users u ON u.id = k.user_id "
	    "WHERE k.keyid = :keyid AND k.revoked IS NULL",
	[S_KEY_LIST] = "SELECT k.keyid, u.name, k.label, k.created, k.revoked "
	    "FROM api_keys k JOIN users u ON u.id = k.user_id "
	    "WHERE :user IS NULL OR u.name = :user ORDER BY k.id",
	[S_KEY_REVOKE] = "UPDATE api_keys SET revoked = :now "
	    "WHERE keyid = :keyid AND revoked IS NULL",
	[S_STATE_PURGE] = "DELETE FROM oauth_states WHERE expires <= :now",
	[S_STATE_PUT] = "INSERT INTO oauth_states (state_hash, created, "
	    "expires, user_hint, request) VALUES (:hash, :now, :expires, "
	    ":hint, :request)",
	[S_STATE_TAKE] = "DELETE FROM oauth_states WHERE state_hash = :hash "
	    "AND expires > :now RETURNING coalesce(user_hint, ''), "
	    "coalesce(request, '')",
	[S_USER_SET_IDENTITY] = "UPDATE users SET display_name = :display, "
	    "email = :email WHERE id = :uid",
	[S_USER_BY_ID] = "SELECT id, name, display_name, email FROM users "
	    "WHERE id = :uid",
	[S_LINK_BY_ACCOUNT] = "SELECT user_id FROM atlassian_links "
	    "WHERE account_id = :acct",
	[S_LINK_UPSERT] = "INSERT INTO atlassian_links (user_id, account_id, "
	    "cloud_id, site_url, access_ct, access_expires, refresh_ct, "
	    "status, "
	    "generation, created, updated) VALUES (:uid, :acct, :cloud, :site, "
	    ":access, :expires, :refresh, 'ok', 1, :now, :now) "
	    "ON CONFLICT (user_id) DO UPDATE SET "
	    "account_id = excluded.account_id, "
	    "cloud_id = excluded.cloud_id, site_url = excluded.site_url, "
	    "access_ct = excluded.access_ct, "
	    "access_expires = excluded.access_expires, "
	    "refresh_ct = excluded.refresh_ct, status = 'ok', "
	    "generation = generation + 1, lease_owner = NULL, "
	    "lease_until = NULL, updated = excluded.updated",
	[S_LINK_GET] = "SELECT l.user_id, l.account_id, l.cloud_id, "
	    "l.site_url, l.access_ct, l.access_expires, l.refresh_ct, "
	    "l.status, "
	    "l.generation, l.lease_owner, l.lease_until, l.created, l.updated, "
	    "u.display_name, u.email FROM atlassian_links l "
	    "JOIN users u ON u.id = l.user_id WHERE l.user_id = :uid",
	[S_LINK_LEASE] = "UPDATE atlassian_links SET lease_owner = :owner, "
	    "lease_until = :until WHERE user_id = :uid AND generation = :gen",
	[S_LINK_RENEW] = "UPDATE atlassian_links SET access_ct = :access, "
	    "access_expires = :expires, "
	    "refresh_ct = coalesce(:refresh, refresh_ct), "
	    "generation = generation + 1, lease_owner = NULL, "
	    "lease_until = NULL, updated = :now "
	    "WHERE user_id = :uid AND lease_owner = :owner AND status = 'ok'",
	[S_LINK_RELEASE] = "UPDATE atlassian_links SET lease_owner = NULL, "
	    "lease_until = NULL WHERE user_id = :uid AND lease_owner = :owner",
	[S_LINK_BREAK] = "UPDATE atlassian_links SET status = 'broken', "
	    "access_ct = NULL, refresh_ct = NULL, generation = generation + 1, "
	    "lease_owner = NULL, lease_until = NULL, updated = :now "
	    "WHERE user_id = :uid AND lease_owner = :owner",
	/* Bytes 2..5 of a sealed token are its KID (see jta_vault.h). */
	[S_LINK_STALE] = "SELECT user_id, generation, access_ct, refresh_ct "
	    "FROM atlassian_links WHERE status = 'ok' AND user_id > :after "
	    "AND (substr(access_ct, 2, 4) IS NOT :kid OR (refresh_ct IS NOT "
	    "NULL AND substr(refresh_ct, 2, 4) IS NOT :kid)) "
	    "ORDER BY user_id LIMIT :lim",
	[S_LINK_RESEAL] = "UPDATE atlassian_links SET access_ct = :access, "
	    "refresh_ct = :refresh WHERE user_id = :uid AND generation = :gen "
	    "AND status = 'ok'",
	[S_PW_SET] = "UPDATE users SET pw_hash = :pw WHERE name = :name",
	[S_PW_GET] = "SELECT id, name, display_name, email, pw_hash "
	    "FROM users WHERE name = :name",
	/* Users with their link, if any (jta-admin users). */
	[S_LINK_LIST] = "SELECT u.id, u.name, u.display_name, u.email, "
	    "l.account_id, l.site_url, l.status, l.updated, l.access_expires, "
	    "l.refresh_ct IS NOT NULL FROM users u LEFT JOIN atlassian_links "
	    "l ON l.user_id = u.id ORDER BY u.name",
	[S_LINK_DEL] = "DELETE FROM atlassian_links WHERE user_id = :uid",
};

/* Statement id of this repository, reset and unbound (jta_db_stmt). */
static sqlite3_stmt *
stmt(struct jta_store *st, enum sid id)
{
	return jta_db_stmt(st, JTA_DB_REPO_PEOPLE, sql, S_COUNT, (size_t)id);
}

/* ---- users and keys ---- */

enum jta_err
jta_store_user_add(struct jta_store *st, const char *name,
    const char *display_name, const char *email, int64_t *id,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->user_add(pg, name, display_name, email, id, err);
	if ((s = stmt(st, S_USER_ADD)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":name", name)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":display", display_name)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":email", email ? email : "")) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", jta_time_now())) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = jta_db_run(s);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return jta_error_set(err, JTA_ERR_CONFLICT, 409, "name",
		    "a user with that name exists already");
	if (rc != SQLITE_OK)
		return jta_db_err(st, rc, "user add", err);
	if (id != NULL)
		*id = jta_db_last_rowid(st);
	return JTA_OK;
}

enum jta_err
jta_store_user_get(struct jta_store *st, const char *name,
    struct jta_user *out, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->user_get(pg, name, out, err);

	if ((s = stmt(st, S_USER_GET)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":name", name)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		jta_db_userrow(s, 0, out);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "user",
		    "there is no user by that name");
	return rc == SQLITE_ROW ? JTA_OK : jta_db_err(st, rc, "user get", err);
}

enum jta_err
jta_store_user_list(struct jta_store *st, json_t **out)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	json_t		*arr, *o;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->user_list(pg, out);

	*out = NULL;
	if ((s = stmt(st, S_USER_LIST)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", NULL);
	if ((arr = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		o = json_pack("{s:s, s:s, s:s, s:o}", "name", jta_db_col(s, 0),
		    "display_name", jta_db_col(s, 1), "email", jta_db_col(s, 2),
		    "created", jta_db_timejs(sqlite3_column_int64(s, 3)));
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			sqlite3_reset(s);
			json_decref(arr);
			return JTA_ERR_NOMEM;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return jta_db_err(st, rc, "user list", NULL);
	}
	*out = arr;
	return JTA_OK;
}

enum jta_err
jta_store_key_add(struct jta_store *st, int64_t user_id, const char *keyid,
    const unsigned char hash[JTA_VAULT_HASHBYTES], const char *label,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->key_add(pg, user_id, keyid, hash, label, err);

	if ((s = stmt(st, S_KEY_ADD)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":keyid", keyid)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = sqlite3_bind_blob(s, jta_db_pidx(s, ":hash"), hash,
	    JTA_VAULT_HASHBYTES, SQLITE_TRANSIENT)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":label", label ? label : "")) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", jta_time_now())) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "key add", err);
	return JTA_OK;
}

enum jta_err
jta_store_key_auth(struct jta_store *st, const char *keyid,
    const unsigned char hash[JTA_VAULT_HASHBYTES], struct jta_user *out)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret = JTA_ERR_AUTH;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->key_auth(pg, keyid, hash, out);

	if ((s = stmt(st, S_KEY_AUTH)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", NULL);
	if ((rc = jta_db_btext(s, ":keyid", keyid)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", NULL);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_bytes(s, 0) == JTA_VAULT_HASHBYTES &&
		    jta_vault_hash_equal(sqlite3_column_blob(s, 0), hash)) {
			jta_db_userrow(s, 1, out);
			ret = JTA_OK;
		}
	} else if (rc != SQLITE_DONE)
		ret = jta_db_err(st, rc, "key auth", NULL);
	sqlite3_reset(s);
	return ret;
}

enum jta_err
jta_store_key_list(struct jta_store *st, const char *user, json_t **out,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	json_t		*arr, *o;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->key_list(pg, user, out, err);

	*out = NULL;
	if ((s = stmt(st, S_KEY_LIST)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":user", user)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((arr = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		o = json_pack("{s:s, s:s, s:s, s:o, s:o}", "id",
		    jta_db_col(s, 0), "user", jta_db_col(s, 1), "label",
		    jta_db_col(s, 2), "created",
		    jta_db_timejs(sqlite3_column_int64(s, 3)), "revoked",
		    sqlite3_column_type(s, 4) == SQLITE_NULL ? json_null() :
		    jta_db_timejs(sqlite3_column_int64(s, 4)));
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			sqlite3_reset(s);
			json_decref(arr);
			return JTA_ERR_NOMEM;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return jta_db_err(st, rc, "key list", err);
	}
	*out = arr;
	return JTA_OK;
}

enum jta_err
jta_store_key_revoke(struct jta_store *st, const char *keyid,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->key_revoke(pg, keyid, err);

	if ((s = stmt(st, S_KEY_REVOKE)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":keyid", keyid)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", jta_time_now())) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "key revoke", err);
	if (jta_db_changes(st) == 0)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "there is no active key with that id");
	return JTA_OK;
}

/* ---- OAuth states ---- */

static enum jta_err
statepurge(struct jta_store *st, int64_t now, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_STATE_PURGE)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":now", now)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "state purge", err);
	return JTA_OK;
}

enum jta_err
jta_store_state_put(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], int64_t ttl_s, int64_t now,
    const char *user_hint, struct jta_error *err)
{
	return jta_store_state_put_request(st, hash, ttl_s, now, user_hint,
	    NULL, err);
}

enum jta_err
jta_store_state_put_request(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], int64_t ttl_s, int64_t now,
    const char *user_hint, const char *request, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if (ttl_s <= 0 || now <= 0 || now > INT64_MAX - ttl_s ||
	    (user_hint != NULL && strlen(user_hint) > JTA_LIMIT_STATE_HINT) ||
	    (request != NULL && strlen(request) > JTA_STORE_REQUEST_MAX))
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the sign-in could not be started");
	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->state_put(pg, hash, ttl_s, now, user_hint,
		    request, err);
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = statepurge(st, now, err)) != JTA_OK)
		goto out;
	if ((s = stmt(st, S_STATE_PUT)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = sqlite3_bind_blob(s, jta_db_pidx(s, ":hash"), hash,
	    JTA_VAULT_HASHBYTES, SQLITE_TRANSIENT)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":expires", now + ttl_s)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":hint", user_hint)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":request", request)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	if ((rc = jta_db_run(s)) == SQLITE_CONSTRAINT_PRIMARYKEY) {
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, NULL,
		    "that sign-in state exists already");
		goto out;
	} else if (rc != SQLITE_OK) {
		ret = jta_db_err(st, rc, "state put", err);
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_store_state_take(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], int64_t now,
    char *user_hint, size_t hintsz, struct jta_error *err)
{
	return jta_store_state_take_request(st, hash, now, user_hint, hintsz,
	    NULL, 0, err);
}

enum jta_err
jta_store_state_take_request(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], int64_t now,
    char *user_hint, size_t hintsz, char *request, size_t requestsz,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if (user_hint != NULL && hintsz > 0)
		user_hint[0] = '\0';
	if (request != NULL && requestsz > 0)
		request[0] = '\0';
	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->state_take(pg, hash, now, user_hint, hintsz,
		    request, requestsz, err);
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_STATE_TAKE)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = sqlite3_bind_blob(s, jta_db_pidx(s, ":hash"), hash,
	    JTA_VAULT_HASHBYTES, SQLITE_TRANSIENT)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	/* With RETURNING the delete is done by the first step. */
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && user_hint != NULL && hintsz > 0)
		snprintf(user_hint, hintsz, "%s", jta_db_col(s, 0));
	if (rc == SQLITE_ROW && request != NULL && requestsz > 0 &&
	    snprintf(request, requestsz, "%s", jta_db_col(s, 1)) >=
	    (int)requestsz)
		request[0] = '\0';	/* cannot happen: bounded by put */
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ret = jta_db_err(st, rc, "state take", err);
		goto out;
	}
	/* Purge and commit even when the state was not there. */
	if ((ret = statepurge(st, now, err)) != JTA_OK ||
	    (ret = jta_db_commit(st, err)) != JTA_OK)
		goto out;
	if (rc == SQLITE_DONE)
		ret = jta_error_set(err, JTA_ERR_AUTH, 400, "state",
		    "the sign-in link is unknown, used or expired; start "
		    "again");
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

/* ---- Atlassian links ---- */

static enum jta_err
userbyid(struct jta_store *st, int64_t uid, struct jta_user *out,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_USER_BY_ID)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":uid", uid)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		jta_db_userrow(s, 0, out);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "there is no such user");
	return rc == SQLITE_ROW ? JTA_OK :
	    jta_db_err(st, rc, "user by id", err);
}

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
	free(r->access_ct);
	free(r->refresh_ct);
	memset(r, 0, sizeof(*r));
}

static unsigned char *
blobdup(sqlite3_stmt *s, int i, size_t *len)
{
	const void	*b = sqlite3_column_blob(s, i);
	unsigned char	*p;
	int		 n = sqlite3_column_bytes(s, i);

	*len = 0;
	if (b == NULL || n <= 0)
		return NULL;
	if ((p = malloc((size_t)n)) == NULL)
		return NULL;
	memcpy(p, b, (size_t)n);
	*len = (size_t)n;
	return p;
}

/* Read user_id's link into r (cleared first; the caller clears it after).
 * JTA_ERR_NOTFOUND when there is none. */
static enum jta_err
linkread(struct jta_store *st, int64_t uid, struct linkrow *r,
    struct jta_error *err)
{
	enum jta_err	 ret = JTA_OK;
	sqlite3_stmt	*s;
	int		 rc;

	memset(r, 0, sizeof(*r));
	if ((s = stmt(st, S_LINK_GET)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":uid", uid)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		r->l.user_id = sqlite3_column_int64(s, 0);
		snprintf(r->l.account_id, sizeof(r->l.account_id), "%s",
		    jta_db_col(s, 1));
		snprintf(r->l.cloud_id, sizeof(r->l.cloud_id), "%s",
		    jta_db_col(s, 2));
		snprintf(r->l.site_url, sizeof(r->l.site_url), "%s",
		    jta_db_col(s, 3));
		r->access_ct = blobdup(s, 4, &r->access_len);
		r->l.access_expires = sqlite3_column_int64(s, 5);
		r->refresh_ct = blobdup(s, 6, &r->refresh_len);
		r->l.broken = strcmp(jta_db_col(s, 7), "ok") != 0;
		r->l.generation = sqlite3_column_int64(s, 8);
		snprintf(r->owner, sizeof(r->owner), "%s", jta_db_col(s, 9));
		r->lease_until = sqlite3_column_int64(s, 10);
		r->l.created = sqlite3_column_int64(s, 11);
		r->l.updated = sqlite3_column_int64(s, 12);
		snprintf(r->l.display_name, sizeof(r->l.display_name), "%s",
		    jta_db_col(s, 13));
		snprintf(r->l.email, sizeof(r->l.email), "%s",
		    jta_db_col(s, 14));
		r->l.has_refresh = r->refresh_ct != NULL;
		if ((sqlite3_column_type(s, 4) != SQLITE_NULL &&
		    r->access_ct == NULL) ||
		    (sqlite3_column_type(s, 6) != SQLITE_NULL &&
		    r->refresh_ct == NULL))
			ret = jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
			    "out of memory");
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "this account is not linked to Atlassian; link it first");
	if (rc != SQLITE_ROW)
		return jta_db_err(st, rc, "link get", err);
	return ret;
}

/* Find the user linked to account, or the user named after it, or create
 * that user; set display name and email.  Inside the caller's
 * transaction. */
static enum jta_err
linkuser(struct jta_store *st, const struct jta_link *in,
    struct jta_user *out, struct jta_error *err)
{
	enum jta_err	 ret;
	struct linkrow	 r;
	sqlite3_stmt	*s;
	const char	*display;
	char		 name[JTA_LIMIT_NAME + 1];
	int64_t		 uid = 0;
	int		 rc;

	memset(&r, 0, sizeof(r));
	if (jta_db_atlname(in->account_id, name, sizeof(name)) != JTA_OK)
		return jta_error_set(err, JTA_ERR_CRYPTO, 500, NULL,
		    "the account could not be linked");
	display = in->display_name[0] != '\0' ? in->display_name : name;
	if ((s = stmt(st, S_LINK_BY_ACCOUNT)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":acct", in->account_id)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		uid = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return jta_db_err(st, rc, "link by account", err);
	if (uid == 0) {
		ret = jta_store_user_get(st, name, out, NULL);
		if (ret == JTA_OK) {
			/* The user named after this account: reuse it unless
			 * another account's link holds it. */
			ret = linkread(st, out->id, &r, NULL);
			linkrow_clear(&r);
			if (ret == JTA_OK)
				return jta_error_set(err, JTA_ERR_CONFLICT,
				    409, NULL, "another Atlassian account is "
				    "linked to the local user for this one");
			if (ret != JTA_ERR_NOTFOUND)
				return jta_db_err(st, SQLITE_ERROR, "link get",
				    err);
			uid = out->id;
		} else if (ret == JTA_ERR_NOTFOUND) {
			if ((ret = jta_store_user_add(st, name, display,
			    in->email, &uid, err)) != JTA_OK)
				return ret;
		} else
			return jta_db_err(st, SQLITE_ERROR, "user get", err);
	}
	if ((s = stmt(st, S_USER_SET_IDENTITY)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":display", display)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":email", in->email)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":uid", uid)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "user identity", err);
	/* The name of an existing user may differ (it may predate this
	 * scheme); read the user back. */
	return userbyid(st, uid, out, err);
}

enum jta_err
jta_store_link_put(struct jta_store *st, struct jta_vault *v,
    const struct jta_link *in, const unsigned char *access, size_t access_len,
    int64_t expires_at, const unsigned char *refresh, size_t refresh_len,
    struct jta_user *out, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	unsigned char	*act = NULL, *rct = NULL;
	size_t		 actlen = 0, rctlen = 0;
	int64_t		 now = jta_time_now();
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->link_put(pg, v, in, access, access_len,
		    expires_at, refresh, refresh_len, out, err);
	if (!jta_db_printable(in->account_id, JTA_LIMIT_ACCOUNT_ID) ||
	    !jta_db_printable(in->cloud_id, JTA_LIMIT_CLOUD_ID) ||
	    !jta_db_printable(in->site_url, JTA_LIMIT_SITE_URL) ||
	    !jta_db_plaintext(in->display_name, JTA_LIMIT_DISPLAY_NAME) ||
	    !jta_db_plaintext(in->email, JTA_LIMIT_EMAIL))
		return jta_error_set(err, JTA_ERR_INPUT, 502, NULL,
		    "Atlassian answered with an account, site or identity we "
		    "cannot store");
	if ((ret = jta_db_checktoken(access, access_len, 0, err)) != JTA_OK ||
	    (ret = jta_db_checktoken(refresh, refresh_len, 1, err)) != JTA_OK)
		return ret;
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = linkuser(st, in, out, err)) != JTA_OK)
		goto out;
	if ((ret = jta_db_token_seal(v, out->id, "access", access,
	    access_len, &act, &actlen, err)) != JTA_OK ||
	    (refresh != NULL && (ret = jta_db_token_seal(v, out->id, "refresh",
	    refresh, refresh_len, &rct, &rctlen, err)) != JTA_OK))
		goto out;
	if ((s = stmt(st, S_LINK_UPSERT)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_bint(s, ":uid", out->id)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":acct", in->account_id)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":cloud", in->cloud_id)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":site", in->site_url)) != SQLITE_OK ||
	    (rc = jta_db_bblob(s, ":access", act, actlen)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":expires", expires_at)) != SQLITE_OK ||
	    (rc = jta_db_bblob(s, ":refresh", rct, rctlen)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	if ((rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "link put", err);
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	free(act);
	free(rct);
	return ret;
}

enum jta_err
jta_store_link_get(struct jta_store *st, struct jta_vault *v,
    int64_t user_id, struct jta_link *out, struct jta_secret **access,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	struct linkrow	 r;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->link_get(pg, v, user_id, out, access, err);
	*access = NULL;
	memset(out, 0, sizeof(*out));
	if ((ret = linkread(st, user_id, &r, err)) != JTA_OK)
		goto out;
	*out = r.l;
	if (!r.l.broken)
		ret = jta_db_token_open(v, user_id, "access", r.access_ct,
		    r.access_len, access, err);
out:
	linkrow_clear(&r);
	return ret;
}

enum jta_err
jta_store_link_lease(struct jta_store *st, struct jta_vault *v,
    int64_t user_id, const char *owner, int64_t now, int64_t lease_s,
    int64_t known_generation, enum jta_lease_result *res,
    struct jta_secret **token, struct jta_link *out, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	struct linkrow	 r;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->link_lease(pg, v, user_id, owner, now, lease_s,
		    known_generation, res, token, out, err);
	*token = NULL;
	*res = JTA_LEASE_BUSY;
	memset(&r, 0, sizeof(r));
	memset(out, 0, sizeof(*out));
	if ((ret = jta_db_checkowner(owner, err)) != JTA_OK)
		return ret;
	if (lease_s <= 0 || now <= 0 || now > INT64_MAX - lease_s)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the refresh lease time is out of range");
	/* BEGIN IMMEDIATE: re-read and claim under the write lock, so two
	 * processes never both see the lease free. */
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = linkread(st, user_id, &r, err)) != JTA_OK)
		goto out;
	*out = r.l;
	if (r.l.broken || r.refresh_ct == NULL) {
		*res = JTA_LEASE_BROKEN;
		goto out;
	}
	if (r.l.generation != known_generation) {
		*res = JTA_LEASE_FRESH;
		ret = jta_db_token_open(v, user_id, "access", r.access_ct,
		    r.access_len, token, err);
		goto out;
	}
	if (r.owner[0] != '\0' && r.lease_until > now &&
	    strcmp(r.owner, owner) != 0) {
		*res = JTA_LEASE_BUSY;
		goto out;
	}
	/* Open the refresh token before claiming, so a token that does not
	 * open claims nothing. */
	if ((ret = jta_db_token_open(v, user_id, "refresh", r.refresh_ct,
	    r.refresh_len, token, err)) != JTA_OK)
		goto out;
	if ((s = stmt(st, S_LINK_LEASE)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_btext(s, ":owner", owner)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":until", now + lease_s)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":gen", r.l.generation)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	if ((rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "link lease", err);
		goto out;
	}
	if (jta_db_changes(st) != 1) {
		ret = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the refresh lease could not be taken");
		goto out;
	}
	if ((ret = jta_db_commit(st, err)) != JTA_OK)
		goto out;
	*res = JTA_LEASE_CLAIMED;
out:
	/* Nothing was written on the other paths: end the transaction. */
	jta_db_rollback(st);
	if (ret != JTA_OK) {
		jta_secret_free(*token);
		*token = NULL;
	}
	linkrow_clear(&r);
	return ret;
}

enum jta_err
jta_store_link_renew(struct jta_store *st, struct jta_vault *v,
    int64_t user_id, const char *owner, const unsigned char *access,
    size_t access_len, int64_t expires_at, const unsigned char *refresh,
    size_t refresh_len, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	unsigned char	*act = NULL, *rct = NULL;
	size_t		 actlen = 0, rctlen = 0;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->link_renew(pg, v, user_id, owner, access,
		    access_len, expires_at, refresh, refresh_len, err);
	if ((ret = jta_db_checkowner(owner, err)) != JTA_OK ||
	    (ret = jta_db_checktoken(access, access_len, 0, err)) != JTA_OK ||
	    (ret = jta_db_checktoken(refresh, refresh_len, 1, err)) != JTA_OK)
		return ret;
	/* Seal first: no need to hold the lock for it. */
	if ((ret = jta_db_token_seal(v, user_id, "access", access,
	    access_len, &act, &actlen, err)) != JTA_OK ||
	    (refresh != NULL && (ret = jta_db_token_seal(v, user_id, "refresh",
	    refresh, refresh_len, &rct, &rctlen, err)) != JTA_OK))
		goto out;
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		goto out;
	if ((s = stmt(st, S_LINK_RENEW)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_bblob(s, ":access", act, actlen)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":expires", expires_at)) != SQLITE_OK ||
	    (rc = jta_db_bblob(s, ":refresh", rct, rctlen)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", jta_time_now())) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":owner", owner)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	if ((rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "link renew", err);
		goto out;
	}
	if (jta_db_changes(st) != 1) {
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, NULL,
		    "the refresh lease was lost; the new tokens were "
		    "discarded");
		goto out;
	}
	/* synchronous=FULL (set at open): on disk before we return. */
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	free(act);
	free(rct);
	return ret;
}

/* Run the lease statement id (release or break) for owner. */
static enum jta_err
leaseend(struct jta_store *st, enum sid id, int64_t user_id,
    const char *owner, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((ret = jta_db_checkowner(owner, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, id)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":owner", owner)) != SQLITE_OK ||
	    (id == S_LINK_BREAK &&
	    (rc = jta_db_bint(s, ":now", jta_time_now())) != SQLITE_OK))
		return jta_db_err(st, rc, "bind", err);
	/* One statement in autocommit mode: its own write transaction. */
	if ((rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "link lease end", err);
	if (jta_db_changes(st) != 1)
		return jta_error_set(err, JTA_ERR_CONFLICT, 409, NULL,
		    "the refresh lease is not held by this process");
	return JTA_OK;
}

enum jta_err
jta_store_link_release(struct jta_store *st, int64_t user_id,
    const char *owner, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->link_release(pg, user_id, owner, err);
	return leaseend(st, S_LINK_RELEASE, user_id, owner, err);
}

enum jta_err
jta_store_link_break(struct jta_store *st, int64_t user_id,
    const char *owner, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->link_break(pg, user_id, owner, err);
	return leaseend(st, S_LINK_BREAK, user_id, owner, err);
}

/* One row to re-seal: read without a lock, written with compare-and-set
 * on generation. */
struct reseal {
	int64_t		 uid, gen;
	unsigned char	*act, *rct;
	size_t		 actlen, rctlen;
	int		 ok;	/* re-sealed in memory */
};

enum jta_err
jta_store_link_reseal(struct jta_store *st, struct jta_vault *v,
    size_t batch, size_t *resealed, size_t *remaining,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret = JTA_OK;
	struct reseal	*rows = NULL;
	sqlite3_stmt	*s;
	unsigned char	 kidb[4];
	int64_t		 after = 0;
	size_t		 n = 0, i, alen, rlen;
	int		 rc, more = 1, intx = 0;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->link_reseal(pg, v, batch, resealed, remaining,
		    err);

	*resealed = 0;
	*remaining = 0;
	if (batch == 0 || batch > JTA_LIMIT_RESEAL_BATCH)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the re-seal batch must be 1 to %d rows",
		    JTA_LIMIT_RESEAL_BATCH);
	if ((ret = jta_db_seal_kid(v, kidb, err)) != JTA_OK)
		return ret;
	if ((rows = calloc(batch, sizeof(*rows))) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	while (more) {
		/* Read a batch, outside any transaction (WAL readers do not
		 * wait for writers), and re-seal it in memory. */
		if ((s = stmt(st, S_LINK_STALE)) == NULL) {
			ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
			goto out;
		}
		if ((rc = jta_db_bint(s, ":after", after)) != SQLITE_OK ||
		    (rc = jta_db_bblob(s, ":kid", kidb, sizeof(kidb))) !=
		    SQLITE_OK ||
		    (rc = jta_db_bint(s, ":lim", (int64_t)batch)) !=
		    SQLITE_OK) {
			ret = jta_db_err(st, rc, "bind", err);
			goto out;
		}
		n = 0;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			struct reseal *r = &rows[n++];
			const unsigned char *a, *f;

			r->uid = after = sqlite3_column_int64(s, 0);
			r->gen = sqlite3_column_int64(s, 1);
			a = sqlite3_column_blob(s, 2);
			alen = (size_t)sqlite3_column_bytes(s, 2);
			f = sqlite3_column_blob(s, 3);
			rlen = (size_t)sqlite3_column_bytes(s, 3);
			r->ok = jta_db_token_reseal(v, r->uid, "access", a,
			    alen, &r->act, &r->actlen) == JTA_OK &&
			    jta_db_token_reseal(v, r->uid, "refresh", f, rlen,
			    &r->rct, &r->rctlen) == JTA_OK && r->act != NULL;
			if (!r->ok)
				(*remaining)++;
		}
		sqlite3_reset(s);
		if (rc != SQLITE_DONE) {
			ret = jta_db_err(st, rc, "link stale", err);
			goto out;
		}
		more = n == batch;
		if (n == 0)
			break;
		/* Write it back in one short transaction, each row only if
		 * no renew changed it since we read it. */
		if ((ret = jta_db_begin(st, err)) != JTA_OK)
			goto out;
		intx = 1;
		for (i = 0; i < n; i++) {
			if (!rows[i].ok)
				continue;
			if ((s = stmt(st, S_LINK_RESEAL)) == NULL) {
				ret = jta_db_err(st, SQLITE_ERROR,
				    "prepare", err);
				goto out;
			}
			if ((rc = jta_db_bblob(s, ":access", rows[i].act,
			    rows[i].actlen)) != SQLITE_OK ||
			    (rc = jta_db_bblob(s, ":refresh", rows[i].rct,
			    rows[i].rctlen)) != SQLITE_OK ||
			    (rc = jta_db_bint(s, ":uid", rows[i].uid)) !=
			    SQLITE_OK ||
			    (rc = jta_db_bint(s, ":gen", rows[i].gen)) !=
			    SQLITE_OK) {
				ret = jta_db_err(st, rc, "bind", err);
				goto out;
			}
			if ((rc = jta_db_run(s)) != SQLITE_OK) {
				ret = jta_db_err(st, rc, "link reseal", err);
				goto out;
			}
			if (jta_db_changes(st) == 1)
				(*resealed)++;
			else
				(*remaining)++;
		}
		if ((ret = jta_db_commit(st, err)) != JTA_OK)
			goto out;
		intx = 0;
		for (i = 0; i < n; i++) {
			free(rows[i].act);
			free(rows[i].rct);
			memset(&rows[i], 0, sizeof(rows[i]));
		}
	}
out:
	if (intx)
		jta_db_rollback(st);
	for (i = 0; i < batch; i++) {
		free(rows[i].act);
		free(rows[i].rct);
	}
	free(rows);
	return ret;
}

enum jta_err
jta_store_user_pw_set(struct jta_store *st, const char *name,
    const char *pw_hash, int64_t *revoked, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	struct jta_user	 u;
	int64_t		 n = 0;
	int		 rc;

	if (revoked != NULL)
		*revoked = 0;
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	/* The same transaction on both engines: the hash, then the
	 * grants' revocation (PostgreSQL: pw_set's UPDATE holds the user
	 * row's lock until the commit). */
	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		ret = pgi->pw_set(pg, name, pw_hash, err);
	else if ((s = stmt(st, S_PW_SET)) == NULL)
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
	else if ((rc = jta_db_btext(s, ":pw", pw_hash)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":name", name)) != SQLITE_OK)
		ret = jta_db_err(st, rc, "bind", err);
	else if ((rc = jta_db_run(s)) != SQLITE_OK)
		ret = jta_db_err(st, rc, "password set", err);
	else if (jta_db_changes(st) == 0)
		ret = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "user",
		    "there is no user by that name");
	if (ret == JTA_OK &&
	    (ret = jta_store_user_get(st, name, &u, err)) == JTA_OK &&
	    (ret = jta_store_user_grants_revoke(st, u.id, &n, err)) ==
	    JTA_OK)
		ret = jta_db_commit(st, err);
	if (ret != JTA_OK)
		jta_db_rollback(st);
	else if (revoked != NULL)
		*revoked = n;
	return ret;
}

enum jta_err
jta_store_user_pw_get(struct jta_store *st, const char *name,
    struct jta_user *out, char *pw_hash, size_t pwsz, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret = JTA_OK;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->pw_get(pg, name, out, pw_hash, pwsz, err);

	pw_hash[0] = '\0';
	if ((s = stmt(st, S_PW_GET)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":name", name)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 4) != SQLITE_NULL &&
	    (size_t)sqlite3_column_bytes(s, 4) < pwsz) {
		jta_db_userrow(s, 0, out);
		snprintf(pw_hash, pwsz, "%s", jta_db_col(s, 4));
	} else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		ret = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "user",
		    "there is no user by that name with a password");
	else
		ret = jta_db_err(st, rc, "password get", err);
	sqlite3_reset(s);
	return ret;
}

enum jta_err
jta_store_link_identity(struct jta_store *st, int64_t user_id,
    struct jta_link *out, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	struct linkrow	 r;
	enum jta_err	 ret;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->link_identity(pg, user_id, out, err);

	if ((ret = linkread(st, user_id, &r, err)) == JTA_OK)
		*out = r.l;
	linkrow_clear(&r);
	return ret;
}

/* ---- linked people (jta-admin users) ---- */

enum jta_err
jta_store_link_list(struct jta_store *st, json_t **out, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret = JTA_OK;
	sqlite3_stmt	*s;
	json_t		*arr, *o;
	const char	*status;
	int		 rc, linked;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->link_list(pg, out, err);

	*out = NULL;
	if ((s = stmt(st, S_LINK_LIST)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((arr = json_array()) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 503, NULL,
		    "out of memory");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		linked = sqlite3_column_type(s, 4) != SQLITE_NULL;
		status = !linked ? "none" :
		    strcmp(jta_db_col(s, 6), "ok") == 0 ? "linked" : "broken";
		if ((o = json_object()) == NULL ||
		    json_array_append_new(arr, o) != 0 ||
		    jta_db_oset(o, "name",
		    json_string(jta_db_col(s, 1))) != 0 ||
		    jta_db_oset(o, "display_name",
		    json_string(jta_db_col(s, 2))) != 0 ||
		    jta_db_oset(o, "email",
		    json_string(jta_db_col(s, 3))) != 0 ||
		    jta_db_oset(o, "account_id",
		    json_string(jta_db_col(s, 4))) != 0 ||
		    jta_db_oset(o, "site",
		    json_string(jta_db_col(s, 5))) != 0 ||
		    jta_db_oset(o, "link", json_string(status)) != 0 ||
		    jta_db_oset(o, "updated", linked ?
		    jta_db_timejs(sqlite3_column_int64(s, 7)) :
		    json_null()) != 0 ||
		    jta_db_oset(o, "access_expires",
		    linked && sqlite3_column_int64(s, 8) > 0 ?
		    jta_db_timejs(sqlite3_column_int64(s, 8)) :
		    json_null()) != 0 ||
		    jta_db_oset(o, "has_refresh",
		    json_boolean(linked && sqlite3_column_int(s, 9))) != 0) {
			ret = jta_error_set(err, JTA_ERR_NOMEM, 503, NULL,
			    "out of memory");
			break;
		}
	}
	sqlite3_reset(s);
	if (ret == JTA_OK && rc != SQLITE_DONE)
		ret = jta_db_err(st, rc, "link list", err);
	if (ret != JTA_OK)
		json_decref(arr);
	else
		*out = arr;
	return ret;
}

enum jta_err
jta_store_link_remove(struct jta_store *st, const char *name,
    struct jta_user *user, struct jta_link *was, int *had_link,
    int64_t *revoked, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	struct jta_error e;
	int		 rc;

	*had_link = 0;
	*revoked = 0;
	memset(was, 0, sizeof(*was));
	memset(&e, 0, sizeof(e));
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = jta_store_user_get(st, name, user, err)) != JTA_OK)
		goto out;
	if ((ret = jta_store_link_identity(st, user->id, was, &e)) == JTA_OK)
		*had_link = 1;
	else if (ret != JTA_ERR_NOTFOUND) {
		*err = e;
		goto out;
	}
	if ((pg = jta_db_pg(st, &pgi)) != NULL) {
		if ((ret = pgi->link_delete(pg, user->id, err)) != JTA_OK)
			goto out;
	} else if ((s = stmt(st, S_LINK_DEL)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	} else if ((rc = jta_db_bint(s, ":uid", user->id)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "link remove", err);
		goto out;
	}
	/* The authorization server's grants die in the same transaction. */
	if ((ret = jta_store_user_grants_revoke(st, user->id, revoked,
	    err)) != JTA_OK)
		goto out;
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}
