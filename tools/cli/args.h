// A small command-line parser for the `salient` subcommands: options with values (--model M),
// flags (--quiet), repeatable options (--set k=v) and positionals, with generated --help text.
#pragma once

#include <string>
#include <vector>

namespace salient::cli {

/// Exit statuses of SPEC §5.
constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

struct OptionSpec {
  const char* name;         // "--model"
  const char* value_name;   // "M" (nullptr: a flag)
  const char* help;
  bool required = false;
  bool repeatable = false;
};

class Args {
 public:
  /// usage: "salient predict --model M --input X.npy [--out Y.npy]"; positionals: names of the
  /// positional arguments, in order; a name in brackets ("[NAME]") is optional (and comes last).
  Args(const char* usage, const char* description, std::vector<OptionSpec> options,
       std::vector<const char*> positionals = {});

  /// Parses argv (after the subcommand name). Returns false with `error()` set on bad usage;
  /// `help_requested()` is true after --help/-h.
  bool parse(int argc, char** argv);
  bool help_requested() const { return help_; }
  const std::string& error() const { return error_; }
  std::string help_text() const;

  bool has(const char* name) const;
  /// The (last) value of an option, or `fallback`.
  const char* get(const char* name, const char* fallback = nullptr) const;
  std::vector<std::string> all(const char* name) const;
  const std::string& positional(size_t i) const { return positional_values_[i]; }
  size_t positional_count() const { return positional_values_.size(); }

 private:
  const OptionSpec* find(const std::string& name) const;

  const char* usage_;
  const char* description_;
  std::vector<OptionSpec> options_;
  std::vector<const char*> positionals_;
  std::vector<std::pair<std::string, std::string>> values_;
  std::vector<std::string> positional_values_;
  bool help_ = false;
  std::string error_;
};

/// Parses argv for a subcommand; prints help (exit 0) or the usage error (exit 2) itself.
/// Returns -1 when the command should go on.
int parse_or_exit(Args& args, int argc, char** argv, const char* command);

/// Prints "salient COMMAND: message" (or "salient COMMAND: PATH: message") to stderr and returns
/// kExitError.
int fail(const char* command, const char* message);
int fail(const char* command, const std::string& path, const char* message);
/// Prints "salient COMMAND: message (see salient COMMAND --help)" and returns kExitUsage.
int usage_error(const char* command, const char* message);

}  // namespace salient::cli
