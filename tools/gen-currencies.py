#!/usr/bin/env python3
"""Writes the C currency table of common/money.c from proto/currencies.json:
    const struct money_currency money_currencies[] = {{"AED", 2, NULL}, ...};
The JSON is checked first (three upper-case letters, sorted and unique codes, minor units
0..4, a short printable symbol); any fault fails the build instead of reaching the table.
Usage: tools/gen-currencies.py proto/currencies.json OUT.c"""
import json
import re
import sys

from genc import write_c


def fail(msg):
    sys.exit(f"gen-currencies: {msg}")


def c_string(s):
    """A C string literal of @s: ASCII as it is, other bytes as octal escapes."""
    out = []
    for b in s.encode("utf-8"):
        if 0x20 <= b < 0x7F and chr(b) not in '"\\?':
            out.append(chr(b))
        else:
            out.append(f"\\{b:03o}")
    return '"' + "".join(out) + '"'


def main():
    if len(sys.argv) != 3:
        fail("usage: gen-currencies.py currencies.json OUT.c")
    src, out = sys.argv[1], sys.argv[2]
    with open(src, encoding="utf-8") as f:
        table = json.load(f)["currencies"]
    rows, prev = [], ""
    for c in table:
        code, units, sym = c.get("code"), c.get("minor_units"), c.get("symbol")
        if set(c) - {"code", "minor_units", "symbol"}:
            fail(f"{code}: unknown field in {sorted(c)}")
        if not isinstance(code, str) or not re.fullmatch(r"[A-Z]{3}", code):
            fail(f"bad code {code!r}")
        if code <= prev:
            fail(f"{code}: codes must be sorted and unique (after {prev})")
        if type(units) is not int or not 0 <= units <= 4:
            fail(f"{code}: minor_units must be 0..4")
        if sym is not None and (not isinstance(sym, str) or not 0 < len(sym) <= 4
                                or not sym.isprintable() or sym.isspace()):
            fail(f"{code}: bad symbol {sym!r}")
        rows.append(f'    {{"{code}", {units}, {c_string(sym) if sym else "NULL"}}},')
        prev = code
    write_c(out, src, "money.h", [
        "const struct money_currency money_currencies[] = {",
        *rows,
        "};",
        "const size_t money_ncurrencies = sizeof(money_currencies) / sizeof(money_currencies[0]);",
    ])


main()
