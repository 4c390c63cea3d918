#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>
#ifdef HAVE_OPENSSL_INIT
#include <openssl/ssl.h>
#endif

#include "jta_http.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_metrics.h"
#include "jta_time.h"
#include "jta_url.h"

/* The handle kept between calls, so the connection to Atlassian is
 * reused (one process serves one request at a time). */
static CURL	*kept;

/* What the callbacks fill while a transfer runs. */
struct sink {
	char	*buf;
	size_t	 len, cap;
	int	 over;		/* the answer passed JTA_LIMIT_UPSTREAM_BODY */
	size_t	 limit;		/* 0, or the request's max_body */
	int	 cut;		/* stopped at limit */
	char	 retry[64];	/* the Retry-After value, if any */
	size_t	 retrylen;
	CURL	*h;		/* the transfer's handle (its Content-Length) */
};

/*
 * Debian's libcurl is built with LDAP and RTMP, and its libldap and
 * librtmp are built on GnuTLS, so every program loads GnuTLS and, since
 * GnuTLS 3.3.0, runs its global initialisation in a library constructor
 * at start: CPU detection, the crypto back-end (nettle, gmp) and the
 * PKCS #11 modules of p11-kit, about 640 KiB of pages touched in each
 * worker and each CGI start.  We never use GnuTLS: libcurl's TLS is
 * OpenSSL, and every transfer is limited to https and http
 * (CURLOPT_PROTOCOLS_STR), so no LDAP or RTMP code runs; if it ever did,
 * libldap and librtmp call gnutls_global_init themselves.  GnuTLS skips
 * the implicit call when the program defines this function returning 1
 * (its GNUTLS_SKIP_GLOBAL_INIT macro, gnutls.h; the GnuTLS manual,
 * "Initialization"; its weak default returns 0).  The program exports
 * it because a shared library it loads refers to it.
 */
int _gnutls_global_init_skip(void);

int
_gnutls_global_init_skip(void)
{
	return 1;
}

enum jta_err
jta_http_global_init(void)
{
	/* The bearer header is built in guarded memory (sodium_malloc). */
	if (sodium_init() < 0)
		return JTA_ERR_CRYPTO;
#ifdef HAVE_OPENSSL_INIT
	/*
	 * libcurl's TLS library, when it is OpenSSL 3, would load the error
	 * strings of libssl and libcrypto at curl_global_init: some 3,000
	 * strings, about 580 KiB of pages in every worker and CGI start, for
	 * a text we never show (we log curl_easy_strerror, never libcurl's
	 * error buffer).  The first OPENSSL_init_ssl call decides (each
	 * option runs once; OPENSSL_init_ssl(3), OPENSSL_init_crypto(3)), so
	 * it is made here, before libcurl's; the configuration file is still
	 * loaded as libcurl asks, so the system's TLS policy holds.
	 */
	{
		const curl_version_info_data *v;

		v = curl_version_info(CURLVERSION_NOW);
		if (v != NULL && v->ssl_version != NULL &&
		    strncmp(v->ssl_version, "OpenSSL/3", 9) == 0 &&
		    OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_SSL_STRINGS |
		    OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, NULL) != 1)
			return JTA_ERR_IO;
	}
#endif
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return JTA_ERR_IO;
	return JTA_OK;
}

/*
 * Trust anchors looked up as they are needed (issue 16: RSS per worker).
 * libcurl hands OpenSSL both its default CA bundle and its default CA
 * directory (Debian: /etc/ssl/certs/ca-certificates.crt and
 * /etc/ssl/certs, CURLINFO_CAINFO and CURLINFO_CAPATH); OpenSSL parses
 * every certificate of the bundle when a handle makes its first TLS
 * connection (about 140 of them: 0.9 MiB of heap in each worker, and
 * again for each new handle of jta_http_fetch), while in the directory
 * it opens only the files named by the hash of the issuer a chain needs
 * (X509_LOOKUP_hash_dir(3)).  Debian's update-ca-certificates writes the
 * bundle and the directory's hashed links from the same certificates,
 * so the anchors are the same (check_http verifies that every anchor of
 * the bundle is found in the directory).  So, when libcurl's TLS
 * library is OpenSSL and its default directory exists, the bundle is
 * dropped (CURLOPT_CAINFO set to NULL) and the directory alone is used;
 * verification stays on (CURLOPT_SSL_VERIFYPEER and VERIFYHOST keep
 * their defaults).  An explicit CA file (the *_test_ca_file keys) is
 * set as before.  CURLINFO_CAPATH needs libcurl 7.84.0; older ones keep
 * the bundle.
 */
