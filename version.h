// traceprop/version.h — the version of the traceprop headers.
//
// The numbers follow Semantic Versioning (https://semver.org) and match the
// release in CHANGELOG.md, CMake's project(VERSION) (checked when CMake
// configures: a mismatch is a configure error), the installed package's
// traceprop-config-version.cmake and traceprop.pc, and MODULE.bazel's
// module(version). Before 1.0.0 a minor release may change the API.
//
//   #include "traceprop/version.h"
//
//   #if TRACEPROP_VERSION < TRACEPROP_VERSION_ENCODE(0, 2, 0)
//   #error "this service needs traceprop 0.2.0 or newer"
//   #endif
//   std::cout << "traceprop " << traceprop::kVersionString << "\n";
//
// Header-only: nothing here needs linking, and every value is a constant
// usable in preprocessor conditions or constexpr code.

#ifndef TRACEPROP_VERSION_H_
#define TRACEPROP_VERSION_H_

// TRACEPROP_VERSION_MAJOR, _MINOR, _PATCH: the three version numbers.
#define TRACEPROP_VERSION_MAJOR 0
#define TRACEPROP_VERSION_MINOR 1
#define TRACEPROP_VERSION_PATCH 0

// TRACEPROP_VERSION_STRING: "MAJOR.MINOR.PATCH", e.g. "0.1.0".
#define TRACEPROP_VERSION_STRING "0.1.0"

// TRACEPROP_VERSION_ENCODE(major, minor, patch): one integer that orders
// versions, for #if comparisons (each part must be below 1000).
#define TRACEPROP_VERSION_ENCODE(major, minor, patch) \
  ((major)*1000000 + (minor)*1000 + (patch))

// TRACEPROP_VERSION: this version, encoded with TRACEPROP_VERSION_ENCODE.
#define TRACEPROP_VERSION                                                    \
  TRACEPROP_VERSION_ENCODE(TRACEPROP_VERSION_MAJOR, TRACEPROP_VERSION_MINOR, \
                           TRACEPROP_VERSION_PATCH)

namespace traceprop {

// kVersionMajor, kVersionMinor, kVersionPatch: the version numbers as
// constants of the header this code was compiled against.
inline constexpr int kVersionMajor = TRACEPROP_VERSION_MAJOR;
inline constexpr int kVersionMinor = TRACEPROP_VERSION_MINOR;
inline constexpr int kVersionPatch = TRACEPROP_VERSION_PATCH;

// kVersionString: TRACEPROP_VERSION_STRING as a constant, e.g. "0.1.0".
inline constexpr char kVersionString[] = TRACEPROP_VERSION_STRING;

}  // namespace traceprop

#endif  // TRACEPROP_VERSION_H_
