"""Opt-outs for documents we did not crawl: signals archived in each response, and each
host's policy files (live, cached, or from a dated snapshot)."""
