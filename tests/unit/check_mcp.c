/*
 * Unit tests for jta_mcp (the protocol, without FastCGI) and
 * jta_operation (the table, its schemas, arguments and the REST request
 * a tool call is).  Tools run through a fake runner that records what it
 * was given, so the answers' shapes are checked without a backend.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "jta_endpoint.h"
#include "jta_limits.h"
#include "jta_mcp.h"
#include "jta_operation.h"
#include "check_main.h"

#define MODERN	"2026-07-28"

static struct jta_mcp_http
hdr(const char *version, const char *method, const char *name)
{
	struct jta_mcp_http h;

	h.content_type = "application/json";
	h.version = version;
	h.method = method;
	h.name = name;
	return h;
}

/* Parse s; returns the status, *answer the error (or NULL). */
static int
parse(const char *s, const struct jta_mcp_http *h, struct jta_mcp_call *c,
    json_t **answer, enum jta_err *rc)
{
	int	 st;

	*rc = jta_mcp_parse(s, strlen(s), h, c, &st, answer);
	return st;
}

static int
errcode(const json_t *a)
{
	return (int)json_integer_value(json_object_get(json_object_get(a,
	    "error"), "code"));
}

/* The fake tool runner: createDraft lacks project and summary unless both
 * are given; every other tool answers {"ok": true, "key": "DEMO-1"}. */
static int runs;
static enum jta_err
fake(void *arg, const struct jta_operation *op, const char *param,
    const json_t *in, int *status, json_t **out, struct jta_error *err)
{
	(void)arg;
	(void)param;
	runs++;
	if (strcmp(op->name, "createDraft") == 0 &&
	    (json_object_get(in, "project") == NULL ||
	    json_object_get(in, "summary") == NULL)) {
		jta_error_begin(err);
		if (json_object_get(in, "project") == NULL) {
			jta_error_add(err, "project", "is required");
			jta_error_name(err, "Project");
			jta_error_allow(err, "DEMO");
			jta_error_allow(err, "OPS");
			jta_error_ask_about(err, JTA_ASK_ONE);
		}
		if (json_object_get(in, "summary") == NULL) {
			jta_error_add(err, "summary", "is required");
			jta_error_ask_about(err, JTA_ASK_TEXT);
		}
		return jta_error_collected(err);
	}
	*status = 200;
	*out = json_pack("{s:b, s:s}", "ok", 1, "key", "DEMO-1");
	return JTA_OK;
}

START_TEST(parse_refusals)
{
	struct jta_mcp_call c;
	struct jta_mcp_http h = hdr("2025-11-25", NULL, NULL);
	json_t		*a;
	enum jta_err	 rc;

	ck_assert_int_eq(parse("{\"jsonrpc\":", &h, &c, &a, &rc), 400);
	ck_assert_int_eq(errcode(a), JTA_MCP_PARSE_ERROR);
	ck_assert_ptr_null(json_object_get(a, "id"));
	json_decref(a);
	ck_assert_int_eq(parse("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"ping\"}]", &h, &c, &a, &rc), 400);
	ck_assert_int_eq(errcode(a), JTA_MCP_INVALID_REQUEST);
	json_decref(a);
	ck_assert_int_eq(parse("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":"
	    "\"ping\"}", &h, &c, &a, &rc), 400);
	json_decref(a);
	ck_assert_int_eq(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}",
	    &h, &c, &a, &rc), 400);
	ck_assert_int_eq(errcode(a), JTA_MCP_INVALID_REQUEST);
	json_decref(a);
	h.content_type = "text/plain";
	ck_assert_int_eq(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"ping\"}", &h, &c, &a, &rc), 415);
	json_decref(a);
	h = hdr("", NULL, NULL);
	ck_assert_int_eq(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/list\"}", &h, &c, &a, &rc), 400);
	ck_assert_int_eq(errcode(a), JTA_MCP_INVALID_REQUEST);
	json_decref(a);
	h = hdr("1999-01-01", NULL, NULL);
	ck_assert_int_eq(parse("{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":"
	    "\"tools/list\"}", &h, &c, &a, &rc), 400);
	ck_assert_int_eq(errcode(a), JTA_MCP_UNSUPPORTED);
	ck_assert_str_eq(json_string_value(json_object_get(a, "id")), "x");
	json_decref(a);
}
END_TEST

