#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jta_arena.h"
#include "jta_confluence.h"
#include "jta_http.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_metrics.h"
#include "jta_oauth.h"
#include "jta_req.h"
#include "jta_resp.h"
#include "jta_store_people.h"
#include "jta_time.h"
#include "jta_url.h"

void
jta_oauth_init(struct jta_oauth *o, const struct jta_conf *conf,
    struct jta_store *store, struct jta_vault *vault,
    const struct jta_secret *client_secret)
{
	char	 host[64], rnd[JTA_VAULT_RANDLEN + 1];

	memset(o, 0, sizeof(*o));
	o->conf = conf;
	o->store = store;
	o->vault = vault;
	o->client_secret = client_secret;
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "host");
	host[sizeof(host) - 1] = '\0';
	jta_vault_random(rnd);
	snprintf(o->owner, sizeof(o->owner), "%.63s:%ld:%.8s", host,
	    (long)getpid(), rnd);
}

/* A cloud id as Atlassian gives them: a UUID (hex digits and dashes). */
static int
cloud_id_ok(const char *s)
{
	size_t	 n = strlen(s);

	return n > 0 && n <= JTA_LIMIT_CLOUD_ID &&
	    strspn(s, "0123456789abcdefABCDEF-") == n;
}

/* Append "name=value" (value percent-encoded) to url at *off. */
static int
param(char *url, size_t *off, const char *name, const char *value)
{
	char	 enc[JTA_OAUTH_URL_MAX];
	int	 n;

	if (jta_http_urlencode(value, strlen(value), enc, sizeof(enc)) != 0)
		return -1;
	n = snprintf(url + *off, JTA_OAUTH_URL_MAX - *off, "%s%s=%s",
	    strchr(url, '?') == NULL ? "?" : "&", name, enc);
	if (n < 0 || (size_t)n >= JTA_OAUTH_URL_MAX - *off)
		return -1;
	*off += (size_t)n;
	return 0;
}

/* The browser binding of state: the hex of the keyed hash of "bind."
 * and the state, a domain of its own (never the stored state hash). */
static void
binding_of(const struct jta_oauth *o, const char *state,
    char out[JTA_OAUTH_BINDINGLEN + 1])
{
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	char		 buf[8 + JTA_LIMIT_OAUTH_PARAM + 1];

	snprintf(buf, sizeof(buf), "bind.%s", state);
	jta_vault_hash(o->vault, buf, strlen(buf), hash);
	sodium_bin2hex(out, JTA_OAUTH_BINDINGLEN + 1, hash, sizeof(hash));
	sodium_memzero(buf, sizeof(buf));
}

enum jta_err
jta_oauth_bind(const struct jta_oauth *o, struct jta_resp *resp,
    const char *binding)
{
	struct jta_url	 u;
	char		 v[JTA_OAUTH_BINDINGLEN + JTA_CONF_URL_MAX + 128];
	int		 n;

	/* The path of public_url (jta_url), if any: the cookie goes to
	 * /oauth/ under it only. */
	if (jta_url_base_check(o->conf->public_url, "public_url", &u, NULL) !=
	    JTA_OK)
		return JTA_ERR_INTERNAL;
	n = snprintf(v, sizeof(v), "%s=%s; Path=%s/oauth/; Max-Age=%d; "
	    "HttpOnly; SameSite=Lax%s", JTA_OAUTH_COOKIE, binding,
	    jta_url_base_path(&u),
	    binding[0] != '\0' ? JTA_OAUTH_STATE_TTL : 0,
	    strcmp(u.scheme, "https") == 0 ? "; Secure" : "");
	if (n < 0 || (size_t)n >= sizeof(v))
		return JTA_ERR_INTERNAL;
	return jta_resp_header(resp, "Set-Cookie", v);
}

/* The keyed hash of a resume handle: "resume." before it keeps it apart
 * from the states'. */
static void
resume_hash(struct jta_oauth *o, const char *handle,
    unsigned char hash[JTA_VAULT_HASHBYTES])
{
	char	 buf[16 + JTA_VAULT_RANDLEN + 1];

	snprintf(buf, sizeof(buf), "resume.%.*s", JTA_VAULT_RANDLEN, handle);
	jta_vault_hash(o->vault, buf, strlen(buf), hash);
	sodium_memzero(buf, sizeof(buf));
}

