/* sync.c: messages over the SEQPACKET socket (see sync.h for the protocol). */
#include "sync.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int pj_sync_open(int fds[2], struct pj_err *err)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return pj_fail(err, errno, "socketpair");
	return 0;
}

int pj_sync_sendv(int fd, const struct pj_msg *msg, const int *fds, unsigned nfds)
{
	return pj_sync_send_raw(fd, msg, sizeof(*msg), fds, nfds);
}

int pj_sync_send_raw(int fd, const void *data, size_t len, const int *fds, unsigned nfds)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(PJ_SYNC_MAX_FDS * sizeof(int))];
	} u;
	struct iovec iov = { (void *)data, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds > PJ_SYNC_MAX_FDS)
		return -EINVAL;
	if (nfds > 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	while (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

int pj_sync_send(int fd, const struct pj_msg *msg, int pass_fd)
{
	return pj_sync_sendv(fd, msg, &pass_fd, pass_fd >= 0 ? 1 : 0);
}

/* Keep the fds that fit, close any beyond max. */
static unsigned take_fds(struct msghdr *mh, int *fds, unsigned max)
{
	unsigned got = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int f;
			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (got < max)
				fds[got++] = f;
			else
				close(f);
		}
	}
	return got;
}

int pj_sync_recvv(int fd, struct pj_msg *msg, int *fds, unsigned max, unsigned *ret_n)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(PJ_SYNC_MAX_FDS * sizeof(int))];
	} u;
	struct iovec iov = { msg, sizeof(*msg) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	unsigned n_fds;
	ssize_t n;

	*ret_n = 0;
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	n_fds = take_fds(&mh, fds, max);
	if (n == 0 || (size_t)n != sizeof(*msg)) {
		for (unsigned i = 0; i < n_fds; i++)
			close(fds[i]);
		return n == 0 ? 0 : -EPROTO;
	}
	*ret_n = n_fds;
	return 1;
}

int pj_sync_recv(int fd, struct pj_msg *msg, int *ret_fd)
{
	int f = -1, r;
	unsigned n;

	r = pj_sync_recvv(fd, msg, &f, ret_fd ? 1 : 0, &n);
	if (ret_fd)
		*ret_fd = n ? f : -1;
	return r;
}

int pj_sync_send_error(int fd, const struct pj_err *err)
{
	struct pj_msg m = { .type = PJ_MSG_ERROR, .err = *err };

	return pj_sync_send(fd, &m, -1);
}
