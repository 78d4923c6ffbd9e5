/* The platform layer on Linux (see sys.h). */
#include "util/sys.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void sys_console_init(void)
{
}

bool sys_colour_ok(FILE *f)
{
	const char *term = getenv("TERM");
	if (!term || strcmp(term, "dumb") == 0)
		return false;
	return isatty(fileno(f));
}

int sys_lock_mem(void *p, size_t len)
{
	return mlock(p, len);
}

void sys_unlock_mem(void *p, size_t len)
{
	(void)munlock(p, len);
}

int sys_unsetenv(const char *name)
{
	return unsetenv(name);
}

const char *sys_strerror(int e)
{
	return strerror(e);
}

int sys_errno_of(unsigned long code)
{
	return (int)code;
}
