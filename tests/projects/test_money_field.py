"""The money field every browser form uses (zhaoqing_tracker/forms.py MoneyField): people type
万元 ("386"), 亿元 ("3.86亿") or 元 ("3,860,000元"), with a Chinese input method's full-width digits
too; the form gets exact Decimal yuan, and a stored amount comes back as the 万元 text that saves
it unchanged. Each bad input gets its own message, never a silent rounding."""

from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from tests.fixtures.money import ACCEPTED, MESSAGES, REFUSED
from zhaoqing_tracker.forms import MoneyField


class AmountForm(forms.Form):
    amount = MoneyField(label="amount (10k yuan)")
    optional = MoneyField(label="optional", required=False)


def cleaned(typed: str):
    form = AmountForm({"amount": typed})
    return form.is_valid(), form


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(("typed", "yuan"), ACCEPTED)
def test_what_people_type_is_stored_as_exact_yuan(typed, yuan):
    ok, form = cleaned(typed)
    assert ok, form.errors
    assert form.cleaned_data["amount"] == Decimal(yuan)
    # Stored with 2 decimals, as the money columns hold it.
    assert form.cleaned_data["amount"].as_tuple().exponent == -2


@pytest.mark.parametrize(("typed", "code"), REFUSED)
def test_what_is_not_an_amount_is_refused_with_its_own_message(typed, code):
    ok, form = cleaned(typed)
    assert not ok
    assert form.errors.as_data()["amount"][0].code == code
    assert form.errors["amount"][0].startswith(MESSAGES[code]), form.errors["amount"]


def test_blank_is_required_where_required_and_none_where_optional():
    form = AmountForm({"amount": "  ", "optional": ""})
    assert not form.is_valid()
    assert form.errors["amount"] == ["This field is required."]
    form = AmountForm({"amount": "1", "optional": ""})
    assert form.is_valid() and form.cleaned_data["optional"] is None


@pytest.mark.parametrize(
    "yuan", ["3860000.00", "12500000.50", "300000000", "0.01", "0.00", "99999999999999.99"]
)
def test_a_stored_amount_is_shown_in_wan_and_saves_back_unchanged(yuan):
    shown = AmountForm(initial={"amount": Decimal(yuan)})["amount"].value()
    assert "," not in shown and "E" not in shown
    form = AmountForm({"amount": shown}, initial={"amount": Decimal(yuan)})
    assert form.is_valid()
    assert form.cleaned_data["amount"] == Decimal(yuan)
    assert not form.has_changed()


def test_the_stored_amount_is_what_the_input_shows_in_wan():
    html = str(AmountForm(initial={"amount": Decimal("3860000.00")})["amount"])
    assert 'value="386"' in html and 'inputmode="decimal"' in html
    # The echo under the input, written as the user types, with its wording from the server.
    assert '<output class="money-echo" id="id_amount_echo" for="id_amount"' in html
    assert 'data-echo="= %(yuan)s yuan · %(yi)s hundred million yuan"' in html


def test_the_echo_wording_is_translated():
    with translation.override("zh-hans"):
        html = str(AmountForm()["amount"])
    assert 'data-echo="= %(yuan)s 元 · %(yi)s 亿元"' in html


def test_a_bound_form_shows_what_was_typed_not_a_conversion():
    form = AmountForm({"amount": "3.86亿"})
    assert 'value="3.86亿"' in str(form["amount"])


def test_a_field_may_allow_negative_amounts():
    class Filter(forms.Form):
        amount = MoneyField(min_value=None)

    form = Filter({"amount": "-1.5"})
    assert form.is_valid() and form.cleaned_data["amount"] == Decimal("-15000.00")
