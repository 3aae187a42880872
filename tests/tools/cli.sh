#!/usr/bin/env bash
# stagegate-sign command line: --help everywhere, exit codes (0 success,
# 1 usage, 2 input or crypto error) and one clear line on stderr.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$1"
echo "== stagegate-sign command line"
check "--help exits 0 and names the commands" bash -c "\"$TOOL\" --help | grep -q 'sign, rotate\|rotate'"
for c in sign rotate split inspect; do
  check "$c --help exits 0 with usage" bash -c "\"$TOOL\" $c --help | grep -q '^usage: stagegate-sign $c'"
done
"$TOOL" >/dev/null 2>noargs.err
check "no arguments: exit 1, usage on stderr" test $? -eq 1 -a -s noargs.err
expect_fail "unknown command" 1 "unknown command 'frobnicate'" "$TOOL" frobnicate
expect_fail "unknown option" 1 "unknown option '--nope'" "$TOOL" sign --nope x.json
expect_fail "short option" 1 "unknown option '-k'" "$TOOL" sign -k x.json
expect_fail "option without value" 1 "option '--seq' needs a value" "$TOOL" sign x.json --seq
expect_fail "flag with a value" 1 "option '--x5c' takes no value" "$TOOL" sign --x5c=1 x.json
expect_fail "two profiles" 1 "unexpected argument 'b.json'" "$TOOL" sign a.json b.json
expect_fail "no profile" 1 "sign needs one profile file" "$TOOL" sign --key k --cert c
expect_fail "missing file named in the error" 2 "^stagegate-sign: nothere.pem: cannot open: No such file" \
  "$TOOL" inspect nothere.pem
make_keys
echo '{"stagegate":1,"name":"cli","actions":[{"csp":"Wifi"}]}' >p.json
"$TOOL" sign --key=ec256.key --cert=ec256.pem --seq=1 p.json >eq.jws
check "--opt=value form" verify_compact eq.jws ec256.pem
"$TOOL" sign --key ec256.key --cert ec256.pem --seq 1 - <p.json >stdin.jws
check "profile from stdin (-)" verify_compact stdin.jws ec256.pem
finish
