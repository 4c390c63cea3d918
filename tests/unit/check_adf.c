/*
 * Unit tests for jta_adf: the golden pairs in tests/data/adf/ (NAME.md ->
 * NAME.json, NAME.adf.json -> NAME.expected.md), round trips both ways,
 * the limits (422 naming the field), hostile ADF from "Jira", lossy
 * counts and bounded work on inputs built to be slow.
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "jta_adf.h"
#include "jta_limits.h"
#include "check_main.h"

#define N(t)	(sizeof(t) / sizeof((t)[0]))

/* Read the file dir/name (the data directory under $JTA_SRCDIR) whole;
 * NULL when it does not exist. */
static char *
readdata(const char *name, size_t *len)
{
	const char	*top = getenv("JTA_SRCDIR");
	char		 path[4096];
	FILE		*f;
	char		*buf;
	long		 n;

	snprintf(path, sizeof(path), "%s/tests/data/adf/%s",
	    top != NULL ? top : "..", name);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	ck_assert(fseek(f, 0, SEEK_END) == 0);
	ck_assert((n = ftell(f)) >= 0);
	rewind(f);
	ck_assert((buf = malloc((size_t)n + 1)) != NULL);
	ck_assert(fread(buf, 1, (size_t)n, f) == (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The golden files whose names end in suffix (without it), sorted. */
static size_t
golden(const char *suffix, char names[][128], size_t max)
{
	const char	*top = getenv("JTA_SRCDIR");
	char		 path[4096];
	struct dirent	**ents = NULL;
	size_t		 n = 0, sl = strlen(suffix), nl;
	int		 i, k;

	snprintf(path, sizeof(path), "%s/tests/data/adf",
	    top != NULL ? top : "..");
	k = scandir(path, &ents, NULL, alphasort);
	ck_assert_msg(k > 0, "no golden files in %s (JTA_SRCDIR?)", path);
	for (i = 0; i < k; i++) {
		const char *d = ents[i]->d_name;

		nl = strlen(d);
		/* "x.md" must not also match "x.expected.md". */
		if (nl > sl && nl - sl < 128 && strcmp(d + nl - sl,
		    suffix) == 0 && (strcmp(suffix, ".md") != 0 ||
		    strstr(d, ".expected.md") == NULL) &&
		    (strcmp(suffix, ".json") != 0 ||
		    strstr(d, ".adf.json") == NULL) && n < max) {
			memcpy(names[n], d, nl - sl);
			names[n][nl - sl] = '\0';
			n++;
		}
		free(ents[i]);
	}
	free(ents);
	return n;
}

static json_t *
md2adf(const char *md, size_t len)
{
	struct jta_error err;
	json_t		*doc = NULL;
	enum jta_err	 rc;

	rc = jta_adf_from_markdown(md, len, "description", &doc, &err);
	ck_assert_msg(rc == JTA_OK, "'%.60s' refused: %s", md, err.detail);
	ck_assert_ptr_nonnull(doc);
	return doc;
}

static char *
adf2md(const json_t *doc, size_t *lossy)
{
	struct jta_error err;
	char		*md = NULL;
	size_t		 l = 999;

	ck_assert_int_eq(jta_adf_to_markdown(doc, &md, &l, &err), JTA_OK);
	ck_assert_ptr_nonnull(md);
	ck_assert(l != 999);
	if (lossy != NULL)
		*lossy = l;
	return md;
}

static void
assert_json_eq(json_t *got, json_t *want, const char *what)
{
	char	*g, *w;

	if (json_equal(got, want))
		return;
	g = json_dumps(got, JSON_SORT_KEYS);
	w = json_dumps(want, JSON_SORT_KEYS);
	ck_abort_msg("%s:\n got  %s\n want %s", what, g, w);
}

/* Lossy counts the golden ADF files must give. */
static const struct {
	const char	*name;
	size_t		 lossy;
} lossycounts[] = {
	{ "cards_date_status", 4 },	/* card, date, status, card */
	{ "code_jira", 0 },
	{ "cutoff_long", 0 },
	{ "escapes_text", 0 },
	{ "expand", 1 },
	{ "hostile_shapes", 6 },	/* 3 non-nodes, 3 bad text nodes */
	{ "jira_description", 0 },
	{ "media", 4 },
	{ "mentions_emoji", 4 },
	{ "nested_ordered", 0 },
	{ "panels", 2 },
	{ "quote_code", 0 },
	{ "table_jira", 1 },		/* a list in a cell */
	{ "tasks", 0 },
	{ "unknown_nodes", 4 },
};

START_TEST(golden_markdown_to_adf)
{
	char		 names[64][128], file[160];
	char		*md, *js;
	size_t		 n, i, len, jl;
	json_t		*doc, *want;
	json_error_t	 je;

	n = golden(".md", names, N(names));
	ck_assert_msg(n >= 12, "only %zu Markdown golden files", n);
	for (i = 0; i < n; i++) {
		snprintf(file, sizeof(file), "%.120s.md", names[i]);
		ck_assert_ptr_nonnull(md = readdata(file, &len));
		snprintf(file, sizeof(file), "%.120s.json", names[i]);
		js = readdata(file, &jl);
		ck_assert_msg(js != NULL, "%s is missing", file);
		want = json_loadb(js, jl, JSON_REJECT_DUPLICATES, &je);
		ck_assert_msg(want != NULL, "%s: bad JSON", file);
		doc = md2adf(md, len);
		assert_json_eq(doc, want, names[i]);
		json_decref(doc);
		json_decref(want);
		free(md);
		free(js);
	}
}
END_TEST

START_TEST(golden_adf_to_markdown)
{
	char		 names[64][128], file[160];
	char		*md, *js, *want;
	size_t		 n, i, len, jl, lossy;
	json_t		*doc;
	json_error_t	 je;

	n = golden(".adf.json", names, N(names));
	ck_assert_msg(n >= 12, "only %zu ADF golden files", n);
	ck_assert_uint_eq(n, N(lossycounts));
	for (i = 0; i < n; i++) {
		snprintf(file, sizeof(file), "%.120s.adf.json", names[i]);
		ck_assert_ptr_nonnull(js = readdata(file, &jl));
		doc = json_loadb(js, jl, JSON_REJECT_DUPLICATES, &je);
		ck_assert_msg(doc != NULL, "%s: bad JSON", file);
		snprintf(file, sizeof(file), "%.120s.expected.md", names[i]);
		want = readdata(file, &len);
		ck_assert_msg(want != NULL, "%s is missing", file);
		/* The file ends with a newline the output does not have. */
		if (len > 0 && want[len - 1] == '\n')
			want[--len] = '\0';
		md = adf2md(doc, &lossy);
		ck_assert_msg(strcmp(md, want) == 0, "%s:\n--- got\n%s\n"
		    "--- want\n%s", names[i], md, want);
		ck_assert_str_eq(lossycounts[i].name, names[i]);
		ck_assert_msg(lossy == lossycounts[i].lossy,
		    "%s: lossy %zu, want %zu", names[i], lossy,
		    lossycounts[i].lossy);
		free(md);
		free(want);
		free(js);
		json_decref(doc);
	}
}
END_TEST

/* md -> adf -> md gives md back. */
static void
assert_md_round_trip(const char *md)
{
	json_t	*doc = md2adf(md, strlen(md));
	char	*back = adf2md(doc, NULL);

	ck_assert_msg(strcmp(back, md) == 0, "round trip of\n%s\ngave\n%s",
	    md, back);
	free(back);
	json_decref(doc);
}

START_TEST(canonical_markdown_round_trips)
{
	static const char *const cases[] = {
		"",
		"plain",
		"# One\n\n## Two\n\n###### Six",
		"a **b** _c_ ~~d~~ `e` [f](https://x.y/z) <https://a.b/c>",
		"_**both**_ and **strong _em_ strong**",
		"line\\\nbreak",
		"- a\n- b\n  - c\n    - d\n- e",
		"7. seven\n8. eight\n\n   10. nested start ten\n9. nine",
		"- a\n\n* b",
		"1. a\n\n1) b",
		"```sh\necho hi\n\necho `x`\n```",
		"````\n```\n````",
		"> quote\n>\n> - item\n>\n> ```\n> code\n> ```",
		"---",
		"| a | b |\n| --- | --- |\n| c \\| d | `e\\|f` |\n| g |  |",
		"\\# - + > 1. \\*x\\* \\_y\\_ \\[z\\] \\`w\\` \\~\\~v\\~\\~",
		"\\- a\n\n\\+ b\n\n\\> c\n\n1\\. d\n\n12\\) e",
		"snake_case_name and a_b\\_",
		"[`code link`](https://x.y) and ``a`b``",
		"- item\n\n  second paragraph\n- next",
		"- ```\n  in item\n  ```",
		"-\n-\n  - nested first",
		"text \\[x\\]\\(y)",
		"caf\xc3\xa9 \xe2\x9c\x93 **\xc3\xa9t\xc3\xa9**",
		"- [ ] to do\n- [x] done, _really_\n- [ ]",
	};
	size_t	 i;

	for (i = 0; i < N(cases); i++)
		assert_md_round_trip(cases[i]);
}
END_TEST

/* GitHub's task list items become an ADF task list; a list with one
 * item that is not a task stays a bullet list. */
START_TEST(markdown_task_items_become_a_task_list)
{
	json_t		*doc, *l, *it;
	const char	*md = "- [ ] to do\n- [X] done";

	doc = md2adf(md, strlen(md));
	l = json_array_get(json_object_get(doc, "content"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(l, "type")),
	    "taskList");
	ck_assert_ptr_nonnull(json_object_get(json_object_get(l, "attrs"),
	    "localId"));
	it = json_array_get(json_object_get(l, "content"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(it, "type")),
	    "taskItem");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(it,
	    "attrs"), "state")), "DONE");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(it, "content"), 0), "text")), "done");
	json_decref(doc);
	md = "- [ ] to do\n- not a task\n- [x]done";
	doc = md2adf(md, strlen(md));
	l = json_array_get(json_object_get(doc, "content"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(l, "type")),
	    "bulletList");
	json_decref(doc);
}
END_TEST

