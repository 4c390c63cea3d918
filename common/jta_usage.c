#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jta_db_select.h"
#include "jta_endpoint.h"
#include "jta_log.h"
#include "jta_metrics.h"
#include "jta_store_people.h"
#include "jta_store_usage.h"
#include "jta_time.h"
#include "jta_url.h"
#include "jta_usage.h"

/*
 * The counting file (README "Usage counted in batches"): one per worker,
 * DATABASE.batches/w.N, locked (an open file description lock) by the
 * worker that owns it and mapped shared, so what a worker counted is in
 * the file's pages the moment it is counted and outlives the worker.  A
 * row belongs to the batch in its seq; only the rows of the file's
 * current batch are pending.  A fold gives them to the store as batch
 * number batch of the file's owner name; once the store committed it,
 * one store of batch + 1 makes them all folded at once.  A worker that
 * dies between the commit and that store leaves a batch the store has
 * already: its next owner's fold of it changes nothing.
 */
#define UMAGIC	UINT64_C(0x3153474154544a)	/* "JTATGS1" */
#define UFILES	256	/* counting files per database and host */

struct urow {
	_Atomic int64_t	 seq;	/* its batch; set last when it is made */
	struct jta_store_usage_row r;
};

struct ufile {
	_Atomic uint64_t magic;	/* set last, once the rest is set */
	uint64_t	 size;	/* sizeof(struct ufile): the layout */
	char		 owner[JTA_LIMIT_USAGE_OWNER + 1];
	_Atomic int64_t	 batch;	/* the current batch, from 1 */
	struct urow	 rows[JTA_LIMIT_USAGE_PENDING];
};

struct jta_usage {
	const struct jta_conf	*conf;
	struct jta_store	*store;		/* synchronous = NORMAL */
	int			 own;		/* store is ours to close */
	struct ufile		*f;		/* mapped, or NULL */
	int			 fd;		/* holds f's lock */
	char			 site[JTA_LIMIT_USAGE_SITE + 1];
	char			 notice[768];	/* this request's notice */
	struct jta_store_quota	 q[JTA_LIMIT_QUOTAS * 2];
	/* The quota cache (README "Usage and quotas"): every quota as of
	 * generation qgen (0: none read yet); qall when there were more
	 * than it holds (then every check reads the store). */
	int64_t			 qgen;
	int			 qall;
	size_t			 nqc;
	struct jta_store_quota	 qc[JTA_LIMIT_QUOTAS];
	struct jta_store_usage_row fold[JTA_LIMIT_USAGE_PENDING];
};

