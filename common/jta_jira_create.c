/*
 * Jira Cloud's create screens <-> the ticket API, with no I/O (see
 * jta_jira.h): the fields of an issue type's create screen (createmeta)
 * as we describe them, and a create request that names its values
 * (priority, components, people, options) resolved to the ids Jira
 * wants.  Part of jta_jira, with jta_jira.c and jta_jira_tickets.c.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "jta_buf.h"
#include "jta_jira.h"
#include "jta_jira_int.h"
#include "jta_time.h"

/* ---- create screens (createmeta) and create with names ---- */

/* Fields this API never sets: left out of field lists and never asked
 * for (Jira fills project, issue type and reporter from the request). */
static const char *const unsettable[] = { "project", "issuetype",
    "reporter", "attachment", "issuelinks", NULL };

/* Our members of a create request that set a Jira system field of the
 * same id. */
static const char *const members[] = { "summary", "description",
    "priority", "labels", "components", "assignee", "parent", NULL };

static int
inlist(const char *const *list, const char *s)
{
	size_t	 i;

	for (i = 0; s != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

static int
endswith(const char *s, const char *suffix)
{
	size_t	 a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* A createmeta field's id: fieldId, else key. */
static const char *
metaid(const json_t *m)
{
	const char	*id = jta_jira_strmem(m, "fieldId");

	return id != NULL ? id : jta_jira_strmem(m, "key");
}

/* The name an allowed value goes by: an option's value, else its name. */
static const char *
valname(const json_t *v)
{
	const char	*s = jta_jira_strmem(v, "value");

	if (s == NULL)
		s = jta_jira_strmem(v, "name");
	return s != NULL ? s : json_string_value(v);
}

const char *
jta_jira_field_type(const json_t *meta)
{
	const json_t	*sc = json_object_get(meta, "schema");
	const char	*t = jta_jira_strmem(sc, "type"),
			*items = jta_jira_strmem(sc, "items");
	const char	*sys = jta_jira_strmem(sc, "system"),
			*cu = jta_jira_strmem(sc, "custom");
	const char	*id = metaid(meta);

	if (t == NULL)
		return "other";
	/* Rich text is ADF in API v3: the description and paragraph
	 * (textarea) custom fields. */
	if ((sys != NULL && strcmp(sys, "description") == 0) ||
	    (cu != NULL && endswith(cu, ":textarea")))
		return "text";
	if ((id != NULL && strcmp(id, "parent") == 0) ||
	    strcmp(t, "issuelink") == 0)
		return "issue";
	if (strcmp(t, "string") == 0)
		return "string";
	if (strcmp(t, "number") == 0)
		return "number";
	if (strcmp(t, "date") == 0)
		return "date";
	if (strcmp(t, "datetime") == 0)
		return "datetime";
	if (strcmp(t, "user") == 0)
		return "user";
	if (strcmp(t, "option") == 0 || strcmp(t, "priority") == 0 ||
	    strcmp(t, "version") == 0 || strcmp(t, "component") == 0 ||
	    strcmp(t, "securitylevel") == 0 || strcmp(t, "resolution") == 0)
		return "option";
	if (strcmp(t, "array") != 0 || items == NULL)
		return "other";
	if (strcmp(items, "user") == 0)
		return "users";
	if (strcmp(items, "option") == 0 || strcmp(items, "component") == 0 ||
	    strcmp(items, "version") == 0)
		return "options";
	if (strcmp(items, "string") == 0)
		return json_is_array(json_object_get(meta, "allowedValues")) ?
		    "options" : "labels";
	return "other";
}

/* What to ask about a field of our type t. */
static enum jta_ask
askkind(const char *t)
{
	if (strcmp(t, "option") == 0)
		return JTA_ASK_ONE;
	if (strcmp(t, "options") == 0)
		return JTA_ASK_SOME;
	if (strcmp(t, "user") == 0 || strcmp(t, "users") == 0)
		return JTA_ASK_USER;
	if (strcmp(t, "issue") == 0)
		return JTA_ASK_ISSUE;
	if (strcmp(t, "number") == 0)
		return JTA_ASK_NUMBER;
	if (strcmp(t, "date") == 0)
		return JTA_ASK_DATE;
	if (strcmp(t, "datetime") == 0)
		return JTA_ASK_DATETIME;
	return JTA_ASK_TEXT;
}

/* 1 when Jira says the field is required and has no default. */
static int
mustgive(const json_t *m)
{
	return json_is_true(json_object_get(m, "required")) &&
	    !json_is_true(json_object_get(m, "hasDefaultValue"));
}

/* One createmeta field in our shape, or *out NULL when this API never
 * sets it (or Jira's entry has no usable id or name). */
static enum jta_err
metafield(const json_t *m, json_t **out, struct jta_error *err)
{
	const char	*id = metaid(m), *name = jta_jira_strmem(m, "name");
	const char	*t, *d;
	const json_t	*ops = json_object_get(m, "operations"), *v, *dv;
	json_t		*o = NULL, *allowed;
	size_t		 i, j;
	int		 settable = !json_is_array(ops);

	*out = NULL;
	if (id == NULL || name == NULL || inlist(unsettable, id) ||
	    strlen(id) > JTA_LIMIT_FIELD_VALUE)
		return JTA_OK;
	json_array_foreach(ops, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), "set") ==
		    0)
			settable = 1;
	if (!settable)
		return JTA_OK;
	t = jta_jira_field_type(m);
	if ((o = json_pack("{s:s, s:s, s:b, s:s}", "id", id, "name", name,
	    "required", mustgive(m), "type", t)) == NULL)
		return JTA_ERR_NOMEM;
	v = json_object_get(m, "allowedValues");
	if ((strcmp(t, "option") == 0 || strcmp(t, "options") == 0) &&
	    json_is_array(v)) {
		if (json_array_size(v) > JTA_LIMIT_JIRA_ITEMS) {
			json_decref(o);
			return jta_jira_bad(err,
			    "a field with too many allowed values");
		}
		if (jta_jira_oset(o, "allowed", allowed = json_array()) != 0)
			goto nomem;
		json_array_foreach(v, j, dv)
			if ((d = valname(dv)) != NULL &&
			    json_array_append_new(allowed, json_string(d)) != 0)
				goto nomem;
	}
	if (json_is_true(json_object_get(m, "hasDefaultValue"))) {
		dv = json_object_get(m, "defaultValue");
		if (json_is_array(dv))
			dv = json_array_get(dv, 0);
		if ((d = valname(dv)) != NULL) {
			if (jta_jira_oset(o, "default", json_string(d)) != 0)
				goto nomem;
		} else if (json_is_number(dv) && jta_jira_oset(o, "default",
		    json_deep_copy(dv)) != 0)
			goto nomem;
	}
	*out = o;
	return JTA_OK;
nomem:
	json_decref(o);
	return JTA_ERR_NOMEM;
}

enum jta_err
jta_jira_meta_fields(const json_t *meta, json_t **out, struct jta_error *err)
{
	const json_t	*m;
	json_t		*f;
	size_t		 i;
	enum jta_err	 rc;

	*out = NULL;
	if (!json_is_array(meta))
		return jta_jira_bad(err, "no list of fields");
	if (json_array_size(meta) > JTA_LIMIT_META_FIELDS)
		return jta_jira_bad(err, "more fields than this server reads");
	if ((*out = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	json_array_foreach(meta, i, m) {
		if ((rc = metafield(m, &f, err)) != JTA_OK) {
			json_decref(*out);
			*out = NULL;
			return rc;
		}
		if (f != NULL && json_array_append_new(*out, f) != 0) {
			json_decref(*out);
			*out = NULL;
			return JTA_ERR_NOMEM;
		}
	}
	return JTA_OK;
}

enum jta_err
jta_jira_meta_type(const json_t *page, const char *name,
    const json_t **type, json_t **names, struct jta_error *err)
{
	const json_t	*a = json_is_array(page) ? page :
			    json_object_get(page, "issueTypes"), *t;
	const json_t	*first = NULL, *found = NULL;
	const char	*n;
	char		 list[300];
	size_t		 i, o = 0;

	*type = NULL;
	*names = NULL;
	if (!json_is_array(a))
		return jta_jira_bad(err, "no list of issue types");
	if (json_array_size(a) > JTA_LIMIT_JIRA_ITEMS)
		return jta_jira_bad(err,
		    "more issue types than this server reads");
	if ((*names = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	list[0] = '\0';
	json_array_foreach(a, i, t) {
		if ((n = jta_jira_strmem(t, "name")) == NULL ||
		    jta_jira_strmem(t, "id") == NULL)
			continue;
		if (json_array_append_new(*names, json_string(n)) != 0)
			return JTA_ERR_NOMEM;
		if (o < sizeof(list))
			o += (size_t)snprintf(list + o, sizeof(list) - o,
			    "%s%s", o ? ", " : "", n);
		if (first == NULL && !json_is_true(json_object_get(t,
		    "subtask")))
			first = t;
		if (found == NULL && name != NULL && strcasecmp(n, name) == 0)
			found = t;
	}
	*type = name != NULL ? found : first;
	if (*type != NULL)
		return JTA_OK;
	if (name == NULL)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "type",
		    "this project has no issue type you may create");
	return jta_error_set(err, JTA_ERR_INPUT, 422, "type",
	    "this project has no such issue type; its types: %s", list);
}

/* Add a problem about request member field (a Jira field m, or NULL) to
 * err: its name, up to JTA_ERROR_NALLOWED allowed values of m or of
 * names (an array of strings) and a question. */
static int
problem(struct jta_error *err, const char *field, const json_t *m,
    const json_t *names, enum jta_ask kind, const char *fmt, ...)
    JTA_PRINTF(6, 7);

static int
problem(struct jta_error *err, const char *field, const json_t *m,
    const json_t *names, enum jta_ask kind, const char *fmt, ...)
{
	char		 msg[JTA_ERROR_MESSAGE];
	const json_t	*v;
	const char	*s;
	size_t		 i;
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (jta_error_add(err, field, msg) != 0)
		return -1;
	if (m != NULL) {
		(void)jta_error_name(err, jta_jira_strmem(m, "name"));
		names = json_object_get(m, "allowedValues");
	}
	json_array_foreach(names, i, v)
		if ((s = valname(v)) != NULL && jta_error_allow(err, s) != 0)
			break;
	(void)jta_error_ask_about(err, kind);
	return 0;
}

/* The field of meta whose id is key, else whose name is key ignoring
 * case; NULL when none. */
static const json_t *
findmeta(const json_t *meta, const char *key)
{
	const json_t	*m;
	const char	*s;
	size_t		 i;

	json_array_foreach(meta, i, m)
		if ((s = metaid(m)) != NULL && strcmp(s, key) == 0)
			return m;
	json_array_foreach(meta, i, m)
		if ((s = jta_jira_strmem(m, "name")) != NULL &&
		    strcasecmp(s, key) == 0)
			return m;
	return NULL;
}

/* The allowed value of m named name (ignoring case), or NULL. */
static const json_t *
findvalue(const json_t *m, const char *name)
{
	const json_t	*v;
	const char	*s;
	size_t		 i;

	json_array_foreach(json_object_get(m, "allowedValues"), i, v)
		if ((s = valname(v)) != NULL && strcasecmp(s, name) == 0)
			return v;
	return NULL;
}

/* {"id": the allowed value's id} (or {"value": name} when Jira lists no
 * values), and its name for the preview. */
static json_t *
idof(const json_t *v, const char *name, const char **shown)
{
	const char	*id = jta_jira_strmem(v, "id");

	*shown = v != NULL && valname(v) != NULL ? valname(v) : name;
	if (id != NULL)
		return json_pack("{s:s}", "id", id);
	return json_pack("{s:s}", "value", name);
}

/* State of one resolution. */
struct resolving {
	const json_t	*meta;		/* the type's createmeta fields */
	const char	*tname;		/* the type's name */
	json_t		*prep;		/* the preview */
	json_t		*jf;		/* _ids.fields: Jira's create fields */
	json_t		*adf;		/* _ids.adf: ids holding Markdown */
	json_t		*users;		/* _ids.users: people to look up */
	json_t		*shown;		/* the preview's "fields" */
	json_t		*given;		/* ids the request set, right or
					 * wrong: not asked for again */
	struct jta_error *err;
};

/* A single name for option field m, as member field; returns 0, or -1
 * when memory ran out. */
static int
one(struct resolving *r, const json_t *m, const char *field, const char *id,
    const char *name, const char *as)
{
	const json_t	*v = findvalue(m, name);
	const char	*shown;

	if (v == NULL && json_is_array(json_object_get(m, "allowedValues"))) {
		problem(r->err, field, m, NULL, JTA_ASK_ONE, "has no value "
		    "'%.64s'", name);
		return 0;
	}
	if (jta_jira_oset(r->jf, id, idof(v, name, &shown)) != 0)
		return -1;
	return jta_jira_oset(as != NULL ? r->shown : r->prep,
	    as != NULL ? as : field, json_string(shown));
}

/* Several names (an array of strings or one string) for options field m. */
static int
some(struct resolving *r, const json_t *m, const char *field, const char *id,
    const json_t *names, const char *as)
{
	json_t		*ids = json_array(), *shownl = json_array();
	json_t		*tmp = NULL;
	const json_t	*x, *v, *list = names;
	const char	*shown;
	size_t		 i, nbad = 0;
	char		 badl[JTA_ERROR_MESSAGE];
	struct jta_buf	 b;

	jta_buf_init_fixed(&b, badl, sizeof(badl));
	if (ids == NULL || shownl == NULL)
		goto nomem;
	if (json_is_string(names) && (list = tmp = json_pack("[O]", names)) ==
	    NULL)
		goto nomem;
	json_array_foreach(list, i, x) {
		if (!json_is_string(x)) {
			jta_jira_sb_text(&b, nbad++ ? "', '" : "", 4);
			jta_jira_sb_text(&b, "(not a name)", 16);
			continue;
		}
		v = findvalue(m, json_string_value(x));
		if (v == NULL && json_is_array(json_object_get(m,
		    "allowedValues"))) {
			jta_jira_sb_text(&b, nbad++ ? "', '" : "", 4);
			jta_jira_sb_text(&b, json_string_value(x), 64);
			continue;
		}
		if (json_array_append_new(ids, idof(v, json_string_value(x),
		    &shown)) != 0 || json_array_append_new(shownl,
		    json_string(shown)) != 0)
			goto nomem;
	}
	json_decref(tmp);
	tmp = NULL;
	if (nbad > 0) {
		problem(r->err, field, m, NULL, JTA_ASK_SOME, "has no value%s "
		    "'%s'", nbad > 1 ? "s" : "", badl);
		json_decref(ids);
		json_decref(shownl);
		return 0;
	}
	if (jta_jira_oset(r->jf, id, ids) != 0) {
		json_decref(shownl);
		return -1;
	}
	return jta_jira_oset(as != NULL ? r->shown : r->prep,
	    as != NULL ? as : field, shownl);
nomem:
	json_decref(tmp);
	json_decref(ids);
	json_decref(shownl);
	return -1;
}

/* A person (or several) to look up by the backend. */
static int
person(struct resolving *r, const char *field, const char *id,
    const json_t *value, int multi, const char *name)
{
	json_t	*vals = json_is_array(value) ? json_deep_copy(value) :
		    json_pack("[O]", value);

	if (vals == NULL)
		return -1;
	if (json_array_size(vals) == 0 || json_array_size(vals) >
	    JTA_LIMIT_COMPONENTS) {
		json_decref(vals);
		problem(r->err, field, NULL, NULL, JTA_ASK_USER, "must name 1 "
		    "to %d people", JTA_LIMIT_COMPONENTS);
		return 0;
	}
	/* A placeholder until the backend has the account ids. */
	if (jta_jira_oset(r->jf, id, json_null()) != 0) {
		json_decref(vals);
		return -1;
	}
	return json_array_append_new(r->users, json_pack("{s:s, s:s, s:s, "
	    "s:o, s:b}", "field", field, "id", id, "name", name, "values",
	    vals, "multi", multi));
}

/* 1 when s is a date YYYY-MM-DD. */
static int
isdate(const char *s, size_t len)
{
	int64_t	 t;

	return len == 10 && jta_time_parse(s, len, &t) == 0;
}

/* Set custom (or other non-member) field m from value v, sent as key. */
static int
custom(struct resolving *r, const json_t *m, const char *key, const json_t *v)
{
	char		 field[JTA_ERROR_FIELD];
	char		 when[JTA_TIME_STRLEN], jt[40];
	const char	*id = metaid(m), *t = jta_jira_field_type(m);
	const char	*name = jta_jira_strmem(m, "name"),
			*s = json_string_value(v);
	size_t		 len = json_string_length(v), i;
	const json_t	*x;
	int64_t		 tm;

	snprintf(field, sizeof(field), "fields.%s", key);
	if (strcmp(t, "option") == 0) {
		if (s == NULL)
			goto wrong;
		return one(r, m, field, id, s, name);
	}
	if (strcmp(t, "options") == 0) {
		if (s == NULL && !json_is_array(v))
			goto wrong;
		return some(r, m, field, id, v, name);
	}
	if (strcmp(t, "user") == 0 || strcmp(t, "users") == 0) {
		if (s == NULL && !(json_is_array(v) &&
		    strcmp(t, "users") == 0))
			goto wrong;
		return person(r, field, id, v, strcmp(t, "users") == 0, name);
	}
	if (strcmp(t, "number") == 0) {
		if (!json_is_number(v))
			goto wrong;
		return jta_jira_oset(r->jf, id, json_deep_copy(v)) != 0 ||
		    jta_jira_oset(r->shown, name, json_deep_copy(v)) != 0 ?
		    -1 : 0;
	}
	if (strcmp(t, "labels") == 0) {
		if (!json_is_array(v) || json_array_size(v) > JTA_LIMIT_LABELS)
			goto wrong;
		json_array_foreach(v, i, x) {
			s = json_string_value(x);
			if (s == NULL || json_string_length(x) == 0 ||
			    json_string_length(x) > JTA_LIMIT_LABEL ||
			    strpbrk(s, " \t\r\n") != NULL)
				goto wrong;
		}
		return jta_jira_oset(r->jf, id, json_deep_copy(v)) != 0 ||
		    jta_jira_oset(r->shown, name, json_deep_copy(v)) != 0 ?
		    -1 : 0;
	}
	if (s == NULL)
		goto wrong;
	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] < 0x20 && !(strcmp(t, "text") == 0 &&
		    (s[i] == '\n' || s[i] == '\t' || s[i] == '\r'))) ||
		    s[i] == 0x7f)
			goto wrong;
	if (strcmp(t, "date") == 0) {
		if (!isdate(s, len))
			goto wrong;
	} else if (strcmp(t, "datetime") == 0) {
		/* Jira's datetime: 2026-11-29T10:00:00.000+0000. */
		if (jta_time_parse(s, len, &tm) != 0)
			goto wrong;
		jta_time_format(tm, when);
		snprintf(jt, sizeof(jt), "%.19s.000+0000", when);
		return jta_jira_oset(r->jf, id, json_string(jt)) != 0 ||
		    jta_jira_oset(r->shown, name, json_string(when)) != 0 ?
		    -1 : 0;
	} else if (strcmp(t, "issue") == 0) {
		if (!jta_jira_iskey(s, len))
			goto wrong;
		return jta_jira_oset(r->jf, id, json_pack("{s:s}", "key",
		    s)) != 0 || jta_jira_oset(r->shown, name,
		    json_deep_copy(v)) != 0 ? -1 : 0;
	} else if (strcmp(t, "text") == 0) {
		if (len > JTA_LIMIT_DESCRIPTION)
			goto wrong;
		if (json_array_append_new(r->adf, json_string(id)) != 0)
			return -1;
	} else if (strcmp(t, "string") != 0) {
		problem(r->err, field, m, NULL, JTA_ASK_TEXT, "cannot be set "
		    "through this API; set it in Jira");
		return 0;
	} else if (len > JTA_LIMIT_FIELD_VALUE)
		goto wrong;
	return jta_jira_oset(r->jf, id, json_deep_copy(v)) != 0 ||
	    jta_jira_oset(r->shown, name, json_deep_copy(v)) != 0 ? -1 : 0;
wrong:
	problem(r->err, field, m, NULL, askkind(t), "must be %s",
	    strcmp(t, "option") == 0 ? "one of the allowed values (a string)" :
	    strcmp(t, "options") == 0 ? "a list of allowed values" :
	    strcmp(t, "user") == 0 ? "a person: name, email or account id" :
	    strcmp(t, "users") == 0 ? "a list of people" :
	    strcmp(t, "number") == 0 ? "a number" :
	    strcmp(t, "labels") == 0 ? "a list of labels without blanks" :
	    strcmp(t, "date") == 0 ? "a date YYYY-MM-DD" :
	    strcmp(t, "datetime") == 0 ? "a UTC time YYYY-MM-DDTHH:MM:SSZ" :
	    strcmp(t, "issue") == 0 ? "an issue key like OPS-12" :
	    "a string without control characters, at most 255 bytes "
	    "(text fields 32768)");
	return 0;
}

/* The member field of input, which sets Jira field id; m its createmeta
 * field (NULL when the type's create screen does not have it). */
static int
member(struct resolving *r, const json_t *input, const char *field)
{
	const json_t	*v = json_object_get(input, field);
	const json_t	*m = findmeta(r->meta, field);

	if (v == NULL)
		return 0;
	if (m == NULL || strcmp(metaid(m), field) != 0) {
		problem(r->err, field, NULL, NULL, JTA_ASK_TEXT, "cannot be "
		    "set on a %.64s in this project (not on its create "
		    "screen)", r->tname);
		return 0;
	}
	if (strcmp(field, "priority") == 0)
		return one(r, m, field, field, json_string_value(v), NULL);
	if (strcmp(field, "components") == 0)
		return some(r, m, field, field, v, NULL);
	if (strcmp(field, "assignee") == 0) {
		if (json_is_null(v))
			return jta_jira_oset(r->jf, field, json_null()) != 0 ||
			    jta_jira_oset(r->prep, field, json_null()) != 0 ?
			    -1 : 0;
		return person(r, field, field, v, 0, "Assignee");
	}
	if (strcmp(field, "parent") == 0)
		return jta_jira_oset(r->jf, field, json_pack("{s:O}", "key",
		    v)) != 0 || jta_jira_oset(r->prep, field,
		    json_deep_copy(v)) != 0 ? -1 : 0;
	if (strcmp(field, "description") == 0 && json_array_append_new(r->adf,
	    json_string(field)) != 0)
		return -1;
	return jta_jira_oset(r->jf, field, json_deep_copy(v)) != 0 ||
	    jta_jira_oset(r->prep, field, json_deep_copy(v)) != 0 ? -1 : 0;
}

/* 1 when createmeta field m may be set on create (no "operations", or
 * "set" among them). */
static int
settable(const json_t *m)
{
	const json_t	*ops = json_object_get(m, "operations"), *v;
	size_t		 i;

	if (!json_is_array(ops))
		return 1;
	json_array_foreach(ops, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), "set") ==
		    0)
			return 1;
	return 0;
}

