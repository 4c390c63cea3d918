/*
 * Exactly-once creates: server-issued drafts (POST /api/drafts, then
 * POST /api/drafts/{id}/submit) and the Idempotency-Key header of POST
 * /api/issues (draft-ietf-httpapi-idempotency-key-header).  GPT Actions
 * cannot send custom headers, so drafts are how a GPT creates exactly
 * once; scripts may use the header.
 *
 * Both run the same submit: claim the row under a lease (jta_store), call
 * the backend's create with the row's token outside any transaction, then
 * record the answer only while the lease is still ours (the owner names
 * the host, the process and a random part, so the hosts sharing one
 * PostgreSQL database never mistake one another's leases: README "Several
 * hosts on PostgreSQL").  When the create's
 * answer is lost (Jira: timeout, reset, 5xx after sending, all
 * JTA_ERR_UPSTREAM), the backend's find_once looks for the issue carrying
 * the token.  Found: that is the answer.  Not found: the attempt stays
 * unknown, the row stays submitting / in-flight with its attempt time, and
 * the client gets 503 with Retry-After.  A later submit (or a worker that
 * takes over a lease that ran out: a crash) looks again first, and sends
 * the create again, with the same token, only when the search still finds
 * nothing and the unknown attempt is older than the backend's once_window
 * (Jira's index lag).  The embedded store needs no window: its create
 * looks the token up in its own insert transaction.
 */
#ifndef JTA_ONCE_H
#define JTA_ONCE_H

#include <stdint.h>

#include <jansson.h>

#include "jta_backend.h"
#include "jta_err.h"
#include "jta_vault.h"

/* Seconds a client is told to wait while another submit is in flight. */
#define JTA_ONCE_BUSY_RETRY	2

/*
 * Write a new random id with prefix ("d_" for drafts, "o_" for tokens)
 * and 22 base64url characters into out (JTA_LIMIT_DRAFT_ID + 1 bytes).
 */
void jta_once_id(const char *prefix, char out[JTA_LIMIT_DRAFT_ID + 1]);

/* 1 when s is a draft id as jta_once_id makes them, else 0. */
int jta_once_draft_id_ok(const char *s);

/*
 * Check an Idempotency-Key header value (len bytes) and copy the key into
 * out (JTA_LIMIT_IDEMPOTENCY_KEY + 1 bytes): 1..255 printable ASCII
 * characters, given bare (no blank, '"' or '\\') or as an RFC 8941
 * sf-string ("..." with \" and \\ escapes), as the draft's examples
 * send it.  Anything else is JTA_ERR_INPUT (422, field
 * "Idempotency-Key").
 */
enum jta_err jta_once_key_parse(const char *v, size_t len,
    char out[JTA_LIMIT_IDEMPOTENCY_KEY + 1], struct jta_error *err) JTA_WUR;

/*
 * Drafts as the API shows them: {"id", "revision", "status" (ready,
 * submitting, submitted), "preview" (the backend's prepare answer without
 * "_ids"), "created", "updated", "expires"} and, once submitted, "issue":
 * {"key", "url"}.  Drafts belong to one person: another person's draft is
 * answered exactly like a missing one, JTA_ERR_NOTFOUND (404, field
 * "id"); so is one that expired (a day after its last change).  The
 * backend be holds the drafts (its store); now is the time of the call.
 */

/*
 * Make a draft of who's create request input (validated against
 * jta_backend_create_fields; borrowed): the backend prepares it (its
 * errors are returned as they are, and nothing is kept), then it is kept
 * at revision 1, status ready, under a new id written to id.  *out is the
 * new draft as above.
 */
enum jta_err jta_once_draft_create(struct jta_backend *be,
    const struct jta_user *who, const json_t *input, int64_t now,
    char id[JTA_LIMIT_DRAFT_ID + 1], json_t **out,
    struct jta_error *err) JTA_WUR;

/* Who's draft id as above into *out (new). */
enum jta_err jta_once_draft_show(struct jta_backend *be,
    const struct jta_user *who, const char *id, int64_t now, json_t **out,
    struct jta_error *err) JTA_WUR;

/*
 * The project key of who's draft id, as its preview resolved it, into
 * project (projectsz bytes; "" when the preview names none): what the
 * access rules check a submit or an edit against, since those requests
 * do not name it.
 */
enum jta_err jta_once_draft_project(struct jta_backend *be,
    const struct jta_user *who, const char *id, int64_t now, char *project,
    size_t projectsz, struct jta_error *err) JTA_WUR;

/*
 * Change who's draft id: changes (borrowed; members of the create
 * request, each validated, at least one) replace those of the draft's
 * request, the whole request is prepared again by the backend, and the
 * draft moves to revision + 1 with its expiry renewed.  Only a ready
 * draft changes: a submitting or submitted one is JTA_ERR_CONFLICT (409,
 * field "id"), and so is one that another edit changed between our read
 * and our write (409, field "revision").  *out is the changed draft.
 */
enum jta_err jta_once_draft_edit(struct jta_backend *be,
    const struct jta_user *who, const char *id, const json_t *changes,
    int64_t now, json_t **out, struct jta_error *err) JTA_WUR;

