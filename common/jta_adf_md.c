/*
 * Markdown -> Atlassian Document Format: jta_adf_from_markdown (see
 * jta_adf.h for the subset).  The other direction and the helpers both
 * share are in jta_adf.c (jta_adf_int.h).
 *
 * Bounded work on hostile input:
 *
 * - Markdown is cut into lines once.  Blocks are parsed by a recursive
 *   descent over ranges of those lines whose depth is the nesting of
 *   quotes and list items, refused above JTA_LIMIT_ADF_DEPTH; each level
 *   strips its own prefix in place, so the work is at most the depth
 *   limit times the length.
 * - Inline text is parsed in three linear passes: code spans (a closing
 *   backtick run is looked up with a table of the last run of each length,
 *   as cmark does, so a run without a closer costs one scan in total),
 *   bracket matching with a stack, then a left-to-right scan that toggles
 *   marks.  A mark opened and never closed is turned back into text by
 *   walking the pieces after it once.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_adf.h"
#include "jta_adf_int.h"
#include "jta_buf.h"
#include "jta_limits.h"
#include "jta_text.h"

#define NONE		SIZE_MAX

static int
ispunct_ascii(int c)
{
	return (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) ||
	    (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
}

/* ==== Markdown -> ADF ==== */

struct line {
	const char	*p;
	size_t		 len;
};

enum segkind { SEG_TEXT, SEG_CODE, SEG_BREAK, SEG_DELIM };

/* One piece of a paragraph's inline text. */
struct seg {
	const char	*p;
	size_t		 n;
	const char	*href;
	size_t		 hrefn;
	unsigned	 marks;
	enum segkind	 kind;
};

enum cont { C_TOP, C_QUOTE, C_ITEM };

