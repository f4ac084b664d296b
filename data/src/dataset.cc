// The registry of sets and the checks every request goes through before a builder runs.
#include "salient/data/dataset.h"

#include "generators.h"

namespace salient::data {
namespace {

// Each array of a generated set holds at most this many floats (1 GiB).
constexpr int64_t kMaxValues = int64_t{1} << 28;
constexpr int64_t kDigitsImages = 1797;

struct Entry {
  DatasetInfo info;
  int64_t min_length;
  int64_t max_length;
  int64_t features;  // per step (sequence sets) or per image
};

const std::vector<Entry>& entries() {
  static const std::vector<Entry> table = {
      {{"digits", "the 8x8 handwritten digits (1,797 images, 10 classes), N×1×8×8 in [0, 1]", kDigitsImages, 0, false},
       0, 0, 64},
      {{"hmm", "2-state HMM \"state\" set: N×T×3, per-step labels, one salient feature per step", 1000, 200, true},
       1, 100000, 3},
      {{"rare-feature", "ARMA white box, 5 salient features × times [T/4, 3T/4): N×T×50, y = f(x)", 10, 50, true},
       4, 100000, 50},
      {{"rare-time", "ARMA white box, 5 salient times × features [12, 37): N×T×50, y = f(x)", 10, 50, true},
       6, 100000, 50},
      {{"switch-feature", "3-state switching Gaussian processes: N×T×3, per-step labels", 1000, 100, true},
       1, 10000, 3},
  };
  return table;
}

const Entry* find_entry(const std::string& name) {
  for (const Entry& e : entries())
    if (name == e.info.name) return &e;
  return nullptr;
}

}  // namespace

const std::vector<DatasetInfo>& dataset_infos() {
  static const std::vector<DatasetInfo> infos = [] {
    std::vector<DatasetInfo> out;
    for (const Entry& e : entries()) out.push_back(e.info);
    return out;
  }();
  return infos;
}

const DatasetInfo* find_dataset(const std::string& name) {
  for (const DatasetInfo& info : dataset_infos())
    if (name == info.name) return &info;
  return nullptr;
}

std::string dataset_names() {
  std::string out;
  for (const Entry& e : entries()) {
    if (!out.empty()) out += ", ";
    out += e.info.name;
  }
  return out;
}

Result<Dataset> make_dataset(const std::string& name, const DatasetOptions& options) {
  const Entry* e = find_entry(name);
  if (!e)
    return Status::error(Code::kNotFound, "unknown dataset '%.60s' (sets: %s)", name.c_str(), dataset_names().c_str());
  const char* set = e->info.name;
  if (options.n < 0) return Status::error(Code::kInvalidArgument, "%s: n must be positive (0 for the default), got %lld", set, static_cast<long long>(options.n));
  const int64_t n = options.n == 0 ? e->info.default_n : options.n;

  if (e->info.default_length == 0) {  // digits: fixed data
    if (options.length != 0)
      return Status::error(Code::kInvalidArgument, "%s: images have no time axis, length must be 0 (got %lld)", set, static_cast<long long>(options.length));
    if (n > kDigitsImages)
      return Status::error(Code::kInvalidArgument, "%s: the set has %lld images, asked for %lld", set,
                           static_cast<long long>(kDigitsImages), static_cast<long long>(n));
    return detail::make_digits(n);
  }

  if (options.length < 0) return Status::error(Code::kInvalidArgument, "%s: length must be positive (0 for the default), got %lld", set, static_cast<long long>(options.length));
  const int64_t length = options.length == 0 ? e->info.default_length : options.length;
  if (length < e->min_length || length > e->max_length)
    return Status::error(Code::kInvalidArgument, "%s: length must be in [%lld, %lld], got %lld", set,
                         static_cast<long long>(e->min_length), static_cast<long long>(e->max_length), static_cast<long long>(length));
  if (n > kMaxValues / (length * e->features))
    return Status::error(Code::kInvalidArgument, "%s: n = %lld is too large: x would exceed %lld values (n × T × D, T = %lld, D = %lld)",
                         set, static_cast<long long>(n), static_cast<long long>(kMaxValues), static_cast<long long>(length),
                         static_cast<long long>(e->features));
  const detail::Request request{n, length, options.seed, &options};
  const std::string s = set;
  if (s == "hmm") return detail::make_hmm(request);
  if (s == "rare-feature") return detail::make_rare(false, request);
  if (s == "rare-time") return detail::make_rare(true, request);
  return detail::make_switch_feature(request);
}

}  // namespace salient::data
