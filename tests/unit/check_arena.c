/*
 * Unit tests for jta_arena: jansson's allocations come from the arena
 * between begin and end only, are all released at the end, the same
 * memory serves the next request, a cache made with the arena suspended
 * outlives the request, large blocks and everything outside a request go
 * to malloc, and a worker keeps at most JTA_LIMIT_ARENA_KEEP bytes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "jta_arena.h"
#include "jta_limits.h"
#include "check_main.h"

/* A Jira search page of n issues, like the benchmark's. */
static char *
page(size_t n)
{
	json_t	*issues = json_array(), *p;
	char	*s;
	size_t	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(issues, json_pack("{s:s, s:s, s:{s:s, "
		    "s:{s:s, s:s}, s:{s:s}, s:n, s:s}}", "id", "10001", "key",
		    "OPS-1", "fields", "summary", "Disk usage alert",
		    "status", "name", "To Do", "self", "https://x/status/1",
		    "issuetype", "name", "Bug", "assignee", "updated",
		    "2026-12-06T15:42:13.000+0000"));
	p = json_pack("{s:o, s:b}", "issues", issues, "isLast", 1);
	s = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	return s;
}

START_TEST(outside_a_request_is_malloc)
{
	json_t	*o = json_object();
	size_t	 used, held;

	ck_assert_ptr_nonnull(o);
	ck_assert(!jta_arena_owns(o));
	jta_arena_stats(&used, &held);
	ck_assert_uint_eq(used, 0);
	/* Made before the request, freed in it: goes to free(). */
	jta_arena_begin();
	json_decref(o);
	jta_arena_end();
}
END_TEST

START_TEST(request_allocations_released_at_end)
{
	char	*text = page(20), *out;
	json_t	*doc, *first;
	void	*where;
	size_t	 used, held;

	jta_arena_begin();
	doc = json_loadb(text, strlen(text), JSON_REJECT_DUPLICATES, NULL);
	ck_assert_ptr_nonnull(doc);
	ck_assert(jta_arena_owns(doc));
	first = json_array_get(json_object_get(doc, "issues"), 0);
	ck_assert(jta_arena_owns(first));
	out = json_dumps(doc, JSON_COMPACT);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, text);
	jta_arena_stats(&used, &held);
	ck_assert_uint_gt(used, strlen(text));
	ck_assert_uint_ge(held, used);
	jta_arena_free(out);
	json_decref(doc);
	jta_arena_end();
	jta_arena_stats(&used, &held);
	ck_assert_uint_eq(used, 0);
	ck_assert_uint_le(held, JTA_LIMIT_ARENA_KEEP);
	/* The next request gets the same memory back. */
	jta_arena_begin();
	where = json_object();
	jta_arena_end();
	jta_arena_begin();
	ck_assert_ptr_eq(json_object(), where);
	jta_arena_end();
	jta_arena_free(text);
}
END_TEST

START_TEST(free_in_the_arena)
{
	json_t	*a, *b;
	size_t	 before, after, held;

	jta_arena_begin();
	a = json_object();
	jta_arena_stats(&before, &held);
	b = json_string("a string of a few bytes");
	json_decref(b);
	jta_arena_stats(&after, &held);
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_HEADERS	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_HEADERS	1
#endif
#endif
#ifdef ARENA_HEADERS
	/* Under AddressSanitizer blocks carry their size: the string's node
	 * and its text both back, the text last in, so first out; at most
	 * the node (freed second, 32 bytes and its header) stays. */
	ck_assert_uint_le(after, before + 48);
#else
	/* Without headers a free inside the arena is nothing: both blocks
	 * (the node, 32 bytes; the text, 24 rounded to 32) stay until the
	 * request ends, and no header is counted. */
	ck_assert_uint_eq(after, before + 64);
#endif
	json_decref(a);
	jta_arena_end();
}
END_TEST

