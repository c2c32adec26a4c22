# SPDX-License-Identifier: Apache-2.0
# veuicc_pcsc_cli(TARGET): what `veuicc reader` and `veuicc vpcd`
# (tools/veuicc/cmd_reader.c, cmd_vpcd.c) need besides the card core: the
# driver's DEVICENAME parser and trace writer (plain C, no pcsc-lite
# headers), and libpcsclite to talk to pcscd when it is installed.
function(veuicc_pcsc_cli target)
  target_sources(${target} PRIVATE
    ${PROJECT_SOURCE_DIR}/src/pcsc/devname.c
    ${PROJECT_SOURCE_DIR}/src/pcsc/trace.c)
  find_package(PkgConfig)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(VEUICC_CLI_PCSCLITE IMPORTED_TARGET libpcsclite)
  endif()
  if(VEUICC_CLI_PCSCLITE_FOUND)
    target_link_libraries(${target} PRIVATE PkgConfig::VEUICC_CLI_PCSCLITE)
    target_compile_definitions(${target} PRIVATE VEUICC_HAVE_PCSCLITE=1)
  endif()
  if(VEUICC_PCSC_DRIVER_DIR)
    target_compile_definitions(${target} PRIVATE
      VEUICC_PCSC_DRIVER_PATH="${VEUICC_PCSC_DRIVER_DIR}/libifd-veuicc.so")
  endif()
endfunction()
