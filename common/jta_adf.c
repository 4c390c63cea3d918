/*
 * Markdown <-> Atlassian Document Format (see jta_adf.h for the subset).
 *
 * Bounded work on hostile input, both ways:
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
 * - ADF is walked recursively with a depth counter (lists, quotes, panels
 *   and unknown nodes each add one level); output past
 *   JTA_LIMIT_ADF_MARKDOWN is counted, not stored.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_adf.h"
#include "jta_buf.h"
#include "jta_limits.h"
#include "jta_text.h"
#include "jta_time.h"

#define NONE		SIZE_MAX

/* Mark bits, shared by both directions. */
#define M_STRONG	0x01u
#define M_EMS		0x02u	/* *em* */
#define M_EMU		0x04u	/* _em_ */
#define M_STRIKE	0x08u
#define M_CODE		0x10u
#define M_LINK		0x20u
#define M_EMPH		(M_STRONG | M_EMS | M_EMU | M_STRIKE)

static int
isws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* What a code span's content may lose one of at each end (CommonMark
 * 6.1: spaces and line ends, not tabs). */
static int
issp(char c)
{
	return c == ' ' || c == '\n' || c == '\r';
}

/* A letter or digit for the _em_ rule; bytes of multibyte characters
 * count as letters. */
static int
isword(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static int
ispunct_ascii(int c)
{
	return (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) ||
	    (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
}

/* 1 when s[0..n) starts with a scheme we make links of (http, https,
 * mailto; any case) and has something after it. */
static int
linkscheme(const char *s, size_t n)
{
	static const char *const schemes[] = { "http://", "https://",
	    "mailto:" };
	size_t	 i, k, sl;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		sl = strlen(schemes[i]);
		if (n <= sl)
			continue;
		for (k = 0; k < sl; k++)
			if ((s[k] | 0x20) != schemes[i][k] &&
			    s[k] != schemes[i][k])
				break;
		if (k == sl)
			return 1;
	}
	return 0;
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
	int		 canopen = !isws(next), canclose = !isws(prev);

	if (s[i] == '*' && len <= 3) {
		if (len & 2)
			kinds[nk++] = M_STRONG;
		if (len & 1)
			kinds[nk++] = M_EMS;
	} else if (s[i] == '_' && len == 1) {
		kinds[nk++] = M_EMU;
		canopen = canopen && !isword(prev);
		canclose = canclose && !isword(next);
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
			if (c - k >= 2 && issp(s[k]) && issp(s[c - 1])) {
				for (e = k; e < c && issp(s[e]); e++)
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
			    linkscheme(s + i + 1, k - i - 1)) {
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
			    s[e] == ')' && linkscheme(s + k + 2, e - k - 2)) {
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
		while (e > off && isws((unsigned char)l->p[e - 1]))
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
	for (s = 0; s < m->para.len && isws((unsigned char)m->para.p[s]);
	    s++)
		;
	for (e = m->para.len; e > s && isws((unsigned char)m->para.p[e - 1]);
	    e--)
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
	while (infon > 0 && isws((unsigned char)info[0])) {
		info++;
		infon--;
	}
	for (w = 0; w < infon && !isws((unsigned char)info[w]); w++)
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
			    isws((unsigned char)cl->p[k]); k++)
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

	while (n > 0 && isws((unsigned char)t[n - 1]))
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
			while (s < e && isws((unsigned char)t[s]))
				s++;
			while (e > s && isws((unsigned char)t[e - 1]))
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
		    !isws((unsigned char)t[i]))
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

			while (s < e && isws((unsigned char)t[s]))
				s++;
			while (e > s && isws((unsigned char)t[e - 1]))
				e--;
			for (j = e; j > s && t[j - 1] == '#'; j--)
				;
			if (j == s || isws((unsigned char)t[j - 1]))
				for (e = j; e > s &&
				    isws((unsigned char)t[e - 1]); e--)
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

/* ==== ADF -> Markdown ==== */

/* Escaping contexts. */
#define E_HEADING	0x1u
#define E_CELL		0x2u

struct out {
	struct jta_buf	 b;	/* at most JTA_LIMIT_ADF_MARKDOWN bytes */
	size_t		 chars;	/* characters written, kept or not */
	int		 full;	/* b holds all it may */
	struct jta_buf	 pre;	/* what each line starts with */
	int		 bol;	/* at the start of a line: pre not written */
	int		 linestart; /* nothing but pre and markers on it */
	char		 last;
	size_t		 lossy;
	int		 nomem;
	size_t		 count;	/* emit() calls that wrote something */
	int		 pendnl; /* line ends owed before the next output */
	size_t		 pendpre; /* the prefix they end lines with */
	size_t		 prelim; /* bytes of pre written now (flushnl) */
	int		 markersp; /* a blank owed after a list marker */
};

/* Inline state: the marks open and the blanks not yet written. */
struct ink {
	size_t		 brk;	/* hard breaks owed before more text */
	size_t		 brkws;	/* blanks of ws that come before it */
	unsigned	 cur;
	const char	*href;
	size_t		 hrefn;
	struct jta_buf	 ws;
};

static void nl(struct out *);

/* Separators between blocks are owed, not written, so that a block that
 * shows nothing leaves no blank line behind. */
static void
flushnl(struct out *o)
{
	size_t	 lim = o->prelim;

	if (o->pendnl == 0)
		return;
	/* The owed lines belong to the blocks before, not to a container
	 * opened since. */
	if (o->pendpre < lim)
		o->prelim = o->pendpre;
	while (o->pendnl > 0) {
		o->pendnl--;
		nl(o);
	}
	o->prelim = lim;
}

/* The bytes of the prefix a line starts with now. */
static size_t
prelen(const struct out *o)
{
	return o->pre.len < o->prelim ? o->pre.len : o->prelim;
}

static void
owe(struct out *o, int n)
{
	o->pendnl = n;
	o->pendpre = o->pre.len;
}

static void
emit(struct out *o, const char *s, size_t n)
{
	size_t	 i, room;

	flushnl(o);
	if (o->markersp && n > 0) {
		o->markersp = 0;
		emit(o, " ", 1);
	}
	if (n > 0)
		o->count++;
	if (o->bol) {
		o->bol = 0;
		emit(o, o->pre.p, prelen(o));
	}
	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			o->chars++;
	if (!o->full) {
		room = JTA_LIMIT_ADF_MARKDOWN - o->b.len;
		if (n > room)
			o->full = 1;
		if (jta_buf_add(&o->b, s, n > room ? room : n) != 0)
			o->nomem = 1;
	}
	if (n > 0)
		o->last = s[n - 1];
}

/* Content: clears linestart. */
static void
put(struct out *o, const char *s, size_t n)
{
	emit(o, s, n);
	o->linestart = 0;
}

static void
putstr(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* End the line.  An empty line still carries the quote markers of the
 * prefix, without its trailing blanks. */
static void
nl(struct out *o)
{
	size_t	 n = prelen(o);

	flushnl(o);
	o->markersp = 0;
	if (o->bol) {
		while (n > 0 && o->pre.p[n - 1] == ' ')
			n--;
		o->bol = 0;
		emit(o, o->pre.p, n);
	}
	emit(o, "\n", 1);
	o->bol = 1;
	o->linestart = 1;
}

static size_t
push(struct out *o, const char *s, int now)
{
	size_t	 old = o->pre.len;

	if (jta_buf_add(&o->pre, s, strlen(s)) != 0)
		o->nomem = 1;
	/* Mid-line (after a list marker) the new prefix is written now;
	 * else with the next line. */
	if (now && !o->bol && o->pendnl == 0)
		emit(o, s, strlen(s));
	return old;
}

static void
pop(struct out *o, size_t old)
{
	jta_buf_setlen(&o->pre, old);
}

/* Text, escaped so that the parser above gives it back. */
static void
esc(struct out *o, const char *s, size_t n, unsigned ctx)
{
	size_t	 i, k;
	char	 c;
	int	 need;

	if (n > 0)
		flushnl(o);	/* linestart holds after the owed line ends */
	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '\n' || c == '\r')
			c = ' ';
		if (o->linestart && isws((unsigned char)c))
			continue;
		if (c == '\0') {
			put(o, "\xef\xbf\xbd", 3);
			continue;
		}
		if (o->linestart && c >= '0' && c <= '9') {
			for (k = i; k < n && s[k] >= '0' && s[k] <= '9'; k++)
				;
			put(o, s + i, k - i);
			if (k < n && (s[k] == '.' || s[k] == ')')) {
				put(o, "\\", 1);
				put(o, s + k, 1);
			} else
				k--;
			i = k;
			continue;
		}
		switch (c) {
		case '\\':
		case '`':
		case '*':
		case '[':
		case ']':
		case '<':
		case '~':
		case '|':
			need = 1;
			break;
		case '_':
			need = !(i > 0 && isword((unsigned char)s[i - 1]) &&
			    i + 1 < n && isword((unsigned char)s[i + 1]));
			break;
		case '#':
			need = o->linestart || (ctx & E_HEADING);
			break;
		case '>':
		case '+':
		case '-':
			need = o->linestart;
			break;
		case '(':
			need = o->last == ']';
			break;
		default:
			need = 0;
			break;
		}
		if (need)
			put(o, "\\", 1);
		put(o, &c, 1);
	}
}

static int
hrefbyte(unsigned char c)
{
	return c <= 0x20 || c == 0x7f || strchr("()<>\\`[]", c) != NULL;
}

/* A link destination: bytes the parser would stop at are %-encoded. */
static void
puthref(struct out *o, const char *h, size_t n)
{
	char	 pct[4];
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (hrefbyte((unsigned char)h[i])) {
			snprintf(pct, sizeof(pct), "%%%02X",
			    (unsigned char)h[i]);
			put(o, pct, 3);
		} else
			put(o, h + i, 1);
	}
}

