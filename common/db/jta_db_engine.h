/*
 * The seam between a connection (struct jta_store, jta_db.h) and its
 * engine.  A store is SQLite (the default) or PostgreSQL (database_url,
 * README "Several hosts on PostgreSQL").  A PostgreSQL store carries the
 * engine's connection and a table of its implementations; each
 * repository function starts with
 *
 *	if ((pg = jta_db_pg(st, &impl)) != NULL)
 *		return impl->policy_get(pg, out, err);
 *
 * so the public headers stay as they are, the PostgreSQL code lives
 * beside the SQLite code (common/db/pg/), and a build without libpq
 * needs neither an #ifdef nor the other engine's symbols.  A member is
 * NULL while its contract is not implemented on PostgreSQL; the
 * configuration refuses database_url until none is (jta_db_select.h),
 * and a repository function whose member is NULL fails with
 * JTA_ERR_INTERNAL (500) instead of reaching SQLite's code.
 */
#ifndef JTA_DB_ENGINE_H
#define JTA_DB_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "jta_db.h"
#include "jta_err.h"
#include <jansson.h>

#include "jta_store_authz.h"
#include "jta_store_drafts.h"
#include "jta_store_ops.h"
#include "jta_store_people.h"
#include "jta_store_usage.h"
#include "jta_types.h"
#include "jta_vault.h"

struct jta_pg;

