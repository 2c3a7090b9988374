"""Generate jixiao/proto/ from proto/ (`make proto`), or check it is fresh (`--check`)."""

from __future__ import annotations

import filecmp
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_SRC = ROOT / "proto"
OUT = Path(__file__).resolve().parent / "proto"
# Generated modules import each other as `jixiao.events.v1...`; they live under `jixiao.proto`.
_IMPORT = re.compile(r"^(from|import) jixiao\.(events|snapshot|scoring)\b", re.MULTILINE)


def generate(dest: Path) -> None:
    """Run protoc over every .proto file and write the Python package into dest."""
    import grpc_tools
    from grpc_tools import protoc

    files = sorted(str(p.relative_to(PROTO_SRC)) for p in PROTO_SRC.rglob("*.proto"))
    include = Path(grpc_tools.__file__).parent / "_proto"
    with tempfile.TemporaryDirectory() as tmp:
        args = [
            "protoc",
            f"-I{PROTO_SRC}",
            f"-I{include}",
            f"--python_out={tmp}",
            f"--pyi_out={tmp}",
            f"--grpc_python_out={tmp}",
            *files,
        ]
        if protoc.main(args) != 0:
            raise SystemExit("protoc failed")
        generated = Path(tmp) / "jixiao"
        dest.mkdir(parents=True, exist_ok=True)
        for path in sorted(generated.rglob("*")):
            target = dest / path.relative_to(generated)
            if path.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            text = _IMPORT.sub(lambda m: f"{m.group(1)} jixiao.proto.{m.group(2)}", path.read_text())
            target.write_text(text)
        for folder in [dest, *(p for p in dest.rglob("*") if p.is_dir())]:
            if folder.name != "__pycache__":
                (folder / "__init__.py").touch()


def _same_tree(a: Path, b: Path) -> list[str]:
    def files(root: Path) -> set[str]:
        return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}

    fa, fb = files(a), files(b)
    diff = sorted(fa ^ fb)
    diff += [f for f in sorted(fa & fb) if not filecmp.cmp(a / f, b / f, shallow=False)]
    return diff


def main(argv: list[str]) -> int:
    if "--check" in argv:
        with tempfile.TemporaryDirectory() as tmp:
            generate(Path(tmp))
            stale = _same_tree(Path(tmp), OUT)
        if stale:
            print(f"error: jixiao/proto is stale (run `make proto`): {', '.join(stale)}", file=sys.stderr)
            return 1
        print("jixiao/proto is up to date")
        return 0
    shutil.rmtree(OUT, ignore_errors=True)
    generate(OUT)
    print(f"generated {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
