/*
 * Unit tests for jta_http: the parsers, and real transfers over loopback
 * against a small forked server that answers canned responses, one per
 * connection, and writes what it was sent to a file for the test to read.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <curl/curl.h>
#ifdef HAVE_OPENSSL_INIT
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#endif

#include "jta_http.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "check_main.h"

/* ---- a canned server ---- */

struct canned {
	const char	*answer;	/* raw HTTP answer; NULL: close */
	size_t		 pad;		/* bytes of body to send after it */
	unsigned	 delay_ms;	/* before answering */
	int		 keep;		/* then read one more request on the
					 * same connection (for half a second)
					 * and close without answering it */
};

struct server {
	pid_t	 pid;
	int	 port;
	char	 seen[64];	/* file with the requests' heads */
};

static void
serve(int ls, const struct canned *c, size_t n, const char *seen)
{
	char	 buf[65536];
	FILE	*f;
	size_t	 i, k;
	ssize_t	 r;
	int	 fd;

	for (i = 0; i < n; i++) {
		if ((fd = accept(ls, NULL, NULL)) < 0)
			_exit(1);
		r = recv(fd, buf, sizeof(buf) - 1, 0);
		if (r > 0 && (f = fopen(seen, "a")) != NULL) {
			fwrite(buf, 1, (size_t)r, f);
			fputs("\n----\n", f);
			fclose(f);
		}
		if (c[i].delay_ms > 0)
			usleep(c[i].delay_ms * 1000u);
		if (c[i].answer != NULL) {
			if (write(fd, c[i].answer, strlen(c[i].answer)) < 0)
				_exit(1);
			memset(buf, 'x', sizeof(buf));
			for (k = 0; k < c[i].pad; k += sizeof(buf))
				if (write(fd, buf, c[i].pad - k < sizeof(buf) ?
				    c[i].pad - k : sizeof(buf)) < 0)
					break;
		}
		if (c[i].keep) {
			struct timeval tv = { 0, 500000 };

			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
			    sizeof(tv));
			r = recv(fd, buf, sizeof(buf) - 1, 0);
			if (r > 0 && (f = fopen(seen, "a")) != NULL) {
				fwrite(buf, 1, (size_t)r, f);
				fputs("\n----\n", f);
				fclose(f);
			}
		}
		close(fd);
	}
	_exit(0);
}

static void
server_start(struct server *s, const struct canned *c, size_t n)
{
	struct sockaddr_in sa;
	socklen_t	 sl = sizeof(sa);
	int		 ls, one = 1;

	memset(s, 0, sizeof(*s));
	snprintf(s->seen, sizeof(s->seen), "/tmp/jta-http-XXXXXX");
	ls = mkstemp(s->seen);
	ck_assert_int_ge(ls, 0);
	close(ls);
	ls = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(ls, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(ls, 8), 0);
	ck_assert_int_eq(getsockname(ls, (struct sockaddr *)&sa, &sl), 0);
	s->port = ntohs(sa.sin_port);
	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (s->pid == 0) {
		/* Check's handler would take the whole group down. */
		signal(SIGTERM, SIG_DFL);
		serve(ls, c, n, s->seen);
	}
	close(ls);
}

/* Stop the server; the file of requests is read into buf. */
static void
server_stop(struct server *s, char *buf, size_t bufsz)
{
	FILE	*f;
	size_t	 n = 0;

	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	if (buf != NULL && (f = fopen(s->seen, "r")) != NULL) {
		n = fread(buf, 1, bufsz - 1, f);
		fclose(f);
	}
	if (buf != NULL)
		buf[n] = '\0';
	unlink(s->seen);
	jta_http_global_free();	/* drop the kept connection */
	ck_assert_int_eq(jta_http_global_init(), JTA_OK);
}

static void
req_init(struct jta_http_req *rq, const struct server *s, char *url,
    size_t urlsz, const char *path)
{
	memset(rq, 0, sizeof(*rq));
	snprintf(url, urlsz, "http://127.0.0.1:%d%s", s->port, path);
	rq->method = "GET";
	rq->url = url;
	rq->timeout_ms = 3000;
	rq->budget_ms = 0;
	rq->repeatable = 1;
}