enum jta_err
jta_oauth_resume_put(struct jta_oauth *o, const char *request,
    char handle[JTA_VAULT_RANDLEN + 1], struct jta_error *err)
{
	unsigned char	 hash[JTA_VAULT_HASHBYTES];

	jta_vault_random(handle);
	resume_hash(o, handle, hash);
	return jta_store_state_put_request(o->store, hash,
	    JTA_OAUTH_STATE_TTL, jta_time_now(), NULL, request, err);
}

enum jta_err
jta_oauth_resume_take(struct jta_oauth *o, const char *handle,
    char *request, size_t requestsz, struct jta_error *err)
{
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	enum jta_err	 rc;

	request[0] = '\0';
	if (strlen(handle) != JTA_VAULT_RANDLEN)
		return jta_error_set(err, JTA_ERR_INPUT, 400, "request",
		    "this link has expired or was already used; start "
		    "again from the assistant");
	resume_hash(o, handle, hash);
	rc = jta_store_state_take_request(o->store, hash, jta_time_now(),
	    NULL, 0, request, requestsz, err);
	if (rc == JTA_OK && request[0] == '\0')
		rc = JTA_ERR_AUTH;
	if (rc == JTA_ERR_AUTH)
		return jta_error_set(err, JTA_ERR_INPUT, 400, "request",
		    "this link has expired or was already used; start "
		    "again from the assistant");
	return rc;
}

enum jta_err
jta_oauth_start_request(struct jta_oauth *o, const char *site,
    const char *request, char url[JTA_OAUTH_URL_MAX],
    char binding[JTA_OAUTH_BINDINGLEN + 1], struct jta_error *err)
{
	const struct jta_conf *c = o->conf;
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	char		 state[JTA_VAULT_RANDLEN + 1];
	char		 redirect[JTA_CONF_URL_MAX + 32];
	char		 scopes[JTA_CONF_SCOPES_MAX + sizeof(
			    JTA_CONFLUENCE_SCOPES) + 2];
	size_t		 off;
	enum jta_err	 rc;

	if (site != NULL && !cloud_id_ok(site))
		return jta_error_set(err, JTA_ERR_INPUT, 400, "site",
		    "site must be a cloud id from the list of sites");
	binding[0] = '\0';
	jta_vault_random(state);
	jta_vault_hash(o->vault, state, strlen(state), hash);
	binding_of(o, state, binding);
	if ((rc = jta_store_state_put_request(o->store, hash,
	    JTA_OAUTH_STATE_TTL, jta_time_now(), site, request, err)) !=
	    JTA_OK)
		return rc;
	snprintf(redirect, sizeof(redirect), "%s/oauth/callback",
	    c->public_url);
	off = (size_t)snprintf(url, JTA_OAUTH_URL_MAX, "%s/authorize",
	    c->atlassian_auth_url);
	/* knowledge_confluence: Confluence's and the knowledge base's
	 * scopes join Jira's.  A person linked before they did is asked to
	 * link again when a knowledge search first needs them
	 * (jta_jira_knowledge.c). */
	if ((size_t)snprintf(scopes, sizeof(scopes), "%s%s%s",
	    c->atlassian_scopes, c->knowledge_confluence ? " " : "",
	    c->knowledge_confluence ? JTA_CONFLUENCE_SCOPES : "") >=
	    sizeof(scopes))
		return jta_error_set(err, JTA_ERR_CONFIG, 500, NULL,
		    "atlassian_scopes is too long to add Confluence's");
	if (param(url, &off, "audience", "api.atlassian.com") != 0 ||
	    param(url, &off, "client_id", c->atlassian_client_id) != 0 ||
	    param(url, &off, "scope", scopes) != 0 ||
	    param(url, &off, "redirect_uri", redirect) != 0 ||
	    param(url, &off, "state", state) != 0 ||
	    param(url, &off, "response_type", "code") != 0 ||
	    param(url, &off, "prompt", "consent") != 0)
		return jta_error_set(err, JTA_ERR_CONFIG, 500, NULL,
		    "the consent address is too long; check atlassian_* "
		    "settings");
	return JTA_OK;
}

