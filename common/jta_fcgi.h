/*
 * The serving loop every endpoint program runs: read the configuration,
 * open the vault, the store and the backend once, then accept requests
 * with libfcgi's fcgiapp (fd 0 is the listening socket, as spawn-fcgi and
 * systemd's StandardInput=socket hand it over), or serve exactly one
 * request as plain CGI when started that way.  Each request is parsed and
 * bounded (jta_req), checked against the program's entry in the endpoint
 * table (jta_endpoint.h: what it does not declare is refused), stopped
 * by the kill switch (jta_policy_gate, before authentication),
 * authenticated when the entry asks, checked against the access rules
 * (jta_policy_check), handed to the endpoint's handler, and logged in
 * one line and counted for /metrics (jta_metrics_request, by the
 * table's names).  A handler that fails
 * without answering gets its error sent as problem+json; the worker keeps
 * serving.
 */
#ifndef JTA_FCGI_H
#define JTA_FCGI_H

#include "jta_authz.h"
#include "jta_backend.h"
#include "jta_conf.h"
#include "jta_http.h"
#include "jta_oauth.h"
#include "jta_policy.h"
#include "jta_req.h"
#include "jta_resp.h"
#include "jta_types.h"
#include "jta_usage.h"
#include "jta_vault.h"

/* The part of the context only common/ reaches (jta_fcgi_int.h): the
 * storage connection. */
struct jta_ctx_private;

/*
 * What a handler may use; opened once per process.  Handlers get
 * operations, never storage: the backend (tickets, projects, search; and
 * through jta_once the drafts and exactly-once creates), the
 * authorization server, the operators' switches and the usage counts.
 * The page's operator actions are jta_operator_fcgi over this context.
 */
struct jta_ctx {
	struct jta_conf		 conf;
	struct jta_vault	*vault;
	struct jta_backend	*backend;
	/* backend = jira: the Atlassian app's secret and the OAuth state. */
	struct jta_secret	*client_secret;
	struct jta_oauth	 oauth;
	/* Our OAuth authorization server (jta_authz.h), which also audits
	 * its sign-ins. */
	struct jta_authz	*authz;
	/* The kill switch, the access rules and /healthz (jta_policy.h). */
	struct jta_policy	*policy;
	/* Usage counting and quotas (jta_usage.h). */
	struct jta_usage	*usage;
	/* The request being served as the checks classified it (valid
	 * during the handler): a program answering for another channel
	 * (fcgi/mcp.c) records there what the operation came to
	 * (jta_policy_op's status and key). */
	struct jta_policy_op	*op;
	struct jta_ctx_private	*priv;
};

/*
 * A handler answers req through resp and returns JTA_OK, or returns an
 * error with err filled and sends nothing (the loop sends the problem).
 * who is the authenticated user, or NULL for an endpoint without auth.
 */
typedef enum jta_err (*jta_handler)(struct jta_ctx *ctx,
    const struct jta_req *req, const struct jta_user *who,
    struct jta_resp *resp, struct jta_error *err);

/* Sends err in the endpoint's own error shape (see /api/tickets/). */
typedef enum jta_err (*jta_error_writer)(struct jta_resp *resp,
    const struct jta_error *err);

/*
 * What an endpoint program brings to the loop.  Everything else about it
 * (the locations it serves, the methods, the operation class for the
 * access rules, the project, whether the kill switch, an API key and the
 * rules apply, its metrics name) is its entry in the endpoint table
 * (jta_endpoint.h), found by name; a program without one is refused.
 */
struct jta_endpoint {
	const char	*name;		/* program name: the table's key */
	jta_handler	 handle;
	jta_error_writer error;		/* NULL: RFC 9457 problem+json */
	/*
	 * NULL, or a program whose requests stand for other operations
	 * (the MCP endpoint: a tools/call is the REST operation its tool
	 * is): called after the table classified the request and before
	 * the kill switch and authentication, it may refuse the request
	 * (err filled) and may classify it again in op (name, class,
	 * project, tool, as) from its body.  A request it leaves without
	 * rules (op->rules 0: a protocol message, not an operation) is
	 * neither capped by quotas nor counted as usage.
	 */
	enum jta_err	(*classify)(struct jta_ctx *ctx,
			    const struct jta_req *req, struct jta_policy_op *op,
			    struct jta_error *err);
	/*
	 * NULL, or called at the end of every request, after the audit and
	 * usage have read op and before the request's JSON is released
	 * (jta_arena.h): a program that keeps the request's state in
	 * statics (the MCP endpoint's message) drops it here, since none
	 * of it may outlive the request.
	 */
	void		(*done)(void);
	/* The largest body this program reads (413 above it); 0:
	 * JTA_LIMIT_BODY.  A JSON body is still bounded by
	 * JTA_LIMIT_BODY when it is parsed (jta_req_parse_json). */
	size_t		 max_body;
	/* 1: with the embedded store, the handler's reads join the
	 * request's read transaction (jta_store_reads_begin), for a
	 * program whose handler waits on nothing but the database; 0:
	 * it ends before the handler runs. */
	int		 store_reads;
};

/* Run ep until the web server closes the socket; returns the process's
 * exit status (78, EX_CONFIG, when the configuration is wrong). */
int jta_fcgi_main(const struct jta_endpoint *ep);

/*
 * Answer 405 naming the allowed methods (a comma list, e.g. "GET, POST")
 * in an Allow header (RFC 9110 §15.5.6).
 */
enum jta_err jta_fcgi_method_not_allowed(struct jta_resp *resp,
    const char *allow, struct jta_error *err) JTA_WUR;

/*
 * Set Location to the API's issue key (public_url/api/issues/KEY), the
 * resource a create made (RFC 9110 §10.2.2); the issue's "url" is the page
 * a person opens, not this.  Nothing is set when key is NULL.
 */
enum jta_err jta_fcgi_location_issue(const struct jta_ctx *ctx,
    struct jta_resp *resp, const char *key) JTA_WUR;

#endif