START_TEST(suspended_cache_outlives_the_request)
{
	json_t	*cache, *junk;
	int	 was;
	size_t	 i;

	jta_arena_begin();
	was = jta_arena_suspend();
	cache = json_pack("{s:s, s:[i,i,i]}", "name", "tools", "list", 1,
	    2, 3);
	jta_arena_resume(was);
	ck_assert(!jta_arena_owns(cache));
	jta_arena_end();
	/* Other requests overwrite the arena; the cache is untouched. */
	for (i = 0; i < 3; i++) {
		jta_arena_begin();
		junk = json_pack("{s:s, s:s}", "name", "xxxxxxxxxxxxxxxx",
		    "more", "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");
		json_decref(junk);
		jta_arena_end();
	}
	ck_assert_str_eq(json_string_value(json_object_get(cache, "name")),
	    "tools");
	ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(
	    cache, "list"), 2)), 3);
	jta_arena_begin();
	json_decref(cache);	/* freed from a request: free() */
	jta_arena_end();
}
END_TEST

START_TEST(large_blocks_and_keep_limit)
{
	char	*big;
	json_t	*s;
	size_t	 used, held, i;

	big = malloc(JTA_LIMIT_ARENA_CHUNK);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', JTA_LIMIT_ARENA_CHUNK - 1);
	big[JTA_LIMIT_ARENA_CHUNK - 1] = '\0';
	jta_arena_begin();
	/* Larger than a quarter of a chunk: malloc. */
	s = json_string(big);
	ck_assert_ptr_nonnull(s);
	ck_assert(!jta_arena_owns(json_string_value(s)));
	json_decref(s);
	/* Many small ones: more chunks than a worker keeps. */
	for (i = 0; i < 3 * JTA_LIMIT_ARENA_KEEP / 64; i++)
		ck_assert_ptr_nonnull(json_stringn(big, 40));
	jta_arena_stats(&used, &held);
	ck_assert_uint_gt(held, JTA_LIMIT_ARENA_KEEP);
	jta_arena_end();
	jta_arena_stats(&used, &held);
	ck_assert_uint_eq(used, 0);
	ck_assert_uint_le(held, JTA_LIMIT_ARENA_KEEP);
	free(big);
}
END_TEST

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN	1
#endif
#endif

#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>

/* Under AddressSanitizer what the arena does not hand out is poisoned: a
 * value freed, or kept past its request, is a report as with malloc. */
START_TEST(freed_and_ended_values_are_poisoned)
{
	json_t		*a, *b;
	const char	*at, *bt;

	jta_arena_begin();
	a = json_string("freed in the request");
	b = json_string("kept past the request");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	at = json_string_value(a);
	bt = json_string_value(b);
	ck_assert(jta_arena_owns(a) && jta_arena_owns(bt));
	ck_assert(!__asan_address_is_poisoned(a));
	ck_assert(!__asan_address_is_poisoned(at));
	ck_assert(!__asan_address_is_poisoned(bt));
	json_decref(a);
	ck_assert(__asan_address_is_poisoned(a));
	ck_assert(__asan_address_is_poisoned(at));
	ck_assert(!__asan_address_is_poisoned(b));
	ck_assert(!__asan_address_is_poisoned(bt));
	jta_arena_end();
	ck_assert(__asan_address_is_poisoned(b));
	ck_assert(__asan_address_is_poisoned(bt));
	/* The next request gets the room again, unpoisoned. */
	jta_arena_begin();
	a = json_string("next");
	ck_assert(!__asan_address_is_poisoned(json_string_value(a)));
	json_decref(a);
	jta_arena_end();
}
END_TEST
#endif

static Suite *
arena_suite(void)
{
	Suite	*s = suite_create("arena");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, outside_a_request_is_malloc);
	tcase_add_test(tc, request_allocations_released_at_end);
	tcase_add_test(tc, free_in_the_arena);
	tcase_add_test(tc, suspended_cache_outlives_the_request);
	tcase_add_test(tc, large_blocks_and_keep_limit);
#ifdef ARENA_ASAN
	tcase_add_test(tc, freed_and_ended_values_are_poisoned);
#endif
	suite_add_tcase(s, tc);
	return s;
}

Suite *
jta_check_suite(void)
{
	jta_arena_json_install();
	return arena_suite();
}
