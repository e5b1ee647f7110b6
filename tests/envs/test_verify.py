"""Answer readers and judges of the built-in suite: right answers in any format pass,
candidate lists, look-alikes and wrong values fail, and the reason says which."""

from __future__ import annotations

import pytest

from forethought.envs.sites.verify import (
    amounts,
    codes,
    counts,
    judge_amount,
    judge_code,
    judge_count,
    judge_text,
    judge_time,
    mentions_code,
    mentions_time,
    times,
)

# -- readers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("$9.40", [940]),
        ("9.40", [940]),
        ("9.4", [940]),
        ("USD 9.40", [940]),
        ("usd9.40", [940]),
        ("9.40 dollars", [940]),
        ("9.40 USD", [940]),
        ("€12", [1200]),
        ("12€", [1200]),
        ("£3.05", [305]),
        ("1,234.50", [123450]),
        ("$1234.5", [123450]),
        ("12", [1200]),
        ("45 cents", [45]),
        ("It was $1,234.50.", [123450]),
        ("$9.40 or $12", [940, 1200]),
        ("$9.40, that is 9.4 USD", [940]),  # each value once
        ("Order FT-12345 came to $45.20.", [4520]),
        ("Order #A1234: $45.20", [4520]),
        ("Confirmation BJ7K2Q", []),
        ("2025-03-04", []),
        ("on 04/03/2025", []),
        ("on July 4, 2025", []),
        ("at 9:40", []),
        ("at 3pm", []),
        ("at 3 p.m.", []),
        ("at 9.40am", []),
        ("10% off", []),
        ("ann.lee2@example.com", []),
        ("12,34", []),
        ("nine dollars", []),  # amounts are read from digits only
        ("", []),
        (None, []),
    ],
)
def test_amounts(text: str | None, cents: list[int]) -> None:
    assert amounts(text) == cents


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("3pm", [900]),
        ("3 pm", [900]),
        ("3 p.m.", [900]),
        ("3PM", [900]),
        ("3:00 PM", [900]),
        ("3:30pm", [930]),
        ("three pm", [900]),
        ("15:00", [900]),
        ("15h00", [900]),
        ("3 o'clock", [180, 900]),
        ("three o’clock", [180, 900]),
        ("noon", [720]),
        ("12 noon", [720]),
        ("midnight", [0]),
        ("12am", [0]),
        ("12pm", [720]),
        ("9:40", [580]),
        ("09:40", [580]),
        ("9.40am", [580]),
        ("9:40:00", [580]),
        ("2025-07-04T09:40", [580]),
        ("from 9:40 to 3pm", [580, 900]),
        ("3", []),  # a bare number is not a time
        ("9.40", []),  # nor a dotted one without am/pm (mentions_time accepts it)
        ("$12.50", []),
        ("12.50 USD", []),
        ("I am here", []),
        ("3 apples", []),
        ("on 2025-03-04", []),
        ("25:00", []),
        ("9:75", []),
        (None, []),
    ],
)
def test_times(text: str | None, minutes: list[int]) -> None:
    assert times(text) == minutes


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("room 4 B", ["4B", "4", "B"]),
        ("4b", ["4B"]),
        ("BJ 1234", ["BJ1234", "BJ", "1234"]),
        ("bj-1234", ["BJ1234", "BJ", "1234"]),
        ("Your code is BJ7K2Q.", ["BJ7K2Q"]),
        ("room 204", ["204"]),
        ("Reference HT4K9Q for 2 nights", ["HT4K9Q", "2"]),
        ("Flight BJ123 on July 4 at 9:40, seat 12A", ["BJ123", "12A"]),
        ("total $45.20 at 3pm", []),  # amounts with a mark, and times, are no codes
        ("Thanks, see you", []),  # capitalised words are no codes
        ("4\nB", ["4"]),  # fragments join on one line only; a lone "B" is no code
        (None, []),
    ],
)
def test_codes(text: str | None, found: list[str]) -> None:
    assert codes(text) == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("I have received 3 emails from Ann", [3]),
        ("three", [3]),
        ("Twelve emails", [12]),
        ("none", [0]),
        ("3 emails, the last on 2025-03-04 at 9:40", [3]),
        ("3 emails, the last on July 4", [3]),
        ("3 emails about order FT-12345 ($45.20)", [3]),
        ("order #3", []),
        ("the 3rd one", [1]),
        ("ann.lee2@example.com sent 3", [3]),
        ("1,200", [1200]),
        ("Answer:3", [3]),
        ("9.5", []),
    ],
)
def test_counts(text: str, found: list[int]) -> None:
    assert counts(text) == found


