/* util.h: cleanup attributes and small helpers shared by every module. */
#ifndef PJ_UTIL_H
#define PJ_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void pj_freep(void *p)
{
	free(*(void **)p);
}
static inline void pj_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
static inline void pj_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_(fn) __attribute__((cleanup(fn)))
#define _cleanup_free_ _cleanup_(pj_freep)
#define _cleanup_close_ _cleanup_(pj_closep)
#define _cleanup_fclose_ _cleanup_(pj_fclosep)

#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _p = (p);                                                            \
		(p) = NULL;                                                                        \
		_p;                                                                                \
	})
#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _fd = (fd);                                                                    \
		(fd) = -1;                                                                         \
		_fd;                                                                               \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Write all of buf to fd, retrying on EINTR and short writes.  -errno on failure. */
int pj_write_all(int fd, const void *buf, size_t len);
/* Write a string to a file by path (O_WRONLY|O_CLOEXEC, no create). */
int pj_write_file(const char *path, const char *text);
int pj_write_fileat(int dirfd, const char *path, const char *text);
/* Read up to size-1 bytes of a small file into buf, NUL-terminated.  -errno on failure. */
int pj_read_fileat(int dirfd, const char *path, char *buf, size_t size);
/* openat2() below dirfd with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: the path, its
 * symlinks and ".." never leave dirfd.  O_CLOEXEC is added; O_CREAT makes mode
 * 0644.  Returns the fd or -errno. */
int pj_open_in_root(int dirfd, const char *path, int flags);
/* Monotonic clock in nanoseconds. */
unsigned long long pj_now_ns(void);

#endif
