/*
 * Jira Cloud <-> the ticket API: the pure translation layer of the Jira
 * backend.  No I/O: it turns our search filters into JQL and our fields
 * into Jira request bodies, and Jira's answers (untrusted JSON, parsed by
 * the HTTP client) into the ticket API's shapes (README.md "The ticket
 * API"), the same ones the embedded store answers with.
 *
 * Every shape is taken from Atlassian's OpenAPI document for the Jira
 * Cloud platform REST API v3 (shared/atlassian-specs/jira-platform-v3.json):
 * POST /rest/api/3/search/jql (SearchAndReconcileRequestBean and
 * SearchAndReconcileResults), GET /rest/api/3/issue/{key} (IssueBean),
 * POST /rest/api/3/issue and PUT /rest/api/3/issue/{key}
 * (IssueUpdateDetails), POST .../comment (Comment), GET/POST
 * .../transitions (Transitions), GET /rest/api/3/project/search
 * (PageBeanProject), GET /rest/api/3/issue/createmeta/{project}/issuetypes
 * (PageOfCreateMetaIssueTypes), GET /rest/api/3/priority (deprecated in
 * the spec, as is /priority/search; both shapes are read, as is the
 * non-deprecated /priorityscheme/{id}/priorities page and the
 * AutoCompleteSuggestions of GET /rest/api/3/jql/autocompletedata/
 * suggestions?fieldName=priority, which the backend reads), GET
 * /rest/api/3/myself (User) and ErrorCollection.
 *
 * Jira's answers are treated as hostile: a member that is missing or of
 * another type becomes null (or the answer is refused as JTA_ERR_UPSTREAM
 * when nothing sensible can be made of it), arrays are bounded by
 * JTA_LIMIT_JIRA_ITEMS or JTA_LIMIT_PAGE_MAX, no length Jira states
 * ("total", "maxResults") is trusted, and strings that land in a URL, a
 * cursor or an error message are checked or cut first.
 *
 * Rich text (descriptions and comment bodies) stays Atlassian Document
 * Format here: mappers deep-copy the ADF JSON values into their answers
 * and body builders take ADF the caller made; converting to and from
 * Markdown is jta_adf's job, done by the caller.
 */
#ifndef JTA_JIRA_H
#define JTA_JIRA_H

#include <stddef.h>

#include <jansson.h>

#include "jta_err.h"
#include "jta_limits.h"
#include "jta_types.h"

/*
 * The current user, for struct jta_search's assignee and reporter
 * (mine=assigned / mine=reported).  It is recognised by address, never by
 * its text, so a user value that happens to read "currentUser()" is still
 * a quoted literal and cannot call a JQL function.
 */
extern const char jta_jira_current_user[];

/*
 * Write the JQL for the filters of q into buf (bufsz bytes, NUL-terminated
 * on success): clauses joined by AND in this order, each value quoted
 *
 *   project = "X" AND status = "..." AND issuetype = "..." AND
 *   priority = "..." AND labels = "..." AND assignee = "..." AND
 *   reporter = "..." AND text ~ "..." AND created >= "YYYY-MM-DD HH:mm"
 *   AND created <= "..." AND updated >= "..." AND updated <= "..."
 *   ORDER BY updated DESC
 *
 * Values are JQL string literals in double quotes with '\' and '"'
 * escaped by a backslash; a value with a control character (C0, DEL or
 * C1) or invalid UTF-8 is refused (JTA_ERR_INPUT, 422, naming our field).
 * The text filter is also a Lucene query inside Jira, so its Lucene
 * special characters (+ - & | ! ( ) { } [ ] ^ " ~ * ? : \ /) become
 * spaces and the operator words AND, OR, NOT and TO are lower-cased: user
 * text stays plain words.  Text with no word left, or longer than
 * JTA_LIMIT_TEXT_QUERY, is refused (422, "text").
 *
 * assignee and reporter are Jira account ids (the caller maps our user
 * names).  When one is jta_jira_current_user (by address) it becomes
 * currentUser(), or the quoted me_account_id when that is not NULL.
 *
 * Times (epoch seconds, 0 = open) are written in UTC with minute
 * precision, seconds dropped ("2026-11-22 19:30").  Jira reads such a
 * literal in the searching user's own time zone (their profile), so for
 * a user whose zone is not UTC the bounds shift by that offset; no
 * zone-free absolute form is documented in the material we have, so none
 * is used.  q->order: NULL or "-updated" (default), "updated", "-created",
 * "created"; anything else is 422 ("order").  q->limit and q->cursor are
 * not part of JQL (see jta_jira_search_body).
 *
 * Jira refuses unbounded searches (the spec: "this parameter requires a
 * bounded query"), so filters that make no clause are refused (422).  A
 * result longer than JTA_LIMIT_JQL or than bufsz - 1 is 422 as well.
 */
