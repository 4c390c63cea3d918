/*
 * The contract cases of jta_store_usage.h (usage counts and quotas),
 * shared by the SQLite suite (check_store.c) and the PostgreSQL one
 * (check_store_pg.c): each includes this file after defining
 *
 *	static struct jta_store *newstore(char *path, size_t pathsz);
 *	static struct jta_store *reopen(const char *path, char *msg,
 *	    size_t msgsz);
 *
 * newstore: a new, current, empty store (path: its name); reopen:
 * another connection to it, as another process (host) would open it
 * (NULL on failure; it may run in a forked child).  Counting connections
 * are made as the programs make them (jta_store_usage_connection).
 */
#ifndef JTA_STORE_CASES_USAGE_H
#define JTA_STORE_CASES_USAGE_H

#include "jta_store_usage.h"
#include "jta_usage.h"

/* 2026-11-29T10:34:56Z */
#define UT0	1795955696

struct ufix {
	struct jta_store *st;
	char		 path[512];
	int64_t		 alice, bob;
};

static void
usetup(struct ufix *f)
{
	struct jta_error e;

	f->st = newstore(f->path, sizeof(f->path));
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_usage_connection(f->st, 5000), JTA_OK);
	ck_assert_int_eq(jta_store_user_add(f->st, "alice", "Alice", "",
	    &f->alice, &e), JTA_OK);
	ck_assert_int_eq(jta_store_user_add(f->st, "bob", "Bob", "", &f->bob,
	    &e), JTA_OK);
}

static void
uquota(struct ufix *f, const char *scope, const char *subject,
    const char *metric, const char *per, int64_t limit)
{
	struct jta_store_quota q;
	struct jta_error e;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_usage_quota_make(scope, subject, metric, per, &q,
	    &e), JTA_OK);
	q.limit = limit;
	ck_assert_int_eq(jta_store_quota_set(f->st, &q, UT0, "test", &e),
	    JTA_OK);
}

static void
ucount(struct ufix *f, int64_t uid, const char *site, int64_t t, int cr,
    int up)
{
	struct jta_error e;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_usage_count(f->st, uid, site, t, cr, up,
	    &e), JTA_OK);
}

static const json_t *
urow(const json_t *rows, const char *key, const char *value)
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
unum(const json_t *o, const char *k)
{
	ck_assert_ptr_nonnull(json_object_get(o, k));
	return json_integer_value(json_object_get(o, k));
}

START_TEST(usage_counts_and_conversations)
{
	struct ufix	 f;
	struct jta_error e;
	json_t		*rows = NULL;
	const json_t	*a;

	usetup(&f);
	ucount(&f, f.alice, "local", UT0, 0, 0);
	ucount(&f, f.alice, "local", UT0 + 60, 1, 0);
	ucount(&f, f.alice, "local", UT0 + 60 + 1799, 0, 1);	/* same */
	ucount(&f, f.alice, "local", UT0 + 60 + 1799 + 1800, 0, 1); /* new */
	ucount(&f, f.bob, "local", UT0, 0, 0);
	/* Late from another worker: last_seen does not go back. */
	ucount(&f, f.alice, "local", UT0 + 100, 0, 0);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_usage_report(f.st, "person", "2026-11-29",
	    "2026-11-29", &rows, &e), JTA_OK);
	ck_assert_int_eq(json_array_size(rows), 2);
	a = urow(rows, "person", "alice");
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(unum(a, "calls"), 5);
	ck_assert_int_eq(unum(a, "creates"), 1);
	ck_assert_int_eq(unum(a, "updates"), 2);
	ck_assert_int_eq(unum(a, "conversations"), 2);
	ck_assert_int_eq(unum(urow(rows, "person", "bob"), "conversations"), 1);
	json_decref(rows);
	/* The next day is a row of its own. */
	ucount(&f, f.alice, "local", UT0 + 86400, 0, 0);
	ck_assert_int_eq(jta_store_usage_report(f.st, "day", "2026-11-01",
	    "2026-11-30", &rows, &e), JTA_OK);
	ck_assert_int_eq(json_array_size(rows), 2);
	ck_assert_int_eq(unum(urow(rows, "day", "2026-11-30"), "calls"), 1);
	ck_assert_int_eq(unum(urow(rows, "day", "2026-11-29"), "calls"), 6);
	json_decref(rows);
	ck_assert_int_eq(jta_store_usage_report(f.st, "site", "2026-11-30",
	    "2026-11-30", &rows, &e), JTA_OK);
	ck_assert_int_eq(unum(urow(rows, "site", "local"), "calls"), 1);
	json_decref(rows);
	ck_assert_int_eq(jta_store_usage_report(f.st, "week", "2026-11-30",
	    "2026-11-30", &rows, &e), JTA_ERR_INPUT);
	jta_store_close(f.st);
}
END_TEST

