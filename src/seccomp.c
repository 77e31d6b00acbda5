/* seccomp.c: placeholder until the policy lands: installs nothing. */
#include "seccomp.h"

int pj_seccomp_compile(const struct pj_config *cfg, int *ret_fd, struct pj_err *err)
{
	*ret_fd = -1;
	return 0;
}

int pj_seccomp_install(int bpf_fd, int *ret_notify_fd, struct pj_err *err)
{
	*ret_notify_fd = -1;
	return 0;
}

int pj_seccomp_notify_handle(int notify_fd, struct pj_denied *denied)
{
	return -ENOSYS;
}

const char *pj_seccomp_syscall_name(int nr)
{
	return "?";
}

void pj_seccomp_describe(FILE *out)
{
}
