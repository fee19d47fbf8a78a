"""Use cases: what a request asks, answered from the store and the analysis."""
