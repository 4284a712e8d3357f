"""Faster ways to run the CLIP image tower, checked against PyTorch float32.

Variants, all on the same preprocessed photos (pixel_values of the benchmark
JPEGs, draft-decoded as search.sync does): PyTorch float32 (the reference,
what Reunite runs), PyTorch bfloat16 autocast, PyTorch int8 dynamic quantisation
of the Linear layers, and, when onnxruntime (and onnx, to export) can be
imported, ONNX Runtime float32 and int8 dynamic quantisation.

Throughput is of the model alone (images/s on one batch, best of interleaved
rounds); the acceptance rule is "faster than PyTorch float32 AND min cosine
>= 0.99 to its output on the same images". onnxruntime is not a Reunite
dependency: install it beside the benchmark only, e.g.

    .venv/bin/pip install --no-deps --target .cache/bench/pylib onnxruntime onnx protobuf ml_dtypes

Run by hand: python -m bench.variants '<json spec>'
"""

from __future__ import annotations

import copy
import json
import sys
import time
from pathlib import Path

import numpy as np

from dogs.photos import EMBEDDING_DRAFT_SIZE

from .runtime import CACHE

PYLIB = CACHE / "pylib"


def _features(output):
    return output.pooler_output if hasattr(output, "pooler_output") else output


def _worker(spec: dict) -> dict:
    from .runtime import peak_rss_mb, quiet_libraries

    quiet_libraries()
    import torch
    from PIL import Image
    from sentence_transformers import SentenceTransformer

    from .embedding import centred_cosines

    st = SentenceTransformer(spec["model"], device="cpu")
    clip = st[0].model.eval()
    processor = st[0].processor
    images = []
    for path in spec["photos"]:
        image = Image.open(path)
        image.draft("RGB", (EMBEDDING_DRAFT_SIZE, EMBEDDING_DRAFT_SIZE))
        image.load()
        images.append(image.convert("RGB"))
    pixels = processor(images=images, return_tensors="pt")["pixel_values"]
    batch = pixels[: spec["batch"]]
    if len(batch) < spec["batch"]:
        batch = pixels[torch.arange(spec["batch"]) % len(pixels)]

    class VisionTower(torch.nn.Module):
        def __init__(self, model) -> None:
            super().__init__()
            self.vision_model = model.vision_model
            self.visual_projection = model.visual_projection

        def forward(self, pixel_values):
            return self.visual_projection(self.vision_model(pixel_values=pixel_values).pooler_output)

    tower = VisionTower(clip).eval()
    runners: dict[str, object] = {}
    skipped: dict[str, str] = {}

    def torch_fp32(x):
        with torch.inference_mode():
            return _features(clip.get_image_features(pixel_values=x)).numpy()

    def torch_bf16(x):
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            return tower(x).float().numpy()

    runners["pytorch-fp32"] = torch_fp32
    runners["pytorch-bf16-autocast"] = torch_bf16
    try:
        quantised = torch.ao.quantization.quantize_dynamic(copy.deepcopy(tower), {torch.nn.Linear}, dtype=torch.qint8)

        def torch_int8(x):
            with torch.inference_mode():
                return quantised(x).numpy()

        runners["pytorch-int8-dynamic"] = torch_int8
    except Exception as exc:  # noqa: BLE001 - report, do not fail the benchmark
        skipped["pytorch-int8-dynamic"] = f"{type(exc).__name__}: {exc}"

    ort_runners, reason = _onnx_runners(tower, batch, Path(spec["model"]))
    if reason:
        skipped["onnxruntime"] = reason
    runners.update(ort_runners)

    for run in runners.values():  # warm-up
        run(batch[:2])
    speeds: dict[str, list[float]] = {name: [] for name in runners}
    names = list(runners)
    for round_no in range(spec["rounds"]):
        for name in names[round_no % len(names) :] + names[: round_no % len(names)]:
            start = time.perf_counter()
            runners[name](batch)
            speeds[name].append(len(batch) / (time.perf_counter() - start))

    outputs = {
        name: np.concatenate([run(pixels[i : i + 16]) for i in range(0, len(pixels), 16)])
        for name, run in runners.items()
    }
    outputs = {name: v / np.linalg.norm(v, axis=1, keepdims=True) for name, v in outputs.items()}
    reference = outputs["pytorch-fp32"]
    base_speed = max(speeds["pytorch-fp32"])
    result: dict = {"images_for_cosine": len(pixels), "batch": len(batch), "variants": {}, "skipped": skipped}
    for name in runners:
        best = max(speeds[name])
        cosine = float((reference * outputs[name]).sum(1).min())
        entry = {
            "images_per_s_best": best,
            "images_per_s_runs": speeds[name],
            "speedup_vs_pytorch_fp32": best / base_speed,
            "min_cosine": cosine,
            "min_centred_cosine": float(centred_cosines(reference, outputs[name]).min()),
        }
        if name != "pytorch-fp32":
            entry["usable"] = bool(best > base_speed and cosine >= 0.99)
        result["variants"][name] = entry
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def _onnx_runners(tower, batch, model_folder: Path) -> tuple[dict, str]:
    if PYLIB.is_dir() and str(PYLIB) not in sys.path:
        sys.path.append(str(PYLIB))
    try:
        import onnxruntime as ort
    except ImportError:
        return {}, f"onnxruntime is not installed (see {__name__} docstring)"
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
    options.intra_op_num_threads = os.cpu_count() or 1
    runners = {}
    for name, path in (("onnxruntime-fp32", fp32), ("onnxruntime-int8-dynamic", int8)):
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        runners[name] = lambda x, s=session: s.run(None, {"pixel_values": x.numpy()})[0]
    return runners, ""


def benchmark(*, env: dict, clip_folder: Path, photos: list[Path], rounds: int, batch: int, log) -> dict:
    from .embedding import run_worker

    spec = {"env": env, "model": str(clip_folder), "photos": [str(p) for p in photos], "rounds": rounds, "batch": batch}
    result = run_worker("bench.variants", spec, timeout=900)
    for name, entry in result["variants"].items():
        log(f"  variant {name}: {entry['images_per_s_best']:.2f} images/s, min cosine {entry['min_cosine']:.4f}")
    return result


if __name__ == "__main__":
    print("RESULT " + json.dumps(_worker(json.loads(sys.argv[1]))), flush=True)
