/*
 * Exactly-once creates for drafts and Idempotency-Key (see jta_once.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jta_limits.h"
#include "jta_log.h"
#include "jta_once.h"
#include "jta_store_drafts.h"
#include "jta_time.h"

/* Base64url characters of an id after its prefix (22: 132 bits). */
#define ID_CHARS	22

void
jta_once_id(const char *prefix, char out[JTA_LIMIT_DRAFT_ID + 1])
{
	char	 rnd[JTA_VAULT_RANDLEN + 1];

	jta_vault_random(rnd);
	snprintf(out, JTA_LIMIT_DRAFT_ID + 1, "%.2s%.*s", prefix, ID_CHARS,
	    rnd);
}

int
jta_once_draft_id_ok(const char *s)
{
	size_t	 i;

	if (strlen(s) != 2 + ID_CHARS || strncmp(s, "d_", 2) != 0)
		return 0;
	for (i = 2; s[i] != '\0'; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_'))
			return 0;
	return 1;
}

enum jta_err
jta_once_key_parse(const char *v, size_t len,
    char out[JTA_LIMIT_IDEMPOTENCY_KEY + 1], struct jta_error *err)
{
	size_t	 i, o = 0;
	int	 quoted = len >= 1 && v[0] == '"';

	if (quoted) {
		/* RFC 8941 §3.3.3: DQUOTE *(unescaped / "\" ( DQUOTE / "\" ))
		 * DQUOTE, unescaped being printable ASCII but " and \. */
		if (len < 2 || v[len - 1] != '"')
			goto bad;
		for (i = 1; i + 1 < len; i++) {
			if (v[i] == '\\') {
				if (i + 2 >= len || (v[i + 1] != '"' &&
				    v[i + 1] != '\\'))
					goto bad;
				i++;
			} else if (v[i] == '"')
				goto bad;
			if (v[i] < ' ' || v[i] > '~' ||
			    o >= JTA_LIMIT_IDEMPOTENCY_KEY)
				goto bad;
			out[o++] = v[i];
		}
	} else {
		/* Bare: printable, no blank, and no '"' or '\\' (those
		 * only inside the quoted form, escaped). */
		for (i = 0; i < len; i++) {
			if (v[i] <= ' ' || v[i] > '~' || v[i] == '"' ||
			    v[i] == '\\' ||
			    o >= JTA_LIMIT_IDEMPOTENCY_KEY)
				goto bad;
			out[o++] = v[i];
		}
	}
	if (o == 0)
		goto bad;
	out[o] = '\0';
	return JTA_OK;
bad:
	out[0] = '\0';
	return jta_error_set(err, JTA_ERR_INPUT, 422, "Idempotency-Key",
	    "Idempotency-Key must be 1 to %d printable ASCII characters, "
	    "bare or as a quoted string", JTA_LIMIT_IDEMPOTENCY_KEY);
}

static json_t *
timejs(int64_t t)
{
	char	 buf[JTA_TIME_STRLEN];

	jta_time_format(t, buf);
	return json_string(buf);
}

/* d as the API shows it (jta_once.h); a new object or NULL (memory). */
static json_t *
draftjson(const struct jta_draft *d)
{
	json_t		*o, *preview, *issue;

	/* The backend's own ids are for create, not for the person. */
	if ((preview = jta_backend_preview(d->preview)) == NULL)
		return NULL;
	o = json_pack("{s:s, s:I, s:s, s:o, s:o, s:o, s:o}", "id", d->id,
	    "revision", (json_int_t)d->revision, "status", d->status,
	    "preview", preview, "created", timejs(d->created), "updated",
	    timejs(d->updated), "expires", timejs(d->expires));
	if (o == NULL)
		return NULL;
	issue = json_object_get(d->result, "issue");
	if (issue != NULL && json_object_set_new(o, "issue", json_pack(
	    "{s:O?, s:O?}", "key", json_object_get(issue, "key"), "url",
	    json_object_get(issue, "url"))) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Who's draft id as the API shows it, into *out. */
static enum jta_err
show(struct jta_store *st, const struct jta_user *who, const char *id,
    int64_t now, json_t **out, struct jta_error *err)
{
	struct jta_draft d;
	enum jta_err	 rc;

	*out = NULL;
	if ((rc = jta_store_draft_get(st, who->id, id, now, &d, err)) !=
	    JTA_OK)
		return rc;
	if ((*out = draftjson(&d)) == NULL)
		rc = JTA_ERR_NOMEM;
	jta_store_draft_clear(&d);
	return rc;
}

enum jta_err
jta_once_draft_create(struct jta_backend *be, const struct jta_user *who,
    const json_t *input, int64_t now, char id[JTA_LIMIT_DRAFT_ID + 1],
    json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*prep = NULL;

	*out = NULL;
	id[0] = '\0';
	if ((rc = be->ops->prepare(be, who, input, &prep, err)) != JTA_OK)
		goto out;
	jta_once_id("d_", id);
	if ((rc = jta_store_draft_put(be->store, who->id, id, input, prep,
	    now, err)) != JTA_OK)
		goto out;
	rc = show(be->store, who, id, now, out, err);
out:
	json_decref(prep);
	return rc;
}

enum jta_err
jta_once_draft_show(struct jta_backend *be, const struct jta_user *who,
    const char *id, int64_t now, json_t **out, struct jta_error *err)
{
	return show(be->store, who, id, now, out, err);
}

enum jta_err
jta_once_draft_project(struct jta_backend *be, const struct jta_user *who,
    const char *id, int64_t now, char *project, size_t projectsz,
    struct jta_error *err)
{
	struct jta_draft d;
	enum jta_err	 rc;
	const char	*p;

	project[0] = '\0';
	if ((rc = jta_store_draft_get(be->store, who->id, id, now, &d,
	    err)) != JTA_OK)
		return rc;
	p = json_string_value(json_object_get(d.preview, "project"));
	snprintf(project, projectsz, "%s", p != NULL ? p : "");
	jta_store_draft_clear(&d);
	return JTA_OK;
}

/*
 * The draft's private note of the person's own uploads (never shown:
 * "_" members of a preview are the server's): the earliest revision from
 * which every change was a file the person uploaded themselves (POST
 * /api/drafts/{id}/files).  Absent means the draft's own revision.
 */
#define UPLOADS_SINCE	"_person_files_since"

/* Where d's run of the person's own uploads began (see UPLOADS_SINCE). */
static int64_t
uploads_since(const struct jta_draft *d)
{
	const json_t	*v = json_object_get(d->preview, UPLOADS_SINCE);

	if (json_is_integer(v) && json_integer_value(v) >= 1 &&
	    json_integer_value(v) <= d->revision)
		return json_integer_value(v);
	return d->revision;
}

/* jta_once_draft_edit, or with upload (changes empty) the person's own
 * upload: the note of where the run of uploads began is carried on. */
static enum jta_err
edit(struct jta_backend *be, const struct jta_user *who, const char *id,
    const json_t *changes, int upload, int64_t now, json_t **out,
    struct jta_error *err)
{
	struct jta_draft d;
	enum jta_err	 rc;
	json_t		*prep = NULL, *v;
	const char	*k;

	*out = NULL;
	memset(&d, 0, sizeof(d));
	if ((rc = jta_store_draft_get(be->store, who->id, id, now, &d,
	    err)) != JTA_OK)
		goto out;
	/* Checked before preparing, which may call upstream; the store
	 * checks status and revision again in its write transaction. */
	if (strcmp(d.status, "ready") != 0) {
		rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, "id",
		    "this draft is %s and can no longer change", d.status);
		goto out;
	}
	/* The whole request again, prepared as one. */
	json_object_foreach((json_t *)(uintptr_t)changes, k, v)
		if (json_object_set(d.input, k, v) != 0) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
	if ((rc = be->ops->prepare(be, who, d.input, &prep, err)) != JTA_OK)
		goto out;
	/* Any other change starts again at the new revision: the note is
	 * simply not carried over. */
	if (upload && json_is_object(prep) && json_object_set_new(prep,
	    UPLOADS_SINCE, json_integer(uploads_since(&d))) != 0) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if ((rc = jta_store_draft_edit(be->store, who->id, id, d.revision,
	    d.input, prep, now, err)) != JTA_OK)
		goto out;
	rc = show(be->store, who, id, now, out, err);
out:
	jta_store_draft_clear(&d);
	json_decref(prep);
	return rc;
}

enum jta_err
jta_once_draft_edit(struct jta_backend *be, const struct jta_user *who,
    const char *id, const json_t *changes, int64_t now, json_t **out,
    struct jta_error *err)
{
	return edit(be, who, id, changes, 0, now, out, err);
}

enum jta_err
jta_once_draft_uploaded(struct jta_backend *be, const struct jta_user *who,
    const char *id, int64_t now, json_t **out, struct jta_error *err)
{
	json_t		*none;
	enum jta_err	 rc;

	*out = NULL;
	if ((none = json_object()) == NULL)
		return JTA_ERR_NOMEM;
	rc = edit(be, who, id, none, 1, now, out, err);
	json_decref(none);
	return rc;
}

enum jta_err
jta_once_draft_confirmable(struct jta_backend *be,
    const struct jta_user *who, const char *id, int64_t asked,
    int64_t shown, int64_t now, struct jta_error *err)
{
	struct jta_draft d;
	enum jta_err	 rc;

	memset(&d, 0, sizeof(d));
	if ((rc = jta_store_draft_get(be->store, who->id, id, now, &d,
	    err)) != JTA_OK)
		goto out;
	if (shown != d.revision) {
		rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, "revision",
		    "the draft is at revision %" PRId64 ", not the one you "
		    "were shown; look at it again", d.revision);
		goto out;
	}
	if (strcmp(d.status, "ready") != 0) {
		rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, "id",
		    "this draft is %s already", d.status);
		goto out;
	}
	/* Only the person's own files since the revision the assistant
	 * asked to submit: anything else (the assistant's updateDraft, an
	 * edit of the request) was never confirmed by anyone. */
	if (asked > shown || asked < uploads_since(&d)) {
		rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, "revision",
		    "the draft changed since the assistant asked to file it "
		    "(now revision %" PRId64 ", not only your own files); "
		    "look at it again and ask again", d.revision);
		goto out;
	}
	rc = JTA_OK;
