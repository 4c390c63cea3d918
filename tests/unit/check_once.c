/*
 * Unit tests for jta_once: the submit of a draft against a fake backend
 * that can lose its create's answer and hide what it made from its
 * search, on a real store in a temporary directory.  Time is passed in,
 * so the window before a create is sent again is tested without waiting.
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>
#include <sodium.h>

#include "jta_backend.h"
#include "jta_log.h"
#include "jta_once.h"
#include "check_main.h"
#include "jta_store_drafts.h"
#include "jta_store_people.h"

#define NOW	1800000000
#define WINDOW	120

static char	 tmproot[] = "/tmp/jta-once-XXXXXX";

/* The fake backend's world. */
static struct {
	int	 creates;		/* create calls */
	int	 made;			/* issues made */
	char	 tokens[8][JTA_LIMIT_ONCE_TOKEN + 1];	/* per issue */
	int	 lose;			/* next creates: make, lose answer */
	int	 lose_before;		/* next creates: lose, make nothing */
	int	 refuse;		/* next creates: 422 */
	int	 hidden;		/* find_once sees nothing */
} w;

static json_t *
issue(int n)
{
	char	 key[32];

	snprintf(key, sizeof(key), "DEMO-%d", n + 1);
	return json_pack("{s:s, s:s}", "key", key, "url", "http://x/");
}

static enum jta_err
fcreate(struct jta_backend *be, const struct jta_user *who,
    const json_t *prepared, const char *once, json_t **out,
    struct jta_error *err)
{
	(void)be;
	(void)who;
	(void)prepared;
	*out = NULL;
	w.creates++;
	if (w.refuse > 0) {
		w.refuse--;
		return jta_error_set(err, JTA_ERR_INPUT, 422, "priority",
		    "refused");
	}
	if (w.lose_before > 0) {
		w.lose_before--;
		return jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL, "lost");
	}
	snprintf(w.tokens[w.made], sizeof(w.tokens[0]), "%s", once);
	w.made++;
	if (w.lose > 0) {
		w.lose--;
		return jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL, "lost");
	}
	*out = issue(w.made - 1);
	return JTA_OK;
}

static enum jta_err
ffind(struct jta_backend *be, const struct jta_user *who,
    const json_t *prepared, const char *once, int64_t since, json_t **out,
    struct jta_error *err)
{
	int	 i;

	(void)be;
	(void)who;
	(void)prepared;
	(void)since;
	*out = NULL;
	for (i = 0; !w.hidden && i < w.made; i++)
		if (strcmp(w.tokens[i], once) == 0) {
			*out = issue(i);
			return JTA_OK;
		}
	return jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL, "not yet");
}

static enum jta_err
fprepare(struct jta_backend *be, const struct jta_user *who,
    const json_t *input, json_t **prepared, struct jta_error *err)
{
	(void)be;
	(void)who;
	(void)err;
	*prepared = json_deep_copy(input);
	return JTA_OK;
}

static const struct jta_backend_ops fake = {
	.name = "fake",
	.create = fcreate,
	.prepare = fprepare,
	.find_once = ffind,
	.once_window = WINDOW,
};

struct env {
	struct jta_conf	 conf;
	struct jta_backend be;
	struct jta_user	 alice;
};

static void
setup(struct env *e)
{
	char		 dir[256], path[300], msg[512];
	struct jta_error err;
	json_t		*in;

	memset(e, 0, sizeof(*e));
	memset(&w, 0, sizeof(w));
	snprintf(dir, sizeof(dir), "%s/tXXXXXX", tmproot);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/jta.db", dir);
	e->conf.busy_timeout_ms = 5000;
	e->conf.upstream_timeout_ms = 1000;
	e->conf.upstream_retry_budget_ms = 1000;
	e->be.ops = &fake;
	e->be.conf = &e->conf;
	ck_assert_int_eq(jta_store_open(path, 5000, JTA_STORE_CREATE |
	    JTA_STORE_MIGRATE, &e->be.store, msg, sizeof(msg)), JTA_OK);
	ck_assert_int_eq(jta_store_user_add(e->be.store, "alice", "Alice",
	    "", &e->alice.id, &err), JTA_OK);
	in = json_pack("{s:s, s:s}", "project", "DEMO", "summary", "s");
	ck_assert_int_eq(jta_store_draft_put(e->be.store, e->alice.id,
	    "d_aaaaaaaaaaaaaaaaaaaaaa", in, in, NOW, &err), JTA_OK);
	json_decref(in);
}

