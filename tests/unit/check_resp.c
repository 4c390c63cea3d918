/*
 * Unit tests for jta_resp: every byte a program sends, captured by a
 * writer that appends to a buffer.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "jta_arena.h"
#include "jta_fit.h"
#include "jta_limits.h"
#include "jta_resp.h"
#include "check_main.h"

struct sink {
	char	 data[16384];
	size_t	 len;
	int	 calls;
	int	 fail_at;	/* fail the call with this number (1-based) */
};

static int
sinkwrite(void *arg, const char *buf, size_t len)
{
	struct sink *s = arg;

	s->calls++;
	if (s->fail_at != 0 && s->calls >= s->fail_at)
		return -1;
	ck_assert_uint_lt(s->len + len, sizeof(s->data));
	memcpy(s->data + s->len, buf, len);
	s->len += len;
	s->data[s->len] = '\0';
	return 0;
}

static void
sinkinit(struct sink *s)
{
	memset(s, 0, sizeof(*s));
}

/* The body after the blank line that ends the headers. */
static const char *
body_of(const struct sink *s)
{
	const char *e = strstr(s->data, "\r\n\r\n");

	ck_assert_ptr_nonnull(e);
	return e + 4;
}

/* 1 when the header block (before the blank line) holds line exactly. */
static int
has_header(const struct sink *s, const char *line)
{
	const char	*e = strstr(s->data, "\r\n\r\n"), *p = s->data;
	size_t		 ll = strlen(line);

	ck_assert_ptr_nonnull(e);
	while (p < e + 2) {
		const char *nl = strstr(p, "\r\n");

		if ((size_t)(nl - p) == ll && strncmp(p, line, ll) == 0)
			return 1;
		p = nl + 2;
	}
	return 0;
}

/* Parse the body as JSON (it must be one document and a newline). */
static json_t *
json_body(const struct sink *s)
{
	const char	*b = body_of(s);
	size_t		 len = strlen(b);
	json_t		*j;
	json_error_t	 je;

	ck_assert_uint_gt(len, 1);
	ck_assert_int_eq(b[len - 1], '\n');
	j = json_loadb(b, len - 1, 0, &je);
	ck_assert_msg(j != NULL, "body is not JSON: %s", je.text);
	return j;
}

/* ---- jta_fit_dumps against json_dumps ---- */

static uint32_t	 rnd_state;

static uint32_t
rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 16) % n;
}

/* Text of up to 12 pieces, or one time in four up to 60 (past the
 * eight-byte words jta_fit_dumps reads): every byte jansson escapes, the
 * slash, DEL, plain ASCII, 2-, 3- and 4-byte characters, and NUL. */
#define N_PIECES	20

static size_t
rndtext(char *buf)
{
	static const char *const pieces[] = { "\"", "\\", "/", "\x7f", "a",
	    "Z", " ", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9d\x84\x9e", "\b",
	    "\f", "\n", "\r", "\t", "\x01", "\x1f", "\x1b", "0", "{}" };
	size_t	 n = 0, k, i;

	for (k = rnd(4) == 0 ? rnd(61) : rnd(13); k > 0; k--) {
		i = rnd(N_PIECES + 1);
		if (i == N_PIECES)
			buf[n++] = '\0';
		else {
			memcpy(buf + n, pieces[i], strlen(pieces[i]));
			n += strlen(pieces[i]);
		}
	}
	return n;
}

static json_t *
rndval(int depth)
{
	char	 buf[256];
	json_t	*v;
	size_t	 n, k;

	switch (depth > 4 ? rnd(5) : rnd(8)) {
	case 0:
		return json_null();
	case 1:
		return json_boolean(rnd(2));
	case 2: {
		static const json_int_t ints[] = { 0, -1, 7, 1234567890123,
		    INT64_MIN, INT64_MAX };

		return json_integer(ints[rnd(6)]);
	}
	case 3:
	case 4:
		n = rndtext(buf);
		return json_stringn(buf, n);
	case 5:
	case 6:
		v = json_object();
		for (k = rnd(5); k > 0; k--) {
			n = rndtext(buf);
			ck_assert_int_eq(json_object_setn_new(v, buf, n,
			    rndval(depth + 1)), 0);
		}
		return v;
	default:
		v = json_array();
		for (k = rnd(5); k > 0; k--)
			ck_assert_int_eq(json_array_append_new(v,
			    rndval(depth + 1)), 0);
		return v;
	}
}

/* v's bytes from jta_fit_dumps are json_dumps(v, JSON_COMPACT)'s, and
 * both are NULL together. */
static void
same_dump(const json_t *v)
{
	char	*a, *b;
	size_t	 len = 0;

	a = jta_fit_dumps(v, &len);
	b = json_dumps(v, JSON_COMPACT);	/* banned-ok: no arena here */
	ck_assert_msg((a == NULL) == (b == NULL), "one is NULL: %s / %s",
	    a ? a : "NULL", b ? b : "NULL");
	if (b != NULL) {
		ck_assert_uint_eq(len, strlen(b));
		ck_assert_msg(memcmp(a, b, len) == 0, "'%s' != '%s'", a, b);
	}
	jta_arena_free(a);
	free(b);
}

START_TEST(dumps_as_jansson)
{
	json_t	*v, *o;
	int	 i;

	rnd_state = 16;
	for (i = 0; i < 3000; i++) {
		v = json_array();
		ck_assert_int_eq(json_array_append_new(v, rndval(0)), 0);
		same_dump(v);
		same_dump(json_array_get(v, 0));
		json_decref(v);
	}
	/* Left to jansson: a real, a string that is not UTF-8 (NULL from
	 * both), a top level that is neither object nor array (NULL). */
	o = json_pack("{s:f, s:[f, i]}", "score", 0.1, "r", 1e300, 3);
	ck_assert_ptr_nonnull(o);
	same_dump(o);
	json_decref(o);
	o = json_object();
	ck_assert_int_eq(json_object_set_new(o, "bad",
	    json_stringn_nocheck("a\xff", 2)), 0);
	same_dump(o);
	json_decref(o);
	o = json_string("x");
	same_dump(o);
	json_decref(o);
	o = json_pack("{s:[], s:{}, s:\"\"}", "a", "o", "s");
	same_dump(o);
	json_decref(o);
}
END_TEST

/* Plain runs of every length up to 40 with one byte to escape (or one
 * that is not UTF-8, or a UTF-8 character) at every place: the eight-byte
 * words and the bytes left after them, against json_dumps. */
