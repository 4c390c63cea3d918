/*
 * The model client (jta_llm.h): a streamed Chat Completions call, its SSE
 * parser and the folding of its chunks into one answer.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_arena.h"
#include "jta_conf.h"
#include "jta_http.h"
#include "jta_limits.h"
#include "jta_llm.h"
#include "jta_log.h"
#include "jta_operation.h"
#include "jta_vault.h"

/* ---- configuration ---- */

int
jta_llm_url(enum jta_llm_style style, const char *base, const char *model,
    const char *version, char *buf, size_t bufsz)
{
	char	 m[3 * JTA_LIMIT_LLM_MODEL], v[3 * JTA_LIMIT_LLM_API_VERSION];
	size_t	 bl = strlen(base);
	int	 n;

	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	if (bl > (size_t)JTA_LIMIT_URL)
		return -1;
	if (style == JTA_LLM_OPENAI)
		n = snprintf(buf, bufsz, "%.*s/chat/completions", (int)bl,
		    base);
	else {
		if (jta_http_urlencode(model, strlen(model), m, sizeof(m)) <
		    0 || jta_http_urlencode(version, strlen(version), v,
		    sizeof(v)) < 0)
			return -1;
		n = snprintf(buf, bufsz, "%.*s/openai/deployments/%s/chat/"
		    "completions?api-version=%s", (int)bl, base, m, v);
	}
	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

enum jta_err
jta_llm_open(const struct jta_conf *conf, struct jta_llm *llm, char *msg,
    size_t msgsz)
{
	memset(llm, 0, sizeof(*llm));
	if (conf->chat_base_url[0] == '\0') {
		snprintf(msg, msgsz, "chat is not configured: key "
		    "'chat_base_url' is not set");
		return JTA_ERR_CONFIG;
	}
	if (conf->chat_model[0] == '\0') {
		snprintf(msg, msgsz, "chat is not configured: key "
		    "'chat_model' is not set");
		return JTA_ERR_CONFIG;
	}
	llm->style = conf->chat_api_style == 1 ? JTA_LLM_AZURE :
	    JTA_LLM_OPENAI;
	if (strlen(conf->chat_model) >= sizeof(llm->model)) {
		snprintf(msg, msgsz, "key 'chat_model' is too long");
		return JTA_ERR_CONFIG;
	}
	snprintf(llm->model, sizeof(llm->model), "%s", conf->chat_model);
	if (jta_llm_url(llm->style, conf->chat_base_url, conf->chat_model,
	    conf->chat_azure_api_version, llm->url, sizeof(llm->url)) != 0) {
		snprintf(msg, msgsz, "key 'chat_base_url': the model URL "
		    "made from it is too long");
		return JTA_ERR_CONFIG;
	}
	llm->stall_s = conf->chat_timeout_seconds;
	llm->max_tokens = conf->chat_max_tokens;
	if (conf->chat_api_key_file[0] == '\0') {
		if (llm->style == JTA_LLM_AZURE) {
			snprintf(msg, msgsz, "key 'chat_api_key_file' must be "
			    "set when chat_api_style = azure");
			return JTA_ERR_CONFIG;
		}
		return JTA_OK;	/* a local server without a key */
	}
	return jta_vault_secret_read(conf->chat_api_key_file,
	    "chat_api_key_file", &llm->key, msg, msgsz);
}

void
jta_llm_close(struct jta_llm *llm)
{
	if (llm == NULL)
		return;
	jta_secret_free(llm->key);
	llm->key = NULL;
}

/* ---- the request ---- */

json_t *
jta_llm_tools(void)
{
	const struct jta_operation *op;
	json_t		*tools, *params, *tool;
	size_t		 i;

	if ((tools = json_array()) == NULL)
		return NULL;
	for (i = 0; (op = jta_operation_at(i)) != NULL; i++) {
		if ((params = jta_operation_input_schema(op)) == NULL)
			goto fail;
		/* The 2020-12 "$schema" says nothing a model needs. */
		json_object_del(params, "$schema");
		tool = json_pack("{s:s, s:{s:s, s:s, s:o}}", "type", "function",
		    "function", "name", op->name, "description",
		    op->description, "parameters", params);
		if (tool == NULL || json_array_append_new(tools, tool) != 0)
			goto fail;
	}
	return tools;
fail:
	json_decref(tools);
	return NULL;
}

char *
jta_llm_body(const struct jta_llm *llm, const json_t *messages,
    const json_t *tools, size_t *len)
{
	json_t		*body;
	char		*s = NULL;

	*len = 0;
	/* "max_tokens": the name OpenAI, Azure OpenAI, llama.cpp, vLLM and
	 * Ollama all accept (OpenAI's newer "max_completion_tokens" is not
	 * understood by every local server). */
	body = json_pack("{s:s, s:O, s:b, s:{s:b}, s:I}", "model", llm->model,
	    "messages", messages, "stream", 1, "stream_options",
	    "include_usage", 1, "max_tokens", (json_int_t)llm->max_tokens);
	if (body == NULL)
		return NULL;
	if (tools != NULL && json_array_size(tools) > 0 &&
	    (json_object_set(body, "tools", (json_t *)(uintptr_t)tools) != 0 ||
	    json_object_set_new(body, "tool_choice", json_string("auto")) !=
	    0))
		goto out;
	if ((s = jta_arena_json_dumps(body, JSON_COMPACT)) != NULL)
		*len = strlen(s);
out:
	json_decref(body);
	return s;
}

/* ---- the SSE parser ---- */

static enum jta_err
malformed(struct jta_error *err, const char *why)
{
	jta_log(JTA_LOG_WARN, "model answer refused: %s", why);
	return jta_error_set(err, JTA_ERR_UPSTREAM, 502, "model_answer",
	    "the model's answer could not be read; try again in a moment");
}

void
jta_llm_sse_init(struct jta_llm_sse *p, jta_llm_event_fn on_event,
    void *arg)
{
	memset(p, 0, sizeof(*p));
	jta_buf_init(&p->line, JTA_LIMIT_LLM_SSE_LINE);
	jta_buf_init(&p->data, JTA_LIMIT_LLM_SSE_EVENT);
	p->on_event = on_event;
	p->arg = arg;
}

void
jta_llm_sse_free(struct jta_llm_sse *p)
{
	if (p == NULL)
		return;
	jta_buf_free(&p->line);
	jta_buf_free(&p->data);
}

/* One whole line (without its end): WHATWG HTML §9.2.6, "process the
 * field". */
static enum jta_err
sse_line(struct jta_llm_sse *p, const char *l, size_t n,
    struct jta_error *err)
{
	enum jta_err	 rc;
	const char	*colon, *v;
	size_t		 fl, vl;

	if (n == 0) {
		/* Dispatch: the data without its last LF. */
		if (!p->has_data)
			return JTA_OK;
		vl = p->data.len;
		if (vl > 0)
			vl--;
		rc = p->on_event(p->data.p, vl, p->arg, err);
		jta_buf_setlen(&p->data, 0);
		p->has_data = 0;
		return rc;
	}
	if (l[0] == ':')
		return JTA_OK;	/* a comment (keep-alive) */
	if ((colon = memchr(l, ':', n)) != NULL) {
		fl = (size_t)(colon - l);
		v = colon + 1;
		vl = n - fl - 1;
		if (vl > 0 && *v == ' ') {
			v++;
			vl--;
		}
	} else {
		fl = n;
		v = "";
		vl = 0;
	}
	if (fl != 4 || memcmp(l, "data", 4) != 0)
		return JTA_OK;	/* event, id, retry: not used here */
	if (jta_buf_add(&p->data, v, vl) != JTA_OK ||
	    jta_buf_add(&p->data, "\n", 1) != JTA_OK)
		return malformed(err, "an event over its limit");
	p->has_data = 1;
	return JTA_OK;
}

enum jta_err
jta_llm_sse_feed(struct jta_llm_sse *p, const char *s, size_t n,
    struct jta_error *err)
{
	static const unsigned char bom[3] = { 0xEF, 0xBB, 0xBF };
	enum jta_err	 rc;
	size_t		 i, start;

	if (p->line.err != JTA_OK || p->data.err != JTA_OK)
		return malformed(err, "a stream that failed before");
	/* A leading BOM (U+FEFF, EF BB BF in UTF-8) is dropped, once,
	 * even when it comes split across pieces. */
	while (!p->started && n > 0) {
		if ((unsigned char)*s == bom[p->bomlen]) {
			s++;
			n--;
			if (++p->bomlen == sizeof(bom))
				p->started = 1;
			continue;
		}
		p->started = 1;
		/* Not a BOM after all: what matched is text of the line. */
		if (jta_buf_add(&p->line, bom, p->bomlen) != JTA_OK)
			return malformed(err, "a line over its limit");
	}
	start = 0;
	for (i = 0; i < n; i++) {
		if (s[i] != '\r' && s[i] != '\n')
			continue;
		if (s[i] == '\n' && i == 0 && p->lastcr && start == 0) {
			/* The LF of a CRLF split across pieces. */
			p->lastcr = 0;
			start = 1;
			continue;
		}
		if (jta_buf_add(&p->line, s + start, i - start) != JTA_OK)
			return malformed(err, "a line over its limit");
		rc = sse_line(p, p->line.len > 0 ? p->line.p : "",
		    p->line.len, err);
		jta_buf_setlen(&p->line, 0);
		if (rc != JTA_OK)
			return rc;
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
			i++;
		p->lastcr = s[i] == '\r';
		start = i + 1;
	}
	if (n > 0 && start == n && s[n - 1] != '\r')
		p->lastcr = 0;
	if (start < n) {
		p->lastcr = 0;
		if (jta_buf_add(&p->line, s + start, n - start) != JTA_OK)
			return malformed(err, "a line over its limit");
	}
	return JTA_OK;
}

/* ---- chunks ---- */

void
jta_llm_turn_init(struct jta_llm_turn *t)
{
	size_t	 i;

	memset(t, 0, sizeof(*t));
	jta_buf_init(&t->text, JTA_LIMIT_LLM_TEXT);
	for (i = 0; i < JTA_LIMIT_LLM_TOOL_CALLS; i++)
		jta_buf_init(&t->calls[i].args, JTA_LIMIT_LLM_TOOL_ARGS);
}

void
jta_llm_turn_free(struct jta_llm_turn *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	jta_buf_free(&t->text);
	for (i = 0; i < JTA_LIMIT_LLM_TOOL_CALLS; i++)
		jta_buf_free(&t->calls[i].args);
}

/* Nesting deeper than JTA_LIMIT_LLM_JSON_DEPTH is refused before jansson
 * sees the bytes, so its recursion is bounded by our limit. */
static int
depthok(const char *s, size_t len)
{
	size_t	 i, depth = 0;
	int	 instr = 0;

	for (i = 0; i < len; i++) {
		if (instr) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				instr = 0;
		} else if (s[i] == '"')
			instr = 1;
		else if (s[i] == '[' || s[i] == '{') {
			if (++depth > JTA_LIMIT_LLM_JSON_DEPTH)
				return 0;
		} else if ((s[i] == ']' || s[i] == '}') && depth > 0)
			depth--;
	}
	return 1;
}

