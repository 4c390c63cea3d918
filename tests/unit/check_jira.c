/*
 * Unit tests for jta_jira: JQL from our filters (quoting, hostile values,
 * orders, mine), request bodies, and every mapper from Jira's JSON to ours
 * against golden pairs in tests/data/jira (inputs from the examples of
 * Atlassian's OpenAPI document, plus hostile variants), and Jira's errors.
 * Also the per-field items of struct jta_error that jta_jira_error fills.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "jta_backend.h"
#include "jta_jira.h"
#include "jta_json_pick.h"
#include "jta_suggest.h"
#include "check_main.h"

#define URL	"https://jta.example"

/* ---- helpers ---- */

static json_t *
fixture(const char *name)
{
	const char	*top = getenv("JTA_SRCDIR");
	char		 path[1024];
	json_error_t	 je;
	json_t		*j;

	snprintf(path, sizeof(path), "%s/tests/data/jira/%s",
	    top != NULL ? top : ".", name);
	j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	ck_assert_msg(j != NULL, "%s: %s (line %d)", path, je.text, je.line);
	return j;
}

/* The fixture's bytes read with jta_json_pick_loadb and pick. */
static json_t *
fixture_picked(const char *name, const struct jta_json_pick *pick)
{
	const char	*top = getenv("JTA_SRCDIR");
	char		 path[1024];
	char		*text;
	FILE		*f;
	long		 n;
	json_t		*j = NULL;

	snprintf(path, sizeof(path), "%s/tests/data/jira/%s",
	    top != NULL ? top : ".", name);
	ck_assert_ptr_nonnull(f = fopen(path, "rb"));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	ck_assert_int_ge(n = ftell(f), 0);
	rewind(f);
	ck_assert_ptr_nonnull(text = malloc((size_t)n + 1));
	ck_assert_uint_eq(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	ck_assert_msg(jta_json_pick_loadb(text, (size_t)n, pick, &j, NULL) ==
	    JTA_OK, "%s: pick refused it", path);
	free(text);
	return j;
}

/* Fail with both documents shown unless got equals the fixture want. */
static void
assert_json(const json_t *got, const char *want)
{
	json_t	*w = fixture(want);
	char	*a, *b;

	ck_assert_ptr_nonnull(got);
	if (!json_equal(got, w)) {
		a = json_dumps(got, JSON_SORT_KEYS);
		b = json_dumps(w, JSON_SORT_KEYS);
		ck_abort_msg("%s differs:\ngot  %s\nwant %s", want, a, b);
	}
	json_decref(w);
}

static void
assert_jsontext(const json_t *got, const char *want)
{
	json_error_t	 je;
	json_t		*w = json_loads(want, JSON_REJECT_DUPLICATES, &je);
	char		*a;

	ck_assert_msg(w != NULL, "bad test JSON: %s", je.text);
	ck_assert_ptr_nonnull(got);
	if (!json_equal(got, w)) {
		a = json_dumps(got, JSON_SORT_KEYS);
		ck_abort_msg("got %s\nwant %s", a, want);
	}
	json_decref(w);
}

static struct jta_search
noq(void)
{
	struct jta_search	 q;

	memset(&q, 0, sizeof(q));
	return q;
}

/* Build JQL for q into a large buffer and compare with want. */
static void
assert_jql(const struct jta_search *q, const char *me, const char *want)
{
	char			 buf[JTA_LIMIT_JQL + 1];
	struct jta_error	 err;
	enum jta_err		 rc;

	memset(&err, 0, sizeof(err));
	rc = jta_jira_jql(q, me, buf, sizeof(buf), &err);
	ck_assert_msg(rc == JTA_OK, "refused: %s", err.detail);
	ck_assert_str_eq(buf, want);
}

static void
assert_jql_refused(const struct jta_search *q, const char *field)
{
	char			 buf[JTA_LIMIT_JQL + 1];
	struct jta_error	 err;

	memset(&err, 0, sizeof(err));
	buf[0] = 'x';
	ck_assert_int_eq(jta_jira_jql(q, NULL, buf, sizeof(buf), &err),
	    JTA_ERR_INPUT);
	ck_assert_int_eq(err.status, 422);
	ck_assert_str_eq(err.field, field);
	ck_assert_str_eq(buf, "");
}

/* ---- JQL ---- */

START_TEST(jql_every_filter_in_order)
{
	struct jta_search	 q = noq();

	q.project = "EX";
	q.status = "In Progress";
	q.type = "Bug";
	q.priority = "High";
	q.label = "printer";
	q.assignee = "5b10a2844c20165700ede21g";
	q.reporter = "5b109f2e9729b51b54dc274d";
	q.text = "printer jam";
	q.created_from = 1795305600;			/* 2026-11-22 */
	q.created_to = 1795305600 + 86400 - 1;
	q.updated_from = 1795305600 + 19 * 3600 + 30 * 60;
	q.updated_to = 1795305600 + 20 * 3600;
	assert_jql(&q, NULL, "project = \"EX\" AND status = \"In Progress\" "
	    "AND issuetype = \"Bug\" AND priority = \"High\" AND labels = "
	    "\"printer\" AND assignee = \"5b10a2844c20165700ede21g\" AND "
	    "reporter = \"5b109f2e9729b51b54dc274d\" AND text ~ \"printer "
	    "jam\" AND created >= \"2026-11-22 00:00\" AND created <= "
	    "\"2026-11-22 23:59\" AND updated >= \"2026-11-22 19:30\" AND "
	    "updated <= \"2026-11-22 20:00\" ORDER BY updated DESC");
}
END_TEST

START_TEST(jql_every_order)
{
	struct jta_search	 q = noq();

	q.project = "EX";
	assert_jql(&q, NULL, "project = \"EX\" ORDER BY updated DESC");
	q.order = "-updated";
	assert_jql(&q, NULL, "project = \"EX\" ORDER BY updated DESC");
	q.order = "updated";
	assert_jql(&q, NULL, "project = \"EX\" ORDER BY updated ASC");
	q.order = "-created";
	assert_jql(&q, NULL, "project = \"EX\" ORDER BY created DESC");
	q.order = "created";
	assert_jql(&q, NULL, "project = \"EX\" ORDER BY created ASC");
	q.order = "key";
	assert_jql_refused(&q, "order");
	q.order = "-updated, key";
	assert_jql_refused(&q, "order");
	q.order = "";
	assert_jql_refused(&q, "order");
}
END_TEST

START_TEST(jql_quotes_and_backslashes_escaped)
{
	struct jta_search	 q = noq();

	q.project = "A\"B\\C";
	assert_jql(&q, NULL, "project = \"A\\\"B\\\\C\" ORDER BY updated "
	    "DESC");
	q.project = "\\";
	assert_jql(&q, NULL, "project = \"\\\\\" ORDER BY updated DESC");
	q.project = "\"";
	assert_jql(&q, NULL, "project = \"\\\"\" ORDER BY updated DESC");
	q.project = "";
	assert_jql(&q, NULL, "project = \"\" ORDER BY updated DESC");
}
END_TEST

START_TEST(jql_injection_stays_a_literal)
{
	struct jta_search	 q = noq();

	/* Closing the quote and adding a clause. */
	q.status = "Open\" OR project = \"SECRET";
	assert_jql(&q, NULL, "status = \"Open\\\" OR project = \\\"SECRET\" "
	    "ORDER BY updated DESC");
	/* An escaped backslash then a quote: still one literal. */
	q.status = "x\\\" OR 1=1 ORDER BY key --";
	assert_jql(&q, NULL, "status = \"x\\\\\\\" OR 1=1 ORDER BY key --\" "
	    "ORDER BY updated DESC");
	/* A function's name as text is not the function. */
	q.status = NULL;
	q.assignee = "currentUser()";
	assert_jql(&q, NULL, "assignee = \"currentUser()\" ORDER BY "
	    "updated DESC");
	q.assignee = "EMPTY";
	assert_jql(&q, NULL, "assignee = \"EMPTY\" ORDER BY updated DESC");
}
END_TEST

START_TEST(jql_mine_is_current_user)
{
	struct jta_search	 q = noq();

	q.assignee = jta_jira_current_user;
	assert_jql(&q, NULL, "assignee = currentUser() ORDER BY updated "
	    "DESC");
	q.assignee = NULL;
	q.reporter = jta_jira_current_user;
	assert_jql(&q, NULL, "reporter = currentUser() ORDER BY updated "
	    "DESC");
	assert_jql(&q, "557058:f58131cb", "reporter = \"557058:f58131cb\" "
	    "ORDER BY updated DESC");
	/* A quote in the account id is escaped too. */
	assert_jql(&q, "a\"b", "reporter = \"a\\\"b\" ORDER BY updated DESC");
}
END_TEST

START_TEST(jql_text_lucene_syntax_removed)
{
	struct jta_search	 q = noq();

	q.text = "printer* AND (jam OR \"paper\")~2 -toner +x:y \\ / ? "
	    "[a TO b] {c} ^3 !z && || NOT";
	assert_jql(&q, NULL, "text ~ \"printer and jam or paper 2 toner x y "
	    "a to b c 3 z not\" ORDER BY updated DESC");
	/* Words that merely contain an operator stay as they are, and
	 * lower-case operators are plain words already. */
	q.text = "ANDROID ORder NOTE and or";
	assert_jql(&q, NULL, "text ~ \"ANDROID ORder NOTE and or\" ORDER BY "
	    "updated DESC");
	q.text = "  spaced   out  ";
	assert_jql(&q, NULL, "text ~ \"spaced out\" ORDER BY updated DESC");
}
END_TEST

START_TEST(jql_text_without_words_refused)
{
	struct jta_search	 q = noq();

	q.text = "*?~\"\\ ()";
	assert_jql_refused(&q, "text");
	q.text = "";
	assert_jql_refused(&q, "text");
	q.text = "   ";
	assert_jql_refused(&q, "text");
}
END_TEST

START_TEST(jql_control_characters_refused)
{
	struct jta_search	 q = noq();

	q.project = "EX\nORDER BY key";
	assert_jql_refused(&q, "project");
	q.project = "EX\t";
	assert_jql_refused(&q, "project");
	q.project = "EX\x7f";
	assert_jql_refused(&q, "project");
	q.project = "EX\xc2\x85";		/* U+0085 NEXT LINE (C1) */
	assert_jql_refused(&q, "project");
	q.project = "EX\xff";			/* not UTF-8 */
	assert_jql_refused(&q, "project");
	q.project = "EX";
	q.label = "a\rb";
	assert_jql_refused(&q, "label");
	q.label = NULL;
	q.type = "\xc0\xaf";			/* overlong '/' */
	assert_jql_refused(&q, "type");
	q.type = NULL;
	q.text = "printer\njam";
	assert_jql_refused(&q, "text");
}
END_TEST

START_TEST(jql_unicode_kept)
{
	struct jta_search	 q = noq();

	q.project = "\xce\xa9mega";		/* Ωmega */
	q.text = "St\xc3\xb6rung caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac "
	    "\xf0\x9f\x96\xa8";			/* Störung café 日本 🖨 */
	assert_jql(&q, NULL, "project = \"\xce\xa9mega\" AND text ~ "
	    "\"St\xc3\xb6rung caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac "
	    "\xf0\x9f\x96\xa8\" ORDER BY updated DESC");
	/* U+00A0 (C2 A0) is not a C1 control. */
	q.text = NULL;
	q.project = "a\xc2\xa0" "b";
	assert_jql(&q, NULL, "project = \"a\xc2\xa0" "b\" ORDER BY updated "
	    "DESC");
}
END_TEST

START_TEST(jql_dates_are_utc_minutes)
{
	struct jta_search	 q = noq();

	q.created_from = 1795305600 + 19 * 3600 + 30 * 60 + 59;
	assert_jql(&q, NULL, "created >= \"2026-11-22 19:30\" ORDER BY "
	    "updated DESC");
	q.created_from = 0;
	q.updated_to = 1;
	assert_jql(&q, NULL, "updated <= \"1970-01-01 00:00\" ORDER BY "
	    "updated DESC");
	q.updated_to = INT64_C(253402300799);
	assert_jql(&q, NULL, "updated <= \"9999-12-31 23:59\" ORDER BY "
	    "updated DESC");
}
END_TEST

START_TEST(jql_without_filters_refused)
{
	struct jta_search	 q = noq();
	char			 buf[256];
	struct jta_error	 err;

	memset(&err, 0, sizeof(err));
	q.order = "created";
	q.limit = 5;
	q.cursor = "abc";
	ck_assert_int_eq(jta_jira_jql(&q, NULL, buf, sizeof(buf), &err),
	    JTA_ERR_INPUT);
	ck_assert_int_eq(err.status, 422);
	ck_assert_str_eq(err.field, "");
	ck_assert_ptr_nonnull(strstr(err.detail, "at least one filter"));
}
END_TEST

START_TEST(jql_length_bounded)
{
	struct jta_search	 q = noq();
	char			 big[JTA_LIMIT_JQL * 2 + 2], buf[64];
	char			 jql[JTA_LIMIT_JQL + 1];
	struct jta_error	 err;
	const char		*want =
	    "project = \"EX\" ORDER BY updated DESC";
	size_t			 n = strlen(want);

	memset(&err, 0, sizeof(err));
	/* Exactly fits the caller's buffer, then one byte short. */
	q.project = "EX";
	ck_assert_int_eq(jta_jira_jql(&q, NULL, buf, n + 1, &err), JTA_OK);
	ck_assert_str_eq(buf, want);
	ck_assert_int_eq(jta_jira_jql(&q, NULL, buf, n, &err), JTA_ERR_INPUT);
	ck_assert_int_eq(err.status, 422);
	ck_assert_str_eq(buf, "");
	/* Quotes double when escaped: 2100 of them pass JTA_LIMIT_JQL even
	 * with a buffer twice that size. */
	memset(big, '"', 2100);
	big[2100] = '\0';
	q.label = big;
	{
		char	 large[JTA_LIMIT_JQL * 2];

		ck_assert_int_eq(jta_jira_jql(&q, NULL, large, sizeof(large),
		    &err), JTA_ERR_INPUT);
		ck_assert_int_eq(err.status, 422);
	}
	/* The longest query that fits JTA_LIMIT_JQL is accepted. */
	n = JTA_LIMIT_JQL - strlen("project = \"EX\" AND labels = \"\" "
	    "ORDER BY updated DESC");
	memset(big, 'a', n);
	big[n] = '\0';
	ck_assert_int_eq(jta_jira_jql(&q, NULL, jql, sizeof(jql), &err),
	    JTA_OK);
	ck_assert_uint_eq(strlen(jql), JTA_LIMIT_JQL);
	big[n] = 'a';
	big[n + 1] = '\0';
	ck_assert_int_eq(jta_jira_jql(&q, NULL, jql, sizeof(jql), &err),
	    JTA_ERR_INPUT);
	/* Text over its own limit. */
	q.label = NULL;
	memset(big, 'w', JTA_LIMIT_TEXT_QUERY + 1);
	big[JTA_LIMIT_TEXT_QUERY + 1] = '\0';
	q.text = big;
	assert_jql_refused(&q, "text");
}
END_TEST

START_TEST(jql_raw_check_bounds)
{
	char			 big[JTA_LIMIT_JQL + 1];
	struct jta_error	 err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_jql_raw_check("project = EX", 12, &err),
	    JTA_OK);
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(jta_jira_jql_raw_check(big, JTA_LIMIT_JQL, &err),
	    JTA_OK);
	ck_assert_int_eq(jta_jira_jql_raw_check(big, JTA_LIMIT_JQL + 1,
	    &err), JTA_ERR_INPUT);
	ck_assert_int_eq(err.status, 422);
	ck_assert_str_eq(err.field, "jql");
	ck_assert_int_eq(jta_jira_jql_raw_check("", 0, &err), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_jira_jql_raw_check("a\nb", 3, &err),
	    JTA_ERR_INPUT);
	ck_assert_int_eq(jta_jira_jql_raw_check("a\0b", 3, &err),
	    JTA_ERR_INPUT);
	ck_assert_int_eq(jta_jira_jql_raw_check("a\xc2\x9b", 3, &err),
	    JTA_ERR_INPUT);
	ck_assert_int_eq(jta_jira_jql_raw_check("a\xff", 2, &err),
	    JTA_ERR_INPUT);
	ck_assert_int_eq(jta_jira_jql_raw_check("text ~ \"caf\xc3\xa9\"", 14,
	    &err), JTA_OK);
}
END_TEST

