# Runs one command and compares its stdout, byte for byte, with a golden file.
#   -DCMD="a;b;c" -DGOLDEN=path
# A difference fails with the first differing line; scripts/update-golden.sh rewrites the
# golden files from the current build, for a change that means to move the numbers (review the
# diff, and say in the commit why they moved).
execute_process(COMMAND ${CMD} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "exit status ${rc}\nstderr:\n${err}")
endif()
file(READ "${GOLDEN}" expected)
if(NOT out STREQUAL expected)
  string(REPLACE "\n" ";" out_lines "${out}")
  string(REPLACE "\n" ";" expected_lines "${expected}")
  list(LENGTH expected_lines n)
  set(i 0)
  foreach(line IN LISTS expected_lines)
    list(LENGTH out_lines m)
    if(i LESS m)
      list(GET out_lines ${i} got)
    else()
      set(got "(no line)")
    endif()
    if(NOT got STREQUAL line)
      math(EXPR shown "${i} + 1")
      message(FATAL_ERROR "output differs from ${GOLDEN} at line ${shown}:\n  expected: ${line}\n  got:      ${got}\n"
                          "(scripts/update-golden.sh rewrites the golden files when the change is meant)")
    endif()
    math(EXPR i "${i} + 1")
  endforeach()
  message(FATAL_ERROR "output has more lines than ${GOLDEN} (scripts/update-golden.sh rewrites it when meant)")
endif()
message(STATUS "same as ${GOLDEN}")