/* Copy a string member of o into dst (dstsz bytes); -1 when it is
 * missing, not a string, empty, too long or holds control characters. */
static int
member(const json_t *o, const char *name, char *dst, size_t dstsz)
{
	const char	*s = json_string_value(json_object_get(o, name));
	size_t		 n, i;

	if (s == NULL || (n = json_string_length(json_object_get(o, name))) ==
	    0 || n >= dstsz)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -1;
	memcpy(dst, s, n + 1);
	return 0;
}

/* An Atlassian token as it came: printable ASCII, bounded. */
static int
token_ok(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > JTA_LIMIT_UPSTREAM_TOKEN)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/* The tokens of a token endpoint answer (RFC 6749 §5.1). */
struct tokens {
	struct jta_secret *access;
	struct jta_secret *refresh;	/* NULL when none was sent */
	int64_t		 expires;	/* absolute, seconds */
};

static void
tokens_free(struct tokens *t)
{
	jta_secret_free(t->access);
	jta_secret_free(t->refresh);
	t->access = t->refresh = NULL;
}

static struct jta_secret *
secret_of(const char *s, size_t n)
{
	struct jta_secret *x;

	if ((x = jta_secret_new(n)) != NULL)
		memcpy(x->buf, s, n);
	return x;
}

/*
 * POST the token endpoint with grant (and code or refresh token).  On 200
 * fills *t.  A refusal (RFC 6749 §5.2) returns JTA_ERR_AUTH with *oerr set
 * to the error code (invalid_grant, ...); other failures are 502.
 */
static enum jta_err
token_call(struct jta_oauth *o, const char *grant, const char *code,
    const struct jta_secret *refresh, struct tokens *t, char *oerr,
    size_t oerrsz, struct jta_error *err)
{
	const struct jta_conf *c = o->conf;
	struct jta_http_req rq;
	struct jta_http_resp rs;
	struct jta_secret *body = NULL;
	json_t		*req = NULL, *rep = NULL;
	char		 url[JTA_CONF_URL_MAX + 32];
	char		 redirect[JTA_CONF_URL_MAX + 32];
	char		*text = NULL;
	const char	*s;
	json_int_t	 exp;
	enum jta_err	 rc = JTA_ERR_NOMEM;

	memset(t, 0, sizeof(*t));
	memset(&rs, 0, sizeof(rs));
	oerr[0] = '\0';
	snprintf(url, sizeof(url), "%s/oauth/token", c->atlassian_auth_url);
	snprintf(redirect, sizeof(redirect), "%s/oauth/callback",
	    c->public_url);
	/* The body holds the client secret and a code or refresh token:
	 * it is built in guarded memory and wiped. */
	req = json_pack("{s:s, s:s, s:s%}", "grant_type", grant, "client_id",
	    c->atlassian_client_id, "client_secret",
	    (const char *)o->client_secret->buf, o->client_secret->len);
	if (req == NULL)
		goto out;
	if (code != NULL && (json_object_set_new(req, "code",
	    json_string(code)) != 0 || json_object_set_new(req,
	    "redirect_uri", json_string(redirect)) != 0))
		goto out;
	if (refresh != NULL && json_object_set_new(req, "refresh_token",
	    json_stringn((const char *)refresh->buf, refresh->len)) != 0)
		goto out;
	if ((text = jta_arena_json_dumps(req, JSON_COMPACT)) == NULL ||
	    (body = secret_of(text, strlen(text))) == NULL)
		goto out;
	sodium_memzero(text, strlen(text));
	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.url = url;
	rq.content_type = "application/json";
	rq.body = (const char *)body->buf;
	rq.bodylen = body->len;
	rq.timeout_ms = c->upstream_timeout_ms;
	rq.budget_ms = c->upstream_retry_budget_ms;
	/* Presenting a code or a refresh token twice is what rotation
	 * punishes; a lost answer is left to the lease and the grace. */
	rq.repeatable = 0;
	if ((rc = jta_http_do(&rq, &rs, err)) != JTA_OK)
		goto out;
	if (rs.status != 200) {
		rep = json_loadb(rs.body, rs.len, JSON_REJECT_DUPLICATES, NULL);
		s = json_string_value(json_object_get(rep, "error"));
		if (s != NULL && strlen(s) < oerrsz &&
		    strspn(s, "abcdefghijklmnopqrstuvwxyz_") == strlen(s))
			snprintf(oerr, oerrsz, "%s", s);
		jta_log(JTA_LOG_WARN, "atlassian token endpoint refused %s: "
		    "status=%ld error=%s", grant, rs.status,
		    oerr[0] ? oerr : "-");
		if (rs.status >= 400 && rs.status < 500)
			rc = jta_error_set(err, JTA_ERR_AUTH, 400, NULL,
			    "Atlassian refused the sign-in");
		else
			rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
			    "Atlassian's sign-in service answered HTTP %ld",
			    rs.status);
		goto out;
	}
	rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
	    "Atlassian's sign-in service gave an answer we cannot use");
	if ((rep = json_loadb(rs.body, rs.len, JSON_REJECT_DUPLICATES,
	    NULL)) == NULL || !json_is_object(rep))
		goto out;
	s = json_string_value(json_object_get(rep, "access_token"));
	if (s == NULL || !token_ok(s, json_string_length(json_object_get(rep,
	    "access_token"))))
		goto out;
	if ((t->access = secret_of(s, strlen(s))) == NULL)
		goto nomem;
	if ((s = json_string_value(json_object_get(rep, "refresh_token"))) !=
	    NULL) {
		if (!token_ok(s, json_string_length(json_object_get(rep,
		    "refresh_token"))))
			goto out;
		if ((t->refresh = secret_of(s, strlen(s))) == NULL)
			goto nomem;
	}
	/* expires_in (RFC 6749 §5.1); Atlassian's is an hour. */
	exp = json_integer_value(json_object_get(rep, "expires_in"));
	if (!json_is_integer(json_object_get(rep, "expires_in")) || exp <= 0 ||
	    exp > 7 * 86400)
		goto out;
	/* Kept as the time to refresh: JTA_OAUTH_EXPIRY_MARGIN before the
	 * end, or half-way for a token that lives under two margins. */
	t->expires = jta_time_now() + (int64_t)exp - (exp > 2 *
	    JTA_OAUTH_EXPIRY_MARGIN ? JTA_OAUTH_EXPIRY_MARGIN : exp / 2);
	rc = JTA_OK;
	goto out;