START_TEST(dumps_every_place)
{
	static const char *const odd[] = { "\"", "\\", "\x01", "\x1f",
	    "\n", "\x7f", " ", "\xc3\xa9", "\xe2\x82\xac", "\xff", "" };
	char	 buf[64];
	json_t	*o;
	size_t	 len, at, i, n;

	for (len = 0; len <= 40; len++)
		for (at = 0; at <= len; at++)
			for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
				memset(buf, 'a', len);
				n = strlen(odd[i]) + (i + 1 ==
				    sizeof(odd) / sizeof(odd[0]));
				memmove(buf + at + n, buf + at, len - at);
				memcpy(buf + at, odd[i], n);
				o = json_object();
				ck_assert_int_eq(json_object_set_new(o, "k",
				    json_stringn_nocheck(buf, len + n)), 0);
				same_dump(o);
				json_decref(o);
			}
}
END_TEST

START_TEST(status_line_first)
{
	struct sink	 s;
	struct jta_resp	 r;
	json_t		*b = json_pack("{s:i}", "a", 1);

	sinkinit(&s);
	jta_resp_init(&r, sinkwrite, &s, "req1");
	ck_assert_int_eq(jta_resp_json(&r, 201, b), JTA_OK);
	ck_assert(strncmp(s.data, "Status: 201 Created\r\n", 21) == 0);
	ck_assert_int_eq(r.status, 201);
	json_decref(b);
}
END_TEST

START_TEST(json_has_type_request_id_and_body_with_newline)
{
	struct sink	 s;
	struct jta_resp	 r;
	json_t		*b = json_pack("{s:s, s:[i,i]}", "k", "v", "n", 1, 2);

	sinkinit(&s);
	jta_resp_init(&r, sinkwrite, &s, "4f2a");
	ck_assert_int_eq(jta_resp_json(&r, 200, b), JTA_OK);
	ck_assert(strncmp(s.data, "Status: 200 OK\r\n", 16) == 0);
	ck_assert(has_header(&s, "Content-Type: application/json"));
	ck_assert(has_header(&s, "X-Request-Id: 4f2a"));
	ck_assert_str_eq(body_of(&s), "{\"k\":\"v\",\"n\":[1,2]}\n");
	json_decref(b);
}
END_TEST

START_TEST(added_headers_sent_in_header_block)
{
	struct sink	 s;
	struct jta_resp	 r;
	json_t		*b = json_object();

	sinkinit(&s);
	jta_resp_init(&r, sinkwrite, &s, "r");
	ck_assert_int_eq(jta_resp_header(&r, "Location",
	    "https://example.org/api/issues/DEMO-1"), JTA_OK);
	ck_assert_int_eq(jta_resp_header(&r, "Cache-Control", "no-store"),
	    JTA_OK);
	ck_assert_int_eq(jta_resp_json(&r, 201, b), JTA_OK);
	ck_assert(has_header(&s, "Location: "
	    "https://example.org/api/issues/DEMO-1"));
	ck_assert(has_header(&s, "Cache-Control: no-store"));
	ck_assert_str_eq(body_of(&s), "{}\n");
	json_decref(b);
}
END_TEST

START_TEST(header_name_tokens_accepted)
{
	struct jta_resp	 r;

	jta_resp_init(&r, sinkwrite, NULL, NULL);
	ck_assert_int_eq(jta_resp_header(&r, "X-Custom_1", "v"), JTA_OK);
	ck_assert_int_eq(jta_resp_header(&r, "x!#$%&'*+-.^_`|~", "v"),
	    JTA_OK);
	ck_assert_int_eq(jta_resp_header(&r, "Empty-Value", ""), JTA_OK);
}
END_TEST

START_TEST(header_value_with_cr_or_lf_refused)
{
	struct sink	 s;
	struct jta_resp	 r;
	size_t		 hlen;

	sinkinit(&s);
	jta_resp_init(&r, sinkwrite, &s, "r");
	hlen = r.hlen;
	ck_assert_int_eq(jta_resp_header(&r, "Location",
	    "/x\r\nSet-Cookie: a=b"), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_resp_header(&r, "Location", "/x\nEvil: 1"),
	    JTA_ERR_INPUT);
	ck_assert_int_eq(jta_resp_header(&r, "Location", "/x\rEvil: 1"),
	    JTA_ERR_INPUT);
	ck_assert_int_eq(jta_resp_header(&r, "Location", "\r\n"),
	    JTA_ERR_INPUT);
	ck_assert_uint_eq(r.hlen, hlen);
	ck_assert_int_eq(jta_resp_empty(&r, 204), JTA_OK);
	ck_assert_ptr_null(strstr(s.data, "Set-Cookie"));
	ck_assert_ptr_null(strstr(s.data, "Evil"));
	ck_assert_ptr_null(strstr(s.data, "Location"));
}
END_TEST

START_TEST(bad_header_name_refused)
{
	struct jta_resp	 r;

	jta_resp_init(&r, sinkwrite, NULL, NULL);
	ck_assert_int_eq(jta_resp_header(&r, "", "v"), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_resp_header(&r, "Bad Name", "v"), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_resp_header(&r, "X:Y", "v"), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_resp_header(&r, "X\r\nY", "v"), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_resp_header(&r, "X\nY", "v"), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_resp_header(&r, "X(Y)", "v"), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_resp_header(&r, "X\"Y", "v"), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_resp_header(&r, "X/Y", "v"), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_resp_header(&r, "\xc3\xa9t\xc3\xa9", "v"),
	    JTA_ERR_INPUT);
	ck_assert_int_eq(jta_resp_header(&r, "X\tY", "v"), JTA_ERR_INPUT);
	ck_assert_uint_eq(r.hlen, 0);
}
END_TEST

