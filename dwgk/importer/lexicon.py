"""The words of notices, declared once: numerals, dates, status words, markers and labels."""

from __future__ import annotations

import datetime as dt
import re

from ..model import STATUSES

DONE, ONGOING, LONGTERM = STATUSES

def valid_date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


# ----------------------------------------------------------------------------------------------
# Reading dates, numbers and statuses

CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
CN_DIGITS.update({"两": 2, "〇": 0})
CN_NUM = "一二三四五六七八九十"
NUM = r"(\d{1,3}|[一二三四五六七八九十两]{1,3})"


def read_number(text: str) -> int | None:
    """“17” or “十七” -> 17."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in CN_DIGITS and c != "十" for c in text):
        return None
    if "十" not in text:
        return CN_DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None
    return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[ones] if ones else 0)


DATE = r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
DATE_RE = re.compile(DATE)
TIME_RE = re.compile(r"(?<!\d)(\d{1,2})[:：](\d{2})(?:[:：]\d{2})?(?!\d)")
DATE_LINE = re.compile(rf"^(?:落款日期[：:])?{DATE}$")


def read_date(m: re.Match) -> dt.date | None:
    return valid_date(int(m[1]), int(m[2]), int(m[3]))


CN_DATE_LINE = re.compile(r"^([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日$")


def read_date_line(text: str) -> dt.date | None:
    """A line that is only a date: 2019年12月27日, 2019-12-27 or 二〇一九年十二月二十七日 (a signature)."""
    m = DATE_LINE.match(text)
    if m:
        return read_date(m)
    m = CN_DATE_LINE.match(text)
    if m:
        year = int("".join(str(CN_DIGITS.get(c, 0)) for c in m[1]))
        month, day = read_number(m[2]), read_number(m[3])
        return valid_date(year, month, day) if month and day else None
    return None


# The one status lexicon: (phrase, status, as a label, in wording). A label is a status written as
# such (“整改情况：已完成”, “（基本完成）”, a group head “正在整改的问题”); wording is a phrase inside an
# issue's measures that tells its status (“短时间内难以整改到位”). Labels are checked long-term
# first, then ongoing, then done, because “尚未完成” and “基本完成” contain “完成”; wording is
# reported in the order of this table.
STATUS_LEXICON = (
    ("需长期坚持", LONGTERM, True, True),
    ("长期坚持", LONGTERM, True, True),
    ("长期整改", LONGTERM, True, True),
    ("长期推进", LONGTERM, True, False),
    ("持续整改", LONGTERM, True, False),
    ("常抓不懈", LONGTERM, False, True),
    ("正在整改", ONGOING, True, True),
    ("难以整改到位", ONGOING, False, True),
    ("尚未整改到位", ONGOING, False, True),
    ("未能整改到位", ONGOING, False, True),
    ("尚未完成", ONGOING, True, True),
    ("正在推进", ONGOING, True, True),
    ("持续推进", ONGOING, False, True),
    ("整改中", ONGOING, True, True),
    ("未完成", ONGOING, True, False),
    ("尚未整改", ONGOING, True, False),
    ("未整改到位", ONGOING, True, False),
    ("推进中", ONGOING, True, False),
    ("基本完成", ONGOING, True, False),
    ("阶段性完成", ONGOING, True, False),
    ("部分完成", ONGOING, True, False),
    ("已整改完成", DONE, True, True),
    ("已完成整改", DONE, True, True),
    ("已整改到位", DONE, True, True),
    ("已整改完毕", DONE, True, True),
    ("整改完毕", DONE, True, True),
    ("已全部整改", DONE, True, True),
    ("已办结", DONE, True, True),
    ("已整改", DONE, True, False),
    ("已完成", DONE, True, False),
    ("整改完成", DONE, True, False),
    ("完成整改", DONE, True, False),
    ("已销号", DONE, True, False),
    ("已落实", DONE, True, False),
    ("全部完成", DONE, True, False),
    ("完成", DONE, True, False),
)
STATUS_ORDER = (LONGTERM, ONGOING, DONE)


def status_of_word(text: str) -> str | None:
    """The site's status for a status label, e.g. “基本完成” -> 整改中; None if it is none."""
    for status in STATUS_ORDER:
        if any(phrase in text for phrase, s, label, _ in STATUS_LEXICON if s == status and label):
            return status
    return None


def status_from_wording(paragraphs) -> tuple[set, list[str]]:
    found: set = set()
    words: list[str] = []
    for para in paragraphs:
        for status in STATUS_ORDER:
            for phrase in (p for p, s, _, wording in STATUS_LEXICON if s == status and wording):
                if phrase in para and not (status == ONGOING and phrase == "整改中" and "整改中的" in para):
                    if status == DONE and any(p in para for p in ("尚未", "未能", "难以")):
                        continue
                    found.add(status)
                    if phrase not in words:
                        words.append(phrase)
                    break
    return found, words


