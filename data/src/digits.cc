// The 8×8 handwritten digits (the UCI optdigits test set as scikit-learn ships it; data/digits/
// README): 1,797 images of 64 pixels 0..16 and a class 0..9, in the file's order. The library
// holds them as an embedded uint8 .npy of shape (1797, 65): 64 pixels then the class, per row.
#include <cstring>

#include "digits_blob.h"
#include "generators.h"
#include "sampling.h"

namespace salient::data::detail {
namespace {

constexpr int64_t kImages = 1797;
constexpr int64_t kPixels = 64;
constexpr float kMaxPixel = 16.0f;

}  // namespace

Result<Dataset> make_digits(int64_t n) {
  Result<io::Array> table = io::parse_npy(kDigitsNpy, kDigitsNpySize);
  if (!table.ok()) return Status::error(Code::kInternal, "digits: embedded data unreadable: %s", table.status().message());
  if (table->shape != Shape{kImages, kPixels + 1} || table->dtype != "|u1")
    return Status::error(Code::kInternal, "digits: embedded data has shape %s, dtype %s (expected [1797, 65], |u1)",
                         ShapeStr(table->shape).c_str(), table->dtype.c_str());
  Dataset d;
  d.name = "digits";
  d.x = zeros(Shape{n, 1, 8, 8});
  d.y = zeros(Shape{n});
  for (int64_t i = 0; i < n; ++i) {
    const float* row = table->data.data() + i * (kPixels + 1);
    for (int64_t p = 0; p < kPixels; ++p) d.x.data[static_cast<size_t>(i * kPixels + p)] = row[p] / kMaxPixel;
    d.y.data[static_cast<size_t>(i)] = row[kPixels];
  }
  return d;
}

}  // namespace salient::data::detail
