/*
 * The backend interface: every ticket operation of the ticket API, acting
 * as one person.  The embedded store (jta_local.c) is the first
 * implementation; Jira Cloud comes behind the same table, so endpoint
 * programs never know which one answers.
 *
 * Every operation fills *out with a new object in the API's shape (see
 * README.md "The ticket API"), which the caller releases, or returns an
 * error with err filled (status, field, a message safe to show).
 */
#ifndef JTA_BACKEND_H
#define JTA_BACKEND_H

#include <jansson.h>

#include "jta_conf.h"
#include "jta_err.h"
#include "jta_oauth.h"
#include "jta_req.h"
#include "jta_types.h"

struct jta_vault;

/* A storage connection (common/db/jta_db.h); only passed through. */
struct jta_store;
/* Usage counting (jta_usage.h); only passed through. */
struct jta_usage;

struct jta_backend;

struct jta_backend_ops {
	const char	*name;
	enum jta_err	(*search)(struct jta_backend *, const struct jta_user *,
			    const struct jta_search *, json_t **,
			    struct jta_error *);
	/*
	 * search's answer as the JSON text jta_fit_dumps writes of search's
	 * tree, without building the tree (issue 16: the embedded store's
	 * rows were most of a search's instructions as trees built, written
	 * and freed); the same errors.  *text is the caller's to free().
	 * NULL for a backend without it: the REST answer then writes the
	 * tree (jta_operation_answer).
	 */
	enum jta_err	(*search_text)(struct jta_backend *,
			    const struct jta_user *, const struct jta_search *,
			    char **text, size_t *len, struct jta_error *);
	enum jta_err	(*get)(struct jta_backend *, const struct jta_user *,
			    const char *key, json_t **, struct jta_error *);
	/*
	 * File exactly what prepare made (the preview, "_ids" included).
	 * once: an idempotency token stored with the issue so that a lost
	 * answer can be recovered (helper "drafts"); NULL for none.
	 */
	enum jta_err	(*create)(struct jta_backend *, const struct jta_user *,
			    const json_t *prepared, const char *once, json_t **,
			    struct jta_error *);
	/* fields: the ones to change; assignee null unassigns. */
	enum jta_err	(*update)(struct jta_backend *, const struct jta_user *,
			    const char *key, const json_t *fields, json_t **,
			    struct jta_error *);
	enum jta_err	(*comment)(struct jta_backend *,
			    const struct jta_user *, const char *key,
			    const char *body, json_t **, struct jta_error *);
	enum jta_err	(*transitions)(struct jta_backend *,
			    const struct jta_user *, const char *key, json_t **,
			    struct jta_error *);
	enum jta_err	(*transition)(struct jta_backend *,
			    const struct jta_user *, const char *key,
			    const char *to, json_t **, struct jta_error *);
	enum jta_err	(*projects)(struct jta_backend *,
			    const struct jta_user *, json_t **,
			    struct jta_error *);
	enum jta_err	(*me)(struct jta_backend *, const struct jta_user *,
			    json_t **, struct jta_error *);
	/*
	 * The fields of the create screen of project for issue type type
	 * (NULL: the project's first): {"project", "type", "types",
	 * "fields": [{id, name, required, type, allowed?, default?}]}
	 * (README.md "The ticket API").  Unknown project: 404 "key";
	 * unknown type: 422 "type".
	 */
	enum jta_err	(*fields)(struct jta_backend *,
			    const struct jta_user *, const char *project,
			    const char *type, json_t **, struct jta_error *);
	/*
	 * Resolve a create request (input: checked against
	 * jta_backend_create_fields) to the preview of what would be
	 * created: names resolved, the backend's ids in "_ids".  Every
	 * problem at once: 422 with err->items (field, name, detail,
	 * allowed, question).  Nothing is created.
	 */
	enum jta_err	(*prepare)(struct jta_backend *,
			    const struct jta_user *, const json_t *input,
			    json_t **prepared, struct jta_error *);
	/* GET /api/similar: {"similar": [...], "suggestion": {...}}, the
	 * tickets the person can see most like text (project, when not
	 * NULL, narrows them), at most limit (1..JTA_LIMIT_SIMILAR_MAX). */
	enum jta_err	(*similar)(struct jta_backend *,
			    const struct jta_user *, const char *text,
			    const char *project, size_t limit, json_t **,
			    struct jta_error *);
	/* GET /api/users: {"users": [{id, name, email?}]} matching query
	 * (a part of a name or an email), at most limit. */
	enum jta_err	(*users)(struct jta_backend *, const struct jta_user *,
			    const char *query, size_t limit, json_t **,
			    struct jta_error *);
	/*
	 * Exactly-once (jta_once): find the issue an earlier create of
	 * prepared with token once made, when that create's answer was
	 * lost; no create with it was sent before since (Unix time).
	 * JTA_OK with *out the issue, JTA_ERR_NOTFOUND when none is found
	 * (yet), another error when the search itself failed.
	 */
	enum jta_err	(*find_once)(struct jta_backend *,
			    const struct jta_user *, const json_t *prepared,
			    const char *once, int64_t since, json_t **,
			    struct jta_error *);
	/*
	 * Seconds after a create whose outcome is unknown during which
	 * find_once may still miss the issue it made (Jira's search index
	 * lags); only after them may the create be sent again, with the
	 * same token.  0 when create itself never files a token twice.
	 */
	long		 once_window;
	/*
	 * Attach the file kept at file (jta_attach_keep) to issue key as
	 * name of type (README "Attachments"): Jira's POST
	 * /rest/api/3/issue/{key}/attachments.  Never repeated here: an
	 * answer lost (JTA_ERR_UPSTREAM, JTA_ERR_BUSY) leaves it unknown
	 * whether the file went on, and the caller looks at the issue's
	 * attachments before it sends again.  NULL in the embedded store
	 * (its tickets keep the files, jta_draft_files_upload) and in a
	 * backend that cannot take files yet (createDraft refuses them).
	 */
	enum jta_err	(*attach)(struct jta_backend *,
			    const struct jta_user *, const char *key,
			    const char *file, const char *name,
			    const char *type, struct jta_error *);
	/*
	 * Attach the file kept at file to service-desk request key of
	 * service desk desk (the request's servicedesk_id), public to the
	 * customer (README "Attachments: service-desk requests"): JSM's
	 * POST /rest/servicedeskapi/servicedesk/{desk}/attachTemporaryFile,
	 * then POST /rest/servicedeskapi/request/{key}/attachment.  Never
	 * repeated here, as attach: the caller reads the request's
	 * attachments before it sends again.  NULL where requests do not
	 * take files this way (the embedded store keeps them itself).
	 */
	enum jta_err	(*sd_attach)(struct jta_backend *,
			    const struct jta_user *, const char *key,
			    const char *desk, const char *file,
			    const char *name, const char *type,
			    struct jta_error *);
	/*
	 * getAttachmentText (README "Attachments: reading a text file"):
	 * file id of issue key, when its type is text
	 * (jta_files_text_type), as {id, name, type, size, text,
	 * truncated}: at most attachment_text_max_bytes of it, cut and
	 * cleaned by jta_files_text_clean.  404 "id" when the issue has
	 * no such file; 422 "id" naming the type when it is not text.
	 */
	enum jta_err	(*attachment_text)(struct jta_backend *,
			    const struct jta_user *, const char *key,
			    int64_t id, json_t **, struct jta_error *);
	/* The names of who's Jira groups as a new array of strings, for
	 * the access rules by group (jta_policy).  NULL in a backend that
	 * has no groups (the embedded store). */
	enum jta_err	(*groups)(struct jta_backend *,
			    const struct jta_user *, json_t **,
			    struct jta_error *);

