/*
 * A draft's files (issue 18, README "Attachments"): what createDraft and
 * updateDraft will do with the openaiFileIdRefs a GPT Action hands them
 * (OpenAI, "Sending and returning files with GPT Actions": up to ten
 * objects {name, id, mime_type, download_link}, each link valid five
 * minutes).  Each file is fetched at once under the attachment rules
 * (jta_attach_fetch), kept under the state directory (jta_attach_keep)
 * and recorded with its draft (jta_store_draft_file_add, which holds the
 * per-draft caps); files of drafts that are gone are collected here too.
 * createDraft, updateDraft, getDraft, discardDraft and submitDraft call
 * the second half (jta_operation.c): whether a backend takes files, the
 * files into a draft's preview, and the upload at submit, exactly once.
 */
#ifndef JTA_DRAFT_FILES_H
#define JTA_DRAFT_FILES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_attach.h"
#include "jta_db.h"
#include "jta_err.h"

struct jta_usage;
struct jta_user;

/* Bounds of one reference's members (an id like "file-" and 24
 * characters; a signed link of a few hundred bytes). */
#define JTA_DRAFT_FILES_ID_MAX		128
#define JTA_DRAFT_FILES_LINK_MAX	2048

/*
 * Check refs as openaiFileIdRefs: a JSON array of at most
 * JTA_STORE_DRAFT_FILES objects, each with the strings name (1 to
 * JTA_LIMIT_ATTACH_NAME bytes before cleaning) and mime_type (or the MCP
 * schema's mimeType; at most 95 bytes), and exactly one source: a GPT
 * Action's download_link (with its id), an MCP resource link's uri
 * (both bounded above, fetched under the same rules), or the bytes as
 * content_base64 (decoded strictly when taken); other members are
 * ignored.  *out is a new array of objects holding only name, mime_type
 * and the source (and id).
 * JTA_ERR_INPUT (422, field "openaiFileIdRefs") saying which element and
 * member is wrong.
 */
enum jta_err jta_draft_files_refs_check(const json_t *refs, json_t **out,
    struct jta_error *err) JTA_WUR;

/*
 * Keep f (fetched or received, its name, type and bytes checked) for
 * draft_id: the single point every way a file comes in passes before
 * its row is recorded.  who's files and file_bytes quotas are checked
 * first (jta_usage_file_allow: 429 with retry_after; usage NULL: none)
 * and the file counted once recorded (jta_usage_file_count).  The file
 * is scanned next (jta_attach_scan with
 * rules' virus scanner; a finding's signature into sig, sigsz bytes),
 * then kept under statedir and recorded (at most max_bytes for the
 * draft's files together).  JTA_OK, or the refusal (a finding is 422
 * field "virus", an unusable scanner 503 field "scan" with
 * retry_after) with nothing left behind.
 */
enum jta_err jta_draft_files_keep(struct jta_store *st,
    const char *statedir, const struct jta_attach_rules *rules,
    struct jta_usage *usage, const struct jta_user *who,
    const char *draft_id, const struct jta_attach_file *f,
    int64_t max_bytes, int64_t now, char *sig, size_t sigsz,
    struct jta_error *err) JTA_WUR;

/*
 * Take each reference of refs (checked by jta_draft_files_refs_check)
 * for draft_id: fetch it under rules (or decode its content_base64,
 * field "content_base64" when it is not base64), judge it
 * (jta_attach_bytes, the checks every file gets), keep it under
 * statedir, record it
 * (at most max_bytes for the draft's files together).  Every reference
 * is tried, in order; a refused one leaves nothing behind.  *taken gets
 * the names that went in (a new array, also when some were refused) and
 * *refused an array of {name, field, reason} (empty when none; a
 * virus found adds its signature's name as "signature").  JTA_OK
 * when every file went in; otherwise the first refusal's error (its
 * status, field, and a detail that starts with the file's name), with
 * *taken and *refused filled all the same.  Links are never logged.
 */
enum jta_err jta_draft_files_take(struct jta_store *st,
    const char *statedir, const struct jta_attach_rules *rules,
    struct jta_usage *usage, const struct jta_user *who,
    const char *draft_id, const json_t *refs, int64_t max_bytes,
    int64_t now, json_t **taken, json_t **refused,
    struct jta_error *err) JTA_WUR;

/* A file given as bytes (a browser's upload, jta_multipart): its name and
 * declared type as given (NUL-terminated), its body; all borrowed. */
struct jta_draft_bytes {
	const char		*name;
	const char		*mime_type;
	const unsigned char	*body;
	size_t			 len;
};

/*
 * jta_draft_files_take for n files given as bytes: each judged by
 * jta_attach_bytes (the checks a fetched file gets after download),
 * kept and recorded the same way; errors and refusals name field
 * "file" (a refused one without a clean name as "file[i]").
 */
enum jta_err jta_draft_files_take_bytes(struct jta_store *st,
    const char *statedir, const struct jta_attach_rules *rules,
    struct jta_usage *usage, const struct jta_user *who,
    const char *draft_id, const struct jta_draft_bytes *files, size_t n,
    int64_t max_bytes, int64_t now, json_t **taken, json_t **refused,
    struct jta_error *err) JTA_WUR;

