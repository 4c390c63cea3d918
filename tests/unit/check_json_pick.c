/*
 * Unit tests for jta_json_pick: the selective reader accepts and refuses
 * exactly what json_loadb(JSON_REJECT_DUPLICATES) does (each case states
 * the expected verdict and is also checked against jansson itself, so a
 * case fails if either side drifts), builds only the members its
 * description names, keeps values of an unexpected type whole, matches
 * jansson's numbers (integer range, -0, real overflow and underflow) and
 * strings (escapes, surrogate pairs, UTF-8, NUL), refuses duplicate keys
 * in skipped objects too, stops at jansson's depth, and builds in the
 * request's arena.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "jta_arena.h"
#include "jta_json_pick.h"
#include "jta_limits.h"
#include "check_main.h"

/* {"a": {"b": whole, "n": {"x": whole}}, "list": [each {"k": whole}]} */
static const struct jta_json_pick p_n[] = {
	{ "x", JTA_JSON_PICK_WHOLE, NULL },
	{ NULL, JTA_JSON_PICK_WHOLE, NULL }
};
static const struct jta_json_pick p_a[] = {
	{ "b", JTA_JSON_PICK_WHOLE, NULL },
	{ "n", JTA_JSON_PICK_MEMBERS, p_n },
	{ NULL, JTA_JSON_PICK_WHOLE, NULL }
};
static const struct jta_json_pick p_k[] = {
	{ "k", JTA_JSON_PICK_WHOLE, NULL },
	{ NULL, JTA_JSON_PICK_WHOLE, NULL }
};
static const struct jta_json_pick p_elem = { NULL, JTA_JSON_PICK_MEMBERS,
    p_k };
static const struct jta_json_pick p_top[] = {
	{ "a", JTA_JSON_PICK_MEMBERS, p_a },
	{ "list", JTA_JSON_PICK_EACH, &p_elem },
	{ NULL, JTA_JSON_PICK_WHOLE, NULL }
};
static const struct jta_json_pick shape = { NULL, JTA_JSON_PICK_MEMBERS,
    p_top };
static const struct jta_json_pick whole = { NULL, JTA_JSON_PICK_WHOLE,
    NULL };
static const struct jta_json_pick p_none[] = {
	{ NULL, JTA_JSON_PICK_WHOLE, NULL }
};
static const struct jta_json_pick nothing = { NULL, JTA_JSON_PICK_MEMBERS,
    p_none };

static char *
dump(const json_t *v)
{
	char	*s = jta_arena_json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY);

	ck_assert_ptr_nonnull(s);
	return s;
}

/*
 * in (len bytes) is accepted (ok) or refused, by json_loadb and by the
 * reader with every description; when accepted the reader's tree is the
 * filter of jansson's.
 */
static void
agree(const char *in, size_t len, int ok)
{
	static const struct jta_json_pick *const picks[] = { &shape, &whole,
	    &nothing };
	json_t		*doc, *got, *want;
	char		*a, *b;
	size_t		 i, pos;
	enum jta_err	 rc;

	doc = json_loadb(in, len, JSON_REJECT_DUPLICATES, NULL);
	ck_assert_msg((doc != NULL) == ok, "jansson %s %.40s",
	    ok ? "refuses" : "accepts", in);
	for (i = 0; i < sizeof(picks) / sizeof(picks[0]); i++) {
		got = (json_t *)1;
		rc = jta_json_pick_loadb(in, len, picks[i], &got, &pos);
		ck_assert_msg((rc == JTA_OK) == ok, "pick %s %.40s (pick %zu)",
		    ok ? "refuses" : "accepts", in, i);
		if (!ok) {
			ck_assert_int_eq(rc, JTA_ERR_INPUT);
			ck_assert_ptr_null(got);
			ck_assert_uint_le(pos, len);
			continue;
		}
		ck_assert_ptr_nonnull(want = jta_json_pick_filter(doc,
		    picks[i]));
		a = dump(got);
		b = dump(want);
		ck_assert_msg(strcmp(a, b) == 0, "pick %zu of %.40s: %s, "
		    "want %s", i, in, a, b);
		free(a);
		free(b);
		json_decref(got);
		json_decref(want);
	}
	json_decref(doc);
}

static void
yes(const char *in)
{
	agree(in, strlen(in), 1);
}

