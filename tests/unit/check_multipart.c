/*
 * jta_multipart: multipart/form-data as browsers send files (RFC 7578 on
 * RFC 2046 §5.1.1), bounded.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "jta_multipart.h"

#define CT	"multipart/form-data; boundary=XyZ"

static enum jta_err
parse(const char *body, struct jta_multipart_part *p, size_t max, size_t *n,
    struct jta_error *e)
{
	return jta_multipart_parse("XyZ", (const unsigned char *)body,
	    strlen(body), p, max, n, e);
}

START_TEST(boundary_from_content_type)
{
	struct jta_error e;
	char		 b[JTA_LIMIT_MULTIPART_BOUNDARY + 1], ct[200];

	ck_assert_int_eq(jta_multipart_boundary(CT, b, sizeof(b), &e),
	    JTA_OK);
	ck_assert_str_eq(b, "XyZ");
	ck_assert_int_eq(jta_multipart_boundary("Multipart/Form-Data ; "
	    "charset=utf-8; boundary=\"a b'()+_,-./:=?\"", b, sizeof(b), &e),
	    JTA_OK);
	ck_assert_str_eq(b, "a b'()+_,-./:=?");
	/* another type: 415 */
	ck_assert_int_eq(jta_multipart_boundary("application/json", b,
	    sizeof(b), &e), JTA_ERR_INPUT);
	ck_assert_int_eq(e.status, 415);
	ck_assert_int_eq(jta_multipart_boundary("multipart/form-datax; "
	    "boundary=a", b, sizeof(b), &e), JTA_ERR_INPUT);
	ck_assert_int_eq(e.status, 415);
	/* missing, empty, 71 characters, a character not in bchars, a blank
	 * last, given twice: 400 */
	ck_assert_int_eq(jta_multipart_boundary("multipart/form-data", b,
	    sizeof(b), &e), JTA_ERR_INPUT);
	ck_assert_int_eq(e.status, 400);
	ck_assert_str_eq(e.field, "Content-Type");
	ck_assert_int_eq(jta_multipart_boundary("multipart/form-data; "
	    "boundary=\"\"", b, sizeof(b), &e), JTA_ERR_INPUT);
	snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%071d", 0);
	ck_assert_int_eq(jta_multipart_boundary(ct, b, sizeof(b), &e),
	    JTA_ERR_INPUT);
	snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%070d", 0);
	ck_assert_int_eq(jta_multipart_boundary(ct, b, sizeof(b), &e),
	    JTA_OK);
	ck_assert_int_eq(jta_multipart_boundary("multipart/form-data; "
	    "boundary=\"a<b\"", b, sizeof(b), &e), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_multipart_boundary("multipart/form-data; "
	    "boundary=\"ab \"", b, sizeof(b), &e), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_multipart_boundary("multipart/form-data; "
	    "boundary=a; boundary=b", b, sizeof(b), &e), JTA_ERR_INPUT);
}
END_TEST

START_TEST(parts_with_files)
{
	struct jta_multipart_part p[4];
	struct jta_error e;
	size_t		 n;

	ck_assert_int_eq(parse("preamble, ignored\r\n--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"file\"; "
	    "filename=\"a \\\"b\\\".png\"\r\n"
	    "Content-Type: image/png\r\n\r\n"
	    "\x89PNG\r\nx--XyZ not yet\r\n"
	    "--XyZ  \r\n"
	    "content-disposition: FORM-DATA; filename=app.log; name=file\r\n"
	    "X-Other: ignored\r\n\r\n"
	    "\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=note\r\n\r\n"
	    "hi\r\n--XyZ--\r\nepilogue, ignored\r\n--XyZ\r\n", p, 4, &n, &e),
	    JTA_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(p[0].name, "file");
	ck_assert_int_eq(p[0].has_filename, 1);
	ck_assert_str_eq(p[0].filename, "a \"b\".png");
	ck_assert_str_eq(p[0].content_type, "image/png");
	/* a delimiter not at a line's start is content */
	ck_assert_uint_eq(p[0].len, 20);
	ck_assert_int_eq(memcmp(p[0].body, "\x89PNG\r\nx--XyZ not yet", 20),
	    0);
	ck_assert_str_eq(p[1].filename, "app.log");
	ck_assert_str_eq(p[1].content_type, "");
	ck_assert_uint_eq(p[1].len, 0);
	ck_assert_int_eq(p[2].has_filename, 0);
	ck_assert_uint_eq(p[2].len, 2);
}
END_TEST

START_TEST(malformed_bodies_are_400)
{
	static const char *const bad[] = {
		"",
		"no delimiter at all",
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nx",
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nx"
		    "\r\n--XyZ",
		"--XyZ\r\n\r\nx\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\n"
		    "x\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\n"
		    "Content-Disposition: form-data; name=b\r\n\r\nx\r\n"
		    "--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=a; name=b\r\n"
		    "\r\nx\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\n"
		    "x\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\n"
		    "x\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\nx\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n"
		    "--XyZ--",
		"--XyZx\r\nContent-Disposition: form-data; name=a\r\n\r\n"
		    "x\r\n--XyZ--",
		"--XyZ\nContent-Disposition: form-data; name=a\n\nx\n--XyZ--",
	};
	struct jta_multipart_part p[4];
	struct jta_error e;
	size_t		 i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse(bad[i], p, 4, &n, &e) == JTA_ERR_INPUT,
		    "case %zu", i);
		ck_assert_int_eq(e.status, 400);
		ck_assert_str_eq(e.field, "body");
		ck_assert_uint_eq(n, 0);
	}
}
END_TEST