/* ---- search ---- */

START_TEST(search_body_shape)
{
	json_t	*b;

	b = jta_jira_search_body("project = \"EX\"", 5, NULL);
	assert_jsontext(b, "{\"jql\":\"project = \\\"EX\\\"\",\"maxResults\":5,"
	    "\"fields\":[\"summary\",\"status\",\"issuetype\",\"priority\","
	    "\"assignee\",\"reporter\",\"created\",\"updated\"]}");
	json_decref(b);
	b = jta_jira_search_body("x", 0, "CAEaAggD");
	ck_assert_int_eq(json_integer_value(json_object_get(b, "maxResults")),
	    JTA_LIMIT_PAGE_DEFAULT);
	ck_assert_str_eq(json_string_value(json_object_get(b,
	    "nextPageToken")), "CAEaAggD");
	json_decref(b);
	b = jta_jira_search_body("x", 1000, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(b, "maxResults")),
	    JTA_LIMIT_PAGE_MAX);
	ck_assert_ptr_null(json_object_get(b, "nextPageToken"));
	json_decref(b);
	ck_assert_ptr_null(jta_jira_search_body(NULL, 5, NULL));
}
END_TEST

static void
assert_search(const char *in, const char *want)
{
	json_t			*j = fixture(in), *out = NULL;
	struct jta_error	 err;

	memset(&err, 0, sizeof(err));
	ck_assert_msg(jta_jira_search_result(j, URL, &out, &err) == JTA_OK,
	    "%s: %s", in, err.detail);
	assert_json(out, want);
	json_decref(out);
	json_decref(j);
	/* Read as the backend reads it, through jta_jira_search_pick: the
	 * same answer. */
	j = fixture_picked(in, &jta_jira_search_pick);
	ck_assert_msg(jta_jira_search_result(j, URL, &out, &err) == JTA_OK,
	    "%s (picked): %s", in, err.detail);
	assert_json(out, want);
	json_decref(out);
	json_decref(j);
}

/* out is taken by address: it must be read after the call under test,
 * which is another argument of this one. */
static void
assert_upstream(enum jta_err rc, const struct jta_error *err,
    json_t *const *out)
{
	ck_assert_int_eq(rc, JTA_ERR_UPSTREAM);
	ck_assert_int_eq(err->status, 502);
	ck_assert_ptr_null(*out);
}

START_TEST(search_spec_example)
{
	assert_search("search.json", "search.expected.json");
}
END_TEST

START_TEST(search_full_page)
{
	assert_search("search-page.json", "search-page.expected.json");
}
END_TEST

START_TEST(search_wrong_types_become_null)
{
	assert_search("search-hostile.json", "search-hostile.expected.json");
}
END_TEST

START_TEST(search_unusable_answers_refused)
{
	static const char *const files[] = { "search-badkey.json",
	    "search-nokey.json", "search-noissues.json", "myself.json" };
	struct jta_error	 err;
	json_t			*j, *out;
	size_t			 i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		memset(&err, 0, sizeof(err));
		j = fixture(files[i]);
		out = (json_t *)1;
		assert_upstream(jta_jira_search_result(j, URL, &out, &err),
		    &err, &out);
		json_decref(j);
		/* Refused the same when only the picked members are read. */
		j = fixture_picked(files[i], &jta_jira_search_pick);
		out = (json_t *)1;
		assert_upstream(jta_jira_search_result(j, URL, &out, &err),
		    &err, &out);
		json_decref(j);
	}
	out = (json_t *)1;
	assert_upstream(jta_jira_search_result(NULL, URL, &out, &err), &err,
	    &out);
	j = fixture("search-page.json");
	ck_assert_int_eq(jta_jira_search_result(j, NULL, &out, &err),
	    JTA_ERR_INTERNAL);
	ck_assert_ptr_null(out);
	json_decref(j);
}
END_TEST

START_TEST(search_more_issues_than_a_page_refused)
{
	struct jta_error	 err;
	json_t			*j, *arr, *out = NULL;
	size_t			 i;

	memset(&err, 0, sizeof(err));
	arr = json_array();
	for (i = 0; i < JTA_LIMIT_PAGE_MAX; i++)
		json_array_append_new(arr, json_pack("{s:s}", "key", "EX-1"));
	j = json_pack("{s:o}", "issues", arr);
	ck_assert_int_eq(jta_jira_search_result(j, URL, &out, &err), JTA_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(out, "issues")),
	    JTA_LIMIT_PAGE_MAX);
	json_decref(out);
	json_array_append_new(arr, json_pack("{s:s}", "key", "EX-1"));
	assert_upstream(jta_jira_search_result(j, URL, &out, &err), &err,
	    &out);
	json_decref(j);
}
END_TEST

START_TEST(search_page_token_checked)
{
	struct jta_error	 err;
	char			 tok[JTA_LIMIT_CURSOR + 2];
	json_t			*j, *out = NULL;

	memset(&err, 0, sizeof(err));
	memset(tok, 'A', sizeof(tok));
	tok[JTA_LIMIT_CURSOR] = '\0';
	j = json_pack("{s:[], s:s}", "issues", "nextPageToken", tok);
	ck_assert_int_eq(jta_jira_search_result(j, URL, &out, &err), JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(out,
	    "next_cursor")), tok);
	json_decref(out);
	/* Last page: no cursor even with a token. */
	json_object_set_new(j, "isLast", json_true());
	ck_assert_int_eq(jta_jira_search_result(j, URL, &out, &err), JTA_OK);
	ck_assert(json_is_null(json_object_get(out, "next_cursor")));
	json_decref(out);
	json_object_del(j, "isLast");
	tok[JTA_LIMIT_CURSOR] = 'A';
	tok[JTA_LIMIT_CURSOR + 1] = '\0';
	json_object_set_new(j, "nextPageToken", json_string(tok));
	assert_upstream(jta_jira_search_result(j, URL, &out, &err), &err,
	    &out);
	json_object_set_new(j, "nextPageToken", json_string("a b"));
	assert_upstream(jta_jira_search_result(j, URL, &out, &err), &err,
	    &out);
	json_object_set_new(j, "nextPageToken", json_string("a&cursor=x\n"));
	assert_upstream(jta_jira_search_result(j, URL, &out, &err), &err,
	    &out);
	json_decref(j);
}
END_TEST

START_TEST(search_keys_checked)
{
	static const char *const badkeys[] = { "", "EX", "EX-", "-1", "1X-1",
	    "EX-1a", "E X-1", "EX-1/../..", "EX-1?x", "\xc3\x89X-1",
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ-123456" };
	struct jta_error	 err;
	json_t			*j, *out = NULL;
	size_t			 i;

	memset(&err, 0, sizeof(err));
	j = json_pack("{s:[{s:s}]}", "issues", "key", "My_PROJ2-0");
	ck_assert_int_eq(jta_jira_search_result(j, URL, &out, &err), JTA_OK);
	json_decref(out);
	json_decref(j);
	for (i = 0; i < sizeof(badkeys) / sizeof(badkeys[0]); i++) {
		j = json_pack("{s:[{s:s}]}", "issues", "key", badkeys[i]);
		assert_upstream(jta_jira_search_result(j, URL, &out, &err),
		    &err, &out);
		json_decref(j);
	}
}
END_TEST

/* ---- one issue ---- */

static void
assert_issue(const char *in, const char *want)
{
	json_t			*j = fixture(in), *out = NULL;
	struct jta_error	 err;

	memset(&err, 0, sizeof(err));
	ck_assert_msg(jta_jira_issue(j, URL, &out, &err) == JTA_OK, "%s: %s",
	    in, err.detail);
	assert_json(out, want);
	json_decref(out);
	json_decref(j);
}

START_TEST(issue_spec_example)
{
	assert_issue("issue.json", "issue.expected.json");
}
END_TEST

START_TEST(issue_full_last_comments)
{
	assert_issue("issue-full.json", "issue-full.expected.json");
}
END_TEST

START_TEST(issue_wrong_types_become_null)
{
	assert_issue("issue-hostile.json", "issue-hostile.expected.json");
}
END_TEST

START_TEST(issue_adf_is_copied)
{
	json_t			*j = fixture("issue-full.json"), *out = NULL;
	json_t			*d;
	struct jta_error	 err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_issue(j, URL, &out, &err), JTA_OK);
	d = json_object_get(out, "description");
	ck_assert(d != json_object_get(json_object_get(j, "fields"),
	    "description"));
	json_decref(j);		/* the answer outlives Jira's document */
	ck_assert_str_eq(json_string_value(json_object_get(d, "type")),
	    "doc");
	json_decref(out);
}
END_TEST

START_TEST(issue_huge_comment_list)
{
	struct jta_error	 err;
	json_t			*list, *j, *out = NULL, *c;
	size_t			 i;
	char			 id[16];

	memset(&err, 0, sizeof(err));
	list = json_array();
	for (i = 0; i < 10000; i++) {
		snprintf(id, sizeof(id), "%zu", i + 1);
		json_array_append_new(list, json_pack("{s:s}", "id", id));
	}
	j = json_pack("{s:s, s:{s:{s:o, s:i}}}", "key", "EX-1", "fields",
	    "comment", "comments", list, "total", 5);
	ck_assert_int_eq(jta_jira_issue(j, URL, &out, &err), JTA_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(out,
	    "comment_count")), 10000);
	c = json_object_get(out, "comments");
	ck_assert_uint_eq(json_array_size(c), JTA_LIMIT_COMMENTS_SHOWN);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(c,
	    0), "id")), 10000 - JTA_LIMIT_COMMENTS_SHOWN + 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(c,
	    JTA_LIMIT_COMMENTS_SHOWN - 1), "id")), 10000);
	json_decref(out);
	json_decref(j);
}
END_TEST

