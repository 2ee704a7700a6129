import json
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import shape

from domain.geo import (
    PilotArea,
    bd09_to_gcj02,
    bd09_to_wgs84,
    distance_m,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from domain.models import CoordinateSystem, Location

ROOT = Path(__file__).resolve().parents[2]
GEOJSON = ROOT / "data" / "pilot_area_luzhou.geojson"

# A point on the Yangtze side of 南城 (approximate polygon), as an Amap/Tencent (GCJ-02) map gives it.
# In WGS-84 it is about (28.86650, 105.43500), ~200 m inside the southern edge; read without
# conversion it lands ~490 m south-east, in the river, outside every street.
NANCHENG_EDGE_GCJ = (28.86347, 105.438598)
NANCHENG_EDGE_WGS = (28.8665, 105.4350)


@pytest.fixture(scope="module")
def area():
    return PilotArea.load(GEOJSON)


def test_known_offsets_near_luzhou():
    glat, glon = wgs84_to_gcj02(*NANCHENG_EDGE_WGS)
    assert (round(glat, 6), round(glon, 6)) == NANCHENG_EDGE_GCJ
    assert 450 < distance_m(*NANCHENG_EDGE_WGS, glat, glon) < 520


def test_outside_china_unchanged():
    assert wgs84_to_gcj02(48.8566, 2.3522) == (48.8566, 2.3522)
    assert gcj02_to_wgs84(48.8566, 2.3522) == (48.8566, 2.3522)


china = st.tuples(st.floats(18.0, 53.0), st.floats(74.0, 134.0))


@given(china)
def test_gcj_round_trip_below_half_a_metre(p):
    back = gcj02_to_wgs84(*wgs84_to_gcj02(*p))
    assert distance_m(*p, *back) < 0.5


@given(china)
def test_bd_round_trip(p):
    assert distance_m(*p, *bd09_to_gcj02(*gcj02_to_bd09(*p))) < 1.0
    assert distance_m(*p, *bd09_to_wgs84(*wgs84_to_bd09(*p))) < 1.0


def test_to_wgs84_keeps_other_fields():
    loc = Location(
        lat=NANCHENG_EDGE_GCJ[0], lon=NANCHENG_EDGE_GCJ[1], system=CoordinateSystem.GCJ02, address="滨江路"
    )
    wgs = to_wgs84(loc)
    assert wgs.system == CoordinateSystem.WGS84 and wgs.address == "滨江路"
    assert distance_m(wgs.lat, wgs.lon, *NANCHENG_EDGE_WGS) < 0.5
    assert loc.system == CoordinateSystem.GCJ02  # the input is not modified
    same = Location(lat=28.87, lon=105.44)
    assert to_wgs84(same) == same


def test_gcj_point_in_nancheng_only_after_conversion(area):
    gcj = Location(lat=NANCHENG_EDGE_GCJ[0], lon=NANCHENG_EDGE_GCJ[1], system=CoordinateSystem.GCJ02)
    assert area.locate(gcj) == "南城街道"
    assert area.district_of(gcj) == "江阳区"
    # the same numbers taken as WGS-84 (the bug of skipping the conversion) fall outside
    raw = Location(lat=NANCHENG_EDGE_GCJ[0], lon=NANCHENG_EDGE_GCJ[1], system=CoordinateSystem.WGS84)
    assert area.locate(raw) is None
    # the same place given by Baidu (BD-09) is also found
    blat, blon = wgs84_to_bd09(*NANCHENG_EDGE_WGS)
    assert area.locate(Location(lat=blat, lon=blon, system=CoordinateSystem.BD09)) == "南城街道"


def test_three_hundred_metres_off_flips(area):
    inside = Location(lat=NANCHENG_EDGE_WGS[0], lon=NANCHENG_EDGE_WGS[1])
    assert area.locate(inside) == "南城街道"
    south = NANCHENG_EDGE_WGS[0] - 300 / 111_195  # 300 m further south, into the Yangtze
    assert area.locate(Location(lat=south, lon=NANCHENG_EDGE_WGS[1])) is None


@pytest.mark.parametrize(
    ("lat", "lon", "name", "district"),
    [
        (28.8720, 105.4380, "南城街道", "江阳区"),
        (28.8870, 105.4350, "北城街道", "江阳区"),
        (28.8750, 105.4150, "大山坪街道", "江阳区"),
        (28.8800, 105.3950, "华阳街道", "江阳区"),
        (28.9150, 105.4100, "况场街道", "龙马潭区"),
        (28.8500, 105.4400, None, None),  # south bank of the Yangtze
        (30.6600, 104.0600, None, None),  # Chengdu
    ],
)
def test_locate_streets(area, lat, lon, name, district):
    loc = Location(lat=lat, lon=lon)
    assert area.locate(loc) == name
    assert area.district_of(loc) == district


def test_shipped_file_is_labelled_approximate_and_non_overlapping():
    data = json.loads(GEOJSON.read_text(encoding="utf-8"))
    names = [f["properties"]["name"] for f in data["features"]]
    assert names == ["南城街道", "北城街道", "大山坪街道", "华阳街道", "况场街道"]
    for f in data["features"]:
        assert f["properties"]["approximate"] is True
        assert "管理员" in f["properties"]["note"] and "administrator" in f["properties"]["note"]
        assert f["properties"]["district"] in {"江阳区", "龙马潭区"}
    shapes = [shape(f["geometry"]) for f in data["features"]]
    for i, a in enumerate(shapes):
        assert a.is_valid and a.area > 0
        for b in shapes[i + 1 :]:
            assert a.intersection(b).area == pytest.approx(0, abs=1e-12)
        c = a.centroid  # plausibly placed around Luzhou's centre
        assert math.dist((c.x, c.y), (105.44, 28.88)) < 0.08


def _fc(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def _feature(geometry, **props):
    return {"type": "Feature", "properties": props, "geometry": geometry}


SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}


def test_multipolygon_and_boundary():
    multi = {
        "type": "MultiPolygon",
        "coordinates": [SQUARE["coordinates"], [[[2, 2], [3, 2], [3, 3], [2, 3], [2, 2]]]],
    }
    area = PilotArea.from_geojson(_fc(_feature(multi, name="甲街道", district="乙区")))
    assert area.locate(Location(lat=2.5, lon=2.5)) == "甲街道"
    assert area.locate(Location(lat=0, lon=0.5)) == "甲街道"  # on the boundary counts as inside
    assert area.locate(Location(lat=1.5, lon=1.5)) is None


@pytest.mark.parametrize(
    "data",
    [
        {"type": "Feature"},
        _fc(),
        _fc(_feature(SQUARE, name="甲街道")),  # no district
        _fc(_feature({"type": "Point", "coordinates": [0, 0]}, name="甲", district="乙")),
        _fc(
            _feature(
                {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
                name="甲",
                district="乙",
            )
        ),  # self-intersecting (bow-tie)
    ],
)
def test_bad_geojson_refused(data):
    with pytest.raises(ValueError):
        PilotArea.from_geojson(data)
