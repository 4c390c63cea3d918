/*
 * The operators' switches, checked on every request (README.md "Operating
 * it: switch off, access rules"):
 *
 * - The kill switch.  While it is off every API and OAuth endpoint answers
 *   503 problem+json with the operator's message as its detail (no
 *   Retry-After: nobody knows when it comes back), before authentication
 *   and before anything reaches Jira.  /healthz (and any program its entry
 *   in the endpoint table, jta_endpoint.h, guards with JTA_ENDPOINT_OPEN)
 *   is not switched off; it reports the switch.
 * - Access rules: allow or deny by Atlassian site, project, person, Jira
 *   group or email domain, each for reading, creating, writing (create,
 *   edit, comment, transition) or all; and a read-only mode.  Deny rules
 *   win; a kind with allow rules that cover an operation is an allow-list
 *   for it.  A refusal is 403 problem+json whose detail names the rule
 *   (id, kind, value) and whose field names the kind that matched.
 *
 * The settings row is read with one prepared statement per request; the
 * rules are re-read only when the row's generation moved (every change
 * bumps it), so a change applies at the next request of every worker.
 * Measured: the row read is about 2 us, as much as PRAGMA data_version,
 * which moves at every ticket write and so would not spare the read.
 *
 * The serving loop runs, for a program guarded by the switch or the rules
 * (jta_endpoint.h):
 *   jta_policy_op_classify -> jta_policy_gate -> authentication ->
 *   jta_policy_check -> handler.
 * More per-request checks (quotas, usage, audit) take the same struct
 * jta_policy_op and go beside jta_policy_check.
 */
#ifndef JTA_POLICY_H
#define JTA_POLICY_H

#include <stdint.h>

#include "jta_backend.h"
#include "jta_conf.h"
#include "jta_endpoint.h"
#include "jta_err.h"
#include "jta_limits.h"
#include "jta_req.h"
#include "jta_types.h"

/* A storage connection (common/db/jta_db.h); only passed through. */
struct jta_store;

/* What an operation does, as rules' scopes see it (a bit each). */
#define JTA_POLICY_READ		0x1u	/* search, read, list */
#define JTA_POLICY_CREATE	0x2u	/* create a ticket */
#define JTA_POLICY_WRITE	0x4u	/* edit, comment, transition, delete */

/* A person's Jira groups are re-read after this many seconds. */
#define JTA_POLICY_GROUP_TTL	60
/* People whose groups one worker keeps (least recently read goes). */
#define JTA_POLICY_GROUP_CACHE	64

/* One request as the checks see it. */
struct jta_policy_op {
	const char	*endpoint;	/* "issues.search", ... (static) */
	unsigned	 cls;		/* one JTA_POLICY_* bit */
	int		 rules;		/* 1: access rules apply (the ticket
					 * API); 0: kill switch only (OAuth,
					 * or a method the endpoint refuses) */
	int		 has_project;	/* the operation is on tickets */
	char		 project[JTA_LIMIT_PROJECT_KEY + 1];
					/* "" when not one known project
					 * (a search without project=, a
					 * JQL search, /api/tickets/{id}) */
	/*
	 * A call through another channel (an MCP tool call, fcgi/mcp.c):
	 * the tool's name (static), the REST request it is (borrowed, the
	 * program's, for the audit log's action and key), and what it came
	 * to when the HTTP answer says otherwise (a tool's error travels in
	 * a 200): its status (0: the answer's) and the key of what it made
	 * or named ("" none).  NULL, NULL, 0, "" for a REST request.
	 */
	const char	*tool;
	const struct jta_req *as;
	int		 status;
	char		 key[65];
};

struct jta_policy;

/*
 * Classify req as route r of the endpoint table declares it (jta_endpoint.h):
 * the name, read/create/write, whether rules apply, and the project: the
 * key's prefix for /api/issues/{key}..., the body's "project" for a
 * create (when the body is a JSON object with a string "project"; the
 * handler validates the body again), project= of a search (none when
 * jql= is given), default_project for a POST /api/tickets/.  r NULL, or
 * a method r does not declare, is no operation the rules know: rules 0
 * (the serving loop refuses such a request before its handler).
 */
