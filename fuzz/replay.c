/*
 * replay.c - the main() of a fuzz target in a normal build: feeds every
 * file of the given corpus directories (or the given files) to the
 * target's LLVMFuzzerTestOneInput, in name order, so the corpus is a
 * regression test without libFuzzer.  A target reports a broken invariant
 * by aborting; an empty corpus fails too, so a lost corpus cannot pass.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long size;

	if (!f) {
		perror(path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0) {
		perror(path);
		fclose(f);
		return -1;
	}
	/* malloc(0) may return NULL: always ask for at least a byte. */
	buf = malloc(size ? (size_t)size : 1);
	if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		perror(path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)size);
	free(buf);
	return 0;
}

/* Replays @path (a file or a directory of files); inputs run, or -1. */
static int replay(const char *path)
{
	struct dirent **names;
	struct stat st;
	int n, count = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path) < 0 ? -1 : 1;
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		perror(path);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char file[4096];

		if (names[i]->d_name[0] != '.' && count >= 0) {
			snprintf(file, sizeof(file), "%s/%s", path,
				 names[i]->d_name);
			count = replay_file(file) < 0 ? -1 : count + 1;
		}
		free(names[i]);
	}
	free(names);
	return count;
}

int main(int argc, char **argv)
{
	int total = 0;

	for (int i = 1; i < argc; i++) {
		int n = replay(argv[i]);

		if (n < 0)
			return 1;
		total += n;
	}
	fprintf(stderr, "replayed %d inputs\n", total);
	return total > 0 ? 0 : 1;
}