START_TEST(modern_headers_match_the_body)
{
	static const char body[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"getMe\",\"arguments\":{},"
	    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
	    "\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":"
	    "{}}}}";
	struct jta_mcp_call c;
	struct jta_mcp_http h = hdr(MODERN, "tools/call", "getMe");
	json_t		*a;
	enum jta_err	 rc;

	ck_assert_int_eq(parse(body, &h, &c, &a, &rc), 200);
	ck_assert_int_eq(rc, JTA_OK);
	ck_assert(c.modern);
	ck_assert_str_eq(c.op->name, "getMe");
	jta_mcp_call_clear(&c);
	h.name = "=?base64?Z2V0TWU=?=";
	ck_assert_int_eq(parse(body, &h, &c, &a, &rc), 200);
	ck_assert_int_eq(rc, JTA_OK);
	jta_mcp_call_clear(&c);
	h.name = "listProjects";
	ck_assert_int_eq(parse(body, &h, &c, &a, &rc), 400);
	ck_assert_int_eq(errcode(a), JTA_MCP_HEADER_MISMATCH);
	json_decref(a);
	h = hdr(MODERN, "tools/list", "getMe");
	ck_assert_int_eq(parse(body, &h, &c, &a, &rc), 400);
	ck_assert_int_eq(errcode(a), JTA_MCP_HEADER_MISMATCH);
	json_decref(a);
	h = hdr("", "tools/call", "getMe");
	ck_assert_int_eq(parse(body, &h, &c, &a, &rc), 400);
	ck_assert_int_eq(errcode(a), JTA_MCP_HEADER_MISMATCH);
	json_decref(a);
	/* The header says 2026-07-28, the body has no version. */
	h = hdr(MODERN, "tools/list", NULL);
	ck_assert_int_eq(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/list\"}", &h, &c, &a, &rc), 400);
	ck_assert_int_eq(errcode(a), JTA_MCP_HEADER_MISMATCH);
	json_decref(a);
}
END_TEST

START_TEST(legacy_handshake_and_lists)
{
	struct jta_mcp_call c;
	struct jta_mcp_outcome oc;
	struct jta_mcp_http h = hdr("", NULL, NULL);
	json_t		*a, *r;
	const char	*instr;
	enum jta_err	 rc;
	int		 st;

	ck_assert_int_eq(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\"}}",
	    &h, &c, &a, &rc), 200);
	ck_assert_int_eq(jta_mcp_answer(&c, fake, NULL, "rid", &st, &a, &oc),
	    JTA_OK);
	r = json_object_get(a, "result");
	ck_assert_str_eq(json_string_value(json_object_get(r,
	    "protocolVersion")), "2025-06-18");
	ck_assert_ptr_null(json_object_get(r, "resultType"));
	/* Knowledge before tickets: the instructions send the model to the
	 * knowledge tools before it drafts. */
	instr = json_string_value(json_object_get(r, "instructions"));
	ck_assert_ptr_nonnull(instr);
	ck_assert_ptr_nonnull(strstr(instr, "searchKnowledge"));
	ck_assert_ptr_nonnull(strstr(instr, "markKnowledgeHelped"));
	ck_assert(strstr(instr, "searchKnowledge") < strstr(instr,
	    "createDraft"));
	json_decref(a);
	jta_mcp_call_clear(&c);
	ck_assert_int_eq(parse("{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"notifications/initialized\"}", &h, &c, &a, &rc), 200);
	ck_assert_int_eq(jta_mcp_answer(&c, fake, NULL, "rid", &st, &a, &oc),
	    JTA_OK);
	ck_assert_int_eq(st, 202);
	ck_assert_ptr_null(a);
	jta_mcp_call_clear(&c);
	h = hdr("2025-11-25", NULL, NULL);
	ck_assert_int_eq(parse("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":"
	    "\"tools/list\"}", &h, &c, &a, &rc), 200);
	ck_assert_int_eq(jta_mcp_answer(&c, fake, NULL, "rid", &st, &a, &oc),
	    JTA_OK);
	r = json_object_get(a, "result");
	ck_assert_uint_ge(json_array_size(json_object_get(r, "tools")), 16);
	ck_assert_ptr_null(json_object_get(r, "ttlMs"));
	json_decref(a);
	jta_mcp_call_clear(&c);
}
END_TEST

