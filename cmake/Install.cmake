# cmake --install: public headers, the libraries, a CMake package
# (find_package(stagegate CONFIG) -> stagegate::agent, ...) and stagegate.pc.
# Included from the top-level CMakeLists.txt when STAGEGATE_INSTALL is on.
include(CMakePackageConfigHelpers)

if(STAGEGATE_MBEDTLS STREQUAL "target")
  message(FATAL_ERROR "STAGEGATE_MBEDTLS=target is for add_subdirectory builds, which do not "
    "install stagegate: set STAGEGATE_INSTALL=OFF, or use STAGEGATE_MBEDTLS=package to install "
    "a stagegate built against an installed mbedTLS")
endif()

# What is installed: the core and what it needs, the ports and scanner
# backends this target has. Test helpers and tools' internals are not.
# stagegate::mbedtls is the bundled archive, or (package) an interface
# target naming the firmware's MbedTLS:: targets.
set(sg_install_targets sg_headers stagegate sg_crypto sg_mbedtls_device sg_cjson sg_flash_sim
  sg_scan_common sg_scan_text)
if(SG_BARE_METAL)
  list(APPEND sg_install_targets sg_cm_port sg_board)
else()
  list(APPEND sg_install_targets sg_posix_port)
endif()
if(STAGEGATE_WITH_ZXING)
  list(APPEND sg_install_targets sg_image sg_zxing)
endif()

install(TARGETS ${sg_install_targets} EXPORT stagegateTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(STAGEGATE_MBEDTLS STREQUAL "bundled")
  if(NOT CMAKE_NM OR NOT CMAKE_OBJCOPY)
    message(FATAL_ERROR "installing stagegate with the bundled mbedTLS needs nm and objcopy "
      "(binutils) for the target: not found")
  endif()
  install(CODE "set(SG_NM \"${CMAKE_NM}\")\nset(SG_OBJCOPY \"${CMAKE_OBJCOPY}\")
set(SG_LIBDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}\")")
  install(SCRIPT "${PROJECT_SOURCE_DIR}/cmake/PrivateMbedtls.cmake")
endif()
install(DIRECTORY "${PROJECT_SOURCE_DIR}/agent/include/stagegate" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# Each port's and backend's header, in include/stagegate/<part>/ (the
# targets put that folder on the include path, as in the build tree).
get_property(sg_parts GLOBAL PROPERTY SG_INSTALL_HEADER_PARTS)
foreach(part ${sg_parts})
  get_property(sg_headers GLOBAL PROPERTY SG_INSTALL_HEADERS_${part})
  install(FILES ${sg_headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/stagegate/${part})
endforeach()
if(SG_BARE_METAL)
  install(FILES "${PROJECT_SOURCE_DIR}/platform/cortex-m/mps2-an386.ld"
    DESTINATION ${CMAKE_INSTALL_DATADIR}/stagegate)
endif()
install(EXPORT stagegateTargets NAMESPACE stagegate::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/stagegate)

set(SG_CONFIG_MBEDTLS "${STAGEGATE_MBEDTLS}")
set(SG_CONFIG_ZXING "${STAGEGATE_WITH_ZXING}")
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/stagegateConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/stagegateConfig.cmake"
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/stagegate)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/stagegateConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/stagegateConfig.cmake"
  "${PROJECT_BINARY_DIR}/stagegateConfigVersion.cmake"
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/stagegate)

# pkg-config: the core and the platform port of this target. Libraries in
# link order (the core before what it uses); definitions the core was built
# with (limits) in Cflags so a caller's sg_agent matches.
set(sg_pc_cflags "")
foreach(def ${STAGEGATE_LIMITS})
  string(APPEND sg_pc_cflags " -D${def}")
endforeach()
set(sg_pc_libs "-lstagegate -lstagegate_crypto")
if(STAGEGATE_MBEDTLS STREQUAL "bundled")
  string(APPEND sg_pc_libs " -lstagegate_mbedtls")
endif()
string(APPEND sg_pc_libs " -lstagegate_cjson")
set(sg_pc_requires "")
if(STAGEGATE_MBEDTLS STREQUAL "package")
  set(sg_pc_requires "Requires.private: mbedx509 >= 3.6 mbedcrypto >= 3.6")
endif()
if(SG_BARE_METAL)
  set(sg_pc_port_name port_cortex_m)
else()
  set(sg_pc_port_name port_posix)
endif()
set(sg_pc_port "-lstagegate_${sg_pc_port_name}")
file(RELATIVE_PATH sg_pc_up "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" sg_pc_up "${sg_pc_up}")
configure_file("${PROJECT_SOURCE_DIR}/cmake/stagegate.pc.in" "${PROJECT_BINARY_DIR}/stagegate.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/stagegate.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
