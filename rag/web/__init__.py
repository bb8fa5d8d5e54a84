"""The chat UI, REST API and embedding pages, served as one FastAPI app.

Nothing heavy is imported here, so `rag` commands that do not serve stay fast.
"""
