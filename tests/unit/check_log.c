/*
 * Unit tests for jta_log: one line per event on stderr, with every control
 * character and non-ASCII byte escaped, so data can never split or forge a
 * line.  stderr is pointed at a temporary file with dup2 while a test logs.
 */
#include "config.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "jta_limits.h"
#include "jta_log.h"
#include "jta_time.h"
#include "check_main.h"

static char	 tmproot[] = "/tmp/jta-unit-XXXXXX";

struct capture {
	char	 path[256];
	int	 saved;
};

/* Point stderr at a new file under tmproot. */
static void
capture_start(struct capture *c)
{
	int	 fd;

	snprintf(c->path, sizeof(c->path), "%s/logXXXXXX", tmproot);
	fd = mkstemp(c->path);
	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	c->saved = dup(STDERR_FILENO);
	ck_assert_int_ge(c->saved, 0);
	ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
}

/* Put stderr back and read what was logged into buf (NUL-terminated). */
static size_t
capture_end(struct capture *c, char *buf, size_t bufsz)
{
	FILE	*f;
	size_t	 n;

	fflush(stderr);
	ck_assert_int_eq(dup2(c->saved, STDERR_FILENO), STDERR_FILENO);
	close(c->saved);
	f = fopen(c->path, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, bufsz - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(c->path);
	return n;
}

static size_t
count_char(const char *s, char ch)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		n += *s == ch;
	return n;
}

/* The part of one logged line after "TIMESTAMP " (a well-formed time). */
static const char *
after_stamp(const char *line)
{
	int64_t	 t, now = jta_time_now();

	ck_assert_uint_gt(strlen(line), JTA_TIME_STRLEN);
	ck_assert_int_eq(jta_time_parse(line, JTA_TIME_STRLEN - 1, &t), 0);
	ck_assert(t <= now && t >= now - 60);
	ck_assert_int_eq(line[JTA_TIME_STRLEN - 1], ' ');
	return line + JTA_TIME_STRLEN;
}

/* Each test starts from the same state (they share a process when
 * CK_FORK=no). */
static void
setup(void)
{
	jta_log_init("jta-test");
	jta_log_set_level(JTA_LOG_DEBUG);
	jta_log_set_request(NULL);
}

START_TEST(one_line_per_call)
{
	struct capture	 c;
	char		 buf[8192];

	capture_start(&c);
	jta_info("hello %d", 5);
	capture_end(&c, buf, sizeof(buf));
	ck_assert_uint_eq(count_char(buf, '\n'), 1);
	ck_assert_int_eq(buf[strlen(buf) - 1], '\n');
	ck_assert_str_eq(after_stamp(buf), "info jta-test req=- hello 5\n");

	capture_start(&c);
	jta_info("one");
	jta_warn("two");
	jta_errorlog("three");
	capture_end(&c, buf, sizeof(buf));
	ck_assert_uint_eq(count_char(buf, '\n'), 3);
}
END_TEST

START_TEST(level_names_shown)
{
	struct capture	 c;
	char		 buf[8192], *l2, *l3, *l4;

	capture_start(&c);
	jta_debug("d");
	jta_info("i");
	jta_warn("w");
	jta_errorlog("e");
	capture_end(&c, buf, sizeof(buf));
	ck_assert_uint_eq(count_char(buf, '\n'), 4);
	l2 = strchr(buf, '\n') + 1;
	l3 = strchr(l2, '\n') + 1;
	l4 = strchr(l3, '\n') + 1;
	ck_assert(strncmp(after_stamp(buf), "debug jta-test req=- d\n", 23) ==
	    0);
	ck_assert(strncmp(after_stamp(l2), "info jta-test req=- i\n", 22) == 0);
	ck_assert(strncmp(after_stamp(l3), "warn jta-test req=- w\n", 22) == 0);
	ck_assert_str_eq(after_stamp(l4), "error jta-test req=- e\n");
}
END_TEST

START_TEST(newline_in_data_cannot_split_line)
{
	struct capture	 c;
	char		 buf[8192];

	capture_start(&c);
	jta_info("user=%s", "bob\n2026-01-01T00:00:00Z error forged\r");
	capture_end(&c, buf, sizeof(buf));
	ck_assert_uint_eq(count_char(buf, '\n'), 1);
	ck_assert_uint_eq(count_char(buf, '\r'), 0);
	ck_assert_str_eq(after_stamp(buf), "info jta-test req=- user=bob\\x0a"
	    "2026-01-01T00:00:00Z error forged\\x0d\n");
}
END_TEST