static void
no(const char *in)
{
	agree(in, strlen(in), 0);
}

/* The reader's tree of in with pick, as compact sorted text. */
static void
picks_as(const char *in, const struct jta_json_pick *pick, const char *want)
{
	json_t	*got = NULL;
	char	*s;

	ck_assert_int_eq(jta_json_pick_loadb(in, strlen(in), pick, &got,
	    NULL), JTA_OK);
	s = dump(got);
	ck_assert_str_eq(s, want);
	free(s);
	json_decref(got);
}

START_TEST(only_described_members_built)
{
	picks_as("{\"a\":{\"b\":[1,{\"z\":2}],\"c\":3,\"n\":{\"x\":\"y\","
	    "\"w\":{}}},\"list\":[{\"k\":1,\"j\":2},{\"j\":3}],\"zz\":[4]}",
	    &shape, "{\"a\":{\"b\":[1,{\"z\":2}],\"n\":{\"x\":\"y\"}},"
	    "\"list\":[{\"k\":1},{}]}");
	picks_as("[{\"a\":1}]", &nothing, "[{\"a\":1}]");
	picks_as("{\"a\":1}", &nothing, "{}");
	yes("{\"a\":{\"b\":[1,{\"z\":2}],\"c\":3,\"n\":{\"x\":\"y\","
	    "\"w\":{}}},\"list\":[{\"k\":1,\"j\":2},{\"j\":3}],\"zz\":[4]}");
}
END_TEST

START_TEST(unexpected_types_kept_whole)
{
	/* "a" wants an object, "list" an array, each element an object. */
	picks_as("{\"a\":[{\"b\":1,\"q\":2}],\"list\":{\"k\":1,\"j\":2}}",
	    &shape, "{\"a\":[{\"b\":1,\"q\":2}],\"list\":{\"j\":2,\"k\":1}}");
	picks_as("{\"a\":\"s\",\"list\":[7,[8],null,{\"k\":[9]}]}", &shape,
	    "{\"a\":\"s\",\"list\":[7,[8],null,{\"k\":[9]}]}");
	picks_as("{\"a\":{\"n\":[{\"x\":1,\"y\":2}]}}", &shape,
	    "{\"a\":{\"n\":[{\"x\":1,\"y\":2}]}}");
}
END_TEST

START_TEST(grammar_as_jansson)
{
	yes("{}");
	yes("[]");
	yes(" \t\r\n{ \"a\" : [ 1 , 2 ] } \n");
	yes("[true,false,null]");
	no("");
	no("   ");
	no("1");
	no("\"s\"");
	no("null");
	no("{} {}");
	no("{}x");
	no("\xef\xbb\xbf{}");		/* a BOM */
	no("{\f}");			/* form feed is no whitespace */
	no("[1,]");
	no("[,1]");
	no("{\"a\":1,}");
	no("{,}");
	no("{\"a\" 1}");
	no("{\"a\":}");
	no("{1:1}");
	no("{'a':1}");
	no("[truex]");
	no("[nul]");
	no("[True]");
	no("[NaN]");
	no("[Infinity]");
	no("[");
	no("{\"a\":[1,2}");
	no("[1}");
	no("{\"skip\":[1,2}");
	no("{\"skip\":{\"a\":1]}");
}
END_TEST

START_TEST(numbers_as_jansson)
{
	yes("[0,-0,1,-1,10,0.5,-0.5,1e5,1E5,1e+5,1e-5,1.5e3]");
	yes("{\"skip\":[0.0,-0.0,1e-999,123456789012345678901234567890.5]}");
	yes("[9223372036854775807,-9223372036854775808]");
	no("[9223372036854775808]");
	no("[-9223372036854775809]");
	no("{\"skip\":99999999999999999999}");
	no("[01]");
	no("[-01]");
	no("[00]");
	no("[1.]");
	no("[.5]");
	no("[-]");
	no("[+1]");
	no("[1e]");
	no("[1e+]");
	no("[1.e5]");
	no("[0x10]");
	no("[1e999]");
	no("[-1e999]");
	no("{\"skip\":[1.7976931348623159e308]}");
	yes("{\"skip\":[1.7976931348623157e308]}");
	/* -0 is the integer 0; -0.0 a real whose sign is kept. */
	picks_as("[-0,-0.0,1e-999,0e0]", &whole, "[0,-0.0,0.0,0.0]");
}
END_TEST

