"""billing.run against an independent calculation of docs/billing.md.

The oracle (oracle.py) is checked first against the worked numbers of the
research notes, so that agreeing with it means agreeing with the documented
rules, not with opora's own arithmetic. Then random scenarios (scenario.py),
each a fixed seed, are played through opora's Python ``db.call`` and through
the oracle, and every accrual line and every document is compared to the
kopeck.

    OPORA_BILLING_SEEDS=5000 OPORA_BILLING_SEED_START=1000 pytest tests/reference/billing

runs more (ctest runs 200 from seed 1; run_reference.py runs any number
outside pytest).
"""

from __future__ import annotations

import datetime
import os
from decimal import Decimal

import pytest

import oracle as O
import scenario

SEEDS = int(os.environ.get("OPORA_BILLING_SEEDS", "200"))
START = int(os.environ.get("OPORA_BILLING_SEED_START", "1"))


# ----------------------------------------------------- the oracle itself --
# Vectors T1-T17 of /work/shared/research/billing.md §3.3 (each names its
# origin there: Lago's upgrade example, computed cases, Kill Bill factors).

@pytest.mark.parametrize("fee, first, last, n, expected", [
    ("100.00", 1, 14, 31, "45.16"),    # T1 [S:LAGO-UPG]
    ("200.00", 15, 31, 31, "109.68"),  # T2
    ("499.00", 15, 31, 31, "273.65"),  # T6: not 273.70 (a daily rate rounded first)
    ("1000.00", 15, 31, 31, "548.39"),  # T5
    ("499.00", 1, 10, 28, "178.21"),   # T7
])
def test_oracle_prorates_the_research_vectors(fee, first, last, n, expected):
    assert O.prorate(Decimal(fee), first, last, n) == Decimal(expected)


@pytest.mark.parametrize("n", [28, 29, 30, 31])
def test_oracle_daily_pieces_add_up_to_the_fee(n):
    # T8, T9: the cumulative method never drifts from the fee.
    assert sum(O.prorate(Decimal("499.00"), d, d, n) for d in range(1, n + 1)) == Decimal("499.00")


@pytest.mark.parametrize("amount, percent, mode, vat", [
    ("1000.00", "22", "on_top", "220.00"),    # T11
    ("1000.00", "22", "included", "180.33"),  # T12
    ("5000.00", "16", "included", "689.66"),  # T16
    ("5000.00", "12", "included", "535.71"),  # T16, the old rate
    ("499.00", "5", "included", "23.76"),     # T17
    ("499.00", "7", "included", "32.64"),     # T17
    ("499.00", "10", "included", "45.36"),    # T17
    ("10.75", "22", "on_top", "2.37"),        # T15: half-up, not half-even
])
def test_oracle_splits_vat_as_the_research_notes(amount, percent, mode, vat):
    assert O.split_vat(Decimal(amount), Decimal(percent), mode)[1] == Decimal(vat)


def test_oracle_takes_the_rate_of_the_supply_date():
    t = O.TaxTable()
    assert t.resolve("ru_vat", datetime.date(2025, 12, 31)) == Decimal("20")
    assert t.resolve("ru_vat", datetime.date(2026, 1, 1)) == Decimal("22")
    assert t.resolve("kz_vat", datetime.date(2026, 1, 1)) == Decimal("16")
    assert t.resolve("none", datetime.date(2026, 1, 1)) is None


def test_oracle_bills_the_issue_example_by_rate():
    # Issue 13 (a): 499.00 at 20% in December 2025, moved on the 16th to an
    # exempt tariff at the same price; the recalculation is 0.00 in amount
    # and -42.93 in VAT, at two rates.
    m = O.Model()
    m.today = datetime.date(2025, 11, 20)
    m.define_tariff(O.Tariff("net", "Интернет", Decimal("499.00")))
    m.define_tariff(O.Tariff("free", "Льготный", Decimal("499.00"), tax="none"))
    m.put_account("1", "RUB")
    m.connect(1, "1", "internet", "net", datetime.date(2025, 1, 1))
    m.run((2025, 12), 1)
    m.today = datetime.date(2025, 12, 20)
    m.change_tariff(1, "free", datetime.date(2025, 12, 16))
    posted, _ = m.run((2025, 12), 2)
    assert [(x.amount, x.vat, x.rate) for x in posted] == [
        (Decimal("-499.00"), Decimal("-83.17"), "20"),
        (Decimal("241.45"), Decimal("40.24"), "20"),
        (Decimal("257.55"), Decimal("0.00"), "none"),
    ]


# ------------------------------------------------------ opora vs the oracle --

@pytest.mark.parametrize("seed", range(START, START + SEEDS))
def test_billing_run_agrees_with_the_oracle(seed):
    problems = scenario.check(seed)
    assert not problems, "\n".join(problems)