nomem:
	rc = JTA_ERR_NOMEM;
out:
	if (rc != JTA_OK)
		tokens_free(t);
	if (rs.body != NULL)
		sodium_memzero(rs.body, rs.len);
	jta_http_resp_free(&rs);
	jta_secret_free(body);
	if (text != NULL) {
		sodium_memzero(text, strlen(text));
		free(text);
	}
	json_decref(req);
	json_decref(rep);
	return rc;
}

/* GET an api.atlassian.com URL with token; *out is the parsed answer. */
static enum jta_err
api_get(struct jta_oauth *o, const char *url, const struct jta_secret *token,
    json_t **out, struct jta_error *err)
{
	struct jta_http_req rq;
	struct jta_http_resp rs;
	enum jta_err	 rc;

	*out = NULL;
	memset(&rq, 0, sizeof(rq));
	rq.method = "GET";
	rq.url = url;
	rq.bearer = token;
	rq.timeout_ms = o->conf->upstream_timeout_ms;
	rq.budget_ms = o->conf->upstream_retry_budget_ms;
	rq.repeatable = 1;
	if ((rc = jta_http_do(&rq, &rs, err)) != JTA_OK)
		goto out;
	if (rs.status != 200) {
		jta_log(JTA_LOG_WARN, "atlassian answered %ld to %s",
		    rs.status, url);
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    "Atlassian answered HTTP %ld while linking your account",
		    rs.status);
		goto out;
	}
	if ((*out = json_loadb(rs.body, rs.len, JSON_REJECT_DUPLICATES,
	    NULL)) == NULL)
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    "Atlassian gave an answer we cannot read");
out:
	jta_http_resp_free(&rs);
	return rc;
}

