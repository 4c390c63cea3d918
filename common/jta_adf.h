/*
 * Rich text both ways: the Markdown our API speaks and the Atlassian
 * Document Format (ADF) that Jira Cloud REST v3 takes and returns for
 * descriptions and comments
 * (developer.atlassian.com/cloud/jira/platform/apis/document/structure).
 *
 * Markdown is read as CommonMark 0.29 with GitHub's extensions (GFM:
 * tables, ~~strikethrough~~, extended autolinks, task lists), parsed by
 * cmark-gfm, the reference implementation.  ADF holds paragraphs, hard
 * line breaks, headings (ATX and setext), bullet and ordered lists (with
 * their start), task lists, code blocks (fenced with a language, or
 * indented), block quotes, rules, tables, strong, em, code, strike and
 * links (http, https and mailto only: a link to anything else keeps its
 * text).  Soft line breaks become blanks.  What ADF cannot hold is kept as
 * text: raw HTML (inline and blocks) stays literal, an image becomes its
 * description linked to the image; link titles, the kind of list marker
 * and of emphasis delimiter, and table column alignment are dropped.
 * What we write (ADF -> Markdown) is a canonical subset of that: it is
 * read back to the same ADF.
 *
 * Markdown -> ADF is in jta_adf_md.c, ADF -> Markdown in jta_adf.c.
 */
#ifndef JTA_ADF_H
#define JTA_ADF_H

#include <stddef.h>

#include <jansson.h>

#include "jta_err.h"
#include "jta_limits.h"

/*
 * Convert Markdown md[0..len) (UTF-8, checked by the caller; no NUL
 * needed at the end) into a new ADF document {"type":"doc","version":1,
 * "content":[...]} that the caller owns (json_decref) in *out.
 *
 * What ADF does not allow where it appears is made to fit: a heading in a
 * list item or a quote becomes a paragraph, a rule there is dropped, a
 * quote in a quote or a list item is merged into its container, a table
 * there becomes one paragraph per row (cells joined by " | "); code marks
 * carry no other mark but a link (ADF's CodeTextMark rule).  A bullet
 * list whose every item is a GFM task list item ("[ ]", "[x]" or "[X]",
 * then one paragraph or nothing) becomes a taskList of taskItems (states
 * TODO, DONE); in any other list a task keeps its box as text.
 *
 * Lines end with LF, CR LF or CR; a NUL becomes U+FFFD (CommonMark 2.1,
 * 2.3).
 *
 * Returns JTA_OK; JTA_ERR_INPUT with err filled (422, field as given)
 * when md is longer than JTA_LIMIT_ADF_SOURCE, is not valid UTF-8 (checked
 * again here, cheaply, as no JSON string may hold less), nests deeper than
 * JTA_LIMIT_ADF_DEPTH or makes more than JTA_LIMIT_ADF_NODES nodes;
 * JTA_ERR_NOMEM.  *out is NULL on failure.  Memory is linear in len; time
 * too but for the few patterns cmark-gfm 0.29.0.gfm.6 parses in quadratic
 * time, bounded by JTA_LIMIT_ADF_SOURCE (see jta_adf_md.c).
 */
enum jta_err jta_adf_from_markdown(const char *md, size_t len,
    const char *field, json_t **out, struct jta_error *err) JTA_WUR;

/*
 * Convert the ADF document adf (untrusted JSON from Jira: any shape is
 * survived) into new NUL-terminated Markdown in *out, which the caller
 * releases with free().  Text is escaped so that jta_adf_from_markdown
 * gives it back unchanged, but for blanks at the start or end of a line
 * or paragraph (dropped) and line breaks inside a text node (blanks).
 * For a document made by jta_adf_from_markdown, what we write is a
 * fixed point: converting it to ADF and back gives the same Markdown.
 *
 * *lossy is set to the number of nodes that Markdown cannot carry; each
 * leaves a visible note in the text: mentions become "@Name", emoji their
 * short name (":smile:"), inline cards and block cards their link, dates
 * "[date: YYYY-MM-DD]", statuses "[status: TEXT]", media "[media not
 * shown]", panels "[panel: TYPE]" and expands "[expand: TITLE]" followed
 * by their content, other node types "[unsupported: TYPE]" followed by
 * their content; table cells holding more than paragraphs, elements that
 * are not nodes and content nested deeper than JTA_LIMIT_ADF_DEPTH (left
 * out with a note) count as well.  Left out without a note or a count:
 * marks Markdown has no syntax for (underline, textColor, subsup, ...),
 * links to schemes other than http, https and mailto (their text stays),
 * attributes (table layout, colspan, column alignment, panel colours,
 * media sizes and captions), the header/body kind of table cells (the
 * first row is the header) and hard breaks in headings and table cells
 * (blanks).
 *
 * Output longer than JTA_LIMIT_ADF_MARKDOWN bytes is cut at a character
 * boundary and ends with "[... N characters left out]"; the result is
 * never longer than JTA_LIMIT_ADF_MARKDOWN.
 *
 * Returns JTA_OK; JTA_ERR_INPUT with err filled (status 502: Jira sent
 * it) when adf is not an object of type "doc"; JTA_ERR_NOMEM.  *out is
 * NULL on failure.
 */
enum jta_err jta_adf_to_markdown(const json_t *adf, char **out,
    size_t *lossy, struct jta_error *err) JTA_WUR;

#endif
