/*
 * Knowledge before tickets (README.md "Knowledge before tickets"):
 * GET /api/knowledge?text=...[&space=KEY][&limit=N] searches the
 * articles the person may read (the embedded knowledge base, and in Jira
 * mode Confluence as the person); GET /api/knowledge/{id} reads one as
 * Markdown, cut with a note under the response cap; POST
 * /api/knowledge/{id}/helped records that it answered the person.
 */
#include "config.h"

#include <string.h>

#include "jta_fcgi.h"

static const struct jta_field fields[] = {
	{ "text", JTA_FT_STRING, JTA_F_REQUIRED, 1, JTA_LIMIT_TEXT_QUERY,
	    NULL },
	{ "space", JTA_FT_STRING, 0, 1, JTA_LIMIT_KB_SPACE, NULL },
	{ "limit", JTA_FT_UINT, 0, 1, JTA_LIMIT_KB_MAX, NULL },
};

/* 1 when s is made of what a Confluence space key or our article ids
 * hold: ASCII letters, digits, '-', '_' and (personal spaces) '~'. */
static int
plain(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		    *s == '~'))
			return 0;
	return 1;
}

static enum jta_err
search(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*p = NULL, *out = NULL;
	const json_t	*lim;
	const char	*space;

	if ((rc = jta_req_query(req, fields, sizeof(fields) /
	    sizeof(fields[0]), &p, err)) != JTA_OK)
		return rc;
	space = json_string_value(json_object_get(p, "space"));
	if (space != NULL && !plain(space)) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, "space",
		    "a space key is letters, digits, '-', '_' or '~'");
		goto out;
	}
	lim = json_object_get(p, "limit");
	if ((rc = ctx->backend->ops->knowledge(ctx->backend, who,
	    json_string_value(json_object_get(p, "text")), space, lim !=
	    NULL ? (size_t)json_integer_value(lim) : JTA_LIMIT_KB_DEFAULT,
	    &out, err)) == JTA_OK)
		rc = jta_resp_json(resp, 200, out);
out:
	json_decref(out);
	json_decref(p);
	return rc;
}

/*
 * GET /api/knowledge/{id} reads an article; POST
 * /api/knowledge/{id}/helped records that it answered the person
 * (answered from knowledge, the deflection figure; no body).
 */
static enum jta_err
one(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, int helped, struct jta_resp *resp,
    struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*q = NULL, *out = NULL;
	char		 id[JTA_LIMIT_KB_ID + 1];

	if (!jta_req_path_segment(req, "/api/knowledge/", helped ?
	    "/helped" : "", id, sizeof(id)) || !plain(id))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "id",
		    "an article id is letters, digits and '-', at most 64 "
		    "characters, as a search returned it");
	if ((rc = jta_req_query(req, NULL, 0, &q, err)) != JTA_OK)
		return rc;
	json_decref(q);
	if (helped && req->body_len > 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "body",
		    "send no body: the article's id says it all");
	rc = helped ? ctx->backend->ops->helped(ctx->backend, who, id, &out,
	    err) : ctx->backend->ops->article(ctx->backend, who, id, &out,
	    err);
	if (rc == JTA_OK)
		rc = jta_resp_json(resp, 200, out);
	json_decref(out);
	return rc;
}

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	size_t	 n = strlen(req->path);
	int	 helped = n > 7 && strcmp(req->path + n - 7, "/helped") == 0;

	if (helped) {
		if (req->method != JTA_METHOD_POST)
			return jta_fcgi_method_not_allowed(resp, "POST", err);
		return one(ctx, req, who, 1, resp, err);
	}
	if (req->method != JTA_METHOD_GET && req->method != JTA_METHOD_HEAD)
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD", err);
	if (strcmp(req->path, "/api/knowledge") == 0)
		return search(ctx, req, who, resp, err);
	return one(ctx, req, who, 0, resp, err);
}

static const struct jta_endpoint endpoint = {
	.name = "jta-knowledge",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
