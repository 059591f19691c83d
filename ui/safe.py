"""Text from a user (file names, headers, cells, API answers) shown inside Markdown, as text.

Streamlit renders `st.markdown`, `st.caption`, `st.error`, metric labels and help texts as
Markdown (with its own `:color[...]`, `:material/...:` and `$...$` extensions). A header such as
`![x](http://host/pixel.png)` would then make every viewer's browser fetch an outside image.
CommonMark lets a backslash escape any ASCII punctuation, so escaping all of it turns any string
into literal text; newlines become spaces so a value cannot start a block of its own.
"""

from __future__ import annotations

import re
import string

_PUNCT = re.compile("([" + re.escape(string.punctuation) + "])")
_SPACE = re.compile(r"\s+")
MAX_SHOWN = 200  # characters of one user value shown in a message


def plain(text: object, limit: int = MAX_SHOWN) -> str:
    """`text` as literal Markdown: every punctuation mark escaped, whitespace folded, cut to `limit`."""
    s = _SPACE.sub(" ", str(text)).strip()
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return _PUNCT.sub(r"\\\1", s)
