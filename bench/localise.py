"""What finding the dog costs per photo: every EMBEDDING_RECIPE side by side, in one run.

    .venv/bin/python -m bench.localise [--rounds 5]

EfficientNet-Lite0 (real weights) at EMBEDDING_PRECISION=auto, on darknet's 7 photos decoded as an
upload is (`open_checked_photo`, draft scale), one photo per `embed_images` call as on the upload
path. The recipes take turns photo by photo, so a change in the machine's load hits them alike;
each figure is the median over photos and rounds, in wall-clock time and in CPU time (all threads;
steadier when something else shares the machine). The issue's budget: at most 1.5x `whole`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--recipes", default="whole,flip,pool,crop,crop+flip,whole+crop")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shelter.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import override_settings

    from dogs.photos import EMBEDDING_DRAFT_SIZE, open_checked_photo
    from search import embeddings, sample_sets

    photos = []
    for path in sample_sets.darknet_photos():
        with path.open("rb") as handle:
            photos.append(open_checked_photo(handle, draft_to=EMBEDDING_DRAFT_SIZE).image)
    recipes = args.recipes.split(",")
    encoders = {}
    for recipe in recipes:
        with override_settings(EMBEDDING_MODEL="efficientnet-lite0", EMBEDDING_RECIPE=recipe):
            embeddings.reset()
            encoders[recipe] = embeddings.get_encoder()
            for image in photos:  # each photo size builds its kernels once, outside the timing
                encoders[recipe].encode_images([image])
    times: dict[str, list[float]] = {recipe: [] for recipe in recipes}
    cpu: dict[str, list[float]] = {recipe: [] for recipe in recipes}
    for _ in range(args.rounds):
        for image in photos:
            for recipe in recipes:
                started, started_cpu = time.perf_counter(), time.process_time()
                encoders[recipe].encode_images([image])
                times[recipe].append(time.perf_counter() - started)
                cpu[recipe].append(time.process_time() - started_cpu)
    base = statistics.median(times["whole"]) if "whole" in times else None
    cpu_base = statistics.median(cpu["whole"]) if "whole" in cpu else None
    print(
        f"efficientnet-lite0, precision {encoders[recipes[0]].precision}, {settings.TORCH_THREADS or 'default'} "
        f"torch threads; {len(photos)} darknet photos x {args.rounds} rounds, one photo per call"
    )
    print(f"{'recipe':<18}{'median ms':>10}{'p90 ms':>9}{'x whole':>9}{'CPU ms':>9}{'x whole':>9}")
    for recipe, seconds in times.items():
        median, cpu_median = statistics.median(seconds), statistics.median(cpu[recipe])
        p90 = statistics.quantiles(seconds, n=10)[-1]
        ratio = f"{median / base:.2f}" if base else "-"
        cpu_ratio = f"{cpu_median / cpu_base:.2f}" if cpu_base else "-"
        print(f"{recipe:<18}{median * 1000:>10.1f}{p90 * 1000:>9.1f}{ratio:>9}{cpu_median * 1000:>9.1f}{cpu_ratio:>9}")

    worker_path(photos, encoders, args.rounds)


def worker_path(photos, encoders: dict, rounds: int) -> None:
    """The worker's call, `embed_and_find_dogs` on a batch of the photos: the vector and the dog's box.

    Against `whole` through `embed_in_order` (the vector alone, as before issue 21). With `whole`
    the box costs a second, smaller pass; `pool` and the crop recipes find it in their own pass.
    The photos are cut to 4:3 at 1024 x 768, as from one phone: `pool` batches photos of one
    shape (darknet's come in five).
    """
    from PIL import ImageOps

    from search import embeddings
    from search.embeddings import embed_and_find_dogs, embed_in_order

    phone = [ImageOps.fit(image, (1024, 768)) for image in photos]
    loaders = [lambda image=image: image for image in phone]
    runs = {"whole, vector only (before)": ("whole", embed_in_order)}
    runs |= {f"{recipe} + box": (recipe, embed_and_find_dogs) for recipe in encoders}
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds + 1):  # the first round builds each batch size's kernels
        for name, (recipe, call) in runs.items():
            embeddings._loaded = (embeddings._configured_key(), encoders[recipe])
            started = time.perf_counter()
            list(call(loaders, batch_size=len(photos)))
            times[name].append((time.perf_counter() - started) / len(photos))
    embeddings.reset()
    base = statistics.median(times["whole, vector only (before)"][1:])
    print(f"\nThe worker's path: embed_and_find_dogs, {len(photos)} photos (4:3, 1024 x 768) per batch, per photo")
    print(f"{'recipe':<30}{'median ms':>10}{'x before':>10}")
    for name, seconds in times.items():
        median = statistics.median(seconds[1:])
        print(f"{name:<30}{median * 1000:>10.1f}{median / base:>10.2f}")


if __name__ == "__main__":
    main()
