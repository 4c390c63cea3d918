/*
 * Similar tickets: search terms and the suggestion (see jta_suggest.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jta_suggest.h"
#include "jta_text.h"

/* Words too common to tell tickets apart (English; lower case, sorted
 * for the reader only). */
static const char *const stopwords[] = {
	"about", "after", "all", "also", "and", "any", "are", "but", "can",
	"cannot", "does", "for", "from", "had", "has", "have", "her", "his",
	"how", "into", "its", "not", "now", "our", "out", "please", "she",
	"some", "than", "that", "the", "their", "them", "then", "there",
	"these", "they", "this", "was", "were", "what", "when", "where",
	"which", "while", "who", "why", "will", "with", "would", "you",
	"your", NULL
};

static int
isstop(const char *w)
{
	size_t	 i;

	for (i = 0; stopwords[i] != NULL; i++)
		if (strcmp(stopwords[i], w) == 0)
			return 1;
	return 0;
}

/* A byte of a term: ASCII letter or digit, or any non-ASCII byte. */
static int
termbyte(unsigned char c)
{
	return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' &&
	    c <= 'Z') || (c >= '0' && c <= '9');
}

size_t
jta_suggest_terms(const char *text, struct jta_suggest_terms *t)
{
	size_t	 len, i, start, j, k;
	int	 ascii, seen;
	char	*w;

	memset(t, 0, sizeof(*t));
	if (text == NULL || (len = strlen(text)) > JTA_LIMIT_TEXT_QUERY)
		return 0;
	memcpy(t->buf, text, len + 1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t->buf[i];

		if (!termbyte(c))
			t->buf[i] = '\0';
		else if (c >= 'A' && c <= 'Z')
			t->buf[i] = (char)(c - 'A' + 'a');
	}
	for (i = 0; i < len && t->n < JTA_LIMIT_SIMILAR_TERMS; i = j + 1) {
		for (start = i; start < len && t->buf[start] == '\0'; start++)
			;
		for (j = start, ascii = 1; j < len && t->buf[j] != '\0'; j++)
			if ((unsigned char)t->buf[j] >= 0x80)
				ascii = 0;
		if (j == start)
			break;
		w = t->buf + start;
		if ((ascii && j - start < 3) || (ascii && isstop(w)))
			continue;
		for (k = 0, seen = 0; k < t->n && !seen; k++)
			seen = strcmp(t->term[k], w) == 0;
		if (!seen)
			t->term[t->n++] = w;
	}
	return t->n;
}

/* strstr ignoring ASCII case; needle is lower case already. */
static int
contains(const char *hay, const char *needle)
{
	size_t	 n = strlen(needle), i;
	const char *h;

	for (h = hay; *h != '\0'; h++) {
		for (i = 0; i < n && h[i] != '\0'; i++) {
			char c = h[i];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != needle[i])
				break;
		}
		if (i == n)
			return 1;
	}
	return 0;
}

/* The share of t's terms that has finds in s. */
static double
overlap(const struct jta_suggest_terms *t, const char *s,
    int (*has)(const char *, const char *))
{
	size_t	 i, hit = 0;

	if (t->n == 0 || s == NULL)
		return 0;
	for (i = 0; i < t->n; i++)
		if (has(s, t->term[i]))
			hit++;
	return (double)hit / (double)t->n;
}

double
jta_suggest_overlap(const struct jta_suggest_terms *t, const char *s)
{
	return overlap(t, s, contains);
}

/*
 * Folding for the request-type ranking (README "Request types across
 * languages"): case and diacritics as SQLite FTS5's unicode61
 * remove_diacritics 2 folds them, for Latin-1 Supplement and Latin
 * Extended-A only.  base[cp - 0xc0] is the ASCII letter a letter with a
 * canonical decomposition folds to, '.' when it has none (it is then
 * only lower-cased: ß, æ, ð, ø, þ, đ, ħ, ı, ĳ,
 * ĸ, ŀ, ł, ŉ, ŋ, œ, ŧ, ſ stay themselves,
 * so "Maße" never meets "Masse"), and × and ÷ are no letters at all.
 * Nothing else is folded: Greek, Cyrillic, fullwidth forms and the Latin
 * letters above U+017F keep their case and marks.
 */
