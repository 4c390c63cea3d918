/*
 * The drafts repository: ticket drafts (preview, then submit once),
 * idempotency keys, and the short leases on both that let exactly one
 * process send a create upstream (jta_once.h).
 *
 * Implemented by the SQLite engine (jta_db.c) and on PostgreSQL
 * (common/db/pg/jta_pg_drafts.c: the claims' write lock is the draft
 * row's lock, SELECT ... FOR UPDATE, or the key's advisory lock; the
 * embedded store's ticket attachments stay on SQLite).  Every function
 * here works on one connection (struct jta_store, jta_db.h); "its own
 * transaction" means the function opens and commits a write transaction
 * itself (BEGIN IMMEDIATE under SQLite: writers queue, none fails
 * half-way) and must not be called inside another; "the caller's
 * transaction" means the caller opened one with jta_db_begin and commits
 * or rolls back.  A read without either sees one consistent snapshot per
 * call.  Errors: JTA_ERR_DB (err->status 503
 * when the database is busy, else 500; the engine's own text only in the
 * log), and those named at each function.
 * Every function that writes does so in its own transaction; a claim is
 * committed before the caller's upstream call, never held across it.
 */
#ifndef JTA_JTA_STORE_DRAFTS_H
#define JTA_JTA_STORE_DRAFTS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_db.h"
#include "jta_err.h"
#include "jta_limits.h"
#include "jta_types.h"

/* ---- drafts and idempotency keys (schema 6) ----
 *
 * The store half of exactly-once creates (jta_once has the other half).
 * A draft or an Idempotency-Key row is submitted by one process at a time
 * under a lease, as with the refresh lease of atlassian_links: the lease
 * is claimed in a short BEGIN IMMEDIATE transaction and committed, the
 * backend is called outside any transaction, and the result is recorded
 * only while the lease is still the caller's (an expired lease nobody
 * took is still the caller's).  A lease that ran out (a crashed worker)
 * may be taken over by anyone; what its create did is then unknown and
 * jta_once finds out before creating again.  Expired rows are purged a
 * bounded batch at a time on the way.  Rows belong to one user: another
 * user's row is reported exactly like a missing one.
 *
 * What a draft is for (making one from the backend's prepare, its JSON
 * for the API, which drafts may change, preparing an edit again, what a
 * submit does with each claim) is jta_once's.  The decisions kept here
 * are the ones that must be atomic with their write, so that a second
 * engine keeps them atomic too: a claim reads the row and decides NEW,
 * RESUME, BUSY or DONE under the same write lock that records the lease
 * (two processes must never both see it free); an edit re-checks status
 * ready and the revision the caller read inside its write transaction
 * (jta_once checks status before preparing, but a submit may start in
 * between); a discard reads status ready and deletes in one write
 * transaction (a claim must never find half of it); attempt, done and
 * release write only while the lease is the caller's (a conditional
 * UPDATE: the row's lease_owner).  The argument
 * checks on a lease (owner and token printable and bounded as their
 * columns are, now + lease_s without overflow) guard this layer's own
 * columns and arithmetic, so they stay too.
 */

/* A draft lives this long after its last change; a submitted one this
 * long after its submit.  Idempotency keys are kept this long. */
#define JTA_STORE_DRAFT_TTL	86400
#define JTA_STORE_SUBMITTED_TTL	(7 * 86400)
#define JTA_STORE_IDEM_TTL	86400

/* A draft as read; jta_store_draft_clear releases the JSON members. */
struct jta_draft {
	char	 id[JTA_LIMIT_DRAFT_ID + 1];
	int64_t	 revision;
	char	 status[16];		/* ready, submitting, submitted */
	json_t	*input;			/* the body as the client sent it */
	json_t	*preview;		/* prepare's answer, with "_ids" */
	json_t	*result;		/* submitted: the submit's answer */
	int64_t	 created, updated, expires;
};

/* Release d's JSON members (d itself is the caller's). */
void jta_store_draft_clear(struct jta_draft *d);

/* Store a new draft id (random, from jta_once) of user_id at revision 1,
 * status ready, expiring JTA_STORE_DRAFT_TTL after now.  input and preview
 * are borrowed.  JTA_ERR_CONFLICT when the id exists. */
