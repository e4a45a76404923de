"""nncore.number_text: the one reader of numbers typed or read from text."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nncore import check_learning_rate
from nncore.number_text import (
    BLANK,
    NOT_A_NUMBER,
    NOT_FINITE,
    NOT_WHOLE,
    TOO_LARGE,
    TOO_SMALL,
    parse_number,
    parse_whole,
    read_number,
    read_whole,
)


@pytest.mark.parametrize("text, value", [
    ("0", 0.0), ("-0.5", -0.5), ("+.5", 0.5), ("3.", 3.0), ("1e-3", 1e-3), ("2E+4", 2e4),
    (" 7\t", 7.0), ("\u22122.5", -2.5), ("1.7976931348623157e308", 1.7976931348623157e308),
    ("0e-999", 0.0), ("5e-324", 5e-324),
])
def test_plain_decimals_read_as_float_reads_them(text, value):
    assert read_number(text) == (value, None)


# Each of these is a number to Python's float(), or a float() error; none is one here.
@pytest.mark.parametrize("text, why", [
    ("1_0", NOT_A_NUMBER), ("\u0663", NOT_A_NUMBER), ("\u0661\u0660", NOT_A_NUMBER),
    ("\uff11", NOT_A_NUMBER), ("\u00b2", NOT_A_NUMBER), ("1\u00a0", NOT_A_NUMBER),
    ("\u20031", NOT_A_NUMBER), ("0x10", NOT_A_NUMBER), ("1e", NOT_A_NUMBER),
    (".", NOT_A_NUMBER), ("--1", NOT_A_NUMBER), ("1,5", NOT_A_NUMBER), ("abc", NOT_A_NUMBER),
    ("nan", NOT_FINITE), ("-inf", NOT_FINITE), ("Infinity", NOT_FINITE),
    (" 1e400", TOO_LARGE), ("-1e309", TOO_LARGE), ("1e-400", TOO_SMALL),
    ("-0.0001e-330", TOO_SMALL), ("", BLANK), ("  ", BLANK),
])
def test_anything_else_is_refused_with_a_reason(text, why):
    assert read_number(text) == (None, why)


@pytest.mark.parametrize("text, result", [
    ("12", (12, None)), ("-3", (-3, None)), ("+0", (0, None)), (" 4294967295 ", (4294967295, None)),
    ("1_0", (None, NOT_A_NUMBER)), ("\u0663", (None, NOT_A_NUMBER)), ("2.0", (None, NOT_WHOLE)),
    ("1e3", (None, NOT_WHOLE)), ("nan", (None, NOT_FINITE)), ("9" * 5000, (None, TOO_LARGE)),
])
def test_whole_numbers(text, result):
    assert read_whole(text) == result


def test_messages_name_the_field_the_text_and_the_reason():
    with pytest.raises(ValueError, match=r"^units: '1_0' is not a number \(write it with the "
                       r"digits 0-9 only\)$"):
        parse_whole("1_0", "units")
    with pytest.raises(ValueError, match=r"^units: must be from 1 to 64, got '10000'$"):
        parse_whole("10000", "units", 1, 64)
    with pytest.raises(ValueError, match=r"^noise: must be at most 1, got '2'$"):
        parse_number("2", "noise", None, 1.0)
    with pytest.raises(ValueError, match=r"^learning_rate: '\u0663' is not a number"):
        check_learning_rate("\u0663")
    assert parse_number(" 0.25 ", "noise", 0.0, 1.0) == 0.25


@settings(deadline=None)  # no wall-clock limit: the suite runs on busy machines
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_float_reads_back_from_its_repr(x):
    assert read_number(repr(x)) == (x, None)
    assert read_number(repr(x).replace("-", "\u2212")) == (x, None)


@settings(deadline=None)
@given(st.text(max_size=12))
def test_whatever_is_accepted_is_what_float_reads_from_ascii(text):
    value, why = read_number(text)
    if why is None:
        clean = text.strip(" \t\r\n").replace("\u2212", "-")
        assert clean.isascii() and "_" not in clean
        assert value == float(clean) and math.isfinite(value)