static void
teardown(struct env *e)
{
	jta_store_close(e->be.store);
}

/* Submit the draft at time t: the status, or the error's status. */
static int
sub(struct env *e, int64_t t, long *retry, char *key, size_t keysz)
{
	struct jta_error err;
	json_t		*out = NULL;
	int		 status = 0;

	memset(&err, 0, sizeof(err));
	if (jta_once_draft_submit(&e->be, &e->alice,
	    "d_aaaaaaaaaaaaaaaaaaaaaa", 1, t, &status, &out, &err) != JTA_OK)
		status = err.status;
	if (retry != NULL)
		*retry = err.retry_after;
	if (key != NULL)
		snprintf(key, keysz, "%s", out == NULL ? "" :
		    json_string_value(json_object_get(json_object_get(out,
		    "issue"), "key")));
	json_decref(out);
	return status;
}

START_TEST(submit_creates_once_then_repeats)
{
	struct env	 e;
	char		 k1[16], k2[16];

	setup(&e);
	ck_assert_int_eq(sub(&e, NOW, NULL, k1, sizeof(k1)), 201);
	ck_assert_int_eq(sub(&e, NOW + 1, NULL, k2, sizeof(k2)), 200);
	ck_assert_str_eq(k1, "DEMO-1");
	ck_assert_str_eq(k2, "DEMO-1");
	ck_assert_int_eq(w.creates, 1);
	teardown(&e);
}
END_TEST

START_TEST(lost_answer_found_at_once)
{
	struct env	 e;
	char		 k[16];

	setup(&e);
	w.lose = 1;
	ck_assert_int_eq(sub(&e, NOW, NULL, k, sizeof(k)), 201);
	ck_assert_str_eq(k, "DEMO-1");
	ck_assert_int_eq(w.creates, 1);
	ck_assert_int_eq(sub(&e, NOW + 1, NULL, k, sizeof(k)), 200);
	ck_assert_int_eq(w.made, 1);
	teardown(&e);
}
END_TEST

START_TEST(lost_answer_found_by_a_later_submit)
{
	struct env	 e;
	long		 ra;
	char		 k[16];

	setup(&e);
	w.lose = 1;
	w.hidden = 1;		/* the search index lags */
	ck_assert_int_eq(sub(&e, NOW, &ra, NULL, 0), 503);
	ck_assert_int_eq(ra, WINDOW);
	/* Still not searchable, inside the window: wait, never create. */
	ck_assert_int_eq(sub(&e, NOW + 30, &ra, NULL, 0), 503);
	ck_assert_int_eq(ra, WINDOW - 30);
	ck_assert_int_eq(w.creates, 1);
	w.hidden = 0;
	ck_assert_int_eq(sub(&e, NOW + 40, NULL, k, sizeof(k)), 201);
	ck_assert_str_eq(k, "DEMO-1");
	ck_assert_int_eq(w.creates, 1);
	ck_assert_int_eq(w.made, 1);
	teardown(&e);
}
END_TEST

START_TEST(unknown_attempt_sent_again_after_the_window_same_token)
{
	struct env	 e;
	long		 ra;
	char		 k[16], first[JTA_LIMIT_ONCE_TOKEN + 1];

	setup(&e);
	w.lose_before = 1;	/* lost before Jira made anything */
	ck_assert_int_eq(sub(&e, NOW, &ra, NULL, 0), 503);
	ck_assert_int_eq(w.creates, 1);
	ck_assert_int_eq(sub(&e, NOW + WINDOW - 1, &ra, NULL, 0), 503);
	ck_assert_int_eq(ra, 1);
	ck_assert_int_eq(w.creates, 1);
	/* The window has passed and nothing carries the token: send the
	 * create again, with the same token. */
	w.lose = 1;
	w.hidden = 1;
	ck_assert_int_eq(sub(&e, NOW + WINDOW, &ra, NULL, 0), 503);
	ck_assert_int_eq(w.creates, 2);
	snprintf(first, sizeof(first), "%s", w.tokens[0]);
	/* The window restarts from the new attempt. */
	ck_assert_int_eq(sub(&e, NOW + WINDOW + 10, &ra, NULL, 0), 503);
	ck_assert_int_eq(ra, WINDOW - 10);
	ck_assert_int_eq(w.creates, 2);
	w.hidden = 0;
	ck_assert_int_eq(sub(&e, NOW + WINDOW + 11, NULL, k, sizeof(k)), 201);
	ck_assert_int_eq(w.made, 1);
	ck_assert_str_eq(w.tokens[0], first);
	ck_assert(strncmp(first, "o_", 2) == 0 && strlen(first) == 24);
	teardown(&e);
}
END_TEST

