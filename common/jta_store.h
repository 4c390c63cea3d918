/*
 * The store: the only code that includes sqlite3.h.  One SQLite file in WAL
 * mode with a versioned schema (PRAGMA user_version) migrated step by step,
 * every statement prepared from a fixed table and every value bound.
 * Transactions that may write start with BEGIN IMMEDIATE so writers queue
 * on busy_timeout instead of failing half-way.
 *
 * It holds local users and their API keys, and the embedded ticket store:
 * projects, tickets, labels, comments and an FTS5 index over summary,
 * description and comments.  Ticket answers are built as jansson objects
 * in the shape of the ticket API (see README.md), without "url", which the
 * backend adds.
 *
 * It also keeps the links to Atlassian accounts (OAuth 2.0 3LO): one row per
 * local user with the access and refresh tokens sealed by the vault (the
 * additional data "atl:<user_id>:access" and "atl:<user_id>:refresh" binds
 * each ciphertext to its row and column), single-use OAuth states stored
 * as keyed hashes, and the refresh lease that lets exactly one process
 * refresh a person's tokens at a time (DESIGN.md, Security model).
 */
#ifndef JTA_STORE_H
#define JTA_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_err.h"
#include "jta_limits.h"
#include "jta_vault.h"

/* The schema version this build reads and writes. */
#define JTA_STORE_VERSION	9

#define JTA_STORE_CREATE	0x1u	/* create the file if missing (0600) */
#define JTA_STORE_MIGRATE	0x2u	/* bring the schema up to date */

struct jta_store;

/* A local account, as the API sees it. */
struct jta_user {
	int64_t	 id;
	char	 name[JTA_LIMIT_NAME + 1];
	char	 display_name[JTA_LIMIT_DISPLAY_NAME + 1];
	char	 email[JTA_LIMIT_EMAIL + 1];
};

/*
 * Open the database at path.  With JTA_STORE_MIGRATE the schema is brought
 * to JTA_STORE_VERSION; without it a schema that is not current is an error
 * (JTA_ERR_CONFIG) telling the operator to run 'jta-admin init'.  msg says
 * what failed, naming the file.  Release with jta_store_close.
 */
enum jta_err jta_store_open(const char *path, int busy_timeout_ms,
    unsigned flags, struct jta_store **out, char *msg, size_t msgsz) JTA_WUR;

/* Finalise every statement and close; NULL is a no-op. */
void jta_store_close(struct jta_store *st);

/* Migrate to version target (1..JTA_STORE_VERSION), one step at a time,
 * each in its own transaction.  For jta-admin and the migration tests. */
enum jta_err jta_store_migrate(struct jta_store *st, int target) JTA_WUR;

/* The schema version of the open file. */
enum jta_err jta_store_version(struct jta_store *st, int *version) JTA_WUR;

/* Liveness for /healthz: a read on the database, and its version. */
enum jta_err jta_store_health(struct jta_store *st, int *version) JTA_WUR;

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

/* ---- the OAuth 2.0 authorization server (schema 4) ----
 *
 * Functions that refuse a client's grant answer JTA_ERR_AUTH with
 * err->field set to the RFC 6749 §5.2 error code ("invalid_grant",
 * "invalid_request") and err->status 400; jta_authz turns that into the
 * token endpoint's answer.  Every function that writes does it in one
 * BEGIN IMMEDIATE transaction.
 */

/* Set (or with pw_hash NULL, clear) the crypto_pwhash_str string of the
 * user name; JTA_ERR_NOTFOUND when there is no such user. */
enum jta_err jta_store_user_pw_set(struct jta_store *st, const char *name,
    const char *pw_hash, struct jta_error *err) JTA_WUR;

/* The user name and its password hash (into pw_hash, pwsz bytes);
 * JTA_ERR_NOTFOUND when there is no such user or it has no password. */
enum jta_err jta_store_user_pw_get(struct jta_store *st, const char *name,
    struct jta_user *out, char *pw_hash, size_t pwsz,
    struct jta_error *err) JTA_WUR;

/* Register a client: its public id, the keyed hash of its secret, a
 * name and its redirect URIs (a JSON array of strings, borrowed).
 * JTA_ERR_CONFLICT when the id is taken. */
