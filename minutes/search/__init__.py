"""Archive search: every processed meeting in one SQLite index, searched by words and by meaning."""

from minutes.search.archive import default_index_path, index_meeting, index_paths, mark, search
from minutes.search.index import Filters, Hit, SearchIndex
from minutes.search.meeting import Meeting, NotAMeeting, Unit

__all__ = [
    "Filters",
    "Hit",
    "Meeting",
    "NotAMeeting",
    "SearchIndex",
    "Unit",
    "default_index_path",
    "index_meeting",
    "index_paths",
    "mark",
    "search",
]
