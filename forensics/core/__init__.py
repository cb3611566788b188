"""What every stage shares: errors a user can act on, text rules, hashing, YAML, URL redaction."""

from ._errors import ForensicsError, InputError, IntegrityError, RunDirError
from ._hashing import content_sha256, file_sha256, sha256_json
from ._reasoning import split_reasoning, with_reasoning
from ._redact import redact_url, redact_urls_in, split_url
from ._text import DISPLAY_INVISIBLE, for_analysis, for_matching, for_terminal, storable
from ._yaml import loc_text, one_line, parse_yaml, read_yaml_file

__all__ = [
    "DISPLAY_INVISIBLE",
    "ForensicsError",
    "InputError",
    "IntegrityError",
    "RunDirError",
    "content_sha256",
    "file_sha256",
    "for_analysis",
    "for_matching",
    "for_terminal",
    "loc_text",
    "one_line",
    "parse_yaml",
    "read_yaml_file",
    "redact_url",
    "redact_urls_in",
    "sha256_json",
    "split_reasoning",
    "split_url",
    "storable",
    "with_reasoning",
]
