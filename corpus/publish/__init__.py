"""What a run publishes once its documents are sharded.

    shards/MANIFEST.json      every shard's rows, bytes and sha256 (manifest.py; `leam verify`)
    shards/README.md          the datasheet, with Hugging Face Hub front matter (datasheet.py)
    shards/stats.json         per language and per stage figures (stats.py)
    reports/ai-act.{json,md}  the EU AI Act public summary of training content (ai_act*.py)
    reports/domains.parquet   content size per domain and language, the ranking's evidence

Everything is computed from the run directory alone (run.json, the manifest, the domain
table, the crawl log when there is one), so `leam report` can rebuild it at any time.
"""