/* One call against a canned server: all a transfer test needs. */
struct call {
	struct server		 s;
	struct jta_http_req	 rq;
	struct jta_http_resp	 rs;
	struct jta_error	 e;
	char			 url[128];
	char			 seen[8192];	/* the requests' heads */
};

/* Start the server with c[0..n) and prepare a GET of path to it. */
static void
call_begin(struct call *k, const struct canned *c, size_t n,
    const char *path)
{
	memset(k, 0, sizeof(*k));
	server_start(&k->s, c, n);
	req_init(&k->rq, &k->s, k->url, sizeof(k->url), path);
}

static enum jta_err
call_do(struct call *k)
{
	return jta_http_do(&k->rq, &k->rs, &k->e);
}

/* Release the answer, stop the server, read what it was sent. */
static void
call_end(struct call *k)
{
	jta_http_resp_free(&k->rs);
	server_stop(&k->s, k->seen, sizeof(k->seen));
}

#define OK_JSON	"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" \
		"Content-Length: 11\r\nConnection: close\r\n\r\n{\"ok\":true}"

/* ---- parsers ---- */

START_TEST(retry_after_seconds_and_dates)
{
	/* 1994-11-06T08:49:37Z = 784111777 */
	const int64_t now = 784111777;

	ck_assert_int_eq(jta_http_retry_after("5", 1, now), 5);
	ck_assert_int_eq(jta_http_retry_after("0", 1, now), 0);
	ck_assert_int_eq(jta_http_retry_after("120", 3, now), 120);
	ck_assert_int_eq(jta_http_retry_after("99999999999999999999", 20,
	    now), 86400);
	ck_assert_int_eq(jta_http_retry_after(
	    "Sun, 06 Nov 1994 08:49:47 GMT", 29, now), 10);
	ck_assert_int_eq(jta_http_retry_after(
	    "Sun, 06 Nov 1994 08:49:30 GMT", 29, now), 0);
	ck_assert_int_eq(jta_http_retry_after("", 0, now), -1);
	ck_assert_int_eq(jta_http_retry_after("-5", 2, now), -1);
	ck_assert_int_eq(jta_http_retry_after("5s", 2, now), -1);
	ck_assert_int_eq(jta_http_retry_after(
	    "Sun, 06 Foo 1994 08:49:47 GMT", 29, now), -1);
	ck_assert_int_eq(jta_http_retry_after(
	    "Sunday, 06-Nov-94 08:49:37 GMT", 30, now), -1);
}
END_TEST

START_TEST(urlencode_escapes_all_but_unreserved)
{
	char	 buf[64];

	ck_assert_int_eq(jta_http_urlencode("a b&c=d/é~", 11, buf,
	    sizeof(buf)), 0);
	ck_assert_str_eq(buf, "a%20b%26c%3Dd%2F%C3%A9~");
	ck_assert_int_eq(jta_http_urlencode("abc", 3, buf, 4), 0);
	ck_assert_int_eq(jta_http_urlencode("abc", 3, buf, 3), -1);
	ck_assert_int_eq(jta_http_urlencode("a b", 3, buf, 5), -1);
}
END_TEST

START_TEST(only_https_or_loopback_urls)
{
	ck_assert(jta_http_url_allowed("https://api.atlassian.com/me"));
	ck_assert(jta_http_url_allowed("http://127.0.0.1:8080/x"));
	ck_assert(jta_http_url_allowed("http://localhost:1/"));
	ck_assert(jta_http_url_allowed("http://[::1]:80/"));
	ck_assert(!jta_http_url_allowed("http://api.atlassian.com/me"));
	ck_assert(!jta_http_url_allowed("http://127.0.0.1.evil.com/"));
	ck_assert(!jta_http_url_allowed("ftp://127.0.0.1/"));
	ck_assert(!jta_http_url_allowed("https:///nohost"));
	ck_assert(!jta_http_url_allowed("file:///etc/passwd"));
	/* As libcurl splits it: userinfo, a fragment, a host that only
	 * starts like the loopback's. */
	ck_assert(!jta_http_url_allowed("http://127.0.0.1:80@evil.com/"));
	ck_assert(!jta_http_url_allowed("https://u:p@api.atlassian.com/"));
	ck_assert(!jta_http_url_allowed("https://api.atlassian.com/#x"));
	ck_assert(!jta_http_url_allowed("http://localhost.evil.com/"));
}
END_TEST

