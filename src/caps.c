/* caps.c: drop every capability (libcap) and set no_new_privs.  Runs in the
 * child after all mounts, before the payload is forked. */
#include "caps.h"

#include <linux/securebits.h>
#include <sys/capability.h>
#include <sys/prctl.h>

int pj_caps_drop_all(bool inner_root, struct pj_err *err)
{
	cap_t none;

	/* The bounding set first: dropping it needs CAP_SETPCAP, which goes below. */
	for (cap_value_t c = 0; CAP_IS_SUPPORTED(c); c++)
		if (cap_drop_bound(c) < 0)
			return pj_fail(err, errno, "drop capability %d from the bounding set", c);
	if (cap_reset_ambient() < 0 && errno != EINVAL)
		return pj_fail(err, errno, "clear ambient capabilities");
	/* uid 0 inside would get every capability back at execve. */
	if (inner_root && prctl(PR_SET_SECUREBITS,
				SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
					SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED,
				0, 0, 0) < 0)
		return pj_fail(err, errno, "lock securebits");
	none = cap_init();
	if (!none)
		return pj_fail(err, errno, "cap_init");
	if (cap_set_proc(none) < 0) {
		cap_free(none);
		return pj_fail(err, errno, "clear capabilities");
	}
	cap_free(none);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return pj_fail(err, errno, "set no_new_privs");
	return 0;
}
