/*
 * Unit tests for jta_llm: the SSE parser, the folding of chunks into an
 * answer, the request (URL, body, tools from the operation table), the
 * configuration, and real streamed calls over loopback against a small
 * forked server that answers canned responses and writes what it was
 * sent to a file for the test to read.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "jta_conf.h"
#include "jta_http.h"
#include "jta_limits.h"
#include "jta_llm.h"
#include "jta_log.h"
#include "jta_operation.h"
#include "jta_vault.h"
#include "check_main.h"

/* ---- collecting events and deltas ---- */

struct seen {
	char	 ev[16][256];
	size_t	 nev;
	char	 text[1024];
	int	 stop_after;	/* on_delta stops after this many; 0: never */
	int	 ndelta;
};

static enum jta_err
collect(const char *data, size_t len, void *arg, struct jta_error *err)
{
	struct seen	*s = arg;

	(void)err;
	ck_assert_uint_lt(s->nev, 16);
	ck_assert_uint_lt(len, sizeof(s->ev[0]));
	memcpy(s->ev[s->nev], data, len);
	s->ev[s->nev][len] = '\0';
	s->nev++;
	return JTA_OK;
}

static int
delta(const char *text, size_t len, void *arg)
{
	struct seen	*s = arg;
	size_t		 have = strlen(s->text);

	ck_assert_uint_lt(have + len, sizeof(s->text));
	memcpy(s->text + have, text, len);
	s->text[have + len] = '\0';
	s->ndelta++;
	return s->stop_after > 0 && s->ndelta >= s->stop_after ? -1 : 0;
}

/* Feed stream in pieces of step bytes (0: whole). */
static enum jta_err
feed(struct seen *s, const char *stream, size_t step)
{
	struct jta_llm_sse p;
	struct jta_error e;
	enum jta_err	 rc = JTA_OK;
	size_t		 n = strlen(stream), i, k;

	memset(s, 0, sizeof(*s));
	jta_llm_sse_init(&p, collect, s);
	if (step == 0)
		step = n;
	for (i = 0; i < n && rc == JTA_OK; i += step) {
		k = n - i < step ? n - i : step;
		rc = jta_llm_sse_feed(&p, stream + i, k, &e);
	}
	jta_llm_sse_free(&p);
	return rc;
}

/* ---- the SSE parser ---- */

static const char STREAM[] =
    "\xEF\xBB\xBF: keep-alive\r\n"
    "data: one\r\n\r\n"
    "event: ignored\n"
    "data:two\n"
    "data: lines\n\n"
    "id: 7\rdata: cr\r\r"
    "data\n\n"
    "retry: 10\n\n"
    "data: unfinished";

START_TEST(sse_events_are_the_same_in_any_pieces)
{
	struct seen	 s;
	size_t		 step;

	for (step = 0; step <= 7; step++) {
		ck_assert_int_eq(feed(&s, STREAM, step), JTA_OK);
		ck_assert_uint_eq(s.nev, 4);
		ck_assert_str_eq(s.ev[0], "one");
		ck_assert_str_eq(s.ev[1], "two\nlines");
		ck_assert_str_eq(s.ev[2], "cr");
		ck_assert_str_eq(s.ev[3], "");
	}
}
END_TEST

START_TEST(sse_bom_only_at_the_start_and_partial_bom_is_text)
{
	struct seen	 s;

	ck_assert_int_eq(feed(&s, "\xEF\xBB" "data: x\n\n", 1), JTA_OK);
	/* "\xEF\xBBdata: x" is no data field: ignored. */
	ck_assert_uint_eq(s.nev, 0);
	ck_assert_int_eq(feed(&s, "data: a\n\n\xEF\xBB\xBF" "data: b\n\n", 0),
	    JTA_OK);
	ck_assert_uint_eq(s.nev, 1);
}
END_TEST

START_TEST(sse_line_over_the_limit_is_refused)
{
	struct jta_llm_sse p;
	struct jta_error e;
	struct seen	 s;
	char		*big;
	size_t		 n = JTA_LIMIT_LLM_SSE_LINE + 1;

	memset(&s, 0, sizeof(s));
	big = malloc(n);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', n);
	memcpy(big, "data: ", 6);
	jta_llm_sse_init(&p, collect, &s);
	ck_assert_int_eq(jta_llm_sse_feed(&p, big, n, &e), JTA_ERR_UPSTREAM);
	ck_assert_int_eq(e.status, 502);
	ck_assert_str_eq(e.field, "model_answer");
	/* And it stays failed. */
	ck_assert_int_eq(jta_llm_sse_feed(&p, "\n\n", 2, &e),
	    JTA_ERR_UPSTREAM);
	ck_assert_uint_eq(s.nev, 0);
	jta_llm_sse_free(&p);
	free(big);
}
END_TEST

