/* userns.c: one-id maps for the jail's user namespace.
 *
 * Unprivileged: the caller's uid/gid appear as the configured inside ids, and
 * setgroups must be denied before a gid_map may be written.  As root: the inside
 * ids map to an unprivileged host uid/gid (host_uid/host_gid), never 0.  Every
 * write checks it really lands in procfs. */
#include "userns.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "util.h"

int pj_userns_write_maps(pid_t pid, const struct pj_plan *plan, struct pj_err *err)
{
	char dir[64];
	_cleanup_close_ int dfd = -1;
	struct statfs sf;
	int r;

	snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fstatfs(dfd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
		return pj_fail(err, dfd < 0 ? errno : EXDEV, "'%s' is not in procfs", dir);
	if (!plan->as_root) {
		r = pj_write_fileat(dfd, "setgroups", "deny");
		if (r < 0)
			return pj_fail(err, -r, "write %s/setgroups", dir);
	}
	r = pj_write_fileat(dfd, "gid_map", plan->gid_map);
	if (r < 0)
		return pj_fail(err, -r, "write %s/gid_map '%.*s'", dir,
			       (int)strcspn(plan->gid_map, "\n"), plan->gid_map);
	r = pj_write_fileat(dfd, "uid_map", plan->uid_map);
	if (r < 0)
		return pj_fail(err, -r, "write %s/uid_map '%.*s'", dir,
			       (int)strcspn(plan->uid_map, "\n"), plan->uid_map);
	return 0;
}

/* After setresuid to a non-zero uid the kernel clears the effective set; raise
 * it again from the permitted set so the rest of the setup can mount. */
static int raise_effective(struct pj_err *err)
{
	cap_t caps = cap_get_proc();
	cap_value_t all[CAP_LAST_CAP + 1];
	int n = 0, r = 0;

	if (!caps)
		return pj_fail(err, errno, "cap_get_proc");
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		cap_flag_value_t v;
		if (cap_get_flag(caps, c, CAP_PERMITTED, &v) == 0 && v == CAP_SET)
			all[n++] = c;
	}
	if (cap_set_flag(caps, CAP_EFFECTIVE, n, all, CAP_SET) < 0 || cap_set_proc(caps) < 0)
		r = pj_fail(err, errno, "raise effective capabilities");
	cap_free(caps);
	return r;
}

int pj_userns_enter_ids(const struct pj_plan *plan, struct pj_err *err)
{
	/* Root's supplementary groups (gid 0 among them) must not reach the jail;
	 * an unprivileged caller's cannot be dropped (setgroups is denied). */
	if (plan->as_root && setgroups(0, NULL) < 0)
		return pj_fail(err, errno, "setgroups");
	if (setresgid(plan->inner_gid, plan->inner_gid, plan->inner_gid) < 0)
		return pj_fail(err, errno, "setresgid %u", plan->inner_gid);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return pj_fail(err, errno, "PR_SET_KEEPCAPS");
	if (setresuid(plan->inner_uid, plan->inner_uid, plan->inner_uid) < 0)
		return pj_fail(err, errno, "setresuid %u", plan->inner_uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return pj_fail(err, errno, "PR_SET_KEEPCAPS");
	return raise_effective(err);
}
