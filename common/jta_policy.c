#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "jta_arena.h"
#include "jta_endpoint.h"
#include "jta_log.h"
#include "jta_policy.h"
#include "jta_text.h"
#include "jta_url.h"
#include "jta_db.h"
#include "jta_store_ops.h"
#include "jta_store_people.h"

/* The kinds of rule, in the order allow-lists are checked. */
enum kind { K_SITE, K_PROJECT, K_PERSON, K_GROUP, K_DOMAIN, K_READONLY,
	K_NKINDS };

static const char *const kinds[K_NKINDS] = { "site", "project", "person",
    "group", "domain", "readonly" };

/* A rule as a worker keeps it. */
struct rule {
	int64_t		 id;
	int		 deny;
	enum kind	 kind;
	unsigned	 scope;		/* JTA_POLICY_* bits it covers */
	const char	*scopename;	/* static */
	char		 value[JTA_LIMIT_POLICY_VALUE + 1];
};

/* One person's Jira groups, as read at fetched (CLOCK_MONOTONIC s). */
struct groups {
	int64_t		 uid;		/* 0: free slot */
	int64_t		 fetched;
	json_t		*names;
};

struct jta_policy {
	const struct jta_conf	*conf;
	struct jta_store	*store;
	struct jta_backend	*backend;
	int			 loaded;
	int64_t			 generation;	/* of the rules below */
	struct jta_store_policy	 settings;	/* as read by the last gate */
	uint64_t		 version;	/* of settings; 0: none */
	struct rule		*rules;		/* JTA_LIMIT_POLICY_RULES */
	size_t			 nrules;
	struct jta_store_rule	*scratch;	/* for reloading */
	struct groups		 cache[JTA_POLICY_GROUP_CACHE];
};

/* ---- classifying a request ---- */

/* The value of query parameter name (one occurrence, decoded) into out;
 * 0 when absent, -1 when repeated or undecodable, 1 when found. */
static int
queryparam(const char *query, const char *name, char *out, size_t outsz)
{
	const char	*p, *amp, *eq;
	size_t		 nlen = strlen(name);
	int		 found = 0;

	for (p = query; *p != '\0'; p = *amp != '\0' ? amp + 1 : amp) {
		if ((amp = strchr(p, '&')) == NULL)
			amp = p + strlen(p);
		eq = memchr(p, '=', (size_t)(amp - p));
		if ((size_t)((eq != NULL ? eq : amp) - p) != nlen ||
		    strncmp(p, name, nlen) != 0)
			continue;
		if (found++)
			return -1;
		if (eq == NULL) {
			out[0] = '\0';
			continue;
		}
		if (jta_req_form_decode(eq + 1, (size_t)(amp - eq - 1), out,
		    outsz) < 0)
			return -1;
	}
	return found;
}

/* The key's project from /api/issues/{KEY}suffix, or 0 when the path is
 * not of that shape (the handler answers 404). */
static int
keyproject(const struct jta_req *req, const char *suffix, char *proj,
    size_t projsz)
{
	char		 key[JTA_LIMIT_ISSUE_KEY + 1];
	int64_t		 num;

	const char	*seg;
	size_t		 n, i;

	/* A key that is none is no project: no error is kept (NULL), as
	 * zeroing a 13 KB one per request was 5 % of an issue read. */
	if (strchr(suffix, '*') != NULL) {
		/* A pattern with a second "*" (an issue's attachment,
		 * /api/issues/KEY/attachments/ID/text): the route matched
		 * it, so the key is the segment after /api/issues/. */
		if (strncmp(req->path, "/api/issues/", 12) != 0)
			return 0;
		seg = req->path + 12;
		if ((n = strcspn(seg, "/")) == 0 || n > JTA_LIMIT_ISSUE_KEY)
			return 0;
		for (i = 0; i < n; i++)
			key[i] = seg[i] >= 'a' && seg[i] <= 'z' ?
			    (char)(seg[i] - 'a' + 'A') : seg[i];
		key[n] = '\0';
	} else if (jta_req_issue_key(req, suffix, key, NULL) != JTA_OK)
		return 0;
	return jta_text_parse_issue_key(key, strlen(key), proj, projsz,
	    &num) == 0;
}