enum jta_err jta_store_draft_put(struct jta_store *st, int64_t user_id,
    const char *id, const json_t *input, const json_t *preview, int64_t now,
    struct jta_error *err) JTA_WUR;

/* Read user_id's unexpired draft id into *out.  JTA_ERR_NOTFOUND (404,
 * field "id") when there is none, it is another user's, or it expired. */
enum jta_err jta_store_draft_get(struct jta_store *st, int64_t user_id,
    const char *id, int64_t now, struct jta_draft *out,
    struct jta_error *err) JTA_WUR;

/* Replace input and preview of the draft, which must still be ready at
 * revision (the one the caller read): revision + 1, expiry renewed.
 * JTA_ERR_NOTFOUND as for _get; JTA_ERR_CONFLICT (409) when it is
 * submitting or submitted, or changed since the caller read it. */
enum jta_err jta_store_draft_edit(struct jta_store *st, int64_t user_id,
    const char *id, int64_t revision, const json_t *input,
    const json_t *preview, int64_t now, struct jta_error *err) JTA_WUR;

/*
 * Delete user_id's unexpired draft id, which must be ready: the read of
 * its status and the delete run in one write transaction (BEGIN
 * IMMEDIATE under SQLite), the same write lock jta_store_draft_claim
 * reads and writes under.  A discard and a submit's claim of the same
 * draft are therefore serialised, never interleaved: either the discard
 * commits first (the draft is gone and the claim is JTA_ERR_NOTFOUND, so
 * nothing is ever sent upstream for it), or the claim commits first (the
 * draft is submitting and the discard is JTA_ERR_CONFLICT, leaving the
 * row, its once token and its lease untouched for the submit to record
 * its answer).  A second engine must keep the read and the delete atomic
 * the same way.  JTA_ERR_NOTFOUND as for _get; JTA_ERR_CONFLICT (409,
 * field "id") when it is submitting or submitted.
 */
enum jta_err jta_store_draft_discard(struct jta_store *st, int64_t user_id,
    const char *id, int64_t now, struct jta_error *err) JTA_WUR;

/* Which table a lease is on. */
enum jta_once_kind {
	JTA_ONCE_DRAFT,		/* drafts: id is the draft id */
	JTA_ONCE_IDEM		/* idempotency_keys: id is the key */
};

/* What a claim found. */
enum jta_claim_result {
	JTA_CLAIM_NEW,		/* ours; nothing was sent before: create */
	JTA_CLAIM_RESUME,	/* ours; an earlier attempt (at attempt_at)
				 * may or may not have created: find out */
	JTA_CLAIM_BUSY,		/* another process holds a live lease */
	JTA_CLAIM_DONE		/* finished: status and result are the
				 * answer to repeat */
};

/* A claim's result; jta_store_claim_clear releases the JSON members. */
struct jta_claim {
	enum jta_claim_result res;
	char	 token[JTA_LIMIT_ONCE_TOKEN + 1];	/* NEW, RESUME */
	int64_t	 attempt_at;	/* RESUME: when the last create was sent */
	int64_t	 since;		/* no create was sent before this time */
	int64_t	 lease_left;	/* BUSY: seconds the lease still runs */
	int	 status;	/* DONE: the HTTP status to answer */
	json_t	*result;	/* DONE: the body to answer */
	json_t	*prepared;	/* drafts, NEW and RESUME: the preview */
};

void jta_store_claim_clear(struct jta_claim *c);

/*
 * Claim user_id's draft id for a submit at revision, for owner (printable,
 * at most JTA_LIMIT_LEASE_OWNER bytes) until now + lease_s.  token (a
 * fresh one) becomes the draft's once token unless it has one already;
 * out->token is the one to use.  A ready draft becomes submitting with
 * attempt_at = now (NEW); a submitting one whose lease ran out or was
 * released is taken over (RESUME); a live lease of another owner is BUSY;
 * a submitted draft is DONE with status 200 and its result.
 * JTA_ERR_NOTFOUND as for _get; JTA_ERR_CONFLICT (409, field "revision")
 * when revision is not the draft's.
 */
