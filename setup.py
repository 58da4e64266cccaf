"""Packaging hook, everything else is in pyproject.toml.

The staff FAQ stays at the repository root (faq.yaml, where staff and the README expect it), outside the
`knowledge` package. An installed wheel must still carry it as the read-only shipped default beside the
procedures, lexicon and sectors, so build_py copies it to knowledge/faq.yaml in the build tree. The
checkout is not touched, and an editable install keeps reading the root file (knowledge/content.py).
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

FAQ = Path(__file__).resolve().parent / "faq.yaml"


class BuildPyWithFaq(build_py):
    def _faq_target(self) -> Path:
        return Path(self.build_lib) / "knowledge" / "faq.yaml"

    def run(self) -> None:
        super().run()
        if not getattr(self, "editable_mode", False):
            self.copy_file(str(FAQ), str(self._faq_target()))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if getattr(self, "editable_mode", False):
            return outputs
        return [*outputs, str(self._faq_target())]


setup(cmdclass={"build_py": BuildPyWithFaq})
