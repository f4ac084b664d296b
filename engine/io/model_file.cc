// Model files: architecture JSON <-> Layer list, and parameters <-> safetensors tensors.
#include "salient/io/model_file.h"

#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstring>
#include <system_error>
#include <utility>

#include "salient/io/file.h"
#include "salient/io/safetensors.h"

namespace salient::io {
namespace {

// ---- layer fields ------------------------------------------------------------------------------

constexpr int64_t kMaxField = int64_t{1} << 30;

// Reads the fields of one layer object, remembering which keys were used so that the rest can be
// reported as unknown.
class Fields {
 public:
  Fields(const JsonValue& obj, int index, const std::string& name, const char* type)
      : obj_(obj), index_(index), name_(name), type_(type), used_(obj.size(), false) {
    mark("name");
    mark("type");
  }

  Status error(const char* format, const char* key, const char* detail = "") const {
    char what[160];
    std::snprintf(what, sizeof what, format, key, detail);
    return Status::error(Code::kParseError, "layers[%d] '%.60s' (%s): %s", index_, name_.c_str(),
                         type_, what);
  }

  const JsonValue* get(const char* key) {
    for (size_t i = 0; i < obj_.size(); ++i)
      if (obj_.key(i) == key) {
        used_[i] = true;
        return &obj_[i];
      }
    return nullptr;
  }

  Status integer(const char* key, int& out, bool required, int fallback = 0) {
    const JsonValue* v = get(key);
    if (!v) {
      if (required) return error("missing field '%s'", key);
      out = fallback;
      return {};
    }
    return to_int(key, *v, out);
  }

  Status to_int(const char* key, const JsonValue& v, int& out) const {
    if (!v.is_integer()) return error("field '%s' must be an integer, got %s", key, describe(v));
    // |v| < 2^30: comfortably inside int, so that shape arithmetic such as n + 2·padding cannot
    // overflow.
    if (v.as_int() <= -kMaxField || v.as_int() >= kMaxField)
      return error("field '%s' is out of range", key);
    out = static_cast<int>(v.as_int());
    return {};
  }

  Status boolean(const char* key, bool& out, bool fallback) {
    const JsonValue* v = get(key);
    if (!v) {
      out = fallback;
      return {};
    }
    if (!v->is_bool()) return error("field '%s' must be true or false, got %s", key, describe(*v));
    out = v->as_bool();
    return {};
  }

  Status real(const char* key, float& out, float fallback) {
    const JsonValue* v = get(key);
    if (!v) {
      out = fallback;
      return {};
    }
    if (!v->is_number() || !(std::fabs(v->as_number()) <= static_cast<double>(FLT_MAX)))
      return error("field '%s' must be a finite number, got %s", key, describe(*v));
    out = static_cast<float>(v->as_number());
    return {};
  }

  // kernel_size / stride / padding: an int, or a list of one (1-D) or two (2-D) ints.
  // Missing: `fallback` if not required; a null is the same as missing when null_is_default.
  Status size(const char* key, bool two_d, Size2& out, bool required, Size2 fallback,
              bool null_is_default = false) {
    const JsonValue* v = get(key);
    if (!v || (null_is_default && v->is_null())) {
      if (required) return error("missing field '%s'", key);
      out = fallback;
      return {};
    }
    const char* expected = two_d ? "field '%s' must be an integer or a list of 2 integers, got %s"
                                 : "field '%s' must be an integer or a list of 1 integer, got %s";
    if (v->is_integer()) {
      int x = 0;
      SALIENT_RETURN_IF_ERROR(to_int(key, *v, x));
      out = two_d ? Size2{x, x} : Size2{fallback.h, x};
      return {};
    }
    if (!v->is_array() || v->size() != (two_d ? 2u : 1u)) return error(expected, key, describe(*v));
    int a = 0, b = 0;
    if (!(*v)[0].is_integer() || (two_d && !(*v)[1].is_integer()))
      return error(expected, key, describe(*v));
    SALIENT_RETURN_IF_ERROR(to_int(key, (*v)[0], a));
    if (two_d) SALIENT_RETURN_IF_ERROR(to_int(key, (*v)[1], b));
    out = two_d ? Size2{a, b} : Size2{fallback.h, a};
    return {};
  }

