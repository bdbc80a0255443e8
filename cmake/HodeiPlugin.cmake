# In-tree plugins: the installed helper plus this project's warnings and output folder.
include(${CMAKE_CURRENT_LIST_DIR}/../plugin-api/cmake/HodeiPluginHelpers.cmake)

function(hodei_add_bundled_plugin target)
  hodei_add_plugin(${target} OUTPUT_DIR ${HODEI_PLUGIN_OUTPUT_DIR} ${ARGN})
  hodei_warnings(${target})
endfunction()
