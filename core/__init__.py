"""Shared pieces of Tamu: typed config, vocabulary, event types and the visit workflow.

`vision`, `storage` and `web` may import `core`; `core` imports none of them.
"""
