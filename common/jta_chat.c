/*
 * Our own agent's loop (jta_chat.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_arena.h"
#include "jta_chat.h"
#include "jta_endpoint.h"
#include "jta_fcgi.h"
#include "jta_fcgi_int.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_metrics.h"
#include "jta_once.h"
#include "jta_operation.h"
#include "jta_policy.h"
#include "jta_resp.h"
#include "jta_store_chat.h"
#include "jta_time.h"

/* The operation table as tools: made once per process (it never
 * changes), outside the request's arena (jta_arena.h), released at exit
 * with the process. */
static json_t	*tools;

/* What a streamed answer needs in its callbacks. */
struct flow {
	const struct jta_chat_events *ev;
	int		 gone;		/* the person went away */
};

static int
ondelta(const char *text, size_t len, void *arg)
{
	struct flow	*f = arg;
	json_t		*d;
	int		 r;

	if ((d = json_pack("{s:s%}", "text", text, len)) == NULL)
		return -1;
	r = f->ev->send(f->ev->arg, "delta", d);
	json_decref(d);
	if (r != 0)
		f->gone = 1;
	return r;
}

/* Send event name with data (a new object, taken); -1: gone or memory. */
static int
emit(struct flow *f, const char *name, json_t *data)
{
	int	 r;

	if (data == NULL)
		return -1;
	r = f->ev->send(f->ev->arg, name, data);
	json_decref(data);
	if (r != 0)
		f->gone = 1;
	return r;
}

/* The `error` event for err, which ends the stream. */
static enum jta_err
fail(struct flow *f, const struct jta_error *err, const char *request_id)
{
	json_t	*p = jta_resp_problem_json(err, request_id);

	if (p == NULL)
		return JTA_ERR_NOMEM;
	if (emit(f, "error", json_pack("{s:o}", "problem", p)) != 0)
		return f->gone ? JTA_ERR_IO : JTA_ERR_NOMEM;
	return JTA_OK;
}

/* A tool's result for the model: {"error": problem} from err. */
static json_t *
toolproblem(const struct jta_error *err, const char *request_id)
{
	json_t	*p = jta_resp_problem_json(err, request_id);

	return p != NULL ? json_pack("{s:o}", "error", p) : NULL;
}

/*
 * Run one tool call as who over req: *status says how it went for the
 * `tool` event ("done", "failed", "pending", "unknown"); the result is a
 * new object for the model, NULL when memory ran out.  A consequential
 * call is kept as a pending action and *pending is its `preview` event's
 * data (new, the caller's).
 */
static json_t *
runtool(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const struct jta_chat_conv *conv,
    const struct jta_llm_call *c, const char **status, json_t **pending)
{
	const struct jta_operation *op;
	struct jta_error *err = NULL;
	struct jta_policy_op pop;
	struct jta_req	 as;
	json_error_t	 je;
	json_t		*args = NULL, *in = NULL, *out = NULL, *res = NULL;
	/* The longest path parameter: a knowledge article id. */
	char		 param[JTA_LIMIT_KB_ID + 1];
	char		 action[JTA_LIMIT_DRAFT_ID + 1];
	int		 st = 0, made = 0;

	memset(&as, 0, sizeof(as));
	*status = "failed";
	*pending = NULL;
	/* struct jta_error is large: on the heap, not the stack. */
	if ((err = calloc(1, sizeof(*err))) == NULL)
		goto out;
	if ((op = jta_operation_get(c->name)) == NULL) {
		*status = "unknown";
		jta_error_set(err, JTA_ERR_INPUT, 404, "name",
		    "there is no tool of that name; use the tools listed");
		res = toolproblem(err, req->id);
		goto out;
	}
	if (c->args.len == 0)
		args = json_object();
	else if ((args = json_loadb(c->args.p, c->args.len,
	    JSON_REJECT_DUPLICATES, &je)) == NULL || !json_is_object(args)) {
		jta_error_set(err, JTA_ERR_INPUT, 422, "arguments",
		    "the arguments must be one JSON object");
		res = toolproblem(err, req->id);
		goto out;
	}
	if (args == NULL)
		goto out;
	if (jta_operation_args(op, args, param, sizeof(param), &in, err) !=
	    JTA_OK) {
		res = toolproblem(err, req->id);
		goto out;
	}
	/* The confirm rule: a consequential operation is never run for
	 * the model.  It is kept as the person's pending action; only
	 * their confirm (POST /api/chat/confirm) runs it. */
	if (op->flags & JTA_OP_CONSEQUENTIAL) {
		jta_once_id("a_", action);
		if (jta_store_chat_action_put(jta_fcgi_store(ctx), who->id,
		    action, conv->id, op->name, args, jta_time_now(), err) !=
		    JTA_OK) {
			res = toolproblem(err, req->id);
			goto out;
		}
		*status = "pending";
		*pending = json_pack("{s:s, s:s, s:O}", "action", action,
		    "tool", op->name, "arguments", args);
		res = json_pack("{s:s, s:s}", "pending", "the person was shown "
		    "this and confirms it themselves; nothing is done until "
		    "they do. Tell them what it will do", "action", action);
		goto out;
	}
	if (jta_operation_request(op, args, req, &as) != JTA_OK)
		goto out;
	made = 1;
	/* The access rules on the REST request the tool stands for, as
	 * for MCP's tools/call (fcgi/mcp.c). */
	jta_policy_op_from_req(&as, ctx->conf.default_project, &pop);
	if (jta_policy_check(ctx->policy, &as, who, &pop, err) != JTA_OK ||
	    op->run(ctx, &as, who, param[0] ? param : NULL, in, &st, &out,
	    err) != JTA_OK) {
		if (err->status == 0)
			jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
			    "the server failed; the log has details");
		res = toolproblem(err, req->id);
		goto out;
	}
	*status = "done";
	res = out;
	out = NULL;