enum jta_err jta_store_client_add(struct jta_store *st, const char *client_id,
    const unsigned char hash[JTA_VAULT_HASHBYTES], const char *name,
    const json_t *uris, struct jta_error *err) JTA_WUR;

/* The secret's keyed hash and the redirect URIs (*uris: a new array the
 * caller releases) of client_id; JTA_ERR_NOTFOUND when unknown. */
enum jta_err jta_store_client_get(struct jta_store *st, const char *client_id,
    unsigned char hash[JTA_VAULT_HASHBYTES], json_t **uris,
    struct jta_error *err) JTA_WUR;

/* Clients as [{client_id, name, redirect_uris, created, grants}], grants
 * counting live refresh tokens. */
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
};

/*
 * Redeem the code with hash for client_id (RFC 6749 §4.1.3): it must be
 * unused, unexpired at now, issued to client_id for exactly redirect_uri,
 * and verifier_s256 (the S256 transform of the code_verifier, or NULL
 * when none was sent) must equal the code's challenge, compared in
 * constant time; a verifier without a challenge is refused too (RFC 9700
 * §2.1.1).  On success pair is stored in the code's family and scope
 * (scopesz bytes) gets the code's scope.  Any refusal after the client
 * matched spends the code; a code used before is refused AND revokes
 * every token issued from it (RFC 6749 §4.1.2).  Refusals are
 * invalid_grant.
 */
enum jta_err jta_store_code_redeem(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], const char *client_id,
    const char *redirect_uri, const char *verifier_s256, int64_t now,
    const struct jta_store_pair *pair, char *scope, size_t scopesz,
    struct jta_error *err) JTA_WUR;

/*
 * Rotate the refresh token with hash for client_id (RFC 6749 §6, RFC
 * 9700 §4.14.2): a live one is marked replaced at now and pair is stored
 * in its family.  The one replaced last in its family stays good for
 * grace seconds after its replacement, answering a fresh pair and
 * revoking the live refresh token it had been replaced by (its answer
 * never reached the client, so one refresh token stays live per family).
 * An older, revoked or replaced-too-long-ago one is refused and revokes
 * the whole family.  Unknown, expired or another client's: refused.
 */
enum jta_err jta_store_token_refresh(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], const char *client_id,
    int64_t now, int64_t grace, const struct jta_store_pair *pair,
    char *scope, size_t scopesz, struct jta_error *err) JTA_WUR;

/*
 * Revoke the token with hash (RFC 7009 §2.1): a refresh token revokes its
 * whole family, an access token itself.  An unknown token is JTA_OK
 * (§2.2); one issued to another client is refused (invalid_request).
 */
enum jta_err jta_store_token_revoke(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], const char *client_id,
    struct jta_error *err) JTA_WUR;

/* The user of the live, unexpired access token with hash; JTA_ERR_AUTH
 * when there is none. */
enum jta_err jta_store_token_auth(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], int64_t now,
    struct jta_user *out) JTA_WUR;

/* ---- projects ---- */

/* Add a project with its issue types (a JSON array of names; NULL for
 * Task, Bug, Story).  JTA_ERR_CONFLICT when the key is taken. */
enum jta_err jta_store_project_add(struct jta_store *st, const char *key,
    const char *name, const json_t *types, struct jta_error *err) JTA_WUR;

/* Projects as [{key, name, types[], priorities[]}] ordered by key. */
enum jta_err jta_store_project_list(struct jta_store *st, json_t **out)
    JTA_WUR;

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
#define JTA_STORE_REQUEST_MAX	8192
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

/* ---- tickets (the ticket API's shape) ---- */

/* The priorities, highest first, NULL-terminated. */
extern const char *const jta_store_priorities[];
/* The statuses of the workflow, NULL-terminated. */
extern const char *const jta_store_statuses[];

