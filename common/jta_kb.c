#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "jta_buf.h"
#include "jta_kb.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_operator.h"
#include "jta_confluence.h"
#include "jta_store_kb.h"
#include "jta_store_people.h"
#include "jta_store_usage.h"
#include "jta_text.h"
#include "jta_time.h"
#include "jta_vault.h"

/* ---- the API's shapes ---- */

/* Turn a store row into the API's item: id "kb-N", url null when "",
 * from "local".  0, or -1 when memory runs out. */
static int
shape(json_t *o)
{
	char		 id[32];
	const char	*url;

	snprintf(id, sizeof(id), JTA_KB_LOCAL_PREFIX "%lld",
	    (long long)json_integer_value(json_object_get(o, "id")));
	url = json_string_value(json_object_get(o, "url"));
	if (json_object_set_new(o, "id", json_string(id)) != 0 ||
	    json_object_set_new(o, "url", url != NULL && url[0] != '\0' ?
	    json_string(url) : json_null()) != 0 ||
	    json_object_set_new(o, "from", json_string("local")) != 0)
		return -1;
	return 0;
}

enum jta_err
jta_kb_search(struct jta_store *st, const char *text, const char *space,
    const char *site, size_t limit, json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	struct jta_store_kb_query *q;
	json_t		*a = NULL, *o;
	size_t		 i;

	*out = NULL;
	if ((q = malloc(sizeof(*q))) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	if ((rc = jta_store_kb_queries(text, q, err)) != JTA_OK ||
	    (rc = jta_store_kb_search(st, q, space, site, limit, &a,
	    err)) !=
	    JTA_OK)
		goto out;
	json_array_foreach(a, i, o)
		if (shape(o) != 0) {
			rc = jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
			    "out of memory");
			goto out;
		}
	*out = a;
	a = NULL;
out:
	json_decref(a);
	free(q);
	return rc;
}

int
jta_kb_local_id(const char *id, int64_t *n)
{
	uint64_t	 v;
	size_t		 pl = strlen(JTA_KB_LOCAL_PREFIX);

	if (strncmp(id, JTA_KB_LOCAL_PREFIX, pl) != 0 ||
	    jta_text_parse_uint(id + pl, strlen(id + pl), INT64_MAX, &v) !=
	    0 || v == 0)
		return 0;
	*n = (int64_t)v;
	return 1;
}

enum jta_err
jta_kb_get(struct jta_store *st, const char *id, const char *site,
    json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	int64_t		 n;
	json_t		*o = NULL;

	*out = NULL;
	if (!jta_kb_local_id(id, &n))
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "no article has this id");
	if ((rc = jta_store_kb_get(st, n, site, &o, err)) != JTA_OK)
		return rc;
	if (shape(o) != 0) {
		json_decref(o);
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	}
	*out = o;
	return JTA_OK;
}

enum jta_err
jta_kb_list(struct jta_store *st, json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*a = NULL, *o;
	size_t		 i;
	char		 id[32];

	*out = NULL;
	if ((rc = jta_store_kb_list(st, &a, err)) != JTA_OK)
		return rc;
	json_array_foreach(a, i, o) {
		snprintf(id, sizeof(id), JTA_KB_LOCAL_PREFIX "%lld",
		    (long long)json_integer_value(json_object_get(o, "id")));
		if (json_object_set_new(o, "id", json_string(id)) != 0) {
			json_decref(a);
			return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
			    "out of memory");
		}
	}
	*out = a;
	return JTA_OK;
}

enum jta_err
jta_kb_remove(struct jta_operator *op, const char *id, struct jta_error *err)
{
	enum jta_err	 rc;
	int64_t		 n;
	uint64_t	 v;
	char		 detail[64];

	if (!jta_kb_local_id(id, &n)) {
		if (jta_text_parse_uint(id, strlen(id), INT64_MAX, &v) != 0 ||
		    v == 0)
			return jta_error_set(err, JTA_ERR_INPUT, 422, "id",
			    "an article id is kb-N (see kb list)");
		n = (int64_t)v;
	}
	if ((rc = jta_store_kb_remove(op->st, n, err)) != JTA_OK)
		return rc;
	snprintf(detail, sizeof(detail), "article " JTA_KB_LOCAL_PREFIX
	    "%lld", (long long)n);
	return jta_operator_audit(op, "kb-remove", 200, detail, err);
}

/* ---- answered from knowledge ---- */

enum jta_err
jta_kb_helped(struct jta_store *st, const struct jta_user *who,
    const char *id, const char *site, int confluence, json_t **out,
    struct jta_error *err)
{
	enum jta_err	 rc;
	enum jta_confluence_kind kind;
	struct jta_store_period p;
	json_t		*a = NULL;
	int64_t		 n, now = jta_time_now();
	char		 num[32];

