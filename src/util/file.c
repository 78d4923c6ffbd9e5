/* The bounded file reader (see file.h). */
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

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

static const char *kind_name(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
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
	int is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "standard input" : path;
	/* O_NONBLOCK: opening a FIFO without a writer must not block here; the poll below bounds it. */
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", name, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot read %s: %s", name, strerror(errno));
		goto fail_fd;
	}
	/* A terminal only as stdin (a typed key); every other device is refused. */
	bool tty = is_stdin && S_ISCHR(st.st_mode) && isatty(fd);
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !tty) {
		snprintf(err, errlen, "%s is %s, not a file", name, kind_name(st.st_mode));
		goto fail_fd;
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size > max && !(flags & FILE_READ_FIRST_LINE)) {
		snprintf(err, errlen, "%s is larger than %zu bytes", name, max);
		goto fail_fd;
	}
	/* Pipes and terminals: wait for POLLIN before each read, so that a FIFO whose writer has not
	 * opened it yet (read() would say end of file) is waited for, up to the deadline. */
	bool wait_first = !S_ISREG(st.st_mode);
	int fl = fcntl(fd, F_GETFL);
	bool restore = false;
	if (fl >= 0 && !(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0)
		restore = true; /* stdin: our own non-blocking reads, put back afterwards */

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
			struct pollfd p = {.fd = fd, .events = POLLIN};
			int k = now >= end ? 0 : poll(&p, 1, (int)(end - now));
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				snprintf(err, errlen, "cannot wait for %s: %s", name, strerror(errno));
				break;
			}
			if (k == 0) {
				snprintf(err, errlen,
					 "%s delivered no end of data within %u ms (a pipe or FIFO nobody writes to?)", name,
					 timeout_ms);
				break;
			}
		}
		ssize_t r = read(fd, buf + got, cap - got);
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
		snprintf(err, errlen, "cannot read %s: %s", name, strerror(errno));
		break;
	}
	if (restore)
		(void)fcntl(fd, F_SETFL, fl);
	if (!is_stdin)
		close(fd);
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

fail_fd:
	if (!is_stdin)
		close(fd);
	return -1;
}
