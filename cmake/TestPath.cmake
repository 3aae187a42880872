# Every test runs with PATH set to exactly the programs a brand-new Debian 12
# gets from toolchain/setup (toolchain/test-path builds that folder of links).
# A test script that calls anything else fails here, on a developer's machine
# full of tools, instead of far away on a user's fresh one: this is how `xxd`
# slipped through once (issue 10).
#
# Configure fails, naming the packages, when toolchain/setup's packages are
# not installed. toolchain/run-tests (make test, CI) runs ctest with
# PATH=build/<preset>/test-path; by hand:
#   PATH=$PWD/build/host/test-path ctest --test-dir build/host
set(SG_TEST_PATH "${CMAKE_BINARY_DIR}/test-path")
execute_process(
  COMMAND bash "${PROJECT_SOURCE_DIR}/toolchain/test-path" "${SG_TEST_PATH}"
  RESULT_VARIABLE sg_test_path_rc
  ERROR_VARIABLE sg_test_path_err)
if(NOT sg_test_path_rc EQUAL 0)
  message(FATAL_ERROR "toolchain/test-path failed: ${sg_test_path_err}")
endif()
# Re-run configure when setup's package list changes.
set_property(DIRECTORY "${PROJECT_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  "${PROJECT_SOURCE_DIR}/toolchain/setup" "${PROJECT_SOURCE_DIR}/toolchain/test-path")
