"""Tiny, randomly initialised image-to-text models saved as Hugging Face folders.

No weights can be downloaded here, so each test model is built from a small config with a fixed
seed and a tokenizer made with ``tokenizers``; ``save_pretrained`` gives the folder that
``mmdesk models export captioner --hf FOLDER`` takes.
"""

from __future__ import annotations

from pathlib import Path

WORDS = [f"w{i}" for i in range(90)]


def _word_tokenizer(specials: list[str]) -> object:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    vocab = {t: i for i, t in enumerate([*specials, *WORDS])}
    tok = Tokenizer(models.WordLevel(vocab, unk_token=specials[0]))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.decoder = decoders.WordPiece(prefix="##")
    tok.add_special_tokens(specials)
    return tok


def _image_processor(out: Path, size: int) -> None:
    from transformers import ViTImageProcessor

    ViTImageProcessor(size={"height": size, "width": size}, resample=2).save_pretrained(out)


def save_tiny_vit_gpt2(out: Path, seed: int = 0) -> Path:
    """A ViT encoder + GPT2 decoder (VisionEncoderDecoderModel) with 32-wide layers."""
    import torch
    from transformers import (
        GPT2Config,
        PreTrainedTokenizerFast,
        VisionEncoderDecoderConfig,
        VisionEncoderDecoderModel,
        ViTConfig,
    )

    torch.manual_seed(seed)
    tok = _word_tokenizer(["<|endoftext|>"])
    vit = ViTConfig(
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=37,
        image_size=32,
        patch_size=8,
        initializer_range=0.5,
    )
    gpt2 = GPT2Config(
        n_embd=32,
        n_layer=2,
        n_head=4,
        vocab_size=len(WORDS) + 1,
        n_positions=64,
        bos_token_id=0,
        eos_token_id=0,
        add_cross_attention=True,
        is_decoder=True,
        initializer_range=0.5,
    )
    config = VisionEncoderDecoderConfig(encoder=vit.to_dict(), decoder=gpt2.to_dict())
    config.decoder_start_token_id, config.pad_token_id, config.eos_token_id = 0, 0, 0
    model = VisionEncoderDecoderModel(config=config).eval()
    model.generation_config.decoder_start_token_id = 0
    model.generation_config.eos_token_id = 0
    model.generation_config.pad_token_id = 0
    model.save_pretrained(out)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|endoftext|>",
        bos_token="<|endoftext|>",
        pad_token="<|endoftext|>",
    )
    fast.save_pretrained(out)
    _image_processor(out, 32)
    return out


def save_tiny_blip(out: Path, seed: int = 0) -> Path:
    """A BlipForConditionalGeneration with a 32-wide vision model and text decoder."""
    import torch
    from transformers import (
        BlipConfig,
        BlipForConditionalGeneration,
        BlipImageProcessor,
        PreTrainedTokenizerFast,
    )

    torch.manual_seed(seed)
    specials = ["[UNK]", "[PAD]", "[CLS]", "[SEP]", "[MASK]", "[DEC]"]
    tok = _word_tokenizer(specials)
    vocab = len(specials) + len(WORDS)
    text = {
        "vocab_size": vocab,
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "intermediate_size": 37,
        "encoder_hidden_size": 32,
        "max_position_embeddings": 64,
        "bos_token_id": 5,
        "pad_token_id": 1,
        "sep_token_id": 3,
        "eos_token_id": 3,
        "initializer_range": 0.5,
    }
    vision = {
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "intermediate_size": 37,
        "image_size": 32,
        "patch_size": 8,
        "initializer_range": 0.5,
    }
    config = BlipConfig(text_config=text, vision_config=vision)
    model = BlipForConditionalGeneration(config).eval()
    model.save_pretrained(out)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        bos_token="[DEC]",
    )
    fast.save_pretrained(out)
    BlipImageProcessor(size={"height": 32, "width": 32}, resample=3).save_pretrained(out)
    return out
