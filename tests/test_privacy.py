"""The small-number rule of the contract on single figures."""

import pandas as pd

from ipsdash import privacy

RULE = privacy.Rule(
    counts=("n", "k"),
    rates=(privacy.Rate("k", "n", ("rate",)),),
    medians={"median": "n"},
)


def frame(*pairs):
    return pd.DataFrame(
        [{"n": n, "k": k, "rate": k / n if n else float("nan"), "median": 10.0} for n, k in pairs]
    )


def test_counts_below_threshold_become_text_zero_stays():
    out = privacy.protect(frame((0, 0), (4, 1), (5, 0), (12, 6)), RULE, 5)
    assert out["n"].tolist() == [0, "<5", 5, 12]
    assert out["k"].tolist() == [0, "<5", 0, 6]


def test_rate_hidden_by_numerator_denominator_or_difference():
    out = privacy.protect(frame((20, 3), (3, 3), (20, 17), (20, 10), (20, 20), (20, 0)), RULE, 5)
    assert out["rate"].tolist()[:3] == [None, None, None]
    assert out["rate"].tolist()[3:] == [0.5, 1.0, 0.0]


def test_numerator_hidden_when_only_the_difference_is_small():
    # 17 of 20: the 3 not placed would follow from the two counts, so the 17 goes too.
    out = privacy.protect(frame((20, 17)), RULE, 5)
    assert out.loc[0, "n"] == 20 and out.loc[0, "k"] is None and out.loc[0, "rate"] is None


def test_median_hidden_over_few_courses():
    out = privacy.protect(frame((4, 0), (5, 0), (0, 0)), RULE, 5)
    assert out["median"].tolist() == [None, 10.0, 10.0]


def test_threshold_is_a_setting():
    out = privacy.protect(frame((3, 1), (2, 2)), RULE, 3)
    assert out["n"].tolist() == [3, "<3"]
    assert privacy.protect(frame((1, 1)), RULE, 0)["n"].tolist() == [1]


ADD = privacy.Rule(counts=("n",))


def test_a_lone_hidden_cell_takes_the_next_smallest_with_it():
    # Total 27: with only the 3 hidden, 27 - (12 + 7 + 5) would give it back.
    df = pd.DataFrame({"n": [12, 3, 7, 5]})
    out = privacy.protect(df, ADD, 5, additive=("n",))
    assert out["n"].tolist() == [12, "<5", 7, None]


def test_two_small_cells_that_add_to_little_take_a_third_not_a_zero():
    # 1 + 2 = 3 hidden, under 5: a total of 3 + 20 would still pin both down.
    df = pd.DataFrame({"n": [1, 0, 2, 20, 30]})
    out = privacy.protect(df, ADD, 5, additive=("n",))
    assert out["n"].tolist() == ["<5", 0, "<5", None, 30]


def test_lines_are_protected_apart():
    df = pd.DataFrame({"g": ["a", "a", "a", "b", "b"], "n": [3, 9, 8, 10, 11]})
    out = privacy.protect(df, ADD, 5, additive=("n",), line="g")
    assert out["n"].tolist() == ["<5", 9, None, 10, 11]


def test_nothing_hidden_nothing_added():
    df = pd.DataFrame({"n": [0, 5, 6]})
    assert privacy.protect(df, ADD, 5, additive=("n",))["n"].tolist() == [0, 5, 6]


def test_a_zero_is_hidden_only_when_nothing_else_is_left():
    df = pd.DataFrame({"n": [3, 0, 0]})
    assert privacy.protect(df, ADD, 5, additive=("n",))["n"].tolist() == ["<5", None, 0]
