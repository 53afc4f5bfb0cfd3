"""The small-number rule and the cell key method of the contract on single figures."""

import hashlib
import hmac

import duckdb
import numpy as np
import pandas as pd
import pytest
from cell_key_perturbation.create_perturbed_table import create_perturbed_table

from ipsdash.extract import data, record_keys
from ipsdash.figures import privacy

RULE = privacy.Rule(
    counts=("n", "k"),
    rates=(privacy.Rate("k", "n", ("rate",)),),
    medians={"median": "n"},
)
TABLE = privacy.ptable()


def quiet_key(count: int) -> int:
    """A cell key whose noise for `count` is 0, so that a test of the primary rule sees true counts."""
    return int(np.flatnonzero(privacy.noise(np.full(256, count), np.arange(256)) == 0)[0])


def frame(*pairs):
    return pd.DataFrame(
        [
            {"n": n, "k": k, "n_key": quiet_key(n), "k_key": quiet_key(k), "rate": k / n if n else float("nan"),
             "median": 10.0}
            for n, k in pairs
        ]
    )


def test_counts_below_threshold_become_text_zero_stays():
    out = privacy.protect(frame((0, 0), (4, 1), (5, 0), (12, 6)), RULE, 5)
    assert out["n"].tolist() == [0, "<5", 5, 12]
    assert out["k"].tolist() == [0, "<5", 0, 6]


def test_rate_hidden_by_numerator_denominator_or_difference():
    out = privacy.protect(frame((20, 3), (3, 3), (20, 17), (20, 10), (20, 20), (20, 0)), RULE, 5)
    assert out["rate"].tolist()[:3] == [None, None, None]
    assert out["rate"].tolist()[3:] == [0.5, 1.0, 0.0]


def test_median_hidden_over_few_courses():
    out = privacy.protect(frame((4, 0), (5, 0), (0, 0)), RULE, 5)
    assert out["median"].tolist() == [None, 10.0, 10.0]


def test_threshold_is_a_setting():
    out = privacy.protect(frame((3, 1), (2, 2)), RULE, 3)
    assert out["n"].tolist() == [3, "<3"]
    assert privacy.protect(frame((1, 1)), RULE, 0)["n"].tolist() == [1]


# --- The cell key method ---------------------------------------------------------------------------


def test_ptable_keeps_its_parameters():
    rows = TABLE[1:]  # row 0: a count of 0
    assert rows.shape == (750, 256)
    assert rows.min() == -2 and rows.max() == 2
    assert (rows.sum(axis=1) == 0).all()  # mean 0 in every row
    counts = np.arange(1, 751)[:, None]
    assert ((counts + rows)[4:] >= 5).all()  # a true 5 or more is never published below 5
    assert np.allclose((rows[6:] ** 2).mean(axis=1), 1.0)  # variance 1 from 7 up
    assert (privacy.noise(np.zeros(256), np.arange(256)) == 0).all()  # 0 stays 0


def test_published_count_is_true_count_plus_its_noise_and_keys_never_leave():
    df = pd.DataFrame({"n": [40, 40, 900], "n_key": [3, 200, 77], "k": [0, 0, 0], "k_key": [0, 0, 0]})
    out = privacy.protect(df.assign(rate=0.0, median=1.0), RULE, 5)
    assert out["n"].tolist() == [40 + TABLE[40, 3], 40 + TABLE[40, 200], 900 + TABLE[(900 - 1) % 250 + 501, 77]]
    assert "n_key" not in out.columns and "k_key" not in out.columns
    exact = privacy.protect(df.assign(rate=0.0, median=1.0), RULE, 0)
    assert exact["n"].tolist() == [40, 40, 900] and "n_key" not in exact.columns


def test_a_count_without_its_cell_key_is_refused():
    with pytest.raises(KeyError, match="cell key"):
        privacy.protect(pd.DataFrame({"n": [7], "k": [1], "k_key": [0]}), RULE, 5)


def test_rates_are_worked_out_from_published_counts_to_whole_percent():
    rule = privacy.Rule(counts=("n", "k"), rates=(privacy.Rate("k", "n", ("rate", "low", "high")),))
    keys = np.arange(256)
    df = pd.DataFrame({"n": 64, "k": 21, "n_key": keys, "k_key": keys[::-1], "rate": 21 / 64, "low": 0.0, "high": 1.0})
    out = privacy.protect(df, rule, 5)
    n, k = out["n"].to_numpy(dtype=float), out["k"].to_numpy(dtype=float)
    assert np.allclose(out["rate"].to_numpy(dtype=float), np.round(k / n, 2))
    for col in ("rate", "low", "high"):
        values = out[col].to_numpy(dtype=float)
        assert np.allclose(values, np.round(values, 2), rtol=0, atol=1e-12)


def test_record_key_is_the_first_byte_of_hmac_sha256():
    con = duckdb.connect()
    ipad, opad = record_keys.hmac_pads("s3cret")
    con.execute("create table record_key_secret as select $i::blob as ipad, $o::blob as opad", {"i": ipad, "o": opad})
    ids = ["p1", "P000123", "æøå-7"]
    con.execute("create table participants as select unnest($ids) as participant_id", {"ids": ids})
    con.execute((data.QUERIES_DIR / "base" / "05_record_keys.sql").read_text())
    got = dict(con.execute("select participant_id, record_key from record_keys").fetchall())
    assert got == {i: hmac.new(b"s3cret", i.encode(), hashlib.sha256).digest()[0] for i in ids}


def test_real_data_without_a_secret_is_refused(monkeypatch, tmp_path):
    monkeypatch.delenv(record_keys.SECRET_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)  # no .streamlit/secrets.toml
    with pytest.raises(record_keys.MissingSecretError, match=record_keys.SECRET_VARIABLE):
        record_keys.record_key_secret("/srv/ips", demo=False)
    assert record_keys.record_key_secret("data", demo=True) == record_keys.DEMO_SECRET


@pytest.mark.parametrize("seed", range(5))
def test_the_ons_package_publishes_the_same_cross_table(seed):
    # Referrals by municipality x target group on random courses with random record keys.
    rng = np.random.default_rng(seed)
    size = int(rng.integers(200, 5000))
    courses = pd.DataFrame({
        "municipality": rng.choice(["Vejle", "Odense", "Kolding", "Ærø"], size, p=[0.5, 0.3, 0.18, 0.02]),
        "target_group": rng.choice(["psykiatri", "misbrug"], size, p=[0.8, 0.2]),
        "record_key": rng.integers(0, 256, size),
    })
    ptable = pd.read_csv(privacy.PTABLE_FILE)
    ons = create_perturbed_table(courses, ptable, ["municipality"], ["target_group"], "record_key", threshold=5)
    ours = courses.groupby(["municipality", "target_group"]).agg(n=("record_key", "size"), n_key=("record_key", "sum"))
    ours["n_key"] %= 256
    rule = privacy.Rule(counts=("n",))
    published = privacy.protect(ours.reset_index(), rule, 5).set_index(["municipality", "target_group"])["n"]
    theirs = ons.set_index(["municipality", "target_group"])["count"]
    for cell, value in published.items():
        assert (pd.isna(theirs[cell]) and value == "<5") or theirs[cell] == value, (cell, value, theirs[cell])
