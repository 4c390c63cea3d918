/*
 * The knowledge base: a person's words as FTS5 strings
 * (jta_store_kb_queries), HTML to Markdown (jta_html), and the
 * repository (jta_store_kb) on a real SQLite file: put, replace, search
 * in both indexes, get, list, remove.
 */
#include "config.h"

#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jta_confluence.h"
#include "jta_db.h"
#include "jta_html.h"
#include "jta_suggest.h"
#include "jta_log.h"
#include "jta_store_kb.h"

#include "check_main.h"

static char	 tmproot[] = "/tmp/jta-unit-kb-XXXXXX";

/* ---- queries ---- */

static void
queries(const char *text, const char *words, const char *tri)
{
	struct jta_store_kb_query q;
	struct jta_error e;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_kb_queries(text, &q, &e), JTA_OK);
	ck_assert_str_eq(q.words, words);
	ck_assert_str_eq(q.tri, tri);
}

static void
refused(const char *text)
{
	struct jta_store_kb_query q;
	struct jta_error e;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_kb_queries(text, &q, &e), JTA_ERR_INPUT);
	ck_assert_int_eq(e.status, 422);
	ck_assert_str_eq(e.field, "text");
}

START_TEST(query_words_are_quoted_strings_joined_by_or)
{
	queries("How do I connect to the office Wi-Fi?",
	    "\"How\" OR \"do\" OR \"I\" OR \"connect\" OR \"to\" OR \"the\" "
	    "OR \"office\" OR \"Wi-Fi?\"", "");
	queries("  caf\xc3\xa9\tWLAN  ", "\"caf\xc3\xa9\" OR \"WLAN\"", "");
}
END_TEST

START_TEST(query_syntax_is_never_syntax)
{
	/* Quotes doubled inside one string: NEAR, OR, column filters,
	 * prefixes and parentheses are characters of a word. */
	queries("wifi\" OR * NEAR( ^x :y",
	    "\"wifi\"\"\" OR \"OR\" OR \"NEAR(\" OR \"^x\" OR \":y\"", "");
	queries("title:wifi AND -x*", "\"title:wifi\" OR \"AND\" OR \"-x*\"",
	    "");
	/* Punctuation alone searches for nothing. */
	queries("wifi ((( \"\"\"", "\"wifi\"", "");
	refused("((( \"\"\" ?! --");
	refused("");
	refused("   ");
}
END_TEST

START_TEST(query_cjk_runs_become_trigrams)
{
	/* オフィスのWi-Fiに接続: two CJK runs around a word. */
	queries("\xe3\x82\xaa\xe3\x83\x95\xe3\x82\xa3\xe3\x82\xb9"
	    "Wi-Fi\xe6\x8e\xa5\xe7\xb6\x9a\xe3\x81\x99",
	    "\"Wi-Fi\"",
	    "\"\xe3\x82\xaa\xe3\x83\x95\xe3\x82\xa3\" OR "
	    "\"\xe3\x83\x95\xe3\x82\xa3\xe3\x82\xb9\" OR "
	    "\"\xe6\x8e\xa5\xe7\xb6\x9a\xe3\x81\x99\"");
	/* Full-width and ideographic punctuation separate runs: 経費、精算
	 * has no run of three. */
	refused("\xe7\xb5\x8c\xe8\xb2\xbb\xe3\x80\x81\xe7\xb2\xbe\xe7\xae\x97");
	/* The longest CJK text there can be: every window is sent. */
	{
		struct jta_store_kb_query q;
		struct jta_error e;
		char	 t[JTA_LIMIT_TEXT_QUERY + 1];
		size_t	 i, ors = 0;
		const char *p;

		for (i = 0; i + 3 <= JTA_LIMIT_TEXT_QUERY; i += 3)
			memcpy(t + i, "\xe7\xb5\x8c", 3);
		t[i] = '\0';
		memset(&e, 0, sizeof(e));
		ck_assert_int_eq(jta_store_kb_queries(t, &q, &e), JTA_OK);
		for (p = q.tri; (p = strstr(p, " OR ")) != NULL; p++)
			ors++;
		ck_assert_uint_eq(ors, JTA_LIMIT_TEXT_QUERY / 3 - 3);
	}
	/* Two characters are too few for a trigram. */
	refused("\xe7\x84\xa1\xe7\xb7\x9a");
}
END_TEST

