// learnrec::detail — the scoring micro-kernel behind factor-model top-k.
//
// Course embeddings are packed into panels of 16 courses stored dimension-major
// (panel[k][j] = course j's k-th factor), so a register block of 8 queries x 16 courses
// accumulates with one 16-float load and 8 broadcasts per factor, no horizontal sums.
// GCC compiles the kernel three times (x86-64 baseline, AVX2+FMA, AVX-512) and an ifunc
// resolver picks the widest the CPU supports at load time: a portable binary that still
// uses the machine it runs on.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#include "learnrec/types.hpp"

namespace learnrec::detail {

inline constexpr index_t kPanel = 16;

/// Course embeddings in 16-course panels (zero-padded at the end), for score_panels().
struct PackedPanels {
    index_t courses = 0;
    index_t dim = 0;
    std::vector<float> data;  // panels * dim * 16

    static PackedPanels pack(const RowMatrix& items) {
        PackedPanels p;
        p.courses = static_cast<index_t>(items.rows());
        p.dim = static_cast<index_t>(items.cols());
        const auto panels = static_cast<std::size_t>((p.courses + kPanel - 1) / kPanel);
        p.data.assign(panels * static_cast<std::size_t>(p.dim) * kPanel, 0.0f);
        for (index_t c = 0; c < p.courses; ++c) {
            float* panel = p.data.data() + static_cast<std::size_t>(c / kPanel) * static_cast<std::size_t>(p.dim) * kPanel;
            for (index_t k = 0; k < p.dim; ++k) panel[static_cast<std::size_t>(k) * kPanel + static_cast<std::size_t>(c % kPanel)] = items(c, k);
        }
        return p;
    }
    const float* panel(index_t first_course) const noexcept {
        return data.data() + static_cast<std::size_t>(first_course / kPanel) * static_cast<std::size_t>(dim) * kPanel;
    }
};

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(LEARNREC_NO_DISPATCH)
#define LEARNREC_MULTIVERSION __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#define LEARNREC_MULTIVERSION
#endif

typedef float lr_v16 __attribute__((vector_size(64), aligned(4)));

template <int R>
[[gnu::always_inline]] inline void score_block(const float* q, std::size_t ldq, const float* panel, index_t dim,
                                               float* out, std::size_t ldo, index_t width) {
    lr_v16 acc[R];
    for (int i = 0; i < R; ++i) acc[i] = lr_v16{} ;
    for (index_t k = 0; k < dim; ++k) {
        lr_v16 y;
        std::memcpy(&y, panel + static_cast<std::size_t>(k) * kPanel, sizeof(y));
        for (int i = 0; i < R; ++i) acc[i] += q[static_cast<std::size_t>(i) * ldq + static_cast<std::size_t>(k)] * y;
    }
    for (int i = 0; i < R; ++i) {
        if (width == kPanel) {
            std::memcpy(out + static_cast<std::size_t>(i) * ldo, &acc[i], sizeof(lr_v16));
        } else {
            float tmp[kPanel];
            std::memcpy(tmp, &acc[i], sizeof(tmp));
            std::memcpy(out + static_cast<std::size_t>(i) * ldo, tmp, static_cast<std::size_t>(width) * sizeof(float));
        }
    }
}

/// out[i * ldo + (c - c0)] = q_i . course c, for nq queries (rows of q, stride ldq) and courses
/// [c0, c1); c0 must be a multiple of 16.
LEARNREC_MULTIVERSION
inline void score_panels(const float* q, std::size_t ldq, index_t nq, const PackedPanels& items, index_t c0, index_t c1,
                         float* out, std::size_t ldo) {
    for (index_t p = c0; p < c1; p += kPanel) {
        const float* panel = items.panel(p);
        const index_t width = std::min<index_t>(kPanel, c1 - p);
        float* o = out + (p - c0);
        index_t i = 0;
        for (; i + 8 <= nq; i += 8)
            score_block<8>(q + static_cast<std::size_t>(i) * ldq, ldq, panel, items.dim, o + static_cast<std::size_t>(i) * ldo, ldo, width);
        switch (nq - i) {
            case 7: score_block<7>(q + static_cast<std::size_t>(i) * ldq, ldq, panel, items.dim, o + static_cast<std::size_t>(i) * ldo, ldo, width); break;
            case 6: score_block<6>(q + static_cast<std::size_t>(i) * ldq, ldq, panel, items.dim, o + static_cast<std::size_t>(i) * ldo, ldo, width); break;
            case 5: score_block<5>(q + static_cast<std::size_t>(i) * ldq, ldq, panel, items.dim, o + static_cast<std::size_t>(i) * ldo, ldo, width); break;
            case 4: score_block<4>(q + static_cast<std::size_t>(i) * ldq, ldq, panel, items.dim, o + static_cast<std::size_t>(i) * ldo, ldo, width); break;
            case 3: score_block<3>(q + static_cast<std::size_t>(i) * ldq, ldq, panel, items.dim, o + static_cast<std::size_t>(i) * ldo, ldo, width); break;
            case 2: score_block<2>(q + static_cast<std::size_t>(i) * ldq, ldq, panel, items.dim, o + static_cast<std::size_t>(i) * ldo, ldo, width); break;
            case 1: score_block<1>(q + static_cast<std::size_t>(i) * ldq, ldq, panel, items.dim, o + static_cast<std::size_t>(i) * ldo, ldo, width); break;
            default: break;
        }
    }
}

}  // namespace learnrec::detail