/* Append a string member's text to a fixed field of size sz: pieces of a
 * name or an id may come split; past sz it is malformed. */
static int
addfixed(char *dst, size_t sz, const char *s, size_t n)
{
	size_t	 have = strlen(dst);

	if (n >= sz - have)
		return -1;
	memcpy(dst + have, s, n);
	dst[have + n] = '\0';
	return 0;
}

/* One element of delta.tool_calls. */
static enum jta_err
toolpiece(struct jta_llm_turn *t, const json_t *tc, struct jta_error *err)
{
	const json_t	*idx, *id, *fn, *name, *args;
	struct jta_llm_call *c;
	json_int_t	 i;

	if (!json_is_object(tc) ||
	    !json_is_integer(idx = json_object_get(tc, "index")))
		return malformed(err, "a tool call without an index");
	i = json_integer_value(idx);
	if (i < 0 || i >= JTA_LIMIT_LLM_TOOL_CALLS)
		return malformed(err, "too many tool calls");
	/* Calls come in index order; a new index opens the next call. */
	if ((size_t)i > t->ncalls)
		return malformed(err, "a tool call index out of order");
	if ((size_t)i == t->ncalls)
		t->ncalls++;
	c = &t->calls[i];
	id = json_object_get(tc, "id");
	if (id != NULL && !json_is_null(id)) {
		if (!json_is_string(id) || addfixed(c->id, sizeof(c->id),
		    json_string_value(id), json_string_length(id)) != 0)
			return malformed(err, "a bad tool call id");
	}
	fn = json_object_get(tc, "function");
	if (fn == NULL || json_is_null(fn))
		return JTA_OK;
	if (!json_is_object(fn))
		return malformed(err, "a tool call's function is no object");
	name = json_object_get(fn, "name");
	if (name != NULL && !json_is_null(name)) {
		if (!json_is_string(name) || addfixed(c->name,
		    sizeof(c->name), json_string_value(name),
		    json_string_length(name)) != 0)
			return malformed(err, "a bad tool name");
	}
	args = json_object_get(fn, "arguments");
	if (args != NULL && !json_is_null(args)) {
		if (!json_is_string(args) || jta_buf_add(&c->args,
		    json_string_value(args), json_string_length(args)) !=
		    JTA_OK)
			return malformed(err, "tool arguments over the limit");
	}
	return JTA_OK;
}

