#include "salient/io/model_file.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "io/io_test_util.h"
#include "salient/io/safetensors.h"
#include "salient/random.h"

namespace salient::io {
namespace {

using testing_util::temp_path;

// SPEC §4's example architecture.
const char kSpecExample[] = R"({"format": "salient-model", "version": 1, "input_shape": [1, 4, 4],
 "layers": [
  {"name": "conv1", "type": "conv2d", "in_channels": 1, "out_channels": 2, "kernel_size": [3, 3],
   "stride": [1, 1], "padding": [0, 0], "bias": true},
  {"name": "relu1", "type": "relu"},
  {"name": "flat", "type": "flatten"},
  {"name": "fc1", "type": "linear", "in_features": 8, "out_features": 4, "bias": true},
  {"name": "relu2", "type": "relu"}]})";

std::string arch(const std::string& input_shape, const std::string& layers) {
  return R"({"format": "salient-model", "version": 1, "input_shape": )" + input_shape +
         R"(, "layers": [)" + layers + "]}";
}

// Model files made by hand: metadata and tensors as given.
struct FileBuilder {
  std::vector<MetadataEntry> metadata;
  std::vector<TensorToWrite> tensors;
  std::vector<std::vector<float>> storage;

  FileBuilder& arch(const std::string& json) {
    metadata.push_back({kModelMetadataKey, json});
    return *this;
  }
  FileBuilder& f32(const std::string& name, Shape shape, float fill = 0.25f) {
    storage.emplace_back(static_cast<size_t>(shape.numel()), fill);
    tensors.push_back({name, TensorDType::kF32, shape, storage.back().data()});
    return *this;
  }
  FileBuilder& raw(const std::string& name, TensorDType dtype, Shape shape) {
    storage.emplace_back(static_cast<size_t>(shape.numel() * 2 + 1),
                         0.0f);  // enough bytes for 8-byte types
    tensors.push_back({name, dtype, shape, storage.back().data()});
    return *this;
  }
  // Fixes the storage pointers (vector growth moved them) and encodes.
  std::vector<unsigned char> bytes() {
    size_t k = 0;
    for (TensorToWrite& t : tensors) t.data = storage[k++].data();
    Result<std::vector<unsigned char>> b = encode_safetensors(metadata, tensors);
    EXPECT_TRUE(b.ok()) << b.status().message();
    return b.ok() ? *b : std::vector<unsigned char>{};
  }
  Result<Model> load() {
    const std::string path = temp_path("built.safetensors");
    testing_util::write_bytes(path, bytes());
    return load_model(path.c_str());
  }
};

// The tensors of SPEC §4's example, complete.
FileBuilder spec_example_file() {
  FileBuilder b;
  b.arch(kSpecExample)
      .f32("conv1.weight", Shape{2, 1, 3, 3})
      .f32("conv1.bias", Shape{2})
      .f32("fc1.weight", Shape{4, 8})
      .f32("fc1.bias", Shape{4});
  return b;
}

TEST(ModelFile, SpecExampleLoads) {
  Result<Model> m = spec_example_file().load();
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->input_shape(), (Shape{1, 4, 4}));
  ASSERT_EQ(m->layers().size(), 5u);
  EXPECT_EQ(m->layers()[0].type, OpKind::kConv2d);
  EXPECT_EQ(m->layers()[3].in_features, 8);
  EXPECT_EQ(m->parameter("fc1.bias")[3], 0.25f);
  Result<Shape> out = m->output_shape(Shape{7, 1, 4, 4});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, (Shape{7, 4}));
}

Model make_cnn() {
  Result<Model> m =
      Model::create(Shape{2, 8, 8}, {Layer::conv2d("conv1", 2, 3, {3, 3}, {1, 1}, {1, 1}),
                                     Layer::batchnorm2d("bn1", 3, 1e-3f, 0.2f),
                                     Layer::relu("relu1"), Layer::maxpool2d("pool1", {2, 2}),
                                     Layer::conv2d("conv2", 3, 4, {2, 3}, {2, 1}, {0, 1}, false),
                                     Layer::avgpool2d("pool2", {1, 2}, {1, 1}),
                                     Layer::flatten("flat"), Layer::dropout("drop", 0.25f),
                                     Layer::linear("fc", 4 * 2 * 3, 5), Layer::log_softmax("out")});
  EXPECT_TRUE(m.ok()) << m.status().message();
  m->init_default(11);
  float* mean = m->parameter("bn1.running_mean");
  float* var = m->parameter("bn1.running_var");
  for (int i = 0; i < 3; ++i) {
    mean[i] = 0.1f * static_cast<float>(i) - 0.05f;
    var[i] = 0.5f + static_cast<float>(i);
  }
  return std::move(*m);
}

