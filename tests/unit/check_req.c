/*
 * Unit tests for jta_req: the request model built from CGI parameters,
 * and the table-driven validation of query strings and JSON bodies (the
 * number parser, UTF-8 and key checks are jta_text's, in check_text.c).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "jta_limits.h"
#include "jta_req.h"
#include "check_main.h"

#define N(t)	(sizeof(t) / sizeof((t)[0]))

/* ---- helpers ---- */

/* err must be filled with status, field and a detail holding has. */
static void
assert_error(enum jta_err rc, const struct jta_error *e, enum jta_err want,
    int status, const char *field, const char *has)
{
	ck_assert_msg(rc == want, "rc %d, want %d (detail: %s)", (int)rc,
	    (int)want, e->detail);
	ck_assert_msg(e->status == status, "status %d, want %d (detail: %s)",
	    e->status, status, e->detail);
	if (field != NULL)
		ck_assert_msg(strcmp(e->field, field) == 0,
		    "field '%s', want '%s' (detail: %s)", e->field, field,
		    e->detail);
	if (has != NULL)
		ck_assert_msg(strstr(e->detail, has) != NULL,
		    "detail '%s' lacks '%s'", e->detail, has);
}

static void
clear_error(struct jta_error *e)
{
	memset(e, 0, sizeof(*e));
}

/* ---- jta_req_init ---- */

struct params {
	const char	*names[24];
	const char	*values[24];
	size_t		 n;
};

static const char *
getparam(const char *name, void *arg)
{
	const struct params *p = arg;
	size_t	 i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->names[i], name) == 0)
			return p->values[i];
	return NULL;
}

static void
pset(struct params *p, const char *name, const char *value)
{
	size_t	 i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->names[i], name) == 0) {
			p->values[i] = value;
			return;
		}
	ck_assert_uint_lt(p->n, N(p->names));
	p->names[p->n] = name;
	p->values[p->n++] = value;
}

/* A GET of uri. */
static void
pinit(struct params *p, const char *method, const char *uri)
{
	memset(p, 0, sizeof(*p));
	pset(p, "REQUEST_METHOD", method);
	pset(p, "REQUEST_URI", uri);
}

static enum jta_err
init(struct jta_req *req, struct params *p, struct jta_error *e)
{
	clear_error(e);
	return jta_req_init(req, getparam, p, e);
}

START_TEST(init_fills_method_path_query)
{
	struct params	 p;
	struct jta_req	 req;
	struct jta_error e;

	pinit(&p, "GET", "/api/issues?text=printer&limit=5");
	pset(&p, "QUERY_STRING", "text=printer&limit=5");
	pset(&p, "HTTP_AUTHORIZATION", "Bearer x");
	pset(&p, "CONTENT_TYPE", "application/json");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_int_eq(req.method, JTA_METHOD_GET);
	ck_assert_str_eq(req.method_name, "GET");
	ck_assert_str_eq(req.path, "/api/issues");
	ck_assert_str_eq(req.query, "text=printer&limit=5");
	ck_assert_str_eq(req.authorization, "Bearer x");
	ck_assert_str_eq(req.content_type, "application/json");
	ck_assert_int_eq(req.has_body_length, 0);
	ck_assert_ptr_null(req.body);
	jta_req_clear(&req);
}
END_TEST

/* Every parameter jta_req_init reads, each set (of length n where the
 * value is made of one letter). */
static void
pall(struct params *p, char *cookie, size_t n)
{
	memset(cookie, 'c', n);
	cookie[n] = '\0';
	pinit(p, "POST", "/api/issues/A-1?x=1");
	pset(p, "HTTP_X_REQUEST_ID", "req-1");
	pset(p, "QUERY_STRING", "x=1");
	pset(p, "HTTP_AUTHORIZATION", "Bearer k");
	pset(p, "HTTP_IDEMPOTENCY_KEY", "idem");
	pset(p, "CONTENT_TYPE", "application/json");
	pset(p, "HTTP_IF_NONE_MATCH", "\"e\"");
	pset(p, "AUTH_TYPE", "Basic");
	pset(p, "REMOTE_USER", "op");
	pset(p, "SSL_CLIENT_VERIFY", "SUCCESS");
	pset(p, "SSL_CLIENT_S_DN", "CN=op");
	pset(p, "REMOTE_ADDR", "192.0.2.1");
	pset(p, "HTTP_ORIGIN", "https://a.example");
	pset(p, "HTTP_SEC_FETCH_SITE", "same-origin");
	pset(p, "HTTP_X_JTA_ADMIN", "1");
	pset(p, "HTTP_COOKIE", cookie);
	pset(p, "HTTP_MCP_PROTOCOL_VERSION", "2026-07-28");
	pset(p, "HTTP_MCP_METHOD", "tools/call");
	pset(p, "HTTP_MCP_NAME", "get_issue");
	pset(p, "CONTENT_LENGTH", "0");
}

/* got (gotsz bytes) is a string, and want's. */
static void
same_text(const char *name, int c, int round, const char *want,
    const char *got, size_t gotsz)
{
	ck_assert_msg(memchr(got, '\0', gotsz) != NULL,
	    "case %d round %d: %s is not a string", c, round, name);
	ck_assert_msg(strcmp(want, got) == 0,
	    "case %d round %d: %s is '%.40s', want '%s'", c, round, name,
	    got, want);
}

/* The text part of struct jta_req is not zeroed (jta_req.h): a request
 * built over garbage, or over the last request's text, holds exactly what
 * one built over zeros holds, whatever step it stopped at, and every
 * array of the text part is a string.  Fails if jta_req_init reads an
 * array it did not write or leaves one of the last request's. */
START_TEST(init_over_garbage)
{
	struct params	 p;
	struct jta_req	*zero, *reused;
	struct jta_error e0, e1;
	enum jta_err	 rc0, rc1;
	char		 cookie[JTA_LIMIT_HEADER + 2];
	char		 full[JTA_LIMIT_HEADER + 2];
	int		 c, round;
	/* The status each case stops at (0: accepted). */
	static const int want[] = { 0, 0, 400, 431, 0 };

	zero = malloc(sizeof(*zero));
	reused = malloc(sizeof(*reused));
	ck_assert_ptr_nonnull(zero);
	ck_assert_ptr_nonnull(reused);
	for (c = 0; c < 5; c++) {
		switch (c) {
		case 0:		/* all of it */
			pall(&p, cookie, 10);
			break;
		case 1:		/* nothing but the method and path */
			pinit(&p, "GET", "/api/issues");
			pset(&p, "HTTP_X_REQUEST_ID", "req-2");
			break;
		case 2:		/* stops at the path: 400 */
			memset(&p, 0, sizeof(p));
			pset(&p, "REQUEST_METHOD", "GET");
			pset(&p, "HTTP_X_REQUEST_ID", "req-3");
			break;
		case 3:		/* stops at the Cookie header: 431 */
			pall(&p, cookie, JTA_LIMIT_HEADER + 1);
			break;
		default:	/* a HEAD with a query from the URI only */
			pinit(&p, "HEAD", "/api/tickets/?search=a");
			pset(&p, "HTTP_X_REQUEST_ID", "req-5");
			break;
		}
		memset(zero, 0, sizeof(*zero));
		rc0 = init(zero, &p, &e0);
		ck_assert_int_eq(e0.status, want[c]);
		ck_assert_int_eq(rc0 == JTA_OK, want[c] == 0);
		for (round = 0; round < 2; round++) {
			struct params	 last;

			if (round == 0)
				memset(reused, 0xa5, sizeof(*reused));
			else {
				pall(&last, full, 20);
				ck_assert_int_eq(init(reused, &last, &e1),
				    JTA_OK);
				jta_req_clear(reused);
			}
			rc1 = init(reused, &p, &e1);
			ck_assert_int_eq(rc1, rc0);
			ck_assert_int_eq(e1.status, e0.status);
			ck_assert_msg(memcmp(zero, reused, offsetof(struct
			    jta_req, JTA_REQ_TEXT)) == 0,
			    "case %d: the fixed part differs", c);
#define SAME_TEXT(m)	same_text(#m, c, round, zero->m, reused->m,	\
			    sizeof(reused->m));
			JTA_REQ_TEXTS(SAME_TEXT)
#undef SAME_TEXT
			jta_req_clear(reused);
		}
		jta_req_clear(zero);
	}
	free(zero);
	free(reused);
}
END_TEST

/* A request's error starts with jta_error_begin (jta_fcgi.c's serve),
 * which leaves the items unzeroed (jta_err.h): over garbage it is empty,
 * and items added are whole. */
START_TEST(error_begin_over_garbage)
{
	struct jta_error e;

	memset(&e, 0xa5, sizeof(e));
	jta_error_begin(&e);
	ck_assert_int_eq(e.status, 0);
	ck_assert_str_eq(e.field, "");
	ck_assert_str_eq(e.detail, "");
	ck_assert_int_eq(e.retry_after, 0);
	ck_assert_uint_eq(e.nitems, 0);
	ck_assert_int_eq(jta_error_collected(&e), JTA_OK);
	ck_assert_int_eq(jta_error_add(&e, "priority", "is not known"), 0);
	ck_assert_uint_eq(e.items[0].nallowed, 0);
	ck_assert_uint_eq(e.items[0].allowedlen, 0);
	ck_assert_str_eq(e.items[0].name, "");
	ck_assert_str_eq(e.items[0].question, "");
	ck_assert_int_eq(jta_error_collected(&e), JTA_ERR_INPUT);
	ck_assert_int_eq(e.status, 422);
	ck_assert_str_eq(e.field, "priority");
}
END_TEST

