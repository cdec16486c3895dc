// Uses only the header-only target: no compiled learnrec code is linked.
#include <cstdio>
#include <vector>

#include <learnrec/model/als.hpp>
#include <learnrec/retrieval/recommend.hpp>

int main() {
    std::vector<learnrec::Triplet> entries{{0, 0, 1.0f}, {0, 1, 1.0f}, {1, 1, 1.0f}, {1, 2, 1.0f}, {2, 0, 1.0f}};
    const auto m = learnrec::CsrMatrix::from_triplets(3, 3, entries);
    learnrec::AlsConfig config;
    config.factors = 2;
    config.iterations = 5;
    const auto model = learnrec::fit_als(m, config);
    const learnrec::index_t learner = 2;
    const auto history = m.view();
    const auto top = learnrec::recommend(model, {&learner, 1}, &history);
    if (top.count(0) != 2) return 1;
    std::printf("consumer_core: learner 2 gets course %d first\n", top.ids_of(0)[0]);
    return 0;
}
