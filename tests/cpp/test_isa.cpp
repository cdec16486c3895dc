// Instruction-set paths: LEARNREC_ISA only lowers what the CPU has, and every compiled path of a
// dispatched kernel that this CPU can run gives the same results. (CI also runs the kernel tests
// of the whole suite once per path: tests/CMakeLists.txt registers them with LEARNREC_ISA=avx2
// and =baseline.)
//
// Tolerance: paths differ in vector width and in fused versus separate multiply-add, so float
// sums of d products are grouped and rounded differently. Scores may differ by a few units in
// the last place of sum |q_k y_k|: checked against 1e-5 * d * max |q_k y_k| (d <= 128 here).
// Top-k ids are the same on data without near-ties.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "learnrec/detail/als_kernels.hpp"
#include "learnrec/detail/als_update_kernels.hpp"
#include "learnrec/detail/score_kernel.hpp"
#include "learnrec/detail/stream_copy.hpp"
#include "learnrec/isa.hpp"
#include "learnrec/retrieval/topk.hpp"
#include "test_support.hpp"

using namespace learnrec;
using namespace learnrec::test_support;

namespace {

using detail::PackedPanels;

/// The compiled scoring paths this CPU can run, narrowest first.
std::vector<std::pair<Isa, detail::ScorePanelsFn>> scoring_paths() {
    std::vector<std::pair<Isa, detail::ScorePanelsFn>> out{{Isa::baseline, &detail::score_panels_portable}};
#ifdef LEARNREC_X86_DISPATCH
    if (detail::cpu_isa() >= Isa::avx2) out.emplace_back(Isa::avx2, &detail::score_panels_avx2);
    if (detail::cpu_isa() >= Isa::avx512) out.emplace_back(Isa::avx512, &detail::score_panels_avx512);
#endif
    return out;
}

}  // namespace

TEST_CASE("LEARNREC_ISA unset, empty or native keeps the widest path the CPU supports", "[isa]") {
    for (Isa cpu : {Isa::baseline, Isa::avx2, Isa::avx512}) {
        std::string warning;
        CHECK(detail::choose_isa(nullptr, cpu, &warning) == cpu);
        CHECK(detail::choose_isa("", cpu, &warning) == cpu);
        CHECK(detail::choose_isa("native", cpu, &warning) == cpu);
        CHECK(warning.empty());
    }
}

TEST_CASE("LEARNREC_ISA lowers the path to the one named", "[isa]") {
    std::string warning;
    CHECK(detail::choose_isa("avx2", Isa::avx512, &warning) == Isa::avx2);
    CHECK(detail::choose_isa("baseline", Isa::avx512, &warning) == Isa::baseline);
    CHECK(detail::choose_isa("baseline", Isa::avx2, &warning) == Isa::baseline);
    CHECK(detail::choose_isa("avx512", Isa::avx512, &warning) == Isa::avx512);
    CHECK(warning.empty());
}

TEST_CASE("LEARNREC_ISA never raises the path above the CPU's and says so", "[isa]") {
    std::string warning;
    CHECK(detail::choose_isa("avx512", Isa::avx2, &warning) == Isa::avx2);
    CHECK(warning.find("not supported by this CPU; using avx2") != std::string::npos);
    warning.clear();
    CHECK(detail::choose_isa("avx2", Isa::baseline, &warning) == Isa::baseline);
    CHECK(warning.find("using baseline") != std::string::npos);
}

TEST_CASE("An unknown LEARNREC_ISA value is named in a warning and the widest path is kept", "[isa]") {
    std::string warning;
    CHECK(detail::choose_isa("sse9", Isa::avx2, &warning) == Isa::avx2);
    CHECK(warning.find("LEARNREC_ISA=sse9 is not one of baseline, avx2, avx512") != std::string::npos);
}

TEST_CASE("The active path is the environment's choice within what the CPU supports", "[isa]") {
    const Isa active = active_isa();
    CHECK(active == detail::choose_isa(std::getenv("LEARNREC_ISA"), detail::cpu_isa()));
    CHECK(active <= detail::cpu_isa());
    CHECK((isa_name(active) == "baseline" || isa_name(active) == "avx2" || isa_name(active) == "avx512"));
}

TEST_CASE("Every scoring path gives the float32 scores within rounding", "[isa]") {
    for (index_t d : {1, 7, 64, 128}) {
        const index_t queries = 37, courses = 16 * 9 + 5;  // odd tails on both sides
        const RowMatrix U = random_factors(queries, d, 11);
        const RowMatrix V = random_factors(courses, d, 12);
        const PackedPanels packed = PackedPanels::pack(V);
        for (const auto& [isa, fn] : scoring_paths()) {
            INFO("path " << isa_name(isa) << ", d = " << d);
            std::vector<float> out(static_cast<std::size_t>(queries) * courses, std::nanf(""));
            fn(U.data(), static_cast<std::size_t>(d), queries, packed, 0, courses, out.data(),
               static_cast<std::size_t>(courses));
            for (index_t q = 0; q < queries; ++q)
                for (index_t c = 0; c < courses; ++c) {
                    const double want = dot(U, q, V, c);
                    CHECK(std::fabs(out[static_cast<std::size_t>(q) * courses + c] - want) <= 1e-5 * d);
                }
        }
    }
}

