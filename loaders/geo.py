"""Points in GeoJSON polygons, for placing institutions in neighborhoods.

Small on purpose: a neighborhood is a Polygon or MultiPolygon in [lon, lat], possibly
with holes, and the even-odd rule answers whether a point lies in it.
"""

from __future__ import annotations

import json
from typing import Any

Polygon = list[list[tuple[float, float]]]  # rings of (lon, lat): the outer ring, then holes


def polygons(geometry: Any) -> list[Polygon]:
    """The polygons of a GeoJSON Polygon or MultiPolygon (or its JSON text); else none."""
    try:
        if isinstance(geometry, str):
            geometry = json.loads(geometry)
        kind, coordinates = geometry["type"], geometry["coordinates"]
        polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
        return [[[(float(p[0]), float(p[1])) for p in ring] for ring in polygon] for polygon in polygons]
    except (TypeError, ValueError, KeyError, IndexError):
        return []


def _in_ring(x: float, y: float, ring: list[tuple[float, float]]) -> bool:
    """Even-odd rule: a ray from the point crosses the ring an odd number of times."""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def contains(polygon: Polygon, x: float, y: float) -> bool:
    """Inside the outer ring and outside every hole."""
    return bool(polygon) and _in_ring(x, y, polygon[0]) and not any(_in_ring(x, y, h) for h in polygon[1:])
