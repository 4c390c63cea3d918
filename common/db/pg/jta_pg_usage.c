/*
 * Usage counts and quotas on PostgreSQL (jta_store_usage.h; the SQLite
 * side is common/db/jta_store_usage.c).
 *
 * Across hosts: every count is ONE statement, an INSERT ... ON CONFLICT
 * DO UPDATE on one row per key and period (PostgreSQL manual, "INSERT",
 * "ON CONFLICT Clause": the insert or the update happens atomically,
 * under the row's lock, never a unique violation), so hosts counting the
 * same person, day and site at once each add their count to the latest
 * committed row: no count is lost (usage_8_hosts_count_every_call, both
 * engines; a SELECT then INSERT or UPDATE in its place lost counts, see
 * the commit that added it).  A call's conversation flag comes from the
 * same statement: its first part upserts the person's usage_seen row
 * and RETURNs the last_seen it replaced (prev_seen, set from the locked
 * row's own value), so two hosts counting one person at once see each
 * other's calls in turn and a conversation starts once (a SELECT of
 * usage_seen first, then the upserts, counted 2 conversations in two
 * runs of three of the same case).
 *
 * Quotas are read at every request, one statement for the person's and
 * the site's together with what each has used, so a change applies at
 * the next request on every host.  A quota check and the count after
 * the handler are two statements: requests of one person that pass the
 * check at once on several hosts (or workers) are all served and all
 * counted, so a burst can overshoot a limit by at most the requests in
 * flight at once, minus one, across every host
 * (usage_8_hosts_quota_overshoot_bounded: 8 processes checking then
 * counting against a limit of 20 end at 20 to 27).  Setting a quota
 * counts the others under a transaction-level advisory lock, so two
 * operators on two hosts cannot pass JTA_LIMIT_QUOTAS together.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_db_engine.h"
#include "jta_limits.h"
#include "jta_pg_int.h"
#include "jta_pg_usage.h"
#include "jta_store_usage.h"

/* The advisory lock key of quota writes ("jta" + 21). */
#define QUOTA_LOCK	"1786012021"

/* Column c of row i as an int64 (the server's decimal text). */
static int64_t
i64(const PGresult *r, int i, int c)
{
	return (int64_t)strtoll(PQgetvalue(r, i, c), NULL, 10);
}

/* One statement with n parameters and no rows wanted. */
static enum jta_err
run(struct jta_pg *pg, const char *sql, int n, const char *const *v,
    const char *what, struct jta_error *err)
{
	jta_pg_revive(pg);
	return jta_pg_run(pg, sql, n, v, PGRES_COMMAND_OK, what, NULL, err);
}

enum jta_err
jta_pg_usage_count(struct jta_pg *pg, int64_t user_id, const char *site,
    int64_t now, int creates, int updates, struct jta_error *err)
{
	struct jta_store_period p;
	char		 uid[24], t[24], gap[24];
	const char	*v[7];

	jta_store_usage_period(now, &p);
	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	snprintf(t, sizeof(t), "%" PRId64, now);
	snprintf(gap, sizeof(gap), "%d", JTA_STORE_CONVERSATION_GAP);
	v[0] = uid;
	v[1] = t;
	v[2] = p.day;
	v[3] = site;
	v[4] = creates ? "1" : "0";
	v[5] = updates ? "1" : "0";
	v[6] = gap;
	/* One statement, one implicit transaction: the person's seen row
	 * (locked by its upsert, so hosts counting one person queue on
	 * it), then the day's row; both upserts, in that order on every
	 * host (no deadlock). */
	return run(pg, "WITH s AS (INSERT INTO usage_seen AS u (user_id, "
	    "last_seen, prev_seen) VALUES ($1::bigint, $2::bigint, NULL) "
	    "ON CONFLICT (user_id) DO UPDATE SET prev_seen = u.last_seen, "
	    "last_seen = greatest(u.last_seen, EXCLUDED.last_seen) "
	    "RETURNING prev_seen) "
	    "INSERT INTO usage_daily AS d (user_id, day, site, calls, "
	    "creates, updates, conversations) SELECT $1::bigint, $3, $4, 1, "
	    "$5::bigint, $6::bigint, CASE WHEN s.prev_seen IS NULL OR "
	    "s.prev_seen <= $2::bigint - $7::bigint THEN 1 ELSE 0 END "
	    "FROM s ON CONFLICT (user_id, day, site) DO UPDATE SET "
	    "calls = d.calls + 1, creates = d.creates + EXCLUDED.creates, "
	    "updates = d.updates + EXCLUDED.updates, "
	    "conversations = d.conversations + EXCLUDED.conversations", 7, v,
	    "usage count", err);
}

