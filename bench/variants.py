"""The CLIP image tower alone: ways to run it, against the machine's own matmul peak.

All variants run on the same preprocessed photos (CLIP's processor on the benchmark
JPEGs, draft-decoded as the app decodes them), one batch at a time:

* pytorch-fp32: `get_image_features`, plain PyTorch float32, the reference for cosines;
* reunite-float32 / reunite-bfloat16: the forward Reunite's encoder runs in each precision
  (oneDNN packed matmuls; bfloat16 autocast with the matmul weights cast once);
* pytorch-bf16-autocast, pytorch-bf16-weights (the whole model in bfloat16),
  pytorch-int8-dynamic (Linear layers), pytorch-fp32-channels-last;
* torch-compile-fp32: `torch.compile` with inductor's freezing (oneDNN fusion), when a C
  compiler is on PATH and the run is not --quick; its compile time is reported;
* ONNX Runtime float32 and int8 dynamic quantisation, when onnxruntime (and onnx, to
  export) can be imported. onnxruntime is not a Reunite dependency: install it beside the
  benchmark only, e.g.
  `.venv/bin/pip install --no-deps --target .cache/bench/pylib onnxruntime onnx protobuf ml_dtypes`.

The machine's peak is torch's own 2048x2048 matmul in float32 and bfloat16 (aten, and
oneDNN's linear for float32: the faster of the two counts), at the same thread count,
timed in the same interleaved rounds as the variants. A variant's GFLOP/s is its images/s x 8.82 GFLOPs (ViT-B/32's
image tower per image), shown as a share of the peak of its precision.

Throughput: best of interleaved rounds (a noisy neighbour slows one round, not the best).
A variant is "usable" if faster than pytorch-fp32 AND its min cosine to it is >= 0.99;
the centred cosine (bench.embedding.centred_cosines) tells how much of what separates
photos survives, which random weights make raw cosines hide.

Run by hand: python -m bench.variants '<json spec>'
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from dogs.photos import EMBEDDING_DRAFT_SIZE

from .runtime import CACHE

PYLIB = CACHE / "pylib"
GFLOPS_PER_IMAGE = 8.82  # ViT-B/32 image tower, forward
MATMUL_SIDE = 2048
REFERENCE = "pytorch-fp32"


def _features(output):
    return output.pooler_output if hasattr(output, "pooler_output") else output


def _pixels(model, photos: list[str]):
    from PIL import Image

    images = []
    for path in photos:
        image = Image.open(path)
        image.draft("RGB", (EMBEDDING_DRAFT_SIZE, EMBEDDING_DRAFT_SIZE))
        image.load()
        images.append(image.convert("RGB"))
    return model[0].processor.image_processor(images=images, return_tensors="pt")["pixel_values"]


def _pytorch_runners(clip, tower, batch) -> tuple[dict, dict]:
    import torch

    runners, skipped = {}, {}

    def run_in(module, dtype=None, autocast=False, memory_format=None):
        def run(x):
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
                x = x if dtype is None else x.to(dtype)
                x = x if memory_format is None else x.contiguous(memory_format=memory_format)
                return module(x).float().numpy()

        return run

    runners[REFERENCE] = lambda x: _reference(clip, x)
    runners["pytorch-bf16-autocast"] = run_in(tower, autocast=True)
    runners["pytorch-bf16-weights"] = run_in(copy.deepcopy(tower).to(torch.bfloat16), dtype=torch.bfloat16)
    channels_last = copy.deepcopy(tower).to(memory_format=torch.channels_last)
    runners["pytorch-fp32-channels-last"] = run_in(channels_last, memory_format=torch.channels_last)
    try:
        quantised = torch.ao.quantization.quantize_dynamic(copy.deepcopy(tower), {torch.nn.Linear}, dtype=torch.qint8)
        runners["pytorch-int8-dynamic"] = run_in(quantised)
    except Exception as exc:  # noqa: BLE001 - report, do not fail the benchmark
        skipped["pytorch-int8-dynamic"] = f"{type(exc).__name__}: {exc}"
    return runners, skipped


def _reference(clip, x):
    import torch

    with torch.inference_mode():
        return _features(clip.get_image_features(pixel_values=x)).numpy()


def _reunite_runners(model_folder: str) -> dict:
    """The forwards Reunite's encoder runs, one per precision."""
    import torch

    from search.embeddings.clip import ClipEncoder

    runners = {}
    for precision in ("float32", "bfloat16"):
        encoder = ClipEncoder(model_folder, precision=precision)

        def run(x, forward=encoder._forward):
            with torch.inference_mode():
                return forward(x).float().numpy()

        runners[f"reunite-{precision}"] = run
    return runners


