/*
 * The endpoint table: every endpoint program declared once (README.md
 * "Adding an endpoint"), in the spirit of cgit's def_cmd.  An entry says
 *
 * - the program's name (jta-issues ...), which its main() passes to
 *   jta_fcgi_main and which is the key into this table;
 * - what guards it: nothing, the kill switch only, or the kill switch,
 *   an API key, the access rules and the quotas;
 * - the URL locations it serves, in a small pattern language (below) that
 *   the web-server configurations are checked against
 *   (tests/unit/check_endpoint.c);
 * - for each location and method: the name requests are counted and
 *   audited under, the operation class for the access rules (read,
 *   create, write or none) and where the request's project comes from.
 *
 * The access rules (jta_policy_op_from_req) and the metrics
 * (jta_metrics.c) read this table and nothing else.  It fails closed
 * (jta_fcgi.c): a program whose name is not here answers every request
 * with 500, a path its entry does not declare with 404, and a method a
 * location does not declare with 405, before its handler is called.
 *
 * Patterns: literal bytes, "*" for one non-empty path segment (no '/'),
 * and a trailing "**" for any rest, empty included.
 */
#ifndef JTA_ENDPOINT_H
#define JTA_ENDPOINT_H

#include <stddef.h>

#include "jta_req.h"

/* Locations one program serves, at most. */
#define JTA_ENDPOINT_ROUTES	4
/* Method groups of one location, at most. */
#define JTA_ENDPOINT_METHODS	3

/* The names requests are counted (metrics) and audited under.  The order
 * is the metrics files' slot order (jta_metrics.c): append, never
 * reorder; JTA_ENDPOINT_OTHER stays last. */
enum jta_endpoint_name {
	JTA_ENDPOINT_ISSUES_SEARCH,
	JTA_ENDPOINT_ISSUES_CREATE,
	JTA_ENDPOINT_ISSUE,
	JTA_ENDPOINT_COMMENTS,
	JTA_ENDPOINT_TRANSITIONS,
	JTA_ENDPOINT_DRAFTS_CREATE,
	JTA_ENDPOINT_DRAFTS,
	JTA_ENDPOINT_SIMILAR,
	JTA_ENDPOINT_USERS,
	JTA_ENDPOINT_PROJECT_FIELDS,
	JTA_ENDPOINT_PROJECTS,
	JTA_ENDPOINT_ME,
	JTA_ENDPOINT_TICKETS,
	JTA_ENDPOINT_OAUTH,
	JTA_ENDPOINT_HEALTHZ,
	JTA_ENDPOINT_METRICS,
	JTA_ENDPOINT_OPENAPI,
	JTA_ENDPOINT_ADMIN,
	JTA_ENDPOINT_BROWSE,
	JTA_ENDPOINT_MCP,	/* MCP's own messages; a tool call counts
				 * under its operation's name */
	JTA_ENDPOINT_KNOWLEDGE,
	JTA_ENDPOINT_SERVICEDESKS,	/* Jira Service Management */
	JTA_ENDPOINT_REQUESTS_CREATE,
	JTA_ENDPOINT_REQUESTS,
	JTA_ENDPOINT_CHAT,	/* our own agent; its tools are ruled as
				 * the operations they are */
	JTA_ENDPOINT_ATTACHMENTS,	/* attachFiles (issue 18) */
	JTA_ENDPOINT_FILES,	/* the embedded store's kept files */
	JTA_ENDPOINT_OTHER,	/* requests no entry names */
	JTA_ENDPOINT_NNAMES
};

/* What guards a program. */
enum jta_endpoint_guard {
	JTA_ENDPOINT_OPEN,	/* nothing: /healthz reports the switch,
				 * the admin API switches it back on */
	JTA_ENDPOINT_SWITCH,	/* the kill switch only (OAuth, schema) */
	JTA_ENDPOINT_RULES	/* the kill switch, an API key (Bearer),
				 * the access rules and the quotas */
};

/* What an operation does, for the access rules (jta_policy.h). */
enum jta_endpoint_class {
	JTA_ENDPOINT_NONE,	/* no rule applies (OAuth, health ...) */
	JTA_ENDPOINT_READ,	/* search, read, list */
	JTA_ENDPOINT_CREATE,	/* create a ticket (or its draft) */
	JTA_ENDPOINT_WRITE	/* edit, comment, transition, delete */
};

