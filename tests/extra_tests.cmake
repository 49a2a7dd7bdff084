# Tests that are not GoogleTest programs. Included from tests/CMakeLists.txt, so
# CMAKE_CURRENT_SOURCE_DIR is tests/ and CMAKE_BINARY_DIR is the build tree of descent.
# (bench_smoke is registered next to its program, in bench/CMakeLists.txt.)

# consumer_find_package: install this build tree and build + run an outside project
# (tests/consumer) against it with find_package(descent CONFIG REQUIRED).
# The root directory's global compile/link options (the sanitizer flags when
# DESCENT_SANITIZE is on) go to the consumer too: a sanitized libdescent.a needs the
# sanitizer runtime at link time, and the run then checks the consumer as well.
get_directory_property(descent_global_compile_options DIRECTORY ${PROJECT_SOURCE_DIR} COMPILE_OPTIONS)
get_directory_property(descent_global_link_options DIRECTORY ${PROJECT_SOURCE_DIR} LINK_OPTIONS)
list(JOIN descent_global_compile_options " " descent_consumer_cxx_flags)
list(JOIN descent_global_link_options " " descent_consumer_linker_flags)
string(STRIP "${CMAKE_CXX_FLAGS} ${descent_consumer_cxx_flags}" descent_consumer_cxx_flags)
string(STRIP "${CMAKE_EXE_LINKER_FLAGS} ${descent_consumer_linker_flags}" descent_consumer_linker_flags)

add_test(NAME consumer_find_package
         COMMAND ${CMAKE_COMMAND}
                 -DBINARY_DIR=${CMAKE_BINARY_DIR}
                 -DCONSUMER_DIR=${CMAKE_CURRENT_SOURCE_DIR}/consumer
                 -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/consumer_find_package
                 -DGENERATOR=${CMAKE_GENERATOR}
                 -DMAKE_PROGRAM=${CMAKE_MAKE_PROGRAM}
                 -DCXX_COMPILER=${CMAKE_CXX_COMPILER}
                 -DBUILD_TYPE=${CMAKE_BUILD_TYPE}
                 "-DCXX_FLAGS=${descent_consumer_cxx_flags}"
                 "-DLINKER_FLAGS=${descent_consumer_linker_flags}"
                 -DRUN=ON
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/consumer/find_package_test.cmake)
# Configure + compile of one file; generous for a loaded 2-core machine.
set_tests_properties(consumer_find_package PROPERTIES TIMEOUT 300 LABELS install)

# readme_example_in_sync: README.md's C++ example is the code the consumer compiles.
add_test(NAME readme_example_in_sync
         COMMAND ${CMAKE_COMMAND} -DREADME=${PROJECT_SOURCE_DIR}/README.md
                 -DSOURCE=${CMAKE_CURRENT_SOURCE_DIR}/consumer/main.cpp
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/consumer/check_readme_example.cmake)
set_tests_properties(readme_example_in_sync PROPERTIES TIMEOUT 30 LABELS docs)
