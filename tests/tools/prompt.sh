#!/usr/bin/env bash
# stagegate-sign's passphrase prompt (issue 12): asked on a terminal with
# echo off when no --pass/--pass-env/--pass-file is given, for an encrypted
# key and for a .pfx; never asked without a terminal (stdin /dev/null or a
# pipe), where the tool fails with the options to use instead.
# Usage: prompt.sh stagegate-sign pty_run
PTY=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$1"
echo "== stagegate-sign passphrase prompt"
[ -x "$PTY" ] || { echo "usage: $0 stagegate-sign pty_run" >&2; exit 2; }
make_keys
cert_profile "@ec256.pem" >p.json
openssl pkcs8 -topk8 -in ec256.key -passout pass:'type me, 34 characters long......' -v2 aes-256-cbc \
  -out ec256.enc.key
openssl pkcs12 -export -inkey ec384.key -in ec384.pem -passout pass:pfx-pw -out ec384.pfx

"$PTY" "passphrase for ec256.enc.key: " 'type me, 34 characters long......' -- \
  "$TOOL" sign --key ec256.enc.key --cert ec256.pem --seq 1 --out t.jws p.json >t.out 2>&1
rc=$?
check "terminal: prompt answered, echo off, exit 0 (got $rc)" test "$rc" = 0
check "terminal: the signature verifies" verify_compact t.jws ec256.pem
refute "terminal: the passphrase is not shown" grep -q "type me" t.out
"$PTY" "passphrase for ec384.pfx: " 'pfx-pw' -- \
  "$TOOL" sign --pfx ec384.pfx --seq 1 --out x.jws p.json >x.out 2>&1
rc=$?
check "terminal: .pfx passphrase prompted (exit $rc)" test "$rc" = 0
check "terminal: .pfx signature verifies" verify_compact x.jws ec384.pem
"$PTY" "passphrase for ec256.enc.key: " 'not it' -- \
  "$TOOL" sign --key ec256.enc.key --cert ec256.pem --seq 1 --out w.jws p.json >w.out 2>&1
rc=$?
check "terminal: wrong passphrase typed, exit 2 (got $rc)" test "$rc" = 2
check "terminal: wrong passphrase said" grep -q "wrong passphrase, or the key file is damaged" w.out
"$PTY" "" "" -- "$TOOL" sign --key ec256.key --cert ec256.pem --seq 1 --out u.jws p.json >u.out 2>&1
rc=$?
check "terminal: unencrypted key, no prompt, exit 0 (got $rc)" test "$rc" = 0
refute "terminal: unencrypted key: nothing asked" grep -q "passphrase for" u.out
SG_PW=pfx-pw "$PTY" "" "" -- "$TOOL" sign --pfx ec384.pfx --pass-env SG_PW --seq 1 --out e.jws p.json >e.out 2>&1
rc=$?
check "terminal: --pass-env given, no prompt (exit $rc)" test "$rc" = 0 -a -s e.jws
refute "terminal: --pass-env given: nothing asked" grep -q "passphrase for" e.out

# No terminal: no prompt, a usage error naming the options.
expect_fail "no terminal (stdin /dev/null): encrypted key refused" 1 \
  "encrypted: give its passphrase with --pass-env, --pass-file or --pass" \
  "$TOOL" sign --key ec256.enc.key --cert ec256.pem --seq 1 p.json
expect_fail "no terminal: .pfx refused" 1 "needs its passphrase" \
  "$TOOL" sign --pfx ec384.pfx --seq 1 p.json
printf 'pfx-pw\n' | "$TOOL" sign --pfx ec384.pfx --seq 1 p.json >piped.out 2>piped.err
rc=$?
check "a pipe on stdin is not a terminal: not read as the passphrase (exit $rc)" test "$rc" = 1
check "a pipe on stdin: the usage error says what to give" grep -q "needs its passphrase" piped.err
refute "a pipe on stdin: no prompt text" grep -q "passphrase for" piped.err
finish