  Status finish() const {
    for (size_t i = 0; i < used_.size(); ++i)
      if (!used_[i]) return error("unknown field '%s'", obj_.key(i).c_str());
    return {};
  }

  static const char* describe(const JsonValue& v) {
    if (v.is_number()) return v.is_integer() ? "an integer" : "a non-integer number";
    return v.type_name();
  }

 private:
  void mark(const char* key) { get(key); }

  const JsonValue& obj_;
  int index_;
  const std::string& name_;
  const char* type_;
  std::vector<bool> used_;
};

// The shortest decimal that reads back as the same float (1e-05, not 9.99999974737875e-06).
JsonValue float_number(float f) {
  char buf[32];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, f);
  double d = f;
  std::from_chars(buf, r.ptr, d);
  return JsonValue::number(d);
}

JsonValue int_list(std::initializer_list<int64_t> values) {
  JsonValue a = JsonValue::array();
  for (int64_t v : values) a.push_back(JsonValue::number(static_cast<double>(v)));
  return a;
}

JsonValue shape_list(const Shape& s) {
  JsonValue a = JsonValue::array();
  for (int i = 0; i < s.rank; ++i) a.push_back(JsonValue::number(static_cast<double>(s[i])));
  return a;
}

bool is_two_d(OpKind k) {
  return k == OpKind::kConv2d || k == OpKind::kMaxPool2d || k == OpKind::kAvgPool2d ||
         k == OpKind::kBatchNorm2d;
}

// Hostile architectures must fail cleanly, not overflow int64 shape arithmetic or exhaust memory:
// every per-sample shape (unknown lengths counted as 1) stays below kMaxPerSample elements, and
// the parameters below a limit (kMaxParameters, or what a file's data buffer could hold).
constexpr uint64_t kMaxPerSample = uint64_t{1} << 40;
constexpr uint64_t kMaxParameters = uint64_t{1} << 28;

bool bounded(const Shape& s) {
  uint64_t n = 1;
  for (int i = 0; i < s.rank; ++i) {
    const uint64_t d = s[i] > 0 ? static_cast<uint64_t>(s[i]) : 1;
    if (__builtin_mul_overflow(n, d, &n) || n > kMaxPerSample) return false;
  }
  return true;
}

// How many floats the layer's parameters take (saturating; negative fields count as 0, since
// Model::create refuses them anyway).
uint64_t parameter_floats(const Layer& l) {
  const auto u = [](int64_t v) { return v > 0 ? static_cast<uint64_t>(v) : uint64_t{0}; };
  const auto product = [](std::initializer_list<uint64_t> f) {
    uint64_t p = 1;
    for (uint64_t x : f)
      if (__builtin_mul_overflow(p, x, &p)) return UINT64_MAX;
    return p;
  };
  const auto sum = [](uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; };
  switch (l.type) {
    case OpKind::kLinear:
      return sum(product({u(l.out_features), u(l.in_features)}), l.bias ? u(l.out_features) : 0);
    case OpKind::kConv1d:
    case OpKind::kConv2d:
      return sum(product({u(l.out_channels), u(l.in_channels), u(l.kernel.w),
                          l.type == OpKind::kConv2d ? u(l.kernel.h) : 1}),
                 l.bias ? u(l.out_channels) : 0);
    case OpKind::kGru: {
      const uint64_t h3 = product({3, u(l.hidden_size)});
      return sum(sum(product({h3, u(l.input_size)}), product({h3, u(l.hidden_size)})),
                 l.bias ? product({2, h3}) : 0);
    }
    case OpKind::kBatchNorm1d:
    case OpKind::kBatchNorm2d: return product({4, u(l.num_features)});
    default: return 0;
  }
}

Status arch_error(const char* format, const char* a = "", const char* b = "") {
  char what[200];
  std::snprintf(what, sizeof what, format, a, b);
  return Status::error(Code::kParseError, "architecture: %s", what);
}

}  // namespace

// ---- layers <-> JSON ---------------------------------------------------------------------------

