/*
 * Unit tests for jta_suggest: the terms of a similar search and the
 * suggestion made from similar tickets.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "jta_suggest.h"
#include "check_main.h"

static void
terms_are(const char *text, const char *const *want, size_t nwant)
{
	struct jta_suggest_terms t;
	size_t	 i;

	ck_assert_uint_eq(jta_suggest_terms(text, &t), nwant);
	ck_assert_uint_eq(t.n, nwant);
	for (i = 0; i < nwant; i++)
		ck_assert_str_eq(t.term[i], want[i]);
}

START_TEST(terms_drop_stop_words_short_ones_and_repeats)
{
	static const char *const want[] = { "vpn", "drops", "every",
	    "minutes" };

	terms_are("The VPN drops, every 30 minutes!! vpn", want, 4);
}
END_TEST

START_TEST(terms_keep_no_query_syntax)
{
	static const char *const want[] = { "alpha", "beta", "gamma" };

	/* FTS5 and Lucene syntax: quotes, operators, wildcards, groups. */
	terms_are("\"alpha\" OR beta* AND (gamma) NOT -x +y ~z:\\", want, 3);
}
END_TEST

START_TEST(terms_keep_utf8_whole)
{
	static const char *const want[] = { "\xe6\x97\xa5\xe6\x9c\xac",
	    "\xc3\x9c" "ber", "caf\xc3\xa9" };

	/* Non-ASCII words stay, even short ones; no sequence is split;
	 * only ASCII is lower-cased (FTS5 and Jira fold the rest). */
	terms_are("\xe6\x97\xa5\xe6\x9c\xac, \xc3\x9c" "ber caf\xc3\xa9", want,
	    3);
}
END_TEST

START_TEST(terms_are_bounded)
{
	struct jta_suggest_terms t;
	char	 text[JTA_LIMIT_TEXT_QUERY + 2];

	ck_assert_uint_eq(jta_suggest_terms("w01x w02x w03x w04x w05x w06x "
	    "w07x w08x w09x w10x w11x w12x w13x w14x", &t),
	    JTA_LIMIT_SIMILAR_TERMS);
	ck_assert_str_eq(t.term[JTA_LIMIT_SIMILAR_TERMS - 1], "w12x");
	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	ck_assert_uint_eq(jta_suggest_terms(text, &t), 0);
	ck_assert_uint_eq(jta_suggest_terms("a an of to is", &t), 0);
	ck_assert_uint_eq(jta_suggest_terms(NULL, &t), 0);
}
END_TEST

START_TEST(overlap_is_the_share_of_terms_found)
{
	struct jta_suggest_terms t;

	jta_suggest_terms("vpn tunnel drops", &t);
	ck_assert(jta_suggest_overlap(&t, "VPN Drops nightly") > 0.66);
	ck_assert(jta_suggest_overlap(&t, "VPN Drops nightly") < 0.67);
	ck_assert(jta_suggest_overlap(&t, "printer") == 0);
	ck_assert(jta_suggest_overlap(&t, NULL) == 0);
}
END_TEST

static json_t *
ticket(const char *key, const char *project, const char *type,
    const char *priority, const char *label1, const char *label2)
{
	json_t	*o = json_pack("{s:s, s:s, s:s, s:s, s:[], s:[s]}", "key", key,
		    "project", project, "type", type, "priority", priority,
		    "labels", "components", "VPN");

	ck_assert_ptr_nonnull(o);
	if (label1 != NULL)
		json_array_append_new(json_object_get(o, "labels"),
		    json_string(label1));
	if (label2 != NULL)
		json_array_append_new(json_object_get(o, "labels"),
		    json_string(label2));
	return o;
}

