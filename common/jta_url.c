/*
 * URLs through libcurl's URL API (jta_url.h).  libcurl 7.88 (Debian 12):
 * curl_url_set without CURLU_DEFAULT_SCHEME or CURLU_GUESS_SCHEME (so
 * "//host" and "host/x" are not URLs), with CURLU_PATH_AS_IS (the path is
 * what was written: no dot segments removed behind our back).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "jta_url.h"

static enum jta_err
bad(struct jta_error *err, const char *field, const char *why)
{
	return jta_error_set(err, JTA_ERR_INPUT, 422, field, "%s", why);
}

/* 1 for a byte RFC 3986 lets appear in a URI (§2: unreserved, reserved
 * and '%'), i.e. printable ASCII but for blanks and "<>\^`{|}. */
static int
uribyte(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("\"<>\\^`{|}", c) == NULL;
}

/* Copy a part of u into buf (bufsz bytes).  1 when present, 0 when
 * absent, -1 when it does not fit or libcurl could not allocate. */
static int
part(CURLU *u, CURLUPart what, char *buf, size_t bufsz)
{
	char		*v = NULL;
	CURLUcode	 rc;
	size_t		 len;
	int		 ret;

	buf[0] = '\0';
	rc = curl_url_get(u, what, &v, 0);
	if (rc == CURLUE_OUT_OF_MEMORY)
		return -1;
	if (rc != CURLUE_OK || v == NULL)
		return 0;
	len = strlen(v);
	if (len >= bufsz)
		ret = -1;
	else {
		memcpy(buf, v, len + 1);
		ret = 1;
	}
	curl_free(v);
	return ret;
}

/* 1 when h (lower case) is a DNS name or an IPv4 address: labels of 1 to
 * 63 letters, digits and '-', not starting or ending with '-'. */