std::vector<float> run(const Model& m, const std::vector<float>& x, const Shape& shape) {
  Arena arena;
  Graph g(arena, GraphOptions{.record = false});
  Tensor y = m.forward(g, g.input(x.data(), shape));
  EXPECT_TRUE(g.ok()) << g.status().message();
  if (!g.ok()) return {};
  return std::vector<float>(y.data, y.data + y.numel());
}

TEST(ModelFile, SaveLoadRoundTripsParametersAndOutputs) {
  Model m = make_cnn();
  const std::string path = temp_path("cnn.safetensors");
  ASSERT_TRUE(save_model(m, path.c_str()).ok());
  Result<Model> back = load_model(path.c_str());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(architecture_json(*back), architecture_json(m));
  ASSERT_EQ(back->parameter_count(), m.parameter_count());
  EXPECT_EQ(0, std::memcmp(back->parameter_data(), m.parameter_data(),
                           sizeof(float) * m.parameter_count()));
  ASSERT_EQ(back->parameters().size(), m.parameters().size());
  for (size_t i = 0; i < m.parameters().size(); ++i) {
    EXPECT_EQ(back->parameters()[i].name, m.parameters()[i].name);
    EXPECT_EQ(back->parameters()[i].shape, m.parameters()[i].shape);
  }
  std::vector<float> x(3 * 2 * 8 * 8);
  Rng rng(5);
  for (float& v : x) v = rng.uniform(-1, 1);
  EXPECT_EQ(run(*back, x, Shape{3, 2, 8, 8}), run(m, x, Shape{3, 2, 8, 8}));

  // The stored tensors are exactly the parameters, F32, in order, under the metadata key.
  Result<Safetensors> st = read_safetensors(path.c_str());
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(st->tensors.size(), m.parameters().size());
  EXPECT_EQ(st->tensors[0].name, "conv1.weight");
  EXPECT_EQ(st->tensors[2].name, "bn1.weight");
  EXPECT_EQ(st->tensors[5].name, "bn1.running_var");
  ASSERT_NE(st->metadata_value(kModelMetadataKey), nullptr);
  EXPECT_EQ(*st->metadata_value(kModelMetadataKey), architecture_json(m));
}

TEST(ModelFile, ArchitectureJsonWritesEveryField) {
  Model m = make_cnn();
  EXPECT_EQ(
      architecture_json(m),
      R"({"format":"salient-model","version":1,"input_shape":[2,8,8],"layers":[)"
      R"({"name":"conv1","type":"conv2d","in_channels":2,"out_channels":3,"kernel_size":[3,3],"stride":[1,1],"padding":[1,1],"bias":true},)"
      R"({"name":"bn1","type":"batchnorm2d","num_features":3,"eps":0.001,"momentum":0.2},)"
      R"({"name":"relu1","type":"relu"},)"
      R"({"name":"pool1","type":"maxpool2d","kernel_size":[2,2],"stride":[2,2]},)"
      R"({"name":"conv2","type":"conv2d","in_channels":3,"out_channels":4,"kernel_size":[2,3],"stride":[2,1],"padding":[0,1],"bias":false},)"
      R"({"name":"pool2","type":"avgpool2d","kernel_size":[1,2],"stride":[1,1]},)"
      R"({"name":"flat","type":"flatten"},)"
      R"({"name":"drop","type":"dropout","p":0.25},)"
      R"({"name":"fc","type":"linear","in_features":24,"out_features":5,"bias":true},)"
      R"({"name":"out","type":"log_softmax","dim":-1}]})");
}

