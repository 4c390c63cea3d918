/*
 * Our OAuth 2.0 authorization server (RFC 6749, with RFC 9700's current
 * practice), the one ChatGPT signs people in through for a GPT Action
 * (backend = local: local users with passwords).  The vault makes every
 * secret; the store keeps only their keyed hashes.
 *
 * What we issue, each 32 random bytes in unpadded base64url after a prefix
 * that says what it is (so a lookup knows its table, and a token pasted in
 * the wrong place is refused by shape):
 *
 *	client id	jtac_<24 hex>	public
 *	client secret	jtacs_<43>	shown once by jta-admin
 *	code		jta_ac_<43>	single-use, JTA_AUTHZ_CODE_TTL
 *	access token	jta_at_<43>	JTA_AUTHZ_ACCESS_TTL
 *	refresh token	jta_rt_<43>	rotates on every use
 *
 * Refresh rotation: the refresh token replaced last stays good for
 * JTA_AUTHZ_GRACE seconds (ChatGPT retries a refresh whose answer it lost)
 * and then answers a FRESH pair (we keep no plaintext, so the lost pair
 * cannot be sent again), once only; the lost pair's refresh token is
 * revoked, so one refresh token stays live per grant.  A second replay,
 * and anything older, is refused and revokes the whole grant (RFC 9700
 * §4.14.2; see jta_authz_refresh).
 *
 * Errors meant for the token and revocation endpoints are JTA_ERR_AUTH or
 * JTA_ERR_INPUT with err->field holding the RFC 6749 §5.2 error code
 * ("invalid_client", "invalid_grant", "invalid_request", "invalid_scope",
 * "unsupported_grant_type") and err->status its HTTP status.
 */
#ifndef JTA_AUTHZ_H
#define JTA_AUTHZ_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_endpoint.h"
#include "jta_err.h"
#include "jta_limits.h"
#include "jta_resp.h"
#include "jta_types.h"
#include "jta_vault.h"

/* Lifetimes, seconds.  Codes: RFC 6749 §4.1.2 recommends at most 10
 * minutes; ChatGPT redeems at once, so 60 s. */
#define JTA_AUTHZ_CODE_TTL	60
#define JTA_AUTHZ_ACCESS_TTL	3600
#define JTA_AUTHZ_REFRESH_TTL	(90 * 86400)
#define JTA_AUTHZ_GRACE		60

/* The one scope there is: the person's tickets. */
#define JTA_AUTHZ_SCOPE		"tickets"

#define JTA_AUTHZ_TOKENLEN	(7 + JTA_VAULT_RANDLEN)	/* jta_xx_ + 43 */
#define JTA_AUTHZ_CLIENT_IDLEN	(5 + 24)		/* jtac_ + hex */
#define JTA_AUTHZ_SECRETLEN	(6 + JTA_VAULT_RANDLEN)	/* jtacs_ + 43 */
/* The S256 transform: base64url of 32 bytes, no padding. */
#define JTA_AUTHZ_S256LEN	43

/* A storage connection (common/db/jta_db.h); only passed through. */
struct jta_store;

/*
 * The authorization server of one process: the store that keeps the
 * clients, codes, tokens and lockout rows, and the vault that makes and
 * hashes every secret.  Opaque: whoever holds one reaches those rows only
 * through the functions below.
 */
struct jta_authz;

/*
 * A new handle over st and v (borrowed: both must outlive it), released
 * with jta_authz_free.  v may be NULL only for a handle whose user calls
 * nothing but jta_authz_password_set (jta-admin without the vault key):
 * every other function makes or hashes a secret with it.
 * JTA_ERR_NOMEM when out of memory, JTA_ERR_INTERNAL when st is NULL.
 */
enum jta_err jta_authz_new(struct jta_store *st, const struct jta_vault *v,
    struct jta_authz **out) JTA_WUR;

/* Release az (not its store or vault); NULL is a no-op. */
void jta_authz_free(struct jta_authz *az);

/*
 * Write a sign-in event to the audit log through az's store, as
 * jta_audit_signin describes (jira: the Atlassian consent, else the
 * password page; user or, when the person is not known, name; endpoint,
 * status and a short detail).  Logs, never fails.
 */
