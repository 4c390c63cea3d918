/*
 * Exactly-once creates: server-issued drafts (POST /api/drafts, then
 * POST /api/drafts/{id}/submit) and the Idempotency-Key header of POST
 * /api/issues (draft-ietf-httpapi-idempotency-key-header).  GPT Actions
 * cannot send custom headers, so drafts are how a GPT creates exactly
 * once; scripts may use the header.
 *
 * Both run the same submit: claim the row under a lease (jta_store), call
 * the backend's create with the row's token outside any transaction, then
 * record the answer only while the lease is still ours.  When the create's
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
#include "jta_store_drafts.h"
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

/* A draft as the API shows it: {"id", "revision", "status", "preview"
 * (without "_ids"), "created", "updated", "expires"} and, once submitted,
 * "issue": {"key", "url"}.  A new object or NULL (memory). */
json_t *jta_once_draft_json(const struct jta_draft *d);

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
 * person and kept JTA_STORE_IDEM_TTL.  A request that fails without
 * creating is forgotten (a repeat tries again).
 */
enum jta_err jta_once_issue_create(struct jta_backend *be,
    struct jta_vault *v, const struct jta_user *who, const char *key,
    const char *method, const char *path, const char *body, size_t bodylen,
    const json_t *input, int64_t now, int *status, json_t **out,
    struct jta_error *err) JTA_WUR;

/* The lease a submit takes with backend be, in seconds: long enough for
 * every upstream call one submit may make. */
int64_t jta_once_lease(const struct jta_backend *be);

#endif
