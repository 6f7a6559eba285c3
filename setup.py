"""Package layout that pyproject.toml alone cannot say (metadata lives in pyproject.toml).

The replay data stays in tests/fixtures (tests and the replay share it) but is installed as the
data package `filingwatch_replay`, and config.example.toml (at the root, where users look) is
copied into the `filingwatch` package, so a wheel has both; scraper/resources.py finds them.
"""

from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py


class BuildPy(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib, "filingwatch", "config.example.toml")
        target.parent.mkdir(parents=True, exist_ok=True)
        self.copy_file("config.example.toml", str(target))


setup(
    packages=[
        *find_packages(include=["scraper*", "spiders*", "alerts*", "filingwatch", "filingwatch.*"]),
        "filingwatch_replay",
    ],
    package_dir={"filingwatch_replay": "tests/fixtures"},
    cmdclass={"build_py": BuildPy},
)
