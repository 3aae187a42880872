#!/usr/bin/env bash
# stagegate-sign render's PDF sheet (issue 12): a TurnOn and a Wi-Fi profile
# rendered to PDF, every page rasterised with pdftoppm at 300 dpi, the
# symbols decoded from the page images by the device agent's own scanner
# path (stagegate-agent scan) and accepted by it; the header a person
# checks (name, actions, signer subject and SHA-256, seq, dates, "k of n,
# any order"); A4 and Letter; page breaks; the exact module size; PNGs
# recording their DPI.   usage: pdf.sh STAGEGATE-SIGN STAGEGATE-AGENT
AGENT=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$1"
echo "== stagegate-sign render: PDF sheets"
command -v pdftoppm >/dev/null && command -v pdftotext >/dev/null && command -v pdfinfo >/dev/null ||
  { bad "pdftoppm/pdftotext/pdfinfo missing: install poppler-utils (toolchain/setup)"; finish; }
make_keys
agent() { # DIR ARGS...: the device agent; its last decision in last.json
  local dir=$1; shift
  "$AGENT" --state "$dir" --json --model TC52 --serial 0001 "$@" >agent.out 2>agent.err
  local rc=$?
  tail -n 1 agent.out >last.json
  return $rc
}
result() { json_get '{result}' <last.json; }
# raster PDF DIR: every page at 300 dpi, grey, into DIR (page images only)
raster() { mkdir -p "$2" && pdftoppm -r 300 -gray "$1" "$2/page"; }

# --- TurnOn (RSA-2048: three PDF417 symbols) and a signed Wi-Fi profile.
"$TOOL" new --cert rsa2048.pem --name "Trust the warehouse admin" turn-on-pinned >on.json
"$TOOL" sign --key rsa2048.key --cert rsa2048.pem --x5c --out on.jws on.json
"$TOOL" render --out-dir on on.jws >on.txt
check "TurnOn: a PDF sheet is written" test -s on/on-sheet.pdf
n_on=$(grep -c ' symbol ' on.txt)
check "TurnOn: several symbols ($n_on)" test "$n_on" -ge 2
raster on/on-sheet.pdf on-pages
check "TurnOn: pages rasterised" test -n "$(ls on-pages)"
agent dev scan on-pages
check "TurnOn from the printed pages: accepted ($(result))" test "$(result)" = SG_ACCEPTED
"$TOOL" new wifi >wifi.json
"$TOOL" sign --key rsa2048.key --cert rsa2048.pem --out wifi.jws wifi.json
"$TOOL" render --symbology qr --out-dir wifi wifi.jws >/dev/null
raster wifi/wifi-sheet.pdf wifi-pages
agent dev scan wifi-pages
check "signed Wi-Fi from the printed page: accepted ($(result))" test "$(result)" = SG_ACCEPTED
check "the agent ran the Wi-Fi handler" grep -q '"warehouse"' <(cat agent.out agent.err)
"$TOOL" new wifi >u.json
"$TOOL" render --out-dir u u.json >/dev/null
raster u/u-sheet.pdf u-pages
agent fresh scan u-pages
check "unsigned Wi-Fi (PDF417) from the page on a factory device: accepted ($(result))" \
  test "$(result)" = SG_ACCEPTED

# --- The header: what a person checks before scanning.
pdftotext -layout on/on-sheet.pdf on.txtpdf
fp=$(openssl x509 -in rsa2048.pem -noout -fingerprint -sha256 | cut -d= -f2)
payload=$(compact_part on.jws 2)
check "header: profile name" grep -q "Trust the warehouse admin" on.txtpdf
check "header: the action and its anchor" grep -q "TurnOnTrustedMode (pinned)" on.txtpdf
check "header: for every device" grep -q "For: every device" on.txtpdf
check "header: SIGNED with the alg and the signer's subject" \
  grep -q "SIGNED (PS256) by CN=stagegate test rsa2048, O=Example" on.txtpdf
check "header: signer SHA-256 = openssl's fingerprint" grep -q "SHA-256 $fp" on.txtpdf
check "header: seq" grep -q "seq $(json_get '{seq}' <<<"$payload") " on.txtpdf
check "header: issued (UTC)" grep -q "issued $(date -u -d @"$(json_get '{iat}' <<<"$payload")" '+%Y-%m-%d %H:%M') UTC" on.txtpdf
check "header: k of n, any order under each symbol" \
  test "$(grep -o "[0-9]* of $n_on, any order" on.txtpdf | sort -u | wc -l)" = "$n_on"