void jta_authz_audit_signin(struct jta_authz *az, int jira,
    const struct jta_user *user, const char *name, const char *endpoint,
    int status, const char *detail);

/* A token pair answered by the token endpoint. */
struct jta_authz_tokens {
	char	 access[JTA_AUTHZ_TOKENLEN + 1];
	char	 refresh[JTA_AUTHZ_TOKENLEN + 1];
	char	 scope[JTA_LIMIT_SCOPE + 1];
	int64_t	 expires_in;
};

/*
 * Register a client named name with n redirect URIs (1..
 * JTA_LIMIT_REDIRECT_URIS, each valid by jta_url_redirect_check).  Writes
 * its new id and secret (show the secret once: only its keyed hash is
 * kept).
 * JTA_ERR_INPUT (field "redirect_uri" or "name") for bad arguments.
 */
enum jta_err jta_authz_client_add(struct jta_authz *az, const char *name,
    const char *const *uris, size_t n, char id[JTA_AUTHZ_CLIENT_IDLEN + 1],
    char secret[JTA_AUTHZ_SECRETLEN + 1], struct jta_error *err) JTA_WUR;

/* jta_authz_client_add for a public client (RFC 6749 §2.1: a browser
 * application that can keep no secret; PKCE S256 is required of it, as
 * of a registered public client): no secret at all. */
enum jta_err jta_authz_client_add_public(struct jta_authz *az,
    const char *name, const char *const *uris, size_t n,
    char id[JTA_AUTHZ_CLIENT_IDLEN + 1], struct jta_error *err) JTA_WUR;

/* Give client id a new secret (the old one stops working at once). */
enum jta_err jta_authz_client_rotate(struct jta_authz *az, const char *id,
    char secret[JTA_AUTHZ_SECRETLEN + 1], struct jta_error *err) JTA_WUR;

/*
 * Authenticate a client (RFC 6749 §2.3.1): the secret's keyed hash must
 * equal the stored one (constant time).  Unknown client, malformed or
 * wrong secret: JTA_ERR_AUTH, 401, "invalid_client".
 */
enum jta_err jta_authz_client_auth(struct jta_authz *az, const char *id,
    const char *secret, struct jta_error *err) JTA_WUR;

/*
 * Parse an HTTP Basic Authorization header value (RFC 7617) carrying
 * client credentials, each part form-urlencoded (RFC 6749 §2.3.1).
 * Returns 1 and fills id and secret when the header uses the Basic
 * scheme and decodes; 0 when it is not Basic; -1 when it is Basic but
 * malformed.
 */
int jta_authz_basic(const char *authorization, char *id, size_t idsz,
    char *secret, size_t secretsz);

/*
 * Authenticate the client of a token or revocation request (RFC 6749
 * §2.3.1): HTTP Basic in authorization (the request's header value), or
 * form_id and form_secret from the body (either may be NULL); a public
 * client sends form_id alone (RFC 7591 §2, "none"), and one that sends a
 * secret is refused like a wrong secret.  Using both
 * methods, or a body client_id other than Basic's, is invalid_request
 * (§2.3); no or wrong credentials are invalid_client (401).  On success
 * id (idsz bytes) holds the client id.
 */
enum jta_err jta_authz_client_request(struct jta_authz *az,
    const char *authorization, const char *form_id, const char *form_secret,
    char *id, size_t idsz, struct jta_error *err) JTA_WUR;

/*
 * JTA_OK when redirect_uri is one of client id's registered URIs,
 * compared exactly (RFC 9700 §4.1.3) and both valid by
 * jta_url_redirect_check (jta_url_redirect_match: a URI registered
 * before that validator was strict is not followed).  JTA_ERR_NOTFOUND
 * with a message for a person when the client is unknown or the URI is
 * not registered or not valid: then never redirect (RFC 6749 §4.1.2.1).
 */
enum jta_err jta_authz_client_redirect(struct jta_authz *az, const char *id,
    const char *redirect_uri, struct jta_error *err) JTA_WUR;

/*
 * The scope to grant for a requested one (NULL or "" for the default):
 * space-separated tokens (RFC 6749 §3.3), each of which we must know.
 * JTA_ERR_INPUT with "invalid_scope" otherwise.
 */
enum jta_err jta_authz_scope(const char *requested, char *out, size_t outsz,
    struct jta_error *err) JTA_WUR;

