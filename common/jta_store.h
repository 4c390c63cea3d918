/*
 * The store: the only code that includes sqlite3.h.  One SQLite file in WAL
 * mode with a versioned schema (PRAGMA user_version) migrated step by step,
 * every statement prepared from a fixed table and every value bound.
 * Transactions that may write start with BEGIN IMMEDIATE so writers queue
 * on busy_timeout instead of failing half-way.
 *
 * It holds local users and their API keys, and the embedded ticket store:
 * projects, tickets, labels, comments and an FTS5 index over summary,
 * description and comments.  Ticket answers are built as jansson objects
 * in the shape of the ticket API (see README.md), without "url", which the
 * backend adds.
 */
#ifndef JTA_STORE_H
#define JTA_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_err.h"
#include "jta_limits.h"
#include "jta_vault.h"

/* The schema version this build reads and writes. */
#define JTA_STORE_VERSION	2

#define JTA_STORE_CREATE	0x1u	/* create the file if missing (0600) */
#define JTA_STORE_MIGRATE	0x2u	/* bring the schema up to date */

struct jta_store;

/* A local account, as the API sees it. */
struct jta_user {
	int64_t	 id;
	char	 name[JTA_LIMIT_NAME + 1];
	char	 display_name[JTA_LIMIT_DISPLAY_NAME + 1];
	char	 email[JTA_LIMIT_EMAIL + 1];
};

/*
 * Open the database at path.  With JTA_STORE_MIGRATE the schema is brought
 * to JTA_STORE_VERSION; without it a schema that is not current is an error
 * (JTA_ERR_CONFIG) telling the operator to run 'jta-admin init'.  msg says
 * what failed, naming the file.  Release with jta_store_close.
 */
enum jta_err jta_store_open(const char *path, int busy_timeout_ms,
    unsigned flags, struct jta_store **out, char *msg, size_t msgsz) JTA_WUR;

/* Finalise every statement and close; NULL is a no-op. */
void jta_store_close(struct jta_store *st);

/* Migrate to version target (1..JTA_STORE_VERSION), one step at a time,
 * each in its own transaction.  For jta-admin and the migration tests. */
enum jta_err jta_store_migrate(struct jta_store *st, int target) JTA_WUR;

/* The schema version of the open file. */
enum jta_err jta_store_version(struct jta_store *st, int *version) JTA_WUR;

/* Liveness for /healthz: a read on the database, and its version. */
enum jta_err jta_store_health(struct jta_store *st, int *version) JTA_WUR;

/* ---- users and API keys ---- */

/* Add a local user; JTA_ERR_CONFLICT when the name is taken. */
enum jta_err jta_store_user_add(struct jta_store *st, const char *name,
    const char *display_name, const char *email, int64_t *id,
    struct jta_error *err) JTA_WUR;

/* Find a user by name; JTA_ERR_NOTFOUND when there is none. */
enum jta_err jta_store_user_get(struct jta_store *st, const char *name,
    struct jta_user *out, struct jta_error *err) JTA_WUR;

/* All users as [{name, display_name, email, created}]. */
enum jta_err jta_store_user_list(struct jta_store *st, json_t **out) JTA_WUR;

/* Store a new API key (its public id and keyed hash only). */
enum jta_err jta_store_key_add(struct jta_store *st, int64_t user_id,
    const char *keyid, const unsigned char hash[JTA_VAULT_HASHBYTES],
    const char *label, struct jta_error *err) JTA_WUR;

/*
 * Find the user of the key with public id keyid whose stored hash equals
 * hash (compared in constant time by the vault).  JTA_ERR_AUTH when there
 * is no such key, it is revoked, or the hash differs.
 */
enum jta_err jta_store_key_auth(struct jta_store *st, const char *keyid,
    const unsigned char hash[JTA_VAULT_HASHBYTES], struct jta_user *out)
    JTA_WUR;

/* Keys as [{id, user, label, created, revoked}], of one user or all
 * (user NULL). */
enum jta_err jta_store_key_list(struct jta_store *st, const char *user,
    json_t **out, struct jta_error *err) JTA_WUR;

/* Revoke the key with public id keyid; JTA_ERR_NOTFOUND if none. */
enum jta_err jta_store_key_revoke(struct jta_store *st, const char *keyid,
    struct jta_error *err) JTA_WUR;

/* ---- projects ---- */

/* Add a project with its issue types (a JSON array of names; NULL for
 * Task, Bug, Story).  JTA_ERR_CONFLICT when the key is taken. */
enum jta_err jta_store_project_add(struct jta_store *st, const char *key,
    const char *name, const json_t *types, struct jta_error *err) JTA_WUR;

/* Projects as [{key, name, types[], priorities[]}] ordered by key. */
enum jta_err jta_store_project_list(struct jta_store *st, json_t **out)
    JTA_WUR;

