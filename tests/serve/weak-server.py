#!/usr/bin/env python3
"""weak-server.py: a deliberately weak `pyjail serve`, to check that the serve-*.sh
isolation tests can fail.  It speaks the capture mode of the protocol, but runs
every request in ONE long-lived cold jail (pyjail -c WORKER):

    --mode fork     each request in a fork of the worker: /tmp, /dev/shm, the PID,
                    network and IPC namespaces and the cgroup are shared
    --mode inproc   each request in the worker process itself: environment,
                    modules and interpreter state are shared as well

    PJ_SERVE_CMD="python3 tests/serve/weak-server.py --mode fork" \\
        make check TESTS=tests/serve/serve-isolation.sh

serve-common.bash runs $PJ_SERVE_CMD with pyjail's command line (PYJAIL --config
C --rootfs R serve --socket PATH [limits]); it must print "pyjail serve: listening
on PATH" and exit 0 on SIGTERM, as pyjail serve does.  Requests are served one
at a time.  Never use it for anything else."""
import json
import os
import signal
import socket
import subprocess
import sys

WORKER = r'''
import io, json, os, resource, sys, traceback
reply = os.fdopen(os.dup(1), "w")
requests = os.fdopen(os.dup(0), "r")
null = os.open("/dev/null", os.O_RDONLY)
MODE = sys.argv[1]
def run(req, out, err):
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(err, 2)
    sys.argv = ["-c"] + req.get("args", [])
    try:
        exec(compile(req["code"], "<string>", "exec"), {"__name__": "__main__"})
        return 0
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        traceback.print_exc()
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
for line in requests:
    req = json.loads(line)
    out, err = os.memfd_create("out"), os.memfd_create("err")
    saved = [os.dup(0), os.dup(1), os.dup(2)]
    sig, code = None, None
    if MODE == "fork":
        pid = os.fork()
        if pid == 0:
            os._exit(run(req, out, err) & 0xFF)
        ws = os.waitpid(pid, 0)[1]
        sig, code = (os.WTERMSIG(ws), None) if os.WIFSIGNALED(ws) else (None, os.WEXITSTATUS(ws))
    else:
        code = run(req, out, err)
    for i, fd in enumerate(saved):
        os.dup2(fd, i)
        os.close(fd)
    text = []
    for fd in (out, err):
        os.lseek(fd, 0, 0)
        text.append(os.read(fd, 1 << 24).decode("utf-8", "replace"))
        os.close(fd)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN if MODE == "fork" else resource.RUSAGE_SELF).ru_maxrss
    rec = {"status": "signaled" if sig else "exited", "exit_code": code, "signal": sig,
           "stdout": text[0], "stderr": text[1], "peak_memory_bytes": peak * 1024,
           "pids_limit_hit": False, "cgroup": "cgroup1",
           "limits": {"memory": {"enforced_by": "cgroup1"}}}
    reply.write(json.dumps(rec) + "\n")
    reply.flush()
'''


def main():
    args = sys.argv[1:]
    mode = "fork"
    if args[:1] == ["--mode"]:
        mode, args = args[1], args[2:]
    i = args.index("serve")  # args: PYJAIL [options] serve --socket PATH [options]
    path, opts, rest = None, [], args[i + 1:]
    while rest:
        a = rest.pop(0)
        if a == "--socket":
            path = rest.pop(0)
        elif a in ("--pool", "--workers", "--queue", "--group", "--wall-time"):
            rest.pop(0)
        else:
            opts.append(a)
    jail = subprocess.Popen(args[:i] + opts + ["--wall-time", "3600", "-c", WORKER, mode],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(64)
    signal.signal(signal.SIGTERM, lambda *a: (jail.kill(), os.unlink(path), os._exit(0)))
    print("pyjail serve: listening on %s" % path, file=sys.stderr, flush=True)
    while True:
        c, _ = srv.accept()
        line = b""
        while not line.endswith(b"\n"):
            b = c.recv(1 << 16)
            if not b:
                break
            line += b
        try:
            req = json.loads(line)
            jail.stdin.write(json.dumps(req) + "\n")
            jail.stdin.flush()
            c.sendall(jail.stdout.readline().encode())
        except (ValueError, OSError):
            pass
        c.close()


if __name__ == "__main__":
    main()