struct jta_db_pgimpl {
	/* The engine (jta_db.h); schema_version: the build's, JTA_PG_VERSION
	 * (jta_pg.h, which only the PostgreSQL files include). */
	int		  schema_version;
	void		(*close)(struct jta_pg *);
	/* Re-establish a lost connection, once (jta_store_reconnect). */
	void		(*revive)(struct jta_pg *);
	enum jta_err	(*version)(struct jta_pg *, int *,
			    struct jta_error *);
	enum jta_err	(*health)(struct jta_pg *, int *, struct jta_error *);
	enum jta_err	(*migrate)(struct jta_pg *, int, char *, size_t);
	enum jta_err	(*check)(struct jta_pg *, char *, size_t);
	/* The caller's transaction (jta_db_begin, _commit, _rollback). */
	enum jta_err	(*begin)(struct jta_pg *, struct jta_error *);
	enum jta_err	(*commit)(struct jta_pg *, struct jta_error *);
	void		(*rollback)(struct jta_pg *);
	/* The operators' switch and rules (jta_store_ops.h). */
	enum jta_err	(*policy_get)(struct jta_pg *,
			    struct jta_store_policy *, struct jta_error *);
	enum jta_err	(*policy_set)(struct jta_pg *, int, const char *,
			    int64_t, const char *, struct jta_error *);
	enum jta_err	(*rule_count)(struct jta_pg *, int64_t *,
			    struct jta_error *);
	enum jta_err	(*rule_add)(struct jta_pg *,
			    const struct jta_store_rule *, int64_t,
			    const char *, int64_t *, struct jta_error *);
	enum jta_err	(*rule_remove)(struct jta_pg *, int64_t,
			    struct jta_error *);
	enum jta_err	(*rule_list)(struct jta_pg *,
			    struct jta_store_rule *, size_t, size_t *,
			    struct jta_error *);
	/* The audit log (jta_store_ops.h). */
	enum jta_err	(*audit_add)(struct jta_pg *,
			    const struct jta_audit_event *,
			    struct jta_error *);
	enum jta_err	(*audit_purge)(struct jta_pg *, int64_t, int64_t,
			    int64_t *, struct jta_error *);
	enum jta_err	(*audit_count)(struct jta_pg *, int64_t *,
			    struct jta_error *);
	enum jta_err	(*audit_query)(struct jta_pg *,
			    const struct jta_audit_filter *, json_t **,
			    struct jta_error *);
	/* People and API keys (jta_store_people.h).  pw_set and
	 * link_delete run in the caller's transaction: the repository
	 * wraps them with the grants' revocation (jta_store_people.c). */
	enum jta_err	(*user_add)(struct jta_pg *, const char *,
			    const char *, const char *, int64_t *,
			    struct jta_error *);
	enum jta_err	(*user_get)(struct jta_pg *, const char *,
			    struct jta_user *, struct jta_error *);
	enum jta_err	(*user_list)(struct jta_pg *, json_t **);
	enum jta_err	(*key_add)(struct jta_pg *, int64_t, const char *,
			    const unsigned char *, const char *,
			    struct jta_error *);
	enum jta_err	(*key_auth)(struct jta_pg *, const char *,
			    const unsigned char *, struct jta_user *);
	enum jta_err	(*key_list)(struct jta_pg *, const char *, json_t **,
			    struct jta_error *);
	enum jta_err	(*key_revoke)(struct jta_pg *, const char *,
			    struct jta_error *);
	enum jta_err	(*pw_set)(struct jta_pg *, const char *,
			    const char *, struct jta_error *);
	enum jta_err	(*pw_get)(struct jta_pg *, const char *,
			    struct jta_user *, char *, size_t,
			    struct jta_error *);
	enum jta_err	(*link_identity)(struct jta_pg *, int64_t,
			    struct jta_link *, struct jta_error *);
	enum jta_err	(*link_list)(struct jta_pg *, json_t **,
			    struct jta_error *);
	enum jta_err	(*link_delete)(struct jta_pg *, int64_t,
			    struct jta_error *);
	enum jta_err	(*link_reseal)(struct jta_pg *, struct jta_vault *,
			    size_t, size_t *, size_t *, struct jta_error *);
	/* Atlassian links and the refresh lease (jta_store_people.h). */
	enum jta_err	(*link_put)(struct jta_pg *, struct jta_vault *,
			    const struct jta_link *, const unsigned char *,
			    size_t, int64_t, const unsigned char *, size_t,
			    struct jta_user *, struct jta_error *);
	enum jta_err	(*link_get)(struct jta_pg *, struct jta_vault *,
			    int64_t, struct jta_link *, struct jta_secret **,
			    struct jta_error *);
	enum jta_err	(*link_lease)(struct jta_pg *, struct jta_vault *,
			    int64_t, const char *, int64_t, int64_t, int64_t,
			    enum jta_lease_result *, struct jta_secret **,
			    struct jta_link *, struct jta_error *);
	enum jta_err	(*link_renew)(struct jta_pg *, struct jta_vault *,
			    int64_t, const char *, const unsigned char *,
			    size_t, int64_t, const unsigned char *, size_t,
			    struct jta_error *);
	enum jta_err	(*link_release)(struct jta_pg *, int64_t,
			    const char *, struct jta_error *);
	enum jta_err	(*link_break)(struct jta_pg *, int64_t, const char *,
			    struct jta_error *);
	/* The Jira metadata cache (jta_store_meta.h); the value of put is
	 * the compact JSON text, checked and bounded by the caller. */
	enum jta_err	(*meta_get)(struct jta_pg *, const char *,
			    const char *, const char *, int64_t, json_t **,
			    struct jta_error *);
	enum jta_err	(*meta_put)(struct jta_pg *, const char *,
			    const char *, const char *, const char *, int64_t,
			    struct jta_error *);
	enum jta_err	(*meta_drop)(struct jta_pg *, const char *,
			    const char *, const char *, int64_t *,
			    struct jta_error *);
	enum jta_err	(*meta_clear)(struct jta_pg *, const char *,
			    int64_t *, struct jta_error *);
	enum jta_err	(*meta_count)(struct jta_pg *, int64_t *,
			    struct jta_error *);
	/* Authorization codes (jta_store_authz.h); the hash is
	 * JTA_VAULT_HASHBYTES bytes. */
	enum jta_err	(*code_put)(struct jta_pg *, const unsigned char *,
			    const struct jta_store_code *, int64_t,
			    struct jta_error *);
	enum jta_err	(*code_take)(struct jta_pg *, const unsigned char *,
			    struct jta_store_code_row *, struct jta_error *);
	/* Token families (jta_store_authz.h). */
	enum jta_err	(*family_revoke)(struct jta_pg *, const char *,
			    struct jta_error *);
	enum jta_err	(*pair_put)(struct jta_pg *,
			    const struct jta_store_pair *, const char *,
			    const char *, int64_t, const char *, int64_t,
			    struct jta_error *);
	enum jta_err	(*token_get)(struct jta_pg *, const unsigned char *,
			    struct jta_store_token_row *, struct jta_error *);
	enum jta_err	(*token_later)(struct jta_pg *,
			    const struct jta_store_token_row *, int64_t *,
			    struct jta_error *);
	enum jta_err	(*token_replace)(struct jta_pg *, int64_t, int64_t,
			    struct jta_error *);
	enum jta_err	(*family_drop_live)(struct jta_pg *, const char *,
			    struct jta_error *);
	enum jta_err	(*token_spend)(struct jta_pg *, int64_t,
			    struct jta_error *);
	enum jta_err	(*token_revoke)(struct jta_pg *,
			    const unsigned char *, const char *,
			    struct jta_error *);
	enum jta_err	(*token_auth)(struct jta_pg *, const unsigned char *,
			    int64_t, struct jta_user *, char *);
	/* The sign-in lockout and a person's grants (jta_store_authz.h). */
	enum jta_err	(*lockout_get)(struct jta_pg *, const char *,
			    int64_t *, struct jta_error *);
	enum jta_err	(*lockout_fail)(struct jta_pg *, const char *,
			    int64_t, const struct jta_store_lockout *,
			    int64_t *, struct jta_error *);
	enum jta_err	(*lockout_clear)(struct jta_pg *, const char *,
			    struct jta_error *);
	enum jta_err	(*user_grants_revoke)(struct jta_pg *, int64_t,
			    int64_t *, struct jta_error *);
	/* Clients and Client ID Metadata Documents (jta_store_authz.h);
	 * hashes are JTA_VAULT_HASHBYTES bytes, uris borrowed. */
	enum jta_err	(*client_add)(struct jta_pg *, const char *,
			    const unsigned char *, const char *,
			    const json_t *, int, int64_t, struct jta_error *);
	enum jta_err	(*client_register)(struct jta_pg *,
			    const struct jta_store_client_new *,
			    const struct jta_store_reg_rule *, int64_t,
			    struct jta_error *);
	enum jta_err	(*client_prune)(struct jta_pg *, int64_t, int64_t,
			    json_t *, struct jta_error *);
	enum jta_err	(*client_public)(struct jta_pg *, const char *,
			    int *, struct jta_error *);
	enum jta_err	(*cimd_get)(struct jta_pg *, const char *, int64_t,
			    char *, size_t, json_t **, struct jta_error *);
	enum jta_err	(*cimd_put)(struct jta_pg *, const char *,
			    const char *, const json_t *, int64_t, int64_t,
			    int64_t, struct jta_error *);
	enum jta_err	(*client_get)(struct jta_pg *, const char *,
			    unsigned char *, json_t **, struct jta_error *);
	enum jta_err	(*client_name)(struct jta_pg *, const char *, char *,
			    size_t, struct jta_error *);
	enum jta_err	(*client_list)(struct jta_pg *, int64_t, json_t **);
	enum jta_err	(*client_secret_set)(struct jta_pg *, const char *,
			    const unsigned char *, struct jta_error *);
	enum jta_err	(*client_remove)(struct jta_pg *, const char *,
			    struct jta_error *);
	/* OAuth states (jta_store_people.h); hash: JTA_VAULT_HASHBYTES. */
	enum jta_err	(*state_put)(struct jta_pg *, const unsigned char *,
			    int64_t, int64_t, const char *, const char *,
			    struct jta_error *);
	enum jta_err	(*state_take)(struct jta_pg *, const unsigned char *,
			    int64_t, char *, size_t, char *, size_t,
			    struct jta_error *);
	/* Drafts, idempotency keys and draft attachments
	 * (jta_store_drafts.h); leases checked by the caller.  The
	 * embedded store's ticket attachments stay on SQLite. */
	enum jta_err	(*draft_put)(struct jta_pg *, int64_t, const char *,
			    const json_t *, const json_t *, int64_t,
			    struct jta_error *);
	enum jta_err	(*draft_get)(struct jta_pg *, int64_t, const char *,
			    int64_t, struct jta_draft *, struct jta_error *);
	enum jta_err	(*draft_edit)(struct jta_pg *, int64_t, const char *,
			    int64_t, const json_t *, const json_t *, int64_t,
			    struct jta_error *);
	enum jta_err	(*draft_discard)(struct jta_pg *, int64_t,
			    const char *, int64_t, struct jta_error *);
	enum jta_err	(*draft_claim)(struct jta_pg *, int64_t, const char *,
			    int64_t, const char *, const char *, int64_t,
			    int64_t, struct jta_claim *, struct jta_error *);
	enum jta_err	(*idem_claim)(struct jta_pg *, int64_t, const char *,
			    const unsigned char *, const char *, const char *,
			    int64_t, int64_t, struct jta_claim *,
			    struct jta_error *);
	enum jta_err	(*once_attempt)(struct jta_pg *, enum jta_once_kind,
			    int64_t, const char *, const char *, int64_t,
			    struct jta_error *);
	enum jta_err	(*once_done)(struct jta_pg *, enum jta_once_kind,
			    int64_t, const char *, const char *, int,
			    const json_t *, int64_t, struct jta_error *);
	enum jta_err	(*once_release)(struct jta_pg *, enum jta_once_kind,
			    int64_t, const char *, const char *, int,
			    struct jta_error *);
	enum jta_err	(*draft_file_add)(struct jta_pg *, const char *,
			    const struct jta_draft_file *, int64_t, int64_t,
			    int64_t *, struct jta_error *);
	enum jta_err	(*draft_file_list)(struct jta_pg *, const char *,
			    struct jta_draft_file *, size_t, size_t *,
			    struct jta_error *);
	enum jta_err	(*draft_file_uploaded)(struct jta_pg *, const char *,
			    int64_t, struct jta_error *);
	enum jta_err	(*draft_file_gc)(struct jta_pg *,
			    struct jta_draft_file *, size_t, size_t *,
			    struct jta_error *);
	/* The chat's conversations and pending actions (jta_store_chat.h);
	 * put's messages are the compact JSON text, bounded by the
	 * caller. */
	enum jta_err	(*chat_get)(struct jta_pg *, int64_t, const char *,
			    int64_t, json_t **, struct jta_error *);
	enum jta_err	(*chat_put)(struct jta_pg *, int64_t, const char *,
			    const char *, int64_t, struct jta_error *);
	enum jta_err	(*chat_action_put)(struct jta_pg *, int64_t,
			    const char *, const char *, const char *,
			    const json_t *, int64_t, struct jta_error *);
	enum jta_err	(*chat_action_peek)(struct jta_pg *, const char *,
			    int64_t, char *, size_t, json_t **,
			    struct jta_error *);
	enum jta_err	(*chat_action_take)(struct jta_pg *, int64_t,
			    const char *, int64_t, struct jta_error *);
	/* Usage and quotas (jta_store_usage.h); usage_rows
	 * answers the report's and the summary's rows by kind. */
	enum jta_err	(*usage_count)(struct jta_pg *, int64_t,
			    const char *, int64_t, int, int,
			    struct jta_error *);
	enum jta_err	(*usage_tokens)(struct jta_pg *, int64_t,
			    const char *, int64_t, int64_t, int64_t,
			    struct jta_error *);
	enum jta_err	(*usage_files)(struct jta_pg *, int64_t,
			    const char *, int64_t, int64_t, int64_t,
			    struct jta_error *);
	/* Usage folded in batches (jta_store_usage_fold). */
	enum jta_err	(*usage_fold)(struct jta_pg *, const char *, int64_t,
			    const struct jta_store_usage_row *, size_t, int *,
			    struct jta_error *);
	enum jta_err	(*usage_quotas)(struct jta_pg *, int64_t,
			    const char *, const char *,
			    const struct jta_store_period *,
			    struct jta_store_quota *, size_t, size_t *,
			    struct jta_error *);
	enum jta_err	(*usage_subject)(struct jta_pg *, int64_t,
			    int64_t *, char *, size_t, struct jta_error *);
	enum jta_err	(*quota_set)(struct jta_pg *,
			    const struct jta_store_quota *, int64_t,
			    const char *, struct jta_error *);
	enum jta_err	(*quota_remove)(struct jta_pg *, const char *,
			    const char *, const char *, const char *,
			    struct jta_error *);
	enum jta_err	(*quota_list)(struct jta_pg *, json_t **,
			    struct jta_error *);
	enum jta_err	(*usage_rows)(struct jta_pg *, const char *,
			    const char *, const char *, const char *, int64_t,
			    json_t **, struct jta_error *);
};