START_TEST(sse_event_over_the_limit_is_refused)
{
	struct jta_llm_sse p;
	struct jta_error e;
	struct seen	 s;
	char		 line[1030];
	enum jta_err	 rc = JTA_OK;
	size_t		 i;

	memset(&s, 0, sizeof(s));
	memset(line, 'b', sizeof(line));
	memcpy(line, "data: ", 6);
	line[sizeof(line) - 1] = '\n';
	jta_llm_sse_init(&p, collect, &s);
	for (i = 0; i < JTA_LIMIT_LLM_SSE_EVENT / 1000 + 2 && rc == JTA_OK;
	    i++)
		rc = jta_llm_sse_feed(&p, line, sizeof(line), &e);
	ck_assert_int_eq(rc, JTA_ERR_UPSTREAM);
	ck_assert_uint_eq(s.nev, 0);
	jta_llm_sse_free(&p);
}
END_TEST

/* ---- chunks ---- */

static enum jta_err
chunk(struct jta_llm_turn *t, struct seen *s, const char *c,
    struct jta_error *e)
{
	return jta_llm_chunk(t, c, strlen(c), delta, s, e);
}

START_TEST(chunks_fold_text_finish_and_usage)
{
	struct jta_llm_turn t;
	struct jta_error e;
	struct seen	 s;

	memset(&s, 0, sizeof(s));
	jta_llm_turn_init(&t);
	ck_assert_int_eq(chunk(&t, &s, "{\"object\":\"chat.completion.chunk\","
	    "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
	    "\"content\":\"Hel\"},\"finish_reason\":null}]}", &e), JTA_OK);
	ck_assert_int_eq(chunk(&t, &s, "{\"choices\":[{\"index\":0,\"delta\":"
	    "{\"content\":\"lo \\u00e9\"}}]}", &e), JTA_OK);
	ck_assert_int_eq(chunk(&t, &s, "{\"choices\":[{\"index\":0,\"delta\":"
	    "{},\"finish_reason\":\"stop\"}]}", &e), JTA_OK);
	ck_assert_int_eq(chunk(&t, &s, "{\"choices\":[],\"usage\":"
	    "{\"prompt_tokens\":120,\"completion_tokens\":7,"
	    "\"total_tokens\":127}}", &e), JTA_OK);
	ck_assert_int_eq(chunk(&t, &s, "[DONE]", &e), JTA_OK);
	ck_assert_str_eq(jta_buf_str(&t.text), "Hello \xc3\xa9");
	ck_assert_str_eq(s.text, "Hello \xc3\xa9");
	ck_assert_int_eq(s.ndelta, 2);
	ck_assert_str_eq(t.finish, "stop");
	ck_assert_int_eq(t.has_usage, 1);
	ck_assert_int_eq(t.prompt_tokens, 120);
	ck_assert_int_eq(t.completion_tokens, 7);
	ck_assert_int_eq(t.done, 1);
	ck_assert_uint_eq(t.ncalls, 0);
	/* Nothing after [DONE]. */
	ck_assert_int_eq(chunk(&t, &s, "{}", &e), JTA_ERR_UPSTREAM);
	jta_llm_turn_free(&t);
}
END_TEST

START_TEST(chunks_fold_tool_calls_split_across_chunks)
{
	struct jta_llm_turn t;
	struct jta_error e;
	struct seen	 s;

	memset(&s, 0, sizeof(s));
	jta_llm_turn_init(&t);
	ck_assert_int_eq(chunk(&t, &s, "{\"choices\":[{\"index\":0,\"delta\":"
	    "{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":"
	    "\"function\",\"function\":{\"name\":\"searchIssues\","
	    "\"arguments\":\"\"}}]}}]}", &e), JTA_OK);
	ck_assert_int_eq(chunk(&t, &s, "{\"choices\":[{\"index\":0,\"delta\":"
	    "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
	    "\"{\\\"q\\\":\"}}]}}]}", &e), JTA_OK);
	ck_assert_int_eq(chunk(&t, &s, "{\"choices\":[{\"index\":0,\"delta\":"
	    "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
	    "\"\\\"vpn\\\"}\"}},{\"index\":1,\"id\":\"call_2\",\"function\":"
	    "{\"name\":\"getMe\",\"arguments\":\"{}\"}}]}}]}", &e), JTA_OK);
	ck_assert_int_eq(chunk(&t, &s, "{\"choices\":[{\"index\":0,\"delta\":"
	    "{},\"finish_reason\":\"tool_calls\"}]}", &e), JTA_OK);
	ck_assert_uint_eq(t.ncalls, 2);
	ck_assert_str_eq(t.calls[0].id, "call_1");
	ck_assert_str_eq(t.calls[0].name, "searchIssues");
	ck_assert_str_eq(jta_buf_str(&t.calls[0].args), "{\"q\":\"vpn\"}");
	ck_assert_str_eq(t.calls[1].id, "call_2");
	ck_assert_str_eq(t.calls[1].name, "getMe");
	ck_assert_str_eq(t.finish, "tool_calls");
	ck_assert_int_eq(s.ndelta, 0);
	jta_llm_turn_free(&t);
}
END_TEST

