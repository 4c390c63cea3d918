/*
 * Private to jta_jira_backend.c and jta_jira_backend_tickets.c, the two
 * files of the Jira Cloud backend: what the ticketing API's operations
 * (/api/tickets/) share with the rest of the backend.  No other file
 * includes this header; the backend's interface is jta_jira_ops
 * (jta_backend.h).  Each function's contract is the comment above its
 * definition.
 */
#ifndef JTA_JIRA_BACKEND_INT_H
#define JTA_JIRA_BACKEND_INT_H

#include <stdint.h>

#include "jta_backend.h"
#include "jta_http.h"
#include "jta_limits.h"

/* ---- in jta_jira_backend.c ---- */

/* v without const, for jansson calls that only read their source. */
json_t *jta_jira_backend_unconst_json(const json_t *v);
/* Call Jira as who: method on /rest/api/3 + path with an optional JSON
 * body; *reply is the parsed answer, a non-2xx answer an error. */
enum jta_err jta_jira_backend_call(struct jta_backend *be,
    const struct jta_user *who, const char *method, const char *path,
    const json_t *body, int repeatable, json_t **reply,
    struct jta_error *err);
/* The same for any product behind Atlassian's gateway, as who: method
 * on /ex/PRODUCT/CLOUDID + root + path ("jira", "/rest/api/3";
 * "confluence", "/wiki/rest/api" ...).  *linkp (not NULL) gets the
 * person's link.  A non-2xx answer is an error through jta_jira_error,
 * err->status keeping the upstream status class (404 stays 404). */
struct jta_link;
enum jta_err jta_jira_backend_call_api(struct jta_backend *be,
    const struct jta_user *who, struct jta_link *linkp, const char *product,
    const char *root, const char *method, const char *path,
    const json_t *body, int repeatable, json_t **reply,
    struct jta_error *err);
/* POST the file at file (a path on disk) to root + path (root
 * JTA_JIRA_API_PLATFORM or JTA_JIRA_API_SD) as multipart/form-data, part
 * "file" named name of type type, with X-Atlassian-Token: no-check
 * (Jira's "Add attachment", JSM's "attachTemporaryFile"); never repeated
 * by this call.  *reply as jta_jira_backend_call. */
enum jta_err jta_jira_backend_upload(struct jta_backend *be,
    const struct jta_user *who, const char *root, const char *path,
    const char *file,
    const char *name, const char *type, json_t **reply,
    struct jta_error *err);
/* GET /rest/api/3 + path as who (a read, repeatable), reading at most max
 * bytes: a 2xx answer's bytes go to *raw as they are (raw->cut when more
 * were sent; the caller releases it with jta_http_resp_free), any other
 * is an error as jta_jira_backend_call makes it. */
enum jta_err jta_jira_backend_get_raw(struct jta_backend *be,
    const struct jta_user *who, const char *path, size_t max,
    struct jta_http_resp *raw, struct jta_error *err);
/* The backend's attachment_text (jta_backend.h), in
 * jta_jira_backend_tickets.c. */
enum jta_err jta_jira_backend_attachment_text(struct jta_backend *be,
    const struct jta_user *who, const char *key, int64_t id, json_t **out,
    struct jta_error *err);
/* The backend's attach (jta_backend.h), in jta_jira_backend_tickets.c. */
enum jta_err jta_jira_backend_attach(struct jta_backend *be,
    const struct jta_user *who, const char *key, const char *file,
    const char *name, const char *type, struct jta_error *err);
/* One person named by value (a user name, an email, an account id or a
 * name) as *found {id, name}; not found or several: a problem on field
 * in err's items and *found NULL.  scope: the assignable search's
 * "project=X", or NULL for any person of the site. */
/* The directory reads, operations of jta_jira_ops
 * (jta_jira_backend_dir.c): /api/projects, /api/me, a project's create
 * fields, /api/users and who's groups (jta_backend.h says what each
 * answers). */
enum jta_err jta_jira_backend_projects(struct jta_backend *be,
    const struct jta_user *who, json_t **out, struct jta_error *err);
enum jta_err jta_jira_backend_me(struct jta_backend *be,
    const struct jta_user *who, json_t **out, struct jta_error *err);
enum jta_err jta_jira_backend_fields(struct jta_backend *be,
    const struct jta_user *who, const char *project, const char *type,
    json_t **out, struct jta_error *err);
enum jta_err jta_jira_backend_users(struct jta_backend *be,
    const struct jta_user *who, const char *query, size_t limit,
    json_t **out, struct jta_error *err);
enum jta_err jta_jira_backend_groups(struct jta_backend *be,
    const struct jta_user *who, json_t **out, struct jta_error *err);
/* The backend's linked (jta_backend.h): the site's priorities learnt
 * while who links, unless cached fresh. */
