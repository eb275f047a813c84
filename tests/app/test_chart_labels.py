"""Issue 15 item 7: scatter labels on the Link and Drivers pages overlapped and were clipped at the edges.

``common.label_positions`` places each label where its box overlaps no other label or point and stays inside
the plot area; these tests check the boxes it implies, on the crowded layout seen on the Link page."""

import itertools

from app_pages import common


def boxes(xs, ys, texts, positions, shown, *, x_range, y_range, width_px, height_px):
    """The label boxes (pixels, y upwards) that the chosen positions imply."""
    sx = width_px / (x_range[1] - x_range[0])
    sy = height_px / (y_range[1] - y_range[0])
    out = []
    for x, y, text, position in zip(xs, ys, shown, positions, strict=True):
        if not text:
            continue
        px, py = (x - x_range[0]) * sx, (y - y_range[0]) * sy
        (dx, dy), = [(d[1], d[2]) for d in common.LABEL_POSITIONS if d[0] == position]
        w, h = common.label_width(text), common.LABEL_FONT_PX + 4
        gap = common.LABEL_GAP_PX
        left = px - w / 2 if dx == 0 else (px + gap if dx > 0 else px - gap - w)
        bottom = py - h / 2 if dy == 0 else (py + gap if dy > 0 else py - gap - h)
        out.append((left, bottom, left + w, bottom + h))
    return out


# The Link page's demo scatter: a tight cluster of stations at 91-95 / 83-89, and points at the plot's edges.
XS = [91.8, 92.6, 95.2, 92.3, 87.5, 94.3, 93.2, 91.3, 94.9, 95.3, 92.9, 66.3, 90.7, 99.1, 93.0, 94.0]
YS = [81.2, 82.9, 85.9, 83.0, 78.6, 86.3, 85.3, 84.0, 88.0, 89.4, 84.1, 77.0, 73.4, 70.8, 83.5, 89.4]
NAMES = ["新华街派出所", "江北路派出所", "梨园派出所", "南港路派出所", "枫林派出所", "渔村派出所", "长丰派出所",
         "湖滨派出所", "石门派出所", "西山路派出所", "青石桥派出所", "花园街派出所", "新港派出所", "北城派出所",
         "东湖路派出所", "海湾派出所"]


def test_labels_neither_overlap_nor_leave_the_plot():
    x_range, y_range = common.padded_range(XS), common.padded_range(YS)
    size = {"width_px": 700, "height_px": 340}
    positions, shown = common.label_positions(XS, YS, NAMES, x_range=x_range, y_range=y_range, **size)
    placed = boxes(XS, YS, NAMES, positions, shown, x_range=x_range, y_range=y_range, **size)
    for a, b in itertools.combinations(placed, 2):
        assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    assert all(b[0] >= 0 and b[1] >= 0 and b[2] <= size["width_px"] and b[3] <= size["height_px"] for b in placed)
    # Most names are printed; the edge points (66.3 and 99.1) are labelled inward, not cut.
    assert sum(1 for s in shown if s) >= 10
    assert positions[NAMES.index("北城派出所")] in ("top left", "middle left", "bottom left", "top center",
                                                    "bottom center") and shown[NAMES.index("北城派出所")]


def test_every_label_is_printed_when_there_is_room():
    xs, ys = [10, 50, 90], [10, 50, 90]
    x_range, y_range = common.padded_range(xs), common.padded_range(ys)
    positions, shown = common.label_positions(xs, ys, ["A", "B", "C"], x_range=x_range, y_range=y_range,
                                              width_px=600, height_px=300)
    assert shown == ["A", "B", "C"]


def test_the_old_fixed_position_overlapped():
    """The defect as it was: every label 'top center' — at least two boxes overlap on the demo layout."""
    x_range, y_range = common.padded_range(XS), common.padded_range(YS)
    size = {"width_px": 700, "height_px": 340}
    placed = boxes(XS, YS, NAMES, ["top center"] * len(XS), NAMES, x_range=x_range, y_range=y_range, **size)
    assert any(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
               for a, b in itertools.combinations(placed, 2))


def test_many_periods_are_labelled_level_every_nth_so_the_legend_below_covers_none():
    # Found in the browser: 36 months in a half-width Trends chart, labels turned on end, the legend over them.
    months = [f"{y}-{m:02d}" for y in (2023, 2024, 2025, 2026) for m in range(1, 13)][9:45]
    axis = common.period_axis(months)
    assert axis["categoryarray"] == months and axis["type"] == "category"
    assert axis["tickangle"] == 0
    # 7 px a character + 16 px apart: the shown labels fit the 360 px budget side by side
    assert axis["nticks"] * (7 * len("2026-09") + 16) <= 360 < (axis["nticks"] + 1) * (7 * len("2026-09") + 16)
    # a handful of quarters fits: plotly's own labels, nothing forced
    quarters = ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    assert common.period_axis(quarters) == {"type": "category", "categoryorder": "array", "categoryarray": quarters}
    # a full-width chart shows more labels of the same months
    assert common.period_axis(months, width_px=720)["nticks"] > axis["nticks"]