enum jta_err
jta_pg_usage_fold(struct jta_pg *pg, const char *owner, int64_t batch,
    const struct jta_store_usage_row *rows, size_t n, int *applied,
    struct jta_error *err)
{
	struct jta_store_period p;
	enum jta_err	 rc;
	PGresult	*r = NULL;
	char		 b[24], uid[24], first[24], last[24], calls[24], cr[24],
			 up[24], cv[24], gap[24];
	const char	*v[10];
	size_t		 i;
	int		 marked;

	*applied = 0;
	snprintf(b, sizeof(b), "%" PRId64, batch);
	snprintf(gap, sizeof(gap), "%d", JTA_STORE_CONVERSATION_GAP);
	if ((rc = jta_pg_begin(pg, err)) != JTA_OK)
		return rc;
	/* The mark first: under its row's lock, a batch folded already
	 * (by a worker that died before its file was told, and then its
	 * next owner) returns no row and changes nothing. */
	v[0] = owner;
	v[1] = b;
	if ((rc = jta_pg_run(pg, "INSERT INTO usage_folds AS f (owner, batch) "
	    "VALUES ($1, $2::bigint) ON CONFLICT (owner) DO UPDATE SET "
	    "batch = EXCLUDED.batch WHERE f.batch < EXCLUDED.batch "
	    "RETURNING f.batch", 2, v, PGRES_TUPLES_OK, "usage fold mark", &r,
	    err)) != JTA_OK)
		goto out;
	marked = PQntuples(r) == 1;
	PQclear(r);
	r = NULL;
	for (i = 0; marked && i < n; i++) {
		jta_store_usage_period(rows[i].first, &p);
		snprintf(uid, sizeof(uid), "%" PRId64, rows[i].user_id);
		snprintf(first, sizeof(first), "%" PRId64, rows[i].first);
		snprintf(last, sizeof(last), "%" PRId64, rows[i].last);
		snprintf(calls, sizeof(calls), "%" PRId64, rows[i].calls);
		snprintf(cr, sizeof(cr), "%" PRId64, rows[i].creates);
		snprintf(up, sizeof(up), "%" PRId64, rows[i].updates);
		snprintf(cv, sizeof(cv), "%" PRId64, rows[i].convs);
		v[0] = uid;
		v[1] = last;
		v[2] = p.day;
		v[3] = rows[i].site;
		v[4] = calls;
		v[5] = cr;
		v[6] = up;
		v[7] = cv;
		v[8] = first;
		v[9] = gap;
		/* As jta_pg_usage_count, for a row of calls: the seen row
		 * moves to the row's last call and returns the one before,
		 * which decides the conversation of the row's first. */
		if ((rc = run(pg, "WITH s AS (INSERT INTO usage_seen AS u "
		    "(user_id, last_seen, prev_seen) VALUES ($1::bigint, "
		    "$2::bigint, NULL) ON CONFLICT (user_id) DO UPDATE SET "
		    "prev_seen = u.last_seen, last_seen = "
		    "greatest(u.last_seen, EXCLUDED.last_seen) "
		    "RETURNING prev_seen) "
		    "INSERT INTO usage_daily AS d (user_id, day, site, calls, "
		    "creates, updates, conversations) SELECT $1::bigint, $3, "
		    "$4, $5::bigint, $6::bigint, $7::bigint, $8::bigint + "
		    "CASE WHEN s.prev_seen IS NULL OR s.prev_seen <= "
		    "$9::bigint - $10::bigint THEN 1 ELSE 0 END FROM s "
		    "ON CONFLICT (user_id, day, site) DO UPDATE SET "
		    "calls = d.calls + EXCLUDED.calls, "
		    "creates = d.creates + EXCLUDED.creates, "
		    "updates = d.updates + EXCLUDED.updates, "
		    "conversations = d.conversations + EXCLUDED.conversations",
		    10, v, "usage fold", err)) != JTA_OK)
			goto out;
	}
	if ((rc = jta_pg_commit(pg, err)) == JTA_OK)
		*applied = marked;
out:
	PQclear(r);
	if (rc != JTA_OK)
		jta_pg_rollback(pg);
	return rc;
}

