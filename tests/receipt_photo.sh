#!/usr/bin/env bash
# receipt_photo.sh -- a receipt photo is decoded before anything is recorded: a PNG or JPEG
# that does not decode to its last row (cut short, a real header followed by garbage, the
# three bytes FF D8 FF), one wider or taller than 10000 pixels (refused from its header, before
# any pixel memory), a PDF without its end: each refused with exit 2 and its message, nothing
# changed.  A good PNG, JPEG and PDF are recorded, the images with their pixel size, shown by
# `receive` and `ship show`; the server refuses a size that does not fit the type.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/workflow_lib.sh"
setup_city
KR=$T/keyring
"$CARDCTL" key new --keyring "$KR" --id 1 >/dev/null
D=$top_srcdir/tests/data

# The bad photos, built from the good ones.
python3 - "$D" "$T" <<'PY'
import struct, sys, zlib
d, t = sys.argv[1], sys.argv[2]
png = open(f"{d}/receipt.png", "rb").read()
jpg = open(f"{d}/receipt.jpg", "rb").read()
def chunk(k, b): return struct.pack(">I", len(b)) + k + b + struct.pack(">I", zlib.crc32(k + b))
def put(name, b): open(f"{t}/{name}", "wb").write(b)
put("cut.png", png[:len(png) - 20])                       # IDAT cut short, no IEND
put("garbage.png", png[:8] + b"\0\0\0\rIHDR signed receipt, and then nothing like a PNG" * 3)
put("ffd8ff.jpg", b"\xff\xd8\xff")
put("cut.jpg", jpg[:len(jpg) - 30])                       # the scan ends early
# Headers of 20000 x 20000 pixels (400 megapixels): refused before decoding.
put("huge.png", png[:8] + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0))
    + chunk(b"IDAT", zlib.compress(b"\0" * 60001)) + chunk(b"IEND", b""))
sof = jpg.index(b"\xff\xc0")
put("huge.jpg", jpg[:sof + 5] + struct.pack(">HH", 20000, 20000) + jpg[sof + 9:])
# A 10001 x 1 PNG, whole and valid but for the limit.
put("wide.png", png[:8] + chunk(b"IHDR", struct.pack(">IIBBBBB", 10001, 1, 8, 0, 0, 0, 0))
    + chunk(b"IDAT", zlib.compress(b"\0" * 10002)) + chunk(b"IEND", b""))
put("good.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
put("cut.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n")
PY

expect_status 0 "$CARDCTL" term new 2026-autumn --start 2026-09-01 --census-due 2026-06-25
expect_status 0 "$CARDCTL" --json batch mint --term 2026-autumn --count 12 --keyring "$KR" --key-id 1
ship() { expect_status 0 "$CARDCTL" --json ship --term 2026-autumn --to D1 --count 2 && jget "$T/out" "d['shipment']"; }
S1=$(ship | tail -1)
receive() { "$CARDCTL" receive "$S1" --signer 王 --date "$TODAY" --photo "$@"; }

reject 2 'photo ".*cut.png" is not a PNG image that can be read' "a PNG cut short" receive "$T/cut.png"
expect_grep 'DETAIL:.*PNG decoder stopped' "$T/err"
reject 2 'is not a PNG image that can be read' "a PNG header followed by garbage" receive "$T/garbage.png"
reject 2 'is not a JPEG image that can be read' "the three bytes FF D8 FF" receive "$T/ffd8ff.jpg"
reject 2 'is not a JPEG image that can be read' "a JPEG cut short" receive "$T/cut.jpg"
expect_grep 'Premature end of JPEG file' "$T/err"
reject 2 'is not a PNG image that can be read' "a PNG of 20000 x 20000 pixels" receive "$T/huge.png"
expect_grep 'the image is 20000 x 20000 pixels' "$T/err"
reject 2 'is not a PNG image that can be read' "a PNG 10001 pixels wide" receive "$T/wide.png"
reject 2 'is not a JPEG image that can be read' "a JPEG of 20000 x 20000 pixels" receive "$T/huge.jpg"
expect_grep 'the image is 20000 x 20000 pixels' "$T/err"
reject 2 'is not a whole PDF file' "a PDF without its end" receive "$T/cut.pdf"
reject 2 'the receipt photo is not a JPEG, PNG or PDF file' "a text file named .png" receive "$T/fake.png"
# No decoder prints on its own: every line of stderr is cardctl's.
receive "$T/cut.jpg" >/dev/null 2>"$T/err" || true
if grep -qv -e '^cardctl' -e '^DETAIL' -e '^HINT' "$T/err"; then bad "a decoder printed"; cat "$T/err" >&2
else ok "only cardctl's message on stderr"; fi

# Good photos: recorded with their pixel size.
expect_status 0 receive "$T/receipt.png"
expect_grep 'photo 5x3 pixels, sha256' "$T/out"
expect_status 0 "$CARDCTL" ship show "$S1"
expect_grep 'photo image/png 5x3 pixels, sha256' "$T/out"
expect_status 0 "$CARDCTL" --json ship show "$S1"
jexpect "$T/out" "d['shipment']['photo_width'], d['shipment']['photo_height']" "(5, 3)"
S1=$(ship | tail -1)
expect_status 0 receive "$T/receipt.jpg"
expect_grep 'photo 24x16 pixels, sha256' "$T/out"
S1=$(ship | tail -1)
expect_status 0 receive "$T/good.pdf"
expect_status 0 "$CARDCTL" ship show "$S1"
expect_grep 'photo application/pdf sha256' "$T/out"
got=$(psql -XtAq -c "SELECT string_agg(photo_type || ' ' || coalesce(photo_width::text, '-') || 'x' ||
	coalesce(photo_height::text, '-'), ', ' ORDER BY signed_on, photo_type) FROM card.receipt")
[ "$got" = "application/pdf -x-, image/jpeg 24x16, image/png 5x3" ] && ok "pixel sizes stored: $got" ||
	bad "pixel sizes stored: $got"

# The server's rule: an image has a size of 1..10000 each way, a PDF none.
for q in "('image/png', NULL, NULL)" "('image/jpeg', 0, 5)" "('image/png', 10001, 5)" "('application/pdf', 5, 3)"; do
	if psql -XtAq -c "SELECT card.photo_size_check$q" >/dev/null 2>"$T/err"; then bad "size $q accepted"
	else ok "size $q refused: $(head -1 "$T/err")"; fi
done
psql -XtAq -c "SELECT card.photo_size_check('image/png', 10000, 1), card.photo_size_check('application/pdf', NULL, NULL)" \
	>/dev/null && ok "sizes at the limit accepted" || bad "sizes at the limit refused"
finish
