/*
 * Usage counts and quotas with SQLite (jta_store_usage.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "jta_db_engine.h"
#include "jta_db_sqlite.h"
#include "jta_store_usage.h"

/* ---- the fixed table of statements ---- */

enum sid {
	S_USAGE_DAILY,
	S_USAGE_SEEN,
	S_QUOTA_PERSON,
	S_QUOTA_SITE,
	S_QUOTA_COUNT,
	S_QUOTA_SET,
	S_QUOTA_DEL,
	S_QUOTA_LIST,
	S_USAGE_BY_PERSON,
	S_USAGE_BY_DAY,
	S_USAGE_BY_SITE,
	S_USAGE_TOP,
	S_USAGE_TOTAL,
	S_USAGE_TOKENS,
	S_USAGE_FILES,
	S_FOLD_MARK,
	S_FOLD_DAILY,
	S_QUOTA_GEN,
	S_COUNT
};

#define QUOTA_USED(who) \
	"(SELECT coalesce(sum(CASE q.metric WHEN 'calls' THEN d.calls " \
	"WHEN 'creates' THEN d.creates WHEN 'updates' THEN d.updates " \
	"WHEN 'prompt_tokens' THEN d.prompt_tokens " \
	"WHEN 'completion_tokens' THEN d.completion_tokens " \
	"WHEN 'files' THEN d.files WHEN 'file_bytes' THEN d.file_bytes " \
	"ELSE d.conversations END), 0) FROM usage_daily d WHERE " who \
	" AND d.day >= (CASE q.per WHEN 'day' THEN :day ELSE :month END) " \
	"AND d.day <= :day)"
#define QUOTA_MINE(scope, subj) \
	"q.scope = '" scope "' AND (q.subject = " subj " OR (q.subject = " \
	"'*' AND NOT EXISTS (SELECT 1 FROM quotas o WHERE o.scope = '" \
	scope "' AND o.subject = " subj " AND o.metric = q.metric AND " \
	"o.per = q.per)))"
#define USAGE_SUMS "sum(d.calls), sum(d.creates), sum(d.updates), " \
	"sum(d.conversations), sum(d.prompt_tokens), " \
	"sum(d.completion_tokens), sum(d.files), sum(d.file_bytes) "

