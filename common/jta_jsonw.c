/*
 * The JSON text writer (see jta_jsonw.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jta_jsonw.h"
#include "jta_text.h"

int
jta_jsonw_grow(struct jta_jsonw *o, size_t n)
{
	size_t	 cap;
	char	*np;

	if (o->bad)
		return 0;
	for (cap = o->cap ? o->cap : 4096; n >= cap - o->len; cap *= 2)
		if (cap > SIZE_MAX / 4) {
			o->bad = 1;
			return 0;
		}
	if ((np = realloc(o->p, cap)) == NULL) {
		o->bad = 1;
		return 0;
	}
	o->p = np;
	o->cap = cap;
	return 1;
}

/*
 * Eight bytes at a time (issue 16: the answer's bytes were 13
 * instructions each, one at a time): nonzero when a byte of w is below
 * 0x20, '"' or '\\', the bytes jansson escapes.  "Determine if a word
 * has a byte less than n" and "has a zero byte" (Sean Eron Anderson,
 * Bit Twiddling Hacks): exact about whether one exists, which is all
 * this asks; a byte of 0x80 or above (UTF-8) never matches.
 */
#define ONES	UINT64_C(0x0101010101010101)
#define HIGHS	UINT64_C(0x8080808080808080)
#define CHUNK	1024	/* source bytes per room() check: 6 x CHUNK + 2 */

static uint64_t
escapes(uint64_t w)
{
	uint64_t	 q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');

	return (((w - ONES * 0x20) & ~w) | ((q - ONES) & ~q) |
	    ((b - ONES) & ~b)) & HIGHS;
}

/* s[0..len) as a JSON string, escaped as jansson's dump_string escapes
 * without flags.  Bytes of a multi-byte UTF-8 character are all 0x80 or
 * above, so testing bytes is testing characters.  Plain runs go eight
 * bytes at a time (the last few as part of the last eight); a word
 * holding a byte to escape goes byte by byte, as does text shorter than
 * a word. */
void
jta_jsonw_str(struct jta_jsonw *o, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char		*d;
	size_t		 i = 0, end, stop;
	uint64_t	 w, high = 0;
	unsigned char	 c;

	if (!jta_jsonw_room(o, 1))
		return;
	o->p[o->len++] = '"';
	while (i < len) {
		end = len - i > CHUNK ? i + CHUNK : len;
		/* At most six bytes each, the closing quote, the NUL. */
		if (!jta_jsonw_room(o, 6 * (end - i) + 1))
			return;
		d = o->p + o->len;
		while (i < end) {
			if (end - i >= 8) {
				memcpy(&w, s + i, 8);
				high |= w;
				if (escapes(w) == 0) {
					memcpy(d, &w, 8);
					d += 8;
					i += 8;
					continue;
				}
				stop = i + 8;
			} else if (end >= 8) {
				/* The last word, read again from end - 8
				 * (bytes of s already written): plain, its
				 * last end - i bytes are the rest. */
				memcpy(&w, s + end - 8, 8);
				high |= w;
				if (escapes(w) == 0) {
					memcpy(d, s + i, end - i);
					d += end - i;
					i = end;
					continue;
				}
				stop = end;
			} else
				stop = end;
			for (; i < stop; i++) {
				c = (unsigned char)s[i];
				high |= c;
				if (c >= 0x20 && c != '"' && c != '\\') {
					*d++ = (char)c;
					continue;
				}
				*d++ = '\\';
				switch (c) {
				case '"':	*d++ = '"'; break;
				case '\\':	*d++ = '\\'; break;
				case '\b':	*d++ = 'b'; break;
				case '\f':	*d++ = 'f'; break;
				case '\n':	*d++ = 'n'; break;
				case '\r':	*d++ = 'r'; break;
				case '\t':	*d++ = 't'; break;
				default:
					*d++ = 'u';
					*d++ = '0';
					*d++ = '0';
					*d++ = hex[c >> 4];
					*d++ = hex[c & 0xf];
					break;
				}
			}
		}
		o->len = (size_t)(d - o->p);
	}
	jta_jsonw_ch(o, '"');
	/* jansson refuses what is not UTF-8: so does the caller. */
	if ((high & HIGHS) && !jta_text_utf8_valid(s, len))
		o->bad = 1;
}

static void
putval(struct jta_jsonw *o, const json_t *v, int depth)
{
	json_t	*w = (json_t *)(uintptr_t)v;	/* jansson's iterators */
	void	*it;
	size_t	 i, n;
	int	 first = 1;

	if (o->bad)
		return;
	if (depth > JTA_JSONW_DEPTH) {
		o->bad = 1;
		return;
	}
	switch (json_typeof(v)) {
	case JSON_NULL:
		jta_jsonw_raw(o, "null", 4);
		break;
	case JSON_TRUE:
		jta_jsonw_raw(o, "true", 4);
		break;
	case JSON_FALSE:
		jta_jsonw_raw(o, "false", 5);
		break;
	case JSON_INTEGER:
		jta_jsonw_int(o, json_integer_value(v));
		break;
	case JSON_STRING:
		jta_jsonw_str(o, json_string_value(v), json_string_length(v));
		break;
	case JSON_ARRAY:
		jta_jsonw_ch(o, '[');
		n = json_array_size(v);
		for (i = 0; i < n && !o->bad; i++) {
			if (i > 0)
				jta_jsonw_ch(o, ',');
			putval(o, json_array_get(v, i), depth + 1);
		}
		jta_jsonw_ch(o, ']');
		break;
	case JSON_OBJECT:
		jta_jsonw_ch(o, '{');
		for (it = json_object_iter(w); it != NULL && !o->bad;
		    it = json_object_iter_next(w, it)) {
			if (!first)
				jta_jsonw_ch(o, ',');
			first = 0;
			jta_jsonw_str(o, json_object_iter_key(it),
			    json_object_iter_key_len(it));
			jta_jsonw_ch(o, ':');
			putval(o, json_object_iter_value(it), depth + 1);
		}
		jta_jsonw_ch(o, '}');
		break;
	case JSON_REAL:		/* jansson's own number formatting */
	default:
		o->bad = 1;
		break;
	}
}

/* json_int_t is long long: INT64_MIN too. */
void
jta_jsonw_int(struct jta_jsonw *o, int64_t v)
{
	char	 num[1 + JTA_TEXT_U64_MAX];
	size_t	 k = 0;

	if (v < 0)
		num[k++] = '-';
	k += jta_text_u64(v < 0 ? 0 - (uint64_t)v : (uint64_t)v, num + k);
	jta_jsonw_raw(o, num, k);
}

void
jta_jsonw_value(struct jta_jsonw *o, const json_t *v)
{
	putval(o, v, 0);
}

char *
jta_jsonw_finish(struct jta_jsonw *o, size_t *len)
{
	char	*s;

	if (!jta_jsonw_room(o, 0) || o->bad) {
		jta_jsonw_discard(o);
		return NULL;
	}
	o->p[o->len] = '\0';
	*len = o->len;
	s = o->p;
	o->p = NULL;
	o->len = o->cap = 0;
	return s;
}

void
jta_jsonw_discard(struct jta_jsonw *o)
{
	free(o->p);
	o->p = NULL;
	o->len = o->cap = 0;
	o->bad = 1;
}
