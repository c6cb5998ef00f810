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
as `rewardfuse score` does. The numbers equal `rewardfuse score`'s, and what
`score` refuses is refused here too, with a ValueError naming the row: a name
that is not one of the model's judges (unless ignore_unknown=True), a score
that is not a finite number (±inf, a string, a bool, beyond float32), and a
row with no usable judge (none of the model's judges scored it, or only judges
of weight 0 in a BMA model). With fallback=x such a row gets reward x instead
(and uncertainty 0), flagged in the "unscored" output, as `rewardfuse serve`'s
--fallback-reward does: a trainer's run need not stop on it.
"""

import json
import math
import os
import warnings

import numpy as np
import onnxruntime as ort


FLOAT32_MAX = float(np.finfo(np.float32).max)


class FusedReward:
    """An exported rewardfuse model: judge scores in, reward, uncertainty and conservative out."""

    def __init__(self, path, providers=("CPUExecutionProvider",), ignore_unknown=False, fallback=None):
        self.session = ort.InferenceSession(path, providers=list(providers))
        meta = self.session.get_modelmeta().custom_metadata_map
        if "rewardfuse.models" not in meta:
            raise ValueError(f"{path}: not a model exported by rewardfuse (no rewardfuse.models metadata)")
        self.judges = json.loads(meta["rewardfuse.models"])
        self.features = json.loads(meta.get("rewardfuse.features", "[]"))
        self.outputs = [o.name for o in self.session.get_outputs()]
        self.ignore_unknown = ignore_unknown
        if fallback is not None and (isinstance(fallback, bool) or not (isinstance(fallback, (int, float)) and math.isfinite(fallback))):
            raise ValueError(f"rewardfuse: fallback must be a finite number or None, got {fallback!r}")
        self.fallback = fallback
        self._warned = set()

    def matrix(self, rows, names, what):
        """rows of {name: value} as float32 (N, len(names)), NaN where absent (missing, None or NaN)."""
        index = {n: k for k, n in enumerate(names)}
        x = np.full((len(rows), len(names)), np.nan, dtype=np.float32)
        for i, row in enumerate(rows):
            if row is not None and not isinstance(row, dict):
                raise ValueError(f"rewardfuse: row {i}: {what} must be a dict of name: number, got {type(row).__name__}")
            for name, value in (row or {}).items():
                k = index.get(name)
                if k is None:
                    if not self.ignore_unknown:
                        raise ValueError(f"rewardfuse: row {i}: {name!r} is not one of the model's {what} ({', '.join(names) or 'none'}); pass ignore_unknown=True to leave it out")
                    if name not in self._warned:
                        self._warned.add(name)
                        warnings.warn(f"rewardfuse: {name!r} is not one of the model's {what}: not used")
                    continue
                if value is None:
                    continue
                if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                    raise ValueError(f"rewardfuse: row {i}: {what[:-1]} {name!r}: expected a number, got {value!r}")
                try:
                    v = float(value)
                except OverflowError:  # an int beyond any float
                    v = math.inf
                if math.isnan(v):
                    continue
                if not abs(v) <= FLOAT32_MAX:
                    raise ValueError(f"rewardfuse: row {i}: {what[:-1]} {name!r}: expected a finite float32 number, got {value!r}")
                x[i, k] = v
        return x

    def __call__(self, rows, features=None):
        """rows: a list of {judge: score}; features: a list of {feature: value} (models trained with features).

        Returns {output: array}: reward, uncertainty, conservative [N] (weights [N, K] for
        gated nets and BMA), and unscored [N] (bool: the rows given the fallback).
        """
        scores = self.matrix(rows, self.judges, "judges")
        feeds = {"scores": scores}
        if self.features:
            feeds["features"] = self.matrix(features or [{} for _ in rows], self.features, "features")
        out = dict(zip(self.outputs, self.session.run(self.outputs, feeds)))
        # no usable judge: none of the model's judges scored the row, or (BMA) only judges of weight 0
        unscored = ~np.any(~np.isnan(scores), axis=1)
        if "weights" in out:
            unscored |= out["weights"].sum(axis=1) == 0
        for i in np.flatnonzero(unscored):
            if self.fallback is None:
                present = [j for j, v in zip(self.judges, scores[i]) if not math.isnan(v)]
                why = f"only judges of weight 0 in this model scored it ({', '.join(present)})" if present else f"none of the model's judges ({', '.join(self.judges)}) scored it"
                raise ValueError(f"rewardfuse: row {i}: no usable judge: {why}; pass fallback=<reward> to give such rows a fixed reward")
            out["reward"][i] = out["conservative"][i] = self.fallback
            out["uncertainty"][i] = 0
        for i in np.flatnonzero(~(np.isfinite(out["reward"]) & np.isfinite(out["conservative"]))):
            raise ValueError(f"rewardfuse: row {i}: the fused reward is not a finite number (the model's parameters or these scores are too large)")
        out["unscored"] = unscored
        return out


# ---- verl: custom_reward_function ----

_loaded = {}


def _model(path=None, fallback=None, ignore_unknown=False):
    path = path or os.environ.get("REWARDFUSE_ONNX")
    if not path:
        raise ValueError("rewardfuse: set REWARDFUSE_ONNX to the exported model (rewardfuse export model.json -o model.onnx)")
    key = (path, fallback, ignore_unknown)
    if key not in _loaded:
        _loaded[key] = FusedReward(path, fallback=fallback, ignore_unknown=ignore_unknown)
    return _loaded[key]


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """verl's per-row reward: the fused reward of extra_info["judge_scores"], with its uncertainty."""
    return compute_score_batch([data_source], [solution_str], [ground_truth], [extra_info], **kwargs)[0]


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos, **kwargs):
    """verl's batch reward manager: one run of the model for the whole batch.

    kwargs (custom_reward_function.reward_kwargs): onnx_path, fallback, ignore_unknown (see FusedReward).
    """
    rows = [(e or {}).get("judge_scores") or {} for e in extra_infos]
    feats = [(e or {}).get("features") or {} for e in extra_infos]
    out = _model(kwargs.get("onnx_path"), kwargs.get("fallback"), kwargs.get("ignore_unknown", False))(rows, feats)
    return [
        {"score": float(out["reward"][i]), "uncertainty": float(out["uncertainty"][i]), "conservative": float(out["conservative"][i]), "unscored": bool(out["unscored"][i])}
        for i in range(len(rows))
    ]


