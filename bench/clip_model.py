"""A full-size CLIP ViT-B/32 with random weights, saved in sentence-transformers' layout.

The real `clip-ViT-B-32` cannot be downloaded here. Its cost on a CPU depends
on the architecture, not on the weights, so `transformers.CLIPConfig()`
defaults (ViT-B/32 vision tower, 12-layer text tower, 512-d projection) with
random weights give the same FLOPs, memory and load time. The tokenizer uses
the byte-level vocabulary trick of tests/support/tiny_clip.py (the real
tokenizer files are not available either); only images are embedded.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.tiny_clip import _bytes_to_unicode

MARKER = "bench-complete"


def build_full_clip(folder: Path, seed: int = 0) -> Path:
    """Build (once) and return a folder that `SentenceTransformer(folder)` loads."""
    folder = Path(folder)
    if (folder / MARKER).is_file():
        return folder

    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, CLIPTokenizer

    module = folder / "0_CLIPModel"
    module.mkdir(parents=True, exist_ok=True)
    alphabet = list(_bytes_to_unicode().values())
    vocab = {token: i for i, token in enumerate(alphabet + [c + "</w>" for c in alphabet])}
    for special in ("<|startoftext|>", "<|endoftext|>"):
        vocab[special] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    tokenizer = CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"))

    # Defaults are ViT-B/32; only the special token ids follow our small vocabulary
    # (the text tower keeps its full 49,408-row embedding, so the size matches the real model).
    config = CLIPConfig(
        text_config={
            "bos_token_id": vocab["<|startoftext|>"],
            "eos_token_id": vocab["<|endoftext|>"],
            "pad_token_id": vocab["<|endoftext|>"],
        }
    )
    torch.manual_seed(seed)
    CLIPModel(config).save_pretrained(module)
    image_processor = CLIPImageProcessor(size={"shortest_edge": 224}, crop_size={"height": 224, "width": 224})
    CLIPProcessor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(module)
    modules = [{"idx": 0, "name": "0", "path": "0_CLIPModel", "type": "sentence_transformers.models.CLIPModel"}]
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / MARKER).write_text("ok\n")
    return folder
