"""The app's pages as data: app.py builds its navigation from this list, and the tests too."""

from typing import NamedTuple


class PageSpec(NamedTuple):
    path: str
    title: str
    icon: str
    url_path: str | None  # None: the default page, served at /; else the file's name (see ui/frame.py)


PAGES = (
    PageSpec("pages/explore.py", "Explore", ":material/query_stats:", None),
    PageSpec("pages/look_back.py", "Look back", ":material/history:", "look_back"),
    PageSpec("pages/data.py", "Data", ":material/upload_file:", "data"),
    PageSpec("pages/price_book.py", "Price book", ":material/sell:", "price_book"),
    PageSpec(
        "pages/how_billing_works.py", "How billing works", ":material/menu_book:", "how_billing_works"
    ),
)
