/*
 * GET /api/projects/{key}/fields[?type=NAME]: the fields of a project's
 * create screen for one issue type (the project's first without "type"),
 * so an assistant knows what to ask before POST /api/issues (operation
 * getCreateFields, jta_operation.h); ?request_type=NAME: the fields of a
 * service desk's request type, in the same shape, before a raise.
 */
#include "config.h"

#include <string.h>

#include "jta_fcgi.h"
#include "jta_operation.h"
#include "jta_text.h"

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*out = NULL;
	char		 key[JTA_LIMIT_PROJECT_KEY + 2];

	if (!jta_req_path_segment(req, "/api/projects/", "/fields", key,
	    sizeof(key)) || !jta_text_is_project_key(key, strlen(key)))
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
		    "there is no such project: a key is an upper-case letter "
		    "and up to %d upper-case letters or digits",
		    JTA_LIMIT_PROJECT_KEY - 1);
	if (req->method != JTA_METHOD_GET && req->method != JTA_METHOD_HEAD)
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD", err);
	rc = jta_operation_answer(jta_operation_get("getCreateFields"), ctx,
	    req, who, key, resp, &out, err);
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
