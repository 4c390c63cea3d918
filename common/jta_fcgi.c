#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <fcgiapp.h>

#include "jta_arena.h"
#include "jta_audit.h"
#include "jta_auth.h"
#include "jta_endpoint.h"
#include "jta_db.h"
#include "jta_db_select.h"
#include "jta_fcgi.h"
#include "jta_fcgi_int.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_metrics.h"

extern char **environ;

/*
 * The FastCGI parameters a request indexes by name length: libfcgi's
 * FCGX_GetParam compares the name with every "NAME=value" in turn, a
 * strncmp each, and a request asks for about twenty (issue 16: 13,000
 * instructions of a full-text search's 256,000).  A request with more
 * parameters than this is answered by FCGX_GetParam, as before.
 */
#define PARAMS_INDEXED	128

/* Where one request comes from and goes to: FastCGI streams or stdio. */
struct io {
	FCGX_Request	*fcgi;		/* NULL for CGI */
	char		**envp;
	int		 indexed;	/* 1 params holds this request's, 0
					 * not yet, -1 too many */
	size_t		 nparams;
	struct {
		const char	*s;	/* "NAME=value" */
		size_t		 namelen;
	}		 params[PARAMS_INDEXED];
};

/* Index io's parameters: each entry's name length, up to its '=' (an
 * entry without one is never a match, as for FCGX_GetParam). */
static void
indexparams(struct io *io)
{
	char	**p;
	const char *eq;

	io->nparams = 0;
	io->indexed = 1;
	for (p = io->fcgi->envp; p != NULL && *p != NULL; p++) {
		if ((eq = strchr(*p, '=')) == NULL)
			continue;
		if (io->nparams == PARAMS_INDEXED) {
			io->indexed = -1;
			return;
		}
		io->params[io->nparams].s = *p;
		io->params[io->nparams].namelen = (size_t)(eq - *p);
		io->nparams++;
	}
}

/* The value of parameter name, FCGX_GetParam's: the first entry
 * "name=...", NULL when none. */
static const char *
getparam(const char *name, void *arg)
{
	struct io	*io = arg;
	size_t		 len, i;

	if (io->fcgi == NULL)
		return getenv(name);
	if (io->indexed == 0)
		indexparams(io);
	if (io->indexed < 0)
		return FCGX_GetParam(name, io->fcgi->envp);
	len = strlen(name);
	for (i = 0; i < io->nparams; i++)
		if (io->params[i].namelen == len &&
		    memcmp(io->params[i].s, name, len) == 0)
			return io->params[i].s + len + 1;
	return NULL;
}

static int
writeout(void *arg, const char *buf, size_t len)
{
	const struct io	*io = arg;

	if (io->fcgi != NULL) {
		if (len > INT32_MAX)
			return -1;
		return FCGX_PutStr(buf, (int)len, io->fcgi->out) ==
		    (int)len ? 0 : -1;
	}
	return fwrite(buf, 1, len, stdout) == len ? 0 : -1;
}

/* Push what was written to the web server now (FCGX_FFlush): a
 * streamed answer's pieces must not wait for the buffer to fill. */
static int
flushout(void *arg)
{
	const struct io	*io = arg;

	if (io->fcgi != NULL)
		return FCGX_FFlush(io->fcgi->out) == 0 ? 0 : -1;
	return fflush(stdout) == 0 ? 0 : -1;
}

