"""Fuse the judge scores a trainer already has into one reward, with a model
exported by `rewardfuse export model.json -o model.onnx`: no Node process, no
HTTP hop. Needs only the standard library, numpy and onnxruntime.

    from fused_reward import FusedReward
    fuse = FusedReward("model.onnx")
    fuse([{"judge-a": 0.3, "judge-b": 7.1}, {"judge-a": -1.2}])["reward"]

verl (custom_reward_function.path=examples/onnx/fused_reward.py,
custom_reward_function.name=compute_score, REWARDFUSE_ONNX=model.onnx): each
row's extra_info["judge_scores"] holds {judge: score}; compute_score_batch is
the same for verl's batch reward manager.

TRL (GRPOTrainer(reward_funcs=[trl_reward("model.onnx")], ...)): the dataset's
"judge_scores" column, or judge functions of your own, give the scores.

A judge that gave no score is left out (or None, or NaN): the model handles it
as `rewardfuse score` does. The numbers equal `rewardfuse score`'s.
"""

import json
import math
import os
import warnings

import numpy as np
import onnxruntime as ort


class FusedReward:
    """An exported rewardfuse model: judge scores in, reward, uncertainty and conservative out."""

    def __init__(self, path, providers=("CPUExecutionProvider",)):
        self.session = ort.InferenceSession(path, providers=list(providers))
        meta = self.session.get_modelmeta().custom_metadata_map
        if "rewardfuse.models" not in meta:
            raise ValueError(f"{path}: not a model exported by rewardfuse (no rewardfuse.models metadata)")
        self.judges = json.loads(meta["rewardfuse.models"])
        self.features = json.loads(meta.get("rewardfuse.features", "[]"))
        self.outputs = [o.name for o in self.session.get_outputs()]
        self._warned = set()

    def matrix(self, rows, names):
        """rows of {name: value} as float32 (N, len(names)), NaN where absent."""
        index = {n: k for k, n in enumerate(names)}
        x = np.full((len(rows), len(names)), np.nan, dtype=np.float32)
        for i, row in enumerate(rows):
            for name, value in (row or {}).items():
                k = index.get(name)
                if k is None:
                    if name not in self._warned:
                        self._warned.add(name)
                        warnings.warn(f"rewardfuse: {name!r} is not one of the model's judges or features: not used")
                    continue
                if value is not None and not (isinstance(value, float) and math.isnan(value)):
                    x[i, k] = float(value)
        return x

    def __call__(self, rows, features=None):
        """rows: a list of {judge: score}; features: a list of {feature: value} (models trained with features)."""
        feeds = {"scores": self.matrix(rows, self.judges)}
        if self.features:
            feeds["features"] = self.matrix(features or [{} for _ in rows], self.features)
        return dict(zip(self.outputs, self.session.run(self.outputs, feeds)))


# ---- verl: custom_reward_function ----

_loaded = {}


def _model(path=None):
    path = path or os.environ.get("REWARDFUSE_ONNX")
    if not path:
        raise ValueError("rewardfuse: set REWARDFUSE_ONNX to the exported model (rewardfuse export model.json -o model.onnx)")
    if path not in _loaded:
        _loaded[path] = FusedReward(path)
    return _loaded[path]


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """verl's per-row reward: the fused reward of extra_info["judge_scores"], with its uncertainty."""
    return compute_score_batch([data_source], [solution_str], [ground_truth], [extra_info], **kwargs)[0]


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos, **kwargs):
    """verl's batch reward manager: one run of the model for the whole batch."""
    rows = [(e or {}).get("judge_scores") or {} for e in extra_infos]
    feats = [(e or {}).get("features") or {} for e in extra_infos]
    out = _model(kwargs.get("onnx_path"))(rows, feats)
    return [
        {"score": float(out["reward"][i]), "uncertainty": float(out["uncertainty"][i]), "conservative": float(out["conservative"][i])}
        for i in range(len(rows))
    ]


# ---- TRL: a reward function for GRPOTrainer (and the other online trainers) ----


def trl_reward(path, judges=None, column="judge_scores", output="reward"):
    """A TRL reward function, reward(prompts, completions, **columns) -> list[float].

    judges: {name: fn(prompts=..., completions=..., **columns) -> list[float]} (the
    trainer's own judges); without them, the dataset column `column` holds each
    row's {judge: score}. output: "reward", or "conservative" (reward − λ·uncertainty).
    """
    fused = FusedReward(path)

    def rewardfuse(prompts=None, completions=None, **columns):
        if judges:
            per = {name: fn(prompts=prompts, completions=completions, **columns) for name, fn in judges.items()}
            rows = [{name: s[i] for name, s in per.items()} for i in range(len(completions))]
        else:
            rows = columns[column]
        return [float(r) for r in fused(rows, columns.get("features"))[output]]

    return rewardfuse


if __name__ == "__main__":
    # python fused_reward.py model.onnx '[{"judge-a": 0.3}]': one JSON line a row, as `rewardfuse score` prints
    import sys

    if len(sys.argv) != 3:
        sys.exit("usage: fused_reward.py model.onnx '[{\"judge\": score, ...}, ...]'")
    fuse = FusedReward(sys.argv[1])
    rows = json.loads(sys.argv[2])
    out = fuse(rows)
    for i in range(len(rows)):
        line = {k: float(out[k][i]) for k in ("reward", "uncertainty", "conservative")}
        if "weights" in out:
            line["weights"] = {j: float(w) for j, w in zip(fuse.judges, out["weights"][i])}
        print(json.dumps(line))