void jta_jira_backend_linked(struct jta_backend *be,
    const struct jta_user *who);
/* The issue type of project named type (borrowed from *types, the
 * project's types) and its createmeta fields, from the metadata cache
 * when it has them (mid): what prepare checks a create against. */
struct jta_jira_meta_id;
enum jta_err jta_jira_backend_meta(struct jta_backend *be,
    const struct jta_user *who, const struct jta_jira_meta_id *mid,
    const char *project, const char *type, json_t **types,
    const json_t **t, json_t **names, json_t **fields,
    struct jta_error *err);
enum jta_err jta_jira_backend_lookup(struct jta_backend *be,
    const struct jta_user *who, const char *scope, const char *field,
    const char *name, const char *value, json_t **found,
    struct jta_error *err);
/* Look up the people a prepared create's _ids.users lists (filling
 * _ids.fields and the preview; problems go to err's items). */
enum jta_err jta_jira_backend_people(struct jta_backend *be,
    const struct jta_user *who, json_t *prep, struct jta_error *err);
/* Replace the ADF value of member name of o by its Markdown. */
enum jta_err jta_jira_backend_to_markdown(json_t *o, const char *name,
    struct jta_error *err);
/* Description (Markdown, in fields) to ADF; *adf NULL when absent. */
enum jta_err jta_jira_backend_description(const json_t *fields,
    json_t **adf, struct jta_error *err);
/* The body of POST /rest/api/3/issue from what prepare made. */
enum jta_err jta_jira_backend_create_body(const json_t *prepared,
    json_t **body, struct jta_error *err);
/* The prepare operation (jta_backend.h). */
enum jta_err jta_jira_backend_prepare(struct jta_backend *be,
    const struct jta_user *who, const json_t *input, json_t **prepared,
    struct jta_error *err);

/* ---- in jta_jira_meta.c: the metadata cache (jta_store_meta.h) ---- */

/* Kinds of cached metadata and their keys ("/" joins the parts):
 * createmeta's issue types, PROJECT/ACCOUNT; an issue type's createmeta
 * fields, PROJECT/ACCOUNT/TYPEID; the initial status of a new issue,
 * PROJECT/TYPEID (alike for everyone); the site's priorities, "site"; the
 * projects a person may browse, ACCOUNT; the service desks a person may
 * use, ACCOUNT; a desk's request types, DESKID/ACCOUNT; a request type's
 * fields, DESKID/TYPEID/ACCOUNT. */
#define JTA_JIRA_META_TYPES	"types"
#define JTA_JIRA_META_FIELDS	"fields"
#define JTA_JIRA_META_STATUS	"status"
#define JTA_JIRA_META_PRIORITIES "priorities"
#define JTA_JIRA_META_PROJECTS	"projects"
#define JTA_JIRA_META_DESKS	"desks"
#define JTA_JIRA_META_RTYPES	"rtypes"
#define JTA_JIRA_META_RFIELDS	"rfields"

/* Whose cache entries: the person's site (cloud id) and account. */
struct jta_jira_meta_id {
	int	 on;		/* 0: not cached (ttl 0, or no link) */
	char	 site[JTA_LIMIT_CLOUD_ID + 1];
	char	 account[JTA_LIMIT_ACCOUNT_ID + 1];
	char	 site_url[JTA_LIMIT_SITE_URL + 1];	/* for issue urls */
	char	 name[JTA_LIMIT_DISPLAY_NAME + 1];	/* Atlassian's name */
};
/* Fill *id for who from their link (no token is unsealed); JTA_OK, or
 * JTA_ERR_NOTFOUND with id->on 0 when nothing is to be cached
 * (jira_metadata_ttl 0, no link). */
enum jta_err jta_jira_meta_who(struct jta_backend *be,
    const struct jta_user *who, struct jta_jira_meta_id *id);
/* The cached value of kind and key, fetched within jira_metadata_ttl,
 * as a new reference; JTA_ERR_NOTFOUND on a miss (a store failure is
 * logged and is a miss).  Counts a hit or a miss in the metrics. */
enum jta_err jta_jira_meta_get(struct jta_backend *be,
    const struct jta_jira_meta_id *id, const char *kind, const char *key,
    json_t **out);
/* Keep value as kind and key (a failure is logged, not returned). */
void jta_jira_meta_put(struct jta_backend *be,
    const struct jta_jira_meta_id *id, const char *kind, const char *key,
    const json_t *value);
/* Forget every person's create screens of project on id's site: Jira
 * refused a create that was resolved against them. */
void jta_jira_meta_drop_project(struct jta_backend *be,
    const struct jta_jira_meta_id *id, const char *project);

/* Forget every person's cached request types and request-type fields
 * of service desk desk on who's site: JSM refused a raise resolved
 * against them. */
