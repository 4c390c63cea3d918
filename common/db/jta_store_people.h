/*
 * The people repository: local users and their API keys and password
 * hashes, the single-use OAuth states of the Atlassian sign-in, and the
 * links to Atlassian accounts (OAuth 2.0 3LO): one row per local user
 * with the access and refresh tokens sealed by the vault (the additional
 * data "atl:<user_id>:access" and "atl:<user_id>:refresh" binds each
 * ciphertext to its row and column), the refresh lease that lets exactly
 * one process refresh a person's tokens at a time (DESIGN.md, Security
 * model), re-sealing under a new key, and the operators' list and removal
 * of linked people.
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
 * Every function that writes does so in its own transaction; a lease is
 * claimed and committed before the caller's HTTP call, never held across
 * it.
 */
#ifndef JTA_JTA_STORE_PEOPLE_H
#define JTA_JTA_STORE_PEOPLE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_db.h"
#include "jta_err.h"
#include "jta_limits.h"
#include "jta_types.h"
#include "jta_vault.h"

/* ---- users and API keys ---- */

/* Add a local user; JTA_ERR_CONFLICT when the name is taken. */
enum jta_err jta_store_user_add(struct jta_store *st, const char *name,
    const char *display_name, const char *email, int64_t *id,
    struct jta_error *err) JTA_WUR;

/* Find a user by name; JTA_ERR_NOTFOUND when there is none. */
enum jta_err jta_store_user_get(struct jta_store *st, const char *name,
    struct jta_user *out, struct jta_error *err) JTA_WUR;

/* All users as [{name, display_name, email, created}]. */
enum jta_err jta_store_user_list(struct jta_store *st, json_t **out) JTA_WUR;

/* Store a new API key (its public id and keyed hash only). */
enum jta_err jta_store_key_add(struct jta_store *st, int64_t user_id,
    const char *keyid, const unsigned char hash[JTA_VAULT_HASHBYTES],
    const char *label, struct jta_error *err) JTA_WUR;

/*
 * Find the user of the key with public id keyid whose stored hash equals
 * hash (compared in constant time by the vault).  JTA_ERR_AUTH when there
 * is no such key, it is revoked, or the hash differs.
 */
enum jta_err jta_store_key_auth(struct jta_store *st, const char *keyid,
    const unsigned char hash[JTA_VAULT_HASHBYTES], struct jta_user *out)
    JTA_WUR;

/* Keys as [{id, user, label, created, revoked}], of one user or all
 * (user NULL). */
enum jta_err jta_store_key_list(struct jta_store *st, const char *user,
    json_t **out, struct jta_error *err) JTA_WUR;

/* Revoke the key with public id keyid; JTA_ERR_NOTFOUND if none. */
enum jta_err jta_store_key_revoke(struct jta_store *st, const char *keyid,
    struct jta_error *err) JTA_WUR;

/* Set (or with pw_hash NULL, clear) the crypto_pwhash_str string of the
 * user name, and in the same transaction revoke every OAuth token and
 * code issued to them (jta_store_user_grants_revoke: a new password or
 * none must shut out whoever learnt the old one); *revoked, when not
 * NULL, is how many tokens were live.  JTA_ERR_NOTFOUND when there is no
 * such user. */
enum jta_err jta_store_user_pw_set(struct jta_store *st, const char *name,
    const char *pw_hash, int64_t *revoked, struct jta_error *err) JTA_WUR;

/* The user name and its password hash (into pw_hash, pwsz bytes);
 * JTA_ERR_NOTFOUND when there is no such user or it has no password. */
enum jta_err jta_store_user_pw_get(struct jta_store *st, const char *name,
    struct jta_user *out, char *pw_hash, size_t pwsz,
    struct jta_error *err) JTA_WUR;

/* ---- OAuth states ---- */

/*
 * Remember an OAuth state by its keyed hash (the caller hashes it with the
 * vault), valid for ttl_s seconds from now, with an optional user_hint
 * (NULL or up to JTA_LIMIT_STATE_HINT bytes; e.g. the local user who
 * started the dance).  Expired states are purged on the way.
 * JTA_ERR_CONFLICT if the hash is stored already.
 */
enum jta_err jta_store_state_put(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], int64_t ttl_s,
    int64_t now, const char *user_hint, struct jta_error *err) JTA_WUR;

/*
 * Take the state with hash: delete it and answer JTA_OK only if it was
 * there and had not expired at now; a state is single-use (RFC 6749
 * §10.12), so a second take is JTA_ERR_AUTH (400) as is an unknown or
 * expired one.  user_hint (hintsz bytes, may be NULL) gets the hint given
 * to jta_store_state_put, "" when none.  Expired states are purged.
 */
