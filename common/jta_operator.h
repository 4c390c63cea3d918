/*
 * Operator actions (README.md "Operating it", "The admin page"): every
 * change an operator makes, from the admin page (jta-admin-api) or from
 * the command line (jta-admin), is validated here by the same code, so
 * both fronts refuse the same input with the same error naming the same
 * field, and is written to the audit log as "admin:<action>" by
 * "operator:<login>" with the front as its endpoint ("admin" for the
 * page, "jta-admin" for the CLI) and the status the change stands for
 * (200 changed, 201 added, 204 removed).  Only changes that were made are
 * audited; a refusal leaves the store as it was.
 *
 * The reads both fronts need (the switch, the rules, the quotas, usage,
 * the audit log) are here too, so the page never sees the store.
 *
 * Errors: JTA_ERR_INPUT (422, or 404 for a malformed id in a path) names
 * the field at fault with a message safe to show; JTA_ERR_NOTFOUND and
 * JTA_ERR_CONFLICT come from the store as they are; a change that was
 * made but could not be audited is JTA_ERR_DB (500) saying so.
 */
#ifndef JTA_OPERATOR_H
#define JTA_OPERATOR_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_authz.h"
#include "jta_err.h"
#include "jta_limits.h"
#include "jta_store_tickets.h"
#include "jta_vault.h"

/* A storage connection (common/db/jta_db.h), an audit query
 * (jta_store_ops.h) and a person's Atlassian link (jta_store_people.h):
 * only passed through. */
struct jta_audit_filter;
struct jta_link;
struct jta_store;

/* An operator's name as changed_by, created_by and the audit log keep
 * it (bytes). */
#define JTA_OPERATOR_LOGIN_MAX	JTA_LIMIT_POLICY_BY

/* The front an action came from: the audit row's endpoint. */
#define JTA_OPERATOR_PAGE	"admin"
#define JTA_OPERATOR_CLI	"jta-admin"

/* jta_operator_open: what to open besides the store. */
#define JTA_OPERATOR_VAULT	0x1	/* vault_key_file (API keys,
					 * clients) */
#define JTA_OPERATOR_TOKEN_KEYS	0x2	/* and token_key_file (rotation) */

/*
 * One operator at one front.  Set up with jta_operator_fcgi (the page:
 * the worker's store and vault, borrowed) or jta_operator_open (the CLI:
 * opened here, released by jta_operator_close).
 */
struct jta_operator {
	struct jta_store *st;
	struct jta_vault *vault;	/* NULL unless asked for */
	const char	*front;		/* JTA_OPERATOR_PAGE or _CLI */
	char		 login[JTA_OPERATOR_LOGIN_MAX + 1];
	int		 owned;		/* st and vault are ours to close */
	int		 log;		/* also log each change (info): the
					 * page's worker, whose error log is
					 * the operators' other record; the
					 * CLI prints the outcome instead */
};

struct jta_conf;
struct jta_ctx;

/*
 * The operator's login name from name (the web server's REMOTE_USER or
 * client certificate subject; the CLI's --operator, SUDO_USER or login
 * name) into op->login: cut to JTA_OPERATOR_LOGIN_MAX bytes on a UTF-8
 * boundary, control characters and (in text that is not UTF-8) bytes
 * over 0x7e as '?'.  An empty or NULL name is JTA_ERR_AUTH (403, field
 * "operator"): a change always has someone to answer for it.
 */
enum jta_err jta_operator_login(struct jta_operator *op, const char *name,
    struct jta_error *err) JTA_WUR;

/*
 * The page's operator: op borrows the worker's store and vault from ctx
 * (they outlive the request); login as jta_operator_login.
 */
enum jta_err jta_operator_fcgi(struct jta_operator *op, struct jta_ctx *ctx,
    const char *login, struct jta_error *err) JTA_WUR;

/*
 * The CLI's operator: open conf's database (and with JTA_OPERATOR_VAULT
 * the vault key, with JTA_OPERATOR_TOKEN_KEYS the token keys too, before
 * the store: a key file's fault is named first); login as
 * jta_operator_login.  On failure msg (msgsz bytes) says why, naming the
 * file, and nothing stays open.  Release with jta_operator_close.
 */
