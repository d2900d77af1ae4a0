# Run after opora_unit_tests links (tests/CMakeLists.txt): lists the test cases that FILTER
# selects (a doctest --source-file= or --source-file-exclude= argument) outside the test
# suite "sqlite_only" (cases about SQLite itself), and writes CTEST_FILE, one ctest test per
# case run against PostgreSQL:
# OPORA_TEST_ENGINE=postgresql, the server from OPORA_TEST_PG_DSN in ctest's
# environment, skipped (exit 77, tests/unit/main.cpp) when there is none.
# doctest_discover_tests cannot do this itself: it lists by test-case name only.
execute_process(
  COMMAND "${EXECUTABLE}" "${FILTER}" --test-suite-exclude=sqlite_only
          --list-test-cases
  OUTPUT_VARIABLE output
  RESULT_VARIABLE result
  WORKING_DIRECTORY "${WORKING_DIR}")
if(NOT result EQUAL 0)
  message(FATAL_ERROR "listing the PostgreSQL unit tests failed (${result}):\n${output}")
endif()

# A bracket argument keeps every character of a test's name as it is.
function(quoted out value)
  set(${out} "[==[${value}]==]" PARENT_SCOPE)
endfunction()

set(script "")
set(count 0)
string(REPLACE "\n" ";" lines "${output}")
quoted(executable "${EXECUTABLE}")
quoted(filter "${FILTER}")
quoted(workdir "${WORKING_DIR}")
foreach(line IN LISTS lines)
  if(line STREQUAL "" OR line MATCHES "^===+$" OR line MATCHES "^\\[doctest\\] ")
    continue()
  endif()
  # doctest's filters split at commas: a comma in a name is escaped.
  string(REPLACE "," "\\," spec "${line}")
  quoted(name "pg unit: ${line}")
  quoted(test_case "--test-case=${spec}")
  string(APPEND script
    "add_test(${name} ${executable} ${test_case} ${filter})\n"
    "set_tests_properties(${name} PROPERTIES WORKING_DIRECTORY ${workdir} LABELS \"unit;pg\"\n"
    "  ENVIRONMENT OPORA_TEST_ENGINE=postgresql SKIP_RETURN_CODE 77)\n")
  math(EXPR count "${count} + 1")
endforeach()
if(count EQUAL 0)
  message(FATAL_ERROR "no unit test case for PostgreSQL (${FILTER})")
endif()
file(WRITE "${CTEST_FILE}" "${script}")
