"""A configured target: a target analysed in one configuration, with the providers its rule
returned and the actions it declared."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple, Type, TypeVar

from bfbuild.analysis.actions import Action
from bfbuild.analysis.configuration import Configuration
from bfbuild.analysis.providers import DefaultInfo
from bfbuild.labels import Label
from bfbuild.loading.targets import Target

P = TypeVar("P")


@dataclass
class ConfiguredTarget:
    label: Label
    config: Configuration
    providers: List[object]
    actions: List[Action]
    deps: List["ConfiguredTarget"] = field(default_factory=list)
    target: Optional[Target] = None

    def get(self, kind: Type[P]) -> Optional[P]:
        for provider in self.providers:
            if isinstance(provider, kind):
                return provider
        return None

    def files(self) -> Tuple[str, ...]:
        info = self.get(DefaultInfo)
        return info.files if info else ()

    def __str__(self) -> str:
        return f"{self.label} ({self.config.name})"
