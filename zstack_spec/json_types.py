"""`JSON`: a value as a parsed JSON document holds it (dict, list, str, int, float, bool, None).

The one alias the mock, the contract suite, the tests and the benchmarks share; `Any`, because
mypy has no recursive JSON type that the stdlib's `json.loads` returns.
"""

from typing import Any

JSON = Any
