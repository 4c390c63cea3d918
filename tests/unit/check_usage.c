/*
 * Unit tests for jta_usage and the store's usage and quota blocks: the
 * UTC periods and when they end, quotas from an operator's words, the
 * levels, counting (calls, creates, updates, conversations with the
 * 30-minute gap), which quotas cover a person (an own quota wins over
 * the default), the admin page's summary, and the check before a
 * handler (notice from 70 %, 429 with Retry-After at 100 %).  Prints
 * what one count costs on the counting connection.
 */
#include "config.h"

#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "jta_log.h"
#include "jta_store_people.h"
#include "jta_store_usage.h"
#include "jta_time.h"
#include "jta_usage.h"
#include "check_main.h"

static char	 tmproot[] = "/tmp/jta-usage-XXXXXX";

/* 2026-11-29T12:34:56Z */
#define T0	1795955696

START_TEST(periods_in_utc)
{
	struct jta_store_period p;

	jta_store_usage_period(T0, &p);
	ck_assert_str_eq(p.day, "2026-11-29");
	ck_assert_str_eq(p.month, "2026-11-01");
	ck_assert_int_eq(p.day_end, 1795996800);	/* 2026-11-30 */
	ck_assert_int_eq(p.month_end, 1796083200);	/* 2026-12-01 */
	jta_store_usage_period(1798761599, &p);	/* 2026-12-31T23:59:59 */
	ck_assert_str_eq(p.day, "2026-12-31");
	ck_assert_str_eq(p.month, "2026-12-01");
	ck_assert_int_eq(p.day_end, 1798761600);
	ck_assert_int_eq(p.month_end, 1798761600);	/* 2027-01-01 */
	jta_store_usage_period(1835395200, &p);		/* 2028-02-29 */
	ck_assert_str_eq(p.day, "2028-02-29");
	ck_assert_int_eq(p.month_end, 1835481600);	/* 2028-03-01 */
	jta_store_usage_period(1767225600, &p);		/* 2026-01-01 */
	ck_assert_int_eq(p.day_end, 1767312000);
	ck_assert_int_eq(p.month_end, 1769904000);
	/* The day worked out last is kept: its edges, and back again. */
	jta_store_usage_period(1767312000 - 1, &p);	/* 23:59:59 */
	ck_assert_str_eq(p.day, "2026-01-01");
	jta_store_usage_period(1767312000, &p);		/* 2026-01-02 */
	ck_assert_str_eq(p.day, "2026-01-02");
	ck_assert_int_eq(p.day_end, 1767398400);
	ck_assert_int_eq(p.month_end, 1769904000);
	jta_store_usage_period(1767312000 - 1, &p);
	ck_assert_str_eq(p.day, "2026-01-01");
	ck_assert_int_eq(p.day_end, 1767312000);
	jta_store_usage_period(1798761599, &p);
	jta_store_usage_period(1798761600, &p);		/* 2027-01-01 */
	ck_assert_str_eq(p.day, "2027-01-01");
	ck_assert_str_eq(p.month, "2027-01-01");
	ck_assert_int_eq(p.month_end, 1798761600 + 31 * 86400);
}
END_TEST

START_TEST(levels)
{
	ck_assert_str_eq(jta_store_usage_level(0), "ok");
	ck_assert_str_eq(jta_store_usage_level(69), "ok");
	ck_assert_str_eq(jta_store_usage_level(70), "warn");
	ck_assert_str_eq(jta_store_usage_level(89), "warn");
	ck_assert_str_eq(jta_store_usage_level(90), "high");
	ck_assert_str_eq(jta_store_usage_level(99), "high");
	ck_assert_str_eq(jta_store_usage_level(100), "over");
	ck_assert_str_eq(jta_store_usage_level(250), "over");
}
END_TEST