/*
 * 1 when challenge is shaped like an S256 code_challenge (RFC 7636 §4.2:
 * 43 base64url characters), or verifier like a code_verifier (§4.1:
 * 43..128 of [A-Za-z0-9-._~]).
 */
int jta_authz_challenge_valid(const char *challenge);
int jta_authz_verifier_valid(const char *verifier);

/* The S256 transform of verifier (RFC 7636 §4.2):
 * BASE64URL(SHA256(verifier)), no padding. */
enum jta_err jta_authz_s256(const char *verifier,
    char out[JTA_AUTHZ_S256LEN + 1]) JTA_WUR;

/*
 * Issue a code for user_id to client_id, bound to redirect_uri, the S256
 * challenge (or NULL), scope and the audience aud (RFC 8707: the tokens
 * it gives are aud's), expiring JTA_AUTHZ_CODE_TTL after now.
 */
enum jta_err jta_authz_code_issue(struct jta_authz *az, const char *client_id,
    int64_t user_id, const char *redirect_uri, const char *challenge,
    const char *scope, enum jta_endpoint_audience aud, int64_t now,
    char code[JTA_AUTHZ_TOKENLEN + 1], struct jta_error *err) JTA_WUR;

/*
 * Exchange a code (RFC 6749 §4.1.3, RFC 7636 §4.5): verifier is the
 * code_verifier or NULL.  In one BEGIN IMMEDIATE transaction the code must
 * be unused, unexpired at now, issued to client_id for exactly
 * redirect_uri, and the S256 transform of verifier must equal the code's
 * challenge, compared in constant time; a verifier without a challenge is
 * refused too (RFC 9700 §2.1.1).  Any refusal after the client matched
 * spends the code; a code used before is refused AND revokes every token
 * issued from it (RFC 6749 §4.1.2).  Refusals, and a malformed code, are
 * invalid_grant.  On success out holds the new pair and the code's scope.
 */
enum jta_err jta_authz_code_redeem(struct jta_authz *az, const char *client_id,
    const char *code, const char *redirect_uri, const char *verifier,
    int64_t now, struct jta_authz_tokens *out, struct jta_error *err) JTA_WUR;

/* jta_authz_code_redeem for a token request that named a resource (RFC
 * 8707 §2.2): want (NULL: none named) must be the code's audience, else
 * invalid_target, and the code is spent. */
enum jta_err jta_authz_code_redeem_for(struct jta_authz *az,
    const char *client_id, const char *code, const char *redirect_uri,
    const char *verifier, const enum jta_endpoint_audience *want,
    int64_t now, struct jta_authz_tokens *out, struct jta_error *err)
    JTA_WUR;

/*
 * Rotate a refresh token (RFC 6749 §6, RFC 9700 §4.14.2) in one BEGIN
 * IMMEDIATE transaction: a live refresh token of client_id gives a new
 * pair and is marked replaced.  The one replaced last stays good for
 * JTA_AUTHZ_GRACE seconds, answering a fresh pair and revoking the live
 * refresh token it had been replaced by, once: that answer spends it.  A
 * revoked one (so a second replay within the grace), an older one or
 * one replaced longer ago is refused and revokes the whole grant; an
 * unknown, expired or another client's one is refused.  Refusals are
 * invalid_grant.
 */
enum jta_err jta_authz_refresh(struct jta_authz *az, const char *client_id,
    const char *refresh, int64_t now, struct jta_authz_tokens *out,
    struct jta_error *err) JTA_WUR;

/* jta_authz_refresh for a request that named a resource: want (NULL:
 * none) must be the grant's audience, else invalid_target (nothing is
 * rotated); the new pair keeps the grant's audience. */
enum jta_err jta_authz_refresh_for(struct jta_authz *az, const char *client_id,
    const char *refresh, const enum jta_endpoint_audience *want, int64_t now,
    struct jta_authz_tokens *out, struct jta_error *err) JTA_WUR;

/* *public_client: 1 when client id is a public client (registered with
 * token_endpoint_auth_method "none": no secret, PKCE S256 required);
 * JTA_ERR_NOTFOUND when unknown. */
enum jta_err jta_authz_client_public(struct jta_authz *az, const char *id,
    int *public_client, struct jta_error *err) JTA_WUR;