enum jta_err jta_jira_jql(const struct jta_search *q,
    const char *me_account_id, char *buf, size_t bufsz,
    struct jta_error *err) JTA_WUR;

/*
 * Bound a raw JQL parameter (len bytes) the client gives in Jira mode:
 * 1..JTA_LIMIT_JQL bytes of UTF-8 with no control character.  The JQL
 * itself is Jira's to parse (its errors come back through
 * jta_jira_error).  Returns JTA_OK or JTA_ERR_INPUT (422, field "jql").
 */
enum jta_err jta_jira_jql_raw_check(const char *jql, size_t len,
    struct jta_error *err) JTA_WUR;

/*
 * The body of POST /rest/api/3/search/jql: {"jql", "maxResults": limit
 * (0 means JTA_LIMIT_PAGE_DEFAULT, more than JTA_LIMIT_PAGE_MAX is cut to
 * it: the request validator refuses it earlier), "fields": [summary,
 * status, issuetype, priority, assignee, reporter, created, updated],
 * "nextPageToken": cursor (only when cursor is not NULL)}.  Returns a new
 * object, or NULL when memory runs out.
 */
json_t *jta_jira_search_body(const char *jql, size_t limit,
    const char *cursor);

/*
 * Map a SearchAndReconcileResults to {"issues": [slim rows], "next_cursor":
 * nextPageToken or null}.  A slim row is {key, url, summary, status, type,
 * priority, assignee, reporter, created, updated}: url is site (the Jira
 * site's address from the person's link, e.g. https://acme.atlassian.net)
 * + "/browse/" + key, the page a person can open; assignee and reporter
 * are display names (null when unassigned or hidden); times are
 * "YYYY-MM-DDTHH:MM:SSZ" (null when missing or not a time); other missing
 * names are null.
 *
 * JTA_ERR_UPSTREAM (502) when issues is not an array or has more than
 * JTA_LIMIT_PAGE_MAX elements, an issue's key is not an issue key, or
 * nextPageToken is longer than JTA_LIMIT_CURSOR or not printable ASCII
 * (the client must be able to send it back as ?cursor=).  *out is new, or
 * NULL on error.  site must not be NULL (JTA_ERR_INTERNAL); a site that
 * is not https (http only to the loopback) or holds a blank, a quote or
 * an angle bracket is JTA_ERR_UPSTREAM.
 */
enum jta_err jta_jira_search_result(const json_t *jira,
    const char *site, json_t **out, struct jta_error *err) JTA_WUR;

/*
 * What jta_jira_search_result (and jta_jira_slimrow under it) reads of a
 * search page, for jta_json_pick_loadb: issues[].key, issues[].fields'
 * summary, status.name, issuetype.name, priority.name,
 * assignee.displayName, reporter.displayName, created and updated;
 * nextPageToken and isLast.  Reading the page through it gives the
 * reshape the same answer as the whole page would (check_jira compares).
 * Change the two together.
 */
struct jta_json_pick;
extern const struct jta_json_pick jta_jira_search_pick;

