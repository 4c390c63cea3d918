/*
 * The authorization server's rows (RFC 6749): registered clients,
 * authorization codes, access and refresh tokens (all by keyed hash, never
 * in clear), and the sign-in lockout.  The rules of a grant (which client,
 * which redirect URI, PKCE, reuse) live in jta_authz.c; the primitives
 * marked "the caller's transaction" are the steps it groups inside one
 * jta_db_begin .. jta_db_commit.
 *
 * Implemented by the SQLite engine (jta_db.c) today; a second engine
 * implements the same header.  Every function here works on one
 * connection (struct jta_store, jta_db.h); "its own transaction" means the
 * function opens and commits a write transaction itself (BEGIN IMMEDIATE
 * under SQLite: writers queue, none fails half-way) and must not be called
 * inside another; "the caller's transaction" means the caller opened one
 * with jta_db_begin and commits or rolls back.  A read without either sees
 * one consistent snapshot per call.  Errors: JTA_ERR_DB (err->status 503
 * when the database is busy, else 500; the engine's own text only in the
 * log), and those named at each function.
 */
#ifndef JTA_JTA_STORE_AUTHZ_H
#define JTA_JTA_STORE_AUTHZ_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_db.h"
#include "jta_err.h"
#include "jta_limits.h"
#include "jta_types.h"
#include "jta_vault.h"

/* ---- the OAuth 2.0 authorization server (schema 4) ----
 *
 * Functions that refuse a client's grant answer JTA_ERR_AUTH with
 * err->field set to the RFC 6749 §5.2 error code ("invalid_grant",
 * "invalid_request") and err->status 400; jta_authz turns that into the
 * token endpoint's answer.  Every function that writes does it in one
 * BEGIN IMMEDIATE transaction.
 */


/* Register a client: its public id, the keyed hash of its secret, a
 * name and its redirect URIs (a JSON array of strings, borrowed).
 * JTA_ERR_CONFLICT when the id is taken. */
enum jta_err jta_store_client_add(struct jta_store *st, const char *client_id,
    const unsigned char hash[JTA_VAULT_HASHBYTES], const char *name,
    const json_t *uris, struct jta_error *err) JTA_WUR;

/* jta_store_client_add for a public client (token_endpoint_auth_method
 * none: PKCE S256 required, its secret's hash never shown to anyone), as
 * the chat widget is (README "The chat widget"). */
enum jta_err jta_store_client_add_public(struct jta_store *st,
    const char *client_id, const unsigned char hash[JTA_VAULT_HASHBYTES],
    const char *name, const json_t *uris, struct jta_error *err) JTA_WUR;

/* The stored name of an audience: "api" or "mcp" (jta_authz.h). */
#define JTA_STORE_AUDLEN	3

/* A client registered through RFC 7591 (jta_store_client_register). */
struct jta_store_client_new {
	const char	*client_id;
	const unsigned char *hash;	/* the secret's keyed hash */
	const char	*name;
	const json_t	*uris;		/* array of strings, borrowed */
	int		 public_client;	/* 1: token_endpoint_auth_method none */
	const char	*address;	/* the registering address, or NULL */
};

/* The bounds on registration: at most max_total registered clients in
 * all, at most per_address from one address within window_s seconds;
 * idle_s > 0: registered clients idle that long (jta_store_client_prune)
 * are removed first. */
struct jta_store_reg_rule {
	int64_t	 max_total;
	int64_t	 per_address;
	int64_t	 window_s;
	int64_t	 idle_s;
};

/*
 * Remove the registered clients (origin "registered", never an
 * operator's) idle at now: neither created nor used (a code issued, a
 * token pair issued or refreshed) within idle_s seconds, with no token
 * family alive and no code that has not expired; their codes go and
 * their tokens are revoked, in one transaction.  *removed: a new array
 * [{client_id, name}] of those removed (empty when none).
 */
enum jta_err jta_store_client_prune(struct jta_store *st, int64_t now,
    int64_t idle_s, json_t **removed, struct jta_error *err) JTA_WUR;

/*
 * Register c (origin "registered") at now, in one BEGIN IMMEDIATE
 * transaction that first prunes idle clients (rule->idle_s) and counts,
 * so concurrent registrations cannot pass the bounds together:
 * JTA_ERR_CONFLICT with err->status 429 (field "address") when
 * c->address registered rule->per_address clients within the window,
 * 403 when rule->max_total registered clients exist (field "clients");
 * 409 when the id is taken.
 */
enum jta_err jta_store_client_register(struct jta_store *st,
    const struct jta_store_client_new *c, const struct jta_store_reg_rule *rule,
    int64_t now, struct jta_error *err) JTA_WUR;

/* *public_client: 1 when client_id is a public client (no secret);
 * JTA_ERR_NOTFOUND when unknown. */
enum jta_err jta_store_client_public(struct jta_store *st,
    const char *client_id, int *public_client, struct jta_error *err)
    JTA_WUR;

