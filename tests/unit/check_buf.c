/*
 * Unit tests for jta_buf: growth up to the cap and a refusal past it
 * that keeps what was there, sizes that would overflow, the empty
 * buffer, NUL-termination after every change, printf-formatted appends,
 * fixed buffers over the caller's memory, and jta_buf_free(NULL).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "jta_buf.h"
#include "check_main.h"

START_TEST(grows_to_the_cap_exactly)
{
	struct jta_buf	 b = JTA_BUF_INIT(1000);
	char		 chunk[100];
	size_t		 i;

	memset(chunk, 'x', sizeof(chunk));
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(jta_buf_add(&b, chunk, sizeof(chunk)),
		    JTA_OK);
	ck_assert_uint_eq(b.len, 1000);
	ck_assert_uint_eq(jta_buf_room(&b), 0);
	ck_assert_uint_le(b.cap, 1001);	/* never allocates past max + 1 */
	ck_assert_int_eq(b.p[1000], '\0');
	ck_assert_uint_eq(strlen(b.p), 1000);
	jta_buf_free(&b);
}
END_TEST

START_TEST(past_the_cap_is_refused_not_cut)
{
	struct jta_buf	 b = JTA_BUF_INIT(8);

	ck_assert_int_eq(jta_buf_add_str(&b, "abcde"), JTA_OK);
	ck_assert_int_eq(jta_buf_add_str(&b, "fghi"), JTA_ERR_INPUT);
	/* Nothing of the refused append is kept. */
	ck_assert_uint_eq(b.len, 5);
	ck_assert_str_eq(jta_buf_str(&b), "abcde");
	/* The failure sticks: later appends that would fit do nothing. */
	ck_assert_int_eq(jta_buf_add_str(&b, "f"), JTA_ERR_INPUT);
	ck_assert_str_eq(jta_buf_str(&b), "abcde");
	ck_assert_int_eq(b.err, JTA_ERR_INPUT);
	ck_assert_ptr_null(jta_buf_take(&b));
	jta_buf_free(&b);
}
END_TEST

START_TEST(printf_past_the_cap_is_refused)
{
	struct jta_buf	 b = JTA_BUF_INIT(10);

	ck_assert_int_eq(jta_buf_printf(&b, "%d-%s", 42, "ab"), JTA_OK);
	ck_assert_str_eq(jta_buf_str(&b), "42-ab");
	ck_assert_int_eq(jta_buf_printf(&b, "%s", "123456"), JTA_ERR_INPUT);
	ck_assert_str_eq(jta_buf_str(&b), "42-ab");
	ck_assert_uint_eq(b.len, 5);
	jta_buf_free(&b);
}
END_TEST

START_TEST(printf_grows_past_the_first_allocation)
{
	struct jta_buf	 b = JTA_BUF_INIT(100000);
	char		*s;
	size_t		 i;

	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(jta_buf_printf(&b, "%05zu,", i), JTA_OK);
	ck_assert_uint_eq(b.len, 6000);
	ck_assert(memcmp(b.p, "00000,00001,", 12) == 0);
	ck_assert(memcmp(b.p + 5994, "00999,", 6) == 0);
	ck_assert_int_eq(b.p[6000], '\0');
	s = jta_buf_take(&b);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(strlen(s), 6000);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_ptr_null(b.p);
	free(s);
	jta_buf_free(&b);
}
END_TEST

START_TEST(overflowing_size_is_refused)
{
	struct jta_buf	 b;

	/* A cap near SIZE_MAX is lowered so max + 1 and doubling cannot
	 * overflow; a length that would wrap len + n is refused. */
	jta_buf_init(&b, SIZE_MAX);
	ck_assert_uint_le(b.max, SIZE_MAX / 2);
	ck_assert_int_eq(jta_buf_add_str(&b, "ab"), JTA_OK);
	ck_assert_int_eq(jta_buf_add(&b, "x", SIZE_MAX), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_buf_add(&b, "x", SIZE_MAX - 1), JTA_ERR_INPUT);
	ck_assert_str_eq(jta_buf_str(&b), "ab");
	jta_buf_free(&b);

	jta_buf_init(&b, 16);
	ck_assert_int_eq(jta_buf_add(&b, "x", SIZE_MAX - 1), JTA_ERR_INPUT);
	ck_assert_ptr_null(b.p);	/* nothing was allocated for it */
	jta_buf_free(&b);
}
END_TEST

