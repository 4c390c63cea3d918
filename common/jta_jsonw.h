/*
 * A JSON text writer: values appended to a growing, malloc'ed text,
 * byte for byte as jansson's json_dumps(v, JSON_COMPACT) writes them
 * (the same escapes, the same UTF-8 check).  jta_fit_dumps writes every
 * answer's tree with it; a backend that can write an answer's rows
 * without building a tree first (the embedded store's search, issue 16)
 * writes them with it too, and tests hold the two to the same bytes.
 *
 * A run of appends is checked once at the end: after the first failure
 * (memory ran out, a string is not UTF-8, a value it does not write)
 * bad is set and every later append does nothing that matters.
 */
#ifndef JTA_JSONW_H
#define JTA_JSONW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

/* p[0..len) is the text so far, cap the bytes at p; zero it to start
 * (JTA_JSONW_INIT). */
struct jta_jsonw {
	char	*p;
	size_t	 len, cap;
	int	 bad;
};

#define JTA_JSONW_INIT	{ NULL, 0, 0, 0 }

/* Grow w to room for n more bytes and the final NUL; 0 (and w->bad)
 * when memory runs out.  Callers use jta_jsonw_room. */
int jta_jsonw_grow(struct jta_jsonw *w, size_t n);

/* Room for n more bytes and the final NUL.  What is written after
 * w->bad is set stays within w->cap and is thrown away. */
static inline int
jta_jsonw_room(struct jta_jsonw *w, size_t n)
{
	return n < w->cap - w->len || jta_jsonw_grow(w, n);
}

/* n bytes of s as they are (punctuation, member names known to need no
 * escape, text already JSON). */
static inline void
jta_jsonw_raw(struct jta_jsonw *w, const char *s, size_t n)
{
	if (jta_jsonw_room(w, n)) {
		memcpy(w->p + w->len, s, n);
		w->len += n;
	}
}

static inline void
jta_jsonw_ch(struct jta_jsonw *w, char c)
{
	if (jta_jsonw_room(w, 1))
		w->p[w->len++] = c;
}

/* s[0..len) as a JSON string (quotes and escapes); bad when it is not
 * UTF-8, as jansson refuses it. */
void jta_jsonw_str(struct jta_jsonw *w, const char *s, size_t len);

/* An integer as jansson writes a json_integer. */
void jta_jsonw_int(struct jta_jsonw *w, int64_t v);

/* A whole value: null, true, false, integers, strings, arrays and
 * objects (members in jansson's order); a real, or nesting deeper than
 * JTA_JSONW_DEPTH, sets bad (jta_fit_dumps leaves those to jansson). */
#define JTA_JSONW_DEPTH	512
void jta_jsonw_value(struct jta_jsonw *w, const json_t *v);

/* The text, NUL-terminated, its length in *len: the caller frees it
 * with free().  NULL when w is bad (w's memory freed then). */
char *jta_jsonw_finish(struct jta_jsonw *w, size_t *len);

/* Throw w's text away. */
void jta_jsonw_discard(struct jta_jsonw *w);

#endif
