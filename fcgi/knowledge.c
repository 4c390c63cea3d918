/*
 * Knowledge before tickets (README.md "Knowledge before tickets"):
 * GET /api/knowledge?text=...[&space=KEY][&limit=N] searches the
 * articles the person may read (operation searchKnowledge), GET
 * /api/knowledge/{id} reads one as Markdown, cut with a note under the
 * response cap (getKnowledgeArticle), POST /api/knowledge/{id}/helped
 * records that it answered the person (markKnowledgeHelped).  The
 * operations, with their checks, are the operation table's
 * (jta_operation.h); this program maps paths and methods.
 */
#include "config.h"

#include <string.h>

#include "jta_fcgi.h"
#include "jta_operation.h"
#include "jta_text.h"

/* Run operation name for req with the article id (NULL: none). */
static enum jta_err
run(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *name, const char *id,
    struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*out = NULL;

	rc = jta_operation_answer(jta_operation_get(name), ctx, req, who, id,
	    resp, &out, err);
	json_decref(out);
	return rc;
}

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	size_t	 n = strlen(req->path);
	int	 helped = n > 7 && strcmp(req->path + n - 7, "/helped") == 0;
	char	 id[JTA_LIMIT_KB_ID + 1];

	if (helped) {
		if (req->method != JTA_METHOD_POST)
			return jta_fcgi_method_not_allowed(resp, "POST", err);
	} else if (req->method != JTA_METHOD_GET &&
	    req->method != JTA_METHOD_HEAD)
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD", err);
	if (!helped && strcmp(req->path, "/api/knowledge") == 0)
		return run(ctx, req, who, "searchKnowledge", NULL, resp, err);
	if (!jta_req_path_segment(req, "/api/knowledge/", helped ?
	    "/helped" : "", id, sizeof(id)) ||
	    !jta_text_is_kb_name(id, strlen(id)))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "id",
		    "an article id is letters, digits and '-', at most %d "
		    "characters, as a search returned it", JTA_LIMIT_KB_ID);
	return run(ctx, req, who, helped ? "markKnowledgeHelped" :
	    "getKnowledgeArticle", id, resp, err);
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
