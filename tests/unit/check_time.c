/*
 * Unit tests for jta_time: the strict RFC 3339 subset we accept on the
 * wire ("YYYY-MM-DD" and "YYYY-MM-DDTHH:MM:SSZ", UTC only) and its format.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "jta_time.h"
#include "check_main.h"

/* Parse the NUL-terminated s; returns the parser's result. */
static int
parse(const char *s, int64_t *out)
{
	return jta_time_parse(s, strlen(s), out);
}

static void
assert_time(const char *s, int64_t want)
{
	int64_t	 t = -1;

	ck_assert_msg(parse(s, &t) == 0, "'%s' was refused", s);
	ck_assert_msg(t == want, "'%s' gave %lld, want %lld", s,
	    (long long)t, (long long)want);
}

static void
assert_bad(const char *s)
{
	int64_t	 t = 42;

	ck_assert_msg(parse(s, &t) == -1, "'%s' was accepted", s);
	ck_assert_msg(t == 42, "'%s' wrote the output on failure", s);
}

START_TEST(date_is_midnight_utc)
{
	assert_time("1970-01-01", 0);
	assert_time("2026-11-22", 1795305600);
	assert_time("2024-02-29", 1709164800);
}
END_TEST

START_TEST(datetime_known_epoch_values)
{
	assert_time("1970-01-01T00:00:00Z", 0);
	assert_time("1970-01-01T00:00:01Z", 1);
	assert_time("2026-11-22T00:00:00Z", 1795305600);
	assert_time("2026-11-22T19:30:00Z", 1795305600 + 19 * 3600 + 30 * 60);
	assert_time("2000-03-01T00:00:00Z", 951868800);
	assert_time("9999-12-31T23:59:59Z", INT64_C(253402300799));
}
END_TEST

START_TEST(leap_years_follow_gregorian_rules)
{
	int64_t	 t;

	ck_assert_int_eq(parse("2024-02-29", &t), 0);	/* divisible by 4 */
	ck_assert_int_eq(parse("2000-02-29", &t), 0);	/* by 400 */
	ck_assert_int_eq(parse("2000-02-29T12:00:00Z", &t), 0);
	assert_bad("2023-02-29");			/* not by 4 */
	assert_bad("2100-02-29");			/* by 100, not 400 */
	assert_bad("1900-02-29");
	assert_bad("2024-02-30");
	/* The day after a leap day is one day later. */
	assert_time("2024-03-01", 1709164800 + 86400);
	assert_time("2100-03-01", INT64_C(4107542400));
}
END_TEST

START_TEST(month_lengths_checked)
{
	int64_t	 t;

	ck_assert_int_eq(parse("2026-01-31", &t), 0);
	ck_assert_int_eq(parse("2026-12-31", &t), 0);
	assert_bad("2026-04-31");
	assert_bad("2026-06-31");
	assert_bad("2026-09-31");
	assert_bad("2026-11-31");
	assert_bad("2026-01-32");
	assert_bad("2026-00-10");
	assert_bad("2026-13-01");
	assert_bad("2026-01-00");
}
END_TEST

START_TEST(clock_fields_range_checked)
{
	int64_t	 t;

	ck_assert_int_eq(parse("2026-11-22T23:59:59Z", &t), 0);
	assert_bad("2026-11-22T24:00:00Z");
	assert_bad("2026-11-22T23:60:00Z");
	assert_bad("2026-11-22T23:59:60Z");
	assert_bad("2026-11-22T99:00:00Z");
}
END_TEST

START_TEST(years_before_1970_refused)
{
	assert_bad("1969-12-31");
	assert_bad("1969-12-31T23:59:59Z");
	assert_bad("0000-01-01");
}
END_TEST

START_TEST(bad_shapes_refused)
{
	assert_bad("");
	assert_bad("2026");
	assert_bad("2026-11");
	assert_bad("2026-1-22");
	assert_bad("2026-11-2");
	assert_bad("26-11-22");
	assert_bad("2026/11/22");
	assert_bad("2026-11-22 ");
	assert_bad(" 2026-11-22");
	assert_bad("2026-11-22T");
	assert_bad("2026-11-22T00:00");
	assert_bad("2026-11-22T00:00:00");	/* no zone */
	assert_bad("2026-11-22 00:00:00Z");	/* blank for T */
	assert_bad("2026-11-22T00-00-00Z");
	assert_bad("2026-11-22T00:00:00X");
	assert_bad("+026-11-22");
	assert_bad("2026-+1-22");
	assert_bad("2026-11--2");
	assert_bad("２026-11-22");
	assert_bad("abcd-ef-gh");
}
END_TEST