/* The create screen's default values of the fields nothing set, sent
 * with the create and shown in the preview, so that the person approves
 * exactly what is filed: an allowed value as {"id"} (a list of them for
 * options), a string, date or number as it is.  Defaults of other kinds
 * (people, issues, rich text as ADF) and values without a name are not
 * values this API can show, and are left to Jira.  Returns 0, or -1
 * when memory ran out. */
static int
defaults(struct resolving *r)
{
	const json_t	*m, *dv, *x;
	const char	*id, *name, *t, *shown;
	json_t		*send, *show;
	size_t		 i, j;

	json_array_foreach(r->meta, i, m) {
		id = metaid(m);
		name = jta_jira_strmem(m, "name");
		dv = json_object_get(m, "defaultValue");
		if (id == NULL || name == NULL || dv == NULL ||
		    !json_is_true(json_object_get(m, "hasDefaultValue")) ||
		    !settable(m) || inlist(unsettable, id) ||
		    json_object_get(r->jf, id) != NULL ||
		    json_object_get(r->given, id) != NULL)
			continue;
		t = jta_jira_field_type(m);
		if (strcmp(t, "option") == 0 && json_is_array(dv))
			dv = json_array_get(dv, 0);
		if (strcmp(t, "option") == 0 && valname(dv) != NULL) {
			send = idof(dv, valname(dv), &shown);
			show = json_string(shown);
		} else if (strcmp(t, "options") == 0 && json_is_array(dv) &&
		    json_array_size(dv) > 0) {
			send = json_array();
			show = json_array();
			json_array_foreach(dv, j, x)
				if (send == NULL || show == NULL ||
				    valname(x) == NULL ||
				    json_array_append_new(send, idof(x,
				    valname(x), &shown)) != 0 ||
				    json_array_append_new(show,
				    json_string(shown)) != 0)
					break;
			if (j < json_array_size(dv)) {
				json_decref(send);
				json_decref(show);
				if (send == NULL || show == NULL)
					return -1;
				continue;
			}
		} else if (((strcmp(t, "string") == 0 || strcmp(t, "date") ==
		    0 || strcmp(t, "datetime") == 0) && json_is_string(dv)) ||
		    (strcmp(t, "number") == 0 && json_is_number(dv))) {
			if ((send = json_deep_copy(dv)) == NULL)
				return -1;
			if ((show = json_deep_copy(dv)) == NULL) {
				json_decref(send);
				return -1;
			}
		} else
			continue;
		if (jta_jira_oset(r->jf, id, send) != 0) {
			json_decref(show);
			return -1;
		}
		if (jta_jira_oset(inlist(members, id) ? r->prep : r->shown,
		    inlist(members, id) ? id : name, show) != 0)
			return -1;
	}
	return 0;
}

