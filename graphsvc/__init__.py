"""graphsvc: a graph service for intercultural mentorship programs."""

__version__ = "0.1.0"