START_TEST(offsets_and_fractions_refused)
{
	assert_bad("2026-11-22T00:00:00+00:00");
	assert_bad("2026-11-22T00:00:00-05:00");
	assert_bad("2026-11-22T00:00:00.5Z");
	assert_bad("2026-11-22T00:00:00.000Z");
	assert_bad("2026-11-22T00:00:00ZZ");
	assert_bad("2026-11-22T00:00:00z");
}
END_TEST

START_TEST(length_is_exact_not_nul_terminated)
{
	const char	*s = "2026-11-22T00:00:00Zjunk";
	int64_t		 t = 0;

	/* Only len bytes count: the prefix parses, a longer length fails. */
	ck_assert_int_eq(jta_time_parse(s, 20, &t), 0);
	ck_assert(t == 1795305600);
	ck_assert_int_eq(jta_time_parse(s, 10, &t), 0);
	ck_assert(t == 1795305600);
	ck_assert_int_eq(jta_time_parse(s, 21, &t), -1);
	ck_assert_int_eq(jta_time_parse(s, 19, &t), -1);
	ck_assert_int_eq(jta_time_parse(s, 0, &t), -1);
}
END_TEST

START_TEST(embedded_nul_refused)
{
	int64_t	 t;

	ck_assert_int_eq(jta_time_parse("2026-11-2\0", 10, &t), -1);
	ck_assert_int_eq(jta_time_parse("2026-11-22T00:00:0\0Z", 20, &t),
	    -1);
}
END_TEST

START_TEST(format_known_values)
{
	char	 buf[JTA_TIME_STRLEN];

	jta_time_format(0, buf);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
	jta_time_format(1795305600, buf);
	ck_assert_str_eq(buf, "2026-11-22T00:00:00Z");
	jta_time_format(INT64_C(253402300799), buf);
	ck_assert_str_eq(buf, "9999-12-31T23:59:59Z");
	ck_assert_uint_eq(strlen(buf), JTA_TIME_STRLEN - 1);
}
END_TEST

/* jta_time_format as it was, through the C library. */
static void
libc_format(int64_t t, char buf[JTA_TIME_STRLEN])
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, JTA_TIME_STRLEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, JTA_TIME_STRLEN, "%s", "1970-01-01T00:00:00Z");
}

START_TEST(format_as_gmtime_and_strftime)
{
	static const int64_t edges[] = {
		0, 1, 59, 60, 3599, 3600, 86399, 86400, 951782399, 951782400,
		951868800, 4107542400, 4107542399, 13574563200,
		INT64_C(253402300799), INT64_C(253402300800), -1, -86400,
		INT64_MAX, INT64_MIN,
	};
	char		 got[JTA_TIME_STRLEN], want[JTA_TIME_STRLEN];
	int64_t		 t;
	uint64_t	 x = 88172645463325252ULL;
	size_t		 i;

	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		jta_time_format(edges[i], got);
		libc_format(edges[i], want);
		ck_assert_str_eq(got, want);
	}
	/* Every day's last second and the next's first for 400 years, one
	 * whole cycle of the Gregorian calendar (146,097 days). */
	for (t = 86400; t <= INT64_C(146097) * 86400; t += 86400) {
		jta_time_format(t - 1, got);
		libc_format(t - 1, want);
		ck_assert_str_eq(got, want);
		jta_time_format(t, got);
		libc_format(t, want);
		ck_assert_str_eq(got, want);
	}
	/* And any second (xorshift64). */
	for (i = 0; i < 50000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		t = (int64_t)(x % UINT64_C(253402300800));
		jta_time_format(t, got);
		libc_format(t, want);
		ck_assert_str_eq(got, want);
	}
}
END_TEST

START_TEST(format_round_trips_parse)
{
	static const char *const times[] = {
		"1970-01-01T00:00:00Z", "2000-02-29T23:59:59Z",
		"2024-02-29T12:34:56Z", "2026-11-22T19:30:00Z",
		"2038-01-19T03:14:08Z", "2100-03-01T00:00:00Z",
		"9999-12-31T23:59:59Z",
	};
	char	 buf[JTA_TIME_STRLEN];
	int64_t	 t, t2;
	size_t	 i;

	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		ck_assert_int_eq(parse(times[i], &t), 0);
		jta_time_format(t, buf);
		ck_assert_str_eq(buf, times[i]);
		ck_assert_int_eq(parse(buf, &t2), 0);
		ck_assert(t == t2);
	}
	/* A date formats as its midnight. */
	ck_assert_int_eq(parse("2024-02-29", &t), 0);
	jta_time_format(t, buf);
	ck_assert_str_eq(buf, "2024-02-29T00:00:00Z");
}
END_TEST

