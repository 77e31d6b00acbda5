/* seccomp.h: the syscall policy.  Compiled to BPF in the parent (libseccomp),
 * installed by the payload as its last step before execve; what it refuses is
 * answered and counted by the supervisor through a user-notification fd. */
#ifndef PJ_SECCOMP_H
#define PJ_SECCOMP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "err.h"

/* Syscalls the filter refused (or, in log mode, reported), by name. */
#define PJ_MAX_DENIED 64
struct pj_denied {
	struct {
		int nr;
		uint64_t count;
	} e[PJ_MAX_DENIED];
	unsigned n;
	uint64_t dropped; /* notifications beyond PJ_MAX_DENIED distinct syscalls */
};

/* Config: check the words of [seccomp] allow (allow = true) or deny: every
 * syscall and @group must exist; always-denied and argument-checked calls may
 * not be allowed; calls pyjail itself needs may not be denied. */
int pj_seccomp_check_list(const struct pj_strv *words, bool allow, struct pj_err *err);
/* A stable hash of the effective policy (with the table's version): the same
 * key means the same BPF program, so a compiled program can be cached by it. */
int pj_seccomp_policy_key(const struct pj_config *cfg, uint64_t *ret_key, struct pj_err *err);
/* Parent: build the filter for cfg into a sealed memfd holding the BPF program. */
int pj_seccomp_compile(const struct pj_config *cfg, int *ret_fd, struct pj_err *err);
/* Payload: install the filter from the memfd.  If the policy reports denials, the
 * listener fd is returned in *ret_notify_fd (else -1). */
int pj_seccomp_install(int bpf_fd, int *ret_notify_fd, struct pj_err *err);
/* Supervisor: answer one pending notification (EPERM, or continue in log mode)
 * and count it.  Returns -errno when the listener is gone. */
int pj_seccomp_notify_handle(int notify_fd, struct pj_denied *denied);
/* Name of a syscall number of the native ABI ("?" if unknown). */
const char *pj_seccomp_syscall_name(int nr);
/* For `pyjail check` and pyjail(1): what the default policy blocks. */
void pj_seccomp_describe(FILE *out);

#endif
