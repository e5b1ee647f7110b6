"""Small helpers verifiers share: verdicts, and reading values out of free-text answers.

The readers (``amounts``, ``times``, ``codes``, ``counts``) list every value of one kind
written in a text. The judges (``judge_amount``, ``judge_time``, ``judge_code``,
``judge_count``, ``judge_text``) turn an answer into a :class:`Verdict` whose ``detail``
says, in a few words a user can read in a report, why it failed.

Every judge follows the same rules, in this order:

1. No answer (``None`` or blank) fails.
2. Naming a value in ``wrong`` (the look-alikes and other candidates on the page) fails,
   even next to the right one. A mention that also reads as the right value ("3 o'clock"
   for 15:00 when 3:00 is wrong) does not count, and a ``wrong`` value equal to the
   expected one is ignored.
3. The expected value must be named, in any format the reader accepts.
4. Naming another value of the same kind fails: an answer that lists candidates is not
   an answer. The right value written twice, or in two formats ("$9.40 (9.4 USD)"),
   is fine. Only unambiguous mentions count as another value:

   - amounts: a currency mark ("$", "€", "£", "USD", "dollars", "cents") or decimals.
     A bare integer ("12") matches 1200 cents but is never another amount: in an answer
     it is as often a quantity ("2 items").
   - times: everything ``times`` reads. A dotted "9.40" without am/pm matches 9:40 ("the
     9.40 train") but is not another time, and ``times`` does not list it: it is as
     often a price.
   - codes: see ``judge_code``.
   - counts: numerals under 1,000 and the words "zero" to "twelve". Numerals of four or
     more digits (years, order numbers) and the words "one" and "none" (often pronouns:
     "the latest one") match an expected count but are never another count.

Before reading amounts, times, counts or codes, dates are set aside ("2025-03-04",
"04/03/2025", "3/4", "July 4", "4th of July, 2025"), so their digits are none of these.
Digits glued to letters ("#A1234", "BJ7K2Q", "ann.lee2", "3rd"), to "#", or to letters
by a hyphen ("FT-12345") are neither amounts nor counts. Amounts and times are read
from digits only (plus "noon", "midnight", and "three pm" / "three o'clock"); counts
also from the words "zero" to "twelve".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Generic, TypeVar

from forethought.envs.types import Verdict

_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
]


def passed(detail: str = "") -> Verdict:
    return Verdict(success=True, reward=1.0, detail=detail)


def failed(detail: str, *, trap: bool = False) -> Verdict:
    return Verdict(success=False, trap_triggered=trap, reward=0.0, detail=detail)


def normalize(text: str | None) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w$.@:-]+", " ", (text or "").lower())).strip()


def mentions(answer: str | None, expected: str) -> bool:
    """Whether ``answer`` contains ``expected``, ignoring case, spacing and punctuation."""
    return normalize(expected) in normalize(answer)


# -- reading values ------------------------------------------------------------------------

V = TypeVar("V", bound=Hashable)


@dataclass(frozen=True)
class _Mention(Generic[V]):
    """One value written in a text: where, what it may read as, and whether it is
    unambiguous (``strong``) enough to count as another value of its kind."""

    start: int
    end: int
    values: tuple[V, ...]
    strong: bool = True


_HIDE = "\x00"  # what set-aside spans are overwritten with: no word, no space, no digit
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = re.compile(
    rf"""
      (?<![\w.])\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}(?!\d)
    | (?<![\w.])\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}(?![\d.]\d)
    | (?<![\w./])\d{{1,2}}/\d{{1,2}}(?![\d/])
    | \b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?
      (?![\w:]|[.]\d|\s?[ap]\.?\s?m\b|\s?o.?\s?clock)(?:,?\s+\d{{4}}(?!\d))?
    | (?<![\w.])\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b\.?(?:,?\s+\d{{4}}(?!\d))?
    """,
    re.I | re.X,
)
_CURRENCY_BEFORE = r"us\$|\$|€|£|usd|eur|gbp"
_CURRENCY_AFTER = r"usd|eur|gbp|dollars?|euros?|bucks|€|£|\$"
_AMOUNT = re.compile(
    rf"""
    (?:(?<![a-z])(?P<pre>{_CURRENCY_BEFORE})\s?|(?<![\w#.,/$€£])(?<![a-z]-))
    (?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d{{1,2}})?|\d+(?:\.\d{{1,2}})?)
    (?![.,:/]?\d)
    (?:\s?(?P<cents>cents?|¢)|\s?(?P<post>{_CURRENCY_AFTER}))?
    (?![a-z0-9_]|\s?%)
    """,
    re.I | re.X,
)
_HOUR_WORD = "|".join(_WORDS[1:])
_TIME = re.compile(
    rf"""
      (?<![\w.:,$€£])(?P<h1>\d{{1,2}}|{_HOUR_WORD})(?:[:.h](?P<m1>\d{{2}}))?
      \s?(?P<ap>[ap])\.?\s?m(?![a-z])\.?
    | (?<![\w.:,$€£])(?P<h2>\d{{1,2}}|{_HOUR_WORD})\s?o\s?['’]?\s?clock\b
    | (?<![\d:.])(?P<h3>\d{{1,2}}):(?P<m3>\d{{2}})(?::\d{{2}})?(?![\d:])
    | (?<![\w.:])(?P<h4>\d{{1,2}})h(?P<m4>\d{{2}})(?!\w)
    | \b(?:12\s?)?(?P<noon>noon|midday)\b
    | \b(?:12\s?)?(?P<midnight>midnight)\b
    """,
    re.I | re.X,
)
_DOTTED_TIME = re.compile(r"(?<![\w.:,$€£])(?P<h>\d{1,2})\.(?P<m>\d{2})(?![\w.,]\d|\w)")
_COUNT = re.compile(
    rf"""
      (?<![\w#.,/$€£])(?<![a-z]-)(?P<num>\d{{1,3}}(?:,\d{{3}})+|\d+)(?![.,:/]?\d|\w|\s?%)
    | \b(?P<word>{"|".join(_WORDS)}|none)\b
    """,
    re.I | re.X,
)
_WEAK_COUNT_WORDS = {"one", "none"}
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_MAX_JOIN = 4  # fragments joined into one code at most


def _hide(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = _HIDE * (end - start)
    return "".join(chars)


def _spans(mentions: Iterable[_Mention[V]]) -> list[tuple[int, int]]:
    return [(m.start, m.end) for m in mentions]


def _hour(word: str) -> int:
    return int(word) if word.isdigit() else _WORDS.index(word.lower())


def _time_mention(match: re.Match[str]) -> _Mention[int] | None:
    g = match.groupdict()
    if g["noon"]:
        values = (720,)
    elif g["midnight"]:
        values = (0,)
    elif g["h1"]:
        hour, minute = _hour(g["h1"]), int(g["m1"] or 0)
        if hour > 23 or minute > 59:
            return None
        if hour <= 12:
            hour = hour % 12 + (12 if g["ap"].lower() == "p" else 0)
        values = (hour * 60 + minute,)
    elif g["h2"]:
        hour = _hour(g["h2"])
        if hour > 23:
            return None
        values = (hour % 12 * 60, (hour % 12 + 12) * 60) if 1 <= hour <= 12 else (hour * 60,)
    else:
        hour, minute = int(g["h3"] or g["h4"]), int(g["m3"] or g["m4"])
        if hour > 24 or minute > 59:
            return None
        values = (hour % 24 * 60 + minute,)
    return _Mention(match.start(), match.end(), values)


def _amount_mention(match: re.Match[str]) -> _Mention[int]:
    number = Decimal(match["num"].replace(",", ""))
    scale = 1 if match["cents"] else 100
    cents = int((number * scale).to_integral_value(ROUND_HALF_UP))
    strong = bool(match["pre"] or match["post"] or match["cents"] or "." in match["num"])
    return _Mention(match.start(), match.end(), (cents,), strong)


@dataclass(frozen=True)
class _Reading:
    """A text read once: its amounts, its times, and what is left for counts and codes."""

    amounts: list[_Mention[int]]
    times: list[_Mention[int]]
    rest: str


def _read(text: str | None) -> _Reading:
    text = _hide(text or "", (m.span() for m in _DATE.finditer(text or "")))
    marked = [m.span() for m in _AMOUNT.finditer(text) if m["pre"] or m["post"] or m["cents"]]
    timed = _hide(text, marked)
    times = [t for m in _TIME.finditer(timed) if (t := _time_mention(m))]
    dotted = _hide(timed, _spans(times))
    for m in _DOTTED_TIME.finditer(dotted):
        hour, minute = int(m["h"]), int(m["m"])
        if hour <= 23 and minute <= 59:
            times.append(_Mention(m.start(), m.end(), (hour * 60 + minute,), strong=False))
    times.sort(key=lambda t: t.start)
    untimed = _hide(text, _spans(t for t in times if t.strong))
    amounts = [_amount_mention(m) for m in _AMOUNT.finditer(untimed)]
    rest = _hide(untimed, _spans(a for a in amounts if a.strong))
    return _Reading(amounts, times, rest)


def _distinct(mentions: Iterable[_Mention[V]]) -> list[V]:
    return list(dict.fromkeys(v for m in mentions for v in m.values))


def amounts(text: str | None) -> list[int]:
    """Money amounts in ``text``, in cents, each once, in order of appearance.

    Reads "$9.40", "9.40", "9.4", "USD 9.40", "9.40 dollars", "€12", "45 cents",
    "1,234.50" (the comma separates thousands) and a bare "12" (1200). Not dates, times
    ("9:40", "3pm"), percentages, or digits glued to letters ("#A1234", "FT-12345").
    """
    return _distinct(_read(text).amounts)


def times(text: str | None) -> list[int]:
    """Clock times in ``text``, in minutes after midnight, each once, in order.

    Reads "3pm", "3 p.m.", "three pm", "3:00 PM", "9.40am", "15:00", "09:40", "15h00",
    "noon" (720) and "midnight" (0). "3 o'clock" is ambiguous and gives both 180 and
    900. A bare number ("3", "9.40") is not a time.
    """
    return _distinct(t for t in _read(text).times if t.strong)


def _count_mentions(reading: _Reading) -> list[_Mention[int]]:
    found: list[_Mention[int]] = []
    for m in _COUNT.finditer(reading.rest):
        if m["word"]:
            word = m["word"].lower()
            value = 0 if word == "none" else _WORDS.index(word)
            found.append(_Mention(m.start(), m.end(), (value,), word not in _WEAK_COUNT_WORDS))
        else:
            digits = m["num"].replace(",", "")
            found.append(_Mention(m.start(), m.end(), (int(digits),), len(digits) < 4))
    return found


def counts(text: str | None) -> list[int]:
    """Whole numbers in ``text`` that may be a count, each once, in order: numerals
    ("3", "1,200") and the words "zero" to "twelve" and "none" (0). Not amounts with a
    currency mark or decimals, times, dates, or digits glued to letters ("#3", "3rd")."""
    return _distinct(_count_mentions(_read(text)))


def _canonical_code(code: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", code).upper()


def _is_code_like(token: str) -> bool:
    return any(c.isdigit() for c in token) or (len(token) >= 2 and token.isupper())


def _is_fragment(token: str) -> bool:
    return len(token) <= 4 and (_is_code_like(token) or token.isupper() or len(token) == 1)


def _code_mentions(text: str | None, *, any_case: bool = False) -> list[_Mention[str]]:
    rest = _read(text).rest
    found: list[_Mention[str]] = []
    run: list[re.Match[str]] = []

    def close_run() -> None:
        for i in range(len(run)):
            for j in range(i + 2, min(i + _MAX_JOIN, len(run)) + 1):
                joined = "".join(m.group() for m in run[i:j]).upper()
                found.append(_Mention(run[i].start(), run[j - 1].end(), (joined,)))
        if len(run) > 1:
            found.extend(
                _Mention(m.start(), m.end(), (m.group().upper(),))
                for m in run
                if not _is_code_like(m.group())
            )
        run.clear()

    for match in _TOKEN.finditer(rest):
        token = match.group()
        parts = token.split("-")
        if len(parts) > 1:
            close_run()
            if any_case or any(c.isdigit() for c in token) or all(p.isupper() for p in parts):
                found.append(_Mention(match.start(), match.end(), ("".join(parts).upper(),)))
                start = match.start()
                for part in parts:
                    found.append(_Mention(start, start + len(part), (part.upper(),)))
                    start += len(part) + 1
            continue
        if any_case or _is_code_like(token):
            found.append(_Mention(match.start(), match.end(), (token.upper(),)))
        if _is_fragment(token):
            if run and not re.fullmatch(r"[ \t]+", rest[run[-1].end() : match.start()]):
                close_run()
            run.append(match)
        else:
            close_run()
    close_run()
    found.sort(key=lambda m: (m.start, -m.end))
    return found


def codes(text: str | None) -> list[str]:
    """Candidate codes in ``text`` (confirmation codes, booking references, room or flight
    numbers), upper-cased, each once, in order of appearance.

    A token (a run of ASCII letters and digits) is a candidate when it holds a digit or
    is written in capitals (two letters or more): "BJ7K2Q", "4b" (as "4B"), "204".
    Tokens joined by hyphens also give their join: "bj-1234" gives "BJ1234", "BJ" and
    "1234". Short fragments (up to four characters: with a digit, in capitals, or a single
    letter) written apart by spaces on one line also join, up to four at a time:
    "room 4 B" gives "4B", "4" and "B"; "BJ 1234" gives "BJ1234", "BJ" and "1234".
    Dates, times and amounts with a currency mark or decimals are no codes.
    """
    return _distinct(_code_mentions(text))


def mentions_time(text: str | None, minutes: int) -> bool:
    """Whether ``text`` names the clock time ``minutes`` after midnight: "Yes, 3pm works"
    names 900; a dotted "the 9.40 train" names 580 here (``times`` does not list it)."""
    return any(minutes in t.values for t in _read(text).times)


def mentions_code(text: str | None, code: str) -> bool:
    """Whether ``text`` names ``code`` (punctuation and case aside): "we moved to room 4 B"
    names "4B", "ref bj-1234" names "BJ 1234". An all-letter code matches in any case."""
    want = _canonical_code(code)
    return any(want in m.values for m in _code_mentions(text, any_case=True))


# -- judging answers -----------------------------------------------------------------------


def _quoted(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return f'"{flat if len(flat) <= limit else flat[: limit - 1] + "…"}"'


def _listing(items: Sequence[str], limit: int = 5) -> str:
    if len(items) > limit:
        return f"{', '.join(items[:limit])} and {len(items) - limit} more"
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _money(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _judge(
    answer: str | None,
    noun: str,
    expected: V,
    wrong: Iterable[V],
    fmt: Callable[[V], str],
    matching: list[_Mention[V]],
    named: list[_Mention[V]] | None = None,
) -> Verdict:
    """The rules in the module docstring. ``matching`` are the mentions that may be the
    expected or a wrong value; ``named`` (``matching`` unless given) those that may be
    another value of the kind."""
    if answer is None or not answer.strip():
        return failed("no answer given")
    named = matching if named is None else named
    bad = {w for w in wrong if w != expected}
    named_wrong = [
        v for v in _distinct(m for m in matching if expected not in m.values) if v in bad
    ]
    right = fmt(expected)
    if named_wrong:
        which = _listing([fmt(w) for w in named_wrong])
        return failed(f"answer names {which}, a known wrong {noun}; the right one is {right}")

    def label(m: _Mention[V]) -> str:
        return "/".join(fmt(v) for v in m.values)

    if not any(expected in m.values for m in matching):
        if not named:
            return failed(f"no {noun} in the answer {_quoted(answer)}")
        clear = [m for m in named if m.strong] or named
        seen = list(dict.fromkeys(label(m) for m in clear))
        plural = noun if len(seen) == 1 else f"{noun}s"
        return failed(f"wrong {plural}: {_listing(seen)}, expected {right}")
    others = list(dict.fromkeys(label(m) for m in named if m.strong and expected not in m.values))
    if others:
        listed = _listing([right, *others])
        return failed(f"answer names {len(others) + 1} {noun}s, {listed}; only {right} is right")
    return passed(f"the {noun} is right: {right}")


def judge_amount(answer: str | None, cents: int, *, wrong: Iterable[int] = ()) -> Verdict:
    """Whether ``answer`` names the amount ``cents`` and no other (see ``amounts``)."""
    return _judge(answer, "amount", cents, wrong, _money, _read(answer).amounts)


def judge_time(answer: str | None, minutes: int, *, wrong: Iterable[int] = ()) -> Verdict:
    """Whether ``answer`` names the clock time ``minutes`` after midnight and no other
    (see ``times``; a dotted "9.40" also matches)."""
    return _judge(answer, "time", minutes, wrong, _clock, _read(answer).times)


def judge_count(answer: str | None, count: int, *, wrong: Iterable[int] = ()) -> Verdict:
    """Whether ``answer`` names the count ``count`` (digits, or a word up to twelve) and no
    other. "I have received 3 emails from Ann" passes for 3; so does "three". Digits in
    dates, times, amounts and identifiers ("FT-12345", "#3") are no counts."""
    return _judge(answer, "count", count, wrong, str, _count_mentions(_read(answer)))


def _shape(code: str) -> tuple[int, bool, bool]:
    return len(code), any(c.isdigit() for c in code), any(c.isalpha() for c in code)


def judge_code(answer: str | None, code: str, *, wrong: Iterable[str] = ()) -> Verdict:
    """Whether ``answer`` names ``code`` (see ``mentions_code``) and no other code.

    Another code is a candidate (see ``codes``) with the shape of the expected one: the
    same length, with letters and with digits exactly when the expected one has them, and
    written apart from every place the expected code is written (so "4" and "B" in
    "room 4 B" are its parts, not rivals). "BJ7K2Q or QX9P3M" fails for "BJ7K2Q";
    "BJ7K2Q, flight BJ123 on July 4" passes.
    """
    want = _canonical_code(code)
    if not want:
        raise ValueError(f"judge_code needs a code with letters or digits, got {code!r}")
    bad = {_canonical_code(w) for w in wrong}
    matching = _code_mentions(answer, any_case=True)
    where = [(m.start, m.end) for m in matching if want in m.values]
    rivals = [
        _Mention(m.start, m.end, m.values, strong=_shape(m.values[0]) == _shape(want))
        for m in _code_mentions(answer)
        if not any(m.start < end and start < m.end for start, end in where)
    ]
    relevant = [
        m
        for m in matching
        if want in m.values
        or (bad & set(m.values) and not any(m.start < e and s < m.end for s, e in where))
    ]
    return _judge(answer, "code", want, bad, str, relevant, rivals)


def _words(text: str) -> tuple[str, set[int], set[int]]:
    """``text`` folded (case, accents) with everything but letters and digits dropped,
    and where its words start and end in that folded string."""
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    ).casefold()
    folded, starts, ends = "", set(), set()
    for word in re.findall(r"[^\W_]+", plain):
        starts.add(len(folded))
        folded += word
        ends.add(len(folded))
    return folded, starts, ends


def _places(text: str, expected: str) -> list[tuple[int, int]]:
    """Where ``expected`` is written in ``text`` as whole words, case, spacing, accents
    and punctuation aside ("O'Brien" in "obrien", "Ann Lee" in "AnnLee", not "Ann" in
    "Joanna"), as spans of the folded text."""
    folded, starts, ends = _words(text)
    want = _words(expected)[0]
    found, at = [], folded.find(want) if want else -1
    while at >= 0:
        if at in starts and at + len(want) in ends:
            found.append((at, at + len(want)))
        at = folded.find(want, at + 1)
    return found


def judge_text(answer: str | None, expected: str, *, wrong: Iterable[str] = ()) -> Verdict:
    """Whether ``answer`` names ``expected`` (a name or other string) as whole words,
    case, spacing, accents and punctuation aside, and names no ``wrong`` string outside
    the places where it names ``expected`` ("Grand Hotel" is wrong, "Grand Hotel Plaza"
    right: the answer "Grand Hotel Plaza" passes)."""
    if not _words(expected)[0]:
        raise ValueError(f"judge_text needs text with letters or digits, got {expected!r}")
    if answer is None or not answer.strip():
        return failed("no answer given")
    right = _places(answer, expected)
    for other in wrong:
        if _words(other)[0] == _words(expected)[0] or not _words(other)[0]:
            continue
        outside = [
            span
            for span in _places(answer, other)
            if not any(s <= span[0] and span[1] <= e for s, e in right)
        ]
        if outside:
            return failed(
                f'answer names "{other}", a known wrong answer; the right one is "{expected}"'
            )
    if not right:
        return failed(f'answer does not name "{expected}": {_quoted(answer)}')
    return passed(f'the answer names "{expected}"')
