"""Grouping per-chunk speaker embeddings into the speakers of one recording.

pyannote's pipeline embeds each local speaker of each 10 s segmentation chunk; this module decides which of those
(chunk, local speaker) pairs are the same person. It replaces pyannote's agglomerative clustering, whose filter
(2 s of clean speech per chunk) and cluster-size rule (a count of embeddings, so it depends on the chunk step)
dropped the quieter voices of short recordings and did not carry over from 30 s chunks to longer calls.

Measured choices (bench/diarization.py, docs/BENCHMARKS.md "Diarization"; settings held out per domain):
- embeddings from 1 s of clean speech per chunk take part (pyannote: 2 s): brief speakers get a voice of their own;
- centroid-linkage AHC on unit vectors, cut at a Euclidean distance of 0.75 (cosine similarity 0.72). Spectral
  clustering with an eigengap count (3D-Speaker, NeMo NME-SC), silhouette-chosen cuts and per-recording centring
  were tried and lost: with tens of embeddings per recording the eigengap over-counts and needs a merge threshold
  of its own, which then does the real work;
- a cluster heard for under 2 s of clean speech in all is folded into its most similar cluster: seconds, not a
  count of embeddings, so the rule does not change with the chunk step;
- each chunk's local speakers go to different clusters (they are different people within one chunk: the
  segmentation model is trained that way), by a linear assignment per chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.optimize import linear_sum_assignment

CHUNK_SECONDS = 10.0  # segmentation-3.0's window


@dataclass(frozen=True)
class ClusteringOptions:
    pure_threshold: float = 0.5  # first pass: centroid distance within which embeddings are surely one voice
    threshold: float = 0.85  # second pass: clusters closer than this merge, unless heard apart in one chunk
    min_links: int = 2  # chunks in which two clusters speak as different local speakers: they stay apart
    min_clean_ratio: float = 0.1  # share of a chunk a local speaker must speak alone to be embedded for clustering
    min_speaker_seconds: float = 2.0  # clean speech a cluster needs to stay a speaker of its own


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.maximum(norms, 1e-9)


def clean_seconds(segmentations: np.ndarray) -> np.ndarray:
    """(chunks, speakers) seconds each local speaker is the only one active in its chunk."""
    alone = segmentations.sum(axis=2, keepdims=True) == 1
    return (segmentations * alone).sum(axis=1) * CHUNK_SECONDS / segmentations.shape[1]


def cut(vectors: np.ndarray, threshold: float) -> np.ndarray:
    """Centroid-linkage AHC labels 0..k-1, cut at `threshold`."""
    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=int)
    labels = fcluster(linkage(vectors, method="centroid", metric="euclidean"), threshold, criterion="distance")
    return np.unique(labels, return_inverse=True)[1]


def merge_unless_heard_apart(
    vectors: np.ndarray, chunks: np.ndarray, labels: np.ndarray, threshold: float, min_links: int
) -> np.ndarray:
    """Merge the closest clusters (centroid distance below `threshold`) one pair at a time, except pairs that the
    segmentation model heard as two different people in at least `min_links` chunks.

    Why: a phone line or a far microphone makes different voices alike to the embedding (a cosine of 0.6-0.75
    between the two parties of a narrow-band call, where a clean recording gives 0.1-0.4), so a distance threshold
    alone either merges them or splits far-field voices. The segmentation model separates people within a 10 s
    chunk from the audio itself; its word is the evidence that adapts to each recording."""
    count = labels.max() + 1
    members = np.zeros((count, len(vectors)), dtype=bool)
    members[labels, np.arange(len(vectors))] = True
    in_chunk = np.zeros((count, chunks.max() + 1), dtype=np.float32)
    in_chunk[labels, chunks] = 1.0
    sums = members.astype(np.float64) @ vectors
    centroids = unit_rows(sums)
    links = in_chunk @ in_chunk.T  # chunks in which both clusters speak
    # pairwise distances kept up to date one row at a time: recomputing them all after each merge costs O(k^3)
    distance = np.sqrt(np.maximum(0.0, 2.0 - 2.0 * centroids @ centroids.T))
    distance[(links >= min_links) | np.eye(count, dtype=bool)] = np.inf
    alive = np.ones(count, dtype=bool)
    while alive.sum() > 1:
        a, b = np.unravel_index(np.argmin(distance), distance.shape)
        if distance[a, b] >= threshold:
            break
        members[a] |= members[b]
        in_chunk[a] = np.maximum(in_chunk[a], in_chunk[b])
        sums[a] += sums[b]
        centroids[a] = unit_rows(sums[a])
        alive[b] = False
        distance[b, :] = distance[:, b] = np.inf
        row = np.sqrt(np.maximum(0.0, 2.0 - 2.0 * centroids @ centroids[a]))
        row[(in_chunk @ in_chunk[a] >= min_links) | ~alive] = np.inf
        row[a] = np.inf
        distance[a, :] = distance[:, a] = row
    merged = np.argmax(members[alive], axis=0)
    return np.unique(merged, return_inverse=True)[1]


def split(vectors: np.ndarray, count: int) -> np.ndarray:
    """Exactly `count` clusters (k-means on unit vectors) when the user gave the number of speakers: a centroid
    linkage tree is not monotonic, so cutting it at a count can give fewer clusters."""
    count = min(count, len(vectors))
    if count <= 1:
        return np.zeros(len(vectors), dtype=int)
    from sklearn.cluster import KMeans

    labels = KMeans(n_clusters=count, n_init=10, random_state=0).fit_predict(vectors)
    return np.unique(labels, return_inverse=True)[1]


def fold_small(vectors: np.ndarray, labels: np.ndarray, seconds: np.ndarray, min_seconds: float) -> np.ndarray:
    """Clusters with less than `min_seconds` of speech join the most similar large one (by centroid cosine)."""
    clusters = np.unique(labels)
    heard = {k: float(seconds[labels == k].sum()) for k in clusters}
    large = [k for k in clusters if heard[k] >= min_seconds] or [max(clusters, key=lambda k: heard[k])]
    centroid = {k: unit_rows(vectors[labels == k].mean(axis=0)) for k in clusters}
    folded = labels.copy()
    for k in clusters:
        if k not in large:
            folded[labels == k] = max(large, key=lambda big: float(centroid[k] @ centroid[big]))
    return np.unique(folded, return_inverse=True)[1]


def assign(embeddings: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hard (chunks, speakers) cluster indices and the similarities behind them: within a chunk, local speakers
    go to different clusters (linear assignment); when a chunk has more local speakers than there are clusters,
    the rest go to their most similar cluster."""
    chunks, speakers, dim = embeddings.shape
    flat = unit_rows(np.nan_to_num(embeddings.reshape(-1, dim)))
    similarity = (flat @ unit_rows(centroids).T).reshape(chunks, speakers, len(centroids))
    hard = np.full((chunks, speakers), -2, dtype=np.int8)
    for c in range(chunks):
        rows, cols = linear_sum_assignment(similarity[c], maximize=True)
        hard[c, rows] = cols
        hard[c, hard[c] < 0] = np.argmax(similarity[c, hard[c] < 0], axis=1)
    return hard, similarity