	/*
	 * Jira Service Management (README.md "Jira Service Management").
	 * A create (prepare, create, find_once) that names a
	 * "request_type" raises a request of that type in the project's
	 * service desk.  sd_desks: {"servicedesks": [{id, project, name,
	 * groups, request_types [{id, name, description, help_text,
	 * groups}]}]}, the desks the person can raise requests in.
	 * sd_fields: a request type's fields in the shape of fields
	 * ({"project", "servicedesk", "request_type", "request_types",
	 * "fields"}); an unknown project or one that is not a service
	 * desk: 404 "key"; an unknown request type: 422 "request_type".
	 * sd_requests: {"requests": [request]} the person's requests by q;
	 * sd_request: one, with "comments" (what the person may see, each
	 * with "public") and "sla" (empty when they see none).  A request
	 * is {key, url (the portal link), project, summary, status,
	 * status_category, request_type, request_type_id, servicedesk_id,
	 * reporter, created}.
	 */
	enum jta_err	(*sd_desks)(struct jta_backend *,
			    const struct jta_user *, json_t **,
			    struct jta_error *);
	enum jta_err	(*sd_fields)(struct jta_backend *,
			    const struct jta_user *, const char *project,
			    const char *request_type, json_t **,
			    struct jta_error *);
	enum jta_err	(*sd_requests)(struct jta_backend *,
			    const struct jta_user *,
			    const struct jta_sd_query *, json_t **,
			    struct jta_error *);
	enum jta_err	(*sd_request)(struct jta_backend *,
			    const struct jta_user *, const char *key,
			    json_t **, struct jta_error *);
	/* A comment on request key: public, or (agents only: else 403
	 * "visibility") internal; *out {key, author, body, public}. */
	enum jta_err	(*sd_comment)(struct jta_backend *,
			    const struct jta_user *, const char *key,
			    const char *body, int internal, json_t **,
			    struct jta_error *);
	/* The customer transitions the portal offers the person now:
	 * {"key", "transitions": [{id, name}]}. */
	enum jta_err	(*sd_transitions)(struct jta_backend *,
			    const struct jta_user *, const char *key,
			    json_t **, struct jta_error *);
	/* Take the customer transition named to (name or id; not offered:
	 * 409 "to" with the ones that are), with an optional comment;
	 * *out the request after. */
	enum jta_err	(*sd_transition)(struct jta_backend *,
			    const struct jta_user *, const char *key,
			    const char *to, const char *comment, json_t **,
			    struct jta_error *);
	/* Approve (approve 1) or decline the approval of key waiting for
	 * the person (none: 409 "decision"); *out the request after, with
	 * "approval": {id, name, decision}. */
	enum jta_err	(*sd_decide)(struct jta_backend *,
			    const struct jta_user *, const char *key,
			    int approve, json_t **, struct jta_error *);
	/* The request types of the person's desks ranked for text (their
	 * words), at most limit: jta_suggest_request_types over sd_desks
	 * and the person's own past requests those words find; a new
	 * array, empty without desks. */
	enum jta_err	(*sd_suggest)(struct jta_backend *,
			    const struct jta_user *, const char *text,
			    size_t limit, json_t **, struct jta_error *);

