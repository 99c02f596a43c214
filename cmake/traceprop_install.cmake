# Version check, install rules, CMake package export and pkg-config files.
#
# Included at the end of the top-level CMakeLists.txt, after every folder has
# declared its libraries with traceprop_cc_library/traceprop_proto_library
# (which register them in the global property TRACEPROP_LIBRARIES).
#
# `cmake --install <build> --prefix <p>` then lays out:
#   <p>/include/traceprop/<folder>/<file>.h        public headers (never internal/)
#   <p>/include/traceprop/proto/<file>.pb.h         generated proto headers
#   <p>/include/traceprop/proto/<file>.proto        the .proto sources, so users
#                                                   can `import "traceprop/proto/..."`
#   <p>/lib/libtraceprop_<name>.a                   the libraries
#   <p>/lib/cmake/traceprop/traceprop-config.cmake  find_package(traceprop CONFIG)
#   <p>/lib/pkgconfig/traceprop.pc                  pkg-config (+ traceprop-<name>.pc)
#
# Consumers:
#   find_package(traceprop CONFIG REQUIRED)            # or COMPONENTS interceptors ...
#   target_link_libraries(app PRIVATE traceprop::traceprop)  # or a finer target
# or, from source, add_subdirectory(traceprop) / FetchContent with the same
# traceprop:: names (TRACEPROP_BUILD_* default to OFF when not top level is up
# to the parent; see docs/BUILDING.md).

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# --- Version: version.h must say what project(VERSION) says. ---------
file(STRINGS ${PROJECT_SOURCE_DIR}/version.h _traceprop_version_lines
  REGEX "^#define TRACEPROP_VERSION_(MAJOR|MINOR|PATCH|STRING) ")
foreach(_part MAJOR MINOR PATCH STRING)
  set(_traceprop_header_${_part} "")
  foreach(_line IN LISTS _traceprop_version_lines)
    if(_line MATCHES "^#define TRACEPROP_VERSION_${_part} \"?([0-9.]+)\"?$")
      set(_traceprop_header_${_part} ${CMAKE_MATCH_1})
    endif()
  endforeach()
endforeach()
if(NOT _traceprop_header_MAJOR STREQUAL PROJECT_VERSION_MAJOR OR
   NOT _traceprop_header_MINOR STREQUAL PROJECT_VERSION_MINOR OR
   NOT _traceprop_header_PATCH STREQUAL PROJECT_VERSION_PATCH OR
   NOT _traceprop_header_STRING STREQUAL PROJECT_VERSION)
  message(FATAL_ERROR
    "version.h says ${_traceprop_header_MAJOR}.${_traceprop_header_MINOR}."
    "${_traceprop_header_PATCH} (\"${_traceprop_header_STRING}\") but project(VERSION) "
    "is ${PROJECT_VERSION}: update both (and MODULE.bazel, CHANGELOG.md) together.")
endif()
if(EXISTS ${PROJECT_SOURCE_DIR}/MODULE.bazel)
  file(STRINGS ${PROJECT_SOURCE_DIR}/MODULE.bazel _traceprop_module_version
    REGEX "^ *version = \"[0-9.]+\",")
  if(NOT _traceprop_module_version MATCHES "\"${PROJECT_VERSION}\"")
    message(FATAL_ERROR "MODULE.bazel's module(version) (${_traceprop_module_version}) "
      "differs from project(VERSION) ${PROJECT_VERSION}.")
  endif()
endif()

if(EXISTS ${PROJECT_SOURCE_DIR}/CHANGELOG.md)
  file(STRINGS ${PROJECT_SOURCE_DIR}/CHANGELOG.md _traceprop_changelog_release
    REGEX "^## \\[[0-9]+\\.[0-9]+\\.[0-9]+\\]")
  list(APPEND _traceprop_changelog_release "(none)")
  list(GET _traceprop_changelog_release 0 _traceprop_changelog_release)
  if(NOT _traceprop_changelog_release STREQUAL "## [${PROJECT_VERSION}]")
    message(FATAL_ERROR "CHANGELOG.md's newest release is '${_traceprop_changelog_release}', "
      "project(VERSION) is ${PROJECT_VERSION}.")
  endif()
endif()

# In-tree users (add_subdirectory/FetchContent) import the .proto files from
# here, installed users from traceprop_PROTO_IMPORT_DIR (set by the config).
set(TRACEPROP_PROTO_IMPORT_DIR ${TRACEPROP_INCLUDE_ROOT} CACHE INTERNAL
  "Directory to pass to protoc -I to import \"traceprop/proto/*.proto\"")

