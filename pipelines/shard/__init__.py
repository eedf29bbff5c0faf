"""Stage `shard` (global): shuffled Parquet shards per language and their MANIFEST.json."""
