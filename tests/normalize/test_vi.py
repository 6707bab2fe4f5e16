"""Vietnamese numbers in written form: a table of phrasings as people say them in meetings (dates, times, money,
percentages, ordinals, decimals with a comma, counts), what must stay words, and Whisper's digits said as words."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from minutes.normalize import normalize_text
from minutes.normalize.vi import amount, numbers, roman

DATES = [
    ("ngày mười lăm tháng mười hai", "ngày 15 tháng 12"),
    ("ngày mười lăm tháng mười hai năm hai nghìn không trăm hai mươi sáu", "ngày 15 tháng 12 năm 2026"),
    ("ngày ba mươi tháng tư năm hai nghìn không trăm hai mươi sáu", "ngày 30 tháng 4 năm 2026"),
    ("ngày mồng một tháng năm", "ngày mồng 1 tháng 5"),
    ("mùng hai tháng chín", "mùng 2 tháng 9"),
    ("ngày hai mươi mốt tháng mười một", "ngày 21 tháng 11"),
    ("ngày ba mốt tháng mười hai", "ngày 31 tháng 12"),
    ("trước ngày hai mươi lăm tháng sáu", "trước ngày 25 tháng 6"),
    ("ngày năm tháng ba", "ngày 5 tháng 3"),
    ("ngày mười tháng mười", "ngày 10 tháng 10"),
    ("ngày hai mươi tư tháng hai", "ngày 24 tháng 2"),
    ("trong tháng mười hai này", "trong tháng 12 này"),
    ("tháng mười một năm nay", "tháng 11 năm nay"),
    ("tháng hai năm sau", "tháng 2 năm sau"),
    ("năm hai nghìn không trăm hai mươi lăm", "năm 2025"),
    ("năm hai nghìn hai mươi sáu", "năm 2026"),
    ("năm hai không hai sáu", "năm 2026"),
    ("năm một nghìn chín trăm bảy mươi lăm", "năm 1975"),
    ("từ ngày mười tháng ba đến ngày hai mươi tháng ba", "từ ngày 10 tháng 3 đến ngày 20 tháng 3"),
    ("Ngày mười hai tháng mười, Sở đã họp", "Ngày 12 tháng 10, Sở đã họp"),
]
TIMES = [
    ("chín giờ ba mươi", "9 giờ 30"),
    ("chín giờ ba mươi phút", "9 giờ 30 phút"),
    ("lúc tám giờ", "lúc 8 giờ"),
    ("chín giờ rưỡi", "9 giờ 30"),
    ("mười bốn giờ", "14 giờ"),
    ("mười bốn giờ mười lăm", "14 giờ 15"),
    ("bảy giờ năm phút", "7 giờ 5 phút"),
    ("hai giờ chiều", "2 giờ chiều"),
    ("mười một giờ bốn mươi lăm phút", "11 giờ 45 phút"),
    ("mười sáu giờ ba mươi ngày mai", "16 giờ 30 ngày mai"),
    ("họp lúc 9h30", "họp lúc 9 giờ 30"),
    ("từ 8h đến 11h", "từ 8 giờ đến 11 giờ"),
    ("sáu giờ sáng", "6 giờ sáng"),
    ("hai mươi giờ", "20 giờ"),
    ("kết thúc lúc mười giờ hai mươi", "kết thúc lúc 10 giờ 20"),
]
MONEY = [
    ("hai tỷ bốn trăm triệu đồng", "2,4 tỷ đồng"),
    ("năm trăm triệu đồng", "500 triệu đồng"),
    ("năm trăm nghìn đồng", "500.000 đồng"),
    ("một tỷ hai trăm năm mươi triệu đồng", "1,25 tỷ đồng"),
    ("ba tỷ đồng", "3 tỷ đồng"),
    ("một trăm hai mươi nghìn đồng", "120.000 đồng"),
    ("hai triệu rưỡi đồng", "2,5 triệu đồng"),
    ("ba trăm năm mươi triệu", "350 triệu"),
    ("một nghìn tỷ đồng", "1.000 tỷ đồng"),
    ("mười lăm tỷ đồng", "15 tỷ đồng"),
    ("hai tỷ không trăm năm mươi triệu đồng", "2,05 tỷ đồng"),
    ("bốn mươi lăm triệu đồng", "45 triệu đồng"),
    ("hai trăm ngàn đồng", "200.000 đồng"),
    ("tổng kinh phí mười hai tỷ bảy trăm triệu đồng", "tổng kinh phí 12,7 tỷ đồng"),
    ("ba triệu hai", "3,2 triệu"),
    ("2 tỷ 400 triệu đồng", "2,4 tỷ đồng"),
    ("một triệu đồng", "1 triệu đồng"),
    ("năm mươi nghìn đô", "50.000 đô"),
    ("bảy trăm tỉ đồng", "700 tỷ đồng"),
    ("hai trăm nghìn tỷ đồng", "200.000 tỷ đồng"),
]
PERCENT = [
    ("năm mươi phần trăm", "50%"),
    ("đạt tám mươi lăm phần trăm kế hoạch", "đạt 85% kế hoạch"),
    ("hai phẩy năm phần trăm", "2,5%"),
    ("một phần trăm", "1%"),
    ("trăm phần trăm", "100%"),
    ("một trăm phần trăm", "100%"),
    ("tăng mười hai phần trăm", "tăng 12%"),
    ("ba mươi phần trăm", "30%"),
    ("50 phần trăm", "50%"),
    ("chín mươi chín phẩy chín phần trăm", "99,9%"),
    ("không phẩy năm phần trăm", "0,5%"),
    ("sáu phần trăm", "6%"),
]
DECIMALS = [
    ("hai phẩy năm", "2,5"),
    ("không phẩy không năm", "0,05"),
    ("ba phẩy mười lăm", "3,15"),
    ("mười hai phẩy bảy lăm", "12,75"),
    ("một phẩy hai", "1,2"),
    ("hai phẩy năm tỷ đồng", "2,5 tỷ đồng"),
    ("bốn phẩy tám triệu người", "4,8 triệu người"),
    ("chỉ số đạt bảy phẩy năm điểm", "chỉ số đạt 7,5 điểm"),
]
ORDINALS = [
    ("lần thứ mười lăm", "lần thứ 15"),
    ("kỳ họp thứ mười hai", "kỳ họp thứ 12"),
    ("Quốc hội khóa mười lăm", "Quốc hội khóa XV"),
    ("quý một", "quý I"),
    ("quý hai năm nay", "quý II năm nay"),
    ("quý ba", "quý III"),
    ("quý tư", "quý IV"),
    ("quý bốn năm hai nghìn không trăm hai mươi sáu", "quý IV năm 2026"),
    ("Hội đồng nhân dân khoá mười", "Hội đồng nhân dân khoá X"),
    ("vào thứ hai tuần sau", "vào thứ Hai tuần sau"),
    ("thứ sáu tuần này", "thứ Sáu tuần này"),
    ("sáng thứ bảy", "sáng thứ Bảy"),
    ("thứ ba, ngày mười tháng ba", "thứ Ba, ngày 10 tháng 3"),
    ("họp vào chủ nhật", "họp vào Chủ nhật"),
    ("vào thứ ba và thứ năm", "vào thứ Ba và thứ Năm"),
    ("làm việc từ thứ hai đến thứ sáu", "làm việc từ thứ Hai đến thứ Sáu"),
    ("thứ 2 tuần sau", "thứ Hai tuần sau"),
    ("lần thứ 2", "lần thứ hai"),
    ("Thứ 2, cần bổ sung kinh phí", "Thứ hai, cần bổ sung kinh phí"),
    ("thứ 1 là", "thứ nhất là"),
    ("phiên thứ hai mươi", "phiên thứ 20"),
    ("phòng họp số hai", "phòng họp số 2"),
    ("tầng mười hai", "tầng 12"),
    ("điều năm", "điều 5"),
]
COUNTS = [
    ("có mười hai người vắng mặt", "có 12 người vắng mặt"),
    ("ba mươi lăm km", "35 km"),
    ("hai trăm năm mươi hồ sơ", "250 hồ sơ"),
    ("một trăm linh năm hồ sơ", "105 hồ sơ"),
    ("một trăm lẻ tám thủ tục", "108 thủ tục"),
    ("hai nghìn ba trăm", "2.300"),
    ("hai nghìn hai mươi người", "2.020 người"),
    ("mười lăm ngày làm việc", "15 ngày làm việc"),
    ("trong ba ngày", "trong 3 ngày"),
    ("từ ba đến sáu tháng", "từ 3 đến 6 tháng"),
    ("hai mươi năm qua", "20 năm qua"),
    ("năm năm", "5 năm"),
    ("hai trăm năm", "200 năm"),
    ("mười người", "10 người"),
    ("ba héc-ta", "3 héc-ta"),
    ("bốn tấn", "4 tấn"),
    ("hai mươi mốt xã", "21 xã"),
    ("ba lăm người", "35 người"),
    ("mười hai thủ tục còn lại", "12 thủ tục còn lại"),
    ("ba trăm hai", "320"),
    ("hai nghìn ba", "2.300"),
    ("chín mươi chín", "99"),
    ("một trăm", "100"),
    ("bảy mươi", "70"),
    ("hai mươi tư giờ", "24 giờ"),
]
UNCHANGED = [
    "một số ý kiến cho rằng",
    "làm một cách nghiêm túc",
    "một trong những nhiệm vụ",
    "có ba người vắng mặt",
    "hai đơn vị",
    "ngày một tăng",
    "mười phân vẹn mười",
    "quận Ba Đình",
    "phố Hai Bà Trưng",
    "mỗi tháng hai lần",
    "thứ hai nữa là giá rất đắt",
    "lần thứ hai",
    "thứ nhất là khi ngủ",
    "ba mẹ",
    "không có ý kiến",
    "số không đúng",
    "hai ba người",
    "năm nay",
    "hàng trăm hồ sơ",
    "bây giờ",
    "bao giờ xong",
    "một ngày nào đó",
    "tư nhân",
    "hai tiếng rưỡi",
]
CASES = [*DATES, *TIMES, *MONEY, *PERCENT, *DECIMALS, *ORDINALS, *COUNTS]


def test_the_table_is_large() -> None:
    assert len(CASES) >= 100
    assert len(UNCHANGED) >= 20


@pytest.mark.parametrize(("said", "written"), CASES, ids=[c[0] for c in CASES])
def test_said_becomes_written(said: str, written: str) -> None:
    assert numbers(said) == written


@pytest.mark.parametrize("text", UNCHANGED)
def test_words_that_are_no_numbers_stay(text: str) -> None:
    assert numbers(text) == text


@pytest.mark.parametrize(
    ("digits", "word"),
    [("1 số", "một số"), ("1 cách", "một cách"), ("1 trong những", "một trong những"), ("1 chút", "một chút")],
)
def test_whisper_digits_said_as_words(digits: str, word: str) -> None:
    assert numbers(f"cần {digits} thời gian") == f"cần {word} thời gian"
    assert numbers(f"{digits} thời gian") == f"{word[:1].upper()}{word[1:]} thời gian"


def test_written_form_is_stable() -> None:
    """Normalising written text again changes nothing: the exporters may see a text twice."""
    for _, written in CASES:
        assert numbers(written) == written


def test_punctuation_and_spacing_are_kept() -> None:
    text = "Giao Sở Tài chính bố trí hai tỷ bốn trăm triệu đồng, hoàn thành trước ngày ba mươi tháng sáu.\n  Xong."
    assert numbers(text) == "Giao Sở Tài chính bố trí 2,4 tỷ đồng, hoàn thành trước ngày 30 tháng 6.\n  Xong."
    # a number never runs across punctuation
    assert numbers("hai, ba người") == "hai, ba người"


def test_amount_and_roman_formats() -> None:
    from minutes.normalize.vi import _Number

    assert amount(_Number(Decimal(1_234_500_000), 0, 0, 1_000_000_000, True)) == "1.234,5 triệu"
    assert amount(_Number(Decimal(1_234_567_891), 0, 0, 1_000_000_000, True)) == "1.234.567.891"
    assert [roman(n) for n in (1, 4, 9, 14, 15, 39)] == ["I", "IV", "IX", "XIV", "XV", "XXXIX"]


def test_real_speech_changes_only_numbers(data) -> None:
    """The Vietnamese medical talks of ../shared/data/minutes (lower-case ASR-style, no punctuation, ~2,000 words):
    every change the number pass makes puts digits in, and the phrasings that are no numbers there ("một cái quá
    trình", "thứ hai nữa là", "một trong những") stay as they are."""
    changed = 0
    for n in range(5):
        turns = json.loads((data / "minutes" / "data" / f"vi_vietmedsum_dev_{n:02d}.transcript.json").read_text())
        text = " ".join(t["text"] for t in turns)
        out = numbers(text)
        before, after = text.split(), out.split()
        for word in set(after) - set(before):
            assert re.search(r"\d", word), word
            changed += 1
        for kept in ("một cái quá trình", "thứ hai nữa là", "một trong những", "một cách"):
            assert text.count(kept) == out.count(kept)
    assert "từ 3 đến 6 tháng" in normalize_text("chúng ta phải sử dụng kéo dài từ ba đến sáu tháng", "vi")
    assert changed >= 1


def test_any_mix_of_number_words_and_punctuation_is_safe() -> None:
    """Random word soup from the tables (and Whisper's digits): never an exception, never a word lost."""
    import random

    from minutes.normalize import tables_vi as T

    vocab = [*T.DIGITS, *T.SCALES, "mười", "mươi", "trăm", "linh", "rưỡi", "phẩy", "phần", "giờ", "phút", "ngày"]
    vocab += ["tháng", "năm", "quý", "khóa", "thứ", "chủ", "nhật", "số", "đồng", "người", "lần", "mốt", "lăm", "tư"]
    vocab += [",", ".", "1", "15", "9h30", "%", "-", "đến", "Hai", "Sở", "tài", "chính", "\n"]
    rng = random.Random(0)
    for _ in range(3000):
        text = " ".join(rng.choice(vocab) for _ in range(rng.randint(1, 12)))
        out = normalize_text(text, "vi")
        assert isinstance(out, str) and out.count("\n") == text.count("\n")
        # words are merged into digits, never invented (only "9h30" grows, into "9 giờ 30")
        assert len(out.split()) <= len(text.split()) + 2 * text.count("9h30")
