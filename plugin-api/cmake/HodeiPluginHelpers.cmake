# hodei_add_plugin(<target> SOURCES <src>... [LIBS <lib>...] [OUTPUT_DIR <dir>] [OUTPUT_NAME <name>])
#
# Builds a Hodei Worker plugin the way the ABI wants it: a MODULE library with hidden visibility that exports only
# `hodei_plugin_entry` (linker version script), linked with `-z defs` so unresolved symbols fail at build time
# instead of at load time. Shipped with the HodeiPluginApi CMake package for out-of-tree plugins.
set(_HODEI_PLUGIN_MAP "${CMAKE_CURRENT_LIST_DIR}/hodei-plugin.map")

function(hodei_add_plugin target)
  cmake_parse_arguments(P "" "OUTPUT_DIR;OUTPUT_NAME" "SOURCES;LIBS" ${ARGN})
  if(NOT P_SOURCES)
    message(FATAL_ERROR "hodei_add_plugin(${target}): SOURCES is required")
  endif()
  add_library(${target} MODULE ${P_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    C_VISIBILITY_PRESET hidden CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS "${_HODEI_PLUGIN_MAP}")
  if(P_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${P_OUTPUT_DIR}")
  endif()
  if(P_OUTPUT_NAME)
    set_target_properties(${target} PROPERTIES OUTPUT_NAME "${P_OUTPUT_NAME}")
  endif()
  target_link_libraries(${target} PRIVATE Hodei::plugin-api ${P_LIBS})
  target_link_options(${target} PRIVATE "LINKER:-z,defs" "LINKER:--version-script=${_HODEI_PLUGIN_MAP}")
endfunction()
