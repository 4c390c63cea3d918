/*
 * Unit tests for jta_text: the strict number parser, UTF-8 validity and
 * the syntax of project and issue keys.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "jta_limits.h"
#include "jta_text.h"
#include "check_main.h"

#define N(t)	(sizeof(t) / sizeof((t)[0]))

/* ---- jta_text_parse_uint ---- */

static int
puint(const char *s, uint64_t max, uint64_t *out)
{
	return jta_text_parse_uint(s, strlen(s), max, out);
}

START_TEST(parse_uint_plain_digits)
{
	uint64_t	 v = 99;

	ck_assert_int_eq(puint("0", 10, &v), 0);
	ck_assert(v == 0);
	ck_assert_int_eq(puint("7", 10, &v), 0);
	ck_assert(v == 7);
	ck_assert_int_eq(puint("65536", 65536, &v), 0);
	ck_assert(v == 65536);
	ck_assert_int_eq(puint("1234567890", UINT64_MAX, &v), 0);
	ck_assert(v == 1234567890);
}
END_TEST

START_TEST(parse_uint_leading_zero_refused)
{
	uint64_t	 v = 99;

	ck_assert_int_eq(puint("00", 100, &v), -1);
	ck_assert_int_eq(puint("01", 100, &v), -1);
	ck_assert_int_eq(puint("007", 100, &v), -1);
	ck_assert(v == 99);
}
END_TEST

START_TEST(parse_uint_sign_refused)
{
	uint64_t	 v = 99;

	ck_assert_int_eq(puint("+5", 100, &v), -1);
	ck_assert_int_eq(puint("-1", 100, &v), -1);
	ck_assert_int_eq(puint("-0", 100, &v), -1);
	ck_assert_int_eq(puint("+", 100, &v), -1);
	ck_assert(v == 99);
}
END_TEST

START_TEST(parse_uint_blanks_and_junk_refused)
{
	uint64_t	 v = 99;

	ck_assert_int_eq(puint("", 100, &v), -1);
	ck_assert_int_eq(puint(" 5", 100, &v), -1);
	ck_assert_int_eq(puint("5 ", 100, &v), -1);
	ck_assert_int_eq(puint("\t5", 100, &v), -1);
	ck_assert_int_eq(puint("5\n", 100, &v), -1);
	ck_assert_int_eq(puint("1e3", 10000, &v), -1);
	ck_assert_int_eq(puint("0x10", 100, &v), -1);
	ck_assert_int_eq(puint("1.0", 100, &v), -1);
	ck_assert_int_eq(puint("5a", 100, &v), -1);
	ck_assert_int_eq(puint("\xd9\xa5", 100, &v), -1);	/* Arabic 5 */
	ck_assert_int_eq(jta_text_parse_uint("5\0", 2, 100, &v), -1);
	ck_assert(v == 99);
}
END_TEST

START_TEST(parse_uint_max_is_inclusive)
{
	uint64_t	 v = 0;

	ck_assert_int_eq(puint("123", 123, &v), 0);
	ck_assert(v == 123);
	ck_assert_int_eq(puint("124", 123, &v), -1);
	ck_assert_int_eq(puint("1", 0, &v), -1);
	ck_assert_int_eq(puint("0", 0, &v), 0);
}
END_TEST

START_TEST(parse_uint_overflow_refused)
{
	uint64_t	 v = 0;

	ck_assert_int_eq(puint("18446744073709551615", UINT64_MAX, &v), 0);
	ck_assert(v == UINT64_MAX);
	ck_assert_int_eq(puint("18446744073709551616", UINT64_MAX, &v), -1);
	ck_assert_int_eq(puint("18446744073709551620", UINT64_MAX, &v), -1);
	ck_assert_int_eq(puint("99999999999999999999", UINT64_MAX, &v), -1);
	ck_assert_int_eq(puint("100000000000000000000", UINT64_MAX, &v), -1);
	ck_assert_int_eq(puint("99999999999", UINT32_MAX, &v), -1);
	ck_assert_int_eq(puint("4294967295", UINT32_MAX, &v), 0);
	ck_assert(v == UINT32_MAX);
}
END_TEST