/* ---- transfers ---- */

START_TEST(get_returns_status_and_body_and_sends_bearer)
{
	static const struct canned c[] = { { OK_JSON, 0, 0, 0 } };
	struct call	 k;
	struct jta_secret *tok = jta_secret_new(9);

	memcpy(tok->buf, "tok-12345", 9);
	call_begin(&k, c, 1, "/rest/api/3/myself");
	k.rq.bearer = tok;
	ck_assert_int_eq(call_do(&k), JTA_OK);
	ck_assert_int_eq(k.rs.status, 200);
	ck_assert_str_eq(k.rs.body, "{\"ok\":true}");
	ck_assert_uint_eq(k.rs.len, 11);
	ck_assert_uint_eq(k.rs.attempts, 1);
	call_end(&k);
	ck_assert_ptr_nonnull(strstr(k.seen,
	    "GET /rest/api/3/myself HTTP/1.1"));
	ck_assert_ptr_nonnull(strstr(k.seen,
	    "Authorization: Bearer tok-12345\r\n"));
	jta_secret_free(tok);
}
END_TEST

START_TEST(post_sends_body_and_content_type)
{
	static const struct canned c[] = { { OK_JSON, 0, 0, 0 } };
	struct call	 k;

	call_begin(&k, c, 1, "/oauth/token");
	k.rq.method = "POST";
	k.rq.content_type = "application/json";
	k.rq.body = "{\"a\":1}";
	k.rq.bodylen = 7;
	ck_assert_int_eq(call_do(&k), JTA_OK);
	call_end(&k);
	ck_assert_ptr_nonnull(strstr(k.seen, "POST /oauth/token HTTP/1.1"));
	ck_assert_ptr_nonnull(strstr(k.seen,
	    "Content-Type: application/json\r\n"));
	ck_assert_ptr_nonnull(strstr(k.seen, "\r\n\r\n{\"a\":1}"));
	ck_assert_ptr_null(strstr(k.seen, "Authorization"));
}
END_TEST

START_TEST(client_errors_are_returned_not_failed)
{
	static const struct canned c[] = { { "HTTP/1.1 404 Not Found\r\n"
	    "Content-Length: 2\r\nConnection: close\r\n\r\n{}", 0, 0, 0 } };
	struct call	 k;

	call_begin(&k, c, 1, "/x");
	ck_assert_int_eq(call_do(&k), JTA_OK);
	ck_assert_int_eq(k.rs.status, 404);
	ck_assert_str_eq(k.rs.body, "{}");
	call_end(&k);
}
END_TEST

START_TEST(server_error_is_502)
{
	static const struct canned c[] = { { "HTTP/1.1 500 Oops\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n", 0, 0, 0 } };
	struct call	 k;

	call_begin(&k, c, 1, "/x");
	ck_assert_int_eq(call_do(&k), JTA_ERR_UPSTREAM);
	ck_assert_int_eq(k.e.status, 502);
	ck_assert_ptr_nonnull(strstr(k.e.detail, "HTTP 500"));
	call_end(&k);
}
END_TEST

START_TEST(redirects_are_not_followed)
{
	static const struct canned c[] = { { "HTTP/1.1 302 Found\r\n"
	    "Location: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n", 0, 0, 0 } };
	struct call	 k;

	call_begin(&k, c, 1, "/x");
	ck_assert_int_eq(call_do(&k), JTA_OK);
	ck_assert_int_eq(k.rs.status, 302);
	call_end(&k);
}
END_TEST

START_TEST(answer_over_the_cap_is_502)
{
	static const struct canned c[] = { { "HTTP/1.1 200 OK\r\n"
	    "Connection: close\r\n\r\n", JTA_LIMIT_UPSTREAM_BODY + 1, 0, 0 } };
	struct call	 k;

	call_begin(&k, c, 1, "/big");
	ck_assert_int_eq(call_do(&k), JTA_ERR_UPSTREAM);
	ck_assert_int_eq(k.e.status, 502);
	ck_assert_ptr_nonnull(strstr(k.e.detail, "larger"));
	call_end(&k);
}
END_TEST