out:
	jta_store_draft_clear(&d);
	return rc;
}

enum jta_err
jta_once_draft_discard(struct jta_backend *be, const struct jta_user *who,
    const char *id, int64_t now, struct jta_error *err)
{
	struct jta_draft d;
	enum jta_err	 rc;
	const char	*key;

	memset(&d, 0, sizeof(d));
	if ((rc = jta_store_draft_get(be->store, who->id, id, now, &d,
	    err)) != JTA_OK)
		goto out;
	/* Read first for the answer's words; the store decides again, in
	 * the transaction that deletes. */
	if (strcmp(d.status, "submitted") == 0) {
		key = json_string_value(json_object_get(json_object_get(
		    d.result, "issue"), "key"));
		rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, "id",
		    "this draft was submitted as %s and can no longer be "
		    "discarded; change or close that issue instead",
		    key != NULL ? key : "an issue");
		goto out;
	}
	if (strcmp(d.status, "ready") == 0 && (rc =
	    jta_store_draft_discard(be->store, who->id, id, now, err)) !=
	    JTA_ERR_CONFLICT)
		goto out;
	/* Submitting, or a submit claimed it between our read and the
	 * store's write transaction. */
	rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, "id",
	    "this draft is being submitted and can no longer be discarded; "
	    "read it again to see the issue it became");
