/* One bounded reader for every file the user names (--psk-file, --ca-file, --data folders,
 * templates, profiles): read once, before any probe runs, with a size bound and a time bound, so
 * that a FIFO nobody writes to, a device such as /dev/zero or /dev/tty, or a huge file gives a
 * clear one-line error instead of a hang or an unbounded read.
 *
 * Accepted: regular files, and pipes/FIFOs ("-" for stdin, process substitution `<(...)`) that
 * deliver their bytes before the deadline. Refused: directories, character and block devices,
 * sockets. On Windows (file_win.c) there are no FIFOs: a path is a regular file or a named pipe,
 * stdin a file, a pipe (waited for by polling, bounded the same) or a console (a typed line);
 * NUL, COM1 and other devices are refused.
 *
 * Ownership: *out is malloc'd for the caller (free it, or file_free_wiped() for secrets); on error
 * nothing is left allocated. Buffers grown on the way are wiped before they are freed, so a secret
 * leaves no copy on the heap. */
#ifndef VPNDIAG_UTIL_FILE_H
#define VPNDIAG_UTIL_FILE_H

#include <stddef.h>
#include <stdint.h>

/* The wait for data files (knowledge base, templates, profiles) given as folders or paths: a
 * regular file never waits; a FIFO that stays silent this long is an error. */
#define FILE_DATA_TIMEOUT_MS 2000u

enum file_read_flags {
	FILE_READ_FIRST_LINE = 1u, /* stop after the first '\n' (it stays in *out) */
};

/* Reads path ("-" = stdin) into a new buffer of at most max bytes (a NUL is appended after the
 * *len bytes and not counted). Waits at most timeout_ms for a pipe to deliver. Returns 0, or -1
 * with a one-line reason in err that names the path and never contains file content. */
int file_read_bounded(const char *path, size_t max, uint32_t timeout_ms, unsigned flags, uint8_t **out,
		      size_t *len, char *err, size_t errlen);

/* Wipes len bytes of p, then frees it. Safe with NULL. */
void file_free_wiped(uint8_t *p, size_t len);

#endif