/* Search filters; NULL / 0 means "not filtered". */
struct jta_search {
	const char	*text;		/* full-text words */
	const char	*project;
	const char	*status;
	const char	*type;
	const char	*priority;
	const char	*label;
	const char	*assignee;	/* user name */
	const char	*reporter;	/* user name */
	int64_t		 created_from, created_to;	/* 0: open */
	int64_t		 updated_from, updated_to;
	const char	*order;		/* "-updated" (default), "updated",
					 * "-created", "created" */
	size_t		 limit;
	const char	*cursor;	/* from a previous answer, or NULL */
	const char	*jql;		/* Jira only: raw JQL instead of the
					 * filters; the store refuses it */
};

/* Orders accepted in struct jta_search, NULL-terminated. */
extern const char *const jta_store_orders[];

/*
 * Search tickets: *out is {"issues": [slim rows], "next_cursor": string or
 * null}.  A cursor that does not decode, or was made for another order, is
 * JTA_ERR_INPUT (400, field "cursor").
 */
enum jta_err jta_store_ticket_search(struct jta_store *st,
    const struct jta_search *q, json_t **out, struct jta_error *err) JTA_WUR;

/*
 * Create a ticket from validated fields (project, summary required; type,
 * description, priority, labels, assignee optional) reported by reporter.
 * The type must be one of the project's; the assignee a known user.
 */
enum jta_err jta_store_ticket_create(struct jta_store *st,
    const struct jta_user *reporter, const json_t *fields, json_t **out,
    struct jta_error *err) JTA_WUR;

/* One ticket with description, labels and its last comments. */
enum jta_err jta_store_ticket_get(struct jta_store *st, const char *key,
    json_t **out, struct jta_error *err) JTA_WUR;

/* Change the fields present in fields (summary, description, type,
 * priority, labels, assignee; assignee null unassigns). */
enum jta_err jta_store_ticket_update(struct jta_store *st, const char *key,
    const json_t *fields, json_t **out, struct jta_error *err) JTA_WUR;

/* Add a comment by author; *out is the comment. */
enum jta_err jta_store_ticket_comment(struct jta_store *st, const char *key,
    const struct jta_user *author, const char *body, json_t **out,
    struct jta_error *err) JTA_WUR;

/* The moves allowed from the ticket's status: {"status", "transitions":
 * [{"to": name}]}. */
enum jta_err jta_store_ticket_transitions(struct jta_store *st,
    const char *key, json_t **out, struct jta_error *err) JTA_WUR;

/* Move the ticket to status to; a move the workflow does not allow is
 * JTA_ERR_CONFLICT (409) naming the allowed ones. */
enum jta_err jta_store_ticket_transition(struct jta_store *st,
    const char *key, const char *to, json_t **out, struct jta_error *err)
    JTA_WUR;

/* ---- the basic ticketing API (/api/tickets/) over the same tickets ---- */

/* List filters of /api/tickets/. */
struct jta_tk_query {
	int64_t		 id;		/* 0: any */
	const json_t	*ids;		/* array of ids, or NULL */
	const char	*title_icontains;
	int64_t		 created_gte, created_lte;	/* 0: open */
	const json_t	*statuses;	/* array of OPEN/RESOLVED/CLOSED */
	const char	*search;
	const char	*ordering;	/* created, -created, title, -title,
					 * updated, -updated */
	int64_t		 page;		/* from 1 */
	int64_t		 page_size;
};

/* Orderings accepted by /api/tickets/, NULL-terminated. */
extern const char *const jta_store_tk_orderings[];

/* One page: *out is {"count": n, "results": [tickets]}. */
enum jta_err jta_store_tk_list(struct jta_store *st,
    const struct jta_tk_query *q, json_t **out, struct jta_error *err)
    JTA_WUR;

/* {id, title, description, created, resolution_status}. */
enum jta_err jta_store_tk_get(struct jta_store *st, int64_t id,
    json_t **out, struct jta_error *err) JTA_WUR;

/* Create in project (title required; description, resolution_status). */
enum jta_err jta_store_tk_create(struct jta_store *st,
    const struct jta_user *reporter, const char *project,
    const json_t *fields, json_t **out, struct jta_error *err) JTA_WUR;

/* Replace (PUT: title required) or change (PATCH) a ticket. */
enum jta_err jta_store_tk_update(struct jta_store *st, int64_t id,
    const json_t *fields, json_t **out, struct jta_error *err) JTA_WUR;

