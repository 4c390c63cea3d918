#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "jta_buf.h"
#include "jta_html.h"
#include "jta_text.h"

/* Elements dropped with everything inside them. */
static const char *const dropped[] = {
	"script", "style", "iframe", "object", "applet", "noscript",
	"template", "svg", "math", "form", "button", "select", "textarea",
	"frame", "frameset", "noembed", "noframes", "picture", "video",
	"audio", "canvas", "head", NULL
};

/* Void elements (HTML's, which have no content) dropped themselves;
 * libxml2's HTML 4 parser may hang the elements that follow one it does
 * not know as void (embed) under it, so those are still walked. */
static const char *const voids[] = {
	"embed", "img", "input", "link", "meta", "base", "param", "source",
	"track", "wbr", "area", "col", "keygen", NULL
};

/* Elements that are blocks: a blank line before and after. */
static const char *const blocks[] = {
	"p", "div", "section", "article", "main", "header", "footer", "nav",
	"aside", "blockquote", "table", "tr", "dl", "dt", "dd", "figure",
	"figcaption", "address", "details", "summary", "hr", "body", NULL
};

struct walk {
	struct jta_buf	 md;
	struct jta_buf	 title;		/* <title> or first heading */
	int		 havetitle;	/* title complete */
	int		 intitle;	/* collecting the title now */
	int		 pre;		/* inside <pre>: text verbatim */
	int		 code;		/* inside inline <code> */
	size_t		 nl;		/* newlines owed before more text */
	int		 space;		/* a blank owed before more text */
	size_t		 lists;		/* list nesting */
	int		 toodeep;
};

static int
among(const xmlChar *name, const char *const *set)
{
	size_t	 i;

	for (i = 0; set[i] != NULL; i++)
		if (strcmp((const char *)name, set[i]) == 0)
			return 1;
	return 0;
}

/* Owe at least n newlines before the next text (a block boundary). */
static void
brk(struct walk *w, size_t n)
{
	if (w->md.len > 0 && w->nl < n)
		w->nl = n;
	w->space = 0;
}

/* Pay what is owed, then write s[0..n) as is. */
static void
raw(struct walk *w, const char *s, size_t n)
{
	for (; w->nl > 0; w->nl--)
		(void)jta_buf_add(&w->md, "\n", 1);
	if (w->space && w->md.len > 0 && w->md.p[w->md.len - 1] != '\n')
		(void)jta_buf_add(&w->md, " ", 1);
	w->space = 0;
	(void)jta_buf_add(&w->md, s, n);
}

/* Keep the title's text, blanks collapsed, cut at JTA_LIMIT_KB_TITLE. */
static void
titletext(struct walk *w, const char *s)
{
	for (; *s != '\0'; s++) {
		int blank = *s == ' ' || *s == '\t' || *s == '\n' ||
		    *s == '\r' || *s == '\f';
		if (blank && (w->title.len == 0 ||
		    w->title.p[w->title.len - 1] == ' '))
			continue;
		if (jta_buf_add(&w->title, blank ? " " : s, 1) != JTA_OK)
			return;
	}
}

/* Text of the page: blanks collapsed (but in <pre>), Markdown's
 * punctuation escaped (not in code, where it is literal). */
static void
text(struct walk *w, const char *s)
{
	const char	*p;
	char		 esc[2] = { '\\', 0 };

	if (w->intitle)
		titletext(w, s);
	if (w->pre || w->code) {
		/* A backtick would end the code span or fence early. */
		for (p = s; *p != '\0'; p++)
			raw(w, *p == '`' ? "'" : p, 1);
		return;
	}
	for (p = s; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		    *p == '\f') {
			w->space = 1;
			continue;
		}
		/* Angle brackets and '&' as entity references (CommonMark
		 * §2.5), so no '<' of the page's text is left at all. */
		if (*p == '<')
			raw(w, "&lt;", 4);
		else if (*p == '>')
			raw(w, "&gt;", 4);
		else if (*p == '&')
			raw(w, "&amp;", 5);
		else if (strchr("\\`*_[]#!|~", *p) != NULL) {
			esc[1] = *p;
			raw(w, esc, 2);
		} else
			raw(w, p, 1);
	}
}

/* 1 when href is an absolute https or http URL of printable ASCII
 * without blanks, quotes or angle brackets (it goes between "(" and
 * ")"; parentheses, backslashes and backticks, which would end it or
 * open a code span, are refused too). */
static int
safehref(const char *h)
{
	const char	*p;

	if (strncasecmp(h, "https://", 8) != 0 &&
	    strncasecmp(h, "http://", 7) != 0)
		return 0;
	if (strlen(h) > 2048)
		return 0;
	for (p = h; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '"' || *p == '<' ||
		    *p == '>' || *p == '(' || *p == ')' || *p == '\\' ||
		    *p == '`')
			return 0;
	return 1;
}

