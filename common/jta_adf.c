/*
 * Atlassian Document Format -> Markdown: jta_adf_to_markdown (see
 * jta_adf.h), and the helpers both directions share (jta_adf_int.h).
 * Markdown -> ADF is in jta_adf_md.c.
 *
 * Bounded work on hostile input:
 *
 * - ADF is walked recursively with a depth counter (lists, quotes, panels
 *   and unknown nodes each add one level); output past
 *   JTA_LIMIT_ADF_MARKDOWN is counted, not stored.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark-gfm.h>
#include <cmark-gfm/utf8.h>

#include "jta_adf.h"
#include "jta_adf_int.h"
#include "jta_buf.h"
#include "jta_limits.h"
#include "jta_text.h"
#include "jta_time.h"

/* An ASCII letter or digit: a '_' between two of them opens and closes
 * nothing (CommonMark 6.2), so the writer leaves it bare; next to any
 * other character (Unicode punctuation among them) it is escaped. */
static int
isword(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

/* ==== Shared by both directions (jta_adf_int.h) ==== */

/* 1 for the ASCII blanks: space, tab, LF, CR, FF and VT. */
int
jta_adf_isws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* What a code span's content may lose one of at each end (CommonMark
 * 6.1: spaces and line ends, not tabs). */
int
jta_adf_issp(char c)
{
	return c == ' ' || c == '\n' || c == '\r';
}


/* 1 when s[0..n) starts with a scheme we make links of (http, https,
 * mailto; any case) and has something after it. */
int
jta_adf_linkscheme(const char *s, size_t n)
{
	static const char *const schemes[] = { "http://", "https://",
	    "mailto:" };
	size_t	 i, k, sl;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		sl = strlen(schemes[i]);
		if (n <= sl)
			continue;
		/* Letters in any case; other bytes exactly (0x0f | 0x20
		 * is '/'). */
		for (k = 0; k < sl; k++)
			if (s[k] != schemes[i][k] && !(s[k] >= 'A' &&
			    s[k] <= 'Z' && (s[k] | 0x20) == schemes[i][k]))
				break;
		if (k == sl)
			return 1;
	}
	return 0;
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
	/* Emphasis delimiters must flank their text the CommonMark way
	 * (6.2): after a closer that follows punctuation, the next
	 * character may not be a word character; the first character of
	 * the text after an opener (K_NONE when none is known). */
	int		 closedp;
	int		 emopen;	/* the text esc writes is em */
	/* The same for a closer before which only "~~" was written since
	 * (cmark-gfm's flanking test skips the strikethrough extension's
	 * '~' both ways, so "~~" is no neighbour to "*" and "_"). */
	int		 closedq;
	int		 nextk;
	/* The last byte written is a bare '!' from text: a "[" written
	 * next would make "![", an image (CommonMark 6.4), so it gets
	 * escaped then (bracket()). */
	int		 bang;
};

/* Character classes of CommonMark's flanking rules (6.2). */
#define K_NONE	0
#define K_WS	1
#define K_PUNCT	2
#define K_WORD	3

/* The class of the UTF-8 character at s[0..n) and its length in *len;
 * the same tables as the parser (cmark-gfm's). */
static int
kind(const char *s, size_t n, size_t *len)
{
	int32_t	 uc = 0;
	int	 l;

	*len = 1;
	if (n == 0)
		return K_WS;
	l = cmark_utf8proc_iterate((const uint8_t *)s, (bufsize_t)(n > 4 ?
	    4 : n), &uc);
	if (l < 1)
		return K_WORD;
	*len = (size_t)l;
	if (cmark_utf8proc_is_space(uc))
		return K_WS;
	if (cmark_utf8proc_is_punctuation(uc))
		return K_PUNCT;
	return K_WORD;
}

/*
 * The class of the last character written (K_WS at the start), its
 * offset in *at and length in *len (0 at the start).  With skip, '~'
 * is passed over first, as cmark-gfm's flanking test does (inlines.c
 * scan_delims skips the characters an extension claims: the
 * strikethrough extension's '~').
 */
static int
lastkind(const struct jta_buf *b, int skip, size_t *at, size_t *len)
{
	size_t	 i, end = b->len, l;

	while (skip && end > 0 && b->p[end - 1] == '~')
		end--;
	*at = end;
	*len = 0;
	if (end == 0)
		return K_WS;
	for (i = end - 1; i > 0 && end - i < 4 &&
	    ((unsigned char)b->p[i] & 0xc0) == 0x80; i--)
		;
	*at = i;
	*len = end - i;
	return kind(b->p + i, end - i, &l);
}