out:
	if (made)
		jta_operation_request_clear(&as);
	json_decref(args);
	json_decref(in);
	json_decref(out);
	free(err);
	return res;
}

/*
 * The `preview` event of a draft the model made or changed (createDraft,
 * updateDraft): {draft, revision, preview}, the ticket as it would be
 * filed.  Filing it is submitDraft, a consequential call: a pending
 * action the person confirms.  NULL when name is not such a row or res
 * is not a draft.
 */
static json_t *
draftpreview(const char *name, const json_t *res)
{
	const struct jta_operation *op = jta_operation_get(name);
	const json_t	*id, *rev, *pv;

	if (op == NULL || strncmp(op->path, "/api/drafts", 11) != 0 ||
	    (op->method != JTA_METHOD_POST && op->method != JTA_METHOD_PATCH) ||
	    (op->flags & JTA_OP_CONSEQUENTIAL))
		return NULL;
	id = json_object_get(res, "id");
	rev = json_object_get(res, "revision");
	pv = json_object_get(res, "preview");
	if (!json_is_string(id) || !json_is_integer(rev) || !json_is_object(pv))
		return NULL;
	return json_pack("{s:O, s:O, s:O}", "draft", id, "revision", rev,
	    "preview", pv);
}

enum jta_err
jta_chat_open(struct jta_ctx *ctx, const struct jta_user *who,
    const char *id, struct jta_chat_conv *conv, struct jta_error *err)
{
	memset(conv, 0, sizeof(*conv));
	if (id == NULL) {
		jta_once_id("c_", conv->id);
		conv->history = json_array();
		return conv->history != NULL ? JTA_OK : JTA_ERR_NOMEM;
	}
	snprintf(conv->id, sizeof(conv->id), "%s", id);
	return jta_store_chat_get(jta_fcgi_store(ctx), who->id, id,
	    jta_time_now(), &conv->history, err);
}

void
jta_chat_conv_clear(struct jta_chat_conv *conv)
{
	if (conv == NULL)
		return;
	json_decref(conv->history);
	conv->history = NULL;
}

/* Bytes of msgs as compact JSON (0 when memory runs out). */
static size_t
jsonsize(const json_t *msgs)
{
	char	*t = jta_arena_json_dumps(msgs, JSON_COMPACT);
	size_t	 n = t != NULL ? strlen(t) : 0;

	free(t);
	return n;
}

/*
 * Drop the oldest turns of msgs (a turn: a user message and what
 * followed it up to the next user message, so no tool result is left
 * without its call) until it fits JTA_LIMIT_CHAT_HISTORY.  -1 when even
 * the last turn does not fit.
 */
static int
trim(json_t *msgs)
{
	size_t	 i, n;
	const char *role;

	while ((n = jsonsize(msgs)) > JTA_LIMIT_CHAT_HISTORY || n == 0) {
		if (n == 0)
			return -1;
		for (i = 1; i < json_array_size(msgs); i++) {
			role = json_string_value(json_object_get(
			    json_array_get(msgs, i), "role"));
			if (role != NULL && strcmp(role, "user") == 0)
				break;
		}
		if (i >= json_array_size(msgs))
			return -1;
		while (i-- > 0)
			json_array_remove(msgs, 0);
	}
	return 0;
}

/* Keep conv: msgs without the system message, trimmed.  Failures are
 * logged: the answer was sent, and the next message starts afresh. */
