/*
 * Linked into every libFuzzer target by run-fuzzers.sh (not into the
 * replays): libFuzzer calls LLVMFuzzerInitialize once before the first
 * input.  jansson seeds its hash tables from /dev/urandom, which changes
 * the order objects are walked in, so the coverage, and with it the
 * inputs libFuzzer makes; a fixed seed removes that one source of
 * variation between runs (libFuzzer's own remain, see run-fuzzers.sh).
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
