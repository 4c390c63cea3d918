#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jta_db_select.h"
#include "jta_endpoint.h"
#include "jta_log.h"
#include "jta_metrics.h"
#include "jta_store_people.h"
#include "jta_store_usage.h"
#include "jta_time.h"
#include "jta_url.h"
#include "jta_usage.h"

struct jta_usage {
	const struct jta_conf	*conf;
	struct jta_store	*store;		/* synchronous = NORMAL */
	char			 site[JTA_LIMIT_USAGE_SITE + 1];
	char			 notice[768];	/* this request's notice */
	struct jta_store_quota	 q[JTA_LIMIT_QUOTAS * 2];
};

enum jta_err
jta_usage_new(const struct jta_conf *conf, struct jta_usage **out,
    char *msg, size_t msgsz)
{
	struct jta_usage *u;
	enum jta_err	 rc;

	*out = NULL;
	if ((u = calloc(1, sizeof(*u))) == NULL) {
		snprintf(msg, msgsz, "out of memory");
		return JTA_ERR_NOMEM;
	}
	u->conf = conf;
	if (conf->usage_counting) {
		/* The same database as the serving loop's (jta_db_open):
		 * the SQLite file, or PostgreSQL's shared rows. */
		if ((rc = jta_db_open(conf, JTA_STORE_LAZY, &u->store, msg,
		    msgsz)) != JTA_OK) {
			free(u);
			return rc;
		}
		if ((rc = jta_store_usage_connection(u->store,
		    conf->busy_timeout_ms)) != JTA_OK) {
			snprintf(msg, msgsz, "database %s: cannot open "
			    "%s.usage for counting (see the log above)",
			    conf->database, conf->database);
			jta_usage_free(u);
			return rc;
		}
	}
	*out = u;
	return JTA_OK;
}

void
jta_usage_free(struct jta_usage *u)
{
	if (u == NULL)
		return;
	jta_store_close(u->store);
	free(u);
}

/* The usage site a quota names: a site URL becomes its site name
 * (jta_url_site_name); a bare name, as `jta-admin usage` shows sites
 * (host[:port][/path]), is read as the https URL it stands for, so
 * what an operator copies from that list names the same site.  ""
 * when it is neither. */
static void
sitesubject(const char *subject, char *out, size_t outsz)
{
	char	 url[JTA_LIMIT_URL + 1];
	int	 n;

	if (strstr(subject, "://") != NULL) {
		if (jta_url_site_name(subject, out, outsz) != JTA_OK)
			out[0] = '\0';
		return;
	}
	n = snprintf(url, sizeof(url), "https://%s", subject);
	if (n < 0 || (size_t)n >= sizeof(url) ||
	    jta_url_site_name(url, out, outsz) != JTA_OK)
		out[0] = '\0';
}

/* Which site who uses: "local", the linked site's host, or "-" for a
 * person of Jira mode without a link. */
static enum jta_err
whichsite(struct jta_usage *u, const struct jta_user *who,
    struct jta_error *err)
{
	struct jta_link	 l;
	enum jta_err	 rc;
	struct jta_error e2;

	if (u->conf->backend != JTA_BACKEND_JIRA) {
		snprintf(u->site, sizeof(u->site), "local");
		return JTA_OK;
	}
	memset(&e2, 0, sizeof(e2));
	rc = jta_store_link_identity(u->store, who->id, &l, &e2);
	if (rc == JTA_ERR_NOTFOUND) {
		snprintf(u->site, sizeof(u->site), "-");
		return JTA_OK;
	}
	if (rc != JTA_OK) {
		*err = e2;
		return rc;
	}
	if (jta_url_site_name(l.site_url, u->site, sizeof(u->site)) !=
	    JTA_OK)
		snprintf(u->site, sizeof(u->site), "-");
	return JTA_OK;
}

static const char *
metricwords(const char *metric)
{
	if (strcmp(metric, "calls") == 0)
		return "API calls";
	if (strcmp(metric, "creates") == 0)
		return "tickets created";
	if (strcmp(metric, "updates") == 0)
		return "ticket updates";
	if (strcmp(metric, "prompt_tokens") == 0)
		return "prompt tokens of the model";
	if (strcmp(metric, "completion_tokens") == 0)
		return "completion tokens of the model";
	if (strcmp(metric, "files") == 0)
		return "files attached";
	if (strcmp(metric, "file_bytes") == 0)
		return "bytes of files attached";
	return "conversations";
}

/* "your daily quota" / "the monthly quota of site X" into buf. */
static void
quotaname(const struct jta_store_quota *q, const char *site, char *buf,
    size_t bufsz)
{
	const char	*per = strcmp(q->per, "day") == 0 ? "daily" :
			    "monthly";

	if (strcmp(q->scope, "person") == 0)
		snprintf(buf, bufsz, "your %s quota of %" PRId64 " %s", per,
		    q->limit, metricwords(q->metric));
	else
		snprintf(buf, bufsz, "the %s quota of %" PRId64 " %s for the "
		    "site %s", per, q->limit, metricwords(q->metric),
		    site);
}

