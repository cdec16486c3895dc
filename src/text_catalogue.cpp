// learnrec text — what the index reads, from a ranking catalogue or the academy (see text/index.hpp).
#include "learnrec/data/academy.hpp"
#include "learnrec/text/index.hpp"

namespace learnrec::text {

std::vector<CourseText> course_texts(const ranking::Catalogue& catalogue) {
    std::vector<CourseText> out;
    out.reserve(catalogue.courses.size());
    for (const auto& f : catalogue.courses) {
        CourseText t{f.id, f.title, f.description, f.topic, {}, f.languages};
        for (const auto& s : f.skills) t.skills.push_back(s.skill);
        out.push_back(std::move(t));
    }
    return out;
}

SkillVocabulary academy_skill_vocabulary() {
    SkillVocabulary out;
    for (auto& p : academy_skill_phrases()) out.add({std::move(p.skill), std::move(p.language), std::move(p.phrase)});
    return out;
}

}  // namespace learnrec::text
