#!/usr/bin/env python3
"""ha_client.py -- the students of the failover test: redeem distinct codes, retrying each
until it gets an answer that settles it, and log every answer with its times (loopback only).

  ha_client.py URL CODES OUT THREADS SECS STOPFILE
      THREADS threads take the "SERIAL CODE" lines of CODES one at a time (account
      acct-SERIAL) and POST each until it is settled: 201 (redeemed), 200 (it had been
      redeemed by this account: an earlier try committed but its answer was lost) or any
      other 4xx.  A 5xx or a broken connection is retried after 50 ms, as a student retries.
      Stops at SECS seconds, when STOPFILE exists, or when the codes run out.  Appends
      "SENT ANSWERED SERIAL STATUS" (Unix times) to OUT for every answer, flushed as it comes,
      STATUS ERR for a broken connection; prints a summary of statuses.
"""
import collections
import http.client
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cardd_client import conn_for, post  # noqa: E402


def main(url, codes_file, out_file, nthreads, secs, stopfile):
    lines = [l.split() for l in open(codes_file) if l.strip()]
    lock = threading.Lock()
    it = iter(lines)
    stats = collections.Counter()
    out = open(out_file, "a")
    deadline = time.time() + secs

    def going():
        return time.time() < deadline and not os.path.exists(stopfile)

    def run():
        c = conn_for(url)
        while going():
            with lock:
                nxt = next(it, None)
            if nxt is None:
                return
            serial, code = int(nxt[0]), nxt[1]
            settled = False
            while not settled and going():
                sent = time.time()
                try:
                    st = post(c, code, "acct-%d" % serial)[0]
                except (OSError, http.client.HTTPException):  # refused or reset: record and retry
                    st = "ERR"
                    c.close()
                    c = conn_for(url)
                settled = st != "ERR" and st < 500
                with lock:
                    stats[st] += 1
                    out.write("%.3f %.3f %d %s\n" % (sent, time.time(), serial, st))
                    out.flush()
                if not settled:
                    time.sleep(0.05)
    ts = [threading.Thread(target=run) for _ in range(nthreads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    out.close()
    print(" ".join("%s=%d" % (k, v) for k, v in sorted(stats.items(), key=str)))


if __name__ == "__main__":
    if len(sys.argv) != 7:
        sys.exit("usage: ha_client.py URL CODES OUT THREADS SECS STOPFILE")
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6])
