"""Make the typed variant of a gold file: every question as a practitioner types it in a hurry
(lower case, shorthand, a slip of the keys in about every fourth long word), deterministically.

    python eval/make_typed.py [eval/gold.jsonl] [eval/gold-typed.jsonl]
    rag eval --gold eval/gold-typed.jsonl --split test
"""

import sys
from pathlib import Path

from rag.eval.typed import write_typed

if __name__ == "__main__":
    here = Path(__file__).parent
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else here / "gold.jsonl"
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else here / "gold-typed.jsonl"
    print(f"{write_typed(source, target)} typed questions -> {target}")
