/*
 * The usage repository: calls counted per person, site and day, and the
 * quotas on them (jta_usage.h gives the meaning).  The counts live apart
 * from the main data (under SQLite a file of its own attached to the
 * counting connection, so counting does not empty the other connections'
 * caches); quotas live with the main data.
 *
 * Implemented by both engines: SQLite (jta_store_usage.c) and
 * PostgreSQL (pg/jta_pg_usage.c, the counts in the shared database, each
 * an upsert on one row per person, day and site); the contract cases
 * are tests/unit/store_cases_usage.h.  Every function here works on one
 * connection (struct jta_store, jta_db.h); "its own transaction" means the
 * function opens and commits a write transaction itself (BEGIN IMMEDIATE
 * under SQLite: writers queue, none fails half-way) and must not be called
 * inside another; "the caller's transaction" means the caller opened one
 * with jta_db_begin and commits or rolls back.  A read without either sees
 * one consistent snapshot per call.  Errors: JTA_ERR_DB (err->status 503
 * when the database is busy, else 500; the engine's own text only in the
 * log), and those named at each function.
 * Every function that writes does so in its own transaction.
 */
#ifndef JTA_JTA_STORE_USAGE_H
#define JTA_JTA_STORE_USAGE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_db.h"
#include "jta_err.h"
#include "jta_limits.h"
#include "jta_types.h"

/* ---- usage and quotas (schema 9; jta_usage.h gives the meaning) ----
 *
 * quotas (schema 9) holds the operators' limits.  The counts live in a
 * file of their own, DATABASE.usage (made 0600 and attached as "usage"
 * by the functions below when they first need it), so that counting
 * does not empty the page cache every connection keeps of the main
 * file: usage_daily holds one row per person, site and UTC day with the
 * calls, tickets created, tickets updated, conversations started and
 * the model's prompt and completion tokens (our own agent), and the
 * files kept with drafts and their bytes (issue 18) (columns added to an
 * older file when it is attached);
 * usage_seen each person's last counted call (a call 30 minutes or more
 * after it starts a conversation); usage_folds the last batch folded
 * from each counting file (jta_store_usage_fold).
 */

/* Seconds of silence after which a person's next call starts a new
 * conversation ("gaps under 30 minutes" belong to one). */
#define JTA_STORE_CONVERSATION_GAP	1800

/* The UTC day ("YYYY-MM-DD") and month's first day ("YYYY-MM-01") of
 * now, and when each period ends (Unix time of the next midnight and of
 * the next month's first midnight, UTC). */
struct jta_store_period {
	char	 day[16];
	char	 month[16];
	int64_t	 day_end;
	int64_t	 month_end;
};
void jta_store_usage_period(int64_t now, struct jta_store_period *out);

/* Make st the counting connection: attach DATABASE.usage with
 * synchronous = NORMAL (WAL: a commit survives a crash of the process; a
 * power loss may lose the commits since the last checkpoint), and a busy
 * handler that retries every 50 us (a count holds the write lock for
 * microseconds) and gives up after busy_timeout_ms. */
enum jta_err jta_store_usage_connection(struct jta_store *st,
    int busy_timeout_ms) JTA_WUR;

/* Count one call by user_id on site at now, with creates and updates
 * (0 or 1) and a conversation when the person's last counted call is
 * JTA_STORE_CONVERSATION_GAP seconds old or more (or none): one BEGIN
 * IMMEDIATE transaction, so concurrent workers lose no count. */
enum jta_err jta_store_usage_count(struct jta_store *st, int64_t user_id,
    const char *site, int64_t now, int creates, int updates,
    struct jta_error *err) JTA_WUR;

/*
 * Usage counted in batches (README "Usage counted in batches"): a worker
 * counts its calls in a mapped file of its own (jta_usage.c) and folds
 * them here, one row per person, site and UTC day.  first and last are
 * the times of the row's first and last call (the same UTC day: the
 * row's day is first's); calls >= 1, creates and updates 0..calls;
 * convs the conversations the worker saw start inside the row (a call
 * JTA_STORE_CONVERSATION_GAP seconds or more after the row's previous
 * one).
 */
struct jta_store_usage_row {
	int64_t	 user_id;
	char	 site[JTA_LIMIT_USAGE_SITE + 1];
	int64_t	 first;
	int64_t	 last;
	int64_t	 calls;
	int64_t	 creates;
	int64_t	 updates;
	int64_t	 convs;
};

/*
 * Fold batch number batch of the counting file named owner (1 to
 * JTA_LIMIT_USAGE_OWNER printable characters, else 422 naming "owner")
 * into the counts: in its own transaction, each row adds its calls,
 * creates and updates, its convs, and one conversation more when the
 * person's last counted call is JTA_STORE_CONVERSATION_GAP seconds or
 * more before the row's first (or there is none), then moves the
 * person's last call to the row's last, in the order given (the caller
 * gives them by first: a row of another worker folded later sees this
 * one's calls).  The store keeps owner's last batch folded: a batch not
 * above it changes nothing (*applied 0: a fold that committed but whose
 * file was not told, say the worker died in between, is not counted
 * twice); else *applied is 1.  A row that breaks the rules above is 422
 * naming "rows" and nothing is folded.
 */
