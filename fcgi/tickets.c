/*
 * /api/tickets/: the seed's basic ticketing API (ai-my-tickets) over the
 * configured backend (the embedded store's tickets, or the issues of
 * default_project in Jira as the signed-in person), with that API's
 * shapes: tickets {id, title, description, created, resolution_status},
 * page-number pagination {count, next, previous, results}, and its error
 * bodies ({"detail": ...} and
 * {"field": [messages]}) instead of problem+json.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "jta_fcgi.h"
#include "jta_text.h"

static const char *const res_values[] = { "OPEN", "RESOLVED", "CLOSED",
    NULL };

static const struct jta_field list_fields[] = {
	{ "id", JTA_FT_UINT, 0, 1, INT32_MAX, NULL },
	{ "id__in", JTA_FT_UINTLIST, 0, 1, JTA_LIMIT_ID_LIST, NULL },
	{ "title__icontains", JTA_FT_STRING, 0, 1, JTA_LIMIT_SUMMARY, NULL },
	{ "created__gte", JTA_FT_TIME, 0, 0, 0, NULL },
	{ "created__lte", JTA_FT_TIME, 0, 0, 0, NULL },
	{ "resolution_status", JTA_FT_ENUM, 0, 0, 0, res_values },
	{ "resolution_status__in", JTA_FT_ENUMLIST, 0, 1, 3, res_values },
	{ "search", JTA_FT_STRING, 0, 1, JTA_LIMIT_TEXT_QUERY, NULL },
	{ "ordering", JTA_FT_ENUM, 0, 0, 0, jta_backend_tk_orderings },
	{ "page", JTA_FT_UINT, 0, 1, JTA_LIMIT_PAGE_NUMBER, NULL },
	/* Above JTA_LIMIT_PAGE_MAX is clamped, not refused: list(). */
	{ "page_size", JTA_FT_UINT, 0, 1, INT32_MAX, NULL },
};

/* id and created are read-only: accepted (a client may PUT back what it
 * read) and ignored, as that API does. */
static const struct jta_field create_fields[] = {
	{ "title", JTA_FT_STRING, JTA_F_REQUIRED, 1, JTA_LIMIT_SUMMARY, NULL },
	{ "description", JTA_FT_TEXT, 0, 0, JTA_LIMIT_DESCRIPTION, NULL },
	{ "resolution_status", JTA_FT_ENUM, 0, 0, 0, res_values },
	{ "id", JTA_FT_UINT, 0, 0, INT32_MAX, NULL },
	{ "created", JTA_FT_STRING, 0, 0, 32, NULL },
};

static const struct jta_field patch_fields[] = {
	{ "title", JTA_FT_STRING, 0, 1, JTA_LIMIT_SUMMARY, NULL },
	{ "description", JTA_FT_TEXT, 0, 0, JTA_LIMIT_DESCRIPTION, NULL },
	{ "resolution_status", JTA_FT_ENUM, 0, 0, 0, res_values },
	{ "id", JTA_FT_UINT, 0, 0, INT32_MAX, NULL },
	{ "created", JTA_FT_STRING, 0, 0, 32, NULL },
};

#define N(t)	(sizeof(t) / sizeof((t)[0]))

/* Send an error in that API's shape (the serving loop calls this for
 * every error of this endpoint, authentication and limits included). */
static enum jta_err
drf_error(struct jta_resp *resp, const struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*body;
	int		 status = err->status ? err->status : 500;

	if (strncmp(err->field, "resolution_status", 17) == 0 &&
	    status == 422)
		body = json_pack("{s:[s]}", err->field, err->detail);
	else if (status == 400 && strncmp(err->detail, "unexpected field",
	    16) == 0)
		body = json_pack("{s:s}", "detail", err->detail);
	else if ((status == 400 || status == 422) && err->field[0] != '\0' &&
	    strcmp(err->field, "body") != 0) {
		status = 400;
		body = json_pack("{s:[s]}", err->field, err->detail);
	} else
		body = json_pack("{s:s}", "detail", err->detail);
	if (body == NULL)
		return JTA_ERR_NOMEM;
	rc = jta_resp_json(resp, status, body);
	json_decref(body);
	return rc;
}

