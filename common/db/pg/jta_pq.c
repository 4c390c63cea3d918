#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "jta_pq.h"

struct jta_pq_api jta_pq;

/* dlsym returns an object pointer that POSIX requires to be usable as a
 * function pointer (POSIX.1-2017, dlsym); it is copied into the table's
 * member of the function's own type. */
_Static_assert(sizeof(void *) == sizeof(void (*)(void)),
    "function pointers are the size of object pointers");

static const struct {
	const char	*name;
	size_t		 off;
} syms[] = {
#define JTA_PQ_SYM(f)	{ #f, offsetof(struct jta_pq_api, f) },
	JTA_PQ_FUNCS(JTA_PQ_SYM)
#undef JTA_PQ_SYM
};

enum jta_err
jta_pq_load(char *msg, size_t msgsz)
{
	static int	 loaded;
	struct jta_pq_api api;
	void		*h, *f;
	const char	*e;
	size_t		 i;

	if (loaded)
		return JTA_OK;
	/* RTLD_LOCAL: its symbols serve this table only.  Never closed: the
	 * process keeps its connections to the end. */
	if ((h = dlopen(JTA_LIBPQ_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		e = dlerror();
		snprintf(msg, msgsz, "database_url: cannot load %s, the "
		    "PostgreSQL client library (Debian: libpq5): %s",
		    JTA_LIBPQ_SONAME, e != NULL ? e : "(no reason given)");
		return JTA_ERR_CONFIG;
	}
	memset(&api, 0, sizeof(api));
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		(void)dlerror();
		if ((f = dlsym(h, syms[i].name)) == NULL) {
			snprintf(msg, msgsz, "database_url: %s has no %s (not "
			    "libpq, or one older than this build's)",
			    JTA_LIBPQ_SONAME, syms[i].name);
			dlclose(h);
			return JTA_ERR_CONFIG;
		}
		memcpy((char *)&api + syms[i].off, &f, sizeof(f));
	}
	jta_pq = api;
	loaded = 1;
	return JTA_OK;
}
