"""The README's role, "who hears what" and "who may read" tables are the code's own tables.

Run with JOINTOPS_UPDATE_README=1 to rewrite them after changing a policy.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from bot.permissions import hearing_table, knowing_table, roles_table
from operations.knowing import Carrier

README = Path(__file__).parents[2] / "README.md"
BLOCK = re.compile(r"(<!-- generated: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- end -->)", re.S)
TABLES = {
    "roles": roles_table(),
    "hearing": hearing_table(),
    "knowing-task": knowing_table(Carrier.TASK),
    "knowing-status": knowing_table(Carrier.STATUS),
}


def test_the_readme_tables_are_generated_from_the_policies() -> None:
    text = README.read_text(encoding="utf-8")
    if os.environ.get("JOINTOPS_UPDATE_README"):
        text = BLOCK.sub(lambda m: f"{m[1]}{TABLES[m['name']]}\n{m[4]}", text)
        README.write_text(text, encoding="utf-8")
    found = {m["name"]: m["body"].strip() for m in BLOCK.finditer(text)}
    assert found == TABLES, "run JOINTOPS_UPDATE_README=1 pytest tests/bot/test_readme_tables.py"