START_TEST(header_block_overflow_is_nomem)
{
	struct sink	 s;
	struct jta_resp	 r;
	char		 name[64];
	enum jta_err	 rc = JTA_OK;
	int		 i, added = 0;
	static char	 big[JTA_RESP_HEADERS + 10];

	sinkinit(&s);
	jta_resp_init(&r, sinkwrite, &s, "r");
	for (i = 0; i < 1000 && rc == JTA_OK; i++) {
		snprintf(name, sizeof(name), "X-H%d", i);
		rc = jta_resp_header(&r, name, "0123456789abcdef0123456789");
		added += rc == JTA_OK;
	}
	ck_assert_int_eq(rc, JTA_ERR_NOMEM);
	ck_assert_int_gt(added, 10);
	ck_assert_uint_lt(r.hlen, JTA_RESP_HEADERS);
	/* One value larger than the whole block. */
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(jta_resp_header(&r, "X-Big", big), JTA_ERR_NOMEM);
	/* What was added is still sent whole; nothing half-written. */
	ck_assert_int_eq(jta_resp_empty(&r, 204), JTA_OK);
	ck_assert(has_header(&s, "X-H0: 0123456789abcdef0123456789"));
	snprintf(name, sizeof(name), "X-H%d: 0123456789abcdef0123456789",
	    added - 1);
	ck_assert(has_header(&s, name));
	snprintf(name, sizeof(name), "X-H%d:", added);
	ck_assert_ptr_null(strstr(s.data, name));
	ck_assert_ptr_null(strstr(s.data, "X-Big"));
	ck_assert_str_eq(body_of(&s), "");
}
END_TEST

START_TEST(empty_response_has_no_body_or_type)
{
	struct sink	 s;
	struct jta_resp	 r;

	sinkinit(&s);
	jta_resp_init(&r, sinkwrite, &s, "abc");
	ck_assert_int_eq(jta_resp_empty(&r, 204), JTA_OK);
	ck_assert(strncmp(s.data, "Status: 204 No Content\r\n", 24) == 0);
	ck_assert_ptr_null(strstr(s.data, "Content-Type"));
	ck_assert(has_header(&s, "X-Request-Id: abc"));
	ck_assert_str_eq(body_of(&s), "");
	ck_assert_uint_eq(s.len, strlen(s.data));
}
END_TEST

START_TEST(json_as_uses_given_type)
{
	struct sink	 s;
	struct jta_resp	 r;
	json_t		*b = json_pack("{s:b}", "ok", 1);

	sinkinit(&s);
	jta_resp_init(&r, sinkwrite, &s, "r");
	ck_assert_int_eq(jta_resp_json_as(&r, 200, "application/vnd.x+json",
	    b), JTA_OK);
	ck_assert(has_header(&s, "Content-Type: application/vnd.x+json"));
	ck_assert_str_eq(body_of(&s), "{\"ok\":true}\n");
	json_decref(b);
}
END_TEST

START_TEST(problem_json_has_rfc9457_members)
{
	struct sink	 s;
	struct jta_resp	 r;
	struct jta_error e;
	json_t		*p;

	sinkinit(&s);
	jta_resp_init(&r, sinkwrite, &s, "4f2a9c");
	(void)jta_error_set(&e, JTA_ERR_INPUT, 422, "priority",
	    "priority has a value that is not allowed");
	ck_assert_int_eq(jta_resp_problem(&r, &e), JTA_OK);
	ck_assert(strncmp(s.data, "Status: 422 Unprocessable Content\r\n", 35)
	    == 0);
	ck_assert(has_header(&s, "Content-Type: application/problem+json"));
	p = json_body(&s);
	ck_assert_str_eq(json_string_value(json_object_get(p, "type")),
	    "about:blank");
	ck_assert_str_eq(json_string_value(json_object_get(p, "title")),
	    "Unprocessable Content");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "status")),
	    422);
	ck_assert_str_eq(json_string_value(json_object_get(p, "detail")),
	    "priority has a value that is not allowed");
	ck_assert_str_eq(json_string_value(json_object_get(p, "field")),
	    "priority");
	ck_assert_str_eq(json_string_value(json_object_get(p, "request_id")),
	    "4f2a9c");
	ck_assert_uint_eq(json_object_size(p), 6);
	json_decref(p);
}
END_TEST

START_TEST(problem_items_carry_name_allowed_and_question)
{
	struct sink	 s;
	struct jta_resp	 r;
	struct jta_error e;
	json_t		*p, *it, *a;

	sinkinit(&s);
	jta_resp_init(&r, sinkwrite, &s, "r1");
	(void)jta_error_set(&e, JTA_ERR_INPUT, 422, "fields.Affected service",
	    "2 problems");
	ck_assert_int_eq(jta_error_add(&e, "fields.Affected service",
	    "is required"), 0);
	ck_assert_int_eq(jta_error_name(&e, "Affected service"), 0);
	ck_assert_int_eq(jta_error_allow(&e, "Email"), 0);
	ck_assert_int_eq(jta_error_allow(&e, "VPN"), 0);
	ck_assert_int_eq(jta_error_ask_about(&e, JTA_ASK_ONE), 0);
	ck_assert_int_eq(jta_error_add(&e, "priority", "is not allowed"), 0);
	ck_assert_int_eq(jta_resp_problem(&r, &e), JTA_OK);
	p = json_body(&s);
	ck_assert_uint_eq(json_array_size(json_object_get(p, "errors")), 2);
	it = json_array_get(json_object_get(p, "errors"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(it, "field")),
	    "fields.Affected service");
	ck_assert_str_eq(json_string_value(json_object_get(it, "name")),
	    "Affected service");
	ck_assert_str_eq(json_string_value(json_object_get(it, "detail")),
	    "is required");
	a = json_object_get(it, "allowed");
	ck_assert_uint_eq(json_array_size(a), 2);
	ck_assert_str_eq(json_string_value(json_array_get(a, 1)), "VPN");
	ck_assert_str_eq(json_string_value(json_object_get(it, "question")),
	    "What should Affected service be: Email or VPN?");
	/* An item with only a message has only field and detail. */
	it = json_array_get(json_object_get(p, "errors"), 1);
	ck_assert_uint_eq(json_object_size(it), 2);
	json_decref(p);
}
END_TEST