/* The counting files' directory: DATABASE.batches. */
static int
batchdir(const struct jta_conf *conf, char *buf, size_t bufsz)
{
	int	 n = snprintf(buf, bufsz, "%s.batches", conf->database);

	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

/*
 * How many rows f's current batch b has.  They are always the file's
 * first rows: uadd makes a row in the first one not of the batch and
 * marks it the batch's last (its seq), no row leaves a batch but by the
 * fold that ends it all at once, and a worker that dies while making one
 * leaves it outside.  So a count reads the rows it uses and no more,
 * where it read all JTA_LIMIT_USAGE_PENDING rows (40 KiB) three times a
 * request (README "Memory per worker and the start cost", fourth pass).
 */
static size_t
inbatch(const struct ufile *f, int64_t b)
{
	size_t	 n = 0;

	while (n < JTA_LIMIT_USAGE_PENDING &&
	    atomic_load(&f->rows[n].seq) == b)
		n++;
	return n;
}

/* The rows of f's current batch into out, by their first call (the
 * order jta_store_usage_fold wants); their number. */
static int
byfirst(const void *a, const void *b)
{
	const struct jta_store_usage_row *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

static size_t
pending(const struct ufile *f, struct jta_store_usage_row *out)
{
	int64_t		 b = atomic_load(&f->batch);
	size_t		 i, rows = inbatch(f, b), n = 0;

	for (i = 0; i < rows; i++)
		if (f->rows[i].r.calls > 0)
			out[n++] = f->rows[i].r;
	qsort(out, n, sizeof(out[0]), byfirst);
	return n;
}

/* Fold f's current batch into st (one transaction); then the batch is
 * folded.  buf holds JTA_LIMIT_USAGE_PENDING rows. */
static enum jta_err
foldfile(struct jta_store *st, struct ufile *f,
    struct jta_store_usage_row *buf, struct jta_error *err)
{
	enum jta_err	 rc;
	size_t		 n;
	int		 applied = 0;

	if ((n = pending(f, buf)) == 0)
		return JTA_OK;
	if ((rc = jta_store_usage_fold(st, f->owner, atomic_load(&f->batch),
	    buf, n, &applied, err)) != JTA_OK)
		return rc;
	if (!applied)
		jta_warn("usage: batch %" PRId64 " of %s was folded already",
		    atomic_load(&f->batch), f->owner);
	atomic_fetch_add(&f->batch, 1);
	return JTA_OK;
}

/* Take fd's lock without waiting (0), or -1 (errno: EAGAIN when a live
 * worker holds it). */
static int
ulock(int fd)
{
	struct flock	 fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	return fcntl(fd, F_OFD_SETLK, &fl);
}

/* Map the counting file fd (locked); a new or torn one is set up empty
 * with a new owner name.  NULL on error. */
static struct ufile *
umap(int fd)
{
	struct ufile	*f;
	struct stat	 sb;
	unsigned char	 rnd[16];
	size_t		 i;

	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
		return NULL;
	if (sb.st_size != (off_t)sizeof(*f) &&
	    ftruncate(fd, (off_t)sizeof(*f)) != 0)
		return NULL;
	f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (f == MAP_FAILED)
		return NULL;
	if (atomic_load(&f->magic) == UMAGIC && f->size == sizeof(*f) &&
	    memchr(f->owner, '\0', sizeof(f->owner)) != NULL &&
	    f->owner[0] != '\0' && atomic_load(&f->batch) >= 1)
		return f;
	/* New (or of another layout, or half set up by a worker that died
	 * doing it: nothing in it was counted yet).  Emptied by cutting
	 * the file to nothing and back (we hold its lock: nobody else maps
	 * it), which zeroes all of it without touching its pages here: a
	 * memset put the whole file in the worker's RSS, where a count
	 * reads only its batch's rows (inbatch). */
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd) ||
	    ftruncate(fd, 0) != 0 || ftruncate(fd, (off_t)sizeof(*f)) != 0) {
		munmap(f, sizeof(*f));
		return NULL;
	}
	f->size = sizeof(*f);
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(f->owner + 2 * i, 3, "%02x", rnd[i]);
	atomic_store(&f->batch, 1);
	atomic_store(&f->magic, UMAGIC);
	return f;
}

/*
 * Own a counting file: the first of DATABASE.batches/w.0 .. w.255 no
 * live worker holds; its pending counts (a worker that died) are folded
 * first.  Then every other file no live worker holds is folded too, so
 * counts of a worker that died reach the store even when fewer workers
 * run now.  A fold that fails leaves the counts in their file for the
 * next owner.
 */