/* Add a and b to columns ca and cb of user_id's row of now's day on
 * site (the tokens, the files): one upsert. */
static enum jta_err
addpair(struct jta_pg *pg, const char *sql, int64_t user_id,
    const char *site, int64_t now, int64_t a, int64_t b, const char *what,
    struct jta_error *err)
{
	struct jta_store_period p;
	char		 uid[24], na[24], nb[24];
	const char	*v[5];

	jta_store_usage_period(now, &p);
	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	snprintf(na, sizeof(na), "%" PRId64, a);
	snprintf(nb, sizeof(nb), "%" PRId64, b);
	v[0] = uid;
	v[1] = p.day;
	v[2] = site;
	v[3] = na;
	v[4] = nb;
	return run(pg, sql, 5, v, what, err);
}

enum jta_err
jta_pg_usage_tokens(struct jta_pg *pg, int64_t user_id, const char *site,
    int64_t now, int64_t prompt, int64_t completion, struct jta_error *err)
{
	if (prompt < 0 || completion < 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "tokens",
		    "a count of tokens is not negative");
	return addpair(pg, "INSERT INTO usage_daily AS d (user_id, day, site, "
	    "prompt_tokens, completion_tokens) VALUES ($1::bigint, $2, $3, "
	    "$4::bigint, $5::bigint) ON CONFLICT (user_id, day, site) DO "
	    "UPDATE SET prompt_tokens = d.prompt_tokens + "
	    "EXCLUDED.prompt_tokens, completion_tokens = "
	    "d.completion_tokens + EXCLUDED.completion_tokens", user_id, site,
	    now, prompt, completion, "usage tokens", err);
}

enum jta_err
jta_pg_usage_files(struct jta_pg *pg, int64_t user_id, const char *site,
    int64_t now, int64_t files, int64_t bytes, struct jta_error *err)
{
	if (files < 0 || bytes < 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "files",
		    "a count of files or bytes is not negative");
	return addpair(pg, "INSERT INTO usage_daily AS d (user_id, day, site, "
	    "files, file_bytes) VALUES ($1::bigint, $2, $3, $4::bigint, "
	    "$5::bigint) ON CONFLICT (user_id, day, site) DO UPDATE SET "
	    "files = d.files + EXCLUDED.files, file_bytes = d.file_bytes + "
	    "EXCLUDED.file_bytes", user_id, site, now, files, bytes,
	    "usage files", err);
}

/* What quota q has used: the sum of its metric over the rows of who
 * ($1 the user, or $3 the site) from its period's first day to today. */
#define QUOTA_USED(who) \
	"(SELECT coalesce(sum(CASE q.metric WHEN 'calls' THEN d.calls " \
	"WHEN 'creates' THEN d.creates WHEN 'updates' THEN d.updates " \
	"WHEN 'prompt_tokens' THEN d.prompt_tokens " \
	"WHEN 'completion_tokens' THEN d.completion_tokens " \
	"WHEN 'files' THEN d.files WHEN 'file_bytes' THEN d.file_bytes " \
	"ELSE d.conversations END), 0) FROM usage_daily d WHERE " who \
	" AND d.day >= (CASE q.per WHEN 'day' THEN $4 ELSE $5 END) " \
	"AND d.day <= $4)"
/* The quotas of scope for subj: its own, and the default ("*") where it
 * has none of the same metric and period. */
#define QUOTA_MINE(scope, subj) \
	"q.scope = '" scope "' AND (q.subject = " subj " OR (q.subject = " \
	"'*' AND NOT EXISTS (SELECT 1 FROM quotas o WHERE o.scope = '" \
	scope "' AND o.subject = " subj " AND o.metric = q.metric AND " \
	"o.per = q.per)))"