static const char *const sql[S_COUNT] = {
	/* Usage (schema 9).  The conversation flag is computed from
	 * usage_seen before S_USAGE_SEEN moves it, in one transaction. */
	[S_USAGE_DAILY] = "INSERT INTO usage_daily (user_id, day, site, "
	    "calls, creates, updates, conversations) VALUES (:uid, :day, "
	    ":site, 1, :cr, :up, NOT EXISTS (SELECT 1 FROM usage_seen WHERE "
	    "user_id = :uid AND last_seen > :now - :gap)) "
	    "ON CONFLICT (user_id, day, site) DO UPDATE SET "
	    "calls = calls + 1, creates = creates + excluded.creates, "
	    "updates = updates + excluded.updates, "
	    "conversations = conversations + excluded.conversations",
	[S_USAGE_SEEN] = "INSERT INTO usage_seen (user_id, last_seen) "
	    "VALUES (:uid, :now) ON CONFLICT (user_id) DO UPDATE SET "
	    "last_seen = max(last_seen, excluded.last_seen)",
	[S_QUOTA_PERSON] = "SELECT q.scope, q.subject, q.metric, q.per, "
	    "q.lim, " QUOTA_USED("d.user_id = :uid") " FROM quotas q WHERE "
	    QUOTA_MINE("person", ":name") " ORDER BY q.id",
	[S_QUOTA_SITE] = "SELECT q.scope, q.subject, q.metric, q.per, "
	    "q.lim, " QUOTA_USED("d.site = :site") " FROM quotas q WHERE "
	    QUOTA_MINE("site", ":site") " ORDER BY q.id",
	[S_QUOTA_COUNT] = "SELECT count(*) FROM quotas WHERE NOT (scope = "
	    ":scope AND subject = :subject AND metric = :metric AND "
	    "per = :per)",
	[S_QUOTA_SET] = "INSERT INTO quotas (scope, subject, metric, per, "
	    "lim, created, created_by) VALUES (:scope, :subject, :metric, "
	    ":per, :lim, :now, :by) ON CONFLICT (scope, subject, metric, per) "
	    "DO UPDATE SET lim = excluded.lim, created = excluded.created, "
	    "created_by = excluded.created_by",
	[S_QUOTA_DEL] = "DELETE FROM quotas WHERE scope = :scope AND "
	    "subject = :subject AND metric = :metric AND (:per IS NULL OR "
	    "per = :per)",
	[S_QUOTA_LIST] = "SELECT scope, subject, metric, per, lim, created, "
	    "created_by FROM quotas ORDER BY scope, subject = '*' DESC, "
	    "subject, metric, per",
	[S_USAGE_BY_PERSON] = "SELECT coalesce(u.name, '#' || d.user_id), "
	    USAGE_SUMS "FROM usage_daily d LEFT JOIN users u ON "
	    "u.id = d.user_id WHERE d.day >= :from AND d.day <= :to "
	    "GROUP BY d.user_id ORDER BY 1",
	[S_USAGE_BY_DAY] = "SELECT d.day, " USAGE_SUMS "FROM usage_daily d "
	    "WHERE d.day >= :from AND d.day <= :to GROUP BY d.day ORDER BY 1",
	[S_USAGE_BY_SITE] = "SELECT d.site, " USAGE_SUMS "FROM usage_daily d "
	    "WHERE d.day >= :from AND d.day <= :to GROUP BY d.site "
	    "ORDER BY 1",
	[S_USAGE_TOP] = "SELECT coalesce(u.name, '#' || d.user_id), "
	    USAGE_SUMS "FROM usage_daily d LEFT JOIN users u ON "
	    "u.id = d.user_id WHERE d.day >= :from AND d.day <= :to "
	    "GROUP BY d.user_id ORDER BY 2 DESC, 1 LIMIT :lim",
	[S_USAGE_TOTAL] = "SELECT 'total', coalesce(sum(d.calls), 0), "
	    "coalesce(sum(d.creates), 0), coalesce(sum(d.updates), 0), "
	    "coalesce(sum(d.conversations), 0), "
	    "coalesce(sum(d.prompt_tokens), 0), "
	    "coalesce(sum(d.completion_tokens), 0), "
	    "coalesce(sum(d.files), 0), coalesce(sum(d.file_bytes), 0) "
	    "FROM usage_daily d "
	    "WHERE d.day >= :from AND d.day <= :to",
	/* The model's tokens of one answer of our own agent (issue 15):
	 * added to the person's row of the day and site, no call (the
	 * chat's request is counted as a call on its own). */
	[S_USAGE_TOKENS] = "INSERT INTO usage_daily (user_id, day, site, "
	    "prompt_tokens, completion_tokens) VALUES (:uid, :day, :site, "
	    ":pt, :ct) ON CONFLICT (user_id, day, site) DO UPDATE SET "
	    "prompt_tokens = prompt_tokens + excluded.prompt_tokens, "
	    "completion_tokens = completion_tokens + "
	    "excluded.completion_tokens",
	/* Files kept with a draft (issue 18): added to the person's row
	 * of the day and site, no call (the request carrying them is
	 * counted on its own). */
	[S_USAGE_FILES] = "INSERT INTO usage_daily (user_id, day, site, "
	    "files, file_bytes) VALUES (:uid, :day, :site, :nf, :nb) "
	    "ON CONFLICT (user_id, day, site) DO UPDATE SET "
	    "files = files + excluded.files, "
	    "file_bytes = file_bytes + excluded.file_bytes",
	/* A batch of a worker's counting file (jta_store_usage_fold):
	 * the mark first (it takes the usage file's write lock, and
	 * changes nothing when the batch was folded already), then per
	 * row the day's counts (the conversation from usage_seen before
	 * S_USAGE_SEEN moves it to the row's last call). */
	[S_FOLD_MARK] = "INSERT INTO usage_folds (owner, batch) VALUES "
	    "(:owner, :batch) ON CONFLICT (owner) DO UPDATE SET "
	    "batch = excluded.batch WHERE batch < excluded.batch",
	[S_FOLD_DAILY] = "INSERT INTO usage_daily (user_id, day, site, "
	    "calls, creates, updates, conversations) VALUES (:uid, :day, "
	    ":site, :calls, :cr, :up, :convs + NOT EXISTS (SELECT 1 FROM "
	    "usage_seen WHERE user_id = :uid AND last_seen > :first - :gap)) "
	    "ON CONFLICT (user_id, day, site) DO UPDATE SET "
	    "calls = calls + excluded.calls, "
	    "creates = creates + excluded.creates, "
	    "updates = updates + excluded.updates, "
	    "conversations = conversations + excluded.conversations",
	/* The quota cache (issue 16): the quotas' generation and the
	 * person's linked site in one read of the main file. */
	[S_QUOTA_GEN] = "SELECT (SELECT generation FROM quota_settings WHERE "
	    "id = 1), (SELECT site_url FROM atlassian_links WHERE user_id = "
	    ":uid)",
};