START_TEST(query_too_long_is_refused_not_cut)
{
	char	 t[JTA_LIMIT_TEXT_QUERY + 2];

	memset(t, 'a', sizeof(t) - 1);
	t[sizeof(t) - 1] = '\0';
	refused(t);
	/* At the limit, words of one quote each: the most bytes a query
	 * can take (each doubles, and adds " OR " and two quotes). */
	{
		struct jta_store_kb_query q;
		struct jta_error e;
		size_t	 i, ors = 0;
		const char *p;

		for (i = 0; i < JTA_LIMIT_TEXT_QUERY; i++)
			t[i] = i % 2 == 0 ? 'a' : ' ';
		t[JTA_LIMIT_TEXT_QUERY] = '\0';
		memset(&e, 0, sizeof(e));
		ck_assert_int_eq(jta_store_kb_queries(t, &q, &e), JTA_OK);
		for (p = q.words; (p = strstr(p, " OR ")) != NULL; p++)
			ors++;
		ck_assert_uint_eq(ors, JTA_LIMIT_TEXT_QUERY / 2 - 1);
		for (i = 0; i < JTA_LIMIT_TEXT_QUERY; i++)
			t[i] = i % 2 == 0 ? 'a' : '"';
		ck_assert_int_eq(jta_store_kb_queries(t, &q, &e), JTA_OK);
		ck_assert_uint_eq(strlen(q.words), 2 + JTA_LIMIT_TEXT_QUERY +
		    JTA_LIMIT_TEXT_QUERY / 2);
	}
}
END_TEST

/* ---- CQL ---- */