START_TEST(issue_too_many_labels_refused)
{
	struct jta_error	 err;
	json_t			*labels, *j, *out = NULL;
	size_t			 i;

	memset(&err, 0, sizeof(err));
	labels = json_array();
	for (i = 0; i < JTA_LIMIT_JIRA_ITEMS + 1; i++)
		json_array_append_new(labels, json_string("l"));
	j = json_pack("{s:s, s:{s:o}}", "key", "EX-1", "fields", "labels",
	    labels);
	assert_upstream(jta_jira_issue(j, URL, &out, &err), &err, &out);
	json_array_remove(labels, 0);
	ck_assert_int_eq(jta_jira_issue(j, URL, &out, &err), JTA_OK);
	json_decref(out);
	json_decref(j);
	out = (json_t *)1;
	assert_upstream(jta_jira_issue(NULL, URL, &out, &err), &err, &out);
}
END_TEST

/* ---- transitions ---- */

START_TEST(transitions_spec_example)
{
	json_t			*j = fixture("transitions.json"), *out = NULL;
	struct jta_error	 err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_transitions(j, "EX-1", "Open", &out, &err),
	    JTA_OK);
	assert_json(out, "transitions.expected.json");
	json_decref(out);
	json_decref(j);
}
END_TEST

START_TEST(transitions_deduped_and_unavailable_left_out)
{
	json_t			*j = fixture("transitions-hostile.json");
	json_t			*out = NULL;
	struct jta_error	 err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_transitions(j, "EX-1", NULL, &out, &err),
	    JTA_OK);
	assert_json(out, "transitions-hostile.expected.json");
	json_decref(out);
	json_decref(j);
}
END_TEST

START_TEST(transitions_bad_answers_refused)
{
	struct jta_error	 err;
	json_t			*j, *list, *out = NULL;
	const char		*id;
	size_t			 i;

	memset(&err, 0, sizeof(err));
	list = json_array();
	for (i = 0; i < JTA_LIMIT_JIRA_ITEMS + 1; i++)
		json_array_append_new(list, json_pack("{s:s, s:{s:s}}", "id",
		    "1", "to", "name", "Open"));
	j = json_pack("{s:o}", "transitions", list);
	assert_upstream(jta_jira_transitions(j, "EX-1", "Open", &out, &err),
	    &err, &out);
	ck_assert_int_eq(jta_jira_transition_id(j, "Open", &id, NULL, &err),
	    JTA_ERR_UPSTREAM);
	json_decref(j);
	j = json_pack("{s:s}", "transitions", "none");
	assert_upstream(jta_jira_transitions(j, "EX-1", "Open", &out, &err),
	    &err, &out);
	json_decref(j);
}
END_TEST

START_TEST(transition_id_matches_target_then_name)
{
	json_t			*j = fixture("transitions.json");
	struct jta_error	 err;
	const char		*id;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_transition_id(j, "in progress", &id, NULL,
	    &err), JTA_OK);
	ck_assert_str_eq(id, "2");
	ck_assert_int_eq(jta_jira_transition_id(j, "CLOSED", &id, NULL,
	    &err), JTA_OK);
	ck_assert_str_eq(id, "711");
	/* The transition's own name when no target status matches. */
	ck_assert_int_eq(jta_jira_transition_id(j, "qa review", &id, NULL,
	    &err), JTA_OK);
	ck_assert_str_eq(id, "711");
	ck_assert_int_eq(jta_jira_transition_id(j, "Close Issue", &id, NULL,
	    &err), JTA_OK);
	ck_assert_str_eq(id, "2");
	ck_assert_int_eq(jta_jira_transition_id(j, NULL, &id, NULL, &err),
	    JTA_ERR_INPUT);
	ck_assert_str_eq(err.field, "to");
	json_decref(j);
}
END_TEST

START_TEST(transition_id_conflict_names_allowed)
{
	json_t			*j = fixture("transitions.json");
	json_t			*allowed = NULL, *body;
	struct jta_error	 err;
	const char		*id = "x";

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_transition_id(j, "Done", &id, &allowed,
	    &err), JTA_ERR_CONFLICT);
	ck_assert_ptr_null(id);
	ck_assert_int_eq(err.status, 409);
	ck_assert_str_eq(err.field, "to");
	ck_assert_str_eq(err.detail, "this issue can move only to: "
	    "In Progress, Closed");
	assert_jsontext(allowed, "[\"In Progress\", \"Closed\"]");
	json_decref(allowed);
	json_decref(j);
	/* Unavailable moves are not offered; none left. */
	j = json_pack("{s:[{s:s, s:b, s:{s:s}}]}", "transitions", "id", "9",
	    "isAvailable", 0, "to", "name", "Done");
	ck_assert_int_eq(jta_jira_transition_id(j, "Done", &id, &allowed,
	    &err), JTA_ERR_CONFLICT);
	ck_assert_str_eq(err.detail, "this issue can move only to: nothing "
	    "(the workflow allows no move now)");
	assert_jsontext(allowed, "[]");
	json_decref(allowed);
	json_decref(j);
	/* A matching transition whose id is not a string. */
	j = fixture("transitions-hostile.json");
	ck_assert_int_eq(jta_jira_transition_id(j, "blocked", &id, NULL,
	    &err), JTA_ERR_UPSTREAM);
	ck_assert_int_eq(jta_jira_transition_id(j, "Secret", &id, NULL,
	    &err), JTA_ERR_CONFLICT);
	ck_assert_str_eq(err.detail, "this issue can move only to: "
	    "In Progress, Blocked, Done");
	json_decref(j);
	body = jta_jira_transition_body("711");
	assert_jsontext(body, "{\"transition\":{\"id\":\"711\"}}");
	json_decref(body);
}
END_TEST

START_TEST(transition_conflict_detail_bounded)
{
	struct jta_error	 err;
	json_t			*list, *j;
	char			 name[80];
	const char		*id;
	size_t			 i;

	memset(&err, 0, sizeof(err));
	list = json_array();
	for (i = 0; i < JTA_LIMIT_JIRA_ITEMS; i++) {
		snprintf(name, sizeof(name), "St\xc3\xa4tus\n%zu with a long "
		    "name to fill the detail", i);
		json_array_append_new(list, json_pack("{s:s, s:{s:s}}", "id",
		    "1", "to", "name", name));
	}
	j = json_pack("{s:o}", "transitions", list);
	ck_assert_int_eq(jta_jira_transition_id(j, "x", &id, NULL, &err),
	    JTA_ERR_CONFLICT);
	ck_assert_uint_lt(strlen(err.detail), JTA_ERROR_DETAIL);
	ck_assert_ptr_null(strchr(err.detail, '\n'));
	json_decref(j);
}
END_TEST

/* ---- projects, types, me ---- */

START_TEST(projects_spec_example)
{
	json_t			*p = fixture("projects.json");
	json_t			*pr = fixture("priorities.json"), *out = NULL;
	struct jta_error	 err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_projects(p, pr, &out, &err), JTA_OK);
	assert_json(out, "projects.expected.json");
	json_decref(out);
	json_decref(pr);
	json_decref(p);
}
END_TEST

START_TEST(projects_with_types_and_priority_page)
{
	json_t			*p = fixture("projects-types.json");
	json_t			*pr = fixture("priority-page.json");
	json_t			*out = NULL;
	struct jta_error	 err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_projects(p, pr, &out, &err), JTA_OK);
	assert_json(out, "projects-types.expected.json");
	json_decref(out);
	/* No priorities known: empty lists. */
	ck_assert_int_eq(jta_jira_projects(p, NULL, &out, &err), JTA_OK);
	assert_jsontext(json_object_get(json_array_get(json_object_get(out,
	    "projects"), 0), "priorities"), "[]");
	json_decref(out);
	json_decref(pr);
	/* The AutoCompleteSuggestions of GET /jql/autocompletedata/
	 * suggestions?fieldName=priority, what the backend reads: the same
	 * names, from "value". */
	pr = fixture("priority-suggestions.json");
	ck_assert_int_eq(jta_jira_projects(p, pr, &out, &err), JTA_OK);
	assert_json(out, "projects-types.expected.json");
	json_decref(out);
	json_decref(pr);
	json_decref(p);
}
END_TEST

START_TEST(projects_bad_answers_refused)
{
	struct jta_error	 err;
	json_t			*vals, *p, *out = NULL, *bad;
	size_t			 i;

	memset(&err, 0, sizeof(err));
	vals = json_array();
	for (i = 0; i < JTA_LIMIT_JIRA_ITEMS + 1; i++)
		json_array_append_new(vals, json_pack("{s:s}", "key", "EX"));
	p = json_pack("{s:o}", "values", vals);
	assert_upstream(jta_jira_projects(p, NULL, &out, &err), &err, &out);
	json_array_remove(vals, 0);
	ck_assert_int_eq(jta_jira_projects(p, NULL, &out, &err), JTA_OK);
	json_decref(out);
	bad = json_pack("{s:s}", "values", "x");
	assert_upstream(jta_jira_projects(p, bad, &out, &err), &err, &out);
	assert_upstream(jta_jira_projects(bad, NULL, &out, &err), &err, &out);
	json_decref(bad);
	json_decref(p);
}
END_TEST

START_TEST(types_from_createmeta)
{
	json_t			*j = fixture("createmeta-types.json");
	json_t			*out = NULL, *bad;
	struct jta_error	 err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_types(j, &out, &err), JTA_OK);
	assert_json(out, "createmeta-types.expected.json");
	json_decref(out);
	ck_assert_int_eq(jta_jira_types(json_object_get(j, "issueTypes"),
	    &out, &err), JTA_OK);
	assert_json(out, "createmeta-types.expected.json");
	json_decref(out);
	json_decref(j);
	j = json_pack("{s:[{s:s, s:b}, {s:s}]}", "createMetaIssueType",
	    "name", "Sub-task", "subtask", 1, "name", "Story");
	ck_assert_int_eq(jta_jira_types(j, &out, &err), JTA_OK);
	assert_jsontext(out, "[\"Story\"]");
	json_decref(out);
	json_decref(j);
	bad = json_pack("{s:i}", "issueTypes", 3);
	assert_upstream(jta_jira_types(bad, &out, &err), &err, &out);
	json_decref(bad);
}
END_TEST

START_TEST(me_spec_example)
{
	json_t			*j = fixture("myself.json"), *out = NULL;
	struct jta_error	 err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_me(j, "your-domain.atlassian.net", &out,
	    &err), JTA_OK);
	assert_json(out, "me.expected.json");
	json_decref(out);
	json_decref(j);
	j = fixture("myself-hidden.json");
	ck_assert_int_eq(jta_jira_me(j, NULL, &out, &err), JTA_OK);
	assert_json(out, "me-hidden.expected.json");
	json_decref(out);
	json_decref(j);
}
END_TEST

START_TEST(me_bad_account_id_refused)
{
	struct jta_error	 err;
	char			 id[JTA_LIMIT_ACCOUNT_ID + 2];
	json_t			*j, *out = NULL;

	memset(&err, 0, sizeof(err));
	j = fixture("myself-badid.json");
	assert_upstream(jta_jira_me(j, NULL, &out, &err), &err, &out);
	json_decref(j);
	assert_upstream(jta_jira_me(NULL, NULL, &out, &err), &err, &out);
	memset(id, 'a', sizeof(id));
	id[JTA_LIMIT_ACCOUNT_ID] = '\0';
	j = json_pack("{s:s}", "accountId", id);
	ck_assert_int_eq(jta_jira_me(j, NULL, &out, &err), JTA_OK);
	json_decref(out);
	json_decref(j);
	id[JTA_LIMIT_ACCOUNT_ID] = 'a';
	id[JTA_LIMIT_ACCOUNT_ID + 1] = '\0';
	j = json_pack("{s:s}", "accountId", id);
	assert_upstream(jta_jira_me(j, NULL, &out, &err), &err, &out);
	json_decref(j);
	j = json_pack("{s:s}", "accountId", "");
	assert_upstream(jta_jira_me(j, NULL, &out, &err), &err, &out);
	json_decref(j);
}
END_TEST

/* ---- request bodies ---- */

static json_t *
adf(const char *text)
{
	return json_pack("{s:s, s:i, s:[{s:s, s:[{s:s, s:s}]}]}", "type",
	    "doc", "version", 1, "content", "type", "paragraph", "content",
	    "type", "text", "text", text);
}

START_TEST(create_body_shape)
{
	json_t			*f = fixture("create-fields.json");
	json_t			*d = adf("It jams on every page."), *out = NULL;
	struct jta_error	 err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_create_body(f, d, &out, &err), JTA_OK);
	assert_json(out, "create.expected.json");
	json_decref(out);
	/* Without ADF there is no description; null optional fields are
	 * left to Jira's defaults. */
	json_object_set_new(f, "assignee", json_null());
	json_object_set_new(f, "priority", json_null());
	json_object_del(f, "labels");
	ck_assert_int_eq(jta_jira_create_body(f, NULL, &out, &err), JTA_OK);
	assert_jsontext(out, "{\"fields\":{\"project\":{\"key\":\"EX\"},"
	    "\"summary\":\"Printer on floor 3 is jammed\",\"issuetype\":"
	    "{\"name\":\"Bug\"}}}");
	json_decref(out);
	json_decref(d);
	json_decref(f);
}
END_TEST