/* A non-negative token count, or -1. */
static int64_t
count(const json_t *o, const char *k)
{
	const json_t	*v = json_object_get(o, k);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	return (int64_t)json_integer_value(v);
}

enum jta_err
jta_llm_chunk(struct jta_llm_turn *t, const char *data, size_t len,
    jta_llm_delta_fn on_delta, void *arg, struct jta_error *err)
{
	enum jta_err	 rc;
	json_error_t	 je;
	json_t		*doc = NULL;
	const json_t	*choices, *ch, *delta, *v, *usage;
	size_t		 i;

	if (t->done)
		return malformed(err, "a chunk after [DONE]");
	if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
		t->done = 1;
		return JTA_OK;
	}
	if (!depthok(data, len))
		return malformed(err, "a chunk nested too deep");
	/* jansson checks UTF-8 and refuses \u0000; its error text may
	 * quote input, so only the position is logged. */
	if ((doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je)) ==
	    NULL) {
		jta_log(JTA_LOG_WARN, "model chunk is not JSON (at byte %d)",
		    je.position);
		return malformed(err, "a chunk that is not JSON");
	}
	if (!json_is_object(doc)) {
		rc = malformed(err, "a chunk that is no object");
		goto out;
	}
	if ((v = json_object_get(doc, "error")) != NULL && !json_is_null(v)) {
		/* The server's own error inside the stream; its text is not
		 * logged (it may quote what we sent). */
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, "model_error",
		    "the model server reported an error; try again in a "
		    "moment");
		jta_log(JTA_LOG_WARN, "model answer carried an error");
		goto out;
	}
	choices = json_object_get(doc, "choices");
	if (choices != NULL && !json_is_null(choices) &&
	    !json_is_array(choices)) {
		rc = malformed(err, "choices is no array");
		goto out;
	}
	json_array_foreach(choices, i, ch) {
		if (!json_is_object(ch)) {
			rc = malformed(err, "a choice is no object");
			goto out;
		}
		/* We ask for one choice (n defaults to 1); others are
		 * ignored. */
		v = json_object_get(ch, "index");
		if (v != NULL && (!json_is_integer(v) ||
		    json_integer_value(v) != 0))
			continue;
		delta = json_object_get(ch, "delta");
		if (delta != NULL && !json_is_null(delta)) {
			if (!json_is_object(delta)) {
				rc = malformed(err, "a delta is no object");
				goto out;
			}
			v = json_object_get(delta, "content");
			if (v != NULL && !json_is_null(v)) {
				if (!json_is_string(v)) {
					rc = malformed(err, "content is no "
					    "string");
					goto out;
				}
				if (jta_buf_add(&t->text, json_string_value(v),
				    json_string_length(v)) != JTA_OK) {
					rc = malformed(err, "text over the "
					    "limit");
					goto out;
				}
				if (on_delta != NULL &&
				    json_string_length(v) > 0 &&
				    on_delta(json_string_value(v),
				    json_string_length(v), arg) != 0) {
					rc = jta_error_set(err,
					    JTA_ERR_UPSTREAM, 502, "stopped",
					    "the answer was stopped");
					goto out;
				}
			}
			v = json_object_get(delta, "tool_calls");
			if (v != NULL && !json_is_null(v)) {
				const json_t	*tc;
				size_t		 k;

				if (!json_is_array(v)) {
					rc = malformed(err, "tool_calls is no "
					    "array");
					goto out;
				}
				json_array_foreach(v, k, tc)
					if ((rc = toolpiece(t, tc, err)) !=
					    JTA_OK)
						goto out;
			}
		}
		v = json_object_get(ch, "finish_reason");
		if (v != NULL && !json_is_null(v)) {
			if (!json_is_string(v) || json_string_length(v) >=
			    sizeof(t->finish)) {
				rc = malformed(err, "a bad finish_reason");
				goto out;
			}
			snprintf(t->finish, sizeof(t->finish), "%s",
			    json_string_value(v));
		}
	}
	usage = json_object_get(doc, "usage");
	if (usage != NULL && !json_is_null(usage)) {
		int64_t	 pt, ct;

		if (!json_is_object(usage) ||
		    (pt = count(usage, "prompt_tokens")) < 0 ||
		    (ct = count(usage, "completion_tokens")) < 0) {
			rc = malformed(err, "a bad usage");
			goto out;
		}
		t->has_usage = 1;
		t->prompt_tokens = pt;
		t->completion_tokens = ct;
	}
	rc = JTA_OK;
