#include "args.h"

#include <cstdio>
#include <cstring>

namespace salient::cli {

Args::Args(const char* usage, const char* description, std::vector<OptionSpec> options,
           std::vector<const char*> positionals)
    : usage_(usage), description_(description), options_(std::move(options)), positionals_(std::move(positionals)) {}

const OptionSpec* Args::find(const std::string& name) const {
  for (const OptionSpec& o : options_)
    if (name == o.name) return &o;
  return nullptr;
}

bool Args::parse(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      help_ = true;
      return true;
    }
    if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
      std::string value;
      const size_t eq = a.find('=');
      const bool inline_value = eq != std::string::npos;
      if (inline_value) {
        value = a.substr(eq + 1);
        a = a.substr(0, eq);
      }
      const OptionSpec* o = find(a);
      if (!o) {
        error_ = "unknown option '" + a + "'";
        return false;
      }
      if (!o->value_name) {
        if (inline_value) {
          error_ = "option '" + a + "' takes no value";
          return false;
        }
      } else if (!inline_value) {
        if (i + 1 >= argc) {
          error_ = "option '" + a + "' needs a value (" + o->value_name + ")";
          return false;
        }
        value = argv[++i];
      }
      if (!o->repeatable && has(o->name)) {
        error_ = "option '" + a + "' given twice";
        return false;
      }
      values_.emplace_back(a, value);
      continue;
    }
    positional_values_.push_back(a);
  }
  size_t required = 0;  // names in brackets ("[NAME]") are optional and come last
  for (const char* p : positionals_) required += p[0] != '[';
  if (positional_values_.size() < required) {
    error_ = std::string("missing argument ") + positionals_[positional_values_.size()];
    return false;
  }
  if (positional_values_.size() > positionals_.size()) {
    error_ = "unexpected argument '" + positional_values_[positionals_.size()] + "'";
    return false;
  }
  for (const OptionSpec& o : options_)
    if (o.required && !has(o.name)) {
      error_ = std::string("missing required option ") + o.name;
      return false;
    }
  return true;
}

bool Args::has(const char* name) const {
  for (const auto& kv : values_)
    if (kv.first == name) return true;
  return false;
}

const char* Args::get(const char* name, const char* fallback) const {
  const char* found = fallback;
  for (const auto& kv : values_)
    if (kv.first == name) found = kv.second.c_str();
  return found;
}

std::vector<std::string> Args::all(const char* name) const {
  std::vector<std::string> out;
  for (const auto& kv : values_)
    if (kv.first == name) out.push_back(kv.second);
  return out;
}

std::string Args::help_text() const {
  std::string s = std::string("usage: ") + usage_ + "\n\n" + description_ + "\n";
  if (!options_.empty()) s += "\noptions:\n";
  for (const OptionSpec& o : options_) {
    std::string left = std::string("  ") + o.name + (o.value_name ? std::string(" ") + o.value_name : "");
    if (left.size() < 24) left.resize(24, ' ');
    s += left + "  " + o.help + (o.required ? " (required)" : "") + "\n";
  }
  s += "  --help                  this text\n";
  return s;
}

int usage_error(const char* command, const char* message) {
  std::fprintf(stderr, "salient %s: %s (see salient %s --help)\n", command, message, command);
  return kExitUsage;
}

int parse_or_exit(Args& args, int argc, char** argv, const char* command) {
  if (!args.parse(argc, argv)) return usage_error(command, args.error().c_str());
  if (args.help_requested()) {
    std::fputs(args.help_text().c_str(), stdout);
    return kExitOk;
  }
  return -1;
}

int fail(const char* command, const char* message) {
  std::fprintf(stderr, "salient %s: %s\n", command, message);
  return kExitError;
}

int fail(const char* command, const std::string& path, const char* message) {
  std::fprintf(stderr, "salient %s: %s: %s\n", command, path.c_str(), message);
  return kExitError;
}

}  // namespace salient::cli
