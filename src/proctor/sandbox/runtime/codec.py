"""Plain-data codec for everything that crosses the sandbox boundary.

Values are encoded as JSON. JSON already keeps ``None``, ``bool``, ``int``,
``float`` (``1.0`` stays a float), ``str`` and ``list`` apart; the other built-in
types travel as one-key objects whose key starts with ``$``:

    {"$tuple": [...]}  {"$set": [...]}  {"$frozenset": [...]}  {"$bytes": "<hex>"}
    {"$complex": [re, im]}  {"$int": "<hex>"} (ints too long for JSON's digit limit)
    {"$dict": [[k, v], ...]} (dicts whose keys are not all plain strings)

A dict whose keys are all strings not starting with ``$`` is a JSON object.

Why not pickle or marshal: the judge decodes bytes the sandboxed code wrote, so
decoding must never run code or trust a type the sender chose. The decoder
builds only exact built-in types; the encoder (run in the sandbox) refuses
subclasses, so an ``int`` subclass with a lying ``__eq__`` cannot cross at all.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import sys
from collections import Counter
from types import ModuleType
from typing import Any

_orjson: ModuleType | None
try:  # several times faster than json on big outputs (lists of floats: ~5x)
    import orjson as _orjson
except ImportError:  # a dependency, but the codec works the same without it
    _orjson = None

_MAX_DEPTH = 200
MAX_ELEMENTS = 1 << 21
"""Most values (list items, dict entries, numbers, strings) one decoded line may hold."""
_MAX_SAME_HASH = 32  # set members / dict keys sharing one hash: beyond that, refused
_BIG_INT = 10**1000  # beyond this, ints travel as hex (JSON/str digit limits)


class EncodeError(TypeError):
    """A value that is not plain built-in data."""


class DecodeError(ValueError):
    """Bytes that are not a well-formed encoding."""


_FLAT_OR_NUMBER = frozenset({str, bool, type(None), int, float})


def _flat_list(value: list[Any]) -> bool:
    """A list of str/bool/None/small int/finite float: JSON already keeps it exactly.

    Checked with map() and generator filters, which run far faster than a
    hand-written loop over each element: this is the hot path for big outputs.
    """
    types = set(map(type, value))
    if not types <= _FLAT_OR_NUMBER:
        return False
    if int in types and not all(-_BIG_INT < v < _BIG_INT for v in value if type(v) is int):
        return False
    return float not in types or all(map(math.isfinite, (v for v in value if type(v) is float)))


def encode_value(value: Any, _depth: int = 0) -> Any:
    """Turn a plain Python value into its JSON-ready form. Exact types only."""
    if _depth > _MAX_DEPTH:
        raise EncodeError("value nested too deeply")
    t = type(value)
    if value is None or t is bool or t is str:
        return value
    if t is int:
        return {"$int": format(value, "x")} if abs(value) >= _BIG_INT else value
    if t is float:
        if math.isfinite(value):
            return value
        return {"$float": repr(value)}  # 'inf', '-inf', 'nan'
    d = _depth + 1
    if t is list:
        if _flat_list(value):
            return value  # the common case, left to json's C encoder as it is
        return [encode_value(v, d) for v in value]
    if t is tuple:
        return {"$tuple": [encode_value(v, d) for v in value]}
    if t is dict:
        if all(type(k) is str and not k.startswith("$") for k in value):
            return {k: encode_value(v, d) for k, v in value.items()}
        return {"$dict": [[encode_value(k, d), encode_value(v, d)] for k, v in value.items()]}
    if t is set or t is frozenset:
        items = [encode_value(v, d) for v in value]
        return {"$set" if t is set else "$frozenset": items}
    if t is bytes:
        return {"$bytes": value.hex()}
    if t is complex:
        return {"$complex": [encode_value(value.real, d), encode_value(value.imag, d)]}
    raise EncodeError(f"cannot send a value of type {t.__module__}.{t.__qualname__}")


def _hashable(value: Any) -> Any:
    # Set members and dict keys must be hashable; lists and dicts are not.
    if type(value) in (list, dict, set):
        raise DecodeError(f"unhashable {type(value).__name__} as a set member or dict key")
    return value


def _bounded_hashing(keys: list[Any]) -> None:
    """Refuse keys whose hashes collide: a set of them would cost quadratic time.

    Python does not randomise the hashes of ints, floats or tuples of them, so
    a sender can choose thousands of distinct values with one hash. Counting the
    hashes first is linear (the hash values are ints that hash to themselves),
    and honest data never has many distinct values with one full hash.
    """
    if len(keys) > _MAX_SAME_HASH and max(Counter(map(hash, keys)).values()) > _MAX_SAME_HASH:
        raise DecodeError("too many set members or dict keys with the same hash")


def _decode_tagged(tag: str, body: Any) -> Any:
    if tag == "$tuple" and type(body) is list:
        return tuple(body)
    if tag in ("$set", "$frozenset") and type(body) is list:
        items = [_hashable(v) for v in body]
        _bounded_hashing(items)
        return set(items) if tag == "$set" else frozenset(items)
    if tag == "$dict" and type(body) is list:
        for pair in body:
            if type(pair) is not list or len(pair) != 2:
                raise DecodeError("$dict entries must be [key, value] pairs")
        keys = [_hashable(pair[0]) for pair in body]
        _bounded_hashing(keys)
        return dict(zip(keys, (pair[1] for pair in body), strict=True))
    if tag == "$bytes" and type(body) is str:
        return bytes.fromhex(body)
    if tag == "$complex" and type(body) is list and len(body) == 2:
        re_, im = body
        if type(re_) is float and type(im) is float:
            return complex(re_, im)
    if tag == "$int" and type(body) is str:  # hex parses in linear time
        return int(body, 16)
    if tag == "$float" and body in ("inf", "-inf", "nan"):
        return float(body)
    raise DecodeError(f"malformed {tag!r} value")


def _object_hook(pairs: list[tuple[str, Any]]) -> Any:
    if len(pairs) == 1 and pairs[0][0].startswith("$"):
        return _decode_tagged(*pairs[0])
    if any(k.startswith("$") for k, _ in pairs):
        raise DecodeError("object keys starting with '$' are reserved for tags")
    return dict(pairs)


def _reject_constant(name: str) -> Any:
    # JSON's NaN/Infinity literals are not part of the format ($float is).
    raise DecodeError(f"bare {name} is not allowed")


def decode_json(obj: Any) -> Any:
    """Decode an already-parsed JSON value (e.g. from a task file)."""
    return loads(json.dumps(obj, allow_nan=False))


def decode_value(obj: Any) -> Any:
    """Alias of `decode_json`, for readers of the project's own task format."""
    return decode_json(obj)