START_TEST(control_chars_escaped_as_hex)
{
	struct capture	 c;
	char		 buf[8192];

	capture_start(&c);
	jta_info("a%sb%sc%sd%se", "\t", "\x1b", "\x7f", "\x01");
	capture_end(&c, buf, sizeof(buf));
	ck_assert_str_eq(after_stamp(buf),
	    "info jta-test req=- a\\x09b\\x1bc\\x7fd\\x01e\n");
}
END_TEST

START_TEST(non_ascii_escaped_as_hex)
{
	struct capture	 c;
	char		 buf[8192];

	capture_start(&c);
	jta_info("name=%s", "Jos\xc3\xa9 \xff");
	capture_end(&c, buf, sizeof(buf));
	ck_assert_str_eq(after_stamp(buf),
	    "info jta-test req=- name=Jos\\xc3\\xa9 \\xff\n");
}
END_TEST

START_TEST(backslash_doubled)
{
	struct capture	 c;
	char		 buf[8192];

	capture_start(&c);
	/* A literal "\x0a" in data must not look like an escaped newline. */
	jta_info("path=%s", "C:\\dir\\x0a");
	capture_end(&c, buf, sizeof(buf));
	ck_assert_str_eq(after_stamp(buf),
	    "info jta-test req=- path=C:\\\\dir\\\\x0a\n");
}
END_TEST

START_TEST(level_filter_drops_lower_levels)
{
	struct capture	 c;
	char		 buf[8192];

	jta_log_set_level(JTA_LOG_WARN);
	capture_start(&c);
	jta_debug("dropped-debug");
	jta_info("dropped-info");
	jta_warn("kept-warn");
	jta_errorlog("kept-error");
	capture_end(&c, buf, sizeof(buf));
	ck_assert_uint_eq(count_char(buf, '\n'), 2);
	ck_assert_ptr_null(strstr(buf, "dropped"));
	ck_assert_ptr_nonnull(strstr(buf, "kept-warn"));
	ck_assert_ptr_nonnull(strstr(buf, "kept-error"));

	jta_log_set_level(JTA_LOG_ERROR);
	capture_start(&c);
	jta_warn("dropped-warn");
	capture_end(&c, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");

	jta_log_set_level(JTA_LOG_INFO);
	capture_start(&c);
	jta_debug("dropped-debug");
	jta_info("kept-info");
	capture_end(&c, buf, sizeof(buf));
	ck_assert_uint_eq(count_char(buf, '\n'), 1);
	ck_assert_ptr_nonnull(strstr(buf, "kept-info"));
	jta_log_set_level(JTA_LOG_DEBUG);
}
END_TEST

START_TEST(request_id_shown)
{
	struct capture	 c;
	char		 buf[8192], *l2, *l3;

	capture_start(&c);
	jta_log_set_request("4f2a9c");
	jta_info("in request");
	jta_log_set_request(NULL);
	jta_info("outside");
	jta_log_set_request("");
	jta_info("empty id");
	capture_end(&c, buf, sizeof(buf));
	l2 = strchr(buf, '\n') + 1;
	l3 = strchr(l2, '\n') + 1;
	ck_assert(strncmp(after_stamp(buf), "info jta-test req=4f2a9c in "
	    "request\n", 34) == 0);
	ck_assert(strncmp(after_stamp(l2), "info jta-test req=- outside\n",
	    28) == 0);
	ck_assert_str_eq(after_stamp(l3), "info jta-test req=- empty id\n");
}
END_TEST

START_TEST(request_id_is_copied)
{
	struct capture	 c;
	char		 buf[8192], id[16];

	snprintf(id, sizeof(id), "%s", "abc123");
	jta_log_set_request(id);
	memset(id, 'X', sizeof(id) - 1);
	capture_start(&c);
	jta_info("x");
	capture_end(&c, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, " req=abc123 x\n"));
}
END_TEST

START_TEST(program_name_shown)
{
	struct capture	 c;
	char		 buf[8192];

	jta_log_init("jta-issues");
	capture_start(&c);
	jta_warn("x");
	capture_end(&c, buf, sizeof(buf));
	ck_assert_str_eq(after_stamp(buf), "warn jta-issues req=- x\n");
}
END_TEST