MARKERS = "主要做法|整改措施|整改情况|整改落实情况|整改举措|具体措施|采取的措施|整改成效|整改进展|落实情况"
# A category head that says what it is: “（一）反馈问题：……”.
CATEGORY_LABEL = re.compile(r"^(?:反馈问题|问题类别|问题类型|存在问题)\s*[：:]\s*")
# How a problem named by what is wrong ends (“结余药品使用不规范”).
PROBLEM_END = re.compile(r"(?:不到位|不规范|不够|不足|不严|不力|不强|不深|不实|不高|不全|不细|不及时|不健全|不完善|不明显|"
                         r"缺失|薄弱|滞后|欠缺|短板|弱化|淡化|虚化|缺位|有差距|存在差距)$")
DESCRIPTION_LABEL = re.compile(r"^[【\[（]?(?:问题表现|问题描述|具体表现|主要表现|存在问题|具体问题)[】\]）]?\s*[：:]")
MEASURE = re.compile(rf"^[【\[（]?(?:{MARKERS})(?:[】\]）]\s*[：:]?|\s*[：:]|\s*$)\s*(.*)$")
EXPLICIT_STATUS = re.compile(r"^[【\[（]?(?:整改)?(?:状态|进度|完成情况|进展情况)[】\]）]?\s*[：:]\s*(.{1,12})$")
TITLE_STATUS = re.compile(r"\s*[（(【\[]([^（）()【】\[\]]{2,8})[）)】\]]$")
CLOSING = re.compile(r"^(?:欢迎|下一步|特此通报|如有意见|如对|对巡察整改|今后，我们)")
CONTACT_LABELS = (
    ("phone", r"(?:联系|举报|监督|咨询|受理)?电话"),
    ("email", r"(?:电子)?(?:邮箱|信箱)|电子邮件|E-?mail|email"),
    ("address", r"(?:信件)?(?:邮寄|通信|通讯|来信|办公|联系)?地址"),
    ("postcode", r"邮政编码|邮编"),
)
CONTACT_ANY = "|".join(f"(?P<{k}>{p})" for k, p in CONTACT_LABELS)
CONTACT_LINE = re.compile(rf"^(?:(?:联系方式|联系人)\s*[：:]?\s*)?(?:{CONTACT_ANY})\s*(?:[：:]|(?=[\d(（+]))")
CONTACT_HEAD = re.compile(r"^联系方式\s*[：:]?$")
HEADER_LABELS = re.compile(r"(发布时间|发布日期|成文日期|时间|日期|来源|发布机构|作者|编辑|责任编辑|浏览次数|浏览|点击数|"
                            r"点击|阅读|访问量|字号|字体|分享|打印|关闭|【)")
# The head of a saved page: labels of the lines around the title.
SOURCE_LABELS = ("信息来源", "文章来源", "来源", "发布机构")  # best first
HEAD_LABEL = re.compile(r"^(?:信息索引号|索引号|文件名称|发布机构|成文日期|公开方式|发布时间|发布日期|信息来源|文章来源|来源|"
                        r"日期|时间|浏览次数|访问量|点击数|字号|字体大小|字体|分享)\s*[：:]")
HEAD_LABEL_ONLY = re.compile(HEAD_LABEL.pattern + r"$")
HEAD_BULLET = re.compile(r"^[•·●▪◆■*\-–]\s*")
CRUMB = re.compile(r">|›|»|当前位置|您的位置|所在位置")
TITLE_END = r"(通报|公告|公示|情况|报告)$"
# A unit's name standing alone beside the date (a source without its 来源 label).
UNIT_NAME = re.compile(r"[\u4e00-\u9fff（）()\d]{2,24}(?:委员会|委|局|办公室|办|中心|院|部|厅|处|所|街道|办事处|镇|乡|"
                       r"党组|党支部|党总支|机关|政府|公司|学校|大学|医院|社区|村|组)")


# The inspecting team, most specific form first: 区委第三巡察组, 市委巡察二组, 省委巡视七组, 工委第一巡察组,
# 委党组巡察组, 县委巡察组.
_BODY = r"(?:[省市州县区旗盟]委|党工委|工委|党委|党组|中央)"
TEAM_FORMS = (
    re.compile(rf"{_BODY}?第[{CN_NUM}\d]+轮?(?:巡察|巡视)组"),
    re.compile(rf"{_BODY}(?:巡察|巡视)[{CN_NUM}\d]+组"),
    re.compile(r"(?:[省市州县区旗盟]委|中央)(?:[^，。；、\d]{0,6}?)(?:巡察|巡视)组"),
)
# An inspection round: 十四届区委第三轮巡察, 区委第三轮巡察, 十一届市委第三轮巡视.
ROUND = re.compile(rf"(?:[{CN_NUM}]{{1,3}}届)?(?:[省市州县区旗盟]委|党委|党工委)第[{CN_NUM}\d]{{1,3}}轮(?:常规|专项)?(?:巡察|巡视)")
ROUND_BODY = re.compile(rf"([省市州县区旗盟]委|党委|党工委)第[{CN_NUM}\d]{{1,3}}轮(?:常规|专项)?(?:巡察|巡视)$")
# Where a sentence ends and a contact detail begins on the same line (“……进行监督。联系电话：……”).
CONTACT_SPLIT = re.compile(r"(?<=[。！])\s*(?=(?:联系|举报|监督|咨询)?电话[：:]|(?:电子)?(?:邮箱|信箱)[：:]|联系方式[：:])")
