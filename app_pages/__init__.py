"""Streamlit page scripts (registered in dashboard.py with st.navigation) and their shared helpers."""
