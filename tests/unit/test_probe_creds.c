/* The credentials options of `vpndiag probe` (issue 13): --user NAME is the VPN user (EAP identity),
 * --password-file PATH / VPNDIAG_PASSWORD its password (never argv, never printed), --run-as the
 * privilege-drop user that --user used to be. Runs the real binary against loopback only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "helpers.h"

static struct th_run R;
static char pwfile[64];
static const char secret[] = "S3cret-pw-7f1c9e";

static int setup(void **state)
{
	(void)state;
	snprintf(pwfile, sizeof pwfile, "/tmp/vd-pw-XXXXXX");
	int fd = mkstemp(pwfile);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, secret, sizeof secret - 1);
	close(fd);
	return n == (ssize_t)(sizeof secret - 1) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	unlink(pwfile);
	return 0;
}

static void usage_errors(void **state)
{
	(void)state;
	assert_int_equal(th_vdl(&R, "probe", "--password-file", pwfile, "127.0.0.1", NULL), 2);
	assert_non_null(strstr(R.err, "--user"));
	assert_int_equal(th_vdl(&R, "probe", "--user", "alice", "127.0.0.1", NULL), 2);
	assert_non_null(strstr(R.err, "--password-file"));
	assert_int_equal(th_vdl(&R, "probe", "--monitoring", "--user", "alice", "127.0.0.1", NULL), 3);
	assert_int_equal(th_vdl(&R, "probe", "--user", "", "--password-file", pwfile, "127.0.0.1", NULL), 2);
	/* the password alone in the environment, without --user */
	setenv("VPNDIAG_PASSWORD", secret, 1);
	assert_int_equal(th_vdl(&R, "probe", "127.0.0.1", NULL), 2);
	unsetenv("VPNDIAG_PASSWORD");
	assert_null(strstr(R.err, secret));
}

static void help_names_both(void **state)
{
	(void)state;
	assert_int_equal(th_vdl(&R, "probe", "--help", NULL), 0);
	assert_non_null(strstr(R.out, "--run-as NAME"));
	assert_non_null(strstr(R.out, "--password-file PATH"));
	assert_non_null(strstr(R.out, "VPNDIAG_PASSWORD"));
	assert_non_null(strstr(R.out, "the VPN user name"));
}

/* A run with credentials against loopback (nothing answers): the password is in no output mode. */
static void secret_never_printed(void **state)
{
	(void)state;
	static const char *const modes[] = {"--json", "--monitoring", "--verbose"};
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		th_vdl(&R, "probe", "--protocols", "ikev2", "--timeout", "0.5", "--user", "alice", "--password-file", pwfile, modes[i],
		       "127.0.0.1", NULL);
		assert_null(strstr(R.out, secret));
		assert_null(strstr(R.err, secret));
		assert_true(strstr(R.out, "ikev2") || strstr(R.out, "IKEv2"));
	}
	setenv("VPNDIAG_PASSWORD", secret, 1);
	th_vdl(&R, "probe", "--protocols", "ikev2", "--timeout", "0.5", "--user", "alice", "--json", "127.0.0.1", NULL);
	unsetenv("VPNDIAG_PASSWORD");
	assert_null(strstr(R.out, secret));
	assert_null(strstr(R.err, secret));
	assert_non_null(strstr(R.out, "\"ikev2\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(usage_errors),
		cmocka_unit_test(help_names_both),
		cmocka_unit_test(secret_never_printed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
