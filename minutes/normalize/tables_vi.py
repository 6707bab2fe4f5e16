"""The Vietnamese tables the normaliser reads: number words, units, and the official spelling of agencies and titles.

Data, not logic: extend a table here (or, per meeting, with the `glossary` meta field) rather than adding a rule.
Capitalisation follows Decree 30/2020/NĐ-CP appendix II: every word naming the kind of body and its field is
capitalised ("Sở Thông tin và Truyền thông", "Bộ Kế hoạch và Đầu tư"), "nhân dân" in "Ủy ban nhân dân" is not, and a
title is capitalised when it stands before an agency or a person's name ("Phó Chủ tịch Ủy ban nhân dân tỉnh").
"""

from __future__ import annotations

# Digits as read aloud. "mốt", "lăm"/"nhăm" and "tư" are the forms a unit takes after "mươi" (21, 25, 24);
# "năm" is never 5 there ("hai mươi năm" is twenty years), so it is left out of UNITS_AFTER_TENS.
DIGITS: dict[str, int] = {
    "không": 0,
    "một": 1,
    "hai": 2,
    "ba": 3,
    "bốn": 4,
    "năm": 5,
    "sáu": 6,
    "bảy": 7,
    "bẩy": 7,
    "tám": 8,
    "chín": 9,
}
UNITS_AFTER_TEN: dict[str, int] = {  # after "mười": 11..19 ("mười năm" is ten years, "mười lăm" is 15)
    "một": 1,
    "hai": 2,
    "ba": 3,
    "bốn": 4,
    "tư": 4,
    "lăm": 5,
    "sáu": 6,
    "bảy": 7,
    "bẩy": 7,
    "tám": 8,
    "chín": 9,
}
UNITS_AFTER_TENS: dict[str, int] = {**UNITS_AFTER_TEN, "mốt": 1, "nhăm": 5}
# "hai mốt" (21), "ba lăm" (35): the spoken short form, only with these unambiguous units.
SHORT_TENS: dict[str, int] = {"mốt": 1, "lăm": 5, "nhăm": 5}
MONTH_WORDS: dict[str, int] = {"tư": 4, "giêng": 1}  # "tháng tư" (April), "tháng giêng" (January)
SCALES: dict[str, int] = {"nghìn": 1_000, "ngàn": 1_000, "triệu": 1_000_000, "tỷ": 1_000_000_000, "tỉ": 1_000_000_000}
ZERO_TENS = frozenset({"linh", "lẻ"})  # "một trăm linh năm" = 105

