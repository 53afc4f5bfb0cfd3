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
