// edgetorch_bridge.cpp: see edgetorch_bridge.h. Included by the JNI source JavaCPP generates, so the
// bridge is one shared library (libjniBridgeNative.so) that links the system's LibTorch.
#include "edgetorch_bridge.h"
#include "edgetorch_clock.h"

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <caffe2/serialize/versions.h>
#include <torch/csrc/api/include/torch/version.h>
#include <torch/csrc/jit/mobile/import.h>
#include <torch/csrc/jit/mobile/module.h>
#include <torch/csrc/jit/passes/xnnpack_rewrite.h>
#include <torch/script.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <exception>
#include <limits>
#include <sstream>


namespace edgetorch {
namespace bridge {

namespace {

constexpr int kMaxDims = 8;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return (char) std::tolower(c); });
    return s;
}

// c10::Error::what() carries a C++ backtrace; users need the message.
std::string message_of(const c10::Error& e) {
    std::string m = e.what_without_backtrace();
    return m.empty() ? std::string("unknown LibTorch error") : m;
}

// Runs f, turning every exception into a message. Returns "" when f returned normally.
template <typename F>
std::string guarded(F&& f) {
    try {
        f();
        return "";
    } catch (const c10::Error& e) {
        return message_of(e);
    } catch (const std::exception& e) {
        return std::string(e.what());
    } catch (...) {
        return "unknown C++ exception";
    }
}

std::string engine_name(at::QEngine e) {
    return lower(c10::toString(e));
}

std::string check_tensor_args(const float* data, const long long* shape, int ndim, int64_t* numel) {
    if (data == nullptr) return "input data is null";
    if (ndim < 1 || ndim > kMaxDims) return "input must have 1 to " + std::to_string(kMaxDims) + " dimensions, got " + std::to_string(ndim);
    if (shape == nullptr) return "input shape is null";
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 1) return "input dimension " + std::to_string(i) + " is " + std::to_string(shape[i]) + ", must be at least 1";
        if (n > std::numeric_limits<int32_t>::max() / shape[i]) return "input is too large";
        n *= shape[i];
    }
    *numel = n;
    return "";
}

}  // namespace

// The bench harness's clocks (native/edgetorch_clock.h), so native and Java-timed loops measure alike.
long long wall_ns() {
    return ::edgetorch::wall_ns();
}

long long thread_cpu_ns() {
    return ::edgetorch::thread_cpu_ns();
}

std::string wall_clock_name() {
    return ::edgetorch::wall_clock_name();
}

std::string cpu_clock_name() {
    return ::edgetorch::cpu_clock_name();
}

std::string compiled_version() {
    return TORCH_VERSION;
}

std::string libtorch_version() {
    std::string v;
    std::string err = guarded([&] {
        std::string cfg = at::show_config();
        const std::string key = "TORCH_VERSION=";
        size_t p = cfg.find(key);
        if (p != std::string::npos) {
            size_t e = cfg.find_first_of(", \n", p + key.size());
            v = cfg.substr(p + key.size(), e == std::string::npos ? std::string::npos : e - p - key.size());
        }
    });
    return v.empty() ? compiled_version() : v;
}

std::string build_config() {
    std::string cfg;
    std::string err = guarded([&] { cfg = at::show_config(); });
    return err.empty() ? cfg : "error: " + err;
}

bool xnnpack_available() {
    bool ok = false;
    guarded([&] { ok = at::globalContext().isXNNPACKAvailable(); });
    return ok;
}

std::string quantized_engines() {
    std::string out;
    guarded([&] {
        for (at::QEngine e : at::globalContext().supportedQEngines()) {
            if (e == at::QEngine::NoQEngine) continue;
            if (!out.empty()) out += ",";
            out += engine_name(e);
        }
    });
    return out;
}

std::string quantized_engine() {
    std::string out = "none";
    guarded([&] {
        at::QEngine e = at::globalContext().qEngine();
        if (e != at::QEngine::NoQEngine) out = engine_name(e);
    });
    return out;
}

