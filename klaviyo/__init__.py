"""Read live usage from the Klaviyo API (docs/klaviyo-api.md). No streamlit in here.

`KlaviyoClient` takes an httpx.Client from outside (tests point it at a fake server on
127.0.0.1); `load_usage` turns the account's metrics and a segment's size into the same
UsageHistory a CSV upload produces; `oauth` has the PKCE authorization-code flow.
"""