enum jta_err
jta_pg_usage_quotas(struct jta_pg *pg, int64_t user_id, const char *name,
    const char *site, const struct jta_store_period *p,
    struct jta_store_quota *q, size_t max, size_t *n, struct jta_error *err)
{
	struct jta_store_quota *o;
	enum jta_err	 rc;
	PGresult	*r = NULL;
	char		 uid[24];
	const char	*v[5];
	int		 i, rows;

	*n = 0;
	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	v[0] = uid;
	v[1] = name;
	v[2] = site;
	v[3] = p->day;
	v[4] = p->month;
	/* The person's quotas, then the site's, each by id: one round
	 * trip per request. */
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "SELECT 0 AS k, q.id, q.scope, q.subject, "
	    "q.metric, q.per, q.lim, " QUOTA_USED("d.user_id = $1::bigint")
	    " FROM quotas q WHERE " QUOTA_MINE("person", "$2") " UNION ALL "
	    "SELECT 1, q.id, q.scope, q.subject, q.metric, q.per, q.lim, "
	    QUOTA_USED("d.site = $3") " FROM quotas q WHERE "
	    QUOTA_MINE("site", "$3") " ORDER BY 1, 2", 5, v, PGRES_TUPLES_OK,
	    "quota read", &r, err)) != JTA_OK)
		return rc;
	rows = PQntuples(r);
	if (rows < 0 || (size_t)rows > max) {
		PQclear(r);
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "more quotas than a worker reads");
	}
	for (i = 0; i < rows; i++) {
		o = &q[i];
		memset(o, 0, sizeof(*o));
		snprintf(o->scope, sizeof(o->scope), "%s", PQgetvalue(r, i, 2));
		snprintf(o->subject, sizeof(o->subject), "%s",
		    PQgetvalue(r, i, 3));
		snprintf(o->metric, sizeof(o->metric), "%s",
		    PQgetvalue(r, i, 4));
		snprintf(o->per, sizeof(o->per), "%s", PQgetvalue(r, i, 5));
		o->limit = i64(r, i, 6);
		o->used = i64(r, i, 7);
	}
	*n = (size_t)rows;
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_quota_set(struct jta_pg *pg, const struct jta_store_quota *q,
    int64_t now, const char *by, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	char		 lim[24], t[24];
	const char	*v[7];
	int64_t		 others;

	snprintf(lim, sizeof(lim), "%" PRId64, q->limit);
	snprintf(t, sizeof(t), "%" PRId64, now);
	v[0] = q->scope;
	v[1] = q->subject;
	v[2] = q->metric;
	v[3] = q->per;
	v[4] = lim;
	v[5] = t;
	v[6] = by;
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "BEGIN", 0, NULL, PGRES_COMMAND_OK, "begin",
	    NULL, err)) != JTA_OK)
		return rc;
	/* Counted under the lock, in a statement after it: quota writers
	 * of every host one after the other, as BEGIN IMMEDIATE does. */
	if ((rc = jta_pg_run(pg, "SELECT pg_advisory_xact_lock(" QUOTA_LOCK
	    ")", 0, NULL, PGRES_TUPLES_OK, "quota lock", NULL, err)) !=
	    JTA_OK ||
	    (rc = jta_pg_run(pg, "SELECT count(*) FROM quotas WHERE NOT "
	    "(scope = $1 AND subject = $2 AND metric = $3 AND per = $4)", 4,
	    v, PGRES_TUPLES_OK, "quota count", &r, err)) != JTA_OK)
		goto out;
	others = i64(r, 0, 0);
	PQclear(r);
	r = NULL;
	if (others >= JTA_LIMIT_QUOTAS) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, "quota",
		    "there are %d quotas already; remove one first",
		    JTA_LIMIT_QUOTAS);
		goto out;
	}
	if ((rc = jta_pg_run(pg, "INSERT INTO quotas (scope, subject, metric, "
	    "per, lim, created, created_by) VALUES ($1, $2, $3, $4, "
	    "$5::bigint, $6::bigint, $7) ON CONFLICT (scope, subject, metric, "
	    "per) DO UPDATE SET lim = EXCLUDED.lim, created = "
	    "EXCLUDED.created, created_by = EXCLUDED.created_by", 7, v,
	    PGRES_COMMAND_OK, "quota set", NULL, err)) != JTA_OK)
		goto out;
	rc = jta_pg_run(pg, "COMMIT", 0, NULL, PGRES_COMMAND_OK, "commit",
	    NULL, err);
