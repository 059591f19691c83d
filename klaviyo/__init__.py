"""The Klaviyo API client (docs/klaviyo-api.md). No streamlit in here.

`client.KlaviyoClient` takes an httpx.Client from outside (tests point it at a fake server on
127.0.0.1) and returns the response models of `models`; faults are the typed errors of `errors`;
`oauth` has the PKCE authorization-code flow. Turning an account into a usage history is a
source of usage like any other: ingest/klaviyo_api.py.
"""