JsonValue layer_to_json(const Layer& l) {
  JsonValue j = JsonValue::object();
  j.append_member("name", JsonValue::string(l.name));
  j.append_member("type", JsonValue::string(op_kind_name(l.type)));
  const auto num = [](int64_t v) { return JsonValue::number(static_cast<double>(v)); };
  const bool two_d = is_two_d(l.type);
  const auto size = [&](Size2 s) { return two_d ? int_list({s.h, s.w}) : int_list({s.w}); };
  switch (l.type) {
    case OpKind::kLinear:
      j.append_member("in_features", num(l.in_features));
      j.append_member("out_features", num(l.out_features));
      j.append_member("bias", JsonValue::boolean(l.bias));
      break;
    case OpKind::kConv1d:
    case OpKind::kConv2d:
      j.append_member("in_channels", num(l.in_channels));
      j.append_member("out_channels", num(l.out_channels));
      j.append_member("kernel_size", size(l.kernel));
      j.append_member("stride", size(l.stride));
      j.append_member("padding", size(l.padding));
      j.append_member("bias", JsonValue::boolean(l.bias));
      break;
    case OpKind::kMaxPool1d:
    case OpKind::kMaxPool2d:
    case OpKind::kAvgPool1d:
    case OpKind::kAvgPool2d:
      j.append_member("kernel_size", size(l.kernel));
      j.append_member("stride", size(l.stride));
      break;
    case OpKind::kSoftmax:
    case OpKind::kLogSoftmax: j.append_member("dim", num(-1)); break;
    case OpKind::kReshape: j.append_member("shape", shape_list(l.shape)); break;
    case OpKind::kDropout: j.append_member("p", float_number(l.p)); break;
    case OpKind::kBatchNorm1d:
    case OpKind::kBatchNorm2d:
      j.append_member("num_features", num(l.num_features));
      j.append_member("eps", float_number(l.eps));
      j.append_member("momentum", float_number(l.momentum));
      break;
    case OpKind::kGru:
      j.append_member("input_size", num(l.input_size));
      j.append_member("hidden_size", num(l.hidden_size));
      j.append_member("output", JsonValue::string(l.all_steps ? "all" : "last"));
      j.append_member("bias", JsonValue::boolean(l.bias));
      break;
    default: break;
  }
  return j;
}

