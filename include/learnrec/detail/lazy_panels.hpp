// learnrec::detail — a factor model's scoring copies of its course factors, built on first use.
//
// The packed float32 panels (score_kernel.hpp) and the half-precision copy (half_panels.hpp) add
// 1.5 times the course factors' bytes. Built with the model, they landed at the end of every
// training run and set its peak memory (above implicit's on Gowalla), although many models are
// saved and scored elsewhere, or scored much later. So the first retrieval builds them.
//
// Thread safety: get() may be called concurrently, also on a model nobody has scored yet: the
// first callers wait for a single build (std::call_once); once built, get() costs one acquire load.
// Copies and moves: std::once_flag can be neither, so the state lives behind a pointer. A copy
// starts unbuilt (it builds its own panels on its first use, so copying a model never pays for
// them); a move takes the built panels along with the factors they were made from.
#pragma once

#include <atomic>
#include <cassert>
#include <memory>
#include <mutex>
#include <utility>

#include "learnrec/detail/bf16_panels.hpp"
#include "learnrec/detail/half_panels.hpp"
#include "learnrec/detail/norm_panels.hpp"
#include "learnrec/detail/score_kernel.hpp"
#include "learnrec/types.hpp"

namespace learnrec::detail {

struct CoursePanels {
    PackedPanels packed;  // float32, for score_panels()
    HalfPanels half;      // half precision, for score_halves(); empty when the CPU cannot use it
};

class LazyCoursePanels {
public:
    LazyCoursePanels() : state_(std::make_unique<State>()) {}
    LazyCoursePanels(const LazyCoursePanels&) : LazyCoursePanels() {}
    LazyCoursePanels& operator=(const LazyCoursePanels& other) {
        if (this != &other) state_ = std::make_unique<State>();
        return *this;
    }
    // The moved-from side gets a fresh state, not none: a moved-from model stays a valid (empty)
    // model that may still be scored. That allocation is why these are not noexcept.
    LazyCoursePanels(LazyCoursePanels&& other) : state_(std::exchange(other.state_, std::make_unique<State>())) {}
    LazyCoursePanels& operator=(LazyCoursePanels&& other) {
        if (this != &other) state_ = std::exchange(other.state_, std::make_unique<State>());
        return *this;
    }
    ~LazyCoursePanels() = default;

    /// The panels of `items`, built by the first call. Every call must pass the same matrix (the
    /// owner's course factors, which never change).
    const CoursePanels& get(const RowMatrix& items) const {
        assert(state_);
        const State& s = *state_;
        if (s.built.load(std::memory_order_acquire)) [[likely]] return s.panels;
        return build(items);
    }

    /// The bfloat16 panels of `items` (empty when the CPU cannot score them), built by the first
    /// call: only batch retrieval uses them, so a model that only ever serves single learners
    /// never pays for them.
    const Bf16Panels& bf16(const RowMatrix& items) const {
        assert(state_);
        const State& s = *state_;
        if (s.bf16_built.load(std::memory_order_acquire)) [[likely]] return s.bf16;
        return build_bf16(items);
    }

    /// The panels of `items` in order of decreasing course norm, built by the first call: only
    /// batch retrieval uses them (pruned top-k), so a model that only ever serves single learners
    /// never pays for them.
    const NormOrderedPanels& norm_ordered(const RowMatrix& items) const {
        assert(state_);
        const State& s = *state_;
        if (s.norm_built.load(std::memory_order_acquire)) [[likely]] return s.norm_ordered;
        return build_norm_ordered(items);
    }

    /// Whether get() has built the panels (a diagnostic: memory accounting and tests).
    bool built() const noexcept { return state_->built.load(std::memory_order_acquire); }

private:
    struct State {
        std::once_flag once;
        std::atomic<bool> built{false};
        CoursePanels panels;
        std::once_flag bf16_once;
        std::atomic<bool> bf16_built{false};
        Bf16Panels bf16;
        std::once_flag norm_once;
        std::atomic<bool> norm_built{false};
        NormOrderedPanels norm_ordered;
    };

    [[gnu::noinline]] const NormOrderedPanels& build_norm_ordered(const RowMatrix& items) const {
        State& s = *state_;
        std::call_once(s.norm_once, [&] {
            s.norm_ordered = make_norm_ordered_panels(items);
            s.norm_built.store(true, std::memory_order_release);
        });
        return s.norm_ordered;
    }

    [[gnu::noinline]] const Bf16Panels& build_bf16(const RowMatrix& items) const {
        State& s = *state_;
        std::call_once(s.bf16_once, [&] {
            s.bf16 = make_bf16_panels(items);
            s.bf16_built.store(true, std::memory_order_release);
        });
        return s.bf16;
    }

    // Out of line from get(): keeps the per-tile fast path small enough to inline.
    [[gnu::noinline]] const CoursePanels& build(const RowMatrix& items) const {
        State& s = *state_;
        // A build that throws (std::bad_alloc) leaves `built` false and the flag unset: the next
        // caller tries again.
        std::call_once(s.once, [&] {
            s.panels.packed = PackedPanels::pack(items);
            s.panels.half = make_half_panels(s.panels.packed, items);
            s.built.store(true, std::memory_order_release);
        });
        return s.panels;
    }

    std::unique_ptr<State> state_;  // never null
};

}  // namespace learnrec::detail
