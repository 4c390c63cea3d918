/*
 * The bounded growable buffer (jta_buf.h).  Growth doubles from a small
 * start and never allocates past max + 1 bytes; every size is checked
 * for overflow before it is added or doubled.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_buf.h"

#define FIRST_CAP	256

void
jta_buf_init(struct jta_buf *b, size_t max)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	/* max + 1 must not overflow, nor may doubling below it. */
	b->max = max > SIZE_MAX / 2 ? SIZE_MAX / 2 : max;
	b->fixed = 0;
	b->err = JTA_OK;
}

void
jta_buf_init_fixed(struct jta_buf *b, char *mem, size_t size)
{
	b->p = mem;
	b->len = 0;
	b->cap = size;
	b->max = size > 0 ? size - 1 : 0;
	b->fixed = 1;
	b->err = JTA_OK;
	if (mem == NULL || size == 0) {
		b->p = NULL;
		b->cap = 0;
		b->err = JTA_ERR_INTERNAL;
		return;
	}
	mem[0] = '\0';
}

/* Make room for need bytes in all (NUL included); need <= max + 1. */
static enum jta_err
grow(struct jta_buf *b, size_t need)
{
	size_t	 ncap;
	char	*np;

	if (need <= b->cap)
		return JTA_OK;
	if (b->fixed)
		return JTA_ERR_INPUT;
	ncap = b->cap > 0 ? b->cap : FIRST_CAP;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	if ((np = realloc(b->p, ncap)) == NULL)
		return JTA_ERR_NOMEM;
	b->p = np;
	b->cap = ncap;
	return JTA_OK;
}

enum jta_err
jta_buf_add(struct jta_buf *b, const void *s, size_t n)
{
	enum jta_err	 rc;

	if (b->err != JTA_OK)
		return b->err;
	if (n == 0)	/* nothing to keep: no allocation either */
		return JTA_OK;
	if (n > b->max - b->len)	/* len <= max: no overflow */
		return b->err = JTA_ERR_INPUT;
	if ((rc = grow(b, b->len + n + 1)) != JTA_OK)
		return b->err = rc;
	if (n > 0)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return JTA_OK;
}

enum jta_err
jta_buf_add_str(struct jta_buf *b, const char *s)
{
	return jta_buf_add(b, s, strlen(s));
}

enum jta_err
jta_buf_vprintf(struct jta_buf *b, const char *fmt, va_list ap)
{
	va_list		 again;
	int		 n;
	size_t		 room;
	enum jta_err	 rc;

	if (b->err != JTA_OK)
		return b->err;
	room = b->cap > b->len ? b->cap - b->len : 0;
	va_copy(again, ap);
	n = vsnprintf(room > 0 ? b->p + b->len : NULL, room, fmt, ap);
	if (n < 0) {
		rc = JTA_ERR_INTERNAL;
		goto fail;
	}
	if ((size_t)n < room) {
		b->len += (size_t)n;
		va_end(again);
		return JTA_OK;
	}
	/* It did not fit: what vsnprintf wrote past len is not kept. */
	if ((size_t)n > b->max - b->len) {
		rc = JTA_ERR_INPUT;
		goto fail;
	}
	if ((rc = grow(b, b->len + (size_t)n + 1)) != JTA_OK)
		goto fail;
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, again);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		rc = JTA_ERR_INTERNAL;
		goto fail;
	}
	b->len += (size_t)n;
	va_end(again);
	return JTA_OK;
fail:
	va_end(again);
	if (b->p != NULL)
		b->p[b->len] = '\0';
	return b->err = rc;
}

enum jta_err
jta_buf_printf(struct jta_buf *b, const char *fmt, ...)
{
	va_list		 ap;
	enum jta_err	 rc;

	va_start(ap, fmt);
	rc = jta_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

size_t
jta_buf_room(const struct jta_buf *b)
{
	return b->err != JTA_OK ? 0 : b->max - b->len;
}

void
jta_buf_setlen(struct jta_buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->p[len] = '\0';
}

const char *
jta_buf_str(const struct jta_buf *b)
{
	return b->p != NULL ? b->p : "";
}

char *
jta_buf_take(struct jta_buf *b)
{
	char	*s;

	if (b->err != JTA_OK || b->fixed)
		return NULL;
	if ((s = b->p) == NULL && (s = calloc(1, 1)) == NULL) {
		b->err = JTA_ERR_NOMEM;
		return NULL;
	}
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	return s;
}

void
jta_buf_free(struct jta_buf *b)
{
	if (b == NULL)
		return;
	if (b->fixed) {
		b->len = 0;
		if (b->p != NULL)
			b->p[0] = '\0';
	} else {
		free(b->p);
		b->p = NULL;
		b->cap = 0;
		b->len = 0;
	}
	b->err = JTA_OK;
}