static void
cqls(const char *word, int lucene, const char *want)
{
	char	 out[256];

	ck_assert_int_eq(jta_confluence_cql_string(word, lucene, out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, want);
}

START_TEST(cql_strings_escape_quotes_backslashes_and_lucene)
{
	/* CQL strings: '"' and '\' behind a backslash. */
	cqls("a\"b\\c", 0, "\"a\\\"b\\\\c\"");
	cqls("IT", 0, "\"IT\"");
	/* Lucene's specials behind a backslash Lucene sees (written "\\"
	 * in the CQL string); '"' and '\' then also CQL-escaped. */
	cqls("wi-fi*", 1, "\"wi\\\\-fi\\\\*\"");
	cqls("a\"", 1, "\"a\\\\\\\"\"");
	cqls("(x:y)^2~", 1,
	    "\"\\\\(x\\\\:y\\\\)\\\\^2\\\\~\"");
	/* Lucene's operators become words. */
	cqls("AND", 1, "\"and\"");
	cqls("NOT", 1, "\"not\"");
	cqls("OR", 0, "\"OR\"");
	{
		char	 small[4];

		ck_assert_int_eq(jta_confluence_cql_string("abcd", 0, small,
		    sizeof(small)), -1);
	}
}
END_TEST

START_TEST(cql_of_a_search)
{
	struct jta_suggest_terms t;
	struct jta_error e;
	char	 cql[1024];

	memset(&e, 0, sizeof(e));
	jta_suggest_terms("How do I connect to the office Wi-Fi?", &t);
	ck_assert_int_eq(jta_confluence_cql(&t, NULL, cql, sizeof(cql), &e),
	    JTA_OK);
	ck_assert_str_eq(cql, "type in (page, blogpost) AND (text ~ "
	    "\"connect\" OR text ~ \"office\")");
	jta_suggest_terms("wifi\" OR space = \"HR", &t);
	ck_assert_int_eq(jta_confluence_cql(&t, "IT", cql, sizeof(cql), &e),
	    JTA_OK);
	ck_assert_str_eq(cql, "type in (page, blogpost) AND (text ~ "
	    "\"wifi\" OR text ~ \"space\") AND space = \"IT\"");
	jta_suggest_terms("the and to", &t);
	ck_assert_int_eq(jta_confluence_cql(&t, NULL, cql, sizeof(cql), &e),
	    JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "text");
	jta_suggest_terms("caf\xc3\xa9 wlan", &t);
	ck_assert_int_eq(jta_confluence_cql(&t, NULL, cql, 40, &e),
	    JTA_ERR_INTERNAL);
}
END_TEST

START_TEST(confluence_answers_to_articles)
{
	struct jta_error e;
	enum jta_confluence_kind k;
	json_t	*reply, *out = json_array(), *a = NULL;
	char	 num[32];

	memset(&e, 0, sizeof(e));
	reply = json_loads("{\"results\": ["
	    "{\"content\": {\"id\": \"1001\", \"type\": \"page\","
	    " \"title\": \"Wi-Fi\", \"space\": {\"key\": \"IT\"},"
	    " \"_links\": {\"webui\": \"/spaces/IT/pages/1001/Wi-Fi\"}},"
	    " \"excerpt\": \"use @@@hl@@@CorpNet@@@endhl@@@\\n now\","
	    " \"lastModified\": \"2026-11-02T10:00:00.000Z\"},"
	    "{\"content\": {\"id\": \"7\", \"type\": \"attachment\","
	    " \"title\": \"x.png\"}},"
	    "{\"content\": {\"id\": \"1x\", \"type\": \"page\","
	    " \"title\": \"bad id\"}},"
	    "{\"content\": {\"id\": \"2001\", \"type\": \"blogpost\","
	    " \"title\": \"Blog\", \"_links\": {\"webui\":"
	    " \"javascript:x\"}}}]}", 0, NULL);
	ck_assert_int_eq(jta_confluence_results(reply,
	    "https://acme.atlassian.net", out, &e), JTA_OK);
	ck_assert_uint_eq(json_array_size(out), 2);
	a = json_array_get(out, 0);
	ck_assert_str_eq(json_string_value(json_object_get(a, "id")),
	    "page-1001");
	ck_assert_str_eq(json_string_value(json_object_get(a, "excerpt")),
	    "use CorpNet now");
	ck_assert_str_eq(json_string_value(json_object_get(a, "url")),
	    "https://acme.atlassian.net/wiki/spaces/IT/pages/1001/Wi-Fi");
	a = json_array_get(out, 1);
	ck_assert_str_eq(json_string_value(json_object_get(a, "id")),
	    "blog-2001");
	ck_assert(json_is_null(json_object_get(a, "url")));
	json_decref(reply);
	/* JSM: a page Confluence found already is not listed twice. */
	reply = json_loads("{\"values\": [{\"title\": \"Wi-Fi\","
	    " \"source\": {\"type\": \"confluence\", \"pageId\":"
	    " \"1001\"}}, {\"title\": \"Printer\", \"excerpt\": \"jam\","
	    " \"source\": {\"type\": \"confluence\", \"pageId\":"
	    " \"3001\", \"spaceKey\": \"HELP\"}}, {\"title\": \"none\"}]}",
	    0, NULL);
	ck_assert_int_eq(jta_confluence_jsm_results(reply,
	    "https://acme.atlassian.net", out, &e), JTA_OK);
	ck_assert_uint_eq(json_array_size(out), 3);
	a = json_array_get(out, 2);
	ck_assert_str_eq(json_string_value(json_object_get(a, "id")),
	    "page-3001");
	ck_assert_str_eq(json_string_value(json_object_get(a, "from")),
	    "jsm");
	json_decref(reply);
	json_decref(out);
	reply = json_loads("{\"result\": []}", 0, NULL);
	out = json_array();
	ck_assert_int_eq(jta_confluence_results(reply, "https://a", out, &e),
	    JTA_ERR_UPSTREAM);
	json_decref(reply);
	json_decref(out);
	/* Ids. */
	ck_assert_int_eq(jta_confluence_id("page-12", &k, num, sizeof(num)),
	    1);
	ck_assert_int_eq(k, JTA_CONFLUENCE_PAGE);
	ck_assert_str_eq(num, "12");
	ck_assert_int_eq(jta_confluence_id("blog-9", &k, num, sizeof(num)), 1);
	ck_assert_int_eq(k, JTA_CONFLUENCE_BLOGPOST);
	ck_assert_int_eq(jta_confluence_id("page-012", &k, num, sizeof(num)),
	    0);
	ck_assert_int_eq(jta_confluence_id("page-", &k, num, sizeof(num)), 0);
	ck_assert_int_eq(jta_confluence_id("kb-1", &k, num, sizeof(num)), 0);
	/* A v2 page with its body as ADF in a string. */
	reply = json_pack("{s:s, s:s, s:{s:{s:s, s:s}}, s:{s:s}}", "title",
	    "Wi-Fi", "spaceId", "65537", "body", "atlas_doc_format",
	    "representation", "atlas_doc_format", "value",
	    "{\"type\":\"doc\",\"version\":1,\"content\":[{\"type\":"
	    "\"paragraph\",\"content\":[{\"type\":\"text\",\"text\":"
	    "\"Hello\"}]}]}", "_links", "webui", "/spaces/IT/pages/1");
	ck_assert_int_eq(jta_confluence_article(reply, "page-1",
	    "https://a.example", &a, &e), JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(a, "body")),
	    "Hello");
	json_decref(a);
	json_decref(reply);
	reply = json_pack("{s:s, s:{s:{s:s}}}", "title", "x", "body",
	    "atlas_doc_format", "value", "{\"a\":1,\"a\":2}");
	ck_assert_int_eq(jta_confluence_article(reply, "page-1",
	    "https://a.example", &a, &e), JTA_ERR_UPSTREAM);
	json_decref(reply);
}
END_TEST

