// Data augmentation for training images.
#pragma once

#include <cstdint>

#include "salient/random.h"
#include "salient/shape.h"

namespace salient {

/// Shifts each of `count` images [C, H, W] (batch_shape = [N, C, H, W]; N is ignored) in place by
/// its own random (dy, dx), uniform in [−max_shift, max_shift]²:
///   out[c, i, j] = in[c, i − dy, j − dx] where that lies inside the image, else 0.
void shift_images(float* images, int64_t count, const Shape& batch_shape, int max_shift, Rng& rng);

}  // namespace salient
