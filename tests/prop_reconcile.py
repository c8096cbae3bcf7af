#!/usr/bin/env python3
"""reconcile_prop.py -- property test of the reconciliation (workflow part 2).

Thousands of random workflow operations, valid and invalid, run through cardctl against a
small city (seeded RNG; the seed is printed: rerun with RECONCILE_SEED=N).  After each:
  * the exit status is 0, 1 or 2 (3 = a database failure is a bug);
  * a refused operation (1 or 2) changed nothing: digest of every table before = after;
  * the books balance: card.audit(term) has every check ok (what `cardctl audit` runs; the
    real command is run every 100 operations), minted = held, no empty or overlapping range;
  * the forms add up (every 100 operations and at the end): Annex 5's rows sum to their
    district's 小计, every school row balances, its handed-out total is what the books hold
    distributed; coverage's rows sum to their district and the districts to the 合计; Annex 6
    never says 账实相符 for a district the city owes supplement cards;
  * operations that must be refused are: a transfer across districts, a supplement bigger
    than city stock, an Annex 4 with a missing reason, a charge before the close, a
    replacement of a redeemed card -- each with exit 2 and its message.
Run by tests/reconcile_prop.sh under tests/pg-run.  RECONCILE_OPS sets the number (1500).
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile
import datetime as dt

CARDCTL = os.environ.get("CARDCTL_BIN") or os.path.join(os.environ["top_builddir"], "tools", "cardctl")
TERM = "2026-autumn"
S = dt.date(2026, 9, 1)
SCHOOLS = {"D1": ["S11", "S12"], "D2": ["S21", "S22"], "D3": ["S31"]}
DISTRICT = {s: d for d, ss in SCHOOLS.items() for s in ss}
TABLES = ("document holding ledger void redemption transfer adjust_report adjust_line settlement "
          "settle_order card_return supplement replacement charge term final_report").split()

seed = int(os.environ.get("RECONCILE_SEED", random.SystemRandom().randrange(1 << 30)))
nops = int(os.environ.get("RECONCILE_OPS", "1500"))
print(f"# seed {seed} (rerun with RECONCILE_SEED={seed}), {nops} operations", flush=True)
rng = random.Random(seed)
tmp = tempfile.mkdtemp(prefix="reconcile-prop.")
failures = 0
passes = 0


class Psql:
    """One psql process for the whole run (starting one per query costs more than the query)."""

    def __init__(self):
        self.p = subprocess.Popen(["psql", "-X", "-tAq", "-v", "ON_ERROR_STOP=0"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)

    def __call__(self, sql):
        self.p.stdin.write(sql.strip().rstrip(";") + ";\n\\echo __END__\n")
        self.p.stdin.flush()
        out = []
        for line in self.p.stdout:
            if line.rstrip("\n") == "__END__":
                break
            out.append(line.rstrip("\n"))
        text = "\n".join(out).strip()
        if text.startswith(("ERROR:", "psql:")):
            raise RuntimeError(f"psql failed: {text}\n{sql}")
        return text


psql = None


drill_day = [None]


def set_day(today):
    """Make today the bureau's day (the drill day; None: the server's clock)."""
    want = today.isoformat() if today is not None else None
    if drill_day[0] == want:
        return
    subprocess.run([CARDCTL, "db", "today"] + (["--set", want] if want else ["--clear"]),
                   capture_output=True, text=True, check=True)
    drill_day[0] = want


def cardctl(args, today=None):
    set_day(today)
    return subprocess.run([CARDCTL] + args, capture_output=True, text=True)


def fail(msg):
    global failures
    failures += 1
    print("not ok -", msg, flush=True)
    if failures > 20:
        sys.exit(1)


STATE_SQL = ("SELECT md5('' " + "".join(
    f"|| (SELECT coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '-') FROM card.{t} x)"
    for t in TABLES) + ") || '|' || "
    "%s || '|' || "
    f"((SELECT sum(card_count) FROM card.batch WHERE term = '{TERM}') = "
    f" (SELECT sum(upper(serials) - lower(serials)) FROM card.holding WHERE term = '{TERM}')) || '|' || "
    "NOT EXISTS (SELECT 1 FROM card.holding WHERE isempty(serials) OR lower(serials) >= upper(serials))")


def state(full=False):
    """(digest, audit ok, minted = held, ranges sane).  The full card.audit (hash chain, replay)
    when full; else the cheap checks: no serial held twice, voids held void."""
    check = (f"(SELECT bool_and(ok) FROM card.audit('{TERM}'))" if full else
             "(NOT EXISTS (SELECT 1 FROM card.holding a JOIN card.holding b ON a.ctid < b.ctid "
             " AND a.serials && b.serials) AND NOT EXISTS (SELECT 1 FROM card.void v WHERE NOT EXISTS "
             " (SELECT 1 FROM card.holding h WHERE h.state = 'void' AND h.serials @> v.serial)))")
    d, audit, held, pos = psql(STATE_SQL % check).split("|")
    return d, audit == "true", held == "true", pos == "true"


# Each row is one way the forms fail to add up (none expected).
FORMS_SQL = f"""
WITH a5 AS (SELECT * FROM card.report_annex5('{TERM}', NULL)),
cov AS (SELECT * FROM card.report_coverage('{TERM}', NULL)),
d AS (SELECT code FROM card.org WHERE kind = 'district')
SELECT string_agg(problem, '; ') FROM (
  SELECT format('annex5 %s: rows %s, 小计 %s', s.district,
                (SELECT array[sum(planned), sum(shipped), sum(received), sum(transfer), sum(distributed),
                              sum(on_hand), sum(returned), sum(supplied), sum(replaced)]
                 FROM a5 r WHERE r.district = s.district AND r.school IS NOT NULL),
                array[s.planned, s.shipped, s.received, s.transfer, s.distributed, s.on_hand,
                      s.returned, s.supplied, s.replaced]) AS problem
  FROM a5 s WHERE s.school IS NULL
   AND (SELECT array[sum(planned), sum(shipped), sum(received), sum(transfer), sum(distributed),
                     sum(on_hand), sum(returned), sum(supplied), sum(replaced)]
        FROM a5 r WHERE r.district = s.district AND r.school IS NOT NULL)
       IS DISTINCT FROM array[s.planned, s.shipped, s.received, s.transfer, s.distributed, s.on_hand,
                              s.returned, s.supplied, s.replaced]::numeric[]
  UNION ALL
  SELECT format('annex5 %s does not balance', r.school) FROM a5 r
  WHERE r.school IS NOT NULL AND r.school <> r.district
    AND r.received + r.transfer + r.supplied - r.returned <> r.distributed + r.on_hand
  UNION ALL
  SELECT format('annex5 hands out %s, the books hold %s distributed', x.a, x.b)
  FROM (SELECT (SELECT sum(distributed) FROM a5 WHERE school IS NULL) AS a,
               (SELECT coalesce(sum(upper(serials) - lower(serials)), 0) FROM card.holding
                WHERE term = '{TERM}' AND state = 'distributed') AS b) x
  WHERE x.a IS DISTINCT FROM x.b
  UNION ALL
  SELECT format('coverage %s: rows do not sum', c.district) FROM cov c
  WHERE c.kind = 'district'
    AND (SELECT array[sum(planned), sum(distributed), sum(redeemed)] FROM cov r
         WHERE r.district = c.district AND r.kind IN ('school', 'staff'))
        IS DISTINCT FROM array[c.planned, c.distributed, c.redeemed]::numeric[]
  UNION ALL
  SELECT 'coverage: districts do not sum to 合计' FROM cov c
  WHERE c.kind = 'city' AND c.name = '合计'
    AND (SELECT array[sum(planned), sum(distributed), sum(redeemed)] FROM cov r WHERE r.kind = 'district')
        IS DISTINCT FROM array[c.planned, c.distributed, c.redeemed]::numeric[]
  UNION ALL
  SELECT format('annex6 %s says 账实相符 but %s of %s supplement cards came', a4.district, a4.supplied,
                a4.supplement_ordered)
  FROM d, card.report_annex4('{TERM}', d.code) a4, card.report_annex6('{TERM}', d.code) a6
  WHERE a4.school IS NULL AND a4.supplied < a4.supplement_ordered AND a6.verdict LIKE '%账实相符%'
) p
"""


def forms_add_up(what):
    global passes
    problems = psql(FORMS_SQL)
    if problems:
        fail(f"{what}: the forms do not add up: {problems}")
    else:
        passes += 1


def setup(staff=False):
    """The city, its census, plan, batch, and every school's cards shipped and received.  With
    staff (tests/invariant_forms.py), schools have teachers too and each district its own staff
    (census unit = the district), whose cards stay in the district's depot until handed out."""
    orgs = os.path.join(tmp, "orgs.csv")
    with open(orgs, "w", encoding="utf-8") as f:
        f.write("code,name,kind,parent\nC,City,city,\n")
        for d, ss in SCHOOLS.items():
            f.write(f"{d},District {d},district,C\n")
            for s in ss:
                f.write(f"{s},School {s},school,{d}\n")
    census = os.path.join(tmp, "census.csv")
    with open(census, "w", encoding="utf-8") as f:
        f.write("unit,category,grade,count,textbooks\n")
        for s in DISTRICT:
            f.write(f"{s},student,1,{rng.randrange(20, 40)},\n")
            if staff:
                f.write(f"{s},teacher,,{rng.randrange(1, 6)},\n")
        for d in SCHOOLS if staff else ():
            f.write(f"{d},staff,,{rng.randrange(1, 5)},\n")
    png = os.path.join(tmp, "r.png")
    shutil.copyfile(os.path.join(os.environ["top_srcdir"], "tests", "data", "receipt.png"), png)
    kr = os.path.join(tmp, "keyring")
    steps = [["db", "migrate"], ["org", "import", orgs],
             ["term", "new", TERM, "--start", S.isoformat(), "--census-due", "2026-06-25"],
             ["key", "new", "--keyring", kr, "--id", "1"]]
    for a in steps:
        r = cardctl(a)
        assert r.returncode == 0, (a, r.stderr)
    # Textbook counts left empty: the cross-check flags every school; explain them all.
    r = cardctl(["census", "import", "--term", TERM, "--threshold", "100%,1000", census], S - dt.timedelta(days=70))
    assert r.returncode == 0, r.stderr
    for d in SCHOOLS:
        for a in (["census", "submit", "--term", TERM, "--district", d],
                  ["census", "approve", "--term", TERM, "--district", d, "--approver", "x"]):
            r = cardctl(a, S - dt.timedelta(days=69))
            assert r.returncode == 0, (a, r.stderr)
    for a in (["plan", "make", "--term", TERM, "--reserve", "10"],
              ["batch", "mint", "--term", TERM, "--plan", "--keyring", kr, "--key-id", "1"]):
        r = cardctl(a)
        assert r.returncode == 0, (a, r.stderr)
    day = S - dt.timedelta(days=8)
    for d, ss in SCHOOLS.items():
        total = int(psql(f"SELECT total FROM card.plan_line WHERE term = '{TERM}' AND org = '{d}'"))
        ship_receive(["--to", d, "--count", str(total)], day, png)
        for s in ss:
            n = int(psql(f"SELECT sum(count) FROM card.census_line WHERE term = '{TERM}' AND org = '{s}'"))
            ship_receive(["--from", d, "--to", s, "--count", str(n)], day, png)