/* A row of a fold (jta_store_usage_fold). */
static struct jta_store_usage_row
ufrow(int64_t uid, const char *site, int64_t first, int64_t last,
    int64_t calls, int64_t cr, int64_t up)
{
	struct jta_store_usage_row r;

	memset(&r, 0, sizeof(r));
	r.user_id = uid;
	snprintf(r.site, sizeof(r.site), "%s", site);
	r.first = first;
	r.last = last;
	r.calls = calls;
	r.creates = cr;
	r.updates = up;
	return r;
}

/* Fold rows as batch of owner; what *applied said. */
static int
ufold(struct ufix *f, const char *owner, int64_t batch,
    const struct jta_store_usage_row *rows, size_t n)
{
	struct jta_error e;
	int		 applied = -1;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_usage_fold(f->st, owner, batch, rows, n,
	    &applied, &e), JTA_OK);
	return applied;
}

/* alice's counts of 2026-11-29 on the report. */
static json_int_t
ualice(struct ufix *f, const char *what)
{
	struct jta_error e;
	json_t		*rows = NULL;
	json_int_t	 v;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_usage_report(f->st, "person", "2026-11-29",
	    "2026-11-29", &rows, &e), JTA_OK);
	v = urow(rows, "person", "alice") == NULL ? 0 :
	    unum(urow(rows, "person", "alice"), what);
	json_decref(rows);
	return v;
}

/*
 * Batches of workers' counting files (usage counted in batches): a
 * batch adds its rows' sums; the same batch again changes nothing (a
 * worker that died after the commit, before its file was told); a
 * conversation starts at a row's first call only when the person's
 * last counted call is a gap or more before it, whichever worker's row
 * is folded first; a row's own conversations add up; rows that break
 * the rules are refused whole.
 */