Result<Layer> layer_from_json(const JsonValue& json, int index, int per_sample_rank) {
  if (!json.is_object())
    return Status::error(Code::kParseError, "layers[%d]: a layer must be a JSON object, got %s",
                         index, json.type_name());
  const JsonValue* name = json.find("name");
  if (!name || !name->is_string() || name->as_string().empty())
    return Status::error(Code::kParseError, "layers[%d]: 'name' must be a non-empty string", index);
  const std::string& n = name->as_string();
  const JsonValue* type = json.find("type");
  if (!type || !type->is_string())
    return Status::error(Code::kParseError, "layers[%d] '%.60s': 'type' must be a string", index,
                         n.c_str());
  Result<OpKind> kind = layer_kind_from_name(type->as_string().c_str());
  if (!kind.ok())
    return Status::error(Code::kParseError, "layers[%d] '%.60s': unknown layer type '%.60s'", index,
                         n.c_str(), type->as_string().c_str());
  const OpKind k = *kind;
  Fields f(json, index, n, op_kind_name(k));
  const bool two_d = is_two_d(k);
  Layer l;
  switch (k) {
    case OpKind::kLinear: {
      int in = 0, out = 0;
      bool bias = true;
      SALIENT_RETURN_IF_ERROR(f.integer("in_features", in, true));
      SALIENT_RETURN_IF_ERROR(f.integer("out_features", out, true));
      SALIENT_RETURN_IF_ERROR(f.boolean("bias", bias, true));
      l = Layer::linear(n, in, out, bias);
      break;
    }
    case OpKind::kConv1d:
    case OpKind::kConv2d: {
      int in = 0, out = 0;
      bool bias = true;
      Size2 kernel{1, 1}, stride{1, 1}, padding{0, 0};
      SALIENT_RETURN_IF_ERROR(f.integer("in_channels", in, true));
      SALIENT_RETURN_IF_ERROR(f.integer("out_channels", out, true));
      SALIENT_RETURN_IF_ERROR(f.size("kernel_size", two_d, kernel, true, {1, 1}));
      SALIENT_RETURN_IF_ERROR(f.size("stride", two_d, stride, false, {1, 1}));
      SALIENT_RETURN_IF_ERROR(f.size("padding", two_d, padding, false, {0, 0}));
      SALIENT_RETURN_IF_ERROR(f.boolean("bias", bias, true));
      l = two_d ? Layer::conv2d(n, in, out, kernel, stride, padding, bias)
                : Layer::conv1d(n, in, out, kernel.w, stride.w, padding.w, bias);
      break;
    }
    case OpKind::kMaxPool1d:
    case OpKind::kMaxPool2d:
    case OpKind::kAvgPool1d:
    case OpKind::kAvgPool2d: {
      // stride missing or null: the kernel size (PyTorch's default), passed on as 0.
      Size2 kernel{1, 1}, stride{0, 0};
      SALIENT_RETURN_IF_ERROR(f.size("kernel_size", two_d, kernel, true, {1, 1}));
      const JsonValue* given = f.get("stride");
      SALIENT_RETURN_IF_ERROR(f.size("stride", two_d, stride, false, {0, 0}, true));
      if (given && !given->is_null() && (stride.w < 1 || (two_d && stride.h < 1)))
        return f.error("field '%s' must be >= 1", "stride");
      if (k == OpKind::kMaxPool1d) l = Layer::maxpool1d(n, kernel.w, stride.w);
      if (k == OpKind::kAvgPool1d) l = Layer::avgpool1d(n, kernel.w, stride.w);
      if (k == OpKind::kMaxPool2d) l = Layer::maxpool2d(n, kernel, stride);
      if (k == OpKind::kAvgPool2d) l = Layer::avgpool2d(n, kernel, stride);
      break;
    }
    case OpKind::kSoftmax:
    case OpKind::kLogSoftmax: {
      int dim = -1;
      SALIENT_RETURN_IF_ERROR(f.integer("dim", dim, false, -1));
      if (dim != -1 && !(per_sample_rank >= 1 && dim == per_sample_rank)) {
        char detail[16];
        std::snprintf(detail, sizeof detail, "%d", dim);
        return f.error("%s over dim %s is not supported; only the last dim (-1) is",
                       op_kind_name(k), detail);
      }
      l = k == OpKind::kSoftmax ? Layer::softmax(n) : Layer::log_softmax(n);
      break;
    }
    case OpKind::kReshape: {
      const JsonValue* shape = f.get("shape");
      if (!shape) return f.error("missing field '%s'", "shape");
      if (!shape->is_array() || shape->size() < 1 ||
          shape->size() > static_cast<size_t>(Shape::kMaxRank - 1))
        return f.error("field '%s' must be a list of 1 to 4 integers (one may be -1), got %s",
                       "shape", Fields::describe(*shape));
      Shape s;
      s.rank = static_cast<int>(shape->size());
      for (int i = 0; i < s.rank; ++i) {
        int d = 0;
        SALIENT_RETURN_IF_ERROR(f.to_int("shape", (*shape)[static_cast<size_t>(i)], d));
        s[i] = d;
      }
      l = Layer::reshape(n, s);
      break;
    }
    case OpKind::kDropout: {
      float p = 0.5f;
      SALIENT_RETURN_IF_ERROR(f.real("p", p, 0.5f));
      l = Layer::dropout(n, p);
      break;
    }
    case OpKind::kBatchNorm1d:
    case OpKind::kBatchNorm2d: {
      int features = 0;
      float eps = 1e-5f, momentum = 0.1f;
      SALIENT_RETURN_IF_ERROR(f.integer("num_features", features, true));
      SALIENT_RETURN_IF_ERROR(f.real("eps", eps, 1e-5f));
      SALIENT_RETURN_IF_ERROR(f.real("momentum", momentum, 0.1f));
      l = two_d ? Layer::batchnorm2d(n, features, eps, momentum)
                : Layer::batchnorm1d(n, features, eps, momentum);
      break;
    }
    case OpKind::kGru: {
      int input = 0, hidden = 0, layers = 1;
      bool bias = true, bidirectional = false, batch_first = true;
      SALIENT_RETURN_IF_ERROR(f.integer("input_size", input, true));
      SALIENT_RETURN_IF_ERROR(f.integer("hidden_size", hidden, true));
      SALIENT_RETURN_IF_ERROR(f.boolean("bias", bias, true));
      SALIENT_RETURN_IF_ERROR(f.boolean("bidirectional", bidirectional, false));
      SALIENT_RETURN_IF_ERROR(f.boolean("batch_first", batch_first, true));
      SALIENT_RETURN_IF_ERROR(f.integer("num_layers", layers, false, 1));
      const JsonValue* output = f.get("output");
      if (!output) return f.error("missing field '%s'", "output");
      if (!output->is_string() || (output->as_string() != "last" && output->as_string() != "all"))
        return f.error("field '%s' must be \"last\" or \"all\"%s", "output");
      if (bidirectional)
        return Status::error(Code::kUnimplemented,
                             "layers[%d] '%.60s' (gru): bidirectional GRUs are not supported",
                             index, n.c_str());
      if (layers != 1)
        return Status::error(
            Code::kUnimplemented,
            "layers[%d] '%.60s' (gru): num_layers = %d is not supported (stack single-layer GRUs)",
            index, n.c_str(), layers);
      if (!batch_first)
        return Status::error(
            Code::kUnimplemented,
            "layers[%d] '%.60s' (gru): batch_first false is not supported (inputs are N x T x D)",
            index, n.c_str());
      l = Layer::gru(n, input, hidden, output->as_string() == "all", bias);
      break;
    }
    case OpKind::kGlobalAvgPool:
    case OpKind::kRelu:
    case OpKind::kTanh:
    case OpKind::kSigmoid:
    case OpKind::kFlatten:  // no fields
      l.name = n;
      l.type = k;
      break;
    default:  // a layer kind added to the engine but not yet to the file format
      return Status::error(Code::kUnimplemented,
                           "layers[%d] '%.60s': layer type '%s' has no file format yet", index,
                           n.c_str(), op_kind_name(k));
  }
  SALIENT_RETURN_IF_ERROR(f.finish());
  return l;
}

