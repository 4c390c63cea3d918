/*
 * The model client: one streamed call to an OpenAI-compatible Chat
 * Completions API (OpenAI, Azure OpenAI, and local servers such as
 * llama.cpp's server, vLLM or Ollama, which speak the OpenAI form).
 *
 * The request is {"model", "messages", "tools", "stream": true,
 * "stream_options": {"include_usage": true}, "max_tokens"}; the answer is
 * a stream of Server-Sent Events (WHATWG HTML §9.2 "Server-sent events",
 * the event stream format and its interpretation), each event's data one
 * JSON chunk ("object": "chat.completion.chunk") whose choices[0].delta
 * carries text ("content") or pieces of tool calls ("tool_calls": by
 * "index", with "id" and "function": {"name", "arguments"} split across
 * chunks), then a chunk with empty "choices" and "usage"
 * {"prompt_tokens", "completion_tokens"} (include_usage), then the data
 * "[DONE]".  Source: OpenAI API reference, "Chat Completions", "The chat
 * completion chunk object" and "stream_options"; Azure OpenAI's data
 * plane inference reference for its URL form
 * (POST {endpoint}/openai/deployments/{deployment}/chat/completions
 * ?api-version=..., key in an "api-key" header).
 *
 * Every byte of the answer is hostile: lines, events, text, tool calls
 * and arguments are bounded (jta_limits.h, JTA_LIMIT_LLM_*); a chunk that
 * is not the JSON described is an error (502), never a crash.  The key
 * is read from a file (jta_vault_secret_read: a regular file that group
 * and others cannot read) and never logged.
 */
#ifndef JTA_LLM_H
#define JTA_LLM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_buf.h"
#include "jta_err.h"
#include "jta_limits.h"

struct jta_conf;
struct jta_secret;

/* How the API is addressed (chat_api_style). */
enum jta_llm_style {
	JTA_LLM_OPENAI = 0,	/* base URL + /chat/completions, Bearer */
	JTA_LLM_AZURE		/* base URL + /openai/deployments/{model}/
				 * chat/completions?api-version=, api-key */
};

/* A model server to call: from jta_llm_open, released with
 * jta_llm_close. */
struct jta_llm {
	enum jta_llm_style	 style;
	char			 url[JTA_LIMIT_URL];	/* the whole URL */
	char			 model[JTA_LIMIT_LLM_MODEL];
	struct jta_secret	*key;	/* NULL: none sent (a local server) */
	long			 stall_s;	/* no byte this long: error */
	long			 max_tokens;	/* per answer */
};

/*
 * The URL of the Chat Completions call for style: base (no trailing '/'
 * needed) + "/chat/completions", or for Azure base +
 * "/openai/deployments/" + model + "/chat/completions?api-version=" +
 * version, model and version percent-encoded.  Returns 0, or -1 when it
 * does not fit buf (bufsz bytes).
 */
int jta_llm_url(enum jta_llm_style style, const char *base,
    const char *model, const char *version, char *buf, size_t bufsz)
    JTA_WUR;

/*
 * Fill *llm from conf's chat_* keys, reading the key file
 * (chat_api_key_file; none set: no key is sent).  JTA_ERR_CONFIG with msg
 * naming the key at fault when chat is not configured (no chat_base_url
 * or chat_model) or a value is wrong; the key file's own errors as
 * jta_vault_secret_read.  Release with jta_llm_close, also on error.
 */
enum jta_err jta_llm_open(const struct jta_conf *conf, struct jta_llm *llm,
    char *msg, size_t msgsz) JTA_WUR;

/* Wipe and release llm's key; NULL is a no-op. */
void jta_llm_close(struct jta_llm *llm);

/*
 * The tools of the operation table (jta_operation.h) as Chat Completions
 * function tools: [{"type": "function", "function": {"name",
 * "description", "parameters"}}], parameters being the operation's input
 * schema, in table order.  A new array, or NULL when memory runs out.
 */
json_t *jta_llm_tools(void);

/*
 * The request body for messages (an array of {"role", "content", ...},
 * borrowed) and tools (an array, or NULL for none): a new string the
 * caller frees, its length in *len; NULL when memory runs out.
 */
char *jta_llm_body(const struct jta_llm *llm, const json_t *messages,
    const json_t *tools, size_t *len) JTA_WUR;

/* ---- reading the stream ---- */

/* One tool call the model asked for: its id, the function's name and its
 * arguments (JSON text as the model wrote it: not yet checked). */
struct jta_llm_call {
	char		 id[JTA_LIMIT_LLM_CALL_ID];
	char		 name[JTA_LIMIT_NAME];
	struct jta_buf	 args;		/* at most JTA_LIMIT_LLM_TOOL_ARGS */
};

