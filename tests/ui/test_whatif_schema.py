"""The Explore what-if table: its keys, its fields, its defaults, reading it back, the preset."""

from decimal import Decimal

import pytest

from engine.growth import Growth, fit, typical_sms_credits
from engine.models import FlexFeeBasis
from engine.price_book import load_price_book
from engine.whatif import WhatIf
from ingest.usage_csv import read_usage_csv
from tests.app.conftest import SAMPLE
from ui import share, state
from ui import whatif_schema as schema

HISTORY = read_usage_csv(SAMPLE, "Sample account").history
BOOK = load_price_book()

# Copied links carry these names: a renamed key would silently drop a setting from old links.
KEYS_IN_LINKS = (
    "horizon", "growth", "epp", "nov", "dec", "sms_base", "sms_growth", "sms_nov", "sms_dec",
    "cleanup", "cleanup_at", "price_pct", "price_at", "email_plan", "sms_plan", "setting",
    "card_fail", "card_fixed", "rev_email", "rev_sms", "fee_basis", "rollover",
)  # fmt: skip


def test_every_key_of_a_copied_link_is_still_a_row():
    assert schema.KEYS == KEYS_IN_LINKS


def test_every_row_sets_a_whatif_field_and_every_field_a_user_sets_has_a_row():
    growth = {i.growth_field for i in schema.INPUTS if i.growth_field}
    top = {i.field for i in schema.INPUTS if not i.growth_field}
    assert growth == set(Growth.model_fields) - {"season", "sms_season"}  # seasons come from the fit
    assert top == set(WhatIf.model_fields) - {"growth"}
    assert len(schema.BY_FIELD) == len(schema.INPUTS)


def test_the_keys_dropped_on_new_data_are_the_tables_the_results_views_and_the_panels():
    assert (
        *KEYS_IN_LINKS,
        "detail",
        "view",
        *schema.UNCERTAINTY_KEYS,
        *schema.PLAN_KEYS,
    ) == state.WHATIF_KEYS


def test_the_settings_link_keeps_only_the_tables_parameters():
    html = share.copy_buttons_html("1_202501_1.1.1")
    assert 'SETTINGS = ["horizon", "growth",' in html and '"rollover", "view"]' in html
    assert "usage" not in schema.URL_PARAMS  # the usage numbers travel only in the other link


def test_the_defaults_come_from_the_fit_the_book_and_the_engine():
    g = fit(HISTORY).growth
    shown = schema.defaults(HISTORY, BOOK)
    assert shown["growth"] == g.profile_growth_pct and shown["epp"] == g.emails_per_profile
    assert shown["nov"] == round(g.november_peak_pct) and shown["sms_base"] == int(g.sms_base_credits)
    caps = [t.max_profiles for t in BOOK.email_tiers]
    assert shown["email_plan"] == next(c for c in caps if c >= HISTORY.last.active_profiles)
    credits = [t.monthly_credits for t in BOOK.sms_tiers]
    assert shown["sms_plan"] == next(c for c in credits if c >= typical_sms_credits(HISTORY))
    assert shown["setting"] == "auto_upgrade" == WhatIf.model_fields["current_setting"].default
    assert shown["fee_basis"] == "extra" and shown["rollover"] is False
    assert shown["card_fail"] == 0 and "card_fixed" not in shown  # drawn only after a failure


def test_the_default_setting_is_picked_by_key_not_by_its_place_in_the_list():
    row = schema.BY_FIELD["current_setting"]
    choice = row.domain(schema.Context(HISTORY, BOOK))
    assert choice.default == "auto_upgrade" == WhatIf.model_fields["current_setting"].default


def test_reading_the_defaults_gives_the_whatif_they_say():
    fitted = fit(HISTORY)
    whatif = schema.whatif_from(schema.defaults(HISTORY, BOOK, fitted), fitted)
    g = fitted.growth
    assert whatif.growth.horizon == 12 and whatif.growth.season == g.season
    assert whatif.growth.november_peak_pct == round(g.november_peak_pct)
    assert whatif.revenue_per_email_usd == Decimal("0.05") == whatif.revenue_per_sms_credit_usd
    assert whatif.flex_fee_basis is FlexFeeBasis.EXTRA and whatif.price_change_pct == 0
    assert whatif.card_failure_cycle is None and whatif.card_fixed_cycle is None


@pytest.mark.parametrize(
    "card_fail, card_fixed, expected",
    [(0, 5, (None, None)), (3, 5, (3, 5)), (3, 0, (3, None))],
)
def test_the_fixed_month_counts_only_after_a_failure(card_fail, card_fixed, expected):
    fitted = fit(HISTORY)
    values = schema.defaults(HISTORY, BOOK, fitted) | {"card_fail": card_fail, "card_fixed": card_fixed}
    whatif = schema.whatif_from(values, fitted)
    assert (whatif.card_failure_cycle, whatif.card_fixed_cycle) == expected


def test_the_fixed_month_options_follow_the_failure_and_the_horizon():
    ctx = schema.Context(HISTORY, BOOK, values={"horizon": 12, "card_fail": 10})
    assert schema.BY_FIELD["card_fixed_cycle"].domain(ctx).options == (0, 11, 12)


def test_the_klaviyo_preset_keeps_only_plans_on_the_books_ladders():
    ctx = schema.Context(HISTORY, BOOK)
    caps = [t.max_profiles for t in BOOK.email_tiers]
    credits = [t.monthly_credits for t in BOOK.sms_tiers]
    both = {"email_plan_profiles": caps[3], "sms_plan_credits": credits[2]}
    assert schema.preset(ctx, both) == {"email_plan": caps[3], "sms_plan": credits[2]}
    off_ladder = {"email_plan_profiles": caps[3] + 1, "sms_plan_credits": None}
    assert schema.preset(ctx, off_ladder) == {}


def test_slider_bounds_are_the_growth_models_and_follow_a_fit_outside_them():
    ctx = schema.Context(HISTORY, BOOK)
    growth = schema.BY_KEY["growth"].domain(ctx)
    field = Growth.model_fields["profile_growth_pct"].metadata
    assert (growth.low, growth.high) == (field[0].ge, field[1].le) == (-10.0, 20.0)
    heavy = schema.Context(
        HISTORY, BOOK, fit(HISTORY).model_copy(update={"growth": Growth(emails_per_profile=90.0)})
    )
    epp = schema.BY_KEY["epp"].domain(heavy)
    assert (epp.default, epp.high) == (90.0, 100.0)  # twice the fit, but not past the model's bound


def test_a_fitted_rows_help_is_the_fits_note_on_that_value():
    fitted = fit(HISTORY)
    assert schema.BY_KEY["growth"].help_for(fitted) == fitted.notes["profile_growth_pct"]
    assert schema.BY_KEY["sms_base"].help_for(fitted) == fitted.notes["sms_base_credits"]
    assert schema.BY_KEY["horizon"].help_for(fitted) is None
