/*
 * The operation table: every operation of the ticket API described once
 * (README.md "MCP", DESIGN.md "Three channels, one set of operations").
 * A row says
 *
 * - its name: the OpenAPI operationId (htdocs/openapi.yaml) and the MCP
 *   tool's name;
 * - a title and a description written for a model;
 * - the REST request it is (method and path template, e.g. GET
 *   "/api/issues/{key}"), through which the endpoint table classifies it
 *   for the kill switch, the access rules, quotas, usage, audit and
 *   metrics, whichever channel it comes through;
 * - its input: at most one path parameter ({key}, an issue key or a
 *   project key, or {id}, a draft id or a knowledge article id) and the
 *   validator table (struct jta_field, jta_req.h) of
 *   its query or JSON body, the same table the REST program validates
 *   with; the MCP tool's input JSON Schema (2020-12) is made from both
 *   (jta_operation_input_schema), so it cannot say otherwise;
 * - its output JSON Schema, and the hints MCP clients show (read-only,
 *   destructive, idempotent, open world) and whether it is consequential
 *   (the GPT Action asks the person first: x-openai-isConsequential);
 * - the function that runs it on validated input.
 *
 * Adding an operation: a row at the end of the table in jta_operation.c
 * (its fields, its run function, its hints), the path in the endpoint
 * table (jta_endpoint.c) and in htdocs/openapi.yaml with the same
 * operationId, parameters and consequential flag; test_mcp.py fails until
 * openapi.yaml and the table agree, and check_mcp until the row is well
 * formed.
 */
#ifndef JTA_OPERATION_H
#define JTA_OPERATION_H

#include <stddef.h>

#include <jansson.h>

#include "jta_err.h"
#include "jta_req.h"
#include "jta_types.h"

struct jta_ctx;

/* Hints and flags of an operation (MCP ToolAnnotations, 2025-06-18 and
 * later: readOnlyHint, destructiveHint, idempotentHint, openWorldHint). */
#define JTA_OP_READONLY		0x01u
#define JTA_OP_DESTRUCTIVE	0x02u
#define JTA_OP_IDEMPOTENT	0x04u
#define JTA_OP_OPENWORLD	0x08u
/* The GPT Action asks the person before it runs (x-openai-isConsequential
 * in openapi.yaml). */
#define JTA_OP_CONSEQUENTIAL	0x10u
/* A create that may lack required fields: an MCP client that can show a
 * form gets one for exactly the missing fields (jta_mcp.h). */
#define JTA_OP_FOLLOWUP		0x20u

/* Where the path parameter goes, if any. */
enum jta_op_param {
	JTA_OP_PARAM_NONE,
	JTA_OP_PARAM_KEY,	/* {key}: an issue key */
	JTA_OP_PARAM_PROJECT,	/* {key}: a project key */
	JTA_OP_PARAM_DRAFT,	/* {id}: a draft id */
	JTA_OP_PARAM_ARTICLE,	/* {id}: a knowledge article id */
	JTA_OP_PARAM_KEY_FILE	/* {key}: an issue key and {id}: an
				 * attachment id; the run function's param
				 * is "KEY/ID" */
};

/*
 * Run an operation.  req is the REST request it is (for an MCP tool call,
 * the request made from its arguments: jta_operation_request), who the
 * person, param the path parameter (NULL when none), in the input
 * validated against the row's fields.  On success *status is the REST
 * answer's status (200, 201, 204) and *out a new JSON value (an empty
 * object for 204) the caller releases; otherwise err is filled.
 */
typedef enum jta_err (*jta_operation_fn)(struct jta_ctx *ctx,
    const struct jta_req *req, const struct jta_user *who,
    const char *param, const json_t *in, int *status, json_t **out,
    struct jta_error *err);

struct jta_operation {
	const char		*name;		/* operationId, tool name */
	const char		*title;
	const char		*description;	/* for a model */
	enum jta_method		 method;
	const char		*path;		/* "/api/issues/{key}" */
	enum jta_op_param	 param;
	const struct jta_field	*fields;	/* query or body members */
	size_t			 nfields;
	int			 body;		/* fields are a JSON body */
	unsigned		 flags;		/* JTA_OP_* */
	const char		*output;	/* output schema, JSON text */
	jta_operation_fn	 run;
};

