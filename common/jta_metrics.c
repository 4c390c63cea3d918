#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jta_buf.h"
#include "jta_endpoint.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_metrics.h"

/*
 * The counters live in files mapped by several processes: the adds must
 * be single instructions on the shared memory, never a lock.
 */
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2,
    "64-bit atomics must be lock-free to live in shared memory");

/* The endpoints counted: the endpoint table's names (jta_endpoint.h),
 * whose order is the slot order; "other" is the last. */
#define NEP	((size_t)JTA_ENDPOINT_NNAMES)
#define EP_OTHER ((size_t)JTA_ENDPOINT_OTHER)
_Static_assert(JTA_ENDPOINT_OTHER == JTA_ENDPOINT_NNAMES - 1,
    "\"other\" is the last endpoint slot");

static const char *
epname(size_t slot)
{
	return jta_endpoint_name((enum jta_endpoint_name)slot);
}

/* The status codes we send, then one slot per class for the others and
 * one for "no answer could be sent". */
static const int codes[] = {
	200, 201, 202, 204, 301, 302, 303, 304, 307, 308,
	400, 401, 403, 404, 405, 406, 409, 410, 411, 412, 413, 414, 415,
	422, 428, 429, 431, 500, 501, 502, 503, 504,
};
#define NCODES	(sizeof(codes) / sizeof(codes[0]))
static const char *const classes[] = { "1xx", "2xx", "3xx", "4xx", "5xx",
    "none" };
#define NST	(NCODES + sizeof(classes) / sizeof(classes[0]))

