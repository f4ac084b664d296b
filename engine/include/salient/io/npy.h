// .npy arrays (NumPy's format, versions 1.0, 2.0 and 3.0): every CLI input and output array
// (SPEC §4). Arrays load as float32, C order, rank 0 to 5. docs/formats.md lists the accepted
// dtypes and every error.
//
// File layout: the magic "\x93NUMPY", major and minor version bytes, the header length (uint16
// little-endian in v1, uint32 in v2/v3), the header (a Python dict literal such as
// "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" padded with spaces and '\n'),
// then prod(shape) elements of the dtype.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "salient/shape.h"
#include "salient/status.h"

namespace salient::io {

/// A loaded array: float32 data in C order, data.size() == shape.numel().
struct Array {
  Shape shape;
  std::vector<float> data;
  std::string dtype;  // the dtype the file stored ("<f4", "<f8", "<i8", ...)
};

/// Reads an .npy file. Accepted dtypes: '<f4' (as is); '<f8' (rounded to float32; a finite value
/// beyond float32's range is an error); '<i8', '<i4' (integer labels; an error if |v| > 2^24,
/// where float32 stops being exact); '|u1', '|i1' and '|b1' (0/1). Refused with kParseError and a
/// message naming the problem: bad magic, unsupported version, truncated header, a header that is
/// not a valid dict (or lacks / repeats / adds keys), fortran_order True, a big-endian or
/// unsupported dtype (named), rank > 5, a negative or overflowing shape, data shorter than the
/// shape needs (truncated or absurd shapes), and trailing bytes after the data.
Result<Array> read_npy(const char* path);
/// The same, from bytes in memory.
Result<Array> parse_npy(const unsigned char* bytes, size_t size);

/// Writes a version 1.0 '<f4' C-order file whose header is padded so the data starts at a
/// multiple of 64 bytes. shape may be rank 0 (a scalar: one element) and dims may be 0; negative
/// dims are kInvalidArgument.
Status write_npy(const char* path, const float* data, const Shape& shape);
Status write_npy(const char* path, const Array& array);
/// A shape () array holding one value.
Status write_npy_scalar(const char* path, float value);
/// The bytes write_npy writes.
Result<std::vector<unsigned char>> encode_npy(const float* data, const Shape& shape);

}  // namespace salient::io
