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
	snprintf(err->field, sizeof(err->field), "%s",
	    field == NULL ? "" : field);
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
	return code;
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