/* Revoke a token presented by client_id (RFC 7009 §2.1); a token that is
 * not ours or unknown is JTA_OK (§2.2). */
enum jta_err jta_authz_revoke(struct jta_authz *az, const char *client_id,
    const char *token, struct jta_error *err) JTA_WUR;

/* 1 when token is shaped like one of our access tokens. */
int jta_authz_is_access_token(const char *token);

/* The user of a live access token at now, and (aud, when not NULL) the
 * audience it was issued for; JTA_ERR_AUTH when it is unknown, expired or
 * revoked. */
enum jta_err jta_authz_access(struct jta_authz *az, const char *token,
    int64_t now, struct jta_user *out, enum jta_endpoint_audience *aud)
    JTA_WUR;

/*
 * Set user name's password (JTA_LIMIT_PASSWORD_MIN..JTA_LIMIT_PASSWORD
 * bytes, else JTA_ERR_INPUT) as a crypto_pwhash_str string, and revoke
 * every token and code issued to them in the same transaction: whoever
 * signed in with the old password keeps nothing (*revoked, when not
 * NULL: how many tokens were live).
 */
enum jta_err jta_authz_password_set(struct jta_authz *az, const char *name,
    const char *pw, size_t len, int64_t *revoked, struct jta_error *err)
    JTA_WUR;

/*
 * Check name's password.  An unknown user, a user without a password and a
 * wrong password take the same time and give the same JTA_ERR_AUTH (401)
 * answer, so the page tells nobody which names exist.
 */
enum jta_err jta_authz_password_check(struct jta_authz *az, const char *name,
    const char *pw, size_t len, struct jta_user *out,
    struct jta_error *err) JTA_WUR;

/*
 * Password lockout for the sign-in page.  RFC 6749 §10.10 says the
 * server MUST prevent guessing of resource owner passwords; OWASP's
 * Authentication Cheat Sheet ("Account Lockout") suggests a threshold,
 * an observation window and a lockout duration, counted per account and
 * also for names that do not exist so the answer reveals nothing.  So:
 * JTA_AUTHZ_LOCKOUT_FAILURES wrong passwords for one user name within
 * JTA_AUTHZ_LOCKOUT_WINDOW seconds refuse that name, even with the right
 * password, for JTA_AUTHZ_LOCKOUT_TIME seconds; a success forgets the
 * count.  At most JTA_AUTHZ_LOCKOUT_ROWS names are tracked.
 */
#define JTA_AUTHZ_LOCKOUT_FAILURES	5
#define JTA_AUTHZ_LOCKOUT_WINDOW	(15 * 60)
#define JTA_AUTHZ_LOCKOUT_TIME		(15 * 60)
#define JTA_AUTHZ_LOCKOUT_ROWS		10000

/*
 * The local user name (for a sign-in session that names it, e.g. the
 * ticket pages' cookie): JTA_ERR_NOTFOUND when there is no such user, err
 * filled.
 */
enum jta_err jta_authz_user(struct jta_authz *az, const char *name,
    struct jta_user *out, struct jta_error *err) JTA_WUR;

/*
 * The local user name with a stamp of their current password: the keyed
 * hash (vault) of the stored password hash, which changes whenever the
 * password is set again (a new salt each time).  A sign-in session that
 * carries the stamp ends when the password changes or is cleared.
 * JTA_ERR_NOTFOUND when there is no such user or no password.
 */
enum jta_err jta_authz_password_stamp(struct jta_authz *az, const char *name,
    struct jta_user *out, unsigned char stamp[JTA_VAULT_HASHBYTES],
    struct jta_error *err) JTA_WUR;

/*
 * jta_authz_password_check behind the lockout: a name that is locked at
 * now is JTA_ERR_AUTH with status 429 and a message for the person,
 * without looking at the password; a wrong password counts (and the one
 * that locks the name answers 429 already); a right one clears the count.
 */
enum jta_err jta_authz_password_login(struct jta_authz *az, const char *name,
    const char *pw, size_t len, int64_t now, struct jta_user *out,
    struct jta_error *err) JTA_WUR;