/* Statement id of this repository, reset and unbound (jta_db_stmt). */
static sqlite3_stmt *
stmt(struct jta_store *st, enum sid id)
{
	return jta_db_stmt(st, JTA_DB_REPO_USAGE, sql, S_COUNT, (size_t)id);
}

void
jta_store_usage_period(int64_t now, struct jta_store_period *out)
{
	/* Everything in out follows from now's UTC day: the last day
	 * worked out is kept (per thread) and copied while now is in it,
	 * instead of gmtime_r and two snprintf, 3 % of an issue read at
	 * three calls a request (issue 16). */
	static _Thread_local struct jta_store_period last;
	struct tm	 tm;
	time_t		 t = (time_t)now;
	int		 y, m, known;

	if (last.day_end != 0 && now < last.day_end &&
	    now >= last.day_end - 86400) {
		*out = last;
		return;
	}
	memset(out, 0, sizeof(*out));
	if ((known = gmtime_r(&t, &tm) != NULL) == 0)
		memset(&tm, 0, sizeof(tm));
	y = tm.tm_year + 1900;
	m = tm.tm_mon + 1;
	snprintf(out->day, sizeof(out->day), "%04u-%02u-%02u",
	    (unsigned)y % 10000u, (unsigned)m % 100u,
	    (unsigned)tm.tm_mday % 100u);
	snprintf(out->month, sizeof(out->month), "%04u-%02u-01",
	    (unsigned)y % 10000u, (unsigned)m % 100u);
	out->day_end = now - (int64_t)tm.tm_hour * 3600 -
	    (int64_t)tm.tm_min * 60 - tm.tm_sec + 86400;
	/* The next month's first day: days since the epoch by the civil
	 * calendar (Howard Hinnant's days_from_civil). */
	if (++m > 12) {
		m = 1;
		y++;
	}
	{
		int64_t	 yy = m <= 2 ? y - 1 : y;
		int64_t	 era = (yy >= 0 ? yy : yy - 399) / 400;
		int64_t	 yoe = yy - era * 400;
		int64_t	 doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5;
		int64_t	 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

		out->month_end = (era * 146097 + doe - 719468) * 86400;
	}
	if (known)
		last = *out;
}