/* The sites of accessible-resources; sites without Jira scopes are
 * skipped (Confluence-only sites). */
static enum jta_err
sites(struct jta_oauth *o, const struct jta_secret *token,
    struct jta_oauth_site *list, size_t *n, struct jta_error *err)
{
	char		 url[JTA_CONF_URL_MAX + 64];
	json_t		*arr = NULL, *e, *sc, *x;
	size_t		 i, j;
	int		 jira;
	enum jta_err	 rc;

	*n = 0;
	snprintf(url, sizeof(url), "%s/oauth/token/accessible-resources",
	    o->conf->atlassian_api_url);
	if ((rc = api_get(o, url, token, &arr, err)) != JTA_OK)
		return rc;
	if (!json_is_array(arr)) {
		json_decref(arr);
		return jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    "Atlassian's list of sites is not a list");
	}
	json_array_foreach(arr, i, e) {
		if (*n == JTA_OAUTH_SITES_MAX)
			break;
		jira = 0;
		sc = json_object_get(e, "scopes");
		json_array_foreach(sc, j, x)
			if (json_is_string(x) && strstr(json_string_value(x),
			    "jira") != NULL)
				jira = 1;
		if (!jira || member(e, "id", list[*n].id,
		    sizeof(list[*n].id)) != 0 || !cloud_id_ok(list[*n].id) ||
		    member(e, "url", list[*n].url,
		    sizeof(list[*n].url)) != 0 ||
		    jta_url_site_check(list[*n].url, "url", NULL, NULL) !=
		    JTA_OK)
			continue;
		if (member(e, "name", list[*n].name,
		    sizeof(list[*n].name)) != 0)
			snprintf(list[*n].name, sizeof(list[*n].name), "%.*s",
			    (int)sizeof(list[*n].name) - 1, list[*n].url);
		(*n)++;
	}
	json_decref(arr);
	return JTA_OK;
}

/* Pick the site: the configured one, the one picked, or the only one. */
static enum jta_err
pick(const struct jta_conf *c, const char *hint,
    const struct jta_oauth_site *list, size_t n, size_t *which,
    struct jta_error *err)
{
	size_t	 i;

	*which = n;
	for (i = 0; i < n; i++) {
		if (c->atlassian_site[0] != '\0' &&
		    strcmp(list[i].id, c->atlassian_site) != 0 &&
		    strcmp(list[i].url, c->atlassian_site) != 0)
			continue;
		if (hint != NULL && hint[0] != '\0' &&
		    strcmp(list[i].id, hint) != 0)
			continue;
		if (*which != n)	/* several remain: let them pick */
			return JTA_ERR_CONFLICT;
		*which = i;
	}
	if (*which < n)
		return JTA_OK;
	if (c->atlassian_site[0] != '\0')
		return jta_error_set(err, JTA_ERR_AUTH, 403, "site",
		    "this service works only with the Jira site %s, which "
		    "your Atlassian account cannot reach; sign in with an "
		    "account of that site", c->atlassian_site);
	if (hint != NULL && hint[0] != '\0')
		return jta_error_set(err, JTA_ERR_AUTH, 403, "site",
		    "your Atlassian account cannot reach the site you "
		    "picked; start again at /oauth/start");
	return jta_error_set(err, JTA_ERR_AUTH, 403, "site",
	    "your Atlassian account cannot reach any Jira site with the "
	    "access you granted");
}

enum jta_err
jta_oauth_finish(struct jta_oauth *o, const char *code, const char *state,
    const char *error, const char *cookie, struct jta_oauth_done *out,
    struct jta_error *err)
{
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	char		 want[JTA_OAUTH_BINDINGLEN + 1];
	char		 got[JTA_OAUTH_BINDINGLEN + 1];
	char		 hint[JTA_LIMIT_STATE_HINT + 1], oerr[64];
	char		 url[JTA_CONF_URL_MAX + 128];
	char		 keyid[JTA_VAULT_IDLEN + 1];
	struct tokens	 t;
	struct jta_link	 link;
	json_t		*me = NULL;
	size_t		 which;
	enum jta_err	 rc;

