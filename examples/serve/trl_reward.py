"""TRL: the fused reward of a `rewardfuse serve` server as an async GRPO reward function.

    from trl import GRPOConfig, GRPOTrainer
    from trl_reward import fused_reward
    trainer = GRPOTrainer(model=..., reward_funcs=[fused_reward], args=GRPOConfig(...), train_dataset=...)

GRPOTrainer awaits `async def` reward functions side by side with the others.
It calls them with prompts=, completions= (strings, or for conversational
data lists of {"role", "content"} messages) and the dataset's other columns.
An item the server could not score (below its quorum of models) is None:
TRL leaves it out of that reward function's sum, rather than counting a zero.
Standard library only: the blocking HTTP call runs in a thread.
Set REWARDFUSE_URL (default http://127.0.0.1:5000) and REWARDFUSE_TOKEN if the
server has one.
"""

import asyncio
import json
import os
import urllib.request

URL = os.environ.get("REWARDFUSE_URL", "http://127.0.0.1:5000").rstrip("/") + "/v1/fuse"
TOKEN = os.environ.get("REWARDFUSE_TOKEN")
TIMEOUT = float(os.environ.get("REWARDFUSE_TIMEOUT", "60"))


def _text(x):
    """A plain string, or the messages' text (the last message's, for a completion)."""
    if isinstance(x, str):
        return x
    return "".join(m.get("content") or "" for m in x)


def _post(samples):
    headers = {"content-type": "application/json"}
    if TOKEN:
        headers["authorization"] = "Bearer " + TOKEN
    req = urllib.request.Request(URL, data=json.dumps({"samples": samples}).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=TIMEOUT) as res:
        return json.load(res)["results"]


async def fused_reward(prompts, completions, **kwargs):
    samples = [{"prompt": _text(p), "response": _text(c)} for p, c in zip(prompts, completions)]
    results = await asyncio.to_thread(_post, samples)
    return [r["reward"] for r in results]  # None where unscored


if __name__ == "__main__":
    # a smoke test against a running server
    print(asyncio.run(fused_reward(["What is 2+2?"], [" 4."])))
