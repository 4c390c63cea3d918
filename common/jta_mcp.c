#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jta_buf.h"
#include "jta_limits.h"
#include "jta_arena.h"
#include "jta_mcp.h"
#include "jta_req.h"
#include "jta_resp.h"
#include "jta_url.h"

/* What we serve, newest first (server/discover, UnsupportedProtocolVersion
 * data).  The older ones speak through initialize. */
static const char *const versions[] = { JTA_MCP_MODERN, "2025-11-25",
    "2025-06-18", NULL };
#define LEGACY_LATEST	"2025-11-25"

#define META_VERSION	"io.modelcontextprotocol/protocolVersion"
#define META_CAPS	"io.modelcontextprotocol/clientCapabilities"
#define META_SERVER	"io.modelcontextprotocol/serverInfo"
/* A tools/list answer may be cached this long (2026-07-28
 * CacheableResult): the list changes only with a new build. */
#define TOOLS_TTL_MS	3600000

/* The server's instructions (initialize, server/discover), in the order
 * of htdocs/gpt/instructions.md: knowledge before tickets (README.md),
 * then duplicates, then a draft the person confirms. */
#define INSTRUCTIONS \
	"Files and finds Jira tickets for the signed-in person. Before " \
	"drafting a ticket, call searchKnowledge with the problem in the " \
	"person's words: when an article fits, read it " \
	"(getKnowledgeArticle), answer from it with its url, and if the " \
	"person says it solved their problem, call markKnowledgeHelped " \
	"and file nothing. Otherwise call findSimilar (the ticket may " \
	"exist) and createDraft; show the draft's preview and call " \
	"submitDraft only after the person agrees. Problems name the " \
	"field and the question to ask."

/* Our message cap (bytes), for every message we word. */
#define MESSAGE_MAX	200

static int
known(const char *v, int legacy_only)
{
	size_t	 i;

	for (i = legacy_only ? 1 : 0; versions[i] != NULL; i++)
		if (strcmp(v, versions[i]) == 0)
			return 1;
	return 0;
}