enum jta_err jta_store_state_take(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], int64_t now,
    char *user_hint, size_t hintsz, struct jta_error *err) JTA_WUR;

/*
 * The same, carrying request: a GPT's pending authorization request
 * (opaque text from jta_oauth, NULL or up to JTA_STORE_REQUEST_MAX bytes)
 * that comes back with the state when it is taken; request (requestsz
 * bytes, may be NULL) gets it, "" when none.
 */
#define JTA_STORE_REQUEST_MAX	JTA_LIMIT_AUTHZ_REQUEST
enum jta_err jta_store_state_put_request(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], int64_t ttl_s,
    int64_t now, const char *user_hint, const char *request,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_store_state_take_request(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], int64_t now,
    char *user_hint, size_t hintsz, char *request, size_t requestsz,
    struct jta_error *err) JTA_WUR;

/* ---- Atlassian links ---- */

/* A link between a local user and an Atlassian account.  For
 * jta_store_link_put the caller fills account_id, cloud_id, site_url and
 * the identity (display_name, email; may be ""); the store fills the
 * rest on reads. */
struct jta_link {
	int64_t	 user_id;
	char	 account_id[JTA_LIMIT_ACCOUNT_ID + 1];
	char	 cloud_id[JTA_LIMIT_CLOUD_ID + 1];
	char	 site_url[JTA_LIMIT_SITE_URL + 1];
	char	 display_name[JTA_LIMIT_DISPLAY_NAME + 1];
	char	 email[JTA_LIMIT_EMAIL + 1];
	int64_t	 access_expires;	/* Unix time the access token ends */
	int64_t	 generation;		/* +1 on every change of the tokens */
	int	 broken;		/* refresh failed for good: re-link */
	int	 has_refresh;		/* a refresh token is stored */
	int64_t	 created, updated;
};

/* What jta_store_link_lease found. */
enum jta_lease_result {
	JTA_LEASE_CLAIMED,	/* the lease is ours: *token is the refresh
				 * token; call Atlassian, then renew (or
				 * release, or break) */
	JTA_LEASE_BUSY,		/* another process holds an unexpired lease:
				 * sleep briefly and ask again (bounded) */
	JTA_LEASE_FRESH,	/* a sibling renewed since known_generation:
				 * *token is the new access token */
	JTA_LEASE_BROKEN	/* the link is broken or has no refresh
				 * token: the person must link again */
};

/*
 * Store a link after the OAuth callback.  In one BEGIN IMMEDIATE
 * transaction: find the local user linked to in->account_id, or create
 * one named "atl-" and 16 hex digits of BLAKE2b(account id) (stable, and
 * a valid user name), with display_name and email from in; seal the
 * tokens (access: access_len bytes, valid until expires_at; refresh:
 * refresh_len bytes, or NULL when Atlassian gave none) under the user's
 * id; insert or replace the link: status ok, generation + 1, no lease.
 * *out is the local user.  JTA_ERR_INPUT (502) when a value from
 * Atlassian is empty, not printable or over its limit; JTA_ERR_CONFLICT
 * when the derived user name belongs to another account's link.
 */
enum jta_err jta_store_link_put(struct jta_store *st, struct jta_vault *v,
    const struct jta_link *in, const unsigned char *access,
    size_t access_len, int64_t expires_at, const unsigned char *refresh,
    size_t refresh_len, struct jta_user *out, struct jta_error *err)
    JTA_WUR;

/*
 * The link of user_id and, unless it is broken, its access token unsealed
 * into *access (the caller frees it with jta_secret_free; NULL when
 * broken, with out->broken = 1).  JTA_ERR_NOTFOUND (404) when the user
 * has no link; JTA_ERR_CRYPTO when the token does not open (wrong key file,
 * or a row that was tampered with).  out->generation is what the caller
 * passes to jta_store_link_lease when the token has expired.
 */
enum jta_err jta_store_link_get(struct jta_store *st, struct jta_vault *v,
    int64_t user_id, struct jta_link *out, struct jta_secret **access,
    struct jta_error *err) JTA_WUR;

