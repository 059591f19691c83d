"""The entrypoint: the frame (ui/frame.py) draws the shared sidebar and runs the chosen page.

Every page is registered in ui/pages.py through st.navigation; the tests use the same list.
"""

from ui.frame import run_frame

run_frame()
