#!/usr/bin/env bash
# stagegate-sign new / actions, and times as people write them (issue 12):
# every skeleton signs as written; the action list is the schema the signer
# checks; dates, delays and defaults (seq = signing time, exp = iat + 7 days
# for TurnOff and Rotate) land in the payload as exact Unix seconds.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$1"
echo "== stagegate-sign new, actions, times"
make_keys

"$TOOL" actions >actions.txt
for a in TurnOnTrustedMode TurnOffTrustedMode RotateTrustedCertificate; do
  check "actions lists $a" grep -q "^$a\$" actions.txt
done
block() { sed -n "/^$1\$/,/^\$/p" actions.txt; } # one action's lines
check "actions: TurnOn's certificate is required" \
  bash -c "$(declare -f block); block TurnOnTrustedMode | grep -q 'certificate *required'"
check "actions: TurnOn's anchor is optional (devices take pinned)" \
  bash -c "$(declare -f block); block TurnOnTrustedMode | grep -q 'anchor *optional'"
check "actions: Rotate's activate_at is required, a Unix time" \
  bash -c "$(declare -f block); block RotateTrustedCertificate | grep -q 'activate_at *required *Unix time'"
check "actions: from the device's table, Rotate takes 2 signatures" \
  bash -c "$(declare -f block); block RotateTrustedCertificate | grep -q 'signatures: 2'"
check "actions: from the device's table, TurnOff must carry exp" \
  bash -c "$(declare -f block); block TurnOffTrustedMode | grep -q 'must carry \"exp\", at most 7 days'"
check "actions: TurnOn need not carry exp" \
  bash -c "$(declare -f block); ! block TurnOnTrustedMode | grep -q 'must carry'"

# Every skeleton: valid JSON, and signs as written.
for kind in turn-on-pinned turn-on-ca turn-off wifi; do
  if [ "${kind#turn-on}" != "$kind" ]; then "$TOOL" new --cert ec256.pem $kind >$kind.json
  else "$TOOL" new $kind >$kind.json; fi
  check "new $kind: JSON" perl -MJSON::PP -e 'local $/; decode_json(<STDIN>)' <$kind.json
  "$TOOL" sign --key ec256.key --cert ec256.pem --x5c $kind.json >$kind.jws 2>$kind.err
  check "new $kind: signs as written ($(head -c 120 $kind.err))" verify_compact $kind.jws ec256.pem
done
check "turn-on-pinned: anchor pinned" test "$(compact_part turn-on-pinned.jws 2 | json_get '{actions}[0]{anchor}')" = pinned
check "turn-on-ca: anchor ca" test "$(compact_part turn-on-ca.jws 2 | json_get '{actions}[0]{anchor}')" = ca
check "turn-on: @cert became the certificate" \
  test "$(compact_part turn-on-pinned.jws 2 | json_get '{actions}[0]{certificate}')" = "$(cert_der_b64 ec256.pem)"
# Fixed times, a minute ago (preflight judges with this computer's clock,
# as the device will: a profile issued in the future or expired is refused).
IAT=$(( $(date +%s) - 60 ))
Y=$(( $(date -u +%Y) + 2 ))    # a year ahead that is surely in the future
LEAP=$Y; while [ $((LEAP % 4)) -ne 0 ] || { [ $((LEAP % 100)) -eq 0 ] && [ $((LEAP % 400)) -ne 0 ]; }; do LEAP=$((LEAP + 1)); done
"$TOOL" new rotate >rotate.json
"$TOOL" rotate --old-key ec256.key --old-cert ec256.pem --new-key ec384.key --new-cert ec384.pem \
  --activate-at +2d --iat $IAT rotate.json >rotate.jws 2>rotate.err
check "new rotate: rotate signs it ($(head -c 120 rotate.err))" test -s rotate.jws
rp=$(json_get '{payload}' <rotate.jws | b64u_decode)
check "rotate: activate_at = iat + 2 days" test "$(json_get '{actions}[0]{activate_at}' <<<"$rp")" = $((IAT + 2 * 86400))
check "rotate: exp defaults to iat + 7 days" test "$(json_get '{exp}' <<<"$rp")" = $((IAT + 7 * 86400))
"$TOOL" new --model TC52 --serial 21034 --name "Aisle 7" wifi >t.json
check "new --model --serial: target" test "$(json_get '{target}' <t.json)" = '{"models":["TC52"],"serials":["21034"]}'
check "new --name" test "$(json_get '{name}' <t.json)" = "Aisle 7"
"$TOOL" new --out o.json wifi
expect_fail "new --out never overwrites" 2 "o.json: exists; not overwritten" "$TOOL" new --out o.json wifi
expect_fail "new: unknown kind" 1 "new needs a KIND: .*not frobnicate" "$TOOL" new frobnicate
expect_fail "new: --cert only for TurnOn" 1 "--cert is for turn-on" "$TOOL" new --cert x.pem wifi