START_TEST(init_maps_each_method)
{
	static const struct {
		const char	*name;
		enum jta_method	 m;
	} t[] = {
		{ "GET", JTA_METHOD_GET }, { "HEAD", JTA_METHOD_HEAD },
		{ "POST", JTA_METHOD_POST }, { "PUT", JTA_METHOD_PUT },
		{ "PATCH", JTA_METHOD_PATCH }, { "DELETE", JTA_METHOD_DELETE },
		{ "OPTIONS", JTA_METHOD_OTHER }, { "get", JTA_METHOD_OTHER },
		{ "GETX", JTA_METHOD_OTHER }, { "", JTA_METHOD_OTHER },
	};
	struct params	 p;
	struct jta_req	 req;
	struct jta_error e;
	size_t		 i;

	for (i = 0; i < N(t); i++) {
		pinit(&p, t[i].name, "/");
		ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
		ck_assert_msg(req.method == t[i].m, "method %s", t[i].name);
		ck_assert_str_eq(req.method_name, t[i].name);
	}
	/* No method at all. */
	memset(&p, 0, sizeof(p));
	pset(&p, "REQUEST_URI", "/");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_int_eq(req.method, JTA_METHOD_OTHER);
}
END_TEST

START_TEST(init_query_from_request_uri_when_no_query_string)
{
	struct params	 p;
	struct jta_req	 req;
	struct jta_error e;

	pinit(&p, "GET", "/api/issues?a=1&b=%20");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_str_eq(req.path, "/api/issues");
	ck_assert_str_eq(req.query, "a=1&b=%20");
	pinit(&p, "GET", "/api/issues");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_str_eq(req.query, "");
}
END_TEST

START_TEST(init_path_is_percent_decoded)
{
	struct params	 p;
	struct jta_req	 req;
	struct jta_error e;

	pinit(&p, "GET", "/api/issues/DEMO%2D1%2Fcomments?x=%2F");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_str_eq(req.path, "/api/issues/DEMO-1/comments");
	ck_assert_str_eq(req.query, "x=%2F");
	/* '+' is a plus in a path (only query strings use form encoding). */
	pinit(&p, "GET", "/a+b/caf%C3%A9");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_str_eq(req.path, "/a+b/caf\xc3\xa9");
	pinit(&p, "GET", "/%41%62%63");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_str_eq(req.path, "/Abc");
}
END_TEST

START_TEST(init_encoded_slash_cannot_hide_in_a_segment)
{
	struct params	 p;
	struct jta_req	 req;
	struct jta_error e;
	char		 seg[64];

	pinit(&p, "GET", "/api/issues/DEMO%2F1");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_str_eq(req.path, "/api/issues/DEMO/1");
	ck_assert_int_eq(jta_req_path_segment(&req, "/api/issues/", "", seg,
	    sizeof(seg)), 0);
}
END_TEST

START_TEST(init_bad_escapes_refused)
{
	static const char *const bad[] = {
		"/a%zz", "/a%4", "/a%", "/%g0", "/%0g", "/a%%41", "/a%00b",
		"/%ff", "/%c0%80", "/%ed%a0%80",
	};
	struct params	 p;
	struct jta_req	 req;
	struct jta_error e;
	size_t		 i;

	for (i = 0; i < N(bad); i++) {
		pinit(&p, "GET", bad[i]);
		assert_error(init(&req, &p, &e), &e, JTA_ERR_INPUT, 400,
		    "path", NULL);
	}
}
END_TEST

START_TEST(init_missing_or_relative_path_refused)
{
	struct params	 p;
	struct jta_req	 req;
	struct jta_error e;

	memset(&p, 0, sizeof(p));
	pset(&p, "REQUEST_METHOD", "GET");
	assert_error(init(&req, &p, &e), &e, JTA_ERR_INPUT, 400, "path",
	    NULL);
	pinit(&p, "GET", "api/issues");
	assert_error(init(&req, &p, &e), &e, JTA_ERR_INPUT, 400, "path",
	    NULL);
	pinit(&p, "GET", "");
	assert_error(init(&req, &p, &e), &e, JTA_ERR_INPUT, 400, "path",
	    NULL);
	pinit(&p, "GET", "http://example.org/api");
	assert_error(init(&req, &p, &e), &e, JTA_ERR_INPUT, 400, "path",
	    NULL);
}
END_TEST

START_TEST(init_path_over_limit_is_414)
{
	static char	 uri[JTA_LIMIT_PATH * 3 + 16];
	struct params	 p;
	struct jta_req	 req;
	struct jta_error e;
	size_t		 i;

	/* Exactly JTA_LIMIT_PATH decoded bytes is fine ... */
	uri[0] = '/';
	memset(uri + 1, 'a', JTA_LIMIT_PATH - 1);
	uri[JTA_LIMIT_PATH] = '\0';
	pinit(&p, "GET", uri);
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_uint_eq(strlen(req.path), JTA_LIMIT_PATH);
	/* ... one more is 414. */
	memset(uri + 1, 'a', JTA_LIMIT_PATH);
	uri[JTA_LIMIT_PATH + 1] = '\0';
	pinit(&p, "GET", uri);
	assert_error(init(&req, &p, &e), &e, JTA_ERR_INPUT, 414, "path", NULL);
	/* Percent-encoded: JTA_LIMIT_PATH decoded bytes from 3x raw. */
	uri[0] = '/';
	for (i = 0; i < JTA_LIMIT_PATH - 1; i++)
		memcpy(uri + 1 + 3 * i, "%41", 3);
	uri[1 + 3 * (JTA_LIMIT_PATH - 1)] = '\0';
	pinit(&p, "GET", uri);
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_uint_eq(strlen(req.path), JTA_LIMIT_PATH);
	for (i = 0; i < JTA_LIMIT_PATH + 4; i++)
		memcpy(uri + 1 + 3 * (i % JTA_LIMIT_PATH), "%41", 3);
	uri[1 + 3 * JTA_LIMIT_PATH] = '\0';
	pinit(&p, "GET", uri);
	assert_error(init(&req, &p, &e), &e, JTA_ERR_INPUT, 414, "path", NULL);
}
END_TEST

START_TEST(init_query_over_limit_is_414)
{
	static char	 q[JTA_LIMIT_QUERY + 8];
	struct params	 p;
	struct jta_req	 req;
	struct jta_error e;

	memset(q, 'x', JTA_LIMIT_QUERY);
	q[JTA_LIMIT_QUERY] = '\0';
	pinit(&p, "GET", "/");
	pset(&p, "QUERY_STRING", q);
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_uint_eq(strlen(req.query), JTA_LIMIT_QUERY);
	memset(q, 'x', JTA_LIMIT_QUERY + 1);
	q[JTA_LIMIT_QUERY + 1] = '\0';
	pset(&p, "QUERY_STRING", q);
	assert_error(init(&req, &p, &e), &e, JTA_ERR_INPUT, 414, "query",
	    NULL);
}
END_TEST

START_TEST(init_long_header_is_431)
{
	static char	 h[JTA_LIMIT_HEADER + 8];
	struct params	 p;
	struct jta_req	 req;
	struct jta_error e;

	memset(h, 'h', JTA_LIMIT_HEADER);
	h[JTA_LIMIT_HEADER] = '\0';
	pinit(&p, "GET", "/");
	pset(&p, "HTTP_AUTHORIZATION", h);
	pset(&p, "CONTENT_TYPE", h);
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	memset(h, 'h', JTA_LIMIT_HEADER + 1);
	h[JTA_LIMIT_HEADER + 1] = '\0';
	pinit(&p, "GET", "/");
	pset(&p, "HTTP_AUTHORIZATION", h);
	assert_error(init(&req, &p, &e), &e, JTA_ERR_INPUT, 431,
	    "Authorization", NULL);
	pinit(&p, "GET", "/");
	pset(&p, "CONTENT_TYPE", h);
	assert_error(init(&req, &p, &e), &e, JTA_ERR_INPUT, 431,
	    "Content-Type", NULL);
}
END_TEST

START_TEST(init_if_none_match_kept_and_bounded)
{
	static char	 h[JTA_LIMIT_HEADER + 8];
	struct params	 p;
	struct jta_req	 req;
	struct jta_error e;

	pinit(&p, "GET", "/openapi.yaml");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_str_eq(req.if_none_match, "");
	pinit(&p, "GET", "/openapi.yaml");
	pset(&p, "HTTP_IF_NONE_MATCH", "\"a\", W/\"b\"");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_str_eq(req.if_none_match, "\"a\", W/\"b\"");
	memset(h, 'h', JTA_LIMIT_HEADER + 1);
	h[JTA_LIMIT_HEADER + 1] = '\0';
	pinit(&p, "GET", "/openapi.yaml");
	pset(&p, "HTTP_IF_NONE_MATCH", h);
	assert_error(init(&req, &p, &e), &e, JTA_ERR_INPUT, 431,
	    "If-None-Match", NULL);
}
END_TEST

START_TEST(init_admin_operator_and_origin_headers)
{
	static char	 h[JTA_LIMIT_HEADER + 8];
	struct params	 p;
	struct jta_req	 req;
	struct jta_error e;

	pinit(&p, "POST", "/admin/api/switch");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_str_eq(req.remote_user, "");
	ck_assert_str_eq(req.client_dn, "");
	ck_assert_str_eq(req.origin, "");
	ck_assert_str_eq(req.sec_fetch_site, "");
	ck_assert_str_eq(req.admin_header, "");
	pset(&p, "REMOTE_USER", "alice");
	pset(&p, "HTTP_ORIGIN", "https://jta.example");
	pset(&p, "HTTP_SEC_FETCH_SITE", "same-origin");
	pset(&p, "HTTP_X_JTA_ADMIN", "1");
	pset(&p, "SSL_CLIENT_S_DN", "CN=Bob,O=Example");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	/* REMOTE_USER without AUTH_TYPE is what nginx makes of any
	 * client's Authorization: Basic header: nobody (issue 10, 12). */
	ck_assert_str_eq(req.remote_user, "");
	pset(&p, "AUTH_TYPE", "");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_str_eq(req.remote_user, "");
	pset(&p, "AUTH_TYPE", "Basic");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_str_eq(req.remote_user, "alice");
	ck_assert_str_eq(req.origin, "https://jta.example");
	ck_assert_str_eq(req.sec_fetch_site, "same-origin");
	ck_assert_str_eq(req.admin_header, "1");
	/* A subject DN counts only when the web server verified it. */
	ck_assert_str_eq(req.client_dn, "");
	pset(&p, "SSL_CLIENT_VERIFY", "FAILED:unable to verify");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_str_eq(req.client_dn, "");
	pset(&p, "SSL_CLIENT_VERIFY", "SUCCESS");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_str_eq(req.client_dn, "CN=Bob,O=Example");
	/* Cookies by name (RFC 6265 §4.2.1). */
	ck_assert_int_eq(jta_req_cookie("a=1; jta_signin=xyz;b=2",
	    "jta_signin", h, sizeof(h)), 0);
	ck_assert_str_eq(h, "xyz");
	ck_assert_int_eq(jta_req_cookie("xjta_signin=1", "jta_signin", h,
	    sizeof(h)), -1);
	ck_assert_int_eq(jta_req_cookie("a=1;b=22", "b", h, 3), 0);
	ck_assert_int_eq(jta_req_cookie("a=1;b=222", "b", h, 3), -1);
	ck_assert_int_eq(jta_req_cookie("", "b", h, sizeof(h)), -1);
	memset(h, 'h', JTA_LIMIT_HEADER + 1);
	h[JTA_LIMIT_HEADER + 1] = '\0';
	pset(&p, "HTTP_ORIGIN", h);
	assert_error(init(&req, &p, &e), &e, JTA_ERR_INPUT, 431, "Origin",
	    NULL);
}
END_TEST