/* ---- HTML ---- */

static char *
md(const char *html, char **title)
{
	struct jta_html_doc doc;
	struct jta_error e;
	char	*out;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_html_to_markdown(html, strlen(html), &doc, &e),
	    JTA_OK);
	out = doc.markdown;
	if (title != NULL)
		*title = doc.title;
	else
		free(doc.title);
	return out;
}

START_TEST(html_keeps_structure)
{
	char	*m, *t;

	m = md("<html><head><title> The  title </title></head><body>"
	    "<h2>Part</h2><p>One <b>bold</b> <i>word</i>.</p>"
	    "<ol><li>first</li><li>second</li></ol>"
	    "<p><a href=\"https://x.example/a?b=c\">link</a> and "
	    "<code>a*b</code></p><pre>x < y\n  z</pre></body></html>", &t);
	ck_assert_str_eq(t, "The title");
	ck_assert_str_eq(m, "## Part\n\nOne **bold** *word*.\n\n"
	    "1. first\n1. second\n\n"
	    "[link](https://x.example/a?b=c) and `a*b`\n\n"
	    "```\nx < y\n  z\n```\n");
	free(m);
	free(t);
	/* No <title>: the first heading's text. */
	m = md("<h3>First &amp; <em>best</em></h3><h1>Later</h1>", &t);
	ck_assert_str_eq(t, "First & best");
	free(m);
	free(t);
}
END_TEST

START_TEST(html_drops_scripts_and_attributes)
{
	char	*m;

	m = md("<p onclick=\"evil()\" style=\"x\">a<script>alert(1)</script>"
	    "<style>p{}</style><iframe src=\"https://e\">f</iframe>"
	    "<object>o</object><template>t</template><!-- c --> b "
	    "<a href=\"javascript:alert(2)\">j</a> "
	    "<a href=\"HTTPS://ok.example/\">k</a> "
	    "<a href=\"https://e.example/(x)\">p</a> "
	    "<a href=\" https://e.example/\">s</a> "
	    "&lt;script&gt; [x](javascript:y) *z* _u_</p><img src=x "
	    "onerror=alert(3)>after", NULL);
	ck_assert_str_eq(m, "a b j [k](HTTPS://ok.example/) p s "
	    "&lt;script&gt; \\[x\\](javascript:y) \\*z\\* \\_u\\_\n\n"
	    "after\n");
	ck_assert_ptr_null(strchr(m, '<'));
	free(m);
}
END_TEST