static void walk(struct walk *, xmlNode *, size_t);

static void
children(struct walk *w, xmlNode *n, size_t depth)
{
	xmlNode	*c;

	for (c = n->children; c != NULL; c = c->next)
		walk(w, c, depth + 1);
}

static void
element(struct walk *w, xmlNode *n, size_t depth)
{
	const char	*name = (const char *)n->name;
	xmlChar		*href;
	size_t		 i;

	if (strcmp(name, "title") == 0) {
		/* Only its text, and only once. */
		if (!w->havetitle && n->children != NULL &&
		    n->children->type == XML_TEXT_NODE &&
		    n->children->content != NULL) {
			titletext(w, (const char *)n->children->content);
			w->havetitle = w->title.len > 0;
		}
		return;
	}
	if (among(n->name, dropped))
		return;
	if (among(n->name, voids)) {
		children(w, n, depth);
		return;
	}
	if (name[0] == 'h' && name[1] >= '1' && name[1] <= '6' &&
	    name[2] == '\0') {
		brk(w, 2);
		for (i = 0; i < (size_t)(name[1] - '0'); i++)
			raw(w, "#", 1);
		raw(w, " ", 1);
		w->intitle = !w->havetitle;
		children(w, n, depth);
		if (w->intitle) {
			w->intitle = 0;
			w->havetitle = w->title.len > 0;
		}
		brk(w, 2);
		return;
	}
	if (strcmp(name, "br") == 0) {
		brk(w, 1);
		return;
	}
	if (strcmp(name, "ul") == 0 || strcmp(name, "ol") == 0) {
		brk(w, w->lists > 0 ? 1 : 2);
		w->lists++;
		children(w, n, depth);
		w->lists--;
		brk(w, w->lists > 0 ? 1 : 2);
		return;
	}
	if (strcmp(name, "li") == 0) {
		brk(w, 1);
		for (i = 1; i < w->lists; i++)
			raw(w, "  ", 2);
		raw(w, n->parent != NULL && n->parent->name != NULL &&
		    strcmp((const char *)n->parent->name, "ol") == 0 ? "1. " :
		    "- ", n->parent != NULL && n->parent->name != NULL &&
		    strcmp((const char *)n->parent->name, "ol") == 0 ? 3 : 2);
		children(w, n, depth);
		brk(w, 1);
		return;
	}
	/* Code inside code is only its text: a second fence or span
	 * would end the first and leave the rest outside. */
	if ((strcmp(name, "pre") == 0 || strcmp(name, "code") == 0) &&
	    (w->pre || w->code)) {
		children(w, n, depth);
		return;
	}
	if (strcmp(name, "pre") == 0) {
		brk(w, 2);
		raw(w, "```\n", 4);
		w->pre++;
		children(w, n, depth);
		w->pre--;
		raw(w, "\n```", 4);
		brk(w, 2);
		return;
	}
	if (strcmp(name, "code") == 0) {
		raw(w, "`", 1);
		w->code++;
		children(w, n, depth);
		w->code--;
		raw(w, "`", 1);
		return;
	}
	if (strcmp(name, "a") == 0) {
		href = xmlGetProp(n, (const xmlChar *)"href");
		if (href != NULL && safehref((const char *)href)) {
			raw(w, "[", 1);
			children(w, n, depth);
			raw(w, "](", 2);
			(void)jta_buf_add_str(&w->md, (const char *)href);
			raw(w, ")", 1);
		} else
			children(w, n, depth);
		xmlFree(href);
		return;
	}
	if (strcmp(name, "strong") == 0 || strcmp(name, "b") == 0 ||
	    strcmp(name, "em") == 0 || strcmp(name, "i") == 0) {
		const char *m = name[0] == 's' || name[0] == 'b' ? "**" : "*";
		raw(w, m, strlen(m));
		children(w, n, depth);
		raw(w, m, strlen(m));
		return;
	}
	if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
		w->space = 1;
		children(w, n, depth);
		w->space = 1;
		return;
	}
	if (among(n->name, blocks)) {
		brk(w, 2);
		children(w, n, depth);
		brk(w, 2);
		return;
	}
	children(w, n, depth);
}