START_TEST(content_length_plain_number_accepted)
{
	struct params	 p;
	struct jta_req	 req;
	struct jta_error e;

	pinit(&p, "POST", "/api/issues");
	pset(&p, "CONTENT_LENGTH", "123");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_int_eq(req.has_body_length, 1);
	ck_assert_uint_eq(req.content_length, 123);
	pset(&p, "CONTENT_LENGTH", "0");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_int_eq(req.has_body_length, 1);
	ck_assert_uint_eq(req.content_length, 0);
	pset(&p, "CONTENT_LENGTH", "");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_int_eq(req.has_body_length, 0);
}
END_TEST

START_TEST(content_length_with_sign_or_blank_refused)
{
	static const char *const bad[] = {
		"+5", "-5", " 5", "5 ", "05", "5a", "0x10", "1e3", "5.0",
		"\t5", "5,0", "-0",
	};
	struct params	 p;
	struct jta_req	 req;
	struct jta_error e;
	size_t		 i;

	for (i = 0; i < N(bad); i++) {
		pinit(&p, "POST", "/api/issues");
		pset(&p, "CONTENT_LENGTH", bad[i]);
		ck_assert_msg(init(&req, &p, &e) == JTA_ERR_INPUT,
		    "'%s' accepted", bad[i]);
		ck_assert_msg(e.status == 400, "'%s': status %d", bad[i],
		    e.status);
		ck_assert_str_eq(e.field, "Content-Length");
	}
}
END_TEST

START_TEST(content_length_at_limit_accepted_over_is_413)
{
	struct params	 p;
	struct jta_req	 req;
	struct jta_error e;
	char		 n[32];

	pinit(&p, "POST", "/api/issues");
	snprintf(n, sizeof(n), "%d", JTA_LIMIT_BODY);
	pset(&p, "CONTENT_LENGTH", n);
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_uint_eq(req.content_length, JTA_LIMIT_BODY);
	snprintf(n, sizeof(n), "%d", JTA_LIMIT_BODY + 1);
	pset(&p, "CONTENT_LENGTH", n);
	assert_error(init(&req, &p, &e), &e, JTA_ERR_INPUT, 413, "body",
	    NULL);
	pset(&p, "CONTENT_LENGTH", "4294967295");
	assert_error(init(&req, &p, &e), &e, JTA_ERR_INPUT, 413, "body",
	    NULL);
}
END_TEST

/* The header: CONTENT_LENGTH is a strict number, "413 above
 * JTA_LIMIT_BODY".  A well-formed number that does not fit 32 bits is
 * still a number above the limit. */
START_TEST(content_length_huge_number_is_413)
{
	struct params	 p;
	struct jta_req	 req;
	struct jta_error e;

	pinit(&p, "POST", "/api/issues");
	pset(&p, "CONTENT_LENGTH", "99999999999");
	assert_error(init(&req, &p, &e), &e, JTA_ERR_INPUT, 413, "body",
	    NULL);
}
END_TEST

START_TEST(request_id_from_header_when_plain)
{
	struct params	 p;
	struct jta_req	 req;
	struct jta_error e;

	pinit(&p, "GET", "/");
	pset(&p, "HTTP_X_REQUEST_ID", "abc-123_XYZ");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_str_eq(req.id, "abc-123_XYZ");
}
END_TEST

