"""Per-family wire knowledge: endpoint paths, request bodies, status and callback parsing.

Each module exposes ``CREATE_PATH``, ``STATUS_PATH``, ``build_body``, ``parse_status`` and
``parse_callback``; :mod:`kie.client` and :mod:`kie.callbacks` only dispatch.
"""

from . import market, suno, veo

__all__ = ["market", "suno", "veo"]
