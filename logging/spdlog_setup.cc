#include "traceprop/logging/spdlog_setup.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"
#include "traceprop/context/current.h"

namespace traceprop {
namespace logging {
namespace {

// UsesFlag reports whether the spdlog pattern contains `%<flag>` (allowing
// spdlog's padding spec between, e.g. `%-20&`), skipping `%%`.
bool UsesFlag(absl::string_view pattern, char flag) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') continue;
    size_t j = i + 1;
    if (j < pattern.size() && pattern[j] == '%') {
      i = j;
      continue;
    }
    while (j < pattern.size() &&
           (pattern[j] == '-' || pattern[j] == '=' || pattern[j] == '!' ||
            (pattern[j] >= '0' && pattern[j] <= '9'))) {
      ++j;
    }
    if (j < pattern.size() && pattern[j] == flag) return true;
    i = j - 1;
  }
  return false;
}

struct Severity {
  absl::string_view text;
  int number;
};

Severity SeverityOf(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return {"TRACE", 1};
    case spdlog::level::debug:
      return {"DEBUG", 5};
    case spdlog::level::info:
      return {"INFO", 9};
    case spdlog::level::warn:
      return {"WARN", 13};
    case spdlog::level::err:
      return {"ERROR", 17};
    case spdlog::level::critical:
      return {"FATAL", 21};
    default:
      return {"UNSPECIFIED", 0};
  }
}

// NameAwareFormatter formats with `named` for loggers with a name and with
// `unnamed` (the same pattern without "[%n] ") for the unnamed default
// logger, as spdlog's own default line does.
class NameAwareFormatter final : public spdlog::formatter {
 public:
  NameAwareFormatter(std::unique_ptr<spdlog::formatter> named,
                     std::unique_ptr<spdlog::formatter> unnamed)
      : named_(std::move(named)), unnamed_(std::move(unnamed)) {}
  void format(const spdlog::details::log_msg& msg,
              spdlog::memory_buf_t& dest) override {
    (msg.logger_name.size() == 0 ? unnamed_ : named_)->format(msg, dest);
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<NameAwareFormatter>(named_->clone(),
                                                unnamed_->clone());
  }

 private:
  const std::unique_ptr<spdlog::formatter> named_;
  const std::unique_ptr<spdlog::formatter> unnamed_;
};

constexpr char kNameField[] = "[%n] ";
constexpr size_t kNameFieldSize = sizeof(kNameField) - 1;

// The options of the last successful InstallSpdlog, for SetPattern.
// The registry's template formatter (what spdlog clones onto every logger,
// also those created later) is replaced by spdlog::set_pattern and
// spdlog::set_formatter. RegistryFormatter wraps the one InstallSpdlog
// installs and reports (it is destroyed once) when something other than
// traceprop replaces it: the lines would otherwise silently lose their ids.
std::atomic<uint64_t> g_generation{0};  // bumped for each formatter we make
std::atomic<bool> g_replacing{false};   // InstallSpdlog is replacing it
std::atomic<bool> g_exiting{false};     // static destruction: not a mistake

class RegistryFormatter final : public spdlog::formatter {
 public:
  explicit RegistryFormatter(std::unique_ptr<spdlog::formatter> inner)
      : inner_(std::move(inner)),
        generation_(g_generation.load(std::memory_order_relaxed)) {}
  ~RegistryFormatter() override {
    if (g_replacing.load() || g_exiting.load() ||
        generation_ != g_generation.load()) {
      return;
    }
    std::fputs(
        "traceprop: spdlog::set_pattern (or spdlog::set_formatter) replaced "
        "the formatter of traceprop::logging::InstallSpdlog: log lines no "
        "longer carry trace ids. Fix: traceprop::logging::SetPattern(\"... %& "
        "...\") changes the pattern and keeps the ids.\n",
        stderr);
  }
  void format(const spdlog::details::log_msg& msg,
              spdlog::memory_buf_t& dest) override {
    inner_->format(msg, dest);
  }
  // Loggers get clones of the inner formatter: only the registry's
  // template reports.
  std::unique_ptr<spdlog::formatter> clone() const override {
    return inner_->clone();
  }

 private:
  const std::unique_ptr<spdlog::formatter> inner_;
  const uint64_t generation_;
};

std::mutex& InstalledMutex() {
  static std::mutex* mu = new std::mutex;
  return *mu;
}
SpdlogOptions& InstalledOptions() {
  static SpdlogOptions* options = new SpdlogOptions;
  return *options;
}

}  // namespace

TraceFieldsFlag::TraceFieldsFlag()
    : pattern_(std::shared_ptr<const LogPattern>(
          std::shared_ptr<const LogPattern>(), &LogPattern::Default())) {}

TraceFieldsFlag::TraceFieldsFlag(std::shared_ptr<const LogPattern> pattern)
    : pattern_(pattern != nullptr ? std::move(pattern)
                                  : std::shared_ptr<const LogPattern>(
                                        std::shared_ptr<const LogPattern>(),
                                        &LogPattern::Default())) {}

