# The README's getting-started CMakeLists.txt, verbatim (region below):
# scripts/test_install.sh copies it, greeter.proto and quickstart.cc (as
# main.cc) into an empty directory, builds that project against the
# installed traceprop with -Werror and runs it.
# [START cmake_project]
cmake_minimum_required(VERSION 3.18)
project(greeter LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 17)

find_package(traceprop 0.1 CONFIG REQUIRED)  # also finds gRPC and Protobuf
find_program(GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)

# Your own service: C++ code generated from greeter.proto into the build.
set(gen ${CMAKE_CURRENT_BINARY_DIR}/gen)
file(MAKE_DIRECTORY ${gen})
add_custom_command(
  OUTPUT ${gen}/greeter.pb.cc ${gen}/greeter.pb.h
         ${gen}/greeter.grpc.pb.cc ${gen}/greeter.grpc.pb.h
  COMMAND protobuf::protoc
  ARGS -I${CMAKE_CURRENT_SOURCE_DIR} --cpp_out=${gen} --grpc_out=${gen}
       --plugin=protoc-gen-grpc=${GRPC_CPP_PLUGIN}
       ${CMAKE_CURRENT_SOURCE_DIR}/greeter.proto
  DEPENDS greeter.proto)

add_executable(greeter main.cc ${gen}/greeter.pb.cc ${gen}/greeter.grpc.pb.cc)
target_include_directories(greeter PRIVATE ${gen})
target_link_libraries(greeter PRIVATE traceprop::traceprop)
# [END cmake_project]