START_TEST(answer_at_the_cap_is_kept)
{
	static const struct canned c[] = { { "HTTP/1.1 200 OK\r\n"
	    "Connection: close\r\n\r\n", JTA_LIMIT_UPSTREAM_BODY, 0, 0 } };
	struct call	 k;

	call_begin(&k, c, 1, "/big");
	ck_assert_int_eq(call_do(&k), JTA_OK);
	ck_assert_uint_eq(k.rs.len, JTA_LIMIT_UPSTREAM_BODY);
	call_end(&k);
}
END_TEST

/*
 * An answer with a Content-Length is read into one buffer of that size
 * (jta_http.c, first_cap) over many writes of libcurl; one whose length
 * is over the cap is not trusted for the size and is refused as before.
 */
/* c answers 200 with a Content-Length of its pad, written into head. */
static void
sized(struct canned *c, char *head, size_t headsz)
{
	snprintf(head, headsz, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", c->pad);
	c->answer = head;
}

START_TEST(answer_with_its_length_is_read_whole)
{
	struct canned	 c[1] = { { NULL, 100000, 0, 0 } };
	char		 head[128];
	struct call	 k;
	size_t		 i;

	sized(&c[0], head, sizeof(head));
	call_begin(&k, c, 1, "/sized");
	ck_assert_int_eq(call_do(&k), JTA_OK);
	ck_assert_uint_eq(k.rs.len, 100000);
	for (i = 0; i < k.rs.len; i++)
		if (k.rs.body[i] != 'x')
			break;
	ck_assert_uint_eq(i, k.rs.len);
	ck_assert_int_eq(k.rs.body[k.rs.len], '\0');
	call_end(&k);
}
END_TEST

START_TEST(answer_whose_length_is_over_the_cap_is_502)
{
	struct canned	 c[1] = { { NULL, JTA_LIMIT_UPSTREAM_BODY + 1, 0,
	    0 } };
	char		 head[128];
	struct call	 k;

	sized(&c[0], head, sizeof(head));
	call_begin(&k, c, 1, "/big");
	ck_assert_int_eq(call_do(&k), JTA_ERR_UPSTREAM);
	ck_assert_int_eq(k.e.status, 502);
	ck_assert_ptr_nonnull(strstr(k.e.detail, "larger"));
	call_end(&k);
}
END_TEST

START_TEST(slow_answer_times_out_as_502)
{
	static const struct canned c[] = { { OK_JSON, 0, 1500, 0 } };
	struct call	 k;

	call_begin(&k, c, 1, "/slow");
	k.rq.timeout_ms = 300;
	ck_assert_int_eq(call_do(&k), JTA_ERR_UPSTREAM);
	ck_assert_int_eq(k.e.status, 502);
	ck_assert_ptr_nonnull(strstr(k.e.detail, "in time"));
	ck_assert_int_lt(k.rs.elapsed_ms, 1400);
	call_end(&k);
}
END_TEST

START_TEST(refused_connection_is_502)
{
	struct server	 s;
	struct jta_http_req rq;
	struct jta_http_resp rs;
	struct jta_error e;
	char		 url[128];
	int		 fd;
	struct sockaddr_in sa;
	socklen_t	 sl = sizeof(sa);

	/* A port that was just free: bind, read it, close. */
	memset(&s, 0, sizeof(s));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	s.port = ntohs(sa.sin_port);
	close(fd);
	req_init(&rq, &s, url, sizeof(url), "/x");
	ck_assert_int_eq(jta_http_do(&rq, &rs, &e), JTA_ERR_UPSTREAM);
	ck_assert_int_eq(e.status, 502);
	ck_assert_ptr_nonnull(strstr(e.detail, "reached"));
	jta_http_resp_free(&rs);
}
END_TEST

START_TEST(plain_http_elsewhere_is_refused)
{
	struct jta_http_req rq;
	struct jta_http_resp rs;
	struct jta_error e;

	memset(&rq, 0, sizeof(rq));
	rq.method = "GET";
	rq.url = "http://example.org/";
	rq.timeout_ms = 1000;
	ck_assert_int_eq(jta_http_do(&rq, &rs, &e), JTA_ERR_CONFIG);
	ck_assert_int_eq(e.status, 500);
	jta_http_resp_free(&rs);
}
END_TEST

#define BUSY(code)	"HTTP/1.1 " code "\r\nRetry-After: 1\r\n" \
			"Content-Length: 0\r\nConnection: close\r\n\r\n"

START_TEST(busy_answer_is_waited_out_within_budget)
{
	static const struct canned c[] = { { BUSY("429 Too Many Requests"),
	    0, 0, 0 }, { BUSY("503 Service Unavailable"), 0, 0, 0 },
	    { OK_JSON, 0, 0, 0 } };
	struct call	 k;

	call_begin(&k, c, 3, "/search");
	k.rq.budget_ms = 10000;
	ck_assert_int_eq(call_do(&k), JTA_OK);
	ck_assert_int_eq(k.rs.status, 200);
	ck_assert_uint_eq(k.rs.attempts, 3);
	ck_assert_int_ge(k.rs.elapsed_ms, 1900);
	call_end(&k);
}
END_TEST

START_TEST(busy_answer_beyond_budget_is_503_with_retry_after)
{
	static const struct canned c[] = { { "HTTP/1.1 429 Slow down\r\n"
	    "Retry-After: 30\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
	    0, 0, 0 } };
	struct call	 k;

	call_begin(&k, c, 1, "/search");
	k.rq.budget_ms = 5000;
	ck_assert_int_eq(call_do(&k), JTA_ERR_BUSY);
	ck_assert_int_eq(k.e.status, 503);
	ck_assert_int_eq(k.e.retry_after, 30);
	ck_assert_uint_eq(k.rs.attempts, 1);
	ck_assert_int_lt(k.rs.elapsed_ms, 2000);
	call_end(&k);
}
END_TEST

START_TEST(create_is_never_repeated_on_busy)
{
	static const struct canned c[] = { { BUSY("503 Service Unavailable"),
	    0, 0, 0 }, { OK_JSON, 0, 0, 0 } };
	struct call	 k;

	call_begin(&k, c, 2, "/rest/api/3/issue");
	k.rq.method = "POST";
	k.rq.repeatable = 0;
	k.rq.budget_ms = 10000;
	k.rq.content_type = "application/json";
	k.rq.body = "{}";
	k.rq.bodylen = 2;
	ck_assert_int_eq(call_do(&k), JTA_ERR_BUSY);
	ck_assert_int_eq(k.e.retry_after, 1);
	ck_assert_uint_eq(k.rs.attempts, 1);
	call_end(&k);
	ck_assert_ptr_null(strstr(strstr(k.seen, "----"), "POST"));
}
END_TEST

/* Count the occurrences of needle in hay. */
static int
count(const char *hay, const char *needle)
{
	int	 n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay++;
	}
	return n;
}

