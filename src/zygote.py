# zygote.py: pyjail serve's pristine interpreter.
#
# Runs as `python3 -c <this file>` as the payload of the zygote jail (keeper.c),
# with fd 3 its channel to the server and, as ambient capabilities, only what
# joining a prepared jail needs.  It never runs request code itself.  For each
# "spawn" it enters the prepared jail's PID namespace for its children, forks P
# and goes back to its own; P joins the request's cgroup and the jail's other
# namespaces, drops everything (capabilities, Landlock, no_new_privs, seccomp:
# the cold path's order), reports ready and waits.  When the request arrives P takes its stdio, argv and
# environment and returns to the module level below, which runs the program as
# python3 would; the zygote reaps P and reports its wait status.
#
# Messages to the server are struct pj_msg (sync.h); the server's are in marshal
# format (marshal.c).  Only what is built in or small is imported here (no json,
# no socket module: they bring re, enum and selectors), since every request's
# fork copies or unmaps what the zygote holds, and finds it in sys.modules.
import _socket
import ctypes
import marshal
import os
import struct
import sys

_G = globals()
_MSG = struct.Struct("=ii8Qii256s")
(_GO, _RUNNING, _ERROR, _STATUS, _NOTIFY_FD, _TIMES, _PREPARE, _JAIL, _PID) = range(1, 10)
_ST_CGROUP, _ST_CLONE, _ST_MOUNTS, _ST_CAPS, _ST_SECCOMP, _ST_EXEC = 3, 4, 6, 8, 9, 10
_NEWNS, _NEWCGROUP, _NEWUTS, _NEWIPC, _NEWPID, _NEWNET = (
    0x20000, 0x02000000, 0x04000000, 0x08000000, 0x20000000, 0x40000000)
_SYS_CAPSET, _SYS_SETNS, _SYS_SECCOMP = 126, 308, 317
_SYS_LL_CREATE, _SYS_LL_ADD, _SYS_LL_RESTRICT = 444, 445, 446
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


class _Fail(Exception):
    def __init__(self, stage, what):
        super().__init__(what)
        self.stage = stage


def _send_fds(sock, data, fds):
    anc = [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, struct.pack("%di" % len(fds), *fds))]
    sock.sendmsg([data], anc if fds else [])


def _recv_fds(sock, size, maxfds):
    """As socket.recv_fds: the data and the descriptors that came with it."""
    data, anc, _, _ = sock.recvmsg(size, _socket.CMSG_SPACE(maxfds * 4))
    fds = []
    for level, kind, raw in anc:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
            n = len(raw) // 4
            fds += struct.unpack("%di" % n, raw[:n * 4])
    return data, fds


def _send(sock, kind, value=0, fds=(), stage=0, code=0, text=""):
    data = _MSG.pack(kind, value, *([0] * 8), code, stage, text.encode()[:255])
    _send_fds(sock, data, list(fds))


def _call(stage, what, fn, *args):
    r = fn(*args)
    if r < 0:
        e = ctypes.get_errno()
        raise _Fail(stage, "%s: %s" % (what, os.strerror(e)))
    return r


def _sys(stage, what, nr, *args):
    return _call(stage, what, _libc.syscall, ctypes.c_long(nr), *args)


def _prctl(what, option, *args):
    a = [ctypes.c_ulong(x) for x in args] + [ctypes.c_ulong(0)] * (4 - len(args))
    return _call(_ST_CAPS, what, _libc.prctl, ctypes.c_int(option), *a)


def _drop_caps(inner_root):
    if inner_root:  # uid 0 inside would get its capabilities back at execve
        _prctl("lock securebits", 28, 0x2F)
    cap = 0
    while _libc.prctl(24, ctypes.c_ulong(cap), 0, 0, 0) == 0:  # PR_CAPBSET_DROP
        cap += 1
    _prctl("clear ambient capabilities", 47, 4)  # PR_CAP_AMBIENT, CLEAR_ALL
    hdr = struct.pack("=Ii", 0x20080522, 0)
    _sys(_ST_CAPS, "clear capabilities", _SYS_CAPSET, hdr, bytes(24))
    _prctl("set no_new_privs", 38, 1)


