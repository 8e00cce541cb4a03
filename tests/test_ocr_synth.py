"""The synthetic OCR generator and the repair benchmark's metrics (benchmarks/)."""

from __future__ import annotations

import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import ocr_synth  # noqa: E402
import repair_bench  # noqa: E402
from ocr_synth import (  # noqa: E402
    INJECTED_KINDS,
    Article,
    make_born_digital_document,
    make_ocr_document,
)
from repair_bench import Scorer, cer, levenshtein, normalise, wer  # noqa: E402

SEEDS = range(40)


@pytest.fixture(scope="module")
def documents() -> list[ocr_synth.SyntheticDocument]:
    return [make_ocr_document(seed) for seed in SEEDS]


def test_corpus_is_large_and_licensed() -> None:
    articles = ocr_synth.load_articles()
    words = sum(len(p.split()) for a in articles for p in a.paragraphs)
    assert len(articles) >= 6 and words >= 5000
    assert all(a.title and a.deck for a in articles)
    assert len(ocr_synth.load_born_digital()) >= 4
    assert "CC0" in (ocr_synth.CORPUS / "SOURCES.md").read_text(encoding="utf-8")


def test_generator_is_deterministic() -> None:
    assert make_ocr_document(3) == make_ocr_document(3)
    assert make_ocr_document(3).raw != make_ocr_document(4).raw
    assert make_born_digital_document(5) == make_born_digital_document(5)


def test_every_artifact_kind_is_injected_and_annotated(documents) -> None:
    kinds = Counter(a.kind for d in documents for a in d.artifacts)
    assert set(INJECTED_KINDS) <= set(kinds), set(INJECTED_KINDS) - set(kinds)
    for document in documents:
        for artifact in document.artifacts:
            assert document.raw[artifact.raw_start : artifact.raw_end] == artifact.raw
            assert document.truth[artifact.truth_start : artifact.truth_end] == artifact.expected


def test_annotations_say_what_was_done(documents) -> None:
    for document in documents:
        for a in document.artifacts:
            if a.kind in ("hyphen-soft", "hyphen-name", "hyphen-column", "hyphen-compound"):
                # The word's head ends a line with a hyphen, its tail starts a later line.
                hyphen = "" if a.kind == "hyphen-compound" else "-"
                assert "\n" in a.raw and any(
                    a.raw.startswith(a.expected[:i] + hyphen + "\n")
                    or a.raw.startswith(a.expected[:i] + hyphen + " \n")
                    for i in range(1, len(a.expected))
                    if a.raw.endswith(a.expected[i:])
                ), a
            elif a.kind == "drop-cap":
                assert a.raw == a.expected[0] + " " + a.expected[1:]
            elif a.kind in ("split-letters", "space-before-punct"):
                assert a.raw.replace(" ", "") == a.expected.replace(" ", "") and " " in a.raw
            elif a.kind == "small-caps":
                assert " ".join(a.raw.split()).lower() == a.expected.lower() != a.raw
            elif a.kind == "folio":
                assert re.search(r"\d", a.raw) and a.raw not in document.truth.splitlines()
            elif a.kind == "space-run":
                assert re.fullmatch(" {2,}", a.raw)
            elif a.kind in ("ligature", "mojibake", "soft-hyphen"):
                assert a.raw != a.expected


def test_truth_has_no_artifacts(documents) -> None:
    articles = {a.name: a for a in ocr_synth.load_articles()}
    for document in documents:
        truth = document.truth
        assert truth.endswith("\n") and "\n\n\n" not in truth
        assert "  " not in truth and " \n" not in truth
        assert not re.search(r"[\ufb00-\ufb06\u00ad]|â€|Ã", truth)
        assert not re.search(r"\w-\n", truth)
        article = articles[document.layout["article"]]
        allowed = {article.title, article.deck, *article.paragraphs}
        for paragraph in truth.strip("\n").split("\n\n"):
            # Every paragraph is from the article, or a pull quote of one of its sentences.
            assert paragraph in allowed or any(paragraph[1:-1] in p for p in article.paragraphs), (
                paragraph
            )


