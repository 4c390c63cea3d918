/*
 * Client ID Metadata Documents for our authorization server
 * (jta_authz_cimd_client in jta_authz.h), after
 * draft-ietf-oauth-client-id-metadata-document-00 as the MCP authorization
 * specification (2025-11-25, "Client ID Metadata Documents") cites it:
 * the client_id is an https URL with a path; the document there is JSON
 * whose client_id equals that URL exactly, and its redirect_uris are
 * honoured exactly; the server fetches it safely and may cache it per HTTP
 * caching (RFC 9111 §5.2.2).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "jta_authz.h"
#include "jta_authz_int.h"
#include "jta_http.h"
#include "jta_log.h"
#include "jta_req.h"
#include "jta_store_authz.h"
#include "jta_text.h"
#include "jta_url.h"

#define REFUSED	"This sign-in link names its application by the address " \
	"of a description of it, and that description cannot be used"

void
jta_authz_set_cimd(struct jta_authz *az, const struct jta_authz_cimd *c)
{
	az->cimd = *c;
}

int
jta_authz_is_cimd_id(const char *client_id)
{
	return client_id != NULL && strncmp(client_id, "https://", 8) == 0;
}

static enum jta_err
refuse(struct jta_error *err, const char *why)
{
	return jta_error_set(err, JTA_ERR_NOTFOUND, 400, "client_id",
	    REFUSED " (%s). Tell the application's makers, or the operator.",
	    why);
}

/* The draft's §3 rules on the URL: https, a path other than "/", no
 * fragment, user name or password, no query (SHOULD NOT: refused). */
static int
urlok(const char *url)
{
	struct jta_url	 u;

	if (strlen(url) > JTA_LIMIT_CLIENT_ID ||
	    jta_url_parse(url, "client_id", &u, NULL) != JTA_OK)
		return 0;
	return strcmp(u.scheme, "https") == 0 && !u.userinfo &&
	    !u.has_query && !u.has_fragment && strcmp(u.path, "/") != 0 &&
	    strstr(u.path, "/./") == NULL && strstr(u.path, "/../") == NULL;
}

int64_t
jta_authz_cimd_max_age(const char *cc)
{
	const char	*p = cc, *e;
	uint64_t	 n;
	int64_t		 age = JTA_LIMIT_CIMD_DEFAULT_AGE;
	size_t		 len;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		len = strcspn(p, ",");
		e = p + len;
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if ((len == 8 && strncasecmp(p, "no-store", 8) == 0) ||
		    (len == 8 && strncasecmp(p, "no-cache", 8) == 0))
			return 0;
		if (len >= 8 && strncasecmp(p, "max-age=", 8) == 0) {
			/* RFC 9111 §1.2.2: delta-seconds is digits; one too
			 * large to read is "a very long time", so the cap. */
			if (len == 8 || strspn(p + 8, "0123456789") < len - 8)
				return 0;	/* unreadable: keep nothing */
			if (len - 8 > 10 || jta_text_parse_uint(p + 8, len - 8,
			    UINT32_MAX, &n) != 0 || n > JTA_LIMIT_CIMD_MAX_AGE)
				age = JTA_LIMIT_CIMD_MAX_AGE;
			else
				age = (int64_t)n;
		}
		p = e;
	}
	return age;
}

/* Check the fetched document of url: the draft's rules, then
 * registration's.  name (namesz) and *uris on success. */
static enum jta_err
document(const char *url, const struct jta_http_fetched *got, char *name,
    size_t namesz, json_t **uris, struct jta_error *err)
{
	const json_t	*v;
	const char	*nm;
	struct jta_error e;
	json_t		*doc = NULL;
	enum jta_err	 rc;
	size_t		 tl;
	int		 pub = 0;

	memset(&e, 0, sizeof(e));
	tl = strcspn(got->content_type, "; \t");
	if (tl != strlen("application/json") ||
	    strncasecmp(got->content_type, "application/json", tl) != 0)
		return refuse(err, "it is not served as application/json");
	if (got->body == NULL || jta_req_parse_json(got->body, got->len, &doc,
	    &e) != JTA_OK) {
		rc = refuse(err, "it is not a JSON object");
		goto out;
	}
	v = json_object_get(doc, "client_id");
	if (!json_is_string(v) || strcmp(json_string_value(v), url) != 0) {
		/* §4.1: the document's client_id MUST equal the URL. */
		rc = refuse(err, "its client_id is not its own address");
		goto out;
	}
	if (json_object_get(doc, "client_secret") != NULL ||
	    json_object_get(doc, "client_secret_expires_at") != NULL) {
		/* §4.1: no shared secret in a public document. */
		rc = refuse(err, "it holds a client secret");
		goto out;
	}
	if ((v = json_object_get(doc, "token_endpoint_auth_method")) != NULL &&
	    (!json_is_string(v) || strcmp(json_string_value(v), "none") !=
	    0)) {
		rc = refuse(err, "its token_endpoint_auth_method is not none");
		goto out;
	}
	if (jta_authz_meta_check(doc, uris, &nm, &pub, &e) != JTA_OK) {
		rc = refuse(err, strcmp(e.field, "invalid_redirect_uri") == 0 ?
		    "its redirect_uris are missing or not valid" :
		    "its metadata is not valid");
		goto out;
	}
	snprintf(name, namesz, "%s", nm);
	rc = JTA_OK;
out:
	json_decref(doc);
	return rc;
}

enum jta_err
jta_authz_cimd_client(struct jta_authz *az, const char *url, int64_t now,
    char *name, size_t namesz, json_t **uris, struct jta_error *err)
{
	struct jta_http_fetch f;
	struct jta_http_fetched got;
	struct jta_error e;
	enum jta_err	 rc;
	int64_t		 age;

	*uris = NULL;
	name[0] = '\0';
	memset(&got, 0, sizeof(got));
	memset(&e, 0, sizeof(e));
	if (!az->cimd.enabled)
		return refuse(err, "this server does not use such "
		    "descriptions");
	if (!urlok(url))
		return refuse(err, "its address is not an https URL with a "
		    "path and without a query or fragment");
	rc = jta_store_cimd_get(az->st, url, now, name, namesz, uris, &e);
	if (rc != JTA_ERR_NOTFOUND) {
		if (rc != JTA_OK)
			*err = e;
		return rc;
	}
	memset(&f, 0, sizeof(f));
	f.url = url;
	f.max_bytes = JTA_LIMIT_CIMD_BYTES;
	f.connect_ms = JTA_LIMIT_CIMD_CONNECT_MS;
	f.total_ms = JTA_LIMIT_CIMD_TOTAL_MS;
	f.ca_file = az->cimd.ca_file;
	f.allow_loopback = az->cimd.allow_loopback;
	if (jta_http_fetch_public(&f, &got, &e) != JTA_OK) {
		jta_info("oauth: client metadata document refused (%s)",
		    e.field);
		return refuse(err, e.detail);
	}
	if ((rc = document(url, &got, name, namesz, uris, err)) != JTA_OK) {
		jta_info("oauth: client metadata document refused: %s",
		    err->detail);
		goto out;
	}
	age = jta_authz_cimd_max_age(got.cache_control);
	if (age > 0 && (rc = jta_store_cimd_put(az->st, url, name, *uris, now,
	    now + age, JTA_LIMIT_CIMD_ROWS, err)) != JTA_OK)
		goto out;
	jta_info("oauth: client metadata document fetched, kept %lld s",
	    (long long)age);
	rc = JTA_OK;
out:
	if (rc != JTA_OK) {
		json_decref(*uris);
		*uris = NULL;
	}
	jta_http_fetched_free(&got);
	return rc;
}
