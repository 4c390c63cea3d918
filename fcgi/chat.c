/*
 * POST /api/chat {"message"} and GET /chat?message=: our own agent's
 * answer as a text/event-stream (README "Chat: our own agent"; the loop
 * is jta_chat.h, the model client jta_llm.h).  Each event is written and
 * pushed out at once (FCGX_FFlush through jta_resp_stream_write), so the
 * first bytes reach the person while the model is still writing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_arena.h"
#include "jta_chat.h"
#include "jta_fcgi.h"
#include "jta_limits.h"
#include "jta_llm.h"
#include "jta_log.h"
#include "jta_url.h"
#include "jta_usage.h"
#include "fcgi/chat-instructions.h"	/* chat_instructions[]: by make */

/* The same members for POST's JSON body and GET's query. */
static const struct jta_field fields[] = {
	{ "message", JTA_FT_TEXT, JTA_F_REQUIRED, 1, JTA_LIMIT_CHAT_MESSAGE,
	    NULL },
	{ "conversation", JTA_FT_STRING, 0, 1, JTA_LIMIT_CHAT_ID, NULL },
	/* The person's language as the browser says it (the widget sends
	 * navigator.language): a BCP 47 tag (RFC 5646 §2.1), at most 35
	 * bytes of letters, digits and '-'. */
	{ "language", JTA_FT_STRING, 0, 2, 35, NULL },
};
#define NFIELDS	(sizeof(fields) / sizeof(fields[0]))

/* The model server, opened on the first request: 0 not yet, 1 open,
 * -1 chat is not configured (or its key file is wrong: the log says). */
static struct jta_llm llm;
static int llm_state;

/* The GPT's instructions, NUL-terminated (chat-instructions.h). */
static char	*instructions;

static int
openllm(const struct jta_conf *conf)
{
	char	 msg[768];

	if (llm_state != 0)
		return llm_state;
	if (jta_llm_open(conf, &llm, msg, sizeof(msg)) != JTA_OK) {
		jta_log(JTA_LOG_ERROR, "%s", msg);
		jta_llm_close(&llm);
		llm_state = -1;
		return llm_state;
	}
	llm_state = 1;
	return llm_state;
}

/* 1 when origin (the request's Origin, "" when none) may call: none, or
 * one of chat_allowed_origins exactly (RFC 6454 §7: compared as sent). */