static void
delims(struct out *o, unsigned bits, int closing)
{
	if (closing) {
		if (bits & M_STRIKE)
			putstr(o, "~~");
		if (bits & M_EMS)
			putstr(o, "*");
		if (bits & M_STRONG)
			putstr(o, "**");
	} else {
		if (bits & M_STRONG)
			putstr(o, "**");
		if (bits & M_EMS)
			putstr(o, "*");
		if (bits & M_STRIKE)
			putstr(o, "~~");
	}
}

static void
flushws(struct out *o, struct ink *k)
{
	size_t	 i;

	if (k->ws.len == 0)
		return;
	flushnl(o);
	for (i = 0; i < k->ws.len && !o->linestart; i++)
		put(o, isws((unsigned char)k->ws.p[i]) ? " " : k->ws.p + i, 1);
	jta_buf_setlen(&k->ws, 0);
}

static void
closeall(struct out *o, struct ink *k)
{
	delims(o, k->cur & M_EMPH, 1);
	if (k->cur & M_LINK) {
		putstr(o, "](");
		puthref(o, k->href, k->hrefn);
		putstr(o, ")");
	}
	k->cur = 0;
}

/* Close and open marks so that bits (and href) hold from here. */
static void
marks(struct out *o, struct ink *k, unsigned bits, const char *href,
    size_t hrefn)
{
	int	 lc;

	/* A hard break is written only when text follows it: Markdown has
	 * none at the end of a paragraph. */
	if (k->brk > 0) {
		jta_buf_setlen(&k->ws, k->brkws);
		flushws(o, k);
		for (; k->brk > 0; k->brk--) {
			putstr(o, "\\");
			nl(o);
		}
	}
	lc = ((k->cur ^ bits) & M_LINK) || ((bits & M_LINK) &&
	    (hrefn != k->hrefn || memcmp(href, k->href, hrefn) != 0));
	if (lc)
		closeall(o, k);
	else {
		delims(o, k->cur & ~bits & M_EMPH, 1);
		k->cur &= bits;
	}
	flushws(o, k);
	if (lc && (bits & M_LINK))
		putstr(o, "[");
	delims(o, bits & ~k->cur & M_EMPH, 0);
	k->cur = bits;
	k->href = href;
	k->hrefn = hrefn;
}