START_TEST(create_never_resent_on_a_dead_kept_connection)
{
	/* The first answer keeps the connection open; the server then
	 * takes the next request on it and hangs up unanswered, as a
	 * server dying mid-create does.  libcurl would resend a request
	 * that met a dead reused connection: a create must not be. */
	static const struct canned c[] = { { "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 2\r\n\r\n{}", 0, 0, 1 }, { NULL, 0, 0, 0 },
	    { OK_JSON, 0, 0, 0 } };
	struct call	 k;

	call_begin(&k, c, 3, "/rest/api/3/myself");
	ck_assert_int_eq(call_do(&k), JTA_OK);
	jta_http_resp_free(&k.rs);
	req_init(&k.rq, &k.s, k.url, sizeof(k.url), "/rest/api/3/issue");
	k.rq.method = "POST";
	k.rq.repeatable = 0;
	k.rq.content_type = "application/json";
	k.rq.body = "{}";
	k.rq.bodylen = 2;
	ck_assert_int_eq(call_do(&k), JTA_ERR_UPSTREAM);
	ck_assert_int_eq(k.e.status, 502);
	call_end(&k);
	ck_assert_int_eq(count(k.seen, "POST /rest/api/3/issue"), 1);
}
END_TEST

/* A 429 means the upstream did nothing (RFC 6585 §4: too many
 * requests, refused): a write is waited out within the budget like a
 * read, and sent again once. */
