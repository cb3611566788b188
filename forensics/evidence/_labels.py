"""Documented lineage of a labelled panel, and who may serve as a control for a (suspect, reference).

A labels file (YAML)::

    references: [text_davinci_003, gpt-3.5-turbo-0301]
    models:
      alpaca-7b: {teacher: text_davinci_003}     # documented student of that reference
      vicuna-7b: {teachers: [gpt-3.5-turbo-0301]} # several teachers may be listed
      llama-2-7b-chat-hf: {teacher: null}         # no documented training on another model's outputs
      guanaco-7b: {teacher: null, noisy: true}    # label open to doubt
      alpaca-7b_concise: {same_as: alpaca-7b}     # same weights, another prompt (re-hosted)
      gpt-3.5-turbo-1106: {family: gpt-3.5-turbo-0301, vendor: OpenAI}
      gemini-pro: {vendor: Google}

Optional per model: `group: NAME` names its lineage group for cross-validation (default: the
same_as/family component it belongs to).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from forensics.core import InputError, loc_text, read_yaml_file

MAX_LABELS_BYTES = 1_000_000


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    teacher: str | None = None
    teachers: list[str] = Field(default_factory=list)
    same_as: str | None = None
    family: str | None = None
    vendor: str | None = None
    noisy: bool = False
    group: str | None = None

    @model_validator(mode="after")
    def _one_teacher_field(self) -> "_Entry":
        if self.teacher and self.teachers:
            raise ValueError("give either teacher or teachers, not both")
        return self


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    references: list[str] = Field(default_factory=list)
    models: dict[str, _Entry]


@dataclass(frozen=True)
class Admission:
    """Who may serve as a control for (suspect, reference), and why each other model may not."""

    admitted: list[str]
    excluded: dict[str, str] = field(default_factory=dict)  # model -> reason


@dataclass
class Labels:
    """Documented lineage of the models of a panel (documented, not proven)."""

    references: list[str]
    models: dict[str, _Entry]

    def __contains__(self, name: str) -> bool:
        return name in self.models

    def teachers(self, name: str) -> set[str]:
        e = self.models.get(name)
        if e is None:
            return set()
        own = set(e.teachers) | ({e.teacher} if e.teacher else set())
        if e.same_as:  # the same weights inherit the original's teachers
            own |= self.teachers(e.same_as) if e.same_as != name else set()
        return own

    def vendor(self, name: str) -> str | None:
        e = self.models.get(name)
        if e is None:
            return None
        if e.vendor:
            return e.vendor
        for up in (e.same_as, e.family):
            if up and up != name and (v := self.vendor(up)):
                return v
        return None

    def same_weights(self, name: str) -> set[str]:
        """The model and every model documented as its same weights (either direction)."""
        root = self._root(name)
        return {m for m in self.models if self._root(m) == root} | {name}

    def _root(self, name: str) -> str:
        seen = set()
        while name in self.models and self.models[name].same_as and name not in seen:
            seen.add(name)
            name = self.models[name].same_as
        return name

    def relatives(self, name: str) -> set[str]:
        """The model, its same weights, its family (either direction) and its vendor's models."""
        out = set(self.same_weights(name))
        for m, e in self.models.items():
            if e.family and (e.family in out or m in out):
                out |= self.same_weights(m) | self.same_weights(e.family)
        vendor = self.vendor(name)
        if vendor:
            out |= {m for m in self.models if self.vendor(m) == vendor}
        return out

    def group(self, name: str) -> str:
        """The lineage group a model is held out with in cross-validation: its `group:` label, else
        the name stem ('alpaca' for alpaca-7b-neft) shared by its same-weights and family models."""
        e = self.models.get(name)
        if e is not None and e.group:
            return e.group
        root = self._root(name)
        if e is not None and e.family:
            root = self._root(e.family)
        return _stem(root)

    def independent_of(self, model: str, reference: str) -> str | None:
        """None when `model` is documented as independent of `reference`, else why not."""
        e = self.models.get(model)
        if e is None:
            return "not in the labels"
        rel = self.relatives(reference)
        if model in rel:
            return f"a relative of {reference} (same weights, family or vendor)"
        taught = self.teachers(model)
        if taught & rel:
            return f"a student of {', '.join(sorted(taught & rel))}"
        if e.noisy:
            return "its label is open to doubt (noisy)"
        if not e.model_fields_set & {"teacher", "teachers", "same_as", "family", "vendor"}:
            return "no documented lineage"
        return None  # documented independent, or another vendor's student

    def related_to(self, model: str, suspect: str) -> str | None:
        """Why `model` is related to the suspect (None when it is not, as far as documented)."""
        if model in self.relatives(suspect):
            return f"a relative of the suspect {suspect}"
        if model in self.teachers(suspect):
            return "the suspect's teacher"
        if suspect in self.teachers(model):
            return f"a student of the suspect {suspect}"
        if model in self.models and suspect in self.models and self.group(model) == self.group(suspect):
            return f"the same model line as the suspect ({self.group(suspect)})"
        if self.teachers(model) & self.teachers(suspect):
            return f"shares a teacher with the suspect ({', '.join(sorted(self.teachers(model) & self.teachers(suspect)))})"
        return None

    def admissible_controls(self, models: list[str], suspect: str, reference: str) -> Admission:
        """Every model of the run documented as independent of R and unrelated to S."""
        admitted, excluded = [], {}
        for m in models:
            if m in (suspect, reference):
                continue
            why = self.independent_of(m, reference) or self.related_to(m, suspect)
            if why:
                excluded[m] = why
            else:
                admitted.append(m)
        return Admission(admitted, excluded)

    def pair_label(self, suspect: str, reference: str) -> str:
        """h1 (S documented student of R), same (same weights), h2 (independent), or other."""
        if suspect not in self.models or reference not in self.models:
            return "other"
        if suspect in self.same_weights(reference):
            return "same"
        if reference in self.teachers(suspect):
            return "h1"
        if self.independent_of(suspect, reference) is None:
            return "h2"
        return "other"


def _stem(name: str) -> str:
    """The leading letters of a model name, lower-cased: its developer's model line."""
    head = re.match(r"[A-Za-z]+", name)
    return head.group(0).lower() if head else name


def load_labels(path: str | Path) -> Labels:
    """Read and validate a labels file; every problem is an InputError naming the file."""
    data = read_yaml_file(path, "labels file", MAX_LABELS_BYTES)
    try:
        f = _File.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        raise InputError(f"{path}: field '{loc_text(err['loc'])}': {err['msg']}") from None
    for name, e in f.models.items():
        for other in (e.same_as, e.family, *( [e.teacher] if e.teacher else []), *e.teachers):
            if other and other not in f.models and other not in f.references:
                raise InputError(f"{path}: model {name!r} names {other!r}, which the labels do not list")
    return Labels(list(f.references), dict(f.models))