static const char *
ntype(const json_t *n)
{
	return json_string_value(json_object_get(n, "type"));
}

static const char *
attrstr(const json_t *n, const char *key)
{
	return json_string_value(json_object_get(json_object_get(n, "attrs"),
	    key));
}

static void
codespan(struct out *o, const char *s, size_t n, unsigned ctx)
{
	size_t	 i, run = 0, max = 0, allsp = 1;
	int	 pad;
	char	 c;

	for (i = 0; i < n; i++) {
		run = s[i] == '`' ? run + 1 : 0;
		if (run > max)
			max = run;
		if (!issp(s[i]))
			allsp = 0;
	}
	pad = s[0] == '`' || s[n - 1] == '`' || (!allsp && issp(s[0]) &&
	    issp(s[n - 1]));
	for (i = 0; i <= max; i++)
		putstr(o, "`");
	if (pad)
		putstr(o, " ");
	for (i = 0; i < n; i++) {
		c = s[i] == '\n' || s[i] == '\r' ? ' ' : s[i];
		if (c == '\0')
			putstr(o, "\xef\xbf\xbd");
		else if (c == '|' && (ctx & E_CELL))
			putstr(o, "\\|");	/* GFM: even in code */
		else
			put(o, &c, 1);
	}
	if (pad)
		putstr(o, " ");
	for (i = 0; i <= max; i++)
		putstr(o, "`");
}

/* 1 when h is a link we write as <h>. */
static int
autolinkable(const char *h, size_t n)
{
	size_t	 i;

	if (!linkscheme(h, n))
		return 0;
	for (i = 0; i < n; i++)
		if (hrefbyte((unsigned char)h[i]))
			return 0;
	return 1;
}