enum jta_err jta_operator_open(struct jta_operator *op,
    const struct jta_conf *conf, unsigned need, const char *login,
    char *msg, size_t msgsz) JTA_WUR;

/*
 * Jira Service Management in the embedded store: add a request type to
 * project (name; description and help_text may be NULL; fields a comma
 * list of summary, description, priority, labels, assignee, NULL for
 * "summary,description"; summary is always asked), or remove one that no
 * request was raised with.  Errors name the field: 404 project (add) or
 * name (remove), 409 name, 422 fields.  Audited as requesttype-add /
 * requesttype-remove.
 */
enum jta_err jta_operator_requesttype_add(struct jta_operator *op,
    const char *project, const char *name, const char *description,
    const char *help_text, const char *fields, struct jta_error *err)
    JTA_WUR;
enum jta_err jta_operator_requesttype_remove(struct jta_operator *op,
    const char *project, const char *name, struct jta_error *err) JTA_WUR;

/*
 * Forget the Jira metadata cache (README "Jira metadata cache") of site
 * (a cloud id; NULL: of every site); *n is how many entries went.  The
 * workers fetch afresh at their next need.  Errors: 422 site (not a
 * cloud id).  Audited as cache-clear.
 */
enum jta_err jta_operator_cache_clear(struct jta_operator *op,
    const char *site, int64_t *n, struct jta_error *err) JTA_WUR;

/*
 * Merge the embedded store's ticket search indexes into one segment each
 * (jta_store_search_optimize), with the segments before and after.
 * Audited as search-optimize.
 */
enum jta_err jta_operator_search_optimize(struct jta_operator *op,
    struct jta_store_search_segments *before,
    struct jta_store_search_segments *after, struct jta_error *err)
    JTA_WUR;

/* Close what jta_operator_open opened; a zeroed op is a no-op. */
void jta_operator_close(struct jta_operator *op);

/*
 * Record a change op made elsewhere (the knowledge base, jta_kb.h) as
 * every operator change is: one audit row admin:<what> by
 * operator:<login>, with status and detail (never a secret); logged too
 * when op->log.  JTA_ERR_DB (500) when the row could not be written.
 */
enum jta_err jta_operator_audit(struct jta_operator *op, const char *what,
    int status, const char *detail, struct jta_error *err) JTA_WUR;

/* ---- the kill switch and the access rules ---- */

/*
 * Switch the service on or off.  message (only when off; NULL or "":
 * the default) is one line of UTF-8 without control characters, at most
 * JTA_LIMIT_POLICY_MESSAGE bytes (field "message").  Audited as
 * admin:switch-on or admin:switch-off, 200.
 */
enum jta_err jta_operator_switch(struct jta_operator *op, int on,
    const char *message, struct jta_error *err) JTA_WUR;

/*
 * Add an access rule from its words, as jta_policy_rule_make checks
 * them (its errors name the fields effect, kind, value, for (the scope)
 * and note).  *out (new) is the rule as stored: {id, effect, kind,
 * value, scope, created, created_by, note}.  JTA_ERR_CONFLICT when it
 * exists.  Audited as admin:rule-add, 201, with the rule's words but
 * never its note.
 */
enum jta_err jta_operator_rule_add(struct jta_operator *op,
    const char *effect, const char *kind, const char *value,
    const char *scope, const char *note, json_t **out,
    struct jta_error *err) JTA_WUR;

/*
 * Remove the rule whose id is the decimal text id (a whole number from
 * 1, else JTA_ERR_INPUT, 404, field "id": an id is part of a path).
 * JTA_ERR_NOTFOUND when there is none.  Audited as admin:rule-remove,
 * 204.
 */
enum jta_err jta_operator_rule_remove(struct jta_operator *op,
    const char *id, struct jta_error *err) JTA_WUR;

