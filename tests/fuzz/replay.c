/*
 * Replay fuzz inputs without libFuzzer: `replay_NAME FILE|DIR...` runs
 * LLVMFuzzerTestOneInput once per file.  A directory contributes its
 * regular files (not recursively), in sorted order, so every run replays
 * the same inputs the same way.  Files are read up to REPLAY_MAX bytes.
 *
 * Used by `make check` (through tests/fuzz/replay-corpus.sh) so that every
 * input in tests/fuzz/corpus/NAME/, including each crash once found and
 * fixed, is run by the normal test suite, under the sanitizers when the
 * tree is configured with --enable-sanitizers.
 *
 * Exits 0 after replaying everything, 1 when a file or directory cannot be
 * read (a missing corpus must not pass as an empty one), 2 on bad usage.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX	(1024 * 1024)	/* as libFuzzer's largest -max_len */

/* Read the file at path (at most REPLAY_MAX bytes) and run it.  Returns 0,
 * or -1 after saying why on stderr. */
static int
replay_file(const char *path, size_t *count)
{
	FILE		*f = NULL;
	uint8_t		*buf = NULL, *exact;
	size_t		 n;
	int		 rc = -1;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		goto out;
	}
	if ((buf = malloc(REPLAY_MAX)) == NULL) {
		fprintf(stderr, "replay: %s: out of memory\n", path);
		goto out;
	}
	n = fread(buf, 1, REPLAY_MAX, f);
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		goto out;
	}
	/* Shrink to the exact size (one byte for an empty file), so ASan
	 * sees a read past the end of the input as it would under libFuzzer. */
	if ((exact = realloc(buf, n == 0 ? 1 : n)) == NULL) {
		fprintf(stderr, "replay: %s: out of memory\n", path);
		goto out;
	}
	buf = exact;
	(void)LLVMFuzzerTestOneInput(buf, n);
	(*count)++;
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	free(buf);
	return rc;
}

static int
visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Replay the regular files of the directory dir, sorted by name. */
static int
replay_dir(const char *dir, size_t *count)
{
	struct dirent	**names = NULL;
	struct stat	 st;
	char		*path = NULL;
	size_t		 len;
	int		 n, i, rc = 0;

	if ((n = scandir(dir, &names, visible, alphasort)) < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		len = strlen(dir) + 1 + strlen(names[i]->d_name) + 1;
		if ((path = malloc(len)) == NULL) {
			fprintf(stderr, "replay: out of memory\n");
			rc = -1;
			break;
		}
		snprintf(path, len, "%s/%s", dir, names[i]->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    replay_file(path, count) != 0)
			rc = -1;
		free(path);
		path = NULL;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct stat	 st;
	size_t		 count = 0;
	int		 i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) != 0)
				rc = 1;
		} else if (replay_file(argv[i], &count) != 0)
			rc = 1;
	}
	printf("replayed %zu inputs\n", count);
	return rc;
}