static void
walk(struct walk *w, xmlNode *n, size_t depth)
{
	if (depth > JTA_LIMIT_KB_DEPTH) {
		w->toodeep = 1;
		return;
	}
	switch (n->type) {
	case XML_ELEMENT_NODE:
		if (n->name != NULL)
			element(w, n, depth);
		break;
	case XML_TEXT_NODE:
		if (n->content != NULL)
			text(w, (const char *)n->content);
		break;
	case XML_HTML_DOCUMENT_NODE:
	case XML_DOCUMENT_NODE:
	case XML_DOCUMENT_FRAG_NODE:
		children(w, n, depth);
		break;
	case XML_ATTRIBUTE_NODE:
	case XML_CDATA_SECTION_NODE:
	case XML_ENTITY_REF_NODE:
	case XML_ENTITY_NODE:
	case XML_PI_NODE:
	case XML_COMMENT_NODE:
	case XML_DOCUMENT_TYPE_NODE:
	case XML_NOTATION_NODE:
	case XML_DTD_NODE:
	case XML_ELEMENT_DECL:
	case XML_ATTRIBUTE_DECL:
	case XML_ENTITY_DECL:
	case XML_NAMESPACE_DECL:
	case XML_XINCLUDE_START:
	case XML_XINCLUDE_END:
#ifdef LIBXML_DOCB_ENABLED
	case XML_DOCB_DOCUMENT_NODE:
#endif
		break;
	}
}

/* The title without a broken last character: cut at
 * JTA_LIMIT_KB_TITLE - 3 bytes on a character boundary and end with
 * "…" when longer. */
static char *
titlecopy(const struct jta_buf *b)
{
	size_t	 n = b->len;
	char	*t;

	while (n > 0 && b->p[n - 1] == ' ')
		n--;
	if (n == 0)
		return NULL;
	if (n > JTA_LIMIT_KB_TITLE) {
		n = JTA_LIMIT_KB_TITLE - 3;
		while (n > 0 && ((unsigned char)b->p[n] & 0xc0) == 0x80)
			n--;
		if ((t = malloc(n + 4)) == NULL)
			return NULL;
		memcpy(t, b->p, n);
		memcpy(t + n, "\xe2\x80\xa6", 4);
		return t;
	}
	if ((t = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(t, b->p, n);
	t[n] = '\0';
	return t;
}

enum jta_err
jta_html_to_markdown(const char *html, size_t len, struct jta_html_doc *doc,
    struct jta_error *err)
{
	enum jta_err	 rc;
	htmlDocPtr	 d = NULL;
	struct walk	 w;

	memset(doc, 0, sizeof(*doc));
	memset(&w, 0, sizeof(w));
	jta_buf_init(&w.md, JTA_LIMIT_KB_BODY);
	jta_buf_init(&w.title, 4 * JTA_LIMIT_KB_TITLE);
	if (len > JTA_LIMIT_KB_FILE || len > (size_t)0x7fffffff) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 413, "file",
		    "the file is larger than 2 MiB");
		goto out;
	}
	if (!jta_text_utf8_valid(html, len) || memchr(html, '\0', len) !=
	    NULL) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, "file",
		    "the file is not UTF-8 text");
		goto out;
	}
	/* No network (no DTD or entity fetched), no messages to stderr;
	 * the bytes are UTF-8 whatever a <meta> says. */
	d = htmlReadMemory(html, (int)len, NULL, "UTF-8", HTML_PARSE_NONET |
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	if (d == NULL) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, "file",
		    "the file is not HTML that can be read");
		goto out;
	}
	/* <head> is dropped, but its <title> is the article's. */
	{
		xmlNode *root = xmlDocGetRootElement(d), *c, *h;
		for (c = root != NULL ? root->children : NULL; c != NULL;
		    c = c->next)
			if (c->type == XML_ELEMENT_NODE && c->name != NULL &&
			    strcmp((const char *)c->name, "head") == 0)
				for (h = c->children; h != NULL; h = h->next)
					if (h->type == XML_ELEMENT_NODE &&
					    h->name != NULL && strcmp(
					    (const char *)h->name, "title") ==
					    0)
						element(&w, h, 2);
	}
	walk(&w, (xmlNode *)d, 0);
	if (w.toodeep) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, "file",
		    "the HTML is nested more than 64 elements deep");
		goto out;
	}
	if (w.md.err != JTA_OK) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 413, "body",
		    "the article is longer than 1 MiB as Markdown");
		goto out;
	}
	(void)jta_buf_add(&w.md, "\n", 1);
	if (w.md.err != JTA_OK || (doc->markdown = jta_buf_take(&w.md)) ==
	    NULL) {
		rc = jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
		goto out;
	}
	doc->title = titlecopy(&w.title);
	rc = JTA_OK;
out:
	if (d != NULL)
		xmlFreeDoc(d);
	jta_buf_free(&w.md);
	jta_buf_free(&w.title);
	if (rc != JTA_OK)
		jta_html_doc_clear(doc);
	return rc;
}

void
jta_html_doc_clear(struct jta_html_doc *doc)
{
	if (doc == NULL)
		return;
	free(doc->title);
	free(doc->markdown);
	doc->title = doc->markdown = NULL;
}