enum jta_err jta_store_usage_fold(struct jta_store *st, const char *owner,
    int64_t batch, const struct jta_store_usage_row *rows, size_t n,
    int *applied, struct jta_error *err) JTA_WUR;

/* The rules of jta_store_usage_fold's owner, batch and rows (both
 * engines check them first): JTA_OK, or 422 naming "owner" or "rows". */
enum jta_err jta_store_usage_fold_check(const char *owner, int64_t batch,
    const struct jta_store_usage_row *rows, size_t n,
    struct jta_error *err) JTA_WUR;

/* Add the model's tokens of one answer of our own agent (prompt and
 * completion, each >= 0, else 422 naming "tokens") to user_id's row of
 * the day of now on site: one statement (its own implicit transaction);
 * no call is counted. */
enum jta_err jta_store_usage_tokens(struct jta_store *st, int64_t user_id,
    const char *site, int64_t now, int64_t prompt, int64_t completion,
    struct jta_error *err) JTA_WUR;

/* Add files kept (files >= 0, bytes >= 0, else 422 naming "files") to
 * user_id's row of the day of now on site: one statement (its own
 * implicit transaction); no call is counted. */
enum jta_err jta_store_usage_files(struct jta_store *st, int64_t user_id,
    const char *site, int64_t now, int64_t files, int64_t bytes,
    struct jta_error *err) JTA_WUR;

/* struct jta_store_quota: jta_types.h. */

/* The quotas that cover user_id (named name) on site in the period of
 * p: a quota for the person or the site itself wins over the default
 * ("*") of the same scope, metric and per.  At most max into q, *n of
 * them. */
enum jta_err jta_store_usage_quotas(struct jta_store *st, int64_t user_id,
    const char *name, const char *site, const struct jta_store_period *p,
    struct jta_store_quota *q, size_t max, size_t *n,
    struct jta_error *err) JTA_WUR;

/*
 * The quota cache (issue 16, README "Usage and quotas"): in one read,
 * *gen the quotas' generation, which every write of the quotas table
 * bumps in the same transaction (triggers of schema 21, PostgreSQL 15:
 * set, remove, the import, any future writer), and site_url the URL of
 * user_id's Atlassian link ("" when there is none; at most sz bytes).
 * A worker keeps the quotas it read with a generation and reads them
 * again only when the generation moved.
 */
enum jta_err jta_store_usage_subject(struct jta_store *st, int64_t user_id,
    int64_t *gen, char *site_url, size_t sz, struct jta_error *err) JTA_WUR;

/* Set (insert or replace) a quota: scope "person" or "site", subject a
 * user name, site or "*" (the default), metric, per "day" or "month",
 * limit 0..JTA_LIMIT_QUOTA_MAX.  The words are validated by the caller
 * (jta_usage_quota_check); the table's CHECKs refuse others.  422 when
 * there are JTA_LIMIT_QUOTAS quotas already. */
enum jta_err jta_store_quota_set(struct jta_store *st,
    const struct jta_store_quota *q, int64_t now, const char *by,
    struct jta_error *err) JTA_WUR;

/* Remove the quota of scope, subject, metric and per (per NULL: both);
 * JTA_ERR_NOTFOUND (404) when there is none. */
enum jta_err jta_store_quota_remove(struct jta_store *st, const char *scope,
    const char *subject, const char *metric, const char *per,
    struct jta_error *err) JTA_WUR;

/* The quotas as a JSON array of {scope, subject, metric, per, limit,
 * created, created_by}, ordered by scope, subject, metric. */
enum jta_err jta_store_quota_list(struct jta_store *st, json_t **out,
    struct jta_error *err) JTA_WUR;

/* Usage from day from to day to (inclusive, "YYYY-MM-DD") grouped by
 * "person", "day" or "site": a JSON array of {person|day|site, calls,
 * creates, updates, conversations, prompt_tokens, completion_tokens,
 * files, file_bytes}
 * ordered by the key. */
enum jta_err jta_store_usage_report(struct jta_store *st, const char *by,
    const char *from, const char *to, json_t **out,
    struct jta_error *err) JTA_WUR;

/*
 * The usage of the periods around now for the admin page:
 * {"period": {"day", "month"}, "quotas": [{"scope", "subject", "metric",
 * "per", "limit", "used", "percent", "level", "resets"}], "top_users":
 * [{"user", "calls", "creates", "updates", "conversations",
 * "prompt_tokens", "completion_tokens", "files", "file_bytes"}] (today,
 * the 10 busiest by calls), "totals": {"day": {calls, creates, updates,
 * conversations, prompt_tokens, completion_tokens, files, file_bytes},
 * "month": {...}}}.  Quotas: each
 * set for one person or site, and each default ("*") for every person
 * or site with usage in its period and no quota of its own (subject:
 * the name).  percent is used * 100 / limit rounded down (100 when
 * limit is 0); level ok under 70, warn from 70, high from 90, over from
 * 100.
 */
enum jta_err jta_store_usage_summary(struct jta_store *st, int64_t now,
    json_t **out) JTA_WUR;

/* The level of percent: "ok", "warn", "high" or "over". */
const char *jta_store_usage_level(int64_t percent);

#endif
