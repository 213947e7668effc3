"""Agreement figures checked against cases worked out by hand (the arithmetic is in the comments).

Notation for Krippendorff's alpha (nominal): o_ck is the coincidence matrix (each unit
with m values adds, for every ordered pair of values from different coders,
1/(m - 1)); n_c its row sums; n the number of pairable values.

    alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c * n_k

and sum_{c != k} n_c n_k = n^2 - sum_c n_c^2.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import krippendorff
import numpy as np
import pytest

from annotator.agreement import (
    OUTSIDE,
    PRF,
    DocumentInput,
    agreement,
    cohen_kappa,
    inputs_from_store,
    krippendorff_alpha,
    match_spans,
    report_to_json,
    span_prf,
    token_values,
)
from annotator.model import Span
from annotator.store import Store

KIND_OF = {"CLAIM": "claim", "PERSON": "entity", "ORG": "entity", "PLACE": "entity", "OTHER": "entity", "QUANTITY": "quantity"}


def span(start: int, end: int, label: str, annotator: str = "a", text: str = "") -> Span:
    return Span(uid=f"{annotator}-{start}-{end}-{label}", document_id=1, start=start, end=end, label=label, annotator=annotator, text=text)


# -- Krippendorff's alpha ----------------------------------------------------------


def test_alpha_krippendorff_four_coder_example_with_missing_values() -> None:
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", nominal example:
    # 4 observers, 12 units, "." = missing.
    #   unit  1 2 3 4 5 6 7 8 9 10 11 12
    #   A     1 2 3 3 2 1 4 1 2 .  .  .
    #   B     1 2 3 3 2 2 4 1 2 5  .  3
    #   C     . 3 3 3 2 3 4 2 2 5  1  .
    #   D     1 2 3 3 2 4 4 1 2 5  1  .
    # Per unit (values; contribution to o):
    #   u1 {1,1,1}      m=3: o_11 += 3*2/2 = 3
    #   u2 {2,3,2,2}    m=4: o_22 += 3*2/3 = 2; o_23 = o_32 = 3*1/3 = 1
    #   u3 {3,3,3,3}    o_33 += 4;  u4 the same: o_33 += 4
    #   u5 {2,2,2,2}    o_22 += 4
    #   u6 {1,2,3,4}    12 ordered off-diagonal pairs, 1/3 each: off-diagonal total 4
    #   u7 {4,4,4,4}    o_44 += 4
    #   u8 {1,1,2,1}    o_11 += 2; o_12 = o_21 = 1
    #   u9 {2,2,2,2}    o_22 += 4
    #   u10 {5,5,5}     o_55 += 3
    #   u11 {1,1}       o_11 += 2
    #   u12 {3}         one value: not pairable, left out
    # n_1 = 3+1+3+2 = 9, n_2 = 3+4+1+1+4 = 13, n_3 = 1+4+4+1 = 10, n_4 = 1+4 = 5, n_5 = 3; n = 40
    # off-diagonal sum = 2 (u2) + 4 (u6) + 2 (u8) = 8
    # sum_{c != k} n_c n_k = 40^2 - (81 + 169 + 100 + 25 + 9) = 1600 - 384 = 1216
    # alpha = 1 - 39 * 8 / 1216 = 1 - 312/1216 = 0.743421...  (the paper: 0.743)
    A = [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None]
    B = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3]
    C = [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None]
    D = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]
    units = [[str(v) for v in column if v is not None] for column in zip(A, B, C, D)]
    alpha = krippendorff_alpha(units)
    assert alpha == pytest.approx(1 - 312 / 1216)
    assert round(alpha, 3) == 0.743


def test_alpha_two_coders_by_hand() -> None:
    # A: a a b b a      B: a b b b .
    # u1 (a,a): o_aa += 2 ; u2 (a,b): o_ab = o_ba = 1 ; u3, u4 (b,b): o_bb += 4 ; u5 one value: out
    # n = 8, n_a = 3, n_b = 5; sum_{c != k} n_c n_k = 2*3*5 = 30; off-diagonal = 2
    # alpha = 1 - 7 * 2 / 30 = 16/30 = 0.5333
    units = [["a", "a"], ["a", "b"], ["b", "b"], ["b", "b"], ["a"]]
    assert krippendorff_alpha(units) == pytest.approx(16 / 30)
    # Perfect agreement with two values in play: alpha = 1 - 0 = 1.
    assert krippendorff_alpha([["a", "a"], ["b", "b", "b"], ["x"]]) == pytest.approx(1.0)
    # Systematic disagreement: u (a,b) twice: n_a = n_b = 2, n = 4; off-diagonal 4;
    # sum n_c n_k = 2*2*2 = 8: alpha = 1 - 3*4/8 = -0.5
    assert krippendorff_alpha([["a", "b"], ["b", "a"]]) == pytest.approx(-0.5)


def test_alpha_is_undefined_without_variation_or_pairs() -> None:
    # One value everywhere: expected disagreement 0, alpha = 0/0: undefined, not 1.
    assert krippendorff_alpha([["O", "O"], ["O", "O", "O"]]) is None
    # No unit with two values: nothing pairable.
    assert krippendorff_alpha([["a"], ["b"], []]) is None
    assert krippendorff_alpha([]) is None


def random_reliability(seed: int) -> np.ndarray:
    """coders x units, values 1..k, np.nan for missing; agreement varies from seed to seed."""
    rng = random.Random(seed)
    coders = rng.randint(2, 6)
    unit_count = rng.randint(3, 60)
    categories = rng.randint(2, 6)
    missing = rng.choice([0.0, 0.1, 0.3, 0.6])
    agreeing = rng.random()  # how often a coder gives the unit's "true" value
    data = np.full((coders, unit_count), np.nan)
    for u in range(unit_count):
        truth = rng.randint(1, categories)
        for c in range(coders):
            if rng.random() >= missing:
                data[c, u] = truth if rng.random() < agreeing else rng.randint(1, categories)
    return data


def units_of(data: np.ndarray) -> list[list[str]]:
    return [[str(int(v)) for v in data[:, u] if not np.isnan(v)] for u in range(data.shape[1])]


SEEDS = range(80)


@pytest.mark.parametrize("seed", SEEDS)
def test_alpha_matches_the_krippendorff_package_on_random_data_with_missing_values(seed: int) -> None:
    data = random_reliability(seed)
    units = units_of(data)
    ours = krippendorff_alpha(units)
    pairable_values = {v for unit in units if len(unit) >= 2 for v in unit}
    if len(pairable_values) < 2:
        assert ours is None
        return
    theirs = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert ours == pytest.approx(theirs, abs=1e-9)


def test_the_random_comparison_covers_varied_cases() -> None:
    """The seeds above are not degenerate: missing values occur and alpha spans a real range."""
    alphas = []
    with_missing = 0
    for seed in SEEDS:
        data = random_reliability(seed)
        with_missing += bool(np.isnan(data).any())
        alpha = krippendorff_alpha(units_of(data))
        if alpha is not None:
            alphas.append(alpha)
    assert len(alphas) >= 75
    assert with_missing >= 40
    assert min(alphas) < 0.1 and max(alphas) > 0.8


# -- Cohen's kappa -----------------------------------------------------------------


def test_cohen_kappa_two_by_two_by_hand() -> None:
    #              B yes   B no
    #   A yes        20       5      (A yes: 25)
    #   A no         10      15      (A no: 25)
    #   (B yes: 30, B no: 20), n = 50
    # p_o = (20 + 15) / 50 = 0.7
    # p_e = (25*30 + 25*20) / 50^2 = (750 + 500) / 2500 = 0.5
    # kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.4)
    # Order of the pairs does not matter; swapping the coders gives the same kappa.
    assert cohen_kappa([(b, a) for a, b in reversed(pairs)]) == pytest.approx(0.4)


def test_cohen_kappa_edge_cases() -> None:
    assert cohen_kappa([]) is None
    # Both always say the same single value: p_e = 1, kappa = 0/0, undefined.
    assert cohen_kappa([("O", "O")] * 5) is None
    # Complete agreement with two values: p_o = 1, p_e = 0.5 -> kappa 1.
    assert cohen_kappa([("a", "a"), ("b", "b")]) == pytest.approx(1.0)
    # A always "a", B always "b": p_o = 0, p_e = 0 -> kappa 0.
    assert cohen_kappa([("a", "b")] * 4) == pytest.approx(0.0)


# -- span matching -----------------------------------------------------------------


def test_exact_and_overlap_precision_recall_f1_by_hand() -> None:
    a = [span(0, 5, "PERSON"), span(10, 20, "ORG"), span(30, 40, "PLACE"), span(50, 55, "PERSON")]
    b = [span(0, 5, "PERSON"), span(12, 20, "ORG"), span(35, 45, "PLACE"), span(50, 55, "ORG"), span(60, 65, "PLACE")]
    # exact: only PERSON 0-5 is the same (start, end, label) -> matched 1
    #   P = 1/5 (B has 5), R = 1/4 (A has 4), F1 = 2*1/(4+5) = 2/9
    exact = span_prf(a, b, overlap=False)
    assert (exact.matched, exact.count_a, exact.count_b) == (1, 4, 5)
    assert exact.precision == pytest.approx(1 / 5)
    assert exact.recall == pytest.approx(1 / 4)
    assert exact.f1 == pytest.approx(2 / 9)
    # overlap: PERSON 0-5; ORG 10-20 ~ 12-20 (8 shared); PLACE 30-40 ~ 35-45 (5 shared);
    #   PERSON 50-55 vs ORG 50-55: other label, no match -> matched 3
    #   P = 3/5, R = 3/4, F1 = 6/9
    overlap = span_prf(a, b, overlap=True)
    assert overlap.matched == 3
    assert overlap.precision == pytest.approx(3 / 5)
    assert overlap.recall == pytest.approx(3 / 4)
    assert overlap.f1 == pytest.approx(6 / 9)
    # F1 is symmetric, P and R swap.
    swapped = span_prf(b, a, overlap=True)
    assert swapped.f1 == pytest.approx(overlap.f1)
    assert swapped.precision == pytest.approx(overlap.recall)


def test_overlap_matching_is_one_to_one_largest_overlap_first() -> None:
    # One long ORG in A against two short ORGs in B: only one pair can match.
    a = [span(10, 30, "ORG")]
    b = [span(10, 14, "ORG", "b"), span(16, 30, "ORG", "b")]
    assert match_spans(a, b, overlap=True) == 1
    assert match_spans(b, a, overlap=True) == 1
    # Greedy on the largest overlap: A1 (0-10) ~ B1 (2-12) share 8, A2 (8-20) ~ B1 share 4,
    # A2 ~ B2 (18-30) share 2. Largest first: A1-B1, then A2-B2 -> 2 matches (not 1).
    a = [span(0, 10, "X"), span(8, 20, "X")]
    b = [span(2, 12, "X", "b"), span(18, 30, "X", "b")]
    assert match_spans(a, b, overlap=True) == 2
    # Touching is not overlapping (end exclusive).
    assert match_spans([span(0, 5, "X")], [span(5, 9, "X", "b")], overlap=True) == 0
    # Duplicates count once per copy on each side (multiset intersection).
    assert match_spans([span(0, 5, "X"), span(0, 5, "X")], [span(0, 5, "X", "b")], overlap=False) == 1


def test_prf_of_nothing_is_undefined_and_sums_add() -> None:
    assert PRF(0, 0, 0).f1 is None and PRF(0, 0, 0).precision is None
    assert PRF(0, 2, 0).precision is None and PRF(0, 2, 0).recall == 0 and PRF(0, 2, 0).f1 == 0
    total = PRF(1, 2, 3) + PRF(2, 2, 1)
    assert (total.matched, total.count_a, total.count_b) == (3, 4, 4)
    assert total.f1 == pytest.approx(6 / 8)


# -- token units -------------------------------------------------------------------

TEXT = "Alice Smith met Bob in New York."
#       0         1         2         3
#       01234567890123456789012345678901
# tokens: Alice 0-5, Smith 6-11, met 12-15, Bob 16-19, in 20-22, New 23-26, York 27-31, . 31-32


def test_token_units_shortest_span_wins_and_outside_is_O() -> None:
    spans = [
        span(0, 11, "PERSON"),  # Alice Smith (11 chars)
        span(6, 11, "ORG"),  # Smith (5 chars): same kind, shorter -> wins on "Smith"
        span(23, 31, "PLACE"),  # New York
        span(17, 18, "OTHER"),  # one character inside "Bob" still covers the token
        span(0, 32, "CLAIM"),  # the sentence: another kind, does not compete with entities
        span(16, 19, "QUANTITY"),
    ]
    values = token_values(TEXT, spans, KIND_OF, document_id=7)
    # 8 tokens x 3 kinds
    assert len(values) == 24
    entity = [values[(7, i, "entity")] for i in range(8)]
    assert entity == ["PERSON", "ORG", OUTSIDE, "OTHER", OUTSIDE, "PLACE", "PLACE", OUTSIDE]
    assert [values[(7, i, "claim")] for i in range(8)] == ["CLAIM"] * 8
    assert [values[(7, i, "quantity")] for i in range(8)] == [OUTSIDE] * 3 + ["QUANTITY"] + [OUTSIDE] * 4


def test_token_units_order_of_spans_does_not_matter() -> None:
    spans = [span(0, 11, "PERSON"), span(6, 11, "ORG"), span(0, 5, "OTHER")]
    forward = token_values(TEXT, spans, KIND_OF, 1)
    backward = token_values(TEXT, list(reversed(spans)), KIND_OF, 1)
    assert forward == backward
    assert forward[(1, 0, "entity")] == "OTHER" and forward[(1, 1, "entity")] == "ORG"


def test_token_units_span_ending_inside_a_token_and_starting_in_whitespace() -> None:
    # 5-13 starts on the space before "Smith" and ends inside "met": Smith and met are covered.
    values = token_values(TEXT, [span(5, 13, "PERSON")], KIND_OF, 1)
    assert [values[(1, i, "entity")] for i in range(4)] == [OUTSIDE, "PERSON", "PERSON", OUTSIDE]


def test_analyst_without_spans_and_not_done_is_missing_but_done_gives_O() -> None:
    text = "Bob met Ann."  # Bob 0-3, met 4-7, Ann 8-11, . 11-12
    def doc(coded: set[str]) -> DocumentInput:
        return DocumentInput(1, "d", "D", text, {"a": [span(0, 3, "PERSON", "a")]}, frozenset(coded))

    # b has no span and is not done: every unit has only a's value -> nothing pairable.
    report = agreement([doc({"a"})], ["a", "b"], KIND_OF)
    assert report.overall.alpha is None
    assert report.overall.kappa[("a", "b")] is None
    assert report.overall.exact[("a", "b")] == PRF(0, 0, 0)
    assert report.documents[0].alpha is None and report.documents[0].disagreements == 0
    # b marked it done with no spans: b says "O" everywhere.
    # units: 4 tokens x 3 kinds = 12, each (a, b): Bob/entity (PERSON, O), 11 x (O, O)
    # o_PO = o_OP = 1, o_OO = 22; n = 24, n_P = 1, n_O = 23; sum n_c n_k = 2*1*23 = 46
    # alpha = 1 - 23 * 2 / 46 = 0
    report = agreement([doc({"a", "b"})], ["a", "b"], KIND_OF)
    assert report.overall.alpha == pytest.approx(0.0)
    # kappa: p_o = 11/12; a: P 1, O 11; b: O 12; p_e = 11*12/144 = 132/144 = 11/12 -> 0
    assert report.overall.kappa[("a", "b")] == pytest.approx(0.0)
    assert report.overall.exact[("a", "b")] == PRF(0, 1, 0)
    assert report.documents[0].disagreements == 1


# -- the whole report from a database -----------------------------------------------

DOC1 = "Bob met Ann."  # Bob 0-3, met 4-7, Ann 8-11, . 11-12
DOC2 = "Rain fell in Oslo."  # Rain 0-4, fell 5-9, in 10-12, Oslo 13-17, . 17-18


def build_team_db(path: Path) -> Store:
    store = Store.open(path)
    d1 = store.add_document("d1", "Bob and Ann", DOC1).document
    d2 = store.add_document("d2", "Rain", DOC2).document
    store.add_span(d1, 0, 3, "PERSON", "alice")
    store.add_span(d1, 8, 11, "PERSON", "alice")
    store.add_span(d1, 0, 3, "PERSON", "bob")
    store.add_span(d1, 8, 11, "ORG", "bob")
    store.add_span(d2, 13, 17, "PLACE", "alice")  # bob neither tagged d2 nor marked it done
    return store


def test_report_from_a_store_by_hand(tmp_path: Path) -> None:
    with build_team_db(tmp_path / "team.db") as store:
        documents, annotators = inputs_from_store(store)
        assert annotators == ["alice", "bob"]
        kind_of = {label.name: label.kind for label in store.labels()}
        report = agreement(documents, annotators, kind_of)

    # Only d1 has values from both (bob is missing on d2). d1: 4 tokens x 3 kinds = 12 units:
    #   Bob/entity (PERSON, PERSON), Ann/entity (PERSON, ORG), 10 others (O, O)
    # o_PP = 2, o_P,ORG = o_ORG,P = 1, o_OO = 20; n = 24; n_P = 3, n_ORG = 1, n_O = 20
    # sum n_c n_k = 576 - (9 + 1 + 400) = 166; alpha = 1 - 23 * 2 / 166 = 120/166
    overall = report.overall
    assert overall.alpha == pytest.approx(120 / 166)
    # kappa on the same 12 units: p_o = 11/12; alice P 2, O 10; bob P 1, ORG 1, O 10
    # p_e = (2*1 + 10*10) / 144 = 102/144; kappa = (132 - 102)/144 / (42/144) = 30/42
    assert overall.kappa[("alice", "bob")] == pytest.approx(30 / 42)
    # exact spans on d1 only: alice 2, bob 2, matched 1 -> P = R = F1 = 1/2 (alice's PLACE on d2 not counted)
    exact = overall.exact[("alice", "bob")]
    assert (exact.matched, exact.count_a, exact.count_b) == (1, 2, 2)
    assert exact.f1 == pytest.approx(0.5)
    assert overall.overlap[("alice", "bob")].matched == 1  # PERSON vs ORG on Ann never match

    kinds = {scope.name: scope for scope in report.kinds}
    # entity units of d1: Bob (P,P), met (O,O), Ann (P,ORG), . (O,O)
    # n = 8, n_P = 3, n_ORG = 1, n_O = 4; sum n_c n_k = 64 - (9+1+16) = 38; off-diagonal 2
    # alpha = 1 - 7 * 2 / 38 = 24/38
    assert kinds["entity"].alpha == pytest.approx(24 / 38)
    # claim and quantity: "O" from both everywhere -> undefined
    assert kinds["claim"].alpha is None and kinds["quantity"].alpha is None
    assert kinds["claim"].exact[("alice", "bob")].f1 is None

    labels = {scope.name: scope for scope in report.labels}
    assert sorted(labels) == ["ORG", "PERSON", "PLACE"]
    # PERSON as yes/no on the entity units: Bob (y,y), met (n,n), Ann (y,n), . (n,n)
    # n_y = 3, n_n = 5; sum n_c n_k = 2*3*5 = 30; off-diagonal 2; alpha = 1 - 7*2/30 = 16/30
    assert labels["PERSON"].alpha == pytest.approx(16 / 30)
    person = labels["PERSON"].exact[("alice", "bob")]
    # alice 2 PERSON, bob 1, matched 1: P = 1/1, R = 1/2, F1 = 2/3
    assert (person.precision, person.recall) == (1.0, 0.5)
    assert person.f1 == pytest.approx(2 / 3)
    # ORG: Ann (n,y), 3 x (n,n): n_y = 1, n_n = 7; sum = 14; alpha = 1 - 7*2/14 = 0
    assert labels["ORG"].alpha == pytest.approx(0.0)
    # ORG kappa: p_o = 3/4; alice n 4; bob y 1, n 3; p_e = 4*3/16 = 3/4 -> kappa 0
    assert labels["ORG"].kappa[("alice", "bob")] == pytest.approx(0.0)
    # PLACE: only on d2, which bob did not code: all "no" on d1 -> undefined, no spans compared
    assert labels["PLACE"].alpha is None
    assert labels["PLACE"].exact[("alice", "bob")] == PRF(0, 0, 0)

    by_key = {d.key: d for d in report.documents}
    assert by_key["d1"].alpha == pytest.approx(120 / 166)
    assert by_key["d1"].mean_f1 == pytest.approx(0.5)
    assert by_key["d1"].disagreements == 1  # the Ann/entity unit
    assert by_key["d2"].alpha is None and by_key["d2"].mean_f1 is None and by_key["d2"].disagreements == 0

    data = report_to_json(report)
    assert data["overall"]["alpha"] == pytest.approx(120 / 166)
    assert data["overall"]["pairs"][0]["exact"]["f1"] == pytest.approx(0.5)
    assert [d["id"] for d in data["documents"]] == ["d1", "d2"]


def test_report_counts_an_analyst_who_marked_an_article_done_without_spans(tmp_path: Path) -> None:
    with build_team_db(tmp_path / "team.db") as store:
        d2 = store.list_documents()[1].id
        store.set_progress("bob", d2, "done")
        documents, annotators = inputs_from_store(store)
        kind_of = {label.name: label.kind for label in store.labels()}
        report = agreement(documents, annotators, kind_of)
    # Now d2 adds 5 tokens x 3 kinds = 15 units: Oslo/entity (PLACE, O), 14 x (O, O).
    # o_PP = 2, o_P,ORG = o_ORG,P = 1, o_PLACE,O = o_O,PLACE = 1, o_OO = 20 + 28 = 48
    # n = 54: n_P = 3, n_ORG = 1, n_PLACE = 1, n_O = 49
    # sum n_c n_k = 2916 - (9 + 1 + 1 + 2401) = 504; off-diagonal 4
    # alpha = 1 - 53 * 4 / 504 = 292/504
    assert report.overall.alpha == pytest.approx(292 / 504)
    # exact: alice 3 spans, bob 2, matched 1: P = 1/2, R = 1/3, F1 = 2/5
    exact = report.overall.exact[("alice", "bob")]
    assert (exact.matched, exact.count_a, exact.count_b) == (1, 3, 2)
    assert exact.f1 == pytest.approx(2 / 5)
    by_key = {d.key: d for d in report.documents}
    # d2 alone: o_PLACE,O = o_O,PLACE = 1, o_OO = 28; n = 30, n_PLACE = 1, n_O = 29
    # sum n_c n_k = 2*29 = 58; alpha = 1 - 29 * 2 / 58 = 0
    assert by_key["d2"].alpha == pytest.approx(0.0)
    assert by_key["d2"].mean_f1 == pytest.approx(0.0)  # 1 span against 0: F1 = 0
    assert by_key["d2"].disagreements == 1


def test_report_with_a_label_filter(tmp_path: Path) -> None:
    with build_team_db(tmp_path / "team.db") as store:
        documents, annotators = inputs_from_store(store)
        kind_of = {label.name: label.kind for label in store.labels()}
        report = agreement(documents, annotators, kind_of, labels=["PERSON"])
    # bob's ORG on Ann is dropped: Ann/entity becomes (PERSON, O).
    # 12 units: o_PP = 2, o_PO = o_OP = 1, o_OO = 20; n = 24, n_P = 3, n_O = 21
    # sum n_c n_k = 2*3*21 = 126; alpha = 1 - 23*2/126 = 80/126
    assert report.overall.alpha == pytest.approx(80 / 126)
    assert [scope.name for scope in report.labels] == ["PERSON"]
    exact = report.overall.exact[("alice", "bob")]
    assert (exact.matched, exact.count_a, exact.count_b) == (1, 2, 1)


def test_report_per_pair_with_three_analysts_and_an_annotator_choice(tmp_path: Path) -> None:
    with build_team_db(tmp_path / "team.db") as store:
        d1 = store.list_documents()[0].id
        document = store.document(d1)
        store.add_span(document, 0, 3, "PERSON", "carol")
        store.add_span(document, 8, 11, "PERSON", "carol")
        store.add_span(document, 4, 7, "OTHER", "dave")  # only dave ever uses OTHER
        kind_of = {label.name: label.kind for label in store.labels()}
        documents, everyone = inputs_from_store(store)
        assert everyone == ["alice", "bob", "carol", "dave"]
        report = agreement(documents, everyone, kind_of)
        assert set(report.overall.exact) == {
            ("alice", "bob"), ("alice", "carol"), ("alice", "dave"), ("bob", "carol"), ("bob", "dave"), ("carol", "dave")
        }
        # alice and carol tagged d1 identically: exact F1 1, kappa 1 (on d1's 12 units, values P and O)
        assert report.overall.exact[("alice", "carol")].f1 == 1.0
        assert report.overall.kappa[("alice", "carol")] == pytest.approx(1.0)

        documents, chosen = inputs_from_store(store, ["alice", "carol"])
        assert chosen == ["alice", "carol"]
        report = agreement(documents, chosen, kind_of)
        assert list(report.overall.exact) == [("alice", "carol")]
        # d1 only (d2 has alice alone): perfect agreement with P and O in play -> 1
        assert report.overall.alpha == pytest.approx(1.0)
        # Labels used by neither chosen analyst are no scope of theirs.
        assert [scope.name for scope in report.labels] == ["PERSON", "PLACE"]


def test_an_analyst_who_only_marked_articles_done_is_compared_by_default(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        document = store.add_document("d1", "Bob and Ann", DOC1).document
        store.add_span(document, 0, 3, "PERSON", "alice")
        store.set_progress("zoe", document.id, "done")  # read it, found nothing to tag
        documents, annotators = inputs_from_store(store)
        assert annotators == ["alice", "zoe"]
        report = agreement(documents, annotators, {l.name: l.kind for l in store.labels()})
    # 12 units: Bob/entity (PERSON, O), 11 x (O, O): alpha = 0 (worked out above)
    assert report.overall.alpha == pytest.approx(0.0)
    assert report.overall.exact[("alice", "zoe")] == PRF(0, 1, 0)


def test_gold_is_left_out_by_default_and_compared_when_named(tmp_path: Path) -> None:
    with build_team_db(tmp_path / "team.db") as store:
        d1 = store.document(store.list_documents()[0].id)
        store.add_span(d1, 0, 3, "PERSON", "gold", attrs={"adjudicated_by": "rita"})
        store.add_span(d1, 8, 11, "ORG", "gold", attrs={"adjudicated_by": "rita"})
        documents, annotators = inputs_from_store(store)
        assert annotators == ["alice", "bob"]
        assert all("gold" not in d.spans and "gold" not in d.coded_by for d in documents)

        kind_of = {l.name: l.kind for l in store.labels()}
        documents, chosen = inputs_from_store(store, ["bob", "gold"])
        report = agreement(documents, chosen, kind_of)
    # gold equals bob's spans on d1, and gold did not code d2 (no span, not adjudicated)
    assert chosen == ["bob", "gold"]
    assert report.overall.exact[("bob", "gold")].f1 == 1.0
    assert report.overall.alpha == pytest.approx(1.0)


# -- `annotator agreement` ---------------------------------------------------------------


def test_cli_agreement_json_matches_the_hand_worked_figures(tmp_path: Path) -> None:
    from test_cli import run

    db = tmp_path / "team.db"
    build_team_db(db).close()
    result = run(tmp_path, "agreement", "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["annotators"] == ["alice", "bob"]
    # Worked out in test_report_from_a_store_by_hand.
    assert data["overall"]["alpha"] == pytest.approx(120 / 166)
    [pair] = data["overall"]["pairs"]
    assert (pair["a"], pair["b"]) == ("alice", "bob")
    assert pair["kappa"] == pytest.approx(30 / 42)
    assert pair["exact"] == {"matched": 1, "spans_a": 2, "spans_b": 2, "precision": 0.5, "recall": 0.5, "f1": 0.5}
    kinds = {k["name"]: k for k in data["kinds"]}
    assert kinds["entity"]["alpha"] == pytest.approx(24 / 38)
    assert kinds["claim"]["alpha"] is None
    labels = {k["name"]: k for k in data["labels"]}
    assert labels["PERSON"]["alpha"] == pytest.approx(16 / 30)
    assert labels["PERSON"]["pairs"][0]["exact"]["f1"] == pytest.approx(2 / 3)
    documents = {d["id"]: d for d in data["documents"]}
    assert documents["d1"]["alpha"] == pytest.approx(120 / 166)
    assert documents["d1"]["disagreeing_units"] == 1
    assert documents["d2"]["alpha"] is None

    # --label narrows the spans: worked out in test_report_with_a_label_filter.
    result = run(tmp_path, "agreement", "--db", str(db), "--json", "--label", "PERSON")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["overall"]["alpha"] == pytest.approx(80 / 126)
    assert [scope["name"] for scope in data["labels"]] == ["PERSON"]

    # The table says the same.
    table = run(tmp_path, "agreement", "--db", str(db))
    assert table.returncode == 0, table.stderr
    overall_row = next(line for line in table.stdout.splitlines() if line.startswith("overall"))
    assert "0.723" in overall_row and "0.714" in overall_row  # 120/166, 30/42


def test_cli_agreement_with_chosen_annotators(tmp_path: Path) -> None:
    from test_cli import run

    db = tmp_path / "team.db"
    with build_team_db(db) as store:
        d1 = store.document(store.list_documents()[0].id)
        store.add_span(d1, 0, 3, "PERSON", "carol")
        store.add_span(d1, 8, 11, "PERSON", "carol")
    result = run(tmp_path, "agreement", "--db", str(db), "--json", "--annotators", "alice,carol")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["annotators"] == ["alice", "carol"]
    assert [(p["a"], p["b"]) for p in data["overall"]["pairs"]] == [("alice", "carol")]
    assert data["overall"]["alpha"] == pytest.approx(1.0)
    assert data["overall"]["pairs"][0]["exact"]["f1"] == 1.0
    everyone = json.loads(run(tmp_path, "agreement", "--db", str(db), "--json").stdout)
    assert everyone["annotators"] == ["alice", "bob", "carol"]
    assert len(everyone["overall"]["pairs"]) == 3
    # " alice , bob " with spaces and a trailing comma is still two analysts.
    spaced = run(tmp_path, "agreement", "--db", str(db), "--json", "--annotators", " alice , bob ,")
    assert json.loads(spaced.stdout)["annotators"] == ["alice", "bob"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--annotators", "alice,zed"], "no analyst named 'zed'"),
        (["--label", "NOPE"], "--label NOPE: no such label"),
        (["--annotators", "alice"], "at least two analysts"),
        (["--annotators", "alice,alice"], "at least two analysts"),
    ],
)
def test_cli_agreement_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    from test_cli import run

    db = tmp_path / "team.db"
    build_team_db(db).close()
    result = run(tmp_path, "agreement", "--db", str(db), "--json", *args)
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("annotator: ") and message in lines[0], result.stderr


def test_cli_agreement_with_one_analyst_in_a_real_process(tmp_path: Path) -> None:
    from test_cli import run_process

    db = tmp_path / "solo.db"
    with Store.open(db) as store:
        document = store.add_document("d1", "Bob and Ann", DOC1).document
        store.add_span(document, 0, 3, "PERSON", "alice")
    result = run_process(tmp_path, "agreement", "--db", str(db))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == "annotator: agreement needs at least two analysts with spans"
    unknown = run_process(tmp_path, "agreement", "--db", str(db), "--annotators", "alice,nobody")
    assert unknown.returncode == 1 and "Traceback" not in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1


# -- the tokenizer behind the units -------------------------------------------------------


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("It's 3,000 well-known U.S. cats!", ["It", "'s", "3,000", "well-known", "U.S", ".", "cats", "!"]),
        ("don’t 4.5% a--b", ["do", "n’t", "4.5", "%", "a", "-", "-", "b"]),
        # Clitics and possessives split off as spaCy's English tokenizer does, ' or ’.
        ("Uber’s they're we'll I've she'd I'm can't", ["Uber", "’s", "they", "'re", "we", "'ll", "I", "'ve", "she", "'d", "I", "'m", "ca", "n't"]),
        ("O'Neill's rock'n'roll y'all do n't ’s", ["O'Neill", "'s", "rock'n'roll", "y'all", "do", "n't", "’s"]),
        # Combining marks stay inside their word: decomposed accents, stress marks, vowel signs.
        ("cafe\u0301 ok", ["cafe\u0301", "ok"]),
        ("Ма\u0301ма", ["Ма\u0301ма"]),
        ("हिन्दी भाषा", ["हिन्दी", "भाषा"]),
        ("ก่อน", ["ก่อน"]),
        ("می\u200cخواهم", ["می\u200cخواهم"]),  # Persian: a zero-width non-joiner inside the word
        # Emoji: skin tone, ZWJ family, flags, keycap, variation selector: one token each.
        ("👍🏽 👨\u200d👩\u200d👧 🇰🇬🇫🇷 1\ufe0f\u20e3 ❤\ufe0f", ["👍🏽", "👨\u200d👩\u200d👧", "🇰🇬", "🇫🇷", "1\ufe0f\u20e3", "❤\ufe0f"]),
    ],
)
def test_tokenizer(text: str, tokens: list[str]) -> None:
    from annotator.tokens import token_offsets, tokenize

    found = tokenize(text)
    assert [t.text for t in found] == tokens
    assert all(text[t.start : t.end] == t.text for t in found)
    assert token_offsets(text) == [(t.start, t.end) for t in found]


def test_a_span_over_a_word_with_a_combining_accent_is_one_unit() -> None:
    text = "Visit Cafe\u0301 Rouge now"  # Visit 0-5, Café 6-11, Rouge 12-17, now 18-21
    values = token_values(text, [span(6, 17, "ORG")], KIND_OF, 1)
    assert [values[(1, i, "entity")] for i in range(4)] == [OUTSIDE, "ORG", "ORG", OUTSIDE]