START_TEST(golden_outputs_are_canonical_markdown)
{
	/* What we write for Jira's lossless documents parses back to
	 * itself. */
	static const char *const names[] = { "jira_description",
	    "nested_ordered", "quote_code", "code_jira", "escapes_text" };
	char	 file[160], *md;
	size_t	 i, len;

	for (i = 0; i < N(names); i++) {
		snprintf(file, sizeof(file), "%.120s.expected.md", names[i]);
		ck_assert_ptr_nonnull(md = readdata(file, &len));
		if (len > 0 && md[len - 1] == '\n')
			md[len - 1] = '\0';
		assert_md_round_trip(md);
		free(md);
	}
}
END_TEST

/* adf -> md -> adf gives the document back. */
static void
assert_adf_round_trip(json_t *doc, const char *what)
{
	char	*md = adf2md(doc, NULL);
	json_t	*back = md2adf(md, strlen(md));

	assert_json_eq(back, doc, what);
	json_decref(back);
	free(md);
}

START_TEST(representable_adf_round_trips)
{
	static const char *const names[] = { "jira_description",
	    "nested_ordered", "quote_code", "escapes_text", "tasks" };
	char		 file[160], *js;
	size_t		 i, len;
	json_t		*doc;
	json_error_t	 je;

	for (i = 0; i < N(names); i++) {
		snprintf(file, sizeof(file), "%.120s.adf.json", names[i]);
		ck_assert_ptr_nonnull(js = readdata(file, &len));
		ck_assert_ptr_nonnull(doc = json_loadb(js, len, 0, &je));
		assert_adf_round_trip(doc, names[i]);
		json_decref(doc);
		free(js);
	}
}
END_TEST

/* A doc of one paragraph holding one text node with the given marks. */
static json_t *
textdoc(const char *text, const char *mark)
{
	json_t	*doc;

	if (mark == NULL)
		doc = json_pack("{s:s, s:i, s:[{s:s, s:[{s:s, s:s}]}]}",
		    "type", "doc", "version", 1, "content", "type",
		    "paragraph", "content", "type", "text", "text", text);
	else
		doc = json_pack("{s:s, s:i, s:[{s:s, s:[{s:s, s:s, "
		    "s:[{s:s}]}]}]}", "type", "doc", "version", 1, "content",
		    "type", "paragraph", "content", "type", "text", "text",
		    text, "marks", "type", mark);
	ck_assert_ptr_nonnull(doc);
	return doc;
}