/* Inline state: the marks open and the blanks not yet written. */
struct ink {
	size_t		 brk;	/* hard breaks owed before more text */
	size_t		 brkws;	/* blanks of ws that come before it */
	unsigned	 cur;
	/* The emphasis marks open, outermost first, and the delimiter
	 * each was opened with. */
	unsigned	 stack[3];
	const char	*dstr[3];
	size_t		 depth;
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
	if (n > 0) {
		o->last = s[n - 1];
		o->bang = 0;
		o->closedp = 0;
		o->closedq = 0;
	}
}

/* Write the character s[0..n) as a numeric character reference
 * (CommonMark 6.2: the parser reads it back as the character, and the
 * flanking rules see punctuation, "&" and ";"). */
static void
charref(struct out *o, const char *s, size_t n)
{
	int32_t	 uc = 0;
	char	 ref[16];

	if (cmark_utf8proc_iterate((const uint8_t *)s, (bufsize_t)n, &uc) <
	    1)
		uc = 0xfffd;
	snprintf(ref, sizeof(ref), "&#%ld;", (long)uc);
	emit(o, ref, strlen(ref));
	o->linestart = 0;
}

/* Make the character written at b.p[at..at+len) punctuation for the
 * flanking rules by writing it again as a character reference; what
 * follows it (only '~', see lastkind) stays after it. */
static void
refat(struct out *o, size_t at, size_t len)
{
	char	 c[4];
	size_t	 tail;

	if (o->full || len == 0 || len > sizeof(c) || at + len > o->b.len)
		return;
	tail = o->b.len - at - len;
	memcpy(c, o->b.p + at, len);
	jta_buf_setlen(&o->b, at);
	charref(o, c, len);
	for (; tail > 0 && !o->full; tail--)
		if (jta_buf_add(&o->b, "~", 1) != 0)
			o->nomem = 1;
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
		if (o->linestart && jta_adf_isws((unsigned char)c))
			continue;
		if (o->closedp || o->closedq || o->nextk == K_WS) {
			size_t	 cl;
			int	 ck = kind(s + i, n - i, &cl);

			/* NUL is written as U+FFFD, a word character too. */
			if (((o->closedp || o->closedq) && ck == K_WORD) ||
			    (o->nextk == K_WS && ck == K_WS)) {
				if (c == '\0')
					charref(o, "\xef\xbf\xbd", 3);
				else
					charref(o, s + i, cl);
				o->nextk = K_NONE;
				i += cl - 1;
				continue;
			}
		}
		o->nextk = K_NONE;
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
			/* Bare only after an ASCII letter or digit written
			 * (then it cannot open: CommonMark 6.2) and before
			 * one, outside em: the next character may still
			 * become a reference (refat), and then it could
			 * close, but only an em that is open. */
			need = !(!o->markersp && o->b.len > 0 &&
			    isword((unsigned char)o->b.p[o->b.len - 1]) &&
			    i + 1 < n && isword((unsigned char)s[i + 1]) &&
			    !o->emopen);
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
		case '=':
			/* A setext heading's underline. */
			need = o->linestart;
			break;
		case '&':
			/* An entity or numeric character reference
			 * (CommonMark 6.2). */
			need = i + 1 < n && (s[i + 1] == '#' ||
			    (s[i + 1] >= '0' && s[i + 1] <= '9') ||
			    ((s[i + 1] | 0x20) >= 'a' &&
			    (s[i + 1] | 0x20) <= 'z'));
			break;
		case ':':
			/* GFM's extended autolinks: scheme://...; at the
			 * start of a line, a table's delimiter row. */
			need = o->linestart ||
			    (i + 2 < n && s[i + 1] == '/' && s[i + 2] == '/');
			break;
		case '.':
			/* ... and www. */
			need = i >= 3 && (s[i - 3] | 0x20) == 'w' &&
			    (s[i - 2] | 0x20) == 'w' &&
			    (s[i - 1] | 0x20) == 'w';
			break;
		default:
			need = 0;
			break;
		}
		if (need)
			put(o, "\\", 1);
		put(o, &c, 1);
		o->bang = c == '!' && !need;
	}
}

/* A "[" that opens a link or a note: a bare '!' just before it is
 * escaped first, so that the reader sees no image. */
static void
bracket(struct out *o)
{
	if (o->bang && !o->full && o->b.len > 0 &&
	    o->b.p[o->b.len - 1] == '!') {
		jta_buf_setlen(&o->b, o->b.len - 1);
		putstr(o, "\\!");
	}
	putstr(o, "[");
}

