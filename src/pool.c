/* pool.c: pyjail serve's zygote jail and the jails it prepares ahead.
 *
 * The zygote is started like any jail (jail.c) with zygote.py as its program;
 * its init becomes the keeper (keeper.c).  Each slot of the pool walks through
 * the states in pool.h, driven by messages on its sockets: nothing here blocks
 * except the zygote's start.  A slot that fails is killed and refilled; after
 * several failures in a row the pool stops asking and says it is broken, and
 * the server runs requests in jails of their own instead. */
#include "pool.h"

#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "keeper.h"
#include "landlock.h"
#include "marshal.h"
#include "seccomp.h"
#include "sync.h"
#include "util.h"

static const char zygote_source[] =
#include "zygote-py.h"
	;

#define MAX_FAILURES 5
#define START_TIMEOUT_MS 30000

/* Poll tags: the pool's own fds are negative, slot i's are i * 4 + kind. */
enum { TAG_KEEPER = -1, TAG_ZOUT = -2, TAG_ZERR = -3, TAG_ZSOCK = -4 };
enum { K_JAIL, K_JP };

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void slot_reset(struct pj_slot *s)
{
	*s = (struct pj_slot){
		.jail_sock = -1, .ns_pidfd = -1, .jp_sock = -1, .p_pidfd = -1, .notify_fd = -1
	};
	for (int i = 0; i < PJ_PREPARED_NS; i++)
		s->ns_fds[i] = -1;
}

void pj_slot_close(struct pj_slot *s, bool kill)
{
	if (kill && s->ns_pidfd >= 0)
		(void)syscall(SYS_pidfd_send_signal, s->ns_pidfd, SIGKILL, NULL, 0);
	close_fd(&s->jail_sock);
	close_fd(&s->ns_pidfd);
	close_fd(&s->jp_sock);
	close_fd(&s->p_pidfd);
	close_fd(&s->notify_fd);
	for (int i = 0; i < PJ_PREPARED_NS; i++)
		close_fd(&s->ns_fds[i]);
	if (kill)
		pj_cgroup_destroy(s->cg);
	else
		pj_cgroup_release(s->cg);
	slot_reset(s);
}

bool pj_slot_end(struct pj_slot *s, bool reuse)
{
	struct pj_cgroup *cg = s->cg;

	s->cg = NULL;
	pj_slot_close(s, true);
	if (reuse && pj_cgroup_empty(cg) == 0) {
		pj_cgroup_release(cg);
		return true;
	}
	pj_cgroup_destroy(cg);
	return false;
}

void pj_pool_recycle(struct pj_pool *pool, struct pj_cgroup *cg)
{
	if (pool->n_spare < pool->max_spare && pj_cgroup_recycle(cg) == 0)
		pool->spare[pool->n_spare++] = cg;
	else
		pj_cgroup_destroy(cg);
}

/* A slot's cgroup: a recycled one, else a new one. */
static int slot_cgroup(struct pj_pool *pool, struct pj_slot *s, struct pj_err *err)
{
	if (pool->n_spare > 0) {
		s->cg = pool->spare[--pool->n_spare];
		return 0;
	}
	return pj_cgroup_setup(pool->cfg, &s->cg, err);
}

static void slot_fail(struct pj_pool *pool, struct pj_slot *s, const struct pj_err *err)
{
	if (err) {
		pool->last_err = *err;
		fprintf(stderr, "pyjail serve: preparing a jail: %s%s%s\n",
			err->stage ? pj_stage_name(err->stage) : "", err->stage ? ": " : "",
			err->msg);
	}
	pool->failures++;
	pj_slot_close(s, true);
}

/* ---- the zygote ---- */

/* The zygote's jail has no limits of its own: every request gets its cgroup. */
static void zygote_config(struct pj_pool *pool, const struct pj_config *cfg)
{
	struct pj_limit none = { PJ_UNLIMITED, PJ_UNLIMITED };

	pool->zcfg = *cfg;
	pool->zcfg.memory = pool->zcfg.pids = pool->zcfg.cpu_time = none;
	pool->zcfg.cpu_quota = pool->zcfg.wall_time = pool->zcfg.output = none;
}

