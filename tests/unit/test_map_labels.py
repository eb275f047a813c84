"""Map labels: names that would overlap on the drawn map become numbers (analytics.geo.labels_collide)."""

from analytics.geo import label_width_px, labels_collide


def test_label_width_counts_wide_characters_as_a_full_em():
    assert label_width_px("ab", font_px=10) == 12.0  # 0.6 em each
    assert label_width_px("派出所", font_px=10) == 30.0
    assert label_width_px("▲ 3", font_px=10) == 18.0  # the glyph is below the CJK block: 0.6 em


def test_far_apart_labels_do_not_collide():
    # Two points 1 degree apart across a 700 px plot: 700 px between centres, labels ~60 px wide.
    assert not labels_collide([(0.0, 0.0), (1.0, 0.0)], ["Station A", "Station B"])


def test_side_by_side_long_names_collide():
    # 16 thin strips side by side (the demo city): centres 0.05 degree apart across 0.75 degree, so
    # 700 / 0.75 = 933 px per degree, 47 px between centres, and each name is ~140 px wide.
    centres = [(114 + i * 0.05, 30.0 + (i % 2) * 0.001) for i in range(16)]
    assert labels_collide(centres, [f"Road {i} Police Station" for i in range(16)])
    # Numbers instead of names fit: ~12 px wide at 47 px apart.
    assert not labels_collide(centres, [f"● {i}" for i in range(1, 17)])


def test_same_x_different_rows_collide_only_when_lines_touch():
    # One column of points: the vertical span sets the scale (560 px for 1 degree).
    assert not labels_collide([(0.0, 0.0), (0.0, 1.0)], ["a", "b"])
    close = [(0.0, 0.0), (0.0, 1.0), (0.0, 1.01)]  # 5.6 px apart: less than a line (14.3 + 2 px)
    assert labels_collide(close, ["a", "b", "c"])


def test_latitude_scale_stretches_the_vertical_distance():
    # Points 0.02 degree apart vertically and 1 degree horizontally; with lat_scale 1 the vertical
    # gap is 0.02 * 700 = 14 px (< 16.3 px: the lines touch); with lat_scale 2 it doubles to 28 px. The first
    # and third are 14 px apart across, less than their 33 px wide labels ("xxxxx": 5 * 6.6 px).
    centres = [(0.0, 0.0), (1.0, 0.02), (0.02, 0.02)]
    assert labels_collide(centres, ["xxxxx"] * 3, lat_scale=1.0)
    assert not labels_collide(centres, ["xxxxx"] * 3, lat_scale=2.0)


def test_one_label_or_one_point():
    assert not labels_collide([(1.0, 1.0)], ["only"])
    assert labels_collide([(1.0, 1.0), (1.0, 1.0)], ["a", "b"])
