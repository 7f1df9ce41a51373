"""The month merge of window pulls: two id-ordered streams, the new version winning."""

from hypothesis import given
from hypothesis import strategies as st

from ingestion.pulls.window import _merge

ids = st.dictionaries(st.text("abc", min_size=1, max_size=3), st.sampled_from("xyz"))


@given(ids, ids)
def test_merge_is_the_union_with_the_new_line_winning(kept, new):
    merged = list(_merge(iter(sorted(kept.items())), iter(sorted(new.items()))))
    assert [line for line, _ in merged] == [v for _, v in sorted({**kept, **new}.items())]
    changed = {k for k, v in new.items() if kept.get(k) != v}
    assert sum(differs for _, differs in merged) == len(changed)
