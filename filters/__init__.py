"""Filters: quality, ethics, privacy and legal rules that governance manifests switch on.

Each filter is a small class with frozen, typed parameters, `score(doc) -> signals` and
`decide(signals) -> Keep | Drop(reason)`; filters.registry names them by a stable id, and the
YAML files in manifests/ give their parameters per language. pipelines/filter.py runs them.
"""
