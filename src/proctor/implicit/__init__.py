"""The reward a tuned policy internalised: token-level implicit reward against its reference.

``β·(log π_θ(y_t | x, y_<t) − log π_ref(y_t | x, y_<t))`` for every completion token,
between a policy checkpoint and the checkpoint it was tuned from (two Hugging Face
causal LMs sharing a tokenizer); summed, it is the policy's reconstructed sequence
reward. `top_spans` finds the runs of tokens that carry the most of it, mapped back
to character ranges of the completion; `agreement` compares the sequence reward
with the proxy and gold rewards (Spearman) and with hack labels (AUC).

torch and transformers are imported only when models are scored (the ``implicit``
extra: ``pip install 'proctor[implicit]'``); nothing is downloaded. From the
command line: ``proctor implicit score --policy DIR --reference DIR --rollouts FILE
--out FILE``. See docs/internals.md.
"""

from proctor.implicit._agree import Agreement, agreement, hack_label
from proctor.implicit._report import (
    SpanSummary,
    html_page,
    markdown_section,
    summarise_spans,
    write_section,
)
from proctor.implicit._rollouts import (
    ScoredRollout,
    record,
    rollout_agreement,
    score_rollouts,
    write_scores,
)
from proctor.implicit._score import ImplicitReward, TokenRewards, check_pair, implicit_rewards
from proctor.implicit._spans import Span, top_spans
from proctor.implicit._tokens import Encoded, encode

__all__ = [
    "Agreement",
    "Encoded",
    "ImplicitReward",
    "ScoredRollout",
    "Span",
    "SpanSummary",
    "TokenRewards",
    "agreement",
    "check_pair",
    "encode",
    "hack_label",
    "html_page",
    "implicit_rewards",
    "markdown_section",
    "record",
    "rollout_agreement",
    "score_rollouts",
    "summarise_spans",
    "top_spans",
    "write_scores",
    "write_section",
]