_JSON = json.JSONEncoder(separators=(",", ":"), allow_nan=False)
ENCODER = "orjson" if _orjson is not None else "json"
"""Which library `to_json` uses first: text cached by the other is re-encoded."""


def orjson_dir() -> str | None:
    """The folder of the orjson package this process encodes with, or None."""
    where = None if _orjson is None else _orjson.__file__
    return None if where is None else os.path.dirname(os.path.abspath(where))


def use_orjson_from(package_dir: str) -> None:
    """Load orjson from its installed folder and encode with it from now on.

    The sandbox's interpreter runs without site-packages (``-I -S``); the judge names
    the folder of its own orjson, and the zygote loads exactly that package (nothing
    else from site-packages) before any job, so both ends spell values alike.
    """
    global _orjson, ENCODER
    spec = importlib.util.spec_from_file_location(
        "orjson", os.path.join(package_dir, "__init__.py"), submodule_search_locations=[package_dir]
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"no orjson package in {package_dir}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["orjson"] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules["orjson"]
        raise
    _orjson, ENCODER = module, "orjson"


def to_json(obj: Any) -> bytes:
    """Compact one-line JSON of ``obj``, which `encode_value` already made JSON-ready.

    orjson where it can, else json (orjson refuses ints past 64 bits and lone
    surrogates). The two may spell a value differently (``1e-05`` or ``0.00001``, an
    escaped or a raw ``é``); both decode to the same value, and since expected values
    and sandbox results both go through this function, a right answer comes back
    byte-identical to its expected line and passes unread.
    """
    if _orjson is not None:
        try:
            text: bytes = _orjson.dumps(obj)
            return text
        except TypeError:  # orjson.JSONEncodeError is one
            pass
    return _JSON.encode(obj).encode()


def dumps(value: Any) -> str:
    """Encode ``value`` to a JSON string (one line: newlines in strings are escaped)."""
    return to_json(encode_value(value)).decode()


def loads(text: str | bytes, max_elements: int | None = None) -> Any:
    """Decode a JSON string produced by `dumps` into exact built-in types.

    ``max_elements``: refuse, before parsing, text that could hold more values
    than that (counted from its separators, in linear time).
    """
    if max_elements is not None:
        seps = (b",", b":") if isinstance(text, bytes) else (",", ":")
        if text.count(seps[0]) + text.count(seps[1]) >= max_elements:  # type: ignore[arg-type]
            raise DecodeError(f"more than {max_elements} values in one record")
    # Without a '"$' anywhere there is no tag and no reserved key, so every JSON
    # object is a plain dict: let the C parser build it without calling the hook.
    fast = b'"$' not in text if isinstance(text, bytes) else '"$' not in text
    try:
        if fast:
            return json.loads(text, parse_constant=_reject_constant)
        return json.loads(text, object_pairs_hook=_object_hook, parse_constant=_reject_constant)
    except RecursionError as exc:
        raise DecodeError("value nested too deeply") from exc
    except DecodeError:
        raise
    except (ValueError, TypeError) as exc:  # bad JSON, bad hex, unhashable members...
        raise DecodeError(str(exc)) from exc
