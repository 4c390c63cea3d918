/*
 * The Model Context Protocol over Streamable HTTP (README.md "MCP"), no
 * I/O: JSON-RPC 2.0 messages in, answers out, so that every rule is
 * testable without FastCGI (tests/unit/check_mcp.c); fcgi/mcp.c carries
 * the bytes.  The tools are the operation table's rows (jta_operation.h).
 *
 * Protocol versions served:
 * - 2026-07-28, stateless: every request carries its version, client
 *   info and capabilities in params._meta, the MCP-Protocol-Version,
 *   Mcp-Method and (tools/call) Mcp-Name headers must match the body
 *   (400, HeaderMismatch -32020), results carry resultType, tools/list
 *   ttlMs and cacheScope, server/discover answers what we serve, and a
 *   create lacking required fields answers an input_required result with
 *   an elicitation form (Multi Round-Trip Requests);
 * - 2025-11-25 and 2025-06-18: initialize (no session id is ever sent:
 *   every POST stands alone), notifications/initialized, ping, then the
 *   MCP-Protocol-Version header on every request.
 *
 * JSON-RPC errors use the standard codes (-32700 parse, -32600 invalid
 * request, -32601 unknown method, -32602 invalid params) and the
 * transport's (-32020 header mismatch, -32022 unsupported version), with
 * messages of our own words, bounded.  Batches (a JSON array) are
 * refused: JSON-RPC batching was removed in 2025-06-18.  A tool's input
 * problem or failure is a tool result with isError and the problem in
 * structuredContent (the model can correct itself), never a JSON-RPC
 * error.
 */
#ifndef JTA_MCP_H
#define JTA_MCP_H

#include <stddef.h>

#include <jansson.h>

#include "jta_err.h"
#include "jta_operation.h"

/* The revision served statelessly, and the older ones with initialize. */
#define JTA_MCP_MODERN		"2026-07-28"
/* JSON-RPC 2.0 §5.1 and MCP's own codes (2026-07-28 basic/index "Error
 * Codes", transports "Server Validation"). */
#define JTA_MCP_PARSE_ERROR	(-32700)
#define JTA_MCP_INVALID_REQUEST	(-32600)
#define JTA_MCP_NO_METHOD	(-32601)
#define JTA_MCP_INVALID_PARAMS	(-32602)
#define JTA_MCP_INTERNAL	(-32603)
#define JTA_MCP_HEADER_MISMATCH	(-32020)
#define JTA_MCP_UNSUPPORTED	(-32022)
/* The key of the follow-up form in inputRequests / inputResponses. */
#define JTA_MCP_FORM_KEY	"missing_fields"

/* The transport's view of one POST. */
struct jta_mcp_http {
	const char	*content_type;	/* "" when none */
	const char	*version;	/* MCP-Protocol-Version, "" none */
	const char	*method;	/* Mcp-Method, NULL when absent */
	const char	*name;		/* Mcp-Name, NULL when absent */
};

/* One message, parsed and checked (jta_mcp_parse). */
struct jta_mcp_call {
	json_t		*doc;		/* owned: the whole message */
	const json_t	*id;		/* borrowed; NULL: a notification */
	const char	*method;	/* borrowed */
	const json_t	*params;	/* borrowed; NULL when none */
	int		 modern;	/* 2026-07-28 (per-request _meta) */
	char		 version[16];	/* the protocol version in use */
	int		 forms;		/* the client takes elicitation forms */
	/* tools/call: the tool, and its arguments with the answers of a
	 * follow-up form merged in (owned); declined: the person declined
	 * or cancelled the form. */
	const struct jta_operation *op;
	json_t		*args;
	int		 declined;
};

/*
 * Parse one POST's body (len bytes) with the transport's headers into
 * call.  JTA_OK: call holds a request or notification to answer
 * (jta_mcp_answer); release with jta_mcp_call_clear.  Otherwise *status
 * is the HTTP status and *answer the JSON-RPC error to send (new), and
 * call holds nothing.  Checks: Content-Type application/json (415), a
 * JSON object (an array: batches refused), jsonrpc "2.0", a method, an
 * id that is a string or integer, the protocol version (in _meta, or the
 * MCP-Protocol-Version header after initialize) and, for 2026-07-28, the
 * headers against the body.
 */
enum jta_err jta_mcp_parse(const char *body, size_t len,
    const struct jta_mcp_http *h, struct jta_mcp_call *call, int *status,
    json_t **answer) JTA_WUR;

/* Release what call holds; it may be parsed into again. */
void jta_mcp_call_clear(struct jta_mcp_call *call);

/*
 * Run op with param and validated input in for the tool call being
 * answered; as jta_operation_fn (*status, *out, err), arg the caller's.
 */
typedef enum jta_err (*jta_mcp_runner)(void *arg,
    const struct jta_operation *op, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err);

/* What a tool call came to, for the audit, usage and metrics. */
struct jta_mcp_outcome {
	int		 status;	/* the operation's HTTP status; 0 when
					 * the message was no tool call */
	struct jta_error err;		/* status >= 400: why */
	char		 key[65];	/* what it made or acted on, "" */
};

/*
 * Answer call: *status the HTTP status and *answer the body (new; NULL
 * with 202 for a notification).  Tool calls validate their arguments
 * and run through run(arg, ...); their outcome goes into *oc.
 * request_id goes into problems.  Fails only when memory runs out.
 */
enum jta_err jta_mcp_answer(const struct jta_mcp_call *call,
    jta_mcp_runner run, void *arg, const char *request_id, int *status,
    json_t **answer, struct jta_mcp_outcome *oc) JTA_WUR;

/*
 * A JSON-RPC error response (new; NULL when memory runs out) with id (a
 * copy; NULL: none, as for a message that could not be read), code and
 * message (cut to 200 bytes), and data when not NULL (taken).
 */
json_t *jta_mcp_error(const json_t *id, int code, const char *message,
    json_t *data);

/*
 * The answer to a request the serving loop refused before it was
 * answered (authentication, kill switch, access rules, quotas, a body
 * too large): for a tool call refused by a rule or a quota (403, 429) a
 * tool result with isError and the problem (*status 200), so the model
 * sees why; otherwise a JSON-RPC error carrying err's detail with
 * err's status.  call may be NULL (the message was never read).
 */
enum jta_err jta_mcp_refusal(const struct jta_mcp_call *call,
    const struct jta_error *err, const char *request_id, int *status,
    json_t **answer) JTA_WUR;

/*
 * Carry notice (a quota warning, jta_usage.h) where the model reads it:
 * as "notice" in a successful tool result's structured content (as the
 * REST answer has it) and as a line of its text.  answer is a response
 * jta_mcp_answer made; anything else is left as it is.  Fails only when
 * memory runs out.
 */
enum jta_err jta_mcp_notice(json_t *answer, const char *notice) JTA_WUR;

/*
 * 1 when the Origin header value origin is absent ("") or the origin
 * of public_url (RFC 6454 §4; scheme and host ignoring case); 0
 * otherwise: the request comes from another site's page (2026-07-28
 * Streamable HTTP "Security": 403, against DNS rebinding).
 */
int jta_mcp_origin_ok(const char *origin, const char *public_url);

#endif
