/*
 * Conformance: how many of the CommonMark spec's examples survive
 * Markdown -> ADF -> Markdown (jta_adf_from_markdown, then
 * jta_adf_to_markdown), judged by cmark-gfm's HTML of the original and of
 * the round trip (parsed as jta_adf parses: GFM table, strikethrough,
 * autolink and tasklist).  ADF has no equivalent for some of what
 * CommonMark renders (raw HTML, images, link titles, loose lists, list
 * markers' kinds...), so not all can; the count may not drop.
 *
 * Usage: commonmark_roundtrip SPEC.json FLOOR
 * SPEC.json is the commonmark-spec npm package's examples as JSON (an
 * array of {markdown, html, section, number}; commonmark-roundtrip.sh
 * makes it).  Prints the count and, for each section, the examples that
 * do not survive.  Exits 0 when at least FLOOR survive, 1 when fewer do,
 * 99 on a setup error.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
#include <jansson.h>

#include "jta_adf.h"
#include "jta_text.h"

/* HTML of md as jta_adf reads Markdown; the caller frees it. */
static char *
html(const char *md, size_t len)
{
	static const char *const exts[] = { "table", "strikethrough",
	    "autolink", "tasklist" };
	cmark_parser	*p;
	cmark_node	*root;
	char		*h = NULL;
	size_t		 i;

	if ((p = cmark_parser_new(CMARK_OPT_DEFAULT |
	    CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE)) == NULL)
		return NULL;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		cmark_parser_attach_syntax_extension(p,
		    cmark_find_syntax_extension(exts[i]));
	cmark_parser_feed(p, md, len);
	if ((root = cmark_parser_finish(p)) != NULL) {
		h = cmark_render_html(root, CMARK_OPT_DEFAULT,
		    cmark_parser_get_syntax_extensions(p));
		cmark_node_free(root);
	}
	cmark_parser_free(p);
	return h;
}

/* 1 when md survives the round trip. */
static int
survives(const char *md, size_t len)
{
	struct jta_error err;
	json_t		*doc = NULL;
	char		*back = NULL, *h1 = NULL, *h2 = NULL;
	size_t		 lossy = 0;
	int		 ok = 0;

	if (jta_adf_from_markdown(md, len, "markdown", &doc, &err) !=
	    JTA_OK)
		goto out;
	if (jta_adf_to_markdown(doc, &back, &lossy, &err) != JTA_OK)
		goto out;
	h1 = html(md, len);
	h2 = html(back, strlen(back));
	ok = h1 != NULL && h2 != NULL && strcmp(h1, h2) == 0;
out:
	json_decref(doc);
	free(back);
	free(h1);
	free(h2);
	return ok;
}

int
main(int argc, char *argv[])
{
	json_t		*spec = NULL, *ex;
	json_error_t	 je;
	const char	*md, *sec, *last = NULL;
	uint64_t	 floor;
	size_t		 i, n, good = 0, bad = 0;
	FILE		*f;
	char		*buf = NULL;
	long		 sz;
	int		 rc = 99;

	if (argc != 3 || jta_text_parse_uint(argv[2], strlen(argv[2]),
	    100000, &floor) != 0) {
		fprintf(stderr, "usage: commonmark_roundtrip SPEC.json "
		    "FLOOR\n");
		return 99;
	}
	cmark_gfm_core_extensions_ensure_registered();
	if ((f = fopen(argv[1], "rb")) == NULL ||
	    fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)sz + 1)) == NULL ||
	    fread(buf, 1, (size_t)sz, f) != (size_t)sz ||
	    (spec = json_loadb(buf, (size_t)sz, JSON_REJECT_DUPLICATES,
	    &je)) == NULL || !json_is_array(spec)) {
		fprintf(stderr, "commonmark_roundtrip: cannot read %s\n",
		    argv[1]);
		goto out;
	}
	n = json_array_size(spec);
	for (i = 0; i < n; i++) {
		ex = json_array_get(spec, i);
		md = json_string_value(json_object_get(ex, "markdown"));
		sec = json_string_value(json_object_get(ex, "section"));
		if (md == NULL || sec == NULL) {
			fprintf(stderr, "commonmark_roundtrip: example %zu "
			    "has no markdown or section\n", i + 1);
			goto out;
		}
		if (survives(md, json_string_length(json_object_get(ex,
		    "markdown")))) {
			good++;
			continue;
		}
		bad++;
		if (last == NULL || strcmp(last, sec) != 0)
			printf("%s%s:", last != NULL ? "\n" : "", sec);
		printf(" %lld", (long long)json_integer_value(
		    json_object_get(ex, "number")));
		last = sec;
	}
	printf("%sCommonMark spec round trip (Markdown -> ADF -> Markdown, "
	    "same HTML): %zu of %zu examples survive (floor %llu)\n",
	    last != NULL ? "\n" : "", good, n, (unsigned long long)floor);
	rc = good >= floor ? 0 : 1;
out:
	if (f != NULL)
		fclose(f);
	free(buf);
	json_decref(spec);
	return rc;
}
