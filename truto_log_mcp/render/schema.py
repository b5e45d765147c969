"""Compact JSON schemas for ``tools/list``: what a model and a client need, in fewer tokens.

The SDK's pydantic schemas spend most of their size on things no client validates with: a
``title`` on every property and model, ``"default": null``, and ``anyOf [X, null]`` wrappers.
``tools/list`` is read into the assistant's context on every conversation, so the server lists:

- input schemas (``lean_input_schema``) with the argument descriptions, types, enums, numeric
  bounds, item counts, defaults and required fields: the meanings and the rules a model would
  otherwise break. Left out: ``null`` as a value of an optional argument (a model leaves it out
  instead), and the length caps and patterns that only stop oversized or malformed text
  (``maxLength``, ``minLength``, ``maxProperties``, ``pattern``): the server still enforces each and
  names the argument;
- output schemas (``lean_output_schema``) as their top-level properties with their types (an
  array's item type when it is a scalar): what a client checks and reads first. The model reads
  the text answer; the nesting is documented in docs/tools.md.
"""

from __future__ import annotations

from typing import Any


def compact_schema(schema: dict[str, Any], keep_descriptions: bool) -> dict[str, Any]:
    return _compact(schema, keep_descriptions, in_properties=False)  # type: ignore[no-any-return]


def compact_output_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Output schemas also drop ``required``: the tools always send every field of their output
    models (a test checks it), so the lists would only repeat the property names."""
    compacted = compact_schema(schema, keep_descriptions=False)
    compacted.pop("required", None)
    for definition in compacted.get("$defs", {}).values():
        definition.pop("required", None)
    return _inline_single_use(compacted)


def _inline_single_use(schema: dict[str, Any]) -> dict[str, Any]:
    """Put a ``$defs`` entry referenced once in place of its ``$ref`` (the name and the pointer cost tokens)."""
    definitions: dict[str, Any] = schema.get("$defs", {})
    uses: dict[str, int] = {}
    _count_refs(schema, uses)
    once = {f"#/$defs/{name}": body for name, body in definitions.items() if uses.get(f"#/$defs/{name}") == 1}
    if not once:
        return schema
    inlined = _replace_refs({key: value for key, value in schema.items() if key != "$defs"}, once)
    kept = {name: _replace_refs(body, once) for name, body in definitions.items() if f"#/$defs/{name}" not in once}
    if kept:
        inlined["$defs"] = kept
    return inlined  # type: ignore[no-any-return]


def _count_refs(node: Any, uses: dict[str, int]) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            uses[node["$ref"]] = uses.get(node["$ref"], 0) + 1
        for value in node.values():
            _count_refs(value, uses)
    elif isinstance(node, list):
        for item in node:
            _count_refs(item, uses)


def _replace_refs(node: Any, bodies: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if set(node) == {"$ref"} and node["$ref"] in bodies:
            return _replace_refs(bodies[node["$ref"]], bodies)
        return {key: _replace_refs(value, bodies) for key, value in node.items()}
    if isinstance(node, list):
        return [_replace_refs(item, bodies) for item in node]
    return node


def _compact(node: Any, keep_descriptions: bool, in_properties: bool) -> Any:
    if isinstance(node, list):
        return [_compact(item, keep_descriptions, False) for item in node]
    if not isinstance(node, dict):
        return node
    if in_properties:
        # Keys of "properties" are field names, never schema keywords: keep them all.
        return {name: _compact(value, keep_descriptions, False) for name, value in node.items()}
    compacted: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" or (key == "description" and not keep_descriptions):
            continue
        if key == "default" and value is None:
            continue
        compacted[key] = _compact(value, keep_descriptions, in_properties=key in ("properties", "$defs"))
    return _merge_nullable(compacted)


def _merge_nullable(node: dict[str, Any]) -> dict[str, Any]:
    """``{"anyOf": [{"type": "string", ...}, {"type": "null"}]}`` -> ``{"type": ["string", "null"], ...}``."""
    options = node.get("anyOf")
    if isinstance(options, list) and options and all(_bare_type(option) for option in options):
        # anyOf of bare types (no other keywords) is exactly a type list.
        merged = {key: value for key, value in node.items() if key != "anyOf"}
        merged["type"] = [option["type"] for option in options]
        return merged
    if not isinstance(options, list) or len(options) != 2 or {"type": "null"} not in options:
        return node
    other = options[0] if options[1] == {"type": "null"} else options[1]
    if not isinstance(other, dict) or not isinstance(other.get("type"), str) or "anyOf" in other:
        return node
    merged = {key: value for key, value in node.items() if key != "anyOf"}
    merged.update(other)
    merged["type"] = [other["type"], "null"]
    if "enum" in other:  # an enum constrains every type: null must be one of its values
        merged["enum"] = [*other["enum"], None]
    return merged


def _bare_type(option: Any) -> bool:
    return isinstance(option, dict) and set(option) == {"type"} and isinstance(option["type"], str)


_SERVER_SIDE_CAPS = frozenset({"maxLength", "minLength", "maxProperties", "pattern"})


def lean_input_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A tool's input schema as the model reads it (see the module docstring)."""
    compacted = compact_schema(schema, keep_descriptions=True)
    required = set(compacted.get("required", ()))
    properties = compacted.get("properties", {})
    for name, spec in properties.items():
        properties[name] = _without_caps(spec if name in required else _not_null(spec))
    return compacted


def _not_null(spec: dict[str, Any]) -> dict[str, Any]:
    types = spec.get("type")
    if not isinstance(types, list) or "null" not in types:
        return spec
    kept = [kind for kind in types if kind != "null"]
    lean = {**spec, "type": kept[0] if len(kept) == 1 else kept}
    if "enum" in spec:
        lean["enum"] = [value for value in spec["enum"] if value is not None]
    return lean


def _without_caps(node: Any) -> Any:
    if isinstance(node, dict):
        lean = {key: _without_caps(value) for key, value in node.items() if key not in _SERVER_SIDE_CAPS}
        types = lean.get("type")
        if isinstance(types, list) and "number" in types and "integer" in types:
            lean["type"] = [kind for kind in types if kind != "integer"]  # a number may be an integer
        return lean
    if isinstance(node, list):
        return [_without_caps(item) for item in node]
    return node


def lean_output_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A tool's output schema as its top-level properties and their types (see the module docstring)."""
    compacted = compact_output_schema(schema)
    definitions: dict[str, Any] = compacted.get("$defs", {})
    properties = {name: _type_only(spec, definitions) for name, spec in compacted.get("properties", {}).items()}
    return {"type": "object", "properties": properties}


def _type_only(spec: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    types: list[str] = []
    for option in spec.get("anyOf", [spec]):
        if isinstance(option.get("$ref"), str):
            option = definitions.get(option["$ref"].rsplit("/", 1)[-1], {})
        kind = option.get("type", "object" if "properties" in option else None)
        for one in kind if isinstance(kind, list) else [kind]:
            if one is not None and one not in types:
                types.append(one)
    if not types:
        return {}  # any JSON value
    lean: dict[str, Any] = {"type": types[0] if len(types) == 1 else types}
    items = spec.get("items")
    if "array" in types and isinstance(items, dict) and isinstance(items.get("type"), str) and len(items) == 1:
        lean["items"] = {"type": items["type"]}
    return lean
