# Driver of the CTest consumer_find_package (registered in tests/extra_tests.cmake):
#   1. installs descent's build tree into a fresh prefix,
#   2. configures and builds tests/consumer against that prefix alone,
#   3. runs the consumer (unless RUN is OFF).
# Run as: cmake -DBINARY_DIR=... -DCONSUMER_DIR=... -DWORK_DIR=... -DGENERATOR=... -DMAKE_PROGRAM=...
#               -DCXX_COMPILER=... -DBUILD_TYPE=... -DCXX_FLAGS=... -DLINKER_FLAGS=... -DRUN=ON|OFF -P this
cmake_minimum_required(VERSION 3.25)

foreach(var BINARY_DIR CONSUMER_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "find_package_test.cmake: -D${var}=... is required")
  endif()
endforeach()

set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer_find_package: ${what} failed (${rc}):\n${out}")
  endif()
  message(STATUS "consumer_find_package: ${what}: ok")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

step("install into ${prefix}" ${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${prefix})

set(configure ${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${build} -G ${GENERATOR}
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
    "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}"
    -DCMAKE_PREFIX_PATH=${prefix}
    # Only the fresh prefix may provide descent: no user/system package registry.
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
if(MAKE_PROGRAM)
  list(APPEND configure -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
endif()
step("configure against the installed package" ${configure})

# find_package must have found the package just installed, not some other descent.
file(STRINGS ${build}/CMakeCache.txt found REGEX "^descent_DIR:")
string(REGEX REPLACE "^descent_DIR:[A-Z]+=" "" found "${found}")
cmake_path(IS_PREFIX prefix "${found}" NORMALIZE from_prefix)
if(NOT from_prefix)
  message(FATAL_ERROR "consumer_find_package: descent was found in '${found}', not under ${prefix}")
endif()

step("build" ${CMAKE_COMMAND} --build ${build})

if(RUN)
  step("run" ${build}/descent_consumer)
  message(STATUS "${step_output}")
else()
  message(STATUS "consumer_find_package: run skipped (RUN=OFF)")
endif()