static int
dnsname(const char *h)
{
	size_t	 n = 0;
	const char *p;

	if (*h == '\0' || strlen(h) > 253)
		return 0;
	for (p = h; ; p++) {
		if (*p == '.' || *p == '\0') {
			if (n == 0 || n > 63 || p[-1] == '-')
				return 0;
			if (*p == '\0')
				return 1;
			n = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-'))
			return 0;
		if (n == 0 && *p == '-')
			return 0;
		n++;
	}
}

/* 1 when h is a bracketed IPv6 literal (libcurl checked its syntax). */
static int
ipv6(const char *h)
{
	size_t	 n = strlen(h), i;

	if (n < 4 || h[0] != '[' || h[n - 1] != ']')
		return 0;
	for (i = 1; i < n - 1; i++)
		if (!((h[i] >= '0' && h[i] <= '9') ||
		    (h[i] >= 'a' && h[i] <= 'f') || h[i] == ':' || h[i] == '.'))
			return 0;
	return 1;
}

enum jta_err
jta_url_parse(const char *s, const char *field, struct jta_url *out,
    struct jta_error *err)
{
	CURLU		*u = NULL;
	CURLUcode	 cu;
	enum jta_err	 rc;
	char		*canon = NULL, port[8], zone[8];
	size_t		 len, clen, i;
	unsigned long	 pn;
	int		 r;

	memset(out, 0, sizeof(*out));
	len = strlen(s);
	if (len == 0) {
		rc = bad(err, field, "must be an absolute http or https URL");
		goto out;
	}
	if (len > JTA_LIMIT_URL) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, field,
		    "a URL is at most %d bytes", JTA_LIMIT_URL);
		goto out;
	}
	for (i = 0; i < len; i++)
		if (!uribyte((unsigned char)s[i])) {
			rc = bad(err, field, "a URL is printable ASCII "
			    "(RFC 3986): no blanks, control characters, "
			    "raw non-ASCII, quotes, '<', '>', '\\' or braces");
			goto out;
		}
	if ((u = curl_url()) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	cu = curl_url_set(u, CURLUPART_URL, s, CURLU_PATH_AS_IS);
	if (cu == CURLUE_OUT_OF_MEMORY) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if (cu != CURLUE_OK) {
		rc = bad(err, field, "must be an absolute http or https URL "
		    "with a host");
		goto out;
	}
	if ((r = part(u, CURLUPART_SCHEME, out->scheme,
	    sizeof(out->scheme))) < 0 || (strcmp(out->scheme, "https") != 0 &&
	    strcmp(out->scheme, "http") != 0)) {
		rc = bad(err, field, "must be an http or https URL");
		goto out;
	}
	/* Written as libcurl writes it back: nothing it would read
	 * differently from how it looks.  A URL without a path may leave
	 * out the "/" libcurl adds. */
	if ((cu = curl_url_get(u, CURLUPART_URL, &canon, 0)) != CURLUE_OK) {
		rc = cu == CURLUE_OUT_OF_MEMORY ? JTA_ERR_NOMEM :
		    bad(err, field, "must be an absolute http or https URL");
		goto out;
	}
	clen = strlen(canon);
	if (!(clen == len && memcmp(canon, s, len) == 0) &&
	    !(clen == len + 1 && canon[len] == '/' &&
	    memcmp(canon, s, len) == 0)) {
		rc = bad(err, field, "is not written the way it is read "
		    "(an empty or zero-padded port, percent-encoding in the "
		    "host, a short IPv4 address, an empty fragment or a "
		    "wrong number of slashes)");
		goto out;
	}
	if ((r = part(u, CURLUPART_HOST, out->host, sizeof(out->host))) <= 0) {
		rc = r < 0 ? bad(err, field, "the host is too long") :
		    bad(err, field, "must have a host");
		goto out;
	}
	for (i = 0; out->host[i] != '\0'; i++)
		if (out->host[i] >= 'A' && out->host[i] <= 'Z') {
			out->host[i] = (char)(out->host[i] - 'A' + 'a');
			out->host_upper = 1;
		}
	if (part(u, CURLUPART_ZONEID, zone, sizeof(zone)) != 0 ||
	    (!dnsname(out->host) && !ipv6(out->host))) {
		rc = bad(err, field, "the host must be a DNS name (letters, "
		    "digits, '-' and non-empty labels) or an IP address");
		goto out;
	}
	out->loopback = strcmp(out->host, "127.0.0.1") == 0 ||
	    strcmp(out->host, "[::1]") == 0 ||
	    strcmp(out->host, "localhost") == 0;
	if ((r = part(u, CURLUPART_PORT, port, sizeof(port))) < 0) {
		rc = bad(err, field, "the port must be from 1 to 65535");
		goto out;
	}
	if (r > 0) {
		pn = strtoul(port, NULL, 10);
		if (pn == 0 || pn > 65535) {
			rc = bad(err, field, "the port must be from 1 to "
			    "65535");
			goto out;
		}
		out->port = (unsigned)pn;
	}
	out->userinfo = part(u, CURLUPART_USER, port, sizeof(port)) != 0 ||
	    part(u, CURLUPART_PASSWORD, port, sizeof(port)) != 0 ||
	    part(u, CURLUPART_OPTIONS, port, sizeof(port)) != 0;
	if (part(u, CURLUPART_PATH, out->path, sizeof(out->path)) < 0 ||
	    (out->has_query = part(u, CURLUPART_QUERY, out->query,
	    sizeof(out->query))) < 0 ||
	    (out->has_fragment = part(u, CURLUPART_FRAGMENT, out->fragment,
	    sizeof(out->fragment))) < 0) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	rc = JTA_OK;
out:
	curl_free(canon);
	curl_url_cleanup(u);
	if (rc != JTA_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* The scheme rule: https, or plain http to the loopback only. */
static enum jta_err
scheme(const struct jta_url *u, const char *field, struct jta_error *err)
{
	if (strcmp(u->scheme, "https") == 0 || u->loopback)
		return JTA_OK;
	return bad(err, field, "must be https (plain http only to the "
	    "loopback: 127.0.0.1, [::1] or localhost)");
}

enum jta_err
jta_url_redirect_check(const char *uri, struct jta_error *err)
{
	static const char field[] = "redirect_uri";
	struct jta_url	*u = NULL;
	enum jta_err	 rc;

	if (strlen(uri) > JTA_LIMIT_REDIRECT_URI) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, field,
		    "a redirect URI is at most %d bytes",
		    JTA_LIMIT_REDIRECT_URI);
		goto out;
	}
	/* Before parsing: no reading of the URI may carry userinfo, a
	 * wildcard or a fragment, whatever a parser makes of it. */
	if (strpbrk(uri, "@*#") != NULL) {
		rc = bad(err, field, "a redirect URI has no user name, "
		    "wildcard or fragment ('@', '*' and '#' are refused)");
		goto out;
	}
	if ((u = malloc(sizeof(*u))) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if ((rc = jta_url_parse(uri, field, u, err)) != JTA_OK ||
	    (rc = scheme(u, field, err)) != JTA_OK)
		goto out;
	if (u->userinfo || u->has_fragment) {
		rc = bad(err, field, "a redirect URI has no user name or "
		    "fragment");
		goto out;
	}
	/* The scheme is lower case already (libcurl's form). */
	if (u->host_upper) {
		rc = bad(err, field, "a redirect URI has its host in lower "
		    "case");
		goto out;
	}
	rc = JTA_OK;
out:
	free(u);
	return rc;
}

int
jta_url_redirect_match(const char *presented, const char *registered)
{
	if (presented == NULL || registered == NULL)
		return 0;
	return strcmp(presented, registered) == 0 &&
	    jta_url_redirect_check(presented, NULL) == JTA_OK;
}

/* Site and base URLs: the scheme rule, no userinfo, query or fragment, no
 * single quote; a trailing '/' only when slash is 1. */
static enum jta_err
origin(const char *s, const char *field, int slash, struct jta_url *out,
    struct jta_error *err)
{
	struct jta_url	*u = NULL;
	enum jta_err	 rc;
	size_t		 len = strlen(s);

	if ((u = malloc(sizeof(*u))) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if ((rc = jta_url_parse(s, field, u, err)) != JTA_OK ||
	    (rc = scheme(u, field, err)) != JTA_OK)
		goto out;
	if (u->userinfo || u->has_query || u->has_fragment ||
	    strchr(s, '\'') != NULL) {
		rc = bad(err, field, "must have no user name, query, fragment "
		    "or quote");
		goto out;
	}
	if (!slash && s[len - 1] == '/') {
		rc = bad(err, field, "must not end with '/'");
		goto out;
	}
	if (out != NULL)
		memcpy(out, u, sizeof(*u));
	rc = JTA_OK;
out:
	free(u);
	return rc;
}

enum jta_err
jta_url_base_check(const char *s, const char *field, struct jta_url *out,
    struct jta_error *err)
{
	return origin(s, field, 0, out, err);
}

enum jta_err
jta_url_site_check(const char *s, const char *field, struct jta_url *out,
    struct jta_error *err)
{
	return origin(s, field, 1, out, err);
}

enum jta_err
jta_url_site_name(const char *url, char *out, size_t outsz)
{
	struct jta_url	*u = NULL;
	enum jta_err	 rc;
	size_t		 pl;
	int		 n;

	if (outsz > 0)
		out[0] = '\0';
	if ((u = malloc(sizeof(*u))) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if ((rc = jta_url_site_check(url, "site", u, NULL)) != JTA_OK)
		goto out;
	pl = strlen(u->path);
	while (pl > 0 && u->path[pl - 1] == '/')
		pl--;
	/* RFC 6454 §6.2's rule for the port, as jta_url_origin. */
	if (u->port != 0 && u->port != (strcmp(u->scheme, "https") == 0 ?
	    443u : 80u))
		n = snprintf(out, outsz, "%s:%u%.*s", u->host, u->port,
		    (int)pl, u->path);
	else
		n = snprintf(out, outsz, "%s%.*s", u->host, (int)pl, u->path);
	if (n < 0 || (size_t)n >= outsz) {
		rc = JTA_ERR_INTERNAL;
		goto out;
	}
	rc = JTA_OK;
out:
	if (rc != JTA_OK && outsz > 0)
		out[0] = '\0';
	free(u);
	return rc;
}

enum jta_err
jta_url_fetch_check(const char *url, struct jta_error *err)
{
	struct jta_url	*u = NULL;
	enum jta_err	 rc;

	if ((u = malloc(sizeof(*u))) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if ((rc = jta_url_parse(url, "url", u, err)) != JTA_OK ||
	    (rc = scheme(u, "url", err)) != JTA_OK)
		goto out;
	if (u->userinfo || u->has_fragment) {
		rc = bad(err, "url", "an upstream URL has no user name or "
		    "fragment");
		goto out;
	}
	rc = JTA_OK;
out:
	free(u);
	return rc;
}

enum jta_err
jta_url_origin(const struct jta_url *u, char *out, size_t outsz)
{
	int	 n;

	/* RFC 6454 §6.2: the port only when it is not the scheme's
	 * default. */
	if (u->port != 0 && u->port != (strcmp(u->scheme, "https") == 0 ?
	    443u : 80u))
		n = snprintf(out, outsz, "%s://%s:%u", u->scheme, u->host,
		    u->port);
	else
		n = snprintf(out, outsz, "%s://%s", u->scheme, u->host);
	if (n < 0 || (size_t)n >= outsz) {
		if (outsz > 0)
			out[0] = '\0';
		return JTA_ERR_INTERNAL;
	}
	return JTA_OK;
}

int
jta_url_same_origin(const char *origin, const char *base)
{
	struct jta_url	*u = NULL;
	char		 a[JTA_LIMIT_URL + 16], b[JTA_LIMIT_URL + 16];
	int		 same = 0;

	if ((u = malloc(sizeof(*u))) == NULL)
		goto out;
	if (jta_url_base_check(base, "public_url", u, NULL) != JTA_OK ||
	    jta_url_origin(u, b, sizeof(b)) != JTA_OK)
		goto out;
	/* An origin is scheme://host[:port], nothing after it. */
	if (jta_url_parse(origin, "Origin", u, NULL) != JTA_OK ||
	    u->userinfo || u->has_query || u->has_fragment ||
	    strcmp(u->path, "/") != 0 || origin[strlen(origin) - 1] == '/' ||
	    jta_url_origin(u, a, sizeof(a)) != JTA_OK)
		goto out;
	same = strcmp(a, b) == 0;
out:
	free(u);
	return same;
}

const char *
jta_url_base_path(const struct jta_url *u)
{
	return strcmp(u->path, "/") == 0 ? "" : u->path;
}