START_TEST(too_many_requests_on_a_write_is_waited_out)
{
	static const struct canned c[] = { { BUSY("429 Too Many Requests"),
	    0, 0, 0 }, { "HTTP/1.1 201 Created\r\nContent-Type: "
	    "application/json\r\nContent-Length: 11\r\nConnection: close"
	    "\r\n\r\n{\"id\":\"10\"}", 0, 0, 0 } };
	struct call	 k;

	call_begin(&k, c, 2, "/rest/api/3/issue");
	k.rq.method = "POST";
	k.rq.repeatable = 0;
	k.rq.budget_ms = 10000;
	k.rq.content_type = "application/json";
	k.rq.body = "{}";
	k.rq.bodylen = 2;
	ck_assert_int_eq(call_do(&k), JTA_OK);
	ck_assert_int_eq(k.rs.status, 201);
	ck_assert_uint_eq(k.rs.attempts, 2);
	ck_assert_int_ge(k.rs.elapsed_ms, 900);
	call_end(&k);
	ck_assert_int_eq(count(k.seen, "POST /rest/api/3/issue"), 2);
}
END_TEST

/* ... but not beyond the budget: 503 with the upstream's delay. */
START_TEST(too_many_requests_on_a_write_beyond_budget_is_503)
{
	static const struct canned c[] = { { "HTTP/1.1 429 Slow down\r\n"
	    "Retry-After: 30\r\nContent-Length: 0\r\nConnection: close"
	    "\r\n\r\n", 0, 0, 0 } };
	struct call	 k;

	call_begin(&k, c, 1, "/rest/api/3/issue");
	k.rq.method = "POST";
	k.rq.repeatable = 0;
	k.rq.budget_ms = 5000;
	ck_assert_int_eq(call_do(&k), JTA_ERR_BUSY);
	ck_assert_int_eq(k.e.status, 503);
	ck_assert_int_eq(k.e.retry_after, 30);
	ck_assert_uint_eq(k.rs.attempts, 1);
	call_end(&k);
}
END_TEST

