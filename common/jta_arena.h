/*
 * The per-request arena for jansson (json_set_alloc_funcs).  A FastCGI
 * worker parses an upstream answer of tens of KiB into hundreds of small
 * nodes and strings, builds the answer and frees them all again: with
 * malloc/free that was most of a Jira-mode search's instructions.  In the
 * arena an allocation is a pointer bump, a free is nothing (or gives back
 * the last block, which is what jansson's growing string buffers do), and
 * the end of the request releases everything at once.
 *
 * THE RULE: between jta_arena_begin and jta_arena_end (jta_fcgi's serve()
 * brackets every request with them) every json_t, and every string
 * jansson returns (json_dumps), lives in the arena and is gone when the
 * request ends.  Nothing made during a request may be kept across
 * requests: configuration, caches, anything static or in struct jta_ctx.
 * A cache that outlives the request is built with the arena suspended:
 *
 *	int was = jta_arena_suspend();
 *	cache = build();		(plain malloc)
 *	jta_arena_resume(was);
 *
 * and must not be changed during a request (json_object_set on it would
 * put an arena node into it).  Objects made outside a request (start-up)
 * come from malloc; freeing them from a request is fine (a pointer that
 * is not the arena's goes to free()).  One thread per worker: the arena
 * is per process and not locked.  Under AddressSanitizer the arena
 * poisons freed blocks and, at the end of a request, all of itself, so a
 * breach of the rule is a sanitizer report, not silent reuse.
 */
#ifndef JTA_ARENA_H
#define JTA_ARENA_H

#include <stddef.h>

#include <jansson.h>

/* Make jansson allocate through the arena (once, at start-up, before any
 * JSON is made; outside begin/end it passes through to malloc/free). */
void jta_arena_json_install(void);

/* Start a request: jansson allocations come from the arena from now. */
void jta_arena_begin(void);

/* End the request: everything allocated since jta_arena_begin is
 * released at once; chunks over JTA_LIMIT_ARENA_KEEP bytes go back to
 * the system, the rest is kept for the next request. */
void jta_arena_end(void);

/* Allocate with malloc again until jta_arena_resume(returned value), for
 * a cache that must outlive the request; returns whether the arena was
 * on. */
int jta_arena_suspend(void);
void jta_arena_resume(int was);

/*
 * Free what jansson handed out as plain memory (json_dumps, jta_fit's
 * text): the arena's is left to the end of the request, anything else
 * goes to free().  Such strings must never go to free() directly.  NULL
 * is a no-op.
 */
void jta_arena_free(void *p);

/*
 * json_dumps with the arena suspended: the text is plain malloc memory,
 * for free(), whether a request is on or not.  The one way to dump JSON
 * outside jta_fit's answer (tests/banned.sh refuses json_dumps
 * elsewhere), so no caller frees arena memory with free().
 */
char *jta_arena_json_dumps(const json_t *v, size_t flags);

/* Whether p (from jansson's allocator) lies in the arena. */
int jta_arena_owns(const void *p);

/* Bytes handed out in this request and bytes of chunks held (tests). */
void jta_arena_stats(size_t *used, size_t *held);

#endif