START_TEST(suggest_majority_with_votes_and_evidence)
{
	json_t	*a = json_array(), *s = NULL, *p, *l;

	json_array_append_new(a, ticket("OPS-1", "OPS", "Bug", "High", "vpn",
	    "network"));
	json_array_append_new(a, ticket("SUP-4", "SUP", "Task", "Low", "x",
	    NULL));
	json_array_append_new(a, ticket("OPS-7", "OPS", "Bug", "High", "vpn",
	    NULL));
	json_array_append_new(a, ticket("OPS-9", "OPS", "Task", "Medium", NULL,
	    NULL));
	json_array_append_new(a, ticket("SUP-2", "SUP", "Story", "Lowest",
	    "y", NULL));
	ck_assert_int_eq(jta_suggest_make(a, &s), JTA_OK);
	p = json_object_get(s, "project");
	ck_assert_str_eq(json_string_value(json_object_get(p, "value")), "OPS");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "votes")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "of")), 5);
	ck_assert_uint_eq(json_array_size(json_object_get(p, "evidence")), 3);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(p,
	    "evidence"), 1)), "OPS-7");
	/* Bug 2 and Task 2: the tie goes to the better-ranked ticket. */
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s,
	    "type"), "value")), "Bug");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s,
	    "priority"), "value")), "High");
	/* vpn has 2 votes; network, x and y one each of five: left out. */
	l = json_object_get(s, "labels");
	ck_assert_uint_eq(json_array_size(l), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(l,
	    0), "value")), "vpn");
	ck_assert_int_eq(json_integer_value(json_object_get(
	    json_object_get(s, "components"), "votes")), 0); /* an array */
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    json_object_get(s, "components"), 0), "votes")), 5);
	json_decref(a);
	json_decref(s);
}
END_TEST

START_TEST(suggest_needs_two_votes_or_a_majority)
{
	json_t	*a = json_array(), *s = NULL;

	/* Three tickets, all different: nothing is suggested. */
	json_array_append_new(a, ticket("A-1", "A", "Bug", "High", "p", NULL));
	json_array_append_new(a, ticket("B-1", "B", "Task", "Low", "q", NULL));
	json_array_append_new(a, ticket("C-1", "C", "Story", "Lowest", NULL,
	    NULL));
	json_object_del(json_array_get(a, 1), "components");
	json_object_del(json_array_get(a, 2), "components");
	ck_assert_int_eq(jta_suggest_make(a, &s), JTA_OK);
	ck_assert_uint_eq(json_object_size(s), 0);
	json_decref(s);
	/* One ticket is a majority of one: its values are suggested. */
	while (json_array_size(a) > 1)
		json_array_remove(a, 1);
	ck_assert_int_eq(jta_suggest_make(a, &s), JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s,
	    "project"), "value")), "A");
	ck_assert_uint_eq(json_array_size(json_object_get(s, "labels")), 1);
	json_decref(s);
	/* Nothing found: nothing suggested. */
	json_array_clear(a);
	ck_assert_int_eq(jta_suggest_make(a, &s), JTA_OK);
	ck_assert_uint_eq(json_object_size(s), 0);
	json_decref(s);
	/* Two labels of the same tickets tie: by name. */
	json_array_append_new(a, ticket("A-1", "A", "Bug", "High", "zeta",
	    "alpha"));
	json_array_append_new(a, ticket("A-2", "A", "Bug", "High", "zeta",
	    "alpha"));
	ck_assert_int_eq(jta_suggest_make(a, &s), JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(s, "labels"), 0), "value")), "alpha");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(s, "labels"), 1), "value")), "zeta");
	json_decref(s);
	json_array_clear(a);
	ck_assert_int_eq(jta_suggest_make(NULL, &s), JTA_ERR_INTERNAL);
	ck_assert_ptr_null(s);
	json_decref(a);
}
END_TEST

START_TEST(unscored_rows_are_dropped)
{
	json_t	*a = json_array(), *s = NULL;

	json_array_append_new(a, ticket("OPS-1", "OPS", "Bug", "High", "vpn",
	    NULL));
	json_array_append_new(a, ticket("SUP-1", "SUP", "Task", "Low", "x",
	    NULL));
	json_array_append_new(a, ticket("SUP-2", "SUP", "Task", "Low", "x",
	    NULL));
	json_array_append_new(a, ticket("SUP-3", "SUP", "Task", "Low", "x",
	    NULL));
	json_object_set_new(json_array_get(a, 0), "score", json_real(0.25));
	json_object_set_new(json_array_get(a, 1), "score", json_real(0.0));
	json_object_set_new(json_array_get(a, 2), "score", json_integer(0));
	/* SUP-3 has no score at all: nothing says it matched. */
	ck_assert_uint_eq(jta_suggest_drop_unscored(a), 1);
	ck_assert_uint_eq(json_array_size(a), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(a,
	    0), "key")), "OPS-1");
	/* The three SUP tickets voted for SUP before; now OPS alone. */
	ck_assert_int_eq(jta_suggest_make(a, &s), JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s,
	    "project"), "value")), "OPS");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(s,
	    "project"), "of")), 1);
	json_decref(s);
	ck_assert_uint_eq(jta_suggest_drop_unscored(NULL), 0);
	json_decref(a);
}
END_TEST

