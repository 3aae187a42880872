#!/usr/bin/env bash
# Encrypted profiles end to end, both ways with an independent JOSE
# implementation (the jose CLI): stagegate-sign keygen/encrypt ->
# stagegate-agent --fleet-key; stagegate-made JWEs decrypted by `jose jwe
# dec`; jose-made JWEs of stagegate-signed profiles accepted by the agent;
# refusals leave the trust slot's bytes unchanged.
#   usage: interop.sh STAGEGATE-SIGN STAGEGATE-AGENT
AGENT=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
source "$(dirname "$0")/../tools/lib.sh" "$1"
echo "== encrypted profiles: stagegate-sign, stagegate-agent and jose"
make_keys

agent() { # DIR ARGS...: last JSON line (the decision) in last.json
  local dir=$1; shift
  "$AGENT" --state "$dir" --json --model TC52 --serial 0001 "$@" >agent.out 2>agent.err
  local rc=$?
  tail -n 1 agent.out >last.json
  return $rc
}
field() { json_get "{$1}" <last.json; }
expect() { # NAME WANT DIR ARGS...
  local n=$1 want=$2; shift 2
  agent "$@"
  if [ "$(field result)" = "$want" ]; then ok "$n"; else bad "$n (got $(field result); $(head -c 300 agent.err))"; fi
}
wifi() { printf '{"stagegate":1,"name":"%s","seq":%s,"actions":[{"csp":"Wifi","settings":{"ssid":"wh","passphrase":"%s"}}]}' "$1" "$2" "$3"; }
slot_sum() { sha256sum "$1/trustslot.bin" | cut -d' ' -f1; }

# --- fleet keys
check "keygen ec" "$TOOL" keygen ec fleet
check "keygen oct" "$TOOL" keygen oct fleet.jwk
check "private key file is 0600" [ "$(stat -c %a fleet.key.pem)" = 600 ]
check "oct key file is 0600" [ "$(stat -c %a fleet.jwk)" = 600 ]
refute "keygen never overwrites a key" "$TOOL" keygen oct fleet.jwk 2>/dev/null
"$TOOL" keygen ec other >/dev/null

# --- stagegate -> stagegate: an encrypted, signed TurnOn, then Wi-Fi
turn_on_profile "@ec256.pem" >turnon.json
"$TOOL" sign --key ec256.key --cert ec256.pem --seq 1 --out turnon.jws turnon.json
"$TOOL" encrypt --to fleet.pub.pem -o turnon.jwe turnon.jws
check "JWE header: ECDH-ES+A256KW, A256GCM, jws content" \
  grep -q '"alg":"ECDH-ES+A256KW","enc":"A256GCM"' <(cut -d. -f1 turnon.jwe | tr '_-' '/+' | base64 -d 2>/dev/null)
expect "encrypted signed TurnOn: accepted" SG_ACCEPTED dev --fleet-key fleet.key.pem --require-encrypted feed turnon.jwe
check "  ... it changed trust" [ "$(field trust_changed)" = true ]
check "  ... and says it was encrypted" [ "$(field encrypted)" = true ]
wifi "Wi-Fi 5" 5 s3cr3t-passphrase-5 >w5.json
"$TOOL" sign --key ec256.key --cert ec256.pem --out w5.jws w5.json
"$TOOL" encrypt --to fleet.jwk -o w5.jwe w5.jws
refute "the passphrase is not in the JWE" grep -q s3cr3t w5.jwe
"$TOOL" split --capacity 160 w5.jwe >w5.chunks
refute "nor in its barcode chunks" grep -q s3cr3t w5.chunks
"$TOOL" render --out-dir sheet w5.jwe >/dev/null
pdftotext sheet/w5-sheet.pdf sheet.txt
check "the printed sheet says ENCRYPTED" grep -q "ENCRYPTED (JWE)" sheet.txt
refute "and shows no passphrase" grep -q s3cr3t sheet.txt
"$TOOL" inspect w5.jwe >inspect.txt
check "inspect shows the JWE header, not the content" grep -q '^encrypted profile (JWE compact)' inspect.txt
refute "  ... and no passphrase" grep -q s3cr3t inspect.txt
tac w5.chunks >w5.reversed
expect "encrypted (dir) signed Wi-Fi, chunks reversed: accepted" SG_ACCEPTED dev \
  --fleet-key fleet.key.pem --fleet-key fleet.jwk --require-encrypted feed w5.reversed
