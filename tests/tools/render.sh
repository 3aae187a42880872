#!/usr/bin/env bash
# stagegate-sign render: every symbology renders PNGs that decode (with the
# device's decoder settings, through sg_render_tool decode) back to chunk
# texts reassembling to exactly the input; the sheet has the documented
# geometry; options change what they should; errors are clear.
# Usage: render.sh path/to/stagegate-sign path/to/sg_render_tool
[ -x "${2:-}" ] || { echo "usage: $0 stagegate-sign sg_render_tool" >&2; exit 2; }
export DECODER
DECODER=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
VEC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../test-vectors/profiles" && pwd)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$1"
echo "== stagegate-sign render"

# png_size FILE -> "WIDTHxHEIGHT" from the IHDR chunk.
png_size() {
  perl -e 'open my $f, "<:raw", $ARGV[0] or die; read $f, my $h, 24;
    die "not a PNG\n" unless substr($h, 0, 8) eq "\x89PNG\r\n\x1a\n";
    my ($w, $hh) = unpack "NN", substr($h, 16, 8); print "${w}x$hh"' "$1"
}

# roundtrip TEXTFILE DIR BASE: the files DIR/BASE-1.png..-n.png (and no
# more) decode to one symbol each: the text itself (n = 1, bare), or chunks
# i/n of one set whose data concatenate to the text.
roundtrip() {
  local text=$1 dir=$2 base=$3 n i
  n=$(ls "$dir/$base"-[0-9]*.png 2>/dev/null | wc -l)
  [ "$n" -ge 1 ] || { echo "    no images" >&2; return 1; }
  : >"$dir/decoded"
  for i in $(seq 1 "$n"); do
    "$DECODER" decode "$dir/$base-$i.png" >"$dir/one" || return 1
    [ "$(wc -l <"$dir/one")" -eq 1 ] || { echo "    $base-$i.png: not one symbol" >&2; return 1; }
    cat "$dir/one" >>"$dir/decoded"
  done
  perl -e '
    my ($textfile, $decoded) = @ARGV;
    open my $t, "<:raw", $textfile or die; local $/; my $text = <$t>; $text =~ s/\A\s+|\s+\z//g;
    open my $d, "<:raw", $decoded or die; my @lines = split /\n/, <$d>;
    my $n = @lines;
    if ($n == 1 && $lines[0] !~ /\ASG1:/) { exit($lines[0] eq $text ? 0 : 1) }
    my ($joined, $set) = ("", undef);
    for my $i (1 .. $n) {
      $lines[$i - 1] =~ /\ASG1:([1-9][0-9]*)\/([1-9][0-9]*):([0-9a-f]{12}):(.+)\z/s
        or die "symbol $i: bad form\n";
      die "symbol $i: index $1/$2 of $n\n" unless $1 == $i && $2 == $n;
      $set //= $3; die "symbol $i: set $3\n" unless $3 eq $set;
      $joined .= $4;
    }
    use Digest::SHA qw(sha256_hex);
    die "set id is not the text hash\n" unless substr(sha256_hex($text), 0, 12) eq $set;
    die "reassembly differs\n" unless $joined eq $text;' "$text" "$dir/decoded"
}