void jta_jira_meta_drop_desk(struct jta_backend *be,
    const struct jta_user *who, const char *desk);

/* ---- in jta_jira_backend_sd.c: Jira Service Management ---- */

/* prepare (jta_backend.h) of a create that names a request_type. */
enum jta_err jta_jira_backend_sd_prepare(struct jta_backend *be,
    const struct jta_user *who, const json_t *input, json_t **prepared,
    struct jta_error *err);
/* 1 when prepared came from jta_jira_backend_sd_prepare.  Here, not in
 * jta_jira_backend_sd.c: every create asks it, and the Service
 * Management code is laid out apart from the core's (common/libjta.ld). */
static inline int
jta_jira_backend_sd_prepared(const json_t *prepared)
{
	return json_is_object(json_object_get(json_object_get(prepared,
	    "_ids"), "sd"));
}
/* create and find_once (jta_backend.h) of such a prepared request. */
enum jta_err jta_jira_backend_sd_create(struct jta_backend *be,
    const struct jta_user *who, const json_t *prepared, const char *once,
    json_t **out, struct jta_error *err);
enum jta_err jta_jira_backend_sd_find_once(struct jta_backend *be,
    const struct jta_user *who, const json_t *prepared, const char *once,
    int64_t since, json_t **out, struct jta_error *err);
/* The sd_ operations of jta_backend.h. */
enum jta_err jta_jira_backend_sd_desks(struct jta_backend *be,
    const struct jta_user *who, json_t **out, struct jta_error *err);
enum jta_err jta_jira_backend_sd_fields(struct jta_backend *be,
    const struct jta_user *who, const char *project,
    const char *request_type, json_t **out, struct jta_error *err);
enum jta_err jta_jira_backend_sd_requests(struct jta_backend *be,
    const struct jta_user *who, const struct jta_sd_query *q, json_t **out,
    struct jta_error *err);
enum jta_err jta_jira_backend_sd_request(struct jta_backend *be,
    const struct jta_user *who, const char *key, json_t **out,
    struct jta_error *err);
enum jta_err jta_jira_backend_sd_comment(struct jta_backend *be,
    const struct jta_user *who, const char *key, const char *body,
    int internal, json_t **out, struct jta_error *err);
enum jta_err jta_jira_backend_sd_transitions(struct jta_backend *be,
    const struct jta_user *who, const char *key, json_t **out,
    struct jta_error *err);
enum jta_err jta_jira_backend_sd_transition(struct jta_backend *be,
    const struct jta_user *who, const char *key, const char *to,
    const char *comment, json_t **out, struct jta_error *err);
enum jta_err jta_jira_backend_sd_suggest(struct jta_backend *be,
    const struct jta_user *who, const char *text, size_t limit,
    json_t **out, struct jta_error *err);
/* The backend's sd_attach (jta_backend.h). */
enum jta_err jta_jira_backend_sd_attach(struct jta_backend *be,
    const struct jta_user *who, const char *key, const char *desk,
    const char *file, const char *name, const char *type,
    struct jta_error *err);
enum jta_err jta_jira_backend_sd_decide(struct jta_backend *be,
    const struct jta_user *who, const char *key, int approve,
    json_t **out, struct jta_error *err);

/* ---- in jta_jira_backend_tickets.c: the tk_ operations of
 * jta_backend.h over the issues of default_project ---- */

enum jta_err jta_jira_backend_tk_list(struct jta_backend *be,
    const struct jta_user *who, const struct jta_tk_query *q, json_t **out,
    struct jta_error *err);
enum jta_err jta_jira_backend_tk_get(struct jta_backend *be,
    const struct jta_user *who, int64_t id, json_t **out,
    struct jta_error *err);
enum jta_err jta_jira_backend_tk_create(struct jta_backend *be,
    const struct jta_user *who, const json_t *fields, json_t **out,
    struct jta_error *err);
enum jta_err jta_jira_backend_tk_update(struct jta_backend *be,
    const struct jta_user *who, int64_t id, const json_t *fields,
    json_t **out, struct jta_error *err);
enum jta_err jta_jira_backend_tk_delete(struct jta_backend *be,
    const struct jta_user *who, int64_t id, struct jta_error *err);

/* ---- in jta_jira_knowledge.c: knowledge before tickets
 * (jta_backend.h's knowledge and article) ---- */

enum jta_err jta_jira_backend_knowledge(struct jta_backend *be,
    const struct jta_user *who, const char *text, const char *space,
    size_t limit, json_t **out, struct jta_error *err);
enum jta_err jta_jira_backend_article(struct jta_backend *be,
    const struct jta_user *who, const char *id, json_t **out,
    struct jta_error *err);
enum jta_err jta_jira_backend_helped(struct jta_backend *be,
    const struct jta_user *who, const char *id, json_t **out,
    struct jta_error *err);

#endif