# Times: every form, against date(1)'s own arithmetic.
sign_exp() { # EXP -> payload exp (iat fixed at $IAT)
  "$TOOL" sign --key ec256.key --cert ec256.pem --iat $IAT --exp "$1" wifi.json >e.jws &&
    compact_part e.jws 2 | json_get '{exp}'
}
check "--exp $Y-01-01 (midnight UTC)" test "$(sign_exp $Y-01-01)" = "$(date -u -d $Y-01-01T00:00:00Z +%s)"
check "--exp $Y-01-01T12:00Z" test "$(sign_exp $Y-01-01T12:00Z)" = "$(date -u -d $Y-01-01T12:00:00Z +%s)"
check "--exp $Y-01-01T12:00:30+02:00" test "$(sign_exp $Y-01-01T12:00:30+02:00)" = "$(date -u -d $Y-01-01T10:00:30Z +%s)"
check "--exp $LEAP-02-29 (leap day)" test "$(sign_exp $LEAP-02-29)" = "$(date -u -d $LEAP-02-29T00:00:00Z +%s)"
check "--exp +30d after iat" test "$(sign_exp +30d)" = $((IAT + 30 * 86400))
check "--exp +12h" test "$(sign_exp +12h)" = $((IAT + 12 * 3600))
check "--exp +2w" test "$(sign_exp +2w)" = $((IAT + 14 * 86400))
check "--exp Unix seconds" test "$(sign_exp $((IAT + 1000)))" = $((IAT + 1000))
for bad in 2027-02-30 2027-13-01 2027-01-01T12:00 2027-01-01T24:00Z +3 +3x -5d 27-01-01 2027-1-1; do
  expect_fail "--exp $bad refused with the forms" 1 "expected a date \\(2027-01-01, 2027-01-01T12:00Z\\), a delay" \
    "$TOOL" sign --key ec256.key --cert ec256.pem --exp "$bad" wifi.json
done
check "--iat as a date" test "$("$TOOL" sign --key ec256.key --cert ec256.pem --iat 2025-06-01 wifi.json | cut -d. -f2 | b64u_decode | json_get '{iat}')" = "$(date -u -d 2025-06-01T00:00:00Z +%s)"

# seq defaults to the signing time (only grows); exp defaults for TurnOff.
before=$(date +%s%3N)
"$TOOL" sign --key ec256.key --cert ec256.pem wifi.json >s.jws
after=$(date +%s%3N)
seq=$(compact_part s.jws 2 | json_get '{seq}')
check "seq defaults to the signing time in ms ($seq in [$before, $after])" test "$seq" -ge "$before" -a "$seq" -le "$after"
check "wifi: no exp by default" test "$(compact_part s.jws 2 | json_get '{exp} // "none"')" = none
"$TOOL" sign --key ec256.key --cert ec256.pem wifi.json >s2.jws
check "seq of the next profile, signed at once, is higher" \
  test "$(compact_part s2.jws 2 | json_get '{seq}')" -gt "$seq"
check "--seq still wins" test "$("$TOOL" sign --key ec256.key --cert ec256.pem --seq 7 wifi.json | cut -d. -f2 | b64u_decode | json_get '{seq}')" = 7
"$TOOL" sign --key ec256.key --cert ec256.pem --iat $IAT turn-off.json >off.jws
check "TurnOff: exp defaults to iat + 7 days" test "$(compact_part off.jws 2 | json_get '{exp}')" = $((IAT + 7 * 86400))
"$TOOL" sign --key ec256.key --cert ec256.pem --iat $IAT --exp +1d turn-off.json >off1.jws
check "TurnOff: --exp overrides the default" test "$(compact_part off1.jws 2 | json_get '{exp}')" = $((IAT + 86400))

# The table is the schema: arguments an action does not take are refused.
printf '%s' '{"stagegate":1,"actions":[{"csp":"Batch","action":"TurnOffTrustedMode","anchor":"ca"}]}' >x.json
expect_fail "TurnOff with an argument it does not take" 2 'TurnOffTrustedMode takes no "anchor"' \
  "$TOOL" sign --key ec256.key --cert ec256.pem x.json
printf '%s' '{"stagegate":1,"actions":[{"csp":"Batch","action":"Reboot"}]}' >x.json
expect_fail "unknown Batch action names the known ones" 2 'unknown Batch action "Reboot" \(TurnOnTrustedMode, TurnOffTrustedMode, RotateTrustedCertificate' \
  "$TOOL" sign --key ec256.key --cert ec256.pem x.json
finish
