#!/usr/bin/env python3
"""page_driver.py -- drive the student page in headless Chromium (Selenium + chromedriver).

Usage: page_driver.py RUN.json

RUN.json, written by tests/page_browser.sh, names the running cardd and real codes:
  base       "http://127.0.0.1:PORT/"
  term       the term the batch was minted for, e.g. "2026-autumn"
  account    the account to redeem for
  fresh      [code, code, ...]  valid codes nobody has redeemed (at least 3)
  void       a valid code of a voided card
  invalid    a well-formed code that passes the check symbol but is not ours (forged)
  typo       a code with one symbol mistyped (fails the check symbol)
  rate       true if cardd runs with a small per-IP limit, so the 429 path can be reached
  pgctl      optional: a command taking stop|start for the database (the 503 path)
  shots      optional directory for screenshots at phone size
Prints one "ok - ..." / "not ok - ..." line per check and "N passed, N failed"; exit 0 only if
every check passed.  It types with real key events, clicks the real button and reads the DOM.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

ALPHA = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
passed = failed = 0


def check(cond, what, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok - " + what)
    else:
        failed += 1
        print("not ok - " + what + (": " + detail if detail else ""))
    sys.stdout.flush()
    return cond


def messy(code):
    """The same code as a careless student types it: lower case, no dashes, stray spaces,
    and 0/1 written as the letters docs/code-format.md forgives (o, i, l)."""
    sym = code.replace("-", "").lower()
    out, k = [], 0
    for i, c in enumerate(sym):
        if c == "0":
            c = "o"
        elif c == "1":
            c = "il"[k % 2]
            k += 1
        out.append(c)
        if i % 5 == 2:
            out.append(" ")
    return "".join(out)


def driver(profile):
    opts = webdriver.ChromeOptions()
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--no-first-run", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
              "--window-size=360,740", "--lang=zh-CN"):
        opts.add_argument(a)
    # A phone: 360 CSS pixels wide.
    opts.add_experimental_option("mobileEmulation", {
        "deviceMetrics": {"width": 360, "height": 740, "pixelRatio": 1.0}})
    if os.path.exists("/usr/bin/chromium"):
        opts.binary_location = "/usr/bin/chromium"
    svc = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(service=svc, options=opts)


def main():
    spec = json.load(open(sys.argv[1]))
    base = spec["base"]
    fresh = list(spec["fresh"])
    shots = spec.get("shots")
    profile = tempfile.mkdtemp(prefix="libcard-chromium.")
    d = driver(profile)
    d.set_page_load_timeout(30)
    wait = WebDriverWait(d, 15)
    term = spec.get("term", "")
    m = re.match(r"^(\d{4})-(spring|autumn)$", term)
    term_zh = m.group(1) + "年" + ("春季" if m.group(2) == "spring" else "秋季") + "学期" if m else term

    def el(i):
        return d.find_element(By.ID, i)

    def load(query=""):
        d.get(base + query)
        wait.until(lambda _: el("submit").is_enabled())
        # Count the requests the page makes, and keep their Idempotency-Keys.
        d.execute_script("""
            window.__posts = [];
            var f = window.fetch;
            window.fetch = function (u, o) {
                window.__posts.push({url: String(u), key: (o && o.headers && o.headers['Idempotency-Key']) || null,
                                     body: o && o.body});
                return f.apply(this, arguments);
            };""")

    def state_after(action):
        """Run action (which submits), wait for a new result, return (state, text)."""
        d.execute_script("document.getElementById('result').removeAttribute('data-state');"
                         "document.getElementById('result').innerHTML='';")
        action()
        wait.until(lambda _: el("result").get_attribute("data-state"))
        return el("result").get_attribute("data-state"), el("result").text

    def fill(code, account):
        c, a = el("code"), el("account")
        c.clear()
        c.send_keys(code)
        a.clear()
        a.send_keys(account)

    def submit(code, account):
        fill(code, account)
        return state_after(lambda: el("submit").click())

    def shot(name):
        if shots:
            d.save_screenshot(os.path.join(shots, name))

    try:
        # 1. Scanned QR code: ?code= prefills the field, grouped, and leaves the address bar.
        load("?code=" + messy(fresh[0]).replace(" ", ""))
        check(el("code").get_attribute("value") == fresh[0], "?code= prefills the grouped code",
              el("code").get_attribute("value"))
        check("code=" not in d.current_url, "the code is dropped from the address bar", d.current_url)
        check(d.switch_to.active_element == el("account"), "focus moves to the account field")
        check(el("code").get_attribute("aria-invalid") == "false", "the prefilled code is not flagged")
        shot("page-prefilled.png")
        # A scanned or pasted code with a U in it: flagged, and the focus stays on it.
        load("?code=" + fresh[0][:-1] + "u")
        check(el("code").get_attribute("aria-invalid") == "true" and "U" in el("code-hint").text
              and d.switch_to.active_element == el("code"), "a ?code= with a U is flagged and keeps the focus",
              el("code-hint").text)

        # 2. Auto-grouping of messy input, typed key by key.
        load()
        c = el("code")
        for ch in messy(fresh[1]):
            c.send_keys(ch)
        check(c.get_attribute("value") == fresh[1], "messy typing is grouped and forgiven",
              "%r -> %r" % (messy(fresh[1]), c.get_attribute("value")))
        # Backspace just after an automatic "-" removes the symbol before it, and the rest
        # moves up into the groups.
        c.send_keys(Keys.HOME)
        for _ in range(5):
            c.send_keys(Keys.ARROW_RIGHT)
        c.send_keys(Keys.BACKSPACE)
        sym = fresh[1].replace("-", "")
        want = "-".join(re.findall(".{1,4}", sym[:3] + sym[4:]))
        check(c.get_attribute("value") == want, "backspace after a group dash", c.get_attribute("value"))
        check(c.get_attribute("selectionStart") == "3", "the caret stays where the symbol was",
              str(c.get_attribute("selectionStart")))
        c.clear()
        c.send_keys("abcu")
        check("U" in el("code-hint").text and c.get_attribute("aria-invalid") == "true",
              "a typed U is flagged at once", el("code-hint").text)

        # 3. Success: real code, messy, account; one click, one request.
        load()
        acct = spec.get("account") or "stu-%d" % os.getpid()
        fill(messy(fresh[0]), acct)
        # A double tap: two clicks in the same event-loop turn, before any answer can arrive
        # (Selenium's own clicks are each a round trip, slower than cardd on loopback).
        st, text = state_after(lambda: d.execute_script(
            "var b = document.getElementById('submit'); b.click(); b.click();"))
        check(st == "redeemed", "201: redeemed", st + " " + text)
        check("兑换成功" in text and "50 元" in text, "success says 兑换成功 and 50 元", text)
        check(term_zh in text, "success names the term " + term_zh, text)
        check(acct in text, "success names the account", text)
        posts = d.execute_script("return window.__posts")
        check(len(posts) == 1, "a double tap sends one request", json.dumps(posts))
        check(bool(posts) and re.match(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
                                       posts[0]["key"] or "") is not None,
              "the request carries an Idempotency-Key", json.dumps(posts))
        check(bool(posts) and json.loads(posts[0]["body"]) == {"code": fresh[0], "account": acct},
              "the request body is the canonical code and the account", json.dumps(posts))
        shot("page-success.png")

        # 4. Same account again: 200, already yours.
        st, text = submit(fresh[0], acct)
        check(st == "repeated" and "已为您的账号兑换过" in text, "200: repeated by the same account", st + " " + text)

        # 5. Another account: 409.
        st, text = submit(fresh[0], acct + "-other")
        check(st == "already_redeemed" and "已被其他账号兑换" in text, "409: already redeemed by another", st + " " + text)

        # 6. Typo (check symbol fails): 400 typo with where to look.
        load()
        st, text = submit(spec["typo"], acct)
        check(st == "typo" and "输错" in text and "20 位" in text and "U" in text and "O" in text,
              "400 typo: says where to look", st + " " + text)
        check(el("code").get_attribute("aria-invalid") == "true", "typo flags the code field")
        shot("page-typo.png")

        # 7. Too short: caught before sending.
        d.execute_script("window.__posts = []")
        st, text = submit(fresh[2][:-2], acct)
        check(st == "malformed" and "20 位" in text, "malformed: says a code has 20 symbols", st + " " + text)
        check(d.execute_script("return window.__posts.length") == 0, "a short code is not sent")

        # 8. Forged / not ours: 422.
        st, text = submit(spec["invalid"], acct)
        check(st == "invalid_code" and "兑换码无效" in text, "422: invalid code", st + " " + text)

        # 9. Void card: 410.
        st, text = submit(spec["void"], acct)
        check(st == "card_void" and "作废" in text, "410: card void", st + " " + text)

        # 10. The database away: 503, "try later", nothing redeemed; then back.
        if spec.get("pgctl"):
            subprocess.run([spec["pgctl"], "stop"], check=True, stdout=subprocess.DEVNULL)
            try:
                st, text = submit(fresh[2], acct)
                check(st == "unavailable" and re.search(r"(稍|\d+ 秒)后再试", text) is not None,
                      "503: the service is busy, try later", st + " " + text)
                check(el("submit").is_enabled(), "the button is usable again after a 503")
            finally:
                subprocess.run([spec["pgctl"], "start"], check=True, stdout=subprocess.DEVNULL)

        # 11. Rate limited: keep trying forged codes from this IP until cardd says 429.
        if spec.get("rate"):
            st, text = "", ""
            for _ in range(40):
                st, text = submit(spec["invalid"], acct)
                if st == "rate_limited":
                    break
            m = re.search(r"(\d+)\s*秒后再试", text)
            check(st == "rate_limited" and m is not None, "429: wait N seconds", st + " " + text)
            check(not el("submit").is_enabled(), "the button waits out Retry-After")
            shot("page-rate-limited.png")
    finally:
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
