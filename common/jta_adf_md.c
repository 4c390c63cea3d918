/*
 * Markdown -> Atlassian Document Format: jta_adf_from_markdown (see
 * jta_adf.h).  Markdown is parsed to the CommonMark spec, with GitHub's
 * extensions (tables, strikethrough, autolinks, task lists), by the
 * reference library, cmark-gfm; this file only walks the tree it gives
 * and makes what ADF can hold of it.  The other direction and the helpers
 * both share are in jta_adf.c (jta_adf_int.h).
 *
 * Bounded work on hostile input:
 *
 * - The limits of jta_limits.h apply before parsing (source size, UTF-8);
 *   cmark-gfm's parser is iterative and linear in its input but for a
 *   few patterns that Debian 12's release (0.29.0.gfm.6) still parses in
 *   quadratic time (CVE-2023-22486 and kin, fixed upstream in 0.29.0.gfm.7
 *   and later): at 64 KiB the worst we know of takes under a second
 *   (tests/unit/check_adf.c, hostile_input_converts_in_linear_time).
 * - Blocks are walked by a recursion whose depth is the nesting of quotes
 *   and lists, refused above JTA_LIMIT_ADF_DEPTH before going deeper;
 *   inline content is walked with cmark's iterator (no recursion), so
 *   emphasis nested to any depth costs no stack.
 * - Every ADF node made counts against JTA_LIMIT_ADF_NODES.
 *
 * cmark-gfm's allocator aborts when malloc fails (it cannot report it);
 * the input limit keeps its memory to a few times the 64 KiB source.
 */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>

#include "jta_adf.h"
#include "jta_adf_int.h"
#include "jta_buf.h"
#include "jta_limits.h"
#include "jta_text.h"

/* Where a block sits: ADF allows less in quotes and list items. */
enum cont { C_TOP, C_QUOTE, C_ITEM };

struct md {
	const char	*field;
	struct jta_error *err;
	enum jta_err	 rc;
	size_t		 nodes;
	size_t		 tasks;	/* localIds given to task lists, items */
	/* The text run being gathered, with its marks and link. */
	struct jta_buf	 text;
	unsigned	 marks;
	const char	*href;
	/* The source and, made when first needed, where each line starts
	 * (cmark's source positions are lines and byte columns). */
	const char	*src;
	size_t		 srclen;
	size_t		*line;
	size_t		 nline;
};

static void
nomem(struct md *m)
{
	if (m->rc == JTA_OK)
		m->rc = JTA_ERR_NOMEM;
}

/* A new node {"type":type}, counted against JTA_LIMIT_ADF_NODES. */
static json_t *
mknode(struct md *m, const char *type, int container)
{
	json_t	*n;

	if (m->rc != JTA_OK)
		return NULL;
	if (++m->nodes > JTA_LIMIT_ADF_NODES) {
		m->rc = jta_error_set(m->err, JTA_ERR_INPUT, 422, m->field,
		    "%s makes more than %d rich-text nodes", m->field,
		    JTA_LIMIT_ADF_NODES);
		return NULL;
	}
	if ((n = json_object()) == NULL ||
	    json_object_set_new(n, "type", json_string(type)) != 0 ||
	    (container &&
	    json_object_set_new(n, "content", json_array()) != 0)) {
		json_decref(n);
		nomem(m);
		return NULL;
	}
	return n;
}

static json_t *
content(json_t *n)
{
	return json_object_get(n, "content");
}

/* Append n (stolen; NULL after a failure) to arr. */
static void
append(struct md *m, json_t *arr, json_t *n)
{
	if (n == NULL)
		return;
	if (json_array_append_new(arr, n) != 0)
		nomem(m);
}

static void
setattr(struct md *m, json_t *n, const char *key, json_t *v)
{
	json_t	*attrs;

	if (n == NULL || v == NULL) {
		json_decref(v);
		if (v == NULL)
			nomem(m);
		return;
	}
	if ((attrs = json_object_get(n, "attrs")) == NULL) {
		if ((attrs = json_object()) == NULL ||
		    json_object_set_new(n, "attrs", attrs) != 0) {
			json_decref(v);
			nomem(m);
			return;
		}
	}
	if (json_object_set_new(attrs, key, v) != 0)
		nomem(m);
}

static int
depthok(struct md *m, unsigned depth)
{
	if (depth <= JTA_LIMIT_ADF_DEPTH)
		return 1;
	if (m->rc == JTA_OK)
		m->rc = jta_error_set(m->err, JTA_ERR_INPUT, 422, m->field,
		    "%s nests lists and quotes deeper than %d levels",
		    m->field, JTA_LIMIT_ADF_DEPTH);
	return 0;
}

