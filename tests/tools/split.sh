#!/usr/bin/env bash
# stagegate-sign split: chunk texts "SG1:<i>/<n>:<set>:<data>" that fit the
# capacity and reassemble to the profile; the refusals.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$1"
echo "== stagegate-sign split"
make_keys
turn_on_profile "@rsa2048.pem" >p.json
"$TOOL" sign --key rsa2048.key --cert rsa2048.pem --x5c --seq 1 p.json >s.jws
tr -d '\n' <s.jws >text
set_id=$(openssl dgst -sha256 -binary text | od -An -v -tx1 | tr -d ' \n' | cut -c1-12)

# check_chunks CAPACITY FILE...: every chunk well formed, fits, in order, and
# the data reassembles to the text.
check_chunks() {
  perl -e '
    my ($cap, $set, $textfile, @files) = @ARGV;
    open my $t, "<", $textfile or die; local $/; my $text = <$t>;
    my ($n, $joined) = (scalar @files, "");
    for my $i (1 .. $n) {
      open my $f, "<", $files[$i - 1] or die; my $c = <$f>;
      die "chunk $i longer than $cap\n" if length($c) > $cap;
      $c =~ /\ASG1:([1-9][0-9]*)\/([1-9][0-9]*):([0-9a-f]{12}):(.+)\z/s or die "chunk $i: bad form\n";
      die "chunk $i: index $1/$2\n" unless $1 == $i && $2 == $n;
      die "chunk $i: set $3 != $set\n" unless $3 eq $set;
      $joined .= $4;
    }
    die "n = $n > 16\n" if $n > 16;
    die "reassembly differs\n" unless $joined eq $text;' "$@"
}
"$TOOL" split --capacity 300 --out-prefix part s.jws
n=$(ls part-*.txt | wc -l)
check "split into $n files of <= 300 bytes" check_chunks 300 "$set_id" text $(for i in $(seq 1 "$n"); do echo part-$i.txt; done)
check "several chunks were needed" test "$n" -gt 1
check "chunk files have no trailing newline" test "$(tail -c1 part-1.txt | od -An -tx1 | tr -d ' ')" != 0a
"$TOOL" split --capacity 300 s.jws >lines.txt
for i in $(seq 1 "$n"); do cat part-$i.txt; echo; done >files.txt
check "stdout: one chunk per line, same chunks as the files" cmp -s lines.txt files.txt
"$TOOL" split --capacity 4000 s.jws >one.txt
check "fits one symbol: 1/1 with header" grep -q "^SG1:1/1:$set_id:" one.txt
"$TOOL" split --capacity 4000 --bare s.jws >bare.txt
check "--bare: the text itself" cmp -s <(tr -d '\n' <bare.txt) text
"$TOOL" split --capacity 300 --bare s.jws >notbare.txt
check "--bare does not apply when it does not fit" grep -q "^SG1:1/" notbare.txt
len=$(wc -c <text)
# Exactly 16 chunks at the smallest capacity the tool suggests.
expect_fail "n > 16 refused, with the capacity needed" 2 "need more than 16 barcodes of 100 bytes: use symbols of at least [0-9]+ bytes" \
  "$TOOL" split --capacity 100 s.jws
min=$(sed -E 's/.*at least ([0-9]+) bytes.*/\1/' fail.err)
"$TOOL" split --capacity "$min" --out-prefix m s.jws
check "the suggested capacity ($min) works with 16 or fewer chunks" \
  check_chunks "$min" "$set_id" text $(for i in $(seq 1 "$(ls m-*.txt | wc -l)"); do echo m-$i.txt; done)
expect_fail "one byte less does not" 2 "more than 16 barcodes" "$TOOL" split --capacity $((min - 1)) s.jws
expect_fail "capacity too small for the header" 2 "too small for the chunk header" \
  "$TOOL" split --capacity 21 s.jws
expect_fail "missing --capacity" 1 "needs --capacity" "$TOOL" split s.jws
expect_fail "bad --capacity" 1 "--capacity 'x'" "$TOOL" split --capacity x s.jws
# Unsigned profiles: compact text works; pretty text only into files.
printf '{"stagegate":1,"name":"Lager S\xc3\xbcd","actions":[{"csp":"Wifi"}]}\n' >u.json
"$TOOL" split --capacity 40 --out-prefix u u.json
check "unsigned JSON split and reassembled" \
  check_chunks 40 "$(printf %s "$(cat u.json)" | openssl dgst -sha256 -binary | od -An -v -tx1 | tr -d ' \n' | cut -c1-12)" \
  <(printf %s "$(cat u.json)") $(for i in $(seq 1 "$(ls u-*.txt | wc -l)"); do echo u-$i.txt; done)
expect_fail "pretty JSON to stdout refused" 2 "line breaks: use --out-prefix" "$TOOL" split --capacity 4000 p.json
expect_fail "not a profile" 2 "not a profile" "$TOOL" split --capacity 4000 rsa2048.pem
head -c 9000 /dev/zero | tr '\0' 'a' | sed 's/^/{"x":"/; s/$/"}/' >big.json
expect_fail "larger than SG_MAX_PROFILE" 2 "more than devices accept \\(8192" "$TOOL" split --capacity 4000 big.json
finish