static int
allhex(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

START_TEST(request_id_random_when_absent_or_unsafe)
{
	static const char *const bad[] = {
		"", "has space", "new\nline", "semi;colon",
		"0123456789012345678901234567890123",	/* 34 bytes */
	};
	struct params	 p;
	struct jta_req	 req;
	struct jta_error e;
	char		 first[33];
	size_t		 i;

	pinit(&p, "GET", "/");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_uint_eq(strlen(req.id), 32);
	ck_assert(allhex(req.id));
	memcpy(first, req.id, sizeof(first));
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	ck_assert_str_ne(first, req.id);
	for (i = 0; i < N(bad); i++) {
		pset(&p, "HTTP_X_REQUEST_ID", bad[i]);
		ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
		ck_assert_uint_eq(strlen(req.id), 32);
		ck_assert_msg(allhex(req.id), "id '%s' from '%s'", req.id,
		    bad[i]);
	}
}
END_TEST

START_TEST(clear_releases_body)
{
	struct params	 p;
	struct jta_req	 req;
	struct jta_error e;

	pinit(&p, "POST", "/");
	ck_assert_int_eq(init(&req, &p, &e), JTA_OK);
	req.body = malloc(8);
	ck_assert_ptr_nonnull(req.body);
	memcpy(req.body, "{}", 3);
	req.body_len = 2;
	jta_req_clear(&req);
	ck_assert_ptr_null(req.body);
	ck_assert_uint_eq(req.body_len, 0);
	jta_req_clear(&req);
}
END_TEST

/* ---- path segments and issue keys in paths ---- */

static void
setpath(struct jta_req *req, const char *path)
{
	memset(req, 0, sizeof(*req));
	snprintf(req->path, sizeof(req->path), "%s", path);
}

START_TEST(path_segment_extracts_one_segment)
{
	struct jta_req	 req;
	char		 seg[32];

	setpath(&req, "/api/issues/DEMO-1");
	ck_assert_int_eq(jta_req_path_segment(&req, "/api/issues/", "", seg,
	    sizeof(seg)), 1);
	ck_assert_str_eq(seg, "DEMO-1");
	setpath(&req, "/api/issues/DEMO-1/comments");
	ck_assert_int_eq(jta_req_path_segment(&req, "/api/issues/",
	    "/comments", seg, sizeof(seg)), 1);
	ck_assert_str_eq(seg, "DEMO-1");
	setpath(&req, "/api/tickets/12/");
	ck_assert_int_eq(jta_req_path_segment(&req, "/api/tickets/", "/", seg,
	    sizeof(seg)), 1);
	ck_assert_str_eq(seg, "12");
}
END_TEST

START_TEST(path_segment_refuses_other_shapes)
{
	struct jta_req	 req;
	char		 seg[8];

	setpath(&req, "/api/issues/");
	ck_assert_int_eq(jta_req_path_segment(&req, "/api/issues/", "", seg,
	    sizeof(seg)), 0);
	setpath(&req, "/api/issues/A/B");
	ck_assert_int_eq(jta_req_path_segment(&req, "/api/issues/", "", seg,
	    sizeof(seg)), 0);
	setpath(&req, "/api/issues/A/comments");
	ck_assert_int_eq(jta_req_path_segment(&req, "/api/issues/", "", seg,
	    sizeof(seg)), 0);
	ck_assert_int_eq(jta_req_path_segment(&req, "/api/issues/",
	    "/transitions", seg, sizeof(seg)), 0);
	setpath(&req, "/api/issue/A");
	ck_assert_int_eq(jta_req_path_segment(&req, "/api/issues/", "", seg,
	    sizeof(seg)), 0);
	setpath(&req, "/api/issues//comments");
	ck_assert_int_eq(jta_req_path_segment(&req, "/api/issues/",
	    "/comments", seg, sizeof(seg)), 0);
	/* Does not fit out. */
	setpath(&req, "/api/issues/ABCDEFGH");
	ck_assert_int_eq(jta_req_path_segment(&req, "/api/issues/", "", seg,
	    sizeof(seg)), 0);
	setpath(&req, "/api/issues/ABCDEFG");
	ck_assert_int_eq(jta_req_path_segment(&req, "/api/issues/", "", seg,
	    sizeof(seg)), 1);
	ck_assert_str_eq(seg, "ABCDEFG");
	/* The prefix and suffix may not overlap. */
	setpath(&req, "/api/issues/");
	ck_assert_int_eq(jta_req_path_segment(&req, "/api/issues", "/", seg,
	    sizeof(seg)), 0);
}
END_TEST

START_TEST(issue_key_lower_case_upper_cased)
{
	struct jta_req	 req;
	struct jta_error e;
	char		 key[JTA_LIMIT_ISSUE_KEY + 1];

	setpath(&req, "/api/issues/demo-12");
	ck_assert_int_eq(jta_req_issue_key(&req, "", key, &e), JTA_OK);
	ck_assert_str_eq(key, "DEMO-12");
	setpath(&req, "/api/issues/Ops2-7/comments");
	ck_assert_int_eq(jta_req_issue_key(&req, "/comments", key, &e),
	    JTA_OK);
	ck_assert_str_eq(key, "OPS2-7");
}
END_TEST

START_TEST(issue_key_bad_key_is_404)
{
	static const char *const bad[] = {
		"/api/issues/DEMO", "/api/issues/DEMO-0", "/api/issues/",
		"/api/issues/DEMO-1/extra", "/api/other/DEMO-1",
		"/api/issues/DEMO-01", "/api/issues/-1", "/api/issues/D%2D1",
		"/api/issues/\xc3\xa9-1",
		"/api/issues/ABCDEFGHIJ-123456789012345678901",
	};
	struct jta_req	 req;
	struct jta_error e;
	char		 key[JTA_LIMIT_ISSUE_KEY + 1];
	size_t		 i;

	for (i = 0; i < N(bad); i++) {
		setpath(&req, bad[i]);
		clear_error(&e);
		assert_error(jta_req_issue_key(&req, "", key, &e), &e,
		    JTA_ERR_NOTFOUND, 404, "key", NULL);
	}
	setpath(&req, "/api/issues/DEMO-1");
	assert_error(jta_req_issue_key(&req, "/comments", key, &e), &e,
	    JTA_ERR_NOTFOUND, 404, "key", NULL);
}
END_TEST

/* ---- jta_req_query ---- */

static const char *const prio[] = { "Highest", "High", "Medium", "Low",
    "Lowest", NULL };
static const char *const res[] = { "OPEN", "RESOLVED", "CLOSED", NULL };

static const struct jta_field qfields[] = {
	{ "text", JTA_FT_STRING, 0, 1, 16, NULL },
	{ "body", JTA_FT_TEXT, 0, 0, 16, NULL },
	{ "limit", JTA_FT_UINT, 0, 1, 50, NULL },
	{ "priority", JTA_FT_ENUM, 0, 0, 0, prio },
	{ "status__in", JTA_FT_ENUMLIST, 0, 1, 2, res },
	{ "after", JTA_FT_TIME, 0, 0, 0, NULL },
	{ "assignee", JTA_FT_USERNAME, 0, 0, 0, NULL },
	{ "project", JTA_FT_PROJECT, 0, 0, 0, NULL },
	{ "key", JTA_FT_ISSUEKEY, 0, 0, 0, NULL },
	{ "labels", JTA_FT_LABELS, 0, 1, 3, NULL },
	{ "ids", JTA_FT_UINTLIST, 0, 1, 3, NULL },
};

static enum jta_err
query_with(const struct jta_field *f, size_t n, const char *q, json_t **out,
    struct jta_error *e)
{
	struct jta_req	 req;

	memset(&req, 0, sizeof(req));
	ck_assert_uint_lt(strlen(q), sizeof(req.query));
	snprintf(req.query, sizeof(req.query), "%s", q);
	clear_error(e);
	*out = (json_t *)&req;	/* must be reset to NULL on failure */
	return jta_req_query(&req, f, n, out, e);
}

static enum jta_err
query(const char *q, json_t **out, struct jta_error *e)
{
	return query_with(qfields, N(qfields), q, out, e);
}

/* q must be refused as a 422 (or status) for field. */
static void
query_refused(const char *q, int status, const char *field, const char *has)
{
	struct jta_error e;
	json_t		*out;
	enum jta_err	 rc;

	rc = query(q, &out, &e);
	if (rc == JTA_OK)
		json_decref(out);	/* leak-free even when this fails */
	else
		ck_assert_ptr_null(out);
	assert_error(rc, &e, JTA_ERR_INPUT, status, field, has);
}

/* q must be accepted; returns the result (caller decrefs). */
static json_t *
query_ok(const char *q)
{
	struct jta_error e;
	json_t		*out;

	ck_assert_msg(query(q, &out, &e) == JTA_OK, "'%s' refused: %s", q,
	    e.detail);
	ck_assert_ptr_nonnull(out);
	ck_assert(json_is_object(out));
	return out;
}

static const char *
sget(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	ck_assert_msg(v != NULL, "%s is not a string", k);
	return v;
}

static json_int_t
iget(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	ck_assert_msg(json_is_integer(v), "%s is not an integer", k);
	return json_integer_value(v);
}

START_TEST(query_empty_gives_empty_object)
{
	json_t	*o = query_ok("");

	ck_assert_uint_eq(json_object_size(o), 0);
	json_decref(o);
	o = query_ok("&&&");
	ck_assert_uint_eq(json_object_size(o), 0);
	json_decref(o);
}
END_TEST

START_TEST(query_unknown_param_names_it)
{
	query_refused("limit=5&colour=red", 400, "colour", "colour");
	query_refused("Limit=5", 400, "Limit", "Limit");
	query_refused("colour", 400, "colour", "colour");
	query_refused("colour=", 400, "colour", "colour");
}
END_TEST

START_TEST(query_duplicate_param_refused)
{
	query_refused("limit=1&limit=1", 400, "limit", "limit");
	query_refused("text=a&limit=2&text=b", 400, "text", "text");
	query_refused("limit=5&limit=", 400, "limit", "limit");
	query_refused("li%6dit=1&limit=2", 400, "limit", "limit");
}
END_TEST

/* The header: "Unknown and repeated parameters ... are refused".  Whether
 * the first copy was empty must not matter (limit=5&limit= is refused). */
START_TEST(query_duplicate_refused_even_when_first_empty)
{
	query_refused("limit=&limit=5", 400, "limit", "limit");
}
END_TEST

START_TEST(query_empty_value_is_absent)
{
	json_t	*o = query_ok("text=&limit=&labels=&priority");

	ck_assert_uint_eq(json_object_size(o), 0);
	json_decref(o);
}
END_TEST

START_TEST(query_bad_percent_escape_refused)
{
	query_refused("text=%zz", 400, "query", NULL);
	query_refused("text=%4", 400, "query", NULL);
	query_refused("text=%", 400, "query", NULL);
	query_refused("text=a%00b", 400, "query", NULL);
	query_refused("te%xt=a", 400, "query", NULL);
}
END_TEST

START_TEST(query_invalid_utf8_refused)
{
	query_refused("text=%ff", 400, "query", "UTF-8");
	query_refused("text=%c0%80", 400, "query", NULL);
	query_refused("text=%ed%a0%80", 400, "query", NULL);
	query_refused("text=%e2%82", 400, "query", NULL);
	query_refused("t%ffext=a", 400, "query", NULL);
}
END_TEST

START_TEST(query_plus_and_escapes_decoded)
{
	json_t	*o = query_ok("text=a+b%2Bc%20d&body=caf%C3%A9");

	ck_assert_str_eq(sget(o, "text"), "a b+c d");
	ck_assert_str_eq(sget(o, "body"), "caf\xc3\xa9");
	json_decref(o);
}
END_TEST

START_TEST(query_too_many_params_refused)
{
	char	 q[JTA_LIMIT_QUERY];
	size_t	 o = 0;
	int	 i;
	json_t	*out;
	struct jta_error e;

	for (i = 0; i <= JTA_LIMIT_PARAMS; i++)
		o += (size_t)snprintf(q + o, sizeof(q) - o, "%stext=", i ?
		    "&" : "");
	ck_assert_int_eq(query(q, &out, &e), JTA_ERR_INPUT);
	ck_assert_ptr_null(out);
	ck_assert_int_ge(e.status, 400);
}
END_TEST

START_TEST(query_string_refuses_control_chars)
{
	query_refused("text=a%01b", 422, "text", "control");
	query_refused("text=a%0Ab", 422, "text", NULL);
	query_refused("text=a%09b", 422, "text", NULL);
	query_refused("text=a%0Db", 422, "text", NULL);
	query_refused("text=a%7Fb", 422, "text", NULL);
	query_refused("text=%1B%5B31m", 422, "text", NULL);
}
END_TEST

START_TEST(query_string_length_bounded_in_bytes)
{
	json_t	*o = query_ok("text=0123456789abcdef");

	ck_assert_str_eq(sget(o, "text"), "0123456789abcdef");
	json_decref(o);
	query_refused("text=0123456789abcdefg", 422, "text", "16");
	/* 9 two-byte characters are 18 bytes. */
	query_refused("text=%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9"
	    "%C3%A9", 422, "text", NULL);
}
END_TEST

START_TEST(query_text_allows_newline_and_tab)
{
	json_t	*o = query_ok("body=a%0Ab%09c%0D%0A");

	ck_assert_str_eq(sget(o, "body"), "a\nb\tc\r\n");
	json_decref(o);
	query_refused("body=a%01", 422, "body", NULL);
	query_refused("body=a%7F", 422, "body", NULL);
	query_refused("body=a%1B", 422, "body", NULL);
}
END_TEST

START_TEST(query_uint_range_and_syntax)
{
	json_t	*o = query_ok("limit=50");

	ck_assert_int_eq(iget(o, "limit"), 50);
	json_decref(o);
	o = query_ok("limit=1");
	ck_assert_int_eq(iget(o, "limit"), 1);
	json_decref(o);
	query_refused("limit=0", 422, "limit", "1 to 50");
	query_refused("limit=51", 422, "limit", NULL);
	query_refused("limit=-1", 422, "limit", NULL);
	query_refused("limit=%2B5", 422, "limit", NULL);
	query_refused("limit=+5", 422, "limit", NULL);	/* "+" is a blank */
	query_refused("limit=05", 422, "limit", NULL);
	query_refused("limit=5.0", 422, "limit", NULL);
	query_refused("limit=1e1", 422, "limit", NULL);
	query_refused("limit=five", 422, "limit", NULL);
	query_refused("limit=99999999999999999999999", 422, "limit", NULL);
}
END_TEST

START_TEST(query_enum_canonicalised_ignoring_case)
{
	json_t	*o = query_ok("priority=high");

	ck_assert_str_eq(sget(o, "priority"), "High");
	json_decref(o);
	o = query_ok("priority=LOWEST");
	ck_assert_str_eq(sget(o, "priority"), "Lowest");
	json_decref(o);
	query_refused("priority=urgent", 422, "priority",
	    "Highest, High, Medium, Low, Lowest");
	query_refused("priority=high+", 422, "priority", NULL);
	query_refused("priority=Hig", 422, "priority", NULL);
}
END_TEST

START_TEST(query_enumlist_comma_list)
{
	json_t	*o = query_ok("status__in=open,Closed");
	json_t	*a = json_object_get(o, "status__in");

	ck_assert(json_is_array(a));
	ck_assert_uint_eq(json_array_size(a), 2);
	ck_assert_str_eq(json_string_value(json_array_get(a, 0)), "OPEN");
	ck_assert_str_eq(json_string_value(json_array_get(a, 1)), "CLOSED");
	json_decref(o);
	/* A list is a set. */
	o = query_ok("status__in=open,OPEN,Open");
	ck_assert_uint_eq(json_array_size(json_object_get(o, "status__in")),
	    1);
	json_decref(o);
	query_refused("status__in=open,closed,resolved", 422, "status__in",
	    "at most 2");
	query_refused("status__in=open,,closed", 422, "status__in", NULL);
	query_refused("status__in=open,", 422, "status__in", NULL);
	query_refused("status__in=open,pending", 422, "status__in",
	    "OPEN, RESOLVED, CLOSED");
}
END_TEST

START_TEST(query_time_is_epoch_seconds)
{
	json_t	*o = query_ok("after=2026-11-22");

	ck_assert_int_eq(iget(o, "after"), 1795305600);
	json_decref(o);
	o = query_ok("after=2026-11-22T00:00:01Z");
	ck_assert_int_eq(iget(o, "after"), 1795305601);
	json_decref(o);
	query_refused("after=2026-11-22T00:00:00%2B01:00", 422, "after",
	    "YYYY-MM-DD");
	query_refused("after=yesterday", 422, "after", NULL);
	query_refused("after=2023-02-29", 422, "after", NULL);
}
END_TEST

START_TEST(query_username_shape)
{
	char	 q[128];
	json_t	*o = query_ok("assignee=bob.smith_2-x");

	ck_assert_str_eq(sget(o, "assignee"), "bob.smith_2-x");
	json_decref(o);
	o = query_ok("assignee=1abc");
	json_decref(o);
	query_refused("assignee=Alice", 422, "assignee", NULL);
	query_refused("assignee=-bob", 422, "assignee", NULL);
	query_refused("assignee=.bob", 422, "assignee", NULL);
	query_refused("assignee=a+b", 422, "assignee", NULL);
	query_refused("assignee=a@b", 422, "assignee", NULL);
	query_refused("assignee=j%C3%B6rg", 422, "assignee", NULL);
	snprintf(q, sizeof(q), "assignee=%.64s",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	o = query_ok(q);
	json_decref(o);
	snprintf(q, sizeof(q), "assignee=%.65s",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	query_refused(q, 422, "assignee", NULL);
}
END_TEST

START_TEST(query_project_key_shape)
{
	json_t	*o = query_ok("project=OPS2");

	ck_assert_str_eq(sget(o, "project"), "OPS2");
	json_decref(o);
	query_refused("project=ops", 422, "project", NULL);
	query_refused("project=ABCDEFGHIJK", 422, "project", NULL);
	query_refused("project=A-1", 422, "project", NULL);
}
END_TEST

START_TEST(query_issue_key_shape)
{
	json_t	*o = query_ok("key=DEMO-12");

	ck_assert_str_eq(sget(o, "key"), "DEMO-12");
	json_decref(o);
	query_refused("key=DEMO", 422, "key", "PROJ-12");
	query_refused("key=DEMO-0", 422, "key", NULL);
	query_refused("key=12", 422, "key", NULL);
}
END_TEST

START_TEST(query_labels_deduplicated_and_bounded)
{
	char	 q[200];
	json_t	*o = query_ok("labels=b,a,b");
	json_t	*a = json_object_get(o, "labels");

	ck_assert_uint_eq(json_array_size(a), 2);
	ck_assert_str_eq(json_string_value(json_array_get(a, 0)), "b");
	ck_assert_str_eq(json_string_value(json_array_get(a, 1)), "a");
	json_decref(o);
	/* Duplicates do not count towards the maximum. */
	o = query_ok("labels=a,b,c,a,b");
	ck_assert_uint_eq(json_array_size(json_object_get(o, "labels")), 3);
	json_decref(o);
	query_refused("labels=a,b,c,d", 422, "labels", "at most 3");
	query_refused("labels=a,,b", 422, "labels", NULL);
	query_refused("labels=,a", 422, "labels", NULL);
	query_refused("labels=a+b", 422, "labels", NULL);
	query_refused("labels=a%09b", 422, "labels", NULL);
	query_refused("labels=a%01", 422, "labels", NULL);
	snprintf(q, sizeof(q), "labels=%.64s", "llllllllllllllllllllllllllllll"
	    "llllllllllllllllllllllllllllllllllllllllll");
	o = query_ok(q);
	json_decref(o);
	snprintf(q, sizeof(q), "labels=%.65s", "llllllllllllllllllllllllllllll"
	    "llllllllllllllllllllllllllllllllllllllllll");
	query_refused(q, 422, "labels", NULL);
}
END_TEST

START_TEST(query_uintlist_comma_list)
{
	json_t	*o = query_ok("ids=3,1,3");
	json_t	*a = json_object_get(o, "ids");

	ck_assert_uint_eq(json_array_size(a), 2);
	ck_assert_int_eq(json_integer_value(json_array_get(a, 0)), 3);
	ck_assert_int_eq(json_integer_value(json_array_get(a, 1)), 1);
	json_decref(o);
	query_refused("ids=1,x", 422, "ids", NULL);
	query_refused("ids=1,-2", 422, "ids", NULL);
	query_refused("ids=01", 422, "ids", NULL);
	query_refused("ids=1,2,3,4", 422, "ids", NULL);
	query_refused("ids=2147483648", 422, "ids", NULL);
	query_refused("ids=1,,2", 422, "ids", NULL);
}
END_TEST

START_TEST(query_required_missing_is_422)
{
	static const struct jta_field req_fields[] = {
		{ "q", JTA_FT_STRING, JTA_F_REQUIRED, 1, 10, NULL },
		{ "limit", JTA_FT_UINT, 0, 1, 50, NULL },
	};
	struct jta_error e;
	json_t		*out;

	assert_error(query_with(req_fields, N(req_fields), "limit=5", &out,
	    &e), &e, JTA_ERR_INPUT, 422, "q", "required");
	ck_assert_ptr_null(out);
	/* Empty counts as absent. */
	assert_error(query_with(req_fields, N(req_fields), "q=", &out, &e),
	    &e, JTA_ERR_INPUT, 422, "q", "required");
	ck_assert_int_eq(query_with(req_fields, N(req_fields), "q=x", &out,
	    &e), JTA_OK);
	json_decref(out);
}
END_TEST

START_TEST(query_with_no_fields_refuses_everything)
{
	struct jta_error e;
	json_t		*out;

	ck_assert_int_eq(query_with(qfields, 0, "", &out, &e), JTA_OK);
	json_decref(out);
	assert_error(query_with(qfields, 0, "a=1", &out, &e), &e,
	    JTA_ERR_INPUT, 400, "a", "a");
}
END_TEST

/* ---- JSON bodies ---- */

static const struct jta_field jfields[] = {
	{ "summary", JTA_FT_STRING, JTA_F_REQUIRED, 1, 10, NULL },
	{ "description", JTA_FT_TEXT, JTA_F_NULLABLE, 0, 64, NULL },
	{ "limit", JTA_FT_UINT, 0, 1, 50, NULL },
	{ "priority", JTA_FT_ENUM, 0, 0, 0, prio },
	{ "labels", JTA_FT_LABELS, JTA_F_NULLABLE, 0, 3, NULL },
	{ "ids", JTA_FT_UINTLIST, 0, 0, 3, NULL },
	{ "assignee", JTA_FT_USERNAME, JTA_F_NULLABLE, 0, 0, NULL },
	{ "due", JTA_FT_TIME, 0, 0, 0, NULL },
};

/* Parse and check s against jfields. */
static enum jta_err
body(const char *s, json_t **out, struct jta_error *e)
{
	json_t		*doc = NULL;
	enum jta_err	 rc;

	clear_error(e);
	*out = (json_t *)&doc;
	if ((rc = jta_req_parse_json(s, strlen(s), &doc, e)) != JTA_OK) {
		ck_assert_ptr_null(doc);
		*out = NULL;
		return rc;
	}
	rc = jta_req_check_object(doc, jfields, N(jfields), out, e);
	json_decref(doc);
	if (rc != JTA_OK)
		ck_assert_ptr_null(*out);
	return rc;
}

static json_t *
body_ok(const char *s)
{
	struct jta_error e;
	json_t		*out;

	ck_assert_msg(body(s, &out, &e) == JTA_OK, "'%s' refused: %s", s,
	    e.detail);
	return out;
}

static void
body_refused(const char *s, int status, const char *field, const char *has)
{
	struct jta_error e;
	json_t		*out;
	enum jta_err	 rc;

	rc = body(s, &out, &e);
	if (rc == JTA_OK)
		json_decref(out);	/* leak-free even when this fails */
	assert_error(rc, &e, JTA_ERR_INPUT, status, field, has);
}

/* A request carrying s as its body with content type ct. */
static enum jta_err
post(const char *ct, const char *s, json_t **out, struct jta_error *e)
{
	struct jta_req	 req;
	char		 buf[512];

	memset(&req, 0, sizeof(req));
	snprintf(req.content_type, sizeof(req.content_type), "%s", ct);
	snprintf(buf, sizeof(buf), "%s", s);
	req.body = buf;
	req.body_len = strlen(buf);
	clear_error(e);
	return jta_req_json(&req, jfields, N(jfields), out, e);
}

START_TEST(json_content_type_application_json_accepted)
{
	static const char *const ok[] = {
		"application/json", "application/json; charset=utf-8",
		"application/json;charset=UTF-8", "Application/JSON",
		"application/json ; charset=utf-8",
	};
	struct jta_error e;
	json_t		*out;
	size_t		 i;

	for (i = 0; i < N(ok); i++) {
		ck_assert_msg(post(ok[i], "{\"summary\":\"x\"}", &out, &e) ==
		    JTA_OK, "'%s' refused: %s", ok[i], e.detail);
		ck_assert_str_eq(sget(out, "summary"), "x");
		json_decref(out);
	}
}
END_TEST

START_TEST(json_other_content_type_is_415)
{
	static const char *const bad[] = {
		"text/plain", "", "application/jsonx", "application/json-seq",
		"application/x-www-form-urlencoded", "json",
		"application/problem+json", "text/json",
	};
	struct jta_error e;
	json_t		*out;
	size_t		 i;

	for (i = 0; i < N(bad); i++) {
		assert_error(post(bad[i], "{\"summary\":\"x\"}", &out, &e), &e,
		    JTA_ERR_INPUT, 415, "Content-Type", NULL);
		ck_assert_ptr_null(out);
	}
}
END_TEST

START_TEST(json_empty_body_refused)
{
	struct jta_req	 req;
	struct jta_error e;
	json_t		*out;

	memset(&req, 0, sizeof(req));
	snprintf(req.content_type, sizeof(req.content_type),
	    "application/json");
	assert_error(jta_req_json(&req, jfields, N(jfields), &out, &e), &e,
	    JTA_ERR_INPUT, 400, "body", NULL);
	ck_assert_ptr_null(out);
	body_refused("", 400, "body", NULL);
	body_refused("   ", 400, "body", NULL);
}
END_TEST

START_TEST(json_not_an_object_refused)
{
	body_refused("[]", 400, "body", "object");
	body_refused("[{\"summary\":\"x\"}]", 400, "body", "object");
	/* jansson itself refuses a scalar document (no JSON_DECODE_ANY). */
	body_refused("1", 400, "body", NULL);
	body_refused("\"s\"", 400, "body", NULL);
	body_refused("null", 400, "body", NULL);
	body_refused("true", 400, "body", NULL);
}
END_TEST

START_TEST(json_syntax_error_does_not_quote_input)
{
	struct jta_error e;
	json_t		*out;

	assert_error(body("{\"s3cr3t-t0ken\": }", &out, &e), &e,
	    JTA_ERR_INPUT, 400, "body", NULL);
	ck_assert_ptr_null(strstr(e.detail, "s3cr3t"));
	body_refused("{", 400, "body", NULL);
	body_refused("{\"summary\":\"x\"} trailing", 400, "body", NULL);
	body_refused("{\"summary\":\"x\"}{}", 400, "body", NULL);
	body_refused("{'summary':'x'}", 400, "body", NULL);
	body_refused("{\"summary\":\"x\",}", 400, "body", NULL);
}
END_TEST

START_TEST(json_duplicate_keys_refused)
{
	body_refused("{\"summary\":\"a\",\"summary\":\"b\"}", 400, "body",
	    "twice");
	body_refused("{\"summary\":\"a\",\"labels\":[],\"summary\":\"a\"}",
	    400, "body", NULL);
}
END_TEST

START_TEST(json_depth_limit)
{
	char	 s[128];
	size_t	 o = 0;
	int	 i;
	json_t	*doc;
	struct jta_error e;

	/* The object and JTA_LIMIT_JSON_DEPTH - 1 arrays: at the limit. */
	o += (size_t)snprintf(s + o, sizeof(s) - o, "{\"a\":");
	for (i = 0; i < JTA_LIMIT_JSON_DEPTH - 1; i++)
		s[o++] = '[';
	s[o++] = '1';
	for (i = 0; i < JTA_LIMIT_JSON_DEPTH - 1; i++)
		s[o++] = ']';
	s[o++] = '}';
	s[o] = '\0';
	ck_assert_int_eq(jta_req_parse_json(s, strlen(s), &doc, &e), JTA_OK);
	json_decref(doc);
	/* One level more. */
	o = (size_t)snprintf(s, sizeof(s), "{\"a\":");
	for (i = 0; i < JTA_LIMIT_JSON_DEPTH; i++)
		s[o++] = '[';
	s[o++] = '1';
	for (i = 0; i < JTA_LIMIT_JSON_DEPTH; i++)
		s[o++] = ']';
	s[o++] = '}';
	s[o] = '\0';
	clear_error(&e);
	assert_error(jta_req_parse_json(s, strlen(s), &doc, &e), &e,
	    JTA_ERR_INPUT, 400, "body", "deeper");
	ck_assert_ptr_null(doc);
	/* Brackets inside strings are not nesting. */
	snprintf(s, sizeof(s), "{\"a\":\"[[[[[[[[[[{{{{{{{{\\\"[[[[\"}");
	ck_assert_int_eq(jta_req_parse_json(s, strlen(s), &doc, &e), JTA_OK);
	json_decref(doc);
}
END_TEST

START_TEST(json_deep_unclosed_nesting_refused_quickly)
{
	static char	 s[JTA_LIMIT_BODY];
	json_t		*doc;
	struct jta_error e;

	memset(s, '[', sizeof(s));
	assert_error(jta_req_parse_json(s, sizeof(s), &doc, &e), &e,
	    JTA_ERR_INPUT, 400, "body", NULL);
	ck_assert_ptr_null(doc);
}
END_TEST

START_TEST(json_body_over_limit_is_413)
{
	char		*s;
	json_t		*doc;
	struct jta_error e;
	size_t		 len = JTA_LIMIT_BODY + 1;

	s = malloc(len);
	ck_assert_ptr_nonnull(s);
	memset(s, ' ', len);
	s[0] = '{';
	s[len - 1] = '}';
	assert_error(jta_req_parse_json(s, len, &doc, &e), &e, JTA_ERR_INPUT,
	    413, "body", NULL);
	ck_assert_ptr_null(doc);
	free(s);
}
END_TEST

START_TEST(json_invalid_utf8_refused)
{
	body_refused("{\"summary\":\"\xff\"}", 400, "body", "UTF-8");
	body_refused("{\"summary\":\"\xc0\x80\"}", 400, "body", NULL);
	body_refused("{\"summary\":\"\xed\xa0\x80\"}", 400, "body", NULL);
	body_refused("{\"\xff\":1}", 400, "body", NULL);
}
END_TEST

START_TEST(json_nul_escape_refused)
{
	body_refused("{\"summary\":\"a\\u0000b\"}", 400, "body", "NUL");
	body_refused("{\"a\\u0000b\":\"x\"}", 400, "body", NULL);
}
END_TEST

START_TEST(json_raw_nul_byte_refused)
{
	static const char s[] = "{\"summary\":\"a\0b\"}";
	json_t		*doc;
	struct jta_error e;

	clear_error(&e);
	ck_assert_int_eq(jta_req_parse_json(s, sizeof(s) - 1, &doc, &e),
	    JTA_ERR_INPUT);
	ck_assert_ptr_null(doc);
	ck_assert_int_eq(e.status, 400);
}
END_TEST

START_TEST(json_unknown_fields_all_named)
{
	struct jta_error e;
	json_t		*out;

	assert_error(body("{\"summary\":\"x\",\"zz\":1,\"yy\":2}", &out, &e),
	    &e, JTA_ERR_INPUT, 400, NULL, "zz");
	ck_assert_ptr_nonnull(strstr(e.detail, "yy"));
	ck_assert(strcmp(e.field, "zz") == 0 || strcmp(e.field, "yy") == 0);
	/* The allowed ones are listed too. */
	ck_assert_ptr_nonnull(strstr(e.detail, "summary"));
	ck_assert_ptr_nonnull(strstr(e.detail, "assignee"));
}
END_TEST

START_TEST(json_null_for_nullable_kept)
{
	json_t	*o = body_ok("{\"summary\":\"x\",\"description\":null,"
	    "\"labels\":null,\"assignee\":null}");

	ck_assert(json_is_null(json_object_get(o, "description")));
	ck_assert(json_is_null(json_object_get(o, "labels")));
	ck_assert(json_is_null(json_object_get(o, "assignee")));
	ck_assert_uint_eq(json_object_size(o), 4);
	json_decref(o);
}
END_TEST

START_TEST(json_null_for_non_nullable_refused)
{
	body_refused("{\"summary\":null}", 422, "summary", "null");
	body_refused("{\"summary\":\"x\",\"limit\":null}", 422, "limit",
	    "null");
	body_refused("{\"summary\":\"x\",\"priority\":null}", 422, "priority",
	    NULL);
}
END_TEST

START_TEST(json_wrong_types_refused)
{
	body_refused("{\"summary\":5}", 422, "summary", "string");
	body_refused("{\"summary\":true}", 422, "summary", NULL);
	body_refused("{\"summary\":[\"x\"]}", 422, "summary", NULL);
	body_refused("{\"summary\":{\"a\":1}}", 422, "summary", NULL);
	body_refused("{\"summary\":\"x\",\"limit\":\"5\"}", 422, "limit",
	    NULL);
	body_refused("{\"summary\":\"x\",\"limit\":5.0}", 422, "limit", NULL);
	body_refused("{\"summary\":\"x\",\"limit\":true}", 422, "limit",
	    NULL);
	body_refused("{\"summary\":\"x\",\"priority\":1}", 422, "priority",
	    NULL);
	body_refused("{\"summary\":\"x\",\"labels\":\"a,b\"}", 422, "labels",
	    "array");
	body_refused("{\"summary\":\"x\",\"labels\":[1]}", 422, "labels",
	    NULL);
	body_refused("{\"summary\":\"x\",\"labels\":[[\"a\"]]}", 422,
	    "labels", NULL);
	body_refused("{\"summary\":\"x\",\"ids\":[\"1\"]}", 422, "ids", NULL);
	body_refused("{\"summary\":\"x\",\"ids\":[-1]}", 422, "ids", NULL);
	body_refused("{\"summary\":\"x\",\"ids\":[1.5]}", 422, "ids", NULL);
	body_refused("{\"summary\":\"x\",\"ids\":1}", 422, "ids", NULL);
	body_refused("{\"summary\":\"x\",\"due\":1795305600}", 422, "due",
	    NULL);
}
END_TEST

START_TEST(json_integer_ranges)
{
	json_t	*o = body_ok("{\"summary\":\"x\",\"limit\":50}");

	ck_assert_int_eq(iget(o, "limit"), 50);
	json_decref(o);
	body_refused("{\"summary\":\"x\",\"limit\":0}", 422, "limit",
	    "1 to 50");
	body_refused("{\"summary\":\"x\",\"limit\":51}", 422, "limit", NULL);
	body_refused("{\"summary\":\"x\",\"limit\":-5}", 422, "limit", NULL);
	body_refused("{\"summary\":\"x\",\"limit\":4611686018427387904}", 422,
	    "limit", NULL);
	body_refused("{\"summary\":\"x\",\"limit\":99999999999999999999999}",
	    400, "body", NULL);
	body_refused("{\"summary\":\"x\",\"ids\":[2147483648]}", 422, "ids",
	    NULL);
}
END_TEST

START_TEST(json_string_lengths)
{
	json_t	*o = body_ok("{\"summary\":\"0123456789\"}");

	json_decref(o);
	body_refused("{\"summary\":\"\"}", 422, "summary", "empty");
	body_refused("{\"summary\":\"0123456789a\"}", 422, "summary", NULL);
	/* Bytes, not characters: 6 x é is 12 bytes. */
	body_refused("{\"summary\":\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
	    "\\u00e9\"}", 422, "summary", NULL);
	body_refused("{\"summary\":\"a\\nb\"}", 422, "summary", "control");
	body_refused("{\"summary\":\"a\\u007fb\"}", 422, "summary", NULL);
}
END_TEST

START_TEST(json_text_allows_newlines)
{
	json_t	*o = body_ok("{\"summary\":\"x\",\"description\":"
	    "\"line 1\\nline 2\\r\\n\\tindented\"}");

	ck_assert_str_eq(sget(o, "description"),
	    "line 1\nline 2\r\n\tindented");
	json_decref(o);
	body_refused("{\"summary\":\"x\",\"description\":\"bell\\u0007\"}",
	    422, "description", NULL);
}
END_TEST

START_TEST(json_enum_and_lists_canonical)
{
	json_t	*o = body_ok("{\"summary\":\"x\",\"priority\":\"hIgH\","
	    "\"labels\":[\"b\",\"a\",\"b\"],\"ids\":[2,2,1],"
	    "\"due\":\"2026-11-22\"}");
	json_t	*l = json_object_get(o, "labels");

	ck_assert_str_eq(sget(o, "priority"), "High");
	ck_assert_uint_eq(json_array_size(l), 2);
	ck_assert_str_eq(json_string_value(json_array_get(l, 0)), "b");
	ck_assert_str_eq(json_string_value(json_array_get(l, 1)), "a");
	ck_assert_uint_eq(json_array_size(json_object_get(o, "ids")), 2);
	ck_assert_int_eq(iget(o, "due"), 1795305600);
	json_decref(o);
	body_refused("{\"summary\":\"x\",\"labels\":[\"a\",\"b\",\"c\","
	    "\"d\"]}", 422, "labels", NULL);
	body_refused("{\"summary\":\"x\",\"labels\":[\"\"]}", 422, "labels",
	    NULL);
	body_refused("{\"summary\":\"x\",\"labels\":[\"a b\"]}", 422,
	    "labels", NULL);
	body_refused("{\"summary\":\"x\",\"labels\":[\"a,b\"]}", 422,
	    "labels", NULL);
	body_refused("{\"summary\":\"x\",\"assignee\":\"Bob\"}", 422,
	    "assignee", NULL);
}
END_TEST

START_TEST(json_required_missing_is_422)
{
	body_refused("{}", 422, "summary", "required");
	body_refused("{\"limit\":5}", 422, "summary", "required");
}
END_TEST

START_TEST(json_absent_fields_stay_absent)
{
	json_t	*o = body_ok("{\"summary\":\"x\"}");

	ck_assert_uint_eq(json_object_size(o), 1);
	json_decref(o);
}
END_TEST

/* A JSON array of objects (a draft's openaiFileIdRefs): at most max
 * objects, each kept as sent for the caller to check. */
START_TEST(json_objects)
{
	static const struct jta_field f[] = {
		{ "refs", JTA_FT_OBJECTS, 0, 0, 2, NULL },
	};
	static const struct {
		const char	*in;
		int		 ok;
	} t[] = {
		{ "{\"refs\":[]}", 1 },
		{ "{\"refs\":[{\"name\":\"a.png\",\"x\":[1]},{}]}", 1 },
		{ "{\"refs\":[{},{},{}]}", 0 },
		{ "{\"refs\":[\"file-1\"]}", 0 },
		{ "{\"refs\":[{},null]}", 0 },
		{ "{\"refs\":{\"name\":\"a\"}}", 0 },
		{ "{\"refs\":\"a\"}", 0 },
		{ "{\"refs\":null}", 0 },
	};
	struct jta_error e;
	json_t		*doc, *out;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(jta_req_parse_json(t[i].in, strlen(t[i].in),
		    &doc, &e), JTA_OK);
		clear_error(&e);
		if (t[i].ok) {
			ck_assert_msg(jta_req_check_object(doc, f, 1, &out,
			    &e) == JTA_OK, "%s: %s", t[i].in, e.detail);
			ck_assert(json_equal(json_object_get(out, "refs"),
			    json_object_get(doc, "refs")));
			json_decref(out);
		} else {
			ck_assert_msg(jta_req_check_object(doc, f, 1, &out,
			    &e) == JTA_ERR_INPUT, "%s accepted", t[i].in);
			ck_assert_int_eq(e.status, 422);
			ck_assert_str_eq(e.field, "refs");
			ck_assert_ptr_null(out);
		}
		json_decref(doc);
	}
}
END_TEST

START_TEST(json_names_and_object)
{
	static const struct jta_field f[] = {
		{ "components", JTA_FT_NAMES, 0, 0, 3, NULL },
		{ "fields", JTA_FT_OBJECT, 0, 0, 2, NULL },
	};
	static const struct {
		const char	*in;
		int		 ok;
	} t[] = {
		{ "{\"components\":[\"Back end\",\"VPN\",\"VPN\"]}", 1 },
		{ "{\"fields\":{\"A b\":[1,{\"x\":2}],\"c\":null}}", 1 },
		{ "{\"components\":\"VPN\"}", 0 },
		{ "{\"components\":[\"\"]}", 0 },
		{ "{\"components\":[\"a\\nb\"]}", 0 },
		{ "{\"components\":[1]}", 0 },
		{ "{\"components\":[\"a\",\"b\",\"c\",\"d\"]}", 0 },
		{ "{\"fields\":[1]}", 0 },
		{ "{\"fields\":\"x\"}", 0 },
		{ "{\"fields\":{\"a\":1,\"b\":2,\"c\":3}}", 0 },
	};
	struct jta_error e;
	json_t		*doc, *out;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(jta_req_parse_json(t[i].in, strlen(t[i].in),
		    &doc, &e), JTA_OK);
		clear_error(&e);
		if (t[i].ok) {
			ck_assert_msg(jta_req_check_object(doc, f, 2, &out,
			    &e) == JTA_OK, "%s: %s", t[i].in, e.detail);
			json_decref(out);
		} else {
			ck_assert_msg(jta_req_check_object(doc, f, 2, &out,
			    &e) == JTA_ERR_INPUT, "%s accepted", t[i].in);
			ck_assert_int_eq(e.status, 422);
			ck_assert_ptr_null(out);
		}
		json_decref(doc);
	}
	/* A list is a set; the object is kept as sent. */
	ck_assert_int_eq(jta_req_parse_json(t[0].in, strlen(t[0].in), &doc,
	    &e), JTA_OK);
	ck_assert_int_eq(jta_req_check_object(doc, f, 2, &out, &e), JTA_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(out, "components")),
	    2);
	json_decref(out);
	json_decref(doc);
	ck_assert_int_eq(jta_req_parse_json(t[1].in, strlen(t[1].in), &doc,
	    &e), JTA_OK);
	ck_assert_int_eq(jta_req_check_object(doc, f, 2, &out, &e), JTA_OK);
	ck_assert(json_equal(json_object_get(out, "fields"),
	    json_object_get(doc, "fields")));
	json_decref(out);
	json_decref(doc);
}
END_TEST