/*
 * Map an IssueBean (GET /rest/api/3/issue/{key}) to our full issue: the
 * slim row plus project (the key), labels (the strings among them; more
 * than JTA_LIMIT_JIRA_ITEMS labels is JTA_ERR_UPSTREAM), description (a
 * deep copy of the ADF value, or null), comment_count and comments: the
 * last JTA_LIMIT_COMMENTS_SHOWN of the comments in Jira's order (oldest
 * first unless asked otherwise), each {id (integer, null when Jira's is
 * not a decimal string), author (display name or null), body (a deep copy
 * of the ADF value, or null), created}.  The caller replaces description
 * and each body with Markdown.  The comment field may be a page
 * ({"comments": [...], "total": n}, what Jira sends) or a bare array (the
 * spec's example); comment_count is total when it is an integer no
 * smaller than the array, else the array's size.  attachment_count and
 * attachments: the first JTA_LIMIT_ATTACHMENTS_SHOWN, each {id, name,
 * type, size, author, created, url}, url made from site and the id
 * (jta_jira_attach.c).  Errors as for jta_jira_search_result.
 */
enum jta_err jta_jira_issue(const json_t *jira, const char *site,
    json_t **out, struct jta_error *err) JTA_WUR;

/*
 * Map Transitions (GET .../transitions) for the issue key in status (the
 * caller read it; NULL gives null) to {"key", "status", "transitions":
 * [{"to": name}]}: the target status names in Jira's order, each once
 * (compared ignoring ASCII case); transitions without one, or marked
 * "isAvailable": false, are left out (transition_id never picks them).
 * JTA_ERR_UPSTREAM (502) when there are more than JTA_LIMIT_JIRA_ITEMS.
 */
enum jta_err jta_jira_transitions(const json_t *jira, const char *key,
    const char *status, json_t **out, struct jta_error *err) JTA_WUR;

/*
 * Find the transition that moves to the status named to: the first whose
 * to.name equals it ignoring ASCII case, else the first whose own name
 * does.  *id is the transition's id, borrowed from jira (valid while jira
 * is).  When none matches: JTA_ERR_CONFLICT (409, field "to") naming
 * the allowed target statuses as the store does ("this issue can move
 * only to: In Progress, Closed"), and, when allowed is not NULL, *allowed
 * is a new array of those names (else NULL).  JTA_ERR_UPSTREAM (502) when
 * the answer is not a Transitions object or the match has no string id;
 * to NULL is JTA_ERR_INPUT (422, "to").
 */
enum jta_err jta_jira_transition_id(const json_t *jira, const char *to,
    const char **id, json_t **allowed, struct jta_error *err) JTA_WUR;

/*
 * The body of POST .../transitions: {"transition": {"id": id}}.  A new
 * object, or NULL when memory runs out.
 */
json_t *jta_jira_transition_body(const char *id);

/*
 * Map a project page (GET /rest/api/3/project/search?expand=issueTypes)
 * and the site's priorities to {"projects": [{key, name, types,
 * priorities}]}.  types are the names of the project's issue types that
 * are not sub-tasks ([] when issueTypes was not expanded; fill it from
 * jta_jira_types).  priorities is an array of Priority, a page with
 * "values" (GET /priority, /priority/search, /priorityscheme/{id}/
 * priorities) or AutoCompleteSuggestions with "results" of {value} (GET
 * /jql/autocompletedata/suggestions?fieldName=priority), or NULL for [];
 * every project gets the same list.  Projects
 * without a string key are skipped.  JTA_ERR_UPSTREAM (502) when values is
 * missing or any list has more than JTA_LIMIT_JIRA_ITEMS elements.
 */
enum jta_err jta_jira_projects(const json_t *projects,
    const json_t *priorities, json_t **out, struct jta_error *err) JTA_WUR;

/*
 * The issue type names, sub-tasks left out, of a createmeta page (GET
 * /rest/api/3/issue/createmeta/{project}/issuetypes: {"issueTypes":
 * [...]}) or of a bare array of IssueTypeDetails.  *out is a new array.
 * JTA_ERR_UPSTREAM (502) when there is no such array or it has more than
 * JTA_LIMIT_JIRA_ITEMS elements.
 */
enum jta_err jta_jira_types(const json_t *jira, json_t **out,
    struct jta_error *err) JTA_WUR;

