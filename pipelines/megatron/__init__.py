"""Stage `megatron` and `leam export megatron`: shards → Megatron-LM token files, blend, lineage."""
