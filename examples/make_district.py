"""Write the district example (examples/district/): a fictional district's inspection office
publishing three inspection rounds of twelve units, about 200 problems, statuses mixed.

    python examples/make_district.py [DEST]       (default: examples/district beside this script)

Deterministic: the same folder every run (a fixed seed, no dates from the clock). Everything in it
is fictional: units named 示例区…, phone numbers 0199-…, addresses @example.gov.cn.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

SITE_YML = """\
# 网站设置：区委巡察办的巡察整改公开网站。各被巡察单位的反馈联系写在 单位/ 中各自的文件里。
网站名称: 示例区巡察整改情况公开
主办单位: 中共示例区委巡察工作领导小组办公室
反馈联系:
  电话: 0199-80000000
  邮箱: xunchaban@example.gov.cn
  地址: 示例区示例大道1号区委巡察办
  邮政编码: "999001"
网站地址: https://www.example.gov.cn/xuncha/
# 全文搜索：开启时每页页头有搜索框，搜索页可按被巡察单位、巡察轮次和整改状态筛选（可写：开启、关闭）。
全文搜索: 开启
"""

#: (file stem, 名称, 简称)
UNITS = (
    ("minzhengju", "示例区民政局", "民政局"),
    ("caizhengju", "示例区财政局", "财政局"),
    ("jiaoyuju", "示例区教育局", "教育局"),
    ("weijianju", "示例区卫生健康局", "卫健局"),
    ("zhujianju", "示例区住房和城乡建设局", "住建局"),
    ("rongmeiti", "示例区融媒体中心", "融媒体中心"),
    ("wenlvju", "示例区文化和旅游局", "文旅局"),
    ("shijianju", "示例区市场监督管理局", "市场监管局"),
    ("nongyeju", "示例区农业农村局", "农业农村局"),
    ("shiyan-jiedao", "示例区实验街道办事处", "实验街道"),
    ("donghu-jiedao", "示例区东湖街道办事处", "东湖街道"),
    ("xishan-zhen", "示例区西山镇人民政府", "西山镇"),
)

#: (file stem, 名称, 巡察开始, 巡察结束, 反馈, 通报发布, units by index, unit indexes inspected again)
ROUNDS = (
    ("14-1", "十四届区委第一轮巡察", dt.date(2022, 3, 7), dt.date(2022, 5, 13), dt.date(2022, 7, 8),
     dt.datetime(2022, 11, 4, 10, 0), (0, 1, 2, 3)),
    ("14-2", "十四届区委第二轮巡察", dt.date(2022, 9, 5), dt.date(2022, 11, 11), dt.date(2023, 1, 6),
     dt.datetime(2023, 5, 9, 15, 30), (4, 5, 6, 7)),
    ("14-3", "十四届区委第三轮巡察", dt.date(2023, 3, 6), dt.date(2023, 5, 12), dt.date(2023, 7, 7),
     dt.datetime(2023, 11, 10, 9, 0), (8, 9, 10, 11, 0, 3)),  # 民政局 and 卫健局 again (“回头看”)
)

CATEGORIES = (
    "在坚持党的领导方面",
    "在加强党的建设方面",
    "在落实全面从严治党方面",
    "在党风廉政建设和反腐败工作方面",
    "在干部担当作为与选人用人方面",
    "在落实意识形态工作责任制方面",
    "在整改落实上轮巡察反馈问题方面",
)

TOPICS = (
    "贯彻落实上级重大决策部署不够及时", "党组理论学习中心组学习流于形式", "民主集中制执行不到位",
    "“三重一大”事项集体决策程序不规范", "基层党组织“三会一课”开展不经常", "党员发展程序不严谨",
    "意识形态阵地管理存在薄弱环节", "主体责任压力传导层层递减", "监督执纪“四种形态”运用不充分",
    "公务接待管理不规范", "公务用车使用登记不完整", "专项资金拨付不及时", "政府采购程序执行不严格",
    "合同管理制度不健全", "固定资产账实不符", "干部教育培训针对性不强", "干部档案管理不规范",
    "年轻干部培养使用力度不够", "上轮巡察反馈问题整改不彻底", "为民服务事项办理时限过长",
    "惠民政策宣传不到位", "安全生产隐患排查不深入", "项目建设监管不到位", "信访件办理质量不高",
)

MEASURES = (
    "召开专题会议，逐条研究问题成因，明确责任领导、责任科室和完成时限",
    "修订完善相关制度，明确工作流程和审批权限，做到有章可循",
    "组织全体干部职工开展专题学习，提高思想认识",
    "建立工作台账，实行销号管理，每月通报进展情况",
    "对照问题开展全面自查，对发现的同类问题一并整改",
    "邀请区纪委监委派驻纪检监察组全程参与监督",
    "对相关责任人进行提醒谈话，督促其认真履职",
    "将整改落实情况纳入年度考核，作为评先评优的重要依据",
    "开展“回头看”，对已整改事项逐项复核，防止问题反弹",
    "完善内部监督机制，由办公室每季度开展一次抽查",
    "对历史遗留问题分类处置，能解决的立即解决，一时难以解决的制定计划逐步解决",
    "加强与区直相关部门沟通协调，形成整改合力",
)

ORDINALS = "一二三四五六七八"
DEPARTMENTS = ("办公室", "组织人事科", "财务科", "综合科", "业务科", "机关党委")


def unit_yml(stem: str, name: str, short: str, number: int) -> str:
    return (f"名称: {name}\n简称: {short}\n反馈联系:\n  电话: 0199-8{number:02d}{number * 37 % 100:02d}{number:03d}\n"
            f"  邮箱: {stem.replace('-', '')}@example.gov.cn\n  地址: 示例区示例路{number}号{name}\n"
            f"  邮政编码: \"9990{number:02d}\"\n")


def notice_md(name: str, round_name: str, start: dt.date, end: dt.date, feedback: dt.date,
              published: dt.datetime, categories: tuple[str, ...], stated: dict) -> str:
    cats = "".join(f"  - {c}\n" for c in categories)
    figures = "".join(f"  {k}: {v}\n" for k, v in stated.items())
    return (
        f"---\n标题: {name}关于{round_name}反馈意见整改落实情况的通报\n发布单位: {name}\n"
        f"发布时间: {published:%Y-%m-%d %H:%M}\n来源: {name}\n落款日期: {published:%Y-%m-%d}\n"
        f"被巡察单位: {name}\n巡察轮次: {round_name}\n"
        f"巡察:\n  巡察组: 区委第{'一二三四'[published.month % 4]}巡察组\n  开始日期: {start}\n  结束日期: {end}\n"
        f"  反馈日期: {feedback}\n类别:\n{cats}公布数字:\n{figures}---\n"
        f"根据区委统一部署，{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日，"
        f"区委巡察组对{name}开展了{round_name}。{feedback.year}年{feedback.month}月{feedback.day}日，"
        "巡察组向我单位反馈了巡察意见。我单位党组高度重视，逐条研究、逐项落实。目前，巡察反馈的"
        "{{类别数}}大类{{问题总数}}项问题中，已完成整改{{已完成}}项，正在整改{{整改中}}项，"
        "需长期坚持{{长期坚持}}项。现将整改情况予以公布。\n\n"
        "## 一、整改工作的组织开展情况\n\n"
        "成立由主要负责同志任组长的巡察整改工作领导小组，制定整改方案，建立问题、任务、责任三张清单，"
        "做到每个问题有人抓、有人管、有人落实。\n\n"
        "## 二、巡察反馈问题的整改落实情况\n\n{{问题清单}}\n\n"
        "## 三、下一步工作打算\n\n"
        "对已完成整改的问题，适时开展“回头看”，巩固整改成果；对正在整改和需要长期坚持的问题，"
        "紧盯不放、持续用力，确保整改到位。\n\n"
        "欢迎广大干部群众对巡察整改落实情况进行监督。如有意见建议，请通过本页所列的联系方式向我们反映。\n")


def issue_md(rng: random.Random, number: int, category: str, status: str, feedback: dt.date,
             published: dt.datetime) -> str:
    extra = ""
    if status == "已完成":
        extra += f"完成日期: {feedback + dt.timedelta(days=rng.randint(20, 110))}\n"
    elif rng.random() < 0.7:
        extra += f"整改时限: {published.date() + dt.timedelta(days=rng.randint(60, 300))}\n"
    if rng.random() < 0.6:
        extra += f"责任部门: {rng.choice(DEPARTMENTS)}\n"
    measures = rng.sample(MEASURES, rng.randint(2, 4))
    body = "\n\n".join(f"{ORDINALS[i]}是{m}。" for i, m in enumerate(measures))
    if status == "整改中":
        body += "\n\n目前该问题正在按计划推进整改，将在整改时限内完成。"
    elif status == "长期坚持":
        body += "\n\n该问题需要长期坚持，将持续抓好落实，并定期报告进展。"
    return (f"---\n编号: {number}\n标题: 关于“{rng.choice(TOPICS)}”的问题\n类别: {category}\n"
            f"状态: {status}\n{extra}---\n{body}\n")


def write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def make(dest: str) -> int:
    """Write the example into dest (replacing it); returns the number of problems."""
    rng = random.Random(15)
    shutil.rmtree(dest, ignore_errors=True)
    write(os.path.join(dest, "site.yml"), SITE_YML)
    for n, (stem, name, short) in enumerate(UNITS, start=1):
        write(os.path.join(dest, "单位", f"{stem}.yml"), unit_yml(stem, name, short, n))
    problems = 0
    for age, (key, round_name, start, end, feedback, published, units) in enumerate(ROUNDS):
        round_totals = {"单位数": len(units), "问题总数": 0, "已完成": 0, "整改中": 0, "长期坚持": 0}
        # Older rounds are further along: more of their problems are done.
        weights = ((0.86, 0.06, 0.08), (0.74, 0.16, 0.10), (0.55, 0.35, 0.10))[age]
        for order, index in enumerate(units):
            stem, name, _ = UNITS[index]
            categories = CATEGORIES[: rng.randint(4, 7)]
            size = rng.randint(11, 18)
            statuses = rng.choices(("已完成", "整改中", "长期坚持"), weights, k=size)
            folder = os.path.join(dest, f"{key}-{stem}")
            for number, status in enumerate(statuses, start=1):
                category = categories[(number - 1) * len(categories) // size]
                write(os.path.join(folder, f"{number:02d}.md"),
                      issue_md(rng, number, category, status, feedback, published + dt.timedelta(days=order)))
            counts = {s: statuses.count(s) for s in ("已完成", "整改中", "长期坚持")}
            stated = {"类别数": len(categories), "问题总数": size, **counts}
            write(os.path.join(folder, "notice.md"),
                  notice_md(name, round_name, start, end, feedback, published + dt.timedelta(days=order),
                            categories, stated))
            round_totals["问题总数"] += size
            for status, count in counts.items():
                round_totals[status] += count
            problems += size
        round_file = f"名称: {round_name}\n"
        if age == len(ROUNDS) - 1:  # the latest round states the totals the 巡察办 announced
            round_file += "公布数字:\n" + "".join(f"  {k}: {v}\n" for k, v in round_totals.items())
        write(os.path.join(dest, "轮次", f"{key}.yml"), round_file)
    return problems


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "district")
    print(f"{target}: {make(target)} problems")