START_TEST(usage_fold_batches_once)
{
	struct ufix	 f;
	struct jta_store_usage_row r[3];
	struct jta_error e;
	int		 applied = -1;

	usetup(&f);
	r[0] = ufrow(f.alice, "local", UT0, UT0 + 4, 3, 1, 2);
	r[1] = ufrow(f.bob, "local", UT0 + 1, UT0 + 1, 1, 0, 0);
	ck_assert_int_eq(ufold(&f, "worker-a", 1, r, 2), 1);
	ck_assert_int_eq(ualice(&f, "calls"), 3);
	ck_assert_int_eq(ualice(&f, "creates"), 1);
	ck_assert_int_eq(ualice(&f, "updates"), 2);
	ck_assert_int_eq(ualice(&f, "conversations"), 1);
	/* The same batch again, and an older one: nothing. */
	ck_assert_int_eq(ufold(&f, "worker-a", 1, r, 2), 0);
	ck_assert_int_eq(ufold(&f, "worker-a", 1, r, 1), 0);
	ck_assert_int_eq(ualice(&f, "calls"), 3);
	/* Another file's batch 1 is its own. */
	r[0] = ufrow(f.alice, "local", UT0 + 10, UT0 + 20, 2, 0, 0);
	ck_assert_int_eq(ufold(&f, "worker-b", 1, r, 1), 1);
	ck_assert_int_eq(ualice(&f, "calls"), 5);
	ck_assert_int_eq(ualice(&f, "conversations"), 1);	/* 10 s on */
	/* Two workers' rows after a pause, the later one folded first:
	 * one conversation (the earlier row sees the later one's call). */
	r[0] = ufrow(f.alice, "local", UT0 + 20 + 1805, UT0 + 20 + 1806, 1, 0,
	    0);
	ck_assert_int_eq(ufold(&f, "worker-a", 2, r, 1), 1);
	r[0] = ufrow(f.alice, "local", UT0 + 20 + 1801, UT0 + 20 + 1802, 1, 0,
	    0);
	ck_assert_int_eq(ufold(&f, "worker-b", 2, r, 1), 1);
	ck_assert_int_eq(ualice(&f, "calls"), 7);
	ck_assert_int_eq(ualice(&f, "conversations"), 2);
	/* A row's own conversations add up (calls a gap apart in it). */
	r[0] = ufrow(f.alice, "local", UT0 + 20 + 1806 + 1799,
	    UT0 + 20 + 1806 + 1799 + 1800, 2, 0, 0);
	r[0].convs = 1;
	ck_assert_int_eq(ufold(&f, "worker-a", 3, r, 1), 1);
	ck_assert_int_eq(ualice(&f, "calls"), 9);
	ck_assert_int_eq(ualice(&f, "conversations"), 3);
	/* Refused whole: creates over calls, a row across two days, no
	 * calls, a bad owner. */
	r[0] = ufrow(f.alice, "local", UT0, UT0, 1, 0, 0);
	r[1] = ufrow(f.alice, "local", UT0, UT0, 1, 2, 0);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_usage_fold(f.st, "worker-a", 9, r, 2,
	    &applied, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "rows");
	ck_assert_int_eq(applied, 0);
	r[1] = ufrow(f.alice, "local", UT0, UT0 + 86400, 2, 0, 0);
	ck_assert_int_eq(jta_store_usage_fold(f.st, "worker-a", 9, r, 2,
	    &applied, &e), JTA_ERR_INPUT);
	r[1] = ufrow(f.alice, "local", UT0, UT0, 0, 0, 0);
	ck_assert_int_eq(jta_store_usage_fold(f.st, "worker-a", 9, r, 2,
	    &applied, &e), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_store_usage_fold(f.st, "", 9, r, 1, &applied,
	    &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "owner");
	ck_assert_int_eq(jta_store_usage_fold(f.st, "a b", 9, r, 1, &applied,
	    &e), JTA_ERR_INPUT);
	ck_assert_int_eq(ualice(&f, "calls"), 9);
	/* Batch 9 is still to come: nothing of it was marked. */
	ck_assert_int_eq(ufold(&f, "worker-a", 9, r, 1), 1);
	ck_assert_int_eq(ualice(&f, "calls"), 10);
	jta_store_close(f.st);
}
END_TEST

START_TEST(usage_quotas_own_wins_over_default)
{
	struct ufix	 f;
	struct jta_store_period p;
	struct jta_store_quota q[8];
	struct jta_error e;
	size_t		 n, i;
	int		 k;

	usetup(&f);
	for (k = 0; k < 5; k++)
		ucount(&f, f.alice, "acme.atlassian.net", UT0 - 86400 * 2,
		    1, 0);
	for (k = 0; k < 3; k++)
		ucount(&f, f.alice, "acme.atlassian.net", UT0, 0, 0);
	ucount(&f, f.bob, "acme.atlassian.net", UT0, 0, 0);
	uquota(&f, "person", "*", "calls", NULL, 10);
	uquota(&f, "person", "alice", "calls", NULL, 4);
	uquota(&f, "site", "*", "creates", NULL, 50);
	uquota(&f, "site", "acme.atlassian.net", "calls", "month", 100);
	jta_store_usage_period(UT0, &p);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_usage_quotas(f.st, f.alice, "alice",
	    "acme.atlassian.net", &p, q, 8, &n, &e), JTA_OK);
	ck_assert_int_eq(n, 3);
	for (i = 0; i < n; i++) {
		if (strcmp(q[i].scope, "person") == 0) {
			ck_assert_str_eq(q[i].subject, "alice");
			ck_assert_int_eq(q[i].limit, 4);
			ck_assert_int_eq(q[i].used, 3);	/* today only */
		} else if (strcmp(q[i].metric, "creates") == 0) {
			ck_assert_str_eq(q[i].subject, "*");
			ck_assert_int_eq(q[i].used, 5);	/* this month */
		} else {
			ck_assert_int_eq(q[i].used, 9);
		}
	}
	ck_assert_int_eq(jta_store_usage_quotas(f.st, f.bob, "bob",
	    "other.atlassian.net", &p, q, 8, &n, &e), JTA_OK);
	ck_assert_int_eq(n, 2);		/* the two defaults */
	ck_assert_int_eq(jta_store_quota_remove(f.st, "person", "alice",
	    "calls", NULL, &e), JTA_OK);
	ck_assert_int_eq(jta_store_quota_remove(f.st, "person", "alice",
	    "calls", NULL, &e), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(e.status, 404);
	/* Too small a buffer is an error, never a silent cut. */
	ck_assert_int_eq(jta_store_usage_quotas(f.st, f.alice, "alice",
	    "acme.atlassian.net", &p, q, 1, &n, &e), JTA_ERR_INTERNAL);
	jta_store_close(f.st);
}
END_TEST

/* The quota cache's generation (jta_store_usage_subject): every write of
 * the quotas, through any connection (another process or host), moves
 * it for every other connection; reads and counts do not. */
START_TEST(usage_quota_generation_moves_with_every_write)
{
	struct ufix	 f;
	struct jta_store *other;
	struct jta_error e;
	char		 msg[256], url[64];
	int64_t		 g0, g1, g2, g3;

	usetup(&f);
	other = reopen(f.path, msg, sizeof(msg));
	ck_assert_msg(other != NULL, "reopen: %s", msg);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_usage_subject(other, f.alice, &g0, url,
	    sizeof(url), &e), JTA_OK);
	ck_assert_int_ge(g0, 1);
	ck_assert_str_eq(url, "");		/* alice has no link */
	ucount(&f, f.alice, "local", UT0, 0, 0);
	ck_assert_int_eq(jta_store_usage_subject(other, f.alice, &g1, url,
	    sizeof(url), &e), JTA_OK);
	ck_assert_int_eq(g1, g0);		/* a count is no quota write */
	uquota(&f, "person", "alice", "calls", NULL, 4);
	ck_assert_int_eq(jta_store_usage_subject(other, f.alice, &g1, url,
	    sizeof(url), &e), JTA_OK);
	ck_assert_int_gt(g1, g0);
	uquota(&f, "person", "alice", "calls", NULL, 5);	/* a new limit */
	ck_assert_int_eq(jta_store_usage_subject(other, f.bob, &g2, url,
	    sizeof(url), &e), JTA_OK);
	ck_assert_int_gt(g2, g1);
	ck_assert_int_eq(jta_store_quota_remove(f.st, "person", "alice",
	    "calls", NULL, &e), JTA_OK);
	ck_assert_int_eq(jta_store_usage_subject(other, f.alice, &g3, url,
	    sizeof(url), &e), JTA_OK);
	ck_assert_int_gt(g3, g2);
	jta_store_close(other);
	jta_store_close(f.st);
}
END_TEST