START_TEST(text_with_metacharacters_round_trips)
{
	static const char *const texts[] = {
		"*a*", "**b**", "_c_", "__d__", "~~e~~", "`f`", "``g``",
		"[h](https://x.y)", "<https://i.j>", "# k", "## l", "- m",
		"+ n", "* o", "> p", "1. q", "2) r", "123456789. s", "---",
		"***", "___", "```", "~~~", "| t |", "u \\ v", "w\\", "\\x",
		"snake_case", "_lead", "trail_", "a_ b", "(y)", "[z]", "]",
		"a  b", "!", "&amp;", "<div>", "1.5 litres", "#hashtag",
		"C++ & C#", "50% * 2", "e = mc^2", "x <y> z", "a|b|c",
		"caf\xc3\xa9_\xc3\xa9", "```js", "[x]: https://ref",
	};
	static const char *const marks[] = { NULL, "strong", "em", "strike",
	    "code" };
	size_t	 i, k;
	json_t	*doc;
	char	 what[128];

	for (i = 0; i < N(texts); i++)
		for (k = 0; k < N(marks); k++) {
			doc = textdoc(texts[i], marks[k]);
			snprintf(what, sizeof(what), "'%s' with %s", texts[i],
			    marks[k] ? marks[k] : "no mark");
			assert_adf_round_trip(doc, what);
			json_decref(doc);
		}
}
END_TEST

static void
assert_refused(const char *md, size_t len, const char *field)
{
	struct jta_error err;
	json_t		*doc = (json_t *)(uintptr_t)1;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_adf_from_markdown(md, len, field, &doc, &err),
	    JTA_ERR_INPUT);
	ck_assert_ptr_null(doc);
	ck_assert_int_eq(err.status, 422);
	ck_assert_str_eq(err.field, field);
	ck_assert(strlen(err.detail) > 0);
}

static char *
repeat(const char *unit, size_t times)
{
	size_t	 ul = strlen(unit), i;
	char	*s;

	ck_assert_ptr_nonnull(s = malloc(ul * times + 1));
	for (i = 0; i < times; i++)
		memcpy(s + i * ul, unit, ul);
	s[ul * times] = '\0';
	return s;
}

START_TEST(markdown_over_source_limit_is_422)
{
	char	*s = repeat("a", JTA_LIMIT_ADF_SOURCE + 1);
	json_t	*doc;

	assert_refused(s, JTA_LIMIT_ADF_SOURCE + 1, "description");
	/* Exactly at the limit is fine. */
	doc = md2adf(s, JTA_LIMIT_ADF_SOURCE);
	json_decref(doc);
	free(s);
}
END_TEST

START_TEST(markdown_too_deep_is_422)
{
	char	*q = repeat(">", JTA_LIMIT_ADF_DEPTH + 1);
	/* Not "- - -": that is a rule. */
	char	*l = repeat("1. ", JTA_LIMIT_ADF_DEPTH + 1);
	char	*ok = repeat("1. ", JTA_LIMIT_ADF_DEPTH);
	char	*indented, *p;
	json_t	*doc;
	size_t	 i;

	assert_refused(q, strlen(q), "body");
	assert_refused(l, strlen(l), "comment");
	doc = md2adf(ok, strlen(ok));
	json_decref(doc);
	/* Nesting by indentation counts the same. */
	ck_assert_ptr_nonnull(indented = malloc(128 * 40));
	p = indented;
	for (i = 0; i <= JTA_LIMIT_ADF_DEPTH; i++)
		p += snprintf(p, 128, "%*s- x\n", (int)(2 * i), "");
	assert_refused(indented, strlen(indented), "description");
	free(indented);
	free(q);
	free(l);
	free(ok);
}
END_TEST

START_TEST(markdown_too_many_nodes_is_422)
{
	/* Each "a\n\n" is a paragraph and a text node. */
	char	*s = repeat("a\n\n", JTA_LIMIT_ADF_NODES / 2 + 1);
	char	*marks = repeat("*a* ", JTA_LIMIT_ADF_NODES);

	assert_refused(s, strlen(s), "description");
	assert_refused(marks, strlen(marks), "description");
	free(s);
	free(marks);
}
END_TEST

START_TEST(markdown_invalid_utf8_is_422)
{
	assert_refused("a\xff", 2, "description");
	assert_refused("\xed\xa0\x80", 3, "description");
}
END_TEST

START_TEST(markdown_nul_becomes_replacement_character)
{
	json_t	*doc = md2adf("a\0b", 3);
	json_t	*want = textdoc("a\xef\xbf\xbd" "b", NULL);

	assert_json_eq(doc, want, "NUL");
	json_decref(doc);
	json_decref(want);
}
END_TEST

START_TEST(markdown_length_is_exact_not_nul_terminated)
{
	json_t	*doc = md2adf("**a** and more", 5);
	json_t	*want = textdoc("a", "strong");

	assert_json_eq(doc, want, "length");
	json_decref(doc);
	json_decref(want);
}
END_TEST

START_TEST(unsafe_link_schemes_stay_text)
{
	static const char *const cases[] = { "[x](javascript:alert(1))",
	    "[x](data:text/html,hi)", "<javascript:alert(1)>",
	    "[x](ftp://a)", "[x](//evil)" };
	size_t	 i;
	json_t	*doc;
	char	*s;

	for (i = 0; i < N(cases); i++) {
		doc = md2adf(cases[i], strlen(cases[i]));
		s = json_dumps(doc, 0);
		ck_assert_msg(strstr(s, "\"link\"") == NULL, "%s made a link",
		    cases[i]);
		free(s);
		json_decref(doc);
	}
}
END_TEST

START_TEST(hostile_input_converts_in_linear_time)
{
	/* Each of these took quadratic time in naive parsers; 60 KB of
	 * each must convert well within the Check timeout, under the
	 * sanitizers too. */
	static const char *const units[] = { "[", "*", "`", ">", "-", "_",
	    "~", "<", "#", "|", "\\", "(", "[a](", "*a ", "_a ", "` ``",
	    "`` `", "[]", "<http://", "<http://(", "](", "a\n", "|a\n",
	    "| a | b |\n|-|-|\n", "```\n", "- a\n  ", "~~a ", "a  \n",
	    "***a", "[`", "*[*]*", "[x](http://a)", "- ", "1. ", "> - ",
	    "**a", "a**", "\t", " ", "\n", "1)", "-\n",
	    /* Quadratic in cmark-gfm 0.29.0.gfm.6 (CVE-2023-22486 and
	     * kin): bounded here by the source limit. */
	    "![[]()", "_*", "_~", "|a", "- -\n" };
	struct jta_error err;
	size_t	 i, times;
	char	*s, *md;
	json_t	*doc;
	enum jta_err rc;

	for (i = 0; i < N(units); i++) {
		times = JTA_LIMIT_ADF_SOURCE / strlen(units[i]);
		s = repeat(units[i], times);
		doc = NULL;
		rc = jta_adf_from_markdown(s, strlen(s), "description", &doc,
		    &err);
		ck_assert(rc == JTA_OK || rc == JTA_ERR_INPUT);
		if (rc == JTA_OK) {
			md = adf2md(doc, NULL);
			ck_assert(strlen(md) <= JTA_LIMIT_ADF_MARKDOWN);
			free(md);
		} else
			ck_assert_int_eq(err.status, 422);
		json_decref(doc);
		free(s);
	}
}
END_TEST

