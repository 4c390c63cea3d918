/*
 * Fuzz harness for the selective JSON reader (jta_json_pick.h), a
 * differential test against jansson: every input goes through
 * json_loadb(JSON_REJECT_DUPLICATES) and through jta_json_pick_loadb with
 * each description below (the Jira search page's, and ones that keep
 * whole values, every element, members of members).
 *
 * Invariants checked (abort() when violated): pick accepts exactly when
 * json_loadb accepts; when both do, pick's tree equals
 * jta_json_pick_filter(json_loadb's tree) by json_equal and by its
 * sorted compact text (which tells -0.0 from 0.0 and an integer from a
 * real); on refusal *out stays NULL and the error position is within
 * the input.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jta_arena.h"
#include "jta_jira.h"
#include "jta_json_pick.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct jta_json_pick whole = { NULL, JTA_JSON_PICK_WHOLE,
    NULL };
static const struct jta_json_pick inner[] = {
	{ "a", JTA_JSON_PICK_WHOLE, NULL },
	{ "", JTA_JSON_PICK_WHOLE, NULL },
	{ "\xc3\xa9", JTA_JSON_PICK_WHOLE, NULL },
	{ NULL, JTA_JSON_PICK_WHOLE, NULL }
};
static const struct jta_json_pick inner_obj = { NULL,
    JTA_JSON_PICK_MEMBERS, inner };
static const struct jta_json_pick each_inner = { NULL, JTA_JSON_PICK_EACH,
    &inner_obj };
static const struct jta_json_pick outer[] = {
	{ "a", JTA_JSON_PICK_MEMBERS, inner },
	{ "b", JTA_JSON_PICK_EACH, &each_inner },
	{ "c", JTA_JSON_PICK_WHOLE, NULL },
	{ "issues", JTA_JSON_PICK_EACH, &inner_obj },
	{ NULL, JTA_JSON_PICK_WHOLE, NULL }
};
static const struct jta_json_pick mixed = { NULL, JTA_JSON_PICK_MEMBERS,
    outer };
static const struct jta_json_pick nothing[] = {
	{ NULL, JTA_JSON_PICK_WHOLE, NULL }
};
static const struct jta_json_pick none = { NULL, JTA_JSON_PICK_MEMBERS,
    nothing };

static const struct jta_json_pick *const picks[] = {
	&jta_jira_search_pick, &whole, &mixed, &each_inner, &none
};

static void
same(const json_t *a, const json_t *b)
{
	char	*sa, *sb;
	int	 eq;

	if (!json_equal(a, b))
		abort();
	sa = jta_arena_json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
	sb = jta_arena_json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
	if (sa == NULL || sb == NULL) {
		free(sa);
		free(sb);
		return;		/* out of memory: nothing to compare */
	}
	eq = strcmp(sa, sb) == 0;
	free(sa);
	free(sb);
	if (!eq)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t		*doc, *got, *want;
	size_t		 i, pos;
	enum jta_err	 rc;

	doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
	    NULL);
	for (i = 0; i < sizeof(picks) / sizeof(picks[0]); i++) {
		got = NULL;
		pos = size + 1;
		rc = jta_json_pick_loadb((const char *)data, size, picks[i],
		    &got, &pos);
		if (rc == JTA_ERR_NOMEM)
			continue;
		if (doc == NULL) {
			if (rc == JTA_OK || got != NULL || pos > size)
				abort();
			continue;
		}
		if (rc != JTA_OK || got == NULL)
			abort();
		if ((want = jta_json_pick_filter(doc, picks[i])) != NULL)
			same(want, got);
		json_decref(want);
		json_decref(got);
	}
	json_decref(doc);
	return 0;
}