out:
	json_decref(doc);
	return rc;
}

/* ---- the call ---- */

struct callstate {
	struct jta_llm_sse	 sse;
	struct jta_llm_turn	*t;
	jta_llm_delta_fn	 on_delta;
	void			*arg;
	enum jta_err		 rc;	/* the first failure inside */
	struct jta_error	 inner;
};

static enum jta_err
onevent(const char *data, size_t len, void *arg, struct jta_error *err)
{
	struct callstate *cs = arg;

	return jta_llm_chunk(cs->t, data, len, cs->on_delta, cs->arg, err);
}

static int
ondata(const char *p, size_t n, void *arg)
{
	struct callstate *cs = arg;

	if (cs->rc != JTA_OK)
		return -1;
	cs->rc = jta_llm_sse_feed(&cs->sse, p, n, &cs->inner);
	return cs->rc == JTA_OK ? 0 : -1;
}

enum jta_err
jta_llm_call(const struct jta_llm *llm, const json_t *messages,
    const json_t *tools, struct jta_llm_turn *t, jta_llm_delta_fn on_delta,
    void *arg, struct jta_error *err)
{
	enum jta_err	 rc;
	struct jta_http_stream s;
	struct jta_http_streamed out;
	struct callstate *cs = NULL;
	char		*body = NULL;
	size_t		 bodylen;

	/* struct jta_error is large: the state lives on the heap. */
	if ((cs = calloc(1, sizeof(*cs))) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	jta_llm_sse_init(&cs->sse, onevent, cs);
	cs->t = t;
	cs->on_delta = on_delta;
	cs->arg = arg;
	if ((body = jta_llm_body(llm, messages, tools, &bodylen)) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	memset(&s, 0, sizeof(s));
	s.url = llm->url;
	s.content_type = "application/json";
	s.accept = "text/event-stream";
	s.body = body;
	s.bodylen = bodylen;
	if (llm->key != NULL) {
		s.key_header = llm->style == JTA_LLM_AZURE ? "api-key: " :
		    "Authorization: Bearer ";
		s.key = llm->key;
	}
	s.connect_ms = 10000;
	s.total_ms = JTA_LIMIT_LLM_CALL_SECONDS * 1000L;
	s.stall_s = llm->stall_s;
	s.on_data = ondata;
	s.arg = cs;
	rc = jta_http_stream_post(&s, &out, err);
	if (rc != JTA_OK && out.stopped && cs->rc != JTA_OK) {
		/* Our own reason: a malformed chunk, or on_delta. */
		if (err != NULL)
			*err = cs->inner;
		rc = cs->rc;
		goto out;
	}
	if (rc != JTA_OK) {
		if (err != NULL && rc == JTA_ERR_UPSTREAM) {
			const char *f = err->field;

			if (strcmp(f, "stall") == 0)
				jta_error_set(err, rc, 504, "model_stall",
				    "the model stopped answering; try again "
				    "in a moment");
			else if (strcmp(f, "timeout") == 0)
				jta_error_set(err, rc, 504, "model_timeout",
				    "the model took too long to answer");
			else if (strcmp(f, "size") == 0)
				jta_error_set(err, rc, 502, "model_answer",
				    "the model's answer was too long");
			else
				jta_error_set(err, rc, 502,
				    "model_unreachable", "the model server "
				    "could not be reached; try again in a "
				    "moment");
		}
		goto out;
	}
	if (out.status == 401 || out.status == 403) {
		jta_log(JTA_LOG_ERROR, "the model server refused the key "
		    "(HTTP %ld): check chat_api_key_file", out.status);
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 503, "model_key",
		    "the assistant is unavailable: the model server refused "
		    "this server's key");
		goto out;
	}
	if (out.status == 429) {
		jta_log(JTA_LOG_WARN, "the model server is busy (429), retry "
		    "after %ld s", out.retry_after);
		rc = jta_error_set(err, JTA_ERR_BUSY, 503, "model_busy",
		    "the model is busy; try again in %ld seconds",
		    out.retry_after < 0 ? 1L : out.retry_after);
		if (err != NULL)
			err->retry_after = out.retry_after < 0 ? 1 :
			    out.retry_after;
		goto out;
	}
	if (out.status >= 500) {
		jta_log(JTA_LOG_WARN, "the model server failed (HTTP %ld)",
		    out.status);
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, "model_error",
		    "the model server failed (HTTP %ld); try again in a "
		    "moment", out.status);
		goto out;
	}
	if (out.status < 200 || out.status > 299) {
		jta_log(JTA_LOG_ERROR, "the model server refused the request "
		    "(HTTP %ld): check chat_model and chat_base_url",
		    out.status);
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, "model_request",
		    "the model server refused the request (HTTP %ld)",
		    out.status);
		goto out;
	}
	if (!t->done && t->finish[0] == '\0') {
		rc = malformed(err, "a stream that ended before its end");
		goto out;
	}
	rc = JTA_OK;
out:
	if (cs != NULL)
		jta_llm_sse_free(&cs->sse);
	free(cs);
	free(body);
	return rc;
}