static void
assert_body_refused(enum jta_err rc, const struct jta_error *err,
    const char *field, json_t *const *out)
{
	ck_assert_int_eq(rc, JTA_ERR_INPUT);
	ck_assert_int_eq(err->status, 422);
	ck_assert_str_eq(err->field, field);
	ck_assert_ptr_null(*out);
}

START_TEST(create_body_refusals)
{
	static const char *const required[] = { "project", "summary",
	    "type" };
	struct jta_error	 err;
	json_t			*f, *out = NULL;
	size_t			 i;

	memset(&err, 0, sizeof(err));
	for (i = 0; i < 3; i++) {
		f = fixture("create-fields.json");
		json_object_del(f, required[i]);
		assert_body_refused(jta_jira_create_body(f, NULL, &out, &err),
		    &err, required[i], &out);
		json_object_set_new(f, required[i], json_null());
		assert_body_refused(jta_jira_create_body(f, NULL, &out, &err),
		    &err, required[i], &out);
		json_decref(f);
	}
	f = fixture("create-fields.json");
	json_object_set_new(f, "summary", json_integer(5));
	assert_body_refused(jta_jira_create_body(f, NULL, &out, &err), &err,
	    "summary", &out);
	json_object_set_new(f, "summary", json_string(""));
	assert_body_refused(jta_jira_create_body(f, NULL, &out, &err), &err,
	    "summary", &out);
	json_object_set_new(f, "summary", json_string("ok"));
	json_object_set_new(f, "labels", json_pack("[s]", "two words"));
	assert_body_refused(jta_jira_create_body(f, NULL, &out, &err), &err,
	    "labels", &out);
	json_object_set_new(f, "labels", json_pack("[i]", 1));
	assert_body_refused(jta_jira_create_body(f, NULL, &out, &err), &err,
	    "labels", &out);
	json_object_set_new(f, "labels", json_string("printer"));
	assert_body_refused(jta_jira_create_body(f, NULL, &out, &err), &err,
	    "labels", &out);
	json_object_del(f, "labels");
	json_object_set_new(f, "assignee", json_true());
	assert_body_refused(jta_jira_create_body(f, NULL, &out, &err), &err,
	    "assignee", &out);
	json_object_del(f, "assignee");
	json_object_set_new(f, "customfield_10010", json_string("x"));
	assert_body_refused(jta_jira_create_body(f, NULL, &out, &err), &err,
	    "", &out);
	json_decref(f);
	assert_body_refused(jta_jira_create_body(NULL, NULL, &out, &err),
	    &err, "", &out);
}
END_TEST

START_TEST(edit_body_shape)
{
	json_t			*f = fixture("edit-fields.json");
	json_t			*d = adf("It jams on every page."), *out = NULL;
	struct jta_error	 err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_edit_body(f, d, &out, &err), JTA_OK);
	assert_json(out, "edit.expected.json");
	json_decref(out);
	json_decref(f);
	/* A description with no ADF clears it; type becomes issuetype. */
	f = json_pack("{s:n, s:s}", "description", "type", "Task");
	ck_assert_int_eq(jta_jira_edit_body(f, NULL, &out, &err), JTA_OK);
	assert_jsontext(out, "{\"fields\":{\"description\":null,"
	    "\"issuetype\":{\"name\":\"Task\"}}}");
	json_decref(out);
	json_decref(f);
	/* ADF given but no description asked for: not sent. */
	f = json_pack("{s:s}", "assignee", "5b10a2844c20165700ede21g");
	ck_assert_int_eq(jta_jira_edit_body(f, d, &out, &err), JTA_OK);
	assert_jsontext(out, "{\"fields\":{\"assignee\":{\"accountId\":"
	    "\"5b10a2844c20165700ede21g\"}}}");
	json_decref(out);
	json_decref(f);
	json_decref(d);
}
END_TEST

START_TEST(edit_body_refusals)
{
	struct jta_error	 err;
	json_t			*f, *out = NULL;

	memset(&err, 0, sizeof(err));
	f = json_object();
	assert_body_refused(jta_jira_edit_body(f, NULL, &out, &err), &err, "",
	    &out);
	json_object_set_new(f, "project", json_string("OTHER"));
	assert_body_refused(jta_jira_edit_body(f, NULL, &out, &err), &err,
	    "project", &out);
	json_object_clear(f);
	json_object_set_new(f, "summary", json_null());
	assert_body_refused(jta_jira_edit_body(f, NULL, &out, &err), &err,
	    "summary", &out);
	json_object_clear(f);
	json_object_set_new(f, "type", json_null());
	assert_body_refused(jta_jira_edit_body(f, NULL, &out, &err), &err,
	    "type", &out);
	json_object_clear(f);
	json_object_set_new(f, "priority", json_integer(1));
	assert_body_refused(jta_jira_edit_body(f, NULL, &out, &err), &err,
	    "priority", &out);
	json_object_clear(f);
	json_object_set_new(f, "reporter", json_string("x"));
	assert_body_refused(jta_jira_edit_body(f, NULL, &out, &err), &err, "",
	    &out);
	json_decref(f);
}
END_TEST

START_TEST(comment_body_shape)
{
	json_t	*d = adf("Toner replaced."), *b;

	b = jta_jira_comment_body(d);
	ck_assert_ptr_nonnull(b);
	ck_assert(json_equal(json_object_get(b, "body"), d));
	ck_assert(json_object_get(b, "body") != d);
	ck_assert_uint_eq(json_object_size(b), 1);
	json_decref(b);
	json_decref(d);
	ck_assert_ptr_null(jta_jira_comment_body(NULL));
}
END_TEST

/* ---- errors ---- */

START_TEST(error_spec_example_message)
{
	json_t			*j = fixture("error-create.json");
	struct jta_error	 err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_error(400, j, &err), JTA_ERR_INPUT);
	ck_assert_int_eq(err.status, 400);
	ck_assert_str_eq(err.field, "");
	ck_assert_str_eq(err.detail, "Jira refused the request: Field "
	    "'priority' is required");
	ck_assert_uint_eq(err.nitems, 0);
	json_decref(j);
}
END_TEST

START_TEST(error_fields_mapped_to_ours)
{
	json_t			*j = fixture("error-fields.json");
	struct jta_error	 err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_error(400, j, &err), JTA_ERR_INPUT);
	ck_assert_int_eq(err.status, 422);
	ck_assert_str_eq(err.field, "summary");
	ck_assert_str_eq(err.detail, "Jira refused the fields: summary: You "
	    "must specify a summary of the issue.; type: Specify an issue "
	    "type; customfield_10011: Epic Name is required.");
	ck_assert_uint_eq(err.nitems, 3);
	ck_assert_str_eq(err.items[1].field, "type");
	ck_assert_str_eq(err.items[1].message, "Specify an issue type");
	ck_assert_str_eq(err.items[2].field, "customfield_10011");
	/* The same from a 422, and the first field when it is not first. */
	json_object_del(json_object_get(j, "errors"), "summary");
	ck_assert_int_eq(jta_jira_error(422, j, &err), JTA_ERR_INPUT);
	ck_assert_str_eq(err.field, "type");
	ck_assert_uint_eq(err.nitems, 2);
	json_decref(j);
}
END_TEST

START_TEST(error_hostile_text_bounded)
{
	json_t			*j = fixture("error-hostile.json");
	struct jta_error	 err;
	size_t			 i;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_error(400, j, &err), JTA_ERR_INPUT);
	ck_assert_int_eq(err.status, 422);
	ck_assert_str_eq(err.field, "f00");	/* "bad field\n" is unsafe */
	ck_assert_uint_lt(strlen(err.detail), JTA_ERROR_DETAIL);
	for (i = 0; err.detail[i] != '\0'; i++)
		ck_assert_msg((unsigned char)err.detail[i] >= 0x20,
		    "control character at %zu", i);
	ck_assert_ptr_null(strstr(err.detail, "bad field"));
	ck_assert_uint_eq(err.nitems, JTA_ERROR_ITEMS);
	for (i = 0; i < err.nitems; i++) {
		ck_assert_ptr_null(strchr(err.items[i].field, '\n'));
		ck_assert_uint_le(strlen(err.items[i].message),
		    JTA_ERROR_MESSAGE - 1);
	}
	/* Messages only: control characters become spaces, cut short. */
	json_object_clear(json_object_get(j, "errors"));
	ck_assert_int_eq(jta_jira_error(400, j, &err), JTA_ERR_INPUT);
	ck_assert_int_eq(err.status, 400);
	ck_assert_ptr_nonnull(strstr(err.detail, "line one line two  x"));
	ck_assert_uint_lt(strlen(err.detail), 64 + JTA_ERROR_MESSAGE);
	json_decref(j);
}
END_TEST

START_TEST(error_statuses_mapped)
{
	struct jta_error	 err;
	json_t			*j;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_error(401, NULL, &err), JTA_ERR_AUTH);
	ck_assert_int_eq(err.status, 401);
	j = json_pack("{s:[s]}", "errorMessages", "You do not have "
	    "permission to create issues in this project.");
	ck_assert_int_eq(jta_jira_error(403, j, &err), JTA_ERR_AUTH);
	ck_assert_int_eq(err.status, 403);
	ck_assert_ptr_nonnull(strstr(err.detail, "permission to create"));
	ck_assert_int_eq(jta_jira_error(404, j, &err), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(err.status, 404);
	ck_assert_str_eq(err.field, "key");
	ck_assert_str_eq(err.detail, "there is no issue with that key");
	ck_assert_int_eq(jta_jira_error(409, j, &err), JTA_ERR_CONFLICT);
	ck_assert_int_eq(err.status, 409);
	ck_assert_int_eq(jta_jira_error(429, j, &err), JTA_ERR_UPSTREAM);
	ck_assert_int_eq(err.status, 503);
	ck_assert_int_eq(jta_jira_error(503, NULL, &err), JTA_ERR_UPSTREAM);
	ck_assert_int_eq(err.status, 503);
	ck_assert_int_eq(jta_jira_error(500, j, &err), JTA_ERR_UPSTREAM);
	ck_assert_int_eq(err.status, 502);
	ck_assert_str_eq(err.detail, "Jira failed (HTTP 500); try again "
	    "later");
	ck_assert_int_eq(jta_jira_error(502, NULL, &err), JTA_ERR_UPSTREAM);
	ck_assert_int_eq(err.status, 502);
	ck_assert_int_eq(jta_jira_error(504, NULL, &err), JTA_ERR_UPSTREAM);
	ck_assert_int_eq(err.status, 502);
	ck_assert_int_eq(jta_jira_error(410, j, &err), JTA_ERR_UPSTREAM);
	ck_assert_int_eq(err.status, 502);
	ck_assert_int_eq(jta_jira_error(400, NULL, &err), JTA_ERR_INPUT);
	ck_assert_str_eq(err.detail, "Jira refused the request: no reason "
	    "given");
	/* err may be NULL. */
	ck_assert_int_eq(jta_jira_error(400, j, NULL), JTA_ERR_INPUT);
	json_decref(j);
	ck_assert_int_eq(jta_err_status(JTA_ERR_UPSTREAM), 502);
	ck_assert_str_eq(jta_err_name(JTA_ERR_UPSTREAM), "upstream");
}
END_TEST

/* A JQL value Jira does not know names its field in a message only. */
START_TEST(jql_value_refusal_names_the_field)
{
	struct jta_error err;
	json_t		*b;

	memset(&err, 0, sizeof(err));
	b = json_pack("{s:[s], s:{}}", "errorMessages", "The value 'Urgent' "
	    "does not exist for the field 'priority'.", "errors");
	ck_assert_int_eq(jta_jira_error(400, b, &err), JTA_ERR_INPUT);
	ck_assert_int_eq(err.status, 422);
	ck_assert_str_eq(err.field, "priority");
	ck_assert_ptr_nonnull(strstr(err.detail, "'Urgent'"));
	json_decref(b);
	/* An unsafe or missing field name keeps the plain 400. */
	b = json_pack("{s:[s]}", "errorMessages", "The value 'x' does not "
	    "exist for the field 'a\"b'.");
	ck_assert_int_eq(jta_jira_error(400, b, &err), JTA_ERR_INPUT);
	ck_assert_int_eq(err.status, 400);
	json_decref(b);
	b = json_pack("{s:[s]}", "errorMessages", "for the field '");
	ck_assert_int_eq(jta_jira_error(400, b, &err), JTA_ERR_INPUT);
	ck_assert_int_eq(err.status, 400);
	json_decref(b);
}
END_TEST