/* The type of the block at index i of doc's content. */
static const char *
blocktype(json_t *doc, size_t i)
{
	return json_string_value(json_object_get(json_array_get(
	    json_object_get(doc, "content"), i), "type"));
}

/* CommonMark and GFM constructs the reader now knows, each to what ADF
 * can hold of it. */
START_TEST(commonmark_constructs_become_adf)
{
	static const struct {
		const char	*md;
		const char	*want;	/* the dumped doc's content */
	} cases[] = {
		{ "Title\n=====", "[{\"type\": \"heading\", \"content\": "
		    "[{\"type\": \"text\", \"text\": \"Title\"}], \"attrs\": "
		    "{\"level\": 1}}]" },
		{ "    indented", "[{\"type\": \"codeBlock\", \"content\": "
		    "[{\"type\": \"text\", \"text\": \"indented\"}]}]" },
		{ "&amp; &#65;", "[{\"type\": \"paragraph\", \"content\": "
		    "[{\"type\": \"text\", \"text\": \"& A\"}]}]" },
		{ "see www.example.com", "[{\"type\": \"paragraph\", "
		    "\"content\": [{\"type\": \"text\", \"text\": \"see \"}, "
		    "{\"type\": \"text\", \"text\": \"www.example.com\", "
		    "\"marks\": [{\"type\": \"link\", \"attrs\": {\"href\": "
		    "\"http://www.example.com\"}}]}]}]" },
		{ "![logo](https://x.y/l.png)", "[{\"type\": \"paragraph\", "
		    "\"content\": [{\"type\": \"text\", \"text\": \"logo\", "
		    "\"marks\": [{\"type\": \"link\", \"attrs\": {\"href\": "
		    "\"https://x.y/l.png\"}}]}]}]" },
		{ "<b>x</b>", "[{\"type\": \"paragraph\", \"content\": "
		    "[{\"type\": \"text\", \"text\": \"<b>x</b>\"}]}]" },
		{ "[a][r]\n\n[r]: https://x.y \"t\"", "[{\"type\": "
		    "\"paragraph\", \"content\": [{\"type\": \"text\", "
		    "\"text\": \"a\", \"marks\": [{\"type\": \"link\", "
		    "\"attrs\": {\"href\": \"https://x.y\"}}]}]}]" },
		{ "1. [x] done", "[{\"type\": \"orderedList\", \"content\": "
		    "[{\"type\": \"listItem\", \"content\": [{\"type\": "
		    "\"paragraph\", \"content\": [{\"type\": \"text\", "
		    "\"text\": \"[x] done\"}]}]}], \"attrs\": "
		    "{\"order\": 1}}]" },
		{ "> | a |\n> | - |\n> | b |", "[{\"type\": \"blockquote\", "
		    "\"content\": [{\"type\": \"paragraph\", \"content\": "
		    "[{\"type\": \"text\", \"text\": \"a\"}]}, {\"type\": "
		    "\"paragraph\", \"content\": [{\"type\": \"text\", "
		    "\"text\": \"b\"}]}]}]" },
	};
	json_t		*doc, *want;
	json_error_t	 je;
	size_t		 i;

	for (i = 0; i < N(cases); i++) {
		doc = md2adf(cases[i].md, strlen(cases[i].md));
		ck_assert_ptr_nonnull(want = json_loadb(cases[i].want,
		    strlen(cases[i].want), 0, &je));
		assert_json_eq(json_object_get(doc, "content"), want,
		    cases[i].md);
		json_decref(want);
		json_decref(doc);
	}
	/* "- [ ]" alone is an empty task; "- \\[ \\]" is text. */
	doc = md2adf("- [ ]", 5);
	ck_assert_str_eq(blocktype(doc, 0), "taskList");
	json_decref(doc);
	doc = md2adf("- \\[ \\]", 7);
	ck_assert_str_eq(blocktype(doc, 0), "bulletList");
	json_decref(doc);
}
END_TEST

/* What the Markdown fuzzer found once the reader was CommonMark: marks
 * next to punctuation, marks that cross, a link whose address holds a
 * control byte or a "|" in a table cell, an empty task written escaped,
 * blanks CommonMark does not strip.  Each document's Markdown reads back
 * to the same Markdown. */
START_TEST(written_markdown_reads_back_the_same)
{
	static const char *const docs[] = {
		"[{\"type\":\"text\",\"text\":\"pa\"},{\"type\":\"text\","
		    "\"text\":\"(b)\",\"marks\":[{\"type\":\"em\"}]},"
		    "{\"type\":\"text\",\"text\":\"c\"}]",
		"[{\"type\":\"text\",\"text\":\"a\",\"marks\":[{\"type\":"
		    "\"em\"}]},{\"type\":\"text\",\"text\":\"b\",\"marks\":"
		    "[{\"type\":\"strong\"},{\"type\":\"em\"}]},{\"type\":"
		    "\"text\",\"text\":\"c\",\"marks\":[{\"type\":"
		    "\"strong\"}]}]",
		"[{\"type\":\"text\",\"text\":\"#\",\"marks\":[{\"type\":"
		    "\"strong\"},{\"type\":\"em\"}]},{\"type\":\"text\","
		    "\"text\":\"x\",\"marks\":[{\"type\":\"em\"}]}]",
		"[{\"type\":\"text\",\"text\":\"see https://x.y or "
		    "www.x.y &amp; :-:\"}]",
		"[{\"type\":\"text\",\"text\":\"see!\"},{\"type\":"
		    "\"text\",\"text\":\"x\",\"marks\":[{\"type\":"
		    "\"link\",\"attrs\":{\"href\":\"https://x.y\"}}]}]",
	};
	/* Each found by the Markdown fuzzer (tests/fuzz/corpus/markdown/
	 * fixpoint-*): emphasis runs next to words, code spans and "~~";
	 * a code span whose content has a run of 81 backticks (cmark-gfm
	 * reads none longer than 80); "[x]" later on a task's line; a blank
	 * code span before a hard break left at the end; an email address
	 * in the text of a link we do not keep, in raw HTML; a "!" just
	 * before an autolink (written "![", an image, until escaped). */
	static const char *const mds[] = { "- \\[X\\]", "a\\\n:-:",
	    "| a |\n| --- |\n| [b](https://x.y/%7C) |", "## \v x",
	    "***a*s*h", "**a**b *c*d ~~e~~f _g_h", "a `*` *b* `c`*d*",
	    "*a*~~b~~_c_ ~~d~~*e*", "x `` ` `` y",
	    "- [ ] `[x]` a\n- [x] b", "x)`  `\\\n\v",
	    "ops[@example.com](javascript:x) <span a@b.cd> C@t",
	    "[a x@y.co b](ftp://q)", "***a****ha**h*****a**ha**h",
	    "```s\\\\&amp;\nx\n```", "[     ](https://x.y)1_an",
	    "_a b_c_ d_ e_f", "a]!https://x.yz b", "!https://x.yz" };
	json_t		*content, *doc, *doc2;
	json_error_t	 je;
	char		*md, *md2;
	size_t		 i;

	for (i = 0; i < N(docs); i++) {
		ck_assert_ptr_nonnull(content = json_loadb(docs[i],
		    strlen(docs[i]), 0, &je));
		ck_assert_ptr_nonnull(doc = json_pack("{s:s, s:i, s:[{s:s, "
		    "s:o}]}", "type", "doc", "version", 1, "content", "type",
		    "paragraph", "content", content));
		assert_adf_round_trip(doc, docs[i]);
		json_decref(doc);
	}
	/* "https:/" and 0x0f is no https link (0x0f | 0x20 is '/'). */
	doc = json_pack("{s:s, s:i, s:[{s:s, s:[{s:s, s:s, s:[{s:s, "
	    "s:{s:s}}]}]}]}", "type", "doc", "version", 1, "content", "type",
	    "paragraph", "content", "type", "text", "text", "a", "marks",
	    "type", "link", "attrs", "href", "https:/\x0fx.y");
	ck_assert_ptr_nonnull(doc);
	md = adf2md(doc, NULL);
	ck_assert_str_eq(md, "a");
	free(md);
	json_decref(doc);
	for (i = 0; i < N(mds); i++) {
		doc = md2adf(mds[i], strlen(mds[i]));
		md = adf2md(doc, NULL);
		doc2 = md2adf(md, strlen(md));
		md2 = adf2md(doc2, NULL);
		ck_assert_msg(strcmp(md, md2) == 0, "%s: %s then %s", mds[i],
		    md, md2);
		free(md);
		free(md2);
		json_decref(doc);
		json_decref(doc2);
	}
}
END_TEST