/* Delete a ticket with its comments and labels. */
enum jta_err jta_store_tk_delete(struct jta_store *st, int64_t id,
    struct jta_error *err) JTA_WUR;

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

/*
 * Similar tickets (GET /api/similar): the tickets whose summary,
 * description or comments hold any of terms (jta_suggest_terms), best
 * first by FTS5's bm25, project (when not NULL) only, at most limit.
 * *out is an array of {key, summary, status, project, type, priority,
 * labels, components ([]: the store has none), updated, score (higher is
 * closer: bm25 negated)}.  terms with no term is JTA_ERR_INPUT (422,
 * "text").
 */
struct jta_suggest_terms;
enum jta_err jta_store_ticket_similar(struct jta_store *st,
    const struct jta_suggest_terms *terms, const char *project, size_t limit,
    json_t **out, struct jta_error *err) JTA_WUR;

/*
 * Users whose name, display name or email holds query (ASCII case
 * ignored), by name, at most limit: *out is an array of {"id": name,
 * "name": display name, "email" (when there is one)}.
 */
enum jta_err jta_store_user_find(struct jta_store *st, const char *query,
    size_t limit, json_t **out, struct jta_error *err) JTA_WUR;

/* ---- drafts and idempotency keys (schema 6) ----
 *
 * The store half of exactly-once creates (jta_once has the other half).
 * A draft or an Idempotency-Key row is submitted by one process at a time
 * under a lease, as with the refresh lease of atlassian_links: the lease
 * is claimed in a short BEGIN IMMEDIATE transaction and committed, the
 * backend is called outside any transaction, and the result is recorded
 * only while the lease is still the caller's (an expired lease nobody
 * took is still the caller's).  A lease that ran out (a crashed worker)
 * may be taken over by anyone; what its create did is then unknown and
 * jta_once finds out before creating again.  Expired rows are purged a
 * bounded batch at a time on the way.  Rows belong to one user: another
 * user's row is reported exactly like a missing one.
 */

/* A draft lives this long after its last change; a submitted one this
 * long after its submit.  Idempotency keys are kept this long. */
#define JTA_STORE_DRAFT_TTL	86400
#define JTA_STORE_SUBMITTED_TTL	(7 * 86400)
#define JTA_STORE_IDEM_TTL	86400

/* A draft as read; jta_store_draft_clear releases the JSON members. */
struct jta_draft {
	char	 id[JTA_LIMIT_DRAFT_ID + 1];
	int64_t	 revision;
	char	 status[16];		/* ready, submitting, submitted */
	json_t	*input;			/* the body as the client sent it */
	json_t	*preview;		/* prepare's answer, with "_ids" */
	json_t	*result;		/* submitted: the submit's answer */
	int64_t	 created, updated, expires;
};

/* Release d's JSON members (d itself is the caller's). */
void jta_store_draft_clear(struct jta_draft *d);

/* Store a new draft id (random, from jta_once) of user_id at revision 1,
 * status ready, expiring JTA_STORE_DRAFT_TTL after now.  input and preview
 * are borrowed.  JTA_ERR_CONFLICT when the id exists. */
enum jta_err jta_store_draft_put(struct jta_store *st, int64_t user_id,
    const char *id, const json_t *input, const json_t *preview, int64_t now,
    struct jta_error *err) JTA_WUR;

/* Read user_id's unexpired draft id into *out.  JTA_ERR_NOTFOUND (404,
 * field "id") when there is none, it is another user's, or it expired. */
enum jta_err jta_store_draft_get(struct jta_store *st, int64_t user_id,
    const char *id, int64_t now, struct jta_draft *out,
    struct jta_error *err) JTA_WUR;

/* Replace input and preview of the draft, which must still be ready at
 * revision (the one the caller read): revision + 1, expiry renewed.
 * JTA_ERR_NOTFOUND as for _get; JTA_ERR_CONFLICT (409) when it is
 * submitting or submitted, or changed since the caller read it. */