START_TEST(error_questions_are_short_and_natural)
{
	struct jta_error e;
	static const char *const prio[] = { "Highest", "High", "Medium",
	    "Low", "Lowest" };
	char		 v[32];
	size_t		 i;

	(void)jta_error_set(&e, JTA_ERR_INPUT, 422, "priority", "x");
	ck_assert_int_eq(jta_error_ask(&e, "no item"), -1);
	ck_assert_int_eq(jta_error_allow(&e, "no item"), -1);
	ck_assert_int_eq(jta_error_add(&e, "priority", "not allowed"), 0);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(jta_error_allow(&e, prio[i]), 0);
	ck_assert_int_eq(jta_error_ask_about(&e, JTA_ASK_ONE), 0);
	ck_assert_str_eq(e.items[0].question, "Which priority should it "
	    "have: Highest, High, Medium, Low or Lowest?");
	ck_assert_int_eq(jta_error_add(&e, "assignee", "unknown"), 0);
	ck_assert_int_eq(jta_error_ask_about(&e, JTA_ASK_USER), 0);
	ck_assert_str_eq(e.items[1].question, "Who should it be assigned to? "
	    "(name or email)");
	ck_assert_int_eq(jta_error_add(&e, "fields.Due", "not a date"), 0);
	ck_assert_int_eq(jta_error_name(&e, "Due date"), 0);
	ck_assert_int_eq(jta_error_ask_about(&e, JTA_ASK_DATE), 0);
	ck_assert_str_eq(e.items[2].question, "What date should Due date be? "
	    "(YYYY-MM-DD)");
	ck_assert_int_eq(jta_error_add(&e, "components", "unknown"), 0);
	ck_assert_int_eq(jta_error_allow(&e, "VPN"), 0);
	ck_assert_int_eq(jta_error_ask_about(&e, JTA_ASK_SOME), 0);
	ck_assert_str_eq(e.items[3].question, "Which components does it "
	    "belong to (one or more): VPN?");
	/* Many long values: at most 50 kept, the question stays within 200
	 * bytes and says how many it left out. */
	ck_assert_int_eq(jta_error_add(&e, "fields.Site", "is required"), 0);
	for (i = 0; i < 60; i++) {
		snprintf(v, sizeof(v), "Office number %zu", i);
		ck_assert_int_eq(jta_error_allow(&e, v), i < 50 ? 0 : -1);
	}
	ck_assert_uint_eq(e.items[4].nallowed, 50);
	ck_assert_str_eq(jta_error_allowed(&e.items[4], 49),
	    "Office number 49");
	ck_assert_ptr_null(jta_error_allowed(&e.items[4], 50));
	ck_assert_int_eq(jta_error_ask_about(&e, JTA_ASK_ONE), 0);
	ck_assert_uint_le(strlen(e.items[4].question), 200);
	ck_assert_ptr_nonnull(strstr(e.items[4].question, " more?"));
	ck_assert_ptr_eq(strstr(e.items[4].question, "What should Site be: "
	    "Office number 0, Office number 1, "), e.items[4].question);
	/* Control characters in upstream values are cleaned. */
	ck_assert_int_eq(jta_error_add(&e, "f", "m"), 0);
	ck_assert_int_eq(jta_error_allow(&e, "a\r\nb"), 0);
	ck_assert_str_eq(jta_error_allowed(&e.items[5], 0), "a  b");
	/* The allowed buffer is bounded: long values stop fitting. */
	ck_assert_int_eq(jta_error_add(&e, "g", "m"), 0);
	for (i = 0; i < 50; i++) {
		char big[JTA_ERROR_MESSAGE];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		if (jta_error_allow(&e, big) != 0)
			break;
	}
	ck_assert_uint_eq(i, JTA_ERROR_ALLOWED / JTA_ERROR_MESSAGE);
	ck_assert_uint_le(e.items[6].allowedlen, JTA_ERROR_ALLOWED);
}
END_TEST

START_TEST(problem_without_field_omits_it)
{
	struct sink	 s;
	struct jta_resp	 r;
	struct jta_error e;
	json_t		*p;

	sinkinit(&s);
	jta_resp_init(&r, sinkwrite, &s, "rid");
	(void)jta_error_set(&e, JTA_ERR_NOTFOUND, 404, NULL, "no such issue");
	ck_assert_int_eq(jta_resp_problem(&r, &e), JTA_OK);
	ck_assert(strncmp(s.data, "Status: 404 Not Found\r\n", 23) == 0);
	p = json_body(&s);
	ck_assert_ptr_null(json_object_get(p, "field"));
	ck_assert_str_eq(json_string_value(json_object_get(p, "title")),
	    "Not Found");
	ck_assert_str_eq(json_string_value(json_object_get(p, "request_id")),
	    "rid");
	json_decref(p);
}
END_TEST

START_TEST(problem_with_non_error_status_becomes_500)
{
	struct sink	 s;
	struct jta_resp	 r;
	struct jta_error e;
	json_t		*p;

	sinkinit(&s);
	jta_resp_init(&r, sinkwrite, &s, "rid");
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_resp_problem(&r, &e), JTA_OK);
	ck_assert(strncmp(s.data, "Status: 500 Internal Server Error\r\n", 35)
	    == 0);
	p = json_body(&s);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "status")),
	    500);
	/* An empty detail still says something. */
	ck_assert_str_ne(json_string_value(json_object_get(p, "detail")), "");
	json_decref(p);
}
END_TEST

START_TEST(problem_detail_is_json_escaped)
{
	struct sink	 s;
	struct jta_resp	 r;
	struct jta_error e;
	json_t		*p;

	sinkinit(&s);
	jta_resp_init(&r, sinkwrite, &s, "rid");
	(void)jta_error_set(&e, JTA_ERR_INPUT, 400, "q\"x",
	    "a \"quoted\"\nline </script>");
	ck_assert_int_eq(jta_resp_problem(&r, &e), JTA_OK);
	/* Nothing in the body breaks the line-per-document framing. */
	ck_assert_uint_eq(strlen(strchr(body_of(&s), '\n')), 1);
	p = json_body(&s);
	ck_assert_str_eq(json_string_value(json_object_get(p, "detail")),
	    "a \"quoted\"\nline </script>");
	ck_assert_str_eq(json_string_value(json_object_get(p, "field")),
	    "q\"x");
	json_decref(p);
}
END_TEST

START_TEST(head_sends_no_body)
{
	struct sink	 s;
	struct jta_resp	 r;
	json_t		*b = json_pack("{s:s}", "a", "b");

	sinkinit(&s);
	jta_resp_init(&r, sinkwrite, &s, "r");
	r.head_only = 1;
	ck_assert_int_eq(jta_resp_json(&r, 200, b), JTA_OK);
	ck_assert(strncmp(s.data, "Status: 200 OK\r\n", 16) == 0);
	ck_assert(has_header(&s, "Content-Type: application/json"));
	ck_assert_str_eq(body_of(&s), "");
	json_decref(b);
}
END_TEST