TEST_CASE("On every scoring path a query scores the same float in a batch of any size as alone", "[isa]") {
    // Batches of 1 to 17 queries leave every remainder of the paths' tile heights (2, 6, 8 rows).
    // The bfloat16 / half shortlists re-score one query at a time and rely on this equality.
    const index_t courses = 16 * 5 + 3;
    for (index_t d : {3, 64}) {
        const RowMatrix U = random_factors(17, d, 13);
        const RowMatrix V = random_factors(courses, d, 14);
        const PackedPanels packed = PackedPanels::pack(V);
        for (const auto& [isa, fn] : scoring_paths()) {
            std::vector<float> alone(static_cast<std::size_t>(17) * courses);
            for (index_t q = 0; q < 17; ++q)
                fn(U.data() + static_cast<std::size_t>(q) * d, static_cast<std::size_t>(d), 1, packed, 0, courses,
                   alone.data() + static_cast<std::size_t>(q) * courses, static_cast<std::size_t>(courses));
            for (index_t nq = 1; nq <= 17; ++nq) {
                INFO("path " << isa_name(isa) << ", d = " << d << ", batch of " << nq);
                std::vector<float> batch(static_cast<std::size_t>(nq) * courses, std::nanf(""));
                fn(U.data(), static_cast<std::size_t>(d), nq, packed, 0, courses, batch.data(),
                   static_cast<std::size_t>(courses));
                CHECK(std::equal(batch.begin(), batch.end(), alone.begin()));
            }
        }
    }
}

TEST_CASE("Every scoring path selects the same top-k courses", "[isa]") {
    const index_t queries = 70, courses = 2500, d = 64, k = 10;
    const RowMatrix U = random_factors(queries, d, 21);
    const RowMatrix V = random_factors(courses, d, 22);
    const PackedPanels packed = PackedPanels::pack(V);
    std::vector<TopK> results;
    for (const auto& [isa, fn] : scoring_paths()) {
        const detail::ScorePanelsFn path = fn;
        results.push_back(topk(queries, courses, k,
                               [&](index_t q0, index_t q1, index_t c0, index_t c1, float* out, std::size_t ld) {
                                   path(U.data() + static_cast<std::size_t>(q0) * d, static_cast<std::size_t>(d),
                                        q1 - q0, packed, c0, c1, out, ld);
                               }));
    }
    for (std::size_t p = 1; p < results.size(); ++p) {
        CHECK(results[p].ids == results[0].ids);
        for (std::size_t i = 0; i < results[0].scores.size(); ++i)
            CHECK(std::fabs(results[p].scores[i] - results[0].scores[i]) <= 1e-5 * d);
    }
}

TEST_CASE("Every ALS conjugate-gradient path solves the same rows", "[isa][als]") {
    const index_t learners = 8, courses = 300, d = 64;
    const RowMatrix Y = random_factors(courses, d, 31);
    const CsrMatrix R = random_interactions(learners, courses, 5, 60, 0.1, 32);
    RowMatrix G = Y.transpose() * Y;
    for (index_t i = 0; i < d; ++i) G(i, i) += 0.1f;
    const RowMatrix x0 = random_factors(learners, d, 33) * 0.01f;
    std::vector<float> work(3 * static_cast<std::size_t>(detail::kAlsCgBlock) * d);
    auto solve = [&](auto&& path) {
        RowMatrix x = x0;
        path(x.data(), learners, Y.data(), d, G.data(), R.indptr().data(), R.indices().data(), R.data().data(),
             10.0f, 3, work.data());
        return x;
    };
    const RowMatrix base = solve([](auto... a) { detail::als_cg_block_impl<detail::lr_v4f>(a...); });
    std::vector<RowMatrix> others;
#ifdef LEARNREC_X86_DISPATCH
    if (detail::cpu_isa() >= Isa::avx2) others.push_back(solve([](auto... a) { detail::als_cg_block_avx2(a...); }));
    if (detail::cpu_isa() >= Isa::avx512) others.push_back(solve([](auto... a) { detail::als_cg_block_avx512(a...); }));
#endif
    for (const auto& x : others) CHECK((x - base).cwiseAbs().maxCoeff() <= 1e-4f * (1.0f + base.cwiseAbs().maxCoeff()));
}

