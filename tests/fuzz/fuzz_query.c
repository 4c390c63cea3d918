/*
 * Fuzz harness for the request model: the query-string validator
 * (jta_req_query) against a table that holds one field of every kind, and
 * jta_req_init fed the input as REQUEST_URI and as CONTENT_LENGTH, and
 * the Idempotency-Key parser (jta_once_key_parse), and the folded terms
 * of the request-type ranking (jta_suggest_terms_folded, its overlap).
 *
 * Built two ways: with clang -fsanitize=fuzzer by tests/fuzz/run-fuzzers.sh,
 * and with a plain main() (tests/fuzz/replay.c) by `make check`, which
 * replays tests/fuzz/corpus/query/.
 *
 * Invariants checked (abort() when violated): a successful parse gives an
 * object whose every key is in the table and whose value has the type the
 * field's kind promises; a failed one fills a NUL-terminated message.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "jta_limits.h"
#include "jta_once.h"
#include "jta_req.h"
#include "jta_suggest.h"
#include "jta_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const statuses[] = { "open", "in progress", "done", NULL };
static const char *const priorities[] = { "lowest", "low", "medium", "high",
    "highest", NULL };

/* One field of every enum jta_ftype, bounded like the real endpoints. */
static const struct jta_field fields[] = {
	{ "text", JTA_FT_STRING, 0, 1, JTA_LIMIT_TEXT_QUERY, NULL },
	{ "description", JTA_FT_TEXT, 0, 0, JTA_LIMIT_DESCRIPTION, NULL },
	{ "limit", JTA_FT_UINT, 0, 1, JTA_LIMIT_PAGE_MAX, NULL },
	{ "status", JTA_FT_ENUM, 0, 0, 0, statuses },
	{ "priority__in", JTA_FT_ENUMLIST, 0, 0, 5, priorities },
	{ "updated_since", JTA_FT_TIME, 0, 0, 0, NULL },
	{ "assignee", JTA_FT_USERNAME, 0, 0, 0, NULL },
	{ "project", JTA_FT_PROJECT, 0, 0, 0, NULL },
	{ "key", JTA_FT_ISSUEKEY, 0, 0, 0, NULL },
	{ "labels", JTA_FT_LABELS, 0, 0, JTA_LIMIT_LABELS, NULL },
	{ "id__in", JTA_FT_UINTLIST, 0, 0, JTA_LIMIT_ID_LIST, NULL },
};
#define NFIELDS	(sizeof(fields) / sizeof(fields[0]))

/* The parameters the fake server hands to jta_req_init. */
struct params {
	const char	*method;
	const char	*uri;
	const char	*query;
	const char	*content_length;
	const char	*request_id;
};

static const char *
getparam(const char *name, void *arg)
{
	const struct params *p = arg;

	if (strcmp(name, "REQUEST_METHOD") == 0)
		return p->method;
	if (strcmp(name, "REQUEST_URI") == 0)
		return p->uri;
	if (strcmp(name, "QUERY_STRING") == 0)
		return p->query;
	if (strcmp(name, "CONTENT_LENGTH") == 0)
		return p->content_length;
	if (strcmp(name, "HTTP_X_REQUEST_ID") == 0)
		return p->request_id;
	if (strcmp(name, "CONTENT_TYPE") == 0)
		return "application/json";
	return NULL;
}

static void
check_error(const struct jta_error *err)
{
	if (memchr(err->field, '\0', sizeof(err->field)) == NULL ||
	    memchr(err->detail, '\0', sizeof(err->detail)) == NULL)
		abort();
	if (err->status < 400 || err->status > 599)
		abort();
}