START_TEST(bytes_sent_as_given)
{
	struct sink	 s;
	struct jta_resp	 r;
	static const char doc[] = "openapi: 3.1.0\n";

	sinkinit(&s);
	jta_resp_init(&r, sinkwrite, &s, "r");
	ck_assert_int_eq(jta_resp_bytes(&r, 200, "application/yaml", doc,
	    sizeof(doc) - 1), JTA_OK);
	ck_assert(has_header(&s, "Content-Type: application/yaml"));
	ck_assert_str_eq(body_of(&s), doc);
	sinkinit(&s);
	jta_resp_init(&r, sinkwrite, &s, "r");
	r.head_only = 1;
	ck_assert_int_eq(jta_resp_bytes(&r, 200, "application/yaml", doc,
	    sizeof(doc) - 1), JTA_OK);
	ck_assert_str_eq(body_of(&s), "");
	sinkinit(&s);
	jta_resp_init(&r, sinkwrite, &s, "r");
	ck_assert_int_eq(jta_resp_bytes(&r, 200, "text/plain\r\nX: y", doc,
	    sizeof(doc) - 1), JTA_ERR_INTERNAL);
	ck_assert_int_eq(r.status, 0);
}
END_TEST

START_TEST(head_problem_sends_no_body)
{
	struct sink	 s;
	struct jta_resp	 r;
	struct jta_error e;

	sinkinit(&s);
	jta_resp_init(&r, sinkwrite, &s, "r");
	r.head_only = 1;
	(void)jta_error_set(&e, JTA_ERR_NOTFOUND, 404, "key", "gone");
	ck_assert_int_eq(jta_resp_problem(&r, &e), JTA_OK);
	ck_assert(strncmp(s.data, "Status: 404 Not Found\r\n", 23) == 0);
	ck_assert_str_eq(body_of(&s), "");
}
END_TEST

START_TEST(second_response_refused)
{
	struct sink	 s;
	struct jta_resp	 r;
	struct jta_error e;
	json_t		*b = json_object();
	size_t		 len;

	sinkinit(&s);
	jta_resp_init(&r, sinkwrite, &s, "r");
	ck_assert_int_eq(jta_resp_json(&r, 200, b), JTA_OK);
	len = s.len;
	ck_assert_int_ne(jta_resp_json(&r, 500, b), JTA_OK);
	ck_assert_int_ne(jta_resp_empty(&r, 204), JTA_OK);
	(void)jta_error_set(&e, JTA_ERR_INTERNAL, 500, NULL, "late");
	ck_assert_int_ne(jta_resp_problem(&r, &e), JTA_OK);
	ck_assert_uint_eq(s.len, len);
	ck_assert_int_eq(r.status, 200);
	json_decref(b);
}
END_TEST

START_TEST(writer_failure_is_io_error)
{
	struct sink	 s;
	struct jta_resp	 r;
	struct jta_error e;
	json_t		*b = json_pack("{s:i}", "a", 1);
	int		 at;

	/* Fail the head, the body, then the trailing newline. */
	for (at = 1; at <= 3; at++) {
		sinkinit(&s);
		s.fail_at = at;
		jta_resp_init(&r, sinkwrite, &s, "r");
		ck_assert_msg(jta_resp_json(&r, 200, b) == JTA_ERR_IO,
		    "failure at write %d not reported", at);
	}
	sinkinit(&s);
	s.fail_at = 1;
	jta_resp_init(&r, sinkwrite, &s, "r");
	ck_assert_int_eq(jta_resp_empty(&r, 204), JTA_ERR_IO);
	sinkinit(&s);
	s.fail_at = 2;
	jta_resp_init(&r, sinkwrite, &s, "r");
	(void)jta_error_set(&e, JTA_ERR_INPUT, 400, NULL, "x");
	ck_assert_int_eq(jta_resp_problem(&r, &e), JTA_ERR_IO);
	json_decref(b);
}
END_TEST

START_TEST(page_form_escapes_hidden_fields_and_sets_form_action)
{
	static const struct jta_page_hidden hidden[] = {
		{ "state", "a\"b<c>&'d" },
		{ "client_id", "jtac_1" },
	};
	struct jta_page_form f;
	struct jta_page	 pg;
	struct jta_resp	 r;
	struct sink	 s;
	const char	*b;

	memset(&f, 0, sizeof(f));
	f.action = "/oauth/authorize";
	f.hidden = hidden;
	f.nhidden = 2;
	f.credentials = 1;
	f.username = "al\"ice";
	f.submit = "Sign <in>";
	f.redirect_origin = "https://chatgpt.com";
	memset(&pg, 0, sizeof(pg));
	pg.title = "Sign in";
	pg.text = "text";
	pg.form = &f;
	sinkinit(&s);
	jta_resp_init(&r, sinkwrite, &s, "r");
	ck_assert_int_eq(jta_resp_page(&r, 200, &pg), JTA_OK);
	b = body_of(&s);
	ck_assert_ptr_nonnull(strstr(b, "<form method=\"post\" "
	    "action=\"/oauth/authorize\">"));
	ck_assert_ptr_nonnull(strstr(b, "name=\"state\" value=\"a&quot;b&lt;"
	    "c&gt;&amp;&#39;d\""));
	ck_assert_ptr_nonnull(strstr(b, "value=\"al&quot;ice\""));
	ck_assert_ptr_nonnull(strstr(b, "type=\"password\""));
	ck_assert_ptr_nonnull(strstr(b, "Sign &lt;in&gt;</button>"));
	ck_assert_ptr_null(strstr(b, "a\"b"));
	ck_assert(has_header(&s, "Content-Security-Policy: default-src 'none'; "
	    "style-src 'self'; base-uri 'none'; form-action 'self' "
	    "https://chatgpt.com; frame-ancestors 'none'"));
}
END_TEST

START_TEST(page_form_refuses_an_origin_that_is_not_one)
{
	static const char *const bad[] = { "https://a.example/path",
	    "https://a.example; script-src *", "javascript:x", "https://",
	    "https://a b" };
	struct jta_page_form f;
	struct jta_page	 pg;
	struct jta_resp	 r;
	struct sink	 s;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&f, 0, sizeof(f));
		f.action = "/x";
		f.redirect_origin = bad[i];
		memset(&pg, 0, sizeof(pg));
		pg.title = "t";
		pg.text = "x";
		pg.form = &f;
		sinkinit(&s);
		jta_resp_init(&r, sinkwrite, &s, "r");
		ck_assert_msg(jta_resp_page(&r, 200, &pg) == JTA_ERR_INPUT,
		    "%s accepted", bad[i]);
		ck_assert_uint_eq(s.len, 0);
	}
}
END_TEST