START_TEST(every_day_of_a_leap_year_round_trips)
{
	char	 buf[JTA_TIME_STRLEN];
	int64_t	 t0, t;
	int	 d;

	ck_assert_int_eq(parse("2024-01-01T00:00:00Z", &t0), 0);
	for (d = 0; d < 366; d++) {
		jta_time_format(t0 + (int64_t)d * 86400 + 3661, buf);
		ck_assert_int_eq(parse(buf, &t), 0);
		ck_assert(t == t0 + (int64_t)d * 86400 + 3661);
	}
	jta_time_format(t0 + INT64_C(366) * 86400, buf);
	ck_assert_str_eq(buf, "2025-01-01T00:00:00Z");
}
END_TEST

START_TEST(now_is_after_2024)
{
	ck_assert(jta_time_now() > 1704067200);
}
END_TEST

/* ---- Jira's times ---- */

static void
assert_jira(const char *s, int64_t want)
{
	int64_t	 t = -1;

	ck_assert_msg(jta_time_parse_jira(s, strlen(s), &t) == 0,
	    "'%s' was refused", s);
	ck_assert_msg(t == want, "'%s' gave %lld, want %lld", s,
	    (long long)t, (long long)want);
}

static void
assert_jira_bad(const char *s)
{
	int64_t	 t = 42;

	ck_assert_msg(jta_time_parse_jira(s, strlen(s), &t) == -1,
	    "'%s' was accepted", s);
	ck_assert_msg(t == 42, "'%s' wrote the output on failure", s);
}

START_TEST(jira_millis_and_zero_offset)
{
	/* The shape of every time in the spec's examples. */
	assert_jira("2026-11-22T10:00:00.000+0000",
	    1795305600 + 10 * 3600);
	assert_jira("2021-01-17T12:34:00.000+0000", 1610886840);
	assert_jira("1970-01-01T00:00:00.000+0000", 0);
}
END_TEST

START_TEST(jira_offsets_are_applied)
{
	int64_t	 base = 1795305600 + 10 * 3600;	/* 2026-11-22T10:00Z */

	assert_jira("2026-11-22T21:00:00.000+1100", base);
	assert_jira("2026-11-22T05:00:00.000-0500", base);
	assert_jira("2026-11-22T15:30:00.000+0530", base);
	assert_jira("2026-11-22T15:30:00+05:30", base);
	assert_jira("2026-11-22T04:15:00.000-05:45", base);
	/* Crossing midnight and the year backwards. */
	assert_jira("2027-01-01T01:00:00.000+0200",
	    INT64_C(1798761600) - 3600);
	/* A time at 23:59 with the largest offset we take. */
	assert_jira("2026-11-22T23:59:00.000+2359",
	    1795305600);
}
END_TEST

START_TEST(jira_fraction_optional_and_dropped)
{
	int64_t	 base = 1795305600 + 10 * 3600;

	assert_jira("2026-11-22T10:00:00+0000", base);
	assert_jira("2026-11-22T10:00:00Z", base);
	assert_jira("2026-11-22T10:00:00.9Z", base);
	assert_jira("2026-11-22T10:00:00.999+0000", base);
	assert_jira("2026-11-22T10:00:00.123456789+0000", base);
	assert_jira_bad("2026-11-22T10:00:00.1234567890+0000");
	assert_jira_bad("2026-11-22T10:00:00.+0000");
	assert_jira_bad("2026-11-22T10:00:00.12a+0000");
}
END_TEST

START_TEST(jira_bad_zones_refused)
{
	assert_jira_bad("2026-11-22T10:00:00.000");	/* no zone */
	assert_jira_bad("2026-11-22T10:00:00");
	assert_jira_bad("2026-11-22T10:00:00.000+000");
	assert_jira_bad("2026-11-22T10:00:00.000+00000");
	assert_jira_bad("2026-11-22T10:00:00.000+2400");
	assert_jira_bad("2026-11-22T10:00:00.000+0060");
	assert_jira_bad("2026-11-22T10:00:00.000+00-00");
	assert_jira_bad("2026-11-22T10:00:00.000 0000");
	assert_jira_bad("2026-11-22T10:00:00.000+0a00");
	assert_jira_bad("2026-11-22T10:00:00.000UTC");
	assert_jira_bad("2026-11-22T10:00:00.000ZZ");
	assert_jira_bad("2026-11-22T10:00:00.000z");
	assert_jira_bad("2026-11-22T10:00:00.000+0000 ");
}
END_TEST