START_TEST(quota_words)
{
	struct jta_store_quota q;
	struct jta_error e;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_usage_quota_make("site",
	    "https://Acme.atlassian.net/", "calls", NULL, &q, &e), JTA_OK);
	ck_assert_str_eq(q.subject, "acme.atlassian.net");
	ck_assert_str_eq(q.per, "month");
	/* A site URL is split by libcurl (jta_url_site_name): userinfo,
	 * a query or another scheme is no site; a port stays. */
	ck_assert_int_eq(jta_usage_quota_make("site",
	    "http://127.0.0.1:9998/", "calls", NULL, &q, &e), JTA_OK);
	ck_assert_str_eq(q.subject, "127.0.0.1:9998");
	ck_assert_int_eq(jta_usage_quota_make("site", "Acme.atlassian.net/",
	    "calls", NULL, &q, &e), JTA_OK);
	ck_assert_str_eq(q.subject, "acme.atlassian.net");
	ck_assert_int_eq(jta_usage_quota_make("site",
	    "https://evil@acme.atlassian.net", "calls", NULL, &q, &e),
	    JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "site");
	ck_assert_int_eq(jta_usage_quota_make("site",
	    "https://acme.atlassian.net/?x", "calls", NULL, &q, &e),
	    JTA_ERR_INPUT);
	ck_assert_int_eq(jta_usage_quota_make("site",
	    "ftp://acme.atlassian.net", "calls", NULL, &q, &e), JTA_ERR_INPUT);
	/* A bare name is the https URL it stands for: what `jta-admin
	 * usage` lists (a site with a path keeps it) names that site. */
	ck_assert_int_eq(jta_usage_quota_make("site",
	    "127.0.0.1:9998/site/Acme/", "calls", NULL, &q, &e), JTA_OK);
	ck_assert_str_eq(q.subject, "127.0.0.1:9998/site/Acme");
	ck_assert_int_eq(jta_usage_quota_make("site",
	    "evil@acme.atlassian.net", "calls", NULL, &q, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "site");
	ck_assert_int_eq(jta_usage_quota_make("site",
	    "acme.atlassian.net#x", "calls", NULL, &q, &e), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_usage_quota_make("site",
	    "acme.atlassian.net:0", "calls", NULL, &q, &e), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_usage_quota_make("person", "alice", "creates",
	    NULL, &q, &e), JTA_OK);
	ck_assert_str_eq(q.per, "day");
	ck_assert_int_eq(jta_usage_quota_make("person", "*", "updates",
	    "month", &q, &e), JTA_OK);
	ck_assert_str_eq(q.subject, "*");
	ck_assert_int_eq(jta_usage_quota_make("person", "alice", "tokens",
	    NULL, &q, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "metric");
	ck_assert_int_eq(jta_usage_quota_make("person", "alice", "calls",
	    "week", &q, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "per");
	ck_assert_int_eq(jta_usage_quota_make("group", "x", "calls", NULL,
	    &q, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "scope");
	ck_assert_int_eq(jta_usage_quota_make("person", "a b", "calls", NULL,
	    &q, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "person");
	ck_assert_int_eq(jta_usage_quota_make("site", "<x>", "calls", NULL,
	    &q, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "site");
	ck_assert_int_eq(jta_usage_quota_make("person", "", "calls", NULL,
	    &q, &e), JTA_ERR_INPUT);
}
END_TEST

/* ---- on a real store ---- */

struct fixture {
	struct jta_conf	 conf;
	struct jta_store *st;
	int64_t		 alice, bob;
};

static void
setup(struct fixture *f)
{
	char		 msg[512];
	struct jta_error e;
	static int	 n;

	memset(f, 0, sizeof(*f));
	jta_conf_defaults(&f->conf);
	/* Each test runs in its own fork: the pid keeps files apart. */
	snprintf(f->conf.database, sizeof(f->conf.database), "%s/u%ld-%d.db",
	    tmproot, (long)getpid(), n++);
	ck_assert_int_eq(jta_store_open(f->conf.database, 5000,
	    JTA_STORE_CREATE | JTA_STORE_MIGRATE, &f->st, msg, sizeof(msg)),
	    JTA_OK);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_user_add(f->st, "alice", "Alice", "",
	    &f->alice, &e), JTA_OK);
	ck_assert_int_eq(jta_store_user_add(f->st, "bob", "Bob", "", &f->bob,
	    &e), JTA_OK);
}

static void
quota(struct fixture *f, const char *scope, const char *subject,
    const char *metric, const char *per, int64_t limit)
{
	struct jta_store_quota q;
	struct jta_error e;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_usage_quota_make(scope, subject, metric, per, &q,
	    &e), JTA_OK);
	q.limit = limit;
	ck_assert_int_eq(jta_store_quota_set(f->st, &q, T0, "test", &e),
	    JTA_OK);
}

static void
count(struct fixture *f, int64_t uid, const char *site, int64_t t, int cr,
    int up)
{
	struct jta_error e;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_usage_count(f->st, uid, site, t, cr, up,
	    &e), JTA_OK);
}

static const json_t *
row(const json_t *rows, const char *key, const char *value)
{
	const json_t	*r;
	size_t		 i;

	json_array_foreach(rows, i, r)
		if (strcmp(json_string_value(json_object_get(r, key)), value) ==
		    0)
			return r;
	return NULL;
}

static json_int_t
num(const json_t *o, const char *k)
{
	ck_assert_ptr_nonnull(json_object_get(o, k));
	return json_integer_value(json_object_get(o, k));
}

static int
noop_write(void *arg, const char *buf, size_t len)
{
	(void)arg;
	(void)buf;
	(void)len;
	return 0;
}

START_TEST(check_notice_then_429)
{
	struct fixture	 f;
	struct jta_usage *u = NULL;
	struct jta_policy_op op;
	struct jta_user	 who;
	struct jta_resp	 resp;
	struct jta_error e;
	char		 msg[512];
	int		 k;

	setup(&f);
	ck_assert_int_eq(jta_usage_new(&f.conf, &u, msg, sizeof(msg)),
	    JTA_OK);
	memset(&op, 0, sizeof(op));
	op.endpoint = "issue";
	op.cls = JTA_POLICY_READ;
	memset(&who, 0, sizeof(who));
	who.id = f.alice;
	snprintf(who.name, sizeof(who.name), "alice");
	quota(&f, "person", "alice", "calls", NULL, 10);
	for (k = 0; k < 10; k++) {
		jta_resp_init(&resp, noop_write, NULL, NULL);
		memset(&e, 0, sizeof(e));
		ck_assert_int_eq(jta_usage_check(u, &who, &op, &resp, &e),
		    JTA_OK);
		if (k < 7)
			ck_assert_ptr_null(resp.notice);
		else {
			ck_assert_ptr_nonnull(resp.notice);
			ck_assert_ptr_nonnull(strstr(resp.notice, k < 9 ?
			    "Quota notice: " : "Quota almost used up: "));
			ck_assert_ptr_nonnull(strstr(resp.notice,
			    "your daily quota of 10 API calls"));
		}
		jta_usage_count(u, &who, &op, 200);
	}
	jta_resp_init(&resp, noop_write, NULL, NULL);
	ck_assert_int_eq(jta_usage_check(u, &who, &op, &resp, &e),
	    JTA_ERR_BUSY);
	ck_assert_int_eq(e.status, 429);
	ck_assert_str_eq(e.field, "quota");
	ck_assert_int_gt(e.retry_after, 0);
	ck_assert_int_le(e.retry_after, 86400);
	ck_assert_ptr_nonnull(strstr(e.detail, "T00:00:00Z"));
	/* Of two used-up quotas the answer names the one that resets
	 * last (a month's, unless today is the month's last day). */
	quota(&f, "person", "alice", "calls", "month", 5);
	jta_resp_init(&resp, noop_write, NULL, NULL);
	ck_assert_int_eq(jta_usage_check(u, &who, &op, &resp, &e),
	    JTA_ERR_BUSY);
	{
		struct jta_store_period p;

		jta_store_usage_period(jta_time_now(), &p);
		if (p.month_end > p.day_end)
			ck_assert_ptr_nonnull(strstr(e.detail,
			    "monthly quota of 5"));
	}
	ck_assert_int_eq(jta_store_quota_remove(f.st, "person", "alice",
	    "calls", "month", &e), JTA_OK);
	/* Creates count for 201 of a create (not a new draft, not a
	 * draft's edit or a repeated submit: 200), updates for 2xx of a
	 * write. */
	op.cls = JTA_POLICY_CREATE;
	op.endpoint = "issues.create";
	jta_usage_count(u, &who, &op, 422);
	jta_usage_count(u, &who, &op, 201);
	op.endpoint = "drafts.create";
	jta_usage_count(u, &who, &op, 201);
	op.endpoint = "drafts";
	jta_usage_count(u, &who, &op, 200);
	op.cls = JTA_POLICY_WRITE;
	jta_usage_count(u, &who, &op, 404);
	jta_usage_count(u, &who, &op, 200);
	jta_usage_free(u);	/* folds what this worker counted */
	{
		struct jta_store_period p;
		json_t	*rows = NULL;

		jta_store_usage_period(jta_time_now(), &p);
		ck_assert_int_eq(jta_store_usage_report(f.st, "person", p.day,
		    p.day, &rows, &e), JTA_OK);
		ck_assert_int_eq(num(json_array_get(rows, 0), "calls"), 16);
		ck_assert_int_eq(num(json_array_get(rows, 0), "creates"), 1);
		ck_assert_int_eq(num(json_array_get(rows, 0), "updates"), 1);
		json_decref(rows);
	}
	/* usage_counting = off: nothing is capped (nor counted). */
	f.conf.usage_counting = 0;
	ck_assert_int_eq(jta_usage_new(&f.conf, &u, msg, sizeof(msg)),
	    JTA_OK);
	jta_resp_init(&resp, noop_write, NULL, NULL);
	ck_assert_int_eq(jta_usage_check(u, &who, &op, &resp, &e), JTA_OK);
	jta_usage_free(u);
	jta_store_close(f.st);
}
END_TEST

/* A used-up quota blocks only what its metric counts: creates the
 * creates, updates the writes; calls and conversations everything. */
START_TEST(quota_blocks_only_what_it_counts)
{
	static const struct {
		const char	*metric;
		int		 blocks[3];	/* read, create, write */
	} cases[] = {
		{ "creates", { 0, 1, 0 } },
		{ "updates", { 0, 0, 1 } },
		{ "calls", { 1, 1, 1 } },
		{ "conversations", { 1, 1, 1 } },
	};
	static const unsigned cls[3] = { JTA_POLICY_READ, JTA_POLICY_CREATE,
	    JTA_POLICY_WRITE };
	struct fixture	 f;
	struct jta_usage *u = NULL;
	struct jta_policy_op op;
	struct jta_user	 who;
	struct jta_resp	 resp;
	struct jta_error e;
	char		 msg[512];
	size_t		 i, k;

	setup(&f);
	ck_assert_int_eq(jta_usage_new(&f.conf, &u, msg, sizeof(msg)),
	    JTA_OK);
	memset(&who, 0, sizeof(who));
	who.id = f.alice;
	snprintf(who.name, sizeof(who.name), "alice");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* A limit of 0 is used up from the start. */
		quota(&f, "person", "alice", cases[i].metric, NULL, 0);
		for (k = 0; k < 3; k++) {
			memset(&op, 0, sizeof(op));
			op.endpoint = "issues";
			op.cls = cls[k];
			jta_resp_init(&resp, noop_write, NULL, NULL);
			memset(&e, 0, sizeof(e));
			ck_assert_msg(jta_usage_check(u, &who, &op, &resp,
			    &e) == (cases[i].blocks[k] ? JTA_ERR_BUSY :
			    JTA_OK), "%s quota, class %u", cases[i].metric,
			    cls[k]);
			if (!cases[i].blocks[k])
				ck_assert_ptr_null(resp.notice);
		}
		ck_assert_int_eq(jta_store_quota_remove(f.st, "person",
		    "alice", cases[i].metric, "day", &e), JTA_OK);
	}
	jta_usage_free(u);
	jta_store_close(f.st);
}
END_TEST

/* The model's tokens of our own agent (issue 15): counted per person and
 * day beside the calls, in the reports and the admin page's summary; a
 * token quota warns at 70 % and 90 % and refuses a message to the agent
 * at 100 % with its reset, and blocks nothing else. */
START_TEST(model_tokens_counted_and_capped)
{
	struct fixture	 f;
	struct jta_usage *u = NULL;
	struct jta_policy_op op, other;
	struct jta_user	 who;
	struct jta_resp	 resp;
	struct jta_store_period p;
	struct jta_error e;
	json_t		*rows = NULL, *sum = NULL;
	const json_t	*a;
	char		 msg[512];

	setup(&f);
	memset(&e, 0, sizeof(e));
	/* The store: tokens add up in the person's row; no call. */
	count(&f, f.alice, "local", T0, 0, 0);
	ck_assert_int_eq(jta_store_usage_tokens(f.st, f.alice, "local", T0,
	    120, 3, &e), JTA_OK);
	ck_assert_int_eq(jta_store_usage_tokens(f.st, f.alice, "local",
	    T0 + 5, 80, 7, &e), JTA_OK);
	ck_assert_int_eq(jta_store_usage_tokens(f.st, f.bob, "local", T0, 1,
	    0, &e), JTA_OK);
	ck_assert_int_eq(jta_store_usage_tokens(f.st, f.bob, "local", T0, -1,
	    0, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "tokens");
	ck_assert_int_eq(jta_store_usage_report(f.st, "person", "2026-11-29",
	    "2026-11-29", &rows, &e), JTA_OK);
	a = row(rows, "person", "alice");
	ck_assert_int_eq(num(a, "calls"), 1);
	ck_assert_int_eq(num(a, "prompt_tokens"), 200);
	ck_assert_int_eq(num(a, "completion_tokens"), 10);
	a = row(rows, "person", "bob");
	ck_assert_int_eq(num(a, "calls"), 0);
	ck_assert_int_eq(num(a, "prompt_tokens"), 1);
	json_decref(rows);
	ck_assert_int_eq(jta_store_usage_report(f.st, "site", "2026-11-29",
	    "2026-11-29", &rows, &e), JTA_OK);
	ck_assert_int_eq(num(row(rows, "site", "local"), "prompt_tokens"),
	    201);
	json_decref(rows);

	/* Through jta_usage, today: a quota on completion tokens. */
	ck_assert_int_eq(jta_usage_new(&f.conf, &u, msg, sizeof(msg)),
	    JTA_OK);
	memset(&who, 0, sizeof(who));
	who.id = f.alice;
	snprintf(who.name, sizeof(who.name), "alice");
	memset(&op, 0, sizeof(op));
	op.endpoint = "chat";
	op.cls = 0;
	memset(&other, 0, sizeof(other));
	other.endpoint = "issues.search";
	other.cls = JTA_POLICY_READ;
	quota(&f, "person", "alice", "completion_tokens", NULL, 100);
	jta_resp_init(&resp, noop_write, NULL, NULL);
	ck_assert_int_eq(jta_usage_check(u, &who, &op, &resp, &e), JTA_OK);
	ck_assert_ptr_null(resp.notice);
	jta_usage_tokens(u, &who, 5000, 75);
	jta_resp_init(&resp, noop_write, NULL, NULL);
	ck_assert_int_eq(jta_usage_check(u, &who, &op, &resp, &e), JTA_OK);
	ck_assert_ptr_nonnull(resp.notice);
	ck_assert_ptr_nonnull(strstr(resp.notice, "Quota notice: 75 % of "
	    "your daily quota of 100 completion tokens of the model"));
	jta_usage_tokens(u, &who, 0, 15);
	jta_resp_init(&resp, noop_write, NULL, NULL);
	ck_assert_int_eq(jta_usage_check(u, &who, &op, &resp, &e), JTA_OK);
	ck_assert_ptr_nonnull(strstr(resp.notice, "Quota almost used up: "));
	/* Not a message to the agent: not covered, no notice. */
	jta_resp_init(&resp, noop_write, NULL, NULL);
	ck_assert_int_eq(jta_usage_check(u, &who, &other, &resp, &e),
	    JTA_OK);
	ck_assert_ptr_null(resp.notice);
	jta_usage_tokens(u, &who, 0, 10);
	jta_resp_init(&resp, noop_write, NULL, NULL);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_usage_check(u, &who, &op, &resp, &e),
	    JTA_ERR_BUSY);
	ck_assert_int_eq(e.status, 429);
	ck_assert_str_eq(e.field, "quota");
	ck_assert_int_gt(e.retry_after, 0);
	ck_assert_int_le(e.retry_after, 86400);
	ck_assert_ptr_nonnull(strstr(e.detail, "is used up (100 of 100)"));
	jta_resp_init(&resp, noop_write, NULL, NULL);
	ck_assert_int_eq(jta_usage_check(u, &who, &other, &resp, &e),
	    JTA_OK);
	/* Nothing spent, nothing written; bob is not capped by alice's. */
	jta_usage_tokens(u, &who, 0, 0);
	who.id = f.bob;
	snprintf(who.name, sizeof(who.name), "bob");
	jta_resp_init(&resp, noop_write, NULL, NULL);
	ck_assert_int_eq(jta_usage_check(u, &who, &op, &resp, &e), JTA_OK);
	/* A site's monthly quota on prompt tokens: alice's 5000 of today
	 * are the site's too, so bob's next message is refused. */
	quota(&f, "site", "local", "prompt_tokens", NULL, 5000);
	jta_resp_init(&resp, noop_write, NULL, NULL);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_usage_check(u, &who, &op, &resp, &e),
	    JTA_ERR_BUSY);
	ck_assert_ptr_nonnull(strstr(e.detail, "the monthly quota of 5000 "
	    "prompt tokens of the model for the site local"));
	jta_resp_init(&resp, noop_write, NULL, NULL);
	ck_assert_int_eq(jta_usage_check(u, &who, &other, &resp, &e),
	    JTA_OK);
	/* The admin page's summary carries the tokens. */
	jta_store_usage_period(jta_time_now(), &p);
	ck_assert_int_eq(jta_store_usage_summary(f.st, jta_time_now(), &sum),
	    JTA_OK);
	ck_assert_int_eq(num(json_object_get(json_object_get(sum, "totals"),
	    "day"), "prompt_tokens"), 5000);
	ck_assert_int_eq(num(json_object_get(json_object_get(sum, "totals"),
	    "day"), "completion_tokens"), 100);
	a = row(json_object_get(sum, "quotas"), "subject", "local");
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(num(a, "used"), 5000);
	a = row(json_object_get(sum, "quotas"), "subject", "alice");
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(json_string_value(json_object_get(a, "metric")),
	    "completion_tokens");
	ck_assert_int_eq(num(a, "used"), 100);
	ck_assert_str_eq(json_string_value(json_object_get(a, "level")),
	    "over");
	json_decref(sum);
	jta_usage_free(u);
	jta_store_close(f.st);
}
END_TEST

