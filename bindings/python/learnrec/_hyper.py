"""Each model's hyperparameters, declared once: the constructor's signature and defaults, the C++
configuration built from them, the arguments that rebuild a model from a file, ``get_params`` and
the repr all read the same table, so adding a hyperparameter is one entry."""

from __future__ import annotations

import inspect
from typing import Any, Dict, Mapping, Optional, Tuple

from ._validation import seed_from

#: The Python name of the C++ seed field: every seeded model takes implicit's ``random_state``.
_SEED = "random_state"


class Hypers:
    """An ordered table of hyperparameters (name -> default, in the constructor's positional order).

    ``config`` is the C++ configuration type the values fill (None: the model has none); a value is
    cast to its default's type (int, float, bool), ``random_state`` becomes the C++ ``seed`` through
    :func:`seed_from`, a name in ``choices`` maps a string to a C++ enum, and ``renamed`` gives the
    C++ field of a name that differs. ``extra`` names constructor arguments that are not
    hyperparameters of the configuration (implicit's aliases such as ``dtype``): they take part in
    the signature only.
    """

    def __init__(self, config: Any, renamed: Optional[Mapping[str, str]] = None,
                 choices: Optional[Mapping[str, Mapping[str, Any]]] = None,
                 extra: Optional[Mapping[str, Any]] = None, **defaults: Any) -> None:
        self.config = config
        self.defaults: Dict[str, Any] = dict(defaults)
        self.renamed: Dict[str, str] = dict(renamed or {})
        if _SEED in defaults:
            self.renamed.setdefault(_SEED, "seed")
        self.choices: Dict[str, Mapping[str, Any]] = dict(choices or {})
        self.extra: Dict[str, Any] = dict(extra or {})
        params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        for name, default in list(self.defaults.items()) + list(self.extra.items()):
            params.append(inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default))
        self.signature = inspect.Signature(params)

    @property
    def names(self) -> Tuple[str, ...]:
        return tuple(self.defaults)

    def bind(self, owner: str, args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Dict[str, Any]:
        """Every constructor argument (defaults filled in); TypeError for unknown or repeated ones.
        Choices are checked by the caller once the ``extra`` arguments had their say (``use_cg``)."""
        try:
            bound = self.signature.bind(None, *args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{owner}(): {e}") from None
        bound.apply_defaults()
        values = dict(bound.arguments)
        del values["self"]
        return values

    def check_choice(self, name: str, value: Any) -> None:
        options = self.choices[name]
        if value not in options:
            raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}")

    def params(self, model: Any) -> Dict[str, Any]:
        """The model's current hyperparameters, in table order."""
        return {name: getattr(model, name) for name in self.defaults}

    def make_config(self, model: Any, seed: Optional[int] = None) -> Any:
        """The validated C++ configuration of the model's current values (``seed`` overrides random_state)."""
        fields: Dict[str, Any] = {}
        for name, default in self.defaults.items():
            value = getattr(model, name)
            if name == _SEED:
                value = seed_from(value) if seed is None else seed
            elif name in self.choices:
                self.check_choice(name, value)
                value = self.choices[name][value]
            elif default is not None:
                value = type(default)(value)
            fields[self.renamed.get(name, name)] = value
        config = self.config(**fields)
        config.validate()
        return config

    def from_config(self, config: Any) -> Dict[str, Any]:
        """The constructor arguments that reproduce ``config``'s values (learnrec.load)."""
        out = {}
        for name in self.defaults:
            value = getattr(config, self.renamed.get(name, name))
            if name in self.choices:
                value = next(key for key, member in self.choices[name].items() if member == value)
            out[name] = value
        return out