std::string set_quantized_engine(const std::string& name) {
    std::string want = lower(name);
    std::string err = guarded([&] {
        for (at::QEngine e : at::globalContext().supportedQEngines()) {
            if (e != at::QEngine::NoQEngine && engine_name(e) == want) {
                at::globalContext().setQEngine(e);
                return;
            }
        }
        throw std::runtime_error("quantized engine '" + name + "' is not in this LibTorch build; supported: " + quantized_engines());
    });
    return err;
}

int num_threads() {
    int n = -1;
    guarded([&] { n = at::get_num_threads(); });
    return n;
}

std::string set_num_threads(int threads) {
    if (threads < 1) return "threads must be at least 1, got " + std::to_string(threads);
    return guarded([&] { at::set_num_threads(threads); });
}

long long max_bytecode_version() {
    return (long long) caffe2::serialize::kMaxSupportedBytecodeVersion;
}

long long max_file_format_version() {
    return (long long) caffe2::serialize::kMaxSupportedFileFormatVersion;
}

// ---- Model ---------------------------------------------------------------------------------------

struct Model::Impl {
    std::unique_ptr<torch::jit::Module> script;
    std::unique_ptr<torch::jit::mobile::Module> mobile;
    at::Tensor output;  // float32, contiguous
    std::vector<c10::IValue> inputs;  // prepared by prepare_input for run_loop
    double sink = 0;
    bool channels_last = false;
    std::string error;

    // A copy of the caller's row-major data, in channels-last memory when asked and 4-D.
    at::Tensor input(const float* data, const std::vector<int64_t>& sizes) const {
        at::Tensor t = torch::from_blob(const_cast<float*>(data), sizes, at::kFloat);
        return t.clone(channels_last && sizes.size() == 4 ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous);
    }

    bool fail(const std::string& e) {
        error = e;
        return false;
    }

    long long fail_count(const std::string& e) {
        error = e;
        return -1;
    }

    c10::IValue run(std::vector<c10::IValue>& inputs) {
        if (script) return script->forward(inputs);
        return mobile->forward(inputs);
    }

    // Adds the first element of a tensor output to the sink (cheap, and depends on the whole call).
    void fold(const c10::IValue& out) {
        if (!out.isTensor()) throw std::runtime_error("forward returned " + out.tagKind() + ", expected a Tensor");
        const at::Tensor& t = out.toTensor();
        if (t.numel() > 0) sink += t.is_quantized() ? t.dequantize().flatten()[0].item<double>() : t.flatten()[0].item<double>();
    }

    // The output as a float tensor on which output_* can read; fails for non-tensor outputs.
    void keep(const c10::IValue& out) {
        if (!out.isTensor()) throw std::runtime_error("forward returned " + out.tagKind() + ", expected a Tensor");
        at::Tensor t = out.toTensor();
        if (t.is_quantized()) t = t.dequantize();
        output = t.to(at::kFloat).contiguous();
    }
};

Model::Model() : impl_(new Impl()) {}

Model::~Model() = default;

bool Model::load(const std::string& path, bool lite) {
    impl_->script.reset();
    impl_->mobile.reset();
    impl_->output = at::Tensor();
    impl_->error.clear();
    if (path.empty()) return impl_->fail("empty path");
    std::string err = guarded([&] {
        if (lite) {
            impl_->mobile.reset(new torch::jit::mobile::Module(torch::jit::_load_for_mobile(path)));
        } else {
            impl_->script.reset(new torch::jit::Module(torch::jit::load(path)));
            impl_->script->eval();
        }
    });
    if (!err.empty()) {
        impl_->script.reset();
        impl_->mobile.reset();
        return impl_->fail(err);
    }
    return true;
}

bool Model::loaded() const {
    return impl_->script || impl_->mobile;
}

bool Model::lite() const {
    return (bool) impl_->mobile;
}

void Model::set_channels_last(bool channels_last) {
    impl_->channels_last = channels_last;
}

bool Model::channels_last() const {
    return impl_->channels_last;
}

