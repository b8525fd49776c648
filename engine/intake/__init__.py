"""Intake: bytes in, a checked model out — hardened XML, schema, lint, and the sandbox every expression runs in."""
from .pipeline import Model, content_hash, take_in
from .xml import DEFAULT_MAX_BYTES, NS, parse_xml, process_parameters, reparse

__all__ = ["Model", "take_in", "content_hash", "process_parameters", "parse_xml", "reparse", "NS",
           "DEFAULT_MAX_BYTES"]
