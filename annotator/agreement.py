"""Inter-annotator agreement: span F1 (exact and overlap), Krippendorff's alpha, Cohen's kappa.

Units and rules (also in docs/review-and-agreement.md):

- Span matching compares two analysts' spans on the same documents. *Exact*: same start,
  end and label. *Overlap*: same label and at least one shared character; each span is
  matched at most once (greedy, largest overlap first). Precision is matches / spans of
  B, recall matches / spans of A, F1 their harmonic mean; F1 is symmetric.
- Token units: every token of every document (see annotator.tokens), once per kind
  (claim, entity, quantity), since a token may be in a claim and an entity at once.
  An analyst's value for a unit is the label of the shortest of their spans of that
  kind covering the token, or "O" when none does. An analyst who has no span in a
  document and has not marked it done gives no value (missing) for its units.
- Krippendorff's alpha (nominal) is computed over those units with missing values
  allowed; units with fewer than two values are left out. Cohen's kappa is computed per
  pair over the units both analysts coded.
- Per label, the values are reduced to "this label" / "not this label" on the units of
  the label's kind; per kind, the units of that kind; overall, all units.
- Beside span agreement, attribution agreement per pair: claims paired by exact span,
  then source, cue, form and stance compared (annotator.attribution_agreement).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from annotator.attribution_agreement import CLAIM_LABELS, AttributionAgreement, attribution_agreement
from annotator.model import Span
from annotator.review import GOLD
from annotator.review import SUGGESTION_PREFIX  # imported model suggestions' analyst names
from annotator.tokens import token_offsets
from annotator.kappa import cohen_kappa

OUTSIDE = "O"



# -- span matching ----------------------------------------------------------------


@dataclass(frozen=True)
class PRF:
    matched: int
    count_a: int
    count_b: int

    @property
    def precision(self) -> float | None:
        return self.matched / self.count_b if self.count_b else None

    @property
    def recall(self) -> float | None:
        return self.matched / self.count_a if self.count_a else None

    @property
    def f1(self) -> float | None:
        total = self.count_a + self.count_b
        return 2 * self.matched / total if total else None

    def __add__(self, other: PRF) -> PRF:
        return PRF(self.matched + other.matched, self.count_a + other.count_a, self.count_b + other.count_b)


def match_spans(a: Sequence[Span], b: Sequence[Span], overlap: bool) -> int:
    """How many spans of a and b match one-to-one (same label; exact or overlapping)."""
    if not overlap:
        keys_a = Counter((s.start, s.end, s.label) for s in a)
        keys_b = Counter((s.start, s.end, s.label) for s in b)
        return sum((keys_a & keys_b).values())
    pairs: list[tuple[int, int, int]] = []
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            if x.label == y.label:
                shared = min(x.end, y.end) - max(x.start, y.start)
                if shared > 0:
                    pairs.append((shared, i, j))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    used_a: set[int] = set()
    used_b: set[int] = set()
    for _, i, j in pairs:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
    return len(used_a)


def span_prf(a: Sequence[Span], b: Sequence[Span], overlap: bool) -> PRF:
    return PRF(match_spans(a, b, overlap), len(a), len(b))


# -- token units --------------------------------------------------------------------


Unit = tuple[int, int, str]  # (document id, token index, kind)


def token_values(
    text: str, spans: Iterable[Span], kind_of: dict[str, str], document_id: int
) -> dict[Unit, str]:
    """One analyst's value for every (token, kind) unit of one document."""
    tokens = token_offsets(text)
    starts = [t[0] for t in tokens]
    values: dict[Unit, str] = {}
    best_length: dict[Unit, int] = {}
    kinds = sorted(set(kind_of.values()) | {"claim", "entity", "quantity"})
    for index in range(len(tokens)):
        for kind in kinds:
            values[(document_id, index, kind)] = OUTSIDE
    from bisect import bisect_left, bisect_right

    for span in spans:
        kind = kind_of.get(span.label, "entity")
        first = bisect_right(starts, span.start) - 1
        first = max(first, 0)
        last = bisect_left(starts, span.end)
        length = span.end - span.start
        for index in range(first, last):
            t_start, t_end = tokens[index]
            if t_start < span.end and t_end > span.start:
                unit = (document_id, index, kind)
                if unit not in best_length or length < best_length[unit]:
                    best_length[unit] = length
                    values[unit] = span.label
    return values