static void
setproject(struct jta_policy_op *op, const char *key)
{
	op->has_project = 1;
	if (key != NULL && jta_text_is_project_key(key, strlen(key)))
		snprintf(op->project, sizeof(op->project), "%s", key);
}

/* "project" of a create's body, when the body is a JSON object that has
 * it as a string; the handler validates the body itself. */
static void
bodyproject(const struct jta_req *req, struct jta_policy_op *op)
{
	json_t		*b;
	json_error_t	 je;

	op->has_project = 1;
	if (req->body == NULL || req->body_len == 0)
		return;
	if ((b = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES,
	    &je)) == NULL)
		return;
	if (json_is_object(b))
		setproject(op, json_string_value(json_object_get(b,
		    "project")));
	json_decref(b);
}

static unsigned
clsbits(enum jta_endpoint_class c)
{
	switch (c) {
	case JTA_ENDPOINT_CREATE:
		return JTA_POLICY_CREATE;
	case JTA_ENDPOINT_WRITE:
		return JTA_POLICY_WRITE;
	case JTA_ENDPOINT_NONE:
	case JTA_ENDPOINT_READ:
		break;
	}
	return JTA_POLICY_READ;
}

/* The project of req from where m says it comes (r->path's "*" for a key
 * or a project in the path). */
static void
findproject(const struct jta_endpoint_route *r,
    const struct jta_endpoint_method *m, const struct jta_req *req,
    const char *default_project, struct jta_policy_op *op)
{
	char		 proj[JTA_LIMIT_PROJECT_KEY + 1];
	char		 v[JTA_LIMIT_QUERY + 1];
	const char	*star, *k, *e;

	switch (m->project) {
	case JTA_PROJECT_NONE:
		return;
	case JTA_PROJECT_ANY:
		op->has_project = 1;
		return;
	case JTA_PROJECT_SEARCH:
		op->has_project = 1;
		/* A JQL search names its projects in JQL, which we do not
		 * parse: no one known project. */
		if (queryparam(req->query, "jql", v, sizeof(v)) != 0)
			return;
		if (queryparam(req->query, "project", v, sizeof(v)) == 1)
			setproject(op, v);
		return;
	case JTA_PROJECT_QUERY:
		op->has_project = 1;
		if (queryparam(req->query, "project", v, sizeof(v)) == 1)
			setproject(op, v);
		return;
	case JTA_PROJECT_BODY:
		bodyproject(req, op);
		return;
	case JTA_PROJECT_KEY:
		/* A path that is no issue key names no project; the
		 * handler answers 404. */
		op->has_project = 1;
		star = strchr(r->path, '*');
		if (star != NULL && keyproject(req, star + 1, proj,
		    sizeof(proj)))
			setproject(op, proj);
		return;
	case JTA_PROJECT_PATH:
		op->has_project = 1;
		if ((star = strchr(r->path, '*')) == NULL)
			return;
		k = req->path + (star - r->path);
		if ((e = strchr(k, '/')) == NULL)
			e = k + strlen(k);
		if ((size_t)(e - k) < sizeof(proj)) {
			memcpy(proj, k, (size_t)(e - k));
			proj[e - k] = '\0';
			setproject(op, proj);
		}
		return;
	case JTA_PROJECT_DEFAULT:
		setproject(op, default_project);
		return;
	}
}

void
jta_policy_op_classify(const struct jta_endpoint_route *r,
    const struct jta_req *req, const char *default_project,
    struct jta_policy_op *op)
{
	const struct jta_endpoint_method *m;