static const char base[] =
	"aaaaaa.ceeeeiiii.nooooo..uuuuy.."	/* U+00C0..U+00DF */
	"aaaaaa.ceeeeiiii.nooooo..uuuuy.y"	/* U+00E0..U+00FF */
	"aaaaaaccccccccdd"			/* U+0100.. */
	"..eeeeeeeeeegggg"			/* U+0110.. */
	"gggghh..iiiiiiii"			/* U+0120.. */
	"i...jjkk.llllll."			/* U+0130.. */
	"...nnnnnn...oooo"			/* U+0140.. */
	"oo..rrrrrrssssss"			/* U+0150.. */
	"sstttt..uuuuuuuu"			/* U+0160.. */
	"uuuuwwyyyzzzzzz.";			/* U+0170..U+017F */

static uint32_t
fold(uint32_t cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return cp - 'A' + 'a';
	if (cp < 0xc0 || cp > 0x17f)
		return cp;
	if (base[cp - 0xc0] != '.')
		return (uint32_t)(unsigned char)base[cp - 0xc0];
	if (cp <= 0xde && cp != 0xd7)
		return cp + 0x20;	/* Æ Ð Ø Þ */
	switch (cp) {
	case 0x110: case 0x126: case 0x132: case 0x14a: case 0x152:
	case 0x166:
		return cp + 1;		/* Đ Ħ Ĳ Ŋ Œ Ŧ */
	case 0x13f: case 0x141:
		return cp + 1;		/* Ŀ Ł */
	default:
		return cp;
	}
}

/* What a code point is to the folded terms. */
enum cls { SEP, WORD, HIRA, KATA, HAN };

static enum cls
cls(uint32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
		    (cp >= '0' && cp <= '9') ? WORD : SEP;
	if (cp <= 0xbf || cp == 0xd7 || cp == 0xf7 ||
	    (cp >= 0x2000 && cp <= 0x2bff) ||	/* punctuation, symbols */
	    (cp >= 0x3000 && cp <= 0x303f) ||	/* CJK punctuation */
	    cp == 0x30fb ||			/* katakana middle dot */
	    (cp >= 0xfe30 && cp <= 0xfe4f) ||
	    (cp >= 0xff00 && cp <= 0xff0f) || (cp >= 0xff1a && cp <= 0xff20) ||
	    (cp >= 0xff3b && cp <= 0xff40) || (cp >= 0xff5b && cp <= 0xff65) ||
	    cp == 0xfeff || cp == 0xfffd)
		return SEP;
	if (cp >= 0x3040 && cp <= 0x309f)
		return HIRA;
	if ((cp >= 0x30a0 && cp <= 0x30ff) || (cp >= 0x31f0 && cp <= 0x31ff) ||
	    (cp >= 0xff66 && cp <= 0xff9f))
		return KATA;
	if ((cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) ||
	    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x20000 && cp <= 0x2ffff))
		return HAN;
	return WORD;
}

