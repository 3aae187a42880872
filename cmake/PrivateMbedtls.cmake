# Install step (cmake/Install.cmake), bundled mbedTLS only: make the bundled
# mbedTLS private to the installed stagegate archives.
#
# A firmware that links its own mbedTLS next to a stagegate carrying another
# build of it gets "multiple definition of mbedtls_sha256_init" (in either
# link order: the linker pulls an object from each archive), or worse, one
# library's functions running on the other's struct layouts. So every
# global symbol the bundled archive defines is renamed, in it and in every
# stagegate archive that refers to it, to sg_bundled_<name>: the two
# mbedTLS builds then share nothing. (A firmware that wants one mbedTLS
# builds stagegate against its own: STAGEGATE_MBEDTLS=package or target.)
#
# Inputs: SG_NM, SG_OBJCOPY (the target's binutils), SG_LIBDIR.
set(libdir "$ENV{DESTDIR}${SG_LIBDIR}")
set(bundled "${libdir}/libstagegate_mbedtls.a")
if(NOT EXISTS "${bundled}")
  message(FATAL_ERROR "PrivateMbedtls: ${bundled} not installed")
endif()
execute_process(COMMAND "${SG_NM}" -g --defined-only "${bundled}"
  OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "PrivateMbedtls: ${SG_NM} failed on ${bundled}")
endif()
# mbedTLS' own names only (mbedtls_*, psa_*): not what a sanitizer or the
# compiler adds (__odr_asan.*, __asan_*), which are not mbedTLS'.
string(REGEX MATCHALL "[0-9a-fA-F]+ [A-Z] (sg_bundled_)?(mbedtls|psa)_[A-Za-z0-9_]*[\n]" lines "${syms}\n")
set(map "")
set(n 0)
foreach(line ${lines})
  string(STRIP "${line}" line)
  string(REGEX REPLACE ".* " "" name "${line}")
  # Idempotent: an install over an earlier one finds the names renamed.
  string(REGEX REPLACE "^sg_bundled_" "" name "${name}")
  string(APPEND map "${name} sg_bundled_${name}\n")
  math(EXPR n "${n} + 1")
endforeach()
if(n EQUAL 0)
  message(FATAL_ERROR "PrivateMbedtls: no symbols found in ${bundled}")
endif()
file(WRITE "${libdir}/.stagegate-mbedtls.map" "${map}")
file(GLOB archives "${libdir}/libstagegate*.a")
foreach(a ${archives})
  execute_process(COMMAND "${SG_OBJCOPY}" "--redefine-syms=${libdir}/.stagegate-mbedtls.map" "${a}"
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "PrivateMbedtls: ${SG_OBJCOPY} failed on ${a}")
  endif()
endforeach()
file(REMOVE "${libdir}/.stagegate-mbedtls.map")
message(STATUS "stagegate: ${n} bundled mbedTLS symbols made private (sg_bundled_*)")
