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


def write_delivery(folder: Path, province: str, experiments: int, lessons_per_experiment: int, seed: int = 0) -> None:
    """Write experimenten.csv, lessen.csv and resultaten.csv for one province into `folder`."""
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
                          "reden_gestopt", "startdatum", "einddatum", "partners", "publieke_waarden", "trefwoorden", "budget_eur"])
        les_out.writerow(["les_id", "experiment_id", "datum", "leerrichting", "categorie", "les", "dilemma",
                          "publieke_waarden", "escalatieniveau", "status"])
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
                              f"{rng.randrange(5_000, 2_000_000)}"])
            for lesson in range(1, lessons_per_experiment + 1):
                dilemma = rng.random() < 0.15
                les_out.writerow([f"{experiment_id}-l{lesson:03d}", experiment_id,
                                  (start + timedelta(days=rng.randrange(1, 700))).isoformat(), rng.choice(directions),
                                  rng.choice(categories), _sentence(rng, 40), "ja" if dilemma else "nee",
                                  rng.choice(values) if dilemma else "", rng.choice(levels) if dilemma else "",
                                  rng.choice(statuses)])
            for indicator in range(rng.randrange(0, 3)):
                res_out.writerow([experiment_id, f"Indicator {indicator + 1}", "aantal", rng.randrange(0, 50),
                                  rng.randrange(50, 500), rng.randrange(0, 600),
                                  (start + timedelta(days=rng.randrange(30, 800))).isoformat()])


def write_deliveries(out: Path, experiments: int, lessons_per_experiment: int, seed: int = 0) -> None:
    """One delivery per province, in the landing-zone layout `<out>/<CBS code>/`."""
    for province in provinces().codes:
        write_delivery(out / province, province, experiments, lessons_per_experiment, seed)
