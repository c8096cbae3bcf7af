#!/usr/bin/env python3
"""prop_redeem.py -- property test of card.redeem_many against a model of its rules.

Hundreds of random calls (seeded RNG; the seed is printed: rerun with REDEEM_SEED=N), one
after another on one database, each a mix the function must answer request by request: cards
of two batches under two key ids, serials in no batch, void cards, the same card twice in a
call (under the right and the wrong key id, by one account or two), Idempotency-Keys new,
replayed, used twice in a call or with another card, and calls of nothing but new cards and
new keys (the short way).  The model below says, in request order, what each request should
get; after every call the answer must be the model's: outcome, id (the card's one redemption
row, the same id whenever it is repeated), term, face value and account, and NULL where the
outcome reveals nothing.  At the end the database must hold exactly the model's redemptions
and the model's stored key outcomes.

The model's rules, as the function promises them:
  * a request whose key an earlier request of the same call used is answered like that one:
    the same card and account get its outcome (redeemed as repeated), anything else
    idempotency_key_reused;
  * otherwise a request whose Idempotency-Key was stored by an earlier call replays that key:
    the same card and account get its stored outcome (a stored "redeemed" as "repeated"),
    anything else idempotency_key_reused; nothing changes;
  * any other request: invalid_code when its serial lies in no batch minted under its key id,
    card_void when the card is void, repeated or already_redeemed when the card has a
    redemption (by this account or another: earlier, or earlier in this call), else redeemed;
    a request that owns a new key stores its outcome there.
Run by tests/redeem_prop.sh under tests/pg-run.  REDEEM_CALLS sets the number of calls (400).
"""
import json
import os
import random
import subprocess
import sys
import tempfile

CARDCTL = os.environ.get("CARDCTL_BIN") or os.path.join(os.environ["top_builddir"], "tools", "cardctl")
seed = int(os.environ.get("REDEEM_SEED", random.SystemRandom().randrange(1 << 30)))
ncalls = int(os.environ.get("REDEEM_CALLS", "400"))
print(f"# seed {seed} (rerun with REDEEM_SEED={seed}), {ncalls} calls", flush=True)
rng = random.Random(seed)
tmp = tempfile.mkdtemp(prefix="redeem-prop.")


