/*
 * Unit tests for jta_metrics: the slot arithmetic (endpoints, statuses,
 * histogram buckets), the text exposition format, the configuration
 * keys, and exact totals from concurrent increments in forked processes,
 * with files of dead processes reused and never counted backwards.
 */
#include "config.h"

#include <dirent.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "jta_conf.h"
#include "jta_log.h"
#include "jta_metrics.h"
#include "check_main.h"

static char	 tmproot[] = "/tmp/jta-metrics-XXXXXX";
static unsigned	 dirs;

/* A configuration whose metrics_dir is a fresh directory. */
static void
fresh(struct jta_conf *c)
{
	char	 msg[256];
	char	 text[600];

	jta_conf_defaults(c);
	snprintf(text, sizeof(text), "metrics_dir = %s/m%ld.%u\n", tmproot,
	    (long)getpid(), dirs++);
	ck_assert_int_eq(jta_conf_parse(c, "t", text, strlen(text), msg,
	    sizeof(msg)), JTA_OK);
}

static char *
render(const struct jta_conf *c)
{
	char	 dir[600];
	char	*out = NULL;
	size_t	 len = 0;

	ck_assert_int_eq(jta_metrics_dir(c, dir, sizeof(dir)), JTA_OK);
	ck_assert_int_eq(jta_metrics_render(dir, -1, &out, &len), JTA_OK);
	ck_assert_uint_eq(strlen(out), len);
	return out;
}

