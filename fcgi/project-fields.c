/*
 * GET /api/projects/{key}/fields[?type=NAME]: the fields of a project's
 * create screen for one issue type (the project's first without "type"),
 * so an assistant knows what to ask before POST /api/issues;
 * ?request_type=NAME: the fields of a service desk's request type, in the
 * same shape, before POST /api/requests.
 */
#include "config.h"

#include <string.h>

#include "jta_fcgi.h"
#include "jta_text.h"

static const struct jta_field query_fields[] = {
	{ "type", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
	/* Jira Service Management: a request type's fields instead */
	{ "request_type", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
};

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*out = NULL, *q = NULL;
	char		 key[JTA_LIMIT_PROJECT_KEY + 2];

	if (!jta_req_path_segment(req, "/api/projects/", "/fields", key,
	    sizeof(key)) || !jta_text_is_project_key(key, strlen(key)))
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
		    "there is no such project: a key is an upper-case letter "
		    "and up to %d upper-case letters or digits",
		    JTA_LIMIT_PROJECT_KEY - 1);
	if (req->method != JTA_METHOD_GET && req->method != JTA_METHOD_HEAD)
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD", err);
	if ((rc = jta_req_query(req, query_fields, 2, &q, err)) != JTA_OK)
		return rc;
	if (json_object_get(q, "request_type") != NULL) {
		if (json_object_get(q, "type") != NULL)
			rc = jta_error_set(err, JTA_ERR_INPUT, 422, "type",
			    "give type (an issue's create screen) or "
			    "request_type (a service-desk request), not both");
		else
			rc = ctx->backend->ops->sd_fields(ctx->backend, who,
			    key, json_string_value(json_object_get(q,
			    "request_type")), &out, err);
	} else
		rc = ctx->backend->ops->fields(ctx->backend, who, key,
		    json_string_value(json_object_get(q, "type")), &out, err);
	if (rc == JTA_OK)
		rc = jta_resp_json(resp, 200, out);
	json_decref(q);
	json_decref(out);
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-project-fields",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