/* Each of these is refused as malformed, never a crash. */
static const char *const bad_chunks[] = {
	"",
	"not json",
	"{\"choices\":[{\"delta\":{\"content\":\"a\"}}]",
	"[1,2]",
	"\"text\"",
	"{\"choices\":{}}",
	"{\"choices\":[7]}",
	"{\"choices\":[{\"delta\":[]}]}",
	"{\"choices\":[{\"delta\":{\"content\":5}}]}",
	"{\"choices\":[{\"delta\":{\"tool_calls\":{}}}]}",
	"{\"choices\":[{\"delta\":{\"tool_calls\":[{\"id\":\"x\"}]}}]}",
	"{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":-1}]}}]}",
	"{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":1}]}}]}",
	"{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":99}]}}]}",
	"{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,"
	    "\"function\":{\"name\":3}}]}}]}",
	"{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,"
	    "\"function\":{\"arguments\":{}}}]}}]}",
	"{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,"
	    "\"function\":\"f\"}]}}]}",
	"{\"choices\":[{\"finish_reason\":3}]}",
	"{\"usage\":{\"prompt_tokens\":-1,\"completion_tokens\":1}}",
	"{\"usage\":{\"prompt_tokens\":\"1\",\"completion_tokens\":1}}",
	"{\"usage\":7}",
	"{\"a\":1,\"a\":2}",
	"{\"error\":{\"message\":\"Incorrect API key provided: sk-***\"}}",
	"{\"choices\":[{\"delta\":{\"content\":\"\\u0000\"}}]}",
	"{\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]"
	    "]]]]]]]]]]]]]]]]]]]]]}",
};

START_TEST(malformed_chunks_are_refused)
{
	struct jta_llm_turn t;
	struct jta_error e;
	struct seen	 s;
	size_t		 i;

	for (i = 0; i < sizeof(bad_chunks) / sizeof(bad_chunks[0]); i++) {
		memset(&s, 0, sizeof(s));
		memset(&e, 0, sizeof(e));
		jta_llm_turn_init(&t);
		if (chunk(&t, &s, bad_chunks[i], &e) != JTA_ERR_UPSTREAM)
			ck_abort_msg("chunk %zu was taken: %s", i,
			    bad_chunks[i]);
		ck_assert_int_eq(e.status, 502);
		/* The detail never quotes the chunk. */
		ck_assert_ptr_null(strstr(e.detail, "sk-"));
		jta_llm_turn_free(&t);
	}
}
END_TEST

START_TEST(too_many_tool_calls_are_refused)
{
	struct jta_llm_turn t;
	struct jta_error e;
	struct seen	 s;
	char		 c[256];
	int		 i;

	memset(&s, 0, sizeof(s));
	jta_llm_turn_init(&t);
	for (i = 0; i < JTA_LIMIT_LLM_TOOL_CALLS; i++) {
		snprintf(c, sizeof(c), "{\"choices\":[{\"delta\":{"
		    "\"tool_calls\":[{\"index\":%d,\"id\":\"c%d\","
		    "\"function\":{\"name\":\"getMe\"}}]}}]}", i, i);
		ck_assert_int_eq(chunk(&t, &s, c, &e), JTA_OK);
	}
	snprintf(c, sizeof(c), "{\"choices\":[{\"delta\":{\"tool_calls\":[{"
	    "\"index\":%d}]}}]}", JTA_LIMIT_LLM_TOOL_CALLS);
	ck_assert_int_eq(chunk(&t, &s, c, &e), JTA_ERR_UPSTREAM);
	jta_llm_turn_free(&t);
}
END_TEST

