/*
 * Repository: the embedded store's request types (Jira Service
 * Management in the embedded store, README.md "Jira Service
 * Management"), per project: a name (unique in its project, ignoring
 * case), a description, a help text and the local fields a request of
 * the type asks for; and which tickets were raised as requests of which
 * type.  Schema 10.  Plain storage facts: the backend words the errors.
 *
 * Like the project list, the lists are JSON arrays of what is stored.
 */
#ifndef JTA_STORE_REQUESTTYPES_H
#define JTA_STORE_REQUESTTYPES_H

#include <stdint.h>

#include <jansson.h>

#include "jta_err.h"

struct jta_store;

/*
 * Add a request type to project (a key the store holds): name (1..
 * JTA_LIMIT_NAME bytes), description and help_text (NULL for "", at most
 * JTA_LIMIT_RT_TEXT), fields (a comma list of field ids, NULL for "", at
 * most JTA_LIMIT_RT_FIELDS; the caller checks them).  *id is the new
 * type's id.  JTA_ERR_NOTFOUND (err untouched) when there is no such
 * project, JTA_ERR_CONFLICT (err untouched) when the project has a type
 * of that name, JTA_ERR_INPUT (err untouched) when the project has
 * JTA_LIMIT_RT_TYPES types already.  One BEGIN IMMEDIATE transaction.
 */
enum jta_err jta_store_rtype_add(struct jta_store *st, const char *project,
    const char *name, const char *description, const char *help_text,
    const char *fields, int64_t *id, struct jta_error *err) JTA_WUR;

/*
 * The request types of project (NULL: of every project), by project key
 * then id, as a new array of {id (string), project, project_name, name,
 * description, help_text, fields: [ids]}, at most JTA_LIMIT_RT_TYPES
 * per project.
 */
enum jta_err jta_store_rtype_list(struct jta_store *st, const char *project,
    json_t **out, struct jta_error *err) JTA_WUR;

/*
 * Remove the request type name of project.  JTA_ERR_NOTFOUND (err
 * untouched) when there is none; JTA_ERR_CONFLICT (err untouched) when
 * requests were raised with it (they keep their type).
 */
enum jta_err jta_store_rtype_remove(struct jta_store *st, const char *project,
    const char *name, struct jta_error *err) JTA_WUR;

/*
 * Record that ticket key was raised as a request of type id (same
 * project).  JTA_ERR_NOTFOUND (err untouched) when the ticket or the
 * type is not there or not of one project; a second call for the same
 * ticket keeps the first type (exactly once: a retried raise).
 */
enum jta_err jta_store_rtype_mark(struct jta_store *st, const char *key,
    int64_t id, struct jta_error *err) JTA_WUR;

/*
 * The requests (tickets raised with a type) reported by user id
 * reporter, newest first, at most JTA_LIMIT_RT_REQUESTS: a new array of
 * {key, request_type_id (string), request_type}.  request_type (when
 * not 0) narrows them to one type.
 */
enum jta_err jta_store_rtype_requests(struct jta_store *st, int64_t reporter,
    int64_t request_type, json_t **out, struct jta_error *err) JTA_WUR;

/*
 * The request type of ticket key: {id (string), name, project}, a new
 * object in *out; JTA_ERR_NOTFOUND (err untouched) when the ticket was
 * not raised as a request.
 */
enum jta_err jta_store_rtype_of(struct jta_store *st, const char *key,
    json_t **out, struct jta_error *err) JTA_WUR;

#endif
