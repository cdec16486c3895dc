// learnrec._core — push campaigns (learnrec::campaign): one call runs a campaign from files.
//
// Bulk data stays in files (the campaign output, the push log); Python reads them as columns
// (learnrec/campaign.py). The report comes back as its JSON text.
#include "common.hpp"

#include "learnrec/campaign/campaign.hpp"
#include "learnrec/campaign/push_log.hpp"
#include "learnrec/data/csv.hpp"

namespace learnrec::python {

/// The spec every campaign call starts from (run_campaign, campaign_why_not): `now` as YYYY-MM-DD.
campaign::CampaignSpec campaign_spec(const std::string& now, const std::string& id, index_t k, int num_threads) {
    campaign::CampaignSpec spec;
    const auto t = parse_timestamp(now);
    LEARNREC_CHECK(t.has_value(), "now '{}' is not a date (YYYY-MM-DD)", now);
    spec.id = id;
    spec.now = *t;
    spec.k = k;
    spec.num_threads = num_threads;
    return spec;
}

void register_campaign(py::module_& m) {
    m.def(
        "run_campaign",
        [](const std::string& model, const std::string& catalogue, const std::string& log, const std::string& out,
           const std::string& now, const std::string& campaign_id, const std::string& rules, index_t k,
           const std::string& format, const std::string& events, std::vector<std::string> countries,
           std::vector<std::string> regions, std::vector<std::string> departments, std::vector<std::string> roles,
           std::vector<std::string> learners, int num_threads, py::object progress, const std::string& digests) {
            campaign::CampaignSpec spec = campaign_spec(now, campaign_id, k, num_threads);
            spec.format = campaign::parse_output_format(format);
            spec.digests = digests;
            spec.target = {std::move(countries), std::move(regions), std::move(departments), std::move(roles),
                           std::move(learners)};
            if (!progress.is_none())
                spec.progress = [progress](std::size_t done, std::size_t total) {
                    py::gil_scoped_acquire gil;
                    progress(done, total);
                };
            std::string report;
            {
                py::gil_scoped_release release;
                if (!rules.empty()) spec.settings = campaign::read_campaign_settings(rules);
                const auto audience = campaign::load_audience(model, catalogue, events, num_threads);
                report = campaign::run_campaign(audience, spec, log, out).to_json();
            }
            return report;
        },
        py::arg("model"), py::arg("catalogue"), py::arg("log"), py::arg("out"), py::arg("now"), py::arg("campaign"),
        py::arg("rules") = "", py::arg("k") = 0, py::arg("format") = "csv", py::arg("events") = "",
        py::arg("countries") = std::vector<std::string>{}, py::arg("regions") = std::vector<std::string>{},
        py::arg("departments") = std::vector<std::string>{}, py::arg("roles") = std::vector<std::string>{},
        py::arg("learners") = std::vector<std::string>{}, py::arg("num_threads") = 0,
        py::arg("progress") = py::none(), py::arg("digests") = "",
        "Runs a push campaign from files (README, 'Push campaigns'); returns the report as JSON text.");

    m.def(
        "append_push_records",
        [](const std::string& log, const std::vector<std::string>& times, const std::vector<std::string>& campaigns,
           const std::vector<std::string>& learners, const std::vector<std::string>& courses,
           const std::vector<std::string>& events) {
            const std::size_t n = times.size();
            LEARNREC_CHECK(campaigns.size() == n && learners.size() == n && courses.size() == n && events.size() == n,
                           "append_push_records: columns of different lengths ({}, {}, {}, {}, {})", n,
                           campaigns.size(), learners.size(), courses.size(), events.size());
            std::vector<campaign::PushRecord> records(n);
            for (std::size_t i = 0; i < n; ++i) {
                const auto t = parse_timestamp(times[i]);
                LEARNREC_CHECK(t.has_value(), "row {}: time '{}' is not a date or ISO timestamp", i, times[i]);
                records[i] = {*t, campaigns[i], learners[i], courses[i], campaign::parse_push_event(events[i]), false};
            }
            py::gil_scoped_release release;
            campaign::append_push_records(log, records);
        },
        py::arg("log"), py::arg("times"), py::arg("campaigns"), py::arg("learners"), py::arg("courses"),
        py::arg("events"), "Appends records (responses) to a push log, fsync'ed.");
}

}  // namespace learnrec::python