# sheet_ok DIR BASE MODULE NAME-ASCII: the sheet's size is the one README
# documents, computed from the symbols' sizes.
sheet_ok() {
  local dir=$1 base=$2 module=$3 name=$4 n sizes=""
  n=$(ls "$dir/$base"-[0-9]*.png | wc -l)
  for i in $(seq 1 "$n"); do sizes+=" $(png_size "$dir/$base-$i.png")"; done
  local want
  want=$(perl -e '
    my ($module, $name, @sizes) = @ARGV; my $n = @sizes;
    my $fs = $module < 2 ? 2 : $module > 6 ? 6 : $module;
    my ($m, $w, $h, $cw) = (12 * $fs, 0, 0, 0);
    for my $i (1 .. $n) {
      my ($sw, $sh) = split /x/, $sizes[$i - 1];
      $w = $sw if $sw > $w; $h = $sh if $sh > $h;
      my $len = length("$i of $n - $name"); $len = 40 if $len > 40;
      my $tw = ($len * 6 - 1) * $fs; $cw = $tw if $tw > $cw;
    }
    my $cellw = $w > $cw ? $w : $cw; my $cellh = $h + 10 * $fs;
    my $cols = int((2480 - $m) / ($cellw + $m)); $cols = 1 if $cols < 1; $cols = $n if $cols > $n;
    my $rows = int(($n + $cols - 1) / $cols);
    print $m + $cols * ($cellw + $m), "x", $m + $rows * ($cellh + $m)' "$module" "$name" $sizes)
  local got
  got=$(png_size "$dir/$base-sheet.png") || return 1
  [ "$got" = "$want" ] || { echo "    sheet $got, want $want" >&2; return 1; }
}

# A large signed-looking profile: a real JWS (RSA, 2 KiB) and an unsigned
# profile of ~6 KiB whose padding does not compress.
cp "$VEC/turnon-rsa-ps256.jws" rsa.jws
cp "$VEC/rotate-admin-admin2.jws" rotate.jws
cp "$VEC/wifi.json" wifi.json
# Deterministic (issue 16: no test outcome may hang on random bytes).
pad=$(perl -MMIME::Base64 -e 'srand(12); print encode_base64(join("", map { chr(int(rand(256))) } 1 .. 4500), "")')
printf '{"stagegate":1,"name":"Big \xe2\x80\x94 Lager S\xc3\xbcd","actions":[{"csp":"Wifi","pad":"%s"}]}' "$pad" >big.json

for sym in pdf417 qr datamatrix; do
  for f in rsa.jws rotate.jws big.json; do
    b=${f%.*}
    if "$TOOL" render --sheet png --symbology $sym --module 2 --out-dir "out-$sym" "$f" >"out-$sym-$b.txt"; then
      check "$sym $f: decodes and reassembles exactly" roundtrip "$f" "out-$sym" "$b"
    else
      bad "$sym $f: render failed: $(cat fail.err 2>/dev/null)"
    fi
  done
  n=$(ls "out-$sym"/big-[0-9]*.png | wc -l)
  check "$sym big.json: one output line per file" test "$(wc -l <"out-$sym-big.txt")" -eq $((n + 1))
  check "$sym big.json: several symbols, at most 16" test "$n" -gt 1 -a "$n" -le 16
  check "$sym big.json: sheet has the documented size" sheet_ok "out-$sym" big 2 "Big - Lager Sud"
  check "$sym big.json: sizes printed match the files" perl -ne '
    next unless /^(\S+) (\d+x\d+) /; open my $f, "<:raw", $1 or die; read $f, my $h, 24;
    my ($w, $hh) = unpack "NN", substr($h, 16, 8); exit 1 unless "${w}x$hh" eq $2;' "out-$sym-big.txt"
  check "$sym: JWS caption carries the payload's name" \
    grep -q 'caption "1 of [0-9]* - Rotate to admin2"' "out-$sym-rotate.txt"
  check "$sym: non-ASCII name captioned in ASCII" grep -q 'caption "2 of [0-9]* - Big - Lager Sud"' "out-$sym-big.txt"
  "$TOOL" render --sheet png --symbology $sym --out-dir "small-$sym" wifi.json >/dev/null
  check "$sym: a profile that fits one symbol is bare" roundtrip wifi.json "small-$sym" wifi
  check "$sym: bare symbol decodes to the text itself" \
    cmp -s <("$DECODER" decode "small-$sym/wifi-1.png" | tr -d '\n') <(tr -d '\n' <wifi.json)
  check "$sym: sheet of one" sheet_ok "small-$sym" wifi 4 "Warehouse Wi-Fi"
done

# Reliable-reading limits (sg_render.h), in modules at --module 2, quiet
# zones included: DataMatrix at most 104x104 (+4+4), QR at most version 25
# (117, +4+4), PDF417 10 data columns (239 modules, +4+4) and 70 rows of 3.
max_side() { # MAX-W MAX-H FILES...: every PNG within MAX-W x MAX-H pixels
  perl -e 'my ($mw, $mh, @f) = @ARGV; for (@f) { open my $f, "<:raw", $_ or die; read $f, my $h, 24;
    my ($w, $hh) = unpack "NN", substr($h, 16, 8); exit 1 if $w > $mw || $hh > $mh }' "$@"
}
check "datamatrix: no symbol over 104x104 modules" max_side 224 224 out-datamatrix/big-[0-9]*.png
check "qr: no symbol over version 25" max_side 250 250 out-qr/big-[0-9]*.png
check "pdf417: 10 data columns, at most 70 rows" max_side 494 436 out-pdf417/big-[0-9]*.png
check "pdf417: exactly 10 data columns when split" \
  test "$(png_size out-pdf417/big-1.png | cut -dx -f1)" = 494

# Options.
"$TOOL" render --symbology qr --ec L --out-dir ecL big.json >/dev/null
"$TOOL" render --symbology qr --ec H --out-dir ecH big.json >/dev/null
check "qr --ec H needs more symbols than --ec L" \
  test "$(ls ecH/big-[0-9]*.png | wc -l)" -gt "$(ls ecL/big-[0-9]*.png | wc -l)"
