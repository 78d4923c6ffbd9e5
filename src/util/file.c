/* The bounded file reader (see file.h); the platform part is file_posix.c / file_win.c. */
#include "util/file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "util/file_plat.h"
#include "util/sys.h"

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void file_free_wiped(uint8_t *p, size_t len)
{
	if (!p)
		return;
	OPENSSL_cleanse(p, len);
	free(p);
}

/* Grows *buf (capacity *cap, *len used) towards max+1, wiping the old copy. */
static int grow(uint8_t **buf, size_t *cap, size_t len, size_t max)
{
	size_t ncap = *cap ? *cap * 2 : 4096;
	if (ncap > max + 1 || ncap < *cap)
		ncap = max + 1;
	uint8_t *n = malloc(ncap + 1);
	if (!n)
		return -1;
	if (*buf) {
		memcpy(n, *buf, len);
		file_free_wiped(*buf, *cap + 1);
	}
	*buf = n;
	*cap = ncap;
	return 0;
}

int file_read_bounded(const char *path, size_t max, uint32_t timeout_ms, unsigned flags, uint8_t **out,
		      size_t *len, char *err, size_t errlen)
{
	*out = NULL;
	*len = 0;
	const char *name = strcmp(path, "-") == 0 ? "standard input" : path;
	struct file_src src;
	if (file_plat_open(&src, path, name, err, errlen) != 0)
		return -1;
	if (src.kind == FILE_KIND_REGULAR && src.size > max && !(flags & FILE_READ_FIRST_LINE)) {
		snprintf(err, errlen, "%s is larger than %zu bytes", name, max);
		file_plat_close(&src);
		return -1;
	}
	/* Pipes and terminals: wait before each read, up to the deadline. */
	bool wait_first = src.kind != FILE_KIND_REGULAR;

	uint8_t *buf = NULL;
	size_t cap = 0, got = 0;
	uint64_t end = now_ms() + timeout_ms;
	int rc = -1;
	for (;;) {
		if (got == cap) {
			if (cap >= max + 1) {
				snprintf(err, errlen, "%s is larger than %zu bytes", name, max);
				break;
			}
			if (grow(&buf, &cap, got, max) != 0) {
				snprintf(err, errlen, "out of memory reading %s", name);
				break;
			}
		}
		if (wait_first) {
			uint64_t now = now_ms();
			int k = now >= end ? 0 : file_plat_wait(&src, (uint32_t)(end - now));
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				snprintf(err, errlen, "cannot wait for %s: %s", name, sys_strerror(errno));
				break;
			}
			if (k == 0) {
				snprintf(err, errlen,
					 "%s delivered no end of data within %u ms (a pipe or FIFO nobody writes to?)", name,
					 timeout_ms);
				break;
			}
		}
		long r = file_plat_read(&src, buf + got, cap - got);
		if (r > 0) {
			size_t before = got;
			got += (size_t)r;
			if ((flags & FILE_READ_FIRST_LINE) && memchr(buf + before, '\n', got - before)) {
				rc = 0;
				break;
			}
			continue;
		}
		if (r == 0) {
			rc = 0;
			break;
		}
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
			wait_first = true; /* a non-blocking read with nothing yet: wait, bounded */
			continue;
		}
		snprintf(err, errlen, "cannot read %s: %s", name, sys_strerror(errno));
		break;
	}
	file_plat_close(&src);
	if (rc != 0) {
		file_free_wiped(buf, cap + (buf ? 1 : 0));
		return -1;
	}
	if (!buf) { /* an empty file */
		buf = malloc(1);
		if (!buf) {
			snprintf(err, errlen, "out of memory reading %s", name);
			return -1;
		}
		cap = 0;
	}
	buf[got] = 0; /* buffers have cap + 1 bytes */
	*out = buf;
	*len = got;
	return 0;
}
