/*
 * OAuth 2.0 with Atlassian (3LO): linking a person's Atlassian account and
 * keeping their tokens usable.
 *
 *   https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/
 *
 * jta_oauth_start_request makes the consent URL with a fresh single-use
 * state bound to the browser by a cookie (jta_oauth_bind);
 * jta_oauth_finish checks the state, exchanges the code, picks the site,
 * reads the person's identity, stores their tokens sealed and gives them a
 * personal API key.  jta_oauth_access hands an endpoint a valid access
 * token, refreshing it when it is about to expire: single-flight across
 * every worker process through the store's lease (DESIGN.md, "Security
 * model"), so that Atlassian's rotating refresh tokens are presented once.
 */
#ifndef JTA_OAUTH_H
#define JTA_OAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "jta_conf.h"
#include "jta_err.h"
#include "jta_types.h"
#include "jta_vault.h"

/* A storage connection (common/db/jta_db.h); only passed through. */
struct jta_store;
/* A response being built (jta_resp.h). */
struct jta_resp;
/* A person's Atlassian link as the people repository keeps it
 * (jta_store_people.h). */
struct jta_link;

/* The state lives this long (the issue: 10 minutes). */
#define JTA_OAUTH_STATE_TTL	600
/* A token this close to its expiry is refreshed before use (half-way
 * for tokens that live less than two margins). */
#define JTA_OAUTH_EXPIRY_MARGIN	60
/* A refresh lease lasts as long as one token call may (upstream_timeout_ms)
 * and this margin more: a worker cannot legitimately hold it longer, and a
 * worker killed mid-refresh delays the others only that long, far inside
 * Atlassian's 10-minute reuse grace, so the spent token still works. */
#define JTA_OAUTH_LEASE_MARGIN_S 5
#define JTA_OAUTH_URL_MAX	2048
/* The cookie that binds a consent to the browser that started it (login
 * CSRF, RFC 6749 §10.12): the hex of a keyed hash of the state, never
 * the state itself. */
#define JTA_OAUTH_COOKIE	"jta_oauth"
#define JTA_OAUTH_BINDINGLEN	(2 * JTA_VAULT_HASHBYTES)

/* What jta_oauth needs: borrowed, alive for the process. */
struct jta_oauth {
	const struct jta_conf	*conf;
	struct jta_store	*store;
	struct jta_vault	*vault;
	const struct jta_secret	*client_secret;
	char			 owner[JTA_LIMIT_LEASE_OWNER + 1];
};

/* A site the person can reach (accessible-resources). */
struct jta_oauth_site {
	char	 id[JTA_LIMIT_CLOUD_ID + 1];
	char	 url[JTA_LIMIT_SITE_URL + 1];
	char	 name[JTA_LIMIT_DISPLAY_NAME + 1];
};

#define JTA_OAUTH_SITES_MAX	20

/* The outcome of a finished consent. */
struct jta_oauth_done {
	struct jta_user		 user;
	struct jta_oauth_site	 site;
	char			 token[JTA_VAULT_TOKENLEN + 1]; /* API key */
	/* When the person reaches several sites and none was chosen:
	 * nothing is stored, these are listed for them to pick. */
	struct jta_oauth_site	 sites[JTA_OAUTH_SITES_MAX];
	size_t			 nsites;
	/* The GPT authorization request the state carried ("" for the
	 * plain /oauth/start dance): set as soon as the state was taken,
	 * also when the finish fails afterwards.  With one, no API key is
	 * made (token stays ""). */
	char			 request[JTA_LIMIT_AUTHZ_REQUEST + 1];
};

/*
 * Prepare o for this process: the lease owner name (host, pid, random).
 */
void jta_oauth_init(struct jta_oauth *o, const struct jta_conf *conf,
    struct jta_store *store, struct jta_vault *vault,
    const struct jta_secret *client_secret);

/*
 * Make the consent URL (RFC 6749 §4.1.1, with Atlassian's audience and
 * prompt=consent) into url: a fresh random state, stored only as its keyed
 * hash for JTA_OAUTH_STATE_TTL seconds, single use.  site, when not NULL,
 * is the cloud id the person picked; the callback then uses that site.
 * request (NULL, or a GPT's pending authorization request as text, at
 * most JTA_LIMIT_AUTHZ_REQUEST bytes) is kept with the state:
 * jta_oauth_finish gives it back in out->request.  binding gets the
 * state's browser binding: send it with jta_oauth_bind in the same
 * answer, or the callback refuses the consent.
 */
