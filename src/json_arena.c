/* cJSON's allocations of one parse from an arena: bump allocation in a few large chunks, all
 * freed at once, instead of a malloc and a free for every node and every string. */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cjson/cJSON.h>
#include "src/json_arena.h"

#if defined(__SANITIZE_ADDRESS__)
#define JSON_ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JSON_ARENA_ASAN 1
#endif
#endif
#ifdef JSON_ARENA_ASAN
#include <sanitizer/asan_interface.h>
/* Each allocation is followed by poisoned bytes, and everything not handed out is poisoned,
 * so ASan still sees cJSON read or write past a string or a node. */
#define REDZONE 16u
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define REDZONE 0u
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define FIRST_CHUNK (64u * 1024u)     /* a single message's tree is ~3 KB */
#define GROW_MAX (4u * 1024u * 1024u) /* chunks double up to this within a parse */
/* Kept between parses: one chunk, at most this (a page of 1,000 messages and its tree take
 * ~3.5 MB). */
#define KEEP_MAX (8u * 1024u * 1024u)
#define ALIGN alignof(max_align_t)

struct chunk {
	struct chunk *next; /* older chunks */
	size_t size;	    /* bytes in data */
	size_t used;
	max_align_t data[];
};

struct json_arena {
	struct chunk *head; /* allocations come from here */
	size_t want;	    /* the size of a first chunk that holds a whole parse like the last */
};

/* The arena this thread's cJSON allocations go to, NULL outside a parse. */
static _Thread_local struct json_arena *active;

/* n bytes from a, or NULL when memory runs out (cJSON then fails the parse, as with malloc). */
static void *take(struct json_arena *a, size_t n)
{
	if (n > SIZE_MAX / 4)
		return NULL;
	size_t need = ((n ? n : 1) + ALIGN - 1) / ALIGN * ALIGN + REDZONE;
	struct chunk *c = a->head;
	if (c == NULL || c->size - c->used < need) {
		size_t size = c != NULL ? c->size * 2 : a->want > FIRST_CHUNK ? a->want : FIRST_CHUNK;
		if (c != NULL && size > GROW_MAX)
			size = GROW_MAX;
		if (size < need)
			size = need;
		c = malloc(sizeof(*c) + size);
		if (c == NULL)
			return NULL;
		c->size = size;
		c->used = 0;
		c->next = a->head;
		a->head = c;
		POISON(c->data, size);
	}
	unsigned char *p = (unsigned char *)c->data + c->used;
	c->used += need;
	UNPOISON(p, n);
	return p;
}

/* Whether p was handed out by a. */
static int owns(const struct json_arena *a, const void *p)
{
	for (const struct chunk *c = a->head; c != NULL; c = c->next)
		if ((uintptr_t)p - (uintptr_t)c->data < c->size)
			return 1;
	return 0;
}

/* cJSON's malloc: the thread's arena inside a parse, malloc outside. */
static void *hook_malloc(size_t n)
{
	struct json_arena *a = active;
	return a != NULL ? take(a, n) : malloc(n);
}

/* cJSON's free: nothing for arena memory (json_arena_end frees it), free for the rest. */
static void hook_free(void *p)
{
	struct json_arena *a = active;
	if (p == NULL || (a != NULL && owns(a, p)))
		return;
	free(p);
}

/* cJSON_InitHooks writes globals every thread's cJSON calls read: before main no other thread
 * exists to read them half-written. */
__attribute__((constructor)) static void install_hooks(void)
{
	cJSON_Hooks h = {.malloc_fn = hook_malloc, .free_fn = hook_free};
	cJSON_InitHooks(&h);
}

struct json_arena *json_arena_new(void)
{
	struct json_arena *a = calloc(1, sizeof(*a));
	if (a == NULL) {
		fputs("smsdesk: out of memory\n", stderr);
		abort();
	}
	return a;
}

void json_arena_free(struct json_arena **ap)
{
	struct json_arena *a = ap != NULL ? *ap : NULL;
	if (a == NULL)
		return;
	for (struct chunk *c = a->head, *next; c != NULL; c = next) {
		next = c->next;
		UNPOISON(c->data, c->size);
		free(c);
	}
	free(a);
	*ap = NULL;
}

void json_arena_begin(struct json_arena *a)
{
	active = a;
}

void json_arena_end(struct json_arena *a)
{
	active = NULL;
	struct chunk *c = a->head;
	if (c != NULL && c->next == NULL && c->size <= KEEP_MAX &&
	    (c->size <= FIRST_CHUNK || c->used >= c->size / 8)) {
		/* the parse fitted in one chunk, not much too large: kept as it is for the next */
		c->used = 0;
		POISON(c->data, c->size);
		return;
	}
	/* Several chunks (or one too large to keep, or mostly unused): freed, and the next parse
	 * starts with one chunk that would have held this one whole (at most KEEP_MAX), so a
	 * steady stream of pages settles on one chunk and no malloc at all. */
	size_t used = 0;
	for (struct chunk *next; c != NULL; c = next) {
		next = c->next;
		used += c->used;
		UNPOISON(c->data, c->size);
		free(c);
	}
	a->head = NULL;
	used += used / 4;
	a->want = used < KEEP_MAX ? used : KEEP_MAX;
}

void *json_arena_alloc(struct json_arena *a, size_t n)
{
	void *p = take(a, n);
	if (p == NULL) {
		fputs("smsdesk: out of memory\n", stderr);
		abort();
	}
	return p;
}

size_t json_arena_held(const struct json_arena *a, size_t *blocks)
{
	size_t bytes = 0, n = 0;
	for (const struct chunk *c = a->head; c != NULL; c = c->next, n++)
		bytes += c->size;
	if (blocks != NULL)
		*blocks = n;
	return bytes;
}
