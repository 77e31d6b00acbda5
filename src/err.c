/* err.c: filling struct pj_err.  Never prints: only the front and the
 * supervisor turn a record into text. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int pj_fail(struct pj_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (code < 0)
		code = -code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	if (code > 0 && n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(code));
	return code > 0 ? -code : -EINVAL;
}

void pj_fail_prefix(struct pj_err *err, const char *fmt, ...)
{
	char old[sizeof(err->msg)];
	size_t n;
	va_list ap;

	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	if (n + 1 < sizeof(err->msg))
		memcpy(err->msg + n, old, strnlen(old, sizeof(err->msg) - n - 1) + 1);
	err->msg[sizeof(err->msg) - 1] = '\0';
}

const char *pj_stage_name(enum pj_stage stage)
{
	static const char *const names[] = {
		[PJ_STAGE_NONE] = "pyjail",         [PJ_STAGE_CONFIG] = "config",
		[PJ_STAGE_PREFLIGHT] = "preflight", [PJ_STAGE_CGROUP] = "cgroup",
		[PJ_STAGE_CLONE] = "clone",         [PJ_STAGE_USERNS] = "user namespace",
		[PJ_STAGE_MOUNTS] = "mounts",       [PJ_STAGE_NET] = "network",
		[PJ_STAGE_CAPS] = "capabilities",   [PJ_STAGE_SECCOMP] = "seccomp",
		[PJ_STAGE_EXEC] = "exec",           [PJ_STAGE_SUPERVISE] = "supervisor",
	};
	if ((unsigned)stage >= sizeof(names) / sizeof(names[0]) || !names[stage])
		return "pyjail";
	return names[stage];
}