START_TEST(files_counted_and_capped)
{
	struct fixture	 f;
	struct jta_usage *u = NULL;
	struct jta_policy_op draft, read;
	struct jta_user	 who;
	struct jta_resp	 resp;
	struct jta_error e;
	json_t		*rows = NULL, *sum = NULL;
	const json_t	*a;
	char		 msg[512];

	setup(&f);
	memset(&e, 0, sizeof(e));
	/* The store: files and bytes add up in the person's row; no call. */
	ck_assert_int_eq(jta_store_usage_files(f.st, f.alice, "local", T0, 1,
	    1000, &e), JTA_OK);
	ck_assert_int_eq(jta_store_usage_files(f.st, f.alice, "local",
	    T0 + 5, 1, 24, &e), JTA_OK);
	ck_assert_int_eq(jta_store_usage_files(f.st, f.bob, "local", T0, 1,
	    -1, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "files");
	ck_assert_int_eq(jta_store_usage_report(f.st, "person", "2026-11-29",
	    "2026-11-29", &rows, &e), JTA_OK);
	a = row(rows, "person", "alice");
	ck_assert_int_eq(num(a, "calls"), 0);
	ck_assert_int_eq(num(a, "files"), 2);
	ck_assert_int_eq(num(a, "file_bytes"), 1024);
	json_decref(rows);

	/* Through jta_usage, today: quotas on files and on their bytes. */
	ck_assert_int_eq(jta_usage_new(&f.conf, &u, msg, sizeof(msg)),
	    JTA_OK);
	memset(&who, 0, sizeof(who));
	who.id = f.alice;
	snprintf(who.name, sizeof(who.name), "alice");
	memset(&draft, 0, sizeof(draft));
	draft.endpoint = "drafts.create";
	draft.cls = JTA_POLICY_CREATE;
	memset(&read, 0, sizeof(read));
	read.endpoint = "issues.search";
	read.cls = JTA_POLICY_READ;
	quota(&f, "person", "alice", "files", NULL, 4);
	quota(&f, "person", "*", "file_bytes", NULL, 1000);
	jta_resp_init(&resp, noop_write, NULL, NULL);
	ck_assert_int_eq(jta_usage_check(u, &who, &draft, &resp, &e), JTA_OK);
	ck_assert_int_eq(jta_usage_file_allow(u, &who, 600, &e), JTA_OK);
	jta_usage_file_count(u, &who, 600);
	/* 600 of 1000 bytes: 200 more fit, 500 do not. */
	ck_assert_int_eq(jta_usage_file_allow(u, &who, 400, &e), JTA_OK);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_usage_file_allow(u, &who, 401, &e),
	    JTA_ERR_BUSY);
	ck_assert_int_eq(e.status, 429);
	ck_assert_str_eq(e.field, "quota");
	ck_assert_int_gt(e.retry_after, 0);
	ck_assert_int_le(e.retry_after, 86400);
	ck_assert_ptr_nonnull(strstr(e.detail, "this file (401 bytes) would "
	    "pass your daily quota of 1000 bytes of files attached (600 "
	    "used)"));
	/* A file larger than the whole limit never fits. */
	ck_assert_int_eq(jta_usage_file_allow(u, &who, 5000, &e),
	    JTA_ERR_BUSY);
	jta_usage_file_count(u, &who, 100);
	jta_usage_file_count(u, &who, 10);
	/* 3 of 4 files: a notice on a draft, none on a read. */
	jta_resp_init(&resp, noop_write, NULL, NULL);
	ck_assert_int_eq(jta_usage_check(u, &who, &draft, &resp, &e), JTA_OK);
	ck_assert_ptr_nonnull(resp.notice);
	ck_assert_ptr_nonnull(strstr(resp.notice, "Quota notice: 75 % of "
	    "your daily quota of 4 files attached"));
	jta_resp_init(&resp, noop_write, NULL, NULL);
	ck_assert_int_eq(jta_usage_check(u, &who, &read, &resp, &e), JTA_OK);
	ck_assert_ptr_null(resp.notice);
	jta_usage_file_count(u, &who, 1);
	/* 4 of 4: the next file is refused, the request is not. */
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_usage_file_allow(u, &who, 1, &e), JTA_ERR_BUSY);
	ck_assert_int_eq(e.status, 429);
	ck_assert_ptr_nonnull(strstr(e.detail, "your daily quota of 4 files "
	    "attached is used up (4 of 4)"));
	jta_resp_init(&resp, noop_write, NULL, NULL);
	ck_assert_int_eq(jta_usage_check(u, &who, &draft, &resp, &e), JTA_OK);
	ck_assert_ptr_nonnull(strstr(resp.notice, "Quota used up: "));
	/* bob: the default's bytes only, his own. */
	who.id = f.bob;
	snprintf(who.name, sizeof(who.name), "bob");
	jta_resp_init(&resp, noop_write, NULL, NULL);
	ck_assert_int_eq(jta_usage_check(u, &who, &draft, &resp, &e), JTA_OK);
	ck_assert_int_eq(jta_usage_file_allow(u, &who, 1000, &e), JTA_OK);
	/* The admin page's summary carries the files. */
	ck_assert_int_eq(jta_store_usage_summary(f.st, jta_time_now(), &sum),
	    JTA_OK);
	ck_assert_int_eq(num(json_object_get(json_object_get(sum, "totals"),
	    "day"), "files"), 4);
	ck_assert_int_eq(num(json_object_get(json_object_get(sum, "totals"),
	    "day"), "file_bytes"), 711);
	a = row(json_object_get(sum, "quotas"), "metric", "files");
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(num(a, "used"), 4);
	ck_assert_str_eq(json_string_value(json_object_get(a, "level")),
	    "over");
	json_decref(sum);
	jta_usage_free(u);
	jta_store_close(f.st);
}
END_TEST

