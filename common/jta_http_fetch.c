/*
 * A GET of a document on someone else's server (jta_http_fetch_public in
 * jta_http.h): a Client ID Metadata Document, or a file a person hands
 * the assistant (an attachment, jta_attach.h).  The URL comes from a
 * stranger, so the fetch must not become a way into our own network
 * (server-side request forgery, OWASP SSRF Prevention Cheat Sheet): https
 * only, no proxy, no redirect followed, connect and total time caps, our
 * own size cap, and the address libcurl actually connects to is checked in
 * its open-socket callback (after its own resolution, so a name that
 * resolves to a private address, or changes between a check and the
 * connect, is refused all the same).  For attachments, the host must also
 * be on the operator's allow-list, and a redirect is followed by hand, one
 * hop at a time, only to an https URL on that list, a bounded number of
 * times, the total time cap covering every hop.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>
#include <ctype.h>

#include <curl/curl.h>

#include "jta_http.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_text.h"

/* What one fetch's callbacks share. */
struct fetch {
	const struct jta_http_fetch *f;
	struct jta_http_fetched *out;
	size_t		 cap;
	int		 over;		/* the body passed f->max_bytes */
	int		 refused;	/* an address was refused */
};

/* The longest host name (RFC 1035 §2.3.4) and port we compare. */
#define HOSTMAX	255

int
jta_http_host_allowed(const char *list, const char *host, long port)
{
	const char	*p = list, *e, *colon, *q;
	size_t		 hl, n;
	uint64_t	 want;

	if (list == NULL || host == NULL || (hl = strlen(host)) == 0 ||
	    hl > HOSTMAX)
		return 0;
	while (*p != '\0') {
		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		n = strcspn(p, " \t,");
		e = p + n;
		/* "host" means port 443; "host:port" that port only.  An
		 * IPv6 literal is written "[::1]:port". */
		for (q = e; q > p && q[-1] != ':' && q[-1] != ']'; q--)
			;
		colon = q > p && q[-1] == ':' ? q - 1 : NULL;
		want = 443;
		/* A bad port makes an entry that matches nothing. */
		if (colon != NULL) {
			if (jta_text_parse_uint(colon + 1,
			    (size_t)(e - colon - 1), 65535, &want) != 0)
				want = 0;
			n = (size_t)(colon - p);
		}
		if (want != 0 && (uint64_t)port == want && n == hl &&
		    strncasecmp(p, host, hl) == 0)
			return 1;
		p = e;
	}
	return 0;
}

/* Check url (NUL-terminated) for one hop: https, no userinfo, and, when
 * f->hosts is set, its host and port on the list. */
static enum jta_err
hopcheck(const struct jta_http_fetch *f, const char *url,
    struct jta_error *err)
{
	CURLU		*u = NULL;
	char		*host = NULL, *user = NULL, *port = NULL;
	uint64_t	 pn = 443;
	enum jta_err	 rc;

	if (strncasecmp(url, "https://", 8) != 0)
		return jta_error_set(err, JTA_ERR_INPUT, 400, "https",
		    "the URL must be https");
	if ((u = curl_url()) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 400, "url",
		    "its address is not a URL");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 400, "url",
		    "its address carries a user name");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
	    jta_text_parse_uint(port, strlen(port), 65535, &pn) != 0) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 400, "url",
		    "its address has a bad port");
		goto out;
	}
	if (f->hosts != NULL &&
	    !jta_http_host_allowed(f->hosts, host, (long)pn)) {
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 400, "host",
		    "its host is not one this server fetches files from");
		goto out;
	}
	rc = JTA_OK;
out:
	curl_free(host);
	curl_free(user);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

/* 1 when the IPv4 address a (4 bytes, network order) is one a stranger's
 * document may live at. */
static int
v4ok(const unsigned char *a, int allow_loopback)
{
	if (a[0] == 127)		/* loopback, RFC 1122 §3.2.1.3 */
		return allow_loopback;
	return !(a[0] == 0 ||		/* "this network", unspecified */
	    a[0] == 10 ||		/* private, RFC 1918 */
	    (a[0] == 100 && (a[1] & 0xc0) == 64) ||	/* CGN, RFC 6598 */
	    (a[0] == 169 && a[1] == 254) ||		/* link-local */
	    (a[0] == 172 && (a[1] & 0xf0) == 16) ||	/* RFC 1918 */
	    (a[0] == 192 && a[1] == 0 && a[2] == 0) ||	/* RFC 6890 */
	    (a[0] == 192 && a[1] == 168) ||		/* RFC 1918 */
	    (a[0] == 198 && (a[1] & 0xfe) == 18) ||	/* benchmarking */
	    a[0] >= 224);		/* multicast, reserved, broadcast */
}

