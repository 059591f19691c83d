"""Streamlit-aware glue shared by the pages: state, caches, inputs. Charts and reports are pure."""
