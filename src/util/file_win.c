/* The bounded file reader's platform part on Windows (see file_plat.h). No FIFOs here: a path is a
 * regular file or a named pipe (\\.\pipe\NAME); stdin is a file, an anonymous pipe or a console.
 * Pipes have no poll(): their wait looks at PeekNamedPipe every 10 ms up to the deadline, and reads
 * only what is there, so a pipe nobody writes to is an error at the deadline, never a hang. Where
 * PeekNamedPipe does not work on a pipe (Wine's stdin from a Unix pipe), a reader thread does the
 * blocking ReadFile and the wait is for that thread, bounded; at the deadline its read is
 * cancelled (CancelSynchronousIo), or, if it cannot be, left behind for the exit to end. A
 * console waits (WaitForSingleObject, bounded) until a whole line is typed (Enter in its input
 * queue), then reads it. Everything is read raw with ReadFile: no CRLF translation. */
#include "util/file_plat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "util/sys.h"

#define PIPE_POLL_MS 10u
#define READ_CHUNK (1u << 30)
#define THREAD_CHUNK (64u * 1024u)
#define CANCEL_TRIES 10 /* a read not yet started cannot be cancelled: try again a little later */
#define CANCEL_WAIT_MS 20u

/* A pipe read by a thread: one ReadFile at a time into buf, handed out by file_plat_read. Owned by
 * the file_src (reader), or by the thread when it could not be stopped at close. */
struct reader {
	HANDLE pipe, thread; /* thread: NULL when no read is running */
	bool have;           /* a finished read waits in ok/err/got/buf */
	BOOL ok;
	DWORD err, got, off;
	unsigned char buf[THREAD_CHUNK];
};

static DWORD WINAPI reader_main(LPVOID arg)
{
	struct reader *r = arg;
	r->ok = ReadFile(r->pipe, r->buf, sizeof r->buf, &r->got, NULL);
	r->err = r->ok ? 0 : GetLastError();
	return 0;
}

/* Waits at most ms for the reader's read (started when none runs): 1 done, 0 not yet, -1 error. */
static int reader_wait(struct reader *r, DWORD ms)
{
	if (r->have)
		return 1;
	if (!r->thread) {
		r->got = r->off = 0;
		r->thread = CreateThread(NULL, 0, reader_main, r, 0, NULL);
		if (!r->thread) {
			errno = sys_errno_of(GetLastError());
			return -1;
		}
	}
	DWORD w = WaitForSingleObject(r->thread, ms);
	if (w == WAIT_TIMEOUT)
		return 0;
	if (w != WAIT_OBJECT_0) {
		errno = sys_errno_of(GetLastError());
		return -1;
	}
	CloseHandle(r->thread);
	r->thread = NULL;
	r->have = true;
	return 1;
}

/* Hands out the finished read: as file_plat_read. */
static long reader_take(struct reader *r, void *buf, size_t n)
{
	if (!r->have) {
		errno = EAGAIN;
		return -1;
	}
	if (!r->ok) {
		r->have = false;
		if (r->err == ERROR_BROKEN_PIPE || r->err == ERROR_PIPE_NOT_CONNECTED || r->err == ERROR_HANDLE_EOF)
			return 0;
		errno = sys_errno_of(r->err);
		return -1;
	}
	if (r->got == 0) {
		r->have = false;
		return 0;
	}
	DWORD k = r->got - r->off;
	if (n < k)
		k = (DWORD)n;
	memcpy(buf, r->buf + r->off, k);
	r->off += k;
	if (r->off == r->got) {
		SecureZeroMemory(r->buf, r->got); /* it may be a secret */
		r->have = false;
	}
	return (long)k;
}

/* Stops the reader; returns false when its thread could not be stopped (r and the pipe are then
 * the thread's, never freed: the process is about to report the error and exit). */
static bool reader_stop(struct reader *r)
{
	if (r->thread) {
		DWORD w = WAIT_TIMEOUT;
		for (int i = 0; i < CANCEL_TRIES && w == WAIT_TIMEOUT; i++) {
			(void)CancelSynchronousIo(r->thread);
			w = WaitForSingleObject(r->thread, CANCEL_WAIT_MS);
		}
		if (w != WAIT_OBJECT_0)
			return false;
		CloseHandle(r->thread);
	}
	SecureZeroMemory(r->buf, sizeof r->buf);
	free(r);
	return true;
}

static void say_error(char *err, size_t errlen, const char *what, const char *name, DWORD code)
{
	snprintf(err, errlen, "%s %s: %s", what, name, sys_strerror(sys_errno_of(code)));
}

