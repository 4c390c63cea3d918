/*
 * The response cap (see jta_fit.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_arena.h"
#include "jta_fit.h"
#include "jta_jsonw.h"

/* What one cut's marker costs serialised at most: "\n\n" is four
 * characters in JSON, N has at most 10 digits. */
#define MARKER_COST	48
#define MARKER_FMT	"\n\n[... %zu more characters not shown]"
/* Strings are never cut shorter than this many characters. */
#define STRING_FLOOR	256
/* Rounds of cutting before the last resort. */
#define ROUNDS		4
/* Nesting walked; deeper values are left to the last resort. */
#define DEPTH		64

size_t
jta_fit_chars(const char *s, size_t len)
{
	size_t	 i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/* A string or an array found in the tree, and where it sits. */
struct ref {
	json_t		*parent;	/* held (incref) */
	const char	*key;		/* in parent (object), or NULL */
	size_t		 idx;		/* in parent (array) */
	json_t		*v;		/* borrowed from parent */
	size_t		 size;		/* characters */
	size_t		 seq;		/* place in the walk */
};

struct refs {
	struct ref	*r;
	size_t		 n, cap;
	int		 nomem;
};

static void
add(struct refs *rs, json_t *parent, const char *key, size_t idx, json_t *v,
    size_t size)
{
	struct ref	*nr;

	if (rs->nomem)
		return;
	if (rs->n == rs->cap) {
		size_t	 cap = rs->cap ? rs->cap * 2 : 64;

		if ((nr = realloc(rs->r, cap * sizeof(*nr))) == NULL) {
			rs->nomem = 1;
			return;
		}
		rs->r = nr;
		rs->cap = cap;
	}
	rs->r[rs->n].parent = json_incref(parent);
	rs->r[rs->n].key = key;
	rs->r[rs->n].idx = idx;
	rs->r[rs->n].v = v;
	rs->r[rs->n].seq = rs->n;
	rs->r[rs->n++].size = size;
}

static void
refs_free(struct refs *rs)
{
	size_t	 i;

	for (i = 0; i < rs->n; i++)
		json_decref(rs->r[i].parent);
	free(rs->r);
	memset(rs, 0, sizeof(*rs));
}

/* Serialised size of v in characters (0 when it cannot be dumped). */
static size_t
dumpsize(const json_t *v)
{
	/* The answer's own path: in the arena, jta_arena_free. */
	char	*s = json_dumps(v, JSON_COMPACT |	/* banned-ok: arena */
		    JSON_ENCODE_ANY);
	size_t	 n;

	if (s == NULL)
		return 0;
	n = jta_fit_chars(s, strlen(s));
	jta_arena_free(s);
	return n;
}

/* Collect the strings longer than min characters (strings) or the arrays
 * that are object members, with their serialised size (arrays). */
static void
collect(json_t *v, int depth, int arrays, size_t min, struct refs *rs)
{
	const char	*k;
	json_t		*c;
	size_t		 i, n;

	if (depth > DEPTH)
		return;
	if (json_is_object(v)) {
		json_object_foreach(v, k, c) {
			if (!arrays && json_is_string(c) && (n = jta_fit_chars(
			    json_string_value(c), json_string_length(c))) > min)
				add(rs, v, k, 0, c, n);
			if (arrays && json_is_array(c) &&
			    json_array_size(c) > 0)
				add(rs, v, k, 0, c, dumpsize(c));
			collect(c, depth + 1, arrays, min, rs);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c) {
			if (!arrays && json_is_string(c) && (n = jta_fit_chars(
			    json_string_value(c), json_string_length(c))) > min)
				add(rs, v, NULL, i, c, n);
			collect(c, depth + 1, arrays, min, rs);
		}
	}
}

/* Larger first; ties by position in the walk (stable, deterministic). */
static int
bysize(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;

	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * The length in bytes of s without a marker this module put at its end
 * (a string cut in an earlier round); *before gets that marker's N, or 0.
 */
static size_t
unmarked(const char *s, size_t len, size_t *before)
{
	static const char tail[] = " more characters not shown]";
	const char	*m = NULL, *p;
	size_t		 n = 0;

	*before = 0;
	if (len < sizeof(tail) || memcmp(s + len - (sizeof(tail) - 1), tail,
	    sizeof(tail) - 1) != 0)
		return len;
	for (p = s; (p = strstr(p, "\n\n[... ")) != NULL; p++)
		m = p;
	if (m == NULL)
		return len;
	for (p = m + 7; *p >= '0' && *p <= '9' && n < (size_t)1 << 40; p++)
		n = n * 10 + (size_t)(*p - '0');
	if (p == m + 7 || p != s + len - (sizeof(tail) - 1))
		return len;
	*before = n;
	return (size_t)(m - s);
}

/* Replace r's string by its first keep characters and the marker (which
 * counts what an earlier cut left out too). */
static int
cutstring(struct ref *r, size_t keep)
{
	const char	*s = json_string_value(r->v);
	size_t		 i, n = 0, before;
	size_t		 len = unmarked(s, json_string_length(r->v), &before);
	size_t		 chars = jta_fit_chars(s, len);
	char		*buf;
	json_t		*ns;
	int		 m;

	/* The byte where character number keep starts: a lead byte, so
	 * the cut is never inside a UTF-8 sequence. */
	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && n++ == keep)
			break;
	if ((buf = malloc(i + MARKER_COST + 1)) == NULL)
		return -1;
	memcpy(buf, s, i);
	if (chars <= keep) {
		free(buf);
		return 0;	/* what is left is the marker: leave it */
	}
	m = snprintf(buf + i, MARKER_COST + 1, MARKER_FMT, chars - keep +
	    before);
	if (m < 0 || m > MARKER_COST) {
		free(buf);
		return -1;
	}
	ns = json_stringn(buf, i + (size_t)m);
	free(buf);
	if (ns == NULL)
		return -1;
	return r->key != NULL ? json_object_set_new(r->parent, r->key, ns) :
	    json_array_set_new(r->parent, r->idx, ns);
}

/* Step 1: cut the longest strings to one length so that about excess
 * characters go. */
static int
cutstrings(json_t *root, size_t excess)
{
	struct refs	 rs;
	size_t		 i, j, sum = 0, keep = STRING_FLOOR, next, cost;
	int		 rc = -1;

	memset(&rs, 0, sizeof(rs));
	collect(root, 0, 0, STRING_FLOOR + MARKER_COST, &rs);
	if (rs.nomem)
		goto out;
	if (rs.n > 0)
		qsort(rs.r, rs.n, sizeof(*rs.r), bysize);
	/* The longest j strings cut to keep characters save sum - j *
	 * (keep + marker); find the largest keep that saves excess while
	 * leaving the (j+1)th string whole. */
	j = rs.n;
	for (i = 0; i < rs.n; i++) {
		sum += rs.r[i].size;
		cost = (i + 1) * MARKER_COST + excess;
		if (sum <= cost)
			continue;
		next = i + 1 < rs.n ? rs.r[i + 1].size : 0;
		if ((sum - cost) / (i + 1) >= next) {
			keep = (sum - cost) / (i + 1);
			j = i + 1;
			break;
		}
	}
	if (keep < STRING_FLOOR)
		keep = STRING_FLOOR;
	for (i = 0; i < j; i++)
		if (rs.r[i].size > keep + MARKER_COST &&
		    cutstring(&rs.r[i], keep) != 0)
			goto out;
	rc = 0;
out:
	refs_free(&rs);
	return rc;
}

/* Step 2: drop the tails of the longest member arrays until about excess
 * characters went. */
static int
droptails(json_t *root, size_t excess)
{
	struct refs	 rs;
	struct ref	*r;
	json_t		*arr, *prev;
	size_t		 i, n, dropped, el, namecost;
	char		 name[256];
	int		 rc = -1;

	memset(&rs, 0, sizeof(rs));
	collect(root, 0, 1, 0, &rs);
	if (rs.nomem)
		goto out;
	if (rs.n > 0)
		qsort(rs.r, rs.n, sizeof(*rs.r), bysize);
	for (i = 0; i < rs.n && excess > 0; i++) {
		r = &rs.r[i];
		arr = r->v;
		if (snprintf(name, sizeof(name), "%s_omitted", r->key) >=
		    (int)sizeof(name))
			continue;	/* a member name we cannot extend */
		namecost = jta_fit_chars(name, strlen(name)) + 16;
		dropped = 0;
		while ((n = json_array_size(arr)) > 0 && excess > 0) {
			el = dumpsize(json_array_get(arr, n - 1)) + 1;
			if (json_array_remove(arr, n - 1) != 0)
				goto out;
			excess = el >= excess ? 0 : excess - el;
			dropped++;
		}
		if (dropped == 0)
			continue;
		prev = json_object_get(r->parent, name);
		if (json_object_set_new(r->parent, name, json_integer(
		    (json_int_t)dropped + (json_is_integer(prev) ?
		    json_integer_value(prev) : 0))) != 0)
			goto out;
		if (excess > 0)
			excess += namecost;
	}
	rc = 0;
out:
	refs_free(&rs);
	return rc;
}

char *
jta_fit_dumps(const json_t *v, size_t *len)
{
	struct jta_jsonw w = JTA_JSONW_INIT;
	char		*s;

	if (json_is_object(v) || json_is_array(v)) {
		jta_jsonw_value(&w, v);
		if ((s = jta_jsonw_finish(&w, len)) != NULL)
			return s;
	}
	/* In the arena during a request: jta_arena_free frees either. */
	if ((s = json_dumps(v, JSON_COMPACT)) != NULL)	/* banned-ok: arena */
		*len = strlen(s);
	return s;
}

int
jta_fit_fits(const char *text, size_t len, size_t maxchars)
{
	/* jta_fit's room: fewer than maxchars with the caller's newline. */
	if (maxchars < JTA_FIT_MIN)
		return 0;
	return len <= maxchars - 2 || jta_fit_chars(text, len) <= maxchars - 2;
}

/* Dump v; *chars its size in characters, or its size in bytes when
 * that is room or less (a character is at least a byte: it fits, and
 * the answer of nearly every request need not be counted). */
static char *
dump(const json_t *v, size_t room, size_t *len, size_t *chars)
{
	/* The answer: jta_arena_free. */
	char	*s = jta_fit_dumps(v, len);

	if (s != NULL)
		*chars = *len <= room ? *len : jta_fit_chars(s, *len);
	return s;
}

enum jta_err
jta_fit(const json_t *body, size_t maxchars, char **text, size_t *len,
    int *cut)
{
	json_t	*copy = NULL, *last = NULL;
	char	*s = NULL;
	size_t	 chars = 0, room, round;
	enum jta_err rc = JTA_ERR_NOMEM;

	*text = NULL;
	*len = 0;
	if (cut != NULL)
		*cut = 0;
	if (maxchars < JTA_FIT_MIN)
		return JTA_ERR_INTERNAL;
	/* Fewer than maxchars with the caller's newline. */
	room = maxchars - 2;
	if ((s = dump(body, room, len, &chars)) == NULL)
		return JTA_ERR_NOMEM;
	if (chars <= room)
		goto done;
	if (cut != NULL)
		*cut = 1;
	if (!json_is_object(body))
		goto last;
	if ((copy = json_deep_copy(body)) == NULL ||
	    json_object_set_new(copy, "truncated", json_true()) != 0)
		goto out;
	jta_arena_free(s);
	if ((s = dump(copy, room, len, &chars)) == NULL)
		goto out;
	for (round = 0; round < ROUNDS && chars > room; round++) {
		if (cutstrings(copy, chars - room) != 0)
			goto out;
		jta_arena_free(s);
		if ((s = dump(copy, room, len, &chars)) == NULL)
			goto out;
		if (chars <= room)
			break;
		if (droptails(copy, chars - room) != 0)
			goto out;
		jta_arena_free(s);
		if ((s = dump(copy, room, len, &chars)) == NULL)
			goto out;
	}
	if (chars <= room)
		goto done;
last:
	/* Nothing we know how to cut is large enough (say, an object with
	 * very many small members): say so instead. */
	jta_arena_free(s);
	s = NULL;
	last = json_pack("{s:b, s:s}", "truncated", 1, "detail",
	    "This answer was too large to show; ask for less (a smaller "
	    "limit, a narrower search).");
	if (last == NULL || (s = dump(last, room, len, &chars)) == NULL)
		goto out;
done:
	*text = s;
	s = NULL;
	rc = JTA_OK;
out:
	jta_arena_free(s);
	json_decref(copy);
	json_decref(last);
	return rc;
}
