// edgetorch_clock.h: the benchmark harness's clocks and sample store.
//
// Header-only C++ so that JavaCPP compiles it into the harness's JNI library
// (org.edgetorch.bench.NativeClock) and so that a native backend (the ARM bridge) can include the very
// same clocks in a loop that runs entirely in C++.
//
// Wall clock: a monotonic clock that is not slewed by NTP (CLOCK_MONOTONIC_RAW on Linux,
// CLOCK_UPTIME_RAW on macOS, QueryPerformanceCounter on Windows), in nanoseconds.
// CPU clock: CPU time of the calling thread (user + system), in nanoseconds. Only the calling thread:
// LibTorch's intra-op worker threads (--threads > 1) are not counted.
#ifndef EDGETORCH_CLOCK_H
#define EDGETORCH_CLOCK_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#  ifndef WIN32_LEAN_AND_MEAN
#    define WIN32_LEAN_AND_MEAN
#  endif
#  ifndef PSAPI_VERSION
#    define PSAPI_VERSION 2  // K32GetProcessMemoryInfo lives in kernel32: no psapi.lib needed
#  endif
#  include <windows.h>
#  include <psapi.h>
#elif defined(__APPLE__)
#  include <time.h>
#  include <sys/resource.h>
#else
#  include <time.h>
#  include <sys/resource.h>
#endif

namespace edgetorch {

#if defined(_WIN32)

inline const char* wall_clock_name() { return "QueryPerformanceCounter"; }
inline const char* cpu_clock_name() { return "GetThreadTimes"; }

inline long long wall_ns() {
    static LARGE_INTEGER frequency = [] { LARGE_INTEGER f; QueryPerformanceFrequency(&f); return f; }();
    LARGE_INTEGER now;
    QueryPerformanceCounter(&now);
    // Split to avoid overflowing 64 bits in ticks * 1e9.
    long long s = now.QuadPart / frequency.QuadPart;
    long long r = now.QuadPart % frequency.QuadPart;
    return s * 1000000000LL + r * 1000000000LL / frequency.QuadPart;
}

inline long long thread_cpu_ns() {
    FILETIME created, exited, kernel, user;
    if (!GetThreadTimes(GetCurrentThread(), &created, &exited, &kernel, &user)) return -1;
    ULARGE_INTEGER k, u;
    k.LowPart = kernel.dwLowDateTime; k.HighPart = kernel.dwHighDateTime;
    u.LowPart = user.dwLowDateTime; u.HighPart = user.dwHighDateTime;
    return (long long) (k.QuadPart + u.QuadPart) * 100LL;  // FILETIME counts 100 ns units
}

inline long long peak_rss_bytes() {
    PROCESS_MEMORY_COUNTERS pmc;
    if (!GetProcessMemoryInfo(GetCurrentProcess(), &pmc, sizeof(pmc))) return -1;
    return (long long) pmc.PeakWorkingSetSize;
}

#else

#  if defined(__APPLE__)
#    define EDGETORCH_WALL_CLOCK CLOCK_UPTIME_RAW
inline const char* wall_clock_name() { return "CLOCK_UPTIME_RAW"; }
#  elif defined(CLOCK_MONOTONIC_RAW)
#    define EDGETORCH_WALL_CLOCK CLOCK_MONOTONIC_RAW
inline const char* wall_clock_name() { return "CLOCK_MONOTONIC_RAW"; }
#  else
#    define EDGETORCH_WALL_CLOCK CLOCK_MONOTONIC
inline const char* wall_clock_name() { return "CLOCK_MONOTONIC"; }
#  endif
inline const char* cpu_clock_name() { return "CLOCK_THREAD_CPUTIME_ID"; }

inline long long wall_ns() {
    struct timespec t;
    clock_gettime(EDGETORCH_WALL_CLOCK, &t);
    return (long long) t.tv_sec * 1000000000LL + t.tv_nsec;
}

inline long long thread_cpu_ns() {
    struct timespec t;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0) return -1;
    return (long long) t.tv_sec * 1000000000LL + t.tv_nsec;
}

// Peak resident set size of the process. On Linux the harness prefers VmHWM from /proc/self/status,
// which it can reset; ru_maxrss is the same peak in KiB on Linux and in bytes on macOS.
inline long long peak_rss_bytes() {
    struct rusage u;
    if (getrusage(RUSAGE_SELF, &u) != 0) return -1;
#  if defined(__APPLE__)
    return (long long) u.ru_maxrss;
#  else
    return (long long) u.ru_maxrss * 1024LL;
#  endif
}

#endif

// Timed samples kept in native memory. start() and stop() bracket exactly one measured call:
// start() reads the CPU clock first and the wall clock last, stop() reads the wall clock first and
// the CPU clock last, so the wall interval holds nothing but the call (plus the JNI transitions the
// harness measures as its overhead). Growing the buffer happens after both clocks are read.
class SampleStore {
public:
    explicit SampleStore(long long capacity) : wall_(0), cpu_(0), size_(0), capacity_(0), total_wall_(0),
                                                start_wall_(0), start_cpu_(0), overflow_(false) {
        reserve(capacity < 16 ? 16 : capacity);
    }
    ~SampleStore() {
        free(wall_);
        free(cpu_);
    }

    void start() {
        start_cpu_ = thread_cpu_ns();
        start_wall_ = wall_ns();
    }

    void stop() {
        long long w = wall_ns();
        long long c = thread_cpu_ns();
        if (size_ == capacity_ && !reserve(capacity_ * 2)) {
            overflow_ = true;
            return;
        }
        wall_[size_] = w - start_wall_;
        cpu_[size_] = c - start_cpu_;
        total_wall_ += w - start_wall_;
        size_++;
    }

    long long size() const { return size_; }
    long long capacity() const { return capacity_; }
    long long total_wall() const { return total_wall_; }
    bool overflow() const { return overflow_; }
    void clear() { size_ = 0; total_wall_ = 0; overflow_ = false; }
    long long wall(long long i) const { return i >= 0 && i < size_ ? wall_[i] : -1; }
    long long cpu(long long i) const { return i >= 0 && i < size_ ? cpu_[i] : -1; }

    // Copies samples [from, from + n) into out; returns how many were copied.
    long long copy_wall(long long from, long long n, long long* out) const { return copy(wall_, from, n, out); }
    long long copy_cpu(long long from, long long n, long long* out) const { return copy(cpu_, from, n, out); }

private:
    SampleStore(const SampleStore&);
    SampleStore& operator=(const SampleStore&);

    bool reserve(long long n) {
        if (n <= capacity_) return true;
        long long* w = (long long*) realloc(wall_, (size_t) n * sizeof(long long));
        if (w == 0) return false;
        wall_ = w;
        long long* c = (long long*) realloc(cpu_, (size_t) n * sizeof(long long));
        if (c == 0) return false;
        cpu_ = c;
        capacity_ = n;
        return true;
    }

    long long copy(const long long* src, long long from, long long n, long long* out) const {
        if (from < 0 || n <= 0 || from >= size_ || out == 0) return 0;
        if (n > size_ - from) n = size_ - from;
        memcpy(out, src + from, (size_t) n * sizeof(long long));
        return n;
    }

    long long* wall_;
    long long* cpu_;
    long long size_;
    long long capacity_;
    long long total_wall_;
    long long start_wall_;
    long long start_cpu_;
    bool overflow_;
};

}  // namespace edgetorch

#endif  // EDGETORCH_CLOCK_H