/* Histogram upper bounds (Prometheus client defaults, 5 ms .. 10 s). */
static const double bounds[JTA_METRICS_NBUCKETS] = { 0.005, 0.01, 0.025,
    0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
static const char *const bound_names[JTA_METRICS_NBUCKETS] = { "0.005",
    "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10" };
#define NB	(JTA_METRICS_NBUCKETS + 1)	/* with +Inf */

/* Upstream answers: by class, 429 on its own, and no answer. */
static const char *const upstream_outcomes[] = { "2xx", "3xx", "4xx",
    "429", "5xx", "error" };
#define NUP	(sizeof(upstream_outcomes) / sizeof(upstream_outcomes[0]))

static const char *const refresh_outcomes[JTA_METRICS_NREFRESH] = { "ok",
    "invalid_grant", "error" };

static const char *const scopes[] = { "person", "site", "other" };
#define NSCOPE	(sizeof(scopes) / sizeof(scopes[0]))

/* The chat model's outcomes: "ok", the causes jta_llm.c and jta_chat.c
 * set, and "other" last. */
static const char *const model_results[] = { "ok", "model_key",
    "model_busy", "model_error", "model_request", "model_stall",
    "model_timeout", "model_unreachable", "model_answer", "model_rounds",
    "other" };
#define NMODEL	(sizeof(model_results) / sizeof(model_results[0]))
#define MODEL_ROUNDS	9
_Static_assert(NMODEL <= 255, "a model result fits in 8 bits");

/* Layout 3 (the files kept, after layout 2's model outcomes) has another
 * magic and size: a file of an earlier layout is replaced by its next
 * owner and skipped by the reader. */
#define MAGIC	UINT64_C(0x3352544d4154544a)	/* "JTATMTR3" */

/* One process's counters.  Histogram buckets are not cumulative here
 * (one add per observation); the reader accumulates.  Sums are in
 * nanoseconds. */
struct mfile {
	_Atomic uint64_t magic;		/* set last, once the rest is set */
	uint64_t	 size;		/* sizeof(struct mfile): the layout */
	char		 program[JTA_METRICS_PROGRAM_MAX + 1];
	_Atomic uint64_t requests[NEP][NST];
	_Atomic uint64_t req_buckets[NEP][NB];
	_Atomic uint64_t req_sum_ns[NEP];
	_Atomic uint64_t up_buckets[NB];
	_Atomic uint64_t up_sum_ns;
	_Atomic uint64_t up_outcomes[NUP];
	_Atomic uint64_t refreshes[JTA_METRICS_NREFRESH];
	_Atomic uint64_t quota[NSCOPE];
	_Atomic uint64_t meta[2];	/* Jira metadata cache: miss, hit */
	_Atomic uint64_t model[NMODEL];
	/* The newest model outcome: Unix microseconds << 8 | its result's
	 * slot (one word, so a reader never sees half of it), 0: none;
	 * and since when (Unix microseconds) this process's outcomes have
	 * been of that state (ok or failing). */
	_Atomic uint64_t model_last;
	_Atomic uint64_t model_since;
	/* Files kept with drafts (issue 18) and their bytes. */
	_Atomic uint64_t files_kept;
	_Atomic uint64_t file_bytes_kept;
};

/* This process's file, when open. */
static struct mfile *mine;
static int	 mine_fd = -1;

size_t
jta_metrics_endpoint_slot(const char *endpoint)
{
	size_t	 i;

	if (endpoint == NULL)
		return EP_OTHER;
	for (i = 0; i < NEP; i++)
		if (strcmp(epname(i), endpoint) == 0)
			return i;
	return EP_OTHER;
}

size_t
jta_metrics_status_slot(int status)
{
	size_t	 i;

	for (i = 0; i < NCODES; i++)
		if (codes[i] == status)
			return i;
	if (status >= 100 && status <= 599)
		return NCODES + (size_t)(status / 100 - 1);
	return NST - 1;
}

size_t
jta_metrics_bucket(double seconds)
{
	size_t	 i;

	/* le: an observation equal to a bound belongs to that bucket. */
	for (i = 0; i < JTA_METRICS_NBUCKETS; i++)
		if (seconds <= bounds[i])
			return i;
	return JTA_METRICS_NBUCKETS;
}

static uint64_t
to_ns(double seconds)
{
	if (!(seconds > 0))	/* also NaN */
		return 0;
	if (seconds > 1e9)
		return UINT64_C(1000000000) * UINT64_C(1000000000);
	return (uint64_t)(seconds * 1e9);
}

static void
add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

void
jta_metrics_request(const char *endpoint, int status, double seconds)
{
	size_t	 e;

	if (mine == NULL)
		return;
	e = jta_metrics_endpoint_slot(endpoint);
	add(&mine->requests[e][jta_metrics_status_slot(status)], 1);
	add(&mine->req_buckets[e][jta_metrics_bucket(seconds)], 1);
	add(&mine->req_sum_ns[e], to_ns(seconds));
}

void
jta_metrics_upstream(double seconds, long status)
{
	size_t	 o;

	if (mine == NULL)
		return;
	if (status == 429)
		o = 3;
	else if (status >= 200 && status < 300)
		o = 0;
	else if (status >= 300 && status < 400)
		o = 1;
	else if (status >= 400 && status < 500)
		o = 2;
	else if (status >= 500 && status < 600)
		o = 4;
	else
		o = 5;
	add(&mine->up_buckets[jta_metrics_bucket(seconds)], 1);
	add(&mine->up_sum_ns, to_ns(seconds));
	add(&mine->up_outcomes[o], 1);
}

void
jta_metrics_refresh(enum jta_metrics_refresh outcome)
{
	if (mine == NULL)
		return;
	if ((unsigned)outcome >= JTA_METRICS_NREFRESH)
		outcome = JTA_METRICS_REFRESH_ERROR;
	add(&mine->refreshes[outcome], 1);
}

void
jta_metrics_quota_rejected(const char *scope)
{
	size_t	 i;

	if (mine == NULL)
		return;
	for (i = 0; i + 1 < NSCOPE; i++)
		if (scope != NULL && strcmp(scope, scopes[i]) == 0)
			break;
	add(&mine->quota[i], 1);
}

void
jta_metrics_meta(int hit)
{
	if (mine == NULL)
		return;
	add(&mine->meta[hit ? 1 : 0], 1);
}

void
jta_metrics_file_kept(int64_t bytes)
{
	if (mine == NULL)
		return;
	add(&mine->files_kept, 1);
	add(&mine->file_bytes_kept, bytes > 0 ? (uint64_t)bytes : 0);
}

void
jta_metrics_model(const char *cause)
{
	struct timespec	 ts;
	uint64_t	 us, prev;
	size_t		 i;

	if (mine == NULL)
		return;
	i = 0;
	if (cause != NULL)
		for (i = 1; i + 1 < NMODEL; i++)
			if (strcmp(cause, model_results[i]) == 0)
				break;
	add(&mine->model[i], 1);
	if (i == MODEL_ROUNDS || clock_gettime(CLOCK_REALTIME, &ts) != 0 ||
	    ts.tv_sec < 0)
		return;
	us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	if (us == 0 || us > (UINT64_MAX >> 8))
		return;
	prev = atomic_load_explicit(&mine->model_last, memory_order_relaxed);
	/* One writer per file (its owner): load and store are enough. */
	if (prev == 0 || ((prev & 0xff) == 0) != (i == 0))
		atomic_store_explicit(&mine->model_since, us,
		    memory_order_relaxed);
	atomic_store_explicit(&mine->model_last, us << 8 | i,
	    memory_order_release);
}

/* A program name as it may appear in a file name and a label. */
static int
program_ok(const char *p, size_t len)
{
	size_t	 i;

	if (len == 0 || len > JTA_METRICS_PROGRAM_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= '0' && p[i] <= '9') || p[i] == '-'))
			return 0;
	return 1;
}

