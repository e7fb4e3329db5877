#!/usr/bin/env python3
"""dwgk command line: build, check, serve, archive, publish and import a disclosure site.

Only argument parsing and exit codes live here: 0 success, 1 content errors, 2 usage errors.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import importlib.util  # noqa: E402

from dwgk import pipeline  # noqa: E402
from dwgk.model import BuildFailed, UsageError  # noqa: E402
from dwgk.schema import bad_url_message, normalise_base_url  # noqa: E402


def lazy(name: str):
    """A module loaded on first use (importlib's recipe): a rebuild with nothing to do must not
    spend a third of its time importing what the other commands need."""
    spec = importlib.util.find_spec(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)  # as an import would
    return module


archive, importer, publish, render = (sys.modules.get(f"dwgk.{m}") or lazy(f"dwgk.{m}")
                                      for m in ("archive", "importer", "publish", "render"))

COMMANDS = ("build", "check", "archive", "import", "serve", "publish")

# argparse's own messages, in the Chinese an editor reads.
_ARGPARSE_MESSAGES = (
    ("unrecognized arguments: ", "无法识别的参数："),
    ("expected one argument", "需要跟一个值"),
    ("invalid choice: ", "未知的命令："),
    ("the following arguments are required: ", "缺少参数："),
    ("argument ", "参数 "),
    ("(choose from ", "（可用："),
)


class ChineseParser(argparse.ArgumentParser):
    def error(self, message):
        for english, chinese in _ARGPARSE_MESSAGES:
            message = message.replace(english, chinese)
        self.print_usage(sys.stderr)
        self.exit(2, f"错误：{message}\n请运行 python build.py --help 查看用法。\n")

    def format_usage(self):
        return super().format_usage().replace("usage:", "用法：", 1)

    def format_help(self):
        return (super().format_help().replace("usage:", "用法：", 1)
                .replace("positional arguments:", "命令：" if self.prog == "python build.py" else "参数：")
                .replace("options:", "选项："))


def port_number(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"端口应是 1 到 65535 之间的整数，而不是“{text}”")
    return int(text)


def make_parser() -> argparse.ArgumentParser:
    parser = ChineseParser(prog="python build.py", description="dwgk 党务公开网站生成器",
                           add_help=False)
    parser.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
    commands = parser.add_subparsers(dest="command", metavar="命令", parser_class=ChineseParser)

    def add(name, help_text, output="site"):
        sub = commands.add_parser(name, help=help_text, description=help_text, add_help=False)
        sub.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
        sub.add_argument("--content", default="content", metavar="文件夹", help="内容文件夹（默认 content）")
        sub.add_argument("--layouts", default=os.path.join(HERE, "layouts"), metavar="文件夹",
                         help="模板文件夹（默认 dwgk 自带的 layouts）")
        sub.add_argument("--output", default=output, metavar="文件夹", help=f"输出文件夹（默认 {output}）")
        sub.add_argument("--archive", default="archive", metavar="文件夹",
                         help="年度归档文件夹（默认 archive，请纳入版本管理）")
        return sub

    def add_base_url(sub):
        sub.add_argument("--base-url", metavar="网址",
                         help="网站发布后的地址，如 https://www.example.gov.cn/dwgk/（代替 site.yml 中的“网站地址”）")

    build = add("build", "生成网站到输出文件夹（不写命令时默认执行此项）")
    add_base_url(build)
    build.add_argument("--cache", default=None, metavar="文件夹",
                       help="生成缓存放在哪里（默认输出文件夹旁边的 .dwgk-cache，可随时删除）")
    build.add_argument("--no-cache", action="store_true", help="不用缓存，从头生成全部文件")
    add_base_url(add("check", "只检查内容，不写任何文件"))
    sub = add("archive", "把网站现在的样子归档为一个年度版本并重新生成网站；加 --verify 则校验全部归档")
    sub.add_argument("year", nargs="?", metavar="年度", help="四位数字的年份（默认今年）")
    sub.add_argument("--verify", action="store_true", help="按清单校验归档，列出缺失、多出或被改动的文件")
    text = "把纯文本的整改通报导入为内容文件（不覆盖已有文件）"
    sub = commands.add_parser("import", help=text, description=text, add_help=False)
    sub.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
    sub._positionals.title = "参数"
    sub.add_argument("notice", metavar="通报文件", help="从网页或 Word 复制出的通报全文，存为 .txt 文件")
    sub.add_argument("--content", default="content", metavar="文件夹", help="内容文件夹（默认 content；不存在时新建）")
    sub.add_argument("--key", metavar="文件夹名", help="通报文件夹名（默认取发布年份，如 2019；已占用时为 2019-2）")
    # The preview's own folder (gitignored), outside every folder it watches.
    preview = add("serve", "生成预览并在浏览器中实时显示每次保存（默认 http://127.0.0.1:8000/）",
                  output=".preview")
    preview.add_argument("--port", type=port_number, default=8000, metavar="端口", help="端口（默认 8000）")
    preview.add_argument("--host", default="127.0.0.1", metavar="地址",
                         help="监听地址（默认 127.0.0.1，只有本机能打开；0.0.0.0 让局域网内的同事也能打开）")
    pub = add("publish", "生成网站，检查链接，再复制到网站服务器的文件夹，或打包为压缩包")
    pub.add_argument("dest", nargs="?", metavar="目标文件夹", help="网站服务器上存放本网站的文件夹")
    pub.add_argument("--zip", metavar="文件", help="另外（或只）生成一个压缩包，含校验清单，供上传到网站内容管理系统")
    pub.add_argument("--dry-run", action="store_true", help="只列出将要发生的改动，不改动目标文件夹和压缩包")
    add_base_url(pub)
    return parser


def build_summary(counts: dict, output: str) -> list[str]:
    return [f"生成完成：{output} 中共 {counts['files']} 个文件，"
            f"本次写入 {counts['written']} 个，删除 {counts['removed']} 个过时文件。", *counts["notes"]]


def run_import(args) -> int:
    try:
        report = importer.import_notice(args.notice, args.content, args.key)
    except importer.ImportRefused as refused:
        if refused.report:
            print(refused.report, end="")
        print(f"错误：{refused}", file=sys.stderr)
        return 1
    except UsageError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(report, end="")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv.insert(0, "build")
    parser = make_parser()
    args = parser.parse_args(argv)
    if getattr(args, "no_cache", False) and args.cache:
        parser.error("--cache 和 --no-cache 不能同时使用")
    if args.command == "import":
        return run_import(args)
    paths = pipeline.Paths(args.content, args.layouts, args.output, args.archive)
    if args.command == "archive" and args.verify:
        return verify(args.archive, args.year)
    base_url = None
    if getattr(args, "base_url", None) is not None:
        base_url = normalise_base_url(args.base_url)
        if base_url is None:
            print(f"错误：--base-url {bad_url_message(args.base_url)}", file=sys.stderr)
            return 2
    for label, folder in (("内容文件夹", args.content), ("模板文件夹", args.layouts)):
        if not os.path.isdir(folder):
            print(f"错误：找不到{label} {folder}", file=sys.stderr)
            return 2
    try:
        if args.command == "serve":
            from dwgk import serve  # livereload and tornado load only for this command

            return serve.serve(paths, host=args.host, port=args.port)
        if args.command == "check":
            files = pipeline.check(paths, base_url)
            print(f"检查通过：将生成 {len(files)} 个文件。")
        elif args.command == "publish":
            publish.check_targets(paths, args.dest, args.zip)
            counts = pipeline.build(paths, base_url)
            print("\n".join(build_summary(counts, args.output)))
            lines = publish.publish(args.output, counts["base_url"], args.dest, args.zip, args.dry_run)
            print("\n".join(lines))
        else:
            if args.command == "archive":
                taken = archive.snapshot_date()
                year = args.year or str(taken.year)
                try:
                    result = archive.take_snapshot(paths, year, taken)
                except BuildFailed as failed:
                    return report(failed, "没有归档，网站未更新")
                print(f"已归档{year}年度：{result.folder}（{result.pages} 个网页，清单共 {result.files} 个文件，"
                      f"归档日期{render.cn_date(taken)}）。\n交档案部门的压缩包：{result.zip_path}\n"
                      f"请把 {args.archive} 文件夹提交到版本库保存。")
            counts = pipeline.build(paths, base_url, cache_folder(args))
            print("\n".join(build_summary(counts, args.output)))
    except publish.PublishRefused as refused:
        return report(refused, "未发布：发布目标没有任何改动")
    except publish.PublishInterrupted as interrupted:
        return report(interrupted, "发布未完成")
    except BuildFailed as failed:
        return report(failed, "网站未更新")
    except UsageError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except archive.SnapshotExists as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # the disk is full, a folder is not writable …: not a dwgk bug
        from dwgk.content import display_path  # noqa: PLC0415 - only on this path

        where = display_path(exc.filename) if exc.filename else args.output
        print(f"{where}: 读写文件失败：{exc.strerror or exc}", file=sys.stderr)
        print("生成中断：请排除上面的问题（如磁盘已满、没有写入权限）后重新生成。", file=sys.stderr)
        return 1
    return 0


def cache_folder(args) -> str | None:
    """--no-cache: None; --cache: that folder; otherwise the default, beside the output folder."""
    if getattr(args, "no_cache", False):
        return None
    return getattr(args, "cache", None) or pipeline.BESIDE_OUTPUT


def report(failed: BuildFailed, outcome: str) -> int:
    for error in failed.errors:
        print(error, file=sys.stderr)
    print(f"共 {len(failed.errors)} 处错误，{outcome}。", file=sys.stderr)
    return 1


def verify(archive_dir: str, year: str | None) -> int:
    try:
        results = archive.verify_archive(archive_dir, year)
    except UsageError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if not results:
        print(f"归档文件夹 {archive_dir} 中还没有任何年度归档。")
        return 0
    problems = sorted(p for _, checked in results for p in checked.problems + checked.added)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"归档校验未通过：共 {len(problems)} 处与清单不符。缺失或改动的文件请从版本库恢复"
              f"（如 git checkout -- {archive_dir}），多出的文件请移出归档文件夹。", file=sys.stderr)
        return 1
    for year, checked in results:
        print(f"{year}年度：{len(checked.manifest.files)} 个文件与清单一致，压缩包完好。")
    print(f"归档校验通过：共 {len(results)} 个年度。")
    return 0


if __name__ == "__main__":
    status = main()
    # The process ends here: spare the garbage collector its last pass over everything still in
    # memory (after a rebuild at 10,000 issues some 400,000 objects: 30 ms of the editor's wait).
    gc.freeze()
    sys.exit(status)