static void
text(struct out *o, struct ink *k, const json_t *node, unsigned ctx)
{
	const json_t	*ms = json_object_get(node, "marks"), *mk;
	const char	*s, *t, *href = NULL;
	size_t		 n, i, a, b, hrefn = 0;
	unsigned	 bits = 0;

	if ((s = json_string_value(json_object_get(node, "text"))) == NULL) {
		o->lossy++;
		return;
	}
	n = json_string_length(json_object_get(node, "text"));
	json_array_foreach(ms, i, mk) {
		if ((t = ntype(mk)) == NULL)
			continue;
		if (strcmp(t, "strong") == 0)
			bits |= M_STRONG;
		else if (strcmp(t, "em") == 0)
			bits |= M_EMS;
		else if (strcmp(t, "strike") == 0)
			bits |= M_STRIKE;
		else if (strcmp(t, "code") == 0)
			bits |= M_CODE;
		else if (strcmp(t, "link") == 0 &&
		    (href = attrstr(mk, "href")) != NULL) {
			hrefn = json_string_length(json_object_get(
			    json_object_get(mk, "attrs"), "href"));
			if (linkscheme(href, hrefn))
				bits |= M_LINK;
		}
	}
	if (n == 0)
		return;
	if (bits & M_CODE) {
		marks(o, k, bits & (M_EMPH | M_LINK), href, hrefn);
		codespan(o, s, n, ctx);
		return;
	}
	for (a = 0; a < n && isws((unsigned char)s[a]); a++)
		;
	for (b = n; b > a && isws((unsigned char)s[b - 1]); b--)
		;
	if (jta_buf_add(&k->ws, s, a) != 0)
		o->nomem = 1;
	if (a == b)
		return;
	if ((bits & M_LINK) && b - a == hrefn &&
	    memcmp(s + a, href, hrefn) == 0 && autolinkable(href, hrefn)) {
		marks(o, k, bits & M_EMPH, NULL, 0);
		putstr(o, "<");
		put(o, href, hrefn);
		putstr(o, ">");
	} else {
		marks(o, k, bits, href, hrefn);
		esc(o, s + a, b - a, ctx);
	}
	if (jta_buf_add(&k->ws, s + b, n - b) != 0)
		o->nomem = 1;
}

static int
isinline(const char *t)
{
	static const char *const types[] = { "text", "hardBreak", "mention",
	    "emoji", "date", "status", "inlineCard", "mediaInline",
	    "placeholder", "inlineExtension" };
	size_t	 i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(t, types[i]) == 0)
			return 1;
	return 0;
}

static int
toodeep(struct out *o, unsigned depth)
{
	if (depth <= JTA_LIMIT_ADF_DEPTH)
		return 0;
	o->lossy++;
	putstr(o, "[... content nested too deep left out]");
	return 1;
}

static void inlinesmd(struct out *, const json_t *, size_t, size_t,
    unsigned, unsigned);

/* "[date: YYYY-MM-DD]" from a timestamp in milliseconds. */
static void
datemd(struct out *o, const json_t *node)
{
	const json_t	*ts = json_object_get(json_object_get(node, "attrs"),
	    "timestamp");
	uint64_t	 ms = UINT64_MAX;
	char		 buf[JTA_TIME_STRLEN];

	if (json_is_string(ts) && jta_text_parse_uint(json_string_value(ts),
	    json_string_length(ts), UINT64_C(253402300799999), &ms) != 0)
		ms = UINT64_MAX;
	else if (json_is_integer(ts) && json_integer_value(ts) >= 0 &&
	    json_integer_value(ts) <= INT64_C(253402300799999))
		ms = (uint64_t)json_integer_value(ts);
	putstr(o, "[date: ");
	if (ms == UINT64_MAX)
		putstr(o, "unknown");
	else {
		jta_time_format((int64_t)(ms / 1000), buf);
		put(o, buf, 10);
	}
	putstr(o, "]");
}

/* A link-like attribute: <url> when we can, else its text. */
static void
urlmd(struct out *o, const json_t *node, const char *type)
{
	const char	*u = attrstr(node, "url");
	size_t		 n;

	if (u == NULL) {
		putstr(o, "[unsupported: ");
		esc(o, type, strlen(type), 0);
		putstr(o, "]");
		return;
	}
	n = strlen(u);
	if (autolinkable(u, n)) {
		putstr(o, "<");
		put(o, u, n);
		putstr(o, ">");
	} else
		esc(o, u, n, 0);
}

