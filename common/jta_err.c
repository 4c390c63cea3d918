#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "jta_err.h"

/* items is the last member: jta_error_begin zeroes everything above it,
 * so a member added below items would be left unset. */
_Static_assert(offsetof(struct jta_error, items) +
    sizeof(((struct jta_error *)0)->items) == sizeof(struct jta_error),
    "struct jta_error: items must be its last member");

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
	it->name[0] = it->question[0] = '\0';
	it->allowedlen = it->nallowed = 0;
	copysafe(it->field, sizeof(it->field), field == NULL ? "" : field);
	copysafe(it->message, sizeof(it->message),
	    message == NULL ? "" : message);
	return 0;
}

/* The last item of err, or NULL. */
static struct jta_error_item *
last(struct jta_error *err)
{
	if (err == NULL || err->nitems == 0 || err->nitems > JTA_ERROR_ITEMS)
		return NULL;
	return &err->items[err->nitems - 1];
}

int
jta_error_name(struct jta_error *err, const char *name)
{
	struct jta_error_item *it = last(err);

	if (it == NULL)
		return -1;
	copysafe(it->name, sizeof(it->name), name == NULL ? "" : name);
	return 0;
}

int
jta_error_allow(struct jta_error *err, const char *value)
{
	struct jta_error_item *it = last(err);
	char		 v[JTA_ERROR_MESSAGE];
	size_t		 n;

	if (it == NULL || value == NULL || it->nallowed >= JTA_ERROR_NALLOWED)
		return -1;
	copysafe(v, sizeof(v), value);
	n = strlen(v) + 1;
	if (n > sizeof(it->allowed) - it->allowedlen)
		return -1;
	memcpy(it->allowed + it->allowedlen, v, n);
	it->allowedlen += n;
	it->nallowed++;
	return 0;
}

/* Drop a character snprintf cut in two at the end of s. */
static void
utf8trim(char *s)
{
	size_t		 len = strlen(s), j = len, need;
	unsigned char	 lead;

	while (j > 0 && ((unsigned char)s[j - 1] & 0xc0) == 0x80)
		j--;
	if (j == 0 || (lead = (unsigned char)s[j - 1]) < 0xc0)
		return;
	need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
	if (len - (j - 1) < need)
		s[j - 1] = '\0';
}

void
jta_error_begin(struct jta_error *err)
{
	if (err == NULL)
		return;
	memset(err, 0, offsetof(struct jta_error, items));
}

enum jta_err
jta_error_collected(struct jta_error *err)
{
	size_t	 i, o;
	int	 n;

	if (err == NULL || err->nitems == 0)
		return JTA_OK;
	err->status = 422;
	err->retry_after = 0;
	copysafe(err->field, sizeof(err->field), err->items[0].field);
	n = snprintf(err->detail, sizeof(err->detail), "%zu problem%s: ",
	    err->nitems, err->nitems > 1 ? "s" : "");
	o = n > 0 ? (size_t)n : 0;
	for (i = 0; i < err->nitems && o < sizeof(err->detail); i++) {
		const struct jta_error_item *it = &err->items[i];
		size_t	 j;

		n = snprintf(err->detail + o, sizeof(err->detail) - o,
		    "%s%s: %s", i ? "; " : "", it->field, it->message);
		if (n < 0)
			break;
		o += (size_t)n;
		/* The first few allowed values, for clients that read only
		 * the detail. */
		for (j = 0; j < it->nallowed && j < 10 &&
		    o < sizeof(err->detail); j++) {
			n = snprintf(err->detail + o, sizeof(err->detail) - o,
			    "%s%s", j ? ", " : " (allowed: ",
			    jta_error_allowed(it, j));
			if (n < 0)
				break;
			o += (size_t)n;
		}
		if (j > 0 && o < sizeof(err->detail)) {
			n = snprintf(err->detail + o, sizeof(err->detail) - o,
			    "%s)", j < it->nallowed ? ", ..." : "");
			o += n > 0 ? (size_t)n : 0;
		}
	}
	if (o >= sizeof(err->detail))	/* cut: end on a whole character */
		utf8trim(err->detail);
	return JTA_ERR_INPUT;
}