START_TEST(delta_callback_can_stop_the_answer)
{
	struct jta_llm_turn t;
	struct jta_error e;
	struct seen	 s;

	memset(&s, 0, sizeof(s));
	s.stop_after = 1;
	jta_llm_turn_init(&t);
	ck_assert_int_eq(chunk(&t, &s, "{\"choices\":[{\"delta\":{\"content\":"
	    "\"a\"}}]}", &e), JTA_ERR_UPSTREAM);
	ck_assert_str_eq(e.field, "stopped");
	jta_llm_turn_free(&t);
}
END_TEST

/* ---- the request ---- */

START_TEST(url_for_openai_and_azure)
{
	char	 u[512];

	ck_assert_int_eq(jta_llm_url(JTA_LLM_OPENAI,
	    "https://api.openai.com/v1/", "gpt-4o-mini", "", u, sizeof(u)),
	    0);
	ck_assert_str_eq(u, "https://api.openai.com/v1/chat/completions");
	ck_assert_int_eq(jta_llm_url(JTA_LLM_AZURE,
	    "https://res.openai.azure.com", "my deploy", "2024-10-21", u,
	    sizeof(u)), 0);
	ck_assert_str_eq(u, "https://res.openai.azure.com/openai/deployments/"
	    "my%20deploy/chat/completions?api-version=2024-10-21");
	ck_assert_int_eq(jta_llm_url(JTA_LLM_OPENAI,
	    "http://127.0.0.1:8080/v1", "m", "", u, 20), -1);
}
END_TEST

START_TEST(tools_are_the_operation_table)
{
	const struct jta_operation *op;
	json_t		*tools, *fn;
	size_t		 i, n = 0;

	while (jta_operation_at(n) != NULL)
		n++;
	tools = jta_llm_tools();
	ck_assert_ptr_nonnull(tools);
	ck_assert_uint_eq(json_array_size(tools), n);
	for (i = 0; i < n; i++) {
		op = jta_operation_at(i);
		ck_assert_str_eq(json_string_value(json_object_get(
		    json_array_get(tools, i), "type")), "function");
		fn = json_object_get(json_array_get(tools, i), "function");
		ck_assert_str_eq(json_string_value(json_object_get(fn,
		    "name")), op->name);
		ck_assert_str_eq(json_string_value(json_object_get(fn,
		    "description")), op->description);
		ck_assert(json_is_object(json_object_get(fn, "parameters")));
		ck_assert_ptr_null(json_object_get(json_object_get(fn,
		    "parameters"), "$schema"));
	}
	json_decref(tools);
}
END_TEST

START_TEST(body_asks_for_a_stream_with_usage)
{
	struct jta_llm	 llm;
	json_t		*msgs, *tools, *b;
	char		*s;
	size_t		 len;

	memset(&llm, 0, sizeof(llm));
	snprintf(llm.model, sizeof(llm.model), "%s", "m1");
	llm.max_tokens = 256;
	msgs = json_pack("[{s:s, s:s}]", "role", "user", "content", "hi");
	tools = jta_llm_tools();
	s = jta_llm_body(&llm, msgs, tools, &len);
	ck_assert_ptr_nonnull(s);
	b = json_loadb(s, len, 0, NULL);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(json_string_value(json_object_get(b, "model")), "m1");
	ck_assert(json_is_true(json_object_get(b, "stream")));
	ck_assert(json_is_true(json_object_get(json_object_get(b,
	    "stream_options"), "include_usage")));
	ck_assert_int_eq(json_integer_value(json_object_get(b, "max_tokens")),
	    256);
	ck_assert(json_equal(json_object_get(b, "messages"), msgs));
	ck_assert(json_equal(json_object_get(b, "tools"), tools));
	json_decref(b);
	free(s);
	/* No tools: no "tools", no "tool_choice". */
	s = jta_llm_body(&llm, msgs, NULL, &len);
	b = json_loadb(s, len, 0, NULL);
	ck_assert_ptr_null(json_object_get(b, "tools"));
	ck_assert_ptr_null(json_object_get(b, "tool_choice"));
	json_decref(b);
	free(s);
	json_decref(msgs);
	json_decref(tools);
}
END_TEST

/* ---- configuration ---- */

static char	 tmpdir[] = "/tmp/jta-llm-XXXXXX";

static enum jta_err
conf_text(struct jta_conf *c, const char *text, char *msg, size_t msgsz)
{
	jta_conf_defaults(c);
	return jta_conf_parse(c, "t.conf", text, strlen(text), msg, msgsz);
}

