"""Model specs: `NAME=SPEC` on the command line, fuller settings in a YAML models file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from forensics.core import (
    InputError,
    loc_text,
    read_yaml_file,
    redact_url,
    redact_urls_in,
    split_url,
)

Kind = Literal["openai", "llamacpp", "hf", "replay", "callable"]
KINDS = ("openai", "llamacpp", "hf", "replay")
_NAME_RE = r"^[A-Za-z0-9][A-Za-z0-9_.:+-]{0,63}$"
MAX_MODELS_FILE_BYTES = 1_000_000


class ModelConfig(BaseModel):
    """A model in a run: its name, how to reach it, and per-model settings."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=_NAME_RE)
    spec: str
    api_key_env: str = Field(default="OPENAI_API_KEY", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
    timeout_s: float = Field(default=120.0, gt=0)
    concurrency: int | None = Field(default=None, ge=1, le=256)
    n_ctx: int = Field(default=2048, ge=256)
    n_threads: int | None = Field(default=None, ge=1)
    chat_format: str | None = None
    system: str | None = None  # overrides every probe's system prompt for this model
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)
    top_p: float | None = Field(default=None, gt=0, le=1)
    adapter: str | None = None  # hf only: a peft LoRA adapter directory merged into the weights

    @property
    def kind(self) -> str:
        return parse_spec(self.spec)[0]

    @property
    def target(self) -> str:
        return parse_spec(self.spec)[1]

    def redacted(self) -> dict:
        """Settings safe to store: the env var's *name* only, never a key."""
        return self.model_dump(exclude={"name", "spec"})


def parse_spec(spec: str) -> tuple[str, str]:
    """'openai:gpt-4o@https://host/v1' -> ('openai', 'gpt-4o@https://host/v1')."""
    kind, sep, rest = spec.partition(":")
    if not sep or kind not in KINDS or not rest:
        raise InputError(
            f"model spec {redact_urls_in(spec)!r}: expected KIND:TARGET with KIND one of {', '.join(KINDS)} "
            "(e.g. openai:gpt-4o-mini@https://api.openai.com/v1, llamacpp:model.gguf, "
            "hf:./checkpoint, replay:outputs.json)")
    return kind, rest


def check_spec(spec: str) -> None:
    """Parse a spec far enough to reject it before anything runs (an openai base URL is checked)."""
    kind, target = parse_spec(spec)
    if kind == "openai":
        split_openai_target(target)


def split_openai_target(target: str) -> tuple[str, str | None]:
    """'MODEL@BASE_URL' -> (MODEL, BASE_URL); the base URL is optional."""
    idx = max(target.find("@http://"), target.find("@https://"))
    if idx < 0:
        if "@" in target:
            model = target.partition("@")[0]
            raise InputError(f"openai spec for model {model!r}: base URL after '@' must start with "
                             "http:// or https://")
        return target, None
    model, base = target[:idx], target[idx + 1:]
    if not model:
        raise InputError(f"openai spec {redact_urls_in(target)!r}: missing model name before '@'")
    try:
        split_url(base)
    except ValueError as e:  # the URL itself is not echoed: it may hold credentials
        raise InputError(f"openai spec for model {model!r}: invalid base URL ({e})") from None
    return model, base


def redact_spec(spec: str) -> str:
    """A spec safe to store: for openai specs, the base URL without credentials or query."""
    kind, target = parse_spec(spec)
    if kind != "openai":
        return spec
    model, base = split_openai_target(target)
    return f"openai:{model}" + (f"@{redact_url(base)}" if base else "")


def parse_model_option(option: str, api_key_env: str | None = None) -> ModelConfig:
    """Parse one `--model NAME=SPEC` option."""
    name, sep, spec = option.partition("=")
    if not sep or "://" in name:  # no NAME=, and the '=' found was inside a URL's query string
        raise InputError(f"--model {redact_urls_in(option)!r}: expected NAME=SPEC, "
                         "e.g. suspect=openai:my-model@http://127.0.0.1:8000/v1")
    check_spec(spec)
    try:
        cfg = ModelConfig(name=name, spec=spec, **({"api_key_env": api_key_env} if api_key_env else {}))
    except ValidationError as e:
        err = e.errors()[0]
        raise InputError(f"--model {redact_urls_in(option)!r}: field '{loc_text(err['loc'])}': "
                         f"{err['msg']}") from None
    return cfg


def load_models_file(path: str | Path) -> list[ModelConfig]:
    """A YAML file `models: {NAME: {spec: ..., temperature: ..., ...}}`."""
    p = Path(path)
    data = read_yaml_file(p, "models file", MAX_MODELS_FILE_BYTES)
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise InputError(f"{p}: expected a mapping 'models: {{NAME: {{spec: ...}}}}'")
    out = []
    for name, body in data["models"].items():
        if isinstance(name, bool) or not isinstance(name, (str, int)):
            raise InputError(f"{p}: model name {name!r}: must be a string")
        name = str(name)
        if not isinstance(body, dict):
            raise InputError(f"{p}: model {name!r}: expected a mapping with at least 'spec'")
        if "name" in body:
            raise InputError(f"{p}: model {name!r}: no 'name' field (the key above is the name)")
        try:
            cfg = ModelConfig.model_validate({**body, "name": name})
            check_spec(cfg.spec)
        except ValidationError as e:
            err = e.errors()[0]
            field = loc_text(err["loc"])
            raise InputError(f"{p}: model {name!r} field '{field}': {err['msg']}") from None
        except InputError as e:
            raise InputError(f"{p}: model {name!r}: {e}") from None
        out.append(cfg)
    return out