struct ll_ctx {
	json_t *rules;
	uint64_t handled;
};

static void add_rule(void *arg, const char *path, uint64_t rights)
{
	struct ll_ctx *c = arg;

	json_array_append_new(c->rules, json_pack("[sI]", path, (json_int_t)(rights & c->handled)));
}

/* What every fork of the interpreter applies to itself before it waits. */
static char *init_message(const struct pj_pool *pool, size_t *len)
{
	int abi = pool->cfg->landlock ? pj_landlock_abi() : 0;
	struct ll_ctx c = { json_array(), pj_landlock_handled(abi) };
	json_t *ll = json_null(), *msg;
	char *text = NULL;

	if (abi > 0) {
		pj_landlock_rules(&pool->zplan, add_rule, &c);
		ll = json_pack("{sIsIsIso}", "handled", (json_int_t)c.handled, "scoped",
			       (json_int_t)pj_landlock_scoped(abi), "file_rights",
			       (json_int_t)pj_landlock_file_rights(), "rules", c.rules);
	} else {
		json_decref(c.rules);
	}
	msg = json_pack("{sssbso}", "cwd", pool->cfg->cwd, "inner_root", pool->zplan.inner_uid == 0,
			"landlock", ll);
	if (msg)
		(void)pj_marshal_dump(msg, &text, len);
	json_decref(msg);
	return text;
}

static int send_init(struct pj_pool *pool, struct pj_err *err)
{
	size_t len = 0;
	_cleanup_free_ char *text = init_message(pool, &len);
	_cleanup_close_ int bpf = -1;
	int r;

	if (!text)
		return pj_fail(err, ENOMEM, "zygote init");
	r = pj_seccomp_compile(pool->cfg, &bpf, err);
	if (r < 0)
		return r;
	r = pj_sync_send_raw(pool->zsock, text, len, &bpf, bpf >= 0 ? 1 : 0);
	if (r < 0)
		return pj_fail(err, -r, "zygote init");
	return 0;
}

/* sync #3 of the zygote jail: its interpreter was exec'd (or setup failed). */
static int wait_running(struct pj_pool *pool, struct pj_err *err)
{
	struct pollfd pfd = { .fd = pool->keeper, .events = POLLIN };
	struct pj_msg m;
	int r;

	for (;;) {
		r = poll(&pfd, 1, START_TIMEOUT_MS);
		if (r == 0)
			return pj_fail(err, ETIMEDOUT, "the zygote did not start");
		if (r < 0 && errno == EINTR)
			continue;
		r = pj_sync_recv(pool->keeper, &m, NULL);
		if (r == -ECONNRESET)
			continue;
		if (r <= 0)
			return pj_fail(err, 0, "the zygote ended during setup");
		if (m.type == PJ_MSG_ERROR) {
			*err = m.err;
			return -EINVAL;
		}
		if (m.type == PJ_MSG_RUNNING)
			return 0;
	}
}

static int start_zygote(struct pj_pool *pool, struct pj_err *err)
{
	int sp[2], r;

	pool->zcli = (struct pj_cli){ .mode = PJ_MODE_PYTHON,
				      .pykind = PJ_PY_CODE,
				      .pytarget = zygote_source };
	pool->zcli.py_flags = calloc(1, sizeof(char *));
	if (!pool->zcli.py_flags)
		return pj_fail(err, ENOMEM, "zygote");
	r = pj_plan_build(&pool->zcfg, &pool->zcli, geteuid(), getegid(), &pool->zplan, err);
	if (r < 0)
		return r;
	if (pj_sync_open(sp, err) < 0)
		return -errno;
	pool->zsock = sp[0];
	r = pj_jail_start_zygote(&pool->zplan, sp[1], &pool->zres, &pool->zygote, err);
	close(sp[1]);
	if (r < 0)
		return r;
	pool->keeper = pj_jail_sync_fd(pool->zygote);
	pj_jail_output_fds(pool->zygote, &pool->zout, &pool->zerr);
	r = wait_running(pool, err);
	if (r >= 0)
		r = send_init(pool, err);
	return r;
}

