#!/usr/bin/env python3
"""bench.py: pyjail's launch benchmark (issue 5).

Runs the same Python workloads under several launchers in one run, interleaved
round-robin per iteration so that noise hits every contender alike, and reports
per-launch median and p95, ratios of pyjail to each contender, launches per second
(sequential and 2 in parallel), pyjail's own peak RSS and the breakdown of its
launch from `pyjail --timings`.  A table for people goes to stdout, every figure to
a JSON file (--out).

Contenders (each is skipped with a note when it cannot run here):
  bare     /usr/bin/python3 on the host
  chroot   chroot ROOTFS /usr/bin/python3 (root only)
  bwrap    bubblewrap: --unshare-all --unshare-user, caps dropped, --new-session,
           --die-with-parent, a seccomp denylist (bench-seccomp.c), ROOTFS read-only
           as /, fresh /proc, minimal /dev, tmpfs /tmp; no resource limits
  pyjail   pyjail --rootfs ROOTFS with its built-in default policy
  nsjail   (only if installed) chroot ROOTFS, cgroup v1 memory and pids limits
  crun     (only if installed) OCI bundle over ROOTFS, user ns, memory and pids limits

Then, unless --no-serve, the warm path (issue 6, serve_bench.py): a `pyjail serve`
server's latency at a steady 50 requests/s (raw protocol in capture and fds mode, and
`pyjail client` as a process), the same against the cold path and bare python3,
throughput with 8 concurrent clients, and a leak check of the server over
--serve-requests requests (2000; 100000 for the full check).  --serve-only skips the
launch benchmark.

Standard library only; runs as root or as an ordinary user.  No figure here is a
pass/fail criterion: the machines are noisy and the numbers are for people.
"""

import argparse
import json
import math
import os
import platform
import resource
import select
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import serve_bench  # noqa: E402  (tests/bench/serve_bench.py)

PROG = "bench.py"
HERE = os.path.dirname(os.path.abspath(__file__))
IMPORTS_SCRIPT = 'import json, re\nprint(json.dumps(re.findall(r"[0-9]+", "a1b22c333")))\n'
JAIL_SCRIPT = "/tmp/bench_imports.py"  # where the script appears inside bwrap/nsjail/crun
SPAWN_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/"}
if "LD_LIBRARY_PATH" in os.environ:
    SPAWN_ENV["LD_LIBRARY_PATH"] = os.environ["LD_LIBRARY_PATH"]


class Usage(Exception):
    """Bad input: one line on stderr, exit 125."""


# ---------------------------------------------------------------- workloads

class Workload:
    def __init__(self, name, title, code, expect):
        self.name, self.title, self.code, self.expect = name, title, code, expect

    def tail(self, script_path):
        """Python's arguments: -c CODE, or the script's path."""
        return ["-c", self.code] if self.code is not None else [script_path]


WORKLOADS = [
    Workload("pass", "-c pass", "pass", ""),
    Workload("print", "-c 'print(1)'", "print(1)", "1\n"),
    Workload("imports", "script: import json, re", None, '["1", "22", "333"]\n'),
    Workload("alloc50", "50 MB allocation", 'b = b"x" * (50 << 20); print(len(b))', "52428800\n"),
]


# ---------------------------------------------------------------- launching

class Launch:
    """One command line: argv, an optional stdin file, extra fds opened read-only."""

    def __init__(self, argv, stdin=None, fds=None):
        self.argv, self.stdin, self.fds = argv, stdin, fds or {}


