"""The archive index: SQLite (FTS5 for words, float32 BLOBs for meaning) and hybrid search over passages.

Layout. A meeting is a list of units (segments or turns); a passage is a window of `WINDOW` consecutive units,
starting every `STRIDE` units (plus one window flush with the meeting's end), so an answer that straddles two
segments is still one hit. Words: an FTS5 table over each passage, as written and diacritics-folded (`text.fold`),
porter-stemmed, and one over each whole meeting. Meaning: one e5 vector per unit, and one per block of `BLOCK`
units read together (non-overlapping, so each unit is read twice in all, not WINDOW/STRIDE times as embedding every
passage would; a block of long speeches is cut at e5's 512 tokens, their own vectors keep the rest). A passage's
meaning score is the best of its units' cosines, blended with their mean, plus the cosine of the block around its
middle: a turn alone is often a fragment ("yes, the rubber one") whose subject is in the turns around it, and e5
reading them together sees it. The word and meaning rankings are fused by reciprocal rank (no score calibration
needed), plus how well the whole meeting matches the words.

Crash safety. Vectors are computed before anything is written; a meeting is then replaced in one transaction, so an
interrupted update leaves the meeting as it was (or absent if it was new), and running `minutes index` again repairs.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from minutes.search.encoder import Encoder
from minutes.search.meeting import SPEECH, Meeting
from minutes.search.text import fold, words

WINDOW = 5
STRIDE = 2
CANDIDATES = 100  # per ranking, before fusion
RRF_K = 60
LEXICAL_WEIGHT = 1.0
DENSE_WEIGHT = 1.0
PHRASES = True  # adjacent query words also asked for as a phrase
# Words (and word pairs) said in more than this share of the passages are left out of the word query: BM25 gives
# them almost no weight (none above one half) while FTS5 would score every passage that says them.
COMMON_SHARE = 0.2
NEIGHBOUR_WEIGHT = 0.2  # a passage's meaning score plus this times the better of its two neighbours' (same meeting)
GAP = 4  # hits closer than this many units to a better hit of the same meeting are the same moment
# Which meeting: BM25 of the question against each whole meeting, scaled to the best meeting's, times this, in units
# of a first rank's fused score. A question is about one meeting, and a meeting that says its words throughout is
# likelier than one passage of another that says them once (questions name a whole discussion: 25 turns median on
# the dev set, 91 for topics).
MEETING_WEIGHT = 0.3
MAX_WEIGHT = 0.85  # passage meaning score = MAX_WEIGHT * best unit + (1 - MAX_WEIGHT) * mean of units
BLOCK = 5  # units embedded together for the block vectors
BLOCK_WEIGHT = 1.0  # ... plus this times the cosine of the block around the passage's middle unit
# Above this many units (about 35 hours of meetings) the meaning side probes a coarse partition instead of scoring
# every unit: the lists nearest the query covering PROBE_SHARE of the units, whose PROBE_UNITS closest units
# bring their passages in to be scored exactly.
EXACT_UNITS = 50_000
PROBE_SHARE = 0.1
PROBE_UNITS = 3_000

# Words that carry no topic in a question to an archive ("what did they say about ..."): left out of the word
# query, which keeps OR-queries from touching every passage. The meaning side still sees the whole question.
_STOPWORDS = """
    a an the and or but of to in on at for with from by about as is are was were be been being do does did done
    what which who whom whose when where why how that this these those it its they them their there we our us you
    your i me my he she his her him any some all into over than then so if not no yes can could would should will
    shall may might must have has had say said says tell told discuss discussed discussion discussions talk talked
    summarize summarise summary mention mentioned think thought meeting group
    và là của các những được có trong cho không với này đó thì mà đã sẽ đang về như ai gì nào khi ở tại"""
STOPWORDS = frozenset(_STOPWORDS.split())

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meetings(
    id TEXT PRIMARY KEY, title TEXT NOT NULL, date TEXT NOT NULL, language TEXT NOT NULL, source TEXT NOT NULL,
    fingerprint TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS units(
    meeting_id TEXT NOT NULL, idx INTEGER NOT NULL, speaker TEXT NOT NULL, start REAL, end REAL, text TEXT NOT NULL,
    vec BLOB, kind TEXT NOT NULL DEFAULT 'speech', PRIMARY KEY (meeting_id, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS passages(
    id INTEGER PRIMARY KEY, meeting_id TEXT NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL,
    speakers TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS passages_meeting ON passages(meeting_id);
CREATE TABLE IF NOT EXISTS blocks(
    meeting_id TEXT NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL, vec BLOB NOT NULL,
    PRIMARY KEY (meeting_id, first)) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
    text, folded, tokenize = 'porter unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE IF NOT EXISTS meetings_fts USING fts5(
    text, folded, tokenize = 'porter unicode61 remove_diacritics 0');
"""


