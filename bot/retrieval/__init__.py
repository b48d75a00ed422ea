"""Retrieval: embeddings (cached on disk), a faiss index, and the retriever that fuses dense and lexical search."""

from bot.retrieval.embedder import (
    DEFAULT_MODEL,
    CachedEmbedder,
    Embedder,
    HashingEmbedder,
    SentenceTransformerEmbedder,
)
from bot.retrieval.retriever import Hit, Retriever, split_sentences

__all__ = [
    "DEFAULT_MODEL",
    "CachedEmbedder",
    "Embedder",
    "HashingEmbedder",
    "Hit",
    "Retriever",
    "SentenceTransformerEmbedder",
    "split_sentences",
]
