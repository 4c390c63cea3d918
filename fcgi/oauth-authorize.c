/*
 * /oauth/authorize: the authorization endpoint of our authorization
 * server (RFC 6749 §3.1, §4.1.1), where a GPT Action sends a person to
 * sign in with a local user name and password (backend = local), or, in
 * Jira mode, on to Atlassian's consent; /oauth/callback then sends them
 * back to the client with our code.
 *
 * GET checks the request and shows the sign-in page; POST (the page's
 * form) checks it all again, then the password, and sends the person back
 * to the client with a code.  An unknown client or a redirect URI it did
 * not register is a page, never a redirect (§4.1.2.1, RFC 9700 §4.1);
 * every other problem goes back to the client as error=...&state=....
 * Wrong passwords lock the name for a while (jta_authz_password_login).
 *
 * The page names the client asking (its registered name, escaped).  The
 * form is defended against cross-site posts (login CSRF, RFC 6749
 * §10.12): a POST must come from this site (Origin, Sec-Fetch-Site when
 * the browser sends them) and carry the form token bound to the pending
 * request and to the browser's jta_signin cookie (jta_authz_form_token);
 * otherwise the page again, 403, and no password is looked at.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "jta_authz.h"
#include "jta_fcgi.h"
#include "jta_log.h"
#include "jta_time.h"
#include "jta_url.h"

static const char *const methods[] = { "S256", "plain", NULL };

/* The request's parameters: optional in the table, so that a missing one
 * is answered the §4.1.2.1 way rather than by the table's 422; others are
 * ignored (§3.1). */
#define AUTHZ_FIELDS \
	{ "response_type", JTA_FT_STRING, JTA_F_OTHERS, 1, 64, NULL }, \
	{ "client_id", JTA_FT_STRING, 0, 1, JTA_LIMIT_CLIENT_ID, NULL }, \
	{ "redirect_uri", JTA_FT_STRING, 0, 1, JTA_LIMIT_REDIRECT_URI, \
	    NULL }, \
	{ "state", JTA_FT_STRING, 0, 1, JTA_LIMIT_STATE, NULL }, \
	{ "scope", JTA_FT_STRING, 0, 1, JTA_LIMIT_SCOPE, NULL }, \
	{ "code_challenge", JTA_FT_STRING, 0, 1, JTA_LIMIT_PKCE, NULL }, \
	{ "code_challenge_method", JTA_FT_ENUM, 0, 0, 0, methods }, \
	{ "resource", JTA_FT_STRING, 0, 1, JTA_LIMIT_REDIRECT_URI, NULL }

