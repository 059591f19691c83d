"""How billing works: every rule the engine applies, in plain words, with its source."""

import streamlit as st

from ui import state
from ui.frame import require_frame

require_frame()  # before anything else: see ui/frame.py

book = state.book()
statuses = {}
for tier in book.email_tiers + book.sms_tiers:
    statuses[tier.status.value] = statuses.get(tier.status.value, 0) + 1

st.title("How Klaviyo billing works here")
st.caption(
    f"Prices in use: {st.session_state[state.BOOK_LABEL]}. Rows by status: "
    + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    + ". Nothing here was checked against the live klaviyo.com site; every rule names its source."
)

RULES = [
    ("Your plan is sized by active profiles",
     "Active profiles are the ones Klaviyo could email: not unsubscribed or suppressed. Since 18 "
     "Feb 2025 never-subscribed checkout and cart profiles count too. The email plan allows 10 "
     "emails per profile of its size each month (the free plan: 250 profiles, 500 emails).",
     "help.klaviyo.com 'Understanding how Klaviyo billing works' (16318901845403); the 18 Feb 2025 FAQ"),
    ("Profile growth always moves you up, at renewal",
     "If your active profiles at the end of a month are more than the plan covers, the next month "
     "renews on the plan that covers them, several tiers up if need be. No setting turns this off.",
     "help.klaviyo.com 'How to choose your upgrade preference' (4405883690651); Klaviyo staff, community thread 18240"),
    ("At the message limit, one setting decides",
     "**Stop sending**: sending stops until the next month. **Flexible sending**: a one-time fee buys "
     "the next tier's messages for this month only, the plan does not change, and it can happen "
     "several times a month. **Auto-upgrade**: you move up a tier, pay the full price difference "
     "that month (not pro-rated by day), and stay on the new plan. Email and SMS are set separately. "
     "A $0 plan (free, or no SMS plan) always stops.",
     "help.klaviyo.com 4405883690651 and 'How to change your plan' (8356575957275)"),
    ("The flex fee",
     "Your plan's price per message times the messages the next tier adds: on the $150 plan (100,000 "
     "emails), 5,000 more emails cost $150 x 5,000 / 100,000 = $7.50. Each flex is rounded to cents "
     "(multiplied first, so an exact half cent rounds up). **Unclear**: the help article's wording "
     "could mean all of the next tier's messages, and the February 2025 FAQ describes a temporary "
     "upgrade billed as the price difference. The switch 'Flex fee is charged on' picks one of the "
     "three readings, and the Explore page shows what the other two change.",
     "help.klaviyo.com 8356575957275 (Klaviyo's $10 x 100 messages = $1,000 example); the 18 Feb "
     "2025 FAQ (33136281415451)"),
    ("Downgrades",
     "Take effect at a renewal, never mid-month, and are never refunded. **Auto-downgrade** exists only "
     "with flexible sending: when your profiles fit a lower plan 24 hours before the month ends, it "
     "moves one tier down. **Downgrade by hand** (in the comparison): after an auto-upgrade, you move "
     "back to your starting plan (or the one your profiles need) at a renewal. The explorer names "
     "the fewest renewals that give the saving, as a schedule with its number of actions. Request "
     "each downgrade after that month's last upgrade: an upgrade made before a pending downgrade "
     "takes effect cancels it.",
     "help.klaviyo.com 8356575957275 and the 18 Feb 2025 FAQ; the one-tier step follows the seed article"),
    ("SMS",
     "SMS is an add-on bought in monthly credits; a US SMS costs 1 credit, other countries more (see "
     "the price book). The same three settings apply. **Unclear**: whether unused credits roll over. "
     "No official source says they do, so it is off by default; the switch turns it on.",
     "help.klaviyo.com 'Understanding Klaviyo's SMS credit system' (13502982552347); klaviyo.com/pricing"),
    ("Warnings",
     "Klaviyo warns at 75% and 90% of a limit, and at 95% under auto-upgrade. The timeline places "
     "them assuming sends spread evenly over a 30-day month.",
     "help.klaviyo.com 4405883690651 and 8356575957275"),
    ("A failed card",
     "A failed payment turns flexible sending and auto-upgrade off until the owner turns them back "
     "on; until then sending stops at the limit.",
     "the project's seed article; help.klaviyo.com 12557377520027 (retries and suspension)"),
    ("Above 250,000 profiles",
     "Klaviyo prices by quote. The explorer bills the top published tier as a floor ('at least'), "
     "marks the month 'custom quote', and does not count messages above the top tier as lost sales.",
     "klaviyo.com/pricing (the slider ends at '250,000+')"),
    ("Price changes",
     "The price change slider multiplies every price by (1 + %), rounded to cents, from the month you "
     "pick. Klaviyo announces increases 30 days ahead.",
     "docs/billing-rules.md section 2"),
    ("Lost revenue",
     "What stopping costs you: blocked emails times your revenue per email, plus blocked credits "
     "times your revenue per credit, per month (messages above the top tier are left out: they are "
     "priced by quote). The recommendation ranks by bill plus lost revenue, and the page shows the "
     "two figures apart.",
     "docs/billing-rules.md section 3.6"),
]  # fmt: skip

for title, text, source in RULES:
    st.markdown(f"#### {title}")
    st.markdown(text)
    st.caption(f"Source: {source}")

st.markdown("#### Assumptions of the projection")
st.markdown(
    "- Profiles grow at a steady monthly rate; emails are profiles x emails per profile x the "
    "month's seasonal factor; SMS credits grow at their own rate with their own peaks.\n"
    "- Defaults are fitted from your history: growth by a log-linear trend, emails per profile from "
    "ordinary months, November and December peaks from those months in the history, and a "
    "month-of-year pattern once there are 12 months. Hover a slider's help to see what it was fitted from.\n"
    "- A clean-up suppresses profiles from the month you pick: they stop counting and stop "
    "receiving email. Third-party sources say a suppression should last about 3 months.\n"
    "- Self-serve plans are billed monthly; there is no annual self-serve plan."
)
