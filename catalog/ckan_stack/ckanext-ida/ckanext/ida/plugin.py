"""The CKAN plugin `ida`: the settings of the project's DCAT-AP-NL profile, and the lessons in the search index.

- Settings: config_declaration.yaml declares the `ckanext.ida.*` keys the `dcat_ap_nl` RDF profile
  (profiles.py, an entry point in `ckan.rdf.profiles`) reads, so CKAN checks them at start
  (config.mode = strict) and `ckan config declaration ida` documents them.
- Search: an experiment's lessons are the scheming field `lessen` (a list of items, stored as JSON). Left
  alone, CKAN indexes that JSON as one untokenised string field (`lessen`, where Solr refuses a term over
  32 KB) and as JSON text in `extras_lessen` (non-ASCII escaped, so "coördinatie" is not found). This
  plugin indexes the lessons as plain text instead: `extras_lessen` holds each lesson's text, category,
  direction and whether it is a dilemma, one lesson per line; Solr copies it into `text`, so a plain
  package_search finds an experiment by a word from its lessons, and `extras_lessen:word` searches the
  lessons only. List `ida` after `scheming_datasets` in `ckan.plugins`.
"""

from __future__ import annotations

import json
from typing import Any

import ckan.plugins as plugins
import ckan.plugins.toolkit as toolkit

LESSONS = "lessen"


def lessons_of(pkg_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The lessons of a dataset dict as CKAN hands it to the index (validated copy first)."""
    try:
        validated = json.loads(pkg_dict.get("validated_data_dict") or "{}")
    except ValueError:
        validated = {}
    value = validated.get(LESSONS) or pkg_dict.get(LESSONS) or pkg_dict.get(f"extras_{LESSONS}")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [item for item in value or [] if isinstance(item, dict)]


def lessons_text(lessons: list[dict[str, Any]]) -> str:
    """One line per lesson: its text, category, direction and 'dilemma' when it is one."""
    lines = []
    for item in lessons:
        parts = [item.get("les"), item.get("categorie"), item.get("leerrichting"),
                 "dilemma" if item.get("dilemma") == "ja" else None]
        lines.append(" ".join(str(p).strip() for p in parts if p))
    return "\n".join(line for line in lines if line)


@toolkit.blanket.config_declarations
class IdaPlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IPackageController, inherit=True)

    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        lessons = lessons_of(pkg_dict)
        pkg_dict.pop(LESSONS, None)  # never as one string term
        if lessons:
            pkg_dict[f"extras_{LESSONS}"] = lessons_text(lessons)
        else:
            pkg_dict.pop(f"extras_{LESSONS}", None)
        return pkg_dict