/* alice's calls of today in the store (what is folded). */
static json_int_t
stored(struct fixture *f, const char *what)
{
	struct jta_store_period p;
	struct jta_error e;
	json_t		*rows = NULL;
	json_int_t	 v = 0;

	memset(&e, 0, sizeof(e));
	jta_store_usage_period(jta_time_now(), &p);
	ck_assert_int_eq(jta_store_usage_report(f->st, "person", p.day, p.day,
	    &rows, &e), JTA_OK);
	if (row(rows, "person", "alice") != NULL)
		v = num(row(rows, "person", "alice"), what);
	json_decref(rows);
	return v;
}

/* alice calling endpoint, an operation of class cls. */
static void
as_alice(const struct fixture *f, struct jta_policy_op *op,
    struct jta_user *who, const char *endpoint, int cls)
{
	memset(op, 0, sizeof(*op));
	op->endpoint = endpoint;
	op->cls = (unsigned)cls;
	memset(who, 0, sizeof(*who));
	who->id = f->alice;
	snprintf(who->name, sizeof(who->name), "alice");
}

/* Count n calls (reads) of alice on u. */
static void
calls(struct fixture *f, struct jta_usage *u, int n, int cls, int status)
{
	struct jta_policy_op op;
	struct jta_user	 who;
	int		 k;

	as_alice(f, &op, &who, "issues.create", cls);
	for (k = 0; k < n; k++)
		jta_usage_count(u, &who, &op, status);
}

