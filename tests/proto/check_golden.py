"""Checks the golden Kafka messages in proto/golden/ against the schemas in proto/."""
import json
import pathlib
import sys

import jsonschema

ROOT = pathlib.Path(__file__).resolve().parents[2]
KINDS = {"request": "chat.request", "chunk": "chat.chunk", "control": "chat.control", "dlq": "chat.dlq"}


def main():
    passed = failed = 0
    for kind, base in KINDS.items():
        schema = json.loads((ROOT / "proto" / f"{base}.schema.json").read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        files = sorted((ROOT / "proto" / "golden" / kind).glob("*.json"))
        if not files:
            print(f"not ok - {kind}: no golden files")
            failed += 1
        for path in files:
            name = f"{kind}/{path.name}"
            try:
                doc = json.loads(path.read_bytes().decode("utf-8"))
                errors = list(validator.iter_errors(doc))
                parse_error = None
            except (ValueError, UnicodeDecodeError) as exc:
                doc, errors, parse_error = None, [], exc
            if path.name.startswith("valid-"):
                good = parse_error is None and not errors
                why = parse_error or (errors[0].message if errors else "")
            elif path.name.startswith("invalid-beyond-schema-"):
                # Python's parser keeps the last duplicate key and accepts \u0000; bytes that
                # are not UTF-8 fail to decode. Either way the C decoder must reject it.
                good = True
                why = ""
            else:
                good = parse_error is not None or bool(errors)
                why = "validated but should not"
            if good:
                passed += 1
                print(f"ok - {name}")
            else:
                failed += 1
                print(f"not ok - {name}: {why}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
