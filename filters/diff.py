"""What changed between two manifest sets, said the way a reviewer asks it.

+ filter added: banned_words v1 (ethics, drop)
~ gopher_quality: version 1 → 2
~ gopher_quality: min_words: 50 → 40 (default, all languages without their own value)
~ gopher_quality: max_mean_word_length for Finnish (fi): 10.0 → 12.0  (reason: ...)
- filter removed: tdm_reservation v1
"""

from __future__ import annotations

from typing import Any

from leam.corpus.languages import language_name
from leam.filters.manifest import Manifest

_FIELDS = ("category", "implementation", "action", "rationale", "references")


def _show(value: Any) -> str:
    return "(off)" if value is None else repr(value) if isinstance(value, str) else str(value)


def _entries(value: Any) -> dict[str, dict[str, Any]] | None:
    """A list of entries with ids (the identifier rules of pii_redaction) by id, else None."""
    if not isinstance(value, list) or not all(isinstance(v, dict) and "id" in v for v in value):
        return None
    return {v["id"]: v for v in value}


def _entry_changes(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[str]:
    """Entry by entry: "+ ie_pps (IE)", "- es_nie", "de_idnr context: 'near_words' →
    'anywhere'", rather than two long lists a reviewer would have to compare by eye."""
    a, b = _entries(old) or {}, _entries(new) or {}
    lines = []
    for eid in [*a, *(k for k in b if k not in a)]:
        if eid not in b:
            lines.append(f"- {eid}")
        elif eid not in a:
            country = b[eid].get("country")
            lines.append(f"+ {eid}" + (f" ({country})" if country else ""))
        else:
            for field in [*a[eid], *(f for f in b[eid] if f not in a[eid])]:
                if a[eid].get(field) != b[eid].get(field):
                    was, now = _show(a[eid].get(field)), _show(b[eid].get(field))
                    lines.append(f"{eid} {field}: {was} → {now}")
    if not lines and [e["id"] for e in old] != [e["id"] for e in new]:
        lines.append("order changed (the first rule that matches wins)")
    return lines


def _manifest_changes(old: Manifest, new: Manifest) -> list[str]:
    lines = []
    head = f"~ {new.id}:"
    if old.version != new.version:
        lines.append(f"{head} version {old.version} → {new.version}")
    for name in _FIELDS:
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            shown = "changed" if name in ("rationale", "references") else f"{a} → {b}"
            lines.append(f"{head} {name} {shown}")
    old_d, new_d = old.params.model_dump(), new.params.model_dump()
    for key in sorted(set(old_d) | set(new_d)):
        a, b = old_d.get(key), new_d.get(key)
        if a != b and _entries(a) is not None and _entries(b) is not None:
            lines += [f"{head} {key}: {line}" for line in _entry_changes(a, b)]
        elif a != b and isinstance(a, dict) and isinstance(b, dict):
            for sub in sorted(set(a) | set(b)):
                if a.get(sub) != b.get(sub):
                    lines.append(f"{head} {key}.{sub}: {_show(a.get(sub))} → {_show(b.get(sub))}")
        elif a != b:
            lines.append(
                f"{head} {key}: {_show(old_d.get(key))} → {_show(new_d.get(key))} "
                "(default, all languages without their own value)"
            )
    for lang in sorted(set(old.languages) | set(new.languages)):
        a, b = old.params_for(lang).model_dump(), new.params_for(lang).model_dump()
        for key in sorted(set(a) | set(b)):
            own = key in getattr(old.languages.get(lang), "values", {}) or key in getattr(
                new.languages.get(lang), "values", {}
            )
            if own and a.get(key) != b.get(key):
                where = f"{language_name(lang)} ({lang})"
                line = f"{head} {key} for {where}: {_show(a.get(key))} → {_show(b.get(key))}"
                if lang in new.languages:
                    line += f"  (reason: {new.languages[lang].reason})"
                else:
                    line += "  (override removed: the default applies)"
                lines.append(line)
    if lines and old.version == new.version and old.sha256 != new.sha256:
        lines.append(f"! {new.id}: changed but still version {new.version}: bump the version")
    return lines


def diff_sets(old: dict[str, Manifest], new: dict[str, Manifest]) -> list[str]:
    """One line per change, filters in id order; empty when nothing that matters changed."""
    lines = []
    for fid in sorted(set(old) | set(new)):
        if fid not in old:
            m = new[fid]
            lines.append(
                f"+ filter added: {fid} v{m.version} ({m.category}, {m.action}; "
                f"only in new: {m.source})"
            )
        elif fid not in new:
            lines.append(
                f"- filter removed: {fid} v{old[fid].version} (only in old: {old[fid].source})"
            )
        else:
            lines.extend(_manifest_changes(old[fid], new[fid]))
    return lines
