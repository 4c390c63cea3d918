/*
 * The benchmarks' anchor: a FastCGI program that answers every request
 * with the same JSON, read once from the file named by its one argument
 * (at most 1 MiB).  What a request costs with no work of ours: the web
 * server, the FastCGI hop, libfcgi.  Built and run by
 * tests/bench/bench_store.py under spawn-fcgi; not installed.
 */
#include <stdio.h>
#include <stdlib.h>

#include <fcgiapp.h>

int
main(int argc, char *argv[])
{
	static char	 body[1 << 20];
	FCGX_Stream	*in, *out, *err;
	FCGX_ParamArray	 env;
	FILE		*f;
	size_t		 n;

	if (argc != 2 || (f = fopen(argv[1], "rb")) == NULL)
		return 1;
	n = fread(body, 1, sizeof(body), f);
	fclose(f);
	while (FCGX_Accept(&in, &out, &err, &env) >= 0) {
		FCGX_FPrintF(out, "Status: 200 OK\r\n"
		    "Content-Type: application/json\r\n"
		    "Content-Length: %lu\r\n\r\n", (unsigned long)n);
		FCGX_PutStr(body, (int)n, out);
	}
	return 0;
}
