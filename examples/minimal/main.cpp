// The smallest host: read an enrolment log, train ALS, print one learner's top 5 courses.
//   learnrec-minimal log.csv L000042
#include <cstdio>

#include <learnrec/learnrec.hpp>

int main(int argc, char** argv) try {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s LOG.csv LEARNER_ID\n", argv[0]);
        return 2;
    }
    using namespace learnrec;
    const Interactions data = read_interactions_csv(argv[1]);  // learner_id,course_id[,weight][,timestamp]
    AlsConfig config;
    config.factors = 16;
    config.iterations = 10;
    const AlsModel model = fit_als(data.matrix, config);

    const index_t learner = data.learners.at(argv[2]);
    const CsrView taken = data.matrix.view();  // leave out what the learner already took
    RecommendOptions options;
    options.k = 5;
    const TopK top = recommend(model, std::span<const index_t>(&learner, 1), &taken, options);
    for (index_t c : top.ids_of(0))
        if (c >= 0) std::printf("%s\n", data.courses.id(c).c_str());
    return 0;
} catch (const learnrec::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
}
