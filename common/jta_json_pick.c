/*
 * The selective JSON reader (jta_json_pick.h).  One pass over the bytes,
 * no recursion: an explicit stack of open containers, at most
 * JTA_LIMIT_PICK_DEPTH deep.  Each rule below is jansson 2.14's
 * (src/load.c, src/utf.c, src/strconv.c), since the point is to accept
 * exactly what json_loadb accepts:
 *
 * - whitespace is space, tab, LF, CR (RFC 8259 §2); the document is an
 *   object or an array (no JSON_DECODE_ANY) followed only by whitespace;
 * - a value nested deeper than JSON_PARSER_MAX_DEPTH (the top-level
 *   value is at depth 1; a scalar counts as a level) is refused;
 * - strings (RFC 8259 §7): no byte below 0x20, escapes \" \\ \/ \b \f
 *   \n \r \t \uXXXX; a high surrogate must be followed by an escaped low
 *   one, a lone low one is refused; \u0000 is refused (keys always,
 *   values without JSON_ALLOW_NUL); UTF-8 strict: no overlong forms, no
 *   surrogates, nothing past U+10FFFF;
 * - numbers (RFC 8259 §6): -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?;
 *   without fraction and exponent an integer, refused when strtoll would
 *   overflow (jansson does not fall back to a real); otherwise a real,
 *   refused when strtod overflows to HUGE_VAL (an underflow is kept);
 *   "-0" is the integer 0;
 * - literals true, false, null, not followed by a letter (jansson reads
 *   a whole word);
 * - JSON_REJECT_DUPLICATES: two equal keys (after unescaping) in one
 *   object are refused, in skipped objects too;
 * - one NUL byte right after a number or a literal is ignored: jansson's
 *   lexer reads one character past those tokens and puts it back, and
 *   its stream drops a NUL put back (stream_get takes buffer[pos] == 0
 *   for "nothing buffered").  So json_loadb accepts {"a":1<NUL>} and
 *   [true<NUL>], and refuses a NUL anywhere else (found by fuzz_pick).
 *
 * Strings and numbers are parsed in the C locale, as every program here
 * runs (none calls setlocale).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jta_buf.h"
#include "jta_json_pick.h"
#include "jta_limits.h"
#include "jta_text.h"

/* Refuse what json_loadb refuses: the same depth. */
_Static_assert(JTA_LIMIT_PICK_DEPTH == JSON_PARSER_MAX_DEPTH,
    "JTA_LIMIT_PICK_DEPTH must be jansson's JSON_PARSER_MAX_DEPTH");

/* A key of an open object: bytes at off in the input, or in the scratch
 * buffer when it had escapes. */
struct key {
	size_t		 off;
	size_t		 len;
	int		 decoded;
};

/* An open container.  v NULL: skipped; v set and pick NULL: built whole;
 * both set: built by pick (a MEMBERS list, or EACH's element). */
struct frame {
	json_t		*v;
	const struct jta_json_pick *pick;
	size_t		 keys;		/* its first key on the key stack */
	size_t		 mark;		/* scratch length when it opened */
	int		 obj;
};

/* What to do with the next value. */
enum mode {
	SKIP,
	WHOLE,
	PICK
};

struct rd {
	const char	*buf;
	const char	*p;
	const char	*end;
	struct jta_buf	 scratch;	/* decoded keys and strings */
	struct jta_buf	 keys;		/* struct key[] */
	struct jta_buf	 frames;	/* struct frame[] */
	size_t		 nframes;
	int		 nomem;
};

static int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

static void
skipws(struct rd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
	    *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

/* The length of the UTF-8 sequence at s (n bytes left), 0 when it is not
 * one jansson accepts (utf8_check_first, utf8_check_full). */
static size_t
utf8len(const unsigned char *s, size_t n)
{
	size_t		 count, i;
	uint32_t	 v;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		count = 2;
		v = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		count = 3;
		v = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		count = 4;
		v = s[0] & 0x07;
	} else
		return 0;
	if (count > n)
		return 0;
	for (i = 1; i < count; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) ||
	    (count == 3 && v < 0x800) || (count == 4 && v < 0x10000))
		return 0;
	return count;
}

