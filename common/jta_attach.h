/*
 * Attachments: a file a person hands the assistant (ChatGPT's
 * openaiFileIdRefs: {name, id, mime_type, download_link}, each link valid
 * five minutes; OpenAI, "Sending and returning files with GPT Actions"),
 * fetched at once and judged before it is kept.  This module owns the
 * rules a file must pass: where it may come from (jta_http_fetch_public
 * with the operator's host allow-list, redirects followed by hand only to
 * listed hosts, the address check, time and size caps), what its name may
 * be, and that its bytes are what its declared type says.  It never
 * stores anything and never logs a link (it carries a signature) or
 * content.
 */
#ifndef JTA_ATTACH_H
#define JTA_ATTACH_H

#include <stddef.h>
#include <stdint.h>

#include "jta_err.h"

/* The host ChatGPT's download links use (the example links of OpenAI's
 * "Sending and returning files with GPT Actions"): the default
 * allow-list. */
#define JTA_ATTACH_DEFAULT_HOSTS	"files.oaiusercontent.com"

/*
 * Clean a file name a stranger gives (len bytes, need not be
 * NUL-terminated) into out (outsz bytes, NUL-terminated): only the part
 * after the last '/' or '\', control characters (C0, DEL, C1) dropped,
 * leading and trailing blanks and dots dropped (no ".." or hidden
 * files).  JTA_ERR_INPUT (422, field "name") when the name is not UTF-8,
 * when nothing is left, or when what is left is over
 * JTA_LIMIT_ATTACH_NAME bytes or does not fit out.
 */
enum jta_err jta_attach_name_clean(const char *name, size_t len, char *out,
    size_t outsz, struct jta_error *err) JTA_WUR;

/*
 * The canonical form of a declared MIME type (lower case, parameters such
 * as "; charset=utf-8" dropped) when this server accepts it, or NULL:
 * image/png, image/jpeg, image/gif, image/webp, application/pdf,
 * application/zip and the Office Open XML types (zip containers),
 * text/plain, text/csv, text/markdown, text/x-log and application/json.
 * The result is a static string.
 */
const char *jta_attach_type_known(const char *declared);

/*
 * JTA_OK when body (len bytes) starts as the declared type's files do
 * (its magic bytes; for text types, the whole body is UTF-8 without a
 * NUL; for JSON, that and a first '{' or '['), else JTA_ERR_INPUT (422,
 * field "mime_type") saying the type is not accepted or the content is
 * not of that type.
 */
enum jta_err jta_attach_type_check(const char *declared, const void *body,
    size_t len, struct jta_error *err) JTA_WUR;

/* Where files may come from and how big they may be. */
struct jta_attach_rules {
	const char	*hosts;		/* the allow-list (jta_http.h form) */
	size_t		 max_bytes;	/* one file */
	const char	*ca_file;	/* tests only; NULL: the system's */
	int		 allow_loopback;	/* tests only */
	const char	*test_resolve;	/* tests only: NULL */
	const char	*clamd_socket;	/* NULL or "": no scanning */
	int		 clamd_timeout_ms;
};

struct jta_conf;

/* rules from conf's attachment_* keys; they borrow conf's strings. */
void jta_attach_rules_conf(struct jta_attach_rules *rules,
    const struct jta_conf *conf);

/* A fetched file.  Release with jta_attach_file_free. */
struct jta_attach_file {
	char		 name[256];	/* cleaned; JTA_LIMIT_ATTACH_NAME */
	char		 mime_type[96];	/* canonical, jta_attach_type_known */
	unsigned char	*body;
	size_t		 len;
};

/*
 * Fetch one file given as name, declared MIME type and download link
 * (each NUL-terminated) under rules into *out.  The name and type are
 * judged before anything is fetched.  JTA_OK with out filled; otherwise
 * err says why, with the field at fault ("name", "mime_type", or one of
 * jta_http_fetch_public's: "https", "url", "host", "address",
 * "redirect", "size", "status", "timeout", "fetch") and a detail that
 * may be shown (never the link).  out is empty on failure.
 */