bool Model::forward(const float* data, const long long* shape, int ndim) {
    impl_->error.clear();
    if (!loaded()) return impl_->fail("no model loaded");
    int64_t numel = 0;
    std::string bad = check_tensor_args(data, shape, ndim, &numel);
    if (!bad.empty()) return impl_->fail(bad);
    std::string err = guarded([&] {
        c10::InferenceMode guard;
        std::vector<int64_t> sizes(shape, shape + ndim);
        std::vector<c10::IValue> inputs{impl_->input(data, sizes)};
        impl_->keep(impl_->run(inputs));
    });
    return err.empty() ? true : impl_->fail(err);
}

int Model::output_dim() const {
    return impl_->output.defined() ? (int) impl_->output.dim() : -1;
}

void Model::output_shape(long long* out) const {
    if (out == nullptr || !impl_->output.defined()) return;
    for (int64_t i = 0; i < impl_->output.dim(); i++) out[i] = (long long) impl_->output.size(i);
}

long long Model::output_numel() const {
    return impl_->output.defined() ? (long long) impl_->output.numel() : -1;
}

void Model::output_data(float* out) const {
    if (out == nullptr || !impl_->output.defined()) return;
    const float* p = impl_->output.data_ptr<float>();
    std::copy(p, p + impl_->output.numel(), out);
}

bool Model::prepare_input(const float* data, const long long* shape, int ndim) {
    impl_->error.clear();
    impl_->inputs.clear();
    int64_t numel = 0;
    std::string bad = check_tensor_args(data, shape, ndim, &numel);
    if (!bad.empty()) return impl_->fail(bad);
    std::string err = guarded([&] {
        std::vector<int64_t> sizes(shape, shape + ndim);
        impl_->inputs.push_back(impl_->input(data, sizes));
    });
    return err.empty() ? true : impl_->fail(err);
}

long long Model::run_loop(long long warmup_runs, long long measured_runs,
                          long long* wall, long long* cpu, long long capacity) {
    impl_->error.clear();
    if (!loaded()) return impl_->fail_count("no model loaded");
    if (impl_->inputs.empty()) return impl_->fail_count("no input prepared");
    if (warmup_runs < 0 || measured_runs < 0) return impl_->fail_count("negative run count");
    if (measured_runs > 0 && (wall == nullptr || cpu == nullptr || capacity < measured_runs)) {
        return impl_->fail_count("no room for the samples");
    }
    long long measured = 0;
    std::string err = guarded([&] {
        c10::InferenceMode guard;
        std::vector<c10::IValue>& inputs = impl_->inputs;
        c10::IValue last;
        for (long long i = 0; i < warmup_runs; i++) {
            c10::IValue r = impl_->run(inputs);
            impl_->fold(r);
            last = std::move(r);
        }
        for (; measured < measured_runs; measured++) {
            long long w0 = wall_ns();
            long long c0 = thread_cpu_ns();
            c10::IValue r = impl_->run(inputs);
            long long c1 = thread_cpu_ns();
            long long w1 = wall_ns();
            wall[measured] = w1 - w0;
            cpu[measured] = (c0 < 0 || c1 < 0) ? -1 : c1 - c0;
            impl_->fold(r);
            last = std::move(r);  // outside the timed region: the previous result is freed here
        }
        if (!last.isNone()) impl_->keep(last);
    });
    if (!err.empty()) return impl_->fail_count(err);
    return measured;
}

double Model::sink() const {
    return impl_->sink;
}

bool Model::save_for_mobile(const std::string& path, bool optimize) {
    impl_->error.clear();
    if (!impl_->script) return impl_->fail("save_for_mobile needs a TorchScript (.pt) model");
    if (path.empty()) return impl_->fail("empty path");
    std::string err = guarded([&] {
        if (optimize) {
            torch::jit::Module frozen = torch::jit::optimizeForMobile(*impl_->script);
            frozen._save_for_mobile(path);
        } else {
            impl_->script->_save_for_mobile(path);
        }
    });
    return err.empty() ? true : impl_->fail(err);
}

std::string Model::error() const {
    return impl_->error;
}

}  // namespace bridge
}  // namespace edgetorch
