# The image scenario harness (tests/images/run-scenarios): every scenario of
# test-vectors/profiles/manifest.json replayed from barcode images on the
# device agent, stagegate-agent (tools/agent), for host, host-asan and
# aarch64. Included by tests/CMakeLists.txt on Linux targets. The tests are
# added when the top-level directory is done, so stagegate-agent is known
# whichever directory defines it, and only when it exists.
#
# Cross builds (aarch64): ctest runs the script natively, so the agent's
# emulator prefix (CMAKE_CROSSCOMPILING_EMULATOR, a list) is handed to the
# script as one space-separated --emulator argument.
function(sg_add_image_scenarios)
  if(NOT TARGET stagegate-agent)
    message(STATUS "stagegate-agent is not a target: image scenario tests not added")
    return()
  endif()
  set(script "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/run-scenarios")
  set(emu "")
  if(CMAKE_CROSSCOMPILING_EMULATOR)
    list(JOIN CMAKE_CROSSCOMPILING_EMULATOR " " emu_words)
    set(emu --emulator "${emu_words}")
  endif()
  foreach(sym pdf417 qr datamatrix)
    add_test(NAME test_image_scenarios_${sym}
      COMMAND bash "${script}" ${emu} --symbology ${sym} $<TARGET_FILE:stagegate-agent>)
  endforeach()
  add_test(NAME test_image_scenarios_degraded
    COMMAND bash "${script}" ${emu} --only-degraded $<TARGET_FILE:stagegate-agent>)
  # Under qemu and the sanitizers every step starts a process that loads ZXing.
  set_tests_properties(test_image_scenarios_pdf417 test_image_scenarios_qr
    test_image_scenarios_datamatrix test_image_scenarios_degraded PROPERTIES TIMEOUT 900)
endfunction()

cmake_language(DEFER DIRECTORY "${PROJECT_SOURCE_DIR}" CALL sg_add_image_scenarios)
