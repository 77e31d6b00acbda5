#!/usr/bin/env python3
"""fake-server.py: a stand-in for `pyjail serve`, to test clients against the protocol.

It speaks the server's side of protocol v1 (pyjail(1), PROTOCOL) for a fixed
number of connections and records what the clients sent, so tests can check the
requests, the passed fds and the signal lines, and can choose the reply: a record
with any status, or a broken reply.  It runs no program.

    fake-server.py --socket PATH --log FILE [--count N] [--mode MODE] [record options]

It listens, then forks: the command returns (printing the serving process's pid)
once clients can connect, so a test needs no waiting loop.  The serving process
exits after --count connections, or after 60 s without one.

Modes:
  reply     read the request, reply with the record (the default)
  echo      also copy the passed stdin to the passed stdout as "out:DATA", and write
            "err:DATA" to the passed stderr, before replying (fds mode only)
  signal    send the client process (SO_PEERCRED) each of --signals in turn; log the
            line that comes back for each; then reply
  raw       reply with --raw LINE as it is (a newline is added unless --no-newline)
  close     read the request and close without a reply
  early     reply at once, before reading anything, and close (as a server that is
            busy or finds the request too large)
  wait      read the request, wait for the client to close its side; log "closed"
  kill      the same, but SIGKILL the client first
Every event is one JSON line in --log: {"request": ..., "fds": [[dev, ino], ...]},
{"signal_line": ...}, {"closed": true}, {"reply_failed": ...}.
With --done FIFO, one line is written to FIFO once everything is logged.  The log is written before the reply.
"""
import argparse
import json
import os
import signal
import socket
import stat
import struct
import sys

RECORD_TAIL = (
    '"stdout_truncated":false,"stderr_truncated":false,"wall_ms":12,"cpu_ms":8,'
    '"peak_memory_bytes":1048576,"pids_limit_hit":%s,"limits":{"memory":{"value":268435456,'
    '"enforced_by":"cgroup1"},"cpu_time":{"value":10.000000,"enforced_by":"cgroup1"}},'
    '"denied_syscalls":{"ptrace":2},"cgroup":"cgroup1"'
)


def record(a, with_output):
    """A record laid out as pj_result_write_json() lays it out."""
    j = lambda v: "null" if v is None else str(v)
    s = '{"status":"%s","exit_code":%s,"signal":%s' % (a.status, j(a.exit_code), j(a.signal))
    if with_output:
        s += ',"stdout":%s,"stderr":%s' % (a.stdout_json, a.stderr_json)
    s += "," + RECORD_TAIL % ("true" if a.pids_limit_hit else "false")
    if a.status == "setup-error":
        s += ',"error":%s' % json.dumps(a.error)
    return s + "}"


def log(a, obj):
    with open(a.log, "a") as f:
        f.write(json.dumps(obj) + "\n")


def peer_pid(conn):
    return struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[0]


def read_line(conn, fds_out=None):
    data = b""
    while not data.endswith(b"\n"):
        if fds_out is None:
            chunk = conn.recv(65536)
        else:
            chunk, fds, _flags, _addr = socket.recv_fds(conn, 65536, 8)
            fds_out.extend(fds)
        if not chunk:
            break
        data += chunk
    return data


def serve_one(a, conn):
    if a.mode == "early":
        log(a, {"early": True})
        conn.sendall((record(a, False) + "\n").encode())
        return
    fds = []
    line = read_line(conn, fds)
    try:
        req = json.loads(line)
    except ValueError:
        req = {"unparsable": line.decode("utf-8", "surrogateescape")}
    ids = [[os.fstat(fd).st_dev, os.fstat(fd).st_ino] for fd in fds]
    modes = [stat.S_IFMT(os.fstat(fd).st_mode) for fd in fds]
    log(a, {"request": req, "nfds": len(fds), "fds": ids, "fd_modes": modes,
            "raw_ends_with_newline": line.endswith(b"\n"), "raw_lines": line.count(b"\n")})
    if a.mode == "echo" and len(fds) == 3:
        data = b""
        while True:
            chunk = os.read(fds[0], 65536)
            if not chunk:
                break
            data += chunk
        os.write(fds[1], b"out:" + data)
        os.write(fds[2], b"err:" + data)
    for fd in fds:
        os.close(fd)
    if a.mode == "signal":
        pid = peer_pid(conn)
        for n in a.signals:
            os.kill(pid, n)
            log(a, {"signal_line": read_line(conn).decode()})
    if a.mode == "close":
        return
    if a.mode in ("wait", "kill"):
        if a.mode == "kill":
            os.kill(peer_pid(conn), signal.SIGKILL)
        while conn.recv(65536):
            pass
        log(a, {"closed": True})
        return
    if a.mode == "raw":
        out = a.raw.encode() + (b"" if a.no_newline else b"\n")
    else:
        out = (record(a, req.get("json") or not fds) + "\n").encode()
    try:
        conn.sendall(out)
    except OSError as e:
        log(a, {"reply_failed": e.strerror})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--socket", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--mode", default="reply",
                   choices=["reply", "echo", "signal", "raw", "close", "wait", "kill",
                                             "early"])
    p.add_argument("--done", help="a FIFO to write one line to when all is served and logged")
    p.add_argument("--signals", type=lambda s: [int(x) for x in s.split(",")], default=[])
    p.add_argument("--raw", default="")
    p.add_argument("--no-newline", action="store_true")
    p.add_argument("--status", default="exited")
    p.add_argument("--exit-code", type=int, default=0)
    p.add_argument("--signal", type=int, default=None)
    p.add_argument("--pids-limit-hit", action="store_true")
    p.add_argument("--error", default="")
    p.add_argument("--stdout-json", default='"hello \\udcff\\n"')
    p.add_argument("--stderr-json", default='"warn\\n"')
    a = p.parse_args()
    if a.status != "exited" and a.exit_code == 0:
        a.exit_code = None
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(a.socket)
    os.chmod(a.socket, 0o600)
    ino = os.stat(a.socket).st_ino
    srv.listen(16)
    pid = os.fork()
    if pid:
        print(pid)
        return 0
    # The serving process: detached from the test's stdout, so $(...) returns now.
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)
    srv.settimeout(60)
    try:
        for _ in range(a.count):
            conn, _addr = srv.accept()
            conn.settimeout(60)
            with conn:
                serve_one(a, conn)
    finally:
        # Remove the socket only if it is still this server's: a test may have
        # started another server at the same path meanwhile.
        try:
            if os.stat(a.socket).st_ino == ino:
                os.unlink(a.socket)
        except OSError:
            pass
        if a.done:
            with open(a.done, "w") as f:
                f.write("done\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
