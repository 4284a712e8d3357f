"""CLIP's image tower, loaded through sentence-transformers and run directly.

sentence-transformers loads the model folder (or the hub name) and its processor
settings; photos then go straight to the vision tower: our own crop-and-normalise
(`pixels.SquareInput`, the same pixels as `CLIPImageProcessor`) and
`visual_projection(vision_model(pixels).pooler_output)`, which is what
`SentenceTransformer.encode` computes for an image (`search/tests/test_pixels.py`
checks both against it). The text tower embeds one prompt for the localiser (localise.py) and is dropped after loading.

Loading never downloads: `manage.py download_model` does that ahead of time, so a
request never waits minutes for the hub (and its retries) when it is unreachable.
"""

from __future__ import annotations

import copy
import functools
import gc
import logging
import os
import statistics
import warnings

import torch
from django.conf import settings
from PIL import Image

from . import ModelUnavailable
from .encoder import Forward, SquareImageEncoder, made_up_photos
from .localise import CLIP_PROMPT, ClipLocaliser
from .pixels import SquareInput
from .precision import timed_rounds

logger = logging.getLogger(__name__)

# Choosing the float32 kernels: this many made-up photos, timed this many times each; oneDNN is kept
# only when clearly faster. About 2 s for ViT-B/32 on 2 cores, once per process start.
KERNEL_SAMPLE = 4
KERNEL_ROUNDS = 3
KERNEL_MIN_SPEEDUP = 1.05

OFFLINE_HELP = (
    "Could not load the CLIP model {name!r}: {error}. "
    "Download it ahead of time with `python manage.py download_model` (it needs the Hugging Face hub), "
    "or on a machine without internet copy the model folder (for example sentence-transformers/clip-ViT-B-32, "
    "downloaded on another machine with `huggingface-cli download sentence-transformers/clip-ViT-B-32 "
    "--local-dir clip-ViT-B-32`) here and set CLIP_MODEL to that folder's path, or set "
    "EMBEDDING_MODEL=efficientnet-lite0 to use the model bundled with Reunite. "
    "Photos are still saved and will be indexed by the background worker once the model loads."
)


class _VisionTower(torch.nn.Module):
    def __init__(self, vision_model: torch.nn.Module, projection: torch.nn.Module) -> None:
        super().__init__()
        self.vision_model = vision_model
        self.projection = projection

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.projection(self.vision_model(pixel_values=pixels).pooler_output)


def load_sentence_transformer(model_name_or_path: str, *, local_files_only: bool = True):
    """The SentenceTransformer, from disk only unless told otherwise (the download command)."""
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(model_name_or_path, device="cpu", local_files_only=local_files_only)
    except Exception as exc:  # missing, unreachable, corrupt: the same advice for each
        raise ModelUnavailable(OFFLINE_HELP.format(name=model_name_or_path, error=exc)) from exc


def hub_id(model_name: str) -> str:
    """The hub repository sentence-transformers fetches a bare name such as clip-ViT-B-32 from."""
    from sentence_transformers import SentenceTransformer

    organisation = getattr(SentenceTransformer, "default_huggingface_organization", None) or "sentence-transformers"
    return model_name if "/" in model_name else f"{organisation}/{model_name}"


def looks_like_a_path(model_name_or_path: str) -> bool:
    """A folder name rather than a hub name (which has at most one slash: organisation/model)."""
    return model_name_or_path.startswith((".", "~", os.sep)) or model_name_or_path.count("/") > 1


def folder_on_disk(model_name_or_path: str) -> str | None:
    """Where the model's files are on this machine, or None if they must be downloaded first."""
    if os.path.isdir(model_name_or_path):
        return model_name_or_path
    from huggingface_hub import snapshot_download

    try:
        return snapshot_download(hub_id(model_name_or_path), local_files_only=True)
    except Exception:  # noqa: BLE001 - not in the cache, in whichever way the hub client says so
        return None


def download(model_name_or_path: str) -> None:
    """Fetch the model's files into the Hugging Face cache, the only place that ever downloads."""
    load_sentence_transformer(model_name_or_path, local_files_only=False)