	memset(out, 0, sizeof(*out));
	memset(&t, 0, sizeof(t));
	if (state == NULL)
		return jta_error_set(err, JTA_ERR_INPUT, 400, "state",
		    "the sign-in answer has no state; start again at "
		    "/oauth/start");
	/* Login CSRF (RFC 6749 §10.12, RFC 9700 §4.7): the answer counts
	 * only in the browser that started the consent.  Checked before
	 * the state is taken, so a link opened elsewhere spends nothing. */
	binding_of(o, state, want);
	if (cookie == NULL || jta_req_cookie(cookie, JTA_OAUTH_COOKIE, got,
	    sizeof(got)) != 0 ||
	    strlen(got) != JTA_OAUTH_BINDINGLEN ||
	    sodium_memcmp(got, want, JTA_OAUTH_BINDINGLEN) != 0) {
		jta_info("oauth: a callback without its browser binding");
		return jta_error_set(err, JTA_ERR_INPUT, 400, "state",
		    "This sign-in was started in another browser (or this "
		    "browser did not keep its cookie), so it is not finished "
		    "here. Start again from the assistant, or at "
		    "/oauth/start, in this browser.");
	}
	jta_vault_hash(o->vault, state, strlen(state), hash);
	/* RFC 6749 §10.12: the state binds the answer to our request;
	 * taking it makes it single-use. */
	if ((rc = jta_store_state_take_request(o->store, hash, jta_time_now(),
	    hint, sizeof(hint), out->request, sizeof(out->request), err)) !=
	    JTA_OK) {
		if (rc != JTA_ERR_AUTH)
			return rc;
		return jta_error_set(err, JTA_ERR_INPUT, 400, "state",
		    "this sign-in link has expired or was already used; "
		    "start again at /oauth/start");
	}
	if (error != NULL) {
		/* RFC 6749 §4.1.2.1 */
		if (strcmp(error, "access_denied") == 0)
			return jta_error_set(err, JTA_ERR_AUTH, 403, "error",
			    "you declined access on Atlassian's consent page; "
			    "nothing was linked. To use the assistant, start "
			    "again at /oauth/start and accept");
		return jta_error_set(err, JTA_ERR_INPUT, 400, "error",
		    "Atlassian did not grant access (%s); start again at "
		    "/oauth/start", strspn(error,
		    "abcdefghijklmnopqrstuvwxyz_") == strlen(error) &&
		    strlen(error) < 40 ? error : "unknown error");
	}
	if (code == NULL)
		return jta_error_set(err, JTA_ERR_INPUT, 400, "code",
		    "the sign-in answer has no code; start again at "
		    "/oauth/start");
	if ((rc = token_call(o, "authorization_code", code, NULL, &t, oerr,
	    sizeof(oerr), err)) != JTA_OK) {
		if (rc == JTA_ERR_AUTH && strcmp(oerr, "invalid_grant") == 0)
			rc = jta_error_set(err, JTA_ERR_INPUT, 400, "code",
			    "Atlassian refused this sign-in code (it was "
			    "used already or has expired); start again at "
			    "/oauth/start");
		else if (rc == JTA_ERR_AUTH)
			rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
			    "Atlassian refused this server's app credentials; "
			    "tell the operator (the log has details)");
		goto out;
	}
	if ((rc = sites(o, t.access, out->sites, &out->nsites, err)) !=
	    JTA_OK)
		goto out;
	if ((rc = pick(o->conf, hint, out->sites, out->nsites, &which,
	    err)) != JTA_OK) {
		if (rc == JTA_ERR_CONFLICT)	/* several: the page lists */
			rc = JTA_OK;
		else
			out->nsites = 0;
		goto out;
	}
	out->site = out->sites[which];
	out->nsites = 0;
	snprintf(url, sizeof(url), "%s/ex/jira/%s/rest/api/3/myself",
	    o->conf->atlassian_api_url, out->site.id);
	if ((rc = api_get(o, url, t.access, &me, err)) != JTA_OK)
		goto out;
	memset(&link, 0, sizeof(link));
	rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
	    "Atlassian's answer about your account is incomplete");
	if (member(me, "accountId", link.account_id,
	    sizeof(link.account_id)) != 0)
		goto out;
	if (member(me, "displayName", link.display_name,
	    sizeof(link.display_name)) != 0)
		snprintf(link.display_name, sizeof(link.display_name), "%s",
		    link.account_id);
	if (member(me, "emailAddress", link.email, sizeof(link.email)) != 0)
		link.email[0] = '\0';	/* hidden by the person's privacy */
	snprintf(link.cloud_id, sizeof(link.cloud_id), "%s", out->site.id);
	snprintf(link.site_url, sizeof(link.site_url), "%s", out->site.url);
	if ((rc = jta_store_link_put(o->store, o->vault, &link,
	    t.access->buf, t.access->len, t.expires,
	    t.refresh != NULL ? t.refresh->buf : NULL,
	    t.refresh != NULL ? t.refresh->len : 0, &out->user, err)) !=
	    JTA_OK)
		goto out;
	if (out->request[0] != '\0') {
		/* A GPT's sign-in: the caller issues the code, no key. */
		jta_info("linked account user=%s site=%s (gpt sign-in)",
		    out->user.name, out->site.url);
		rc = JTA_OK;
		goto out;
	}
	if ((rc = jta_vault_token_new(o->vault, out->token, keyid, hash)) !=
	    JTA_OK ||
	    (rc = jta_store_key_add(o->store, out->user.id, keyid, hash,
	    "atlassian sign-in", err)) != JTA_OK) {
		sodium_memzero(out->token, sizeof(out->token));
		goto out;
	}
	jta_info("linked account user=%s site=%s", out->user.name,
	    out->site.url);
	rc = JTA_OK;
