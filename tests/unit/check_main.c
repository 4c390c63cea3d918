/*
 * The one main() of the unit suites (see check_main.h): each
 * tests/unit/check_*.c gives jta_check_suite() and this runs it.
 */
#include "config.h"

#include <stdlib.h>

#include <check.h>

#include "check_main.h"

static void	(*at_end)(void);

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
