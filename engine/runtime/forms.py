"""Which form a form key names, and whether submitted data fits it: the one place both are answered.

Keys starting `model:` name forms a deployed model carries itself (intake/forms.py, stored at deploy
in `model_form`); every other key names a form of the pack, which validates it (records included).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from ..errors import FieldError, Text
from ..intake.forms import MODEL_FORM_PREFIX, field_errors
from ..pack import Pack
from ..store.tables import ModelForm
from .recent import Recent

KEPT_MODEL_FORMS = 1000  # the model forms kept in memory, the most recently used


class Forms:
    """Form schemas and validation for pack forms and model forms (cached: a model form never changes)."""

    def __init__(self, pack: Pack, keep: int = KEPT_MODEL_FORMS) -> None:
        self.pack = pack
        self._model_forms: Recent[str, Mapping[str, Any]] = Recent(keep)

    def remember(self, forms: Mapping[str, Mapping[str, Any]]) -> None:
        """Know a model's forms before (or without) deploying it: a draft's simulation.

        Only the `keep` most recently used are kept (every simulation remembers its draft's forms anew, so
        simulating one edit after another cannot fill the memory); a deployed form dropped is read from its row again.
        """
        for key, schema in forms.items():
            self._model_forms.put(key, schema)

    def schema(self, session: Session, form_key: str | None) -> Mapping[str, Any] | None:
        """The JSON Schema a form key names, or None."""
        if not form_key:
            return None
        if not form_key.startswith(MODEL_FORM_PREFIX):
            return self.pack.forms.get(form_key)
        found = self._model_forms.get(form_key)
        if found is None:
            row = session.get(ModelForm, form_key)
            if row is None:
                return None
            found = row.schema
            self.remember({form_key: found})
        return found

    def validate(self, session: Session, form_key: str | None, data: Mapping[str, Any]) -> list[FieldError]:
        """Every problem of submitted data, each naming its field (the pack also checks the records named)."""
        if not form_key or not form_key.startswith(MODEL_FORM_PREFIX):
            return self.pack.validate_form(form_key, data, session)
        schema = self.schema(session, form_key)
        if schema is None:
            return [FieldError("form", Text("unknown form '{form}'", form=form_key))]
        return field_errors(schema, data)

    def filled(self, session: Session, form_key: str | None, data: Mapping[str, Any],
               case: Mapping[str, Any]) -> dict[str, Any]:
        """What a submission of a form puts into a case: its data, and the form's defaults for the fields it leaves
        out that the case holds no value for yet, so a model may read every field its form declares."""
        schema = self.schema(session, form_key) or {}
        defaults = {name: spec["default"] for name, spec in schema.get("properties", {}).items()
                    if "default" in spec and name not in case}
        return {**defaults, **data}
