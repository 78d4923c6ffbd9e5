/* The output folder on Linux (see dirw.h): a directory descriptor and *at() calls. */
#include "util/dirw.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* renameat */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_TRIES 100
#define NAME_MAX_LEN 4096

struct dirw {
	int fd;
};

int dirw_mkdir_path(const char *path)
{
	return mkdir(path, 0755);
}

struct dirw *dirw_open(const char *path)
{
	struct dirw *d = malloc(sizeof *d);
	if (!d)
		return NULL;
	d->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->fd < 0) {
		int e = errno;
		free(d);
		errno = e;
		return NULL;
	}
	return d;
}

struct dirw *dirw_open_parent(const char *path, const char **name)
{
	const char *slash = strrchr(path, '/');
	*name = slash ? slash + 1 : path;
	if (!**name) {
		errno = EISDIR;
		return NULL;
	}
	if (!slash)
		return dirw_open(".");
	if (slash == path)
		return dirw_open("/");
	size_t n = (size_t)(slash - path);
	char *dir = malloc(n + 1);
	if (!dir)
		return NULL;
	memcpy(dir, path, n);
	dir[n] = '\0';
	struct dirw *d = dirw_open(dir);
	int e = errno;
	free(dir);
	errno = e;
	return d;
}

void dirw_close(struct dirw *d)
{
	if (!d)
		return;
	close(d->fd);
	free(d);
}

int dirw_mkdir(struct dirw *d, const char *rel)
{
	return mkdirat(d->fd, rel, 0755);
}

bool dirw_exists(struct dirw *d, const char *rel)
{
	struct stat st;
	return fstatat(d->fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int dirw_list(struct dirw *d, const char *sub, dirw_entry_fn fn, void *ctx)
{
	int fd = sub && *sub ? openat(d->fd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
			     : fcntl(d->fd, F_DUPFD_CLOEXEC, 0);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		errno = e;
		return -1;
	}
	rewinddir(dir); /* a duplicate shares the offset: start from the top */
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fn(ctx, de->d_name) != 0)
			break;
	}
	closedir(dir);
	return 0;
}

int dirw_remove(struct dirw *d, const char *rel)
{
	return unlinkat(d->fd, rel, 0);
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int dirw_write(struct dirw *d, const char *rel, const void *data, size_t len, unsigned mode, unsigned flags)
{
	char tmp[NAME_MAX_LEN];
	int fd = -1;
	for (int i = 0; i < TMP_TRIES && fd < 0; i++) {
		if (dirw_tmp_name(rel, tmp, sizeof tmp) != 0)
			return -1;
		fd = openat(d->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
		if (fd < 0 && errno != EEXIST)
			return -1;
	}
	if (fd < 0)
		return -1; /* EEXIST every time */
	int rc = write_all(fd, data, len);
	if (rc == 0 && (flags & DIRW_SYNC))
		rc = fsync(fd);
	int e = errno;
	if (close(fd) != 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	if (rc == 0 && renameat(d->fd, tmp, d->fd, rel) != 0) {
		rc = -1;
		e = errno;
	}
	if (rc != 0) {
		(void)unlinkat(d->fd, tmp, 0);
		errno = e;
	}
	return rc;
}
