/*
 * The HTTP client: the only code that includes curl/curl.h.  Every call to
 * Atlassian goes through jta_http_do, which bounds it (HTTPS only, or plain
 * http to the loopback stand-in; connect and total timeouts; our own cap on
 * the answer's size; no automatic redirects, since a bearer token may be
 * attached) and waits out 429 answers (which refuse a request unprocessed,
 * RFC 6585 §4) and, for requests the caller marks as safe to repeat, 503
 * answers, after their Retry-After (1 s without one), inside a time budget.
 *
 * Errors are reported in struct jta_error in the ticket API's terms:
 *   - the upstream could not be reached, timed out, or answered 5xx: 502;
 *   - 429 or 503 that could not be waited out within the budget: 503, with
 *     err->retry_after set to the seconds the upstream asked for;
 *   - the answer is larger than JTA_LIMIT_UPSTREAM_BODY: 502.
 * Any other HTTP status is not an error here: it is returned to the caller,
 * who knows what a 401 or a 404 means for its call.  curl's own error text
 * goes to the log only.
 */
#ifndef JTA_HTTP_H
#define JTA_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "jta_err.h"
#include "jta_vault.h"

/* One request.  Strings are borrowed for the duration of the call. */
struct jta_http_req {
	const char	*method;	/* "GET", "POST", "PUT", "DELETE" */
	const char	*url;		/* absolute; https://, or http:// to
					 * 127.0.0.1, ::1 or localhost */
	const struct jta_secret *bearer; /* Authorization: Bearer, or NULL */
	const char	*content_type;	/* of body; NULL when there is none */
	const char	*body;
	size_t		 bodylen;
	long		 timeout_ms;	/* whole call, per attempt */
	long		 budget_ms;	/* total time spent waiting on 429/503;
					 * 0: never wait */
	int		 repeatable;	/* 1 when sending it twice is harmless
					 * (reads, searches, token refreshes
					 * are not: see jta_oauth); a 429 is
					 * waited out either way */
	/* A file to send as multipart/form-data (RFC 7578) in one part
	 * named "file", as Jira's POST /rest/api/3/issue/{key}/attachments
	 * takes it, with X-Atlassian-Token: no-check (Atlassian, "Add
	 * attachment"); body and content_type are then NULL.  The file at
	 * upload_path is sent as upload_name of type upload_type. */
	const char	*upload_path;
	const char	*upload_name;
	const char	*upload_type;
	/* 0, or read at most this many bytes of the answer and stop the
	 * transfer there (getAttachmentText reads the first part of a
	 * file, never the whole): the answer then has cut set.  Without
	 * it an answer over JTA_LIMIT_UPSTREAM_BODY is an error. */
	size_t		 max_body;
	/* The Accept header's value; NULL: application/json.  A file's
	 * bytes (getAttachmentText) are asked for as any type. */
	const char	*accept;
};

/* One answer.  Release with jta_http_resp_free. */
struct jta_http_resp {
	long		 status;	/* HTTP status */
	char		*body;		/* NUL-terminated; len bytes */
	size_t		 len;
	long		 retry_after;	/* seconds from Retry-After, or -1 */
	long		 elapsed_ms;	/* all attempts and waits */
	unsigned	 attempts;
	int		 cut;		/* the transfer stopped at max_body */
};

/*
 * Initialise libcurl and libsodium once per process, before any thread
 * starts (the FastCGI programs are single-threaded).  Returns JTA_ERR_IO
 * when libcurl cannot start, JTA_ERR_CRYPTO when libsodium cannot.
 */
enum jta_err jta_http_global_init(void) JTA_WUR;

/*
 * 1 when TLS peers are verified against libcurl's default CA directory
 * alone, each anchor read when a chain needs it, instead of its default
 * bundle read whole (OpenSSL with a default directory that exists; see
 * jta_http.c); 0 when the bundle is kept.  After jta_http_global_init.
 */
int jta_http_ca_lazy(void);

