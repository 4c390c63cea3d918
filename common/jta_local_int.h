/*
 * Private to jta_local.c and jta_local_sd.c, the two files of the
 * embedded store's backend: its Jira Service Management operations
 * (jta_local_sd.c), over the request types of jta_store_requesttypes.
 * The backend's interface is jta_local_ops (jta_backend.h); each
 * function's contract is the comment above its definition.
 */
#ifndef JTA_LOCAL_INT_H
#define JTA_LOCAL_INT_H

#include <stdint.h>

#include "jta_backend.h"

/* prepare, create and find_once of a create that names a request type. */
enum jta_err jta_local_sd_prepare(struct jta_backend *be,
    const struct jta_user *who, const json_t *input, json_t **prepared,
    struct jta_error *err);
int jta_local_sd_prepared(const json_t *prepared);
enum jta_err jta_local_sd_create(struct jta_backend *be,
    const struct jta_user *who, const json_t *prepared, const char *once,
    json_t **out, struct jta_error *err);
enum jta_err jta_local_sd_find_once(struct jta_backend *be,
    const struct jta_user *who, const json_t *prepared, const char *once,
    int64_t since, json_t **out, struct jta_error *err);

/* Mark the service desks (projects with request types) of an
 * /api/projects answer with "servicedesk_id" (the project key). */
enum jta_err jta_local_sd_mark(struct jta_backend *be, json_t *answer,
    struct jta_error *err);

/* The sd_ operations of jta_backend.h. */
enum jta_err jta_local_sd_desks(struct jta_backend *be,
    const struct jta_user *who, json_t **out, struct jta_error *err);
enum jta_err jta_local_sd_fields(struct jta_backend *be,
    const struct jta_user *who, const char *project,
    const char *request_type, json_t **out, struct jta_error *err);
enum jta_err jta_local_sd_requests(struct jta_backend *be,
    const struct jta_user *who, const struct jta_sd_query *q, json_t **out,
    struct jta_error *err);
enum jta_err jta_local_sd_request(struct jta_backend *be,
    const struct jta_user *who, const char *key, json_t **out,
    struct jta_error *err);
enum jta_err jta_local_sd_comment(struct jta_backend *be,
    const struct jta_user *who, const char *key, const char *body,
    int internal, json_t **out, struct jta_error *err);
enum jta_err jta_local_sd_transitions(struct jta_backend *be,
    const struct jta_user *who, const char *key, json_t **out,
    struct jta_error *err);
enum jta_err jta_local_sd_transition(struct jta_backend *be,
    const struct jta_user *who, const char *key, const char *to,
    const char *comment, json_t **out, struct jta_error *err);
enum jta_err jta_local_sd_decide(struct jta_backend *be,
    const struct jta_user *who, const char *key, int approve, json_t **out,
    struct jta_error *err);
enum jta_err jta_local_sd_suggest(struct jta_backend *be,
    const struct jta_user *who, const char *text, size_t limit,
    json_t **out, struct jta_error *err);

/* How often a move is read and tried again when a concurrent move
 * changed the status between the read and the conditional write. */
#define JTA_LOCAL_MOVE_TRIES	3

/* Shared by jta_local.c and jta_local_tickets.c (the /api/tickets/
 * operations, each an operation of jta_local_ops). */
json_t *jta_local_unconst(const json_t *v);
json_t *jta_local_timejs(int64_t t);
enum jta_err jta_local_refs(struct jta_backend *be, const char *proj,
    const json_t *fields, struct jta_error *err);
enum jta_err jta_local_stale(enum jta_err rc, struct jta_error *err);
enum jta_err jta_local_tk_list(struct jta_backend *be,
    const struct jta_user *who, const struct jta_tk_query *q, json_t **out,
    struct jta_error *err);
enum jta_err jta_local_tk_get(struct jta_backend *be,
    const struct jta_user *who, int64_t id, json_t **out,
    struct jta_error *err);
enum jta_err jta_local_tk_create(struct jta_backend *be,
    const struct jta_user *who, const json_t *fields, json_t **out,
    struct jta_error *err);
enum jta_err jta_local_tk_update(struct jta_backend *be,
    const struct jta_user *who, int64_t id, const json_t *fields,
    json_t **out, struct jta_error *err);
enum jta_err jta_local_tk_delete(struct jta_backend *be,
    const struct jta_user *who, int64_t id, struct jta_error *err);

#endif