static const struct jta_field getfields[] = { AUTHZ_FIELDS };
static const struct jta_field postfields[] = {
	AUTHZ_FIELDS,
	{ "username", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
	{ "password", JTA_FT_STRING, 0, 1, JTA_LIMIT_PASSWORD, NULL },
	{ "form_token", JTA_FT_STRING, 0, 1, JTA_AUTHZ_FORM_TOKENLEN, NULL },
};

#define NF(t)	(sizeof(t) / sizeof((t)[0]))

static const char *
str(const json_t *q, const char *name)
{
	return json_string_value(json_object_get(q, name));
}

/* A page for the person, for what cannot go back to the client. */
static enum jta_err
page(struct jta_resp *resp, int status, const char *title, const char *text)
{
	struct jta_page	 pg;

	memset(&pg, 0, sizeof(pg));
	pg.title = title;
	pg.text = text;
	return jta_resp_page(resp, status, &pg);
}

/* Send the person back to the client (§4.1.2, §4.1.2.1). */
static enum jta_err
back(const struct jta_ctx *ctx, struct jta_resp *resp, const json_t *q,
    const char *name, const char *value, const char *description)
{
	return jta_authz_redirect(resp, str(q, "redirect_uri"), name, value,
	    description, str(q, "state"), ctx->conf.public_url);
}

/*
 * Check the request: 0 when it is good; otherwise the answer was sent (a
 * page or a redirect with an error) and *rc says how that went.
 */
static int
check(struct jta_ctx *ctx, const json_t *q, struct jta_resp *resp,
    char *scope, size_t scopesz, enum jta_endpoint_audience *aud,
    enum jta_err *rc, struct jta_error *err)
{
	const char	*rt = str(q, "response_type");
	const char	*m = str(q, "code_challenge_method");
	const char	*c = str(q, "code_challenge");
	const char	*res = str(q, "resource");
	struct jta_error e;
	int		 pub = 0;

	memset(&e, 0, sizeof(e));
	if (str(q, "client_id") == NULL || str(q, "redirect_uri") == NULL) {
		*rc = jta_error_set(err, JTA_ERR_INPUT, 400, "client_id",
		    "client_id and redirect_uri are required");
		(void)page(resp, 400, "This sign-in link cannot be used",
		    "The link is missing the application's id or return "
		    "address. Start again from the assistant.");
		return -1;
	}
	if ((*rc = jta_authz_client_redirect(ctx->authz, str(q, "client_id"),
	    str(q, "redirect_uri"), err)) != JTA_OK ||
	    (*rc = jta_authz_client_public(ctx->authz, str(q, "client_id"),
	    &pub, err)) != JTA_OK) {
		if (*rc == JTA_ERR_NOTFOUND)
			(void)page(resp, 400, "This sign-in link cannot be "
			    "used", err->detail);
		return -1;
	}
	*aud = JTA_ENDPOINT_AUD_API;
	*rc = JTA_ERR_INPUT;
	if (rt == NULL)
		*rc = back(ctx, resp, q, "error", "invalid_request",
		    "response_type is required");
	else if (strcmp(rt, "code") != 0)
		*rc = back(ctx, resp, q, "error", "unsupported_response_type",
		    "only response_type=code is supported");
	else if (str(q, "state") == NULL)
		*rc = back(ctx, resp, q, "error", "invalid_request",
		    "state is required");
	else if (jta_authz_scope(str(q, "scope"), scope, scopesz, &e) !=
	    JTA_OK)
		*rc = back(ctx, resp, q, "error", "invalid_scope", e.detail);
	else if (c != NULL && m == NULL)
		/* RFC 7636 §4.3: no method means plain, which we refuse
		 * (RFC 9700 §2.1.1). */
		*rc = back(ctx, resp, q, "error", "invalid_request",
		    "code_challenge_method must be S256");
	else if (m != NULL && strcmp(m, "S256") != 0)
		*rc = back(ctx, resp, q, "error", "invalid_request",
		    "code_challenge_method must be S256");
	else if (m != NULL && (c == NULL || !jta_authz_challenge_valid(c)))
		*rc = back(ctx, resp, q, "error", "invalid_request",
		    "code_challenge must be 43 base64url characters");
	else if (pub && c == NULL)
		/* A public client has no secret: only PKCE binds its code
		 * to it (RFC 9700 §2.1.1, OAuth 2.1 §7.5.1). */
		*rc = back(ctx, resp, q, "error", "invalid_request",
		    "code_challenge with code_challenge_method=S256 is "
		    "required for this client");
	else if (res != NULL && jta_authz_resource_audience(
	    ctx->conf.public_url, res, aud, &e) != JTA_OK)
		/* RFC 8707 §2: invalid_target. */
		*rc = back(ctx, resp, q, "error", "invalid_target", e.detail);
	else
		return 0;
	if (*rc == JTA_OK) {
		/* Answered the client with an error: an error in our log. */
		*rc = jta_error_set(err, JTA_ERR_INPUT, 302, "authorize",
		    "refused; sent back to the client");
	}
	return -1;
}

/* The scheme://host[:port] of an https URL, for the form's CSP. */
static void
origin(const char *url, char *out, size_t outsz)
{
	size_t	 n = strcspn(url + 8, "/?");

	snprintf(out, outsz, "%.*s", (int)(n + 8), url);
}

/* The pending request as the form token binds it: the parameters as
 * sent (checked by check() first). */
static void
pending(const json_t *q, enum jta_endpoint_audience aud,
    struct jta_authz_request *r)
{
	const char	*sc = str(q, "scope"), *c = str(q, "code_challenge");

	memset(r, 0, sizeof(*r));
	snprintf(r->client_id, sizeof(r->client_id), "%s",
	    str(q, "client_id"));
	snprintf(r->redirect_uri, sizeof(r->redirect_uri), "%s",
	    str(q, "redirect_uri"));
	snprintf(r->state, sizeof(r->state), "%s", str(q, "state"));
	snprintf(r->scope, sizeof(r->scope), "%s", sc != NULL ? sc : "");
	snprintf(r->challenge, sizeof(r->challenge), "%s", c != NULL ? c :
	    "");
	/* The audience of its resource (checked): the form token binds
	 * it too. */
	snprintf(r->audience, sizeof(r->audience), "%s",
	    jta_authz_audience_name(aud));
}

/* The browser's sign-in nonce from its jta_signin cookie, "" when none
 * (or malformed). */
static void
nonce_of(const struct jta_req *req, char nonce[JTA_VAULT_RANDLEN + 1])
{
	if (jta_req_cookie(req->cookie, JTA_AUTHZ_FORM_COOKIE, nonce,
	    JTA_VAULT_RANDLEN + 1) != 0 || !jta_authz_form_nonce_valid(nonce))
		nonce[0] = '\0';
}

/*
 * 1 when a POST of the form may be believed: from this site (Origin equal
 * to public_url's origin, RFC 6454 §7, and Sec-Fetch-Site same-origin,
 * W3C Fetch Metadata §2.4, each when sent) and carrying the form token of
 * the browser's nonce and this very request.
 */
static int
genuine(struct jta_ctx *ctx, const struct jta_req *req, const json_t *q,
    enum jta_endpoint_audience aud)
{
	struct jta_authz_request r;
	char		 nonce[JTA_VAULT_RANDLEN + 1];

	/* Our pages say Referrer-Policy: no-referrer, so a browser sends
	 * "Origin: null" with the form's POST (WHATWG Fetch, "serializing a
	 * request origin"): believed only when Sec-Fetch-Site, which no page
	 * can set, says same-origin. */
	if (strcmp(req->origin, "null") == 0 ? strcmp(req->sec_fetch_site,
	    "same-origin") != 0 : req->origin[0] != '\0' &&
	    !jta_url_same_origin(req->origin, ctx->conf.public_url))
		return 0;
	if (req->sec_fetch_site[0] != '\0' &&
	    strcmp(req->sec_fetch_site, "same-origin") != 0)
		return 0;
	nonce_of(req, nonce);
	pending(q, aud, &r);
	return jta_authz_form_check(ctx->authz, nonce, &r,
	    str(q, "form_token"));
}

/*
 * The sign-in page, with the validated request in hidden fields, the
 * client's name in the text (before text) and a fresh form token bound to
 * the browser's nonce (set or renewed in a cookie) and the request.
 */
static enum jta_err
signin(struct jta_ctx *ctx, const struct jta_req *req, struct jta_resp *resp,
    int status, const json_t *q, enum jta_endpoint_audience aud,
    const char *text)
{
	static const char *const carry[] = { "response_type", "client_id",
	    "redirect_uri", "state", "scope", "code_challenge",
	    "code_challenge_method", "resource" };
	struct jta_page_hidden hidden[sizeof(carry) / sizeof(carry[0]) + 1];
	struct jta_page_form form;
	struct jta_page	 pg;
	struct jta_authz_request r;
	struct jta_error e;
	char		 org[JTA_RESP_ORIGIN_MAX + 1];
	char		 nonce[JTA_VAULT_RANDLEN + 1];
	char		 token[JTA_AUTHZ_FORM_TOKENLEN + 1];
	char		 name[JTA_LIMIT_CLIENT_NAME + 1];
	char		 says[JTA_LIMIT_CLIENT_NAME + JTA_LIMIT_URL_HOST + 512];
	struct jta_url	 u;
	enum jta_err	 rc;
	size_t		 i, n = 0;

	memset(&e, 0, sizeof(e));
	if (jta_authz_client_name(ctx->authz, str(q, "client_id"), name,
	    sizeof(name), &e) != JTA_OK)
		snprintf(name, sizeof(name), "An application");
	/* Who asks and where the person goes back to (the redirect URI's
	 * host, checked by jta_authz_client_redirect): a registered or
	 * self-described client's name proves nothing, its host does. */
	if (jta_url_parse(str(q, "redirect_uri"), "redirect_uri", &u, NULL) !=
	    JTA_OK)
		snprintf(u.host, sizeof(u.host), "?");
	snprintf(says, sizeof(says), "%s asks to work with your tickets; "
	    "signing in sends you back to %s. %s", name, u.host, text);
	nonce_of(req, nonce);
	pending(q, aud, &r);
	if ((rc = jta_authz_form_cookie(resp, ctx->conf.public_url, nonce)) !=
	    JTA_OK || (rc = jta_authz_form_token(ctx->authz, nonce, &r,
	    token)) != JTA_OK)
		return rc;
	for (i = 0; i < sizeof(carry) / sizeof(carry[0]); i++)
		if (str(q, carry[i]) != NULL) {
			hidden[n].name = carry[i];
			hidden[n].value = str(q, carry[i]);
			n++;
		}
	hidden[n].name = "form_token";
	hidden[n].value = token;
	n++;
	origin(str(q, "redirect_uri"), org, sizeof(org));
	memset(&form, 0, sizeof(form));
	form.action = "/oauth/authorize";
	form.hidden = hidden;
	form.nhidden = n;
	form.credentials = 1;
	form.username = str(q, "username");
	form.submit = "Sign in";
	form.redirect_origin = org;
	memset(&pg, 0, sizeof(pg));
	pg.title = "Sign in to the ticket assistant";
	pg.text = says;
	pg.form = &form;
	pg.after = "Signing in lets the assistant read and change tickets as "
	    "you. You can sign out by removing the assistant's access in "
	    "ChatGPT.";
	return jta_resp_page(resp, status, &pg);
}

/*
 * Jira mode: the person signs in at Atlassian (the consent of /oauth/start,
 * same audience, scopes and prompt), and the checked request waits with
 * the Atlassian state until /oauth/callback issues our code.
 */
static enum jta_err
atlassian(struct jta_ctx *ctx, const json_t *q, const char *scope,
    enum jta_endpoint_audience aud, struct jta_resp *resp,
    struct jta_error *err)
{
	struct jta_authz_request r;
	char		 text[JTA_LIMIT_AUTHZ_REQUEST + 1];
	char		 url[JTA_OAUTH_URL_MAX];
	char		 binding[JTA_OAUTH_BINDINGLEN + 1];
	const char	*c = str(q, "code_challenge");
	enum jta_err	 rc;

	memset(&r, 0, sizeof(r));
	snprintf(r.client_id, sizeof(r.client_id), "%s", str(q, "client_id"));
	snprintf(r.redirect_uri, sizeof(r.redirect_uri), "%s",
	    str(q, "redirect_uri"));
	snprintf(r.state, sizeof(r.state), "%s", str(q, "state"));
	snprintf(r.scope, sizeof(r.scope), "%s", scope);
	snprintf(r.challenge, sizeof(r.challenge), "%s", c != NULL ? c : "");
	snprintf(r.audience, sizeof(r.audience), "%s",
	    jta_authz_audience_name(aud));
	if (jta_authz_request_encode(&r, text, sizeof(text)) != JTA_OK) {
		if ((rc = back(ctx, resp, q, "error", "invalid_request",
		    "the request is too long")) == JTA_OK)
			rc = jta_error_set(err, JTA_ERR_INPUT, 302, "authorize",
			    "too long to keep; sent back to the client");
		return rc;
	}
	if ((rc = jta_oauth_start_request(&ctx->oauth, NULL, text, url,
	    binding, err)) != JTA_OK ||
	    (rc = jta_oauth_bind(&ctx->oauth, resp, binding)) != JTA_OK) {
		(void)page(resp, err->status >= 400 && err->status < 600 ?
		    err->status : 500, "Something went wrong",
		    "The sign-in with Atlassian could not be started; try "
		    "again in a moment.");
		return rc;
	}
	return jta_resp_redirect(resp, 302, url);
}

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	struct jta_user	 user;
	enum jta_endpoint_audience aud = JTA_ENDPOINT_AUD_API;
	char		 scope[JTA_LIMIT_SCOPE + 1];
	char		 code[JTA_AUTHZ_TOKENLEN + 1];
	const char	*pw;
	enum jta_err	 rc;
	json_t		*q = NULL;

	(void)who;
	code[0] = '\0';
	if (req->method != JTA_METHOD_GET && req->method != JTA_METHOD_HEAD &&
	    req->method != JTA_METHOD_POST)
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD, POST",
		    err);
	if (ctx->conf.backend == JTA_BACKEND_JIRA &&
	    req->method == JTA_METHOD_POST)
		/* No password here: Atlassian signs the person in. */
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD", err);
	rc = req->method == JTA_METHOD_POST ?
	    jta_req_form(req, postfields, NF(postfields), &q, err) :
	    jta_req_query(req, getfields, NF(getfields), &q, err);
	if (rc != JTA_OK) {
		/* Malformed: we cannot trust its redirect_uri. */
		(void)page(resp, err->status >= 400 && err->status < 500 ?
		    err->status : 400, "This sign-in link cannot be used",
		    err->detail);
		return rc;
	}
	if (check(ctx, q, resp, scope, sizeof(scope), &aud, &rc, err) != 0)
		goto out;
	if (ctx->conf.backend == JTA_BACKEND_JIRA) {
		rc = atlassian(ctx, q, scope, aud, resp, err);
		goto out;
	}
	if (req->method != JTA_METHOD_POST) {
		rc = signin(ctx, req, resp, 200, q, aud, "Sign in with your "
		    "user name and password on this server to let the "
		    "assistant work with your tickets.");
		goto out;
	}
	if (!genuine(ctx, req, q, aud)) {
		/* Login CSRF: never a code, never a look at the password. */
		rc = jta_error_set(err, JTA_ERR_AUTH, 403, "form_token",
		    "the sign-in form did not come from this site's page");
		jta_info("oauth: a sign-in post without its form token or "
		    "from another site");
		(void)signin(ctx, req, resp, 403, q, aud, "This form expired "
		    "or did not come from this page. Check the address, then "
		    "sign in again.");
		goto out;
	}
	pw = str(q, "password");
	if (str(q, "username") == NULL || pw == NULL) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 400, "username",
		    "user name and password are required");
		(void)signin(ctx, req, resp, 400, q, aud, "Enter your user "
		    "name and password.");
		goto out;
	}
	if ((rc = jta_authz_password_login(ctx->authz, str(q, "username"), pw,
	    strlen(pw), jta_time_now(), &user, err)) != JTA_OK) {
		if (rc == JTA_ERR_AUTH) {
			/* The reason, never the password. */
			jta_authz_audit_signin(ctx->authz, 0, NULL, str(q,
			    "username"), "oauth.authorize", err->status,
			    err->status == 429 ? "locked" :
			    "wrong user name or password");
			(void)signin(ctx, req, resp, err->status, q, aud,
			    err->detail);
		}
		goto out;
	}
	if ((rc = jta_authz_code_issue(ctx->authz, str(q, "client_id"), user.id,
	    str(q, "redirect_uri"), str(q, "code_challenge"), scope, aud,
	    jta_time_now(), code, err)) != JTA_OK)
		goto out;
	jta_info("oauth: code issued user=%s", user.name);
	rc = back(ctx, resp, q, "code", code, NULL);
	jta_authz_audit_signin(ctx->authz, 0, &user, NULL, "oauth.authorize",
	    resp->status, "code issued");
out:
	sodium_memzero(code, sizeof(code));
	json_decref(q);
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-oauth-authorize",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
