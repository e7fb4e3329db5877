"""dwgk command line: build, check, serve, archive, publish and import a disclosure site.

Only argument parsing and exit codes live here: 0 success, 1 content errors, 2 usage errors.
`python build.py …` and the `dwgk …` command that pip installs both call main().
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import sys

from . import pipeline
from .discovery import SKIPPED_NOTE
from .failures import Failure, failure_of
from .model import BuildFailed, UsageError
from .schema import bad_url_message, normalise_base_url

# The project folder: the one holding build.py, dwgk/ and the bundled layouts/.
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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
    ("invalid int value: ", "应是整数，而不是 "),
    ("invalid float value: ", "应是数字，而不是 "),
    ("expected at least one argument", "至少需要跟一个值"),
)


class ChineseParser(argparse.ArgumentParser):
    """argparse in Chinese: headings, usage, errors, and -h (the benchmark's tools use it too)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "add_help": False})
        if kwargs.get("add_help", True):
            self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message):
        for english, chinese in _ARGPARSE_MESSAGES:
            message = message.replace(english, chinese)
        self.print_usage(sys.stderr)
        top = next((t for t in ("dwgk", "python build.py") if self.prog.startswith(t)), self.prog)  # or a tool's
        self.exit(2, f"错误：{message}\n请运行 {top} --help 查看用法。\n")

    def format_usage(self):
        return super().format_usage().replace("usage:", "用法：", 1)

    def format_help(self):
        text = super().format_help().replace("usage:", "用法：", 1).replace("options:", "选项：")
        if self._subparsers is None:  # one command's own arguments
            return text.replace("positional arguments:", "参数：")
        # The top level lists the commands: one heading, not the heading and then the metavar.
        return text.replace("positional arguments:\n  命令\n", "命令：\n")


def port_number(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"端口应是 1 到 65535 之间的整数，而不是“{text}”")
    return int(text)


def make_parser(prog: str = "python build.py") -> argparse.ArgumentParser:
    parser = ChineseParser(prog=prog, description="dwgk 党务公开网站生成器", add_help=False)
    parser.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
    commands = parser.add_subparsers(dest="command", metavar="命令", parser_class=ChineseParser)

    def add_source(sub):
        sub.add_argument("-s", "--source", default=None, metavar="文件夹",
                         help="网站文件夹：其中的 content、site、archive 属于同一个网站（默认当前文件夹）")

    def add(name, help_text, output="site"):
        sub = commands.add_parser(name, help=help_text, description=help_text, add_help=False)
        sub.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
        add_source(sub)
        sub.add_argument("--content", default=None, metavar="文件夹", help="内容文件夹（默认网站文件夹中的 content）")
        sub.add_argument("--layouts", default=os.path.join(HERE, "layouts"), metavar="文件夹",
                         help="模板文件夹（默认 dwgk 自带的 layouts）")
        sub.add_argument("--output", default=None, metavar="文件夹", help=f"输出文件夹（默认网站文件夹中的 {output}）")
        sub.add_argument("--archive", default=None, metavar="文件夹",
                         help="年度归档文件夹（默认网站文件夹中的 archive，请纳入版本管理）")
        sub.set_defaults(default_output=output)
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
    text = "把已发布的整改通报（Word 文档 .docx、网页 .html 或纯文本 .txt）导入为内容文件（不覆盖已有文件）"
    sub = commands.add_parser("import", help=text, description=text, add_help=False)
    sub.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
    sub._positionals.title = "参数"
    sub.add_argument("notice", metavar="通报文件", help="通报的 Word 文档（.docx）、从浏览器另存的网页（.html、.htm）或纯文本（.txt）")
    add_source(sub)
    sub.add_argument("--content", default=None, metavar="文件夹",
                     help="内容文件夹（默认网站文件夹中的 content；不存在时新建）")
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


def in_site(source: str | None, name: str) -> str:
    """name inside the site folder, shown as the editor would type it."""
    return name if source in (None, "", ".") else os.path.join(source, name)


def same_folder(a: str, b: str) -> bool:
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def shell_word(text: str) -> str:
    """A path as one word of a command the editor can paste into their shell."""
    if text and all(c not in text for c in " \t'\"&|;<>()$`*?[]{}!#~"):
        return text
    if os.name == "nt":
        return f'"{text}"'
    return "'" + text.replace("'", "'\\''") + "'"