/*
 * Usage counted in batches: a worker's calls reach the store every
 * usage_fold_calls calls (one fold), and at exit; until then its own
 * quota checks add them to what the store has.
 */
START_TEST(batch_folds_every_n_calls)
{
	struct fixture	 f;
	struct jta_usage *u = NULL;
	struct jta_policy_op op;
	struct jta_user	 who;
	struct jta_resp	 resp;
	struct jta_error e;
	char		 msg[512];

	setup(&f);
	f.conf.usage_fold_calls = 4;
	f.conf.usage_fold_seconds = 600;
	ck_assert_int_eq(jta_usage_new(&f.conf, &u, msg, sizeof(msg)),
	    JTA_OK);
	calls(&f, u, 3, JTA_POLICY_CREATE, 201);
	ck_assert_int_eq(stored(&f, "calls"), 0);
	/* The check sees the 3 not yet folded: a quota of 3 is used up. */
	quota(&f, "person", "alice", "creates", NULL, 3);
	as_alice(&f, &op, &who, "issues.create", JTA_POLICY_CREATE);
	jta_resp_init(&resp, noop_write, NULL, NULL);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_usage_check(u, &who, &op, &resp, &e),
	    JTA_ERR_BUSY);
	ck_assert_ptr_nonnull(strstr(e.detail, "(3 of 3)"));
	/* The 4th call folds the batch: one row, its sums. */
	calls(&f, u, 1, JTA_POLICY_WRITE, 200);
	ck_assert_int_eq(stored(&f, "calls"), 4);
	ck_assert_int_eq(stored(&f, "creates"), 3);
	ck_assert_int_eq(stored(&f, "updates"), 1);
	ck_assert_int_eq(stored(&f, "conversations"), 1);
	/* Folded is not counted twice by the check. */
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_usage_check(u, &who, &op, &resp, &e),
	    JTA_ERR_BUSY);
	ck_assert_ptr_nonnull(strstr(e.detail, "(3 of 3)"));
	calls(&f, u, 2, JTA_POLICY_READ, 200);
	ck_assert_int_eq(stored(&f, "calls"), 4);
	jta_usage_free(u);	/* at exit */
	ck_assert_int_eq(stored(&f, "calls"), 6);
	ck_assert_int_eq(stored(&f, "conversations"), 1);
	jta_store_close(f.st);
}
END_TEST