def krippendorff_alpha(units: Iterable[Sequence[str]]) -> float | None:
    """Nominal alpha from the values each unit received (missing values simply absent)."""
    coincidence: Counter[tuple[str, str]] = Counter()
    for values in units:
        m = len(values)
        if m < 2:
            continue
        counts = Counter(values)
        for c, n_c in counts.items():
            for k, n_k in counts.items():
                pairs = n_c * (n_k - 1) if c == k else n_c * n_k
                if pairs:
                    coincidence[(c, k)] += pairs / (m - 1)
    totals: Counter[str] = Counter()
    for (c, _k), value in coincidence.items():
        totals[c] += value
    n = sum(totals.values())
    if n <= 1:
        return None
    observed = sum(v for (c, k), v in coincidence.items() if c != k)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k) / (n - 1)
    if expected == 0:
        return None  # one value everywhere: alpha is undefined (0/0), not perfect
    return 1.0 - observed / expected


# -- the report -----------------------------------------------------------------------


@dataclass
class Scope:
    """Figures for one slice (overall, a kind, or a label)."""

    name: str
    alpha: float | None = None
    kappa: dict[tuple[str, str], float | None] = field(default_factory=dict)
    exact: dict[tuple[str, str], PRF] = field(default_factory=dict)
    overlap: dict[tuple[str, str], PRF] = field(default_factory=dict)


@dataclass
class DocumentFigures:
    document_id: int
    key: str
    title: str
    alpha: float | None
    mean_f1: float | None
    disagreements: int


@dataclass
class AgreementReport:
    annotators: list[str]
    overall: Scope
    kinds: list[Scope]
    labels: list[Scope]
    documents: list[DocumentFigures]
    attribution: dict[tuple[str, str], AttributionAgreement] = field(default_factory=dict)
    """Per analyst pair: how claims they both tagged are attributed (annotator.attribution_agreement)."""


@dataclass(frozen=True)
class DocumentInput:
    id: int
    key: str
    title: str
    text: str
    spans: dict[str, list[Span]]  # annotator -> spans
    coded_by: frozenset[str]  # analysts who gave values (spans, or marked done)


def _scope(
    name: str,
    annotators: list[str],
    documents: list[DocumentInput],
    values: dict[str, dict[Unit, str]],
    unit_filter,  # type: ignore[no-untyped-def]
    value_map,  # type: ignore[no-untyped-def]
    span_filter,  # type: ignore[no-untyped-def]
) -> Scope:
    scope = Scope(name)
    all_units: set[Unit] = set()
    for per_unit in values.values():
        all_units.update(u for u in per_unit if unit_filter(u))
    unit_values = []
    for unit in all_units:
        unit_values.append([value_map(values[a][unit]) for a in annotators if unit in values[a]])
    scope.alpha = krippendorff_alpha(unit_values)
    for a, b in combinations(annotators, 2):
        pairs = [
            (value_map(values[a][u]), value_map(values[b][u]))
            for u in all_units
            if u in values[a] and u in values[b]
        ]
        scope.kappa[(a, b)] = cohen_kappa(pairs)
        exact = PRF(0, 0, 0)
        overlap = PRF(0, 0, 0)
        for document in documents:
            if a not in document.coded_by or b not in document.coded_by:
                continue
            spans_a = [s for s in document.spans.get(a, []) if span_filter(s)]
            spans_b = [s for s in document.spans.get(b, []) if span_filter(s)]
            exact = exact + span_prf(spans_a, spans_b, overlap=False)
            overlap = overlap + span_prf(spans_a, spans_b, overlap=True)
        scope.exact[(a, b)] = exact
        scope.overlap[(a, b)] = overlap
    return scope


def agreement(
    documents: list[DocumentInput],
    annotators: list[str],
    kind_of: dict[str, str],
    labels: list[str] | None = None,
) -> AgreementReport:
    """All figures for the given analysts; `labels` narrows spans to those labels."""
    wanted = set(labels) if labels else None

    def keep(span: Span) -> bool:
        return wanted is None or span.label in wanted

    values: dict[str, dict[Unit, str]] = {a: {} for a in annotators}
    for document in documents:
        for annotator in annotators:
            if annotator in document.coded_by:
                spans = [s for s in document.spans.get(annotator, []) if keep(s)]
                values[annotator].update(token_values(document.text, spans, kind_of, document.id))
    identity = lambda value: value  # noqa: E731
    overall = _scope("overall", annotators, documents, values, lambda u: True, identity, keep)
    kinds = []
    for kind in ("claim", "entity", "quantity"):
        kinds.append(
            _scope(kind, annotators, documents, values, lambda u, k=kind: u[2] == k, identity,
                   lambda s, k=kind: keep(s) and kind_of.get(s.label, "entity") == k)
        )
    # Labels the compared analysts used (not those only some other analyst used).
    label_names = sorted(
        {s.label for d in documents for a in annotators for s in d.spans.get(a, []) if keep(s)}
    )
    label_scopes = []
    for label in label_names:
        kind = kind_of.get(label, "entity")
        label_scopes.append(
            _scope(label, annotators, documents, values, lambda u, k=kind: u[2] == k,
                   lambda v, l=label: "yes" if v == l else "no", lambda s, l=label: s.label == l)
        )
    per_document = []
    for document in documents:
        coders = [a for a in annotators if a in document.coded_by]
        units = defaultdict(list)
        for a in coders:
            for unit, value in values[a].items():
                if unit[0] == document.id:
                    units[unit].append(value)
        alpha = krippendorff_alpha(units.values()) if len(coders) >= 2 else None
        f1s = []
        disagreements = 0
        for a, b in combinations(coders, 2):
            spans_a = [s for s in document.spans.get(a, []) if keep(s)]
            spans_b = [s for s in document.spans.get(b, []) if keep(s)]
            f1 = span_prf(spans_a, spans_b, overlap=False).f1
            if f1 is not None:
                f1s.append(f1)
        if len(coders) >= 2:
            disagreements = sum(1 for values_ in units.values() if len(set(values_)) > 1)
        per_document.append(
            DocumentFigures(document.id, document.key, document.title, alpha, sum(f1s) / len(f1s) if f1s else None, disagreements)
        )
    return AgreementReport(
        annotators, overall, kinds, label_scopes, per_document, attribution_by_pair(documents, annotators, kind_of)
    )


