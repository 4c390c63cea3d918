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

#include <stdint.h>

#include <jansson.h>

#include "jta_attach.h"
#include "jta_db.h"
#include "jta_err.h"

/* Bounds of one reference's members (an id like "file-" and 24
 * characters; a signed link of a few hundred bytes). */
#define JTA_DRAFT_FILES_ID_MAX		128
#define JTA_DRAFT_FILES_LINK_MAX	2048

/*
 * Check refs as openaiFileIdRefs: a JSON array of at most
 * JTA_STORE_DRAFT_FILES objects, each with the strings name (1 to
 * JTA_LIMIT_ATTACH_NAME bytes before cleaning), id, mime_type (at most
 * 95 bytes) and download_link (bounded above); other members are
 * ignored.  *out is a new array of objects holding only those four.
 * JTA_ERR_INPUT (422, field "openaiFileIdRefs") saying which element and
 * member is wrong.
 */
enum jta_err jta_draft_files_refs_check(const json_t *refs, json_t **out,
    struct jta_error *err) JTA_WUR;

/*
 * Take each reference of refs (checked by jta_draft_files_refs_check)
 * for draft_id: fetch it under rules, keep it under statedir, record it
 * (at most max_bytes for the draft's files together).  Each file is
 * checked against who's files and file_bytes quotas once fetched and
 * counted once kept (jta_usage_file_allow, _count; usage NULL: neither):
 * a quota's refusal is 429 with retry_after.  Every reference
 * is tried, in order; a refused one leaves nothing behind.  *taken gets
 * the names that went in (a new array, also when some were refused) and
 * *refused an array of {name, field, reason} (empty when none).  JTA_OK
 * when every file went in; otherwise the first refusal's error (its
 * status, field, and a detail that starts with the file's name), with
 * *taken and *refused filled all the same.  Links are never logged.
 */
struct jta_usage;
struct jta_user;
enum jta_err jta_draft_files_take(struct jta_store *st,
    const char *statedir, const struct jta_attach_rules *rules,
    struct jta_usage *usage, const struct jta_user *who,
    const char *draft_id, const json_t *refs, int64_t max_bytes,
    int64_t now, json_t **taken, json_t **refused,
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

/*
 * Whether be takes files for a draft whose request (or changes) is req
 * and whose preview so far is preview (NULL for a new draft): not in a
 * backend without attach other than the embedded store (which keeps the
 * files with its tickets, jta_store_ticket_file_add) and not for a
 * service-desk request (request_type) yet.  JTA_ERR_INPUT (422, field
 * "openaiFileIdRefs") saying why; the files are never silently dropped.
 */
enum jta_err jta_draft_files_can(const struct jta_backend *be,
    const json_t *req, const json_t *preview, struct jta_error *err) JTA_WUR;

/*
 * Take refs (checked by jta_draft_files_refs_check) for who's draft id
 * (the caller checked it is who's): every file is tried; each that went
 * in is audited (name, size, type, draft; never its content or link).
 * JTA_OK when all went in, else jta_draft_files_take's error, each
 * refused file an item of err (field "openaiFileIdRefs", its name and
 * why) and the detail saying which went in.
 */
enum jta_err jta_draft_files_in(struct jta_backend *be,
    const struct jta_user *who, const char *id, const json_t *refs,
    struct jta_error *err) JTA_WUR;

/* Set draft.preview.attachments (draft as jta_once shows it, its "id"
 * read from it) to the draft's files, jta_draft_files_preview's list. */
enum jta_err jta_draft_files_show(struct jta_store *st, json_t *draft,
    struct jta_error *err) JTA_WUR;

/*
 * After a submit of who's draft id answered answer ({"draft", "issue":
 * {"key", ...}}): put each of the draft's files not yet uploaded on the
 * issue with be's attach (the embedded store: a second name for the
 * kept copy, recorded with the ticket in the transaction that marks it
 * uploaded), mark it uploaded, remove it from disk and audit it;
 * answer.attachments lists the draft's files.  Exactly once:
 * before sending any, the attachments are read, and a file that
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