/* The Rss in KiB of this process's mapping of the counting file
 * (DATABASE.batches/w.N, /proc/self/smaps), or -1 when none is mapped. */
static long
counting_file_rss(void)
{
	FILE	*fp = fopen("/proc/self/smaps", "r");
	char	 line[1024];
	int	 in = 0;
	long	 kib = -1, v;
	unsigned long lo, hi;

	ck_assert_ptr_nonnull(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		/* A mapping's first line: "LO-HI perms offset dev inode
		 * path"; its fields follow, one a line ("Rss: N kB"). */
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = strstr(line, ".batches/w.") != NULL;
		else if (in && sscanf(line, "Rss: %ld kB", &v) == 1)
			kib = v;
	}
	fclose(fp);
	return kib;
}

/*
 * A new counting file is emptied without writing it (cut to nothing and
 * back), and counts write only their batch's rows, the file's first: a
 * worker serving one person keeps one page of its 44 KiB counting file
 * resident (README "Memory per worker and the start cost", fourth pass),
 * before and after a fold.  (Reading the file's untouched rows would not
 * show here: a read of a hole maps the kernel's zero page, which Rss
 * does not count.)
 */
START_TEST(counting_reads_only_the_batch_rows)
{
	struct fixture	 f;
	struct jta_usage *u = NULL;
	struct jta_policy_op op;
	struct jta_user	 who;
	struct jta_resp	 resp;
	struct jta_error e;
	char		 msg[512];
	long		 kib;

	setup(&f);
	f.conf.usage_fold_calls = 5;
	f.conf.usage_fold_seconds = 600;
	ck_assert_int_eq(jta_usage_new(&f.conf, &u, msg, sizeof(msg)),
	    JTA_OK);
	quota(&f, "person", "alice", "calls", NULL, 1000);
	as_alice(&f, &op, &who, "issues.search", JTA_POLICY_READ);
	jta_resp_init(&resp, noop_write, NULL, NULL);
	calls(&f, u, 3, JTA_POLICY_READ, 200);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_usage_check(u, &who, &op, &resp, &e), JTA_OK);
	kib = counting_file_rss();
	ck_assert_msg(kib >= 0 && kib <= 8, "counting file: %ld KiB "
	    "resident after 3 counts and a check", kib);
	/* The 5th call folds; then more counts in the next batch. */
	calls(&f, u, 4, JTA_POLICY_READ, 200);
	ck_assert_int_eq(stored(&f, "calls"), 5);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_usage_check(u, &who, &op, &resp, &e), JTA_OK);
	kib = counting_file_rss();
	ck_assert_msg(kib >= 0 && kib <= 8, "counting file: %ld KiB "
	    "resident after a fold", kib);
	jta_usage_free(u);
	ck_assert_int_eq(stored(&f, "calls"), 7);
	jta_store_close(f.st);
}
END_TEST