/*
 * Ask for the right to refresh user_id's tokens (DESIGN.md: a short lease
 * row).  In one BEGIN IMMEDIATE transaction, re-read the row: when its
 * generation differs from known_generation a sibling has renewed
 * (JTA_LEASE_FRESH, *token the new access token); else when another owner
 * holds a lease until after now, JTA_LEASE_BUSY (*token NULL); else the
 * lease becomes owner's until now + lease_s and is committed before we
 * return, JTA_LEASE_CLAIMED with *token the refresh token.  A broken link
 * or one without a refresh token is JTA_LEASE_BROKEN.  The write lock is
 * never held beyond this call: call Atlassian after it.  owner is
 * "<hostname>:<pid>:<random>", printable, at most JTA_LIMIT_LEASE_OWNER
 * bytes.  *out is the row as read.  JTA_ERR_NOTFOUND when there is no
 * link.
 */
enum jta_err jta_store_link_lease(struct jta_store *st, struct jta_vault *v,
    int64_t user_id, const char *owner, int64_t now, int64_t lease_s,
    int64_t known_generation, enum jta_lease_result *res,
    struct jta_secret **token, struct jta_link *out, struct jta_error *err)
    JTA_WUR;

/*
 * Store the tokens Atlassian gave for the refresh that owner's lease
 * allowed: in BEGIN IMMEDIATE, only while the lease is still owner's (an
 * expired lease nobody took is still owner's), seal and store the new
 * access token and, when refresh is not NULL, the new refresh token (else
 * the old one stays: Atlassian may answer without one); generation + 1;
 * the lease is cleared; committed with synchronous=FULL.  JTA_ERR_CONFLICT
 * (409) when the lease was lost: the caller discards the tokens.
 */
enum jta_err jta_store_link_renew(struct jta_store *st, struct jta_vault *v,
    int64_t user_id, const char *owner, const unsigned char *access,
    size_t access_len, int64_t expires_at, const unsigned char *refresh,
    size_t refresh_len, struct jta_error *err) JTA_WUR;

/* Give up owner's lease after a transient failure (network, 5xx), so a
 * sibling may try.  JTA_ERR_CONFLICT when owner does not hold it. */
enum jta_err jta_store_link_release(struct jta_store *st, int64_t user_id,
    const char *owner, struct jta_error *err) JTA_WUR;

/* Atlassian refused owner's refresh token for good (invalid_grant, RFC 6749
 * §5.2): mark the link broken, drop both tokens, clear the lease,
 * generation + 1.  JTA_ERR_CONFLICT when owner does not hold the lease. */
enum jta_err jta_store_link_break(struct jta_store *st, int64_t user_id,
    const char *owner, struct jta_error *err) JTA_WUR;

/*
 * Re-seal under the vault's current sealing key every token sealed under
 * another KID (for 'jta-admin key-rotate').  Rows are read without a lock,
 * re-sealed in memory and written back in BEGIN IMMEDIATE transactions of
 * at most batch rows (1..JTA_LIMIT_RESEAL_BATCH), each row only if its
 * generation is still the one read (compare-and-set), so tokens renewed
 * meanwhile are never overwritten with older ones.  *resealed counts rows
 * written; *remaining counts rows still under an old KID after this call
 * (renewed meanwhile under an old key, or not opening: the log says
 * which); call again until it is 0 before retiring old keys.
 */
enum jta_err jta_store_link_reseal(struct jta_store *st, struct jta_vault *v,
    size_t batch, size_t *resealed, size_t *remaining,
    struct jta_error *err) JTA_WUR;

/* user_id's link without its tokens (nothing is unsealed): account id,
 * site, identity.  JTA_ERR_NOTFOUND when the user has no link. */
enum jta_err jta_store_link_identity(struct jta_store *st, int64_t user_id,
    struct jta_link *out, struct jta_error *err) JTA_WUR;

/*
 * Every local user with their Atlassian link, by name: an array of {name,
 * display_name, email, account_id, site, link ("linked", "broken" or
 * "none"), updated, access_expires (null when none), has_refresh}.  No
 * token is read.
 */
enum jta_err jta_store_link_list(struct jta_store *st, json_t **out,
    struct jta_error *err) JTA_WUR;

/*
 * Unlink the user name, in one BEGIN IMMEDIATE transaction: delete their
 * Atlassian link (its sealed tokens with it), revoke every OAuth token we
 * issued them (so every refresh family dies) and delete their unused
 * codes.  *user is the user, *was the link's identity (when *had_link),
 * *revoked how many tokens were revoked.  JTA_ERR_NOTFOUND (404) when
 * there is no such user.  Their API keys stay: in Jira mode a call with
 * one answers 401 "visit /oauth/start" until they link again.
 */
enum jta_err jta_store_link_remove(struct jta_store *st, const char *name,
    struct jta_user *user, struct jta_link *was, int *had_link,
    int64_t *revoked, struct jta_error *err) JTA_WUR;

#endif