TEST_CASE("Every path of the daily update's packed kernel adds the same terms as a dense sum in double",
          "[isa][als][daily]") {
    // 37 factors: three blocks of the packed layout, the last one padded.
    const index_t d = 37, count = 150;
    const std::size_t dp = detail::als_packed_dim(d);
    const RowMatrix x = random_factors(count, d, 41);
    std::vector<float> p(static_cast<std::size_t>(count) * dp, 0.0f), q(p.size(), 0.0f), bw(static_cast<std::size_t>(count));
    Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(d, d);
    Eigen::VectorXd b_dense = Eigen::VectorXd::Zero(d);
    for (index_t k = 0; k < count; ++k) {
        const float w = (k % 3 == 0 ? -1.0f : 1.0f) * (0.5f + static_cast<float>(k % 7));  // old terms leave, new enter
        bw[static_cast<std::size_t>(k)] = k % 2 == 0 ? w : 0.0f;
        for (index_t i = 0; i < d; ++i) {
            p[static_cast<std::size_t>(k) * dp + static_cast<std::size_t>(i)] = x(k, i);
            q[static_cast<std::size_t>(k) * dp + static_cast<std::size_t>(i)] = w * x(k, i);
        }
        const Eigen::VectorXd xk = x.row(k).transpose().cast<double>();
        dense += static_cast<double>(w) * xk * xk.transpose();
        b_dense += static_cast<double>(bw[static_cast<std::size_t>(k)]) * xk;
    }
    auto run = [&](auto&& path) {
        std::vector<float> a(detail::als_packed_size(d), 0.0f), b(dp, 0.0f);
        path(a.data(), b.data(), p.data(), q.data(), bw.data(), static_cast<std::size_t>(count), dp);
        return std::make_pair(a, b);
    };
    std::vector<std::pair<std::vector<float>, std::vector<float>>> results;
    results.push_back(run([](auto... a) { detail::als_packed_update_impl<detail::lr_v4f>(a...); }));
#ifdef LEARNREC_X86_DISPATCH
    if (detail::cpu_isa() >= Isa::avx2) results.push_back(run([](auto... a) { detail::als_packed_update_avx2(a...); }));
    if (detail::cpu_isa() >= Isa::avx512) results.push_back(run([](auto... a) { detail::als_packed_update_avx512(a...); }));
#endif
    const double scale = dense.cwiseAbs().maxCoeff();
    for (const auto& [a, b] : results) {
        double worst = 0.0, worst_b = 0.0;
        for (std::size_t j = 0; j < static_cast<std::size_t>(d); ++j)
            for (std::size_t i = detail::als_packed_first_row(j); i < static_cast<std::size_t>(d); ++i)
                worst = std::max(worst, std::fabs(a[detail::als_packed_at(dp, i, j)] -
                                                  dense(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j))));
        for (index_t i = 0; i < d; ++i)
            worst_b = std::max(worst_b, std::fabs(b[static_cast<std::size_t>(i)] - b_dense(i)));
        CHECK(worst <= 1e-5 * count * scale);
        CHECK(worst_b <= 1e-5 * count * b_dense.cwiseAbs().maxCoeff());
        // The padded rows and columns stay zero.
        for (std::size_t j = 0; j < dp; ++j)
            for (std::size_t i = std::max<std::size_t>(detail::als_packed_first_row(j), static_cast<std::size_t>(d)); i < dp; ++i)
                CHECK(a[detail::als_packed_at(dp, i, j)] == 0.0f);
    }
}

TEST_CASE("Every path of the streaming copy copies every float, whatever the alignment and length", "[isa]") {
    std::vector<float> src(5000), dst(5000);
    for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<float>(i) * 0.5f - 7.0f;
    std::vector<void (*)(float*, const float*, std::size_t)> paths{[](float* d, const float* s, std::size_t n) {
        detail::stream_copy(d, s, n);
    }};
#ifdef LEARNREC_X86_DISPATCH
    paths.push_back(&detail::stream_copy_sse2);
    if (detail::cpu_isa() >= Isa::avx2) paths.push_back(&detail::stream_copy_avx2);
    if (detail::cpu_isa() >= Isa::avx512) paths.push_back(&detail::stream_copy_avx512);
#endif
    for (auto* copy : paths)
        for (std::size_t offset : {0, 1, 3, 7, 15})
            for (std::size_t n : {0, 1, 5, 16, 17, 100, 1023, 4000}) {
                std::fill(dst.begin(), dst.end(), -1.0f);
                copy(dst.data() + offset, src.data() + 2, n);
                for (std::size_t i = 0; i < dst.size(); ++i)
                    REQUIRE(dst[i] == (i >= offset && i < offset + n ? src[i - offset + 2] : -1.0f));
            }
}

TEST_CASE("A large table copied for publishing equals the original", "[isa]") {
    const RowMatrix table = RowMatrix::Random(static_cast<Eigen::Index>(detail::kStreamCopyFloats / 64 + 3), 64);
    CHECK(detail::copied_table(table) == table);
    const RowMatrix small = RowMatrix::Random(10, 64);
    CHECK(detail::copied_table(small) == small);
}