START_TEST(html_bounds)
{
	struct jta_html_doc doc;
	struct jta_error e;
	char	*deep, *big;
	size_t	 i, n;

	/* Deeper than JTA_LIMIT_KB_DEPTH: refused, naming the file. */
	n = 3 * (JTA_LIMIT_KB_DEPTH + 10);
	deep = malloc(5 * n + 16);
	ck_assert_ptr_nonnull(deep);
	for (i = 0; i < n / 3; i++)
		memcpy(deep + 5 * i, "<div>", 5);
	memcpy(deep + 5 * i, "x", 2);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_html_to_markdown(deep, strlen(deep), &doc, &e),
	    JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "file");
	ck_assert_ptr_null(doc.markdown);
	free(deep);
	/* Larger than JTA_LIMIT_KB_FILE: 413. */
	big = malloc(JTA_LIMIT_KB_FILE + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', JTA_LIMIT_KB_FILE + 1);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_html_to_markdown(big, JTA_LIMIT_KB_FILE + 1,
	    &doc, &e), JTA_ERR_INPUT);
	ck_assert_int_eq(e.status, 413);
	free(big);
	jta_html_doc_clear(NULL);
}
END_TEST

/* ---- the repository ---- */

static struct jta_store *
newstore(void)
{
	struct jta_store *st = NULL;
	char	 dir[128], path[160], msg[512];

	snprintf(dir, sizeof(dir), "%s/tXXXXXX", tmproot);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/jta.db", dir);
	ck_assert_msg(jta_store_open(path, 5000, JTA_STORE_CREATE |
	    JTA_STORE_MIGRATE, &st, msg, sizeof(msg)) == JTA_OK, "%s", msg);
	return st;
}

static int64_t
put(struct jta_store *st, const char *source, const char *title,
    const char *body, const char *space, int want_added)
{
	struct jta_store_kb_article a;
	struct jta_error e;
	int64_t	 id = 0;
	int	 added = -1;

	memset(&a, 0, sizeof(a));
	a.title = title;
	a.body = body;
	a.source = source;
	a.space = space;
	a.url = "https://docs.example/x";
	a.updated = 1700000000;
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_kb_put(st, &a, &id, &added, &e), JTA_OK);
	ck_assert_int_eq(added, want_added);
	return id;
}

/* The titles text finds, best first, joined by '|'. */
static void
found(struct jta_store *st, const char *text, const char *space,
    const char *want)
{
	struct jta_store_kb_query q;
	struct jta_error e;
	json_t	*a = NULL, *o;
	size_t	 i;
	char	 got[1024] = "";
	size_t	 n = 0;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_kb_queries(text, &q, &e), JTA_OK);
	ck_assert_int_eq(jta_store_kb_search(st, &q, space, NULL, 20, &a, &e),
	    JTA_OK);
	json_array_foreach(a, i, o)
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s", i > 0 ?
		    "|" : "", json_string_value(json_object_get(o, "title")));
	ck_assert_str_eq(got, want);
	json_decref(a);
}