int
jta_http_addr_public(int family, const void *addr, int allow_loopback)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };
	static const unsigned char zero[16];
	unsigned char	 a[16];

	if (family == AF_INET) {
		memcpy(a, addr, 4);
		return v4ok(a, allow_loopback);
	}
	if (family != AF_INET6)
		return 0;
	memcpy(a, addr, 16);
	/* An IPv4 address inside an IPv6 one is judged as itself:
	 * IPv4-mapped (RFC 4291 §2.5.5.2), NAT64 (RFC 6052 §2.1). */
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return v4ok(a + 12, allow_loopback);
	/* 6to4 (RFC 3056 §2): 2002:V4ADDR::/48 reaches that IPv4 host. */
	if (a[0] == 0x20 && a[1] == 0x02)
		return v4ok(a + 2, 0);
	if (memcmp(a, zero, 15) == 0 && a[15] == 1)	/* ::1 */
		return allow_loopback;
	return !(memcmp(a, zero, 12) == 0 ||	/* ::, IPv4-compatible */
	    a[0] == 0xff ||			/* multicast */
	    (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||	/* link-local */
	    (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) ||	/* site-local */
	    (a[0] & 0xfe) == 0xfc);		/* unique local, RFC 4193 */
}

/* libcurl's open-socket callback: the address it is about to connect to,
 * after its own resolution.  CURL_SOCKET_BAD refuses it. */
static curl_socket_t
opensock(void *arg, curlsocktype purpose, struct curl_sockaddr *sa)
{
	struct fetch	*c = arg;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
	int		 ok = 0;

	if (purpose == CURLSOCKTYPE_IPCXN && sa->family == AF_INET &&
	    sa->addrlen >= sizeof(v4)) {
		memcpy(&v4, &sa->addr, sizeof(v4));
		ok = jta_http_addr_public(AF_INET, &v4.sin_addr,
		    c->f->allow_loopback);
	} else if (purpose == CURLSOCKTYPE_IPCXN && sa->family == AF_INET6 &&
	    sa->addrlen >= sizeof(v6)) {
		memcpy(&v6, &sa->addr, sizeof(v6));
		ok = jta_http_addr_public(AF_INET6, &v6.sin6_addr,
		    c->f->allow_loopback);
	}
	if (!ok) {
		c->refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(sa->family, sa->socktype, sa->protocol);
}

static size_t
onbody(char *p, size_t size, size_t n, void *arg)
{
	struct fetch	*c = arg;
	struct jta_http_fetched *o = c->out;
	size_t		 len = size * n, want;
	char		*nb;

	if (size != 0 && len / size != n)
		return 0;
	if (len > c->f->max_bytes - o->len) {
		c->over = 1;
		return 0;	/* CURLE_WRITE_ERROR stops the transfer */
	}
	/* Grow by doubling, up to max_bytes + 1 (the NUL): a cap of
	 * megabytes is not allocated for a small file. */
	if (o->len + len + 1 > c->cap) {
		want = c->cap < 4096 ? 4096 : c->cap;
		while (want < o->len + len + 1 && want <= c->f->max_bytes / 2)
			want *= 2;
		if (want < o->len + len + 1 || want > c->f->max_bytes + 1)
			want = c->f->max_bytes + 1;
		if ((nb = realloc(o->body, want)) == NULL)
			return 0;
		o->body = nb;
		c->cap = want;
	}
	memcpy(o->body + o->len, p, len);
	o->len += len;
	o->body[o->len] = '\0';
	return len;
}

/* Keep the value of header name (with its ':') into dst (dstsz bytes),
 * when line is that header and the value fits. */
static void
keep(const char *line, size_t len, const char *name, char *dst, size_t dstsz)
{
	size_t	 nl = strlen(name);

	if (len <= nl || strncasecmp(line, name, nl) != 0)
		return;
	line += nl;
	len -= nl;
	while (len > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n' ||
	    line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (len < dstsz && memchr(line, '\0', len) == NULL) {
		memcpy(dst, line, len);
		dst[len] = '\0';
	}
}

static size_t
onheader(char *p, size_t size, size_t n, void *arg)
{
	struct fetch	*c = arg;
	size_t		 len = size * n;

	if (size != 0 && len / size != n)
		return 0;
	keep(p, len, "cache-control:", c->out->cache_control,
	    sizeof(c->out->cache_control));
	keep(p, len, "content-type:", c->out->content_type,
	    sizeof(c->out->content_type));
	return len;
}

void
jta_http_fetched_free(struct jta_http_fetched *out)
{
	if (out == NULL)
		return;
	free(out->body);
	out->body = NULL;
	out->len = 0;
}

/* One GET of url within f's bounds, total_ms at most; a 3xx is returned
 * as such (out->status), with the absolute Location in next (nextsz
 * bytes, "" when there is none or it does not fit), for the caller to
 * judge.  *spent_ms: the time this hop took. */
static enum jta_err
hop(const struct jta_http_fetch *f, const char *url, long total_ms,
    struct jta_http_fetched *out, char *next, size_t nextsz, long *spent_ms,
    struct jta_error *err)
{
	struct curl_slist *hdrs = NULL, *resolve = NULL;
	struct fetch	 c;
	CURL		*h = NULL;
	CURLcode	 cc;
	curl_off_t	 us = 0;
	char		*loc = NULL;
	char		 accept[128];
	enum jta_err	 rc = JTA_ERR_UPSTREAM;

	memset(&c, 0, sizeof(c));
	c.f = f;
	c.out = out;
	next[0] = '\0';
	*spent_ms = 0;
	snprintf(accept, sizeof(accept), "Accept: %s",
	    f->accept != NULL ? f->accept : "application/json");
	if ((h = curl_easy_init()) == NULL ||
	    (hdrs = curl_slist_append(NULL, accept)) == NULL ||
	    (f->test_resolve != NULL && (resolve = curl_slist_append(NULL,
	    f->test_resolve)) == NULL)) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    /* Never through a proxy: the address checked must be the
	     * document's, not the proxy's. */
	    curl_easy_setopt(h, CURLOPT_PROXY, "") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	    f->connect_ms < total_ms ? f->connect_ms : total_ms) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total_ms) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)f->max_bytes) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_USERAGENT, PACKAGE_NAME "/"
	    PACKAGE_VERSION) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, opensock) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &c) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, onbody) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, &c) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, onheader) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HEADERDATA, &c) != CURLE_OK ||
	    (resolve != NULL &&
	    curl_easy_setopt(h, CURLOPT_RESOLVE, resolve) != CURLE_OK) ||
	    (f->ca_file != NULL && f->ca_file[0] != '\0' ?
	    curl_easy_setopt(h, CURLOPT_CAINFO, f->ca_file) != CURLE_OK :
	    (jta_http_ca_lazy() &&
	    curl_easy_setopt(h, CURLOPT_CAINFO, (char *)NULL) != CURLE_OK))) {
		rc = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the HTTP client could not be set up");
		goto out;
	}
	cc = curl_easy_perform(h);
	if (curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &us) == CURLE_OK &&
	    us > 0)
		*spent_ms = (long)(us / 1000);
	if (c.refused) {
		jta_warn("fetch: refused to connect to a private, loopback or "
		    "special address");
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 400, "address",
		    "its host is at a private, loopback or special address");
		goto out;
	}
	if (c.over || cc == CURLE_FILESIZE_EXCEEDED) {
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 400, "size",
		    "it is larger than %zu bytes", f->max_bytes);
		goto out;
	}
	if (cc != CURLE_OK) {
		jta_warn("fetch: %s", curl_easy_strerror(cc));
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 400,
		    cc == CURLE_OPERATION_TIMEDOUT ? "timeout" : "fetch",
		    "%s", cc == CURLE_OPERATION_TIMEDOUT ? "it took too long "
		    "to fetch" : "it could not be fetched over https (or its "
		    "answer was cut short)");
		goto out;
	}
	if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status) !=
	    CURLE_OK)
		out->status = 0;
	if (out->status >= 300 && out->status < 400 &&
	    curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK &&
	    loc != NULL && strlen(loc) < nextsz)
		snprintf(next, nextsz, "%s", loc);
	rc = JTA_OK;
