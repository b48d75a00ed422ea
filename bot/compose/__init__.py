"""The Composer port: turn a question and the retriever's evidence into an answer (offline and extractive)."""