enum jta_err jta_store_draft_edit(struct jta_store *st, int64_t user_id,
    const char *id, int64_t revision, const json_t *input,
    const json_t *preview, int64_t now, struct jta_error *err) JTA_WUR;

/* Which table a lease is on. */
enum jta_once_kind {
	JTA_ONCE_DRAFT,		/* drafts: id is the draft id */
	JTA_ONCE_IDEM		/* idempotency_keys: id is the key */
};

/* What a claim found. */
enum jta_claim_result {
	JTA_CLAIM_NEW,		/* ours; nothing was sent before: create */
	JTA_CLAIM_RESUME,	/* ours; an earlier attempt (at attempt_at)
				 * may or may not have created: find out */
	JTA_CLAIM_BUSY,		/* another process holds a live lease */
	JTA_CLAIM_DONE		/* finished: status and result are the
				 * answer to repeat */
};

/* A claim's result; jta_store_claim_clear releases the JSON members. */
struct jta_claim {
	enum jta_claim_result res;
	char	 token[JTA_LIMIT_ONCE_TOKEN + 1];	/* NEW, RESUME */
	int64_t	 attempt_at;	/* RESUME: when the last create was sent */
	int64_t	 since;		/* no create was sent before this time */
	int64_t	 lease_left;	/* BUSY: seconds the lease still runs */
	int	 status;	/* DONE: the HTTP status to answer */
	json_t	*result;	/* DONE: the body to answer */
	json_t	*prepared;	/* drafts, NEW and RESUME: the preview */
};

void jta_store_claim_clear(struct jta_claim *c);

/*
 * Claim user_id's draft id for a submit at revision, for owner (printable,
 * at most JTA_LIMIT_LEASE_OWNER bytes) until now + lease_s.  token (a
 * fresh one) becomes the draft's once token unless it has one already;
 * out->token is the one to use.  A ready draft becomes submitting with
 * attempt_at = now (NEW); a submitting one whose lease ran out or was
 * released is taken over (RESUME); a live lease of another owner is BUSY;
 * a submitted draft is DONE with status 200 and its result.
 * JTA_ERR_NOTFOUND as for _get; JTA_ERR_CONFLICT (409, field "revision")
 * when revision is not the draft's.
 */
enum jta_err jta_store_draft_claim(struct jta_store *st, int64_t user_id,
    const char *id, int64_t revision, const char *owner, const char *token,
    int64_t now, int64_t lease_s, struct jta_claim *out,
    struct jta_error *err) JTA_WUR;

/*
 * Claim user_id's Idempotency-Key key for a request whose keyed hash is
 * hash, as for drafts: no unexpired row makes one (in-flight, ours,
 * attempt_at = now, token, expiring JTA_STORE_IDEM_TTL after now: NEW);
 * an in-flight row whose lease ran out is RESUME, a live one BUSY; a done
 * row is DONE with the stored status and body.  A row made for another
 * request hash is JTA_ERR_INPUT (422, field "Idempotency-Key").
 */
enum jta_err jta_store_idem_claim(struct jta_store *st, int64_t user_id,
    const char *key, const unsigned char hash[JTA_VAULT_HASHBYTES],
    const char *owner, const char *token, int64_t now, int64_t lease_s,
    struct jta_claim *out, struct jta_error *err) JTA_WUR;

/* A create is about to be sent again under owner's lease: attempt_at =
 * now.  JTA_ERR_CONFLICT (409) when the lease is not owner's. */
enum jta_err jta_store_once_attempt(struct jta_store *st,
    enum jta_once_kind kind, int64_t user_id, const char *id,
    const char *owner, int64_t now, struct jta_error *err) JTA_WUR;

/*
 * Record the answer of owner's submit: status (201) and result (borrowed;
 * for a draft {"draft", "issue": {key, url, ...}}, whose key and url are
 * kept in their own columns too).  A draft becomes submitted and expires
 * JTA_STORE_SUBMITTED_TTL after now; a key becomes done.  The lease is
 * cleared.  JTA_ERR_CONFLICT (409) when the lease is not owner's.
 */
enum jta_err jta_store_once_done(struct jta_store *st,
    enum jta_once_kind kind, int64_t user_id, const char *id,
    const char *owner, int status, const json_t *result, int64_t now,
    struct jta_error *err) JTA_WUR;