@pytest.mark.parametrize(
    ("text", "minutes", "expected"),
    [
        ("Yes, 3pm works for me", 900, True),
        ("Yes, 3 p.m. works for me", 900, True),
        ("See you at 3 o'clock", 900, True),
        ("See you at 3 o'clock", 180, True),
        ("I'm on the 9.40 train", 580, True),
        ("Let's meet at noon", 720, True),
        ("Yes, 4pm works for me", 900, False),
        ("I'll bring 3 pens", 180, False),
        ("It costs $9.40", 580, False),
        (None, 900, False),
    ],
)
def test_mentions_time(text: str | None, minutes: int, expected: bool) -> None:
    assert mentions_time(text, minutes) is expected


@pytest.mark.parametrize(
    ("text", "code", "expected"),
    [
        ("we moved to room 4 B", "4B", True),
        ("we moved to room 4b", "4B", True),
        ("we moved to room 4 b", "4B", True),
        ("booking BJ 1234", "BJ1234", True),
        ("ref bj-1234", "BJ 1234", True),
        ("the code is abcdef", "ABCDEF", True),  # an all-letter code, in any case
        ("we moved to room 4 C", "4B", False),
        ("we moved to room 14B", "4B", False),
        ("code BJ12345", "BJ1234", False),
        (None, "4B", False),
    ],
)
def test_mentions_code(text: str | None, code: str, expected: bool) -> None:
    assert mentions_code(text, code) is expected


def test_readers_skip_times_and_order_numbers() -> None:
    assert 4520 in amounts("It was $45.20.")
    assert 940 not in amounts("at 9:40")
    assert 3 in counts("I have received 3 emails from Ann")
    assert 3 not in counts("order #3")


# -- judges --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        "$9.40",
        "9.40",
        "9.4",
        "9.4 USD",
        "USD 9.40",
        "9.40 dollars",
        "It was $9.40.",
        "$9.40 (9.4 USD)",  # the right amount in two formats
        "$9.40, I checked twice: $9.40",
        "The total of order FT-12345 was $9.40, paid on 2025-03-04 at 3pm.",
        "$9.40 for 2 lamps",  # a bare integer is no other amount
    ],
)
def test_judge_amount_passes(answer: str) -> None:
    verdict = judge_amount(answer, 940, wrong=[1200])
    assert verdict.success, verdict.detail
    assert verdict.reward == 1.0


def test_judge_amount_bare_integer() -> None:
    assert judge_amount("12", 1200).success
    assert judge_amount("12 dollars", 1200).success


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        (None, "no answer given"),
        ("   ", "no answer given"),
        ("about forty", 'no amount in the answer "about forty"'),
        ("nine dollars forty", 'no amount in the answer "nine dollars forty"'),
        ("$12.00", "wrong amount: $12.00, expected $45.20"),
        ("$12.00 or $3.10", "wrong amounts: $12.00 and $3.10, expected $45.20"),
        (
            "Your orders: $45.20, $12.00",
            "answer names 2 amounts, $45.20 and $12.00; only $45.20 is right",
        ),
        (
            "$45.20, $12.00, $9.99 and 3.10",
            "answer names 4 amounts, $45.20, $12.00, $9.99 and $3.10; only $45.20 is right",
        ),
        (
            "$45.20 or maybe $38.00",
            "answer names $38.00, a known wrong amount; the right one is $45.20",
        ),
        ("38", "answer names $38.00, a known wrong amount; the right one is $45.20"),
    ],
)
def test_judge_amount_fails(answer: str | None, detail: str) -> None:
    verdict = judge_amount(answer, 4520, wrong=[3800])
    assert not verdict.success
    assert verdict.reward == 0.0
    assert verdict.detail == detail


