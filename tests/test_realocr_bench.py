"""The real-OCR benchmark's scoring and the synthetic newspaper pages (benchmarks/).

The real set lives outside the repository (``../shared/realocr-dev``); these tests make their own
tiny set of invented articles in ``tmp_path``.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import realocr_bench  # noqa: E402
from ocr_synth import NEWSPAPER_KINDS, make_newspaper_document  # noqa: E402
from repair_bench import Scorer  # noqa: E402

OCR = (
    "TIIE HARBOUR BOARD.\n"
    "The board met yesterday after-\n"
    "noon, the chairman presiding , and\n"
    "received the engineer's report on tbe\n"
    "wharf at the foot of Market-street.\n"
)
GT = (
    "THE HARBOUR BOARD.\n"
    "The board met yesterday after-\n"
    "noon, the chairman presiding, and\n"
    "received the engineer's report on the\n"
    "wharf at the foot of Market-street.\n"
)


def write_article(folder: Path, name: str, ocr: str, gt: str) -> None:
    article = folder / name
    article.mkdir(parents=True)
    (article / "ocr.txt").write_text(ocr, encoding="utf-8")
    (article / "gt.txt").write_text(gt, encoding="utf-8")


def test_ground_truth_hyphens_are_joined_only_before_a_lowercase_letter() -> None:
    assert realocr_bench.prepare_truth("pro-\nsperous well-\nKnown 1914-\n18") == (
        "prosperous well- Known 1914- 18"
    )


def test_scores_count_characters_and_words_with_whitespace_normalised() -> None:
    score = realocr_bench.score("The  cat\nsat", "The cat sat")
    assert (score.distance, score.word_distance, score.cer) == (0, 0, 0.0)
    assert realocr_bench.score("The cat sit", "The cat sat").distance == 1


def test_the_benchmark_skips_cleanly_without_the_real_set(tmp_path: Path, capsys) -> None:
    assert realocr_bench.main(["--data", str(tmp_path / "absent")]) == 0
    assert "skipped" in capsys.readouterr().out


def test_the_benchmark_scores_raw_and_repaired_and_lists_what_got_worse(tmp_path: Path) -> None:
    write_article(tmp_path, "000_1890_1", OCR, GT)
    report = realocr_bench.run_benchmark(tmp_path, None, with_ablation=True, examples=5)
    assert report is not None and report["documents"] == 1
    # the repair joins 'after-⏎noon' and takes out the space before the comma: better than raw
    assert report["repaired"]["distance"] < report["raw"]["distance"]
    assert report["worse"] == []
    effects = report["rules"]
    assert effects["join_line_end_hyphens"]["help"] > 0
    assert effects["restore_small_caps"] == {
        "harm": 0,
        "help": 0,
        "net": 0,
        "documents_harmed": 0,
        "documents_helped": 0,
    }
    assert report["targets"] == {"mean_cer_below_raw": True, "at_most_2_worse": True}


def test_a_document_made_worse_names_the_place_and_the_rule(tmp_path: Path) -> None:
    """Ground truth that keeps the print's spaced comma: the repair's removal is a harm."""
    ocr = (
        "TIIE HARBOUR BOARD.\n"
        "The board met yesterday in the\n"
        "afternoon, the chairman presiding , and\n"
        "received the engineer's report on tbe\n"
        "wharf at the foot of Market-street\n"
        "and on the state of the old pier.\n"
    )
    gt = ocr.replace("TIIE", "THE").replace("tbe", "the")
    write_article(tmp_path, "000_1890_1", ocr, gt)
    report = realocr_bench.run_benchmark(tmp_path, None, with_ablation=False, examples=5)
    assert report is not None
    # one character in a text this short is more than 0.1% of its CER
    [worse] = report["worse"]
    [place] = worse["places"]
    assert place["rules"] == ["remove_space_before_punctuation"]
    assert "presiding," in place["repaired"] and "presiding ," in place["raw"]


def test_newspaper_pages_are_deterministic_and_their_blocks_located() -> None:
    page = make_newspaper_document(7)
    assert page == make_newspaper_document(7)
    assert page.raw != make_newspaper_document(8).raw
    for artifact in page.artifacts:
        assert page.raw[artifact.raw_start : artifact.raw_end] == artifact.raw
        assert page.truth[artifact.truth_start : artifact.truth_end] == artifact.expected


def test_the_truth_scores_every_newspaper_block_and_raw_lines_do_not() -> None:
    pages = [make_newspaper_document(seed) for seed in range(12)]
    kinds = {a.kind for page in pages for a in page.artifacts}
    assert set(NEWSPAPER_KINDS) <= kinds
    for page in pages:
        truth = Scorer(page, page.truth)
        for artifact in page.artifacts:
            if artifact.kind in NEWSPAPER_KINDS:
                assert truth.score(artifact, 0) == 1.0
    # in the raw text no block is a paragraph of its own unless blank lines set it apart
    rows = [
        raw.score(artifact, 0)
        for page in pages
        for artifact in page.artifacts
        if artifact.kind == "table-row"
        for raw in [Scorer(page, page.raw)]
    ]
    assert rows and min(rows) == 0.0
