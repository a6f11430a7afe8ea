#!/usr/bin/env python3
"""Fails when an import in api/src runs up a floor, or when files import each other in a loop.

The floors, from the top (docs/architecture.md explains them):
  4 entry       cli.rs, startup.rs
  3 transport   graphql/, http/, state.rs
  2 services    service/, worker/, events/, search/, seed/, demo/
  1 foundation  domain/, cache/, auth/, config, db.rs, error.rs, metrics.rs, global_id.rs,
                shutdown.rs, telemetry.rs
A file may import its own floor and the floors below it. Below transport nothing names
async_graphql or actix. No two files may import each other, directly or through others. A parent module's use of its
own children (`mod child;`, `pub use child::Item`, `child::run()`) composes one module and is
not counted; a child using its parent, and siblings using each other, are. The same holds
between modules (`service/products/` and `service/listings/` as wholes).

Usage: scripts/check_layers.py [--self-test] [--root CHECKOUT]
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FLOORS = [
    (4, ["cli.rs", "startup.rs", "lib.rs"]),
    (3, ["graphql/", "http/", "state.rs"]),
    (2, ["service/", "worker/", "events/", "search/", "seed/", "demo/"]),
    (1, ["domain/", "cache/", "auth/", "config/", "config.rs", "db.rs", "error.rs",
         "metrics.rs", "global_id.rs", "shutdown.rs", "telemetry.rs"]),
]
TRANSPORT_CRATES = ("async_graphql", "actix_web", "actix_http", "actix_service", "actix_server",
                    "actix_ws", "actix_cors", "async_graphql_actix_web")


def floor_of(relative: str) -> int:
    for floor, places in FLOORS:
        for place in places:
            if relative == place or (place.endswith("/") and relative.startswith(place)):
                return floor
    raise SystemExit(f"check_layers: {relative} is on no floor; add it to FLOORS")


def module_path(relative: str) -> list[str]:
    """`service/products/mod.rs` -> ["service", "products"]."""
    parts = relative[:-3].split("/")
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return parts


def strip_comments_and_strings(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r'r#*"(?:.|\n)*?"#*', '""', text)
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', text)


def without_tests(text: str) -> str:
    """Drops `#[cfg(test)] mod … { … }`: tests may reach anywhere."""
    out, index = [], 0
    for match in re.finditer(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text):
        if match.start() < index:
            continue
        out.append(text[index:match.start()])
        depth, position = 1, match.end()
        while depth and position < len(text):
            depth += {"{": 1, "}": -1}.get(text[position], 0)
            position += 1
        index = position
    out.append(text[index:])
    return "".join(out)


def expand_use(tree: str) -> list[str]:
    """`crate::{a::b, c::{d, e}}` -> ["crate::a::b", "crate::c::d", "crate::c::e"]."""
    tree = re.sub(r"\s+", "", tree)
    brace = tree.find("{")
    if brace < 0:
        return [re.sub(r"as\w+$", "", tree)]
    prefix, inner = tree[:brace], tree[brace + 1:tree.rfind("}")]
    parts, depth, start = [], 0, 0
    for position, char in enumerate(inner):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(inner[start:position])
            start = position + 1
    parts.append(inner[start:])
    paths = []
    for part in filter(None, parts):
        for path in expand_use(part):
            paths.append(prefix + path if path != "self" else prefix.rstrip(":"))
    return paths


def paths_in(text: str) -> list[str]:
    """Every path the file names, child modules' paths written as `self::child::…`."""
    children = set(re.findall(r"\bmod\s+(\w+)\s*;", text))
    paths = []
    # A re-export (`pub use child::Item`) is the module's face, not a dependency of its code.
    for match in re.finditer(r"(?<!pub )(?<!pub\(crate\) )(?<!pub\(super\) )\buse\s+([^;]+);", text):
        for path in expand_use(match.group(1)):
            head = path.split("::")[0]
            paths.append("self::" + path if head in children else path)
    body = re.sub(r"\buse\s+[^;]+;", " ", text)
    paths.extend(re.findall(r"\b(?:crate|super|self)(?:::\w+)+", body))
    for child in children:
        paths.extend("self::" + path for path in re.findall(r"(?<![:\w])%s(?:::\w+)+" % child, body))
    paths.extend(re.findall(r"\b(?:%s)::\w+" % "|".join(TRANSPORT_CRATES), body))
    return paths


def resolve(path: str, here: list[str], files: dict) -> str | None:
    """The file a `crate::`/`super::` path names, or None for other crates and for itself."""
    segments = path.split("::")
    if segments[0] == "crate":
        base, rest = [], segments[1:]
    elif segments[0] in ("super", "self"):
        base = list(here)
        while segments and segments[0] in ("super", "self"):
            if segments.pop(0) == "super":
                base = base[:-1]
        rest = segments
    else:
        return None
    candidate = base + rest
    while candidate:
        key = "/".join(candidate)
        if key in files:
            return files[key]
        candidate = candidate[:-1]
    return None


