"""opora.redact: the masking rule for log lines (docs in the module)."""

from __future__ import annotations

import pytest

from opora import redact


@pytest.mark.parametrize(("value", "masked"), [
    ("870412300129", "***0129"),          # IIN
    ("7707083893", "***3893"),            # INN
    ("+7 (701) 123-45-67", "***4567"),    # a phone as people write it
    ("40817810000000000008", "***0008"),  # a bank account
    ("ivanov@example.kz", "***e.kz"),
    ("A-1001", "***1001"),
    ("1234", "***"),                      # too short to keep anything
    ("", "***"),
])
def test_an_identifier_keeps_only_its_last_four_characters(value, masked):
    assert redact.identifier(value) == masked


def test_a_name_keeps_nothing():
    assert redact.name("Иванов Иван Иванович") == "***"


def test_a_query_keeps_the_protocol_fields_and_masks_the_rest():
    raw = ("command=pay&txn_id=1001&account=870412300129&sum=1500.00&txn_date=20261123120133"
           "&fio=%D0%98%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2+%D0%98%D0%B2%D0%B0%D0%BD"
           "&phone=%2B77011234567&note=")
    assert redact.query(raw) == ("command=pay&txn_id=1001&account=***0129&sum=1500.00"
                                 "&txn_date=20261123120133&fio=***&phone=***4567&note=")
    assert redact.query("command=check&account=A-1001&agent=7", clear=["agent"]) == \
        "command=check&account=***1001&agent=7"
    assert redact.query("870412300129") == "***0129"  # a bare token is masked too


def test_free_text_keeps_its_words_and_masks_numbers_and_mail():
    assert redact.text('no account with number or holder IIN/INN "870412300129"') == \
        'no account with number or holder IIN/INN "***0129"'
    assert redact.text("call +7 701 123-45-67 or mail a.b@mail.kz about 1500.00, run 12345") == \
        "call ***4567 or mail ***l.kz about 1500.00, run 12345"


def test_known_personal_values_are_masked_in_text_a_template_rendered():
    sms = "Иванов Иван, долг 1500.00 RUB по л/с LS-0007, звоните +7 701 123-45-67"
    assert redact.known(sms, ["Иванов Иван", None, "", "+7 701 123-45-67"]) == \
        "***, долг 1500.00 RUB по л/с LS-0007, звоните ***4567"