/*
 * Send the person back to a client's redirect_uri (RFC 6749 §4.1.2,
 * §4.1.2.1) with name=value, error_description when not NULL, state
 * when not NULL and iss, our issuer identifier (public_url), when not
 * NULL (RFC 9207 §2: in every authorization response, success and error
 * alike), each percent-encoded: a 302.  Only for a redirect_uri
 * jta_authz_client_redirect accepted; one jta_url_redirect_check
 * refuses is never redirected to (JTA_ERR_INTERNAL, nothing sent).
 */
enum jta_err jta_authz_redirect(struct jta_resp *resp,
    const char *redirect_uri, const char *name, const char *value,
    const char *description, const char *state, const char *iss) JTA_WUR;

/*
 * A GPT's authorization request waiting for the person's Atlassian
 * consent (Jira mode): what the code will be bound to, checked by
 * /oauth/authorize first.  challenge is "" when none was sent.
 */
struct jta_authz_request {
	char	 client_id[JTA_LIMIT_CLIENT_ID + 1];
	char	 redirect_uri[JTA_LIMIT_REDIRECT_URI + 1];
	char	 state[JTA_LIMIT_STATE + 1];
	char	 scope[JTA_LIMIT_SCOPE + 1];
	char	 challenge[JTA_LIMIT_PKCE + 1];
	/* The audience's name (jta_authz_audience_name); "" (and a
	 * request kept before audiences) is the API's. */
	char	 audience[8];
};

/*
 * The sign-in form's CSRF defence (issue 10, item 14).  GET
 * /oauth/authorize gives the browser a nonce in cookie
 * JTA_AUTHZ_FORM_COOKIE (jta_authz_form_cookie) and puts the form token of
 * that nonce and the pending request r in the form; the POST must carry
 * both, matching (jta_authz_form_check).  A cross-site page can neither
 * read the token nor make the browser send the SameSite cookie with its
 * POST, and a token fetched by the attacker himself is bound to his own
 * nonce.  The token: the hex of the keyed hash of "signin.", the nonce
 * and r as jta_authz_request_encode writes it.
 */
#define JTA_AUTHZ_FORM_COOKIE	"jta_signin"
#define JTA_AUTHZ_FORM_TOKENLEN	(2 * JTA_VAULT_HASHBYTES)

/* 1 when nonce is shaped like one jta_authz_form_cookie makes. */
int jta_authz_form_nonce_valid(const char *nonce);

/*
 * Set-Cookie for nonce on resp: a new random nonce into nonce first when
 * it is "" (or not shaped like one).  HttpOnly, SameSite=Lax, Path
 * public_url's path + /oauth/authorize, Max-Age 600 s, Secure when
 * public_url is https.  JTA_ERR_INTERNAL when
 * public_url is too long, else as jta_resp_header.
 */
enum jta_err jta_authz_form_cookie(struct jta_resp *resp,
    const char *public_url, char nonce[JTA_VAULT_RANDLEN + 1]) JTA_WUR;

/* The form token of nonce and r into out; JTA_ERR_INTERNAL when r does
 * not encode. */
enum jta_err jta_authz_form_token(struct jta_authz *az, const char *nonce,
    const struct jta_authz_request *r,
    char out[JTA_AUTHZ_FORM_TOKENLEN + 1]) JTA_WUR;

/* 1 when token (may be NULL) is the form token of nonce and r, compared
 * in constant time; 0 otherwise (a malformed nonce included). */
int jta_authz_form_check(struct jta_authz *az, const char *nonce,
    const struct jta_authz_request *r, const char *token);

/*
 * The name client id was registered with (jta-admin client add --name),
 * into name (namesz bytes): for the sign-in page to say who asks.
 * JTA_ERR_NOTFOUND when unknown.  Raw text: escape it for HTML.
 */
enum jta_err jta_authz_client_name(struct jta_authz *az, const char *id,
    char *name, size_t namesz, struct jta_error *err) JTA_WUR;

/* r as text (a JSON object) into out (outsz bytes, at most
 * JTA_LIMIT_AUTHZ_REQUEST + 1 useful); JTA_ERR_INTERNAL when it does not
 * fit. */
enum jta_err jta_authz_request_encode(const struct jta_authz_request *r,
    char *out, size_t outsz) JTA_WUR;

