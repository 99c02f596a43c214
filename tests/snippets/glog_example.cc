// The usage example of traceprop/logging/glog_prefix.h, verbatim (region
// below), compiled with -Werror and run: the test checks that the glog line
// carries trace and span ids.
#include <glog/logging.h>

#include <iostream>

#include "absl/status/status.h"
#include "traceprop/context/current.h"
#include "traceprop/logging/glog_prefix.h"

int main(int /*argc*/, char** argv) {
  FLAGS_logtostderr = true;  // for the test: glog writes files by default
  // [START glog]
  // In main(), instead of google::InitGoogleLogging(argv[0]):
  absl::Status logging =
      traceprop::logging::InitGoogleLoggingWithTraceFields(argv[0]);
  if (!logging.ok()) std::cerr << logging << "\n";
  traceprop::SpanScope span;
  LOG(INFO) << "hello";
  // "I20261127 09:13:08.123456  4242 main.cc:12] [4bf9…] [00f0…] hello"
  // [END glog]
  return logging.ok() ? 0 : 1;
}