static int64_t
percent(const struct jta_store_quota *q)
{
	if (q->limit <= 0)
		return 100;
	if (q->used >= INT64_MAX / 100)
		return INT64_MAX / q->limit;
	return q->used * 100 / q->limit;
}

/* Whether the operation is a message to our own agent (the one kind of
 * request that spends the model's tokens). */
static int
ischat(const struct jta_policy_op *op)
{
	return op->endpoint != NULL && strcmp(op->endpoint,
	    jta_endpoint_name(JTA_ENDPOINT_CHAT)) == 0;
}

/* Whether q is a quota on the files kept (jta_usage_file_allow). */
static int
isfiles(const struct jta_store_quota *q)
{
	return strcmp(q->metric, "files") == 0 ||
	    strcmp(q->metric, "file_bytes") == 0;
}

/* Whether quota q covers operation op: a quota blocks only the requests
 * its metric counts (jta_usage_count, jta_usage_tokens): creates the
 * creates, updates the writes, the model's tokens the messages to our
 * own agent, calls and conversations every request.  The files' quotas
 * cover the creates and writes (the requests that may carry files) for
 * the notice only: a used-up one refuses the files themselves
 * (jta_usage_file_allow), never the request. */
static int
covers(const struct jta_store_quota *q, const struct jta_policy_op *op)
{
	if (isfiles(q))
		return op->cls == JTA_POLICY_CREATE ||
		    op->cls == JTA_POLICY_WRITE;
	if (strcmp(q->metric, "creates") == 0)
		return op->cls == JTA_POLICY_CREATE;
	if (strcmp(q->metric, "updates") == 0)
		return op->cls == JTA_POLICY_WRITE;
	if (strcmp(q->metric, "prompt_tokens") == 0 ||
	    strcmp(q->metric, "completion_tokens") == 0)
		return ischat(op);
	return 1;
}

/* Of u's n quotas that cover op (blocking ones only when block), the
 * fullest; of several used up, the one that resets last (the block
 * lasts until then).  NULL when none covers op. */
static const struct jta_store_quota *
fullest(const struct jta_usage *u, size_t n, const struct jta_policy_op *op,
    const struct jta_store_period *p, int block)
{
	const struct jta_store_quota *worst = NULL;
	int64_t		 pct, wpct = -1, end;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (!covers(&u->q[i], op) || (block && isfiles(&u->q[i])))
			continue;
		pct = percent(&u->q[i]);
		if (pct > 100)
			pct = 100;
		end = strcmp(u->q[i].per, "day") == 0 ? p->day_end :
		    p->month_end;
		if (pct > wpct || (pct == 100 && wpct == 100 &&
		    strcmp(worst->per, "day") == 0 && end == p->month_end &&
		    p->month_end > p->day_end)) {
			wpct = pct;
			worst = &u->q[i];
		}
	}
	return worst;
}

enum jta_err
jta_usage_check(struct jta_usage *u, const struct jta_user *who,
    const struct jta_policy_op *op, struct jta_resp *resp,
    struct jta_error *err)
{
	struct jta_store_period p;
	const struct jta_store_quota *worst;
	enum jta_err	 rc;
	char		 name[512], when[JTA_TIME_STRLEN];
	int64_t		 now, wpct, end;
	size_t		 n = 0;

	u->notice[0] = '\0';
	u->site[0] = '\0';
	if (u->store == NULL)
		return JTA_OK;
	if ((rc = whichsite(u, who, err)) != JTA_OK)
		return rc;
	now = jta_time_now();
	jta_store_usage_period(now, &p);
	if ((rc = jta_store_usage_quotas(u->store, who->id, who->name,
	    u->site, &p, u->q, sizeof(u->q) / sizeof(u->q[0]), &n, err)) !=
	    JTA_OK)
		return rc;
	/* A used-up quota that blocks the request first; else the fullest
	 * of all for the notice (the files' too). */
	worst = fullest(u, n, op, &p, 1);
	if (worst == NULL || percent(worst) < 100)
		worst = fullest(u, n, op, &p, 0);
	if (worst == NULL || (wpct = percent(worst)) < JTA_USAGE_WARN)
		return JTA_OK;
	end = strcmp(worst->per, "day") == 0 ? p.day_end : p.month_end;
	jta_time_format(end, when);
	quotaname(worst, u->site, name, sizeof(name));
	if (wpct >= 100 && !isfiles(worst)) {
		jta_warn("quota used up: %s %s %s per %s limit=%" PRId64
		    " used=%" PRId64, worst->scope, worst->subject,
		    worst->metric, worst->per, worst->limit, worst->used);
		rc = jta_error_set(err, JTA_ERR_BUSY, 429, "quota",
		    "%s is used up (%" PRId64 " of %" PRId64 "); it resets "
		    "at %s, unless an operator raises it sooner", name,
		    worst->used, worst->limit, when);
		err->retry_after = (long)(end - now > 0 ? end - now : 1);
		jta_metrics_quota_rejected(worst->scope);
		return rc;
	}
	if (wpct >= 100)
		snprintf(u->notice, sizeof(u->notice), "Quota used up: %s is "
		    "used (%" PRId64 " of %" PRId64 "); no file is taken "
		    "until it resets at %s.", name, worst->used,
		    worst->limit, when);
	else
		snprintf(u->notice, sizeof(u->notice), "%s: %" PRId64 " %% "
		    "of %s is used (%" PRId64 " of %" PRId64 "); it resets "
		    "at %s.", wpct >= JTA_USAGE_HIGH ? "Quota almost used up" :
		    "Quota notice", wpct, name, worst->used, worst->limit,
		    when);
	resp->notice = u->notice;
	return JTA_OK;
}