/* A Client ID Metadata Document as checked and cached: *uris (a new
 * array the caller releases) and name (namesz bytes) of the document at
 * url, when it was kept and has not expired at now; JTA_ERR_NOTFOUND
 * otherwise. */
enum jta_err jta_store_cimd_get(struct jta_store *st, const char *url,
    int64_t now, char *name, size_t namesz, json_t **uris,
    struct jta_error *err) JTA_WUR;

/* Keep (or replace) the checked document at url until expires, in one
 * transaction that also drops expired ones and keeps at most max_rows
 * (the oldest fetched go first). */
enum jta_err jta_store_cimd_put(struct jta_store *st, const char *url,
    const char *name, const json_t *uris, int64_t now, int64_t expires,
    int64_t max_rows, struct jta_error *err) JTA_WUR;

/* The secret's keyed hash and the redirect URIs (*uris: a new array the
 * caller releases) of client_id; JTA_ERR_NOTFOUND when unknown. */
enum jta_err jta_store_client_get(struct jta_store *st, const char *client_id,
    unsigned char hash[JTA_VAULT_HASHBYTES], json_t **uris,
    struct jta_error *err) JTA_WUR;

/* The name client_id was registered with into name (namesz bytes, cut
 * to fit); JTA_ERR_NOTFOUND when unknown. */
enum jta_err jta_store_client_name(struct jta_store *st,
    const char *client_id, char *name, size_t namesz,
    struct jta_error *err) JTA_WUR;

/* Clients as [{client_id, name, redirect_uris, created, grants, public,
 * origin}], grants counting live refresh tokens, origin "admin" or
 * "registered". */
enum jta_err jta_store_client_list(struct jta_store *st, json_t **out)
    JTA_WUR;

/* Replace the secret's hash of client_id (JTA_ERR_NOTFOUND if none). */
enum jta_err jta_store_client_secret_set(struct jta_store *st,
    const char *client_id, const unsigned char hash[JTA_VAULT_HASHBYTES],
    struct jta_error *err) JTA_WUR;

/* Remove client_id: its codes are deleted, its tokens revoked, in one
 * transaction.  JTA_ERR_NOTFOUND when there is no such client. */
enum jta_err jta_store_client_remove(struct jta_store *st,
    const char *client_id, struct jta_error *err) JTA_WUR;

/* An authorization code's grant (borrowed strings). */
struct jta_store_code {
	const char	*client_id;
	int64_t		 user_id;
	const char	*redirect_uri;
	const char	*challenge;	/* S256 code_challenge, or NULL */
	const char	*scope;
	int64_t		 expires;
	const char	*audience;	/* "api", "mcp"; NULL: "api" */
};

/* Keep a code by its keyed hash.  Codes expired over a day ago are
 * purged on the way. */
enum jta_err jta_store_code_put(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES],
    const struct jta_store_code *c, int64_t now, struct jta_error *err)
    JTA_WUR;

/* A new token pair, by keyed hashes, with its expiry times. */
struct jta_store_pair {
	unsigned char	 access[JTA_VAULT_HASHBYTES];
	unsigned char	 refresh[JTA_VAULT_HASHBYTES];
	int64_t		 access_expires;
	int64_t		 refresh_expires;
	/* The family's audience: "api" or "mcp" ("" is "api"). */
	char		 audience[JTA_STORE_AUDLEN + 1];
};

/* A token family's name: the hex of the keyed hash of the code it was
 * issued from; every token issued from one code shares it. */
#define JTA_STORE_FAMILYLEN	(2 * JTA_VAULT_HASHBYTES)

/* An authorization code as stored (copies). */
struct jta_store_code_row {
	char		 client_id[JTA_LIMIT_CLIENT_ID + 1];
	int64_t		 user_id;
	char		 redirect_uri[JTA_LIMIT_REDIRECT_URI + 1];
	int		 has_challenge;	/* 0: the request sent none */
	char		 challenge[JTA_LIMIT_PKCE + 1];	/* S256 */
	char		 scope[JTA_LIMIT_SCOPE + 1];
	int64_t		 expires;
	int		 used;		/* 1: taken before this take */
	char		 audience[JTA_STORE_AUDLEN + 1];
};

/*
 * Inside the caller's transaction (jta_db_begin): read the code with hash
 * into *out and mark it used, so a later take sees used = 1.  The mark
 * holds only if the caller commits: a caller that refuses without
 * spending the code rolls back.  JTA_ERR_NOTFOUND (404) when there is no
 * such code.  The rules of a redemption (client, redirect URI, expiry,
 * PKCE, reuse) are jta_authz_code_redeem's, not the store's.
 */
enum jta_err jta_store_code_take(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES],
    struct jta_store_code_row *out, struct jta_error *err) JTA_WUR;

/* Inside the caller's transaction: revoke every token of family
 * (JTA_STORE_FAMILYLEN hex digits), access and refresh alike. */