static enum jta_err
uclaim(struct jta_usage *u, char *msg, size_t msgsz)
{
	char		 dir[JTA_CONF_PATH_MAX + 16], name[32];
	struct ufile	*f;
	struct jta_error err;
	int		 dfd = -1, fd, i;
	enum jta_err	 rc = JTA_ERR_IO;

	if (batchdir(u->conf, dir, sizeof(dir)) != 0) {
		snprintf(msg, msgsz, "key 'database': the path is too long");
		return JTA_ERR_CONFIG;
	}
	if ((mkdir(dir, 0700) != 0 && errno != EEXIST) ||
	    (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(msg, msgsz, "key 'database': cannot use %s: %s", dir,
		    strerror(errno));
		return JTA_ERR_IO;
	}
	for (i = 0; i < UFILES; i++) {
		snprintf(name, sizeof(name), "w.%d", i);
		if ((fd = openat(dfd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW |
		    (u->f == NULL ? O_CREAT : 0), 0600)) < 0) {
			if (errno == ENOENT)
				break;	/* no more files */
			snprintf(msg, msgsz, "key 'database': cannot open "
			    "%s/%s: %s", dir, name, strerror(errno));
			goto out;
		}
		if (ulock(fd) != 0) {
			close(fd);	/* a live worker's */
			continue;
		}
		if ((f = umap(fd)) == NULL) {
			snprintf(msg, msgsz, "key 'database': cannot map "
			    "%s/%s", dir, name);
			close(fd);
			goto out;
		}
		memset(&err, 0, sizeof(err));
		if (foldfile(u->store, f, u->fold, &err) != JTA_OK)
			jta_warn("usage: counts left in %s/%s are kept for "
			    "its next owner: %s", dir, name, err.detail);
		if (u->f == NULL) {
			u->f = f;
			u->fd = fd;
		} else {
			munmap(f, sizeof(*f));
			close(fd);	/* drops its lock */
		}
	}
	if (u->f == NULL) {
		snprintf(msg, msgsz, "key 'database': %s holds %d live "
		    "counting files", dir, UFILES);
		goto out;
	}
	rc = JTA_OK;
out:
	close(dfd);
	return rc;
}

/* Fold this worker's batch; a failure is logged and the counts stay
 * pending (the next fold, or the file's next owner, tries again). */
static void
ufold(struct jta_usage *u)
{
	struct jta_error err;

	if (u->f == NULL)
		return;
	memset(&err, 0, sizeof(err));
	if (foldfile(u->store, u->f, u->fold, &err) != JTA_OK)
		jta_warn("usage: could not fold %s's counts (kept for the "
		    "next fold): %s", u->f->owner, err.detail);
}

/* Whether this worker's batch is due: a call count reached, or its
 * first call usage_fold_seconds ago (so a batch never spans more, and
 * a worker that was idle folds before it counts or checks again). */
static int
due(const struct jta_usage *u, int64_t now)
{
	const struct ufile *f = u->f;
	int64_t		 b = atomic_load(&f->batch), calls = 0, first = -1;
	size_t		 i, n = inbatch(f, b);

	for (i = 0; i < n; i++) {
		calls += f->rows[i].r.calls;
		if (first < 0 || f->rows[i].r.first < first)
			first = f->rows[i].r.first;
	}
	return first >= 0 && (calls >= u->conf->usage_fold_calls ||
	    now - first >= u->conf->usage_fold_seconds || now < first);
}

/* Add one call of uid on site at now to this worker's batch: 0, or -1
 * when the file has no free row (the caller folds and tries again). */
static int
uadd(struct jta_usage *u, int64_t uid, const char *site, int64_t now,
    int created, int updated)
{
	struct ufile	*f = u->f;
	struct urow	*row = NULL, *free_row = NULL;
	struct jta_store_period pn, pr;
	int64_t		 b = atomic_load(&f->batch), ulast = -1;
	size_t		 i, n = inbatch(f, b);

	jta_store_usage_period(now, &pn);
	/* The first row after the batch's is free (inbatch). */
	if (n < JTA_LIMIT_USAGE_PENDING)
		free_row = &f->rows[n];
	for (i = 0; i < n; i++) {
		struct urow *r = &f->rows[i];

		if (r->r.user_id != uid)
			continue;
		if (r->r.last > ulast)
			ulast = r->r.last;
		if (row == NULL && strcmp(r->r.site, site) == 0) {
			jta_store_usage_period(r->r.first, &pr);
			if (strcmp(pr.day, pn.day) == 0)
				row = r;
		}
	}
	if (row == NULL) {
		if (free_row == NULL)
			return -1;
		/* Made whole, then made part of the batch (its seq last). */
		memset(&free_row->r, 0, sizeof(free_row->r));
		free_row->r.user_id = uid;
		snprintf(free_row->r.site, sizeof(free_row->r.site), "%s",
		    site);
		free_row->r.first = now;
		free_row->r.last = now;
		free_row->r.calls = 1;
		free_row->r.creates = created;
		free_row->r.updates = updated;
		atomic_store(&free_row->seq, b);
		return 0;
	}
	/* A conversation the batch itself shows (the person's previous
	 * call in it is a gap or more before); the fold decides the row's
	 * first call's from the store. */
	if (ulast >= 0 && now - ulast >= JTA_STORE_CONVERSATION_GAP)
		row->r.convs++;
	if (now > row->r.last)
		row->r.last = now;
	row->r.creates += created;
	row->r.updates += updated;
	row->r.calls++;
	return 0;
}

/* This worker's not yet folded counts of quota q for who (a person's
 * quota) or site (a site's), in the period of p.  Conversations only as
 * far as the batch itself shows them (its rows' convs). */
static int64_t
unfolded(const struct jta_usage *u, const struct jta_store_quota *q,
    int64_t uid, const char *site, const struct jta_store_period *p)
{
	const struct ufile *f = u->f;
	struct jta_store_period pr;
	const char	*from;
	int64_t		 b, sum = 0;
	size_t		 i, n;
	int		 person = strcmp(q->scope, "person") == 0;

	if (f == NULL)
		return 0;
	b = atomic_load(&f->batch);
	n = inbatch(f, b);
	from = strcmp(q->per, "day") == 0 ? p->day : p->month;
	for (i = 0; i < n; i++) {
		const struct jta_store_usage_row *r = &f->rows[i].r;

		if (person ? r->user_id != uid : strcmp(r->site, site) != 0)
			continue;
		jta_store_usage_period(r->first, &pr);
		if (strcmp(pr.day, from) < 0 || strcmp(pr.day, p->day) > 0)
			continue;
		if (strcmp(q->metric, "calls") == 0)
			sum += r->calls;
		else if (strcmp(q->metric, "creates") == 0)
			sum += r->creates;
		else if (strcmp(q->metric, "updates") == 0)
			sum += r->updates;
		else if (strcmp(q->metric, "conversations") == 0)
			sum += r->convs;
	}
	return sum;
}

/* jta_usage_new (shared NULL: a connection of its own) and
 * jta_usage_new_shared. */
static enum jta_err
unew(const struct jta_conf *conf, struct jta_store *shared,
    struct jta_usage **out, char *msg, size_t msgsz)
{
	struct jta_usage *u;
	enum jta_err	 rc;

	*out = NULL;
	if ((u = calloc(1, sizeof(*u))) == NULL) {
		snprintf(msg, msgsz, "out of memory");
		return JTA_ERR_NOMEM;
	}
	u->conf = conf;
	u->fd = -1;
	if (conf->usage_counting) {
		/* The same database as the serving loop's (jta_db_open):
		 * the SQLite file, or PostgreSQL's shared rows.  Shared, no
		 * second connection: its schema, statements and pages were
		 * about 0.2 MiB of each worker (README "Memory per worker
		 * and the start cost", third pass). */
		if (shared != NULL)
			u->store = shared;
		else if ((rc = jta_db_open(conf, JTA_STORE_LAZY, &u->store,
		    msg, msgsz)) != JTA_OK) {
			free(u);
			return rc;
		} else
			u->own = 1;
		if ((rc = jta_store_usage_connection(u->store,
		    conf->busy_timeout_ms)) != JTA_OK) {
			snprintf(msg, msgsz, "database %s: cannot open "
			    "%s.usage for counting (see the log above)",
			    conf->database, conf->database);
			jta_usage_free(u);
			return rc;
		}
		if ((rc = uclaim(u, msg, msgsz)) != JTA_OK) {
			jta_usage_free(u);
			return rc;
		}
	}
	*out = u;
	return JTA_OK;
}

enum jta_err
jta_usage_new(const struct jta_conf *conf, struct jta_usage **out,
    char *msg, size_t msgsz)
{
	return unew(conf, NULL, out, msg, msgsz);
}

enum jta_err
jta_usage_new_shared(const struct jta_conf *conf, struct jta_store *st,
    struct jta_usage **out, char *msg, size_t msgsz)
{
	if (st == NULL) {
		snprintf(msg, msgsz, "no database connection to share");
		*out = NULL;
		return JTA_ERR_INPUT;
	}
	return unew(conf, st, out, msg, msgsz);
}

void
jta_usage_free(struct jta_usage *u)
{
	if (u == NULL)
		return;
	if (u->f != NULL) {
		ufold(u);	/* at exit: what is left stays for the next */
		munmap(u->f, sizeof(*u->f));
	}
	if (u->fd >= 0)
		close(u->fd);	/* drops the lock */
	if (u->own)
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
 * person of Jira mode without a link; and *gen, the quotas' generation,
 * read with it in one statement (jta_store_usage_subject). */
static enum jta_err
whichsite(struct jta_usage *u, const struct jta_user *who, int64_t *gen,
    struct jta_error *err)
{
	char		 url[JTA_LIMIT_URL + 1];
	enum jta_err	 rc;

	/* Straight into err: the store fills it only when it fails
	 * (jta_error_set sets it whole), and a scratch error zeroed per
	 * request was 13 KB of memset, 5 % of an issue read (issue 16). */
	if ((rc = jta_store_usage_subject(u->store, who->id, gen, url,
	    sizeof(url), err)) != JTA_OK)
		return rc;
	if (u->conf->backend != JTA_BACKEND_JIRA)
		snprintf(u->site, sizeof(u->site), "local");
	else if (url[0] == '\0' ||
	    jta_url_site_name(url, u->site, sizeof(u->site)) != JTA_OK)
		snprintf(u->site, sizeof(u->site), "-");
	return JTA_OK;
}

/* Read every quota into the cache as of generation gen (read before
 * them: a change committed in between makes the next check read them
 * again, never keeps an older list under a newer generation). */
static enum jta_err
qreload(struct jta_usage *u, int64_t gen, struct jta_error *err)
{
	json_t		*arr = NULL, *o;
	struct jta_store_quota *q;
	enum jta_err	 rc;
	json_int_t	 lim;
	size_t		 i;

	u->qgen = 0;
	u->nqc = 0;
	u->qall = 0;
	if ((rc = jta_store_quota_list(u->store, &arr, err)) != JTA_OK)
		return rc;
	json_array_foreach(arr, i, o) {
		if (u->nqc >= sizeof(u->qc) / sizeof(u->qc[0])) {
			u->qall = 1;
			break;
		}
		q = &u->qc[u->nqc++];
		memset(q, 0, sizeof(*q));
		snprintf(q->scope, sizeof(q->scope), "%s",
		    json_string_value(json_object_get(o, "scope")) != NULL ?
		    json_string_value(json_object_get(o, "scope")) : "");
		snprintf(q->subject, sizeof(q->subject), "%s",
		    json_string_value(json_object_get(o, "subject")) != NULL ?
		    json_string_value(json_object_get(o, "subject")) : "");
		lim = json_integer_value(json_object_get(o, "limit"));
		q->limit = (int64_t)lim;
	}
	json_decref(arr);
	u->qgen = gen;
	return JTA_OK;
}

/* Whether any cached quota may cover who on u->site (the store then
 * says which and how much is used): the person's own or a default
 * person quota, the site's own or a default site quota. */
static int
qany(const struct jta_usage *u, const struct jta_user *who)
{
	const struct jta_store_quota *q;
	size_t		 i;

	if (u->qall)
		return 1;
	for (i = 0; i < u->nqc; i++) {
		q = &u->qc[i];
		if (strcmp(q->subject, "*") == 0 ||
		    (strcmp(q->scope, "person") == 0 &&
		    strcmp(q->subject, who->name) == 0) ||
		    (strcmp(q->scope, "site") == 0 &&
		    strcmp(q->subject, u->site) == 0))
			return 1;
	}
	return 0;
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
	int64_t		 now, wpct, end, gen = 0;
	size_t		 n = 0, i;

	u->notice[0] = '\0';
	u->site[0] = '\0';
	if (u->store == NULL)
		return JTA_OK;
	/* One read: the site and the quotas' generation; the quotas
	 * themselves only when it moved (a change on any worker or host
	 * applies at the next request), and what they have used only when
	 * one of them may cover who. */
	if ((rc = whichsite(u, who, &gen, err)) != JTA_OK)
		return rc;
	if ((gen != u->qgen || gen == 0) &&
	    (rc = qreload(u, gen, err)) != JTA_OK)
		return rc;
	now = jta_time_now();
	if (u->f != NULL && due(u, now))
		ufold(u);
	jta_store_usage_period(now, &p);
	if (qany(u, who) && (rc = jta_store_usage_quotas(u->store, who->id,
	    who->name, u->site, &p, u->q, sizeof(u->q) / sizeof(u->q[0]), &n,
	    err)) != JTA_OK)
		return rc;
	/* What the store has committed, plus what this worker counted and
	 * has not folded yet (README "Usage counted in batches" says how
	 * far the other workers' and hosts' can take a burst over). */
	for (i = 0; i < n; i++)
		u->q[i].used += unfolded(u, &u->q[i], who->id, u->site, &p);
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
	int64_t		 now, end, gen;
	size_t		 n = 0, i;
	int		 over;

	if (u == NULL || u->store == NULL || who == NULL || who->id == 0)
		return JTA_OK;
	if (u->site[0] == '\0' && (rc = whichsite(u, who, &gen, err)) !=
	    JTA_OK)
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
	int64_t		 now;
	int		 ok = status >= 200 && status <= 299, created, updated;

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
	now = jta_time_now();
	updated = ok && op->cls == JTA_POLICY_WRITE;
	if (u->f == NULL) {
		memset(&err, 0, sizeof(err));
		if (jta_store_usage_count(u->store, who->id, u->site, now,
		    created, updated, &err) != JTA_OK)
			jta_warn("usage: could not count a call of user %"
			    PRId64 ": %s", who->id, err.detail);
		return;
	}
	/* Into this worker's counting file (kept by a crash); folded into
	 * the store every usage_fold_calls calls or usage_fold_seconds. */
	if (due(u, now))
		ufold(u);
	if (uadd(u, who->id, u->site, now, created, updated) != 0) {
		ufold(u);	/* full: more people than rows */
		if (uadd(u, who->id, u->site, now, created, updated) != 0) {
			jta_warn("usage: could not count a call of user %"
			    PRId64 ": the counting file is full and the "
			    "store does not take it", who->id);
			return;
		}
	}
	if (due(u, now))
		ufold(u);
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
