"""The DDSketch: relative-error quantiles against exact ones, merging, zeros, bounds.

Rank definition used by every check (the sketch's own, written out independently here): for
``n`` values sorted ascending, the ``q`` quantile is the value of 1-based rank
``r = max(1, ceil(q * n))``, with ``q`` read as the decimal it is written as (``Fraction(str(q))``),
so no float noise enters the expected rank. The sketch must return a value within ``alpha``
relative error of that value.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from truto_log_mcp.analysis.sketch import DDSketch, nearest_rank

ALPHA = 0.01
QS = (0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0)
SLACK = 1e-9  # float noise at bucket edges: the bound is alpha exactly, not alpha plus noise


def exact_quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(1, math.ceil(Fraction(str(q)) * len(ordered)))
    return ordered[rank - 1]


def within_alpha(estimate: float | None, truth: float, alpha: float = ALPHA) -> bool:
    assert estimate is not None
    return abs(estimate - truth) <= alpha * abs(truth) * (1 + SLACK)


def sketch_of(values: list[float], alpha: float = ALPHA, max_buckets: int = 2048) -> DDSketch:
    sketch = DDSketch(alpha, max_buckets)
    for value in values:
        sketch.add(value)
    return sketch


DISTRIBUTIONS: dict[str, Callable[[random.Random], float]] = {
    "uniform_ms": lambda rng: rng.uniform(1.0, 2000.0),
    "lognormal_latency": lambda rng: rng.lognormvariate(5.0, 1.2),
    "exponential": lambda rng: rng.expovariate(1 / 300.0),
    "pareto_heavy_tail": lambda rng: 10.0 * rng.paretovariate(1.1),
    "bimodal_cache_hit_or_miss": lambda rng: rng.gauss(15.0, 2.0) if rng.random() < 0.8 else rng.gauss(900.0, 150.0),
    "integer_ms_with_ties": lambda rng: float(rng.randint(1, 50)),
}


@pytest.mark.parametrize("name", sorted(DISTRIBUTIONS))
def test_quantiles_are_within_relative_error_of_exact_percentiles(name: str) -> None:
    rng = random.Random(f"sketch-{name}")
    values = [abs(DISTRIBUTIONS[name](rng)) + 1e-3 for _ in range(5000)]
    sketch = sketch_of(values)
    for q in QS:
        assert within_alpha(sketch.quantile(q), exact_quantile(values, q)), (name, q)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.floats(min_value=1e-300, max_value=1e300, allow_nan=False, allow_infinity=False, allow_subnormal=False),
        min_size=1,
        max_size=300,
    )
)
def test_property_estimate_is_within_alpha_of_the_nearest_rank_value(values: list[float]) -> None:
    sketch = sketch_of(values)
    for q in (0.5, 0.95, 0.99):
        assert within_alpha(sketch.quantile(q), exact_quantile(values, q)), q


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=1e9, allow_nan=False), max_size=200), st.integers(0, 200))
def test_property_merge_equals_adding_all_values_to_one_sketch(values: list[float], cut: int) -> None:
    left, right = sketch_of(values[:cut]), sketch_of(values[cut:])
    left.merge(right)
    whole = sketch_of(values)
    assert left.quantiles(QS) == whole.quantiles(QS)
    assert (left.count, left.zero_count, left.bucket_count) == (whole.count, whole.zero_count, whole.bucket_count)
    assert (left.min, left.max) == (whole.min, whole.max)


def test_merge_of_random_halves_keeps_count_min_max_and_sum() -> None:
    rng = random.Random(7)
    values = [rng.lognormvariate(4, 1) for _ in range(2000)]
    left, right = sketch_of(values[:700]), sketch_of(values[700:])
    left.merge(right)
    assert left.count == 2000
    assert (left.min, left.max) == (min(values), max(values))
    assert left.sum == pytest.approx(sum(values))


def test_empty_sketch_reports_none() -> None:
    sketch = DDSketch()
    assert sketch.quantile(0.5) is None
    assert (sketch.count, sketch.min, sketch.max, sketch.mean) == (0, None, None, None)


def test_merging_an_empty_sketch_changes_nothing() -> None:
    sketch = sketch_of([5.0, 10.0])
    sketch.merge(DDSketch())
    assert (sketch.count, sketch.min, sketch.max) == (2, 5.0, 10.0)


def test_zeros_and_negatives_count_in_the_zero_bucket_and_report_zero() -> None:
    sketch = sketch_of([0.0, 0.0, -3.0, 100.0])
    assert sketch.zero_count == 3
    assert sketch.bucket_count == 1
    assert sketch.quantile(0.5) == 0.0
    assert sketch.quantile(0.75) == 0.0
    assert sketch.quantile(1.0) == 100.0


def test_min_and_max_are_exact_and_bound_the_extreme_quantiles() -> None:
    values = [3.14159, 27.1828, 1234.5678]
    sketch = sketch_of(values)
    assert (sketch.min, sketch.max) == (3.14159, 1234.5678)
    assert sketch.quantile(0.0) == 3.14159
    assert sketch.quantile(1.0) == 1234.5678


def test_mean_is_exact() -> None:
    assert sketch_of([1.0, 2.0, 6.0]).mean == 3.0


def test_bucket_count_never_exceeds_max_buckets() -> None:
    sketch = DDSketch(ALPHA, max_buckets=64)
    for exponent in range(-3000, 3000):
        sketch.add(10.0 ** (exponent / 10))
        assert sketch.bucket_count <= 64
    assert sketch.collapsed


def test_collapsing_the_lowest_buckets_keeps_high_quantiles_accurate() -> None:
    values = [10.0 ** (exponent / 100) for exponent in range(-600, 600)]
    sketch = sketch_of(values, max_buckets=128)
    assert sketch.collapsed
    for q in (0.9, 0.95, 0.99, 1.0):
        assert within_alpha(sketch.quantile(q), exact_quantile(values, q)), q


def test_realistic_durations_never_collapse_at_the_default_bound() -> None:
    sketch = sketch_of([0.001, 1.0, 1000.0, 86_400_000.0 * 10])
    assert not sketch.collapsed


def test_values_near_the_largest_float_do_not_overflow() -> None:
    sketch = sketch_of([1.0, 1.7e308])
    assert sketch.quantile(1.0) == 1.7e308


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_add_rejects_non_finite_values(bad: float) -> None:
    with pytest.raises(ValueError, match="non-finite"):
        DDSketch().add(bad)


@pytest.mark.parametrize("q", [-0.1, 1.5, math.nan])
def test_quantile_outside_the_unit_interval_is_rejected(q: float) -> None:
    with pytest.raises(ValueError, match="quantile"):
        sketch_of([1.0]).quantile(q)


def test_merging_sketches_of_different_accuracy_is_rejected() -> None:
    with pytest.raises(ValueError, match="accuracy"):
        DDSketch(0.01).merge(sketch_of([1.0], alpha=0.02))


def test_nearest_rank_ignores_float_noise_in_q_times_n() -> None:
    assert 0.07 * 100 > 7
    assert nearest_rank(0.07, 100) == 7
    assert nearest_rank(0.0, 10) == 1
    assert nearest_rank(0.5, 3) == 2


def test_quantiles_in_one_walk_match_single_quantiles_in_any_order() -> None:
    sketch = sketch_of([float(value) for value in range(1, 1001)])
    qs = (0.99, 0.5, 0.95, 0.0)
    assert sketch.quantiles(qs) == [sketch.quantile(q) for q in qs]


def test_copy_is_independent_of_the_original() -> None:
    sketch = sketch_of([1.0, 2.0])
    twin = sketch.copy()
    twin.add(1000.0)
    assert (sketch.count, sketch.max) == (2, 2.0)
    assert (twin.count, twin.max) == (3, 1000.0)
