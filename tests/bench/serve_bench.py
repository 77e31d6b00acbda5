"""serve_bench.py: the `pyjail serve` part of bench.py (issue 6's figures).

bench.py starts `pyjail --config CONF --rootfs ROOTFS serve --socket TMP/s` (pool and
workers at their defaults unless --serve-args says otherwise), waits for its
"listening" line, then measures, all with `print(1)`:

  latency     one client at a steady --serve-rate requests/s for --serve-seconds, the
              requests rotating over three ways in: the raw protocol in capture mode
              (one JSON line -> one record line), the raw protocol in fds mode (stdio
              passed with SCM_RIGHTS) and `pyjail client -c 'print(1)'` as a process.
              Request-to-result runs from just before connect to the end of the reply
              line (for the client: its whole life).  Every record must say exited/0
              with stdout "1\\n" (fds mode: "1\\n" in the passed pipe), else it counts
              as failed.
  comparison  the raw protocol, `pyjail client`, the cold path and bare python3,
              interleaved round-robin, unpaced: the ratios.
  throughput  --serve-clients threads sending requests back to back for
              --serve-throughput-seconds: requests/s and the fraction that succeeded.
  leak check  the server's VmRSS, open fds, mountinfo lines and the pyjail-* cgroups it
              named below its own cgroups (with the keeper's and the zygote's RSS and
              fds), before, during and after --serve-requests requests from the same
              clients; then SIGTERM, and what is left of the server afterwards.

Standard library only.  No figure is a pass/fail criterion.
"""

import collections
import json
import os
import select
import signal
import socket
import statistics
import subprocess
import threading
import time
import traceback

REQUEST = b'{"code": "print(1)"}\n'
EXPECT = "1\n"
READY_TIMEOUT = 120  # the pool starts its zygote and prepares jails before listening
REPLY_TIMEOUT = 60


class Skip(Exception):
    """The serve part cannot run here: the reason goes into the results."""


# ---------------------------------------------------------------- the server

class Server:
    """A `pyjail serve` child; its stderr is drained by a thread into `lines`."""

    def __init__(self, argv, env, sock):
        self.argv, self.env, self.sock = argv, env, sock
        self.lines = collections.deque(maxlen=20)
        self.said = collections.Counter()  # every line, with its count
        self.ready = threading.Event()
        self.proc = None

    def start(self):
        try:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                         env=self.env)
        except OSError as e:
            raise Skip(f"cannot start {self.argv[0]}: {e}") from e
        threading.Thread(target=self._drain, daemon=True).start()
        t0 = time.monotonic()
        self.ready.wait(READY_TIMEOUT)
        self.start_s = time.monotonic() - t0
        if self.proc.poll() is not None or not os.path.exists(self.sock):
            self.kill()
            last = self.lines[-1] if self.lines else f"no 'listening' in {READY_TIMEOUT} s"
            raise Skip(f"pyjail serve did not start: {last}")

    def _drain(self):
        for raw in self.proc.stderr:
            line = raw.decode(errors="replace").rstrip("\n")
            self.lines.append(line)
            self.said[line] += 1
            if "listening on" in line:
                self.ready.set()
        self.ready.set()  # EOF: the server is gone

    def stop(self):
        """SIGTERM (drain, then exit); SIGKILL after 30 s.  Returns (exit code, s)."""
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
            code = "killed after 30 s"
        return code, time.monotonic() - t0

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


# ---------------------------------------------------------------- one request

def read_line(s):
    buf = b""
    while b"\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf.split(b"\n", 1)[0]


def verdict(line, want_stdout=True):
    """None if the record says exited/0 with stdout "1\\n", else why not."""
    try:
        rec = json.loads(line)
    except ValueError:
        return f"not a JSON record: {line[:80]!r}"
    if rec.get("status") != "exited" or rec.get("exit_code") != 0:
        return f"{rec.get('status')} {rec.get('exit_code')}: {str(rec.get('error'))[:100]}"
    if want_stdout and rec.get("stdout") != EXPECT:
        return f"stdout {str(rec.get('stdout'))[:40]!r}"
    return None


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    s.settimeout(REPLY_TIMEOUT)
    s.connect(path)
    return s


