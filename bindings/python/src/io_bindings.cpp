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
#include "learnrec/data/csv.hpp"
#include "learnrec/io/forget.hpp"
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
        LEARNREC_FAIL_AT(what, "{}", e.reason());
    }
}

/// ModelMetadata from a dict of str (history: a list of str); unknown keys are an error.
ModelMetadata metadata_from(const py::object& obj) {
    ModelMetadata m;
    if (obj.is_none()) return m;
    for (const auto& [key, value] : obj.cast<py::dict>()) {
        const auto k = key.cast<std::string>();
        if (k == "history") m.history = value.cast<std::vector<std::string>>();
        else if (k == "trained_at") m.trained_at = value.cast<std::string>();
        else if (k == "data_fingerprint") m.data_fingerprint = value.cast<std::string>();
        else if (k == "learnrec_version") m.learnrec_version = value.cast<std::string>();
        else if (k == "hyperparameters") m.hyperparameters = value.cast<std::string>();
        else if (k != "model_version" && k != "format_version" && k != "training_interactions")
            throw py::value_error("unknown metadata key '" + k + "'");
    }
    return m;
}

py::dict metadata_to_python(const ModelBundle& bundle) {
    py::dict d;
    d["learnrec_version"] = bundle.metadata.learnrec_version;
    d["trained_at"] = bundle.metadata.trained_at;
    d["data_fingerprint"] = bundle.metadata.data_fingerprint;
    d["hyperparameters"] = bundle.metadata.hyperparameters;
    d["history"] = bundle.metadata.history;
    d["model_version"] = model_version(bundle);
    d["format_version"] = bundle.format_version;
    d["training_interactions"] = bundle.training ? py::cast(bundle.training->nnz()) : py::none();
    return d;
}

ModelBundle bundle_of(const std::shared_ptr<Model>& model, const py::object& learner_ids,
                      const py::object& course_ids, const py::object& metadata = py::none(),
                      const PyCsr* training = nullptr) {
    if (!model) throw py::value_error("model is None");
    ModelBundle bundle;
    bundle.model = model;
    bundle.learners = id_map_from(learner_ids, "learner_ids", model->num_learners());
    bundle.courses = id_map_from(course_ids, "course_ids", model->num_courses());
    bundle.metadata = metadata_from(metadata);
    if (training) {
        if (training->view.rows != model->num_learners() || training->view.cols != model->num_courses())
            throw py::value_error(fmt::format("training_data is {} x {} but the model has {} learners and {} courses: "
                                              "pass the user_items matrix it was trained on",
                                              training->view.rows, training->view.cols, model->num_learners(),
                                              model->num_courses()));
        bundle.training = std::make_shared<const CsrMatrix>(CsrMatrix::copy_of(training->view));
    }
    return bundle;
}

py::object ids_or_none(const IdMap& ids) {
    if (ids.size() == 0) return py::none();
    return id_list(ids);
}

py::tuple bundle_to_python(ModelBundle&& bundle, bool with_metadata = false) {
    // pybind11's holders are shared_ptr<Model>; the object stays immutable because every bound
    // method of a model is const.
    auto model = std::const_pointer_cast<Model>(bundle.model);
    if (with_metadata) {
        py::dict metadata = metadata_to_python(bundle);
        py::object training = py::none();
        if (bundle.training) training = csr_to_numpy(CsrMatrix(*bundle.training));
        return py::make_tuple(py::cast(model), ids_or_none(bundle.learners), ids_or_none(bundle.courses), metadata,
                              training);
    }
    return py::make_tuple(py::cast(model), ids_or_none(bundle.learners), ids_or_none(bundle.courses));
}

}  // namespace