START_TEST(parts_and_headers_are_bounded)
{
	struct jta_multipart_part p[2];
	struct jta_error e;
	char		*b;
	size_t		 n, o;

	ck_assert_int_eq(parse("--XyZ\r\nContent-Disposition: form-data; "
	    "name=a\r\n\r\n1\r\n--XyZ\r\nContent-Disposition: form-data; "
	    "name=b\r\n\r\n2\r\n--XyZ\r\nContent-Disposition: form-data; "
	    "name=c\r\n\r\n3\r\n--XyZ--", p, 2, &n, &e), JTA_ERR_INPUT);
	ck_assert_int_eq(e.status, 413);
	/* a header section one byte over the bound: 431; at it: fine */
	b = malloc(JTA_LIMIT_MULTIPART_HEADERS + 200);
	ck_assert_ptr_nonnull(b);
	o = (size_t)snprintf(b, 200, "--XyZ\r\nContent-Disposition: "
	    "form-data; name=a\r\nX-Pad: ");
	n = JTA_LIMIT_MULTIPART_HEADERS - (o - 7) - 2;
	memset(b + o, 'p', n + 1);
	snprintf(b + o + n + 1, 100, "\r\n\r\nx\r\n--XyZ--");
	ck_assert_int_eq(parse(b, p, 2, &n, &e), JTA_ERR_INPUT);
	ck_assert_int_eq(e.status, 431);
	n = JTA_LIMIT_MULTIPART_HEADERS - (o - 7) - 2;
	snprintf(b + o + n, 100, "\r\n\r\nx\r\n--XyZ--");
	ck_assert_int_eq(parse(b, p, 2, &n, &e), JTA_OK);
	ck_assert_uint_eq(n, 1);
	free(b);
	/* a filename over its bound is malformed, never cut */
	b = malloc(JTA_LIMIT_MULTIPART_FILENAME + 200);
	ck_assert_ptr_nonnull(b);
	o = (size_t)snprintf(b, 200, "--XyZ\r\nContent-Disposition: "
	    "form-data; name=a; filename=");
	memset(b + o, 'f', JTA_LIMIT_MULTIPART_FILENAME + 1);
	snprintf(b + o + JTA_LIMIT_MULTIPART_FILENAME + 1, 100,
	    "\r\n\r\nx\r\n--XyZ--");
	ck_assert_int_eq(parse(b, p, 2, &n, &e), JTA_ERR_INPUT);
	free(b);
}
END_TEST

START_TEST(never_reads_past_the_length)
{
	static const char whole[] = "--XyZ\r\nContent-Disposition: "
	    "form-data; name=a\r\n\r\nabc\r\n--XyZ--";
	struct jta_multipart_part p[2];
	struct jta_error e;
	unsigned char	*b;
	size_t		 len, n;

	/* every prefix, each in a buffer of exactly its length (ASan sees
	 * any read past it) */
	for (len = 0; len < sizeof(whole) - 1; len++) {
		b = malloc(len + 1);
		ck_assert_ptr_nonnull(b);
		memcpy(b, whole, len);
		ck_assert_int_eq(jta_multipart_parse("XyZ", b, len, p, 2, &n,
		    &e), JTA_ERR_INPUT);
		free(b);
	}
	ck_assert_int_eq(jta_multipart_parse("XyZ", (const unsigned char *)
	    whole, sizeof(whole) - 1, p, 2, &n, &e), JTA_OK);
	ck_assert_uint_eq(p[0].len, 3);
}
END_TEST

Suite *
jta_check_suite(void)
{
	Suite	*s = suite_create("jta_multipart");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, boundary_from_content_type);
	tcase_add_test(tc, parts_with_files);
	tcase_add_test(tc, malformed_bodies_are_400);
	tcase_add_test(tc, parts_and_headers_are_bounded);
	tcase_add_test(tc, never_reads_past_the_length);
	suite_add_tcase(s, tc);
	return s;
}
