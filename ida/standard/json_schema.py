"""The standard as JSON Schema (draft 2020-12), generated from `standard.py` and the vocabularies.

It describes the JSON form of a delivery; cell-level leniency of CSV/XLSX (Dutch dates and
numbers, labels for codes) is the validator's, so the schema lists the canonical forms.
"""

from __future__ import annotations

from typing import Any

from ida.standard.record_types import ID_PATTERN, RECORD_TYPES, STANDARD_VERSION, Column, Kind
from ida.standard.vocabularies import vocabulary

DATE_PATTERN = r"^(\d{4}-\d{2}-\d{2}|\d{1,2}([-/])\d{1,2}\2\d{4})$"  # as values.parse_date: one kind of separator


def _vocab(column: Column) -> dict[str, Any]:
    vocab = vocabulary(column.vocabulary or "")
    names = [n for row in vocab.rows for n in (row["code"], row.get("label") or row.get("naam")) if n]
    return {"type": "string", "enum": vocab.codes, "x-labels": {r["code"]: r.get("label") or r.get("naam") for r in vocab.rows},
            "x-also-accepted": sorted(set(names) - set(vocab.codes))}


def column_schema(column: Column) -> dict[str, Any]:
    match column.kind:
        case Kind.ID:
            schema: dict[str, Any] = {"type": "string", "pattern": ID_PATTERN}
        case Kind.TEXT if column.name == "leervraag":  # v1.1: a position (1 = the first) or the question's text
            schema = {"anyOf": [{"type": "integer", "minimum": 1},
                                {"type": "string", **({"maxLength": column.max_length} if column.max_length else {})}]}
        case Kind.TEXT:
            schema = {"type": "string", **({"maxLength": column.max_length} if column.max_length else {})}
        case Kind.VOCAB if column.vocabulary == "volwassenheidsniveaus":  # v1.1: a whole number 1-5, or its label
            schema = {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 5}, _vocab(column)]}
        case Kind.PROVINCE | Kind.VOCAB:
            schema = _vocab(column)
        case Kind.VOCAB_LIST:
            schema = {"type": "array", "items": _vocab(column)}
        case Kind.TEXT_LIST:
            schema = {"type": "array", "items": {"type": "string"}}
        case Kind.DATE:
            schema = {"type": "string", "pattern": DATE_PATTERN, "format": "date"}
        case Kind.NUMBER:
            schema = {"type": ["number", "string"], **({"minimum": column.minimum} if column.minimum is not None else {})}
        case Kind.BOOLEAN:
            schema = {"type": ["boolean", "string"], "enum": [True, False, "ja", "nee", "j", "n", "true", "false", "1", "0"]}
        case Kind.EMAIL:
            schema = {"type": "string", "format": "email"}
    if not column.required:
        schema = {"anyOf": [schema, {"type": "null"}]}
    return {"description": column.description, **schema} if column.description else schema


def delivery_schema() -> dict[str, Any]:
    """The JSON Schema of a delivery: `{"experimenten": [...], "lessen": [...], "resultaten": [...],
    "zelfscan": [...], "intrekkingen": [...]}` (the last two since v1.1)."""
    definitions = {
        name: {
            "type": "object",
            "description": record_type.description,
            "properties": {c.name: column_schema(c) for c in record_type.columns},
            "required": [c.name for c in record_type.columns if c.required],
        }
        for name, record_type in RECORD_TYPES.items()
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://ida-leerplatform.nl/standaard/v{STANDARD_VERSION}/levering.schema.json",
        "title": f"IDA Leerplatform — levering (standaard v{STANDARD_VERSION})",
        "type": "object",
        "properties": {name: {"type": "array", "items": {"$ref": f"#/$defs/{name}"}} for name in RECORD_TYPES},
        "minProperties": 1,
        "additionalProperties": False,
        "$defs": definitions,
    }
