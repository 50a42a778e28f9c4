"""Streamlit's own floor for comparison: one radio and one small graph, nothing else.

BASELINE_GRAPH=static (default): the graph never changes, as the performance issue defines the baseline.
BASELINE_GRAPH=follows: the graph marks the chosen option, so the browser redraws it after every click
(what any st.graphviz_chart app pays per answer).
BASELINE_NODELAY=1: the same socket setting as the explorer (serving.send_without_delay), for a like-for-like
comparison; by default the baseline is Streamlit exactly as shipped.
"""

import os

import streamlit as st

if os.environ.get("BASELINE_NODELAY") == "1":
    import serving

    serving.send_without_delay()

choice = st.radio("Pick one", ["First", "Second"], index=None, key="choice")
if os.environ.get("BASELINE_GRAPH") == "follows" and choice:
    marked = {"First": "b", "Second": "c"}[choice]
    st.graphviz_chart(f"digraph {{ rankdir=LR; a -> b; a -> c; b -> d; c -> d; {marked} [penwidth=3] }}")
else:
    st.graphviz_chart("digraph { rankdir=LR; a -> b; a -> c; b -> d; c -> d }")