def resolve_paths(args) -> tuple[pipeline.Paths, str | None]:
    """The site folder's content, output and archive, and a refusal (or None) when --content
    points away from the site folder while its site would still be written to, or its archive
    read from, the site folder: another folder's site/ and archive/ are used only when named."""
    source = args.source
    content = args.content or in_site(source, "content")
    output = args.output or in_site(source, args.default_output)
    archive_dir = args.archive or in_site(source, "archive")
    paths = pipeline.Paths(content, args.layouts, output, archive_dir)
    if args.content is None or same_folder(content, in_site(source, "content")):
        return paths, None
    needed = []
    if args.output is None and args.command != "check":
        needed.append("--output")
    if args.archive is None and os.path.isdir(archive_dir):
        needed.append("--archive")
    if not needed:
        return paths, None
    site = source or "."
    if os.path.basename(os.path.normpath(content)) == "content":
        hint = (f"请改用 -s 指定它所在的网站文件夹：{args.prog} {args.command} -s "
                f"{shell_word(os.path.dirname(os.path.normpath(content)) or '.')}")
    else:
        hint = ("请把它改名为 content 放进这个网站自己的文件夹，再用 -s 指定那个文件夹；"
                f"或者用 {' 和 '.join(needed)} 指明这个网站自己的输出")
    return paths, (f"内容文件夹 {content} 不在网站文件夹 {site} 中，而网站 {output} 和归档 {archive_dir} "
                   f"仍是 {site} 中的，两个网站会混在一起。{hint}")


def next_steps(args, content_dir: str) -> str:
    """The commands that, typed as shown, check and build the site the import just filled."""
    if same_folder(content_dir, in_site(args.source, "content")):
        where = "" if args.source in (None, "", ".") else f" -s {shell_word(args.source)}"
    elif os.path.basename(os.path.normpath(content_dir)) == "content":
        where = f" -s {shell_word(os.path.dirname(os.path.normpath(content_dir)) or '.')}"
    else:
        folder = os.path.normpath(content_dir)
        where = (f" --content {shell_word(folder)} --output {shell_word(folder + '-site')}"
                 f" --archive {shell_word(folder + '-archive')}")
    return (f"下一步：运行 {args.prog} check{where} 检查，"
            f"无误后运行 {args.prog} build{where} 生成网站。\n")


def run_import(args) -> int:
    content_dir = args.content or in_site(args.source, "content")
    try:
        said = importer.import_notice(args.notice, content_dir, args.key)
    except importer.ImportRefused as refused:
        if refused.report:
            print(refused.report, end="")
        print(f"错误：{refused}", file=sys.stderr)
        return 1
    except UsageError as exc:
        return report(failure_of(exc, content_dir))
    # The importer knows the content folder only; which command builds it is the CLI's to say.
    lines = [line for line in said.splitlines(keepends=True) if not line.startswith("下一步：")]
    print("".join(lines) + next_steps(args, content_dir), end="")
    return 0


