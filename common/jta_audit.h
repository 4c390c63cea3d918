/*
 * The audit log (README.md "Audit log"): one row for every create, edit,
 * comment, transition and delete of a ticket, every draft change, every
 * sign-in (and every refused one) and every operator action, with when,
 * who, which site and ticket, which endpoint and the outcome (the HTTP
 * status).  Never a secret (password, token, API key, code) and never a
 * ticket's text: the row holds names, keys and our own short words only.
 *
 * Rows older than audit_retention_days go: a bounded batch with every
 * JTA_AUDIT_PURGE_EVERY-th write of a process, and all of them with
 * `jta-admin audit --purge`.
 */
#ifndef JTA_AUDIT_H
#define JTA_AUDIT_H

#include <stdint.h>

#include "jta_err.h"
#include "jta_types.h"

/* Bounds of a row's fields (bytes); longer detail is cut at a character
 * boundary (it is our own text), longer names are refused. */
#define JTA_AUDIT_WHO_MAX	300
#define JTA_AUDIT_DETAIL_MAX	200
#define JTA_AUDIT_WORD_MAX	64	/* action, endpoint, issue key */

/* A process purges a batch of this many expired rows with every
 * JTA_AUDIT_PURGE_EVERY-th write (and its first). */
#define JTA_AUDIT_PURGE_EVERY	64
#define JTA_AUDIT_PURGE_BATCH	500

struct jta_store;

/*
 * Append ev to the audit log in st.  who and action are required and,
 * like account_id, site, issue_key and endpoint, must be printable ASCII
 * or UTF-8 without control characters within their bounds
 * (JTA_ERR_INPUT, 422, naming the field); detail is cut to
 * JTA_AUDIT_DETAIL_MAX bytes with control characters replaced.  Expired
 * rows are purged on the way (see above); a failing purge is logged, not
 * returned.  JTA_ERR_DB when the store fails.
 */
enum jta_err jta_audit_write(struct jta_store *st,
    const struct jta_audit_event *ev, struct jta_error *err) JTA_WUR;

/* Keep rows this many days (audit_retention_days; 365 until set). */
void jta_audit_set_retention(int days);

/* The retention as set, in seconds. */
int64_t jta_audit_retention_s(void);

/*
 * The serving loop's hook (jta_fcgi.c), after the handler answered: log
 * the request when it is a change (create, edit, comment, transition,
 * delete, a draft) by an authenticated person, whatever its outcome
 * (refusals too).  The issue key comes from the path, or for a create
 * from the answer's Location header.  jira (backend = jira): the
 * person's account id and site come from their link; otherwise the site
 * is "local".  Never fails the request: an audit
 * write that fails is logged as an error.
 */
struct jta_req;
struct jta_user;
struct jta_policy_op;
struct jta_resp;
void jta_audit_request(struct jta_store *st, int jira,
    const struct jta_req *req, const struct jta_user *who,
    const struct jta_policy_op *op, const struct jta_resp *resp,
    const struct jta_error *err);

/*
 * Log a sign-in of user (NULL: refused, name is the name tried) with its
 * status (302 when a code went back to the client, 200 for an API key,
 * 401/429 refused), endpoint and detail (the reason).  Jira mode: the
 * account id and site from the user's link.  Logs, never fails.
 */
void jta_audit_signin(struct jta_store *st, int jira,
    const struct jta_user *user, const char *name, const char *endpoint,
    int status, const char *detail);

#endif