enum jta_err
jta_store_usage_count(struct jta_store *st, int64_t user_id,
    const char *site, int64_t now, int creates, int updates,
    struct jta_error *err)
{
	struct jta_store_period p;
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->usage_count(pg, user_id, site, now, creates,
		    updates, err);
	jta_store_usage_period(now, &p);
	if ((ret = jta_db_usage_attach(st, err)) != JTA_OK)
		return ret;
	/* A deferred BEGIN: the first upsert takes the usage file's write
	 * lock (and reads usage_seen under it); BEGIN IMMEDIATE would take
	 * the main file's too. */
	if ((ret = jta_db_begin_deferred(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_USAGE_DAILY)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":day", p.day)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":site", site)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":cr", creates != 0)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":up", updates != 0)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":gap", JTA_STORE_CONVERSATION_GAP)) !=
	    SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "usage count", err);
		goto out;
	}
	if ((s = stmt(st, S_USAGE_SEEN)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "usage seen", err);
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

/* Whether the rows of a fold keep jta_store_usage_fold's rules. */
static int
foldrowsok(const struct jta_store_usage_row *rows, size_t n)
{
	struct jta_store_period a, b;
	size_t		 i;

	for (i = 0; i < n; i++) {
		const struct jta_store_usage_row *r = &rows[i];

		if (r->calls < 1 || r->creates < 0 || r->updates < 0 ||
		    r->convs < 0 || r->creates > r->calls ||
		    r->updates > r->calls || r->convs > r->calls ||
		    r->last < r->first || r->first < 0 ||
		    memchr(r->site, '\0', sizeof(r->site)) == NULL ||
		    r->site[0] == '\0')
			return 0;
		jta_store_usage_period(r->first, &a);
		jta_store_usage_period(r->last, &b);
		if (strcmp(a.day, b.day) != 0)
			return 0;
	}
	return 1;
}

enum jta_err
jta_store_usage_fold_check(const char *owner, int64_t batch,
    const struct jta_store_usage_row *rows, size_t n, struct jta_error *err)
{
	size_t		 i, len = strlen(owner);

	if (len == 0 || len > JTA_LIMIT_USAGE_OWNER)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "owner",
		    "a counting file's name is 1 to %d characters",
		    JTA_LIMIT_USAGE_OWNER);
	for (i = 0; i < len; i++)
		if ((unsigned char)owner[i] <= 0x20 ||
		    (unsigned char)owner[i] >= 0x7f)
			return jta_error_set(err, JTA_ERR_INPUT, 422, "owner",
			    "a counting file's name is printable");
	if (batch < 1 || !foldrowsok(rows, n))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "rows",
		    "a batch of usage breaks the rules of a fold");
	return JTA_OK;
}

enum jta_err
jta_store_usage_fold(struct jta_store *st, const char *owner, int64_t batch,
    const struct jta_store_usage_row *rows, size_t n, int *applied,
    struct jta_error *err)
{
	struct jta_store_period p;
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	size_t		 i;
	int		 rc;

	*applied = 0;
	if ((ret = jta_store_usage_fold_check(owner, batch, rows, n, err)) !=
	    JTA_OK)
		return ret;
	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->usage_fold(pg, owner, batch, rows, n, applied,
		    err);
	if ((ret = jta_db_usage_attach(st, err)) != JTA_OK)
		return ret;
	/* A deferred BEGIN, as jta_store_usage_count: the mark's write
	 * takes the usage file's lock first. */
	if ((ret = jta_db_begin_deferred(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_FOLD_MARK)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_btext(s, ":owner", owner)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":batch", batch)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "usage fold mark", err);
		goto out;
	}
	if (jta_db_changes(st) == 0) {
		/* Folded already: nothing to do but end the transaction. */
		ret = jta_db_commit(st, err);
		goto out;
	}
	for (i = 0; i < n; i++) {
		jta_store_usage_period(rows[i].first, &p);
		if ((s = stmt(st, S_FOLD_DAILY)) == NULL) {
			ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
			goto out;
		}
		if ((rc = jta_db_bint(s, ":uid", rows[i].user_id)) !=
		    SQLITE_OK ||
		    (rc = jta_db_btext(s, ":day", p.day)) != SQLITE_OK ||
		    (rc = jta_db_btext(s, ":site", rows[i].site)) !=
		    SQLITE_OK ||
		    (rc = jta_db_bint(s, ":calls", rows[i].calls)) !=
		    SQLITE_OK ||
		    (rc = jta_db_bint(s, ":cr", rows[i].creates)) !=
		    SQLITE_OK ||
		    (rc = jta_db_bint(s, ":up", rows[i].updates)) !=
		    SQLITE_OK ||
		    (rc = jta_db_bint(s, ":convs", rows[i].convs)) !=
		    SQLITE_OK ||
		    (rc = jta_db_bint(s, ":first", rows[i].first)) !=
		    SQLITE_OK ||
		    (rc = jta_db_bint(s, ":gap", JTA_STORE_CONVERSATION_GAP)) !=
		    SQLITE_OK ||
		    (rc = jta_db_run(s)) != SQLITE_OK) {
			ret = jta_db_err(st, rc, "usage fold", err);
			goto out;
		}
		if ((s = stmt(st, S_USAGE_SEEN)) == NULL) {
			ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
			goto out;
		}
		if ((rc = jta_db_bint(s, ":uid", rows[i].user_id)) !=
		    SQLITE_OK ||
		    (rc = jta_db_bint(s, ":now", rows[i].last)) != SQLITE_OK ||
		    (rc = jta_db_run(s)) != SQLITE_OK) {
			ret = jta_db_err(st, rc, "usage seen", err);
			goto out;
		}
	}
	if ((ret = jta_db_commit(st, err)) == JTA_OK)
		*applied = 1;
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_store_usage_tokens(struct jta_store *st, int64_t user_id,
    const char *site, int64_t now, int64_t prompt, int64_t completion,
    struct jta_error *err)
{
	struct jta_store_period p;
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->usage_tokens(pg, user_id, site, now, prompt,
		    completion, err);
	if (prompt < 0 || completion < 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "tokens",
		    "a count of tokens is not negative");
	jta_store_usage_period(now, &p);
	if ((ret = jta_db_usage_attach(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_USAGE_TOKENS)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":day", p.day)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":site", site)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":pt", prompt)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":ct", completion)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "usage tokens", err);
	return JTA_OK;
}

