"""Synthetic deliveries at any size, valid against the standard — for benchmarks and tests."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from ida import csv_safe
from ida.standard.vocabularies import provinces, vocabulary

WORDS = ("data", "sensor", "fiets", "lucht", "stikstof", "bodem", "water", "energie", "mobiliteit", "wijk",
         "erfgoed", "landbouw", "verkeer", "privacy", "dashboard", "algoritme", "samenwerking", "opschaling")


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


QUESTIONS = ("Hoe betrouwbaar zijn de gegevens?", "Wie beheert de data na afloop?", "Wat levert het de opgave op?")
SCAN_DATES = (date(2024, 12, 31), date(2025, 12, 31))


def write_delivery(folder: Path, province: str, experiments: int, lessons_per_experiment: int, seed: int = 0) -> None:
    """Write experimenten.csv, lessen.csv, resultaten.csv and (v1.1) zelfscan.csv for one province into
    `folder`. Lessons name a learning question now and then; decided dilemmas carry their decision."""
    rng = random.Random(f"{seed}-{province}")
    core_tasks, lines = vocabulary("kerntaken").codes, vocabulary("ida_sporen").codes
    phases, directions = vocabulary("fasen").codes, vocabulary("leerrichtingen").codes
    categories, levels = vocabulary("categorieen").codes, vocabulary("escalatieniveaus").codes
    values, statuses = vocabulary("publieke_waarden").codes, vocabulary("lesstatussen").codes
    folder.mkdir(parents=True, exist_ok=True)
    prefix = province.lower()
    with (folder / "experimenten.csv").open("w", newline="", encoding="utf-8") as exp_file, \
         (folder / "lessen.csv").open("w", newline="", encoding="utf-8") as les_file, \
         (folder / "resultaten.csv").open("w", newline="", encoding="utf-8") as res_file:
        exp_out, les_out, res_out = csv_safe.writer(exp_file), csv_safe.writer(les_file), csv_safe.writer(res_file)
        exp_out.writerow(["experiment_id", "provincie", "titel", "samenvatting", "kerntaak", "ida_spoor", "fase",
                          "reden_gestopt", "startdatum", "einddatum", "partners", "publieke_waarden", "trefwoorden", "budget_eur",
                          "leervragen"])
        les_out.writerow(["les_id", "experiment_id", "datum", "leerrichting", "categorie", "les", "dilemma",
                          "publieke_waarden", "escalatieniveau", "status", "leervraag", "besluit", "besloten_door",
                          "besloten_op"])
        res_out.writerow(["experiment_id", "indicator", "eenheid", "nulmeting", "doel", "waarde", "gemeten_op"])
        for number in range(1, experiments + 1):
            experiment_id = f"{prefix}-syn-{number:05d}"
            start = date(2019, 1, 1) + timedelta(days=rng.randrange(2500))
            phase = rng.choice(phases)
            exp_out.writerow([experiment_id, province, f"Synthetisch experiment {number} {rng.choice(WORDS)}",
                              _sentence(rng, 25), rng.choice(core_tasks), rng.choice(lines), phase,
                              "Geen vervolgfinanciering." if phase == "gestopt" else "", start.isoformat(),
                              (start + timedelta(days=rng.randrange(30, 900))).isoformat(),
                              "Gemeente|Waterschap", rng.choice(values), f"synthetisch|{rng.choice(WORDS)}",
                              f"{rng.randrange(5_000, 2_000_000)}", "|".join(QUESTIONS)])
            for lesson in range(1, lessons_per_experiment + 1):
                dilemma = rng.random() < 0.15
                status = rng.choice(statuses)
                raised = start + timedelta(days=rng.randrange(1, 700))
                decided = dilemma and status == "besloten"
                les_out.writerow([f"{experiment_id}-l{lesson:03d}", experiment_id, raised.isoformat(), rng.choice(directions),
                                  rng.choice(categories), _sentence(rng, 40), "ja" if dilemma else "nee",
                                  rng.choice(values) if dilemma else "", rng.choice(levels) if dilemma else "",
                                  status, rng.randrange(1, len(QUESTIONS) + 1) if rng.random() < 0.3 else "",
                                  _sentence(rng, 12) if decided else "", rng.choice(levels) if decided else "",
                                  (raised + timedelta(days=rng.randrange(0, 300))).isoformat() if decided else ""])
            for indicator in range(rng.randrange(0, 3)):
                res_out.writerow([experiment_id, f"Indicator {indicator + 1}", "aantal", rng.randrange(0, 50),
                                  rng.randrange(50, 500), rng.randrange(0, 600),
                                  (start + timedelta(days=rng.randrange(30, 800))).isoformat()])


    with (folder / "zelfscan.csv").open("w", newline="", encoding="utf-8") as scan_file:
        scan_out = csv_safe.writer(scan_file)
        scan_out.writerow(["provincie", "peildatum", "aanbeveling", "niveau", "toelichting"])
        for recommendation in vocabulary("aanbevelingen").codes:
            level = rng.randrange(1, 5)
            for reference in SCAN_DATES:
                scan_out.writerow([province, reference.isoformat(), recommendation, level, _sentence(rng, 10)])
                level = min(5, level + rng.randrange(0, 2))


def write_deliveries(out: Path, experiments: int, lessons_per_experiment: int, seed: int = 0) -> None:
    """One delivery per province, in the landing-zone layout `<out>/<CBS code>/`."""
    for province in provinces().codes:
        write_delivery(out / province, province, experiments, lessons_per_experiment, seed)
