/*
 * Our own agent (README "Chat: our own agent"): one message of a person
 * answered by a model (jta_llm.h) with the operations of the table
 * (jta_operation.h) as its tools, run as that person, while the answer
 * streams to them as events.
 *
 * The loop: instructions (the GPT's, htdocs/gpt/instructions.md) and the
 * message go to the model with the tools; each tool call the model asks
 * for is checked and run as the REST request it stands for, exactly as an
 * MCP tools/call is (jta_operation_args, jta_operation_request, the
 * access rules on that request, the row's run function), its result or
 * its problem goes back to the model, and the model is called again, at
 * most chat_max_tool_rounds times for one message.
 *
 * Consequential operations (the row's JTA_OP_CONSEQUENTIAL: submitting a
 * draft, commenting, moving, changing a ticket) are never run for the
 * model: the call is kept as the person's pending action (single use,
 * theirs only, JTA_LIMIT_CHAT_ACTION_TTL), sent to them as a `preview`
 * event {action, tool, arguments}, and run only by their confirm
 * (jta_chat_confirm).  A draft the model makes or changes is shown as a
 * `preview` event {draft, revision, preview}.
 *
 * Events (the SSE protocol, README "Events"), each a JSON object:
 *   delta {text}, tool {name, status}, preview {action, tool,
 *   arguments} or {draft, revision, preview}, error {problem},
 *   done {usage, conversation}.
 * An `error` event ends the stream (no `done` follows it).
 */
#ifndef JTA_CHAT_H
#define JTA_CHAT_H

#include <stdint.h>

#include <jansson.h>

#include "jta_err.h"
#include "jta_limits.h"
#include "jta_llm.h"
#include "jta_req.h"
#include "jta_types.h"

struct jta_ctx;

/* Where events go: send(arg, name, data) writes one event (data
 * borrowed) and pushes it to the person; 0, or -1 when they went away. */
struct jta_chat_events {
	int		(*send)(void *arg, const char *name,
			    const json_t *data);
	void		*arg;
};

/* What one message cost: the model's tokens over every round, the rounds
 * (model calls) and the tools run. */
struct jta_chat_usage {
	int64_t		 prompt_tokens;
	int64_t		 completion_tokens;
	unsigned	 rounds;
	unsigned	 tools;
};

/*
 * A conversation (jta_store_chat.h): its id and the messages so far (a
 * new array; empty for a new one).  Filled by jta_chat_open, released
 * with jta_chat_conv_clear.
 */
struct jta_chat_conv {
	char		 id[JTA_LIMIT_CHAT_ID + 1];
	json_t		*history;
};

/*
 * Open who's conversation id, or start a new one (id NULL: a new random
 * id, "c_" and 22 base64url characters).  JTA_ERR_NOTFOUND (404 naming
 * "conversation") when id is not one of theirs that is still kept; the
 * store's errors.  Nothing streams before this answers, so its error is
 * a plain problem.
 */
enum jta_err jta_chat_open(struct jta_ctx *ctx, const struct jta_user *who,
    const char *id, struct jta_chat_conv *conv, struct jta_error *err)
    JTA_WUR;

/* Release what conv holds; NULL is a no-op. */
void jta_chat_conv_clear(struct jta_chat_conv *conv);

/*
 * Answer message (UTF-8, at most JTA_LIMIT_CHAT_MESSAGE bytes, checked
 * by the caller) for who in conversation conv (jta_chat_open), on the
 * REST request req (the tools' requests are made over it), with llm and
 * instructions (the system message), sending the events through ev and
 * adding the tokens to *usage.  When the answer ends with `done` the
 * conversation is kept with this message and its answer (the oldest
 * turns dropped until it fits JTA_LIMIT_CHAT_HISTORY); after an `error`
 * it stays as it was.
 * JTA_OK when the stream ended with `done` or `error`; JTA_ERR_IO when
 * the person went away; JTA_ERR_NOMEM.
 */
enum jta_err jta_chat_answer(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const struct jta_llm *llm,
    const char *instructions, const char *message,
    struct jta_chat_conv *conv, const struct jta_chat_events *ev,
    struct jta_chat_usage *usage) JTA_WUR;

/*
 * POST /api/chat/confirm {"action"}: the person runs their pending
 * action (a consequential tool call the model asked for, kept by
 * jta_chat_answer with a `preview` event).
 *
 * jta_chat_confirm_classify is the serving loop's classify step (before
 * the kill switch and authentication, jta_fcgi.h): it reads the action
 * (without using it) and classifies the request as the REST request its
 * tool is, so the access rules, quotas, usage, audit and metrics treat
 * it as that operation, exactly as an MCP tools/call.  404 naming
 * "action" when there is no such action.
 *
 * jta_chat_confirm then uses the action, once and only as its person
 * (404 otherwise: another person's, used, expired), and runs it.  A
 * submitDraft's confirm may carry "revision", the draft's revision the
 * person was shown after their own upload: it runs at that revision
 * only under jta_once_draft_confirmable (409 "revision" otherwise; 422
 * for any other tool):
 * *out {"action", "tool", "status" (the operation's REST status),
 * "result"} with *status 200, or err filled with the operation's
 * problem.
 */
struct jta_policy_op;
enum jta_err jta_chat_confirm_classify(struct jta_ctx *ctx,
    const struct jta_req *req, struct jta_policy_op *op,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_chat_confirm(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, int *status, json_t **out,
    struct jta_error *err) JTA_WUR;

/* The end of a confirm request (struct jta_endpoint's done hook): drops
 * what the classify step read, which lives in the request's arena. */
void jta_chat_confirm_done(void);

/*
 * What operators see of the agent (/healthz, the admin page's state): a
 * new object {"configured": bool (chat_base_url and chat_model set),
 * "model": the newest outcome of a call to the model across every worker
 * (jta_metrics_model_state) as {"state": "ok"|"failing", "cause": the
 * failure's cause or null, "since": RFC 3339 UTC}, or null before the
 * first call or with metrics = off}.  NULL when memory ran out.
 */
json_t *jta_chat_status(const struct jta_conf *conf);

#endif