/* Request types ranked by the words of their name, description and help
 * text and the person's past requests of each (issue 12). */
START_TEST(request_types_ranked_with_evidence)
{
	static const char desks_text[] =
	    "{\"servicedesks\":[{\"id\":\"1\",\"project\":\"ITH\","
	    "\"name\":\"IT Help\",\"request_types\":["
	    "{\"id\":\"21\",\"name\":\"Get IT help\","
	    "\"description\":\"General questions\",\"help_text\":\"\"},"
	    "{\"id\":\"22\",\"name\":\"Wi-Fi problem\","
	    "\"description\":\"Your laptop cannot join the office network\","
	    "\"help_text\":\"Say which floor\"},"
	    "{\"id\":\"23\",\"name\":\"New laptop\","
	    "\"description\":\"Order one for the office\","
	    "\"help_text\":\"\"}]}]}";
	static const char past_text[] =
	    "[{\"key\":\"ITH-1\",\"summary\":\"Office network down\","
	    "\"request_type_id\":\"22\"},"
	    "{\"key\":\"ITH-2\",\"summary\":\"Printer\","
	    "\"request_type_id\":\"22\"}]";
	json_error_t	 je;
	json_t		*desks = json_loadb(desks_text, strlen(desks_text), 0,
			    &je);
	json_t		*past = json_loadb(past_text, strlen(past_text), 0,
			    &je);
	json_t		*out = NULL;
	const json_t	*best, *ev;

	ck_assert_ptr_nonnull(desks);
	ck_assert_ptr_nonnull(past);
	ck_assert_int_eq(jta_suggest_request_types("my laptop will not join "
	    "the office network", desks, past, 5, &out), JTA_OK);
	/* Get IT help shares no word: left out */
	ck_assert_uint_eq(json_array_size(out), 2);
	best = json_array_get(out, 0);
	ck_assert_str_eq(json_string_value(json_object_get(best, "name")),
	    "Wi-Fi problem");
	ck_assert_str_eq(json_string_value(json_object_get(best, "project")),
	    "ITH");
	ck_assert(json_is_true(json_object_get(best, "clear")));
	ev = json_object_get(best, "evidence");
	ck_assert_uint_eq(json_array_size(json_object_get(ev, "description")),
	    4);
	/* only the past request that shares a word is evidence */
	ck_assert_uint_eq(json_array_size(json_object_get(ev, "requests")),
	    1);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(ev,
	    "requests"), 0)), "ITH-1");
	ck_assert_ptr_null(json_object_get(ev, "name"));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(out,
	    1), "name")), "New laptop");
	json_decref(out);
	/* two types equally close: not clear, so the assistant asks */
	ck_assert_int_eq(jta_suggest_request_types("office", desks, NULL, 1,
	    &out), JTA_OK);
	ck_assert_uint_eq(json_array_size(out), 1);
	ck_assert(json_is_false(json_object_get(json_array_get(out, 0),
	    "clear")));
	json_decref(out);
	/* no terms, or no desks: an empty list */
	ck_assert_int_eq(jta_suggest_request_types("a", desks, past, 5, &out),
	    JTA_OK);
	ck_assert_uint_eq(json_array_size(out), 0);
	json_decref(out);
	json_decref(desks);
	json_decref(past);
}
END_TEST

static void
folded_are(const char *text, const char *const *want, size_t nwant)
{
	struct jta_suggest_terms t;
	size_t	 i;

	ck_assert_uint_eq(jta_suggest_terms_folded(text, &t), nwant);
	for (i = 0; i < nwant; i++)
		ck_assert_str_eq(t.term[i], want[i]);
}

START_TEST(folded_terms_german_french_spanish)
{
	static const char *const de[] = { "cafe", "automat", "defekt",
	    "gro\xc3\x9f" "e" };
	static const char *const fr[] = { "reseau", "marche", "etage" };
	static const char *const es[] = { "como", "conecto", "impresora",
	    "espanol" };
	static const char *const ascii[] = { "vpn", "drops", "every",
	    "minutes" };

	/* "Café-Automat defekt, die Größe": ß is no diacritic */
	folded_are("Caf\xc3\xa9-Automat defekt, die Gr\xc3\xb6\xc3\x9f" "e",
	    de, 4);
	/* "Le RÉSEAU ne marche pas à l'Étage" */
	folded_are("Le R\xc3\x89SEAU ne marche pas \xc3\xa0 l'\xc3\x89tage",
	    fr, 3);
	/* "¿Cómo conecto la IMPRESORA? «Español»": ¿ « » separate */
	folded_are("\xc2\xbf" "C\xc3\xb3mo conecto la IMPRESORA? \xc2\xab"
	    "Espa\xc3\xb1ol\xc2\xbb", es, 4);
	/* ASCII as jta_suggest_terms has it */
	folded_are("The VPN drops, every 30 minutes!! vpn", ascii, 4);
}
END_TEST

