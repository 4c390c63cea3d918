/*
 * Strict text (jta_text.h): the number parser, UTF-8 validity, key
 * syntax.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "jta_text.h"

int
jta_text_parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t	 v = 0;
	size_t		 i;

	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

size_t
jta_text_utf8_next(const char *str, size_t len, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t	 n, k;
	uint32_t c;

	if (len == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 1;
		c = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 2;
		c = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 3;
		c = s[0] & 0x07u;
	} else
		return 0;
	if (len - 1 < n)
		return 0;
	for (k = 1; k <= n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[k] & 0x3fu);
	}
	if ((n == 2 && c < 0x800) || (n == 3 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n + 1;
}

int
jta_text_utf8_valid(const char *str, size_t len)
{
	size_t	 i = 0, n;
	uint32_t cp;

	while (i < len) {
		if ((n = jta_text_utf8_next(str + i, len - i, &cp)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

int
jta_text_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
jta_text_u64(uint64_t v, char dst[JTA_TEXT_U64_MAX])
{
	char	 rev[JTA_TEXT_U64_MAX];
	size_t	 n = 0, i;

	do {
		rev[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		dst[i] = rev[n - 1 - i];
	return n;
}

int
jta_text_is_project_key(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > JTA_LIMIT_PROJECT_KEY || s[0] < 'A' ||
	    s[0] > 'Z')
		return 0;
	for (i = 1; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

int
jta_text_is_kb_name(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > JTA_LIMIT_KB_ID)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_' || s[i] == '~'))
			return 0;
	return 1;
}

int
jta_text_parse_issue_key(const char *s, size_t len, char *proj,
    size_t projsz, int64_t *num)
{
	const char	*dash;
	uint64_t	 n;
	size_t		 pl;

	if (len > JTA_LIMIT_ISSUE_KEY ||
	    (dash = memchr(s, '-', len)) == NULL)
		return -1;
	pl = (size_t)(dash - s);
	if (!jta_text_is_project_key(s, pl) || pl >= projsz ||
	    jta_text_parse_uint(dash + 1, len - pl - 1, INT32_MAX, &n) != 0 ||
	    n == 0)
		return -1;
	memcpy(proj, s, pl);
	proj[pl] = '\0';
	*num = (int64_t)n;
	return 0;
}
