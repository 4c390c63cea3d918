/*
 * The knowledge base (README.md "Knowledge before tickets"): the
 * embedded store's articles as the API shows them, and the operators'
 * import of Markdown and HTML files into it.
 *
 * Articles of the embedded store have ids "kb-N" on the wire.  A search
 * answers {"articles": [{id, title, space, excerpt, updated, url (null
 * when the operator gave none), from: "local"}]}; a read {id, title,
 * space, updated, url, from, body (Markdown)}, which jta_resp's cap
 * (jta_fit) cuts with a note when it is longer than an answer may be.
 */
#ifndef JTA_KB_H
#define JTA_KB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_err.h"
#include "jta_types.h"

struct jta_backend;
struct jta_store;
struct jta_operator;

/* The prefix of the embedded store's article ids. */
#define JTA_KB_LOCAL_PREFIX	"kb-"

/*
 * The embedded store's articles best matching text (a person's words,
 * never FTS5 syntax; see jta_store_kb_queries), in space when not NULL,
 * at most limit (1..JTA_LIMIT_KB_MAX): *out a new array of the API's
 * items, best first.  Articles synced from a declared space only when
 * site (the person's linked site's cloud id; NULL for none) is the
 * space's.  Bad text is 422 naming "text".
 */
enum jta_err jta_kb_search(struct jta_store *st, const char *text,
    const char *space, const char *site, size_t limit, json_t **out,
    struct jta_error *err) JTA_WUR;

/*
 * The embedded store's article id ("kb-N"): *out a new read answer.
 * JTA_ERR_NOTFOUND (404 "id") when there is none, or id is not of
 * that form, or it was synced for another site than site (as
 * jta_kb_search).
 */
enum jta_err jta_kb_get(struct jta_store *st, const char *id,
    const char *site, json_t **out, struct jta_error *err) JTA_WUR;

/* 1 when id is an embedded-store article id ("kb-" and a positive
 * number), with the number in *n; else 0. */
int jta_kb_local_id(const char *id, int64_t *n);

/*
 * Import the file at path (.md or .markdown: Markdown as it is; .html or
 * .htm: converted by jta_html) as op, in space ("" or NULL for none),
 * its link url_base + "/" + the file's name (percent-encoded) when
 * url_base (http or https) is not NULL.  The title is the first heading
 * (for HTML <title> first), else the file's name without extension.  A
 * file imported before (same real path) is replaced under its id.  *id,
 * *added (1: new) and title (titlesz bytes) say what was stored.  One
 * audit row admin:kb-import.  Errors name the file, its size (413
 * "file"), its encoding (422 "file") or the value out of bounds.
 */
enum jta_err jta_kb_import(struct jta_operator *op, const char *path,
    const char *space, const char *url_base, int64_t *id, int *added,
    char *title, size_t titlesz, struct jta_error *err) JTA_WUR;

/* Remove article id ("kb-N" or N) as op; one audit row admin:kb-remove.
 * 404 "id" when there is none. */
enum jta_err jta_kb_remove(struct jta_operator *op, const char *id,
    struct jta_error *err) JTA_WUR;

/* Every article (no body) for jta-admin kb list: *out a new array of
 * {id ("kb-N"), title, space, source, url, updated, chars}. */
enum jta_err jta_kb_list(struct jta_store *st, json_t **out,
    struct jta_error *err) JTA_WUR;

/*
 * Record that who said article id helped (POST
 * /api/knowledge/{id}/helped): a "kb-N" that exists, or with confluence
 * set a "page-N" or "blog-N" (Confluence checked who may read it when
 * it was offered).  *out: {"recorded": true, "id": id}.  404 "id" for an
 * id that names nothing here (a synced article: nothing for site, as
 * jta_kb_get).
 */
enum jta_err jta_kb_helped(struct jta_store *st, const struct jta_user *who,
    const char *id, const char *site, int confluence, json_t **out,
    struct jta_error *err) JTA_WUR;

/*
 * The deflection figure from day from to day to ("YYYY-MM-DD",
 * inclusive): *out a new {"answered": N (answered from knowledge: a
 * person said an article helped), "creates": M (tickets created, as
 * usage counts them)}.
 */
enum jta_err jta_kb_deflection(struct jta_store *st, const char *from,
    const char *to, json_t **out, struct jta_error *err) JTA_WUR;

/* ---- declared spaces (README.md "Knowledge sync") ---- */

/* A declared space counts as stale when its last whole sync is older
 * than this (two missed daily runs of jta-kb-sync.timer). */
#define JTA_KB_SYNC_STALE	(48 * 3600)

/* 1 when key is a Confluence space key as we take one: 1 to
 * JTA_LIMIT_KB_SPACE ASCII letters, digits, '-', '_' or '~'. */
int jta_kb_space_key_ok(const char *key);

/*
 * Declare space key public to everyone who uses this service on the
 * Atlassian site of person (a user name), whose link and token the sync
 * uses (op needs the vault).  site_url (site_urlsz bytes) gets that
 * site.  One audit row admin:kb-space-add.  422 "key" for a bad key,
 * 404 for an unknown person, 422 "as" for one without a link, 409 "key"
 * when declared already.
 */
enum jta_err jta_kb_space_add(struct jta_operator *op, const char *key,
    const char *person, char *site_url, size_t site_urlsz,
    struct jta_error *err) JTA_WUR;

/* Forget space key and remove its synced articles (*removed how many);
 * one audit row admin:kb-space-remove.  404 "key" when not declared. */
enum jta_err jta_kb_space_remove(struct jta_operator *op, const char *key,
    size_t *removed, struct jta_error *err) JTA_WUR;

/* The declared spaces' sync state for kb status, /healthz and the admin
 * page: jta_store_kb_space_list's items, each with "stale": true when
 * never synced or last synced more than JTA_KB_SYNC_STALE before now. */
enum jta_err jta_kb_status(struct jta_store *st, int64_t now, json_t **out,
    struct jta_error *err) JTA_WUR;

/*
 * Sync declared space key now (README.md "Knowledge sync";
 * jta_jira_kb_sync.c): read every page of the space through
 * Confluence's v2 API as the space's sync account (be is a Jira
 * backend), then replace the space's synced articles in one
 * transaction; *n how many there are now.  When reading fails half-way,
 * or the pages do not fit the limits, the old articles stay served and
 * the error is recorded on the space (jta_store_kb_space_failed) and
 * returned.  404 "key" for a space not declared; 409 without Jira.
 */
enum jta_err jta_kb_sync(struct jta_backend *be, const char *key, size_t *n,
    struct jta_error *err) JTA_WUR;

#endif
