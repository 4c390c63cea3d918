/*
 * What a verified TLS connection adds to a worker's memory, with libcurl's
 * CA bundle or with its CA directory alone (tests/bench/bench_tls_rss.py
 * builds and runs it; it is not part of the product).  It starts libcurl
 * as jta_http_global_init does (GnuTLS's implicit start-up skipped,
 * OpenSSL without its error strings), then makes one https transfer with
 * verification on (libcurl's defaults) on one easy handle, and prints the
 * process's RSS, its heap and libcrypto's pages (from /proc/self/smaps)
 * after each step.
 *
 *   tls_rss bundle|dir URL
 *
 * "bundle" keeps libcurl's default CA file (OpenSSL parses all of it);
 * "dir" sets CURLOPT_CAINFO to NULL as jta_http does (jta_http_ca_lazy),
 * leaving libcurl's default CA directory.  The runner's server is
 * self-signed, so verification fails (CURLE_PEER_FAILED_VERIFICATION, 60)
 * after the store is built and the chain looked up, which is what is
 * measured; a real chain adds its one root from the directory.
 */
#include <curl/curl.h>
#include <openssl/ssl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int _gnutls_global_init_skip(void);

int
_gnutls_global_init_skip(void)
{
	return 1;
}

static void
report(const char *step)
{
	FILE	*f;
	char	 line[512], name[256] = "";
	long	 v, rss = 0, heap = 0, crypto = 0, ssl = 0;

	if ((f = fopen("/proc/self/smaps", "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char	 path[256] = "";
		unsigned long a, b;

		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %255s", &a, &b,
		    path) >= 2 && strchr(line, ':') != NULL &&
		    line[strspn(line, "0123456789abcdef")] == '-') {
			snprintf(name, sizeof(name), "%s", path);
			continue;
		}
		if (sscanf(line, "Rss: %ld", &v) == 1) {
			rss += v;
			if (strcmp(name, "[heap]") == 0)
				heap += v;
			else if (strstr(name, "libcrypto") != NULL)
				crypto += v;
			else if (strstr(name, "libssl") != NULL)
				ssl += v;
		}
	}
	fclose(f);
	printf("%-28s RSS %6ld KiB, heap %5ld, libcrypto %5ld, libssl %4ld\n",
	    step, rss, heap, crypto, ssl);
}

static size_t
sink(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

int
main(int argc, char **argv)
{
	CURL		*h;
	CURLcode	 cc;
	char		 what[64];

	if (argc != 3 || (strcmp(argv[1], "bundle") != 0 &&
	    strcmp(argv[1], "dir") != 0)) {
		fprintf(stderr, "usage: tls_rss bundle|dir URL\n");
		return 2;
	}
	report("loaded");
	OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_SSL_STRINGS |
	    OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, NULL);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (h = curl_easy_init()) == NULL)
		return 1;
	report("libcurl started");
	curl_easy_setopt(h, CURLOPT_URL, argv[2]);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
	if (strcmp(argv[1], "dir") == 0)
		curl_easy_setopt(h, CURLOPT_CAINFO, (char *)NULL);
	cc = curl_easy_perform(h);
	snprintf(what, sizeof(what), "one https call (%s), %d", argv[1],
	    (int)cc);
	report(what);
	cc = curl_easy_perform(h);
	snprintf(what, sizeof(what), "a second one, %d", (int)cc);
	report(what);
	curl_easy_cleanup(h);
	curl_global_cleanup();
	return 0;
}