// ---- architecture ------------------------------------------------------------------------------

JsonValue architecture_to_json(const Model& m) {
  JsonValue j = JsonValue::object();
  j.append_member("format", JsonValue::string(kModelFormat));
  j.append_member("version", JsonValue::number(kModelFormatVersion));
  j.append_member("input_shape", shape_list(m.input_shape()));
  JsonValue layers = JsonValue::array();
  for (const Layer& l : m.layers()) layers.push_back(layer_to_json(l));
  j.append_member("layers", std::move(layers));
  return j;
}

std::string architecture_json(const Model& m) { return to_json(architecture_to_json(m)); }

namespace {

Result<Model> build_model(const JsonValue& arch, bool require_format, uint64_t max_parameters) {
  if (!arch.is_object()) return arch_error("expected a JSON object, got %s", arch.type_name());
  for (size_t i = 0; i < arch.size(); ++i) {
    const std::string& key = arch.key(i);
    if (key != "format" && key != "version" && key != "input_shape" && key != "layers")
      return arch_error("unknown key '%.60s' (expected format, version, input_shape, layers)",
                        key.c_str());
  }
  const JsonValue* format = arch.find("format");
  const JsonValue* version = arch.find("version");
  if (require_format && !format) return arch_error("missing \"format\": \"%s\"", kModelFormat);
  if (format && (!format->is_string() || format->as_string() != kModelFormat))
    return arch_error("unsupported format %.80s (expected \"%s\")", to_json(*format).c_str(),
                      kModelFormat);
  if (require_format && !version) return arch_error("missing \"version\"%s", "");
  if (version && !(version->is_integer() && version->as_int() == kModelFormatVersion)) {
    char expected[16];
    std::snprintf(expected, sizeof expected, "%d", kModelFormatVersion);
    return arch_error("unsupported version %.40s (this build reads version %s)",
                      to_json(*version).c_str(), expected);
  }

  const JsonValue* input = arch.find("input_shape");
  if (!input) return arch_error("missing \"input_shape\"%s", "");
  if (!input->is_array() || input->size() < 1 ||
      input->size() > static_cast<size_t>(Shape::kMaxRank - 1))
    return arch_error(
        "\"input_shape\" must be a list of 1 to 4 non-negative integers (0 = any length), got "
        "%.60s",
        to_json(*input).c_str());
  Shape input_shape;
  input_shape.rank = static_cast<int>(input->size());
  for (int i = 0; i < input_shape.rank; ++i) {
    const JsonValue& d = (*input)[static_cast<size_t>(i)];
    if (!d.is_integer() || d.as_int() < 0 || d.as_int() > INT32_MAX)
      return arch_error(
          "\"input_shape\" must be a list of 1 to 4 non-negative integers (0 = any length), got "
          "%.60s",
          to_json(*input).c_str());
    input_shape[i] = d.as_int();
  }
  if (!bounded(input_shape))
    return arch_error("\"input_shape\" %s is absurdly large", ShapeStr(input_shape).c_str());

  const JsonValue* layers = arch.find("layers");
  if (!layers) return arch_error("missing \"layers\"%s", "");
  if (!layers->is_array())
    return arch_error("\"layers\" must be a list of layer objects, got %s", layers->type_name());
  std::vector<Layer> list;
  list.reserve(layers->size());
  Shape shape = input_shape;
  bool shape_known = true;  // until a layer's shapes disagree (Model::create then names it)
  uint64_t parameters = 0;
  for (size_t i = 0; i < layers->size(); ++i) {
    Result<Layer> l =
        layer_from_json((*layers)[i], static_cast<int>(i), shape_known ? shape.rank : -1);
    if (!l.ok()) return l.status();
    const uint64_t floats = parameter_floats(*l);
    parameters = floats > UINT64_MAX - parameters ? UINT64_MAX : parameters + floats;
    if (parameters > max_parameters)
      return Status::error(
          Code::kInvalidArgument,
          "architecture: layers[%zu] '%.60s' brings the parameter count past the limit of %llu", i,
          l->name.c_str(), static_cast<unsigned long long>(max_parameters));
    if (shape_known && l->type == OpKind::kReshape) {
      Shape target = l->shape;
      for (int k = 0; k < target.rank; ++k)
        if (target[k] < 0) target[k] = 1;
      if (!bounded(target))
        return Status::error(
            Code::kInvalidArgument,
            "architecture: layers[%zu] '%.60s': reshape target %s is absurdly large", i,
            l->name.c_str(), ShapeStr(l->shape).c_str());
    }
    if (shape_known) {
      Result<Shape> next = layer_output_shape(*l, shape);
      shape_known = next.ok();
      if (shape_known) shape = *next;
      if (shape_known && !bounded(shape))
        return Status::error(
            Code::kInvalidArgument,
            "architecture: layers[%zu] '%.60s': per-sample output %s is absurdly large", i,
            l->name.c_str(), ShapeStr(shape).c_str());
    }
    list.push_back(std::move(*l));
  }
  return Model::create(input_shape, std::move(list));
}

}  // namespace