enum jta_err
jta_usage_file_allow(struct jta_usage *u, const struct jta_user *who,
    int64_t bytes, struct jta_error *err)
{
	struct jta_store_period p;
	const struct jta_store_quota *q;
	enum jta_err	 rc;
	char		 name[512], when[JTA_TIME_STRLEN];
	int64_t		 now, end;
	size_t		 n = 0, i;
	int		 over;

	if (u == NULL || u->store == NULL || who == NULL || who->id == 0)
		return JTA_OK;
	if (u->site[0] == '\0' && (rc = whichsite(u, who, err)) != JTA_OK)
		return rc;
	now = jta_time_now();
	jta_store_usage_period(now, &p);
	if ((rc = jta_store_usage_quotas(u->store, who->id, who->name,
	    u->site, &p, u->q, sizeof(u->q) / sizeof(u->q[0]), &n, err)) !=
	    JTA_OK)
		return rc;
	for (i = 0; i < n; i++) {
		q = &u->q[i];
		if (strcmp(q->metric, "files") == 0)
			over = q->used >= q->limit;
		else if (strcmp(q->metric, "file_bytes") == 0)
			over = bytes > q->limit || q->used > q->limit - bytes;
		else
			continue;
		if (!over)
			continue;
		end = strcmp(q->per, "day") == 0 ? p.day_end : p.month_end;
		jta_time_format(end, when);
		quotaname(q, u->site, name, sizeof(name));
		jta_warn("quota refuses a file: %s %s %s per %s limit=%"
		    PRId64 " used=%" PRId64 " bytes=%" PRId64, q->scope,
		    q->subject, q->metric, q->per, q->limit, q->used, bytes);
		if (strcmp(q->metric, "files") == 0)
			rc = jta_error_set(err, JTA_ERR_BUSY, 429, "quota",
			    "%s is used up (%" PRId64 " of %" PRId64 "); it "
			    "resets at %s, unless an operator raises it "
			    "sooner", name, q->used, q->limit, when);
		else
			rc = jta_error_set(err, JTA_ERR_BUSY, 429, "quota",
			    "this file (%" PRId64 " bytes) would pass %s (%"
			    PRId64 " used); it resets at %s, unless an "
			    "operator raises it sooner", bytes, name, q->used,
			    when);
		err->retry_after = (long)(end - now > 0 ? end - now : 1);
		jta_metrics_quota_rejected(q->scope);
		return rc;
	}
	return JTA_OK;
}

void
jta_usage_file_count(struct jta_usage *u, const struct jta_user *who,
    int64_t bytes)
{
	struct jta_error err;

	jta_metrics_file_kept(bytes);
	if (u == NULL || u->store == NULL || who == NULL || who->id == 0)
		return;
	if (u->site[0] == '\0')
		snprintf(u->site, sizeof(u->site), "-");
	memset(&err, 0, sizeof(err));
	if (jta_store_usage_files(u->store, who->id, u->site, jta_time_now(),
	    1, bytes > 0 ? bytes : 0, &err) != JTA_OK)
		jta_warn("usage: could not count a file of user %" PRId64
		    ": %s", who->id, err.detail);
}

