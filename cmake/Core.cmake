# sg_add_core(<suffix> <mbedtls-target> [LIMITS <definition>...])
#
# The core — stagegate<suffix> (agent/src) over sg_crypto<suffix> (crypto/)
# — built against one mbedTLS configuration. One codebase, several builds:
#   ""        the device configuration (sg_mbedtls_device.h, or the
#             firmware's own mbedTLS): stagegate::agent, installed
#   _tools    the host-tools configuration (sg_mbedtls_tools.h), which
#             stagegate-sign links so that its verification is the device's
#   _budget   the Cortex-M budget image (platform/cortex-m/firmware)
# LIMITS are stagegate/config.h overrides; they are PUBLIC, so whoever links
# the build compiles its sg_agent with the same limits (sg_agent_init
# checks, see stagegate/agent.h).
#
# SG_LIBRARY_BUILD is defined for the library's own sources only: it lets
# them reach sg_agent's private fields (SG_PRIVATE in stagegate/agent.h).
function(sg_add_core suffix mbedtls)
  cmake_parse_arguments(C "" "" "LIMITS" ${ARGN})
  set(crypto sg_crypto${suffix})
  set(core stagegate${suffix})

  add_library(${crypto} STATIC ${SG_CRYPTO_SOURCES})
  target_include_directories(${crypto} PUBLIC "$<BUILD_INTERFACE:${SG_CRYPTO_DIR}>")
  target_link_libraries(${crypto} PUBLIC sg_headers ${mbedtls})
  target_compile_definitions(${crypto} PRIVATE SG_LIBRARY_BUILD ${C_LIMITS})
  sg_strict(${crypto})

  add_library(${core} STATIC ${SG_AGENT_SOURCES})
  # Private headers, for stagegate's own tests and tools only.
  target_include_directories(${core} PUBLIC "$<BUILD_INTERFACE:${SG_AGENT_PRIVATE_DIR}>")
  target_link_libraries(${core} PUBLIC sg_headers ${crypto} sg_cjson)
  target_compile_definitions(${core} PRIVATE SG_LIBRARY_BUILD)
  target_compile_definitions(${core} PUBLIC ${C_LIMITS})
  sg_strict(${core})
  if(suffix STREQUAL "")
    sg_public_target(${crypto} crypto)
    sg_public_target(${core} agent)
  endif()
endfunction()

# sg_public_target(<target> <name> [HEADERS <file>...])
# A library users link: stagegate::<name> as an ALIAS (add_subdirectory)
# and in the installed package (find_package), archive libstagegate_<name>.a
# (the core: libstagegate.a). HEADERS are installed in include/stagegate/<name>/
# and that folder is on the target's installed include path, as the
# source folder is in the build tree.
function(sg_public_target target name)
  cmake_parse_arguments(P "" "" "HEADERS" ${ARGN})
  add_library(stagegate::${name} ALIAS ${target})
  if(name STREQUAL "agent")
    set(out stagegate)
  else()
    set(out stagegate_${name})
  endif()
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name} OUTPUT_NAME ${out})
  if(P_HEADERS)
    list(TRANSFORM P_HEADERS PREPEND "${CMAKE_CURRENT_SOURCE_DIR}/")
    set_property(GLOBAL APPEND PROPERTY SG_INSTALL_HEADER_PARTS ${name})
    set_property(GLOBAL PROPERTY SG_INSTALL_HEADERS_${name} ${P_HEADERS})
    target_include_directories(${target} INTERFACE
      "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/stagegate/${name}>")
  endif()
endfunction()