/* Where an operation's project comes from. */
enum jta_endpoint_project {
	JTA_PROJECT_NONE,	/* not an operation on tickets */
	JTA_PROJECT_ANY,	/* on tickets, no one project named (a list
				 * spanning projects, a ticket by id) */
	JTA_PROJECT_QUERY,	/* project= of the query */
	JTA_PROJECT_SEARCH,	/* project= of the query, none with jql= */
	JTA_PROJECT_BODY,	/* "project" of the JSON body */
	JTA_PROJECT_KEY,	/* the issue key at the pattern's "*" */
	JTA_PROJECT_PATH,	/* the project key at the pattern's "*" */
	JTA_PROJECT_DEFAULT	/* the configuration's default_project */
};

/*
 * Whose resource a program is (RFC 8707 resource indicators, RFC 9728
 * protected resource metadata): an access token our authorization server
 * issued names one audience and is refused by programs of the other
 * (jta_auth_bearer), unless the configuration's oauth_audience_shared
 * says both.  API keys serve both.  0, the REST API, is the default, so
 * an entry that says nothing is the API's; /mcp's entry ends in MCP.
 */
enum jta_endpoint_audience {
	JTA_ENDPOINT_AUD_API = 0,	/* public_url: the REST API */
	JTA_ENDPOINT_AUD_MCP		/* public_url + "/mcp" */
};

/* Method bits (of enum jta_method). */
#define JTA_ENDPOINT_M(m)	(1u << (m))
#define JTA_ENDPOINT_GET	(JTA_ENDPOINT_M(JTA_METHOD_GET) | \
				 JTA_ENDPOINT_M(JTA_METHOD_HEAD))
#define JTA_ENDPOINT_POST	JTA_ENDPOINT_M(JTA_METHOD_POST)
#define JTA_ENDPOINT_PATCH	JTA_ENDPOINT_M(JTA_METHOD_PATCH)
#define JTA_ENDPOINT_DELETE	JTA_ENDPOINT_M(JTA_METHOD_DELETE)
#define JTA_ENDPOINT_CHANGE	(JTA_ENDPOINT_M(JTA_METHOD_PUT) | \
				 JTA_ENDPOINT_M(JTA_METHOD_PATCH) | \
				 JTA_ENDPOINT_M(JTA_METHOD_DELETE))
/* Every method, unknown ones included: the handler answers 405. */
#define JTA_ENDPOINT_ANY	0xffu

/* One group of methods of a location (methods 0 ends the list). */
struct jta_endpoint_method {
	unsigned		 methods;	/* JTA_ENDPOINT_M bits or 0 */
	enum jta_endpoint_name	 name;
	enum jta_endpoint_class	 cls;
	enum jta_endpoint_project project;
};

/* One location a program serves. */
struct jta_endpoint_route {
	const char		*path;		/* pattern; NULL ends */
	/* The name of a request with a method none of m covers (answered
	 * 405 by jta_fcgi.c). */
	enum jta_endpoint_name	 refused;
	struct jta_endpoint_method m[JTA_ENDPOINT_METHODS];
};

/* One endpoint program. */
struct jta_endpoint_def {
	const char		*program;	/* "jta-issues" */
	enum jta_endpoint_guard	 guard;
	/* The name of a request no route covers (answered 404). */
	enum jta_endpoint_name	 name;
	struct jta_endpoint_route routes[JTA_ENDPOINT_ROUTES];
	/* Whose access tokens it takes (guard JTA_ENDPOINT_RULES). */
	enum jta_endpoint_audience audience;
};

/* The entry of program (e.g. "jta-issues"), or NULL when it has none.
 * The table is static: the pointer is valid for the process's life. */
const struct jta_endpoint_def *jta_endpoint_get(const char *program);

/* The table's i-th entry, or NULL past its end (for the drift check and
 * for listing). */
const struct jta_endpoint_def *jta_endpoint_at(size_t i);

/* The route of def covering path, or NULL; def NULL searches every entry
 * (locations of two programs never overlap: check_endpoint.c). */
const struct jta_endpoint_route *jta_endpoint_route(
    const struct jta_endpoint_def *def, const char *path);

/* The method group of r covering method, or NULL (405). */
const struct jta_endpoint_method *jta_endpoint_method(
    const struct jta_endpoint_route *r, enum jta_method method);

/* The methods r declares as an Allow header value ("GET, HEAD, PATCH",
 * RFC 9110 §10.2.1) into buf; "" when bufsz is too small. */
void jta_endpoint_allow(const struct jta_endpoint_route *r, char *buf,
    size_t bufsz);

/* The text of name ("issues.search"), static; "other" when unknown. */
const char *jta_endpoint_name(enum jta_endpoint_name name);

/* 1 when path matches pattern (the language above), else 0. */
int jta_endpoint_match(const char *pattern, const char *path);

#endif
