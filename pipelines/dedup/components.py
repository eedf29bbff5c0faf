"""Connected components of an undirected graph given as integer edge arrays.

Memory is the edge arrays plus one int64 label per node: for E edges and N nodes,
16·E + 8·N bytes, which the dedup stage reports. Labels converge by min-label propagation
with pointer jumping (each round halves path lengths), so rounds grow with the log of the
longest chain, not with its length.
"""

from __future__ import annotations

import numpy as np


def components(n_nodes: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """label[i] = the smallest node index in i's component."""
    labels = np.arange(n_nodes, dtype=np.int64)
    if len(a) == 0:
        return labels
    a = a.astype(np.int64, copy=False)
    b = b.astype(np.int64, copy=False)
    while True:
        low = np.minimum(labels[a], labels[b])
        before = labels.copy()
        np.minimum.at(labels, a, low)
        np.minimum.at(labels, b, low)
        while True:  # pointer jumping: a node takes its label's label
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
        if np.array_equal(labels, before):
            return labels
