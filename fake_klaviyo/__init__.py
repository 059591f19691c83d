"""A fake Klaviyo server for tests and for trying the app locally (see server.py)."""

from fake_klaviyo.server import CLIENT_ID, CLIENT_SECRET, KEY, FakeKlaviyo

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "KEY", "FakeKlaviyo"]