START_TEST(error_items_added_safely)
{
	struct jta_error	 err;
	char			 msg[JTA_ERROR_MESSAGE + 8];
	size_t			 i;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_error_add(NULL, "a", "b"), -1);
	jta_error_set(&err, JTA_ERR_INPUT, 422, "summary", "x");
	ck_assert_uint_eq(err.nitems, 0);
	ck_assert_int_eq(jta_error_add(&err, "summary", "bad\r\nSet-Cookie:"
	    "\x7f"), 0);
	ck_assert_str_eq(err.items[0].message, "bad  Set-Cookie: ");
	/* A two-byte character cut in half is dropped whole. */
	memset(msg, 'a', JTA_ERROR_MESSAGE - 2);
	memcpy(msg + JTA_ERROR_MESSAGE - 2, "\xc3\xa9zz", 5);
	ck_assert_int_eq(jta_error_add(&err, "labels", msg), 0);
	ck_assert_uint_eq(strlen(err.items[1].message), JTA_ERROR_MESSAGE - 2);
	/* It fits exactly when the character ends at the limit. */
	memset(msg, 'a', JTA_ERROR_MESSAGE - 3);
	memcpy(msg + JTA_ERROR_MESSAGE - 3, "\xc3\xa9zz", 5);
	ck_assert_int_eq(jta_error_add(&err, "labels", msg), 0);
	ck_assert_uint_eq(strlen(err.items[2].message), JTA_ERROR_MESSAGE - 1);
	for (i = err.nitems; i < JTA_ERROR_ITEMS; i++)
		ck_assert_int_eq(jta_error_add(&err, "f", "m"), 0);
	ck_assert_int_eq(jta_error_add(&err, "f", "m"), -1);
	ck_assert_uint_eq(err.nitems, JTA_ERROR_ITEMS);
	/* A new error starts with no items. */
	jta_error_set(&err, JTA_ERR_INPUT, 422, NULL, "y");
	ck_assert_uint_eq(err.nitems, 0);
}
END_TEST

/* ---- create screens and create with names ---- */

/* Parse test JSON (a C string we wrote). */
static json_t *
J(const char *text)
{
	json_error_t	 je;
	json_t		*j = json_loads(text, JSON_REJECT_DUPLICATES, &je);

	ck_assert_msg(j != NULL, "bad test JSON: %s", je.text);
	return j;
}

/* A createmeta field list as Jira answers it (spec shapes). */
static const char META[] =
    "[{\"fieldId\":\"issuetype\",\"key\":\"issuetype\",\"name\":\"Issue "
    "Type\",\"required\":true,\"operations\":[],\"schema\":{\"type\":"
    "\"issuetype\",\"system\":\"issuetype\"}},"
    "{\"fieldId\":\"summary\",\"key\":\"summary\",\"name\":\"Summary\","
    "\"required\":true,\"operations\":[\"set\"],\"schema\":{\"type\":"
    "\"string\",\"system\":\"summary\"}},"
    "{\"fieldId\":\"description\",\"key\":\"description\",\"name\":"
    "\"Description\",\"required\":false,\"operations\":[\"set\"],\"schema\":"
    "{\"type\":\"string\",\"system\":\"description\"}},"
    "{\"fieldId\":\"priority\",\"key\":\"priority\",\"name\":\"Priority\","
    "\"required\":true,\"hasDefaultValue\":true,\"operations\":[\"set\"],"
    "\"schema\":{\"type\":\"priority\",\"system\":\"priority\"},"
    "\"allowedValues\":[{\"id\":\"1\",\"name\":\"High\"},{\"id\":\"2\","
    "\"name\":\"Low\"}],\"defaultValue\":{\"id\":\"2\",\"name\":\"Low\"}},"
    "{\"fieldId\":\"components\",\"key\":\"components\",\"name\":"
    "\"Components\",\"required\":false,\"operations\":[\"add\",\"set\"],"
    "\"schema\":{\"type\":\"array\",\"items\":\"component\",\"system\":"
    "\"components\"},\"allowedValues\":[{\"id\":\"7\",\"name\":\"VPN\"},"
    "{\"id\":\"8\",\"name\":\"Backend\"}]},"
    "{\"fieldId\":\"labels\",\"key\":\"labels\",\"name\":\"Labels\","
    "\"required\":false,\"operations\":[\"set\"],\"schema\":{\"type\":"
    "\"array\",\"items\":\"string\",\"system\":\"labels\"}},"
    "{\"fieldId\":\"reporter\",\"key\":\"reporter\",\"name\":\"Reporter\","
    "\"required\":true,\"operations\":[\"set\"],\"schema\":{\"type\":"
    "\"user\",\"system\":\"reporter\"}},"
    "{\"fieldId\":\"assignee\",\"key\":\"assignee\",\"name\":\"Assignee\","
    "\"required\":false,\"operations\":[\"set\"],\"schema\":{\"type\":"
    "\"user\",\"system\":\"assignee\"}},"
    "{\"fieldId\":\"duedate\",\"key\":\"duedate\",\"name\":\"Due date\","
    "\"required\":false,\"operations\":[\"set\"],\"schema\":{\"type\":"
    "\"date\",\"system\":\"duedate\"}},"
    "{\"fieldId\":\"customfield_1\",\"key\":\"customfield_1\",\"name\":"
    "\"Affected service\",\"required\":true,\"operations\":[\"set\"],"
    "\"schema\":{\"type\":\"option\",\"custom\":\"com.atlassian.jira."
    "plugin.system.customfieldtypes:select\",\"customId\":1},"
    "\"allowedValues\":[{\"id\":\"10\",\"value\":\"Email\"},{\"id\":\"11\","
    "\"value\":\"VPN\"}]},"
    "{\"fieldId\":\"customfield_2\",\"key\":\"customfield_2\",\"name\":"
    "\"Points\",\"required\":false,\"operations\":[\"set\"],\"schema\":"
    "{\"type\":\"number\",\"custom\":\"x:float\"}},"
    "{\"fieldId\":\"customfield_3\",\"key\":\"customfield_3\",\"name\":"
    "\"Notes\",\"required\":false,\"operations\":[\"set\"],\"schema\":"
    "{\"type\":\"string\",\"custom\":\"com.atlassian.jira.plugin.system."
    "customfieldtypes:textarea\"}},"
    "{\"fieldId\":\"parent\",\"key\":\"parent\",\"name\":\"Parent\","
    "\"required\":false,\"operations\":[\"set\"],\"schema\":{\"type\":"
    "\"issuelink\",\"system\":\"parent\"}},"
    "{\"fieldId\":\"customfield_4\",\"key\":\"customfield_4\",\"name\":"
    "\"Where\",\"required\":false,\"operations\":[\"set\"],\"schema\":"
    "{\"type\":\"option-with-child\",\"custom\":\"x:cascadingselect\"}}]";

START_TEST(field_types_from_schema)
{
	static const struct {
		const char	*meta, *want;
	} t[] = {
		{ "{\"schema\":{\"type\":\"string\"}}", "string" },
		{ "{\"schema\":{\"type\":\"string\",\"system\":"
		    "\"description\"}}", "text" },
		{ "{\"schema\":{\"type\":\"string\",\"custom\":"
		    "\"a:textarea\"}}", "text" },
		{ "{\"schema\":{\"type\":\"number\"}}", "number" },
		{ "{\"schema\":{\"type\":\"date\"}}", "date" },
		{ "{\"schema\":{\"type\":\"datetime\"}}", "datetime" },
		{ "{\"schema\":{\"type\":\"priority\"}}", "option" },
		{ "{\"schema\":{\"type\":\"option\"}}", "option" },
		{ "{\"schema\":{\"type\":\"version\"}}", "option" },
		{ "{\"schema\":{\"type\":\"array\",\"items\":\"option\"}}",
		    "options" },
		{ "{\"schema\":{\"type\":\"array\",\"items\":\"component\"}}",
		    "options" },
		{ "{\"schema\":{\"type\":\"array\",\"items\":\"version\"}}",
		    "options" },
		{ "{\"schema\":{\"type\":\"array\",\"items\":\"string\"},"
		    "\"allowedValues\":[\"a\"]}", "options" },
		{ "{\"schema\":{\"type\":\"array\",\"items\":\"string\","
		    "\"system\":\"labels\"}}", "labels" },
		{ "{\"schema\":{\"type\":\"user\"}}", "user" },
		{ "{\"schema\":{\"type\":\"array\",\"items\":\"user\"}}",
		    "users" },
		{ "{\"fieldId\":\"parent\",\"schema\":{\"type\":"
		    "\"issuelink\"}}", "issue" },
		{ "{\"schema\":{\"type\":\"option-with-child\"}}", "other" },
		{ "{\"schema\":{\"type\":\"array\",\"items\":\"json\"}}",
		    "other" },
		{ "{\"schema\":{\"type\":\"array\"}}", "other" },
		{ "{\"schema\":5}", "other" },
		{ "{}", "other" },
	};
	size_t	 i;
	json_t	*m;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		m = J(t[i].meta);
		ck_assert_msg(strcmp(jta_jira_field_type(m), t[i].want) == 0,
		    "%s: got %s", t[i].meta, jta_jira_field_type(m));
		json_decref(m);
	}
}
END_TEST

START_TEST(meta_fields_map_to_our_list)
{
	json_t		*meta = J(META), *out = NULL;
	struct jta_error e;

	ck_assert_int_eq(jta_jira_meta_fields(meta, &out, &e), JTA_OK);
	assert_jsontext(out, "["
	    "{\"id\":\"summary\",\"name\":\"Summary\",\"required\":true,"
	    "\"type\":\"string\"},"
	    "{\"id\":\"description\",\"name\":\"Description\",\"required\":"
	    "false,\"type\":\"text\"},"
	    "{\"id\":\"priority\",\"name\":\"Priority\",\"required\":false,"
	    "\"type\":\"option\",\"allowed\":[\"High\",\"Low\"],\"default\":"
	    "\"Low\"},"
	    "{\"id\":\"components\",\"name\":\"Components\",\"required\":false,"
	    "\"type\":\"options\",\"allowed\":[\"VPN\",\"Backend\"]},"
	    "{\"id\":\"labels\",\"name\":\"Labels\",\"required\":false,"
	    "\"type\":\"labels\"},"
	    "{\"id\":\"assignee\",\"name\":\"Assignee\",\"required\":false,"
	    "\"type\":\"user\"},"
	    "{\"id\":\"duedate\",\"name\":\"Due date\",\"required\":false,"
	    "\"type\":\"date\"},"
	    "{\"id\":\"customfield_1\",\"name\":\"Affected service\","
	    "\"required\":true,\"type\":\"option\",\"allowed\":[\"Email\","
	    "\"VPN\"]},"
	    "{\"id\":\"customfield_2\",\"name\":\"Points\",\"required\":false,"
	    "\"type\":\"number\"},"
	    "{\"id\":\"customfield_3\",\"name\":\"Notes\",\"required\":false,"
	    "\"type\":\"text\"},"
	    "{\"id\":\"parent\",\"name\":\"Parent\",\"required\":false,"
	    "\"type\":\"issue\"},"
	    "{\"id\":\"customfield_4\",\"name\":\"Where\",\"required\":false,"
	    "\"type\":\"other\"}]");
	json_decref(out);
	json_decref(meta);
	/* Not a list: refused as Jira's fault. */
	meta = J("{\"fields\":1}");
	ck_assert_int_eq(jta_jira_meta_fields(meta, &out, &e),
	    JTA_ERR_UPSTREAM);
	ck_assert_ptr_null(out);
	json_decref(meta);
}
END_TEST

START_TEST(meta_type_by_name_or_first_non_subtask)
{
	json_t		*page = J("{\"issueTypes\":[{\"id\":\"5\",\"name\":"
			    "\"Sub-task\",\"subtask\":true},{\"id\":\"1\","
			    "\"name\":\"Task\",\"subtask\":false},"
			    "{\"id\":\"2\",\"name\":\"Bug\"}],\"total\":3}");
	json_t		*names = NULL;
	const json_t	*t;
	struct jta_error e;

	ck_assert_int_eq(jta_jira_meta_type(page, NULL, &t, &names, &e),
	    JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(t, "id")), "1");
	assert_jsontext(names, "[\"Sub-task\",\"Task\",\"Bug\"]");
	json_decref(names);
	ck_assert_int_eq(jta_jira_meta_type(page, "bug", &t, &names, &e),
	    JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(t, "id")), "2");
	json_decref(names);
	ck_assert_int_eq(jta_jira_meta_type(page, "Epic", &t, &names, &e),
	    JTA_ERR_INPUT);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(e.status, 422);
	ck_assert_str_eq(e.field, "type");
	ck_assert_ptr_nonnull(strstr(e.detail, "Sub-task, Task, Bug"));
	ck_assert_uint_eq(json_array_size(names), 3);
	json_decref(names);
	json_decref(page);
}
END_TEST

/* A field the request leaves out that has a default on the create
 * screen (Priority: Low) is shown in the preview and sent as shown. */
