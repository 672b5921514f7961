import pytest

from enterprises.credit_code import check_character, problem


@pytest.mark.parametrize("code", [
    "91350100M000100Y43",  # the worked example of GB 32100-2015
    "91110000600037341L",
    "914403001922038216",
])
def test_published_codes_are_valid(code):
    assert problem(code) is None


@pytest.mark.parametrize(("code", "why"), [
    ("91350100M000100Y4", "18 characters"),
    ("91350100M000100Y44", "check character should be 3"),
    ("91350100I000100Y43", "not allowed"),
    ("91350100m000100Y43", "not allowed"),
])
def test_bad_codes_say_why(code, why):
    assert why in problem(code)


def test_check_character_31_is_written_0():
    # Search a prefix whose weighted sum is a multiple of 31: its check character must be "0", not "Y"+1.
    prefix = next(p for p in (f"{n:017d}" for n in range(10000)) if check_character(p) == "0")
    assert problem(prefix + "0") is None
