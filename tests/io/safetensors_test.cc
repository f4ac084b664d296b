#include "salient/io/safetensors.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "io/io_test_util.h"
#include "salient/io/json.h"

namespace salient::io {
namespace {

using testing_util::append;
using testing_util::append_pod;
using testing_util::temp_path;

// A file from header JSON text and a data buffer of `data_bytes` bytes (0, 1, 2, ...).
std::vector<unsigned char> st_bytes(const std::string& header, size_t data_bytes) {
  std::vector<unsigned char> out;
  append_pod(out, static_cast<uint64_t>(header.size()));
  append(out, header);
  for (size_t i = 0; i < data_bytes; ++i) out.push_back(static_cast<unsigned char>(i));
  return out;
}

Result<Safetensors> parse(const std::string& header, size_t data_bytes) {
  return parse_safetensors(st_bytes(header, data_bytes));
}

TEST(Safetensors, ParsesHeaderMetadataAndData) {
  std::vector<unsigned char> bytes;
  const std::string header =
      R"({"__metadata__": {"k": "v", "salient.model": "{}"}, "b": {"dtype": "I64", "shape": [], "data_offsets": [8, 16]},)"
      R"( "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "e": {"dtype": "F32", "shape": [0, 3], "data_offsets": [16, 16]}}   )";
  append_pod(bytes, static_cast<uint64_t>(header.size()));
  append(bytes, header);
  append_pod(bytes, 1.5f);
  append_pod(bytes, -2.0f);
  append_pod(bytes, int64_t{7});
  Result<Safetensors> st = parse_safetensors(bytes);
  ASSERT_TRUE(st.ok()) << st.status().message();
  ASSERT_EQ(st->metadata.size(), 2u);
  EXPECT_EQ(st->metadata[0].key, "k");
  EXPECT_EQ(*st->metadata_value("salient.model"), "{}");
  EXPECT_EQ(st->metadata_value("nope"), nullptr);
  ASSERT_EQ(st->tensors.size(), 3u);
  EXPECT_EQ(st->tensors[0].name, "b");  // header order
  const TensorEntry* a = st->find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->dtype, TensorDType::kF32);
  EXPECT_EQ(a->shape, (Shape{2}));
  float values[2];
  std::memcpy(values, st->data(*a), sizeof values);
  EXPECT_EQ(values[0], 1.5f);
  EXPECT_EQ(values[1], -2.0f);
  const TensorEntry* b = st->find("b");
  EXPECT_EQ(b->dtype, TensorDType::kI64);
  EXPECT_EQ(b->shape.rank, 0);
  int64_t counter;
  std::memcpy(&counter, st->data(*b), 8);
  EXPECT_EQ(counter, 7);
  EXPECT_EQ(st->find("e")->shape, (Shape{0, 3}));
  EXPECT_EQ(st->find("zz"), nullptr);
}

TEST(Safetensors, DtypeNamesAndSizes) {
  const char* names[] = {"BOOL", "U8",  "I8",  "F8_E5M2", "F8_E4M3", "I16", "U16", "F16",
                         "BF16", "I32", "U32", "F32",     "F64",     "I64", "U64"};
  const size_t sizes[] = {1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 8, 8, 8};
  for (int i = 0; i < 15; ++i) {
    Result<TensorDType> d = dtype_from_name(names[i]);
    ASSERT_TRUE(d.ok()) << names[i];
    EXPECT_STREQ(dtype_name(*d), names[i]);
    EXPECT_EQ(dtype_size(*d), sizes[i]) << names[i];
  }
  EXPECT_ERROR_CONTAINS(dtype_from_name("f32"), "unknown dtype 'f32'");
}

TEST(Safetensors, HeaderLengthErrors) {
  EXPECT_ERROR_CONTAINS(parse_safetensors({1, 2, 3}), "truncated file (3 bytes");
  std::vector<unsigned char> b;
  append_pod(b, uint64_t{1} << 40);
  append(b, "{}");
  EXPECT_ERROR_CONTAINS(parse_safetensors(b), "header length 1099511627776 is absurd");
  b.clear();
  append_pod(b, uint64_t{100});
  append(b, "{}");
  EXPECT_ERROR_CONTAINS(parse_safetensors(b),
                        "header length 100 runs past the end of the file (2 bytes");
  b.clear();
  append_pod(b, ~uint64_t{0});
  EXPECT_ERROR_CONTAINS(parse_safetensors(b), "absurd");
}

TEST(Safetensors, InvalidJsonAndWrongTypes) {
  EXPECT_ERROR_CONTAINS(parse("{\"a\": ", 0), "safetensors header: invalid JSON at byte 6");
  EXPECT_ERROR_CONTAINS(parse("[]", 0), "expected a JSON object, got array");
  EXPECT_ERROR_CONTAINS(parse(R"({"__metadata__": []})", 0),
                        "__metadata__ must be an object of strings, got array");
  EXPECT_ERROR_CONTAINS(parse(R"({"__metadata__": {"a": 1}})", 0),
                        "__metadata__ value 'a' must be a string, got number");
  EXPECT_ERROR_CONTAINS(parse(R"({"t": 3})", 0), "tensor 't': the entry must be an object");
  // Header padded with NUL bytes instead of spaces is not JSON.
  EXPECT_ERROR_CONTAINS(parse(std::string("{}\0\0", 4), 0), "invalid JSON at byte 2");
}