out:
	curl_slist_free_all(hdrs);
	curl_slist_free_all(resolve);
	if (h != NULL)
		curl_easy_cleanup(h);
	return rc;
}

enum jta_err
jta_http_fetch_public(const struct jta_http_fetch *f,
    struct jta_http_fetched *out, struct jta_error *err)
{
	char		 url[JTA_LIMIT_FETCH_URL + 1], next[sizeof(url)];
	long		 left = f->total_ms, spent;
	int		 hops = 0;
	enum jta_err	 rc;

	memset(out, 0, sizeof(out[0]));
	if (strlen(f->url) >= sizeof(url))
		return jta_error_set(err, JTA_ERR_INPUT, 400, "url",
		    "its address is longer than %d bytes",
		    JTA_LIMIT_FETCH_URL);
	snprintf(url, sizeof(url), "%s", f->url);
	for (;;) {
		if ((rc = hopcheck(f, url, err)) != JTA_OK)
			goto out;
		if ((rc = hop(f, url, left, out, next, sizeof(next), &spent,
		    err)) != JTA_OK)
			goto out;
		if (out->status < 300 || out->status >= 400)
			break;
		if (f->max_redirects <= 0) {
			rc = jta_error_set(err, JTA_ERR_UPSTREAM, 400,
			    "redirect", "it answered with a redirect, which "
			    "is not followed");
			goto out;
		}
		if (++hops > f->max_redirects || next[0] == '\0') {
			rc = jta_error_set(err, JTA_ERR_UPSTREAM, 400,
			    "redirect", "it answered with more than %d "
			    "redirects, or one without a usable Location",
			    f->max_redirects);
			goto out;
		}
		/* The next hop is judged afresh (hopcheck, the address
		 * check) and shares what is left of the time cap. */
		left -= spent;
		if (left <= 0) {
			rc = jta_error_set(err, JTA_ERR_UPSTREAM, 400,
			    "timeout", "it took too long to fetch");
			goto out;
		}
		jta_http_fetched_free(out);
		memset(out, 0, sizeof(out[0]));
		snprintf(url, sizeof(url), "%s", next);
	}
	if (out->status != 200) {
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 400, "status",
		    "it answered HTTP %ld, not 200", out->status);
		goto out;
	}
	rc = JTA_OK;
out:
	if (rc != JTA_OK)
		jta_http_fetched_free(out);
	return rc;
}
