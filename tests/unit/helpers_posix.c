/* The unit tests' helpers that run the vpndiag binary (fork, exec, wait) or bind sockets: Linux
 * only (see helpers.h). */
#include "helpers.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

int th_vd(struct th_run *r, const char *const *args)
{
	const char *argv[40] = {"vpndiag"};
	int n = 1;
	while (n < 39 && args[n - 1])
		argv[n] = args[n - 1], n++;
	argv[n] = NULL;
	FILE *o = tmpfile(), *e = tmpfile();
	assert_non_null(o);
	assert_non_null(e);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fileno(o), 1);
		dup2(fileno(e), 2);
		setenv("NO_COLOR", "1", 1);
		execv(VPNDIAG_BIN, (char *const *)argv);
		_exit(127);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st)); /* never a crash */
	r->status = WEXITSTATUS(st);
	rewind(o);
	rewind(e);
	size_t k = fread(r->out, 1, sizeof r->out - 1, o);
	r->out[k] = '\0';
	k = fread(r->err, 1, sizeof r->err - 1, e);
	r->err[k] = '\0';
	fclose(o);
	fclose(e);
	return r->status;
}

int th_vdl(struct th_run *r, const char *first, ...)
{
	const char *args[40] = {first};
	va_list ap;
	int n = 1;
	va_start(ap, first);
	while (n < 39 && (args[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	args[n] = NULL;
	return th_vd(r, args);
}

int th_bind_udp(int family, uint16_t *port)
{
	int fd = socket(family, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	socklen_t len;
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;
		s->sin_family = AF_INET;
		s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof *s;
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
		s->sin6_family = AF_INET6;
		s->sin6_addr = in6addr_loopback;
		len = sizeof *s;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}
