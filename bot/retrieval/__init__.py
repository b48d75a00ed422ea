"""Retrieval: embeddings (cached on disk), a faiss index, and the retriever that fuses dense and lexical search."""

from bot.retrieval.embedder import (
    DEFAULT_ENCODER,
    DEFAULT_MODEL,
    ENCODERS,
    CachedEmbedder,
    Embedder,
    HashingEmbedder,
    SentenceTransformerEmbedder,
    make_encoder,
)
from bot.retrieval.retriever import Hit, Retriever, split_sentences

__all__ = [
    "DEFAULT_ENCODER",
    "DEFAULT_MODEL",
    "ENCODERS",
    "CachedEmbedder",
    "Embedder",
    "HashingEmbedder",
    "Hit",
    "Retriever",
    "SentenceTransformerEmbedder",
    "make_encoder",
    "split_sentences",
]
