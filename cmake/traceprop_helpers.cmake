# Small helpers so that every folder declares its targets the same way and
# the CMake target names match the Bazel ones (traceprop_<name> with the
# alias traceprop::<name>).

# traceprop_cc_library(NAME n SRCS ... HDRS ... DEPS ... [PRIVATE_DEPS ...])
function(traceprop_cc_library)
  cmake_parse_arguments(A "" "NAME" "SRCS;HDRS;DEPS;PRIVATE_DEPS" ${ARGN})
  set(target traceprop_${A_NAME})
  if(A_SRCS)
    add_library(${target} STATIC ${A_SRCS} ${A_HDRS})
    target_link_libraries(${target} PUBLIC ${A_DEPS} PRIVATE ${A_PRIVATE_DEPS})
    target_include_directories(${target} PUBLIC
      $<BUILD_INTERFACE:${TRACEPROP_INCLUDE_ROOT}>
      $<BUILD_INTERFACE:${TRACEPROP_GEN_ROOT}>
      $<INSTALL_INTERFACE:include>)
    target_compile_features(${target} PUBLIC cxx_std_17)
    set(scope PUBLIC)
  else()
    add_library(${target} INTERFACE)
    target_link_libraries(${target} INTERFACE ${A_DEPS})
    target_include_directories(${target} INTERFACE
      $<BUILD_INTERFACE:${TRACEPROP_INCLUDE_ROOT}>
      $<BUILD_INTERFACE:${TRACEPROP_GEN_ROOT}>
      $<INSTALL_INTERFACE:include>)
    target_compile_features(${target} INTERFACE cxx_std_17)
  endif()
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${A_NAME})
  add_library(traceprop::${A_NAME} ALIAS ${target})
  set_property(GLOBAL APPEND PROPERTY TRACEPROP_LIBRARIES ${target})
endfunction()

# traceprop_cc_test(NAME n SRCS ... DEPS ... [LABELS ...])
# Every test carries the label "unit"; add "tsan" for suites that must run
# under ThreadSanitizer in the test command (they join the target
# traceprop_tsan_suites, which is what the TSan step builds).
function(traceprop_cc_test)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  add_test(NAME ${A_NAME} COMMAND ${A_NAME})
  set_tests_properties(${A_NAME} PROPERTIES LABELS "unit;${A_LABELS}" TIMEOUT 600)
  if("tsan" IN_LIST A_LABELS)
    add_dependencies(traceprop_tsan_suites ${A_NAME})
  endif()
endfunction()

# traceprop_cc_benchmark(NAME n SRCS ... DEPS ...)
function(traceprop_cc_benchmark)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} benchmark::benchmark benchmark::benchmark_main)
endfunction()

# traceprop_proto_library(NAME n PROTO file.proto [GRPC] DEPS ...)
# Generates <gen>/traceprop/<folder>/<file>.pb.{h,cc} (and .grpc.pb.* with
# GRPC), so generated headers are included as "traceprop/<folder>/x.pb.h".
function(traceprop_proto_library)
  cmake_parse_arguments(A "GRPC" "NAME;PROTO" "DEPS" ${ARGN})
  file(RELATIVE_PATH rel_dir ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  get_filename_component(base ${A_PROTO} NAME_WE)
  set(import_path traceprop/${rel_dir}/${A_PROTO})
  set(out ${TRACEPROP_GEN_ROOT}/traceprop/${rel_dir})
  set(srcs ${out}/${base}.pb.cc)
  set(hdrs ${out}/${base}.pb.h)
  set(plugin_args)
  set(plugin_deps)
  if(A_GRPC)
    list(APPEND srcs ${out}/${base}.grpc.pb.cc)
    list(APPEND hdrs ${out}/${base}.grpc.pb.h)
    set(plugin_args --grpc_out=${TRACEPROP_GEN_ROOT} --plugin=protoc-gen-grpc=${TRACEPROP_GRPC_CPP_PLUGIN})
  endif()
  add_custom_command(
    OUTPUT ${srcs} ${hdrs}
    COMMAND protobuf::protoc
    ARGS --proto_path=${TRACEPROP_INCLUDE_ROOT} --cpp_out=${TRACEPROP_GEN_ROOT} ${plugin_args} ${import_path}
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${A_PROTO} protobuf::protoc
    COMMENT "protoc ${import_path}"
    VERBATIM)
  set(deps protobuf::libprotobuf ${A_DEPS})
  if(A_GRPC)
    list(APPEND deps gRPC::grpc++)
  endif()
  traceprop_cc_library(NAME ${A_NAME} SRCS ${srcs} HDRS ${hdrs} DEPS ${deps})
endfunction()
