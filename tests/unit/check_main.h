/*
 * The one main() of the unit suites (tests/unit/check_main.c), linked
 * into every tests/unit/check_*: it runs the suite the file gives and
 * exits EXIT_SUCCESS when every test passed, EXIT_FAILURE otherwise.
 * Check itself reads CK_FORK (CK_FORK=no runs the tests in one process,
 * for a debugger) and CK_RUN_SUITE/CK_RUN_CASE.
 */
#ifndef JTA_CHECK_MAIN_H
#define JTA_CHECK_MAIN_H

#include <check.h>

/*
 * Each suite file: do the set-up the whole run needs (a temporary
 * directory, libsodium, the log level), then return the suite, which
 * main() owns.  NULL when the set-up failed, after saying why on stderr:
 * the program then fails without running a test.
 */
Suite *jta_check_suite(void);

/* Call fn once in the parent process after the run (not in the forked
 * tests), to undo what jta_check_suite set up; a later call replaces an
 * earlier one. */
void jta_check_at_end(void (*fn)(void));

#endif