out:
	jta_store_draft_clear(&d);
	return rc;
}

int64_t
jta_once_lease(const struct jta_backend *be)
{
	const struct jta_conf *c = be->conf;

	/* The embedded store: one transaction, bounded by busy_timeout. */
	if (be->ops->once_window == 0)
		return (int64_t)c->busy_timeout_ms * 4 / 1000 + 5;
	/* Jira: find_once (a search and a property read per candidate),
	 * the create and its read-back, each within the call timeout, and
	 * the retry budget of the repeatable ones. */
	return ((int64_t)c->upstream_timeout_ms * (20 + 4) +
	    c->upstream_retry_budget_ms) / 1000 + 5;
}

/* This process's name as a lease owner: host, pid, random. */
static const char *
owner(void)
{
	static char	 name[JTA_LIMIT_LEASE_OWNER + 1];
	static long	 pid;
	char		 host[64], rnd[JTA_VAULT_RANDLEN + 1];

	if (name[0] == '\0' || pid != (long)getpid()) {
		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "host");
		host[sizeof(host) - 1] = '\0';
		pid = (long)getpid();
		jta_vault_random(rnd);
		snprintf(name, sizeof(name), "%.63s:%ld:%.8s", host, pid, rnd);
	}
	return name;
}

/* One submit under a lease. */
struct job {
	struct jta_backend	*be;
	const struct jta_user	*who;
	enum jta_once_kind	 kind;
	const char		*id;
	int64_t			 now;
};

