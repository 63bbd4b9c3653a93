/* Tests for src/json_arena.c: cJSON's allocations go to the arena only on the thread that
 * began it, and only until it ends; everything else stays malloc/free. Run under ASan too:
 * a tree freed into the wrong allocator, or arena memory used after the end, is reported. */
#include "testutil.h"
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "src/json_arena.h"
#include "src/util.h"

static void json_arena__gives_aligned_distinct_memory__when_chunks_fill(void **state)
{
	(void)state;
	struct json_arena *a = json_arena_new();
	enum { N = 4000 };
	unsigned char **p = xcalloc(N, sizeof(*p));
	size_t *len = xcalloc(N, sizeof(*len));
	for (int round = 0; round < 3; round++) {
		json_arena_begin(a);
		for (size_t i = 0; i < N; i++) {
			/* sizes from 1 byte to ~20 KB, and one of 9 MB: more than a chunk is kept */
			len[i] = i == 1234 ? 9u << 20 : 1 + (i * 7919) % (i % 50 == 0 ? 20000 : 200);
			p[i] = json_arena_alloc(a, len[i]);
			assert_int_equal((uintptr_t)p[i] % alignof(max_align_t), 0);
			memset(p[i], (int)(i & 0xff), len[i]);
		}
		for (size_t i = 0; i < N; i++) {
			assert_int_equal(p[i][0], i & 0xff);
			assert_int_equal(p[i][len[i] - 1], i & 0xff);
		}
		json_arena_end(a);
	}
	free(len);
	free(p);
	json_arena_free(&a);
	assert_null(a);
	json_arena_free(&a); /* NULL-safe */
}

static void json_arena__frees_outside_trees__when_deleted_inside(void **state)
{
	(void)state;
	struct json_arena *a = json_arena_new();
	/* parsed before the arena began: malloc'd, and freed by cJSON_Delete inside it (LSan in
	 * the sanitizer build reports the leak if the arena took the free for its own) */
	cJSON *outside = cJSON_Parse("{\"a\":[1,2,\"three\"],\"b\":{\"c\":null}}");
	assert_non_null(outside);
	json_arena_begin(a);
	cJSON *inside = cJSON_Parse("{\"x\":\"y\",\"z\":[true,false]}");
	assert_non_null(inside);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(inside, "x")->valuestring, "y");
	char *text = cJSON_PrintUnformatted(inside);
	assert_string_equal(text, "{\"x\":\"y\",\"z\":[true,false]}");
	cJSON_free(text);
	cJSON_Delete(inside); /* nothing: the end frees it */
	cJSON_Delete(outside);
	json_arena_end(a);
	/* after the end, cJSON is malloc again: its output may go to free() */
	cJSON *after = cJSON_Parse("[1,2,3]");
	char *t = cJSON_PrintUnformatted(after);
	assert_string_equal(t, "[1,2,3]");
	free(t);
	cJSON_Delete(after);
	json_arena_free(&a);
}

/* Fills the arena as a page's parse would: many small pieces, total bytes. */
static void fill(struct json_arena *a, size_t total)
{
	for (size_t got = 0; got < total; got += 48)
		memset(json_arena_alloc(a, 48), 1, 48);
}

static void json_arena__keeps_one_block__when_parses_repeat(void **state)
{
	(void)state;
	struct json_arena *a = json_arena_new();
	size_t blocks = 0;
	assert_int_equal(json_arena_held(a, &blocks), 0);
	json_arena_begin(a);
	fill(a, 3u << 20); /* a page of 1,000 messages and its tree */
	assert_true(json_arena_held(a, &blocks) >= 3u << 20);
	assert_true(blocks > 1);
	json_arena_end(a);
	/* the next parse starts in one block big enough for the last, and keeps it */
	for (int round = 0; round < 3; round++) {
		json_arena_begin(a);
		fill(a, 3u << 20);
		size_t held = json_arena_held(a, &blocks);
		assert_int_equal(blocks, 1);
		json_arena_end(a);
		assert_int_equal(json_arena_held(a, &blocks), held);
		assert_int_equal(blocks, 1);
	}
	/* a hostile answer's 20 MB is not kept: at most 8 MB stays */
	json_arena_begin(a);
	fill(a, 20u << 20);
	(void)json_arena_alloc(a, 9u << 20);
	json_arena_end(a);
	assert_true(json_arena_held(a, NULL) <= 8u << 20);
	/* and small parses after it shrink what is kept back to a small block */
	for (int round = 0; round < 3; round++) {
		json_arena_begin(a);
		fill(a, 1000);
		json_arena_end(a);
		assert_true(json_arena_held(a, NULL) <= 8u << 20);
	}
	assert_true(json_arena_held(a, &blocks) <= 64u << 10);
	assert_int_equal(blocks, 1);
	json_arena_free(&a);
}

struct other {
	atomic_bool stop;
	long rounds;
	int wrong;
};

/* Another thread's everyday cJSON: parse, print, build, delete, while the main thread is
 * inside its arena. None of it may land in (or be freed into) that arena. */
static void *other_thread(void *arg)
{
	struct other *o = arg;
	while (!atomic_load(&o->stop) || o->rounds < 200) {
		cJSON *j = cJSON_Parse("{\"sid\":\"SM1\",\"body\":\"hello there\",\"n\":[1,2,3]}");
		cJSON_AddStringToObject(j, "added", "value");
		char *t = cJSON_PrintUnformatted(j);
		if (t == NULL ||
		    strcmp(t,
			   "{\"sid\":\"SM1\",\"body\":\"hello there\",\"n\":[1,2,3],\"added\":\"value\"}") !=
			0)
			o->wrong++;
		free(t); /* malloc'd: cJSON's hooks are malloc outside an arena */
		cJSON_Delete(j);
		o->rounds++;
	}
	return NULL;
}

static void json_arena__routes_only_its_thread__when_others_use_cjson(void **state)
{
	(void)state;
	struct other o = {.rounds = 0};
	atomic_init(&o.stop, false);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, other_thread, &o), 0);
	struct json_arena *a = json_arena_new();
	char *doc = xstrdup("[");
	for (int i = 0; i < 300; i++) {
		char *next = xasprintf("%s%s{\"k\":\"value %d\",\"n\":%d}", doc, i ? "," : "", i, i);
		free(doc);
		doc = next;
	}
	char *full = xasprintf("%s]", doc);
	for (int round = 0; round < 300; round++) {
		json_arena_begin(a);
		cJSON *j = cJSON_Parse(full);
		assert_int_equal(cJSON_GetArraySize(j), 300);
		const cJSON *last = cJSON_GetArrayItem(j, 299);
		assert_string_equal(cJSON_GetObjectItemCaseSensitive(last, "k")->valuestring, "value 299");
		json_arena_end(a);
	}
	atomic_store(&o.stop, true);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(o.wrong, 0);
	assert_true(o.rounds >= 200);
	free(full);
	free(doc);
	json_arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(json_arena__gives_aligned_distinct_memory__when_chunks_fill),
	    cmocka_unit_test(json_arena__frees_outside_trees__when_deleted_inside),
	    cmocka_unit_test(json_arena__keeps_one_block__when_parses_repeat),
	    cmocka_unit_test(json_arena__routes_only_its_thread__when_others_use_cjson),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