def windows(n: int, size: int | None = None, stride: int | None = None) -> list[tuple[int, int]]:
    """Inclusive (first, last) unit ranges covering 0..n-1; the last one ends at n-1."""
    size, stride = size or WINDOW, stride or STRIDE
    if n <= 0:
        return []
    starts = list(range(0, max(n - size, 0) + 1, stride))
    if starts[-1] + size < n:
        starts.append(n - size)
    return [(s, min(s + size, n) - 1) for s in starts]


@dataclass(frozen=True)
class Filters:
    meeting: str | None = None  # id or a part of the title, case-insensitive
    speaker: str | None = None  # part of a speaker's name, case-insensitive
    date_from: str | None = None  # ISO dates compare as strings
    date_to: str | None = None

    def sql(self) -> tuple[str, list[str]]:
        clauses: list[str] = []
        args: list[str] = []
        if self.meeting:
            clauses.append("(m.id = ? OR instr(lower(m.title), lower(?)) > 0)")
            args += [self.meeting, self.meeting]
        if self.speaker:
            clauses.append("instr(lower(p.speakers), lower(?)) > 0")
            args.append(self.speaker)
        if self.date_from:
            clauses.append("m.date >= ?")
            args.append(self.date_from)
        if self.date_to:
            clauses.append("m.date <> '' AND m.date <= ?")
            args.append(self.date_to)
        return " AND ".join(clauses) or "1", args

    def __bool__(self) -> bool:
        return any((self.meeting, self.speaker, self.date_from, self.date_to))


@dataclass
class Hit:
    passage_id: int
    meeting_id: str
    title: str
    date: str
    first: int  # unit (segment/turn) indices, inclusive
    last: int
    best: int  # the unit closest in meaning to the query: where to start listening
    start: float | None
    end: float | None
    units: list[tuple[str, str]]  # (speaker, text) of each unit
    score: float
    lexical_rank: int | None = None
    dense_rank: int | None = None
    terms: list[str] = field(default_factory=list)  # the query words, for marking
    similarity: float = 0.0  # cosine of the query with the passage's closest unit
    kind: str = SPEECH  # speech, or the kind of minutes item (decision, action, ...)

    @property
    def speakers(self) -> list[str]:
        return list(dict.fromkeys(s for s, _ in self.units if s))


def _fuse(rankings: list[tuple[float, list[int]]]) -> dict[int, float]:
    """Reciprocal rank fusion: each ranking adds weight / (RRF_K + rank) to the passages it holds."""
    fused: dict[int, float] = {}
    for weight, ranking in rankings:
        for rank, pid in enumerate(ranking):
            fused[pid] = fused.get(pid, 0.0) + weight / (RRF_K + rank + 1)
    return fused


def fts_query(query: str, common: Callable[[str], bool] | None = None) -> str | None:
    """An FTS5 OR-query: every word folded against the folded column, and the words typed with diacritics also as
    typed against the text column, so the exact spelling ranks first ("đá" above "đã").

    A word without diacritics is asked only of the folded column: in the text column it would match the same
    tokens again (English) and only double every score, which orders nothing differently but costs twice the time.
    Adjacent query words are also asked for as a phrase, so "remote control" or "ngân sách" (a Vietnamese word is
    often two written syllables) ranks passages that say them together above those that say them apart.
    """
    terms = [w for w in words(query) if w not in STOPWORDS and fold(w) not in STOPWORDS]
    if not terms:
        return None
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(terms)] if PHRASES else []
    phrases = list(dict.fromkeys([*terms, *pairs]))
    if common is not None:
        # a word said in most passages weighs almost nothing in BM25 yet makes FTS5 score every one of them
        phrases = [w for w in phrases if not common(f'folded : "{fold(w)}"')]
        if not phrases:
            return None
    folded = " OR ".join(dict.fromkeys(f'"{fold(w)}"' for w in phrases))
    typed = " OR ".join(f'"{w}"' for w in phrases if w != fold(w))
    return f"folded : ({folded})" + (f" OR text : ({typed})" if typed else "")