/* A 2026-07-28 tools/call of createDraft with args (JSON text) and, when
 * not NULL, inputResponses; forms: the client takes them. */
static json_t *
draftcall(const char *args, const char *responses, int forms,
    struct jta_mcp_outcome *oc)
{
	char		 body[1024];
	struct jta_mcp_call c;
	struct jta_mcp_http h = hdr(MODERN, "tools/call", "createDraft");
	json_t		*a;
	enum jta_err	 rc;
	int		 st;

	snprintf(body, sizeof(body), "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"createDraft\",\"arguments\":"
	    "%s,%s%s%s\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
	    "\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":"
	    "%s}}}", args, responses ? "\"inputResponses\":" : "",
	    responses ? responses : "", responses ? "," : "", forms ?
	    "{\"elicitation\":{\"form\":{}}}" : "{}");
	ck_assert_int_eq(parse(body, &h, &c, &a, &rc), 200);
	ck_assert_int_eq(rc, JTA_OK);
	ck_assert_int_eq(jta_mcp_answer(&c, fake, NULL, "rid", &st, &a, oc),
	    JTA_OK);
	ck_assert_int_eq(st, 200);
	jta_mcp_call_clear(&c);
	return a;
}

START_TEST(followup_form_asks_exactly_the_missing_fields)
{
	struct jta_mcp_outcome oc;
	json_t		*a, *r, *form, *props;

	a = draftcall("{\"summary\":\"x\"}", NULL, 1, &oc);
	r = json_object_get(a, "result");
	ck_assert_str_eq(json_string_value(json_object_get(r, "resultType")),
	    "input_required");
	form = json_object_get(json_object_get(r, "inputRequests"),
	    JTA_MCP_FORM_KEY);
	ck_assert_str_eq(json_string_value(json_object_get(form, "method")),
	    "elicitation/create");
	props = json_object_get(json_object_get(json_object_get(form,
	    "params"), "requestedSchema"), "properties");
	ck_assert_uint_eq(json_object_size(props), 1);
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(
	    props, "project"), "enum")), 2);
	ck_assert_int_eq(oc.status, 422);
	json_decref(a);

	/* The retry carries the answer and completes. */
	a = draftcall("{\"summary\":\"x\"}", "{\"" JTA_MCP_FORM_KEY
	    "\":{\"action\":\"accept\",\"content\":{\"project\":\"OPS\"}}}", 1,
	    &oc);
	r = json_object_get(a, "result");
	ck_assert_str_eq(json_string_value(json_object_get(r, "resultType")),
	    "complete");
	ck_assert_ptr_null(json_object_get(r, "isError"));
	ck_assert(json_is_true(json_object_get(json_object_get(r,
	    "structuredContent"), "ok")));
	ck_assert_int_eq(oc.status, 200);
	json_decref(a);

	/* Without forms: a tool error with errors[]. */
	a = draftcall("{}", NULL, 0, &oc);
	r = json_object_get(a, "result");
	ck_assert(json_is_true(json_object_get(r, "isError")));
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(r,
	    "structuredContent"), "errors")), 2);
	json_decref(a);
}
END_TEST

START_TEST(tool_input_problem_is_a_result)
{
	static const char body[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"getIssue\",\"arguments\":"
	    "{\"key\":\"no key\"}}}";
	struct jta_mcp_call c;
	struct jta_mcp_outcome oc;
	struct jta_mcp_http h = hdr("2025-11-25", NULL, NULL);
	json_t		*a, *r;
	enum jta_err	 rc;
	int		 st;

	runs = 0;
	ck_assert_int_eq(parse(body, &h, &c, &a, &rc), 200);
	ck_assert_int_eq(jta_mcp_answer(&c, fake, NULL, "rid", &st, &a, &oc),
	    JTA_OK);
	r = json_object_get(a, "result");
	ck_assert(json_is_true(json_object_get(r, "isError")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r,
	    "structuredContent"), "field")), "key");
	ck_assert_int_eq(runs, 0);
	json_decref(a);
	jta_mcp_call_clear(&c);
}
END_TEST

