#!/usr/bin/env python3
"""cardd_client.py -- a small concurrent HTTP client for the cardd tests (loopback only).

  cardd_client.py same URL CODE N          N clients redeem one code at once (accounts a0..aN-1);
                                           prints the status of each, one per line
  cardd_client.py load URL CODES OUT T SEC T threads redeem the "SERIAL CODE" lines of CODES
                                           (each line once, account acct-SERIAL) for at most
                                           SEC seconds (a thread stops after 20
                                           broken connections in a row); appends "SERIAL STATUS" to OUT as each
                                           answer arrives (flushed), "SERIAL ERR" on a broken
                                           connection, "SERIAL 503-without-Retry-After" for a
                                           503 lacking the header; prints a summary of statuses
  cardd_client.py feed URL TOKEN STOPFILE OUT
                                           read the feed from the start, 37 at a time, until
                                           STOPFILE exists and a read comes back empty; checks
                                           ids are 1, 2, 3, ... without gap or repeat; writes
                                           the serials to OUT, one per line
"""
import collections
import http.client
import json
import sys
import threading
import time
import urllib.parse


def conn_for(url):
    u = urllib.parse.urlparse(url)
    assert u.hostname in ("127.0.0.1", "localhost", "::1"), "loopback only"
    return http.client.HTTPConnection(u.hostname, u.port, timeout=30)


def post(conn, code, account):
    body = json.dumps({"code": code, "account": account})
    conn.request("POST", "/v1/redemptions", body, {"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    return r.status, data, r.getheader("Retry-After")


def same(url, code, n):
    barrier = threading.Barrier(n)
    out = [None] * n

    def run(i):
        c = conn_for(url)
        c.connect()
        barrier.wait()
        try:
            out[i] = post(c, code, "a%d" % i)[0]
        except Exception as e:  # noqa: BLE001 - report any failure as a status
            out[i] = "ERR %s" % e
    ts = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for s in out:
        print(s)


def load(url, codes_file, out_file, nthreads, secs):
    lines = [l.split() for l in open(codes_file) if l.strip()]
    lock = threading.Lock()
    it = iter(lines)
    stats = collections.Counter()
    out = open(out_file, "a")
    deadline = time.time() + secs

    def run():
        c = conn_for(url)
        errors = 0
        while time.time() < deadline and errors < 20:
            with lock:
                nxt = next(it, None)
            if nxt is None:
                return
            serial, code = nxt
            try:
                st, _, retry_after = post(c, code, "acct-%d" % int(serial))
                errors = 0
                if st == 503:
                    if not retry_after:
                        st = "503-without-Retry-After"
                    time.sleep(0.1)  # a polite client backs off
            except Exception:  # noqa: BLE001 - connection refused or reset: record it
                st = "ERR"
                errors += 1
                c.close()
                c = conn_for(url)
                time.sleep(0.05)
            with lock:
                stats[st] += 1
                out.write("%d %s\n" % (int(serial), st))
                out.flush()
    ts = [threading.Thread(target=run) for _ in range(nthreads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    out.close()
    print(" ".join("%s=%d" % (k, v) for k, v in sorted(stats.items(), key=str)))


def feed(url, token, stopfile, out_file):
    import os
    c = conn_for(url)
    after, serials, reads = 0, [], 0
    while True:
        stopping = os.path.exists(stopfile)
        c.request("GET", "/v1/redemptions?after=%d&limit=37" % after, headers={"Authorization": "Bearer " + token})
        r = c.getresponse()
        body = r.read()
        assert r.status == 200, (r.status, body)
        d = json.loads(body)
        reads += 1
        for e in d["redemptions"]:
            if e["id"] != after + 1:
                sys.exit("feed gap or repeat: %d after %d" % (e["id"], after))
            after = e["id"]
            serials.append(e["serial"])
        if d["next_after"] != after:
            sys.exit("next_after %d, last id %d" % (d["next_after"], after))
        if not d["redemptions"]:
            if stopping:
                break
            time.sleep(0.01)
    with open(out_file, "w") as f:
        for s_ in serials:
            f.write("%d\n" % int(s_))
    print("feed: %d entries in %d reads" % (len(serials), reads))


if __name__ == "__main__":
    if sys.argv[1] == "same":
        same(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1] == "load":
        load(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), float(sys.argv[6]))
    elif sys.argv[1] == "feed":
        feed(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
    else:
        sys.exit("usage: see the header")