enum jta_err
jta_store_usage_files(struct jta_store *st, int64_t user_id,
    const char *site, int64_t now, int64_t files, int64_t bytes,
    struct jta_error *err)
{
	struct jta_store_period p;
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->usage_files(pg, user_id, site, now, files, bytes,
		    err);
	if (files < 0 || bytes < 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "files",
		    "a count of files or bytes is not negative");
	jta_store_usage_period(now, &p);
	if ((ret = jta_db_usage_attach(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_USAGE_FILES)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":day", p.day)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":site", site)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":nf", files)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":nb", bytes)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "usage files", err);
	return JTA_OK;
}

static enum jta_err
quotarows(struct jta_store *st, sqlite3_stmt *s, struct jta_store_quota *q,
    size_t max, size_t *n, struct jta_error *err)
{
	struct jta_store_quota *r;
	int		 rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n >= max) {
			sqlite3_reset(s);
			return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
			    "more quotas than a worker reads");
		}
		r = &q[(*n)++];
		snprintf(r->scope, sizeof(r->scope), "%s", jta_db_col(s, 0));
		snprintf(r->subject, sizeof(r->subject), "%s",
		    jta_db_col(s, 1));
		snprintf(r->metric, sizeof(r->metric), "%s", jta_db_col(s, 2));
		snprintf(r->per, sizeof(r->per), "%s", jta_db_col(s, 3));
		r->limit = sqlite3_column_int64(s, 4);
		r->used = sqlite3_column_int64(s, 5);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? JTA_OK :
	    jta_db_err(st, rc, "quota read", err);
}

enum jta_err
jta_store_usage_quotas(struct jta_store *st, int64_t user_id,
    const char *name, const char *site, const struct jta_store_period *p,
    struct jta_store_quota *q, size_t max, size_t *n,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->usage_quotas(pg, user_id, name, site, p, q, max, n,
		    err);
	*n = 0;
	if ((ret = jta_db_usage_attach(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_QUOTA_PERSON)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":name", name)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":day", p->day)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":month", p->month)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((ret = quotarows(st, s, q, max, n, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_QUOTA_SITE)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":site", site)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":day", p->day)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":month", p->month)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	return quotarows(st, s, q, max, n, err);
}

enum jta_err
jta_store_usage_subject(struct jta_store *st, int64_t user_id, int64_t *gen,
    char *site_url, size_t sz, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	*gen = 0;
	if (sz > 0)
		site_url[0] = '\0';
	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->usage_subject(pg, user_id, gen, site_url, sz, err);
	if ((s = stmt(st, S_QUOTA_GEN)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":uid", user_id)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*gen = sqlite3_column_int64(s, 0);
		if (sqlite3_column_type(s, 1) != SQLITE_NULL && sz > 0)
			snprintf(site_url, sz, "%s", jta_db_col(s, 1));
		ret = JTA_OK;
	} else
		ret = jta_db_err(st, rc, "quota generation", err);
	sqlite3_reset(s);
	return ret;
}