START_TEST(folded_terms_japanese_bigrams)
{
	/* "waifai ni setsuzoku dekimasen": katakana and kanji runs in pairs,
	 * the hiragana ending dropped */
	static const char *const ja[] = {
	    "\xe3\x83\xaf\xe3\x82\xa4", "\xe3\x82\xa4\xe3\x83\x95",
	    "\xe3\x83\x95\xe3\x82\xa1", "\xe3\x82\xa1\xe3\x82\xa4",
	    "\xe6\x8e\xa5\xe7\xb6\x9a" };
	/* "Wi-Fi ni tsunagaranai": a lone kanji stands alone */
	static const char *const ja2[] = { "\xe7\xb9\x8b" };
	struct jta_suggest_terms t;
	char	 big[JTA_LIMIT_TEXT_QUERY + 1];
	size_t	 i;

	folded_are("\xe3\x83\xaf\xe3\x82\xa4\xe3\x83\x95\xe3\x82\xa1\xe3"
	    "\x82\xa4\xe3\x81\xab\xe6\x8e\xa5\xe7\xb6\x9a\xe3\x81\xa7\xe3"
	    "\x81\x8d\xe3\x81\xbe\xe3\x81\x9b\xe3\x82\x93", ja, 5);
	folded_are("Wi-Fi \xe3\x81\xab\xe7\xb9\x8b\xe3\x81\x8c\xe3\x82\x89"
	    "\xe3\x81\xaa\xe3\x81\x84", ja2, 1);
	/* a text of ideographs as long as allowed: bounded, whole */
	for (i = 0; i + 3 <= JTA_LIMIT_TEXT_QUERY; i += 3)
		memcpy(big + i, "\xe6\x8e\xa5", 3);
	big[i] = '\0';
	big[1] = 'x';	/* a broken first sequence: a separator */
	ck_assert_uint_le(jta_suggest_terms_folded(big, &t),
	    JTA_LIMIT_SIMILAR_TERMS);
	ck_assert_uint_eq(t.n, 1);	/* "x", then one repeated pair */
}
END_TEST

START_TEST(folding_is_not_fooled)
{
	struct jta_suggest_terms t;

	ck_assert_uint_eq(jta_suggest_terms_folded("caf\xc3\xa9", &t), 1);
	ck_assert(jta_suggest_overlap_folded(&t, "CAF\xc3\x89 au lait") == 1);
	ck_assert(jta_suggest_overlap_folded(&t, "Cafe") == 1);
	/* a truncated or broken é, an overlong 'e', is no letter */
	ck_assert(jta_suggest_overlap_folded(&t, "caf\xc3") == 0);
	ck_assert(jta_suggest_overlap_folded(&t, "caf\xff\xc3\xa9") == 0);
	ck_assert(jta_suggest_overlap_folded(&t, "caf\xc1\xa5") == 0);
	/* Cyrillic С and Greek Α look Latin but are not folded */
	ck_assert(jta_suggest_overlap_folded(&t, "\xd0\xa1" "afe") == 0);
	ck_assert_uint_eq(jta_suggest_terms_folded("\xd0\xa1" "afe", &t), 1);
	ck_assert(jta_suggest_overlap_folded(&t, "Cafe machine") == 0);
	ck_assert_uint_eq(jta_suggest_terms_folded("\xce\x91pple", &t), 1);
	ck_assert(jta_suggest_overlap_folded(&t, "Apple") == 0);
	/* ß is not ss: "Maße" is no "Masse" */
	ck_assert_uint_eq(jta_suggest_terms_folded("Ma\xc3\x9f" "e", &t), 1);
	ck_assert(jta_suggest_overlap_folded(&t, "Masse") == 0);
	ck_assert(jta_suggest_overlap_folded(&t, "MA\xc3\x9f" "E") == 1);
	/* an overlong 'a' in the words: no term from it */
	ck_assert_uint_eq(jta_suggest_terms_folded("c\xc1\xa1" "fe", &t), 0);
}
END_TEST