/* The answer of a finished submit: the draft's {"draft", "issue"}, or
 * the issue itself for an Idempotency-Key. */
static json_t *
answer(const struct job *j, json_t *issue)
{
	if (j->kind == JTA_ONCE_IDEM)
		return json_incref(issue);
	return json_pack("{s:s, s:O}", "draft", j->id, "issue", issue);
}

/* Give up the lease; a failure to do so is logged (the lease runs out). */
static void
release(const struct job *j, int unknown)
{
	struct jta_error e;

	if (jta_store_once_release(j->be->store, j->kind, j->who->id, j->id,
	    owner(), unknown, &e) != JTA_OK)
		jta_log(JTA_LOG_WARN, "submit lease not released: %s",
		    e.detail);
}

/* issue exists: record it and answer 201. */
static enum jta_err
finish(const struct job *j, json_t *issue, int *status, json_t **out,
    struct jta_error *err)
{
	struct jta_error e;

	if ((*out = answer(j, issue)) == NULL) {
		/* Keep the lease's row unknown: find_once sees it later. */
		release(j, 1);
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	}
	*status = 201;
	/* Lost lease: a worker that took it over finds this issue by its
	 * token and records it; the answer here is true all the same. */
	if (jta_store_once_done(j->be->store, j->kind, j->who->id, j->id,
	    owner(), 201, *out, j->now, &e) != JTA_OK)
		jta_log(JTA_LOG_WARN, "submit answered but not recorded: %s",
		    e.detail);
	return JTA_OK;
}

/* The answer was lost and the issue is not found (yet): 503. */
static enum jta_err
unknown(const struct job *j, long wait, struct jta_error *err)
{
	release(j, 1);
	if (wait < 1)
		wait = 1;
	jta_error_set(err, JTA_ERR_BUSY, 503, NULL, "Jira did not confirm "
	    "the create and the issue is not found yet; nothing will be "
	    "created twice: send the same request again in %ld seconds",
	    wait);
	err->retry_after = wait;
	return JTA_ERR_BUSY;
}

/*
 * Run the claimed submit c of prepared: NEW creates; RESUME first looks
 * for what the earlier attempt made.
 */
static enum jta_err
submit(const struct job *j, const struct jta_claim *c,
    const json_t *prepared, int *status, json_t **out,
    struct jta_error *err)
{
	struct jta_backend *be = j->be;
	json_t		*issue = NULL;
	enum jta_err	 rc;
	int64_t		 age;