int
jta_http_ca_lazy(void)
{
	static int	 known, lazy;
#if LIBCURL_VERSION_NUM >= 0x075400
	const curl_version_info_data *v;
	CURL		*h;
	char		*dir = NULL;
	struct stat	 sb;
#endif

	if (known)
		return lazy;
#if LIBCURL_VERSION_NUM >= 0x075400
	v = curl_version_info(CURLVERSION_NOW);
	if (v == NULL || v->ssl_version == NULL ||
	    strncmp(v->ssl_version, "OpenSSL/", 8) != 0) {
		known = 1;
		return lazy;
	}
	if ((h = curl_easy_init()) == NULL)
		return 0;	/* out of memory: the bundle, ask again */
	if (curl_easy_getinfo(h, CURLINFO_CAPATH, &dir) == CURLE_OK &&
	    dir != NULL && stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
		lazy = 1;
	curl_easy_cleanup(h);
#endif
	known = 1;
	return lazy;
}

void
jta_http_global_free(void)
{
	jta_http_stream_free();
	if (kept != NULL) {
		curl_easy_cleanup(kept);
		kept = NULL;
	}
	curl_global_cleanup();
}

void
jta_http_resp_free(struct jta_http_resp *resp)
{
	if (resp == NULL)
		return;
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}

/*
 * The answer's first allocation: its Content-Length and the terminating
 * NUL when the server sent one (a search page is 20 to 40 KB), so the
 * buffer is allocated once and touched no further than the answer; 16
 * KiB, doubled as needed, when it did not (chunked).  Doubling from 16
 * KiB touched 16 + 32 + 64 KiB of the heap for a 39 KB page (issue 16:
 * RSS per worker).  A Content-Length over the caps is not trusted: the
 * caps below still stop the transfer.
 */
static size_t
first_cap(const struct sink *s)
{
	curl_off_t	 cl = -1;

	if (s->h != NULL && curl_easy_getinfo(s->h,
	    CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK &&
	    cl > 0 && cl <= JTA_LIMIT_UPSTREAM_BODY &&
	    (s->limit == 0 || (size_t)cl <= s->limit))
		return (size_t)cl + 1;
	return 16384;
}

/*
 * Our own cap on the answer: Debian 12's libcurl does not enforce
 * CURLOPT_MAXFILESIZE on a transfer without Content-Length, so the write
 * callback counts and stops the transfer itself.
 */
static size_t
onbody(char *p, size_t size, size_t n, void *arg)
{
	struct sink	*s = arg;
	size_t		 len = size * n, ncap;
	char		*nb;

	if (size != 0 && len / size != n)
		return 0;
	/* A bounded read: keep what fits, then stop the transfer. */
	if (s->limit > 0 && len > s->limit - s->len) {
		len = s->limit - s->len;
		s->cut = 1;
	}
	if (len > JTA_LIMIT_UPSTREAM_BODY - s->len) {
		s->over = 1;
		return 0;	/* CURLE_WRITE_ERROR stops the transfer */
	}
	if (s->len + len + 1 > s->cap) {
		ncap = s->cap == 0 ? first_cap(s) : s->cap;
		while (ncap < s->len + len + 1)
			ncap *= 2;
		if (ncap > JTA_LIMIT_UPSTREAM_BODY + 1)
			ncap = JTA_LIMIT_UPSTREAM_BODY + 1;
		if ((nb = realloc(s->buf, ncap)) == NULL)
			return 0;
		s->buf = nb;
		s->cap = ncap;
	}
	memcpy(s->buf + s->len, p, len);
	s->len += len;
	s->buf[s->len] = '\0';
	return s->cut ? 0 : len;
}

/* Keep the Retry-After header of the last answer. */
static size_t
onheader(char *p, size_t size, size_t n, void *arg)
{
	struct sink	*s = arg;
	size_t		 len = size * n, vl;
	static const char name[] = "retry-after:";
	const char	*v;

	if (size != 0 && len / size != n)
		return 0;
	/* A new status line starts a new answer's headers. */
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0)
		s->retrylen = 0;
	if (len <= sizeof(name) - 1 ||
	    strncasecmp(p, name, sizeof(name) - 1) != 0)
		return len;
	v = p + sizeof(name) - 1;
	vl = len - (sizeof(name) - 1);
	while (vl > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' ||
	    v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
	if (vl < sizeof(s->retry)) {
		memcpy(s->retry, v, vl);
		s->retry[vl] = '\0';
		s->retrylen = vl;
	}
	return len;
}

/* Parse an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110
 * §5.6.7), the only date form a sender may generate. */
static int
httpdate(const char *v, size_t len, int64_t *out)
{
	static const char *const mons[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char		 iso[JTA_TIME_STRLEN];
	unsigned	 d, y, h, mi, s;
	int		 m, n = 0;
	char		 mon[4], wd[4];

	if (len != 29 || memcmp(v + 25, " GMT", 4) != 0)
		return -1;
	if (sscanf(v, "%3s, %2u %3s %4u %2u:%2u:%2u GMT%n", wd, &d, mon, &y,
	    &h, &mi, &s, &n) != 7 || n != 29)
		return -1;
	for (m = 0; m < 12; m++)
		if (strcmp(mon, mons[m]) == 0)
			break;
	if (m == 12)
		return -1;
	snprintf(iso, sizeof(iso), "%04u-%02d-%02uT%02u:%02u:%02uZ", y % 10000u,
	    m + 1, d % 100u, h % 100u, mi % 100u, s % 100u);
	return jta_time_parse(iso, strlen(iso), out);
}

long
jta_http_retry_after(const char *v, size_t len, int64_t now)
{
	int64_t		 when;
	long		 secs = 0;
	size_t		 i;

	if (len == 0)
		return -1;
	if (v[0] >= '0' && v[0] <= '9') {
		/* delay-seconds = 1*DIGIT; cap what we believe at a day. */
		for (i = 0; i < len; i++) {
			if (v[i] < '0' || v[i] > '9')
				return -1;
			if (secs < 86400)
				secs = secs * 10 + (v[i] - '0');
		}
		return secs > 86400 ? 86400 : secs;
	}
	if (httpdate(v, len, &when) != 0)
		return -1;
	if (when <= now)
		return 0;
	return when - now > 86400 ? 86400 : (long)(when - now);
}

int
jta_http_urlencode(const char *s, size_t len, char *buf, size_t bufsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t		 i, o = 0;
	unsigned char	 c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			if (o + 1 >= bufsz)
				return -1;
			buf[o++] = (char)c;
		} else {
			if (o + 3 >= bufsz)
				return -1;
			buf[o++] = '%';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	if (o >= bufsz)
		return -1;
	buf[o] = '\0';
	return 0;
}

int
jta_http_url_allowed(const char *url)
{
	/* The rule lives in jta_url (libcurl's own split of the URL). */
	return jta_url_fetch_check(url, NULL) == JTA_OK;
}

static long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Seconds on the monotonic clock, for the metrics' histogram. */
static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One attempt. */
static enum jta_err
attempt(const struct jta_http_req *req, struct sink *sink, long *status,
    struct jta_error *err)
{
	enum jta_err	 rc = JTA_ERR_NOMEM;
	struct curl_slist *hdrs = NULL, *nh;
	curl_mime	*mime = NULL;
	curl_mimepart	*part;
	char		*auth = NULL;
	struct jta_secret *authsec = NULL;
	char		 ctype[128];
	CURLcode	 cc;
	size_t		 alen;

	if (kept == NULL && (kept = curl_easy_init()) == NULL)
		goto out;
	curl_easy_reset(kept);
	sink->h = kept;
	snprintf(ctype, sizeof(ctype), "Accept: %s", req->accept != NULL &&
	    strpbrk(req->accept, "\r\n") == NULL ? req->accept :
	    "application/json");
	if ((nh = curl_slist_append(hdrs, ctype)) == NULL)
		goto out;
	hdrs = nh;
	/* No "Expect: 100-continue" round trip for our small bodies. */
	if ((nh = curl_slist_append(hdrs, "Expect:")) == NULL)
		goto out;
	hdrs = nh;
	if (req->content_type != NULL) {
		snprintf(ctype, sizeof(ctype), "Content-Type: %s",
		    req->content_type);
		if ((nh = curl_slist_append(hdrs, ctype)) == NULL)
			goto out;
		hdrs = nh;
	}
	if (req->bearer != NULL) {
		alen = sizeof("Authorization: Bearer ") + req->bearer->len;
		if ((authsec = jta_secret_new(alen)) == NULL)
			goto out;
		auth = (char *)authsec->buf;
		memcpy(auth, "Authorization: Bearer ", 22);
		memcpy(auth + 22, req->bearer->buf, req->bearer->len);
		auth[alen - 1] = '\0';
		if ((nh = curl_slist_append(hdrs, auth)) == NULL)
			goto out;
		hdrs = nh;
	}
	if (curl_easy_setopt(kept, CURLOPT_URL, req->url) != CURLE_OK ||
	    curl_easy_setopt(kept, CURLOPT_PROTOCOLS_STR, "https,http") !=
	    CURLE_OK ||
	    (jta_http_ca_lazy() &&
	    curl_easy_setopt(kept, CURLOPT_CAINFO, (char *)NULL) !=
	    CURLE_OK) ||
	    curl_easy_setopt(kept, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(kept, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(kept, CURLOPT_CONNECTTIMEOUT_MS,
	    req->timeout_ms < 5000 ? req->timeout_ms : 5000L) != CURLE_OK ||
	    curl_easy_setopt(kept, CURLOPT_TIMEOUT_MS, req->timeout_ms) !=
	    CURLE_OK ||
	    curl_easy_setopt(kept, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
	    curl_easy_setopt(kept, CURLOPT_USERAGENT, PACKAGE_NAME "/"
	    PACKAGE_VERSION) != CURLE_OK ||
	    curl_easy_setopt(kept, CURLOPT_WRITEFUNCTION, onbody) != CURLE_OK ||
	    curl_easy_setopt(kept, CURLOPT_WRITEDATA, sink) != CURLE_OK ||
	    curl_easy_setopt(kept, CURLOPT_HEADERFUNCTION, onheader) !=
	    CURLE_OK ||
	    curl_easy_setopt(kept, CURLOPT_HEADERDATA, sink) != CURLE_OK ||
	    curl_easy_setopt(kept, CURLOPT_CUSTOMREQUEST, req->method) !=
	    CURLE_OK ||
	    /* libcurl resends a request on its own when a kept connection
	     * turns out dead; for a create that could make a second ticket,
	     * so those get a connection of their own. */
	    curl_easy_setopt(kept, CURLOPT_FRESH_CONNECT, req->repeatable ?
	    0L : 1L) != CURLE_OK) {
		rc = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the HTTP client could not be set up");
		goto out;
	}
	if (req->body != NULL &&
	    (curl_easy_setopt(kept, CURLOPT_POSTFIELDS, req->body) !=
	    CURLE_OK || curl_easy_setopt(kept, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)req->bodylen) != CURLE_OK)) {
		rc = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the HTTP client could not be set up");
		goto out;
	}
	if (req->upload_path != NULL) {
		if ((nh = curl_slist_append(hdrs,
		    "X-Atlassian-Token: no-check")) == NULL)
			goto out;
		hdrs = nh;
		if ((mime = curl_mime_init(kept)) == NULL ||
		    (part = curl_mime_addpart(mime)) == NULL ||
		    curl_mime_name(part, "file") != CURLE_OK ||
		    curl_mime_filedata(part, req->upload_path) != CURLE_OK ||
		    curl_mime_filename(part, req->upload_name) != CURLE_OK ||
		    curl_mime_type(part, req->upload_type) != CURLE_OK ||
		    curl_easy_setopt(kept, CURLOPT_HTTPHEADER, hdrs) !=
		    CURLE_OK ||
		    curl_easy_setopt(kept, CURLOPT_MIMEPOST, mime) !=
		    CURLE_OK) {
			rc = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
			    "the HTTP client could not be set up");
			goto out;
		}
	}
	cc = curl_easy_perform(kept);
	/* Stopped at max_body on purpose: what was read is the answer
	 * (libcurl closes a connection whose answer was not read out). */
	if (sink->cut && cc == CURLE_WRITE_ERROR)
		cc = CURLE_OK;
	if (sink->over) {
		jta_log(JTA_LOG_WARN, "upstream answer over %d bytes: %s %s",
		    JTA_LIMIT_UPSTREAM_BODY, req->method, req->url);
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    "Jira's answer was larger than this server accepts");
		goto out;
	}
	if (cc != CURLE_OK) {
		jta_log(JTA_LOG_WARN, "upstream call failed: %s %s: %s",
		    req->method, req->url, curl_easy_strerror(cc));
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    cc == CURLE_OPERATION_TIMEDOUT ?
		    "Jira did not answer in time; try again in a moment" :
		    "Jira could not be reached; try again in a moment");
		/* A dead kept connection must not poison the next call. */
		curl_easy_cleanup(kept);
		kept = NULL;
		goto out;
	}
	if (curl_easy_getinfo(kept, CURLINFO_RESPONSE_CODE, status) !=
	    CURLE_OK) {
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    "Jira's answer could not be read");
		goto out;
	}
	rc = JTA_OK;
out:
	curl_slist_free_all(hdrs);
	jta_secret_free(authsec);	/* wipes the bearer copy */
	if (kept != NULL) {
		curl_easy_setopt(kept, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(kept, CURLOPT_MIMEPOST, NULL);
	}
	curl_mime_free(mime);
	return rc;
}

enum jta_err
jta_http_do(const struct jta_http_req *req, struct jta_http_resp *resp,
    struct jta_error *err)
{
	enum jta_err	 rc;
	struct sink	 sink;
	long		 start = now_ms(), status = 0, wait, ra;
	double		 t0;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	/* The rule is jta_url's; the prefix allow-list stays as defence in
	 * depth. */
	if (!jta_http_url_allowed(req->url)) {
		jta_log(JTA_LOG_ERROR, "refused to call a URL that is "
		    "neither https nor the loopback: %.80s", req->url);
		return jta_error_set(err, JTA_ERR_CONFIG, 500, NULL,
		    "the server's upstream address is misconfigured");
	}
	for (;;) {
		memset(&sink, 0, sizeof(sink));
		sink.limit = req->max_body < JTA_LIMIT_UPSTREAM_BODY ?
		    req->max_body : 0;
		resp->attempts++;
		t0 = now_s();
		rc = attempt(req, &sink, &status, err);
		resp->elapsed_ms = now_ms() - start;
		/* Every call to Atlassian, retries too; status 0: none. */
		jta_metrics_upstream(now_s() - t0,
		    rc == JTA_OK ? status : 0);
		if (rc != JTA_OK) {
			free(sink.buf);
			return rc;
		}
		ra = jta_http_retry_after(sink.retry, sink.retrylen,
		    jta_time_now());
		if (status != 429 && status != 503)
			break;
		/* RFC 9110 §10.2.3: 429 and 503 may say when to come
		 * back.  Wait when it fits the budget and sending again is
		 * harmless: the caller says so, or the answer is 429, which
		 * refuses the request unprocessed (RFC 6585 §4; Atlassian's
		 * rate limiter answers it before doing anything), so even a
		 * create may be sent again.  A 503 may come after a write
		 * took effect: only repeatable requests wait it out.
		 * Otherwise hand the delay to the client. */
		wait = ra < 0 ? 1000 : ra * 1000;
		if ((!req->repeatable && status != 429) ||
		    resp->elapsed_ms + wait + req->timeout_ms >
		    req->budget_ms || resp->attempts >= 5) {
			if (ra < 0)
				jta_log(JTA_LOG_WARN, "upstream busy: %s %s: "
				    "%ld, no Retry-After", req->method,
				    req->url, status);
			else
				jta_log(JTA_LOG_WARN, "upstream busy: %s %s: "
				    "%ld, retry after %ld s", req->method,
				    req->url, status, ra);
			free(sink.buf);
			resp->retry_after = ra < 0 ? 1 : ra;
			resp->status = status;
			jta_error_set(err, JTA_ERR_BUSY, 503, NULL,
			    "Jira is busy; try again in %ld seconds",
			    resp->retry_after);
			if (err != NULL)
				err->retry_after = resp->retry_after;
			return JTA_ERR_BUSY;
		}
		free(sink.buf);
		{
			struct timespec ts = { wait / 1000,
			    (wait % 1000) * 1000000 };

			while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
				continue;
		}
	}
	resp->status = status;
	resp->retry_after = ra;
	resp->body = sink.buf;
	resp->len = sink.len;
	resp->cut = sink.cut;
	if (resp->body == NULL && (resp->body = calloc(1, 1)) == NULL)
		return JTA_ERR_NOMEM;
	if (status >= 500) {
		jta_log(JTA_LOG_WARN, "upstream error: %s %s: %ld",
		    req->method, req->url, status);
		return jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    "Jira answered with an error (HTTP %ld); try again in a "
		    "moment", status);
	}
	return JTA_OK;
}
