// traceprop/logging/glog_prefix.h — trace ids in every glog line.
//
// glog 0.6 lets a program replace the line prefix once, when it calls
// InitGoogleLogging (the overload taking a CustomPrefixCallback; the
// Debian build and the glog::glog CMake target enable it). This file
// provides that call: the prefix is glog's usual one followed by the trace
// fields of the context current on the logging thread (glog builds the
// prefix on the thread that writes LOG(...), so the ids are that thread's).
//
// Example (compiled in tests/snippets/glog_example.cc, "glog"):
//   // In main(), instead of google::InitGoogleLogging(argv[0]):
//   absl::Status logging =
//       traceprop::logging::InitGoogleLoggingWithTraceFields(argv[0]);
//   if (!logging.ok()) std::cerr << logging << "\n";
//   traceprop::SpanScope span;
//   LOG(INFO) << "hello";
//   // "I20261127 09:13:08.123456  4242 main.cc:12] [4bf9…] [00f0…] hello"
//
// Limits: glog has one prefix callback per process and it can only be set
// by InitGoogleLogging, which may be called once — so this call replaces
// your own google::InitGoogleLogging call. FLAGS_log_prefix=false turns all
// prefixes off, ours included. LogSink::send receives the message without
// any prefix (glog's design), so custom LogSinks see no ids; they can call
// LogFields::Current() themselves.

#ifndef TRACEPROP_LOGGING_GLOG_PREFIX_H_
#define TRACEPROP_LOGGING_GLOG_PREFIX_H_

#include <string>

#include "absl/status/status.h"
#include "traceprop/logging/log_fields.h"

namespace traceprop {
namespace logging {

// GlogOptions configures InitGoogleLoggingWithTraceFields.
struct GlogOptions {
  // fields_pattern / absent: see LogPattern::Parse.
  std::string fields_pattern = std::string(LogPattern::kDefaultPattern);
  std::string absent = "-";
};

// InitGoogleLoggingWithTraceFields calls google::InitGoogleLogging(argv0)
// with a prefix callback that writes glog's standard prefix
// ("Lyyyymmdd hh:mm:ss.uuuuuu threadid file:line]", year only with
// FLAGS_log_year_in_prefix) and then the trace fields. Returns
// InvalidArgument (and does not initialise glog) for a bad
// fields_pattern/absent; FailedPrecondition if it was already called.
// Call once, from main, before logging; like InitGoogleLogging it is not
// thread-safe. `argv0` must outlive logging (glog keeps the pointer).
absl::Status InitGoogleLoggingWithTraceFields(const char* argv0,
                                              const GlogOptions& options = {});

}  // namespace logging
}  // namespace traceprop

#endif  // TRACEPROP_LOGGING_GLOG_PREFIX_H_