# Install rules are on by default for a top-level build, off when traceprop
# is a sub-project (the parent decides; it may turn them on).
# _traceprop_top_level is set by the top-level CMakeLists.txt.
option(TRACEPROP_INSTALL "Generate traceprop's install rules" ${_traceprop_top_level})
if(NOT TRACEPROP_INSTALL)
  return()
endif()

# --- Which libraries: every registered library except those of examples/,
# tests/ and bench/ (e.g. the examples' own proto libraries).
get_property(_traceprop_all_libraries GLOBAL PROPERTY TRACEPROP_LIBRARIES)
set(TRACEPROP_INSTALLED_LIBRARIES)
foreach(_target IN LISTS _traceprop_all_libraries)
  get_target_property(_dir ${_target} SOURCE_DIR)
  file(RELATIVE_PATH _rel ${PROJECT_SOURCE_DIR} ${_dir})
  if(NOT _rel MATCHES "^(examples|tests|bench)(/|$)")
    list(APPEND TRACEPROP_INSTALLED_LIBRARIES ${_target})
  endif()
endforeach()

install(TARGETS ${TRACEPROP_INSTALLED_LIBRARIES}
  EXPORT traceprop-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# --- Headers: each library's listed public headers (HDRS minus internal/
# ones, which no public header includes: tests/consumer compiles every
# installed header on its own) under include/traceprop/<folder>/; generated
# headers keep their gen/ path; a proto library's .proto goes next to its
# .pb.h.
set(_traceprop_exported_deps)
foreach(_target IN LISTS TRACEPROP_INSTALLED_LIBRARIES)
  get_target_property(_dir ${_target} SOURCE_DIR)
  get_target_property(_sources ${_target} SOURCES)
  file(RELATIVE_PATH _folder ${PROJECT_SOURCE_DIR} ${_dir})
  foreach(_src IN LISTS _sources)
    if(NOT _src MATCHES "\\.h$" OR _src MATCHES "(^|/)internal/")
      continue()
    endif()
    if(IS_ABSOLUTE ${_src})
      set(_abs ${_src})
    else()
      set(_abs ${_dir}/${_src})
    endif()
    string(FIND "${_abs}" "${TRACEPROP_GEN_ROOT}/" _in_gen)
    if(_in_gen EQUAL 0)
      file(RELATIVE_PATH _rel ${TRACEPROP_GEN_ROOT} ${_abs})
    else()
      file(RELATIVE_PATH _rel ${PROJECT_SOURCE_DIR} ${_abs})
      set(_rel traceprop/${_rel})
    endif()
    get_filename_component(_dest ${_rel} DIRECTORY)
    install(FILES ${_abs} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/${_dest})
    if(_abs MATCHES "\\.pb\\.h$" AND NOT _abs MATCHES "\\.grpc\\.pb\\.h$")
      get_filename_component(_name ${_abs} NAME)
      string(REGEX REPLACE "\\.pb\\.h$" ".proto" _proto ${_name})
      if(EXISTS ${_dir}/${_proto})
        install(FILES ${_dir}/${_proto} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/${_dest})
      endif()
    endif()
  endforeach()
  # Everything the library links (public and private: static libraries need
  # both), for find_dependency and pkg-config.
  get_target_property(_type ${_target} TYPE)
  set(_links)
  if(NOT _type STREQUAL "INTERFACE_LIBRARY")
    get_target_property(_links ${_target} LINK_LIBRARIES)
  endif()
  get_target_property(_ilinks ${_target} INTERFACE_LINK_LIBRARIES)
  foreach(_dep IN LISTS _links _ilinks)
    string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" _dep "${_dep}")
    if(_dep AND NOT _dep MATCHES "NOTFOUND$" AND NOT _dep MATCHES "^\\$<")
      list(APPEND _traceprop_exported_deps ${_dep})
      set_property(GLOBAL APPEND PROPERTY TRACEPROP_DEPS_${_target} ${_dep})
    endif()
  endforeach()
endforeach()
list(REMOVE_DUPLICATES _traceprop_exported_deps)

# --- CMake package. -------------------------------------------------------------
set(TRACEPROP_CONFIG_DEPENDENCIES "")
macro(_traceprop_need pattern line)
  foreach(_d IN LISTS _traceprop_exported_deps)
    if(_d MATCHES "${pattern}")
      string(APPEND TRACEPROP_CONFIG_DEPENDENCIES "${line}\n")
      break()
    endif()
  endforeach()
endmacro()
_traceprop_need("^Threads::" "find_dependency(Threads)")
_traceprop_need("^absl::" "find_dependency(absl CONFIG)")
_traceprop_need("^protobuf::" "find_dependency(Protobuf)")
_traceprop_need("^gRPC::" "find_dependency(gRPC CONFIG)")
# The logging integrations are optional for consumers too: without spdlog
# (glog) only the traceprop::logging_spdlog (logging_glog) component is
# missing, which COMPONENTS turns into an error if it was asked for.
_traceprop_need("^spdlog::" "find_package(spdlog CONFIG QUIET)")
_traceprop_need("^glog::" "find_package(glog CONFIG QUIET)")
set(TRACEPROP_CONFIG_COMPONENTS "")
foreach(_target IN LISTS TRACEPROP_INSTALLED_LIBRARIES)
  get_target_property(_name ${_target} EXPORT_NAME)
  list(APPEND TRACEPROP_CONFIG_COMPONENTS ${_name})
endforeach()

set(_traceprop_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/traceprop)
install(EXPORT traceprop-targets
  NAMESPACE traceprop::
  FILE traceprop-targets.cmake
  DESTINATION ${_traceprop_cmake_dir})
configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/traceprop-config.cmake.in
  ${PROJECT_BINARY_DIR}/traceprop-config.cmake
  INSTALL_DESTINATION ${_traceprop_cmake_dir}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
# 0.x: a different minor version is incompatible (SameMinorVersion); switch
# to SameMajorVersion at 1.0.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/traceprop-config-version.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/traceprop-config.cmake
  ${PROJECT_BINARY_DIR}/traceprop-config-version.cmake
  DESTINATION ${_traceprop_cmake_dir})

