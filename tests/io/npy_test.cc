#include "salient/io/npy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "io/io_test_util.h"

namespace salient::io {
namespace {

using testing_util::append;
using testing_util::append_pod;
using testing_util::temp_path;

// An .npy file from a header dict literal and raw data bytes (version major.0; padded like NumPy).
std::vector<unsigned char> npy_bytes(const std::string& dict,
                                     const std::vector<unsigned char>& data, int major = 1) {
  std::vector<unsigned char> out = {
      0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<unsigned char>(major), 0};
  std::string header = dict;
  const size_t prefix = major == 1 ? 10 : 12;
  header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  if (major == 1) {
    append_pod(out, static_cast<uint16_t>(header.size()));
  } else {
    append_pod(out, static_cast<uint32_t>(header.size()));
  }
  append(out, header);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

template <class T>
std::vector<unsigned char> raw(const std::vector<T>& values) {
  std::vector<unsigned char> out;
  for (const T& v : values) append_pod(out, v);
  return out;
}

std::string dict(const char* descr, const char* shape, const char* fortran = "False") {
  return std::string("{'descr': '") + descr + "', 'fortran_order': " + fortran +
         ", 'shape': " + shape + ", }";
}

Result<Array> parse(const std::vector<unsigned char>& bytes) {
  return parse_npy(bytes.data(), bytes.size());
}

TEST(Npy, ReadsFloat32) {
  Result<Array> a = parse(npy_bytes(dict("<f4", "(2, 3)"), raw<float>({1, 2, 3, 4, 5, -6.5f})));
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->shape, (Shape{2, 3}));
  EXPECT_EQ(a->data, (std::vector<float>{1, 2, 3, 4, 5, -6.5f}));
  EXPECT_EQ(a->dtype, "<f4");
}

TEST(Npy, ConvertsFloat64AndIntegerLabels) {
  Result<Array> f8 = parse(npy_bytes(dict("<f8", "(3,)"), raw<double>({0.1, -2.0, 1e30})));
  ASSERT_TRUE(f8.ok()) << f8.status().message();
  EXPECT_EQ(f8->data, (std::vector<float>{0.1f, -2.0f, 1e30f}));
  EXPECT_EQ(f8->dtype, "<f8");
  Result<Array> i8 = parse(npy_bytes(dict("<i8", "(2, 2)"), raw<int64_t>({0, 1, -3, 1 << 24})));
  ASSERT_TRUE(i8.ok()) << i8.status().message();
  EXPECT_EQ(i8->data, (std::vector<float>{0, 1, -3, 16777216.0f}));
  Result<Array> i4 = parse(npy_bytes(dict("<i4", "(2,)"), raw<int32_t>({7, -(1 << 24)})));
  ASSERT_TRUE(i4.ok()) << i4.status().message();
  EXPECT_EQ(i4->data, (std::vector<float>{7, -16777216.0f}));
  Result<Array> u1 = parse(npy_bytes(dict("|u1", "(3,)"), {0, 200, 255}));
  ASSERT_TRUE(u1.ok());
  EXPECT_EQ(u1->data, (std::vector<float>{0, 200, 255}));
  Result<Array> i1 = parse(npy_bytes(dict("|i1", "(2,)"), {0xFF, 5}));
  ASSERT_TRUE(i1.ok());
  EXPECT_EQ(i1->data, (std::vector<float>{-1, 5}));
  Result<Array> b1 = parse(npy_bytes(dict("|b1", "(3,)"), {1, 0, 1}));
  ASSERT_TRUE(b1.ok());
  EXPECT_EQ(b1->data, (std::vector<float>{1, 0, 1}));
}

TEST(Npy, IntegersBeyondFloatPrecisionAreErrors) {
  EXPECT_ERROR_CONTAINS(parse(npy_bytes(dict("<i8", "(2,)"), raw<int64_t>({1, (1 << 24) + 1}))),
                        "integer 16777217 at element 1 is not exactly representable as float32");
  EXPECT_ERROR_CONTAINS(parse(npy_bytes(dict("<i4", "(1,)"), raw<int32_t>({-(1 << 24) - 1}))),
                        "2^24");
  EXPECT_ERROR_CONTAINS(parse(npy_bytes(dict("<f8", "(1,)"), raw<double>({1e300}))),
                        "beyond float32's range");
  // NaN and inf stay what they are.
  Result<Array> f8 = parse(npy_bytes(dict("<f8", "(2,)"), raw<double>({NAN, -INFINITY})));
  ASSERT_TRUE(f8.ok());
  EXPECT_TRUE(std::isnan(f8->data[0]));
  EXPECT_EQ(f8->data[1], -INFINITY);
}

TEST(Npy, ScalarsEmptyArraysAndHeaderVariants) {
  Result<Array> scalar = parse(npy_bytes(dict("<f4", "()"), raw<float>({2.5f})));
  ASSERT_TRUE(scalar.ok()) << scalar.status().message();
  EXPECT_EQ(scalar->shape.rank, 0);
  EXPECT_EQ(scalar->data, (std::vector<float>{2.5f}));
  Result<Array> empty = parse(npy_bytes(dict("<f4", "(0, 3)"), {}));
  ASSERT_TRUE(empty.ok()) << empty.status().message();
  EXPECT_EQ(empty->shape, (Shape{0, 3}));
  EXPECT_TRUE(empty->data.empty());
  // Version 2.0 and 3.0 (4-byte header length), double quotes, other key order, "L" longs, rank 5.
  for (int major : {2, 3}) {
    Result<Array> v =
        parse(npy_bytes("{\"shape\": (1,2L), \"fortran_order\": False, \"descr\": \"<f4\"}",
                        raw<float>({1, 2}), major));
    ASSERT_TRUE(v.ok()) << v.status().message();
    EXPECT_EQ(v->shape, (Shape{1, 2}));
  }
  Result<Array> r5 = parse(npy_bytes(dict("<f4", "(1, 1, 1, 2, 1)"), raw<float>({3, 4})));
  ASSERT_TRUE(r5.ok());
  EXPECT_EQ(r5->shape, (Shape{1, 1, 1, 2, 1}));
  Result<Array> native = parse(npy_bytes(dict("=f4", "(1,)"), raw<float>({3})));
  ASSERT_TRUE(native.ok()) << native.status().message();
}

TEST(Npy, BadMagicAndVersion) {
  EXPECT_ERROR_CONTAINS(parse({}), "not a .npy file (bad magic");
  EXPECT_ERROR_CONTAINS(parse({'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0}),
                        "not a .npy file (bad magic");
  std::vector<unsigned char> b = npy_bytes(dict("<f4", "(1,)"), raw<float>({1}));
  b[0] = 0x92;
  EXPECT_ERROR_CONTAINS(parse(b), "bad magic");
  b = npy_bytes(dict("<f4", "(1,)"), raw<float>({1}));
  b[6] = 4;
  EXPECT_ERROR_CONTAINS(parse(b), "unsupported format version 4.0");
  b[6] = 1;
  b[7] = 1;
  EXPECT_ERROR_CONTAINS(parse(b), "unsupported format version 1.1");
}

TEST(Npy, TruncatedHeader) {
  const std::vector<unsigned char> full = npy_bytes(dict("<f4", "(1,)"), raw<float>({1}));
  EXPECT_ERROR_CONTAINS(parse(std::vector<unsigned char>(full.begin(), full.begin() + 4)),
                        "truncated header");
  EXPECT_ERROR_CONTAINS(parse(std::vector<unsigned char>(full.begin(), full.begin() + 9)),
                        "truncated header");
  EXPECT_ERROR_CONTAINS(
      parse(std::vector<unsigned char>(full.begin(), full.begin() + 40)),
      "truncated header (the header needs 118 bytes, the file has 30 after the prefix)");
  // Every prefix of a valid file is refused, none crashes.
  for (size_t n = 0; n < full.size(); ++n)
    EXPECT_FALSE(
        parse(std::vector<unsigned char>(full.begin(), full.begin() + static_cast<long>(n))).ok())
        << n;
}

TEST(Npy, HeaderNotAValidDict) {
  const std::vector<unsigned char> one = raw<float>({1});
  EXPECT_ERROR_CONTAINS(parse(npy_bytes("descr: <f4", one)), "header is not a valid dict");
  EXPECT_ERROR_CONTAINS(
      parse(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", one)),
      "header is not a valid dict");
  EXPECT_ERROR_CONTAINS(
      parse(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x", one)),
      "unexpected text after '}'");
  EXPECT_ERROR_CONTAINS(
      parse(npy_bytes("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", one)),
      "'fortran_order' must be True or False");
  EXPECT_ERROR_CONTAINS(
      parse(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': [1]}", one)),
      "'shape' must be a tuple");
  EXPECT_ERROR_CONTAINS(
      parse(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1)}", one)),
      "is not a tuple");
  EXPECT_ERROR_CONTAINS(
      parse(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (a,)}", one)),
      "'shape' must be a tuple of integers");
  EXPECT_ERROR_CONTAINS(parse(npy_bytes("{'descr': '<f4', 'shape': (1,)}", one)),
                        "header lacks 'fortran_order'");
  EXPECT_ERROR_CONTAINS(parse(npy_bytes("{'fortran_order': False, 'shape': (1,)}", one)),
                        "header lacks 'descr'");
  EXPECT_ERROR_CONTAINS(parse(npy_bytes("{'descr': '<f4', 'fortran_order': False}", one)),
                        "header lacks 'shape'");
  EXPECT_ERROR_CONTAINS(
      parse(npy_bytes("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}",
                      one)),
      "repeated key 'descr'");
  EXPECT_ERROR_CONTAINS(
      parse(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", one)),
      "unknown key 'x'");
  EXPECT_ERROR_CONTAINS(
      parse(npy_bytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", one)),
      "structured arrays");
}

TEST(Npy, FortranOrderIsRefused) {
  EXPECT_ERROR_CONTAINS(parse(npy_bytes(dict("<f4", "(2, 2)", "True"), raw<float>({1, 2, 3, 4}))),
                        "fortran_order True is not supported");
}

TEST(Npy, BigEndianAndUnsupportedDtypesAreNamed) {
  EXPECT_ERROR_CONTAINS(parse(npy_bytes(dict(">f4", "(1,)"), raw<float>({1}))),
                        "big-endian dtype '>f4'");
  EXPECT_ERROR_CONTAINS(parse(npy_bytes(dict(">i8", "(1,)"), raw<int64_t>({1}))),
                        "big-endian dtype '>i8'");
  EXPECT_ERROR_CONTAINS(parse(npy_bytes(dict("<f2", "(1,)"), {0, 0})), "unsupported dtype '<f2'");
  EXPECT_ERROR_CONTAINS(parse(npy_bytes(dict("<c8", "(1,)"), raw<float>({1, 2}))),
                        "unsupported dtype '<c8'");
  EXPECT_ERROR_CONTAINS(parse(npy_bytes(dict("|O", "(1,)"), raw<int64_t>({0}))),
                        "unsupported dtype '|O'");
  EXPECT_ERROR_CONTAINS(parse(npy_bytes(dict("<U3", "(1,)"), raw<int32_t>({65, 66, 67}))),
                        "unsupported dtype '<U3'");
}

TEST(Npy, RankAboveFiveIsRefused) {
  EXPECT_ERROR_CONTAINS(parse(npy_bytes(dict("<f4", "(1, 1, 1, 1, 1, 1)"), raw<float>({1}))),
                        "rank 6 is not supported (at most 5)");
  std::string huge_rank = "(";
  for (int i = 0; i < 100; ++i) huge_rank += "1, ";
  huge_rank += ")";
  EXPECT_ERROR_CONTAINS(parse(npy_bytes(dict("<f4", huge_rank.c_str()), raw<float>({1}))),
                        "rank above 5");
}

TEST(Npy, AbsurdShapes) {
  const std::vector<unsigned char> one = raw<float>({1});
  EXPECT_ERROR_CONTAINS(parse(npy_bytes(dict("<f4", "(-1,)"), one)), "negative dimension");
  EXPECT_ERROR_CONTAINS(parse(npy_bytes(dict("<f4", "(99999999999999999999,)"), one)), "too large");
  EXPECT_ERROR_CONTAINS(parse(npy_bytes(dict("<f4", "(4294967296, 4294967296)"), one)),
                        "overflows");
  EXPECT_ERROR_CONTAINS(parse(npy_bytes(dict("<f8", "(2305843009213693952,)"), one)), "overflows");
  EXPECT_ERROR_CONTAINS(parse(npy_bytes(dict("<f4", "(1000000, 1000000)"), one)),
                        "truncated data: shape [1000000, 1000000] of '<f4' needs 4000000000000 "
                        "bytes, the file has 4");
}

TEST(Npy, TruncatedDataAndTrailingBytes) {
  EXPECT_ERROR_CONTAINS(parse(npy_bytes(dict("<f4", "(2, 3)"), raw<float>({1, 2, 3, 4, 5}))),
                        "truncated data: shape [2, 3] of '<f4' needs 24 bytes, the file has 20");
  EXPECT_ERROR_CONTAINS(parse(npy_bytes(dict("<i8", "(2,)"), raw<int32_t>({1, 2, 3}))),
                        "needs 16 bytes");
  EXPECT_ERROR_CONTAINS(parse(npy_bytes(dict("<f4", "(1,)"), raw<float>({1, 2}))),
                        "4 bytes of trailing data after the [1] array");
}

TEST(Npy, WritesVersion1WithAlignedHeaderAndRoundTrips) {
  const std::string path = temp_path("a.npy");
  const std::vector<float> values = {1.5f, -2, 3, 4, 5, 6, 7, 8e-20f, 9, 10, 11, 12};
  ASSERT_TRUE(write_npy(path.c_str(), values.data(), Shape{2, 3, 2}).ok());
  const std::vector<unsigned char> bytes = testing_util::read_bytes(path);
  ASSERT_GE(bytes.size(), 10u);
  EXPECT_EQ(bytes[6], 1);
  EXPECT_EQ(bytes[7], 0);
  const size_t header_len = bytes[8] | (bytes[9] << 8);
  EXPECT_EQ((10 + header_len) % 64, 0u);
  EXPECT_EQ(bytes[10 + header_len - 1], '\n');
  const std::string header(bytes.begin() + 10, bytes.begin() + 10 + static_cast<long>(header_len));
  EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 2), }", 0), 0u)
      << header;
  EXPECT_EQ(bytes.size(), 10 + header_len + values.size() * 4);

  Result<Array> back = read_npy(path.c_str());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->shape, (Shape{2, 3, 2}));
  EXPECT_EQ(back->data, values);
  // And through the Array overload.
  ASSERT_TRUE(write_npy(path.c_str(), *back).ok());
  EXPECT_EQ(testing_util::read_bytes(path), bytes);
}

TEST(Npy, RoundTripsEveryRankScalarAndEmpty) {
  const std::string path = temp_path("r.npy");
  const Shape shapes[] = {Shape{},        Shape{5},          Shape{1, 4},
                          Shape{2, 1, 2}, Shape{1, 2, 1, 2}, Shape{1, 1, 2, 1, 2},
                          Shape{0},       Shape{3, 0, 2}};
  for (const Shape& s : shapes) {
    std::vector<float> v(static_cast<size_t>(s.numel()));
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 0.25f - 1.0f;
    ASSERT_TRUE(write_npy(path.c_str(), v.data(), s).ok()) << ShapeStr(s).c_str();
    Result<Array> back = read_npy(path.c_str());
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(back->shape, s);
    EXPECT_EQ(back->data, v);
  }
  ASSERT_TRUE(write_npy_scalar(path.c_str(), 42.0f).ok());
  Result<Array> scalar = read_npy(path.c_str());
  ASSERT_TRUE(scalar.ok());
  EXPECT_EQ(scalar->shape.rank, 0);
  EXPECT_EQ(scalar->data, (std::vector<float>{42.0f}));
  Result<std::vector<unsigned char>> enc = encode_npy(nullptr, Shape{});
  EXPECT_FALSE(enc.ok());
  Result<std::vector<unsigned char>> one = encode_npy(scalar->data.data(), Shape{});
  ASSERT_TRUE(one.ok());
  EXPECT_NE(std::string(one->begin(), one->end()).find("'shape': (), }"), std::string::npos);
  Result<std::vector<unsigned char>> vec = encode_npy(scalar->data.data(), Shape{1});
  ASSERT_TRUE(vec.ok());
  EXPECT_NE(std::string(vec->begin(), vec->end()).find("'shape': (1,), }"), std::string::npos);
}

TEST(Npy, WriteErrors) {
  const std::vector<float> v = {1};
  EXPECT_ERROR_CONTAINS(write_npy(temp_path("neg.npy").c_str(), v.data(), Shape{-1}),
                        "negative size");
  EXPECT_ERROR_CONTAINS(write_npy("/nonexistent-dir/x.npy", v.data(), Shape{1}),
                        "cannot create '/nonexistent-dir/x.npy'");
  Array bad;
  bad.shape = Shape{2};
  bad.data = {1};
  EXPECT_ERROR_CONTAINS(write_npy(temp_path("bad.npy").c_str(), bad), "1 values for shape [2]");
  EXPECT_ERROR_CONTAINS(read_npy("/nonexistent-dir/x.npy"), "cannot open '/nonexistent-dir/x.npy'");
  EXPECT_EQ(read_npy("/nonexistent-dir/x.npy").status().code(), Code::kIoError);
  EXPECT_ERROR_CONTAINS(read_npy(::testing::TempDir().c_str()), "cannot read");  // a directory
}

// Files NumPy itself wrote (tools/export_torch.py fixtures).
TEST(Npy, ReadsFilesNumpyWrote) {
  const std::string dir = testing_util::fixtures_dir() + "/npy/";
  const std::vector<float> expected = {0, 1.5f, -2, 3, 4.25f, -5};
  for (const char* name : {"f4.npy", "f8.npy", "v2.npy"}) {
    Result<Array> a = read_npy((dir + name).c_str());
    ASSERT_TRUE(a.ok()) << name << ": " << a.status().message();
    EXPECT_EQ(a->shape, (Shape{2, 3})) << name;
    EXPECT_EQ(a->data, expected) << name;
  }
  Result<Array> labels = read_npy((dir + "i8.npy").c_str());
  ASSERT_TRUE(labels.ok()) << labels.status().message();
  EXPECT_EQ(labels->shape, (Shape{4}));
  EXPECT_EQ(labels->data, (std::vector<float>{0, 1, 1, 0}));
  Result<Array> i4 = read_npy((dir + "i4.npy").c_str());
  ASSERT_TRUE(i4.ok()) << i4.status().message();
  EXPECT_EQ(i4->data, (std::vector<float>{3, -1}));
  Result<Array> mask = read_npy((dir + "b1.npy").c_str());
  ASSERT_TRUE(mask.ok()) << mask.status().message();
  EXPECT_EQ(mask->shape, (Shape{2, 2}));
  EXPECT_EQ(mask->data, (std::vector<float>{1, 0, 0, 1}));
  Result<Array> u1 = read_npy((dir + "u1.npy").c_str());
  ASSERT_TRUE(u1.ok()) << u1.status().message();
  EXPECT_EQ(u1->data, (std::vector<float>{0, 7, 255}));
  Result<Array> scalar = read_npy((dir + "scalar.npy").c_str());
  ASSERT_TRUE(scalar.ok()) << scalar.status().message();
  EXPECT_EQ(scalar->shape.rank, 0);
  EXPECT_EQ(scalar->data, (std::vector<float>{3.5f}));
  EXPECT_ERROR_CONTAINS(read_npy((dir + "fortran.npy").c_str()), "fortran_order True");
  EXPECT_ERROR_CONTAINS(read_npy((dir + "big_endian.npy").c_str()), "big-endian dtype '>f4'");
}

}  // namespace
}  // namespace salient::io
