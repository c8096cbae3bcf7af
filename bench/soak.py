#!/usr/bin/env python3
"""soak.py -- mixed traffic against a running cardd for a while, and the checks that must hold.

  soak.py URL PID CODES FORGED PLATFORM_TOKEN HELPDESK_TOKEN SECONDS OUT

URL is cardd (loopback, with trusted_proxies = 127.0.0.1 so X-Forwarded-For spreads clients
over many addresses), PID its process id (for RSS), CODES "SERIAL CODE" lines of valid unredeemed
cards, FORGED "SERIAL CODE" lines of codes made with another key.  Traffic, each kind in its
own threads: valid redemptions (each card once, paced), repeats of redeemed cards by the same
account (200), typos (400), forged codes (422) from many addresses, the feed read from the
start (ids must be consecutive), help-desk card lookups, and slow clients that send a header
byte every 2 s (closed by cardd's request deadline).  Every 10 s one line: request rate, error
rates, p50/p99/p999 latency and cardd's RSS.  At the end writes the serials answered 201 to OUT
(for the caller's database check) and exits 1 on: a forged code accepted, an unexpected answer
(a 5xx, a wrong status for the kind), the feed out of order, or RSS growth (the last third of
the run against the first third, beyond 25 % + 8 MiB).
"""
import http.client
import json
import random
import socket
import sys
import threading
import time
import urllib.parse

URL, PID, CODES, FORGED, PLAT, HELP, SECS, OUT = sys.argv[1:9]
SECS = float(SECS)
u = urllib.parse.urlparse(URL)
assert u.hostname == "127.0.0.1", "loopback only"
HOST, PORT = u.hostname, u.port

lock = threading.Lock()
lat = []            # latencies of this interval (s)
counts = {}         # (kind, status) -> n, this interval
totals = {}         # (kind, status) -> n, whole run
problems = []
redeemed = []       # (serial, code, account) answered 201
stop = threading.Event()
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def rss_kib():
    with open("/proc/%s/status" % PID) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def addr():
    return "10.%d.%d.%d" % (random.randrange(256), random.randrange(256), random.randrange(1, 255))


class Client:
    def __init__(self):
        self.c = None

    def req(self, kind, method, path, body=None, headers=None):
        h = {"X-Forwarded-For": addr()}
        h.update(headers or {})
        if body is not None:
            h["Content-Type"] = "application/json"
            body = json.dumps(body)
        t0 = time.time()
        try:
            if self.c is None:
                self.c = http.client.HTTPConnection(HOST, PORT, timeout=30)
            self.c.request(method, path, body, h)
            r = self.c.getresponse()
            data = r.read()
            st = r.status
            if r.getheader("Connection", "").lower() == "close":
                self.c.close()
                self.c = None
        except (OSError, http.client.HTTPException) as e:
            st, data = "ERR", str(e).encode()
            if self.c is not None:
                self.c.close()
            self.c = None
        dt = time.time() - t0
        with lock:
            lat.append(dt)
            counts[(kind, st)] = counts.get((kind, st), 0) + 1
            totals[(kind, st)] = totals.get((kind, st), 0) + 1
        return st, data


def problem(msg):
    with lock:
        if len(problems) < 50:
            problems.append(msg)


def redeemer(codes, rate):
    c = Client()
    gap = 1.0 / rate
    nxt = time.time()
    while not stop.is_set():
        with lock:
            if not codes:
                return
            serial, code = codes.pop()
        acct = "acct-%s" % serial
        headers = {"Idempotency-Key": "soak-%s" % serial} if int(serial) % 3 == 0 else None
        st, data = c.req("redeem", "POST", "/v1/redemptions", {"code": code, "account": acct}, headers)
        if st == 201:
            with lock:
                redeemed.append((serial, code, acct))
        elif st not in (429, 503):
            problem("redeem %s: %s %s" % (serial, st, data[:200]))
        nxt += gap
        time.sleep(max(0.0, nxt - time.time()))


def repeater():
    c = Client()
    while not stop.is_set():
        with lock:
            pick = random.choice(redeemed) if redeemed else None
        if pick is None:
            time.sleep(0.1)
            continue
        serial, code, acct = pick
        st, data = c.req("repeat", "POST", "/v1/redemptions", {"code": code, "account": acct})
        if st not in (200, 429, 503):
            problem("repeat %s: %s %s" % (serial, st, data[:200]))
        time.sleep(0.02)


def typo(codes):
    c = Client()
    while not stop.is_set():
        serial, code = random.choice(codes)
        i = random.choice([j for j, ch in enumerate(code) if ch != "-"])
        ch = random.choice([a for a in ALPHABET if a != code[i]])
        bad = code[:i] + ch + code[i + 1:]
        st, data = c.req("typo", "POST", "/v1/redemptions", {"code": bad, "account": "t-%s" % serial})
        if st not in (400, 422, 429):  # a substitution is caught by the check symbol or the MAC
            problem("typo %s: %s %s" % (serial, st, data[:200]))
        time.sleep(0.01)


def forger(forged):
    c = Client()
    while not stop.is_set():
        serial, code = random.choice(forged)
        st, data = c.req("forged", "POST", "/v1/redemptions", {"code": code, "account": "f-%s" % serial})
        if st in (200, 201):
            problem("FORGED CODE ACCEPTED: serial %s" % serial)
        elif st not in (422, 429):
            problem("forged %s: %s %s" % (serial, st, data[:200]))
        time.sleep(0.01)


