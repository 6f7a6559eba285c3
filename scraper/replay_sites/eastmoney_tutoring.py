"""Replay of Eastmoney datacenter `GET /api/data/v1/get?reportName=RPT_IPO_TUTRECORD&pageNumber=N`."""

from __future__ import annotations

from pathlib import Path

from scraper.replay import ReplayRequest, ReplayResponse

PATH = "/api/data/v1/get"


class EastmoneyTutoringSite:
    name = "eastmoney_tutoring"

    def __init__(self, fixtures_dir: Path):
        self.dir = Path(fixtures_dir) / "eastmoney_tutoring"

    def handle(self, request: ReplayRequest) -> ReplayResponse | None:
        if request.path != PATH or request.arg("reportName") != "RPT_IPO_TUTRECORD":
            return None
        page = int(request.arg("pageNumber") or 1)
        path = self.dir / f"tutrecord_{page}.json"
        body = (path if path.exists() else self.dir / "empty.json").read_bytes()
        return ReplayResponse(body=body, content_type="application/javascript; charset=utf-8")

    def empty(self, request: ReplayRequest) -> ReplayResponse:
        return ReplayResponse(body=(self.dir / "empty.json").read_bytes(),
                              content_type="application/json")  # fmt: skip


def make_site(fixtures_dir: Path) -> EastmoneyTutoringSite:
    return EastmoneyTutoringSite(fixtures_dir)
