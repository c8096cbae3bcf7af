#!/usr/bin/env python3
"""attack_client.py -- what an outsider does to cardd, for tests/cardd_attack.sh (loopback only).

  attack_client.py raw PORT FILE         send the bytes of FILE from 127.0.0.1 and read until the
                                        server closes or is silent for 3 s; prints the status of
                                        every answer ("status 400" lines), then "closed" or
                                        "open" (the connection after the answers)
  attack_client.py conns PORT N          open N connections from 127.0.0.1 and hold them 1 s;
                                        prints "refused R" (closed by the server at once)
  attack_client.py slowloris PORT N SEC  N sockets from 127.0.0.1 each send the start of a
                                        request ("GET /healthz HTTP/1.1\\r\\nX-") and then one
                                        byte every 10 s, reopened when the server closes them;
                                        meanwhile 127.0.0.2 asks GET /healthz every 0.5 s with
                                        a 1 s timeout.  Prints "other ANSWERED/ASKED max MS",
                                        "attack_closed C" (sockets the server closed) and
                                        "longest S" (seconds the longest attack socket lived);
                                        exits 1 if any other request took over 1 s
"""
import re
import resource
import select
import socket
import sys
import time


def connect(port, src="127.0.0.1", timeout=2.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def statuses(data):
    return [m.decode() for m in re.findall(rb"HTTP/1\.[01] (\d{3}) ", data)]


def readable(s, timeout):
    p = select.poll()
    p.register(s, select.POLLIN | select.POLLHUP | select.POLLERR)
    return bool(p.poll(timeout * 1000))


def raw(port, path):
    payload = open(path, "rb").read()
    s = connect(port)
    s.sendall(payload)
    data = b""
    closed = False
    deadline = time.time() + 3
    while time.time() < deadline:
        if not readable(s, 0.3):
            if data:
                deadline = min(deadline, time.time() + 0.5)
            continue
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            closed = True
            break
        if not chunk:
            closed = True
            break
        data += chunk
    for st in statuses(data):
        print("status", st)
    print("closed" if closed else "open")


def is_closed(s):
    if not readable(s, 0):
        return False
    try:
        return s.recv(4096) == b""  # data (an error answer) is read and dropped
    except BlockingIOError:
        return False
    except OSError:
        return True


def conns(port, n):
    socks = [connect(port) for _ in range(n)]
    time.sleep(1.0)
    print("refused", sum(1 for s in socks if is_closed(s)))


def other_ok(port):
    t0 = time.time()
    try:
        s = connect(port, "127.0.0.2", timeout=1.0)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        ok = data.startswith(b"HTTP/1.1 200")
    except OSError:
        ok = False
    return ok, time.time() - t0


def slowloris(port, n, secs):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 256), hard))
    socks = {}  # socket -> (opened, last byte)
    closed = 0
    longest = 0.0
    start = time.time()

    def open_one():
        try:
            s = connect(port)
            s.setblocking(False)
            s.send(b"GET /healthz HTTP/1.1\r\nX-")
            socks[s] = [time.time(), time.time()]
        except OSError:
            pass

    for _ in range(n):
        open_one()
    asked = answered = 0
    worst = 0.0
    next_other = time.time()
    while time.time() - start < secs:
        now = time.time()
        for s in list(socks):
            opened, last = socks[s]
            if is_closed(s):
                closed += 1
                longest = max(longest, now - opened)
                s.close()
                del socks[s]
                continue
            if now - last >= 10:
                try:
                    s.send(b"a")
                    socks[s][1] = now
                except OSError:
                    pass
        while len(socks) < n:
            before = len(socks)
            open_one()
            if len(socks) == before:
                break
        if now >= next_other:
            ok, took = other_ok(port)
            asked += 1
            answered += 1 if ok and took <= 1.0 else 0
            worst = max(worst, took)
            next_other = now + 0.5
        time.sleep(0.05)
    for s, (opened, _) in socks.items():
        longest = max(longest, time.time() - opened)
        s.close()
    print("other %d/%d max %d" % (answered, asked, worst * 1000))
    print("attack_closed", closed)
    print("longest %.1f" % longest)
    return 0 if answered == asked and asked > 0 else 1


def main():
    cmd = sys.argv[1]
    port = int(sys.argv[2])
    if cmd == "raw":
        raw(port, sys.argv[3])
    elif cmd == "conns":
        conns(port, int(sys.argv[3]))
    elif cmd == "slowloris":
        sys.exit(slowloris(port, int(sys.argv[3]), float(sys.argv[4])))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