START_TEST(usage_summary_for_the_admin_page)
{
	struct ufix	 f;
	json_t		*s = NULL, *qs;
	const json_t	*q, *top;
	size_t		 i, seen = 0;
	int		 k;

	usetup(&f);
	for (k = 0; k < 7; k++)
		ucount(&f, f.alice, "local", UT0, k == 0, 0);
	for (k = 0; k < 2; k++)
		ucount(&f, f.bob, "local", UT0, 0, 1);
	ucount(&f, f.bob, "local", UT0 - 86400 * 3, 0, 0);
	uquota(&f, "person", "*", "calls", NULL, 10);
	uquota(&f, "person", "bob", "updates", NULL, 2);
	uquota(&f, "site", "local", "calls", NULL, 1000);
	ck_assert_int_eq(jta_store_usage_summary(f.st, UT0, &s), JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s,
	    "period"), "day")), "2026-11-29");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s,
	    "period"), "month")), "2026-11-01");
	qs = json_object_get(s, "quotas");
	json_array_foreach(qs, i, q) {
		const char *subj = json_string_value(json_object_get(q,
		    "subject"));
		const char *metric = json_string_value(json_object_get(q,
		    "metric"));

		if (strcmp(subj, "alice") == 0) {	/* the default */
			ck_assert_str_eq(metric, "calls");
			ck_assert_int_eq(unum(q, "limit"), 10);
			ck_assert_int_eq(unum(q, "used"), 7);
			ck_assert_int_eq(unum(q, "percent"), 70);
			ck_assert_str_eq(json_string_value(json_object_get(q,
			    "level")), "warn");
			seen |= 1;
		} else if (strcmp(subj, "bob") == 0 &&
		    strcmp(metric, "calls") == 0) {
			ck_assert_int_eq(unum(q, "used"), 2);
			ck_assert_str_eq(json_string_value(json_object_get(q,
			    "level")), "ok");
			seen |= 2;
		} else if (strcmp(subj, "bob") == 0) {
			ck_assert_int_eq(unum(q, "percent"), 100);
			ck_assert_str_eq(json_string_value(json_object_get(q,
			    "level")), "over");
			ck_assert_str_eq(json_string_value(json_object_get(q,
			    "resets")), "2026-11-30T00:00:00Z");
			seen |= 4;
		} else {
			ck_assert_str_eq(subj, "local");
			ck_assert_str_eq(json_string_value(json_object_get(q,
			    "scope")), "site");
			ck_assert_int_eq(unum(q, "used"), 10);	/* month */
			ck_assert_int_eq(unum(q, "percent"), 1);
			ck_assert_str_eq(json_string_value(json_object_get(q,
			    "resets")), "2026-12-01T00:00:00Z");
			seen |= 8;
		}
	}
	ck_assert_int_eq(seen, 15);
	ck_assert_int_eq(json_array_size(qs), 4);
	top = json_object_get(s, "top_users");
	ck_assert_int_eq(json_array_size(top), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(top,
	    0), "user")), "alice");
	ck_assert_int_eq(unum(json_array_get(top, 0), "creates"), 1);
	ck_assert_int_eq(unum(json_object_get(json_object_get(s, "totals"),
	    "day"), "calls"), 9);
	ck_assert_int_eq(unum(json_object_get(json_object_get(s, "totals"),
	    "month"), "calls"), 10);
	ck_assert_int_eq(unum(json_object_get(json_object_get(s, "totals"),
	    "month"), "updates"), 2);
	json_decref(s);
	jta_store_close(f.st);
}
END_TEST

