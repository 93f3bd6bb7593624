"""What the user wants to run: batch, prompt and output lengths, GPUs, workload profile."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Profile(StrEnum):
    INTERACTIVE = "interactive"  # batch 1 chat: per-sequence decode speed (TPOT) matters
    SERVING = "serving"  # high-throughput serving: aggregate output tokens/s
    LONG_CONTEXT = "long_context"  # long prompts: prefill speed (TTFT) matters
    MEMORY_CONSTRAINED = "memory_constrained"  # smallest footprint that keeps quality
    FINETUNE_QLORA = "finetune_qlora"  # QLoRA-style fine-tuning on a quantized base


#: Defaults each profile applies when the user leaves batch / lengths out.
PROFILE_DEFAULTS: dict[Profile, dict[str, int]] = {
    Profile.INTERACTIVE: {"batch": 1, "input_len": 1024, "output_len": 256},
    Profile.SERVING: {"batch": 64, "input_len": 1024, "output_len": 256},
    Profile.LONG_CONTEXT: {"batch": 1, "input_len": 32768, "output_len": 512},
    Profile.MEMORY_CONSTRAINED: {"batch": 1, "input_len": 1024, "output_len": 256},
    Profile.FINETUNE_QLORA: {"batch": 4, "input_len": 2048, "output_len": 0},
}


@dataclass(frozen=True)
class Workload:
    batch: int = 1  # concurrent sequences
    input_len: int = 1024  # prompt tokens per sequence
    output_len: int = 256  # generated tokens per sequence
    gpus: int = 1  # tensor-parallel degree
    kv_format: str | None = None  # a kv_cache format id; None = 16-bit KV
    lora_rank: int = 16  # fine-tuning only
    prefix_len: int = 0  # tokens already in the KV cache before the prompt (llama-bench -d, a cached prefix)

    def __post_init__(self) -> None:
        if self.batch < 1 or self.gpus < 1:
            raise ValueError("batch and gpus must be >= 1")
        if self.input_len < 1 or self.output_len < 0:
            raise ValueError("input_len must be >= 1 and output_len >= 0")
        if self.prefix_len < 0:
            raise ValueError("prefix_len must be >= 0")

    @property
    def context_len(self) -> int:
        """Tokens each sequence holds in the KV cache at the end: cached prefix + prompt + output."""
        return self.prefix_len + self.input_len + self.output_len

    @classmethod
    def for_profile(cls, profile: Profile | str, **overrides) -> Workload:
        values = dict(PROFILE_DEFAULTS[Profile(profile)])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
