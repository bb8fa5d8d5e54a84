"""A text PDF turned into what a scanner gives: each page rendered at 200 dpi, with mild noise
and a slight skew, saved as an image-only PDF (no text layer). Used by the OCR tests and the
ingest benchmark."""

from __future__ import annotations

from pathlib import Path

import numpy as np

SCAN_DPI = 200


def scan_like(
    source: Path, target: Path, dpi: int = SCAN_DPI, skew_degrees: float = 1.0, seed: int = 7
) -> int:
    """Write an image-only copy of the PDF `source` to `target`; returns the page count."""
    import pypdfium2 as pdfium
    from PIL import Image

    rng = np.random.default_rng(seed)
    document = pdfium.PdfDocument(str(source))
    images = []
    try:
        for page in document:
            image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            image = image.rotate(skew_degrees, resample=Image.BICUBIC, fillcolor=255)
            images.append(_noisy(image, rng))
    finally:
        document.close()
    images[0].save(target, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return len(images)


def _noisy(image, rng: np.random.Generator):
    """Grain (gaussian, sigma 12 grey levels) and a sprinkle of dark specks, as a scan has."""
    from PIL import Image

    pixels = np.asarray(image, dtype=np.float32)
    pixels = pixels + rng.normal(0.0, 12.0, pixels.shape)
    specks = rng.random(pixels.shape) < 0.0005
    pixels[specks] = 0.0
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="L")
