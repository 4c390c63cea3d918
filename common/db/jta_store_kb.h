/*
 * The knowledge-base repository: articles operators import into the
 * embedded store (jta-admin kb import), and their full-text search for
 * GET /api/knowledge (README.md "Knowledge before tickets").
 *
 * Implemented by the SQLite engine (jta_db.c, schema 10) with two FTS5
 * indexes over each article's title and Markdown body: unicode61 with
 * remove_diacritics 2 for languages that separate words with spaces
 * (case and accents folded: "Cafe" finds "café", "resume" "résumé") and
 * trigram for scripts that do not (Japanese, Chinese), where unicode61
 * would make one token of a whole sentence.  A person's words never
 * reach FTS5 as syntax: jta_store_kb_queries makes every one of them a
 * quoted FTS5 string.  Errors: JTA_ERR_DB (err->status 503 when the
 * database is busy, else 500; the engine's text only in the log), and
 * those named at each function.  Every function that writes does so in
 * its own transaction; a read sees one snapshot.
 */
#ifndef JTA_STORE_KB_H
#define JTA_STORE_KB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_db.h"
#include "jta_err.h"
#include "jta_limits.h"

/* One article to store.  Strings are borrowed; body is Markdown. */
struct jta_store_kb_article {
	const char	*title;		/* 1..JTA_LIMIT_KB_TITLE bytes */
	const char	*body;		/* ..JTA_LIMIT_KB_BODY bytes */
	const char	*source;	/* where it came from (a file path,
					 * a URL), 1..JTA_LIMIT_KB_SOURCE;
					 * the article's identity */
	const char	*url;		/* the page a person opens, or
					 * NULL */
	const char	*space;		/* "" or a space key */
	int64_t		 updated;	/* Unix time */
};

/* The FTS5 queries of a person's text: words for the unicode61 index
 * (each blank-separated run of letters, digits and ASCII punctuation a
 * quoted string), tri for the trigram one (each three-character window
 * of a run of CJK characters a quoted string), each joined by OR; an
 * empty string when the text has none of that kind. */
struct jta_store_kb_query {
	char	 words[4 * JTA_LIMIT_TEXT_QUERY + 16];
	char	 tri[2048];
};

/*
 * Build the queries of text (NUL-terminated UTF-8, at most
 * JTA_LIMIT_TEXT_QUERY bytes).  Quotes in the text are doubled, as FTS5
 * strings want, so no text is an FTS5 expression (no AND/OR/NOT/NEAR,
 * column filter, prefix or parenthesis of the person's is honoured).
 * JTA_OK with at least one query non-empty; JTA_ERR_INPUT (422, field
 * "text") when the text has no word to search for or is too long.
 */
enum jta_err jta_store_kb_queries(const char *text,
    struct jta_store_kb_query *q, struct jta_error *err) JTA_WUR;

/* Check a's values against the schema's bounds: JTA_ERR_INPUT (422
 * naming the one out of them). */
enum jta_err jta_store_kb_check(const struct jta_store_kb_article *a,
    struct jta_error *err) JTA_WUR;

/*
 * Add a or, when an article with its source exists, replace it (same
 * id), in its own transaction.  *id: the article's id; *added 1 when it
 * was new.  A value out of its bounds is JTA_ERR_INPUT (422 naming it).
 */
enum jta_err jta_store_kb_put(struct jta_store *st,
    const struct jta_store_kb_article *a, int64_t *id, int *added,
    struct jta_error *err) JTA_WUR;

/*
 * The articles best matching q (jta_store_kb_queries), best first (the
 * sum of both indexes' bm25, a title match worth five of a body's), at
 * most limit (1..JTA_LIMIT_KB_MAX), in space when space is not NULL,
 * only those whose audience is everyone and, for articles synced from a
 * declared space, only when site (the person's linked site's cloud id,
 * NULL for none) is the space's: *out a new array of {id,
 * title, space, url ("" for none), updated (RFC 3339), excerpt (at most
 * JTA_LIMIT_KB_EXCERPT_WORDS tokens of the best-matching column, "…"
 * where cut)}.  No match: an empty array.
 */
enum jta_err jta_store_kb_search(struct jta_store *st,
    const struct jta_store_kb_query *q, const char *space, const char *site,
    size_t limit, json_t **out, struct jta_error *err) JTA_WUR;

/* Article id: *out a new {id, title, body, space, url, updated}.
 * JTA_ERR_NOTFOUND when there is none, it is not for everyone, or it was
 * synced for another site than site (as jta_store_kb_search). */