def ship_receive(args, day, png):
    r = cardctl(["--json", "ship", "--term", TERM] + args, day)
    assert r.returncode == 0, r.stderr
    import json
    sid = json.loads(r.stdout)["shipment"]
    r = cardctl(["receive", sid, "--signer", "s", "--date", day.isoformat(), "--photo", png], day)
    assert r.returncode == 0, r.stderr


def closed():
    return psql(f"SELECT closed_at IS NOT NULL FROM card.term WHERE code = '{TERM}'") == "t"


def rand_school():
    return rng.choice(list(DISTRICT))


def op_transfer(today):
    # Schools seldom hold stock (they hand out what they receive), so half of the time move from
    # one that does to another school of its district: without this a run can go by without a
    # single transfer succeeding, and the check at the end would fail by chance.
    held = [s for s in DISTRICT if int(psql(f"SELECT card.balance('{TERM}', '{s}', 'stock')")) > 0]
    if held and rng.random() < 0.5:
        a = rng.choice(held)
        b = rng.choice([s for s in SCHOOLS[DISTRICT[a]] if s != a] or list(DISTRICT))
    else:
        a, b = rand_school(), rand_school()
    args = ["transfer", "--term", TERM, "--from", a, "--to", b, "--count", str(rng.randrange(0, 6))]
    if rng.random() < 0.5:
        args += ["--late", rng.choice(["late enrolment", ""])]
    must = ("different districts" if DISTRICT[a] != DISTRICT[b] and int(args[8]) > 0 and not closed()
            else None)
    return args, must