/* Release what jta_http_global_init and the kept connection hold. */
void jta_http_global_free(void);

/*
 * Send req and fill *resp (which the caller releases with
 * jta_http_resp_free, also on error).  The connection is kept for the next
 * call from this process (keep-alive to Atlassian).  See the top of this
 * file for what is an error.
 */
enum jta_err jta_http_do(const struct jta_http_req *req,
    struct jta_http_resp *resp, struct jta_error *err) JTA_WUR;

/* Release resp's body; NULL is a no-op. */
void jta_http_resp_free(struct jta_http_resp *resp);

/*
 * The seconds a Retry-After value asks for (RFC 9110 §10.2.3: a number of
 * seconds or an HTTP-date), relative to now; -1 when it is neither.  A date
 * in the past is 0.  Exposed for the unit tests.
 */
long jta_http_retry_after(const char *v, size_t len, int64_t now);

/*
 * Percent-encode s (len bytes) for a query component (RFC 3986 §2.1: all
 * but unreserved characters) into buf of bufsz bytes, NUL-terminated.
 * Returns -1 when it does not fit.
 */
int jta_http_urlencode(const char *s, size_t len, char *buf, size_t bufsz)
    JTA_WUR;

/* 1 when url may be called: jta_url_fetch_check's rule (https, or http
 * to the loopback; no userinfo, no fragment). */
int jta_http_url_allowed(const char *url);

/*
 * A GET of a document a stranger names (jta_http_fetch.c): a Client ID
 * Metadata Document, or an attachment's file.  https only, no userinfo,
 * no proxy, connect_ms and total_ms caps (total_ms covers every hop), at
 * most max_bytes of body, and every address libcurl connects to must pass
 * jta_http_addr_public.  hosts (NULL: any host) is an allow-list in
 * jta_http_host_allowed's form that every hop's URL must match.
 * max_redirects (0: a 3xx is an error) is how many redirects are
 * followed, each by hand and judged as the first URL was.  accept (NULL:
 * application/json) is the Accept header's value.  ca_file (NULL or "":
 * the system's) is a CA bundle to trust instead, allow_loopback lets
 * 127.0.0.0/8 and ::1 through, and test_resolve (NULL: none) is one
 * libcurl CURLOPT_RESOLVE entry ("host:port:address"): all three for the
 * tests' loopback server only.  A zeroed struct with url, max_bytes and
 * the times set is the Client ID Metadata Document rule.
 */
struct jta_http_fetch {
	const char	*url;
	size_t		 max_bytes;
	long		 connect_ms;
	long		 total_ms;
	const char	*ca_file;
	int		 allow_loopback;
	const char	*hosts;
	int		 max_redirects;
	const char	*accept;
	const char	*test_resolve;
};

/* A fetched document: status 200 and body (NUL-terminated, len bytes),
 * and its Cache-Control and Content-Type ("" when absent or too long).
 * Release with jta_http_fetched_free. */
struct jta_http_fetched {
	long		 status;
	char		*body;
	size_t		 len;
	char		 cache_control[256];
	char		 content_type[128];
};

/*
 * Fetch f->url into *out.  JTA_OK only for a 200 within the bounds.
 * Otherwise JTA_ERR_UPSTREAM (400) with err->field naming why, for the
 * message and the log: "address" (an address was refused), "size",
 * "redirect" (one not followed, one too many, or one without a usable
 * Location), "host" (a hop's host or port is not on f->hosts), "status",
 * "timeout" or "fetch" (TLS, DNS, connection, a cut answer);
 * JTA_ERR_INPUT ("https") for another scheme, ("url") for an address
 * that is no URL, carries a user name or is over JTA_LIMIT_FETCH_URL.
 * Never logs a URL or the body.
 */
enum jta_err jta_http_fetch_public(const struct jta_http_fetch *f,
    struct jta_http_fetched *out, struct jta_error *err) JTA_WUR;