START_TEST(page_sections_are_escaped_text)
{
	struct sink	 s;
	struct jta_resp	 r;
	struct jta_page	 pg;
	struct jta_page_section sec[2];
	const char	*b;

	sinkinit(&s);
	jta_resp_init(&r, sinkwrite, &s, "rid");
	memset(&pg, 0, sizeof(pg));
	memset(sec, 0, sizeof(sec));
	sec[0].heading = "Description";
	sec[0].text = "<script>alert(1)</script>\n  & more";
	sec[1].heading = "Comment <b>";
	sec[1].meta = "eve \"x\" 2026-01-01";
	pg.title = "DEMO-1: <img src=x onerror=alert(1)>";
	pg.text = "Open";
	pg.sections = sec;
	pg.nsections = 2;
	ck_assert_int_eq(jta_resp_page(&r, 200, &pg), JTA_OK);
	b = body_of(&s);
	ck_assert_ptr_null(strstr(b, "<script>"));
	ck_assert_ptr_null(strstr(b, "<img"));
	ck_assert_ptr_null(strstr(b, "<b>"));
	ck_assert_ptr_nonnull(strstr(b, "<section><h2>Description</h2>\n"
	    "<pre>&lt;script&gt;alert(1)&lt;/script&gt;\n  &amp; more</pre>"));
	ck_assert_ptr_nonnull(strstr(b, "<h2>Comment &lt;b&gt;</h2>"));
	ck_assert_ptr_nonnull(strstr(b, "<small>eve \"x\" 2026-01-01"
	    "</small>"));
	ck_assert(has_header(&s, "Content-Security-Policy: default-src "
	    "'none'; style-src 'self'; base-uri 'none'; form-action 'none'; "
	    "frame-ancestors 'none'"));
}
END_TEST

START_TEST(page_without_form_allows_no_form_action)
{
	struct jta_page	 pg;
	struct jta_resp	 r;
	struct sink	 s;

	memset(&pg, 0, sizeof(pg));
	pg.title = "t";
	pg.text = "x";
	sinkinit(&s);
	jta_resp_init(&r, sinkwrite, &s, "r");
	ck_assert_int_eq(jta_resp_page(&r, 400, &pg), JTA_OK);
	ck_assert_ptr_nonnull(strstr(s.data, "form-action 'none'"));
	ck_assert_ptr_null(strstr(body_of(&s), "<form"));
}
END_TEST

START_TEST(reason_phrases_follow_rfc9110)
{
	ck_assert_str_eq(jta_resp_reason(200), "OK");
	ck_assert_str_eq(jta_resp_reason(201), "Created");
	ck_assert_str_eq(jta_resp_reason(204), "No Content");
	ck_assert_str_eq(jta_resp_reason(400), "Bad Request");
	ck_assert_str_eq(jta_resp_reason(401), "Unauthorized");
	ck_assert_str_eq(jta_resp_reason(403), "Forbidden");
	ck_assert_str_eq(jta_resp_reason(404), "Not Found");
	ck_assert_str_eq(jta_resp_reason(405), "Method Not Allowed");
	ck_assert_str_eq(jta_resp_reason(409), "Conflict");
	ck_assert_str_eq(jta_resp_reason(411), "Length Required");
	ck_assert_str_eq(jta_resp_reason(413), "Content Too Large");
	ck_assert_str_eq(jta_resp_reason(414), "URI Too Long");
	ck_assert_str_eq(jta_resp_reason(415), "Unsupported Media Type");
	ck_assert_str_eq(jta_resp_reason(422), "Unprocessable Content");
	ck_assert_str_eq(jta_resp_reason(429), "Too Many Requests");
	ck_assert_str_eq(jta_resp_reason(431),
	    "Request Header Fields Too Large");
	ck_assert_str_eq(jta_resp_reason(500), "Internal Server Error");
	ck_assert_str_eq(jta_resp_reason(502), "Bad Gateway");
	ck_assert_str_eq(jta_resp_reason(503), "Service Unavailable");
	/* The redirects and the conditional GET answer their own. */
	ck_assert_str_eq(jta_resp_reason(302), "Found");
	ck_assert_str_eq(jta_resp_reason(303), "See Other");
	ck_assert_str_eq(jta_resp_reason(304), "Not Modified");
}
END_TEST

/* A successful redirect says so on its status line: "302 Found", never
 * "302 Error". */
START_TEST(redirect_status_line_says_found)
{
	static const struct {
		int		 status;
		const char	*line;
	} cases[] = {
		{ 302, "Status: 302 Found\r\n" },
		{ 303, "Status: 303 See Other\r\n" },
	};
	struct sink	 s;
	struct jta_resp	 r;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sinkinit(&s);
		jta_resp_init(&r, sinkwrite, &s, "req1");
		ck_assert_int_eq(jta_resp_redirect(&r, cases[i].status,
		    "https://chatgpt.com/cb?code=x"), JTA_OK);
		ck_assert_msg(strncmp(s.data, cases[i].line,
		    strlen(cases[i].line)) == 0, "status line: %.40s",
		    s.data);
		ck_assert_ptr_nonnull(strstr(s.data,
		    "Location: https://chatgpt.com/cb?code=x\r\n"));
	}
}
END_TEST

START_TEST(unknown_status_has_safe_reason)
{
	const char *r = jta_resp_reason(499);

	ck_assert_ptr_nonnull(r);
	ck_assert_uint_gt(strlen(r), 0);
	ck_assert_ptr_null(strpbrk(r, "\r\n"));
	ck_assert_ptr_nonnull(jta_resp_reason(0));
	ck_assert_ptr_nonnull(jta_resp_reason(-1));
}
END_TEST

START_TEST(err_status_maps_codes)
{
	ck_assert_int_eq(jta_err_status(JTA_ERR_INPUT), 400);
	ck_assert_int_eq(jta_err_status(JTA_ERR_NOTFOUND), 404);
	ck_assert_int_eq(jta_err_status(JTA_ERR_CONFLICT), 409);
	ck_assert_int_eq(jta_err_status(JTA_ERR_AUTH), 401);
	ck_assert_int_eq(jta_err_status(JTA_ERR_DB), 500);
	ck_assert_str_eq(jta_err_name(JTA_ERR_AUTH), "auth");
}
END_TEST

/* ---- the response cap (jta_fit) ---- */

#define CAP	JTA_LIMIT_RESPONSE_CHARS
#define MARK	"[... "

/* A string of n copies of the UTF-8 character c. */
static char *
repeat(const char *c, size_t n)
{
	size_t	 cl = strlen(c), i;
	char	*s = malloc(cl * n + 1);

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < n; i++)
		memcpy(s + i * cl, c, cl);
	s[cl * n] = '\0';
	return s;
}

