"""connlint.source: columns in characters from ast's UTF-8 byte offsets."""

from __future__ import annotations

import ast

from connlint.source import char_column


def test_ascii_lines_count_bytes_as_characters():
    assert char_column(["x = connect()"], 1, 4) == 4


def test_non_ascii_lines_count_characters():
    line = "ñame = 'é'; conn = connect()"
    node = ast.parse(line).body[1].value
    assert char_column([line], 1, node.col_offset) == line.index("connect")
    assert char_column([line], 1, node.end_col_offset) == len(line)


def test_a_line_outside_the_text_keeps_the_offset():
    assert char_column([], 3, 7) == 7
    assert char_column(["é"], 0, 2) == 2