/* A store over the PostgreSQL connection pg, which it owns from now on
 * (released by jta_store_close through impl->close, also when this
 * fails); impl is static.  NULL when memory runs out. */
struct jta_store *jta_db_new_pg(struct jta_pg *pg,
    const struct jta_db_pgimpl *impl);

/* The PostgreSQL connection of st and its implementations (*impl), or
 * NULL for a SQLite store.  Borrowed from st. */
struct jta_pg *jta_db_pg(struct jta_store *st,
    const struct jta_db_pgimpl **impl);

/* A Unix time as an ISO 8601 JSON string (new reference; NULL: memory). */
json_t *jta_db_timejs(int64_t t);

/* json_object_set_new that fails (-1) when v is NULL (out of memory). */
int jta_db_oset(json_t *o, const char *k, json_t *v);

/* 1 when s is 1..max bytes of printable ASCII without blanks. */
int jta_db_printable(const char *s, size_t max);

/* A lease owner as the leases want it (printable, bounded), or
 * JTA_ERR_INTERNAL (500): owners are made by our code, never by input. */
enum jta_err jta_db_checkowner(const char *owner, struct jta_error *err);

/* ---- Atlassian links, both engines (jta_db_links.c) ---- */

/* Open (unseal) or seal the access or refresh (column) token of user
 * uid's link with the additional data "atl:<uid>:<column>"; a failure
 * is logged without the token and is JTA_ERR_CRYPTO (or NOMEM), 500. */
