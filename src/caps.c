/* caps.c: drop every capability (libcap) and set no_new_privs.  Runs in the
 * child after all mounts, before the payload is forked. */
#include "caps.h"

#include <linux/securebits.h>
#include <sys/capability.h>
#include <sys/prctl.h>

int pj_caps_drop_all(bool inner_root, struct pj_err *err)
{
	/* The bounding set first: dropping it needs CAP_SETPCAP, which goes below.
	 * cap_max_bits() is probed once by libcap; CAP_IS_SUPPORTED would ask the
	 * kernel again for every capability. */
	for (cap_value_t c = 0; c < cap_max_bits(); c++)
		if (cap_drop_bound(c) < 0)
			return pj_fail(err, errno, "drop capability %d from the bounding set", c);
	/* One call; libcap's cap_reset_ambient() first asks about each capability. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return pj_fail(err, errno, "clear ambient capabilities");
	/* uid 0 inside would get every capability back at execve. */
	if (inner_root && prctl(PR_SET_SECUREBITS,
				SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
					SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED,
				0, 0, 0) < 0)
		return pj_fail(err, errno, "lock securebits");
	if (pj_caps_clear(err) < 0)
		return -err->code;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return pj_fail(err, errno, "set no_new_privs");
	return 0;
}

/* setns needs CAP_SYS_ADMIN, and CAP_SYS_CHROOT for a mount namespace. */
static const cap_value_t zygote_caps[] = { CAP_SYS_ADMIN, CAP_SYS_CHROOT, CAP_SETPCAP };

static bool is_zygote_cap(cap_value_t c)
{
	for (size_t i = 0; i < sizeof(zygote_caps) / sizeof(zygote_caps[0]); i++)
		if (zygote_caps[i] == c)
			return true;
	return false;
}

int pj_caps_zygote(struct pj_err *err)
{
	cap_t caps = cap_get_proc();
	int r = 0;

	if (!caps)
		return pj_fail(err, errno, "cap_get_proc");
	for (cap_value_t c = 0; c < cap_max_bits(); c++)
		if (!is_zygote_cap(c) && cap_drop_bound(c) < 0)
			r = pj_fail(err, errno, "drop capability %d from the bounding set", c);
	/* Ambient capabilities must be inheritable first. */
	if (r >= 0 && (cap_set_flag(caps, CAP_INHERITABLE, 3, zygote_caps, CAP_SET) < 0 ||
		       cap_set_proc(caps) < 0))
		r = pj_fail(err, errno, "set inheritable capabilities");
	for (size_t i = 0; r >= 0 && i < sizeof(zygote_caps) / sizeof(zygote_caps[0]); i++)
		if (cap_set_ambient(zygote_caps[i], CAP_SET) < 0)
			r = pj_fail(err, errno, "raise ambient capability %d", zygote_caps[i]);
	cap_free(caps);
	if (r >= 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = pj_fail(err, errno, "set no_new_privs");
	return r;
}

int pj_caps_clear(struct pj_err *err)
{
	cap_t none = cap_init();
	int r = 0;

	if (!none)
		return pj_fail(err, errno, "cap_init");
	if (cap_set_proc(none) < 0)
		r = pj_fail(err, errno, "clear capabilities");
	cap_free(none);
	return r;
}