def _compiled_runner(tower, batch, enabled: bool) -> tuple[dict, dict, dict]:
    """torch.compile with freezing (oneDNN-fused, weights prepacked), timed to compile."""
    if not enabled:
        return {}, {"torch-compile-fp32": "not in --quick runs (compiling takes a minute or more)"}, {}
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        return {}, {"torch-compile-fp32": "no C compiler on PATH (inductor needs one on CPU)"}, {}
    import torch
    import torch._inductor.config as inductor

    inductor.freezing = True
    compiled = torch.compile(copy.deepcopy(tower))
    start = time.perf_counter()
    try:
        with torch.inference_mode():
            compiled(batch)
    except Exception as exc:  # noqa: BLE001 - report, do not fail the benchmark
        return {}, {"torch-compile-fp32": f"{type(exc).__name__}: {exc}"[:300]}, {}

    def run(x):
        with torch.inference_mode():
            return compiled(x).float().numpy()

    return {"torch-compile-fp32": run}, {}, {"torch-compile-fp32": time.perf_counter() - start}


def _peaks():
    """Functions timing torch's matmul at MATMUL_SIDE in float32 (aten and oneDNN) and bfloat16."""
    import torch

    a32, b32 = torch.randn(MATMUL_SIDE, MATMUL_SIDE), torch.randn(MATMUL_SIDE, MATMUL_SIDE)
    a16, b16 = a32.to(torch.bfloat16), b32.to(torch.bfloat16)
    return {
        "float32": lambda: a32 @ b32,
        "bfloat16": lambda: a16 @ b16,
        "float32-onednn": lambda: torch.ops.mkldnn._linear_pointwise(a32, b32, None, "none", [], ""),
    }


def _worker(spec: dict) -> dict:
    from .runtime import peak_rss_mb, quiet_libraries, setup_django

    quiet_libraries()
    setup_django(spec["env"], create_tables=False)
    import torch
    from sentence_transformers import SentenceTransformer

    from search.embeddings.clip import _VisionTower

    model = SentenceTransformer(spec["model"], device="cpu")
    clip = model[0].model.eval()
    pixels = _pixels(model, spec["photos"])
    batch = pixels[torch.arange(spec["batch"]) % len(pixels)]
    tower = _VisionTower(clip.vision_model, clip.visual_projection).eval()
    runners, skipped = _pytorch_runners(clip, tower, batch)
    runners.update(_reunite_runners(spec["model"]))
    compiled, reason, compile_s = _compiled_runner(tower, batch, spec["compile"])
    runners.update(compiled)
    skipped.update(reason)
    ort_runners, reason = _onnx_runners(tower, batch, Path(spec["model"]))
    if reason:
        skipped["onnxruntime"] = reason
    runners.update(ort_runners)
    peaks = _peaks()
    speeds, peak_flops = _timed_rounds(runners, peaks, batch, spec["rounds"])
    result = {
        "images_for_cosine": len(pixels),
        "batch": len(batch),
        "torch_threads": torch.get_num_threads(),
        "variants": _compared(runners, speeds, pixels, peak_flops),
        "peak_gflops": {name: max(v) / 1e9 for name, v in peak_flops.items()},
        "compile_s": compile_s,
        "skipped": skipped,
    }
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def _timed_rounds(runners: dict, peaks: dict, batch, rounds: int) -> tuple[dict, dict]:
    """Every variant and every peak in each round, rotating the order."""
    for run in runners.values():  # warm-up: allocations, kernel JIT
        run(batch[:2])
        run(batch)
    for peak in peaks.values():
        peak()
    speeds: dict[str, list[float]] = {name: [] for name in runners}
    flops: dict[str, list[float]] = {name: [] for name in peaks}
    jobs = [("variant", name) for name in runners] + [("peak", name) for name in peaks]
    for round_no in range(rounds):
        for kind, name in jobs[round_no % len(jobs) :] + jobs[: round_no % len(jobs)]:
            if kind == "variant":
                start = time.perf_counter()
                runners[name](batch)
                speeds[name].append(len(batch) / (time.perf_counter() - start))
            else:
                start = time.perf_counter()
                peaks[name]()
                flops[name].append(2 * MATMUL_SIDE**3 / (time.perf_counter() - start))
    return speeds, flops