START_TEST(origin_is_public_urls)
{
	ck_assert(jta_mcp_origin_ok("", "https://t.example.org/jta"));
	ck_assert(jta_mcp_origin_ok("https://t.example.org",
	    "https://t.example.org/jta"));
	ck_assert(jta_mcp_origin_ok("https://T.Example.org",
	    "https://t.example.org"));
	ck_assert(!jta_mcp_origin_ok("https://evil.example",
	    "https://t.example.org"));
	ck_assert(!jta_mcp_origin_ok("http://t.example.org",
	    "https://t.example.org"));
	ck_assert(!jta_mcp_origin_ok("null", "https://t.example.org"));
}
END_TEST

/* Every row is well formed and its REST request is declared in the
 * endpoint table with a method that class-matches its hints: a read-only
 * row is a read; any other row is not, but for markKnowledgeHelped,
 * which only counts an answer (no ticket changes, so a read-only person
 * may say an article helped: README.md "Knowledge before tickets"). */
START_TEST(operation_rows_are_declared)
{
	const struct jta_operation *op;
	const struct jta_endpoint_route *r;
	const struct jta_endpoint_method *m;
	struct jta_req	 base, as;
	json_t		*args, *s;
	size_t		 i;

	memset(&base, 0, sizeof(base));
	for (i = 0; (op = jta_operation_at(i)) != NULL; i++) {
		ck_assert_ptr_eq(jta_operation_get(op->name), op);
		ck_assert_ptr_nonnull(op->run);
		ck_assert_uint_gt(strlen(op->description), 20);
		args = json_pack("{s:s, s:s}", "key", "DEMO-1", "id",
		    op->param == JTA_OP_PARAM_ARTICLE ? "kb-1" :
		    "d_abcdefghijklmnopqrstuv");
		if (op->param == JTA_OP_PARAM_PROJECT)
			json_object_set_new(args, "key", json_string("DEMO"));
		ck_assert_int_eq(jta_operation_request(op, args, &base, &as),
		    JTA_OK);
		r = jta_endpoint_route(NULL, as.path);
		ck_assert_msg(r != NULL, "%s: %s undeclared", op->name,
		    as.path);
		m = jta_endpoint_method(r, op->method);
		ck_assert_msg(m != NULL, "%s: method undeclared", op->name);
		if (op->flags & JTA_OP_READONLY ||
		    strcmp(op->name, "markKnowledgeHelped") == 0)
			ck_assert_msg(m->cls == JTA_ENDPOINT_READ, "%s: not a "
			    "read", op->name);
		else
			ck_assert_msg(m->cls != JTA_ENDPOINT_READ, "%s: a read",
			    op->name);
		/* Counted under its own name, not as the program's
		 * leftovers. */
		ck_assert_msg(m->name != JTA_ENDPOINT_OTHER, "%s: counted as "
		    "other", op->name);
		jta_operation_request_clear(&as);
		json_decref(args);
		s = jta_operation_input_schema(op);
		ck_assert_ptr_nonnull(s);
		json_decref(s);
		s = jta_operation_output_schema(op);
		ck_assert_msg(json_is_object(s), "%s: output schema", op->name);
		json_decref(s);
	}
	/* openapi.yaml's 17 ticket operations (attachFiles the last), the 3
	 * of knowledge, the 7 of Jira Service Management and
	 * getAttachmentText. */
	ck_assert_uint_eq(i, 28);
}
END_TEST

START_TEST(a_bad_key_names_no_other_path)
{
	const struct jta_operation *op = jta_operation_get("getIssue");
	struct jta_req	 base, as;
	json_t		*args = json_pack("{s:s}", "key", "DEMO-1/comments");

	memset(&base, 0, sizeof(base));
	ck_assert_int_eq(jta_operation_request(op, args, &base, &as), JTA_OK);
	ck_assert_str_eq(as.path, "/api/issues/_");
	json_decref(args);
}
END_TEST