	/*
	 * The basic ticketing API (/api/tickets/, README.md "The basic
	 * ticketing API"): tickets {id, title, description (Markdown,
	 * "" when none), created, resolution_status (OPEN, RESOLVED or
	 * CLOSED)}, ids being positive integers.  Errors use the ticket
	 * API's codes; the endpoint turns them into that API's bodies.
	 * An unknown id is JTA_ERR_NOTFOUND (404, field "id").
	 */
	/* One page of q (page from 1, page_size 1..JTA_LIMIT_PAGE_MAX):
	 * *out is {"count": n, "results": [tickets]}, n counting every
	 * match.  A page past the end has no results (the endpoint says
	 * 404). */
	enum jta_err	(*tk_list)(struct jta_backend *,
			    const struct jta_user *,
			    const struct jta_tk_query *q, json_t **,
			    struct jta_error *);
	enum jta_err	(*tk_get)(struct jta_backend *,
			    const struct jta_user *, int64_t id, json_t **,
			    struct jta_error *);
	/* Create a ticket of conf->default_project (the caller checked
	 * that one is configured) from fields validated by the endpoint:
	 * title (required), description, resolution_status; id and
	 * created are ignored.  *out is the new ticket. */
	enum jta_err	(*tk_create)(struct jta_backend *,
			    const struct jta_user *, const json_t *fields,
			    json_t **, struct jta_error *);
	/* Change the fields present (title, description,
	 * resolution_status) of ticket id; *out is the ticket after. */
	enum jta_err	(*tk_update)(struct jta_backend *,
			    const struct jta_user *, int64_t id,
			    const json_t *fields, json_t **,
			    struct jta_error *);
	/* Delete ticket id (with its comments). */
	enum jta_err	(*tk_delete)(struct jta_backend *,
			    const struct jta_user *, int64_t id,
			    struct jta_error *);