/* The marks of a paragraph's text as one string: each run of text
 * with one set of marks as "{bits}text", runs of one set merged, so two
 * documents that differ only in how text nodes are cut compare equal. */
static void
flatmarks(const json_t *doc, char *out, size_t outsz)
{
	const json_t	*c, *t, *ms, *mk;
	const char	*ty;
	size_t		 i, k, len = 0;
	unsigned	 bits, prev = ~0u;
	int		 w;

	c = json_object_get(json_array_get(json_object_get(doc, "content"),
	    0), "content");
	out[0] = '\0';
	json_array_foreach(c, i, t) {
		bits = 0;
		ms = json_object_get(t, "marks");
		json_array_foreach(ms, k, mk) {
			ty = json_string_value(json_object_get(mk, "type"));
			bits |= strcmp(ty, "strong") == 0 ? 1u :
			    strcmp(ty, "em") == 0 ? 2u :
			    strcmp(ty, "strike") == 0 ? 4u :
			    strcmp(ty, "code") == 0 ? 8u : 16u;
		}
		if (bits != prev)
			w = snprintf(out + len, outsz - len, "{%u}%s", bits,
			    json_string_value(json_object_get(t, "text")));
		else
			w = snprintf(out + len, outsz - len, "%s",
			    json_string_value(json_object_get(t, "text")));
		ck_assert(w >= 0 && (size_t)w < outsz - len);
		len += (size_t)w;
		prev = bits;
	}
}

static json_t *
marked(const char *text, unsigned bits)
{
	static const char *const names[] = { "strong", "em", "strike",
	    "code" };
	json_t	*t, *ms;
	size_t	 i;

	ck_assert_ptr_nonnull(t = json_pack("{s:s, s:s}", "type", "text",
	    "text", text));
	if (bits == 0)
		return t;
	ck_assert_ptr_nonnull(ms = json_array());
	for (i = 0; i < N(names); i++)
		if (bits & (1u << i))
			ck_assert_int_eq(json_array_append_new(ms, json_pack(
			    "{s:s}", "type", names[i])), 0);
	ck_assert_int_eq(json_object_set_new(t, "marks", ms), 0);
	return t;
}

/*
 * Emphasis written next to any neighbour reads back with the same marks
 * (CommonMark 6.2's flanking rules, GFM's strikethrough): every set of
 * marks, and every change from one set to another, between every pair
 * of characters that matter to the rules (word, punctuation, "*", "_",
 * backslash, a Unicode blank, a non-ASCII letter, a digit, the ends of
 * the paragraph), with code spans among them.  Not luck: the fuzzer
 * found "***a*s*h" and runs of "*" around code spans misread.
 */