enum jta_err jta_store_draft_claim(struct jta_store *st, int64_t user_id,
    const char *id, int64_t revision, const char *owner, const char *token,
    int64_t now, int64_t lease_s, struct jta_claim *out,
    struct jta_error *err) JTA_WUR;

/*
 * Claim user_id's Idempotency-Key key for a request whose keyed hash is
 * hash, as for drafts: no unexpired row makes one (in-flight, ours,
 * attempt_at = now, token, expiring JTA_STORE_IDEM_TTL after now: NEW);
 * an in-flight row whose lease ran out is RESUME, a live one BUSY; a done
 * row is DONE with the stored status and body.  A row made for another
 * request hash is JTA_ERR_INPUT (422, field "Idempotency-Key").
 */
enum jta_err jta_store_idem_claim(struct jta_store *st, int64_t user_id,
    const char *key, const unsigned char hash[JTA_VAULT_HASHBYTES],
    const char *owner, const char *token, int64_t now, int64_t lease_s,
    struct jta_claim *out, struct jta_error *err) JTA_WUR;

/* A create is about to be sent again under owner's lease: attempt_at =
 * now.  JTA_ERR_CONFLICT (409) when the lease is not owner's. */
enum jta_err jta_store_once_attempt(struct jta_store *st,
    enum jta_once_kind kind, int64_t user_id, const char *id,
    const char *owner, int64_t now, struct jta_error *err) JTA_WUR;

/*
 * Record the answer of owner's submit: status (201) and result (borrowed;
 * for a draft {"draft", "issue": {key, url, ...}}, whose key and url are
 * kept in their own columns too).  A draft becomes submitted and expires
 * JTA_STORE_SUBMITTED_TTL after now; a key becomes done.  The lease is
 * cleared.  JTA_ERR_CONFLICT (409) when the lease is not owner's.
 */
enum jta_err jta_store_once_done(struct jta_store *st,
    enum jta_once_kind kind, int64_t user_id, const char *id,
    const char *owner, int status, const json_t *result, int64_t now,
    struct jta_error *err) JTA_WUR;

/*
 * Give up owner's lease.  unknown: a create may have happened (its answer
 * was lost): the row stays submitting / in-flight with its attempt_at,
 * for the next claim to RESUME.  Otherwise nothing was created: a draft
 * goes back to ready (no attempt), a key's row is deleted (a repeat makes
 * a new attempt).  JTA_ERR_CONFLICT (409) when the lease is not owner's.
 */
enum jta_err jta_store_once_release(struct jta_store *st,
    enum jta_once_kind kind, int64_t user_id, const char *id,
    const char *owner, int unknown, struct jta_error *err) JTA_WUR;

/* ---- draft attachments (schema 18, issue 18) ----
 *
 * The files handed to a draft (README "Attachments"): each is fetched
 * and kept on disk first (jta_attach_keep), then recorded here.  Rows are
 * keyed by the draft id only; callers check that the draft is the
 * person's (jta_store_draft_get) before they add or read.  A row outlives
 * its draft only until jta_store_draft_file_gc collects it: the files of
 * discarded and expired drafts are found there, so their caller can
 * remove them from disk.  uploaded is set once, when the submit put the
 * file on the ticket; a retried submit skips files so marked (exactly
 * once, as the draft's own create).
 */

/* At most this many files per draft (ChatGPT hands at most ten per
 * action call: OpenAI, "Sending and returning files with GPT Actions"). */
#define JTA_STORE_DRAFT_FILES	10

struct jta_draft_file {
	int64_t	 id;		/* the row's id */
	char	 name[JTA_LIMIT_ATTACH_NAME + 1];
	char	 type[96];
	int64_t	 size;
	char	 path[4096];
	char	 sha256[65];	/* lower-case hex */
	int	 uploaded;
};