/* Ask for every field Jira requires that nothing set. */
static void
missing(struct resolving *r)
{
	const json_t	*m;
	const char	*id, *name, *cu;
	char		 field[JTA_ERROR_FIELD];
	size_t		 i;

	json_array_foreach(r->meta, i, m) {
		id = metaid(m);
		name = jta_jira_strmem(m, "name");
		if (id == NULL || name == NULL || !mustgive(m) ||
		    inlist(unsettable, id) || json_object_get(r->jf, id) ||
		    json_object_get(r->given, id))
			continue;
		/* A service desk's "Request Type" (JSM's vp-origin field)
		 * cannot be set through /rest/api/3/issue: ask for a
		 * request type instead, raised through JSM (README.md "Jira
		 * Service Management"). */
		cu = jta_jira_strmem(json_object_get(m, "schema"), "custom");
		if (cu != NULL && endswith(cu, ":vp-origin")) {
			(void)problem(r->err, "request_type", m, NULL,
			    JTA_ASK_ONE, "is required: this project is a "
			    "service desk; raise a request of one of its "
			    "request types (GET /api/servicedesks)");
			continue;
		}
		if (inlist(members, id))
			snprintf(field, sizeof(field), "%s", id);
		else
			snprintf(field, sizeof(field), "fields.%s", name);
		problem(r->err, field, m, NULL,
		    askkind(jta_jira_field_type(m)), "is required");
	}
}