void jta_policy_op_classify(const struct jta_endpoint_route *r,
    const struct jta_req *req, const char *default_project,
    struct jta_policy_op *op);

/* jta_policy_op_classify with the route of the table, of any program,
 * that covers req's path. */
void jta_policy_op_from_req(const struct jta_req *req,
    const char *default_project, struct jta_policy_op *op);

/* A policy over conf, store and backend (borrowed, outliving it); release
 * with jta_policy_free. */
enum jta_err jta_policy_new(const struct jta_conf *conf,
    struct jta_store *store, struct jta_backend *backend,
    struct jta_policy **out) JTA_WUR;

/* Release p; NULL is a no-op. */
void jta_policy_free(struct jta_policy *p);

/* What /healthz tells: whether the database answers at the schema version
 * this build expects, and the kill switch as the operators left it. */
struct jta_policy_health {
	int	 ok;		/* reachable, current schema, switch read */
	const char *engine;	/* "sqlite" or "postgresql" */
	int	 reachable;	/* the database answered (jta_store_dbhealth) */
	int	 version;	/* the database's schema version; 0 unknown */
	int	 expected;	/* the version this build migrates to */
	int	 enabled;	/* ok only: the switch is on */
	char	 message[JTA_LIMIT_POLICY_MESSAGE + 1];	/* off: why */
};

/*
 * Fill out with the health of p's store and switch: a read on the
 * database, its schema version and the settings row, none of them cached
 * (a probe must see the database as it is now).  Never fails: what could
 * not be read leaves out->ok 0.
 */
void jta_policy_health(struct jta_policy *p, struct jta_policy_health *out);

/*
 * The kill switch: read the settings row (and the rules, when their
 * generation moved).  JTA_ERR_BUSY with 503 and the operator's message
 * when the service is off; a store that fails is 503/500 (closed, never
 * open).
 */
enum jta_err jta_policy_gate(struct jta_policy *p, struct jta_error *err)
    JTA_WUR;

/*
 * The access rules for who doing op (after jta_policy_gate in the same
 * request).  JTA_ERR_AUTH with 403 when a rule refuses: detail names the
 * rule, field the kind ("site", "project", "person", "group", "domain",
 * "readonly").  Reading who's groups from Jira may fail: that error is
 * returned (closed), field "group".
 */
enum jta_err jta_policy_check(struct jta_policy *p, const struct jta_req *req,
    const struct jta_user *who, const struct jta_policy_op *op,
    struct jta_error *err) JTA_WUR;

/*
 * Whether who may create in project under the access rules (the request
 * req names neither): *allowed 1 yes, 0 a rule refuses; an error when
 * the check itself failed (reading who's groups from Jira, the store).
 * For lists that show only what the person may act on, such as the
 * service desks a person can raise requests in (README.md "Jira Service
 * Management").
 */
enum jta_err jta_policy_may_create(struct jta_policy *p,
    const struct jta_req *req, const struct jta_user *who,
    const char *project, int *allowed, struct jta_error *err) JTA_WUR;

/*
 * Build a rule from an operator's words (jta-admin allow|deny): effect
 * "allow" or "deny"; kind site, project, person, group, domain or
 * readonly; value (normalised: project keys and emails as Jira and we
 * compare them; readonly takes no value, "*"); scope read, create, write
 * or all (NULL: all; readonly is always write); note (NULL: none).
 * JTA_ERR_INPUT with a message naming the field when a word is wrong.
 */
enum jta_err jta_policy_rule_make(const char *effect, const char *kind,
    const char *value, const char *scope, const char *note,
    struct jta_store_rule *out, struct jta_error *err) JTA_WUR;

/* The JTA_POLICY_* bits a stored scope word covers (0 when unknown). */
unsigned jta_policy_scope_bits(const char *scope);

#endif