def spawn(launch, stdout=os.devnull, stderr=os.devnull):
    """Run one launch to completion.  Returns (wall ns, wait status, rusage)."""
    acts = [(os.POSIX_SPAWN_OPEN, 0, launch.stdin or os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
            (os.POSIX_SPAWN_OPEN, 2, stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)]
    for fd, path in launch.fds.items():
        acts.append((os.POSIX_SPAWN_OPEN, fd, path, os.O_RDONLY, 0))
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(launch.argv[0], launch.argv, SPAWN_ENV, file_actions=acts)
    _, status, ru = os.wait4(pid, 0)
    return time.perf_counter_ns() - t0, status, ru


def exit_code(status):
    return os.waitstatus_to_exitcode(status)


# ---------------------------------------------------------------- contenders

class Contender:
    name = "?"
    hidden = False  # measured, shown, but left out of ratios and throughput

    def __init__(self, ctx):
        self.ctx = ctx
        self.note = None  # why it is skipped, or a caveat

    def available(self):
        """None if it can run here, else the reason it cannot."""
        return None

    def describe(self):
        return ""

    def launch(self, wl):
        raise NotImplementedError

    def cleanup(self):
        pass


class Bare(Contender):
    name = "bare"

    def available(self):
        return None if os.access(self.ctx.python, os.X_OK) else f"no {self.ctx.python}"

    def describe(self):
        return f"{self.ctx.python} on the host"

    def launch(self, wl):
        return Launch([self.ctx.python] + wl.tail(self.ctx.script))


class Chroot(Contender):
    name = "chroot"

    def available(self):
        if os.geteuid() != 0:
            return "needs root"
        self.chroot = shutil.which("chroot", path=SPAWN_ENV["PATH"] + ":/usr/sbin:/sbin")
        return None if self.chroot else "chroot(8) not found"

    def describe(self):
        return "chroot ROOTFS /usr/bin/python3 (no namespaces; the script comes on stdin)"

    def launch(self, wl):
        argv = [self.chroot, self.ctx.rootfs, "/usr/bin/python3"]
        if wl.code is None:  # the rootfs must not be modified: feed the script on stdin
            return Launch(argv + ["-"], stdin=self.ctx.script)
        return Launch(argv + wl.tail(None))


class Bwrap(Contender):
    name = "bwrap"

    def available(self):
        self.bwrap = self.ctx.bwrap or shutil.which("bwrap")
        if not self.bwrap:
            return "bubblewrap not installed (apt-get install bubblewrap)"
        # bwrap's monitor takes the exit status from its pid 1 over an eventfd and exits
        # without reaping it, so wait4() never sees the payload's CPU time
        self.note = "cpu misses the payload: bwrap does not reap its pid 1"
        if not self.ctx.bpf:
            self.note += f"; WITHOUT seccomp: {self.ctx.bpf_note}"
        return None

    def describe(self):
        seccomp = "seccomp denylist (bench-seccomp.c)" if self.ctx.bpf else "NO seccomp"
        return ("--unshare-all --unshare-user --cap-drop ALL --new-session --die-with-parent, "
                f"{seccomp}, ro rootfs, /proc, /dev, tmpfs /tmp; no limits")

    def launch(self, wl):
        argv = [self.bwrap, "--unshare-all", "--unshare-user", "--cap-drop", "ALL",
                "--new-session", "--die-with-parent"]
        fds = {}
        if self.ctx.bpf:
            argv += ["--seccomp", "3"]
            fds[3] = self.ctx.bpf  # opened afresh for every launch: bwrap reads it to EOF
        argv += ["--ro-bind", self.ctx.rootfs, "/", "--proc", "/proc", "--dev", "/dev",
                 "--tmpfs", "/tmp"]
        if wl.code is None:
            argv += ["--ro-bind", self.ctx.script, JAIL_SCRIPT]
        return Launch(argv + ["--", "/usr/bin/python3"] + wl.tail(JAIL_SCRIPT), fds=fds)


class Pyjail(Contender):
    name = "pyjail"

    def describe(self):
        conf = self.ctx.pyjail_config or "built-in defaults (empty --config)"
        return f"pyjail --rootfs ROOTFS, policy: {conf}"

    def launch(self, wl, extra=()):
        argv = [self.ctx.pyjail, "--config", self.ctx.pyjail_config or self.ctx.empty_conf,
                *extra, "--rootfs", self.ctx.rootfs]
        return Launch(argv + wl.tail(self.ctx.script))


class PyjailTimings(Pyjail):
    """pyjail --timings: the launch breakdown, measured in the same interleaved loop."""
    name = "pyjail+timings"
    hidden = True

    def describe(self):
        return "the same with --timings (source of the breakdown)"

    def launch(self, wl):
        return super().launch(wl, extra=("--timings",))


def own_cgroup(controller):
    """This process's cgroup in a v1 hierarchy, relative to its root, or None."""
    try:
        with open("/proc/self/cgroup") as f:
            for line in f:
                _, ctrls, path = line.rstrip("\n").split(":", 2)
                if controller in ctrls.split(","):
                    return path.strip("/")
    except OSError:
        pass
    return None


class Nsjail(Contender):
    name = "nsjail"

    def available(self):
        self.nsjail = shutil.which("nsjail")
        return None if self.nsjail else "not installed"

    def describe(self):
        return "chroot ROOTFS, all namespaces, tmpfs /tmp, cgroup v1 memory+pids (root)"

    def launch(self, wl):
        argv = [self.nsjail, "--quiet", "--mode", "o", "--chroot", self.ctx.rootfs,
                "--hostname", "jail", "--user", "65534", "--group", "65534",
                "--time_limit", "30", "--tmpfsmount", "/tmp"]
        if os.geteuid() == 0:  # below our own cgroups, never at a hierarchy's root
            argv += ["--cgroup_mem_max", str(256 << 20), "--cgroup_pids_max", "64",
                     "--cgroup_mem_parent", own_cgroup("memory") or ".",
                     "--cgroup_pids_parent", own_cgroup("pids") or "."]
        if wl.code is None:
            argv += ["--bindmount_ro", f"{self.ctx.script}:{JAIL_SCRIPT}"]
        return Launch(argv + ["--", "/usr/bin/python3"] + wl.tail(JAIL_SCRIPT))


class Crun(Contender):
    name = "crun"

    def available(self):
        self.crun = self.ctx.crun or shutil.which("crun")
        if not self.crun:
            return "not installed"
        self.count, self.manager = 0, []
        self.cgparent = self.crun_cgroup_parent()
        if self.cgparent is None:
            self.note = "no cgroup limits (not root, or memory/pids cgroups not nested)"
        else:
            self.made = self.missing_cgroup_dirs()
            why = self.probe()
            if why:  # e.g. crun 1.8 refuses hybrid hierarchies: measure it without limits
                self.note = f"no cgroup limits: with them crun said '{why}'"
                self.cgparent, self.manager = None, ["--cgroup-manager=disabled"]
        return None

    def missing_cgroup_dirs(self):
        """The parent directories crun would create in each v1 hierarchy, deepest first."""
        parts, out = self.cgparent.split("/"), []
        for h in sorted(os.listdir("/sys/fs/cgroup")):
            for i in range(1, len(parts) + 1):
                d = os.path.join("/sys/fs/cgroup", h, *parts[:i])
                if not os.path.exists(d):
                    out.append(d)
        return sorted(out, key=len, reverse=True)

    def cleanup(self):
        for d in getattr(self, "made", []):  # only what did not exist before, if now empty
            try:
                os.rmdir(d)
            except OSError:
                pass

    def probe(self):
        """None if crun runs a bundle with cgroup limits here, else its last words."""
        wl = Workload("probe", "", "pass", "")
        err = os.path.join(self.ctx.tmp, "crun-probe.err")
        _, status, _ = spawn(self.launch(wl), stderr=err)
        if exit_code(status) == 0:
            return None
        shutil.rmtree(self.bundle(wl))  # the retry without limits writes it afresh
        with open(err, errors="replace") as f:
            lines = f.read().strip().splitlines()
        return lines[-1][:200] if lines else f"exit {exit_code(status)}"

    @staticmethod
    def crun_cgroup_parent():
        """crun uses one path in every v1 hierarchy: use the deepest of our memory and
        pids cgroups if the other is its prefix, so all it creates is below our own."""
        if os.geteuid() != 0:
            return None
        mem, pids = own_cgroup("memory"), own_cgroup("pids")
        if mem is None or pids is None:
            return None
        deep, shallow = (mem, pids) if len(mem) >= len(pids) else (pids, mem)
        if shallow and not (deep + "/").startswith(shallow + "/"):
            return None
        return deep

    def describe(self):
        lim = "memory+pids limits" if self.cgparent is not None else "no limits"
        return f"crun run, OCI bundle over ROOTFS (ro), user ns, caps dropped, {lim}"

    def bundle(self, wl):
        # per process: parallel workers must not share a container cgroup
        path = os.path.join(self.ctx.tmp, f"crun-{wl.name}-{os.getpid()}")
        if os.path.exists(path):
            return path
        os.makedirs(path)
        uid = os.getuid()
        tmpfs = {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
                 "options": ["nosuid", "nodev", "size=65536k"]}
        mounts = [{"destination": "/proc", "type": "proc", "source": "proc"},
                  {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
                   "options": ["nosuid", "mode=755", "size=64k"]}, tmpfs]
        if wl.code is None:
            mounts.append({"destination": JAIL_SCRIPT, "type": "bind",
                           "source": self.ctx.script, "options": ["rbind", "ro"]})
        caps = {k: [] for k in ("bounding", "effective", "permitted", "inheritable", "ambient")}
        linux = {"namespaces": [{"type": t} for t in
                                ("pid", "network", "ipc", "uts", "mount", "cgroup", "user")],
                 "uidMappings": [{"containerID": 0, "hostID": 65534 if uid == 0 else uid,
                                  "size": 1}],
                 "gidMappings": [{"containerID": 0, "hostID": 65534 if uid == 0 else os.getgid(),
                                  "size": 1}]}
        if self.cgparent is not None:
            leaf = f"pjbench-crun-{os.getpid()}"
            linux["cgroupsPath"] = "/" + "/".join(p for p in (self.cgparent, leaf) if p)
            linux["resources"] = {"memory": {"limit": 256 << 20, "swap": 256 << 20},
                                  "pids": {"limit": 64}}
        spec = {"ociVersion": "1.0.2", "hostname": "jail",
                "root": {"path": self.ctx.rootfs, "readonly": True},
                "process": {"terminal": False, "user": {"uid": 0, "gid": 0}, "cwd": "/",
                            "args": ["/usr/bin/python3"] + wl.tail(JAIL_SCRIPT),
                            "env": ["PATH=/usr/bin:/bin", "LANG=C.UTF-8"],
                            "capabilities": caps, "noNewPrivileges": True},
                "mounts": mounts, "linux": linux}
        with open(os.path.join(path, "config.json"), "w") as f:
            json.dump(spec, f)
        return path

    def launch(self, wl):
        self.count += 1  # container names must be unique, also across parallel workers
        cid = f"pjbench-{os.getpid()}-{self.count}"
        return Launch([self.crun, *self.manager, "run", "--bundle", self.bundle(wl), cid])


CONTENDERS = [Bare, Chroot, Bwrap, Pyjail, Nsjail, Crun]
CONTENDER_NAMES = [c.name for c in CONTENDERS]


# ---------------------------------------------------------------- preparation

class Ctx:
    """Paths and fixtures shared by the contenders."""


def fail(msg):
    raise Usage(msg)


def default_rootfs(pyjail):
    """The rootfs pyjail was built to use, as `pyjail check` reports it."""
    try:
        out = subprocess.run([pyjail, "check"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 3 and f[1] == "rootfs":
            return f[2]
    return None


def make_bpf(ctx, helper):
    """Run (or first compile) bench-seccomp; returns (bpf path, None) or (None, why)."""
    bpf = os.path.join(ctx.tmp, "bwrap.bpf")
    if not helper:
        src = os.path.join(HERE, "bench-seccomp.c")
        helper = os.path.join(ctx.tmp, "bench-seccomp")
        try:
            flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libseccomp"],
                                   capture_output=True, text=True, check=True).stdout.split()
            subprocess.run([os.environ.get("CC", "cc"), "-O2", "-o", helper, src] + flags,
                           capture_output=True, check=True)
        except (OSError, subprocess.CalledProcessError):
            return None, f"cannot compile {src} (needs a C compiler and libseccomp-dev)"
    r = subprocess.run([helper, bpf], capture_output=True, text=True)
    if r.returncode != 0:
        return None, f"{helper} failed: {r.stderr.strip()}"
    return bpf, None


def prepare(args):
    ctx = Ctx()
    ctx.python = args.python
    ctx.pyjail = args.pyjail or os.environ.get("PYJAIL") or shutil.which("pyjail")
    if not ctx.pyjail or not os.access(ctx.pyjail, os.X_OK):
        fail(f"--pyjail: '{ctx.pyjail or ''}' is not an executable pyjail (pass --pyjail FILE)")
    ctx.pyjail = os.path.abspath(ctx.pyjail)
    ctx.rootfs = args.rootfs or default_rootfs(ctx.pyjail)
    if not ctx.rootfs or not os.path.isfile(os.path.join(ctx.rootfs, "usr/bin/python3")):
        fail(f"--rootfs: '{ctx.rootfs or ''}' has no usr/bin/python3 "
             "(build one with 'make rootfs', or pass --rootfs DIR)")
    ctx.rootfs = os.path.abspath(ctx.rootfs)
    if args.pyjail_config and not os.path.isfile(args.pyjail_config):
        fail(f"--pyjail-config: '{args.pyjail_config}' is not a file")
    ctx.pyjail_config = args.pyjail_config and os.path.abspath(args.pyjail_config)
    ctx.bwrap, ctx.crun = args.bwrap, args.crun
    if args.seccomp_helper and not os.access(args.seccomp_helper, os.X_OK):
        fail(f"--seccomp-helper: '{args.seccomp_helper}' is not an executable file")
    ctx.tmp = tempfile.mkdtemp(prefix="pyjail-bench.")
    os.chmod(ctx.tmp, 0o755)  # crun maps root to nobody, who must read the fixtures
    ctx.script = os.path.join(ctx.tmp, "bench_imports.py")
    ctx.empty_conf = os.path.join(ctx.tmp, "empty.conf")
    with open(ctx.script, "w") as f:
        f.write(IMPORTS_SCRIPT)
    open(ctx.empty_conf, "w").close()
    for p in (ctx.script, ctx.empty_conf):
        os.chmod(p, 0o644)
    ctx.bpf, ctx.bpf_note = (None, "not needed")
    if "bwrap" in args.contenders and not args.serve_only:
        ctx.bpf, ctx.bpf_note = make_bpf(ctx, args.seccomp_helper)
    return ctx


def validate(c, wl, tmp):
    """One unmeasured launch whose output is checked.  None if right, else why not."""
    out, err = os.path.join(tmp, "v.out"), os.path.join(tmp, "v.err")
    try:
        _, status, _ = spawn(c.launch(wl), stdout=out, stderr=err)
    except OSError as e:
        return f"cannot start: {e}"
    with open(out, errors="replace") as f:
        got = f.read()
    with open(err, errors="replace") as f:
        lines = [ln for ln in f.read().splitlines() if not ln.startswith("pyjail-timings:")]
    if exit_code(status) != 0 or got != wl.expect:
        why = lines[-1] if lines else ""
        return f"exit {exit_code(status)}, stdout {got[:60]!r} (want {wl.expect!r}) {why[:160]}"
    return None


# ---------------------------------------------------------------- measuring

def percentile(xs, q):
    """Nearest-rank percentile of a non-empty list."""
    s = sorted(xs)
    return s[max(0, math.ceil(q / 100 * len(s)) - 1)]


def parse_timings(path):
    """The `pyjail-timings: {json}` line of a stderr file, or None."""
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if line.startswith("pyjail-timings:"):
                    return json.loads(line.split(":", 1)[1])
    except (OSError, ValueError):
        pass
    return None


def flatten(d, prefix=""):
    """{"child": {"ids": 3}} -> {"child.ids": 3}; numbers only, order kept."""
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(flatten(v, f"{prefix}{k}."))
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out[f"{prefix}{k}"] = v
    return out


def measure_launches(slots, iterations, tmp, progress):
    """Round-robin over (contender, workload) slots, the start rotated per iteration."""
    res = {(c.name, wl.name): {"wall": [], "cpu": [], "fail": 0, "timings": []}
           for c, wl in slots}
    err = os.path.join(tmp, "t.err")
    for i in range(iterations):
        k = i % len(slots)
        for c, wl in slots[k:] + slots[:k]:
            r = res[(c.name, wl.name)]
            timed = isinstance(c, PyjailTimings)
            wall, status, ru = spawn(c.launch(wl), stderr=err if timed else os.devnull)
            if exit_code(status) != 0:
                r["fail"] += 1
                continue
            r["wall"].append(wall / 1e6)
            r["cpu"].append((ru.ru_utime + ru.ru_stime) * 1e3)
            if timed:
                t = parse_timings(err)
                if t is not None:
                    r["timings"].append(t)
        progress(i + 1, iterations)
    return res


def batch(c, wl, n):
    """n launches one after another; the number that failed."""
    bad = 0
    for _ in range(n):
        _, status, _ = spawn(c.launch(wl))
        bad += exit_code(status) != 0
    return bad


def throughput_once(c, wl, n, workers):
    """Wall-clock launches/s for n launches spread over `workers` processes."""
    t0 = time.perf_counter_ns()
    if workers == 1:
        bad = batch(c, wl, n)
    else:
        pids = []
        for w in range(workers):
            share = n // workers + (w < n % workers)
            pid = os.fork()
            if pid == 0:
                try:
                    os._exit(min(batch(c, wl, share), 100))
                finally:
                    os._exit(101)
            pids.append(pid)
        bad = sum(os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) for p in pids)
    return n / ((time.perf_counter_ns() - t0) / 1e9), bad


def measure_throughput(contenders, wl, n, rounds):
    """Rounds interleave the contenders; each round runs sequential then 2 in parallel."""
    out = {c.name: {"seq": [], "par2": [], "fail": 0} for c in contenders}
    for _ in range(rounds):
        for c in contenders:
            for key, workers in (("seq", 1), ("par2", 2)):
                rate, bad = throughput_once(c, wl, n, workers)
                out[c.name][key].append(rate)
                out[c.name]["fail"] += bad
    return out


def pyjail_record(c, tmp):
    """pyjail's --json record for `-c pass`: which limits the host really enforced."""
    launch = c.launch(WORKLOADS[0])
    launch.argv.insert(1, "--json")
    out = os.path.join(tmp, "rec.out")
    spawn(launch, stdout=out)
    try:
        with open(out) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def rss_probe(c):
    """pyjail's VmHWM while its payload runs (the payload waits on stdin meanwhile)."""
    code = 'import sys; print("ready", flush=True); sys.stdin.read()'
    launch = c.launch(Workload("probe", "", code, ""))
    p = subprocess.Popen(launch.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, env=SPAWN_ENV)
    hwm = None
    try:
        if select.select([p.stdout], [], [], 30)[0] and p.stdout.readline() == b"ready\n":
            with open(f"/proc/{p.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        hwm = int(line.split()[1])
    except OSError:
        pass
    finally:
        p.stdin.close()
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return hwm


# ---------------------------------------------------------------- figures

def summarize_launches(raw, slots):
    launch = {}
    for c, wl in slots:
        r = raw[(c.name, wl.name)]
        w = r["wall"]
        s = {"n": len(w), "failed": r["fail"]}
        if w:
            s.update(median_ms=statistics.median(w), p95_ms=percentile(w, 95), min_ms=min(w),
                     mean_ms=statistics.fmean(w), cpu_median_ms=statistics.median(r["cpu"]),
                     samples_ms=[round(x, 3) for x in w])
        launch.setdefault(wl.name, {})[c.name] = s
    return launch


def ratios_of(launch, who="pyjail"):
    """pyjail's median over each other contender's, per workload."""
    out = {}
    for wl, per in launch.items():
        mine = per.get(who, {}).get("median_ms")
        if mine:
            out[wl] = {c: mine / s["median_ms"] for c, s in per.items()
                       if c != who and s.get("median_ms")}
    return out


def ratio_intervals(launch, who="pyjail", resamples=1000):
    """A 95% interval for each ratio of medians: the launches are interleaved,
    so launch i of every contender ran in the same round; resampling whole
    rounds keeps the machine's drift out of the interval.  Seeded: the same
    samples give the same interval."""
    import random
    rnd = random.Random(1)
    out = {}
    for wl, per in launch.items():
        mine = per.get(who, {}).get("samples_ms")
        for c, s in per.items():
            theirs = s.get("samples_ms")
            if c == who or not mine or not theirs or len(theirs) != len(mine):
                continue
            n, rs = len(mine), []
            for _ in range(resamples):
                idx = [rnd.randrange(n) for _ in range(n)]
                rs.append(statistics.median(mine[i] for i in idx) /
                          statistics.median(theirs[i] for i in idx))
            rs.sort()
            out.setdefault(wl, {})[c] = [rs[int(0.025 * resamples)], rs[int(0.975 * resamples) - 1]]
    return out


def summarize_breakdown(raw, slots):
    """Median of every key pyjail --timings reported, per workload."""
    by_wl, rss = {}, []
    not_phases = ("rss_kb", "init_waited")
    for c, wl in slots:
        if not isinstance(c, PyjailTimings):
            continue
        runs = [flatten(t) for t in raw[(c.name, wl.name)]["timings"]]
        rss += [r["rss_kb"] for r in runs if "rss_kb" in r]
        keys = []
        for r in runs:
            keys += [k for k in r if k not in keys and k not in not_phases]
        if runs:
            waited = [r["init_waited"] for r in runs if "init_waited" in r]
            by_wl[wl.name] = {"runs": len(runs), "median_us": {
                k: statistics.median([r[k] for r in runs if k in r]) for k in keys},
                # the share of runs in which pyjail waited for the jail's init to exit
                "init_waited": sum(waited) / len(waited) if waited else None}
    out = {"available": bool(by_wl), "workloads": by_wl}
    if rss:
        out["rss_kb"] = {"median": statistics.median(rss), "max": max(rss)}
        # getrusage's ru_maxrss survives execve: a figure near bench.py's own peak is the
        # launching process's high-water mark, not pyjail's
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out["rss_kb"]["bench_py_maxrss_kb"] = own
        out["rss_kb"]["inherited"] = min(rss) >= 0.8 * own
    if not by_wl:
        out["reason"] = "pyjail printed no 'pyjail-timings: {json}' line on stderr with --timings"
    return out


def summarize_throughput(raw, n, rounds):
    out = {"launches_per_batch": n, "rounds": rounds}
    for name, r in raw.items():
        out[name] = {"seq_per_s": statistics.median(r["seq"]),
                     "par2_per_s": statistics.median(r["par2"]), "failed": r["fail"],
                     "seq_rounds": r["seq"], "par2_rounds": r["par2"]}
    return out


# ---------------------------------------------------------------- report for people

def fmt(x, nd=1):
    return "-" if x is None else f"{x:.{nd}f}"


def print_report(res, out=sys.stdout):
    p = lambda *a: print(*a, file=out)  # noqa: E731
    h = res["host"]
    p(f"pyjail launch benchmark: {res['config']['iterations']} iterations, interleaved; "
      f"rootfs {res['config']['rootfs']}")
    p(f"host: kernel {h['kernel']}, {h['cpus']} CPUs, uid {h['uid']}, python {h['python']}")
    p("contenders:")
    for name, c in res["contenders"].items():
        if c["available"]:
            p(f"  {name:15} {c['describe']}" + (f"  [{c['note']}]" if c.get("note") else ""))
    skipped = [f"{n} ({c['note']})" for n, c in res["contenders"].items() if not c["available"]]
    if skipped:
        p("skipped: " + "; ".join(skipped))
    for note in res["notes"]:
        p(f"note: {note}")
    p("")
    p("per launch, ms: median, p95, cpu = median user+sys of the launched process tree;")
    p("+bare = median minus bare python3's; pyjail/x = pyjail's median over this one's,")
    p("with a 95% interval from resampling the interleaved rounds")
    p(f"{'workload':9} {'contender':15} {'median':>7} {'p95':>7} {'cpu':>6} {'+bare':>6} "
      f"{'pyjail/x':>8} {'95% interval':>13} {'n':>4}")
    for wl, per in res["launch"].items():
        bare = per.get("bare", {}).get("median_ms")
        for name, s in per.items():
            med = s.get("median_ms")
            ratio = res["ratios"].get(wl, {}).get(name)
            ci = res.get("ratio_intervals", {}).get(wl, {}).get(name)
            ci_s = f"{ci[0]:.2f}-{ci[1]:.2f}" if ci else "-"
            extra = f"{med - bare:+.1f}" if med is not None and bare is not None else "-"
            fails = f"  ({s['failed']} failed)" if s["failed"] else ""
            p(f"{wl:9} {name:15} {fmt(med):>7} {fmt(s.get('p95_ms')):>7} "
              f"{fmt(s.get('cpu_median_ms')):>6} {extra:>6} {fmt(ratio, 2):>8} {ci_s:>13} "
              f"{s['n']:>4}{fails}")
    t = res.get("throughput")
    if t:
        p("")
        p(f"launches/s, workload '{res['config']['throughput_workload']}': median of "
          f"{t['rounds']} rounds of {t['launches_per_batch']} launches, wall clock")
        p(f"{'contender':15} {'sequential':>10} {'2 parallel':>10}")
        for name, r in t.items():
            if isinstance(r, dict):
                fails = f"  ({r['failed']} failed)" if r["failed"] else ""
                p(f"{name:15} {r['seq_per_s']:>10.1f} {r['par2_per_s']:>10.1f}{fails}")
    print_pyjail(res, p)


def print_pyjail(res, p):
    b, rss = res["breakdown"], res["pyjail_rss"]
    if res["contenders"].get("pyjail", {}).get("available") is not True:
        return
    p("")
    kb = b.get("rss_kb")
    p("pyjail peak RSS: VmHWM while the payload runs: " +
      (f"{rss['vmhwm_running_kb']} kB" if rss.get("vmhwm_running_kb") else "unavailable") +
      "; --timings rss_kb " +
      (f"median {kb['median']:.0f} kB, max {kb['max']:.0f} kB" if kb else "unavailable"))
    if kb and kb["inherited"]:
        p(f"  (rss_kb is about bench.py's own peak, {kb['bench_py_maxrss_kb']} kB: "
          "ru_maxrss keeps the high-water mark across execve, so it is not pyjail's)")
    rec = res.get("pyjail_record")
    if rec:
        lim = rec.get("limits", {})
        by = ", ".join(f"{k} by {v.get('enforced_by')}" for k, v in lim.items()
                       if isinstance(v, dict) and k in ("memory", "pids", "cpu_time"))
        p(f"pyjail's record for -c pass: cgroup {rec.get('cgroup')!r}; {by}")
    if not b["available"]:
        p(f"launch breakdown: unavailable ({b['reason']})")
        return
    wls = list(b["workloads"])
    keys = []
    for w in wls:
        keys += [k for k in b["workloads"][w]["median_us"] if k not in keys]
    p("launch breakdown from pyjail --timings, median µs per phase:")
    p(f"{'phase':22}" + "".join(f"{w:>10}" for w in wls))
    for k in keys:
        p(f"{k:22}" + "".join(f"{fmt(b['workloads'][w]['median_us'].get(k), 0):>10}"
                              for w in wls))
    wall = [res["launch"][w].get("pyjail+timings", {}).get("median_ms") for w in wls]
    p(f"{'(bench wall clock)':22}" + "".join(f"{fmt(x and x * 1000, 0):>10}" for x in wall))
    waited = [b["workloads"][w].get("init_waited") for w in wls]
    p(f"{'(init waited for, %)':22}" + "".join(f"{fmt(x and x * 100, 0):>10}" for x in waited))


# ---------------------------------------------------------------- main

class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise Usage(message)


def name_list(kind, known):
    def parse(text):
        names = [n for n in text.split(",") if n]
        for n in names:
            if n not in known:
                raise argparse.ArgumentTypeError(
                    f"unknown {kind} '{n}' (known: {', '.join(known)})")
        if not names:
            raise argparse.ArgumentTypeError(f"no {kind} named")
        return names
    return parse


def positive(text):
    try:
        v = int(text)
    except ValueError:
        v = 0
    if v < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive integer")
    return v


def positive_float(text):
    try:
        v = float(text)
    except ValueError:
        v = 0
    if not v > 0 or math.isinf(v):
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive number")
    return v


def server_args(text):
    try:
        return shlex.split(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"'{text}': {e}") from e


def add_serve_args(ap):
    g = ap.add_argument_group("the warm path (pyjail serve)")
    x = g.add_mutually_exclusive_group()
    x.add_argument("--no-serve", action="store_true", help="skip the serve part")
    x.add_argument("--serve-only", action="store_true", help="only the serve part")
    g.add_argument("--serve-rate", type=positive_float, default=50.0, metavar="N",
                   help="requests/s of the latency part (%(default)s)")
    g.add_argument("--serve-seconds", type=positive_float, metavar="S",
                   help="length of the latency part (default 10, --quick 1)")
    g.add_argument("--serve-clients", type=positive, default=8, metavar="N",
                   help="concurrent clients of the throughput and leak parts (%(default)s)")
    g.add_argument("--serve-throughput-seconds", type=positive_float, metavar="S",
                   help="length of the throughput part (default 10, --quick 1)")
    g.add_argument("--serve-requests", type=positive, metavar="N",
                   help="requests of the leak check (default 2000, --quick 50; "
                   "100000 for the full check)")
    g.add_argument("--serve-args", type=server_args, default=[], metavar="'OPTS'",
                   help="more options for `pyjail serve`, e.g. '--pool 8 --workers 4'")


def parse_args(argv):
    ap = Parser(prog=PROG, description=__doc__.split("\n\n")[0],
                formatter_class=argparse.RawDescriptionHelpFormatter)
    wl_names = [w.name for w in WORKLOADS]
    ap.add_argument("--rootfs", help="the Python rootfs (default: the one `pyjail check` names)")
    ap.add_argument("--pyjail", help="pyjail binary (default: $PYJAIL, else pyjail in PATH)")
    ap.add_argument("--pyjail-config", metavar="FILE",
                    help="pyjail config file (default: an empty one, i.e. built-in defaults)")
    ap.add_argument("--python", default="/usr/bin/python3", help="bare python (%(default)s)")
    ap.add_argument("--bwrap", help="bubblewrap binary (default: bwrap in PATH)")
    ap.add_argument("--crun", help="crun binary (default: crun in PATH, skipped if none)")
    ap.add_argument("--seccomp-helper", metavar="FILE",
                    help="built bench-seccomp (default: compile bench-seccomp.c with cc)")
    ap.add_argument("--iterations", type=positive, help="launches per contender and workload "
                    "(default 40, --quick 3)")
    ap.add_argument("--throughput-launches", type=positive, metavar="N",
                    help="launches per throughput batch (default 40, --quick 4)")
    ap.add_argument("--throughput-rounds", type=positive, metavar="N",
                    help="throughput batches per contender (default 3, --quick 1)")
    ap.add_argument("--throughput-workload", choices=wl_names, default="print")
    ap.add_argument("--quick", action="store_true", help="few launches: a smoke test")
    ap.add_argument("--workloads", type=name_list("workload", wl_names), default=wl_names,
                    help=f"comma-separated subset of {','.join(wl_names)}")
    ap.add_argument("--contenders", type=name_list("contender", CONTENDER_NAMES),
                    default=CONTENDER_NAMES,
                    help=f"comma-separated subset of {','.join(CONTENDER_NAMES)}")
    ap.add_argument("--out", default="tests/bench/results.json",
                    help="JSON results file (default: %(default)s, relative to the cwd)")
    add_serve_args(ap)
    a = ap.parse_args(argv)
    q = a.quick
    a.iterations = a.iterations or (3 if q else 40)
    a.throughput_launches = a.throughput_launches or (4 if q else 40)
    a.throughput_rounds = a.throughput_rounds or (1 if q else 3)
    a.serve_seconds = a.serve_seconds or (1.0 if q else 10.0)
    a.serve_throughput_seconds = a.serve_throughput_seconds or (1.0 if q else 10.0)
    a.serve_requests = a.serve_requests or (50 if q else 2000)
    return a


def log(msg):
    print(f"{PROG}: {msg}", file=sys.stderr, flush=True)


def select_contenders(args, ctx):
    """Instances that can run here, in the order asked; skipped ones are recorded."""
    info, live = {}, []
    for name in args.contenders:
        c = next(k for k in CONTENDERS if k.name == name)(ctx)
        why = c.available()
        info[name] = {"available": why is None, "note": why or c.note,
                      "describe": c.describe() if why is None else ""}
        if why is None:
            live.append(c)
            if name == "pyjail":
                t = PyjailTimings(ctx)
                live.append(t)
                info[t.name] = {"available": True, "note": None, "describe": t.describe()}
    return info, live


def validated_slots(live, workloads, ctx, info, notes):
    slots = []
    for wl in workloads:
        for c in live:
            why = validate(c, wl, ctx.tmp)
            if why:
                notes.append(f"{c.name} dropped for '{wl.name}': {why}")
            else:
                slots.append((c, wl))
    for c in live:
        if not any(s[0] is c for s in slots):
            info[c.name]["available"] = False
            info[c.name]["note"] = "failed every workload (see notes)"
    return slots


def host_info():
    return {"kernel": platform.release(), "cpus": os.cpu_count(), "uid": os.geteuid(),
            "python": platform.python_version(), "machine": platform.machine()}


def run_launches(args, ctx, res, live):
    """The launch benchmark (issue 5): fills res; the contenders it starts go to live."""
    notes = []
    workloads = [w for w in WORKLOADS if w.name in args.workloads]
    info, started = select_contenders(args, ctx)
    live += started
    log(f"validating {len(started)} contenders on {len(workloads)} workloads")
    slots = validated_slots(started, workloads, ctx, info, notes)
    if not slots:
        fail("no contender ran any workload (see the notes above)")
    log(f"measuring {len(slots)} slots x {args.iterations} iterations")
    step = max(1, args.iterations // 4)
    raw = measure_launches(slots, args.iterations, ctx.tmp, lambda i, n: (
        log(f"  iteration {i}/{n}") if i % step == 0 or i == n else None))
    res["config"] = {"iterations": args.iterations, "rootfs": ctx.rootfs,
                     "pyjail": ctx.pyjail, "pyjail_config": ctx.pyjail_config,
                     "python": ctx.python, "workloads": {w.name: w.title for w in workloads},
                     "throughput_workload": args.throughput_workload,
                     "bwrap_seccomp": "denylist (tests/bench/bench-seccomp.c)"
                                      if ctx.bpf else None}
    res["contenders"] = info
    res["notes"] = notes
    res["launch"] = summarize_launches(raw, slots)
    res["ratios"] = ratios_of(res["launch"])
    res["ratio_intervals"] = ratio_intervals(res["launch"])
    res["breakdown"] = summarize_breakdown(raw, slots)
    tw = next(w for w in WORKLOADS if w.name == args.throughput_workload)
    tp = [c for c in started if not c.hidden and (c, tw) in slots]
    if tp:
        log(f"throughput: {args.throughput_rounds} rounds x {len(tp)} contenders")
        res["throughput"] = summarize_throughput(measure_throughput(
            tp, tw, args.throughput_launches, args.throughput_rounds),
            args.throughput_launches, args.throughput_rounds)
    pj = next((c for c in started if c.name == "pyjail" and info["pyjail"]["available"]),
              None)
    res["pyjail_rss"] = {"vmhwm_running_kb": rss_probe(pj) if pj else None}
    res["pyjail_record"] = pyjail_record(pj, ctx.tmp) if pj else None


def run_serve(args, ctx):
    """The warm path (issue 6): serve_bench.py, with the cold path and bare python3
    launched as the launch benchmark launches them."""
    wl = next(w for w in WORKLOADS if w.name == "print")
    bare = Bare(ctx)
    opts = types.SimpleNamespace(
        pyjail=ctx.pyjail, conf=ctx.pyjail_config or ctx.empty_conf, rootfs=ctx.rootfs,
        tmp=ctx.tmp, env=SPAWN_ENV, extra=args.serve_args, rate=args.serve_rate,
        seconds=args.serve_seconds, clients=args.serve_clients,
        tp_seconds=args.serve_throughput_seconds, requests=args.serve_requests,
        iterations=args.iterations, settle_s=2.0 if args.quick else 10.0,
        cold=Pyjail(ctx).launch(wl),
        bare=bare.launch(wl) if bare.available() is None else None)
    tools = types.SimpleNamespace(spawn=spawn, percentile=percentile, Launch=Launch, log=log)
    return serve_bench.run(opts, tools)


def run(args):
    ctx = prepare(args)
    res = {"schema": 1, "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "host": host_info()}
    live = []
    try:
        if not args.serve_only:
            run_launches(args, ctx, res, live)
        if not args.no_serve:
            res["serve"] = run_serve(args, ctx)
    finally:
        for c in live:
            c.cleanup()
        shutil.rmtree(ctx.tmp, ignore_errors=True)
    return res


def main(argv):
    try:
        args = parse_args(argv)
        res = run(args)
    except Usage as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 125
    out = os.path.abspath(args.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out + ".tmp", "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    os.replace(out + ".tmp", out)
    if "launch" in res:
        print_report(res)
    if "serve" in res:
        serve_bench.print_report(res["serve"], print)
    log(f"results written to {out}")
    if not res.get("contenders", {}).get("pyjail", {"available": True})["available"]:
        log("pyjail itself did not run (see the notes): its figures are missing")
        return 1
    if "error" in res.get("serve", {}):
        log("the serve part broke off (see 'error' in the results)")
        return 1
    if args.serve_only and not res["serve"]["available"]:
        log(f"pyjail serve did not run: {res['serve']['reason']}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
