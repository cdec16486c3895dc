// A nightly retraining host: each "night" it re-reads the growing interaction log, trains ALS,
// saves the model atomically, loads the saved file back (what a separate serving process would
// do) and publishes it to readers that keep answering requests the whole time. Each reader
// request works on one complete snapshot: the model and its id maps change together.
//
//   learnrec-nightly --log interactions.csv --model-out model.lrc [--nights 3] [--learner ID]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <learnrec/learnrec.hpp>

namespace {

using namespace learnrec;
using Snapshot = BasicModelHandle<ModelBundle>;

struct ReaderStats {
    std::atomic<long> answers{0};
    std::atomic<long> inconsistent{0};  // an answer naming a course its snapshot does not have
};

/// Answers "top 5 for `learner_id`" in a loop until `stop`, as request threads of a service would.
void serve(const Snapshot& handle, const std::string& learner_id, const std::atomic<bool>& stop, ReaderStats& stats) {
    RecommendOptions options;
    options.k = 5;
    options.num_threads = 1;
    while (!stop.load(std::memory_order_acquire)) {
        const auto snapshot = handle.current();
        if (!snapshot) {
            std::this_thread::yield();
            continue;
        }
        // A learner absent from tonight's log is answered as the first one (a real service would
        // fold them in); what matters here is that ids and model come from the same snapshot.
        const index_t learner = snapshot->learners.find(learner_id).value_or(0);
        const TopK top = recommend(*snapshot->model, std::span<const index_t>(&learner, 1), nullptr, options);
        for (index_t c : top.ids_of(0))
            if (c >= snapshot->courses.size()) stats.inconsistent.fetch_add(1, std::memory_order_relaxed);
        stats.answers.fetch_add(1, std::memory_order_relaxed);
    }
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"learnrec nightly: retrain from a log, save atomically, publish to running readers"};
    std::string log, model_out, learner_id = "L000001";
    int nights = 3, factors = 16, iterations = 8, readers = 2;
    app.add_option("--log", log, "Interaction log (learner_id,course_id[,weight][,timestamp])")->required();
    app.add_option("--model-out", model_out, "Where each night's model is saved (atomically replaced)")->required();
    app.add_option("--nights", nights, "Retraining rounds")->check(CLI::PositiveNumber)->capture_default_str();
    app.add_option("--learner", learner_id, "The learner the readers ask about")->capture_default_str();
    app.add_option("--factors", factors, "ALS factors")->check(CLI::PositiveNumber)->capture_default_str();
    app.add_option("--iterations", iterations, "ALS iterations")->check(CLI::PositiveNumber)->capture_default_str();
    app.add_option("--readers", readers, "Reader threads")->check(CLI::PositiveNumber)->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    Snapshot handle;
    ReaderStats stats;
    std::atomic<bool> stop{false};
    std::vector<std::thread> pool;
    for (int i = 0; i < readers; ++i) pool.emplace_back(serve, std::cref(handle), learner_id, std::cref(stop), std::ref(stats));

    int status = 0;
    try {
        for (int night = 1; night <= nights; ++night) {
            const auto t0 = std::chrono::steady_clock::now();
            const Interactions data = read_interactions_csv(log);  // re-read: the log grows during the day
            AlsConfig config;
            config.factors = factors;
            config.iterations = iterations;
            config.seed = static_cast<std::uint64_t>(night);
            config.num_threads = 1;  // leave the other cores to the readers
            auto model = std::make_shared<const AlsModel>(fit_als(data.matrix, config));
            save(ModelBundle{model, data.learners, data.courses, {}}, model_out);  // temp file, fsync, rename
            auto loaded = std::make_shared<const ModelBundle>(load(model_out));
            const long before = stats.answers.load();
            handle.publish(std::move(loaded));
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            fmt::print("night {}: {} learners x {} courses, {} interactions; trained, saved to {} and published as "
                       "generation {} in {:.2f} s ({} answers served meanwhile)\n",
                       night, data.matrix.rows(), data.matrix.cols(), data.matrix.nnz(), model_out,
                       handle.generation(), seconds, before);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let readers see the last model
    } catch (const Error& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        status = 1;
    }
    stop.store(true, std::memory_order_release);
    for (auto& t : pool) t.join();
    fmt::print("readers answered {} requests, {} inconsistent\n", stats.answers.load(), stats.inconsistent.load());
    return status != 0 ? status : (stats.inconsistent.load() == 0 ? 0 : 4);
}
