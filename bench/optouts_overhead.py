"""What the archived opt-out check costs extract, on real pages nobody in the project wrote.

    python bench/optouts_overhead.py /usr/share/doc --pages 400

Reads HTML files under the folder (Debian-packaged documentation, for instance), writes them
into a WARC file as responses of another crawler, a quarter of them carrying an opt-out
signal (tdm-reservation header, X-Robots-Tag noai, tdm-reservation meta tag, robots noai
meta tag, in turn), and runs extract over it in this process with `archived_optouts` on and
off (best of 3). Prints the CPU time per page of each, and of the check alone on the pages.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from leam.corpus.stage import Context
from leam.pipelines.extract.stage import ExtractParams, ExtractStage
from leam.pipelines.optouts.agents import load_policy
from leam.pipelines.optouts.archived import response_decision

SIGNALS = [
    ([("tdm-reservation", "1")], b""),
    ([("X-Robots-Tag", "noai")], b""),
    ([], b'<meta name="tdm-reservation" content="1">'),
    ([], b'<meta name="robots" content="noai">'),
]
CTYPE = "text/html; charset=utf-8"


def write_warc(pages: list[bytes], path: Path) -> int:
    """The pages as responses; every fourth carries a signal. Returns how many do."""
    signed = 0
    with path.open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        for i, body in enumerate(pages):
            headers, meta = [], b""
            if i % 4 == 0:
                headers, meta = SIGNALS[(i // 4) % len(SIGNALS)]
                signed += 1
            if meta:
                body = body.replace(b"</head>", meta + b"</head>", 1) if b"</head>" in body \
                    else meta + body
            http = StatusAndHeaders("200 OK", [("Content-Type", CTYPE), *headers],
                                    protocol="HTTP/1.1")
            record = writer.create_warc_record(f"https://docs.example/{i}.html", "response",
                                               payload=io.BytesIO(body), http_headers=http)
            writer.write_record(record)
    return signed


def extract_cpu(path: Path, archived: bool) -> tuple[float, int, int]:
    stage = ExtractStage(ExtractParams(fallback=False, archived_optouts=archived))
    stage.setup()
    best, kept, reserved = float("inf"), 0, 0
    for _ in range(3):
        ctx = Context("extract")
        start = time.process_time()
        kept = sum(1 for _ in stage.run(stage.read(str(path), ctx), ctx))
        best = min(best, time.process_time() - start)
        reserved = ctx.rejected.get("tdm_reservation", 0)
    return best, kept, reserved


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--pages", type=int, default=400)
    args = ap.parse_args()
    html = (p for p in args.folder.rglob("*.html") if p.is_file())
    files = sorted(p for p in html if p.stat().st_size > 2048)
    pages = [p.read_bytes() for p in files[: args.pages]]
    tokens = load_policy().tokens
    start = time.process_time()
    for body in pages:
        response_decision([("Content-Type", CTYPE)], body, CTYPE, tokens, None)
    check = time.process_time() - start
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pages.warc.gz"
        signed = write_warc(pages, path)
        on, kept_on, reserved = extract_cpu(path, True)
        off, kept_off, _ = extract_cpu(path, False)
    n = len(pages)
    print(f"{n} pages ({sum(map(len, pages)) / n / 1024:.1f} KiB on average), {signed} signed")
    print(f"check alone, unsigned pages: {check / n * 1e6:.1f} µs/page")
    print(f"extract, archived_optouts on : {on / n * 1e3:.2f} ms/page, kept {kept_on}, "
          f"reserved {reserved}")
    print(f"extract, archived_optouts off: {off / n * 1e3:.2f} ms/page, kept {kept_off}")


if __name__ == "__main__":
    main()
