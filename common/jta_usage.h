/*
 * Usage counting and quotas (README.md "Usage and quotas").
 *
 * Counting: after the handler answered an authenticated API request, the
 * worker adds to the person's row of the UTC day and site (Jira mode:
 * the person's linked site's URL without its scheme, e.g.
 * acme.atlassian.net; local mode: "local"): one call;
 * one ticket created when the operation is a create (JTA_POLICY_CREATE)
 * answered 201 (not a new draft: it creates no ticket yet; a draft's
 * submit is 201 the first time, 200 when repeated); one ticket updated
 * when it is a write (edit, comment, transition, delete:
 * JTA_POLICY_WRITE) answered 2xx; one conversation when the person's
 * previous counted call is 30 minutes old or more.  Requests refused
 * before the handler (kill switch, access rules, quotas, bad
 * credentials) are not counted.  The
 * worker counts in a mapped file of its own (DATABASE.batches/w.N: a
 * crash of the process loses nothing counted) and folds it into the
 * store in one transaction every conf->usage_fold_calls calls, at its
 * next request once the batch is conf->usage_fold_seconds old, and at
 * jta_usage_free; jta_usage_new folds what dead workers left (README
 * "Usage counted in batches").  The store's counts go through a
 * connection of their own with synchronous = NORMAL (WAL): a commit
 * survives a crash of the process; a power loss may lose the counts of
 * the last moments (those since the last WAL checkpoint, and those the
 * kernel had not written back to the file).
 *
 * The model's tokens: our own agent (fcgi/chat.c) adds the prompt and
 * completion tokens of each answer, as the model's usage reports said,
 * to the same row (jta_usage_tokens).
 *
 * Quotas (the store's counts plus this worker's not yet folded): per
 * person (a user name, or the default for everyone) and per site (a
 * site, or the default), each of calls, creates, updates, conversations,
 * prompt_tokens or completion_tokens, per UTC day or calendar month.
 * Checked before the handler, after the access rules.
 * A quota covers the requests its metric counts: creates the creates
 * (JTA_POLICY_CREATE), updates the writes (JTA_POLICY_WRITE), the
 * tokens the messages to our own agent (the endpoint "chat": a used-up
 * token quota refuses the next message before any model is called, and
 * lets every other request through), calls and conversations every
 * request.  files and file_bytes (issue 18) count the files kept with a
 * draft and their bytes, where a file is kept (jta_usage_file_allow
 * before, jta_usage_file_count after); a used-up one refuses the next
 * file (429 naming the quota, with Retry-After), never the request, and
 * a file whose bytes would pass a file_bytes quota is refused the same
 * way.
 * When any quota that covers the request has reached 100 % the answer
 * is 429 problem+json naming the quota, its limit and when it resets
 * (Retry-After, RFC 9110 §10.2.3, in seconds and the reset time in ISO
 * 8601 in the detail) until the period ends or an operator raises the
 * limit (at once: each worker keeps the quotas under a generation that
 * every quota write bumps and that each check reads, README "The quota
 * cache").  From 70 % and from 90 % of a
 * quota that covers the request, JSON object answers carry a top-level
 * "notice" the GPT can relay.  /healthz, the OAuth endpoints and every
 * endpoint without authentication are never counted or capped.
 */
#ifndef JTA_USAGE_H
#define JTA_USAGE_H

#include "jta_conf.h"
#include "jta_err.h"
#include "jta_policy.h"
#include "jta_resp.h"
#include "jta_types.h"

/* A storage connection (common/db/jta_db.h); only passed through. */
struct jta_store;

/* Percent of a quota from which answers carry a notice, and from which
 * the notice says so more urgently. */
#define JTA_USAGE_WARN		70
#define JTA_USAGE_HIGH		90

struct jta_usage;

/*
 * Usage counting for conf (borrowed, outliving it): opens its own
 * connection to conf->database and owns a counting file, after folding
 * the counts of every file no live worker holds (msg says what
 * failed).  With
 * usage_counting = off nothing is opened, counted or capped.  Release
 * with jta_usage_free.
 */
enum jta_err jta_usage_new(const struct jta_conf *conf,
    struct jta_usage **out, char *msg, size_t msgsz) JTA_WUR;