int file_plat_open(struct file_src *s, const char *path, const char *name, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	s->fd = -1;
	s->saved_flags = -1;
	s->is_stdin = strcmp(path, "-") == 0;
	HANDLE h;
	if (s->is_stdin) {
		h = GetStdHandle(STD_INPUT_HANDLE);
		if (!h || h == INVALID_HANDLE_VALUE) {
			snprintf(err, errlen, "cannot open %s: there is none", name);
			return -1;
		}
	} else {
		DWORD attr = GetFileAttributesA(path); /* may fail where CreateFileA works (\\.\pipe\NAME) */
		if (attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_DIRECTORY)) {
			snprintf(err, errlen, "%s is a directory, not a file", name);
			return -1;
		}
		h = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
				OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
		if (h == INVALID_HANDLE_VALUE) {
			say_error(err, errlen, "cannot open", name, GetLastError());
			return -1;
		}
	}
	s->handle = h;
	DWORD type = GetFileType(h), mode;
	LARGE_INTEGER size;
	switch (type) {
	case FILE_TYPE_DISK:
		s->kind = FILE_KIND_REGULAR;
		if (GetFileSizeEx(h, &size) && size.QuadPart > 0)
			s->size = (uint64_t)size.QuadPart;
		return 0;
	case FILE_TYPE_PIPE: {
		s->kind = FILE_KIND_PIPE;
		DWORD avail, e;
		if (PeekNamedPipe(h, NULL, 0, NULL, &avail, NULL) ||
		    ((e = GetLastError()) != ERROR_NOT_SUPPORTED && e != ERROR_INVALID_FUNCTION))
			return 0;
		struct reader *r = calloc(1, sizeof *r);
		if (r) {
			r->pipe = h;
			s->reader = r;
			return 0;
		}
		snprintf(err, errlen, "out of memory reading %s", name);
		break;
	}
	case FILE_TYPE_CHAR:
		/* A console only as stdin (a typed line); NUL, COM1 and the like are refused. */
		if (s->is_stdin && GetConsoleMode(h, &mode)) {
			s->kind = FILE_KIND_TTY;
			return 0;
		}
		snprintf(err, errlen, "%s is a character device, not a file", name);
		break;
	default:
		snprintf(err, errlen, "%s is not a regular file, not a file", name);
		break;
	}
	file_plat_close(s);
	return -1;
}

/* 1 when a pipe has data or its writer is gone (ReadFile then says end of data), 0 when empty,
 * -1 on error. *avail: the bytes waiting. */
static int pipe_ready(HANDLE h, DWORD *avail)
{
	*avail = 0;
	if (PeekNamedPipe(h, NULL, 0, NULL, avail, NULL))
		return *avail > 0;
	DWORD e = GetLastError();
	if (e == ERROR_BROKEN_PIPE || e == ERROR_PIPE_NOT_CONNECTED)
		return 1;
	errno = sys_errno_of(e);
	return -1;
}

/* Whether the console's input queue holds Enter (a whole line for ReadFile). */
static int console_line_ready(HANDLE h)
{
	DWORD n = 0, got = 0;
	if (!GetNumberOfConsoleInputEvents(h, &n)) {
		errno = sys_errno_of(GetLastError());
		return -1;
	}
	if (n == 0)
		return 0;
	INPUT_RECORD *rec = calloc(n, sizeof *rec);
	if (!rec) {
		errno = ENOMEM;
		return -1;
	}
	int ready = 0;
	if (PeekConsoleInputA(h, rec, n, &got)) {
		for (DWORD i = 0; i < got && !ready; i++)
			if (rec[i].EventType == KEY_EVENT && rec[i].Event.KeyEvent.bKeyDown &&
			    (rec[i].Event.KeyEvent.uChar.AsciiChar == '\r' || rec[i].Event.KeyEvent.uChar.AsciiChar == '\n'))
				ready = 1;
	} else {
		errno = sys_errno_of(GetLastError());
		ready = -1;
	}
	free(rec);
	return ready;
}

int file_plat_wait(struct file_src *s, uint32_t ms)
{
	if (s->kind == FILE_KIND_REGULAR || (s->kind == FILE_KIND_TTY && s->line_pending))
		return 1;
	if (s->reader)
		return reader_wait(s->reader, ms);
	ULONGLONG end = GetTickCount64() + ms;
	for (;;) {
		DWORD avail;
		int k = s->kind == FILE_KIND_PIPE ? pipe_ready(s->handle, &avail) : console_line_ready(s->handle);
		if (k != 0)
			return k;
		ULONGLONG now = GetTickCount64();
		if (now >= end)
			return 0;
		DWORD left = (DWORD)(end - now);
		if (s->kind == FILE_KIND_PIPE)
			Sleep(left < PIPE_POLL_MS ? left : PIPE_POLL_MS);
		else if (WaitForSingleObject(s->handle, left) == WAIT_FAILED) /* any console event */
			Sleep(left < PIPE_POLL_MS ? left : PIPE_POLL_MS);
	}
}

long file_plat_read(struct file_src *s, void *buf, size_t n)
{
	if (s->reader)
		return reader_take(s->reader, buf, n);
	DWORD want = n > READ_CHUNK ? READ_CHUNK : (DWORD)n, got = 0;
	if (s->kind == FILE_KIND_PIPE) {
		DWORD avail;
		int k = pipe_ready(s->handle, &avail);
		if (k < 0)
			return -1;
		if (k == 0) {
			errno = EAGAIN; /* never block in ReadFile on an empty pipe */
			return -1;
		}
		if (avail > 0 && avail < want)
			want = avail;
	}
	if (!ReadFile(s->handle, buf, want, &got, NULL)) {
		DWORD e = GetLastError();
		if (e == ERROR_BROKEN_PIPE || e == ERROR_PIPE_NOT_CONNECTED || e == ERROR_HANDLE_EOF)
			return 0;
		errno = sys_errno_of(e);
		return -1;
	}
	if (s->kind == FILE_KIND_TTY) /* the rest of a long line waits in the console, without Enter in the queue */
		s->line_pending = got > 0 && ((const char *)buf)[got - 1] != '\n';
	return (long)got;
}

void file_plat_close(struct file_src *s)
{
	bool stopped = !s->reader || reader_stop(s->reader);
	s->reader = NULL;
	if (!s->is_stdin && s->handle && stopped)
		CloseHandle(s->handle);
	s->handle = NULL;
}