Result<Model> model_from_architecture(const JsonValue& arch, bool require_format) {
  return build_model(arch, require_format, kMaxParameters);
}

Result<Model> model_from_architecture_json(const std::string& json, bool require_format) {
  Result<JsonValue> arch = parse_json(json);
  if (!arch.ok())
    return Status::error(Code::kParseError, "architecture: %s", arch.status().message());
  return model_from_architecture(*arch, require_format);
}

// ---- files -------------------------------------------------------------------------------------

Result<Model> parse_model(std::vector<unsigned char> bytes) {
  Result<Safetensors> file = parse_safetensors(std::move(bytes));
  if (!file.ok()) return file.status();
  const std::string* arch = file->metadata_value(kModelMetadataKey);
  if (!arch) {
    if (file->metadata.empty())
      return Status::error(
          Code::kParseError,
          "not a salient model: the safetensors header has no __metadata__ (expected the key '%s')",
          kModelMetadataKey);
    return Status::error(Code::kParseError, "not a salient model: __metadata__ has no key '%s'",
                         kModelMetadataKey);
  }
  // Every parameter must be stored in the file, so an architecture needing far more floats than
  // the data buffer holds is refused before anything is allocated.
  const uint64_t stored = (file->bytes.size() - file->data_start) / sizeof(float);
  const uint64_t limit =
      stored + (uint64_t{1} << 20) < kMaxParameters ? stored + (uint64_t{1} << 20) : kMaxParameters;
  Result<JsonValue> json = parse_json(*arch);
  if (!json.ok())
    return Status::error(Code::kParseError, "%s: architecture: %s", kModelMetadataKey,
                         json.status().message());
  Result<Model> model = build_model(*json, true, limit);
  if (!model.ok())
    return Status::error(model.status().code(), "%s: %s", kModelMetadataKey,
                         model.status().message());
  Model& m = *model;

  for (const Parameter& p : m.parameters()) {
    const TensorEntry* t = file->find(p.name);
    if (!t)
      return Status::error(Code::kParseError, "missing tensor '%.80s' (the architecture needs %s)",
                           p.name.c_str(), ShapeStr(p.shape).c_str());
    if (t->dtype != TensorDType::kF32)
      return Status::error(Code::kParseError, "tensor '%.80s' has dtype %s; parameters must be F32",
                           p.name.c_str(), dtype_name(t->dtype));
    if (t->shape != p.shape)
      return Status::error(Code::kParseError,
                           "tensor '%.80s' has shape %s, but the architecture needs %s",
                           p.name.c_str(), ShapeStr(t->shape).c_str(), ShapeStr(p.shape).c_str());
    float* dst = m.parameter_data() + p.offset;
    const size_t count = static_cast<size_t>(p.shape.numel());
    if (count) std::memcpy(dst, file->data(*t), count * sizeof(float));
    for (size_t i = 0; i < count; ++i)
      if (!std::isfinite(dst[i]))
        return Status::error(Code::kParseError,
                             "tensor '%.80s' holds a non-finite value (%f) at element %zu",
                             p.name.c_str(), static_cast<double>(dst[i]), i);
  }
  // Every tensor must be a parameter, except the batch counter PyTorch keeps for batchnorm layers.
  for (const TensorEntry& t : file->tensors) {
    if (m.parameter(t.name.c_str())) continue;
    static constexpr char kCounter[] = ".num_batches_tracked";
    const size_t suffix = sizeof kCounter - 1;
    if (t.name.size() > suffix && t.name.compare(t.name.size() - suffix, suffix, kCounter) == 0) {
      const Layer* l = m.layer(t.name.substr(0, t.name.size() - suffix).c_str());
      if (l && (l->type == OpKind::kBatchNorm1d || l->type == OpKind::kBatchNorm2d)) continue;
    }
    return Status::error(Code::kParseError,
                         "unexpected tensor '%.80s': the architecture has no such parameter",
                         t.name.c_str());
  }
  return model;
}

Result<Model> load_model(const char* path) {
  Result<std::vector<unsigned char>> bytes = read_file_bytes(path);
  if (!bytes.ok()) return bytes.status();
  return parse_model(std::move(*bytes));
}

Result<std::vector<unsigned char>> encode_model(const Model& m) {
  std::vector<TensorToWrite> tensors;
  tensors.reserve(m.parameters().size());
  for (const Parameter& p : m.parameters())
    tensors.push_back({p.name, TensorDType::kF32, p.shape, m.parameter_data() + p.offset});
  return encode_safetensors({{kModelMetadataKey, architecture_json(m)}}, tensors);
}

Status save_model(const Model& m, const char* path) {
  Result<std::vector<unsigned char>> bytes = encode_model(m);
  if (!bytes.ok()) return bytes.status();
  return write_file_bytes(path, bytes->data(), bytes->size());
}

}  // namespace salient::io
