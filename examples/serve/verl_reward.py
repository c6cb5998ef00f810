"""verl: the fused reward of a `rewardfuse serve` server as a custom reward function.

    custom_reward_function.path=examples/serve/verl_reward.py
    custom_reward_function.name=compute_score          # naive reward manager: one sample a call
    # or, one request a batch:
    reward_model.reward_manager=batch custom_reward_function.name=compute_score_batch

verl passes the decoded response as `solution_str`, but not the prompt: put it in
each row's `extra_info["prompt"]` when you build the parquet (or the chat
template's text of it, if your reward models read that). Standard library only.
Every call returns the same keys, because verl gathers each key into a column.
Set REWARDFUSE_URL (default http://127.0.0.1:5000) and REWARDFUSE_TOKEN if the
server has one.
"""

import json
import os
import time
import urllib.request

URL = os.environ.get("REWARDFUSE_URL", "http://127.0.0.1:5000").rstrip("/") + "/v1/fuse"
TOKEN = os.environ.get("REWARDFUSE_TOKEN")
# the server answers within its own deadline (30 s by default); wait a little longer
TIMEOUT = float(os.environ.get("REWARDFUSE_TIMEOUT", "60"))
FALLBACK = float(os.environ.get("REWARDFUSE_FALLBACK", "0"))


def _post(body, tries=3):
    data = json.dumps(body).encode()
    headers = {"content-type": "application/json"}
    if TOKEN:
        headers["authorization"] = "Bearer " + TOKEN
    for attempt in range(tries):
        try:
            req = urllib.request.Request(URL, data=data, headers=headers, method="POST")
            with urllib.request.urlopen(req, timeout=TIMEOUT) as res:
                return json.load(res)
        except urllib.error.HTTPError as e:
            if e.code < 500:  # our request is wrong: retrying will not help
                raise RuntimeError(f"rewardfuse: {e.code} {e.read().decode(errors='replace')}") from None
        except OSError:
            pass
        time.sleep(0.5 * 2**attempt)
    raise RuntimeError(f"rewardfuse: no answer from {URL} after {tries} tries")


def _row(result):
    """One result of /v1/fuse as verl's score dict (unscored: the fallback, degraded)."""
    scored = result["reward"] is not None
    return {
        "score": result["reward"] if scored else FALLBACK,
        "uncertainty": result["uncertainty"] if scored else 0.0,
        "models_missing": float(len(result["missing"])),
        "degraded": 0.0 if result["status"] == "ok" else 1.0,
    }


def _prompt(extra_info):
    return (extra_info or {}).get("prompt", "")


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    answer = _post({"samples": [{"prompt": _prompt(extra_info), "response": solution_str}]})
    return _row(answer["results"][0])


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos, **kwargs):
    samples = [{"prompt": _prompt(e), "response": s} for s, e in zip(solution_strs, extra_infos)]
    return [_row(r) for r in _post({"samples": samples})["results"]]