START_TEST(usage_tokens_and_files_add_up)
{
	struct ufix	 f;
	struct jta_error e;
	json_t		*rows = NULL, *list = NULL;
	const json_t	*a;

	usetup(&f);
	memset(&e, 0, sizeof(e));
	ucount(&f, f.alice, "local", UT0, 0, 0);
	ck_assert_int_eq(jta_store_usage_tokens(f.st, f.alice, "local", UT0,
	    120, 3, &e), JTA_OK);
	ck_assert_int_eq(jta_store_usage_tokens(f.st, f.alice, "local",
	    UT0 + 5, 80, 7, &e), JTA_OK);
	ck_assert_int_eq(jta_store_usage_tokens(f.st, f.bob, "local", UT0, -1,
	    0, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "tokens");
	ck_assert_int_eq(jta_store_usage_files(f.st, f.alice, "local", UT0, 1,
	    1000, &e), JTA_OK);
	ck_assert_int_eq(jta_store_usage_files(f.st, f.bob, "other", UT0, 2,
	    24, &e), JTA_OK);
	ck_assert_int_eq(jta_store_usage_files(f.st, f.bob, "local", UT0, 1,
	    -1, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "files");
	ck_assert_int_eq(jta_store_usage_report(f.st, "person", "2026-11-29",
	    "2026-11-29", &rows, &e), JTA_OK);
	a = urow(rows, "person", "alice");
	ck_assert_int_eq(unum(a, "calls"), 1);
	ck_assert_int_eq(unum(a, "prompt_tokens"), 200);
	ck_assert_int_eq(unum(a, "completion_tokens"), 10);
	ck_assert_int_eq(unum(a, "files"), 1);
	ck_assert_int_eq(unum(a, "file_bytes"), 1000);
	a = urow(rows, "person", "bob");
	ck_assert_int_eq(unum(a, "calls"), 0);
	ck_assert_int_eq(unum(a, "files"), 2);
	json_decref(rows);
	ck_assert_int_eq(jta_store_usage_report(f.st, "site", "2026-11-29",
	    "2026-11-29", &rows, &e), JTA_OK);
	ck_assert_int_eq(json_array_size(rows), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows,
	    0), "site")), "local");
	ck_assert_int_eq(unum(urow(rows, "site", "other"), "file_bytes"), 24);
	json_decref(rows);
	/* Every metric is a quota's; the list is ordered, the default of a
	 * scope before its subjects. */
	uquota(&f, "person", "alice", "files", NULL, 3);
	uquota(&f, "person", "*", "file_bytes", NULL, 5000);
	uquota(&f, "site", "local", "prompt_tokens", NULL, 9);
	ck_assert_int_eq(jta_store_quota_list(f.st, &list, &e), JTA_OK);
	ck_assert_int_eq(json_array_size(list), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list,
	    0), "subject")), "*");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list,
	    1), "metric")), "files");
	ck_assert_int_eq(unum(json_array_get(list, 2), "limit"), 9);
	ck_assert(json_is_string(json_object_get(json_array_get(list, 2),
	    "created")));
	json_decref(list);
	/* A limit set again replaces it. */
	uquota(&f, "person", "alice", "files", NULL, 4);
	ck_assert_int_eq(jta_store_quota_list(f.st, &list, &e), JTA_OK);
	ck_assert_int_eq(json_array_size(list), 3);
	ck_assert_int_eq(unum(json_array_get(list, 1), "limit"), 4);
	json_decref(list);
	jta_store_close(f.st);
}
END_TEST