	if (c->res == JTA_CLAIM_RESUME) {
		rc = be->ops->find_once(be, j->who, prepared, c->token,
		    c->since, &issue, err);
		if (rc == JTA_OK)
			goto found;
		if (rc != JTA_ERR_NOTFOUND) {
			release(j, 1);
			goto out;
		}
		age = j->now - c->attempt_at;
		if (age < be->ops->once_window) {
			rc = unknown(j, (long)(be->ops->once_window - age),
			    err);
			goto out;
		}
		jta_info("submit %s: earlier attempt unknown for %lld s and "
		    "not found; sending the create again with its token",
		    j->kind == JTA_ONCE_DRAFT ? "draft" : "key",
		    (long long)age);
		if ((rc = jta_store_once_attempt(be->store, j->kind,
		    j->who->id, j->id, owner(), j->now, err)) != JTA_OK) {
			if (rc == JTA_ERR_CONFLICT)
				err->retry_after = JTA_ONCE_BUSY_RETRY;
			goto out;
		}
	}
	rc = be->ops->create(be, j->who, prepared, c->token, &issue, err);
	if (rc == JTA_OK)
		goto found;
	if (rc != JTA_ERR_UPSTREAM) {
		/* Refused: nothing was created by this attempt.  After an
		 * unknown one the row stays unknown (it may have). */
		release(j, c->res == JTA_CLAIM_RESUME);
		goto out;
	}
	/* The answer was lost: did Jira create it? */
	jta_log(JTA_LOG_WARN, "create answer lost (%s); looking for the "
	    "issue by its token", err->detail);
	rc = be->ops->find_once(be, j->who, prepared, c->token, c->since,
	    &issue, err);
	if (rc == JTA_OK)
		goto found;
	if (rc != JTA_ERR_NOTFOUND && rc != JTA_ERR_UPSTREAM &&
	    rc != JTA_ERR_BUSY) {
		release(j, 1);
		goto out;
	}
	rc = unknown(j, be->ops->once_window > 0 ? be->ops->once_window :
	    JTA_ONCE_BUSY_RETRY, err);
	goto out;
found:
	rc = finish(j, issue, status, out, err);
out:
	json_decref(issue);
	return rc;
}

/* The answer for a claim that is not ours to run (DONE, BUSY). */
static enum jta_err
settled(struct jta_claim *c, const char *field, int done_status,
    int *status, json_t **out, struct jta_error *err)
{
	if (c->res == JTA_CLAIM_DONE) {
		*status = done_status != 0 ? done_status : c->status;
		*out = c->result;
		c->result = NULL;
		return JTA_OK;
	}
	jta_error_set(err, JTA_ERR_CONFLICT, 409, field, "another request "
	    "is submitting this right now; try again in %d seconds",
	    JTA_ONCE_BUSY_RETRY);
	err->retry_after = JTA_ONCE_BUSY_RETRY;
	return JTA_ERR_CONFLICT;
}

enum jta_err
jta_once_draft_submit(struct jta_backend *be, const struct jta_user *who,
    const char *id, int64_t revision, int64_t now, int *status,
    json_t **out, struct jta_error *err)
{
	struct jta_claim c;
	struct job	 j = { be, who, JTA_ONCE_DRAFT, id, now };
	char		 token[JTA_LIMIT_DRAFT_ID + 1];
	enum jta_err	 rc;

	*out = NULL;
	*status = 0;
	memset(&c, 0, sizeof(c));
	jta_once_id("o_", token);
	if ((rc = jta_store_draft_claim(be->store, who->id, id, revision,
	    owner(), token, now, jta_once_lease(be), &c, err)) != JTA_OK)
		return rc;
	if (c.res == JTA_CLAIM_DONE || c.res == JTA_CLAIM_BUSY)
		/* "200 the same body for any later submit" */
		rc = settled(&c, "id", 200, status, out, err);
	else
		rc = submit(&j, &c, c.prepared, status, out, err);
	jta_store_claim_clear(&c);
	return rc;
}

/* The request's fingerprint under v: method, path and body, each
 * length-prefixed so no two requests share one. */
static enum jta_err
reqhash(struct jta_vault *v, const char *method, const char *path,
    const char *body, size_t bodylen, unsigned char hash[JTA_VAULT_HASHBYTES],
    struct jta_error *err)
{
	char	*buf;
	size_t	 n;
	int	 k;

