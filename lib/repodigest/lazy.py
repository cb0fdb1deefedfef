"""Names a package hands on from its modules, loaded on first use (PEP 562), so that importing the
package stays cheap: a command parses its arguments before pandas and plotly load."""

from __future__ import annotations

from importlib import import_module


def lazy_exports(package: str, exports: dict[str, str], namespace: dict):
    """A module ``__getattr__`` for ``package``: ``exports`` maps a name to the submodule defining it."""

    def __getattr__(name: str):
        if name in exports:
            value = getattr(import_module(f".{exports[name]}", package), name)
            namespace[name] = value  # later lookups find it directly
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