def capture_once(path):
    """(ns, None) or (ns, why): the raw protocol in capture mode."""
    t0 = time.perf_counter_ns()
    try:
        with connect(path) as s:
            s.sendall(REQUEST)
            line = read_line(s)
    except OSError as e:
        return time.perf_counter_ns() - t0, f"socket: {e}"
    return time.perf_counter_ns() - t0, verdict(line)


class FdsMode:
    """The raw protocol in fds mode: stdin and stderr /dev/null, stdout a fresh pipe."""

    def __init__(self, path):
        self.path = path
        self.null = os.open("/dev/null", os.O_RDWR | os.O_CLOEXEC)

    def once(self):
        r, w = os.pipe2(os.O_CLOEXEC | os.O_NONBLOCK)
        try:
            t0 = time.perf_counter_ns()
            try:
                with connect(self.path) as s:
                    socket.send_fds(s, [REQUEST], [self.null, w, self.null])
                    os.close(w)
                    w = -1
                    line = read_line(s)
            except OSError as e:
                return time.perf_counter_ns() - t0, f"socket: {e}"
            ns = time.perf_counter_ns() - t0
            why = verdict(line, want_stdout=False)
            try:
                out = os.read(r, 4096)  # written before the payload exited, so before the reply
            except BlockingIOError:
                out = b""
            if why is None and out != EXPECT.encode():
                why = f"passed stdout got {out[:40]!r}"
            return ns, why
        finally:
            os.close(r)
            if w >= 0:
                os.close(w)

    def close(self):
        os.close(self.null)


class ProcMode:
    """A whole process (pyjail client, the cold path, bare python3) as one request."""

    def __init__(self, tools, launch, tmp, name):
        self.tools, self.launch = tools, launch
        self.out = os.path.join(tmp, f"serve-{name}.out")

    def once(self):
        try:
            ns, status, _ = self.tools.spawn(self.launch, stdout=self.out)
        except OSError as e:
            return 0, f"cannot start: {e}"
        code = os.waitstatus_to_exitcode(status)
        with open(self.out, errors="replace") as f:
            got = f.read()
        if code != 0 or got != EXPECT:
            return ns, f"exit {code}, stdout {got[:40]!r}"
        return ns, None


# ---------------------------------------------------------------- figures

class Samples:
    def __init__(self):
        self.ms, self.fail, self.why = [], 0, collections.Counter()

    def add(self, ns, why):
        if why is None:
            self.ms.append(ns / 1e6)
        else:
            self.fail += 1
            self.why[why] += 1

    def summary(self, pct):
        s = {"n": len(self.ms) + self.fail, "ok": len(self.ms), "failed": self.fail}
        if self.ms:
            s.update(median_ms=statistics.median(self.ms), p95_ms=pct(self.ms, 95),
                     p99_ms=pct(self.ms, 99), max_ms=max(self.ms), min_ms=min(self.ms))
        if self.why:
            s["failures"] = dict(self.why.most_common(3))
        return s


# ---------------------------------------------------------------- the three loads

def paced(modes, rate, seconds):
    """One request at a time on a fixed schedule of `rate`/s, rotating over `modes`.
    A request that starts more than one period late counts as late (the schedule
    is kept, not caught up in a burst).  Returns ({name: Samples}, achieved/s, late)."""
    n = max(len(modes), round(rate * seconds))
    period = 1e9 / rate
    res = {name: Samples() for name, _ in modes}
    late = 0
    t0 = time.perf_counter_ns()
    for i in range(n):
        wait = t0 + i * period - time.perf_counter_ns()
        if wait > 0:
            time.sleep(wait / 1e9)
        elif -wait > period:
            late += 1
        name, once = modes[i % len(modes)]
        res[name].add(*once())
    return res, n / ((time.perf_counter_ns() - t0) / 1e9), late


def interleaved(slots, iterations):
    """Round-robin over slots, the start rotated per iteration (as bench.py does)."""
    res = {name: Samples() for name, _ in slots}
    for i in range(iterations):
        k = i % len(slots)
        for name, once in slots[k:] + slots[:k]:
            res[name].add(*once())
    return res