/* Without Retry-After the log says so, not "retry after -1 s". */
START_TEST(busy_without_retry_after_logs_no_negative_delay)
{
	static const struct canned c[] = { { "HTTP/1.1 503 Busy\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n", 0, 0,
	    0 } };
	struct call	 k;
	char		 logpath[512], buf[4096];
	int		 fd, saved;
	FILE		*f;
	size_t		 n;

	snprintf(logpath, sizeof(logpath), "/tmp/jta-http-logXXXXXX");
	fd = mkstemp(logpath);
	ck_assert_int_ge(fd, 0);
	call_begin(&k, c, 1, "/search");
	jta_log_set_level(JTA_LOG_DEBUG);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	ck_assert_int_eq(call_do(&k), JTA_ERR_BUSY);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	jta_log_set_level(JTA_LOG_ERROR);
	ck_assert_int_eq(k.e.retry_after, 1);
	call_end(&k);
	f = fopen(logpath, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(logpath);
	ck_assert_ptr_nonnull(strstr(buf, "upstream busy"));
	ck_assert_ptr_null(strstr(buf, "after -1"));
	ck_assert_ptr_nonnull(strstr(buf, "no Retry-After"));
}
END_TEST

/* Client ID Metadata Documents (jta_http_fetch_public): which addresses a
 * stranger's document may be fetched from; IPv4-mapped and NAT64 IPv6
 * addresses are judged by their IPv4 address. */
START_TEST(addr_public_refuses_special_ranges)
{
	static const char *const bad4[] = { "0.0.0.0", "10.1.2.3",
	    "127.0.0.1", "127.255.0.1", "169.254.169.254", "172.16.0.1",
	    "172.31.255.255", "192.168.1.1", "100.64.0.1", "224.0.0.1",
	    "239.255.255.250", "255.255.255.255", "240.0.0.1", "192.0.0.8",
	    "198.18.0.1" };
	static const char *const good4[] = { "8.8.8.8", "172.32.0.1",
	    "172.15.255.255", "100.128.0.1", "192.169.0.1", "1.1.1.1" };
	static const char *const bad6[] = { "::", "::1", "fe80::1",
	    "fc00::1", "fd12:3456::1", "ff02::1", "fec0::1", "::ffff:127.0.0.1",
	    "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::10.0.0.1",
	    "::10.0.0.1", "2002:7f00:1::1", "2002:a00:1::",
	    "2002:a9fe:a9fe::1" };
	static const char *const good6[] = { "2001:4860:4860::8888",
	    "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8",
	    "2002:808:808::1" };
	struct in_addr	 a4;
	struct in6_addr	 a6;
	size_t		 i;

	for (i = 0; i < sizeof(bad4) / sizeof(bad4[0]); i++) {
		ck_assert_int_eq(inet_pton(AF_INET, bad4[i], &a4), 1);
		ck_assert_msg(!jta_http_addr_public(AF_INET, &a4, 0), "%s",
		    bad4[i]);
	}
	for (i = 0; i < sizeof(good4) / sizeof(good4[0]); i++) {
		ck_assert_int_eq(inet_pton(AF_INET, good4[i], &a4), 1);
		ck_assert_msg(jta_http_addr_public(AF_INET, &a4, 0), "%s",
		    good4[i]);
	}
	for (i = 0; i < sizeof(bad6) / sizeof(bad6[0]); i++) {
		ck_assert_int_eq(inet_pton(AF_INET6, bad6[i], &a6), 1);
		ck_assert_msg(!jta_http_addr_public(AF_INET6, &a6, 0), "%s",
		    bad6[i]);
	}
	for (i = 0; i < sizeof(good6) / sizeof(good6[0]); i++) {
		ck_assert_int_eq(inet_pton(AF_INET6, good6[i], &a6), 1);
		ck_assert_msg(jta_http_addr_public(AF_INET6, &a6, 0), "%s",
		    good6[i]);
	}
	/* The tests' switch lets the loopback through, and nothing else. */
	ck_assert_int_eq(inet_pton(AF_INET, "127.0.0.1", &a4), 1);
	ck_assert(jta_http_addr_public(AF_INET, &a4, 1));
	ck_assert_int_eq(inet_pton(AF_INET6, "::1", &a6), 1);
	ck_assert(jta_http_addr_public(AF_INET6, &a6, 1));
	ck_assert_int_eq(inet_pton(AF_INET6, "::ffff:127.0.0.1", &a6), 1);
	ck_assert(jta_http_addr_public(AF_INET6, &a6, 1));
	ck_assert_int_eq(inet_pton(AF_INET, "10.0.0.1", &a4), 1);
	ck_assert(!jta_http_addr_public(AF_INET, &a4, 1));
	ck_assert(!jta_http_addr_public(AF_UNIX, &a4, 1));
}
END_TEST

/*
 * Issue 16 (RSS per worker): with OpenSSL and a default CA directory,
 * libcurl's default bundle is dropped and anchors are read from the
 * directory as chains need them (jta_http_ca_lazy).  That is only right
 * if the directory trusts what the bundle trusts: every certificate of
 * the bundle must be found in the directory by its subject (the lookup
 * OpenSSL makes while building a chain, X509_LOOKUP_hash_dir(3)).
 */
START_TEST(ca_directory_holds_every_anchor_of_the_bundle)
{
	CURL		*h;
	char		*dir = NULL, *file = NULL;
	struct stat	 sb;
	int		 usable;
#ifdef HAVE_OPENSSL_INIT
	X509_STORE	*st;
	X509_LOOKUP	*lk;
	X509_STORE_CTX	*ctx;
	X509_OBJECT	*got, *want;
	X509		*x;
	FILE		*f;
	size_t		 n = 0;
#endif

	ck_assert_ptr_nonnull(h = curl_easy_init());
#if LIBCURL_VERSION_NUM >= 0x075400
	curl_easy_getinfo(h, CURLINFO_CAPATH, &dir);
	curl_easy_getinfo(h, CURLINFO_CAINFO, &file);
#endif
	usable = dir != NULL && stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    strncmp(curl_version_info(CURLVERSION_NOW)->ssl_version,
	    "OpenSSL/", 8) == 0;
	ck_assert_int_eq(jta_http_ca_lazy(), usable);
#ifdef HAVE_OPENSSL_INIT
	if (usable && file != NULL) {
		ck_assert_ptr_nonnull(st = X509_STORE_new());
		ck_assert_ptr_nonnull(lk = X509_STORE_add_lookup(st,
		    X509_LOOKUP_hash_dir()));
		ck_assert_int_eq(X509_LOOKUP_add_dir(lk, dir,
		    X509_FILETYPE_PEM), 1);
		ck_assert_ptr_nonnull(ctx = X509_STORE_CTX_new());
		ck_assert_int_eq(X509_STORE_CTX_init(ctx, st, NULL, NULL), 1);
		ck_assert_ptr_nonnull(f = fopen(file, "r"));
		while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
			/* Loads every file of the subject's hash. */
			got = X509_STORE_CTX_get_obj_by_subject(ctx,
			    X509_LU_X509, X509_get_subject_name(x));
			ck_assert_ptr_nonnull(want = X509_OBJECT_new());
			ck_assert_int_eq(X509_OBJECT_set1_X509(want, x), 1);
			ck_assert_msg(got != NULL &&
			    X509_OBJECT_retrieve_match(X509_STORE_get0_objects(
			    st), want) != NULL, "anchor %zu of %s not in %s",
			    n, file, dir);
			X509_OBJECT_free(want);
			X509_OBJECT_free(got);
			X509_free(x);
			n++;
		}
		fclose(f);
		ck_assert_msg(n > 0, "no certificate in %s", file);
		X509_STORE_CTX_free(ctx);
		X509_STORE_free(st);
	}
#endif
	curl_easy_cleanup(h);
}
END_TEST