START_TEST(empty_buffer)
{
	struct jta_buf	 b = JTA_BUF_INIT(16);
	char		*s;

	ck_assert_ptr_null(b.p);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(jta_buf_str(&b), "");
	ck_assert_uint_eq(jta_buf_room(&b), 16);
	/* An empty append allocates nothing and does not fail. */
	ck_assert_int_eq(jta_buf_add(&b, "", 0), JTA_OK);
	ck_assert_int_eq(jta_buf_add(&b, NULL, 0), JTA_OK);
	ck_assert_ptr_null(b.p);
	jta_buf_setlen(&b, 0);
	/* Taking an empty buffer gives an empty string, not NULL. */
	s = jta_buf_take(&b);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "");
	free(s);
	jta_buf_free(&b);

	/* A zero cap takes nothing. */
	jta_buf_init(&b, 0);
	ck_assert_int_eq(jta_buf_add_str(&b, "a"), JTA_ERR_INPUT);
	ck_assert_str_eq(jta_buf_str(&b), "");
	jta_buf_free(&b);
}
END_TEST

START_TEST(nul_terminated_after_every_change)
{
	struct jta_buf	 b = JTA_BUF_INIT(64);

	ck_assert_int_eq(jta_buf_add(&b, "abcdef", 3), JTA_OK);
	ck_assert_int_eq(b.p[3], '\0');
	ck_assert_str_eq(b.p, "abc");
	/* Bytes with a NUL inside are kept by length. */
	ck_assert_int_eq(jta_buf_add(&b, "d\0e", 3), JTA_OK);
	ck_assert_uint_eq(b.len, 6);
	ck_assert_int_eq(b.p[6], '\0');
	ck_assert(memcmp(b.p, "abcd\0e", 7) == 0);
	jta_buf_setlen(&b, 2);
	ck_assert_str_eq(b.p, "ab");
	jta_buf_setlen(&b, 10);	/* longer: no change */
	ck_assert_uint_eq(b.len, 2);
	ck_assert_str_eq(b.p, "ab");
	ck_assert_int_eq(jta_buf_printf(&b, "%c", 'z'), JTA_OK);
	ck_assert_str_eq(b.p, "abz");
	jta_buf_free(&b);
}
END_TEST

START_TEST(fixed_buffer_never_grows)
{
	char		 mem[8];
	struct jta_buf	 b;

	memset(mem, 'q', sizeof(mem));
	jta_buf_init_fixed(&b, mem, sizeof(mem));
	ck_assert_str_eq(mem, "");
	ck_assert_uint_eq(jta_buf_room(&b), 7);
	ck_assert_int_eq(jta_buf_add_str(&b, "abcd"), JTA_OK);
	ck_assert_ptr_eq(b.p, mem);
	ck_assert_int_eq(jta_buf_printf(&b, "%s", "efgh"), JTA_ERR_INPUT);
	/* The refused printf wrote past len, but the NUL is back. */
	ck_assert_str_eq(mem, "abcd");
	ck_assert_ptr_null(jta_buf_take(&b));	/* not ours to hand over */
	jta_buf_free(&b);	/* empties it, frees nothing */
	ck_assert_str_eq(mem, "");
	ck_assert_int_eq(jta_buf_add_str(&b, "abcdefg"), JTA_OK);
	ck_assert_str_eq(mem, "abcdefg");
	ck_assert_int_eq(jta_buf_add_str(&b, "h"), JTA_ERR_INPUT);
	ck_assert_str_eq(mem, "abcdefg");

	/* No memory to build in: every append fails. */
	jta_buf_init_fixed(&b, mem, 0);
	ck_assert_int_ne(jta_buf_add_str(&b, "a"), JTA_OK);
}
END_TEST

START_TEST(free_null_and_twice)
{
	struct jta_buf	 b = JTA_BUF_INIT(16);

	jta_buf_free(NULL);
	ck_assert_int_eq(jta_buf_add_str(&b, "abc"), JTA_OK);
	jta_buf_free(&b);
	ck_assert_ptr_null(b.p);
	ck_assert_uint_eq(b.len, 0);
	jta_buf_free(&b);	/* freed already: still fine */
	/* A freed buffer is empty and usable again, with its cap. */
	ck_assert_int_eq(jta_buf_add_str(&b, "0123456789abcdef"), JTA_OK);
	ck_assert_int_eq(jta_buf_add_str(&b, "g"), JTA_ERR_INPUT);
	jta_buf_free(&b);
}
END_TEST

Suite *
jta_check_suite(void)
{
	Suite	*s = suite_create("jta_buf");
	TCase	*tc = tcase_create("buf");

	tcase_add_test(tc, grows_to_the_cap_exactly);
	tcase_add_test(tc, past_the_cap_is_refused_not_cut);
	tcase_add_test(tc, printf_past_the_cap_is_refused);
	tcase_add_test(tc, printf_grows_past_the_first_allocation);
	tcase_add_test(tc, overflowing_size_is_refused);
	tcase_add_test(tc, empty_buffer);
	tcase_add_test(tc, nul_terminated_after_every_change);
	tcase_add_test(tc, fixed_buffer_never_grows);
	tcase_add_test(tc, free_null_and_twice);
	suite_add_tcase(s, tc);
	return s;
}
