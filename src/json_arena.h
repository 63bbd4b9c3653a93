/* An arena for cJSON's allocations while one thread parses one answer (issue 15: malloc and
 * free of every node and string were half of decoding a page of 1,000 messages).
 * cJSON's allocation hooks are global and every thread uses cJSON, so the hooks this module
 * installs (once, before main) route a thread's allocations to an arena only between
 * json_arena_begin and json_arena_end on that thread, and to malloc/free everywhere else.
 * Between the two, cJSON_Delete of a tree parsed there frees nothing; json_arena_end makes all
 * of it invalid at once. Nothing cJSON allocates inside may be used, or freed, after the end:
 * copy what is kept into malloc'd memory first. Not nested: one arena per thread at a time. */
#ifndef SMSDESK_JSON_ARENA_H
#define SMSDESK_JSON_ARENA_H
#include <stddef.h>

struct json_arena;

/* A new, empty arena (malloc'd; it takes memory only when used). */
struct json_arena *json_arena_new(void);
/* Frees the arena and all it holds, and sets *ap to NULL; not while it is begun. */
void json_arena_free(struct json_arena **ap);

/* Routes this thread's cJSON allocations into a until json_arena_end. */
void json_arena_begin(struct json_arena *a);
/* Routes them back to malloc/free, and empties a: every pointer it gave out is invalid. a keeps
 * one block of memory (at most 8 MB) sized for a parse like this one. */
void json_arena_end(struct json_arena *a);

/* n bytes from a, aligned as malloc's (aborts when out of memory, as xmalloc). */
void *json_arena_alloc(struct json_arena *a, size_t n);

/* Bytes of memory a holds now and how many blocks (for tests: what is kept between parses). */
size_t json_arena_held(const struct json_arena *a, size_t *blocks);

#endif
