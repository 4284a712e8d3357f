"""A tiny CLIP with the real architecture, saved in sentence-transformers' layout.

The real `clip-ViT-B-32` cannot be downloaded here, so tests build this one
locally and load it through exactly the production code path
(`SentenceTransformer(folder)` -> `sentence_transformers.models.CLIPModel`).
"""

from __future__ import annotations

import json
from pathlib import Path

EMBEDDING_DIMENSION = 512


def _bytes_to_unicode() -> dict[int, str]:
    # CLIP's byte-level BPE alphabet (the same table GPT-2 uses).
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    printable += list(range(ord("®"), ord("ÿ") + 1))
    codes = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    return dict(zip(printable, map(chr, codes), strict=True))


def build_tiny_clip(folder: Path, seed: int = 0, *, full_size: bool = False) -> Path:
    """Save a random-weight CLIP in sentence-transformers' layout.

    Tiny by default (tests); `full_size=True` keeps transformers' ViT-B/32 defaults,
    which have the real model's compute cost (benchmarks).
    """
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, CLIPTokenizer

    folder = Path(folder)
    module = folder / "0_CLIPModel"
    module.mkdir(parents=True, exist_ok=True)

    alphabet = list(_bytes_to_unicode().values())
    vocab = {token: i for i, token in enumerate(alphabet + [c + "</w>" for c in alphabet])}
    for special in ("<|startoftext|>", "<|endoftext|>"):
        vocab[special] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    tokenizer = CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"))

    special_ids = {
        "bos_token_id": vocab["<|startoftext|>"],
        "eos_token_id": vocab["<|endoftext|>"],
        "pad_token_id": vocab["<|endoftext|>"],
    }
    if full_size:
        # The text tower keeps its full 49,408-row embedding, so the size matches the real model.
        config = CLIPConfig(text_config=special_ids)
    else:
        config = CLIPConfig(
            text_config={
                "vocab_size": len(vocab),
                "hidden_size": 32,
                "intermediate_size": 64,
                "num_hidden_layers": 2,
                "num_attention_heads": 2,
                "max_position_embeddings": 77,
                **special_ids,
            },
            vision_config={
                "hidden_size": 32,
                "intermediate_size": 64,
                "num_hidden_layers": 2,
                "num_attention_heads": 2,
                "image_size": 224,
                "patch_size": 32,
            },
            projection_dim=EMBEDDING_DIMENSION,
        )
    torch.manual_seed(seed)
    CLIPModel(config).save_pretrained(module)
    image_processor = CLIPImageProcessor(size={"shortest_edge": 224}, crop_size={"height": 224, "width": 224})
    CLIPProcessor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(module)
    modules = [{"idx": 0, "name": "0", "path": "0_CLIPModel", "type": "sentence_transformers.models.CLIPModel"}]
    (folder / "modules.json").write_text(json.dumps(modules))
    return folder
