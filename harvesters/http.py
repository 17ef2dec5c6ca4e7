"""Downloading a source's file: streamed to a temporary file, with timeouts, bounded retries
with exponential backoff, redirects followed, HTML error pages and oversized bodies refused."""
from __future__ import annotations

import os
import tempfile
import time

import requests

from ckanext.datong.harvesters.base import SourceError

DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 2
DEFAULT_BACKOFF = 1.0
DEFAULT_MAX_BYTES = 1024**3
CHUNK = 64 * 1024
USER_AGENT = "datong-harvester/1.0"
HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body")


class FetchError(SourceError):
    """The source could not be downloaded as data; the message says why in Chinese."""


def looks_like_html(prefix: bytes) -> bool:
    """Whether the first bytes of a body are an HTML page."""
    head = prefix.lstrip(b"\xef\xbb\xbf \t\r\n").lower()[:512]
    return head.startswith(HTML_MARKERS) or (head.startswith(b"<!--") and b"<html" in head)


def fetch(url: str, *, timeout: float = DEFAULT_TIMEOUT, retries: int = DEFAULT_RETRIES,
          backoff: float = DEFAULT_BACKOFF, max_bytes: int = DEFAULT_MAX_BYTES,
          headers: dict[str, str] | None = None) -> str:
    """Download `url` into a temporary file and return its path (the caller removes it).

    Connection errors, timeouts and 5xx answers are retried `retries` times, waiting
    backoff, 2·backoff, 4·backoff … seconds; other failures raise FetchError at once."""
    if not url.lower().startswith(("http://", "https://")):
        raise FetchError(f"来源地址“{url}”不是 http(s) 网址")
    attempt = 0
    while True:
        try:
            return _download(url, timeout, max_bytes, headers or {})
        except _Retryable as error:
            if attempt >= retries:
                raise FetchError(f"{error}（已重试 {retries} 次）") from error
            time.sleep(backoff * 2**attempt)
            attempt += 1


class _Retryable(Exception):
    """A transient failure worth another attempt."""


def _download(url: str, timeout: float, max_bytes: int, headers: dict[str, str]) -> str:
    try:
        response = requests.get(url, stream=True, timeout=timeout, allow_redirects=True,
                                headers={"User-Agent": USER_AGENT, **headers})
    except requests.Timeout as error:
        raise _Retryable(f"来源“{url}”在 {timeout:g} 秒内没有响应") from error
    except requests.TooManyRedirects as error:
        raise FetchError(f"来源“{url}”重定向次数过多") from error
    except requests.ConnectionError as error:
        raise _Retryable(f"无法连接来源“{url}”") from error
    except requests.RequestException as error:
        raise FetchError(f"无法读取来源“{url}”：{error}") from error
    with response:
        if response.status_code >= 500:
            raise _Retryable(f"来源“{url}”返回服务器错误 {response.status_code}")
        if response.status_code >= 400:
            raise FetchError(f"来源“{url}”返回错误 {response.status_code}")
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(f"来源“{url}”的文件大小 {int(declared)} 字节超过上限 {max_bytes} 字节")
        handle, path = tempfile.mkstemp(prefix="datong-harvest-")
        size = 0
        try:
            with os.fdopen(handle, "wb") as target:
                for chunk in response.iter_content(CHUNK):
                    if size == 0 and looks_like_html(chunk):
                        raise FetchError(f"来源“{url}”返回的是网页（HTML）而不是数据文件，可能是错误页或登录页")
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(f"来源“{url}”的文件超过上限 {max_bytes} 字节")
                    target.write(chunk)
        except requests.RequestException as error:
            os.unlink(path)
            if isinstance(error, (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)):
                raise _Retryable(f"来源“{url}”的传输中断或超时，收到的文件不完整") from error
            raise FetchError(f"来源“{url}”的传输出错：{error}") from error
        except BaseException:
            os.unlink(path)
            raise
        if size and declared and declared.isdigit() and size < int(declared):
            os.unlink(path)
            raise _Retryable(f"来源“{url}”的文件不完整（收到 {size} 字节，应为 {declared} 字节）")
        if size == 0:
            os.unlink(path)
            raise FetchError(f"来源“{url}”返回的文件为空")
        return path


def options(config: dict) -> dict:
    """fetch() keyword arguments from a source config's timeout/retries/max_bytes."""
    return {
        "timeout": float(config.get("timeout", DEFAULT_TIMEOUT)),
        "retries": int(config.get("retries", DEFAULT_RETRIES)),
        "backoff": float(config.get("backoff", DEFAULT_BACKOFF)),
        "max_bytes": int(config.get("max_bytes", DEFAULT_MAX_BYTES)),
    }
