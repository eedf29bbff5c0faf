"""Tokenizer training from the language shards, and its fairness evaluation across languages.

    leam tokenizer train runs/<id>                 # → runs/<id>/tokenizer/ (+ eval/, tokens.json)
    leam tokenizer eval runs/<id>/tokenizer gpt2/tokenizer.json --shards runs/<id>/shards

sample.py draws a per-language balanced, seeded sample from the shards (temperature or
explicit weights); train.py trains a Hugging Face `tokenizers` model on it; hf_files.py
writes the folder both `tokenizers` and `transformers` load; metrics.py and evaluate.py
measure fertility, continued words, bytes per token and the token premium against English.
"""
