"""Streamlit's own floor for comparison: one radio and one small static graph, nothing else."""

import streamlit as st

st.radio("Pick one", ["First", "Second"], index=None, key="choice")
st.graphviz_chart("digraph { rankdir=LR; a -> b; a -> c; b -> d; c -> d }")