	if (bodylen > JTA_LIMIT_BODY)
		return jta_error_set(err, JTA_ERR_INPUT, 413, "body",
		    "the body is too large");
	n = strlen(method) + strlen(path) + bodylen + 64;
	if ((buf = malloc(n)) == NULL)
		return JTA_ERR_NOMEM;
	k = snprintf(buf, n, "%zu:%s%zu:%s%zu:", strlen(method), method,
	    strlen(path), path, bodylen);
	if (k < 0 || (size_t)k + bodylen >= n) {
		free(buf);
		return JTA_ERR_INTERNAL;
	}
	if (bodylen > 0)
		memcpy(buf + k, body, bodylen);
	jta_vault_hash(v, buf, (size_t)k + bodylen, hash);
	free(buf);
	return JTA_OK;
}

enum jta_err
jta_once_idem_do(struct jta_backend *be, struct jta_vault *v,
    const struct jta_user *who, const char *key, const char *method,
    const char *path, const char *body, size_t bodylen, int64_t now,
    jta_once_fn fn, void *arg, int *status, json_t **out,
    struct jta_error *err)
{
	struct jta_claim c;
	struct jta_error e;
	struct job	 j = { be, who, JTA_ONCE_IDEM, key, now };
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	char		 token[JTA_LIMIT_DRAFT_ID + 1];
	enum jta_err	 rc;

	*out = NULL;
	*status = 0;
	memset(&c, 0, sizeof(c));
	if ((rc = reqhash(v, method, path, body, bodylen, hash, err)) !=
	    JTA_OK)
		return rc;
	jta_once_id("o_", token);
	if ((rc = jta_store_idem_claim(be->store, who->id, key, hash,
	    owner(), token, now, jta_once_lease(be), &c, err)) != JTA_OK)
		return rc;
	if (c.res == JTA_CLAIM_DONE || c.res == JTA_CLAIM_BUSY) {
		rc = settled(&c, "Idempotency-Key", 0, status, out, err);
		goto out;
	}
	/* NEW or RESUME (an earlier run stopped part way): run; fn itself
	 * never does twice what an earlier run did (its contract). */
	if ((rc = fn(arg, status, out, err)) != JTA_OK) {
		release(&j, 0);
		goto out;
	}
	if (jta_store_once_done(be->store, JTA_ONCE_IDEM, who->id, key,
	    owner(), *status, *out, now, &e) != JTA_OK)
		jta_log(JTA_LOG_WARN, "idempotent request answered but not "
		    "recorded: %s", e.detail);
out:
	jta_store_claim_clear(&c);
	return rc;
}

enum jta_err
jta_once_issue_create(struct jta_backend *be, struct jta_vault *v,
    const struct jta_user *who, const char *key, const char *method,
    const char *path, const char *body, size_t bodylen,
    const json_t *input, int64_t now, int *status, json_t **out,
    struct jta_error *err)
{
	struct jta_claim c;
	struct job	 j = { be, who, JTA_ONCE_IDEM, key, now };
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	char		 token[JTA_LIMIT_DRAFT_ID + 1];
	json_t		*prepared = NULL;
	enum jta_err	 rc;

	*out = NULL;
	*status = 0;
	memset(&c, 0, sizeof(c));
	if ((rc = reqhash(v, method, path, body, bodylen, hash, err)) !=
	    JTA_OK)
		return rc;
	jta_once_id("o_", token);
	if ((rc = jta_store_idem_claim(be->store, who->id, key, hash,
	    owner(), token, now, jta_once_lease(be), &c, err)) != JTA_OK)
		return rc;
	if (c.res == JTA_CLAIM_DONE || c.res == JTA_CLAIM_BUSY) {
		rc = settled(&c, "Idempotency-Key", 0, status, out, err);
		goto out;
	}
	/* Resolve first: a request that does not resolve creates nothing
	 * and is forgotten (unless an earlier attempt is unknown). */
	if ((rc = be->ops->prepare(be, who, input, &prepared, err)) !=
	    JTA_OK) {
		release(&j, c.res == JTA_CLAIM_RESUME);
		goto out;
	}
	rc = submit(&j, &c, prepared, status, out, err);
out:
	json_decref(prepared);
	jta_store_claim_clear(&c);
	return rc;
}