def op_adjust_file(today):
    d = rng.choice(list(SCHOOLS))
    path = os.path.join(tmp, "a4.csv")
    lines, missing, seen = [], False, set()
    for s in SCHOOLS[d] + ([rand_school()] if rng.random() < 0.1 else []):
        stock = int(psql(f"SELECT card.balance('{TERM}', '{s}', 'stock')"))
        sur = rng.randrange(0, stock + 2) if stock > 0 and rng.random() < 0.5 else 0
        sho = rng.randrange(0, 8) if sur == 0 and (stock == 0 or rng.random() < 0.1) else 0
        reason = "" if rng.random() < 0.1 else "moved"
        # (a school's second line is refused as a repeat, which is all that is said of it)
        if sur + sho > 0 and reason == "" and DISTRICT[s] == d and s not in seen:
            missing = True
        seen.add(s)
        lines.append(f"{s},{sur},{sho},{reason}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("学校编码,余,缺,原因\n" + "\n".join(lines) + "\n")
    open_ = (not closed() and psql(f"SELECT count(*) FROM card.settlement WHERE term = '{TERM}'") == "0"
             and psql(f"SELECT count(*) FROM card.adjust_report WHERE term = '{TERM}' AND district = '{d}' "
                      "AND state = 'approved'") == "0")
    must = "reason is missing" if missing and open_ else None
    return ["adjust", "file", "--term", TERM, "--district", d, path], must


def op_approve(today):
    return ["adjust", "approve", "--term", TERM, "--district", rng.choice(list(SCHOOLS)), "--approver", "x"], None


def op_settle(today):
    return ["adjust", "settle", "--term", TERM] + (["--confirm"] if rng.random() < 0.5 else []), None


def op_return(today):
    d = rng.choice(list(SCHOOLS))
    src = rng.choice(SCHOOLS[d] + [d, rand_school()])
    return ["return", "--term", TERM, "--district", d, "--from", src, "--count", str(rng.randrange(1, 5)),
            "--signer", "x", "--date", today.isoformat(), "--photo", os.path.join(tmp, "r.png")], None


def op_supplement(today):
    to = rng.choice(list(DISTRICT) + list(SCHOOLS))
    city = int(psql(f"SELECT card.balance('{TERM}', 'C', 'stock')"))
    left = psql(f"SELECT o.count - coalesce((SELECT sum(x.count) FROM card.supplement x WHERE x.ordered = o.id), 0) "
                f"FROM card.settle_order o WHERE o.term = '{TERM}' AND o.kind = 'supplement' "
                f"AND o.district = '{DISTRICT.get(to, to)}'")
    n = city + 1 + rng.randrange(0, 3) if rng.random() < 0.3 else rng.randrange(1, 6)
    must = "more than the city stock" if left and n <= int(left) and n > city and not closed() else None
    args = ["supplement", "--term", TERM, "--to", to, "--count", str(n), "--signer", "x",
            "--date", today.isoformat(), "--photo", os.path.join(tmp, "r.png")]
    return args, must


def op_replace(today):
    s = rand_school()
    kind = rng.random()
    if kind < 0.3:
        serial = psql(f"SELECT r.serial FROM card.redemption r JOIN card.holding h ON h.serials @> r.serial "
                      f"AND h.org = '{s}' ORDER BY random() LIMIT 1")
        if serial:
            return ["replace", "--term", TERM, "--school", s, "--serial", serial, "--reason", "x"], "is redeemed"
    where = f"org = '{s}' AND state IN ('stock', 'distributed')" if kind < 0.8 else "true"
    serial = psql(f"SELECT lower(serials) + floor(random() * (upper(serials) - lower(serials)))::bigint "
                  f"FROM card.holding WHERE term = '{TERM}' AND {where} ORDER BY random() LIMIT 1")
    if not serial:
        serial = "1"
    return ["replace", "--term", TERM, "--school", s, "--serial", serial, "--reason", "defect"], None


def op_charge(today):
    must = "no charges before the close" if today <= S + dt.timedelta(days=30) else None
    return ["charge", "--term", TERM], must


def op_distribute(today):
    s = rand_school()
    stock = int(psql(f"SELECT card.balance('{TERM}', '{s}', 'stock')"))
    n = rng.choice([1, 2, 3, max(stock, 1)])
    return ["distribute", "--term", TERM, "--school", s, "--count", str(n), "--date", today.isoformat()], None


def op_redeem(today):
    """Students redeem up to two handed-out cards (valid operations outside cardctl)."""
    if psql(f"SELECT count(*) FROM card.holding WHERE term = '{TERM}' AND state = 'distributed'") == "0":
        return None, None
    psql(f"WITH s AS (SELECT array_agg(x) AS a FROM (SELECT lower(serials) AS x FROM card.holding "
         f"WHERE term = '{TERM}' AND state = 'distributed' ORDER BY random() LIMIT 2) y) "
         f"SELECT count(*) FROM s, card.redeem_many(s.a, array_fill(1, ARRAY[cardinality(s.a)]), "
         f"array(SELECT 'acct{rng.randrange(1 << 20)}-' || g FROM generate_series(1, cardinality(s.a)) g))")
    return None, None


OPS = [(op_transfer, 14), (op_adjust_file, 12), (op_approve, 3), (op_settle, 3), (op_return, 8),
       (op_supplement, 8), (op_replace, 10), (op_charge, 3), (op_distribute, 10), (op_redeem, 5)]


def main():
    global passes, psql
    psql = Psql()
    setup()
    today = S - dt.timedelta(days=7)
    before = state()
    assert before[1] and before[2] and before[3], before
    counts = {}
    for i in range(nops):
        if rng.random() < 0.03 and today < S + dt.timedelta(days=36):
            today += dt.timedelta(days=1)
        op = rng.choices([o for o, _ in OPS], weights=[w for _, w in OPS])[0]
        args, must = op(today)
        if args is None:
            after = state()
            if not (after[1] and after[2] and after[3]):
                fail(f"op {i} redeem: books do not balance {after}")
            before = after
            continue
        r = cardctl(args, today)
        after = state(full=i % 20 == 0)
        key = (op.__name__, r.returncode)
        counts[key] = counts.get(key, 0) + 1
        what = f"op {i} ({today}) {' '.join(args)}"
        if os.environ.get("RECONCILE_VERBOSE"):
            print(f"# {what}: exit {r.returncode} {r.stderr.strip()[:300]}", flush=True)
        if r.returncode not in (0, 1, 2):
            fail(f"{what}: exit {r.returncode}: {r.stderr.strip()}")
        if r.returncode != 0 and after[0] != before[0]:
            fail(f"{what}: refused (exit {r.returncode}) but the database changed")
        if r.returncode != 0 and not r.stderr.strip():
            fail(f"{what}: refused without a message")
        if must is not None and (r.returncode != 2 or must not in r.stderr):
            fail(f"{what}: must be refused with '{must}', got exit {r.returncode}: {r.stderr.strip()}")
        if not (after[1] and after[2] and after[3]):
            fail(f"{what}: the books do not balance: {after}")
        else:
            passes += 1
        if i % 100 == 0:
            a = cardctl(["audit", "--term", TERM])
            if a.returncode != 0:
                fail(f"cardctl audit after op {i}: {a.stdout}{a.stderr}")
            forms_add_up(f"after op {i}")
        before = after
    forms_add_up("at the end")
    for (name, rc), n in sorted(counts.items()):
        print(f"# {name:16s} exit {rc}: {n}")
    ok_kinds = {name for (name, rc) in counts if rc == 0}
    for name in ("op_transfer", "op_adjust_file", "op_approve", "op_return", "op_replace", "op_distribute"):
        if name not in ok_kinds:
            fail(f"no {name} ever succeeded: the test exercises nothing")
    print(f"{passes} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
