/*
 * GET /oauth/callback: where Atlassian sends the person back after consent
 * (RFC 6749 §4.1.2).  Checks the state, exchanges the code, links the
 * account and shows a page with a personal API key, shown once.  Every
 * failure is a page for a person (and a 4xx) that says what to do.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jta_fcgi.h"

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

/* Several sites: a page listing them, each a fresh start for that site. */
static enum jta_err
choose(struct jta_resp *resp, const struct jta_oauth_done *d)
{
	struct jta_page_link links[JTA_OAUTH_SITES_MAX];
	char		 href[JTA_OAUTH_SITES_MAX][JTA_LIMIT_CLOUD_ID + 32];
	char		 text[JTA_OAUTH_SITES_MAX][JTA_LIMIT_SITE_URL +
			    JTA_LIMIT_DISPLAY_NAME + 8];
	struct jta_page	 pg;
	size_t		 i;

	for (i = 0; i < d->nsites; i++) {
		snprintf(href[i], sizeof(href[i]), "/oauth/start?site=%s",
		    d->sites[i].id);
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
	if (req->method != JTA_METHOD_GET && req->method != JTA_METHOD_HEAD)
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD", err);
	if (ctx->conf.backend != JTA_BACKEND_JIRA)
		rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "this server uses its embedded ticket store: there is no "
		    "Atlassian account to link");
	else if ((rc = jta_req_query(req, fields, sizeof(fields) /
	    sizeof(fields[0]), &q, err)) == JTA_OK)
		rc = jta_oauth_finish(&ctx->oauth, str(q, "code"),
		    str(q, "state"), str(q, "error"), &done, err);
	json_decref(q);
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
		return choose(resp, &done);
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
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-oauth-callback",
	.handle = handle,
	.auth = 0,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
