#include "traceprop/logging/spdlog_setup.h"

#include <chrono>
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
  spdlog::set_formatter(*std::move(formatter));
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