START_TEST(schemas_come_from_the_validator_tables)
{
	const struct jta_operation *op = jta_operation_get("searchIssues");
	json_t		*s = jta_operation_input_schema(op), *p;

	p = json_object_get(s, "properties");
	ck_assert_uint_eq(json_object_size(p), 17);
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(p,
	    "mine"), "enum")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(p,
	    "limit"), "maximum")), JTA_LIMIT_PAGE_MAX);
	ck_assert(json_is_false(json_object_get(s, "additionalProperties")));
	ck_assert_uint_eq(json_array_size(json_object_get(s, "required")), 0);
	json_decref(s);
	/* createDraft: project and summary required, as openapi.yaml says,
	 * though prepare reports them (the table requires none). */
	s = jta_operation_input_schema(jta_operation_get("createDraft"));
	ck_assert_uint_eq(json_array_size(json_object_get(s, "required")), 2);
	json_decref(s);
	/* updateDraft: the create table, nothing required but the id. */
	s = jta_operation_input_schema(jta_operation_get("updateDraft"));
	ck_assert_uint_eq(json_array_size(json_object_get(s, "required")), 1);
	ck_assert_ptr_nonnull(json_object_get(json_object_get(s,
	    "properties"), "project"));
	json_decref(s);
}
END_TEST

START_TEST(arguments_are_checked_like_the_rest_request)
{
	const struct jta_operation *op = jta_operation_get("addComment");
	struct jta_error err;
	char		 param[64];
	json_t		*args, *in = NULL;

	memset(&err, 0, sizeof(err));
	args = json_pack("{s:s, s:s}", "key", "demo-12", "body", "hi");
	ck_assert_int_eq(jta_operation_args(op, args, param, sizeof(param),
	    &in, &err), JTA_OK);
	ck_assert_str_eq(param, "DEMO-12");
	ck_assert_ptr_null(json_object_get(in, "key"));
	ck_assert_str_eq(json_string_value(json_object_get(in, "body")), "hi");
	json_decref(in);
	json_decref(args);
	args = json_pack("{s:s}", "key", "DEMO-12");
	ck_assert_int_eq(jta_operation_args(op, args, param, sizeof(param),
	    &in, &err), JTA_ERR_INPUT);
	ck_assert_str_eq(err.field, "body");
	json_decref(args);
	args = json_pack("{s:s, s:s, s:i}", "key", "DEMO-12", "body", "x",
	    "colour", 1);
	ck_assert_int_ne(jta_operation_args(op, args, param, sizeof(param),
	    &in, &err), JTA_OK);
	ck_assert_str_eq(err.field, "colour");
	json_decref(args);
}
END_TEST

/* The knowledge tools are their REST requests: the same path (an id that
 * is no plain path segment names none), counted as "knowledge", reads
 * of no project; their arguments are checked as the REST program checks
 * the path and the query. */