def feeder():
    c = Client()
    after = 0
    while not stop.is_set():
        st, data = c.req("feed", "GET", "/v1/redemptions?after=%d&limit=200" % after,
                         headers={"Authorization": "Bearer " + PLAT})
        if st != 200:
            if st not in (429, 503):
                problem("feed: %s %s" % (st, data[:200]))
            time.sleep(0.2)
            continue
        d = json.loads(data)
        for e in d["redemptions"]:
            if e["id"] != after + 1:
                problem("feed: id %d after %d" % (e["id"], after))
            after = e["id"]
        if not d["redemptions"]:
            time.sleep(0.2)


def helpdesk(codes):
    c = Client()
    while not stop.is_set():
        serial, _ = random.choice(codes)
        st, data = c.req("card", "GET", "/v1/cards/%s" % serial, headers={"Authorization": "Bearer " + HELP})
        if st not in (200, 429, 503):
            problem("card %s: %s %s" % (serial, st, data[:200]))
        time.sleep(0.05)


def slowpoke():
    while not stop.is_set():
        s = None
        try:
            s = socket.create_connection((HOST, PORT), timeout=60)
            s.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            while not stop.is_set():
                time.sleep(2)
                s.send(b"a")
        except OSError:
            with lock:
                counts[("slow", "closed")] = counts.get(("slow", "closed"), 0) + 1
                totals[("slow", "closed")] = totals.get(("slow", "closed"), 0) + 1
        finally:
            if s is not None:
                s.close()


def pct(xs, p):
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def main():
    codes = [l.split() for l in open(CODES) if l.strip()]
    forged = [l.split() for l in open(FORGED) if l.strip()]
    pool = list(codes)
    random.shuffle(pool)
    lookups = list(codes)
    # 160 redemptions a second, or fewer when the cards would not last the whole run.
    per_thread = min(40.0, 0.95 * len(pool) / SECS / 4)
    threads = [threading.Thread(target=redeemer, args=(pool, per_thread)) for _ in range(4)]
    threads += [threading.Thread(target=repeater) for _ in range(2)]
    threads += [threading.Thread(target=typo, args=(codes,)) for _ in range(2)]
    threads += [threading.Thread(target=forger, args=(forged,)) for _ in range(3)]
    threads += [threading.Thread(target=feeder)]
    threads += [threading.Thread(target=helpdesk, args=(lookups,))]
    threads += [threading.Thread(target=slowpoke, daemon=True) for _ in range(8)]
    start = time.time()
    rss = [(0.0, rss_kib())]
    print("soak: %d s against %s (pid %s), RSS at start %d KiB" % (SECS, URL, PID, rss[0][1]), flush=True)
    for t in threads:
        t.start()
    while time.time() - start < SECS:
        time.sleep(min(10.0, max(0.1, SECS - (time.time() - start))))
        with lock:
            ls, cs = list(lat), dict(counts)
            lat.clear()
            counts.clear()
        now = time.time() - start
        r = rss_kib()
        rss.append((now, r))
        n = sum(v for (k, s), v in cs.items() if k != "slow")
        e5 = sum(v for (k, s), v in cs.items() if isinstance(s, int) and s >= 500)
        err = sum(v for (k, s), v in cs.items() if s == "ERR")
        lim = sum(v for (k, s), v in cs.items() if s == 429)
        ok201 = cs.get(("redeem", 201), 0)
        interval = now - (rss[-2][0])
        print("t=%4.0fs rate=%6.0f/s redeemed=%5.0f/s 5xx=%.2f%% broken=%.2f%% limited=%.2f%% "
              "p50=%.1fms p99=%.1fms p999=%.1fms slow_closed=%d rss=%dKiB"
              % (now, n / interval, ok201 / interval, 100.0 * e5 / max(n, 1), 100.0 * err / max(n, 1),
                 100.0 * lim / max(n, 1), pct(ls, 0.5) * 1e3, pct(ls, 0.99) * 1e3, pct(ls, 0.999) * 1e3,
                 cs.get(("slow", "closed"), 0), r), flush=True)
    stop.set()
    for t in threads:
        if not t.daemon:
            t.join(timeout=30)
    with open(OUT, "w") as f:
        for serial, _, acct in redeemed:
            f.write("%s %s\n" % (serial, acct))
    summary = " ".join("%s:%s=%d" % (k, s, v) for (k, s), v in sorted(totals.items(), key=str))
    print("soak: totals " + summary)
    third = [x for t, x in rss if 0 < t <= SECS / 3 + 1]
    last = [x for t, x in rss if t >= 2 * SECS / 3 - 1]
    base = min(third) if third else rss[0][1]
    end = max(last) if last else rss[-1][1]
    print("soak: RSS start %d KiB, first third %d KiB, end %d KiB" % (rss[0][1], base, end))
    if end > base * 1.25 + 8192:
        problems.append("RSS grew from %d to %d KiB" % (base, end))
    if not redeemed:
        problems.append("nothing was redeemed")
    for p in problems:
        print("soak: PROBLEM " + p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
