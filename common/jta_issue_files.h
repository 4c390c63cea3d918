/*
 * Files attached to a ticket that exists (issue 18, README "Attachments:
 * attachFiles"): POST /api/issues/{key}/attachments with the
 * openaiFileIdRefs a GPT Action hands it.  Each file is fetched at once
 * under the attachment rules (jta_attach_fetch) and put on the ticket as
 * a draft's files are at submit: Jira's issue attachments, JSM's
 * temporary file and request attachment for a service-desk request, or
 * the embedded store's own copy.  Exactly once: a file the ticket has
 * already (same name and size) is not sent again.
 */
#ifndef JTA_ISSUE_FILES_H
#define JTA_ISSUE_FILES_H

#include <jansson.h>

#include "jta_err.h"

struct jta_backend;
struct jta_user;

/*
 * Attach the files of refs (checked by jta_draft_files_refs_check) to
 * key as who.  The ticket is read first (a request as getRequest reads
 * it, in Jira mode when key is one; else as getIssue): unknown, 404
 * "key".  Then each reference in order: fetched (refused: its name,
 * field and reason), counted against JTA_LIMIT_ATTACH_BYTES_MAX for all
 * together, found on the ticket already (same name and size: not sent
 * again, listed with "already": true), else attached and audited
 * (never its content or link).  *out is {"key", "attachments": [{name,
 * type, size, already?}], "refused": [{name, field, reason}]}.  When
 * nothing went in and something was refused: the first refusal's error
 * (field "openaiFileIdRefs", the file's name first), one item per
 * refused file.  An upload whose answer is lost: JTA_ERR_BUSY (503,
 * retry_after, field "openaiFileIdRefs"); sending the same again
 * attaches only what is missing.
 */
enum jta_err jta_issue_files_attach(struct jta_backend *be,
    const struct jta_user *who, const char *key, const json_t *refs,
    json_t **out, struct jta_error *err) JTA_WUR;

#endif