static void
keep(struct jta_ctx *ctx, const struct jta_user *who,
    struct jta_chat_conv *conv, json_t *msgs)
{
	struct jta_error *err = calloc(1, sizeof(*err));

	json_array_remove(msgs, 0);	/* the system message */
	if (err == NULL)
		return;
	if (trim(msgs) != 0)
		jta_log(JTA_LOG_WARN, "chat: a single turn is larger than "
		    "%d bytes: conversation not kept", JTA_LIMIT_CHAT_HISTORY);
	else if (jta_store_chat_put(jta_fcgi_store(ctx), who->id, conv->id,
	    msgs, jta_time_now(), err) != JTA_OK)
		jta_log(JTA_LOG_WARN, "chat: conversation not kept: %s",
		    err->detail);
	free(err);
}

/* Append the assistant's turn t (its text and tool calls) to msgs. */
static int
addturn(json_t *msgs, const struct jta_llm_turn *t)
{
	json_t	*m, *calls, *c;
	size_t	 i;

	m = json_pack("{s:s, s:s%}", "role", "assistant", "content",
	    t->text.len > 0 ? t->text.p : "", t->text.len);
	if (m == NULL || json_array_append_new(msgs, m) != 0)
		return -1;
	if (t->ncalls == 0)
		return 0;
	if ((calls = json_array()) == NULL ||
	    json_object_set_new(m, "tool_calls", calls) != 0)
		return -1;
	for (i = 0; i < t->ncalls; i++) {
		c = json_pack("{s:s, s:s, s:{s:s, s:s%}}", "id",
		    t->calls[i].id, "type", "function", "function", "name",
		    t->calls[i].name, "arguments", t->calls[i].args.len > 0 ?
		    t->calls[i].args.p : "{}", t->calls[i].args.len > 0 ?
		    t->calls[i].args.len : 2);
		if (c == NULL || json_array_append_new(calls, c) != 0)
			return -1;
	}
	return 0;
}

enum jta_err
jta_chat_answer(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const struct jta_llm *llm,
    const char *instructions, const char *message,
    struct jta_chat_conv *conv, const struct jta_chat_events *ev,
    struct jta_chat_usage *usage)
{
	enum jta_err	 rc = JTA_ERR_NOMEM;
	struct jta_error *err = NULL;
	struct jta_llm_turn t;
	struct flow	 f;
	json_t		*msgs = NULL, *res, *m, *pv;
	const char	*status;
	char		*text;
	unsigned	 round, max = (unsigned)ctx->conf.chat_max_tool_rounds;
	size_t		 i;
	int		 turn = 0;

