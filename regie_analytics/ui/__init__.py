"""The only part of the package that imports streamlit: caching, filters, shared widgets."""
