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
#include "jta_store.h"

struct jta_backend;

struct jta_backend_ops {
	const char	*name;
	enum jta_err	(*search)(struct jta_backend *, const struct jta_user *,
			    const struct jta_search *, json_t **,
			    struct jta_error *);
	enum jta_err	(*get)(struct jta_backend *, const struct jta_user *,
			    const char *key, json_t **, struct jta_error *);
	/* fields: validated project, summary, type, description, priority,
	 * labels, assignee. */
	enum jta_err	(*create)(struct jta_backend *, const struct jta_user *,
			    const json_t *fields, json_t **,
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
	/* The names of who's Jira groups as a new array of strings, for
	 * the access rules by group (jta_policy).  NULL in a backend that
	 * has no groups (the embedded store). */
	enum jta_err	(*groups)(struct jta_backend *,
			    const struct jta_user *, json_t **,
			    struct jta_error *);
};

struct jta_backend {
	const struct jta_backend_ops *ops;
	const struct jta_conf	*conf;	/* borrowed, outlives the backend */
	struct jta_store	*store;	/* borrowed */
	struct jta_oauth	*oauth;	/* borrowed; Jira only */
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

/* The embedded store's operations (jta_local.c). */
extern const struct jta_backend_ops jta_local_ops;
/* Jira Cloud's, as each linked person (jta_jira.c). */
extern const struct jta_backend_ops jta_jira_ops;

#endif