	*out = NULL;
	if (jta_kb_local_id(id, &n)) {
		if ((rc = jta_store_kb_get(st, n, site, &a, err)) != JTA_OK)
			return rc;
		json_decref(a);
	} else if (!confluence || !jta_confluence_id(id, &kind, num,
	    sizeof(num)))
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "no article has this id");
	jta_store_usage_period(now, &p);
	if ((rc = jta_store_kb_answered(st, who->id, id, now, p.day, err)) !=
	    JTA_OK)
		return rc;
	if ((*out = json_pack("{s:b, s:s}", "recorded", 1, "id", id)) ==
	    NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	return JTA_OK;
}

enum jta_err
jta_kb_deflection(struct jta_store *st, const char *from, const char *to,
    json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*rows = NULL, *o;
	int64_t		 answered = 0, creates = 0;
	size_t		 i;

	*out = NULL;
	if ((rc = jta_store_kb_answers(st, from, to, &answered, err)) !=
	    JTA_OK)
		return rc;
	if ((rc = jta_store_usage_report(st, "day", from, to, &rows, err)) !=
	    JTA_OK)
		return rc;
	json_array_foreach(rows, i, o)
		creates += (int64_t)json_integer_value(json_object_get(o,
		    "creates"));
	json_decref(rows);
	if ((*out = json_pack("{s:I, s:I}", "answered", (json_int_t)answered,
	    "creates", (json_int_t)creates)) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	return JTA_OK;
}

/* ---- declared spaces (README.md "Knowledge sync") ---- */

int
jta_kb_space_key_ok(const char *key)
{
	size_t	 n = 0;

	for (; key[n] != '\0'; n++)
		if (!((key[n] >= 'a' && key[n] <= 'z') ||
		    (key[n] >= 'A' && key[n] <= 'Z') ||
		    (key[n] >= '0' && key[n] <= '9') || key[n] == '-' ||
		    key[n] == '_' || key[n] == '~'))
			return 0;
	return n > 0 && n <= JTA_LIMIT_KB_SPACE;
}

enum jta_err
jta_kb_space_add(struct jta_operator *op, const char *key,
    const char *person, char *site_url, size_t site_urlsz,
    struct jta_error *err)
{
	struct jta_user	 u;
	struct jta_link	 link;
	struct jta_secret *access = NULL;
	enum jta_err	 rc;
	char		 detail[JTA_LIMIT_KB_SPACE + JTA_LIMIT_NAME +
	    JTA_LIMIT_SITE_URL + 16];

	if (!jta_kb_space_key_ok(key))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "key",
		    "a space key is 1 to 64 letters, digits, '-', '_' or '~'");
	if (op->vault == NULL)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the vault is not open");
	if ((rc = jta_store_user_get(op->st, person, &u, err)) != JTA_OK)
		return rc;
	/* The sync account must be linked: its site is the audience. */
	if ((rc = jta_store_link_get(op->st, op->vault, u.id, &link, &access,
	    err)) != JTA_OK) {
		if (rc == JTA_ERR_NOTFOUND)
			rc = jta_error_set(err, JTA_ERR_INPUT, 422, "as",
			    "%s has no Atlassian link; they must link their "
			    "account (/oauth/start) first", person);
		return rc;
	}
	jta_secret_free(access);
	if ((rc = jta_store_kb_space_add(op->st, key, u.id, link.cloud_id,
	    jta_time_now(), err)) != JTA_OK)
		return rc;
	snprintf(site_url, site_urlsz, "%s", link.site_url);
	snprintf(detail, sizeof(detail), "space %s as %s on %s", key, u.name,
	    link.site_url);
	return jta_operator_audit(op, "kb-space-add", 200, detail, err);
}

enum jta_err
jta_kb_space_remove(struct jta_operator *op, const char *key,
    size_t *removed, struct jta_error *err)
{
	enum jta_err	 rc;
	char		 detail[160];

	*removed = 0;
	if (!jta_kb_space_key_ok(key))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "key",
		    "a space key is 1 to 64 letters, digits, '-', '_' or '~'");
	if ((rc = jta_store_kb_space_remove(op->st, key, removed, err)) !=
	    JTA_OK)
		return rc;
	snprintf(detail, sizeof(detail), "space %s, %zu articles", key,
	    *removed);
	return jta_operator_audit(op, "kb-space-remove", 200, detail, err);
}

enum jta_err
jta_kb_status(struct jta_store *st, int64_t now, json_t **out,
    struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*o;
	size_t		 i;
	int64_t		 t;
	const char	*s;

	if ((rc = jta_store_kb_space_list(st, out, err)) != JTA_OK)
		return rc;
	json_array_foreach(*out, i, o) {
		s = json_string_value(json_object_get(o, "synced"));
		t = 0;
		if (s == NULL || jta_time_parse(s, strlen(s), &t) != 0)
			t = 0;
		if (json_object_set_new(o, "stale", json_boolean(t == 0 ||
		    now - t > JTA_KB_SYNC_STALE)) != 0) {
			json_decref(*out);
			*out = NULL;
			return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
			    "out of memory");
		}
	}
	return JTA_OK;
}
