"""The import graph of server/, offline/ and scanner/: no cycles, no lazy import dodging one.

Built from the source with ast (nothing is imported), counting module-level AND function-level
imports: a function-level import that closes a loop is still a loop, merely hidden until the
function runs. A function-level import is allowed only where ALLOWED_LAZY says why.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("server", "offline", "scanner")

# (importing module, imported module): why it is imported inside a function on purpose.
ALLOWED_LAZY = {
    # create_app is the composition root: it wires every part once the config is read.
    ("server", "*"): "the app factory wires the app's parts after reading its config",
    # Heavy or optional native libraries: loading them costs seconds or may fail; only the
    # commands and requests that decode images need them.
    ("*", "cv2"): "OpenCV is heavy and only needed to decode images",
    ("*", "pyzbar"): "ZBar is an optional system library (libzbar0)",
    ("*", "zxingcpp"): "the zxing-cpp decoder is only needed to decode images",
    ("*", "PIL"): "Pillow is only needed to decode or draw images",
    ("*", "numpy"): "numpy is only needed to decode images",
    ("*", "qrcode"): "the QR drawing library is only needed to draw codes",
    ("*", "openpyxl"): "openpyxl is only needed for XLSX files",
    ("*", "rapidocr"): "the OCR model takes seconds to load; only ID-card photos need it",
    ("*", "pyrage"): "the age library is only needed by backups",
    ("*", "werkzeug.middleware.proxy_fix"): "only loaded when proxies are trusted",
    ("server.doctor", "*"): "each check loads what it checks, so one broken part cannot stop "
                            "the others from being reported",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]):
    """Yield (imported module, line, is_lazy) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    lazy_lines = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    lazy_lines.add(inner.lineno)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, node.lineno in lazy_lines
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                if node.level > 1:
                    base = base[: -(node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                target = submodule if submodule in modules else source
                yield target, node.lineno, node.lineno in lazy_lines


def _is_allowed_lazy(importer: str, imported: str) -> bool:
    for (who, what) in ALLOWED_LAZY:
        if who in ("*", importer) and (what == "*" or imported == what
                                       or imported.startswith(what + ".")):
            return True
    return False


def _graph():
    modules = _sources()
    edges: dict[str, dict[str, int]] = {name: {} for name in modules}
    lazy = []
    for name, path in modules.items():
        for target, line, is_lazy in _imports(name, path, modules):
            if is_lazy and not _is_allowed_lazy(name, target):
                lazy.append(f"{path.relative_to(ROOT)}:{line} imports {target} inside a function")
            # Importing a.b.c first runs the packages a and a.b (their __init__), except
            # the ones the importer is already inside of.
            ancestors = target.split(".")
            for depth in range(1, len(ancestors)):
                package = ".".join(ancestors[:depth])
                if package in modules and not (name == package or name.startswith(package + ".")):
                    edges[name].setdefault(package, line)
            if target in modules and target != name:
                edges[name].setdefault(target, line)
    return modules, edges, sorted(set(lazy))


def _cycles(edges):
    """Strongly connected components of more than one module (Tarjan), each as a path."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for succ in edges[node]:
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
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

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _loop_in(component, edges):
    """One concrete loop through a component, to name it in the failure."""
    members = set(component)
    start = component[0]
    path, seen = [start], {start}
    node = start
    while True:
        successor = next(s for s in sorted(edges[node]) if s in members)
        if successor in seen:
            loop = path[path.index(successor):] + [successor]
            return " -> ".join(loop)
        path.append(successor)
        seen.add(successor)
        node = successor


def test_the_import_graph_has_no_cycle():
    _, edges, _ = _graph()
    cycles = _cycles(edges)
    assert not cycles, "import cycles:\n" + "\n".join(_loop_in(c, edges) for c in cycles)


def test_no_import_inside_a_function_but_the_allowed_ones():
    _, _, lazy = _graph()
    assert not lazy, ("imports inside functions (move them to the top, or say why in "
                      "ALLOWED_LAZY):\n" + "\n".join(lazy))


def test_no_module_imports_a_page_module():
    """Routes live in views.py / views_<topic>.py, which only create_app loads (a package's
    PARTS); what other modules need, in the package or another feature, lives in a non-view
    module (gate/lookup.py, review/person_page.py...), so that no page depends on another."""
    modules = _sources()
    wrong = []
    for name, path in modules.items():
        for target, line, _ in _imports(name, path, modules):
            last = target.rpartition(".")[2]
            if last == "views" or last.startswith("views_"):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not wrong, "\n".join(wrong)

def test_offline_and_scanner_never_import_flask_or_the_server():
    modules = _sources()
    wrong = []
    for name, path in modules.items():
        if not name.startswith(("offline", "scanner")):
            continue
        for target, line, _ in _imports(name, path, modules):
            if target.split(".")[0] in ("flask", "server", "flask_sqlalchemy", "werkzeug"):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_the_graph_sees_the_imports_it_checks():
    """The checks above would pass on an empty graph: make sure the graph is the real one."""
    modules, edges, _ = _graph()
    assert "server.gate.records" in modules and "offline.protocol" in modules
    assert "server.sync.records" in edges["server.gate.records"] or any(
        t.endswith(".records") for t in edges["server.gate.records"])
    assert _cycles({"a": {"b": 1}, "b": {"a": 1}}) == [["a", "b"]]
