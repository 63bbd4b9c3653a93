/* Replays a fuzz target's kept corpus through its entry point, in the normal build (no clang,
 * no libFuzzer): every file under each directory given is one input. ctest runs this for each
 * tests/fuzz/fuzz_*.c, so a regression found once by fuzzing stays caught in CI. A target
 * reports a broken invariant by abort(), which fails the test; the sanitizer build catches the
 * rest. Usage: fuzz_replay_<target> DIR [DIR...] */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads the whole file; NULL on error. */
static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			uint8_t *nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	*len = n;
	return buf;
}

/* Compares names for a stable order. */
static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays every regular file of dir; returns the count, or -1 when dir cannot be read. */
static int replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return -1;
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(*names));
		if (nn == NULL)
			abort();
		names = nn;
		names[n] = strdup(de->d_name);
		if (names[n] == NULL)
			abort();
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	int count = 0;
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			size_t len = 0;
			uint8_t *data = read_all(path, &len);
			if (data == NULL) {
				fprintf(stderr, "cannot read %s\n", path);
				abort();
			}
			/* a copy of exactly len bytes, so ASan sees any read past the input */
			uint8_t *exact = malloc(len ? len : 1);
			if (exact == NULL)
				abort();
			memcpy(exact, data, len);
			free(data);
			LLVMFuzzerTestOneInput(exact, len);
			free(exact);
			count++;
		}
		free(names[i]);
	}
	free(names);
	return count;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR [CORPUS_DIR...]\n", argv[0]);
		return 64;
	}
	int total = 0;
	for (int i = 1; i < argc; i++) {
		int n = replay_dir(argv[i]);
		if (n < 0) {
			fprintf(stderr, "%s: cannot read the corpus directory %s\n", argv[0], argv[i]);
			return 1;
		}
		total += n;
	}
	if (total == 0) {
		fprintf(stderr, "%s: the corpus is empty: nothing was replayed\n", argv[0]);
		return 1;
	}
	printf("replayed %d inputs\n", total);
	return 0;
}
