#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jta_arena.h"
#include "jta_limits.h"

/*
 * Under AddressSanitizer the arena poisons what is not handed out (the
 * sanitizer's manual poisoning, asan_interface.h): a chunk's free room,
 * a block once jansson frees it, and every chunk when the request ends.
 * So a value used after json_decref, or kept past its request against
 * the rule in jta_arena.h, is a sanitizer report as with malloc.
 */
#if defined(__SANITIZE_ADDRESS__)
#define JTA_ARENA_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JTA_ARENA_ASAN	1
#endif
#endif
#ifdef JTA_ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)	ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n)	ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n)	do { (void)(p); (void)(n); } while (0)
#define UNPOISON(p, n)	do { (void)(p); (void)(n); } while (0)
#endif

/*
 * Chunks of JTA_LIMIT_ARENA_CHUNK bytes, newest first.  Each block is the
 * caller's bytes rounded to ALIGN (what malloc promises: max_align_t).
 * Under AddressSanitizer a header holding the block's size comes first,
 * for poisoning the block when jansson frees it and for giving back the
 * last block of its chunk; without it a free inside the arena is nothing
 * (the request's end frees all), and a Jira-mode search's 1,600-odd
 * blocks take 16 bytes less each: a fifth of the arena's pages it
 * touches (README "Memory per worker and the start cost", fourth pass).
 * A block larger than a quarter of a chunk comes from malloc itself
 * (freed by free() like any pointer that is not the arena's).
 */
#define ALIGN	16
#ifdef JTA_ARENA_ASAN
#define HEAD	ALIGN
#else
#define HEAD	0
#endif

struct chunk {
	struct chunk	*next;
	size_t		 used;
	size_t		 cap;
	/* data follows, aligned */
};

#define CHUNKHEAD	((sizeof(struct chunk) + ALIGN - 1) & \
			    ~(size_t)(ALIGN - 1))
#define DATA(c)		((unsigned char *)(c) + CHUNKHEAD)

static struct {
	struct chunk	*chunks;
	int		 on;
	size_t		 used;	/* bytes handed out this request */
	size_t		 held;	/* bytes of chunks */
} arena;

static struct chunk *
newchunk(void)
{
	struct chunk	*c;

	/* A request that keeps allocating and freeing (the arena frees
	 * nothing until it ends) stops growing it here: plain malloc. */
	if (arena.held >= JTA_LIMIT_ARENA_MAX ||
	    (c = malloc(CHUNKHEAD + JTA_LIMIT_ARENA_CHUNK)) == NULL)
		return NULL;
	arena.held += JTA_LIMIT_ARENA_CHUNK;
	c->used = 0;
	c->cap = JTA_LIMIT_ARENA_CHUNK;
	c->next = arena.chunks;
	arena.chunks = c;
	POISON(DATA(c), c->cap);
	return c;
}

static void *
amalloc(size_t size)
{
	struct chunk	*c;
	unsigned char	*p;
	size_t		 need;

	if (!arena.on || size > JTA_LIMIT_ARENA_CHUNK / 4)
		return malloc(size);
	need = HEAD + ((size + ALIGN - 1) & ~(size_t)(ALIGN - 1));
	/* A kept chunk with room (after a reset they are all empty), else
	 * a new one. */
	for (c = arena.chunks; c != NULL; c = c->next)
		if (c->cap - c->used >= need)
			break;
	if (c == NULL && (c = newchunk()) == NULL)
		return malloc(size);
	p = DATA(c) + c->used;
	c->used += need;
	arena.used += need;
	/* The header and the bytes asked for; the padding stays poisoned. */
	UNPOISON(p, HEAD + size);
#ifdef JTA_ARENA_ASAN
	memcpy(p, &need, sizeof(need));
#endif
	return p + HEAD;
}

static struct chunk *
owner(const void *ptr)
{
	struct chunk	*c;
	uintptr_t	 p = (uintptr_t)ptr, d;

	for (c = arena.chunks; c != NULL; c = c->next) {
		d = (uintptr_t)DATA(c);
		if (p >= d && p < d + c->cap)
			return c;
	}
	return NULL;
}

static void
afree(void *ptr)
{
	struct chunk	*c;
	unsigned char	*p = ptr;
	size_t		 need;

	if (ptr == NULL)
		return;
	if ((c = owner(ptr)) == NULL) {
		free(ptr);
		return;
	}
#ifndef JTA_ARENA_ASAN
	/* No header: the block stays until the request ends. */
	(void)p;
	(void)need;
#else
	/* The last block of its chunk: give it back (a growing string
	 * buffer frees its old copy right after making the new one, so
	 * this is usually the one before the last: no matter). */
	memcpy(&need, p - HEAD, sizeof(need));
	POISON(p, need - HEAD);
	if (p - HEAD + need == DATA(c) + c->used) {
		c->used -= need;
		arena.used -= need;
		POISON(p - HEAD, HEAD);
	}
#endif
}

void
jta_arena_json_install(void)
{
	json_set_alloc_funcs(amalloc, afree);
}

void
jta_arena_begin(void)
{
	arena.on = 1;
}

void
jta_arena_end(void)
{
	struct chunk	*c, **pc;
	size_t		 kept = 0;

	arena.on = 0;
	arena.used = 0;
	for (pc = &arena.chunks; (c = *pc) != NULL;) {
		if (kept + c->cap > JTA_LIMIT_ARENA_KEEP) {
			*pc = c->next;
			arena.held -= c->cap;
			UNPOISON(DATA(c), c->cap);
			free(c);
			continue;
		}
		kept += c->cap;
		c->used = 0;
		POISON(DATA(c), c->cap);
		pc = &c->next;
	}
}

int
jta_arena_suspend(void)
{
	int	 was = arena.on;

	arena.on = 0;
	return was;
}

void
jta_arena_resume(int was)
{
	arena.on = was;
}

char *
jta_arena_json_dumps(const json_t *v, size_t flags)
{
	char	*s;
	int	 was = jta_arena_suspend();

	s = json_dumps(v, flags);	/* banned-ok: the arena is off */
	jta_arena_resume(was);
	return s;
}

void
jta_arena_free(void *p)
{
	afree(p);
}

int
jta_arena_owns(const void *p)
{
	return p != NULL && owner(p) != NULL;
}

void
jta_arena_stats(size_t *used, size_t *held)
{
	*used = arena.used;
	*held = arena.held;
}
