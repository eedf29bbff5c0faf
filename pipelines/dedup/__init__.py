"""Stage `dedup` (global): URL, exact and MinHash-LSH near duplicates across the whole run."""
