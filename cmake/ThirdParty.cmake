# mbedTLS and cJSON.
#
# Bundled (the default): built from the pinned Debian sources that
# toolchain/setup unpacked into the cache (never from this tree). We compile
# their sources ourselves rather than add_subdirectory() their build
# systems: one flag set per target, our config headers, no warnings policy
# imposed on code we do not own.
#
# STAGEGATE_MBEDTLS=package / target: the core is built against the
# firmware's own mbedTLS 3.6 instead (docs/INTEGRATION.md), so one mbedTLS
# is linked, not two. crypto/sg_mbedtls_check.h refuses, at compile time and
# by name, a configuration that lacks what stagegate needs.
#
# sg_mbedtls_device is what the core links in every mode; sg_mbedtls_tools
# (the host tools' superset) is always bundled.

set(SG_DEPS_DIR "$ENV{STAGEGATE_CACHE}" CACHE PATH "toolchain/setup's source cache")
if(NOT SG_DEPS_DIR)
  if(DEFINED ENV{XDG_CACHE_HOME})
    set(SG_DEPS_DIR "$ENV{XDG_CACHE_HOME}/stagegate" CACHE PATH "" FORCE)
  else()
    set(SG_DEPS_DIR "$ENV{HOME}/.cache/stagegate" CACHE PATH "" FORCE)
  endif()
endif()

if(NOT STAGEGATE_MBEDTLS MATCHES "^(bundled|package|target)$")
  message(FATAL_ERROR "STAGEGATE_MBEDTLS=${STAGEGATE_MBEDTLS}: must be bundled, package or target")
endif()
set(sg_deps cjson)
if(STAGEGATE_MBEDTLS STREQUAL "bundled" OR (STAGEGATE_BUILD_TOOLS AND NOT SG_BARE_METAL))
  list(APPEND sg_deps mbedtls)
endif()
foreach(dep ${sg_deps})
  if(NOT EXISTS "${SG_DEPS_DIR}/${dep}/.sha256")
    message(FATAL_ERROR "${dep} source not found in ${SG_DEPS_DIR}: run toolchain/setup (or `make test`, which runs it)")
  endif()
endforeach()

set(SG_MBEDTLS_DIR "${SG_DEPS_DIR}/mbedtls")
file(GLOB SG_MBEDTLS_SOURCES "${SG_MBEDTLS_DIR}/library/*.c")

# sg_add_mbedtls(<target> <config-header> [defines...])
function(sg_add_mbedtls name config)
  add_library(${name} STATIC ${SG_MBEDTLS_SOURCES})
  # Build tree only: no public stagegate header includes mbedTLS, so an
  # installed stagegate needs neither these headers nor this define.
  target_include_directories(${name} SYSTEM PUBLIC
    "$<BUILD_INTERFACE:${SG_MBEDTLS_DIR}/include>" "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/crypto/config>")
  target_include_directories(${name} PRIVATE "${SG_MBEDTLS_DIR}/library")
  target_compile_definitions(${name} PUBLIC "$<BUILD_INTERFACE:MBEDTLS_CONFIG_FILE=\"${config}\">" ${ARGN})
  # Third-party code: its own warnings are not ours to fix.
  target_compile_options(${name} PRIVATE -w)
  if(SG_FUZZ)
    # The hash compression loops have no input-dependent branches worth
    # steering a fuzzer by, and tracing their comparisons was a third of
    # fuzz_decision's time (every boot hashes the trust slot).
    set_source_files_properties("${SG_MBEDTLS_DIR}/library/sha256.c" "${SG_MBEDTLS_DIR}/library/sha512.c"
      PROPERTIES COMPILE_OPTIONS
      "-fsanitize-coverage-ignorelist=${PROJECT_SOURCE_DIR}/tests/fuzz/coverage-ignore.txt")
  endif()
endfunction()

if(STAGEGATE_MBEDTLS STREQUAL "bundled")
  # The device configuration, used by libstagegate on every target.
  if(SG_BARE_METAL)
    sg_add_mbedtls(sg_mbedtls_device sg_mbedtls_device.h SG_MBEDTLS_STATIC_POOL ${SG_MBEDTLS_TUNING})
  else()
    sg_add_mbedtls(sg_mbedtls_device sg_mbedtls_device.h)
  endif()
else()
  if(STAGEGATE_MBEDTLS STREQUAL "package")
    find_package(MbedTLS 3.6 CONFIG REQUIRED)
    set(sg_mbedtls_libs MbedTLS::mbedx509 MbedTLS::mbedcrypto)
  else()
    if(NOT STAGEGATE_MBEDTLS_TARGET)
      message(FATAL_ERROR "STAGEGATE_MBEDTLS=target needs STAGEGATE_MBEDTLS_TARGET "
        "(e.g. \"mbedx509;mbedcrypto\", the targets of your mbedTLS build)")
    endif()
    set(sg_mbedtls_libs ${STAGEGATE_MBEDTLS_TARGET})
  endif()
  # The firmware's mbedTLS, under the name the core links in every mode.
  add_library(sg_mbedtls_device INTERFACE)
  target_link_libraries(sg_mbedtls_device INTERFACE ${sg_mbedtls_libs})
endif()
add_library(stagegate::mbedtls ALIAS sg_mbedtls_device)
set_target_properties(sg_mbedtls_device PROPERTIES EXPORT_NAME mbedtls OUTPUT_NAME stagegate_mbedtls)

# The superset for the host tools (signing, .pfx), Linux hosts only.
if(STAGEGATE_BUILD_TOOLS AND NOT SG_BARE_METAL)
  sg_add_mbedtls(sg_mbedtls_tools sg_mbedtls_tools.h)
endif()

# cJSON: handlers read their action through it (stagegate/agent.h), so its
# header is installed with stagegate (include/stagegate/cjson/cJSON.h).
add_library(sg_cjson STATIC "${SG_DEPS_DIR}/cjson/cJSON.c")
add_library(stagegate::cjson ALIAS sg_cjson)
set_target_properties(sg_cjson PROPERTIES EXPORT_NAME cjson OUTPUT_NAME stagegate_cjson)
# Bounded recursion: the default 1000 levels would overflow a device stack.
target_compile_definitions(sg_cjson PRIVATE CJSON_NESTING_LIMIT=16)
target_include_directories(sg_cjson SYSTEM PUBLIC "$<BUILD_INTERFACE:${SG_DEPS_DIR}/cjson>"
  "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/stagegate/cjson>")
target_compile_options(sg_cjson PRIVATE -w)
set_property(GLOBAL APPEND PROPERTY SG_INSTALL_HEADER_PARTS cjson)
set_property(GLOBAL PROPERTY SG_INSTALL_HEADERS_cjson "${SG_DEPS_DIR}/cjson/cJSON.h")
