/*
 * Confluence Cloud and the Jira Service Management knowledge base as the
 * knowledge search sees them, no I/O (as jta_jira is for Jira): the CQL
 * of a person's words, the answers of Confluence's v1 search, of the v2
 * page and blog post reads and of JSM's knowledge-base article search
 * turned into the API's articles (README.md "Knowledge before tickets").
 *
 * Atlassian's pages (under developer.atlassian.com/cloud/confluence/):
 * the v1 search, GET /wiki/rest/api/search?cql= (rest/v1/
 * api-group-search/); CQL (advanced-searching-using-cql/) and its text
 * searches through Lucene's query syntax
 * (performing-text-searches-using-cql/: '"' and '\' escaped by a
 * backslash in a CQL string; Lucene's special characters escaped by a
 * backslash); the v2 reads GET /wiki/api/v2/pages/{id} and
 * /blogposts/{id} (confluence-v2.json); JSM's
 * GET /rest/servicedeskapi/knowledgebase/article
 * (jira-servicedesk.json).
 */
#ifndef JTA_CONFLUENCE_H
#define JTA_CONFLUENCE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_err.h"
#include "jta_types.h"

/* The scopes the knowledge search needs besides Jira's (an operator's
 * option, knowledge_confluence = on): the v1 search and its content and
 * space summaries (classic scopes), the v2 page and blog post reads
 * (granular), and JSM's knowledge base; and for the sync of declared
 * spaces (README.md "Knowledge sync") the v2 space listing, GET
 * /wiki/api/v2/spaces (read:space:confluence in confluence-v2.json). */
#define JTA_CONFLUENCE_SCOPES	"search:confluence " \
	"read:confluence-content.summary read:confluence-space.summary " \
	"read:page:confluence read:space:confluence read:servicedesk-request"

/* What an article id of Confluence names. */
enum jta_confluence_kind {
	JTA_CONFLUENCE_PAGE,		/* "page-ID" */
	JTA_CONFLUENCE_BLOGPOST		/* "blog-ID" */
};

/*
 * Append to out (outsz bytes) the text value of a CQL "text ~" clause
 * for word (NUL-terminated UTF-8): Lucene's special characters
 * (+ - & | ! ( ) { } [ ] ^ " ~ * ? : \ /) escaped with a backslash and
 * its operators AND, OR and NOT lower-cased (a word, not an operator),
 * then the whole written as a CQL string: in double quotes, with '"' and
 * '\' escaped by a backslash.  -1 when it does not fit.
 */
int jta_confluence_cql_string(const char *word, int lucene, char *out,
    size_t outsz);

/*
 * The CQL of a knowledge search for terms (jta_suggest_terms): pages and
 * blog posts with any of the terms in their text, in space when not NULL
 * (a key the caller checked: letters, digits, '-', '_', '~'; quoted
 * anyway): type in (page, blogpost) AND (text ~ "T1" OR text ~ "T2" ...)
 * [AND space = "KEY"].  JTA_ERR_INPUT (422 "text") when there is no
 * term; JTA_ERR_INTERNAL when out is too small.
 */
enum jta_err jta_confluence_cql(const struct jta_suggest_terms *terms,
    const char *space, char *out, size_t outsz, struct jta_error *err)
    JTA_WUR;

/*
 * Append to the CQL in out (NUL-terminated, outsz bytes) the clause
 * leaving out the spaces keys names (an array of strings, the declared
 * spaces the local index answers for; README.md "Knowledge sync"):
 * " AND space not in ("K1", "K2")", each key a quoted CQL string.  An
 * empty array appends nothing.  0, or -1 (out as it was) when it does
 * not fit.
 */
int jta_confluence_cql_not_in(const json_t *keys, char *out, size_t outsz);

/*
 * The results of a v1 search answer (reply) as the API's articles
 * appended to out: {id ("page-ID" or "blog-ID"), title, space, excerpt
 * (Confluence's highlight marks removed), updated, url (site_url +
 * "/wiki" + the result's web UI path), from: "confluence"}.  Results of
 * other types, or without an id or title, are skipped.  JTA_OK, or
 * JTA_ERR_UPSTREAM (502) when reply is not a search answer.
 */
enum jta_err jta_confluence_results(const json_t *reply,
    const char *site_url, json_t *out, struct jta_error *err) JTA_WUR;

/*
 * The values of a JSM knowledge-base answer appended to out (skipping
 * pages already there by id): {id "page-ID" (source.pageId), title,
 * space (source.spaceKey), excerpt, updated: null, url, from: "jsm"}.
 * Articles without a page id are skipped.
 */
enum jta_err jta_confluence_jsm_results(const json_t *reply,
    const char *site_url, json_t *out, struct jta_error *err) JTA_WUR;

/* Parse id ("page-N" or "blog-N", N a positive decimal number): 1 with
 * *kind and the number's text in num (numsz bytes), else 0. */
int jta_confluence_id(const char *id, enum jta_confluence_kind *kind,
    char *num, size_t numsz);

/*
 * A v2 page or blog post read with body-format=atlas_doc_format (reply)
 * as the API's article: {id, title, space (the space id Confluence v2
 * gives), updated (version.createdAt), url, from: "confluence", body
 * (Markdown through jta_adf), lossy (ADF parts Markdown cannot hold)}.
 * The body's value is ADF as a JSON string, parsed with its length and
 * duplicate keys refused.  JTA_ERR_UPSTREAM (502) for an answer that is
 * not one.
 */
enum jta_err jta_confluence_article(const json_t *reply, const char *id,
    const char *site_url, json_t **out, struct jta_error *err) JTA_WUR;

#endif