START_TEST(knowledge_tools_are_their_rest_requests)
{
	static const struct {
		const char	*tool;
		const char	*id;
		const char	*path;
	} rows[] = {
		{ "searchKnowledge", NULL, "/api/knowledge" },
		{ "getKnowledgeArticle", "page-1001",
		    "/api/knowledge/page-1001" },
		{ "markKnowledgeHelped", "kb-3", "/api/knowledge/kb-3/helped" },
		{ "markKnowledgeHelped", "kb/3", "/api/knowledge/_/helped" },
	};
	const struct jta_operation *op;
	const struct jta_endpoint_route *r;
	const struct jta_endpoint_method *m;
	struct jta_req	 base, as;
	struct jta_error err;
	char		 param[JTA_LIMIT_KB_ID + 1];
	char		 longid[JTA_LIMIT_KB_ID + 2];
	json_t		*args, *in = NULL, *s;
	size_t		 i;

	memset(&base, 0, sizeof(base));
	memset(&err, 0, sizeof(err));
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		op = jta_operation_get(rows[i].tool);
		ck_assert_ptr_nonnull(op);
		args = rows[i].id != NULL ? json_pack("{s:s}", "id",
		    rows[i].id) : json_pack("{s:s, s:s}", "text", "wifi drops",
		    "space", "HR");
		ck_assert_int_eq(jta_operation_request(op, args, &base, &as),
		    JTA_OK);
		ck_assert_str_eq(as.path, rows[i].path);
		ck_assert_ptr_null(as.body);
		if (rows[i].id == NULL)
			ck_assert_str_eq(as.query,
			    "text=wifi%20drops&space=HR");
		r = jta_endpoint_route(NULL, as.path);
		ck_assert_ptr_nonnull(r);
		m = jta_endpoint_method(r, op->method);
		ck_assert_ptr_nonnull(m);
		ck_assert_str_eq(jta_endpoint_name(m->name), "knowledge");
		ck_assert_int_eq(m->cls, JTA_ENDPOINT_READ);
		ck_assert_int_eq(m->project, JTA_PROJECT_NONE);
		jta_operation_request_clear(&as);
		json_decref(args);
	}

	/* markKnowledgeHelped counts once more each call: no idempotent
	 * hint, nor read-only, destructive or consequential. */
	op = jta_operation_get("markKnowledgeHelped");
	ck_assert_uint_eq(op->flags, 0);
	ck_assert(jta_operation_get("searchKnowledge")->flags &
	    JTA_OP_READONLY);
	ck_assert(jta_operation_get("getKnowledgeArticle")->flags &
	    JTA_OP_READONLY);

	/* The id: as the path takes it, 422 naming id otherwise. */
	args = json_pack("{s:s}", "id", "kb-3");
	ck_assert_int_eq(jta_operation_args(op, args, param, sizeof(param),
	    &in, &err), JTA_OK);
	ck_assert_str_eq(param, "kb-3");
	ck_assert_uint_eq(json_object_size(in), 0);
	json_decref(in);
	json_decref(args);
	memset(longid, 'k', JTA_LIMIT_KB_ID);
	longid[JTA_LIMIT_KB_ID] = '\0';
	args = json_pack("{s:s}", "id", longid);
	ck_assert_int_eq(jta_operation_args(op, args, param, sizeof(param),
	    &in, &err), JTA_OK);
	json_decref(in);
	json_decref(args);
	longid[JTA_LIMIT_KB_ID] = 'k';
	longid[JTA_LIMIT_KB_ID + 1] = '\0';
	args = json_pack("{s:s}", "id", longid);
	ck_assert_int_eq(jta_operation_args(op, args, param, sizeof(param),
	    &in, &err), JTA_ERR_INPUT);
	ck_assert_int_eq(err.status, 422);
	ck_assert_str_eq(err.field, "id");
	json_decref(args);
	args = json_pack("{s:s}", "id", "kb.1");
	ck_assert_int_eq(jta_operation_args(op, args, param, sizeof(param),
	    &in, &err), JTA_ERR_INPUT);
	ck_assert_str_eq(err.field, "id");
	json_decref(args);
	args = json_pack("{s:s, s:b}", "id", "kb-1", "helped", 1);
	ck_assert_int_eq(jta_operation_args(op, args, param, sizeof(param),
	    &in, &err), JTA_ERR_INPUT);
	ck_assert_str_eq(err.field, "helped");
	json_decref(args);

	/* searchKnowledge's schema is its validator table: text required,
	 * limit 1..JTA_LIMIT_KB_MAX. */
	s = jta_operation_input_schema(jta_operation_get("searchKnowledge"));
	ck_assert_uint_eq(json_object_size(json_object_get(s, "properties")),
	    3);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(s,
	    "required"), 0)), "text");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
	    json_object_get(s, "properties"), "limit"), "maximum")),
	    JTA_LIMIT_KB_MAX);
	json_decref(s);
	s = jta_operation_input_schema(jta_operation_get(
	    "getKnowledgeArticle"));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
	    json_object_get(s, "properties"), "id"), "maxLength")),
	    JTA_LIMIT_KB_ID);
	json_decref(s);
}
END_TEST

/* A runner answering as the knowledge operations do: a search's list, or
 * an article whose body is 20,000 bytes. */
