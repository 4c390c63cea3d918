/*
 * Linked into every libFuzzer target by run-fuzzers.sh (not into the
 * replays): libFuzzer calls LLVMFuzzerInitialize once before the first
 * input.  jansson seeds its hash tables from /dev/urandom, which changes
 * the order objects are walked in, so the coverage, and with it the
 * inputs libFuzzer makes; a fixed seed makes a run with the same -seed
 * and -runs the same run every time (what the test command relies on).
 */
#include <jansson.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	json_object_seed(1);
	return 0;
}
