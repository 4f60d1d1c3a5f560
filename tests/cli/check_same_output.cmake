# Runs two commands and checks both succeed with the same stdout (e.g. a sweep split across
# mpirun ranks against the same sweep on one process).
# -DFIRST="a;b;c" -DSECOND="x;y;z"
execute_process(COMMAND ${FIRST} RESULT_VARIABLE rc1 OUTPUT_VARIABLE out1 ERROR_VARIABLE err1)
execute_process(COMMAND ${SECOND} RESULT_VARIABLE rc2 OUTPUT_VARIABLE out2 ERROR_VARIABLE err2)
if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0)
  message(FATAL_ERROR "exit status ${rc1} and ${rc2}\nfirst stderr:\n${err1}\nsecond stderr:\n${err2}")
endif()
if(out1 STREQUAL "")
  message(FATAL_ERROR "no output from ${FIRST}")
endif()
if(NOT out1 STREQUAL out2)
  message(FATAL_ERROR "outputs differ\nfirst:\n${out1}\nsecond:\n${out2}")
endif()
message(STATUS "same output: ${FIRST} and ${SECOND}")