def _landlock(spec):
    if not spec:
        return
    attr = struct.pack("=QQQ", spec["handled"], 0, spec["scoped"])
    rs = _sys(_ST_CAPS, "landlock: create ruleset", _SYS_LL_CREATE, attr, len(attr), 0)
    try:
        for path, rights in spec["rules"]:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                import stat as _stat
                if not _stat.S_ISDIR(os.fstat(fd).st_mode):
                    rights &= spec["file_rights"]
                rule = struct.pack("=Qi", rights, fd)
                _sys(_ST_CAPS, "landlock: rule for '%s'" % path, _SYS_LL_ADD, rs, 1, rule, 0)
            finally:
                os.close(fd)
        _sys(_ST_CAPS, "landlock: restrict", _SYS_LL_RESTRICT, rs, 0)
    finally:
        os.close(rs)


class _Fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _seccomp(blob):
    """Install the server's filter (seccomp.c's blob); return the listener fd or -1."""
    if not blob:
        return -1
    if blob[:8] != b"PJBPF001" or len(blob) <= 16 or (len(blob) - 16) % 8:
        raise _Fail(_ST_SECCOMP, "the seccomp program is malformed")
    listener = struct.unpack_from("=I", blob, 8)[0] & 1
    buf = ctypes.create_string_buffer(blob[16:], len(blob) - 16)
    prog = _Fprog((len(blob) - 16) // 8, ctypes.addressof(buf))
    return _sys(_ST_SECCOMP, "install the seccomp filter", _SYS_SECCOMP, 1,
                8 if listener else 0, ctypes.byref(prog))


def _enter(ns, cgroup_fds, cwd):
    """P: the request's cgroup, then the prepared jail's namespaces."""
    for fd in cgroup_fds:
        try:
            os.write(fd, b"0")
        except OSError as e:
            raise _Fail(_ST_CGROUP, "join the cgroup: %s" % e.strerror)
        os.close(fd)
    for fd, kind in zip(ns[1:], (_NEWNS, _NEWNET, _NEWIPC, _NEWUTS)):
        _sys(_ST_CLONE, "setns", _SYS_SETNS, fd, kind)
    for fd in ns:
        os.close(fd)
    _call(_ST_CGROUP, "unshare cgroup namespace", _libc.unshare, _NEWCGROUP)
    try:
        os.chdir(cwd)
    except OSError as e:
        raise _Fail(_ST_MOUNTS, "working directory '%s': %s" % (cwd, e.strerror))
    os.setsid()


_SAMPLE = marshal.dumps({"kind": "code", "target": "pass", "args": [],
                         "orig_argv": ["python3", "-c", "pass"],
                         "env": ["PATH=/usr/bin", "HOME=/tmp"], "rlimits": [[4, 0, 0]]})


def _rehearse():
    """Walk the path a request takes once while nothing waits: its message (a
    datagram with descriptors, marshal.loads), the environment, a fresh __main__,
    compile, exec, print, a collection.  The pages this writes are copied from
    the zygote now, not while the request runs, and only those (copying the
    whole heap ahead costs more than it saves).  Nothing of it stays: the
    environment is set back as it was, the rest is garbage."""
    import io
    a, b = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_SEQPACKET)
    try:
        _send_fds(a, _SAMPLE, [a.fileno()])
        data, fds = _recv_fds(b, 1 << 16, 4)
        for fd in fds:
            os.close(fd)
    finally:
        a.close()
        b.close()
    marshal.loads(data)
    env = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    type(sys)("__main__")
    out = io.StringIO()
    exec(compile("print('x', file=out)\n", "<zygote>", "exec", dont_inherit=True), {"out": out})
    gc.collect()


def _p_prepare(sock, init, ns, cgroup_fds):
    _enter(ns, cgroup_fds, init["cwd"])
    _rehearse()
    _drop_caps(init["inner_root"])
    _landlock(init["landlock"])
    notify = _seccomp(init["seccomp"])
    if notify >= 0:
        _send(sock, _NOTIFY_FD, fds=[notify])
        os.close(notify)
    _send(sock, _GO)


def _p_wait(sock):
    """P: wait for the request; take its stdio, limits and environment."""
    data, fds = _recv_fds(sock, 1 << 16, 4)
    if not data or len(fds) < 3:
        os._exit(0)
    if len(fds) == 4:  # a big request comes in a sealed memfd
        data = os.pread(fds[3], os.fstat(fds[3]).st_size, 0)
        os.close(fds.pop())
    req = marshal.loads(data)
    for res, soft, hard in req["rlimits"]:
        sys.modules["resource"].setrlimit(res, (soft, hard))
    for i, fd in enumerate(fds):
        os.dup2(fd, i)
        os.close(fd)
    if req["kind"] == "script":
        _script(req)
    os.environ.clear()
    os.environ.update(kv.split("=", 1) for kv in req["env"])
    _send(sock, _RUNNING)
    # Nothing of the server's stays open for the program (the zygote reports its
    # end): a descriptor it did not open would be a leak to the program.
    sock.close()
    return req


