/* util/file.c: every file the user names is read once, bounded in size and time (issue 11:
 * a FIFO nobody writes to hung --psk-file and --ca-file forever; /dev/zero had no bound). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/file.h"
#include "util/secret.h"

static uint64_t ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void regular_file(void **state)
{
	(void)state;
	char path[] = "/tmp/vpndiag-file-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "line one\nline two\n", 18), 18);
	close(fd);
	uint8_t *b;
	size_t n;
	char err[200];
	assert_int_equal(file_read_bounded(path, 100, 1000, 0, &b, &n, err, sizeof err), 0);
	assert_int_equal(n, 18);
	assert_memory_equal(b, "line one\nline two\n", 18);
	assert_int_equal(b[n], 0);
	free(b);
	assert_int_equal(file_read_bounded(path, 100, 1000, FILE_READ_FIRST_LINE, &b, &n, err, sizeof err), 0);
	assert_true(n >= 9);
	assert_memory_equal(b, "line one\n", 9);
	file_free_wiped(b, n);
	/* over the bound: refused with the bound in the message, nothing returned */
	assert_int_equal(file_read_bounded(path, 10, 1000, 0, &b, &n, err, sizeof err), -1);
	assert_null(b);
	assert_non_null(strstr(err, "larger than 10 bytes"));
	unlink(path);
}

static void empty_file(void **state)
{
	(void)state;
	char path[] = "/tmp/vpndiag-file-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	uint8_t *b;
	size_t n;
	char err[200];
	assert_int_equal(file_read_bounded(path, 100, 1000, 0, &b, &n, err, sizeof err), 0);
	assert_int_equal(n, 0);
	free(b);
	unlink(path);
}

static void devices_and_dirs(void **state)
{
	(void)state;
	uint8_t *b;
	size_t n;
	char err[200];
	uint64_t t0 = ms();
	assert_int_equal(file_read_bounded("/dev/zero", 1 << 20, 1000, 0, &b, &n, err, sizeof err), -1);
	assert_non_null(strstr(err, "character device"));
	assert_int_equal(file_read_bounded("/dev/urandom", 1 << 20, 1000, FILE_READ_FIRST_LINE, &b, &n, err, sizeof err), -1);
	assert_int_equal(file_read_bounded("/tmp", 100, 1000, 0, &b, &n, err, sizeof err), -1);
	assert_non_null(strstr(err, "directory"));
	assert_int_equal(file_read_bounded("/nonexistent/x", 100, 1000, 0, &b, &n, err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/x"));
	assert_true(ms() - t0 < 500); /* none of these waits */
}

/* A FIFO that nobody writes to: before the fix, open() itself blocked forever. */
static void silent_fifo(void **state)
{
	(void)state;
	char dir[] = "/tmp/vpndiag-fifo-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof path, "%s/f", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	uint8_t *b;
	size_t n;
	char err[200];
	uint64_t t0 = ms();
	assert_int_equal(file_read_bounded(path, 100, 300, 0, &b, &n, err, sizeof err), -1);
	uint64_t took = ms() - t0;
	assert_true(took >= 250 && took < 1500);
	assert_non_null(strstr(err, "within 300 ms"));

	struct secret s = {NULL, 0};
	t0 = ms();
	assert_int_equal(secret_read_file(&s, path, 300, err, sizeof err), -1);
	assert_true(ms() - t0 < 1500);
	assert_null(s.p);
	unlink(path);
	rmdir(dir);
}

/* A FIFO with a writer (process substitution, `--psk-file <(pass show vpn)`) still works. */
static void fifo_with_writer(void **state)
{
	(void)state;
	char dir[] = "/tmp/vpndiag-fifo-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof path, "%s/f", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		FILE *f = fopen(path, "w");
		if (!f)
			_exit(1);
		usleep(100 * 1000);
		fputs("k3y\n", f);
		fclose(f);
		_exit(0);
	}
	struct secret s = {NULL, 0};
	char err[200];
	assert_int_equal(secret_read_file(&s, path, 3000, err, sizeof err), 0);
	assert_int_equal(s.len, 3);
	assert_memory_equal(s.p, "k3y", 3);
	secret_wipe(&s);
	int st;
	waitpid(pid, &st, 0);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(regular_file),
		cmocka_unit_test(empty_file),
		cmocka_unit_test(devices_and_dirs),
		cmocka_unit_test(silent_fifo),
		cmocka_unit_test(fifo_with_writer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
