/*
 * A POST whose answer is read as it arrives (jta_http.h,
 * jta_http_stream_post): the model client's streamed answers.  Part of
 * jta_http, the only code that includes curl/curl.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "jta_http.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_time.h"

/* The handle kept between calls, so the connection (and its TLS session)
 * to the model server is reused from one tool round to the next. */
static CURL	*skept;

/* What the callbacks share while a transfer runs. */
struct flow {
	const struct jta_http_stream *s;
	CURL		*h;
	long		 status;	/* known once the headers are in */
	size_t		 bytes;		/* of a 2xx body */
	size_t		 dropped;	/* of a non-2xx body */
	int		 stopped;
	int		 over;
	int		 enough;	/* a refusal's body was cut short */
	int		 stalled;	/* stall_s passed without a byte */
	long		 last_ms;	/* when the last byte came */
	char		 retry[64];
	size_t		 retrylen;
};

static long
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A stall: no byte for stall_s seconds.  libcurl's low-speed limit
 * averages the speed over its last seconds, so bytes that came just
 * before a stall hide it for a while; this check is exact (libcurl calls
 * it at least once a second).  The low-speed limit stays as a backstop.
 */
static int
onprogress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct flow	*f = arg;
	long		 st = f->s->stall_s < 1 ? 1L : f->s->stall_s;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	if (mono_ms() - f->last_ms > st * 1000L) {
		f->stalled = 1;
		return 1;	/* CURLE_ABORTED_BY_CALLBACK */
	}
	return 0;
}

static size_t
ondata(char *p, size_t size, size_t n, void *arg)
{
	struct flow	*f = arg;
	size_t		 len = size * n;

	if (size != 0 && len / size != n)
		return 0;
	f->last_ms = mono_ms();
	if (f->status == 0 && curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE,
	    &f->status) != CURLE_OK)
		return 0;
	if (f->status < 200 || f->status > 299) {
		/* Read and dropped: the caller needs only the status. */
		if (len > JTA_LIMIT_LLM_ERROR_BODY - f->dropped) {
			f->enough = 1;	/* the status is all we wanted */
			return 0;
		}
		f->dropped += len;
		return len;
	}
	if (len > JTA_LIMIT_LLM_STREAM - f->bytes) {
		f->over = 1;
		return 0;	/* CURLE_WRITE_ERROR stops the transfer */
	}
	f->bytes += len;
	if (f->s->on_data(p, len, f->s->arg) != 0) {
		f->stopped = 1;
		return 0;
	}
	return len;
}

/* Keep the Retry-After header (RFC 9110 §10.2.3) of the last answer. */
static size_t
onhead(char *p, size_t size, size_t n, void *arg)
{
	struct flow	*f = arg;
	size_t		 len = size * n, vl;
	static const char name[] = "retry-after:";
	const char	*v;

	if (size != 0 && len / size != n)
		return 0;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		f->retrylen = 0;
		f->status = 0;
	}
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
	if (vl < sizeof(f->retry)) {
		memcpy(f->retry, v, vl);
		f->retry[vl] = '\0';
		f->retrylen = vl;
	}
	return len;
}

/* Append "name: value" to *hdrs; -1 when memory runs out. */
static int
addhdr(struct curl_slist **hdrs, const char *name, const char *value)
{
	char		 line[256];
	struct curl_slist *nh;

	if (snprintf(line, sizeof(line), "%s: %s", name, value) >=
	    (int)sizeof(line))
		return -1;
	if ((nh = curl_slist_append(*hdrs, line)) == NULL)
		return -1;
	*hdrs = nh;
	return 0;
}

enum jta_err
jta_http_stream_post(const struct jta_http_stream *s,
    struct jta_http_streamed *out, struct jta_error *err)
{
	enum jta_err	 rc = JTA_ERR_NOMEM;
	struct curl_slist *hdrs = NULL, *nh;
	struct flow	 f;
	char		*keyline = NULL;
	size_t		 hl, kl;
	long		 start = mono_ms();
	CURLcode	 cc;

