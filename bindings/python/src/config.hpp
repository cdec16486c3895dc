// One binding for every hyperparameter struct of learnrec._core (AlsConfig, BprConfig, ...): a
// keyword constructor whose defaults are the C++ struct's own, read-write attributes, validate()
// and a repr, all from one list of fields.
#pragma once

#include <string>
#include <type_traits>

#include "common.hpp"

namespace learnrec::python {

/// One hyperparameter: its Python name, the member it binds and its docstring.
template <class C, class T>
struct Field {
    const char* name;
    T C::*member;
    const char* doc;
};

template <class C, class T>
Field<C, T> field(const char* name, T C::*member, const char* doc) {
    return {name, member, doc};
}

/// A value as Python source: True / False, an enum's member (`AlsSolver.cg`, or `cg` when not
/// qualified), a number in its shortest round-trip form.
template <class T>
std::string python_text(const T& v, bool qualified) {
    if constexpr (std::is_same_v<T, bool>) {
        return v ? "True" : "False";
    } else if constexpr (std::is_enum_v<T>) {
        const py::object e = py::cast(v);
        const std::string member = py::str(e.attr("name"));
        return qualified ? std::string(py::str(py::type::of(e).attr("__name__"))) + "." + member : member;
    } else {
        return fmt::format("{}", v);
    }
}

/// Binds C as `name` from its fields: C(**fields) with C{}'s defaults, an attribute per field,
/// validate() and __repr__. Enums a field uses must be bound before. Returns the class for
/// what one struct adds (derived properties).
template <class C, class... T>
py::class_<C> bind_config(py::module_& m, const char* name, const char* doc, Field<C, T>... fields) {
    py::class_<C> cls(m, name, doc);
    const C defaults{};
    cls.def(py::init([fields...](T... values) {
                C c;
                ((c.*(fields.member) = values), ...);
                return c;
            }),
            py::arg_v(fields.name, defaults.*(fields.member), python_text(defaults.*(fields.member), true).c_str())...);
    (cls.def_readwrite(fields.name, fields.member, fields.doc), ...);
    cls.def("validate", [](const C& c) { c.validate(); }, "Raises LearnrecError on an invalid value.");
    cls.def("__repr__", [name, fields...](const C& c) {
        std::string out = std::string(name) + "(";
        const char* sep = "";
        ((out += sep + std::string(fields.name) + "=" + python_text(c.*(fields.member), false), sep = ", "), ...);
        return out + ")";
    });
    return cls;
}

}  // namespace learnrec::python
