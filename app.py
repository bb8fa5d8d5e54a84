"""Start the chat UI and REST API: `python app.py [--host H] [--port P] [--root-path /scr] [--auth MODE]`.

The same as `rag serve`; settings also come from rag.toml and RAG_* variables (README).
"""

import sys

import rag  # noqa: F401  (sets the offline environment before gradio and the models load)
from rag.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
