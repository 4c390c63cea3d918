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