/* One node that is not text, in inline context. */
static void
inlineother(struct out *o, const json_t *node, const char *t,
    unsigned depth, unsigned ctx)
{
	const char	*s;
	const json_t	*c;

	o->lossy++;
	if (strcmp(t, "mention") == 0) {
		if ((s = attrstr(node, "text")) == NULL)
			s = "user";
		if (s[0] == '@')
			s++;
		putstr(o, "@");
		esc(o, s, strlen(s), ctx);
	} else if (strcmp(t, "emoji") == 0) {
		if ((s = attrstr(node, "shortName")) == NULL &&
		    (s = attrstr(node, "text")) == NULL)
			s = ":emoji:";
		esc(o, s, strlen(s), ctx);
	} else if (strcmp(t, "date") == 0)
		datemd(o, node);
	else if (strcmp(t, "status") == 0) {
		s = attrstr(node, "text");
		putstr(o, "[status: ");
		esc(o, s ? s : "", s ? strlen(s) : 0, ctx);
		putstr(o, "]");
	} else if (strcmp(t, "inlineCard") == 0)
		urlmd(o, node, t);
	else if (strcmp(t, "mediaInline") == 0 || strcmp(t, "media") == 0)
		putstr(o, "[media not shown]");
	else {
		putstr(o, "[unsupported: ");
		esc(o, t, strlen(t), ctx);
		putstr(o, "]");
		c = json_object_get(node, "content");
		if (json_array_size(c) > 0 && !toodeep(o, depth + 1)) {
			putstr(o, " ");
			inlinesmd(o, c, 0, json_array_size(c), depth + 1, ctx);
		}
	}
}

/* Elements [from, to) of arr as inline text on the current line(s). */
static void
inlinesmd(struct out *o, const json_t *arr, size_t from, size_t to,
    unsigned depth, unsigned ctx)
{
	struct ink	 k;
	const json_t	*node;
	const char	*t;
	size_t		 i, start = o->count;

	memset(&k, 0, sizeof(k));
	jta_buf_init(&k.ws, JTA_LIMIT_ADF_BUFFER);
	for (i = from; i < to; i++) {
		node = json_array_get(arr, i);
		if ((t = ntype(node)) == NULL) {
			o->lossy++;
			continue;
		}
		if (strcmp(t, "text") == 0) {
			text(o, &k, node, ctx);
			continue;
		}
		/* Nor a hard break before any text. */
		if (strcmp(t, "hardBreak") == 0 && o->count == start)
			continue;
		if (strcmp(t, "hardBreak") == 0 &&
		    !(ctx & (E_HEADING | E_CELL))) {
			/* Close the marks, keep the blanks: they are written
			 * with the breaks, if text follows them. */
			closeall(o, &k);
			if (k.brk++ == 0)
				k.brkws = k.ws.len;
			continue;
		}
		marks(o, &k, 0, NULL, 0);
		if (strcmp(t, "hardBreak") == 0) {
			if (jta_buf_add(&k.ws, " ", 1) != 0)
				o->nomem = 1;
		} else
			inlineother(o, node, t, depth, ctx);
	}
	jta_buf_setlen(&k.ws, 0);
	k.brk = 0;
	marks(o, &k, 0, NULL, 0);
	jta_buf_free(&k.ws);
}

static void blocksmd(struct out *, const json_t *, size_t, size_t,
    unsigned, int);

/* The text of any node on one line (table cells). */
static void
flatmd(struct out *o, const json_t *node, unsigned depth)
{
	const json_t	*c = json_object_get(node, "content"), *e;
	const char	*t = ntype(node);
	size_t		 i, start;

	if (t == NULL) {
		o->lossy++;
		return;
	}
	if (isinline(t)) {
		if (strcmp(t, "text") == 0) {
			struct ink k;

			memset(&k, 0, sizeof(k));
			jta_buf_init(&k.ws, JTA_LIMIT_ADF_BUFFER);
			text(o, &k, node, E_CELL);
			jta_buf_setlen(&k.ws, 0);
			marks(o, &k, 0, NULL, 0);
			jta_buf_free(&k.ws);
		} else if (strcmp(t, "hardBreak") == 0)
			putstr(o, " ");
		else
			inlineother(o, node, t, depth, E_CELL);
		return;
	}
	if (toodeep(o, depth + 1))
		return;
	start = o->count;
	json_array_foreach(c, i, e) {
		if (i > 0 && o->count != start)
			o->markersp = 1;
		flatmd(o, e, depth + 1);
	}
}

static void
cellmd(struct out *o, const json_t *cell, unsigned depth)
{
	const json_t	*c = json_object_get(cell, "content"), *e;
	const char	*t;
	size_t		 i;
	size_t		 start = o->count;
	int		 other = 0;

	json_array_foreach(c, i, e) {
		t = ntype(e);
		if (i > 0 && o->count != start)
			o->markersp = 1;	/* written before more text */
		if (t != NULL && strcmp(t, "paragraph") == 0) {
			const json_t *pc = json_object_get(e, "content");

			inlinesmd(o, pc, 0, json_array_size(pc), depth,
			    E_CELL);
		} else {
			other = 1;
			flatmd(o, e, depth);
		}
	}
	if (other)
		o->lossy++;
}

