/* Secrets: read from a file, stdin or the environment, never echoed, wiped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/secret.h"

static char path[64];

static void write_file(const char *content, size_t n)
{
	snprintf(path, sizeof path, "/tmp/vpndiag-secret-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, n), (ssize_t)n);
	close(fd);
}

static void from_file(void **state)
{
	struct secret s = {NULL, 0};
	char err[200];
	(void)state;
	write_file("s3cr3t key\r\nsecond line ignored\n", 33);
	assert_int_equal(secret_read_file(&s, path, 2000, err, sizeof err), 0);
	assert_int_equal(s.len, 10);
	assert_memory_equal(s.p, "s3cr3t key", 10);
	secret_wipe(&s);
	assert_null(s.p);
	assert_int_equal(s.len, 0);
	unlink(path);

	write_file("\n", 1);
	assert_int_equal(secret_read_file(&s, path, 2000, err, sizeof err), -1);
	assert_non_null(strstr(err, "empty"));
	unlink(path);

	static char big[SECRET_MAX + 10];
	memset(big, 'k', sizeof big);
	write_file(big, sizeof big);
	assert_int_equal(secret_read_file(&s, path, 2000, err, sizeof err), -1);
	assert_true(strstr(err, "larger") || strstr(err, "longer"));
	assert_null(strstr(err, "kkkk")); /* the secret never goes into a message */
	unlink(path);

	assert_int_equal(secret_read_file(&s, "/nonexistent/psk", 2000, err, sizeof err), -1);
	assert_int_equal(secret_read_file(&s, "/tmp", 2000, err, sizeof err), -1);
}

static void from_env(void **state)
{
	struct secret s = {NULL, 0};
	char err[200];
	(void)state;
	unsetenv("VD_TEST_PSK");
	assert_int_equal(secret_from_env(&s, "VD_TEST_PSK", err, sizeof err), 0);
	setenv("VD_TEST_PSK", "envkey", 1);
	assert_int_equal(secret_from_env(&s, "VD_TEST_PSK", err, sizeof err), 1);
	assert_memory_equal(s.p, "envkey", 6);
	assert_null(getenv("VD_TEST_PSK")); /* taken out of the environment */
	secret_wipe(&s);
}

/* The real binary: a key given through the environment or a file never appears in any output. */
static void never_printed(void **state)
{
	(void)state;
	const char *key = "Zq9-very-secret-psk-7Xw";
	write_file(key, strlen(key));
	for (int mode = 0; mode < 3; mode++) {
		char out[] = "/tmp/vpndiag-out-XXXXXX";
		int fd = mkstemp(out);
		assert_true(fd >= 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			if (mode == 0)
				setenv("VPNDIAG_PSK", key, 1);
			const char *fmt = mode == 2 ? "--monitoring" : "--json";
			if (mode == 0)
				execl(VPNDIAG_BIN, "vpndiag", "probe", "--timeout", "1", fmt, "--verbose", "127.0.0.1", (char *)NULL);
			else
				execl(VPNDIAG_BIN, "vpndiag", "probe", "--timeout", "1", fmt, "--verbose", "--psk-file", path,
				      "127.0.0.1", (char *)NULL);
			_exit(127);
		}
		int st;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st));
		char buf[1 << 16];
		ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
		close(fd);
		unlink(out);
		assert_true(n > 0);
		buf[n] = '\0';
		if (strstr(buf, "very-secret"))
			fail_msg("mode %d printed the key", mode);
	}
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(from_file),
		cmocka_unit_test(from_env),
		cmocka_unit_test(never_printed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