START_TEST(resolve_shows_and_sends_screen_defaults)
{
	json_t		*meta = J(META), *out = NULL;
	json_t		*type = J("{\"id\":\"2\",\"name\":\"Bug\"}");
	json_t		*in = J("{\"project\":\"OPS\",\"summary\":\"s\","
			    "\"fields\":{\"Affected service\":\"VPN\"}}");
	struct jta_error e;

	jta_error_begin(&e);
	ck_assert_int_eq(jta_jira_resolve(in, type, meta, &out, &e), JTA_OK);
	ck_assert_uint_eq(e.nitems, 0);
	assert_jsontext(out, "{\"project\":\"OPS\",\"type\":\"Bug\","
	    "\"summary\":\"s\",\"priority\":\"Low\",\"fields\":"
	    "{\"Affected service\":\"VPN\"},"
	    "\"_ids\":{\"fields\":{\"project\":{\"key\":\"OPS\"},\"issuetype\":"
	    "{\"id\":\"2\"},\"summary\":\"s\",\"customfield_1\":{\"id\":"
	    "\"11\"},\"priority\":{\"id\":\"2\"}},\"adf\":[],\"users\":[]}}");
	json_decref(out);
	json_decref(in);
	json_decref(type);
	json_decref(meta);
}
END_TEST

/* Defaults of other kinds: a list of allowed values (components), a
 * string; a field the request sets keeps the request's value, and a
 * person's default is left to Jira. */
START_TEST(resolve_default_lists_strings_and_given_values)
{
	json_t		*meta = J("[{\"fieldId\":\"summary\",\"name\":"
			    "\"Summary\",\"required\":true,\"operations\":"
			    "[\"set\"],\"schema\":{\"type\":\"string\"}},"
			    "{\"fieldId\":\"components\",\"name\":"
			    "\"Components\",\"required\":false,"
			    "\"hasDefaultValue\":true,\"operations\":[\"set\"],"
			    "\"schema\":{\"type\":\"array\",\"items\":"
			    "\"component\"},\"allowedValues\":[{\"id\":\"7\","
			    "\"name\":\"VPN\"}],\"defaultValue\":[{\"id\":"
			    "\"7\",\"name\":\"VPN\"}]},"
			    "{\"fieldId\":\"customfield_5\",\"name\":\"Site\","
			    "\"required\":true,\"hasDefaultValue\":true,"
			    "\"operations\":[\"set\"],\"schema\":{\"type\":"
			    "\"string\"},\"defaultValue\":\"HQ\"},"
			    "{\"fieldId\":\"customfield_6\",\"name\":\"Room\","
			    "\"required\":false,\"hasDefaultValue\":true,"
			    "\"operations\":[\"set\"],\"schema\":{\"type\":"
			    "\"string\"},\"defaultValue\":\"1\"},"
			    "{\"fieldId\":\"customfield_7\",\"name\":\"Owner\","
			    "\"required\":false,\"hasDefaultValue\":true,"
			    "\"operations\":[\"set\"],\"schema\":{\"type\":"
			    "\"user\"},\"defaultValue\":{\"accountId\":"
			    "\"5b10a2844c20165700ede21g\"}}]"), *out = NULL;
	json_t		*type = J("{\"id\":\"2\",\"name\":\"Bug\"}");
	json_t		*in = J("{\"project\":\"OPS\",\"summary\":\"s\","
			    "\"fields\":{\"Room\":\"2\"}}");
	struct jta_error e;

	jta_error_begin(&e);
	ck_assert_int_eq(jta_jira_resolve(in, type, meta, &out, &e), JTA_OK);
	ck_assert_uint_eq(e.nitems, 0);
	assert_jsontext(out, "{\"project\":\"OPS\",\"type\":\"Bug\","
	    "\"summary\":\"s\",\"components\":[\"VPN\"],\"fields\":"
	    "{\"Room\":\"2\",\"Site\":\"HQ\"},"
	    "\"_ids\":{\"fields\":{\"project\":{\"key\":\"OPS\"},"
	    "\"issuetype\":{\"id\":\"2\"},\"summary\":\"s\","
	    "\"customfield_6\":\"2\",\"components\":[{\"id\":\"7\"}],"
	    "\"customfield_5\":\"HQ\"},\"adf\":[],\"users\":[]}}");
	json_decref(out);
	json_decref(in);
	json_decref(type);
	json_decref(meta);
}
END_TEST

START_TEST(resolve_names_to_ids)
{
	json_t		*meta = J(META), *out = NULL, *pv;
	json_t		*type = J("{\"id\":\"2\",\"name\":\"Bug\"}");
	json_t		*in = J("{\"project\":\"OPS\",\"summary\":\"s\","
			    "\"description\":\"**d**\",\"priority\":\"high\","
			    "\"components\":[\"vpn\",\"Backend\"],\"labels\":"
			    "[\"x\"],\"assignee\":\"bob@example.com\","
			    "\"parent\":\"OPS-1\",\"fields\":{\"affected "
			    "service\":\"VPN\",\"customfield_2\":2.5,"
			    "\"Due date\":\"2026-12-24\",\"Notes\":\"n\"}}");
	struct jta_error e;

	jta_error_begin(&e);
	ck_assert_int_eq(jta_jira_resolve(in, type, meta, &out, &e), JTA_OK);
	ck_assert_uint_eq(e.nitems, 0);
	assert_jsontext(out, "{\"project\":\"OPS\",\"type\":\"Bug\","
	    "\"summary\":\"s\",\"description\":\"**d**\",\"priority\":\"High\","
	    "\"components\":[\"VPN\",\"Backend\"],\"labels\":[\"x\"],"
	    "\"parent\":\"OPS-1\",\"fields\":{\"Affected service\":\"VPN\","
	    "\"Points\":2.5,\"Due date\":\"2026-12-24\",\"Notes\":\"n\"},"
	    "\"_ids\":{\"fields\":{\"project\":{\"key\":\"OPS\"},\"issuetype\":"
	    "{\"id\":\"2\"},\"summary\":\"s\",\"description\":\"**d**\","
	    "\"priority\":{\"id\":\"1\"},\"components\":[{\"id\":\"7\"},"
	    "{\"id\":\"8\"}],\"labels\":[\"x\"],\"assignee\":null,\"parent\":"
	    "{\"key\":\"OPS-1\"},\"customfield_1\":{\"id\":\"11\"},"
	    "\"customfield_2\":2.5,\"duedate\":\"2026-12-24\","
	    "\"customfield_3\":\"n\"},"
	    "\"adf\":[\"description\",\"customfield_3\"],"
	    "\"users\":[{\"field\":\"assignee\",\"id\":\"assignee\",\"name\":"
	    "\"Assignee\",\"values\":[\"bob@example.com\"],"
	    "\"multi\":false}]}}");
	/* The preview shown leaves the backend's own members out. */
	pv = jta_backend_preview(out);
	ck_assert_ptr_nonnull(pv);
	ck_assert_ptr_null(json_object_get(pv, "_ids"));
	ck_assert_uint_eq(json_object_size(pv), json_object_size(out) - 1);
	ck_assert_ptr_null(jta_backend_preview(json_object_get(in,
	    "summary")));
	json_decref(pv);
	json_decref(out);
	json_decref(in);
	json_decref(type);
	json_decref(meta);
}
END_TEST

START_TEST(resolve_collects_every_problem)
{
	json_t		*meta = J(META), *out = NULL;
	json_t		*type = J("{\"id\":\"2\",\"name\":\"Bug\"}");
	json_t		*in = J("{\"project\":\"OPS\",\"summary\":\"s\","
			    "\"priority\":\"Urgent\",\"components\":[\"Fax\","
			    "\"VPN\",\"Mail\"],\"fields\":{\"Points\":\"many\","
			    "\"Colour\":\"red\",\"Due date\":\"24.12.2026\","
			    "\"Priority\":\"High\",\"Where\":\"x\"}}");
	struct jta_error e;
	size_t		 i;

	jta_error_begin(&e);
	ck_assert_int_eq(jta_jira_resolve(in, type, meta, &out, &e), JTA_OK);
	ck_assert_uint_eq(e.nitems, 8);
	ck_assert_str_eq(e.items[0].field, "priority");
	ck_assert_str_eq(e.items[0].message, "has no value 'Urgent'");
	ck_assert_uint_eq(e.items[0].nallowed, 2);
	ck_assert_str_eq(e.items[0].question, "Which priority should it "
	    "have: High or Low?");
	ck_assert_str_eq(e.items[1].field, "components");
	ck_assert_str_eq(e.items[1].message, "has no values 'Fax', 'Mail'");
	ck_assert_str_eq(e.items[1].question, "Which components does it "
	    "belong to (one or more): VPN or Backend?");
	/* fields are an object: their order is jansson's; find each. */
	for (i = 2; i < e.nitems; i++) {
		const struct jta_error_item *it = &e.items[i];

		if (strcmp(it->field, "fields.Points") == 0) {
			ck_assert_str_eq(it->message, "must be a number");
			ck_assert_str_eq(it->question, "What number should "
			    "Points be?");
		} else if (strcmp(it->field, "fields.Colour") == 0) {
			ck_assert_uint_gt(it->nallowed, 3);
			ck_assert_str_eq(it->question, "Which field of a Bug "
			    "did you mean? (see allowed)");
		} else if (strcmp(it->field, "fields.Due date") == 0)
			ck_assert_str_eq(it->question, "What date should Due "
			    "date be? (YYYY-MM-DD)");
		else if (strcmp(it->field, "fields.Priority") == 0)
			ck_assert_ptr_nonnull(strstr(it->message,
			    "\"priority\""));
		else if (strcmp(it->field, "fields.Where") == 0)
			ck_assert_ptr_nonnull(strstr(it->message,
			    "cannot be set"));
		else if (strcmp(it->field, "fields.Affected service") == 0) {
			ck_assert_str_eq(it->message, "is required");
			ck_assert_str_eq(it->name, "Affected service");
			ck_assert_str_eq(it->question, "What should Affected "
			    "service be: Email or VPN?");
		} else
			ck_abort_msg("unexpected problem %s", it->field);
		ck_assert_uint_le(strlen(it->question), 200);
	}
	ck_assert_int_eq(jta_error_collected(&e), JTA_ERR_INPUT);
	ck_assert_int_eq(e.status, 422);
	ck_assert_str_eq(e.field, "priority");
	ck_assert(strncmp(e.detail, "8 problems: priority: has no value "
	    "'Urgent' (allowed: High, Low)", 60) == 0);
	json_decref(out);
	json_decref(in);
	json_decref(type);
	json_decref(meta);
}
END_TEST

START_TEST(resolve_refuses_fields_off_the_screen)
{
	json_t		*meta = J("[{\"fieldId\":\"summary\",\"name\":"
			    "\"Summary\",\"required\":true,\"schema\":"
			    "{\"type\":\"string\"}}]"), *out = NULL;
	json_t		*type = J("{\"id\":\"1\",\"name\":\"Task\"}");
	json_t		*in = J("{\"project\":\"OPS\",\"summary\":\"s\","
			    "\"priority\":\"High\",\"parent\":\"OPS-1\","
			    "\"assignee\":null}");
	struct jta_error e;

	jta_error_begin(&e);
	ck_assert_int_eq(jta_jira_resolve(in, type, meta, &out, &e), JTA_OK);
	ck_assert_uint_eq(e.nitems, 3);
	ck_assert_str_eq(e.items[0].field, "priority");
	ck_assert_ptr_nonnull(strstr(e.items[0].message, "create screen"));
	ck_assert_str_eq(e.items[1].field, "assignee");
	ck_assert_str_eq(e.items[2].field, "parent");
	ck_assert_str_eq(e.items[2].question, "Which issue is its parent? (an "
	    "issue key like OPS-12)");
	json_decref(out);
	json_decref(in);
	json_decref(type);
	json_decref(meta);
}
END_TEST

/* ---- similar issues and users ---- */

START_TEST(jql_similar_any_term_quoted)
{
	struct jta_suggest_terms t;
	struct jta_error e;
	char		 buf[JTA_LIMIT_JQL + 1];

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_jira_jql_similar("The VPN \"tunnel\" OR drops*"
	    " AND currentUser()", NULL, &t, buf, sizeof(buf), &e), JTA_OK);
	ck_assert_str_eq(buf, "text ~ \"vpn OR tunnel OR drops OR "
	    "currentuser\"");
	ck_assert_uint_eq(t.n, 4);
	ck_assert_int_eq(jta_jira_jql_similar("vpn", "OPS", &t, buf,
	    sizeof(buf), &e), JTA_OK);
	ck_assert_str_eq(buf, "project = \"OPS\" AND text ~ \"vpn\"");
}
END_TEST

START_TEST(jql_similar_refusals_name_the_field)
{
	static const struct {
		const char	*text, *project, *field;
	} bad[] = {
		{ "the and of", NULL, "text" },
		{ "vpn\x01", NULL, "text" },
		{ "vpn \xc2\x85", NULL, "text" },
		{ "\xff\xfe", NULL, "text" },
		{ NULL, NULL, "text" },
		{ "vpn", "O\"P\nS", "project" },
	};
	struct jta_suggest_terms t;
	struct jta_error e;
	char		 buf[JTA_LIMIT_JQL + 1];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		buf[0] = 'x';
		ck_assert_int_eq(jta_jira_jql_similar(bad[i].text,
		    bad[i].project, &t, buf, sizeof(buf), &e), JTA_ERR_INPUT);
		ck_assert_int_eq(e.status, 422);
		ck_assert_str_eq(e.field, bad[i].field);
		ck_assert_str_eq(buf, "");
	}
}
END_TEST