struct md {
	const char	*field;
	struct jta_error *err;
	enum jta_err	 rc;
	size_t		 nodes;
	struct line	*lines;
	size_t		 nlines;
	/* Inline scratch, each with room for the whole source. */
	size_t		*jump;	/* '`': end of its code span; '[': its ']' */
	size_t		*stop;	/* next byte that ends a URL */
	size_t		*last;	/* last backtick run of each length; stack */
	int		 scanned;
	struct seg	*segs;
	size_t		 nseg, segcap;
	struct jta_buf	 para;
	struct jta_buf	 text;
	size_t		 tasks;	/* localIds given to task lists, items */
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

/* Leading blanks of l: *col columns (tabs to the next multiple of 4),
 * *off bytes. */
static void
lead(const struct line *l, size_t *off, size_t *col)
{
	size_t	 i, c = 0;

	for (i = 0; i < l->len && (l->p[i] == ' ' || l->p[i] == '\t'); i++)
		c = l->p[i] == '\t' ? c + 4 - c % 4 : c + 1;
	*off = i;
	*col = c;
}

static int
blank(const struct line *l)
{
	size_t	 off, col;

	lead(l, &off, &col);
	return off == l->len;
}

/* Remove up to want columns of leading blanks from l. */
static void
strip(struct line *l, size_t want)
{
	size_t	 c = 0;

	while (c < want && l->len > 0 && (l->p[0] == ' ' || l->p[0] == '\t')) {
		c = l->p[0] == '\t' ? c + 4 - c % 4 : c + 1;
		l->p++;
		l->len--;
	}
}

/* A fence opening: 3 or more ` or ~; a backtick fence's info string has
 * no backtick. */
static int
isfence(const char *t, size_t n, char *ch, size_t *flen)
{
	size_t	 i = 0;

	if (n < 3 || (t[0] != '`' && t[0] != '~'))
		return 0;
	while (i < n && t[i] == t[0])
		i++;
	if (i < 3 || (t[0] == '`' && memchr(t + i, '`', n - i) != NULL))
		return 0;
	*ch = t[0];
	*flen = i;
	return 1;
}

static int
isheading(const char *t, size_t n, size_t *level)
{
	size_t	 i = 0;

	while (i < n && i < 7 && t[i] == '#')
		i++;
	if (i == 0 || i > 6 || (i < n && t[i] != ' ' && t[i] != '\t'))
		return 0;
	*level = i;
	return 1;
}

static int
isrule(const char *t, size_t n)
{
	size_t	 i, count = 0;

	if (n == 0 || (t[0] != '-' && t[0] != '*' && t[0] != '_'))
		return 0;
	for (i = 0; i < n; i++) {
		if (t[i] == t[0])
			count++;
		else if (t[i] != ' ' && t[i] != '\t')
			return 0;
	}
	return count >= 3;
}

struct marker {
	int		 ordered;
	char		 ch;	/* - * + or . ) */
	uint64_t	 start;
	size_t		 width;	/* marker bytes */
	size_t		 spaces; /* blank columns after it (bytes) */
	int		 empty;
};

static int
ismarker(const char *t, size_t n, struct marker *mk)
{
	size_t	 i = 0;

	memset(mk, 0, sizeof(*mk));
	if (n == 0)
		return 0;
	if (t[0] == '-' || t[0] == '*' || t[0] == '+') {
		mk->ch = t[0];
		i = 1;
	} else {
		while (i < n && i < 10 && t[i] >= '0' && t[i] <= '9')
			i++;
		if (i == 0 || i > 9 || i >= n || (t[i] != '.' && t[i] != ')'))
			return 0;
		if (jta_text_parse_uint(t, i, 999999999, &mk->start) != 0) {
			/* Leading zeros: read them by hand, still 9 digits. */
			size_t k;

			mk->start = 0;
			for (k = 0; k < i; k++)
				mk->start = mk->start * 10 +
				    (uint64_t)(t[k] - '0');
		}
		mk->ordered = 1;
		mk->ch = t[i];
		i++;
	}
	if (i < n && t[i] != ' ' && t[i] != '\t')
		return 0;
	mk->width = i;
	while (i < n && (t[i] == ' ' || t[i] == '\t'))
		i++;
	mk->spaces = i - mk->width;
	mk->empty = i == n;
	return 1;
}

/* Does the line t[0..n) (leading blanks removed) end a paragraph? */
static int
interrupts(const char *t, size_t n)
{
	struct marker	 mk;
	size_t		 lvl, fl;
	char		 ch;

	return n == 0 || t[0] == '>' || isfence(t, n, &ch, &fl) ||
	    isheading(t, n, &lvl) || isrule(t, n) ||
	    (ismarker(t, n, &mk) && !mk.empty &&
	    (!mk.ordered || mk.start == 1));
}

/* ---- inline ---- */

static size_t
addseg(struct md *m, enum segkind kind, const char *p, size_t n,
    unsigned marks, const char *href, size_t hrefn)
{
	struct seg	*ns;
	size_t		 ncap;

	if (m->nseg == m->segcap) {
		ncap = m->segcap ? m->segcap * 2 : 64;
		if ((ns = reallocarray(m->segs, ncap, sizeof(*ns))) == NULL) {
			nomem(m);
			return NONE;
		}
		m->segs = ns;
		m->segcap = ncap;
	}
	ns = &m->segs[m->nseg];
	ns->kind = kind;
	ns->p = p;
	ns->n = n;
	ns->marks = marks;
	ns->href = (marks & M_LINK) ? href : NULL;
	ns->hrefn = (marks & M_LINK) ? hrefn : 0;
	return m->nseg++;
}

static size_t
runlen(const char *s, size_t n, size_t i)
{
	size_t	 k = i;

	while (k < n && s[k] == s[i])
		k++;
	return k - i;
}

/* The start of the first backtick run of exactly len bytes at or after
 * from, or NONE.  Amortised linear (see the top of the file). */
static size_t
closer(struct md *m, const char *s, size_t n, size_t len, size_t from)
{
	size_t	 k = from, r;

	if (m->scanned && (m->last[len] == NONE || m->last[len] < from))
		return NONE;
	while (k < n) {
		if (s[k] != '`') {
			k++;
			continue;
		}
		r = runlen(s, n, k);
		if (m->last[r] == NONE || m->last[r] < k)
			m->last[r] = k;
		if (r == len)
			return k;
		k += r;
	}
	m->scanned = 1;
	return NONE;
}

/* Pass 1: code spans.  jump[i] of an opening run is the end of its span. */
static void
codespans(struct md *m, const char *s, size_t n)
{
	size_t	 i = 0, r, c;

	for (i = 0; i <= n; i++) {
		m->jump[i] = 0;
		m->last[i] = NONE;
	}
	m->scanned = 0;
	i = 0;
	while (i < n) {
		if (s[i] == '\\' && i + 1 < n && ispunct_ascii(
		    (unsigned char)s[i + 1])) {
			/* One escaped character, a backtick too: the rest of
			 * its run may open a span (CommonMark 6.1). */
			i += 2;
		} else if (s[i] == '`') {
			r = runlen(s, n, i);
			if ((c = closer(m, s, n, r, i + r)) != NONE) {
				m->jump[i] = c + r;
				i = c + r;
			} else
				i += r;
		} else
			i++;
	}
}

/* Pass 2: brackets, outside code spans and escapes.  Also the table of
 * URL ends used by links and autolinks. */
static void
brackets(struct md *m, const char *s, size_t n)
{
	size_t	 i = 0, sp = 0, k;
	size_t	*stack = m->last;

	while (i < n) {
		if (s[i] == '\\' && i + 1 < n && ispunct_ascii(
		    (unsigned char)s[i + 1]))
			i += 2;
		else if (s[i] == '`')
			i = m->jump[i] ? m->jump[i] : i + runlen(s, n, i);
		else if (s[i] == '[') {
			stack[sp++] = i;
			i++;
		} else if (s[i] == ']') {
			if (sp > 0)
				m->jump[stack[--sp]] = i;
			i++;
		} else
			i++;
	}
	m->stop[n] = n;
	for (k = n; k-- > 0;) {
		unsigned char c = (unsigned char)s[k];

		m->stop[k] = c <= 0x20 || c == 0x7f || c == '<' || c == '>' ||
		    c == '(' || c == ')' ? k : m->stop[k + 1];
	}
}

/* Turn the unclosed opener of kind at segment idx back into text. */
static void
fixup(struct md *m, unsigned kind, size_t idx)
{
	size_t	 k;

	m->segs[idx].kind = SEG_TEXT;
	for (k = idx + 1; k < m->nseg; k++)
		m->segs[k].marks &= ~kind;
}

static unsigned
effmarks(const struct seg *g)
{
	unsigned	 e;

	if (g->kind == SEG_CODE)
		return M_CODE | (g->marks & M_LINK);
	e = g->marks & (M_STRONG | M_STRIKE | M_LINK);
	if (g->marks & (M_EMS | M_EMU))
		e |= M_EMS;
	return e;
}

static void
addmark(struct md *m, json_t *marks, const char *type, const char *href,
    size_t hrefn)
{
	json_t	*mk;

	if (m->rc != JTA_OK)
		return;
	if ((mk = json_object()) == NULL ||
	    json_object_set_new(mk, "type", json_string(type)) != 0) {
		json_decref(mk);
		nomem(m);
		return;
	}
	if (href != NULL) {
		json_t *attrs = json_object();

		if (attrs == NULL || json_object_set_new(mk, "attrs",
		    attrs) != 0 || json_object_set_new(attrs, "href",
		    json_stringn(href, hrefn)) != 0) {
			json_decref(mk);
			nomem(m);
			return;
		}
	}
	if (json_array_append_new(marks, mk) != 0)
		nomem(m);
}

/* Emit the text gathered in m->text with marks e as a text node. */
static void
flushtext(struct md *m, json_t *arr, unsigned e, const char *href,
    size_t hrefn)
{
	json_t	*n, *marks;

	if (m->text.len == 0 || m->rc != JTA_OK)
		return;
	if ((n = mknode(m, "text", 0)) == NULL)
		return;
	if (json_object_set_new(n, "text", json_stringn(m->text.p,
	    m->text.len)) != 0) {
		json_decref(n);
		nomem(m);
		return;
	}
	jta_buf_setlen(&m->text, 0);
	if (e != 0) {
		if ((marks = json_array()) == NULL ||
		    json_object_set_new(n, "marks", marks) != 0) {
			json_decref(n);
			nomem(m);
			return;
		}
		if (e & M_STRONG)
			addmark(m, marks, "strong", NULL, 0);
		if (e & M_EMS)
			addmark(m, marks, "em", NULL, 0);
		if (e & M_STRIKE)
			addmark(m, marks, "strike", NULL, 0);
		if (e & M_CODE)
			addmark(m, marks, "code", NULL, 0);
		if (e & M_LINK)
			addmark(m, marks, "link", href, hrefn);
	}
	append(m, arr, n);
}

/* Turn the segments into text and hardBreak nodes in arr, merging
 * neighbours with the same marks. */
static void
segnodes(struct md *m, json_t *arr)
{
	const struct seg *g, *prev = NULL;
	unsigned	 e = 0;
	size_t		 k, i;

	jta_buf_setlen(&m->text, 0);
	for (k = 0; k < m->nseg && m->rc == JTA_OK; k++) {
		g = &m->segs[k];
		if (g->kind == SEG_DELIM)
			continue;
		if (g->kind == SEG_BREAK) {
			flushtext(m, arr, e, prev ? prev->href : NULL,
			    prev ? prev->hrefn : 0);
			append(m, arr, mknode(m, "hardBreak", 0));
			continue;
		}
		if (m->text.len > 0 && (effmarks(g) != e ||
		    ((e & M_LINK) && (g->hrefn != prev->hrefn ||
		    memcmp(g->href, prev->href, g->hrefn) != 0))))
			flushtext(m, arr, e, prev->href, prev->hrefn);
		e = effmarks(g);
		prev = g;
		for (i = 0; i < g->n; i++) {
			char c = g->p[i];

			if (g->kind == SEG_CODE && (c == '\n' || c == '\r'))
				c = ' ';
			if (jta_buf_add(&m->text, &c, 1) != JTA_OK) {
				nomem(m);
				return;
			}
		}
	}
	if (prev != NULL)
		flushtext(m, arr, e, prev->href, prev->hrefn);
}

/* Open or close emphasis for the delimiter run at s[i] (len bytes). */
static void
delim(struct md *m, const char *s, size_t n, size_t i, size_t len,
    unsigned *on, size_t open[], const char *href, size_t hrefn)
{
	unsigned	 kinds[2];
	size_t		 nk = 0, k, used = 0, w;
	int		 prev = i > 0 ? (unsigned char)s[i - 1] : ' ';
	int		 next = i + len < n ? (unsigned char)s[i + len] : ' ';
	int		 canopen = !jta_adf_isws(next);
	int		 canclose = !jta_adf_isws(prev);

	if (s[i] == '*' && len <= 3) {
		if (len & 2)
			kinds[nk++] = M_STRONG;
		if (len & 1)
			kinds[nk++] = M_EMS;
	} else if (s[i] == '_' && len == 1) {
		kinds[nk++] = M_EMU;
		canopen = canopen && !jta_adf_isword(prev);
		canclose = canclose && !jta_adf_isword(next);
	} else if (s[i] == '~' && len == 2)
		kinds[nk++] = M_STRIKE;
	for (k = 0; k < nk; k++) {
		unsigned bit = kinds[k];
		size_t	 slot = bit == M_STRONG ? 0 : bit == M_EMS ? 1 :
		    bit == M_EMU ? 2 : 3;

		w = bit == M_STRONG || bit == M_STRIKE ? 2 : 1;
		if ((*on & bit) && canclose) {
			*on &= ~bit;
			open[slot] = NONE;
			used += w;
		} else if (!(*on & bit) && canopen) {
			open[slot] = addseg(m, SEG_DELIM, s + i + used, w,
			    *on, href, hrefn);
			*on |= bit;
			used += w;
		}
	}
	if (used < len)
		(void)addseg(m, SEG_TEXT, s + i + used, len - used, *on, href,
		    hrefn);
}

static const unsigned slotbit[4] = { M_STRONG, M_EMS, M_EMU, M_STRIKE };

/* Parse the inline text s[0..n) ('\n' a soft break, '\r' a hard one) into
 * nodes appended to arr. */
static void
inlines(struct md *m, const char *s, size_t n, json_t *arr)
{
	size_t		 i = 0, k, e, r, c, linkend = NONE, resume = 0;
	size_t		 linkseg = 0, hrefn = 0, open[4];
	const char	*href = NULL;
	unsigned	 on = 0;

	m->nseg = 0;
	for (k = 0; k < 4; k++)
		open[k] = NONE;
	codespans(m, s, n);
	brackets(m, s, n);
	while (i < n && m->rc == JTA_OK) {
		unsigned char ch = (unsigned char)s[i];

		if (i == linkend) {
			for (k = 0; k < 4; k++)
				if (open[k] != NONE && open[k] >= linkseg) {
					fixup(m, slotbit[k], open[k]);
					on &= ~slotbit[k];
					open[k] = NONE;
				}
			on &= ~M_LINK;
			linkend = NONE;
			i = resume;
			continue;
		}
		switch (ch) {
		case '\\':
			if (i + 1 < n &&
			    ispunct_ascii((unsigned char)s[i + 1])) {
				(void)addseg(m, SEG_TEXT, s + i + 1, 1, on,
				    href, hrefn);
				i += 2;
			} else {
				(void)addseg(m, SEG_TEXT, s + i, 1, on, href,
				    hrefn);
				i++;
			}
			break;
		case '\n':
			(void)addseg(m, SEG_TEXT, " ", 1, on, href, hrefn);
			i++;
			break;
		case '\r':
			(void)addseg(m, SEG_BREAK, "", 0, 0, NULL, 0);
			i++;
			break;
		case '`':
			r = runlen(s, n, i);
			if (m->jump[i] == 0) {
				(void)addseg(m, SEG_TEXT, s + i, r, on, href,
				    hrefn);
				i += r;
				break;
			}
			c = m->jump[i] - r;	/* the closing run */
			k = i + r;
			if (c - k >= 2 && jta_adf_issp(s[k]) &&
			    jta_adf_issp(s[c - 1])) {
				for (e = k; e < c && jta_adf_issp(s[e]); e++)
					;
				if (e < c) {
					k++;
					c--;
				}
			}
			(void)addseg(m, SEG_CODE, s + k, c - k, on, href,
			    hrefn);
			i = m->jump[i];
			break;
		case '<':
			k = m->stop[i + 1];
			while (k < n && (s[k] == '(' || s[k] == ')'))
				k = m->stop[k + 1];
			if (!(on & M_LINK) && k < n && s[k] == '>' &&
			    jta_adf_linkscheme(s + i + 1, k - i - 1)) {
				(void)addseg(m, SEG_TEXT, s + i + 1, k - i - 1,
				    on | M_LINK, s + i + 1, k - i - 1);
				i = k + 1;
			} else {
				(void)addseg(m, SEG_TEXT, s + i, 1, on, href,
				    hrefn);
				i++;
			}
			break;
		case '[':
			k = m->jump[i];
			if (!(on & M_LINK) && k != 0 && k + 2 < n &&
			    s[k + 1] == '(' && (e = m->stop[k + 2]) < n &&
			    s[e] == ')' &&
			    jta_adf_linkscheme(s + k + 2, e - k - 2)) {
				on |= M_LINK;
				href = s + k + 2;
				hrefn = e - k - 2;
				linkend = k;
				resume = e + 1;
				linkseg = m->nseg;
			} else
				(void)addseg(m, SEG_TEXT, s + i, 1, on, href,
				    hrefn);
			i++;
			break;
		case '*':
		case '_':
		case '~':
			r = runlen(s, n, i);
			delim(m, s, n, i, r, &on, open, href, hrefn);
			i += r;
			break;
		default:
			for (k = i + 1; k < n && k != linkend &&
			    strchr("\\\n\r`<[*_~", s[k]) == NULL; k++)
				;
			(void)addseg(m, SEG_TEXT, s + i, k - i, on, href,
			    hrefn);
			i = k;
			break;
		}
	}
	for (k = 0; k < 4 && m->rc == JTA_OK; k++)
		if (open[k] != NONE)
			fixup(m, slotbit[k], open[k]);
	segnodes(m, arr);
}

/* ---- blocks ---- */

static size_t blocks(struct md *, size_t, size_t, unsigned, enum cont,
    json_t *);

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

/* A paragraph (or, with type "heading", a heading) from the inline text
 * s[0..n). */
static json_t *
inlinenode(struct md *m, const char *type, const char *s, size_t n)
{
	json_t	*node;

	if ((node = mknode(m, type, 1)) == NULL)
		return NULL;
	inlines(m, s, n, content(node));
	if (m->rc != JTA_OK) {
		json_decref(node);
		return NULL;
	}
	return node;
}

static size_t
paragraph(struct md *m, size_t i, size_t hi, json_t *arr)
{
	size_t		 j, off, col, e, bs, s;
	struct line	*l;
	int		 hard = 0, cut = 0;
	char		 sep;

	jta_buf_setlen(&m->para, 0);
	for (j = i; j < hi; j++) {
		l = &m->lines[j];
		lead(l, &off, &col);
		if (j > i && interrupts(l->p + off, l->len - off))
			break;
		/* The line before ends in a hard break ('\r') or a soft
		 * one ('\n'). */
		sep = hard ? '\r' : '\n';
		if (j > i && jta_buf_add(&m->para, &sep, 1) != 0)
			goto nomem;
		e = l->len;
		hard = e >= 2 && l->p[e - 1] == ' ' && l->p[e - 2] == ' ';
		while (e > off && jta_adf_isws((unsigned char)l->p[e - 1]))
			e--;
		for (bs = 0; bs < e - off && l->p[e - 1 - bs] == '\\'; bs++)
			;
		cut = bs % 2 == 1;
		if (cut) {
			hard = 1;
			e--;
		}
		for (; off < e; off++) {
			char c = l->p[off] == '\r' ? ' ' : l->p[off];

			if (jta_buf_add(&m->para, &c, 1) != 0)
				goto nomem;
		}
	}
	/* No hard break at the end of a paragraph: "a\" keeps its
	 * backslash. */
	if (cut && jta_buf_add(&m->para, "\\", 1) != 0)
		goto nomem;
	/* Nor blanks or breaks at either end (lines of blanks like
	 * vertical tabs leave some). */
	for (s = 0; s < m->para.len &&
	    jta_adf_isws((unsigned char)m->para.p[s]); s++)
		;
	for (e = m->para.len; e > s &&
	    jta_adf_isws((unsigned char)m->para.p[e - 1]); e--)
		;
	append(m, arr, inlinenode(m, "paragraph", m->para.p ? m->para.p + s :
	    "", e - s));
	return j;
nomem:
	nomem(m);
	return hi;
}

static size_t
codeblock(struct md *m, size_t i, size_t hi, json_t *arr)
{
	struct line	*l = &m->lines[i];
	size_t		 off, col, fl, j, k, o2, c2, r;
	char		 ch;
	const char	*info;
	size_t		 infon, w;
	json_t		*node, *t;
	struct jta_buf	 code = JTA_BUF_INIT(JTA_LIMIT_ADF_BUFFER);

	lead(l, &off, &col);
	(void)isfence(l->p + off, l->len - off, &ch, &fl);
	info = l->p + off + fl;
	infon = l->len - off - fl;
	while (infon > 0 && jta_adf_isws((unsigned char)info[0])) {
		info++;
		infon--;
	}
	for (w = 0; w < infon && !jta_adf_isws((unsigned char)info[w]); w++)
		;
	if ((node = mknode(m, "codeBlock", 1)) == NULL)
		return hi;
	if (w > 0)
		setattr(m, node, "language", json_stringn(info, w));
	for (j = i + 1; j < hi; j++) {
		struct line *cl = &m->lines[j];

		lead(cl, &o2, &c2);
		r = 0;
		while (o2 + r < cl->len && cl->p[o2 + r] == ch)
			r++;
		if (r >= fl) {
			for (k = o2 + r; k < cl->len &&
			    jta_adf_isws((unsigned char)cl->p[k]); k++)
				;
			if (k == cl->len)
				break;
		}
		strip(cl, col);
		if ((j > i + 1 && jta_buf_add(&code, "\n", 1) != 0) ||
		    jta_buf_add(&code, cl->p, cl->len) != 0) {
			nomem(m);
			break;
		}
	}
	if (code.len > 0 && m->rc == JTA_OK &&
	    (t = mknode(m, "text", 0)) != NULL) {
		if (json_object_set_new(t, "text",
		    json_stringn(code.p, code.len)) != 0)
			nomem(m);
		append(m, content(node), t);
	}
	jta_buf_free(&code);
	if (m->rc != JTA_OK) {
		json_decref(node);
		return hi;
	}
	append(m, arr, node);
	return j < hi ? j + 1 : hi;
}

static size_t
quote(struct md *m, size_t i, size_t hi, unsigned depth, enum cont c,
    json_t *arr)
{
	size_t		 j, off, col;
	json_t		*node = NULL, *into = arr;
	struct line	*l;

	for (j = i; j < hi; j++) {
		l = &m->lines[j];
		lead(l, &off, &col);
		if (off == l->len || l->p[off] != '>')
			break;
		l->p += off + 1;
		l->len -= off + 1;
		if (l->len > 0 && (l->p[0] == ' ' || l->p[0] == '\t')) {
			l->p++;
			l->len--;
		}
	}
	if (!depthok(m, depth + 1))
		return hi;
	/* ADF has no quote in a quote or in a list item: merge. */
	if (c == C_TOP) {
		if ((node = mknode(m, "blockquote", 1)) == NULL)
			return hi;
		into = content(node);
	}
	(void)blocks(m, i, j, depth + 1, c == C_TOP ? C_QUOTE : c, into);
	if (node != NULL && json_array_size(into) == 0)
		append(m, into, mknode(m, "paragraph", 1));
	if (m->rc != JTA_OK) {
		json_decref(node);
		return hi;
	}
	append(m, arr, node);
	return j;
}

/* The state of a task item the paragraph p starts ("[ ]" or "[x]", then a
 * blank or nothing, in a text node of its own without marks): "TODO",
 * "DONE", or NULL when it starts none; *skip the bytes to drop. */
static const char *
taskstate(json_t *p, size_t *skip)
{
	json_t		*t = json_array_get(content(p), 0);
	const char	*s = json_string_value(json_object_get(t, "text"));
	const char	*type = json_string_value(json_object_get(t, "type"));
	const char	*st;

	if (s == NULL || type == NULL || strcmp(type, "text") != 0 ||
	    json_object_get(t, "marks") != NULL || s[0] != '[' ||
	    s[1] == '\0' || s[2] != ']')
		return NULL;
	if (s[1] == ' ')
		st = "TODO";
	else if (s[1] == 'x' || s[1] == 'X')
		st = "DONE";
	else
		return NULL;
	if (s[3] != '\0' && s[3] != ' ')
		return NULL;
	*skip = s[3] == ' ' ? 4 : 3;
	return st;
}

/* A localId for a task list or item: unique in the document. */
static json_t *
taskid(struct md *m)
{
	char	 id[32];

	snprintf(id, sizeof(id), "task-%zu", ++m->tasks);
	return json_string(id);
}

/*
 * A bullet list whose every item is one paragraph that starts "[ ]" or
 * "[x]" (GitHub's task list items) becomes an ADF taskList of taskItems
 * (state TODO or DONE, the paragraph's inline content without the box);
 * any other list stays as it is.
 */
static void
tasklist(struct md *m, json_t *node)
{
	json_t		*it, *p, *t;
	const char	*text, *type;
	size_t		 i, skip;

	json_array_foreach(content(node), i, it) {
		p = json_array_get(content(it), 0);
		type = json_string_value(json_object_get(p, "type"));
		if (json_array_size(content(it)) != 1 || type == NULL ||
		    strcmp(type, "paragraph") != 0 ||
		    taskstate(p, &skip) == NULL)
			return;
	}
	if (json_object_set_new(node, "type", json_string("taskList")) != 0) {
		nomem(m);
		return;
	}
	setattr(m, node, "localId", taskid(m));
	json_array_foreach(content(node), i, it) {
		p = json_array_get(content(it), 0);
		setattr(m, it, "localId", taskid(m));
		setattr(m, it, "state", json_string(taskstate(p, &skip)));
		t = json_array_get(content(p), 0);
		text = json_string_value(json_object_get(t, "text"));
		if (text[skip] == '\0') {
			if (json_array_remove(content(p), 0) != 0)
				nomem(m);
		} else if (json_object_set_new(t, "text",
		    json_string(text + skip)) != 0)
			nomem(m);
		/* The item holds the paragraph's inline content. */
		if (json_object_set_new(it, "type", json_string("taskItem")) !=
		    0 || json_object_set(it, "content", content(p)) != 0)
			nomem(m);
	}
}

static size_t
list(struct md *m, size_t i, size_t hi, unsigned depth, json_t *arr)
{
	struct marker	 mk, mk2;
	struct line	*l;
	size_t		 off, col, ind, ccol, e, e2 = i, nx;
	json_t		*node, *item, *first;
	const char	*ft;
	int		 ordered;
	char		 ch;

	l = &m->lines[i];
	lead(l, &off, &ind);
	(void)ismarker(l->p + off, l->len - off, &mk);
	ordered = mk.ordered;
	ch = mk.ch;
	if (!depthok(m, depth + 1))
		return hi;
	if ((node = mknode(m, ordered ? "orderedList" : "bulletList", 1)) ==
	    NULL)
		return hi;
	if (ordered)
		setattr(m, node, "order", json_integer((json_int_t)mk.start));
	for (;;) {
		/* The item's first line: what follows the marker. */
		ccol = ind + mk.width + (mk.spaces >= 1 && mk.spaces <= 4 &&
		    !mk.empty ? mk.spaces : 1);
		l->p += off + mk.width + mk.spaces;
		l->len -= off + mk.width + mk.spaces;
		for (e = i + 1; e < hi; e++) {
			struct line *cl = &m->lines[e];

			lead(cl, &off, &col);
			/* Blank lines belong to the item too, and lose its
			 * indentation (a code block may hold them). */
			if (off < cl->len && col < ind + 2)
				break;
			strip(cl, col < ccol ? col : ccol);
		}
		for (e2 = e; e2 > i + 1 && blank(&m->lines[e2 - 1]); e2--)
			;
		if ((item = mknode(m, "listItem", 1)) == NULL)
			break;
		(void)blocks(m, i, e2, depth + 1, C_ITEM, content(item));
		/* ADF: an item starts with a paragraph or a code block. */
		first = json_array_get(content(item), 0);
		ft = json_string_value(json_object_get(first, "type"));
		if (m->rc == JTA_OK && (ft == NULL ||
		    (strcmp(ft, "paragraph") != 0 &&
		    strcmp(ft, "codeBlock") != 0))) {
			json_t *p = mknode(m, "paragraph", 1);

			if (p != NULL &&
			    json_array_insert_new(content(item), 0, p) != 0)
				nomem(m);
		}
		append(m, content(node), item);
		if (m->rc != JTA_OK)
			break;
		/* The next item of the same list? */
		for (nx = e2; nx < hi && blank(&m->lines[nx]); nx++)
			;
		if (nx >= hi)
			break;
		l = &m->lines[nx];
		lead(l, &off, &ind);
		if (!ismarker(l->p + off, l->len - off, &mk2) ||
		    mk2.ordered != ordered || mk2.ch != ch ||
		    isrule(l->p + off, l->len - off))
			break;
		mk = mk2;
		i = nx;
	}
	if (!ordered)
		tasklist(m, node);
	if (m->rc != JTA_OK) {
		json_decref(node);
		return hi;
	}
	append(m, arr, node);
	return e2;
}

/* Split a table row t[0..n) into cells: *count of them; when arr is set,
 * append a cell node of type ctype (up to ncols, padding to it). */
static void
cells(struct md *m, const char *t, size_t n, size_t *count, json_t *arr,
    const char *ctype, size_t ncols)
{
	size_t	 i, s, e, bs, got = 0;
	json_t	*cell;

	while (n > 0 && jta_adf_isws((unsigned char)t[n - 1]))
		n--;
	if (n > 0 && t[0] == '|') {
		t++;
		n--;
	}
	for (bs = 0; bs + 1 < n && t[n - 2 - bs] == '\\'; bs++)
		;
	if (n > 0 && t[n - 1] == '|' && bs % 2 == 0)
		n--;
	i = 0;
	while (m->rc == JTA_OK) {
		s = i;
		while (i < n && t[i] != '|') {
			if (t[i] == '\\' && i + 1 < n)
				i++;
			i++;
		}
		e = i;
		if (arr != NULL && got < ncols) {
			while (s < e && jta_adf_isws((unsigned char)t[s]))
				s++;
			while (e > s && jta_adf_isws((unsigned char)t[e - 1]))
				e--;
			if ((cell = mknode(m, ctype, 1)) == NULL)
				return;
			/* GFM: "\\|" is a pipe in any inline, code too. */
			jta_buf_setlen(&m->para, 0);
			for (; s < e; s++) {
				if (t[s] == '\\' && s + 1 < e &&
				    t[s + 1] == '|')
					s++;
				else if (t[s] == '\\' && s + 1 < e &&
				    jta_buf_add(&m->para, t + s++, 1) != 0)
					nomem(m);
				if (jta_buf_add(&m->para, t + s, 1) != 0)
					nomem(m);
			}
			append(m, content(cell), inlinenode(m, "paragraph",
			    m->para.p ? m->para.p : "", m->para.len));
			append(m, arr, cell);
		}
		got++;
		if (i >= n)
			break;
		i++;
	}
	for (; arr != NULL && got < ncols && m->rc == JTA_OK; got++) {
		if ((cell = mknode(m, ctype, 1)) == NULL)
			return;
		append(m, content(cell), mknode(m, "paragraph", 1));
		append(m, arr, cell);
	}
	*count = got;
}

static int
delimrow(const char *t, size_t n)
{
	size_t	 i, dashes = 0;

	if (memchr(t, '|', n) == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if (t[i] == '-')
			dashes++;
		else if (t[i] != '|' && t[i] != ':' &&
		    !jta_adf_isws((unsigned char)t[i]))
			return 0;
	}
	return dashes > 0;
}

/* A GFM table at line i, or 0 (nothing consumed) when there is none. */
static size_t
table(struct md *m, size_t i, size_t hi, json_t *arr)
{
	struct line	*h = &m->lines[i], *d;
	size_t		 o1, o2, col, nh, nd, j;
	json_t		*node, *row;
	char		 ch;

	if (i + 1 >= hi)
		return 0;
	d = &m->lines[i + 1];
	lead(h, &o1, &col);
	lead(d, &o2, &col);
	if (memchr(h->p + o1, '|', h->len - o1) == NULL ||
	    !delimrow(d->p + o2, d->len - o2))
		return 0;
	cells(m, h->p + o1, h->len - o1, &nh, NULL, NULL, 0);
	cells(m, d->p + o2, d->len - o2, &nd, NULL, NULL, 0);
	if (nh != nd)
		return 0;
	if ((node = mknode(m, "table", 1)) == NULL)
		return hi;
	if ((row = mknode(m, "tableRow", 1)) != NULL) {
		cells(m, h->p + o1, h->len - o1, &nd, content(row),
		    "tableHeader", nh);
		append(m, content(node), row);
	}
	for (j = i + 2; j < hi && m->rc == JTA_OK; j++) {
		struct line *l = &m->lines[j];

		lead(l, &o1, &col);
		if (o1 == l->len || l->p[o1] == '>' ||
		    isfence(l->p + o1, l->len - o1, &ch, &nd) ||
		    isheading(l->p + o1, l->len - o1, &nd))
			break;
		if ((row = mknode(m, "tableRow", 1)) == NULL)
			break;
		cells(m, l->p + o1, l->len - o1, &nd, content(row),
		    "tableCell", nh);
		append(m, content(node), row);
	}
	if (m->rc != JTA_OK) {
		json_decref(node);
		return hi;
	}
	append(m, arr, node);
	return j;
}

/* Parse lines [lo, hi) as blocks at depth into arr; returns hi. */
static size_t
blocks(struct md *m, size_t lo, size_t hi, unsigned depth, enum cont c,
    json_t *arr)
{
	size_t		 i = lo, off, col, lvl, fl, n, j;
	struct line	*l;
	struct marker	 mk;
	const char	*t;
	char		 ch;

	while (i < hi && m->rc == JTA_OK) {
		l = &m->lines[i];
		lead(l, &off, &col);
		t = l->p + off;
		n = l->len - off;
		if (n == 0) {
			i++;
		} else if (isfence(t, n, &ch, &fl)) {
			i = codeblock(m, i, hi, arr);
		} else if (t[0] == '>') {
			i = quote(m, i, hi, depth, c, arr);
		} else if (isheading(t, n, &lvl)) {
			json_t	*h;
			size_t	 s = lvl, e = n;

			while (s < e && jta_adf_isws((unsigned char)t[s]))
				s++;
			while (e > s && jta_adf_isws((unsigned char)t[e - 1]))
				e--;
			for (j = e; j > s && t[j - 1] == '#'; j--)
				;
			if (j == s || jta_adf_isws((unsigned char)t[j - 1]))
				for (e = j; e > s &&
				    jta_adf_isws((unsigned char)t[e - 1]); e--)
					;
			h = inlinenode(m, c == C_TOP ? "heading" : "paragraph",
			    t + s, e - s);
			if (c == C_TOP)
				setattr(m, h, "level",
				    json_integer((json_int_t)lvl));
			append(m, arr, h);
			i++;
		} else if (isrule(t, n)) {
			if (c == C_TOP)
				append(m, arr, mknode(m, "rule", 0));
			i++;
		} else if (ismarker(t, n, &mk)) {
			i = list(m, i, hi, depth, arr);
		} else if (c == C_TOP && (j = table(m, i, hi, arr)) != 0) {
			i = j;
		} else
			i = paragraph(m, i, hi, arr);
	}
	return hi;
}

enum jta_err
jta_adf_from_markdown(const char *md, size_t len, const char *field,
    json_t **out, struct jta_error *err)
{
	struct md	 m;
	struct jta_buf	 src = JTA_BUF_INIT(JTA_LIMIT_ADF_BUFFER);
	json_t		*doc = NULL;
	size_t		 i, s, n;
	enum jta_err	 rc;

	*out = NULL;
	memset(&m, 0, sizeof(m));
	jta_buf_init(&m.para, JTA_LIMIT_ADF_BUFFER);
	jta_buf_init(&m.text, JTA_LIMIT_ADF_BUFFER);
	m.field = field;
	m.err = err;
	if (len > JTA_LIMIT_ADF_SOURCE)
		return jta_error_set(err, JTA_ERR_INPUT, 422, field,
		    "%s is longer than %d bytes", field, JTA_LIMIT_ADF_SOURCE);
	if (!jta_text_utf8_valid(md, len))
		return jta_error_set(err, JTA_ERR_INPUT, 422, field,
		    "%s is not valid UTF-8", field);
	/* A private copy with NUL replaced by U+FFFD (CommonMark 2.3), so
	 * every string made is NUL-free, and CR LF and CR made LF (2.1). */
	for (i = s = 0; i <= len; i++)
		if (i == len || md[i] == '\0' || md[i] == '\r') {
			if (jta_buf_add(&src, md + s, i - s) != 0 ||
			    (i < len && md[i] == '\0' &&
			    jta_buf_add(&src, "\xef\xbf\xbd", 3) != 0) ||
			    (i < len && md[i] == '\r' && (i + 1 == len ||
			    md[i + 1] != '\n') && jta_buf_add(&src, "\n", 1) !=
			    JTA_OK)) {
				rc = JTA_ERR_NOMEM;
				goto out;
			}
			s = i + 1;
		}
	n = src.len;
	for (i = 0; i < n; i++)
		if (src.p[i] == '\n')
			m.nlines++;
	m.nlines++;
	if ((m.lines = calloc(m.nlines, sizeof(*m.lines))) == NULL ||
	    (m.jump = calloc(n + 1, sizeof(size_t))) == NULL ||
	    (m.stop = calloc(n + 1, sizeof(size_t))) == NULL ||
	    (m.last = calloc(n + 1, sizeof(size_t))) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	m.nlines = 0;
	for (i = s = 0; i <= n; i++)
		if (i == n || src.p[i] == '\n') {
			m.lines[m.nlines].p = src.p != NULL ? src.p + s : "";
			m.lines[m.nlines].len = i - s;
			m.nlines++;
			s = i + 1;
		}
	if ((doc = mknode(&m, "doc", 1)) == NULL ||
	    json_object_set_new(doc, "version", json_integer(1)) != 0) {
		nomem(&m);
		rc = m.rc;
		goto out;
	}
	(void)blocks(&m, 0, m.nlines, 0, C_TOP, content(doc));
	if ((rc = m.rc) != JTA_OK)
		goto out;
	*out = doc;
	doc = NULL;
out:
	json_decref(doc);
	jta_buf_free(&src);
	free(m.lines);
	free(m.jump);
	free(m.stop);
	free(m.last);
	free(m.segs);
	jta_buf_free(&m.para);
	jta_buf_free(&m.text);
	return rc;
}