/* Take the lock of fd's open file description, without waiting. */
static int
lock_fd(int fd)
{
	struct flock	 fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	return fcntl(fd, F_OFD_SETLK, &fl);
}

/* 1 when some process holds fd's file (a live worker), else 0. */
static int
held(int fd)
{
	struct flock	 fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_OFD_GETLK, &fl) != 0)
		return 0;
	return fl.l_type != F_UNLCK;
}

/*
 * Try to own dir/program.n: 1 when it is ours now (mapped), 0 when
 * another process holds it, -1 on error (msg set).
 */
static int
claim(int dfd, const char *dir, const char *program, unsigned n, char *msg,
    size_t msgsz)
{
	char		 name[JTA_METRICS_PROGRAM_MAX + 16];
	struct stat	 sb;
	struct mfile	*m = MAP_FAILED;
	int		 fd = -1, tries, r = -1;

	snprintf(name, sizeof(name), "%s.%u", program, n);
	for (tries = 0; tries < 2; tries++) {
		fd = openat(dfd, name, O_RDWR | O_CREAT | O_CLOEXEC |
		    O_NOFOLLOW, 0640);
		if (fd < 0) {
			snprintf(msg, msgsz, "key 'metrics_dir': cannot "
			    "open %s/%s: %s", dir, name, strerror(errno));
			goto out;
		}
		if (lock_fd(fd) != 0) {
			if (errno == EAGAIN || errno == EACCES)
				r = 0;	/* a live process's */
			else
				snprintf(msg, msgsz, "key 'metrics_dir': "
				    "cannot lock %s/%s: %s", dir, name,
				    strerror(errno));
			goto out;
		}
		if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			snprintf(msg, msgsz, "key 'metrics_dir': %s/%s is "
			    "not a regular file", dir, name);
			goto out;
		}
		if (sb.st_size == 0 || sb.st_size == (off_t)sizeof(*m))
			break;
		/* Another layout (an older build): start a new file; a
		 * reader holding the old one keeps reading that inode. */
		jta_warn("metrics file %s/%s has another layout: replaced",
		    dir, name);
		if (unlinkat(dfd, name, 0) != 0) {
			snprintf(msg, msgsz, "key 'metrics_dir': cannot "
			    "replace %s/%s: %s", dir, name, strerror(errno));
			goto out;
		}
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		snprintf(msg, msgsz, "key 'metrics_dir': %s/%s keeps "
		    "changing", dir, name);
		goto out;
	}
	/* Growing from 0 only: a file in use is never truncated, so a
	 * reader's mapping of it cannot fault. */
	if (sb.st_size == 0 && ftruncate(fd, (off_t)sizeof(*m)) != 0) {
		snprintf(msg, msgsz, "key 'metrics_dir': cannot size %s/%s: "
		    "%s", dir, name, strerror(errno));
		goto out;
	}
	m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		snprintf(msg, msgsz, "key 'metrics_dir': cannot map %s/%s: "
		    "%s", dir, name, strerror(errno));
		goto out;
	}
	if (atomic_load_explicit(&m->magic, memory_order_acquire) != MAGIC ||
	    m->size != sizeof(*m) || strcmp(m->program, program) != 0) {
		/* New, or left half-written by a process that died while
		 * setting it up: nothing in it was counted yet. */
		atomic_store_explicit(&m->magic, 0, memory_order_relaxed);
		memset((char *)m + sizeof(m->magic), 0,
		    sizeof(*m) - sizeof(m->magic));
		m->size = sizeof(*m);
		snprintf(m->program, sizeof(m->program), "%s", program);
		atomic_store_explicit(&m->magic, MAGIC, memory_order_release);
	}
	mine = m;
	mine_fd = fd;
	fd = -1;	/* kept open: it holds the lock */
	r = 1;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

