"""How a training runs: one dataclass, so the CLI, the GUI and the benchmark say it the same way."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TrainConfig:
    """Training settings; the defaults suit a few to a few thousand labels on a CPU.

    ``noise``, ``mixup`` (Beta alpha) and ``modality_dropout`` are the augmentations; ``patience``
    epochs without a better validation loss stop a fit; ``folds`` < 2 skips cross-validation
    (no metrics, thresholds 0.5); ``refit`` trains again on all labels, for the epochs early
    stopping chose, so the validation split's labels are not lost to the final model.

    ``linear_c`` is the inverse L2 strength of the linear skip path (scikit-learn's ``C``; 0
    turns the path off); it is fitted first, to convergence, and the fused path then learns
    the rest. Early stopping needs a validation split with ``min_val_positives`` of every tag;
    with fewer labels (a handful per tag) its loss is noise, and a fit runs ``small_epochs``.
    """

    seed: int = 0
    epochs: int = 200
    lr: float = 1e-3
    width: int = 128
    weight_decay: float = 1e-4
    noise: float = 0.05
    mixup: float = 0.2
    modality_dropout: float = 0.2
    patience: int = 20
    val_fraction: float = 0.2
    folds: int = 5
    device: str = "auto"  # auto | cpu | cuda
    dropout: float = 0.1
    refit: bool = True
    linear_c: float = 10.0
    min_val_positives: int = 5
    small_epochs: int = 20
