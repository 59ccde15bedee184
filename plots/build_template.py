"""Write plots/offline.html: DVC's HTML template with Vega, Vega-Lite and Vega-Embed inlined, so plots open offline.

DVC's default page loads the three libraries from a CDN and is blank without a network. The
libraries come from their npm packages (BSD-3-Clause; the licences are kept beside the template;
vega's package ships no LICENSE file, so LICENSE-vega is the one in the vega repository):

    npm pack vega@5.33.1 vega-lite@5.23.0 vega-embed@6.29.0
    for f in *.tgz; do mkdir -p "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}" --strip-components 1; done
    python plots/build_template.py vega-5.33.1 vega-lite-5.23.0 vega-embed-6.29.0

`.dvc/config` points `plots.html_template` at the result; `{plot_divs}` is where DVC puts the plots.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TEMPLATE = Path(__file__).with_name("offline.html")
LIBRARIES = {"vega": "build/vega.min.js", "vega-lite": "build/vega-lite.min.js", "vega-embed": "build/vega-embed.min.js"}


def page(packages: dict[str, Path]) -> str:
    scripts = []
    for name, build in LIBRARIES.items():
        package = packages[name]
        meta = json.loads((package / "package.json").read_text())
        if meta["name"] != name or meta["license"] != "BSD-3-Clause":
            raise SystemExit(f"error: {package} is {meta['name']} under {meta['license']}, expected {name} under BSD-3-Clause")
        code = (package / build).read_text(encoding="utf-8")
        if "</script" in code.lower():
            raise SystemExit(f"error: {package / build} contains '</script', which would end the inline script early")
        scripts.append(f"<!-- {name} {meta['version']}, BSD-3-Clause: see plots/LICENSE-{name} -->\n<script>{code}</script>")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            "<html>",
            "<head>",
            '<meta charset="utf-8">',
            "<title>honest-forecast plots</title>",
            *scripts,
            "<style>table { border-spacing: 15px; }</style>",
            "</head>",
            "<body>",
            "{plot_divs}",
            "</body>",
            "</html>",
            "",
        ]
    )


def main() -> None:
    packages = {json.loads((Path(arg) / "package.json").read_text())["name"]: Path(arg) for arg in sys.argv[1:]}
    missing = sorted(set(LIBRARIES) - set(packages))
    if missing:
        raise SystemExit(f"error: no package directory given for {', '.join(missing)}")
    TEMPLATE.write_text(page(packages), encoding="utf-8")
    print(f"wrote {TEMPLATE} ({TEMPLATE.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