START_TEST(store_put_search_get_remove)
{
	struct jta_store *st = newstore();
	struct jta_error e;
	json_t	*o = NULL;
	int64_t	 wifi, de;

	wifi = put(st, "/kb/wifi.md", "Office Wi-Fi", "Connect to CorpNet "
	    "with your account.", "", 1);
	de = put(st, "/kb/de.md", "WLAN im B\xc3\xbc" "ro", "St\xc3\xb6rungen "
	    "meldet man dem Helpdesk.", "IT", 1);
	put(st, "/kb/ja.md", "\xe7\xb5\x8c\xe8\xb2\xbb\xe7\xb2\xbe\xe7\xae\x97",
	    "\xe9\xa0\x98\xe5\x8f\x8e\xe6\x9b\xb8\xe3\x82\x92", "", 1);
	found(st, "wi-fi corpnet", NULL, "Office Wi-Fi");
	found(st, "buro STORUNGEN", NULL, "WLAN im B\xc3\xbcro");
	found(st, "helpdesk", "IT", "WLAN im B\xc3\xbcro");
	found(st, "helpdesk", "HR", "");
	found(st, "\xe7\xb5\x8c\xe8\xb2\xbb\xe7\xb2\xbe\xe7\xae\x97"
	    "\xe3\x81\xae", NULL,
	    "\xe7\xb5\x8c\xe8\xb2\xbb\xe7\xb2\xbe\xe7\xae\x97");
	/* A title match ranks above a body match. */
	put(st, "/kb/other.md", "CorpNet printers", "Paper jams and toner, "
	    "and more about the printers than anyone reads.", "", 1);
	found(st, "corpnet", NULL, "CorpNet printers|Office Wi-Fi");
	/* Replacing by source keeps the id and re-indexes. */
	ck_assert_int_eq(put(st, "/kb/wifi.md", "Guest network", "Use Guest.",
	    "", 0), wifi);
	found(st, "corpnet", NULL, "CorpNet printers");
	found(st, "guest", NULL, "Guest network");
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_kb_get(st, de, NULL, &o, &e), JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(o, "space")), "IT");
	ck_assert_str_eq(json_string_value(json_object_get(o, "url")),
	    "https://docs.example/x");
	json_decref(o);
	ck_assert_int_eq(jta_store_kb_remove(st, de, &e), JTA_OK);
	ck_assert_int_eq(jta_store_kb_remove(st, de, &e), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_kb_get(st, de, NULL, &o, &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_str_eq(e.field, "id");
	found(st, "helpdesk", NULL, "");
	/* Both indexes still agree with the articles (jta-admin check). */
	{
		char	 what[256];

		ck_assert_int_eq(jta_store_check(st, what, sizeof(what)),
		    JTA_OK);
		ck_assert_str_eq(what, "ok");
	}
	jta_store_close(st);
}
END_TEST

/* The titles text finds for a person of site, joined by '|'. */
static void
found_for(struct jta_store *st, const char *text, const char *site,
    const char *want)
{
	struct jta_store_kb_query q;
	struct jta_error e;
	json_t	*a = NULL, *o;
	size_t	 i, n = 0;
	char	 got[1024] = "";

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_kb_queries(text, &q, &e), JTA_OK);
	ck_assert_int_eq(jta_store_kb_search(st, &q, NULL, site, 20, &a, &e),
	    JTA_OK);
	json_array_foreach(a, i, o)
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s", i > 0 ?
		    "|" : "", json_string_value(json_object_get(o, "title")));
	ck_assert_str_eq(got, want);
	json_decref(a);
}

/* The keys served for site, joined by '|'. */
static void
served(struct jta_store *st, const char *site, const char *want)
{
	struct jta_error e;
	json_t	*a = NULL, *k;
	size_t	 i, n = 0;
	char	 got[256] = "";

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_kb_space_served(st, site, &a, &e), JTA_OK);
	json_array_foreach(a, i, k)
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s", i > 0 ?
		    "|" : "", json_string_value(k));
	ck_assert_str_eq(got, want);
	json_decref(a);
}

