"""The clustering step on made-up embeddings: counts, folding, forced counts, one cluster per local speaker."""

from __future__ import annotations

import numpy as np
import pytest

from minutes.diarize.clustering import ClusteringOptions, SpeakerClustering, assign, fold_small, split, unit_rows


class Segmentations:
    """What pyannote hands the clustering step: a (chunks, frames, local speakers) binary array in `.data`."""

    def __init__(self, data: np.ndarray) -> None:
        self.data = data


def voices(centres: np.ndarray, per_voice: int, spread: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors scattered around each centre, and the voice each came from."""
    rng = np.random.default_rng(seed)
    vectors = np.vstack([c + spread * rng.standard_normal((per_voice, c.size)) for c in centres])
    return unit_rows(vectors), np.repeat(np.arange(len(centres)), per_voice)


def centres(count: int, dim: int = 192, similarity: float = 0.0, seed: int = 1) -> np.ndarray:
    """`count` unit centres whose pairwise cosine is about `similarity` (a shared component, as a phone line adds)."""
    rng = np.random.default_rng(seed)
    shared = unit_rows(rng.standard_normal(dim))
    own = unit_rows(rng.standard_normal((count, dim)))
    return unit_rows(np.sqrt(similarity) * shared + np.sqrt(1 - similarity) * own)


def one_voice_per_chunk(vectors: np.ndarray) -> tuple[np.ndarray, Segmentations]:
    """Each vector as the only local speaker of its own chunk, talking alone for 5 of its 10 s."""
    n, dim = vectors.shape
    embeddings = np.full((n, 3, dim), np.nan)
    embeddings[:, 0] = vectors
    data = np.zeros((n, 100, 3))
    data[:, :50, 0] = 1
    return embeddings, Segmentations(data)


@pytest.mark.parametrize(("count", "similarity"), [(1, 0.0), (2, 0.0), (4, 0.0), (6, 0.0), (2, 0.45), (5, 0.45)])
def test_the_number_of_voices_is_found(count, similarity):
    vectors, truth = voices(centres(count, similarity=similarity), per_voice=12, spread=0.04)
    embeddings, segmentations = one_voice_per_chunk(vectors)
    hard, _, found = SpeakerClustering()(embeddings, segmentations)
    assert len(found) == count
    labels = hard[:, 0]
    for voice in range(count):  # every voice is one cluster and no cluster holds two voices
        assert len(set(labels[truth == voice])) == 1
    assert len(set(labels)) == count


def test_a_voice_heard_for_under_two_seconds_is_folded():
    vectors, truth = voices(centres(2), per_voice=6, spread=0.04)
    seconds = np.where(truth == 0, 5.0, 0.3)  # the second voice: 1.8 s in all
    labels = fold_small(vectors, truth, seconds, ClusteringOptions().min_speaker_seconds)
    assert set(labels) == {0}


def test_a_given_count_is_exact():
    vectors, _ = voices(centres(3), per_voice=5, spread=0.04)
    assert len(set(split(vectors, 3))) == 3
    assert len(set(split(vectors, 10))) == 10  # more than there are voices: still what was asked, up to the vectors
    embeddings, segmentations = one_voice_per_chunk(vectors)
    _, _, found = SpeakerClustering()(embeddings, segmentations, num_clusters=2)
    assert len(found) == 2
    _, _, found = SpeakerClustering()(embeddings, segmentations, max_clusters=1)
    assert len(found) == 1
    _, _, found = SpeakerClustering()(embeddings, segmentations, min_clusters=4)  # three voices, at least four asked
    assert len(found) == 4
    _, _, found = SpeakerClustering()(embeddings, segmentations, min_clusters=2, max_clusters=5)  # within bounds
    assert len(found) == 3


def test_local_speakers_of_one_chunk_go_to_different_clusters():
    a, b = centres(2)
    similar_to_a = unit_rows(a + 0.3 * b)  # closer to a, but a is taken by the chunk's other speaker
    embeddings = np.array([[a, similar_to_a, np.full(a.size, np.nan)]])
    hard, _ = assign(embeddings, np.vstack([a, b]))
    assert list(hard[0, :2]) == [0, 1]


def test_no_embedding_at_all_is_one_silent_cluster():
    embeddings = np.full((4, 3, 8), np.nan)
    hard, _, found = SpeakerClustering()(embeddings, Segmentations(np.zeros((4, 100, 3))))
    assert hard.shape == (4, 3) and len(found) == 1
