/*
 * The embedded store's kept files for people (issue 18, README
 * "Attachments: the links to the embedded store's files"): getIssue lists
 * each file with a link a person opens in a browser, which carries no
 * bearer token, so the link itself is the capability:
 *
 *	PUBLIC_URL/files/ID?e=EXPIRES&s=SIG
 *
 * EXPIRES is a Unix time (now + attachment_link_seconds, default one
 * hour) and SIG the unpadded base64url of HMAC-SHA-512-256 (crypto_auth)
 * under the vault's link key (jta_vault_link_sign: a subkey of the master
 * key of its own, so no new secret is distributed) over
 *
 *	"jta-file-link:v1:" ID ":" EXPIRES
 *
 * so a link names one file until one time, and changing either breaks
 * it.  jta-files (fcgi/files.c) serves it; nothing else is checked (no
 * API key, no access rule: whoever holds a link the assistant was given
 * for a ticket they could read opens that file, until it expires).
 */
#ifndef JTA_FILES_H
#define JTA_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "jta_backend.h"
#include "jta_err.h"
#include "jta_req.h"
#include "jta_resp.h"
#include "jta_vault.h"

/* Characters of the signature in a link (32 bytes, base64url). */
#define JTA_FILES_SIGLEN	43

/*
 * Write the link to file id, valid until expires, into out (outsz
 * bytes): public_url + "/files/ID?e=EXPIRES&s=SIG".  -1 when it does not
 * fit (out is then ""), else 0.
 */
int jta_files_link(const struct jta_vault *v, const char *public_url,
    int64_t id, int64_t expires, char *out, size_t outsz);

/*
 * Check a link's parts as the request brings them: seg the path segment
 * after /files/, e and s the query's values (-1 and NULL when absent).
 * JTA_OK
 * with *id the file's id when the signature is ours over (id, e) and now
 * is before e; else JTA_ERR_AUTH with err filled (403): a bad id, a
 * missing or forged signature and another id's signature all get the
 * same answer, so nothing says whether an id exists; an expired link
 * (the signature good) says so.
 */
enum jta_err jta_files_check(const struct jta_vault *v, const char *seg,
    int64_t e, const char *s, int64_t now, int64_t *id,
    struct jta_error *err) JTA_WUR;

/*
 * The Content-Disposition value for a download of a file named name
 * (RFC 6266 §4.1): "attachment; filename=\"...\"", the quoted name with
 * every byte outside printable ASCII, '"', '\\' and '%' made '_' (one
 * '_' per UTF-8 character), and when that changed anything also
 * "; filename*=UTF-8''..." (RFC 8187 §3.2, every byte outside attr-char
 * percent-encoded).  An empty name is "file".  -1 when it does not fit
 * (out is then ""), else 0.
 */
int jta_files_disposition(const char *name, char *out, size_t outsz);

/*
 * Answer GET or HEAD of a link (jta-files): check it (jta_files_check),
 * find the file in the embedded store, and send it with its checked
 * type, Content-Length, Content-Disposition: attachment,
 * X-Content-Type-Options: nosniff, Content-Security-Policy: sandbox and
 * Cache-Control: private, streamed from disk JTA_LIMIT_FILE_CHUNK bytes
 * at a time (HEAD: the headers only).  A good link to a file that is gone
 * (the ticket was deleted) is 404; with backend = jira there are no kept
 * files (404).  On error nothing is sent and err is filled.
 */
enum jta_err jta_files_serve(struct jta_backend *be, const struct jta_req *req,
    int64_t now, struct jta_resp *resp, struct jta_error *err) JTA_WUR;

/* ---- reading a text attachment (getAttachmentText) ---- */

/* 1 when type (a media type, parameters after ';' ignored, case not
 * significant) is one getAttachmentText reads: text/plain, text/csv,
 * text/markdown, text/x-log, application/json; else 0. */
int jta_files_text_type(const char *type);

/*
 * Make the first bytes of a text file fit to show: buf holds len bytes
 * read of it (at most max were wanted; more exist when more is set).
 * Into out (outsz bytes, at least len + 1) the text cut to max bytes at a
 * UTF-8 character's boundary, control characters but tab and newline
 * dropped, each ill-formed byte made U+FFFD when it fits.  Returns the
 * length; *truncated is 1 when anything was cut (more set, or the cut),
 * else 0.
 */
size_t jta_files_text_clean(const char *buf, size_t len, size_t max,
    int more, char *out, size_t outsz, int *truncated);

/*
 * The answer of getAttachmentText, a new object {id, name, type, size,
 * text, truncated} (NULL: memory); text (textlen bytes) as
 * jta_files_text_clean made it.
 */
json_t *jta_files_text_json(int64_t id, const char *name, const char *type,
    int64_t size, const char *text, size_t textlen, int truncated);

/* 422 naming "id": file name of type type is not text (the reason). */
enum jta_err jta_files_text_refuse(const char *name, const char *type,
    struct jta_error *err) JTA_WUR;

/* The embedded store's attachment_text (jta_backend_ops): the issue read
 * as who (its rules hold), then file id of it from disk. */
enum jta_err jta_files_local_text(struct jta_backend *be,
    const struct jta_user *who, const char *key, int64_t id, json_t **out,
    struct jta_error *err) JTA_WUR;

/* getAttachmentText's row's run function (jta_operation.h): param is
 * "KEY/ID" (jta_operation_args). */
struct jta_ctx;
enum jta_err jta_files_op_text(struct jta_ctx *ctx,
    const struct jta_req *req, const struct jta_user *who,
    const char *param, const json_t *in, int *status, json_t **out,
    struct jta_error *err) JTA_WUR;

#endif