// Every layer type survives architecture JSON -> Model -> JSON.
TEST(ModelFile, ArchitectureRoundTripsEveryLayerType) {
  std::vector<Model> models;
  {
    Result<Model> m = Model::create(
        Shape{2, 0},
        {Layer::conv1d("c1", 2, 4, 3, 2, 1), Layer::tanh("t"), Layer::maxpool1d("mp", 2, 1),
         Layer::conv1d("c2", 4, 4, 1, 1, 0, false), Layer::sigmoid("s"), Layer::avgpool1d("ap", 3),
         Layer::global_avgpool("gap"), Layer::reshape("rs", Shape{2, -1}), Layer::softmax("sm")});
    ASSERT_TRUE(m.ok()) << m.status().message();
    models.push_back(std::move(*m));
  }
  {
    Result<Model> m = Model::create(
        Shape{0, 3}, {Layer::gru("gru", 3, 6, true), Layer::batchnorm1d("bn", 6), Layer::relu("r"),
                      Layer::dropout("d", 0.5f), Layer::linear("fc", 6, 2),
                      Layer::gru("g2", 2, 3, false, false)});
    ASSERT_TRUE(m.ok()) << m.status().message();
    models.push_back(std::move(*m));
  }
  for (const Model& m : models) {
    const std::string json = architecture_json(m);
    Result<Model> back = model_from_architecture_json(json);
    ASSERT_TRUE(back.ok()) << back.status().message() << "\n" << json;
    EXPECT_EQ(architecture_json(*back), json);
    EXPECT_EQ(back->parameter_count(), m.parameter_count());
    for (size_t i = 0; i < m.layers().size(); ++i) {
      const Layer& a = m.layers()[i];
      const Layer& b = back->layers()[i];
      EXPECT_EQ(a.name, b.name);
      EXPECT_EQ(a.type, b.type);
      EXPECT_EQ(a.kernel.h, b.kernel.h);
      EXPECT_EQ(a.kernel.w, b.kernel.w);
      EXPECT_EQ(a.stride.h, b.stride.h);
      EXPECT_EQ(a.stride.w, b.stride.w);
      EXPECT_EQ(a.padding.w, b.padding.w);
      EXPECT_EQ(a.bias, b.bias);
      EXPECT_EQ(a.all_steps, b.all_steps);
      EXPECT_EQ(a.shape, b.shape);
      EXPECT_EQ(a.p, b.p);
      EXPECT_EQ(a.eps, b.eps);
      EXPECT_EQ(a.momentum, b.momentum);
    }
  }
  EXPECT_NE(architecture_json(models[0]).find(R"("kernel_size":[3],"stride":[2],"padding":[1])"),
            std::string::npos);
  EXPECT_NE(
      architecture_json(models[1]).find(
          R"({"name":"g2","type":"gru","input_size":2,"hidden_size":3,"output":"last","bias":false})"),
      std::string::npos);
}

