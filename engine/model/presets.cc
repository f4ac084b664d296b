#include "salient/presets.h"

#include <cstring>

namespace salient {

Result<Model> preset_model(const char* name) {
  if (std::strcmp(name, "digits-cnn") == 0) {
    return Model::create(Shape{1, 8, 8},
                         {Layer::conv2d("conv1", 1, 16, {3, 3}, {1, 1}, {1, 1}), Layer::relu("relu1"),
                          Layer::conv2d("conv2", 16, 32, {3, 3}, {1, 1}, {1, 1}), Layer::relu("relu2"),
                          Layer::maxpool2d("pool", {2, 2}), Layer::flatten("flat"),
                          Layer::linear("fc1", 512, 64), Layer::relu("relu3"), Layer::linear("fc2", 64, 10)});
  }
  if (std::strcmp(name, "hmm-gru") == 0) {
    return Model::create(Shape{0, 3}, {Layer::gru("gru", 3, 200, /*all_steps=*/true), Layer::batchnorm1d("bn", 200),
                                       Layer::relu("relu"), Layer::dropout("drop", 0.5f), Layer::linear("fc", 200, 2)});
  }
  return Status::error(Code::kNotFound, "unknown preset '%s' (presets: digits-cnn, hmm-gru)", name);
}

}  // namespace salient