START_TEST(marks_read_back_next_to_anything)
{
	static const char *const ch[] = { "a", ".", "*", "_", "\\", "`", "~",
	    "[", "<", "\xe2\x80\x83", "!",
	    "\xc2\xa0", "\xc3\xa9", "1", "(", "&" };
	/* Strong, em, strike, code (which the reader gives no other
	 * mark). */
	static const unsigned sets[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const char *const one[] = { "h", ".", "*", "~", "\xc2\xa0" };
	size_t	 a, b, x, y, l, r;
	json_t	*doc, *back, *c;
	char	*md, t1[16], t2[16], want[256], got[256];

	for (a = 0; a < N(sets); a++)
		for (b = 0; b < N(sets); b++) {
			if (a == b)
				continue;
			for (x = 0; x < N(ch); x++)
				for (y = 0; y < N(ch); y++)
					for (l = 0; l < 2; l++)
						for (r = l; r == l; r++) {
			ck_assert_ptr_nonnull(c = json_array());
			if (l)
				ck_assert_int_eq(json_array_append_new(c,
				    marked("p", 0)), 0);
			snprintf(t1, sizeof(t1), "%sb%s", ch[y], ch[x]);
			snprintf(t2, sizeof(t2), "%sc%s", ch[x], ch[y]);
			ck_assert_int_eq(json_array_append_new(c,
			    marked(t1, sets[a])), 0);
			ck_assert_int_eq(json_array_append_new(c,
			    marked(t2, sets[b])), 0);
			if (r)
				ck_assert_int_eq(json_array_append_new(c,
				    marked("q", 0)), 0);
			ck_assert_ptr_nonnull(doc = json_pack("{s:s, s:i, "
			    "s:[{s:s, s:o}]}", "type", "doc", "version", 1,
			    "content", "type", "paragraph", "content", c));
			md = adf2md(doc, NULL);
			back = md2adf(md, strlen(md));
			flatmarks(doc, want, sizeof(want));
			flatmarks(back, got, sizeof(got));
			ck_assert_msg(strcmp(want, got) == 0,
			    "%s\nwritten as %s\nread back as %s", want, md,
			    got);
			free(md);
			json_decref(doc);
			json_decref(back);
						}
		}
	/* A text of one character between two changes of marks: making it
	 * a reference for the second must not unmake the first. */
	for (a = 0; a < N(sets); a++)
		for (b = 0; b < N(sets); b++)
			for (l = 0; l < N(sets); l++) {
				if (a == b || a == l)
					continue;
				for (x = 0; x < N(one); x++)
					for (y = 0; y < N(one); y++) {
			ck_assert_ptr_nonnull(c = json_array());
			snprintf(t1, sizeof(t1), "o%s", one[y]);
			ck_assert_int_eq(json_array_append_new(c,
			    marked(t1, sets[l])), 0);
			ck_assert_int_eq(json_array_append_new(c,
			    marked(one[x], sets[a])), 0);
			snprintf(t2, sizeof(t2), "%sc", one[y]);
			ck_assert_int_eq(json_array_append_new(c,
			    marked(t2, sets[b])), 0);
			ck_assert_ptr_nonnull(doc = json_pack("{s:s, s:i, "
			    "s:[{s:s, s:o}]}", "type", "doc", "version", 1,
			    "content", "type", "paragraph", "content", c));
			md = adf2md(doc, NULL);
			back = md2adf(md, strlen(md));
			flatmarks(doc, want, sizeof(want));
			flatmarks(back, got, sizeof(got));
			ck_assert_msg(strcmp(want, got) == 0,
			    "%s\nwritten as %s\nread back as %s", want, md,
			    got);
			free(md);
			json_decref(doc);
			json_decref(back);
					}
			}
}
END_TEST

/* A code span's backtick strings are the shortest length its content
 * has no run of (CommonMark 6.1), at most 80: cmark-gfm reads no longer
 * one.  Content with runs of every length to 80 is written as text. */
START_TEST(code_span_ticks_fit_any_content)
{
	char	 s[4096], *md;
	size_t	 len, i, r, lossy;
	json_t	*doc, *back;

	/* Runs of 1, 2 and 81 backticks: written with 3. */
	len = (size_t)snprintf(s, sizeof(s), "a ` b `` c ");
	for (i = 0; i < 81; i++)
		s[len++] = '`';
	s[len] = '\0';
	doc = json_pack("{s:s, s:i, s:[{s:s, s:[o]}]}", "type", "doc",
	    "version", 1, "content", "type", "paragraph", "content",
	    marked(s, 8));
	ck_assert_ptr_nonnull(doc);
	md = adf2md(doc, &lossy);
	ck_assert_uint_eq(lossy, 0);
	ck_assert_msg(strncmp(md, "``` a ` b", 9) == 0, "%.60s", md);
	back = md2adf(md, strlen(md));
	assert_json_eq(back, doc, "81 backticks");
	free(md);
	json_decref(back);
	json_decref(doc);
	/* Every length from 1 to 80 taken. */
	for (r = 1, len = 0; r <= 80; r++) {
		for (i = 0; i < r; i++)
			s[len++] = '`';
		s[len++] = 'x';
	}
	s[len] = '\0';
	doc = json_pack("{s:s, s:i, s:[{s:s, s:[o]}]}", "type", "doc",
	    "version", 1, "content", "type", "paragraph", "content",
	    marked(s, 8));
	ck_assert_ptr_nonnull(doc);
	md = adf2md(doc, &lossy);
	ck_assert_uint_eq(lossy, 1);
	ck_assert_msg(strncmp(md, "\\`x\\`", 5) == 0, "%.60s", md);
	back = md2adf(md, strlen(md));
	ck_assert_msg(strcmp(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_array_get(json_object_get(back, "content"),
	    0), "content"), 0), "text")), s) == 0, "%.60s", md);
	free(md);
	json_decref(back);
	json_decref(doc);
}
END_TEST

/* A code span's blanks are its content, at a paragraph's ends too
 * (CommonMark 6.1; spec examples 331, 336). */
START_TEST(code_span_blanks_are_kept)
{
	static const struct {
		const char	*md;
		const char	*code;
	} cases[] = {
		{ "`  ``  `", " `` " },
		{ "``\nfoo \n``", "foo " },
		{ "a `  `", "  " },
		{ "`  b  `", " b " },
	};
	json_t	*doc, *c, *back;
	char	*md;
	size_t	 i;

	for (i = 0; i < N(cases); i++) {
		doc = md2adf(cases[i].md, strlen(cases[i].md));
		c = json_object_get(json_array_get(json_object_get(doc,
		    "content"), 0), "content");
		ck_assert_str_eq(json_string_value(json_object_get(
		    json_array_get(c, json_array_size(c) - 1), "text")),
		    cases[i].code);
		md = adf2md(doc, NULL);
		back = md2adf(md, strlen(md));
		assert_json_eq(back, doc, cases[i].md);
		free(md);
		json_decref(back);
		json_decref(doc);
	}
}
END_TEST

/* The box of a task is read where it is: cmark-gfm 0.29 takes "[x]"
 * anywhere on the item's first line for a checked box. */
START_TEST(task_state_is_the_box)
{
	const char	*md = "- [ ] `[x]` a\n- [x] b [ ]\n- [ ] c [X]";
	json_t		*doc, *l;

	doc = md2adf(md, strlen(md));
	l = json_object_get(json_array_get(json_object_get(doc, "content"),
	    0), "content");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_array_get(l, 0), "attrs"), "state")), "TODO");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_array_get(l, 1), "attrs"), "state")), "DONE");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_array_get(l, 2), "attrs"), "state")), "TODO");
	json_decref(doc);
}
END_TEST

START_TEST(adf_not_a_doc_is_502)
{
	struct jta_error err;
	char		*md = (char *)(uintptr_t)1;
	size_t		 lossy = 7;
	json_t		*bad[5];
	size_t		 i;

	bad[0] = json_array();
	bad[1] = json_string("doc");
	bad[2] = json_pack("{s:s}", "type", "paragraph");
	bad[3] = json_pack("{s:i}", "type", 1);
	bad[4] = json_object();
	for (i = 0; i < N(bad); i++) {
		memset(&err, 0, sizeof(err));
		ck_assert_int_eq(jta_adf_to_markdown(bad[i], &md, &lossy,
		    &err), JTA_ERR_INPUT);
		ck_assert_ptr_null(md);
		ck_assert_int_eq(err.status, 502);
		json_decref(bad[i]);
		md = (char *)(uintptr_t)1;
	}
	ck_assert_int_eq(jta_adf_to_markdown(NULL, &md, &lossy, &err),
	    JTA_ERR_INPUT);
}
END_TEST