check "qr --ec H round trip" roundtrip big.json ecH big
"$TOOL" render --symbology pdf417 --ec 8 --out-dir ec8 rsa.jws >/dev/null
check "pdf417 --ec 8 round trip" roundtrip rsa.jws ec8 rsa
"$TOOL" render --symbology qr --module 3 --out-dir m3 wifi.json >/dev/null
"$TOOL" render --symbology qr --module 6 --out-dir m6 wifi.json >/dev/null
check "--module 6 draws twice as wide as --module 3" \
  test "$(png_size m6/wifi-1.png | cut -dx -f1)" -eq $((2 * $(png_size m3/wifi-1.png | cut -dx -f1)))
"$TOOL" render --symbology qr --capacity 500 --base cap --out-dir cap rsa.jws >/dev/null
check "--capacity 500: every symbol text at most 500 bytes" \
  perl -e 'for (@ARGV) { my $t = `"$ENV{DECODER}" decode $_`; chomp $t; exit 1 if length($t) > 500 }' \
  cap/cap-[0-9]*.png
check "--capacity 500 --base cap: round trip" roundtrip rsa.jws cap cap
"$TOOL" render --header --out-dir hdr wifi.json >/dev/null
check "--header: one symbol SG1:1/1" grep -q '^SG1:1/1:' <("$DECODER" decode hdr/wifi-1.png)
check "--header: round trip" roundtrip wifi.json hdr wifi
"$TOOL" render --no-sheet --out-dir nosheet wifi.json >/dev/null
check "--no-sheet: no sheet" test ! -e nosheet/wifi-sheet.png -a -e nosheet/wifi-1.png
cp "$VEC/turnon-admin-shuffled.chunks" shuffled.chunks
"$TOOL" render --lines --symbology datamatrix --out-dir lines shuffled.chunks >/dev/null
check "--lines: one symbol per line, in line order, as is" \
  cmp -s shuffled.chunks <("$DECODER" decode lines/shuffled-{1,2,3,4}.png)
check "--lines: nothing more" test ! -e lines/shuffled-5.png
"$TOOL" render --out-dir deep/er/dir wifi.json >/dev/null
check "--out-dir is created with its parents" test -e deep/er/dir/wifi-sheet.pdf
check "--help mentions structured append" grep -q "Structured append" <("$TOOL" render --help)
check "main help lists render" grep -q "render" <("$TOOL" --help)

# Errors.
head -c 9000 /dev/zero | tr '\0' 'a' | sed 's/^/{"x":"/; s/$/"}/' >huge.json
expect_fail "larger than SG_MAX_PROFILE" 2 "more than devices accept \\(8192" \
  "$TOOL" render --out-dir e huge.json
expect_fail "more than 16 symbols" 2 "need more than 16 qr symbols of at most [0-9]+ bytes" \
  "$TOOL" render --symbology qr --capacity 300 --out-dir e big.json
check "nothing written after a refusal" test ! -e e
expect_fail "unknown symbology" 1 "--symbology 'aztec'" "$TOOL" render --symbology aztec --out-dir e wifi.json
expect_fail "bad QR level" 1 "--ec 'X': QR levels" "$TOOL" render --symbology qr --ec X --out-dir e wifi.json
expect_fail "bad PDF417 level" 1 "--ec '9': PDF417 levels are 0..8" "$TOOL" render --ec 9 --out-dir e wifi.json
expect_fail "DataMatrix has no --ec" 1 "DataMatrix .* one fixed error correction" \
  "$TOOL" render --symbology datamatrix --ec 1 --out-dir e wifi.json
expect_fail "--module 0" 1 "--module 0: pixels per module must be 1..32" "$TOOL" render --module 0 --out-dir e wifi.json
expect_fail "--module 33" 1 "--module 33" "$TOOL" render --module 33 --out-dir e wifi.json
expect_fail "--module x" 1 "--module 'x'" "$TOOL" render --module x --out-dir e wifi.json
expect_fail "--capacity too small" 1 "--capacity 20 is too small" "$TOOL" render --capacity 20 --out-dir e wifi.json
expect_fail "missing --out-dir" 1 "needs --out-dir" "$TOOL" render wifi.json
expect_fail "missing profile" 1 "needs one profile file" "$TOOL" render --out-dir e
expect_fail "--lines with --header" 1 "--header does not apply" "$TOOL" render --lines --header --out-dir e wifi.json
expect_fail "--base with a slash" 1 "--base 'a/b'" "$TOOL" render --base a/b --out-dir e wifi.json
expect_fail "unreadable file" 2 "nope.json" "$TOOL" render --out-dir e nope.json
printf 'hello world' >hello.txt
expect_fail "not a profile" 2 "not a profile" "$TOOL" render --out-dir e hello.txt
: >empty.json
expect_fail "empty file" 2 "empty" "$TOOL" render --out-dir e empty.json
touch afile
expect_fail "--out-dir is a file" 2 "afile: not a directory|afile: cannot create" "$TOOL" render --out-dir afile wifi.json
expect_fail "unknown option" 1 "unknown option '--structured-append'" \
  "$TOOL" render --structured-append --out-dir e wifi.json
finish