/* The row named name, or NULL.  Rows are static. */
const struct jta_operation *jta_operation_get(const char *name);

/* The i-th row, or NULL past the end (tools/list's order). */
const struct jta_operation *jta_operation_at(size_t i);

/* The input JSON Schema (2020-12) of op: an object whose properties are
 * the path parameter and the fields, with their types, bounds, choices
 * and which are required.  A new object, or NULL when memory runs out. */
json_t *jta_operation_input_schema(const struct jta_operation *op);

/* The output JSON Schema of op, a new object (NULL: memory). */
json_t *jta_operation_output_schema(const struct jta_operation *op);

/*
 * Validate arguments args (a JSON object, as an MCP tool call's
 * "arguments") for op: the path parameter, checked for its kind (issue
 * key upper-cased, project key, draft id) into param (paramsz bytes), and
 * the rest through op's field table (jta_req_check_object) into *in.
 * 422 naming the field (for a key or a draft id of the wrong shape 404,
 * as their REST paths answer; an article id's is 422, as its path's).
 */
enum jta_err jta_operation_args(const struct jta_operation *op,
    const json_t *args, char *param, size_t paramsz, json_t **in,
    struct jta_error *err) JTA_WUR;

/*
 * Fill r with the REST request an MCP tool call of op with args stands
 * for, over the real request base (copied: headers, id): op's method,
 * the path with the parameter in it (one "_" when the argument is not a
 * plain path segment, so it names no project), and for classification
 * the arguments as the query (GET) or the JSON body (the body is a new
 * buffer, released with jta_operation_request_clear).  The endpoint
 * table then classifies r exactly as the REST request.
 */
enum jta_err jta_operation_request(const struct jta_operation *op,
    const json_t *args, const struct jta_req *base, struct jta_req *r)
    JTA_WUR;

/* Release what jta_operation_request made r hold. */
void jta_operation_request_clear(struct jta_req *r);

struct jta_draft_bytes;

/*
 * Keep n files given as bytes (a browser's upload, README "Attachments:
 * files as bytes") with who's draft id: updateDraft's path with no other
 * change (the access rules again with the draft's project, a draft that
 * is still ready, each file through jta_draft_files_in_bytes, the next
 * revision).  *status 200 and *out the draft as updateDraft answers it;
 * a refused file is updateDraft's refusal with field "file" (the others
 * kept, the draft moved on).  Not an operation of the table: GPT Actions
 * and MCP cannot send multipart.
 */
enum jta_err jta_operation_draft_upload(struct jta_ctx *ctx,
    const struct jta_req *req, const struct jta_user *who, const char *id,
    const struct jta_draft_bytes *files, size_t n, int *status,
    json_t **out, struct jta_error *err) JTA_WUR;

/*
 * Run op for REST request req, validated as jta_operation_answer does,
 * without sending: *status and *out (new, the caller's) for a program
 * that adds to the answer (a Location).
 */
enum jta_err jta_operation_rest(const struct jta_operation *op,
    struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, int *status,
    json_t **out, struct jta_error *err) JTA_WUR;

/*
 * Answer REST request req with op (the REST program's half of the table):
 * validate req's query (a GET, HEAD or DELETE) or, after an empty query,
 * its JSON body (op->body) with op's table, run op with param (the path
 * parameter the program took from req's path, NULL when none), and send
 * its answer with its status (204 without a body).  Errors as
 * jta_handler: err filled, nothing sent.  Location is the program's.
 * *out is the answer's tree for the caller to release, or NULL when the
 * backend wrote the answer as text (searchIssues on a backend with
 * search_text, jta_backend.h).
 */
struct jta_resp;
enum jta_err jta_operation_answer(const struct jta_operation *op,
    struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, struct jta_resp *resp,
    json_t **out, struct jta_error *err) JTA_WUR;

/* The validator table of op's query or body (n of them), static: what
 * the REST program validates with (jta_req_query, jta_req_json) and the
 * tool's arguments are checked against. */
const struct jta_field *jta_operation_fields(const struct jta_operation *op,
    size_t *n);

#endif