/* The cmark type name of a node: how extension nodes (table, table_row,
 * table_cell, strikethrough, tasklist) are told apart. */
static int
istype(cmark_node *n, const char *name)
{
	const char	*t = cmark_node_get_type_string(n);

	return t != NULL && strcmp(t, name) == 0;
}

/* ---- inline ---- */

static void
addmark(struct md *m, json_t *marks, const char *type, const char *href)
{
	json_t	*mk;

	if ((mk = mknode(m, type, 0)) == NULL)
		return;
	if (href != NULL)
		setattr(m, mk, "href", json_string(href));
	if (json_array_append_new(marks, mk) != 0)
		nomem(m);
}

/* The link target we keep: http, https and mailto only (jta_adf.h). */
static const char *
target(cmark_node *n)
{
	const char	*u = cmark_node_get_url(n);

	return u != NULL && jta_adf_linkscheme(u, strlen(u)) ? u : NULL;
}

/* A text node of s[0..n) with the marks e (href when e has M_LINK). */
static void
putnode(struct md *m, json_t *arr, const char *s, size_t n, unsigned e,
    const char *href)
{
	json_t	*node, *marks;

	if (n == 0 || m->rc != JTA_OK)
		return;
	if ((node = mknode(m, "text", 0)) == NULL)
		return;
	if (json_object_set_new(node, "text", json_stringn(s, n)) != 0) {
		json_decref(node);
		nomem(m);
		return;
	}
	if (e != 0) {
		if ((marks = json_array()) == NULL ||
		    json_object_set_new(node, "marks", marks) != 0) {
			json_decref(node);
			nomem(m);
			return;
		}
		if (e & M_STRONG)
			addmark(m, marks, "strong", NULL);
		if (e & M_EMS)
			addmark(m, marks, "em", NULL);
		if (e & M_STRIKE)
			addmark(m, marks, "strike", NULL);
		if (e & M_CODE)
			addmark(m, marks, "code", NULL);
		if (e & M_LINK)
			addmark(m, marks, "link", href);
	}
	append(m, arr, node);
}

/*
 * Text s[0..n) with marks e (no link, no code) that holds an '@': the
 * text nodes and email links GFM makes of it when it is written out.
 * GFM's extended email autolinks (6.9) are found in the text cmark-gfm
 * has parsed, after escapes and references are resolved, so no escape
 * written keeps "ops@example.com" plain; where cmark-gfm did not look
 * (the text of a link we do not keep, raw HTML, an image's address),
 * the address becomes the link it will be once written.  Done by
 * cmark-gfm itself: s, every ASCII punctuation character escaped (so
 * nothing else is read into it), is parsed as a paragraph of its own.
 */