START_TEST(json_members_limit)
{
	char	 s[2048];
	size_t	 o = 0;
	int	 i;
	json_t	*doc, *out;
	struct jta_error e;

	s[o++] = '{';
	for (i = 0; i <= JTA_LIMIT_JSON_MEMBERS; i++)
		o += (size_t)snprintf(s + o, sizeof(s) - o, "%s\"f%d\":1",
		    i ? "," : "", i);
	s[o++] = '}';
	s[o] = '\0';
	ck_assert_int_eq(jta_req_parse_json(s, o, &doc, &e), JTA_OK);
	clear_error(&e);
	assert_error(jta_req_check_object(doc, jfields, N(jfields), &out, &e),
	    &e, JTA_ERR_INPUT, 400, "body", "members");
	ck_assert_ptr_null(out);
	json_decref(doc);
}
END_TEST

START_TEST(json_via_request_validates_fields)
{
	struct jta_error e;
	json_t		*out;

	assert_error(post("application/json", "{\"summary\":\"x\",\"bad\":1}",
	    &out, &e), &e, JTA_ERR_INPUT, 400, "bad", "bad");
	ck_assert_ptr_null(out);
	assert_error(post("application/json", "[1]", &out, &e), &e,
	    JTA_ERR_INPUT, 400, "body", NULL);
	ck_assert_ptr_null(out);
}
END_TEST