	memset(op, 0, sizeof(*op));
	op->endpoint = jta_endpoint_name(JTA_ENDPOINT_OTHER);
	op->cls = JTA_POLICY_READ;
	if (r == NULL)
		return;
	if ((m = jta_endpoint_method(r, req->method)) == NULL) {
		/* A method the location refuses: its 405, not a rule. */
		op->endpoint = jta_endpoint_name(r->refused);
		return;
	}
	op->endpoint = jta_endpoint_name(m->name);
	op->cls = clsbits(m->cls);
	op->rules = m->cls != JTA_ENDPOINT_NONE;
	findproject(r, m, req, default_project, op);
}

void
jta_policy_op_from_req(const struct jta_req *req, const char *default_project,
    struct jta_policy_op *op)
{
	jta_policy_op_classify(jta_endpoint_route(NULL, req->path), req,
	    default_project, op);
}

/* ---- the policy object ---- */

enum jta_err
jta_policy_new(const struct jta_conf *conf, struct jta_store *store,
    struct jta_backend *backend, struct jta_policy **out)
{
	struct jta_policy *p;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return JTA_ERR_NOMEM;
	p->conf = conf;
	p->store = store;
	p->backend = backend;
	/* Under 1 MB together, from mmap: pages no rule fills are never
	 * touched, so a worker's memory grows with the rules it holds. */
	if ((p->rules = calloc(JTA_LIMIT_POLICY_RULES, sizeof(*p->rules))) ==
	    NULL || (p->scratch = calloc(JTA_LIMIT_POLICY_RULES,
	    sizeof(*p->scratch))) == NULL) {
		jta_policy_free(p);
		return JTA_ERR_NOMEM;
	}
	*out = p;
	return JTA_OK;
}

void
jta_policy_health(struct jta_policy *p, struct jta_policy_health *out)
{
	struct jta_store_policy pol;
	struct jta_store_dbhealth db;
	struct jta_error err;

	memset(out, 0, sizeof(*out));
	memset(&pol, 0, sizeof(pol));
	memset(&err, 0, sizeof(err));
	/* Through the store's seam: the engine's own schema version. */
	jta_store_dbhealth(p->store, &db);
	out->engine = db.engine;
	out->reachable = db.reachable;
	out->version = db.version;
	out->expected = db.expected;
	out->ok = db.reachable && db.version == db.expected &&
	    jta_store_policy_get(p->store, &pol, &err) == JTA_OK;
	if (!out->ok)
		return;
	out->enabled = pol.enabled;
	snprintf(out->message, sizeof(out->message), "%s", pol.message);
}

void
jta_policy_free(struct jta_policy *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	for (i = 0; i < JTA_POLICY_GROUP_CACHE; i++)
		json_decref(p->cache[i].names);
	free(p->rules);
	free(p->scratch);
	free(p);
}

static int
kindof(const char *s)
{
	int	 k;

	for (k = 0; k < K_NKINDS; k++)
		if (strcmp(s, kinds[k]) == 0)
			return k;
	return -1;
}

unsigned
jta_policy_scope_bits(const char *scope)
{
	if (strcmp(scope, "read") == 0)
		return JTA_POLICY_READ;
	if (strcmp(scope, "create") == 0)
		return JTA_POLICY_CREATE;
	/* Writing is every change: creating included. */
	if (strcmp(scope, "write") == 0)
		return JTA_POLICY_CREATE | JTA_POLICY_WRITE;
	if (strcmp(scope, "all") == 0)
		return JTA_POLICY_READ | JTA_POLICY_CREATE | JTA_POLICY_WRITE;
	return 0;
}

static const char *
scopename(unsigned bits)
{
	switch (bits) {
	case JTA_POLICY_READ:
		return "read";
	case JTA_POLICY_CREATE:
		return "create";
	case JTA_POLICY_CREATE | JTA_POLICY_WRITE:
		return "write";
	default:
		return "all";
	}
}

/* Re-read every rule (the generation moved).  A row this build does not
 * know is refused as a whole: better closed than half a policy. */