START_TEST(refused_create_leaves_the_draft_ready)
{
	struct env	 e;
	struct jta_draft d;
	struct jta_error err;

	setup(&e);
	w.refuse = 1;
	ck_assert_int_eq(sub(&e, NOW, NULL, NULL, 0), 422);
	ck_assert_int_eq(jta_store_draft_get(e.be.store, e.alice.id,
	    "d_aaaaaaaaaaaaaaaaaaaaaa", NOW, &d, &err), JTA_OK);
	ck_assert_str_eq(d.status, "ready");
	jta_store_draft_clear(&d);
	ck_assert_int_eq(sub(&e, NOW + 1, NULL, NULL, 0), 201);
	ck_assert_int_eq(w.made, 1);
	/* After an unknown attempt, a refusal keeps it unknown. */
	teardown(&e);
	setup(&e);
	w.lose_before = 1;
	ck_assert_int_eq(sub(&e, NOW, NULL, NULL, 0), 503);
	w.refuse = 1;
	ck_assert_int_eq(sub(&e, NOW + WINDOW, NULL, NULL, 0), 422);
	ck_assert_int_eq(jta_store_draft_get(e.be.store, e.alice.id,
	    "d_aaaaaaaaaaaaaaaaaaaaaa", NOW, &d, &err), JTA_OK);
	ck_assert_str_eq(d.status, "submitting");
	jta_store_draft_clear(&d);
	teardown(&e);
}
END_TEST

/* Discard the draft at time t as u: the error's status, or 204. */
static int
discard(struct env *e, const struct jta_user *u, const char *id, int64_t t,
    struct jta_error *err)
{
	memset(err, 0, sizeof(*err));
	if (jta_once_draft_discard(&e->be, u, id, t, err) != JTA_OK)
		return err->status;
	return 204;
}

START_TEST(discard_ready_draft_then_it_is_gone)
{
	struct env	 e;
	struct jta_draft d;
	struct jta_error err;
	json_t		*out = NULL;

	setup(&e);
	ck_assert_int_eq(discard(&e, &e.alice, "d_aaaaaaaaaaaaaaaaaaaaaa",
	    NOW + 1, &err), 204);
	ck_assert_int_eq(jta_store_draft_get(e.be.store, e.alice.id,
	    "d_aaaaaaaaaaaaaaaaaaaaaa", NOW + 1, &d, &err), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_once_draft_show(&e.be, &e.alice,
	    "d_aaaaaaaaaaaaaaaaaaaaaa", NOW + 1, &out, &err),
	    JTA_ERR_NOTFOUND);
	ck_assert_ptr_null(out);
	/* A second discard, or a submit, finds nothing. */
	ck_assert_int_eq(discard(&e, &e.alice, "d_aaaaaaaaaaaaaaaaaaaaaa",
	    NOW + 2, &err), 404);
	ck_assert_str_eq(err.field, "id");
	ck_assert_int_eq(sub(&e, NOW + 2, NULL, NULL, 0), 404);
	ck_assert_int_eq(w.creates, 0);
	teardown(&e);
}
END_TEST

START_TEST(discard_of_another_persons_draft_is_404)
{
	struct env	 e;
	struct jta_user	 bob;
	struct jta_draft d;
	struct jta_error err;

	setup(&e);
	memset(&bob, 0, sizeof(bob));
	ck_assert_int_eq(jta_store_user_add(e.be.store, "bob", "Bob", "",
	    &bob.id, &err), JTA_OK);
	ck_assert_int_eq(discard(&e, &bob, "d_aaaaaaaaaaaaaaaaaaaaaa",
	    NOW + 1, &err), 404);
	ck_assert_str_eq(err.field, "id");
	/* Unknown and expired ids answer the same. */
	ck_assert_int_eq(discard(&e, &e.alice, "d_bbbbbbbbbbbbbbbbbbbbbb",
	    NOW + 1, &err), 404);
	ck_assert_int_eq(discard(&e, &e.alice, "d_aaaaaaaaaaaaaaaaaaaaaa",
	    NOW + JTA_STORE_DRAFT_TTL, &err), 404);
	/* Alice's draft is untouched. */
	ck_assert_int_eq(jta_store_draft_get(e.be.store, e.alice.id,
	    "d_aaaaaaaaaaaaaaaaaaaaaa", NOW + 1, &d, &err), JTA_OK);
	ck_assert_str_eq(d.status, "ready");
	jta_store_draft_clear(&d);
	teardown(&e);
}
END_TEST