/* Four hex digits at s (at least 4 bytes), or -1. */
static int32_t
hex4(const char *s)
{
	int32_t	 v = 0;
	int	 i, h;

	for (i = 0; i < 4; i++) {
		if ((h = jta_text_hexval((unsigned char)s[i])) < 0)
			return -1;
		v = (v << 4) | h;
	}
	return v;
}

/*
 * The string whose opening quote r->p is past: check it and move r->p
 * past its closing quote.  *start and *len: its raw bytes; *esc: whether
 * it has escapes (then its value must be decoded).  0, or -1 when it is
 * not a string json_loadb takes.
 */
static int
scanstr(struct rd *r, const char **start, size_t *len, int *esc)
{
	const unsigned char *p = (const unsigned char *)r->p;
	const unsigned char *end = (const unsigned char *)r->end;
	int32_t		 u, u2;
	size_t		 n;

	*start = r->p;
	*esc = 0;
	while (p < end) {
		if (*p == '"') {
			*len = (size_t)((const char *)p - *start);
			r->p = (const char *)p + 1;
			return 0;
		}
		if (*p < 0x20)
			break;
		if (*p < 0x80 && *p != '\\') {
			p++;
			continue;
		}
		if (*p >= 0x80) {
			if ((n = utf8len(p, (size_t)(end - p))) == 0)
				break;
			p += n;
			continue;
		}
		/* An escape. */
		*esc = 1;
		if (end - p < 2)
			break;
		switch (p[1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n':
		case 'r': case 't':
			p += 2;
			continue;
		case 'u':
			break;
		default:
			goto bad;
		}
		if (end - p < 6 || (u = hex4((const char *)p + 2)) < 0)
			break;
		p += 6;
		if (u == 0 || (u >= 0xdc00 && u <= 0xdfff))
			break;
		if (u >= 0xd800 && u <= 0xdbff) {
			if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
			    (u2 = hex4((const char *)p + 2)) < 0 ||
			    u2 < 0xdc00 || u2 > 0xdfff)
				break;
			p += 6;
		}
	}
bad:
	r->p = (const char *)p;
	return -1;
}

/* Append the UTF-8 of code point u to b. */
static void
addcp(struct jta_buf *b, uint32_t u)
{
	char	 o[4];
	size_t	 n;

	if (u < 0x80) {
		o[0] = (char)u;
		n = 1;
	} else if (u < 0x800) {
		o[0] = (char)(0xc0 | (u >> 6));
		o[1] = (char)(0x80 | (u & 0x3f));
		n = 2;
	} else if (u < 0x10000) {
		o[0] = (char)(0xe0 | (u >> 12));
		o[1] = (char)(0x80 | ((u >> 6) & 0x3f));
		o[2] = (char)(0x80 | (u & 0x3f));
		n = 3;
	} else {
		o[0] = (char)(0xf0 | (u >> 18));
		o[1] = (char)(0x80 | ((u >> 12) & 0x3f));
		o[2] = (char)(0x80 | ((u >> 6) & 0x3f));
		o[3] = (char)(0x80 | (u & 0x3f));
		n = 4;
	}
	(void)jta_buf_add(b, o, n);
}

/* Append the value of the checked raw string s (len bytes) to b; a
 * failure is left in b->err. */
static void
decode(struct jta_buf *b, const char *s, size_t len)
{
	size_t		 i = 0, run;
	uint32_t	 u, u2;
	char		 c;

	while (i < len) {
		for (run = i; run < len && s[run] != '\\'; run++)
			;
		if (run > i)
			(void)jta_buf_add(b, s + i, run - i);
		if ((i = run) >= len)
			break;
		switch (s[i + 1]) {
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u': c = 0; break;
		default: c = s[i + 1]; break;
		}
		if (c != 0) {
			(void)jta_buf_add(b, &c, 1);
			i += 2;
			continue;
		}
		u = (uint32_t)hex4(s + i + 2);
		i += 6;
		if (u >= 0xd800 && u <= 0xdbff) {
			u2 = (uint32_t)hex4(s + i + 2);
			i += 6;
			u = ((u - 0xd800) << 10) + (u2 - 0xdc00) + 0x10000;
		}
		addcp(b, u);
	}
}