def test_judge_amount_ignores_a_wrong_value_equal_to_the_expected_one() -> None:
    assert judge_amount("$45.20", 4520, wrong=[4520, 3800]).success


@pytest.mark.parametrize(
    "answer",
    [
        "3pm",
        "3 pm",
        "3 p.m.",
        "3:00 PM",
        "15:00",
        "15h00",
        "3 o'clock",
        "three pm",
        "The meeting is at 3pm (15:00).",
        "3pm on July 4",
    ],
)
def test_judge_time_passes(answer: str) -> None:
    verdict = judge_time(answer, 900)
    assert verdict.success, verdict.detail


def test_judge_time_dotted_and_noon() -> None:
    assert judge_time("the 9.40 train", 580).success
    assert judge_time("9.40am", 580).success
    assert judge_time("at noon", 720).success
    assert judge_time("midnight", 0).success


def test_judge_time_oclock_is_not_the_wrong_reading() -> None:
    # "3 o'clock" reads as 3:00 and 15:00; naming it is no mention of the wrong 03:00
    assert judge_time("3 o'clock", 900, wrong=[180]).success


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        (None, "no answer given"),
        ("in the afternoon", 'no time in the answer "in the afternoon"'),
        ("3", 'no time in the answer "3"'),
        ("4pm", "wrong time: 16:00, expected 15:00"),
        ("at 4pm or 5pm", "wrong times: 16:00 and 17:00, expected 15:00"),
        ("3pm or 4pm", "answer names 2 times, 15:00 and 16:00; only 15:00 is right"),
        ("3pm, else 2:30pm", "answer names 14:30, a known wrong time; the right one is 15:00"),
    ],
)
def test_judge_time_fails(answer: str | None, detail: str) -> None:
    verdict = judge_time(answer, 900, wrong=[870])
    assert not verdict.success
    assert verdict.detail == detail


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ("The code is BJ7K2Q", "BJ7K2Q"),
        ("bj7k2q", "BJ7K2Q"),
        ("BJ7K2Q (confirmation BJ7K2Q)", "BJ7K2Q"),
        ("BJ7K2Q, for flight BJ123 on July 4 at 9:40", "BJ7K2Q"),
        ("room 4 B", "4B"),
        ("Room 4b on floor 2", "4B"),
        ("4B", "4B"),
        ("BJ 1234", "BJ1234"),
        ("bj-1234", "BJ1234"),
        ("Reference HT4K9Q", "HT-4K9Q"),
    ],
)
def test_judge_code_passes(answer: str, code: str) -> None:
    verdict = judge_code(answer, code, wrong=["PROMO7"])
    assert verdict.success, verdict.detail


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        (None, "no answer given"),
        ("I could not find it", 'no code in the answer "I could not find it"'),
        ("QX9P3M", "wrong code: QX9P3M, expected BJ7K2Q"),
        ("ZZZZZZ", "wrong code: ZZZZZZ, expected BJ7K2Q"),
        ("BJ7K2Q or QX9P3M", "answer names 2 codes, BJ7K2Q and QX9P3M; only BJ7K2Q is right"),
        (
            "BJ7K2Q, promo PROMO7",
            "answer names PROMO7, a known wrong code; the right one is BJ7K2Q",
        ),
        ("BJ7K2Q (promo7)", "answer names PROMO7, a known wrong code; the right one is BJ7K2Q"),
    ],
)
def test_judge_code_fails(answer: str | None, detail: str) -> None:
    verdict = judge_code(answer, "BJ7K2Q", wrong=["PROMO7"])
    assert not verdict.success
    assert verdict.detail == detail