class ClipEncoder(SquareImageEncoder):
    def __init__(self, model_name_or_path: str, *, precision: str = "float32") -> None:
        model = load_sentence_transformer(model_name_or_path)
        try:
            clip = model[0].model  # transformers' CLIPModel
            self.input = _square_input(model[0].processor.image_processor)
        except (AttributeError, KeyError, TypeError) as exc:
            raise ModelUnavailable(
                f"{model_name_or_path!r} is not a CLIP image model ({exc}). Set CLIP_MODEL to a CLIP model "
                "in sentence-transformers' format, such as clip-ViT-B-32."
            ) from exc
        self.name = model_name_or_path
        self.batch_size = max(1, settings.EMBEDDING_BATCH_SIZE)
        self.dimension = int(clip.visual_projection.out_features)
        tower = _VisionTower(clip.vision_model, clip.visual_projection).eval().requires_grad_(False)
        # The text tower's one use: the embedding of "a photo of a dog" that the localiser compares
        # patches with. The float32 tower stays for the localiser (a memory map of the model file).
        text = model.encode([CLIP_PROMPT], convert_to_numpy=True)[0]
        self._localiser = ClipLocaliser(tower.vision_model, tower.projection, text, self.input)
        del model, clip
        sample = self.input.batch(made_up_photos(self.input.crop)[:KERNEL_SAMPLE])
        self.settle_precision(precision, model_name_or_path, functools.partial(_forward, tower, sample))
        del tower
        # The loaded model (text tower included) sits in reference cycles: free it now, not at
        # some later collection, so a worker's memory settles at what it uses (BENCHMARKS.md).
        gc.collect()


def _square_input(processor) -> SquareInput:
    if not (processor.do_resize and processor.do_center_crop and processor.do_normalize):
        raise KeyError("the image processor does not resize, crop and normalise")
    crop = processor.crop_size
    if crop["height"] != crop["width"]:
        raise KeyError(f"crop_size {crop} is not square")
    return SquareInput.from_mean_std(
        processor.size["shortest_edge"],
        crop["height"],
        processor.image_mean,
        processor.image_std,
        rescale=processor.rescale_factor if processor.do_rescale else 1.0,
        resample=Image.Resampling(processor.resample),
    )


def _forward(tower: _VisionTower, sample: torch.Tensor, precision: str) -> Forward:
    """The tower run in `precision`, on its own copy of the weights."""
    if precision == "bfloat16":
        # bfloat16 autocast as before (each embedding within a centred cosine of 0.998 of float32's,
        # BENCHMARKS.md), with the matmul weights cast once here rather than on every call: the
        # same numbers bit for bit. Casting the whole model instead, layer norms and residual sums
        # included, is faster but loses more (centred cosine 0.989).
        reduced = copy.deepcopy(tower)
        for module in reduced.modules():
            if isinstance(module, (torch.nn.Linear, torch.nn.Conv2d)):
                module.to(torch.bfloat16)

        def forward(pixels: torch.Tensor) -> torch.Tensor:
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return reduced(pixels)

        return forward
    # Two ways to run float32, the same results to 1e-6, and which is faster depends on the CPU:
    # oneDNN's matmuls with the weights packed once were 10-15 % faster than PyTorch's own on an
    # AMD EPYC, and 0.85-0.97x on an Intel Xeon (BENCHMARKS.md). So time both, keep the faster.
    # Copies, because the loaded weights are a memory map of the model file, released once
    # nothing points into it; no_grad, or autograd keeps every float32 weight too.
    with torch.no_grad():
        kernels = {"pytorch": copy.deepcopy(tower), "onednn": _packed(tower)}
    speeds = kernel_speeds(kernels, sample)
    # A near tie keeps PyTorch's own: no TorchScript, which torch deprecates.
    chosen = "onednn" if speeds["onednn"] >= KERNEL_MIN_SPEEDUP * speeds["pytorch"] else "pytorch"
    logger.info(
        "CLIP float32 kernels: %s (measured on %d made-up photos: %s)",
        chosen,
        len(sample),
        ", ".join(f"{name} {speed:.1f} images/s" for name, speed in speeds.items()),
    )
    forward = kernels[chosen]
    forward.kernel = chosen  # which kernels were kept (tests read it)
    return forward


def _packed(tower: _VisionTower) -> torch.nn.Module:
    with warnings.catch_warnings():
        # Its modules are TorchScript, which torch 2.15 deprecates; they still run, and torch is pinned.
        warnings.simplefilter("ignore", FutureWarning)
        from torch.utils import mkldnn

        return mkldnn.to_mkldnn(copy.deepcopy(tower))


def kernel_speeds(kernels: dict[str, torch.nn.Module], sample: torch.Tensor) -> dict[str, float]:
    """Images/s of each way to run the tower on `sample`, timed as the precision choice is."""
    with torch.inference_mode():
        _outputs, seconds = timed_rounds(
            {name: functools.partial(kernel, sample) for name, kernel in kernels.items()}, rounds=KERNEL_ROUNDS
        )
    return {name: len(sample) / statistics.median(times) for name, times in seconds.items()}
