/*
 * Similar tickets and what they suggest for a new one: the pure part of
 * GET /api/similar, shared by both backends (no I/O).
 *
 * jta_suggest_terms picks the words of a free text a similar search looks
 * for; the backends turn them into an FTS5 query (jta_store) or a JQL
 * text clause (jta_jira), each quoting them its own way.
 * jta_suggest_make reads the similar tickets found and suggests the
 * project, type, priority, labels and components they agree on.
 */
#ifndef JTA_SUGGEST_H
#define JTA_SUGGEST_H

#include <stddef.h>

#include <jansson.h>

#include "jta_err.h"
#include "jta_limits.h"
#include "jta_types.h"

/*
 * Split text into search terms: runs of ASCII letters and digits and of
 * non-ASCII bytes (so a UTF-8 sequence is never split), ASCII lower-cased.
 * Dropped: terms of fewer than 3 bytes that are all ASCII (a CJK
 * character is 3 bytes and stays), English stop words ("the", "and",
 * "not"...), repeats; at most JTA_LIMIT_SIMILAR_TERMS are kept, in the
 * order of the text.  Terms hold no ASCII punctuation or blank, so no
 * query syntax of FTS5 or Lucene.  Text longer than JTA_LIMIT_TEXT_QUERY
 * bytes gives no term.  Returns t->n.
 */
size_t jta_suggest_terms(const char *text, struct jta_suggest_terms *t);

/*
 * How many of the terms occur in s (ASCII case ignored, as substrings),
 * over t->n: 0..1; 0 when t has no term or s is NULL.
 */
double jta_suggest_overlap(const struct jta_suggest_terms *t,
    const char *s);

/*
 * The terms of text for ranking request types (README "Request types
 * across languages"), as jta_suggest_terms but decoded as UTF-8
 * (jta_text_utf8_next; a byte starting no well-formed sequence is a
 * separator) and folded as FTS5's unicode61 remove_diacritics 2 folds
 * Latin-1 Supplement and Latin Extended-A (case, and the diacritics of
 * letters with a canonical decomposition: "Café" is "cafe"; ß, æ, ø, ł,
 * œ... are only lower-cased; other scripts are left alone).  Non-ASCII
 * punctuation separates.  German, French and Spanish stop words are
 * dropped next to the English ones.  Runs of Katakana or CJK ideographs
 * give their character bigrams ("接続" from "接続"; a lone character
 * stands alone); Hiragana runs, mostly particles and verb endings, give
 * nothing.  At most JTA_LIMIT_SIMILAR_TERMS terms; text longer than
 * JTA_LIMIT_TEXT_QUERY bytes gives none.  Returns t->n.
 */
size_t jta_suggest_terms_folded(const char *text,
    struct jta_suggest_terms *t);

/*
 * As jta_suggest_overlap for terms of jta_suggest_terms_folded: s is
 * folded the same way as it is read (never past its NUL).
 */
double jta_suggest_overlap_folded(const struct jta_suggest_terms *t,
    const char *s);

/*
 * The suggestion for a new ticket from similar (an array of similar
 * tickets in rank order, each with "key", "project", "type", "priority"
 * (strings or null) and "labels", "components" (arrays of strings)).
 *
 * Each value is voted for by the tickets that have it.  A value is
 * suggested when at least 2 tickets vote for it, or more than half of
 * them do (so a lone result suggests its own values).  For project, type
 * and priority only the value with the most votes can be suggested (a
 * tie goes to the value of the better-ranked ticket); for labels and
 * components every value that passes is, most votes first (ties by
 * rank, then by value), at most JTA_LIMIT_LABELS of each.  Each is
 * {"value", "votes", "of": the number of tickets, "evidence": the keys
 * that voted, in rank order}.  Members with nothing suggested are
 * absent.
 *
 * *out is a new object ({} when nothing is suggested); JTA_ERR_NOMEM when
 * memory runs out, JTA_ERR_INTERNAL when similar is not an array.
 */
enum jta_err jta_suggest_make(const json_t *similar, json_t **out) JTA_WUR;

/*
 * Remove from similar (an array of similar tickets, as above) every row
 * whose "score" is not a number above 0: a ticket the search matched on
 * none of the scored words is no similar ticket, and must not vote in
 * jta_suggest_make (issue 10).  Returns how many rows are left; NULL or a
 * non-array is left alone and gives 0.
 */
size_t jta_suggest_drop_unscored(json_t *similar);

/*
 * Jira Service Management: rank the request types of desks (the answer
 * of GET /api/servicedesks: {"servicedesks": [{id, project, name,
 * request_types: [{id, name, description, help_text}]}]}) for text, the
 * person's words, with past (an array of requests {key, summary,
 * request_type_id}, the person's own that their words found; may be
 * NULL).
 *
 * Each type scores 0.4 x the share of text's terms
 * (jta_suggest_terms_folded) in its name + 0.25 x in its description +
 * 0.15 x in its help text +
 * 0.2 x min(1, past requests of the type whose summary holds a term / 2).
 * *out is a new array of at most limit types scoring above 0, best
 * first (ties by the desks' order): {project, servicedesk (the desk's
 * name), id, name, score (rounded to 3 places), evidence: {name,
 * description, help_text: the terms found in each (members with none
 * left out), requests: the keys of the past requests}}.  The first is
 * marked "clear": true when it scores at least 1.5 times the second (or
 * is alone), so that an assistant asks only when it is not.
 * JTA_ERR_NOMEM only.
 */
enum jta_err jta_suggest_request_types(const char *text, const json_t *desks,
    const json_t *past, size_t limit, json_t **out) JTA_WUR;

#endif