/* A real of d digits before the point, skipped (the reader checks its
 * overflow without being asked for its value). */
START_TEST(long_real_overflow_checked_when_skipped)
{
	char	 buf[600];
	size_t	 d;

	for (d = 300; d <= 320; d += 20) {
		memcpy(buf, "{\"skip\":", 8);
		memset(buf + 8, '9', d);
		memcpy(buf + 8 + d, ".5}", 4);
		agree(buf, strlen(buf), d < 309);
		/* The same as an integer: far out of range either way. */
		memcpy(buf + 8 + d, "}", 2);
		agree(buf, strlen(buf), 0);
	}
}
END_TEST

START_TEST(strings_as_jansson)
{
	yes("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20ac\"]");
	yes("[\"\\ud83d\\ude00\",\"\\uD83D\\uDE00\"]");
	yes("[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f\"]");
	picks_as("[\"\\ud83d\\ude00\\u00e9\\/\"]", &whole,
	    "[\"\xf0\x9f\x98\x80\xc3\xa9/\"]");
	no("[\"\\ud800\"]");		/* lone high surrogate */
	no("[\"\\ud800x\"]");
	no("[\"\\ud800\\n\"]");
	no("[\"\\ud800\\ud800\"]");
	no("[\"\\udc00\"]");		/* lone low surrogate */
	no("{\"skip\":\"\\udc00\\ud800\"}");
	no("[\"\\u00g0\"]");
	no("[\"\\u00\"]");
	no("[\"\\x41\"]");
	no("[\"\\'\"]");
	no("[\"a\tb\"]");		/* raw control character */
	no("[\"a\nb\"]");
	no("[\"abc]");
	no("{\"skip\":\"\\u0000\"}");	/* NUL, skipped or not */
	no("[\"\\u0000\"]");
	no("{\"a\\u0000\":1}");
	no("[\"\xc0\x80\"]");		/* overlong */
	no("[\"\xe0\x80\xaf\"]");
	no("[\"\xed\xa0\x80\"]");	/* an encoded surrogate */
	no("[\"\xf4\x90\x80\x80\"]");	/* past U+10FFFF */
	no("[\"\xf5\x80\x80\x80\"]");
	no("[\"\x80\"]");		/* a lone continuation byte */
	no("[\"\xc3\"]");		/* cut short */
	no("[\"\xe2\x82\"]");
	no("[\xc3\xa9]");		/* UTF-8 outside a string */
	no("{\"skip\":[\"\xc3\x28\"]}");
}
END_TEST

/* agree() on a literal that holds NUL bytes. */
#define AGREE(lit, ok)	agree((lit), sizeof(lit) - 1, (ok))

START_TEST(nul_bytes_refused)
{
	AGREE("{\"a\":\"x\0y\"}", 0);
	AGREE("{}\0", 0);
	AGREE("{\"skip\":[1,\0]}", 0);
	AGREE("\0{}", 0);
	AGREE("[\"x\"\0]", 0);
	AGREE("{\"a\":\0 1}", 0);
	/* jansson drops one NUL right after a number or a literal (its
	 * lexer's look-ahead: jta_json_pick.c); two are refused. */
	AGREE("{\"\":1\0}", 1);
	AGREE("[true\0,false\0,null\0,-0\0,1.5\0,2e3\0]", 1);
	AGREE("{\"skip\":[1\0]}", 1);
	AGREE("[1\0\0]", 0);
	AGREE("[1\0 2]", 0);
	AGREE("[-\0]", 0);
	AGREE("[tru\0e]", 0);
}
END_TEST