def flood(path, threads, seconds=None, total=None, each=None):
    """`threads` clients sending capture requests back to back until `seconds` have
    passed or `total` were sent; each(k) is called after the k-th reply.
    Returns (Samples, elapsed s)."""
    lock = threading.Lock()
    samples, sent = Samples(), [0]
    stop_at = time.perf_counter_ns() + int(seconds * 1e9) if seconds else None

    def client():
        while True:
            with lock:
                if total is not None and sent[0] >= total:
                    return
                if stop_at is not None and time.perf_counter_ns() >= stop_at:
                    return
                sent[0] += 1
            ns, why = capture_once(path)
            with lock:
                samples.add(ns, why)
                k = len(samples.ms) + samples.fail
            if each:
                each(k)

    t0 = time.perf_counter_ns()
    workers = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return samples, (time.perf_counter_ns() - t0) / 1e9


# ---------------------------------------------------------------- leak probes

def read_text(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def vm_kb(pid, key):
    text = read_text(f"/proc/{pid}/status") or ""
    for line in text.splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return None


def count_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def children(pid):
    out = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for t in tasks:
        out += [int(c) for c in (read_text(f"/proc/{pid}/task/{t}/children") or "").split()]
    return out


def descendants(pid):
    out, todo = [], children(pid)
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children(p)
    return out


def comm(pid):
    return (read_text(f"/proc/{pid}/comm") or "").strip()


def zygote_of(server):
    """(keeper, zygote): the server's child whose child is the waiting python3."""
    for k in children(server):
        for z in children(k):
            if comm(z).startswith("python"):
                return k, z
    return None, None


def cgroup_dirs(pid):
    """The directories holding pid's cgroups, one per hierarchy it is in.  A cgroup
    named pyjail-* (a leaf the server moved into) counts by its parent."""
    mounts = []
    for line in (read_text("/proc/self/mountinfo") or "").splitlines():
        f = line.split()
        sep = f.index("-")
        if f[sep + 1] in ("cgroup", "cgroup2"):
            mounts.append((f[3], f[4], f[sep + 1], f[sep + 3].split(",")))
    dirs = []
    for line in (read_text(f"/proc/{pid}/cgroup") or "").splitlines():
        _, ctrls, path = line.split(":", 2)
        for root, mp, fstype, opts in mounts:
            fits = fstype == "cgroup2" if not ctrls else (
                fstype == "cgroup" and all(c in opts for c in ctrls.split(",")))
            if fits and (path + "/").startswith(root.rstrip("/") + "/"):
                d = os.path.normpath(mp + "/" + path[len(root.rstrip("/")):])
                if os.path.basename(d).startswith("pyjail-"):
                    d = os.path.dirname(d)
                if d not in dirs:
                    dirs.append(d)
                break
    return dirs


def own_cgroups(dirs, server):
    """pyjail-* cgroups the server named (pyjail-<its pid>-...), in all its hierarchies."""
    prefix, n = f"pyjail-{server}-", 0
    for d in dirs:
        try:
            n += sum(1 for e in os.scandir(d) if e.is_dir() and e.name.startswith(prefix))
        except OSError:
            pass
    return n


def snapshot(server, dirs, label, requests):
    keeper, zygote = zygote_of(server)
    tree = descendants(server)
    mounts = read_text(f"/proc/{server}/mountinfo")
    return {"point": label, "requests": requests, "rss_kb": vm_kb(server, "VmRSS"),
            "hwm_kb": vm_kb(server, "VmHWM"), "fds": count_fds(server),
            "cgroups": own_cgroups(dirs, server),
            "mounts": len(mounts.splitlines()) if mounts is not None else None,
            "keeper_fds": count_fds(keeper) if keeper else None,
            "zygote_rss_kb": vm_kb(zygote, "VmRSS") if zygote else None,
            "zygote_fds": count_fds(zygote) if zygote else None, "procs": len(tree)}


LEAK_KEYS = ("fds", "cgroups", "mounts", "keeper_fds", "zygote_fds", "procs")


def settle(server, dirs, label, requests, limit_s=10.0):
    """A snapshot once the pool has refilled: two in a row 100 ms apart agree on the
    countable resources, or after limit_s.  The
    server tells nobody when its pool is full again, so this looks every 100 ms."""
    t0, prev = time.monotonic(), None
    while True:
        snap = snapshot(server, dirs, label, requests)
        key = [snap[k] for k in LEAK_KEYS]
        if prev == key:
            break
        if time.monotonic() - t0 > limit_s:
            snap["unsettled"] = True
            break
        prev = key
        time.sleep(0.1)
    snap["settle_s"] = round(time.monotonic() - t0, 2)
    return snap


# ---------------------------------------------------------------- the run

WARMUP = 20


def leak_check(srv, dirs, opts, tools, snaps, sent):
    """--serve-requests requests from the throughput clients; snapshots before, at
    every tenth (requests in flight) and after, the last two once settled."""
    pid, n = srv.proc.pid, opts.requests
    before = settle(pid, dirs, "before", sent)
    snaps.append(before)
    step = max(1, n // 10)

    def each(k):
        if k % step == 0 and k < n:
            snap = snapshot(pid, dirs, f"{100 * k // n}%", sent + k)
            snaps.append(snap)
            tools.log(f"  {k}/{n}: " + ", ".join(f"{c} {snap[c]}" for c in ("rss_kb",) + LEAK_KEYS))

    tools.log(f"serve: leak check over {n} requests, {opts.clients} clients")
    samples, elapsed = flood(srv.sock, opts.clients, total=n, each=each)
    # Not "equal to before": the server keeps emptied request cgroups for reuse
    # (each with its fds), as many as its pool and workers can hold at once, so a
    # burst may leave a few more than before.  A leak grows from row to row.
    after = settle(pid, dirs, "after", sent + n, limit_s=opts.settle_s)
    snaps.append(after)
    keys = ("rss_kb", "zygote_rss_kb") + LEAK_KEYS

    def delta(a, b):
        return {k: a[k] - b[k] for k in keys if a[k] is not None and b[k] is not None}

    return {"requests": n, "clients": opts.clients, "elapsed_s": elapsed,
            **samples.summary(tools.percentile), "cgroup_dirs": dirs, "snapshots": snaps,
            "delta": delta(after, before), "delta_from_start": delta(after, snaps[0])}


def latency_modes(srv, opts, tools, fds):
    client = tools.Launch([opts.pyjail, "client", "--socket", srv.sock, "-c", "print(1)"])
    return [("capture", lambda: capture_once(srv.sock)), ("fds", fds.once),
            ("client", ProcMode(tools, client, opts.tmp, "client").once)]


def latency(srv, opts, tools, res):
    """The paced part and the interleaved comparison; the requests they sent."""
    pct, fds = tools.percentile, FdsMode(srv.sock)
    try:
        modes = latency_modes(srv, opts, tools, fds)
        tools.log(f"serve: latency, {opts.rate}/s for {opts.seconds} s")
        lat, achieved, late = paced(modes, opts.rate, opts.seconds)
        res["latency"] = {"rate": opts.rate, "seconds": opts.seconds, "achieved_per_s": achieved,
                          "late": late, "ways": {k: v.summary(pct) for k, v in lat.items()}}
        for k, v in lat.items():
            res["latency"]["ways"][k]["samples_ms"] = [round(x, 3) for x in v.ms]
        slots = modes[:1] + modes[2:] + [
            (name, ProcMode(tools, launch, opts.tmp, name).once)
            for name, launch in (("cold", opts.cold), ("bare", opts.bare)) if launch]
        tools.log(f"serve: comparison, {opts.iterations} iterations x {len(slots)} ways")
        cmp_ = {k: v.summary(pct) for k, v in interleaved(slots, opts.iterations).items()}
        res["comparison"] = {"iterations": opts.iterations, "ways": cmp_}
    finally:
        fds.close()
    return sum(s["n"] for s in res["latency"]["ways"].values()) + 2 * opts.iterations


def throughput(srv, opts, tools, res):
    tools.log(f"serve: throughput, {opts.clients} clients for {opts.tp_seconds} s")
    s, elapsed = flood(srv.sock, opts.clients, seconds=opts.tp_seconds)
    n = len(s.ms) + s.fail
    res["throughput"] = {"clients": opts.clients, "seconds": opts.tp_seconds,
                         "elapsed_s": elapsed, "requests": n, "per_s": n / elapsed,
                         "ok_per_s": len(s.ms) / elapsed,
                         "ok_fraction": len(s.ms) / n if n else None,
                         **s.summary(tools.percentile)}
    return n


def start_time(pid):
    text = read_text(f"/proc/{pid}/stat")
    return text.rsplit(")", 1)[1].split()[19] if text else None


def watch(pids):
    """pidfds for as many of pids as fds allow, and (pid, start time) for the rest."""
    fds, rest = [], []
    for p, st in [(p, start_time(p)) for p in pids]:  # read while fds are left
        try:
            fds.append(os.pidfd_open(p))
        except ProcessLookupError:
            pass
        except OSError:  # out of fds: a server that leaked many processes
            rest.append((p, st))
    return fds, rest


def shutdown(srv, dirs):
    """SIGTERM; then the processes below the server get 5 s to go (parent-death
    signals arrive after the server's exit), watched through pidfds."""
    pid = srv.proc.pid
    fds, rest = watch(descendants(pid))
    try:
        code, secs = srv.stop()
        deadline, poller, left = time.monotonic() + 5, select.poll(), set(fds)
        for f in fds:
            poller.register(f, select.POLLIN)
        while left and time.monotonic() < deadline:
            for f, _ in poller.poll(max(1, int((deadline - time.monotonic()) * 1000))):
                poller.unregister(f)
                left.discard(f)
    finally:
        for f in fds:
            os.close(f)
    gone = sum(1 for p, st in rest if st is None or start_time(p) != st)
    return {"exit": code, "seconds": round(secs, 3), "procs_left": len(left) + len(rest) - gone,
            "cgroups_left": own_cgroups(dirs, pid)}


def run(opts, tools):
    """opts: pyjail, conf, rootfs, tmp, env, extra (server options), rate, seconds,
    clients, tp_seconds, requests, iterations, cold and bare (launches or None),
    settle_s (how long the leak check waits for the server to be back where it was).
    tools: spawn, percentile, Launch, log."""
    sock = os.path.join(opts.tmp, "serve.sock")
    argv = [opts.pyjail, "--config", opts.conf, "--rootfs", opts.rootfs, "serve",
            "--socket", sock, *opts.extra]
    res = {"available": False, "argv": argv}
    srv = Server(argv, opts.env, sock)
    try:
        tools.log("serve: starting " + " ".join(argv[1:]))
        srv.start()
    except Skip as e:
        res["reason"] = str(e)
        return res
    res.update(available=True, ready_s=round(srv.start_s, 3))
    pid = srv.proc.pid
    dirs = cgroup_dirs(pid)
    try:
        for _ in range(WARMUP):  # unmeasured: every slot of the pool used once or more
            capture_once(sock)
        snaps = [settle(pid, dirs, "start", WARMUP)]
        sent = WARMUP + latency(srv, opts, tools, res)
        sent += throughput(srv, opts, tools, res)
        res["leak"] = leak_check(srv, dirs, opts, tools, snaps, sent)
        res["shutdown"] = shutdown(srv, dirs)
    except Exception:  # a bug here: keep what was measured, say what broke
        res["error"] = traceback.format_exc()
    finally:
        srv.kill()
        res["server_stderr"] = list(srv.lines)
        res["server_said"] = dict(srv.said.most_common(10))
    return res


# ---------------------------------------------------------------- report for people

WAYS = {"capture": "raw protocol, capture mode", "fds": "raw protocol, fds mode",
        "client": "pyjail client (process)", "cold": "cold path: pyjail -c",
        "bare": "bare python3 -c"}


def fmt(x, nd=1):
    return "-" if x is None else f"{x:.{nd}f}"


def failures(s):
    if not s.get("failed"):
        return ""
    return f"  ({s['failed']} failed: " + "; ".join(s.get("failures", {})) + ")"


def print_report(res, p):
    p("")
    if not res.get("available"):
        p(f"pyjail serve: skipped ({res.get('reason')})")
        return
    p(f"pyjail serve, print(1): server {' '.join(res['argv'][1:])}, listening after "
      f"{res['ready_s']} s")
    p(f"note: {os.cpu_count()} CPUs shared with the bench process and whatever else runs "
      "here; the figures are noisy, for people, never pass/fail")
    for part, show in (("latency", print_latency), ("comparison", print_comparison),
                       ("throughput", print_throughput), ("leak", print_leak)):
        if part in res:
            show(res, p)
    said = {k: v for k, v in res.get("server_said", {}).items() if "listening on" not in k}
    for line, n in said.items():
        p(f"the server said {n} times: {line}")
    if "error" in res:
        p("the serve part broke off: " + res["error"].strip().splitlines()[-1])


def print_latency(res, p):
    lat = res["latency"]
    p(f"latency at a steady {lat['rate']}/s for {lat['seconds']} s (achieved "
      f"{lat['achieved_per_s']:.1f}/s, {lat['late']} started late), rotating the ways in;")
    p("ms from just before connect to the end of the reply line (client: the whole process)")
    p(f"{'way in':28} {'median':>7} {'p95':>7} {'p99':>7} {'max':>7} {'n':>5}")
    for k, s in lat["ways"].items():
        p(f"{WAYS[k]:28} {fmt(s.get('median_ms'), 2):>7} {fmt(s.get('p95_ms'), 2):>7} "
          f"{fmt(s.get('p99_ms'), 2):>7} {fmt(s.get('max_ms'), 2):>7} {s['n']:>5}{failures(s)}")


def print_comparison(res, p):
    cmp_ = res["comparison"]["ways"]
    cold = cmp_.get("cold", {}).get("median_ms")
    bare = cmp_.get("bare", {}).get("median_ms")
    p(f"interleaved, unpaced, {res['comparison']['iterations']} each: ms; cold/x = the cold "
      "path's median over this one's, x/bare = this one's over bare python3's")
    p(f"{'way in':28} {'median':>7} {'p95':>7} {'cold/x':>7} {'x/bare':>7} {'n':>5}")
    for k, s in cmp_.items():
        med = s.get("median_ms")
        p(f"{WAYS[k]:28} {fmt(med, 2):>7} {fmt(s.get('p95_ms'), 2):>7} "
          f"{fmt(cold / med if cold and med else None, 2):>7} "
          f"{fmt(med / bare if bare and med else None, 2):>7} {s['n']:>5}{failures(s)}")


def print_throughput(res, p):
    t = res["throughput"]
    p(f"throughput: {t['clients']} clients back to back for {t['seconds']} s: {t['requests']} "
      f"requests, {t['per_s']:.1f}/s, {t['ok_per_s']:.1f}/s succeeded "
      f"({100 * (t['ok_fraction'] or 0):.2f}%); under load median {fmt(t.get('median_ms'), 2)} "
      f"ms, p99 {fmt(t.get('p99_ms'), 2)} ms, max {fmt(t.get('max_ms'), 2)} ms{failures(t)}")


def print_leak(res, p):
    lk, sd = res["leak"], res.get("shutdown")
    p(f"leak check: {lk['requests']} requests from {lk['clients']} clients in "
      f"{lk['elapsed_s']:.1f} s ({lk['requests'] / lk['elapsed_s']:.1f}/s){failures(lk)}; "
      "the server's VmRSS, fds and "
      "mountinfo lines, the pyjail-<server pid>-* cgroups in its hierarchies, the keeper's "
      "fds, the zygote's RSS and fds, processes below the server; 'requests' counts all "
      "the server was sent; the rows between 'before' and 'after' have requests in flight; "
      "the server keeps emptied request cgroups (and their fds) for reuse, up to its pool "
      "plus workers, so those two counts may rise to that bound, never beyond")
    cols = (("rss_kb", "VmRSS kB"), ("fds", "fds"), ("cgroups", "cgroups"), ("mounts", "mounts"),
            ("keeper_fds", "keeper fds"), ("zygote_rss_kb", "zygote kB"),
            ("zygote_fds", "zygote fds"), ("procs", "procs"))
    p(f"{'point':8} {'requests':>8} " + " ".join(f"{h:>10}" for _, h in cols))
    for s in lk["snapshots"]:
        p(f"{s['point']:8} {s['requests']:>8} " + " ".join(
            f"{'-' if s[k] is None else s[k]:>10}" for k, _ in cols) +
          (f"  (settled in {s['settle_s']} s)" if "settle_s" in s else "") +
          ("  NOT SETTLED" if s.get("unsettled") else ""))
    for label, d in (("after-before", lk["delta"]), ("after-start", lk["delta_from_start"])):
        p(f"{label:17} " + " ".join(
            f"{'-' if d.get(k) is None else format(d[k], '+'):>10}" for k, _ in cols))
    if sd:
        p(f"after SIGTERM: exit {sd['exit']} in {sd['seconds']} s; processes of the server "
          f"left {sd['procs_left']}; its cgroups left {sd['cgroups_left']}")