START_TEST(long_line_cut_with_marker)
{
	struct capture	 c;
	static char	 msg[5000], buf[16384];
	const char	*m;
	size_t		 len;

	memset(msg, 'a', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	capture_start(&c);
	jta_info("%s", msg);
	capture_end(&c, buf, sizeof(buf));
	ck_assert_uint_eq(count_char(buf, '\n'), 1);
	len = strlen(buf);
	ck_assert_uint_le(len, JTA_LIMIT_LOG_LINE + 100);
	ck_assert_str_eq(buf + len - 6, "aa...\n");
	m = strstr(buf, "req=- ");
	ck_assert_ptr_nonnull(m);
	m += 6;
	/* The message part is cut at about the limit, not far below. */
	ck_assert_uint_ge(strlen(m), JTA_LIMIT_LOG_LINE - 16);
	ck_assert_uint_le(strlen(m), JTA_LIMIT_LOG_LINE + 4);
}
END_TEST

START_TEST(long_escaped_line_cut_between_escapes)
{
	struct capture	 c;
	static char	 msg[3000], buf[16384];
	const char	*m;
	size_t		 len, i;

	memset(msg, '\x01', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	capture_start(&c);
	jta_info("%s", msg);
	capture_end(&c, buf, sizeof(buf));
	ck_assert_uint_eq(count_char(buf, '\n'), 1);
	len = strlen(buf);
	ck_assert(len > 5 && strcmp(buf + len - 4, "...\n") == 0);
	m = strstr(buf, "req=- ") + 6;
	/* Whole escapes only: \x01 repeated, then the marker. */
	len = strlen(m) - 4;
	ck_assert_uint_eq(len % 4, 0);
	for (i = 0; i < len; i += 4)
		ck_assert(strncmp(m + i, "\\x01", 4) == 0);
	ck_assert_uint_le(len, JTA_LIMIT_LOG_LINE);
}
END_TEST

START_TEST(line_under_limit_not_cut)
{
	struct capture	 c;
	static char	 msg[2001], buf[16384];

	memset(msg, 'b', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	capture_start(&c);
	jta_info("%s", msg);
	capture_end(&c, buf, sizeof(buf));
	ck_assert_ptr_null(strstr(buf, "..."));
	ck_assert_ptr_nonnull(strstr(buf, msg));
}
END_TEST

START_TEST(level_parse_accepts_the_four_names)
{
	ck_assert_int_eq(jta_log_level_parse("debug"), JTA_LOG_DEBUG);
	ck_assert_int_eq(jta_log_level_parse("info"), JTA_LOG_INFO);
	ck_assert_int_eq(jta_log_level_parse("warn"), JTA_LOG_WARN);
	ck_assert_int_eq(jta_log_level_parse("error"), JTA_LOG_ERROR);
}
END_TEST

START_TEST(level_parse_refuses_anything_else)
{
	ck_assert_int_eq(jta_log_level_parse(""), -1);
	ck_assert_int_eq(jta_log_level_parse("warning"), -1);
	ck_assert_int_eq(jta_log_level_parse("trace"), -1);
	ck_assert_int_eq(jta_log_level_parse("info "), -1);
	ck_assert_int_eq(jta_log_level_parse(" info"), -1);
	ck_assert_int_eq(jta_log_level_parse("inf"), -1);
	ck_assert_int_eq(jta_log_level_parse("1"), -1);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite	*s = suite_create("jta_log");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, one_line_per_call);
	tcase_add_test(tc, level_names_shown);
	tcase_add_test(tc, newline_in_data_cannot_split_line);
	tcase_add_test(tc, control_chars_escaped_as_hex);
	tcase_add_test(tc, non_ascii_escaped_as_hex);
	tcase_add_test(tc, backslash_doubled);
	tcase_add_test(tc, level_filter_drops_lower_levels);
	tcase_add_test(tc, request_id_shown);
	tcase_add_test(tc, request_id_is_copied);
	tcase_add_test(tc, program_name_shown);
	tcase_add_test(tc, long_line_cut_with_marker);
	tcase_add_test(tc, long_escaped_line_cut_between_escapes);
	tcase_add_test(tc, line_under_limit_not_cut);
	tcase_add_test(tc, level_parse_accepts_the_four_names);
	tcase_add_test(tc, level_parse_refuses_anything_else);
	suite_add_tcase(s, tc);
	return s;
}

static int
rmentry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Undo what jta_check_suite set up, after the run. */
static void
done(void)
{
	nftw(tmproot, rmentry, 16, FTW_DEPTH | FTW_PHYS);
}

Suite *
jta_check_suite(void)
{
	if (mkdtemp(tmproot) == NULL) {
		perror("mkdtemp");
		return NULL;
	}
	jta_check_at_end(done);
	return log_suite();
}