START_TEST(discard_refused_once_submitting_or_submitted)
{
	struct env	 e;
	struct jta_draft d;
	struct jta_error err;

	setup(&e);
	/* The create's answer is lost: the draft stays submitting. */
	w.lose_before = 1;
	ck_assert_int_eq(sub(&e, NOW, NULL, NULL, 0), 503);
	ck_assert_int_eq(discard(&e, &e.alice, "d_aaaaaaaaaaaaaaaaaaaaaa",
	    NOW + 1, &err), 409);
	ck_assert_str_eq(err.field, "id");
	ck_assert_ptr_nonnull(strstr(err.detail, "being submitted"));
	ck_assert_int_eq(jta_store_draft_get(e.be.store, e.alice.id,
	    "d_aaaaaaaaaaaaaaaaaaaaaa", NOW + 1, &d, &err), JTA_OK);
	ck_assert_str_eq(d.status, "submitting");
	jta_store_draft_clear(&d);
	/* Submitted: the detail names the issue it became. */
	ck_assert_int_eq(sub(&e, NOW + WINDOW + 1, NULL, NULL, 0), 201);
	ck_assert_int_eq(discard(&e, &e.alice, "d_aaaaaaaaaaaaaaaaaaaaaa",
	    NOW + WINDOW + 2, &err), 409);
	ck_assert_str_eq(err.field, "id");
	ck_assert_ptr_nonnull(strstr(err.detail, "submitted as DEMO-1"));
	ck_assert_int_eq(sub(&e, NOW + WINDOW + 3, NULL, NULL, 0), 200);
	ck_assert_int_eq(w.made, 1);
	teardown(&e);
}
END_TEST

/* jta_once_idem_do's run: counts itself and answers its count. */
static int idem_runs;

static enum jta_err
idem_fn(void *arg, int *status, json_t **out, struct jta_error *err)
{
	(void)arg;
	(void)err;
	idem_runs++;
	*status = 200;
	*out = json_pack("{s:i}", "run", idem_runs);
	return *out != NULL ? JTA_OK : JTA_ERR_NOMEM;
}

/* One idempotent request with key and body: the status (the error's
 * when it fails) and the run its answer names (0: none). */
static int
idem(struct env *e, struct jta_vault *v, const char *key, const char *body,
    int *run)
{
	struct jta_error err;
	json_t		*out = NULL;
	int		 status = 0;

	memset(&err, 0, sizeof(err));
	if (jta_once_idem_do(&e->be, v, &e->alice, key, "POST",
	    "/api/issues/DEMO-1/attachments", body, strlen(body), NOW,
	    idem_fn, NULL, &status, &out, &err) != JTA_OK)
		status = err.status;
	*run = (int)json_integer_value(json_object_get(out, "run"));
	json_decref(out);
	return status;
}

START_TEST(idempotent_write_runs_once_per_key_and_request)
{
	struct env	 e;
	struct jta_vault *v = NULL;
	char		 path[512], msg[512];
	int		 run;

	setup(&e);
	idem_runs = 0;
	snprintf(path, sizeof(path), "%s/vault-idem.key", tmproot);
	(void)remove(path);
	ck_assert_int_eq(jta_vault_create_key(path, msg, sizeof(msg)),
	    JTA_OK);
	ck_assert_int_eq(jta_vault_open(path, &v, msg, sizeof(msg)), JTA_OK);
	ck_assert_int_eq(idem(&e, v, "k1", "{\"a\":1}", &run), 200);
	ck_assert_int_eq(run, 1);
	/* The repeat answers the first answer without running. */
	ck_assert_int_eq(idem(&e, v, "k1", "{\"a\":1}", &run), 200);
	ck_assert_int_eq(run, 1);
	ck_assert_int_eq(idem_runs, 1);
	/* The same key with another body: 422, nothing run. */
	ck_assert_int_eq(idem(&e, v, "k1", "{\"a\":2}", &run), 422);
	ck_assert_int_eq(idem_runs, 1);
	/* Another key runs. */
	ck_assert_int_eq(idem(&e, v, "k2", "{\"a\":1}", &run), 200);
	ck_assert_int_eq(run, 2);
	jta_vault_close(v);
	teardown(&e);
}
END_TEST

