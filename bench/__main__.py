"""Run every benchmark module in bench/ (html, documents, harvest, browser, sweep) in turn."""
import importlib
import pkgutil
import sys

import bench

ORDER = ("html", "documents", "harvest", "browser", "sweep")


def main(argv: list[str]) -> None:
    wanted = argv or [m for m in ORDER] + sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if m.name not in ORDER and not m.name.startswith("_"))
    for name in wanted:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bench.{name}":
                continue
            raise
        print(f"== {name} ==", flush=True)
        module.run()


if __name__ == "__main__":
    main(sys.argv[1:])
