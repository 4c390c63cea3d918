/*
 * One bounded, growable byte buffer for text the library builds: every
 * buffer has a maximum (a named cap from jta_limits.h) and refuses an
 * append past it with an error, never keeping part of it.  Contents are
 * always NUL-terminated once anything was added.
 *
 * A run of appends may be checked once at the end: the first failure is
 * kept in err and every later append does nothing and returns it.
 */
#ifndef JTA_BUF_H
#define JTA_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "jta_err.h"

/*
 * p[0..len) is the caller's to read (and to change in place); p[len] is
 * '\0'.  p is NULL until the first append to a heap buffer (jta_buf_str
 * gives "" then).  Change len only with jta_buf_setlen.  A caller may set
 * err itself to refuse the rest of a run (a value it cannot write).
 */
struct jta_buf {
	char		*p;
	size_t		 len;	/* bytes held, without the NUL */
	size_t		 cap;	/* bytes at p */
	size_t		 max;	/* most bytes it may hold, without the NUL */
	int		 fixed;	/* p is the caller's: never grown or freed */
	enum jta_err	 err;	/* the first failure; JTA_OK while none */
};

/* An empty heap buffer holding at most max bytes, for an initialiser. */
#define JTA_BUF_INIT(max)	{ NULL, 0, 0, (max), 0, JTA_OK }

/* Make b an empty heap buffer holding at most max bytes (plus the NUL);
 * it allocates on the first append. */
void jta_buf_init(struct jta_buf *b, size_t max);

/* Make b an empty buffer over the caller's mem of size bytes (at least
 * 1): it holds at most size - 1 bytes and never grows; mem stays the
 * caller's. */
void jta_buf_init_fixed(struct jta_buf *b, char *mem, size_t size);

/*
 * Append n bytes of s.  JTA_OK; JTA_ERR_INPUT when b would pass its
 * maximum (a size that overflows included); JTA_ERR_NOMEM when memory
 * runs out; or the earlier failure.  On failure b keeps what it held.
 */
enum jta_err jta_buf_add(struct jta_buf *b, const void *s, size_t n);

/* Append the string s: jta_buf_add(b, s, strlen(s)). */
enum jta_err jta_buf_add_str(struct jta_buf *b, const char *s);

/* Append printf-formatted text; results as jta_buf_add, and
 * JTA_ERR_INTERNAL when the format fails. */
enum jta_err jta_buf_printf(struct jta_buf *b, const char *fmt, ...)
    JTA_PRINTF(2, 3);
/* The same with a va_list, which it consumes (as vprintf does). */
enum jta_err jta_buf_vprintf(struct jta_buf *b, const char *fmt, va_list ap)
    JTA_PRINTF(2, 0);

/* Bytes b may still take before its maximum. */
size_t jta_buf_room(const struct jta_buf *b);

/* Cut b to its first len bytes (a longer len changes nothing). */
void jta_buf_setlen(struct jta_buf *b, size_t len);

/* b's contents as a string, borrowed until b next changes; "" when b
 * holds nothing. */
const char *jta_buf_str(const struct jta_buf *b);

/*
 * Hand b's contents over as a NUL-terminated string the caller frees
 * (an empty one when b holds nothing) and leave b empty.  NULL when
 * memory runs out, b failed (its err says why) or b is fixed.
 */
char *jta_buf_take(struct jta_buf *b) JTA_WUR;

/* Release a heap buffer's memory and leave it empty (its maximum kept,
 * err cleared); a fixed one is only emptied.  NULL is a no-op. */
void jta_buf_free(struct jta_buf *b);

#endif