static Suite *
http_suite(void)
{
	Suite	*s = suite_create("jta_http");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, retry_after_seconds_and_dates);
	tcase_add_test(tc, urlencode_escapes_all_but_unreserved);
	tcase_add_test(tc, only_https_or_loopback_urls);
	tcase_add_test(tc, get_returns_status_and_body_and_sends_bearer);
	tcase_add_test(tc, post_sends_body_and_content_type);
	tcase_add_test(tc, client_errors_are_returned_not_failed);
	tcase_add_test(tc, server_error_is_502);
	tcase_add_test(tc, redirects_are_not_followed);
	tcase_add_test(tc, answer_over_the_cap_is_502);
	tcase_add_test(tc, answer_at_the_cap_is_kept);
	tcase_add_test(tc, answer_with_its_length_is_read_whole);
	tcase_add_test(tc, answer_whose_length_is_over_the_cap_is_502);
	tcase_add_test(tc, slow_answer_times_out_as_502);
	tcase_add_test(tc, refused_connection_is_502);
	tcase_add_test(tc, plain_http_elsewhere_is_refused);
	tcase_add_test(tc, busy_answer_is_waited_out_within_budget);
	tcase_add_test(tc, busy_answer_beyond_budget_is_503_with_retry_after);
	tcase_add_test(tc, create_is_never_repeated_on_busy);
	tcase_add_test(tc, too_many_requests_on_a_write_is_waited_out);
	tcase_add_test(tc, too_many_requests_on_a_write_beyond_budget_is_503);
	tcase_add_test(tc, busy_without_retry_after_logs_no_negative_delay);
	tcase_add_test(tc, create_never_resent_on_a_dead_kept_connection);
	tcase_add_test(tc, addr_public_refuses_special_ranges);
	tcase_add_test(tc, ca_directory_holds_every_anchor_of_the_bundle);
	suite_add_tcase(s, tc);
	return s;
}

/* Undo what jta_check_suite set up, after the run. */
static void
done(void)
{
	jta_http_global_free();
}

Suite *
jta_check_suite(void)
{
	signal(SIGPIPE, SIG_IGN);
	jta_log_set_level(JTA_LOG_ERROR);
	if (jta_http_global_init() != JTA_OK)
		return NULL;
	jta_check_at_end(done);
	return http_suite();
}