out:
	tokens_free(&t);
	json_decref(me);
	return rc;
}

static void
pause_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		continue;
}

/* The 401 that tells a person to link again, at the absolute address
 * of /oauth/start: the person reads it in a chat that does not show our
 * host. */
static enum jta_err
relink(const struct jta_oauth *o, struct jta_error *err)
{
	return jta_error_set(err, JTA_ERR_AUTH, 401, NULL,
	    "your Atlassian link has expired or was revoked; visit "
	    "%s/oauth/start to sign in to Atlassian again",
	    o->conf->public_url);
}

enum jta_err
jta_oauth_access(struct jta_oauth *o, const struct jta_user *user, int force,
    struct jta_link *link, struct jta_secret **token, int *refreshed,
    struct jta_error *err)
{
	enum jta_lease_result res;
	struct jta_secret *refresh = NULL;
	struct tokens	 t;
	char		 oerr[64];
	int64_t		 known, now;
	int64_t		 lease_s = o->conf->upstream_timeout_ms / 1000 + 1 +
			    JTA_OAUTH_LEASE_MARGIN_S;
	long		 waited = 0;
	int		 stale = 0;
	enum jta_err	 rc;

	*token = NULL;
	if (refreshed != NULL)
		*refreshed = 0;
	memset(&t, 0, sizeof(t));
	known = force ? link->generation : -1;
	for (;;) {
		if (known < 0) {
			rc = jta_store_link_get(o->store, o->vault, user->id,
			    link, token, err);
			if (rc == JTA_ERR_NOTFOUND)
				return jta_error_set(err, JTA_ERR_AUTH, 401,
				    NULL, "your Atlassian account is not "
				    "linked; visit %s/oauth/start to sign in",
				    o->conf->public_url);
			if (rc != JTA_OK)
				return rc;
			if (link->broken)
				return relink(o, err);
			if (link->access_expires > jta_time_now())
				return JTA_OK;
			jta_secret_free(*token);
			*token = NULL;
			known = link->generation;
		}
		now = jta_time_now();
		if ((rc = jta_store_link_lease(o->store, o->vault, user->id,
		    o->owner, now, lease_s, known, &res, &refresh,
		    link, err)) != JTA_OK)
			return rc;
		if (res == JTA_LEASE_FRESH) {	/* a sibling renewed it */
			if (link->access_expires > jta_time_now()) {
				*token = refresh;
				return JTA_OK;
			}
			/* ... but that one has run out too: renew it
			 * (bounded: each pass saw a new generation). */
			jta_secret_free(refresh);
			refresh = NULL;
			known = link->generation;
			if (++stale > 3)
				return jta_error_set(err, JTA_ERR_BUSY, 503,
				    NULL, "your Atlassian sign-in is being "
				    "renewed; try again in a moment");
			continue;
		}
		if (res == JTA_LEASE_BROKEN)
			return relink(o, err);
		if (res == JTA_LEASE_BUSY) {
			/* Another worker is calling Atlassian: wait for it,
			 * bounded by the lease it holds. */
			if (waited > (lease_s + 2) * 1000L)
				return jta_error_set(err, JTA_ERR_BUSY, 503,
				    NULL, "your Atlassian sign-in is being "
				    "renewed; try again in a moment");
			pause_ms(50);
			waited += 50;
			continue;
		}
		/* CLAIMED: ours to refresh. */
		rc = token_call(o, "refresh_token", NULL, refresh, &t, oerr,
		    sizeof(oerr), err);
		jta_secret_free(refresh);
		refresh = NULL;
		jta_metrics_refresh(rc == JTA_OK ? JTA_METRICS_REFRESH_OK :
		    rc == JTA_ERR_AUTH && strcmp(oerr, "invalid_grant") == 0 ?
		    JTA_METRICS_REFRESH_INVALID_GRANT :
		    JTA_METRICS_REFRESH_ERROR);
		if (rc == JTA_ERR_AUTH && strcmp(oerr, "invalid_grant") != 0) {
			/* Not about this person's token (invalid_client and
			 * the like: our app's credentials): keep the link. */
			if (jta_store_link_release(o->store, user->id,
			    o->owner, NULL) != JTA_OK)
				jta_warn("could not release the lease");
			return jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
			    "Atlassian refused this server's app credentials "
			    "while renewing your sign-in; tell the operator "
			    "(the log has details)");
		}
		if (rc == JTA_ERR_AUTH) {
			/* RFC 6749 §5.2: invalid_grant means the refresh
			 * token is dead (expired, revoked, reused). */
			jta_log(JTA_LOG_WARN, "refresh refused (%s) for "
			    "user=%s: link marked broken", oerr[0] ? oerr :
			    "-", user->name);
			if (jta_store_link_break(o->store, user->id,
			    o->owner, NULL) != JTA_OK)
				jta_warn("could not mark the link broken");
			return relink(o, err);
		}
		if (rc != JTA_OK) {
			if (jta_store_link_release(o->store, user->id,
			    o->owner, NULL) != JTA_OK)
				jta_warn("could not release the lease");
			return rc;
		}
		/* Atlassian may answer without a new refresh token: the
		 * store keeps the old one then. */
		rc = jta_store_link_renew(o->store, o->vault, user->id,
		    o->owner, t.access->buf, t.access->len,
		    t.expires, t.refresh != NULL ?
		    t.refresh->buf : NULL, t.refresh != NULL ?
		    t.refresh->len : 0, err);
		if (rc == JTA_ERR_CONFLICT) {
			/* The lease ran out and a sibling took over: its
			 * tokens win; read them again. */
			tokens_free(&t);
			known = -1;
			continue;
		}
		if (rc != JTA_OK) {
			tokens_free(&t);
			return rc;
		}
		jta_info("refreshed atlassian token user=%s", user->name);
		if (refreshed != NULL)
			*refreshed = 1;
		link->access_expires = t.expires;
		link->generation++;
		*token = t.access;
		t.access = NULL;
		tokens_free(&t);
		return JTA_OK;
	}
}

enum jta_err
jta_oauth_link_usable(struct jta_oauth *o, int64_t user_id, int *usable,
    struct jta_error *err)
{
	struct jta_link	 link;
	struct jta_secret *token = NULL;
	enum jta_err	 rc;

	*usable = 0;
	memset(&link, 0, sizeof(link));
	rc = jta_store_link_get(o->store, o->vault, user_id, &link, &token,
	    err);
	jta_secret_free(token);
	if (rc == JTA_ERR_NOTFOUND) {
		memset(err, 0, sizeof(*err));
		return JTA_OK;
	}
	if (rc != JTA_OK)
		return rc;
	*usable = !link.broken;
	return JTA_OK;
}