START_TEST(parse_uint_reads_only_len_bytes)
{
	uint64_t	 v = 0;

	ck_assert_int_eq(jta_text_parse_uint("12345", 2, 100, &v), 0);
	ck_assert(v == 12);
	ck_assert_int_eq(jta_text_parse_uint("7x", 1, 100, &v), 0);
	ck_assert(v == 7);
	ck_assert_int_eq(jta_text_parse_uint("7", 0, 100, &v), -1);
}
END_TEST

/* ---- jta_text_utf8_valid ---- */

static int
u8(const char *s)
{
	return jta_text_utf8_valid(s, strlen(s));
}

START_TEST(utf8_well_formed_accepted)
{
	ck_assert_int_eq(u8(""), 1);
	ck_assert_int_eq(u8("plain ascii ~"), 1);
	ck_assert_int_eq(u8("\xc3\xa9"), 1);			/* é */
	ck_assert_int_eq(u8("\xc2\x80"), 1);			/* U+0080 */
	ck_assert_int_eq(u8("\xdf\xbf"), 1);			/* U+07FF */
	ck_assert_int_eq(u8("\xe0\xa0\x80"), 1);		/* U+0800 */
	ck_assert_int_eq(u8("\xe2\x82\xac"), 1);		/* € */
	ck_assert_int_eq(u8("\xed\x9f\xbf"), 1);		/* U+D7FF */
	ck_assert_int_eq(u8("\xee\x80\x80"), 1);		/* U+E000 */
	ck_assert_int_eq(u8("\xef\xbf\xbf"), 1);		/* U+FFFF */
	ck_assert_int_eq(u8("\xf0\x90\x80\x80"), 1);		/* U+10000 */
	ck_assert_int_eq(u8("\xf0\x9f\x98\x80"), 1);		/* 😀 */
	ck_assert_int_eq(u8("\xf4\x8f\xbf\xbf"), 1);		/* U+10FFFF */
	/* NUL is ASCII */
	ck_assert_int_eq(jta_text_utf8_valid("a\0b", 3), 1);
}
END_TEST

START_TEST(utf8_next_decodes_one_and_stops_at_len)
{
	uint32_t cp = 7;

	ck_assert_uint_eq(jta_text_utf8_next("a", 1, &cp), 1);
	ck_assert_uint_eq(cp, 'a');
	ck_assert_uint_eq(jta_text_utf8_next("\xc3\xa9x", 3, &cp), 2);
	ck_assert_uint_eq(cp, 0xe9);
	ck_assert_uint_eq(jta_text_utf8_next("\xe6\x8e\xa5", 3, &cp), 3);
	ck_assert_uint_eq(cp, 0x63a5);
	ck_assert_uint_eq(jta_text_utf8_next("\xf0\x9f\x98\x80", 4, &cp), 4);
	ck_assert_uint_eq(cp, 0x1f600);
	cp = 7;
	/* the sequence is whole in the string but not within len */
	ck_assert_uint_eq(jta_text_utf8_next("\xe6\x8e\xa5", 2, &cp), 0);
	ck_assert_uint_eq(jta_text_utf8_next("\xc3\xa9", 0, &cp), 0);
	/* overlong, surrogate, stray continuation, above U+10FFFF */
	ck_assert_uint_eq(jta_text_utf8_next("\xc1\xa1", 2, &cp), 0);
	ck_assert_uint_eq(jta_text_utf8_next("\xed\xa0\x80", 3, &cp), 0);
	ck_assert_uint_eq(jta_text_utf8_next("\xa9", 1, &cp), 0);
	ck_assert_uint_eq(jta_text_utf8_next("\xf4\x90\x80\x80", 4, &cp), 0);
	ck_assert_uint_eq(cp, 7);
}
END_TEST