def read_files(root: Path) -> dict[str, str]:
    src = root / "api" / "src"
    return {str(path.relative_to(src)): path.read_text() for path in sorted(src.rglob("*.rs"))}


def check(sources: dict[str, str]) -> list[str]:
    modules = {"/".join(module_path(relative)): relative for relative in sources}
    problems, edges = [], {relative: set() for relative in sources}
    for relative, text in sources.items():
        code = without_tests(strip_comments_and_strings(text))
        floor = floor_of(relative)
        here = module_path(relative)
        for path in paths_in(code):
            head = path.split("::")[0]
            if head in TRANSPORT_CRATES and floor < 3:
                problems.append(f"{relative}: names {head} below the transport floor ({path})")
                continue
            target = resolve(path, here, modules)
            if target is None or target == relative:
                continue
            if floor_of(target) > floor:
                problems.append(f"{relative}: imports {path} from the floor above ({target})")
            # A parent composing its own child modules is one module at work; a child using
            # its parent, or siblings using each other, are the arrows that can loop.
            if module_path(target)[: len(here)] != here:
                edges[relative].add(target)
    for cycle in cycles(edges):
        problems.append("files that import each other in a loop: " + ", ".join(cycle))
    for cycle in cycles(module_edges(edges)):
        problems.append("modules that import each other in a loop: " + ", ".join(cycle))
    return problems


def group_of(relative: str) -> str:
    """The module a file belongs to: `service/products/create.rs` -> `service/products`."""
    return "/".join(module_path(relative)[:2]) or "lib"


def module_edges(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """The file arrows between modules (`service/listings` -> `service/products`), leaving out
    a parent module's arrows into its own children."""
    between: dict[str, set[str]] = {}
    for source, targets in edges.items():
        for target in targets:
            here, there = group_of(source), group_of(target)
            if here != there and not there.startswith(here + "/"):
                between.setdefault(here, set()).add(there)
    return between


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10000)
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def self_test() -> None:
    fine = {
        "lib.rs": "pub mod service; pub mod graphql;",
        "graphql/mod.rs": "mod products; use crate::service::products::create;",
        "graphql/products.rs": "use async_graphql::Object; use crate::service::products;",
        "service/mod.rs": "pub mod products;",
        "service/products.rs": "use crate::error::AppError;\n#[cfg(test)]\nmod tests { use crate::graphql::x; }",
        "error.rs": "// crate::graphql is named only in this comment\npub enum AppError {}",
    }
    assert check(fine) == [], check(fine)
    upward = dict(fine, **{"service/products.rs": "use crate::{error::AppError, graphql::{products::X}};"})
    assert any("floor above" in problem for problem in check(upward)), check(upward)
    transport_type = dict(fine, **{"service/products.rs": "fn f() -> async_graphql::Result<()> { todo!() }"})
    assert any("names async_graphql" in problem for problem in check(transport_type))
    loop = dict(fine, **{
        "service/products.rs": "use super::variants::check;",
        "service/variants.rs": "use crate::service::products::MAX;",
        "service/mod.rs": "pub mod products; pub mod variants;",
    })
    assert any("loop" in problem for problem in check(loop)), check(loop)
    face = dict(fine, **{
        "graphql/mod.rs": "mod products; pub use products::ProductQuery;\npub fn app() {}",
        "graphql/products.rs": "use super::app;",
    })
    assert check(face) == [], check(face)
    siblings_through_parent = dict(fine, **{
        "graphql/mod.rs": "mod products; mod users; pub use products::ProductQuery;\npub fn app() {}",
        "graphql/products.rs": "use super::users::User;",
        "graphql/users.rs": "use super::products::Product;",
    })
    assert any("loop" in problem for problem in check(siblings_through_parent))
    modules_loop = dict(fine, **{
        "service/mod.rs": "pub mod products; pub mod listings;",
        "service/products/mod.rs": "mod create;",
        "service/products/create.rs": "use crate::service::listings::outbox::queue;",
        "service/listings/mod.rs": "mod publish; pub mod outbox;",
        "service/listings/outbox.rs": "pub fn queue() {}",
        "service/listings/publish.rs": "use crate::service::products::find;",
    })
    assert any("modules that import" in problem for problem in check(modules_loop)), check(modules_loop)
    print("check_layers: self-test passed")


def main() -> int:
    if "--self-test" in sys.argv[1:]:
        self_test()
        return 0
    arguments = sys.argv[1:]
    root = Path(arguments[arguments.index("--root") + 1]) if "--root" in arguments else ROOT
    problems = check(read_files(root))
    for problem in problems:
        print(problem)
    if problems:
        print(f"check_layers: {len(problems)} problem(s)")
        return 1
    print("check_layers: every import runs down, and no files or modules import each other in a loop")
    return 0


if __name__ == "__main__":
    sys.exit(main())
