"""Plotly figure builders (pure: plain rows in, figures out; no streamlit), shared by pages and exports."""