/* The other way; JTA_ERR_INTERNAL when text is not what encode makes
 * (a member missing, not a string or too long; "audience" may be
 * missing: requests kept before it). */
enum jta_err jta_authz_request_decode(const char *text,
    struct jta_authz_request *r) JTA_WUR;

/*
 * Client ID Metadata Documents (the MCP authorization specification,
 * 2025-11-25, and draft-ietf-oauth-client-id-metadata-document): a client
 * whose client_id is an https URL describes itself in the JSON document
 * at that URL, which we fetch (jta_http_fetch_public: https only, no
 * redirect, no private or loopback address, JTA_LIMIT_CIMD_* bounds),
 * check (client_id equal to the URL, the metadata rules of registration,
 * a public client without a secret) and cache as its Cache-Control says
 * (max-age, at most JTA_LIMIT_CIMD_MAX_AGE; no-store and no-cache: not
 * kept).  Such a client is public: PKCE is required of it.
 */
struct jta_authz_cimd {
	int		 enabled;	/* oauth_client_metadata_documents */
	int		 allow_loopback;	/* tests only */
	const char	*ca_file;	/* tests only; NULL, "": the system's */
};

/* Use c (copied; c->ca_file borrowed: it must outlive az). */
void jta_authz_set_cimd(struct jta_authz *az, const struct jta_authz_cimd *c);

/* 1 when client_id names a metadata document (starts "https://"). */
int jta_authz_is_cimd_id(const char *client_id);

/*
 * The document of client url at now, from the cache or fetched and
 * checked: its client_name (or a default) into name (namesz bytes), its
 * redirect URIs into *uris (a new array).  JTA_ERR_NOTFOUND (400, field
 * "client_id", a message for a person that says why) when documents are
 * off, or the URL or its document cannot be used.
 */
enum jta_err jta_authz_cimd_client(struct jta_authz *az, const char *url,
    int64_t now, char *name, size_t namesz, json_t **uris,
    struct jta_error *err) JTA_WUR;

/* Seconds a document may be kept by its Cache-Control value cc (RFC 9111
 * §5.2.2): 0 for no-store, no-cache or an unreadable max-age; max-age
 * bounded by JTA_LIMIT_CIMD_MAX_AGE; JTA_LIMIT_CIMD_DEFAULT_AGE without
 * either.  Exposed for the unit tests. */
int64_t jta_authz_cimd_max_age(const char *cc);

/*
 * CORS for the endpoints a browser-based MCP client (the MCP Inspector, a
 * web app with PKCE) calls with fetch: the metadata documents, the token,
 * revocation and registration endpoints.  None of them uses cookies, and
 * each answers the same to any origin, so "Access-Control-Allow-Origin:
 * *" (Fetch standard §3.2.3: never with credentials) gives a page nothing
 * it could not get from a server.  Not for /oauth/authorize, which a
 * browser navigates to.  jta_authz_cors adds the header; a request whose
 * method is OPTIONS is a preflight (§4.8), which jta_authz_preflight
 * answers 204 allowing methods and the headers those clients send, and
 * returns 1; else 0, nothing sent.
 */
enum jta_err jta_authz_cors(struct jta_resp *resp) JTA_WUR;
int jta_authz_preflight(const struct jta_req *req, struct jta_resp *resp,
    const char *methods, enum jta_err *rc);

/* What the authorization server offers beyond RFC 6749 (the
 * configuration's oauth_client_registration and
 * oauth_client_metadata_documents). */
#define JTA_AUTHZ_F_REGISTER	0x1u	/* RFC 7591 at /oauth/register */
#define JTA_AUTHZ_F_CIMD	0x2u	/* client ids that are https URLs */

/*
 * RFC 7591 dynamic registration: check the client metadata meta (§2:
 * redirect_uris required, each valid by jta_url_redirect_check;
 * token_endpoint_auth_method none (a public client), client_secret_post
 * or client_secret_basic (the default); grant_types authorization_code
 * and refresh_token; response_types code; scope ours; client_name 1 to
 * JTA_LIMIT_CLIENT_NAME bytes of text; other members are ignored, §2)
 * and register the client from address (REMOTE_ADDR, may be "") at now,
 * after removing registered clients idle for idle_days days
 * (jta_store_client_prune; 0: none removed), within
 * JTA_LIMIT_REGISTERED_CLIENTS in all and
 * JTA_LIMIT_REGISTER_PER_ADDRESS per address and window.  *out: the
 * §3.2.1 answer (with client_secret for a confidential client: send it
 * with Cache-Control: no-store), a new object.  Refusals: JTA_ERR_INPUT
 * 400 with err->field "invalid_redirect_uri" or
 * "invalid_client_metadata" (§3.2.2); JTA_ERR_CONFLICT 429 (this
 * address registered too many lately) or 403 (the cap is reached).
 */