/*
 * Map GET /rest/api/3/myself to {"name": accountId, "display_name",
 * "email" (null when Jira hides it or it is missing), "backend": "jira",
 * "site": site (left out when site is NULL)}.  JTA_ERR_UPSTREAM (502)
 * when accountId is missing, longer than JTA_LIMIT_ACCOUNT_ID or not
 * made of letters, digits, ':', '-' and '_'.
 */
enum jta_err jta_jira_me(const json_t *myself, const char *site,
    json_t **out, struct jta_error *err) JTA_WUR;

/*
 * The body of POST /rest/api/3/issue (IssueUpdateDetails) from our
 * validated fields: {"fields": {"project": {"key"}, "summary", "issuetype":
 * {"name"}, "priority": {"name"}, "labels": [...], "assignee":
 * {"accountId"}, "description": ADF}}.  fields holds project, summary and
 * type (all required: the caller fills the project's first type when the
 * client gave none, as the store does), and optionally priority, labels
 * and assignee (an account id; null leaves Jira's default).  A
 * "description" member in fields is not read: adf_description (the
 * caller's conversion of it, or NULL for none) is deep-copied.  A wrong
 * type, a missing required field, an unknown field or a label with a
 * space (Jira refuses those) is JTA_ERR_INPUT (422) naming the field.
 */
enum jta_err jta_jira_create_body(const json_t *fields,
    const json_t *adf_description, json_t **out, struct jta_error *err)
    JTA_WUR;

/*
 * The body of PUT /rest/api/3/issue/{key} for PATCH /api/issues/{key}:
 * {"fields": {...}} with only the fields present in fields (summary, type,
 * description, priority, labels, assignee).  null clears: "assignee":
 * null, "priority": null, "labels": [] (summary and type cannot be
 * cleared).  When fields has "description",
 * the body has adf_description (deep-copied), or null when that is NULL.
 * No field, project or an unknown field is JTA_ERR_INPUT (422).
 */
enum jta_err jta_jira_edit_body(const json_t *fields,
    const json_t *adf_description, json_t **out, struct jta_error *err)
    JTA_WUR;

/*
 * The body of POST .../comment: {"body": a deep copy of adf}.  A new
 * object, or NULL when adf is NULL or memory runs out.
 */
json_t *jta_jira_comment_body(const json_t *adf);

/*
 * Turn a failed Jira answer (http_status and its body, an ErrorCollection
 * {"errorMessages": [...], "errors": {field: message}}, or NULL/anything
 * when it was not JSON) into our error, returning its code:
 *
 *   400, 422 with field errors  JTA_ERR_INPUT 422: field is the first of
 *              Jira's fields in our names (issuetype -> type; summary,
 *              priority, description, labels, assignee, project as they
 *              are; others as Jira names them, when made of [A-Za-z0-9_.-]),
 *              detail lists each field and message, and each is added to
 *              err's items (jta_error_add) for an "errors" member
 *   400, 422 otherwise         JTA_ERR_INPUT 400 with Jira's messages
 *   401                        JTA_ERR_AUTH 401
 *   403                        JTA_ERR_AUTH 403 with Jira's messages
 *   404                        JTA_ERR_NOTFOUND 404 "there is no issue
 *                              with that key" (field "key")
 *   409                        JTA_ERR_CONFLICT 409 with Jira's messages
 *   429, 503                   JTA_ERR_UPSTREAM 503 (busy, try later)
 *   other 5xx, other statuses  JTA_ERR_UPSTREAM 502
 *
 * Jira's messages are upstream text: each is cut at JTA_ERROR_MESSAGE - 1
 * bytes on a character boundary, control characters become spaces, at
 * most JTA_ERROR_ITEMS are read and the detail stays within
 * JTA_ERROR_DETAIL.  err may be NULL.
 */
enum jta_err jta_jira_error(long http_status, const json_t *body,
    struct jta_error *err) JTA_WUR;