/*
 * What an operator looks at, as one new object in *out: the switch
 * ({enabled, message, changed_at, changed_by}, times RFC 3339 or null
 * for never), "rules" (each as jta_operator_rule_add gives it, by id),
 * "quotas" (jta_store_quota_list), "usage" (jta_store_usage_summary,
 * with "knowledge": jta_kb_deflection of this month),
 * "audit" (the newest audit_rows rows; 0: none) and "last_change" ({at,
 * by, what}: the newest of the switch, a rule added and a quota set).
 */
enum jta_err jta_operator_state(struct jta_operator *op, size_t audit_rows,
    json_t **out, struct jta_error *err) JTA_WUR;

/* ---- usage and quotas ---- */

/*
 * Set a quota or change its limit: scope "person" or "site", subject (a
 * user name or site; NULL or "*": the default), metric, per (NULL: day
 * for a person, month for a site) as jta_usage_quota_make checks them
 * (fields "scope", "person", "site", "metric", "per"), limit as
 * jta_usage_quota_check does (-1 for one that was no whole number;
 * field "limit"; a person's quota needs the person: JTA_ERR_NOTFOUND,
 * still 422, field "person").
 * *out (new) is the quota set: {scope, subject, metric, per, limit,
 * previous_limit (null when it is new)}.  Audited as admin:quota-set,
 * 200, with the old and new limits.
 */
enum jta_err jta_operator_quota_set(struct jta_operator *op,
    const char *scope, const char *subject, const char *metric,
    const char *per, int64_t limit, json_t **out,
    struct jta_error *err) JTA_WUR;

/*
 * Remove a quota (per NULL: of either period), its words checked as for
 * jta_operator_quota_set.  *out (new; out may be NULL) holds its words
 * {scope, subject, metric, per ("any" for either)}.  JTA_ERR_NOTFOUND
 * when there is none.  Audited as admin:quota-remove, 204.
 */
enum jta_err jta_operator_quota_remove(struct jta_operator *op,
    const char *scope, const char *subject, const char *metric,
    const char *per, json_t **out, struct jta_error *err) JTA_WUR;

/* The quotas as jta_store_quota_list gives them; *out is new. */
enum jta_err jta_operator_quota_list(struct jta_operator *op, json_t **out,
    struct jta_error *err) JTA_WUR;

/* Audit rows matching f, newest first (jta_store_audit_query); *out is
 * new. */
enum jta_err jta_operator_audit_query(struct jta_operator *op,
    const struct jta_audit_filter *f, json_t **out,
    struct jta_error *err) JTA_WUR;

/*
 * Delete the audit rows older than days (audit_retention_days) in
 * batches; *total is how many went.  Audited (after the purge, so the
 * row stays) as admin:audit-purge, 200.
 */
enum jta_err jta_operator_audit_purge(struct jta_operator *op, int days,
    int64_t *total, struct jta_error *err) JTA_WUR;

/* ---- people, API keys, projects ---- */

/*
 * Add a local user: name a user name (field "user name"), display name
 * (NULL: the name; field "display name"), email (NULL: none; field
 * "email", with an '@').  JTA_ERR_CONFLICT when the name is taken.
 * Audited as admin:user-add, 201.
 */
enum jta_err jta_operator_user_add(struct jta_operator *op,
    const char *name, const char *display, const char *email,
    struct jta_error *err) JTA_WUR;

/*
 * Make an API key for user (label NULL: none; field "label", at most 64
 * bytes): token (shown once by the caller, never kept) and its public
 * id; only the keyed hash is stored.  Needs JTA_OPERATOR_VAULT.  Audited
 * as admin:key-create, 201, with the user (never the id: it is the
 * key's start).
 */
enum jta_err jta_operator_key_create(struct jta_operator *op,
    const char *user, const char *label, char token[JTA_VAULT_TOKENLEN + 1],
    char id[JTA_VAULT_IDLEN + 1], struct jta_error *err) JTA_WUR;

/* Revoke the API key with public id (JTA_VAULT_IDLEN hex digits, field
 * "id").  Audited as admin:key-revoke, 204. */
enum jta_err jta_operator_key_revoke(struct jta_operator *op,
    const char *id, struct jta_error *err) JTA_WUR;

