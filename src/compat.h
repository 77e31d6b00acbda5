/* compat.h: what glibc's headers declare and musl's do not.  pyjail calls these
 * through syscall(2) with the kernel's values, so both C libraries build it. */
#ifndef PJ_COMPAT_H
#define PJ_COMPAT_H

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif

#endif