START_TEST(conf_keys_parse_and_bad_values_are_named)
{
	struct jta_conf	 c;
	char		 msg[512];

	ck_assert_int_eq(conf_text(&c, "chat_base_url = "
	    "https://res.openai.azure.com\nchat_model = gpt-4o\n"
	    "chat_api_style = azure\nchat_azure_api_version = 2024-10-21\n"
	    "chat_timeout_seconds = 20\nchat_max_tokens = 500\n"
	    "chat_max_tool_rounds = 4\nchat_allowed_origins = "
	    "https://portal.example.com http://localhost:8000\n", msg,
	    sizeof(msg)), JTA_OK);
	ck_assert_int_eq(c.chat_api_style, JTA_LLM_AZURE);
	ck_assert_str_eq(c.chat_model, "gpt-4o");
	ck_assert_int_eq(c.chat_timeout_seconds, 20);
	ck_assert_int_eq(c.chat_max_tokens, 500);
	ck_assert_int_eq(c.chat_max_tool_rounds, 4);
	ck_assert_int_ne(conf_text(&c, "chat_api_style = anthropic\n", msg,
	    sizeof(msg)), JTA_OK);
	ck_assert_ptr_nonnull(strstr(msg, "chat_api_style"));
	ck_assert_int_ne(conf_text(&c, "chat_model = a b\n", msg,
	    sizeof(msg)), JTA_OK);
	ck_assert_int_ne(conf_text(&c, "chat_max_tool_rounds = 21\n", msg,
	    sizeof(msg)), JTA_OK);
	ck_assert_int_ne(conf_text(&c, "chat_allowed_origins = "
	    "https://a.example/path\n", msg, sizeof(msg)), JTA_OK);
	ck_assert_int_ne(conf_text(&c, "chat_allowed_origins = "
	    "https://a.example  https://b.example\n", msg, sizeof(msg)),
	    JTA_OK);
	ck_assert_int_ne(conf_text(&c, "chat_allowed_origins = "
	    "ftp://a.example\n", msg, sizeof(msg)), JTA_OK);
}
END_TEST