/*
 * Give up owner's lease.  unknown: a create may have happened (its answer
 * was lost): the row stays submitting / in-flight with its attempt_at,
 * for the next claim to RESUME.  Otherwise nothing was created: a draft
 * goes back to ready (no attempt), a key's row is deleted (a repeat makes
 * a new attempt).  JTA_ERR_CONFLICT (409) when the lease is not owner's.
 */
enum jta_err jta_store_once_release(struct jta_store *st,
    enum jta_once_kind kind, int64_t user_id, const char *id,
    const char *owner, int unknown, struct jta_error *err) JTA_WUR;

/*
 * The embedded store's side of exactly-once: create a ticket as
 * jta_store_ticket_create does, carrying token (NULL: none) in
 * tickets.once_token, in the same transaction that first looks the token
 * up: when a ticket already carries it, that ticket is the answer and
 * nothing is inserted (*created = 0).  A crash can therefore never give
 * two tickets for one token.
 */
enum jta_err jta_store_ticket_create_once(struct jta_store *st,
    const struct jta_user *reporter, const json_t *fields,
    const char *token, int *created, json_t **out, struct jta_error *err)
    JTA_WUR;

/* The ticket carrying token (JTA_ERR_NOTFOUND when none). */
enum jta_err jta_store_ticket_by_once(struct jta_store *st,
    const char *token, json_t **out, struct jta_error *err) JTA_WUR;

/* ---- operators' switches (schema 7; jta_policy.h gives the meaning) ----
 *
 * One settings row (the kill switch) and the access rules.  Every change
 * bumps the row's generation in the same BEGIN IMMEDIATE transaction, so
 * a worker that read generation g and reads g again knows its copy of
 * the rules is current without reading them.
 */

/* The settings row. */
struct jta_store_policy {
	int	 enabled;
	char	 message[JTA_LIMIT_POLICY_MESSAGE + 1];	/* "" when none */
	int64_t	 changed_at;				/* 0: never */
	char	 changed_by[JTA_LIMIT_POLICY_BY + 1];
	int64_t	 generation;
};

/* One access rule; strings as stored (jta_policy validates them). */
struct jta_store_rule {
	int64_t	 id;
	char	 effect[8];		/* allow, deny */
	char	 kind[12];		/* site, project, person, group,
					 * domain, readonly */
	char	 value[JTA_LIMIT_POLICY_VALUE + 1];
	char	 scope[8];		/* read, create, write, all */
	int64_t	 created;
	char	 created_by[JTA_LIMIT_POLICY_BY + 1];
	char	 note[JTA_LIMIT_POLICY_NOTE + 1];
};

/* Read the settings row: one prepared statement on its primary key (run
 * on every request).  JTA_ERR_DB (503/500 in err) when the store fails. */
enum jta_err jta_store_policy_get(struct jta_store *st,
    struct jta_store_policy *out, struct jta_error *err) JTA_WUR;

/* Switch on (enabled 1) or off with message (NULL: none), recording now
 * and by as the switch's changed_at and changed_by; generation + 1.  A
 * rule's change bumps the generation only. */
enum jta_err jta_store_policy_set(struct jta_store *st, int enabled,
    const char *message, int64_t now, const char *by,
    struct jta_error *err) JTA_WUR;

/* The number of rules. */
enum jta_err jta_store_rule_count(struct jta_store *st, int64_t *n,
    struct jta_error *err) JTA_WUR;

/* Add rule r (its id and created are ignored) made at now by by; *id is
 * the new rule's id.  JTA_ERR_CONFLICT (409) when the same effect, kind,
 * value and scope exist already; JTA_ERR_INPUT (422) when there are
 * JTA_LIMIT_POLICY_RULES rules already.  Generation + 1. */
enum jta_err jta_store_rule_add(struct jta_store *st,
    const struct jta_store_rule *r, int64_t now, const char *by,
    int64_t *id, struct jta_error *err) JTA_WUR;

/* Remove rule id; JTA_ERR_NOTFOUND (404) when there is none.
 * Generation + 1. */
