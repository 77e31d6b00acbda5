#!/usr/bin/env python3
"""serve-raw.py: talk to `pyjail serve` at the byte level, for the serve-*.sh tests.

    serve-raw.py SOCK send JSON [--signal N ...] [--later] [--fds N] [--close]
        send JSON (@FILE: the file's content) plus "\\n" (capture mode; with
        --fds N, N copies of /dev/null passed as SCM_RIGHTS), then each --signal
        as a {"signal": N} line, in the same write (or 0.3 s later with --later);
        print the reply line.  --close: close at once instead of waiting for it.
    serve-raw.py SOCK code CODE [ARG ...]
        send {"code": CODE, "args": [ARG ...]}; print the reply
    serve-raw.py SOCK bytes TEXT [--close]
        send TEXT (Python escapes: \\n, \\x00 ...) as it is; print the reply
    serve-raw.py SOCK idle
        connect and send nothing; print the reply
    serve-raw.py SOCK connect
        only connect: print "connected" or the errno's name
    serve-raw.py SOCK repeat N CODE
        send {"code": CODE} N times, one after the other; print one line per
        reply: status/exit_code/signal/stdout (stdout stripped)
    serve-raw.py SOCK many N JSON WANT_STDOUT
        N clients at once, each sending JSON; print "ok=A busy=B other=C", then
        the first few other replies.  ok: exited 0 with WANT_STDOUT; busy: a
        setup-error saying "server busy".

Exit status: 0 when a reply was printed, 3 when the server closed without one,
2 when the server could not be reached.  No reply within --timeout (default
30 s) counts as no reply."""
import argparse
import errno
import json
import os
import socket
import sys
import threading
import time


def connect(path, timeout):
    """A blocking connect, as most clients make (it waits while the server's
    listen queue is full), then a timeout for the rest."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(timeout)
    return s


def send(s, data, fds=()):
    """Send data (with fds in the first message); a server that already replied
    and closed (busy, too large) may refuse the rest: that is not an error here."""
    try:
        if fds:
            n = socket.send_fds(s, [data], list(fds))
            data = data[n:]
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass


def reply(s):
    """The server's reply: everything up to EOF (one line), or None."""
    buf = b""
    try:
        while True:
            b = s.recv(1 << 16)
            if not b:
                break
            buf += b
    except (socket.timeout, ConnectionResetError):
        pass
    return buf.decode("utf-8", "replace").strip() or None


def one(a):
    try:
        s = connect(a.sock, a.timeout)
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e)))
        return 2
    if a.what == "connect":
        print("connected")
        return 0
    fds = []
    later = b""
    if a.what == "send":
        text = open(a.text[1:]).read() if a.text.startswith("@") else a.text
        data = (text + "\n").encode()
        fds = [os.open("/dev/null", os.O_RDWR) for _ in range(a.fds)]
        later = b"".join(b'{"signal": %d}\n' % n for n in a.signal)
        if not a.later:
            data, later = data + later, b""
    elif a.what == "code":
        data = (json.dumps({"code": a.code, "args": a.args}) + "\n").encode()
    elif a.what == "bytes":
        data = a.text.encode().decode("unicode_escape").encode("latin-1")
    else:
        data = b""
    if data:
        send(s, data, fds)
    if later:
        time.sleep(0.3)
        send(s, later)
    if a.close:
        s.close()
        return 0
    r = reply(s)
    if r is None:
        return 3
    print(r)
    return 0


def many(a):
    results = [None] * a.n
    go = threading.Event()

    def client(i):
        go.wait()
        try:
            s = connect(a.sock, a.timeout)
            send(s, (a.text + "\n").encode())
            results[i] = reply(s)
            s.close()
        except OSError as e:
            results[i] = "connect: " + errno.errorcode.get(e.errno, str(e))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(a.n)]
    for t in threads:
        t.start()
    go.set()
    for t in threads:
        t.join()
    ok = busy = 0
    other = []
    for r in results:
        try:
            d = json.loads(r)
        except (TypeError, ValueError):
            other.append(repr(r))
            continue
        if d.get("status") == "exited" and d.get("exit_code") == 0 and d.get("stdout") == a.want:
            ok += 1
        elif d.get("status") == "setup-error" and "server busy" in (d.get("error") or ""):
            busy += 1
        else:
            other.append(r[:300])
    print("ok=%d busy=%d other=%d" % (ok, busy, len(other)))
    for r in other[:3]:
        print(r)
    return 0


def repeat(a):
    for _ in range(a.n):
        s = connect(a.sock, a.timeout)
        send(s, (json.dumps({"code": a.code}) + "\n").encode())
        r = reply(s)
        s.close()
        try:
            d = json.loads(r)
            print("%s/%s/%s/%s" % (d["status"], d["exit_code"], d["signal"], d.get("stdout", "").strip()))
        except (TypeError, ValueError, KeyError):
            print("not a record: %r" % (r,))
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("sock")
    p.add_argument("--timeout", type=float, default=30)
    sub = p.add_subparsers(dest="what", required=True)
    s = sub.add_parser("send")
    s.add_argument("text")
    s.add_argument("--signal", type=int, action="append", default=[])
    s.add_argument("--later", action="store_true")
    s.add_argument("--fds", type=int, default=0)
    s.add_argument("--close", action="store_true")
    c = sub.add_parser("code")
    c.add_argument("code")
    c.add_argument("args", nargs="*")
    c.set_defaults(close=False)
    b = sub.add_parser("bytes")
    b.add_argument("text")
    b.add_argument("--close", action="store_true")
    sub.add_parser("idle").set_defaults(close=False)
    sub.add_parser("connect")
    r = sub.add_parser("repeat")
    r.add_argument("n", type=int)
    r.add_argument("code")
    m = sub.add_parser("many")
    m.add_argument("n", type=int)
    m.add_argument("text")
    m.add_argument("want")
    a = p.parse_args()
    if a.what == "many":
        return many(a)
    if a.what == "repeat":
        return repeat(a)
    return one(a)


if __name__ == "__main__":
    sys.exit(main())