/*
 * Add a project of the embedded store: key (field "project key"), name
 * (field "project name"), types a comma list (NULL: Task, Bug, Story;
 * field "types").  Audited as admin:project-add, 201.
 */
enum jta_err jta_operator_project_add(struct jta_operator *op,
    const char *key, const char *name, const char *types,
    struct jta_error *err) JTA_WUR;

/*
 * Unlink the user name (field "user name"): their Atlassian link and
 * sealed tokens go, every OAuth token we issued them is revoked
 * (jta_store_link_remove).  *user, *was (when *had), *revoked as it
 * says.  Audited as admin:unlink, 200, with the link's account and site.
 */
enum jta_err jta_operator_unlink(struct jta_operator *op, const char *name,
    struct jta_user *user, struct jta_link *was, int *had,
    int64_t *revoked, struct jta_error *err) JTA_WUR;

/* ---- the OAuth authorization server ---- */

/*
 * Register an OAuth client: name (field "client name"), n redirect URIs
 * (1..JTA_LIMIT_REDIRECT_URIS, each jta_url_redirect_check; field
 * "redirect_uri").  id and secret as jta_authz_client_add writes them
 * (show the secret once); secret NULL: a public client, no secret
 * (jta_authz_client_add_public; the chat widget).  Needs
 * JTA_OPERATOR_VAULT.  Audited as admin:client-add, 201, with the id and
 * name (and "(public)").
 */
enum jta_err jta_operator_client_add(struct jta_operator *op,
    const char *name, const char *const *uris, size_t n,
    char id[JTA_AUTHZ_CLIENT_IDLEN + 1],
    char secret[JTA_AUTHZ_SECRETLEN + 1], struct jta_error *err) JTA_WUR;

/* Remove client id ("jtac_" and 24 hex digits, field "client id"): its
 * codes go, its tokens are revoked.  Audited as admin:client-remove,
 * 204. */
enum jta_err jta_operator_client_remove(struct jta_operator *op,
    const char *id, struct jta_error *err) JTA_WUR;

/* Remove the registered clients idle for idle_days days at now
 * (jta_store_client_prune; operators' clients are never touched).
 * *removed: a new array [{client_id, name}] of those removed.  Each is
 * audited as admin:client-prune, 204. */
enum jta_err jta_operator_client_prune(struct jta_operator *op,
    int idle_days, int64_t now, json_t **removed, struct jta_error *err)
    JTA_WUR;

/* Give client id a new secret (written to secret; the old one stops
 * working).  Needs JTA_OPERATOR_VAULT.  Audited as
 * admin:client-secret-reset, 200. */
enum jta_err jta_operator_client_rotate(struct jta_operator *op,
    const char *id, char secret[JTA_AUTHZ_SECRETLEN + 1],
    struct jta_error *err) JTA_WUR;

/*
 * Set user name's password (len bytes, JTA_LIMIT_PASSWORD_MIN to
 * JTA_LIMIT_PASSWORD, no NUL; field "password"), or with pw NULL clear
 * it (the user can no longer sign in with one).  Either way every OAuth
 * token and code issued to them is revoked in the same transaction
 * (jta_store_user_pw_set).  Audited as admin:password-set or
 * admin:password-clear, 200, with how many tokens were revoked; never
 * the password.
 */
enum jta_err jta_operator_password(struct jta_operator *op,
    const char *name, const char *pw, size_t len,
    struct jta_error *err) JTA_WUR;

/*
 * Rotate the token key: add a key to token_key_file (it seals from now
 * on), re-seal every Atlassian link under it in short transactions
 * while the service keeps serving, let writes already waiting for the
 * lock land (busy_ms), then retire the old keys.  Needs
 * JTA_OPERATOR_TOKEN_KEYS.  *newkid, *resealed, *passes as it says;
 * links still under an old key after every pass keep the old keys
 * (JTA_ERR_BUSY, *left how many).  Audited as admin:key-rotate, 200.
 */
enum jta_err jta_operator_key_rotate(struct jta_operator *op,
    const char *token_key_file, int busy_ms, uint32_t *newkid,
    size_t *resealed, int *passes, size_t *left,
    struct jta_error *err) JTA_WUR;

#endif