def sh(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def psql(sql):
    r = subprocess.run(["psql", "-X", "-tAq", "-v", "ON_ERROR_STOP=1", "-F", "\t", "-c", sql],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"psql failed: {r.stderr.strip()}\n{sql[:500]}")
    return [line.split("\t") for line in r.stdout.splitlines() if line != ""]


# Two batches of one term, under key ids 0 and 1, and serials beyond them (in no batch).
sh(CARDCTL, "db", "migrate")
keyring = os.path.join(tmp, "keyring")
for kid in ("0", "1"):
    sh(CARDCTL, "key", "new", "--keyring", keyring, "--id", kid, "--label", "prop")
org = os.path.join(tmp, "org.csv")
with open(org, "w") as f:
    f.write("code,name,kind,parent\nC,city,city,\n")
sh(CARDCTL, "org", "import", org)
sh(CARDCTL, "term", "new", "2026-autumn", "--start", "2026-09-01")
batches = []
for kid in (0, 1):
    b = json.loads(sh(CARDCTL, "--json", "batch", "mint", "--term", "2026-autumn", "--count", "300",
                      "--keyring", keyring, "--key-id", str(kid)))
    batches.append((kid, int(b["first_serial"]), 300))
key_of = {s: kid for kid, first, n in batches for s in range(first, first + n)}
top = max(first + n for _, first, n in batches)
serials = sorted(key_of) + list(range(top, top + 6))
face = int(psql("SELECT face_value_fen FROM card.term WHERE code = '2026-autumn'")[0][0])
batch_id = psql("SELECT id FROM card.batch ORDER BY first_serial LIMIT 1")[0][0]

# The model.
redeemed = {}  # serial -> account
voids = set()
stored = {}  # key -> (serial, account, outcome)
ids = {}  # serial -> redemption id, as first answered
accounts = ["amy", "ben", "cy", "dan"]
keyno = 0
failures = 0


def new_key():
    global keyno
    keyno += 1
    return f"k{keyno}"


def card_outcome(s, k, a, seen):
    """What a request that is not answered from a key gets; seen: redemptions of this call."""
    if key_of.get(s) != k:
        return "invalid_code"
    if s in voids:
        return "card_void"
    owner = redeemed.get(s, seen.get(s))
    if owner is None:
        seen[s] = a
        return "redeemed"
    return "repeated" if owner == a else "already_redeemed"


def replay(outcome):
    return "repeated" if outcome == "redeemed" else outcome


def model(reqs):
    seen, first_of_key, out, new_stored = {}, {}, [], {}
    for i, (s, k, a, key) in enumerate(reqs):
        if key is not None and key in first_of_key:
            j = first_of_key[key]
            o = replay(out[j]) if (reqs[j][0], reqs[j][2]) == (s, a) else "idempotency_key_reused"
        elif key is not None and key in stored:
            ks, ka, ko = stored[key]
            o = replay(ko) if (ks, ka) == (s, a) else "idempotency_key_reused"
            first_of_key[key] = i
        else:
            o = card_outcome(s, k, a, seen)
            if key is not None:
                first_of_key[key] = i
                new_stored[key] = (s, a, o)
        out.append(o)
    redeemed.update(seen)
    stored.update(new_stored)
    return out


def random_call():
    n = rng.choice([1, 1, 2, 3, 5, 8, 13])
    if rng.random() < 0.35:  # nothing but new cards and new keys: the short way
        fresh = [s for s in serials if s in key_of and s not in redeemed and s not in voids]
        if len(fresh) >= n:
            return [(s, key_of[s], rng.choice(accounts), new_key() if rng.random() < 0.8 else None)
                    for s in rng.sample(fresh, n)]
    reqs = []
    used_keys = list(stored)
    for _ in range(n):
        r = rng.random()
        if reqs and r < 0.2:  # again, as in this call
            s, k, a, key = rng.choice(reqs)
            if rng.random() < 0.4:
                a = rng.choice(accounts)
            if rng.random() < 0.3:
                k = 1 - k if k in (0, 1) else 0
            reqs.append((s, k, a, key if rng.random() < 0.6 else None))
            continue
        s = rng.choice(serials)
        k = key_of.get(s, rng.choice([0, 1]))
        if rng.random() < 0.1:
            k = 1 - k
        a = rng.choice(accounts)
        kr = rng.random()
        if kr < 0.35:
            key = None
        elif kr < 0.55 and used_keys:
            key = rng.choice(used_keys)
            if rng.random() < 0.6:  # the same request again, as a client retries
                s, a, _ = stored[key]
                k = key_of.get(s, k)
        else:
            key = new_key()
        reqs.append((s, k, a, key))
    return reqs


def arr(values, typ):
    if all(v is None for v in values) and typ == "text[]":
        return "NULL"
    return "ARRAY[" + ",".join("NULL" if v is None else (f"'{v}'" if typ == "text[]" else str(v))
                               for v in values) + f"]::{typ}"


for c in range(ncalls):
    if rng.random() < 0.08:  # a card is voided between calls
        s = rng.choice([s for s in key_of if s not in redeemed and s not in voids] or [None])
        if s is not None:
            psql(f"INSERT INTO card.void (serial, doc, reason) VALUES ({s}, '{batch_id}', 'lost')")
            voids.add(s)
    reqs = random_call()
    want = model(reqs)
    rows = psql("SELECT outcome, serial, coalesce(id::text, '-'), coalesce(term, '-'), "
                "coalesce(face_value_fen::text, '-'), coalesce(account, '-') FROM card.redeem_many("
                f"{arr([r[0] for r in reqs], 'bigint[]')}, {arr([r[1] for r in reqs], 'int[]')}, "
                f"{arr([r[2] for r in reqs], 'text[]')}, {arr([r[3] for r in reqs], 'text[]')})")
    if len(rows) != len(reqs):
        print(f"not ok call {c}: {len(rows)} rows for {len(reqs)} requests {reqs}")
        failures += 1
        break
    for i, (row, w, (s, k, a, key)) in enumerate(zip(rows, want, reqs)):
        o, rs, rid, term, fv, acct = row
        bad = []
        if o != w:
            bad.append(f"outcome {o}, model {w}")
        if int(rs) != s:
            bad.append(f"serial {rs}")
        if o in ("redeemed", "repeated") and o == w:
            if ids.setdefault(s, rid) != rid:
                bad.append(f"id {rid}, first answered {ids[s]}")
            if (term, int(fv), acct) != ("2026-autumn", face, a):
                bad.append(f"details {term} {fv} {acct}")
        elif o == w and (rid, term, fv, acct) != ("-", "-", "-", "-"):
            bad.append(f"reveals {rid} {term} {fv} {acct}")
        if bad:
            failures += 1
            print(f"not ok call {c} request {i} {(s, k, a, key)}: {'; '.join(bad)}")
            print(f"#   the call: {reqs}")
    if failures:
        break

if not failures:
    got = {int(s): a for s, a in psql("SELECT serial, account FROM card.redemption")}
    if got != redeemed:
        failures += 1
        print(f"not ok redemptions: database {len(got)}, model {len(redeemed)}")
    got = {k: (int(s), a, o) for k, s, a, o in psql("SELECT key, serial, account, outcome FROM card.idempotency")}
    if got != stored:
        failures += 1
        diff = [k for k in set(got) | set(stored) if got.get(k) != stored.get(k)][:5]
        print(f"not ok stored keys differ, e.g. {[(k, got.get(k), stored.get(k)) for k in diff]}")

print(f"# {len(redeemed)} cards redeemed, {len(stored)} keys stored, {len(voids)} voids")
if failures:
    print(f"FAIL (seed {seed})")
    sys.exit(1)
print(f"ok: {ncalls} calls agree with the model")