START_TEST(key_parse)
{
	char		 k[JTA_LIMIT_IDEMPOTENCY_KEY + 1], big[300];
	struct jta_error err;
	static const char *const bad[] = { "", "\"\"", "a b", "\"a",
	    "a\tb", "\"a\"b\"", "\"a\\x\"", "caf\xc3\xa9", "\x7f", "a\"b",
	    "a\\b", NULL };
	size_t		 i;

	ck_assert_int_eq(jta_once_key_parse("abc-1", 5, k, &err), JTA_OK);
	ck_assert_str_eq(k, "abc-1");
	ck_assert_int_eq(jta_once_key_parse("\"a b\"", 5, k, &err), JTA_OK);
	ck_assert_str_eq(k, "a b");
	ck_assert_int_eq(jta_once_key_parse("\"a\\\"b\"", 6, k, &err),
	    JTA_OK);
	ck_assert_str_eq(k, "a\"b");
	for (i = 0; bad[i] != NULL; i++) {
		ck_assert_msg(jta_once_key_parse(bad[i], strlen(bad[i]), k,
		    &err) == JTA_ERR_INPUT, "%s accepted", bad[i]);
		ck_assert_str_eq(err.field, "Idempotency-Key");
	}
	memset(big, 'k', sizeof(big));
	ck_assert_int_eq(jta_once_key_parse(big, 255, k, &err), JTA_OK);
	ck_assert_int_eq(jta_once_key_parse(big, 256, k, &err),
	    JTA_ERR_INPUT);
}
END_TEST

START_TEST(ids)
{
	char	 a[JTA_LIMIT_DRAFT_ID + 1], b[JTA_LIMIT_DRAFT_ID + 1];

	jta_once_id("d_", a);
	jta_once_id("d_", b);
	ck_assert(jta_once_draft_id_ok(a));
	ck_assert_str_ne(a, b);
	ck_assert(!jta_once_draft_id_ok("d_short"));
	ck_assert(!jta_once_draft_id_ok("x_aaaaaaaaaaaaaaaaaaaaaa"));
	ck_assert(!jta_once_draft_id_ok("d_aaaaaaaaaaaaaaaaaaaaa."));
	ck_assert(!jta_once_draft_id_ok("d_aaaaaaaaaaaaaaaaaaaaaaa"));
}
END_TEST

#define DRAFT	"d_aaaaaaaaaaaaaaaaaaaaaa"

/* The person's own upload to the draft at t: its new revision. */
static int64_t
uploaded(struct env *e, int64_t t)
{
	struct jta_error err;
	json_t		*out = NULL;
	int64_t		 rev;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_once_draft_uploaded(&e->be, &e->alice, DRAFT, t,
	    &out, &err), JTA_OK);
	/* The note is the server's own: never in what anyone is shown. */
	ck_assert_ptr_null(json_object_get(json_object_get(out, "preview"),
	    "_person_files_since"));
	rev = json_integer_value(json_object_get(out, "revision"));
	json_decref(out);
	return rev;
}

/* Another change (the assistant's updateDraft) at t: its new revision. */
static int64_t
edited(struct env *e, int64_t t)
{
	struct jta_error err;
	json_t		*out = NULL, *ch;
	int64_t		 rev;

	memset(&err, 0, sizeof(err));
	ch = json_pack("{s:s}", "summary", "changed by the assistant");
	ck_assert_int_eq(jta_once_draft_edit(&e->be, &e->alice, DRAFT, ch, t,
	    &out, &err), JTA_OK);
	rev = json_integer_value(json_object_get(out, "revision"));
	json_decref(ch);
	json_decref(out);
	return rev;
}

/* jta_once_draft_confirmable for u: 0 when allowed, else the status. */
static int
confirmable(struct env *e, const struct jta_user *u, int64_t asked,
    int64_t shown, struct jta_error *err)
{
	memset(err, 0, sizeof(*err));
	if (jta_once_draft_confirmable(&e->be, u, DRAFT, asked, shown,
	    NOW + 9, err) != JTA_OK)
		return err->status;
	return 0;
}