/* ---- jta_req_form ---- */

static const struct jta_field ffields[] = {
	{ "grant_type", JTA_FT_STRING, JTA_F_REQUIRED, 1, 32, NULL },
	{ "code", JTA_FT_STRING, 0, 1, 64, NULL },
};

static enum jta_err
form(const char *ct, const char *body, size_t len, json_t **out,
    struct jta_error *e)
{
	static char	 buf[JTA_LIMIT_BODY + 1];
	struct jta_req	 req;

	memset(&req, 0, sizeof(req));
	snprintf(req.content_type, sizeof(req.content_type), "%s", ct);
	ck_assert_uint_le(len, JTA_LIMIT_BODY);
	memcpy(buf, body, len);
	buf[len] = '\0';
	req.body = buf;
	req.body_len = len;
	clear_error(e);
	return jta_req_form(&req, ffields, N(ffields), out, e);
}

START_TEST(form_body_decoded_like_a_query)
{
	static const char b[] = "grant_type=authorization_code&code=a%2Bb+c";
	struct jta_error e;
	json_t		*out;

	ck_assert_int_eq(form("application/x-www-form-urlencoded; "
	    "charset=UTF-8", b, strlen(b), &out, &e), JTA_OK);
	ck_assert_str_eq(sget(out, "grant_type"), "authorization_code");
	ck_assert_str_eq(sget(out, "code"), "a+b c");
	json_decref(out);
}
END_TEST