/* ---- tickets (the ticket API's shape) ---- */

/* The priorities, highest first, NULL-terminated. */
extern const char *const jta_store_priorities[];
/* The statuses of the workflow, NULL-terminated. */
extern const char *const jta_store_statuses[];

/* Search filters; NULL / 0 means "not filtered". */
struct jta_search {
	const char	*text;		/* full-text words */
	const char	*project;
	const char	*status;
	const char	*type;
	const char	*priority;
	const char	*label;
	const char	*assignee;	/* user name */
	const char	*reporter;	/* user name */
	int64_t		 created_from, created_to;	/* 0: open */
	int64_t		 updated_from, updated_to;
	const char	*order;		/* "-updated" (default), "updated",
					 * "-created", "created" */
	size_t		 limit;
	const char	*cursor;	/* from a previous answer, or NULL */
};

/* Orders accepted in struct jta_search, NULL-terminated. */
extern const char *const jta_store_orders[];

/*
 * Search tickets: *out is {"issues": [slim rows], "next_cursor": string or
 * null}.  A cursor that does not decode, or was made for another order, is
 * JTA_ERR_INPUT (400, field "cursor").
 */
enum jta_err jta_store_ticket_search(struct jta_store *st,
    const struct jta_search *q, json_t **out, struct jta_error *err) JTA_WUR;

/*
 * Create a ticket from validated fields (project, summary required; type,
 * description, priority, labels, assignee optional) reported by reporter.
 * The type must be one of the project's; the assignee a known user.
 */
enum jta_err jta_store_ticket_create(struct jta_store *st,
    const struct jta_user *reporter, const json_t *fields, json_t **out,
    struct jta_error *err) JTA_WUR;

/* One ticket with description, labels and its last comments. */
enum jta_err jta_store_ticket_get(struct jta_store *st, const char *key,
    json_t **out, struct jta_error *err) JTA_WUR;

/* Change the fields present in fields (summary, description, type,
 * priority, labels, assignee; assignee null unassigns). */
enum jta_err jta_store_ticket_update(struct jta_store *st, const char *key,
    const json_t *fields, json_t **out, struct jta_error *err) JTA_WUR;

/* Add a comment by author; *out is the comment. */
enum jta_err jta_store_ticket_comment(struct jta_store *st, const char *key,
    const struct jta_user *author, const char *body, json_t **out,
    struct jta_error *err) JTA_WUR;

/* The moves allowed from the ticket's status: {"status", "transitions":
 * [{"to": name}]}. */
enum jta_err jta_store_ticket_transitions(struct jta_store *st,
    const char *key, json_t **out, struct jta_error *err) JTA_WUR;

/* Move the ticket to status to; a move the workflow does not allow is
 * JTA_ERR_CONFLICT (409) naming the allowed ones. */
enum jta_err jta_store_ticket_transition(struct jta_store *st,
    const char *key, const char *to, json_t **out, struct jta_error *err)
    JTA_WUR;

/* ---- the basic ticketing API (/api/tickets/) over the same tickets ---- */

/* List filters of /api/tickets/. */
struct jta_tk_query {
	int64_t		 id;		/* 0: any */
	const json_t	*ids;		/* array of ids, or NULL */
	const char	*title_icontains;
	int64_t		 created_gte, created_lte;	/* 0: open */
	const json_t	*statuses;	/* array of OPEN/RESOLVED/CLOSED */
	const char	*search;
	const char	*ordering;	/* created, -created, title, -title,
					 * updated, -updated */
	int64_t		 page;		/* from 1 */
	int64_t		 page_size;
};

/* Orderings accepted by /api/tickets/, NULL-terminated. */
extern const char *const jta_store_tk_orderings[];

/* One page: *out is {"count": n, "results": [tickets]}. */
enum jta_err jta_store_tk_list(struct jta_store *st,
    const struct jta_tk_query *q, json_t **out, struct jta_error *err)
    JTA_WUR;

/* {id, title, description, created, resolution_status}. */
enum jta_err jta_store_tk_get(struct jta_store *st, int64_t id,
    json_t **out, struct jta_error *err) JTA_WUR;

/* Create in project (title required; description, resolution_status). */
enum jta_err jta_store_tk_create(struct jta_store *st,
    const struct jta_user *reporter, const char *project,
    const json_t *fields, json_t **out, struct jta_error *err) JTA_WUR;

/* Replace (PUT: title required) or change (PATCH) a ticket. */
enum jta_err jta_store_tk_update(struct jta_store *st, int64_t id,
    const json_t *fields, json_t **out, struct jta_error *err) JTA_WUR;

/* Delete a ticket with its comments and labels. */
enum jta_err jta_store_tk_delete(struct jta_store *st, int64_t id,
    struct jta_error *err) JTA_WUR;

#endif