/* Put cp as UTF-8 at out[0..4); its length. */
static size_t
put(uint32_t cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Stop words of German, French and Spanish (3 letters or more, folded),
 * next to the English ones. */
static const char *const stopmore[] = {
	"auf", "bei", "das", "dem", "den", "der", "die", "ein", "eine",
	"ist", "mein", "meine", "mit", "nicht", "und", "von",
	"avec", "dans", "des", "est", "les", "mes", "mon", "pas", "plus",
	"pour", "qui", "sur", "une",
	"con", "del", "esta", "las", "los", "mis", "para", "por", "que",
	"una", NULL
};

/* Add the term t->buf[at..at+len) (NUL-terminated there) unless dropped
 * or a repeat. */
static void
addterm(struct jta_suggest_terms *t, size_t at, size_t len, int ascii)
{
	const char *w = t->buf + at;
	size_t	 k;

	if (ascii && len < 3)
		return;
	if (ascii && isstop(w))
		return;
	for (k = 0; ascii && stopmore[k] != NULL; k++)
		if (strcmp(stopmore[k], w) == 0)
			return;
	for (k = 0; k < t->n; k++)
		if (strcmp(t->term[k], w) == 0)
			return;
	t->term[t->n++] = w;
}

size_t
jta_suggest_terms_folded(const char *text, struct jta_suggest_terms *t)
{
	uint32_t cps[JTA_LIMIT_TEXT_QUERY];
	enum cls cl[JTA_LIMIT_TEXT_QUERY];
	unsigned char enc[8];
	size_t	 len, i, nc = 0, r, e, used = 0, start, j, k, w;
	uint32_t cp;
	int	 ascii;

	memset(t, 0, sizeof(*t));
	if (text == NULL || (len = strlen(text)) > JTA_LIMIT_TEXT_QUERY)
		return 0;
	/* Decode and fold; a byte that starts no well-formed sequence is a
	 * separator (never a letter, so never part of a match). */
	for (i = 0; i < len; i += r) {
		if ((r = jta_text_utf8_next(text + i, len - i, &cp)) == 0) {
			r = 1;
			cp = 0xfffd;
		}
		cps[nc] = fold(cp);
		cl[nc++] = cls(cp);
	}
	for (i = 0; i < nc && t->n < JTA_LIMIT_SIMILAR_TERMS; i = j) {
		for (j = i + 1; j < nc && cl[j] == cl[i]; j++)
			;
		if (cl[i] == SEP || cl[i] == HIRA)
			continue;	/* hiragana: particles, endings */
		/* A word: one term.  Kana and ideographs: each pair of
		 * neighbours (a lone one stands alone). */
		w = cl[i] == WORD ? j - i : (j - i == 1 ? 1 : 2);
		for (start = i; start + w <= j && t->n <
		    JTA_LIMIT_SIMILAR_TERMS; start++) {
			for (k = start, e = 0, ascii = 1; k < start + w; k++) {
				if (cps[k] >= 0x80)
					ascii = 0;
				r = put(cps[k], enc);
				if (used + e + r + 1 > sizeof(t->buf))
					return t->n;
				memcpy(t->buf + used + e, enc, r);
				e += r;
			}
			t->buf[used + e] = '\0';
			addterm(t, used, e, ascii);
			if (t->n > 0 && t->term[t->n - 1] == t->buf + used)
				used += e + 1;
			if (cl[i] == WORD)
				break;
		}
	}
	return t->n;
}

/* 1 when needle (folded, UTF-8) occurs in hay once folded: tried at
 * each code point of hay; a byte that starts no well-formed sequence
 * matches nothing. */
static int
foldcontains(const char *hay, const char *needle)
{
	size_t	 hl = strlen(hay), nl = strlen(needle), i, r, k, m, e, n;
	unsigned char enc[8];
	uint32_t cp;

	if (nl == 0)
		return 0;
	for (i = 0; i < hl; i += r) {
		if ((r = jta_text_utf8_next(hay + i, hl - i, &cp)) == 0)
			r = 1;
		for (k = i, m = 0; k < hl && m < nl; k += e, m += n) {
			if ((e = jta_text_utf8_next(hay + k, hl - k, &cp)) == 0)
				break;
			n = put(fold(cp), enc);
			if (n > nl - m || memcmp(enc, needle + m, n) != 0)
				break;
		}
		if (m == nl)
			return 1;
	}
	return 0;
}

double
jta_suggest_overlap_folded(const struct jta_suggest_terms *t, const char *s)
{
	return overlap(t, s, foldcontains);
}

/* One value's tally: votes, the rank of its first voter, the voters. */
static int
vote(json_t *tally, const char *value, size_t rank, const char *key)
{
	json_t	*e = json_object_get(tally, value);

	if (e == NULL) {
		e = json_pack("{s:i, s:I, s:[]}", "votes", 0, "first",
		    (json_int_t)rank, "evidence");
		if (e == NULL || json_object_set_new(tally, value, e) != 0)
			return -1;
	}
	if (json_object_set_new(e, "votes", json_integer(json_integer_value(
	    json_object_get(e, "votes")) + 1)) != 0)
		return -1;
	return json_array_append_new(json_object_get(e, "evidence"),
	    json_string(key));
}

/* The rule: at least 2 votes, or more than half of the tickets. */
static int
passes(json_int_t votes, size_t of)
{
	return votes >= 2 || (size_t)votes * 2 > of;
}

/* Tally member name (a string, or with multi an array of strings). */
static json_t *
tally(const json_t *similar, const char *name, int multi)
{
	json_t		*t = json_object(), *v, *it;
	const char	*key;
	size_t		 i, j;

	if (t == NULL)
		return NULL;
	json_array_foreach(similar, i, it) {
		key = json_string_value(json_object_get(it, "key"));
		v = json_object_get(it, name);
		if (key == NULL)
			continue;
		if (!multi) {
			if (json_is_string(v) && json_string_length(v) > 0 &&
			    vote(t, json_string_value(v), i, key) != 0)
				goto fail;
			continue;
		}
		json_array_foreach(v, j, it)
			if (json_is_string(it) && json_string_length(it) > 0 &&
			    vote(t, json_string_value(it), i, key) != 0)
				goto fail;
	}
	return t;
fail:
	json_decref(t);
	return NULL;
}

struct cand {
	const char	*value;
	json_t		*e;
};

/* Most votes first, then the better-ranked first voter, then by name. */
static int
bycand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	json_int_t	 vx, vy, fx, fy;

	vx = json_integer_value(json_object_get(x->e, "votes"));
	vy = json_integer_value(json_object_get(y->e, "votes"));
	fx = json_integer_value(json_object_get(x->e, "first"));
	fy = json_integer_value(json_object_get(y->e, "first"));

	if (vx != vy)
		return vx > vy ? -1 : 1;
	if (fx != fy)
		return fx < fy ? -1 : 1;
	/* Two labels of the same ticket: by name, so the order is the
	 * same everywhere. */
	return strcmp(x->value, y->value);
}