def _compared(runners: dict, speeds: dict, pixels, peak_flops: dict) -> dict:
    from .embedding import centred_cosines

    outputs = {
        name: np.concatenate([run(pixels[i : i + 16]) for i in range(0, len(pixels), 16)])
        for name, run in runners.items()
    }
    outputs = {name: v / np.linalg.norm(v, axis=1, keepdims=True) for name, v in outputs.items()}
    reference, base_speed = outputs[REFERENCE], max(speeds[REFERENCE])
    compared = {}
    for name in runners:
        best = max(speeds[name])
        peak = "bfloat16" if "bf16" in name or "bfloat16" in name else "float32"
        entry = {
            "images_per_s_best": best,
            "images_per_s_runs": speeds[name],
            "speedup_vs_pytorch_fp32": best / base_speed,
            "gflops": best * GFLOPS_PER_IMAGE,
            "peak": peak,
            "share_of_peak": best * GFLOPS_PER_IMAGE * 1e9 / _peak(peak_flops, peak),
            "min_cosine": float((reference * outputs[name]).sum(1).min()),
            "min_centred_cosine": float(centred_cosines(reference, outputs[name]).min()),
        }
        if name != REFERENCE:
            entry["usable"] = bool(best > base_speed and entry["min_cosine"] >= 0.99)
        compared[name] = entry
    return compared


def _peak(peak_flops: dict, precision: str) -> float:
    """The best matmul torch did in this precision: aten's, or for float32 oneDNN's if faster."""
    return max(max(runs) for name, runs in peak_flops.items() if name.split("-")[0] == precision)


def _onnx_runners(tower, batch, model_folder: Path) -> tuple[dict, str]:
    if PYLIB.is_dir() and str(PYLIB) not in sys.path:
        sys.path.append(str(PYLIB))
    try:
        import onnxruntime as ort
    except ImportError:
        return {}, "onnxruntime is not installed (see the bench.variants docstring)"
    import os

    import torch

    folder = CACHE / "onnx"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = int((model_folder / "0_CLIPModel" / "model.safetensors").stat().st_mtime)
    fp32, int8 = folder / f"vision-{stamp}-fp32.onnx", folder / f"vision-{stamp}-int8.onnx"
    try:
        if not fp32.is_file():
            tmp = fp32.with_suffix(".tmp")
            torch.onnx.export(
                tower,
                (batch[:2],),
                str(tmp),
                input_names=["pixel_values"],
                output_names=["embedding"],
                dynamic_axes={"pixel_values": {0: "batch"}, "embedding": {0: "batch"}},
                opset_version=17,
                dynamo=False,
            )
            tmp.rename(fp32)
        if not int8.is_file():
            from onnxruntime.quantization import QuantType, quantize_dynamic

            tmp = int8.with_suffix(".tmp.onnx")
            quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8)
            tmp.rename(int8)
    except Exception as exc:  # noqa: BLE001 - report, do not fail the benchmark
        return {}, f"ONNX export/quantisation failed: {type(exc).__name__}: {exc}"
    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads() or os.cpu_count() or 1
    runners = {}
    for name, path in (("onnxruntime-fp32", fp32), ("onnxruntime-int8-dynamic", int8)):
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        runners[name] = lambda x, s=session: s.run(None, {"pixel_values": x.numpy()})[0]
    return runners, ""


def benchmark(
    *, env: dict, clip_folder: Path, photos: list[Path], rounds: int, batch: int, compile_model: bool, log
) -> dict:
    from .embedding import run_worker

    spec = {
        "env": env,
        "model": str(clip_folder),
        "photos": [str(p) for p in photos],
        "rounds": rounds,
        "batch": batch,
        "compile": compile_model,
    }
    result = run_worker("bench.variants", spec, timeout=1800)
    log(f"  matmul peak GFLOP/s: {', '.join(f'{k} {v:.0f}' for k, v in result['peak_gflops'].items())}")
    for name, entry in result["variants"].items():
        log(
            f"  variant {name}: {entry['images_per_s_best']:.2f} images/s = {entry['gflops']:.0f} GFLOP/s "
            f"({entry['share_of_peak']:.0%} of the {entry['peak']} peak), min cosine {entry['min_cosine']:.4f}"
        )
    return result


if __name__ == "__main__":
    print("RESULT " + json.dumps(_worker(json.loads(sys.argv[1]))), flush=True)
