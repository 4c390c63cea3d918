/*
 * Metrics for Prometheus (README.md "Metrics"), counted across every
 * worker process of every program.
 *
 * Each serving process owns one fixed-size file in metrics_dir, named
 * PROGRAM.N (N from 0 to JTA_METRICS_FILES_PER_PROGRAM - 1), mapped
 * shared and updated with relaxed atomic adds: no lock, no system call
 * per request.  A process owns its file by an open-file-description lock
 * (F_OFD_SETLK) that the kernel drops when the process dies, however it
 * dies; the next worker of the same program takes the first unlocked
 * file and goes on adding to its counts.  So the files of dead workers
 * are kept and reused, their counts stay in the sums, a counter never
 * goes backwards while the files exist (metrics_dir under /run: until
 * the next boot), and the number of files is bounded by the most workers
 * a program ever ran at once.  The reader (jta-metrics) sums every file;
 * a file is never truncated once in use, so mapping it cannot fault.
 *
 * Every slot table is fixed: endpoints from a fixed list (the endpoint
 * table's names, jta_endpoint.h), status
 * codes from the ones we send (others fold into their class, "4xx"),
 * fixed histogram buckets.  No label value comes from a request.
 *
 * The counting functions are no-ops until jta_metrics_open succeeded
 * (jta-admin and the unit tests that do not open), and with metrics = off.
 */
#ifndef JTA_METRICS_H
#define JTA_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "jta_conf.h"
#include "jta_err.h"

/* Files one program may own in metrics_dir (its most workers at once). */
#define JTA_METRICS_FILES_PER_PROGRAM	256
/* Files the reader sums at most (the rest is skipped and logged). */
#define JTA_METRICS_FILES_MAX		4096
/* The longest program name ("jta-oauth-metadata" is 18). */
#define JTA_METRICS_PROGRAM_MAX		31

/* Histogram upper bounds in seconds (the +Inf bucket is extra). */
#define JTA_METRICS_NBUCKETS		11

/* How a token refresh ended (jta_oauth.c). */
enum jta_metrics_refresh {
	JTA_METRICS_REFRESH_OK = 0,
	JTA_METRICS_REFRESH_INVALID_GRANT,	/* RFC 6749 §5.2 */
	JTA_METRICS_REFRESH_ERROR,		/* anything else */
	JTA_METRICS_NREFRESH
};

/*
 * The directory of the counters' files: conf->metrics_dir, or when that
 * is "" the directory "metrics" beside conf->database.  JTA_ERR_CONFIG
 * when it does not fit bufsz.
 */
enum jta_err jta_metrics_dir(const struct jta_conf *conf, char *buf,
    size_t bufsz) JTA_WUR;

/*
 * Open (create when needed) this process's file in jta_metrics_dir
 * (created, mode 0750, when missing; its parent must exist) for program
 * (e.g. "jta-issues").  With conf->metrics off, does nothing and
 * returns JTA_OK.  On failure msg says why, naming the key
 * 'metrics_dir'; the caller stops (a start-up error).
 */
enum jta_err jta_metrics_open(const struct jta_conf *conf,
    const char *program, char *msg, size_t msgsz) JTA_WUR;

/* Unmap and unlock this process's file (its counts stay); NULL-safe in
 * spirit: does nothing when nothing is open. */
void jta_metrics_close(void);

/*
 * Count one answered request: endpoint is a name of the fixed list
 * (anything else counts as "other"), status the HTTP status sent (0:
 * none could be sent), seconds the time spent on it.
 */
void jta_metrics_request(const char *endpoint, int status, double seconds);

/* Count one call to Atlassian that took seconds; status is the HTTP
 * status it answered, 0 when it did not (timeout, refused, too big). */
void jta_metrics_upstream(double seconds, long status);

/* Count one token refresh made against Atlassian. */
void jta_metrics_refresh(enum jta_metrics_refresh outcome);

/* Count one request refused by a quota; scope "person" or "site"
 * (anything else counts as "other"). */
void jta_metrics_quota_rejected(const char *scope);

/* Count one file of bytes bytes kept with a draft (jta_usage.h). */
void jta_metrics_file_kept(int64_t bytes);

/* Count one lookup in the Jira metadata cache (jta_store_meta.h): a hit
 * (1) or a miss (0). */
void jta_metrics_meta(int hit);

/*
 * Count one call to the chat model (jta-agent, README "Chat: our own
 * agent"): cause NULL when it answered, else the problem's cause
 * ("model_key", "model_unreachable", ...; a name not in the fixed list
 * counts as "other").  Also notes the outcome, with the time, as this
 * process's newest model outcome for jta_metrics_model_state, unless
 * cause is "model_rounds" (the model answered; the message needed too
 * many rounds).
 */
void jta_metrics_model(const char *cause);

/* The newest model outcome across every worker (the files in dir). */
struct jta_metrics_model_state {
	int		 known;		/* 0: no model call counted yet */
	int		 failing;	/* the newest outcome was a failure */
	char		 cause[32];	/* its cause when failing, else "" */
	int64_t		 since;		/* Unix seconds: in this state since */
};

/*
 * Read the newest model outcome from the files in dir into *st (known
 * 0 when none holds one, or dir cannot be read).  "since" is the start
 * of the newest run of the same state: the earliest outcome of that
 * state newer than every outcome of the other state, as far as the
 * files tell (each keeps its newest outcome and when its own run began).
 */
void jta_metrics_model_state(const char *dir,
    struct jta_metrics_model_state *st);

/*
 * Sum every file in dir and write the Prometheus text exposition format
 * 0.0.4 into *out (malloc'd, NUL-terminated, *outlen bytes; the caller
 * frees), with the gauge of the Jira metadata cache's entries when
 * meta_entries is not negative.  JTA_ERR_IO when dir cannot be read
 * (logged), JTA_ERR_NOMEM.
 */
enum jta_err jta_metrics_render(const char *dir, int64_t meta_entries,
    char **out, size_t *outlen) JTA_WUR;

/* ---- exposed for the unit tests ---- */

/* Slot of an endpoint name (the "other" slot for unknown names). */
size_t jta_metrics_endpoint_slot(const char *endpoint);
/* Slot of a status code (its class's slot for a code not listed). */
size_t jta_metrics_status_slot(int status);
/* Bucket of a duration: 0..JTA_METRICS_NBUCKETS (the last is +Inf). */
size_t jta_metrics_bucket(double seconds);

#endif