/* ---- exactly-once creates (jta_once) ----
 *
 * A create that carries an idempotency token stores it on the issue as
 * the entity property "jta.once" with the value {"token": token}
 * (IssueUpdateDetails "properties": [EntityProperty {key, value}], POST
 * /rest/api/3/issue).  When Jira's answer to the create is lost, the
 * issue is looked for instead of created again: the person's newest
 * issues of the project by JQL, then GET
 * /rest/api/3/issue/{key}/properties/jta.once of each.  The property
 * itself cannot be searched with JQL: an entity property is indexed for
 * JQL only when an app descriptor (Connect or Forge) declares it, which
 * an OAuth 2.0 (3LO) app like this one has none of.
 */

/* The property key. */
#define JTA_JIRA_ONCE_PROPERTY	"jta.once"
/* Issues read per search for a lost create (newest first). */
#define JTA_JIRA_ONCE_CANDIDATES	20
/* Seconds after a create whose answer was lost before it may be sent
 * again (when no issue carries its token): Jira's search index may show
 * a new issue only some seconds after its create, and a create Jira
 * received may finish after our timeout gave up on it (at most
 * upstream_timeout_ms, 30 s).  Two minutes covers both with room. */
#define JTA_JIRA_ONCE_WINDOW	120

/* Add "properties": [{"key": "jta.once", "value": {"token": once}}] to
 * the create body.  JTA_ERR_NOMEM, or JTA_ERR_INTERNAL when once is not
 * 1..JTA_LIMIT_ONCE_TOKEN printable ASCII characters. */
enum jta_err jta_jira_once_property(json_t *body, const char *once) JTA_WUR;

/*
 * The JQL of the candidates of a lost create in project: "project = "P"
 * AND reporter = currentUser() AND created >= "-Nm" ORDER BY created
 * DESC", N the minutes since the Unix time since (plus two of margin for
 * clocks, at least 15, at most 7 days).  A relative date, since Jira
 * reads absolute ones in the person's own time zone.  Returns 0, or -1
 * when project is not a project key or buf is too small.
 */
int jta_jira_once_jql(const char *project, int64_t since, int64_t now,
    char *buf, size_t bufsz) JTA_WUR;

/* 1 when prop (an EntityProperty answer of GET .../properties/jta.once)
 * carries once, else 0. */
int jta_jira_once_match(const json_t *prop, const char *once);

/*
 * Create screens (GET /rest/api/3/issue/createmeta/{project}/issuetypes
 * and .../issuetypes/{issueTypeId}, PageOfCreateMetaIssueTypes and
 * PageOfCreateMetaIssueTypeWithField with FieldCreateMetadata items).
 */

/*
 * Our type of a FieldCreateMetadata meta, from its schema: "text" (the
 * description and textarea custom fields, ADF in API v3), "issue"
 * (parent, issuelink), "string", "number", "date", "datetime", "user",
 * "option" (option, priority, version, component, securitylevel,
 * resolution), "users", "options" (arrays of option, component, version,
 * or of strings with allowedValues), "labels" (other arrays of strings)
 * or "other".  A constant string.
 */
const char *jta_jira_field_type(const json_t *meta);

/*
 * The issue type of a createmeta types page (or a bare array) named name
 * (ignoring ASCII case), or the first that is not a sub-task when name is
 * NULL: *type is borrowed from page.  *names is a new array of all type
 * names (sub-tasks too), also on a 422.  No such type: JTA_ERR_INPUT 422
 * field "type" naming the types; no list or more than
 * JTA_LIMIT_JIRA_ITEMS types: JTA_ERR_UPSTREAM.
 */
enum jta_err jta_jira_meta_type(const json_t *page, const char *name,
    const json_t **type, json_t **names, struct jta_error *err) JTA_WUR;

/*
 * Map an array of FieldCreateMetadata (all pages, at most
 * JTA_LIMIT_META_FIELDS) to our field list [{id, name, required, type,
 * allowed?, default?}]: required is Jira's required without a default;
 * allowed the names (option value or name) of allowedValues for option
 * and options fields; default the name of defaultValue (or a number).
 * Fields this API never sets (project, issuetype, reporter, attachment,
 * issuelinks) and those without a "set" operation are left out.
 */
enum jta_err jta_jira_meta_fields(const json_t *meta, json_t **out,
    struct jta_error *err) JTA_WUR;

