"""Trainer adapters: proctor's rewards with each trainer's exact calling convention.

Import the module for your trainer; none of them imports the trainer itself.

- `proctor.integrations.trl`: `CodeRewardFunc` (a GRPOTrainer reward function) and
  `HackAlertCallback` (stops or checkpoints on a confirmed hack alert);
- `proctor.integrations.verl`: `compute_score` and `compute_score_batch` for
  ``custom_reward_function``;
- `proctor.integrations.openrlhf`: `make_reward_func` for ``--remote_rm_url file.py``
  (``--reward.remote_url`` since OpenRLHF 0.10); the HTTP server is `proctor.serve`.

Docs: docs/trainers/trl.md, docs/trainers/verl.md, docs/trainers/openrlhf.md.
"""

__all__: list[str] = []
