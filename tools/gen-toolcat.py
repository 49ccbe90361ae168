#!/usr/bin/env python3
"""Writes the tool catalogue of common/toolcat.c from proto/tools.json:
    const char toolcat_json[] = "[{\"name\":\"get_accounts\",...}]";
one JSON array of {name, description, parameters}, in the order of the source.

Every "$ref" to "#/$defs/NAME" is replaced by a copy of that definition (common/jschema.c
reads no $ref), and "rest" (the REST route behind a tool, documentation for people) is dropped:
models and MCP clients see only name, description and parameters. The source is checked
first; any fault fails the build instead of reaching the table: a tool needs a snake_case
name (unique), a one-line description and an object schema of its arguments, and a schema may
use only the keywords common/jschema.h checks (or annotations such as "description"), so that
no constraint is written down and silently not enforced.
Usage: tools/gen-toolcat.py proto/tools.json OUT.c"""
import json
import re
import sys

from genc import write_c

# What common/jschema.c checks, and what it may ignore because it only annotates.
CHECKED = {"type", "properties", "required", "additionalProperties", "enum", "const",
           "pattern", "minLength", "maxLength", "minimum", "maximum", "items", "maxItems"}
ANNOTATIONS = {"description", "title", "$comment", "default", "examples"}
TYPES = {"object", "string", "integer", "number", "boolean", "array", "null"}
# The largest name a provider accepts (OpenAI: ^[a-zA-Z0-9_-]{1,64}$).
NAME_RE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
NAME_MAX = 64


def fail(msg):
    sys.exit(f"gen-toolcat: {msg}")


def c_string(s):
    """A C string literal of ASCII text @s (JSON with ensure_ascii: no control characters)."""
    assert s.isascii() and s.isprintable()
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("?", "\\?") + '"'


def inline(node, defs, where, seen=()):
    """A copy of @node with every {"$ref": "#/$defs/NAME"} replaced by that definition."""
    if isinstance(node, list):
        return [inline(v, defs, f"{where}[{i}]", seen) for i, v in enumerate(node)]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        m = re.fullmatch(r"#/\$defs/([A-Za-z0-9_]+)", ref) if isinstance(ref, str) else None
        if not m or m.group(1) not in defs:
            fail(f"{where}: $ref {ref!r} names no entry of $defs")
        if set(node) - {"$ref"} - ANNOTATIONS:
            fail(f"{where}: $ref with other keywords {sorted(set(node) - {'$ref'})}")
        if m.group(1) in seen:
            fail(f"{where}: $ref {ref!r} refers to itself")
        merged = dict(defs[m.group(1)])
        merged.update({k: v for k, v in node.items() if k != "$ref"})
        return inline(merged, defs, f"{where}->{ref}", seen + (m.group(1),))
    return {k: inline(v, defs, f"{where}.{k}", seen) for k, v in node.items()}


def is_int(v):
    return type(v) is int


def is_num(v):
    return type(v) in (int, float)


def check_schema(s, where):
    """Fails unless @s is a schema common/jschema.c reads in full."""
    if isinstance(s, bool):
        return
    if not isinstance(s, dict):
        fail(f"{where}: a schema must be an object")
    unknown = set(s) - CHECKED - ANNOTATIONS
    if unknown:
        fail(f"{where}: keywords common/jschema.c does not check: {sorted(unknown)}")
    t = s.get("type")
    types = t if isinstance(t, list) else [t] if t is not None else []
    if not types and "type" in s or any(x not in TYPES for x in types):
        fail(f"{where}: bad type {t!r}")
    for k in ("minLength", "maxLength", "maxItems"):
        if k in s and (not is_int(s[k]) or s[k] < 0):
            fail(f"{where}: {k} must be a non-negative integer")
    for k in ("minimum", "maximum"):
        if k in s and not is_num(s[k]):
            fail(f"{where}: {k} must be a number")
    if "pattern" in s:
        if not isinstance(s["pattern"], str) or not s["pattern"]:
            fail(f"{where}: pattern must be a non-empty string")
        # POSIX extended regular expressions know none of these Perl forms.
        if re.search(r"\\[dDwWsSbB]|\(\?|[*+?}]\?", s["pattern"]):
            fail(f"{where}: pattern uses a form POSIX extended expressions lack")
    if "enum" in s and (not isinstance(s["enum"], list) or not s["enum"]):
        fail(f"{where}: enum must be a non-empty array")
    if "required" in s:
        req = s["required"]
        if not isinstance(req, list) or not all(isinstance(r, str) for r in req):
            fail(f"{where}: required must be an array of names")
        missing = [r for r in req if r not in s.get("properties", {})]
        if missing and s.get("additionalProperties") is False:
            fail(f"{where}: required names no property: {missing}")
    props = s.get("properties", {})
    if not isinstance(props, dict):
        fail(f"{where}: properties must be an object")
    for name, sub in props.items():
        check_schema(sub, f"{where}.{name}")
    for k in ("additionalProperties", "items"):
        if k in s:
            check_schema(s[k], f"{where}.{k}")


def check_tool(tool, i, names):
    where = f"tools[{i}]"
    if not isinstance(tool, dict):
        fail(f"{where}: a tool must be an object")
    unknown = set(tool) - {"name", "description", "parameters", "rest"}
    if unknown:
        fail(f"{where}: unknown field(s) {sorted(unknown)}")
    name = tool.get("name")
    if not isinstance(name, str) or not NAME_RE.fullmatch(name) or len(name) > NAME_MAX:
        fail(f"{where}: name {name!r} must be snake_case, at most {NAME_MAX} characters")
    if name in names:
        fail(f"{name}: the name is used twice")
    names.add(name)
    desc = tool.get("description")
    if not isinstance(desc, str) or not desc.strip() or "\n" in desc:
        fail(f"{name}: description must be one non-empty line")
    params = tool.get("parameters")
    if not isinstance(params, dict) or params.get("type") != "object":
        fail(f"{name}: parameters must be a schema of type object")
    check_schema(params, f"{name}.parameters")
    return {"name": name, "description": desc, "parameters": params}


def main():
    if len(sys.argv) != 3:
        fail("usage: gen-toolcat.py tools.json OUT.c")
    src, out = sys.argv[1], sys.argv[2]
    with open(src, encoding="utf-8") as f:
        doc = json.load(f)
    defs, tools = doc.get("$defs", {}), doc.get("tools")
    if not isinstance(defs, dict):
        fail("$defs must be an object")
    if not isinstance(tools, list) or not tools:
        fail("tools must be a non-empty array")
    names = set()
    table = [check_tool(inline(t, defs, f"tools[{i}]"), i, names) for i, t in enumerate(tools)]
    # One literal a tool, so that the generated file reads (and diffs) a tool a line.
    pieces = [json.dumps(t, ensure_ascii=True, separators=(",", ":")) for t in table]
    lines = ["    " + c_string("[" if i == 0 else ",") + " " + c_string(p)
             for i, p in enumerate(pieces)]
    lines.append('    "]";')
    write_c(out, src, "toolcat.h", ["const char toolcat_json[] =", *lines])


main()