START_TEST(space_sync_replaces_whole_and_only_for_its_site)
{
	struct jta_store *st = newstore();
	struct jta_store_kb_article a[2];
	struct jta_store_kb_space sp;
	struct jta_error e;
	json_t	*l = NULL, *o = NULL;
	size_t	 removed = 9;
	int64_t	 imported;

	imported = put(st, "/kb/vpn.md", "VPN setup", "Install the VPN "
	    "client.", "", 1);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_kb_space_add(st, "DOC", 1, "site-a",
	    1700000000, &e), JTA_OK);
	ck_assert_int_eq(jta_store_kb_space_add(st, "DOC", 1, "site-a",
	    1700000000, &e), JTA_ERR_CONFLICT);
	ck_assert_int_eq(e.status, 409);
	ck_assert_str_eq(e.field, "key");
	ck_assert_int_eq(jta_store_kb_space_add(st, "BAD KEY", 1, "site-a",
	    1700000000, &e), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_store_kb_space_get(st, "DOC", &sp, &e), JTA_OK);
	ck_assert_int_eq(sp.user_id, 1);
	ck_assert_str_eq(sp.site, "site-a");
	ck_assert_int_eq(sp.synced, 0);
	/* Declared but never synced: live search still covers it. */
	served(st, "site-a", "");

	memset(a, 0, sizeof(a));
	a[0].title = "Office Wi-Fi";
	a[0].body = "Connect to CorpNet.";
	a[0].source = "confluence:site-a:page-1";
	a[0].url = "https://a.example/wiki/x";
	a[0].updated = 1700000000;
	a[1].title = "Printers";
	a[1].body = "Toner and CorpNet printing.";
	a[1].source = "confluence:site-a:page-2";
	a[1].updated = 1700000000;
	ck_assert_int_eq(jta_store_kb_space_replace(st, "DOC", "site-a", a, 2,
	    1700000100, &e), JTA_OK);
	served(st, "site-a", "DOC");
	served(st, "site-b", "");
	/* Only people of the sync account's site see the synced pages;
	 * imported articles are for everyone. */
	found_for(st, "corpnet", "site-a", "Printers|Office Wi-Fi");
	found_for(st, "corpnet", "site-b", "");
	found_for(st, "corpnet", NULL, "");
	found_for(st, "vpn", "site-b", "VPN setup");
	found_for(st, "vpn", NULL, "VPN setup");
	{
		struct jta_store_kb_query q;
		json_t	*r = NULL;
		int64_t	 id;

		ck_assert_int_eq(jta_store_kb_queries("wi-fi", &q, &e),
		    JTA_OK);
		ck_assert_int_eq(jta_store_kb_search(st, &q, "DOC", "site-a",
		    20, &r, &e), JTA_OK);
		ck_assert_int_eq(json_array_size(r), 1);
		id = json_integer_value(json_object_get(json_array_get(r, 0),
		    "id"));
		json_decref(r);
		ck_assert_int_eq(jta_store_kb_get(st, id, "site-b", &o, &e),
		    JTA_ERR_NOTFOUND);
		ck_assert_int_eq(jta_store_kb_get(st, id, NULL, &o, &e),
		    JTA_ERR_NOTFOUND);
		ck_assert_int_eq(jta_store_kb_get(st, id, "site-a", &o, &e),
		    JTA_OK);
		ck_assert_str_eq(json_string_value(json_object_get(o,
		    "space")), "DOC");
		json_decref(o);
		ck_assert_int_eq(jta_store_kb_get(st, imported, "site-b", &o,
		    &e), JTA_OK);
		json_decref(o);
	}

	/* A bad article fails the whole replacement: the old index
	 * stays. */
	a[1].title = "";
	ck_assert_int_eq(jta_store_kb_space_replace(st, "DOC", "site-a", a, 2,
	    1700000200, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "title");
	found_for(st, "corpnet", "site-a", "Printers|Office Wi-Fi");
	/* A failure is recorded; the articles stay. */
	ck_assert_int_eq(jta_store_kb_space_failed(st, "DOC", "Confluence "
	    "answered 500", 1700000300, &e), JTA_OK);
	ck_assert_int_eq(jta_store_kb_space_list(st, &l, &e), JTA_OK);
	ck_assert_int_eq(json_array_size(l), 1);
	o = json_array_get(l, 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "key")), "DOC");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "articles")),
	    2);
	ck_assert_str_eq(json_string_value(json_object_get(o, "error")),
	    "Confluence answered 500");
	ck_assert_str_eq(json_string_value(json_object_get(o, "synced")),
	    "2023-11-14T22:15:00Z");
	ck_assert_str_eq(json_string_value(json_object_get(o, "tried")),
	    "2023-11-14T22:18:20Z");
	json_decref(l);
	found_for(st, "corpnet", "site-a", "Printers|Office Wi-Fi");

	/* A whole sync replaces: a page gone upstream goes here. */
	ck_assert_int_eq(jta_store_kb_space_replace(st, "DOC", "site-a", a, 1,
	    1700000400, &e), JTA_OK);
	found_for(st, "corpnet", "site-a", "Office Wi-Fi");
	ck_assert_int_eq(jta_store_kb_space_list(st, &l, &e), JTA_OK);
	ck_assert_ptr_eq(json_object_get(json_array_get(l, 0), "error"),
	    json_null());
	json_decref(l);

	/* Removing the space removes its articles, not the imported. */
	ck_assert_int_eq(jta_store_kb_space_remove(st, "DOC", &removed, &e),
	    JTA_OK);
	ck_assert_uint_eq(removed, 1);
	found_for(st, "corpnet", "site-a", "");
	found_for(st, "vpn", "site-a", "VPN setup");
	served(st, "site-a", "");
	ck_assert_int_eq(jta_store_kb_space_remove(st, "DOC", &removed, &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_kb_space_replace(st, "DOC", "site-a", a, 1,
	    1700000500, &e), JTA_ERR_NOTFOUND);
	found_for(st, "corpnet", "site-a", "");
	{
		char	 what[256];

		ck_assert_int_eq(jta_store_check(st, what, sizeof(what)),
		    JTA_OK);
		ck_assert_str_eq(what, "ok");
	}
	jta_store_close(st);
}
END_TEST