/*
 * A worker killed between counting and folding: its calls are in its
 * counting file, and the next worker to open the database folds them
 * (once: a third worker finds nothing more to fold).  Two workers
 * alive at once each have a file of their own.
 */
START_TEST(crash_between_count_and_fold)
{
	struct fixture	 f;
	struct jta_usage *u = NULL, *v = NULL;
	char		 msg[512];
	pid_t		 pid;
	int		 status;

	setup(&f);
	f.conf.usage_fold_calls = 1000;
	f.conf.usage_fold_seconds = 600;
	if ((pid = fork()) == 0) {
		if (jta_usage_new(&f.conf, &u, msg, sizeof(msg)) != JTA_OK)
			_exit(2);
		calls(&f, u, 5, JTA_POLICY_WRITE, 200);
		kill(getpid(), SIGKILL);	/* no exit fold */
		_exit(3);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_int_eq(stored(&f, "calls"), 0);
	/* A live worker holds its file; the next one folds the dead one's. */
	ck_assert_int_eq(jta_usage_new(&f.conf, &u, msg, sizeof(msg)),
	    JTA_OK);
	ck_assert_int_eq(stored(&f, "calls"), 5);
	ck_assert_int_eq(stored(&f, "updates"), 5);
	calls(&f, u, 2, JTA_POLICY_READ, 200);
	ck_assert_int_eq(jta_usage_new(&f.conf, &v, msg, sizeof(msg)),
	    JTA_OK);
	calls(&f, v, 1, JTA_POLICY_READ, 200);
	ck_assert_int_eq(stored(&f, "calls"), 5);	/* both pending */
	jta_usage_free(v);
	ck_assert_int_eq(stored(&f, "calls"), 6);
	jta_usage_free(u);
	ck_assert_int_eq(stored(&f, "calls"), 8);
	ck_assert_int_eq(jta_usage_new(&f.conf, &u, msg, sizeof(msg)),
	    JTA_OK);
	jta_usage_free(u);
	ck_assert_int_eq(stored(&f, "calls"), 8);
	ck_assert_int_eq(stored(&f, "conversations"), 1);
	jta_store_close(f.st);
}
END_TEST

/* How many of this process's descriptors are open on path (a SQLite
 * connection keeps its database file open). */
static int
fds_on(const char *path)
{
	char		 real[4096], link[64], to[4096];
	ssize_t		 n;
	int		 fd, count = 0;

	ck_assert_ptr_nonnull(realpath(path, real));
	for (fd = 0; fd < 1024; fd++) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		if ((n = readlink(link, to, sizeof(to) - 1)) < 0)
			continue;
		to[n] = '\0';
		if (strcmp(to, real) == 0)
			count++;
	}
	return count;
}

/*
 * The serving loop's connection counts (jta_usage_new_shared, README
 * "Memory per worker and the start cost", third pass): no second
 * connection to the database, and a fold inside a request's read
 * transaction (after the quota check read in it) ends that transaction
 * first instead of failing its BEGIN; the reads after it work.
 */
