#!/usr/bin/env python3
"""pyjail_client: run Python programs through a `pyjail serve` server.

Standard library only (Python 3.9+).  Each call sends one request over the
server's unix socket and returns the result record, the same dict that
`pyjail --json` prints (see pyjail(1), THE RESULT RECORD and PROTOCOL).  Every
request runs in a fresh jail on the server's side.

Example::

    import pyjail_client

    rec = pyjail_client.run(code="import sys; print(sys.stdin.read()[::-1])",
                            stdin=b"hello", options={"memory": "64M", "wall-time": "2s"},
                            socket_path="/run/pyjail/serve.sock", timeout=10)
    if rec["status"] == "exited":
        print(rec["exit_code"], pyjail_client.output(rec))   # 0 b'olleh\\n'
    else:
        print("not a normal exit:", rec["status"], rec.get("error"))

By default the program's output is captured into the record ("capture mode").
With fds=(stdin, stdout, stderr) the three file descriptors are passed to the
server and the program reads and writes them directly ("fds mode"); the record
then has no "stdout"/"stderr" unless capture=True.

A record with status "setup-error" (bad option, server busy, ...) is returned
like any other: check rec["status"].  ProtocolError is raised when the server's
reply is missing or is not a record; OSError when the server cannot be reached;
TimeoutError when timeout passes (the connection is closed, which makes the
server kill the jail).

Command line, for a quick try (prints the record, exits as pyjail would)::

    python3 pyjail_client.py --socket PATH [--option NAME=VALUE ...] -c CODE [ARG ...]
"""

import base64
import json
import os
import socket
import sys
import time

__all__ = ["run", "start", "output", "exit_status", "Run", "ProtocolError"]

DEFAULT_SOCKET = "/run/pyjail/serve.sock"
MAX_REPLY = 256 << 20  # as the C client: the output limit, JSON-escaped, fits

SIGNALS = (1, 2, 3, 15)  # the signals the protocol forwards: HUP, INT, QUIT, TERM


class ProtocolError(Exception):
    """The server's reply is missing, too large or not a result record."""


