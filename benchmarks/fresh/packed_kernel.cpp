// The daily update's packed kernel alone (issue #21): one day's shape at 100,000 x 5,000 (4,500
// courses touched, 36 terms each, 64 factors), with the courses' equations spread over memory as
// in the updater and with them cache-resident (8 courses reused), in process CPU time. It tells
// the kernel's multiply-add rate on the active path from the cost of moving A_c in and out.
//
//   LEARNREC_ISA=avx512|avx2|baseline benchmarks/fresh_packed_kernel [courses terms factors]
//
// Built by benchmarks/CMakeLists.txt with -DLEARNREC_BUILD_BENCHMARKS=ON (target fresh_packed_kernel).
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "learnrec/detail/als_update_kernels.hpp"
#include "learnrec/isa.hpp"
#include "../bench_clock.hpp"

using namespace learnrec;

namespace {

}  // namespace

int main(int argc, char** argv) {
    const auto arg = [&](int i, long fallback) { return static_cast<std::size_t>(argc > i ? std::atol(argv[i]) : fallback); };
    const std::size_t courses = arg(1, 4500), terms = arg(2, 36);
    const auto d = static_cast<index_t>(arg(3, 64));
    const std::size_t dp = detail::als_packed_dim(d), size = detail::als_packed_size(d);
    std::vector<float> p(terms * dp, 0.0f), q(terms * dp, 0.0f), bw(terms, 1.0f);
    std::mt19937 rng(1);
    std::normal_distribution<float> normal;
    for (std::size_t k = 0; k < terms; ++k)
        for (std::size_t i = 0; i < static_cast<std::size_t>(d); ++i) {
            p[k * dp + i] = normal(rng);
            q[k * dp + i] = normal(rng);
        }
    const double madds = static_cast<double>(courses) * static_cast<double>(terms) * static_cast<double>(size);
    std::printf("path %s, %zu courses x %zu terms, %d factors: %.0f M multiply-adds\n",
                std::string(isa_name(active_isa())).c_str(), courses, terms, static_cast<int>(d), 1e-6 * madds);
    for (const std::size_t resident : {courses, std::size_t{8}}) {
        std::vector<float> a(resident * size, 0.0f), b(resident * dp, 0.0f);
        for (int rep = 0; rep < 3; ++rep) {
            const double t = bench::process_cpu_seconds();
            for (std::size_t c = 0; c < courses; ++c) {
                const std::size_t at = c % resident;
                detail::als_packed_update(a.data() + at * size, b.data() + at * dp, p.data(), q.data(), bw.data(), terms,
                                          dp);
            }
            const double s = bench::process_cpu_seconds() - t;
            std::printf("%s: %.2f ms CPU, %.1f G multiply-adds/s\n",
                        resident == courses ? "equations spread over memory" : "equations cache-resident", 1e3 * s,
                        1e-9 * madds / s);
        }
    }
    return 0;
}
