"""Who took the binding input: the designers' shares of a binding supplier's grants,
read from a run's dataset written here by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from capsim.analysis.contention import contention, format_contention


def _result(binding: list[list[str]], granted: np.ndarray) -> xr.Dataset:
    """Two products over 24 months (2027-2028): ``rubin`` (designer nvidia) on line
    ``cowos-a`` and vendors ``hynix``/``samsung`` for HBM4; ``tpu`` (broadcom) on the
    same line and ``hynix`` only."""
    time = pd.date_range("2027-01-01", periods=24, freq="MS")
    suppliers = ["n3", "cowos-a", "hynix/HBM4", "samsung/HBM4"]
    uses = np.array([[True, True, True, True], [True, True, True, False]])
    return xr.Dataset(
        {
            "binding_input": (("time", "product"), np.array(binding, dtype=str).T),
            "supplier_granted": (("time", "supplier", "designer"), granted),
            "product_supplier": (("product", "supplier"), uses),
        },
        coords={
            "time": time,
            "product": ["rubin", "tpu"],
            "supplier": suppliers,
            "supplier_kind": ("supplier", ["logic", "packaging", "hbm", "hbm"]),
            "designer": ["nvidia", "broadcom", "others"],
        },
    )


def test_shares_are_of_the_binding_suppliers_grants_in_the_year():
    granted = np.zeros((24, 4, 3))
    granted[:, 2, :] = [60.0, 30.0, 10.0]  # hynix HBM4 wafers each month
    granted[:, 3, :] = [40.0, 0.0, 0.0]  # samsung HBM4
    granted[:, 1, :] = [5.0, 5.0, 0.0]  # the CoWoS line
    binding = [["hbm"] * 24, ["cowos"] * 12 + ["demand"] * 12]
    found = contention(_result(binding, granted))
    hbm = [e for e in found if e.input == "hbm"]
    # rubin is bound by HBM4 both years; its suppliers are both vendors:
    # nvidia (60 + 40) / 140, broadcom 30 / 140, others 10 / 140 each month
    assert [e.year for e in hbm] == [2027, 2028]
    assert hbm[0].label == "HBM4"
    assert hbm[0].products == ("rubin",)
    assert hbm[0].granted == 12 * 140.0
    expected = {"nvidia": 100 / 140, "broadcom": 30 / 140, "others": 10 / 140}
    assert list(hbm[0].shares) == ["nvidia", "broadcom", "others"]
    for name, share in expected.items():
        assert abs(hbm[0].shares[name] - share) < 1e-12
    # tpu is bound by CoWoS in 2027 only (demand in 2028 is not a supply input)
    cowos = [e for e in found if e.input == "cowos"]
    assert [(e.year, e.suppliers, e.products) for e in cowos] == [(2027, ("cowos-a",), ("tpu",))]
    assert cowos[0].shares == {"nvidia": 0.5, "broadcom": 0.5}


def test_a_year_counts_for_the_input_that_binds_most_of_its_months():
    granted = np.ones((24, 4, 3))
    # 2027: 7 months HBM, 5 months CoWoS -> HBM; 2028: 5 HBM, 7 logic -> logic (n3)
    rubin = ["hbm"] * 7 + ["cowos"] * 5 + ["hbm"] * 5 + ["logic_wafers"] * 7
    found = contention(_result([rubin, ["demand"] * 24], granted))
    assert [(e.year, e.input, e.suppliers) for e in found] == [
        (2027, "hbm", ("hynix/HBM4", "samsung/HBM4")),
        (2028, "logic_wafers", ("n3",)),
    ]


def test_the_text_joins_steady_years_and_names_the_leaders():
    granted = np.zeros((24, 4, 3))
    granted[:12, 2, :] = [61.0, 18.0, 21.0]
    granted[12:, 2, :] = [63.0, 17.0, 20.0]  # leaders move by 2 points: one run
    text = format_contention(_result([["hbm"] * 24, ["demand"] * 24], granted), top=2)
    # samsung grants nothing, so the shares are hynix's: 61/18/21 then 63/17/20 (%);
    # the two leaders are nvidia and others
    assert text.splitlines()[1:] == [
        "  2027-2028 HBM4 (binds rubin): nvidia 61%-63%, others 20%-21%"
    ]
