"""Keep Python's cyclic garbage collector off the long-lived startup heap.

Importing streamlit, pandas, pyarrow, pydantic, httpx and plotly leaves ~130,000 objects that
live as long as the process. Every full collection walks all of them: ~60 ms on this machine,
holding the GIL, so a slider move that happens to trigger one waits for it, and so does every
other session. `gc.freeze()` moves them out of the collector's reach (they are never garbage);
a full collection then walks only what sessions made since, well under a millisecond here.
Reference counting frees objects as before. .streamlit/config.toml turns off Streamlit's
forced collection after every run for the same reason. Measured by benchmarks/ui_bench.py.

The frame imports this module first; it runs once per process.
"""

import gc

# What every page imports: the heavy modules are loaded here so that the freeze covers them.
import engine  # noqa: F401
import ingest.klaviyo_api
import ingest.usage_csv  # noqa: F401
from ui import charts, report  # noqa: F401  (plotly, pandas)

gc.freeze()
