/*
 * The protected resources our authorization server issues tokens for
 * (RFC 8707 resource indicators, RFC 9728 protected resource metadata),
 * as jta_authz.h describes them: the REST API at public_url and the MCP
 * endpoint at public_url + "/mcp".
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jta_authz.h"
#include "jta_url.h"

/* Path of each audience's resource below public_url, and the suffix of
 * its metadata below /.well-known/oauth-protected-resource (RFC 9728
 * §3.1: the resource's path appended). */
static const char *const paths[] = {
	[JTA_ENDPOINT_AUD_API] = "",
	[JTA_ENDPOINT_AUD_MCP] = "/mcp",
};
static const char *const names[] = {
	[JTA_ENDPOINT_AUD_API] = "api",
	[JTA_ENDPOINT_AUD_MCP] = "mcp",
};
#define NAUD	(sizeof(paths) / sizeof(paths[0]))

const char *
jta_authz_audience_name(enum jta_endpoint_audience aud)
{
	return (size_t)aud < NAUD ? names[aud] : names[JTA_ENDPOINT_AUD_API];
}

enum jta_endpoint_audience
jta_authz_audience_of(const char *name)
{
	size_t	 i;

	for (i = 0; name != NULL && i < NAUD; i++)
		if (strcmp(name, names[i]) == 0)
			return (enum jta_endpoint_audience)i;
	return JTA_ENDPOINT_AUD_API;
}

enum jta_err
jta_authz_resource(const char *public_url, enum jta_endpoint_audience aud,
    char *out, size_t outsz)
{
	int	 n;

	if ((size_t)aud >= NAUD)
		aud = JTA_ENDPOINT_AUD_API;
	n = snprintf(out, outsz, "%s%s", public_url, paths[aud]);
	if (n < 0 || (size_t)n >= outsz) {
		if (outsz > 0)
			out[0] = '\0';
		return JTA_ERR_INTERNAL;
	}
	return JTA_OK;
}

enum jta_err
jta_authz_resource_metadata_url(const char *public_url,
    enum jta_endpoint_audience aud, char *out, size_t outsz)
{
	int	 n;

	if ((size_t)aud >= NAUD)
		aud = JTA_ENDPOINT_AUD_API;
	n = snprintf(out, outsz, "%s/.well-known/oauth-protected-resource%s",
	    public_url, paths[aud]);
	if (n < 0 || (size_t)n >= outsz) {
		if (outsz > 0)
			out[0] = '\0';
		return JTA_ERR_INTERNAL;
	}
	return JTA_OK;
}

enum jta_err
jta_authz_resource_audience(const char *public_url, const char *resource,
    enum jta_endpoint_audience *aud, struct jta_error *err)
{
	struct jta_url	 u;
	struct jta_error e;
	char		 want[JTA_LIMIT_URL + 1];
	size_t		 i, pl;

	*aud = JTA_ENDPOINT_AUD_API;
	memset(&e, 0, sizeof(e));
	/* RFC 8707 §2: an absolute URI without a fragment; jta_url says
	 * what an absolute URL of ours is. */
	if (jta_url_parse(resource, "resource", &u, &e) != JTA_OK ||
	    u.has_fragment)
		return jta_error_set(err, JTA_ERR_INPUT, 400, "invalid_target",
		    "resource must be an absolute URL without a fragment "
		    "(RFC 8707 section 2): %s/mcp for MCP, %s for the API",
		    public_url, public_url);
	for (i = 0; i < NAUD; i++) {
		if (jta_authz_resource(public_url, (enum jta_endpoint_audience)
		    i, want, sizeof(want)) != JTA_OK)
			continue;
		pl = strlen(want);
		/* The API's resource is the origin of public_url: a URL
		 * parser writes it with a trailing '/' (WHATWG URL's href),
		 * so that spelling names it too. */
		if (strcmp(resource, want) == 0 || (i == JTA_ENDPOINT_AUD_API &&
		    strncmp(resource, want, pl) == 0 &&
		    strcmp(resource + pl, "/") == 0)) {
			*aud = (enum jta_endpoint_audience)i;
			return JTA_OK;
		}
	}
	return jta_error_set(err, JTA_ERR_INPUT, 400, "invalid_target",
	    "resource names no resource of this server: use %s/mcp for MCP, "
	    "%s for the API", public_url, public_url);
}

json_t *
jta_authz_resource_metadata(const char *public_url,
    enum jta_endpoint_audience aud)
{
	char	 r[JTA_LIMIT_URL + 1];

	if (jta_authz_resource(public_url, aud, r, sizeof(r)) != JTA_OK)
		return NULL;
	/* RFC 9728 §2; the issuer is public_url (jta_authz_metadata). */
	return json_pack("{s:s, s:[s], s:[s], s:[s], s:s, s:s}",
	    "resource", r,
	    "authorization_servers", public_url,
	    "scopes_supported", JTA_AUTHZ_SCOPE,
	    "bearer_methods_supported", "header",
	    "resource_name", aud == JTA_ENDPOINT_AUD_MCP ?
	    "Jira Ticket Assistant (MCP)" : "Jira Ticket Assistant (API)",
	    "resource_documentation", public_url);
}

enum jta_err
jta_authz_cors(struct jta_resp *resp)
{
	return jta_resp_header(resp, "Access-Control-Allow-Origin", "*");
}

int
jta_authz_preflight(const struct jta_req *req, struct jta_resp *resp,
    const char *methods, enum jta_err *rc)
{
	if (strcmp(req->method_name, "OPTIONS") != 0)
		return 0;
	if ((*rc = jta_authz_cors(resp)) == JTA_OK &&
	    (*rc = jta_resp_header(resp, "Access-Control-Allow-Methods",
	    methods)) == JTA_OK &&
	    (*rc = jta_resp_header(resp, "Access-Control-Allow-Headers",
	    "Authorization, Content-Type, MCP-Protocol-Version")) == JTA_OK &&
	    (*rc = jta_resp_header(resp, "Access-Control-Max-Age",
	    "600")) == JTA_OK)
		*rc = jta_resp_empty(resp, 204);
	return 1;
}

enum jta_err
jta_authz_challenge(const char *public_url, enum jta_endpoint_audience aud,
    int invalid_token, char *out, size_t outsz)
{
	char	 m[JTA_LIMIT_URL + 1];
	int	 n;

	if (jta_authz_resource_metadata_url(public_url, aud, m, sizeof(m)) !=
	    JTA_OK)
		return JTA_ERR_INTERNAL;
	/* RFC 6750 §3 (error only when a token was sent and refused, §3.1),
	 * RFC 9728 §5.1 (resource_metadata), the MCP authorization spec
	 * (scope: what to ask for). */
	n = snprintf(out, outsz, "Bearer realm=\"jta\"%s, resource_metadata="
	    "\"%s\", scope=\"" JTA_AUTHZ_SCOPE "\"", invalid_token ?
	    ", error=\"invalid_token\"" : "", m);
	if (n < 0 || (size_t)n >= outsz) {
		if (outsz > 0)
			out[0] = '\0';
		return JTA_ERR_INTERNAL;
	}
	return JTA_OK;
}