def _script_field(script):
    """script is a path (read here, with the caller's rights) or (path, bytes)."""
    if isinstance(script, (tuple, list)):
        path, data = script
    else:
        path = os.fspath(script)
        with open(path, "rb") as f:
            data = f.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        return {"path": path, "text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"path": path, "base64": base64.b64encode(data).decode("ascii")}


def _request(code, module, script, stdin_program, args, stdin, options, python_flags,
             capture, fds):
    if sum(x is not None and x is not False for x in (code, module, script, stdin_program)) > 1:
        raise ValueError("give at most one of code, module, script, stdin_program")
    req = {}
    if code is not None:
        req["code"] = code
    if module is not None:
        req["module"] = module
    if script is not None:
        req["script"] = _script_field(script)
    if stdin_program:
        req["stdin_program"] = True
    if args:
        req["args"] = [str(a) for a in args]
    if python_flags:
        req["python_flags"] = [str(f) for f in python_flags]
    if options:
        req["options"] = {str(k): v for k, v in options.items()}
    if fds is None:
        if stdin:
            # The protocol carries text: stdin must be UTF-8 in capture mode.
            req["stdin"] = stdin.decode("utf-8") if isinstance(stdin, bytes) else stdin
    else:
        if stdin:
            raise ValueError("stdin= is for capture mode; in fds mode the program reads fds[0]")
        if capture:
            req["json"] = True
    return (json.dumps(req, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


class Run:
    """One request in flight: send_signal() while it runs, wait() for the record."""

    def __init__(self, request, socket_path, fds=None):
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            if fds is not None and len(fds) != 3:
                raise ValueError("fds must be (stdin, stdout, stderr)")
            self._sock.connect(os.fspath(socket_path))
            self._send(request, fds)
        except BaseException:
            self._sock.close()
            raise
        self._buf = b""
        self.record = None

    def _send(self, request, fds):
        try:
            n = 0
            if fds is not None:
                n = socket.send_fds(self._sock, [request], [int(f) for f in fds])
            self._sock.sendall(request[n:])
        except (BrokenPipeError, ConnectionResetError):
            pass  # a server that refuses early has replied and closed: wait() reads it

    def send_signal(self, signum):
        """Forward signal signum (1, 2, 3 or 15) to the program."""
        if int(signum) not in SIGNALS:
            raise ValueError("the protocol forwards only signals %s" % (SIGNALS,))
        self._sock.sendall(b'{"signal":%d}\n' % int(signum))

    def wait(self, timeout=None):
        """The result record (a dict).  On timeout the connection is closed, which
        makes the server kill the jail, and TimeoutError is raised."""
        if self.record is not None:
            return self.record
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while b"\n" not in self._buf:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise socket.timeout()
                self._sock.settimeout(left)
                chunk = self._sock.recv(65536)
                if not chunk:
                    raise ProtocolError(
                        "the server closed the connection without a reply" if not self._buf
                        else "the server's reply ended without its end of line")
                self._buf += chunk
                if len(self._buf) > MAX_REPLY:
                    raise ProtocolError("the server's reply is larger than %d bytes" % MAX_REPLY)
        except socket.timeout:
            self.close()
            raise TimeoutError("no reply from the server within %s s" % timeout) from None
        except BaseException:
            self.close()
            raise
        self.close()
        self.record = _parse(self._buf.split(b"\n", 1)[0])
        return self.record

    def close(self):
        self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _parse(line):
    try:
        rec = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ProtocolError("the server's reply is not JSON: %s" % e) from None
    if not isinstance(rec, dict) or not isinstance(rec.get("status"), str):
        raise ProtocolError("the server's reply is not a result record: %.200r" % line)
    return rec


def start(code=None, module=None, script=None, stdin_program=False, args=(), stdin=b"",
          options=None, python_flags=(), socket_path=DEFAULT_SOCKET, fds=None, capture=False):
    """Send a request and return a Run (see run() for the arguments)."""
    req = _request(code, module, script, stdin_program, args, stdin, options, python_flags,
                   capture, fds)
    return Run(req, socket_path, fds)


def run(code=None, module=None, script=None, stdin_program=False, args=(), stdin=b"",
        options=None, python_flags=(), socket_path=DEFAULT_SOCKET, timeout=None, fds=None,
        capture=False):
    """Run one program in a fresh jail and return its result record (a dict).

    code / module / script / stdin_program: what to run, as python3 -c, -m, SCRIPT
        or - (at most one; none: the program is read from stdin).  script is a host
        path, read here, or a (path, bytes) pair; path is what sys.argv[0] shows.
    args: sys.argv[1:].    python_flags: e.g. ("-I", "-X", "utf8").
    stdin: bytes (UTF-8) or str, the program's stdin in capture mode.
    options: pyjail limits by long option name, e.g. {"memory": "64M", "pids": 16};
        they may only tighten the server's limits.
    fds: (stdin, stdout, stderr) file descriptors to hand to the program instead of
        capturing; capture=True still captures the output into the record.
    timeout: seconds to wait for the reply (None: no limit).
    """
    with start(code, module, script, stdin_program, args, stdin, options, python_flags,
               socket_path, fds, capture) as r:
        return r.wait(timeout)


def output(rec, stream="stdout"):
    """The captured stream of a record as bytes (undoing the \\udcXX escapes)."""
    return rec.get(stream, "").encode("utf-8", "surrogateescape")


def exit_status(rec):
    """The exit status pyjail would give for this record."""
    st = rec["status"]
    if st == "exited":
        return rec["exit_code"]
    if st == "setup-error":
        return 125
    if st == "timeout":
        return 124
    return 128 + (rec.get("signal") or 9)


def _main(argv):
    import argparse

    p = argparse.ArgumentParser(description="Run Python through a pyjail server.")
    p.add_argument("--socket", default=DEFAULT_SOCKET)
    p.add_argument("--option", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--timeout", type=float)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("-c", dest="code")
    g.add_argument("-m", dest="module")
    g.add_argument("--script")
    p.add_argument("args", nargs="*")
    a = p.parse_args(argv)
    options = dict(o.split("=", 1) for o in a.option)
    stdin = b"" if sys.stdin.isatty() else sys.stdin.buffer.read()
    try:
        rec = run(a.code, a.module, a.script, args=a.args, stdin=stdin, options=options,
                  socket_path=a.socket, timeout=a.timeout)
    except (OSError, ProtocolError, TimeoutError, ValueError) as e:
        print("pyjail_client: %s" % e, file=sys.stderr)
        return 125
    print(json.dumps(rec, separators=(",", ":")))
    return exit_status(rec)


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