enum jta_err
jta_metrics_dir(const struct jta_conf *conf, char *buf, size_t bufsz)
{
	const char	*slash;
	int		 n;

	if (conf->metrics_dir[0] != '\0')
		n = snprintf(buf, bufsz, "%s", conf->metrics_dir);
	else {
		slash = strrchr(conf->database, '/');
		/* database is an absolute path (jta_conf checks). */
		n = snprintf(buf, bufsz, "%.*s/metrics", slash == NULL ? 0 :
		    (int)(slash - conf->database), conf->database);
	}
	return n < 0 || (size_t)n >= bufsz ? JTA_ERR_CONFIG : JTA_OK;
}

enum jta_err
jta_metrics_open(const struct jta_conf *conf, const char *program,
    char *msg, size_t msgsz)
{
	enum jta_err	 rc = JTA_ERR_CONFIG;
	char		 dir[JTA_CONF_PATH_MAX + 16];
	int		 dfd = -1, r = 0;
	unsigned	 n;

	if (!conf->metrics || mine != NULL)
		return JTA_OK;
	if (!program_ok(program, strlen(program))) {
		snprintf(msg, msgsz, "metrics: bad program name");
		return JTA_ERR_INTERNAL;
	}
	if (jta_metrics_dir(conf, dir, sizeof(dir)) != JTA_OK) {
		snprintf(msg, msgsz, "key 'metrics_dir': the path is too "
		    "long");
		goto out;
	}
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		snprintf(msg, msgsz, "key 'metrics_dir': cannot create %s: %s"
		    " (its parent must exist; or set metrics = off)", dir,
		    strerror(errno));
		goto out;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(msg, msgsz, "key 'metrics_dir': cannot open %s: %s",
		    dir, strerror(errno));
		goto out;
	}
	for (n = 0; n < JTA_METRICS_FILES_PER_PROGRAM; n++)
		if ((r = claim(dfd, dir, program, n, msg, msgsz)) != 0)
			break;
	if (r < 0)
		goto out;
	if (r == 0) {
		snprintf(msg, msgsz, "key 'metrics_dir': %s already holds "
		    "%d live files of %s", dir,
		    JTA_METRICS_FILES_PER_PROGRAM, program);
		goto out;
	}
	rc = JTA_OK;
out:
	if (dfd >= 0)
		close(dfd);
	return rc;
}