def test_judge_code_rooms() -> None:
    assert not judge_code("room 4 B or room 3 C", "4B").success
    assert judge_code("room 3 C", "4B").detail == "wrong code: 3C, expected 4B"
    assert not judge_code("BJ 1234 and BJ 5678", "BJ1234").success
    # a wrong value inside the place the right code is written is one of its parts
    assert judge_code("BJ 1234", "BJ1234", wrong=["1234"]).success
    assert not judge_code("BJ 1234, 1234", "BJ1234", wrong=["1234"]).success


@pytest.mark.parametrize(
    "answer",
    [
        "3",
        "three",
        "Three.",
        "I have received 3 emails from Ann",
        "You received 3 emails from Ann Lee (ann.lee2@example.com).",
        "3 emails, the latest one on 2025-03-04 at 9:40",
        "3 emails; the last on July 4, 2025",
        "3 (three) emails",
        "In 2025 you received 3 emails about order FT-12345",
    ],
)
def test_judge_count_passes(answer: str) -> None:
    verdict = judge_count(answer, 3)
    assert verdict.success, verdict.detail


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        (None, "no answer given"),
        ("several", 'no count in the answer "several"'),
        ("4", "wrong count: 4, expected 3"),
        ("four", "wrong count: 4, expected 3"),
        ("3 or 4", "answer names 2 counts, 3 and 4; only 3 is right"),
        ("3, of which 2 unread", "answer names 2 counts, 3 and 2; only 3 is right"),
        ("3, maybe 5", "answer names 5, a known wrong count; the right one is 3"),
    ],
)
def test_judge_count_fails(answer: str | None, detail: str) -> None:
    verdict = judge_count(answer, 3, wrong=[5])
    assert not verdict.success
    assert verdict.detail == detail


def test_judge_count_one_and_zero() -> None:
    assert judge_count("just one", 1).success
    assert judge_count("none", 0).success
    assert judge_count("0 emails", 0).success


@pytest.mark.parametrize(
    "answer",
    [
        "Ann Lee",
        "ann lee",
        "It was ANN  LEE.",
        "AnnLee",
        "Ann-Lee",
        "Grand Hotel Plaza",  # names the wrong "Grand Hotel" only inside the right name
    ],
)
def test_judge_text_passes(answer: str) -> None:
    expected = "Grand Hotel Plaza" if "Hotel" in answer else "Ann Lee"
    verdict = judge_text(answer, expected, wrong=["Ann Leigh", "Grand Hotel"])
    assert verdict.success, verdict.detail


def test_judge_text_folds_accents_and_apostrophes() -> None:
    assert judge_text("José O'Brien", "Jose OBrien").success
    assert judge_text("jose obrien", "José O'Brien").success


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        (None, "no answer given"),
        ("Joanna Leeds", 'answer does not name "Ann Lee": "Joanna Leeds"'),
        ("Ann Leigh", 'answer names "Ann Leigh", a known wrong answer; the right one is "Ann Lee"'),
        (
            "Ann Lee or Ann Leigh",
            'answer names "Ann Leigh", a known wrong answer; the right one is "Ann Lee"',
        ),
    ],
)
def test_judge_text_fails(answer: str | None, detail: str) -> None:
    verdict = judge_text(answer, "Ann Lee", wrong=["Ann Leigh"])
    assert not verdict.success
    assert verdict.detail == detail


def test_judges_reject_an_empty_expected_value() -> None:
    with pytest.raises(ValueError):
        judge_code("BJ7K2Q", " - ")
    with pytest.raises(ValueError):
        judge_text("Ann", "...")