static enum jta_err
reload(struct jta_policy *p, int64_t generation, struct jta_error *err)
{
	enum jta_err	 rc;
	size_t		 n, i;
	int		 k;

	if ((rc = jta_store_rule_list(p->store, p->scratch,
	    JTA_LIMIT_POLICY_RULES, &n, err)) != JTA_OK)
		return rc;
	for (i = 0; i < n; i++) {
		const struct jta_store_rule *s = &p->scratch[i];
		struct rule *r = &p->rules[i];

		if ((k = kindof(s->kind)) < 0 ||
		    jta_policy_scope_bits(s->scope) == 0) {
			jta_errorlog("policy: rule %lld has kind '%.16s' scope "
			    "'%.8s' this build does not know", (long long)s->id,
			    s->kind, s->scope);
			p->loaded = 0;
			return jta_error_set(err, JTA_ERR_CONFIG, 503, NULL,
			    "the access rules cannot be read; the server log "
			    "has details");
		}
		r->id = s->id;
		r->deny = strcmp(s->effect, "deny") == 0;
		r->kind = (enum kind)k;
		r->scope = jta_policy_scope_bits(s->scope);
		r->scopename = scopename(r->scope);
		memcpy(r->value, s->value, sizeof(r->value));
	}
	p->nrules = n;
	p->generation = generation;
	p->loaded = 1;
	jta_debug("policy: %zu rules, generation %lld", n,
	    (long long)generation);
	return JTA_OK;
}

enum jta_err
jta_policy_gate(struct jta_policy *p, struct jta_error *err)
{
	enum jta_err	 rc;
	uint64_t	 v;

	/*
	 * The switch is read again only when the store says its file
	 * changed since the last read (SQLite's data version: any commit,
	 * by this process or another, moves it; PostgreSQL answers 0 and
	 * the row is read every time), so a switch-off still takes effect
	 * at the next request on every worker.  The version is taken
	 * before the row: a change in between makes the next gate read it
	 * again.
	 */
	if ((rc = jta_store_policy_version(p->store, &v, err)) == JTA_OK &&
	    (v == 0 || v != p->version)) {
		p->version = 0;
		if ((rc = jta_store_policy_get(p->store, &p->settings,
		    err)) == JTA_OK)
			p->version = v;
	}
	if (rc != JTA_OK) {
		/* Closed: without the switch we cannot know it is on. */
		err->status = 503;
		return rc;
	}
	if (!p->settings.enabled)
		return jta_error_set(err, JTA_ERR_BUSY, 503, NULL, "%s",
		    p->settings.message[0] != '\0' ? p->settings.message :
		    "The assistant is switched off by its operators for "
		    "now; try again later.");
	if (!p->loaded || p->generation != p->settings.generation)
		return reload(p, p->settings.generation, err);
	return JTA_OK;
}

/* ---- checking the rules ---- */

/* What we know of the person, filled as rules need it. */
struct facts {
	const struct jta_user *who;
	int		 link_read;	/* 1 once looked up */
	int		 linked;	/* 1 when there is a link */
	struct jta_link	 link;
	const json_t	*groups;	/* borrowed from the cache, or NULL */
};

static const char *
domainof(const char *email)
{
	const char	*at = strrchr(email, '@');

	return at != NULL && at[1] != '\0' ? at + 1 : NULL;
}

/* Compare a site rule's value (cloud id, https://host or a bare host,
 * lower case: see the K_SITE check) with the link: its cloud id, or the
 * site name of its URL (jta_url_site_name), which is how both URLs are
 * compared, split by libcurl. */
static int
sitematch(const char *v, const struct jta_link *l)
{
	char	 site[JTA_LIMIT_URL_HOST + 8], rule[JTA_LIMIT_URL_HOST + 8];

	if (strcasecmp(v, l->cloud_id) == 0)
		return 1;
	if (jta_url_site_name(l->site_url, site, sizeof(site)) != JTA_OK)
		return 0;
	if (strstr(v, "://") != NULL)
		return jta_url_site_name(v, rule, sizeof(rule)) == JTA_OK &&
		    strcmp(rule, site) == 0;
	return strcasecmp(v, site) == 0;
}