# --- pkg-config: traceprop-<name>.pc per library; traceprop.pc is the umbrella
# target traceprop::traceprop (context, interceptors, logging and the logging
# integrations that were built).
function(_traceprop_pc_name dep out_var)
  set(_pc "")
  if(dep MATCHES "^traceprop::(.+)$")
    set(_pc "traceprop-${CMAKE_MATCH_1}")
  elseif(dep MATCHES "^traceprop_(.+)$")
    set(_pc "traceprop-${CMAKE_MATCH_1}")
  elseif(dep MATCHES "^absl::(.+)$")
    set(_pc "absl_${CMAKE_MATCH_1}")
  elseif(dep STREQUAL "protobuf::libprotobuf")
    set(_pc "protobuf")
  elseif(dep STREQUAL "protobuf::libprotobuf-lite")
    set(_pc "protobuf-lite")
  elseif(dep MATCHES "^gRPC::(.+)$")
    set(_pc "${CMAKE_MATCH_1}")
  elseif(dep MATCHES "^spdlog::")
    set(_pc "spdlog")
  elseif(dep MATCHES "^glog::")
    set(_pc "libglog")
  elseif(NOT dep STREQUAL "Threads::Threads")
    message(WARNING "traceprop.pc: no pkg-config name for dependency '${dep}'")
  endif()
  set(${out_var} "${_pc}" PARENT_SCOPE)
endfunction()

file(RELATIVE_PATH TRACEPROP_PC_TO_PREFIX
  /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
foreach(_target IN LISTS TRACEPROP_INSTALLED_LIBRARIES)
  get_target_property(_name ${_target} EXPORT_NAME)
  get_target_property(_type ${_target} TYPE)
  get_property(_deps GLOBAL PROPERTY TRACEPROP_DEPS_${_target})
  list(REMOVE_DUPLICATES _deps)
  set(_requires)
  foreach(_dep IN LISTS _deps)
    _traceprop_pc_name("${_dep}" _pc)
    if(_pc)
      list(APPEND _requires ${_pc})
    endif()
  endforeach()
  list(REMOVE_DUPLICATES _requires)
  string(REPLACE ";" ", " TRACEPROP_PC_REQUIRES "${_requires}")
  if(_type STREQUAL "INTERFACE_LIBRARY")
    set(TRACEPROP_PC_LIBS "-pthread")
  else()
    get_target_property(_output ${_target} OUTPUT_NAME)
    if(NOT _output)
      set(_output ${_target})
    endif()
    set(TRACEPROP_PC_LIBS "-L\${libdir} -l${_output} -pthread")
  endif()
  if(_name STREQUAL "traceprop")
    # The umbrella target is traceprop.pc itself (the common case:
    # everything traceprop::traceprop links, found integrations included).
    set(TRACEPROP_PC_NAME "traceprop")
    set(TRACEPROP_PC_DESCRIPTION "W3C Trace Context propagation for gRPC C++ (traceprop::traceprop)")
    set(_pc_file traceprop.pc)
  else()
    set(TRACEPROP_PC_NAME "traceprop-${_name}")
    set(TRACEPROP_PC_DESCRIPTION "traceprop::${_name} (W3C Trace Context for gRPC C++)")
    set(_pc_file traceprop-${_name}.pc)
  endif()
  configure_file(${CMAKE_CURRENT_LIST_DIR}/traceprop.pc.in
    ${PROJECT_BINARY_DIR}/pkgconfig/${_pc_file} @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${_pc_file}
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