START_TEST(request_types_across_languages)
{
	static const char desks_text[] =
	    "{\"servicedesks\":[{\"id\":\"1\",\"project\":\"ITH\","
	    "\"name\":\"IT Help\",\"request_types\":["
	    "{\"id\":\"31\",\"name\":\"Cafe machine / Kaffeeautomat\","
	    "\"description\":\"\",\"help_text\":\"\"},"
	    "{\"id\":\"32\",\"name\":\"Reseau et VPN\","
	    "\"description\":\"\",\"help_text\":\"\"},"
	    "{\"id\":\"33\",\"name\":\"Impresora / Printer\","
	    "\"description\":\"\",\"help_text\":\"\"},"
	    "{\"id\":\"34\",\"name\":\"Wi-Fi \xe3\x83\xbb \xe7\x84\xa1\xe7"
	    "\xb7\x9aLAN \xe6\x8e\xa5\xe7\xb6\x9a\","
	    "\"description\":\"\xe3\x83\xaf\xe3\x82\xa4\xe3\x83\x95\xe3\x82"
	    "\xa1\xe3\x82\xa4\xe3\x81\xab\xe7\xb9\x8b\xe3\x81\x8c\xe3\x82\x89"
	    "\xe3\x81\xaa\xe3\x81\x84\",\"help_text\":\"\"}]}]}";
	static const struct {
		const char *text, *id;
	} cases[] = {
		{ "Caf\xc3\xa9-Automat defekt", "31" },		/* de */
		{ "Le r\xc3\xa9seau ne marche pas", "32" },	/* fr */
		{ "\xc2\xbf" "C\xc3\xb3mo uso la IMPRESORA?", "33" },	/* es */
		{ "\xe3\x83\xaf\xe3\x82\xa4\xe3\x83\x95\xe3\x82\xa1\xe3\x82\xa4"
		  "\xe3\x81\xab\xe6\x8e\xa5\xe7\xb6\x9a\xe3\x81\xa7\xe3\x81\x8d"
		  "\xe3\x81\xbe\xe3\x81\x9b\xe3\x82\x93", "34" },	/* ja */
		{ "Wi-Fi \xe3\x81\xab\xe7\xb9\x8b\xe3\x81\x8c\xe3\x82\x89\xe3"
		  "\x81\xaa\xe3\x81\x84", "34" },
	};
	json_error_t	 je;
	json_t		*desks = json_loadb(desks_text, strlen(desks_text), 0,
			    &je);
	json_t		*out = NULL;
	size_t		 i;

	ck_assert_ptr_nonnull(desks);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(jta_suggest_request_types(cases[i].text,
		    desks, NULL, 5, &out), JTA_OK);
		ck_assert_uint_ge(json_array_size(out), 1);
		ck_assert_str_eq(json_string_value(json_object_get(
		    json_array_get(out, 0), "id")), cases[i].id);
		ck_assert(json_is_true(json_object_get(json_array_get(out, 0),
		    "clear")));
		json_decref(out);
	}
	/* an unrelated word that only looks alike finds nothing */
	ck_assert_int_eq(jta_suggest_request_types("\xd0\xa1" "afe \xce\x91"
	    "utomat", desks, NULL, 5, &out), JTA_OK);
	ck_assert_uint_eq(json_array_size(out), 0);
	json_decref(out);
	json_decref(desks);
}
END_TEST

Suite *
jta_check_suite(void)
{
	Suite	*s = suite_create("jta_suggest");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, terms_drop_stop_words_short_ones_and_repeats);
	tcase_add_test(tc, terms_keep_no_query_syntax);
	tcase_add_test(tc, terms_keep_utf8_whole);
	tcase_add_test(tc, terms_are_bounded);
	tcase_add_test(tc, overlap_is_the_share_of_terms_found);
	tcase_add_test(tc, suggest_majority_with_votes_and_evidence);
	tcase_add_test(tc, suggest_needs_two_votes_or_a_majority);
	tcase_add_test(tc, unscored_rows_are_dropped);
	tcase_add_test(tc, request_types_ranked_with_evidence);
	tcase_add_test(tc, folded_terms_german_french_spanish);
	tcase_add_test(tc, folded_terms_japanese_bigrams);
	tcase_add_test(tc, folding_is_not_fooled);
	tcase_add_test(tc, request_types_across_languages);
	suite_add_tcase(s, tc);
	return s;
}