START_TEST(utf8_overlongs_refused)
{
	ck_assert_int_eq(u8("\xc0\x80"), 0);
	ck_assert_int_eq(u8("\xc0\xaf"), 0);
	ck_assert_int_eq(u8("\xc1\xbf"), 0);
	ck_assert_int_eq(u8("\xe0\x80\x80"), 0);
	ck_assert_int_eq(u8("\xe0\x80\xaf"), 0);
	ck_assert_int_eq(u8("\xe0\x9f\xbf"), 0);
	ck_assert_int_eq(u8("\xf0\x80\x80\x80"), 0);
	ck_assert_int_eq(u8("\xf0\x80\x80\xaf"), 0);
	ck_assert_int_eq(u8("\xf0\x8f\xbf\xbf"), 0);
}
END_TEST

START_TEST(utf8_surrogates_refused)
{
	ck_assert_int_eq(u8("\xed\xa0\x80"), 0);		/* U+D800 */
	ck_assert_int_eq(u8("\xed\xad\xbf"), 0);
	ck_assert_int_eq(u8("\xed\xb0\x80"), 0);		/* U+DC00 */
	ck_assert_int_eq(u8("\xed\xbf\xbf"), 0);		/* U+DFFF */
	ck_assert_int_eq(u8("\xed\xa0\xbd\xed\xb8\x80"), 0);	/* CESU pair */
}
END_TEST

START_TEST(utf8_above_10ffff_refused)
{
	ck_assert_int_eq(u8("\xf4\x90\x80\x80"), 0);		/* U+110000 */
	ck_assert_int_eq(u8("\xf4\xbf\xbf\xbf"), 0);
	ck_assert_int_eq(u8("\xf5\x80\x80\x80"), 0);
	ck_assert_int_eq(u8("\xf7\xbf\xbf\xbf"), 0);
	ck_assert_int_eq(u8("\xf8\x88\x80\x80\x80"), 0);
	ck_assert_int_eq(u8("\xfc\x84\x80\x80\x80\x80"), 0);
	ck_assert_int_eq(u8("\xfe"), 0);
	ck_assert_int_eq(u8("\xff"), 0);
}
END_TEST

START_TEST(utf8_truncated_refused)
{
	ck_assert_int_eq(u8("\xc3"), 0);
	ck_assert_int_eq(u8("ab\xc3"), 0);
	ck_assert_int_eq(u8("\xe2\x82"), 0);
	ck_assert_int_eq(u8("\xe2"), 0);
	ck_assert_int_eq(u8("\xf0\x9f\x98"), 0);
	ck_assert_int_eq(u8("\xf0\x9f"), 0);
	/* A multi-byte sequence cut by len, though more bytes follow. */
	ck_assert_int_eq(jta_text_utf8_valid("\xe2\x82\xac", 2), 0);
	ck_assert_int_eq(jta_text_utf8_valid("\xf0\x9f\x98\x80", 3), 0);
}
END_TEST

START_TEST(utf8_bad_continuation_refused)
{
	ck_assert_int_eq(u8("\x80"), 0);
	ck_assert_int_eq(u8("\xbf"), 0);
	ck_assert_int_eq(u8("a\x80z"), 0);
	ck_assert_int_eq(u8("\xc3\x28"), 0);
	ck_assert_int_eq(u8("\xe2\x28\xa1"), 0);
	ck_assert_int_eq(u8("\xe2\x82\x28"), 0);
	ck_assert_int_eq(u8("\xf0\x28\x8c\xbc"), 0);
	ck_assert_int_eq(u8("\xf0\x90\x28\xbc"), 0);
	ck_assert_int_eq(u8("\xf0\x90\x8c\x28"), 0);
	ck_assert_int_eq(u8("\xc3\xa9\xa9"), 0);
}
END_TEST

/* ---- project and issue keys ---- */

static int
pk(const char *s)
{
	return jta_text_is_project_key(s, strlen(s));
}

START_TEST(project_key_shapes)
{
	ck_assert_int_eq(pk("A"), 1);
	ck_assert_int_eq(pk("DEMO"), 1);
	ck_assert_int_eq(pk("AB12"), 1);
	ck_assert_int_eq(pk("ABCDEFGHIJ"), 1);
	ck_assert_int_eq(pk("ABCDEFGHIJK"), 0);
	ck_assert_int_eq(pk(""), 0);
	ck_assert_int_eq(pk("demo"), 0);
	ck_assert_int_eq(pk("Demo"), 0);
	ck_assert_int_eq(pk("1AB"), 0);
	ck_assert_int_eq(pk("A-B"), 0);
	ck_assert_int_eq(pk("A_B"), 0);
	ck_assert_int_eq(pk("A B"), 0);
	ck_assert_int_eq(pk("\xc3\x84"), 0);
	ck_assert_int_eq(jta_text_is_project_key("AB-1", 2), 1);
	ck_assert_int_eq(jta_text_is_project_key("A\0", 2), 0);
}
END_TEST