START_TEST(similar_body_asks_for_the_suggestion_fields)
{
	json_t	*b = jta_jira_similar_body("text ~ \"vpn\"", 500);

	assert_jsontext(b, "{\"jql\":\"text ~ \\\"vpn\\\"\",\"maxResults\":50,"
	    "\"fields\":[\"summary\",\"status\",\"issuetype\",\"priority\","
	    "\"labels\",\"components\",\"project\",\"updated\"]}");
	json_decref(b);
}
END_TEST

static json_t *
jtext(const char *s)
{
	json_error_t	 je;
	json_t		*j = json_loadb(s, strlen(s), 0, &je);

	ck_assert_msg(j != NULL, "bad test JSON: %s", je.text);
	return j;
}

START_TEST(similar_result_ranked_by_terms_found)
{
	struct jta_suggest_terms t;
	struct jta_error e;
	json_t	*in = jtext("{\"issues\":["
	    "{\"key\":\"OPS-3\",\"fields\":{\"summary\":\"Printer jam\","
	    "\"labels\":[\"vpn\"]}},"
	    "{\"key\":\"OPS-1\",\"fields\":{\"summary\":\"VPN tunnel drops\","
	    "\"status\":{\"name\":\"To Do\"},\"issuetype\":{\"name\":\"Bug\"},"
	    "\"priority\":{\"name\":\"High\"},\"project\":{\"key\":\"OPS\"},"
	    "\"labels\":[\"vpn\",7],\"components\":[{\"name\":\"VPN\"},"
	    "{\"id\":\"1\"}],\"updated\":\"2026-11-20T16:40:00.000+0000\"}},"
	    "{\"key\":\"SUP-9\",\"fields\":{\"summary\":\"Nothing\"}}]}");
	json_t	*out = NULL;

	jta_suggest_terms("vpn tunnel", &t);
	ck_assert_int_eq(jta_jira_similar_result(in, URL, &t, 2, &out, &e),
	    JTA_OK);
	assert_jsontext(out, "[{\"key\":\"OPS-1\",\"url\":\"" URL
	    "/browse/OPS-1\",\"summary\":\"VPN tunnel drops\",\"status\":"
	    "\"To Do\",\"type\":\"Bug\",\"priority\":\"High\",\"project\":"
	    "\"OPS\",\"labels\":[\"vpn\"],\"components\":[\"VPN\"],"
	    "\"updated\":\"2026-11-20T16:40:00Z\",\"score\":1.0},"
	    "{\"key\":\"OPS-3\",\"url\":\"" URL "/browse/OPS-3\","
	    "\"summary\":\"Printer jam\",\"status\":null,\"type\":null,"
	    "\"priority\":null,\"project\":null,\"labels\":[\"vpn\"],"
	    "\"components\":[],\"updated\":null,\"score\":0.5}]");
	json_decref(out);
	/* SUP-9 matched in a text we do not score (its description): score
	 * 0, left out even when the limit has room for it. */
	ck_assert_int_eq(jta_jira_similar_result(in, URL, &t, 5, &out, &e),
	    JTA_OK);
	ck_assert_uint_eq(json_array_size(out), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(out,
	    1), "key")), "OPS-3");
	json_decref(out);
	json_decref(in);
	in = jtext("{\"issues\":[{\"key\":\"not a key\"}]}");
	ck_assert_int_eq(jta_jira_similar_result(in, URL, &t, 2, &out, &e),
	    JTA_ERR_UPSTREAM);
	ck_assert_ptr_null(out);
	json_decref(in);
	in = jtext("{\"issues\":{}}");
	ck_assert_int_eq(jta_jira_similar_result(in, URL, &t, 2, &out, &e),
	    JTA_ERR_UPSTREAM);
	json_decref(in);
}
END_TEST

/* The key of the person jta_jira_person_pick chose from users, or NULL. */
static const char *
picked(const json_t *users, const char *value, int *several)
{
	return json_string_value(json_object_get(jta_jira_person_pick(users,
	    value, several), "accountId"));
}

START_TEST(issue_url_opens_on_the_site)
{
	struct jta_error e;
	json_t	*in = jtext("{\"issues\":[{\"key\":\"OPS-7\","
	    "\"fields\":{}}]}");
	json_t	*out = NULL;

	ck_assert_int_eq(jta_jira_search_result(in,
	    "https://acme.atlassian.net/", &out, &e), JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(out, "issues"), 0), "url")),
	    "https://acme.atlassian.net/browse/OPS-7");
	json_decref(out);
	/* A site address no person should be sent to. */
	ck_assert_int_eq(jta_jira_search_result(in, "javascript:alert(1)//",
	    &out, &e), JTA_ERR_UPSTREAM);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(jta_jira_search_result(in, "http://evil.example",
	    &out, &e), JTA_ERR_UPSTREAM);
	ck_assert_int_eq(jta_jira_search_result(in,
	    "https://a.example/\"><script>", &out, &e), JTA_ERR_UPSTREAM);
	ck_assert_int_eq(jta_jira_search_result(in, NULL, &out, &e),
	    JTA_ERR_INTERNAL);
	json_decref(in);
}
END_TEST

START_TEST(person_pick_is_the_one_asked_for)
{
	json_t	*two = jtext("["
	    "{\"accountId\":\"712020:aaa\",\"displayName\":\"Bob Builder\","
	    "\"emailAddress\":\"bob@example.com\"},"
	    "{\"accountId\":\"712020:bbb\",\"displayName\":\"Bobby Tables\","
	    "\"emailAddress\":\"bobby@example.com\"}]");
	json_t	*other = jtext("[{\"accountId\":\"712020:ccc\","
	    "\"displayName\":\"Mallory\",\"emailAddress\":"
	    "\"mallory@example.com\"}]");
	json_t	*hidden = jtext("[{\"accountId\":\"712020:ddd\","
	    "\"displayName\":\"Hidden Mail\"}]");
	json_t	*noid = jtext("[{\"displayName\":\"Bob Builder\"}]");
	int	 several;

	/* Exact account id, email (any case) or display name. */
	ck_assert_str_eq(picked(two, "712020:bbb", &several), "712020:bbb");
	ck_assert_int_eq(several, 0);
	ck_assert_str_eq(picked(two, "BOB@example.com", &several),
	    "712020:aaa");
	ck_assert_str_eq(picked(two, "bobby tables", &several), "712020:bbb");
	/* A prefix of two people: several, none picked. */
	ck_assert_ptr_null(picked(two, "bob", &several));
	ck_assert_int_eq(several, 1);
	/* Jira answered someone else for an account id or an email: not
	 * the one asked for, even when they are the only answer. */
	ck_assert_ptr_null(picked(other, "712020:zzz", &several));
	ck_assert_int_eq(several, 0);
	ck_assert_ptr_null(picked(other, "5b10ac8d82e05b22cc7d4ef5",
	    &several));
	ck_assert_ptr_null(picked(other, "bob@example.com", &several));
	/* A name's only match is the person (Jira matched a word of it). */
	ck_assert_str_eq(picked(other, "mall", &several), "712020:ccc");
	/* An email Jira does not show: its only match is taken on Jira's
	 * word, which matched the address. */
	ck_assert_str_eq(picked(hidden, "hid@example.com", &several),
	    "712020:ddd");
	ck_assert_ptr_null(picked(noid, "Bob Builder", &several));
	ck_assert_ptr_null(picked(NULL, "bob", &several));
	json_decref(two);
	json_decref(other);
	json_decref(hidden);
	json_decref(noid);
}
END_TEST

START_TEST(users_keep_active_atlassian_accounts)
{
	struct jta_error e;
	json_t	*in = jtext("["
	    "{\"accountId\":\"5b10a2844c20165700ede21g\",\"accountType\":"
	    "\"atlassian\",\"active\":true,\"displayName\":\"Mia Krystof\","
	    "\"emailAddress\":\"mia@example.com\"},"
	    "{\"accountId\":\"557058:bot\",\"accountType\":\"app\","
	    "\"active\":true,\"displayName\":\"Automation\"},"
	    "{\"accountId\":\"5b10ac8d82e05b22cc7d4ef5\",\"accountType\":"
	    "\"atlassian\",\"active\":false,\"displayName\":\"Gone\"},"
	    "{\"accountId\":\"bad id!\",\"accountType\":\"atlassian\","
	    "\"active\":true,\"displayName\":\"Evil\"},"
	    "{\"accountId\":\"712020:x\",\"accountType\":\"atlassian\","
	    "\"active\":true,\"displayName\":\"Hidden Mail\"},"
	    "{\"accountId\":\"712020:y\",\"accountType\":\"atlassian\","
	    "\"active\":true,\"displayName\":\"Over The Limit\"}]");
	json_t	*out = NULL;

	ck_assert_int_eq(jta_jira_users(in, 2, &out, &e), JTA_OK);
	assert_jsontext(out, "{\"users\":[{\"id\":\"5b10a2844c20165700ede21g\","
	    "\"name\":\"Mia Krystof\",\"email\":\"mia@example.com\"},"
	    "{\"id\":\"712020:x\",\"name\":\"Hidden Mail\"}]}");
	json_decref(out);
	json_decref(in);
	in = jtext("{\"values\":[]}");
	ck_assert_int_eq(jta_jira_users(in, 2, &out, &e), JTA_ERR_UPSTREAM);
	ck_assert_ptr_null(out);
	json_decref(in);
}
END_TEST

/* ---- exactly-once creates ---- */

START_TEST(once_property_on_the_create_body)
{
	json_t	*body = json_pack("{s:{s:s}}", "fields", "summary", "s");
	json_t	*want = json_pack("[{s:s, s:{s:s}}]", "key", "jta.once",
		    "value", "token", "o_abcdefghijklmnopqrstuv");

	ck_assert_int_eq(jta_jira_once_property(body,
	    "o_abcdefghijklmnopqrstuv"), JTA_OK);
	ck_assert(json_equal(json_object_get(body, "properties"), want));
	/* A token we did not make is a bug, never sent. */
	ck_assert_int_eq(jta_jira_once_property(body, ""), JTA_ERR_INTERNAL);
	ck_assert_int_eq(jta_jira_once_property(body, "o_a b"),
	    JTA_ERR_INTERNAL);
	ck_assert_int_eq(jta_jira_once_property(body,
	    "o_abcdefghijklmnopqrstuvw"), JTA_ERR_INTERNAL);
	json_decref(body);
	json_decref(want);
}
END_TEST

START_TEST(once_jql_looks_back_to_the_first_attempt)
{
	char	 buf[256];

	ck_assert_int_eq(jta_jira_once_jql("OPS", 1000, 1010, buf,
	    sizeof(buf)), 0);
	ck_assert_str_eq(buf, "project = \"OPS\" AND reporter = currentUser() "
	    "AND created >= \"-15m\" ORDER BY created DESC");
	ck_assert_int_eq(jta_jira_once_jql("OPS", 1000, 1000 + 3600, buf,
	    sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "\"-62m\""));
	ck_assert_int_eq(jta_jira_once_jql("OPS", 1, 1 + 30 * 86400, buf,
	    sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "\"-10080m\""));
	ck_assert_int_eq(jta_jira_once_jql("ops", 1, 2, buf, sizeof(buf)),
	    -1);
	ck_assert_int_eq(jta_jira_once_jql("OPS\" OR x", 1, 2, buf,
	    sizeof(buf)), -1);
	ck_assert_int_eq(jta_jira_once_jql(NULL, 1, 2, buf, sizeof(buf)), -1);
	ck_assert_int_eq(jta_jira_once_jql("OPS", 1, 2, buf, 20), -1);
}
END_TEST

START_TEST(once_match_only_the_same_token)
{
	json_t	*p = json_pack("{s:s, s:{s:s}}", "key", "jta.once", "value",
		    "token", "o_1");
	json_t	*q = json_pack("{s:s, s:s}", "key", "jta.once", "value",
		    "o_1");

	ck_assert_int_eq(jta_jira_once_match(p, "o_1"), 1);
	ck_assert_int_eq(jta_jira_once_match(p, "o_2"), 0);
	ck_assert_int_eq(jta_jira_once_match(q, "o_1"), 0);
	ck_assert_int_eq(jta_jira_once_match(NULL, "o_1"), 0);
	ck_assert_int_eq(jta_jira_once_match(p, NULL), 0);
	json_decref(p);
	json_decref(q);
}
END_TEST

/* ---- /api/tickets/ ---- */

static void
assert_tk_jql(const struct jta_tk_query *q, const char *want)
{
	char			 buf[JTA_LIMIT_JQL + 1];
	struct jta_error	 err;
	int			 none = 0;

	memset(&err, 0, sizeof(err));
	ck_assert_msg(jta_jira_tk_jql(q, "OPS", buf, sizeof(buf), &none,
	    &err) == JTA_OK, "refused: %s", err.detail);
	ck_assert_int_eq(none, 0);
	ck_assert_str_eq(buf, want);
}

START_TEST(tk_jql_no_filter_is_the_project_newest_first)
{
	struct jta_tk_query	 q;

	memset(&q, 0, sizeof(q));
	assert_tk_jql(&q, "project = \"OPS\" ORDER BY created DESC, key DESC");
}
END_TEST