enum jta_err jta_store_kb_get(struct jta_store *st, int64_t id,
    const char *site, json_t **out, struct jta_error *err) JTA_WUR;

/* Every article without its body, by id: *out a new array of {id,
 * title, space, source, updated, chars (the body's length in
 * characters), url}. */
enum jta_err jta_store_kb_list(struct jta_store *st, json_t **out,
    struct jta_error *err) JTA_WUR;

/* Remove article id in its own transaction; JTA_ERR_NOTFOUND when there
 * is none. */
enum jta_err jta_store_kb_remove(struct jta_store *st, int64_t id,
    struct jta_error *err) JTA_WUR;

/* ---- declared spaces (jta_store_kb_sync.c, schema 12) ----
 *
 * Confluence spaces operators declared public to everyone who uses this
 * service on one Atlassian site, synced into this index as a linked
 * person (the sync account).  Their articles carry synced = the key and
 * site = the sync account's cloud id: jta_store_kb_search shows them
 * only to people linked to that site. */

/* One declared space as jta_store_kb_space_get reads it. */
struct jta_store_kb_space {
	char	 key[JTA_LIMIT_KB_SPACE + 1];
	int64_t	 user_id;		/* the sync account */
	char	 site[JTA_LIMIT_CLOUD_ID + 1];	/* its cloud id */
	int64_t	 synced;		/* last whole sync, 0 never */
};

/* Declare space key (1..JTA_LIMIT_KB_SPACE printable bytes) synced as
 * user_id, whose link is to site (a cloud id), at now.  409 "key" when
 * it is declared already; 422 "key" at JTA_LIMIT_KB_SPACES of them. */
enum jta_err jta_store_kb_space_add(struct jta_store *st, const char *key,
    int64_t user_id, const char *site, int64_t now, struct jta_error *err)
    JTA_WUR;

/* Declared space key into *out; JTA_ERR_NOTFOUND (404 "key") when it is
 * not declared. */
enum jta_err jta_store_kb_space_get(struct jta_store *st, const char *key,
    struct jta_store_kb_space *out, struct jta_error *err) JTA_WUR;

/* Every declared space, by key: *out a new array of {key, person (the
 * sync account's user name), site, added, synced (RFC 3339 or null),
 * tried (likewise), articles, error (null when the last attempt did
 * not fail)}. */
enum jta_err jta_store_kb_space_list(struct jta_store *st, json_t **out,
    struct jta_error *err) JTA_WUR;

/* Forget space key and remove its synced articles, in one transaction;
 * *removed gets how many articles went.  404 "key" when not declared. */
enum jta_err jta_store_kb_space_remove(struct jta_store *st,
    const char *key, size_t *removed, struct jta_error *err) JTA_WUR;

/*
 * Replace the synced articles of space key by the n of a (each's source
 * its identity, space = key), all for site, in one transaction that
 * also records the sync at now (synced, tried, the count, no error): a
 * reader sees the old index or the new, never a mix.  An article out of
 * bounds fails the whole (422 naming it) and keeps the old one.
 */
enum jta_err jta_store_kb_space_replace(struct jta_store *st,
    const char *key, const char *site, const struct jta_store_kb_article *a,
    size_t n, int64_t now, struct jta_error *err) JTA_WUR;

/* Record that a sync of key failed at now because of why (safe to show;
 * cut to JTA_LIMIT_KB_SYNC_ERROR bytes); the synced articles stay. */
enum jta_err jta_store_kb_space_failed(struct jta_store *st,
    const char *key, const char *why, int64_t now, struct jta_error *err)
    JTA_WUR;

/* The keys of the spaces synced at least once for site (a cloud id):
 * those the index answers for people of that site, so live search
 * leaves them out.  *out a new array of strings, by key. */
enum jta_err jta_store_kb_space_served(struct jta_store *st,
    const char *site, json_t **out, struct jta_error *err) JTA_WUR;

/* ---- answered from knowledge ---- */

/* Record, in its own transaction, that user_id said article (1..64
 * bytes, as the API names it) helped, at now (Unix time) on UTC day
 * ("YYYY-MM-DD"). */
enum jta_err jta_store_kb_answered(struct jta_store *st, int64_t user_id,
    const char *article, int64_t now, const char *day,
    struct jta_error *err) JTA_WUR;

/* How many answers were recorded from day from to day to (inclusive,
 * "YYYY-MM-DD"), into *n. */
enum jta_err jta_store_kb_answers(struct jta_store *st, const char *from,
    const char *to, int64_t *n, struct jta_error *err) JTA_WUR;

#endif