enum jta_err jta_store_rule_remove(struct jta_store *st, int64_t id,
    struct jta_error *err) JTA_WUR;

/* The rules ordered by id into rules (max entries); *n is how many.
 * More than max rules is JTA_ERR_INTERNAL (the store never holds more
 * than JTA_LIMIT_POLICY_RULES). */
enum jta_err jta_store_rule_list(struct jta_store *st,
    struct jta_store_rule *rules, size_t max, size_t *n,
    struct jta_error *err) JTA_WUR;

/* user_id's link without its tokens (nothing is unsealed): account id,
 * site, identity.  JTA_ERR_NOTFOUND when the user has no link. */
enum jta_err jta_store_link_identity(struct jta_store *st, int64_t user_id,
    struct jta_link *out, struct jta_error *err) JTA_WUR;

/* ---- the audit log (schema 8; jta_audit.h gives the meaning) ---- */

struct jta_audit_event;

/* Filters of jta_store_audit_query; NULL or 0 leaves one open. */
struct jta_audit_filter {
	const char	*person;	/* user name, account id or email */
	const char	*ticket;	/* issue key (or draft / ticket id) */
	const char	*action;	/* "create", "sign-in", ... */
	int64_t		 from;		/* at >= from (Unix time) */
	int64_t		 to;		/* at < to */
	int64_t		 limit;		/* rows, newest first; 0: all */
};

/* Append ev (validated by jta_audit_write) as one row. */
enum jta_err jta_store_audit_add(struct jta_store *st,
    const struct jta_audit_event *ev, struct jta_error *err) JTA_WUR;

/* Delete at most max rows older than before (oldest first); *deleted is
 * how many went.  Callers loop for more. */
enum jta_err jta_store_audit_purge(struct jta_store *st, int64_t before,
    int64_t max, int64_t *deleted, struct jta_error *err) JTA_WUR;

/* The number of audit rows. */
enum jta_err jta_store_audit_count(struct jta_store *st, int64_t *n,
    struct jta_error *err) JTA_WUR;

/*
 * Rows matching f, newest first, as an array of {id, when (RFC 3339),
 * who, account_id, site, action, issue_key, endpoint, status, detail};
 * the caller releases *out.  A person matches who, account_id, or the
 * email of the local user named who.
 */
enum jta_err jta_store_audit_query(struct jta_store *st,
    const struct jta_audit_filter *f, json_t **out, struct jta_error *err)
    JTA_WUR;

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

/*
 * PRAGMA integrity_check, then the FTS5 index's integrity-check, for
 * jta-admin check.  JTA_OK with what "ok"; otherwise JTA_ERR_DB with what
 * (whatsz bytes) saying which check failed and SQLite's first finding
 * (the operator's terminal, never a client, reads it).
 */
enum jta_err jta_store_check(struct jta_store *st, char *what,
    size_t whatsz) JTA_WUR;

/* ---- usage and quotas (schema 9; jta_usage.h gives the meaning) ----
 *
 * quotas (schema 9) holds the operators' limits.  The counts live in a
 * file of their own, DATABASE.usage (made 0600 and attached as "usage"
 * by the functions below when they first need it), so that counting
 * does not empty the page cache every connection keeps of the main
 * file: usage_daily holds one row per person, site and UTC day with the
 * calls, tickets created, tickets updated and conversations started;
 * usage_seen each person's last counted call (a call 30 minutes or more
 * after it starts a conversation).
 */

/* Seconds of silence after which a person's next call starts a new
 * conversation ("gaps under 30 minutes" belong to one). */
#define JTA_STORE_CONVERSATION_GAP	1800

/* The UTC day ("YYYY-MM-DD") and month's first day ("YYYY-MM-01") of
 * now, and when each period ends (Unix time of the next midnight and of
 * the next month's first midnight, UTC). */
struct jta_store_period {
	char	 day[16];
	char	 month[16];
	int64_t	 day_end;
	int64_t	 month_end;
};
void jta_store_usage_period(int64_t now, struct jta_store_period *out);