class _Partition:
    """A coarse partition of the unit vectors (spherical k-means), so a query scores a few lists instead of all units.

    Used only above `EXACT_UNITS` units; below, every unit is scored and the ranking is exact. The units are stored
    sorted by list so probing a list reads one contiguous slice. Built when the vectors load (a few seconds at
    1,000 hours), from a sample: its quality only decides how many near neighbours sit in the probed lists.
    """

    def __init__(self, units: np.ndarray, seed: int = 0) -> None:
        n = len(units)
        self.lists = int(np.clip(np.sqrt(n), 16, 2048))
        rng = np.random.default_rng(seed)
        sample = units[rng.choice(n, size=min(n, 40 * self.lists), replace=False)]
        centroids = sample[rng.choice(len(sample), size=self.lists, replace=False)].copy()
        for _ in range(8):
            nearest = (sample @ centroids.T).argmax(axis=1)
            sums = np.zeros_like(centroids)
            np.add.at(sums, nearest, sample)
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            centroids = np.where(norms > 0, sums / np.where(norms > 0, norms, 1.0), centroids).astype(np.float32)
        self.centroids = centroids
        assign = np.concatenate(
            [(units[s : s + 65536] @ centroids.T).argmax(axis=1) for s in range(0, n, 65536)]
        ).astype(np.int32)
        self.order = np.argsort(assign, kind="stable")  # new row -> old row
        self.offsets = np.concatenate([[0], np.cumsum(np.bincount(assign, minlength=self.lists))])

    def probe(self, units: np.ndarray, query: np.ndarray, share: float) -> tuple[np.ndarray, np.ndarray]:
        """(unit rows, their cosines) of the lists closest to the query, covering about `share` of the units."""
        want, taken, slices = share * len(units), 0, []
        for lst in np.argsort(-(self.centroids @ query)):
            start, end = int(self.offsets[lst]), int(self.offsets[lst + 1])
            if end > start:
                slices.append((start, end))
                taken += end - start
            if taken >= want:
                break
        rows = np.concatenate([np.arange(a, b) for a, b in slices])
        return rows, np.concatenate([units[a:b] @ query for a, b in slices])


