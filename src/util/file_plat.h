/* What file.c asks of the platform file (file_posix.c, file_win.c): opening the source of a bounded
 * read, waiting for it with a deadline, reading it. Internal to src/util/ (see util/file.h). */
#ifndef VPNDIAG_UTIL_FILE_PLAT_H
#define VPNDIAG_UTIL_FILE_PLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum file_kind {
	FILE_KIND_REGULAR, /* a regular file: reads never wait */
	FILE_KIND_PIPE,    /* a pipe or FIFO: data may come later, or never */
	FILE_KIND_TTY,     /* stdin only: a terminal or console, a line typed */
};

/* One open source. Filled by file_plat_open; the fields a platform does not use stay 0/-1. */
struct file_src {
	int fd;            /* Linux: the descriptor */
	void *handle;      /* Windows: the HANDLE */
	bool is_stdin;     /* not closed by file_plat_close */
	enum file_kind kind;
	uint64_t size;     /* a regular file's size, 0 when unknown */
	int saved_flags;   /* Linux: stdin's file status flags to put back, -1 when unchanged */
	bool line_pending; /* Windows console: the last read left part of a typed line */
	void *reader;      /* Windows: a reader thread's state, for a pipe PeekNamedPipe cannot look into */
};

/* Opens path ("-" = stdin; name is what messages call it) and classifies it; directories, devices
 * and sockets are refused. Returns 0, or -1 with a one-line reason in err (the caller's buffer). */
int file_plat_open(struct file_src *s, const char *path, const char *name, char *err, size_t errlen);
/* Waits at most ms for s to have data or its end: 1 ready, 0 time is up, -1 error (errno). */
int file_plat_wait(struct file_src *s, uint32_t ms);
/* Reads at most n bytes into buf (the caller's): >0 bytes read, 0 end of data, -1 error with errno
 * (EAGAIN or EINTR: nothing yet, wait again). */
long file_plat_read(struct file_src *s, void *buf, size_t n);
/* Closes s (stdin stays open, its flags put back). */
void file_plat_close(struct file_src *s);

#endif