START_TEST(shared_connection_counts_in_a_request)
{
	struct fixture	 f;
	struct jta_usage *u = NULL, *v = NULL;
	struct jta_policy_op op;
	struct jta_user	 who;
	struct jta_resp	 resp;
	struct jta_error e;
	char		 msg[512];
	int		 k, before;

	setup(&f);
	f.conf.usage_fold_calls = 1;	/* every call folds at once */
	quota(&f, "person", "alice", "calls", NULL, 100);
	before = fds_on(f.conf.database);
	ck_assert_int_ge(before, 1);
	ck_assert_int_eq(jta_usage_new_shared(&f.conf, NULL, &v, msg,
	    sizeof(msg)), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_usage_new_shared(&f.conf, f.st, &u, msg,
	    sizeof(msg)), JTA_OK);
	ck_assert_int_eq(fds_on(f.conf.database), before);
	memset(&op, 0, sizeof(op));
	op.endpoint = "issue";
	op.cls = JTA_POLICY_READ;
	memset(&who, 0, sizeof(who));
	who.id = f.alice;
	snprintf(who.name, sizeof(who.name), "alice");
	for (k = 0; k < 3; k++) {
		/* A request as jta_fcgi.c serves a store_reads program: the
		 * check reads in the request's read transaction; here the
		 * count and its fold run inside it too. */
		jta_store_reads_begin(f.st);
		jta_resp_init(&resp, noop_write, NULL, NULL);
		memset(&e, 0, sizeof(e));
		ck_assert_int_eq(jta_usage_check(u, &who, &op, &resp, &e),
		    JTA_OK);
		jta_usage_count(u, &who, &op, 200);
		memset(&e, 0, sizeof(e));
		ck_assert_int_eq(jta_usage_check(u, &who, &op, &resp, &e),
		    JTA_OK);
		jta_store_reads_end(f.st);
		ck_assert_int_eq(stored(&f, "calls"), k + 1);
	}
	jta_usage_free(u);
	/* Still open: the store was borrowed. */
	ck_assert_int_eq(fds_on(f.conf.database), before);
	ck_assert_int_eq(stored(&f, "calls"), 3);
	/* Its own connection opens the file once more: what is counted
	 * above would see a second connection. */
	ck_assert_int_eq(jta_usage_new(&f.conf, &v, msg, sizeof(msg)),
	    JTA_OK);
	ck_assert_int_eq(fds_on(f.conf.database), before + 1);
	jta_usage_free(v);
	jta_store_close(f.st);
}
END_TEST

START_TEST(cost_of_one_count)
{
	struct fixture	 f;
	struct jta_usage *u = NULL;
	struct jta_policy_op op;
	struct jta_user	 who;
	struct timespec	 t0, t1;
	char		 msg[512];
	double		 us;
	int		 k, rounds = 2000;

	setup(&f);
	ck_assert_int_eq(jta_usage_new(&f.conf, &u, msg, sizeof(msg)),
	    JTA_OK);
	memset(&op, 0, sizeof(op));
	op.cls = JTA_POLICY_READ;
	memset(&who, 0, sizeof(who));
	who.id = f.alice;
	snprintf(who.name, sizeof(who.name), "alice");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (k = 0; k < rounds; k++)
		jta_usage_count(u, &who, &op, 200);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = ((double)(t1.tv_sec - t0.tv_sec) * 1e6 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e3) / rounds;
	printf("one count (batched: a fold of %d calls is one transaction, "
	    "synchronous = NORMAL, WAL): %.1f us\n", f.conf.usage_fold_calls,
	    us);
	/* The check before a handler with 4 quotas that cover alice. */
	quota(&f, "person", "alice", "calls", NULL, 1000000000);
	quota(&f, "person", "alice", "updates", NULL, 1000000000);
	quota(&f, "person", "*", "creates", NULL, 1000000000);
	quota(&f, "site", "local", "calls", NULL, 1000000000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (k = 0; k < rounds; k++) {
		struct jta_resp	 resp;
		struct jta_error e;

		jta_resp_init(&resp, noop_write, NULL, NULL);
		memset(&e, 0, sizeof(e));
		ck_assert_int_eq(jta_usage_check(u, &who, &op, &resp, &e),
		    JTA_OK);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("one check with 4 quotas: %.1f us\n",
	    ((double)(t1.tv_sec - t0.tv_sec) * 1e6 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e3) / rounds);
	/* A loose bound: a count is one short transaction. */
	ck_assert_double_lt(us, 2000.0);
	/* For comparison, the same on a synchronous = FULL connection
	 * (the store's own: an fsync of the WAL at every commit). */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (k = 0; k < rounds / 4; k++)
		count(&f, f.alice, "local", T0, 0, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("one count (synchronous = FULL, WAL): %.1f us\n",
	    ((double)(t1.tv_sec - t0.tv_sec) * 1e6 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e3) / (rounds / 4));
	jta_usage_free(u);
	jta_store_close(f.st);
}
END_TEST

static Suite *
usage_suite(void)
{
	Suite	*s = suite_create("jta_usage");
	TCase	*tc;

	tc = tcase_create("words");
	tcase_add_test(tc, periods_in_utc);
	tcase_add_test(tc, levels);
	tcase_add_test(tc, quota_words);
	suite_add_tcase(s, tc);
	tc = tcase_create("store");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, check_notice_then_429);
	tcase_add_test(tc, quota_blocks_only_what_it_counts);
	tcase_add_test(tc, model_tokens_counted_and_capped);
	tcase_add_test(tc, files_counted_and_capped);
	tcase_add_test(tc, batch_folds_every_n_calls);
	tcase_add_test(tc, crash_between_count_and_fold);
	tcase_add_test(tc, counting_reads_only_the_batch_rows);
	tcase_add_test(tc, shared_connection_counts_in_a_request);
	tcase_add_test(tc, cost_of_one_count);
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
	return usage_suite();
}