static int
origin_ok(const char *allowed, const char *origin)
{
	size_t	 ol = strlen(origin), n;
	const char *p = allowed, *e;

	if (ol == 0)
		return 1;
	while (*p != '\0') {
		e = strchr(p, ' ');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (n == ol && memcmp(p, origin, n) == 0)
			return 1;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return 0;
}

/* 1 when tag holds only what a BCP 47 tag may (RFC 5646 §2.1: ALPHA,
 * DIGIT and '-'), starting with a letter. */
static int
langtag_ok(const char *tag)
{
	const char	*p;

	if (!((tag[0] >= 'a' && tag[0] <= 'z') ||
	    (tag[0] >= 'A' && tag[0] <= 'Z')))
		return 0;
	for (p = tag; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
	return 1;
}

/* One event: "event: NAME\ndata: JSON\n\n" (WHATWG HTML §9.2.5); compact
 * JSON holds no newline. */
static int
sendevent(void *arg, const char *name, const json_t *data)
{
	struct jta_resp	*resp = arg;
	struct jta_buf	 b = JTA_BUF_INIT(JTA_LIMIT_CHAT_TOOL_RESULT);
	char		*js;
	int		 r = -1;

	if ((js = jta_arena_json_dumps(data, JSON_COMPACT)) == NULL)
		return -1;
	jta_buf_add_str(&b, "event: ");
	jta_buf_add_str(&b, name);
	jta_buf_add_str(&b, "\ndata: ");
	jta_buf_add_str(&b, js);
	if (jta_buf_add_str(&b, "\n\n") == JTA_OK &&
	    jta_resp_stream_write(resp, b.p, b.len) == JTA_OK)
		r = 0;
	free(js);
	jta_buf_free(&b);
	return r;
}

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	struct jta_chat_events ev;
	struct jta_chat_usage use;
	struct jta_chat_conv conv;
	struct jta_buf	 sys = JTA_BUF_INIT(JTA_LIMIT_CHAT_TOOL_RESULT);
	json_t		*in = NULL, *n;
	const char	*lang;
	enum jta_err	 rc;

	/* HEAD would run the model for nothing: refused (GET's table entry
	 * takes HEAD too). */
	if (req->method == JTA_METHOD_HEAD)
		return jta_fcgi_method_not_allowed(resp, "GET", err);
	/* public_url's own origin: the widget's frame (htdocs/widget/); a
	 * browser sends Origin with every POST, same-origin ones too. */
	if (!origin_ok(ctx->conf.chat_allowed_origins, req->origin) &&
	    !jta_url_same_origin(req->origin, ctx->conf.public_url))
		return jta_error_set(err, JTA_ERR_AUTH, 403, "Origin",
		    "this chat is not open to pages of that site; an "
		    "operator lists the sites in chat_allowed_origins");
	if (openllm(&ctx->conf) != 1)
		return jta_error_set(err, JTA_ERR_CONFIG, 503, NULL,
		    "chat is not configured");
	if (req->method == JTA_METHOD_POST)
		rc = jta_req_json(req, fields, NFIELDS, &in, err);
	else
		rc = jta_req_query(req, fields, NFIELDS, &in, err);
	if (rc != JTA_OK)
		return rc;
	lang = json_string_value(json_object_get(in, "language"));
	if (lang != NULL && !langtag_ok(lang)) {
		json_decref(in);
		return jta_error_set(err, JTA_ERR_INPUT, 422, "language",
		    "language is a BCP 47 tag such as de-DE (letters, digits "
		    "and '-')");
	}
	if ((rc = jta_chat_open(ctx, who, json_string_value(json_object_get(in,
	    "conversation")), &conv, err)) != JTA_OK) {
		json_decref(in);
		return rc;
	}
	if (req->origin[0] != '\0' && (jta_resp_header(resp,
	    "Access-Control-Allow-Origin", req->origin) != JTA_OK ||
	    jta_resp_header(resp, "Vary", "Origin") != JTA_OK)) {
		jta_chat_conv_clear(&conv);
		json_decref(in);
		return JTA_ERR_INTERNAL;
	}
	/* No cache keeps it; nginx passes it on as it comes (also said by
	 * fastcgi_buffering off in its location). */
	if (jta_resp_header(resp, "Cache-Control", "no-store") != JTA_OK ||
	    jta_resp_header(resp, "X-Accel-Buffering", "no") != JTA_OK ||
	    jta_resp_stream_begin(resp, "text/event-stream; charset=utf-8") !=
	    JTA_OK) {
		jta_chat_conv_clear(&conv);
		json_decref(in);
		return JTA_ERR_IO;
	}
	ev.send = sendevent;
	ev.arg = resp;
	/* A quota at 70 % or 90 % (jta_usage_check): the stream's first
	 * event, as JSON answers carry it in "notice". */
	if (resp->notice != NULL && (n = json_pack("{s:s}", "notice",
	    resp->notice)) != NULL) {
		(void)sendevent(resp, "notice", n);
		json_decref(n);
	}
	memset(&use, 0, sizeof(use));
	/* The person's language, told to the model after the instructions
	 * (the widget greets in it too). */
	if (lang != NULL) {
		jta_buf_add_str(&sys, instructions);
		jta_buf_add_str(&sys, "\n\nThe person's browser language is ");
		jta_buf_add_str(&sys, lang);
		jta_buf_add_str(&sys, ". Answer in that language unless they "
		    "write in another.");
	}
	rc = jta_chat_answer(ctx, req, who, &llm, lang != NULL &&
	    sys.err == JTA_OK ? sys.p : instructions,
	    json_string_value(json_object_get(in, "message")), &conv, &ev,
	    &use);
	jta_log(JTA_LOG_INFO, "chat: rounds=%u tools=%u prompt_tokens=%lld "
	    "completion_tokens=%lld%s", use.rounds, use.tools,
	    (long long)use.prompt_tokens, (long long)use.completion_tokens,
	    rc == JTA_ERR_IO ? " (the person went away)" : "");
	/* The model's tokens, as its usage reports said, count for the
	 * person whatever became of the answer (jta_usage.h). */
	jta_usage_tokens(ctx->usage, who, use.prompt_tokens,
	    use.completion_tokens);
	jta_chat_conv_clear(&conv);
	jta_buf_free(&sys);
	json_decref(in);
	/* The answer is sent: whatever happened is in its events. */
	return JTA_OK;
}

static const struct jta_endpoint endpoint = {
	.name = "jta-agent",
	.handle = handle,
};

int
main(void)
{
	if ((instructions = calloc(1, sizeof(chat_instructions) + 1)) == NULL)
		return 71;	/* EX_OSERR */
	memcpy(instructions, chat_instructions, sizeof(chat_instructions));
	return jta_fcgi_main(&endpoint);
}