static enum jta_err
readlink(struct jta_policy *p, struct facts *f, struct jta_error *err)
{
	enum jta_err	 rc;
	struct jta_error e2;

	if (f->link_read)
		return JTA_OK;
	f->link_read = 1;
	if (p->conf->backend != JTA_BACKEND_JIRA)
		return JTA_OK;
	memset(&e2, 0, sizeof(e2));
	rc = jta_store_link_identity(p->store, f->who->id, &f->link, &e2);
	if (rc == JTA_ERR_NOTFOUND)
		return JTA_OK;
	if (rc != JTA_OK) {
		*err = e2;
		return rc;
	}
	f->linked = 1;
	return JTA_OK;
}

static int64_t
mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

/* who's groups, from the cache or Jira (only for a linked person).  The
 * cache keeps JTA_POLICY_GROUP_CACHE people; a new one takes a free slot,
 * else the one read longest ago. */
static enum jta_err
readgroups(struct jta_policy *p, struct facts *f, struct jta_error *err)
{
	struct groups	*g, *slot = NULL;
	json_t		*names = NULL, *copy;
	enum jta_err	 rc;
	int64_t		 now = mono();
	size_t		 i;
	int		 was;

	if (f->groups != NULL)
		return JTA_OK;
	for (i = 0; i < JTA_POLICY_GROUP_CACHE; i++) {
		g = &p->cache[i];
		if (g->names != NULL && g->uid == f->who->id) {
			if (now - g->fetched < JTA_POLICY_GROUP_TTL) {
				f->groups = g->names;
				return JTA_OK;
			}
			slot = g;
			break;
		}
		if (slot == NULL || (slot->names != NULL &&
		    (g->names == NULL || g->fetched < slot->fetched)))
			slot = g;
	}
	if ((rc = p->backend->ops->groups(p->backend, f->who, &names, err)) !=
	    JTA_OK) {
		if (err->field[0] == '\0')
			snprintf(err->field, sizeof(err->field), "group");
		return rc;
	}
	/* Kept across requests: a copy outside the request's arena
	 * (jta_arena.h); what Jira answered lives in the arena. */
	was = jta_arena_suspend();
	copy = json_deep_copy(names);
	jta_arena_resume(was);
	json_decref(names);
	if (copy == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 503, NULL,
		    "the server is short of memory; try again");
	json_decref(slot->names);
	slot->uid = f->who->id;
	slot->fetched = now;
	slot->names = copy;
	f->groups = copy;
	return JTA_OK;
}

/*
 * Whether rule r's value matches the request; *known is 0 when the fact
 * the kind needs does not exist here (no link: no site, no groups; the
 * embedded store: neither), so an allow-list of that kind does not apply.
 */
static enum jta_err
matches(struct jta_policy *p, const struct rule *r,
    const struct jta_policy_op *op, struct facts *f, int *match, int *known,
    struct jta_error *err)
{
	enum jta_err	 rc;
	const char	*d;
	const json_t	*g;
	size_t		 i;