void
jta_usage_count(struct jta_usage *u, const struct jta_user *who,
    const struct jta_policy_op *op, int status)
{
	struct jta_error err;
	int		 ok = status >= 200 && status <= 299, created;

	if (u->store == NULL || who->id == 0)
		return;
	if (u->site[0] == '\0')
		snprintf(u->site, sizeof(u->site), "-");
	/* A ticket is created when a create answers 201 Created: a new
	 * issue, a ticket of /api/tickets/, a draft's first submit (a
	 * repeated submit answers 200 with the same ticket).  Making or
	 * editing a draft is classed as a create for the access rules but
	 * creates no ticket: 201 for a new draft, 200 for an edit. */
	created = op->cls == JTA_POLICY_CREATE && status == 201 &&
	    (op->endpoint == NULL || strcmp(op->endpoint,
	    "drafts.create") != 0);
	memset(&err, 0, sizeof(err));
	if (jta_store_usage_count(u->store, who->id, u->site,
	    jta_time_now(), created, ok && op->cls == JTA_POLICY_WRITE,
	    &err) != JTA_OK)
		jta_warn("usage: could not count a call of user %" PRId64
		    ": %s", who->id, err.detail);
}

void
jta_usage_tokens(struct jta_usage *u, const struct jta_user *who,
    int64_t prompt, int64_t completion)
{
	struct jta_error err;

	if (u == NULL || u->store == NULL || who == NULL || who->id == 0 ||
	    (prompt <= 0 && completion <= 0))
		return;
	if (u->site[0] == '\0')
		snprintf(u->site, sizeof(u->site), "-");
	memset(&err, 0, sizeof(err));
	if (jta_store_usage_tokens(u->store, who->id, u->site, jta_time_now(),
	    prompt > 0 ? prompt : 0, completion > 0 ? completion : 0, &err) !=
	    JTA_OK)
		jta_warn("usage: could not count the model's tokens of user %"
		    PRId64 ": %s", who->id, err.detail);
}

/* A subject: "*", or 1..max printable ASCII characters without blanks,
 * quotes, '<', '>' or '\'. */
static int
subjectok(const char *s, size_t max)
{
	size_t	 i, n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f ||
		    strchr("\"'<>\\", s[i]) != NULL)
			return 0;
	return 1;
}

enum jta_err
jta_usage_quota_make(const char *scope, const char *subject,
    const char *metric, const char *per, struct jta_store_quota *q,
    struct jta_error *err)
{
	static const char *const metrics[] = { "calls", "creates", "updates",
	    "conversations", "prompt_tokens", "completion_tokens", "files",
	    "file_bytes", NULL };
	size_t		 i;
	int		 site;

	memset(q, 0, sizeof(*q));
	if (strcmp(scope, "person") != 0 && strcmp(scope, "site") != 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "scope",
		    "a quota is for a person or a site");
	site = scope[0] == 's';
	snprintf(q->scope, sizeof(q->scope), "%s", scope);
	if (strcmp(subject, "*") == 0)
		snprintf(q->subject, sizeof(q->subject), "*");
	else if (site) {
		if (!subjectok(subject, JTA_LIMIT_USAGE_SITE))
			return jta_error_set(err, JTA_ERR_INPUT, 422, "site",
			    "a site is 'local' or a site's host or URL, e.g. "
			    "example.atlassian.net");
		sitesubject(subject, q->subject, sizeof(q->subject));
		if (q->subject[0] == '\0')
			return jta_error_set(err, JTA_ERR_INPUT, 422, "site",
			    "a site is 'local' or a site's host or URL");
	} else {
		if (!subjectok(subject, JTA_LIMIT_NAME))
			return jta_error_set(err, JTA_ERR_INPUT, 422, "person",
			    "a person is a user name of at most %d printable "
			    "characters without blanks", JTA_LIMIT_NAME);
		snprintf(q->subject, sizeof(q->subject), "%s", subject);
	}
	for (i = 0; metrics[i] != NULL; i++)
		if (strcmp(metric, metrics[i]) == 0)
			break;
	if (metrics[i] == NULL)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "metric",
		    "the metric is one of calls, creates, updates, "
		    "conversations, prompt_tokens, completion_tokens, files, "
		    "file_bytes");
	snprintf(q->metric, sizeof(q->metric), "%s", metric);
	if (per == NULL)
		per = site ? "month" : "day";
	if (strcmp(per, "day") != 0 && strcmp(per, "month") != 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "per",
		    "per is day or month");
	snprintf(q->per, sizeof(q->per), "%s", per);
	return JTA_OK;
}

enum jta_err
jta_usage_quota_check(struct jta_store *st, struct jta_store_quota *q,
    int64_t limit, struct jta_error *err)
{
	struct jta_user	 u;
	enum jta_err	 rc;

	if (limit < 0 || limit > JTA_LIMIT_QUOTA_MAX)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "limit",
		    "the limit is a whole number from 0 to %d",
		    JTA_LIMIT_QUOTA_MAX);
	q->limit = limit;
	if (strcmp(q->scope, "person") != 0 || strcmp(q->subject, "*") == 0)
		return JTA_OK;
	if ((rc = jta_store_user_get(st, q->subject, &u, err)) ==
	    JTA_ERR_NOTFOUND)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "person",
		    "no user '%s' (jta-admin user list shows them)",
		    q->subject);
	return rc;
}
