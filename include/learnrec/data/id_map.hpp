// learnrec — mapping between external string ids and dense indices.
//
// Thread safety: const members are safe from many threads; insert() is not.
// Complexity: find/insert O(1) expected; memory O(total id length).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "learnrec/error.hpp"
#include "learnrec/types.hpp"

namespace learnrec {

class IdMap {
public:
    IdMap() = default;
    /// Builds from distinct ids; index i is ids[i]. Duplicate or empty ids are an error.
    explicit IdMap(std::vector<std::string> ids) {
        for (auto& id : ids) {
            LEARNREC_CHECK(!id.empty(), "empty id at index {}", size());
            LEARNREC_CHECK(find(id) == std::nullopt, "duplicate id '{}'", id);
            insert(std::move(id));
        }
    }

    /// Index of `id`, adding it when new.
    index_t insert(std::string id) {
        auto it = index_.find(id);
        if (it != index_.end()) return it->second;
        LEARNREC_CHECK(ids_.size() < static_cast<std::size_t>(std::numeric_limits<index_t>::max()),
                       "more than {} distinct ids", std::numeric_limits<index_t>::max());
        const auto i = static_cast<index_t>(ids_.size());
        ids_.push_back(id);
        index_.emplace(std::move(id), i);
        return i;
    }
    std::optional<index_t> find(std::string_view id) const {
        auto it = index_.find(std::string(id));
        if (it == index_.end()) return std::nullopt;
        return it->second;
    }
    /// Index of `id`; throws naming `what` ("learner", "course") when unknown.
    index_t at(std::string_view id, std::string_view what = "id") const {
        auto i = find(id);
        LEARNREC_CHECK(i.has_value(), "unknown {} '{}'", what, id);
        return *i;
    }
    const std::string& id(index_t i) const {
        LEARNREC_CHECK(i >= 0 && static_cast<std::size_t>(i) < ids_.size(), "index {} outside [0, {})", i, ids_.size());
        return ids_[static_cast<std::size_t>(i)];
    }
    index_t size() const noexcept { return static_cast<index_t>(ids_.size()); }
    std::span<const std::string> ids() const noexcept { return ids_; }

private:
    std::vector<std::string> ids_;
    std::unordered_map<std::string, index_t> index_;
};

}  // namespace learnrec