START_TEST(adf_content_of_wrong_types_survives)
{
	static const char *const docs[] = {
		"{\"type\":\"doc\"}",
		"{\"type\":\"doc\",\"content\":{}}",
		"{\"type\":\"doc\",\"content\":\"x\"}",
		"{\"type\":\"doc\",\"content\":[[], {}, 1.5, true]}",
		"{\"type\":\"doc\",\"content\":[{\"type\":\"paragraph\","
		    "\"content\":[{\"type\":\"text\",\"text\":null}]}]}",
		"{\"type\":\"doc\",\"content\":[{\"type\":\"table\","
		    "\"content\":[{\"type\":\"tableRow\",\"content\":7}]}]}",
		"{\"type\":\"doc\",\"content\":[{\"type\":\"bulletList\","
		    "\"content\":[1, {\"type\":\"listItem\",\"content\":"
		    "\"no\"}]}]}",
		"{\"type\":\"doc\",\"content\":[{\"type\":\"codeBlock\","
		    "\"attrs\":{\"language\":\"a b`c\"},\"content\":[{"
		    "\"type\":\"text\",\"text\":\"```\"}, 3]}]}",
		"{\"type\":\"doc\",\"content\":[{\"type\":\"heading\","
		    "\"attrs\":\"x\"},{\"type\":\"date\",\"attrs\":{"
		    "\"timestamp\":\"-1\"}},{\"type\":\"mention\"},"
		    "{\"type\":\"emoji\",\"attrs\":[]},{\"type\":\"status\"}]}",
		"{\"type\":\"doc\",\"content\":[{\"type\":\"paragraph\","
		    "\"content\":[{\"type\":\"text\",\"text\":\"x\",\"marks\":"
		    "[1,{},{\"type\":\"link\"},{\"type\":\"link\",\"attrs\":"
		    "{\"href\":5}}]}]}]}",
	};
	json_error_t	 je;
	json_t		*doc;
	char		*md;
	size_t		 i, lossy;

	for (i = 0; i < N(docs); i++) {
		doc = json_loadb(docs[i], strlen(docs[i]), 0, &je);
		ck_assert_msg(doc != NULL, "case %zu: %s", i, je.text);
		md = adf2md(doc, &lossy);
		free(md);
		json_decref(doc);
	}
}
END_TEST

/* A chain of depth nodes of type t, each the only content of the one
 * above, ending in a paragraph. */
static json_t *
chain(const char *t, size_t depth)
{
	json_t	*inner, *outer;
	size_t	 i;

	inner = json_pack("{s:s, s:[{s:s, s:s}]}", "type", "paragraph",
	    "content", "type", "text", "text", "bottom");
	for (i = 0; i < depth; i++) {
		outer = json_pack("{s:s, s:[o]}", "type", t, "content", inner);
		ck_assert_ptr_nonnull(outer);
		inner = outer;
	}
	return json_pack("{s:s, s:[o]}", "type", "doc", "content", inner);
}

START_TEST(adf_ten_thousand_deep_is_cut_with_a_note)
{
	static const char *const types[] = { "blockquote", "bulletList",
	    "listItem", "panel", "layoutSection", "paragraph",
	    "tableCell", "inlineExtension" };
	json_t	*doc;
	char	*md;
	size_t	 i, lossy;

	for (i = 0; i < N(types); i++) {
		doc = chain(types[i], 10000);
		md = adf2md(doc, &lossy);
		ck_assert_msg(strstr(md, "nested too deep") != NULL,
		    "%s: no note", types[i]);
		ck_assert(strstr(md, "bottom") == NULL);
		ck_assert(lossy >= 1);
		free(md);
		json_decref(doc);
	}
	/* Within the limit everything is shown. */
	doc = chain("blockquote", JTA_LIMIT_ADF_DEPTH);
	md = adf2md(doc, &lossy);
	ck_assert(strstr(md, "bottom") != NULL);
	ck_assert_uint_eq(lossy, 0);
	free(md);
	json_decref(doc);
}
END_TEST

START_TEST(adf_huge_arrays_are_cut_at_the_limit)
{
	json_t	*para, *doc, *c;
	char	*md, *p;
	size_t	 i, lossy;

	para = json_pack("{s:s, s:[]}", "type", "paragraph", "content");
	c = json_object_get(para, "content");
	for (i = 0; i < 200000; i++)
		ck_assert_int_eq(json_array_append_new(c, json_pack(
		    "{s:s, s:s}", "type", i % 2 ? "text" : "hardBreak",
		    "text", "word")), 0);
	doc = json_pack("{s:s, s:[o]}", "type", "doc", "content", para);
	md = adf2md(doc, &lossy);
	ck_assert(strlen(md) <= JTA_LIMIT_ADF_MARKDOWN);
	ck_assert(strlen(md) > JTA_LIMIT_ADF_MARKDOWN - 100);
	ck_assert_ptr_nonnull(p = strstr(md, "[... "));
	ck_assert(strcmp(p + strlen(p) - strlen(" characters left out]"),
	    " characters left out]") == 0);
	free(md);
	json_decref(doc);
}
END_TEST

START_TEST(cut_keeps_whole_characters)
{
	/* 3-byte characters: the cut must not split one. */
	char	*big = repeat("\xe2\x9c\x93", JTA_LIMIT_ADF_MARKDOWN / 2);
	json_t	*doc = textdoc(big, NULL);
	char	*md;
	size_t	 n;

	md = adf2md(doc, NULL);
	n = strlen(md);
	ck_assert(n <= JTA_LIMIT_ADF_MARKDOWN);
	ck_assert_ptr_nonnull(strstr(md, "\n\n[... "));
	/* Everything before the note is whole check marks. */
	ck_assert_uint_eq((size_t)(strstr(md, "\n\n[... ") - md) % 3, 0);
	/* 50000 characters in all, so the note counts the rest. */
	{
		size_t kept = (size_t)(strstr(md, "\n\n[... ") - md) / 3;
		char want[64];

		snprintf(want, sizeof(want), "[... %zu characters left out]",
		    (size_t)JTA_LIMIT_ADF_MARKDOWN / 2 - kept);
		ck_assert_str_eq(strstr(md, "[... "), want);
	}
	free(md);
	free(big);
	json_decref(doc);
}
END_TEST

