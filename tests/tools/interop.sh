#!/usr/bin/env bash
# Interop: profiles an administrator signs with stagegate-sign (keys from
# PEM, from an OpenSSL 3 AES .pfx and from a -legacy .pfx) are accepted or
# rejected by the device agent exactly as the trust policy says — TurnOn,
# chunks fed out of order, replay, RSA, rotation, a CA anchor with x5c,
# TurnOff.   usage: interop.sh STAGEGATE-SIGN STAGEGATE-AGENT [EMULATOR...]
AGENT=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
EMU=("${@:3}")
source "$(dirname "$0")/lib.sh" "$1"
echo "== stagegate-sign -> stagegate-agent"
make_keys
make_chain
export PW='staging passphrase'
if have_legacy; then LEGACY=(-legacy); else LEGACY=(-keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1); fi
openssl pkcs12 -export -inkey ec256.key -in ec256.pem -passout env:PW -out ec256.pfx
openssl pkcs12 -export "${LEGACY[@]}" -inkey rsa2048.key -in rsa2048.pem -passout env:PW \
  -out rsa2048.pfx 2>/dev/null

# agent DIR ARGS...: run the device agent on state DIR; its last JSON line
# (the decision) lands in last.json.
agent() {
  local dir=$1; shift
  "${EMU[@]}" "$AGENT" --state "$dir" --json --model TC52 --serial 0001 "$@" >agent.out 2>agent.err
  local rc=$?
  tail -n 1 agent.out >last.json
  return $rc
}
result() { json_get '{result}' <last.json; }
expect() { # NAME WANT-RESULT DIR ARGS...
  local n=$1 want=$2; shift 2
  agent "$@"
  if [ "$(result)" = "$want" ]; then ok "$n"; else bad "$n (got $(result); $(head -c 300 agent.err))"; fi
}
wifi() { # NAME SEQ
  printf '{"stagegate":1,"name":"%s","seq":%s,"actions":[{"csp":"Wifi","settings":{"ssid":"wh-%s"}}]}' "$1" "$2" "$2"
}

# --- P-256 from an AES .pfx: TurnOn, chunks, replay, TurnOff
turn_on_profile "@ec256.pem" >turnon.json
"$TOOL" sign --pfx ec256.pfx --pass-env PW --seq 1 --out turnon.jws turnon.json
expect "TurnOn signed from an AES .pfx: accepted" SG_ACCEPTED dev feed turnon.jws
agent dev status
check "status: TRUSTED, pinned" grep -q '"state":"TRUSTED","mode":"pinned"' agent.out
fp=$(openssl x509 -in ec256.pem -noout -fingerprint -sha256 | cut -d= -f2)
check "status: anchor fingerprint is openssl's" grep -q "\"sha256\":\"$fp\"" agent.out
wifi "Wi-Fi 5" 5 >w5.json && "$TOOL" sign --key ec256.key --cert ec256.pem --out w5.jws w5.json
wifi "Wi-Fi 4" 4 >w4.json && "$TOOL" sign --key ec256.key --cert ec256.pem --out w4.jws w4.json
"$TOOL" split --capacity 160 w5.jws >w5.chunks
check "split into several chunks" [ "$(wc -l <w5.chunks)" -ge 3 ]
tac w5.chunks >w5.reversed
expect "signed Wi-Fi, chunks in reverse order: accepted" SG_ACCEPTED dev feed w5.reversed
expect "older Wi-Fi: replay" SG_ERR_REPLAY dev feed w4.jws
wifi "Unsigned" 6 >unsigned.json
expect "unsigned on a trusted device: refused" SG_ERR_UNSIGNED_ON_TRUSTED dev feed unsigned.json
wifi "By someone else" 7 >other.json
"$TOOL" sign --key ec384.key --cert ec384.pem --x5c --out other.jws other.json
expect "signed by another key: unknown signer" SG_ERR_UNKNOWN_SIGNER dev feed other.jws

# --- rotation P-256 -> P-384, active at once
printf '{"stagegate":1,"name":"Rotate to P-384","seq":20,"actions":[]}' >rot.json
"$TOOL" rotate --old-pfx ec256.pfx --old-pass-env PW --new-key ec384.key --new-cert ec384.pem \
  --activate-at now --out rot.jws rot.json
expect "rotation signed by old and new key: accepted" SG_ACCEPTED dev feed rot.jws
wifi "Wi-Fi by the new key" 21 >w21.json && "$TOOL" sign --key ec384.key --cert ec384.pem --out w21.jws w21.json
wifi "Wi-Fi by the old key" 22 >w22.json && "$TOOL" sign --key ec256.key --cert ec256.pem --out w22.jws w22.json
expect "after rotation the new key signs" SG_ACCEPTED dev feed w21.jws
expect "after rotation the old key does not" SG_ERR_UNKNOWN_SIGNER dev feed w22.jws
printf '{"stagegate":1,"name":"Off","seq":30,"actions":[{"csp":"Batch","action":"TurnOffTrustedMode"}]}' >off.json
"$TOOL" sign --key ec384.key --cert ec384.pem --out off.jws off.json
expect "TurnOff by the anchor: accepted" SG_ACCEPTED dev feed off.jws
agent dev status
# the anchor's floor (30) now belongs to its key, kept among the former anchors
check "status: UNTRUSTED again, no current floor" grep -q '"state":"UNTRUSTED","mode":"none","seq_floor":0' agent.out

# --- RSA-2048 from a legacy .pfx: PS256 (default) and RS256
turn_on_profile "@rsa2048.pem" >rsa-on.json
"$TOOL" sign --pfx rsa2048.pfx --pass-env PW --seq 1 --out rsa-on.jws rsa-on.json
expect "RSA-2048 TurnOn from a legacy .pfx (PS256): accepted" SG_ACCEPTED rsa feed rsa-on.jws
wifi "RS256 Wi-Fi" 2 >rs.json && "$TOOL" sign --pfx rsa2048.pfx --pass-env PW --alg RS256 --out rs.jws rs.json
expect "RS256 profile: accepted" SG_ACCEPTED rsa feed rs.jws

# --- a CA anchor: the leaf signs with x5c
printf '{"stagegate":1,"name":"Trust the CA","seq":1,"actions":[{"csp":"Batch","action":"TurnOnTrustedMode","certificate":"@ca.pem","anchor":"ca"}]}' >ca-on.json
"$TOOL" sign --key ca.key --cert ca.pem --out ca-on.jws ca-on.json
expect "CA TurnOn signed by the CA: accepted" SG_ACCEPTED ca feed ca-on.jws
wifi "Wi-Fi by a leaf" 2 >leaf.json && "$TOOL" sign --key leaf.key --cert leaf.pem --x5c --out leaf.jws leaf.json
expect "leaf with x5c chains to the CA: accepted" SG_ACCEPTED ca feed leaf.jws
"$TOOL" sign --key ec256.key --cert ec256.pem --x5c --out stranger.jws leaf.json
expect "self-signed stranger with x5c: refused (no document-signing EKU)" SG_ERR_CERT_USAGE ca feed stranger.jws
finish
