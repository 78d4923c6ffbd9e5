/* The platform layer on Windows (see sys.h). */
#include "util/sys.h"

#include <errno.h>
#include <io.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

/* The consoles' state before sys_console_init, put back at exit. */
static struct {
	bool done;
	UINT cp;              /* the output code page to restore, 0 = unchanged */
	HANDLE h[2];          /* stdout's and stderr's console, NULL when not changed */
	DWORD mode[2];
} console;

static void console_restore(void)
{
	for (int i = 1; i >= 0; i--)
		if (console.h[i])
			(void)SetConsoleMode(console.h[i], console.mode[i]);
	if (console.cp)
		(void)SetConsoleOutputCP(console.cp);
}

void sys_console_init(void)
{
	if (console.done)
		return;
	console.done = true;
	UINT cp = GetConsoleOutputCP(); /* 0 without a console */
	if (cp != 0 && cp != CP_UTF8 && SetConsoleOutputCP(CP_UTF8))
		console.cp = cp;
	static const DWORD which[2] = {STD_OUTPUT_HANDLE, STD_ERROR_HANDLE};
	for (int i = 0; i < 2; i++) {
		HANDLE h = GetStdHandle(which[i]);
		DWORD mode;
		if (!h || h == INVALID_HANDLE_VALUE || !GetConsoleMode(h, &mode) ||
		    (mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING))
			continue;
		if (SetConsoleMode(h, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING)) {
			console.h[i] = h;
			console.mode[i] = mode;
		}
	}
	if (console.cp || console.h[0] || console.h[1])
		(void)atexit(console_restore);
}

bool sys_colour_ok(FILE *f)
{
	const char *term = getenv("TERM");
	if (term && strcmp(term, "dumb") == 0)
		return false;
	int fd = _fileno(f);
	HANDLE h = fd >= 0 ? (HANDLE)_get_osfhandle(fd) : INVALID_HANDLE_VALUE;
	DWORD mode;
	return h != INVALID_HANDLE_VALUE && GetConsoleMode(h, &mode) && (mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING);
}

int sys_lock_mem(void *p, size_t len)
{
	return VirtualLock(p, len) ? 0 : -1;
}

void sys_unlock_mem(void *p, size_t len)
{
	(void)VirtualUnlock(p, len);
}

int sys_unsetenv(const char *name)
{
	/* The C library's copy (getenv) and the process's environment block (child processes). */
	int rc = _putenv_s(name, "") == 0 ? 0 : -1;
	if (!SetEnvironmentVariableA(name, NULL) && GetLastError() != ERROR_ENVVAR_NOT_FOUND)
		rc = -1;
	return rc;
}

const char *sys_strerror(int e)
{
	switch (e) {
	case ELOOP:
		return "a symbolic link or junction, not followed";
	case ENOTSUP:
		return "Not supported";
	default:
		return strerror(e);
	}
}

int sys_errno_of(unsigned long code)
{
	switch (code) {
	case ERROR_FILE_NOT_FOUND:
	case ERROR_PATH_NOT_FOUND:
	case ERROR_INVALID_DRIVE:
	case ERROR_BAD_NETPATH:
	case ERROR_BAD_NET_NAME:
		return ENOENT;
	case ERROR_ACCESS_DENIED:
	case ERROR_SHARING_VIOLATION:
	case ERROR_LOCK_VIOLATION:
	case ERROR_WRITE_PROTECT:
	case ERROR_PRIVILEGE_NOT_HELD:
		return EACCES;
	case ERROR_FILE_EXISTS:
	case ERROR_ALREADY_EXISTS:
		return EEXIST;
	case ERROR_DIR_NOT_EMPTY:
		return ENOTEMPTY;
	case ERROR_DIRECTORY:
		return ENOTDIR;
	case ERROR_DISK_FULL:
	case ERROR_HANDLE_DISK_FULL:
		return ENOSPC;
	case ERROR_NOT_ENOUGH_MEMORY:
	case ERROR_OUTOFMEMORY:
		return ENOMEM;
	case ERROR_FILENAME_EXCED_RANGE:
		return ENAMETOOLONG;
	case ERROR_INVALID_NAME:
	case ERROR_BAD_PATHNAME:
	case ERROR_INVALID_PARAMETER:
		return EINVAL;
	case ERROR_TOO_MANY_OPEN_FILES:
		return EMFILE;
	case ERROR_NOT_SAME_DEVICE:
		return EXDEV;
	case ERROR_BROKEN_PIPE:
	case ERROR_NO_DATA:
		return EPIPE;
	case ERROR_CANT_RESOLVE_FILENAME:
		return ELOOP;
	case ERROR_NOT_SUPPORTED:
		return ENOTSUP;
	default:
		return EIO;
	}
}
