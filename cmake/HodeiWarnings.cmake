# hodei_warnings(target): the project's warning set, errors when HODEI_WERROR is ON.
function(hodei_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wcast-align -Wunused -Wformat=2
    $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor -Woverloaded-virtual>
    $<$<BOOL:${HODEI_WERROR}>:-Werror>)
endfunction()
