/*
 * Unit tests for jta_clamd (clamd's zINSTREAM and zVERSION) and
 * jta_attach_scan, against a scripted stand-in: a child process on a Unix
 * socket in a temporary directory that takes one connection, checks what
 * it receives as clamd(8) reads it (the command with its NUL, chunks each
 * after a 4-byte network-order length, the zero chunk) and answers as
 * told.  A real clamd is test_attach_scan.py's; here are the answers a
 * real one does not give on demand: long lines, garbage, silence, a
 * connection closed early.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "jta_attach.h"
#include "jta_clamd.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "check_main.h"

static char	 dir[] = "/tmp/jta-clamd-XXXXXX";
static char	 sock[64];

/* What the stand-in does with its one connection. */
enum how { READ_ALL, CLOSE_EARLY, SILENT };

/* Read exactly n bytes; 0 on success. */
static int
readn(int fd, void *buf, size_t n)
{
	unsigned char	*p = buf;
	ssize_t		 r;

	while (n > 0) {
		if ((r = read(fd, p, n)) <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * The stand-in's child: accept one connection, read cmd (with its NUL);
 * for zINSTREAM, every chunk (each at most JTA_LIMIT_CLAMD_CHUNK) up to
 * the zero one, their bytes compared with want (wantlen); then write
 * reply (replylen bytes).  Exit status 0 when all was as clamd wants.
 */
static void
serve(int ls, enum how how, const char *cmd, const unsigned char *want,
    size_t wantlen, const char *reply, size_t replylen)
{
	unsigned char	 hdr[4], *buf;
	char		 got[32];
	uint32_t	 n;
	size_t		 off = 0, cl = strlen(cmd) + 1;
	int		 c;

	if ((c = accept(ls, NULL, NULL)) < 0)
		_exit(2);
	if (how == CLOSE_EARLY) {
		if (readn(c, got, cl) != 0 || write(c, reply, replylen) < 0)
			_exit(9);
		close(c);
		_exit(0);
	}
	if (cl > sizeof(got) || readn(c, got, cl) != 0 ||
	    memcmp(got, cmd, cl) != 0)
		_exit(3);
	if (strcmp(cmd, "zINSTREAM") == 0) {
		if ((buf = malloc(JTA_LIMIT_CLAMD_CHUNK)) == NULL)
			_exit(4);
		for (;;) {
			if (readn(c, hdr, 4) != 0)
				_exit(5);
			memcpy(&n, hdr, 4);
			n = ntohl(n);
			if (n == 0)
				break;
			if (n > JTA_LIMIT_CLAMD_CHUNK || off + n > wantlen ||
			    readn(c, buf, n) != 0 ||
			    memcmp(buf, want + off, n) != 0)
				_exit(6);
			off += n;
		}
		free(buf);
		if (off != wantlen)
			_exit(7);
	}
	if (how == SILENT) {
		pause();
		_exit(0);
	}
	if (write(c, reply, replylen) != (ssize_t)replylen)
		_exit(8);
	close(c);
	_exit(0);
}

/* Start the stand-in; its pid. */
static pid_t
standin(enum how how, const char *cmd, const unsigned char *want,
    size_t wantlen, const char *reply, size_t replylen)
{
	struct sockaddr_un sun;
	pid_t		 pid;
	int		 ls;

	unlink(sock);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	ls = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(ls, 0);
	ck_assert_int_eq(bind(ls, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(ls, 4), 0);
	if ((pid = fork()) == 0)
		serve(ls, how, cmd, want, wantlen, reply, replylen);
	ck_assert_int_gt(pid, 0);
	close(ls);
	return pid;
}

/* The stand-in's verdict on what it received (0: as clamd wants); a
 * silent one is stopped first. */
static int
verdict(pid_t pid, enum how how)
{
	int	 st = 0;

	if (how == SILENT)
		kill(pid, SIGKILL);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	if (how == SILENT)
		return 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* One scan of body against a stand-in answering reply (with its NUL). */
static enum jta_err
scan(enum how how, const unsigned char *body, size_t len, const char *reply,
    size_t replylen, int timeout_ms, int *found, char *sig, size_t sigsz,
    struct jta_error *err, int *bad)
{
	enum jta_err	 rc;
	pid_t		 pid;

	pid = standin(how, "zINSTREAM", body, len, reply, replylen);
	memset(err, 0, sizeof(*err));
	rc = jta_clamd_scan(sock, timeout_ms, body, len, found, sig, sigsz,
	    err);
	*bad = verdict(pid, how);
	return rc;
}

START_TEST(clean_file_in_bounded_chunks)
{
	static const char ok[] = "stream: OK";
	unsigned char	*body;
	struct jta_error err;
	char		 sig[64];
	size_t		 i, len = 2 * JTA_LIMIT_CLAMD_CHUNK + 123;
	int		 found = -1, bad = -1;

	body = malloc(len);
	ck_assert_ptr_nonnull(body);
	for (i = 0; i < len; i++)
		body[i] = (unsigned char)(i * 7);
	ck_assert_int_eq(scan(READ_ALL, body, len, ok, sizeof(ok), 5000,
	    &found, sig, sizeof(sig), &err, &bad), JTA_OK);
	ck_assert_int_eq(bad, 0);	/* 3 chunks + the zero one, intact */
	ck_assert_int_eq(found, 0);
	ck_assert_str_eq(sig, "");
	/* An empty file is the zero chunk alone. */
	ck_assert_int_eq(scan(READ_ALL, body, 0, ok, sizeof(ok), 5000,
	    &found, sig, sizeof(sig), &err, &bad), JTA_OK);
	ck_assert_int_eq(bad, 0);
	free(body);
}
END_TEST

START_TEST(found_names_the_signature)
{
	static const char r[] = "stream: Win.Test.EICAR_HDB-1 FOUND";
	static const unsigned char b[] = "some bytes";
	struct jta_error err;
	char		 sig[64];
	int		 found = -1, bad = -1;

	ck_assert_int_eq(scan(READ_ALL, b, sizeof(b) - 1, r, sizeof(r),
	    5000, &found, sig, sizeof(sig), &err, &bad), JTA_OK);
	ck_assert_int_eq(bad, 0);
	ck_assert_int_eq(found, 1);
	ck_assert_str_eq(sig, "Win.Test.EICAR_HDB-1");
}
END_TEST

START_TEST(long_signature_is_cut)
{
	static const unsigned char b[] = "x";
	char		 r[400], sig[JTA_LIMIT_CLAMD_SIGNATURE + 50];
	struct jta_error err;
	int		 found = -1, bad = -1, n;

	n = snprintf(r, sizeof(r), "stream: %0300d FOUND", 0);
	ck_assert_int_eq(scan(READ_ALL, b, 1, r, (size_t)n + 1, 5000, &found,
	    sig, sizeof(sig), &err, &bad), JTA_OK);
	ck_assert_int_eq(found, 1);
	ck_assert_uint_eq(strlen(sig), JTA_LIMIT_CLAMD_SIGNATURE);
}
END_TEST

/* Every answer that is neither OK nor FOUND fails closed: 503, field
 * "scan", a Retry-After. */
static void
fails_closed(enum how how, const char *reply, size_t replylen,
    int timeout_ms, const char *why)
{
	static const unsigned char b[] = "bytes";
	struct jta_error err;
	char		 sig[64];
	int		 found = -1, bad = -1;

	ck_assert_int_eq(scan(how, b, sizeof(b) - 1, reply, replylen,
	    timeout_ms, &found, sig, sizeof(sig), &err, &bad), JTA_ERR_BUSY);
	ck_assert_int_eq(err.status, 503);
	ck_assert_str_eq(err.field, "scan");
	ck_assert_int_gt(err.retry_after, 0);
	ck_assert_int_eq(found, 0);
	ck_assert_msg(strstr(err.detail, why) != NULL, "%s", err.detail);
	ck_assert_msg(strstr(err.detail, "bytes") == NULL, "%s", err.detail);
}

START_TEST(errors_fail_closed)
{
	static const char e1[] = "INSTREAM size limit exceeded. ERROR";
	static const char e2[] = "stream: Can't allocate memory ERROR";
	static const char e3[] = "stream: \x01garbage OK";
	static const char e4[] = "stream: FOUND";
	char		 lng[JTA_LIMIT_CLAMD_REPLY + 100];

	fails_closed(READ_ALL, e1, sizeof(e1), 5000, "answered an error");
	fails_closed(READ_ALL, e2, sizeof(e2), 5000, "answered an error");
	fails_closed(READ_ALL, e3, sizeof(e3), 5000, "unreadable");
	fails_closed(READ_ALL, e4, sizeof(e4), 5000, "answered an error");
	fails_closed(READ_ALL, "", 0, 5000, "answered nothing");
	memset(lng, 'a', sizeof(lng));	/* no NUL: never ends */
	fails_closed(READ_ALL, lng, sizeof(lng), 5000, "too long");
	fails_closed(CLOSE_EARLY, e1, sizeof(e1), 5000, "answered an error");
	fails_closed(SILENT, "", 0, 200, "timed out");
}
END_TEST

/* clamd stops reading a stream over its StreamMaxLength, answers and
 * closes: the send fails, the answer is still read, and it is an error. */
START_TEST(closed_mid_stream_is_an_error)
{
	static const char e1[] = "INSTREAM size limit exceeded. ERROR";
	struct jta_error err;
	unsigned char	*body;
	char		 sig[8];
	size_t		 len = 8 * 1024 * 1024;
	int		 found = -1, bad = -1;

	body = calloc(1, len);
	ck_assert_ptr_nonnull(body);
	ck_assert_int_eq(scan(CLOSE_EARLY, body, len, e1, sizeof(e1), 5000,
	    &found, sig, sizeof(sig), &err, &bad), JTA_ERR_BUSY);
	ck_assert_int_eq(bad, 0);
	ck_assert_int_eq(err.status, 503);
	ck_assert_msg(strstr(err.detail, "answered an error") != NULL, "%s",
	    err.detail);
	free(body);
}
END_TEST

START_TEST(no_daemon_fails_closed)
{
	static const unsigned char b[] = "bytes";
	struct jta_error err;
	char		 sig[8], v[64];
	int		 found = -1;

	unlink(sock);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_clamd_scan(sock, 1000, b, 5, &found, sig,
	    sizeof(sig), &err), JTA_ERR_BUSY);
	ck_assert_int_eq(err.status, 503);
	ck_assert_ptr_nonnull(strstr(err.detail, "not reachable"));
	ck_assert_int_eq(jta_clamd_version(sock, 1000, v, sizeof(v), &err),
	    JTA_ERR_BUSY);
}
END_TEST

START_TEST(version_is_read)
{
	static const char r[] = "ClamAV 1.4.6/27480/Sun Dec  6 09:00:00 2026\n";
	struct jta_error err;
	char		 v[128];
	pid_t		 pid;

	pid = standin(READ_ALL, "zVERSION", NULL, 0, r, sizeof(r));
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_clamd_version(sock, 5000, v, sizeof(v), &err),
	    JTA_OK);
	ck_assert_int_eq(verdict(pid, READ_ALL), 0);
	ck_assert_str_eq(v, "ClamAV 1.4.6/27480/Sun Dec  6 09:00:00 2026");
}
END_TEST

START_TEST(attach_scan_refuses_a_finding)
{
	static const char r[] = "stream: Eicar-Signature FOUND";
	static const char ok[] = "stream: OK";
	static unsigned char x[] = "x";
	struct jta_attach_rules rules;
	struct jta_attach_file f;
	struct jta_error err;
	char		 sig[64];
	pid_t		 pid;

	memset(&rules, 0, sizeof(rules));
	memset(&f, 0, sizeof(f));
	snprintf(f.name, sizeof(f.name), "eicar.txt");
	f.body = x;
	f.len = 1;
	/* No scanner set: nothing is asked (there is no daemon). */
	unlink(sock);
	ck_assert_int_eq(jta_attach_scan(&rules, &f, sig, sizeof(sig), &err),
	    JTA_OK);
	rules.clamd_socket = sock;
	rules.clamd_timeout_ms = 5000;
	pid = standin(READ_ALL, "zINSTREAM", f.body, 1, r, sizeof(r));
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_attach_scan(&rules, &f, sig, sizeof(sig), &err),
	    JTA_ERR_INPUT);
	ck_assert_int_eq(verdict(pid, READ_ALL), 0);
	ck_assert_int_eq(err.status, 422);
	ck_assert_str_eq(err.field, "virus");
	ck_assert_ptr_nonnull(strstr(err.detail, "Eicar-Signature"));
	ck_assert_str_eq(sig, "Eicar-Signature");
	pid = standin(READ_ALL, "zINSTREAM", f.body, 1, ok, sizeof(ok));
	ck_assert_int_eq(jta_attach_scan(&rules, &f, sig, sizeof(sig), &err),
	    JTA_OK);
	ck_assert_int_eq(verdict(pid, READ_ALL), 0);
	ck_assert_str_eq(sig, "");
}
END_TEST

static void
cleanup(void)
{
	unlink(sock);
	rmdir(dir);
}

Suite *
jta_check_suite(void)
{
	Suite	*s = suite_create("jta_clamd");
	TCase	*tc = tcase_create("core");

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return NULL;
	}
	snprintf(sock, sizeof(sock), "%s/clamd.sock", dir);
	jta_check_at_end(cleanup);
	jta_log_set_level(JTA_LOG_ERROR);
	signal(SIGPIPE, SIG_IGN);
	tcase_add_test(tc, clean_file_in_bounded_chunks);
	tcase_add_test(tc, found_names_the_signature);
	tcase_add_test(tc, long_signature_is_cut);
	tcase_add_test(tc, errors_fail_closed);
	tcase_add_test(tc, closed_mid_stream_is_an_error);
	tcase_add_test(tc, no_daemon_fails_closed);
	tcase_add_test(tc, version_is_read);
	tcase_add_test(tc, attach_scan_refuses_a_finding);
	suite_add_tcase(s, tc);
	return s;
}