TEST(Safetensors, EntryFieldErrors) {
  EXPECT_ERROR_CONTAINS(parse(R"({"t": {"shape": [1], "data_offsets": [0, 4]}})", 4),
                        "tensor 't': missing 'dtype'");
  EXPECT_ERROR_CONTAINS(parse(R"({"t": {"dtype": "F32", "data_offsets": [0, 4]}})", 4),
                        "missing 'shape'");
  EXPECT_ERROR_CONTAINS(parse(R"({"t": {"dtype": "F32", "shape": [1]}})", 4),
                        "missing 'data_offsets'");
  EXPECT_ERROR_CONTAINS(
      parse(R"({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "x": 1}})", 4),
      "tensor 't': unknown key 'x'");
  EXPECT_ERROR_CONTAINS(parse(R"({"t": {"dtype": "Q4", "shape": [1], "data_offsets": [0, 4]}})", 4),
                        "tensor 't': unknown dtype 'Q4'");
  EXPECT_ERROR_CONTAINS(parse(R"({"t": {"dtype": 4, "shape": [1], "data_offsets": [0, 4]}})", 4),
                        "'dtype' must be a string");
}

TEST(Safetensors, ShapeErrors) {
  const char* bad_shapes[] = {R"("shape": [-1])", R"("shape": [1.5])",   R"("shape": ["2"])",
                              R"("shape": 2)",    R"("shape": [1e300])", R"("shape": [null])"};
  for (const char* s : bad_shapes)
    EXPECT_ERROR_CONTAINS(
        parse(std::string(R"({"t": {"dtype": "F32", )") + s + R"(, "data_offsets": [0, 4]}})", 4),
        "tensor 't': 'shape'");
  EXPECT_ERROR_CONTAINS(
      parse(R"({"t": {"dtype": "F32", "shape": [1,1,1,1,1,1], "data_offsets": [0, 4]}})", 4),
      "rank 6 is not supported");
  EXPECT_ERROR_CONTAINS(
      parse(R"({"t": {"dtype": "F64", "shape": [4294967296, 4294967296], "data_offsets": [0, 4]}})",
            4),
      "byte size overflows");
}

TEST(Safetensors, OffsetErrors) {
  EXPECT_ERROR_CONTAINS(parse(R"({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0]}})", 4),
                        "'data_offsets' must be [begin, end]");
  EXPECT_ERROR_CONTAINS(
      parse(R"({"t": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}})", 4),
      "'data_offsets' must be [begin, end]");
  EXPECT_ERROR_CONTAINS(
      parse(R"({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4.5]}})", 4),
      "'data_offsets' must be [begin, end]");
  EXPECT_ERROR_CONTAINS(
      parse(R"({"t": {"dtype": "F32", "shape": [0], "data_offsets": [4, 0]}})", 4),
      "data_offsets [4, 0] end before they begin");
  EXPECT_ERROR_CONTAINS(
      parse(R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", 4),
      "data_offsets [0, 8] run past the end of the 4-byte data buffer");
  EXPECT_ERROR_CONTAINS(
      parse(R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 1e300]}})", 4),
      "'data_offsets' must be [begin, end]");
  EXPECT_ERROR_CONTAINS(
      parse(R"({"t": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 12]}})", 12),
      "data_offsets [0, 12] hold 12 bytes, but shape [2, 2] of F32 needs 16");
  EXPECT_ERROR_CONTAINS(
      parse(R"({"t": {"dtype": "I64", "shape": [1], "data_offsets": [0, 4]}})", 4),
      "of I64 needs 8");
}

TEST(Safetensors, LayoutMustCoverTheBufferExactly) {
  EXPECT_ERROR_CONTAINS(parse(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},)"
                              R"( "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                              12),
                        "tensors 'a' and 'b' overlap");
  EXPECT_ERROR_CONTAINS(parse(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},)"
                              R"( "b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})",
                              4),
                        "overlap");
  EXPECT_ERROR_CONTAINS(parse(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},)"
                              R"( "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}})",
                              12),
                        "bytes [4, 8) of the data buffer belong to no tensor (before 'b')");
  EXPECT_ERROR_CONTAINS(
      parse(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", 10),
      "6 bytes after the last tensor's data");
  EXPECT_ERROR_CONTAINS(parse("{}", 3), "3 bytes after the last tensor's data");
  EXPECT_TRUE(parse("{}", 0).ok());
  // Zero-size tensors take no room and may sit anywhere inside the buffer.
  EXPECT_TRUE(
      parse(
          R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},)"
          R"( "z": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]}, "y": {"dtype": "U8", "shape": [0], "data_offsets": [0, 0]}})",
          4)
          .ok());
}

