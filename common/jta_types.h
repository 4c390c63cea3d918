/*
 * The domain's plain types: what a person, a search, an audit event or the
 * terms of a text are, shared by the storage layer (common/db/), the
 * backends and the endpoints.  No library header here (stdint, stddef and
 * jta_limits.h only), so a header that needs a type need not pull in the
 * store, jansson or SQLite.  jansson's json_t is named by its struct tag
 * (jansson declares "typedef struct json_t json_t"), which is the same type.
 */
#ifndef JTA_TYPES_H
#define JTA_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "jta_limits.h"

struct json_t;

/* A local account, as the API sees it. */
struct jta_user {
	int64_t	 id;
	char	 name[JTA_LIMIT_NAME + 1];
	char	 display_name[JTA_LIMIT_DISPLAY_NAME + 1];
	char	 email[JTA_LIMIT_EMAIL + 1];
};

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
	const char	*jql;		/* Jira only: raw JQL instead of the
					 * filters; the store refuses it */
};

/* List filters of /api/tickets/. */
struct jta_tk_query {
	int64_t		 id;		/* 0: any */
	const struct json_t *ids;		/* array of ids, or NULL */
	const char	*title_icontains;
	int64_t		 created_gte, created_lte;	/* 0: open */
	const struct json_t *statuses;	/* array of OPEN/RESOLVED/CLOSED */
	const char	*search;
	const char	*ordering;	/* created, -created, title, -title,
					 * updated, -updated */
	int64_t		 page;		/* from 1 */
	int64_t		 page_size;
};

/* List filters of GET /api/requests (Jira Service Management). */
struct jta_sd_query {
	const char	*status;	/* open, closed or all (NULL: all) */
	const char	*mine;		/* reported, participated, approver
					 * (waiting for my approval) or NULL
					 * (reported and participated) */
	const char	*project;	/* the desk's project, or NULL */
	const char	*request_type;	/* a request type's id, or NULL */
	const char	*text;		/* words of the summary, or NULL */
	size_t		 limit;		/* 1..JTA_LIMIT_PAGE_MAX; 0: 20 */
};

/* The terms of one text; term[i] points into buf. */
struct jta_suggest_terms {
	char		 buf[JTA_LIMIT_TEXT_QUERY + 1];
	const char	*term[JTA_LIMIT_SIMILAR_TERMS];
	size_t		 n;
};

/* One audit event (jta_audit.h).  Strings are borrowed; NULL stands for "". */
struct jta_audit_event {
	int64_t		 when;		/* Unix time; 0: now */
	const char	*who;		/* user name or "operator:<login>";
					 * a refused sign-in: the name
					 * tried */
	const char	*account_id;	/* Atlassian account id, or NULL */
	const char	*site;		/* Atlassian site URL; "local" for
					 * the embedded store */
	const char	*action;	/* "create", "edit", "comment",
					 * "transition", "delete", "draft",
					 * "sign-in", "admin:<what>" */
	const char	*issue_key;	/* or a draft id / ticket id */
	const char	*endpoint;	/* jta_policy_op's endpoint, or
					 * "oauth.authorize", ... */
	int		 status;	/* the HTTP status answered */
	const char	*detail;	/* short, never a secret or a
					 * ticket's text */
};

/*
 * The operators' switches and quotas as the storage layer keeps them
 * (jta_store_ops.h, jta_store_usage.h) and jta_policy and jta_usage read
 * them: here so that those modules' headers need no storage header.
 */

/* The settings row. */
struct jta_store_policy {
	int	 enabled;
	char	 message[JTA_LIMIT_POLICY_MESSAGE + 1];	/* "" when none */
	int64_t	 changed_at;				/* 0: never */
	char	 changed_by[JTA_LIMIT_POLICY_BY + 1];
	int64_t	 generation;
};

/* One access rule; strings as stored (jta_policy validates them). */
struct jta_store_rule {
	int64_t	 id;
	char	 effect[8];		/* allow, deny */
	char	 kind[12];		/* site, project, person, group,
					 * domain, readonly */
	char	 value[JTA_LIMIT_POLICY_VALUE + 1];
	char	 scope[8];		/* read, create, write, all */
	int64_t	 created;
	char	 created_by[JTA_LIMIT_POLICY_BY + 1];
	char	 note[JTA_LIMIT_POLICY_NOTE + 1];
};

/* One quota as it applies now, with what was used in its period. */
struct jta_store_quota {
	char	 scope[8];		/* person, site */
	char	 subject[JTA_LIMIT_USAGE_SITE + 1];	/* name, site, "*" */
	char	 metric[24];		/* calls, creates, updates,
					 * conversations, prompt_tokens,
					 * completion_tokens, files,
					 * file_bytes */
	char	 per[8];		/* day, month */
	int64_t	 limit;
	int64_t	 used;
};

#endif
