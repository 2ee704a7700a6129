"""Which driving-licence classes (准驾车型, GA/T 1031 / MPS Order 162) permit which vehicle types.
A higher class includes the lower ones listed for it."""

from __future__ import annotations

INCLUDES: dict[str, set[str]] = {
    "A1": {"A1", "A3", "B1", "B2", "C1", "C2", "C3", "C4", "M"},
    "A2": {"A2", "B1", "B2", "C1", "C2", "C3", "C4", "M"},
    "A3": {"A3", "C1", "C2", "C3", "C4"},
    "B1": {"B1", "C1", "C2", "C3", "C4", "M"},
    "B2": {"B2", "C1", "C2", "C3", "C4", "M"},
    "C1": {"C1", "C2", "C3", "C4"},
    "C2": {"C2"},
    "C3": {"C3", "C4"},
    "C4": {"C4"},
    "C6": {"C6"},
    "D": {"D", "E", "F"},
    "E": {"E", "F"},
    "F": {"F"},
}

# The class a vehicle type needs at least (registry vehicle types, Chinese as on the 行驶证).
REQUIRED_CLASS: dict[str, set[str]] = {
    "小型普通客车": {"C1", "C2"},
    "小型轿车": {"C1", "C2"},
    "小型越野客车": {"C1", "C2"},
    "微型普通客车": {"C1", "C2"},
    "小型自动挡汽车": {"C2"},
    "轻型普通货车": {"C1"},
    "中型普通客车": {"B1"},
    "大型普通客车": {"A1"},
    "重型普通货车": {"B2"},
    "普通二轮摩托车": {"D"},
    "普通三轮摩托车": {"D"},
    "轻便二轮摩托车": {"E", "F"},
}


def licence_permits(licence_class: str, vehicle_type: str) -> bool:
    """True when a holder of `licence_class` may drive `vehicle_type`. An unknown vehicle type is
    treated as a small passenger car (C1), the common case in minor accidents."""
    needed = REQUIRED_CLASS.get(vehicle_type, {"C1"})
    held = INCLUDES.get(licence_class.strip().upper(), set())
    return bool(held & needed)