START_TEST(form_media_type_ignores_case)
{
	static const char b[] = "grant_type=x";
	struct jta_error e;
	json_t		*out;

	ck_assert_int_eq(form("Application/X-WWW-Form-Urlencoded", b,
	    strlen(b), &out, &e), JTA_OK);
	json_decref(out);
}
END_TEST

START_TEST(form_other_content_type_is_415)
{
	static const char b[] = "grant_type=x";
	struct jta_error e;
	json_t		*out;

	assert_error(form("application/json", b, strlen(b), &out, &e), &e,
	    JTA_ERR_INPUT, 415, "Content-Type", "x-www-form-urlencoded");
	ck_assert_ptr_null(out);
	assert_error(form("application/x-www-form-urlencodedx", b,
	    strlen(b), &out, &e), &e, JTA_ERR_INPUT, 415, "Content-Type",
	    "x-www-form-urlencoded");
	assert_error(form("", b, strlen(b), &out, &e), &e, JTA_ERR_INPUT,
	    415, "Content-Type", "x-www-form-urlencoded");
}
END_TEST

START_TEST(form_unknown_repeated_and_missing_fields_refused)
{
	static const char unk[] = "grant_type=x&client_x=1";
	static const char rep[] = "grant_type=x&grant_type=y";
	static const char miss[] = "code=1";
	static const char ct[] = "application/x-www-form-urlencoded";
	struct jta_error e;
	json_t		*out;

	assert_error(form(ct, unk, strlen(unk), &out, &e), &e,
	    JTA_ERR_INPUT, 400, "client_x", "client_x");
	assert_error(form(ct, rep, strlen(rep), &out, &e), &e,
	    JTA_ERR_INPUT, 400, "grant_type", "twice");
	assert_error(form(ct, miss, strlen(miss), &out, &e), &e,
	    JTA_ERR_INPUT, 422, "grant_type", "grant_type");
	assert_error(form(ct, "", 0, &out, &e), &e, JTA_ERR_INPUT, 422,
	    "grant_type", "grant_type");
}
END_TEST