static enum jta_err
kbfake(void *arg, const struct jta_operation *op, const char *param,
    const json_t *in, int *status, json_t **out, struct jta_error *err)
{
	char	*body;

	(void)arg;
	(void)in;
	(void)err;
	*status = 200;
	if (strcmp(op->name, "searchKnowledge") == 0) {
		*out = json_pack("{s:[{s:s, s:s, s:s}, {s:s, s:s, s:n}], "
		    "s:[s]}", "articles", "id", "kb-3", "title",
		    "Office Wi-Fi", "url", "https://docs.example/kb/wifi.md",
		    "id", "page-7", "title", "VPN", "url", "searched",
		    "local");
		return JTA_OK;
	}
	body = malloc(20001);
	ck_assert_ptr_nonnull(body);
	memset(body, 'x', 20000);
	body[20000] = '\0';
	*out = json_pack("{s:s, s:s, s:n, s:s, s:s}", "id", param, "title",
	    "Office Wi-Fi", "url", "from", "local", "body", body);
	free(body);
	return JTA_OK;
}

/* The text of tool name's result (2025-11-25 call with args). */
static char *
kbtext(const char *name, const char *args)
{
	char		 body[512];
	struct jta_mcp_call c;
	struct jta_mcp_outcome oc;
	struct jta_mcp_http h = hdr("2025-11-25", NULL, NULL);
	json_t		*a;
	enum jta_err	 rc;
	int		 st;
	char		*t;

	snprintf(body, sizeof(body), "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"tools/call\",\"params\":{\"name\":\"%s\","
	    "\"arguments\":%s}}", name, args);
	ck_assert_int_eq(parse(body, &h, &c, &a, &rc), 200);
	ck_assert_int_eq(jta_mcp_answer(&c, kbfake, NULL, "rid", &st, &a, &oc),
	    JTA_OK);
	t = strdup(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_object_get(a, "result"), "content"), 0),
	    "text")));
	ck_assert_ptr_nonnull(t);
	json_decref(a);
	jta_mcp_call_clear(&c);
	return t;
}

/* For clients that give their model only the text: a search's articles
 * one per line, an article's title, link and body (cut, with a note). */
START_TEST(knowledge_results_have_text)
{
	char	*t;

	t = kbtext("searchKnowledge", "{\"text\":\"wifi\"}");
	ck_assert_str_eq(t, "2 articles:\nkb-3: Office Wi-Fi "
	    "<https://docs.example/kb/wifi.md>\npage-7: VPN");
	free(t);
	t = kbtext("getKnowledgeArticle", "{\"id\":\"kb-3\"}");
	ck_assert_int_eq(strncmp(t, "Office Wi-Fi\n\nxxx", 17), 0);
	ck_assert_uint_lt(strlen(t), 20000);
	ck_assert_ptr_nonnull(strstr(t, "xxx\n[... the rest is in "
	    "structuredContent.body]"));
	free(t);
}
END_TEST

START_TEST(notice_goes_into_the_tool_result)
{
	json_t	*a = json_pack("{s:s, s:i, s:{s:[{s:s, s:s}], s:{s:s}}}",
		    "jsonrpc", "2.0", "id", 1, "result", "content", "type",
		    "text", "text", "DEMO-1: x", "structuredContent", "key",
		    "DEMO-1");
	json_t	*r = json_object_get(a, "result");

	ck_assert_int_eq(jta_mcp_notice(a, "Quota notice: 75 %"), JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r,
	    "structuredContent"), "notice")), "Quota notice: 75 %");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(r, "content"), 0), "text")),
	    "Quota notice: 75 %\nDEMO-1: x");
	ck_assert_ptr_null(json_object_get(a, "notice"));
	json_decref(a);
}
END_TEST

Suite *
jta_check_suite(void)
{
	Suite	*s = suite_create("mcp");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, parse_refusals);
	tcase_add_test(tc, modern_headers_match_the_body);
	tcase_add_test(tc, legacy_handshake_and_lists);
	tcase_add_test(tc, followup_form_asks_exactly_the_missing_fields);
	tcase_add_test(tc, tool_input_problem_is_a_result);
	tcase_add_test(tc, origin_is_public_urls);
	tcase_add_test(tc, operation_rows_are_declared);
	tcase_add_test(tc, a_bad_key_names_no_other_path);
	tcase_add_test(tc, schemas_come_from_the_validator_tables);
	tcase_add_test(tc, arguments_are_checked_like_the_rest_request);
	tcase_add_test(tc, knowledge_tools_are_their_rest_requests);
	tcase_add_test(tc, knowledge_results_have_text);
	tcase_add_test(tc, notice_goes_into_the_tool_result);
	suite_add_tcase(s, tc);
	return s;
}
