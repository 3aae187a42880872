# Strict warnings for stagegate's own code on every target (not for
# third-party sources). STYLE.md: no VLAs, prototypes everywhere, warnings
# are errors.
set(SG_C_WARNINGS
  -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual -Wcast-align
  -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition -Wvla
  -Wformat=2 -Wundef -Wwrite-strings -Wnull-dereference -Wdouble-promotion
  -Wimplicit-fallthrough -Wswitch-enum -Wconversion -Wno-sign-conversion)
set(SG_CXX_WARNINGS -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wundef)

function(sg_strict target)
  target_compile_options(${target} PRIVATE
    "$<$<COMPILE_LANGUAGE:C>:${SG_C_WARNINGS}>"
    "$<$<COMPILE_LANGUAGE:CXX>:${SG_CXX_WARNINGS}>")
endfunction()