void
jta_metrics_close(void)
{
	if (mine != NULL)
		munmap(mine, sizeof(*mine));
	if (mine_fd >= 0)
		close(mine_fd);	/* drops the lock: the next worker's now */
	mine = NULL;
	mine_fd = -1;
}

/* ---- the reader ---- */

/* The sums over every file. */
struct totals {
	uint64_t	 requests[NEP][NST];
	uint64_t	 req_buckets[NEP][NB];
	uint64_t	 req_sum_ns[NEP];
	uint64_t	 up_buckets[NB];
	uint64_t	 up_sum_ns;
	uint64_t	 up_outcomes[NUP];
	uint64_t	 refreshes[JTA_METRICS_NREFRESH];
	uint64_t	 quota[NSCOPE];
	uint64_t	 meta[2];
	uint64_t	 model[NMODEL];
	uint64_t	 files_kept, file_bytes_kept;
	/* Live processes per program, in order of first sight. */
	char		 programs[64][JTA_METRICS_PROGRAM_MAX + 1];
	unsigned	 live[64];
	size_t		 nprograms;
	size_t		 files;
};

static uint64_t
ld(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

static void
sum(struct totals *t, const struct mfile *m, int live)
{
	size_t	 i, j;

	for (i = 0; i < NEP; i++) {
		for (j = 0; j < NST; j++)
			t->requests[i][j] += ld(&m->requests[i][j]);
		for (j = 0; j < NB; j++)
			t->req_buckets[i][j] += ld(&m->req_buckets[i][j]);
		t->req_sum_ns[i] += ld(&m->req_sum_ns[i]);
	}
	for (j = 0; j < NB; j++)
		t->up_buckets[j] += ld(&m->up_buckets[j]);
	t->up_sum_ns += ld(&m->up_sum_ns);
	for (j = 0; j < NUP; j++)
		t->up_outcomes[j] += ld(&m->up_outcomes[j]);
	for (j = 0; j < JTA_METRICS_NREFRESH; j++)
		t->refreshes[j] += ld(&m->refreshes[j]);
	for (j = 0; j < NSCOPE; j++)
		t->quota[j] += ld(&m->quota[j]);
	for (j = 0; j < 2; j++)
		t->meta[j] += ld(&m->meta[j]);
	for (j = 0; j < NMODEL; j++)
		t->model[j] += ld(&m->model[j]);
	t->files_kept += ld(&m->files_kept);
	t->file_bytes_kept += ld(&m->file_bytes_kept);
	t->files++;
	for (i = 0; i < t->nprograms; i++)
		if (strcmp(t->programs[i], m->program) == 0)
			break;
	if (i == t->nprograms) {
		if (i == sizeof(t->live) / sizeof(t->live[0]))
			return;
		snprintf(t->programs[i], sizeof(t->programs[i]), "%s",
		    m->program);
		t->live[i] = 0;
		t->nprograms++;
	}
	t->live[i] += (unsigned)live;
}

/* A file name of ours: PROGRAM.N with the program name, the length
 * checked. */
static int
name_ok(const char *name, char *program, size_t programsz)
{
	const char	*dot = strrchr(name, '.');
	size_t		 plen;

	if (dot == NULL || dot[1] == '\0' || strlen(dot + 1) > 3 ||
	    strspn(dot + 1, "0123456789") != strlen(dot + 1))
		return 0;
	plen = (size_t)(dot - name);
	if (!program_ok(name, plen) || plen >= programsz)
		return 0;
	memcpy(program, name, plen);
	program[plen] = '\0';
	return 1;
}

/* Map dir/name read-only when it is a complete file of ours (*fd open;
 * the caller unmaps and closes), else NULL. */
static const struct mfile *
map_one(int dfd, const char *name, int *fd)
{
	char		 program[JTA_METRICS_PROGRAM_MAX + 1];
	struct stat	 sb;
	const struct mfile *m = MAP_FAILED;

	*fd = -1;
	if (!name_ok(name, program, sizeof(program)))
		return NULL;
	if ((*fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return NULL;
	if (fstat(*fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size != (off_t)sizeof(*m))
		goto bad;	/* being created, or another layout */
	m = mmap(NULL, sizeof(*m), PROT_READ, MAP_SHARED, *fd, 0);
	if (m == MAP_FAILED)
		goto bad;
	if (atomic_load_explicit(&m->magic, memory_order_acquire) != MAGIC ||
	    m->size != sizeof(*m) || memchr(m->program, '\0',
	    sizeof(m->program)) == NULL || strcmp(m->program, program) != 0)
		goto bad;
	return m;
bad:
	if (m != MAP_FAILED)
		munmap((void *)(uintptr_t)m, sizeof(*m));
	close(*fd);
	*fd = -1;
	return NULL;
}

static void
unmap_one(const struct mfile *m, int fd)
{
	munmap((void *)(uintptr_t)m, sizeof(*m));
	close(fd);
}

/* Add the file dir/name to t when it is a complete file of ours. */
static void
read_one(int dfd, const char *name, struct totals *t)
{
	const struct mfile *m;
	int		 fd;

	if ((m = map_one(dfd, name, &fd)) == NULL)
		return;
	sum(t, m, held(fd));
	unmap_one(m, fd);
}

/* One file's newest model outcome, for jta_metrics_model_state. */
struct model_seen {
	uint64_t	 last;		/* us << 8 | slot */
	uint64_t	 since;		/* us */
};

void
jta_metrics_model_state(const char *dir, struct jta_metrics_model_state *st)
{
	struct model_seen *seen = NULL;
	const struct mfile *m;
	struct dirent	*de;
	DIR		*d;
	uint64_t	 newest = 0, other = 0, since = 0, us;
	size_t		 n = 0, i, files = 0;
	int		 fd, failing;

	memset(st, 0, sizeof(*st));
	if ((d = opendir(dir)) == NULL)
		return;
	if ((seen = calloc(JTA_METRICS_FILES_MAX, sizeof(*seen))) == NULL)
		goto out;
	while ((de = readdir(d)) != NULL && files < JTA_METRICS_FILES_MAX) {
		if (de->d_name[0] == '.')
			continue;
		files++;	/* as jta_metrics_render bounds them */
		if ((m = map_one(dirfd(d), de->d_name, &fd)) == NULL)
			continue;
		seen[n].last = atomic_load_explicit(&m->model_last,
		    memory_order_acquire);
		seen[n].since = atomic_load_explicit(&m->model_since,
		    memory_order_relaxed);
		unmap_one(m, fd);
		if (seen[n].last == 0)
			continue;
		if ((seen[n].last >> 8) > (newest >> 8))
			newest = seen[n].last;
		n++;
	}
	if (newest == 0)
		goto out;
	failing = (newest & 0xff) != 0;
	/* The newest outcome of the other state, then the earliest start
	 * of a run of this state after it. */
	for (i = 0; i < n; i++)
		if (((seen[i].last & 0xff) != 0) != failing &&
		    (seen[i].last >> 8) > other)
			other = seen[i].last >> 8;
	for (i = 0; i < n; i++) {
		if (((seen[i].last & 0xff) != 0) != failing)
			continue;
		us = seen[i].since > other ? seen[i].since : other;
		if (since == 0 || us < since)
			since = us;
	}
	st->known = 1;
	st->failing = failing;
	if (failing && (newest & 0xff) < NMODEL)
		snprintf(st->cause, sizeof(st->cause), "%s",
		    model_results[newest & 0xff]);
	st->since = (int64_t)(since / 1000000u);
out:
	free(seen);
	closedir(d);
}

static void put(struct jta_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append to the page; the first failure stays in b->err. */
static void
put(struct jta_buf *b, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)jta_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* A status slot's label value. */
static void
put_status(struct jta_buf *b, size_t s)
{
	if (s < NCODES)
		put(b, "%d", codes[s]);
	else
		put(b, "%s", classes[s - NCODES]);
}

/* One histogram's series: buckets (not cumulative) and sum; label is
 * "" or `name="value",`. */
static void
put_histogram(struct jta_buf *b, const char *metric, const char *label,
    const uint64_t *buckets, uint64_t sum_ns)
{
	uint64_t	 acc = 0;
	size_t		 i;

	for (i = 0; i < JTA_METRICS_NBUCKETS; i++) {
		acc += buckets[i];
		put(b, "%s_bucket{%sle=\"%s\"} %llu\n", metric, label,
		    bound_names[i], (unsigned long long)acc);
	}
	acc += buckets[JTA_METRICS_NBUCKETS];
	put(b, "%s_bucket{%sle=\"+Inf\"} %llu\n", metric, label,
	    (unsigned long long)acc);
	/* Drop the trailing comma for the _sum and _count lines. */
	if (label[0] != '\0')
		put(b, "%s_sum{%.*s} %llu.%09llu\n%s_count{%.*s} %llu\n",
		    metric, (int)(strlen(label) - 1), label,
		    (unsigned long long)(sum_ns / 1000000000u),
		    (unsigned long long)(sum_ns % 1000000000u), metric,
		    (int)(strlen(label) - 1), label, (unsigned long long)acc);
	else
		put(b, "%s_sum %llu.%09llu\n%s_count %llu\n", metric,
		    (unsigned long long)(sum_ns / 1000000000u),
		    (unsigned long long)(sum_ns % 1000000000u), metric,
		    (unsigned long long)acc);
}

static void
format(struct jta_buf *b, const struct totals *t)
{
	char		 label[64];
	size_t		 i, j;

	put(b, "# HELP jta_build_info The running build.\n"
	    "# TYPE jta_build_info gauge\n"
	    "jta_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
	put(b, "# HELP jta_processes Worker processes alive, by program.\n"
	    "# TYPE jta_processes gauge\n");
	for (i = 0; i < t->nprograms; i++)
		put(b, "jta_processes{program=\"%s\"} %u\n", t->programs[i],
		    t->live[i]);
	put(b, "# HELP jta_requests_total Requests answered, by endpoint "
	    "and HTTP status.\n# TYPE jta_requests_total counter\n");
	for (i = 0; i < NEP; i++)
		for (j = 0; j < NST; j++) {
			if (t->requests[i][j] == 0)
				continue;
			put(b, "jta_requests_total{endpoint=\"%s\",status=\"",
			    epname(i));
			put_status(b, j);
			put(b, "\"} %llu\n",
			    (unsigned long long)t->requests[i][j]);
		}
	put(b, "# HELP jta_request_duration_seconds Time to answer a "
	    "request, by endpoint.\n"
	    "# TYPE jta_request_duration_seconds histogram\n");
	for (i = 0; i < NEP; i++) {
		uint64_t n = 0;

		for (j = 0; j < NB; j++)
			n += t->req_buckets[i][j];
		if (n == 0)
			continue;
		snprintf(label, sizeof(label), "endpoint=\"%s\",",
		    epname(i));
		put_histogram(b, "jta_request_duration_seconds", label,
		    t->req_buckets[i], t->req_sum_ns[i]);
	}
	put(b, "# HELP jta_upstream_request_duration_seconds Time of one "
	    "call to Atlassian.\n"
	    "# TYPE jta_upstream_request_duration_seconds histogram\n");
	put_histogram(b, "jta_upstream_request_duration_seconds", "",
	    t->up_buckets, t->up_sum_ns);
	put(b, "# HELP jta_upstream_requests_total Calls to Atlassian, by "
	    "outcome (HTTP status class, or error: no answer).\n"
	    "# TYPE jta_upstream_requests_total counter\n");
	for (j = 0; j < NUP; j++)
		put(b, "jta_upstream_requests_total{outcome=\"%s\"} %llu\n",
		    upstream_outcomes[j],
		    (unsigned long long)t->up_outcomes[j]);
	put(b, "# HELP jta_token_refreshes_total Atlassian token refreshes, "
	    "by outcome.\n# TYPE jta_token_refreshes_total counter\n");
	for (j = 0; j < JTA_METRICS_NREFRESH; j++)
		put(b, "jta_token_refreshes_total{outcome=\"%s\"} %llu\n",
		    refresh_outcomes[j], (unsigned long long)t->refreshes[j]);
	put(b, "# HELP jta_quota_rejections_total Requests refused by a "
	    "quota, by scope.\n# TYPE jta_quota_rejections_total counter\n");
	for (j = 0; j < NSCOPE; j++)
		put(b, "jta_quota_rejections_total{scope=\"%s\"} %llu\n",
		    scopes[j], (unsigned long long)t->quota[j]);
	put(b, "# HELP jta_jira_metadata_cache_lookups_total Lookups in the "
	    "Jira metadata cache, by result.\n# TYPE "
	    "jta_jira_metadata_cache_lookups_total counter\n");
	put(b, "jta_jira_metadata_cache_lookups_total{result=\"hit\"} %llu\n",
	    (unsigned long long)t->meta[1]);
	put(b, "jta_jira_metadata_cache_lookups_total{result=\"miss\"} "
	    "%llu\n", (unsigned long long)t->meta[0]);
	put(b, "# HELP jta_chat_model_answers_total Calls to the chat model, "
	    "by result (ok or the failure's cause).\n# TYPE "
	    "jta_chat_model_answers_total counter\n");
	for (j = 0; j < NMODEL; j++)
		put(b, "jta_chat_model_answers_total{result=\"%s\"} %llu\n",
		    model_results[j], (unsigned long long)t->model[j]);
	put(b, "# HELP jta_attachments_kept_total Files kept with drafts "
	    "(every channel).\n# TYPE jta_attachments_kept_total counter\n"
	    "jta_attachments_kept_total %llu\n",
	    (unsigned long long)t->files_kept);
	put(b, "# HELP jta_attachment_bytes_kept_total Bytes of the files "
	    "kept with drafts.\n# TYPE jta_attachment_bytes_kept_total "
	    "counter\njta_attachment_bytes_kept_total %llu\n",
	    (unsigned long long)t->file_bytes_kept);
}

enum jta_err
jta_metrics_render(const char *dir, int64_t meta_entries, char **out,
    size_t *outlen)
{
	enum jta_err	 rc = JTA_ERR_NOMEM;
	struct totals	*t = NULL;
	struct jta_buf	 b = JTA_BUF_INIT(JTA_LIMIT_METRICS_TEXT);
	struct dirent	*de;
	DIR		*d = NULL;
	size_t		 seen = 0;

	*out = NULL;
	*outlen = 0;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		goto out;
	if ((d = opendir(dir)) == NULL) {
		jta_errorlog("metrics: cannot read %s: %s", dir,
		    strerror(errno));
		rc = JTA_ERR_IO;
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (++seen > JTA_METRICS_FILES_MAX) {
			jta_warn("metrics: %s holds more than %d files; the "
			    "rest is not counted", dir, JTA_METRICS_FILES_MAX);
			break;
		}
		read_one(dirfd(d), de->d_name, t);
	}
	format(&b, t);
	if (meta_entries >= 0)
		put(&b, "# HELP jta_jira_metadata_cache_entries Entries in the "
		    "Jira metadata cache (every site).\n# TYPE "
		    "jta_jira_metadata_cache_entries gauge\n"
		    "jta_jira_metadata_cache_entries %lld\n",
		    (long long)meta_entries);
	*outlen = b.len;
	if ((*out = jta_buf_take(&b)) == NULL) {
		*outlen = 0;
		goto out;
	}
	rc = JTA_OK;
out:
	if (d != NULL)
		closedir(d);
	jta_buf_free(&b);
	free(t);
	return rc;
}
