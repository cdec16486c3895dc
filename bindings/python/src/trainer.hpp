// One binding for every stepwise trainer of learnrec._core (ALS, BPR, hybrid): the C++ trainer,
// the numpy arrays it may borrow, and the methods Python's training loop calls.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include "common.hpp"

namespace learnrec::python {

/// A C++ trainer plus the arrays it borrows (kept alive as long as the trainer is). step(),
/// model(), release() and the accessors are serialised by a mutex: Python threads may share one.
template <class Trainer>
class PyTrainer {
public:
    using ModelType = std::decay_t<decltype(std::declval<const Trainer&>().model())>;
    using Info = decltype(std::declval<Trainer&>().step());
    using Config = std::decay_t<decltype(std::declval<const Trainer&>().config())>;

    /// `make` returns the trainer (a unique_ptr), built with the GIL released; `borrowed` is what it reads after its
    /// constructor (nothing for trainers that copy their input).
    template <class Make>
    PyTrainer(const char* name, std::optional<PyCsr> borrowed, Make&& make)
        : name_(name), input_(std::move(borrowed)) {
        py::gil_scoped_release release;
        trainer_ = make();
    }

    Info step() {
        return with([](Trainer& t) { return t.step(); });
    }
    std::shared_ptr<ModelType> model() {
        return with([](Trainer& t) { return std::make_shared<ModelType>(t.model()); });
    }
    std::shared_ptr<ModelType> release() {
        std::lock_guard<std::mutex> lock(mutex_);
        auto m = std::make_shared<ModelType>(std::move(live()).release());
        trainer_.reset();
        return m;
    }
    int iteration() {
        return with([](Trainer& t) { return t.iteration(); });
    }
    Config config() {
        return with([](Trainer& t) { return Config(t.config()); });
    }
    /// f(trainer) under the lock, for the methods one trainer kind adds.
    template <class F>
    auto with(F&& f) {
        std::lock_guard<std::mutex> lock(mutex_);
        return f(live());
    }
    const PyCsr& input() const { return *input_; }

private:
    Trainer& live() {
        if (!trainer_) LEARNREC_FAIL_AT(name_, "the trainer was released; create a new one to train again");
        return *trainer_;
    }
    const char* name_;
    std::optional<PyCsr> input_;
    std::unique_ptr<Trainer> trainer_;
    std::mutex mutex_;
};

/// The docstrings of one trainer class (literals: pybind11 keeps the pointers).
struct TrainerDocs {
    const char* cls;
    const char* step;
    const char* model;
    const char* release;
    const char* iteration;
};

/// Binds PyTrainer<Trainer> as `name` with the methods every trainer has; the caller adds the
/// constructor and what its kind adds.
template <class Trainer>
py::class_<PyTrainer<Trainer>> bind_trainer(py::module_& m, const char* name, const TrainerDocs& docs) {
    using T = PyTrainer<Trainer>;
    return py::class_<T>(m, name, docs.cls)
        .def("step", &T::step, py::call_guard<py::gil_scoped_release>(), docs.step)
        .def("model", &T::model, py::call_guard<py::gil_scoped_release>(), docs.model)
        .def("release", &T::release, py::call_guard<py::gil_scoped_release>(), docs.release)
        .def_property_readonly("iteration", &T::iteration, docs.iteration)
        .def_property_readonly("config", &T::config, "The configuration.");
}

}  // namespace learnrec::python