static int
hrefbyte(unsigned char c)
{
	return c <= 0x20 || c == 0x7f || strchr("()<>\\`[]|", c) != NULL;
}

/* A link destination: bytes the parser would stop at are %-encoded, and
 * "|", which would end a table cell (GFM 4.10). */
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

/*
 * The delimiter of an emphasis mark: strong "**", em "_", strike "~~".
 * Each mark has its own character, so a run of one character only ever
 * opens or closes its one mark, which is open at most once at a time:
 * no run can close another mark's opener, two runs of one character are
 * never adjacent (the mark closed last is never the one reopened), and
 * CommonMark's "multiple of 3" rule (6.2, rule 9) never applies
 * (2 + 2 and 1 + 1).
 */
static const char *
delim(unsigned bit)
{
	if (bit == M_STRIKE)
		return "~~";
	return bit == M_STRONG ? "**" : "_";
}

/*
 * Close the emphasis marks open (innermost first) down to the first one
 * not in keep, so that marks nest as Markdown wants, and open those of
 * bits not open then, in the order em, strong, strike (em outside, as
 * cmark-gfm nests "***a***").
 *
 * The delimiters must flank as CommonMark 6.2 wants, whatever is next to
 * them.  Sufficient for every kind ("*", "_", "~" under GFM's
 * strikethrough, which uses the same flanking test):
 * - an opener is not followed by a blank, and follows a blank or
 *   punctuation (always: a word character would do before "**" or "~~"
 *   alone when one follows it, but the one that follows may itself
 *   become a reference later, when it is all the text before the next
 *   opener);
 * - a closer does not follow a blank, and precedes a blank or
 *   punctuation; for "**" and "~~" alone a word character after it also
 *   does when a word character precedes it.
 * cmark-gfm's test passes over '~' on either side of "*" and "_" (see
 * lastkind), so for them a "~~" written here is no neighbour: what is
 * next to them is the text on the far side of it.
 * A character in the way is written as a numeric character reference,
 * which the flanking rules see as punctuation ("&", ";"): the one before
 * here (refat), or the next one (esc, told by closedp and closedq; or
 * by nextk when it is a blank).
 */