/*
 * Across hosts: 8 processes, each with its own connection, count 50
 * calls and 5 files of one person on one day and site at once; every
 * count is kept, and the calls, all within seconds, start one
 * conversation.  Without the upsert's atomicity (a read, then an
 * update or insert) counts are lost.
 */
START_TEST(usage_8_hosts_count_every_call)
{
	struct ufix	 f;
	struct jta_store *h;
	struct jta_error e;
	json_t		*rows = NULL;
	const json_t	*a;
	pid_t		 pids[8];
	int		 i, j, status, fd[2];
	char		 go;

	usetup(&f);
	ck_assert_int_eq(pipe(fd), 0);
	for (i = 0; i < 8; i++) {
		if ((pids[i] = fork()) == 0) {
			close(fd[1]);
			if ((h = reopen(f.path, NULL, 0)) == NULL ||
			    jta_store_usage_connection(h, 10000) != JTA_OK)
				_exit(2);
			if (read(fd[0], &go, 1) != 0)
				_exit(3);
			for (j = 0; j < 50; j++) {
				memset(&e, 0, sizeof(e));
				if (jta_store_usage_count(h, f.alice, "local",
				    UT0 + j % 3, j == 0, 0, &e) != JTA_OK)
					_exit(4);
				if (j % 10 == 0 && jta_store_usage_files(h,
				    f.alice, "local", UT0, 1, 100, &e) !=
				    JTA_OK)
					_exit(5);
			}
			jta_store_close(h);
			_exit(0);
		}
		ck_assert_int_gt(pids[i], 0);
	}
	close(fd[0]);
	close(fd[1]);
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "host %d: status %d", i, status);
	}
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_usage_report(f.st, "person", "2026-11-29",
	    "2026-11-29", &rows, &e), JTA_OK);
	a = urow(rows, "person", "alice");
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(unum(a, "calls"), 400);
	ck_assert_int_eq(unum(a, "creates"), 8);
	ck_assert_int_eq(unum(a, "conversations"), 1);
	ck_assert_int_eq(unum(a, "files"), 40);
	ck_assert_int_eq(unum(a, "file_bytes"), 4000);
	json_decref(rows);
	jta_store_close(f.st);
}
END_TEST

