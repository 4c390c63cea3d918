/*
 * Fuzz harness for JSON bodies: jta_req_parse_json, then
 * jta_req_check_object against a table like the one of POST /api/issues
 * (plus a UINT and a UINTLIST field, so every list and number path is
 * reached), and the same bytes through jta_req_json, which must agree.
 *
 * Invariants checked (abort() when violated): on success the result is an
 * object, every key in it is in the table, every required field is there
 * and every value has the type its kind promises (null only when the field
 * is nullable); on failure the message is NUL-terminated and the status is
 * a 4xx or 5xx.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jta_limits.h"
#include "jta_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const priorities[] = { "Lowest", "Low", "Medium", "High",
    "Highest", NULL };

static const struct jta_field fields[] = {
	{ "project", JTA_FT_PROJECT, JTA_F_REQUIRED, 0, 0, NULL },
	{ "summary", JTA_FT_STRING, JTA_F_REQUIRED, 1, JTA_LIMIT_SUMMARY,
	    NULL },
	{ "type", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
	{ "description", JTA_FT_TEXT, JTA_F_NULLABLE, 0,
	    JTA_LIMIT_DESCRIPTION, NULL },
	{ "priority", JTA_FT_ENUM, 0, 0, 0, priorities },
	{ "labels", JTA_FT_LABELS, 0, 0, JTA_LIMIT_LABELS, NULL },
	{ "assignee", JTA_FT_USERNAME, JTA_F_NULLABLE, 0, 0, NULL },
	{ "estimate", JTA_FT_UINT, 0, 0, 1000000, NULL },
	{ "links", JTA_FT_UINTLIST, 0, 0, JTA_LIMIT_ID_LIST, NULL },
	{ "components", JTA_FT_NAMES, 0, 0, JTA_LIMIT_COMPONENTS, NULL },
	{ "fields", JTA_FT_OBJECT, 0, 0, JTA_LIMIT_CREATE_FIELDS, NULL },
};
#define NFIELDS	(sizeof(fields) / sizeof(fields[0]))

static void
check_error(const struct jta_error *err)
{
	if (memchr(err->field, '\0', sizeof(err->field)) == NULL ||
	    memchr(err->detail, '\0', sizeof(err->detail)) == NULL ||
	    err->status < 400 || err->status > 599)
		abort();
}

static const struct jta_field *
field(const char *name)
{
	size_t	 i;

	for (i = 0; i < NFIELDS; i++)
		if (strcmp(fields[i].name, name) == 0)
			return &fields[i];
	return NULL;
}

static void
check_result(const json_t *obj)
{
	const char	*key;
	const json_t	*v, *e;
	const struct jta_field *f;
	size_t		 i, len;

	if (!json_is_object(obj))
		abort();
	for (i = 0; i < NFIELDS; i++)
		if ((fields[i].flags & JTA_F_REQUIRED) &&
		    json_object_get(obj, fields[i].name) == NULL)
			abort();
	json_object_foreach((json_t *)(uintptr_t)obj, key, v) {
		if ((f = field(key)) == NULL)
			abort();
		if (json_is_null(v)) {
			if (!(f->flags & JTA_F_NULLABLE))
				abort();
			continue;
		}
		switch (f->type) {
		case JTA_FT_STRING:
		case JTA_FT_TEXT:
			len = json_string_length(v);
			if (!json_is_string(v) || (int64_t)len < f->min ||
			    (int64_t)len > f->max ||
			    memchr(json_string_value(v), '\0', len) != NULL)
				abort();
			break;
		case JTA_FT_ENUM:
		case JTA_FT_USERNAME:
		case JTA_FT_PROJECT:
		case JTA_FT_ISSUEKEY:
			if (!json_is_string(v))
				abort();
			break;
		case JTA_FT_UINT:
			if (!json_is_integer(v) ||
			    json_integer_value(v) < f->min ||
			    json_integer_value(v) > f->max)
				abort();
			break;
		case JTA_FT_TIME:
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				abort();
			break;
		case JTA_FT_ENUMLIST:
		case JTA_FT_LABELS:
		case JTA_FT_NAMES:
		case JTA_FT_UINTLIST:
			if (!json_is_array(v) ||
			    json_array_size(v) > (size_t)f->max)
				abort();
			json_array_foreach(v, i, e)
				if (f->type == JTA_FT_UINTLIST ?
				    !json_is_integer(e) ||
				    json_integer_value(e) < 0 :
				    !json_is_string(e))
					abort();
			break;
		case JTA_FT_OBJECT:
			if (!json_is_object(v) ||
			    json_object_size(v) > (size_t)f->max)
				abort();
			break;
		case JTA_FT_OBJECTS:
			if (!json_is_array(v) ||
			    json_array_size(v) > (size_t)f->max)
				abort();
			json_array_foreach(v, i, e)
				if (!json_is_object(e))
					abort();
			break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jta_error err;
	struct jta_req	*req = NULL;
	json_t		*doc = NULL, *out = NULL, *out2 = NULL;
	enum jta_err	 rc, rc2;

	memset(&err, 0, sizeof(err));
	if (jta_req_parse_json((const char *)data, size, &doc, &err) !=
	    JTA_OK) {
		if (doc != NULL)
			abort();
		check_error(&err);
		rc = JTA_ERR_INPUT;
	} else {
		if (!json_is_object(doc))
			abort();
		memset(&err, 0, sizeof(err));
		if ((rc = jta_req_check_object(doc, fields, NFIELDS, &out,
		    &err)) == JTA_OK)
			check_result(out);
		else {
			if (out != NULL)
				abort();
			check_error(&err);
		}
	}

	/* The same bytes as a request body must give the same answer. */
	if ((req = calloc(1, sizeof(*req))) == NULL ||
	    (req->body = malloc(size + 1)) == NULL)
		goto out;
	memcpy(req->body, data, size);
	req->body[size] = '\0';
	req->body_len = size;
	memcpy(req->content_type, "application/json; charset=utf-8",
	    sizeof("application/json; charset=utf-8"));
	memset(&err, 0, sizeof(err));
	rc2 = jta_req_json(req, fields, NFIELDS, &out2, &err);
	if ((rc == JTA_OK) != (rc2 == JTA_OK))
		abort();
	if (rc2 == JTA_OK && !json_equal(out, out2))
		abort();
out:
	if (req != NULL)
		jta_req_clear(req);
	free(req);
	json_decref(out2);
	json_decref(out);
	json_decref(doc);
	return 0;
}