const char *
jta_error_allowed(const struct jta_error_item *it, size_t i)
{
	const char	*p = it->allowed;

	if (i >= it->nallowed)
		return NULL;
	while (i-- > 0)
		p += strlen(p) + 1;
	return p;
}

int
jta_error_ask(struct jta_error *err, const char *fmt, ...)
{
	struct jta_error_item *it = last(err);
	char		 q[JTA_ERROR_QUESTION * 2];
	va_list		 ap;

	if (it == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	copysafe(it->question, sizeof(it->question), q);
	return 0;
}

/* "A, B or C" of the first k allowed values of it into buf, followed by
 * " or N more" when k is short of all of them. */
static void
joinvalues(const struct jta_error_item *it, size_t k, char *buf,
    size_t bufsz)
{
	size_t	 i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < k && o < bufsz; i++)
		o += (size_t)snprintf(buf + o, bufsz - o, "%s%s",
		    i == 0 ? "" : i + 1 == k && k == it->nallowed ? " or " :
		    ", ", jta_error_allowed(it, i));
	if (k < it->nallowed && o < bufsz)
		snprintf(buf + o, bufsz - o, "%s%zu more", k ? " or one of " :
		    "one of ", it->nallowed - k);
}

int
jta_error_ask_about(struct jta_error *err, enum jta_ask kind)
{
	struct jta_error_item *it = last(err);
	char		 list[JTA_ERROR_ALLOWED + 64];
	char		 q[JTA_ERROR_ALLOWED + 256];
	const char	*name;
	size_t		 k;
	int		 n;

	if (it == NULL)
		return -1;
	name = it->name[0] ? it->name : it->field;
	if (strncmp(name, "fields.", 7) == 0 && name[7] != '\0')
		name += 7;
	if (strcmp(it->field, "assignee") == 0)
		return jta_error_ask(err, "Who should it be assigned to? "
		    "(name or email)");
	if (strcmp(it->field, "parent") == 0)
		return jta_error_ask(err, "Which issue is its parent? (an "
		    "issue key like OPS-12)");
	switch (kind) {
	case JTA_ASK_USER:
		return jta_error_ask(err, "Who should be %s? (name or email)",
		    name);
	case JTA_ASK_ISSUE:
		return jta_error_ask(err, "Which issue should %s be? (an "
		    "issue key like OPS-12)", name);
	case JTA_ASK_NUMBER:
		return jta_error_ask(err, "What number should %s be?", name);
	case JTA_ASK_DATE:
		return jta_error_ask(err, "What date should %s be? "
		    "(YYYY-MM-DD)", name);
	case JTA_ASK_DATETIME:
		return jta_error_ask(err, "When should %s be? "
		    "(YYYY-MM-DDTHH:MM:SSZ)", name);
	case JTA_ASK_TEXT:
		return jta_error_ask(err, "What should %s be?", name);
	case JTA_ASK_ONE:
	case JTA_ASK_SOME:
		break;
	}
	if (it->nallowed == 0)
		return jta_error_ask(err, "What should %s be?", name);
	/* The longest list of values that keeps the question short. */
	for (k = it->nallowed + 1; k-- > 0; ) {
		joinvalues(it, k, list, sizeof(list));
		if (strcmp(it->field, "priority") == 0)
			n = snprintf(q, sizeof(q), "Which priority should it "
			    "have: %s?", list);
		else if (strcmp(it->field, "type") == 0)
			n = snprintf(q, sizeof(q), "Which type of issue is it: "
			    "%s?", list);
		else if (strcmp(it->field, "components") == 0)
			n = snprintf(q, sizeof(q), "Which components does it "
			    "belong to (one or more): %s?", list);
		else if (kind == JTA_ASK_SOME)
			n = snprintf(q, sizeof(q), "Which %s should it have "
			    "(one or more): %s?", name, list);
		else
			n = snprintf(q, sizeof(q), "What should %s be: %s?",
			    name, list);
		if (n > 0 && (size_t)n < JTA_ERROR_QUESTION)
			break;
	}
	copysafe(it->question, sizeof(it->question), q);
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
