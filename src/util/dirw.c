/* The shared part of the output folder (see dirw.h). */
#include "util/dirw.h"

#include <errno.h>
#include <stdio.h>

#include <openssl/rand.h>

int dirw_tmp_name(const char *rel, char *out, size_t outlen)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	static unsigned long counter;
	unsigned char r[6];
	char suffix[sizeof r + 1];
	if (RAND_bytes(r, sizeof r) != 1) { /* no randomness: unique enough, O_EXCL does the rest */
		unsigned long c = ++counter;
		for (size_t i = 0; i < sizeof r; i++, c /= 62)
			r[i] = (unsigned char)(c % 62);
	}
	for (size_t i = 0; i < sizeof r; i++)
		suffix[i] = set[r[i] % 62];
	suffix[sizeof r] = '\0';
	int n = snprintf(out, outlen, "%s.tmp.%s", rel, suffix);
	if (n < 0 || (size_t)n >= outlen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int dirw_write_path(const char *path, const void *data, size_t len, unsigned mode, unsigned flags)
{
	const char *name;
	struct dirw *d = dirw_open_parent(path, &name);
	if (!d)
		return -1;
	int rc = dirw_write(d, name, data, len, mode, flags);
	int e = errno;
	dirw_close(d);
	errno = e;
	return rc;
}
