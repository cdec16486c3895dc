// learnrec — internal: the epoch loop every trainer's fit_* function runs.
#pragma once

#include <utility>

namespace learnrec::detail {

/// Runs trainer.step() up to `iterations` times, then releases the model; `callback` (may be
/// empty) sees each step's info and stops training early by returning false.
template <class Trainer, class Callback>
auto train_epochs(Trainer&& trainer, int iterations, const Callback& callback) {
    for (int i = 0; i < iterations; ++i) {
        const auto info = trainer.step();
        if (callback && !callback(info)) break;
    }
    return std::move(trainer).release();
}

}  // namespace learnrec::detail