/*
 * Resolve a create request input (checked against
 * jta_backend_create_fields) for issue type type (an IssueTypeDetails)
 * with its createmeta fields meta to the preview *prepared: project,
 * type, summary, description, priority, labels, components, assignee
 * (null only; people are looked up by the caller), parent and "fields"
 * {field name: value as shown}; and "_ids": {"fields": the Jira fields
 * of POST /rest/api/3/issue (ids: {"id"} for allowed values, {"key"}
 * for issues, null placeholders for people), "adf": ids whose value is
 * Markdown to turn into ADF, "users": [{field (request member), id (Jira
 * field), name, values [as sent], multi}] to look up}.  The create
 * screen's default values of fields the request leaves out (an allowed
 * value, a list of them, a string or a number) are in both the preview
 * and "_ids".fields, so the preview shows everything that is filed.
 *
 * Problems (a value not allowed, a field not on the create screen, a
 * required field missing, an unknown field in "fields") are added to
 * err's items with allowed values and a question; the caller began err
 * (jta_error_begin) and calls jta_error_collected when its own checks
 * are done.  Returns JTA_OK (problems or not) or JTA_ERR_NOMEM/INTERNAL.
 */
enum jta_err jta_jira_resolve(const json_t *input, const json_t *type,
    const json_t *meta, json_t **prepared, struct jta_error *err) JTA_WUR;

/* ---- similar issues and users (GET /api/similar, GET /api/users) ---- */

struct jta_suggest_terms;

/*
 * The JQL of a similar search: [project = "X" AND ] text ~ "t1 OR t2 ..."
 * with the terms of text (jta_suggest_terms: words only, no Lucene
 * syntax), joined by Lucene's OR (Jira joins bare words with AND: "Search
 * syntax for text fields"), so a ticket matching any term is found.  No
 * ORDER BY: Jira's own order for a text search.  terms gets the terms
 * (the caller ranks with them).  text with a control character, invalid
 * UTF-8 or no term is 422 ("text"), a bad project 422 ("project").
 */
enum jta_err jta_jira_jql_similar(const char *text, const char *project,
    struct jta_suggest_terms *terms, char *buf, size_t bufsz,
    struct jta_error *err) JTA_WUR;

/*
 * The body of POST /rest/api/3/search/jql for a similar search: jql,
 * maxResults max (1..JTA_LIMIT_PAGE_MAX), the fields a suggestion needs
 * (summary, status, issuetype, priority, labels, components, project,
 * updated).  NULL when memory runs out.
 */
json_t *jta_jira_similar_body(const char *jql, size_t max);

/*
 * Map the SearchAndReconcileResults of a similar search to an array of
 * {key, summary, status, project, type, priority, labels, components (the
 * components' names), updated, url, score}, ranked by score: the share of
 * terms found in the summary, labels and components (0..1, ties keep
 * Jira's order), at most limit.  Issues with a score of 0 (Jira matched
 * the words elsewhere, as in the description) are left out.  Errors as
 * for jta_jira_search_result.
 */
enum jta_err jta_jira_similar_result(const json_t *jira,
    const char *site, const struct jta_suggest_terms *terms,
    size_t limit, json_t **out, struct jta_error *err) JTA_WUR;

/* 1 when s looks like an Atlassian account id (not a name or email):
 * "712020:uuid"-like with a colon, or 24 hex digits (older accounts). */
int jta_jira_account_like(const char *s);

/*
 * The person value names among users, Jira's answer to a user search
 * (GET /rest/api/3/user/search or /user/assignable/search: an array of
 * User), or NULL.  The person is the one User whose accountId equals
 * value (when value is an account id, only that counts: Jira answering
 * with another account is no match), or whose emailAddress or
 * displayName equals value ignoring ASCII case.  Without such a match,
 * the only User of the answer is taken (Jira matched a word of a name, or
 * an address it does not show), unless value is an account id, or an
 * email that this User shows and that differs.  *several is 1 when more
 * than one User could be meant.  The result is borrowed from users.
 */
const json_t *jta_jira_person_pick(const json_t *users, const char *value,
    int *several);