enum jta_err jta_oauth_start_request(struct jta_oauth *o, const char *site,
    const char *request, char url[JTA_OAUTH_URL_MAX],
    char binding[JTA_OAUTH_BINDINGLEN + 1], struct jta_error *err)
    JTA_WUR;

/*
 * Add the Set-Cookie header of binding to resp: cookie JTA_OAUTH_COOKIE,
 * HttpOnly, SameSite=Lax (sent on Atlassian's top-level redirect back to
 * us, not on cross-site subrequests), Path public_url's path + /oauth/,
 * Max-Age JTA_OAUTH_STATE_TTL, Secure when public_url is https.  binding
 * "" clears it (Max-Age=0).  JTA_ERR_INPUT or JTA_ERR_NOMEM as
 * jta_resp_header, JTA_ERR_INTERNAL when public_url is too long.
 */
enum jta_err jta_oauth_bind(const struct jta_oauth *o, struct jta_resp *resp,
    const char *binding) JTA_WUR;

/*
 * Keep request over the site choice page: a fresh single-use handle
 * (JTA_VAULT_RANDLEN characters) that /oauth/start?request= gives back
 * within JTA_OAUTH_STATE_TTL.  Stored by its keyed hash in a domain of its
 * own, so a handle is never taken for a state nor the other way round.
 */
enum jta_err jta_oauth_resume_put(struct jta_oauth *o, const char *request,
    char handle[JTA_VAULT_RANDLEN + 1], struct jta_error *err) JTA_WUR;

/* Take the request of handle (single use) into request (requestsz bytes);
 * an unknown, used or expired handle is JTA_ERR_INPUT (400, "request"). */
enum jta_err jta_oauth_resume_take(struct jta_oauth *o, const char *handle,
    char *request, size_t requestsz, struct jta_error *err) JTA_WUR;

/*
 * Finish a consent from the callback's parameters (RFC 6749 §4.1.2): the
 * request's Cookie header (cookie, NULL or "" when none) must carry the
 * state's binding set by jta_oauth_bind, else JTA_ERR_INPUT (400,
 * "state") and the state is left untouched (login CSRF: a callback URL
 * finished in another browser links nothing); the state must be one we
 * issued, unexpired and unused; error (access_denied
 * and the like, §4.1.2.1) or a code Atlassian refuses are 4xx errors that
 * say what to do.  On success the person's link is stored with sealed
 * tokens and out->token holds a new API key to show once; or, when the
 * person reaches several sites and none is configured or was picked,
 * out->nsites lists them and nothing is stored.
 */
enum jta_err jta_oauth_finish(struct jta_oauth *o, const char *code,
    const char *state, const char *error, const char *cookie,
    struct jta_oauth_done *out, struct jta_error *err) JTA_WUR;

/*
 * A valid access token for user (released with jta_secret_free) and the
 * link it belongs to (cloud id, site).  Refreshes it first when it
 * expires within JTA_OAUTH_EXPIRY_MARGIN, or when force is set (the API
 * just answered 401 to the token of link->generation); only one process
 * calls Atlassian, the others wait for its result.  *refreshed (when not
 * NULL) says whether this call itself called Atlassian.  A link Atlassian
 * refused to refresh (invalid_grant) is 401 telling the person to visit
 * /oauth/start.
 */
enum jta_err jta_oauth_access(struct jta_oauth *o, const struct jta_user *user,
    int force, struct jta_link *link, struct jta_secret **token,
    int *refreshed, struct jta_error *err) JTA_WUR;

/*
 * *usable: 1 when user_id has an Atlassian link that has not broken (its
 * tokens may still need a refresh), 0 when it has none or Atlassian
 * refused its refresh token (the person must consent again).  Fails only
 * when the store or the vault does.
 */
enum jta_err jta_oauth_link_usable(struct jta_oauth *o, int64_t user_id,
    int *usable, struct jta_error *err) JTA_WUR;

#endif