def attribution_by_pair(
    documents: list[DocumentInput], annotators: list[str], kind_of: dict[str, str]
) -> dict[tuple[str, str], AttributionAgreement]:
    """Attribution agreement for each analyst pair, on the articles both coded.

    Every span takes part (not only the --label ones): a claim's source is a mention of
    another label, looked up among the analyst's spans.
    """
    claim_labels = tuple(sorted(name for name, kind in kind_of.items() if kind == "claim")) or CLAIM_LABELS
    figures: dict[tuple[str, str], AttributionAgreement] = {}
    for a, b in combinations(annotators, 2):
        pairs = [
            (document.spans.get(a, []), document.spans.get(b, []))
            for document in documents
            if a in document.coded_by and b in document.coded_by
        ]
        figures[(a, b)] = attribution_agreement(pairs, claim_labels)
    return figures


def inputs_from_store(store, annotators: list[str] | None = None) -> tuple[list[DocumentInput], list[str]]:  # type: ignore[no-untyped-def]
    """Every document with each analyst's spans; analysts default to all but gold and suggestions.

    The default is every analyst with a span or a "done" mark somewhere (one who marked
    articles done without tagging anything still said "nothing here"). The gold set
    takes part only when named in `annotators` (e.g. to score an analyst against it);
    it has coded an article once it has a gold span there or the article is adjudicated.
    """
    progress = store.progress()
    include_gold = bool(annotators) and GOLD in annotators
    documents: list[DocumentInput] = []
    seen: set[str] = set()
    for summary in store.list_documents():
        document = store.document(summary.id)
        spans = store.spans_by_annotator(summary.id)
        if not include_gold:
            spans.pop(GOLD, None)
        done = {a for a, state in progress.get(summary.id, {}).items() if state == "done"}
        if not include_gold:
            done.discard(GOLD)
        seen.update(spans, done)
        coded = set(spans) | done
        documents.append(DocumentInput(document.id, document.key, document.title, document.text, spans, frozenset(coded)))
    # Model suggestions (imported Label Studio predictions) are no analyst's work: left
    # out unless named.
    chosen = (
        list(dict.fromkeys(annotators))  # each name once
        if annotators
        else sorted(name for name in seen if not name.startswith(SUGGESTION_PREFIX))
    )
    return documents, chosen


def report_to_json(report: AgreementReport) -> dict[str, object]:
    def scope(s: Scope) -> dict[str, object]:
        return {
            "name": s.name,
            "alpha": s.alpha,
            "pairs": [
                {
                    "a": a,
                    "b": b,
                    "kappa": s.kappa.get((a, b)),
                    "exact": _prf(s.exact[(a, b)]),
                    "overlap": _prf(s.overlap[(a, b)]),
                }
                for (a, b) in s.exact
            ],
        }

    return {
        "annotators": report.annotators,
        "attribution": [{"a": a, "b": b, **figures.to_json()} for (a, b), figures in report.attribution.items()],
        "overall": scope(report.overall),
        "kinds": [scope(s) for s in report.kinds],
        "labels": [scope(s) for s in report.labels],
        "documents": [
            {
                "id": d.key,
                "title": d.title,
                "alpha": d.alpha,
                "mean_exact_f1": d.mean_f1,
                "disagreeing_units": d.disagreements,
            }
            for d in report.documents
        ],
    }


def _prf(prf: PRF) -> dict[str, object]:
    return {
        "matched": prf.matched,
        "spans_a": prf.count_a,
        "spans_b": prf.count_b,
        "precision": prf.precision,
        "recall": prf.recall,
        "f1": prf.f1,
    }