static void
tablemd(struct out *o, const json_t *node, unsigned depth)
{
	const json_t	*rows = json_object_get(node, "content"), *row;
	size_t		 i, c, ncols = 0, nc;

	json_array_foreach(rows, i, row) {
		nc = json_array_size(json_object_get(row, "content"));
		if (nc > ncols)
			ncols = nc;
	}
	if (ncols == 0) {
		o->lossy++;
		putstr(o, "[unsupported: empty table]");
		return;
	}
	json_array_foreach(rows, i, row) {
		const json_t *cs = json_object_get(row, "content");

		if (i > 0)
			nl(o);
		putstr(o, "|");
		/* Only the header is padded: the parser pads the rest. */
		nc = i == 0 ? ncols : json_array_size(cs);
		for (c = 0; c < nc; c++) {
			putstr(o, " ");
			/* Blanks at either end of a cell are not kept. */
			o->linestart = 1;
			cellmd(o, json_array_get(cs, c), depth);
			o->markersp = 0;
			putstr(o, " |");
		}
		if (i == 0) {
			nl(o);
			putstr(o, "|");
			for (c = 0; c < ncols; c++)
				putstr(o, " --- |");
		}
	}
}

static void
codemd(struct out *o, const json_t *node)
{
	const json_t	*c = json_object_get(node, "content"), *e;
	const char	*lang = attrstr(node, "language"), *s;
	size_t		 i, k, n, run = 0, max = 0, start, total = 0;
	int		 ok = lang != NULL && lang[0] != '\0';

	for (k = 0; ok && lang[k] != '\0'; k++)
		if ((unsigned char)lang[k] <= 0x20 || lang[k] == '`' ||
		    lang[k] == 0x7f)
			ok = 0;
	json_array_foreach(c, i, e) {
		if ((s = json_string_value(json_object_get(e, "text"))) ==
		    NULL)
			continue;
		n = json_string_length(json_object_get(e, "text"));
		total += n;
		for (k = 0; k < n; k++) {
			run = s[k] == '`' ? run + 1 : 0;
			if (run > max)
				max = run;
		}
	}
	max = max < 3 ? 3 : max + 1;
	for (k = 0; k < max; k++)
		putstr(o, "`");
	if (ok)
		putstr(o, lang);
	nl(o);
	json_array_foreach(c, i, e) {
		if ((s = json_string_value(json_object_get(e, "text"))) ==
		    NULL) {
			o->lossy++;
			continue;
		}
		n = json_string_length(json_object_get(e, "text"));
		for (k = start = 0; k <= n; k++) {
			if (k < n && s[k] != '\n' && s[k] != '\r' &&
			    s[k] != '\0')
				continue;
			if (k > start)
				put(o, s + start, k - start);
			if (k < n && s[k] == '\0')
				putstr(o, "\xef\xbf\xbd");
			else if (k < n) {
				/* CR LF, CR and LF all end a line. */
				if (s[k] == '\r' && k + 1 < n &&
				    s[k + 1] == '\n')
					k++;
				nl(o);
			}
			start = k + 1;
		}
	}
	if (total > 0)
		nl(o);
	for (k = 0; k < max; k++)
		putstr(o, "`");
}

/* 1 when arr holds something but empty paragraphs (which are not
 * shown). */
static int
shown(const json_t *arr)
{
	const json_t	*e;
	const char	*t;
	size_t		 i;

	json_array_foreach(arr, i, e)
		if ((t = ntype(e)) == NULL || strcmp(t, "paragraph") != 0 ||
		    json_array_size(json_object_get(e, "content")) > 0)
			return 1;
	return 0;
}

static int
islist(const char *t)
{
	return strcmp(t, "bulletList") == 0 ||
	    strcmp(t, "orderedList") == 0 || strcmp(t, "taskList") == 0;
}

/* The kind of list t is for Markdown: a task list is a bullet list. */
static const char *
listkind(const char *t)
{
	return strcmp(t, "taskList") == 0 ? "bulletList" : t;
}

/* 1 when the first block an item of type t with content c shows is a
 * list. */
static int
firstlist(const char *t, const json_t *c)
{
	const json_t	*e;
	const char	*et;
	size_t		 i;

	if (t == NULL || strcmp(t, "listItem") != 0)
		return 0;
	json_array_foreach(c, i, e) {
		if ((et = ntype(e)) != NULL && strcmp(et, "paragraph") == 0 &&
		    json_array_size(json_object_get(e, "content")) == 0)
			continue;
		return et != NULL && islist(et);
	}
	return 0;
}