static json_t *
supported(void)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; a != NULL && versions[i] != NULL; i++)
		if (json_array_append_new(a, json_string(versions[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *
jta_mcp_error(const json_t *id, int code, const char *message, json_t *data)
{
	char	 m[MESSAGE_MAX + 1];
	json_t	*e;
	size_t	 n;

	/* Cut on a UTF-8 character boundary. */
	n = strlen(message);
	if (n > MESSAGE_MAX) {
		n = MESSAGE_MAX;
		while (n > 0 && ((unsigned char)message[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(m, message, n);
	m[n] = '\0';
	e = json_pack("{s:s, s:{s:i, s:s}}", "jsonrpc", "2.0", "error",
	    "code", code, "message", m);
	if (e == NULL) {
		json_decref(data);
		return NULL;
	}
	if (data != NULL && json_object_set_new(json_object_get(e, "error"),
	    "data", data) != 0) {
		json_decref(e);
		return NULL;
	}
	if (id != NULL && json_object_set_new(e, "id",
	    json_deep_copy(id)) != 0) {
		json_decref(e);
		return NULL;
	}
	return e;
}

/* Fail parse with status and an error answer. */
static enum jta_err
refuse(int *status, json_t **answer, int st, const json_t *id, int code,
    const char *message, json_t *data)
{
	*status = st;
	if ((*answer = jta_mcp_error(id, code, message, data)) == NULL)
		return JTA_ERR_NOMEM;
	return JTA_ERR_INPUT;
}

/* Decode the value of an Mcp-Name header: plain, or the sentinel form
 * "=?base64?...?=" (2026-07-28 transports, "Value Encoding"), into out.
 * 0, or -1 when it is malformed or does not fit. */
static int
headervalue(const char *h, char *out, size_t outsz)
{
	static const char pre[] = "=?base64?";
	size_t		 n = strlen(h), i, o = 0;
	unsigned	 acc = 0;
	int		 bits = 0, c, pad = 0;

	if (n < sizeof(pre) - 1 + 2 || strncmp(h, pre, sizeof(pre) - 1) != 0 ||
	    strcmp(h + n - 2, "?=") != 0) {
		/* Plain: visible ASCII and blanks only (RFC 9110 §5.5). */
		for (i = 0; i < n; i++)
			if ((unsigned char)h[i] < 0x20 && h[i] != '\t')
				return -1;
		if (n >= outsz)
			return -1;
		memcpy(out, h, n + 1);
		return 0;
	}
	for (i = sizeof(pre) - 1; i < n - 2; i++) {
		c = (unsigned char)h[i];
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad)
			return -1;
		if (c >= 'A' && c <= 'Z')
			c -= 'A';
		else if (c >= 'a' && c <= 'z')
			c = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			c = c - '0' + 52;
		else if (c == '+')
			c = 62;
		else if (c == '/')
			c = 63;
		else
			return -1;
		acc = (acc << 6) | (unsigned)c;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o + 1 >= outsz)
				return -1;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (pad > 2 || memchr(out, '\0', o) != NULL)
		return -1;
	out[o] = '\0';
	return 0;
}

/* 1 when the client's capabilities (either era's place) include
 * elicitation forms: "elicitation": {} or {"form": {...}}. */
static int
takesforms(const json_t *caps)
{
	const json_t	*e = json_object_get(caps, "elicitation");

	if (!json_is_object(e))
		return 0;
	return json_object_size(e) == 0 || json_object_get(e, "form") != NULL;
}

void
jta_mcp_call_clear(struct jta_mcp_call *call)
{
	json_decref(call->doc);
	json_decref(call->args);
	memset(call, 0, sizeof(*call));
}

/* Merge the answers of the follow-up form (inputResponses, 2026-07-28
 * MRTR) into call->args: "fields.X" into args.fields.X, the rest as
 * members.  Only strings, numbers and booleans (a form's primitives). */
static enum jta_err
mergeform(struct jta_mcp_call *call, const json_t *responses)
{
	const json_t	*r = json_object_get(responses, JTA_MCP_FORM_KEY);
	const json_t	*content, *v;
	const char	*k, *action;
	json_t		*fields;

	if (r == NULL)
		return JTA_OK;
	action = json_string_value(json_object_get(r, "action"));
	if (action == NULL || strcmp(action, "accept") != 0) {
		call->declined = 1;
		return JTA_OK;
	}
	content = json_object_get(r, "content");
	json_object_foreach((json_t *)(uintptr_t)content, k, v) {
		if (!json_is_string(v) && !json_is_number(v) &&
		    !json_is_boolean(v))
			continue;
		if (strncmp(k, "fields.", 7) == 0 && k[7] != '\0') {
			if ((fields = json_object_get(call->args, "fields")) ==
			    NULL) {
				if (json_object_set_new(call->args, "fields",
				    json_object()) != 0)
					return JTA_ERR_NOMEM;
				fields = json_object_get(call->args, "fields");
			}
			if (!json_is_object(fields))
				continue;
			if (json_object_set(fields, k + 7, (json_t *)(uintptr_t)
			    v) != 0)
				return JTA_ERR_NOMEM;
		} else if (json_object_set(call->args, k,
		    (json_t *)(uintptr_t)v) != 0)
			return JTA_ERR_NOMEM;
	}
	return JTA_OK;
}

enum jta_err
jta_mcp_parse(const char *body, size_t len, const struct jta_mcp_http *h,
    struct jta_mcp_call *call, int *status, json_t **answer)
{
	struct jta_error err;
	const json_t	*id, *meta, *v, *args;
	const char	*jv, *mv, *name;
	char		 hname[JTA_LIMIT_HEADER + 1];
	char		 msg[MESSAGE_MAX + 1];
	size_t		 i;
	enum jta_err	 rc;
	json_t		*doc = NULL;

	memset(call, 0, sizeof(*call));
	*answer = NULL;
	*status = 200;
	memset(&err, 0, sizeof(err));
	/* The transport: "The client MUST use HTTP POST ... the body MUST
	 * be a single JSON-RPC request or notification" as application/json
	 * (2026-07-28 and 2025-11-25 Streamable HTTP, "Sending Messages"). */
	if (strncasecmp(h->content_type, "application/json", 16) != 0 ||
	    (h->content_type[16] != '\0' && h->content_type[16] != ';' &&
	    h->content_type[16] != ' '))
		return refuse(status, answer, 415, NULL,
		    JTA_MCP_INVALID_REQUEST, "the body must be one JSON-RPC "
		    "message sent as application/json", NULL);
	/* JSON's blanks (RFC 8259 §2) before the first value. */
	for (i = 0; i < len && (body[i] == ' ' || body[i] == '\t' ||
	    body[i] == '\r' || body[i] == '\n'); i++)
		;
	if (i < len && body[i] == '[')
		return refuse(status, answer, 400, NULL,
		    JTA_MCP_INVALID_REQUEST, "batches are not supported: send "
		    "one JSON-RPC message per POST (JSON-RPC batching was "
		    "removed in MCP 2025-06-18)", NULL);
	if (jta_req_parse_json(body, len, &doc, &err) != JTA_OK)
		return refuse(status, answer, err.status == 413 ? 413 : 400,
		    NULL, err.status == 413 || strstr(err.detail, "JSON "
		    "object") != NULL ? JTA_MCP_INVALID_REQUEST :
		    JTA_MCP_PARSE_ERROR, err.detail, NULL);
	call->doc = doc;
	id = json_object_get(doc, "id");
	jv = json_string_value(json_object_get(doc, "jsonrpc"));
	if (id != NULL && !json_is_string(id) && !json_is_integer(id)) {
		rc = refuse(status, answer, 400, NULL, JTA_MCP_INVALID_REQUEST,
		    "id must be a string or an integer (never null)", NULL);
		goto fail;
	}
	if (jv == NULL || strcmp(jv, "2.0") != 0) {
		rc = refuse(status, answer, 400, id, JTA_MCP_INVALID_REQUEST,
		    "jsonrpc must be \"2.0\"", NULL);
		goto fail;
	}
	if ((call->method = json_string_value(json_object_get(doc,
	    "method"))) == NULL) {
		rc = refuse(status, answer, 400, id, JTA_MCP_INVALID_REQUEST,
		    json_object_get(doc, "result") != NULL ||
		    json_object_get(doc, "error") != NULL ?
		    "the server takes requests and notifications, not "
		    "responses" : "method must be a string", NULL);
		goto fail;
	}
	call->id = id;
	call->params = json_object_get(doc, "params");
	if (call->params != NULL && !json_is_object(call->params)) {
		rc = refuse(status, answer, 400, id, JTA_MCP_INVALID_REQUEST,
		    "params must be an object", NULL);
		goto fail;
	}
	meta = json_object_get(call->params, "_meta");
	v = json_object_get(meta, META_VERSION);
	if (v != NULL) {
		/* 2026-07-28: the version in every request's _meta, the
		 * header equal to it, the method and name mirrored. */
		if (!json_is_string(v) || json_string_length(v) >=
		    sizeof(call->version)) {
			rc = refuse(status, answer, 400, id,
			    JTA_MCP_INVALID_REQUEST, META_VERSION " must be a "
			    "protocol version string", NULL);
			goto fail;
		}
		snprintf(call->version, sizeof(call->version), "%s",
		    json_string_value(v));
		if (strcmp(h->version, call->version) != 0) {
			rc = refuse(status, answer, 400, id,
			    JTA_MCP_HEADER_MISMATCH, h->version[0] == '\0' ?
			    "Header mismatch: the MCP-Protocol-Version header "
			    "is missing" : "Header mismatch: the "
			    "MCP-Protocol-Version header does not match "
			    "_meta's protocol version", NULL);
			goto fail;
		}
		if (strcmp(call->version, JTA_MCP_MODERN) != 0) {
			rc = refuse(status, answer, 400, id,
			    JTA_MCP_UNSUPPORTED, "Unsupported protocol version",
			    json_pack("{s:o, s:s}", "supported", supported(),
			    "requested", call->version));
			goto fail;
		}
		call->modern = 1;
		call->forms = takesforms(json_object_get(meta, META_CAPS));
		mv = h->method;
		if (mv == NULL || strcmp(mv, call->method) != 0) {
			rc = refuse(status, answer, 400, id,
			    JTA_MCP_HEADER_MISMATCH, mv == NULL ?
			    "Header mismatch: the Mcp-Method header is "
			    "missing" :
			    "Header mismatch: the Mcp-Method header does not "
			    "match the body's method", NULL);
			goto fail;
		}
		if (strcmp(call->method, "tools/call") == 0) {
			name = json_string_value(json_object_get(call->params,
			    "name"));
			if (h->name == NULL || headervalue(h->name, hname,
			    sizeof(hname)) != 0 || name == NULL ||
			    strcmp(hname, name) != 0) {
				rc = refuse(status, answer, 400, id,
				    JTA_MCP_HEADER_MISMATCH, h->name == NULL ?
				    "Header mismatch: the Mcp-Name header is "
				    "missing" : "Header mismatch: the Mcp-Name "
				    "header does not match params.name", NULL);
				goto fail;
			}
		}
	} else if (strcmp(call->method, "initialize") == 0 ||
	    strncmp(call->method, "notifications/", 14) == 0) {
		/* The handshake comes before any version is agreed. */
		snprintf(call->version, sizeof(call->version), "%s",
		    known(h->version, 1) ? h->version : LEGACY_LATEST);
	} else if (h->version[0] == '\0') {
		rc = refuse(status, answer, 400, id, JTA_MCP_INVALID_REQUEST,
		    "the protocol version is missing: send " META_VERSION
		    " in params._meta (2026-07-28), or initialize and then "
		    "the MCP-Protocol-Version header", NULL);
		goto fail;
	} else if (!known(h->version, 1)) {
		/* A 2026-07-28 header without _meta is as wrong as a
		 * mismatch; an unknown version is unsupported. */
		if (strcmp(h->version, JTA_MCP_MODERN) == 0)
			rc = refuse(status, answer, 400, id,
			    JTA_MCP_HEADER_MISMATCH, "Header mismatch: "
			    "MCP-Protocol-Version is " JTA_MCP_MODERN " but "
			    "params._meta has no " META_VERSION, NULL);
		else
			rc = refuse(status, answer, 400, id,
			    JTA_MCP_UNSUPPORTED, "Unsupported protocol version",
			    json_pack("{s:o, s:s}", "supported", supported(),
			    "requested", h->version));
		goto fail;
	} else {
		snprintf(call->version, sizeof(call->version), "%s",
		    h->version);
		call->forms = 0;
	}
	if (strcmp(call->method, "tools/call") == 0 && call->id != NULL) {
		name = json_string_value(json_object_get(call->params, "name"));
		if ((call->op = jta_operation_get(name)) == NULL) {
			snprintf(msg, sizeof(msg), "%s", name == NULL ?
			    "params.name must name a tool" : "no such tool; "
			    "tools/list names them");
			rc = refuse(status, answer, 200, id,
			    JTA_MCP_INVALID_PARAMS, msg, NULL);
			goto fail;
		}
		args = json_object_get(call->params, "arguments");
		if (args != NULL && !json_is_object(args)) {
			rc = refuse(status, answer, 200, id,
			    JTA_MCP_INVALID_PARAMS, "params.arguments must be "
			    "an object", NULL);
			goto fail;
		}
		if ((call->args = args != NULL ? json_deep_copy(args) :
		    json_object()) == NULL) {
			rc = JTA_ERR_NOMEM;
			goto fail;
		}
		if (call->modern && (rc = mergeform(call,
		    json_object_get(call->params, "inputResponses"))) !=
		    JTA_OK)
			goto fail;
	}
	return JTA_OK;
fail:
	json_decref(call->doc);
	json_decref(call->args);
	memset(call, 0, sizeof(*call));
	return rc;
}

/* {"name": "jta", "version": ...}, new. */
static json_t *
serverinfo(void)
{
	return json_pack("{s:s, s:s, s:s}", "name", "jta", "title",
	    "Jira Ticket Assistant", "version", PACKAGE_VERSION);
}

/* Wrap result (taken) as the response to call: resultType and serverInfo
 * for 2026-07-28. */
static json_t *
respond(const struct jta_mcp_call *call, json_t *result, const char *type)
{
	json_t	*r;

	if (result == NULL)
		return NULL;
	if (call->modern && (json_object_set_new(result, "resultType",
	    json_string(type)) != 0 || json_object_set_new(result, "_meta",
	    json_pack("{s:o}", META_SERVER, serverinfo())) != 0)) {
		json_decref(result);
		return NULL;
	}
	r = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", call->id,
	    "result", result);
	return r;
}

/* tools/list's tools (see tools()). */
static json_t *
build_tools(void)
{
	const struct jta_operation *op;
	json_t		*list, *t;
	size_t		 i;

	if ((list = json_array()) == NULL)
		return NULL;
	for (i = 0; (op = jta_operation_at(i)) != NULL; i++) {
		t = json_pack("{s:s, s:s, s:s, s:o, s:o, s:{s:s, s:b, s:b, s:b,"
		    " s:b}, s:{s:b}}", "name", op->name, "title", op->title,
		    "description", op->description, "inputSchema",
		    jta_operation_input_schema(op), "outputSchema",
		    jta_operation_output_schema(op), "annotations", "title",
		    op->title, "readOnlyHint", !!(op->flags & JTA_OP_READONLY),
		    "destructiveHint", !!(op->flags & JTA_OP_DESTRUCTIVE),
		    "idempotentHint", !!(op->flags & JTA_OP_IDEMPOTENT),
		    "openWorldHint", !!(op->flags & JTA_OP_OPENWORLD), "_meta",
		    "jta/consequential", !!(op->flags & JTA_OP_CONSEQUENTIAL));
		if (t == NULL || json_array_append_new(list, t) != 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

/* tools/list's tools, built once per process (the table is static). */
static json_t *
tools(void)
{
	static json_t	*cache;
	json_t		*list;
	int		 was;

	if (cache != NULL)
		return json_incref(cache);
	/* Kept across requests: made outside the request's arena. */
	was = jta_arena_suspend();
	list = build_tools();
	jta_arena_resume(was);
	if ((cache = list) == NULL)
		return NULL;
	return json_incref(cache);
}

/* The length of s cut to at most max bytes on a UTF-8 character
 * boundary. */
static int
cutlen(const char *s, size_t max)
{
	size_t	 n = strlen(s);

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	return (int)n;
}

/* A line of a short rendering: "KEY: summary [status]" of an issue-like
 * object v, appended to b; 0, or -1 when b is full. */
static int
issueline(char *b, size_t bsz, size_t *n, const json_t *v)
{
	const char	*k = json_string_value(json_object_get(v, "key"));
	const char	*sm = json_string_value(json_object_get(v, "summary"));
	const char	*st = json_string_value(json_object_get(v, "status"));
	int		 w;

	if (k == NULL)
		return 0;
	if (sm == NULL)
		sm = "";
	if (st == NULL)
		st = "";
	w = snprintf(b + *n, bsz - *n, "%s%.*s%s%.*s%s%.*s%s", *n ? "\n" : "",
	    cutlen(k, 40), k, sm[0] ? ": " : "", cutlen(sm, 120), sm,
	    st[0] ? " [" : "", cutlen(st, 40), st, st[0] ? "]" : "");
	if (w < 0 || (size_t)w >= bsz - *n) {
		b[*n] = '\0';	/* never half a character */
		return -1;
	}
	*n += (size_t)w;
	return 0;
}

/* A line of a short rendering: "ID: title <url>" of a knowledge article
 * v (searchKnowledge), appended to b; 0, or -1 when b is full. */
static int
articleline(char *b, size_t bsz, size_t *n, const json_t *v)
{
	const char	*id = json_string_value(json_object_get(v, "id"));
	const char	*t = json_string_value(json_object_get(v, "title"));
	const char	*u = json_string_value(json_object_get(v, "url"));
	int		 w;

	if (id == NULL)
		return 0;
	if (t == NULL)
		t = "";
	if (u == NULL)
		u = "";
	w = snprintf(b + *n, bsz - *n, "%s%.*s: %.*s%s%.*s%s", *n ? "\n" : "",
	    cutlen(id, 64), id, cutlen(t, 160), t, u[0] ? " <" : "",
	    cutlen(u, 300), u, u[0] ? ">" : "");
	if (w < 0 || (size_t)w >= bsz - *n) {
		b[*n] = '\0';
		return -1;
	}
	*n += (size_t)w;
	return 0;
}

/*
 * The text of a knowledge article v (getKnowledgeArticle): its title,
 * its link and its body, the body cut at ARTICLE_TEXT_MAX bytes with a
 * note, so that a client that gives its model only the text can still
 * answer from the article.  NULL when memory runs out.
 */
#define ARTICLE_TEXT_MAX	16384
static json_t *
articletext(const json_t *v)
{
	struct jta_buf	 b = JTA_BUF_INIT(ARTICLE_TEXT_MAX + 1024);
	const char	*t = json_string_value(json_object_get(v, "title"));
	const char	*u = json_string_value(json_object_get(v, "url"));
	const char	*body = json_string_value(json_object_get(v, "body"));
	json_t		*out = NULL;
	int		 cut = cutlen(body, ARTICLE_TEXT_MAX);

	(void)jta_buf_printf(&b, "%.*s", cutlen(t, 255), t);
	if (u != NULL)
		(void)jta_buf_printf(&b, " <%.*s>", cutlen(u, 512), u);
	(void)jta_buf_add_str(&b, "\n\n");
	(void)jta_buf_add(&b, body, (size_t)cut);
	if (jta_buf_printf(&b, "%s", body[cut] != '\0' ? "\n[... the rest "
	    "is in structuredContent.body]" : "") == JTA_OK)
		out = json_pack("[{s:s, s:s}]", "type", "text", "text",
		    jta_buf_str(&b));
	jta_buf_free(&b);
	return out;
}

/*
 * The short text of a tool's answer v, for clients that show text only
 * (the whole answer is the structured content): the issues or articles
 * of a list, one line each (at most 20), an issue's key and summary, a
 * draft's id and revision, a created issue's key, an article's title,
 * link and body (articletext); otherwise the answer as compact JSON when
 * it is short, else its top-level members' names.
 */
#define TEXT_MAX	4096
static json_t *
textblock(const json_t *v)
{
	char		 b[TEXT_MAX];
	const json_t	*list = NULL, *x;
	const char	*k, *lk = NULL;
	char		*s;
	size_t		 n = 0, i;
	int		 w;

	b[0] = '\0';
	if (json_is_string(json_object_get(v, "body")) &&
	    json_is_string(json_object_get(v, "title")))
		return articletext(v);
	json_object_foreach((json_t *)(uintptr_t)v, k, x)
		if (json_is_array(x) && list == NULL) {
			list = x;
			lk = k;
		}
	if (json_is_string(json_object_get(v, "key")))
		(void)issueline(b, sizeof(b), &n, v);
	else if (json_is_object(json_object_get(v, "issue"))) {
		w = snprintf(b, sizeof(b), "Ticket ");
		n = w > 0 ? (size_t)w : 0;
		(void)issueline(b, sizeof(b), &n, json_object_get(v, "issue"));
	} else if (json_is_string(json_object_get(v, "id")) &&
	    json_is_integer(json_object_get(v, "revision"))) {
		w = snprintf(b, sizeof(b), "Draft %.*s, revision %lld, %.*s",
		    cutlen(json_string_value(json_object_get(v, "id")), 40),
		    json_string_value(json_object_get(v, "id")),
		    (long long)json_integer_value(json_object_get(v,
		    "revision")), cutlen(json_string_value(json_object_get(v,
		    "status")) ? json_string_value(json_object_get(v,
		    "status")) : "", 20), json_string_value(json_object_get(v,
		    "status")) ? json_string_value(json_object_get(v,
		    "status")) : "");
		n = w > 0 && (size_t)w < sizeof(b) ? (size_t)w : 0;
	} else if (list != NULL && json_array_size(list) > 0 &&
	    json_is_string(json_object_get(json_array_get(list, 0), "key"))) {
		w = snprintf(b, sizeof(b), "%zu %.*s:", json_array_size(list),
		    cutlen(lk, 64), lk);
		n = w > 0 && (size_t)w < sizeof(b) ? (size_t)w : 0;
		json_array_foreach(list, i, x)
			if (i >= 20 || issueline(b, sizeof(b), &n, x) != 0)
				break;
	} else if (list != NULL && json_array_size(list) > 0 &&
	    json_is_string(json_object_get(json_array_get(list, 0), "id")) &&
	    json_is_string(json_object_get(json_array_get(list, 0),
	    "title"))) {
		w = snprintf(b, sizeof(b), "%zu %.*s:", json_array_size(list),
		    cutlen(lk, 64), lk);
		n = w > 0 && (size_t)w < sizeof(b) ? (size_t)w : 0;
		json_array_foreach(list, i, x)
			if (i >= 20 || articleline(b, sizeof(b), &n, x) != 0)
				break;
	}
	if (n == 0) {
		if ((s = jta_arena_json_dumps(v, JSON_COMPACT |
		    JSON_ENCODE_ANY)) == NULL)
			return NULL;
		if (strlen(s) < 600)
			snprintf(b, sizeof(b), "%s", s);
		else {
			n = (size_t)snprintf(b, sizeof(b), "See the structured "
			    "content:");
			json_object_foreach((json_t *)(uintptr_t)v, k, x) {
				w = snprintf(b + n, sizeof(b) - n, " %.*s",
				    cutlen(k, 64), k);
				if (w < 0 || (size_t)w >= sizeof(b) - n) {
					b[n] = '\0';
					break;
				}
				n += (size_t)w;
			}
		}
		free(s);
	}
	return json_pack("[{s:s, s:s}]", "type", "text", "text", b);
}

/* A tool result with isError and the problem of err. */
static json_t *
toolerror(const struct jta_error *err, const char *request_id)
{
	json_t		*p = jta_resp_problem_json(err, request_id);
	char		 text[2048];
	size_t		 i, n;
	int		 k;

	if (p == NULL)
		return NULL;
	/* The detail, then each question the model should ask. */
	n = 0;
	k = snprintf(text, sizeof(text), "%d %s: %s", err->status,
	    jta_resp_reason(err->status), err->detail);
	n = k > 0 && (size_t)k < sizeof(text) ? (size_t)k : strlen(text);
	for (i = 0; i < err->nitems && i < JTA_ERROR_ITEMS; i++) {
		if (err->items[i].question[0] == '\0' || n + 2 >= sizeof(text))
			continue;
		k = snprintf(text + n, sizeof(text) - n, "\n- %s",
		    err->items[i].question);
		if (k < 0 || (size_t)k >= sizeof(text) - n) {
			text[n] = '\0';
			break;
		}
		n += (size_t)k;
	}
	return json_pack("{s:[{s:s, s:s}], s:o, s:b}", "content", "type",
	    "text", "text", text, "structuredContent", p, "isError", 1);
}

/* 1 when every problem of err is a missing field ("is required"), so a
 * form can ask for exactly them. */
static int
onlymissing(const struct jta_error *err)
{
	size_t	 i;

	if (err->status != 422 || err->nitems == 0)
		return 0;
	for (i = 0; i < err->nitems && i < JTA_ERROR_ITEMS; i++)
		if (strcmp(err->items[i].message, "is required") != 0)
			return 0;
	return 1;
}

/*
 * The input_required result asking for the missing fields of err: one
 * elicitation form (2026-07-28 client/elicitation, "form" mode) whose
 * properties are exactly those fields, each a string (an enum of the
 * allowed values when there are some; the only value as its default),
 * all required.
 */
static json_t *
followup(const struct jta_error *err)
{
	json_t		*props, *req, *p, *en;
	const struct jta_error_item *it;
	size_t		 i, j;

	if ((props = json_object()) == NULL)
		return NULL;
	if ((req = json_array()) == NULL) {
		json_decref(props);
		return NULL;
	}
	for (i = 0; i < err->nitems && i < JTA_ERROR_ITEMS; i++) {
		it = &err->items[i];
		p = json_pack("{s:s, s:s}", "type", "string", "title",
		    it->name[0] ? it->name : it->field);
		if (p == NULL)
			goto fail;
		if (json_object_set_new(props, it->field, p) != 0 ||
		    json_array_append_new(req, json_string(it->field)) != 0)
			goto fail;
		if (it->question[0] != '\0' && json_object_set_new(p,
		    "description", json_string(it->question)) != 0)
			goto fail;
		if (it->nallowed > 0) {
			if ((en = json_array()) == NULL ||
			    json_object_set_new(p, "enum", en) != 0)
				goto fail;
			for (j = 0; j < it->nallowed; j++)
				if (json_array_append_new(en, json_string(
				    jta_error_allowed(it, j))) != 0)
					goto fail;
			if (it->nallowed == 1 && json_object_set_new(p,
			    "default", json_string(jta_error_allowed(it, 0))) !=
			    0)
				goto fail;
		}
	}
	return json_pack("{s:{s:{s:s, s:{s:s, s:s, s:{s:s, s:o, s:o}}}}}",
	    "inputRequests", JTA_MCP_FORM_KEY, "method", "elicitation/create",
	    "params", "mode", "form", "message", "The ticket needs these "
	    "fields before it can be drafted.", "requestedSchema", "type",
	    "object", "properties", props, "required", req);
fail:
	json_decref(props);
	json_decref(req);
	return NULL;
}

/* The key of what a tool's answer made or names: a created issue's key, a
 * draft's id. */
static void
outkey(const json_t *out, char *key, size_t keysz)
{
	const char	*k;

	if ((k = json_string_value(json_object_get(json_object_get(out,
	    "issue"), "key"))) == NULL &&
	    (k = json_string_value(json_object_get(out, "key"))) == NULL)
		k = json_string_value(json_object_get(out, "id"));
	snprintf(key, keysz, "%s", k != NULL ? k : "");
}

static enum jta_err
toolcall(const struct jta_mcp_call *call, jta_mcp_runner run, void *arg,
    const char *request_id, json_t **result, const char **type,
    struct jta_mcp_outcome *oc)
{
	/* The longest path parameter: a knowledge article id. */
	char		 param[JTA_LIMIT_KB_ID + 1];
	json_t		*in = NULL, *out = NULL;
	int		 st = 0;
	enum jta_err	 rc;

	*type = "complete";
	*result = NULL;
	if (call->declined) {
		jta_error_set(&oc->err, JTA_ERR_INPUT, 422, "body",
		    "the person declined to give the missing fields; nothing "
		    "was drafted");
		goto problem;
	}
	if ((rc = jta_operation_args(call->op, call->args, param,
	    sizeof(param), &in, &oc->err)) == JTA_OK) {
		snprintf(oc->key, sizeof(oc->key), "%s", param);
		rc = run(arg, call->op, param[0] ? param : NULL, in, &st, &out,
		    &oc->err);
	}
	json_decref(in);
	if (rc == JTA_ERR_NOMEM) {
		json_decref(out);
		return rc;
	}
	if (rc != JTA_OK) {
		if (oc->err.status == 0)
			jta_error_set(&oc->err, rc, jta_err_status(rc), NULL,
			    "the server failed; the log has details");
		goto problem;
	}
	oc->status = st;
	outkey(out, oc->key, sizeof(oc->key));
	*result = json_pack("{s:o, s:O}", "content", textblock(out),
	    "structuredContent", out);
	json_decref(out);
	return *result != NULL ? JTA_OK : JTA_ERR_NOMEM;
problem:
	oc->status = oc->err.status;
	if ((call->op->flags & JTA_OP_FOLLOWUP) && call->modern &&
	    call->forms && onlymissing(&oc->err)) {
		*type = "input_required";
		*result = followup(&oc->err);
	} else
		*result = toolerror(&oc->err, request_id);
	return *result != NULL ? JTA_OK : JTA_ERR_NOMEM;
}

enum jta_err
jta_mcp_answer(const struct jta_mcp_call *call, jta_mcp_runner run,
    void *arg, const char *request_id, int *status, json_t **answer,
    struct jta_mcp_outcome *oc)
{
	const char	*m = call->method, *type = "complete", *pv;
	json_t		*result = NULL;
	enum jta_err	 rc;

	memset(oc, 0, sizeof(*oc));
	*answer = NULL;
	*status = 200;
	/* A notification (no id) is accepted with 202 and no body; we act
	 * on none (notifications/initialized only ends the handshake). */
	if (call->id == NULL) {
		*status = 202;
		return JTA_OK;
	}
	if (strcmp(m, "tools/call") == 0) {
		if ((rc = toolcall(call, run, arg, request_id, &result, &type,
		    oc)) != JTA_OK)
			return rc;
	} else if (strcmp(m, "tools/list") == 0) {
		result = json_pack("{s:o}", "tools", tools());
		if (result != NULL && call->modern &&
		    (json_object_set_new(result, "ttlMs",
		    json_integer(TOOLS_TTL_MS)) != 0 ||
		    json_object_set_new(result, "cacheScope",
		    json_string("public")) != 0)) {
			json_decref(result);
			result = NULL;
		}
	} else if (strcmp(m, "server/discover") == 0 && call->modern) {
		result = json_pack("{s:o, s:{s:{s:b}}, s:s, s:i, s:s}",
		    "supportedVersions", supported(), "capabilities", "tools",
		    "listChanged", 0, "instructions", INSTRUCTIONS, "ttlMs",
		    TOOLS_TTL_MS, "cacheScope", "public");
	} else if (strcmp(m, "initialize") == 0 && !call->modern) {
		/* 2025-11-25 lifecycle: answer the version asked for when
		 * we serve it, else our latest of that era.  No
		 * Mcp-Session-Id: every POST stands alone. */
		pv = json_string_value(json_object_get(call->params,
		    "protocolVersion"));
		result = json_pack("{s:s, s:{s:{s:b}}, s:o, s:s}",
		    "protocolVersion", pv != NULL && known(pv, 1) ? pv :
		    LEGACY_LATEST, "capabilities", "tools", "listChanged", 0,
		    "serverInfo", serverinfo(), "instructions", INSTRUCTIONS);
	} else if (strcmp(m, "ping") == 0 && !call->modern) {
		result = json_object();
	} else {
		/* 2026-07-28 transports: an unknown method is 404 with
		 * -32601; the older revisions answer it in a 200. */
		*status = call->modern ? 404 : 200;
		*answer = jta_mcp_error(call->id, JTA_MCP_NO_METHOD,
		    "method not found", NULL);
		return *answer != NULL ? JTA_OK : JTA_ERR_NOMEM;
	}
	if ((*answer = respond(call, result, type)) == NULL)
		return JTA_ERR_NOMEM;
	return JTA_OK;
}

enum jta_err
jta_mcp_refusal(const struct jta_mcp_call *call, const struct jta_error *err,
    const char *request_id, int *status, json_t **answer)
{
	int	 st = err->status >= 400 && err->status <= 599 ? err->status :
		    500;

	*answer = NULL;
	if (call != NULL && call->op != NULL && call->id != NULL &&
	    (st == 403 || st == 429)) {
		*status = 200;
		*answer = respond(call, toolerror(err, request_id), "complete");
	} else {
		*status = st;
		*answer = jta_mcp_error(call != NULL ? call->id : NULL,
		    st >= 500 ? JTA_MCP_INTERNAL : JTA_MCP_INVALID_REQUEST,
		    err->detail[0] ? err->detail : jta_resp_reason(st), NULL);
	}
	return *answer != NULL ? JTA_OK : JTA_ERR_NOMEM;
}

enum jta_err
jta_mcp_notice(json_t *answer, const char *notice)
{
	json_t		*r = json_object_get(answer, "result");
	json_t		*sc = json_object_get(r, "structuredContent");
	json_t		*text = json_array_get(json_object_get(r, "content"),
			    0);
	const char	*t = json_string_value(json_object_get(text, "text"));
	char		 b[TEXT_MAX + 800];

	if (notice == NULL || !json_is_object(sc) ||
	    json_is_true(json_object_get(r, "isError")))
		return JTA_OK;
	if (json_object_set_new(sc, "notice", json_string(notice)) != 0)
		return JTA_ERR_NOMEM;
	if (t == NULL)
		return JTA_OK;
	snprintf(b, sizeof(b), "%s\n%s", notice, t);
	return json_object_set_new(text, "text", json_string(b)) == 0 ?
	    JTA_OK : JTA_ERR_NOMEM;
}

int
jta_mcp_origin_ok(const char *origin, const char *public_url)
{
	struct jta_url	 u;
	struct jta_error err;
	char		 own[JTA_LIMIT_URL + 1];

	if (origin[0] == '\0')
		return 1;
	memset(&err, 0, sizeof(err));
	if (jta_url_parse(public_url, "public_url", &u, &err) != JTA_OK ||
	    jta_url_origin(&u, own, sizeof(own)) != JTA_OK)
		return 0;
	return strcasecmp(origin, own) == 0;
}