START_TEST(confirm_after_own_uploads_at_the_shown_revision)
{
	struct env	 e;
	struct jta_error err;
	json_t		*out = NULL;
	int		 status = 0;

	setup(&e);
	ck_assert_int_eq(uploaded(&e, NOW + 1), 2);
	ck_assert_int_eq(uploaded(&e, NOW + 2), 3);
	/* Asked at 1, shown 3 after two uploads: allowed. */
	ck_assert_int_eq(confirmable(&e, &e.alice, 1, 3, &err), 0);
	ck_assert_int_eq(confirmable(&e, &e.alice, 2, 3, &err), 0);
	/* Shown is not the current one: 409. */
	ck_assert_int_eq(confirmable(&e, &e.alice, 1, 2, &err), 409);
	ck_assert_str_eq(err.field, "revision");
	/* A revision that was never asked for (after the shown one). */
	ck_assert_int_eq(confirmable(&e, &e.alice, 4, 3, &err), 409);
	/* The submit then runs at the shown revision. */
	ck_assert_int_eq(jta_once_draft_submit(&e.be, &e.alice, DRAFT, 3,
	    NOW + 10, &status, &out, &err), JTA_OK);
	ck_assert_int_eq(status, 201);
	json_decref(out);
	/* Submitted: nothing more to confirm. */
	ck_assert_int_eq(confirmable(&e, &e.alice, 1, 3, &err), 409);
	ck_assert_str_eq(err.field, "id");
	teardown(&e);
}
END_TEST

START_TEST(confirm_after_another_change_is_stale)
{
	struct env	 e;
	struct jta_error err;
	struct jta_user	 bob;

	setup(&e);
	ck_assert_int_eq(uploaded(&e, NOW + 1), 2);
	ck_assert_int_eq(edited(&e, NOW + 2), 3);
	ck_assert_int_eq(uploaded(&e, NOW + 3), 4);
	/* The assistant's edit at 3 was never confirmed by anyone. */
	ck_assert_int_eq(confirmable(&e, &e.alice, 1, 4, &err), 409);
	ck_assert_str_eq(err.field, "revision");
	ck_assert_int_eq(confirmable(&e, &e.alice, 2, 4, &err), 409);
	ck_assert_int_eq(confirmable(&e, &e.alice, 1, 3, &err), 409);
	/* Asked after the edit, then only uploads: allowed. */
	ck_assert_int_eq(confirmable(&e, &e.alice, 3, 4, &err), 0);
	/* An edit after the uploads ends the run too. */
	ck_assert_int_eq(edited(&e, NOW + 4), 5);
	ck_assert_int_eq(confirmable(&e, &e.alice, 4, 5, &err), 409);
	ck_assert_int_eq(confirmable(&e, &e.alice, 3, 5, &err), 409);
	/* Another person's draft reads as none. */
	memset(&bob, 0, sizeof(bob));
	ck_assert_int_eq(jta_store_user_add(e.be.store, "bob", "Bob", "",
	    &bob.id, &err), JTA_OK);
	ck_assert_int_eq(confirmable(&e, &bob, 5, 5, &err), 404);
	ck_assert_int_eq(w.creates, 0);
	teardown(&e);
}
END_TEST

static int
rmentry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Undo what jta_check_suite set up, after the run. */
static void
done(void)
{
	nftw(tmproot, rmentry, 16, FTW_DEPTH | FTW_PHYS);
}

Suite *
jta_check_suite(void)
{
	Suite	*s;
	TCase	*tc;

	if (sodium_init() < 0 || mkdtemp(tmproot) == NULL) {
		perror("setup");
		return NULL;
	}
	jta_log_set_level(JTA_LOG_ERROR);
	jta_check_at_end(done);
	s = suite_create("jta_once");
	tc = tcase_create("submit");
	tcase_add_test(tc, submit_creates_once_then_repeats);
	tcase_add_test(tc, lost_answer_found_at_once);
	tcase_add_test(tc, lost_answer_found_by_a_later_submit);
	tcase_add_test(tc,
	    unknown_attempt_sent_again_after_the_window_same_token);
	tcase_add_test(tc, refused_create_leaves_the_draft_ready);
	tcase_add_test(tc, discard_ready_draft_then_it_is_gone);
	tcase_add_test(tc, discard_of_another_persons_draft_is_404);
	tcase_add_test(tc, discard_refused_once_submitting_or_submitted);
	tcase_add_test(tc, idempotent_write_runs_once_per_key_and_request);
	tcase_add_test(tc, confirm_after_own_uploads_at_the_shown_revision);
	tcase_add_test(tc, confirm_after_another_change_is_stale);
	tcase_add_test(tc, key_parse);
	tcase_add_test(tc, ids);
	suite_add_tcase(s, tc);
	return s;
}
