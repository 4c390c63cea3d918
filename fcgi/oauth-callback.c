/*
 * GET /oauth/callback: where Atlassian sends the person back after consent
 * (RFC 6749 §4.1.2).  Checks the state, exchanges the code, links the
 * account and shows a page with a personal API key, shown once.  Every
 * failure is a page for a person (and a 4xx) that says what to do.
 *
 * When the state carries a GPT's sign-in (Jira mode /oauth/authorize),
 * the person goes back to the GPT instead: with our single-use code, or
 * with error=access_denied (or server_error) and the GPT's state when
 * the link failed after the state was taken (RFC 6749 §4.1.2.1).  An
 * unknown, used or expired state, or one whose browser binding (the
 * cookie /oauth/start or /oauth/authorize set) is missing, is always a
 * page, never a redirect.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jta_authz.h"
#include "jta_fcgi.h"
#include "jta_log.h"
#include "jta_time.h"

static const struct jta_field fields[] = {
	{ "code", JTA_FT_STRING, 0, 1, JTA_LIMIT_OAUTH_PARAM, NULL },
	{ "state", JTA_FT_STRING, 0, 1, JTA_LIMIT_OAUTH_PARAM, NULL },
	{ "error", JTA_FT_STRING, 0, 1, JTA_LIMIT_OAUTH_PARAM, NULL },
	{ "error_description", JTA_FT_TEXT, 0, 0, JTA_LIMIT_OAUTH_PARAM,
	    NULL },
	{ "error_uri", JTA_FT_STRING, 0, 0, JTA_LIMIT_OAUTH_PARAM, NULL },
};

static const char *
str(const json_t *q, const char *name)
{
	return json_string_value(json_object_get(q, name));
}

/* Several sites: a page listing them, each a fresh start for that site
 * (with handle, the GPT sign-in that waits, when not NULL). */
static enum jta_err
choose(struct jta_resp *resp, const struct jta_oauth_done *d,
    const char *handle)
{
	struct jta_page_link links[JTA_OAUTH_SITES_MAX];
	char		 href[JTA_OAUTH_SITES_MAX][JTA_LIMIT_CLOUD_ID +
			    JTA_VAULT_RANDLEN + 48];
	char		 text[JTA_OAUTH_SITES_MAX][JTA_LIMIT_SITE_URL +
			    JTA_LIMIT_DISPLAY_NAME + 8];
	struct jta_page	 pg;
	size_t		 i;

	for (i = 0; i < d->nsites; i++) {
		if (handle != NULL)
			snprintf(href[i], sizeof(href[i]), "/oauth/start?"
			    "site=%s&request=%s", d->sites[i].id, handle);
		else
			snprintf(href[i], sizeof(href[i]),
			    "/oauth/start?site=%s", d->sites[i].id);
		snprintf(text[i], sizeof(text[i]), "%s (%s)",
		    d->sites[i].name, d->sites[i].url);
		links[i].href = href[i];
		links[i].text = text[i];
	}
	memset(&pg, 0, sizeof(pg));
	pg.title = "Pick your Jira site";
	pg.text = "Your Atlassian account reaches several Jira sites. Pick "
	    "the one the assistant should work with; Atlassian will ask you "
	    "to confirm once more.";
	pg.links = links;
	pg.nlinks = d->nsites;
	return jta_resp_page(resp, 200, &pg);
}

/* A page for a person (what must not go back to a client). */
static enum jta_err
failpage(struct jta_resp *resp, enum jta_err rc, struct jta_error *err,
    const char *title)
{
	struct jta_page	 pg;

	memset(&pg, 0, sizeof(pg));
	if (err->status < 400 || err->status > 599)
		err->status = jta_err_status(rc);
	pg.title = err->status >= 500 ? "Something went wrong" :
	    title != NULL ? title : "The sign-in did not finish";
	pg.text = err->detail[0] != '\0' ? err->detail :
	    "The server failed; the operator's log has details.";
	if (jta_resp_page(resp, err->status, &pg) != JTA_OK)
		jta_warn("oauth: the error page could not be sent");
	return rc;
}

/*
 * The end of a GPT's sign-in: rc and err are how linking went.  Back to
 * the GPT with our code, or with an error it can show (RFC 6749
 * §4.1.2.1); several sites: the choice page, carrying the request.
 */
static enum jta_err
gpt(struct jta_ctx *ctx, enum jta_err rc, const struct jta_oauth_done *d,
    struct jta_resp *resp, struct jta_error *err)
{
	struct jta_authz_request r;
	struct jta_error e;
	char		 code[JTA_AUTHZ_TOKENLEN + 1];
	char		 handle[JTA_VAULT_RANDLEN + 1];
	const char	*oerr;
	enum jta_err	 rc2;