/* Make st the counting connection: attach DATABASE.usage with
 * synchronous = NORMAL (WAL: a commit survives a crash of the process; a
 * power loss may lose the commits since the last checkpoint), and a busy
 * handler that retries every 50 us (a count holds the write lock for
 * microseconds) and gives up after busy_timeout_ms. */
enum jta_err jta_store_usage_connection(struct jta_store *st,
    int busy_timeout_ms) JTA_WUR;

/* Count one call by user_id on site at now, with creates and updates
 * (0 or 1) and a conversation when the person's last counted call is
 * JTA_STORE_CONVERSATION_GAP seconds old or more (or none): one BEGIN
 * IMMEDIATE transaction, so concurrent workers lose no count. */
enum jta_err jta_store_usage_count(struct jta_store *st, int64_t user_id,
    const char *site, int64_t now, int creates, int updates,
    struct jta_error *err) JTA_WUR;

/* One quota as it applies now, with what was used in its period. */
struct jta_store_quota {
	char	 scope[8];		/* person, site */
	char	 subject[JTA_LIMIT_USAGE_SITE + 1];	/* name, site, "*" */
	char	 metric[16];		/* calls, creates, updates,
					 * conversations */
	char	 per[8];		/* day, month */
	int64_t	 limit;
	int64_t	 used;
};

/* The quotas that cover user_id (named name) on site in the period of
 * p: a quota for the person or the site itself wins over the default
 * ("*") of the same scope, metric and per.  At most max into q, *n of
 * them. */
enum jta_err jta_store_usage_quotas(struct jta_store *st, int64_t user_id,
    const char *name, const char *site, const struct jta_store_period *p,
    struct jta_store_quota *q, size_t max, size_t *n,
    struct jta_error *err) JTA_WUR;

/* Set (insert or replace) a quota: scope "person" or "site", subject a
 * user name, site or "*" (the default), metric, per "day" or "month",
 * limit 0..JTA_LIMIT_QUOTA_MAX.  The words are validated by the caller
 * (jta_usage_quota_check); the table's CHECKs refuse others.  422 when
 * there are JTA_LIMIT_QUOTAS quotas already. */
enum jta_err jta_store_quota_set(struct jta_store *st,
    const struct jta_store_quota *q, int64_t now, const char *by,
    struct jta_error *err) JTA_WUR;

/* Remove the quota of scope, subject, metric and per (per NULL: both);
 * JTA_ERR_NOTFOUND (404) when there is none. */
enum jta_err jta_store_quota_remove(struct jta_store *st, const char *scope,
    const char *subject, const char *metric, const char *per,
    struct jta_error *err) JTA_WUR;

/* The quotas as a JSON array of {scope, subject, metric, per, limit,
 * created, created_by}, ordered by scope, subject, metric. */
enum jta_err jta_store_quota_list(struct jta_store *st, json_t **out,
    struct jta_error *err) JTA_WUR;

/* Usage from day from to day to (inclusive, "YYYY-MM-DD") grouped by
 * "person", "day" or "site": a JSON array of {person|day|site, calls,
 * creates, updates, conversations} ordered by the key. */
enum jta_err jta_store_usage_report(struct jta_store *st, const char *by,
    const char *from, const char *to, json_t **out,
    struct jta_error *err) JTA_WUR;

/*
 * The usage of the periods around now for the admin page:
 * {"period": {"day", "month"}, "quotas": [{"scope", "subject", "metric",
 * "per", "limit", "used", "percent", "level", "resets"}], "top_users":
 * [{"user", "calls", "creates", "updates", "conversations"}] (today, the
 * 10 busiest by calls), "totals": {"day": {calls, creates, updates,
 * conversations}, "month": {...}}}.  Quotas: each set for one person or
 * site, and each default ("*") for every person or site with usage in
 * its period and no quota of its own (subject: the name).  percent is
 * used * 100 / limit rounded down (100 when limit is 0); level ok under
 * 70, warn from 70, high from 90, over from 100.
 */
enum jta_err jta_store_usage_summary(struct jta_store *st, int64_t now,
    json_t **out) JTA_WUR;

/* The level of percent: "ok", "warn", "high" or "over". */
const char *jta_store_usage_level(int64_t percent);

#endif
