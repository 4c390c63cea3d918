#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jta_err.h"

enum jta_err
jta_error_set(struct jta_error *err, enum jta_err code, int status,
    const char *field, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL)
		return code;
	err->status = status;
	err->retry_after = 0;
	err->nitems = 0;
	snprintf(err->field, sizeof(err->field), "%s",
	    field == NULL ? "" : field);
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
	return code;
}

/* Copy src into dst (dstsz > 0 bytes, NUL-terminated), cut on a UTF-8
 * boundary, control characters as spaces. */
static void
copysafe(char *dst, size_t dstsz, const char *src)
{
	size_t	 n = 0, i;

	while (src[n] != '\0' && n < dstsz - 1)
		n++;
	/* Do not end inside a character: drop a cut lead byte and its
	 * continuation bytes. */
	if (src[n] != '\0')
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	for (i = 0; i < n; i++)
		dst[i] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ? ' ' :
		    src[i];
	dst[n] = '\0';
}

int
jta_error_add(struct jta_error *err, const char *field, const char *message)
{
	struct jta_error_item *it;

	if (err == NULL || err->nitems >= JTA_ERROR_ITEMS)
		return -1;
	it = &err->items[err->nitems++];
	copysafe(it->field, sizeof(it->field), field == NULL ? "" : field);
	copysafe(it->message, sizeof(it->message),
	    message == NULL ? "" : message);
	return 0;
}

int
jta_err_status(enum jta_err code)
{
	switch (code) {
	case JTA_OK:
		return 200;
	case JTA_ERR_INPUT:
		return 400;
	case JTA_ERR_NOTFOUND:
		return 404;
	case JTA_ERR_CONFLICT:
		return 409;
	case JTA_ERR_AUTH:
		return 401;
	case JTA_ERR_UPSTREAM:
		return 502;
	case JTA_ERR_BUSY:
		return 503;
	case JTA_ERR_NOMEM:
	case JTA_ERR_IO:
	case JTA_ERR_DB:
	case JTA_ERR_CRYPTO:
	case JTA_ERR_CONFIG:
	case JTA_ERR_INTERNAL:
		break;
	}
	return 500;
}

const char *
jta_err_name(enum jta_err code)
{
	switch (code) {
	case JTA_OK:
		return "ok";
	case JTA_ERR_INPUT:
		return "input";
	case JTA_ERR_NOTFOUND:
		return "not-found";
	case JTA_ERR_CONFLICT:
		return "conflict";
	case JTA_ERR_AUTH:
		return "auth";
	case JTA_ERR_NOMEM:
		return "no-memory";
	case JTA_ERR_IO:
		return "io";
	case JTA_ERR_DB:
		return "database";
	case JTA_ERR_CRYPTO:
		return "crypto";
	case JTA_ERR_CONFIG:
		return "config";
	case JTA_ERR_INTERNAL:
		return "internal";
	case JTA_ERR_UPSTREAM:
		return "upstream";
	case JTA_ERR_BUSY:
		return "busy";
	}
	return "unknown";
}
