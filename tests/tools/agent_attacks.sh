#!/usr/bin/env bash
# The attack classes of issue 9 that this branch closes (defects 3, 4, 5,
# 11, 12), fed as scanned text to stagegate-agent exactly as a scanner
# would: each must get the answer the issue states, leave the trust slot
# as it was, and leave an audit log whose every line is valid JSON. Keys
# and certificates are made here with openssl (nothing generated is
# committed); JWS are put together by hand, since stagegate-sign refuses
# to sign any of this.
#   usage: agent_attacks.sh STAGEGATE-AGENT [EMULATOR...]
set -uo pipefail
AGENT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
EMU=("${@:2}")
source "$(dirname "${BASH_SOURCE[0]}")/checks.sh" attacks

b64() { base64 -w0; }
b64u() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
hex() { perl -e 'local $/; print unpack("H*", <STDIN>)'; }
unhex() { perl -e 'local $/; my $h = <STDIN>; $h =~ s/\s//g; print pack("H*", $h)'; }
# es256 KEY HEADER-JSON PAYLOAD-TEXT: a compact JWS (R||S signature)
es256() {
  local h p
  h=$(printf '%s' "$2" | b64u)
  p=$(printf '%s' "$3" | b64u)
  printf '%s.%s' "$h" "$p" >si.txt
  openssl dgst -sha256 -sign "$1" -out si.der si.txt
  local s
  s=$(perl -e 'local $/; open my $f, "<", "si.der" or die; binmode $f; my $d = <$f>;
    my ($rl) = unpack("x3 C", $d); my $r = substr($d, 4, $rl);
    my $sl = ord(substr($d, 5 + $rl, 1)); my $s = substr($d, 6 + $rl, $sl);
    for ($r, $s) { s/^\x00+//; $_ = ("\x00" x (32 - length)) . $_ } print $r . $s' | b64u)
  printf '%s.%s.%s\n' "$h" "$p" "$s"
}
# agent DIR ARGS...: run with --json; the last line (the decision) in last.json
agent() {
  local dir=$1; shift
  "${EMU[@]}" "$AGENT" --state "$dir" --clock "$NOW" --build-time 1700000000 "$@" >agent.out 2>agent.err
  local rc=$?
  tail -n 1 agent.out >last.json
  return $rc
}
result() { perl -MJSON::PP -e 'local $/; my $j = decode_json(<STDIN>); print $j->{result} // ""' <last.json 2>/dev/null; }
# expect NAME WANT DIR FILE: feed FILE (JSON output) and compare the result
expect() {
  local n=$1 want=$2 dir=$3 file=$4
  agent "$dir" --json feed "$file"
  if [ "$(result)" = "$want" ]; then ok "$n"; else bad "$n (got '$(result)', want $want; $(head -c 300 agent.err))"; fi
}
slot_same() { # NAME DIR: the slot file is byte for byte what it was
  if cmp -s "$2/trustslot.bin" "$2.slot"; then ok "$1"; else bad "$1"; fi
}
snap() { cp "$1/trustslot.bin" "$1.slot"; }
wifi() { printf '{"stagegate":1,"name":"%s","actions":[{"csp":"Wifi","settings":%s}]}\n' "$1" "$2"; }

# --- keys and certificates
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out admin.key 2>/dev/null
openssl req -x509 -new -key admin.key -days 30 -subj "/CN=Attack Admin" -out admin.pem 2>/dev/null
openssl x509 -in admin.pem -outform DER -out admin.der
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in admin.key -outform DER -out admin.p8
openssl pkcs8 -topk8 -nocrypt -in rsa.key -outform DER -out rsa.p8
openssl pkcs8 -topk8 -in rsa.key -v2 aes-256-cbc -passout pass:x -outform DER -out rsa.p8e
openssl pkcs12 -export -inkey admin.key -in admin.pem -passout pass:x -out admin.p12
X5T=$(openssl dgst -sha256 -binary admin.der | b64u)
# The device's clock: a little after the certificate's notBefore (made just now).
NOW=$(( $(date +%s) + 5 ))
HDR='{"alg":"ES256","typ":"stagegate-profile+jws","x5t#S256":"'$X5T'"}'

echo "== defect 3: a certificate must be exactly one DER certificate"
turnon() { printf '{"stagegate":1,"name":"Enrol","seq":1,"iat":%s,"actions":[{"csp":"Batch","action":"TurnOnTrustedMode","certificate":"%s"}]}' "$NOW" "$1"; }
agent f status; snap f
cat admin.der admin.p8 >cert-plus-key.der
es256 admin.key "$HDR" "$(turnon "$(b64 <cert-plus-key.der)")" >on-cert-key.jws
expect "TurnOn, certificate followed by its PKCS#8 key (signed, proof of possession): refused" SG_ERR_PRIVATE_KEY f on-cert-key.jws
{ cat admin.der; printf '\x04\x02ab'; } >cert-plus-junk.der
es256 admin.key "$HDR" "$(turnon "$(b64 <cert-plus-junk.der)")" >on-cert-junk.jws
expect "TurnOn, certificate followed by 4 bytes: not one certificate" SG_ERR_CERT_FORMAT f on-cert-junk.jws
slot_same "refusals left the factory slot untouched" f
HDRX='{"alg":"ES256","typ":"stagegate-profile+jws","x5t#S256":"'$X5T'","x5c":["'$(b64 <cert-plus-junk.der)'"]}'
es256 admin.key "$HDRX" "$(wifi W '{"ssid":"a"}')" >x5c-junk.jws
expect "x5c entry with trailing bytes: refused" SG_ERR_CERT_FORMAT f x5c-junk.jws
es256 admin.key "$HDR" "$(turnon "$(b64 <admin.der)")" >on.jws
expect "the same TurnOn with exactly the certificate: accepted" SG_ACCEPTED f on.jws
agent f --json status
fp=$(openssl x509 -in admin.pem -noout -fingerprint -sha256 | cut -d= -f2)
if grep -q "\"sha256\":\"$fp\"" agent.out; then ok "status: the fingerprint is openssl's, over exactly the certificate"; else bad "fingerprint ($(head -c 300 agent.out))"; fi

echo "== defect 4: the private-key screen"
keytest() { # NAME SETTINGS-JSON
  wifi Keys "$2" >k.json
  expect "$1" SG_ERR_PRIVATE_KEY u k.json
}
agent u status; snap u
keytest "PKCS#8 as base64url" '{"blob":"'$(b64u <admin.p8)'"}'
keytest "PEM body without armour lines" '{"blob":"'$(openssl pkey -in admin.key | grep -v -- ----- | tr -d '\n')'"}'
keytest "PEM with armour" '{"blob":"'"$(openssl pkey -in admin.key | perl -pe 's/\n/\\n/')"'"}'
half=$(( $(b64 <rsa.p8 | wc -c) / 2 ))
keytest "RSA PKCS#8 split over two members" '{"a":"'$(b64 <rsa.p8 | head -c $half)'","b":"'$(b64 <rsa.p8 | tail -c +$((half + 1)))'"}'
keytest "encrypted PKCS#8" '{"blob":"'$(b64 <rsa.p8e)'"}'
keytest "PKCS#12" '{"blob":"'$(b64 <admin.p12)'"}'
keytest "hex" '{"blob":"'$(hex <admin.p8)'"}'
d=$(openssl ec -in admin.key -text -noout 2>/dev/null | perl -0ne '/priv:\s*\n((?:\s+[0-9a-f:]+\n)+)/; ($h = $1) =~ s/[\s:]//g; $h =~ s/^00// while length($h) > 64; print $h' | unhex | b64u)
keytest "JWK with d" '{"jwk":{"kty":"EC","crv":"P-256","d":"'$d'"}}'
slot_same "key refusals left the slot untouched" u
# in JWS headers: kid, and an x5c entry after the leaf (never parsed before)
HK='{"alg":"ES256","typ":"stagegate-profile+jws","x5t#S256":"'$X5T'","kid":"'$(b64u <admin.p8)'"}'
es256 admin.key "$HK" "$(wifi W '{"ssid":"a"}')" >kid.jws
expect "a key in kid" SG_ERR_PRIVATE_KEY u kid.jws
HX='{"alg":"ES256","typ":"stagegate-profile+jws","x5t#S256":"'$X5T'","x5c":["'$(b64 <admin.der)'","'$(b64 <admin.p8)'"]}'
es256 admin.key "$HX" "$(wifi W '{"ssid":"a"}')" >x5c2.jws
expect "a key as the second x5c entry" SG_ERR_PRIVATE_KEY u x5c2.jws
# General JSON JWS whose x5c filler used to exhaust the arena, key in the payload
filler=$(head -c 1500 /dev/zero | tr '\0' 'A')
HF='{"alg":"ES256","typ":"stagegate-profile+jws","x5t#S256":"'$X5T'","x5c":["'$filler'","'$filler'","'$filler'"]}'
wifi Keys '{"blob":"'$(b64 <admin.p8)'"}' >kp.json
es256 admin.key "$HF" "$(cat kp.json)" >filler.compact
perl -e 'my ($h, $p, $s) = split /\./, <STDIN>; chomp $s; print "{\"payload\":\"$p\",\"signatures\":[{\"protected\":\"$h\",\"signature\":\"$s\"}]}\n"' <filler.compact >filler.json
agent u --json feed filler.json
r=$(result)
if [ "$r" != SG_ACCEPTED ] && [ -n "$r" ]; then ok "x5c filler + key in payload: refused ($r)"; else bad "x5c filler + key: '$r'"; fi
slot_same "header refusals left the slot untouched" u

echo "== defect 5: loose JSON"
expect "name \"Good\\u0000Evil\"" SG_ERR_PROFILE_FORMAT u <(printf '{"stagegate":1,"name":"Good\\u0000Evil","actions":[{"csp":"Wifi"}]}\n')
printf '{"stagegate":1,"name":"Good\\u0000Evil","actions":[{"csp":"Wifi"}]}\n' >nul.json
expect "name \"Good\\u0000Evil\" (file)" SG_ERR_PROFILE_FORMAT u nul.json
printf '{"stagegate":1,"name":"N","seq":007,"actions":[{"csp":"Wifi"}]}\n' >z.json
expect "seq 007" SG_ERR_PROFILE_FORMAT u z.json
printf '{"stagegate":1,"name":"N","actions":[{"csp":"Wifi","x":5.}]}\n' >dot.json
expect "5." SG_ERR_PROFILE_FORMAT u dot.json
printf '{"stagegate":1,"name":"N","actions":[{"csp":"Wifi","settings":{"ssid":"a\tb"}}]}\n' >ctl.json
expect "raw control character in a string" SG_ERR_PROFILE_FORMAT u ctl.json
printf '{"stagegate":1,"name":"N\xc0\xaf","actions":[{"csp":"Wifi"}]}\n' >utf.json
expect "overlong UTF-8 in the name" SG_ERR_PROFILE_FORMAT u utf.json
printf '{"stagegate":1,"name":"N\xff\xfe","actions":[{"csp":"Wifi"}]}\n' >utf2.json
expect "invalid UTF-8 in the name" SG_ERR_PROFILE_FORMAT u utf2.json
printf '{"stagegate":1,"name":"N","actions":[{"csp":"Wifi","settings":{"ssid":"\\ud800"}}]}\n' >sur.json
expect "lone surrogate" SG_ERR_PROFILE_FORMAT u sur.json
HN='{"alg":"ES256\u0000","typ":"stagegate-profile+jws","x5t#S256":"'$X5T'"}'
es256 admin.key "$HN" "$(wifi W '{"ssid":"a"}')" >algnul.jws
expect "alg \"ES256\\u0000\" (read as ES256 before)" SG_ERR_HEADER f algnul.jws
printf '{"stagegate":1,"name":"N","seq":4503599627370495.5,"actions":[{"csp":"Wifi"}]}\n' >half.json
expect "seq 4503599627370495.5 (a double rounds it to an integer)" SG_ERR_PROFILE_FORMAT u half.json
slot_same "JSON refusals left the slot untouched" u

echo "== defect 12: reasons and what the CLI prints"
printf '{"stagegate":1,"name":"Set clock","actions":[{"csp":"Clock","tz":"UTC"}]}\n' >clock.json
expect "no handler" SG_ERR_UNSUPPORTED_ACTION u clock.json
if grep -q '"detail":"no handler for CSP \\"Clock\\""' last.json; then ok "--json names the CSP"; else bad "--json detail ($(cat last.json))"; fi
agent u feed clock.json
if grep -q 'no handler for CSP "Clock"' agent.out; then ok "text names the CSP"; else bad "text detail ($(cat agent.out))"; fi
if grep -q 'no handler for CSP' u/events.jsonl; then ok "the audit log names the CSP"; else bad "events detail"; fi
# escape sequences in everything printed
printf '{"stagegate":1,"name":"Esc","actions":[{"csp":"Clock\\u001b[2J\\u009b31m","x":1}]}\n' >esc-csp.json
printf '{"stagegate":1,"name":"Bidi \\u202etxt.exe","actions":[{"csp":"Wifi","settings":{"ssid":"evil\\u001b]0;pwned\\u0007"}}]}\n' >esc-ssid.json
for mode in text json; do
  args=(); [ $mode = json ] && args=(--json)
  agent u "${args[@]}" feed esc-csp.json esc-ssid.json
  if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' agent.out || LC_ALL=C grep -q $'\xc2[\x80-\x9f]\|\xe2\x80\xae' agent.out; then
    bad "$mode: a control character reached the output: $(od -c agent.out | head -5)"
  else
    ok "$mode: no control character reaches the output"
  fi
done
agent u feed esc-ssid.json
if grep -qF 'evil\x1b]0;pwned\x07' agent.out && grep -qF 'Bidi \u202etxt.exe' agent.out; then ok "text shows them escaped"; else bad "text escapes ($(cat agent.out))"; fi
if perl -MJSON::PP -ne 'decode_json($_)' u/events.jsonl f/events.jsonl 2>err.txt; then ok "every audit-log line is valid JSON"; else bad "events.jsonl: $(head -c 300 err.txt)"; fi

echo "== defect 11: the POSIX trust slot"
agent u status
if grep -q "rollback protection: none" agent.out; then ok "status: rollback protection: none"; else bad "status ($(cat agent.out))"; fi
agent u --json status
if grep -q '"rollback_protection":"none' agent.out; then ok "status --json: rollback_protection"; else bad "status --json"; fi
mkdir -p z && : >z/trustslot.bin
agent z status; rc=$?
if [ $rc -eq 2 ] && grep -q "not read as a factory part" agent.err && [ ! -s z/trustslot.bin ]; then
  ok "zero-length slot: a clear error, the file left as it is"
else
  bad "zero-length slot (exit $rc: $(cat agent.err))"
fi
agent z --json feed nul.json; rc=$?
if [ $rc -eq 2 ] && [ ! -s z/trustslot.bin ]; then ok "zero-length slot: nothing is fed, nothing written"; else bad "zero-length slot feed (exit $rc)"; fi
head -c 8192 f/trustslot.bin >z/trustslot.bin
agent z status; rc=$?
if [ $rc -eq 2 ] && grep -q "is 8192 bytes" agent.err; then ok "short slot: refused"; else bad "short slot (exit $rc: $(cat agent.err))"; fi

finish