class _Vectors:
    """Unit vectors and the passage -> units map, in memory for cosine scoring; reloaded when the index changes."""

    def __init__(self, conn: sqlite3.Connection, dim: int) -> None:
        rows = conn.execute("SELECT meeting_id, vec FROM units ORDER BY meeting_id, idx").fetchall()
        zero = bytes(4 * dim)
        self.units = np.frombuffer(b"".join(blob or zero for _, blob in rows), dtype=np.float32).reshape(-1, dim)
        offset: dict[str, int] = {}
        for n, (meeting_id, _) in enumerate(rows):
            offset.setdefault(meeting_id, n)  # a meeting's units are rows offset + idx (idx runs 0..n-1)
        del rows
        passages = conn.execute(
            "SELECT p.id, p.meeting_id, p.first, p.last, u.kind FROM passages p JOIN units u "
            "ON u.meeting_id = p.meeting_id AND u.idx = p.first ORDER BY p.id"
        ).fetchall()
        self.ids = np.array([p[0] for p in passages], dtype=np.int64)
        self.row = {int(pid): row for row, pid in enumerate(self.ids)}
        first = np.array([offset[p[1]] + p[2] for p in passages], dtype=np.int64)
        length = np.array([p[3] - p[2] + 1 for p in passages], dtype=np.int64)
        width = int(length.max()) if len(passages) else 1
        # (passage x unit) index matrix, a short passage padded with repeats of its first unit: the max is unchanged
        # and the mean is corrected by the padding count, with no NaN handling on the query path
        step = np.arange(width)
        self.members = np.where(step < length[:, None], first[:, None] + step, first[:, None]).reshape(-1, width)
        self.count = length.astype(np.float32)
        # the block around each passage's middle unit; -1 for a meeting indexed before block vectors
        block_rows = conn.execute("SELECT meeting_id, first, vec FROM blocks ORDER BY meeting_id, first").fetchall()
        self.blocks = np.frombuffer(b"".join(r[2] for r in block_rows), dtype=np.float32).reshape(-1, dim)
        # (meeting, unit) as one sortable number: the block whose first unit is the last one at or before a passage's
        # middle, when it is of the same meeting
        meeting_no = {m: n for n, m in enumerate(sorted({r[0] for r in block_rows} | {p[1] for p in passages}))}
        block_key = np.array([(meeting_no[r[0]] << 32) + r[1] for r in block_rows], dtype=np.int64)
        del block_rows
        middle_key = np.array([(meeting_no[p[1]] << 32) + (p[2] + p[3]) // 2 for p in passages], dtype=np.int64)
        # each passage's meeting, for the whole-meeting ranking (no query per search)
        self.meeting_names = sorted(meeting_no, key=meeting_no.__getitem__)
        self.meeting = (middle_key >> 32).astype(np.int32)
        found = np.searchsorted(block_key, middle_key, side="right") - 1
        if len(block_key):
            same = (found >= 0) & ((block_key[np.maximum(found, 0)] >> 32) == (middle_key >> 32))
            self.block = np.where(same, found, -1).astype(np.int64)
        else:
            self.block = np.full(len(passages), -1, dtype=np.int64)
        # passage i-1 is the window before passage i (ids follow the meeting's order as it was added); the minutes'
        # items are passages of their own, no one's neighbours
        speech_of = [(p[1], p[4] == SPEECH) for p in passages]
        self.same_as_previous = np.array(
            [a[0] == b[0] and a[1] and b[1] for a, b in itertools.pairwise(speech_of)], dtype=bool
        )
        self.last_top = np.zeros(len(passages), dtype=np.float32)
        self.partition: _Partition | None = None
        if len(self.units) > EXACT_UNITS:
            self.partition = _Partition(self.units)
            self.units = self.units[self.partition.order]
            new_row = np.empty_like(self.partition.order)
            new_row[self.partition.order] = np.arange(len(new_row))
            self.members = new_row[self.members]
            # unit row -> the passages holding it (CSR), to turn the probed units into candidate passages
            flat = self.members.ravel()
            owner = np.repeat(np.arange(len(self.members)), width)
            pairs = np.unique(flat * len(self.members) + owner)
            self.unit_passages = pairs % len(self.members)
            self.unit_offsets = np.searchsorted(pairs // len(self.members), np.arange(len(self.units) + 1))

    def _score(self, member: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        best = member.argmax(axis=1)
        top = member[np.arange(len(member)), best]
        padding = member.shape[1] - count
        mean = (member.sum(axis=1) - padding * member[:, 0]) / count
        return MAX_WEIGHT * top + (1 - MAX_WEIGHT) * mean, best, top

    def _block_cosines(self, query: np.ndarray, top: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Each passage's block cosine (of the passages `rows`, or all); its best unit's where it has no block."""
        block = self.block if rows is None else self.block[rows]
        if not len(self.blocks):
            return top
        if rows is None:  # every passage: one product per block, then a gather
            cosines = (self.blocks @ query)[np.maximum(block, 0)]
        else:
            cosines = self.blocks[np.maximum(block, 0)] @ query
        return np.where(block >= 0, cosines, top)

    def scores(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(passage scores, index of the best member unit within each passage); -inf for passages not scored."""
        if not len(self.ids):
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        if self.partition is None:
            score, best, top = self._score((self.units @ query)[self.members], self.count)
            self.last_top = top  # best-unit cosine per passage, for "is anything relevant at all" (minutes ask)
            if BLOCK_WEIGHT:
                score = score + BLOCK_WEIGHT * self._block_cosines(query, top)
            return score, best
        # the closest units of the probed lists, then every passage holding one of them scored exactly
        rows, cosines = self.partition.probe(self.units, query, PROBE_SHARE)
        keep = rows[np.argpartition(-cosines, min(PROBE_UNITS, len(rows)) - 1)[:PROBE_UNITS]]
        candidates = np.unique(
            np.concatenate([self.unit_passages[self.unit_offsets[u] : self.unit_offsets[u + 1]] for u in keep])
        )
        member = self.units[self.members[candidates]] @ query
        score, best_c, top_c = self._score(member, self.count[candidates])
        if BLOCK_WEIGHT:
            score = score + BLOCK_WEIGHT * self._block_cosines(query, top_c, candidates)
        scores = np.full(len(self.ids), -np.inf, dtype=np.float32)
        best = np.zeros(len(self.ids), dtype=np.int64)
        self.last_top = np.zeros(len(self.ids), dtype=np.float32)
        scores[candidates], best[candidates], self.last_top[candidates] = score, best_c, top_c
        return scores, best


class SearchIndex:
    def __init__(self, path: Path, encoder: Encoder | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._encoder = encoder
        self.conn = sqlite3.connect(self.path, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")  # readers keep working while `minutes run` adds a meeting
        self.conn.execute("PRAGMA foreign_keys=ON")
        with self.conn:
            self.conn.executescript(SCHEMA)
            columns = {row[1] for row in self.conn.execute("PRAGMA table_info(units)")}
            if "kind" not in columns:  # an index from before minutes items were indexed: every unit is speech
                self.conn.execute("ALTER TABLE units ADD COLUMN kind TEXT NOT NULL DEFAULT 'speech'")
        self._fill_meetings_fts()
        self._vectors: _Vectors | None = None
        self._common_cache: dict[str, bool] = {}
        self._common_generation = -1
        self._passage_count = 0
        self._vectors_generation = -1
        self._lock = threading.Lock()

    # -- writing ------------------------------------------------------------------------------------------------

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            from minutes.search.encoder import E5Encoder

            self._encoder = E5Encoder()
        return self._encoder

    def fingerprint(self, meeting_id: str) -> str | None:
        """What the meeting was indexed from; None when absent, or indexed before block vectors (so `minutes index`
        embeds it again rather than skip it as unchanged)."""
        row = self.conn.execute(
            "SELECT fingerprint FROM meetings WHERE id = ? AND EXISTS (SELECT 1 FROM blocks WHERE meeting_id = ?)",
            (meeting_id, meeting_id),
        ).fetchone()
        return row[0] if row else None

    def add(self, meeting: Meeting, fingerprint: str = "") -> int:
        """Index (or re-index) one meeting; returns its number of passages. All or nothing."""
        speech = [i for i, u in enumerate(meeting.units) if u.kind == SPEECH]
        if speech != list(range(len(speech))):
            raise ValueError(f"{meeting.id}: speech units must come before the minutes' items")
        # the vectors before the transaction: slow, and can fail
        vectors = self.encoder.passages([u.text for u in meeting.units])
        blocks = windows(len(speech), BLOCK, BLOCK)
        block_vectors = self.encoder.passages(
            ["\n".join(u.text for u in meeting.units[first : last + 1] if u.text.strip()) for first, last in blocks]
        )
        # each item of the minutes is a block of its own, whose vector is its unit's
        blocks += [(i, i) for i in range(len(speech), len(meeting.units))]
        block_vectors = np.concatenate([block_vectors.reshape(-1, vectors.shape[1]), vectors[len(speech) :]])
        # speech in overlapping windows; each item of the minutes a passage of its own
        spans = windows(len(speech)) + [(i, i) for i in range(len(speech), len(meeting.units))]
        with self.conn:  # one transaction: BEGIN ... COMMIT, ROLLBACK on any exception
            self._delete(meeting.id)
            cursor = self.conn.execute(
                "INSERT INTO meetings(id, title, date, language, source, fingerprint) VALUES (?, ?, ?, ?, ?, ?)",
                (meeting.id, meeting.title, meeting.date, meeting.language, meeting.source, fingerprint),
            )
            self._add_meeting_text(cursor.lastrowid, [(u.speaker, u.text) for u in meeting.units])
            self.conn.executemany(
                "INSERT INTO units(meeting_id, idx, speaker, start, end, text, vec, kind) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (meeting.id, i, u.speaker, u.start, u.end, u.text, vectors[i].astype(np.float32).tobytes(), u.kind)
                    for i, u in enumerate(meeting.units)
                ],
            )
            self.conn.executemany(
                "INSERT INTO blocks(meeting_id, first, last, vec) VALUES (?, ?, ?, ?)",
                [
                    (meeting.id, first, last, vector.astype(np.float32).tobytes())
                    for (first, last), vector in zip(blocks, block_vectors, strict=True)
                ],
            )
            for first, last in spans:
                chunk = meeting.units[first : last + 1]
                speakers = "\n".join(dict.fromkeys(u.speaker for u in chunk if u.speaker))
                text = "\n".join(f"{u.speaker}: {u.text}" if u.speaker else u.text for u in chunk)
                cursor = self.conn.execute(
                    "INSERT INTO passages(meeting_id, first, last, speakers) VALUES (?, ?, ?, ?)",
                    (meeting.id, first, last, speakers),
                )
                self.conn.execute(
                    "INSERT INTO passages_fts(rowid, text, folded) VALUES (?, ?, ?)",
                    (cursor.lastrowid, text, fold(text)),
                )
            self._bump()
        return len(spans)

    def _add_meeting_text(self, rowid: int | None, units: list[tuple[str, str]]) -> None:
        text = "\n".join(f"{speaker}: {said}" if speaker else said for speaker, said in units)
        self.conn.execute("INSERT INTO meetings_fts(rowid, text, folded) VALUES (?, ?, ?)", (rowid, text, fold(text)))

    def _fill_meetings_fts(self) -> None:
        """An index from before the meeting-level ranking: its meetings' text, from the units already stored."""
        stored = self.conn.execute("SELECT count(*) FROM meetings_fts").fetchone()[0]
        if stored == self.conn.execute("SELECT count(*) FROM meetings").fetchone()[0]:
            return
        with self.conn:
            self.conn.execute("DELETE FROM meetings_fts")
            for rowid, meeting_id in self.conn.execute("SELECT rowid, id FROM meetings").fetchall():
                units = self.conn.execute(
                    "SELECT speaker, text FROM units WHERE meeting_id = ? ORDER BY idx", (meeting_id,)
                ).fetchall()
                self._add_meeting_text(rowid, units)

    def remove(self, meeting_id: str) -> None:
        with self.conn:
            self._delete(meeting_id)
            self._bump()

    def _delete(self, meeting_id: str) -> None:
        self.conn.execute(
            "DELETE FROM meetings_fts WHERE rowid IN (SELECT rowid FROM meetings WHERE id = ?)", (meeting_id,)
        )
        self.conn.execute(
            "DELETE FROM passages_fts WHERE rowid IN (SELECT id FROM passages WHERE meeting_id = ?)", (meeting_id,)
        )
        self.conn.execute("DELETE FROM passages WHERE meeting_id = ?", (meeting_id,))
        self.conn.execute("DELETE FROM units WHERE meeting_id = ?", (meeting_id,))
        self.conn.execute("DELETE FROM blocks WHERE meeting_id = ?", (meeting_id,))
        self.conn.execute("DELETE FROM meetings WHERE id = ?", (meeting_id,))

    def _bump(self) -> None:
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def meetings(self) -> list[tuple[str, str, str, int]]:
        """(id, title, date, passages) of every indexed meeting."""
        return self.conn.execute(
            "SELECT m.id, m.title, m.date, count(p.id) FROM meetings m LEFT JOIN passages p ON p.meeting_id = m.id "
            "GROUP BY m.id ORDER BY m.date, m.title"
        ).fetchall()

    # -- searching ----------------------------------------------------------------------------------------------

    def _generation(self) -> int:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    def _loaded(self) -> _Vectors:
        with self._lock:
            generation = self._generation()
            if self._vectors is None or generation != self._vectors_generation:
                dim = self._encoder.dim if self._encoder is not None else 384
                self._vectors = _Vectors(self.conn, dim)
                self._vectors_generation = generation
            return self._vectors

    def lexical(self, query: str, filters: Filters = Filters(), limit: int | None = None) -> list[int]:
        """Passage ids, best first, by BM25 over the words (as typed or folded)."""
        match = fts_query(query, self._common if COMMON_SHARE < 1 else None)
        if match is None:
            return []
        where, args = filters.sql()
        join = " JOIN passages p ON p.id = f.rowid JOIN meetings m ON m.id = p.meeting_id" if filters else ""
        try:
            rows = self.conn.execute(
                f"SELECT f.rowid FROM passages_fts f{join} WHERE passages_fts MATCH ? AND {where} "
                "ORDER BY bm25(passages_fts) LIMIT ?",
                [match, *args, limit or CANDIDATES],
            ).fetchall()
        except sqlite3.OperationalError:  # a query FTS5 cannot parse: the meaning side still answers
            return []
        return [r[0] for r in rows]

    def meeting_scores(self, query: str) -> dict[str, float]:
        """Each meeting that says the query's words: its BM25 against the whole meeting, over the best meeting's
        (so 1.0 for the best; meetings without any of the words are absent)."""
        match = fts_query(query, self._common if COMMON_SHARE < 1 else None)
        if match is None:
            return {}
        try:
            rows = self.conn.execute(
                "SELECT m.id, -bm25(meetings_fts) FROM meetings_fts JOIN meetings m ON m.rowid = meetings_fts.rowid "
                "WHERE meetings_fts MATCH ?",
                (match,),
            ).fetchall()
        except sqlite3.OperationalError:
            return {}
        best = max((score for _, score in rows), default=0.0)
        return {meeting_id: score / best for meeting_id, score in rows} if best > 0 else {}

    def _common(self, match: str) -> bool:
        """Whether more than COMMON_SHARE of the passages match (counting stops there, so it stays cheap)."""
        generation = self._generation()
        if self._common_generation != generation:
            self._common_cache = {}
            self._passage_count = self.conn.execute("SELECT count(*) FROM passages").fetchone()[0]
            self._common_generation = generation
        if match not in self._common_cache:
            cap = max(int(COMMON_SHARE * self._passage_count), 50)  # a small archive: every word counts
            try:
                n = self.conn.execute(
                    "SELECT count(*) FROM (SELECT rowid FROM passages_fts WHERE passages_fts MATCH ? LIMIT ?)",
                    (match, cap + 1),
                ).fetchone()[0]
            except sqlite3.OperationalError:
                n = 0
            if len(self._common_cache) > 10_000:
                self._common_cache.clear()
            self._common_cache[match] = n > cap
        return self._common_cache[match]

    def typed_share(self, query: str) -> float:
        """The share of the query's words found as typed, among those found at all (typed or folded).

        A query typed without diacritics ("ngan sach") finds its words only in the folded column; e5 reads such a
        query as different, mostly meaningless text, so fusion trusts the meaning side that much less.
        """
        terms = [w for w in words(query) if w not in STOPWORDS and fold(w) not in STOPWORDS]
        typed = folded = 0
        for w in terms:
            if self._has(f'text : "{w}"'):
                typed += 1
            elif self._has(f'folded : "{fold(w)}"'):
                folded += 1
        return 1.0 if typed + folded == 0 else typed / (typed + folded)

    def _has(self, match: str) -> bool:
        try:
            return (
                self.conn.execute("SELECT 1 FROM passages_fts WHERE passages_fts MATCH ? LIMIT 1", (match,)).fetchone()
                is not None
            )
        except sqlite3.OperationalError:
            return False

    def dense(
        self, query: str, filters: Filters = Filters(), limit: int | None = None, vector: np.ndarray | None = None
    ) -> tuple[list[int], dict[int, int]]:
        """Passage ids, best first, by meaning; and each one's best unit (offset within the passage)."""
        vectors = self._loaded()
        scores, best = vectors.scores(self.encoder.query(query) if vector is None else vector)
        if NEIGHBOUR_WEIGHT and len(scores) > 1:
            # an answer is seldom one passage long: a passage whose neighbours are close in meaning too ranks higher
            finite = np.where(np.isfinite(scores), scores, 0.0)
            before = np.concatenate([[0.0], np.where(vectors.same_as_previous, finite[:-1], 0.0)])
            after = np.concatenate([np.where(vectors.same_as_previous, finite[1:], 0.0), [0.0]])
            scores = scores + NEIGHBOUR_WEIGHT * np.maximum(before, after)
        if filters:
            where, args = filters.sql()
            allowed = {
                r[0]
                for r in self.conn.execute(
                    f"SELECT p.id FROM passages p JOIN meetings m ON m.id = p.meeting_id WHERE {where}", args
                )
            }
            scores = np.where(np.isin(vectors.ids, list(allowed)), scores, -np.inf)
        n = min(limit or CANDIDATES, len(scores))
        if n <= 0:
            return [], {}
        top = np.argpartition(-scores, n - 1)[:n]  # a full sort of every passage is the slow part at scale
        order = top[np.argsort(-scores[top], kind="stable")]
        order = order[np.isfinite(scores[order])]
        ids = [int(vectors.ids[i]) for i in order]
        return ids, {int(vectors.ids[i]): int(best[i]) for i in order}

    def search(self, query: str, k: int = 10, filters: Filters = Filters(), diverse: bool = True) -> list[Hit]:
        """The k best passages by reciprocal-rank fusion of the word and meaning rankings."""
        lexical = self.lexical(query, filters)
        vector = self.encoder.query(query)
        dense, best = self.dense(query, filters, vector=vector)
        similarity = self._loaded().last_top  # best-unit cosines with the question itself (minutes ask)
        fused = _fuse([(LEXICAL_WEIGHT, lexical), (DENSE_WEIGHT * self.typed_share(query), dense)])
        if MEETING_WEIGHT and fused:
            which = self.meeting_scores(query)
            vectors = self._loaded()
            for pid in fused:
                owner = vectors.meeting_names[vectors.meeting[vectors.row[pid]]]
                fused[pid] += MEETING_WEIGHT * which.get(owner, 0.0) / (RRF_K + 1)
        ranked = sorted(fused, key=lambda pid: -fused[pid])
        lex_rank = {pid: r for r, pid in enumerate(lexical)}
        dense_rank = {pid: r for r, pid in enumerate(dense)}
        terms = [w for w in words(query) if w not in STOPWORDS]
        hits: list[Hit] = []
        for pid in ranked:
            hit = self._hit(pid, fused[pid], best.get(pid))
            hit.lexical_rank, hit.dense_rank, hit.terms = lex_rank.get(pid), dense_rank.get(pid), terms
            vectors = self._loaded()
            hit.similarity = float(similarity[vectors.row[pid]]) if pid in vectors.row else 0.0
            # overlapping or adjacent windows are the same moment: keep the best of them
            if diverse and any(
                h.meeting_id == hit.meeting_id
                and h.kind == hit.kind == SPEECH
                and h.first - GAP <= hit.last
                and hit.first <= h.last + GAP
                for h in hits
            ):
                continue
            hits.append(hit)
            if len(hits) == k:
                break
        return hits

    def _hit(self, pid: int, score: float, best_offset: int | None) -> Hit:
        meeting_id, title, date, first, last = self.conn.execute(
            "SELECT p.meeting_id, m.title, m.date, p.first, p.last FROM passages p JOIN meetings m "
            "ON m.id = p.meeting_id WHERE p.id = ?",
            (pid,),
        ).fetchone()
        rows = self.conn.execute(
            "SELECT speaker, start, end, text, kind FROM units WHERE meeting_id = ? AND idx BETWEEN ? AND ? "
            "ORDER BY idx",
            (meeting_id, first, last),
        ).fetchall()
        best = first + (best_offset if best_offset is not None else (last - first) // 2)
        starts = [r[1] for r in rows if r[1] is not None]
        ends = [r[2] for r in rows if r[2] is not None]
        return Hit(
            passage_id=pid,
            meeting_id=meeting_id,
            title=title,
            date=date,
            first=first,
            last=last,
            best=best,
            start=min(starts) if starts else None,
            end=max(ends) if ends else None,
            units=[(r[0], r[3]) for r in rows],
            score=score,
            kind=rows[0][4] if rows else SPEECH,
        )

    def close(self) -> None:
        self.conn.close()


def add_all(index: SearchIndex, meetings: Iterable[Meeting]) -> int:
    return sum(index.add(m) for m in meetings)