/* The list URL for another page: the same query with page=n. */
static json_t *
pageurl(const struct jta_ctx *ctx, const struct jta_req *req, int64_t n)
{
	char		 url[JTA_CONF_URL_MAX + JTA_LIMIT_QUERY + 64];
	const char	*p, *amp;
	size_t		 o, len;

	o = (size_t)snprintf(url, sizeof(url), "%s/api/tickets/?",
	    ctx->conf.public_url);
	for (p = req->query; *p != '\0' && o < sizeof(url);
	    p = *amp ? amp + 1 : amp) {
		if ((amp = strchr(p, '&')) == NULL)
			amp = p + strlen(p);
		len = (size_t)(amp - p);
		if (len == 0 || (len >= 4 && strncmp(p, "page", 4) == 0 &&
		    (len == 4 || p[4] == '=')))
			continue;
		o += (size_t)snprintf(url + o, sizeof(url) - o, "%.*s&",
		    (int)len, p);
	}
	if (o >= sizeof(url))
		return NULL;
	if (n == 1 && url[o - 1] == '?')
		url[--o] = '\0';
	else if (n == 1)
		url[--o] = '\0';
	else
		snprintf(url + o, sizeof(url) - o, "page=%" PRId64, n);
	return json_string(url);
}

static enum jta_err
list(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	struct jta_tk_query q;
	json_t		*p = NULL, *page = NULL, *out = NULL;
	int64_t		 count;

	if ((rc = jta_req_query(req, list_fields, N(list_fields), &p, err)) !=
	    JTA_OK)
		return rc;
	memset(&q, 0, sizeof(q));
	q.id = json_integer_value(json_object_get(p, "id"));
	q.ids = json_object_get(p, "id__in");
	q.title_icontains = json_string_value(json_object_get(p,
	    "title__icontains"));
	q.created_gte = json_integer_value(json_object_get(p, "created__gte"));
	q.created_lte = json_integer_value(json_object_get(p, "created__lte"));
	q.search = json_string_value(json_object_get(p, "search"));
	q.ordering = json_string_value(json_object_get(p, "ordering"));
	q.page = json_integer_value(json_object_get(p, "page"));
	q.page_size = json_integer_value(json_object_get(p, "page_size"));
	if (q.page == 0)
		q.page = 1;
	if (q.page_size == 0)
		q.page_size = JTA_LIMIT_PAGE_DEFAULT;
	/* As Django REST framework's max_page_size: a larger page_size
	 * asks for the largest page, which clients of that API rely on. */
	if (q.page_size > JTA_LIMIT_PAGE_MAX)
		q.page_size = JTA_LIMIT_PAGE_MAX;
	if (json_object_get(p, "resolution_status") != NULL) {
		if ((q.statuses = json_pack("[O]", json_object_get(p,
		    "resolution_status"))) == NULL) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
		/* Both filters: a ticket must pass both. */
		if (json_object_get(p, "resolution_status__in") != NULL) {
			json_t *in = json_object_get(p,
			    "resolution_status__in");
			size_t i;
			json_t *v;
			int found = 0;

			json_array_foreach(in, i, v)
				found |= json_equal(v, json_array_get(
				    q.statuses, 0));
			if (!found)
				json_array_clear((json_t *)(uintptr_t)
				    q.statuses);
		}
	} else
		q.statuses = json_incref(json_object_get(p,
		    "resolution_status__in"));
	if ((rc = ctx->backend->ops->tk_list(ctx->backend, who, &q, &page,
	    err)) != JTA_OK)
		goto out;
	count = json_integer_value(json_object_get(page, "count"));
	if (q.page > 1 && (q.page - 1) * q.page_size >= count) {
		rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "Invalid page.");
		goto out;
	}
	out = json_pack("{s:I, s:o, s:o, s:O}", "count", (json_int_t)count,
	    "next", q.page * q.page_size < count ? pageurl(ctx, req,
	    q.page + 1) : json_null(), "previous", q.page > 1 ?
	    pageurl(ctx, req, q.page - 1) : json_null(), "results",
	    json_object_get(page, "results"));
	if (out == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	rc = jta_resp_json(resp, 200, out);
out:
	json_decref((json_t *)(uintptr_t)q.statuses);
	json_decref(out);
	json_decref(page);
	json_decref(p);
	return rc;
}