before=$(slot_sum dev)
expect "plaintext signed Wi-Fi on a device that requires encryption" SG_ERR_ENCRYPTION_REQUIRED dev \
  --fleet-key fleet.key.pem --require-encrypted feed w5.jws
expect "encrypted for another fleet: unknown key" SG_ERR_UNKNOWN_KEY dev \
  --fleet-key other.key.pem feed turnon.jwe
# the tag's first character changed, its length kept
perl -0777 -pe 's/\.([A-Za-z0-9_-])([A-Za-z0-9_-]*)\s*$/"." . ($1 eq "A" ? "B" : "A") . $2/e' w5.jwe >w5.tampered
refute "  (the tampered JWE differs from the original)" cmp -s w5.jwe w5.tampered
expect "tampered tag: decrypt failed" SG_ERR_DECRYPT_FAILED dev --fleet-key fleet.jwk feed w5.tampered
printf "%s." "$(cut -d. -f1-4 w5.jwe)" >w5.cut  # the tag emptied
expect "JWE without its tag: malformed" SG_ERR_JWE_FORMAT dev --fleet-key fleet.jwk feed w5.cut
check "refusals left the trust slot's bytes unchanged" [ "$(slot_sum dev)" = "$before" ]
printf 'not a key\n' >junk.pem
refute "a fleet key file that is no key: exit 2" agent dev --fleet-key junk.pem status
check "  ... with a message naming the file" grep -q 'junk.pem' agent.err

# --- stagegate -> jose
# (stagegate-sign writes a newline after the JWS; encrypt takes the profile without it)
printf %s "$(cat w5.jws)" >w5.txt
printf %s "$(cat turnon.jws)" >turnon.txt
jose jwe dec -i w5.jwe -k fleet.jwk >w5.dec
check "jose decrypts stagegate's dir JWE to the signed profile" cmp -s w5.dec w5.txt
jose jwk gen -i '{"kty":"EC","crv":"P-256"}' -o jose-ec.jwk
jose jwk pub -i jose-ec.jwk -o jose-ec.pub.jwk
"$TOOL" encrypt --to jose-ec.pub.jwk -o t.jwe turnon.jws
jose jwe dec -i t.jwe -k jose-ec.jwk >t.dec
check "jose decrypts stagegate's ECDH-ES+A256KW JWE" cmp -s t.dec turnon.txt

# --- jose -> stagegate: jose encrypts a stagegate-signed profile
kid=$(jose jwk thp -i jose-ec.jwk)
wifi "Wi-Fi 6" 6 s3cr3t-6 >w6.json
"$TOOL" sign --key ec256.key --cert ec256.pem --out w6.jws w6.json
printf %s "$(cat w6.jws)" >w6.txt
jose jwe enc -I w6.txt -k jose-ec.pub.jwk -c -o w6.jwe \
  -i "{\"protected\":{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"kid\":\"$kid\"}}"
expect "jose-made JWE of a signed Wi-Fi: accepted" SG_ACCEPTED dev --fleet-key jose-ec.jwk \
  --require-encrypted feed w6.jwe
kid_oct=$(jose jwk thp -i fleet.jwk)
wifi "Wi-Fi 7" 7 s3cr3t-7 >w7.json
"$TOOL" sign --key ec256.key --cert ec256.pem --out w7.jws w7.json
printf %s "$(cat w7.jws)" >w7.txt
jose jwe enc -I w7.txt -k fleet.jwk -c -o w7.jwe \
  -i "{\"protected\":{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\"$kid_oct\"}}"
expect "jose-made dir JWE with stagegate's oct key: accepted" SG_ACCEPTED dev --fleet-key fleet.jwk feed w7.jwe
jose jwe enc -I w7.txt -k fleet.jwk -c -o w7z.jwe \
  -i "{\"protected\":{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\"$kid_oct\",\"zip\":\"DEF\"}}"
expect "jose-made JWE with zip: refused" SG_ERR_JWE_ALG dev --fleet-key fleet.jwk feed w7z.jwe
# Encryption adds no trust: an encrypted profile signed by a stranger is still refused.
"$TOOL" sign --key ec384.key --cert ec384.pem --x5c --out s.jws w7.json
"$TOOL" encrypt --to fleet.jwk -o s.jwe s.jws
expect "encrypted but signed by a stranger: unknown signer" SG_ERR_UNKNOWN_SIGNER dev --fleet-key fleet.jwk feed s.jwe
finish