out:
	PQclear(r);
	if (PQtransactionStatus(pg->c) != PQTRANS_IDLE)
		PQclear(PQexec(pg->c, "ROLLBACK"));
	return rc;
}

/* One statement: the generation the trigger of step 15 bumps with every
 * write of quotas on any host, and the person's link.  It is the first
 * read of a request's quota check: when the connection turns out to
 * have been lost (the server restarted) and no transaction was open, it
 * runs once more on a new one, as the people repository's reads do. */
enum jta_err
jta_pg_usage_subject(struct jta_pg *pg, int64_t user_id, int64_t *gen,
    char *site_url, size_t sz, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	static const char sql[] = "SELECT (SELECT generation FROM "
	    "quota_settings WHERE id = 1), (SELECT site_url FROM "
	    "atlassian_links WHERE user_id = $1::bigint)";
	const char	*v[1];
	char		 uid[24];
	int		 idle;

	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	v[0] = uid;
	jta_pg_revive(pg);
	idle = PQtransactionStatus(pg->c) == PQTRANS_IDLE;
	rc = jta_pg_run(pg, sql, 1, v, PGRES_TUPLES_OK, "quota generation",
	    &r, err);
	if (rc != JTA_OK && idle && PQstatus(pg->c) != CONNECTION_OK) {
		jta_pg_revive(pg);
		rc = jta_pg_run(pg, sql, 1, v, PGRES_TUPLES_OK,
		    "quota generation", &r, err);
	}
	if (rc != JTA_OK)
		return rc;
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0)) {
		PQclear(r);
		return jta_error_set(err, JTA_ERR_DB, 500, NULL,
		    "the database has no quota generation");
	}
	*gen = i64(r, 0, 0);
	if (!PQgetisnull(r, 0, 1) && sz > 0)
		snprintf(site_url, sz, "%s", PQgetvalue(r, 0, 1));
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_quota_remove(struct jta_pg *pg, const char *scope,
    const char *subject, const char *metric, const char *per,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[4];
	int		 none;

	v[0] = scope;
	v[1] = subject;
	v[2] = metric;
	v[3] = per;
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "DELETE FROM quotas WHERE scope = $1 AND "
	    "subject = $2 AND metric = $3 AND ($4::text IS NULL OR per = $4)",
	    4, v, PGRES_COMMAND_OK, "quota remove", &r, err)) != JTA_OK)
		return rc;
	none = strcmp(PQcmdTuples(r), "0") == 0;
	PQclear(r);
	if (none)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "quota",
		    "there is no such quota (see 'quota list')");
	return JTA_OK;
}

enum jta_err
jta_pg_quota_list(struct jta_pg *pg, json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	json_t		*arr = NULL, *o;
	int		 i, n;

	*out = NULL;
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "SELECT scope, subject, metric, per, lim, "
	    "created, created_by FROM quotas ORDER BY scope, subject = '*' "
	    "DESC, subject, metric, per", 0, NULL, PGRES_TUPLES_OK,
	    "quota list", &r, err)) != JTA_OK)
		return rc;
	n = PQntuples(r);
	if ((arr = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < n; i++)
		if ((o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:s}",
		    "scope", PQgetvalue(r, i, 0), "subject",
		    PQgetvalue(r, i, 1), "metric", PQgetvalue(r, i, 2), "per",
		    PQgetvalue(r, i, 3), "limit", (json_int_t)i64(r, i, 4),
		    "created", jta_db_timejs(i64(r, i, 5)), "created_by",
		    PQgetvalue(r, i, 6))) == NULL ||
		    json_array_append_new(arr, o) != 0)
			goto nomem;
	PQclear(r);
	*out = arr;
	return JTA_OK;
nomem:
	PQclear(r);
	json_decref(arr);
	return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL, "out of memory");
}

#define USAGE_SUMS "sum(d.calls), sum(d.creates), sum(d.updates), " \
	"sum(d.conversations), sum(d.prompt_tokens), " \
	"sum(d.completion_tokens), sum(d.files), sum(d.file_bytes) "