int pj_pool_start(struct pj_pool *pool, const struct pj_config *cfg, struct pj_err *err)
{
	int r;

	*pool = (struct pj_pool){ .cfg = cfg, .zsock = -1, .keeper = -1, .zout = -1, .zerr = -1 };
	zygote_config(pool, cfg);
	pool->n_slots = (unsigned)cfg->serve_pool;
	pool->slots = calloc(pool->n_slots + 1, sizeof(*pool->slots));
	pool->asked = calloc(pool->n_slots + 1, sizeof(*pool->asked));
	pool->max_spare = pool->n_slots + (unsigned)cfg->serve_workers;
	pool->spare = calloc(pool->max_spare + 1, sizeof(*pool->spare));
	if (!pool->slots || !pool->asked || !pool->spare)
		return pj_fail(err, ENOMEM, "pool");
	for (unsigned i = 0; i < pool->n_slots; i++)
		slot_reset(&pool->slots[i]);
	r = start_zygote(pool, err);
	if (r < 0)
		return r;
	pj_pool_refill(pool);
	return 0;
}

/* ---- slots ---- */

/* The fds through which P joins the request's cgroup by itself. */
static unsigned join_fds(const struct pj_cgroup *cg, int *fds)
{
	unsigned n = 0;

	for (int i = 0; i < PJ_CG_MAX_SELF; i++)
		if (cg->self_fds[i] >= 0)
			fds[n++] = dup(cg->self_fds[i]);
	if (cg->clone_fd >= 0)
		fds[n++] = openat(cg->clone_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	return n;
}

static void ask_keeper(struct pj_pool *pool, unsigned i)
{
	struct pj_slot *s = &pool->slots[i];
	struct pj_msg m = { .type = PJ_MSG_PREPARE };
	struct pj_err err = { 0 };

	if (slot_cgroup(pool, s, &err) < 0) {
		slot_fail(pool, s, &err);
		return;
	}
	if (pj_sync_send(pool->keeper, &m, -1) < 0) {
		pool->dead = true;
		pj_slot_close(s, true);
		return;
	}
	s->state = PJ_SLOT_KEEPER;
	pool->asked[pool->n_asked++] = i;
}

void pj_pool_refill(struct pj_pool *pool)
{
	for (unsigned i = 0; i < pool->n_slots && !pj_pool_broken(pool); i++)
		if (pool->slots[i].state == PJ_SLOT_EMPTY)
			ask_keeper(pool, i);
}

bool pj_pool_broken(const struct pj_pool *pool)
{
	return pool->dead || pool->failures >= MAX_FAILURES;
}

/* The namespaces are ready: the zygote forks the interpreter for them. */
static void spawn(struct pj_pool *pool, struct pj_slot *s)
{
	static const char msg[] = "{\"op\":\"spawn\"}";
	struct pj_err err = { 0 };
	int sp[2], fds[1 + PJ_PREPARED_NS + PJ_CG_MAX_SELF + 1];
	unsigned n;

	/* jail_sock stays open: its init lives as long as someone holds it. */
	if (pj_sync_open(sp, &err) < 0) {
		slot_fail(pool, s, &err);
		return;
	}
	fds[0] = sp[1];
	memcpy(fds + 1, s->ns_fds, sizeof(s->ns_fds));
	n = 1 + PJ_PREPARED_NS + join_fds(s->cg, fds + 1 + PJ_PREPARED_NS);
	if (pj_sync_send_raw(pool->zsock, msg, sizeof(msg) - 1, fds, n) < 0)
		pool->dead = true;
	for (unsigned i = 1 + PJ_PREPARED_NS; i < n; i++)
		close(fds[i]);
	for (int i = 0; i < PJ_PREPARED_NS; i++)
		close_fd(&s->ns_fds[i]);
	close(sp[1]);
	s->jp_sock = sp[0];
	s->state = PJ_SLOT_SPAWN;
}

/* A slot's socket said something it should not (or ended): the slot fails. */
static void bad_message(struct pj_pool *pool, struct pj_slot *s, int r, struct pj_msg *m,
			const int *fds, unsigned n, const char *gone)
{
	for (unsigned i = 0; i < n; i++)
		close(fds[i]);
	if (r == 1 && m->type != PJ_MSG_ERROR)
		pj_fail(&m->err, 0, "unexpected message %d from a prepared jail", m->type);
	else if (r != 1)
		pj_fail(&m->err, 0, "%s", gone);
	slot_fail(pool, s, &m->err);
}

static void on_jail_sock(struct pj_pool *pool, struct pj_slot *s)
{
	struct pj_msg m;
	int fds[PJ_PREPARED_NS];
	unsigned n = 0;
	int r = pj_sync_recvv(s->jail_sock, &m, fds, PJ_PREPARED_NS, &n);

	/* The maker's PJ_MSG_PID and its init's PJ_MSG_GO come in either order. */
	if (r == 1 && m.type == PJ_MSG_PID && n == 1 && s->ns_pidfd < 0) {
		s->ns_pidfd = fds[0];
	} else if (r == 1 && m.type == PJ_MSG_GO && n == PJ_PREPARED_NS && s->ns_fds[0] < 0) {
		memcpy(s->ns_fds, fds, sizeof(fds));
	} else {
		goto bad;
	}
	if (s->ns_pidfd >= 0 && s->ns_fds[0] >= 0)
		spawn(pool, s);
	return;
bad:
	bad_message(pool, s, r, &m, fds, n, "a prepared jail ended during setup");
}

static void on_jp_sock(struct pj_pool *pool, struct pj_slot *s)
{
	struct pj_msg m;
	int fds[1] = { -1 };
	unsigned n = 0;
	int r = pj_sync_recvv(s->jp_sock, &m, fds, 1, &n);

	if (r == 1 && m.type == PJ_MSG_PID && n == 1 && s->p_pidfd < 0) {
		s->p_pidfd = fds[0];
	} else if (r == 1 && m.type == PJ_MSG_NOTIFY_FD && n == 1 && s->notify_fd < 0) {
		s->notify_fd = fds[0];
	} else if (r == 1 && m.type == PJ_MSG_GO && s->state == PJ_SLOT_SPAWN) {
		s->p_ready = true;
	} else {
		bad_message(pool, s, r, &m, fds, n,
			    "a prepared interpreter ended before its request");
		return;
	}
	if (s->p_ready && s->p_pidfd >= 0 && s->state == PJ_SLOT_SPAWN) {
		s->state = PJ_SLOT_READY;
		pool->failures = 0;
	}
}

/* The keeper answers PJ_MSG_PREPARE in order: PJ_MSG_JAIL or an error. */
static void on_keeper(struct pj_pool *pool)
{
	struct pj_msg m;
	int fd = -1, r = pj_sync_recv(pool->keeper, &m, &fd);
	struct pj_slot *s;

	if (r == -ECONNRESET || r == -EINTR || r == -EAGAIN)
		return;
	if (r != 1 || m.type == PJ_MSG_STATUS) {
		if (!pool->dead)
			fprintf(stderr, "pyjail serve: the zygote ended\n");
		pool->dead = true;
		if (fd >= 0)
			close(fd);
		return;
	}
	if ((m.type != PJ_MSG_JAIL && m.type != PJ_MSG_ERROR) || pool->n_asked == 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	s = &pool->slots[pool->asked[0]];
	memmove(pool->asked, pool->asked + 1, --pool->n_asked * sizeof(*pool->asked));
	if (m.type == PJ_MSG_ERROR || fd < 0) {
		if (fd >= 0)
			close(fd);
		slot_fail(pool, s, &m.err);
		return;
	}
	s->jail_sock = fd;
	s->state = PJ_SLOT_NS;
}

/* The zygote's own output: only ever its errors. */
static void copy_out(int *fd)
{
	char buf[4096];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n > 0)
		(void)pj_write_all(2, buf, (size_t)n);
	else if (n == 0 || (errno != EINTR && errno != EAGAIN))
		close_fd(fd);
}

unsigned pj_pool_max_fds(const struct pj_pool *pool)
{
	return 4 + pool->n_slots;
}

unsigned pj_pool_fill_poll(struct pj_pool *pool, struct pollfd *pfd, int *tag)
{
	const int own[] = { pool->keeper, pool->zout, pool->zerr, pool->zsock };
	unsigned n = 0;

	for (int i = 0; i < 4; i++) {
		/* a dead zygote's sockets stay hung up until it is replaced */
		if (own[i] < 0 || (pool->dead && (i == 0 || i == 3)))
			continue;
		/* the zygote's socket only tells us that it went away */
		pfd[n] = (struct pollfd){ own[i], i == 3 ? POLLRDHUP : POLLIN, 0 };
		tag[n++] = -1 - i;
	}
	for (unsigned i = 0; i < pool->n_slots; i++) {
		struct pj_slot *s = &pool->slots[i];
		int fd = s->state == PJ_SLOT_NS ? s->jail_sock : s->jp_sock;
		if (s->state < PJ_SLOT_NS || fd < 0 || pool->dead)
			continue;
		pfd[n] = (struct pollfd){ fd, POLLIN, 0 };
		tag[n++] = (int)i * 4 + (s->state == PJ_SLOT_NS ? K_JAIL : K_JP);
	}
	return n;
}

void pj_pool_handle(struct pj_pool *pool, int tag, short revents)
{
	if (tag == TAG_KEEPER) {
		on_keeper(pool);
	} else if (tag == TAG_ZOUT) {
		copy_out(&pool->zout);
	} else if (tag == TAG_ZERR) {
		copy_out(&pool->zerr);
	} else if (tag == TAG_ZSOCK) {
		if (revents & (POLLRDHUP | POLLHUP | POLLERR))
			pool->dead = true;
	} else if (tag % 4 == K_JAIL) {
		on_jail_sock(pool, &pool->slots[tag / 4]);
	} else {
		on_jp_sock(pool, &pool->slots[tag / 4]);
	}
}

bool pj_pool_take(struct pj_pool *pool, struct pj_slot *ret)
{
	for (unsigned i = 0; i < pool->n_slots; i++) {
		if (pool->slots[i].state == PJ_SLOT_READY) {
			*ret = pool->slots[i];
			slot_reset(&pool->slots[i]);
			return true;
		}
	}
	return false;
}

void pj_pool_close_fds(struct pj_pool *pool)
{
	for (unsigned i = 0; i < pool->n_slots; i++)
		pj_slot_close(&pool->slots[i], false);
	while (pool->n_spare > 0)
		pj_cgroup_release(pool->spare[--pool->n_spare]);
	close_fd(&pool->zsock);
	/* the keeper's socket and the zygote's output pipes are jail.c's */
	pool->keeper = pool->zout = pool->zerr = -1;
}

void pj_pool_stop(struct pj_pool *pool)
{
	for (unsigned i = 0; i < pool->n_slots; i++)
		pj_slot_close(&pool->slots[i], true);
	while (pool->n_spare > 0)
		pj_cgroup_destroy(pool->spare[--pool->n_spare]);
	if (pool->zygote) {
		(void)syscall(SYS_pidfd_send_signal, pj_jail_pidfd(pool->zygote), SIGKILL, NULL, 0);
		pj_jail_free(pool->zygote);
		pool->zygote = NULL;
	}
	close_fd(&pool->zsock);
	free(pool->slots);
	free(pool->asked);
	free(pool->spare);
	pj_plan_free(&pool->zplan);
	free(pool->zcli.py_flags);
	pool->slots = NULL;
	pool->asked = NULL;
	pool->spare = NULL;
}