START_TEST(cql_leaves_out_served_spaces_quoted)
{
	char	 cql[256] = "type in (page, blogpost) AND (text ~ \"x\")";
	char	 small[48] = "type in (page, blogpost)";
	json_t	*k = json_pack("[s, s]", "DOC", "A\"B");

	ck_assert_int_eq(jta_confluence_cql_not_in(k, cql, sizeof(cql)), 0);
	ck_assert_str_eq(cql, "type in (page, blogpost) AND (text ~ \"x\") "
	    "AND space not in (\"DOC\", \"A\\\"B\")");
	ck_assert_int_eq(jta_confluence_cql_not_in(k, small, sizeof(small)),
	    -1);
	ck_assert_str_eq(small, "type in (page, blogpost)");
	json_decref(k);
	k = json_array();
	ck_assert_int_eq(jta_confluence_cql_not_in(k, small, sizeof(small)),
	    0);
	ck_assert_str_eq(small, "type in (page, blogpost)");
	json_decref(k);
}
END_TEST

START_TEST(store_refuses_values_out_of_bounds)
{
	struct jta_store *st = newstore();
	struct jta_store_kb_article a;
	struct jta_error e;
	int64_t	 id;
	int	 added;
	char	 longt[JTA_LIMIT_KB_TITLE + 2];

	memset(longt, 't', sizeof(longt) - 1);
	longt[sizeof(longt) - 1] = '\0';
	memset(&a, 0, sizeof(a));
	a.body = "b";
	a.source = "/s";
	a.title = longt;
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_kb_put(st, &a, &id, &added, &e),
	    JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "title");
	a.title = "t";
	a.space = "a b";
	ck_assert_int_eq(jta_store_kb_put(st, &a, &id, &added, &e),
	    JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "space");
	a.space = NULL;
	a.url = "https://x y";
	ck_assert_int_eq(jta_store_kb_put(st, &a, &id, &added, &e),
	    JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "url");
	jta_store_close(st);
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

static void
done(void)
{
	nftw(tmproot, rmentry, 16, FTW_DEPTH | FTW_PHYS);
}

Suite *
jta_check_suite(void)
{
	Suite	*s = suite_create("jta_kb");
	TCase	*tc = tcase_create("core");

	if (mkdtemp(tmproot) == NULL) {
		perror("setup");
		return NULL;
	}
	jta_log_set_level(JTA_LOG_ERROR);
	jta_check_at_end(done);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, query_words_are_quoted_strings_joined_by_or);
	tcase_add_test(tc, query_syntax_is_never_syntax);
	tcase_add_test(tc, query_cjk_runs_become_trigrams);
	tcase_add_test(tc, query_too_long_is_refused_not_cut);
	tcase_add_test(tc, cql_strings_escape_quotes_backslashes_and_lucene);
	tcase_add_test(tc, cql_of_a_search);
	tcase_add_test(tc, confluence_answers_to_articles);
	tcase_add_test(tc, html_keeps_structure);
	tcase_add_test(tc, html_drops_scripts_and_attributes);
	tcase_add_test(tc, html_bounds);
	tcase_add_test(tc, store_put_search_get_remove);
	tcase_add_test(tc, store_refuses_values_out_of_bounds);
	tcase_add_test(tc, space_sync_replaces_whole_and_only_for_its_site);
	tcase_add_test(tc, cql_leaves_out_served_spaces_quoted);
	suite_add_tcase(s, tc);
	return s;
}