	*match = 0;
	*known = 1;
	switch (r->kind) {
	case K_READONLY:
		*match = 1;
		break;
	case K_PROJECT:
		*match = strcmp(op->project, r->value) == 0;
		break;
	case K_PERSON:
		if ((rc = readlink(p, f, err)) != JTA_OK)
			return rc;
		*match = strcmp(f->who->name, r->value) == 0 ||
		    (f->who->email[0] != '\0' &&
		    strcasecmp(f->who->email, r->value) == 0) ||
		    (f->linked && (strcmp(f->link.account_id, r->value) == 0 ||
		    (f->link.email[0] != '\0' &&
		    strcasecmp(f->link.email, r->value) == 0)));
		break;
	case K_DOMAIN:
		if ((rc = readlink(p, f, err)) != JTA_OK)
			return rc;
		*match = ((d = domainof(f->who->email)) != NULL &&
		    strcasecmp(d, r->value) == 0) || (f->linked &&
		    (d = domainof(f->link.email)) != NULL &&
		    strcasecmp(d, r->value) == 0);
		break;
	case K_SITE:
		if ((rc = readlink(p, f, err)) != JTA_OK)
			return rc;
		if (!f->linked) {
			*known = 0;
			break;
		}
		*match = sitematch(r->value, &f->link);
		break;
	case K_GROUP:
		if ((rc = readlink(p, f, err)) != JTA_OK)
			return rc;
		if (!f->linked || p->backend->ops->groups == NULL) {
			*known = 0;
			break;
		}
		if ((rc = readgroups(p, f, err)) != JTA_OK)
			return rc;
		json_array_foreach(f->groups, i, g)
			if (strcasecmp(json_string_value(g), r->value) == 0)
				*match = 1;
		break;
	case K_NKINDS:
		break;
	}
	return JTA_OK;
}

static const char *
doing(unsigned cls)
{
	return cls == JTA_POLICY_READ ? "reading" : cls == JTA_POLICY_CREATE ?
	    "creating tickets" : "changing tickets";
}

/* Who or what is not on an allow-list of kind k, for the detail. */
static void
subject(enum kind k, const struct jta_policy_op *op, char *buf, size_t bufsz)
{
	switch (k) {
	case K_PROJECT:
		snprintf(buf, bufsz, "project %s is", op->project);
		return;
	case K_SITE:
		snprintf(buf, bufsz, "your Atlassian site is");
		return;
	case K_DOMAIN:
		snprintf(buf, bufsz, "your email domain is");
		return;
	case K_GROUP:
		snprintf(buf, bufsz, "none of your Jira groups is");
		return;
	case K_PERSON:
	case K_READONLY:
	case K_NKINDS:
		break;
	}
	snprintf(buf, bufsz, "your account is");
}

enum jta_err
jta_policy_check(struct jta_policy *p, const struct jta_req *req,
    const struct jta_user *who, const struct jta_policy_op *op,
    struct jta_error *err)
{
	const struct rule *r, *first[K_NKINDS];
	struct facts	 f;
	enum jta_err	 rc;
	char		 who_is[JTA_LIMIT_PROJECT_KEY + 32];
	int		 match, known, allowed[K_NKINDS], k;
	size_t		 i;

	(void)req;
	if (!op->rules || who == NULL || p->nrules == 0)
		return JTA_OK;
	memset(&f, 0, sizeof(f));
	memset(first, 0, sizeof(first));
	memset(allowed, 0, sizeof(allowed));
	f.who = who;
	/* Deny rules first: they win. */
	for (i = 0; i < p->nrules; i++) {
		r = &p->rules[i];
		if (!(r->scope & op->cls))
			continue;
		if (r->kind == K_PROJECT && !op->has_project)
			continue;
		if (r->kind == K_PROJECT && op->project[0] == '\0')
			return jta_error_set(err, JTA_ERR_AUTH, 403, "project",
			    "project rules apply to %s (rule %lld: %s project "
			    "%s for %s), and this request does not name one "
			    "project; name it (a search: project=KEY, without "
			    "jql)", doing(op->cls), (long long)r->id,
			    r->deny ? "deny" : "allow", r->value,
			    r->scopename);
		if (!r->deny) {
			if (first[r->kind] == NULL)
				first[r->kind] = r;
			continue;
		}
		if ((rc = matches(p, r, op, &f, &match, &known, err)) !=
		    JTA_OK)
			return rc;
		if (!match)
			continue;
		if (r->kind == K_READONLY)
			return jta_error_set(err, JTA_ERR_AUTH, 403,
			    "readonly", "the assistant is read-only (rule "
			    "%lld: deny readonly): creating, editing, "
			    "commenting and moving tickets are switched off",
			    (long long)r->id);
		return jta_error_set(err, JTA_ERR_AUTH, 403, kinds[r->kind],
		    "%s is refused by rule %lld (deny %s %s for %s)",
		    doing(op->cls), (long long)r->id, kinds[r->kind], r->value,
		    r->scopename);
	}
	/* Then each kind that has allow rules covering this operation is
	 * an allow-list: one of them must match. */
	for (i = 0; i < p->nrules; i++) {
		r = &p->rules[i];
		if (r->deny || !(r->scope & op->cls) || allowed[r->kind] ||
		    first[r->kind] == NULL)
			continue;
		if ((rc = matches(p, r, op, &f, &match, &known, err)) !=
		    JTA_OK)
			return rc;
		if (match || !known)
			allowed[r->kind] = 1;
	}
	for (k = 0; k < K_NKINDS; k++) {
		if (first[k] == NULL || allowed[k])
			continue;
		r = first[k];
		subject((enum kind)k, op, who_is, sizeof(who_is));
		return jta_error_set(err, JTA_ERR_AUTH, 403, kinds[k],
		    "%s not on the allow-list for %s (rule %lld: allow %s %s "
		    "for %s)", who_is, doing(op->cls), (long long)r->id,
		    kinds[k], r->value, r->scopename);
	}
	return JTA_OK;
}