static void
autotext(struct md *m, json_t *arr, const char *s, size_t n, unsigned e)
{
	cmark_parser	*p = NULL;
	cmark_node	*root = NULL, *para, *c, *t;
	cmark_syntax_extension *ext;
	struct jta_buf	 esc, run;
	const char	*lit, *u;
	size_t		 a, b, i;

	jta_buf_init(&esc, 2 * n + 1);
	/* Escapes and references are resolved in the parse: no longer. */
	jta_buf_init(&run, n + 1);
	for (a = 0; a < n && jta_adf_isws((unsigned char)s[a]); a++)
		;
	for (b = n; b > a && jta_adf_isws((unsigned char)s[b - 1]); b--)
		;
	for (i = a; i < b && m->rc == JTA_OK; i++) {
		if (((unsigned char)s[i] < 0x80 &&
		    ispunct((unsigned char)s[i]) &&
		    jta_buf_add(&esc, "\\", 1) != 0) ||
		    jta_buf_add(&esc, s[i] == '\n' || s[i] == '\r' ? " " :
		    s + i, 1) != 0)
			nomem(m);
	}
	if (m->rc != JTA_OK)
		goto out;
	if ((p = cmark_parser_new(CMARK_OPT_DEFAULT)) == NULL ||
	    (ext = cmark_find_syntax_extension("autolink")) == NULL ||
	    cmark_parser_attach_syntax_extension(p, ext) == 0) {
		nomem(m);
		goto out;
	}
	cmark_parser_feed(p, esc.p != NULL ? esc.p : "", esc.len);
	if ((root = cmark_parser_finish(p)) == NULL) {
		nomem(m);
		goto out;
	}
	/* The plain text is gathered in run, so that it stays one node
	 * between the links. */
	if (jta_buf_add(&run, s, a) != 0)
		nomem(m);
	para = cmark_node_first_child(root);
	if (para == NULL || cmark_node_get_type(para) !=
	    CMARK_NODE_PARAGRAPH || cmark_node_next(para) != NULL) {
		/* Not expected: keep the text as it is. */
		if (jta_buf_add(&run, s + a, b - a) != 0)
			nomem(m);
	} else
		for (c = cmark_node_first_child(para); c != NULL &&
		    m->rc == JTA_OK; c = cmark_node_next(c)) {
			if (cmark_node_get_type(c) != CMARK_NODE_LINK ||
			    (u = target(c)) == NULL) {
				/* Text, or a link we do not keep: its text */
				for (t = c; t != NULL; t = t == c ?
				    cmark_node_first_child(c) :
				    cmark_node_next(t))
					if ((lit = cmark_node_get_literal(t)) !=
					    NULL && jta_buf_add(&run, lit,
					    strlen(lit)) != 0)
						nomem(m);
				continue;
			}
			putnode(m, arr, run.p, run.len, e, NULL);
			jta_buf_setlen(&run, 0);
			for (t = cmark_node_first_child(c); t != NULL;
			    t = cmark_node_next(t))
				if ((lit = cmark_node_get_literal(t)) != NULL)
					putnode(m, arr, lit, strlen(lit),
					    e | M_LINK, u);
		}
	if (jta_buf_add(&run, s + b, n - b) != 0)
		nomem(m);
	putnode(m, arr, run.p, run.len, e, NULL);
out:
	if (root != NULL)
		cmark_node_free(root);
	if (p != NULL)
		cmark_parser_free(p);
	jta_buf_free(&esc);
	jta_buf_free(&run);
}

/* Emit the text gathered in m->text as a text node with its marks. */
static void
flushtext(struct md *m, json_t *arr)
{
	if (m->text.len == 0 || m->rc != JTA_OK)
		return;
	if ((m->marks & (M_LINK | M_CODE)) == 0 &&
	    memchr(m->text.p, '@', m->text.len) != NULL)
		autotext(m, arr, m->text.p, m->text.len, m->marks);
	else
		putnode(m, arr, m->text.p, m->text.len, m->marks, m->href);
	jta_buf_setlen(&m->text, 0);
}

/* Add s to the text run with marks e (and href when e has M_LINK),
 * starting a new text node when they differ from the run's. */
static void
addtext(struct md *m, json_t *arr, const char *s, size_t n, unsigned e,
    const char *href)
{
	if (n == 0 || m->rc != JTA_OK)
		return;
	if (m->text.len > 0 && (e != m->marks || ((e & M_LINK) &&
	    strcmp(href, m->href) != 0)))
		flushtext(m, arr);
	m->marks = e;
	m->href = (e & M_LINK) ? href : NULL;
	if (jta_buf_add(&m->text, s, n) != 0)
		nomem(m);
}

/*
 * The inline content of the block b into arr: text with marks, and hard
 * breaks when breaks is set (elsewhere they are blanks).  ADF's rule that
 * a code mark carries no other mark but a link is applied here; a link
 * to another scheme keeps its text; an image becomes its description (or
 * its address when it has none) linked to the image.  Raw HTML stays as
 * text: ADF cannot hold it.
 */
