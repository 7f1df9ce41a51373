"""Data Docs that render with no network: the CDN files GX's templates load, vendored.

Great Expectations' page templates load Bootstrap, jQuery, bootstrap-table, Font
Awesome, Vega and the GX logo from CDNs. On an isolated government network none of
them arrive and the index lists no validation runs (bootstrap-table draws it). Each
file is kept here from the npm package of the version the template names
(``dti/quality/data_docs_assets/<package>@<version>/<path>``, licences beside them);
after GX renders a site, every page's CDN address is pointed at the copy the site
carries under ``static/vendor/``.

``python -m dti.quality.offline_assets`` (needs npm) fetches the files again, e.g.
after a GX upgrade changes a template's versions.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ASSETS_DIR = Path(__file__).with_name("data_docs_assets")
SITE_VENDOR = Path("static") / "vendor"
# GX's top bar takes its logo from the vendor's bucket; the site has the same image.
LOGO_BUCKET = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"


@dataclass(frozen=True)
class Asset:
    url: str       # as written in GX's templates
    package: str   # npm package@version
    path: str      # file inside the package
    extra: tuple[str, ...] = ()  # folders the file refers to (fonts), copied with it

    @property
    def local(self) -> Path:
        return Path(self.package) / self.path


ASSETS: tuple[Asset, ...] = (
    Asset("https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css",
          "bootstrap@4.3.1", "dist/css/bootstrap.min.css"),
    Asset("https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js",
          "bootstrap@4.3.1", "dist/js/bootstrap.min.js"),
    Asset("https://code.jquery.com/jquery-3.7.1.min.js", "jquery@3.7.1", "dist/jquery.min.js"),
    Asset("https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js",
          "popper.js@1.12.9", "dist/umd/popper.min.js"),
    Asset("https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css",
          "bootstrap-table@1.19.1", "dist/bootstrap-table.min.css"),
    Asset("https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js",
          "bootstrap-table@1.19.1", "dist/bootstrap-table.min.js"),
    Asset("https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
          "bootstrap-table-filter-control.min.js",
          "bootstrap-table@1.19.1", "dist/extensions/filter-control/"
          "bootstrap-table-filter-control.min.js"),
    Asset("https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
          "bootstrap-table-filter-control.min.css",
          "bootstrap-table@1.19.0", "dist/extensions/filter-control/"
          "bootstrap-table-filter-control.min.css"),
    Asset("https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
          "bootstrap-table-filter-control.css",
          "bootstrap-table@1.19.0", "dist/extensions/filter-control/"
          "bootstrap-table-filter-control.css"),
    Asset("https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
          "bootstrap-datepicker.min.css",
          "bootstrap-datepicker@1.9.0", "dist/css/bootstrap-datepicker.min.css"),
    Asset("https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
          "bootstrap-datepicker.min.js",
          "bootstrap-datepicker@1.9.0", "dist/js/bootstrap-datepicker.min.js"),
    # The template names the unminified file; the minified one of the same release
    # has the same rules at a third of the size.
    Asset("https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
          "bootstrap-prefers-dark.css",
          "@forevolve/bootstrap-dark@1.1.0", "dist/css/bootstrap-prefers-dark.min.css"),
    Asset("https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css",
          "@fortawesome/fontawesome-free@6.6.0", "css/all.min.css", extra=("webfonts",)),
    # jsDelivr serves a major version's newest release; these are the ones fetched.
    Asset("https://cdn.jsdelivr.net/npm/vega@5", "vega@5.33.1", "build/vega.min.js"),
    Asset("https://cdn.jsdelivr.net/npm/vega-lite@5", "vega-lite@5.23.0",
          "build/vega-lite.min.js"),
    Asset("https://cdn.jsdelivr.net/npm/vega-embed@6", "vega-embed@6.29.0",
          "build/vega-embed.min.js"),
)

# Subresource-integrity attributes name the CDN copies; the local ones are ours.
_INTEGRITY = re.compile(r'\s+(?:integrity|crossorigin)="[^"]*"')
# GX's favicon link climbs one folder too few on validation pages.
_FAVICON = re.compile(r'href="[./]*static/images/favicon\.ico"')


def _relative(target: Path, page: Path) -> str:
    return Path(os.path.relpath(target, page.parent)).as_posix()


def localise_site(site: Path) -> int:
    """Copy the vendored files into ``site`` and point every page at them.

    Returns the number of pages rewritten."""
    vendor = site / SITE_VENDOR
    for asset in ASSETS:
        dest = vendor / asset.local
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ASSETS_DIR / asset.local, dest)
        for folder in asset.extra:
            source = ASSETS_DIR / asset.package / folder
            shutil.copytree(source, vendor / asset.package / folder, dirs_exist_ok=True)
    # Longest first: "vega-lite@5" must not be taken for "vega@5"'s prefix, and so on.
    ordered = sorted(ASSETS, key=lambda a: len(a.url), reverse=True)
    rewritten = 0
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        new = text
        for asset in ordered:
            new = new.replace(f'"{asset.url}"', f'"{_relative(vendor / asset.local, page)}"')
        new = new.replace(LOGO_BUCKET, _relative(site / "static" / "images", page) + "/")
        new = _INTEGRITY.sub("", new)
        favicon = _relative(site / "static" / "images" / "favicon.ico", page)
        new = _FAVICON.sub(f'href="{favicon}"', new)
        if new != text:
            page.write_text(new, encoding="utf-8")
            rewritten += 1
    return rewritten


def refresh(dest: Path = ASSETS_DIR) -> None:
    """Fetch every vendored file again from its npm package (needs npm)."""
    sources = ["# Vendored for offline Data Docs (dti/quality/offline_assets.py)", "",
               "| npm package | licence |", "| --- | --- |"]
    with tempfile.TemporaryDirectory() as tmp:
        for package in sorted({a.package for a in ASSETS}):
            out = subprocess.run(["npm", "pack", "--silent", package], cwd=tmp, check=True,
                                 capture_output=True, text=True).stdout.split()[-1]
            with tarfile.open(Path(tmp) / out) as tar:
                tar.extractall(Path(tmp) / package, filter="data")
            root = Path(tmp) / package / "package"
            wanted = [a for a in ASSETS if a.package == package]
            for name in ("LICENSE", "LICENSE.txt", "LICENSE.md"):
                if (root / name).exists():
                    (dest / package).mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(root / name, dest / package / "LICENSE")
                    break
            for asset in wanted:
                (dest / asset.local).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(root / asset.path, dest / asset.local)
                for folder in asset.extra:
                    for font in (root / folder).glob("*.woff2"):
                        (dest / package / folder).mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(font, dest / package / folder / font.name)
            licence = json.loads((root / "package.json").read_text())["license"]
            sources.append(f"| {package} | {licence} |")
            print(f"{package}: {len(wanted)} file(s)")
    (dest / "SOURCES.md").write_text("\n".join(sources) + "\n")


if __name__ == "__main__":
    refresh()
    sys.exit(0)