	/*
	 * Knowledge before tickets (README.md "Knowledge before
	 * tickets").  GET /api/knowledge: {"articles": [{id, title,
	 * space, excerpt, updated, url, from}], "searched": [where]}, the
	 * articles who may read best matching text (a person's words,
	 * never query syntax), in space when not NULL, at most limit
	 * (1..JTA_LIMIT_KB_MAX).  Every backend searches the embedded
	 * knowledge base (jta_kb.h, from "local"); Jira also searches
	 * Confluence as the person (from "confluence").
	 */
	enum jta_err	(*knowledge)(struct jta_backend *,
			    const struct jta_user *, const char *text,
			    const char *space, size_t limit, json_t **,
			    struct jta_error *);
	/* GET /api/knowledge/{id}: {id, title, space, updated, url, from,
	 * body (Markdown)}; an id who cannot read is 404 "id". */
	enum jta_err	(*article)(struct jta_backend *,
			    const struct jta_user *, const char *id,
			    json_t **, struct jta_error *);
	/* POST /api/knowledge/{id}/helped: the person said article id
	 * answered them (jta_kb_helped): {"recorded": true, "id"}. */
	enum jta_err	(*helped)(struct jta_backend *,
			    const struct jta_user *, const char *id,
			    json_t **, struct jta_error *);

	/*
	 * who has just linked their Atlassian account (/oauth/callback,
	 * which talks to their site anyway): learn, as them, what the site
	 * shows alike to everyone and a later request would otherwise pay
	 * for, unless the metadata cache holds it fresh (README "A project
	 * list in one call": the site's priorities).  Best effort: a
	 * failure is logged, never the caller's.  NULL in a backend
	 * without sites (the embedded store).
	 */
	void		(*linked)(struct jta_backend *,
			    const struct jta_user *);
};

/* The orderings /api/tickets/ accepts (?ordering=), NULL-terminated:
 * created, -created, title, -title, updated, -updated.  Every backend's
 * tk_list takes each of them; the default is -created. */
extern const char *const jta_backend_tk_orderings[];
/* The orders of GET /api/issues, NULL-terminated. */
extern const char *const jta_backend_orders[];

struct jta_backend {
	const struct jta_backend_ops *ops;
	const struct jta_conf	*conf;	/* borrowed, outlives the backend */
	struct jta_store	*store;	/* borrowed */
	struct jta_oauth	*oauth;	/* borrowed; Jira only */
	/* borrowed (jta_usage.h), set by the serving loop: the files kept
	 * with drafts are counted and capped there; NULL: neither. */
	struct jta_usage	*usage;
	/* borrowed, may be NULL: signs the links to the embedded store's
	 * kept files (jta_files.h); without it files are listed with no
	 * url.  Set by jta_fcgi_main after jta_backend_new. */
	const struct jta_vault	*vault;
};

/*
 * Make the backend the configuration names, over store and (for Jira)
 * oauth, all borrowed and outliving the backend.  Release with
 * jta_backend_free.
 */
enum jta_err jta_backend_new(const struct jta_conf *conf,
    struct jta_store *store, struct jta_oauth *oauth,
    struct jta_backend **out) JTA_WUR;

/* Release be; NULL is a no-op. */
void jta_backend_free(struct jta_backend *be);

/*
 * The members of a create request (POST /api/issues, POST /api/drafts):
 * project, summary, type, description, priority, labels, components,
 * assignee (a user name, an email or a Jira account id; null: none),
 * parent and fields ({name or id: value}).  For jta_req_json /
 * jta_req_check_object; the values are then resolved by prepare.  The
 * table requires none of them: prepare reports a missing project or
 * summary among the other problems, with a question, so that one
 * answer asks for everything.
 */
extern const struct jta_field jta_backend_create_fields[];
extern const size_t jta_backend_ncreate_fields;

/*
 * The preview to show of what prepare made: a new copy of prepared
 * without the backend's own members (those whose name starts with '_',
 * such as "_ids").  NULL when memory runs out or prepared is not an
 * object.
 */
json_t *jta_backend_preview(const json_t *prepared);

/* How many entries the Jira metadata cache holds (every site), for
 * /metrics; -1 when it cannot be read (logged). */
int64_t jta_backend_meta_entries(struct jta_backend *be);

/* The embedded store's operations (jta_local.c). */
extern const struct jta_backend_ops jta_local_ops;

/* The embedded store's priorities, highest first, NULL-terminated: the
 * vocabulary of its "priority" (jta_local.c). */
extern const char *const jta_local_priorities[];

/*
 * The embedded store's projects as the API and jta-admin show them:
 * [{key, name, types, priorities}] ordered by key, a new array in *out.
 * Errors as jta_store_project_list.
 */
enum jta_err jta_local_project_list(struct jta_store *st, json_t **out)
    JTA_WUR;
/* Jira Cloud's, as each linked person (jta_jira_backend.c). */
extern const struct jta_backend_ops jta_jira_ops;

#endif
