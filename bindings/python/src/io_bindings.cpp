// learnrec._core: model files (save / load / bytes for pickling).
//
// The Python layer (learnrec.persistence) maps a loaded model's kind to its Python class; this file
// only moves bytes and models across the boundary. A loaded model comes back as its most derived
// registered type (pybind11 downcasts polymorphic holders), so `load_model(path)[0]` is an
// AlsModel, a BprModel, ... and every file's learner / course ids come back as lists of str (or
// None when the file has no ids). File I/O, checksums and parsing run with the GIL released.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common.hpp"
#include "learnrec/io/model_file.hpp"

namespace learnrec::python {
namespace {

IdMap id_map_from(const py::object& ids, const char* what, index_t expected) {
    if (ids.is_none()) return IdMap{};
    if (py::isinstance<py::str>(ids) || py::isinstance<py::bytes>(ids))
        throw py::type_error(std::string(what) + " must be a sequence of str ids, not a single string");
    std::vector<std::string> values;
    for (const py::handle item : ids) {
        if (!py::isinstance<py::str>(item))
            throw py::type_error(std::string(what) + " must hold str ids, got " +
                                 std::string(py::str(py::type::of(item).attr("__name__"))));
        values.push_back(item.cast<std::string>());
    }
    LEARNREC_CHECK(values.size() == static_cast<std::size_t>(expected),
                   "{} has {} ids but the model has {}: pass one id per row, or None", what, values.size(),
                   expected);
    try {
        return IdMap(std::move(values));  // rejects empty and duplicate ids
    } catch (const Error& e) {
        throw Error(what, e.reason());
    }
}

ModelBundle bundle_of(const std::shared_ptr<Model>& model, const py::object& learner_ids,
                      const py::object& course_ids) {
    if (!model) throw py::value_error("model is None");
    ModelBundle bundle;
    bundle.model = model;
    bundle.learners = id_map_from(learner_ids, "learner_ids", model->num_learners());
    bundle.courses = id_map_from(course_ids, "course_ids", model->num_courses());
    return bundle;
}

py::object ids_or_none(const IdMap& ids) {
    if (ids.size() == 0) return py::none();
    return id_list(ids);
}

py::tuple bundle_to_python(ModelBundle&& bundle) {
    // pybind11's holders are shared_ptr<Model>; the object stays immutable because every bound
    // method of a model is const.
    auto model = std::const_pointer_cast<Model>(bundle.model);
    return py::make_tuple(py::cast(model), ids_or_none(bundle.learners), ids_or_none(bundle.courses));
}

}  // namespace

void register_io(py::module_& m) {
    m.def(
        "save_model",
        [](const std::shared_ptr<Model>& model, const std::string& path, const py::object& learner_ids,
           const py::object& course_ids) {
            ModelBundle bundle = bundle_of(model, learner_ids, course_ids);
            py::gil_scoped_release release;
            save(bundle, std::filesystem::path(path));
        },
        py::arg("model"), py::arg("path"), py::arg("learner_ids") = py::none(), py::arg("course_ids") = py::none(),
        R"doc(Writes a model file atomically (temporary file, fsync, rename): a failed or interrupted save
never leaves a partial file under `path`. learner_ids / course_ids: optional sequences of str, one
per learner / course, stored with the model.)doc");

    m.def(
        "load_model",
        [](const std::string& path) {
            ModelBundle bundle;
            {
                py::gil_scoped_release release;
                bundle = load(std::filesystem::path(path));
            }
            return bundle_to_python(std::move(bundle));
        },
        py::arg("path"),
        R"doc(Reads a model file: (model, learner_ids or None, course_ids or None). The envelope (magic,
version, sizes, checksums) is validated before any payload byte is parsed; any malformed,
truncated or foreign file raises LearnrecError saying what is wrong.)doc");

    m.def(
        "model_to_bytes",
        [](const std::shared_ptr<Model>& model, const py::object& learner_ids, const py::object& course_ids) {
            ModelBundle bundle = bundle_of(model, learner_ids, course_ids);
            std::string bytes;
            {
                py::gil_scoped_release release;
                bytes = to_bytes(bundle);
            }
            return py::bytes(bytes);
        },
        py::arg("model"), py::arg("learner_ids") = py::none(), py::arg("course_ids") = py::none(),
        "The exact bytes save_model writes (used for pickling).");

    m.def(
        "model_from_bytes",
        [](const py::bytes& data) {
            // A view of the Python bytes object: no copy; the GIL stays released only while the
            // bytes are kept alive by `data`.
            char* buffer = nullptr;
            py::ssize_t length = 0;
            if (PyBytes_AsStringAndSize(data.ptr(), &buffer, &length) != 0) throw py::error_already_set();
            ModelBundle bundle;
            {
                py::gil_scoped_release release;
                bundle = from_bytes(std::string_view(buffer, static_cast<std::size_t>(length)));
            }
            return bundle_to_python(std::move(bundle));
        },
        py::arg("data"), "Inverse of model_to_bytes: (model, learner_ids or None, course_ids or None).");

    m.def("model_file_kinds", &model_file_kinds, "Model kinds this build can save and load, sorted.");
    m.attr("MODEL_FILE_VERSION") = model_file_version;
}

}  // namespace learnrec::python
