"""A tiny random CLAP model saved as a Hugging Face folder, and the specs of its export.

No CLAP weights can be downloaded here, so the tests use ``ClapModel(ClapConfig(...))`` with
hidden sizes of 32, one-second windows and 16 mel bins, and a RoBERTa-style byte-level BPE
trained on a few sentences: small enough to export in seconds, the same code paths as
``laion/clap-htsat-unfused``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SENTENCES = [
    "a dog barking loudly in the yard",
    "the sound of rain on a tin roof",
    "a cat meowing at the door",
    "birds singing in the morning",
    "waves crashing on the beach",
]


def tiny_tokenizer(max_length: int) -> Any:
    """RoBERTa's layout: <s>=0, <pad>=1, </s>=2, byte-level BPE, <s> ... </s> around texts."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import RobertaTokenizerFast

    special = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=320,
        special_tokens=special,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(SENTENCES * 4, trainer)
    tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    return RobertaTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        mask_token="<mask>",
        model_max_length=max_length,
    )


def build_tiny_clap(folder: Path, *, fused: bool = False, seed: int = 0) -> Path:
    """Save a random tiny ``ClapModel`` with its processor (extractor + tokenizer) in folder."""
    import torch
    from transformers import ClapConfig, ClapFeatureExtractor, ClapModel, ClapProcessor

    tokenizer = tiny_tokenizer(max_length=62)
    audio = {
        "num_mel_bins": 16,
        "spec_size": 64,  # freq_ratio 4: 256 time steps >= 101 frames of a 1 s window
        "window_size": 4,
        "depths": [1, 1],
        "num_attention_heads": [2, 2],
        "patch_embeds_hidden_size": 16,
        "hidden_size": 32,
        "enable_fusion": fused,
        "fusion_type": "aff_2d" if fused else None,
    }
    text = {
        "vocab_size": tokenizer.backend_tokenizer.get_vocab_size(),
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 64,
        "max_position_embeddings": 64,
    }
    torch.manual_seed(seed)
    model = ClapModel(ClapConfig(text_config=text, audio_config=audio, projection_dim=16))
    extractor = ClapFeatureExtractor(
        feature_size=16,
        max_length_s=1,
        frequency_min=50,
        truncation="fusion" if fused else "rand_trunc",
        padding="repeatpad",
    )
    model.eval().save_pretrained(folder)
    ClapProcessor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(folder)
    return folder


def specs_of(folder: Path) -> dict[str, Any]:
    """The plugin's encoder specs by modality, read from plugin.toml without discovery (so
    the runtimes are tested on their own; discovery is tested through the registry)."""
    import tomllib

    from mmdesk.plugins.specs import EncoderSpec

    doc = tomllib.loads((folder / "plugin.toml").read_text(encoding="utf-8"))
    return {
        e["modality"]: EncoderSpec(
            id=e["id"],
            space=e["space"],
            modality=e["modality"],
            dim=e["dim"],
            model=e["model"],
            folder=folder,
            plugin_id=doc["id"],
            plugin_version=doc["version"],
            preprocess=e.get("preprocess", {}),
            io=e.get("io", {}),
            tokenizer=e.get("tokenizer", {}),
        )
        for e in doc["encoders"]
    }