/* The suggested values of one member, best first, at most max; a new
 * array, NULL when memory runs out. */
static json_t *
pick(const json_t *similar, const char *name, int multi, size_t max)
{
	json_t		*t = NULL, *out = NULL, *e, *one;
	struct cand	*c = NULL;
	const char	*v;
	size_t		 n = 0, i, of = json_array_size(similar);

	if ((t = tally(similar, name, multi)) == NULL)
		goto fail;
	if ((c = calloc(json_object_size(t) + 1, sizeof(*c))) == NULL)
		goto fail;
	json_object_foreach(t, v, e)
		if (passes(json_integer_value(json_object_get(e, "votes")),
		    of)) {
			c[n].value = v;
			c[n++].e = e;
		}
	qsort(c, n, sizeof(*c), bycand);
	if ((out = json_array()) == NULL)
		goto fail;
	for (i = 0; i < n && i < max; i++) {
		one = json_pack("{s:s, s:O, s:I, s:O}", "value", c[i].value,
		    "votes", json_object_get(c[i].e, "votes"), "of",
		    (json_int_t)of, "evidence", json_object_get(c[i].e,
		    "evidence"));
		if (one == NULL || json_array_append_new(out, one) != 0)
			goto fail;
	}
	free(c);
	json_decref(t);
	return out;
fail:
	free(c);
	json_decref(t);
	json_decref(out);
	return NULL;
}

enum jta_err
jta_suggest_make(const json_t *similar, json_t **out)
{
	static const struct {
		const char	*name;
		int		 multi;
	} members[] = {
		{ "project", 0 }, { "type", 0 }, { "priority", 0 },
		{ "labels", 1 }, { "components", 1 },
	};
	json_t	*o, *vals;
	size_t	 i;

	*out = NULL;
	if (!json_is_array(similar))
		return JTA_ERR_INTERNAL;
	if ((o = json_object()) == NULL)
		return JTA_ERR_NOMEM;
	for (i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		if ((vals = pick(similar, members[i].name, members[i].multi,
		    members[i].multi ? JTA_LIMIT_LABELS : 1)) == NULL) {
			json_decref(o);
			return JTA_ERR_NOMEM;
		}
		if (json_array_size(vals) == 0) {
			json_decref(vals);
			continue;
		}
		if (json_object_set(o, members[i].name, members[i].multi ?
		    vals : json_array_get(vals, 0)) != 0) {
			json_decref(vals);
			json_decref(o);
			return JTA_ERR_NOMEM;
		}
		json_decref(vals);
	}
	*out = o;
	return JTA_OK;
}

size_t
jta_suggest_drop_unscored(json_t *similar)
{
	const json_t	*score;
	size_t		 i = 0;

	if (!json_is_array(similar))
		return 0;
	while (i < json_array_size(similar)) {
		score = json_object_get(json_array_get(similar, i), "score");
		if (json_is_number(score) && json_number_value(score) > 0)
			i++;
		else if (json_array_remove(similar, i) != 0)
			break;	/* cannot happen: i is in range */
	}
	return json_array_size(similar);
}

