#!/usr/bin/env bash
# The core's layering (issue 9, "Done when"), checked on the source:
#  - agent/src includes no mbedTLS header, reads no MBEDTLS_PRIVATE field
#    and sees crypto/ only through sg_crypto_api.h (not sg_crypto.h);
#  - policy.c, the pure decision, calls nothing in agent.c (no sg_agent_*),
#    touches no storage (no sg_trustslot_*, no blockdev) and runs no
#    handler (no ->apply / ->check / ->rollback);
#  - the Batch table is the only place that names Batch actions.
#   usage: layering.sh REPO
set -uo pipefail
repo=${1:-.}
cd "$repo" || exit 2
fail=0
pass=0
check() { # NAME COMMAND... (the command must find nothing)
  local name=$1; shift
  local hits
  hits=$("$@" 2>/dev/null)
  if [ -n "$hits" ]; then
    echo "  FAIL $name:"; printf '%s\n' "$hits" | sed 's/^/    /'; fail=$((fail + 1))
  else
    echo "  ok   $name"; pass=$((pass + 1))
  fi
}
check "agent/src includes no mbedTLS header" grep -rnE '#include *[<"](mbedtls|psa)/' agent/src
check "agent/src reads no MBEDTLS_PRIVATE field" grep -rn 'MBEDTLS_PRIVATE\|mbedtls_' agent/src
check "agent/src includes sg_crypto_api.h, not sg_crypto.h" grep -rn '#include "sg_crypto.h"' agent/src
check "policy.c calls nothing in agent.c" grep -nE '\bsg_agent_[a-z_]+ *\(' agent/src/policy.c
check "policy.c writes no storage" grep -nE 'sg_trustslot_|->prog|->erase|sg_blockdev' agent/src/policy.c agent/src/policy.h
check "policy.c runs no handler" grep -nE '(->|\.)(apply|check|rollback) *\(' agent/src/policy.c
check "Batch action names only in the table" \
  grep -rnE '"(TurnOnTrustedMode|TurnOffTrustedMode|RotateTrustedCertificate)"' agent/src --exclude=batch_actions.c
# The checks must be able to fail: each pattern finds its target in a file that has it.
probe=$(mktemp -d)
printf '#include "mbedtls/x509_crt.h"\nint x = crt->MBEDTLS_PRIVATE(ca_istrue);\n' >"$probe/p.c"
if grep -qE '#include *[<"](mbedtls|psa)/' "$probe/p.c" && grep -q 'MBEDTLS_PRIVATE' "$probe/p.c"; then
  pass=$((pass + 1))
else
  echo "  FAIL the probes do not match what they must catch"; fail=$((fail + 1))
fi
rm -rf "$probe"
echo "layering: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
