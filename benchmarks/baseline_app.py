"""Streamlit's own floor for comparison: one radio and one small graph, nothing else.

Like for like, it runs with every server setting the explorer has: the same .streamlit/config.toml and the
same once-per-process tuning (serving.py), so what differs is the page alone.
BASELINE_GRAPH=static (default): the graph never changes, as the performance issue defines the baseline.
BASELINE_GRAPH=follows: the graph marks the chosen option, so the browser redraws it after every click
(what any st.graphviz_chart app pays per answer).
BASELINE_AS_SHIPPED=1: without serving.py's tuning (the benchmark also switches Streamlit's collection after
every run back on), i.e. Streamlit as it ships, for context.
"""

import os

import streamlit as st

import serving


if os.environ.get("BASELINE_AS_SHIPPED") != "1":
    serving.tune_process_once()  # as app.py does

choice = st.radio("Pick one", ["First", "Second"], index=None, key="choice")
if os.environ.get("BASELINE_GRAPH") == "follows" and choice:
    marked = {"First": "b", "Second": "c"}[choice]
    st.graphviz_chart(f"digraph {{ rankdir=LR; a -> b; a -> c; b -> d; c -> d; {marked} [penwidth=3] }}")
else:
    st.graphviz_chart("digraph { rankdir=LR; a -> b; a -> c; b -> d; c -> d }")
