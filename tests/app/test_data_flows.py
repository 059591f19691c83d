"""Data and price book flows through the pages (AppTest): uploads replace, bad files keep."""

import re
from datetime import date
from pathlib import Path

import pytest

from tests.app.conftest import SAMPLE, shown_bills
from tests.ingest.test_usage_csv import BAD

UPLOAD = (
    b"month,active_profiles,email_sends,sms_credits\n"
    b"2026-07,4000,30000,0\n2026-08,4100,31000,0\n2026-09,4200,32000,0\n2026-10,4300,33000,0\n"
)


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "uploads"


def text(markdown: str) -> str:
    """What a reader sees of a Markdown string made plain (ui.safe.plain escapes punctuation)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def shown_errors(app) -> list[str]:
    return [text(e.value) for e in app.error]


def months(app) -> list[str]:
    return [f"{m.month:%Y-%m}" for m in app.session_state["usage"].history.months]


def on_data_page(app):
    app.switch_page("pages/data.py").run()
    assert not app.exception
    return app


def upload(app, data: bytes, name="usage.csv", key="usage_file"):
    app.file_uploader(key=key).set_value((name, data, "text/csv")).run()
    assert not app.exception, app.exception[0].stack_trace
    return app


def test_a_good_upload_replaces_the_sample_and_the_explorer_uses_it(app):
    upload(on_data_page(app), UPLOAD, "shop.csv")
    assert app.session_state["usage"].source == "shop.csv"
    assert "Your data" in app.sidebar.success[0].value and "4 months" in app.sidebar.success[0].value
    assert any("Loaded shop.csv: 4 months" in text(s.value) for s in app.success)
    app.switch_page("pages/explore.py").run()
    assert not app.exception
    assert r"Running on **shop\.csv**" in app.caption[0].value  # shown through ui.safe.plain
    assert app.selectbox(key="email_plan").value == 5000  # 4,300 profiles need the 5,000 plan


@pytest.mark.parametrize(
    "kind", [k for k in BAD if k != "over the size limit"] + ["over the size limit"]
)
def test_every_bad_file_gets_its_message_and_keeps_the_previous_data(app, kind):
    on_data_page(app)
    upload(app, UPLOAD, "good.csv")
    data, words = BAD[kind]
    upload(app, data, "bad.csv")
    errors = shown_errors(app)
    assert len(errors) == 1, errors
    assert words in errors[0] and "Your previous data is still loaded" in errors[0]
    assert app.session_state["usage"].source == "good.csv"


def test_unmatched_headers_show_a_mapping_step_that_loads_the_file(app):
    on_data_page(app)
    upload(app, b"Period,Subscribers,Messages\n2026-09,2000,15000\n2026-10,2100,16000\n", "odd.csv")
    assert "Could not tell which column holds: Active profiles, Emails sent" in text(
        app.warning[0].value
    )
    assert app.session_state["usage"].is_sample
    app.selectbox(key="map_active_profiles").set_value("Subscribers")
    app.selectbox(key="map_email_sends").set_value("Messages")
    app.button(key="use_mapping").click().run()
    assert not app.exception
    assert app.session_state["usage"].source == "odd.csv"
    assert app.session_state["usage"].history.last.email_sends == 16000


def test_back_to_the_sample_account(app):
    upload(on_data_page(app), UPLOAD, "shop.csv")
    app.button(key="use_sample").click().run()
    assert app.session_state["usage"].is_sample
    app.run()  # the uploader still holds shop.csv: it must not load again
    assert app.session_state["usage"].is_sample


def test_a_profile_export_is_counted_and_offered_to_the_cleanup_slider(app):
    on_data_page(app)
    export = b"Email,Email Marketing Consent\na@x.com,SUBSCRIBED\nb@x.com,NEVER_SUBSCRIBED\nc@x.com,SUBSCRIBED\nd@x.com,NEVER_SUBSCRIBED\n"
    upload(app, export, "list.csv", key="profiles_file")
    assert [m.value for m in app.metric] == ["4", "2"]
    app.switch_page("pages/explore.py").run()
    assert any("2 never-subscribed profiles (50% of active)" in c.value for c in app.caption)


def test_an_uploaded_price_book_changes_the_result_and_a_bad_one_keeps_the_old(app):
    before = list(shown_bills(app).values())
    app.switch_page("pages/price_book.py").run()
    rows = ["effective_from,max_profiles,monthly_price_usd,monthly_email_sends,status,source,as_of"]
    for t in app.session_state["price_book"].email_tiers:
        price = t.monthly_price_usd * 2  # every email plan twice the price
        rows.append(f"2025-12-29,{t.max_profiles},{price},{t.monthly_email_sends},user,doubled,")
    upload(app, "\n".join(rows).encode(), "doubled.csv", key="book_file")
    assert app.session_state["price_book_label"] == "Uploaded price book: doubled.csv"
    app.switch_page("pages/explore.py").run()
    after = list(shown_bills(app).values())
    assert after != before and min(after) > min(before)

    app.switch_page("pages/price_book.py").run()
    upload(
        app,
        b"effective_from,max_profiles,monthly_price_usd,monthly_email_sends,status,source\n2025-12-29,500,abc,5000,user,x\n",
        "broken.csv",
        key="book_file",
    )
    assert "broken" not in app.session_state["price_book_label"]
    assert "row 2, column monthly_price_usd" in app.error[0].value
    assert "keeps the previous prices" in app.error[0].value


def test_sample_bytes_are_the_bundled_file():
    assert SAMPLE.startswith(b"month,active_profiles,email_sends,sms_credits")


def test_an_uploaded_book_with_two_versions_applies_the_one_in_force(app):
    app.switch_page("pages/price_book.py").run()
    header = "effective_from,max_profiles,monthly_price_usd,monthly_email_sends,status,source,as_of"
    rows = [header]
    for when, factor in (("2099-01-01", 3), ("2025-12-29", 2)):  # the future version comes first
        for t in app.session_state["price_book"].email_tiers:
            rows.append(
                f"{when},{t.max_profiles},{t.monthly_price_usd * factor},{t.monthly_email_sends},user,x,"
            )
    upload(app, "\n".join(rows).encode(), "versions.csv", key="book_file")
    book = app.session_state["price_book"]
    assert str(book.effective_from) == "2025-12-29"
    assert book.email_tiers[1].monthly_price_usd == 40  # $20 x 2, not x 3


def test_going_back_to_the_bundled_price_book_restores_the_result(app):
    before = shown_bills(app)
    label = app.session_state["price_book_label"]
    app.switch_page("pages/price_book.py").run()
    rows = ["effective_from,max_profiles,monthly_price_usd,monthly_email_sends,status,source,as_of"]
    for t in app.session_state["price_book"].email_tiers:
        rows.append(
            f"2025-12-29,{t.max_profiles},{t.monthly_price_usd * 2},{t.monthly_email_sends},user,x,"
        )
    upload(app, "\n".join(rows).encode(), "doubled.csv", key="book_file")
    assert app.session_state["price_book_edited"]
    app.button(key="reset_book").click().run()
    assert label.startswith("Bundled price book (prices as of ")
    assert app.session_state["price_book_label"] == label
    assert not app.session_state["price_book_edited"]
    app.switch_page("pages/explore.py").run()
    assert shown_bills(app) == before


# ---------------------------------------------------------------- a manager's files, each kind


def upload_fixture(app, name: str):
    """Load the good file first, then the fixture: what the page does with it, and what stays."""
    on_data_page(app)
    upload(app, UPLOAD, "good.csv")
    assert app.session_state["usage"].source == "good.csv"
    return upload(app, (FIXTURES / name).read_bytes(), name)


def assert_kept_with_error(app, *words: str) -> str:
    errors = shown_errors(app)
    assert len(errors) == 1, errors
    for w in words:
        assert w in errors[0], errors[0]
    assert "Your previous data is still loaded" in errors[0]
    assert app.session_state["usage"].source == "good.csv"
    assert months(app) == ["2026-07", "2026-08", "2026-09", "2026-10"]
    return errors[0]


def test_klaviyo_account_usage_export_loads_without_a_mapping_step(app):
    upload_fixture(app, "klaviyo-account-usage.csv")
    assert not app.warning and not app.error
    loaded = app.session_state["usage"]
    assert loaded.source == "klaviyo-account-usage.csv"
    h = loaded.history.months
    assert months(app)[0] == "2024-11" and months(app)[-1] == "2025-10"  # oldest first
    assert (h[0].active_profiles, h[0].email_sends, h[0].sms_credits) == (18000, 170000, 3900)
    assert (h[-1].active_profiles, h[-1].email_sends, h[-1].sms_credits) == (19650, 167500, 4505)
    captions = " ".join(text(c.value) for c in app.caption)
    assert "labelled by the month it starts in" in captions
    assert "Used 'SMS Credits Used' rather than 'SMS Sent'" in captions


def test_email_only_18_months_loads(app):
    upload_fixture(app, "email-only-18-months.csv")
    h = app.session_state["usage"].history.months
    assert len(h) == 18 and months(app)[0] == "2024-06" and months(app)[-1] == "2025-11"
    assert all(m.sms_credits == 0 for m in h)
    assert (h[-1].active_profiles, h[-1].email_sends) == (9000 + 120 * 17, 52000 + 800 * 17)
    app.switch_page("pages/explore.py").run()  # the growth fit of an email-only store (engine)
    assert not app.exception, app.exception[0].stack_trace
    assert shown_bills(app) and all(bill > 0 for bill in shown_bills(app).values())


def test_european_semicolon_file_with_thousands_dots(app):
    upload_fixture(app, "european-semicolon.csv")
    h = app.session_state["usage"].history.months
    assert months(app) == [f"2025-{m:02d}" for m in range(1, 7)]
    assert (h[0].active_profiles, h[0].email_sends, h[0].sms_credits) == (8412, 1204331, 1083)
    captions = " ".join(text(c.value) for c in app.caption)
    assert "semicolon-separated" in captions and "a dot separates thousands" in captions


def test_uk_day_first_dates_are_judged_over_the_whole_column(app):
    upload_fixture(app, "uk-day-first.csv")
    assert months(app) == ["2024-11", "2024-12", "2025-01", "2025-02", "2025-03", "2025-04"]
    assert app.session_state["usage"].history.months[0].active_profiles == 5000
    assert "read day first" in " ".join(text(c.value) for c in app.caption)


@pytest.mark.parametrize(
    ("answer", "month"), [("day-first", date(2024, 11, 1)), ("month-first", date(2024, 1, 1))]
)
def test_an_ambiguous_uk_date_is_asked_and_each_answer_is_used(app, answer, month):
    upload_fixture(app, "uk-ambiguous.csv")
    question = text(app.warning[0].value)
    assert "01/11/2024" in question and "Nov 2024" in question and "Jan 2024" in question
    assert app.session_state["usage"].source == "good.csv"  # nothing loaded while asking
    options = [text(o) for o in app.radio(key="date_order").options]
    assert options == [
        "Day first (dd/mm/yyyy): 01/11/2024 → Nov 2024",
        "Month first (mm/dd/yyyy): 01/11/2024 → Jan 2024",
    ]
    app.button(key="use_date_order").click().run()  # no reading picked yet: a message, no load
    assert "Pick one of the two readings first" in shown_errors(app)[0]
    assert app.session_state["usage"].source == "good.csv"
    app.radio(key="date_order").set_value(answer)
    app.button(key="use_date_order").click().run()
    assert not app.exception
    loaded = app.session_state["usage"]
    assert loaded.source == "uk-ambiguous.csv" and loaded.date_order == answer
    assert loaded.history.months[0].month == month
    assert loaded.history.months[0].email_sends == 41000


def test_the_date_answer_is_remembered_for_that_file(app):
    upload_fixture(app, "uk-ambiguous.csv")
    app.radio(key="date_order").set_value("day-first")
    app.button(key="use_date_order").click().run()
    upload(app, UPLOAD, "good.csv")
    upload(app, (FIXTURES / "uk-ambiguous.csv").read_bytes(), "again.csv")
    assert not app.warning  # not asked again for the same file
    assert app.session_state["usage"].history.months[0].month == date(2024, 11, 1)


def test_cr_only_line_endings_load(app):
    upload_fixture(app, "cr-only.csv")
    assert months(app) == ["2026-01", "2026-02", "2026-03"]
    assert app.session_state["usage"].history.last.email_sends == 23000


def test_a_huge_exponent_is_refused_naming_the_cell(app):
    upload_fixture(app, "exponent-cell.csv")
    assert_kept_with_error(app, "Row 3, column 'email_sends'", "'1e1000000'", "digits only")


def test_a_markdown_image_header_stays_text(app):
    upload_fixture(app, "markdown-image-header.csv")
    assert months(app) == ["2026-01", "2026-02"]
    shown = [c.value for c in app.caption] + [s.value for s in app.success]
    note = next(v for v in shown if "pixel" in v)
    assert "![x](" not in note  # escaped: Markdown would make it an image
    assert "Ignored column(s): ![x](http://127.0.0.1:9/pixel.png)." in text(note)


def test_a_markdown_file_name_stays_text(app):
    on_data_page(app)
    upload(app, UPLOAD, "![y](http://127.0.0.1:9/name.png).csv")
    sidebar = app.sidebar.success[0].value
    assert "![y](" not in sidebar and "!\\[y\\]\\(" in sidebar
    assert all("![y](" not in m.value for m in app.markdown)


def test_truncated_utf16_is_refused(app):
    upload_fixture(app, "utf16-truncated.csv")
    assert_kept_with_error(app, "Row 3 (the last)", "cut short")


def test_a_lone_cr_inside_a_cell_is_read_as_a_space(app):
    upload_fixture(app, "lone-cr-in-cell.csv")
    assert months(app) == ["2026-01", "2026-02"]
    assert app.session_state["usage"].history.last.active_profiles == 3100


def test_a_200000_character_cell_is_refused_naming_where(app):
    on_data_page(app)
    upload(app, UPLOAD, "good.csv")
    data = b"month,active_profiles,email_sends\n2026-01,3000," + b"9" * 200_000 + b"\n"
    upload(app, data, "long-cell.csv")
    error = assert_kept_with_error(app, "Row 2, column 'email_sends'", "200,000 characters long", "'999")
    assert len(error) < 600  # the cell is quoted cut short, not in full


def test_a_200000_character_header_is_refused_naming_where(app):
    on_data_page(app)
    upload(app, UPLOAD, "good.csv")
    upload(app, b"month,active_profiles," + b"E" * 200_000 + b"\n2026-01,1,2\n", "long-head.csv")
    error = assert_kept_with_error(app, "Row 1, column 3: the header is 200,000 characters long")
    assert len(error) < 600


def test_month_9999_12_is_refused(app):
    upload_fixture(app, "month-9999.csv")
    assert_kept_with_error(app, "Row 3, column 'month'", "9999-12", "Check the year")


def test_the_mapping_step_with_month_left_at_none_says_so_and_keeps_the_data(app):
    on_data_page(app)
    upload(app, UPLOAD, "good.csv")
    upload(app, b"Period,Subscribers,Messages\n2026-09,2000,15000\n2026-10,2100,16000\n", "odd.csv")
    assert app.selectbox(key="map_month").value == "Period"  # proposed by content: dates
    assert app.selectbox(key="map_email_sends").value == "Messages"  # the larger counts
    app.selectbox(key="map_month").set_value("(none)")
    app.button(key="use_mapping").click().run()
    assert not app.exception
    assert "Pick a column for Month first" in shown_errors(app)[0]
    assert app.session_state["usage"].source == "good.csv"
    app.selectbox(key="map_month").set_value("Period")
    app.button(key="use_mapping").click().run()
    assert app.session_state["usage"].source == "odd.csv"
    assert months(app) == ["2026-09", "2026-10"]