START_TEST(duplicate_keys_refused_everywhere)
{
	char	 buf[4096];
	size_t	 i, n;

	no("{\"a\":1,\"a\":2}");
	no("{\"skip\":{\"x\":1,\"x\":2}}");
	no("{\"list\":[{\"j\":1,\"j\":1}]}");
	no("{\"a\":1,\"\\u0061\":2}");		/* equal once unescaped */
	no("{\"skip\":{\"\\u00e9\":1,\"\xc3\xa9\":2}}");
	no("{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}");
	yes("{\"a\":{\"a\":{\"a\":1}},\"b\":{\"a\":2}}");
	yes("{\"a\":1,\"A\":2,\"a \":3,\"\":4}");
	yes("[{\"x\":1},{\"x\":1}]");
	/* Objects of many keys (the hash table), skipped and kept. */
	for (n = 16; n <= 200; n += 184) {
		for (int dup = 0; dup <= 1; dup++) {
			size_t	 len = 0;

			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
			    "{\"skip\":{");
			for (i = 0; i < n; i++)
				len += (size_t)snprintf(buf + len,
				    sizeof(buf) - len, "%s\"k%zu\":%zu",
				    i ? "," : "", dup && i == n - 1 ? 3 : i,
				    i);
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
			    "}}");
			agree(buf, len, !dup);
			/* The same object at the top, kept whole. */
			agree(buf + 8, len - 9, !dup);
		}
	}
}
END_TEST

/* n arrays nested, with inner inside the innermost. */
static void
nested(size_t n, const char *inner, int ok)
{
	size_t	 len = 2 * n + strlen(inner);
	char	*s = malloc(len + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, '[', n);
	memcpy(s + n, inner, strlen(inner));
	memset(s + n + strlen(inner), ']', n);
	s[len] = '\0';
	agree(s, len, ok);
	free(s);
}

START_TEST(depth_as_jansson)
{
	ck_assert_int_eq(JTA_LIMIT_PICK_DEPTH, JSON_PARSER_MAX_DEPTH);
	nested(JTA_LIMIT_PICK_DEPTH, "", 1);
	nested(JTA_LIMIT_PICK_DEPTH + 1, "", 0);
	/* A scalar is a level too. */
	nested(JTA_LIMIT_PICK_DEPTH - 1, "1", 1);
	nested(JTA_LIMIT_PICK_DEPTH, "1", 0);
	nested(JTA_LIMIT_PICK_DEPTH - 1, "{}", 1);
	nested(JTA_LIMIT_PICK_DEPTH, "{}", 0);
	/* Refused, not crashed, far past the bound. */
	nested(100000, "", 0);
}
END_TEST

START_TEST(input_over_limit_refused)
{
	size_t	 n = JTA_LIMIT_PICK_INPUT + 1;
	char	*s = malloc(n);
	json_t	*got = NULL;

	ck_assert_ptr_nonnull(s);
	memset(s, ' ', n);
	memcpy(s, "{}", 2);
	ck_assert_int_eq(jta_json_pick_loadb(s, n, &whole, &got, NULL),
	    JTA_ERR_INPUT);
	ck_assert_ptr_null(got);
	ck_assert_int_eq(jta_json_pick_loadb(s, n - 1, &whole, &got, NULL),
	    JTA_OK);
	json_decref(got);
	ck_assert_int_eq(jta_json_pick_loadb(NULL, 0, &whole, &got, NULL),
	    JTA_ERR_INPUT);
	free(s);
}
END_TEST

START_TEST(built_in_the_arena)
{
	static const char in[] = "{\"a\":{\"b\":\"\\u00e9t\\u00e9\","
	    "\"n\":{\"x\":[1,2.5]}}}";
	json_t	*got = NULL;

	jta_arena_begin();
	ck_assert_int_eq(jta_json_pick_loadb(in, sizeof(in) - 1, &shape,
	    &got, NULL), JTA_OK);
	ck_assert(jta_arena_owns(got));
	ck_assert(jta_arena_owns(json_object_get(json_object_get(got, "a"),
	    "b")));
	json_decref(got);
	jta_arena_end();
}
END_TEST

static Suite *
pick_suite(void)
{
	Suite	*s = suite_create("jta_json_pick");
	TCase	*tc = tcase_create("pick");

	tcase_add_test(tc, only_described_members_built);
	tcase_add_test(tc, unexpected_types_kept_whole);
	tcase_add_test(tc, grammar_as_jansson);
	tcase_add_test(tc, numbers_as_jansson);
	tcase_add_test(tc, long_real_overflow_checked_when_skipped);
	tcase_add_test(tc, strings_as_jansson);
	tcase_add_test(tc, nul_bytes_refused);
	tcase_add_test(tc, duplicate_keys_refused_everywhere);
	tcase_add_test(tc, depth_as_jansson);
	tcase_add_test(tc, input_over_limit_refused);
	tcase_add_test(tc, built_in_the_arena);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

Suite *
jta_check_suite(void)
{
	jta_arena_json_install();
	return pick_suite();
}
