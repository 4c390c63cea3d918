/*
 * A selective JSON reader: json_loadb for a document of a known shape
 * when only a few of its members are wanted.  The caller describes the
 * members it reads as a small static tree (struct jta_json_pick); the
 * reader validates the WHOLE input exactly as jansson 2.14's json_loadb
 * does with JSON_REJECT_DUPLICATES (RFC 8259 grammar; strict UTF-8;
 * escapes, surrogate pairs; no \u0000; integers that overflow json_int_t
 * and reals that overflow a double refused; duplicate keys refused in
 * every object, skipped ones included; JSON_PARSER_MAX_DEPTH) and builds,
 * through jansson's constructors (so the request's arena applies), only
 * the values the description names.  Everything else is checked and
 * skipped without being built.  Same accept/reject as json_loadb on every
 * input up to JTA_LIMIT_PICK_INPUT bytes (tests/unit/check_json_pick and
 * tests/fuzz/fuzz_pick compare the two).
 *
 * What is built, for a value v and its description d:
 *   JTA_JSON_PICK_WHOLE    v as json_loadb makes it.
 *   JTA_JSON_PICK_MEMBERS  v an object: an object of the members of v that
 *                          d->sub lists (a list ended by a NULL name), each
 *                          built by its own description; members not
 *                          listed are skipped.
 *   JTA_JSON_PICK_EACH     v an array: an array of every element, each
 *                          built by d->sub.
 * A value whose type is not the one its description expects (a string
 * where MEMBERS wants an object, an object where EACH wants an array) is
 * built whole, so a reader that checks types sees what it would have seen
 * after json_loadb.  jta_json_pick_filter states the same on a tree.
 */
#ifndef JTA_JSON_PICK_H
#define JTA_JSON_PICK_H

#include <stddef.h>

#include <jansson.h>

#include "jta_err.h"

enum jta_json_pick_kind {
	JTA_JSON_PICK_WHOLE,
	JTA_JSON_PICK_MEMBERS,
	JTA_JSON_PICK_EACH
};

/* One node of a description: static and caller-owned. */
struct jta_json_pick {
	const char	*name;	/* member name in a MEMBERS list; NULL ends
				 * the list (unused for EACH's element and
				 * the root) */
	enum jta_json_pick_kind kind;
	const struct jta_json_pick *sub; /* MEMBERS: the list; EACH: the
					  * element's description */
};

/*
 * Read len bytes at buf (not NUL-terminated) as JSON, keeping what pick
 * describes.  JTA_OK with *out a new reference (an object or an array);
 * JTA_ERR_INPUT when json_loadb(buf, len, JSON_REJECT_DUPLICATES) would
 * refuse it, or when len is over JTA_LIMIT_PICK_INPUT; JTA_ERR_NOMEM.
 * *errpos (when not NULL) gets the byte offset where reading stopped
 * (an error's position; never input text, so it is safe to log).
 */
enum jta_err jta_json_pick_loadb(const char *buf, size_t len,
    const struct jta_json_pick *pick, json_t **out, size_t *errpos) JTA_WUR;

/*
 * What jta_json_pick_loadb builds, from a tree already parsed: a new
 * reference sharing the values kept whole with v; NULL when memory runs
 * out.  The reference the tests and the fuzz harness compare against.
 */
json_t *jta_json_pick_filter(const json_t *v,
    const struct jta_json_pick *pick);

#endif