/*
 * The person's own upload (POST /api/drafts/{id}/files, which only the
 * person calls: it is no operation a model or MCP client has): files
 * were added to who's draft id, which moves to revision + 1 as
 * jta_once_draft_edit does with no change to the request, and the draft
 * notes (privately, in its stored preview) that the change was the
 * person's upload, so that a submit they confirm may follow it
 * (jta_once_draft_confirmable).  Errors as jta_once_draft_edit.
 */
enum jta_err jta_once_draft_uploaded(struct jta_backend *be,
    const struct jta_user *who, const char *id, int64_t now, json_t **out,
    struct jta_error *err) JTA_WUR;

/*
 * May the person confirm a submit of who's draft id that the assistant
 * asked for at revision asked (README "Chat: files from the chat") with
 * revision shown, the one the person was shown last?  JTA_OK when shown
 * is the draft's current revision, the draft is ready, and every change
 * from asked to shown was the person's own upload
 * (jta_once_draft_uploaded); anything else in between (the assistant's
 * updateDraft, any edit of the request, files by reference) is
 * JTA_ERR_CONFLICT (409, field "revision"): nobody confirmed it.  404 as
 * for every draft that is not who's.  The submit itself checks the
 * revision again in its claim, so a change after this check is 409 too.
 */
enum jta_err jta_once_draft_confirmable(struct jta_backend *be,
    const struct jta_user *who, const char *id, int64_t asked,
    int64_t shown, int64_t now, struct jta_error *err) JTA_WUR;

/*
 * Discard who's draft id: it is deleted and reads as missing from then
 * on.  Only a ready draft is discarded; a submitting or submitted one is
 * JTA_ERR_CONFLICT (409, field "id", the detail saying which, with the
 * issue's key once submitted), and so is one a submit claimed between
 * our read and the delete (the store decides in the transaction that
 * deletes, so a discard never races a submit: jta_store_draft_discard).
 * Another person's draft, an expired or an unknown one is
 * JTA_ERR_NOTFOUND (404, field "id").
 */
enum jta_err jta_once_draft_discard(struct jta_backend *be,
    const struct jta_user *who, const char *id, int64_t now,
    struct jta_error *err) JTA_WUR;

/*
 * Submit who's draft id at revision with backend be (its store holds the
 * draft) at time now.  On JTA_OK *status is 201 (this call created, or
 * recovered what a lost answer created) or 200 (submitted before), and
 * *out is {"draft": id, "issue": {...}}.  Errors: 404 (no such draft),
 * 409 "revision" (stale), 409 with retry_after JTA_ONCE_BUSY_RETRY
 * (another submit in flight), 503 with retry_after (the create's answer
 * was lost and the issue is not found yet: submit again), or the
 * backend's own error (nothing was created).
 */
enum jta_err jta_once_draft_submit(struct jta_backend *be,
    const struct jta_user *who, const char *id, int64_t revision,
    int64_t now, int *status, json_t **out, struct jta_error *err) JTA_WUR;

/*
 * POST /api/issues with an Idempotency-Key: key (checked by
 * jta_once_key_parse), the request's keyed hash over method, path and
 * body (vault v), and its validated input.  The first request prepares
 * and creates; a repeat with the same request answers the same *status
 * and *out; the same key with another request is 422 "Idempotency-Key";
 * while the first is in flight, 409 with retry_after.  Keys are per
 * person and kept a day (the drafts repository's JTA_STORE_IDEM_TTL).
 * A request that fails without creating is forgotten (a repeat tries
 * again).
 */
enum jta_err jta_once_issue_create(struct jta_backend *be,
    struct jta_vault *v, const struct jta_user *who, const char *key,
    const char *method, const char *path, const char *body, size_t bodylen,
    const json_t *input, int64_t now, int *status, json_t **out,
    struct jta_error *err) JTA_WUR;

/*
 * Another write with an Idempotency-Key (draft-ietf-httpapi-idempotency-
 * key-header), as jta_once_issue_create keeps them: key (checked by
 * jta_once_key_parse) of who's request method, path and body (its keyed
 * hash under v).  The first request runs fn(arg, status, out, err); its
 * answer (JTA_OK: *status and *out) is kept, and a repeat with the same
 * request answers it again without running fn; the same key with
 * another request is 422 "Idempotency-Key"; while the first is in
 * flight, 409 with retry_after.  A run that fails is forgotten (a repeat
 * runs again), so fn must itself never repeat what a failed run did
 * (attachFiles: a file already there is not sent again).
 */
typedef enum jta_err (*jta_once_fn)(void *arg, int *status, json_t **out,
    struct jta_error *err);
enum jta_err jta_once_idem_do(struct jta_backend *be, struct jta_vault *v,
    const struct jta_user *who, const char *key, const char *method,
    const char *path, const char *body, size_t bodylen, int64_t now,
    jta_once_fn fn, void *arg, int *status, json_t **out,
    struct jta_error *err) JTA_WUR;

/* The lease a submit takes with backend be, in seconds: long enough for
 * every upstream call one submit may make. */
int64_t jta_once_lease(const struct jta_backend *be);

#endif