	f.ev = ev;
	f.gone = 0;
	if ((err = calloc(1, sizeof(*err))) == NULL)
		goto out;
	if (tools == NULL) {
		int	 was = jta_arena_suspend();

		tools = jta_llm_tools();
		jta_arena_resume(was);
		if (tools == NULL)
			goto out;
	}
	msgs = json_pack("[{s:s, s:s}]", "role", "system", "content",
	    instructions);
	if (msgs == NULL || json_array_extend(msgs, conv->history) != 0 ||
	    json_array_append_new(msgs, json_pack("{s:s, s:s}", "role",
	    "user", "content", message)) != 0)
		goto out;
	for (round = 0;; round++) {
		jta_llm_turn_init(&t);
		turn = 1;
		usage->rounds++;
		rc = jta_llm_call(llm, msgs, tools, &t, ondelta, &f, err);
		if (t.has_usage) {
			usage->prompt_tokens += t.prompt_tokens;
			usage->completion_tokens += t.completion_tokens;
		}
		if (f.gone) {
			rc = JTA_ERR_IO;
			goto out;
		}
		/* Operators see the model's outcome in /metrics, /healthz
		 * and the admin page (jta_metrics.h). */
		jta_metrics_model(rc == JTA_OK ? NULL : err->field);
		if (rc != JTA_OK) {
			jta_log(JTA_LOG_WARN, "chat: model call failed: %s",
			    err->field);
			rc = fail(&f, err, req->id);
			goto out;
		}
		if (t.ncalls == 0)
			break;
		if (round >= max) {
			jta_error_set(err, JTA_ERR_UPSTREAM, 502,
			    "model_rounds", "the model needed more than %u "
			    "tool rounds for this message; ask in smaller "
			    "steps", max);
			jta_metrics_model("model_rounds");
			rc = fail(&f, err, req->id);
			goto out;
		}
		if (addturn(msgs, &t) != 0) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
		for (i = 0; i < t.ncalls; i++) {
			if (emit(&f, "tool", json_pack("{s:s, s:s}", "name",
			    t.calls[i].name, "status", "running")) != 0) {
				rc = f.gone ? JTA_ERR_IO : JTA_ERR_NOMEM;
				goto out;
			}
			usage->tools++;
			res = runtool(ctx, req, who, conv, &t.calls[i],
			    &status, &pv);
			if (pv == NULL && res != NULL &&
			    strcmp(status, "done") == 0)
				pv = draftpreview(t.calls[i].name, res);
			text = res != NULL ? jta_arena_json_dumps(res,
			    JSON_COMPACT) : NULL;
			json_decref(res);
			if (pv != NULL && emit(&f, "preview", pv) != 0) {
				free(text);
				rc = f.gone ? JTA_ERR_IO : JTA_ERR_NOMEM;
				goto out;
			}
			if (text == NULL) {
				rc = JTA_ERR_NOMEM;
				goto out;
			}
			jta_log(JTA_LOG_INFO, "chat: tool %s %s",
			    t.calls[i].name, status);
			/* A result past the bound is cut to a note: the
			 * model is told, never handed half a document. */
			m = strlen(text) > JTA_LIMIT_CHAT_TOOL_RESULT ?
			    json_pack("{s:s, s:s, s:s}", "role", "tool",
			    "tool_call_id", t.calls[i].id, "content",
			    "{\"error\":\"the result was too large; ask for "
			    "less\"}") : json_pack("{s:s, s:s, s:s}", "role",
			    "tool", "tool_call_id", t.calls[i].id, "content",
			    text);
			free(text);
			if (m == NULL || json_array_append_new(msgs, m) != 0) {
				rc = JTA_ERR_NOMEM;
				goto out;
			}
			if (emit(&f, "tool", json_pack("{s:s, s:s}", "name",
			    t.calls[i].name, "status", status)) != 0) {
				rc = f.gone ? JTA_ERR_IO : JTA_ERR_NOMEM;
				goto out;
			}
		}
		jta_llm_turn_free(&t);
		turn = 0;
	}
	/* The answer's last turn (text, no tool call) joins the history. */
	if (addturn(msgs, &t) != 0) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	keep(ctx, who, conv, msgs);
	if (emit(&f, "done", json_pack("{s:{s:I, s:I, s:i}, s:s}", "usage",
	    "prompt_tokens", (json_int_t)usage->prompt_tokens,
	    "completion_tokens", (json_int_t)usage->completion_tokens,
	    "rounds", (int)usage->rounds, "conversation", conv->id)) != 0) {
		rc = f.gone ? JTA_ERR_IO : JTA_ERR_NOMEM;
		goto out;
	}
	rc = JTA_OK;
out:
	if (turn)
		jta_llm_turn_free(&t);
	json_decref(msgs);
	free(err);
	return rc;
}

/* The confirm request being served (one at a time per process): what
 * jta_chat_confirm_classify read, for jta_chat_confirm. */
static struct jta_req	 cas;
static int		 cas_made;
static char		 ctool[JTA_LIMIT_NAME];
static json_t		*cargs;

static void
cforget(void)
{
	if (cas_made)
		jta_operation_request_clear(&cas);
	cas_made = 0;
	ctool[0] = '\0';
	json_decref(cargs);
	cargs = NULL;
}

/* revision: a submitDraft's, the draft's revision the person was shown
 * last (after their own upload; jta_once_draft_confirmable). */
static const struct jta_field confirm_fields[] = {
	{ "action", JTA_FT_STRING, JTA_F_REQUIRED, 1,
	    JTA_LIMIT_CHAT_ACTION_ID, NULL },
	{ "revision", JTA_FT_UINT, 0, 1, JTA_LIMIT_REVISION, NULL },
};

/*
 * A confirm of submitDraft with the revision the person was shown
 * (shown, a JSON integer or NULL) when the assistant asked for another
 * (in's "revision"): allowed only when every change since was the
 * person's own upload, and then in's revision becomes shown.
 */
static enum jta_err
confirmrev(struct jta_ctx *ctx, const struct jta_user *who,
    const char *draft, const json_t *shown, json_t *in,
    struct jta_error *err)
{
	json_int_t	 asked, rev;
	enum jta_err	 rc;

	if (shown == NULL)
		return JTA_OK;
	asked = json_integer_value(json_object_get(in, "revision"));
	rev = json_integer_value(shown);
	if (rev == asked)
		return JTA_OK;
	if ((rc = jta_once_draft_confirmable(ctx->backend, who, draft, asked,
	    rev, jta_time_now(), err)) != JTA_OK)
		return rc;
	if (json_object_set_new(in, "revision", json_integer(rev)) != 0)
		return JTA_ERR_NOMEM;
	jta_log(JTA_LOG_INFO, "chat: submit of draft %s confirmed at revision "
	    "%lld after the person's own upload (asked at %lld)", draft,
	    (long long)rev, (long long)asked);
	return JTA_OK;
}

