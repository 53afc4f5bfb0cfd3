"""Everything that imports Streamlit: session and caches, page parts, login, charts' Streamlit glue."""
