import pytest

from leam.pipelines.extract.decode import UndecodableError, decode_html

POLISH = "<html><head><meta charset='windows-1250'></head><body>Zażółć gęślą jaźń</body></html>"


def test_unknown_declared_charset_falls_back_to_utf8():
    text, charset = decode_html("Grüße aus Köln".encode(), "text/html; charset=x-no-such")
    assert text == "Grüße aus Köln" and charset == "utf-8"


def test_meta_charset_used_when_header_has_none():
    text, charset = decode_html(POLISH.encode("cp1250"), "text/html")
    assert "Zażółć gęślą jaźń" in text and charset == "cp1250"


def test_wrong_header_charset_is_not_trusted():
    # Declared UTF-8, really cp1250: the strict UTF-8 decoding fails, the meta tag wins.
    text, _ = decode_html(POLISH.encode("cp1250"), "text/html; charset=utf-8")
    assert "Zażółć gęślą jaźń" in text


def test_undeclared_legacy_encoding_is_detected():
    body = ("<p>" + "Příliš žluťoučký kůň úpěl ďábelské ódy. " * 20 + "</p>").encode("cp1250")
    text, _ = decode_html(body, "text/html")
    assert "žluťoučký kůň" in text


def test_bytes_no_charset_fits_raise():
    with pytest.raises(UndecodableError):
        decode_html(bytes(range(128, 256)) * 50 + b"\x81\x8d\x8f\x90\x9d" * 400, "text/html")