START_TEST(hexval_every_byte)
{
	int	 c, want;

	for (c = -128; c < 256; c++) {
		if (c >= '0' && c <= '9')
			want = c - '0';
		else if (c >= 'a' && c <= 'f')
			want = 10 + c - 'a';
		else if (c >= 'A' && c <= 'F')
			want = 10 + c - 'A';
		else
			want = -1;
		ck_assert_int_eq(jta_text_hexval(c), want);
	}
}
END_TEST

/* jta_text_u64 writes what snprintf's PRIu64 writes: every power of
 * ten and its neighbours, the extremes, and 100,000 values of every
 * width. */
static void
u64_as_snprintf(uint64_t v)
{
	char	 want[32], got[JTA_TEXT_U64_MAX + 1];
	size_t	 n;

	snprintf(want, sizeof(want), "%" PRIu64, v);
	memset(got, 'x', sizeof(got));
	n = jta_text_u64(v, got);
	ck_assert_uint_le(n, JTA_TEXT_U64_MAX);
	ck_assert_uint_eq(n, strlen(want));
	ck_assert_msg(memcmp(got, want, n) == 0, "%" PRIu64 ": %.*s", v,
	    (int)n, got);
	ck_assert_int_eq(got[n], 'x');	/* no NUL, nothing past */
}

START_TEST(u64_decimal)
{
	uint64_t	 p = 1, x = 88172645463325252ULL;
	int		 i;

	u64_as_snprintf(0);
	u64_as_snprintf(UINT64_MAX);
	u64_as_snprintf(UINT64_MAX - 1);
	for (i = 0; i < 20; i++, p *= 10) {
		u64_as_snprintf(p - 1);
		u64_as_snprintf(p);
		u64_as_snprintf(p + 1);
	}
	for (i = 0; i < 100000; i++) {
		x ^= x << 13;	/* xorshift64 */
		x ^= x >> 7;
		x ^= x << 17;
		u64_as_snprintf(x >> (i % 64));
	}
}
END_TEST

START_TEST(kb_name_shapes)
{
	char	 b[JTA_LIMIT_KB_ID + 2];

	ck_assert_int_eq(jta_text_is_kb_name("kb-3", 4), 1);
	ck_assert_int_eq(jta_text_is_kb_name("page-1001", 9), 1);
	ck_assert_int_eq(jta_text_is_kb_name("~alice_x", 8), 1);
	ck_assert_int_eq(jta_text_is_kb_name("", 0), 0);
	ck_assert_int_eq(jta_text_is_kb_name("kb.1", 4), 0);
	ck_assert_int_eq(jta_text_is_kb_name("kb/1", 4), 0);
	ck_assert_int_eq(jta_text_is_kb_name("H R", 3), 0);
	ck_assert_int_eq(jta_text_is_kb_name("HR\"", 3), 0);
	ck_assert_int_eq(jta_text_is_kb_name("kb-1\0x", 6), 0);
	ck_assert_int_eq(jta_text_is_kb_name("B\xc3\xbcro", 5), 0);
	memset(b, 'k', sizeof(b));
	ck_assert_int_eq(jta_text_is_kb_name(b, JTA_LIMIT_KB_ID), 1);
	ck_assert_int_eq(jta_text_is_kb_name(b, JTA_LIMIT_KB_ID + 1), 0);
}
END_TEST

static int
ik(const char *s, char *proj, size_t projsz, int64_t *num)
{
	return jta_text_parse_issue_key(s, strlen(s), proj, projsz, num);
}