	memset(out, 0, sizeof(*out));
	out->retry_after = -1;
	memset(&f, 0, sizeof(f));
	f.s = s;
	f.last_ms = start;
	if (!jta_http_url_allowed(s->url)) {
		jta_log(JTA_LOG_ERROR, "refused to call a model URL that is "
		    "neither https nor the loopback");
		return jta_error_set(err, JTA_ERR_CONFIG, 500, NULL,
		    "the model server's address is misconfigured");
	}
	if (skept == NULL && (skept = curl_easy_init()) == NULL)
		goto out;
	curl_easy_reset(skept);
	f.h = skept;
	if (addhdr(&hdrs, "Accept", s->accept) != 0 ||
	    addhdr(&hdrs, "Content-Type", s->content_type) != 0 ||
	    (nh = curl_slist_append(hdrs, "Expect:")) == NULL)
		goto out;
	hdrs = nh;
	if (s->key_header != NULL && s->key != NULL) {
		hl = strlen(s->key_header);
		kl = s->key->len;
		if ((keyline = sodium_malloc(hl + kl + 1)) == NULL)
			goto out;
		memcpy(keyline, s->key_header, hl);
		memcpy(keyline + hl, s->key->buf, kl);
		keyline[hl + kl] = '\0';
		if ((nh = curl_slist_append(hdrs, keyline)) == NULL)
			goto out;
		hdrs = nh;
	}
	if (curl_easy_setopt(skept, CURLOPT_URL, s->url) != CURLE_OK ||
	    curl_easy_setopt(skept, CURLOPT_PROTOCOLS_STR, "https,http") !=
	    CURLE_OK ||
	    curl_easy_setopt(skept, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(skept, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(skept, CURLOPT_CONNECTTIMEOUT_MS, s->connect_ms) !=
	    CURLE_OK ||
	    curl_easy_setopt(skept, CURLOPT_TIMEOUT_MS, s->total_ms) !=
	    CURLE_OK ||
	    /* A stall: under 1 byte/s for stall_s seconds. */
	    curl_easy_setopt(skept, CURLOPT_LOW_SPEED_LIMIT, 1L) != CURLE_OK ||
	    curl_easy_setopt(skept, CURLOPT_LOW_SPEED_TIME,
	    s->stall_s < 1 ? 1L : s->stall_s) != CURLE_OK ||
	    curl_easy_setopt(skept, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
	    curl_easy_setopt(skept, CURLOPT_USERAGENT, PACKAGE_NAME "/"
	    PACKAGE_VERSION) != CURLE_OK ||
	    curl_easy_setopt(skept, CURLOPT_WRITEFUNCTION, ondata) !=
	    CURLE_OK ||
	    curl_easy_setopt(skept, CURLOPT_WRITEDATA, &f) != CURLE_OK ||
	    curl_easy_setopt(skept, CURLOPT_HEADERFUNCTION, onhead) !=
	    CURLE_OK ||
	    curl_easy_setopt(skept, CURLOPT_HEADERDATA, &f) != CURLE_OK ||
	    curl_easy_setopt(skept, CURLOPT_XFERINFOFUNCTION, onprogress) !=
	    CURLE_OK ||
	    curl_easy_setopt(skept, CURLOPT_XFERINFODATA, &f) != CURLE_OK ||
	    curl_easy_setopt(skept, CURLOPT_NOPROGRESS, 0L) != CURLE_OK ||
	    curl_easy_setopt(skept, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(skept, CURLOPT_POSTFIELDS, s->body) != CURLE_OK ||
	    curl_easy_setopt(skept, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)s->bodylen) != CURLE_OK) {
		rc = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the HTTP client could not be set up");
		goto out;
	}
	cc = curl_easy_perform(skept);
	out->status = f.status;
	out->bytes = f.bytes;
	out->retry_after = jta_http_retry_after(f.retry, f.retrylen,
	    jta_time_now());
	if (f.stopped) {
		out->stopped = 1;
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, "stopped",
		    "the model's answer was not taken");
		goto out;
	}
	if (f.over) {
		jta_log(JTA_LOG_WARN, "model answer over %d bytes",
		    JTA_LIMIT_LLM_STREAM);
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, "size",
		    "the model's answer was larger than this server accepts");
		goto out;
	}
	if (cc != CURLE_OK && !f.enough) {
		const char *why = "connect";

		if (f.stalled)
			why = "stall";
		else if (cc == CURLE_OPERATION_TIMEDOUT)
			why = mono_ms() - start + 500 >= s->total_ms ?
			    "timeout" : "stall";
		jta_log(JTA_LOG_WARN, "model call failed (%s): %s", why,
		    curl_easy_strerror(cc));
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, why,
		    "the model server did not answer in full");
		curl_easy_cleanup(skept);
		skept = NULL;
		goto out;
	}
	if (curl_easy_getinfo(skept, CURLINFO_RESPONSE_CODE, &out->status) !=
	    CURLE_OK) {
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, "connect",
		    "the model server's answer could not be read");
		goto out;
	}
	rc = JTA_OK;
out:
	curl_slist_free_all(hdrs);
	if (keyline != NULL)
		sodium_free(keyline);	/* wipes the key's copy */
	if (skept != NULL)
		curl_easy_setopt(skept, CURLOPT_HTTPHEADER, NULL);
	return rc;
}

void
jta_http_stream_free(void)
{
	if (skept != NULL) {
		curl_easy_cleanup(skept);
		skept = NULL;
	}
}