START_TEST(open_needs_url_and_model_and_a_private_key_file)
{
	struct jta_conf	 c;
	struct jta_llm	 llm;
	char		 msg[512], path[128];
	FILE		*f;

	jta_conf_defaults(&c);
	ck_assert_int_eq(jta_llm_open(&c, &llm, msg, sizeof(msg)),
	    JTA_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(msg, "chat is not configured"));
	jta_llm_close(&llm);
	snprintf(c.chat_base_url, sizeof(c.chat_base_url), "%s",
	    "http://127.0.0.1:9/v1");
	snprintf(c.chat_model, sizeof(c.chat_model), "%s", "m");
	/* A local server without a key. */
	ck_assert_int_eq(jta_llm_open(&c, &llm, msg, sizeof(msg)), JTA_OK);
	ck_assert_ptr_null(llm.key);
	ck_assert_str_eq(llm.url, "http://127.0.0.1:9/v1/chat/completions");
	jta_llm_close(&llm);
	snprintf(path, sizeof(path), "%s/model.key", tmpdir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("sk-test-secret\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0644), 0);
	snprintf(c.chat_api_key_file, sizeof(c.chat_api_key_file), "%s",
	    path);
	ck_assert_int_eq(jta_llm_open(&c, &llm, msg, sizeof(msg)),
	    JTA_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(msg, "chat_api_key_file"));
	ck_assert_ptr_null(strstr(msg, "sk-test"));
	jta_llm_close(&llm);
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(jta_llm_open(&c, &llm, msg, sizeof(msg)), JTA_OK);
	ck_assert_ptr_nonnull(llm.key);
	ck_assert_uint_eq(llm.key->len, strlen("sk-test-secret"));
	jta_llm_close(&llm);
	/* Azure needs a key. */
	c.chat_api_style = JTA_LLM_AZURE;
	c.chat_api_key_file[0] = '\0';
	ck_assert_int_eq(jta_llm_open(&c, &llm, msg, sizeof(msg)),
	    JTA_ERR_CONFIG);
	jta_llm_close(&llm);
	unlink(path);
}
END_TEST

/* ---- streamed calls against a canned server ---- */

struct canned {
	const char	*head;		/* raw HTTP head and first bytes */
	unsigned	 hold_ms;	/* then wait before the rest */
	const char	*rest;		/* NULL: close after head */
};

struct server {
	pid_t	 pid;
	int	 port;
	char	 seen[64];
};

static void
serve(int ls, const struct canned *c, const char *seen)
{
	char	 buf[65536];
	FILE	*f;
	ssize_t	 r;
	size_t	 got = 0;
	int	 fd;

	if ((fd = accept(ls, NULL, NULL)) < 0)
		_exit(1);
	/* Read the head and the body (Content-Length) as it comes. */
	while (got < sizeof(buf) - 1 &&
	    (r = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0) {
		const char *he, *cl;

		got += (size_t)r;
		buf[got] = '\0';
		if ((he = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		cl = strcasestr(buf, "content-length:");
		if (cl == NULL || (size_t)(he + 4 - buf) +
		    strtoul(cl + 15, NULL, 10) <= got)
			break;
	}
	if ((f = fopen(seen, "w")) != NULL) {
		fwrite(buf, 1, got, f);
		fclose(f);
	}
	if (write(fd, c->head, strlen(c->head)) < 0)
		_exit(1);
	if (c->hold_ms > 0)
		usleep(c->hold_ms * 1000u);
	if (c->rest != NULL && write(fd, c->rest, strlen(c->rest)) < 0)
		_exit(1);
	close(fd);
	_exit(0);
}

static void
server_start(struct server *s, const struct canned *c)
{
	struct sockaddr_in sa;
	socklen_t	 sl = sizeof(sa);
	int		 ls, one = 1;

	memset(s, 0, sizeof(*s));
	snprintf(s->seen, sizeof(s->seen), "%s/seen-XXXXXX", tmpdir);
	ls = mkstemp(s->seen);
	ck_assert_int_ge(ls, 0);
	close(ls);
	ls = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(ls, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(ls, 8), 0);
	ck_assert_int_eq(getsockname(ls, (struct sockaddr *)&sa, &sl), 0);
	s->port = ntohs(sa.sin_port);
	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (s->pid == 0) {
		signal(SIGTERM, SIG_DFL);
		serve(ls, c, s->seen);
	}
	close(ls);
}

static void
server_stop(struct server *s, char *buf, size_t bufsz)
{
	FILE	*f;
	size_t	 n = 0;

	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	if ((f = fopen(s->seen, "r")) != NULL) {
		n = fread(buf, 1, bufsz - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	unlink(s->seen);
}

struct run {
	struct server		 s;
	struct jta_llm		 llm;
	struct jta_llm_turn	 t;
	struct jta_error	 e;
	struct seen		 d;
	char			 seen[65536];
	enum jta_err		 rc;
};

/* One call of style with key (NULL: none) against c. */
static void
run(struct run *r, const struct canned *c, enum jta_llm_style style,
    const char *key)
{
	json_t	*msgs;

	memset(r, 0, sizeof(*r));
	server_start(&r->s, c);
	r->llm.style = style;
	snprintf(r->llm.model, sizeof(r->llm.model), "%s", "m1");
	ck_assert_int_eq(jta_llm_url(style, "http://127.0.0.1", "m1",
	    "2024-10-21", r->llm.url, sizeof(r->llm.url)), 0);
	{
		/* The port goes after the host. */
		char	 base[64];

		snprintf(base, sizeof(base), "http://127.0.0.1:%d/v1",
		    r->s.port);
		ck_assert_int_eq(jta_llm_url(style, base, "m1", "2024-10-21",
		    r->llm.url, sizeof(r->llm.url)), 0);
	}
	r->llm.stall_s = 1;
	r->llm.max_tokens = 100;
	if (key != NULL) {
		r->llm.key = jta_secret_new(strlen(key));
		ck_assert_ptr_nonnull(r->llm.key);
		memcpy(r->llm.key->buf, key, strlen(key));
	}
	msgs = json_pack("[{s:s, s:s}]", "role", "user", "content", "hi");
	jta_llm_turn_init(&r->t);
	r->rc = jta_llm_call(&r->llm, msgs, NULL, &r->t, delta, &r->d, &r->e);
	json_decref(msgs);
	server_stop(&r->s, r->seen, sizeof(r->seen));
}

static void
run_end(struct run *r)
{
	jta_llm_turn_free(&r->t);
	jta_llm_close(&r->llm);
}

#define SSE_HEAD "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n" \
	"Connection: close\r\n\r\n"

START_TEST(streamed_answer_with_usage_and_bearer_key)
{
	static const struct canned c = { SSE_HEAD
	    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":"
	    "\"Hi \"}}]}\n\n", 50,
	    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":"
	    "\"there\"},\"finish_reason\":\"stop\"}]}\n\n"
	    "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":11,"
	    "\"completion_tokens\":2}}\n\ndata: [DONE]\n\n" };
	struct run	 r;

	run(&r, &c, JTA_LLM_OPENAI, "sk-abc");
	ck_assert_int_eq(r.rc, JTA_OK);
	ck_assert_str_eq(r.d.text, "Hi there");
	ck_assert_int_eq(r.d.ndelta, 2);
	ck_assert_int_eq(r.t.prompt_tokens, 11);
	ck_assert_int_eq(r.t.completion_tokens, 2);
	ck_assert_ptr_nonnull(strstr(r.seen, "POST /v1/chat/completions "));
	ck_assert_ptr_nonnull(strstr(r.seen, "Authorization: Bearer sk-abc"));
	ck_assert_ptr_nonnull(strstr(r.seen, "Accept: text/event-stream"));
	ck_assert_ptr_nonnull(strstr(r.seen, "\"stream\":true"));
	run_end(&r);
}
END_TEST

START_TEST(azure_sends_api_key_header_and_deployment_url)
{
	static const struct canned c = { SSE_HEAD
	    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"},"
	    "\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n", 0, NULL };
	struct run	 r;

	run(&r, &c, JTA_LLM_AZURE, "az-key");
	ck_assert_int_eq(r.rc, JTA_OK);
	ck_assert_ptr_nonnull(strstr(r.seen, "POST /v1/openai/deployments/m1/"
	    "chat/completions?api-version=2024-10-21 "));
	ck_assert_ptr_nonnull(strstr(r.seen, "api-key: az-key"));
	ck_assert_ptr_null(strstr(r.seen, "Authorization"));
	run_end(&r);
}
END_TEST

START_TEST(refused_key_is_model_key)
{
	static const struct canned c = { "HTTP/1.1 401 Unauthorized\r\n"
	    "Content-Type: application/json\r\n"
	    "Connection: close\r\n\r\n"
	    "{\"error\":{\"message\":\"Incorrect API key: sk-a**c\"}}", 0,
	    NULL };
	struct run	 r;

	run(&r, &c, JTA_LLM_OPENAI, "sk-abc");
	ck_assert_int_eq(r.rc, JTA_ERR_UPSTREAM);
	ck_assert_str_eq(r.e.field, "model_key");
	ck_assert_int_eq(r.e.status, 503);
	ck_assert_ptr_null(strstr(r.e.detail, "sk-"));
	ck_assert_int_eq(r.d.ndelta, 0);
	run_end(&r);
}
END_TEST

START_TEST(busy_model_is_503_with_retry_after)
{
	static const struct canned c = { "HTTP/1.1 429 Too Many Requests\r\n"
	    "Retry-After: 7\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
	    0, NULL };
	struct run	 r;

	run(&r, &c, JTA_LLM_OPENAI, NULL);
	ck_assert_int_eq(r.rc, JTA_ERR_BUSY);
	ck_assert_str_eq(r.e.field, "model_busy");
	ck_assert_int_eq(r.e.status, 503);
	ck_assert_int_eq(r.e.retry_after, 7);
	ck_assert_ptr_null(strstr(r.seen, "Authorization"));
	run_end(&r);
}
END_TEST

START_TEST(server_error_is_model_error)
{
	static const struct canned c = { "HTTP/1.1 500 Oops\r\n"
	    "Content-Length: 2\r\nConnection: close\r\n\r\n{}", 0, NULL };
	struct run	 r;

	run(&r, &c, JTA_LLM_OPENAI, NULL);
	ck_assert_int_eq(r.rc, JTA_ERR_UPSTREAM);
	ck_assert_str_eq(r.e.field, "model_error");
	run_end(&r);
}
END_TEST

START_TEST(wrong_model_is_model_request)
{
	static const struct canned c = { "HTTP/1.1 404 Not Found\r\n"
	    "Content-Length: 2\r\nConnection: close\r\n\r\n{}", 0, NULL };
	struct run	 r;

	run(&r, &c, JTA_LLM_OPENAI, NULL);
	ck_assert_int_eq(r.rc, JTA_ERR_UPSTREAM);
	ck_assert_str_eq(r.e.field, "model_request");
	run_end(&r);
}
END_TEST

START_TEST(stalled_model_is_model_stall_after_what_came)
{
	/* stall_s is 1: the server holds the rest for 3 s. */
	static const struct canned c = { SSE_HEAD
	    "data: {\"choices\":[{\"delta\":{\"content\":\"par\"}}]}\n\n",
	    3000, "data: [DONE]\n\n" };
	struct run	 r;

	run(&r, &c, JTA_LLM_OPENAI, NULL);
	ck_assert_int_eq(r.rc, JTA_ERR_UPSTREAM);
	ck_assert_str_eq(r.e.field, "model_stall");
	ck_assert_str_eq(r.d.text, "par");
	run_end(&r);
}
END_TEST

START_TEST(malformed_chunk_in_the_stream_is_model_answer)
{
	static const struct canned c = { SSE_HEAD
	    "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"
	    "data: {\"choices\":[{\"delta\":{\"content\":\n\n"
	    "data: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\n"
	    "data: [DONE]\n\n", 0, NULL };
	struct run	 r;

	run(&r, &c, JTA_LLM_OPENAI, NULL);
	ck_assert_int_eq(r.rc, JTA_ERR_UPSTREAM);
	ck_assert_str_eq(r.e.field, "model_answer");
	ck_assert_str_eq(r.d.text, "a");
	run_end(&r);
}
END_TEST

START_TEST(unfinished_stream_is_model_answer)
{
	static const struct canned c = { SSE_HEAD
	    "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n", 0,
	    NULL };
	struct run	 r;

	run(&r, &c, JTA_LLM_OPENAI, NULL);
	ck_assert_int_eq(r.rc, JTA_ERR_UPSTREAM);
	ck_assert_str_eq(r.e.field, "model_answer");
	run_end(&r);
}
END_TEST

START_TEST(refused_connection_is_model_unreachable)
{
	struct jta_llm	 llm;
	struct jta_llm_turn t;
	struct jta_error e;
	json_t		*msgs = json_array();

	memset(&llm, 0, sizeof(llm));
	/* Port 9 (discard) is closed on the test hosts. */
	snprintf(llm.url, sizeof(llm.url), "%s",
	    "http://127.0.0.1:9/v1/chat/completions");
	snprintf(llm.model, sizeof(llm.model), "%s", "m");
	llm.stall_s = 1;
	jta_llm_turn_init(&t);
	ck_assert_int_eq(jta_llm_call(&llm, msgs, NULL, &t, NULL, NULL, &e),
	    JTA_ERR_UPSTREAM);
	ck_assert_str_eq(e.field, "model_unreachable");
	jta_llm_turn_free(&t);
	json_decref(msgs);
}
END_TEST

static Suite *
llm_suite(void)
{
	Suite	*s = suite_create("llm");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, sse_events_are_the_same_in_any_pieces);
	tcase_add_test(tc, sse_bom_only_at_the_start_and_partial_bom_is_text);
	tcase_add_test(tc, sse_line_over_the_limit_is_refused);
	tcase_add_test(tc, sse_event_over_the_limit_is_refused);
	tcase_add_test(tc, chunks_fold_text_finish_and_usage);
	tcase_add_test(tc, chunks_fold_tool_calls_split_across_chunks);
	tcase_add_test(tc, malformed_chunks_are_refused);
	tcase_add_test(tc, too_many_tool_calls_are_refused);
	tcase_add_test(tc, delta_callback_can_stop_the_answer);
	tcase_add_test(tc, url_for_openai_and_azure);
	tcase_add_test(tc, tools_are_the_operation_table);
	tcase_add_test(tc, body_asks_for_a_stream_with_usage);
	tcase_add_test(tc, conf_keys_parse_and_bad_values_are_named);
	tcase_add_test(tc, open_needs_url_and_model_and_a_private_key_file);
	tcase_add_test(tc, streamed_answer_with_usage_and_bearer_key);
	tcase_add_test(tc, azure_sends_api_key_header_and_deployment_url);
	tcase_add_test(tc, refused_key_is_model_key);
	tcase_add_test(tc, busy_model_is_503_with_retry_after);
	tcase_add_test(tc, server_error_is_model_error);
	tcase_add_test(tc, wrong_model_is_model_request);
	tcase_add_test(tc, stalled_model_is_model_stall_after_what_came);
	tcase_add_test(tc, malformed_chunk_in_the_stream_is_model_answer);
	tcase_add_test(tc, unfinished_stream_is_model_answer);
	tcase_add_test(tc, refused_connection_is_model_unreachable);
	suite_add_tcase(s, tc);
	return s;
}

static void
done(void)
{
	char	 cmd[64];

	jta_http_global_free();
	/* The directory holds only what the tests wrote and removed. */
	snprintf(cmd, sizeof(cmd), "%s", tmpdir);
	rmdir(cmd);
}

Suite *
jta_check_suite(void)
{
	signal(SIGPIPE, SIG_IGN);
	jta_log_set_level(JTA_LOG_ERROR);
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return NULL;
	}
	if (jta_http_global_init() != JTA_OK)
		return NULL;
	jta_check_at_end(done);
	return llm_suite();
}