/*
 * Map GET /rest/api/3/user/search (an array of User) to {"users": [{"id":
 * accountId, "name": displayName, "email": emailAddress (only when Jira
 * shows it)}]}: only active "atlassian" accounts (apps and customers are
 * left out), users without a valid account id skipped, at most limit.
 * JTA_ERR_UPSTREAM (502) when the answer is not an array or has more than
 * JTA_LIMIT_JIRA_ITEMS elements.
 */
enum jta_err jta_jira_users(const json_t *jira, size_t limit, json_t **out,
    struct jta_error *err) JTA_WUR;

/* ---- the basic ticketing API (/api/tickets/) over Jira ----
 *
 * A ticket is an issue of the configured default project: id = the
 * issue's numeric id, title = summary, description = the description
 * (ADF here, Markdown after the caller's conversion), created = created,
 * resolution_status = RESOLVED when the status's category is "done" (the
 * spec's StatusCategory key), else OPEN.  Jira has no category for
 * CLOSED: no ticket reads as CLOSED, a CLOSED filter matches nothing and
 * setting CLOSED is refused by the backend.
 */

/*
 * Write the JQL of /api/tickets/ filters q over project into buf (bufsz
 * bytes), with jta_jira_jql's quoting rules: project = "P" [AND id = n]
 * [AND id in (n, ...)] [AND summary ~ "words"] [AND text ~ "words"]
 * [AND created >= "..."] [AND created <= "..."] [AND statusCategory =
 * "Done" | statusCategory != "Done"] ORDER BY <ordering> (title is
 * summary; the default -created is created DESC), then key DESC so that
 * equal values keep one order.  title__icontains and search become plain
 * words (Lucene syntax removed): Jira matches whole words (stemmed), not
 * substrings, and a value with no word left is 400 naming the filter.
 * *none is set to 1 (and buf to "") when the status filters can match no
 * ticket (an empty list, or CLOSED alone): the caller answers an empty
 * page without asking Jira.  Too long: 400.
 */
enum jta_err jta_jira_tk_jql(const struct jta_tk_query *q,
    const char *project, char *buf, size_t bufsz, int *none,
    struct jta_error *err) JTA_WUR;

/*
 * Append the issue ids of a SearchAndReconcileResults page (issues[].id,
 * decimal strings of at most INT32_MAX, the range of /api/tickets/ ids)
 * to ids (an array of integers) and set *next to its nextPageToken
 * (borrowed from jira; NULL on the last page).  JTA_ERR_UPSTREAM (502)
 * when the page is not one, an id is not such a number, the token is not
 * printable ASCII of at most JTA_LIMIT_CURSOR bytes, or a page that is
 * not the last holds no issue.
 */
enum jta_err jta_jira_tk_ids(const json_t *jira, json_t *ids,
    const char **next, struct jta_error *err) JTA_WUR;

/*
 * Map an IssueBean (fields summary, description, created, status,
 * project) to a ticket {id, title, description (a deep copy of the ADF,
 * or null), created, resolution_status}; *project is the key of its
 * project (borrowed from jira, NULL when missing).  JTA_ERR_UPSTREAM when
 * the id is not a decimal string within INT32_MAX.
 */
enum jta_err jta_jira_tk_ticket(const json_t *jira, json_t **out,
    const char **project, struct jta_error *err) JTA_WUR;

/* 1 when an IssueBean's status is in the category "done", else 0. */
int jta_jira_tk_done(const json_t *jira);

/*
 * Pick from Transitions the first move Jira offers now whose target
 * status is in the category "done" (done = 1) or in another one (done =
 * 0): *id is borrowed from jira.  None: JTA_ERR_CONFLICT (409, field
 * "resolution_status") naming the statuses it can move to, since one
 * transition is all this API makes (a longer path runs through
 * POST /api/issues/{key}/transitions).  JTA_ERR_UPSTREAM as for
 * jta_jira_transition_id.
 */
enum jta_err jta_jira_tk_transition(const json_t *jira, int done,
    const char **id, struct jta_error *err) JTA_WUR;

#endif
