# mbedTLS and cJSON, built from the pinned Debian sources that
# toolchain/setup unpacked into the cache (never from this tree).
#
# We compile their sources ourselves rather than add_subdirectory() their
# build systems: one flag set per target, our config headers, no warnings
# policy imposed on code we do not own.

set(SG_DEPS_DIR "$ENV{STAGEGATE_CACHE}" CACHE PATH "toolchain/setup's source cache")
if(NOT SG_DEPS_DIR)
  if(DEFINED ENV{XDG_CACHE_HOME})
    set(SG_DEPS_DIR "$ENV{XDG_CACHE_HOME}/stagegate" CACHE PATH "" FORCE)
  else()
    set(SG_DEPS_DIR "$ENV{HOME}/.cache/stagegate" CACHE PATH "" FORCE)
  endif()
endif()

foreach(dep mbedtls cjson)
  if(NOT EXISTS "${SG_DEPS_DIR}/${dep}/.sha256")
    message(FATAL_ERROR "${dep} source not found in ${SG_DEPS_DIR}: run toolchain/setup (or `make test`, which runs it)")
  endif()
endforeach()

set(SG_MBEDTLS_DIR "${SG_DEPS_DIR}/mbedtls")
file(GLOB SG_MBEDTLS_SOURCES "${SG_MBEDTLS_DIR}/library/*.c")

# sg_add_mbedtls(<target> <config-header> [defines...])
function(sg_add_mbedtls name config)
  add_library(${name} STATIC ${SG_MBEDTLS_SOURCES})
  target_include_directories(${name} SYSTEM PUBLIC
    "${SG_MBEDTLS_DIR}/include" "${PROJECT_SOURCE_DIR}/crypto/config")
  target_include_directories(${name} PRIVATE "${SG_MBEDTLS_DIR}/library")
  target_compile_definitions(${name} PUBLIC "MBEDTLS_CONFIG_FILE=\"${config}\"" ${ARGN})
  # Third-party code: its own warnings are not ours to fix.
  target_compile_options(${name} PRIVATE -w)
endfunction()

# The device configuration, used by libstagegate on every target.
if(SG_BARE_METAL)
  sg_add_mbedtls(sg_mbedtls_device sg_mbedtls_device.h SG_MBEDTLS_STATIC_POOL ${SG_MBEDTLS_TUNING})
else()
  sg_add_mbedtls(sg_mbedtls_device sg_mbedtls_device.h)
  # The superset for the host tools (signing, .pfx), Linux targets only.
  sg_add_mbedtls(sg_mbedtls_tools sg_mbedtls_tools.h)
endif()

add_library(sg_cjson STATIC "${SG_DEPS_DIR}/cjson/cJSON.c")
# Bounded recursion: the default 1000 levels would overflow a device stack.
target_compile_definitions(sg_cjson PUBLIC CJSON_NESTING_LIMIT=16)
target_include_directories(sg_cjson SYSTEM PUBLIC "${SG_DEPS_DIR}/cjson")
target_compile_options(sg_cjson PRIVATE -w)