/* Every key of obj is a field, and its value has the promised type. */
static void
check_result(const json_t *obj)
{
	const char	*key;
	const json_t	*v, *e;
	const struct jta_field *f;
	size_t		 i, j;

	if (!json_is_object(obj))
		abort();
	json_object_foreach((json_t *)(uintptr_t)obj, key, v) {
		f = NULL;
		for (i = 0; i < NFIELDS; i++)
			if (strcmp(fields[i].name, key) == 0)
				f = &fields[i];
		if (f == NULL)
			abort();
		switch (f->type) {
		case JTA_FT_STRING:
		case JTA_FT_TEXT:
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
			if (!json_is_array(v) || json_array_size(v) == 0 ||
			    json_array_size(v) > (size_t)f->max)
				abort();
			json_array_foreach(v, j, e)
				if (f->type == JTA_FT_UINTLIST ?
				    !json_is_integer(e) : !json_is_string(e))
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

static void
run_query(const struct jta_req *req)
{
	struct jta_error err;
	json_t		*out = NULL;

	memset(&err, 0, sizeof(err));
	if (jta_req_query(req, fields, NFIELDS, &out, &err) == JTA_OK) {
		if (out == NULL)
			abort();
		check_result(out);
	} else {
		if (out != NULL)
			abort();
		check_error(&err);
	}
	json_decref(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jta_req	*req = NULL;
	struct jta_error err;
	struct params	 p;
	char		*s = NULL;
	char		 key[JTA_LIMIT_ISSUE_KEY + 1];
	char		 idem[JTA_LIMIT_IDEMPOTENCY_KEY + 1];

	if (size > JTA_LIMIT_QUERY)
		return 0;
	if (sodium_init() < 0)
		abort();
	if ((req = calloc(1, sizeof(*req))) == NULL ||
	    (s = malloc(size + 1)) == NULL)
		goto out;
	memcpy(s, data, size);
	s[size] = '\0';

	/* 1: the input as a raw query string. */
	memcpy(req->query, data, size);
	req->query[size] = '\0';
	run_query(req);

	/* 2: the input as REQUEST_URI (its query part is validated too). */
	memset(&p, 0, sizeof(p));
	p.method = "GET";
	p.uri = s;
	memset(&err, 0, sizeof(err));
	if (jta_req_init(req, getparam, &p, &err) == JTA_OK) {
		if (req->path[0] != '/' ||
		    strlen(req->path) > JTA_LIMIT_PATH ||
		    !jta_text_utf8_valid(req->path, strlen(req->path)))
			abort();
		run_query(req);
		memset(&err, 0, sizeof(err));
		if (jta_req_issue_key(req, "", key, &err) == JTA_OK) {
			if (strlen(key) > JTA_LIMIT_ISSUE_KEY)
				abort();
		} else
			check_error(&err);
		if (jta_req_issue_key(req, "/comments", key, &err) != JTA_OK)
			check_error(&err);
	} else
		check_error(&err);
	jta_req_clear(req);

	/* 3: the input as CONTENT_LENGTH, method and request id. */
	memset(&p, 0, sizeof(p));
	p.method = s;
	p.uri = "/api/issues";
	p.content_length = s;
	p.request_id = s;
	memset(&err, 0, sizeof(err));
	if (jta_req_init(req, getparam, &p, &err) == JTA_OK) {
		if (req->has_body_length &&
		    req->content_length > JTA_LIMIT_BODY)
			abort();
		if (memchr(req->id, '\0', sizeof(req->id)) == NULL ||
		    memchr(req->method_name, '\0',
		    sizeof(req->method_name)) == NULL)
			abort();
	} else
		check_error(&err);
	jta_req_clear(req);

	/* 4: the input as an Idempotency-Key header value. */
	memset(&err, 0, sizeof(err));
	if (jta_once_key_parse(s, size, idem, &err) == JTA_OK) {
		size_t	 i, n = strlen(idem);

		if (n == 0 || n > JTA_LIMIT_IDEMPOTENCY_KEY)
			abort();
		for (i = 0; i < n; i++)
			if (idem[i] < ' ' || idem[i] > '~')
				abort();
	} else
		check_error(&err);

	/* 5: the input as a person's words for request types: at most the
	 * cap of terms, each non-empty and inside the buffer; a share 0..1
	 * of them in the input itself. */
	{
		struct jta_suggest_terms *t = malloc(sizeof(*t));
		double	 share;
		size_t	 i, n;

		if (t == NULL)
			goto out;
		n = jta_suggest_terms_folded(s, t);
		if (n > JTA_LIMIT_SIMILAR_TERMS || n != t->n)
			abort();
		for (i = 0; i < n; i++)
			if (t->term[i] < t->buf || t->term[i] >= t->buf +
			    sizeof(t->buf) || t->term[i][0] == '\0' ||
			    memchr(t->term[i], '\0', (size_t)(t->buf +
			    sizeof(t->buf) - t->term[i])) == NULL)
				abort();
		share = jta_suggest_overlap_folded(t, s);
		if (share < 0 || share > 1)
			abort();
		free(t);
	}
out:
	free(s);
	free(req);
	return 0;
}