enum jta_err
jta_store_quota_set(struct jta_store *st, const struct jta_store_quota *q,
    int64_t now, const char *by, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int64_t		 others = 0;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->quota_set(pg, q, now, by, err);
	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	/* Counted inside the write transaction: two operators adding at
	 * once cannot pass the bound together. */
	if ((s = stmt(st, S_QUOTA_COUNT)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_btext(s, ":scope", q->scope)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":subject", q->subject)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":metric", q->metric)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":per", q->per)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "bind", err);
		goto out;
	}
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		others = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW) {
		ret = jta_db_err(st, rc, "quota count", err);
		goto out;
	}
	if (others >= JTA_LIMIT_QUOTAS) {
		ret = jta_error_set(err, JTA_ERR_INPUT, 422, "quota",
		    "there are %d quotas already; remove one first",
		    JTA_LIMIT_QUOTAS);
		goto out;
	}
	if ((s = stmt(st, S_QUOTA_SET)) == NULL) {
		ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = jta_db_btext(s, ":scope", q->scope)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":subject", q->subject)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":metric", q->metric)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":per", q->per)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":lim", q->limit)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":by", by)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK) {
		ret = jta_db_err(st, rc, "quota set", err);
		goto out;
	}
	ret = jta_db_commit(st, err);
out:
	if (ret != JTA_OK)
		jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_store_quota_remove(struct jta_store *st, const char *scope,
    const char *subject, const char *metric, const char *per,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->quota_remove(pg, scope, subject, metric, per, err);
	if ((s = stmt(st, S_QUOTA_DEL)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":scope", scope)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":subject", subject)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":metric", metric)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":per", per)) != SQLITE_OK ||
	    (rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "quota remove", err);
	if (jta_db_changes(st) == 0)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "quota",
		    "there is no such quota (see 'quota list')");
	return JTA_OK;
}

enum jta_err
jta_store_quota_list(struct jta_store *st, json_t **out,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret = JTA_OK;
	sqlite3_stmt	*s;
	json_t		*arr = NULL, *o;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->quota_list(pg, out, err);
	*out = NULL;
	if ((s = stmt(st, S_QUOTA_LIST)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((arr = json_array()) == NULL) {
		ret = JTA_ERR_NOMEM;
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:s}",
		    "scope", jta_db_col(s, 0), "subject", jta_db_col(s, 1),
		    "metric", jta_db_col(s, 2), "per", jta_db_col(s, 3),
		    "limit", (json_int_t)sqlite3_column_int64(s, 4),
		    "created", jta_db_timejs(sqlite3_column_int64(s, 5)),
		    "created_by", jta_db_col(s, 6))) == NULL ||
		    json_array_append_new(arr, o) != 0) {
			ret = JTA_ERR_NOMEM;
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		ret = jta_db_err(st, rc, "quota list", err);
		goto out;
	}
	*out = arr;
	arr = NULL;
out:
	sqlite3_reset(s);
	json_decref(arr);
	return ret;
}

/* Rows of a usage statement (key, calls, creates, updates,
 * conversations, prompt_tokens, completion_tokens, files, file_bytes)
 * bound with :from
 * and :to (and :lim when lim > 0) into
 * a new array of objects whose key member is named keyname. */
static enum jta_err
usagerows(struct jta_store *st, enum sid id, const char *keyname,
    const char *from, const char *to, int64_t lim, json_t **out,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret = JTA_OK;
	sqlite3_stmt	*s;
	json_t		*arr = NULL, *o;
	size_t		 n = 0;
	int		 rc;

	/* PostgreSQL answers the same rows by their kind. */
	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->usage_rows(pg, id == S_USAGE_BY_PERSON ? "person" :
		    id == S_USAGE_BY_DAY ? "day" : id == S_USAGE_BY_SITE ?
		    "site" : id == S_USAGE_TOP ? "top" : "total", keyname,
		    from, to, lim, out, err);
	*out = NULL;
	if ((ret = jta_db_usage_attach(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, id)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":from", from)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":to", to)) != SQLITE_OK ||
	    (lim > 0 && (rc = jta_db_bint(s, ":lim", lim)) != SQLITE_OK))
		return jta_db_err(st, rc, "bind", err);
	if ((arr = json_array()) == NULL) {
		ret = JTA_ERR_NOMEM;
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (++n > JTA_LIMIT_USAGE_ROWS) {
			ret = jta_error_set(err, JTA_ERR_INPUT, 422, "from",
			    "more than %d rows; ask for fewer days",
			    JTA_LIMIT_USAGE_ROWS);
			goto out;
		}
		if ((o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
		    "s:I}",
		    keyname, jta_db_col(s, 0), "calls",
		    (json_int_t)sqlite3_column_int64(s, 1), "creates",
		    (json_int_t)sqlite3_column_int64(s, 2), "updates",
		    (json_int_t)sqlite3_column_int64(s, 3), "conversations",
		    (json_int_t)sqlite3_column_int64(s, 4), "prompt_tokens",
		    (json_int_t)sqlite3_column_int64(s, 5),
		    "completion_tokens",
		    (json_int_t)sqlite3_column_int64(s, 6), "files",
		    (json_int_t)sqlite3_column_int64(s, 7), "file_bytes",
		    (json_int_t)sqlite3_column_int64(s, 8))) == NULL ||
		    json_array_append_new(arr, o) != 0) {
			ret = JTA_ERR_NOMEM;
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		ret = jta_db_err(st, rc, "usage read", err);
		goto out;
	}
	*out = arr;
	arr = NULL;
