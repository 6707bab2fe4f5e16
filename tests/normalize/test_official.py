"""Agencies, titles and provinces spelt as official documents spell them (Decree 30/2020, appendix II)."""

from __future__ import annotations

import pytest

from minutes.normalize import normalize_text
from minutes.normalize.official import capitalise

CASES = [
    ("giao sở thông tin và truyền thông chủ trì", "giao Sở Thông tin và Truyền thông chủ trì"),
    ("Sở Thông tin và truyền thông", "Sở Thông tin và Truyền thông"),
    ("sở kế hoạch và đầu tư", "Sở Kế hoạch và Đầu tư"),
    ("sở lao động thương binh và xã hội", "Sở Lao động - Thương binh và Xã hội"),
    ("bộ văn hoá thể thao và du lịch", "Bộ Văn hóa, Thể thao và Du lịch"),
    ("sở công thương", "Sở Công Thương"),
    ("uỷ ban nhân dân tỉnh lâm đồng", "Ủy ban nhân dân tỉnh Lâm Đồng"),
    ("văn phòng ủy ban nhân dân tỉnh", "Văn phòng Ủy ban nhân dân tỉnh"),
    ("theo chỉ đạo của thủ tướng chính phủ", "theo chỉ đạo của Thủ tướng Chính phủ"),
    ("phó chủ tịch ủy ban nhân dân tỉnh quảng nam", "Phó Chủ tịch Ủy ban nhân dân tỉnh Quảng Nam"),
    ("giám đốc Nguyễn Văn A phát biểu", "Giám đốc Nguyễn Văn A phát biểu"),
    ("chánh văn phòng Trần Thị B", "Chánh Văn phòng Trần Thị B"),
    ("báo cáo ubnd tỉnh", "báo cáo UBND tỉnh"),
    ("thành phố hồ chí minh", "thành phố Hồ Chí Minh"),
    ("tỉnh ủy thừa thiên huế", "Tỉnh ủy thừa thiên huế"),
    ("lên cổng dịch vụ công quốc gia", "lên Cổng Dịch vụ công quốc gia"),
]
UNCHANGED = [
    "các giám đốc sở đã dự",  # a title with no name or agency after it
    "bộ phận một cửa",  # "bộ" is no ministry here
    "SỞ TÀI CHÍNH",  # a heading in capitals stays
    "phòng họp số 2",
    "nhân dân trong tỉnh",
]


@pytest.mark.parametrize(("heard", "official"), CASES)
def test_official_spelling(heard: str, official: str) -> None:
    assert capitalise(heard) == official


@pytest.mark.parametrize("text", UNCHANGED)
def test_other_words_stay(text: str) -> None:
    assert capitalise(text) == text


def test_the_glossary_extends_the_table() -> None:
    assert capitalise("giao trung tâm dữ liệu tỉnh", ["Trung tâm Dữ liệu tỉnh"]) == "giao Trung tâm Dữ liệu tỉnh"
    assert capitalise("giao trung tâm dữ liệu tỉnh") == "giao trung tâm dữ liệu tỉnh"
    assert normalize_text("the minutes app team", "en", glossary=["Minutes App"]) == "the Minutes App team"


def test_numbers_and_names_together() -> None:
    text = "giao sở tài chính bố trí hai tỷ đồng trước ngày mười lăm tháng mười hai"
    assert normalize_text(text, "vi") == "giao Sở Tài chính bố trí 2 tỷ đồng trước ngày 15 tháng 12"