static void
inlines(struct md *m, cmark_node *b, json_t *arr, int breaks)
{
	cmark_iter	*it;
	cmark_event_type ev;
	cmark_node	*n;
	size_t		 strong = 0, emph = 0, strike = 0, links = 0;
	const char	*href = NULL, *lit;
	unsigned	 e;

	if ((it = cmark_iter_new(b)) == NULL) {
		nomem(m);
		return;
	}
	jta_buf_setlen(&m->text, 0);
	m->marks = 0;
	m->href = NULL;
	while (m->rc == JTA_OK &&
	    (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		int enter = ev == CMARK_EVENT_ENTER;
		cmark_node_type t;

		n = cmark_iter_get_node(it);
		if (n == b)
			continue;
		t = cmark_node_get_type(n);
		e = (strong ? M_STRONG : 0) | (emph ? M_EMS : 0) |
		    (strike ? M_STRIKE : 0) | (href != NULL ? M_LINK : 0);
		if (t == CMARK_NODE_STRONG)
			strong = enter ? strong + 1 : strong - 1;
		else if (t == CMARK_NODE_EMPH)
			emph = enter ? emph + 1 : emph - 1;
		else if (istype(n, "strikethrough"))
			strike = enter ? strike + 1 : strike - 1;
		else if (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE) {
			if (enter) {
				if (links++ == 0)
					href = target(n);
				continue;
			}
			/* An image without a description shows its
			 * address. */
			if (t == CMARK_NODE_IMAGE &&
			    cmark_node_first_child(n) == NULL &&
			    (lit = cmark_node_get_url(n)) != NULL)
				addtext(m, arr, lit, strlen(lit), e, href);
			if (--links == 0)
				href = NULL;
		} else if (t == CMARK_NODE_TEXT ||
		    t == CMARK_NODE_HTML_INLINE) {
			if ((lit = cmark_node_get_literal(n)) != NULL)
				addtext(m, arr, lit, strlen(lit), e, href);
		} else if (t == CMARK_NODE_CODE) {
			if ((lit = cmark_node_get_literal(n)) != NULL)
				addtext(m, arr, lit, strlen(lit),
				    M_CODE | (e & M_LINK), href);
		} else if (t == CMARK_NODE_SOFTBREAK ||
		    (t == CMARK_NODE_LINEBREAK && !breaks)) {
			addtext(m, arr, " ", 1, e, href);
		} else if (t == CMARK_NODE_LINEBREAK) {
			flushtext(m, arr);
			append(m, arr, mknode(m, "hardBreak", 0));
		}
	}
	flushtext(m, arr);
	cmark_iter_free(it);
}

/* 1 when the text node t has the code mark. */
static int
iscode(const json_t *t)
{
	const json_t	*mk;
	const char	*ty;
	size_t		 i;

	json_array_foreach(json_object_get(t, "marks"), i, mk)
		if ((ty = json_string_value(json_object_get(mk, "type"))) !=
		    NULL && strcmp(ty, "code") == 0)
			return 1;
	return 0;
}

/* Drop the blanks at both ends of the inline content arr: cmark keeps
 * the ASCII ones it does not strip (form feeds, vertical tabs), which
 * Markdown written back cannot carry; and the hard breaks they leave at
 * an end, which Markdown cannot carry either (the writer drops them).
 * Code spans are kept whole. */
static void
trim(struct md *m, json_t *arr)
{
	json_t		*t;
	const char	*s;
	size_t		 n, a, b, end;

	for (end = 0; end < 2 && m->rc == JTA_OK; end++)
		while (json_array_size(arr) > 0) {
			t = json_array_get(arr, end ? json_array_size(arr) - 1 :
			    0);
			if ((s = json_string_value(json_object_get(t,
			    "type"))) != NULL && strcmp(s, "hardBreak") == 0) {
				if (json_array_remove(arr, end ?
				    json_array_size(arr) - 1 : 0) != 0) {
					nomem(m);
					break;
				}
				continue;
			}
			/* A code span's blanks are its content. */
			if ((s = json_string_value(json_object_get(t,
			    "text"))) == NULL || iscode(t))
				break;
			n = json_string_length(json_object_get(t, "text"));
			a = 0;
			b = n;
			if (end)
				while (b > 0 &&
				    jta_adf_isws((unsigned char)s[b - 1]))
					b--;
			else
				while (a < n &&
				    jta_adf_isws((unsigned char)s[a]))
					a++;
			if (a == 0 && b == n)
				break;
			if (a < b) {
				if (json_object_set_new(t, "text",
				    json_stringn(s + a, b - a)) != 0)
					nomem(m);
				break;
			}
			if (json_array_remove(arr, end ?
			    json_array_size(arr) - 1 : 0) != 0) {
				nomem(m);
				break;
			}
		}
}

/* A paragraph (or a heading, by type) of b's inline content. */
static json_t *
inlinenode(struct md *m, const char *type, cmark_node *b, int breaks)
{
	json_t	*node;

	if ((node = mknode(m, type, 1)) == NULL)
		return NULL;
	inlines(m, b, content(node), breaks);
	trim(m, content(node));
	if (m->rc != JTA_OK) {
		json_decref(node);
		return NULL;
	}
	return node;
}

/* A paragraph of literal text, its lines joined by hard breaks (raw HTML
 * blocks, which ADF cannot hold). */
static json_t *
literalnode(struct md *m, const char *s)
{
	json_t		*node;
	size_t		 n, k;

	if ((node = mknode(m, "paragraph", 1)) == NULL)
		return NULL;
	while (*s != '\0' && m->rc == JTA_OK) {
		n = strcspn(s, "\n");
		for (k = n; k > 0 && jta_adf_isws((unsigned char)s[k - 1]);
		    k--)
			;
		if (k > 0 && json_array_size(content(node)) > 0)
			append(m, content(node), mknode(m, "hardBreak", 0));
		if (k > 0 && memchr(s, '@', k) != NULL)
			autotext(m, content(node), s, k, 0);
		else
			putnode(m, content(node), s, k, 0, NULL);
		s += n;
		if (*s == '\n')
			s++;
	}
	if (m->rc != JTA_OK) {
		json_decref(node);
		return NULL;
	}
	return node;
}

/* ---- blocks ---- */

static void blocks(struct md *, cmark_node *, unsigned, enum cont,
    json_t *);

static void
codeblock(struct md *m, cmark_node *b, json_t *arr)
{
	const char	*info = cmark_node_get_fence_info(b);
	const char	*lit = cmark_node_get_literal(b);
	size_t		 w, n;
	json_t		*node, *t;

	if ((node = mknode(m, "codeBlock", 1)) == NULL)
		return;
	if (info != NULL) {
		while (jta_adf_isws((unsigned char)*info))
			info++;
		for (w = 0; info[w] != '\0' &&
		    !jta_adf_isws((unsigned char)info[w]); w++)
			;
		if (w > 0)
			setattr(m, node, "language", json_stringn(info, w));
	}
	/* cmark ends every line with LF; ADF holds the lines between. */
	n = lit != NULL ? strlen(lit) : 0;
	if (n > 0 && lit[n - 1] == '\n')
		n--;
	if (n > 0 && (t = mknode(m, "text", 0)) != NULL) {
		if (json_object_set_new(t, "text", json_stringn(lit, n)) != 0)
			nomem(m);
		append(m, content(node), t);
	}
	if (m->rc != JTA_OK) {
		json_decref(node);
		return;
	}
	append(m, arr, node);
}

/* A localId for a task list or item: unique in the document. */
static json_t *
taskid(struct md *m)
{
	char	 id[32];

	snprintf(id, sizeof(id), "task-%zu", ++m->tasks);
	return json_string(id);
}

/* The source offset of cmark's line and column of n (1-based), or
 * SIZE_MAX. */
static size_t
srcoff(struct md *m, cmark_node *n)
{
	int	 l = cmark_node_get_start_line(n);
	int	 c = cmark_node_get_start_column(n);
	size_t	 i, k, off;

	if (m->line == NULL) {
		for (i = 0, k = 1; i < m->srclen; i++)
			if (m->src[i] == '\n' || (m->src[i] == '\r' &&
			    (i + 1 == m->srclen || m->src[i + 1] != '\n')))
				k++;
		if ((m->line = calloc(k, sizeof(*m->line))) == NULL) {
			nomem(m);
			return SIZE_MAX;
		}
		m->nline = 1;
		for (i = 0; i < m->srclen; i++)
			if (m->src[i] == '\n' || (m->src[i] == '\r' &&
			    (i + 1 == m->srclen || m->src[i + 1] != '\n')))
				m->line[m->nline++] = i + 1;
	}
	if (l < 1 || c < 1 || (size_t)l > m->nline)
		return SIZE_MAX;
	off = m->line[l - 1] + (size_t)c - 1;
	return off < m->srclen ? off : SIZE_MAX;
}

/* The source byte at cmark's line and column of n (1-based), or -1. */
static int
srcbyte(struct md *m, cmark_node *n)
{
	size_t	 off = srcoff(m, n);

	return off == SIZE_MAX ? -1 : (unsigned char)m->src[off];
}

/*
 * 1 when the box of the task list item it is checked, read from the
 * source: the item's marker, blanks, then "[", the state, "]".  Not
 * cmark_gfm_extensions_get_tasklist_item_checked: cmark-gfm 0.29's
 * tasklist extension looks for "[x]" anywhere on the item's first line,
 * so "- [ ] `[x]`" would read as done.
 */
static int
boxchecked(struct md *m, cmark_node *it)
{
	size_t	 i = srcoff(m, it);

	if (i == SIZE_MAX)
		return cmark_gfm_extensions_get_tasklist_item_checked(it);
	while (i < m->srclen && !jta_adf_isws((unsigned char)m->src[i]))
		i++;
	while (i < m->srclen && (m->src[i] == ' ' || m->src[i] == '\t'))
		i++;
	if (i + 2 < m->srclen && m->src[i] == '[' && m->src[i + 2] == ']')
		return m->src[i + 1] == 'x' || m->src[i + 1] == 'X';
	return cmark_gfm_extensions_get_tasklist_item_checked(it);
}

/* The task state of the list item it ("TODO", "DONE") when it is a GFM
 * task list item, else NULL.  An item that is only "[ ]" or "[x]" is an
 * empty task when its "[" is one in the source, not an escape (cmark
 * wants text after the box). */
static const char *
taskstate(struct md *m, cmark_node *it)
{
	cmark_node	*p = cmark_node_first_child(it), *t;
	const char	*s;
	char		 box[4];
	size_t		 n;

	if (istype(it, "tasklist"))
		return boxchecked(m, it) ? "DONE" : "TODO";
	if (p == NULL || cmark_node_get_type(p) != CMARK_NODE_PARAGRAPH ||
	    cmark_node_next(p) != NULL ||
	    (t = cmark_node_first_child(p)) == NULL ||
	    srcbyte(m, p) != '[')
		return NULL;
	/* The paragraph's text, made of text nodes only, is the box. */
	for (n = 0; t != NULL; t = cmark_node_next(t)) {
		s = cmark_node_get_literal(t);
		if (cmark_node_get_type(t) != CMARK_NODE_TEXT || s == NULL ||
		    n + strlen(s) >= sizeof(box))
			return NULL;
		memcpy(box + n, s, strlen(s));
		n += strlen(s);
	}
	box[n] = '\0';
	if (strcmp(box, "[ ]") == 0)
		return "TODO";
	if (strcmp(box, "[x]") == 0 || strcmp(box, "[X]") == 0)
		return "DONE";
	return NULL;
}

/*
 * A bullet list whose every item is a task holding one paragraph (or
 * nothing) becomes an ADF taskList of taskItems holding the paragraph's
 * inline content; in any other list a task's box is given back to its
 * text, "[ ] " or "[x] ", as ADF lists have no boxes.
 */
static int
alltasks(struct md *m, cmark_node *list)
{
	cmark_node	*it, *p;

	if (cmark_node_get_list_type(list) != CMARK_BULLET_LIST)
		return 0;
	for (it = cmark_node_first_child(list); it != NULL;
	    it = cmark_node_next(it)) {
		p = cmark_node_first_child(it);
		if (taskstate(m, it) == NULL || (p != NULL &&
		    (cmark_node_get_type(p) != CMARK_NODE_PARAGRAPH ||
		    cmark_node_next(p) != NULL)))
			return 0;
	}
	return 1;
}

/* Put a task's box back in front of the item's first paragraph. */
static void
unbox(struct md *m, json_t *item, const char *state)
{
	json_t		*p = json_array_get(content(item), 0), *t, *first;
	const char	*box = strcmp(state, "DONE") == 0 ? "[x] " : "[ ] ";
	const char	*type = json_string_value(json_object_get(p, "type"));
	char		*s = NULL;
	size_t		 n;

	if (type == NULL || strcmp(type, "paragraph") != 0) {
		if ((p = mknode(m, "paragraph", 1)) == NULL)
			return;
		if (json_array_insert_new(content(item), 0, p) != 0) {
			nomem(m);
			return;
		}
	}
	first = json_array_get(content(p), 0);
	type = json_string_value(json_object_get(first, "type"));
	if (type != NULL && strcmp(type, "text") == 0 &&
	    json_object_get(first, "marks") == NULL) {
		n = json_string_length(json_object_get(first, "text"));
		if ((s = malloc(n + 5)) == NULL) {
			nomem(m);
			return;
		}
		memcpy(s, box, 4);
		memcpy(s + 4, json_string_value(json_object_get(first,
		    "text")), n);
		if (json_object_set_new(first, "text", json_stringn(s,
		    n + 4)) != 0)
			nomem(m);
		free(s);
		return;
	}
	if ((t = mknode(m, "text", 0)) == NULL)
		return;
	if (json_object_set_new(t, "text", json_string(box)) != 0 ||
	    json_array_insert_new(content(p), 0, t) != 0)
		nomem(m);
}

static void
list(struct md *m, cmark_node *b, unsigned depth, json_t *arr)
{
	cmark_node	*it, *p;
	json_t		*node, *item, *first;
	const char	*ft, *st;
	int		 ordered, tasks;

	if (!depthok(m, depth + 1))
		return;
	ordered = cmark_node_get_list_type(b) == CMARK_ORDERED_LIST;
	tasks = alltasks(m, b);
	if ((node = mknode(m, tasks ? "taskList" : ordered ? "orderedList" :
	    "bulletList", 1)) == NULL)
		return;
	if (tasks)
		setattr(m, node, "localId", taskid(m));
	else if (ordered)
		setattr(m, node, "order",
		    json_integer(cmark_node_get_list_start(b)));
	for (it = cmark_node_first_child(b); it != NULL && m->rc == JTA_OK;
	    it = cmark_node_next(it)) {
		st = taskstate(m, it);
		if (tasks) {
			if ((item = mknode(m, "taskItem", 1)) == NULL)
				break;
			setattr(m, item, "localId", taskid(m));
			setattr(m, item, "state", json_string(st));
			/* An item that is only a box has no content. */
			if ((p = cmark_node_first_child(it)) != NULL &&
			    istype(it, "tasklist"))
				inlines(m, p, content(item), 1);
			trim(m, content(item));
			append(m, content(node), item);
			continue;
		}
		if ((item = mknode(m, "listItem", 1)) == NULL)
			break;
		blocks(m, it, depth + 1, C_ITEM, content(item));
		if (st != NULL && istype(it, "tasklist"))
			unbox(m, item, st);
		/* ADF: an item starts with a paragraph or a code block. */
		first = json_array_get(content(item), 0);
		ft = json_string_value(json_object_get(first, "type"));
		if (m->rc == JTA_OK && (ft == NULL ||
		    (strcmp(ft, "paragraph") != 0 &&
		    strcmp(ft, "codeBlock") != 0))) {
			json_t *e = mknode(m, "paragraph", 1);

			if (e != NULL &&
			    json_array_insert_new(content(item), 0, e) != 0)
				nomem(m);
		}
		append(m, content(node), item);
	}
	if (m->rc != JTA_OK) {
		json_decref(node);
		return;
	}
	append(m, arr, node);
}

/* A GFM table: the first row is the header; every row has the header's
 * number of cells (cmark pads short rows, we cut long ones).  Where ADF
 * allows no table (in a quote or a list item), each row becomes a
 * paragraph of its cells joined by " | ". */
static void
table(struct md *m, cmark_node *b, enum cont c, json_t *arr)
{
	cmark_node	*r, *cell;
	json_t		*node = NULL, *row, *cn, *into = arr;
	size_t		 ncols = 0, k;
	int		 head = 1;

	if (c == C_TOP) {
		if ((node = mknode(m, "table", 1)) == NULL)
			return;
		into = content(node);
	}
	for (r = cmark_node_first_child(b); r != NULL && m->rc == JTA_OK;
	    r = cmark_node_next(r), head = 0) {
		if (c != C_TOP) {
			if ((row = mknode(m, "paragraph", 1)) == NULL)
				break;
			for (cell = cmark_node_first_child(r), k = 0;
			    cell != NULL; cell = cmark_node_next(cell), k++) {
				if (k > 0)
					addtext(m, content(row), " | ", 3,
					    0, NULL);
				flushtext(m, content(row));
				inlines(m, cell, content(row), 0);
			}
			trim(m, content(row));
			append(m, into, row);
			continue;
		}
		if ((row = mknode(m, "tableRow", 1)) == NULL)
			break;
		for (cell = cmark_node_first_child(r), k = 0; cell != NULL &&
		    (head || k < ncols); cell = cmark_node_next(cell), k++) {
			if ((cn = mknode(m, head ? "tableHeader" :
			    "tableCell", 1)) == NULL)
				break;
			append(m, content(cn), inlinenode(m, "paragraph",
			    cell, 0));
			append(m, content(row), cn);
		}
		if (head)
			ncols = k;
		for (; k < ncols && m->rc == JTA_OK; k++) {
			if ((cn = mknode(m, "tableCell", 1)) == NULL)
				break;
			append(m, content(cn), mknode(m, "paragraph", 1));
			append(m, content(row), cn);
		}
		append(m, into, row);
	}
	if (m->rc != JTA_OK) {
		json_decref(node);
		return;
	}
	append(m, arr, node);
}

static void
quote(struct md *m, cmark_node *b, unsigned depth, enum cont c,
    json_t *arr)
{
	json_t	*node = NULL, *into = arr;

	if (!depthok(m, depth + 1))
		return;
	/* ADF has no quote in a quote or in a list item: merge. */
	if (c == C_TOP) {
		if ((node = mknode(m, "blockquote", 1)) == NULL)
			return;
		into = content(node);
	}
	blocks(m, b, depth + 1, c == C_TOP ? C_QUOTE : c, into);
	if (node != NULL && json_array_size(into) == 0)
		append(m, into, mknode(m, "paragraph", 1));
	if (m->rc != JTA_OK) {
		json_decref(node);
		return;
	}
	append(m, arr, node);
}

/*
 * The children of the container b, at depth, into arr.  What ADF does not
 * allow where it appears is made to fit (jta_adf.h): a heading in a list
 * item or a quote becomes a paragraph, a rule there is dropped.
 */
static void
blocks(struct md *m, cmark_node *b, unsigned depth, enum cont c,
    json_t *arr)
{
	cmark_node	*n;
	cmark_node_type	 t;
	json_t		*h;
	const char	*lit;

	for (n = cmark_node_first_child(b); n != NULL && m->rc == JTA_OK;
	    n = cmark_node_next(n)) {
		t = cmark_node_get_type(n);
		if (t == CMARK_NODE_PARAGRAPH)
			append(m, arr, inlinenode(m, "paragraph", n, 1));
		else if (t == CMARK_NODE_HEADING && c == C_TOP) {
			h = inlinenode(m, "heading", n, 0);
			setattr(m, h, "level", json_integer(
			    cmark_node_get_heading_level(n)));
			append(m, arr, h);
		} else if (t == CMARK_NODE_HEADING)
			append(m, arr, inlinenode(m, "paragraph", n, 0));
		else if (t == CMARK_NODE_THEMATIC_BREAK) {
			if (c == C_TOP)
				append(m, arr, mknode(m, "rule", 0));
		} else if (t == CMARK_NODE_CODE_BLOCK)
			codeblock(m, n, arr);
		else if (t == CMARK_NODE_HTML_BLOCK) {
			if ((lit = cmark_node_get_literal(n)) != NULL &&
			    lit[strspn(lit, " \t\n")] != '\0')
				append(m, arr, literalnode(m, lit));
		} else if (t == CMARK_NODE_BLOCK_QUOTE)
			quote(m, n, depth, c, arr);
		else if (t == CMARK_NODE_LIST)
			list(m, n, depth, arr);
		else if (istype(n, "table"))
			table(m, n, c, arr);
		else if (t == CMARK_NODE_CUSTOM_BLOCK)
			blocks(m, n, depth, c, arr);
	}
}

enum jta_err
jta_adf_from_markdown(const char *md, size_t len, const char *field,
    json_t **out, struct jta_error *err)
{
	static const char *const exts[] = { "table", "strikethrough",
	    "autolink", "tasklist" };
	struct md	 m;
	cmark_parser	*p = NULL;
	cmark_node	*root = NULL;
	cmark_syntax_extension *ext;
	json_t		*doc = NULL;
	size_t		 i;
	enum jta_err	 rc;

	*out = NULL;
	memset(&m, 0, sizeof(m));
	jta_buf_init(&m.text, JTA_LIMIT_ADF_BUFFER);
	m.field = field;
	m.err = err;
	m.src = md;
	m.srclen = len;
	if (len > JTA_LIMIT_ADF_SOURCE)
		return jta_error_set(err, JTA_ERR_INPUT, 422, field,
		    "%s is longer than %d bytes", field, JTA_LIMIT_ADF_SOURCE);
	if (!jta_text_utf8_valid(md, len))
		return jta_error_set(err, JTA_ERR_INPUT, 422, field,
		    "%s is not valid UTF-8", field);
	cmark_gfm_core_extensions_ensure_registered();
	/* Only ~~double~~ tildes strike: one tilde is plain text. */
	if ((p = cmark_parser_new(CMARK_OPT_DEFAULT |
	    CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE)) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if ((ext = cmark_find_syntax_extension(exts[i])) == NULL ||
		    cmark_parser_attach_syntax_extension(p, ext) == 0) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
	/* cmark makes NUL U+FFFD and CR LF or CR a line end (CommonMark
	 * 2.1, 2.3). */
	cmark_parser_feed(p, md, len);
	if ((root = cmark_parser_finish(p)) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if ((doc = mknode(&m, "doc", 1)) == NULL ||
	    json_object_set_new(doc, "version", json_integer(1)) != 0) {
		nomem(&m);
		rc = m.rc;
		goto out;
	}
	blocks(&m, root, 0, C_TOP, content(doc));
	if ((rc = m.rc) != JTA_OK)
		goto out;
	*out = doc;
	doc = NULL;
out:
	json_decref(doc);
	if (root != NULL)
		cmark_node_free(root);
	if (p != NULL)
		cmark_parser_free(p);
	jta_buf_free(&m.text);
	free(m.line);
	return rc;
}