out:
	sqlite3_reset(s);
	json_decref(arr);
	return ret;
}

enum jta_err
jta_store_usage_report(struct jta_store *st, const char *by,
    const char *from, const char *to, json_t **out, struct jta_error *err)
{
	if (strcmp(by, "person") == 0)
		return usagerows(st, S_USAGE_BY_PERSON, "person", from, to, 0,
		    out, err);
	if (strcmp(by, "day") == 0)
		return usagerows(st, S_USAGE_BY_DAY, "day", from, to, 0, out,
		    err);
	if (strcmp(by, "site") == 0)
		return usagerows(st, S_USAGE_BY_SITE, "site", from, to, 0, out,
		    err);
	*out = NULL;
	return jta_error_set(err, JTA_ERR_INPUT, 400, "by",
	    "by is one of person, day, site");
}

const char *
jta_store_usage_level(int64_t percent)
{
	if (percent >= 100)
		return "over";
	if (percent >= 90)
		return "high";
	if (percent >= 70)
		return "warn";
	return "ok";
}

/* Append one quota line of the summary. */
static int
sumquota(json_t *arr, const char *scope, const char *subject,
    const char *metric, const char *per, int64_t limit, int64_t used,
    int64_t resets)
{
	int64_t	 pct;
	json_t	*o;

	pct = limit > 0 ? (used >= INT64_MAX / 100 ? INT64_MAX / limit :
	    used * 100 / limit) : 100;
	if ((o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:o}",
	    "scope", scope, "subject", subject, "metric", metric, "per", per,
	    "limit", (json_int_t)limit, "used", (json_int_t)used, "percent",
	    (json_int_t)pct, "level", jta_store_usage_level(pct), "resets",
	    jta_db_timejs(resets))) == NULL)
		return -1;
	return json_array_append_new(arr, o);
}

/* The metric's count in a usage row (0 when the row is NULL). */
static int64_t
metricof(const json_t *row, const char *metric)
{
	return row == NULL ? 0 :
	    (int64_t)json_integer_value(json_object_get(row, metric));
}

/* The row of rows whose member key is value, or NULL. */
static const json_t *
rowof(const json_t *rows, const char *key, const char *value)
{
	const json_t	*r;
	size_t		 i;

	json_array_foreach(rows, i, r)
		if (strcmp(json_string_value(json_object_get(r, key)) ?
		    json_string_value(json_object_get(r, key)) : "",
		    value) == 0)
			return r;
	return NULL;
}

