"""Data and price book flows through the pages (AppTest): uploads replace, bad files keep."""

import pytest

from tests.app.conftest import SAMPLE, shown_bills
from tests.ingest.test_usage_csv import BAD

UPLOAD = (
    b"month,active_profiles,email_sends,sms_credits\n"
    b"2026-07,4000,30000,0\n2026-08,4100,31000,0\n2026-09,4200,32000,0\n2026-10,4300,33000,0\n"
)


def on_data_page(app):
    app.switch_page("pages/data.py").run()
    assert not app.exception
    return app


def upload(app, data: bytes, name="usage.csv", key="usage_file"):
    app.file_uploader(key=key).set_value((name, data, "text/csv")).run()
    assert not app.exception
    return app


def test_a_good_upload_replaces_the_sample_and_the_explorer_uses_it(app):
    upload(on_data_page(app), UPLOAD, "shop.csv")
    assert app.session_state["usage"].source == "shop.csv"
    assert "Your data" in app.sidebar.success[0].value and "4 months" in app.sidebar.success[0].value
    assert any("Loaded shop.csv: 4 months" in s.value for s in app.success)
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
    errors = [e.value for e in app.error]
    assert len(errors) == 1, errors
    assert words in errors[0] and "Your previous data is still loaded" in errors[0]
    assert app.session_state["usage"].source == "good.csv"


def test_unmatched_headers_show_a_mapping_step_that_loads_the_file(app):
    on_data_page(app)
    upload(app, b"Period,Subscribers,Messages\n2026-09,2000,15000\n2026-10,2100,16000\n", "odd.csv")
    assert "Could not tell which column holds: Active profiles, Emails sent" in app.warning[0].value
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