enum jta_err jta_db_token_open(struct jta_vault *v, int64_t uid,
    const char *column, const unsigned char *ct, size_t ctlen,
    struct jta_secret **out, struct jta_error *err) JTA_WUR;
enum jta_err jta_db_token_seal(struct jta_vault *v, int64_t uid,
    const char *column, const unsigned char *pt, size_t ptlen,
    unsigned char **ct, size_t *ctlen, struct jta_error *err) JTA_WUR;

/* 1 when s is at most max bytes of UTF-8 without control characters. */
int jta_db_plaintext(const char *s, size_t max);

/* A token Atlassian sent: 1..JTA_LIMIT_UPSTREAM_TOKEN bytes (NULL when
 * optional), else JTA_ERR_INPUT, 502. */
enum jta_err jta_db_checktoken(const unsigned char *t, size_t len,
    int optional, struct jta_error *err) JTA_WUR;

/* The local user name for an Atlassian account into out: "atl-" and the
 * first 8 bytes of BLAKE2b-256(account id) in hex. */
enum jta_err jta_db_atlname(const char *account_id, char *out,
    size_t outsz) JTA_WUR;

/* Re-seal the ciphertext ct (len bytes) of column for uid under the
 * vault's current key into *out (malloc'd; NULL when ct is NULL), for
 * jta_store_link_reseal on either engine.  Failures as token_open's,
 * logged without the token. */
enum jta_err jta_db_token_reseal(struct jta_vault *v, int64_t uid,
    const char *column, const unsigned char *ct, size_t len,
    unsigned char **out, size_t *outlen) JTA_WUR;

/* The KID of the vault's sealing key as the 4 bytes every ciphertext
 * sealed under it carries at offset 1; JTA_ERR_CONFIG (500) when no
 * token key is loaded. */
enum jta_err jta_db_seal_kid(struct jta_vault *v, unsigned char kid[4],
    struct jta_error *err) JTA_WUR;

/* The error of a repository function with no PostgreSQL implementation
 * yet (what names it, for the log): JTA_ERR_INTERNAL, 500. */
enum jta_err jta_db_pg_missing(const char *what, struct jta_error *err);

#endif
