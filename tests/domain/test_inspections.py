"""Quality inspection (质检): finding the policy's service phrases in a transcript."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attendance.domain import inspections as rules
from attendance.domain.errors import InvalidInput
from attendance.domain.policy.reader import load_default_policy

POLICY = load_default_policy().service_phrases


def test_every_seed_category_of_004_is_in_the_default_lists():
    assert {p.category for p in POLICY.forbidden} == {"contempt", "impatience", "irresponsibility", "insolence"}
    assert {p.category for p in POLICY.required} >= {"greeting", "during", "closing"}
    assert all(p.source for p in (*POLICY.forbidden, *POLICY.required))


def test_punctuation_and_width_do_not_hide_a_phrase_and_the_place_is_the_original_one():
    text = "客户：我的订单呢？\n客服：喂,干什么！你找谁，跟你说过了。谢谢"
    found = rules.find(text, POLICY)
    assert [(m.kind, text[m.start:m.end]) for m in found] == [
        ("forbidden", "喂,干什么"), ("forbidden", "跟你说过了"), ("required", "谢谢")]
    pieces = rules.segments(text, found)
    assert "".join(piece for piece, _ in pieces) == text


@given(st.text(alphabet="您好请问谢谢喂干什么急啰嗦，。! abc", max_size=60))
def test_segments_always_put_the_text_back_together_and_matches_never_overlap(text):
    found = rules.find(text, POLICY)
    assert "".join(piece for piece, _ in rules.segments(text, found)) == text
    for a, b in zip(found, found[1:], strict=False):
        assert a.end <= b.start
    for m in found:
        kept, _ = rules._normal(text[m.start:m.end])
        assert kept == rules._normal(m.phrase)[0]


@pytest.mark.parametrize("value", ["", "abc", "-1", "101", "7.5", None, True])
def test_a_bad_score_is_bad_input(value):
    with pytest.raises(InvalidInput):
        rules.check_score(value, 100)


def test_unknown_phrase_codes_are_refused_and_known_ones_kept_once_in_order():
    with pytest.raises(InvalidInput):
        rules.check_phrases(["NOPE"], POLICY)
    first = POLICY.forbidden[0].code
    assert rules.check_phrases([POLICY.required[0].code, first, first], POLICY) == [first, POLICY.required[0].code]
