"""LEAM Corpus core: CLI, configuration, document schema, run directory and the Ray runtime."""

__version__ = "0.1.0"
