/*
 * GET /metrics: every worker's counters summed, in the Prometheus text
 * exposition format 0.0.4 (README.md "Metrics"; the format:
 * https://prometheus.io/docs/instrumenting/exposition_formats/).
 * No authentication of ours: the web server restricts the location
 * (nginx-conf/jta-admin-access.conf, apache-conf/jta.conf), as for the
 * admin page.  Not subject to the kill switch or the access rules
 * (JTA_ENDPOINT_OPEN): operators need it most while the service is off.
 */
#include "config.h"

#include <stdlib.h>

#include "jta_fcgi.h"
#include "jta_metrics.h"

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	enum jta_err	 rc;
	char		 dir[JTA_CONF_PATH_MAX + 16];
	char		*text = NULL;
	size_t		 len = 0;

	(void)who;
	if (req->method != JTA_METHOD_GET && req->method != JTA_METHOD_HEAD)
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD", err);
	if (!ctx->conf.metrics)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "metrics are off in this server's configuration "
		    "(metrics = off)");
	if (jta_metrics_dir(&ctx->conf, dir, sizeof(dir)) != JTA_OK)
		return JTA_ERR_CONFIG;
	if ((rc = jta_metrics_render(dir,
	    jta_backend_meta_entries(ctx->backend), &text, &len)) != JTA_OK)
		goto out;
	if ((rc = jta_resp_header(resp, "Cache-Control", "no-store")) !=
	    JTA_OK)
		goto out;
	rc = jta_resp_bytes(resp, 200, "text/plain; version=0.0.4; "
	    "charset=utf-8", text, len);
out:
	free(text);
	return rc;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-metrics",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