/*
 * As jta_usage_new, but counting through st, the serving loop's own
 * connection (borrowed: it must outlive u; free u first), not a second
 * one: st gets the usage file attached and the counting busy handler
 * (50 us retries, giving up after conf's busy_timeout_ms, as SQLite's
 * own does), and a fold or count ends the request's read transaction
 * first (jta_db_begin_deferred), so call them after
 * jta_store_reads_end or between reads, never inside a transaction of
 * the caller's.  The quota check's reads join the request's read
 * transaction.
 */
enum jta_err jta_usage_new_shared(const struct jta_conf *conf,
    struct jta_store *st, struct jta_usage **out, char *msg, size_t msgsz)
    JTA_WUR;

/* Fold what u counted, then release u; NULL is a no-op. */
void jta_usage_free(struct jta_usage *u);

/*
 * Check who's quotas for op before the handler.  JTA_ERR_BUSY with 429
 * (and err->retry_after) when one is used up; otherwise JTA_OK, and when
 * a quota is at JTA_USAGE_WARN % or more, resp->notice points to u's
 * notice for this request.  A store that fails is 503/500 (closed).
 */
enum jta_err jta_usage_check(struct jta_usage *u, const struct jta_user *who,
    const struct jta_policy_op *op, struct jta_resp *resp,
    struct jta_error *err) JTA_WUR;

/*
 * Count one answered request of who: op's class and the answer's status
 * decide create and update.  Failures are logged, never shown to the
 * client (the answer is gone already).
 */
void jta_usage_count(struct jta_usage *u, const struct jta_user *who,
    const struct jta_policy_op *op, int status);

/*
 * Count the model's tokens of one answer of our own agent to who
 * (prompt and completion tokens as the model's usage reports said), on
 * the site jta_usage_check found for this request.  Nothing when both
 * are 0.  Failures are logged, never shown (the answer is streamed).
 */
void jta_usage_tokens(struct jta_usage *u, const struct jta_user *who,
    int64_t prompt, int64_t completion);

/*
 * Before a file of bytes bytes is kept for who (jta_draft_files.c, the
 * one place every channel's files are kept): JTA_ERR_BUSY with 429,
 * err->retry_after and field "quota" when a files quota that covers who
 * is used up or a file_bytes quota would pass its limit with this file;
 * the detail names the quota, its limit and the reset time.  The quotas
 * are read anew (a change applies at once).  JTA_OK when u is NULL,
 * counting is off, or no quota refuses.  Files kept at once by several
 * workers may each pass the check: a limit may be passed by the files in
 * flight, which are all counted.
 */
enum jta_err jta_usage_file_allow(struct jta_usage *u,
    const struct jta_user *who, int64_t bytes, struct jta_error *err)
    JTA_WUR;

/*
 * Count one file of bytes bytes kept for who on the site of this
 * request (jta_usage_check's), and in the metrics.  Failures are
 * logged, never shown (the file is kept).  u NULL: the metrics only.
 */
void jta_usage_file_count(struct jta_usage *u, const struct jta_user *who,
    int64_t bytes);

/*
 * Check the words of a quota (jta-admin quota set/remove): scope
 * "person" or "site", subject (a user name, a site; "*" the default),
 * metric, per ("day" or "month"; NULL: day for a person, month for a
 * site), into q (limit left 0).  JTA_ERR_INPUT (422) naming the
 * field.
 */
enum jta_err jta_usage_quota_make(const char *scope, const char *subject,
    const char *metric, const char *per, struct jta_store_quota *q,
    struct jta_error *err) JTA_WUR;

/*
 * Check the limit of q (made by jta_usage_quota_make) before it is set
 * (jta-admin quota set and the admin page): limit from 0 to
 * JTA_LIMIT_QUOTA_MAX (-1 for one that was no whole number) into
 * q->limit, and for one person's own quota that the person is a user of
 * st.  JTA_ERR_INPUT (422) naming "limit" or "person"; the store's error
 * when it cannot tell.
 */
enum jta_err jta_usage_quota_check(struct jta_store *st,
    struct jta_store_quota *q, int64_t limit, struct jta_error *err) JTA_WUR;

#endif