static void
delims(struct out *o, struct ink *k, unsigned keep, unsigned bits)
{
	static const unsigned order[] = { M_EMS, M_STRONG, M_STRIKE };
	size_t	 at, len, i, d, n;
	int	 pk, q, first, strikefirst = 0;
	unsigned bit, last = 0;

	for (d = 0; d < k->depth && (keep & k->stack[d]); d++)
		;
	if (d < k->depth) {
		/* The closers follow P, the last character of the text. */
		pk = lastkind(&o->b, 1, &at, &len);
		if (pk == K_WS && len > 0) {
			/* A Unicode blank (ASCII ones are never last). */
			refat(o, at, len);
			pk = K_PUNCT;
		}
		for (n = 0, first = 1; k->depth > d; first = 0) {
			bit = k->stack[--k->depth];
			putstr(o, k->dstr[k->depth]);
			k->cur &= ~bit;
			if (bit == M_STRIKE)
				strikefirst = first ? 1 : -1;
			else {
				n++;
				last = bit;
			}
		}
		/* "~~" follows a word character only when it closes
		 * first; the others (which do not see "~~") follow it only
		 * when one alone closes and is not "_". */
		if (strikefirst == -1 || (strikefirst == 1 && pk != K_WORD))
			o->closedp = 1;
		if (n > 0 && (pk != K_WORD || n > 1 || last == M_EMS))
			o->closedq = 1;
	}
	bits &= M_EMPH & ~k->cur;
	if (bits == 0)
		return;
	/* What is written last may be on a line ended since. */
	if (o->pendnl > 0 || o->bol || o->markersp)
		pk = K_WS;
	else if (bits & ~M_STRIKE) {
		/* The first opener that is not "~~" (it is opened last)
		 * follows P, past any "~~" closer. */
		pk = lastkind(&o->b, 1, &at, &len);
		if (pk == K_WORD)
			refat(o, at, len);
	} else {
		pk = lastkind(&o->b, 0, &at, &len);
		if (pk == K_WORD)
			refat(o, at, len);
	}
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if ((bits & order[i]) && k->depth < sizeof(k->stack) /
		    sizeof(k->stack[0])) {
			k->dstr[k->depth] = delim(order[i]);
			q = o->closedq;
			putstr(o, k->dstr[k->depth]);
			if (order[i] == M_STRIKE)
				o->closedq = q;
			k->stack[k->depth++] = order[i];
			k->cur |= order[i];
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
		put(o, jta_adf_isws((unsigned char)k->ws.p[i]) ? " " :
		    k->ws.p + i, 1);
	jta_buf_setlen(&k->ws, 0);
}

static void
closeall(struct out *o, struct ink *k)
{
	delims(o, k, 0, 0);
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
	else
		delims(o, k, bits, 0);
	flushws(o, k);
	if (lc && (bits & M_LINK))
		bracket(o);
	delims(o, k, bits, bits);
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

/* cmark-gfm's inlines.c reads no code span whose backtick strings are
 * longer than this (MAXBACKTICKS). */
#define ADF_MAXTICKS	80

/*
 * The length of the backtick strings of a code span holding s[0..n): the
 * shortest that no run of backticks in it has (CommonMark 6.1: the span
 * ends at the first string of exactly that length).  0 when every length
 * up to ADF_MAXTICKS is taken (only from Jira: what the reader makes
 * always has one free, the one it was written with).
 */
static size_t
codeticks(const char *s, size_t n)
{
	unsigned char	 taken[ADF_MAXTICKS + 2];
	size_t		 i, run = 0, ticks;

	memset(taken, 0, sizeof(taken));
	for (i = 0; i < n; i++) {
		run = s[i] == '`' ? run + 1 : 0;
		if (run > 0 && (i + 1 == n || s[i + 1] != '`'))
			taken[run > ADF_MAXTICKS ? ADF_MAXTICKS + 1 : run] = 1;
	}
	for (ticks = 1; ticks <= ADF_MAXTICKS && taken[ticks]; ticks++)
		;
	return ticks > ADF_MAXTICKS ? 0 : ticks;
}

/* s[0..n) (n > 0) as a code span with backtick strings of ticks. */
static void
codespan(struct out *o, const char *s, size_t n, size_t ticks, unsigned ctx)
{
	size_t		 i, allsp = 1;
	int		 pad;
	char		 c;

	for (i = 0; i < n; i++)
		if (!jta_adf_issp(s[i]))
			allsp = 0;
	pad = s[0] == '`' || s[n - 1] == '`' || (!allsp && jta_adf_issp(s[0]) &&
	    jta_adf_issp(s[n - 1]));
	for (i = 0; i < ticks; i++)
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
	for (i = 0; i < ticks; i++)
		putstr(o, "`");
}

/* 1 when h is a link we write as <h>. */
static int
autolinkable(const char *h, size_t n)
{
	size_t	 i;

	if (!jta_adf_linkscheme(h, n))
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
	size_t		 n, i, a, b, hrefn = 0, ticks;
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
			if (jta_adf_linkscheme(href, hrefn))
				bits |= M_LINK;
		}
	}
	if (n == 0)
		return;
	if ((bits & M_CODE) && (ticks = codeticks(s, n)) > 0) {
		o->nextk = K_PUNCT;	/* the backticks */
		marks(o, k, bits & (M_EMPH | M_LINK), href, hrefn);
		codespan(o, s, n, ticks, ctx);
		return;
	}
	if (bits & M_CODE)	/* as text, without the mark */
		o->lossy++;
	for (a = 0; a < n && jta_adf_isws((unsigned char)s[a]); a++)
		;
	for (b = n; b > a && jta_adf_isws((unsigned char)s[b - 1]); b--)
		;
	if (jta_buf_add(&k->ws, s, a) != 0)
		o->nomem = 1;
	if (a == b)
		return;
	if ((bits & M_LINK) && b - a == hrefn &&
	    memcmp(s + a, href, hrefn) == 0 && autolinkable(href, hrefn)) {
		o->nextk = K_PUNCT;	/* "<" */
		marks(o, k, bits & M_EMPH, NULL, 0);
		putstr(o, "<");
		put(o, href, hrefn);
		putstr(o, ">");
	} else {
		size_t	 cl;

		/* "[" comes first when a link opens with the marks. */
		o->nextk = kind(s + a, b - a, &cl);
		marks(o, k, bits, href, hrefn);
		o->emopen = (bits & M_EMS) != 0;
		esc(o, s + a, b - a, ctx);
		o->emopen = 0;
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
	/* CommonMark 4.5: backslash escapes and entity references are
	 * read in the info string too. */
	for (k = 0; ok && lang[k] != '\0'; k++) {
		if (lang[k] == '\\' || lang[k] == '&')
			putstr(o, "\\");
		put(o, lang + k, 1);
	}
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
	bracket(o);
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
