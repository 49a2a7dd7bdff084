# Driver of the CTest readme_example_in_sync (tests/extra_tests.cmake): the C++ example
# in README.md must be, verbatim, the block between the readme-example markers of
# tests/consumer/main.cpp, which consumer_find_package compiles and runs. So the README
# cannot show code that does not build.
# Run as: cmake -DREADME=.../README.md -DSOURCE=.../tests/consumer/main.cpp -P this
cmake_minimum_required(VERSION 3.25)

file(READ ${SOURCE} source)
set(begin_marker "// [readme-example begin]\n")
set(end_marker "// [readme-example end]")
string(FIND "${source}" "${begin_marker}" begin)
string(FIND "${source}" "${end_marker}" end)
if(begin EQUAL -1 OR end EQUAL -1 OR end LESS begin)
  message(FATAL_ERROR "readme_example_in_sync: ${SOURCE} lacks the readme-example markers")
endif()
string(LENGTH "${begin_marker}" marker_length)
math(EXPR begin "${begin} + ${marker_length}")
math(EXPR length "${end} - ${begin}")
string(SUBSTRING "${source}" ${begin} ${length} example)

file(READ ${README} readme)
string(FIND "${readme}" "```cpp\n${example}```" found)
if(found EQUAL -1)
  message(FATAL_ERROR "readme_example_in_sync: README.md has no ```cpp block equal to the readme-example block of "
                      "${SOURCE}; copy that block into README.md")
endif()