TEST(ModelFile, FieldDefaultsAndIntegerForms) {
  Result<Model> m = model_from_architecture_json(arch("[2, 16]", R"(
      {"name": "c", "type": "conv1d", "in_channels": 2, "out_channels": 3, "kernel_size": 3},
      {"name": "p", "type": "maxpool1d", "kernel_size": [2]},
      {"name": "a", "type": "avgpool1d", "kernel_size": 2, "stride": null},
      {"name": "d", "type": "dropout"},
      {"name": "f", "type": "flatten"},
      {"name": "bn", "type": "batchnorm1d", "num_features": 9},
      {"name": "sm", "type": "softmax", "dim": 1})"));
  ASSERT_TRUE(m.ok()) << m.status().message();
  const Layer& c = m->layers()[0];
  EXPECT_EQ(c.kernel.w, 3);
  EXPECT_EQ(c.stride.w, 1);
  EXPECT_EQ(c.padding.w, 0);
  EXPECT_TRUE(c.bias);
  EXPECT_EQ(m->layers()[1].stride.w, 2);  // stride defaults to the kernel size
  EXPECT_EQ(m->layers()[2].stride.w, 2);
  EXPECT_EQ(m->layers()[3].p, 0.5f);
  EXPECT_EQ(m->layers()[5].eps, 1e-5f);
  EXPECT_EQ(m->layers()[5].momentum, 0.1f);

  Result<Model> two = model_from_architecture_json(arch("[1, 6, 6]", R"(
      {"name": "c", "type": "conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": 3, "stride": 1, "padding": 1, "bias": false},
      {"name": "p", "type": "avgpool2d", "kernel_size": [2, 3]},
      {"name": "rs", "type": "reshape", "shape": [-1, 2]},
      {"name": "g", "type": "gru", "input_size": 2, "hidden_size": 4, "output": "last", "bidirectional": false, "num_layers": 1, "batch_first": true})"));
  ASSERT_TRUE(two.ok()) << two.status().message();
  EXPECT_EQ(two->layers()[0].kernel.h, 3);
  EXPECT_EQ(two->layers()[0].padding.h, 1);
  EXPECT_FALSE(two->layers()[0].bias);
  EXPECT_EQ(two->layers()[1].stride.h, 2);
  EXPECT_EQ(two->layers()[1].stride.w, 3);
  EXPECT_TRUE(two->layers()[3].bias);
  EXPECT_EQ(two->parameters().size(), 5u);  // conv weight + 4 GRU tensors

  // Hand-written architecture files may leave out format and version.
  EXPECT_TRUE(model_from_architecture_json(
                  R"({"input_shape": [3], "layers": [{"name": "r", "type": "relu"}]})", false)
                  .ok());
  EXPECT_ERROR_CONTAINS(model_from_architecture_json(
                            R"({"input_shape": [3], "layers": [{"name": "r", "type": "relu"}]})"),
                        "architecture: missing \"format\": \"salient-model\"");
  EXPECT_ERROR_CONTAINS(
      model_from_architecture_json(
          R"({"format": "x", "input_shape": [3], "layers": [{"name": "r", "type": "relu"}]})",
          false),
      "unsupported format \"x\"");
}

TEST(ModelFile, MissingMetadataOrKey) {
  FileBuilder none;
  none.f32("fc.weight", Shape{1, 1});
  EXPECT_ERROR_CONTAINS(none.load(),
                        "not a salient model: the safetensors header has no __metadata__");
  FileBuilder other;
  other.metadata.push_back({"format", "pt"});
  other.f32("fc.weight", Shape{1, 1});
  EXPECT_ERROR_CONTAINS(other.load(),
                        "not a salient model: __metadata__ has no key 'salient.model'");
}

TEST(ModelFile, WrongFormatOrVersion) {
  const std::string layers = R"({"name": "r", "type": "relu"})";
  FileBuilder f;
  f.arch(R"({"format": "other", "version": 1, "input_shape": [2], "layers": [)" + layers + "]}");
  EXPECT_ERROR_CONTAINS(
      f.load(),
      "salient.model: architecture: unsupported format \"other\" (expected \"salient-model\")");
  FileBuilder v;
  v.arch(R"({"format": "salient-model", "version": 2, "input_shape": [2], "layers": [)" + layers +
         "]}");
  EXPECT_ERROR_CONTAINS(v.load(), "unsupported version 2 (this build reads version 1)");
  FileBuilder vs;
  vs.arch(R"({"format": "salient-model", "version": "1", "input_shape": [2], "layers": [)" +
          layers + "]}");
  EXPECT_ERROR_CONTAINS(vs.load(), "unsupported version \"1\"");
  FileBuilder nov;
  nov.arch(R"({"format": "salient-model", "input_shape": [2], "layers": [)" + layers + "]}");
  EXPECT_ERROR_CONTAINS(nov.load(), "missing \"version\"");
}

TEST(ModelFile, InvalidArchitectureJson) {
  FileBuilder f;
  f.arch(R"({"format": "salient-model", "version": 1, "input_shape": [2] "layers": []})");
  EXPECT_ERROR_CONTAINS(
      f.load(), "salient.model: architecture: invalid JSON at byte 61: expected ',' or '}'");
  EXPECT_ERROR_CONTAINS(model_from_architecture_json("[1]"),
                        "architecture: expected a JSON object, got array");
  EXPECT_ERROR_CONTAINS(
      model_from_architecture_json(
          arch("[2]", R"({"name": "r", "type": "relu"})").insert(1, R"("extra": 1, )")),
      "unknown key 'extra'");
  EXPECT_ERROR_CONTAINS(
      model_from_architecture_json(R"({"format": "salient-model", "version": 1, "layers": []})"),
      "missing \"input_shape\"");
  EXPECT_ERROR_CONTAINS(model_from_architecture_json(
                            R"({"format": "salient-model", "version": 1, "input_shape": [2]})"),
                        "missing \"layers\"");
  EXPECT_ERROR_CONTAINS(
      model_from_architecture_json(
          R"({"format": "salient-model", "version": 1, "input_shape": [2], "layers": {}})"),
      "\"layers\" must be a list of layer objects, got object");
  EXPECT_ERROR_CONTAINS(
      model_from_architecture_json(arch("[2, -1]", R"({"name": "r", "type": "relu"})")),
      "\"input_shape\" must be a list of 1 to 4 non-negative integers");
  EXPECT_ERROR_CONTAINS(
      model_from_architecture_json(arch("[]", R"({"name": "r", "type": "relu"})")),
      "\"input_shape\" must be");
  EXPECT_ERROR_CONTAINS(
      model_from_architecture_json(arch("[1, 1, 1, 1, 1]", R"({"name": "r", "type": "relu"})")),
      "\"input_shape\" must be");
  EXPECT_ERROR_CONTAINS(
      model_from_architecture_json(arch("[2.5]", R"({"name": "r", "type": "relu"})")),
      "\"input_shape\" must be");
  EXPECT_ERROR_CONTAINS(model_from_architecture_json(arch("[2]", "")),
                        "a model needs at least one layer");
  EXPECT_ERROR_CONTAINS(model_from_architecture_json(arch("[2]", "3")),
                        "layers[0]: a layer must be a JSON object, got number");
  EXPECT_ERROR_CONTAINS(model_from_architecture_json(arch("[2]", R"({"type": "relu"})")),
                        "layers[0]: 'name' must be a non-empty string");
  EXPECT_ERROR_CONTAINS(
      model_from_architecture_json(arch("[2]", R"({"name": "", "type": "relu"})")),
      "'name' must be a non-empty");
  EXPECT_ERROR_CONTAINS(model_from_architecture_json(arch("[2]", R"({"name": "r"})")),
                        "layers[0] 'r': 'type' must be a string");
  EXPECT_ERROR_CONTAINS(
      model_from_architecture_json(
          arch("[2]", R"({"name": "r", "type": "relu"}, {"name": "r", "type": "tanh"})")),
      "layer name 'r' is used twice");
}

TEST(ModelFile, UnknownLayerTypeIsNamed) {
  EXPECT_ERROR_CONTAINS(
      model_from_architecture_json(
          arch("[2]", R"({"name": "r", "type": "relu"}, {"name": "n", "type": "normalize"})")),
      "layers[1] 'n': unknown layer type 'normalize'");
  EXPECT_ERROR_CONTAINS(
      model_from_architecture_json(arch("[2]", R"({"name": "a", "type": "add"})")),
      "unknown layer type 'add'");
  EXPECT_ERROR_CONTAINS(
      model_from_architecture_json(arch("[2]", R"({"name": "a", "type": "mse"})")),
      "unknown layer type 'mse'");
}

TEST(ModelFile, MissingWrongTypedAndUnknownFields) {
  const auto err = [](const std::string& shape, const std::string& layer) {
    return model_from_architecture_json(arch(shape, layer));
  };
  EXPECT_ERROR_CONTAINS(err("[4]", R"({"name": "fc", "type": "linear", "out_features": 2})"),
                        "layers[0] 'fc' (linear): missing field 'in_features'");
  EXPECT_ERROR_CONTAINS(
      err("[4]", R"({"name": "fc", "type": "linear", "in_features": "4", "out_features": 2})"),
      "layers[0] 'fc' (linear): field 'in_features' must be an integer, got string");
  EXPECT_ERROR_CONTAINS(
      err("[4]", R"({"name": "fc", "type": "linear", "in_features": 4.5, "out_features": 2})"),
      "field 'in_features' must be an integer, got a non-integer number");
  EXPECT_ERROR_CONTAINS(
      err("[4]", R"({"name": "fc", "type": "linear", "in_features": 4e12, "out_features": 2})"),
      "field 'in_features' is out of range");
  EXPECT_ERROR_CONTAINS(
      err("[4]",
          R"({"name": "fc", "type": "linear", "in_features": 4, "out_features": 2, "bias": 1})"),
      "field 'bias' must be true or false, got an integer");
  EXPECT_ERROR_CONTAINS(
      err("[4]",
          R"({"name": "fc", "type": "linear", "in_features": 4, "out_features": 2, "biass": true})"),
      "layers[0] 'fc' (linear): unknown field 'biass'");
  EXPECT_ERROR_CONTAINS(err("[4]", R"({"name": "r", "type": "relu", "inplace": false})"),
                        "(relu): unknown field 'inplace'");
  EXPECT_ERROR_CONTAINS(
      err("[1, 5, 5]", R"({"name": "c", "type": "conv2d", "in_channels": 1, "out_channels": 1})"),
      "(conv2d): missing field 'kernel_size'");
  EXPECT_ERROR_CONTAINS(
      err("[1, 5, 5]",
          R"({"name": "c", "type": "conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": [3]})"),
      "field 'kernel_size' must be an integer or a list of 2 integers, got array");
  EXPECT_ERROR_CONTAINS(
      err("[1, 5, 5]",
          R"({"name": "c", "type": "conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": [3, "3"]})"),
      "field 'kernel_size' must be an integer or a list of 2 integers");
  EXPECT_ERROR_CONTAINS(
      err("[1, 5]",
          R"({"name": "c", "type": "conv1d", "in_channels": 1, "out_channels": 1, "kernel_size": [3, 3]})"),
      "(conv1d): field 'kernel_size' must be an integer or a list of 1 integer");
  EXPECT_ERROR_CONTAINS(
      err("[1, 5]",
          R"({"name": "c", "type": "conv1d", "in_channels": 1, "out_channels": 1, "kernel_size": 3, "padding": "same"})"),
      "field 'padding' must be an integer or a list of 1 integer, got string");
  EXPECT_ERROR_CONTAINS(err("[1, 5]", R"({"name": "p", "type": "maxpool1d"})"),
                        "(maxpool1d): missing field 'kernel_size'");
  EXPECT_ERROR_CONTAINS(
      err("[1, 5]", R"({"name": "p", "type": "maxpool1d", "kernel_size": 2, "stride": 0})"),
      "(maxpool1d): field 'stride' must be >= 1");
  EXPECT_ERROR_CONTAINS(
      err("[1, 5, 5]", R"({"name": "p", "type": "avgpool2d", "kernel_size": 2, "stride": [1, 0]})"),
      "(avgpool2d): field 'stride' must be >= 1");
  EXPECT_ERROR_CONTAINS(err("[4]", R"({"name": "d", "type": "dropout", "p": "0.5"})"),
                        "(dropout): field 'p' must be a finite number, got string");
  EXPECT_ERROR_CONTAINS(err("[4]", R"({"name": "d", "type": "dropout", "p": 1e300})"),
                        "field 'p' must be a finite number");
  EXPECT_ERROR_CONTAINS(err("[4]", R"({"name": "b", "type": "batchnorm1d"})"),
                        "(batchnorm1d): missing field 'num_features'");
  EXPECT_ERROR_CONTAINS(
      err("[4]", R"({"name": "b", "type": "batchnorm1d", "num_features": 4, "momentum": null})"),
      "field 'momentum' must be a finite number, got null");
  EXPECT_ERROR_CONTAINS(err("[4]", R"({"name": "s", "type": "reshape"})"),
                        "(reshape): missing field 'shape'");
  EXPECT_ERROR_CONTAINS(err("[4]", R"({"name": "s", "type": "reshape", "shape": [2, "2"]})"),
                        "field 'shape' must be an integer");
  EXPECT_ERROR_CONTAINS(err("[4]", R"({"name": "s", "type": "reshape", "shape": 4})"),
                        "field 'shape' must be a list of 1 to 4 integers");
  EXPECT_ERROR_CONTAINS(
      err("[0, 3]", R"({"name": "g", "type": "gru", "input_size": 3, "hidden_size": 4})"),
      "(gru): missing field 'output'");
  EXPECT_ERROR_CONTAINS(
      err("[0, 3]",
          R"({"name": "g", "type": "gru", "input_size": 3, "hidden_size": 4, "output": "first"})"),
      "(gru): field 'output' must be \"last\" or \"all\"");
  EXPECT_ERROR_CONTAINS(
      err("[0, 3]", R"({"name": "g", "type": "gru", "hidden_size": 4, "output": "all"})"),
      "(gru): missing field 'input_size'");
}

TEST(ModelFile, UnsupportedOptionsAreNamed) {
  Result<Model> bi = model_from_architecture_json(arch(
      "[0, 3]",
      R"({"name": "g", "type": "gru", "input_size": 3, "hidden_size": 4, "output": "all", "bidirectional": true})"));
  EXPECT_ERROR_CONTAINS(bi, "layers[0] 'g' (gru): bidirectional GRUs are not supported");
  EXPECT_EQ(bi.status().code(), Code::kUnimplemented);
  EXPECT_ERROR_CONTAINS(
      model_from_architecture_json(arch(
          "[0, 3]",
          R"({"name": "g", "type": "gru", "input_size": 3, "hidden_size": 4, "output": "all", "num_layers": 2})")),
      "num_layers = 2 is not supported");
  EXPECT_ERROR_CONTAINS(
      model_from_architecture_json(arch(
          "[0, 3]",
          R"({"name": "g", "type": "gru", "input_size": 3, "hidden_size": 4, "output": "all", "batch_first": false})")),
      "batch_first false is not supported");
  EXPECT_ERROR_CONTAINS(
      model_from_architecture_json(arch("[3, 4]", R"({"name": "s", "type": "softmax", "dim": 1})")),
      "(softmax): softmax over dim 1 is not supported; only the last dim (-1) is");
  EXPECT_ERROR_CONTAINS(model_from_architecture_json(
                            arch("[4]", R"({"name": "s", "type": "log_softmax", "dim": 0})")),
                        "log_softmax over dim 0 is not supported");
  // dim 2 on [N, 3, 4] is the last dim, as PyTorch counts it.
  EXPECT_TRUE(
      model_from_architecture_json(arch("[3, 4]", R"({"name": "s", "type": "softmax", "dim": 2})"))
          .ok());
}

TEST(ModelFile, ShapesThatDisagreeUseModelCreatesMessage) {
  EXPECT_ERROR_CONTAINS(model_from_architecture_json(arch("[1, 4, 4]", R"(
      {"name": "conv1", "type": "conv2d", "in_channels": 1, "out_channels": 2, "kernel_size": 3},
      {"name": "flat", "type": "flatten"},
      {"name": "fc1", "type": "linear", "in_features": 9, "out_features": 4})")),
                        "layer 'fc1' (linear): per-sample input [8], expected [..., 9]");
  EXPECT_ERROR_CONTAINS(model_from_architecture_json(arch("[2, 4, 4]", R"(
      {"name": "conv1", "type": "conv2d", "in_channels": 1, "out_channels": 2, "kernel_size": 3})")),
                        "layer 'conv1' (conv2d): per-sample input [2, 4, 4], expected [1, H, W]");
  EXPECT_ERROR_CONTAINS(
      model_from_architecture_json(arch("[4]", R"({"name": "d", "type": "dropout", "p": 1.5})")),
      "dropout p = 1.5 must be in [0, 1)");
  EXPECT_ERROR_CONTAINS(
      model_from_architecture_json(
          arch("[4]", R"({"name": "fc", "type": "linear", "in_features": 4, "out_features": 0})")),
      "in_features and out_features must be >= 1");
}

// Hostile sizes fail before anything is allocated or any shape arithmetic overflows.
TEST(ModelFile, AbsurdSizesAreRefusedBeforeAllocating) {
  EXPECT_ERROR_CONTAINS(model_from_architecture_json(arch("[536870912]", R"(
      {"name": "fc", "type": "linear", "in_features": 536870912, "out_features": 536870912})")),
                        "layers[0] 'fc' brings the parameter count past the limit of 268435456");
  EXPECT_ERROR_CONTAINS(model_from_architecture_json(arch("[3, 3]", R"(
      {"name": "c", "type": "conv2d", "in_channels": 1073741823, "out_channels": 1073741823, "kernel_size": 1073741823})")),
                        "past the limit");
  EXPECT_ERROR_CONTAINS(model_from_architecture_json(arch("[3, 3]", R"(
      {"name": "c", "type": "conv2d", "in_channels": 3, "out_channels": 3, "kernel_size": 1, "padding": 1073741824})")),
                        "layers[0] 'c' (conv2d): field 'padding' is out of range");
  EXPECT_ERROR_CONTAINS(model_from_architecture_json(arch("[0, 3]", R"(
      {"name": "g", "type": "gru", "input_size": 3, "hidden_size": 1073741823, "output": "all"})")),
                        "past the limit");
  EXPECT_ERROR_CONTAINS(model_from_architecture_json(arch("[2147483647, 2147483647, 2147483647]",
                                                          R"({"name": "f", "type": "flatten"})")),
                        "\"input_shape\" [2147483647, 2147483647, 2147483647] is absurdly large");
  EXPECT_ERROR_CONTAINS(
      model_from_architecture_json(arch("[16]", R"(
      {"name": "r", "type": "reshape", "shape": [65536, 65536, 65536, -1]})")),
      "layers[0] 'r': reshape target [65536, 65536, 65536, -1] is absurdly large");
  EXPECT_ERROR_CONTAINS(model_from_architecture_json(arch("[1, 4]", R"(
      {"name": "c", "type": "conv1d", "in_channels": 1, "out_channels": 1048576, "kernel_size": 1, "padding": 1073741823},
      {"name": "f", "type": "flatten"})")),
                        "layers[0] 'c': per-sample output [1048576, 2147483650] is absurdly large");
  // In a file, the parameters must fit in what the data buffer could hold (plus 2^20 floats).
  FileBuilder f;
  f.arch(arch("[4096]",
              R"({"name": "fc", "type": "linear", "in_features": 4096, "out_features": 4096})"))
      .f32("fc.weight", Shape{2, 2});
  EXPECT_ERROR_CONTAINS(f.load(),
                        "salient.model: architecture: layers[0] 'fc' brings the parameter count "
                        "past the limit of 1048580");
}

TEST(ModelFile, MissingTensorIsNamed) {
  FileBuilder f;
  f.arch(kSpecExample)
      .f32("conv1.weight", Shape{2, 1, 3, 3})
      .f32("conv1.bias", Shape{2})
      .f32("fc1.weight", Shape{4, 8});
  EXPECT_ERROR_CONTAINS(f.load(), "missing tensor 'fc1.bias' (the architecture needs [4])");
}

TEST(ModelFile, ExtraTensorIsNamed) {
  FileBuilder f = spec_example_file();
  f.f32("fc2.weight", Shape{2, 4});
  EXPECT_ERROR_CONTAINS(f.load(),
                        "unexpected tensor 'fc2.weight': the architecture has no such parameter");
  FileBuilder g = spec_example_file();
  g.raw("fc1.num_batches_tracked", TensorDType::kI64,
        Shape{});  // only batchnorm layers have a counter
  EXPECT_ERROR_CONTAINS(g.load(), "unexpected tensor 'fc1.num_batches_tracked'");
  // A linear layer without bias has no bias tensor.
  FileBuilder h;
  h
      .arch(arch(
          "[3]",
          R"({"name": "fc", "type": "linear", "in_features": 3, "out_features": 2, "bias": false})"))
      .f32("fc.weight", Shape{2, 3})
      .f32("fc.bias", Shape{2});
  EXPECT_ERROR_CONTAINS(h.load(), "unexpected tensor 'fc.bias'");
}

TEST(ModelFile, BatchnormCounterIsAcceptedAndIgnored) {
  FileBuilder f;
  f.arch(arch("[0, 3]", R"({"name": "bn", "type": "batchnorm1d", "num_features": 3})"))
      .raw("bn.num_batches_tracked", TensorDType::kI64, Shape{})
      .f32("bn.weight", Shape{3}, 1.0f)
      .f32("bn.bias", Shape{3}, 0.0f)
      .f32("bn.running_mean", Shape{3}, 0.5f)
      .f32("bn.running_var", Shape{3}, 2.0f);
  Result<Model> m = f.load();
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->parameter("bn.running_var")[2], 2.0f);
  EXPECT_EQ(m->parameter("bn.num_batches_tracked"), nullptr);
}

TEST(ModelFile, WrongDtypeIsNamed) {
  FileBuilder f;
  f.arch(kSpecExample)
      .f32("conv1.weight", Shape{2, 1, 3, 3})
      .f32("conv1.bias", Shape{2})
      .f32("fc1.weight", Shape{4, 8});
  f.raw("fc1.bias", TensorDType::kF64, Shape{4});
  EXPECT_ERROR_CONTAINS(f.load(), "tensor 'fc1.bias' has dtype F64; parameters must be F32");
  FileBuilder g;
  g.arch(kSpecExample)
      .f32("conv1.weight", Shape{2, 1, 3, 3})
      .f32("fc1.weight", Shape{4, 8})
      .f32("fc1.bias", Shape{4});
  g.raw("conv1.bias", TensorDType::kI64, Shape{2});
  EXPECT_ERROR_CONTAINS(g.load(), "tensor 'conv1.bias' has dtype I64");
}

TEST(ModelFile, TensorShapeDisagreeingWithTheArchitecture) {
  FileBuilder f;
  f.arch(kSpecExample)
      .f32("conv1.weight", Shape{2, 1, 3, 3})
      .f32("conv1.bias", Shape{2})
      .f32("fc1.weight", Shape{8, 4})
      .f32("fc1.bias", Shape{4});
  EXPECT_ERROR_CONTAINS(f.load(),
                        "tensor 'fc1.weight' has shape [8, 4], but the architecture needs [4, 8]");
  FileBuilder g;
  g.arch(kSpecExample)
      .f32("conv1.weight", Shape{2, 9})
      .f32("conv1.bias", Shape{2})
      .f32("fc1.weight", Shape{4, 8})
      .f32("fc1.bias", Shape{4});
  EXPECT_ERROR_CONTAINS(
      g.load(), "tensor 'conv1.weight' has shape [2, 9], but the architecture needs [2, 1, 3, 3]");
}

TEST(ModelFile, NonFiniteWeightsAreNamed) {
  for (float bad : {NAN, INFINITY, -INFINITY}) {
    FileBuilder f = spec_example_file();
    f.storage[2][5] = bad;  // fc1.weight
    Result<Model> m = f.load();
    EXPECT_ERROR_CONTAINS(m, "tensor 'fc1.weight' holds a non-finite value");
    EXPECT_ERROR_CONTAINS(m, "at element 5");
  }
}

TEST(ModelFile, TruncatedAndCorruptedFilesNeverCrash) {
  const std::vector<unsigned char> full = spec_example_file().bytes();
  ASSERT_TRUE(parse_model(full).ok());
  const std::string path = temp_path("cut.safetensors");
  for (size_t n = 0; n < full.size(); ++n) {
    Result<Model> m =
        parse_model(std::vector<unsigned char>(full.begin(), full.begin() + static_cast<long>(n)));
    EXPECT_FALSE(m.ok()) << "prefix of " << n << " bytes";
  }
  testing_util::write_bytes(path, std::vector<unsigned char>(full.begin(), full.end() - 3));
  EXPECT_ERROR_CONTAINS(load_model(path.c_str()), "safetensors: ");
  // Random byte corruption: either a clean error or a model, never a crash or a leak (ASan).
  Rng rng(7);
  int refused = 0;
  for (int trial = 0; trial < 400; ++trial) {
    std::vector<unsigned char> b = full;
    const int flips = 1 + static_cast<int>(rng.below(3));
    for (int k = 0; k < flips; ++k)
      b[rng.below(b.size())] = static_cast<unsigned char>(rng.below(256));
    Result<Model> m = parse_model(std::move(b));
    if (!m.ok()) {
      ++refused;
      EXPECT_GT(std::strlen(m.status().message()), 10u);
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_ERROR_CONTAINS(load_model("/nonexistent-dir/m.safetensors"),
                        "cannot open '/nonexistent-dir/m.safetensors'");
}

}  // namespace
}  // namespace salient::io
