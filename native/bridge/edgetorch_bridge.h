// edgetorch_bridge.h: a small C++ layer over a LibTorch that has headers (Debian's libtorch-dev, a pip
// torch package's include/ and lib/, or a LibTorch zip), for platforms where Bytedeco publishes no
// PyTorch natives (linux-arm64). JavaCPP generates the JNI from org.edgetorch.backend.bridge.BridgeNative.
//
// Rules of this layer:
//  - No C++ exception leaves it: every entry point catches c10::Error / std::exception / ... and turns
//    it into an error string (Model::error() or a returned string; empty means success).
//  - Inputs are validated before LibTorch sees them (shape, sizes, null pointers).
//  - Only plain types cross the boundary (float and int64 arrays, strings), so the Java side needs no
//    LibTorch classes of its own.
#ifndef EDGETORCH_BRIDGE_H
#define EDGETORCH_BRIDGE_H

#include <memory>
#include <string>
#include <vector>

namespace edgetorch {
namespace bridge {

// ---- the LibTorch in use -------------------------------------------------------------------------

// Version of the LibTorch loaded at run time (TORCH_VERSION of its build settings), else the headers'.
std::string libtorch_version();
// Version of the headers the bridge was compiled against.
std::string compiled_version();
bool xnnpack_available();
// Quantized engines this LibTorch was built with, lower-case and comma-separated ("qnnpack,onednn").
std::string quantized_engines();
// The engine in use, lower-case ("none" when there is none).
std::string quantized_engine();
// Selects an engine by lower-case name; "" on success, else the reason.
std::string set_quantized_engine(const std::string& name);
int num_threads();
// "" on success, else the reason.
std::string set_num_threads(int threads);
// Newest bytecode version of lite-interpreter (.ptl) files this LibTorch reads, and the newest
// TorchScript file format version.
long long max_bytecode_version();
long long max_file_format_version();
// The build configuration (at::show_config()).
std::string build_config();

// ---- a loaded model ------------------------------------------------------------------------------

class Model {
public:
    Model();
    ~Model();
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    // Loads a TorchScript archive with torch::jit::load (lite == false) or a lite-interpreter archive
    // with torch::jit::_load_for_mobile (lite == true). False on failure, with error().
    bool load(const std::string& path, bool lite);
    bool loaded() const;
    bool lite() const;

    // Lays 4-D inputs of forward and prepare_input out in channels-last memory (the shape stays NCHW):
    // what XNNPACK's prepacked convolutions of an optimized .ptl read without converting on every call.
    void set_channels_last(bool channels_last);
    bool channels_last() const;

    // Runs forward on one float32 tensor (row-major data, shape of ndim dimensions). The output is kept
    // (output_*). False on failure, with error().
    bool forward(const float* data, const long long* shape, int ndim);
    int output_dim() const;
    // Copies the output shape (output_dim() values) / data (output_numel() values).
    void output_shape(long long* out) const;
    long long output_numel() const;
    void output_data(float* out) const;

    // The benchmark loop, entirely in C++ (the bench harness's NativeLoop). prepare_input copies the
    // input into a LibTorch tensor once (not timed); run_loop then runs warmup_runs untimed and
    // measured_runs timed forward calls on it. The timed region holds the forward call only: wall time
    // (monotonic raw clock) and the calling thread's CPU time, read around it, in nanoseconds, stored in
    // wall_ns / cpu_ns (capacity values). Every output is released outside the timed region, after its
    // first element has been added to sink(), so no call can be skipped. Returns the number of measured
    // runs, or -1 with error(). The last output stays readable through output_*.
    bool prepare_input(const float* data, const long long* shape, int ndim);
    long long run_loop(long long warmup_runs, long long measured_runs,
                       long long* wall_ns, long long* cpu_ns, long long capacity);
    double sink() const;

    // Cross-check helper for TorchScript models: optimizeForMobile (optional) and _save_for_mobile
    // with this LibTorch, i.e. a .ptl its own lite interpreter reads. False on failure, with error().
    bool save_for_mobile(const std::string& path, bool optimize);

    std::string error() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Clocks used by Model::run_loop: those of native/edgetorch_clock.h, the bench harness's.
long long wall_ns();
long long thread_cpu_ns();
std::string wall_clock_name();
std::string cpu_clock_name();

}  // namespace bridge
}  // namespace edgetorch

#endif  // EDGETORCH_BRIDGE_H