void register_io(py::module_& m) {
    m.def(
        "save_model",
        [](const std::shared_ptr<Model>& model, const std::string& path, const py::object& learner_ids,
           const py::object& course_ids, const py::object& metadata, const PyCsr* training_data) {
            ModelBundle bundle = bundle_of(model, learner_ids, course_ids, metadata, training_data);
            py::gil_scoped_release release;
            save(bundle, std::filesystem::path(path));
        },
        py::arg("model"), py::arg("path"), py::arg("learner_ids") = py::none(), py::arg("course_ids") = py::none(),
        py::arg("metadata") = py::none(), py::arg("training_data") = py::none(),
        R"doc(Writes a model file atomically (temporary file, fsync, rename): a failed or interrupted save
never leaves a partial file under `path`. learner_ids / course_ids: optional sequences of str, one
per learner / course, stored with the model. training_data: the interactions the model was trained
on (a CsrView of its shape), kept in the file (format version 3) so that forget_model_file needs no
other data; personal data, left out when None.)doc");

    m.def(
        "load_model",
        [](const std::string& path, bool with_metadata) {
            ModelBundle bundle;
            {
                py::gil_scoped_release release;
                bundle = load(std::filesystem::path(path));
            }
            return bundle_to_python(std::move(bundle), with_metadata);
        },
        py::arg("path"), py::arg("with_metadata") = false,
        R"doc(Reads a model file: (model, learner_ids or None, course_ids or None), and with_metadata also
the metadata dict and the kept training data ((indptr, indices, data, shape) or None). The envelope
(magic, version, sizes, checksums) is validated before any payload byte is parsed; any malformed,
truncated or foreign file raises LearnrecError saying what is wrong.)doc");

    m.def(
        "model_to_bytes",
        [](const std::shared_ptr<Model>& model, const py::object& learner_ids, const py::object& course_ids,
           const py::object& metadata, const PyCsr* training_data) {
            const ModelBundle bundle = bundle_of(model, learner_ids, course_ids, metadata, training_data);
            return py::bytes(released([&] { return to_bytes(bundle); }));
        },
        py::arg("model"), py::arg("learner_ids") = py::none(), py::arg("course_ids") = py::none(),
        py::arg("metadata") = py::none(), py::arg("training_data") = py::none(),
        "The exact bytes save_model writes (used for pickling).");

    m.def(
        "model_from_bytes",
        [](const py::bytes& data, bool with_metadata) {
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
            return bundle_to_python(std::move(bundle), with_metadata);
        },
        py::arg("data"), py::arg("with_metadata") = false,
        "Inverse of model_to_bytes: (model, learner_ids or None, course_ids or None[, metadata, training data or None]).");

    m.def(
        "model_version",
        [](const std::shared_ptr<Model>& model, const py::object& learner_ids, const py::object& course_ids,
           const py::object& metadata) {
            ModelBundle bundle = bundle_of(model, learner_ids, course_ids, metadata);
            py::gil_scoped_release release;
            return model_version(bundle);
        },
        py::arg("model"), py::arg("learner_ids") = py::none(), py::arg("course_ids") = py::none(),
        py::arg("metadata") = py::none(), "\"<kind>-<payload CRC-32>-<trained_at>\" of the bytes model_to_bytes gives.");
    m.def(
        "data_fingerprint",
        [](const PyCsr& data, const py::object& learner_ids, const py::object& course_ids) {
            const IdMap learners = id_map_from(learner_ids, "learner_ids", data.view.rows);
            const IdMap courses = id_map_from(course_ids, "course_ids", data.view.cols);
            py::gil_scoped_release release;
            return data_fingerprint(data.view, learners, courses);
        },
        py::arg("data"), py::arg("learner_ids") = py::none(), py::arg("course_ids") = py::none(),
        "\"sha1:<40 hex>\" of a CSR matrix and its ids (as the C++ data_fingerprint).");
    m.def(
        "forget_model_file",
        [](const std::string& model_path, const std::vector<std::string>& learner_ids, const std::string& out_path,
           const std::string& interactions_path, int num_threads) {
            py::gil_scoped_release release;
            const ModelBundle bundle = load(std::filesystem::path(model_path));
            const ForgetResult result =
                interactions_path.empty()
                    ? forget_learners(bundle, learner_ids, num_threads)
                    : forget_learners(bundle, read_interactions_csv(std::filesystem::path(interactions_path)),
                                      learner_ids, num_threads);
            save(result.bundle, std::filesystem::path(out_path));
            const std::string version = model_version(result.bundle);  // serializes the model: without the GIL
            py::gil_scoped_acquire acquire;
            py::dict report;
            report["learners_removed"] = result.report.learners_removed;
            report["courses_resolved"] = to_numpy(std::vector<index_t>(result.report.courses_resolved),
                                                  {static_cast<py::ssize_t>(result.report.courses_resolved.size())});
            report["data_matches_fingerprint"] = result.data_matches_fingerprint;
            report["model_version"] = version;
            return report;
        },
        py::arg("model_path"), py::arg("learner_ids"), py::arg("out_path"), py::arg("interactions_path") = "",
        py::arg("num_threads") = 0,
        "forget_learners on a model file, written atomically to out_path (see learnrec.forget).");
    m.def(
        "forget_in_log",
        [](const std::string& kind, const std::string& in, const std::string& out,
           const std::vector<std::string>& learner_ids) {
            py::gil_scoped_release release;
            return forget_in_log(kind, std::filesystem::path(in), std::filesystem::path(out), learner_ids);
        },
        py::arg("kind"), py::arg("path"), py::arg("out"), py::arg("learner_ids"),
        "Rewrites a log (kind 'events' or 'push') without the learners' records, atomically; returns how many were removed.");
    m.def("format_utc", &format_utc, py::arg("seconds"), "Epoch seconds as ISO-8601 UTC.");
    m.attr("LEARNREC_VERSION") = std::string(learnrec_version());
    m.def("model_file_kinds", &model_file_kinds, "Model kinds this build can save and load, sorted.");
    m.attr("MODEL_FILE_VERSION") = model_file_version;
}

}  // namespace learnrec::python