START_TEST(tk_jql_every_filter)
{
	struct jta_tk_query	 q;
	json_t			*ids = json_pack("[i,i]", 10001, 10002);
	json_t			*sts = json_pack("[s]", "RESOLVED");

	memset(&q, 0, sizeof(q));
	q.id = 10001;
	q.ids = ids;
	q.title_icontains = "Printer (3rd)";
	q.search = "disk AND full";
	q.created_gte = 1764547200;	/* 2025-12-01 00:00 UTC */
	q.created_lte = 1764550800;
	q.statuses = sts;
	q.ordering = "-title";
	assert_tk_jql(&q, "project = \"OPS\" AND id = 10001 AND id in "
	    "(10001, 10002) AND summary ~ \"Printer 3rd\" AND text ~ "
	    "\"disk and full\" AND created >= \"2025-12-01 00:00\" AND "
	    "created <= \"2025-12-01 01:00\" AND statusCategory = \"Done\" "
	    "ORDER BY summary DESC, key DESC");
	json_decref(ids);
	json_decref(sts);
}
END_TEST

START_TEST(tk_jql_open_is_not_done_closed_is_none)
{
	struct jta_tk_query	 q;
	char			 buf[JTA_LIMIT_JQL + 1];
	struct jta_error	 err;
	json_t			*open = json_pack("[s,s]", "OPEN", "CLOSED");
	json_t			*closed = json_pack("[s]", "CLOSED");
	json_t			*both = json_pack("[s,s]", "OPEN", "RESOLVED");
	int			 none = 0;

	memset(&q, 0, sizeof(q));
	q.statuses = open;
	q.ordering = "updated";
	assert_tk_jql(&q, "project = \"OPS\" AND statusCategory != \"Done\" "
	    "ORDER BY updated ASC, key DESC");
	q.statuses = both;
	assert_tk_jql(&q, "project = \"OPS\" ORDER BY updated ASC, key DESC");
	q.statuses = closed;
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_tk_jql(&q, "OPS", buf, sizeof(buf), &none,
	    &err), JTA_OK);
	ck_assert_int_eq(none, 1);
	ck_assert_str_eq(buf, "");
	json_decref(open);
	json_decref(closed);
	json_decref(both);
}
END_TEST

START_TEST(tk_jql_hostile_text_stays_a_literal)
{
	struct jta_tk_query	 q;
	char			 buf[JTA_LIMIT_JQL + 1];
	struct jta_error	 err;
	int			 none = 0;

	memset(&q, 0, sizeof(q));
	q.search = "x\" OR project = SUP";
	assert_tk_jql(&q, "project = \"OPS\" AND text ~ \"x or project = "
	    "SUP\" ORDER BY created DESC, key DESC");
	q.search = NULL;
	q.title_icontains = "\"**\"";
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_tk_jql(&q, "OPS", buf, sizeof(buf), &none,
	    &err), JTA_ERR_INPUT);
	ck_assert_int_eq(err.status, 400);
	ck_assert_str_eq(err.field, "title__icontains");
	q.title_icontains = "a\x01b";
	ck_assert_int_eq(jta_jira_tk_jql(&q, "OPS", buf, sizeof(buf), &none,
	    &err), JTA_ERR_INPUT);
	ck_assert_int_eq(err.status, 400);
	q.title_icontains = NULL;
	ck_assert_int_eq(jta_jira_tk_jql(&q, "OPS\" OR x", buf, sizeof(buf),
	    &none, &err), JTA_ERR_CONFIG);
}
END_TEST

START_TEST(tk_ids_read_and_checked)
{
	json_t		*ids = json_array();
	json_t		*page = json_pack("{s:[{s:s},{s:s}], s:s}",
			    "issues", "id", "10002", "id", "10001",
			    "nextPageToken", "t1");
	json_t		*last = json_pack("{s:[{s:s}], s:b}", "issues", "id",
			    "7", "isLast", 1);
	json_t		*badid = json_pack("{s:[{s:s}]}", "issues", "id",
			    "2147483648");
	json_t		*empty = json_pack("{s:[], s:s}", "issues",
			    "nextPageToken", "t2");
	const char	*next;
	struct jta_error err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_tk_ids(page, ids, &next, &err), JTA_OK);
	ck_assert_str_eq(next, "t1");
	ck_assert_int_eq(jta_jira_tk_ids(last, ids, &next, &err), JTA_OK);
	ck_assert_ptr_null(next);
	assert_jsontext(ids, "[10002, 10001, 7]");
	ck_assert_int_eq(jta_jira_tk_ids(badid, ids, &next, &err),
	    JTA_ERR_UPSTREAM);
	ck_assert_int_eq(jta_jira_tk_ids(empty, ids, &next, &err),
	    JTA_ERR_UPSTREAM);
	json_decref(ids);
	json_decref(page);
	json_decref(last);
	json_decref(badid);
	json_decref(empty);
}
END_TEST

START_TEST(tk_ticket_maps_category)
{
	json_t		*done = json_pack("{s:s, s:s, s:{s:s, s:n, s:s, "
			    "s:{s:s, s:{s:s}}, s:{s:s}}}", "id", "10005", "key",
			    "OPS-5", "fields", "summary", "Jam", "description",
			    "created", "2026-11-22T10:00:00.000+0000", "status",
			    "name", "Closed", "statusCategory", "key", "done",
			    "project", "key", "OPS");
	json_t		*out = NULL;
	const char	*proj;
	struct jta_error err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_tk_ticket(done, &out, &proj, &err), JTA_OK);
	ck_assert_str_eq(proj, "OPS");
	assert_jsontext(out, "{\"id\": 10005, \"title\": \"Jam\", "
	    "\"description\": null, \"created\": \"2026-11-22T10:00:00Z\", "
	    "\"resolution_status\": \"RESOLVED\"}");
	json_decref(out);
	json_object_set_new(json_object_get(json_object_get(json_object_get(
	    done, "fields"), "status"), "statusCategory"), "key",
	    json_string("indeterminate"));
	ck_assert_int_eq(jta_jira_tk_ticket(done, &out, &proj, &err), JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(out,
	    "resolution_status")), "OPEN");
	json_decref(out);
	json_object_set_new(done, "id", json_string("OPS-5"));
	ck_assert_int_eq(jta_jira_tk_ticket(done, &out, &proj, &err),
	    JTA_ERR_UPSTREAM);
	json_decref(done);
}
END_TEST

START_TEST(tk_transition_by_category)
{
	json_t		*tr = json_pack("{s:[{s:s, s:{s:s, s:{s:s}}},"
			    "{s:s, s:b, s:{s:s, s:{s:s}}},"
			    "{s:s, s:{s:s, s:{s:s}}}]}", "transitions",
			    "id", "31", "to", "name", "To Do", "statusCategory",
			    "key", "new",
			    "id", "99", "isAvailable", 0, "to", "name", "Done",
			    "statusCategory", "key", "done",
			    "id", "21", "to", "name", "Done", "statusCategory",
			    "key", "done");
	json_t		*none = json_pack("{s:[{s:s, s:{s:s, s:{s:s}}}]}",
			    "transitions", "id", "11", "to", "name",
			    "In Progress", "statusCategory", "key",
			    "indeterminate");
	const char	*id;
	struct jta_error err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_tk_transition(tr, 1, &id, &err), JTA_OK);
	ck_assert_str_eq(id, "21");
	ck_assert_int_eq(jta_jira_tk_transition(tr, 0, &id, &err), JTA_OK);
	ck_assert_str_eq(id, "31");
	ck_assert_int_eq(jta_jira_tk_transition(none, 1, &id, &err),
	    JTA_ERR_CONFLICT);
	ck_assert_int_eq(err.status, 409);
	ck_assert_str_eq(err.field, "resolution_status");
	ck_assert_ptr_nonnull(strstr(err.detail, "In Progress"));
	json_decref(tr);
	json_decref(none);
}
END_TEST

Suite *
jta_check_suite(void)
{
	Suite	*s = suite_create("jta_jira");
	TCase	*jql = tcase_create("jql");
	TCase	*map = tcase_create("mappers");
	TCase	*body = tcase_create("bodies");
	TCase	*errs = tcase_create("errors");
	TCase	*tk = tcase_create("tickets");

	tcase_add_test(jql, jql_every_filter_in_order);
	tcase_add_test(jql, jql_every_order);
	tcase_add_test(jql, jql_quotes_and_backslashes_escaped);
	tcase_add_test(jql, jql_injection_stays_a_literal);
	tcase_add_test(jql, jql_mine_is_current_user);
	tcase_add_test(jql, jql_text_lucene_syntax_removed);
	tcase_add_test(jql, jql_text_without_words_refused);
	tcase_add_test(jql, jql_control_characters_refused);
	tcase_add_test(jql, jql_unicode_kept);
	tcase_add_test(jql, jql_dates_are_utc_minutes);
	tcase_add_test(jql, jql_without_filters_refused);
	tcase_add_test(jql, jql_length_bounded);
	tcase_add_test(jql, jql_raw_check_bounds);
	tcase_add_test(jql, jql_similar_any_term_quoted);
	tcase_add_test(jql, jql_similar_refusals_name_the_field);
	tcase_add_test(jql, similar_body_asks_for_the_suggestion_fields);
	suite_add_tcase(s, jql);

	tcase_add_test(map, search_body_shape);
	tcase_add_test(map, search_spec_example);
	tcase_add_test(map, search_full_page);
	tcase_add_test(map, search_wrong_types_become_null);
	tcase_add_test(map, search_unusable_answers_refused);
	tcase_add_test(map, search_more_issues_than_a_page_refused);
	tcase_add_test(map, search_page_token_checked);
	tcase_add_test(map, search_keys_checked);
	tcase_add_test(map, issue_spec_example);
	tcase_add_test(map, issue_full_last_comments);
	tcase_add_test(map, issue_wrong_types_become_null);
	tcase_add_test(map, issue_adf_is_copied);
	tcase_add_test(map, issue_huge_comment_list);
	tcase_add_test(map, issue_too_many_labels_refused);
	tcase_add_test(map, transitions_spec_example);
	tcase_add_test(map, transitions_deduped_and_unavailable_left_out);
	tcase_add_test(map, transitions_bad_answers_refused);
	tcase_add_test(map, transition_id_matches_target_then_name);
	tcase_add_test(map, transition_id_conflict_names_allowed);
	tcase_add_test(map, transition_conflict_detail_bounded);
	tcase_add_test(map, projects_spec_example);
	tcase_add_test(map, projects_with_types_and_priority_page);
	tcase_add_test(map, projects_bad_answers_refused);
	tcase_add_test(map, types_from_createmeta);
	tcase_add_test(map, field_types_from_schema);
	tcase_add_test(map, meta_fields_map_to_our_list);
	tcase_add_test(map, meta_type_by_name_or_first_non_subtask);
	tcase_add_test(map, resolve_names_to_ids);
	tcase_add_test(map, resolve_shows_and_sends_screen_defaults);
	tcase_add_test(map, resolve_default_lists_strings_and_given_values);
	tcase_add_test(map, resolve_collects_every_problem);
	tcase_add_test(map, resolve_refuses_fields_off_the_screen);
	tcase_add_test(map, me_spec_example);
	tcase_add_test(map, me_bad_account_id_refused);
	tcase_add_test(map, similar_result_ranked_by_terms_found);
	tcase_add_test(map, issue_url_opens_on_the_site);
	tcase_add_test(map, person_pick_is_the_one_asked_for);
	tcase_add_test(map, users_keep_active_atlassian_accounts);
	suite_add_tcase(s, map);

	tcase_add_test(body, create_body_shape);
	tcase_add_test(body, create_body_refusals);
	tcase_add_test(body, edit_body_shape);
	tcase_add_test(body, edit_body_refusals);
	tcase_add_test(body, comment_body_shape);
	tcase_add_test(body, once_property_on_the_create_body);
	tcase_add_test(body, once_jql_looks_back_to_the_first_attempt);
	tcase_add_test(body, once_match_only_the_same_token);
	suite_add_tcase(s, body);

	tcase_add_test(errs, error_spec_example_message);
	tcase_add_test(errs, error_fields_mapped_to_ours);
	tcase_add_test(errs, error_hostile_text_bounded);
	tcase_add_test(errs, error_statuses_mapped);
	tcase_add_test(errs, error_items_added_safely);
	tcase_add_test(errs, jql_value_refusal_names_the_field);
	suite_add_tcase(s, errs);
	tcase_add_test(tk, tk_jql_no_filter_is_the_project_newest_first);
	tcase_add_test(tk, tk_jql_every_filter);
	tcase_add_test(tk, tk_jql_open_is_not_done_closed_is_none);
	tcase_add_test(tk, tk_jql_hostile_text_stays_a_literal);
	tcase_add_test(tk, tk_ids_read_and_checked);
	tcase_add_test(tk, tk_ticket_maps_category);
	tcase_add_test(tk, tk_transition_by_category);
	suite_add_tcase(s, tk);
	return s;
}
