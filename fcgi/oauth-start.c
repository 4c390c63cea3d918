/* GET /oauth/start[?site=CLOUDID][&request=HANDLE]: send the person to
 * Atlassian's consent page (3LO) with a fresh single-use state, bound to
 * this browser by a cookie that /oauth/callback requires.  request
 * is the handle the site choice page gives when a GPT's sign-in waits:
 * that request then goes on with the new state. */
#include "config.h"

#include "jta_fcgi.h"


static const struct jta_field fields[] = {
	/* The cloud id of the site the person picked on the callback page. */
	{ "site", JTA_FT_STRING, 0, 1, JTA_LIMIT_CLOUD_ID, NULL },
	/* The handle of a GPT's waiting sign-in (jta_oauth_resume_put). */
	{ "request", JTA_FT_STRING, 0, 1, JTA_VAULT_RANDLEN, NULL },
};

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*q = NULL;
	char		 url[JTA_OAUTH_URL_MAX];
	char		 binding[JTA_OAUTH_BINDINGLEN + 1];
	char		 request[JTA_LIMIT_AUTHZ_REQUEST + 1];
	const char	*handle;

	(void)who;
	if (req->method != JTA_METHOD_GET && req->method != JTA_METHOD_HEAD)
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD", err);
	if ((rc = jta_req_query(req, fields, sizeof(fields) /
	    sizeof(fields[0]), &q, err)) != JTA_OK)
		return rc;
	if (ctx->conf.backend != JTA_BACKEND_JIRA) {
		rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "this server uses its embedded ticket store: there is no "
		    "Atlassian account to link (an operator sets backend = "
		    "jira for that)");
		goto out;
	}
	handle = json_string_value(json_object_get(q, "request"));
	if (handle != NULL && (rc = jta_oauth_resume_take(&ctx->oauth,
	    handle, request, sizeof(request), err)) != JTA_OK)
		goto out;
	/* The consent counts only in this browser (jta_oauth_bind). */
	if ((rc = jta_oauth_start_request(&ctx->oauth, json_string_value(
	    json_object_get(q, "site")), handle != NULL ? request : NULL, url,
	    binding, err)) == JTA_OK &&
	    (rc = jta_oauth_bind(&ctx->oauth, resp, binding)) == JTA_OK)
		rc = jta_resp_redirect(resp, 302, url);
out:
	json_decref(q);
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-oauth-start",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