/* Read exactly req->content_length bytes of body. */
static enum jta_err
readbody(struct io *io, struct jta_req *req, struct jta_error *err)
{
	size_t	 got = 0;
	int	 n;

	if (!req->has_body_length || req->content_length == 0)
		return JTA_OK;
	if ((req->body = malloc(req->content_length + 1)) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 503, NULL,
		    "the server is short of memory; try again");
	while (got < req->content_length) {
		if (io->fcgi != NULL)
			n = FCGX_GetStr(req->body + got,
			    (int)(req->content_length - got), io->fcgi->in);
		else
			n = (int)fread(req->body + got, 1,
			    req->content_length - got, stdin);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	req->body[got] = '\0';
	req->body_len = got;
	if (got != req->content_length)
		return jta_error_set(err, JTA_ERR_INPUT, 400, "body",
		    "the body is shorter than its Content-Length");
	return JTA_OK;
}

/*
 * SIGTERM (from spawn-fcgi's stop, systemd or the tests) ends the accept
 * loop: libfcgi's accept returns once shutdown is pending, the loop falls
 * through to the cleanup, and the process exits 0, so nothing is cut off
 * mid-request and leak checkers see a normal exit.
 */
static void
onterm(int sig)
{
	(void)sig;
	FCGX_ShutdownPending();
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec	 t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/*
 * Refuse what the endpoint table does not declare (jta_endpoint.h), before
 * anything else looks at the request: fail closed, never serve without
 * the rules.  A program without an entry answers 500: the fault is the
 * server's (a program installed without its declaration), and no client
 * can do anything about it; 403 would send them asking for a permission
 * that does not exist.  A path its entry does not declare answers 404,
 * "no such resource", as every handler answers a path it does not serve:
 * the web server routes only declared locations here, so the request can
 * only come past it, and the handler never sees it.
 */
static enum jta_err
declared(const struct jta_endpoint *ep, const struct jta_endpoint_def *def,
    const struct jta_req *req, const struct jta_endpoint_route **route,
    struct jta_error *err)
{
	*route = NULL;
	if (def == NULL) {
		jta_errorlog("refused: program %s has no entry in the endpoint "
		    "table (common/jta_endpoint.c)", ep->name);
		return jta_error_set(err, JTA_ERR_CONFIG, 500, NULL,
		    "this endpoint is not declared on the server, so it "
		    "serves nothing; the server log has details");
	}
	if ((*route = jta_endpoint_route(def, req->path)) == NULL) {
		jta_warn("refused: %s does not declare the path %.200s "
		    "(common/jta_endpoint.c)", def->program, req->path);
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "path",
		    "no such resource");
	}
	return JTA_OK;
}

/* A method route does not declare: 405 naming those it does, instead of
 * the handler. */
static enum jta_err
method_declared(const struct jta_endpoint_route *route,
    const struct jta_req *req, struct jta_resp *resp, struct jta_error *err)
{
	char	 allow[64];

	if (jta_endpoint_method(route, req->method) != NULL)
		return JTA_OK;
	jta_endpoint_allow(route, allow, sizeof(allow));
	return jta_fcgi_method_not_allowed(resp, allow, err);
}

/* The storage connection, out of handlers' sight (jta_fcgi_int.h). */
struct jta_ctx_private {
	struct jta_store	*store;
};

struct jta_store *
jta_fcgi_store(const struct jta_ctx *ctx)
{
	return ctx->priv->store;
}

static void
serve(struct jta_ctx *ctx, const struct jta_endpoint *ep,
    const struct jta_endpoint_def *def, struct io *io)
{
	struct jta_req	 req;
	struct jta_resp	 resp;
	struct jta_error err;
	struct jta_user	 who;
	struct jta_policy_op op;
	struct timespec	 t0;
	enum jta_err	 rc;
	int		 counted = 0, capped = 1, status;
	/* Undeclared: the strictest guard, though nothing is served. */
	enum jta_endpoint_guard guard = def != NULL ? def->guard :
	    JTA_ENDPOINT_RULES;
	const struct jta_endpoint_route *route = NULL;
	const char	*mep;
	char		 challenge[JTA_CONF_URL_MAX + 160];
	double		 ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Every JSON value of this request lives in its arena (jta_arena.h:
	 * nothing made here may outlive the request). */
	jta_arena_begin();
	/* A PostgreSQL connection lost since the last request connects
	 * again here, so every program resumes once the database is back,
	 * whatever its first statement (jta_db.h). */
	jta_store_reconnect(ctx->priv->store);
	/* The embedded store: the kill switch, the key and the quota
	 * check read in one read transaction (jta_db.h); Jira mode's
	 * requests wait on Jira and read as before. */
	if (ctx->conf.backend != JTA_BACKEND_JIRA)
		jta_store_reads_begin(ctx->priv->store);
	memset(&op, 0, sizeof(op));
	/* Not the 12 KB of items (jta_err.h); the request's 18 KB of
	 * text is emptied string by string in jta_req_init. */
	jta_error_begin(&err);
	memset(&who, 0, sizeof(who));
	op.endpoint = jta_endpoint_name(JTA_ENDPOINT_OTHER);
	io->indexed = 0;	/* this request's parameters, on first use */
	rc = jta_req_init_max(&req, getparam, io, ep->max_body != 0 ?
	    ep->max_body : JTA_LIMIT_BODY, &err);
	jta_log_set_request(req.id);
	jta_resp_init(&resp, writeout, io, req.id);
	resp.flush = flushout;
	resp.head_only = req.method == JTA_METHOD_HEAD;
	if (rc == JTA_OK)
		rc = readbody(io, &req, &err);
	if (rc == JTA_OK)
		rc = declared(ep, def, &req, &route, &err);
	if (rc == JTA_OK)
		jta_policy_op_classify(route, &req, ctx->conf.default_project,
		    &op);
	/* A program whose requests stand for operations (MCP) classifies
	 * them by what they run, and may refuse them (a foreign Origin)
	 * before anything else. */
	if (rc == JTA_OK && ep->classify != NULL)
		rc = ep->classify(ctx, &req, &op, &err);
	capped = ep->classify == NULL || op.rules;
	/* The operators' switches (jta_policy.h): the kill switch before
	 * anything else can happen, the access rules once we know who
	 * asks.  Checks that count or cap (usage, quotas) go beside
	 * jta_policy_check, on the same op. */
	if (rc == JTA_OK && guard != JTA_ENDPOINT_OPEN)
		rc = jta_policy_gate(ctx->policy, &err);
	if (rc == JTA_OK && guard == JTA_ENDPOINT_RULES)
		rc = jta_auth_bearer(ctx->priv->store, ctx->authz,
		    ctx->vault, &req, def->audience,
		    ctx->conf.oauth_audience_shared, &who, &err);
	if (rc == JTA_OK && guard == JTA_ENDPOINT_RULES)
		rc = jta_policy_check(ctx->policy, &req, &who, &op, &err);
	/* Quotas (jta_usage.h) on the same op; the handler's answer is
	 * counted below, each in its own short transaction. */
	if (rc == JTA_OK && guard == JTA_ENDPOINT_RULES && capped)
		rc = jta_usage_check(ctx->usage, &who, &op, &resp, &err);
	/* A method the table does not declare is answered here, where the
	 * handler answered it before the table: counted as a call, no rule
	 * applied (op has no class for it). */
	if (rc == JTA_OK) {
		counted = guard == JTA_ENDPOINT_RULES && capped;
		if (!ep->store_reads)
			jta_store_reads_end(ctx->priv->store);
		ctx->op = &op;
		if ((rc = method_declared(route, &req, &resp, &err)) ==
		    JTA_OK)
			rc = ep->handle(ctx, &req, guard == JTA_ENDPOINT_RULES ?
			    &who : NULL, &resp, &err);
		ctx->op = NULL;
	}
	if (rc != JTA_OK && resp.status == 0) {
		if (err.status == 0)
			jta_error_set(&err, rc, jta_err_status(rc), NULL,
			    "%s", rc == JTA_ERR_NOMEM ?
			    "the server is short of memory; try again" :
			    "the server failed; the log has details");
		/* RFC 6750 §3.1: a bearer token that was sent and refused
		 * (unknown, malformed, expired, revoked, issued for another
		 * resource, or standing for a broken Atlassian link) is
		 * invalid_token; a request with no bearer token at all gets
		 * no error code.  RFC 9728 §5.1: the challenge names the
		 * resource's metadata (the entry's audience: /mcp's for
		 * /mcp), where a client finds our authorization server. */
		if (err.status == 401 && (jta_authz_challenge(
		    ctx->conf.public_url, def != NULL ? def->audience :
		    JTA_ENDPOINT_AUD_API, strncasecmp(req.authorization,
		    "Bearer ", 7) == 0, challenge, sizeof(challenge)) !=
		    JTA_OK || jta_resp_header(&resp, "WWW-Authenticate",
		    challenge) != JTA_OK))
			jta_warn("could not add WWW-Authenticate");
		if ((ep->error != NULL ? ep->error(&resp, &err) :
		    jta_resp_problem(&resp, &err)) != JTA_OK)
			jta_warn("could not send the error response");
	}
	/* A tool call refused before it ran was that operation's
	 * refusal, whatever status carried the answer. */
	if (rc != JTA_OK && op.tool != NULL && op.status == 0)
		op.status = err.status;
	status = op.status != 0 ? op.status : resp.status;
	/* The audit log: every change by a person, refusals too. */
	if (def != NULL && guard != JTA_ENDPOINT_OPEN)
		jta_audit_request(ctx->priv->store, ctx->conf.backend ==
		    JTA_BACKEND_JIRA, &req, &who, &op, &resp, &err);
	/* Before anything is counted: the next request reads anew. */
	jta_store_reads_end(ctx->priv->store);
	if (counted)
		jta_usage_count(ctx->usage, &who, &op, status);
	ms = ms_since(&t0);
	/* Metrics by the table's names; a request no route covers counts
	 * under its program's. */
	mep = op.endpoint;
	if (strcmp(mep, jta_endpoint_name(JTA_ENDPOINT_OTHER)) == 0 &&
	    def != NULL)
		mep = jta_endpoint_name(def->name);
	jta_metrics_request(mep, status, ms / 1e3);
	jta_info("%s %.200s status=%d ms=%.2f user=%s error=%s field=%s",
	    req.method_name, req.path, resp.status, ms,
	    who.name[0] ? who.name : "-", rc != JTA_OK ? jta_err_name(rc) :
	    "-", rc != JTA_OK && err.field[0] ? err.field : "-");
	if (ep->done != NULL)
		ep->done();
	jta_req_clear(&req);
	jta_log_set_request(NULL);
	jta_arena_end();
}

enum jta_err
jta_fcgi_method_not_allowed(struct jta_resp *resp, const char *allow,
    struct jta_error *err)
{
	if (jta_resp_header(resp, "Allow", allow) != JTA_OK)
		return JTA_ERR_INTERNAL;
	return jta_error_set(err, JTA_ERR_INPUT, 405, "method",
	    "this resource accepts %s", allow);
}

enum jta_err
jta_fcgi_location_issue(const struct jta_ctx *ctx, struct jta_resp *resp,
    const char *key)
{
	char	 loc[JTA_CONF_URL_MAX + JTA_LIMIT_ISSUE_KEY + 16];

	if (key == NULL)
		return JTA_OK;
	snprintf(loc, sizeof(loc), "%s/api/issues/%s", ctx->conf.public_url,
	    key);
	return jta_resp_header(resp, "Location", loc);
}

int
jta_fcgi_main(const struct jta_endpoint *ep)
{
	struct jta_ctx	 ctx;
	struct jta_ctx_private priv;
	const struct jta_endpoint_def *def = jta_endpoint_get(ep->name);
	FCGX_Request	 fr;
	struct io	 io;
	struct jta_authz_cimd cimd;
	char		 msg[768];
	int		 status = 78;	/* EX_CONFIG */
	int		 http = 0;	/* libcurl initialised */

	memset(&ctx, 0, sizeof(ctx));
	memset(&priv, 0, sizeof(priv));
	ctx.priv = &priv;
	jta_log_init(ep->name);
	jta_arena_json_install();
	if (def == NULL)
		jta_errorlog("program %s has no entry in the endpoint table "
		    "(common/jta_endpoint.c): every request is refused",
		    ep->name);
	signal(SIGPIPE, SIG_IGN);	/* a gone client is an error return */
	if (jta_conf_load(&ctx.conf, NULL, msg, sizeof(msg)) != JTA_OK) {
		jta_errorlog("configuration: %s", msg);
		goto out;
	}
	jta_log_set_level((enum jta_log_level)ctx.conf.log_level);
	jta_audit_set_retention(ctx.conf.audit_retention_days);
	if (jta_metrics_open(&ctx.conf, ep->name, msg, sizeof(msg)) !=
	    JTA_OK) {
		jta_errorlog("configuration %s: %s", ctx.conf.path, msg);
		goto out;
	}
	if (jta_vault_open(ctx.conf.vault_key_file, &ctx.vault, msg,
	    sizeof(msg)) != JTA_OK) {
		jta_errorlog("configuration %s: %s", ctx.conf.path, msg);
		goto out;
	}
	/* The SQLite file of 'database', or PostgreSQL when database_url
	 * is set (README "Several hosts on PostgreSQL"); a PostgreSQL
	 * server that is away at start-up is waited out, closed (503). */
	if (jta_db_open(&ctx.conf, JTA_STORE_LAZY, &priv.store, msg,
	    sizeof(msg)) != JTA_OK) {
		jta_errorlog("configuration %s: %s%s", ctx.conf.path,
		    ctx.conf.database_url[0] != '\0' ? "" :
		    "key 'database': ", msg);
		goto out;
	}
	if (ctx.conf.backend == JTA_BACKEND_JIRA) {
		if (jta_vault_keys_load(ctx.vault, ctx.conf.token_key_file,
		    msg, sizeof(msg)) != JTA_OK) {
			jta_errorlog("configuration %s: key 'token_key_file': "
			    "%s", ctx.conf.path, msg);
			goto out;
		}
		if (jta_vault_secret_read(ctx.conf.atlassian_client_secret_file,
		    "atlassian_client_secret_file", &ctx.client_secret, msg,
		    sizeof(msg)) != JTA_OK) {
			jta_errorlog("configuration %s: %s", ctx.conf.path,
			    msg);
			goto out;
		}
		if (jta_http_global_init() != JTA_OK) {
			jta_errorlog("libcurl failed to initialise");
			status = 71;
			goto out;
		}
		http = 1;
		jta_oauth_init(&ctx.oauth, &ctx.conf, priv.store, ctx.vault,
		    ctx.client_secret);
	}
	if (jta_backend_new(&ctx.conf, priv.store, &ctx.oauth, &ctx.backend) !=
	    JTA_OK) {
		jta_errorlog("out of memory");
		status = 71;
		goto out;
	}
	ctx.backend->vault = ctx.vault;
	if (jta_authz_new(priv.store, ctx.vault, &ctx.authz) != JTA_OK ||
	    jta_policy_new(&ctx.conf, priv.store, ctx.backend, &ctx.policy) !=
	    JTA_OK) {
		jta_errorlog("out of memory");
		status = 71;
		goto out;
	}
	/* Client ID Metadata Documents are fetched with libcurl. */
	cimd.enabled = ctx.conf.oauth_client_metadata_documents;
	cimd.allow_loopback = ctx.conf.client_metadata_allow_loopback;
	cimd.ca_file = ctx.conf.client_metadata_test_ca_file;
	jta_authz_set_cimd(ctx.authz, &cimd);
	if (cimd.enabled && !http) {
		if (jta_http_global_init() != JTA_OK) {
			jta_errorlog("libcurl failed to initialise");
			status = 71;
			goto out;
		}
		http = 1;
	}
	if (jta_usage_new_shared(&ctx.conf, priv.store, &ctx.usage, msg,
	    sizeof(msg)) != JTA_OK) {
		jta_errorlog("configuration %s: usage counting: %s",
		    ctx.conf.path, msg);
		goto out;
	}
	/* The files kept with drafts count where they are kept. */
	ctx.backend->usage = ctx.usage;
	if (FCGX_Init() != 0) {
		jta_errorlog("FCGX_Init failed");
		status = 71;	/* EX_OSERR */
		goto out;
	}
	status = 0;
	memset(&io, 0, sizeof(io));
	if (FCGX_IsCGI()) {
		serve(&ctx, ep, def, &io);
		fflush(stdout);
		goto out;
	}
	if (FCGX_InitRequest(&fr, 0, 0) != 0) {
		jta_errorlog("FCGX_InitRequest failed");
		status = 71;
		goto out;
	}
	jta_info("serving backend=%s database=%s", ctx.backend->ops->name,
	    ctx.conf.database_url[0] != '\0' ? "postgresql" :
	    ctx.conf.database);
	io.fcgi = &fr;
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = onterm;	/* no SA_RESTART: accept returns */
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}
	while (FCGX_Accept_r(&fr) >= 0) {
		serve(&ctx, ep, def, &io);
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 1);
	jta_info("stopping");
out:
	if (http)
		jta_http_global_free();
	jta_secret_free(ctx.client_secret);
	jta_policy_free(ctx.policy);
	jta_usage_free(ctx.usage);
	jta_backend_free(ctx.backend);
	jta_authz_free(ctx.authz);
	jta_store_close(priv.store);
	jta_vault_close(ctx.vault);
	jta_metrics_close();
	return status;
}