# ---- TRL: a reward function for GRPOTrainer (and the other online trainers) ----


def trl_reward(path, judges=None, column="judge_scores", output="reward", fallback=None, ignore_unknown=False):
    """A TRL reward function, reward(prompts, completions, **columns) -> list[float].

    judges: {name: fn(prompts=..., completions=..., **columns) -> list[float]} (the
    trainer's own judges); without them, the dataset column `column` holds each
    row's {judge: score}. output: "reward", or "conservative" (reward − λ·uncertainty).
    fallback, ignore_unknown: see FusedReward.
    """
    if output not in ("reward", "conservative"):
        raise ValueError(f"rewardfuse: output must be 'reward' or 'conservative', got {output!r}")
    fused = FusedReward(path, fallback=fallback, ignore_unknown=ignore_unknown)

    def rewardfuse(prompts=None, completions=None, **columns):
        if judges:
            per = {name: fn(prompts=prompts, completions=completions, **columns) for name, fn in judges.items()}
            rows = [{name: s[i] for name, s in per.items()} for i in range(len(completions))]
        elif column in columns:
            rows = columns[column]
        else:
            raise ValueError(f"rewardfuse: no {column!r} column in the dataset (columns: {', '.join(columns) or 'none'}) and no judges given")
        return [float(r) for r in fused(rows, columns.get("features"))[output]]

    return rewardfuse


if __name__ == "__main__":
    # python fused_reward.py model.onnx '[{"judge-a": 0.3}]': one JSON line a row, as `rewardfuse score` prints
    import sys

    if len(sys.argv) != 3:
        sys.exit("usage: fused_reward.py model.onnx '[{\"judge\": score, ...}, ...]'")
    try:
        fuse = FusedReward(sys.argv[1])
        rows = json.loads(sys.argv[2])
        if not isinstance(rows, list):
            raise ValueError("rewardfuse: the rows must be a JSON list of {judge: score}")
        out = fuse(rows)
    except ValueError as e:  # json.JSONDecodeError is one
        sys.exit(str(e))
    for i in range(len(rows)):
        line = {k: float(out[k][i]) for k in ("reward", "uncertainty", "conservative")}
        if "weights" in out:
            line["weights"] = {j: float(w) for j, w in zip(fuse.judges, out["weights"][i])}
        print(json.dumps(line))