def test_born_digital_differs_only_in_whitespace_rules() -> None:
    for seed in range(10):
        document = make_born_digital_document(seed)
        assert ocr_synth.canonical_born_digital(document.raw) == document.truth
        assert {a.kind for a in document.artifacts} <= {"trailing-space", "blank-run"}


def _slow_levenshtein(a, b) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


def test_levenshtein_matches_the_textbook_definition() -> None:
    rng = random.Random(1)
    for _ in range(300):
        a = "".join(rng.choice("abc ") for _ in range(rng.randint(0, 80)))
        b = "".join(rng.choice("abc ") for _ in range(rng.randint(0, 80)))
        assert levenshtein(a, b) == _slow_levenshtein(a, b), (a, b)
    long = "x" * 200 + "abc"
    assert levenshtein(long, long[::-1]) == _slow_levenshtein(long, long[::-1])


def test_error_rates_on_known_examples() -> None:
    assert cer("abd", "abc") == pytest.approx(1 / 3)
    assert cer("abc", "abc") == 0.0
    assert cer("", "abcd") == 1.0
    assert cer("kitten", "sitting") == pytest.approx(3 / 7)
    assert wer("the cat sat", "the cat sat on") == pytest.approx(1 / 4)
    assert wer("a b c", "x y") == pytest.approx(3 / 2)
    # Whitespace is normalised: line breaks inside a paragraph and trailing spaces are not errors,
    # a paragraph break is one character.
    assert normalise("One \ntwo  three\n\n\nFour\n") == "One two three\nFour"
    assert cer("One\ntwo", "One two") == 0.0
    assert cer("One\n\ntwo", "One two") == pytest.approx(1 / 7)


def test_scorer_gives_full_marks_to_the_truth_and_none_to_raw(documents) -> None:
    for document in documents:
        runs = sum(a.kind == "space-run" for a in document.artifacts)
        perfect = Scorer(document, document.truth)
        raw = Scorer(document, document.raw)
        assert all(perfect.score(a, runs) == 1.0 for a in document.artifacts)
        for artifact in document.artifacts:
            if artifact.kind in INJECTED_KINDS and artifact.kind != "small-caps":
                assert raw.score(artifact, runs) == 0.0, artifact
        assert perfect.damaged(raw.mapping) == []


def test_scorer_catches_a_damaged_word_and_a_kept_folio() -> None:
    document = make_ocr_document(2)
    runs = sum(a.kind == "space-run" for a in document.artifacts)
    folio = next(a for a in document.artifacts if a.kind == "folio")
    hyphen = next(a for a in document.artifacts if a.kind == "hyphen-soft")
    broken = (
        document.truth[: hyphen.truth_start]
        + hyphen.expected[:2]
        + " "
        + hyphen.expected[2:]
        + document.truth[hyphen.truth_end : folio.truth_start]
        + " "
        + folio.raw
        + " "
        + document.truth[folio.truth_start :]
    )
    scorer = Scorer(document, broken)
    assert scorer.score(hyphen, runs) == 0.0
    assert scorer.score(folio, runs) == 0.0
    raw = Scorer(document, document.raw)
    # A word that was right in the raw text and is now wrong is a false edit.
    real = next(a for a in document.artifacts if a.kind == "real-hyphen")
    damaged_text = document.truth.replace(real.expected, real.expected.replace("-", ""), 1)
    assert len(Scorer(document, damaged_text).damaged(raw.mapping)) >= 1


def test_naive_baseline() -> None:
    assert (
        repair_bench.naive_repair("mas-\nsacre and\nmore\n\nNext") == "massacre and more\n\nNext\n"
    )