/* Release out's body; NULL is a no-op. */
void jta_http_fetched_free(struct jta_http_fetched *out);

/*
 * 1 when a stranger's document may be fetched from addr (family AF_INET:
 * a struct in_addr; AF_INET6: a struct in6_addr): not unspecified,
 * loopback (unless allow_loopback), private (RFC 1918, RFC 4193 unique
 * local, RFC 6598 shared), link-local, site-local, multicast, broadcast,
 * reserved or benchmarking; an IPv4-mapped, NAT64 or 6to4 IPv6 address is
 * judged by its IPv4 address.  0 for any other family.
 */
int jta_http_addr_public(int family, const void *addr, int allow_loopback);

/*
 * 1 when host (as libcurl's URL parser gives it: a name, an IPv4 literal
 * or a bracketed IPv6 one) and port are on list: entries separated by
 * spaces, tabs or commas, each "host" (port 443 only) or "host:port",
 * compared without regard to case and never as a suffix (a list naming
 * files.example.com does not admit evil-files.example.com or
 * files.example.com.evil.net).  0 for a NULL or empty list.
 */
int jta_http_host_allowed(const char *list, const char *host, long port);

/*
 * A POST whose answer is read as it arrives (jta_http_stream.c): the
 * model client's streamed Chat Completions (jta_llm).  The answer's bytes
 * of a 2xx status go to on_data as they come; a non-2xx answer's body is
 * read (at most JTA_LIMIT_LLM_ERROR_BODY bytes) and thrown away, since a
 * provider's error text may quote part of the key.  Bounds: the URL rule
 * of jta_http_do, connect_ms to connect, total_ms for the whole answer,
 * and stall_s: fewer than one byte a second for that long ends the
 * transfer (libcurl's low-speed limit).  No redirect is followed.
 *
 * The key travels in one header, key_header immediately followed by key
 * ("Authorization: Bearer " or "api-key: "), built in guarded memory and
 * never logged.  Strings are borrowed for the duration of the call.
 */
struct jta_http_stream {
	const char	*url;
	const char	*content_type;	/* of body */
	const char	*body;
	size_t		 bodylen;
	const char	*accept;	/* the Accept header's value */
	const char	*key_header;	/* NULL: no key sent */
	const struct jta_secret *key;
	long		 connect_ms;
	long		 total_ms;
	long		 stall_s;	/* at least 1 */
	/* Bytes of a 2xx answer: return 0 to go on, -1 to stop the
	 * transfer (the callback keeps its own reason). */
	int		(*on_data)(const char *p, size_t n, void *arg);
	void		*arg;
};

/* How it ended, when jta_http_stream_post returns JTA_OK or stops. */
struct jta_http_streamed {
	long		 status;	/* HTTP status; 0 when none came */
	long		 retry_after;	/* seconds from Retry-After, or -1 */
	int		 stopped;	/* on_data asked to stop */
	size_t		 bytes;		/* body bytes of a 2xx answer */
};

/*
 * Send s and stream the answer to s->on_data, filling *out.  JTA_OK when
 * an answer came in full, whatever its status (the caller maps statuses;
 * a non-2xx body is never handed over).  Otherwise JTA_ERR_UPSTREAM, 502,
 * with err->field saying why for the caller's own message: "stopped"
 * (on_data returned -1; out->stopped is 1), "stall" (stall_s without a
 * byte), "timeout" (total_ms), "size" (a 2xx answer over
 * JTA_LIMIT_LLM_STREAM bytes) or "connect" (any other transport
 * failure; curl's text goes to the log); JTA_ERR_CONFIG (500) for a URL
 * that is neither https nor the loopback.
 */
enum jta_err jta_http_stream_post(const struct jta_http_stream *s,
    struct jta_http_streamed *out, struct jta_error *err) JTA_WUR;

/* Release the connection jta_http_stream_post keeps (jta_http_global_free
 * calls it). */
void jta_http_stream_free(void);

#endif
