"""Checks the golden documents in proto/golden/ against the schemas in proto/.

Without arguments: every kind of KINDS (the Kafka messages and the MongoDB documents).
With `--validate SCHEMA FILE...` (SCHEMA is a base name such as mongo.messages): checks that
each FILE validates; the C unit tests use it for the documents the services write."""
import json
import pathlib
import sys

import jsonschema

ROOT = pathlib.Path(__file__).resolve().parents[2]
KINDS = {
    "request": "chat.request",
    "chunk": "chat.chunk",
    "control": "chat.control",
    "dlq": "chat.dlq",
    "mongo/contexts": "mongo.contexts",
    "mongo/messages": "mongo.messages",
    "mongo/histories": "mongo.histories",
    "mongo/workers": "mongo.workers",
}


def validator_for(base):
    """The Draft 2020-12 validator of proto/@base.schema.json (the schema itself checked)."""
    schema = json.loads((ROOT / "proto" / f"{base}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def closest_branch(error):
    """For a oneOf/anyOf error, the errors of the branch that came closest (fewest errors),
    which say what is wrong rather than repeat the document; else [@error]."""
    if not error.context:
        return [error]
    branches = {}
    for e in error.context:
        branches.setdefault(e.relative_schema_path[0], []).append(e)
    return min(branches.values(), key=len)


def problems(validator, doc):
    """The validation errors of @doc, each as 'path: message', best first."""
    errors = sorted(validator.iter_errors(doc), key=jsonschema.exceptions.relevance)
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
            for top in errors for e in closest_branch(top)]


def load(path):
    """(document, None) or (None, the parse error)."""
    try:
        return json.loads(path.read_bytes().decode("utf-8")), None
    except (ValueError, UnicodeDecodeError) as exc:
        return None, exc


def check_file(validator, kind, path):
    """True when @path behaves as its name says (valid-, invalid-, invalid-beyond-schema-)."""
    doc, parse_error = load(path)
    errors = problems(validator, doc) if parse_error is None else []
    if path.name.startswith("valid-"):
        good = parse_error is None and not errors
        why = parse_error or (errors[0] if errors else "")
    elif path.name.startswith("invalid-beyond-schema-"):
        # Python's parser keeps the last duplicate key and accepts \u0000; bytes that
        # are not UTF-8 fail to decode. Either way the C decoder must reject it.
        good, why = True, ""
    else:
        good = parse_error is not None or bool(errors)
        why = "validated but should not"
    print(f"{'ok' if good else 'not ok'} - {kind}/{path.name}" + ("" if good else f": {why}"))
    return good


def check_golden():
    passed = failed = 0
    for kind, base in KINDS.items():
        validator = validator_for(base)
        files = sorted((ROOT / "proto" / "golden" / kind).glob("*.json"))
        if not files:
            print(f"not ok - {kind}: no golden files")
            failed += 1
        for path in files:
            if check_file(validator, kind, path):
                passed += 1
            else:
                failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def validate(base, paths):
    validator = validator_for(base)
    bad = 0
    for name in paths:
        doc, parse_error = load(pathlib.Path(name))
        errors = [str(parse_error)] if parse_error else problems(validator, doc)
        if errors:
            bad += 1
            print(f"not ok - {name} against {base}: " + "; ".join(errors[:5]))
        else:
            print(f"ok - {name} against {base}")
    return 1 if bad else 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "--validate":
        return validate(argv[1], argv[2:])
    if argv:
        print("usage: check_golden.py [--validate SCHEMA FILE...]", file=sys.stderr)
        return 2
    return check_golden()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
