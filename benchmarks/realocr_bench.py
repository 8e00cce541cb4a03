"""Benchmark the OCR repair on real newspaper OCR with human ground truth.

    python benchmarks/realocr_bench.py [--data DIR] [--quick] [--ablate] [--json] [--check]

Reads ``../shared/realocr-dev/smh/`` (one folder per article: ``ocr.txt`` as the OCR engine
delivered it, ``gt.txt`` its line-aligned human correction); when that folder is absent it says
so and exits 0: the data is never copied into this repository. Each ``ocr.txt`` is repaired with
the default configuration and both the raw and the repaired text are scored against the ground
truth as the data's README says: the ground truth's printed line-end hyphens are joined (``-⏎``
before a lowercase letter), and every run of whitespace counts as one space (the repair reflows
lines into paragraphs; the ground truth has none).

It prints:

- mean CER and WER (per document, and pooled over all characters), raw and repaired;
- the documents the repair made worse by more than 0.1% CER, each with the places that did it:
  ground-truth words that were right in the raw text and are wrong after repair, with a diff
  excerpt and the rules whose edits cover the place in the output;
- with ``--ablate``, each rule's harm and help: the set repaired again with that rule off, the
  characters of error the rule adds (harm) and removes (help), and the documents on each side.

Targets (issue 9): mean CER below raw, at most 2 documents worse by more than 0.1% CER.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from repair_bench import align, levenshtein

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "realocr-dev" / "smh"
WORSE_BY = 0.001
"""A document is made worse when its CER rises by more than this (0.1 percentage point)."""
TARGET_WORSE = 2
QUICK_DOCUMENTS = 30
GT_HYPHEN = re.compile(r"-[ \t]*\n(?=[ \t]*[^\W\d_A-Z])")
"""A printed line-end hyphen in the ground truth: ``-⏎`` before a lowercase letter."""
WORD = re.compile(r"\S+")


@dataclass
class Document:
    name: str
    ocr: str
    truth: str
    """The ground truth, hyphens joined and whitespace normalised."""


@dataclass
class Score:
    distance: int
    length: int
    word_distance: int
    words: int

    @property
    def cer(self) -> float:
        return self.distance / self.length if self.length else float(self.distance > 0)

    @property
    def wer(self) -> float:
        return self.word_distance / self.words if self.words else float(self.word_distance > 0)


@dataclass
class Outcome:
    """One document repaired: its text, its log, its score."""

    output: str
    score: Score
    result: Any = None
    notes: Counter[str] = field(default_factory=Counter)


def normalise(text: str) -> str:
    """NFC, every run of whitespace one space, no space at the ends.

    >>> normalise(" A  b\\n\\n c ")
    'A b c'
    """
    return " ".join(unicodedata.normalize("NFC", text).split())


def prepare_truth(gt: str) -> str:
    """The ground truth in comparison form: printed line-end hyphens joined, whitespace normalised.

    >>> prepare_truth("pro-\\nsperous and well-\\nKnown\\n\\nend")
    'prosperous and well- Known end'
    """
    return normalise(GT_HYPHEN.sub("", gt))


def score(text: str, truth: str) -> Score:
    hypothesis = normalise(text)
    return Score(
        levenshtein(hypothesis, truth),
        len(truth),
        levenshtein(hypothesis.split(), truth.split()),
        len(truth.split()),
    )


def load(data: Path, limit: int | None = None) -> list[Document]:
    documents = []
    for folder in sorted(path for path in data.iterdir() if (path / "ocr.txt").is_file()):
        gt = folder / "gt.txt"
        if not gt.is_file():
            continue
        ocr = (folder / "ocr.txt").read_text(encoding="utf-8")
        documents.append(Document(folder.name, ocr, prepare_truth(gt.read_text(encoding="utf-8"))))
        if limit and len(documents) >= limit:
            break
    return documents


def load_engine() -> tuple[Callable[..., Any], Any, tuple[str, ...]] | None:
    try:
        from preserve.repair import OCR_RULES, RepairConfig, repair
    except ImportError:
        return None
    return repair, RepairConfig, OCR_RULES


# ---------------------------------------------------------------------------------------------
# Where a document was made worse


def damage(
    document: Document, raw: str, output: str, final_spans: list[Any]
) -> list[dict[str, Any]]:
    """Places where ground-truth words right in the raw text are wrong in the output.

    Each place: the truth words there, what raw and output hold there, and the rules whose
    edits cover the output span (``(no edit there)`` when none do, e.g. a block moved away).
    """
    truth = document.truth.split()
    raw_words = raw.split()
    found = [(m.start(), m.end()) for m in WORD.finditer(unicodedata.normalize("NFC", output))]
    out_words = [output[s:e] for s, e in found] if len(found) == len(output.split()) else []
    if not out_words:  # not NFC: fall back to word positions of the normalised text
        out_words = normalise(output).split()
        found = []
    raw_map = align(truth, raw_words)
    out_map = align(truth, out_words)
    damaged = [i for i in range(len(truth)) if raw_map[i] >= 0 and out_map[i] < 0]
    places: list[dict[str, Any]] = []
    runs: list[list[int]] = []
    for index in damaged:
        if runs and index - runs[-1][-1] <= 2:
            runs[-1].append(index)
        else:
            runs.append([index])
    for run in runs:
        lo, hi = run[0], run[-1] + 1
        left = lo - 1
        while left >= 0 and out_map[left] < 0:
            left -= 1
        right = hi
        while right < len(truth) and out_map[right] < 0:
            right += 1
        out_lo = out_map[left] + 1 if left >= 0 else 0
        out_hi = out_map[right] if right < len(truth) else len(out_words)
        raw_left = max(0, raw_map[lo] - 2)
        raw_right = raw_map[hi - 1] + 3 if raw_map[hi - 1] >= 0 else raw_left + 6
        rules: set[str] = set()
        if found:
            start = found[out_lo - 1][1] if out_lo > 0 else 0
            end = found[out_hi][0] if out_hi < len(found) else len(output)
            for edit, s, e in final_spans:
                # whitespace turned into whitespace changes no word; removed, it may glue
                if (
                    s <= end
                    and e >= start
                    and (edit.before.strip() or edit.after.strip() or not edit.after)
                ):
                    rules.add(edit.rule)
        places.append(
            {
                "truth": " ".join(truth[max(0, lo - 2) : hi + 2]),
                "raw": " ".join(raw_words[raw_left:raw_right]),
                "repaired": " ".join(
                    out_words[max(0, out_lo - 2) : min(len(out_words), out_hi + 2)]
                )
                or "(nothing)",
                "words": len(run),
                "rules": sorted(rules) or ["(no edit there)"],
            }
        )
    return places


# ---------------------------------------------------------------------------------------------
# Runs


def run_set(
    documents: Sequence[Document],
    repair: Callable[..., Any],
    config: Any,
    keep_results: bool = False,
) -> list[Outcome]:
    outcomes = []
    for document in documents:
        result = repair(document.ocr, config)
        notes: Counter[str] = Counter(note["rule"] for note in result.log.notes)
        outcomes.append(
            Outcome(
                result.text,
                score(result.text, document.truth),
                result if keep_results else None,
                notes,
            )
        )
    return outcomes


def ablate(
    documents: Sequence[Document],
    full: Sequence[Outcome],
    repair: Callable[..., Any],
    config_type: Any,
    rules: Sequence[str],
) -> dict[str, dict[str, Any]]:
    """Each rule's effect: the set repaired with the rule off, compared document by document.

    ``harm`` is the error (characters) the rule adds where turning it off lowers the distance,
    ``help`` what it removes where turning it off raises it.
    """
    effects: dict[str, dict[str, Any]] = {}
    for rule in rules:
        config = config_type(rules=tuple(name for name in rules if name != rule))
        harm = helped = harmed_docs = helped_docs = 0
        for document, baseline in zip(documents, full, strict=True):
            output = repair(document.ocr, config).text
            if output == baseline.output:
                continue
            without = score(output, document.truth).distance
            delta = baseline.score.distance - without  # > 0: the rule made it worse
            if delta > 0:
                harm += delta
                harmed_docs += 1
            elif delta < 0:
                helped -= delta
                helped_docs += 1
        effects[rule] = {
            "harm": harm,
            "help": helped,
            "net": helped - harm,
            "documents_harmed": harmed_docs,
            "documents_helped": helped_docs,
        }
    return effects


def run_benchmark(
    data: Path, limit: int | None, with_ablation: bool, examples: int
) -> dict[str, Any] | None:
    engine = load_engine()
    documents = load(data, limit)
    raw_scores = [score(document.ocr, document.truth) for document in documents]
    report: dict[str, Any] = {"data": str(data), "documents": len(documents)}
    report["raw"] = _summary(raw_scores)
    if engine is None:
        report["engine"] = "not installed"
        return report
    repair, config_type, rules = engine
    full = run_set(documents, repair, config_type(), keep_results=True)
    report["repaired"] = _summary([outcome.score for outcome in full])
    worse = []
    per_document = []
    for document, raw_score, outcome in zip(documents, raw_scores, full, strict=True):
        change = outcome.score.cer - raw_score.cer
        per_document.append(
            {
                "name": document.name,
                "raw_cer": raw_score.cer,
                "repaired_cer": outcome.score.cer,
                "raw_wer": raw_score.wer,
                "repaired_wer": outcome.score.wer,
                "notes": dict(outcome.notes),
            }
        )
        if change > WORSE_BY:
            places = damage(
                document, document.ocr, outcome.output, outcome.result.log.final_spans()
            )
            worse.append(
                {
                    "name": document.name,
                    "raw_cer": raw_score.cer,
                    "repaired_cer": outcome.score.cer,
                    "places": places[:examples] if examples >= 0 else places,
                    "place_count": len(places),
                    "rules": dict(Counter(rule for place in places for rule in place["rules"])),
                }
            )
    worse.sort(key=lambda item: item["raw_cer"] - item["repaired_cer"])
    report["worse"] = worse
    report["better"] = sum(
        1
        for raw, outcome in zip(raw_scores, full, strict=True)
        if outcome.score.cer < raw.cer - WORSE_BY
    )
    report["notes"] = dict(sum((outcome.notes for outcome in full), Counter()))
    report["edits"] = dict(sum((Counter(outcome.result.summary()) for outcome in full), Counter()))
    report["per_document"] = per_document
    if with_ablation:
        report["rules"] = ablate(documents, full, repair, config_type, rules)
    report["targets"] = {
        "mean_cer_below_raw": report["repaired"]["mean_cer"] < report["raw"]["mean_cer"],
        "at_most_2_worse": len(worse) <= TARGET_WORSE,
    }
    return report


def _summary(scores: Sequence[Score]) -> dict[str, float]:
    return {
        "mean_cer": statistics.fmean(s.cer for s in scores) if scores else 0.0,
        "mean_wer": statistics.fmean(s.wer for s in scores) if scores else 0.0,
        "pooled_cer": sum(s.distance for s in scores) / max(1, sum(s.length for s in scores)),
        "pooled_wer": sum(s.word_distance for s in scores) / max(1, sum(s.words for s in scores)),
        "distance": sum(s.distance for s in scores),
    }


def format_report(report: dict[str, Any]) -> str:
    lines = [f"Real-OCR benchmark: {report['documents']} documents from {report['data']}", ""]
    raw = report["raw"]
    if "repaired" not in report:
        lines.append(f"raw mean CER {raw['mean_cer']:.2%}; engine not installed")
        return "\n".join(lines)
    repaired = report["repaired"]
    lines.append(f"{'':24}{'raw':>10}{'repaired':>10}")
    for key, label in (
        ("mean_cer", "mean CER"),
        ("mean_wer", "mean WER"),
        ("pooled_cer", "pooled CER"),
        ("pooled_wer", "pooled WER"),
    ):
        lines.append(f"{label:24}{raw[key]:>10.2%}{repaired[key]:>10.2%}")
    lines.append(f"{'char distance':24}{raw['distance']:>10}{repaired['distance']:>10}")
    lines.append("")
    worse = report["worse"]
    lines.append(
        f"documents better by > 0.1% CER: {report['better']}; worse by > 0.1% CER: {len(worse)}"
    )
    for item in worse:
        lines.append(
            f"  {item['name']}: CER {item['raw_cer']:.2%} -> {item['repaired_cer']:.2%}, "
            f"{item['place_count']} place(s); rules {item['rules']}"
        )
        for place in item["places"]:
            lines.append(f"    truth:    {place['truth']}")
            lines.append(f"    raw:      {place['raw']}")
            lines.append(f"    repaired: {place['repaired']}   [{', '.join(place['rules'])}]")
    if report.get("notes"):
        lines.append("")
        lines.append(
            "notes (rules that stood down or left text alone): "
            + ", ".join(f"{rule} {count}" for rule, count in sorted(report["notes"].items()))
        )
    lines.append(
        "edits per rule: "
        + ", ".join(f"{rule} {count}" for rule, count in sorted(report["edits"].items()))
    )
    if report.get("rules"):
        lines.append("")
        lines.append(f"{'rule (run with it off)':34}{'harm':>7}{'help':>7}{'net':>7}  docs -/+")
        for rule, effect in report["rules"].items():
            lines.append(
                f"{rule:34}{effect['harm']:>7}{effect['help']:>7}{effect['net']:>7}"
                f"  {effect['documents_harmed']}/{effect['documents_helped']}"
            )
    targets = report["targets"]
    lines.append("")
    lines.append(
        "targets: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in targets.items())
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of articles")
    parser.add_argument("--quick", action="store_true", help=f"first {QUICK_DOCUMENTS} documents")
    parser.add_argument("--limit", type=int, default=None, help="first N documents")
    parser.add_argument("--ablate", action="store_true", help="each rule's harm and help (slow)")
    parser.add_argument("--examples", type=int, default=5, help="places shown per worse document")
    parser.add_argument("--json", action="store_true", help="the figures as JSON")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"realocr_bench: skipped, no real OCR set at {args.data} (give --data DIR)")
        return 0
    limit = args.limit or (QUICK_DOCUMENTS if args.quick else None)
    report = run_benchmark(args.data, limit, args.ablate, args.examples)
    if report is None:
        return 0
    if args.json:
        print(json.dumps(report, indent=1, ensure_ascii=False))
    else:
        report = dict(report)
        print(format_report(report))
    if args.check and not all(report.get("targets", {}).values()):
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