def _script(req):
    """The script's text: a file where the jail may write (/tmp), else only
    in linecache, so that tracebacks still show its lines."""
    if "script_text" in req:
        data = req["script_text"].encode("utf-8", "surrogateescape")
    else:
        import base64 as _b64
        data = _b64.b64decode(req["script_b64"])
    req["script_data"] = data
    path = req.get("script_path")
    if path:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    else:
        import linecache as _lc
        text = data.decode("utf-8", "replace")
        path = os.path.abspath(req["target"])
        _lc.cache[path] = (len(data), None, text.splitlines(True), path)


def _p_main(sock, init, ns, cgroup_fds):
    try:
        _p_prepare(sock, init, ns, cgroup_fds)
        return _p_wait(sock)
    except _Fail as e:
        _send(sock, _ERROR, stage=e.stage, text=str(e))
    except Exception as e:  # a bug here must not leave a half-made jail
        _send(sock, _ERROR, stage=_ST_EXEC, text="zygote: %r" % (e,))
    os._exit(125)


def _spawn(zsock, own_pidns, init, fds, children):
    """Fork P into the prepared jail's PID namespace (the zygote's own is
    restored for its next fork); report P's pidfd.  Returns in P only."""
    sock = _socket.socket(fileno=fds[0])
    ns, cgroup_fds = fds[1:6], fds[6:]
    try:
        _sys(_ST_CLONE, "setns pid", _SYS_SETNS, ns[0], _NEWPID)
        pid = os.fork()
    except (_Fail, OSError) as e:
        pid = -1
        try:
            _send(sock, _ERROR, stage=_ST_CLONE, text="fork into the jail: %s" % e)
        except OSError:
            pass
    if pid == 0:
        zsock.close()
        os.close(own_pidns)
        for pfd, (_, other) in children.items():
            os.close(pfd)
            other.close()
        return _p_main(sock, init, ns, cgroup_fds)
    _sys(_ST_CLONE, "setns pid", _SYS_SETNS, own_pidns, _NEWPID)
    for fd in fds[1:]:
        os.close(fd)
    if pid < 0:
        sock.close()
        return None
    pfd = os.pidfd_open(pid)
    try:
        _send(sock, _PID, value=pid, fds=[pfd])
    except OSError:
        pass  # the server gave up on this jail; P's end is still reaped below
    children[pfd] = (pid, sock)
    return None


def _reap(pfd, children):
    """P ended: its wait status to the server (P keeps no channel of its own)."""
    pid, sock = children.pop(pfd)
    _, status = os.waitpid(pid, 0)
    try:
        _send(sock, _STATUS, value=status)
    except OSError:
        pass  # the server gave up on this jail: nobody to tell
    sock.close()
    os.close(pfd)


def _serve():
    """The zygote's loop; returns only in P, with the request."""
    import select
    zsock = _socket.socket(fileno=3)
    data, fds = _recv_fds(zsock, 1 << 16, 1)
    init = marshal.loads(data)
    blob = b""
    if fds:
        blob = os.pread(fds[0], 1 << 20, 0)
        os.close(fds[0])
    init["seccomp"] = blob
    own_pidns = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    children = {}  # P's pidfd -> (pid, its socket)
    while True:
        ready, _, _ = select.select([zsock] + list(children), [], [])
        for pfd in ready:
            if pfd is not zsock:
                _reap(pfd, children)
        if zsock not in ready:
            continue
        try:
            data, fds = _recv_fds(zsock, 1 << 16, 16)
        except OSError as e:  # EMFILE and the like: this jail fails, not the zygote
            sys.stderr.write("pyjail zygote: %s\n" % e)
            continue
        if not data:
            os._exit(0)
        if len(fds) < 6:
            for fd in fds:
                os.close(fd)
            continue
        try:
            req = _spawn(zsock, own_pidns, init, fds, children)
        except OSError as e:
            sys.stderr.write("pyjail zygote: %s\n" % e)
            continue
        if req is not None:
            return req


