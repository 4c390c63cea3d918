/*
 * The issue collection: GET /api/issues searches, POST /api/issues
 * creates.  /oauth/issues, the seed's name for it, is the same resource.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jta_fcgi.h"
#include "jta_once.h"
#include "jta_time.h"

static const char *const mine_values[] = { "reported", "assigned", NULL };

static const struct jta_field search_fields[] = {
	{ "text", JTA_FT_STRING, 0, 1, JTA_LIMIT_TEXT_QUERY, NULL },
	{ "project", JTA_FT_PROJECT, 0, 0, 0, NULL },
	/* status and priority: the backend checks the names (a Jira site
	 * has its own). */
	{ "status", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
	{ "type", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
	{ "priority", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
	{ "label", JTA_FT_STRING, 0, 1, JTA_LIMIT_LABEL, NULL },
	/* a user name, an email or an Atlassian account id, as create
	 * takes them: the backend resolves it */
	{ "assignee", JTA_FT_STRING, 0, 1, JTA_LIMIT_EMAIL, NULL },
	{ "reporter", JTA_FT_STRING, 0, 1, JTA_LIMIT_EMAIL, NULL },
	{ "mine", JTA_FT_ENUM, 0, 0, 0, mine_values },
	{ "created_after", JTA_FT_TIME, 0, 0, 0, NULL },
	{ "created_before", JTA_FT_TIME, 0, 0, 0, NULL },
	{ "updated_after", JTA_FT_TIME, 0, 0, 0, NULL },
	{ "updated_before", JTA_FT_TIME, 0, 0, 0, NULL },
	{ "order", JTA_FT_ENUM, 0, 0, 0, jta_backend_orders },
	{ "limit", JTA_FT_UINT, 0, 1, JTA_LIMIT_PAGE_MAX, NULL },
	{ "cursor", JTA_FT_STRING, 0, 1, JTA_LIMIT_CURSOR, NULL },
	/* backend = jira: a JQL query of the person's own. */
	{ "jql", JTA_FT_STRING, 0, 1, JTA_LIMIT_JQL, NULL },
};

#define N(t)	(sizeof(t) / sizeof((t)[0]))

static const char *
str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static enum jta_err
search(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	struct jta_search q;
	json_t		*p = NULL, *out = NULL;
	const char	*mine;

	if ((rc = jta_req_query(req, search_fields, N(search_fields), &p,
	    err)) != JTA_OK)
		return rc;
	memset(&q, 0, sizeof(q));
	q.text = str(p, "text");
	q.project = str(p, "project");
	q.status = str(p, "status");
	q.type = str(p, "type");
	q.priority = str(p, "priority");
	q.label = str(p, "label");
	q.assignee = str(p, "assignee");
	q.reporter = str(p, "reporter");
	q.created_from = json_integer_value(json_object_get(p,
	    "created_after"));
	q.created_to = json_integer_value(json_object_get(p,
	    "created_before"));
	q.updated_from = json_integer_value(json_object_get(p,
	    "updated_after"));
	q.updated_to = json_integer_value(json_object_get(p,
	    "updated_before"));
	q.order = str(p, "order");
	q.limit = (size_t)json_integer_value(json_object_get(p, "limit"));
	q.cursor = str(p, "cursor");
	q.jql = str(p, "jql");
	if ((mine = str(p, "mine")) != NULL) {
		const char **slot = strcmp(mine, "reported") == 0 ?
		    &q.reporter : &q.assignee;

		if (*slot != NULL && strcmp(*slot, who->name) != 0) {
			rc = jta_error_set(err, JTA_ERR_INPUT, 422, "mine",
			    "mine=%s contradicts the %s given", mine,
			    slot == &q.reporter ? "reporter" : "assignee");
			goto out;
		}
		*slot = who->name;
	}
	if ((rc = ctx->backend->ops->search(ctx->backend, who, &q, &out,
	    err)) == JTA_OK)
		rc = jta_resp_json(resp, 200, out);
out:
	json_decref(out);
	json_decref(p);
	return rc;
}

/* POST with an Idempotency-Key header: the key is checked and the
 * create runs exactly once per key and request (jta_once). */
static enum jta_err
idempotent(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const json_t *f, int *status, json_t **out,
    struct jta_error *err)
{
	char		 key[JTA_LIMIT_IDEMPOTENCY_KEY + 1];
	enum jta_err	 rc;

	if ((rc = jta_once_key_parse(req->idempotency_key,
	    strlen(req->idempotency_key), key, err)) != JTA_OK)
		return rc;
	return jta_once_issue_create(ctx->backend, ctx->vault, who, key,
	    req->method_name, req->path, req->body, req->body_len, f,
	    jta_time_now(), status, out, err);
}

static enum jta_err
create(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	int		 status = 201;
	json_t		*f = NULL, *out = NULL, *q = NULL, *prep = NULL;

	if ((rc = jta_req_query(req, NULL, 0, &q, err)) != JTA_OK ||
	    (rc = jta_req_json(req, jta_backend_create_fields,
	    jta_backend_ncreate_fields, &f, err)) != JTA_OK)
		goto out;
	/* Resolve every name first (all problems in one 422), then file
	 * exactly that; with an Idempotency-Key, exactly once (jta_once). */
	if (req->has_idempotency_key) {
		if ((rc = idempotent(ctx, req, who, f, &status, &out,
		    err)) != JTA_OK)
			goto out;
	} else if ((rc = ctx->backend->ops->prepare(ctx->backend, who, f,
	    &prep, err)) != JTA_OK ||
	    (rc = ctx->backend->ops->create(ctx->backend, who, prep, NULL,
	    &out, err)) != JTA_OK)
		goto out;
	/* The created resource (RFC 9110 §10.2.2) is the API's issue; "url"
	 * is the page a person opens. */
	if ((rc = jta_fcgi_location_issue(ctx, resp, str(out, "key"))) !=
	    JTA_OK)
		goto out;
	rc = jta_resp_json(resp, status, out);
out:
	json_decref(q);
	json_decref(f);
	json_decref(prep);
	json_decref(out);
	return rc;
}

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	if (strcmp(req->path, "/api/issues") != 0 &&
	    strcmp(req->path, "/oauth/issues") != 0)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "path",
		    "no such resource");
	switch (req->method) {
	case JTA_METHOD_GET:
	case JTA_METHOD_HEAD:
		return search(ctx, req, who, resp, err);
	case JTA_METHOD_POST:
		return create(ctx, req, who, resp, err);
	case JTA_METHOD_PUT:
	case JTA_METHOD_PATCH:
	case JTA_METHOD_DELETE:
	case JTA_METHOD_OTHER:
		break;
	}
	return jta_fcgi_method_not_allowed(resp, "GET, HEAD, POST", err);
}

static const struct jta_endpoint endpoint = {
	.name = "jta-issues",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
