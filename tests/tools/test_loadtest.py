"""The load benchmark's server runs with the production settings it is told to, nothing of the caller's."""

from pathlib import Path

from tools.loadtest.__main__ import parse_args, server_environment


def test_the_server_keeps_list_pages_in_the_cache_unless_told_not_to(tmp_path: Path):
    assert server_environment(parse_args([]), 8000, tmp_path)["ACCESS_CACHE_PAGES"] == "1"
    assert server_environment(parse_args(["--no-page-cache"]), 8000, tmp_path)["ACCESS_CACHE_PAGES"] == "0"