enum jta_err jta_store_family_revoke(struct jta_store *st,
    const char *family, struct jta_error *err) JTA_WUR;

/* Inside the caller's transaction: purge tokens expired over a day before
 * now, then store pair (access and refresh token hashes, audience) in
 * family for client_id, user_id and scope. */
enum jta_err jta_store_pair_put(struct jta_store *st,
    const struct jta_store_pair *pair, const char *family,
    const char *client_id, int64_t user_id, const char *scope, int64_t now,
    struct jta_error *err) JTA_WUR;

/* A token as stored (copies). */
struct jta_store_token_row {
	int64_t		 id;		/* its row (jta_store_token_replace) */
	char		 kind[16];	/* "access" or "refresh" */
	char		 family[JTA_STORE_FAMILYLEN + 1];
	char		 client_id[JTA_LIMIT_CLIENT_ID + 1];
	int64_t		 user_id;
	char		 scope[JTA_LIMIT_SCOPE + 1];
	int64_t		 expires;
	int		 replaced;	/* 1: replaced_at says when */
	int64_t		 replaced_at;
	int		 revoked;
	char		 audience[JTA_STORE_AUDLEN + 1];
};

/* Inside the caller's transaction: the token with hash into *out;
 * JTA_ERR_NOTFOUND (404) when there is none.  The rules of a refresh
 * (rotation, grace, reuse) are jta_authz_refresh's, not the store's. */
enum jta_err jta_store_token_get(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES],
    struct jta_store_token_row *out, struct jta_error *err) JTA_WUR;

/* Inside the caller's transaction: *n, how many refresh tokens of t's
 * family were replaced after t (later replaced_at, or the same and a
 * later row).  0 means t is the one replaced last. */
enum jta_err jta_store_token_later(struct jta_store *st,
    const struct jta_store_token_row *t, int64_t *n, struct jta_error *err)
    JTA_WUR;

/* Inside the caller's transaction: mark token id replaced at now. */
enum jta_err jta_store_token_replace(struct jta_store *st, int64_t id,
    int64_t now, struct jta_error *err) JTA_WUR;

/* Inside the caller's transaction: revoke family's live refresh token
 * (the one not replaced yet). */
enum jta_err jta_store_family_drop_live(struct jta_store *st,
    const char *family, struct jta_error *err) JTA_WUR;

/* Inside the caller's transaction: revoke token id alone (its row, as
 * jta_store_token_get gave it), nothing else of its family. */
enum jta_err jta_store_token_spend(struct jta_store *st, int64_t id,
    struct jta_error *err) JTA_WUR;

/*
 * Revoke the token with hash (RFC 7009 §2.1): a refresh token revokes its
 * whole family, an access token itself.  An unknown token is JTA_OK
 * (§2.2); one issued to another client is refused (invalid_request).
 */
enum jta_err jta_store_token_revoke(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], const char *client_id,
    struct jta_error *err) JTA_WUR;

/* The user of the live, unexpired access token with hash, and the
 * audience of its family; JTA_ERR_AUTH when there is none. */
enum jta_err jta_store_token_auth(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], int64_t now,
    struct jta_user *out, char audience[JTA_STORE_AUDLEN + 1]) JTA_WUR;

/* ---- sign-in lockout (failed passwords per user name) ---- */

/* The rule: max_failures within window_s seconds lock the name for lock_s
 * seconds; at most max_rows names are tracked. */
struct jta_store_lockout {
	int64_t	 max_failures;
	int64_t	 window_s;
	int64_t	 lock_s;
	int64_t	 max_rows;
};

/* *locked_until: when the lock on name ends (0 or a past time: none). */
enum jta_err jta_store_lockout_get(struct jta_store *st, const char *name,
    int64_t *locked_until, struct jta_error *err) JTA_WUR;

/*
 * Count a failed sign-in for name (at most JTA_LIMIT_NAME bytes) at now:
 * a count older than the window starts again; reaching max_failures
 * within it locks the name until now + lock_s (*locked_until).  Stale
 * rows are purged on the way and the table is kept to max_rows (unlocked
 * and oldest rows go first).
 */
enum jta_err jta_store_lockout_fail(struct jta_store *st, const char *name,
    int64_t now, const struct jta_store_lockout *rule, int64_t *locked_until,
    struct jta_error *err) JTA_WUR;

/* Forget name's failures (a successful sign-in). */
enum jta_err jta_store_lockout_clear(struct jta_store *st, const char *name,
    struct jta_error *err) JTA_WUR;

/* Inside the caller's transaction: revoke every token issued to user_id
 * (so every refresh family of theirs dies) and delete their codes;
 * *revoked is how many tokens were live.  jta_store_link_remove uses it
 * when a person is unlinked. */
enum jta_err jta_store_user_grants_revoke(struct jta_store *st,
    int64_t user_id, int64_t *revoked, struct jta_error *err) JTA_WUR;

#endif
