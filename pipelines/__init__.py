"""The pipeline stages (extract, langid, ...) and the presets that chain them."""
