/*
 * The one main() of the unit suites (see check_main.h): each
 * tests/unit/check_*.c gives jta_check_suite() and this runs it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "check_main.h"

/* Usage and quotas count per UTC day and month, and several suites count
 * "today" with the clock (check_usage, check_store, check_operator): one
 * that would start in a day's last DAY_MARGIN seconds waits for the next
 * day, so that the day cannot turn between a count and its check.  No
 * suite runs for more than about a minute and a half, even under the
 * sanitizers.  The day boundaries themselves are tested with explicit
 * times.  tests/integration/jtatest.py does the same for the
 * integration files. */
#define DAY_MARGIN	300

static void	(*at_end)(void);

static void
wait_out_midnight(void)
{
	time_t		 now = time(NULL);
	unsigned	 left;

	if (now == (time_t)-1)
		return;
	left = (unsigned)(86400 - now % 86400);
	if (left > DAY_MARGIN)
		return;
	fprintf(stderr, "waiting %u s for the UTC day to turn: usage counts "
	    "per day\n", left + 2);
	left += 2;
	while ((left = sleep(left)) > 0)
		continue;
}

void
jta_check_at_end(void (*fn)(void))
{
	at_end = fn;
}

int
main(void)
{
	Suite	*s;
	SRunner	*sr;
	int	 failed;

	wait_out_midnight();
	if ((s = jta_check_suite()) == NULL)
		return EXIT_FAILURE;
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (at_end != NULL)
		at_end();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
