"""The registry of sources: one slug names the spider, parser, replay site and fixture folder."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceSpec:
    slug: str
    spider: str
    title: str
    base_url: str
    fallback_base_url: str = ""
    # Extra `[sources.<slug>]` keys this source understands: name -> (type, default, help).
    extra_keys: dict[str, tuple[type, object, str]] = field(default_factory=dict)


SOURCES: dict[str, SourceSpec] = {}


def register(spec: SourceSpec) -> SourceSpec:
    SOURCES[spec.slug] = spec
    return spec


register(
    SourceSpec(
        slug="csrcfd",
        spider="csrcfd",
        title="CSRC tutoring list (辅导信息, eid.csrc.gov.cn/csrcfd)",
        base_url="http://eid.csrc.gov.cn",
        fallback_base_url="https://eid.csrc.gov.cn",
        extra_keys={
            "max_pages": (int, 0, "stop after this many pages in one run; 0 = no limit"),
            "full_sweep_hours": (
                float,
                24.0,
                "hours between full snapshot sweeps that catch status changes of old companies",
            ),
        },
    )
)
