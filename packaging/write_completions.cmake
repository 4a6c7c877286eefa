# cmake -DCCPROXY=path/to/ccproxy -DOUT=dir -P write_completions.cmake
# Writes the completion scripts the built binary prints (`ccproxy completion SHELL`) under the
# names the shells look for: bash ccproxy, zsh _ccproxy, fish ccproxy.fish.
file(MAKE_DIRECTORY "${OUT}")
foreach(pair IN ITEMS "bash=ccproxy" "zsh=_ccproxy" "fish=ccproxy.fish")
  string(REPLACE "=" ";" pair "${pair}")
  list(GET pair 0 shell)
  list(GET pair 1 name)
  execute_process(COMMAND "${CCPROXY}" completion ${shell}
                  OUTPUT_FILE "${OUT}/${name}.tmp" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${CCPROXY} completion ${shell} failed: ${rc}")
  endif()
  file(RENAME "${OUT}/${name}.tmp" "${OUT}/${name}")
endforeach()
