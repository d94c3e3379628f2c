"""The unified social credit code (统一社会信用代码, GB 32100-2015) validator."""

import itertools

import pytest
from django.core.exceptions import ValidationError

from projects import services
from projects.models import Enterprise
from projects.validators import CREDIT_CODE_ALPHABET, credit_code_check_char, validate_credit_code

pytestmark = pytest.mark.usefixtures("english")

# Well-formed codes with a correct check character; the first is the standard's own
# example format, the others are of the kinds issued to companies.
REAL_FORMAT = ["91350100M000100Y43", "91110000600037341L", "91440300708461136T", "911100001000044477"]

FIRST17 = [
    "91441200MA4UQ1234",  # 9 = registered by market regulation, 1 = company, 441200 = Zhaoqing
    "92441202MA51ABCDE",  # 个体工商户
    "12441200007045678",  # 事业单位
    "Y1441284MA5HJKLMN",
    "00000000000000000",
    "YY999999YYYYYYYYY",
]


def codes_of(value):
    with pytest.raises(ValidationError) as info:
        validate_credit_code(value)
    return {e.code for e in info.value.error_list}


@pytest.mark.parametrize("code", REAL_FORMAT)
def test_real_format_codes_are_valid(code):
    validate_credit_code(code)
    assert credit_code_check_char(code[:17]) == code[17]


@pytest.mark.parametrize("first17", FIRST17)
def test_computed_check_character_is_accepted(first17):
    assert len(first17) == 17
    check = credit_code_check_char(first17)
    assert check in CREDIT_CODE_ALPHABET
    validate_credit_code(first17 + check)


def test_the_check_character_covers_every_residue():
    """Across many bodies every one of the 31 check characters occurs, '0' included (sum ≡ 0 mod 31)."""
    seen = set()
    for tail in itertools.product("0123456789", repeat=3):
        seen.add(credit_code_check_char("91441200MA4UQ1" + "".join(tail)))
    assert seen == set(CREDIT_CODE_ALPHABET)


@pytest.mark.parametrize("code", REAL_FORMAT)
def test_every_wrong_check_character_is_refused(code):
    for wrong in CREDIT_CODE_ALPHABET.replace(code[17], ""):
        assert codes_of(code[:17] + wrong) == {"credit_code_check"}


def test_a_typo_in_the_body_is_caught_by_the_check_character():
    code = "91350100M000100Y43"
    assert codes_of("91350100M000101Y43") == {"credit_code_check"}
    assert codes_of(code[:12] + code[13] + code[12] + code[14:]) == {"credit_code_check"}  # swapped pair


@pytest.mark.parametrize(
    "code", ["", "91350100M000100Y4", "91350100M000100Y433", "9135 0100M000100Y43", "9" * 30]
)
def test_wrong_length_is_refused(code):
    assert codes_of(code) == {"credit_code_format"}


@pytest.mark.parametrize("letter", "IOZSV")
@pytest.mark.parametrize("position", [0, 1, 8, 12, 17])
def test_forbidden_letters_are_refused(letter, position):
    code = "91350100M000100Y43"
    assert codes_of(code[:position] + letter + code[position + 1 :]) == {"credit_code_format"}


def test_letters_in_the_region_code_part_are_refused():
    assert codes_of("9135A100M000100Y43") == {"credit_code_format"}


@pytest.mark.parametrize("code", ["91350100m000100y43", "91350100M000100y43", "91350100m000100Y43"])
def test_lower_case_is_refused(code):
    assert codes_of(code) == {"credit_code_format"}


def test_messages_are_readable():
    for bad in ["91350100m000100y43", "91350100M000100Y44"]:
        with pytest.raises(ValidationError) as info:
            validate_credit_code(bad)
        assert "credit code" in info.value.messages[0]


def test_check_character_needs_exactly_17_characters():
    with pytest.raises(ValueError):
        credit_code_check_char("91350100M000100Y")
    with pytest.raises(ValueError):
        credit_code_check_char("91350100M000100Y43")


@pytest.mark.django_db
def test_enterprise_validates_its_credit_code(county_staff):
    Enterprise(name="未注册公司", credit_code="").full_clean()  # may stay empty until registration
    Enterprise(name="甲公司", credit_code="91350100M000100Y43").full_clean()
    for bad in ["91350100M000100Y44", "91350100m000100y43", "91350100M000100Y4"]:
        with pytest.raises(ValidationError) as info:
            Enterprise(name="乙公司", credit_code=bad).full_clean()
        assert "credit_code" in info.value.message_dict


@pytest.mark.django_db
def test_enterprise_create_normalises_case_and_spaces(county_staff):
    enterprise = services.enterprise_create(
        name="甲公司", credit_code=" 91350100m000100y43 ", by=county_staff
    )
    enterprise.refresh_from_db()
    assert enterprise.credit_code == "91350100M000100Y43"
    with pytest.raises(ValidationError):
        services.enterprise_create(name="乙公司", credit_code="91350100M000100Y44", by=county_staff)
    assert Enterprise.objects.count() == 1