void TraceFieldsFlag::format(const spdlog::details::log_msg& /*msg*/,
                             const std::tm& /*tm_time*/,
                             spdlog::memory_buf_t& dest) {
  pattern_->AppendTo(traceprop::Current(), dest);
}

std::unique_ptr<spdlog::custom_flag_formatter> TraceFieldsFlag::clone() const {
  auto copy = std::make_unique<TraceFieldsFlag>(pattern_);
  copy->set_padding_info(padinfo_);
  return copy;
}

void SpdlogJsonFormatter::format(const spdlog::details::log_msg& msg,
                                 spdlog::memory_buf_t& dest) {
  // One scratch string per thread: no allocation once it has grown.
  thread_local std::string scratch;
  scratch.clear();
  const Severity severity = SeverityOf(msg.level);
  JsonLogRecord record;
  record.time_unix_nano = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              msg.time.time_since_epoch())
                              .count();
  record.severity_text = severity.text;
  record.severity_number = severity.number;
  record.body = absl::string_view(msg.payload.data(), msg.payload.size());
  record.logger_name =
      absl::string_view(msg.logger_name.data(), msg.logger_name.size());
  AppendJsonLogLine(record, traceprop::Current(), scratch);
  scratch += '\n';
  dest.append(scratch.data(), scratch.data() + scratch.size());
}

std::unique_ptr<spdlog::formatter> SpdlogJsonFormatter::clone() const {
  return std::make_unique<SpdlogJsonFormatter>();
}

absl::StatusOr<std::unique_ptr<spdlog::formatter>> MakeSpdlogFormatter(
    const SpdlogOptions& options) {
  // A traceprop formatter made after the registry's: replacing that one
  // with this one is not the mistake RegistryFormatter reports.
  g_generation.fetch_add(1);
  if (options.format == SpdlogOptions::Format::kJson) {
    return std::unique_ptr<spdlog::formatter>(
        std::make_unique<SpdlogJsonFormatter>());
  }
  absl::StatusOr<LogPattern> pattern =
      LogPattern::Parse(options.fields_pattern, options.absent);
  if (!pattern.ok()) return pattern.status();
  if (!UsesFlag(options.spdlog_pattern, options.flag)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "spdlog_pattern \"", options.spdlog_pattern, "\" does not use %",
        std::string(1, options.flag), ", so lines would carry no trace ids"));
  }
  auto fields = std::make_shared<const LogPattern>(*std::move(pattern));
  auto make = [&](const std::string& spdlog_pattern) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(
        options.time_type, spdlog::details::os::default_eol);
    formatter->add_flag<TraceFieldsFlag>(options.flag, fields);
    formatter->set_pattern(spdlog_pattern);
    return formatter;
  };
  const size_t name_at = options.spdlog_pattern.find(kNameField);
  if (name_at == std::string::npos) {
    return std::unique_ptr<spdlog::formatter>(make(options.spdlog_pattern));
  }
  std::string unnamed = options.spdlog_pattern;
  unnamed.erase(name_at, kNameFieldSize);
  return std::unique_ptr<spdlog::formatter>(
      std::make_unique<NameAwareFormatter>(make(options.spdlog_pattern),
                                           make(unnamed)));
}

absl::Status InstallSpdlog(const SpdlogOptions& options) {
  absl::StatusOr<std::unique_ptr<spdlog::formatter>> formatter =
      MakeSpdlogFormatter(options);
  if (!formatter.ok()) return formatter.status();
  std::lock_guard<std::mutex> lock(InstalledMutex());
  static const bool exit_hook = [] {
    // Registered after spdlog's registry exists, so it runs before the
    // registry (and our formatter in it) is destroyed.
    spdlog::details::registry::instance();
    std::atexit([] { g_exiting.store(true); });
    return true;
  }();
  static_cast<void>(exit_hook);
  g_replacing.store(true);
  spdlog::set_formatter(
      std::make_unique<RegistryFormatter>(*std::move(formatter)));
  g_replacing.store(false);
  InstalledOptions() = options;
  return absl::OkStatus();
}

absl::Status SetPattern(std::string spdlog_pattern) {
  SpdlogOptions options;
  {
    std::lock_guard<std::mutex> lock(InstalledMutex());
    options = InstalledOptions();
  }
  options.format = SpdlogOptions::Format::kText;
  options.spdlog_pattern = std::move(spdlog_pattern);
  return InstallSpdlog(options);
}

absl::Status SetPattern(spdlog::logger& logger, std::string spdlog_pattern) {
  SpdlogOptions options;
  {
    std::lock_guard<std::mutex> lock(InstalledMutex());
    options = InstalledOptions();
  }
  options.format = SpdlogOptions::Format::kText;
  options.spdlog_pattern = std::move(spdlog_pattern);
  absl::StatusOr<std::unique_ptr<spdlog::formatter>> formatter =
      MakeSpdlogFormatter(options);
  if (!formatter.ok()) return formatter.status();
  logger.set_formatter(*std::move(formatter));
  return absl::OkStatus();
}

}  // namespace logging
}  // namespace traceprop