static void
listmd(struct out *o, const json_t *node, unsigned depth, int alt)
{
	const json_t	*items = json_object_get(node, "content"), *it, *c;
	const json_t	*ord = json_object_get(json_object_get(node, "attrs"),
	    "order");
	int		 ordered = strcmp(ntype(node), "orderedList") == 0;
	int		 task = strcmp(ntype(node), "taskList") == 0;
	uint64_t	 start = 1;
	char		 mk[32], ind[32];
	size_t		 i, w, old;
	const char	*t;
	int		 sub;

	if (json_is_integer(ord) && json_integer_value(ord) >= 0 &&
	    json_integer_value(ord) <= 999999999)
		start = (uint64_t)json_integer_value(ord);
	json_array_foreach(items, i, it) {
		if (i > 0)
			nl(o);
		if (ordered)
			snprintf(mk, sizeof(mk), "%llu%c",
			    (unsigned long long)(start + i), alt ? ')' : '.');
		else
			snprintf(mk, sizeof(mk), "%c", alt ? '*' : '-');
		/* The item's content lines up after the bullet, not the
		 * box: "- [x] a" continues at column 2. */
		w = strlen(mk) + 1;
		t = ntype(it);
		/* GitHub's task list items: "- [ ]" to do, "- [x]" done. */
		if (task && t != NULL && strcmp(t, "taskItem") == 0)
			snprintf(mk + 1, sizeof(mk) - 1, " [%c]",
			    attrstr(it, "state") != NULL &&
			    strcmp(attrstr(it, "state"), "DONE") == 0 ? 'x' :
			    ' ');
		emit(o, mk, strlen(mk));
		memset(ind, ' ', w);
		ind[w] = '\0';
		c = json_object_get(it, "content");
		sub = firstlist(t, c);
		/* The blank after the marker comes with what follows on
		 * its line, if anything does. */
		o->markersp = !sub;
		old = push(o, ind, 0);
		o->linestart = 1;
		/* A list first in an item starts on the next line: "- - -"
		 * would be a rule. */
		if (sub)
			owe(o, 1);
		if (!toodeep(o, depth + 1)) {
			if (t != NULL && (strcmp(t, "listItem") == 0 ||
			    (task && strcmp(t, "taskItem") == 0)))
				blocksmd(o, c, 0, json_array_size(c),
				    depth + 1, 1);
			else
				blocksmd(o, items, i, i + 1, depth + 1, 1);
		}
		pop(o, old);
		o->markersp = 0;
	}
}

/* A note, then the node's content as blocks. */
static void
notemd(struct out *o, const char *what, const char *arg,
    const json_t *node, unsigned depth, int initem)
{
	const json_t	*c = json_object_get(node, "content");

	o->lossy++;
	putstr(o, "[");
	putstr(o, what);
	putstr(o, ": ");
	esc(o, arg, strlen(arg), 0);
	putstr(o, "]");
	if (json_array_size(c) == 0)
		return;
	owe(o, 2);
	if (!toodeep(o, depth + 1))
		blocksmd(o, c, 0, json_array_size(c), depth + 1, initem);
}

static void
blockmd(struct out *o, const json_t *node, const char *t, unsigned depth,
    int alt, int initem)
{
	const json_t	*c = json_object_get(node, "content"), *e;
	const json_t	*lv = json_object_get(json_object_get(node, "attrs"),
	    "level");
	const char	*s;
	size_t		 i, old;
	json_int_t	 level;

	if (strcmp(t, "paragraph") == 0)
		inlinesmd(o, c, 0, json_array_size(c), depth, 0);
	else if (strcmp(t, "heading") == 0) {
		level = json_is_integer(lv) ? json_integer_value(lv) : 1;
		level = level < 1 ? 1 : level > 6 ? 6 : level;
		put(o, "######", (size_t)level);
		putstr(o, " ");
		inlinesmd(o, c, 0, json_array_size(c), depth, E_HEADING);
	} else if (islist(t))
		listmd(o, node, depth, alt);
	else if (strcmp(t, "codeBlock") == 0)
		codemd(o, node);
	else if (strcmp(t, "blockquote") == 0) {
		if (toodeep(o, depth + 1))
			return;
		if (!shown(c)) {
			putstr(o, ">");
			return;
		}
		old = push(o, "> ", 1);
		blocksmd(o, c, 0, json_array_size(c), depth + 1, 0);
		pop(o, old);
	} else if (strcmp(t, "rule") == 0)
		putstr(o, "---");
	else if (strcmp(t, "table") == 0)
		tablemd(o, node, depth);
	else if (strcmp(t, "mediaSingle") == 0 ||
	    strcmp(t, "mediaGroup") == 0 || strcmp(t, "media") == 0) {
		size_t shown = 0;

		json_array_foreach(c, i, e) {
			if ((s = ntype(e)) == NULL || strcmp(s, "media") != 0)
				continue;
			if (shown++ > 0)
				putstr(o, " ");
			o->lossy++;
			putstr(o, "[media not shown]");
		}
		if (shown == 0) {
			o->lossy++;
			putstr(o, "[media not shown]");
		}
	} else if (strcmp(t, "panel") == 0)
		notemd(o, "panel", (s = attrstr(node, "panelType")) ? s :
		    "info", node, depth, initem);
	else if (strcmp(t, "expand") == 0 || strcmp(t, "nestedExpand") == 0)
		notemd(o, "expand", (s = attrstr(node, "title")) ? s : "",
		    node, depth, initem);
	else if (strcmp(t, "blockCard") == 0 || strcmp(t, "embedCard") == 0) {
		o->lossy++;
		urlmd(o, node, t);
	} else
		notemd(o, "unsupported", t, node, depth, initem);
}

