// Uses the compiled library: generate the academy, train, recommend.
#include <cstdio>

#include <learnrec/learnrec.hpp>

int main() {
    learnrec::AcademyConfig config;
    config.learners = 300;
    config.courses = 60;
    const auto academy = learnrec::generate_academy(config);
    learnrec::AlsConfig als;
    als.factors = 8;
    als.iterations = 3;
    const auto model = learnrec::fit_als(academy.interactions.matrix, als);
    const learnrec::index_t learner = 0;
    const auto history = academy.interactions.matrix.view();
    const auto top = learnrec::recommend(model, {&learner, 1}, &history);
    if (top.count(0) != 10) return 1;
    std::printf("consumer: top course for %s is %s\n", academy.learners[0].id.c_str(),
                academy.interactions.courses.id(top.ids_of(0)[0]).c_str());
    return 0;
}
