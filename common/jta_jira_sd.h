/*
 * Jira Service Management's REST API (/rest/servicedeskapi) <-> the ticket
 * API, with no I/O: service desks and request types as we list them, a
 * request type's fields as createmeta fields (so that one field model,
 * jta_jira_meta_fields and jta_jira_resolve, serves issues and requests),
 * the body of a raise and a customer request in our shape.  Part of
 * jta_jira.  Shapes from Atlassian's JSM OpenAPI document
 * (jira-servicedesk.json): PagedDTO* {start, limit, size, isLastPage,
 * values}, ServiceDeskDTO, RequestTypeGroupDTO, RequestTypeDTO,
 * CustomerRequestCreateMetaDTO / RequestTypeFieldDTO, RequestCreateDTO,
 * CustomerRequestDTO.
 */
#ifndef JTA_JIRA_SD_H
#define JTA_JIRA_SD_H

#include <stdint.h>

#include <jansson.h>

#include "jta_err.h"

/* The APIs under https://api.atlassian.com/ex/jira/{cloudid}. */
#define JTA_JIRA_API_PLATFORM	"/rest/api/3"
#define JTA_JIRA_API_SD		"/rest/servicedeskapi"

/* A JSM id that goes into a path (service desk, request type): decimal,
 * at most this many digits. */
#define JTA_JIRA_SD_ID_MAX	18

/* 1 when s is a JSM id we put into a path (1..JTA_JIRA_SD_ID_MAX
 * digits). */
int jta_jira_sd_id_ok(const char *s);

/*
 * The id of project's service desk in a PagedDTOServiceDeskDTO page
 * (borrowed from page), or NULL when project is not a service desk the
 * person can use (or its id is not one we can put into a path).
 */
const char *jta_jira_sd_desk_of(const json_t *page, const char *project);

/*
 * The request type of a PagedDTORequestTypeDTO page named want: its id,
 * or its name ignoring ASCII case; *rt borrowed from page.  *names is a
 * new array of every type's name (also on a 422).  Not found:
 * JTA_ERR_INPUT 422 "request_type" naming them; no list, more than
 * JTA_LIMIT_JIRA_ITEMS or an id we cannot use: JTA_ERR_UPSTREAM.
 */
enum jta_err jta_jira_sd_type(const json_t *page, const char *want,
    const json_t **rt, json_t **names, struct jta_error *err) JTA_WUR;

/*
 * A request type's fields (CustomerRequestCreateMetaDTO, the answer of
 * .../requesttype/{id}/field) as FieldCreateMetadata (createmeta's
 * shape) for jta_jira_meta_fields and jta_jira_resolve: fieldId, key,
 * name, required, schema (jiraSchema), operations ["set"],
 * allowedValues [{id, value}] from validValues (value, label),
 * hasDefaultValue and defaultValue ({id, value}, a list of them for
 * arrays) from defaultValues.  Fields that are not visible are left out.
 * *meta is new; JTA_ERR_UPSTREAM when the answer has no field list or
 * more than JTA_LIMIT_META_FIELDS.
 */
enum jta_err jta_jira_sd_meta(const json_t *createmeta, json_t **meta,
    struct jta_error *err) JTA_WUR;

/*
 * One service desk in our shape: {id, project, name, groups [names, the
 * portal's order], request_types [{id, name, description, help_text,
 * groups [names]}]} from its ServiceDeskDTO and the pages of its groups
 * and request types.  *out is new.
 */
enum jta_err jta_jira_sd_desk(const json_t *desk, const json_t *groups,
    const json_t *types, json_t **out, struct jta_error *err) JTA_WUR;

/*
 * The RequestCreateDTO of a raise: serviceDeskId desk, requestTypeId rt,
 * requestFieldValues the create body's "fields" (from
 * jta_jira_backend_create_body: ids, ADF descriptions) without project
 * and issuetype, isAdfRequest true (the rich text is ADF), and
 * raiseOnBehalfOf / requestParticipants (account ids) when given.  Takes
 * no reference to its arguments; *out is new.
 */