def main(argv: list[str] | None = None, prog: str = "python build.py") -> int:
    """Parse the command line and run its command (RUN_COMMAND): 0 done, 1 content errors, 2 usage errors."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv.insert(0, "build")
    parser = make_parser(prog)
    args = parser.parse_args(argv)
    args.prog = prog
    if getattr(args, "no_cache", False) and args.cache:
        parser.error("--cache 和 --no-cache 不能同时使用")
    if args.command == "import":  # into a new site folder too
        return run_import(args)
    if args.source is not None and not os.path.isdir(args.source):
        print(f"错误：找不到网站文件夹 {args.source}", file=sys.stderr)
        return 2
    paths, refusal = resolve_paths(args)
    if args.command == "archive" and args.verify:  # needs the archive folder only
        return verify(paths.archive_dir, args.year)
    base_url, problem = site_options(args, paths, refusal)
    if problem:
        print(f"错误：{problem}", file=sys.stderr)
        return 2
    try:
        return RUN_COMMAND[args.command](args, paths, base_url)
    except Exception as exc:
        failure = failure_of(exc, paths.output_dir)
        if failure is None:  # a bug of dwgk: its traceback
            raise
        return report(failure)


def site_options(args, paths: pipeline.Paths, refusal: str | None) -> tuple[str | None, str | None]:
    """The base URL given with --base-url (normalised), and what makes the options unusable, if anything."""
    base_url = None
    if getattr(args, "base_url", None) is not None:
        base_url = normalise_base_url(args.base_url)
        if base_url is None:
            return None, f"--base-url {bad_url_message(args.base_url)}"
    for label, folder in (("内容文件夹", paths.content_dir), ("模板文件夹", paths.layouts_dir)):
        if not os.path.isdir(folder):
            return None, f"找不到{label} {folder}"
    return base_url, refusal


def run_build(args, paths: pipeline.Paths, base_url: str | None) -> int:
    counts = pipeline.build(paths, base_url, cache_folder(args))
    print("\n".join(build_summary(counts, paths.output_dir)))
    return 0


def run_check(args, paths: pipeline.Paths, base_url: str | None) -> int:
    counts = pipeline.check(paths, base_url)
    print("\n".join([f"检查通过：将生成 {counts['files']} 个文件。", *counts["notes"]]))
    return 0


def run_publish(args, paths: pipeline.Paths, base_url: str | None) -> int:
    publish.check_targets(paths, args.dest, args.zip)
    counts = pipeline.build(paths, base_url)
    print("\n".join(build_summary(counts, paths.output_dir)))
    lines = publish.publish(paths.output_dir, counts["base_url"], args.dest, args.zip, args.dry_run)
    # Said when it matters, on publishing, not after every build of a site read on paper.
    print("\n".join(lines + ([] if counts["base_url"] else [SKIPPED_NOTE])))
    return 0


def run_archive(args, paths: pipeline.Paths, base_url: str | None) -> int:
    taken = archive.snapshot_date()
    year = args.year or str(taken.year)
    try:
        result, counts = archive.archive_site(paths, year, taken, base_url, cache_folder(args))
    except BuildFailed as failed:
        return report(failure_of(failed, paths.output_dir, "没有归档，网站未更新"))
    print(f"已归档{year}年度：{result.folder}（{result.pages} 个网页，清单共 {result.files} 个文件，"
          f"归档日期{render.cn_date(taken)}）。\n交档案部门的压缩包：{result.zip_path}\n"
          f"请把 {paths.archive_dir} 文件夹提交到版本库保存。")
    print("\n".join(build_summary(counts, paths.output_dir)))
    return 0


def run_serve(args, paths: pipeline.Paths, base_url: str | None) -> int:
    from . import serve  # livereload and tornado load only for this command

    return serve.serve(paths, host=args.host, port=args.port)


#: Each command (but import, which needs no site yet: run_import) and what runs it.
RUN_COMMAND = {"build": run_build, "check": run_check, "publish": run_publish, "archive": run_archive,
               "serve": run_serve}


def cache_folder(args) -> str | None:
    """--no-cache: None; --cache: that folder; otherwise the default, beside the output folder."""
    if getattr(args, "no_cache", False):
        return None
    return getattr(args, "cache", None) or pipeline.BESIDE_OUTPUT


def report(failure: Failure) -> int:
    """Print a failure (failures.failure_of) for the editor; its exit status."""
    print("\n".join(failure.lines + ((failure.closing,) if failure.closing else ())), file=sys.stderr)
    return failure.status


def verify(archive_dir: str, year: str | None) -> int:
    try:
        results = archive.verify_archive(archive_dir, year)
    except UsageError as exc:
        return report(failure_of(exc, archive_dir))
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


def run(argv: list[str] | None = None, prog: str = "dwgk") -> None:
    """The process's whole life: run one command and exit with its status."""
    set_collector_policy()
    status = main(argv, prog)
    # The process ends here: spare the garbage collector its last pass over everything still in
    # memory (after a rebuild at 10,000 issues some 400,000 objects).
    gc.freeze()
    sys.exit(status)


def set_collector_policy() -> None:
    """The garbage collector's policy for the whole process, set once, here.

    What dwgk holds is mostly records in no reference cycle that live as long as a build or
    longer (the listing of the content folder, the build cache's records, and in the preview
    the cache.CacheMemory kept between rebuilds: some 300,000 objects at 10,000 issues). With the
    default thresholds every 700 new objects start a collection, and a preview rebuild at 10,000
    issues made a hundred of them and a full pass; with YOUNG_COLLECTION the short-lived garbage
    of parsing and rendering is still collected, the full passes still come (more rarely), and a
    rebuild makes about one collection.
    """
    gc.freeze()  # what importing made lives as long as the process
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION, middle, old)


#: New objects between two collections of the youngest generation (Python's default is 700).
YOUNG_COLLECTION = 50_000