/* The terms of t found in s, into a new array (NULL: no memory). */
static json_t *
found(const struct jta_suggest_terms *t, const char *s)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; a != NULL && s != NULL && i < t->n; i++)
		if (foldcontains(s, t->term[i]) && json_array_append_new(a,
		    json_string(t->term[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* Set evidence[k] to the terms of t in s when there are any; their share
 * of t's terms in *share.  -1 when memory ran out. */
static int
words(json_t *evidence, const char *k, const struct jta_suggest_terms *t,
    const char *s, double *share)
{
	json_t	*a = found(t, s);

	*share = 0;
	if (a == NULL)
		return -1;
	if (json_array_size(a) == 0) {
		json_decref(a);
		return 0;
	}
	*share = (double)json_array_size(a) / (double)t->n;
	return json_object_set_new(evidence, k, a);
}

/* Order by score, best first; the desks' order breaks ties. */
static int
byscore(const void *a, const void *b)
{
	const json_t	*x = *(const json_t *const *)a;
	const json_t	*y = *(const json_t *const *)b;
	double		 sx = json_real_value(json_object_get(x, "score"));
	double		 sy = json_real_value(json_object_get(y, "score"));
	json_int_t	 ox = json_integer_value(json_object_get(x, "_order"));
	json_int_t	 oy = json_integer_value(json_object_get(y, "_order"));

	if (sx != sy)
		return sx < sy ? 1 : -1;
	return ox < oy ? -1 : ox > oy;
}

enum jta_err
jta_suggest_request_types(const char *text, const json_t *desks,
    const json_t *past, size_t limit, json_t **out)
{
	struct jta_suggest_terms t;
	const json_t	*d, *rt, *p;
	json_t		*all = NULL, *row, *ev, *keys;
	json_t		*sorted[JTA_LIMIT_JIRA_ITEMS];
	const char	*id;
	double		 sn, sd, sh, score;
	size_t		 i, j, k, n = 0;
	enum jta_err	 rc = JTA_ERR_NOMEM;

	*out = NULL;
	if ((all = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	if (jta_suggest_terms_folded(text, &t) == 0)
		goto done;
	json_array_foreach(json_object_get(desks, "servicedesks"), i, d)
		json_array_foreach(json_object_get(d, "request_types"), j, rt) {
			if (n >= JTA_LIMIT_JIRA_ITEMS ||
			    (id = json_string_value(json_object_get(rt,
			    "id"))) == NULL)
				continue;
			if ((ev = json_object()) == NULL ||
			    (keys = json_array()) == NULL) {
				json_decref(ev);
				goto out;
			}
			if (words(ev, "name", &t, json_string_value(
			    json_object_get(rt, "name")), &sn) != 0 ||
			    words(ev, "description", &t, json_string_value(
			    json_object_get(rt, "description")), &sd) != 0 ||
			    words(ev, "help_text", &t, json_string_value(
			    json_object_get(rt, "help_text")), &sh) != 0) {
				json_decref(ev);
				json_decref(keys);
				goto out;
			}
			json_array_foreach(past, k, p)
				if (json_is_string(json_object_get(p,
				    "request_type_id")) && strcmp(id,
				    json_string_value(json_object_get(p,
				    "request_type_id"))) == 0 &&
				    jta_suggest_overlap_folded(&t,
				    json_string_value(json_object_get(p,
				    "summary"))) > 0 &&
				    json_array_append(keys, json_object_get(p,
				    "key")) != 0) {
					json_decref(ev);
					json_decref(keys);
					goto out;
				}
			score = 0.4 * sn + 0.25 * sd + 0.15 * sh + 0.2 *
			    (json_array_size(keys) >= 2 ? 1.0 :
			    (double)json_array_size(keys) / 2.0);
			if (json_array_size(keys) > 0 &&
			    json_object_set(ev, "requests", keys) != 0) {
				json_decref(ev);
				json_decref(keys);
				goto out;
			}
			json_decref(keys);
			if (score <= 0) {
				json_decref(ev);
				continue;
			}
			score = (double)(long)(score * 1000 + 0.5) / 1000;
			row = json_pack("{s:O?, s:O?, s:s, s:O?, s:f, s:o, "
			    "s:I}", "project", json_object_get(d, "project"),
			    "servicedesk", json_object_get(d, "name"), "id", id,
			    "name", json_object_get(rt, "name"), "score",
			    score, "evidence", ev, "_order", (json_int_t)n);
			if (row == NULL || json_array_append_new(all, row) != 0)
				goto out;
			sorted[n++] = row;
		}
	qsort(sorted, n, sizeof(sorted[0]), byscore);
done:
	if ((*out = json_array()) == NULL)
		goto out;
	for (i = 0; i < n && i < limit; i++) {
		(void)json_object_del(sorted[i], "_order");
		if (json_array_append(*out, sorted[i]) != 0)
			goto out;
	}
	if (n > 0 && json_object_set_new(sorted[0], "clear", json_boolean(n ==
	    1 || json_real_value(json_object_get(sorted[0], "score")) >=
	    1.5 * json_real_value(json_object_get(sorted[1], "score")))) != 0)
		goto out;
	rc = JTA_OK;
out:
	if (rc != JTA_OK) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(all);
	return rc;
}