enum jta_err
jta_chat_confirm_classify(struct jta_ctx *ctx, const struct jta_req *req,
    struct jta_policy_op *op, struct jta_error *err)
{
	const struct jta_operation *o;
	json_t		*in = NULL;
	enum jta_err	 rc;

	cforget();
	if ((rc = jta_req_json(req, confirm_fields, 2, &in, err)) != JTA_OK)
		return rc;
	rc = jta_store_chat_action_peek(jta_fcgi_store(ctx),
	    json_string_value(json_object_get(in, "action")), jta_time_now(),
	    ctool, sizeof(ctool), &cargs, err);
	json_decref(in);
	if (rc != JTA_OK)
		return rc;
	if ((o = jta_operation_get(ctool)) == NULL)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "a pending action names no operation");
	if (jta_operation_request(o, cargs, req, &cas) != JTA_OK)
		return jta_error_set(err, JTA_ERR_NOMEM, 503, NULL,
		    "the server is short of memory; try again");
	cas_made = 1;
	jta_policy_op_classify(jta_endpoint_route(NULL, cas.path), &cas,
	    ctx->conf.default_project, op);
	op->tool = o->name;
	op->as = &cas;
	return JTA_OK;
}

enum jta_err
jta_chat_confirm(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, int *status, json_t **out,
    struct jta_error *err)
{
	const struct jta_operation *o = jta_operation_get(ctool);
	char		 param[JTA_LIMIT_KB_ID + 1];
	json_t		*in = NULL, *res = NULL, *body = NULL;
	const char	*id;
	enum jta_err	 rc;
	int		 st = 0;

	*out = NULL;
	/* The body was checked by the classify step. */
	if (jta_req_json(req, confirm_fields, 2, &body, err) != JTA_OK ||
	    o == NULL || cargs == NULL) {
		rc = err->status != 0 ? JTA_ERR_INPUT : jta_error_set(err,
		    JTA_ERR_INTERNAL, 500, NULL, "the action was not read");
		goto out;
	}
	id = json_string_value(json_object_get(body, "action"));
	/* Refused before the action is used: the person may confirm it. */
	if (json_object_get(body, "revision") != NULL &&
	    strcmp(o->name, "submitDraft") != 0) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 422, "revision",
		    "only the confirm of submitDraft takes a revision");
		goto out;
	}
	/* Single use and the person's own: taken before it runs. */
	if ((rc = jta_store_chat_action_take(jta_fcgi_store(ctx), who->id,
	    id, jta_time_now(), err)) != JTA_OK)
		goto out;
	if ((rc = jta_operation_args(o, cargs, param, sizeof(param), &in,
	    err)) != JTA_OK)
		goto out;
	if ((rc = confirmrev(ctx, who, param, json_object_get(body,
	    "revision"), in, err)) != JTA_OK)
		goto out;
	if ((rc = o->run(ctx, &cas, who, param[0] ? param : NULL, in, &st,
	    &res, err)) != JTA_OK)
		goto out;
	if ((*out = json_pack("{s:s, s:s, s:i, s:o}", "action", id, "tool",
	    o->name, "status", st, "result", res != NULL ? res :
	    json_object())) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	res = NULL;
	*status = 200;
	rc = JTA_OK;
out:
	json_decref(res);
	json_decref(in);
	json_decref(body);
	return rc;
}

void
jta_chat_confirm_done(void)
{
	cforget();
}

json_t *
jta_chat_status(const struct jta_conf *conf)
{
	struct jta_metrics_model_state st;
	char		 dir[JTA_CONF_PATH_MAX + 16], since[JTA_TIME_STRLEN];
	json_t		*model;

	memset(&st, 0, sizeof(st));
	if (conf->metrics && jta_metrics_dir(conf, dir, sizeof(dir)) ==
	    JTA_OK)
		jta_metrics_model_state(dir, &st);
	if (!st.known)
		model = json_null();
	else {
		jta_time_format(st.since, since);
		model = st.failing ? json_pack("{s:s, s:s, s:s}", "state",
		    "failing", "cause", st.cause, "since", since) :
		    json_pack("{s:s, s:n, s:s}", "state", "ok", "cause",
		    "since", since);
	}
	return json_pack("{s:b, s:o}", "configured",
	    conf->chat_base_url[0] != '\0' && conf->chat_model[0] != '\0',
	    "model", model);
}