TEST(Safetensors, DuplicateNamesAreRefused) {
  EXPECT_ERROR_CONTAINS(parse(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},)"
                              R"( "a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})",
                              8),
                        "duplicate key \"a\"");
  EXPECT_ERROR_CONTAINS(parse(R"({"__metadata__": {}, "__metadata__": {}})", 0),
                        "duplicate key \"__metadata__\"");
}

TEST(Safetensors, WriteThenReadRoundTrips) {
  const std::vector<float> w = {1, 2, 3, 4, 5, 6};
  const int64_t count = 3;
  const float s = 9.0f;
  const std::vector<TensorToWrite> tensors = {
      {"layer.weight", TensorDType::kF32, Shape{2, 3}, w.data()},
      {"bn.num_batches_tracked", TensorDType::kI64, Shape{}, &count},
      {"scalar", TensorDType::kF32, Shape{}, &s},
      {"empty", TensorDType::kF32, Shape{0, 4}, nullptr},
  };
  const std::string path = temp_path("x.safetensors");
  ASSERT_TRUE(write_safetensors(path.c_str(),
                                {{"salient.model", "{\"a\": \"\\u00e9\"}"}, {"k2", "v2"}}, tensors)
                  .ok());
  const std::vector<unsigned char> raw = testing_util::read_bytes(path);
  uint64_t n = 0;
  std::memcpy(&n, raw.data(), 8);
  EXPECT_EQ(n % 8, 0u);  // header padded to 8 bytes
  EXPECT_EQ(raw.size(), 8 + n + 24 + 8 + 4);
  Result<JsonValue> header =
      parse_json(std::string(raw.begin() + 8, raw.begin() + 8 + static_cast<long>(n)));
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->key(0), "__metadata__");

  Result<Safetensors> st = read_safetensors(path.c_str());
  ASSERT_TRUE(st.ok()) << st.status().message();
  EXPECT_EQ(*st->metadata_value("salient.model"), "{\"a\": \"\\u00e9\"}");
  EXPECT_EQ(*st->metadata_value("k2"), "v2");
  ASSERT_EQ(st->tensors.size(), 4u);
  for (size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_EQ(st->tensors[i].name, tensors[i].name);
    EXPECT_EQ(st->tensors[i].dtype, tensors[i].dtype);
    EXPECT_EQ(st->tensors[i].shape, tensors[i].shape);
  }
  std::vector<float> back(6);
  std::memcpy(back.data(), st->data(st->tensors[0]), 24);
  EXPECT_EQ(back, w);
  int64_t c = 0;
  std::memcpy(&c, st->data(st->tensors[1]), 8);
  EXPECT_EQ(c, 3);
  // Without metadata the key is left out.
  Result<std::vector<unsigned char>> bare = encode_safetensors({}, {tensors[0]});
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(std::string(bare->begin() + 8, bare->begin() + 8 + 12), "{\"layer.weig");
}

TEST(Safetensors, WriteErrors) {
  const float v = 1;
  EXPECT_ERROR_CONTAINS(encode_safetensors({}, {{"a", TensorDType::kF32, Shape{1}, &v},
                                                {"a", TensorDType::kF32, Shape{1}, &v}}),
                        "tensor name 'a' is empty, reserved or repeated");
  EXPECT_ERROR_CONTAINS(encode_safetensors({}, {{"", TensorDType::kF32, Shape{1}, &v}}),
                        "is empty, reserved");
  EXPECT_ERROR_CONTAINS(encode_safetensors({}, {{"__metadata__", TensorDType::kF32, Shape{1}, &v}}),
                        "reserved");
  EXPECT_ERROR_CONTAINS(encode_safetensors({}, {{"a", TensorDType::kF32, Shape{-1}, &v}}),
                        "has shape [-1]");
  EXPECT_ERROR_CONTAINS(encode_safetensors({}, {{"a", TensorDType::kF32, Shape{2}, nullptr}}),
                        "has no data");
  EXPECT_ERROR_CONTAINS(encode_safetensors({{"k", "1"}, {"k", "2"}}, {}),
                        "metadata key 'k' is repeated");
  EXPECT_ERROR_CONTAINS(read_safetensors("/nonexistent-dir/m.safetensors"), "cannot open");
}

TEST(Safetensors, EveryTruncationIsRefusedWithoutCrashing) {
  const std::vector<float> w(10, 0.5f);
  Result<std::vector<unsigned char>> full =
      encode_safetensors({{"m", "x"}}, {{"a", TensorDType::kF32, Shape{2, 5}, w.data()},
                                        {"b", TensorDType::kF32, Shape{1}, w.data()}});
  ASSERT_TRUE(full.ok());
  for (size_t n = 0; n < full->size(); ++n)
    EXPECT_FALSE(parse_safetensors(std::vector<unsigned char>(full->begin(),
                                                              full->begin() + static_cast<long>(n)))
                     .ok())
        << n;
  EXPECT_TRUE(parse_safetensors(*full).ok());
}

}  // namespace
}  // namespace salient::io