# A number word before one of these is a quantity worth writing in digits even when it is a single digit.
MONEY_UNITS = frozenset({"đồng", "usd", "đô", "euro", "yên"})
MEASURE_UNITS = frozenset(
    {
        "km",
        "ki-lô-mét",
        "cây",  # "cây số"
        "mét",
        "m",
        "m2",
        "m3",
        "cm",
        "mm",
        "ha",
        "héc-ta",
        "hecta",
        "kg",
        "ki-lô-gam",
        "tấn",
        "tạ",
        "lít",
        "độ",
        "kw",
        "kwh",
        "mw",
        "gb",
        "mb",
    }
)
TIME_UNITS = frozenset({"giờ", "phút", "giây", "ngày", "tuần", "tháng", "năm"})
# Counters: after one of these a number is a count, never a day or a month ("mỗi tháng hai lần").
COUNTERS = frozenset(
    {
        "lần",
        "bữa",
        "buổi",
        "người",
        "cái",
        "con",
        "chiếc",
        "vị",
        "đơn",
        "hồ",
        "thủ",
        "đợt",
        "cuộc",
        "phiên",
        "tiết",
        "ca",
        "xã",
        "huyện",
        "tỉnh",
        "điểm",
        "trường",
        "lớp",
        "phòng",
        "ban",
        "sở",
        "bộ",
    }
)
# After these a number names something (a day, a month, a room): digits, whatever its size.
NAMING_WORDS: dict[str, tuple[int, int]] = {
    "ngày": (1, 31),
    "mùng": (1, 10),
    "mồng": (1, 10),
    "tháng": (1, 12),
    "số": (0, 10**9),
    "tầng": (1, 200),
    "điều": (1, 1000),
    "khoản": (1, 100),
}
ROMAN_AFTER: dict[str, tuple[int, int]] = {"quý": (1, 4), "khóa": (1, 40), "khoá": (1, 40)}
ORDINAL_WORDS = ("nhất", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín")  # "thứ nhất" ... "thứ chín"
WEEKDAY_DIGITS: dict[str, str] = {"2": "Hai", "3": "Ba", "4": "Tư", "5": "Năm", "6": "Sáu", "7": "Bảy"}
WEEKDAY_WORDS: dict[str, str] = {"hai": "Hai", "ba": "Ba", "tư": "Tư", "năm": "Năm", "sáu": "Sáu", "bảy": "Bảy"}
# Words that make "thứ hai" a weekday: before it ("vào thứ hai") or after it ("thứ hai tuần sau", "thứ hai, ngày").
WEEKDAY_BEFORE = frozenset({"vào", "sáng", "chiều", "tối", "trưa", "mỗi", "hằng", "hàng"})
WEEKDAY_AFTER = frozenset({"tuần", "này", "tới", "vừa"})
# Fixed phrases whose number words stay words.
IDIOMS = ("mười phân vẹn mười", "mười mươi", "một chín một mười", "năm thì mười họa", "ba chân bốn cẳng")

# Digits Whisper writes where a word was said: "1 số" is "một số" (some), never "one number".
DIGIT_ONE_PHRASES = (
    "số",
    "cách",
    "chút",
    "vài",
    "mình",
    "trong những",
    "trong các",
    "trong số",
    "lúc",
    "phần",
    "khi",
    "lát",
    "khác",
)

# -- official spelling of agencies and titles ---------------------------------------------------------------------

FIELDS = (
    "Thông tin và Truyền thông",
    "Tài chính",
    "Kế hoạch và Đầu tư",
    "Nội vụ",
    "Tư pháp",
    "Y tế",
    "Giáo dục và Đào tạo",
    "Xây dựng",
    "Giao thông vận tải",
    "Tài nguyên và Môi trường",
    "Nông nghiệp và Phát triển nông thôn",
    "Nông nghiệp và Môi trường",
    "Công Thương",
    "Khoa học và Công nghệ",
    "Lao động - Thương binh và Xã hội",
    "Văn hóa, Thể thao và Du lịch",
    "Văn hóa và Thể thao",
    "Du lịch",
    "Ngoại vụ",
    "Dân tộc và Tôn giáo",
    "Quốc phòng",
    "Ngoại giao",
    "Kinh tế",
    "Tài chính - Kế hoạch",
    "Văn hóa và Thông tin",
    "Kinh tế, Hạ tầng và Đô thị",
    "Quản lý đô thị",
)
AGENCY_KINDS = ("Sở", "Bộ", "Phòng")
AGENCIES = (
    "Ủy ban nhân dân",
    "Hội đồng nhân dân",
    "Văn phòng Ủy ban nhân dân",
    "Văn phòng Hội đồng nhân dân",
    "Văn phòng Đoàn đại biểu Quốc hội và Hội đồng nhân dân",
    "Đoàn đại biểu Quốc hội",
    "Văn phòng Chính phủ",
    "Thủ tướng Chính phủ",
    "Chính phủ",
    "Quốc hội",
    "Ủy ban Mặt trận Tổ quốc Việt Nam",
    "Mặt trận Tổ quốc Việt Nam",
    "Tỉnh ủy",
    "Thành ủy",
    "Huyện ủy",
    "Đảng ủy",
    "Ban Thường vụ Tỉnh ủy",
    "Ban Chấp hành Trung ương",
    "Công an tỉnh",
    "Công an thành phố",
    "Bộ Chỉ huy Quân sự tỉnh",
    "Thanh tra tỉnh",
    "Thanh tra Chính phủ",
    "Kho bạc Nhà nước",
    "Ngân hàng Nhà nước Việt Nam",
    "Kiểm toán Nhà nước",
    "Cổng Dịch vụ công quốc gia",
    "Trung tâm Phục vụ hành chính công",
    "Bảo hiểm xã hội",
    "Ban Quản lý dự án",
    "Văn phòng Sở",
    "Văn phòng Bộ",
)
TITLES = (
    "Chủ tịch",
    "Phó Chủ tịch",
    "Giám đốc",
    "Phó Giám đốc",
    "Tổng Giám đốc",
    "Chánh Văn phòng",
    "Phó Chánh Văn phòng",
    "Chánh Thanh tra",
    "Phó Chánh Thanh tra",
    "Trưởng phòng",
    "Phó Trưởng phòng",
    "Trưởng ban",
    "Phó Trưởng ban",
    "Bí thư",
    "Phó Bí thư",
    "Thủ tướng",
    "Phó Thủ tướng",
    "Bộ trưởng",
    "Thứ trưởng",
    "Cục trưởng",
    "Phó Cục trưởng",
    "Vụ trưởng",
    "Phó Vụ trưởng",
    "Chủ nhiệm",
    "Phó Chủ nhiệm",
    "Hiệu trưởng",
    "Viện trưởng",
    "Tổng cục trưởng",
    "Trưởng Công an",
    "Chỉ huy trưởng",
)
# Provinces and centrally run cities (before and after the 2025 merger), capitalised after "tỉnh" / "thành phố".
PROVINCES = (
    "An Giang",
    "Bà Rịa - Vũng Tàu",
    "Bạc Liêu",
    "Bắc Giang",
    "Bắc Kạn",
    "Bắc Ninh",
    "Bến Tre",
    "Bình Dương",
    "Bình Định",
    "Bình Phước",
    "Bình Thuận",
    "Cà Mau",
    "Cao Bằng",
    "Cần Thơ",
    "Đà Nẵng",
    "Đắk Lắk",
    "Đắk Nông",
    "Điện Biên",
    "Đồng Nai",
    "Đồng Tháp",
    "Gia Lai",
    "Hà Giang",
    "Hà Nam",
    "Hà Nội",
    "Hà Tĩnh",
    "Hải Dương",
    "Hải Phòng",
    "Hậu Giang",
    "Hòa Bình",
    "Hồ Chí Minh",
    "Hưng Yên",
    "Huế",
    "Khánh Hòa",
    "Kiên Giang",
    "Kon Tum",
    "Lai Châu",
    "Lạng Sơn",
    "Lào Cai",
    "Lâm Đồng",
    "Long An",
    "Nam Định",
    "Nghệ An",
    "Ninh Bình",
    "Ninh Thuận",
    "Phú Thọ",
    "Phú Yên",
    "Quảng Bình",
    "Quảng Nam",
    "Quảng Ngãi",
    "Quảng Ninh",
    "Quảng Trị",
    "Sóc Trăng",
    "Sơn La",
    "Tây Ninh",
    "Thái Bình",
    "Thái Nguyên",
    "Thanh Hóa",
    "Thừa Thiên Huế",
    "Tiền Giang",
    "Trà Vinh",
    "Tuyên Quang",
    "Vĩnh Long",
    "Vĩnh Phúc",
    "Yên Bái",
)
ABBREVIATIONS: dict[str, str] = {"ubnd": "UBND", "hđnd": "HĐND", "mttq": "MTTQ", "cntt": "CNTT"}
# Courtesy words before a name, dropped when a name is compared or signed.
HONORIFICS = ("ông", "bà", "anh", "chị", "đồng chí", "đ/c", "mr", "mrs", "ms", "dr")