static enum jta_err
create(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*f = NULL, *out = NULL;
	char		 loc[JTA_CONF_URL_MAX + 64];

	if (ctx->conf.default_project[0] == '\0')
		return jta_error_set(err, JTA_ERR_CONFIG, 503, NULL,
		    "This service has no default_project configured for "
		    "/api/tickets/.");
	if ((rc = jta_req_json(req, create_fields, N(create_fields), &f,
	    err)) != JTA_OK)
		return rc;
	if ((rc = ctx->backend->ops->tk_create(ctx->backend, who, f, &out,
	    err)) == JTA_OK) {
		snprintf(loc, sizeof(loc), "%s/api/tickets/%"
		    JSON_INTEGER_FORMAT "/", ctx->conf.public_url,
		    json_integer_value(json_object_get(out, "id")));
		if ((rc = jta_resp_header(resp, "Location", loc)) == JTA_OK)
			rc = jta_resp_json(resp, 201, out);
	}
	json_decref(f);
	json_decref(out);
	return rc;
}

static enum jta_err
item(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, int64_t id, struct jta_resp *resp,
    struct jta_error *err)
{
	struct jta_backend *be = ctx->backend;
	enum jta_err	 rc = JTA_ERR_INTERNAL;
	json_t		*f = NULL, *out = NULL;

	switch (req->method) {
	case JTA_METHOD_GET:
	case JTA_METHOD_HEAD:
		rc = be->ops->tk_get(be, who, id, &out, err);
		break;
	case JTA_METHOD_PUT:
		if ((rc = jta_req_json(req, create_fields, N(create_fields),
		    &f, err)) == JTA_OK)
			rc = be->ops->tk_update(be, who, id, f, &out,
			    err);
		break;
	case JTA_METHOD_PATCH:
		if ((rc = jta_req_json(req, patch_fields, N(patch_fields), &f,
		    err)) == JTA_OK)
			rc = be->ops->tk_update(be, who, id, f, &out,
			    err);
		break;
	case JTA_METHOD_DELETE:
		if ((rc = be->ops->tk_delete(be, who, id, err)) == JTA_OK)
			return jta_resp_empty(resp, 204);
		return rc;
	case JTA_METHOD_POST:
	case JTA_METHOD_OTHER:
		return jta_fcgi_method_not_allowed(resp,
		    "GET, HEAD, PUT, PATCH, DELETE", err);
	}
	if (rc == JTA_OK)
		rc = jta_resp_json(resp, 200, out);
	json_decref(f);
	json_decref(out);
	return rc;
}

static enum jta_err
route(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	char		 seg[24];
	uint64_t	 id;

	if (strcmp(req->path, "/api/tickets") == 0 ||
	    strcmp(req->path, "/api/tickets/") == 0) {
		switch (req->method) {
		case JTA_METHOD_GET:
		case JTA_METHOD_HEAD:
			return list(ctx, req, who, resp, err);
		case JTA_METHOD_POST:
			return create(ctx, req, who, resp, err);
		case JTA_METHOD_PUT:
		case JTA_METHOD_PATCH:
		case JTA_METHOD_DELETE:
		case JTA_METHOD_OTHER:
			break;
		}
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD, POST",
		    err);
	}
	if (!jta_req_path_segment(req, "/api/tickets/", "/", seg,
	    sizeof(seg)) && !jta_req_path_segment(req, "/api/tickets/", "",
	    seg, sizeof(seg)))
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "Not found.");
	if (jta_text_parse_uint(seg, strlen(seg), INT32_MAX, &id) != 0 ||
	    id == 0)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "Not found.");
	return item(ctx, req, who, (int64_t)id, resp, err);
}

static const struct jta_endpoint endpoint = {
	.name = "jta-tickets",
	.handle = route,
	.error = drf_error,
	.store_reads = 1,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