	code[0] = '\0';
	memset(&e, 0, sizeof(e));
	if (jta_authz_request_decode(d->request, &r) != JTA_OK) {
		jta_errorlog("oauth: a stored GPT request does not decode");
		rc = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "The server failed; the operator's log has details.");
		return failpage(resp, rc, err, NULL);
	}
	/* The client may have been removed meanwhile (§4.1.2.1). */
	if ((rc2 = jta_authz_client_redirect(ctx->authz, r.client_id,
	    r.redirect_uri, &e)) != JTA_OK) {
		*err = e;
		return failpage(resp, rc2, err,
		    "This sign-in link cannot be used");
	}
	if (rc != JTA_OK) {
		/* Declined (Atlassian's error=access_denied), or no usable
		 * site: access_denied; Atlassian's other errors and our own
		 * failures: server_error or temporarily_unavailable. */
		if (err->status == 503)
			oerr = "temporarily_unavailable";
		else if (err->status >= 500 || (strcmp(err->field, "error") ==
		    0 && err->status != 403))
			oerr = "server_error";
		else
			oerr = "access_denied";
		jta_info("oauth: gpt sign-in refused (%s): %s", oerr,
		    err->detail);
		jta_authz_audit_signin(ctx->authz, 1,
		    d->user.id != 0 ? &d->user : NULL, "(atlassian)",
		    "oauth.callback", 302, oerr);
		if (jta_authz_redirect(resp, r.redirect_uri, "error", oerr,
		    strcmp(oerr, "access_denied") == 0 ? "the person did not "
		    "link an Atlassian account" : "the Atlassian sign-in "
		    "failed", r.state, ctx->conf.public_url) != JTA_OK)
			return failpage(resp, JTA_ERR_INTERNAL, err, NULL);
		/* Answered the client with an error: an error in our log. */
		return jta_error_set(err, rc, 302, "error", "refused (%s); "
		    "sent back to the client", oerr);
	}
	if (d->nsites > 0) {
		if ((rc = jta_oauth_resume_put(&ctx->oauth, d->request, handle,
		    err)) != JTA_OK)
			return failpage(resp, rc, err, NULL);
		return choose(resp, d, handle);
	}
	if ((rc = jta_authz_code_issue(ctx->authz, r.client_id, d->user.id,
	    r.redirect_uri, r.challenge[0] != '\0' ? r.challenge : NULL,
	    r.scope, jta_authz_audience_of(r.audience), jta_time_now(), code,
	    err)) != JTA_OK)
		return failpage(resp, rc, err, NULL);
	jta_info("oauth: code issued user=%s (atlassian)", d->user.name);
	rc = jta_authz_redirect(resp, r.redirect_uri, "code", code, NULL,
	    r.state, ctx->conf.public_url);
	sodium_memzero(code, sizeof(code));
	jta_authz_audit_signin(ctx->authz, 1, &d->user, NULL, "oauth.callback",
	    resp->status, "code issued (atlassian)");
	return rc;
}

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	struct jta_oauth_done done;
	struct jta_page	 pg;
	char		 text[JTA_LIMIT_SITE_URL + JTA_LIMIT_DISPLAY_NAME +
			    256];
	enum jta_err	 rc;
	json_t		*q = NULL;

	(void)who;
	memset(&pg, 0, sizeof(pg));
	done.request[0] = '\0';
	if (req->method != JTA_METHOD_GET && req->method != JTA_METHOD_HEAD)
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD", err);
	if (ctx->conf.backend != JTA_BACKEND_JIRA)
		rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "this server uses its embedded ticket store: there is no "
		    "Atlassian account to link");
	else if ((rc = jta_req_query(req, fields, sizeof(fields) /
	    sizeof(fields[0]), &q, err)) == JTA_OK)
		rc = jta_oauth_finish(&ctx->oauth, str(q, "code"),
		    str(q, "state"), str(q, "error"), req->cookie, &done, err);
	json_decref(q);
	/* Linked, on one site: while we talk to it, learn what it shows
	 * everyone alike (README "A project list in one call"). */
	if (rc == JTA_OK && done.nsites == 0 && done.user.id != 0 &&
	    ctx->backend->ops->linked != NULL)
		ctx->backend->ops->linked(ctx->backend, &done.user);
	/* The binding is spent with the state (or was wrong): drop it. */
	if (ctx->conf.backend == JTA_BACKEND_JIRA &&
	    jta_oauth_bind(&ctx->oauth, resp, "") != JTA_OK)
		jta_warn("oauth: the binding cookie could not be cleared");
	if (ctx->conf.backend == JTA_BACKEND_JIRA && done.request[0] != '\0')
		return gpt(ctx, rc, &done, resp, err);
	if (rc != JTA_OK) {
		/* A person reads this, not a program: a page, not JSON. */
		if (err->status < 400 || err->status > 599)
			err->status = jta_err_status(rc);
		pg.title = err->status >= 500 ? "Something went wrong" :
		    "Your Atlassian account was not linked";
		pg.text = err->detail[0] != '\0' ? err->detail :
		    "The server failed; the operator's log has details.";
		if (jta_resp_page(resp, err->status, &pg) != JTA_OK)
			return rc;
		return rc;
	}
	if (done.nsites > 0)
		return choose(resp, &done, NULL);
	snprintf(text, sizeof(text), "Signed in as %s on %s. Below is your "
	    "personal API key for the ticket assistant: copy it now, it is "
	    "shown only once. Send it as 'Authorization: Bearer <key>'.",
	    done.user.display_name, done.site.url);
	pg.title = "Your Atlassian account is linked";
	pg.text = text;
	pg.code = done.token;
	pg.after = "Lost it? Visit /oauth/start again for a new one.";
	rc = jta_resp_page(resp, 200, &pg);
	sodium_memzero(done.token, sizeof(done.token));
	jta_authz_audit_signin(ctx->authz, 1, &done.user, NULL,
	    "oauth.callback", resp->status, "api key issued (/oauth/start)");
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-oauth-callback",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
