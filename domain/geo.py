"""Coordinates and the pilot-area geofence.

Phones report WGS-84; Chinese maps (Amap, Tencent) use GCJ-02 and Baidu uses BD-09. An unconverted
GCJ-02 point is off by a few hundred metres, enough to put an accident on the wrong side of a
street boundary, so every location is converted to WGS-84 before the geofence test (DESIGN.md §2).

All functions take and return ``(lat, lon)`` in that order. The GCJ-02 transform is the
published Krasovsky-ellipsoid formula; it applies only inside China (outside, GCJ-02 = WGS-84).
The inverse (GCJ-02 → WGS-84) has no closed form and is solved by fixed-point iteration, which
converges to well under a millimetre.

The pilot area is a GeoJSON FeatureCollection of Polygon / MultiPolygon features in WGS-84, each
with properties ``name`` (the street, e.g. 南城街道) and ``district`` (e.g. 江阳区). Extra
properties (``approximate``, ``note``) are kept but not interpreted.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from domain.models import CoordinateSystem, Location

if TYPE_CHECKING:
    from shapely.geometry import MultiPolygon, Polygon

# shapely (and numpy under it) is imported inside PilotArea only: C extensions cannot be loaded a
# second time, so a module-level import would make domain/ unimportable in the Temporal workflow
# sandbox. The conversion functions are pure math and safe anywhere.

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 obfuscation.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0
_EARTH_RADIUS_M = 6371008.8


def out_of_china(lat: float, lon: float) -> bool:
    """The rough bounding box in which GCJ-02 differs from WGS-84."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _gcj_offset(lat: float, lon: float) -> tuple[float, float]:
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return dlat, dlon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    if out_of_china(lat, lon):
        return lat, lon
    dlat, dlon = _gcj_offset(lat, lon)
    return lat + dlat, lon + dlon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Iterative inverse: find w such that wgs84_to_gcj02(w) == (lat, lon)."""
    if out_of_china(lat, lon):
        return lat, lon
    wlat, wlon = lat, lon
    for _ in range(30):
        glat, glon = wgs84_to_gcj02(wlat, wlon)
        dlat, dlon = glat - lat, glon - lon
        wlat -= dlat
        wlon -= dlon
        if abs(dlat) < 1e-10 and abs(dlon) < 1e-10:
            break
    return wlat, wlon


def gcj02_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    x, y = lon, lat
    z = math.sqrt(x * x + y * y) + 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) + 0.000003 * math.cos(x * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd09_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    x, y = lon - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.sin(theta), z * math.cos(theta)


def bd09_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))


def wgs84_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(math.sqrt(h))


def to_wgs84(location: Location) -> Location:
    """A WGS-84 copy of the location (address and district kept)."""
    if location.system == CoordinateSystem.GCJ02:
        lat, lon = gcj02_to_wgs84(location.lat, location.lon)
    elif location.system == CoordinateSystem.BD09:
        lat, lon = bd09_to_wgs84(location.lat, location.lon)
    else:
        lat, lon = location.lat, location.lon
    return location.model_copy(update={"lat": lat, "lon": lon, "system": CoordinateSystem.WGS84})


@dataclass(frozen=True)
class AreaFeature:
    name: str
    district: str
    geometry: Polygon | MultiPolygon
    properties: dict[str, Any]


class PilotArea:
    """The streets where online handling is offered; a point is tested after conversion to WGS-84."""

    def __init__(self, features: list[AreaFeature]) -> None:
        if not features:
            raise ValueError("pilot area has no features")
        self._features = tuple(features)

    @classmethod
    def from_geojson(cls, data: dict[str, Any]) -> PilotArea:
        import shapely
        from shapely.geometry import MultiPolygon, Polygon, shape

        if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
            raise ValueError("pilot area must be a GeoJSON FeatureCollection")
        features: list[AreaFeature] = []
        for i, feature in enumerate(data.get("features") or []):
            props = dict(feature.get("properties") or {})
            name, district = props.get("name"), props.get("district")
            if not name or not district:
                raise ValueError(f"feature {i}: properties 'name' and 'district' are required")
            geom = shape(feature.get("geometry") or {})
            if not isinstance(geom, Polygon | MultiPolygon):
                raise ValueError(f"feature {i} ({name}): geometry must be a Polygon or MultiPolygon")
            if not geom.is_valid:
                raise ValueError(f"feature {i} ({name}): invalid geometry: {shapely.is_valid_reason(geom)}")
            shapely.prepare(geom)
            features.append(AreaFeature(name=name, district=district, geometry=geom, properties=props))
        return cls(features)

    @classmethod
    def load(cls, path: str | Path) -> PilotArea:
        return cls.from_geojson(json.loads(Path(path).read_text(encoding="utf-8")))

    @property
    def features(self) -> tuple[AreaFeature, ...]:
        return self._features

    @property
    def names(self) -> list[str]:
        return [f.name for f in self._features]

    def feature_at(self, location: Location) -> AreaFeature | None:
        """The feature containing the location (boundary included), after conversion to WGS-84."""
        import shapely

        wgs = to_wgs84(location)
        for feature in self._features:
            if shapely.intersects_xy(feature.geometry, wgs.lon, wgs.lat):
                return feature
        return None

    def locate(self, location: Location) -> str | None:
        feature = self.feature_at(location)
        return feature.name if feature else None

    def district_of(self, location: Location) -> str | None:
        feature = self.feature_at(location)
        return feature.district if feature else None