/*
 * One answer of the model, built from its chunks: the text, the tool
 * calls (ncalls of them, in index order), why it finished ("stop",
 * "tool_calls", "length"... or "" when it did not say), the tokens the
 * server reported (has_usage 0 when it reported none) and whether
 * "[DONE]" came.  Set up with jta_llm_turn_init, released with
 * jta_llm_turn_free.
 */
struct jta_llm_turn {
	struct jta_buf		 text;
	struct jta_llm_call	 calls[JTA_LIMIT_LLM_TOOL_CALLS];
	size_t			 ncalls;
	char			 finish[32];
	int			 has_usage;
	int64_t			 prompt_tokens;
	int64_t			 completion_tokens;
	int			 done;
};

void jta_llm_turn_init(struct jta_llm_turn *t);
void jta_llm_turn_free(struct jta_llm_turn *t);

/*
 * Called with each piece of text as it arrives (len bytes, not
 * NUL-terminated, valid UTF-8 as jansson checked it): return 0 to go on,
 * -1 to stop the answer (the person went away).
 */
typedef int (*jta_llm_delta_fn)(const char *text, size_t len, void *arg);

/*
 * Fold one chunk (an event's data, len bytes) into t: "[DONE]" sets
 * t->done; anything else must be a JSON object as the top of this file
 * says (an "error" member is the server's own error).  Text goes to
 * on_delta (NULL: none) as well as t->text.  JTA_ERR_UPSTREAM (502,
 * field "model_answer") for a malformed chunk or one past a bound; a
 * chunk after "[DONE]" is malformed too.
 */
enum jta_err jta_llm_chunk(struct jta_llm_turn *t, const char *data,
    size_t len, jta_llm_delta_fn on_delta, void *arg,
    struct jta_error *err) JTA_WUR;

/*
 * The SSE parser: bytes in any pieces in, events out (WHATWG HTML
 * §9.2.6: lines end in CRLF, LF or CR; "data:" lines join with LF; a
 * blank line dispatches; ":" starts a comment; other fields ignored; a
 * leading U+FEFF is dropped).  A line over JTA_LIMIT_LLM_SSE_LINE bytes or
 * an event's data over JTA_LIMIT_LLM_SSE_EVENT is an error.  Set up with
 * jta_llm_sse_init, released with jta_llm_sse_free.
 */
typedef enum jta_err (*jta_llm_event_fn)(const char *data, size_t len,
    void *arg, struct jta_error *err);

struct jta_llm_sse {
	struct jta_buf	 line;
	struct jta_buf	 data;
	int		 has_data;	/* a data field was seen */
	int		 lastcr;	/* the last byte ended a line in CR */
	int		 started;	/* past a possible BOM */
	size_t		 bomlen;	/* its bytes matched so far */
	jta_llm_event_fn on_event;
	void		*arg;
};

void jta_llm_sse_init(struct jta_llm_sse *p, jta_llm_event_fn on_event,
    void *arg);
void jta_llm_sse_free(struct jta_llm_sse *p);

/*
 * Feed n bytes.  JTA_OK, on_event's own error, or JTA_ERR_UPSTREAM (502,
 * "model_answer") past a bound.  Once a bound was passed, later calls
 * return JTA_ERR_UPSTREAM again.  An event not ended by a blank line when the
 * stream ends is dropped (WHATWG: "incomplete event ... discarded").
 */
enum jta_err jta_llm_sse_feed(struct jta_llm_sse *p, const char *s,
    size_t n, struct jta_error *err) JTA_WUR;

/*
 * One streamed call: send messages and tools (as jta_llm_body) and fold
 * the answer into t (initialised by the caller), text going to on_delta
 * as it arrives.  JTA_OK when the answer finished ("[DONE]" or a finish
 * reason).  Errors, with err->field naming the cause for the event the
 * caller sends, and a detail that is safe to show:
 *   - "model_key": 401 or 403, the server refused our key (503);
 *   - "model_busy": 429, JTA_ERR_BUSY (503, err->retry_after from
 *     Retry-After, 1 s without one);
 *   - "model_error": 5xx (502); "model_request": another non-2xx (502:
 *     a wrong model or deployment name, see the log);
 *   - "model_stall": no byte for llm->stall_s; "model_timeout": the
 *     whole call passed JTA_LIMIT_LLM_CALL_SECONDS;
 *     "model_unreachable": no connection (502);
 *   - "model_answer": a malformed or unfinished stream (502);
 *   - "stopped": on_delta asked to stop.
 */
enum jta_err jta_llm_call(const struct jta_llm *llm, const json_t *messages,
    const json_t *tools, struct jta_llm_turn *t, jta_llm_delta_fn on_delta,
    void *arg, struct jta_error *err) JTA_WUR;

#endif