enum jta_err jta_jira_sd_raise_body(const json_t *create_body,
    const char *desk, const char *rt, const char *on_behalf,
    const json_t *participants, json_t **out) JTA_WUR;

/*
 * A CustomerRequestDTO in our shape: {key, url, summary, status,
 * status_category (new, indeterminate, done or undefined), request_type
 * (the expanded type's name, else rtname, else null), request_type_id,
 * servicedesk_id, project, reporter, created}.  url is the portal link
 * _links.web, taken only when it lies under site (the person's own
 * Jira site) + "/servicedesk/customer/"; otherwise it is made from the
 * site, the portal and the key.  *out is new; JTA_ERR_UPSTREAM when
 * the key is missing or invalid.
 */
enum jta_err jta_jira_sd_request(const json_t *dto, const char *site,
    const char *rtname, json_t **out, struct jta_error *err) JTA_WUR;

/*
 * Exactly once for a raise whose answer was lost: among a
 * PagedDTOCustomerRequestDTO page of the person's requests of the type
 * (newest first), the index of the first whose summary is summary and
 * that was created at or after since (Unix seconds, from its
 * createdDate.epochMillis), from index from on; -1 when none.
 */
long jta_jira_sd_candidate(const json_t *page, const char *summary,
    int64_t since, size_t from);

/*
 * The customer transitions of a PagedDTOCustomerTransitionDTO page as
 * {"key": key, "transitions": [{id, name}]}.  *out is new.
 */
enum jta_err jta_jira_sd_transitions(const json_t *page, const char *key,
    json_t **out, struct jta_error *err) JTA_WUR;

/*
 * The id of the customer transition named to (its name ignoring ASCII
 * case, or its id) in a PagedDTOCustomerTransitionDTO page, borrowed;
 * none: JTA_ERR_CONFLICT 409 "to" naming the ones offered.
 */
enum jta_err jta_jira_sd_transition_id(const json_t *page, const char *to,
    const char **id, struct jta_error *err) JTA_WUR;

/*
 * The approval the person can answer (canAnswerApproval) in a
 * PagedDTOApprovalDTO page: its id, borrowed; none: JTA_ERR_CONFLICT
 * 409 "decision".
 */
enum jta_err jta_jira_sd_approval_id(const json_t *page, const char **id,
    struct jta_error *err) JTA_WUR;

/* An ApprovalDTO as {id, name, decision (approved, declined or
 * pending)}; *out is new, NULL when memory runs out. */
json_t *jta_jira_sd_approval(const json_t *dto);

/* 1 when a project search page (or bare array of projects) holds a
 * project whose projectTypeKey is "service_desk". */
int jta_jira_sd_any(const json_t *projects);

/*
 * Mark the service desks in an /api/projects answer ({"projects":
 * [{key, ...}]}): "servicedesk_id" from the ServiceDeskDTO page desks on
 * each project that is one.  JTA_ERR_NOMEM only.
 */
enum jta_err jta_jira_sd_mark(json_t *answer, const json_t *desks) JTA_WUR;

/*
 * The comments ("comments": [{author, body, public, created}], what the
 * person may see) and SLAs ("sla": [{name, breached, remaining, goal}],
 * empty when they see none) of a CustomerRequestDTO expanded with
 * comment and sla, added to o.  JTA_ERR_NOMEM only.
 */
enum jta_err jta_jira_sd_details(const json_t *dto, json_t *o) JTA_WUR;

/*
 * The attachments ("attachment_count", "attachments": [{id, name, type,
 * size, author, created, url}], the first JTA_LIMIT_ATTACHMENTS_SHOWN) of
 * a CustomerRequestDTO expanded with attachment, links made from site
 * (jta_jira_attach.c), added to o.  JTA_ERR_NOMEM only.
 */
enum jta_err jta_jira_sd_attachments(const json_t *dto, const char *site,
    json_t *o) JTA_WUR;

/*
 * A searchTerm for JSM's request search: the plain words of text (no
 * wildcards or other search syntax), URL-encoded into enc.  Returns 0,
 * or -1 when it does not fit encsz.
 */
int jta_jira_sd_search_term(const char *text, char *enc, size_t encsz);

#endif