def _main_module(req):
    """A fresh __main__ and sys.argv/sys.path[0] as python3 sets them for req."""
    m = type(sys)("__main__")
    old = sys.modules["__main__"]
    m.__loader__, m.__annotations__, m.__builtins__ = old.__loader__, {}, old.__builtins__
    kind, target = req["kind"], req["target"]
    sys.argv = [{"code": "-c", "module": "-m", "stdin": "-", "none": ""}.get(kind, target)]
    sys.argv += req["args"]
    sys.orig_argv = req["orig_argv"]
    sys.path[0] = ""
    if kind == "script":
        path = req["script_abspath"] = os.path.abspath(target)  # as python3 3.9+
        m.__file__, m.__cached__ = path, None
        from importlib.machinery import SourceFileLoader as _SFL
        m.__loader__ = _SFL("__main__", path)
        sys.path[0] = os.path.dirname(os.path.realpath(path))
    elif kind in ("stdin", "none"):
        m.__file__, m.__cached__ = "<stdin>", None
    elif kind == "module":
        sys.path[0] = os.getcwd()
    sys.modules["__main__"] = m
    return m


def _source(req):
    kind, target = req["kind"], req["target"]
    if kind == "code":
        return compile(target, "<string>", "exec", dont_inherit=True)
    if kind == "script":
        return compile(req["script_data"], req["script_abspath"], "exec", dont_inherit=True)
    return compile(sys.stdin.buffer.read(), "<stdin>", "exec", dont_inherit=True)


def _exit_status(e):
    """python3's exit status for a SystemExit (Python/pythonrun.c)."""
    code = e.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        sys.stderr.write(str(code) + "\n")
    except Exception:
        pass
    return 1


def _clear_dict(d):
    """As CPython clears a module at exit: names with one underscore first,
    then the rest, set to None (not removed: late finalizers may still look)."""
    for first in (True, False):
        for k in list(d):
            if k == "__builtins__" or not isinstance(k, str):
                continue
            if not first or (k.startswith("_") and not k.startswith("__")):
                d[k] = None


def _finish(status, interrupted, keep):
    """The observable part of Py_FinalizeEx, for this fork only: wait for threads,
    run atexit, let go of what the program made (its __main__ and the modules it
    imported, so their finalizers run), flush stdio.  What the zygote made stays
    untouched: tearing it down would copy every page of its heap for nothing."""
    if "threading" in sys.modules:
        sys.modules["threading"]._shutdown()
    import atexit as _ae
    _ae._run_exitfuncs()
    mine = [sys.modules.pop(n) for n in [n for n in sys.modules if n not in keep]]
    import gc as _gc
    _gc.collect()
    for m in mine[::-1] + [_main]:
        if isinstance(getattr(m, "__dict__", None), dict):
            _clear_dict(m.__dict__)
    _gc.collect()
    for f in (sys.stdout, sys.stderr):
        try:
            if f is not None and not f.closed:
                f.flush()
        except Exception:
            status = 120 if status == 0 else status
    if interrupted:
        import signal as _sig
        _sig.signal(_sig.SIGINT, _sig.SIG_DFL)
        os.kill(os.getpid(), _sig.SIGINT)
    os._exit(status)


import gc  # noqa: E402
import resource  # noqa: E402,F401  (P sets rlimits after its seccomp filter is on)
# Lazily made once per interpreter (the AST types: ~0.5 ms): make them here, once.
exec(compile("pass", "<zygote>", "exec"), {})
gc.freeze()  # the zygote's objects are never collected in a fork: no page is copied for it
_req = _serve()
_main = _main_module(_req)
_keep = set(sys.modules)
del _serve, _spawn, _reap, _p_main, _p_wait, _p_prepare
_status, _interrupted = 0, False
try:
    if _req["kind"] == "module":
        import runpy as _runpy
        _runpy._run_module_as_main(_req["target"], True)
    else:
        exec(_source(_req), _main.__dict__)
except SystemExit as _e:
    _status = _exit_status(_e)
except BaseException as _e:
    # As python3 reports it: the traceback starts in the program, not here.
    _t = _e.__traceback__
    while _t is not None and _t.tb_frame.f_globals is _G:
        _t = _t.tb_next
    _e.__traceback__ = _t
    sys.last_type, sys.last_value, sys.last_traceback = type(_e), _e, _t
    sys.excepthook(type(_e), _e, _t)
    _status, _interrupted = 1, isinstance(_e, KeyboardInterrupt)
    del _e, _t
_finish(_status, _interrupted, _keep)