/* The sample value of the line that starts with series + " ". */
static unsigned long long
value(const char *text, const char *series)
{
	const char	*p = text;
	size_t		 n = strlen(series);

	while ((p = strstr(p, series)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtoull(p + n + 1, NULL, 10);
		p += n;
	}
	ck_abort_msg("no series %s in:\n%s", series, text);
	return 0;
}

START_TEST(slots)
{
	size_t	 other = jta_metrics_endpoint_slot("other");

	ck_assert_uint_ne(jta_metrics_endpoint_slot("issue"), other);
	ck_assert_uint_ne(jta_metrics_endpoint_slot("issues.search"),
	    jta_metrics_endpoint_slot("issues.create"));
	ck_assert_uint_eq(jta_metrics_endpoint_slot("nope"), other);
	ck_assert_uint_eq(jta_metrics_endpoint_slot(NULL), other);
	ck_assert_uint_eq(jta_metrics_endpoint_slot("Issue"), other);
	/* Listed codes have a slot each; others share their class's. */
	ck_assert_uint_ne(jta_metrics_status_slot(200),
	    jta_metrics_status_slot(201));
	ck_assert_uint_eq(jta_metrics_status_slot(299),
	    jta_metrics_status_slot(250));
	ck_assert_uint_ne(jta_metrics_status_slot(299),
	    jta_metrics_status_slot(200));
	ck_assert_uint_ne(jta_metrics_status_slot(499),
	    jta_metrics_status_slot(599));
	ck_assert_uint_eq(jta_metrics_status_slot(0),
	    jta_metrics_status_slot(-5));
	ck_assert_uint_eq(jta_metrics_status_slot(0),
	    jta_metrics_status_slot(600));
	ck_assert_uint_ne(jta_metrics_status_slot(0),
	    jta_metrics_status_slot(599));
}
END_TEST

START_TEST(buckets)
{
	/* le is inclusive: a value equal to a bound is in its bucket. */
	ck_assert_uint_eq(jta_metrics_bucket(0), 0);
	ck_assert_uint_eq(jta_metrics_bucket(-1), 0);
	ck_assert_uint_eq(jta_metrics_bucket(0.005), 0);
	ck_assert_uint_eq(jta_metrics_bucket(0.0051), 1);
	ck_assert_uint_eq(jta_metrics_bucket(0.3), 6);
	ck_assert_uint_eq(jta_metrics_bucket(1), 7);
	ck_assert_uint_eq(jta_metrics_bucket(10), 10);
	ck_assert_uint_eq(jta_metrics_bucket(10.001),
	    JTA_METRICS_NBUCKETS);
	ck_assert_uint_eq(jta_metrics_bucket(NAN), JTA_METRICS_NBUCKETS);
}
END_TEST

START_TEST(conf_keys)
{
	struct jta_conf	 c;
	char		 msg[256];
	char		 dir[600];

	jta_conf_defaults(&c);
	ck_assert_int_eq(c.metrics, 1);
	ck_assert_int_eq(jta_metrics_dir(&c, dir, sizeof(dir)), JTA_OK);
	ck_assert_str_eq(dir, "/var/lib/jta/metrics");
	ck_assert_int_eq(jta_conf_parse(&c, "t", "metrics = off\n", 14, msg,
	    sizeof(msg)), JTA_OK);
	ck_assert_int_eq(c.metrics, 0);
	jta_conf_defaults(&c);
	ck_assert_int_eq(jta_conf_parse(&c, "t", "metrics = yes\n", 14, msg,
	    sizeof(msg)), JTA_ERR_CONFIG);
	ck_assert_str_eq(msg, "t:1: key 'metrics' must be 'on' or 'off'");
	jta_conf_defaults(&c);
	ck_assert_int_eq(jta_conf_parse(&c, "t", "metrics_dir = m\n", 16,
	    msg, sizeof(msg)), JTA_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(msg, "'metrics_dir'"));
	/* An unusable directory stops the program, naming the key. */
	jta_conf_defaults(&c);
	snprintf(c.metrics_dir, sizeof(c.metrics_dir), "%s",
	    "/nonexistent/jta/metrics");
	ck_assert_int_eq(jta_metrics_open(&c, "jta-test", msg, sizeof(msg)),
	    JTA_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(msg, "key 'metrics_dir'"));
	/* Off: nothing is opened, counting is a no-op. */
	c.metrics = 0;
	ck_assert_int_eq(jta_metrics_open(&c, "jta-test", msg, sizeof(msg)),
	    JTA_OK);
	jta_metrics_request("issue", 200, 0.1);
}
END_TEST

START_TEST(text_format)
{
	struct jta_conf	 c;
	char		 msg[256];
	char		*t;

	fresh(&c);
	ck_assert_int_eq(jta_metrics_open(&c, "jta-test", msg, sizeof(msg)),
	    JTA_OK);
	jta_metrics_request("issue", 200, 0.003);
	jta_metrics_request("issue", 200, 0.005);
	jta_metrics_request("issue", 404, 0.3);
	jta_metrics_request("no such thing", 299, 20);
	jta_metrics_upstream(0.02, 200);
	jta_metrics_upstream(7, 0);
	jta_metrics_upstream(0.5, 429);
	jta_metrics_refresh(JTA_METRICS_REFRESH_OK);
	jta_metrics_refresh(JTA_METRICS_REFRESH_INVALID_GRANT);
	jta_metrics_quota_rejected("site");
	jta_metrics_quota_rejected("bogus");
	t = render(&c);
	ck_assert_ptr_nonnull(strstr(t, "# TYPE jta_requests_total counter\n"));
	ck_assert_uint_eq(value(t, "jta_requests_total{endpoint=\"issue\","
	    "status=\"200\"}"), 2);
	ck_assert_uint_eq(value(t, "jta_requests_total{endpoint=\"issue\","
	    "status=\"404\"}"), 1);
	ck_assert_uint_eq(value(t, "jta_requests_total{endpoint=\"other\","
	    "status=\"2xx\"}"), 1);
	/* Cumulative buckets. */
	ck_assert_uint_eq(value(t, "jta_request_duration_seconds_bucket{"
	    "endpoint=\"issue\",le=\"0.005\"}"), 2);
	ck_assert_uint_eq(value(t, "jta_request_duration_seconds_bucket{"
	    "endpoint=\"issue\",le=\"0.25\"}"), 2);
	ck_assert_uint_eq(value(t, "jta_request_duration_seconds_bucket{"
	    "endpoint=\"issue\",le=\"0.5\"}"), 3);
	ck_assert_uint_eq(value(t, "jta_request_duration_seconds_bucket{"
	    "endpoint=\"issue\",le=\"+Inf\"}"), 3);
	ck_assert_uint_eq(value(t, "jta_request_duration_seconds_count{"
	    "endpoint=\"issue\"}"), 3);
	ck_assert_uint_eq(value(t, "jta_request_duration_seconds_bucket{"
	    "endpoint=\"other\",le=\"10\"}"), 0);
	ck_assert_uint_eq(value(t, "jta_request_duration_seconds_bucket{"
	    "endpoint=\"other\",le=\"+Inf\"}"), 1);
	ck_assert_ptr_nonnull(strstr(t, "\njta_request_duration_seconds_sum{"
	    "endpoint=\"other\"} 20.000000000\n"));
	ck_assert_ptr_nonnull(strstr(t, "# TYPE "
	    "jta_upstream_request_duration_seconds histogram\n"));
	ck_assert_uint_eq(value(t, "jta_upstream_request_duration_seconds_"
	    "bucket{le=\"0.01\"}"), 0);
	ck_assert_uint_eq(value(t, "jta_upstream_request_duration_seconds_"
	    "bucket{le=\"0.025\"}"), 1);
	ck_assert_uint_eq(value(t, "jta_upstream_request_duration_seconds_"
	    "bucket{le=\"5\"}"), 2);
	ck_assert_uint_eq(value(t, "jta_upstream_request_duration_seconds_"
	    "bucket{le=\"+Inf\"}"), 3);
	ck_assert_uint_eq(value(t, "jta_upstream_request_duration_seconds_"
	    "count"), 3);
	ck_assert_ptr_nonnull(strstr(t, "\njta_upstream_request_duration_"
	    "seconds_sum 7.52"));
	ck_assert_uint_eq(value(t, "jta_upstream_requests_total{outcome="
	    "\"error\"}"), 1);
	ck_assert_uint_eq(value(t, "jta_upstream_requests_total{outcome="
	    "\"429\"}"), 1);
	ck_assert_uint_eq(value(t, "jta_upstream_requests_total{outcome="
	    "\"4xx\"}"), 0);
	ck_assert_uint_eq(value(t, "jta_token_refreshes_total{outcome="
	    "\"ok\"}"), 1);
	ck_assert_uint_eq(value(t, "jta_token_refreshes_total{outcome="
	    "\"invalid_grant\"}"), 1);
	ck_assert_uint_eq(value(t, "jta_token_refreshes_total{outcome="
	    "\"error\"}"), 0);
	ck_assert_uint_eq(value(t, "jta_quota_rejections_total{scope="
	    "\"site\"}"), 1);
	ck_assert_uint_eq(value(t, "jta_quota_rejections_total{scope="
	    "\"other\"}"), 1);
	ck_assert_uint_eq(value(t, "jta_quota_rejections_total{scope="
	    "\"person\"}"), 0);
	/* This process holds its file: one live process. */
	ck_assert_uint_eq(value(t, "jta_processes{program=\"jta-test\"}"), 1);
	ck_assert_ptr_nonnull(strstr(t, "jta_build_info{version=\""
	    PACKAGE_VERSION "\"} 1\n"));
	ck_assert_int_eq(t[strlen(t) - 1], '\n');
	free(t);
	jta_metrics_close();
}
END_TEST

#define CHILDREN	4
#define ADDS		20000

/* k (<= CHILDREN) processes at once, each ADDS requests; wait for
 * them all. */
static void
round_of(const struct jta_conf *c, int k)
{
	pid_t	 pids[CHILDREN];
	char	 msg[256];
	int	 i, st, n;

	for (i = 0; i < k; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			if (jta_metrics_open(c, "jta-test", msg, sizeof(msg)) !=
			    JTA_OK)
				_exit(1);
			for (n = 0; n < ADDS; n++) {
				jta_metrics_request("issues.search", 200, 0.01);
				jta_metrics_upstream(0.01, 200);
			}
			_exit(0);
		}
	}
	for (i = 0; i < k; i++) {
		ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
}

static int
files_in(const struct jta_conf *c)
{
	char		 dir[600];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	ck_assert_int_eq(jta_metrics_dir(c, dir, sizeof(dir)), JTA_OK);
	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

START_TEST(forked_exact_totals)
{
	struct jta_conf	 c;
	char		*t;
	int		 files, i;

	fresh(&c);
	round_of(&c, CHILDREN);
	t = render(&c);
	ck_assert_uint_eq(value(t, "jta_requests_total{endpoint=\"issues."
	    "search\",status=\"200\"}"), CHILDREN * ADDS);
	ck_assert_uint_eq(value(t, "jta_upstream_request_duration_seconds_"
	    "count"), CHILDREN * ADDS);
	/* The workers are gone; their counts stay. */
	ck_assert_uint_eq(value(t, "jta_processes{program=\"jta-test\"}"), 0);
	free(t);
	ck_assert_int_le(files_in(&c), CHILDREN);
	/* New workers take over the dead ones' files and add on; the
	 * files number at most the most workers alive at once. */
	round_of(&c, CHILDREN);
	t = render(&c);
	ck_assert_uint_eq(value(t, "jta_requests_total{endpoint=\"issues."
	    "search\",status=\"200\"}"), 2 * CHILDREN * ADDS);
	free(t);
	files = files_in(&c);
	ck_assert_int_le(files, CHILDREN);
	/* One worker at a time: each reuses a file, none is added. */
	for (i = 0; i < 3; i++)
		round_of(&c, 1);
	t = render(&c);
	ck_assert_uint_eq(value(t, "jta_requests_total{endpoint=\"issues."
	    "search\",status=\"200\"}"), (2 * CHILDREN + 3) * ADDS);
	free(t);
	ck_assert_int_eq(files_in(&c), files);
}
END_TEST

/* In a child: drop the parent's file (its lock stays the parent's) and
 * take a file of its own, count one model outcome, exit. */
static void
model_child(const struct jta_conf *c, const char *cause)
{
	char	 msg[256];
	pid_t	 pid;
	int	 st;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		jta_metrics_close();
		if (jta_metrics_open(c, "jta-agent", msg, sizeof(msg)) !=
		    JTA_OK)
			_exit(1);
		jta_metrics_model(cause);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

START_TEST(model_outcomes)
{
	struct jta_metrics_model_state st;
	struct jta_conf	 c;
	char		 dir[600], msg[256];
	char		*t;
	int64_t		 t0 = (int64_t)time(NULL), since;

	fresh(&c);
	ck_assert_int_eq(jta_metrics_dir(&c, dir, sizeof(dir)), JTA_OK);
	ck_assert_int_eq(jta_metrics_open(&c, "jta-agent", msg, sizeof(msg)),
	    JTA_OK);
	jta_metrics_model_state(dir, &st);
	ck_assert_int_eq(st.known, 0);
	/* This worker: a good answer. */
	jta_metrics_model(NULL);
	jta_metrics_model_state(dir, &st);
	ck_assert(st.known && !st.failing && st.cause[0] == '\0');
	ck_assert_int_ge(st.since, t0);
	/* Another worker (another file): the key refused. */
	model_child(&c, "model_key");
	jta_metrics_model_state(dir, &st);
	ck_assert(st.known && st.failing);
	ck_assert_str_eq(st.cause, "model_key");
	since = st.since;
	ck_assert_int_ge(since, t0);
	/* Too many rounds: counted, the state stays. */
	jta_metrics_model("model_rounds");
	jta_metrics_model_state(dir, &st);
	ck_assert_str_eq(st.cause, "model_key");
	/* This worker: the model down; failing since the first failure. */
	jta_metrics_model("model_unreachable");
	jta_metrics_model_state(dir, &st);
	ck_assert(st.failing);
	ck_assert_str_eq(st.cause, "model_unreachable");
	ck_assert_int_eq(st.since, since);
	/* A new worker in the dead one's file: ok again. */
	model_child(&c, NULL);
	jta_metrics_model_state(dir, &st);
	ck_assert(st.known && !st.failing && st.cause[0] == '\0');
	ck_assert_int_ge(st.since, since);
	jta_metrics_model("a cause nobody listed");
	t = render(&c);
	ck_assert_uint_eq(value(t, "jta_chat_model_answers_total{result="
	    "\"ok\"}"), 2);
	ck_assert_uint_eq(value(t, "jta_chat_model_answers_total{result="
	    "\"model_key\"}"), 1);
	ck_assert_uint_eq(value(t, "jta_chat_model_answers_total{result="
	    "\"model_unreachable\"}"), 1);
	ck_assert_uint_eq(value(t, "jta_chat_model_answers_total{result="
	    "\"model_rounds\"}"), 1);
	ck_assert_uint_eq(value(t, "jta_chat_model_answers_total{result="
	    "\"other\"}"), 1);
	ck_assert_uint_eq(value(t, "jta_chat_model_answers_total{result="
	    "\"model_busy\"}"), 0);
	free(t);
	/* "other" is a failure too. */
	jta_metrics_model_state(dir, &st);
	ck_assert_str_eq(st.cause, "other");
	jta_metrics_close();
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite	*s = suite_create("jta_metrics");
	TCase	*tc;

	tc = tcase_create("slots");
	tcase_add_test(tc, slots);
	tcase_add_test(tc, model_outcomes);
	tcase_add_test(tc, buckets);
	tcase_add_test(tc, conf_keys);
	suite_add_tcase(s, tc);
	tc = tcase_create("files");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, text_format);
	tcase_add_test(tc, forked_exact_totals);
	suite_add_tcase(s, tc);
	return s;
}

static int
rmtree(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
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
	nftw(tmproot, rmtree, 16, FTW_DEPTH | FTW_PHYS);
}

Suite *
jta_check_suite(void)
{
	if (mkdtemp(tmproot) == NULL) {
		perror("mkdtemp");
		return NULL;
	}
	jta_log_set_level(JTA_LOG_ERROR);
	jta_check_at_end(done);
	return metrics_suite();
}