def test_benchmark_runs_end_to_end_on_a_tiny_document(capsys) -> None:
    tiny = Article(
        "tiny",
        "A Small Test",
        "A deck in small caps about the harbour.",
        tuple(ocr_synth.load_articles()[0].paragraphs[:3]),
    )
    documents = [make_ocr_document(1, articles=[tiny]), make_born_digital_document(1)]
    report = repair_bench.run_benchmark(documents, runs=1, examples=1)
    assert report["documents"] == {"ocr": 1, "born_digital": 1}
    assert report["errors"]["raw"]["cer"] > 0
    assert "naive" in report["throughput"]["mb_per_s"]
    json.dumps(report)
    text = repair_bench.format_report(report)
    assert "CER" in text and "artifact accuracy" in text
    if report["engine"]:
        assert "repair" in report["errors"] and report["targets_met"] is not None

    argv = ["--quick", "--ocr", "1", "--born-digital", "1", "--runs", "1", "--json"]
    assert repair_bench.main(argv) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["documents"] == {"ocr": 1, "born_digital": 1}
    assert len(printed["per_document"]) == 2
    assert repair_bench.main(["--ocr", "0"]) == 2


def test_token_spans_locate_every_token(documents) -> None:
    for document in documents[:10]:
        for text in (document.raw, document.truth):
            spans = repair_bench.token_spans(text)
            if spans is None:  # not NFC: offsets are not looked up
                continue
            found = repair_bench.tokens(text)
            assert len(spans) == len(found)
            for (start, end), token in zip(spans, found, strict=True):
                if token != repair_bench.PARAGRAPH:
                    assert text[start:end] == token


def test_a_repair_that_raises_is_reported_not_fatal() -> None:
    def broken(text: str):
        raise ValueError("boom")

    documents = [make_ocr_document(1), make_born_digital_document(1)]
    report = repair_bench.run_benchmark(documents, runs=1, engine=broken)
    assert [c["document"] for c in report["crashes"]] == [d.name for d in documents]
    assert report["targets_met"]["no_crash"] is False
    assert "CRASHES: 2" in repair_bench.format_report(report)


def test_documents_can_be_written_out(tmp_path: Path) -> None:
    assert ocr_synth.main(["--out", str(tmp_path), "--ocr", "1", "--born", "1"]) == 0
    document = make_ocr_document(0)
    assert (tmp_path / f"{document.name}.raw.txt").read_text(encoding="utf-8") == document.raw
    record = json.loads((tmp_path / f"{document.name}.json").read_text(encoding="utf-8"))
    assert record["truth"] == document.truth and record["artifacts"]


def test_docstring_examples_hold() -> None:
    # benchmarks/ is outside pytest's doctest paths: run its examples here.
    import doctest

    for module in (ocr_synth, repair_bench):
        failed, attempted = doctest.testmod(module)
        assert attempted > 0 and failed == 0, module.__name__


def test_generator_copes_with_small_articles() -> None:
    articles = [
        Article("bare", "T", "", ("One short paragraph.",)),
        Article("small", "A title", "A deck.", ("Word " * 5 + "end.", "Another " * 40 + "end.")),
    ]
    for seed in range(50):
        document = make_ocr_document(seed, articles=articles)
        runs = sum(a.kind == "space-run" for a in document.artifacts)
        perfect = Scorer(document, document.truth)
        assert all(perfect.score(a, runs) == 1.0 for a in document.artifacts)


def test_a_block_moved_to_the_wrong_paragraph_break_is_not_fixed(documents) -> None:
    tried = 0
    for document in documents:
        paragraphs = document.truth.rstrip("\n").split("\n\n")
        for artifact in document.artifacts:
            if artifact.kind != "interruption" or artifact.expected not in paragraphs:
                continue
            index = paragraphs.index(artifact.expected)
            if index + 1 >= len(paragraphs):
                continue
            late = [*paragraphs[:index], paragraphs[index + 1], artifact.expected]
            late += paragraphs[index + 2 :]
            scorer = Scorer(document, "\n\n".join(late) + "\n")
            assert scorer.score(artifact, 0) == 0.0
            assert Scorer(document, document.truth).score(artifact, 0) == 1.0
            tried += 1
    assert tried >= 3
