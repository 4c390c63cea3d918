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
 * only those whose audience is everyone: *out a new array of {id,
 * title, space, url ("" for none), updated (RFC 3339), excerpt (at most
 * JTA_LIMIT_KB_EXCERPT_WORDS tokens of the best-matching column, "…"
 * where cut)}.  No match: an empty array.
 */
enum jta_err jta_store_kb_search(struct jta_store *st,
    const struct jta_store_kb_query *q, const char *space, size_t limit,
    json_t **out, struct jta_error *err) JTA_WUR;

/* Article id: *out a new {id, title, body, space, url, updated}.
 * JTA_ERR_NOTFOUND when there is none (or it is not for everyone). */
enum jta_err jta_store_kb_get(struct jta_store *st, int64_t id,
    json_t **out, struct jta_error *err) JTA_WUR;

/* Every article without its body, by id: *out a new array of {id,
 * title, space, source, updated, chars (the body's length in
 * characters), url}. */
enum jta_err jta_store_kb_list(struct jta_store *st, json_t **out,
    struct jta_error *err) JTA_WUR;

/* Remove article id in its own transaction; JTA_ERR_NOTFOUND when there
 * is none. */
enum jta_err jta_store_kb_remove(struct jta_store *st, int64_t id,
    struct jta_error *err) JTA_WUR;

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
