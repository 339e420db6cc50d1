"""Trainer adapters: proctor's rewards with each trainer's exact calling convention.

Import the module for your trainer; none of them imports the trainer itself.

- `proctor.integrations.trl`: `CodeRewardFunc` (a GRPOTrainer reward function) and
  `HackAlertCallback` (stops or checkpoints on a confirmed hack alert);
- `proctor.integrations.verl`: `compute_score` for verl 0.9's
  ``reward.custom_reward_function`` (`compute_score_batch` for verl ≤ 0.8's batch
  manager);
- `proctor.integrations.openrlhf`: `make_reward_func` for ``--reward.remote_url file.py``
  (one-sample calls pooled back into GRPO groups with ``group_size``); the HTTP
  server is `proctor.serve`.

Tested through each trainer's own code (TRL 1.16.0, verl 0.9.1, OpenRLHF 0.11.2):
``bash scripts/test-trainers.sh``. Docs: docs/trainers/README.md and one page per
trainer.
"""

__all__: list[str] = []