/* Fit body under max; check the text is JSON and short enough; return
 * the parsed answer. */
static json_t *
fitted(const json_t *body, size_t max, int *cut)
{
	char		*text = NULL;
	size_t		 len = 0;
	json_t		*back;
	json_error_t	 je;

	ck_assert_int_eq(jta_fit(body, max, &text, &len, cut), JTA_OK);
	ck_assert_uint_eq(len, strlen(text));
	/* The caller's newline included, fewer than max characters. */
	ck_assert_uint_lt(jta_fit_chars(text, len) + 1, max);
	back = json_loadb(text, len, 0, &je);
	ck_assert_msg(back != NULL, "not JSON: %s", je.text);
	free(text);
	return back;
}

START_TEST(fit_small_answer_is_untouched)
{
	json_t	*b = json_pack("{s:s, s:[i,i]}", "key", "OPS-1", "n", 1, 2);
	json_t	*out;
	int	 cut = -1;

	out = fitted(b, CAP, &cut);
	ck_assert_int_eq(cut, 0);
	ck_assert(json_equal(b, out));
	ck_assert_ptr_null(json_object_get(out, "truncated"));
	json_decref(b);
	json_decref(out);
}
END_TEST

START_TEST(fit_huge_description_is_cut_with_marker)
{
	char	*d = repeat("a", 300000), want[64];
	json_t	*b = json_pack("{s:s, s:s, s:[{s:s}]}", "key", "OPS-1",
		    "description", d, "comments", "body", "short");
	json_t	*out;
	const char *od;
	size_t	 kept;
	int	 cut = 0;

	out = fitted(b, CAP, &cut);
	ck_assert_int_eq(cut, 1);
	ck_assert(json_is_true(json_object_get(out, "truncated")));
	ck_assert_str_eq(json_string_value(json_object_get(out, "key")),
	    "OPS-1");
	od = json_string_value(json_object_get(out, "description"));
	ck_assert_ptr_nonnull(strstr(od, "\n\n" MARK));
	kept = (size_t)(strstr(od, "\n\n" MARK) - od);
	ck_assert_uint_gt(kept, 90000);	/* cut as little as needed */
	snprintf(want, sizeof(want), "\n\n[... %zu more characters not "
	    "shown]", 300000 - kept);
	ck_assert_str_eq(od + kept, want);
	/* The comments were small: left as they were. */
	ck_assert_uint_eq(json_array_size(json_object_get(out, "comments")),
	    1);
	ck_assert_ptr_null(json_object_get(out, "comments_omitted"));
	free(d);
	json_decref(b);
	json_decref(out);
}
END_TEST

START_TEST(fit_many_comments_lose_their_tail)
{
	json_t	*b = json_pack("{s:s, s:[]}", "key", "OPS-1", "comments");
	json_t	*arr = json_object_get(b, "comments"), *out, *oc;
	char	*body = repeat("x", 200);
	size_t	 i, kept;

	for (i = 0; i < 2000; i++)
		json_array_append_new(arr, json_pack("{s:I, s:s}", "id",
		    (json_int_t)i, "body", body));
	out = fitted(b, CAP, NULL);
	oc = json_object_get(out, "comments");
	kept = json_array_size(oc);
	ck_assert_uint_gt(kept, 100);
	ck_assert_uint_lt(kept, 2000);
	ck_assert_int_eq(json_integer_value(json_object_get(out,
	    "comments_omitted")), (json_int_t)(2000 - kept));
	/* The tail went: the first ones stay, in order. */
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(oc,
	    kept - 1), "id")), (json_int_t)(kept - 1));
	ck_assert(json_is_true(json_object_get(out, "truncated")));
	free(body);
	json_decref(b);
	json_decref(out);
}
END_TEST

/* Characters, not bytes: 120,000 two- and three-byte characters are
 * 300,000 bytes; the cut lands between characters and N counts them. */
START_TEST(fit_counts_characters_and_cuts_between_them)
{
	char	*e = repeat("\xc3\xa9", 60000), *k = repeat("\xe6\x97\xa5",
		    60000), *both = malloc(strlen(e) + strlen(k) + 1);
	json_t	*b, *out;
	const char *od, *m;
	size_t	 kept, n;

	memcpy(both, e, strlen(e));
	memcpy(both + strlen(e), k, strlen(k) + 1);
	b = json_pack("{s:s}", "description", both);
	/* 120,000 characters: over the cap although... */
	out = fitted(b, CAP, NULL);
	od = json_string_value(json_object_get(out, "description"));
	m = strstr(od, "\n\n" MARK);
	ck_assert_ptr_nonnull(m);
	kept = jta_fit_chars(od, (size_t)(m - od));
	ck_assert_int_eq(sscanf(m, "\n\n[... %zu more", &n), 1);
	ck_assert_uint_eq(kept + n, 120000);
	ck_assert_uint_gt(kept, 90000);
	/* ...a 90,000-character one fits as it is. */
	json_decref(out);
	json_decref(b);
	both[2 * 60000 + 3 * 30000] = '\0';
	b = json_pack("{s:s}", "description", both);
	out = fitted(b, CAP, NULL);
	ck_assert(json_equal(b, out));
	free(e);
	free(k);
	free(both);
	json_decref(b);
	json_decref(out);
}
END_TEST

START_TEST(fit_answer_that_is_not_an_object_becomes_a_note)
{
	json_t	*b = json_array(), *out;
	size_t	 i;

	for (i = 0; i < 40000; i++)
		json_array_append_new(b, json_integer((json_int_t)i));
	out = fitted(b, CAP, NULL);
	ck_assert(json_is_true(json_object_get(out, "truncated")));
	ck_assert_ptr_nonnull(json_object_get(out, "detail"));
	json_decref(b);
	json_decref(out);
}
END_TEST

START_TEST(fit_refuses_a_cap_too_small_for_its_note)
{
	json_t	*b = json_object();
	char	*text = NULL;
	size_t	 len;

	ck_assert_int_eq(jta_fit(b, JTA_FIT_MIN - 1, &text, &len, NULL),
	    JTA_ERR_INTERNAL);
	ck_assert_ptr_null(text);
	json_decref(b);
}
END_TEST

/* A deterministic PRNG (xorshift64*) for the property test. */
static uint64_t
next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* A random string: ASCII, quotes and controls (escaped longer in JSON),
 * two-, three- and four-byte characters. */
