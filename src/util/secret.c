#include "util/secret.h"
#include "util/file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "util/sys.h"

static int take(struct secret *s, const uint8_t *buf, size_t n, char *err, size_t errlen)
{
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n == 0) {
		snprintf(err, errlen, "the secret is empty");
		return -1;
	}
	if (memchr(buf, '\n', n) || memchr(buf, '\0', n)) {
		snprintf(err, errlen, "the secret must be one line of text");
		return -1;
	}
	secret_wipe(s);
	s->p = malloc(n);
	if (!s->p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	(void)sys_lock_mem(s->p, n); /* best effort: keep it out of swap */
	memcpy(s->p, buf, n);
	s->len = n;
	return 0;
}

int secret_read_file(struct secret *s, const char *path, uint32_t timeout_ms, char *err, size_t errlen)
{
	uint8_t *buf;
	size_t got;
	char why[256];
	if (file_read_bounded(path, SECRET_MAX + 2, timeout_ms, FILE_READ_FIRST_LINE, &buf, &got, why, sizeof why) != 0) {
		snprintf(err, errlen, "secret file: %s", why);
		return -1;
	}
	uint8_t *nl = memchr(buf, '\n', got);
	size_t n = nl ? (size_t)(nl - buf) + 1 : got;
	int rc;
	if (n > SECRET_MAX + 2) {
		snprintf(err, errlen, "the secret in %s is longer than %u bytes", path, SECRET_MAX);
		rc = -1;
	} else {
		rc = take(s, buf, n, err, errlen);
	}
	file_free_wiped(buf, got);
	return rc;
}

int secret_from_env(struct secret *s, const char *name, char *err, size_t errlen)
{
	char *v = getenv(name);
	if (!v || !*v)
		return 0;
	size_t n = strlen(v);
	int rc = n > SECRET_MAX ? -1 : take(s, (const uint8_t *)v, n, err, errlen);
	if (n > SECRET_MAX)
		snprintf(err, errlen, "%s is longer than %u bytes", name, SECRET_MAX);
	OPENSSL_cleanse(v, n);
	(void)sys_unsetenv(name);
	return rc == 0 ? 1 : -1;
}

int secret_from_bytes(struct secret *s, const uint8_t *buf, size_t n, char *err, size_t errlen)
{
	if (n > SECRET_MAX) {
		snprintf(err, errlen, "the secret is longer than %u bytes", SECRET_MAX);
		return -1;
	}
	return take(s, buf, n, err, errlen);
}

void secret_wipe(struct secret *s)
{
	if (s->p) {
		OPENSSL_cleanse(s->p, s->len);
		sys_unlock_mem(s->p, s->len);
		free(s->p);
	}
	s->p = NULL;
	s->len = 0;
}