enum jta_err
jta_pg_usage_rows(struct jta_pg *pg, const char *kind, const char *keyname,
    const char *from, const char *to, int64_t lim, json_t **out,
    struct jta_error *err)
{
	static const struct {
		const char	*kind, *sql;
	} q[] = {
		{ "person", "SELECT coalesce(u.name, '#' || d.user_id) "
		    "COLLATE \"C\", " USAGE_SUMS "FROM usage_daily d LEFT "
		    "JOIN users u ON u.id = d.user_id WHERE d.day >= $1 AND "
		    "d.day <= $2 GROUP BY d.user_id, u.name ORDER BY 1" },
		{ "day", "SELECT d.day, " USAGE_SUMS "FROM usage_daily d "
		    "WHERE d.day >= $1 AND d.day <= $2 GROUP BY d.day "
		    "ORDER BY 1" },
		{ "site", "SELECT d.site, " USAGE_SUMS "FROM usage_daily d "
		    "WHERE d.day >= $1 AND d.day <= $2 GROUP BY d.site "
		    "ORDER BY 1" },
		{ "top", "SELECT coalesce(u.name, '#' || d.user_id) "
		    "COLLATE \"C\", " USAGE_SUMS "FROM usage_daily d LEFT "
		    "JOIN users u ON u.id = d.user_id WHERE d.day >= $1 AND "
		    "d.day <= $2 GROUP BY d.user_id, u.name ORDER BY 2 DESC, 1 "
		    "LIMIT $3::bigint" },
		{ "total", "SELECT 'total', coalesce(sum(d.calls), 0), "
		    "coalesce(sum(d.creates), 0), coalesce(sum(d.updates), 0), "
		    "coalesce(sum(d.conversations), 0), "
		    "coalesce(sum(d.prompt_tokens), 0), "
		    "coalesce(sum(d.completion_tokens), 0), "
		    "coalesce(sum(d.files), 0), coalesce(sum(d.file_bytes), 0) "
		    "FROM usage_daily d WHERE d.day >= $1 AND d.day <= $2" },
	};
	static const char *const cols[] = { "calls", "creates", "updates",
	    "conversations", "prompt_tokens", "completion_tokens", "files",
	    "file_bytes" };
	enum jta_err	 rc;
	PGresult	*r = NULL;
	json_t		*arr = NULL, *o;
	const char	*v[3];
	char		 l[24];
	size_t		 k, c;
	int		 i, n;

	*out = NULL;
	for (k = 0; k < sizeof(q) / sizeof(q[0]); k++)
		if (strcmp(q[k].kind, kind) == 0)
			break;
	if (k == sizeof(q) / sizeof(q[0]))
		return jta_error_set(err, JTA_ERR_INPUT, 400, "by",
		    "by is one of person, day, site");
	snprintf(l, sizeof(l), "%" PRId64, lim);
	v[0] = from;
	v[1] = to;
	v[2] = l;
	jta_pg_revive(pg);
	/* One past the bound: more is refused, never cut. */
	if ((rc = jta_pg_run(pg, q[k].sql, strcmp(kind, "top") == 0 ? 3 : 2,
	    v, PGRES_TUPLES_OK, "usage read", &r, err)) != JTA_OK)
		return rc;
	n = PQntuples(r);
	if (n > JTA_LIMIT_USAGE_ROWS) {
		PQclear(r);
		return jta_error_set(err, JTA_ERR_INPUT, 422, "from",
		    "more than %d rows; ask for fewer days",
		    JTA_LIMIT_USAGE_ROWS);
	}
	if ((arr = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		if ((o = json_object()) == NULL ||
		    json_array_append_new(arr, o) != 0 ||
		    jta_db_oset(o, keyname, json_string(PQgetvalue(r, i, 0))) !=
		    0)
			goto nomem;
		for (c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
			if (jta_db_oset(o, cols[c], json_integer(
			    i64(r, i, (int)c + 1))) != 0)
				goto nomem;
	}
	PQclear(r);
	*out = arr;
	return JTA_OK;
nomem:
	PQclear(r);
	json_decref(arr);
	return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL, "out of memory");
}