/*
 * The number at r->p: check it, move past it and, when build is set,
 * make it (*v; NULL when memory ran out).  0, or -1 when json_loadb
 * refuses it (its grammar, an integer outside json_int_t, a real that
 * overflows).
 */
static int
number(struct rd *r, int build, json_t **v)
{
	const char	*s = r->p, *p = r->p, *end = r->end, *digits;
	char		 small[64];
	const char	*text;
	size_t		 n, i;
	uint64_t	 u = 0;
	double		 d;
	int		 neg = 0, real = 0, expo = 0;

	*v = NULL;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	digits = p;
	if (p < end && *p == '0') {
		p++;
		if (p < end && isdig(*p))
			return -1;
	} else if (p < end && isdig(*p)) {
		while (p < end && isdig(*p))
			p++;
	} else
		return -1;
	n = (size_t)(p - digits);
	if (p < end && *p == '.') {
		p++;
		if (p >= end || !isdig(*p))
			return -1;
		while (p < end && isdig(*p))
			p++;
		real = 1;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || !isdig(*p))
			return -1;
		while (p < end && isdig(*p))
			p++;
		real = expo = 1;
	}
	r->p = p;
	if (!real) {
		/* strtoll's range: 19 digits at most, then compare. */
		if (n > 19)
			return -1;
		for (i = 0; i < n; i++)
			u = u * 10 + (uint64_t)(digits[i] - '0');
		if (u > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
			return -1;
		if (build && (*v = json_integer(neg ? (u == (uint64_t)INT64_MAX
		    + 1u ? INT64_MIN : -(json_int_t)u) : (json_int_t)u)) ==
		    NULL)
			r->nomem = 1;
		return 0;
	}
	/* Without an exponent and with at most 300 digits before the point
	 * a real cannot overflow a double: strtod only when it could, or
	 * when the value is wanted. */
	if (!build && !expo && n <= 300)
		return 0;
	n = (size_t)(p - s);
	if (n < sizeof(small)) {
		memcpy(small, s, n);
		small[n] = '\0';
		text = small;
	} else {
		i = r->scratch.len;
		if (jta_buf_add(&r->scratch, s, n) != JTA_OK) {
			r->nomem = 1;
			return -1;
		}
		text = r->scratch.p + i;
	}
	errno = 0;
	d = strtod(text, NULL);
	if (text != small)
		jta_buf_setlen(&r->scratch, r->scratch.len - n);
	if ((d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE)
		return -1;
	if (build && (*v = json_real(d)) == NULL)
		r->nomem = 1;
	return 0;
}

/* The bytes of key k. */
static const char *
keyp(const struct rd *r, const struct key *k)
{
	return k->decoded ? r->scratch.p + k->off : r->buf + k->off;
}

static int
keyeq(const struct rd *r, const struct key *a, const struct key *b)
{
	return a->len == b->len && memcmp(keyp(r, a), keyp(r, b),
	    a->len) == 0;
}

static uint32_t
keyhash(const struct rd *r, const struct key *k)
{
	const unsigned char *s = (const unsigned char *)keyp(r, k);
	uint32_t	 h = 2166136261u;
	size_t		 i;

	for (i = 0; i < k->len; i++)
		h = (h ^ s[i]) * 16777619u;
	return h;
}

/*
 * Whether the n keys at ks hold two equal ones: pairwise for a few, with
 * a hash table of their indexes for many (a hostile object of many keys
 * costs linear time, not quadratic).  -1 when memory ran out.
 */
static int
dupkeys(struct rd *r, const struct key *ks, size_t n)
{
	size_t		 i, j, size, slot;
	size_t		*tab;
	int		 dup = 0;

	if (n <= 16) {
		for (i = 1; i < n; i++)
			for (j = 0; j < i; j++)
				if (keyeq(r, &ks[i], &ks[j]))
					return 1;
		return 0;
	}
	for (size = 64; size < n * 2; size *= 2)
		;
	if ((tab = calloc(size, sizeof(*tab))) == NULL)
		return -1;
	for (i = 0; i < n && !dup; i++) {
		slot = keyhash(r, &ks[i]) & (size - 1);
		while (tab[slot] != 0) {
			if (keyeq(r, &ks[tab[slot] - 1], &ks[i])) {
				dup = 1;
				break;
			}
			slot = (slot + 1) & (size - 1);
		}
		tab[slot] = i + 1;
	}
	free(tab);
	return dup;
}

static struct frame *
top(struct rd *r)
{
	return (struct frame *)(void *)r->frames.p + (r->nframes - 1);
}

/* The description of member (key k) of the object f builds by pick. */
static const struct jta_json_pick *
member(const struct rd *r, const struct frame *f, const struct key *k)
{
	const struct jta_json_pick *m;
	const char	*s = keyp(r, k);

	for (m = f->pick; m->name != NULL; m++)
		if (strncmp(m->name, s, k->len) == 0 &&
		    m->name[k->len] == '\0')
			return m;
	return NULL;
}

/* Put v (a new reference, or NULL when skipped) into the open container
 * on top; -1 when memory ran out. */
static int
attach(struct rd *r, json_t *v)
{
	struct frame	*f = top(r);
	const struct key *k;

	if (v == NULL)
		return 0;
	if (!f->obj)
		return json_array_append_new(f->v, v);
	k = (const struct key *)(void *)r->keys.p + (r->keys.len /
	    sizeof(struct key) - 1);
	return json_object_setn_new_nocheck(f->v, keyp(r, k), k->len, v);
}

/* json_loadb keeping only what pick describes (jta_json_pick.h): one
 * pass, the stack in r.frames, every exit through out. */
enum jta_err
jta_json_pick_loadb(const char *buf, size_t len,
    const struct jta_json_pick *pick, json_t **out, size_t *errpos)
{
	struct rd	 r;
	struct frame	 nf, *f;
	struct key	 k;
	const struct jta_json_pick *want = pick;
	const char	*s;
	json_t		*v = NULL, *root = NULL;
	enum mode	 mode;
	enum jta_err	 rc = JTA_ERR_INPUT;
	size_t		 slen, nk, i;
	int		 esc, d;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.buf = r.p = buf;
	r.end = buf + len;
	jta_buf_init(&r.scratch, JTA_LIMIT_PICK_INPUT + 64);
	jta_buf_init(&r.keys, JTA_LIMIT_PICK_INPUT / 4 * sizeof(struct key) +
	    sizeof(struct key));
	jta_buf_init(&r.frames, (JTA_LIMIT_PICK_DEPTH + 1) *
	    sizeof(struct frame));
	if (buf == NULL || len > JTA_LIMIT_PICK_INPUT || pick == NULL)
		goto out;
	mode = pick->kind == JTA_JSON_PICK_WHOLE ? WHOLE : PICK;
	skipws(&r);
	if (r.p >= r.end || (*r.p != '{' && *r.p != '['))
		goto out;

value:
	/* A value is next; mode and want say what becomes of it. */
	if (r.nframes + 1 > JTA_LIMIT_PICK_DEPTH)
		goto out;
	skipws(&r);
	if (r.p >= r.end)
		goto out;
	v = NULL;
	switch (*r.p) {
	case '{':
	case '[':
		memset(&nf, 0, sizeof(nf));
		nf.obj = *r.p == '{';
		nf.keys = r.keys.len / sizeof(struct key);
		nf.mark = r.scratch.len;
		if (mode == PICK && ((nf.obj && want->kind ==
		    JTA_JSON_PICK_MEMBERS) || (!nf.obj && want->kind ==
		    JTA_JSON_PICK_EACH)))
			nf.pick = want->sub;
		else if (mode == PICK)
			mode = WHOLE;
		if (mode != SKIP && (nf.v = nf.obj ? json_object() :
		    json_array()) == NULL) {
			r.nomem = 1;
			goto out;
		}
		if (jta_buf_add(&r.frames, &nf, sizeof(nf)) != JTA_OK) {
			json_decref(nf.v);
			r.nomem = r.frames.err == JTA_ERR_NOMEM;
			goto out;
		}
		r.nframes++;
		r.p++;
		skipws(&r);
		if (r.p < r.end && *r.p == (nf.obj ? '}' : ']'))
			goto close;
		if (nf.obj)
			goto key;
		goto element;
	case '"':
		r.p++;
		if (scanstr(&r, &s, &slen, &esc) != 0)
			goto out;
		if (mode == SKIP)
			break;
		if (!esc)
			v = json_stringn_nocheck(s, slen);
		else {
			i = r.scratch.len;
			decode(&r.scratch, s, slen);
			v = r.scratch.err != JTA_OK ? NULL :
			    json_stringn_nocheck(r.scratch.p + i,
			    r.scratch.len - i);
			jta_buf_setlen(&r.scratch, i);
		}
		if (v == NULL) {
			r.nomem = 1;
			goto out;
		}
		break;
	case 't':
	case 'f':
	case 'n':
		s = *r.p == 't' ? "true" : *r.p == 'f' ? "false" : "null";
		slen = strlen(s);
		if ((size_t)(r.end - r.p) < slen || memcmp(r.p, s, slen) != 0)
			goto out;
		r.p += slen;
		if (r.p < r.end && ((*r.p >= 'a' && *r.p <= 'z') ||
		    (*r.p >= 'A' && *r.p <= 'Z')))
			goto out;
		if (mode != SKIP)
			v = *s == 't' ? json_true() : *s == 'f' ?
			    json_false() : json_null();
		if (r.p < r.end && *r.p == '\0')
			r.p++;		/* jansson drops it (above) */
		break;
	default:
		if (*r.p != '-' && !isdig(*r.p))
			goto out;
		if (number(&r, mode != SKIP, &v) != 0 || r.nomem)
			goto out;
		if (r.p < r.end && *r.p == '\0')
			r.p++;		/* jansson drops it (above) */
		break;
	}

after:
	/* v (NULL when skipped) is complete: into its container. */
	if (r.nframes == 0) {
		root = v;
		v = NULL;
		skipws(&r);
		if (r.p != r.end)
			goto out;
		*out = root;
		root = NULL;
		rc = JTA_OK;
		goto out;
	}
	if (attach(&r, v) != 0) {
		v = NULL;
		r.nomem = 1;
		goto out;
	}
	v = NULL;
	f = top(&r);
	skipws(&r);
	if (r.p >= r.end)
		goto out;
	if (*r.p == ',') {
		r.p++;
		if (f->obj)
			goto key;
		goto element;
	}
	if (*r.p != (f->obj ? '}' : ']'))
		goto out;

close:
	/* r.p is at the closing bracket of the container on top. */
	r.p++;
	f = top(&r);
	if (f->obj) {
		nk = r.keys.len / sizeof(struct key) - f->keys;
		if (nk > 1 && (d = dupkeys(&r, (const struct key *)(void *)
		    r.keys.p + f->keys, nk)) != 0) {
			r.nomem = d < 0;
			goto out;
		}
		jta_buf_setlen(&r.keys, f->keys * sizeof(struct key));
		jta_buf_setlen(&r.scratch, f->mark);
	}
	v = f->v;
	r.nframes--;
	jta_buf_setlen(&r.frames, r.nframes * sizeof(struct frame));
	goto after;

element:
	/* The next element of the array on top. */
	f = top(&r);
	if (f->v == NULL)
		mode = SKIP;
	else if (f->pick == NULL)
		mode = WHOLE;
	else {
		want = f->pick;
		mode = want->kind == JTA_JSON_PICK_WHOLE ? WHOLE : PICK;
	}
	goto value;

key:
	/* The next member of the object on top: "key" ':' value. */
	skipws(&r);
	if (r.p >= r.end || *r.p != '"')
		goto out;
	r.p++;
	if (scanstr(&r, &s, &slen, &esc) != 0)
		goto out;
	memset(&k, 0, sizeof(k));
	k.len = slen;
	if (!esc)
		k.off = (size_t)(s - buf);
	else {
		k.off = r.scratch.len;
		k.decoded = 1;
		decode(&r.scratch, s, slen);
		if (r.scratch.err != JTA_OK) {
			r.nomem = r.scratch.err == JTA_ERR_NOMEM;
			goto out;
		}
		k.len = r.scratch.len - k.off;
	}
	if (jta_buf_add(&r.keys, &k, sizeof(k)) != JTA_OK) {
		r.nomem = r.keys.err == JTA_ERR_NOMEM;
		goto out;
	}
	skipws(&r);
	if (r.p >= r.end || *r.p != ':')
		goto out;
	r.p++;
	f = top(&r);
	if (f->v == NULL)
		mode = SKIP;
	else if (f->pick == NULL)
		mode = WHOLE;
	else if ((want = member(&r, f, &k)) == NULL)
		mode = SKIP;
	else
		mode = want->kind == JTA_JSON_PICK_WHOLE ? WHOLE : PICK;
	goto value;

out:
	if (errpos != NULL)
		*errpos = buf != NULL && r.p >= buf ? (size_t)(r.p - buf) : 0;
	if (r.nomem && rc != JTA_OK)
		rc = JTA_ERR_NOMEM;
	json_decref(v);
	json_decref(root);
	/* The open containers: each goes into its parent only when it
	 * closes, so each is released on its own. */
	for (i = 0; i < r.nframes; i++)
		json_decref(((struct frame *)(void *)r.frames.p)[i].v);
	jta_buf_free(&r.scratch);
	jta_buf_free(&r.keys);
	jta_buf_free(&r.frames);
	return rc;
}

/* What the reader builds, from a parsed tree (jta_json_pick.h); recurses
 * only as deep as the static description does. */
json_t *
jta_json_pick_filter(const json_t *v, const struct jta_json_pick *pick)
{
	const struct jta_json_pick *m;
	const char	*k;
	const json_t	*e;
	json_t		*o, *c;
	size_t		 i, klen;
	void		*it;

	if (pick->kind == JTA_JSON_PICK_MEMBERS && json_is_object(v)) {
		if ((o = json_object()) == NULL)
			return NULL;
		for (it = json_object_iter((json_t *)(uintptr_t)v); it != NULL;
		    it = json_object_iter_next((json_t *)(uintptr_t)v, it)) {
			k = json_object_iter_key(it);
			klen = json_object_iter_key_len(it);
			for (m = pick->sub; m->name != NULL; m++)
				if (strlen(m->name) == klen &&
				    memcmp(m->name, k, klen) == 0)
					break;
			if (m->name == NULL)
				continue;
			if ((c = jta_json_pick_filter(
			    json_object_iter_value(it), m)) == NULL ||
			    json_object_setn_new_nocheck(o, k, klen, c) != 0) {
				json_decref(o);
				return NULL;
			}
		}
		return o;
	}
	if (pick->kind == JTA_JSON_PICK_EACH && json_is_array(v)) {
		if ((o = json_array()) == NULL)
			return NULL;
		for (i = 0; i < json_array_size(v); i++) {
			e = json_array_get(v, i);
			if ((c = jta_json_pick_filter(e, pick->sub)) == NULL ||
			    json_array_append_new(o, c) != 0) {
				json_decref(o);
				return NULL;
			}
		}
		return o;
	}
	return json_incref((json_t *)(uintptr_t)v);
}
