"""A usage history carried in a link: the monthly numbers only, compact, strictly decoded.

Format of the `usage` URL parameter: `1_YYYYMM_p.e.s_p.e.s_...`: a version, the first month,
then one group per month of active profiles, emails and SMS credits, each in base 36. Nothing
else travels: no file name, no source, no key. Decoding refuses anything that is not exactly
this (length, month count, digits per number, each value's cap) with a message saying what is
wrong and what to do; it never raises anything else. Pure functions: no st.* calls.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date

from pydantic import ValidationError

from engine.history import HistoryMonth, UsageHistory, add_months
from engine.models import MAX_CREDITS, MAX_HORIZON, MAX_PROFILES, MAX_SENDS
from ui.whatif_schema import URL_PARAMS

PARAM = "usage"
VERSION = "1"
MAX_LENGTH = 1 + 1 + 6 + MAX_HORIZON * (3 * 8 + 3)  # 36 months of three 8-digit base-36 numbers
CAPS = {"active profiles": MAX_PROFILES, "emails": MAX_SENDS, "SMS credits": MAX_CREDITS}
_NUM = "[0-9a-z]{1,8}"
_SHAPE = re.compile(rf"{VERSION}_(\d{{6}})((?:_{_NUM}\.{_NUM}\.{_NUM}){{1,{MAX_HORIZON}}})")
FIX = "Ask for a new link, or load the usage on the Data page."


class ShareError(ValueError):
    """A usage link we cannot read; the message says why and what to do."""


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def encode_usage(history: UsageHistory) -> str:
    """The history's monthly numbers as the `usage` parameter value."""
    first = history.months[0].month
    groups = (
        f"{_b36(m.active_profiles)}.{_b36(m.email_sends)}.{_b36(m.sms_credits)}" for m in history.months
    )
    return f"{VERSION}_{first:%Y%m}_" + "_".join(groups)


def decode_usage(value: str) -> UsageHistory:
    """The history a `usage` parameter carries, or ShareError."""
    if len(value) > MAX_LENGTH:
        raise ShareError(
            f"The usage in this link is {len(value):,} characters long, more than the "
            f"{MAX_LENGTH:,} that {MAX_HORIZON} months need. {FIX}"
        )
    shape = _SHAPE.fullmatch(value)
    if shape is None:
        raise ShareError(
            f"The usage in this link is not in the expected form (version {VERSION}, a first "
            f"month, then 1 to {MAX_HORIZON} months of three numbers). {FIX}"
        )
    year, month = int(shape[1][:4]), int(shape[1][4:])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ShareError(f"The first month in this link, {shape[1]}, is not a month. {FIX}")
    first = date(year, month, 1)
    months = []
    for i, group in enumerate(shape[2][1:].split("_")):
        values = [int(x, 36) for x in group.split(".")]
        for (what, cap), n in zip(CAPS.items(), values, strict=True):
            if n > cap:
                raise ShareError(
                    f"Month {i + 1} of this link has {n:,} {what}, more than the {cap:,} the "
                    f"explorer accepts. {FIX}"
                )
        months.append(
            HistoryMonth(
                month=add_months(first, i),
                active_profiles=values[0],
                email_sends=values[1],
                sms_credits=values[2],
            )
        )
    if add_months(first, len(months) - 1).year > 2100:
        raise ShareError(f"The months in this link run past 2100. {FIX}")
    try:
        return UsageHistory(months=tuple(months))
    except ValidationError as e:  # a bound of the engine's own models
        raise ShareError(f"The usage in this link is out of range ({e.errors()[0]['msg']}). {FIX}")


def _js(value: object) -> str:
    """A value as a JavaScript literal that cannot close the <script> it sits in."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def copy_buttons_html(usage: str, settings: Sequence[str] = URL_PARAMS) -> str:
    """Two copy buttons (settings only; settings and usage numbers) and a line saying which link
    was copied. The links are built at the click from the page's own address (the settings are
    bound to it), keeping only the what-if table's parameters and setting `usage` or not; only
    `usage` is written in here, so the buttons need no redraw when a slider moves. Runs in
    Streamlit's component iframe."""
    return f"""<div style="font-family: 'Source Sans Pro', sans-serif; font-size: 15px; color: #1f2a28">
<button id="settings" type="button">Copy a link with these settings</button>
<button id="usage" type="button">Copy a link with my usage numbers</button>
<p id="said" role="status" style="margin: 6px 0 0 0"></p>
<input id="manual" readonly style="display: none; width: 100%" aria-label="link to copy">
</div>
<style>button {{ font: inherit; padding: 4px 10px; margin: 0 6px 6px 0; border: 1px solid #c9cfc7;
border-radius: 8px; background: #fbfbf8; color: inherit; cursor: pointer; }}</style>
<script>
const USAGE = {_js(usage)}, PARAM = {_js(PARAM)}, SETTINGS = {_js(list(settings))};
const SAID = {{
  settings: "Copied the link with these settings only: the recipient sees them on their own data.",
  usage: "Copied the link with these settings and your monthly usage numbers (no file name, no key).",
}};
function link(which) {{
  const url = new URL(window.parent.location.href);
  for (const name of [...url.searchParams.keys()]) {{
    if (!SETTINGS.includes(name)) url.searchParams.delete(name);
  }}
  if (which === "usage") url.searchParams.set(PARAM, USAGE);
  return url.toString();
}}
for (const which of ["settings", "usage"]) {{
  document.getElementById(which).addEventListener("click", async () => {{
    const text = link(which), said = document.getElementById("said");
    const manual = document.getElementById("manual");
    try {{
      await navigator.clipboard.writeText(text);
      said.textContent = SAID[which];
      manual.style.display = "none";
    }} catch (e) {{
      said.textContent = "Your browser did not let the page copy: select the link below and copy it.";
      manual.value = text;
      manual.style.display = "block";
      manual.select();
    }}
  }});
}}
</script>"""