/* ---- rules from an operator's words ---- */

static int
printable(const char *s, size_t max)
{
	size_t	 n = strlen(s), i;

	if (n > max || !jta_text_utf8_valid(s, n))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* A DNS name: labels of [a-z0-9-] joined by dots. */
static int
dnsname(const char *s)
{
	size_t	 n = strlen(s), i;

	if (n == 0 || n > 253 || s[0] == '.' || s[n - 1] == '.' ||
	    s[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '-' ||
		    (s[i] == '.' && s[i + 1] != '.')))
			return 0;
	return 1;
}

enum jta_err
jta_policy_rule_make(const char *effect, const char *kind, const char *value,
    const char *scope, const char *note, struct jta_store_rule *out,
    struct jta_error *err)
{
	struct jta_url	 u;
	char		*v;
	int		 k, w;
	size_t		 n;

	memset(out, 0, sizeof(*out));
	if (strcmp(effect, "allow") != 0 && strcmp(effect, "deny") != 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "effect",
		    "a rule allows or denies");
	snprintf(out->effect, sizeof(out->effect), "%s", effect);
	if ((k = kindof(kind)) < 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "kind",
		    "KIND is one of site, project, person, group, domain, "
		    "readonly");
	snprintf(out->kind, sizeof(out->kind), "%s", kind);
	if (scope == NULL)
		scope = k == K_READONLY ? "write" : "all";
	if (jta_policy_scope_bits(scope) == 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "for",
		    "--for is one of read, create, write, all");
	snprintf(out->scope, sizeof(out->scope), "%s", scope);
	if (note == NULL)
		note = "";
	if (!printable(note, JTA_LIMIT_POLICY_NOTE))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "note",
		    "--note is at most %d bytes of printable UTF-8 on one line",
		    JTA_LIMIT_POLICY_NOTE);
	snprintf(out->note, sizeof(out->note), "%s", note);
	if (k == K_READONLY) {
		if (out->effect[0] != 'd')
			return jta_error_set(err, JTA_ERR_INPUT, 422, "effect",
			    "read-only mode is a deny rule (it denies every "
			    "write): jta-admin deny readonly");
		if (value != NULL && strcmp(value, "*") != 0)
			return jta_error_set(err, JTA_ERR_INPUT, 422, "value",
			    "readonly takes no value: it applies to everyone "
			    "(use 'deny project KEY --for write' for one "
			    "project)");
		if (strcmp(scope, "write") != 0)
			return jta_error_set(err, JTA_ERR_INPUT, 422, "for",
			    "readonly always denies writes; leave out --for");
		snprintf(out->value, sizeof(out->value), "*");
		return JTA_OK;
	}
	if (value == NULL || value[0] == '\0')
		return jta_error_set(err, JTA_ERR_INPUT, 422, "value",
		    "a %s rule needs a VALUE", kind);
	/* Jira group names may hold spaces; no other kind's value does. */
	if (!printable(value, JTA_LIMIT_POLICY_VALUE) ||
	    (k != K_GROUP && strchr(value, ' ') != NULL))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "value",
		    "VALUE is at most %d bytes of printable UTF-8%s",
		    JTA_LIMIT_POLICY_VALUE, k != K_GROUP ? " without spaces" :
		    "");
	snprintf(out->value, sizeof(out->value), "%s", value);
	v = out->value;
	n = strlen(v);
	switch ((enum kind)k) {
	case K_PROJECT:
		for (; *v != '\0'; v++)
			*v = (char)toupper((unsigned char)*v);
		if (!jta_text_is_project_key(out->value, n))
			return jta_error_set(err, JTA_ERR_INPUT, 422, "value",
			    "a project key is a letter then up to %d letters "
			    "or digits", JTA_LIMIT_PROJECT_KEY - 1);
		break;
	case K_DOMAIN:
		lower(v);
		if (v[0] == '@')
			memmove(v, v + 1, n);
		if (!dnsname(v))
			return jta_error_set(err, JTA_ERR_INPUT, 422, "value",
			    "a domain is a DNS name such as example.com");
		break;
	case K_SITE:
		lower(v);
		if (n > 0 && v[n - 1] == '/')
			v[--n] = '\0';
		/* A site URL through jta_url's site rule (https only here,
		 * no port or path: a rule names a real site, kept as
		 * https://host); a bare name is a DNS name. */
		if (strstr(v, "://") != NULL ? (jta_url_site_check(v, "value",
		    &u, NULL) != JTA_OK || strcmp(u.scheme, "https") != 0 ||
		    u.port != 0 || strcmp(u.path, "/") != 0) : !dnsname(v))
			return jta_error_set(err, JTA_ERR_INPUT, 422, "value",
			    "a site is its cloud id, "
			    "https://NAME.atlassian.net or NAME.atlassian.net");
		if (strstr(v, "://") != NULL) {
			w = snprintf(out->value, sizeof(out->value),
			    "https://%s", u.host);
			if (w < 0 || (size_t)w >= sizeof(out->value))
				return jta_error_set(err, JTA_ERR_INPUT, 422,
				    "value", "the site's name is too long");
		}
		break;
	case K_PERSON:
		/* An email compares without case; an account id or a user
		 * name as it is. */
		if (strchr(v, '@') != NULL)
			lower(v);
		break;
	case K_GROUP:
		if (n > JTA_LIMIT_POLICY_GROUP)
			return jta_error_set(err, JTA_ERR_INPUT, 422, "value",
			    "a Jira group name is at most %d bytes",
			    JTA_LIMIT_POLICY_GROUP);
		break;
	case K_READONLY:
	case K_NKINDS:
		break;
	}
	return JTA_OK;
}

enum jta_err
jta_policy_may_create(struct jta_policy *p, const struct jta_req *req,
    const struct jta_user *who, const char *project, int *allowed,
    struct jta_error *err)
{
	struct jta_policy_op op;
	struct jta_error e;
	enum jta_err	 rc;

	jta_policy_op_from_req(req, NULL, &op);
	op.cls = JTA_POLICY_CREATE;
	op.rules = 1;
	op.has_project = 1;
	snprintf(op.project, sizeof(op.project), "%s", project);
	memset(&e, 0, sizeof(e));
	*allowed = 0;
	rc = jta_policy_check(p, req, who, &op, &e);
	if (rc == JTA_OK)
		*allowed = 1;
	/* a rule's refusal is an answer; anything else an error */
	if (rc == JTA_OK || (rc == JTA_ERR_AUTH && e.status == 403 &&
	    strcmp(e.field, "group") != 0))
		return JTA_OK;
	if (err != NULL)
		*err = e;
	return rc;
}
