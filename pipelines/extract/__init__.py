"""Stage `extract`: WARC/WET records → main text (trafilatura or resiliparse) as documents."""