START_TEST(form_nul_escape_and_limit_refused)
{
	static const char nul[] = "grant_type=x\0y";
	static const char bad[] = "grant_type=%zz";
	static const char ct[] = "application/x-www-form-urlencoded";
	char		 big[JTA_LIMIT_FORM + 20];
	struct jta_error e;
	json_t		*out;

	assert_error(form(ct, nul, sizeof(nul) - 1, &out, &e), &e,
	    JTA_ERR_INPUT, 400, "body", "NUL");
	assert_error(form(ct, bad, strlen(bad), &out, &e), &e,
	    JTA_ERR_INPUT, 400, "body", "percent");
	memset(big, 'a', sizeof(big));
	memcpy(big, "grant_type=", 11);
	assert_error(form(ct, big, JTA_LIMIT_FORM + 1, &out, &e), &e,
	    JTA_ERR_INPUT, 413, "body", "longer");
	/* Exactly at the limit is parsed (and here refused only by the
	 * field's own length). */
	assert_error(form(ct, big, JTA_LIMIT_FORM, &out, &e), &e,
	    JTA_ERR_INPUT, 422, "grant_type", "");
}
END_TEST

START_TEST(form_others_flag_drops_unknown_but_not_repeats)
{
	static const struct jta_field lenient[] = {
		{ "state", JTA_FT_STRING, JTA_F_OTHERS, 1, 16, NULL },
	};
	static char	 ok[] = "nonce=1&state=s&prompt=login&nonce=2";
	static char	 rep[] = "state=a&x=1&state=b";
	static const char ct[] = "application/x-www-form-urlencoded";
	struct jta_error e;
	struct jta_req	 req;
	json_t		*out;

	memset(&req, 0, sizeof(req));
	snprintf(req.content_type, sizeof(req.content_type), "%s", ct);
	req.body = ok;
	req.body_len = strlen(ok);
	clear_error(&e);
	ck_assert_int_eq(jta_req_form(&req, lenient, 1, &out, &e), JTA_OK);
	ck_assert_str_eq(sget(out, "state"), "s");
	ck_assert_uint_eq(json_object_size(out), 1);
	json_decref(out);
	req.body = rep;
	req.body_len = strlen(rep);
	assert_error(jta_req_form(&req, lenient, 1, &out, &e), &e,
	    JTA_ERR_INPUT, 400, "state", "twice");
	/* Without the flag the same body is refused. */
	req.body = ok;
	req.body_len = strlen(ok);
	assert_error(jta_req_form(&req, ffields, N(ffields), &out, &e), &e,
	    JTA_ERR_INPUT, 400, "nonce", "nonce");
}
END_TEST

Suite *
jta_check_suite(void)
{
	Suite	*s = suite_create("jta_req");
	TCase	*tc;

	tc = tcase_create("init");
	tcase_add_test(tc, init_fills_method_path_query);
	tcase_add_test(tc, init_maps_each_method);
	tcase_add_test(tc, init_over_garbage);
	tcase_add_test(tc, error_begin_over_garbage);
	tcase_add_test(tc, init_query_from_request_uri_when_no_query_string);
	tcase_add_test(tc, init_path_is_percent_decoded);
	tcase_add_test(tc, init_encoded_slash_cannot_hide_in_a_segment);
	tcase_add_test(tc, init_bad_escapes_refused);
	tcase_add_test(tc, init_missing_or_relative_path_refused);
	tcase_add_test(tc, init_path_over_limit_is_414);
	tcase_add_test(tc, init_query_over_limit_is_414);
	tcase_add_test(tc, init_long_header_is_431);
	tcase_add_test(tc, init_if_none_match_kept_and_bounded);
	tcase_add_test(tc, init_admin_operator_and_origin_headers);
	tcase_add_test(tc, content_length_plain_number_accepted);
	tcase_add_test(tc, content_length_with_sign_or_blank_refused);
	tcase_add_test(tc, content_length_at_limit_accepted_over_is_413);
	tcase_add_test(tc, content_length_huge_number_is_413);
	tcase_add_test(tc, request_id_from_header_when_plain);
	tcase_add_test(tc, request_id_random_when_absent_or_unsafe);
	tcase_add_test(tc, clear_releases_body);
	tcase_add_test(tc, path_segment_extracts_one_segment);
	tcase_add_test(tc, path_segment_refuses_other_shapes);
	tcase_add_test(tc, issue_key_lower_case_upper_cased);
	tcase_add_test(tc, issue_key_bad_key_is_404);
	suite_add_tcase(s, tc);

	tc = tcase_create("query");
	tcase_add_test(tc, query_empty_gives_empty_object);
	tcase_add_test(tc, query_unknown_param_names_it);
	tcase_add_test(tc, query_duplicate_param_refused);
	tcase_add_test(tc, query_duplicate_refused_even_when_first_empty);
	tcase_add_test(tc, query_empty_value_is_absent);
	tcase_add_test(tc, query_bad_percent_escape_refused);
	tcase_add_test(tc, query_invalid_utf8_refused);
	tcase_add_test(tc, query_plus_and_escapes_decoded);
	tcase_add_test(tc, query_too_many_params_refused);
	tcase_add_test(tc, query_string_refuses_control_chars);
	tcase_add_test(tc, query_string_length_bounded_in_bytes);
	tcase_add_test(tc, query_text_allows_newline_and_tab);
	tcase_add_test(tc, query_uint_range_and_syntax);
	tcase_add_test(tc, query_enum_canonicalised_ignoring_case);
	tcase_add_test(tc, query_enumlist_comma_list);
	tcase_add_test(tc, query_time_is_epoch_seconds);
	tcase_add_test(tc, query_username_shape);
	tcase_add_test(tc, query_project_key_shape);
	tcase_add_test(tc, query_issue_key_shape);
	tcase_add_test(tc, query_labels_deduplicated_and_bounded);
	tcase_add_test(tc, query_uintlist_comma_list);
	tcase_add_test(tc, query_required_missing_is_422);
	tcase_add_test(tc, query_with_no_fields_refuses_everything);
	suite_add_tcase(s, tc);

	tc = tcase_create("form");
	tcase_add_test(tc, form_body_decoded_like_a_query);
	tcase_add_test(tc, form_media_type_ignores_case);
	tcase_add_test(tc, form_other_content_type_is_415);
	tcase_add_test(tc, form_unknown_repeated_and_missing_fields_refused);
	tcase_add_test(tc, form_nul_escape_and_limit_refused);
	tcase_add_test(tc, form_others_flag_drops_unknown_but_not_repeats);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_test(tc, json_content_type_application_json_accepted);
	tcase_add_test(tc, json_other_content_type_is_415);
	tcase_add_test(tc, json_empty_body_refused);
	tcase_add_test(tc, json_not_an_object_refused);
	tcase_add_test(tc, json_syntax_error_does_not_quote_input);
	tcase_add_test(tc, json_duplicate_keys_refused);
	tcase_add_test(tc, json_depth_limit);
	tcase_add_test(tc, json_deep_unclosed_nesting_refused_quickly);
	tcase_add_test(tc, json_body_over_limit_is_413);
	tcase_add_test(tc, json_invalid_utf8_refused);
	tcase_add_test(tc, json_nul_escape_refused);
	tcase_add_test(tc, json_raw_nul_byte_refused);
	tcase_add_test(tc, json_unknown_fields_all_named);
	tcase_add_test(tc, json_null_for_nullable_kept);
	tcase_add_test(tc, json_null_for_non_nullable_refused);
	tcase_add_test(tc, json_wrong_types_refused);
	tcase_add_test(tc, json_integer_ranges);
	tcase_add_test(tc, json_string_lengths);
	tcase_add_test(tc, json_text_allows_newlines);
	tcase_add_test(tc, json_enum_and_lists_canonical);
	tcase_add_test(tc, json_required_missing_is_422);
	tcase_add_test(tc, json_absent_fields_stay_absent);
	tcase_add_test(tc, json_members_limit);
	tcase_add_test(tc, json_names_and_object);
	tcase_add_test(tc, json_objects);
	tcase_add_test(tc, json_via_request_validates_fields);
	suite_add_tcase(s, tc);
	return s;
}