enum jta_err jta_authz_register(struct jta_authz *az, const json_t *meta,
    const char *address, int64_t now, int idle_days, json_t **out,
    struct jta_error *err) JTA_WUR;

/* RFC 8414 §2 metadata for the server at public_url (no trailing slash),
 * offering features (JTA_AUTHZ_F_ bits); a new object or NULL when out of
 * memory.  It says authorization responses carry iss (RFC 9207 §3). */
json_t *jta_authz_metadata(const char *public_url, unsigned features);

/*
 * Resources and audiences (RFC 8707, RFC 9728).  This server protects two
 * resources: the REST API, whose identifier is public_url, and the MCP
 * endpoint, public_url + "/mcp" (jta_endpoint_audience).  An access token
 * is bound to the one its authorization request named in `resource`
 * (the API when none), and the audience is kept with its token family.
 */

/* The stored name of aud ("api", "mcp"), static; and back (anything
 * unknown, NULL included, is the API: tokens from before audiences). */
const char *jta_authz_audience_name(enum jta_endpoint_audience aud);
enum jta_endpoint_audience jta_authz_audience_of(const char *name);

/* The resource identifier of aud at public_url into out (outsz bytes);
 * JTA_ERR_INTERNAL when it does not fit. */
enum jta_err jta_authz_resource(const char *public_url,
    enum jta_endpoint_audience aud, char *out, size_t outsz) JTA_WUR;

/* The URL of aud's protected resource metadata (RFC 9728 §3.1: public_url
 * "/.well-known/oauth-protected-resource" and the resource's path). */
enum jta_err jta_authz_resource_metadata_url(const char *public_url,
    enum jta_endpoint_audience aud, char *out, size_t outsz) JTA_WUR;

/*
 * The audience a `resource` parameter names (RFC 8707 §2): an absolute
 * URL (jta_url_parse) without a fragment, equal to one of our resource
 * identifiers (public_url, also written with a trailing '/', or
 * public_url "/mcp").  Anything else: JTA_ERR_INPUT, 400,
 * "invalid_target" (RFC 8707 §2).
 */
enum jta_err jta_authz_resource_audience(const char *public_url,
    const char *resource, enum jta_endpoint_audience *aud,
    struct jta_error *err) JTA_WUR;

/* RFC 9728 §2 metadata of aud's resource: resource, authorization_servers
 * (public_url), scopes_supported, bearer_methods_supported (header); a
 * new object or NULL. */
json_t *jta_authz_resource_metadata(const char *public_url,
    enum jta_endpoint_audience aud);

/* The WWW-Authenticate value of a 401 from a resource of audience aud
 * (RFC 6750 §3, RFC 9728 §5.1): Bearer realm, error="invalid_token" when
 * invalid_token (a token was sent and refused), resource_metadata and
 * scope.  JTA_ERR_INTERNAL when it does not fit in out. */
enum jta_err jta_authz_challenge(const char *public_url,
    enum jta_endpoint_audience aud, int invalid_token, char *out,
    size_t outsz) JTA_WUR;

/* Send tokens as RFC 6749 §5.1 says (Cache-Control: no-store, Pragma:
 * no-cache). */
enum jta_err jta_authz_send_tokens(struct jta_resp *resp,
    const struct jta_authz_tokens *t) JTA_WUR;

/*
 * Send err as an RFC 6749 §5.2 error {error, error_description}, with
 * Cache-Control: no-store: the code from err->field (invalid_request when
 * it is not an OAuth code); 400, but invalid_client is 401 with
 * WWW-Authenticate: Basic, and a 5xx in err->status stays.
 */
enum jta_err jta_authz_send_error(struct jta_resp *resp,
    const struct jta_error *err) JTA_WUR;

#endif
