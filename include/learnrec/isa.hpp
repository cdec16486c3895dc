// learnrec — which instruction set the SIMD kernels run on, and how to force a narrower one.
//
// The portable build carries every hot kernel (scoring, top-k scan, fp16/bfloat16 shortlists, ALS
// row solvers, BPR and hybrid epochs, ranking masks and similarities) compiled three times:
// x86-64 baseline (SSE2), AVX2+FMA+F16C and AVX-512 (F, VL, BW, DQ, CD). The path is chosen once
// per process, on its first use, from CPUID and the environment variable
//
//     LEARNREC_ISA=baseline | avx2 | avx512      (unset, empty, "native" or "auto": the widest)
//
// which may only lower what the CPU supports: asking for more than the CPU has, or for an unknown
// name, prints one warning on stderr and keeps the widest supported path (a kernel may be first
// called inside a parallel region, where an exception could not reach the caller). This is what
// lets one machine test and benchmark every path (CI runs the test suite under each).
// AVX512_BF16 (the bfloat16 batch shortlist) is used only on the avx512 path.
//
// Thread safety: active_isa() may be called from any thread; the choice is made once
// (a function-local static) and never changes afterwards. Process-wide state is only read.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace learnrec {

/// Instruction-set paths of the dispatched kernels, narrowest first.
enum class Isa : int { baseline = 0, avx2 = 1, avx512 = 2 };

/// "baseline", "avx2" or "avx512".
constexpr std::string_view isa_name(Isa isa) noexcept {
    switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    default: return "baseline";
    }
}

namespace detail {

#if defined(__GNUC__) && defined(__x86_64__) && !defined(LEARNREC_NO_DISPATCH)
#define LEARNREC_X86_DISPATCH 1
#endif

/// The widest path this CPU (and its operating system, which must save the wide registers)
/// supports; __builtin_cpu_supports checks both.
inline Isa cpu_isa() noexcept {
#ifdef LEARNREC_X86_DISPATCH
    __builtin_cpu_init();
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                      __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") &&
                      __builtin_cpu_supports("popcnt");
    if (!avx2) return Isa::baseline;
    const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
                        __builtin_cpu_supports("avx512cd");
    return avx512 ? Isa::avx512 : Isa::avx2;
#else
    return Isa::baseline;
#endif
}

/// The path for a LEARNREC_ISA value (null: unset) on a CPU whose widest path is `supported`.
/// `warning` receives a message when the value is unknown or asks for more than the CPU has.
inline Isa choose_isa(const char* requested, Isa supported, std::string* warning = nullptr) {
    if (requested == nullptr) return supported;
    const std::string_view v(requested);
    Isa want;
    if (v.empty() || v == "native" || v == "auto") return supported;
    if (v == "baseline") want = Isa::baseline;
    else if (v == "avx2") want = Isa::avx2;
    else if (v == "avx512") want = Isa::avx512;
    else {
        if (warning)
            *warning = "learnrec: LEARNREC_ISA=" + std::string(v) +
                       " is not one of baseline, avx2, avx512, native; using " + std::string(isa_name(supported));
        return supported;
    }
    if (static_cast<int>(want) > static_cast<int>(supported)) {
        if (warning)
            *warning = "learnrec: LEARNREC_ISA=" + std::string(v) + " is not supported by this CPU; using " +
                       std::string(isa_name(supported));
        return supported;
    }
    return want;
}

}  // namespace detail

/// The path every dispatched kernel of this process uses (chosen on the first call).
inline Isa active_isa() {
    static const Isa isa = [] {
        std::string warning;
        const Isa chosen = detail::choose_isa(std::getenv("LEARNREC_ISA"), detail::cpu_isa(), &warning);
        if (!warning.empty()) std::fprintf(stderr, "%s\n", warning.c_str());
        return chosen;
    }();
    return isa;
}

}  // namespace learnrec

namespace learnrec::detail {
// GCC vector types of one native register per path (unaligned: loaded with memcpy).
typedef float lr_v16 __attribute__((vector_size(64), aligned(4)));  // AVX-512
typedef float lr_v8f __attribute__((vector_size(32), aligned(4)));  // AVX2
typedef float lr_v4f __attribute__((vector_size(16), aligned(4)));  // SSE2
}  // namespace learnrec::detail

// ---- explicit dispatch --------------------------------------------------------------------------
//
// LEARNREC_ISA_KERNEL(ret, name, (params), (args)) defines `ret name(params)`, which calls
// `name_impl(args)` (an always_inline function the caller defines first) compiled for the active
// path: one copy per instruction set, each with its own target attribute, so the same source is
// vectorised for SSE2, AVX2 or AVX-512. (GCC's target_clones picks by CPU only and cannot be
// steered by LEARNREC_ISA.) The switch costs a load and a branch per call: call it per block of
// work, not per element.
#ifdef LEARNREC_X86_DISPATCH
#define LEARNREC_TARGET_AVX2 __attribute__((target("avx2,fma,f16c,bmi,bmi2,lzcnt,popcnt")))
#define LEARNREC_TARGET_AVX512 \
    __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx512cd,avx2,fma,f16c,bmi,bmi2,lzcnt,popcnt")))
#define LEARNREC_ISA_KERNEL(ret, name, params, args)                                   \
    LEARNREC_TARGET_AVX512 inline ret name##_avx512 params { return name##_impl args; } \
    LEARNREC_TARGET_AVX2 inline ret name##_avx2 params { return name##_impl args; }     \
    inline ret name params {                                                           \
        switch (::learnrec::active_isa()) {                                            \
        case ::learnrec::Isa::avx512: return name##_avx512 args;                       \
        case ::learnrec::Isa::avx2: return name##_avx2 args;                           \
        default: return name##_impl args;                                              \
        }                                                                              \
    }
// The same for a template name_impl<V> whose V is the path's native vector (lr_v16, lr_v8f, lr_v4f).
#define LEARNREC_ISA_KERNEL_V(ret, name, params, args)                                                      \
    LEARNREC_TARGET_AVX512 inline ret name##_avx512 params { return name##_impl<::learnrec::detail::lr_v16> args; } \
    LEARNREC_TARGET_AVX2 inline ret name##_avx2 params { return name##_impl<::learnrec::detail::lr_v8f> args; }     \
    inline ret name params {                                                                                \
        switch (::learnrec::active_isa()) {                                                                 \
        case ::learnrec::Isa::avx512: return name##_avx512 args;                                            \
        case ::learnrec::Isa::avx2: return name##_avx2 args;                                                \
        default: return name##_impl<::learnrec::detail::lr_v4f> args;                                       \
        }                                                                                                   \
    }
#else
#define LEARNREC_ISA_KERNEL(ret, name, params, args) \
    inline ret name params { return name##_impl args; }
#define LEARNREC_ISA_KERNEL_V(ret, name, params, args) \
    inline ret name params { return name##_impl<::learnrec::detail::lr_v4f> args; }
#endif
