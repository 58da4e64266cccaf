"""The domain core: the catalogue, Vietnamese normalization and matching. Never imports Telegram."""

from knowledge.loader import check_catalogue, default_sources, load_catalogue, safety_problems
from knowledge.models import Candidate, Catalogue, Entry, Explanation, Link, SearchResult, Sector, Status
from knowledge.problems import CatalogueError, Problem
from knowledge.search import Index, Thresholds

__all__ = [
    "Candidate",
    "Catalogue",
    "CatalogueError",
    "Entry",
    "Explanation",
    "Index",
    "Link",
    "Problem",
    "SearchResult",
    "Sector",
    "Status",
    "Thresholds",
    "build_index",
    "check_catalogue",
    "default_sources",
    "load_catalogue",
    "safety_problems",
]


def build_index(paths=None, thresholds: Thresholds | None = None) -> Index:
    """Load and validate the catalogue (raising CatalogueError) and index it."""
    catalogue, lexicon = load_catalogue(paths)
    return Index(catalogue, lexicon, thresholds)
