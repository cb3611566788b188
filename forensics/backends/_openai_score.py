"""Score given text through an OpenAI-compatible server: prompt log-probabilities from the legacy
completions endpoint (`echo=True`, `logprobs=1`), which llama.cpp's Python server
(`llama_cpp.server`) and vLLM return and most hosted chat APIs do not.

The completions endpoint takes raw text, so the prompt is the plain `User:`/`Assistant:`
template (the server's chat template is out of reach), followed by a space and the text; the
text's tokens are those the server places at or after the prompt's end (`text_offset`). A
server that cannot do this raises `ScoringUnsupported` with its own answer, so `forensics score`
can say which reference cannot score and why.

Alignment check: each echoed position also carries the server's most likely token there
(`logprobs=1`). Where log-probabilities are aligned, that top token is often the token actually
at that position; where a server reads each position's value one row too late (llama-cpp-python
0.3 does so for models without a BOS token), it is more often the *next* token. Such a server is
refused rather than trusted with wrong numbers.
"""

from __future__ import annotations

import math

from forensics.core import ForensicsError, InputError

from ._llamacpp import plain_prompt
from ._llamacpp_score import TokenLogprobs


class ScoringUnsupported(InputError):
    """The server does not return prompt log-probabilities."""


class ScorerUnreachable(ForensicsError):
    """The scoring server refused the connection or timed out: scoring stops (rerun resumes)."""

    exit_code = 4


def _scoring_request(messages: list[dict], text: str) -> tuple[str, int, int]:
    """The raw prompt sent, and the character span [start, end) of the text in it."""
    prefix = plain_prompt(list(messages))
    start = len(prefix)
    return prefix + " " + text, start, start + 1 + len(text)


def _parse_prompt_logprobs(choice, start: int, end: int, where: str) -> TokenLogprobs:
    """The text's token log-probabilities from an echoed completion choice (OpenAI's legacy
    `logprobs` object: tokens, text_offset, token_logprobs)."""
    lp = getattr(choice, "logprobs", None)
    offsets = list(getattr(lp, "text_offset", None) or [])
    values = list(getattr(lp, "token_logprobs", None) or [])
    tokens = list(getattr(lp, "tokens", None) or [])
    if not offsets or len(offsets) != len(values):
        raise ScoringUnsupported(f"{where}: the server returned no prompt log-probabilities "
                                 "(completions with echo=True and logprobs=1); it cannot score given text")
    picked = [(i, v) for i, (o, v) in enumerate(zip(offsets, values)) if start <= o < end]
    if not picked:
        raise ScoringUnsupported(f"{where}: the echoed prompt does not contain the scored text "
                                 "(the server did not echo the prompt)")
    if any(v is None or not math.isfinite(float(v)) for _, v in picked):
        raise ScoringUnsupported(f"{where}: the server left some prompt tokens without a log-probability")
    names = tuple(str(tokens[i]) if i < len(tokens) else "" for i, _ in picked)
    return TokenLogprobs(names, tuple(float(v) for _, v in picked))


def _misaligned(choice) -> bool:
    """Whether the server's top tokens match the next token more often than the token itself."""
    lp = getattr(choice, "logprobs", None)
    tokens = list(getattr(lp, "tokens", None) or [])
    tops = list(getattr(lp, "top_logprobs", None) or [])
    same = ahead = 0
    for i in range(1, min(len(tokens), len(tops)) - 1):
        top = tops[i]
        if not top:
            continue
        best = max(top, key=lambda k: top[k])
        same += best == tokens[i]
        ahead += best == tokens[i + 1]
    return ahead > same


def _score_with_client(client, model: str, messages: list[dict], text: str, where: str) -> TokenLogprobs:
    """log p(text | plain prompt) token by token, from the server's prompt log-probabilities."""
    import openai

    if not text:
        return TokenLogprobs((), ())
    prompt, start, end = _scoring_request(messages, text)
    try:
        resp = client.completions.create(model=model, prompt=prompt, echo=True, logprobs=1, max_tokens=1,
                                         temperature=0.0)
    except (openai.BadRequestError, openai.NotFoundError, openai.UnprocessableEntityError) as e:
        raise ScoringUnsupported(f"{where}: the server refused a completions request with echo and "
                                 f"logprobs ({type(e).__name__}: {str(e)[:200]}); it cannot score given text") from None
    choices = getattr(resp, "choices", None) or []
    if not choices:
        raise ScoringUnsupported(f"{where}: the completions response has no choices")
    got = _parse_prompt_logprobs(choices[0], start, end, where)
    if _misaligned(choices[0]):
        raise ScoringUnsupported(f"{where}: the server's prompt log-probabilities are one token out of "
                                 "place (its top tokens predict the next token, not their own; "
                                 "llama-cpp-python does this for models without a BOS token), so it "
                                 "cannot score given text")
    return got