/* draft_id's files as a preview shows them: a new array of {name, type,
 * size}, oldest first. */
enum jta_err jta_draft_files_preview(struct jta_store *st,
    const char *draft_id, json_t **out, struct jta_error *err) JTA_WUR;

/* Remove the files of drafts that are gone (discarded, expired and
 * purged) from disk and their rows, a bounded batch per call; *n says
 * how many. */
enum jta_err jta_draft_files_collect(struct jta_store *st,
    const char *statedir, size_t *n, struct jta_error *err) JTA_WUR;

/* ---- the operations' side ---- */

struct jta_backend;
struct jta_user;

/* The state directory files are kept under: the database's directory
 * (into out, outsz bytes). */
void jta_draft_files_statedir(const struct jta_backend *be, char *out,
    size_t outsz);

/* 1 when be is the embedded store, which keeps a ticket's files itself
 * (jta_store_ticket_file_add) rather than through an attach call. */
int jta_draft_files_keeps(const struct jta_backend *be);

/* 1 when issue (as get or sd_request answers it) lists an attachment
 * named name of size bytes: the exactly-once check before a file is
 * sent (the same name and size: an upload whose answer was lost). */
int jta_draft_files_on(const json_t *issue, const char *name, int64_t size);

/* One audit row (action "attach", counted under endpoint) for a file:
 * "WHAT NAME (TYPE, N bytes)" with ticket (a draft id or a key); never
 * its content or link.  A failure to write it is logged. */
void jta_draft_files_audit(struct jta_backend *be,
    const struct jta_user *who, const char *endpoint, const char *what,
    const char *ticket, const char *name, const char *type, int64_t size,
    int status);

/* The audit row of a file the virus scanner refused: "refused NAME:
 * SIGNATURE" under endpoint, with ticket (a draft id or a key), status
 * 422; never its content or link. */
void jta_draft_files_audit_virus(struct jta_backend *be,
    const struct jta_user *who, const char *endpoint, const char *ticket,
    const char *name, const char *sig);

/*
 * Whether be takes files for a draft whose request (or changes) is req
 * and whose preview so far is preview (NULL for a new draft): not in a
 * backend without attach other than the embedded store (which keeps the
 * files with its tickets, jta_store_ticket_file_add) and, for a
 * service-desk request (request_type), not in a backend without
 * sd_attach (the embedded store's requests are its tickets and keep
 * their files alike).  JTA_ERR_INPUT (422, field
 * "openaiFileIdRefs") saying why; the files are never silently dropped.
 */
enum jta_err jta_draft_files_can(const struct jta_backend *be,
    const json_t *req, const json_t *preview, struct jta_error *err) JTA_WUR;

/*
 * Take refs (checked by jta_draft_files_refs_check) for who's draft id
 * (the caller checked it is who's): every file is tried; each that went
 * in is audited (name, size, type, draft; never its content or link),
 * and so is each refused for a virus ("refused NAME: SIGNATURE").
 * JTA_OK when all went in, else jta_draft_files_take's error, each
 * refused file an item of err (field "openaiFileIdRefs", its name and
 * why) and the detail saying which went in.
 */
enum jta_err jta_draft_files_in(struct jta_backend *be,
    const struct jta_user *who, const char *id, const json_t *refs,
    struct jta_error *err) JTA_WUR;

/* jta_draft_files_in for n files given as bytes (field "file"). */
enum jta_err jta_draft_files_in_bytes(struct jta_backend *be,
    const struct jta_user *who, const char *id,
    const struct jta_draft_bytes *files, size_t n,
    struct jta_error *err) JTA_WUR;

/* Set draft.preview.attachments (draft as jta_once shows it, its "id"
 * read from it) to the draft's files, jta_draft_files_preview's list. */
enum jta_err jta_draft_files_show(struct jta_store *st, json_t *draft,
    struct jta_error *err) JTA_WUR;

/*
 * After a submit of who's draft id answered answer ({"draft", "issue":
 * {"key", ...}}): put each of the draft's files not yet uploaded on the
 * issue with be's attach (a service-desk request, whose answer has
 * "servicedesk_id": with sd_attach, its state read with sd_request;
 * the embedded store: a second name for the
 * kept copy, recorded with the ticket in the transaction that marks it
 * uploaded), mark it uploaded, remove it from disk and audit it;
 * answer.attachments lists the draft's files.  Exactly once:
 * before sending any, the issue's attachments are read, and a file that
 * is there already (same name and size: an earlier submit's upload
 * whose answer was lost) is only marked.  An upload whose answer is
 * lost is JTA_ERR_BUSY (503, retry_after, field "openaiFileIdRefs"):
 * the ticket is filed, and submitting again finishes the files.  Two
 * submits at once: each file is sent under an exclusive flock on its
 * kept copy, checked again (marked? on the issue?) under the lock; the
 * submit that finds a file locked gets JTA_ERR_CONFLICT (409,
 * retry_after).
 */
enum jta_err jta_draft_files_upload(struct jta_backend *be,
    const struct jta_user *who, const char *id, json_t *answer,
    struct jta_error *err) JTA_WUR;

#endif