static json_t *
rstring(uint64_t *s, size_t max)
{
	static const char *const pieces[] = { "a", "Z", "\"", "\n", "\x01",
	    "\xc3\xa9", "\xe6\x97\xa5", "\xf0\x9f\x98\x80", " " };
	size_t	 n = (size_t)(next(s) % (max + 1)), i, o = 0;
	char	*buf = malloc(4 * n + 1);
	json_t	*v;

	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < n; i++) {
		const char *p = pieces[next(s) % 9];

		memcpy(buf + o, p, strlen(p));
		o += strlen(p);
	}
	v = json_stringn(buf, o);
	free(buf);
	return v;
}

static json_t *
rvalue(uint64_t *s, int depth)
{
	json_t	*v;
	size_t	 i, n;
	char	 key[16];

	switch (depth > 3 ? next(s) % 3 : next(s) % 5) {
	case 0:
		return json_integer((json_int_t)(next(s) % 100000));
	case 1:
		return rstring(s, next(s) % 8 == 0 ? 5000 : 40);
	case 2:
		return json_true();
	case 3:
		v = json_array();
		n = (size_t)(next(s) % 12);
		for (i = 0; i < n; i++)
			json_array_append_new(v, rvalue(s, depth + 1));
		return v;
	default:
		v = json_object();
		n = (size_t)(next(s) % 8);
		for (i = 0; i < n; i++) {
			snprintf(key, sizeof(key), "k%zu", i);
			json_object_set_new(v, key, rvalue(s, depth + 1));
		}
		return v;
	}
}

/* Whatever the shape, the answer is JSON and under the cap. */
START_TEST(fit_property_always_json_and_under_the_cap)
{
	uint64_t s = 0x9e3779b97f4a7c15ULL;
	json_t	*b, *out;
	size_t	 max, round, cuts = 0;
	int	 cut;

	for (round = 0; round < 300; round++) {
		b = json_object();
		json_object_set_new(b, "top", rvalue(&s, 0));
		json_object_set_new(b, "more", rvalue(&s, 1));
		max = JTA_FIT_MIN + (size_t)(next(&s) % 30000);
		out = fitted(b, max, &cut);
		cuts += (size_t)cut;
		if (cut)
			ck_assert(json_is_true(json_object_get(out,
			    "truncated")));
		else
			ck_assert(json_equal(b, out));
		json_decref(out);
		json_decref(b);
	}
	/* The generator made both kinds. */
	ck_assert_uint_gt(cuts, 30);
	ck_assert_uint_lt(cuts, 300);
}
END_TEST

/* A writer that keeps everything, on the heap. */
struct bigsink {
	char	*data;
	size_t	 len;
};

static int
bigwrite(void *arg, const char *buf, size_t len)
{
	struct bigsink *s = arg;

	s->data = realloc(s->data, s->len + len + 1);
	ck_assert_ptr_nonnull(s->data);
	memcpy(s->data + s->len, buf, len);
	s->len += len;
	s->data[s->len] = '\0';
	return 0;
}

START_TEST(resp_json_applies_the_cap)
{
	struct jta_resp	 r;
	struct bigsink	 sk = { NULL, 0 };
	char		*d = repeat("\xe2\x82\xac", 150000);
	json_t		*b = json_pack("{s:s}", "description", d);
	const char	*body;

	jta_resp_init(&r, bigwrite, &sk, "rid");
	ck_assert_int_eq(jta_resp_json(&r, 200, b), JTA_OK);
	body = strstr(sk.data, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	body += 4;
	ck_assert_uint_lt(jta_fit_chars(body, strlen(body)), CAP);
	ck_assert_ptr_nonnull(strstr(body, "\"truncated\":true"));
	ck_assert_ptr_nonnull(strstr(body, "more characters not shown]"));
	free(sk.data);
	free(d);
	json_decref(b);
}
END_TEST

Suite *
jta_check_suite(void)
{
	Suite	*s = suite_create("jta_resp");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, status_line_first);
	tcase_add_test(tc, dumps_as_jansson);
	tcase_add_test(tc, dumps_every_place);
	tcase_add_test(tc, json_has_type_request_id_and_body_with_newline);
	tcase_add_test(tc, added_headers_sent_in_header_block);
	tcase_add_test(tc, header_name_tokens_accepted);
	tcase_add_test(tc, header_value_with_cr_or_lf_refused);
	tcase_add_test(tc, bad_header_name_refused);
	tcase_add_test(tc, header_block_overflow_is_nomem);
	tcase_add_test(tc, empty_response_has_no_body_or_type);
	tcase_add_test(tc, json_as_uses_given_type);
	tcase_add_test(tc, problem_json_has_rfc9457_members);
	tcase_add_test(tc, problem_without_field_omits_it);
	tcase_add_test(tc, problem_items_carry_name_allowed_and_question);
	tcase_add_test(tc, error_questions_are_short_and_natural);
	tcase_add_test(tc, problem_with_non_error_status_becomes_500);
	tcase_add_test(tc, problem_detail_is_json_escaped);
	tcase_add_test(tc, head_sends_no_body);
	tcase_add_test(tc, bytes_sent_as_given);
	tcase_add_test(tc, head_problem_sends_no_body);
	tcase_add_test(tc, second_response_refused);
	tcase_add_test(tc, writer_failure_is_io_error);
	tcase_add_test(tc, reason_phrases_follow_rfc9110);
	tcase_add_test(tc, redirect_status_line_says_found);
	tcase_add_test(tc, unknown_status_has_safe_reason);
	tcase_add_test(tc, err_status_maps_codes);
	tcase_add_test(tc,
	    page_form_escapes_hidden_fields_and_sets_form_action);
	tcase_add_test(tc, page_form_refuses_an_origin_that_is_not_one);
	tcase_add_test(tc, page_sections_are_escaped_text);
	tcase_add_test(tc, page_without_form_allows_no_form_action);
	tcase_add_test(tc, fit_small_answer_is_untouched);
	tcase_add_test(tc, fit_huge_description_is_cut_with_marker);
	tcase_add_test(tc, fit_many_comments_lose_their_tail);
	tcase_add_test(tc, fit_counts_characters_and_cuts_between_them);
	tcase_add_test(tc, fit_answer_that_is_not_an_object_becomes_a_note);
	tcase_add_test(tc, fit_refuses_a_cap_too_small_for_its_note);
	tcase_add_test(tc, fit_property_always_json_and_under_the_cap);
	tcase_add_test(tc, resp_json_applies_the_cap);
	suite_add_tcase(s, tc);
	return s;
}