/*
 * How far a burst can pass a quota across hosts: the check (the quota's
 * use read) and the count are two statements, as in the programs
 * (jta_usage_check before the handler, jta_usage_count after it).  8
 * processes each check, then count while the quota of 20 calls is not
 * used up.  Every count is kept, so the use ends at 20 at least; a
 * process passes the check at most once after the use reached 20 (it
 * reads again before its next call), so the use ends at 20 + 7 at most:
 * the requests in flight at once across every host, minus one.
 */
START_TEST(usage_8_hosts_quota_overshoot_bounded)
{
	struct ufix	 f;
	struct jta_store *h;
	struct jta_store_period p;
	struct jta_store_quota q[4];
	struct jta_error e;
	json_t		*rows = NULL;
	pid_t		 pids[8];
	size_t		 n;
	int		 i, status, fd[2];
	json_int_t	 used;
	char		 go;

	usetup(&f);
	uquota(&f, "person", "alice", "calls", NULL, 20);
	jta_store_usage_period(UT0, &p);
	ck_assert_int_eq(pipe(fd), 0);
	for (i = 0; i < 8; i++) {
		if ((pids[i] = fork()) == 0) {
			close(fd[1]);
			if ((h = reopen(f.path, NULL, 0)) == NULL ||
			    jta_store_usage_connection(h, 10000) != JTA_OK)
				_exit(2);
			if (read(fd[0], &go, 1) != 0)
				_exit(3);
			for (;;) {
				memset(&e, 0, sizeof(e));
				if (jta_store_usage_quotas(h, f.alice, "alice",
				    "local", &p, q, 4, &n, &e) != JTA_OK ||
				    n != 1)
					_exit(4);
				if (q[0].used >= q[0].limit)
					break;
				if (jta_store_usage_count(h, f.alice, "local",
				    UT0, 0, 0, &e) != JTA_OK)
					_exit(5);
			}
			jta_store_close(h);
			_exit(0);
		}
		ck_assert_int_gt(pids[i], 0);
	}
	close(fd[0]);
	close(fd[1]);
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "host %d: status %d", i, status);
	}
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_usage_report(f.st, "person", "2026-11-29",
	    "2026-11-29", &rows, &e), JTA_OK);
	used = unum(urow(rows, "person", "alice"), "calls");
	fprintf(stderr, "usage_8_hosts_quota_overshoot_bounded: limit 20, "
	    "used %lld\n", (long long)used);
	ck_assert_int_ge(used, 20);
	ck_assert_int_le(used, 20 + 7);
	json_decref(rows);
	jta_store_close(f.st);
}
END_TEST

#endif