/* Elements [from, to) of arr as blocks, separated by blank lines (a list
 * in a list item follows its paragraph directly). */
static void
blocksmd(struct out *o, const json_t *arr, size_t from, size_t to,
    unsigned depth, int initem)
{
	const json_t	*node, *c, *ord;
	const char	*t, *prev = NULL;
	size_t		 i = from, j, before = o->count, mark;
	int		 alt = 0, nalt, tight;

	while (i < to) {
		node = json_array_get(arr, i);
		if ((t = ntype(node)) == NULL) {
			o->lossy++;
			i++;
			continue;
		}
		c = json_object_get(node, "content");
		if (strcmp(t, "paragraph") == 0 && json_array_size(c) == 0) {
			i++;
			continue;
		}
		if (o->count != before) {
			ord = json_object_get(json_object_get(node, "attrs"),
			    "order");
			/* CommonMark 5.2: only a list that starts with a
			 * non-empty item, at 1 when ordered, may follow a
			 * paragraph without a blank line. */
			tight = initem && (strcmp(listkind(t),
			    "bulletList") == 0 ||
			    (strcmp(t, "orderedList") == 0 && (ord == NULL ||
			    json_integer_value(ord) == 1))) &&
			    shown(json_object_get(json_array_get(c, 0),
			    "content")) && !firstlist(ntype(json_array_get(c,
			    0)), json_object_get(json_array_get(c, 0),
			    "content"));
			owe(o, tight ? 1 : 2);
		}
		if (isinline(t)) {
			for (j = i + 1; j < to; j++) {
				const char *t2 = ntype(json_array_get(arr, j));

				if (t2 == NULL || !isinline(t2))
					break;
			}
			mark = o->count;
			inlinesmd(o, arr, i, j, depth, 0);
			if (o->count != mark) {
				prev = t;
				alt = 0;
			}
			i = j;
			continue;
		}
		/* Lists of one kind in a row alternate their markers, or
		 * they would read as one list.  Only blocks that showed
		 * something count as between them. */
		nalt = islist(t) && prev != NULL && strcmp(listkind(prev),
		    listkind(t)) == 0 ? !alt : 0;
		mark = o->count;
		blockmd(o, node, t, depth, nalt, initem);
		if (o->count != mark) {
			prev = t;
			alt = nalt;
		}
		i++;
	}
}

enum jta_err
jta_adf_to_markdown(const json_t *adf, char **out, size_t *lossy,
    struct jta_error *err)
{
	struct out	 o;
	const json_t	*c;
	const char	*t;
	char		 mark[64], *res = NULL;
	size_t		 keep, kept, i;
	enum jta_err	 rc;

	*out = NULL;
	if (lossy != NULL)
		*lossy = 0;
	memset(&o, 0, sizeof(o));
	jta_buf_init(&o.b, JTA_LIMIT_ADF_MARKDOWN);
	jta_buf_init(&o.pre, JTA_LIMIT_ADF_BUFFER);
	o.prelim = SIZE_MAX;
	o.bol = o.linestart = 1;
	if (!json_is_object(adf) || (t = ntype(adf)) == NULL ||
	    strcmp(t, "doc") != 0)
		return jta_error_set(err, JTA_ERR_INPUT, 502, "",
		    "Jira sent rich text that is not a document");
	c = json_object_get(adf, "content");
	blocksmd(&o, c, 0, json_array_size(c), 0, 0);
	if (o.nomem) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if (o.full) {
		keep = JTA_LIMIT_ADF_MARKDOWN - sizeof(mark);
		while (keep > 0 && ((unsigned char)o.b.p[keep] & 0xc0) == 0x80)
			keep--;
		for (i = kept = 0; i < keep; i++)
			if (((unsigned char)o.b.p[i] & 0xc0) != 0x80)
				kept++;
		jta_buf_setlen(&o.b, keep);
		snprintf(mark, sizeof(mark), "\n\n[... %zu characters left "
		    "out]", o.chars - kept);
		if (jta_buf_add(&o.b, mark, strlen(mark)) != 0) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
	}
	if ((res = jta_buf_take(&o.b)) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if (lossy != NULL)
		*lossy = o.lossy;
	*out = res;
	rc = JTA_OK;
out:
	jta_buf_free(&o.b);
	jta_buf_free(&o.pre);
	return rc;
}
