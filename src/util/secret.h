/* Secrets (pre-shared keys, passwords): read from a file, stdin or an environment variable, never
 * from argv; kept in one locked buffer; wiped with OPENSSL_cleanse when done. Never printed. */
#ifndef VPNDIAG_UTIL_SECRET_H
#define VPNDIAG_UTIL_SECRET_H

#include <stddef.h>
#include <stdint.h>

#define SECRET_MAX 1024 /* bytes; an IKE pre-shared key is far shorter */

struct secret {
	uint8_t *p; /* NULL when none was given */
	size_t len;
};

/* Reads a secret from path ("-" = stdin): the first line, without its line ending. The file must
 * be a regular file or pipe (util/file.h) whose first line is at most SECRET_MAX bytes, delivered
 * within timeout_ms. Returns 0, or -1 with a one-line reason in err (never the secret). */
int secret_read_file(struct secret *s, const char *path, uint32_t timeout_ms, char *err, size_t errlen);
/* Takes the value of environment variable name, if set and not empty, and removes it from the
 * environment. Returns 1 when taken, 0 when not set, -1 on error (too long, out of memory). */
int secret_from_env(struct secret *s, const char *name, char *err, size_t errlen);
/* Takes a secret from bytes a platform API handed out (one line; the caller wipes its own copy).
 * Returns 0, or -1 with a one-line reason (never the secret). */
int secret_from_bytes(struct secret *s, const uint8_t *buf, size_t n, char *err, size_t errlen);
/* Wipes and frees. Safe on an empty secret. */
void secret_wipe(struct secret *s);

#endif