class SpeakerClustering:
    """A drop-in for pyannote's clustering step (same call and return shapes)."""

    expects_num_clusters = False

    def __init__(self, options: ClusteringOptions | None = None) -> None:
        self.options = options or ClusteringOptions()

    def __call__(
        self,
        embeddings: np.ndarray,
        segmentations,  # pyannote SlidingWindowFeature (chunks, frames, local speakers), binary
        num_clusters: int | None = None,
        min_clusters: int | None = None,
        max_clusters: int | None = None,
        **_: object,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        opts = self.options
        data = np.nan_to_num(segmentations.data)
        seconds = clean_seconds(data)
        valid = ~np.any(np.isnan(embeddings), axis=2)
        chunk_idx, speaker_idx = np.where(valid & (seconds >= opts.min_clean_ratio * CHUNK_SECONDS))
        wanted = num_clusters or min_clusters or 1
        if len(chunk_idx) < wanted:  # too few long-enough voices for the count asked: use every embedded speaker
            chunk_idx, speaker_idx = np.where(valid)
        if len(chunk_idx) == 0:
            chunks, speakers, dim = embeddings.shape
            return np.zeros((chunks, speakers), dtype=np.int8), np.ones((chunks, speakers, 1)), np.zeros((1, dim))
        chosen = embeddings[chunk_idx, speaker_idx]  # gathered once: fancy indexing copies
        vectors = unit_rows(chosen)
        weights = seconds[chunk_idx, speaker_idx]
        labels = self.labels(vectors, chunk_idx, weights, num_clusters, min_clusters, max_clusters)
        centroids = np.vstack([chosen[labels == k].mean(axis=0) for k in np.unique(labels)])
        hard, similarity = assign(embeddings, centroids)
        return hard, similarity, centroids

    def labels(
        self,
        vectors: np.ndarray,
        chunks: np.ndarray,
        weights: np.ndarray,
        num_clusters: int | None,
        min_clusters: int | None,
        max_clusters: int | None,
    ) -> np.ndarray:
        opts = self.options
        if num_clusters:
            return split(vectors, num_clusters)
        pure = cut(vectors, opts.pure_threshold)
        merged = merge_unless_heard_apart(vectors, chunks, pure, opts.threshold, opts.min_links)
        labels = fold_small(vectors, merged, weights, opts.min_speaker_seconds)
        found = labels.max() + 1
        if min_clusters and found < min_clusters:
            return split(vectors, min_clusters)
        if max_clusters and found > max_clusters:
            return split(vectors, max_clusters)
        return labels