enum jta_err
jta_jira_resolve(const json_t *input, const json_t *type,
    const json_t *meta, json_t **prepared, struct jta_error *err)
{
	struct resolving r;
	const char	*key, *project = jta_jira_strmem(input, "project");
	const json_t	*v, *m;
	json_t		*ids = NULL, *names = NULL;
	size_t		 i;
	enum jta_err	 rc = JTA_ERR_NOMEM;

	*prepared = NULL;
	memset(&r, 0, sizeof(r));
	r.meta = meta;
	r.err = err;
	r.tname = jta_jira_strmem(type, "name");
	if (project == NULL || r.tname == NULL ||
	    jta_jira_strmem(type, "id") == NULL || !json_is_array(meta))
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "a create request was resolved without its project, "
		    "type or fields");
	if ((r.prep = json_pack("{s:s, s:s}", "project", project, "type",
	    r.tname)) == NULL || (r.jf = json_pack("{s:{s:s}, s:{s:s}}",
	    "project", "key", project, "issuetype", "id", jta_jira_strmem(type,
	    "id"))) == NULL || (r.adf = json_array()) == NULL ||
	    (r.users = json_array()) == NULL ||
	    (r.shown = json_object()) == NULL ||
	    (r.given = json_object()) == NULL)
		goto out;
	for (i = 0; members[i] != NULL; i++)
		if ((json_object_get(input, members[i]) != NULL &&
		    json_object_set_new(r.given, members[i], json_true()) !=
		    0) || member(&r, input, members[i]) != 0)
			goto out;
	json_object_foreach(jta_jira_unconst(json_object_get(input,
	    "fields")), key, v) {
		char	 field[JTA_ERROR_FIELD];

		snprintf(field, sizeof(field), "fields.%s", key);
		if ((m = findmeta(meta, key)) == NULL) {
			json_decref(names);
			if ((names = json_array()) == NULL ||
			    jta_jira_meta_fields(meta, &ids, err) != JTA_OK)
				goto out;
			json_array_foreach(ids, i, m)
				if (!inlist(members, jta_jira_strmem(m,
				    "id")) && json_array_append(names,
				    json_object_get(m, "name")) != 0)
					goto out;
			json_decref(ids);
			ids = NULL;
			if (problem(err, field, NULL, names, JTA_ASK_TEXT,
			    "is not a field of a %.64s in this project",
			    r.tname) == 0)
				(void)jta_error_ask(err, "Which field of a "
				    "%.64s did you mean? (see allowed)",
				    r.tname);
			continue;
		}
		if (inlist(members, metaid(m))) {
			problem(err, field, NULL, NULL, JTA_ASK_TEXT, "is set "
			    "by the request member \"%s\"; send it there",
			    metaid(m));
			continue;
		}
		if (inlist(unsettable, metaid(m)) || json_object_get(r.jf,
		    metaid(m)) != NULL) {
			problem(err, field, NULL, NULL, JTA_ASK_TEXT, "cannot "
			    "be set here%s", json_object_get(r.jf, metaid(m)) ?
			    " (given twice)" : "");
			continue;
		}
		if (json_object_set_new(r.given, metaid(m), json_true()) != 0 ||
		    custom(&r, m, key, v) != 0)
			goto out;
	}
	if (defaults(&r) != 0)
		goto out;
	missing(&r);
	if (json_object_size(r.shown) > 0 && json_object_set(r.prep, "fields",
	    r.shown) != 0)
		goto out;
	if (json_object_set_new(r.prep, "_ids", json_pack("{s:O, s:O, s:O}",
	    "fields", r.jf, "adf", r.adf, "users", r.users)) != 0)
		goto out;
	*prepared = r.prep;
	r.prep = NULL;
	rc = JTA_OK;
out:
	json_decref(r.prep);
	json_decref(r.jf);
	json_decref(r.adf);
	json_decref(r.users);
	json_decref(r.shown);
	json_decref(r.given);
	json_decref(ids);
	json_decref(names);
	return rc;
}