enum jta_err
jta_store_usage_summary(struct jta_store *st, int64_t now, json_t **out)
{
	struct jta_store_period p;
	struct jta_error err;
	enum jta_err	 ret;
	json_t		*o = NULL, *quotas = NULL, *rows[2][2] = { { NULL } };
	json_t		*top = NULL, *tot[2] = { NULL, NULL }, *q, *r;
	const char	*scope, *subject, *metric, *per, *key;
	size_t		 i, j;
	int		 m, sc;

	*out = NULL;
	memset(&err, 0, sizeof(err));
	jta_store_usage_period(now, &p);
	/* rows[day=0|month=1][person=0|site=1] */
	for (m = 0; m < 2; m++) {
		if ((ret = usagerows(st, S_USAGE_BY_PERSON, "person",
		    m ? p.month : p.day, p.day, 0, &rows[m][0], &err)) !=
		    JTA_OK ||
		    (ret = usagerows(st, S_USAGE_BY_SITE, "site",
		    m ? p.month : p.day, p.day, 0, &rows[m][1], &err)) !=
		    JTA_OK ||
		    (ret = usagerows(st, S_USAGE_TOTAL, "total",
		    m ? p.month : p.day, p.day, 0, &tot[m], &err)) != JTA_OK)
			goto out;
	}
	if ((ret = usagerows(st, S_USAGE_TOP, "user", p.day, p.day, 10, &top,
	    &err)) != JTA_OK ||
	    (ret = jta_store_quota_list(st, &quotas, &err)) != JTA_OK)
		goto out;
	if ((o = json_pack("{s:{s:s, s:s}, s:[], s:O}", "period", "day",
	    p.day, "month", p.month, "quotas", "top_users", top)) == NULL) {
		ret = JTA_ERR_NOMEM;
		goto out;
	}
	ret = JTA_ERR_NOMEM;
	json_array_foreach(quotas, i, q) {
		scope = json_string_value(json_object_get(q, "scope"));
		subject = json_string_value(json_object_get(q, "subject"));
		metric = json_string_value(json_object_get(q, "metric"));
		per = json_string_value(json_object_get(q, "per"));
		if (scope == NULL || subject == NULL || metric == NULL ||
		    per == NULL)
			goto out;
		m = strcmp(per, "month") == 0;
		sc = strcmp(scope, "site") == 0;
		key = sc ? "site" : "person";
		if (strcmp(subject, "*") != 0) {
			if (sumquota(json_object_get(o, "quotas"), scope,
			    subject, metric, per, (int64_t)json_integer_value(
			    json_object_get(q, "limit")), metricof(rowof(
			    rows[m][sc], key, subject), metric),
			    m ? p.month_end : p.day_end) != 0)
				goto out;
			continue;
		}
		/* A default: everyone with usage and no quota of their
		 * own of this metric and period. */
		json_array_foreach(rows[m][sc], j, r) {
			const char	*who = json_string_value(
			    json_object_get(r, key));
			const json_t	*q2;
			size_t		 k;
			int		 own = 0;

			if (who == NULL)
				goto out;
			json_array_foreach(quotas, k, q2)
				if (strcmp(json_string_value(json_object_get(
				    q2, "scope")), scope) == 0 && strcmp(
				    json_string_value(json_object_get(q2,
				    "subject")), who) == 0 && strcmp(
				    json_string_value(json_object_get(q2,
				    "metric")), metric) == 0 && strcmp(
				    json_string_value(json_object_get(q2,
				    "per")), per) == 0)
					own = 1;
			if (!own && sumquota(json_object_get(o, "quotas"),
			    scope, who, metric, per, (int64_t)
			    json_integer_value(json_object_get(q, "limit")),
			    metricof(r, metric), m ? p.month_end :
			    p.day_end) != 0)
				goto out;
		}
	}
	for (m = 0; m < 2; m++) {
		r = json_array_get(tot[m], 0);
		if (r == NULL || json_object_del(r, "total") != 0)
			goto out;
	}
	if (json_object_set_new(o, "totals", json_pack("{s:O, s:O}", "day",
	    json_array_get(tot[0], 0), "month", json_array_get(tot[1], 0))) !=
	    0)
		goto out;
	*out = o;
	o = NULL;
	ret = JTA_OK;
out:
	for (m = 0; m < 2; m++) {
		json_decref(rows[m][0]);
		json_decref(rows[m][1]);
		json_decref(tot[m]);
	}
	json_decref(top);
	json_decref(quotas);
	json_decref(o);
	return ret;
}

enum jta_err
jta_store_usage_connection(struct jta_store *st, int busy_timeout_ms)
{
	const struct jta_db_pgimpl *pgi;

	/* PostgreSQL: counts are rows of the shared database, no file of
	 * their own; nothing to set up. */
	if (jta_db_pg(st, &pgi) != NULL)
		return JTA_OK;
	return jta_db_usage_connection(st, busy_timeout_ms);
}