/*
 * Record f (its name, type, size, path and sha256; id and uploaded are
 * ignored) as a file of draft_id, in its own transaction, when draft_id
 * has fewer than JTA_STORE_DRAFT_FILES files and their sizes and f's
 * add up to at most max_bytes.  out_id gets the new row's id.
 * JTA_ERR_INPUT (413, field "openaiFileIdRefs") when over either cap;
 * JTA_ERR_CONFLICT (409, field "name") when the draft has a file of that
 * name already; JTA_ERR_INPUT (422) when a member is out of its
 * column's bounds.
 */
enum jta_err jta_store_draft_file_add(struct jta_store *st,
    const char *draft_id, const struct jta_draft_file *f, int64_t max_bytes,
    int64_t now, int64_t *out_id, struct jta_error *err) JTA_WUR;

/* draft_id's files, oldest first, into out (at most max; *n set).  No
 * file is JTA_OK with *n = 0. */
enum jta_err jta_store_draft_file_list(struct jta_store *st,
    const char *draft_id, struct jta_draft_file *out, size_t max,
    size_t *n, struct jta_error *err) JTA_WUR;

/* Mark file id of draft_id uploaded (idempotent).  JTA_ERR_NOTFOUND
 * (404) when there is no such row. */
enum jta_err jta_store_draft_file_uploaded(struct jta_store *st,
    const char *draft_id, int64_t id, struct jta_error *err) JTA_WUR;

/*
 * Collect up to max rows whose draft no longer exists (discarded, or
 * purged after it expired), in one transaction: they are copied into
 * out (*n set) and deleted, so the caller removes their files from
 * disk.  A caller that fails to remove one leaves a file no row names;
 * it never leaves a row naming a file that is gone.
 */
enum jta_err jta_store_draft_file_gc(struct jta_store *st,
    struct jta_draft_file *out, size_t max, size_t *n,
    struct jta_error *err) JTA_WUR;

/* ---- ticket attachments (schema 19, issue 18) ----
 *
 * The embedded store's files on its tickets (README "Attachments: the
 * embedded store"): a submit moves each file of its draft onto the
 * ticket, the row here written in the same transaction that marks the
 * draft's file uploaded, so a retried submit never attaches twice.
 */

/* At most this many of a ticket's files are listed (as Jira mode). */
#define JTA_STORE_TICKET_FILES	20

struct jta_ticket_file {
	int64_t	 id;		/* the row's id */
	char	 name[JTA_LIMIT_ATTACH_NAME + 1];
	char	 type[96];
	int64_t	 size;
	char	 path[4096];
	char	 sha256[65];	/* lower-case hex */
	char	 author[JTA_LIMIT_NAME + 1];
	int64_t	 created;	/* Unix time */
};

/*
 * In one transaction: mark file f (its id, name, type, size, sha256) of
 * draft_id uploaded and record it, kept at path, as a file of the
 * ticket proj-num, attached by author at now.  draft_id NULL: a file
 * attached to the ticket itself (attachFiles), only recorded (f's id is
 * ignored).  JTA_ERR_CONFLICT (409) when f was marked already (nothing
 * written); JTA_ERR_NOTFOUND (404,
 * field "key") when there is no such ticket; JTA_ERR_INPUT (422) when a
 * member is out of its column's bounds.
 */
enum jta_err jta_store_ticket_file_add(struct jta_store *st,
    const char *draft_id, const struct jta_draft_file *f, const char *path,
    const char *proj, int64_t num, const char *author, int64_t now,
    struct jta_error *err) JTA_WUR;

/* The files of ticket proj-num, oldest first, into out (at most max; *n
 * set) and how many it has in all (*total).  None is JTA_OK, *n = 0. */
enum jta_err jta_store_ticket_file_list(struct jta_store *st,
    const char *proj, int64_t num, struct jta_ticket_file *out, size_t max,
    size_t *n, int64_t *total, struct jta_error *err) JTA_WUR;

/* The ticket file with row id id into *out, and its ticket's project key
 * (into proj, projsz bytes) and number (*num).  JTA_ERR_NOTFOUND (404,
 * field "id") when there is none. */
enum jta_err jta_store_ticket_file_get(struct jta_store *st, int64_t id,
    struct jta_ticket_file *out, char *proj, size_t projsz, int64_t *num,
    struct jta_error *err) JTA_WUR;

#endif