START_TEST(lossy_counts_each_node_markdown_cannot_carry)
{
	static const struct {
		const char	*json;
		size_t		 lossy;
		const char	*shows;
	} cases[] = {
		{ "[{\"type\":\"paragraph\",\"content\":[{\"type\":\"mention\","
		    "\"attrs\":{\"id\":\"1\",\"text\":\"@Al\"}}]}]", 1, "@Al" },
		{ "[{\"type\":\"paragraph\",\"content\":[{\"type\":\"emoji\","
		    "\"attrs\":{\"shortName\":\":smile:\"}}]}]", 1, ":smile:" },
		{ "[{\"type\":\"paragraph\",\"content\":[{\"type\":\"date\","
		    "\"attrs\":{\"timestamp\":\"0\"}}]}]", 1,
		    "[date: 1970-01-01]" },
		{ "[{\"type\":\"paragraph\",\"content\":[{\"type\":\"status\","
		    "\"attrs\":{\"text\":\"DONE\"}}]}]", 1, "[status: DONE]" },
		{ "[{\"type\":\"mediaSingle\",\"content\":[{\"type\":"
		    "\"media\"}]}]", 1, "[media not shown]" },
		{ "[{\"type\":\"panel\",\"attrs\":{\"panelType\":\"note\"},"
		    "\"content\":[]}]", 1, "[panel: note]" },
		{ "[{\"type\":\"expand\",\"attrs\":{\"title\":\"More\"}}]", 1,
		    "[expand: More]" },
		{ "[{\"type\":\"blockCard\",\"attrs\":{\"url\":"
		    "\"https://a.b\"}}]", 1, "<https://a.b>" },
		{ "[{\"type\":\"widget\"}]", 1, "[unsupported: widget]" },
		{ "[1, \"x\", {}]", 3, "" },
		{ "[{\"type\":\"paragraph\",\"content\":[{\"type\":\"text\","
		    "\"text\":\"u\",\"marks\":[{\"type\":\"underline\"}]}]}]",
		    0, "u" },
		{ "[{\"type\":\"table\",\"content\":[{\"type\":\"tableRow\","
		    "\"content\":[{\"type\":\"tableCell\",\"content\":[{"
		    "\"type\":\"codeBlock\",\"content\":[{\"type\":\"text\","
		    "\"text\":\"x\"}]}]}]}]}]", 1, "| x |" },
	};
	json_error_t	 je;
	json_t		*c, *doc;
	char		*md;
	size_t		 i, lossy;

	for (i = 0; i < N(cases); i++) {
		c = json_loadb(cases[i].json, strlen(cases[i].json), 0, &je);
		ck_assert_msg(c != NULL, "case %zu: %s", i, je.text);
		doc = json_pack("{s:s, s:i, s:o}", "type", "doc", "version",
		    1, "content", c);
		md = adf2md(doc, &lossy);
		ck_assert_msg(lossy == cases[i].lossy, "case %zu: lossy %zu",
		    i, lossy);
		ck_assert_msg(strstr(md, cases[i].shows) != NULL,
		    "case %zu: '%s' lacks '%s'", i, md, cases[i].shows);
		free(md);
		json_decref(doc);
	}
}
END_TEST

START_TEST(fitting_to_adf_rules)
{
	json_t	*doc, *want;
	json_error_t je;
	static const char *const w =
	    "{\"type\":\"doc\",\"version\":1,\"content\":[{\"type\":"
	    "\"blockquote\",\"content\":[{\"type\":\"paragraph\",\"content\":"
	    "[{\"type\":\"text\",\"text\":\"h\"}]},{\"type\":\"paragraph\","
	    "\"content\":[{\"type\":\"text\",\"text\":\"inner\"}]}]},"
	    "{\"type\":\"paragraph\",\"content\":[{\"type\":\"text\","
	    "\"text\":\"x\",\"marks\":[{\"type\":\"code\"}]}]}]}";

	/* A heading in a quote is a paragraph, a rule there is dropped, a
	 * quote in a quote merged; code carries no strong. */
	doc = md2adf("> # h\n> ---\n> > inner\n\n**`x`**", 30);
	ck_assert_ptr_nonnull(want = json_loadb(w, strlen(w), 0, &je));
	assert_json_eq(doc, want, "fit");
	json_decref(doc);
	json_decref(want);
}
END_TEST

Suite *
jta_check_suite(void)
{
	Suite	*s = suite_create("jta_adf");
	TCase	*tc = tcase_create("core");
	TCase	*tb = tcase_create("bounded");
	TCase	*te = tcase_create("exhaustive");

	/* Generous for the sanitizers; a quadratic parser takes minutes. */
	tcase_set_timeout(tb, 30);
	tcase_add_test(tb, hostile_input_converts_in_linear_time);
	tcase_add_test(tb, adf_ten_thousand_deep_is_cut_with_a_note);
	tcase_add_test(tb, adf_huge_arrays_are_cut_at_the_limit);
	/* Some 50,000 documents each way: a hang guard, sized for the
	 * sanitizer build on busy cores, not a measure. */
	tcase_set_timeout(te, 300);
	tcase_add_test(te, marks_read_back_next_to_anything);
	tcase_add_test(tc, golden_markdown_to_adf);
	tcase_add_test(tc, golden_adf_to_markdown);
	tcase_add_test(tc, canonical_markdown_round_trips);
	tcase_add_test(tc, golden_outputs_are_canonical_markdown);
	tcase_add_test(tc, markdown_task_items_become_a_task_list);
	tcase_add_test(tc, representable_adf_round_trips);
	tcase_add_test(tc, text_with_metacharacters_round_trips);
	tcase_add_test(tc, markdown_over_source_limit_is_422);
	tcase_add_test(tc, markdown_too_deep_is_422);
	tcase_add_test(tc, markdown_too_many_nodes_is_422);
	tcase_add_test(tc, markdown_invalid_utf8_is_422);
	tcase_add_test(tc, markdown_nul_becomes_replacement_character);
	tcase_add_test(tc, markdown_length_is_exact_not_nul_terminated);
	tcase_add_test(tc, unsafe_link_schemes_stay_text);
	tcase_add_test(tc, commonmark_constructs_become_adf);
	tcase_add_test(tc, written_markdown_reads_back_the_same);
	tcase_add_test(tc, code_span_ticks_fit_any_content);
	tcase_add_test(tc, task_state_is_the_box);
	tcase_add_test(tc, code_span_blanks_are_kept);
	tcase_add_test(tc, adf_not_a_doc_is_502);
	tcase_add_test(tc, adf_content_of_wrong_types_survives);
	tcase_add_test(tc, cut_keeps_whole_characters);
	tcase_add_test(tc, lossy_counts_each_node_markdown_cannot_carry);
	tcase_add_test(tc, fitting_to_adf_rules);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tb);
	suite_add_tcase(s, te);
	return s;
}
