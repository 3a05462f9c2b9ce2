"""Where in a fixtures text a bad field or a syntax error is: line and column for the message."""

from __future__ import annotations

import yaml


def where(source: str, path: list[str | int], text: str | None) -> str:
    """`<source>: field 'a/0/b'`, with the line and column when the text is at hand."""
    where = f"{source}: field '{'/'.join(str(p) for p in path) or '(top level)'}'"
    node = yaml_node(text, path) if text is not None else None
    if node is None:
        return where
    return f"{where} (line {node.start_mark.line + 1}, column {node.start_mark.column + 1})"


def yaml_node(text: str, path: list[str | int]) -> yaml.Node | None:
    """The YAML node at a path (JSON is YAML too), for its position; None if not found."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        else:
            return None
        if node is None:
            return None
    return node


def yaml_position(e: yaml.YAMLError) -> str:
    """Where a YAML syntax error is: ` at line L, column C: problem`."""
    if not isinstance(e, yaml.MarkedYAMLError) or e.problem_mark is None:
        return f": {str(e).splitlines()[0]}"
    mark = e.problem_mark
    return f" at line {mark.line + 1}, column {mark.column + 1}: {e.problem or e.context}"