START_TEST(issue_key_splits_project_and_number)
{
	char	 proj[JTA_LIMIT_PROJECT_KEY + 1];
	int64_t	 num = 0;

	ck_assert_int_eq(ik("PROJ-12", proj, sizeof(proj), &num), 0);
	ck_assert_str_eq(proj, "PROJ");
	ck_assert(num == 12);
	ck_assert_int_eq(ik("A-1", proj, sizeof(proj), &num), 0);
	ck_assert_str_eq(proj, "A");
	ck_assert(num == 1);
	ck_assert_int_eq(ik("ABCDEFGHIJ-2147483647", proj, sizeof(proj),
	    &num), 0);
	ck_assert_str_eq(proj, "ABCDEFGHIJ");
	ck_assert(num == INT32_MAX);
}
END_TEST

START_TEST(issue_key_bad_shapes_refused)
{
	static const char *const bad[] = {
		"", "PROJ", "PROJ-", "-12", "PROJ-0", "PROJ-012", "proj-12",
		"Proj-12", "PROJ-+1", "PROJ--1", "PROJ-1-2", "PROJ 12",
		"PROJ_12", "PROJ-12 ", " PROJ-12", "PROJ-2147483648",
		"PROJ-99999999999999999999", "ABCDEFGHIJK-1", "1PROJ-1",
		"PROJ-1a", "PROJ-\xd9\xa1",
	};
	char	 proj[JTA_LIMIT_PROJECT_KEY + 1];
	int64_t	 num = 0;
	size_t	 i;

	for (i = 0; i < N(bad); i++)
		ck_assert_msg(ik(bad[i], proj, sizeof(proj), &num) == -1,
		    "'%s' accepted", bad[i]);
}
END_TEST

START_TEST(issue_key_small_buffer_refused)
{
	char	 proj[4];
	int64_t	 num = 0;

	ck_assert_int_eq(ik("ABC-1", proj, sizeof(proj), &num), 0);
	ck_assert_int_eq(ik("ABCD-1", proj, sizeof(proj), &num), -1);
}
END_TEST

START_TEST(issue_key_length_limit)
{
	char	 proj[JTA_LIMIT_PROJECT_KEY + 1];
	char	 s[64];
	int64_t	 num = 0;

	/* Over JTA_LIMIT_ISSUE_KEY bytes is refused before parsing. */
	memset(s, '1', sizeof(s));
	memcpy(s, "AB-", 3);
	s[JTA_LIMIT_ISSUE_KEY + 1] = '\0';
	ck_assert_int_eq(ik(s, proj, sizeof(proj), &num), -1);
}
END_TEST

Suite *
jta_check_suite(void)
{
	Suite	*s = suite_create("jta_text");
	TCase	*tc = tcase_create("numbers_and_keys");

	tcase_add_test(tc, parse_uint_plain_digits);
	tcase_add_test(tc, kb_name_shapes);
	tcase_add_test(tc, hexval_every_byte);
	tcase_add_test(tc, u64_decimal);
	tcase_add_test(tc, parse_uint_leading_zero_refused);
	tcase_add_test(tc, parse_uint_sign_refused);
	tcase_add_test(tc, parse_uint_blanks_and_junk_refused);
	tcase_add_test(tc, parse_uint_max_is_inclusive);
	tcase_add_test(tc, parse_uint_overflow_refused);
	tcase_add_test(tc, parse_uint_reads_only_len_bytes);
	tcase_add_test(tc, utf8_well_formed_accepted);
	tcase_add_test(tc, utf8_overlongs_refused);
	tcase_add_test(tc, utf8_next_decodes_one_and_stops_at_len);
	tcase_add_test(tc, utf8_surrogates_refused);
	tcase_add_test(tc, utf8_above_10ffff_refused);
	tcase_add_test(tc, utf8_truncated_refused);
	tcase_add_test(tc, utf8_bad_continuation_refused);
	tcase_add_test(tc, project_key_shapes);
	tcase_add_test(tc, issue_key_splits_project_and_number);
	tcase_add_test(tc, issue_key_bad_shapes_refused);
	tcase_add_test(tc, issue_key_small_buffer_refused);
	tcase_add_test(tc, issue_key_length_limit);
	suite_add_tcase(s, tc);
	return s;
}
