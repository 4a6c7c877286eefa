# cmake -DIN=file -DOUT=file.gz -P gzip_file.cmake: gzip -9n, as Debian wants man pages.
execute_process(COMMAND gzip -9 -n -c "${IN}" OUTPUT_FILE "${OUT}.tmp" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip ${IN} failed: ${rc}")
endif()
file(RENAME "${OUT}.tmp" "${OUT}")
