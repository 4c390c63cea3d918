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
 * model: the tool's result tells the model that the person must do it,
 * and a `tool` event with status "refused" tells the person.  A draft the
 * model makes or changes is sent to the person as a `preview` event; the
 * person, not the model, submits it (the drafts' exactly-once submit).
 *
 * Events (the SSE protocol, README "Events"), each a JSON object:
 *   delta {text}, tool {name, status}, preview {action, revision,
 *   preview}, error {problem}, done {usage, conversation}.
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

#endif