check "header on every page" test "$(grep -c "Trust the warehouse admin" on.txtpdf)" = "$(pdfinfo on/on-sheet.pdf | awk '/^Pages:/ {print $2}')"
pdftotext -layout u/u-sheet.pdf u.txtpdf
check "unsigned sheet says UNSIGNED" grep -q "UNSIGNED" u.txtpdf
# Dates a year ahead: preflight judges with this computer's clock, as devices do.
EXPY=$(( $(date -u +%Y) + 1 ))
"$TOOL" sign --key ec256.key --cert ec256.pem --exp $EXPY-03-01 --out exp.jws wifi.json
"$TOOL" render --cert ec256.pem --out-dir exp exp.jws >/dev/null
pdftotext -layout exp/exp-sheet.pdf exp.txtpdf
check "header: expiry date" grep -q "expires $EXPY-03-01 00:00 UTC" exp.txtpdf
check "--cert names the signer when the profile has no x5c" grep -q "by CN=stagegate test ec256" exp.txtpdf

# --- Paper, page breaks, module size.
check "A4 by default" grep -q "Page size: *595.* x 841.* pts (A4)" <(pdfinfo on/on-sheet.pdf)
"$TOOL" render --paper letter --out-dir letter on.jws >/dev/null
check "--paper letter" grep -q "Page size: *612 x 792 pts (letter)" <(pdfinfo letter/on-sheet.pdf)
"$TOOL" render --module-mm 0.6 --out-dir big on.jws >big.txt
pages=$(pdfinfo big/on-sheet.pdf | awk '/^Pages:/ {print $2}')
check "large modules: the symbols break onto more pages ($pages)" test "$pages" -ge 2
raster big/on-sheet.pdf big-pages
agent dev2 scan big-pages
check "TurnOn over $pages pages: accepted ($(result))" test "$(result)" = SG_ACCEPTED
check "render reports the pages" grep -q "A4 sheet of $n_on, $pages page(s), module 0.60 mm" big.txt
# Exact module size: a lone QR at 0.5 mm, rasterised at 254 dpi (10 px/mm):
# it starts after the 12 mm margin and a 4-module quiet zone (14 mm = 140
# px) and is a whole number of 5-pixel modules wide, 21 + 4v of them.
"$TOOL" new wifi >w.json
"$TOOL" render --symbology qr --module-mm 0.5 --out-dir mm w.json >/dev/null
pdftoppm -r 254 -gray mm/w-sheet.pdf mm/page
check "module 0.5 mm is exactly 5 px at 254 dpi" perl -e '
  open my $f, "<:raw", $ARGV[0] or die; local $/; my $d = <$f>;
  $d =~ s/\AP5\s+(\d+)\s+(\d+)\s+255\s//s or die "not PGM"; my ($w, $h) = ($1, $2);
  my ($l, $r, $rule) = (1e9, -1, -1);
  for my $y (0 .. $h / 2) {                          # the rule under the header
    my $row = substr($d, $y * $w, $w); my $dark = () = $row =~ /[\x00-\x7f]/g;
    $rule = $y if $dark > $w * 0.7;
  }
  die "no header rule\n" if $rule < 0;
  for my $y ($rule + 10 .. $h - 200) {
    my $row = substr($d, $y * $w, $w);
    while ($row =~ /[\x00-\x7f]/g) { my $x = pos($row) - 1; $l = $x if $x < $l; $r = $x if $x > $r }
  }
  my $px = $r - $l + 1; my $mods = $px / 5;
  exit 1 unless abs($l - 140) <= 1 && abs($mods - int($mods + 0.5)) < 0.3 && (int($mods + 0.5) - 21) % 4 == 0' \
  mm/page-1.pgm
expect_fail "--module-mm out of range" 1 "--module-mm '2': a module is 0.19..1.00 mm" \
  "$TOOL" render --module-mm 2 --out-dir e on.jws
expect_fail "--paper unknown" 1 "--paper 'a3'" "$TOOL" render --paper a3 --out-dir e on.jws
expect_fail "--sheet unknown" 1 "--sheet 'svg'" "$TOOL" render --sheet svg --out-dir e on.jws

# --- PNGs keep working and record their DPI (pHYs, pixels per metre).
"$TOOL" render --sheet png --dpi 600 --out-dir png on.jws >/dev/null
check "--sheet png writes the PNG sheet" test -s png/on-sheet.png -a ! -e png/on-sheet.pdf
phys() { perl -e 'open my $f, "<:raw", $ARGV[0] or die; local $/; my $d = <$f>;
  $d =~ /pHYs(.{4})(.{4})(.)/s or exit 1; print unpack("N", $1), " ", unpack("N", $2), " ", ord($3)' "$1"; }
check "symbol PNG records 600 dpi (23622 px/m)" test "$(phys png/on-1.png)" = "23622 23622 1"
check "sheet PNG records 600 dpi" test "$(phys png/on-sheet.png)" = "23622 23622 1"
check "default 300 dpi" test "$(phys on/on-1.png)" = "11811 11811 1"
agent dev3 scan png/on-[0-9]*.png
check "the PNGs still scan: accepted ($(result))" test "$(result)" = SG_ACCEPTED
finish