START_TEST(jira_bad_dates_refused)
{
	assert_jira_bad("");
	assert_jira_bad("2026-11-22");
	assert_jira_bad("2026-11-22 10:00:00.000+0000");
	assert_jira_bad("2026-02-30T10:00:00.000+0000");
	assert_jira_bad("2026-11-22T24:00:00.000+0000");
	assert_jira_bad("1969-12-31T23:59:59.000+0000");
	/* Before the epoch once the offset is applied. */
	assert_jira_bad("1970-01-01T00:30:00.000+0100");
	/* After 9999 once the offset is applied. */
	assert_jira_bad("9999-12-31T23:59:59.000-0100");
	assert_jira("9999-12-31T23:59:59.000+0000", INT64_C(253402300799));
	assert_jira_bad("+2026-11-22T10:00:00.000+0000");
}
END_TEST

START_TEST(jira_length_is_exact)
{
	const char	*s = "2026-11-22T10:00:00.000+0000junk";
	int64_t		 t = 0;

	ck_assert_int_eq(jta_time_parse_jira(s, 28, &t), 0);
	ck_assert(t == 1795305600 + 10 * 3600);
	ck_assert_int_eq(jta_time_parse_jira(s, 27, &t), -1);
	ck_assert_int_eq(jta_time_parse_jira(s, 32, &t), -1);
	ck_assert_int_eq(jta_time_parse_jira("2026-11-22T10:00:00\0Z", 21,
	    &t), -1);
}
END_TEST

START_TEST(jira_round_trips_to_our_format)
{
	char	 buf[JTA_TIME_STRLEN];
	int64_t	 t = 0;

	ck_assert_int_eq(jta_time_parse_jira("2023-06-24T19:24:50.000+0000",
	    28, &t), 0);
	jta_time_format(t, buf);
	ck_assert_str_eq(buf, "2023-06-24T19:24:50Z");
	ck_assert_int_eq(jta_time_parse_jira("2023-06-25T05:24:50.000+1000",
	    28, &t), 0);
	jta_time_format(t, buf);
	ck_assert_str_eq(buf, "2023-06-24T19:24:50Z");
}
END_TEST

Suite *
jta_check_suite(void)
{
	Suite	*s = suite_create("jta_time");
	TCase	*tc = tcase_create("core");
	TCase	*tw = tcase_create("format_range");

	tcase_add_test(tc, date_is_midnight_utc);
	tcase_add_test(tc, datetime_known_epoch_values);
	tcase_add_test(tc, leap_years_follow_gregorian_rules);
	tcase_add_test(tc, month_lengths_checked);
	tcase_add_test(tc, clock_fields_range_checked);
	tcase_add_test(tc, years_before_1970_refused);
	tcase_add_test(tc, bad_shapes_refused);
	tcase_add_test(tc, offsets_and_fractions_refused);
	tcase_add_test(tc, length_is_exact_not_nul_terminated);
	tcase_add_test(tc, embedded_nul_refused);
	tcase_add_test(tc, format_known_values);
	tcase_add_test(tc, format_round_trips_parse);
	tcase_add_test(tc, every_day_of_a_leap_year_round_trips);
	tcase_add_test(tc, now_is_after_2024);
	tcase_add_test(tc, jira_millis_and_zero_offset);
	tcase_add_test(tc, jira_offsets_are_applied);
	tcase_add_test(tc, jira_fraction_optional_and_dropped);
	tcase_add_test(tc, jira_bad_zones_refused);
	tcase_add_test(tc, jira_bad_dates_refused);
	tcase_add_test(tc, jira_length_is_exact);
	tcase_add_test(tc, jira_round_trips_to_our_format);
	suite_add_tcase(s, tc);
	/* 400 years of days against the C library: about a second under
	 * the sanitizers, more on a loaded machine. */
	tcase_add_test(tw, format_as_gmtime_and_strftime);
	tcase_set_timeout(tw, 60);
	suite_add_tcase(s, tw);
	return s;
}
