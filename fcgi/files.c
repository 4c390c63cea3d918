/* A kept file of the embedded store: GET or HEAD /files/{id}?e=&s=, the
 * signed, expiring link getIssue gives (jta_files.h).  No API key: the
 * link is the capability. */
#include "config.h"

#include "jta_fcgi.h"
#include "jta_files.h"
#include "jta_time.h"

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	(void)who;
	return jta_files_serve(ctx->backend, req, jta_time_now(), resp, err);
}

static const struct jta_endpoint endpoint = {
	.name = "jta-files",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
