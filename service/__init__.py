"""The billing engine over HTTP: a thin FastAPI layer over the CLI's contract (docs/billing-rules.md
section 4) and the Explore page's what-if. Start it with `python -m service`."""