enum jta_err jta_attach_fetch(const struct jta_attach_rules *rules,
    const char *name, const char *mime_type, const char *link,
    struct jta_attach_file *out, struct jta_error *err) JTA_WUR;

/*
 * Judge a file given as bytes (body, len bytes, from malloc; an MCP
 * tool's base64 content, a browser's upload, or what jta_attach_fetch
 * downloaded) exactly as every file is judged: the name cleaned, the
 * declared type accepted, at most rules->max_bytes (413, field "size"),
 * the first bytes of the declared type.  body is always taken: on JTA_OK
 * it is out->body, otherwise it is freed and out is empty; err as
 * jta_attach_fetch's ("name", "mime_type", "size").  The one place these
 * checks live, so every channel shares them.
 */
enum jta_err jta_attach_bytes(const struct jta_attach_rules *rules,
    const char *name, const char *mime_type, void *body, size_t len,
    struct jta_attach_file *out, struct jta_error *err) JTA_WUR;

/* Release out's body and empty it; NULL is a no-op. */
void jta_attach_file_free(struct jta_attach_file *out);

/* ---- Keeping files (jta_attach_keep.c) ----
 *
 * A fetched file is kept until its draft is submitted, discarded or
 * expires, as a file of its own under statedir/attachments/ (the state
 * directory: the database's directory).  Nothing here records it; the
 * drafts repository does (jta_store_draft_file_add).
 */

/* The SHA-256 of body (len bytes) as 64 lower-case hex digits. */
void jta_attach_sha256_hex(const void *body, size_t len, char hex[65]);

/*
 * Write f's body to a new file under statedir/attachments/ (the directory
 * made 0700 when missing, refused when it is not ours or open to others)
 * with a random name, mode 0600, synced; path (pathsz bytes) gets where,
 * sha256 the body's hash.  JTA_ERR_INTERNAL (500) when it cannot be
 * written (the reason is logged); then nothing is left on disk.
 */
enum jta_err jta_attach_keep(const char *statedir,
    const struct jta_attach_file *f, char *path, size_t pathsz,
    char sha256[65], struct jta_error *err) JTA_WUR;

/*
 * Give the kept file from (made by jta_attach_keep under statedir) a
 * second name of its own there, random as the first (link(2): the same
 * bytes, mode 0600), into path (pathsz bytes): the embedded store's
 * ticket keeps it when the draft's name is forgotten.  JTA_ERR_INTERNAL
 * (500) when it cannot (the reason is logged).
 */
enum jta_err jta_attach_keep_link(const char *statedir, const char *from,
    char *path, size_t pathsz, struct jta_error *err) JTA_WUR;

/*
 * Scan f with the virus scanner rules name (clamd on
 * rules->clamd_socket, jta_clamd_scan), the check every file passes
 * before it is kept, whichever way it came in (jta_draft_files_keep
 * calls it).  JTA_OK when no scanner is set or it finds nothing.  A
 * finding is JTA_ERR_INPUT (422, field "virus", a detail naming the
 * signature), its name also into sig (sigsz bytes; "" otherwise); a
 * scanner that cannot be reached, is too slow or answers an error is
 * JTA_ERR_BUSY (503, field "scan", retry_after): the file is refused,
 * never kept unscanned.
 */
enum jta_err jta_attach_scan(const struct jta_attach_rules *rules,
    const struct jta_attach_file *f, char *sig, size_t sigsz,
    struct jta_error *err) JTA_WUR;

/* Remove a file jta_attach_keep made under statedir; any other path
 * (not directly in statedir/attachments/, not its 32 hex digits) is
 * left alone.  A file already gone is not an error. */
void jta_attach_forget(const char *statedir, const char *path);

/*
 * Open a file jta_attach_keep (or _keep_link) made under statedir for
 * reading: only such a path (as jta_attach_forget judges), never through
 * a symbolic link, and only a regular file; *fd (the caller closes it)
 * and *size (its size now).  JTA_ERR_NOTFOUND when it is not there or not
 * one of ours (the reason is logged).
 */
enum jta_err jta_attach_open_kept(const char *statedir, const char *path,
    int *fd, int64_t *size) JTA_WUR;

#endif
