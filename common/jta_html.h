/*
 * HTML to Markdown for the knowledge base (jta-admin kb import): the only
 * user of libxml2.  HTML from outside is hostile: it is parsed by
 * libxml2's HTML parser (htmlReadMemory, no network, no error output),
 * never by hand, and the tree is walked keeping only text and its
 * structure: headings, paragraphs, lists, links whose target is https or
 * http, code and preformatted blocks, emphasis.  script, style, iframe,
 * object, embed, template, form controls, svg, math and every comment and
 * processing instruction are dropped with all they hold, and no attribute
 * but a link's href is ever read.  Text is written with Markdown's
 * special characters backslash-escaped (CommonMark §2.4) and '<', '>',
 * '&' as entity references (§2.5), so text such as "&lt;script&gt;" in
 * the page stays text and never becomes markup.  Only code (<pre>,
 * <code>) is written verbatim, inside a fence or code span, where
 * Markdown shows it as text.
 */
#ifndef JTA_HTML_H
#define JTA_HTML_H

#include <stddef.h>

#include "jta_err.h"
#include "jta_limits.h"

/* The result of a conversion; both strings are the caller's, released
 * with jta_html_doc_clear. */
struct jta_html_doc {
	char	*title;		/* <title>, else the first heading's text,
				 * else NULL; at most JTA_LIMIT_KB_TITLE
				 * bytes (cut at a character, "…" added) */
	char	*markdown;	/* the body as Markdown */
};

/*
 * Convert html[0..len) (UTF-8 without NUL, else 422 "file"; at most
 * JTA_LIMIT_KB_FILE bytes) to
 * Markdown of at most JTA_LIMIT_KB_BODY bytes, nested at most
 * JTA_LIMIT_KB_DEPTH elements deep.  JTA_OK with doc filled;
 * JTA_ERR_INPUT (413 "file" too large, 422 "file" too deep or not
 * parseable, or a body over its limit) with nothing to release.
 */
enum jta_err jta_html_to_markdown(const char *html, size_t len,
    struct jta_html_doc *doc, struct jta_error *err) JTA_WUR;

/* Free what doc holds and clear it; a cleared doc is a no-op. */
void jta_html_doc_clear(struct jta_html_doc *doc);

#endif
